"""k-means on log RFM: k chosen by silhouette recovers planted groups; the estimator
contract; comparison with the rule-based segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.exceptions import NotFittedError
from crmlib.segment import RFMClusters, compare_clusters


def _planted(n_per: int = 200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three well-separated groups in log space: lapsed one-offs, regulars, VIPs."""
    rng = np.random.default_rng(seed)
    centres = [(300, 1, 30), (40, 5, 400), (5, 30, 8000)]  # recency days, purchases, spend
    rows, truth = [], []
    for g, (r, f, m) in enumerate(centres):
        rows.append(
            np.column_stack(
                [
                    np.exp(np.log(r) + rng.normal(0, 0.15, n_per)),
                    np.maximum(1, np.round(np.exp(np.log(f) + rng.normal(0, 0.1, n_per)))),
                    np.exp(np.log(m) + rng.normal(0, 0.15, n_per)),
                ]
            )
        )
        truth += [g] * n_per
    x = np.vstack(rows)
    df = pd.DataFrame(x, columns=["recency_days", "purchases", "spend"],
                      index=[f"c{i:04d}" for i in range(len(x))])
    return df, np.asarray(truth)


def test_silhouette_recovers_planted_k_and_groups():
    df, truth = _planted()
    model = RFMClusters(k_range=range(2, 7)).fit(df)
    assert model.n_clusters_ == 3
    assert model.silhouette_.idxmax() == 3
    assert list(model.silhouette_.index) == [2, 3, 4, 5, 6]
    # clusters are numbered by mean spend: VIPs (group 2) are cluster 1
    table = pd.crosstab(truth, model.labels_.to_numpy())
    assert table.loc[2, 1] == 200 and table.loc[1, 2] == 200 and table.loc[0, 3] == 200
    assert model.profile_.loc[1, "name"] == "recent · frequent · high spend"
    assert model.profile_.loc[3, "name"] == "lapsed · one-off · low spend"
    assert model.profile_["share_revenue"].sum() == pytest.approx(1.0)
    assert model.profile_["customers"].sum() == len(df)


def test_fixed_k_and_deterministic_labels():
    df, _ = _planted(seed=1)
    a = RFMClusters(n_clusters=4, random_state=3).fit(df)
    b = RFMClusters(n_clusters=4, random_state=3).fit(df.sample(frac=1.0, random_state=0))
    assert a.n_clusters_ == 4 and list(a.silhouette_.index) == [4]
    pd.testing.assert_series_equal(a.labels_, b.labels_.loc[a.labels_.index])


def test_select_another_k_without_refitting():
    df, truth = _planted(seed=4)
    shuffled = df.sample(frac=1.0, random_state=2)
    model = RFMClusters(k_range=range(2, 6)).fit(shuffled)
    four = model.select(4)
    assert four.n_clusters_ == 4 and model.n_clusters_ == 3
    assert four.kmeans_ is model.kmeans_by_k_[4]
    assert list(four.labels_.index) == list(shuffled.index)  # the caller's order
    assert four.profile_["customers"].sum() == len(df)
    again = model.select(3)
    pd.testing.assert_series_equal(again.labels_, model.labels_)
    with pytest.raises(DataValidationError, match="k=9 was not fitted"):
        model.select(9)


def test_predict_matches_fitted_labels():
    df, _ = _planted(seed=2)
    model = RFMClusters(n_clusters=3).fit(df)
    pd.testing.assert_series_equal(model.predict(df), model.labels_)


def test_not_fitted_and_repr():
    model = RFMClusters()
    assert "n_clusters=None" in repr(model)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(_planted()[0])
    model.fit(_planted()[0])
    assert "fitted: k=3" in repr(model)


def test_bad_input():
    df, _ = _planted(n_per=2)
    with pytest.raises(DataValidationError, match="too few for 8 clusters"):
        RFMClusters().fit(df)
    with pytest.raises(DataValidationError, match="empty"):
        RFMClusters().fit(df.iloc[:0])
    with pytest.raises(DataValidationError, match="'spend' not found"):
        RFMClusters().fit(df.drop(columns="spend"))
    neg = _planted()[0]
    neg.iloc[0, 2] = -5.0
    with pytest.raises(DataValidationError, match="missing or negative"):
        RFMClusters(n_clusters=3).fit(neg)
    same = pd.DataFrame({"recency_days": [3.0] * 20, "purchases": [1.0] * 20, "spend": [9.0] * 20},
                        index=[str(i) for i in range(20)])
    with pytest.raises(DataValidationError, match="Too few distinct customers"):
        RFMClusters(n_clusters=3).fit(same)
    with pytest.raises(DataValidationError, match=">= 2"):
        RFMClusters(n_clusters=1).fit(_planted()[0])


def test_compare_clusters_crosstab():
    labels = pd.Series([1, 1, 2, 2, 2], index=list("abcde"))
    segs = pd.Series(pd.Categorical(["A", "B", "B", "B", "A"], categories=["A", "B", "C"]), index=list("abcde"))
    t = compare_clusters(labels, segs)
    assert t.loc["A", "cluster 1"] == 1 and t.loc["B", "cluster 2"] == 2
    assert "C" in t.index and t.loc["C"].sum() == 0
    shares = compare_clusters(labels, segs, normalize=True)
    assert shares.loc["B"].sum() == pytest.approx(1.0)
    with pytest.raises(DataValidationError, match="not indexed by the same customers"):
        compare_clusters(labels, segs.iloc[:3])

"""k-means on log RFM: k chosen by silhouette recovers planted groups; the estimator
contract; comparison with the rule-based segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.exceptions import NotFittedError
from crmlib.segment import RFMClusters, cluster_names, compare_clusters


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


def test_select_another_k():
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
    with pytest.raises(DataValidationError, match="k=9 was not a candidate"):
        model.select(9)


def test_predict_matches_fitted_labels():
    df, _ = _planted(seed=2)
    model = RFMClusters(n_clusters=3).fit(df)
    pd.testing.assert_series_equal(model.predict(df), model.labels_)


def test_not_fitted_and_repr():
    model = RFMClusters(n_clusters=3)
    assert "n_clusters=3" in repr(model)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        model.predict(_planted()[0])
    assert model.fit(_planted()[0]) is model and model.n_clusters_ == 3


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
    with pytest.raises(DataValidationError, match="RFMClusters.fit: 1 customers have missing, infinite or negative"):
        RFMClusters(n_clusters=3).fit(neg)
    same = pd.DataFrame({"recency_days": [3.0] * 20, "purchases": [1.0] * 20, "spend": [9.0] * 20},
                        index=[str(i) for i in range(20)])
    with pytest.raises(DataValidationError, match="Too few distinct customers"):
        RFMClusters(n_clusters=3).fit(same)
    with pytest.raises(DataValidationError, match="need 2 <= n_clusters"):
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


# ------------------------------------------------------------- issue 8: names and contract


def _names_agree_with_means(prof: pd.DataFrame) -> None:
    """Every word of a name ranks the cluster consistently with its mean values."""
    levels = {
        "mean_recency_days": (("recent", 0), ("mid recency", 1), ("lapsed", 2)),  # fewer days ranks first
        "mean_purchases": (("frequent", 2), ("occasional", 1), ("infrequent", 0), ("one-off", 0)),
        "mean_spend": (("high spend", 2), ("mid spend", 1), ("low spend", 0)),
    }
    words = prof["name"].str.split(" · ", expand=True).apply(lambda c: c.str.replace(r" \(.*\)$", "", regex=True))
    for j, (col, table) in enumerate(levels.items()):
        level = words[j].map(dict(table))
        assert level.notna().all(), words[j].tolist()
        for a in prof.index:
            for b in prof.index:
                if level[a] > level[b]:  # a is named higher than b on this dimension
                    assert prof.loc[a, col] > prof.loc[b, col], (col, prof.loc[[a, b], ["name", col]])
    one_off = words[1] == "one-off"
    assert (prof.loc[one_off, "mean_purchases"] < 1.5).all()


def test_cluster_names_are_unique_and_agree_with_the_cluster_means():
    df, _ = _planted(seed=5)
    model = RFMClusters(k_range=range(2, 9), n_init=3).fit(df)
    for k in model.silhouette_.index:
        prof = model.select(int(k)).profile_
        assert prof["name"].is_unique, prof["name"].tolist()
        _names_agree_with_means(prof)


def test_frequent_cluster_is_never_called_one_off():
    # two clusters that both buy often: HEAD called the lower one "one-off" (12.5 purchases)
    means = pd.DataFrame({"recency_days": [20.0, 30.0], "purchases": [40.0, 12.5], "spend": [5000.0, 900.0]},
                         index=[1, 2])
    names = cluster_names(means)
    assert "one-off" not in names.loc[2] and names.is_unique
    # four clusters where two share every word: names still differ, by the widest difference
    means = pd.DataFrame({"recency_days": [5.0, 100.0, 400.0, 600.0], "purchases": [20.0, 3.0, 2.9, 1.0],
                          "spend": [900.0, 100.0, 99.0, 10.0]}, index=[1, 2, 3, 4])
    names = cluster_names(means)
    assert names.is_unique
    assert names.loc[2].endswith("(more recent)") and names.loc[3].endswith("(less recent)")


def test_rfm_clusters_is_a_scikit_learn_estimator():
    from sklearn.base import BaseEstimator, clone

    model = RFMClusters(n_clusters=3, random_state=7, n_init=2)
    assert isinstance(model, BaseEstimator)
    twin = clone(model)
    assert twin.get_params(deep=True) == model.get_params(deep=True)
    assert twin.set_params(n_clusters=4) is twin and twin.n_clusters == 4 and model.n_clusters == 3
    assert "seed" not in model.get_params()
    df, _ = _planted(seed=6)
    a, b = model.fit(df), clone(model).fit(df)
    pd.testing.assert_series_equal(a.labels_, b.labels_)


def test_fit_and_predict_take_the_same_input():
    from crmlib.features import rfm_summary
    from crmlib.segment import rfm_scores

    rng = np.random.default_rng(3)
    n = 300
    last = pd.Timestamp("2024-06-30") - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    summary = pd.DataFrame(
        {"first_purchase": last - pd.to_timedelta(rng.integers(0, 300, n), unit="D"), "last_purchase": last,
         "frequency": rng.poisson(2, n), "total_spend": rng.lognormal(4, 1, n)},
        index=pd.Index([f"c{i:03d}" for i in range(n)], name="customer_id"),
    )
    summary.attrs["observation_end"] = pd.Timestamp("2024-06-30")
    scores = rfm_scores(summary)
    model = RFMClusters(n_clusters=3, n_init=2).fit(scores)
    pd.testing.assert_series_equal(model.predict(scores), model.labels_)
    pd.testing.assert_series_equal(model.predict(summary), model.labels_)
    from_summary = RFMClusters(n_clusters=3, n_init=2).fit(summary)
    pd.testing.assert_series_equal(from_summary.labels_, model.labels_)
    assert rfm_summary  # the summary shape is rfm_summary's


def test_duplicated_ids_and_bad_params_are_refused():
    df, _ = _planted(seed=2)
    dup = pd.concat([df, df.iloc[:3]])
    with pytest.raises(DataValidationError, match="RFMClusters.fit: the RFM table has 3 duplicated customer ids"):
        RFMClusters(n_clusters=3).fit(dup)
    with pytest.raises(DataValidationError, match="n_init"):
        RFMClusters(n_clusters=3, n_init=0).fit(df)
    text = df.astype({"spend": str})
    with pytest.raises(DataValidationError, match="'spend' must be numeric"):
        RFMClusters(n_clusters=3).fit(text)


# ------------------------------------------ k chosen on a sample = k of the exact method


def _generated_scores(n_customers: int, seed: int) -> pd.DataFrame:
    from crmlib.datasets import generate_bgnbd_transactions
    from crmlib.features import rfm_summary
    from crmlib.segment import rfm_scores

    tx = generate_bgnbd_transactions(n_customers, random_state=seed)
    return rfm_scores(rfm_summary(tx))


def _full_silhouette_choice(rfm: pd.DataFrame, ks) -> int:
    """The exact method, written out: k-means on everyone, silhouette over all pairs."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    rfm = rfm.sort_index()
    z = StandardScaler().fit_transform(np.log1p(rfm[["recency_days", "purchases", "spend"]].to_numpy(float)))
    scores = {k: silhouette_score(z, KMeans(n_clusters=k, n_init=10, random_state=0).fit(z).labels_) for k in ks}
    return max(scores, key=scores.get)


@pytest.mark.parametrize("seed", [1, 2])
def test_k_chosen_on_a_sample_is_the_full_silhouette_choice(seed):
    scores = _generated_scores(2500, seed)
    ks = range(2, 9)
    full = _full_silhouette_choice(scores, ks)
    for sample in (2000, 800):  # both smaller than the 2,500 customers: the sample is real
        model = RFMClusters(k_range=ks, silhouette_sample=sample).fit(scores)
        assert model.silhouette_.attrs["sample"] == sample
        assert model.n_clusters_ == full, (sample, model.silhouette_.round(3).to_dict())
        assert list(model.kmeans_by_k_) == [full]  # only the chosen k is fitted on everyone
        assert model.labels_.size == len(scores)
    planted, _ = _planted(n_per=400, seed=5)
    assert RFMClusters(k_range=ks, silhouette_sample=300).fit(planted).n_clusters_ == _full_silhouette_choice(planted, ks)


def test_silhouette_from_the_shared_matrix_equals_scikit_learn():
    from sklearn.metrics import silhouette_score
    from sklearn.metrics.pairwise import euclidean_distances

    from crmlib.segment.clusters import _silhouette

    rng = np.random.default_rng(0)
    z = rng.normal(size=(300, 3))
    labels = rng.integers(0, 4, 300)
    labels[17] = 4  # a cluster of one scores 0, as in scikit-learn
    dist = euclidean_distances(z, z)
    assert _silhouette(dist, labels, 5) == pytest.approx(silhouette_score(z, labels), abs=1e-12)


def test_select_fits_a_sampled_candidate_on_everyone_once():
    scores = _generated_scores(1500, 3)
    model = RFMClusters(k_range=range(2, 6), silhouette_sample=400).fit(scores)
    other = next(k for k in model.silhouette_.index if k != model.n_clusters_)
    picked = model.select(int(other))
    assert picked.n_clusters_ == other and picked.labels_.size == len(scores)
    assert picked.labels_.nunique() == other and model.n_clusters_ != other
    assert model.select(int(other)).kmeans_ is picked.kmeans_  # fitted once, then reused


def test_sample_restarts_are_checked():
    df, _ = _planted(n_per=50)
    with pytest.raises(DataValidationError, match="sample_n_init"):
        RFMClusters(sample_n_init=0).fit(df)

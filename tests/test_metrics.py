"""crmlib.metrics: the one lift table and the one Wilson interval, by hand, with ties,
pairing by customer, and against the other areas that expose them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from crmlib import DataValidationError
from crmlib.metrics import lift_table, wilson_interval

# ----------------------------------------------------------------------------- lift


def test_lift_table_by_hand():
    y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    s = np.linspace(1, 0, 10)  # already sorted, highest first
    t = lift_table(y, s, n_bins=5)
    assert t["customers"].tolist() == [2] * 5
    assert t["positives"].tolist() == [2, 1, 0, 0, 0]
    assert t["lift"].tolist() == pytest.approx([2 / 2 / 0.3, 1 / 2 / 0.3, 0, 0, 0])
    assert t["cum_share_positives"].tolist() == pytest.approx([2 / 3, 1, 1, 1, 1])
    assert t["cum_lift"].iloc[0] == pytest.approx((2 / 3) / 0.2)
    assert t["cum_share_customers"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])


def test_lift_table_splits_ties_evenly_whatever_the_row_order():
    # a two-level rule: 4 customers flagged (2 churners), 4 not flagged (1 churner)
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    s = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=float)
    t = lift_table(y, s, n_bins=4)
    assert t["positives"].tolist() == pytest.approx([1.0, 1.0, 0.5, 0.5])
    reordered = lift_table(y[::-1], s[::-1], n_bins=4)
    pd.testing.assert_frame_equal(t, reordered)


def test_lift_validation():
    with pytest.raises(DataValidationError, match="no positive outcome"):
        lift_table([0, 0, 0], [0.1, 0.2, 0.3], n_bins=2)
    with pytest.raises(DataValidationError, match="n_bins"):
        lift_table([0, 1, 0], [0.1, 0.2, 0.3], n_bins=5)


def test_gains_consistent_with_auc_on_random_data():
    rng = np.random.default_rng(2)
    p = rng.uniform(size=5000)
    y = (rng.uniform(size=5000) < p).astype(int)
    t = lift_table(y, p)
    assert t["positives"].sum() == pytest.approx(y.sum())
    assert t["lift"].is_monotonic_decreasing
    assert roc_auc_score(y, p) > 0.7 and t["lift"].iloc[0] > 1.5



def test_lift_table_aligns_series_on_customer_id():
    """Shuffled labels indexed by customer are paired with their own scores, not by row."""
    ids = [f"c{i}" for i in range(10)]
    y = pd.Series([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], index=ids)
    s = pd.Series(np.linspace(1, 0, 10), index=ids)
    expected = lift_table(y.to_numpy(), s.to_numpy(), n_bins=5)
    shuffled = y.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(lift_table(shuffled, s, n_bins=5), expected)


def test_lift_table_refuses_different_customers_naming_them():
    y = pd.Series([1, 0, 1], index=["a", "b", "c"])
    s = pd.Series([0.9, 0.1, 0.5], index=["a", "b", "z"])
    with pytest.raises(DataValidationError, match=r"only in y_true \(e.g. \['c'\]\).*only in scores \(e.g. \['z'\]\)"):
        lift_table(y, s, n_bins=1)
    with pytest.raises(DataValidationError, match="has 2 values but y_true has 3"):
        lift_table([1, 0, 1], [0.5, 0.2], n_bins=1)


@pytest.mark.parametrize("bad", [[0.1, np.inf, 0.3], [0.1, np.nan, 0.3], ["a", "b", "c"]])
def test_lift_table_refuses_bad_scores(bad):
    with pytest.raises(DataValidationError, match="lift_table"):
        lift_table([1, 0, 1], bad, n_bins=1)


def test_wilson_interval_by_hand_and_refusals():
    # Wilson (1927) for 1 success in 3 trials at 95%: (0.0615, 0.7923)
    lo, hi = wilson_interval([1], [3])
    assert lo[0] == pytest.approx(0.0615, abs=1e-4) and hi[0] == pytest.approx(0.7923, abs=1e-4)
    lo, hi = wilson_interval([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    for conf in (0.0, 1.0, float("nan"), "0.95", True):
        with pytest.raises(DataValidationError, match="confidence"):
            wilson_interval([1], [3], conf)
    with pytest.raises(DataValidationError, match="k <= n"):
        wilson_interval([4], [3])


def test_one_lift_and_one_wilson_across_areas():
    """The churn, look-alike and satisfaction areas expose the same objects."""
    import crmlib.churn as churn
    import crmlib.identify as identify
    import crmlib.satisfaction as satisfaction

    assert churn.lift_table is lift_table
    assert satisfaction.wilson_interval is wilson_interval
    rng = np.random.default_rng(4)
    p = rng.uniform(size=400)
    y = (rng.uniform(size=400) < p).astype(int)
    pd.testing.assert_frame_equal(identify.lift_table(y, p), lift_table(y, p), check_names=False)
    from crmlib.churn import calibration_table

    t = calibration_table(y, p, n_bins=4)
    counts = pd.DataFrame({"y": y, "bin": np.digitize(p, np.quantile(p, [0.25, 0.5, 0.75]), right=True)})
    k = counts.groupby("bin")["y"].sum().to_numpy()
    lo, hi = wilson_interval(k, t["customers"].to_numpy())
    np.testing.assert_allclose(t["observed_low"], lo)
    np.testing.assert_allclose(t["observed_high"], hi)

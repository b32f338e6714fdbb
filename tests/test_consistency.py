"""One concept, one number: the same idea gives the same figure through every function
that exposes it, and every estimator follows scikit-learn's contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone

import crmlib.churn as churn
import crmlib.clv as clv
import crmlib.identify as identify
import crmlib.metrics as metrics
import crmlib.segment as segment
from crmlib.datasets import load_cdnow
from crmlib.features import calibration_holdout_split, rfm_summary

CAL_END = "1997-09-30"  # the CDNOW papers' calibration end, inclusive, in every area


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="module")
def spend(cdnow) -> pd.Series:
    return rfm_summary(cdnow, observation_end="1998-06-30")["total_spend"]


# ----------------------------------------------------------------------------- dates


def test_the_same_inclusive_end_means_the_same_history_everywhere(cdnow):
    split = calibration_holdout_split(cdnow, calibration_end=CAL_END, observation_end="1998-06-30", time_unit="W")
    summary = rfm_summary(cdnow[cdnow["date"] <= CAL_END], observation_end=CAL_END, time_unit="W")
    features = churn.churn_features(cdnow, CAL_END)
    # the same customers: everyone who bought on or before the end
    assert set(split.index) == set(summary.index) == set(features.index)
    assert int(split["frequency_cal"].sum()) == int(summary["frequency"].sum()) == 2457
    # recency as of the same end, in days: rfm (weeks x 7) and churn's days since last purchase
    weeks_since_last = (summary["T"] - summary["recency"]).reindex(features.index)
    np.testing.assert_allclose(weeks_since_last * 7, features["days_since_last"], atol=1e-9)
    assert split.attrs["calibration_end"] == pd.Timestamp(CAL_END)


def test_churn_labels_look_only_after_the_inclusive_end(cdnow):
    labels = churn.churn_labels(cdnow, CAL_END, "90D")
    after = cdnow[(cdnow["date"] > CAL_END) & (cdnow["date"] <= pd.Timestamp(CAL_END) + pd.Timedelta(days=90))]
    bought = set(after["customer_id"])
    expected = pd.Series([0 if c in bought else 1 for c in labels.index], index=labels.index)
    pd.testing.assert_series_equal(labels.astype(int), expected, check_names=False)


# ----------------------------------------------------------------------- top 20% share


def test_top_share_is_one_number(spend):
    c = segment.concentration(spend, top=0.2)
    assert clv.plotting.top_share(spend, top=0.2) == pytest.approx(c.value_share_of_top)
    lorenz = segment.lorenz_curve(spend)
    x = lorenz.iloc[:, 0].to_numpy()
    y = lorenz.iloc[:, 1].to_numpy()
    # the Lorenz curve read at 80% of customers gives 1 - the top 20% share
    assert 1 - np.interp(0.8, x, y) == pytest.approx(c.value_share_of_top, abs=1e-9)


def test_top_share_on_seven_customers():
    value = pd.Series([100.0, 50, 20, 10, 10, 5, 5], index=list("abcdefg"))
    c = segment.concentration(value, top=0.2)
    assert clv.plotting.top_share(value, top=0.2) == pytest.approx(c.value_share_of_top)


# ------------------------------------------------------------------------------ lift


def test_one_lift_table():
    rng = np.random.default_rng(0)
    y = pd.Series(rng.integers(0, 2, 200), index=[f"c{i}" for i in range(200)])
    s = pd.Series(rng.random(200), index=y.index)
    a = metrics.lift_table(y, s)
    pd.testing.assert_frame_equal(churn.lift_table(y, s), a)
    b = identify.lift_table(y, s)
    np.testing.assert_allclose(b["lift"].to_numpy(), a["lift"].to_numpy())


# ----------------------------------------------------------------------------- tiers


def test_winback_tiers_are_value_tiers(spend):
    tiers = segment.value_tiers(spend)
    customers = pd.DataFrame({"tier": tiers["tier"], "value": spend})
    actions = churn.winback_actions(customers)
    pd.testing.assert_series_equal(
        actions["tier"].astype(str), tiers["tier"].astype(str).reindex(actions.index), check_names=False
    )
    # the policy's tier sizes are the value tiers' sizes
    policy = churn.winback_policy(customers)
    assert policy["customers"].to_dict() == tiers["tier"].value_counts().to_dict()


# ------------------------------------------------------------------------ estimators


def _estimators() -> list[BaseEstimator]:
    out = [
        clv.BetaGeo(),
        clv.ModifiedBetaGeo(),
        clv.ParetoNBD(),
        clv.BetaGeoBetaBinom(),
        clv.GammaGamma(),
        clv.ShiftedBetaGeometric(),
        segment.RFMClusters(),
        identify.LookalikeModel(),
        churn.RecencyRule(),
        churn.BTYDChurnBaseline(),
    ]
    return out


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_every_estimator_clones(est):
    assert isinstance(est, BaseEstimator)
    twin = clone(est)
    assert type(twin) is type(est) and twin is not est
    assert twin.get_params(deep=True) == est.get_params(deep=True)
    params = est.get_params(deep=False)
    assert est.set_params(**params) is est
    if "random_state" in params:
        assert clone(est).set_params(random_state=7).get_params()["random_state"] == 7

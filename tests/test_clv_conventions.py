"""Issue 8 for the CLV models: summaries carry their time unit and models read it; time
arguments, margins and rates are checked at the door; Pareto/NBD fits from several starts;
GammaGamma says when its independence assumption fails; impossible data and bad
hyper-parameters are named as such. Each test fails on the code before the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import (
    BetaGeo,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
    calibration_summary,
)
from crmlib.exceptions import AssumptionWarning, ConvergenceWarning, DataValidationError
from crmlib.features import calibration_holdout_split, rfm_summary

DATES = {"calibration_end": "1997-09-30", "observation_end": "1998-06-30"}


def _summary(tx, unit):
    s = rfm_summary(tx[tx["date"] <= "1997-09-30"], observation_end="1997-09-30", time_unit=unit)
    s.attrs.setdefault("time_unit", unit)  # rfm_summary records it (issue 8); set if not yet
    return s


@pytest.fixture(scope="module")
def weekly(cdnow_sample):
    return _summary(cdnow_sample, "W")


@pytest.fixture(scope="module")
def daily(cdnow_sample):
    return _summary(cdnow_sample, "D")


@pytest.fixture(scope="module")
def bg(weekly):
    return BetaGeo().fit(weekly)


@pytest.fixture(scope="module")
def gg(weekly):
    return GammaGamma().fit(weekly)


# ------------------------------------------------------------------ time units


def test_daily_and_weekly_summaries_give_the_same_clv(daily, weekly):
    """Before: BetaGeo() assumed weeks, so on a daily summary its CLV was 5-6x too low."""
    bg_d, bg_w = BetaGeo().fit(daily), BetaGeo().fit(weekly)
    assert bg_d.time_unit_ == "D" and bg_w.time_unit_ == "W"
    assert bg_d.params_["alpha"] == pytest.approx(7 * bg_w.params_["alpha"], rel=1e-6)
    gg = GammaGamma().fit(weekly)
    clv_d = bg_d.clv(daily, gg, horizon="52W")["clv"]
    clv_w = bg_w.clv(weekly, gg, horizon="52W")["clv"]
    np.testing.assert_allclose(clv_d, clv_w, rtol=1e-6)
    np.testing.assert_allclose(
        bg_d.expected_purchases(daily, "39W"), bg_w.expected_purchases(weekly, "39W"), rtol=1e-6
    )


def test_unit_mismatch_and_missing_unit_are_refused(daily, weekly, bg):
    with pytest.raises(DataValidationError, match=r"time_unit='W'.*time_unit='D'"):
        BetaGeo(time_unit="W").fit(daily)
    bare = weekly.copy()
    bare.attrs = {}
    with pytest.raises(DataValidationError, match="does not say the unit") as info:
        ParetoNBD().fit(bare)
    assert "rfm_summary" in str(info.value) and "time_unit='W'" in str(info.value)
    # a weekly model refuses a daily summary at prediction time too
    with pytest.raises(DataValidationError, match="fitted in time_unit='W'"):
        bg.p_alive(daily)
    with pytest.raises(DataValidationError, match="fitted in time_unit='W'"):
        bg.clv(daily, GammaGamma().fit(weekly))


def test_calibration_summary_keeps_the_unit(cdnow_sample):
    split = calibration_holdout_split(cdnow_sample, time_unit="W", **DATES)
    split.attrs.setdefault("time_unit", "W")
    split.attrs.setdefault("calibration_end", pd.Timestamp("1997-09-30"))
    cal = calibration_summary(split)
    assert cal.attrs["time_unit"] == "W"
    assert cal.attrs["observation_end"] == pd.Timestamp("1997-09-30")


# ------------------------------------------------------------------ time arguments


@pytest.mark.parametrize(
    "horizon,match",
    [
        (-3, "no unit"),
        (39, "bare number is not accepted"),
        ("30", "no unit"),
        (float("nan"), "no unit"),
        (True, "not a duration"),
        ("-5W", "positive duration|not a duration"),
        ("inf", "positive duration|not a duration"),
        ("200Y", "longer than a century"),
        (pd.Timedelta(days=-3), "positive duration"),
    ],
)
def test_bad_horizons_are_refused(bg, weekly, gg, horizon, match):
    with pytest.raises(DataValidationError, match=match) as info:
        bg.expected_purchases(weekly, horizon)
    assert "Suggestion:" in str(info.value)
    with pytest.raises(DataValidationError):
        bg.clv(weekly, gg, horizon=horizon)


def test_horizon_with_a_unit_is_converted(bg, weekly):
    e = bg.expected_purchases(weekly, "39W")
    np.testing.assert_allclose(bg.expected_purchases(weekly, pd.Timedelta(weeks=39)), e)
    np.testing.assert_allclose(bg.expected_purchases(weekly, "273D"), e)
    # t is in the model's units (weeks) or a duration
    assert bg.expected_purchases_new_customer(39.0)[0] == pytest.approx(
        bg.expected_purchases_new_customer("273D")[0]
    )
    for bad in (-1.0, np.nan, True, 1e9, [1.0, -2.0]):
        with pytest.raises(DataValidationError):
            bg.expected_purchases_new_customer(bad)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"margin": np.nan}, "margin=nan must be a finite number"),
        ({"margin": -0.2}, "out of range"),
        ({"margin": "0.3"}, "is not a number"),
        ({"annual_discount_rate": "0.1"}, "is not a number"),
        ({"annual_discount_rate": np.nan}, "finite"),
        ({"annual_discount_rate": -1.0}, "out of range"),
    ],
)
def test_bad_margin_and_rate_are_refused(bg, gg, weekly, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        bg.clv(weekly, gg, **kwargs)


@pytest.mark.parametrize("t", [-2, np.nan, True, 1.5, "3", [1, -1]])
def test_sbg_survival_refuses_bad_periods(t):
    m = ShiftedBetaGeometric(time_unit="Y").fit([1000, 631, 468, 382])
    with pytest.raises(DataValidationError, match="periods"):
        m.survival(t)


def test_sbg_discounting_needs_a_period_length():
    m = ShiftedBetaGeometric().fit([1000, 631, 468, 382])
    with pytest.raises(DataValidationError, match="time_unit='Y'"):
        m.discounted_expected_lifetime(0.1)


# ------------------------------------------------------------------ several starts


def _long_history(n=800, seed=2):
    """Pareto/NBD customers watched for up to 700 weeks, buying about once a week: lifetimes'
    single default start stops hundreds of log-likelihood units short here."""
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(10.0, 1 / 10.0, n), rng.gamma(0.5, 1 / 500.0, n)
    T = np.round(rng.uniform(350, 700, n))
    end = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * end)
    u = rng.uniform(size=n)
    rec = np.where(x > 0, np.minimum(np.ceil(end * u ** (1 / np.maximum(x, 1))), T), 0.0)
    d = pd.DataFrame({"frequency": x, "recency": rec, "T": T})
    d.attrs["time_unit"] = "W"
    return d


@pytest.mark.slow
def test_pareto_several_starts_find_the_better_optimum():
    d = _long_history()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one = ParetoNBD(n_starts=1).fit(d)
    with pytest.warns(ConvergenceWarning, match="distinct optima") as record:
        many = ParetoNBD(n_starts=4, random_state=0).fit(d)
    ll = many.start_log_likelihoods_
    assert list(ll.index[:2]) == ["default", "moments"] and len(ll) == 4
    assert ll["default"] == pytest.approx(one.log_likelihood_, abs=1e-6)
    gap = many.log_likelihood_ - one.log_likelihood_
    assert gap > 100  # the single start stopped far below
    assert many.log_likelihood_ == pytest.approx(np.nanmax(ll.to_numpy()), abs=1e-3)
    assert f"{gap:,.2f}" in str(record[0].message)
    # the true purchase-rate mean r/alpha is 1 a week; the better optimum finds it
    assert many.params_["r"] / many.params_["alpha"] == pytest.approx(1.0, rel=0.1)


def test_starts_agree_on_cdnow(cdnow_cal):
    """BG/NBD and MBG/NBD take the same machinery (one start by default)."""
    assert BetaGeo().n_starts == 1 and ParetoNBD().n_starts == 4
    cal = cdnow_cal.copy()
    cal.attrs.setdefault("time_unit", "W")
    for cls in (BetaGeo, ModifiedBetaGeo):
        m = cls(n_starts=4).fit(cal)  # no warning (warnings are errors in the tests)
        ll = m.start_log_likelihoods_
        assert len(ll) == 4 and ll.max() - ll.min() < 0.5


# ------------------------------------------------------------------ GammaGamma


def test_gammagamma_warns_when_spend_follows_frequency():
    rng = np.random.default_rng(0)
    f = rng.integers(1, 15, 400)
    m = rng.gamma(20.0, (5.0 + 3.0 * f) / 20.0)  # mean spend grows with frequency
    d = pd.DataFrame({"frequency": f, "monetary_value": m})
    with pytest.warns(AssumptionWarning, match=r"Pearson r = 0\.\d\d, \|r\| > 0\.3") as record:
        gg = GammaGamma().fit(d)
    assert f"{gg.spend_frequency_correlation_:.2f}" in str(record[0].message)


def test_gammagamma_quiet_on_cdnow(gg):
    assert abs(gg.spend_frequency_correlation_) < 0.3  # fitted with warnings as errors


# ------------------------------------------------------------------ checklist and impossible data

GOOD = pd.DataFrame(
    {"frequency": [0, 1, 2, 3], "recency": [0.0, 2.0, 5.0, 9.0], "T": [4.0, 6.0, 8.0, 10.0]}
)


@pytest.mark.parametrize(
    "model,data,match",
    [
        (BetaGeo(time_unit="W"), GOOD.assign(recency=[0.0, 0.0, 5.0, 9.0]), "recency 0"),
        (ParetoNBD(time_unit="W"), GOOD.assign(recency=[0.0, 0.0, 5.0, 9.0]), "impossible"),
        (BetaGeo(time_unit="W", penalizer_coef=-0.1), GOOD, "penalizer_coef=-0.1 is out of range"),
        (BetaGeo(time_unit="W", initial_params=[1, 1]), GOOD, "has 2 value.*4 parameters"),
        (GammaGamma(initial_params=[1, 1, 1, 1]), GOOD.assign(monetary_value=5.0), "3 parameters"),
        (BetaGeo(time_unit="W"), GOOD.assign(frequency=[0, np.nan, 2, 3]), "missing or infinite"),
        (BetaGeo(time_unit="W", n_starts=0), GOOD, "n_starts"),
    ],
    ids=[
        "recency0",
        "recency0-pareto",
        "penalizer",
        "init-length",
        "init-gg",
        "nan-freq",
        "n_starts",
    ],
)
def test_impossible_data_and_bad_settings_are_named(model, data, match):
    with pytest.raises(DataValidationError, match=match) as info:
        model.fit(data)
    assert "Suggestion:" in str(info.value)


def test_checklist_fits_the_model_and_the_data():
    d = pd.DataFrame(
        {"frequency": np.array([0.0, 2.0]), "recency": [0.0, 300.0], "T": [400.0, 500.0]}
    )
    w = np.array([1.0, 1.0])
    bg = BetaGeo()
    bg.time_unit_ = "D"
    assert "express them in weeks" in bg._checklist(d, w)
    bg.time_unit_ = "W"
    assert "weeks" not in bg._checklist(d, w)
    assert "penalizer" not in bg._checklist(d, w) and "penalizer" in bg._checklist(d, w, edge=True)
    gg = GammaGamma()
    text = gg._checklist(
        {"frequency": np.array([1.0, 2.0]), "monetary_value": np.array([5.0, 6.0])}, w
    )
    assert "weeks" not in text and "time" not in text
    assert "only 2 customers have a repeat purchase" in text


def test_p_alive_history_with_time_zones(bg):
    naive = bg.p_alive_history(
        ["1997-01-01 10:00", "1997-02-01 23:30"], observation_end="1997-06-30"
    )
    aware = bg.p_alive_history(
        pd.Series(pd.to_datetime(["1997-01-01 10:00", "1997-02-01 23:30"])).dt.tz_localize(
            "Asia/Tokyo"
        ),
        observation_end="1997-06-30",
    )
    pd.testing.assert_frame_equal(naive, aware)
    with pytest.raises(DataValidationError, match="observation_end"):
        bg.p_alive_history(["1997-01-01"], observation_end="1997-06-31")


# ------------------------------------------------------------------ what churn uses


def test_prob_no_purchase(bg, weekly):
    # a customer who has just made a first purchase: P(X(h) = 0) of a new customer
    new = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]})
    assert bg.prob_no_purchase(new, "13W").iloc[0] == pytest.approx(
        bg.probability_of_purchases(13.0, 1)[0], rel=1e-10
    )
    got = bg.prob_no_purchase(weekly, "13W")
    assert got.index.equals(weekly.index) and got.between(0, 1).all()
    # a longer window: less chance of no purchase; never below P(dead)
    assert (bg.prob_no_purchase(weekly, "26W") <= got + 1e-12).all()
    assert (got >= 1 - bg.p_alive(weekly) - 1e-12).all()
    with pytest.raises(DataValidationError, match="no unit"):
        bg.prob_no_purchase(weekly, 90)

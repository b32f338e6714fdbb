"""Predictions: expected purchases, P(alive) and its history, CLV with explicit time units
and discounting, spend, BG/BB and sBG projections; and the collapsing they rely on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

from crmlib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from crmlib.clv._collapse import collapse
from crmlib.conventions import UNIT_DAYS, per_period_rate, unit_days
from crmlib.exceptions import DataValidationError
from crmlib.features import rfm_summary


@pytest.fixture(scope="module")
def cdnow_cal(cdnow_split):
    """The papers' calibration summary; it carries its unit (weeks) in attrs."""
    from crmlib.clv import calibration_summary

    cal = calibration_summary(cdnow_split)
    cal.attrs.setdefault("time_unit", "W")  # until rfm_summary records it itself
    return cal


@pytest.fixture(scope="module")
def cal(cdnow_cal):
    return cdnow_cal


@pytest.fixture(scope="module")
def bg(cal):
    return BetaGeo().fit(cal)


@pytest.fixture(scope="module")
def gg(cal):
    return GammaGamma().fit(cal)


@pytest.fixture(
    scope="module", params=[BetaGeo, ModifiedBetaGeo, ParetoNBD], ids=lambda c: c.__name__
)
def model(request, cal):
    return request.param().fit(cal)


# ------------------------------------------------------------------ time units


def test_units_and_rates():
    assert unit_days("M") == pytest.approx(365.25 / 12)  # never 30
    assert UNIT_DAYS["Y"] == 365.25
    assert unit_days(14) == 14.0
    for unit in ("D", "W", "M", "Q"):
        per_year = 365.25 / unit_days(unit)
        assert (1 + per_period_rate(0.10, unit)) ** per_year - 1 == pytest.approx(0.10, rel=1e-12)
    assert per_period_rate(0.0, "W") == 0.0


# ------------------------------------------------------------------ collapsing


def test_collapse_roundtrip():
    rng = np.random.default_rng(3)
    f = rng.integers(0, 4, 1000)
    r = rng.integers(0, 3, 1000) / 7
    t = np.full(1000, 39.0)
    c = collapse({"f": f, "r": r, "t": t}, np.full(1000, 2.0))
    assert c.n_rows == len(pd.DataFrame({"f": f, "r": r}).drop_duplicates())
    assert c.weights.sum() == 2000
    np.testing.assert_array_equal(c.columns["f"][c.inverse], f)
    np.testing.assert_array_equal(c.columns["r"][c.inverse], r)
    # exact equality: values that differ in the last bit stay apart
    c2 = collapse({"x": np.array([0.1 + 0.2, 0.3, 0.3])})
    assert c2.n_rows == 2


# ------------------------------------------------------------------ transaction models


def test_p_alive_and_expected_purchases(model, cal):
    p = model.p_alive(cal)
    assert p.index.equals(cal.index) and p.between(0, 1).all()
    e = model.expected_purchases(cal, "39W")
    assert (e > 0).all()
    # longer horizon, more purchases
    assert (model.expected_purchases(cal, "52W") >= e).all()
    # more recent buyers (same frequency and age) are more likely alive
    two = pd.DataFrame({"frequency": [3, 3], "recency": [5.0, 30.0], "T": [38.0, 38.0]})
    pa = model.p_alive(two)
    assert pa.iloc[1] > pa.iloc[0]


def test_p_alive_one_time_buyer_bgnbd(bg):
    assert (
        bg.p_alive(pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [20.0]})).iloc[0] == 1.0
    )


def test_unconditional_distribution_is_consistent(model):
    """P(X(t)=n) sums to 1 and its mean is E[X(t)] (checks the Pareto quadrature too)."""
    t = 39.0
    p = model.probability_of_purchases(t, 120)
    assert p.min() >= 0
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    assert (np.arange(120) * p).sum() == pytest.approx(
        model.expected_purchases_new_customer(t)[0], rel=1e-5
    )
    assert model.expected_purchases_new_customer([0.0])[0] == 0.0


def test_matrices_match_pointwise(model):
    pm = model.p_alive_matrix(max_frequency=5, max_recency=20)
    em = model.expected_purchases_matrix("4W", max_frequency=5, max_recency=20)
    assert pm.shape == em.shape == (21, 6)
    one = pd.DataFrame({"frequency": [3], "recency": [10.0], "T": [20.0]})
    assert pm.loc[10.0, 3] == pytest.approx(model.p_alive(one).iloc[0])
    assert em.loc[10.0, 3] == pytest.approx(model.expected_purchases(one, "4W").iloc[0])
    default = model.p_alive_matrix()
    assert default.shape[1] == model.max_frequency_ + 1


def test_p_alive_history_matches_summary(model, cdnow_sample):
    """At its last date the history equals P(alive) from an RFM summary to that date."""
    cid = cdnow_sample["customer_id"].value_counts().index[0]
    dates = cdnow_sample.loc[cdnow_sample["customer_id"] == cid, "date"]
    h = model.p_alive_history(dates, observation_end="1998-06-30")
    s = rfm_summary(
        cdnow_sample[cdnow_sample["customer_id"] == cid],
        observation_end="1998-06-30",
        time_unit="W",
    )
    assert h.index[0] == dates.min() and h.index[-1] == pd.Timestamp("1998-06-30")
    assert h["purchase"].sum() == dates.dt.normalize().nunique()
    last = h.iloc[-1]
    assert last["frequency"] == s["frequency"].iloc[0]
    assert last["recency"] == pytest.approx(s["recency"].iloc[0])
    assert last["T"] == pytest.approx(s["T"].iloc[0])
    assert last["p_alive"] == pytest.approx(model.p_alive(s).iloc[0], rel=1e-12)
    weekly = model.p_alive_history(dates, observation_end="1998-06-30", every="W")
    assert (np.diff(weekly.index.to_numpy()) == np.timedelta64(7, "D")).all()


def test_p_alive_history_errors(bg):
    with pytest.raises(DataValidationError, match="after observation_end"):
        bg.p_alive_history(["1997-01-01", "1998-01-01"], observation_end="1997-06-30")
    with pytest.raises(DataValidationError, match="empty or has missing"):
        bg.p_alive_history([], observation_end="1997-06-30")
    with pytest.raises(DataValidationError, match="every="):
        bg.p_alive_history(["1997-01-01"], observation_end="1997-06-30", every="M")


# ------------------------------------------------------------------ value


def test_clv_without_discount_is_spend_times_purchases(bg, gg, cal):
    c = bg.clv(cal, gg, horizon="39W", annual_discount_rate=0.0)
    expected = gg.expected_spend(cal) * bg.expected_purchases(cal, "39W")
    np.testing.assert_allclose(c["clv"], expected, rtol=1e-10)
    np.testing.assert_allclose(
        c["expected_purchases"], bg.expected_purchases(cal, "39W"), rtol=1e-10
    )
    assert list(c.columns) == ["p_alive", "expected_purchases", "expected_spend", "clv"]


def test_clv_discounting_and_margin(bg, gg, cal):
    base = bg.clv(cal, gg, horizon="52W", annual_discount_rate=0.10)
    assert base.attrs["rate_per_step"] == pytest.approx(per_period_rate(0.10, "W"))
    assert base.attrs["n_steps"] == 52
    higher = bg.clv(cal, gg, horizon="52W", annual_discount_rate=0.30)
    none = bg.clv(cal, gg, horizon="52W", annual_discount_rate=0.0)
    assert (higher["clv"] < base["clv"]).all() and (base["clv"] < none["clv"]).all()
    half = bg.clv(cal, gg, horizon="52W", annual_discount_rate=0.10, margin=0.5)
    np.testing.assert_allclose(half["clv"], 0.5 * base["clv"])


def test_clv_in_months_equals_weeks_over_the_same_year(bg, gg, cal):
    """12 monthly steps (of 365.25/12 days) and 52.18 weekly steps cover the same year."""
    monthly = bg.clv(cal, gg, horizon="12M", step="M", annual_discount_rate=0.0)
    yearly = bg.clv(cal, gg, horizon="1Y", step="Y", annual_discount_rate=0.0)
    np.testing.assert_allclose(monthly["clv"], yearly["clv"], rtol=1e-9)
    weekly = bg.clv(cal, gg, horizon="1Y", annual_discount_rate=0.10)
    assert weekly.attrs["n_steps"] == 53  # 52 whole weeks and a last step of 1.25 days
    monthly = bg.clv(cal, gg, horizon="12M", step="M", annual_discount_rate=0.10)
    assert monthly["clv"].sum() == pytest.approx(weekly["clv"].sum(), rel=0.01)


def test_clv_matches_lifetimes_formula_with_its_conventions(bg, gg, cal):
    """Given lifetimes' own conventions (4.345-week 'months', a monthly rate), the same number."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import _customer_lifetime_value
    lt_month = pd.Timedelta(weeks=4.345)
    monthly_rate = 0.01
    annual = (1 + monthly_rate) ** (pd.Timedelta(days=365.25) / lt_month) - 1
    ours = bg.clv(cal, gg, horizon=12 * lt_month, step=lt_month, annual_discount_rate=annual)
    spend = gg.expected_spend(cal)
    fitter = bg._fitter()
    fitter.predict = (
        fitter.conditional_expected_number_of_purchases_up_to_time
    )  # set by lifetimes' fit
    lt = _customer_lifetime_value(
        fitter,
        cal["frequency"],
        cal["recency"],
        cal["T"],
        spend,
        time=12,
        discount_rate=monthly_rate,
        freq="W",
    )
    np.testing.assert_allclose(ours["clv"], lt.to_numpy(), rtol=1e-9)


def test_clv_errors(bg, gg, cal):
    with pytest.raises(DataValidationError, match="monetary_value"):
        bg.clv(cal.drop(columns="monetary_value"), gg)


def test_expected_spend(gg, cal):
    spend = gg.expected_spend(cal)
    one_time = cal["frequency"] == 0
    assert np.allclose(spend[one_time], gg.population_mean_spend)
    p, q, g = gg.params_
    assert gg.population_mean_spend == pytest.approx(g * p / (q - 1))
    # shrinkage: between the customer's own mean and the population mean
    rep = cal[~one_time]
    own, pop = rep["monetary_value"], gg.population_mean_spend
    s = spend[~one_time]
    assert ((s - own) * (s - pop) <= 1e-9).all()
    assert -1 <= gg.spend_frequency_correlation_ <= 1


# ------------------------------------------------------------------ BG/BB and sBG


def test_bgbb_predictions():
    import importlib.resources

    d = pd.read_csv(importlib.resources.files("lifetimes") / "datasets" / "donations.csv").rename(
        columns={"periods": "n_periods"}
    )
    m = BetaGeoBetaBinom().fit(d)
    e = m.expected_purchases(d, 5)
    assert (e > 0).all() and e.index.equals(d.index)
    p = m.p_alive(d)
    assert p.between(0, 1).all()
    # a donor who gave in all 6 years is more likely alive than one who stopped after year 1
    assert p[(d["frequency"] == 6)].iloc[0] > p[(d["frequency"] == 1) & (d["recency"] == 1)].iloc[0]
    dist = m.probability_of_purchases(6)
    assert dist.sum() == pytest.approx(1.0, abs=1e-9)
    # the model's distribution of donations is close to the data's (the paper's Figure 3)
    observed = d.groupby("frequency")["weights"].sum() / d["weights"].sum()
    assert np.max(np.abs(dist.reindex(observed.index) - observed)) < 0.01


def test_sbg_projections():
    m = ShiftedBetaGeometric(time_unit="Y").fit([1000, 631, 468, 382, 326, 289, 262, 241])
    a, b = m.params_
    t = np.arange(0, 10)
    s = m.survival(t)
    assert s[0] == 1.0
    np.testing.assert_allclose(s, np.exp(betaln(a, b + t) - betaln(a, b)))
    np.testing.assert_allclose(m.retention_rate(t[1:]), s[1:] / s[:-1])
    assert m.expected_active(12).iloc[-1] == pytest.approx(1000 * m.survival(12)[0])
    d = per_period_rate(0.10, "Y")
    horizon = np.arange(0, 2_000)
    surv = m.survival(horizon)
    assert m.discounted_expected_lifetime(0.10) == pytest.approx(
        np.sum(surv / (1 + d) ** horizon), rel=1e-6
    )
    # DERL after n renewals: remaining payments, the next one undiscounted
    n = 3
    future = np.arange(n + 1, 2_000)
    derl = np.sum(m.survival(future) / m.survival(n)[0] / (1 + d) ** (future - n - 1))
    assert m.discounted_expected_residual_lifetime(n, 0.10) == pytest.approx(derl, rel=1e-6)
    with pytest.raises(DataValidationError):
        m.retention_rate(0)


def test_pareto_last_day_heavy_buyer_is_finite(cal):
    """lifetimes' Pareto/NBD likelihood is NaN for a heavy buyer whose last purchase is on
    the last day (the CDNOW master has one: 170 repeat purchases); crmlib's is finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import ParetoNBDFitter

    heavy = pd.DataFrame(
        {"frequency": [170], "recency": [70.857142857142857], "T": [70.857142857142857]}
    )
    params = np.array([0.61, 13.6, 0.31, 6.15])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        raw = ParetoNBDFitter._conditional_log_likelihood(
            params,
            heavy["frequency"].to_numpy(),
            heavy["recency"].to_numpy(),
            heavy["T"].to_numpy(),
        )
    assert np.isnan(raw).all()  # the lifetimes bug this guards against
    m = ParetoNBD(time_unit="W").fit(pd.concat([cal, heavy]))
    assert np.isfinite(m.log_likelihood_)
    assert m.p_alive(heavy).iloc[0] == pytest.approx(1.0)
    assert (
        np.isfinite(m.expected_purchases(heavy, "52W").iloc[0])
        and m.expected_purchases(heavy, "52W").iloc[0] > 50
    )
    # for everybody else nothing changes: recency == T rows of ordinary buyers agree with lifetimes
    ordinary = cal[(cal["frequency"] > 0) & (cal["recency"] == cal["T"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = ParetoNBDFitter._conditional_log_likelihood(
            m.params_.to_numpy(), ordinary["frequency"], ordinary["recency"], ordinary["T"]
        )
    assert len(ordinary) > 0
    assert m.log_likelihood(ordinary) == pytest.approx(float(np.sum(raw)), rel=1e-12)


def test_non_finite_predictions_warn(bg, monkeypatch):
    """A NaN from lifetimes' formulas is reported, never passed on silently."""
    from crmlib.exceptions import CrmlibWarning

    fitter_cls = type(bg._fitter())
    monkeypatch.setattr(
        fitter_cls, "conditional_probability_alive", lambda self, f, r, t: np.full(len(f), np.nan)
    )
    with pytest.warns(CrmlibWarning, match="1 of 1 values are not finite"):
        bg.p_alive(pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}))


def test_period_transactions_bins_many_ages(bg):
    """With thousands of distinct T the chart pools ages into quantile bins (fast, same total)."""
    from crmlib.clv.plotting import _expected_period_counts

    rng = np.random.default_rng(0)
    t = rng.uniform(20, 39, 5000)
    s = pd.DataFrame({"frequency": np.zeros(5000, int), "recency": 0.0, "T": t})
    counts = _expected_period_counts(bg, s, 7)
    assert counts.sum() == pytest.approx(5000, rel=1e-6)
    exact = sum(bg.probability_of_purchases(float(x), 1)[0] for x in t[:50]) / 50
    assert counts[0] / 5000 == pytest.approx(exact, abs=0.02)


def test_betageo_expectation_is_finite_when_a_plus_b_is_below_one():
    """lifetimes takes log(hyp2f1(...)) and returns NaN for a one-time buyer when
    a + b < 1 (valid parameters). The expectation is finite: checked against a seeded
    simulation of the BG/NBD story for a customer with no repeat purchase in T."""
    import numpy as np
    import pandas as pd

    from crmlib.clv import BetaGeo

    r, alpha, a, b, T, t = 0.24, 3.25, 0.37, 0.58, 38.86, 39.0
    m = BetaGeo.from_params(r=r, alpha=alpha, a=a, b=b, time_unit="W")
    s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [T, T]})
    s.attrs["time_unit"] = "W"
    got = m.expected_purchases(s, "39W")
    assert np.isfinite(got).all()
    rng = np.random.default_rng(0)
    n = 200_000
    lam, p = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    weight = np.exp(-lam * T)  # P(no purchase in (0, T] | lambda): the conditioning on x = 0
    count, clock, alive = np.zeros(n), np.zeros(n), np.ones(n, bool)
    while alive.any():
        clock = np.where(alive, clock + rng.exponential(1 / np.maximum(lam, 1e-12)), clock)
        bought = alive & (clock <= t)
        count += bought
        alive = bought & (rng.random(n) >= p)
    assert got.iloc[0] == pytest.approx(np.sum(weight * count) / np.sum(weight), rel=0.03)

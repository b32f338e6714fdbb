"""Intervals on CLV predictions from parameter uncertainty (issue 12): names that say what
they cover, point forecasts equal to the model's own, seeded draws, refusals, and a
coverage check on simulated data with known parameters."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ParetoNBD
from crmlib.clv.uncertainty import (
    COVERS,
    ParameterIntervals,
    _fast_predictions,
    parameter_covariance,
    parameter_draws,
    parameter_intervals,
)
from crmlib.datasets import generate_bgnbd_transactions
from crmlib.exceptions import CrmlibWarning, DataValidationError, NotFittedError
from crmlib.features import rfm_summary

HORIZON = "39W"


@pytest.fixture(scope="module")
def summary(cdnow_sample):
    s = rfm_summary(cdnow_sample, freq="D", time_unit="W", observation_end="1998-06-30")
    # customers whose repeat purchases were worth nothing have no place in the spend model
    return s[~((s["frequency"] > 0) & (s["monetary_value"] <= 0))]


@pytest.fixture(scope="module")
def bg(summary):
    return BetaGeo().fit(summary)


@pytest.fixture(scope="module")
def gg(summary):
    return GammaGamma().fit(summary)


@pytest.fixture(scope="module")
def with_clv(bg, gg, summary):
    return parameter_intervals(bg, summary, gg, horizon=HORIZON, n_draws=60, random_state=1)


# ------------------------------------------------------------------ what the result says


def test_every_interval_says_it_covers_parameter_uncertainty_only(with_clv):
    assert isinstance(with_clv, ParameterIntervals)
    assert with_clv.covers == COVERS == "parameter uncertainty only"
    bounds = [c for c in with_clv.customers.columns if "lower" in c or "upper" in c]
    assert bounds and all(c.endswith("_95_param") for c in bounds)
    assert list(with_clv.total.columns) == ["estimate", "lower_95_param", "upper_95_param"]
    assert with_clv.total.index.tolist() == [
        "expected_purchases",
        "expected_active_customers",
        "clv",
    ]
    for p in ("p_alive", "expected_purchases", "expected_spend", "clv"):
        assert {p, f"{p}_lower_95_param", f"{p}_upper_95_param"} <= set(with_clv.customers.columns)
    for doc in (parameter_intervals.__doc__, ParameterIntervals.__doc__):
        assert "parameter uncertainty only" in doc
        assert "randomness" in doc  # and says what it leaves out
    assert "parameter uncertainty only" in repr(with_clv)


def test_level_is_in_the_names(bg, summary):
    res = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, level=0.9)
    assert "expected_purchases_lower_90_param" in res.customers.columns
    assert list(res.total.columns) == ["estimate", "lower_90_param", "upper_90_param"]
    assert res.suffix == "90_param"


def test_estimates_are_the_models_own_forecasts(with_clv, bg, gg, summary):
    point = bg.clv(summary, gg, horizon=HORIZON)
    for p in ("p_alive", "expected_purchases", "expected_spend", "clv"):
        np.testing.assert_allclose(with_clv.customers[p], point[p], rtol=1e-12)
    assert with_clv.customers.index.equals(summary.index)
    assert with_clv.total.loc["clv", "estimate"] == pytest.approx(point["clv"].sum(), rel=1e-12)
    assert with_clv.total.loc["expected_active_customers", "estimate"] == pytest.approx(
        point["p_alive"].sum(), rel=1e-12
    )


def test_fast_path_equals_the_public_methods(bg, summary):
    from crmlib.clv._collapse import collapse

    col = collapse({c: summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T")})
    pa, ep = _fast_predictions(bg, col.columns, bg._duration(HORIZON, "horizon"))
    np.testing.assert_allclose(pa[col.inverse], bg.p_alive(summary), rtol=1e-12)
    np.testing.assert_allclose(ep[col.inverse], bg.expected_purchases(summary, HORIZON), rtol=1e-12)


@pytest.mark.parametrize("horizon,step", [("52W", "W"), ("10W", "3W"), ("90D", "M")])
@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD], ids=lambda c: c.__name__)
def test_fast_clv_equals_the_models_clv(cls, horizon, step, summary, gg):
    from crmlib.clv._collapse import collapse
    from crmlib.clv.uncertainty import _clv_grid, _fast_clv

    model = cls(n_starts=1).fit(summary)
    ref = model.clv(summary, gg, horizon=horizon, step=step, annual_discount_rate=0.2, margin=0.3)
    cols = ("frequency", "recency", "T", "monetary_value")
    col = collapse({c: summary[c].to_numpy(dtype=float) for c in cols})
    frame = pd.DataFrame(col.columns)
    frame.attrs = dict(summary.attrs)
    fast = _fast_clv(model, gg, frame, col.columns, _clv_grid(ref.attrs))
    for p in ("p_alive", "expected_purchases", "expected_spend", "clv"):
        np.testing.assert_allclose(fast[p][col.inverse], ref[p], rtol=1e-10, err_msg=p)


def test_bounds_bracket_the_estimates(with_clv):
    t = with_clv.total
    assert (t["lower_95_param"] < t["estimate"]).all() and (
        t["estimate"] < t["upper_95_param"]
    ).all()
    c = with_clv.customers
    for p in ("expected_purchases", "clv"):
        inside = (c[f"{p}_lower_95_param"] <= c[p] * (1 + 1e-9)) & (
            c[p] <= c[f"{p}_upper_95_param"] * (1 + 1e-9)
        )
        assert inside.mean() > 0.99, p
    # P(alive) stays a probability at every bound
    assert (
        c["p_alive_lower_95_param"].between(0, 1).all()
        and c["p_alive_upper_95_param"].between(0, 1).all()
    )


def test_totals_are_percentiles_of_the_draws_totals(with_clv):
    d = with_clv.draws
    assert len(d) == with_clv.n_draws == 60
    lo, hi = np.quantile(d["total_clv"], [0.025, 0.975])
    assert with_clv.total.loc["clv", "lower_95_param"] == pytest.approx(lo)
    assert with_clv.total.loc["clv", "upper_95_param"] == pytest.approx(hi)
    # the draws carry both models' parameters, all positive (drawn on the log scale)
    assert {"r", "alpha", "a", "b", "p", "q", "gamma"} <= set(d.columns)
    assert (d[["r", "alpha", "a", "b", "p", "q", "gamma"]] > 0).all().all()


# ------------------------------------------------------------------ what moves the width


def test_no_parameter_uncertainty_gives_no_width(bg, gg, summary):
    zero = pd.DataFrame(0.0, index=bg.params_.index, columns=bg.params_.index)
    zero_gg = pd.DataFrame(0.0, index=gg.params_.index, columns=gg.params_.index)
    res = parameter_intervals(
        bg, summary, gg, horizon=HORIZON, n_draws=40, covariance=zero, spend_covariance=zero_gg
    )
    c = res.customers
    for p in ("expected_purchases", "p_alive", "clv"):
        np.testing.assert_allclose(c[f"{p}_lower_95_param"], c[p], rtol=1e-9)
        np.testing.assert_allclose(c[f"{p}_upper_95_param"], c[p], rtol=1e-9)


def test_width_grows_with_the_parameters_uncertainty(bg, summary):
    one = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=200, random_state=3).total
    four = parameter_intervals(
        bg, summary, horizon=HORIZON, n_draws=200, random_state=3, covariance=4 * bg.covariance_
    ).total
    w1 = one["upper_95_param"] - one["lower_95_param"]
    w4 = four["upper_95_param"] - four["lower_95_param"]
    # twice the standard errors: about twice the width (exactly so to first order)
    assert ((w4 / w1).between(1.6, 2.4)).all(), (w4 / w1).to_dict()


def test_draws_are_seeded(bg, summary):
    a = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, random_state=5)
    b = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, random_state=5)
    c = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, random_state=6)
    pd.testing.assert_frame_equal(a.total, b.total)
    assert not a.total.equals(c.total)


def test_parameter_draws_follow_the_covariance(bg):
    d = parameter_draws(bg, 4000, random_state=0)
    cov_log = np.cov(np.log(d.to_numpy()), rowvar=False)
    expected = bg.covariance_.to_numpy() / np.outer(bg.params_, bg.params_)
    np.testing.assert_allclose(np.sqrt(np.diag(cov_log)), np.sqrt(np.diag(expected)), rtol=0.06)
    np.testing.assert_allclose(np.log(d).mean(), np.log(bg.params_), atol=0.01)


def test_weights_column_counts_customers(bg, summary):
    cols = ["frequency", "recency", "T"]
    grouped = summary.groupby(cols).size().rename("weights").reset_index()
    grouped.attrs = dict(summary.attrs)
    full = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, random_state=2).total
    collapsed = parameter_intervals(bg, grouped, horizon=HORIZON, n_draws=40, random_state=2).total
    pd.testing.assert_frame_equal(full, collapsed, rtol=1e-9)


def test_pareto_nbd_too(summary, gg):
    pnbd = ParetoNBD(n_starts=1).fit(summary)
    res = parameter_intervals(pnbd, summary, gg, horizon=HORIZON, n_draws=40)
    t = res.total
    assert (t["lower_95_param"] < t["estimate"]).all() and (
        t["estimate"] < t["upper_95_param"]
    ).all()
    assert {"s", "beta"} <= set(res.draws.columns)


# ------------------------------------------------------------------ covariance of a model built from parameters


def test_parameter_covariance_reproduces_the_fit(bg, gg, summary):
    np.testing.assert_allclose(parameter_covariance(bg, summary), bg.covariance_, rtol=1e-4)
    np.testing.assert_allclose(parameter_covariance(gg, summary), gg.covariance_, rtol=1e-4)


def test_model_without_covariance_needs_one(bg, summary):
    given = BetaGeo.from_params(**bg.params_.to_dict(), time_unit="W")  # no fit, no covariance_
    with pytest.raises(DataValidationError, match="no covariance_") as err:
        parameter_intervals(given, summary, horizon=HORIZON, n_draws=40)
    assert "parameter_covariance" in str(err.value)
    cov = parameter_covariance(given, summary)
    res = parameter_intervals(given, summary, horizon=HORIZON, n_draws=40, covariance=cov)
    ref = parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40)
    pd.testing.assert_frame_equal(res.total, ref.total, rtol=1e-3)


def test_parameter_covariance_refuses_parameters_that_are_not_a_maximum(bg, summary):
    far = copy.copy(bg)
    far.params_ = bg.params_ * np.array([1.0, 1.0, 40.0, 0.02])
    with pytest.raises(DataValidationError, match="not positive definite"):
        parameter_covariance(far, summary)


# ------------------------------------------------------------------ refusals


def test_refuses_bad_inputs(bg, gg, summary, cdnow_cal):
    with pytest.raises(NotFittedError):
        parameter_intervals(BetaGeo(), summary, horizon=HORIZON)
    with pytest.raises(DataValidationError, match="continuous-time"):
        parameter_intervals(gg, summary, horizon=HORIZON)
    with pytest.raises(DataValidationError, match="spend model"):
        parameter_intervals(bg, summary, bg, horizon=HORIZON)
    with pytest.raises(DataValidationError, match="crmlib CLV model"):
        parameter_intervals("BetaGeo", summary, horizon=HORIZON)
    with pytest.raises(DataValidationError, match="at least 40 draws"):
        parameter_intervals(bg, summary, horizon=HORIZON, n_draws=39)
    for level in (1.0, 0, 1.5, True, "0.95"):
        with pytest.raises(DataValidationError, match="level"):
            parameter_intervals(bg, summary, horizon=HORIZON, level=level)
    with pytest.raises(DataValidationError, match="random_state"):
        parameter_intervals(bg, summary, horizon=HORIZON, random_state="seed")
    with pytest.raises(DataValidationError, match="horizon"):
        parameter_intervals(bg, summary, horizon=39)  # a bare number says no unit
    daily = rfm_summary(
        pd.DataFrame(
            {
                "customer_id": [1, 1],
                "date": pd.to_datetime(["2020-01-01", "2020-02-01"]),
                "amount": [1.0, 2.0],
            }
        ),
        time_unit="D",
        observation_end="2020-03-01",
    )
    with pytest.raises(DataValidationError, match="time_unit"):
        parameter_intervals(bg, daily, horizon=HORIZON, n_draws=40)
    with pytest.raises(DataValidationError, match="monetary_value"):
        parameter_intervals(
            bg, summary.drop(columns="monetary_value"), gg, horizon=HORIZON, n_draws=40
        )


def test_refuses_an_unknown_covariance(bg, summary):
    nan = bg.covariance_ * np.nan
    with pytest.raises(DataValidationError, match="not positive definite"):
        parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, covariance=nan)
    with pytest.raises(DataValidationError, match="shape"):
        parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, covariance=np.eye(3))
    with pytest.raises(DataValidationError, match="positive semi-definite"):
        parameter_intervals(bg, summary, horizon=HORIZON, n_draws=40, covariance=-bg.covariance_)
    with pytest.raises(DataValidationError, match="lacks"):
        parameter_intervals(
            bg, summary, horizon=HORIZON, n_draws=40, covariance=bg.covariance_.iloc[:3, :3]
        )


def test_invalid_draws_are_counted_and_warned(bg, gg, summary):
    # q so uncertain (a standard deviation of 1.5 in log q) that some spend draws have
    # q <= 1, an infinite mean spend
    q = gg.params_["q"]
    cov = pd.DataFrame(
        np.diag(np.diag(gg.covariance_)), index=gg.params_.index, columns=gg.params_.index
    )
    cov.loc["q", "q"] = (1.5 * q) ** 2
    with pytest.warns(CrmlibWarning, match="left out"):
        res = parameter_intervals(
            bg, summary, gg, horizon=HORIZON, n_draws=60, spend_covariance=cov
        )
    assert res.n_invalid_draws > 0
    assert res.n_draws == 60 - res.n_invalid_draws == len(res.draws)
    assert (res.draws["q"] > 1).all()


def test_refuses_other_model_families(cdnow_sample):
    bgbb_summary = pd.DataFrame(
        {"frequency": [1, 0, 3], "recency": [2, 0, 5], "n_periods": [6, 6, 6]}
    )
    bgbb = BetaGeoBetaBinom()
    bgbb.params_ = pd.Series({"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.78})
    with pytest.raises(DataValidationError, match="continuous-time"):
        parameter_intervals(bgbb, bgbb_summary, horizon="5W")


# ------------------------------------------------------------------ coverage on simulated data

TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # the published CDNOW BG/NBD fit
N_SEEDS, N_CUSTOMERS, N_DRAWS = 100, 1000, 100


@pytest.mark.slow
def test_95_percent_intervals_cover_the_true_total():
    """The 95% interval of total expected purchases covers the total under the true
    parameters in 90-99% of simulated logs (issue 12, "Must show").

    Each of 100 seeds simulates 1,000 BG/NBD customers with known parameters, fits
    BetaGeo, and asks whether the interval of the 39-week total brackets the same total
    computed at the true parameters (same customers, same histories). 100 seeds (not 40)
    keep the binomial noise of the coverage to about 2 points.
    """
    hits, invalid = [], 0
    for seed in range(N_SEEDS):
        tx = generate_bgnbd_transactions(
            N_CUSTOMERS, **TRUE, random_state=seed, observation_weeks=39
        )
        # weekly resolution: fewer distinct histories, so the collapsed fit and draws are fast
        s = rfm_summary(tx, freq="W", time_unit="W", observation_end=tx.attrs["observation_end"])
        model = BetaGeo().fit(s)
        truth = copy.copy(model)
        truth.params_ = pd.Series(TRUE, name="estimate")
        true_total = float(truth.expected_purchases(s, HORIZON).sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CrmlibWarning)  # counted below
            res = parameter_intervals(model, s, horizon=HORIZON, n_draws=N_DRAWS, random_state=seed)
        invalid += res.n_invalid_draws
        lo, hi = res.total.loc["expected_purchases", ["lower_95_param", "upper_95_param"]]
        hits.append(lo <= true_total <= hi)
    coverage = float(np.mean(hits))
    assert 0.90 <= coverage <= 0.99, coverage
    assert invalid <= 0.01 * N_SEEDS * N_DRAWS  # the intervals rest on (almost) every draw


# ------------------------------------------------------------------ charts


def test_plot_total_interval_shows_the_band_and_says_what_it_covers(with_clv):
    from crmlib.clv.uncertainty import plot_total_interval

    ax = plot_total_interval(with_clv, currency="USD")
    assert "parameter uncertainty only" in ax.get_title()
    row = with_clv.total.loc["clv"]
    spans = [p for p in ax.patches if p.get_alpha() == pytest.approx(0.18)]
    assert len(spans) == 1
    x0, x1 = spans[0].get_x(), spans[0].get_x() + spans[0].get_width()
    assert (x0, x1) == pytest.approx((row["lower_95_param"], row["upper_95_param"]))
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(row["estimate"])
    assert any("$" in t.get_text() or "USD" in t.get_text() for t in ax.get_legend().get_texts())
    with pytest.raises(DataValidationError, match="not in this result"):
        plot_total_interval(with_clv, total="revenue")
    with pytest.raises(DataValidationError, match="parameter_intervals"):
        plot_total_interval(with_clv.total)


def test_plot_customer_intervals_ranks_the_top_customers(with_clv):
    from crmlib.clv.uncertainty import plot_customer_intervals

    ax = plot_customer_intervals(with_clv, n_top=5)
    top = with_clv.customers["clv"].nlargest(5)
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in top.index[::-1]]
    assert "parameter uncertainty only" in ax.get_title()
    with pytest.raises(DataValidationError, match="n_top"):
        plot_customer_intervals(with_clv, n_top=0)

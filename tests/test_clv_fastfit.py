"""crmlib's own BG/NBD and Pareto/NBD likelihoods (crmlib.clv._likelihoods): the same
values as lifetimes' expressions, exact derivatives, and the same optimum as lifetimes'
plain fit on a log whose customers sign up every day for two years. No timing here: speed
is measured by benchmarks/bench_clv.py."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import BetaGeo, ParetoNBD
from crmlib.clv import paretonbd as paretonbd_module
from crmlib.clv._collapse import collapse
from crmlib.clv._likelihoods import bgnbd_data, bgnbd_loglik, pareto_data, pareto_loglik
from crmlib.clv.paretonbd import _stable_fitter_class


def _lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    return lifetimes


def _spread_summary(n: int, seed: int) -> pd.DataFrame:
    """Customers signing up every day for two years, day resolution, weeks."""
    from crmlib.datasets import generate_bgnbd_transactions
    from crmlib.features import rfm_summary

    tx = generate_bgnbd_transactions(n, cohort_days=730, observation_weeks=39, random_state=seed)
    s = rfm_summary(tx, observation_end=tx.attrs["observation_end"], freq="D", time_unit="W")
    out = pd.DataFrame({k: s[k].to_numpy() for k in ("frequency", "recency", "T")})
    out.attrs["time_unit"] = "W"
    return out


@pytest.fixture(scope="module")
def spread():
    return _spread_summary(3_000, seed=11)


@pytest.fixture(scope="module")
def collapsed(spread):
    c = collapse({k: spread[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    # rows with many unique values: the point of the fast likelihood
    assert c.n_rows > 0.5 * len(spread)
    return c


PARAMS_BG = [np.array([0.243, 4.414, 0.793, 2.426]), np.array([1.7, 0.3, 3.0, 0.4])]


@pytest.mark.parametrize("params", PARAMS_BG)
def test_bgnbd_loglik_equals_lifetimes(collapsed, params):
    c, w = collapsed.columns, collapsed.weights
    ours = bgnbd_loglik(params, bgnbd_data(c["frequency"], c["recency"], c["T"], w))
    nll = _lifetimes().BetaGeoFitter._negative_log_likelihood(
        np.log(params), c["frequency"], c["recency"], c["T"], w, 0.0
    )
    assert ours == pytest.approx(-nll * w.sum(), rel=1e-12)


@pytest.mark.parametrize("params", PARAMS_BG)
def test_bgnbd_gradient_and_hessian_match_finite_differences(collapsed, params):
    c, w = collapsed.columns, collapsed.weights
    d = bgnbd_data(c["frequency"], c["recency"], c["T"], w)
    _, grad, hess = bgnbd_loglik(params, d, 2)
    theta, h = np.log(params), 1e-5
    eye = np.eye(4) * h
    fd_grad = np.array(
        [
            (bgnbd_loglik(np.exp(theta + e), d) - bgnbd_loglik(np.exp(theta - e), d)) / (2 * h)
            for e in eye
        ]
    )
    fd_hess = np.array(
        [
            (bgnbd_loglik(np.exp(theta + e), d, 1)[1] - bgnbd_loglik(np.exp(theta - e), d, 1)[1])
            / (2 * h)
            for e in eye
        ]
    )
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(hess, fd_hess, rtol=1e-6, atol=1e-3 * np.abs(hess).max() * 1e-3)
    np.testing.assert_allclose(hess, hess.T)


@pytest.mark.parametrize(
    "params",
    [
        np.array([0.553, 10.578, 0.606, 11.669]),  # alpha < beta
        np.array([1.4, 48.6, 0.56, 46.9]),  # alpha > beta
        np.array([0.3, 2.0, 2.5, 0.5]),
    ],
)
def test_pareto_loglik_equals_lifetimes(collapsed, params):
    # plus rows whose last purchase is on the last day (the A_0 = 0 branch)
    c = {
        "frequency": np.r_[collapsed.columns["frequency"], 4.0, 12.0],
        "recency": np.r_[collapsed.columns["recency"], 50.0, 70.0],
        "T": np.r_[collapsed.columns["T"], 50.0, 70.0],
    }
    w = np.r_[collapsed.weights, 1.0, 2.0]
    ours = pareto_loglik(params, pareto_data(c["frequency"], c["recency"], c["T"], w))
    with np.errstate(all="ignore"):
        theirs = float(
            np.sum(
                w
                * _stable_fitter_class()._conditional_log_likelihood(
                    params, c["frequency"], c["recency"], c["T"]
                )
            )
        )
    assert np.isfinite(ours)
    assert ours == pytest.approx(theirs, rel=1e-11)


def test_pareto_loglik_last_purchase_on_last_day_is_finite():
    # recency == T: A_0 is exactly 0 (lifetimes' signed logsumexp gave NaN at high x)
    f = np.array([170.0, 0.0, 3.0])
    rec = np.array([39.0, 0.0, 39.0])
    t = np.array([39.0, 39.0, 39.0])
    d = pareto_data(f, rec, t, np.ones(3))
    assert np.isfinite(pareto_loglik(np.array([0.55, 10.6, 0.6, 11.7]), d))


def test_bgnbd_same_optimum_as_lifetimes_on_spread_signups(spread):
    m = BetaGeo().fit(spread)
    f, r, t = (spread[k].to_numpy() for k in ("frequency", "recency", "T"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = _lifetimes().BetaGeoFitter().fit(f, r, t)
    theirs = lt.params_[["r", "alpha", "a", "b"]].to_numpy(float)
    np.testing.assert_allclose(m.params_.to_numpy(), theirs, rtol=1e-4)
    # crmlib's optimum is at least as good as lifetimes' (its BFGS stops at 1e-7)
    # the fitted value and a fresh evaluation on the same summary agree
    assert m.log_likelihood(spread) == pytest.approx(m.log_likelihood_, rel=1e-12)
    col = collapse({k: spread[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    at_theirs = m._loglik(theirs, col.columns, col.weights)
    assert m.log_likelihood_ >= at_theirs - 1e-6
    # standard errors from the exact Hessian agree with a finite-difference Hessian
    from crmlib.clv.base import _HESS_STEP, _gradient_hessian

    theta = np.log(m.params_.to_numpy())

    def nll(th):
        return -m._loglik(np.exp(th), col.columns, col.weights)

    _, fd_hess = _gradient_hessian(nll, theta, nll(theta), _HESS_STEP)
    fd_se = m.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(fd_hess)))
    np.testing.assert_allclose(m.summary_["std_error"].to_numpy(), fd_se, rtol=1e-3)


def test_pareto_same_optimum_as_lifetimes_on_spread_signups(spread):
    m = ParetoNBD().fit(spread)
    f, r, t = (spread[k].to_numpy() for k in ("frequency", "recency", "T"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = _lifetimes().ParetoNBDFitter().fit(f, r, t, initial_params=np.ones(4))
    theirs = lt.params_[["r", "alpha", "s", "beta"]].to_numpy(float)
    col = collapse({k: spread[k].to_numpy(float) for k in ("frequency", "recency", "T")})
    at_theirs = m._loglik(theirs, col.columns, col.weights)
    # the likelihood is flat: compare log-likelihoods (CLVTools' advice), then parameters loosely
    assert m.log_likelihood_ >= at_theirs - 1e-3
    assert m.log_likelihood_ - at_theirs < 0.5
    np.testing.assert_allclose(m.params_.to_numpy(), theirs, rtol=0.05)
    assert m.start_log_likelihoods_.notna().all() and len(m.start_log_likelihoods_) == 4


def test_pareto_screened_starts_reach_the_unscreened_optimum(monkeypatch):
    # more customers than twice the screening size, so every start is screened on a
    # subsample and then polished on all the data
    s = _spread_summary(12_000, seed=5)
    screened = ParetoNBD().fit(s)
    monkeypatch.setattr(paretonbd_module, "_SCREEN_CUSTOMERS", 10**9)
    plain = ParetoNBD().fit(s)
    # every start reported, each a full-data optimum (not a subsample's)
    assert list(screened.start_log_likelihoods_.index) == list(plain.start_log_likelihoods_.index)
    np.testing.assert_allclose(
        screened.start_log_likelihoods_.to_numpy(),
        plain.start_log_likelihoods_.to_numpy(),
        atol=1e-2,
    )
    assert screened.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-3)
    assert screened.log_likelihood_ == pytest.approx(
        screened.start_log_likelihoods_.max(), abs=1e-9
    )
    np.testing.assert_allclose(screened.params_.to_numpy(), plain.params_.to_numpy(), rtol=1e-3)


@pytest.mark.parametrize("per", [7.0, 365.25 / 12, 1.0, 0.37])
def test_collapse_groups_exactly_on_and_off_the_day_lattice(per):
    # weeks and months at day resolution take the whole-days path, other values the hash
    rng = np.random.default_rng(3)
    days = rng.integers(0, 700, 20_000)
    t_days = days + rng.integers(0, 60, 20_000)
    cols = {"f": rng.integers(0, 4, 20_000), "r": days / per, "T": t_days / per}
    cols["r"][:5] = cols["r"][:5] + 1e-9  # off the lattice: must stay distinct
    c = collapse(cols)
    expected = pd.DataFrame(cols).value_counts()
    got = pd.DataFrame(c.columns).assign(w=c.weights).set_index(["f", "r", "T"])["w"]
    assert c.n_rows == len(expected)
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype(float), check_names=False
    )
    # the map back rebuilds every input row bit for bit
    for k in cols:
        np.testing.assert_array_equal(c.columns[k][c.inverse], cols[k])


def test_bgnbd_penalized_fit_matches_lifetimes(spread):
    # the same penalty as lifetimes: on the mean negative log-likelihood, alpha in
    # lifetimes' scaled time
    m = BetaGeo(penalizer_coef=0.05).fit(spread)
    f, r, t = (spread[k].to_numpy() for k in ("frequency", "recency", "T"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt = _lifetimes().BetaGeoFitter(penalizer_coef=0.05).fit(f, r, t)
    theirs = lt.params_[["r", "alpha", "a", "b"]].to_numpy(float)
    np.testing.assert_allclose(m.params_.to_numpy(), theirs, rtol=1e-4)
    plain = BetaGeo().fit(spread)
    assert not np.allclose(m.params_.to_numpy(), plain.params_.to_numpy(), rtol=1e-3)


def test_bgnbd_loglik_exact_where_gammaln_differences_cancel(collapsed):
    # a -> 0 relative to b (no dropout after a purchase): BG/NBD tends to the NBD. With
    # b = 1e200, lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x) cancels 1e202-sized terms (the
    # gammaln expression gave a log-likelihood of +1e9 on Online Retail at b = 1e20, and
    # the fit chased it)
    c, w = collapsed.columns, collapsed.weights
    r, alpha = 0.74, 9.17
    d = bgnbd_data(c["frequency"], c["recency"], c["T"], w)
    ll = bgnbd_loglik(np.array([r, alpha, 1e10, 1e200]), d)
    from scipy.special import gammaln

    x, t = c["frequency"], c["T"]
    nbd = float(
        np.sum(w * (gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + t)))
    )
    assert ll == pytest.approx(nbd, rel=1e-9)
    _, grad, hess = bgnbd_loglik(np.array([r, alpha, 1e10, 1e200]), d, 2)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))


def test_bgnbd_fit_without_dropout_reaches_the_nbd_limit():
    # customers who never drop out: every start must end at the NBD limit (a/b -> 0), with
    # a finite, negative log-likelihood, flagged as at the edge of the range
    from crmlib.exceptions import ConvergenceWarning

    rng = np.random.default_rng(4)
    n = 2_000
    t = rng.uniform(20, 60, n)
    lam = rng.gamma(0.8, 1 / 9.0, n)
    f = rng.poisson(lam * t)
    rec = np.where(f > 0, t * rng.beta(np.maximum(f, 1), 1), 0.0)
    s = pd.DataFrame({"frequency": f, "recency": np.round(rec, 3), "T": np.round(t, 3)})
    s["recency"] = np.minimum(s["recency"], s["T"])
    s.loc[s["frequency"] > 0, "recency"] = np.maximum(s.loc[s["frequency"] > 0, "recency"], 0.001)
    with pytest.warns(ConvergenceWarning, match="edge of their range"):
        m = BetaGeo(time_unit="W", n_starts=4).fit(s)
    assert m.start_log_likelihoods_.notna().all()
    assert m.log_likelihood_ < 0
    assert m.start_log_likelihoods_.max() - m.start_log_likelihoods_.min() < 1e-3
    assert m.params_["a"] / m.params_["b"] < 1e-6

"""The ``bayes`` extra (issue 12): BG/NBD by MCMC through PyMC-Marketing, with crmlib's
results API. Runs when the extra is installed (CI installs ``.[bayes]``); without it only
the refusal of a missing extra is checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import BetaGeo, GammaGamma, parameter_intervals
from crmlib.clv.bayes import BayesBetaGeo, bayes_available
from crmlib.exceptions import DataValidationError, NotFittedError

HORIZON = "39W"
# PyMC's stack warns at import and while sampling (ArviZ's migration note, PyTensor's BLAS
# note, NumPy deprecations inside PyMC); convergence is checked through R-hat instead.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning:pytensor"),
    pytest.mark.filterwarnings("ignore::UserWarning:arviz"),
    pytest.mark.filterwarnings("ignore::UserWarning:arviz_stats"),
    pytest.mark.filterwarnings("ignore::UserWarning:pymc"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning:pymc"),
]
needs_bayes = pytest.mark.skipif(
    not bayes_available(), reason="the bayes extra (pymc-marketing) is not installed"
)


def test_the_extra_is_installed_in_ci():
    """`make test` installs the extra; a CI run without it would skip the sampler tests silently."""
    import os

    if os.environ.get("CI") and not bayes_available():
        pytest.fail("CI=true but pymc-marketing is not installed: `make test` installs .[bayes]")


def test_unfitted_and_bad_settings_are_refused(cdnow_cal):
    m = BayesBetaGeo()
    with pytest.raises(NotFittedError):
        m.p_alive(cdnow_cal)
    with pytest.raises(DataValidationError, match="draws"):
        BayesBetaGeo(draws=0).fit(cdnow_cal)
    with pytest.raises(DataValidationError, match="random_state"):
        BayesBetaGeo(random_state="x").fit(cdnow_cal)
    weighted = cdnow_cal.assign(weights=1.0)
    with pytest.raises(DataValidationError, match="weights"):
        BayesBetaGeo().fit(weighted)


def test_missing_extra_says_how_to_install(monkeypatch, cdnow_cal):
    import crmlib.clv.bayes as bayes

    monkeypatch.setattr(bayes, "bayes_available", lambda: False)
    with pytest.raises(ModuleNotFoundError, match=r"crmlib\[bayes\]"):
        BayesBetaGeo().fit(cdnow_cal)


@pytest.fixture(scope="module")
def bayes_fit(cdnow_cal):
    return BayesBetaGeo(draws=500, tune=500, chains=2, random_state=1).fit(cdnow_cal)


@pytest.fixture(scope="module")
def ml_fit(cdnow_cal):
    return BetaGeo().fit(cdnow_cal)


@needs_bayes
@pytest.mark.slow
def test_flat_prior_posterior_agrees_with_maximum_likelihood(bayes_fit, ml_fit):
    s = bayes_fit.summary_
    assert list(s.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert list(bayes_fit.params_.index) == ["r", "alpha", "a", "b"]
    # with flat priors and 2,357 customers the posterior sits on the likelihood: the ML
    # estimate lies inside every 95% credible interval, and the posterior spread is of
    # the order of the asymptotic standard error
    ml, se = ml_fit.params_, ml_fit.summary_["std_error"]
    assert ((s["lower_95"] < ml) & (ml < s["upper_95"])).all(), pd.concat([s, ml], axis=1)
    ratio = s["std_error"] / se
    assert ratio.between(0.6, 2.0).all(), ratio.to_dict()
    assert (bayes_fit.diagnostics_["r_hat"] < 1.05).all()
    assert len(bayes_fit.posterior_) == 1000


@needs_bayes
@pytest.mark.slow
def test_same_results_api_and_intervals(bayes_fit, ml_fit, cdnow_cal):
    # predictions at the posterior median are crmlib's BetaGeo formulas
    point = bayes_fit.point_model()
    np.testing.assert_allclose(bayes_fit.p_alive(cdnow_cal), point.p_alive(cdnow_cal))
    ep = bayes_fit.expected_purchases(cdnow_cal, HORIZON)
    assert ep.index.equals(cdnow_cal.index)
    # and close to the ML model's: the posterior median is near the ML estimate
    assert ep.sum() == pytest.approx(ml_fit.expected_purchases(cdnow_cal, HORIZON).sum(), rel=0.03)

    spend = GammaGamma().fit(cdnow_cal)
    post = bayes_fit.intervals(cdnow_cal, spend, horizon=HORIZON, n_draws=100)
    boot = parameter_intervals(ml_fit, cdnow_cal, spend, horizon=HORIZON, n_draws=100)
    assert post.covers.startswith("parameter uncertainty only")
    assert list(post.customers.columns) == list(boot.customers.columns)
    assert list(post.total.columns) == list(boot.total.columns)
    assert post.n_draws == 100
    # posterior and bootstrap intervals of the totals overlap closely
    for row in ("expected_purchases", "clv"):
        a, b = post.total.loc[row], boot.total.loc[row]
        assert a["estimate"] == pytest.approx(b["estimate"], rel=0.03)
        assert a["upper_95_param"] - a["lower_95_param"] == pytest.approx(
            b["upper_95_param"] - b["lower_95_param"], rel=0.5
        )
    with pytest.raises(DataValidationError, match="n_draws"):
        bayes_fit.intervals(cdnow_cal, horizon=HORIZON, n_draws=5000)

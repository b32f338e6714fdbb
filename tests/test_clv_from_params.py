"""``from_params``: every CLV model evaluated at published parameters, with no fit, must
reproduce the published figures (../shared/TESTING.md; sources in reference_clv.py)."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pandas as pd
import pytest
import reference_clv as ref
from conftest import requires_data
from sklearn.base import clone

from crmlib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from crmlib.exceptions import DataValidationError, NotFittedError

# CLVTools' tests/testthat/test_correctness_*.R, via TESTING.md (CDNOW, weeks)
CLVTOOLS_PARETO = {"r": 0.55315, "alpha": 10.57633, "s": 0.60625, "beta": 11.67150}
CLVTOOLS_PARETO_LL = -9594.976
CLVTOOLS_BGNBD = {"r": 0.2425945, "alpha": 4.4136019, "a": 0.7929199, "b": 2.4258881}
CLVTOOLS_BGNBD_LL = -9582.429
CLVTOOLS_GG_LL = -4055.9177


def test_bgnbd_example_customer():
    """Fader, Hardie & Lee (2005): x = 2, t_x = 30.43, T = 38.86 -> 1.226 in 39 weeks."""
    m = BetaGeo.from_params(**ref.BGNBD_PARAMS, time_unit="W")
    one = pd.DataFrame([ref.BGNBD_EXAMPLE_CUSTOMER])
    got = m.expected_purchases(one, f"{ref.BGNBD_EXAMPLE_HORIZON}W").iloc[0]
    assert got == pytest.approx(ref.BGNBD_EXAMPLE_EXPECTED, abs=ref.BGNBD_EXAMPLE_ATOL)
    # the same customer in days, with the parameters in days: the same forecast
    days = BetaGeo.from_params(
        r=ref.BGNBD_PARAMS["r"], alpha=ref.BGNBD_PARAMS["alpha"] * 7, a=ref.BGNBD_PARAMS["a"],
        b=ref.BGNBD_PARAMS["b"], time_unit="D",
    )  # fmt: skip
    one_d = one.assign(recency=one["recency"] * 7, T=one["T"] * 7)
    assert days.expected_purchases(one_d, "39W").iloc[0] == pytest.approx(got, rel=1e-9)


def test_published_parameters_give_published_log_likelihoods(cdnow_cal):
    bg = BetaGeo.from_params(**ref.BGNBD_PARAMS, time_unit="W")
    assert bg.log_likelihood(cdnow_cal) == pytest.approx(
        ref.BGNBD_LOGLIK, abs=ref.BGNBD_LOGLIK_ATOL
    )
    bg = BetaGeo.from_params(**CLVTOOLS_BGNBD, time_unit="W")
    assert bg.log_likelihood(cdnow_cal) == pytest.approx(CLVTOOLS_BGNBD_LL, abs=1e-3)
    pn = ParetoNBD.from_params(**ref.PARETO_PARAMS, time_unit="W")
    assert pn.log_likelihood(cdnow_cal) == pytest.approx(
        ref.PARETO_LOGLIK, abs=ref.PARETO_LOGLIK_ATOL
    )
    pn = ParetoNBD.from_params(**CLVTOOLS_PARETO, time_unit="W")
    assert pn.log_likelihood(cdnow_cal) == pytest.approx(CLVTOOLS_PARETO_LL, abs=1e-3)
    repeaters = cdnow_cal[cdnow_cal["frequency"] > 0]
    assert len(repeaters) == ref.GAMMAGAMMA_N_CUSTOMERS
    gg = GammaGamma.from_params(**ref.GAMMAGAMMA_PARAMS)
    # parameters printed with 2 decimals move the log-likelihood by about 2e-3
    assert gg.log_likelihood(repeaters) == pytest.approx(CLVTOOLS_GG_LL, abs=0.01)


@pytest.mark.realdata
@requires_data("apparel")
def test_pareto_apparel_log_likelihood_from_published_parameters():
    from crmlib.datasets import APPAREL_ESTIMATION_END, load_apparel
    from crmlib.features import rfm_summary

    tx = load_apparel().transactions
    s = rfm_summary(
        tx[tx["date"] <= APPAREL_ESTIMATION_END],
        observation_end=APPAREL_ESTIMATION_END,
        time_unit="W",
    )
    m = ParetoNBD.from_params(**ref.APPAREL_PARETO_PARAMS, time_unit="W")
    assert m.log_likelihood(s) == pytest.approx(ref.APPAREL_PARETO_LOGLIK, abs=1e-3)


def test_bgbb_from_published_parameters_matches_the_fit():
    path = importlib.resources.files("lifetimes") / "datasets" / "donations.csv"
    d = pd.read_csv(path).rename(columns={"periods": "n_periods"})
    given = BetaGeoBetaBinom.from_params(**ref.BGBB_PARAMS)
    fitted = BetaGeoBetaBinom().fit(d)
    # the published values are the maximum to printed precision
    assert given.log_likelihood(d) == pytest.approx(fitted.log_likelihood_, abs=0.01)
    np.testing.assert_allclose(
        given.expected_purchases(d, 5), fitted.expected_purchases(d, 5), rtol=5e-3
    )


@pytest.mark.parametrize(
    ("active", "params"),
    [
        (ref.SBG_REGULAR_ACTIVE, ref.SBG_REGULAR_PARAMS),
        (ref.SBG_HIGHEND_ACTIVE, ref.SBG_HIGHEND_PARAMS),
    ],
    ids=["regular", "high_end"],
)
def test_sbg_published_parameters_track_the_published_cohorts(active, params):
    m = ShiftedBetaGeometric.from_params(**params, time_unit="Y")
    curve = m.expected_active(len(active) - 1, initial=active[0]).to_numpy()
    assert np.max(np.abs(curve - np.asarray(active))) < 25  # as the fitted curve does
    with pytest.raises(DataValidationError, match="initial="):
        m.expected_active(3)  # no fitted cohort to take the size from


def test_from_params_contract():
    m = ParetoNBD.from_params(r=0.55, alpha=10.6, s=0.61, beta=11.7, time_unit="w")
    assert isinstance(m, ParetoNBD) and m.time_unit_ == "W" and m.time_unit == "W"
    assert list(m.params_.index) == ["r", "alpha", "s", "beta"]
    assert m.summary_["std_error"].isna().all()
    assert list(m.summary_.columns) == ["estimate", "std_error", "lower_95", "upper_95"]
    assert "from_params" in repr(m) and "not fitted" in repr(m) and "alpha=10.6" in repr(m)
    assert "from_params" in m._repr_html_()
    assert not hasattr(m, "log_likelihood_")
    # clone gives the unfitted estimator with the same hyper-parameters
    c = clone(m)
    assert c.time_unit == "W"
    with pytest.raises(NotFittedError):
        c.p_alive(pd.DataFrame({"frequency": [1], "recency": [2.0], "T": [5.0]}))
    # the grid's default size needs fitted data
    with pytest.raises(DataValidationError, match="max_frequency"):
        m.p_alive_matrix()
    assert m.p_alive_matrix(max_frequency=3, max_recency=10).shape == (11, 4)
    mbg = ModifiedBetaGeo.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4, time_unit="W")
    assert mbg.expected_purchases_new_customer(39.0)[0] > 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: BetaGeo.from_params(r=0.2, alpha=4.4, a=0.8, time_unit="W"), "missing 'b'"),
        (
            lambda: BetaGeo.from_params(r=0.2, alpha=4.4, a=0.8, b=2.4, s=1, time_unit="W"),
            "unknown",
        ),
        (lambda: BetaGeo.from_params(r=0.2, alpha=4.4, a=0.8, b=2.4), "time_unit is required"),
        (
            lambda: BetaGeo.from_params(r=0.2, alpha=4.4, a=0.8, b=2.4, time_unit="fortnight"),
            "fortnight",
        ),
        (lambda: BetaGeo.from_params(r=-0.2, alpha=4.4, a=0.8, b=2.4, time_unit="W"), "r"),
        (lambda: BetaGeo.from_params(r=0.2, alpha="4.4", a=0.8, b=2.4, time_unit="W"), "alpha"),
        (lambda: BetaGeo.from_params(r=0.2, alpha=np.nan, a=0.8, b=2.4, time_unit="W"), "alpha"),
        (
            lambda: GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44, time_unit="W"),
            "no time axis",
        ),
        (lambda: GammaGamma.from_params(p=6.25, q=3.74, v=15.44), "unknown parameter"),
    ],
)
def test_from_params_refuses_bad_input(call, match):
    with pytest.raises(DataValidationError, match=match):
        call()

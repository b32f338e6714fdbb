"""crmlib's CLV models reproduce the published figures (tests/reference_clv.py), and agree
with lifetimes' own plain (uncollapsed) fits where lifetimes works."""

from __future__ import annotations

import importlib.resources
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import reference_clv as ref

from crmlib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)


@pytest.fixture(scope="module")
def cdnow_cal(cdnow_split):
    """The papers' calibration summary; it carries its unit (weeks) in attrs."""
    from crmlib.clv import calibration_summary

    cal = calibration_summary(cdnow_split)
    cal.attrs.setdefault("time_unit", "W")  # until rfm_summary records it itself
    return cal


@pytest.fixture(scope="module")
def split(cdnow_split):
    return cdnow_split


@pytest.fixture(scope="module")
def cal(cdnow_cal):
    return cdnow_cal


@pytest.fixture(scope="module")
def bgnbd(cal):
    return BetaGeo().fit(cal)


@pytest.fixture(scope="module")
def pareto(cal):
    return ParetoNBD().fit(cal)


def _lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    return lifetimes


def test_cdnow_calibration_data(split):
    assert len(split) == ref.CDNOW_N_CUSTOMERS
    assert int(split["frequency_cal"].sum()) == ref.CDNOW_REPEAT_CALIBRATION
    assert int(split["frequency_holdout"].sum()) == ref.CDNOW_REPEAT_HOLDOUT


def test_bgnbd_parameters_and_loglik(bgnbd):
    for name, value in ref.BGNBD_PARAMS.items():
        assert bgnbd.params_[name] == pytest.approx(
            value, rel=ref.BGNBD_PARAM_RTOL, abs=ref.BGNBD_PARAM_ATOL
        ), name
    assert bgnbd.log_likelihood_ == pytest.approx(ref.BGNBD_LOGLIK, abs=ref.BGNBD_LOGLIK_ATOL)
    assert bgnbd.n_customers_ == ref.CDNOW_N_CUSTOMERS
    assert bgnbd.n_unique_rows_ < ref.CDNOW_N_CUSTOMERS  # it collapsed


def test_bgnbd_example_customer(bgnbd):
    one = pd.DataFrame([ref.BGNBD_EXAMPLE_CUSTOMER])
    got = bgnbd.expected_purchases(one, f"{ref.BGNBD_EXAMPLE_HORIZON}W").iloc[0]
    assert got == pytest.approx(ref.BGNBD_EXAMPLE_EXPECTED, abs=ref.BGNBD_EXAMPLE_ATOL)


def test_pareto_parameters_and_loglik(pareto):
    for name, value in ref.PARETO_PARAMS.items():
        assert pareto.params_[name] == pytest.approx(value, abs=ref.PARETO_PARAM_ATOL[name]), name
    assert pareto.log_likelihood_ == pytest.approx(ref.PARETO_LOGLIK, abs=ref.PARETO_LOGLIK_ATOL)


def test_pareto_is_deterministic(cal, pareto):
    """lifetimes starts Pareto/NBD from np.random.normal; crmlib passes a fixed start."""
    again = ParetoNBD().fit(cal)
    np.testing.assert_array_equal(again.params_.to_numpy(), pareto.params_.to_numpy())


def test_gammagamma_parameters(cal):
    gg = GammaGamma().fit(cal)
    assert gg.n_customers_ == ref.GAMMAGAMMA_N_CUSTOMERS
    assert gg.n_excluded_ == ref.CDNOW_N_CUSTOMERS - ref.GAMMAGAMMA_N_CUSTOMERS
    for name, value in ref.GAMMAGAMMA_PARAMS.items():
        assert gg.params_[name] == pytest.approx(
            value, rel=ref.GAMMAGAMMA_PARAM_RTOL, abs=ref.GAMMAGAMMA_PARAM_ATOL
        ), name


def test_bgbb_donations():
    path = importlib.resources.files("lifetimes") / "datasets" / "donations.csv"
    d = pd.read_csv(path).rename(columns={"periods": "n_periods"})
    m = BetaGeoBetaBinom().fit(d)
    assert m.n_customers_ == ref.BGBB_N_CUSTOMERS
    for name, value in ref.BGBB_PARAMS.items():
        assert m.params_[name] == pytest.approx(
            value, rel=ref.BGBB_PARAM_RTOL, abs=ref.BGBB_PARAM_ATOL
        ), name


@pytest.mark.parametrize(
    "active,params",
    [
        (ref.SBG_REGULAR_ACTIVE, ref.SBG_REGULAR_PARAMS),
        (ref.SBG_HIGHEND_ACTIVE, ref.SBG_HIGHEND_PARAMS),
    ],
    ids=["regular", "high_end"],
)
def test_sbg_published_curves(active, params):
    m = ShiftedBetaGeometric(time_unit="Y").fit(active)
    for name, value in params.items():
        assert m.params_[name] == pytest.approx(
            value, rel=ref.SBG_PARAM_RTOL, abs=ref.SBG_PARAM_ATOL
        ), name
    # the fitted curve stays within 2.5% of the cohort of the data it was fitted on, and
    # retention rises over time (the paper's point: heterogeneity sorts the cohort)
    fitted = m.expected_active(len(active) - 1).to_numpy()
    assert np.max(np.abs(fitted - np.asarray(active))) < 25
    assert np.all(np.diff(m.retention_rate(np.arange(1, 12))) > 0)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo], ids=["BetaGeo", "ModifiedBetaGeo"])
def test_same_as_lifetimes_plain_fit(cal, cls):
    """Collapsing changes nothing: lifetimes' fit on every row gives the same estimates."""
    lt = _lifetimes()
    plain_cls = {"BetaGeo": lt.BetaGeoFitter, "ModifiedBetaGeo": lt.ModifiedBetaGeoFitter}[
        cls.__name__
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = plain_cls().fit(cal["frequency"], cal["recency"], cal["T"])
    ours = cls().fit(cal)
    np.testing.assert_allclose(
        ours.params_.to_numpy(), plain.params_[list(ours.params_.index)].to_numpy(), rtol=1e-5
    )
    # standard errors: crmlib's finite-difference Hessian vs lifetimes' autograd Hessian
    np.testing.assert_allclose(
        ours.summary_["std_error"].to_numpy(),
        plain.standard_errors_[list(ours.params_.index)].to_numpy(),
        rtol=2e-3,
    )


def test_pareto_close_to_lifetimes_plain_fit(cal, pareto):
    lt = _lifetimes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = lt.ParetoNBDFitter().fit(
            cal["frequency"], cal["recency"], cal["T"], initial_params=[1, 1, 1, 1]
        )
    got = pareto.params_.to_numpy()
    want = plain.params_[list(pareto.params_.index)].to_numpy()
    np.testing.assert_allclose(got, want, rtol=2e-3)
    # and the log-likelihood at either optimum is the same to well within 0.01
    assert pareto.log_likelihood(cal) == pytest.approx(
        float(
            np.sum(
                lt.ParetoNBDFitter._conditional_log_likelihood(
                    want, cal["frequency"], cal["recency"], cal["T"]
                )
            )
        ),
        abs=0.01,
    )


def test_gammagamma_same_as_lifetimes(cal):
    lt = _lifetimes()
    rep = cal[cal["frequency"] > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = lt.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    ours = GammaGamma().fit(cal)
    np.testing.assert_allclose(
        ours.params_.to_numpy(), plain.params_[["p", "q", "v"]].to_numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(
        ours.summary_["std_error"].to_numpy(),
        plain.standard_errors_[["p", "q", "v"]].to_numpy(),
        rtol=2e-3,
    )


def _apparel_path():
    from crmlib.datasets import data_dir

    return data_dir() / "apparel_transactions.csv"


@pytest.mark.realdata
@pytest.mark.skipif(
    not _apparel_path().is_file() and not os.environ.get("CI"),
    reason="apparel_transactions.csv not in the data directory (set CRMLIB_DATA)",
)
def test_pareto_apparel_matches_clvtools():
    """CLVTools' Pareto/NBD on its apparel data: the summary is built here from the raw lines
    (zero-price lines count, as in CLVTools), so the check is of the model alone. Every one
    of the starting points reaches the same optimum."""
    tx = pd.read_csv(_apparel_path(), parse_dates=["Date"])  # fails in CI if missing
    end = pd.Timestamp(ref.APPAREL_ESTIMATION_END)
    days = tx[tx["Date"] <= end].groupby("Id")["Date"].agg(["min", "max", "nunique"])
    s = pd.DataFrame(
        {
            "frequency": days["nunique"] - 1,
            "recency": (days["max"] - days["min"]).dt.days / 7,
            "T": (end - days["min"]).dt.days / 7,
        }
    )
    s.attrs["time_unit"] = "W"
    m = ParetoNBD().fit(s)
    assert m.n_customers_ == ref.APPAREL_N_CUSTOMERS
    assert m.log_likelihood_ == pytest.approx(ref.APPAREL_PARETO_LOGLIK, abs=1e-4)
    for name, value in ref.APPAREL_PARETO_PARAMS.items():
        assert m.params_[name] == pytest.approx(value, rel=ref.APPAREL_PARAM_RTOL), name
        assert m.summary_.loc[name, "std_error"] == pytest.approx(
            ref.APPAREL_PARETO_SE[name], rel=ref.APPAREL_SE_RTOL
        ), name
    ll = m.start_log_likelihoods_
    assert len(ll) == 4 and ll.max() - ll.min() < 1e-3

"""The estimator contract, checked the same way over every CLV model (one fixture lists
them all): fit returns self; params_ is a Series; summary_ has the same columns for every
model; repr and HTML differ before and after fitting; a clear not-fitted error; the
log-likelihood is a sum over customers (LL(A + B) = LL(A) + LL(B) at fixed parameters);
fits are reproducible and pickle."""

from __future__ import annotations

import importlib.resources
import pickle

import numpy as np
import pandas as pd
import pytest
import reference_clv as ref

from crmlib.clv import (
    SUMMARY_COLUMNS,
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from crmlib.exceptions import DataValidationError, NotFittedError


@pytest.fixture(scope="module")
def cdnow_cal(cdnow_split):
    """The papers' calibration summary; it carries its unit (weeks) in attrs."""
    from crmlib.clv import calibration_summary

    cal = calibration_summary(cdnow_split)
    cal.attrs.setdefault("time_unit", "W")  # until rfm_summary records it itself
    return cal


@pytest.fixture(scope="module")
def donations():
    path = importlib.resources.files("lifetimes") / "datasets" / "donations.csv"
    return pd.read_csv(path).rename(columns={"periods": "n_periods"})


def _halves(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return df.iloc[::2], df.iloc[1::2]


# name -> (factory, data builder returning (full, part_a, part_b, combine))
def _case(name, request):
    if name in ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "GammaGamma"):
        full = request.getfixturevalue("cdnow_cal")
        a, b = _halves(full)
        return full, a, b, lambda x, y: pd.concat([x, y])
    if name == "BetaGeoBetaBinom":
        full = request.getfixturevalue("donations")
        a, b = _halves(full)
        return full, a, b, lambda x, y: pd.concat([x, y])
    a, b = np.array(ref.SBG_REGULAR_ACTIVE), np.array(ref.SBG_HIGHEND_ACTIVE)
    return a + b, a, b, lambda x, y: np.asarray(x) + np.asarray(y)


MODELS = {
    "BetaGeo": BetaGeo,
    "ModifiedBetaGeo": ModifiedBetaGeo,
    "ParetoNBD": ParetoNBD,
    "GammaGamma": GammaGamma,
    "BetaGeoBetaBinom": BetaGeoBetaBinom,
    "ShiftedBetaGeometric": ShiftedBetaGeometric,
}


@pytest.fixture(params=list(MODELS), scope="module")
def case(request):
    name = request.param
    full, a, b, combine = _case(name, request)
    fitted = MODELS[name]().fit(full)
    return name, MODELS[name], full, a, b, combine, fitted


def test_fit_returns_self(case):
    name, cls, full, *_ = case
    m = cls()
    assert m.fit(full) is m


def test_params_and_summary(case):
    name, cls, full, a, b, combine, m = case
    assert isinstance(m.params_, pd.Series)
    assert list(m.params_.index) == list(cls._param_names)
    assert list(m.summary_.columns) == SUMMARY_COLUMNS
    assert list(m.summary_.index) == list(m.params_.index)
    s = m.summary_
    assert np.all(np.isfinite(s.to_numpy()))
    assert (s["std_error"] > 0).all()
    assert ((s["lower_95"] < s["estimate"]) & (s["estimate"] < s["upper_95"])).all()
    assert np.isfinite(m.log_likelihood_) and m.log_likelihood_ < 0
    assert m.aic_ == pytest.approx(2 * len(m.params_) - 2 * m.log_likelihood_)
    assert 0 < m.n_unique_rows_ <= m.n_customers_


def test_repr_before_and_after(case):
    name, cls, full, *_, m = case
    fresh = cls()
    assert "not fitted" in repr(fresh)
    assert "not fitted" not in repr(m)
    assert repr(fresh) != repr(m)
    assert "not fitted" in fresh._repr_html_()
    assert "<table" in m._repr_html_() and "<table" not in fresh._repr_html_()
    assert name in repr(m)


def test_not_fitted_error(case):
    name, cls, full, a, *_ = case
    fresh = cls()
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        fresh.log_likelihood(a)
    # also an AttributeError, so hasattr-style checks behave
    with pytest.raises(AttributeError):
        fresh.log_likelihood(a)


def test_log_likelihood_is_a_sum_over_customers(case):
    name, cls, full, a, b, combine, m = case
    ll_a, ll_b = m.log_likelihood(a), m.log_likelihood(b)
    assert m.log_likelihood(combine(a, b)) == pytest.approx(ll_a + ll_b, rel=1e-10)
    assert m.log_likelihood(full) == pytest.approx(m.log_likelihood_, rel=1e-10)


def test_reproducible_and_clonable(case):
    name, cls, full, *_, m = case
    again = cls(**m.get_params()).fit(full)
    np.testing.assert_array_equal(again.params_.to_numpy(), m.params_.to_numpy())


def test_pickle_roundtrip(case):
    name, cls, full, *_, m = case
    back = pickle.loads(pickle.dumps(m))
    pd.testing.assert_series_equal(back.params_, m.params_)
    assert repr(back) == repr(m)


def test_weights_equal_repeated_rows(case):
    """A row with weight 2 is the same as the row twice (what collapsing relies on)."""
    name, cls, full, *_, m = case
    if name == "ShiftedBetaGeometric":
        doubled, weighted = np.asarray(full) * 2, None
        m2 = cls().fit(doubled)
        np.testing.assert_allclose(m2.params_, m.params_, rtol=1e-6)
        assert m2.log_likelihood_ == pytest.approx(2 * m.log_likelihood_)
        return
    doubled = pd.concat([full, full])
    weighted = full.assign(weights=full["weights"] * 2 if "weights" in full else 2)
    m2 = cls().fit(weighted)
    assert m2.log_likelihood(doubled) == pytest.approx(m2.log_likelihood(weighted), rel=1e-12)
    assert m2.log_likelihood_ == pytest.approx(2 * m.log_likelihood(full), rel=1e-6)
    np.testing.assert_allclose(m2.params_, m.params_, rtol=2e-3)


def test_scikit_learn_estimator_contract(case):
    """clone, get_params(deep=...), set_params work; __init__ stores its arguments only."""
    from sklearn.base import BaseEstimator, clone

    name, cls, full, *_, m = case
    assert isinstance(m, BaseEstimator)
    params = cls().get_params(deep=True)
    assert params == cls().get_params(deep=False)
    assert "seed" not in params
    if "n_starts" in params:
        assert "random_state" in params
    copy = clone(m)
    assert type(copy) is cls and not copy._is_fitted()
    assert copy.get_params() == m.get_params()
    # __init__ stores anything, even nonsense; fit is where it is checked
    key = "penalizer_coef" if "penalizer_coef" in params else "initial_params"
    bad = -1.0 if key == "penalizer_coef" else [1.0]
    odd = cls(**{key: bad})
    assert odd.get_params()[key] == bad
    assert cls().set_params(**{key: bad}).get_params()[key] == bad
    with pytest.raises(DataValidationError):
        odd.fit(full)
    if "time_unit" in params:
        assert params["time_unit"] is None  # read from the summary

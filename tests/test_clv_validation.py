"""Bad input is stopped at the door with a DataValidationError that names the column,
shows the rows and suggests a fix; optimiser trouble raises or warns with a checklist."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ModifiedBetaGeo,
    ParetoNBD,
    ShiftedBetaGeometric,
)
from crmlib.conventions import per_period_rate, unit_days
from crmlib.exceptions import ConvergenceError, ConvergenceWarning, DataValidationError

GOOD = pd.DataFrame(
    {
        "frequency": [0, 1, 2, 3],
        "recency": [0.0, 2.0, 5.0, 9.0],
        "T": [4.0, 6.0, 8.0, 10.0],
        "monetary_value": [0, 10.0, 12.0, 8.0],
    }
)

TRANSACTION_MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD]


@pytest.fixture(scope="module")
def cdnow_cal(cdnow_sample):
    from crmlib.clv import calibration_summary
    from crmlib.features import calibration_holdout_split

    cal = calibration_summary(
        calibration_holdout_split(
            cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W"
        )
    )
    cal.attrs.setdefault("time_unit", "W")  # until rfm_summary records it itself
    return cal


@pytest.mark.parametrize("cls", TRANSACTION_MODELS)
@pytest.mark.parametrize(
    "mutate,match,column",
    [
        (lambda d: d.drop(columns="T"), r"column 'T' not found in the summary", "T"),
        (lambda d: d.assign(recency=[0.0, -1.0, 5.0, 9.0]), "negative", "recency"),
        (lambda d: d.assign(recency=[0.0, 2.0, 9.0, 9.0]), "recency is greater than T", "recency"),
        (lambda d: d.assign(frequency=[0, 1.5, 2, 3]), "whole numbers", "frequency"),
        (lambda d: d.assign(T=[4.0, np.nan, 8.0, 10.0]), "missing or infinite", "T"),
        (
            lambda d: d.assign(recency=[1.0, 2.0, 5.0, 9.0]),
            "frequency 0 but a non-zero recency",
            "recency",
        ),
        (lambda d: d.assign(frequency=["0", "1", "2", "3"]), "must be numeric", "frequency"),
        (lambda d: d.assign(weights=[1, 0, 1, 1]), "'weights' must be positive", "weights"),
    ],
    ids=[
        "missing",
        "negative",
        "recency>T",
        "non-integer",
        "nan",
        "recency-without-repeat",
        "text",
        "zero-weight",
    ],
)
def test_transaction_model_input_errors(cls, mutate, match, column):
    with pytest.raises(DataValidationError, match=match) as info:
        cls(time_unit="W").fit(mutate(GOOD))
    err = info.value
    assert err.column == column
    assert "Suggestion:" in str(err)
    if "not found" not in match and "numeric" not in match:
        assert "Offending rows (1 in all)" in str(err)


def test_missing_column_lists_available_and_suggests_calibration_summary():
    split_like = GOOD.rename(columns={"frequency": "frequency_cal"})
    with pytest.raises(DataValidationError) as info:
        BetaGeo().fit(split_like)
    msg = str(info.value)
    assert "'frequency_cal'" in msg and "calibration_summary" in msg


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="expects a pandas DataFrame"):
        BetaGeo().fit(np.zeros((3, 3)))


def test_empty_summary():
    with pytest.raises(DataValidationError, match="empty"):
        BetaGeo().fit(GOOD.iloc[:0])


def test_no_repeat_buyers_is_refused():
    zero = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0, 0], "T": [3.0, 4, 5]})
    with pytest.raises(DataValidationError, match="No customer has a repeat purchase"):
        BetaGeo(time_unit="W").fit(zero)


def test_predictions_validate_too(cdnow_cal):
    m = BetaGeo().fit(cdnow_cal)
    with pytest.raises(DataValidationError, match="recency is greater than T"):
        m.p_alive(GOOD.assign(recency=[0.0, 2.0, 9.0, 9.0]))
    # ...but one-time buyers alone are fine to predict for
    assert m.p_alive(GOOD.iloc[:1]).iloc[0] == 1.0


def test_gammagamma_errors():
    with pytest.raises(DataValidationError, match="monetary_value of 0 or less") as info:
        GammaGamma().fit(GOOD.assign(monetary_value=[0, 10.0, 0.0, 8.0]))
    assert info.value.column == "monetary_value"
    with pytest.raises(DataValidationError, match="No customer has a repeat purchase"):
        GammaGamma().fit(GOOD.assign(frequency=0, recency=0.0))


def test_bgbb_errors():
    good = pd.DataFrame({"frequency": [0, 1, 2], "recency": [0, 3, 4], "n_periods": [6, 6, 6]})
    with pytest.raises(DataValidationError, match="'n_periods' not found") as info:
        BetaGeoBetaBinom().fit(good.rename(columns={"n_periods": "periods"}))
    assert "rename it to 'n_periods'" in str(info.value)
    with pytest.raises(DataValidationError, match="frequency is greater than recency"):
        BetaGeoBetaBinom().fit(good.assign(recency=[0, 0, 4]))
    with pytest.raises(DataValidationError, match="recency is greater than n_periods"):
        BetaGeoBetaBinom().fit(good.assign(recency=[0, 3, 7]))
    with pytest.raises(DataValidationError, match="whole numbers"):
        BetaGeoBetaBinom().fit(good.assign(recency=[0, 3.5, 4]))


@pytest.mark.parametrize(
    "active,match",
    [
        ([1000], "at least two periods"),
        ([1000, 1100, 900], "must not increase"),
        ([1000, 600.5, 400], "whole numbers"),
        ([1000, -1, 0], "negative"),
        ([0, 0, 0], "starts with no customers"),
        ([1000, np.nan, 400], "missing"),
        (["a", "b"], "must be numbers"),
    ],
)
def test_sbg_errors(active, match):
    with pytest.raises(DataValidationError, match=match):
        ShiftedBetaGeometric().fit(active)


def test_sbg_accepts_series_and_frame():
    a = ShiftedBetaGeometric().fit(pd.Series([1000, 631, 468, 382]))
    b = ShiftedBetaGeometric().fit(pd.DataFrame({"active": [1000, 631, 468, 382]}))
    pd.testing.assert_series_equal(a.params_, b.params_)
    with pytest.raises(DataValidationError, match="Column 'active' not found"):
        ShiftedBetaGeometric().fit(pd.DataFrame({"n": [1000, 631]}))


def test_time_unit_errors():
    with pytest.raises(DataValidationError, match="Unknown time_unit 'fortnight'"):
        BetaGeo(time_unit="fortnight").fit(GOOD)
    with pytest.raises(DataValidationError, match="must be a positive finite number"):
        unit_days(-3)
    with pytest.raises(DataValidationError, match="out of range"):
        per_period_rate(-1.5, "W")


@pytest.mark.parametrize(
    # BFGS iterations (crmlib's own Pareto/NBD fit): 2 stop where the Hessian is still
    # indefinite, 3 short of the maximum on CDNOW
    "maxiter,problem", [(2, "not positive definite"), (3, "stopped short of the maximum")]
)
def test_optimiser_stopping_early_warns_with_checklist(cdnow_cal, maxiter, problem):
    with pytest.warns(ConvergenceWarning) as record:
        ParetoNBD(maxiter=maxiter, n_starts=1).fit(cdnow_cal)
    msg = str(record[0].message)
    assert "ParetoNBD: doubtful fit" in msg
    assert problem in msg
    # the checklist fits this model and these data: weeks already, no parameter at the edge
    assert "Things to try" in msg and "n_starts" in msg
    assert "time_unit='W'" not in msg and "penalizer" not in msg
    assert "In these data: 2,357 customers, 60% with no repeat purchase" in msg


def test_lifetimes_failure_becomes_convergence_error(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import ConvergenceError as LifetimesConvergenceError

    def boom(self, data, weights, x0):
        raise LifetimesConvergenceError("The model did not converge.")

    monkeypatch.setattr(BetaGeo, "_optimize", boom)
    with pytest.raises(ConvergenceError) as info:
        BetaGeo(time_unit="W").fit(GOOD)
    msg = str(info.value)
    assert "BetaGeo did not converge" in msg
    assert "Things to try" in msg and "penalizer" in msg
    assert "max frequency 3" in msg

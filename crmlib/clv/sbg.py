"""Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, "How
to project customer retention", Journal of Interactive Marketing 21(1)).

Each customer renews at the end of every period with probability ``1 - theta``, where
``theta ~ Beta(alpha, beta)`` varies across customers. The cohort's retention rate rises
over time because the customers who churn fast leave first. lifetimes has no sBG, so
the likelihood is written here:

* P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t = 1, 2, ... (churn in period t)
* S(t) = B(alpha, beta + t) / B(alpha, beta) (still active after t periods)

and ``LL = sum_t lost_t log P(T = t) + n_active_T log S(T)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, hyp2f1

from crmlib.clv.base import CLVModel
from crmlib.conventions import per_period_rate, to_number
from crmlib.exceptions import ConvergenceError, DataValidationError

__all__ = ["ShiftedBetaGeometric"]


def _active_array(active) -> np.ndarray:
    if isinstance(active, pd.DataFrame):
        if "active" not in active.columns:
            raise DataValidationError(
                f"Column 'active' not found; available columns: {', '.join(map(repr, active.columns))}.",
                column="active",
                suggestion="pass the counts still active per period as a list, Series or a DataFrame column 'active'.",
            )
        active = active["active"]
    try:
        values = np.asarray(active, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise DataValidationError(
            f"active must be numbers (customers still active in periods 0, 1, ...): {exc}",
            suggestion="e.g. ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326]).",
        ) from exc
    frame = pd.DataFrame({"period": np.arange(len(values)), "active": values})
    if len(values) < 2:
        raise DataValidationError(
            "active needs at least two periods (the starting cohort and one renewal).",
            suggestion="e.g. ShiftedBetaGeometric().fit([1000, 631, 468]).",
        )
    checks = [
        (~np.isfinite(values), "active has missing or infinite counts"),
        (values < 0, "active has negative counts"),
        (
            np.isfinite(values) & (values != np.round(values)),
            "active must hold whole numbers of customers",
        ),
        (
            np.r_[False, np.diff(values) > 0],
            "active must not increase: a cohort only loses customers",
        ),
    ]
    for bad, msg in checks:
        if bad.any():
            raise DataValidationError(
                f"{msg} ({int(bad.sum())} periods).",
                column="active",
                rows=frame.loc[bad],
                suggestion="pass the number of customers of ONE starting cohort still active at the "
                "start of each period, e.g. [1000, 631, 468, ...]; survival rates can be scaled by 1000.",
            )
    if values[0] <= 0:
        raise DataValidationError(
            "The cohort starts with no customers (active[0] = 0).",
            column="active",
            rows=frame.head(1),
            suggestion="active[0] is the cohort's size at period 0.",
        )
    return values


class ShiftedBetaGeometric(CLVModel):
    """sBG model of retention in a contractual setting (subscriptions, memberships).

    Parameters
    ----------
    time_unit : str, float or None, default None
        Length of one contract period ("M" for monthly, "Y" for yearly contracts).
        Needed only to convert an annual discount rate (the discounted-lifetime methods).
    initial_params : sequence of 2 floats, optional
        Start (alpha, beta); default (1, 1).

    Notes
    -----
    ``fit(active)`` takes the number of customers of one cohort still active at the start
    of periods 0, 1, ..., T (``active[0]`` is the cohort size). See :class:`CLVModel` for
    the fitted attributes; ``n_unique_rows_`` is the number of periods.

    Examples
    --------
    >>> m = ShiftedBetaGeometric(time_unit="Y").fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> m.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> round(float(m.retention_rate(1)[0]), 3)
    0.627
    """

    _param_names = ("alpha", "beta")

    def __init__(self, time_unit: str | float | None = None, initial_params=None) -> None:
        self.time_unit = time_unit
        self.initial_params = initial_params

    @staticmethod
    def _events(values: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        n_t = len(values) - 1
        lost = -np.diff(values)
        periods = np.r_[np.arange(1, n_t + 1), n_t].astype(float)
        survived = np.r_[np.zeros(n_t), 1.0]
        return {"period": periods, "survived": survived}, np.r_[lost, values[-1]]

    def fit(self, active) -> ShiftedBetaGeometric:
        """Fit on a retention curve.

        Parameters
        ----------
        active : array-like, Series or DataFrame with column ``active``
            Customers still active at the start of periods 0..T (non-increasing whole
            numbers, the first positive).

        Returns
        -------
        self
        """
        self._check_hyper_parameters()
        values = _active_array(active)
        data, weights = self._events(values)
        self.time_unit_ = (
            self.time_unit.strip().upper() if isinstance(self.time_unit, str) else self.time_unit
        )
        self._fit_collapsed(data, weights)
        self.n_unique_rows_ = len(values) - 1
        self.n_periods_ = len(values) - 1
        self.active_ = values
        return self

    def log_likelihood(self, active) -> float:
        """Log-likelihood of a retention curve at the fitted parameters (a sum over customers)."""
        self._check_fitted()
        data, weights = self._events(_active_array(active))
        return float(self._loglik(self.params_.to_numpy(), data, weights))

    def _optimize(self, data, weights, x0):
        def nll(theta):
            return -self._loglik(np.exp(theta), data, weights) / weights.sum()

        start = np.ones(2) if x0 is None else x0
        res = minimize(nll, np.log(start), method="BFGS", options={"gtol": 1e-10})
        if not np.all(np.isfinite(res.x)) or not (res.success or np.max(np.abs(res.jac)) < 1e-6):
            raise ConvergenceError(f"ShiftedBetaGeometric did not converge: {res.message}")
        return np.exp(res.x)

    def _loglik(self, params, data, weights):
        a, b = params
        t = data["period"]
        base = betaln(a, b)
        log_churn = betaln(a + 1.0, b + t - 1.0) - base
        log_survive = betaln(a, b + t) - base
        terms = np.where(data["survived"] > 0, log_survive, log_churn)
        return float(np.sum(np.where(weights > 0, weights * terms, 0.0)))

    def _period_unit(self):
        if self.time_unit_ is None:
            raise DataValidationError(
                "ShiftedBetaGeometric: converting an annual discount rate needs the length of a "
                "contract period, and the model was fitted without time_unit.",
                suggestion="fit ShiftedBetaGeometric(time_unit='Y') for yearly contracts, 'M' for monthly.",
            )
        return self.time_unit_

    # ------------------------------------------------------------------ predictions

    def survival(self, t) -> np.ndarray:
        """S(t): share of a new cohort still active after ``t`` periods (S(0) = 1).

        Parameters
        ----------
        t : int or array-like of int
            Periods since acquisition (whole numbers >= 0).

        Returns
        -------
        ndarray
        """
        self._check_fitted()
        a, b = self.params_.to_numpy()
        t = _periods(t, "t", low=0)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = (beta + t - 1) / (alpha + beta + t - 1): share of those active in period
        t - 1 who renew for period t (t >= 1). It rises with t as the cohort sorts itself."""
        self._check_fitted()
        a, b = self.params_.to_numpy()
        t = _periods(t, "t", low=1)
        return (b + t - 1) / (a + b + t - 1)

    def expected_active(self, n_periods: int, initial: float | None = None) -> pd.Series:
        """Expected customers still active in periods 0..``n_periods``.

        Parameters
        ----------
        n_periods : int
            Last period to project (may go beyond the fitted data).
        initial : float, optional
            Cohort size; default the fitted cohort's ``active[0]``.

        Returns
        -------
        Series
            Indexed by period.
        """
        self._check_fitted()
        if initial is None and not hasattr(self, "active_"):
            raise DataValidationError(
                "ShiftedBetaGeometric.expected_active: a model from from_params has no fitted "
                "cohort to take the size from.",
                suggestion="pass initial= (the cohort size, e.g. initial=1000).",
            )
        size = (
            self.active_[0]
            if initial is None
            else to_number(initial, "initial", low=0, example="1000")
        )
        t = np.arange(
            int(to_number(n_periods, "n_periods", low=0, high=10_000, integer=True, example="10"))
            + 1
        )
        return pd.Series(
            size * self.survival(t), index=pd.Index(t, name="period"), name="expected_active"
        )

    def discounted_expected_lifetime(self, annual_discount_rate: float = 0.10) -> float:
        """Discounted expected lifetime (DEL) of a new customer, in periods.

        ``DEL = sum_{t>=0} S(t) / (1 + d) ** t = 2F1(1, beta; alpha + beta; 1 / (1 + d))``
        (Fader & Hardie 2010, Marketing Science 29(1)), with d the per-period rate
        converted from the annual rate. Multiply by the margin per period for the
        expected CLV of a customer about to make the first payment.

        Parameters
        ----------
        annual_discount_rate : float, default 0.10

        Returns
        -------
        float
        """
        self._check_fitted()
        a, b = self.params_.to_numpy()
        d = per_period_rate(annual_discount_rate, self._period_unit())
        return float(hyp2f1(1.0, b, a + b, 1.0 / (1.0 + d)))

    def discounted_expected_residual_lifetime(
        self, n_renewals: int, annual_discount_rate: float = 0.10
    ) -> float:
        """Discounted expected residual lifetime (DERL) of a customer who has renewed
        ``n_renewals`` times, counting the payments still to come, the next one undiscounted:
        ``(beta + n) / (alpha + beta + n) * 2F1(1, beta + n + 1; alpha + beta + n + 1; 1/(1+d))``
        with n = ``n_renewals`` (Fader & Hardie 2010).

        Parameters
        ----------
        n_renewals : int
        annual_discount_rate : float, default 0.10

        Returns
        -------
        float
        """
        self._check_fitted()
        a, b = self.params_.to_numpy()
        n = to_number(n_renewals, "n_renewals", low=0, integer=True, example="3")
        d = per_period_rate(annual_discount_rate, self._period_unit())
        return float((b + n) / (a + b + n) * hyp2f1(1.0, b + n + 1, a + b + n + 1, 1.0 / (1.0 + d)))


def _periods(t, name: str, *, low: int) -> np.ndarray:
    """Whole numbers of periods >= ``low``, as floats; anything else is refused."""
    hint = f"pass {name} as whole numbers of periods >= {low}, e.g. {name}=3 or {name}=[1, 2, 3]."
    arr = np.atleast_1d(np.asarray(t, dtype=object)).ravel()
    ok_type = np.array(
        [
            isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool | np.bool_)
            for v in arr
        ]
    )
    if not ok_type.all():
        raise DataValidationError(
            f"ShiftedBetaGeometric: {name} must be numbers of periods; got {arr[~ok_type][0]!r}.",
            suggestion=hint,
        )
    v = arr.astype(float)
    bad = ~np.isfinite(v) | (v < low) | (v != np.round(v)) | (v > 10_000)
    if bad.any():
        raise DataValidationError(
            f"ShiftedBetaGeometric: {name} has {int(bad.sum())} value(s) that are not whole "
            f"numbers of periods from {low} to 10,000 (first: {arr[bad][0]!r}).",
            suggestion=hint,
        )
    return v

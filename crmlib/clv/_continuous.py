"""Shared predictions of the continuous-time, non-contractual models (BG/NBD, MBG/NBD,
Pareto/NBD): expected purchases, P(alive), their matrices, P(alive) history and CLV.

The formulas are lifetimes': a fitted crmlib model hands its parameters to a fresh
lifetimes fitter for each call (no fitted lifetimes object is kept, so crmlib models
pickle cleanly).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from crmlib.clv._checks import check_rows
from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import lifetimes_fitters, quiet
from crmlib.clv._units import per_period_rate, unit_days
from crmlib.clv.base import CLVModel
from crmlib.exceptions import CrmlibWarning, DataValidationError

if TYPE_CHECKING:
    from crmlib.clv.gammagamma import GammaGamma

__all__ = ["ContinuousTimeModel"]


def _checked(values, what: str) -> np.ndarray:
    """Warn (never silently pass) when lifetimes' formulas return NaN or inf."""
    values = np.asarray(values, dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        warnings.warn(
            f"{what}: {int(bad.sum()):,} of {values.size:,} values are not finite (numerical "
            "overflow in the model's formula, usually for extreme frequency or very long horizons).",
            CrmlibWarning,
            stacklevel=3,
        )
    return values


_TOL = 1e-9


class ContinuousTimeModel(CLVModel):
    """Base of BG/NBD, MBG/NBD and Pareto/NBD (not used directly).

    Parameters
    ----------
    penalizer_coef : float, default 0
        L2 penalty on the parameters, passed to lifetimes (added to the mean negative
        log-likelihood per customer). Try 0.001-0.01 when a fit does not converge.
    time_unit : {"D", "W", "M", "Q", "Y"} or float, default "W"
        Unit of ``recency`` and ``T`` in the summaries this model sees (a summary carries
        no unit). Used to turn dates into model time and annual rates into per-period rates.
    initial_params : sequence of float, optional
        Starting values on the natural scale, in ``time_unit``. The default is fixed, so
        fits are reproducible.
    """

    _required = ("frequency", "recency", "T")
    _integer = ("frequency",)
    _collapse_on = ("frequency", "recency", "T")
    _lifetimes_class: ClassVar[str] = ""
    _lifetimes_module: ClassVar[str] = ""

    def __init__(
        self, penalizer_coef: float = 0.0, time_unit: str | float = "W", initial_params=None
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.time_unit = time_unit
        self.initial_params = initial_params

    # ------------------------------------------------------------------ fitting

    def fit(self, summary: pd.DataFrame) -> ContinuousTimeModel:
        """Fit on a summary with ``frequency``, ``recency`` and ``T`` (optional ``weights``).

        Identical rows are collapsed into weights first: the estimates are the same and
        the fit is 10-90 times faster on large data.

        Parameters
        ----------
        summary : DataFrame
            One row per customer: ``frequency`` (repeat purchase periods, whole number),
            ``recency`` (time from first to last purchase) and ``T`` (time from first
            purchase to the end of observation), both in ``time_unit``. As returned by
            :func:`crmlib.features.rfm_summary`.

        Returns
        -------
        self
        """
        unit_days(self.time_unit)  # fail early on a bad unit
        super().fit(summary)
        return self

    def _check_learnable(self, data) -> None:
        if not (data["frequency"] > 0).any():
            raise DataValidationError(
                "No customer has a repeat purchase (frequency is 0 everywhere), so there is "
                "nothing to learn about repeat buying.",
                column="frequency",
                suggestion="use a longer observation window; check that frequency counts repeat "
                "purchase periods (crmlib.features.rfm_summary) and was not truncated.",
            )

    def _check_relations(self, summary, data, index) -> None:
        cols = ["frequency", "recency", "T"]
        check_rows(
            summary,
            data["recency"] > data["T"] * (1 + _TOL) + _TOL,
            "recency is greater than T in {n:,} rows.",
            column="recency",
            columns=cols,
            suggestion="recency and T must both be measured from the first purchase, in the same "
            "unit, with T up to the end of observation; rebuild the summary with "
            "crmlib.features.rfm_summary.",
        )
        check_rows(
            summary,
            (data["frequency"] == 0) & (data["recency"] != 0),
            "{n:,} rows have frequency 0 but a non-zero recency.",
            column="recency",
            columns=cols,
            suggestion="a customer with no repeat purchase has recency 0 by definition; "
            "rebuild the summary with crmlib.features.rfm_summary.",
        )

    def _fit_collapsed(self, data, weights) -> None:
        self._check_learnable(data)
        super()._fit_collapsed(data, weights)
        self.max_frequency_ = int(data["frequency"].max())
        self.max_T_ = float(data["T"].max())

    def _new_fitter(self):
        """A lifetimes fitter of this model's family, without parameters."""
        mod = lifetimes_fitters()
        cls = getattr(getattr(mod, self._lifetimes_module), self._lifetimes_class)
        return cls(penalizer_coef=self.penalizer_coef)

    def _fitter(self):
        """A lifetimes fitter carrying this model's fitted parameters."""
        self._check_fitted()
        f = self._new_fitter()
        f.params_ = self.params_.copy()
        return f

    # ------------------------------------------------------------------ predictions

    def _rows(self, summary: pd.DataFrame):
        data, _ = self._prepare(summary)
        col = collapse({k: data[k] for k in self._collapse_on})
        return col, summary.index

    def expected_purchases(self, summary: pd.DataFrame, horizon: float) -> pd.Series:
        """Expected repeat purchases of each customer over the next ``horizon`` time units.

        The conditional expectation given the customer's (frequency, recency, T).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.
        horizon : float
            Length of the forecast window, in the model's ``time_unit``.

        Returns
        -------
        Series
            Indexed like ``summary``.
        """
        col, index = self._rows(summary)
        c = col.columns
        with quiet():
            v = self._fitter().conditional_expected_number_of_purchases_up_to_time(
                float(horizon), c["frequency"], c["recency"], c["T"]
            )
        v = _checked(v, f"{type(self).__name__}.expected_purchases")
        return pd.Series(v[col.inverse], index=index, name="expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer.

        Returns
        -------
        Series
            Indexed like ``summary``, values in [0, 1].
        """
        col, index = self._rows(summary)
        c = col.columns
        v = self._p_alive_arrays(c["frequency"], c["recency"], c["T"])
        return pd.Series(v[col.inverse], index=index, name="p_alive")

    def _p_alive_arrays(self, frequency, recency, T) -> np.ndarray:
        with quiet():
            v = self._fitter().conditional_probability_alive(
                np.asarray(frequency, float), np.asarray(recency, float), np.asarray(T, float)
            )
        return np.clip(_checked(v, f"{type(self).__name__}.p_alive"), 0.0, 1.0)

    def expected_purchases_new_customer(self, t) -> np.ndarray:
        """Expected repeat purchases of a new customer in the first ``t`` time units.

        The unconditional expectation E[X(t)], used to track a cohort over time.

        Parameters
        ----------
        t : float or array-like
            Time since the first purchase, in the model's ``time_unit``.

        Returns
        -------
        ndarray
        """
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = np.zeros_like(t)
        pos = t > 0
        with quiet():
            out[pos] = self._fitter().expected_number_of_purchases_up_to_time(t[pos])
        return out

    def probability_of_purchases(self, t: float, max_n: int = 10) -> np.ndarray:
        """P(X(t) = n) for n = 0 .. max_n - 1: repeat purchases of a new customer by time t.

        Parameters
        ----------
        t : float
            Time since the first purchase, in ``time_unit``.
        max_n : int, default 10
            Number of counts to return.

        Returns
        -------
        ndarray of shape (max_n,)
        """
        self._check_fitted()
        with quiet():
            f = self._fitter()
            return np.array(
                [
                    float(np.squeeze(f.probability_of_n_purchases_up_to_time(float(t), n)))
                    for n in range(max_n)
                ]
            )

    def _grid(self, max_frequency, max_recency) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        mf = int(self.max_frequency_ if max_frequency is None else max_frequency)
        mr = int(np.ceil(self.max_T_ if max_recency is None else max_recency))
        return np.arange(mf + 1, dtype=float), np.arange(mr + 1, dtype=float)

    def p_alive_matrix(
        self, max_frequency: int | None = None, max_recency: float | None = None
    ) -> pd.DataFrame:
        """P(alive) for every (recency, frequency) pair, for customers of age ``max_recency``.

        Parameters
        ----------
        max_frequency : int, optional
            Largest frequency; default the largest in the fitted data.
        max_recency : float, optional
            Largest recency and the customers' age T; default the largest fitted T.

        Returns
        -------
        DataFrame
            Index ``recency`` (0, 1, ... time units), columns ``frequency``.
        """
        f, r = self._grid(max_frequency, max_recency)
        F, R = np.meshgrid(f, r)
        v = self._p_alive_arrays(F.ravel(), R.ravel(), np.full(F.size, r[-1])).reshape(F.shape)
        return pd.DataFrame(
            v, index=pd.Index(r, name="recency"), columns=pd.Index(f.astype(int), name="frequency")
        )

    def expected_purchases_matrix(
        self,
        horizon: float = 1.0,
        max_frequency: int | None = None,
        max_recency: float | None = None,
    ) -> pd.DataFrame:
        """Expected purchases over ``horizon`` for every (recency, frequency) pair.

        Parameters
        ----------
        horizon : float, default 1
            Forecast window in ``time_unit``.
        max_frequency, max_recency
            As in :meth:`p_alive_matrix`.

        Returns
        -------
        DataFrame
            Index ``recency``, columns ``frequency``.
        """
        f, r = self._grid(max_frequency, max_recency)
        F, R = np.meshgrid(f, r)
        with quiet():
            v = self._fitter().conditional_expected_number_of_purchases_up_to_time(
                float(horizon), F.ravel(), R.ravel(), np.full(F.size, r[-1])
            )
        v = np.asarray(v, dtype=float).reshape(F.shape)
        return pd.DataFrame(
            v, index=pd.Index(r, name="recency"), columns=pd.Index(f.astype(int), name="frequency")
        )

    def p_alive_history(
        self,
        purchase_dates,
        *,
        end: str | pd.Timestamp,
        every: str = "D",
    ) -> pd.DataFrame:
        """P(alive) of one customer on every day (or week) from the first purchase to ``end``.

        Purchases on the same day are one transaction, as in
        :func:`crmlib.features.rfm_summary` with ``freq="D"``. On each evaluation date the
        customer's frequency, recency and age are recomputed from the purchases up to that
        date and converted to the model's ``time_unit``. (lifetimes'
        ``calculate_alive_path`` does this too but fails on pandas 3.)

        Parameters
        ----------
        purchase_dates : array-like of dates
            All purchase dates (or timestamps) of one customer.
        end : date-like
            Last evaluation date, e.g. the observation end.
        every : {"D", "W"}, default "D"
            Evaluate daily or every 7 days from the first purchase.

        Returns
        -------
        DataFrame
            Indexed by ``date``: ``frequency``, ``recency``, ``T`` (model time units),
            ``purchase`` (a purchase on that date) and ``p_alive``.

        Examples
        --------
        >>> from crmlib.clv import BetaGeo
        >>> m = BetaGeo()
        >>> m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> h = m.p_alive_history(["1997-01-01", "1997-02-01"], end="1997-06-30")
        >>> h.loc["1997-02-01", ["frequency", "T"]].round(2).tolist()
        [1.0, 4.43]
        >>> bool(h.loc["1997-02-01", "p_alive"] > h.loc["1997-06-30", "p_alive"])
        True
        """
        self._check_fitted()
        try:
            days = pd.to_datetime(pd.Series(np.asarray(purchase_dates).ravel())).dt.normalize()
            end_ts = pd.Timestamp(end).normalize()
        except (ValueError, TypeError) as exc:
            raise DataValidationError(
                f"Could not read the purchase dates or end as dates: {exc}",
                suggestion="pass one customer's purchase dates, e.g. tx.loc[tx.customer_id == c, 'date'].",
            ) from exc
        if days.isna().any() or len(days) == 0:
            raise DataValidationError(
                "purchase_dates is empty or has missing dates.",
                rows=days.to_frame("date") if len(days) else None,
                suggestion="pass one customer's non-missing purchase dates.",
            )
        days = np.sort(days.unique())
        if days[-1] > end_ts:
            raise DataValidationError(
                f"A purchase ({pd.Timestamp(days[-1]):%Y-%m-%d}) falls after end={end_ts:%Y-%m-%d}.",
                column="date",
                suggestion="choose an end on or after the last purchase, or drop later purchases.",
            )
        step = {"D": "1D", "W": "7D"}.get(str(every).upper())
        if step is None:
            raise DataValidationError(
                f"every={every!r} must be 'D' or 'W'.", suggestion="use every='D' or 'W'."
            )
        grid = pd.date_range(days[0], end_ts, freq=step)
        n_before = np.searchsorted(days, grid.to_numpy(), side="right")
        first = days[0]
        last = days[n_before - 1]
        scale = 86_400e9 * self.period_days  # nanoseconds per model time unit
        recency = (last - first).astype("timedelta64[ns]").astype(np.int64) / scale
        age = (grid.to_numpy() - first).astype("timedelta64[ns]").astype(np.int64) / scale
        freq = (n_before - 1).astype(float)
        out = pd.DataFrame(
            {
                "frequency": freq,
                "recency": recency,
                "T": age,
                "purchase": np.isin(grid.to_numpy(), days),
                "p_alive": self._p_alive_arrays(freq, recency, age),
            },
            index=pd.Index(grid, name="date"),
        )
        return out

    # ------------------------------------------------------------------ value

    def clv(
        self,
        summary: pd.DataFrame,
        spend_model: GammaGamma,
        *,
        horizon: int = 52,
        time_unit: str | float | None = None,
        annual_discount_rate: float = 0.10,
        margin: float = 1.0,
    ) -> pd.DataFrame:
        """Customer lifetime value over a finite horizon, discounted (客户终生价值).

        Discrete-time approximation: the horizon is cut into ``horizon`` steps of one
        ``time_unit`` each; the purchases the model expects in step k,
        ``E[X(k)] - E[X(k-1)]`` given the customer's history, are valued at the expected
        spend per purchase times ``margin`` and discounted to today as if made at the end
        of step k, at the per-step rate ``(1 + annual_discount_rate) ** (step_days /
        365.25) - 1``. Months are 365.25/12 days, never 30.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` (in the model's time unit) and
            ``monetary_value`` per customer.
        spend_model : GammaGamma
            A fitted spend model (anything with ``expected_spend(summary)``).
        horizon : int, default 52
            Number of steps of ``time_unit`` to look ahead.
        time_unit : str or float, optional
            Length of a step; default the model's ``time_unit``. E.g. a weekly model with
            ``horizon=12, time_unit="M"`` values the next 12 months, discounted monthly.
        annual_discount_rate : float, default 0.10
            Yearly discount rate (cost of capital), converted to the step.
        margin : float, default 1
            Profit margin applied to spend (1 values revenue).

        Returns
        -------
        DataFrame
            Indexed like ``summary``: ``p_alive``, ``expected_purchases`` (undiscounted,
            over the horizon), ``expected_spend`` (per purchase) and ``clv``.
        """
        self._check_fitted()
        unit = self.time_unit if time_unit is None else time_unit
        if not (isinstance(horizon, int | np.integer) and horizon > 0):
            raise DataValidationError(
                f"horizon={horizon!r} must be a positive whole number of {unit!r} steps.",
                suggestion="e.g. horizon=52 with time_unit='W' or horizon=12 with time_unit='M'.",
            )
        step = unit_days(unit) / self.period_days  # one step in model time units
        rate = per_period_rate(annual_discount_rate, unit)
        col, index = self._rows(summary)
        c = col.columns
        ks = np.arange(1, int(horizon) + 1)
        with quiet():
            f = self._fitter()
            cum = np.vstack(
                [np.zeros(col.n_rows)]
                + [
                    np.asarray(
                        f.conditional_expected_number_of_purchases_up_to_time(
                            k * step, c["frequency"], c["recency"], c["T"]
                        ),
                        dtype=float,
                    )
                    for k in ks
                ]
            )
        increments = np.diff(cum, axis=0)
        discounted = (increments / (1.0 + rate) ** ks[:, None]).sum(axis=0)
        spend = np.asarray(spend_model.expected_spend(summary), dtype=float)
        out = pd.DataFrame(
            {
                "p_alive": self._p_alive_arrays(c["frequency"], c["recency"], c["T"])[col.inverse],
                "expected_purchases": cum[-1][col.inverse],
                "expected_spend": spend,
                "clv": margin * spend * discounted[col.inverse],
            },
            index=index,
        )
        out.attrs.update(
            {
                "horizon": int(horizon),
                "time_unit": unit,
                "annual_discount_rate": annual_discount_rate,
                "rate_per_step": rate,
            }
        )
        return out

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
from crmlib.clv.base import CLVModel
from crmlib.conventions import (
    UNIT_DAYS,
    per_period_rate,
    to_date,
    to_duration,
    to_number,
    unit_days,
)
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
        log-likelihood per customer). Try 0.001-0.01 when parameters run to the edge.
    time_unit : {"D", "W", "M", "Q", "Y"}, float or None, default None
        Unit of ``recency`` and ``T``. None: read it from ``summary.attrs["time_unit"]``
        (set by :func:`crmlib.features.rfm_summary`); a summary that says another unit
        is refused.
    initial_params : sequence of float, optional
        A starting point on the natural scale, in ``time_unit``, tried first.
    n_starts : int, default 1 (4 for Pareto/NBD)
        Starting points to fit from: lifetimes' fixed start (or ``initial_params``), a
        start from the data's moments, then points spread in log-space around it drawn
        with ``random_state``. The best log-likelihood is kept; the others are in
        ``start_log_likelihoods_``, and a warning gives the gap when they reach distinct
        optima. Each start is a full fit; BG/NBD and MBG/NBD (gradient-based fits) default
        to one, Pareto/NBD (a flat likelihood with distant local optima on long histories)
        to four, screened on a subsample and polished on all the data (see
        :mod:`crmlib.clv.paretonbd`).
    random_state : int, numpy Generator or None, default 0
        Seed of the spread starts; the default makes fits reproducible.
    """

    _required = ("frequency", "recency", "T")
    _integer = ("frequency",)
    _collapse_on = ("frequency", "recency", "T")
    _needs_time_unit = True
    _has_time_axis = True
    _lifetimes_class: ClassVar[str] = ""
    _lifetimes_module: ClassVar[str] = ""

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        time_unit: str | float | None = None,
        initial_params=None,
        n_starts: int = 1,
        random_state=0,
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.time_unit = time_unit
        self.initial_params = initial_params
        self.n_starts = n_starts
        self.random_state = random_state

    def _moment_start(self, data, weights) -> np.ndarray:
        """A natural-scale start from the data's moments (model-specific)."""
        raise NotImplementedError

    def _starts(self, data, weights):
        first = super()._starts(data, weights)
        n = int(self.n_starts)
        if n <= 1:
            return first
        center = self._moment_start(data, weights)
        starts = [*first, ("moments", center)]
        rng = (
            self.random_state
            if isinstance(self.random_state, np.random.Generator)
            else np.random.default_rng(self.random_state)
        )
        for i in range(n - len(starts)):
            # spread by up to e^2 (x7.4) either way on every parameter
            starts.append((f"spread {i + 1}", center * np.exp(rng.uniform(-2.0, 2.0, center.size))))
        return starts[:n]

    # ------------------------------------------------------------------ fitting

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
        check_rows(
            summary,
            (data["frequency"] > 0) & (data["recency"] == 0),
            "{n:,} rows have a repeat purchase (frequency > 0) but recency 0: a repeat purchase "
            "comes at least one period after the first, so these rows are impossible.",
            column="recency",
            columns=cols,
            suggestion="recency is the time from the first to the last purchase; rebuild the "
            "summary with crmlib.features.rfm_summary rather than editing it.",
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

    def _rows(self, summary: pd.DataFrame, method: str):
        self._check_fitted()
        data, _ = self._prepare(summary, method)
        self._check_summary_unit(summary, method)
        col = collapse({k: data[k] for k in self._collapse_on})
        return col, summary.index

    def expected_purchases(self, summary: pd.DataFrame, horizon) -> pd.Series:
        """Expected repeat purchases of each customer in the ``horizon`` after observation.

        The conditional expectation given the customer's (frequency, recency, T).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's unit.
        horizon : str or Timedelta
            Length of the forecast window with its unit: ``"39W"``, ``"12M"``, ``"90D"``
            or a Timedelta; converted to the model's ``time_unit_``. A bare number is
            refused (it does not say days, weeks or months).

        Returns
        -------
        Series
            Indexed like ``summary``.
        """
        col, index = self._rows(summary, "expected_purchases")
        h = self._duration(horizon, "horizon")
        c = col.columns
        with quiet():
            v = self._fitter().conditional_expected_number_of_purchases_up_to_time(
                h, c["frequency"], c["recency"], c["T"]
            )
        v = _checked(v, f"{type(self).__name__}.expected_purchases")
        return pd.Series(v[col.inverse], index=index, name="expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer, in the model's unit.

        Returns
        -------
        Series
            Indexed like ``summary``, values in [0, 1].
        """
        col, index = self._rows(summary, "p_alive")
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
        t : float, array-like or duration
            Time since the first purchase, in the model's ``time_unit_`` (a number or an
            array of numbers), or one duration with its unit (``"52W"``).

        Returns
        -------
        ndarray
        """
        self._check_fitted()
        t = self._times(t)
        out = np.zeros_like(t)
        pos = t > 0
        with quiet():
            out[pos] = self._fitter().expected_number_of_purchases_up_to_time(t[pos])
        return out

    def probability_of_purchases(self, t, max_n: int = 10) -> np.ndarray:
        """P(X(t) = n) for n = 0 .. max_n - 1: repeat purchases of a new customer by time t.

        Parameters
        ----------
        t : float or duration
            Time since the first purchase, in ``time_unit_`` (or a duration with its unit).
        max_n : int, default 10
            Number of counts to return.

        Returns
        -------
        ndarray of shape (max_n,)
        """
        self._check_fitted()
        t = self._duration(t, "t", model_units=True)
        max_n = int(to_number(max_n, "max_n", low=1, integer=True, example="10"))
        with quiet():
            f = self._fitter()
            return np.array(
                [
                    float(np.squeeze(f.probability_of_n_purchases_up_to_time(t, n)))
                    for n in range(max_n)
                ]
            )

    def _grid(self, max_frequency, max_recency) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        if (max_frequency is None or max_recency is None) and not hasattr(self, "max_T_"):
            raise DataValidationError(
                f"{type(self).__name__}: a model from from_params has no fitted data to take the "
                "grid's default size from.",
                suggestion="pass max_frequency= and max_recency= (in the model's time unit).",
            )
        mf = self.max_frequency_ if max_frequency is None else max_frequency
        mr = self.max_T_ if max_recency is None else max_recency
        mf = int(to_number(mf, "max_frequency", low=0, integer=True, example="20"))
        mr = int(np.ceil(to_number(mr, "max_recency", low=0, example="52")))
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
            Largest recency and the customers' age T, in ``time_unit_``; default the
            largest fitted T.

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
        horizon=None,
        max_frequency: int | None = None,
        max_recency: float | None = None,
    ) -> pd.DataFrame:
        """Expected purchases over ``horizon`` for every (recency, frequency) pair.

        Parameters
        ----------
        horizon : str or Timedelta, optional
            Forecast window with its unit (``"4W"``); default one ``time_unit_``.
        max_frequency, max_recency
            As in :meth:`p_alive_matrix`.

        Returns
        -------
        DataFrame
            Index ``recency``, columns ``frequency``.
        """
        f, r = self._grid(max_frequency, max_recency)
        h = 1.0 if horizon is None else self._duration(horizon, "horizon")
        F, R = np.meshgrid(f, r)
        with quiet():
            v = self._fitter().conditional_expected_number_of_purchases_up_to_time(
                h, F.ravel(), R.ravel(), np.full(F.size, r[-1])
            )
        v = np.asarray(v, dtype=float).reshape(F.shape)
        return pd.DataFrame(
            v, index=pd.Index(r, name="recency"), columns=pd.Index(f.astype(int), name="frequency")
        )

    def p_alive_history(
        self,
        purchase_dates,
        *,
        observation_end: str | pd.Timestamp,
        every: str = "D",
    ) -> pd.DataFrame:
        """P(alive) of one customer on every day (or week) from the first purchase to
        ``observation_end``.

        Purchases on the same day are one transaction, as in
        :func:`crmlib.features.rfm_summary` with ``freq="D"``. On each evaluation date the
        customer's frequency, recency and age are recomputed from the purchases up to that
        date and converted to the model's ``time_unit``. (lifetimes'
        ``calculate_alive_path`` does this too but fails on pandas 3.)

        Parameters
        ----------
        purchase_dates : array-like of dates
            All purchase dates (or timestamps) of one customer.
        observation_end : date-like
            Last evaluation day (inclusive), e.g. the summary's observation end. Dates
            are parsed by :func:`crmlib.conventions.to_date`; time-zone-aware purchase
            times keep their wall-clock time, as in :func:`crmlib.read_transactions`.
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
        >>> m = BetaGeo(time_unit="W")
        >>> m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> h = m.p_alive_history(["1997-01-01", "1997-02-01"], observation_end="1997-06-30")
        >>> h.loc["1997-02-01", ["frequency", "T"]].round(2).tolist()
        [1.0, 4.43]
        >>> bool(h.loc["1997-02-01", "p_alive"] > h.loc["1997-06-30", "p_alive"])
        True
        """
        self._check_fitted()
        end_ts = to_date(observation_end, "observation_end").normalize()
        raw = purchase_dates.to_numpy() if hasattr(purchase_dates, "to_numpy") else purchase_dates
        raw = pd.Series(np.asarray(raw, dtype=object).ravel())
        try:
            if raw.map(lambda v: isinstance(v, str)).any():
                days = pd.to_datetime(raw, format="ISO8601")  # one reading for every row
            else:
                days = pd.to_datetime(raw)
        except (ValueError, TypeError, OverflowError) as exc:
            raise DataValidationError(
                f"Could not read purchase_dates as dates ({exc}).",
                suggestion="pass one customer's purchase dates as datetimes or ISO text, e.g. "
                "tx.loc[tx.customer_id == c, 'date'].",
            ) from None
        if isinstance(days.dtype, pd.DatetimeTZDtype):
            # as crmlib.read_transactions does: keep the wall-clock time, drop the zone
            days = days.dt.tz_localize(None)
        days = days.dt.normalize()
        if days.isna().any() or len(days) == 0:
            raise DataValidationError(
                "purchase_dates is empty or has missing dates.",
                rows=days.to_frame("date") if len(days) else None,
                suggestion="pass one customer's non-missing purchase dates.",
            )
        days = np.sort(days.unique())
        if days[-1] > end_ts:
            raise DataValidationError(
                f"A purchase ({pd.Timestamp(days[-1]):%Y-%m-%d}) falls after observation_end={end_ts:%Y-%m-%d}.",
                column="date",
                suggestion="choose an observation_end on or after the last purchase, or drop later purchases.",
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
        horizon="52W",
        step="W",
        annual_discount_rate: float = 0.10,
        margin: float = 1.0,
    ) -> pd.DataFrame:
        """Customer lifetime value over a finite horizon, discounted (客户终生价值).

        Discrete-time approximation: the horizon is cut into steps of length ``step``
        (the last one shorter if the horizon is not a whole number of steps); the
        purchases the model expects in each step, ``E[X(t_k)] - E[X(t_(k-1))]`` given the
        customer's history, are valued at the expected spend per purchase times
        ``margin`` and discounted to today as if made at the end of the step, by
        ``(1 + annual_discount_rate) ** (-t_k / 365.25 days)``. Months are 365.25/12
        days, never 30. The result does not depend on the model's time unit: the same
        log summarised in days or in weeks gives the same CLV.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` (in the model's time unit) and
            ``monetary_value`` per customer.
        spend_model : GammaGamma
            A fitted spend model (anything with ``expected_spend(summary)``).
        horizon : str or Timedelta, default "52W"
            How far to look ahead, with its unit: ``"52W"``, ``"12M"``, ``"3Y"``. A bare
            number is refused.
        step : str or Timedelta, default "W"
            Discounting step: a unit (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``) or a
            duration (``"2W"``).
        annual_discount_rate : float, default 0.10
            Yearly discount rate (cost of capital), > -1.
        margin : float, default 1
            Profit margin applied to spend, in [0, 1] (1 values revenue).

        Returns
        -------
        DataFrame
            Indexed like ``summary``: ``p_alive``, ``expected_purchases`` (undiscounted,
            over the horizon), ``expected_spend`` (per purchase) and ``clv``; ``attrs``
            record the horizon, step and rates.
        """
        self._check_fitted()
        name = f"{type(self).__name__}.clv"
        margin = to_number(margin, "margin", low=0.0, high=1.0, example="0.3 for a 30% margin")
        annual = to_number(
            annual_discount_rate,
            "annual_discount_rate",
            low=-1.0,
            low_inclusive=False,
            example="0.10 for 10% a year",
        )
        horizon_days = self._duration(horizon, "horizon") * self.period_days
        if isinstance(step, str) and step.strip().upper() in UNIT_DAYS:
            step_days = unit_days(step.strip().upper())
        else:
            step_days = to_duration(step, "step") / pd.Timedelta(days=1)
        n_steps = horizon_days / step_days
        whole = int(np.floor(n_steps + 1e-9))
        if whole > 100_000:
            raise DataValidationError(
                f"{name}: horizon={horizon!r} in steps of {step!r} is {whole:,} steps.",
                suggestion="use a longer step, e.g. step='M'.",
            )
        ends = step_days * np.arange(1, whole + 1, dtype=float)
        if n_steps - whole > 1e-9:  # a last, shorter step up to the horizon
            ends = np.r_[ends, horizon_days]
        col, index = self._rows(summary, "clv")
        c = col.columns
        with quiet():
            f = self._fitter()
            cum = np.vstack(
                [np.zeros(col.n_rows)]
                + [
                    np.asarray(
                        f.conditional_expected_number_of_purchases_up_to_time(
                            e / self.period_days, c["frequency"], c["recency"], c["T"]
                        ),
                        dtype=float,
                    )
                    for e in ends
                ]
            )
        increments = np.diff(cum, axis=0)
        factors = (1.0 + annual) ** (-ends / UNIT_DAYS["Y"])
        discounted = (increments * factors[:, None]).sum(axis=0)
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
                "horizon_days": horizon_days,
                "step_days": step_days,
                "n_steps": len(ends),
                "time_unit": self.time_unit_,
                "annual_discount_rate": annual,
                "rate_per_step": per_period_rate(annual, step_days),
                "margin": margin,
            }
        )
        return out

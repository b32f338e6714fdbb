"""The shared base of every CLV model: validation, units, collapsing, fitting, errors.

A concrete model declares its parameter names, the summary columns it needs, how to
optimise from a given start (a lifetimes fitter on the collapsed data, or for BG/NBD and
Pareto/NBD crmlib's own fast likelihood, :mod:`crmlib.clv._likelihoods`) and its total
log-likelihood (lifetimes' expression). The base does the rest, as lifelines' fitters do:

* validates the summary at the door (:mod:`crmlib.clv._checks`) and the hyper-parameters
  at ``fit`` (scikit-learn's contract: ``__init__`` only stores them);
* reads the summary's time unit (``summary.attrs["time_unit"]``, set by
  :func:`crmlib.features.rfm_summary`) and refuses a mismatch with ``time_unit=``;
* collapses identical rows into weights (:mod:`crmlib.clv._collapse`): same parameters,
  10-90 times faster on large data;
* fits from several starting points when the model has ``n_starts`` and keeps the best,
  recording every start's log-likelihood and warning when they disagree;
* computes the observed information (the model's exact Hessian when it provides
  ``_loglik_derivatives``, as BG/NBD does, else a central finite-difference Hessian of the
  negative log-likelihood in the log-parameters) and from it standard errors by the delta
  method and 95% intervals on the log scale, so they stay positive;
* checks convergence and raises or warns with a checklist built from the data;
* renders a readable ``repr`` and HTML summary before and after fitting.

Time arguments of predictions follow one rule (:meth:`CLVModel._duration`):

* a parameter named ``horizon`` is a duration with its unit (``"39W"``, ``"12M"``,
  ``"90D"``, a :class:`pandas.Timedelta`), converted to the model's ``time_unit_``; a
  bare number is refused, since it does not say days, weeks or months;
* a parameter named ``t`` (lifetimes' name) is a time in the model's own units,
  ``time_unit_``; it may also be a duration with its unit;
* whole periods of a discrete model carry the word in their name (``n_periods``,
  ``horizon_periods``).

Negative, NaN, boolean, text and infinite times are refused, and so is anything longer
than a century.
"""

from __future__ import annotations

import html
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crmlib.clv._checks import check_summary
from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import quiet
from crmlib.conventions import UNIT_DAYS, to_duration, to_number, unit_days
from crmlib.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    NotFittedError,
)

__all__ = ["CLVModel", "SUMMARY_COLUMNS"]

#: Columns of every fitted model's ``summary_``.
SUMMARY_COLUMNS = ["estimate", "std_error", "lower_95", "upper_95"]

_Z95 = 1.959963984540054
#: Step of the finite-difference Hessian, in log-parameters (a relative step of 0.1%).
_HESS_STEP = 1e-3
#: A Newton step larger than this (in log-parameters) means the optimiser stopped short.
_STEP_TOL = 1e-2
#: Parameters beyond these bounds sit at the edge of the parameter space.
_EDGE = (1e-6, 1e6)
#: Two starts whose log-likelihoods differ by more than this reached distinct optima:
#: 0.001 log-likelihood units per customer (at least 0.5). Smaller gaps are the
#: optimiser stopping slightly short on a flat ridge, which changes no prediction.
START_LL_TOL_PER_CUSTOMER = 1e-3
START_LL_TOL_MIN = 0.5
#: Longest time a prediction accepts, in days (as crmlib.conventions.to_duration).
_MAX_DAYS = 36_525.0


class CLVModel(BaseEstimator):
    """Base class of crmlib's CLV models (not used directly).

    Subclasses set ``_param_names``, ``_required``, ``_integer``, ``_collapse_on`` and
    implement ``_check_relations``, ``_optimize`` and ``_loglik``. A model with
    ``n_starts`` / ``random_state`` hyper-parameters also implements ``_starts``; it may
    override ``_optimize_starts`` to share work between starts and provide
    ``_loglik_derivatives`` (exact gradient and Hessian) for the standard errors.

    Attributes (after ``fit``)
    --------------------------
    params_ : Series
        Maximum-likelihood estimates, indexed by parameter name.
    summary_ : DataFrame
        The parameter table: ``estimate``, ``std_error``, ``lower_95``, ``upper_95``.
    covariance_ : DataFrame
        Asymptotic covariance of the estimates (delta method from the log-parameters).
    log_likelihood_ : float
        Log-likelihood at the estimates, in the model's time unit, without penalty.
    aic_, bic_ : float
        Akaike and Bayesian information criteria.
    n_customers_ : int
        Customers in the fitted data (the sum of the weights).
    n_unique_rows_ : int
        Distinct rows after collapsing: the size of the problem the optimiser saw.
    time_unit_ : str, float or None
        Unit of ``recency`` and ``T`` the model was fitted in (see ``fit``).
    start_log_likelihoods_ : Series
        Log-likelihood reached from each starting point, indexed by start name (NaN where
        a start failed); one entry for models without ``n_starts``.
    best_start_ : str
        The start whose optimum was kept (the first to reach the best log-likelihood).
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _required: ClassVar[tuple[str, ...]] = ()
    _integer: ClassVar[tuple[str, ...]] = ()
    _collapse_on: ClassVar[tuple[str, ...]] = ()
    #: True when recency and T are times, so the model cannot fit without knowing the unit.
    _needs_time_unit: ClassVar[bool] = False
    #: True when the model has time in the data at all (a time-rescaling tip can apply).
    _has_time_axis: ClassVar[bool] = False

    # ------------------------------------------------------------------ public contract

    def fit(self, summary: pd.DataFrame) -> CLVModel:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : DataFrame
            One row per customer with the columns the model's docstring lists. An optional
            ``weights`` column says how many customers each row stands for.

        Returns
        -------
        self
        """
        self._check_hyper_parameters()
        data, weights = self._prepare(summary, "fit")
        unit = self._resolve_time_unit(summary)
        col = collapse({k: data[k] for k in self._collapse_on}, weights)
        self.time_unit_ = unit
        self._fit_collapsed(col.columns, col.weights)
        self.n_unique_rows_ = col.n_rows
        return self

    def log_likelihood(self, summary: pd.DataFrame) -> float:
        """Log-likelihood of ``summary`` at the fitted parameters.

        It is a sum over customers, so the value for two groups together equals the sum
        of their values.

        Parameters
        ----------
        summary : DataFrame
            Same columns as for :meth:`fit`.

        Returns
        -------
        float
        """
        self._check_fitted()
        data, weights = self._prepare(summary, "log_likelihood")
        self._check_summary_unit(summary, "log_likelihood")
        col = collapse({k: data[k] for k in self._collapse_on}, weights)
        with quiet():
            return float(self._loglik(self.params_.to_numpy(), col.columns, col.weights))

    def _dert_discount(self, continuous_rate_per_year) -> float:
        """DERT's discount rate per model time unit, from a continuously compounded yearly rate."""
        from crmlib.conventions import to_number

        rate = to_number(
            continuous_rate_per_year,
            "continuous_rate_per_year",
            low=0.0,
            low_inclusive=False,
            high=10.0,
            example="0.0953 (10% a year, continuously compounded)",
        )
        return rate * self.period_days / 365.25

    @property
    def period_days(self) -> float:
        """Length of one time unit of the model, in days (the fitted unit once fitted)."""
        unit = getattr(self, "time_unit_", None) or getattr(self, "time_unit", None)
        if unit is None:
            raise DataValidationError(
                f"{type(self).__name__} has no time unit yet.",
                suggestion="fit it on a summary from crmlib.features.rfm_summary, or give "
                f"{type(self).__name__}(time_unit='W').",
            )
        return unit_days(unit)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:  # noqa: N803 (scikit-learn's signature)
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        head = f"{type(self).__name__}({args})"
        if not self._is_fitted():
            return f"{head}: not fitted"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if not hasattr(self, "log_likelihood_"):  # from_params: no data, no fit
            return f"{head}: evaluated at given parameters (from_params), not fitted; {params}"
        return (
            f"{head}: fitted on {self.n_customers_:,} customers ({self.n_unique_rows_:,} unique rows); "
            f"{params}; log-likelihood={self.log_likelihood_:,.2f}"
        )

    def _repr_html_(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        head = f"<strong>{html.escape(type(self).__name__)}</strong>({html.escape(args)})"
        if not self._is_fitted():
            return f"<p>{head}: <em>not fitted</em></p>"
        if not hasattr(self, "log_likelihood_"):  # from_params
            return f"<p>{head}: evaluated at given parameters (from_params), not fitted</p>" + (
                self.summary_.to_html(float_format=lambda v: f"{v:.4g}")
            )
        unit = getattr(self, "time_unit_", None)
        info = (
            f"<p>{head}: fitted on {self.n_customers_:,} customers "
            f"({self.n_unique_rows_:,} unique rows); log-likelihood {self.log_likelihood_:,.2f}, "
            f"AIC {self.aic_:,.1f}"
            + (f", time unit {html.escape(str(unit))}" if unit is not None else "")
            + "</p>"
        )
        return info + self.summary_.to_html(float_format=lambda v: f"{v:.4g}")

    def _repr_mimebundle_(self, **kwargs) -> dict[str, str]:
        # scikit-learn's diagram would replace the parameter table in notebooks
        return {"text/plain": repr(self), "text/html": self._repr_html_()}

    # ------------------------------------------------------------------ checks at fit

    def _check_hyper_parameters(self) -> None:
        """Validate what ``__init__`` stored (scikit-learn: validation happens in ``fit``)."""
        name = type(self).__name__
        params = self.get_params(deep=False)
        if "penalizer_coef" in params:
            to_number(self.penalizer_coef, "penalizer_coef", low=0.0, example="0.001")
        if "time_unit" in params and self.time_unit is not None:
            unit_days(self.time_unit)
        if "n_starts" in params:
            to_number(self.n_starts, "n_starts", low=1, integer=True, example="5")
        if "maxiter" in params:
            to_number(self.maxiter, "maxiter", low=1, integer=True, example="2000")
        if "random_state" in params and self.random_state is not None:
            if not isinstance(
                self.random_state, int | np.integer | np.random.Generator
            ) or isinstance(self.random_state, bool):
                raise DataValidationError(
                    f"{name}: random_state={self.random_state!r} must be an int, a "
                    "numpy.random.Generator or None.",
                    suggestion="pass e.g. random_state=0 for reproducible fits.",
                )
        if params.get("initial_params") is not None:
            self._initial_params()

    def _initial_params(self) -> np.ndarray:
        """The user's natural-scale start (``initial_params``), checked."""
        name = type(self).__name__
        k = len(self._param_names)
        hint = (
            f"pass {k} positive numbers in the order ({', '.join(self._param_names)}), "
            f"e.g. initial_params={[1.0] * k}, or leave it None."
        )
        try:
            x0 = np.asarray(self.initial_params, dtype=float)
        except (TypeError, ValueError):
            raise DataValidationError(
                f"{name}: initial_params={self.initial_params!r} is not a list of numbers.",
                suggestion=hint,
            ) from None
        if x0.shape != (k,):
            raise DataValidationError(
                f"{name}: initial_params has {x0.size} value(s); {name} has {k} parameters "
                f"({', '.join(self._param_names)}).",
                suggestion=hint,
            )
        if not np.all(np.isfinite(x0) & (x0 > 0)):
            raise DataValidationError(
                f"{name}: initial_params={self.initial_params!r} must all be positive and finite.",
                suggestion=hint,
            )
        return x0

    def _resolve_time_unit(self, summary: pd.DataFrame) -> str | float | None:
        """The unit of ``recency`` and ``T``: the summary's, the model's, and never two."""
        name = type(self).__name__
        given = getattr(self, "time_unit", None)
        carried = summary.attrs.get("time_unit") if isinstance(summary, pd.DataFrame) else None
        if given is not None and carried is not None and unit_days(given) != unit_days(carried):
            raise DataValidationError(
                f"{name}(time_unit={given!r}) was given a summary whose recency and T are in "
                f"time_unit={carried!r} (summary.attrs['time_unit']): every time would be read "
                "in the wrong unit.",
                suggestion=f"drop time_unit= (the model reads the summary's unit), or rebuild the "
                f"summary with crmlib.features.rfm_summary(..., time_unit={given!r}).",
            )
        unit = given if given is not None else carried
        if unit is None and self._needs_time_unit:
            raise DataValidationError(
                f"{name}.fit: the summary does not say the unit of recency and T (no "
                "summary.attrs['time_unit']) and the model was given none.",
                suggestion="build the summary with crmlib.features.rfm_summary or "
                "crmlib.clv.calibration_summary, which record it, or say it: "
                f"{name}(time_unit='W') for recency and T in weeks.",
            )
        if isinstance(unit, str):
            unit = unit.strip().upper()
        return unit

    def _check_summary_unit(self, summary: pd.DataFrame, method: str) -> None:
        """Refuse a summary that says it is in another unit than the fitted model."""
        carried = summary.attrs.get("time_unit") if isinstance(summary, pd.DataFrame) else None
        fitted = getattr(self, "time_unit_", None)
        if carried is None or fitted is None or unit_days(carried) == unit_days(fitted):
            return
        name = type(self).__name__
        raise DataValidationError(
            f"{name}.{method}: the model was fitted in time_unit={fitted!r} but the summary's "
            f"recency and T are in time_unit={carried!r} (summary.attrs['time_unit']).",
            suggestion=f"rebuild the summary with crmlib.features.rfm_summary(..., time_unit={fitted!r}), "
            "or fit the model on summaries in that unit.",
        )

    # ------------------------------------------------------------------ time arguments

    def _duration(self, value: Any, name: str, *, model_units: bool = False) -> float:
        """A time argument in the model's units (see the module docstring for the rule).

        ``model_units=False`` (``horizon``): a duration with its unit only.
        ``model_units=True`` (``t``): a number of model units, or a duration.
        """
        func = f"{type(self).__name__}"
        per = self.period_days
        if (
            model_units
            and isinstance(value, int | float | np.integer | np.floating)
            and not isinstance(value, bool | np.bool_)
        ):
            v = to_number(value, name, low=0.0, example=f"39 ({self._unit_word()})")
            if v * per > _MAX_DAYS:
                raise DataValidationError(
                    f"{func}: {name}={value!r} {self._unit_word()} is longer than a century.",
                    suggestion=f"pass {name} in {self._unit_word()} (the model's time_unit_).",
                )
            return v
        try:
            td = to_duration(value, name, allow_zero=model_units)
        except DataValidationError as err:
            extra = (
                f" A bare number is not accepted for {name}: it does not say days, weeks or "
                f"months (this model counts in {self._unit_word()})."
                if isinstance(value, int | float | np.integer | np.floating | str)
                and not isinstance(value, bool | np.bool_)
                and "no unit" in str(err)
                else ""
            )
            raise DataValidationError(
                f"{func}: {str(err).splitlines()[0]}{extra}",
                suggestion=f"pass {name} with its unit, e.g. {name}='39W', '12M', '90D' or "
                "pd.Timedelta(days=90).",
            ) from None
        return td / pd.Timedelta(days=per)

    def _times(self, t: Any, name: str = "t") -> np.ndarray:
        """An array of times in model units (``t`` arguments that may be array-like)."""
        if np.ndim(t) == 0:
            return np.array([self._duration(t, name, model_units=True)])
        arr = np.asarray(t)
        if arr.dtype.kind not in "iuf":
            raise DataValidationError(
                f"{type(self).__name__}: {name} must hold numbers of {self._unit_word()}, "
                f"got dtype {arr.dtype}.",
                suggestion=f"pass {name} as numbers of the model's time_unit_ ({self._unit_word()}).",
            )
        arr = arr.astype(float).ravel()
        bad = ~np.isfinite(arr) | (arr < 0) | (arr * self.period_days > _MAX_DAYS)
        if bad.any():
            raise DataValidationError(
                f"{type(self).__name__}: {name} has {int(bad.sum())} negative, missing, infinite "
                f"or over-a-century values (first: {arr[bad][0]!r}).",
                suggestion=f"pass {name} as non-negative {self._unit_word()}.",
            )
        return arr

    def _unit_word(self) -> str:
        unit = getattr(self, "time_unit_", None) or getattr(self, "time_unit", None)
        names = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
        if isinstance(unit, str) and unit.upper() in names:
            return names[unit.upper()]
        return f"units of {unit} days" if unit is not None else "model time units"

    # ------------------------------------------------------------------ hooks

    def _prepare(
        self, summary: pd.DataFrame, method: str = "fit"
    ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Validate ``summary``; return its model columns and weights (None if absent)."""
        data = check_summary(
            summary,
            self._required,
            model=f"{type(self).__name__}.{method}",
            integer=self._integer,
            **self._check_kwargs(),
        )
        index = data.pop("_index")
        weights = data.pop("weights", None)
        self._check_relations(summary, data, index)
        return data, weights

    def _check_kwargs(self) -> dict[str, Any]:
        return {}

    def _check_relations(self, summary: pd.DataFrame, data: dict[str, np.ndarray], index) -> None:
        """Model-specific checks between columns (recency <= T, ...)."""

    def _optimize(
        self, data: dict[str, np.ndarray], weights: np.ndarray, x0: np.ndarray | None
    ) -> np.ndarray:
        """Natural-scale estimates on collapsed data, from natural-scale start ``x0``
        (None: the optimiser's own default start)."""
        raise NotImplementedError

    def _loglik(
        self, params: np.ndarray, data: dict[str, np.ndarray], weights: np.ndarray
    ) -> float:
        """Total (weighted) log-likelihood at natural-scale ``params``."""
        raise NotImplementedError

    def _starts(
        self, data: dict[str, np.ndarray], weights: np.ndarray
    ) -> list[tuple[str, np.ndarray | None]]:
        """Named natural-scale starting points; by default the one fixed start."""
        if self.get_params(deep=False).get("initial_params") is not None:
            return [("initial_params", self._initial_params())]
        return [("default", None)]

    # ------------------------------------------------------------------ machinery

    def _optimize_starts(self, data, weights, starts) -> list:
        """Optimise from every start: one natural-scale estimate, or the exception raised,
        per start. A model may override this to share work between starts (Pareto/NBD
        screens them on a subsample, then polishes each on all the data)."""
        out: list = []
        for _, x0 in starts:
            try:
                out.append(self._optimize(data, weights, x0))
            except ConvergenceError:
                raise
            except Exception as exc:  # judged per start by _run_starts
                out.append(exc)
        return out

    def _run_starts(self, data, weights) -> np.ndarray:
        """Optimise from every start, keep the best, record and judge the spread."""
        name = type(self).__name__
        results: list[tuple[str, np.ndarray | None, float]] = []
        first_error: Exception | None = None
        starts = self._starts(data, weights)
        with quiet():
            outcomes = self._optimize_starts(data, weights, starts)
        for (label, _), outcome in zip(starts, outcomes, strict=True):
            try:
                if isinstance(outcome, Exception):
                    raise outcome
                with quiet():
                    params = np.asarray(outcome, dtype=float)
                    ok = (
                        params.shape == (len(self._param_names),)
                        and np.all(np.isfinite(params))
                        and np.all(params > 0)
                    )
                    ll = float(self._loglik(params, data, weights)) if ok else np.nan
            except ConvergenceError:
                raise
            except Exception as exc:  # lifetimes raises its own ConvergenceError and numeric errors
                first_error = first_error or exc
                params, ll = None, np.nan
            if params is not None and not np.isfinite(ll):
                first_error = first_error or ValueError(f"stopped at invalid parameters {params!r}")
                params = None
            results.append((label, params, ll))
        self.start_log_likelihoods_ = pd.Series(
            {label: ll for label, _, ll in results}, name="log_likelihood", dtype=float
        )
        self.start_log_likelihoods_.index.name = "start"
        good = [(label, p, ll) for label, p, ll in results if p is not None]
        if not good:
            raise ConvergenceError(
                f"{name} did not converge: {first_error}".strip() + self._data_note(data, weights),
                checklist=self._checklist(data, weights, failed=True),
            )
        top = max(r[2] for r in good)
        # the first start (in the declared order) that reaches the best optimum, so a fit
        # whose default start is already best keeps exactly its result
        label, best, best_ll = next(r for r in good if r[2] >= top - 1e-3)
        self.best_start_ = label
        # distinct optima: log-likelihoods further apart than the tolerance
        tol = max(START_LL_TOL_MIN, START_LL_TOL_PER_CUSTOMER * float(weights.sum()))
        optima: list[float] = []
        for ll in sorted((r[2] for r in good), reverse=True):
            if not optima or optima[-1] - ll > tol:
                optima.append(ll)
        if len(optima) > 1:
            warnings.warn(
                f"{name}: the {len(results)} starting points reached {len(optima)} distinct optima; "
                f"the best ({label!r}, log-likelihood {best_ll:,.2f}) is {optima[0] - optima[1]:,.2f} "
                f"above the next (worst start: {optima[0] - optima[-1]:,.2f} below; tolerance "
                f"{tol:,.2f}). The best is kept; see start_log_likelihoods_. A model fitted from one "
                "start could have stopped at the lower one.",
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )
        return best

    def _fit_collapsed(self, data: dict[str, np.ndarray], weights: np.ndarray) -> None:
        name = type(self).__name__
        n = float(weights.sum())
        params = self._run_starts(data, weights)
        theta = np.log(params)

        def nll(th: np.ndarray) -> float:
            return -self._loglik(np.exp(th), data, weights)

        with quiet():
            exact = getattr(self, "_loglik_derivatives", None)
            if exact is not None:
                # the model's exact gradient and Hessian (log-parameters), one pass
                ll0, g0, h0 = exact(params, data, weights)
                f0, grad, hess = -float(ll0), -np.asarray(g0), -np.asarray(h0)
            else:
                f0 = nll(theta)
                grad, hess = _gradient_hessian(nll, theta, f0, _HESS_STEP)
        self.params_ = pd.Series(
            params, index=list(self._param_names), name="estimate", dtype=float
        )
        self.log_likelihood_ = -f0
        self.n_customers_ = int(round(n)) if np.isclose(n, round(n)) else n
        k = len(params)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(n) - 2 * self.log_likelihood_

        problems = []
        cov_log = None
        if np.all(np.isfinite(hess)):
            try:
                np.linalg.cholesky(hess)
                cov_log = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                pass
        if cov_log is None:
            problems.append(
                "the Hessian of the log-likelihood is not positive definite at the estimate"
            )
            se_log = np.full(k, np.nan)
            cov_log = np.full((k, k), np.nan)
        else:
            se_log = np.sqrt(np.diag(cov_log))
            step = cov_log @ grad
            if self._penalizer() == 0 and np.max(np.abs(step)) > _STEP_TOL:
                problems.append(
                    f"the optimiser stopped short of the maximum (a Newton step would still move "
                    f"log-parameters by {np.max(np.abs(step)):.2g})"
                )
        edge = [
            f"{p}={v:.3g}"
            for p, v in zip(self._param_names, params, strict=True)
            if not _EDGE[0] < v < _EDGE[1]
        ]
        if edge:
            problems.append(f"parameters at the edge of their range ({', '.join(edge)})")
        self.covariance_ = pd.DataFrame(
            cov_log * np.outer(params, params),
            index=list(self._param_names),
            columns=list(self._param_names),
        )
        with np.errstate(over="ignore"):  # a parameter at the edge: an infinite bound
            lower, upper = np.exp(theta - _Z95 * se_log), np.exp(theta + _Z95 * se_log)
        self.summary_ = pd.DataFrame(
            {
                "estimate": params,
                "std_error": params * se_log,
                "lower_95": lower,
                "upper_95": upper,
            },
            index=pd.Index(list(self._param_names), name="parameter"),
        )[SUMMARY_COLUMNS]
        if problems:
            warnings.warn(
                f"{name}: doubtful fit: {'; '.join(problems)}."
                + self._data_note(data, weights)
                + "\n"
                + self._checklist(data, weights, edge=bool(edge)),
                ConvergenceWarning,
                stacklevel=_user_stacklevel(),
            )

    def _penalizer(self) -> float:
        return float(getattr(self, "penalizer_coef", 0.0) or 0.0)

    def _checklist(
        self,
        data: dict[str, np.ndarray],
        weights: np.ndarray,
        *,
        edge: bool = False,
        failed: bool = False,
    ) -> str:
        """What to try, from this model and these data (never generic advice)."""
        tips: list[str] = []
        if edge or failed:
            tips.append(
                "add a small penalizer (e.g. penalizer_coef=0.001): "
                + (
                    "parameters ran to the edge of their range"
                    if edge
                    else "it keeps parameters from running off to 0 or infinity"
                )
            )
        if self._has_time_axis and "T" in data:
            per = getattr(self, "time_unit_", None)
            max_t = float(np.max(data["T"]))
            if per is not None and unit_days(per) <= UNIT_DAYS["D"] and max_t > 365:
                tips.append(
                    f"recency and T are in days (max T {max_t:,.0f}): express them in weeks "
                    "(crmlib.features.rfm_summary(..., time_unit='W'))"
                )
        if "frequency" in data:
            f = data["frequency"]
            n = weights.sum()
            zero = float(weights[f == 0].sum() / n)
            repeaters = float(weights[f > 0].sum())
            if zero > 0.9:
                tips.append(
                    f"{zero:.0%} of customers made no repeat purchase, so the data say little about "
                    "repeat buying: use a longer observation window"
                )
            if repeaters < 30:
                tips.append(
                    f"only {repeaters:,.0f} customers have a repeat purchase: too few to estimate "
                    f"{len(self._param_names)} parameters"
                )
            mean = float(np.sum(weights * f) / n)
            if f.max() > 50 * max(mean, 1.0):
                tips.append(
                    f"a few customers buy far more than the rest (max frequency {f.max():,.0f}, mean "
                    f"{mean:.2f}): check them for resellers or duplicated ids"
                )
        if "n_starts" in self.get_params(deep=False):
            spread = getattr(self, "start_log_likelihoods_", None)
            note = ""
            if spread is not None and spread.notna().sum() > 1:
                note = f" (the {len(spread)} starts ended {spread.max() - spread.min():,.2f} log-likelihood units apart)"
            tips.append(
                f"fit from more starting points (n_starts=, random_state=) or give initial_params={note}"
            )
        else:
            tips.append("try other starting values (initial_params=...)")
        return "Things to try:\n" + "\n".join(f"  {i}. {tip};" for i, tip in enumerate(tips, 1))

    @staticmethod
    def _data_note(data: dict[str, np.ndarray], weights: np.ndarray) -> str:
        if "frequency" not in data:
            return ""
        f = data["frequency"]
        n = weights.sum()
        zero = weights[f == 0].sum() / n
        mean = float(np.sum(weights * f) / n)
        return (
            f"\nIn these data: {n:,.0f} customers, {zero:.0%} with no repeat purchase, mean "
            f"frequency {mean:.2f}, max frequency {f.max():.0f}."
        )

    def _is_fitted(self) -> bool:
        return hasattr(self, "params_")

    def _check_fitted(self) -> None:
        if not self._is_fitted():
            raise NotFittedError(self)

    # ------------------------------------------------------------------ given parameters

    @classmethod
    def from_params(cls, *, time_unit: str | float | None = None, **params: float) -> CLVModel:
        """A model evaluated at given (e.g. published) parameters, with no fit.

        The result predicts exactly as a fitted model with these ``params_`` would. It has
        no data behind it: no log-likelihood, no standard errors (``summary_`` has NaN
        ``std_error``), and it says so in its ``repr``. Use it to check a published
        figure, to score customers with parameters estimated elsewhere, or to simulate.

        Parameters
        ----------
        time_unit : {"D", "W", "M", "Q", "Y"} or float, optional
            Unit the parameters are expressed in (e.g. ``"W"`` when ``alpha`` is in
            weeks). Required by the continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD);
            optional for BG/BB and sBG (needed there only to convert discount rates);
            GammaGamma has no time axis and refuses it.
        **params : float
            Every parameter of the model under its published name, and no other:
            ``r, alpha, a, b`` (BG/NBD, MBG/NBD), ``r, alpha, s, beta`` (Pareto/NBD),
            ``alpha, beta, gamma, delta`` (BG/BB), ``p, q, gamma`` (Gamma-Gamma; lifetimes
            calls gamma ``v``), ``alpha, beta`` (sBG). All must be positive and finite.

        Returns
        -------
        model
            Of the class it is called on, with ``params_`` and ``time_unit_`` set.

        Examples
        --------
        Fader, Hardie & Lee (2005): a CDNOW customer with x = 2, t_x = 30.43, T = 38.86
        weeks is expected to make 1.226 purchases in the next 39 weeks.

        >>> from crmlib.clv import BetaGeo
        >>> m = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426, time_unit="W")
        >>> one = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
        >>> round(float(m.expected_purchases(one, "39W").iloc[0]), 3)
        1.226
        """
        name = cls.__name__
        expected = list(cls._param_names)
        hint = (
            f"pass {', '.join(f'{p}=...' for p in expected)}"
            + (", time_unit='W'" if cls._needs_time_unit else "")
            + f", e.g. {name}.from_params({', '.join(f'{p}=1.0' for p in expected)}"
            + (", time_unit='W')" if cls._needs_time_unit else ")")
            + "."
        )
        unknown = [k for k in params if k not in expected]
        missing = [k for k in expected if k not in params]
        if unknown or missing:
            parts = []
            if unknown:
                parts.append(f"unknown parameter(s) {', '.join(map(repr, unknown))}")
            if missing:
                parts.append(f"missing {', '.join(map(repr, missing))}")
            raise DataValidationError(
                f"{name}.from_params: {'; '.join(parts)}. {name} has the parameters "
                f"{', '.join(expected)}.",
                suggestion=hint,
            )
        values = [
            to_number(params[k], k, low=0.0, low_inclusive=False, example="1.5") for k in expected
        ]
        init_params = cls().get_params(deep=False)
        if "time_unit" not in init_params:
            if time_unit is not None:
                raise DataValidationError(
                    f"{name}.from_params: {name} has no time axis, so time_unit={time_unit!r} "
                    "means nothing here.",
                    suggestion="drop time_unit=.",
                )
            model = cls()
            unit = None
        else:
            if time_unit is None and cls._needs_time_unit:
                raise DataValidationError(
                    f"{name}.from_params: time_unit is required: {name}'s scale parameters "
                    "are rates per unit of time, so the same numbers mean different models in "
                    "days and in weeks.",
                    suggestion=hint,
                )
            if time_unit is not None:
                unit_days(time_unit)  # refuses an unknown unit
            unit = time_unit.strip().upper() if isinstance(time_unit, str) else time_unit
            model = cls(time_unit=unit)
        model.time_unit_ = unit
        model.params_ = pd.Series(values, index=expected, name="estimate", dtype=float)
        model.summary_ = pd.DataFrame(
            {
                "estimate": values,
                "std_error": np.nan,
                "lower_95": np.nan,
                "upper_95": np.nan,
            },
            index=pd.Index(expected, name="parameter"),
        )[SUMMARY_COLUMNS]
        return model


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside crmlib."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("crmlib."):
        frame, level = frame.f_back, level + 1
    return level


def _gradient_hessian(f, x: np.ndarray, f0: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Central finite-difference gradient and Hessian of ``f`` at ``x`` (2k^2 + 1 calls)."""
    k = len(x)
    eye = np.eye(k) * h
    fp = np.array([f(x + eye[i]) for i in range(k)])
    fm = np.array([f(x - eye[i]) for i in range(k)])
    grad = (fp - fm) / (2 * h)
    hess = np.empty((k, k))
    for i in range(k):
        hess[i, i] = (fp[i] - 2 * f0 + fm[i]) / h**2
        for j in range(i + 1, k):
            v = (
                f(x + eye[i] + eye[j])
                - f(x + eye[i] - eye[j])
                - f(x - eye[i] + eye[j])
                + f(x - eye[i] - eye[j])
            ) / (4 * h**2)
            hess[i, j] = hess[j, i] = v
    return grad, hess

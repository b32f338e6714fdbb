"""The shared base of every CLV model: validation, collapsing, fitting, standard errors.

A concrete model declares its parameter names, the summary columns it needs, how to
optimise (usually by calling a lifetimes fitter on the collapsed data) and its total
log-likelihood (usually lifetimes' own). The base does the rest, as lifelines' fitters do:

* validates the summary at the door (:mod:`crmlib.clv._checks`);
* collapses identical rows into weights (:mod:`crmlib.clv._collapse`): same parameters,
  10-90 times faster on large data;
* computes the observed information (a central finite-difference Hessian of the
  negative log-likelihood in the log-parameters) and from it standard errors by the delta
  method and 95% intervals on the log scale, so they stay positive;
* checks convergence and raises or warns with a checklist;
* renders a readable ``repr`` and HTML summary before and after fitting.
"""

from __future__ import annotations

import html
import inspect
import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from crmlib.clv._checks import check_summary
from crmlib.clv._collapse import collapse
from crmlib.clv._lifetimes import quiet
from crmlib.clv._units import unit_days
from crmlib.exceptions import ConvergenceError, ConvergenceWarning, NotFittedError

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


class CLVModel:
    """Base class of crmlib's CLV models (not used directly).

    Subclasses set ``_param_names``, ``_required``, ``_integer``, ``_collapse_on`` and
    implement ``_check_relations``, ``_optimize`` and ``_loglik``.

    Attributes (after ``fit``)
    --------------------------
    params_ : Series
        Maximum-likelihood estimates, indexed by parameter name.
    summary_ : DataFrame
        ``estimate``, ``std_error``, ``lower_95``, ``upper_95`` per parameter.
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
    """

    _param_names: ClassVar[tuple[str, ...]] = ()
    _required: ClassVar[tuple[str, ...]] = ()
    _integer: ClassVar[tuple[str, ...]] = ()
    _collapse_on: ClassVar[tuple[str, ...]] = ()

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
        data, weights = self._prepare(summary)
        col = collapse({k: data[k] for k in self._collapse_on}, weights)
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
        data, weights = self._prepare(summary)
        col = collapse({k: data[k] for k in self._collapse_on}, weights)
        with quiet():
            return float(self._loglik(self.params_.to_numpy(), col.columns, col.weights))

    @property
    def period_days(self) -> float:
        """Length of one time unit of the model, in days."""
        return unit_days(self.time_unit)

    def get_params(self) -> dict[str, Any]:
        """Hyper-parameters as given to the constructor (scikit-learn style)."""
        return {name: getattr(self, name) for name in self._init_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        head = f"{type(self).__name__}({args})"
        if not self._is_fitted():
            return f"{head}: not fitted"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return (
            f"{head}: fitted on {self.n_customers_:,} customers ({self.n_unique_rows_:,} unique rows); "
            f"{params}; log-likelihood={self.log_likelihood_:,.2f}"
        )

    def _repr_html_(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        head = f"<strong>{html.escape(type(self).__name__)}</strong>({html.escape(args)})"
        if not self._is_fitted():
            return f"<p>{head}: <em>not fitted</em></p>"
        info = (
            f"<p>{head}: fitted on {self.n_customers_:,} customers "
            f"({self.n_unique_rows_:,} unique rows); log-likelihood {self.log_likelihood_:,.2f}, "
            f"AIC {self.aic_:,.1f}, time unit {html.escape(str(self.time_unit))}</p>"
        )
        return info + self.summary_.to_html(float_format=lambda v: f"{v:.4g}")

    # ------------------------------------------------------------------ hooks

    def _prepare(self, summary: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        """Validate ``summary``; return its model columns and weights (None if absent)."""
        data = check_summary(
            summary, self._required, model=type(self).__name__, integer=self._integer
        )
        index = data.pop("_index")
        weights = data.pop("weights", None)
        self._check_relations(summary, data, index)
        return data, weights

    def _check_relations(self, summary: pd.DataFrame, data: dict[str, np.ndarray], index) -> None:
        """Model-specific checks between columns (recency <= T, ...)."""

    def _optimize(self, data: dict[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
        """Return the natural-scale estimates on collapsed data."""
        raise NotImplementedError

    def _loglik(
        self, params: np.ndarray, data: dict[str, np.ndarray], weights: np.ndarray
    ) -> float:
        """Total (weighted) log-likelihood at natural-scale ``params``."""
        raise NotImplementedError

    def _initial_params(self) -> np.ndarray:
        """Deterministic natural-scale starting values (``initial_params`` or defaults)."""
        if self.initial_params is not None:
            x0 = np.asarray(self.initial_params, dtype=float)
            if x0.shape != (len(self._param_names),) or not np.all(x0 > 0):
                raise ValueError(
                    f"initial_params must be {len(self._param_names)} positive numbers "
                    f"({', '.join(self._param_names)}), got {self.initial_params!r}."
                )
            return x0
        return np.ones(len(self._param_names))

    # ------------------------------------------------------------------ machinery

    def _fit_collapsed(self, data: dict[str, np.ndarray], weights: np.ndarray) -> None:
        name = type(self).__name__
        n = float(weights.sum())
        try:
            with quiet():
                params = np.asarray(self._optimize(data, weights), dtype=float)
        except ConvergenceError:
            raise
        except Exception as exc:  # lifetimes raises its own ConvergenceError and numeric errors
            raise ConvergenceError(
                f"{name} did not converge: {exc}".strip() + self._data_note(data, weights)
            ) from exc
        if (
            params.shape != (len(self._param_names),)
            or not np.all(np.isfinite(params))
            or np.any(params <= 0)
        ):
            raise ConvergenceError(
                f"{name} stopped at invalid parameters {params!r}." + self._data_note(data, weights)
            )
        theta = np.log(params)

        def nll(th: np.ndarray) -> float:
            return -self._loglik(np.exp(th), data, weights)

        with quiet():
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
        self.summary_ = pd.DataFrame(
            {
                "estimate": params,
                "std_error": params * se_log,
                "lower_95": np.exp(theta - _Z95 * se_log),
                "upper_95": np.exp(theta + _Z95 * se_log),
            },
            index=pd.Index(list(self._param_names), name="parameter"),
        )[SUMMARY_COLUMNS]
        if problems:
            warnings.warn(
                f"{name}: doubtful fit: {'; '.join(problems)}."
                + self._data_note(data, weights)
                + "\n"
                + ConvergenceError.checklist,
                ConvergenceWarning,
                stacklevel=3,
            )

    def _penalizer(self) -> float:
        return float(getattr(self, "penalizer_coef", 0.0) or 0.0)

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

    @classmethod
    def _init_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]


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

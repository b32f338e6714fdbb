"""Static (time-invariant) covariates in the Pareto/NBD and BG/NBD models.

CLVTools' formulation (Fader & Hardie 2007, "Incorporating time-invariant covariates into
the Pareto/NBD and BG/NBD models", note 019; Meierer, Bachmann et al., R package CLVTools):
each customer ``i`` has covariates ``z_i`` and the Gamma scale parameters become

* Pareto/NBD: ``alpha_i = alpha * exp(-g_purchase' z_i)`` (purchase rate ``lambda ~
  Gamma(r, alpha_i)``, mean ``r / alpha_i``) and ``beta_i = beta * exp(-g_dropout' z_i)``
  (dropout rate ``mu ~ Gamma(s, beta_i)``, mean ``s / beta_i``). A positive purchase effect
  means the customer buys more often; a positive dropout effect means she leaves sooner.
  ``exp(effect)`` multiplies the mean rate.
* BG/NBD: ``alpha_i`` as above, and ``a_i = a * exp(g_dropout' z_i)``, ``b_i = b *
  exp(g_dropout' z_i)``: the effect scales both shape parameters of the dropout
  probability's Beta distribution (CLVTools' choice), which keeps its mean ``a / (a + b)``
  and changes how concentrated it is around it.

Each process takes its own covariates (``purchase_covariates``, ``dropout_covariates``), and
a covariate can be given one effect on both processes (``constrained``). Compare nested
models with :func:`lr_test`.

Covariates are a DataFrame indexed by customer id, one row for every customer of the
summary (extra rows are ignored). One encoding rule: numeric and boolean columns are used as
they are (True = 1); text and pandas ``Categorical`` columns become 0/1 dummy columns named
``"column[level]"``, one per level except the first in sorted order, which is the reference.
Missing values, infinite values, numbers stored as text, columns mixing text and numbers and
columns with a single value among the fitted customers are refused.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from crmlib.checks import check_frame
from crmlib.clv.base import SUMMARY_COLUMNS, CLVModel, _gradient_hessian
from crmlib.exceptions import ConvergenceError, ConvergenceWarning, DataValidationError

__all__ = ["BetaGeoCovariates", "LRTest", "ParetoNBDCovariates", "lr_test"]

_Z95 = 1.959963984540054
_TOL = 1e-9
#: Finite-difference step of the Hessian (log base parameters and raw effects).
_HESS_STEP = 1e-4
_COV_HINT = (
    "pass a DataFrame indexed by customer id (the summary's index) with one row per customer "
    "and one column per covariate, e.g. covariates = customers.set_index('customer_id')[['gender', "
    "'channel']]."
)


# ---------------------------------------------------------------------- encoding


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) or series.dtype == object


def _encode(
    covariates: Any,
    columns: Sequence[str],
    index: pd.Index,
    *,
    func: str,
    levels: Mapping[str, list] | None = None,
) -> tuple[pd.DataFrame, dict[str, list]]:
    """The numeric design matrix of ``columns`` for the customers in ``index``.

    Returns the design (one column per numeric covariate, one per non-reference level of a
    categorical one) and the levels of every categorical column (sorted; the first is the
    reference). With ``levels`` given (prediction), the fitted levels are used and an unseen
    level is refused.
    """
    df = check_frame(
        covariates, list(columns), func=func, what="covariate table", suggestion=_COV_HINT
    )
    if df.index.has_duplicates:
        dup = df[df.index.duplicated(keep=False)]
        raise DataValidationError(
            f"{func}: the covariate table has {int(df.index.duplicated().sum()):,} duplicated "
            "customer ids in its index.",
            rows=dup[list(columns)].head(10),
            suggestion="keep one row per customer (static covariates do not change over time).",
        )
    missing = index.difference(df.index, sort=False)
    if len(missing):
        raise DataValidationError(
            f"{func}: {len(missing):,} customers of the summary have no row in the covariate table "
            f"(first ids: {', '.join(map(str, missing[:5]))}).",
            rows=pd.DataFrame(index=missing[:10]).assign(covariates="(no row)"),
            suggestion="give every customer of the summary a covariate row; the covariate table "
            "must be indexed by the same customer ids as the summary (check the index dtype: "
            "'42' is not 42).",
        )
    df = df.loc[index, list(columns)]
    out: dict[str, np.ndarray] = {}
    found: dict[str, list] = {}
    for col in columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or (
            _is_text(s) and not pd.api.types.is_bool_dtype(s)
        ):
            na = s.isna().to_numpy()
            if na.any():
                raise DataValidationError(
                    f"{func}: covariate {col!r} has {int(na.sum()):,} missing values.",
                    column=col,
                    rows=df.loc[na, [col]],
                    suggestion="fill them (e.g. with an explicit 'unknown' level) or drop those "
                    "customers from both the summary and the covariate table.",
                )
            values = s.astype(object).to_numpy()
            not_text = np.array([not isinstance(v, str) for v in values])
            if not isinstance(s.dtype, pd.CategoricalDtype) and not_text.any():
                # show the minority: the rows that differ from the column's majority
                odd = not_text if not_text.sum() <= (~not_text).sum() else ~not_text
                raise DataValidationError(
                    f"{func}: covariate {col!r} mixes text and other values "
                    f"({int((~not_text).sum()):,} text, {int(not_text.sum()):,} not).",
                    column=col,
                    rows=df.loc[odd, [col]],
                    suggestion=f"make {col!r} all numbers (pd.to_numeric) or all text labels "
                    "(.astype(str)) before fitting.",
                )
            text = values.astype(str)
            if not isinstance(s.dtype, pd.CategoricalDtype):
                numeric = pd.to_numeric(pd.Series(text), errors="coerce").notna().to_numpy()
                if numeric.all():
                    raise DataValidationError(
                        f"{func}: covariate {col!r} holds numbers stored as text (e.g. "
                        f"{text[0]!r}); crmlib will not guess whether they are amounts or labels.",
                        column=col,
                        rows=df[[col]].head(),
                        suggestion=f"convert it: df[{col!r}] = pd.to_numeric(df[{col!r}]) for a "
                        f"numeric covariate, or df[{col!r}].astype('category') for categories.",
                    )
            seen = sorted({str(v) for v in text})
            if levels is not None and col in levels:
                known = levels[col]
                new = ~np.isin(text, known)
                if new.any():
                    raise DataValidationError(
                        f"{func}: covariate {col!r} has levels the model was not fitted on: "
                        f"{', '.join(map(repr, sorted(set(text[new]))[:5]))}.",
                        column=col,
                        rows=df.loc[new, [col]],
                        suggestion=f"use only the fitted levels {known!r}, or refit with these "
                        "customers.",
                    )
                seen = list(known)
            elif levels is not None:
                raise DataValidationError(
                    f"{func}: covariate {col!r} was numeric when the model was fitted and is "
                    f"text now (dtype {s.dtype}).",
                    column=col,
                    suggestion=f"pass {col!r} with the same dtype as at fit.",
                )
            found[col] = seen
            for level in seen[1:]:
                out[f"{col}[{level}]"] = (text == level).astype(float)
            continue
        if levels is not None and col in levels:
            raise DataValidationError(
                f"{func}: covariate {col!r} was text when the model was fitted and is "
                f"{s.dtype} now.",
                column=col,
                suggestion=f"pass {col!r} with the same dtype as at fit.",
            )
        if pd.api.types.is_bool_dtype(s):
            na = s.isna().to_numpy()
            if na.any():
                raise DataValidationError(
                    f"{func}: covariate {col!r} has {int(na.sum()):,} missing values.",
                    column=col,
                    rows=df.loc[na, [col]],
                    suggestion="fill or drop them before fitting.",
                )
            out[col] = s.to_numpy(dtype=float)
            continue
        if not pd.api.types.is_numeric_dtype(s):
            raise DataValidationError(
                f"{func}: covariate {col!r} has dtype {s.dtype}, neither numeric nor text.",
                column=col,
                rows=df[[col]].head(),
                suggestion=f"convert {col!r} to numbers or to text labels before fitting.",
            )
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(v)
        if bad.any():
            raise DataValidationError(
                f"{func}: covariate {col!r} has {int(bad.sum()):,} missing or infinite values.",
                column=col,
                rows=df.loc[bad, [col]],
                suggestion="fill them or drop those customers from both the summary and the "
                "covariate table.",
            )
        out[col] = v
    design = pd.DataFrame(out, index=index, dtype=float) if out else pd.DataFrame(index=index)
    return design, found


# ---------------------------------------------------------------------- likelihoods


def _pareto_ll(r, s, alpha_i, beta_i, x, tx, T) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood (Hardie's note 009, eq. 18-20) with per-customer
    scales; ``log A_0`` is -inf where the last purchase is at the end (its exact value)."""
    log_x = r * np.log(alpha_i) + s * np.log(beta_i) - special.gammaln(r) + special.gammaln(r + x)
    log_y = -(r + x) * np.log(alpha_i + T) - s * np.log(beta_i + T)
    rsx = r + s + x
    big = np.maximum(alpha_i, beta_i)
    b = np.where(alpha_i >= beta_i, s + 1.0, r + x)
    diff = np.abs(alpha_i - beta_i)
    with np.errstate(all="ignore"):
        f1 = special.hyp2f1(rsx, b, rsx + 1.0, diff / (big + tx))
        f2 = special.hyp2f1(rsx, b, rsx + 1.0, diff / (big + T))
        atilde = f1 - f2 * np.exp(rsx * (np.log(big + tx) - np.log(big + T)))
        log_a0 = np.where(
            (tx < T) & (atilde > 0),
            -rsx * np.log(big + tx) + np.log(np.where(atilde > 0, atilde, 1.0)),
            -np.inf,
        )
    log_z = np.log(s) - np.log(rsx) + log_a0
    return log_x + np.logaddexp(log_y, log_z)


def _pareto_log_xy(r, s, alpha_i, beta_i, x, T) -> np.ndarray:
    return (
        r * np.log(alpha_i)
        + s * np.log(beta_i)
        - special.gammaln(r)
        + special.gammaln(r + x)
        - (r + x) * np.log(alpha_i + T)
        - s * np.log(beta_i + T)
    )


def _bgnbd_ll(r, alpha_i, a_i, b_i, x, tx, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6) with
    per-customer ``alpha``, ``a`` and ``b``."""
    part1 = (
        r * np.log(alpha_i)
        + special.gammaln(r + x)
        - special.gammaln(r)
        - (r + x) * np.log(alpha_i + tx)
    )
    base = special.betaln(a_i, b_i)
    t1 = (
        special.betaln(a_i, b_i + x) - base + (r + x) * (np.log(alpha_i + tx) - np.log(alpha_i + T))
    )
    with np.errstate(all="ignore"):
        t2 = np.where(
            x > 0, special.betaln(a_i + 1.0, np.maximum(b_i + x - 1.0, 1e-300)) - base, -np.inf
        )
    return part1 + np.logaddexp(t1, t2)


# ---------------------------------------------------------------------- the models


class LRTest(NamedTuple):
    """Likelihood-ratio test of a restricted model against a fuller one."""

    chi2: float
    df: int
    p_value: float


def _hessian(f, x: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Central finite-difference gradient and Hessian of ``f`` at ``x`` (the CLV models' own)."""
    return _gradient_hessian(f, x, f(x), h)


class _CovariateModel(CLVModel):
    """Shared machinery of the static-covariate models (not used directly)."""

    _required = ("frequency", "recency", "T")
    _integer = ("frequency",)
    _needs_time_unit = True
    _has_time_axis = True
    _base_names: ClassVar[tuple[str, str, str, str]] = ("r", "alpha", "s", "beta")
    _dropout_word: ClassVar[str] = "beta"

    def __init__(
        self,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        constrained: Sequence[str] = (),
        time_unit: str | float | None = None,
        n_starts: int = 3,
        random_state=0,
        maxiter: int = 1000,
    ) -> None:
        self.purchase_covariates = purchase_covariates
        self.dropout_covariates = dropout_covariates
        self.constrained = constrained
        self.time_unit = time_unit
        self.n_starts = n_starts
        self.random_state = random_state
        self.maxiter = maxiter

    # ------------------------------------------------------------------ specification

    def _columns(self, covariates: Any) -> tuple[list[str], list[str], list[str]]:
        """(purchase, dropout, constrained) original column names, checked."""
        name = type(self).__name__
        cols = list(covariates.columns) if isinstance(covariates, pd.DataFrame) else []

        def names(value, what) -> list[str] | None:
            if value is None:
                return None
            if isinstance(value, str):
                raise DataValidationError(
                    f"{name}: {what}={value!r} must be a list of column names, not one string.",
                    suggestion=f"write {what}=[{value!r}].",
                )
            out = list(value)
            dup = {c for c in out if out.count(c) > 1}
            if dup:
                raise DataValidationError(
                    f"{name}: {what} lists {sorted(map(str, dup))} more than once.",
                    suggestion=f"list each covariate once in {what}.",
                )
            return out

        constrained = names(self.constrained, "constrained") or []
        purchase = names(self.purchase_covariates, "purchase_covariates")
        dropout = names(self.dropout_covariates, "dropout_covariates")
        if purchase is None:
            purchase = [c for c in cols if c not in constrained]
        if dropout is None:
            dropout = [c for c in cols if c not in constrained]
        both = [c for c in constrained if c in purchase or c in dropout]
        if both:
            raise DataValidationError(
                f"{name}: {both!r} is constrained (one effect on both processes) and also listed "
                "in purchase_covariates or dropout_covariates.",
                suggestion="a constrained covariate is added to both processes by itself: remove "
                "it from purchase_covariates and dropout_covariates.",
            )
        return purchase, dropout, constrained

    def _design_all(self, summary, covariates, func, *, fit: bool):
        purchase, dropout, constrained = (
            self._columns(covariates) if fit else (self.purchase_, self.dropout_, self.constrained_)
        )
        used = list(dict.fromkeys([*purchase, *dropout, *constrained]))
        if not used:
            if covariates is not None and not isinstance(covariates, pd.DataFrame):
                check_frame(covariates, [], func=func, what="covariate table", suggestion=_COV_HINT)
            design, levels = pd.DataFrame(index=summary.index), {}
        else:
            design, levels = _encode(
                covariates,
                used,
                summary.index,
                func=func,
                levels=None if fit else self.levels_,
            )

        def block(cols):
            return [
                c for orig in cols for c in design.columns if c == orig or c.startswith(f"{orig}[")
            ]

        blocks = (block(purchase), block(dropout), block(constrained))
        if fit:
            const = [c for c in design.columns if np.ptp(design[c].to_numpy()) == 0]
            if const:
                raise DataValidationError(
                    f"{func}: covariate {const[0]!r} takes one value for every customer, so its "
                    "effect cannot be told apart from the base rate.",
                    column=const[0],
                    rows=design[const].head(),
                    suggestion="drop it from the covariates (or fit on customers who differ).",
                )
        return design, levels, (purchase, dropout, constrained), blocks

    # ------------------------------------------------------------------ fit

    def fit(self, summary: pd.DataFrame, covariates: pd.DataFrame | None = None) -> _CovariateModel:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` per customer (e.g. from
            :func:`crmlib.features.rfm_summary`), with ``attrs["time_unit"]``.
        covariates : DataFrame
            One row per customer of ``summary``, indexed by customer id (see the module
            docstring for the encoding rule). May be omitted only when no process takes a
            covariate (``purchase_covariates=[]``, ``dropout_covariates=[]``).

        Returns
        -------
        self
        """
        name = f"{type(self).__name__}.fit"
        self._check_hyper_parameters()
        n_starts = int(self.n_starts)
        data, weights = self._prepare(summary, "fit")
        unit = self._resolve_time_unit(summary)
        explicit_none = (
            self.purchase_covariates is not None
            and self.dropout_covariates is not None
            and not list(self.purchase_covariates)
            and not list(self.dropout_covariates)
            and not list(self.constrained)
        )
        if covariates is None and not explicit_none:
            raise DataValidationError(
                f"{name}: no covariate table was given.",
                suggestion="pass fit(summary, covariates); for a model without covariates say so: "
                "purchase_covariates=[], dropout_covariates=[].",
            )
        design, levels, (purchase, dropout, constrained), blocks = self._design_all(
            summary, covariates, name, fit=True
        )
        if not (data["frequency"] > 0).any():
            raise DataValidationError(
                "No customer has a repeat purchase (frequency is 0 everywhere).",
                column="frequency",
                suggestion="use a longer observation window.",
            )
        self.time_unit_ = unit
        self.purchase_, self.dropout_, self.constrained_ = purchase, dropout, constrained
        self.levels_ = levels
        self.design_columns_ = {
            "purchase": blocks[0],
            "dropout": blocks[1],
            "both": blocks[2],
        }
        self._names = list(self._base_names) + [
            f"{proc}.{c}"
            for proc in ("purchase", "dropout", "both")
            for c in self.design_columns_[proc]
        ]
        w = np.ones(len(design)) if weights is None else weights
        rows, wts = self._collapse(data, design, w)
        self.n_unique_rows_ = len(wts)
        theta = self._optimise(rows, wts, n_starts)
        self._finish(theta, rows, wts)
        return self

    def _collapse(self, data, design, weights):
        mats = {
            proc: design[cols].to_numpy(dtype=float) if cols else np.zeros((len(design), 0))
            for proc, cols in self.design_columns_.items()
        }
        stacked = np.column_stack(
            [data["frequency"], data["recency"], data["T"], *[m for m in mats.values()]]
        )
        uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
        wts = np.bincount(inverse.ravel(), weights=weights)
        k = [m.shape[1] for m in mats.values()]
        o = 3
        rows = {"x": uniq[:, 0], "tx": uniq[:, 1], "T": uniq[:, 2]}
        for proc, kk in zip(mats, k, strict=True):
            rows[proc] = uniq[:, o : o + kk]
            o += kk
        return rows, wts

    def _linear(self, theta, rows) -> tuple[np.ndarray, np.ndarray]:
        kp = rows["purchase"].shape[1]
        kd = rows["dropout"].shape[1]
        g = theta[4:]
        gp, gd, gc = g[:kp], g[kp : kp + kd], g[kp + kd :]
        lin_p = rows["purchase"] @ gp + rows["both"] @ gc
        lin_d = rows["dropout"] @ gd + rows["both"] @ gc
        return lin_p, lin_d

    def _total_ll(self, theta, rows, wts) -> float:
        with np.errstate(all="ignore"):
            ll = self._ll_rows(theta, rows)
            total = float(np.sum(wts * ll))
        return total if np.isfinite(total) else -np.inf

    def _starts(self, rows, wts, n) -> list[tuple[str, np.ndarray]]:
        x, T = rows["x"], rows["T"]
        rate = float(np.sum(wts * x) / max(np.sum(wts * T), 1e-12))
        center = self._moment_start(rate, float(np.sum(wts * T) / np.sum(wts)))
        k = len(self._names) - 4
        starts = [("moments", np.r_[np.log(center), np.zeros(k)])]
        rng = (
            self.random_state
            if isinstance(self.random_state, np.random.Generator)
            else np.random.default_rng(self.random_state)
        )
        for i in range(n - 1):
            starts.append(
                (f"spread {i + 1}", np.r_[np.log(center) + rng.uniform(-1.5, 1.5, 4), np.zeros(k)])
            )
        return starts

    def _optimise(self, rows, wts, n_starts) -> np.ndarray:
        name = type(self).__name__
        n = float(wts.sum())

        def f(th):
            v = -self._total_ll(th, rows, wts) / n
            return v if np.isfinite(v) else 1e10

        def grad(th, h=1e-6):
            e = np.eye(len(th)) * h
            return np.array([(f(th + e[i]) - f(th - e[i])) / (2 * h) for i in range(len(th))])

        def polish(th):
            # Newton steps on the finite-difference Hessian: BFGS stops early on a flat ridge
            for _ in range(5):
                g, H = _hessian(f, th, 1e-4)
                try:
                    step = np.linalg.solve(H, g)
                except np.linalg.LinAlgError:
                    break
                if not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1.0:
                    break
                new = th - step
                if f(new) <= f(th) + 1e-12:
                    th = new
                if np.max(np.abs(step)) < 1e-8:
                    break
            return th

        results = []
        for label, x0 in self._starts(rows, wts, n_starts):
            try:
                res = optimize.minimize(
                    f,
                    x0,
                    jac=grad,
                    method="BFGS",
                    options={"maxiter": int(self.maxiter), "gtol": 1e-7},
                )
                th = res.x
                ll = self._total_ll(th, rows, wts)
            except (FloatingPointError, ValueError, np.linalg.LinAlgError):
                th, ll = None, np.nan
            results.append([label, th, ll if np.isfinite(ll) else np.nan])
        # polish only the best start (each polish costs a few Hessians)
        finite = [r for r in results if r[1] is not None and np.isfinite(r[2])]
        if finite:
            best_r = max(finite, key=lambda r: r[2])
            th = polish(best_r[1])
            ll = self._total_ll(th, rows, wts)
            if np.isfinite(ll) and ll >= best_r[2]:
                best_r[1], best_r[2] = th, ll
        self.start_log_likelihoods_ = pd.Series(
            {label: ll for label, _, ll in results}, name="log_likelihood", dtype=float
        )
        self.start_log_likelihoods_.index.name = "start"
        good = [r for r in results if r[1] is not None and np.isfinite(r[2])]
        if not good:
            raise ConvergenceError(
                f"{name} did not converge from any of {len(results)} starting points.",
                checklist="Things to try:\n  1. check the covariates for extreme values (scale "
                "them, e.g. income in thousands);\n  2. fit from more starting points (n_starts=);",
            )
        top = max(r[2] for r in good)
        label, best, best_ll = max(good, key=lambda r: r[2])  # the polished start
        self.best_start_ = label
        tol = max(0.5, 1e-3 * n)
        worse = [r for r in good if top - r[2] > tol]
        if worse:
            warnings.warn(
                f"{name}: {len(worse)} of {len(results)} starting points stopped more than "
                f"{tol:.2f} log-likelihood units below the best ({best_ll:,.2f}); the best is kept "
                "(start_log_likelihoods_).",
                ConvergenceWarning,
                stacklevel=3,
            )
        return best

    def _finish(self, theta, rows, wts) -> None:
        name = type(self).__name__
        n = float(wts.sum())
        k = len(theta)

        def nll(th):
            return -self._total_ll(th, rows, wts)

        grad, hess = _hessian(nll, theta, _HESS_STEP)
        natural = theta.copy()
        natural[:4] = np.exp(theta[:4])
        self.params_ = pd.Series(natural, index=self._names, name="estimate", dtype=float)
        self.log_likelihood_ = -nll(theta)
        self.n_customers_ = int(round(n)) if np.isclose(n, round(n)) else n
        self.n_params_ = k
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(n) - 2 * self.log_likelihood_
        cov = None
        if np.all(np.isfinite(hess)):
            try:
                np.linalg.cholesky(hess)
                cov = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                cov = None
        if cov is None:
            warnings.warn(
                f"{name}: the Hessian of the log-likelihood is not positive definite at the "
                "estimate, so standard errors are NaN. Check for covariates that (nearly) "
                "separate buyers from non-buyers, or drop a covariate.",
                ConvergenceWarning,
                stacklevel=3,
            )
            cov = np.full((k, k), np.nan)
        self._theta_cov = cov
        se = np.sqrt(np.diag(cov))
        jac = np.ones(k)
        jac[:4] = natural[:4]
        self.covariance_ = pd.DataFrame(
            cov * np.outer(jac, jac), index=self._names, columns=self._names
        )
        lower = theta - _Z95 * se
        upper = theta + _Z95 * se
        lower[:4], upper[:4] = np.exp(lower[:4]), np.exp(upper[:4])
        self.summary_ = pd.DataFrame(
            {"estimate": natural, "std_error": se * jac, "lower_95": lower, "upper_95": upper},
            index=pd.Index(self._names, name="parameter"),
        )[SUMMARY_COLUMNS]
        eff = self.summary_.iloc[4:].copy()
        eff.insert(0, "process", [p.split(".", 1)[0] for p in eff.index])
        eff.insert(1, "covariate", [p.split(".", 1)[1] for p in eff.index])
        eff["z"] = eff["estimate"] / eff["std_error"]
        eff["p_value"] = 2 * stats.norm.sf(np.abs(eff["z"]))
        eff["rate_multiplier"] = np.exp(eff["estimate"])
        self.effects_ = eff
        step = cov @ grad if np.all(np.isfinite(cov)) else np.zeros(k)
        if np.max(np.abs(step)) > 1e-2:
            warnings.warn(
                f"{name}: the optimiser stopped short of the maximum (a Newton step would still "
                f"move the parameters by {np.max(np.abs(step)):.2g}).",
                ConvergenceWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ evaluation

    def _theta(self) -> np.ndarray:
        th = self.params_.to_numpy(dtype=float).copy()
        th[:4] = np.log(th[:4])
        return th

    def _rows_for(self, summary, covariates, method):
        self._check_fitted()
        func = f"{type(self).__name__}.{method}"
        data, weights = self._prepare(summary, method)
        self._check_summary_unit(summary, method)
        design, _, _, _ = self._design_all(summary, covariates, func, fit=False)
        rows = {"x": data["frequency"], "tx": data["recency"], "T": data["T"]}
        for proc, cols in self.design_columns_.items():
            rows[proc] = design[cols].to_numpy(dtype=float) if cols else np.zeros((len(design), 0))
        return rows, weights

    def _check_relations(self, summary, data, index) -> None:
        from crmlib.clv._continuous import ContinuousTimeModel

        ContinuousTimeModel._check_relations(self, summary, data, index)  # same rules

    def log_likelihood(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | None = None
    ) -> float:
        """Log-likelihood of ``summary`` (with its ``covariates``) at the fitted parameters.

        Parameters
        ----------
        summary, covariates : DataFrame
            As for :meth:`fit`.

        Returns
        -------
        float
        """
        rows, weights = self._rows_for(summary, covariates, "log_likelihood")
        w = np.ones(len(rows["x"])) if weights is None else weights
        return self._total_ll(self._theta(), rows, w)

    def p_alive(self, summary: pd.DataFrame, covariates: pd.DataFrame | None = None) -> pd.Series:
        """Probability that each customer is still alive at the end of observation.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` in the model's unit.
        covariates : DataFrame
            The customers' covariates, as at fit.

        Returns
        -------
        Series
            Indexed like ``summary``.
        """
        rows, _ = self._rows_for(summary, covariates, "p_alive")
        return pd.Series(
            self._p_alive_rows(self._theta(), rows), index=summary.index, name="p_alive"
        )

    def with_params(self, params: pd.Series | Mapping[str, float]) -> _CovariateModel:
        """A copy of this fitted model evaluated at other parameter values.

        For a parametric bootstrap: draw parameter vectors from ``covariance_`` and
        predict with each copy. Standard errors and log-likelihood of the copy are those of
        the original fit.

        Parameters
        ----------
        params : Series or mapping
            A value for every name in ``params_`` (no more, no fewer); base parameters > 0.

        Returns
        -------
        model of the same class
        """
        self._check_fitted()
        p = pd.Series(params, dtype=float)
        if set(p.index) != set(self.params_.index):
            raise DataValidationError(
                f"{type(self).__name__}.with_params: expected the parameters "
                f"{list(self.params_.index)}, got {list(p.index)}.",
                suggestion="pass a Series with the same index as params_.",
            )
        p = p[self.params_.index]
        if not np.all(np.isfinite(p)) or (p.iloc[:4] <= 0).any():
            raise DataValidationError(
                f"{type(self).__name__}.with_params: parameters must be finite and "
                f"{', '.join(self._base_names)} positive.",
                rows=p.to_frame("value"),
                suggestion="draw base parameters on the log scale.",
            )
        out = copy.copy(self)
        out.params_ = p.rename("estimate")
        return out

    def customer_params(self, covariates: pd.DataFrame) -> pd.DataFrame:
        """Each customer's own scale parameters implied by her covariates.

        Parameters
        ----------
        covariates : DataFrame
            Indexed by customer id.

        Returns
        -------
        DataFrame
            Indexed like ``covariates``: ``alpha_i`` and ``beta_i`` (Pareto/NBD) or
            ``alpha_i``, ``a_i``, ``b_i`` (BG/NBD).
        """
        self._check_fitted()
        func = f"{type(self).__name__}.customer_params"
        if not isinstance(covariates, pd.DataFrame):
            check_frame(covariates, [], func=func, what="covariate table", suggestion=_COV_HINT)
        frame = pd.DataFrame({"frequency": 0, "recency": 0.0, "T": 0.0}, index=covariates.index)
        design, _, _, _ = self._design_all(frame, covariates, func, fit=False)
        rows = {}
        for proc, cols in self.design_columns_.items():
            rows[proc] = design[cols].to_numpy(dtype=float) if cols else np.zeros((len(design), 0))
        return pd.DataFrame(self._scales(self._theta(), rows), index=covariates.index)

    @property
    def _n_base(self) -> int:
        return 4


class ParetoNBDCovariates(_CovariateModel):
    """Pareto/NBD with static covariates (CLVTools' formulation).

    ``alpha_i = alpha * exp(-g_purchase' z_i)`` and ``beta_i = beta * exp(-g_dropout' z_i)``:
    a positive purchase effect raises the purchase rate, a positive dropout effect the
    dropout rate, each by the factor ``exp(effect)`` (``effects_["rate_multiplier"]``).

    Parameters
    ----------
    purchase_covariates : list of str, optional
        Covariate columns acting on the purchase rate. None (default): every column of the
        covariate table not in ``constrained``; ``[]``: none.
    dropout_covariates : list of str, optional
        Covariate columns acting on the dropout rate; same defaults.
    constrained : list of str, default ()
        Columns given one effect on both processes (added to both; not to be listed above).
    time_unit : str, float or None, default None
        Unit of ``recency`` and ``T``; None reads ``summary.attrs["time_unit"]``.
    n_starts : int, default 3
        Starting points (from the data's moments, then spread in log-space with
        ``random_state``); the best log-likelihood is kept and all are reported in
        ``start_log_likelihoods_``.
    random_state : int, Generator or None, default 0
    maxiter : int, default 1000
        BFGS iterations per start.

    Attributes
    ----------
    params_ : Series
        ``r, alpha, s, beta`` then the effects ``"purchase.<col>"``, ``"dropout.<col>"``,
        ``"both.<col>"`` (``<col>`` is the design column: the covariate, or
        ``"col[level]"`` for a level of a categorical one).
    summary_ : DataFrame
        ``estimate, std_error, lower_95, upper_95`` of every parameter (intervals of the
        base parameters on the log scale, of effects on their own scale).
    effects_ : DataFrame
        The effects only, with ``process``, ``covariate``, ``z``, ``p_value`` (Wald) and
        ``rate_multiplier`` (``exp(estimate)``).
    covariance_ : DataFrame
        Asymptotic covariance of ``params_`` (inverse observed information; delta method
        for the base parameters).
    log_likelihood_, aic_, bic_, n_customers_, n_params_, n_unique_rows_, time_unit_
    design_columns_ : dict
        The design columns of each process (``"purchase"``, ``"dropout"``, ``"both"``).
    levels_ : dict
        Sorted levels of each categorical covariate (the first is the reference).

    Examples
    --------
    Does the month of acquisition of CDNOW's cohort change how often customers buy, or how
    soon they leave? (A text covariate: February, first in sorted order, is the reference.)

    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> tx = load_cdnow()
    >>> s = rfm_summary(tx[tx["date"] <= "1997-09-30"], observation_end="1997-09-30", time_unit="W")
    >>> z = s["first_purchase"].dt.month.map({1: "Jan", 2: "Feb", 3: "Mar"}).to_frame("cohort")
    >>> m = ParetoNBDCovariates(n_starts=1).fit(s, z)
    >>> m.levels_
    {'cohort': ['Feb', 'Jan', 'Mar']}
    >>> m.effects_[["estimate", "p_value"]].round(2)
                          estimate  p_value
    parameter
    purchase.cohort[Jan]     -0.09     0.42
    purchase.cohort[Mar]     -0.15     0.19
    dropout.cohort[Jan]      -0.30     0.21
    dropout.cohort[Mar]      -0.41     0.13
    """

    _base_names = ("r", "alpha", "s", "beta")

    @staticmethod
    def _moment_start(rate, mean_t):
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, mean_t])

    def _scales(self, theta, rows) -> dict[str, np.ndarray]:
        lin_p, lin_d = self._linear(theta, rows)
        return {
            "alpha_i": np.exp(theta[1] - lin_p),
            "beta_i": np.exp(theta[3] - lin_d),
        }

    def _ll_rows(self, theta, rows) -> np.ndarray:
        r, s = np.exp(theta[0]), np.exp(theta[2])
        sc = self._scales(theta, rows)
        return _pareto_ll(r, s, sc["alpha_i"], sc["beta_i"], rows["x"], rows["tx"], rows["T"])

    def _p_alive_rows(self, theta, rows) -> np.ndarray:
        r, s = np.exp(theta[0]), np.exp(theta[2])
        sc = self._scales(theta, rows)
        ll = _pareto_ll(r, s, sc["alpha_i"], sc["beta_i"], rows["x"], rows["tx"], rows["T"])
        return np.clip(
            np.exp(_pareto_log_xy(r, s, sc["alpha_i"], sc["beta_i"], rows["x"], rows["T"]) - ll),
            0,
            1,
        )

    def expected_purchases(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | None = None, horizon="52W"
    ) -> pd.Series:
        """Expected repeat purchases of each customer in the ``horizon`` after observation.

        ``P(alive) * (r + x)(beta_i + T) / ((alpha_i + T)(s - 1)) * (1 - ((beta_i + T) /
        (beta_i + T + t)) ** (s - 1))`` (Hardie's note 009 with each customer's scales).

        Parameters
        ----------
        summary, covariates : DataFrame
            As for :meth:`p_alive`.
        horizon : str or Timedelta
            Forecast window with its unit (``"39W"``, ``"12M"``); a bare number is refused.

        Returns
        -------
        Series
        """
        rows, _ = self._rows_for(summary, covariates, "expected_purchases")
        t = self._duration(horizon, "horizon")
        th = self._theta()
        r, s = np.exp(th[0]), np.exp(th[2])
        sc = self._scales(th, rows)
        a, b = sc["alpha_i"] + rows["T"], sc["beta_i"] + rows["T"]
        log_q = np.log(b) - np.log(b + t)
        if abs(s - 1.0) < 1e-8:
            tail = -log_q
        else:
            tail = -np.expm1((s - 1.0) * log_q) / (s - 1.0)
        v = self._p_alive_rows(th, rows) * (r + rows["x"]) * b / a * tail
        return pd.Series(v, index=summary.index, name="expected_purchases")

    def dert(
        self,
        summary: pd.DataFrame,
        covariates: pd.DataFrame | None = None,
        *,
        continuous_rate_per_year: float,
    ) -> pd.Series:
        """Discounted expected residual transactions of each customer: the closed form of
        :meth:`crmlib.clv.ParetoNBD.dert` (Fader, Hardie & Lee 2005, "RFM and CLV") with
        her own ``alpha_i`` and ``beta_i``, as CLVTools computes it.

        Parameters
        ----------
        summary, covariates : DataFrame
            As at fit.
        continuous_rate_per_year : float
            Continuously compounded discount rate per YEAR (> 0); 10% a year effective is
            ``log(1.10)`` = 0.0953. Converted to the model's time unit.

        Returns
        -------
        Series
            Indexed like ``summary``, in purchases.
        """

        rows, _ = self._rows_for(summary, covariates, "dert")
        delta = self._dert_discount(continuous_rate_per_year)
        th = self._theta()
        r, s = np.exp(th[0]), np.exp(th[2])
        sc = self._scales(th, rows)
        al, be, x, T = sc["alpha_i"], sc["beta_i"], rows["x"], rows["T"]
        with np.errstate(all="ignore"):
            log_v = (
                r * np.log(al)
                + s * np.log(be)
                + (s - 1.0) * np.log(delta)
                + special.gammaln(r + x + 1.0)
                + np.log(special.hyperu(s, s, delta * (be + T)))
                - special.gammaln(r)
                - (r + x + 1.0) * np.log(al + T)
                - _pareto_ll(r, s, al, be, x, rows["tx"], T)
            )
        return pd.Series(np.exp(log_v), index=summary.index, name="dert")


class BetaGeoCovariates(_CovariateModel):
    """BG/NBD with static covariates (CLVTools' formulation).

    ``alpha_i = alpha * exp(-g_purchase' z_i)``; ``a_i = a * exp(g_dropout' z_i)`` and
    ``b_i = b * exp(g_dropout' z_i)``. A positive purchase effect raises the purchase rate
    by ``exp(effect)``; a dropout effect scales both shapes of the Beta distribution of the
    dropout probability, keeping its mean ``a / (a + b)``: a positive effect concentrates
    customers' dropout probabilities around the mean, a negative one spreads them.

    Parameters and attributes are those of :class:`ParetoNBDCovariates`, with base
    parameters ``r, alpha, a, b``.
    """

    _base_names = ("r", "alpha", "a", "b")

    @staticmethod
    def _moment_start(rate, mean_t):
        return np.array([1.0, 1.0 / max(rate, 1e-6), 1.0, 3.0])

    def _scales(self, theta, rows) -> dict[str, np.ndarray]:
        lin_p, lin_d = self._linear(theta, rows)
        return {
            "alpha_i": np.exp(theta[1] - lin_p),
            "a_i": np.exp(theta[2] + lin_d),
            "b_i": np.exp(theta[3] + lin_d),
        }

    def _ll_rows(self, theta, rows) -> np.ndarray:
        r = np.exp(theta[0])
        sc = self._scales(theta, rows)
        return _bgnbd_ll(r, sc["alpha_i"], sc["a_i"], sc["b_i"], rows["x"], rows["tx"], rows["T"])

    def _p_alive_rows(self, theta, rows) -> np.ndarray:
        r = np.exp(theta[0])
        sc = self._scales(theta, rows)
        x = rows["x"]
        with np.errstate(all="ignore"):
            odds = np.where(
                x > 0,
                sc["a_i"]
                / np.maximum(sc["b_i"] + x - 1.0, 1e-300)
                * ((sc["alpha_i"] + rows["T"]) / (sc["alpha_i"] + rows["tx"])) ** (r + x),
                0.0,
            )
        return 1.0 / (1.0 + odds)

    def expected_purchases(
        self, summary: pd.DataFrame, covariates: pd.DataFrame | None = None, horizon="52W"
    ) -> pd.Series:
        """Expected repeat purchases of each customer in the ``horizon`` after observation
        (Fader, Hardie & Lee 2005, eq. 10, with each customer's parameters).

        Parameters
        ----------
        summary, covariates : DataFrame
            As at fit.
        horizon : str or Timedelta
            Forecast window with its unit.

        Returns
        -------
        Series
        """
        rows, _ = self._rows_for(summary, covariates, "expected_purchases")
        t = self._duration(horizon, "horizon")
        th = self._theta()
        r = np.exp(th[0])
        sc = self._scales(th, rows)
        x, T = rows["x"], rows["T"]
        al, a, b = sc["alpha_i"], sc["a_i"], sc["b_i"]
        with np.errstate(all="ignore"):
            term1 = (a + b + x - 1.0) / (a - 1.0)
            term2 = 1.0 - ((al + T) / (al + T + t)) ** (r + x) * special.hyp2f1(
                r + x, b + x, a + b + x - 1.0, t / (al + T + t)
            )
        v = term1 * term2 * self._p_alive_rows(th, rows)
        return pd.Series(v, index=summary.index, name="expected_purchases")


def lr_test(restricted: _CovariateModel | CLVModel, full: _CovariateModel | CLVModel) -> LRTest:
    """Likelihood-ratio test of a restricted (nested) model against a fuller one.

    ``chi2 = 2 (LL_full - LL_restricted)`` on ``df`` = the difference in the number of
    parameters; ``p_value`` from the chi-squared distribution. Valid when the restricted
    model is the full one with some effects fixed (at 0, or equal across processes) and
    both were fitted to the same customers.

    Parameters
    ----------
    restricted, full : fitted models
        E.g. a :class:`ParetoNBDCovariates` with ``constrained=["gender"]`` and one with
        gender in both processes; or a plain :class:`~crmlib.clv.ParetoNBD` and a covariate
        model.

    Returns
    -------
    LRTest
        ``(chi2, df, p_value)``.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> a = NS(log_likelihood_=-5826.5342, params_=pd.Series(range(7)), n_customers_=600)
    >>> b = NS(log_likelihood_=-5821.0627, params_=pd.Series(range(8)), n_customers_=600)
    >>> t = lr_test(a, b)
    >>> round(t.chi2, 3), t.df, round(t.p_value, 5)
    (10.943, 1, 0.00094)
    """
    for m, what in ((restricted, "restricted"), (full, "full")):
        if not hasattr(m, "log_likelihood_") or not hasattr(m, "params_"):
            raise DataValidationError(
                f"lr_test: the {what} model is not fitted.",
                suggestion="fit both models on the same summary first.",
            )
    k_r, k_f = len(restricted.params_), len(full.params_)
    df = k_f - k_r
    if df <= 0:
        raise DataValidationError(
            f"lr_test: the restricted model has {k_r} parameters and the full one {k_f}; the "
            "restricted model must have fewer.",
            suggestion="pass the smaller (nested) model first: lr_test(restricted, full).",
        )
    if getattr(restricted, "n_customers_", None) != getattr(full, "n_customers_", None):
        raise DataValidationError(
            f"lr_test: the models were fitted on different numbers of customers "
            f"({restricted.n_customers_:,} and {full.n_customers_:,}).",
            suggestion="fit both models on the same summary.",
        )
    chi2 = 2.0 * (float(full.log_likelihood_) - float(restricted.log_likelihood_))
    if chi2 < -1e-3:
        raise DataValidationError(
            f"lr_test: the full model's log-likelihood ({full.log_likelihood_:,.4f}) is below the "
            f"restricted one's ({restricted.log_likelihood_:,.4f}): the full fit stopped short or "
            "the models are not nested.",
            suggestion="refit the full model from more starting points (n_starts=), or check "
            "that the restricted model is the full one with some effects fixed.",
        )
    chi2 = max(chi2, 0.0)
    return LRTest(chi2=chi2, df=int(df), p_value=float(stats.chi2.sf(chi2, df)))

"""Baselines a churn classifier has to beat, as scikit-learn classifiers.

* :class:`RecencyRule`: the course's mailing rule, "send the catalogue only to members who
  bought within the last 3 months" (最近3个月内有购买): a customer who has not bought
  for ``days`` days is flagged as churning. No model, one column.
* :class:`BTYDChurnBaseline`: a BG/NBD model (Fader, Hardie & Lee 2005) fitted on the
  customers' frequency, active span and tenure. It needs no churn labels at all. Its
  score is 1 − P(alive), or, with ``horizon_days``, the model's probability of no
  purchase in the next ``horizon_days``, which is exactly what the churn label measures.

Both take the feature table of :func:`crmlib.churn.churn_features` (a DataFrame with named
columns) or, for scikit-learn's generic checks, a plain array with the columns given by
position.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, gammaln
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from crmlib import exceptions
from crmlib.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    missing_columns_error,
)

__all__ = [
    "BTYDChurnBaseline",
    "RecencyRule",
    "bgnbd_log_likelihood",
    "bgnbd_prob_alive",
    "bgnbd_prob_no_purchase",
]


class NotFittedError(exceptions.NotFittedError, SklearnNotFittedError):
    """crmlib's not-fitted error that scikit-learn's tools also recognise as their own."""


def _binary_classes(y) -> np.ndarray:
    check_classification_targets(y)
    classes = np.unique(np.asarray(y))
    if classes.size != 2:
        # scikit-learn's checks look for "Only binary classification is supported" and
        # "1 class" in this message
        raise DataValidationError(
            f"Only binary classification is supported: a churn baseline needs two classes in "
            f"y (churned / not), got {classes.size} class{'' if classes.size == 1 else 'es'}: "
            f"{[c.item() if hasattr(c, 'item') else c for c in classes[:5]]}.",
            suggestion="pass 0/1 churn labels from crmlib.churn.churn_labels.",
        )
    return classes


def _finite(values: np.ndarray, column: str | int) -> np.ndarray:
    """The column itself, or an error naming it when it holds NaN or infinity."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"Column {column!r} has {int(bad.sum()):,} missing or infinite values "
            "(the input contains NaN or infinity).",
            column=str(column),
            rows=pd.DataFrame({str(column): values[bad]}),
            suggestion="the baseline's columns must be complete; churn_features fills them for "
            "every customer.",
        )
    return values


def _column_index(est: BaseEstimator, column: str | int, role: str) -> int:
    """Position of ``column`` among the fitted features (a name, or a position)."""
    n = est.n_features_in_
    if isinstance(column, (int, np.integer)) and not isinstance(column, bool):
        if not -n <= column < n:
            raise DataValidationError(
                f"{role} column position {column} is out of range for {n} feature(s).",
                suggestion="pass a column name or a valid position.",
            )
        return int(column) % n
    names = list(getattr(est, "feature_names_in_", []))
    if not names:
        raise DataValidationError(
            f"{role} column {column!r} is a name, but X has no column names.",
            suggestion="pass a DataFrame with named columns (churn_features output), or give "
            "the column by position.",
        )
    if column not in names:
        raise missing_columns_error([str(column)], names, what=f"features ({role})")
    return names.index(column)


class RecencyRule(ClassifierMixin, BaseEstimator):
    """The "bought within the last ``days`` days" rule as a classifier.

    ``predict`` flags a customer as churning when ``days_since_last >= days``: the mailing
    rule of the course (DM only to members who bought within 3 months), read as a churn
    prediction. ``predict_proba`` turns recency into a probability with a one-variable
    logistic regression fitted on the training labels, so the *ranking* is by recency
    alone and the probabilities are comparable with the other models' (for calibration
    and profit curves).

    Parameters
    ----------
    days : float, default 90
        Threshold of ``predict``; 90 days is the course's "3 months".
    column : str or int, default "days_since_last"
        The recency column: a name in a DataFrame, or a position.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is "churned".
    coef_, intercept_ : float
        Slope (per day) and intercept of the recency-to-probability map.
    n_features_in_, feature_names_in_ : as in scikit-learn.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"days_since_last": [5.0, 20.0, 100.0, 200.0]})
    >>> rule = RecencyRule(days=90).fit(X, [0, 0, 1, 1])
    >>> rule.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, days: float = 90, column: str | int = "days_since_last") -> None:
        self.days = days
        self.column = column

    def fit(self, X, y) -> RecencyRule:
        """Learn the recency-to-probability map from labelled customers.

        Parameters
        ----------
        X : DataFrame or array of shape (n_customers, n_features)
        y : array-like of shape (n_customers,)
            Two classes; the larger label (1) means churned.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, ensure_min_samples=2, dtype="float64", ensure_all_finite="allow-nan")
        self.classes_ = _binary_classes(y)
        x = _finite(X[:, _column_index(self, self.column, "recency")], self.column)
        target = (np.asarray(y) == self.classes_[1]).astype(float)
        from sklearn.linear_model import LogisticRegression

        scale = float(np.std(x)) or 1.0
        fit = LogisticRegression(C=1e4).fit((x / scale)[:, None], target)
        self.coef_ = float(fit.coef_[0, 0]) / scale
        self.intercept_ = float(fit.intercept_[0])
        return self

    def _recency(self, X) -> np.ndarray:
        if not hasattr(self, "classes_"):
            raise NotFittedError(self)
        X = validate_data(self, X, reset=False, dtype="float64", ensure_all_finite="allow-nan")
        return _finite(X[:, _column_index(self, self.column, "recency")], self.column)

    def decision_function(self, X) -> np.ndarray:
        """Days past the threshold: positive means "flagged as churning"."""
        return self._recency(X) - float(self.days)

    def predict_proba(self, X) -> np.ndarray:
        """Columns ``[P(not churned), P(churned)]`` from recency."""
        days = self._recency(X)  # raises first when not fitted
        p = expit(self.intercept_ + self.coef_ * days)
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` (churned) when ``days_since_last >= days``."""
        flagged = self.decision_function(X) >= 0  # raises first when not fitted
        return self.classes_[flagged.astype(int)]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "classes_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


# ------------------------------------------------------------------ BG/NBD closed forms


def bgnbd_prob_alive(params, frequency, recency, T) -> np.ndarray:
    """P(alive) of BG/NBD customers (Fader, Hardie & Lee 2005, eq. 11).

    Parameters
    ----------
    params : mapping or Series
        ``r``, ``alpha``, ``a``, ``b`` in the time unit of ``recency`` and ``T``.
    frequency, recency, T : array-like
        Repeat purchases x, time of the last purchase t_x and age T.

    Returns
    -------
    ndarray
        1 for customers without a repeat purchase: in BG/NBD a customer can only drop
        out right after a repeat purchase.

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> round(float(bgnbd_prob_alive(p, 2, 30.43, 38.86)[0]), 3)
    0.727
    """
    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    x, tx, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (frequency, recency, T))
    repeat = x > 0
    # log of the odds of "dead": a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x), only when x > 0
    log_odds = np.full(x.shape, -np.inf)
    xr = x[repeat]
    log_odds[repeat] = (
        np.log(a) - np.log(b + xr - 1.0) + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + tx[repeat]))
    )
    return expit(-log_odds)


def bgnbd_prob_no_purchase(params, frequency, recency, T, t) -> np.ndarray:
    """Probability that a BG/NBD customer makes no purchase in the next ``t`` time units.

    P(X(T, T+t) = 0 | x, t_x, T) = (1 − P(alive)) + P(alive) · ((α+T)/(α+T+t))^(r+x):
    a dead customer never buys; a live one has purchase rate λ ~ Gamma(r+x, α+T) given
    the history, and cannot drop out before a purchase. This is the probability of the
    churn label (no purchase in the horizon) under the model.

    Parameters
    ----------
    params : mapping or Series
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        x, t_x and T, in the same time unit as the parameters.
    t : float
        Length of the future window, same unit.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> round(float(bgnbd_prob_no_purchase(p, 0, 0.0, 0.0, 39.0)[0]), 4)  # a new customer
    0.5738
    """
    r, alpha = float(params["r"]), float(params["alpha"])
    x, T = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (frequency, T))
    alive = bgnbd_prob_alive(params, frequency, recency, T)
    quiet_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + float(t))))
    return (1.0 - alive) + alive * quiet_if_alive


class BTYDChurnBaseline(ClassifierMixin, BaseEstimator):
    """Churn scores from a BG/NBD model: 1 − P(alive), or P(no purchase in a horizon).

    ``fit`` estimates BG/NBD's four parameters by maximum likelihood on the customers'
    (frequency, active span, tenure); identical rows are collapsed and weighted, which
    gives the same fit much faster. The labels are not used to fit: the baseline works
    for a firm that has never labelled a churner. ``y``, when given, only names the
    classes.

    Parameters
    ----------
    columns : sequence of three str or int, default ("frequency", "active_span_days", "tenure_days")
        The x, t_x and T columns (names in a DataFrame, or positions), times in days.
    horizon_days : float, optional
        None (default): the score is 1 − P(alive). A number: the score is the model's
        probability of no purchase in the next ``horizon_days``, the quantity a churn
        label with that horizon measures. One-time buyers always have P(alive) = 1 in
        BG/NBD, so 1 − P(alive) cannot rank them; the horizon score can.
    time_scale : float, default 7.0
        Days per model time unit; 7 fits in weeks, which keeps the optimiser well scaled.
    threshold : float, default 0.5
        ``predict`` flags a customer when the score reaches it.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (per model time unit), ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood at ``params_``.
    fitted_with_ : str
        "crmlib.clv.BetaGeo", or "bounded maximum likelihood" when that did not converge
        (an optimum on the edge of the parameter space).
    dropout_identified_ : bool
        False when the likelihood is maximal with no dropout (the estimate sits on the
        edge of the parameter space, or removing dropout costs less than 0.01 in
        log-likelihood); a :class:`~crmlib.exceptions.ConvergenceWarning` then says what
        it means.
    classes_ : ndarray of shape (2,)
    n_features_in_, feature_names_in_ : as in scikit-learn.

    Warns
    -----
    ConvergenceWarning
        When the data show no dropout: BG/NBD then reduces to the NBD model and
        1 − P(alive) is about 0 for everyone.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.churn import churn_features
    >>> X = churn_features(load_cdnow(), cutoff="1997-10-01")
    >>> model = BTYDChurnBaseline().fit(X)
    >>> model.params_.round(2).to_dict()
    {'r': 0.24, 'alpha': 4.42, 'a': 0.79, 'b': 2.42}
    """

    def __init__(
        self,
        columns: Sequence[str | int] = ("frequency", "active_span_days", "tenure_days"),
        horizon_days: float | None = None,
        time_scale: float = 7.0,
        threshold: float = 0.5,
    ) -> None:
        self.columns = columns
        self.horizon_days = horizon_days
        self.time_scale = time_scale
        self.threshold = threshold

    def _xtT(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(self.columns) != 3:
            raise DataValidationError(
                f"columns must name the frequency, active span and tenure columns (3), got "
                f"{len(self.columns)}.",
                suggestion="keep the default ('frequency', 'active_span_days', 'tenure_days').",
            )
        idx = [_column_index(self, c, role) for c, role in zip(self.columns, ("frequency", "active span", "tenure"), strict=True)]
        x, tx, T = (_finite(X[:, i], c) for i, c in zip(idx, self.columns, strict=True))
        scale = float(self.time_scale)
        names = [str(c) for c in self.columns]
        frame = pd.DataFrame({names[0]: x, names[1]: tx, names[2]: T})
        problems = [
            (x < 0) | (x != np.round(x)),
            (tx < 0) | (tx > T),
            (x == 0) & (tx != 0),
        ]
        what = [
            f"{names[0]!r} must be a whole number of repeat purchases >= 0",
            f"{names[1]!r} must lie between 0 and {names[2]!r}",
            f"{names[1]!r} must be 0 for customers without repeat purchases",
        ]
        for bad, msg in zip(problems, what, strict=True):
            if bad.any():
                raise DataValidationError(
                    f"{int(bad.sum()):,} customers cannot be BG/NBD inputs: {msg}.",
                    column=names[0],
                    rows=frame[bad],
                    suggestion="pass the churn_features output (or an RFM summary in lifetimes' "
                    "conventions) and name its frequency, recency and T columns in columns=.",
                )
        return x, tx / scale, T / scale

    def fit(self, X, y=None) -> BTYDChurnBaseline:
        """Fit BG/NBD by maximum likelihood on collapsed (x, t_x, T) rows.

        Parameters
        ----------
        X : DataFrame or array
            Holds the three columns named in ``columns``.
        y : array-like, optional
            Ignored for fitting; only sets ``classes_`` (default ``[0, 1]``).

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype="float64", ensure_all_finite="allow-nan")
        self.classes_ = np.array([0, 1]) if y is None else _binary_classes(y)
        x, tx, T = self._xtT(X)
        rows = pd.DataFrame({"x": x, "tx": tx, "T": T}).value_counts().reset_index()
        if (rows["x"] > 0).sum() == 0:
            raise DataValidationError(
                "No customer has a repeat purchase, so BG/NBD's dropout process cannot be "
                "estimated (the likelihood has no maximum).",
                column=str(self.columns[0]),
                suggestion="use an earlier cutoff or a longer history, or the RecencyRule baseline.",
            )
        self.params_, self.fitted_with_ = _fit_bgnbd(rows)
        self.log_likelihood_ = float(
            bgnbd_log_likelihood(self.params_, rows["x"], rows["tx"], rows["T"], rows["count"])
        )
        # Dropout is identified when removing it (a -> 0: dropout probability ~0) costs
        # likelihood; on a flat ridge towards a -> 0 the estimate of a is arbitrary.
        no_dropout = self.params_.copy()
        no_dropout["a"] = _BOUNDS[0]
        loss = self.log_likelihood_ - bgnbd_log_likelihood(no_dropout, rows["x"], rows["tx"], rows["T"], rows["count"])
        self.dropout_identified_ = bool(_inside(self.params_) and loss > _FLAT)
        if not self.dropout_identified_:
            a, b = self.params_["a"], self.params_["b"]
            warnings.warn(
                f"BG/NBD's likelihood is maximal at the edge of the parameter space, with no dropout "
                f"(a={a:.3g}, b={b:.3g}; mean dropout probability a/(a+b)={a / (a + b):.2g}). These "
                "data show no sign of customers dropping out after a purchase, so BG/NBD reduces "
                "to the NBD model: P(alive) is about 1 for everyone and 1 - P(alive) cannot rank "
                "customers. "
                + (
                    "The score used here, the probability of no purchase in the next "
                    f"{self.horizon_days:g} days, remains meaningful (the NBD model's)."
                    if self.horizon_days is not None
                    else "Use horizon_days= to score the probability of no purchase in a "
                    "horizon instead, or a longer history."
                ),
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _score(self, X) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise NotFittedError(self)
        X = validate_data(self, X, reset=False, dtype="float64", ensure_all_finite="allow-nan")
        x, tx, T = self._xtT(X)
        if self.horizon_days is None:
            return 1.0 - bgnbd_prob_alive(self.params_, x, tx, T)
        return bgnbd_prob_no_purchase(self.params_, x, tx, T, float(self.horizon_days) / float(self.time_scale))

    def predict_proba(self, X) -> np.ndarray:
        """Columns ``[1 − score, score]``; the score is the churn probability."""
        s = np.clip(self._score(X), 0.0, 1.0)
        return np.column_stack([1.0 - s, s])

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` when the churn score is at least ``threshold``."""
        flagged = self._score(X) >= self.threshold  # raises first when not fitted
        return self.classes_[flagged.astype(int)]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "params_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.target_tags.required = False
        return tags


#: Bounds of the fallback maximum-likelihood search, natural scale.
_BOUNDS = (1e-6, 1e6)
#: Log-likelihood lost by removing dropout below which dropout counts as not identified.
_FLAT = 0.01


def bgnbd_log_likelihood(params, frequency, recency, T, weights=None) -> float:
    """Total BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6; Hardie's note 004).

    Parameters
    ----------
    params : mapping or Series
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        x, t_x, T in the time unit of ``alpha``.
    weights : array-like, optional
        Customers per row (for collapsed data).

    Returns
    -------
    float

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.churn import churn_features
    >>> X = churn_features(load_cdnow().assign(amount=lambda d: d["amount"] + 1), "1997-10-01")
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # the paper's estimates
    >>> round(bgnbd_log_likelihood(p, X["frequency"], X["active_span_days"] / 7, X["tenure_days"] / 7), 1)
    -9582.4
    """
    r, alpha, a, b = (float(params[k]) for k in ("r", "alpha", "a", "b"))
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(
        x > 0,
        np.log(a) - np.log(b + np.maximum(x, 1.0) - 1.0) - (r + x) * np.log(alpha + tx),
        -np.inf,
    )
    return float(np.sum(w * (a1 + a2 + np.logaddexp(a3, a4))))


def _inside(params: pd.Series) -> bool:
    lo, hi = np.log(_BOUNDS)
    theta = np.log(params.to_numpy(dtype="float64"))
    return bool(np.all((theta > lo + 1e-3) & (theta < hi - 1e-3)))


def _fit_bgnbd(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """Maximum-likelihood BG/NBD parameters from collapsed rows (``x, tx, T, count``).

    First :class:`crmlib.clv.BetaGeo` (lifetimes' optimiser, with crmlib's convergence
    checks). When it is unavailable or does not converge, which happens when the maximum
    lies on the edge of the parameter space (no dropout in the data, say), a bounded
    search (L-BFGS-B on log-parameters within ``_BOUNDS``) finds that edge maximum.
    """
    try:
        with warnings.catch_warnings():
            # lifetimes sets a pandas option at import (a Pandas4Warning) and resets warning
            # filters inside its likelihood; both stay inside this block. A doubtful fit
            # is treated as no fit.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", ConvergenceWarning)
            from crmlib.clv import BetaGeo

            summary = pd.DataFrame(
                {"frequency": rows["x"], "recency": rows["tx"], "T": rows["T"], "weights": rows["count"]}
            )
            model = BetaGeo().fit(summary)
        params = model.params_[["r", "alpha", "a", "b"]].astype("float64")
        if np.all(np.isfinite(params)) and _inside(params):
            return params.rename(None), "crmlib.clv.BetaGeo"
    except (ImportError, ConvergenceError, ConvergenceWarning, DataValidationError, ValueError):
        pass
    return _fit_bounded(rows), "bounded maximum likelihood"


def _fit_bounded(rows: pd.DataFrame) -> pd.Series:
    from scipy.optimize import minimize

    x, tx, T, w = (rows[c].to_numpy(dtype="float64") for c in ("x", "tx", "T", "count"))
    n = w.sum()
    names = ("r", "alpha", "a", "b")

    def nll(theta: np.ndarray) -> float:
        value = -bgnbd_log_likelihood(dict(zip(names, np.exp(theta), strict=True)), x, tx, T, w) / n
        return value if np.isfinite(value) else 1e10

    bounds = [tuple(np.log(_BOUNDS))] * 4
    best = None
    # two starts: lifetimes' default and a CDNOW-like point; the better optimum wins
    for start in (np.log([0.1, 0.1 * T.mean(), 0.1, 0.1]), np.log([0.5, max(T.mean(), 1.0), 1.0, 2.0])):
        with np.errstate(all="ignore"):
            res = minimize(nll, start, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-9})
        if best is None or res.fun < best.fun:
            best = res
    if best is None or not np.isfinite(best.fun) or best.fun >= 1e10:  # pragma: no cover
        raise ConvergenceError("BG/NBD: no finite maximum of the likelihood was found.")
    return pd.Series(np.exp(best.x), index=list(names), dtype="float64")

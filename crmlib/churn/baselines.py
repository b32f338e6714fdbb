"""Baselines a churn classifier has to beat, as scikit-learn classifiers.

* :class:`RecencyRule`: the course's mailing rule, "send the catalogue only to members who
  bought within the last 3 months" (最近3个月内有购买): a customer who has not bought
  for ``days`` days is flagged as churning. No model, one column.
* :class:`BTYDChurnBaseline`: a BG/NBD model (Fader, Hardie & Lee 2005), the one in
  :class:`crmlib.clv.BetaGeo`, fitted on the customers' frequency, active span and
  tenure. It needs no churn labels at all. Its score is 1 − P(alive), or, with
  ``horizon_days``, the model's probability of no purchase in the next ``horizon_days``
  (:meth:`crmlib.clv.BetaGeo.prob_no_purchase`), which is exactly what the churn label
  measures.

Both take the feature table of :func:`crmlib.churn.churn_features` (a DataFrame with named
columns) or, for scikit-learn's generic checks, a plain array with the columns given by
position.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from crmlib import exceptions
from crmlib.conventions import to_duration, to_number, unit_days
from crmlib.exceptions import (
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
)

__all__ = ["BTYDChurnBaseline", "RecencyRule"]


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
        raise DataValidationError(
            f"{role} column {column!r} is not among X's columns ({', '.join(map(repr, names))}).",
            column=str(column),
            suggestion="pass X = churn_features(...) output, or set the baseline's columns= to names X has.",
        )
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


class BTYDChurnBaseline(ClassifierMixin, BaseEstimator):
    """Churn scores from a BG/NBD model: 1 − P(alive), or P(no purchase in a horizon).

    ``fit`` estimates BG/NBD's four parameters by maximum likelihood on the customers'
    (frequency, active span, tenure) with :class:`crmlib.clv.BetaGeo` (which collapses
    identical rows). The labels are not used to fit: the baseline works for a firm that
    has never labelled a churner. ``y``, when given, only names the classes.

    Parameters
    ----------
    columns : sequence of three str or int, default ("frequency", "active_span_days", "tenure_days")
        The x, t_x and T columns (names in a DataFrame, or positions), times in days.
    horizon_days : float, optional
        None (default): the score is 1 − P(alive). A number of days: the score is the
        model's probability of no purchase in the next ``horizon_days``, the quantity a
        churn label with that horizon measures. One-time buyers always have P(alive) = 1
        in BG/NBD, so 1 − P(alive) cannot rank them; the horizon score can.
    time_unit : str or float, default "W"
        The model's time unit (see :func:`crmlib.conventions.unit_days`); the day
        columns are converted to it. Weeks keep the optimiser well scaled.
    threshold : float, default 0.5
        ``predict`` flags a customer when the score reaches it.

    Attributes
    ----------
    model_ : crmlib.clv.BetaGeo
        The fitted BG/NBD model (its ``summary_`` is the parameter table).
    params_ : Series
        ``r``, ``alpha`` (per model time unit), ``a``, ``b``.
    log_likelihood_ : float
        Log-likelihood at ``params_``.
    fitted_with_ : str
        "crmlib.clv.BetaGeo", or, when the unpenalised fit was doubtful because its
        maximum lies on the edge of the parameter space, the tiny-penalty refit used.
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
    >>> X = churn_features(load_cdnow(), observation_end="1997-09-30")
    >>> model = BTYDChurnBaseline().fit(X)
    >>> model.params_.round(2).to_dict()
    {'r': 0.24, 'alpha': 4.41, 'a': 0.79, 'b': 2.43}
    """

    def __init__(
        self,
        columns: Sequence[str | int] = ("frequency", "active_span_days", "tenure_days"),
        horizon_days: float | None = None,
        time_unit: str | float = "W",
        threshold: float = 0.5,
    ) -> None:
        self.columns = columns
        self.horizon_days = horizon_days
        self.time_unit = time_unit
        self.threshold = threshold

    def _summary(self, X: np.ndarray) -> pd.DataFrame:
        """The RFM summary BetaGeo reads, in the model's time unit."""
        x, tx, T = self._xtT(X)
        return pd.DataFrame({"frequency": x, "recency": tx, "T": T})

    def _xtT(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(self.columns) != 3:
            raise DataValidationError(
                f"columns must name the frequency, active span and tenure columns (3), got "
                f"{len(self.columns)}.",
                suggestion="keep the default ('frequency', 'active_span_days', 'tenure_days').",
            )
        idx = [_column_index(self, c, role) for c, role in zip(self.columns, ("frequency", "active span", "tenure"), strict=True)]
        x, tx, T = (_finite(X[:, i], c) for i, c in zip(idx, self.columns, strict=True))
        scale = unit_days(self.time_unit)
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
        """Fit BG/NBD (:class:`crmlib.clv.BetaGeo`) by maximum likelihood.

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
        if self.horizon_days is not None:
            to_duration(self.horizon_days, "horizon_days", unit="D")
        to_number(self.threshold, "threshold", low=0, high=1, example="0.5")
        summary = self._summary(X)
        if (summary["frequency"] > 0).sum() == 0:
            raise DataValidationError(
                "No customer has a repeat purchase, so BG/NBD's dropout process cannot be "
                "estimated (the likelihood has no maximum).",
                column=str(self.columns[0]),
                suggestion="use a later observation_end or a longer history, or the RecencyRule baseline.",
            )
        self.model_, self.fitted_with_ = _fit_betageo(summary, self.time_unit)
        self.params_ = self.model_.params_[["r", "alpha", "a", "b"]].astype("float64").rename(None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.log_likelihood_ = float(self.model_.log_likelihood(summary))
            # Dropout is identified when removing it (a -> 0: dropout probability ~0)
            # costs likelihood; on a flat ridge towards a -> 0 the estimate of a is arbitrary.
            no_dropout = copy.copy(self.model_)
            no_dropout.params_ = self.params_.copy()
            no_dropout.params_["a"] = _NO_DROPOUT_A
            # the limit is a dropout probability a/(a+b) near 0, which needs b well above a
            no_dropout.params_["b"] = max(float(self.params_["b"]), 1.0)
            loss = self.log_likelihood_ - no_dropout.log_likelihood(summary)
        edge = self.fitted_with_ != "crmlib.clv.BetaGeo"
        self.dropout_identified_ = bool(not edge and loss > _FLAT)
        if not self.dropout_identified_:
            a, b = self.params_["a"], self.params_["b"]
            # Along the flat ridge any point is as likely as the no-dropout limit, and the
            # optimiser's stopping point (e.g. a, b -> 0 with a point mass at p = 1) would
            # still rank one-repeat customers as dead. Score with the limit the data support.
            self.model_ = no_dropout
            self.params_ = no_dropout.params_[["r", "alpha", "a", "b"]].astype("float64").rename(None)
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
        summary = self._summary(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifetimes' pandas option warning at import
            if self.horizon_days is None:
                return 1.0 - self.model_.p_alive(summary).to_numpy()
            horizon = to_duration(self.horizon_days, "horizon_days", unit="D")
            return self.model_.prob_no_purchase(summary, horizon).to_numpy()

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


#: Log-likelihood lost by removing dropout below which dropout counts as not identified.
_FLAT = 0.01
#: Dropout probability parameter a standing for "no dropout" in that comparison.
_NO_DROPOUT_A = 1e-6
#: Penalty of the refit when the unpenalised maximum lies on the edge (no dropout): it
#: keeps the estimates finite, so P(alive) and the horizon score stay computable.
_EDGE_PENALIZER = 1e-4


def _fit_betageo(summary: pd.DataFrame, time_unit) -> tuple[Any, str]:
    """crmlib.clv.BetaGeo fitted on ``summary``, and how.

    A doubtful unpenalised fit (no convergence, or parameters at the edge of their
    range: the data show no dropout) is refitted with a tiny penalty, which finds that
    edge maximum with finite parameters.
    """
    from crmlib.clv import BetaGeo

    with warnings.catch_warnings():
        # lifetimes sets a pandas option at import (a Pandas4Warning) and resets warning
        # filters inside its likelihood; both stay inside this block. A doubtful fit is
        # treated as no fit.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            return BetaGeo(time_unit=time_unit).fit(summary), "crmlib.clv.BetaGeo"
        except (ConvergenceError, ConvergenceWarning):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = BetaGeo(time_unit=time_unit, penalizer_coef=_EDGE_PENALIZER).fit(summary)
    return model, f"crmlib.clv.BetaGeo(penalizer_coef={_EDGE_PENALIZER:g}), at the edge of the parameter space"

"""Churn classifiers as scikit-learn pipelines, and a helper to score several models.

Two model families, both standard scikit-learn so they cross-validate, grid-search and
pickle like any other estimator:

* ``"logistic"``: signed log transform (spend and gaps are heavy-tailed) → median
  imputation with missing-value indicators (gap features are undefined for one-time
  buyers) → standardisation → L2-penalised logistic regression. Interpretable: each
  coefficient is the change in log-odds per standard deviation of a log feature.
* ``"gbm"``: histogram gradient boosting, which handles missing values, interactions
  and non-linear effects by itself.

The baselines they must beat are in :mod:`crmlib.churn.baselines`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from crmlib.exceptions import DataValidationError

__all__ = ["MODEL_KINDS", "check_labels", "make_churn_model", "score_models", "signed_log1p"]

MODEL_KINDS = ("logistic", "gbm")


class _SignedLog1p:
    """sign(x) · log(1 + |x|): compresses long tails, keeps sign and zero, passes NaN.

    A callable object rather than a function so that its repr, and so the pipeline's and
    the generated test ids, do not carry a memory address.

    Examples
    --------
    >>> signed_log1p(np.array([-9.0, 0.0, 9.0])).round(3).tolist()
    [-2.303, 0.0, 2.303]
    """

    def __call__(self, X):
        from scipy import sparse

        if sparse.issparse(X):
            raise TypeError("signed_log1p: sparse input is not supported; pass a dense array or DataFrame.")
        values = np.asarray(X, dtype="float64")
        return np.sign(values) * np.log1p(np.abs(values))

    def __repr__(self) -> str:
        return "signed_log1p"

    def __reduce__(self):  # pickles as the module-level singleton
        return "signed_log1p"


signed_log1p = _SignedLog1p()


def make_churn_model(
    kind: Literal["logistic", "gbm"] = "logistic",
    *,
    random_state: int | None = None,
    C: float = 1.0,
    learning_rate: float = 0.05,
    max_iter: int = 200,
) -> Pipeline:
    """A churn classifier as an unfitted scikit-learn :class:`~sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    kind : {"logistic", "gbm"}, default "logistic"
        Logistic regression on log-scaled, imputed, standardised features; or histogram
        gradient boosting.
    random_state : int, optional
        Seed of the gradient-boosting model (the logistic model is deterministic).
    C : float, default 1.0
        Inverse L2 penalty of the logistic regression.
    learning_rate, max_iter : float, int
        Gradient boosting's step size and number of trees.

    Returns
    -------
    Pipeline
        Ends in a step named ``"model"``. Takes the numeric feature table of
        :func:`crmlib.churn.churn_features` (or any numeric table) and predicts 1 =
        churned; ``predict_proba(X)[:, 1]`` is the churn probability.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.churn import churn_dataset
    >>> X, y = churn_dataset(load_cdnow(), observation_end="1997-06-30", horizon="90D")
    >>> model = make_churn_model("logistic").fit(X, y)
    >>> list(model.named_steps)
    ['log', 'impute', 'scale', 'model']
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if kind == "logistic":
        return Pipeline(
            [
                ("log", FunctionTransformer(signed_log1p, feature_names_out="one-to-one")),
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=C, max_iter=5000)),
            ]
        )
    if kind == "gbm":
        return Pipeline(
            [
                (
                    "model",
                    HistGradientBoostingClassifier(
                        learning_rate=learning_rate,
                        max_iter=max_iter,
                        max_leaf_nodes=15,
                        min_samples_leaf=20,
                        l2_regularization=1.0,
                        # fixed number of trees: results do not depend on a random
                        # validation split
                        early_stopping=False,
                        random_state=random_state,
                    ),
                )
            ]
        )
    raise DataValidationError(
        f"Unknown churn model kind {kind!r}.", suggestion=f"use one of {', '.join(map(repr, MODEL_KINDS))}."
    )


def score_models(
    models: Mapping[str, object],
    X_train: pd.DataFrame,
    y_train: pd.Series,
    X_test: pd.DataFrame,
) -> pd.DataFrame:
    """Fit each model on the training customers and return their churn probabilities.

    Labels are paired with features by customer, not by row position: ``y_train`` must
    be a Series indexed by customer_id holding exactly the customers of ``X_train``
    (in any order; it is aligned to ``X_train``). Plain arrays are refused, because
    nothing could then show that a shuffled label belongs to someone else.

    Parameters
    ----------
    models : mapping of name to estimator
        Unfitted scikit-learn classifiers with ``predict_proba`` (pipelines from
        :func:`make_churn_model`, or the baselines). Each is cloned before fitting, so
        the mapping is not modified.
    X_train : DataFrame
        Training features indexed by customer_id (e.g. from :func:`time_split`).
    y_train : Series
        0/1 labels indexed by customer_id, the same customers as ``X_train``.
    X_test : DataFrame
        Customers to score, with the columns of ``X_train``.

    Returns
    -------
    DataFrame
        One column per model: P(churned), indexed like ``X_test``.

    Raises
    ------
    DataValidationError
        Inputs that are not DataFrames / a Series, labels for other customers than the
        features, duplicated customers, labels other than 0/1 or a single class, test
        features with other columns.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.churn import RecencyRule, time_split
    >>> X_tr, y_tr, X_te, y_te = time_split(load_cdnow(), "1997-06-30", "1997-09-30", "90D")
    >>> scores = score_models({"rule": RecencyRule()}, X_tr, y_tr, X_te)
    >>> scores.shape == (len(X_te), 1)
    True
    """
    from sklearn.base import clone

    from crmlib.checks import check_frame
    from crmlib.metrics import align_to

    func = "score_models"
    hint = "build X_train, y_train and X_test with crmlib.churn.time_split (or churn_dataset)."
    X_train = check_frame(X_train, [], func=func, what="training features (X_train)", suggestion=hint)
    X_test = check_frame(X_test, list(X_train.columns), func=func, what="test features (X_test)",
                         suggestion=hint)
    if not isinstance(y_train, pd.Series):
        raise DataValidationError(
            f"{func}: y_train must be a pandas Series indexed by customer_id, got {type(y_train).__name__}; "
            "with a plain array a shuffled label would silently belong to another customer.",
            suggestion=hint,
        )
    y_train = check_labels(align_to(X_train, y_train, "X_train", "y_train", func=func), func=func)
    if not models:
        raise DataValidationError(f"{func}: no models given.", suggestion="pass {'name': estimator}.")
    out = {}
    for name, model in models.items():
        fitted = clone(model).fit(X_train, y_train)
        # classes_ is sorted, so the last column is the churned class (1)
        out[name] = fitted.predict_proba(X_test[X_train.columns])[:, -1]
    return pd.DataFrame(out, index=X_test.index)


def check_labels(y: pd.Series, *, func: str) -> pd.Series:
    """0/1 churn labels with both classes present, or a DataValidationError saying what to do.

    scikit-learn cannot fit a classifier on a single class; the usual cause is a window
    in which every customer churned (or none did).
    """
    values = pd.Series(y)
    odd = ~values.isin([0, 1])
    if odd.any():
        raise DataValidationError(
            f"{func}: churn labels must be 0 (stayed) or 1 (churned); {int(odd.sum()):,} are not.",
            column="churned",
            rows=values[odd].to_frame().head(),
            suggestion="pass labels from crmlib.churn.churn_labels.",
        )
    counts = values.value_counts()
    if len(counts) < 2:
        only = int(counts.index[0])
        raise DataValidationError(
            f"{func}: the training labels hold one class only: all {len(values):,} customers are "
            f"{'churned (1)' if only == 1 else 'retained (0)'}, so no classifier can be trained.",
            column="churned",
            suggestion="use a later observation_end (more history before the window), a "
            + ("shorter" if only == 1 else "longer")
            + " horizon, or more customers.",
        )
    return values.astype("int64")

"""Plain logistic regression by Newton-Raphson, with the information-matrix covariance.

Driver analysis needs standard errors, which scikit-learn's LogisticRegression does not
give; statsmodels is not a dependency. Fifteen columns and 130,000 rows take a few
Newton steps.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from crmlib.exceptions import ConvergenceError

__all__ = ["fit_logit"]


def fit_logit(
    X: np.ndarray, y: np.ndarray, *, penalty: float = 1.0, max_iter: int = 50, tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic regression of ``y`` (0/1) on ``X`` (column 0 is the intercept).

    A small ridge ``penalty / 2 * sum(beta[1:] ** 2)`` (a normal prior with standard
    deviation ``1 / sqrt(penalty)`` on each log-odds coefficient) keeps estimates finite
    when a rare column predicts the outcome perfectly (separation); with thousands of
    respondents it moves well-determined coefficients by a negligible amount.

    Returns
    -------
    (beta, cov, p) : coefficients, their covariance (inverse Fisher information) and
    the fitted probabilities.

    Raises
    ------
    ConvergenceError
        When Newton's method does not settle (typically complete separation: some item
        level predicts the outcome perfectly).
    """
    n, k = X.shape
    beta = np.zeros(k)
    ybar = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta[0] = np.log(ybar / (1 - ybar))  # column 0 is the intercept
    ridge = penalty * np.eye(k)
    ridge[0, 0] = 1e-10
    for _ in range(max_iter):
        p = special.expit(X @ beta)
        w = p * (1 - p)
        info = (X * w[:, None]).T @ X + ridge
        step = np.linalg.solve(info, X.T @ (y - p) - ridge @ beta)
        beta = beta + step
        if np.max(np.abs(beta)) > 50:
            break
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(beta))):
            p = special.expit(X @ beta)
            w = p * (1 - p)
            info = (X * w[:, None]).T @ X + ridge
            return beta, np.linalg.inv(info), p
    raise ConvergenceError(
        "The logistic regression of loyalty on the items did not converge (coefficients "
        f"{'diverge' if np.max(np.abs(beta)) > 50 else 'still moving'}: some item or control may predict "
        "the outcome perfectly, or the outcome is (almost) all one value).",
        checklist=(
            "Things to try:\n"
            "  1. drop an item or control that separates loyal from not loyal perfectly;\n"
            "  2. check that the outcome has both values in reasonable numbers;\n"
            "  3. use ci='bootstrap', or fewer items at once."
        ),
    )

"""Per-level statistics of a loyalty curve: Wilson intervals, the monotone (isotonic)
fit, a smooth fit, and Newcombe intervals for the gain between adjacent levels.

All functions take per-level counts (respondents ``n`` and loyal ``k``) so they work the
same on 130,000 respondents and on a five-row summary. Levels with ``n == 0`` get NaN,
never a division by zero.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

# The one Wilson interval lives in crmlib.metrics; re-exported here for the loyalty curve.
from crmlib.metrics import wilson_interval

__all__ = [
    "SmoothFit",
    "isotonic_fit",
    "newcombe_difference",
    "smooth_fit",
    "wilson_interval",
]


def newcombe_difference(
    k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of two proportions ``k1/n1 - k2/n2`` with Newcombe's hybrid score interval.

    Newcombe (1998), Statistics in Medicine 17, method 10: built from the two Wilson
    intervals, so it behaves at 0% and 100% where the Wald interval fails.

    Returns
    -------
    (difference, low, high) : tuple of ndarray
        NaN where either group is empty.

    Examples
    --------
    >>> d, lo, hi = newcombe_difference([90], [100], [15], [100])
    >>> round(float(d[0]), 2), bool(lo[0] < 0.75 < hi[0])
    (0.75, True)
    """
    k1, n1, k2, n2 = (np.asarray(a, dtype="float64") for a in (k1, n1, k2, n2))
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1 > 0, k1 / n1, np.nan)
        p2 = np.where(n2 > 0, k2 / n2, np.nan)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def isotonic_fit(levels: np.ndarray, k: np.ndarray, n: np.ndarray, *, increasing: bool = True) -> np.ndarray:
    """Monotone fit of the loyalty rates, weighted by respondents (pool-adjacent-violators).

    Fitting the level rates with weights ``n`` gives the same curve as an isotonic
    regression on the individual 0/1 outcomes. Empty levels get NaN.

    Examples
    --------
    >>> isotonic_fit([1, 2, 3], [2, 1, 9], [10, 10, 10]).round(2).tolist()
    [0.15, 0.15, 0.9]
    """
    from sklearn.isotonic import IsotonicRegression

    levels = np.asarray(levels, dtype="float64")
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    out = np.full(levels.shape, np.nan)
    has = n > 0
    if has.sum() == 0:
        return out
    if has.sum() == 1:
        out[has] = k[has] / n[has]
        return out
    iso = IsotonicRegression(increasing=increasing, out_of_bounds="clip")
    out[has] = iso.fit(levels[has], k[has] / n[has], sample_weight=n[has]).predict(levels[has])
    return out


@dataclass(frozen=True)
class SmoothFit:
    """A smooth loyalty curve ``p(x)`` fitted to per-level counts.

    Attributes
    ----------
    method : str
        ``"logistic"``: ``p(x) = floor + (ceiling - floor) / (1 + exp(-steepness (x - midpoint)))``
        fitted by binomial maximum likelihood; ``"pchip"``: a monotone cubic (PCHIP)
        through the isotonic fit.
    params : Series
        ``floor, ceiling, midpoint, steepness`` for ``"logistic"``; empty for ``"pchip"``.
    levels, values : ndarray
        The knots (non-empty levels) and, for ``"pchip"``, the isotonic values there.
    """

    method: str
    params: pd.Series
    levels: np.ndarray
    values: np.ndarray

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        """Evaluate the fitted curve at ``x`` (levels or any point in between)."""
        x = np.asarray(x, dtype="float64")
        if self.method == "logistic":
            f, c, m, s = (float(self.params[k]) for k in ("floor", "ceiling", "midpoint", "steepness"))
            return f + (c - f) * special.expit(s * (x - m))
        if len(self.levels) == 1:
            return np.full(x.shape, float(self.values[0]))
        from scipy.interpolate import PchipInterpolator

        return PchipInterpolator(self.levels, self.values, extrapolate=True)(
            np.clip(x, self.levels[0], self.levels[-1])
        )


def _sigmoid(theta: np.ndarray, x: np.ndarray, s_max: float) -> np.ndarray:
    """The S-curve from unconstrained parameters: logit floor, logit ceiling, midpoint and
    logit(steepness / s_max). Bounding the steepness keeps a step-like curve finite."""
    f, c = special.expit(theta[0]), special.expit(theta[1])
    return f + (c - f) * special.expit(s_max * special.expit(theta[3]) * (x - theta[2]))


def _nll(p: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(k * np.log(p) + (n - k) * np.log1p(-p)).sum(axis=-1)


def _fit_logistic(x: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Binomial maximum likelihood of the four-parameter S-curve.

    A grid over (midpoint, steepness), with floor and ceiling solved by weighted least
    squares at each grid point, finds the basin; Nelder-Mead polishes the best few
    grid points. (Nelder-Mead rather than a gradient method: four parameters, and no
    dependence on BLAS threads, which made L-BFGS-B slow on a busy machine.)
    """
    rate = k / n
    step = float(np.min(np.diff(x))) if x.size > 1 else 1.0
    s_max = 40.0 / step  # beyond this the curve is a step between two levels anyway
    mids = np.linspace(x[0] - step / 2, x[-1] + step / 2, 8 * (x.size + 1) + 1)
    steeps = np.geomspace(0.3, 30.0, 20) / step
    M, S = np.meshgrid(mids, steeps, indexing="ij")
    M, S = M.ravel(), S.ravel()
    g = special.expit(S[:, None] * (x[None, :] - M[:, None]))  # (G, L)
    pt = (k + 1) / (n + 2)
    w = n / (pt * (1 - pt))
    # weighted least squares of rate on [1 - g, g] for each grid point: 2x2 normal equations
    a11 = ((1 - g) ** 2 * w).sum(1)
    a12 = ((1 - g) * g * w).sum(1)
    a22 = (g**2 * w).sum(1)
    b1 = ((1 - g) * w * rate).sum(1)
    b2 = (g * w * rate).sum(1)
    det = a11 * a22 - a12**2
    safe = np.abs(det) > 1e-12
    f = np.where(safe, (a22 * b1 - a12 * b2) / np.where(safe, det, 1), rate.mean())
    c = np.where(safe, (a11 * b2 - a12 * b1) / np.where(safe, det, 1), rate.mean())
    f, c = np.clip(f, 1e-4, 1 - 1e-4), np.clip(c, 1e-4, 1 - 1e-4)
    nll = _nll(f[:, None] + (c - f)[:, None] * g, k[None, :], n[None, :])
    best = None
    for i in np.argsort(nll)[:3]:
        theta0 = np.array([special.logit(f[i]), special.logit(c[i]), M[i], special.logit(S[i] / s_max)])
        res = None
        for _restart in range(2):  # a restart lets Nelder-Mead leave a narrow ridge it stalled on
            res = optimize.minimize(
                lambda th: float(_nll(_sigmoid(th, x, s_max), k, n)), theta0 if res is None else res.x,
                method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000},
            )
        if best is None or res.fun < best.fun:
            best = res
    th = best.x
    return np.array([special.expit(th[0]), special.expit(th[1]), th[2], s_max * special.expit(th[3])])


def smooth_fit(levels: np.ndarray, k: np.ndarray, n: np.ndarray, *, method: str = "logistic") -> SmoothFit:
    """Fit a smooth loyalty curve to per-level counts.

    Parameters
    ----------
    levels, k, n : array-like
        Levels, loyal respondents and respondents per level; empty levels are ignored.
    method : {"logistic", "pchip"}, default "logistic"
        ``"logistic"``: a four-parameter S-curve (floor, ceiling, midpoint, steepness)
        fitted by binomial maximum likelihood, the smooth analogue of a curve with a
        turn (its midpoint is where loyalty climbs fastest). ``"pchip"``: a monotone
        piecewise cubic through the isotonic fit, with no functional form assumed.

    Returns
    -------
    SmoothFit
        Callable: ``fit(x)`` evaluates the curve.

    Examples
    --------
    >>> fit = smooth_fit([1, 2, 3, 4, 5], [5, 8, 11, 15, 90], [100] * 5)
    >>> round(float(fit(5)), 2)
    0.9
    """
    levels = np.asarray(levels, dtype="float64")
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    has = n > 0
    x, kk, nn = levels[has], k[has], n[has]
    if method == "pchip":
        iso = isotonic_fit(x, kk, nn)
        return SmoothFit("pchip", pd.Series(dtype="float64"), x, iso)
    if method != "logistic":
        raise ValueError(f"method must be 'logistic' or 'pchip', got {method!r}")
    if x.size == 0:
        raise ValueError("no level has respondents")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exp/log at extreme trial points
        theta = _fit_logistic(x, kk, nn)
    params = pd.Series(theta, index=["floor", "ceiling", "midpoint", "steepness"], name="smooth")
    return SmoothFit("logistic", params, x, np.full(x.shape, np.nan))

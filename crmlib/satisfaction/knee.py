"""Is there a knee (a sharp turn) in the loyalty curve, and where?

The rule, in full:

1. Fit the level rates with a straight line, and with every two-segment line that
   bends at one interior level ``b`` (a continuous "hinge": ``a + s x + d (x - b)+``).
   Both fits are weighted least squares with weights ``n / (p~ (1 - p~))``, the
   inverse binomial variance of each level's rate (``p~ = (k + 1) / (n + 2)`` keeps
   the weight finite at 0% and 100%).
2. The statistic ``T`` is the drop in weighted residual sum of squares from the
   straight line to the best hinge. Its null distribution is simulated (parametric
   bootstrap): draw binomial counts from the fitted straight line, refit everything,
   and count how often ``T*`` reaches ``T``. Searching over ``b`` is part of each
   simulation, so the p-value is honest about picking the best bend.
3. A knee is declared only when the p-value is below ``alpha`` **and** the slope
   change at the bend is material with confidence: the one-sided ``1 - alpha`` lower
   bound of ``|slope after - slope before|`` (delta method; see below) is
   at least ``min_slope_change`` (loyalty rate per scale point). A statistically real
   but tiny bend, which huge samples always show, is not a sharp turn; nor is a
   bend whose size is mostly noise, which small samples often show.

Where is the knee? Not at the best one-bend line: a continuous line with one bend cannot
follow a step (loyalty 0%, 0%, 84%, 100%, 100%), and its best bend then lands at the
step's far end (4), where nothing happens. The knee is read from the monotone
(isotonic, respondent-weighted) fit instead: it is the level where the fitted slope
changes most (the largest absolute second difference), and ``step_from``/``step_to``
name the adjacent levels with the steepest rise. On the Xerox shape that is the knee at
4 and the step 4 -> 5; on a step between 2 and 3, the knee at 2 and the step 2 -> 3.
The slopes below and above are the monotone fit's chords from the first level to the
knee and from the knee to the last level, and the slope change's lower bound uses their
delta-method standard error (binomial variance of the three rates involved).
Its uncertainty is reported as ``support``: the share of stratified bootstrap resamples
(binomial redraws of each level) whose knee is at each level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.validation import (
    check_count,
    check_fraction,
    check_nonnegative,
    check_random_state,
    numeric_array,
)

__all__ = ["Knee", "detect_knee"]


@dataclass(frozen=True)
class Knee:
    """Result of :func:`detect_knee`.

    Attributes
    ----------
    found : bool
        True when the bend is significant and material (see the module docstring).
    level : float or None
        The knee's level when ``found``; None otherwise.
    best_break : float or None
        Where the knee would be (the level where the monotone fit's slope changes
        most), reported even when it is not a knee.
    p_value : float
        Simulated p-value of "straight line" against "best two-segment line".
    slope_before, slope_after : float
        Loyalty gained per scale point below and above ``best_break``: the chords of the
        monotone fit from the first level to it and from it to the last level.
    slope_change : float
        ``slope_after - slope_before``; positive when the curve turns upward (convex).
    slope_change_low : float
        One-sided ``1 - alpha`` lower confidence bound of ``|slope_change|``.
    support : Series
        Share of bootstrap resamples whose knee is at each candidate level.
    alpha, min_slope_change : float
        The thresholds used.
    reason : str
        One sentence saying why a knee was or was not declared.
    step_from, step_to : float or None
        The adjacent levels between which the monotone fit rises most steeply.
    step_rise : float
        That rise (loyalty rate, e.g. 0.84 = 84 percentage points).
    """

    found: bool
    level: float | None
    best_break: float | None
    p_value: float
    slope_before: float
    slope_after: float
    slope_change: float
    slope_change_low: float
    support: pd.Series = field(repr=False)
    alpha: float = 0.05
    min_slope_change: float = 0.05
    reason: str = ""
    step_from: float | None = None
    step_to: float | None = None
    step_rise: float = float("nan")

    @property
    def direction(self) -> str:
        """``"steeper above"`` (convex, the Xerox shape) or ``"flatter above"`` (saturating)."""
        if not np.isfinite(self.slope_change):
            return "none"
        return "steeper above" if self.slope_change > 0 else "flatter above"

    def __str__(self) -> str:
        return self.reason


def _weights(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    pt = (k + 1.0) / (n + 2.0)
    return n / (pt * (1 - pt))


def _wls_rss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched weighted least squares. X: (L, p); y, w: (S, L).

    Returns rss (S,), beta (S, p) and the variance of the last coefficient (S,): with
    inverse-variance weights, ``(X' W X)^-1`` is the coefficients' covariance.
    """
    Xw = X[None, :, :] * w[:, :, None]  # (S, L, p)
    gram = np.einsum("slp,lq->spq", Xw, X)
    rhs = np.einsum("slp,sl->sp", Xw, y)
    # tiny ridge: a hinge whose (x - b)+ column is one point is still solvable
    gram = gram + 1e-12 * np.eye(X.shape[1])[None]
    beta = np.linalg.solve(gram, rhs[..., None])[..., 0]
    resid = y - beta @ X.T
    var_last = np.linalg.inv(gram)[:, -1, -1]
    return (w * resid**2).sum(axis=1), beta, var_last


def _hinge_designs(x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    lin = np.column_stack([np.ones_like(x), x])
    breaks = x[1:-1]
    hinges = [np.column_stack([lin, np.clip(x - b, 0, None)]) for b in breaks]
    return lin, hinges, breaks


def _statistic(x: np.ndarray, k: np.ndarray, n: np.ndarray):
    """T, best break index and slopes for S sets of counts k (S, L) on fixed n (L,)."""
    y = k / n
    w = _weights(k, n)
    lin, hinges, _ = _hinge_designs(x)
    rss0, beta0, _ = _wls_rss(lin, y, w)
    rss_b, betas, var_d = zip(*(_wls_rss(h, y, w) for h in hinges), strict=True)
    rss_b = np.column_stack(rss_b)  # (S, B)
    best = rss_b.argmin(axis=1)
    rows = np.arange(len(best))
    T = rss0 - rss_b[rows, best]
    beta_best = np.stack(betas, axis=1)[rows, best]  # (S, 3)
    se_change = np.sqrt(np.column_stack(var_d)[rows, best])
    return T, best, beta_best, beta0, se_change


def _location(x: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knee index into ``x[1:-1]`` and steepest-step index into ``x[:-1]``, per row of ``k``.

    Read from the respondent-weighted isotonic fit: the knee is where its slope changes
    most, the step where it rises most per scale point. Ties go to the lower level.
    """
    knee_at = np.empty(len(k), dtype="int64")
    step_at = np.empty(len(k), dtype="int64")
    dx = np.diff(x)
    for i, ki in enumerate(k):
        fit = _iso(ki, n)
        slopes = np.diff(fit) / dx
        knee_at[i] = int(np.argmax(np.abs(np.diff(slopes))))
        step_at[i] = int(np.argmax(slopes))
    return knee_at, step_at


def detect_knee(
    levels: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    *,
    alpha: float = 0.05,
    min_slope_change: float = 0.05,
    n_sim: int = 999,
    n_boot: int = 500,
    random_state: int | None = 0,
) -> Knee:
    """Test for a knee in a loyalty curve given per-level counts.

    Parameters
    ----------
    levels, k, n : array-like
        Levels, loyal respondents and respondents per level. Empty levels are left out.
    alpha : float, default 0.05
        Significance level of the simulated test.
    min_slope_change : float, default 0.05
        Smallest change of slope (loyalty rate per scale point, so 0.05 = 5 percentage
        points per point) that counts as a turn.
    n_sim : int, default 999
        Simulations of the straight-line null.
    n_boot : int, default 500
        Resamples for the ``support`` of the knee's level (0 to skip).
    random_state : int or None, default 0
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    Knee

    Examples
    --------
    >>> knee = detect_knee([1, 2, 3, 4, 5], [25, 40, 55, 75, 450], [500] * 5, n_sim=199, n_boot=0)
    >>> knee.found, knee.level, (knee.step_from, knee.step_to)
    (True, 4.0, (4.0, 5.0))
    >>> step = detect_knee([1, 2, 3, 4, 5], [0, 0, 420, 500, 500], [500] * 5, n_sim=199, n_boot=0)
    >>> step.level, (step.step_from, step.step_to)
    (2.0, (2.0, 3.0))
    >>> detect_knee([1, 2, 3, 4, 5], [50, 150, 250, 350, 450], [500] * 5, n_sim=199, n_boot=0).found
    False
    """
    func = "detect_knee"
    levels = numeric_array(levels, "levels", func=func)
    k = numeric_array(k, "k", func=func, size=levels.size)
    n = numeric_array(n, "n", func=func, size=levels.size)
    if not (np.all(np.isfinite(k)) and np.all(np.isfinite(n))) or (k < 0).any() or (k > n).any():
        raise DataValidationError(
            f"{func}: k (loyal respondents) and n (respondents) must be finite counts with 0 <= k <= n.",
            rows=pd.DataFrame({"level": levels, "k": k, "n": n}),
            suggestion="pass per-level counts, e.g. from loyalty_curve(...).table[['level', 'n_loyal', 'n']].",
        )
    alpha = check_fraction(alpha, "alpha", example="0.05")
    min_slope_change = check_nonnegative(min_slope_change, "min_slope_change")
    n_sim = check_count(n_sim, "n_sim", low=19)
    n_boot = check_count(n_boot, "n_boot", low=0)
    random_state = check_random_state(random_state, func=func)
    has = n > 0
    x, kk, nn = levels[has], k[has], n[has]
    empty_support = pd.Series(dtype="float64", name="support")
    if x.size < 3:
        return Knee(
            False, None, None, np.nan, np.nan, np.nan, np.nan, np.nan, empty_support, alpha, min_slope_change,
            f"No knee can be tested: only {x.size} level(s) have respondents (3 or more needed).",
        )
    rng = np.random.default_rng(random_state)
    T, _, _, beta0, _ = _statistic(x, kk[None, :], nn)
    T = float(T[0])
    breaks = x[1:-1]
    knee_at, step_at = _location(x, kk[None, :], nn)
    b = float(breaks[knee_at[0]])
    step_from, step_to = float(x[step_at[0]]), float(x[step_at[0] + 1])
    step_rise = float(np.diff(_iso(kk, nn))[step_at[0]])
    # slopes either side of the knee: chords of the monotone fit from the first level to
    # the knee and from the knee to the last (a one-bend line cannot follow a step, so
    # its slopes would misstate the shape); their variance by the delta method from the
    # binomial variance of the three rates involved
    fit = _iso(kk, nn)
    j = knee_at[0] + 1
    d1, d2 = b - x[0], x[-1] - b
    s1 = float((fit[j] - fit[0]) / d1)
    s2 = float((fit[-1] - fit[j]) / d2)
    pt = (kk + 1.0) / (nn + 2.0)
    var = pt * (1 - pt) / nn
    se_change = float(np.sqrt(var[0] / d1**2 + var[j] * (1 / d1 + 1 / d2) ** 2 + var[-1] / d2**2))
    # simulate the straight-line null (clipped inside (0, 1): a line may leave it at the ends)
    p0 = np.clip(beta0[0, 0] + beta0[0, 1] * x, 1e-3, 1 - 1e-3)
    sims = rng.binomial(nn.astype("int64")[None, :], p0[None, :], size=(n_sim, x.size)).astype("float64")
    T_null, *_ = _statistic(x, sims, nn)
    p_value = float((1 + np.sum(T_null >= T - 1e-12 * max(1.0, abs(T)))) / (1 + n_sim))
    if n_boot > 0:
        phat = kk / nn
        boots = rng.binomial(nn.astype("int64")[None, :], phat[None, :], size=(n_boot, x.size)).astype("float64")
        best_b, _ = _location(x, boots, nn)
        support = pd.Series(np.bincount(best_b, minlength=breaks.size) / n_boot, index=breaks, name="support")
        support.index.name = "level"
    else:
        support = empty_support
    change = s2 - s1
    change_low = max(0.0, abs(change) - float(stats.norm.ppf(1 - alpha)) * se_change)
    significant = p_value < alpha
    material = change_low >= min_slope_change
    found = bool(significant and material)
    slopes = f"slope {s1:+.3f} per point below {b:g} and {s2:+.3f} above"
    if found:
        shape = "turns upward" if change > 0 else "flattens"
        reason = (
            f"Knee at {b:g}: the curve {shape} there ({slopes}; p = {p_value:.3g}); "
            f"its steepest rise is from {step_from:g} to {step_to:g} ({step_rise * 100:+.0f} points)."
        )
    elif not significant:
        reason = f"No knee: a straight line fits as well as any bend (best bend at {b:g}, p = {p_value:.3g})."
    else:
        reason = (
            f"No sharp knee: the bend at {b:g} is real (p = {p_value:.3g}) but not clearly large ({slopes}; "
            f"change {change:+.3f}, lower bound {change_low:.3f} < {min_slope_change:g})."
        )
    return Knee(
        found, b if found else None, b, p_value, s1, s2, change, change_low, support, alpha, min_slope_change,
        reason, step_from, step_to, step_rise,
    )


def _iso(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Respondent-weighted increasing fit of the rates ``k / n`` (no empty levels)."""
    from sklearn.isotonic import isotonic_regression

    return np.asarray(isotonic_regression(k / n, sample_weight=n, increasing=True), dtype="float64")

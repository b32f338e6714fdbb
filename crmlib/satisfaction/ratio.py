"""How many times more loyal is one satisfaction level than another (Xerox: 5s vs 4s)?"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import CrmlibWarning, DataValidationError
from crmlib.satisfaction.validation import check_count, check_fraction, check_random_state

__all__ = ["RateRatio", "rate_ratio"]


@dataclass(frozen=True)
class RateRatio:
    """Ratio of two loyalty rates with a bootstrap confidence interval.

    Attributes
    ----------
    high, low : float
        The two levels compared (``rate(high) / rate(low)``).
    rate_high, rate_low : float
        Their loyalty rates.
    n_high, n_low : int
        Respondents at each level.
    ratio, ci_low, ci_high : float
        The ratio and its percentile bootstrap interval (``inf`` when the lower rate is
        0 in the data or in too many resamples).
    confidence : float
    n_boot : int
    """

    high: float
    low: float
    rate_high: float
    rate_low: float
    n_high: int
    n_low: int
    ratio: float
    ci_low: float
    ci_high: float
    confidence: float
    n_boot: int

    def to_series(self) -> pd.Series:
        """The fields as a labelled Series (one row of :meth:`LoyaltyCurve.ratios`)."""
        return pd.Series(self.__dict__, name=f"{self.high:g} vs {self.low:g}")

    def __str__(self) -> str:
        return (
            f"Level {self.high:g} is {self.ratio:.2f} times as loyal as level {self.low:g} "
            f"({self.rate_high:.1%} vs {self.rate_low:.1%}; {self.confidence:.0%} CI "
            f"{self.ci_low:.2f} to {self.ci_high:.2f})."
        )


def rate_ratio(
    k_high: int,
    n_high: int,
    k_low: int,
    n_low: int,
    *,
    high: float = np.nan,
    low: float = np.nan,
    confidence: float = 0.95,
    n_boot: int = 2000,
    random_state: int | None = 0,
) -> RateRatio:
    """Ratio of loyalty rates ``(k_high/n_high) / (k_low/n_low)`` with a bootstrap CI.

    The bootstrap resamples respondents within each level (stratified), which for a 0/1
    outcome is the same as drawing ``Binomial(n, rate)`` at each level; the interval is
    the percentile interval of the resampled ratios.

    Parameters
    ----------
    k_high, n_high, k_low, n_low : int
        Loyal respondents and respondents at the two levels.
    high, low : float, optional
        The levels' labels, carried into the result.
    confidence : float, default 0.95
    n_boot : int, default 2000
    random_state : int or None, default 0

    Returns
    -------
    RateRatio

    Raises
    ------
    DataValidationError
        When either level has no respondents (no rate to compare), a count is not a
        whole number >= 0 or exceeds its total, or a parameter is out of range.

    Examples
    --------
    >>> r = rate_ratio(900, 1000, 150, 1000, high=5, low=4, n_boot=500)
    >>> round(r.ratio, 2), r.ci_low < 6 < r.ci_high
    (6.0, True)
    """
    counts = {}
    for name, value in (("k_high", k_high), ("n_high", n_high), ("k_low", k_low), ("n_low", n_low)):
        counts[name] = int(to_number(value, name, low=0, integer=True, example="100"))
    k_high, n_high, k_low, n_low = counts.values()
    for k_name, k, n_name, n in (("k_high", k_high, "n_high", n_high), ("k_low", k_low, "n_low", n_low)):
        if k > n:
            raise DataValidationError(
                f"rate_ratio: {k_name}={k} loyal respondents out of {n_name}={n}: more loyal than respondents.",
                suggestion=f"pass the number of loyal respondents as {k_name} and all respondents as {n_name}.",
            )
    confidence = check_fraction(confidence, "confidence")
    n_boot = check_count(n_boot, "n_boot", low=1)
    random_state = check_random_state(random_state, func="rate_ratio")
    empty = [lv for lv, nn in ((high, n_high), (low, n_low)) if nn <= 0]
    if empty:
        raise DataValidationError(
            f"Cannot compare levels {high:g} and {low:g}: level "
            f"{' and '.join(format(v, 'g') for v in empty)} has no respondents, so it has no loyalty rate.",
            suggestion="compare levels that have respondents (see the curve's table, column n), "
            "or collect more responses at that level.",
        )
    rng = np.random.default_rng(random_state)
    p_hi, p_lo = k_high / n_high, k_low / n_low
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = p_hi / p_lo if p_lo > 0 else (np.inf if p_hi > 0 else np.nan)
        b_hi = rng.binomial(n_high, p_hi, size=n_boot) / n_high
        b_lo = rng.binomial(n_low, p_lo, size=n_boot) / n_low
        boots = np.where(b_lo > 0, b_hi / np.where(b_lo > 0, b_lo, 1.0), np.where(b_hi > 0, np.inf, np.nan))
    undefined = np.isnan(boots)
    if undefined.any():
        warnings.warn(
            f"{int(undefined.sum())} of {n_boot} resamples had no loyal respondent at either level; "
            "they are left out of the interval.",
            CrmlibWarning,
            stacklevel=2,
        )
    boots = np.sort(boots[~undefined])
    a = (1 - confidence) / 2
    if boots.size == 0:
        lo_ci = hi_ci = np.nan
    else:
        # order statistics, so a tail of inf gives inf rather than nan
        lo_ci = float(boots[int(np.floor(a * (boots.size - 1)))])
        hi_ci = float(boots[int(np.ceil((1 - a) * (boots.size - 1)))])
    return RateRatio(
        float(high), float(low), float(p_hi), float(p_lo), int(n_high), int(n_low), float(ratio),
        lo_ci, hi_ci, confidence, n_boot,
    )

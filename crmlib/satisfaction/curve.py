"""The satisfaction-to-loyalty curve (满意度-忠诚度曲线): loyalty rate at each satisfaction
level, with intervals, fits, the knee, the zones and the ratios between levels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.fits import (
    SmoothFit,
    isotonic_fit,
    newcombe_difference,
    smooth_fit,
    wilson_interval,
)
from crmlib.satisfaction.knee import Knee, detect_knee
from crmlib.satisfaction.ratio import RateRatio, rate_ratio
from crmlib.satisfaction.validation import (
    check_choice,
    check_count,
    check_fraction,
    check_nonnegative,
    check_outcome,
    check_random_state,
    check_scores,
    resolve_levels,
    resolve_pair,
    simulated_label,
)
from crmlib.satisfaction.zones import curve_zones, terrorists_and_apostles

__all__ = ["LoyaltyCurve", "loyalty_curve"]


@dataclass(frozen=True)
class LoyaltyCurve:
    """A fitted satisfaction-to-loyalty curve. Build it with :func:`loyalty_curve`.

    Attributes
    ----------
    table : DataFrame
        One row per level: ``level, n, n_loyal, rate, ci_low, ci_high, isotonic,
        smooth, zone, share``. ``rate`` and its Wilson interval are NaN on an empty
        level (only when ``empty="keep"``).
    knee : Knee
        The knee test (see :mod:`crmlib.satisfaction.knee`).
    zones : DataFrame
        Defection, indifference and affection zones read from the isotonic fit (see
        :mod:`crmlib.satisfaction.zones`).
    smooth : SmoothFit
        The smooth fit; call it to evaluate between levels.
    confidence : float
    score_name, outcome_name : str
    empty_levels : list of float
        Levels without respondents.
    simulated : str or None
        For a curve of simulated data (from :func:`~crmlib.satisfaction.generate_survey`),
        its label, e.g. "simulated, Xerox-like curve (assumed)"; charts put it in their
        title. None for real data.
    """

    table: pd.DataFrame
    knee: Knee
    zones: pd.DataFrame
    smooth: SmoothFit = field(repr=False)
    confidence: float
    score_name: str
    outcome_name: str
    empty_levels: list[float]
    _scores: pd.Series = field(repr=False)
    _loyal: pd.Series = field(repr=False)
    simulated: str | None = None

    @property
    def levels(self) -> np.ndarray:
        """The scale's levels."""
        return self.table["level"].to_numpy(dtype="float64")

    @property
    def n_respondents(self) -> int:
        """Respondents behind the curve."""
        return int(self.table["n"].sum())

    def _row(self, level: float) -> pd.Series:
        hit = np.isclose(self.levels, float(level))
        if not hit.any():
            raise DataValidationError(
                f"Level {level!r} is not on this curve's scale ({', '.join(f'{v:g}' for v in self.levels)}).",
                suggestion="pass one of the curve's levels.",
            )
        return self.table.loc[hit].iloc[0]

    def ratio(
        self, high: float | None = None, low: float | None = None, *, n_boot: int = 2000, random_state: int | None = 0
    ) -> RateRatio:
        """Loyalty at ``high`` divided by loyalty at ``low`` (default: top level vs the one
        below, Xerox's 5 vs 4), with a stratified bootstrap interval.

        Examples
        --------
        >>> from crmlib.satisfaction import generate_survey, loyalty_curve
        >>> survey = generate_survey(20_000, random_state=1)
        >>> r = loyalty_curve("satisfaction", "loyal", data=survey).ratio(5, 4, n_boot=500)
        >>> 5 < r.ratio < 7
        True
        """
        high = float(self.levels[-1]) if high is None else to_number(high, "high", example="5")
        low = float(self.levels[-2]) if low is None else to_number(low, "low", example="4")
        hi, lo = self._row(high), self._row(low)
        return rate_ratio(
            int(hi["n_loyal"]), int(hi["n"]), int(lo["n_loyal"]), int(lo["n"]),
            high=high, low=low, confidence=self.confidence, n_boot=n_boot, random_state=random_state,
        )

    def ratios(self, *, n_boot: int = 2000, random_state: int | None = 0) -> pd.DataFrame:
        """Ratio of each level's loyalty to the level below, with bootstrap intervals.

        Pairs with an empty level are reported with NaN ratios rather than dropped.
        """
        rows = []
        lv = self.levels
        for lo, hi in zip(lv[:-1], lv[1:], strict=True):
            if self._row(hi)["n"] == 0 or self._row(lo)["n"] == 0:
                rows.append({"high": hi, "low": lo, "ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan})
                continue
            r = self.ratio(hi, lo, n_boot=n_boot, random_state=random_state)
            rows.append({"high": hi, "low": lo, "ratio": r.ratio, "ci_low": r.ci_low, "ci_high": r.ci_high})
        return pd.DataFrame(rows)

    def adjacent_differences(self) -> pd.DataFrame:
        """How much loyalty differs between each level and the next one up.

        An association across respondents, not the effect of raising anyone's
        satisfaction: respondents at different levels differ in more than their score.

        Returns
        -------
        DataFrame
            One row per step ``from_level -> to_level``: ``difference`` (of the observed
            rates) with Newcombe's interval ``ci_low``/``ci_high``,
            ``difference_isotonic`` and ``difference_smooth`` (of the fits) and
            ``n_from``, ``n_to`` (respondents at each end).

        Examples
        --------
        >>> from crmlib.satisfaction import generate_survey, loyalty_curve
        >>> curve = loyalty_curve("satisfaction", "loyal", data=generate_survey(5_000, random_state=0),
        ...                       n_sim=99, n_boot=0)
        >>> d = curve.adjacent_differences()
        >>> d[["from_level", "to_level"]].iloc[-1].tolist()
        [4.0, 5.0]
        """
        t = self.table
        d, lo, hi = newcombe_difference(
            t["n_loyal"].to_numpy()[1:], t["n"].to_numpy()[1:],
            t["n_loyal"].to_numpy()[:-1], t["n"].to_numpy()[:-1], self.confidence,
        )
        iso = t["isotonic"].to_numpy()
        sm = t["smooth"].to_numpy()
        return pd.DataFrame(
            {
                "from_level": t["level"].to_numpy()[:-1],
                "to_level": t["level"].to_numpy()[1:],
                "difference": d,
                "ci_low": lo,
                "ci_high": hi,
                "difference_isotonic": np.diff(iso),
                "difference_smooth": np.diff(sm),
                "n_from": t["n"].to_numpy()[:-1],
                "n_to": t["n"].to_numpy()[1:],
            }
        )

    def steepest_step(self) -> pd.Series:
        """The adjacent pair of levels whose loyalty differs most (on the isotonic fit)."""
        g = self.adjacent_differences()
        return g.loc[g["difference_isotonic"].idxmax()]

    def extremes(
        self,
        *,
        terrorist_levels: Sequence[float] | None = None,
        apostle_levels: Sequence[float] | None = None,
        speaks_out: pd.Series | None = None,
        advocates: pd.Series | None = None,
    ) -> pd.DataFrame:
        """Terrorists and apostles (see :func:`~crmlib.satisfaction.terrorists_and_apostles`)."""
        return terrorists_and_apostles(
            self._scores, self._loyal, self.levels,
            terrorist_levels=terrorist_levels, apostle_levels=apostle_levels,
            speaks_out=speaks_out, advocates=advocates,
        )

    def summary(self) -> str:
        """A few plain sentences: size, range of loyalty, the knee, the top ratio."""
        t = self.table[self.table["n"] > 0]
        lines = [
            f"{self.n_respondents:,} respondents; loyalty ({self.outcome_name}) runs from "
            f"{t['rate'].iloc[0]:.1%} at {self.score_name} = {t['level'].iloc[0]:g} to "
            f"{t['rate'].iloc[-1]:.1%} at {t['level'].iloc[-1]:g}.",
            str(self.knee),
            "Zones: "
            + "; ".join(f"{r.zone} {r.levels}" for r in self.zones.itertuples()) + ".",
        ]
        if self.empty_levels:
            lines.append(f"Levels without respondents: {', '.join(f'{v:g}' for v in self.empty_levels)}.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def loyalty_curve(
    scores: Any,
    outcome: Any,
    *,
    data: pd.DataFrame | None = None,
    scale: tuple[float, float] = (1, 5),
    levels: Sequence[float] | None = None,
    positive: Any = None,
    confidence: float = 0.95,
    empty: str = "raise",
    smooth: str = "logistic",
    knee_alpha: float = 0.05,
    min_slope_change: float = 0.05,
    n_sim: int = 999,
    n_boot: int = 500,
    random_state: int | None = 0,
    min_rise: float = 0.05,
    min_separation: float = 0.2,
) -> LoyaltyCurve:
    """Loyalty rate at each satisfaction level, with Wilson intervals, an isotonic and a
    smooth fit, the knee test and the zones.

    Parameters
    ----------
    scores : Series, array-like or str
        Satisfaction score per respondent, on the levels of ``scale``; a column name
        when ``data`` is given.
    outcome : Series, array-like or str
        Loyalty per respondent: True/1 = loyal (repurchased, stayed, labelled loyal).
        For churn, pass ``1 - churn``. Labels need ``positive``.
    data : DataFrame, optional
        Frame holding the ``scores`` and ``outcome`` columns.
    scale : (low, high), default (1, 5)
        The declared integer scale. Scores outside it are an error.
    levels : sequence of float, optional
        Explicit levels instead of ``scale`` (e.g. half points of a binned index).
    positive : scalar, optional
        The outcome value meaning loyal (e.g. ``"Loyal Customer"``).
    confidence : float, default 0.95
        For the Wilson intervals and the ratio intervals.
    empty : {"raise", "keep"}, default "raise"
        A level with no respondents raises an error naming it; ``"keep"`` reports it in
        the table with ``n = 0`` and NaN rate, and leaves it out of the fits.
    smooth : {"logistic", "pchip"}, default "logistic"
        The smooth fit (see :func:`~crmlib.satisfaction.smooth_fit`).
    knee_alpha, min_slope_change, n_sim, n_boot, random_state
        Passed to :func:`~crmlib.satisfaction.detect_knee`.
    min_rise : float, default 0.05
        Passed to :func:`~crmlib.satisfaction.curve_zones`: a curve rising less than
        this is one indifference zone.
    min_separation : float, default 0.2
        Passed to :func:`~crmlib.satisfaction.curve_zones`: how far (share of the rise)
        the middle levels must sit from both ends to be an indifference zone.

    Returns
    -------
    LoyaltyCurve

    Raises
    ------
    DataValidationError
        Non-numeric scores (text, even "5"; True/False), scores off the scale, missing
        scores or outcomes, an outcome that is not binary, an unknown option, a
        parameter that is not a number in its range, or (with ``empty="raise"``) a level
        nobody chose.

    Notes
    -----
    Missing values are never dropped silently: a NaN score or outcome is an error
    naming the rows; drop them yourself (``df.dropna(subset=[...])``) so the exclusion
    is visible. The curve is descriptive: loyalty differences between levels are
    associations across respondents, not effects of raising satisfaction.

    Examples
    --------
    >>> from crmlib.satisfaction import generate_survey, loyalty_curve
    >>> survey = generate_survey(5_000, random_state=0)
    >>> curve = loyalty_curve("satisfaction", "loyal", data=survey, n_sim=199, n_boot=0)
    >>> list(curve.table.columns[:6])
    ['level', 'n', 'n_loyal', 'rate', 'ci_low', 'ci_high']
    >>> curve.knee.level
    4.0
    """
    func = "loyalty_curve"
    check_choice(empty, "empty", ("raise", "keep"), func=func)
    check_choice(smooth, "smooth", ("logistic", "pchip"), func=func)
    confidence = check_fraction(confidence, "confidence")
    knee_alpha = check_fraction(knee_alpha, "knee_alpha", example="0.05")
    min_slope_change = check_nonnegative(min_slope_change, "min_slope_change")
    min_rise = check_nonnegative(min_rise, "min_rise", high=1)
    min_separation = check_nonnegative(min_separation, "min_separation", high=0.5, example="0.2")
    n_sim = check_count(n_sim, "n_sim", low=19)
    n_boot = check_count(n_boot, "n_boot", low=0)
    random_state = check_random_state(random_state, func=func)
    lv = resolve_levels(scale, levels)
    s_raw, y_raw = resolve_pair(scores, outcome, data, func=func)
    s = check_scores(s_raw, lv)
    y = check_outcome(y_raw, positive=positive)
    score_name = str(s_raw.name) if s_raw.name is not None else "score"
    outcome_name = str(y_raw.name) if y_raw.name is not None else "loyal"

    pos = np.abs(s.to_numpy()[:, None] - lv[None, :]).argmin(axis=1)
    n = np.bincount(pos, minlength=lv.size).astype("int64")
    k = np.bincount(pos, weights=y.to_numpy(dtype="float64"), minlength=lv.size).round().astype("int64")
    empty_levels = lv[n == 0].tolist()
    if empty_levels and empty == "raise":
        counts = pd.DataFrame({"level": lv, "respondents": n})
        raise DataValidationError(
            f"Level(s) {', '.join(f'{v:g}' for v in empty_levels)} of the scale have no respondents "
            f"in column {score_name!r}, so their loyalty rate is undefined.",
            column=score_name,
            rows=counts[counts["respondents"] == 0],
            suggestion="pass empty='keep' to report them with n = 0 and leave them out of the fits, "
            "or declare a narrower scale.",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    low, high = wilson_interval(k, n, confidence)
    iso = isotonic_fit(lv, k, n)
    sm = smooth_fit(lv, k, n, method=smooth)
    sm_vals = np.where(n > 0, sm(lv), np.nan)
    knee = detect_knee(
        lv, k, n, alpha=knee_alpha, min_slope_change=min_slope_change, n_sim=n_sim, n_boot=n_boot, random_state=random_state
    )
    zones = curve_zones(lv, iso, n, min_rise=min_rise, min_separation=min_separation)
    table = pd.DataFrame(
        {
            "level": lv,
            "n": n,
            "n_loyal": k,
            "rate": rate,
            "ci_low": low,
            "ci_high": high,
            "isotonic": iso,
            "smooth": sm_vals,
            "zone": [zones.attrs["by_level"][v] for v in lv.tolist()],
            "share": n / n.sum(),
        }
    )
    return LoyaltyCurve(
        table=table,
        knee=knee,
        zones=zones,
        smooth=sm,
        confidence=confidence,
        score_name=score_name,
        outcome_name=outcome_name,
        empty_levels=empty_levels,
        _scores=s,
        _loyal=y,
        simulated=simulated_label(data, s_raw, y_raw),
    )

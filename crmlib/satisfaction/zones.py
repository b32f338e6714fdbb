"""Zones of the satisfaction-to-loyalty curve, and the terrorists and apostles at its ends.

Textbooks (Heskett et al. 1994; Jones & Sasser 1995) name three zones along the curve:
defection (背叛区), indifference (冷淡区) and affection (情感区). crmlib does not fix them
to score ranges. They are read from the fitted curve:

    The zones are the three groups of adjacent levels whose fitted (isotonic) loyalty
    is most alike: the split of the ordered levels into three runs that minimises the
    spread of fitted loyalty within runs (Fisher's 1958 optimal grouping, the
    "natural breaks" of the curve). The lowest run is defection, the middle one
    indifference, the highest affection.

A curve that rises by less than ``min_rise`` (default 5 percentage points) over the
whole scale is one zone, indifference: loyalty does not respond to satisfaction there
(Jones & Sasser's protected markets), and splitting noise into zones would mislead.

The middle run is a zone of its own only when its loyalty is set apart from *both*
neighbours: its mean fitted loyalty must sit at least ``min_separation`` (default 20%)
of the curve's whole rise away from the run below and from the run above. Otherwise it
joins the nearer one, and the curve has two zones, defection and affection. So a level
where 84% stay on a curve that tops out at 100% (a step 0%, 0%, 84%, 100%, 100%) is in
affection, not "indifference"; and on a curve whose low part creeps from 4% to 12.5%
before jumping to 75% at the top (the Xerox shape), levels 1-4 are all defection.
Ties are broken towards the widest middle zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.satisfaction.validation import numeric_array

__all__ = ["ZONE_NAMES", "ZONE_LABELS", "curve_zones", "terrorists_and_apostles"]

ZONE_NAMES = ("defection", "indifference", "affection")
ZONE_LABELS = {
    "defection": "defection 背叛区",
    "indifference": "indifference 冷淡区",
    "affection": "affection 情感区",
}


def curve_zones(
    levels: np.ndarray,
    fitted: np.ndarray,
    n: np.ndarray | None = None,
    *,
    min_rise: float = 0.05,
    min_separation: float = 0.2,
) -> pd.DataFrame:
    """Split a fitted loyalty curve into defection, indifference and affection zones.

    Parameters
    ----------
    levels : array-like
        The scale's levels, increasing.
    fitted : array-like
        Fitted loyalty at each level (the isotonic fit); NaN for empty levels, which are
        given the zone of their neighbours but play no part in the split.
    n : array-like, optional
        Respondents per level, to report each zone's share.
    min_rise : float, default 0.05
        A fitted curve rising less than this over the scale is a single indifference zone.
    min_separation : float, default 0.2
        Share of the curve's rise that must separate the middle run from each neighbour
        for it to be an indifference zone; otherwise it joins the nearer neighbour.

    Returns
    -------
    DataFrame
        One row per zone present: ``zone, from_level, to_level, levels, loyalty_min,
        loyalty_max, n, share``. ``.attrs["by_level"]`` maps each level to its zone.

    Examples
    --------
    >>> z = curve_zones([1, 2, 3, 4, 5], [0.10, 0.15, 0.45, 0.55, 0.90])
    >>> z[["zone", "from_level", "to_level"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'zone': 'defection', 'from_level': 1.0, 'to_level': 2.0},
     {'zone': 'indifference', 'from_level': 3.0, 'to_level': 4.0},
     {'zone': 'affection', 'from_level': 5.0, 'to_level': 5.0}]
    >>> curve_zones([1, 2, 3, 4, 5], [0.0, 0.0, 0.84, 1.0, 1.0])["levels"].tolist()  # 84% is near the top
    ['1, 2', '3, 4, 5']
    """
    func = "curve_zones"
    levels = numeric_array(levels, "levels", func=func)
    fitted = numeric_array(fitted, "fitted", func=func, size=levels.size)
    n_arr = np.ones_like(levels) if n is None else numeric_array(n, "n", func=func, size=levels.size)
    min_rise = to_number(min_rise, "min_rise", low=0, high=1, example="0.05")
    min_separation = to_number(min_separation, "min_separation", low=0, high=0.5, example="0.2")
    has = np.isfinite(fitted)
    x, f = levels[has], fitted[has]
    zone_of = np.full(levels.shape, "", dtype=object)
    if x.size == 0:
        labels_has: list[str] = []
    elif x.size < 3 or np.ptp(f) < max(min_rise, 1e-9):
        # too few levels, or a flat curve: loyalty does not respond to satisfaction at all
        labels_has = ["indifference"] * x.size
    else:
        best: tuple[float, int, int, int] | None = None
        for i, j in itertools.combinations(range(1, x.size), 2):
            parts = (f[:i], f[i:j], f[j:])
            sse = float(sum(((p - p.mean()) ** 2).sum() for p in parts))
            key = (round(sse, 12), -(j - i), i, j)
            if best is None or key < best:
                best = key
        assert best is not None
        _, _, i, j = best
        low, mid, high = f[:i].mean(), f[i:j].mean(), f[j:].mean()
        rise = float(np.ptp(f))
        if min(mid - low, high - mid) >= min_separation * rise:
            labels_has = ["defection"] * i + ["indifference"] * (j - i) + ["affection"] * (x.size - j)
        elif mid - low <= high - mid:  # the middle run belongs with the bottom
            labels_has = ["defection"] * j + ["affection"] * (x.size - j)
        else:
            labels_has = ["defection"] * i + ["affection"] * (x.size - i)
    zone_of[has] = labels_has
    # empty levels take the zone of the nearest level below (or above at the bottom)
    for pos in np.flatnonzero(~has):
        below = np.flatnonzero(has[:pos])
        above = np.flatnonzero(has[pos:]) + pos
        src = below[-1] if below.size else (above[0] if above.size else None)
        zone_of[pos] = zone_of[src] if src is not None else "indifference"
    rows = []
    total = float(np.nansum(n_arr))
    for z in ZONE_NAMES:
        m = zone_of == z
        if not m.any():
            continue
        fz = fitted[m & has]
        rows.append(
            {
                "zone": z,
                "from_level": float(levels[m].min()),
                "to_level": float(levels[m].max()),
                "levels": ", ".join(f"{v:g}" for v in levels[m]),
                "loyalty_min": float(fz.min()) if fz.size else np.nan,
                "loyalty_max": float(fz.max()) if fz.size else np.nan,
                "n": int(np.nansum(n_arr[m])),
                "share": float(np.nansum(n_arr[m]) / total) if total > 0 else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["by_level"] = dict(zip(levels.tolist(), zone_of.tolist(), strict=True))
    return out


def terrorists_and_apostles(
    scores: pd.Series,
    loyal: pd.Series,
    levels: np.ndarray,
    *,
    terrorist_levels: Sequence[float] | None = None,
    apostle_levels: Sequence[float] | None = None,
    speaks_out: pd.Series | None = None,
    advocates: pd.Series | None = None,
) -> pd.DataFrame:
    """Count the curve's extremes: terrorists and apostles.

    Definitions (set the levels to change them):

    - **terrorist** (恐怖分子): score in ``terrorist_levels`` (default: the lowest level)
      and not loyal; when ``speaks_out`` is given (complained, would warn others,
      a detractor), it must also be true.
    - **apostle** (传道者): score in ``apostle_levels`` (default: the top level) and
      loyal; when ``advocates`` is given (would recommend, referred a friend), it must
      also be true.

    Parameters
    ----------
    scores : Series
        Validated scores (on ``levels``).
    loyal : Series
        Validated 0/1 outcome.
    levels : ndarray
        The scale's levels.
    terrorist_levels, apostle_levels : sequence of float, optional
    speaks_out, advocates : Series of bool, optional
        Aligned with ``scores``.

    Returns
    -------
    DataFrame
        Indexed by ``group`` (terrorists, apostles): ``count``, ``share`` of all
        respondents, ``share_of_levels`` (of respondents at those levels), ``definition``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> s = pd.Series([1.0, 1, 3, 5, 5]); y = pd.Series([0, 1, 1, 1, 0])
    >>> terrorists_and_apostles(s, y, np.arange(1.0, 6))["count"].tolist()
    [1, 1]
    """
    t_lv = np.asarray([levels[0]] if terrorist_levels is None else terrorist_levels, dtype="float64")
    a_lv = np.asarray([levels[-1]] if apostle_levels is None else apostle_levels, dtype="float64")
    s = scores.to_numpy(dtype="float64")
    y = loyal.to_numpy(dtype="int64")
    in_t = np.isin(s, t_lv)
    in_a = np.isin(s, a_lv)
    t = in_t & (y == 0)
    a = in_a & (y == 1)
    t_def = f"score {_levels_text(t_lv)} and not loyal"
    a_def = f"score {_levels_text(a_lv)} and loyal"
    if speaks_out is not None:
        t = t & _flag(speaks_out, scores, "speaks_out")
        t_def += f" and {speaks_out.name or 'speaks out'}"
    if advocates is not None:
        a = a & _flag(advocates, scores, "advocates")
        a_def += f" and {advocates.name or 'advocates'}"
    total = len(s)
    out = pd.DataFrame(
        {
            "count": [int(t.sum()), int(a.sum())],
            "share": [t.sum() / total, a.sum() / total],
            "share_of_levels": [
                t.sum() / in_t.sum() if in_t.any() else np.nan,
                a.sum() / in_a.sum() if in_a.any() else np.nan,
            ],
            "definition": [t_def, a_def],
        },
        index=pd.Index(["terrorists", "apostles"], name="group"),
    )
    return out


def _levels_text(lv: np.ndarray) -> str:
    return " or ".join(f"{v:g}" for v in lv)


def _flag(flag: Any, scores: pd.Series, name: str) -> np.ndarray:
    from crmlib.exceptions import DataValidationError

    if not isinstance(flag, pd.Series) or len(flag) != len(scores) or not flag.index.equals(scores.index):
        raise DataValidationError(
            f"{name} must be a True/False Series with the same index as the scores.",
            suggestion=f"pass e.g. {name}=df['complained'] from the same DataFrame.",
        )
    if flag.isna().any() or not pd.api.types.is_bool_dtype(flag):
        raise DataValidationError(
            f"{name} must be True/False without missing values (dtype {flag.dtype}).",
            column=str(flag.name),
            rows=flag[flag.isna()] if flag.isna().any() else flag.head(),
            suggestion="build it as a comparison, e.g. df['Complain'].eq('Yes').",
        )
    return flag.to_numpy(dtype=bool)

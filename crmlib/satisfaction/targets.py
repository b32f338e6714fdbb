"""Why a "4 or 5" (top-two-box) target misleads: the same share of 4s and 5s can carry
very different loyalty, because the curve turns between 4 and 5."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.validation import numeric_array

__all__ = ["target_scenarios"]


def target_scenarios(
    rates: Sequence[float] | pd.Series,
    scenarios: Mapping[str, Sequence[float]],
    *,
    levels: Sequence[float] | None = None,
    n_top: int = 2,
) -> pd.DataFrame:
    """Expected loyalty of score distributions, next to their top-box share.

    Parameters
    ----------
    rates : sequence of float
        Loyalty at each level (e.g. ``curve.table["isotonic"]`` or a generator curve).
    scenarios : mapping of name -> shares
        Share of customers at each level, per scenario (each sums to 1).
    levels : sequence of float, optional
        Level labels; default 1..K.
    n_top : int, default 2
        How many top levels make the "top box" (2: "4 or 5").

    Returns
    -------
    DataFrame
        Indexed by scenario: ``top_box`` (share at the top ``n_top`` levels),
        ``share_top_level`` (share at the very top), ``expected_loyalty`` (the
        share-weighted loyalty rate), and one ``share_<level>`` column per level.

    Examples
    --------
    >>> t = target_scenarios([0.04, 0.06, 0.09, 0.125, 0.75],
    ...                      {"mostly 4s": [0, 0, 0.2, 0.7, 0.1], "mostly 5s": [0, 0, 0.2, 0.1, 0.7]})
    >>> t["top_box"].round(2).tolist(), t["expected_loyalty"].round(3).tolist()
    ([0.8, 0.8], [0.18, 0.556])
    """
    func = "target_scenarios"
    r = numeric_array(rates, "rates", func=func)
    lv = np.arange(1.0, r.size + 1) if levels is None else numeric_array(levels, "levels", func=func)
    if lv.shape != r.shape or not np.all(np.isfinite(r)) or r.min() < 0 or r.max() > 1:
        raise DataValidationError(
            f"rates must be one loyalty rate in [0, 1] per level, got {r.tolist()}.",
            suggestion="pass e.g. curve.table['isotonic'].",
        )
    n_top = int(to_number(n_top, "n_top", low=1, high=r.size - 1, integer=True, example="2"))
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise DataValidationError(
            f"{func}: scenarios must be a non-empty mapping of name -> shares, got {type(scenarios).__name__}.",
            suggestion='pass e.g. {"A": [0.02, 0.03, 0.15, 0.6, 0.2]}.',
        )
    rows = {}
    for name, shares in scenarios.items():
        s = numeric_array(shares, f"scenario {name!r}", func=func)
        if s.shape != r.shape or s.min() < 0 or not np.isclose(s.sum(), 1):
            raise DataValidationError(
                f"Scenario {name!r} must give {r.size} non-negative shares summing to 1, got {list(shares)}.",
                suggestion="give the share of customers at each level.",
            )
        rows[name] = {
            "top_box": float(s[-n_top:].sum()),
            "share_top_level": float(s[-1]),
            "expected_loyalty": float(s @ r),
            **{f"share_{v:g}": float(x) for v, x in zip(lv, s, strict=True)},
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "scenario"
    return out

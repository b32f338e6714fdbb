"""Satisfaction index (满意度指数) from several rated items, and perception over expectation.

Two rules that are easy to get wrong:

- a rating of 0 on a 1-5 survey means "not applicable" (the passenger did not use the
  wifi), not "very dissatisfied". It is left out of the respondent's mean, never
  averaged in as a zero, and the number left out per item is reported;
- satisfaction is perception relative to expectation (感知与期望的比值). Where a survey
  measures both, :func:`expectation_index` averages ``perceived / expected`` per item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.satisfaction.validation import check_choice, check_count, check_items, resolve_levels

__all__ = ["SatisfactionIndex", "bin_index", "expectation_index", "satisfaction_index"]


@dataclass(frozen=True)
class SatisfactionIndex:
    """A per-respondent satisfaction index and how it was built.

    Attributes
    ----------
    index : Series
        The index per respondent (NaN when fewer than ``min_items`` items apply).
    n_items : Series
        Items that applied (were rated) per respondent.
    items : DataFrame
        Per item: ``n_rated``, ``n_not_applicable``, ``share_not_applicable``, ``mean``
        (over the respondents who rated it) and ``weight``.
    kind : str
        ``"mean rating"`` or ``"perceived/expected"``.
    min_items : int
    gap : Series or None
        For ``"perceived/expected"``: mean of ``perceived - expected`` per respondent.
    """

    index: pd.Series
    n_items: pd.Series
    items: pd.DataFrame
    kind: str
    min_items: int
    gap: pd.Series | None = field(default=None, repr=False)

    @property
    def n_missing(self) -> int:
        """Respondents without an index (fewer than ``min_items`` applicable items)."""
        return int(self.index.isna().sum())

    def summary(self) -> str:
        """One sentence on the exclusions."""
        na = int(self.items["n_not_applicable"].sum())
        return (
            f"{self.kind} index over {len(self.items)} items for {len(self.index):,} respondents: "
            f"{na:,} 'not applicable' ratings left out of the means; "
            f"{self.n_missing:,} respondents with fewer than {self.min_items} rated item(s) have no index."
        )


def _weights(items: Sequence[str], weights: Mapping[str, float] | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(items))
    unknown = [k for k in weights if k not in items]
    if unknown:
        raise DataValidationError(
            f"Weights given for {unknown}, which are not among the items.",
            suggestion="give weights keyed by the item column names.",
        )
    w = np.array([float(weights.get(c, 0.0)) for c in items])
    if not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
        raise DataValidationError(
            f"Item weights must be >= 0 and not all zero, got {dict(zip(items, w.tolist(), strict=True))}.",
            suggestion="e.g. weights from a driver analysis, or None for a plain mean.",
        )
    return w


def _weighted_mean(values: pd.DataFrame, w: np.ndarray, min_items: int) -> tuple[pd.Series, pd.Series]:
    v = values.to_numpy(dtype="float64")
    rated = np.isfinite(v)
    wm = np.where(rated, w[None, :], 0.0)
    n_items = rated.sum(axis=1)
    wsum = wm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.where((n_items >= min_items) & (wsum > 0), np.nansum(np.where(rated, v, 0.0) * wm, axis=1) / wsum, np.nan)
    return (
        pd.Series(idx, index=values.index, name="satisfaction_index"),
        pd.Series(n_items, index=values.index, name="n_items"),
    )


def _check_min_items(min_items: int, n: int) -> None:
    if isinstance(min_items, bool) or not isinstance(min_items, (int, np.integer)) or not 1 <= min_items <= n:
        raise DataValidationError(
            f"min_items must be an integer between 1 and the number of items ({n}), got {min_items!r}.",
            suggestion="e.g. min_items=1, or half the items for a stricter index.",
        )


def satisfaction_index(
    data: pd.DataFrame,
    items: Sequence[str],
    *,
    scale: tuple[float, float] = (1, 5),
    not_applicable: float | None = 0,
    min_items: int = 1,
    weights: Mapping[str, float] | None = None,
) -> SatisfactionIndex:
    """Mean rating over the items that apply to each respondent.

    Parameters
    ----------
    data : DataFrame
        The survey, one row per respondent.
    items : list of str
        Item columns rated on ``scale``.
    scale : (low, high), default (1, 5)
    not_applicable : float or None, default 0
        The code for "not applicable"; such ratings are left out of the mean.
        ``None`` if the survey has no such code.
    min_items : int, default 1
        Fewest applicable items for an index; respondents below get NaN.
    weights : mapping, optional
        Item weights (e.g. driver importances); default equal weights.

    Returns
    -------
    SatisfactionIndex

    Raises
    ------
    DataValidationError
        Missing item columns, non-numeric or missing ratings, ratings off the scale.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"wifi": [0, 4], "seat": [5, 2], "food": [3, 0]})
    >>> si = satisfaction_index(df, ["wifi", "seat", "food"])
    >>> si.index.tolist(), si.items["n_not_applicable"].tolist()
    ([4.0, 3.0], [1, 0, 1])
    """
    lv = resolve_levels(scale)
    values = check_items(data, items, lv, not_applicable=not_applicable, func="satisfaction_index")
    items = list(items)
    _check_min_items(min_items, len(items))
    w = _weights(items, weights)
    index, n_items = _weighted_mean(values, w, min_items)
    # a simulated survey's index says so, and so do the curve and the charts built on it
    index.attrs.update({k: data.attrs[k] for k in ("simulated", "label") if k in data.attrs})
    n_na = values.isna().sum()
    table = pd.DataFrame(
        {
            "n_rated": values.notna().sum().astype("int64"),
            "n_not_applicable": n_na.astype("int64"),
            "share_not_applicable": n_na / len(values),
            "mean": values.mean(),
            "weight": w / w.sum(),
        }
    )
    table.index.name = "item"
    return SatisfactionIndex(index, n_items, table, "mean rating", min_items)


def expectation_index(
    data: pd.DataFrame,
    perceived: Sequence[str],
    expected: Sequence[str],
    *,
    scale: tuple[float, float] = (1, 5),
    not_applicable: float | None = 0,
    min_items: int = 1,
) -> SatisfactionIndex:
    """Satisfaction as perception over expectation, averaged over items.

    For each item that both applies and has an expectation, the respondent's ratio
    ``perceived / expected`` (above 1: better than expected); the index is the mean of
    these ratios. The mean gap ``perceived - expected`` (the SERVQUAL-style difference)
    is returned alongside as ``.gap``.

    Parameters
    ----------
    data : DataFrame
    perceived, expected : list of str
        Paired columns: ``perceived[i]`` is the rating of the item whose expectation is
        ``expected[i]``.
    scale, not_applicable, min_items
        As in :func:`satisfaction_index`; both columns of a pair must apply.

    Returns
    -------
    SatisfactionIndex
        ``kind == "perceived/expected"``; ``items["mean"]`` is the item's mean ratio.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"p": [5, 3], "e": [4, 0], "p2": [2, 4], "e2": [4, 4]})
    >>> si = expectation_index(df, ["p", "p2"], ["e", "e2"])
    >>> si.index.round(3).tolist(), si.gap.tolist()
    ([0.875, 1.0], [-0.5, 0.0])
    """
    lv = resolve_levels(scale)
    perceived, expected = list(perceived), list(expected)
    if len(perceived) != len(expected) or not perceived:
        raise DataValidationError(
            f"perceived ({len(perceived)} columns) and expected ({len(expected)}) must pair up one to one.",
            suggestion="list the columns in the same item order, e.g. perceived=['food'], expected=['food (expected)'].",
        )
    p = check_items(data, perceived, lv, not_applicable=not_applicable, what="perceived ratings",
                    func="expectation_index")
    e = check_items(data, expected, lv, not_applicable=not_applicable, what="expectations", func="expectation_index")
    _check_min_items(min_items, len(perceived))
    if lv[0] <= 0:
        raise DataValidationError(
            f"A ratio perceived/expected needs a scale above 0, got {lv[0]:g}-{lv[-1]:g}.",
            suggestion="use the gap (perceived - expected) instead, or shift the scale.",
        )
    pv, ev = p.to_numpy(), e.to_numpy()
    both = np.isfinite(pv) & np.isfinite(ev)
    ratio = pd.DataFrame(np.where(both, pv / np.where(both, ev, 1.0), np.nan), index=data.index, columns=perceived)
    gap = pd.DataFrame(np.where(both, pv - ev, np.nan), index=data.index, columns=perceived)
    w = np.ones(len(perceived))
    index, n_items = _weighted_mean(ratio, w, min_items)
    gap_mean, _ = _weighted_mean(gap, w, min_items)
    index.attrs.update({k: data.attrs[k] for k in ("simulated", "label") if k in data.attrs})
    n_na = (~both).sum(axis=0)
    table = pd.DataFrame(
        {
            "n_rated": both.sum(axis=0).astype("int64"),
            "n_not_applicable": n_na.astype("int64"),
            "share_not_applicable": n_na / len(data),
            "mean": ratio.mean().to_numpy(),
            "weight": w / w.sum(),
        },
        index=pd.Index(perceived, name="item"),
    )
    return SatisfactionIndex(
        index.rename("perceived_over_expected"), n_items, table, "perceived/expected", min_items,
        gap_mean.rename("perceived_minus_expected"),
    )


def bin_index(
    index: pd.Series,
    *,
    method: str = "round",
    scale: tuple[float, float] = (1, 5),
    step: float = 1.0,
    n_bins: int = 5,
) -> pd.Series:
    """Turn a continuous index into levels for :func:`~crmlib.satisfaction.loyalty_curve`.

    Parameters
    ----------
    index : Series
        The index. NaN (a respondent who rated fewer than ``min_items`` items) stays
        NaN here, and :func:`~crmlib.satisfaction.loyalty_curve` then refuses it, naming
        the rows: drop them explicitly so the exclusion is visible.
    method : {"round", "quantile"}, default "round"
        ``"round"``: to the nearest multiple of ``step`` from the scale's low end,
        halves rounded up (3.5 -> 4), clipped to the scale: levels keep the scale's
        meaning. ``"quantile"``: ``n_bins`` equal-count bins labelled 1..n_bins; the
        levels are then ranks, not scale points, and the edges are in
        ``.attrs["bin_edges"]``.
    scale : (low, high), default (1, 5)
    step : float, default 1.0
        Width of the rounded levels (0.5 gives 1, 1.5, ..., 5).
    n_bins : int, default 5

    Returns
    -------
    Series
        Float levels; ``.attrs["levels"]`` lists all possible levels, to pass as
        ``loyalty_curve(..., levels=...)``.

    Examples
    --------
    >>> import pandas as pd
    >>> bin_index(pd.Series([1.2, 2.5, 4.74, 4.75]), step=0.5).tolist()
    [1.0, 2.5, 4.5, 5.0]
    """
    func = "bin_index"
    check_choice(method, "method", ("round", "quantile"), func=func)
    if not isinstance(index, pd.Series):
        index = pd.Series(index, name="satisfaction_index")
    if not pd.api.types.is_numeric_dtype(index) or pd.api.types.is_bool_dtype(index):
        raise DataValidationError(
            f"The index must be numeric, got dtype {index.dtype}.",
            rows=index.head(),
            suggestion="compute it with satisfaction_index(...).index.",
        )
    v = index.to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(v).any():
        raise DataValidationError(
            f"{func}: the index has {int(np.isinf(v).sum()):,} infinite values.",
            rows=index[np.isinf(v)],
            suggestion="an index is a mean of ratings; recompute it with satisfaction_index(...).index.",
        )
    keep = {k: index.attrs[k] for k in ("simulated", "label") if k in index.attrs}
    if method == "round":
        lv = resolve_levels(scale)
        lo, hi = float(lv[0]), float(lv[-1])
        step = to_number(step, "step", low=0, low_inclusive=False, example="0.5")
        levels = lo + step * np.arange(int(np.floor((hi - lo) / step + 1e-9)) + 1)
        # floor(x + 0.5) rather than np.round: banker's rounding would send 2.5 to 2 and 3.5 to 4
        b = lo + step * np.floor((v - lo) / step + 0.5 + 1e-9)
        b = np.clip(b, levels[0], levels[-1])
        out = pd.Series(b, index=index.index, name=f"{index.name or 'index'}_level")
        out.attrs.update(keep)
        out.attrs["levels"] = levels.tolist()
        out.attrs["method"] = f"rounded to the nearest {step:g} on {lo:g}-{hi:g}"
        return out
    if method == "quantile":
        n_bins = check_count(n_bins, "n_bins", low=2)
        codes, edges = pd.qcut(index, n_bins, labels=False, retbins=True, duplicates="drop")
        out = (codes + 1).astype("float64").rename(f"{index.name or 'index'}_level")
        out.attrs.update(keep)
        out.attrs["levels"] = list(np.arange(1.0, len(edges)))
        out.attrs["bin_edges"] = edges.tolist()
        out.attrs["method"] = f"{len(edges) - 1} equal-count (quantile) bins"
        return out
    raise DataValidationError(
        f"method must be 'round' or 'quantile', got {method!r}.", suggestion="use method='round'."
    )

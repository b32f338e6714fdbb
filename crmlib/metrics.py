"""Scores and proportions shared by every area: one lift table, one Wilson interval.

* :func:`lift_table`: response rate, lift and cumulative gains by score bin (提升度/累积增益),
  for churn scores, look-alike scores or any 0/1 outcome.
* :func:`wilson_interval`: the Wilson score interval of a proportion.

Labels and scores are paired by customer, never by luck of row order: when both are
pandas objects they are aligned on their index (a customer missing from either side is
refused, naming it); a plain array is taken to be in the order of the other input and
must have the same length.

Ranking tables split tied scores evenly: a block of customers with the same score
contributes its average to each position it spans, which is the expected result of
breaking the ties at random. A two-level rule therefore gets no credit for the order in
which its customers happen to be listed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError

__all__ = ["lift_table", "wilson_interval"]


# ------------------------------------------------------------------ pairing and checks


def as_score_array(values: Any, name: str, *, func: str) -> np.ndarray:
    """A finite one-dimensional float64 array from a Series or array-like, or refuse it."""
    if isinstance(values, pd.DataFrame) and values.shape[1] == 1:
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series | pd.Index):
        if pd.api.types.is_bool_dtype(values) and name != "y_true":
            raise DataValidationError(f"{func}: {name} is boolean, not a score.", column=name,
                                      suggestion="pass probabilities, e.g. model.predict_proba(X)[:, 1].")
        values = values.to_numpy()
    try:
        arr = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise DataValidationError(
            f"{func}: {name} must be numeric.",
            column=name,
            suggestion="pass one number per customer, e.g. model.predict_proba(X)[:, 1].",
        ) from None
    if arr.ndim != 1:
        raise DataValidationError(
            f"{func}: {name} must be one-dimensional, got shape {arr.shape}.",
            column=name,
            suggestion="pass one value per customer, e.g. model.predict_proba(X)[:, 1].",
        )
    if arr.size == 0:
        raise DataValidationError(f"{func}: {name} is empty.", column=name,
                                  suggestion="pass at least one customer.")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataValidationError(
            f"{func}: {name} has {int(bad.sum()):,} missing or infinite values.",
            column=name,
            rows=pd.DataFrame({name: arr[bad]}, index=np.flatnonzero(bad)),
            suggestion="score every customer; drop customers without a score from all inputs.",
        )
    return arr


def align_to(reference: Any, other: Any, ref_name: str, name: str, *, func: str) -> Any:
    """``other`` in the order of ``reference``: aligned on the index when both are pandas.

    Two pandas objects must hold the same customers (a unique index, the same set of
    ids); the result is ``other`` reindexed to ``reference``'s order. An unlabelled
    array is taken to be in ``reference``'s order and must have its length.
    """
    labelled = (pd.Series, pd.DataFrame)
    if isinstance(reference, labelled) and isinstance(other, labelled):
        for what, obj in ((ref_name, reference), (name, other)):
            if obj.index.has_duplicates:
                dup = obj.index[obj.index.duplicated()].unique()
                raise DataValidationError(
                    f"{func}: {what} has duplicated customer ids: {list(dup[:5])}.",
                    suggestion="pass one row per customer.",
                )
        if reference.index.equals(other.index):
            return other
        only_ref = reference.index.difference(other.index)
        only_other = other.index.difference(reference.index)
        if len(only_ref) or len(only_other):
            raise DataValidationError(
                f"{func}: {ref_name} and {name} do not hold the same customers: "
                f"{len(only_ref):,} only in {ref_name} (e.g. {list(only_ref[:5])}), "
                f"{len(only_other):,} only in {name} (e.g. {list(only_other[:5])}).",
                suggestion=f"pass {ref_name} and {name} for the same customers, indexed by customer_id "
                "(e.g. both from crmlib.churn.time_split).",
            )
        return other.loc[reference.index]
    n_ref, n = len(reference), len(other)
    if n_ref != n:
        raise DataValidationError(
            f"{func}: {name} has {n:,} values but {ref_name} has {n_ref:,}.",
            column=name,
            suggestion=f"score and label the same customers; pass both as pandas objects indexed by "
            f"customer_id so {func} can align them.",
        )
    return other


def as_labels(y_true: Any, *, func: str) -> np.ndarray:
    """0/1 outcomes as float64, or a DataValidationError showing the odd values."""
    y = as_score_array(y_true, "y_true", func=func)
    odd = ~np.isin(y, (0.0, 1.0))
    if odd.any():
        raise DataValidationError(
            f"{func}: y_true must hold 0 and 1 only.",
            column="y_true",
            rows=pd.DataFrame({"y_true": y[odd]}, index=np.flatnonzero(odd)),
            suggestion="pass 0/1 outcomes, e.g. churn labels from crmlib.churn.churn_labels.",
        )
    return y


def top_k_sums(values: np.ndarray, scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Expected sum of ``values`` over the ``k`` highest scores, ties broken at random."""
    order = np.argsort(-scores, kind="stable")
    s, v = scores[order], values[order]
    new_block = np.r_[True, s[1:] != s[:-1]]
    block = np.cumsum(new_block) - 1
    start = np.flatnonzero(new_block)
    size = np.diff(np.r_[start, s.size])
    total = np.bincount(block, weights=v)
    before = np.r_[0.0, np.cumsum(total)[:-1]]
    k = np.asarray(k, dtype=np.int64)
    out = np.zeros(k.shape)
    pos = k > 0
    b = block[k[pos] - 1]  # block holding the k-th customer
    out[pos] = before[b] + (k[pos] - start[b]) * total[b] / size[b]
    return out


# ------------------------------------------------------------------ public functions


def lift_table(y_true: Any, scores: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Response rate, lift and cumulative gains by score bin (1 = highest scores).

    Customers are sorted by score, highest first, and cut into ``n_bins`` groups of
    (almost) equal size. Tied scores are shared evenly between the bins they straddle
    (the expected result of breaking ties at random), so ``positives`` can be
    fractional and the table never depends on row order.

    Parameters
    ----------
    y_true : Series or array-like of 0/1
        Outcomes (1 = churned, converted, ...).
    scores : Series or array-like
        Scores, higher = more likely; only their order matters. When ``y_true`` and
        ``scores`` are both Series they are aligned on their index (customer_id) and
        must hold the same customers; otherwise they are paired by position.
    n_bins : int, default 10
        Number of bins (10: deciles).

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1..n_bins): ``customers``, ``positives``, ``rate``, ``lift``
        (rate / overall rate; 1 = random), ``cum_share_customers``,
        ``cum_share_positives`` (the gains curve) and ``cum_lift``.

    Raises
    ------
    DataValidationError
        Non-0/1 outcomes, missing or infinite scores, different customers or lengths,
        fewer customers than bins, or no positive outcome (lift undefined).

    Examples
    --------
    >>> t = lift_table([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1], n_bins=2)
    >>> t[["positives", "lift", "cum_share_positives"]].to_numpy().tolist()
    [[2.0, 2.0, 1.0], [0.0, 0.0, 1.0]]
    """
    func = "lift_table"
    scores = align_to(y_true, scores, "y_true", "scores", func=func)
    y = as_labels(y_true, func=func)
    s = as_score_array(scores, "scores", func=func)
    if isinstance(n_bins, bool | np.bool_) or not isinstance(n_bins, int | np.integer) or not 1 <= n_bins <= y.size:
        raise DataValidationError(
            f"{func}: n_bins={n_bins!r} must be an integer between 1 and the number of customers ({y.size:,}).",
            suggestion="use fewer bins, e.g. n_bins=10 for deciles.",
        )
    if y.sum() == 0:
        raise DataValidationError(
            f"{func}: no positive outcome among these {y.size:,} customers, so lift is undefined.",
            column="y_true",
            suggestion="evaluate on customers with some positive outcomes (a longer horizon or a larger cohort).",
        )
    k = np.round(np.linspace(0, y.size, n_bins + 1)).astype(np.int64)
    cum = top_k_sums(y, s, k)
    customers = np.diff(k).astype("float64")
    positives = np.diff(cum)
    out = pd.DataFrame(
        {
            "customers": customers,
            "positives": positives,
            "rate": positives / customers,
            "lift": positives / customers / y.mean(),
            "cum_share_customers": k[1:] / y.size,
            "cum_share_positives": cum[1:] / y.sum(),
        },
        index=pd.RangeIndex(1, n_bins + 1, name="bin"),
    )
    out["cum_lift"] = out["cum_share_positives"] / out["cum_share_customers"]
    return out


def wilson_interval(k: Any, n: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion ``k / n``, element-wise.

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0% and
    100% (Wilson 1927; Brown, Cai & DasGupta 2001, Statistical Science 16(2)).

    Parameters
    ----------
    k, n : array-like
        Successes and trials.
    confidence : float, default 0.95
        In (0, 1).

    Returns
    -------
    (low, high) : tuple of ndarray
        NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval([0, 5], [10, 10])
    >>> [round(float(x), 3) for x in (lo[0], hi[0], lo[1], hi[1])]
    [0.0, 0.278, 0.237, 0.763]
    """
    from scipy import stats

    from crmlib.conventions import to_number

    conf = to_number(confidence, "confidence", low=0, high=1, low_inclusive=False, high_inclusive=False,
                     example="0.95")
    try:
        k = np.asarray(k, dtype="float64")
        n = np.asarray(n, dtype="float64")
    except (TypeError, ValueError):
        raise DataValidationError("wilson_interval: k and n must be numeric counts.",
                                  suggestion="pass successes k and trials n as numbers.") from None
    if ((k < 0) | (k > n)).any():
        raise DataValidationError("wilson_interval: need 0 <= k <= n for every element.",
                                  suggestion="pass successes k and trials n with k <= n.")
    z = float(stats.norm.ppf(0.5 + conf / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        # rounding can put an end a hair past k/n when k = 0 or k = n; the interval must hold k/n
        low = np.where(n > 0, np.clip(np.minimum(centre - half, p), 0, 1), np.nan)
        high = np.where(n > 0, np.clip(np.maximum(centre + half, p), 0, 1), np.nan)
    return low, high

"""RFM quintile scores and named segments whose rules are data, not code.

Scores (1 = worst, 5 = best):

* **R** from the days since the last purchase: more recent scores higher;
* **F** from the number of purchase days (same-day purchases are one purchase);
* **M** from total spend;
* **FM** is the combined frequency/monetary score, ``(F + M) / 2`` rounded half up.

Quintiles are taken on ranks, so each score holds a fifth of the customers even when
values repeat (many customers buy exactly once). Ties are broken deterministically: by
value, then by customer id, so the scores never depend on row order. ``ties="average"``
gives tied customers the same score instead (bins are then unequal).

Segments come from a rule table, one row per segment, applied in order; the first rule
whose ranges contain a customer's scores wins. The default table is the widely used
11-segment map over R and FM (Champions ... Lost), each with its 中文 name. A user passes
their own table (a DataFrame or a list of dicts) with the columns

=============================  ===========================================================
column                         meaning
=============================  ===========================================================
``segment``                    name (required, unique)
``segment_zh``                 中文 name (optional)
``description``                one line for reports (optional)
``r_min``, ``r_max``           inclusive range of the R score (optional, default 1..5)
``f_min``, ``f_max``           F score range (optional)
``m_min``, ``m_max``           M score range (optional)
``fm_min``, ``fm_max``         combined FM score range (optional)
``new``                        True: only new customers; False: only the others; empty:
                               anyone (optional)
=============================  ===========================================================

A customer is **new** when their first purchase falls within ``new_within`` (default
``"90D"``) before the inclusive observation end: ``first_purchase >= end_bound(
observation_end) - new_within``. The ``"New"`` segment of the default rules means
exactly that, whatever the scores; recency quintiles alone cannot say it (a customer
first seen years ago who bought last week has R = 5 too).

Rules are checked on the full grid of 5 x 5 x 5 score combinations x new/not new before any
customer is assigned: unknown columns, bounds outside 1..5, duplicated names and rules that
can never win (every combination they cover is taken by earlier rules) raise
:class:`~crmlib.exceptions.DataValidationError`. Combinations no rule covers raise too, by
default; with ``unassigned="label"`` those customers are put in an ``"Unassigned"``
segment, which the profile reports like any other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_numeric, check_series
from crmlib.conventions import end_bound, to_date, to_duration
from crmlib.exceptions import DataValidationError

__all__ = [
    "N_BINS",
    "NEW_WITHIN",
    "UNASSIGNED",
    "quintile_scores",
    "rfm_table",
    "rfm_scores",
    "default_segment_rules",
    "eight_class_rules",
    "validate_rules",
    "rule_coverage",
    "assign_segments",
    "segment_profile",
    "check_segment_names",
]

#: Number of score bins: quintiles.
N_BINS = 5
#: Segment given to customers no rule covers (with ``unassigned="label"``).
UNASSIGNED = ("Unassigned", "未分配")

Ties = Literal["first", "average"]

_BOUND_COLS = ("r_min", "r_max", "f_min", "f_max", "m_min", "m_max", "fm_min", "fm_max")
_TEXT_COLS = ("segment", "segment_zh", "description")
_RULE_COLS = (*_TEXT_COLS, *_BOUND_COLS, "new")
#: Default window of a "new" customer's first purchase before the observation end.
NEW_WITHIN = "90D"

# The widely used 11-segment RFM map over R and the combined FM score.
_DEFAULT_RULES: tuple[dict, ...] = (
    {"segment": "Champions", "segment_zh": "冠军客户", "r_min": 5, "r_max": 5, "fm_min": 4, "fm_max": 5,
     "description": "bought recently, buy often and spend the most"},
    {"segment": "Loyal", "segment_zh": "忠诚客户", "r_min": 3, "r_max": 4, "fm_min": 4, "fm_max": 5,
     "description": "buy often and spend a lot; not the very latest buyers"},
    {"segment": "New", "segment_zh": "新客户", "new": True,
     "description": "first purchase within the new_within window (default 90 days) before the observation end"},
    {"segment": "Potential loyalist", "segment_zh": "潜在忠诚客户", "r_min": 4, "r_max": 5, "fm_min": 2, "fm_max": 3,
     "description": "recent customers with average frequency and spend"},
    {"segment": "Promising", "segment_zh": "有希望客户", "r_min": 4, "r_max": 5, "fm_min": 1, "fm_max": 1,
     "description": "recent shoppers, not new, who have not bought much yet"},
    {"segment": "Need attention", "segment_zh": "需要关注客户", "r_min": 3, "r_max": 3, "fm_min": 3, "fm_max": 3,
     "description": "average on everything; may slip without a nudge"},
    {"segment": "About to sleep", "segment_zh": "即将沉睡客户", "r_min": 3, "r_max": 3, "fm_min": 1, "fm_max": 2,
     "description": "below average and fading"},
    {"segment": "Can't lose", "segment_zh": "不能失去的客户", "r_min": 1, "r_max": 2, "fm_min": 5, "fm_max": 5,
     "description": "used to buy most and spend most, but not for a long time"},
    {"segment": "At risk", "segment_zh": "有流失风险客户", "r_min": 1, "r_max": 2, "fm_min": 3, "fm_max": 4,
     "description": "spent well and often, long ago"},
    {"segment": "Lost", "segment_zh": "流失客户", "r_min": 1, "r_max": 1, "fm_min": 1, "fm_max": 1,
     "description": "lowest recency, frequency and spend"},
    {"segment": "Hibernating", "segment_zh": "沉睡客户", "r_min": 1, "r_max": 2, "fm_min": 1, "fm_max": 2,
     "description": "last purchase long ago, few purchases, low spend"},
)

# The 8-class RFM model of Chinese CRM textbooks: each of R, F, M high (score 3-5) or low (1-2).
_EIGHT_CLASS: tuple[tuple[str, str, bool, bool, bool], ...] = (
    ("Important value", "重要价值客户", True, True, True),
    ("Important development", "重要发展客户", True, False, True),
    ("Important retention", "重要保持客户", False, True, True),
    ("Important win-back", "重要挽留客户", False, False, True),
    ("General value", "一般价值客户", True, True, False),
    ("General development", "一般发展客户", True, False, False),
    ("General retention", "一般保持客户", False, True, False),
    ("General win-back", "一般挽留客户", False, False, False),
)


# ----------------------------------------------------------------------------- scores


def quintile_scores(
    values: pd.Series,
    *,
    higher_is_better: bool = True,
    n_bins: int = N_BINS,
    ties: Ties = "first",
) -> pd.Series:
    """Score customers 1..``n_bins`` by rank, each score holding an equal share.

    Parameters
    ----------
    values : Series
        One finite number per customer, indexed by unique customer ids.
    higher_is_better : bool, default True
        False for measures where small is good (days since the last purchase).
    n_bins : int, default 5
        Number of scores (5: quintiles).
    ties : {"first", "average"}, default "first"
        ``"first"``: rank after a deterministic sort by value, then customer id, so every
        bin holds ``n / n_bins`` customers and tied customers straddling a boundary are
        split by id. ``"average"``: tied customers share the score of their average rank
        (bins then differ in size).

    Returns
    -------
    Series of int64
        Scores, same index as ``values``; ``n_bins`` is the best.

    Raises
    ------
    DataValidationError
        Fewer customers than bins; text, boolean, missing or infinite values (an infinite
        value has no rank among real ones); duplicated customer ids; or all values
        identical (the quintiles collapse: a score would say nothing).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], index=list("abcdefghij"))
    >>> quintile_scores(s).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quintile_scores(s, higher_is_better=False).tolist()
    [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    """
    return _quintiles(values, higher_is_better=higher_is_better, n_bins=n_bins, ties=ties, func="quintile_scores")


def _quintiles(values: pd.Series, *, higher_is_better: bool, n_bins: int, ties: Ties, func: str) -> pd.Series:
    """:func:`quintile_scores`, with errors naming ``func`` (the public function called)."""
    name = str(values.name) if isinstance(values, pd.Series) and values.name is not None else "values"
    if ties not in ("first", "average"):
        raise DataValidationError(f"{func}: ties={ties!r} is unknown.", suggestion="use 'first' or 'average'.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 2:
        raise DataValidationError(
            f"{func}: n_bins={n_bins!r} must be an integer >= 2.", suggestion="use n_bins=5 (quintiles)."
        )
    n = len(values) if isinstance(values, pd.Series) else 0
    if isinstance(values, pd.Series) and n < n_bins:
        raise DataValidationError(
            f"{func}: scoring {name!r} into {n_bins} bins needs at least {n_bins} customers; got {n}.",
            column=name,
            rows=values.to_frame(name) if n else None,
            suggestion="score a larger customer base, or use fewer bins (n_bins=...).",
        )
    # text, booleans, NaN, inf and duplicated ids are refused here, not ranked
    values = check_series(values, name, func=func)
    v = values.to_numpy(dtype="float64")
    if np.all(v == v[0]):
        raise DataValidationError(
            f"{func}: all {n:,} customers have the same {name!r} ({v[0]:g}): the quintiles collapse and "
            "a score would not tell customers apart.",
            column=name,
            rows=values.to_frame(name),
            suggestion="score on the other dimensions only, or check the data (e.g. every customer "
            "bought exactly once, so frequency carries no information).",
        )
    key = v if higher_is_better else -v
    if ties == "first":
        # lexsort sorts by the last key first: value, then customer id as tie-breaker
        ids = np.asarray(values.index.astype("str"))
        order = np.lexsort((ids, key))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        pos = rank.astype("float64")
    else:
        pos = pd.Series(key).rank(method="average").to_numpy() - 1.0
    scores = np.floor(pos * n_bins / n).astype(np.int64) + 1
    return pd.Series(np.clip(scores, 1, n_bins), index=values.index, name=values.name)


_SUMMARY_HINT = "pass crmlib.features.rfm_summary(transactions, observation_end=...)."


def _refuse_duplicate_ids(df: pd.DataFrame, func: str, what: str) -> None:
    if df.index.has_duplicates:
        dup = df.index.duplicated(keep=False)
        raise DataValidationError(
            f"{func}: the {what} has {int(df.index.duplicated().sum()):,} duplicated customer ids; "
            "each customer must appear once.",
            rows=df[dup].head(20),
            suggestion="build one row per customer, e.g. with crmlib.features.rfm_summary(transactions, "
            "observation_end=...), or drop the duplicates (df[~df.index.duplicated()]).",
        )


def _dates(summary: pd.DataFrame, col: str, func: str) -> pd.Series:
    s = summary[col]
    if not pd.api.types.is_datetime64_any_dtype(s) or isinstance(s.dtype, pd.DatetimeTZDtype):
        raise DataValidationError(
            f"{func}: column {col!r} must hold naive dates (datetime64 without a time zone), got {s.dtype}.",
            column=col,
            rows=summary[[col]].head(),
            suggestion=f"convert it, e.g. df[{col!r}] = df[{col!r}].dt.tz_localize(None), or {_SUMMARY_HINT}",
        )
    if s.isna().any():
        raise DataValidationError(
            f"{func}: {int(s.isna().sum()):,} customers have no {col!r}.",
            column=col,
            rows=summary.loc[s.isna(), [col]],
            suggestion=f"drop them, or {_SUMMARY_HINT}",
        )
    return s


def _rfm_table(summary: pd.DataFrame, observation_end, func: str) -> pd.DataFrame:
    """:func:`rfm_table`, with errors naming ``func``."""
    summary = check_frame(
        summary, ("last_purchase", "frequency", "total_spend"), func=func, what="RFM summary",
        suggestion=_SUMMARY_HINT,
    )
    _refuse_duplicate_ids(summary, func, "RFM summary")
    last = _dates(summary, "last_purchase", func)
    num = check_numeric(summary, ["frequency", "total_spend"], func=func, integer=["frequency"])
    if (num["frequency"] < 0).any():
        raise DataValidationError(
            f"{func}: column 'frequency' (repeat purchases) has negative values.",
            column="frequency",
            rows=summary.loc[num["frequency"] < 0, ["frequency"]],
            suggestion=_SUMMARY_HINT,
        )
    if observation_end is None:
        observation_end = summary.attrs.get("observation_end", last.max())
    end = to_date(observation_end, "observation_end")
    end_day = end.normalize()
    days = (end_day - last.dt.normalize()).dt.days
    after = last >= end_bound(end, "observation_end")
    if after.any():
        raise DataValidationError(
            f"{func}: {int(after.sum()):,} customers bought after observation_end={end:%Y-%m-%d} "
            "(the end is inclusive: the last day of history used).",
            column="last_purchase",
            rows=summary.loc[after, ["last_purchase"]],
            suggestion="pass the observation end used for rfm_summary, or a later date.",
        )
    out = pd.DataFrame(
        {
            "recency_days": days.astype("int64"),
            "purchases": num["frequency"].astype("int64") + 1,
            "spend": num["total_spend"],
        },
        index=summary.index,
    )
    if "first_purchase" in summary.columns:
        first = _dates(summary, "first_purchase", func)
        out["tenure_days"] = (end_day - first.dt.normalize()).dt.days.astype("int64")
    out.attrs["observation_end"] = end
    return out


def rfm_table(summary: pd.DataFrame, *, observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Raw recency, frequency and monetary value per customer, from an RFM summary.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crmlib.features.rfm_summary` (needs ``last_purchase``,
        ``frequency`` and ``total_spend``; ``first_purchase`` is used when present),
        indexed by unique customer ids.
    observation_end : date-like, optional
        The reference day, inclusive (the last day of history used), parsed by
        :func:`crmlib.conventions.to_date`. Default: the summary's
        ``attrs["observation_end"]``, else the latest purchase.

    Returns
    -------
    DataFrame
        ``recency_days`` (whole days from the last purchase day to the reference day),
        ``purchases`` (purchase days: repeat frequency + 1), ``spend`` (total spend) and,
        when the summary has ``first_purchase``, ``tenure_days`` (days since the first
        purchase). ``attrs["observation_end"]`` holds the reference day.

    Raises
    ------
    DataValidationError
        Missing columns, duplicated customer ids, time-zone-aware or missing dates,
        missing or fractional frequencies, an invalid ``observation_end`` (such as
        ``"2025-06-31"``) or purchases after it.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"last_purchase": pd.to_datetime(["2024-03-30", "2024-01-01"]),
    ...                   "frequency": [2, 0], "total_spend": [90.0, 20.0]}, index=["a", "b"])
    >>> rfm_table(s, observation_end="2024-03-31")["recency_days"].tolist()
    [1, 90]
    """
    return _rfm_table(summary, observation_end, "rfm_table")


def rfm_scores(
    summary: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    new_within: str | pd.Timedelta = NEW_WITHIN,
    ties: Ties = "first",
) -> pd.DataFrame:
    """Quintile scores R, F, M (1..5, 5 best), the combined FM score and the "new" flag.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crmlib.features.rfm_summary`, or of :func:`rfm_table`
        (``recency_days``, ``purchases``, ``spend``, optionally ``tenure_days``), indexed
        by unique customer ids.
    observation_end : date-like, optional
        Reference day for recency, inclusive; default the summary's
        ``attrs["observation_end"]``, else the latest purchase day.
    new_within : str or Timedelta, default "90D"
        A customer is new when their first purchase falls within this window before the
        observation end (``first_purchase >= end_bound(observation_end) - new_within``).
        Parsed by :func:`crmlib.conventions.to_duration` (``"90D"``, ``"13W"``, ``"3M"``).
    ties : {"first", "average"}, default "first"
        See :func:`quintile_scores`.

    Returns
    -------
    DataFrame
        ``recency_days``, ``purchases``, ``spend``, the scores ``R``, ``F``, ``M``,
        ``FM`` (``(F + M) / 2`` rounded half up), ``rfm_cell`` (e.g. ``"545"``) and, when
        the first purchase is known, ``tenure_days`` and ``new`` (bool).
        ``attrs["new_within"]`` holds the window.

    Raises
    ------
    DataValidationError
        As :func:`rfm_table`; also duplicated customer ids and text, missing or infinite
        values in a ready-made table.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> s = rfm_scores(rfm_summary(load_cdnow(), observation_end="1998-06-30"))
    >>> s["R"].value_counts().sort_index().tolist()
    [472, 471, 472, 471, 471]
    >>> int(s["new"].sum())  # CDNOW's cohort all started buying in early 1997
    0
    """
    func = "rfm_scores"
    window = to_duration(new_within, "new_within")
    if isinstance(summary, pd.DataFrame) and {"recency_days", "purchases", "spend"} <= set(summary.columns):
        cols = [c for c in ("recency_days", "purchases", "spend", "tenure_days") if c in summary.columns]
        summary = check_frame(summary, cols, func=func, what="RFM table", suggestion=_SUMMARY_HINT)
        _refuse_duplicate_ids(summary, func, "RFM table")
        num = check_numeric(summary, cols, func=func, allow_negative=False, integer=["purchases"])
        table = pd.DataFrame(num, index=summary.index)[cols]
    else:
        table = _rfm_table(summary, observation_end, func)
    table["R"] = _quintiles(table["recency_days"], higher_is_better=False, n_bins=N_BINS, ties=ties, func=func)
    table["F"] = _quintiles(table["purchases"], higher_is_better=True, n_bins=N_BINS, ties=ties, func=func)
    table["M"] = _quintiles(table["spend"], higher_is_better=True, n_bins=N_BINS, ties=ties, func=func)
    table["FM"] = (table["F"] + table["M"] + 1) // 2
    table["rfm_cell"] = table["R"].astype("str") + table["F"].astype("str") + table["M"].astype("str")
    if "tenure_days" in table.columns:
        # first purchase >= end_bound(end) - window, in whole days: tenure_days < window
        table["new"] = (table["tenure_days"] + 1) * pd.Timedelta(days=1) <= window
        cols = [c for c in table.columns if c not in ("tenure_days", "new")]
        table = table[[*cols[:3], "tenure_days", *cols[3:], "new"]]
    table.attrs["new_within"] = window
    return table


# ------------------------------------------------------------------------------ rules


def default_segment_rules() -> pd.DataFrame:
    """The 11 named RFM segments (Champions ... Lost) as an editable rule table.

    Rules use the R score, the combined FM score and the ``new`` flag of
    :func:`rfm_scores`; they are applied in order (first match wins) and together cover
    all 125 score combinations, new or not. ``"New"`` (新客户) means a recent *first*
    purchase: the customer's first purchase falls within ``new_within`` (default 90
    days) before the observation end. It comes after Champions and Loyal, so a new
    customer who already buys often and spends a lot is counted there; every customer
    who is not new is placed by R and FM alone (R 4-5 with FM 1 is "Promising").

    Returns
    -------
    DataFrame
        Columns ``segment``, ``segment_zh``, ``description``, ``r_min``, ``r_max``,
        ``fm_min``, ``fm_max``, ``new``; a fresh copy each call, so editing it is safe.

    Examples
    --------
    >>> rules = default_segment_rules()
    >>> len(rules), rules.loc[0, "segment"], rules.loc[0, "segment_zh"]
    (11, 'Champions', '冠军客户')
    """
    cols = ["segment", "segment_zh", "description", "r_min", "r_max", "fm_min", "fm_max", "new"]
    table = pd.DataFrame(list(_DEFAULT_RULES))[cols]
    for col in ("r_min", "r_max", "fm_min", "fm_max"):
        table[col] = table[col].astype("Int64")  # empty bounds (the New rule) stay empty
    table["new"] = table["new"].astype("boolean")
    return table


def eight_class_rules(high: int = 3) -> pd.DataFrame:
    """The 8-class RFM model of Chinese CRM textbooks (重要价值客户 ... 一般挽留客户).

    Each of R, F and M is "high" when its score is at least ``high`` and "low"
    otherwise; the eight combinations are the eight classes.

    Parameters
    ----------
    high : int, default 3
        Lowest score counted as high (3: the upper three quintiles).

    Returns
    -------
    DataFrame
        A rule table for :func:`assign_segments` (columns ``segment``, ``segment_zh``,
        ``r_min`` ... ``m_max``).
    """
    if not 2 <= high <= N_BINS:
        raise DataValidationError(f"high={high!r} must be between 2 and {N_BINS}.", suggestion="use high=3.")
    rows = []
    for name, zh, r, f, m in _EIGHT_CLASS:
        row = {"segment": name, "segment_zh": zh}
        for dim, is_high in (("r", r), ("f", f), ("m", m)):
            row[f"{dim}_min"], row[f"{dim}_max"] = (high, N_BINS) if is_high else (1, high - 1)
        rows.append(row)
    return pd.DataFrame(rows)


def _uses_new(table: pd.DataFrame) -> bool:
    return bool(table["new"].notna().any())


def _grid(with_new: bool = False) -> pd.DataFrame:
    """All score cells (R slowest, then F, M, and the new flag when rules use it)."""
    news = [False, True] if with_new else [False]
    r, f, m, n = np.meshgrid(np.arange(1, 6), np.arange(1, 6), np.arange(1, 6), news, indexing="ij")
    grid = pd.DataFrame({"R": r.ravel(), "F": f.ravel(), "M": m.ravel()})
    grid["FM"] = (grid["F"] + grid["M"] + 1) // 2
    if with_new:
        grid["new"] = n.ravel()
    return grid


def validate_rules(rules: pd.DataFrame | Sequence[Mapping] | None = None) -> pd.DataFrame:
    """Check a rule table and return it normalised (every bound filled in).

    Parameters
    ----------
    rules : DataFrame or list of dicts, optional
        See the module docstring for the columns. None: :func:`default_segment_rules`.

    Returns
    -------
    DataFrame
        The rules with ``segment_zh`` and ``description`` filled with "" and every
        missing bound set to 1 (minimum) or 5 (maximum), as int64; ``new`` is a nullable
        boolean (missing: the rule ignores the flag).

    Raises
    ------
    DataValidationError
        No rules; unknown columns; a missing or duplicated segment name; a bound that is
        not a whole number in 1..5; a ``new`` value that is not True, False or empty; a
        minimum above its maximum; a rule that never wins
        because earlier rules take every combination it covers.
    """
    if rules is None:
        rules = default_segment_rules()
    if isinstance(rules, pd.DataFrame):
        table = rules.copy()
    else:
        try:
            table = pd.DataFrame(list(rules))
        except (TypeError, ValueError) as err:
            raise DataValidationError(
                f"Segment rules must be a DataFrame or a list of dicts, got {type(rules).__name__}.",
                suggestion="start from crmlib.segment.default_segment_rules() and edit it.",
            ) from err
    if len(table) == 0:
        raise DataValidationError("The segment rule table is empty.", suggestion="pass at least one rule.")
    unknown = [str(c) for c in table.columns if c not in _RULE_COLS]
    if unknown:
        raise DataValidationError(
            f"Unknown column(s) in the segment rules: {', '.join(map(repr, unknown))}.",
            column=unknown[0],
            suggestion=f"use only: {', '.join(_RULE_COLS)} (score ranges are inclusive, 1..5).",
        )
    if "segment" not in table.columns:
        raise DataValidationError(
            "The segment rules have no 'segment' column (the segment names).",
            column="segment",
            suggestion="add a 'segment' column; see crmlib.segment.default_segment_rules().",
        )
    names = table["segment"]
    if names.isna().any() or (names.astype("str").str.strip() == "").any():
        raise DataValidationError(
            "Some segment rules have no name.", column="segment",
            rows=table[names.isna() | (names.astype("str").str.strip() == "")],
            suggestion="give every rule a 'segment' name.",
        )
    table["segment"] = names.astype("str")
    dup = table["segment"].duplicated(keep=False)
    if dup.any():
        raise DataValidationError(
            "Segment names must be unique; repeated: "
            f"{', '.join(map(repr, table.loc[dup, 'segment'].unique()))}.",
            column="segment",
            rows=table[dup],
            suggestion="merge the rows into one rule per segment, or rename them.",
        )
    for col in ("segment_zh", "description"):
        table[col] = table[col].fillna("").astype("str") if col in table.columns else ""
    for col in _BOUND_COLS:
        default = 1 if col.endswith("_min") else N_BINS
        if col not in table.columns:
            table[col] = default
            continue
        raw = table[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = (raw.notna() & num.isna()) | (num.notna() & ((num % 1 != 0) | (num < 1) | (num > N_BINS)))
        if bad.any():
            raise DataValidationError(
                f"Rule column {col!r} must hold whole scores from 1 to {N_BINS} (or be empty).",
                column=col,
                rows=table.loc[bad, ["segment", col]],
                suggestion="use inclusive score ranges such as r_min=4, r_max=5.",
            )
        table[col] = num.fillna(default).astype("int64")
    raw_new = table["new"] if "new" in table.columns else pd.Series(pd.NA, index=table.index)
    ok = raw_new.isna() | raw_new.map(lambda x: isinstance(x, bool | np.bool_))
    if not ok.all():
        raise DataValidationError(
            "Rule column 'new' must hold True (new customers only), False (the others) or be empty.",
            column="new",
            rows=table.loc[~ok, ["segment", "new"]],
            suggestion="use new=True for a rule about customers whose first purchase is recent.",
        )
    table["new"] = pd.array([None if pd.isna(x) else bool(x) for x in raw_new], dtype="boolean")
    for dim in ("r", "f", "m", "fm"):
        lo, hi = table[f"{dim}_min"], table[f"{dim}_max"]
        if (lo > hi).any():
            raise DataValidationError(
                f"{dim}_min is above {dim}_max in {int((lo > hi).sum())} rule(s).",
                column=f"{dim}_min",
                rows=table.loc[lo > hi, ["segment", f"{dim}_min", f"{dim}_max"]],
                suggestion="swap the bounds.",
            )
    cov = _match(table)
    wins = pd.Series(cov).value_counts()
    never = [s for i, s in enumerate(table["segment"]) if wins.get(i, 0) == 0]
    if never:
        raise DataValidationError(
            f"Rule(s) {', '.join(map(repr, never))} never apply: every score combination they cover is "
            "taken by an earlier rule (or the ranges select nothing).",
            column="segment",
            rows=table[table["segment"].isin(never)][["segment", *_BOUND_COLS]],
            suggestion="move the rule up (rules are applied in order; the first match wins) or widen its ranges.",
        )
    return table[list(_RULE_COLS)].reset_index(drop=True)


def _match(table: pd.DataFrame) -> np.ndarray:
    """Index of the first rule matching each grid cell (see :func:`_grid`), -1 when none does."""
    with_new = _uses_new(table)
    grid = _grid(with_new)
    first = np.full(len(grid), -1, dtype=np.int64)
    for i, rule in enumerate(table.itertuples(index=False)):
        hit = (
            grid["R"].between(rule.r_min, rule.r_max)
            & grid["F"].between(rule.f_min, rule.f_max)
            & grid["M"].between(rule.m_min, rule.m_max)
            & grid["FM"].between(rule.fm_min, rule.fm_max)
        ).to_numpy(copy=True)
        if with_new and not pd.isna(rule.new):
            hit &= grid["new"].to_numpy() == bool(rule.new)
        first[(first == -1) & hit] = i
    return first


def rule_coverage(rules: pd.DataFrame | Sequence[Mapping] | None = None) -> pd.DataFrame:
    """Which segment each of the 125 (R, F, M) combinations falls in, new or not.

    Parameters
    ----------
    rules : DataFrame or list of dicts, optional
        Default :func:`default_segment_rules`.

    Returns
    -------
    DataFrame
        ``R``, ``F``, ``M``, ``FM`` and ``segment`` (``"Unassigned"`` where no rule
        matches): 125 rows, or 250 with a ``new`` column when a rule uses the new flag
        (every combination for customers who are not new, then again for new ones).

    Examples
    --------
    >>> cov = rule_coverage()
    >>> len(cov), int((cov["segment"] == "Unassigned").sum())
    (250, 0)
    >>> sorted(cov.loc[cov["new"], "segment"].unique())
    ['Champions', 'Loyal', 'New']
    """
    table = validate_rules(rules)
    first = _match(table)
    grid = _grid(_uses_new(table))
    names = np.append(table["segment"].to_numpy(dtype=object), UNASSIGNED[0])
    grid["segment"] = names[first]  # -1 picks the appended "Unassigned"
    return grid


def assign_segments(
    scores: pd.DataFrame,
    rules: pd.DataFrame | Sequence[Mapping] | None = None,
    *,
    unassigned: Literal["raise", "label"] = "raise",
) -> pd.DataFrame:
    """Give every customer exactly one named segment.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (needs ``R``, ``F``, ``M``, and ``new`` when a rule
        uses the new flag, as the default ``"New"`` rule does).
    rules : DataFrame or list of dicts, optional
        Rule table (see the module docstring); default the 11-segment map.
    unassigned : {"raise", "label"}, default "raise"
        What to do when customers fall in score combinations no rule covers:
        raise a :class:`~crmlib.exceptions.DataValidationError` listing them, or put them
        in the segment ``"Unassigned"`` (未分配).

    Returns
    -------
    DataFrame
        ``scores`` plus ``segment`` (ordered categorical, in rule order),
        ``segment_zh`` and ``segment_label`` (e.g. ``"Champions 冠军客户"``).
        ``result.attrs["rules"]`` holds the validated rule table.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"R": [5, 1, 5, 5], "F": [5, 1, 1, 1], "M": [4, 1, 1, 1],
    ...                        "new": [False, False, True, False]}, index=list("abcd"))
    >>> assign_segments(scores)["segment"].tolist()
    ['Champions', 'Lost', 'New', 'Promising']
    """
    if unassigned not in ("raise", "label"):
        raise DataValidationError(
            f"assign_segments: unassigned={unassigned!r} is unknown.", suggestion="use 'raise' or 'label'."
        )
    func = "assign_segments"
    hint = "pass the output of crmlib.segment.rfm_scores(...)."
    scores = check_frame(scores, ("R", "F", "M"), func=func, what="RFM scores", suggestion=hint)
    _refuse_duplicate_ids(scores, func, "RFM scores")
    bad = np.zeros(len(scores), bool)
    for c in ("R", "F", "M"):
        col = scores[c]
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            raise DataValidationError(
                f"{func}: score column {c!r} must hold whole numbers 1..{N_BINS}, got dtype {col.dtype}.",
                column=c,
                rows=scores[["R", "F", "M"]].head(),
                suggestion=hint,
            )
        bad |= ~np.isin(col.to_numpy(dtype="float64", na_value=np.nan), np.arange(1, N_BINS + 1))
    if bad.any():
        raise DataValidationError(
            f"{func}: {int(bad.sum()):,} customers have R, F or M scores outside 1..{N_BINS}.",
            rows=scores.loc[bad, ["R", "F", "M"]],
            suggestion=hint,
        )
    r, f, m = (scores[c].to_numpy(dtype="float64").astype(np.int64) for c in ("R", "F", "M"))
    table = validate_rules(rules)
    first = _match(table)
    cell = (r - 1) * 25 + (f - 1) * 5 + (m - 1)
    if _uses_new(table):
        if "new" not in scores.columns:
            used = ", ".join(repr(n) for n in table.loc[table["new"].notna(), "segment"])
            raise DataValidationError(
                f"{func}: the rule(s) {used} need the 'new' flag (first purchase within a recent window), "
                "but the scores have no 'new' column.",
                column="new",
                suggestion="score a summary that has first_purchase: rfm_scores(rfm_summary(transactions, "
                "observation_end=...)), or add a boolean 'new' column, or drop the 'new' condition from "
                "the rules.",
            )
        new = scores["new"]
        if not pd.api.types.is_bool_dtype(new) or new.isna().any():
            raise DataValidationError(
                f"{func}: column 'new' must hold True or False for every customer, got dtype {new.dtype}.",
                column="new",
                rows=scores[["new"]].head(),
                suggestion=hint,
            )
        cell = cell * 2 + new.to_numpy(dtype=bool).astype(np.int64)
    idx = first[cell]
    missing = idx == -1
    names = list(table["segment"])
    zh = list(table["segment_zh"])
    if missing.any():
        if unassigned == "raise":
            combos = sorted({f"R{a}F{b}M{c}" for a, b, c in zip(r[missing], f[missing], m[missing], strict=True)})
            raise DataValidationError(
                f"{int(missing.sum()):,} customers fall in score combinations no rule covers "
                f"({', '.join(combos[:8])}{', ...' if len(combos) > 8 else ''}).",
                rows=scores.loc[missing, ["R", "F", "M"]],
                suggestion="add a catch-all last rule (a row with only a 'segment' name matches everything), "
                "or pass unassigned='label' to report them as 'Unassigned'. "
                "crmlib.segment.rule_coverage(rules) shows the uncovered combinations.",
            )
        names.append(UNASSIGNED[0])
        zh.append(UNASSIGNED[1])
        idx = np.where(missing, len(names) - 1, idx)
    labels = [f"{n} {z}".strip() for n, z in zip(names, zh, strict=True)]
    out = scores.copy()
    out["segment"] = pd.Categorical.from_codes(idx, categories=names, ordered=True)
    out["segment_zh"] = np.asarray(zh, dtype=object)[idx].astype("str")
    out["segment_label"] = pd.Categorical.from_codes(idx, categories=labels, ordered=True)
    out.attrs["rules"] = table
    return out


def check_segment_names(names: Sequence[str], known: Sequence[str], what: str = "names") -> list[str]:
    """Raise a clear error when ``names`` holds segments that are not in ``known``.

    Parameters
    ----------
    names : sequence of str
        Segment names a user passed (an order, an action table ...).
    known : sequence of str
        The segments the rules define.
    what : str
        What the names are for, shown in the message.

    Returns
    -------
    list of str
        ``names`` as a list.
    """
    names = [str(n) for n in names]
    unknown = [n for n in names if n not in set(map(str, known))]
    if unknown:
        raise DataValidationError(
            f"Unknown segment name(s) in {what}: {', '.join(map(repr, unknown))}.",
            column="segment",
            suggestion=f"use the names the rules define: {', '.join(map(repr, known))}.",
        )
    return names


def segment_profile(segmented: pd.DataFrame, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per segment: size, share of customers, share of revenue, mean R/F/M.

    Parameters
    ----------
    segmented : DataFrame
        Output of :func:`assign_segments` (needs ``segment``, ``spend`` and the scores).
    order : sequence of str, optional
        Segment order of the rows; default the rule order. Every name must be a segment.

    Returns
    -------
    DataFrame
        Indexed by ``segment``: ``segment_zh``, ``label``, ``customers``,
        ``share_customers``, ``revenue``, ``share_revenue``, ``revenue_per_customer``,
        ``mean_recency_days``, ``mean_purchases``, ``mean_spend``, ``mean_R``, ``mean_F``,
        ``mean_M``. Segments without customers are listed with zeros.
    """
    segmented = check_frame(
        segmented,
        ("segment", "segment_label", "spend", "recency_days", "purchases", "R", "F", "M"),
        func="segment_profile",
        what="segmented customers",
        suggestion="pass the output of crmlib.segment.assign_segments(...).",
    )
    seg = segmented["segment"]
    cats = list(seg.cat.categories) if isinstance(seg.dtype, pd.CategoricalDtype) else list(pd.unique(seg))
    g = segmented.groupby(seg.astype("str"), sort=False)
    prof = pd.DataFrame(index=pd.Index(cats, name="segment"))
    counts = g.size()
    prof["customers"] = counts.reindex(cats, fill_value=0).astype("int64")
    prof["share_customers"] = prof["customers"] / len(segmented)
    revenue = g["spend"].sum().reindex(cats, fill_value=0.0)
    total = float(segmented["spend"].sum())
    prof["revenue"] = revenue
    prof["share_revenue"] = revenue / total if total > 0 else np.nan
    prof["revenue_per_customer"] = revenue / prof["customers"].where(prof["customers"] > 0)
    for col, name in (("recency_days", "mean_recency_days"), ("purchases", "mean_purchases"), ("spend", "mean_spend"),
                      ("R", "mean_R"), ("F", "mean_F"), ("M", "mean_M")):
        prof[name] = g[col].mean().reindex(cats)
    zh = dict(zip(seg.astype("str"), segmented.get("segment_zh", seg.astype("str")), strict=False))
    rules = segmented.attrs.get("rules")
    if isinstance(rules, pd.DataFrame):
        zh.update(dict(zip(rules["segment"], rules["segment_zh"], strict=True)))
    prof.insert(0, "segment_zh", [zh.get(c, "") for c in cats])
    prof.insert(1, "label", [f"{c} {zh.get(c, '')}".strip() for c in cats])
    if order is not None:
        prof = prof.loc[check_segment_names(order, cats, "order")]
    return prof

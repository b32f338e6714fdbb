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
=============================  ===========================================================

Rules are checked on the full grid of 5 x 5 x 5 = 125 score combinations before any
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

from crmlib.exceptions import DataValidationError
from crmlib.segment._checks import check_frame

__all__ = [
    "N_BINS",
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
_RULE_COLS = _TEXT_COLS + _BOUND_COLS

# The widely used 11-segment RFM map over R and the combined FM score.
_DEFAULT_RULES: tuple[dict, ...] = (
    {"segment": "Champions", "segment_zh": "冠军客户", "r_min": 5, "r_max": 5, "fm_min": 4, "fm_max": 5,
     "description": "bought recently, buy often and spend the most"},
    {"segment": "Loyal", "segment_zh": "忠诚客户", "r_min": 3, "r_max": 4, "fm_min": 4, "fm_max": 5,
     "description": "buy often and spend a lot; not the very latest buyers"},
    {"segment": "Potential loyalist", "segment_zh": "潜在忠诚客户", "r_min": 4, "r_max": 5, "fm_min": 2, "fm_max": 3,
     "description": "recent customers with average frequency and spend"},
    {"segment": "New", "segment_zh": "新客户", "r_min": 5, "r_max": 5, "fm_min": 1, "fm_max": 1,
     "description": "bought very recently, for the first time or almost"},
    {"segment": "Promising", "segment_zh": "有希望客户", "r_min": 4, "r_max": 4, "fm_min": 1, "fm_max": 1,
     "description": "recent shoppers who have not spent much yet"},
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
        One number per customer, indexed by customer id.
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
        Fewer customers than bins, missing values, or all values identical (the quintiles
        collapse: a score would say nothing).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], index=list("abcdefghij"))
    >>> quintile_scores(s).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quintile_scores(s, higher_is_better=False).tolist()
    [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    """
    name = str(values.name) if values.name is not None else "values"
    if ties not in ("first", "average"):
        raise DataValidationError(f"ties={ties!r} is unknown.", suggestion="use 'first' or 'average'.")
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise DataValidationError(f"n_bins={n_bins!r} must be an integer >= 2.", suggestion="use n_bins=5 (quintiles).")
    n = len(values)
    if n < n_bins:
        raise DataValidationError(
            f"Scoring {name!r} into {n_bins} bins needs at least {n_bins} customers; got {n}.",
            column=name,
            rows=values.to_frame(name) if n else None,
            suggestion="score a larger customer base, or use fewer bins (n_bins=...).",
        )
    v = values.to_numpy(dtype="float64")
    if np.isnan(v).any():
        raise DataValidationError(
            f"{int(np.isnan(v).sum()):,} customers have no {name!r} value.",
            column=name,
            rows=values[np.isnan(v)].to_frame(name),
            suggestion="fill or drop them before scoring.",
        )
    if np.all(v == v[0]):
        raise DataValidationError(
            f"All {n:,} customers have the same {name!r} ({v[0]:g}): the quintiles collapse and "
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


def rfm_table(summary: pd.DataFrame, *, observation_end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Raw recency, frequency and monetary value per customer, from an RFM summary.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crmlib.features.rfm_summary` (needs ``last_purchase``,
        ``frequency`` and ``total_spend``), indexed by customer id.
    observation_end : date-like, optional
        The reference day; default the day of the latest purchase in ``summary``.

    Returns
    -------
    DataFrame
        ``recency_days`` (whole days from the last purchase day to the reference day),
        ``purchases`` (purchase days: repeat frequency + 1) and ``spend`` (total spend).
    """
    hint = "pass crmlib.features.rfm_summary(transactions, observation_end=...)."
    summary = check_frame(summary, ("last_purchase", "frequency", "total_spend"), "RFM summary", hint)
    last = summary["last_purchase"]
    if not pd.api.types.is_datetime64_any_dtype(last):
        raise DataValidationError(
            f"Column 'last_purchase' must hold dates, got {last.dtype}.", column="last_purchase", suggestion=hint
        )
    end = last.max() if observation_end is None else pd.Timestamp(observation_end)
    end_day = end.normalize()
    days = (end_day - last.dt.normalize()).dt.days
    if (days < 0).any():
        raise DataValidationError(
            f"{int((days < 0).sum()):,} customers bought after observation_end={end_day:%Y-%m-%d}.",
            column="last_purchase",
            rows=summary.loc[days < 0, ["last_purchase"]],
            suggestion="pass the observation end used for rfm_summary, or a later date.",
        )
    return pd.DataFrame(
        {
            "recency_days": days.astype("int64"),
            "purchases": summary["frequency"].astype("int64") + 1,
            "spend": summary["total_spend"].astype("float64"),
        },
        index=summary.index,
    )


def rfm_scores(
    summary: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    ties: Ties = "first",
) -> pd.DataFrame:
    """Quintile scores R, F, M (1..5, 5 best) and the combined FM score per customer.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crmlib.features.rfm_summary`, or of :func:`rfm_table`
        (``recency_days``, ``purchases``, ``spend``).
    observation_end : date-like, optional
        Reference day for recency; default the latest purchase day.
    ties : {"first", "average"}, default "first"
        See :func:`quintile_scores`.

    Returns
    -------
    DataFrame
        ``recency_days``, ``purchases``, ``spend``, the scores ``R``, ``F``, ``M``,
        ``FM`` (``(F + M) / 2`` rounded half up) and ``rfm_cell`` (e.g. ``"545"``).

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> from crmlib.features import rfm_summary
    >>> s = rfm_scores(rfm_summary(load_cdnow(), observation_end="1998-06-30"))
    >>> s["R"].value_counts().sort_index().tolist()
    [472, 471, 472, 471, 471]
    """
    if isinstance(summary, pd.DataFrame) and {"recency_days", "purchases", "spend"} <= set(summary.columns):
        table = summary[["recency_days", "purchases", "spend"]].copy()
    else:
        table = rfm_table(summary, observation_end=observation_end)
    if len(table) == 0:
        raise DataValidationError("The RFM summary is empty (0 customers).", suggestion="check the filter that produced it.")
    table["R"] = quintile_scores(table["recency_days"], higher_is_better=False, ties=ties)
    table["F"] = quintile_scores(table["purchases"], ties=ties)
    table["M"] = quintile_scores(table["spend"], ties=ties)
    table["FM"] = (table["F"] + table["M"] + 1) // 2
    table["rfm_cell"] = table["R"].astype("str") + table["F"].astype("str") + table["M"].astype("str")
    return table


# ------------------------------------------------------------------------------ rules


def default_segment_rules() -> pd.DataFrame:
    """The 11 named RFM segments (Champions ... Lost) as an editable rule table.

    Rules use the R score and the combined FM score, are applied in order (first match
    wins) and together cover all 125 score combinations.

    Returns
    -------
    DataFrame
        Columns ``segment``, ``segment_zh``, ``description``, ``r_min``, ``r_max``,
        ``fm_min``, ``fm_max``; a fresh copy each call, so editing it is safe.

    Examples
    --------
    >>> rules = default_segment_rules()
    >>> len(rules), rules.loc[0, "segment"], rules.loc[0, "segment_zh"]
    (11, 'Champions', '冠军客户')
    """
    cols = ["segment", "segment_zh", "description", "r_min", "r_max", "fm_min", "fm_max"]
    return pd.DataFrame(list(_DEFAULT_RULES))[cols]


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


def _grid() -> pd.DataFrame:
    r, f, m = np.meshgrid(np.arange(1, 6), np.arange(1, 6), np.arange(1, 6), indexing="ij")
    grid = pd.DataFrame({"R": r.ravel(), "F": f.ravel(), "M": m.ravel()})
    grid["FM"] = (grid["F"] + grid["M"] + 1) // 2
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
        missing bound set to 1 (minimum) or 5 (maximum), as int64.

    Raises
    ------
    DataValidationError
        No rules; unknown columns; a missing or duplicated segment name; a bound that is
        not a whole number in 1..5; a minimum above its maximum; a rule that never wins
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
    """Index of the first rule matching each of the 125 grid cells, -1 when none does."""
    grid = _grid()
    first = np.full(len(grid), -1, dtype=np.int64)
    for i, rule in enumerate(table.itertuples(index=False)):
        hit = (
            grid["R"].between(rule.r_min, rule.r_max)
            & grid["F"].between(rule.f_min, rule.f_max)
            & grid["M"].between(rule.m_min, rule.m_max)
            & grid["FM"].between(rule.fm_min, rule.fm_max)
        ).to_numpy()
        first[(first == -1) & hit] = i
    return first


def rule_coverage(rules: pd.DataFrame | Sequence[Mapping] | None = None) -> pd.DataFrame:
    """Which segment each of the 125 (R, F, M) combinations falls in.

    Parameters
    ----------
    rules : DataFrame or list of dicts, optional
        Default :func:`default_segment_rules`.

    Returns
    -------
    DataFrame
        125 rows: ``R``, ``F``, ``M``, ``FM`` and ``segment`` (``"Unassigned"`` where no
        rule matches).

    Examples
    --------
    >>> cov = rule_coverage()
    >>> len(cov), int((cov["segment"] == "Unassigned").sum())
    (125, 0)
    """
    table = validate_rules(rules)
    first = _match(table)
    grid = _grid()
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
        Output of :func:`rfm_scores` (needs ``R``, ``F``, ``M``).
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
    >>> scores = pd.DataFrame({"R": [5, 1], "F": [5, 1], "M": [4, 1]}, index=["a", "b"])
    >>> assign_segments(scores)["segment"].tolist()
    ['Champions', 'Lost']
    """
    if unassigned not in ("raise", "label"):
        raise DataValidationError(f"unassigned={unassigned!r} is unknown.", suggestion="use 'raise' or 'label'.")
    scores = check_frame(scores, ("R", "F", "M"), "RFM scores", "pass the output of crmlib.segment.rfm_scores(...).")
    r, f, m = (scores[c].to_numpy() for c in ("R", "F", "M"))
    bad = np.zeros(len(scores), bool)
    for arr in (r, f, m):
        with np.errstate(invalid="ignore"):
            bad |= ~np.isin(arr, np.arange(1, N_BINS + 1))
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum()):,} customers have R, F or M scores outside 1..{N_BINS}.",
            rows=scores.loc[bad, ["R", "F", "M"]],
            suggestion="compute the scores with crmlib.segment.rfm_scores(...).",
        )
    table = validate_rules(rules)
    first = _match(table)
    cell = (r.astype(np.int64) - 1) * 25 + (f.astype(np.int64) - 1) * 5 + (m.astype(np.int64) - 1)
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
        "segmented customers",
        "pass the output of crmlib.segment.assign_segments(...).",
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

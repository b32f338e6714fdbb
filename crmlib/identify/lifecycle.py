"""Customer lifecycle states at a reference date (客户的状态) and transitions between dates.

A customer's state as of ``observation_end`` uses only purchases dated up to and
including that day (a date-only value includes its whole day; the state at the end of
that day). Purchases on the same calendar day are one purchase, and only purchases count
(:func:`crmlib.conventions.purchase_mask`: a return is not a purchase day). Days since
the last purchase are counted to the day of ``observation_end`` (0 for a purchase on it).

Definitions (all thresholds are fields of :class:`LifecycleCriteria`):

* **typical gap** (days): the median gap between the customer's purchase days; for a
  customer with one purchase, the population's typical gap (the median, over repeat
  customers, of their median gap), or ``default_gap_days`` when given. Never below
  ``min_gap_days``, so two purchases a day apart do not make a customer "churned" a
  week later.
* **churned** (流失客户): no purchase for more than ``churn_gap_multiple`` x typical gap;
  with a P(alive) Series, P(alive) below ``p_alive_threshold`` instead.
* **at risk** (有流失风险客户): not churned, and no purchase for more than
  ``at_risk_gap_multiple`` x typical gap (or P(alive) below ``p_alive_at_risk``).
* **won back** (挽回客户): not churned or at risk, and a *win-back purchase* within the last
  ``won_back_days`` days. A purchase is a win-back purchase when the gap before it exceeded
  the churn threshold *as it stood then* (``churn_gap_multiple`` x the median of the
  customer's earlier gaps, or the population gap if there were none): the customer had
  churned and came back.
* otherwise, by the number of purchase days: **loyal** (忠诚客户) at
  ``loyal_min_purchases`` or more, **repeat** (重复购买客户) at 2 or more, **first-time**
  (初次购买客户) with one.

The order of precedence is therefore churned, at risk, won back, loyal, repeat,
first-time: each customer gets exactly one state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from crmlib.checks import check_log, check_series
from crmlib.conventions import end_bound, to_date, to_number
from crmlib.exceptions import DataValidationError
from crmlib.identify._common import purchase_days

__all__ = [
    "STATES",
    "NON_CUSTOMER",
    "LifecycleCriteria",
    "lifecycle_states",
    "transition_matrix",
    "lifecycle_over_time",
    "lifecycle_flows",
    "reference_dates",
    "state_labels",
]

#: Lifecycle states in display order, with their 中文 names.
STATES: tuple[tuple[str, str], ...] = (
    ("first_time", "初次购买客户"),
    ("repeat", "重复购买客户"),
    ("loyal", "忠诚客户"),
    ("won_back", "挽回客户"),
    ("at_risk", "有流失风险客户"),
    ("churned", "流失客户"),
)
#: Row of a transition matrix for customers who had not bought yet at the start.
NON_CUSTOMER: tuple[str, str] = ("non_customer", "非客户 (尚未购买)")

_STATE_NAMES = [s for s, _ in STATES]
_STATE_ZH = dict(STATES)


def state_labels(include_non_customer: bool = False, sep: str = " ") -> dict[str, str]:
    """Display labels "state 中文" for each state name (for tables and charts).

    Parameters
    ----------
    include_non_customer : bool, default False
        Also label :data:`NON_CUSTOMER`.
    sep : str, default " "
        Between the English and the 中文 name ("\n" for narrow chart ticks).
    """
    pairs = ([NON_CUSTOMER] if include_non_customer else []) + list(STATES)
    return {s: f"{s.replace('_', ' ')}{sep}{zh}" for s, zh in pairs}


@dataclass(frozen=True)
class LifecycleCriteria:
    """Thresholds that define the lifecycle states (see the module docstring).

    Parameters
    ----------
    loyal_min_purchases : int, default 4
        Purchase days from which a customer counts as loyal.
    churn_gap_multiple : float, default 3.0
        Churned after this many typical gaps without a purchase.
    at_risk_gap_multiple : float, default 1.5
        At risk after this many typical gaps.
    min_gap_days : float, default 30
        Floor of the typical gap, in days.
    default_gap_days : float, optional
        Typical gap of one-time buyers; None: the population's median gap.
    won_back_days : int, default 90
        How long after a win-back purchase the customer is shown as won back.
    p_alive_threshold : float, default 0.3
        With a P(alive) Series: churned below this.
    p_alive_at_risk : float, default 0.5
        With a P(alive) Series: at risk below this.
    """

    loyal_min_purchases: int = 4
    churn_gap_multiple: float = 3.0
    at_risk_gap_multiple: float = 1.5
    min_gap_days: float = 30.0
    default_gap_days: float | None = None
    won_back_days: int = 90
    p_alive_threshold: float = 0.3
    p_alive_at_risk: float = 0.5

    def __post_init__(self) -> None:
        def bad(msg: str, suggestion: str) -> None:
            raise DataValidationError(msg, suggestion=suggestion)

        # text, booleans, NaN and inf are refused before any comparison
        to_number(self.loyal_min_purchases, "loyal_min_purchases", low=2, integer=True, example="4")
        to_number(self.at_risk_gap_multiple, "at_risk_gap_multiple", example="1.5")
        to_number(self.churn_gap_multiple, "churn_gap_multiple", example="3")
        to_number(self.min_gap_days, "min_gap_days", example="30")
        if self.default_gap_days is not None:
            to_number(self.default_gap_days, "default_gap_days", example="60")
        to_number(self.won_back_days, "won_back_days", example="90")
        to_number(self.p_alive_threshold, "p_alive_threshold", example="0.3")
        to_number(self.p_alive_at_risk, "p_alive_at_risk", example="0.5")
        if not self.at_risk_gap_multiple > 0 or not self.churn_gap_multiple > self.at_risk_gap_multiple:
            bad(
                f"Need 0 < at_risk_gap_multiple ({self.at_risk_gap_multiple}) < churn_gap_multiple "
                f"({self.churn_gap_multiple}).",
                "e.g. at_risk_gap_multiple=1.5, churn_gap_multiple=3.",
            )
        if not self.min_gap_days > 0:
            bad(f"min_gap_days={self.min_gap_days!r} must be positive.", "e.g. 30.")
        if self.default_gap_days is not None and not self.default_gap_days > 0:
            bad(f"default_gap_days={self.default_gap_days!r} must be positive or None.", "e.g. 60, or None.")
        if not self.won_back_days > 0:
            bad(f"won_back_days={self.won_back_days!r} must be positive.", "e.g. 90.")
        if not 0 <= self.p_alive_threshold < self.p_alive_at_risk <= 1:
            bad(
                f"Need 0 <= p_alive_threshold ({self.p_alive_threshold}) < p_alive_at_risk "
                f"({self.p_alive_at_risk}) <= 1.",
                "e.g. p_alive_threshold=0.3, p_alive_at_risk=0.5.",
            )

    @classmethod
    def from_kwargs(cls, **criteria: object) -> LifecycleCriteria:
        """Build from keyword arguments, rejecting unknown names with a clear error."""
        known = {f.name for f in fields(cls)}
        unknown = [k for k in criteria if k not in known]
        if unknown:
            raise DataValidationError(
                f"Unknown lifecycle criteria: {', '.join(map(repr, unknown))}.",
                suggestion=f"use: {', '.join(sorted(known))}.",
            )
        return cls(**criteria)  # type: ignore[arg-type]


def _criteria(criteria: LifecycleCriteria | None, kwargs: dict) -> LifecycleCriteria:
    if criteria is not None and kwargs:
        raise DataValidationError(
            "Pass either criteria=LifecycleCriteria(...) or keyword thresholds, not both.",
            suggestion="e.g. lifecycle_states(tx, observation_end, churn_gap_multiple=4).",
        )
    if criteria is not None:
        if not isinstance(criteria, LifecycleCriteria):
            raise DataValidationError(
                f"criteria must be a LifecycleCriteria, got {type(criteria).__name__}.",
                suggestion="build it with LifecycleCriteria(churn_gap_multiple=..., ...).",
            )
        return criteria
    return LifecycleCriteria.from_kwargs(**kwargs)


def _check_p_alive(p_alive: pd.Series, ids: pd.Index) -> pd.Series:
    func = "lifecycle_states"
    hint = "pass a model's P(alive) as of observation_end, e.g. model.conditional_probability_alive(summary)."
    p = check_series(p_alive, "p_alive", func=func, suggestion=hint)
    # ids are matched as they are: 15000 and "15000" are different customers, never guessed equal
    missing = ids.difference(p.index)
    if len(missing):
        kinds = f" (log ids are {ids.dtype}, p_alive ids are {p.index.dtype})" if ids.dtype != p.index.dtype else ""
        raise DataValidationError(
            f"{func}: p_alive has no value for {len(missing):,} customers seen by observation_end{kinds}.",
            rows=pd.Series(list(missing[:5]), name="customer_id").to_frame(),
            suggestion="compute P(alive) for every customer with a purchase by observation_end, indexed by the "
            "same customer ids as the log.",
        )
    p = p.loc[ids]
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise DataValidationError(
            f"{func}: {int(bad.sum()):,} P(alive) values are outside [0, 1].",
            rows=p[bad].to_frame("p_alive"),
            suggestion="pass probabilities.",
        )
    return p.astype("float64")


def _states(pdays: pd.DataFrame, end: pd.Timestamp, crit: LifecycleCriteria, p_alive: pd.Series | None) -> pd.DataFrame:
    at_day = int(np.datetime64(end.normalize(), "D").astype(np.int64))
    g = pdays.groupby("customer_id", sort=True)
    per = pd.DataFrame(
        {
            "n_purchases": g.size(),
            "first_day": g["day"].min(),
            "last_day": g["day"].max(),
            "own_gap": g["gap"].median(),
        }
    )
    own = per["own_gap"]
    if crit.default_gap_days is not None:
        pop_gap = float(crit.default_gap_days)
    elif own.notna().any():
        pop_gap = float(own.median())
    else:
        pop_gap = float(crit.min_gap_days)
    typical = own.fillna(pop_gap).clip(lower=crit.min_gap_days)

    # win-back purchases: the gap before them exceeded the churn threshold of that moment
    prior = g["gap"].expanding().median().droplevel(0).sort_index()
    prior = prior.groupby(pdays["customer_id"], sort=False).shift(1)
    prior_typical = prior.fillna(pop_gap).clip(lower=crit.min_gap_days)
    win = (pdays["gap"] > crit.churn_gap_multiple * prior_typical).to_numpy()
    last_win = pdays.loc[win].groupby("customer_id")["day"].max().reindex(per.index)

    since = at_day - per["last_day"]
    churn_after = crit.churn_gap_multiple * typical
    risk_after = crit.at_risk_gap_multiple * typical
    if p_alive is not None:
        p = _check_p_alive(p_alive, per.index)
        churned = (p < crit.p_alive_threshold).to_numpy()
        at_risk = ~churned & (p < crit.p_alive_at_risk).to_numpy()
    else:
        churned = (since > churn_after).to_numpy()
        at_risk = ~churned & (since > risk_after).to_numpy()
    won_back = ~churned & ~at_risk & (at_day - last_win <= crit.won_back_days).fillna(False).to_numpy(bool)
    n = per["n_purchases"].to_numpy()
    state = np.select(
        [churned, at_risk, won_back, n >= crit.loyal_min_purchases, n >= 2],
        ["churned", "at_risk", "won_back", "loyal", "repeat"],
        default="first_time",
    )
    epoch = np.datetime64("1970-01-01", "D")
    out = pd.DataFrame(index=per.index)
    out["state"] = pd.Categorical(state, categories=_STATE_NAMES, ordered=True)
    out["state_zh"] = pd.Series(state, index=per.index).map(_STATE_ZH).astype("str")
    out["n_purchases"] = per["n_purchases"].astype("int64")
    out["first_purchase"] = epoch + per["first_day"].to_numpy().astype("timedelta64[D]")
    out["last_purchase"] = epoch + per["last_day"].to_numpy().astype("timedelta64[D]")
    out["days_since_last"] = since.astype("int64")
    out["typical_gap_days"] = typical
    out["at_risk_after_days"] = risk_after
    out["churn_after_days"] = churn_after
    lw = last_win.to_numpy(dtype="float64")
    out["last_win_back"] = pd.to_datetime(
        np.where(np.isnan(lw), np.datetime64("NaT"), epoch + np.nan_to_num(lw).astype("timedelta64[D]"))
    )
    if p_alive is not None:
        out["p_alive"] = p.to_numpy()
    out.attrs.update({"observation_end": end, "criteria": asdict(crit), "population_gap_days": pop_gap})
    return out


def lifecycle_states(
    transactions: pd.DataFrame,
    observation_end: str | pd.Timestamp,
    *,
    p_alive: pd.Series | None = None,
    criteria: LifecycleCriteria | None = None,
    **thresholds: object,
) -> pd.DataFrame:
    """Each customer's lifecycle state as of ``observation_end`` (inclusive).

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log (``customer_id``, ``date``, ``amount``). Only purchases dated up to
        and including ``observation_end`` are used.
    observation_end : date-like
        Last day of history used, inclusive (``"2011-12-09"``).
    p_alive : Series, optional
        P(alive) per customer as of ``observation_end`` from a CLV model (e.g. BG/NBD),
        indexed by the same customer ids as the log; when given, it decides churned and
        at risk instead of the gap rule.
    criteria : LifecycleCriteria, optional
        All thresholds at once; or pass them as keywords (``churn_gap_multiple=4``, ...).
    **thresholds
        Fields of :class:`LifecycleCriteria`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with a purchase by ``observation_end``): ``state``
        (ordered categorical, :data:`STATES`), ``state_zh``, ``n_purchases`` (purchase
        days), ``first_purchase``, ``last_purchase``, ``days_since_last``,
        ``typical_gap_days``, ``at_risk_after_days``, ``churn_after_days``,
        ``last_win_back`` (NaT if never) and ``p_alive`` when given. ``attrs`` hold
        ``observation_end``, the criteria and the population gap.

    Raises
    ------
    DataValidationError
        No purchase by ``observation_end``; a bad date; unknown or inconsistent
        thresholds; P(alive) missing for some customers or outside [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-10"]),
    ...                    "amount": [10.0, 5.0, 8.0]})
    >>> lifecycle_states(tx, "2024-01-31")["state"].tolist()
    ['repeat', 'first_time']
    """
    return _lifecycle_states(transactions, observation_end, p_alive=p_alive, criteria=criteria,
                             thresholds=thresholds, func="lifecycle_states")


def _lifecycle_states(
    transactions: object,
    observation_end: object,
    *,
    func: str,
    p_alive: pd.Series | None = None,
    criteria: LifecycleCriteria | None = None,
    thresholds: dict | None = None,
) -> pd.DataFrame:
    tx = check_log(transactions, func=func)
    crit = _criteria(criteria, thresholds or {})
    end = to_date(observation_end, "observation_end")
    pdays = purchase_days(tx.loc[tx["date"] < end_bound(end, "observation_end")])
    if len(pdays) == 0:
        raise DataValidationError(
            f"{func}: no purchase on or before observation_end={end:%Y-%m-%d}: there is no customer to "
            "classify yet.",
            column="date",
            suggestion=f"the log starts on {tx['date'].min():%Y-%m-%d}; choose a later observation_end.",
        )
    return _states(pdays, end, crit, p_alive)


def transition_matrix(
    transactions: pd.DataFrame,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    normalize: bool = False,
    criteria: LifecycleCriteria | None = None,
    **thresholds: object,
) -> pd.DataFrame:
    """How customers moved between lifecycle states from ``start`` to ``end``.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log.
    start, end : date-like
        Inclusive observation ends, ``start < end`` (e.g. the last days of two quarters):
        states as of the end of day ``start`` and as of the end of day ``end``.
    normalize : bool, default False
        Row shares (each row sums to 1) instead of counts.
    criteria, **thresholds
        As in :func:`lifecycle_states` (the gap rule; P(alive) is not used here).

    Returns
    -------
    DataFrame
        Rows: state at ``start``, with ``non_customer`` first for customers whose first
        purchase falls in ``(start, end]``; columns: state at ``end``. Every state is
        listed, with zeros where nobody moved. ``attrs`` hold the dates.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-02-10"]),
    ...                    "amount": [10.0, 5.0, 8.0]})
    >>> m = transition_matrix(tx, "2024-01-09", "2024-02-29")
    >>> int(m.loc["first_time", "repeat"]), int(m.loc["non_customer", "first_time"])
    (1, 1)
    """
    return _transition_matrix(transactions, start, end, normalize=normalize, criteria=criteria,
                              thresholds=thresholds, func="transition_matrix")


def _transition_matrix(
    transactions: object,
    start: object,
    end: object,
    *,
    func: str,
    normalize: bool = False,
    criteria: LifecycleCriteria | None = None,
    thresholds: dict | None = None,
) -> pd.DataFrame:
    crit = _criteria(criteria, thresholds or {})
    s, e = to_date(start, "start"), to_date(end, "end")
    if not s < e:
        raise DataValidationError(f"{func}: start ({s:%Y-%m-%d}) must be before end ({e:%Y-%m-%d}).",
                                  suggestion="swap the dates.")
    at_start = _lifecycle_states(transactions, s, criteria=crit, func=func)
    at_end = _lifecycle_states(transactions, e, criteria=crit, func=func)
    before = at_start["state"].astype("str").reindex(at_end.index).fillna(NON_CUSTOMER[0])
    rows = [NON_CUSTOMER[0], *_STATE_NAMES]
    counts = pd.crosstab(
        pd.Categorical(before, categories=rows), pd.Categorical(at_end["state"].astype("str"), categories=_STATE_NAMES),
        dropna=False,
    )
    counts.index = pd.Index(rows, name="state at start")
    counts.columns = pd.Index(_STATE_NAMES, name="state at end")
    counts = counts.astype("int64")
    if normalize:
        counts = counts.div(counts.sum(axis=1).where(lambda v: v > 0), axis=0)
    counts.attrs.update({"start": s, "end": e, "criteria": asdict(crit)})
    return counts


def lifecycle_over_time(
    transactions: pd.DataFrame,
    dates: Sequence[str | pd.Timestamp],
    *,
    criteria: LifecycleCriteria | None = None,
    **thresholds: object,
) -> pd.DataFrame:
    """Number of customers in each state as of each date (inclusive observation ends).

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log.
    dates : sequence of date-like
        Inclusive observation ends, e.g. :func:`reference_dates` (the last day of each
        quarter).
    criteria, **thresholds
        As in :func:`lifecycle_states`.

    Returns
    -------
    DataFrame
        Index: the dates; columns: :data:`STATES` names.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-02-10"]),
    ...                    "amount": [10.0, 5.0, 8.0]})
    >>> lifecycle_over_time(tx, ["2024-01-09", "2024-02-29"]).sum(axis=1).tolist()
    [1, 2]
    """
    func = "lifecycle_over_time"
    crit = _criteria(criteria, thresholds)
    if isinstance(dates, str) or not hasattr(dates, "__iter__"):
        raise DataValidationError(f"{func}: dates must be a sequence of dates, got {dates!r}.",
                                  suggestion="e.g. reference_dates(transactions, 'QS').")
    rows = {}
    for d in dates:
        ts = to_date(d, "dates")
        states = _lifecycle_states(transactions, ts, criteria=crit, func=func)
        rows[ts] = states["state"].value_counts().reindex(_STATE_NAMES)
    out = pd.DataFrame(rows).T.fillna(0).astype("int64")
    out.index.name = "date"
    out.columns.name = "state"
    return out


def lifecycle_flows(
    transactions: pd.DataFrame,
    dates: Sequence[str | pd.Timestamp],
    *,
    criteria: LifecycleCriteria | None = None,
    **thresholds: object,
) -> pd.DataFrame:
    """The key movements between consecutive reference dates (e.g. quarter to quarter).

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log.
    dates : sequence of date-like
        Increasing inclusive observation ends; one row per consecutive pair.
    criteria, **thresholds
        As in :func:`lifecycle_states`.

    Returns
    -------
    DataFrame
        One row per period (``start``, ``end``): ``customers_at_start``, ``new_customers``
        (first purchase in ``(start, end]``), ``first_time_at_start`` and ``first_time_bought_again`` (became repeat,
        loyal or won back) with their ``rate``, ``churned_at_start`` and ``churned_won_back``
        (挽回) with its rate, ``loyal_at_start`` and ``loyal_still_loyal`` with its rate,
        ``at_risk_at_start`` and ``at_risk_churned`` with its rate. Rates are NaN when
        nobody was in the starting state.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-02-10"]),
    ...                    "amount": [10.0, 5.0, 8.0]})
    >>> f = lifecycle_flows(tx, ["2024-01-09", "2024-02-29"])
    >>> int(f["first_time_bought_again"].iloc[0]), int(f["new_customers"].iloc[0])
    (1, 1)
    """
    func = "lifecycle_flows"
    crit = _criteria(criteria, thresholds)
    if isinstance(dates, str) or not hasattr(dates, "__iter__"):
        raise DataValidationError(f"{func}: dates must be a sequence of dates, got {dates!r}.",
                                  suggestion="e.g. reference_dates(transactions, 'QS').")
    stamps = [to_date(d, "dates") for d in dates]
    if len(stamps) < 2 or any(b <= a for a, b in zip(stamps, stamps[1:], strict=False)):
        raise DataValidationError(f"{func}: dates must hold at least two increasing observation ends.",
                                  suggestion="e.g. reference_dates(transactions, 'QS').")
    rows = []
    for s, e in zip(stamps, stamps[1:], strict=False):
        m = _transition_matrix(transactions, s, e, criteria=crit, func=func)
        tot = m.sum(axis=1)

        def rate(num: int, den: int) -> float:
            return num / den if den else np.nan

        back_again = int(m.loc["first_time", ["repeat", "loyal", "won_back"]].sum())
        rows.append(
            {
                "start": s,
                "end": e,
                "customers_at_start": int(tot.drop("non_customer").sum()),
                "new_customers": int(tot["non_customer"]),
                "first_time_at_start": int(tot["first_time"]),
                "first_time_bought_again": back_again,
                "first_time_bought_again_rate": rate(back_again, int(tot["first_time"])),
                "churned_at_start": int(tot["churned"]),
                "churned_won_back": int(m.loc["churned", "won_back"]),
                "churned_won_back_rate": rate(int(m.loc["churned", "won_back"]), int(tot["churned"])),
                "loyal_at_start": int(tot["loyal"]),
                "loyal_still_loyal": int(m.loc["loyal", "loyal"]),
                "loyal_still_loyal_rate": rate(int(m.loc["loyal", "loyal"]), int(tot["loyal"])),
                "at_risk_at_start": int(tot["at_risk"]),
                "at_risk_churned": int(m.loc["at_risk", "churned"]),
                "at_risk_churned_rate": rate(int(m.loc["at_risk", "churned"]), int(tot["at_risk"])),
            }
        )
    return pd.DataFrame(rows)


def reference_dates(transactions: pd.DataFrame, freq: str = "QS", *, include_end: bool = True) -> list[pd.Timestamp]:
    """Period ends inside the log (e.g. the last day of each quarter), for transitions over time.

    The dates are inclusive observation ends: the last day before each period start of
    ``freq`` that falls inside the log (on or after its first day, before its last).

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log.
    freq : str, default "QS"
        A pandas frequency of period starts: "QS" (quarters), "MS" (months) ...; each
        date returned is the day before one of those starts.
    include_end : bool, default True
        Also return the log's last day, so the last partial period counts.

    Returns
    -------
    list of Timestamp
        Increasing inclusive observation ends, from the log's first day on.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-03-10"]), "amount": [1.0, 2.0]})
    >>> [f"{d:%Y-%m-%d}" for d in reference_dates(tx, "MS")]
    ['2024-01-31', '2024-02-29', '2024-03-10']
    """
    func = "reference_dates"
    tx = check_log(transactions, func=func)
    first, last = tx["date"].min().normalize(), tx["date"].max().normalize()
    day = pd.Timedelta(days=1)
    try:
        starts = pd.date_range(first + day, last, freq=freq)
    except (ValueError, TypeError) as err:
        raise DataValidationError(f"{func}: freq={freq!r} is not a pandas frequency.",
                                  suggestion="use 'QS' (quarters) or 'MS' (months).") from err
    dates = [d - day for d in starts]
    if include_end and (not dates or dates[-1] < last):
        dates.append(last)
    return dates

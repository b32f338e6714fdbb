"""Contribution scoring (客户贡献值) and the customer ladder (客户阶梯).

The logistics firm's key-account system scores each customer's profit contribution over
several criteria with weights management sets; Dell's ladder follows customers from
suspect to partner. Both are computed here from a transaction log:

* :func:`contribution_scores`: a weighted score over revenue, a margin proxy, growth,
  return behaviour and tenure, with editable, validated weights, and tiers from it;
* :func:`tier_overlap`: those tiers against value tiers from spend or from CLV;
* :func:`customer_ladder`: customers counted at each rung, from the log where it can
  tell (prospects: in the log with returns or refunds only), from lists passed in where it cannot
  (members, advocates, partners), and marked "not in the data" otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_log, check_series
from crmlib.conventions import purchase_mask, to_duration, to_number
from crmlib.exceptions import DataValidationError
from crmlib.segment.tiers import TIERS, value_tiers

__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "LADDER",
    "contribution_scores",
    "customer_ladder",
    "ladder_positions",
    "plot_customer_ladder",
    "plot_tier_overlap",
    "tier_overlap",
]

#: The criteria, what each measures, and whether more is better.
CRITERIA: dict[str, tuple[str, str, bool]] = {
    "revenue": ("revenue", "purchase spend up to the observation end", True),
    "margin": ("margin proxy", "margin rate x (spend - returns) - order cost x orders", True),
    "growth": ("growth", "spend trend: last window against the window before (-1 .. +1)", True),
    "returns": ("return behaviour", "returned money as a share of spend (fewer returns score higher)", False),
    "tenure": ("tenure", "days from the first purchase to the observation end", True),
}
#: Default weights (they sum to 1): revenue and margin carry most, as in the
#: logistics firm's profit-contribution score; edit them for your own business.
DEFAULT_WEIGHTS: dict[str, float] = {"revenue": 0.3, "margin": 0.3, "growth": 0.15, "returns": 0.1, "tenure": 0.15}

_FUNC = "contribution_scores"


def _weights(weights: Mapping[str, Any] | None) -> dict[str, float]:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, Mapping):
        raise DataValidationError(f"{_FUNC}: weights={weights!r} must be a mapping of criterion to weight.",
                                  suggestion=f"e.g. weights={DEFAULT_WEIGHTS}.")
    unknown = sorted(set(weights) - set(CRITERIA))
    missing = [c for c in CRITERIA if c not in weights]
    if unknown or missing:
        raise DataValidationError(
            f"{_FUNC}: weights must name each criterion once: unknown {unknown}, missing {missing}.",
            suggestion=f"give all five ({', '.join(CRITERIA)}); a weight of 0 leaves a criterion out.",
        )
    out = {c: to_number(weights[c], f"weights[{c!r}]", example="0.2") for c in CRITERIA}
    negative = {c: w for c, w in out.items() if w < 0}
    if negative:
        raise DataValidationError(
            f"{_FUNC}: weights must not be negative: {negative}.",
            suggestion="every criterion is already scored so that higher is better (fewer returns score "
            "higher), so a weight only says how much it counts; use 0 to leave one out.",
        )
    total = sum(out.values())
    if abs(total - 1.0) > 1e-9:
        raise DataValidationError(
            f"{_FUNC}: weights sum to {total:g}, not 1.",
            suggestion="rescale them, e.g. {c: w / sum(w.values()) for c, w in weights.items()}.",
        )
    return out


def contribution_scores(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    weights: Mapping[str, float] | None = None,
    margin: float | pd.Series = 0.3,
    order_cost: float = 0.0,
    window: str | pd.Timedelta = "182D",
    tier_shares: Sequence[float] = (0.2, 0.5),
) -> pd.DataFrame:
    """Each customer's contribution score (客户贡献值), 0-100, and a tier from it.

    Every criterion (:data:`CRITERIA`) is turned into points from 0 to 100: the customer's
    percentile rank among the scored customers (ties share the average rank), reversed
    for returns so that fewer returns score higher. The score is the weighted sum of the
    points, so it reads "better than this share of customers, by the weighted criteria".

    Parameters
    ----------
    transactions : DataFrame
        A validated log (``customer_id``, ``date``, ``amount``), with returns kept as
        negative lines if return behaviour is to count (``read_transactions(...,
        policy={"return": "keep", "cancellation": "keep"})``); without them every
        customer's returns share is 0.
    observation_end : date-like, optional
        Last day of history, inclusive; default the log's last date.
    weights : mapping, default :data:`DEFAULT_WEIGHTS`
        One non-negative weight per criterion, summing to 1.
    margin : float or Series, default 0.3
        Gross margin rate (0-1): one rate, or one per customer (a Series indexed by
        customer id covering every scored customer). An assumption: state yours.
    order_cost : float, default 0
        Cost to serve one order (or purchase line without order ids), subtracted in
        the margin proxy.
    window : str or Timedelta, default "182D"
        Window of the growth criterion (:func:`crmlib.features.spend_trend`). Customers
        with no purchase in either window get growth 0 (no change).
    tier_shares : sequence of float, default (0.2, 0.5)
        Cumulative shares of customers, by score, closing each tier but the last: the
        top 20% are "key", the next 30% "normal", the rest "small" (:data:`TIERS`).

    Returns
    -------
    DataFrame
        Indexed by customer id (customers with at least one purchase): the criteria
        (``revenue``, ``margin``, ``growth``, ``returns`` (share), ``tenure`` (days)),
        their points (``points_revenue`` ...), ``score``, ``rank`` (1 = best) and
        ``tier`` (ordered categorical) with ``tier_zh``. ``attrs``: ``weights``,
        ``observation_end``, ``margin``, ``order_cost``, ``window``, ``tier_shares`` and
        ``customers_without_purchase`` (in the log, not scored).

    Raises
    ------
    DataValidationError
        A malformed log, weights that are negative, incomplete or do not sum to 1, a
        margin outside 0-1 or not covering every customer, or bad tier shares.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-05-01", "2024-06-20", "2024-03-01",
    ...                             "2024-03-09", "2024-06-25"]),
    ...     "amount": [100.0, 120.0, 150.0, 300.0, -150.0, 40.0]})
    >>> s = contribution_scores(tx, observation_end="2024-06-30", window="90D", tier_shares=(0.34, 0.67))
    >>> s["tier"].astype(str).to_dict()
    {'a': 'key', 'b': 'normal', 'c': 'small'}
    >>> float(s.loc["b", "returns"])
    0.5
    """
    from crmlib.features import rfm_summary, spend_trend

    w = _weights(weights)
    shares = [to_number(c, "tier_shares", low=0, high=1, low_inclusive=False, high_inclusive=False,
                        example="(0.2, 0.5)") for c in tier_shares]
    if not shares or any(b <= a for a, b in zip(shares, shares[1:], strict=False)) or len(shares) + 1 > len(TIERS):
        raise DataValidationError(f"{_FUNC}: tier_shares={tuple(tier_shares)!r} must be 1 or 2 increasing shares.",
                                  suggestion="e.g. tier_shares=(0.2, 0.5): top 20% key, next 30% normal.")
    cost = to_number(order_cost, "order_cost", low=0, example="5")
    window = to_duration(window, "window")
    tx = check_log(transactions, func=_FUNC)
    summary = rfm_summary(tx, observation_end=observation_end)
    end = summary.attrs["observation_end"]
    ids = summary.index
    rate = _margin(margin, ids)

    revenue = summary["total_spend"]
    returned = summary["returned"]
    out = pd.DataFrame(index=ids)
    out["revenue"] = revenue
    out["margin"] = rate * (revenue - returned) - cost * summary["n_orders"]
    trend = spend_trend(tx, observation_end=end, window=window, allow_empty=True)["trend"]
    out["growth"] = trend.reindex(ids).fillna(0.0).to_numpy()
    out["returns"] = np.divide(returned, revenue, out=np.zeros(len(ids)), where=revenue.to_numpy() > 0)
    out["tenure"] = (end.normalize() - summary["first_purchase"].dt.normalize()).dt.days.astype("int64")
    score = np.zeros(len(ids))
    for c, (_, _, higher_better) in CRITERIA.items():
        pts = out[c].rank(method="average", pct=True, ascending=higher_better) * 100.0
        out[f"points_{c}"] = pts
        score += w[c] * pts.to_numpy()
    out["score"] = score
    # rank 1 = best; ties broken by customer id so tiers never depend on row order
    order = np.lexsort((np.asarray(ids.astype("str")), -score))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    out["rank"] = rank
    tier_idx = np.searchsorted(np.asarray(shares) * len(ids), rank - 0.5, side="left")
    labels = TIERS[: len(shares) + 1]
    out["tier"] = pd.Categorical.from_codes(tier_idx, categories=[lab[0] for lab in labels], ordered=True)
    out["tier_zh"] = np.asarray([lab[1] for lab in labels], dtype=object)[tier_idx].astype("str")
    out.attrs.update(weights=w, observation_end=end, margin=margin if np.isscalar(margin) else "per customer",
                     order_cost=cost, window=str(window), tier_shares=tuple(shares),
                     customers_without_purchase=int(summary.attrs["customers_without_purchase"]))
    return out


def _margin(margin: float | pd.Series, ids: pd.Index) -> np.ndarray | float:
    if isinstance(margin, pd.Series):
        m = check_series(margin, "margin", func=_FUNC)
        missing = ids.difference(m.index)
        if len(missing):
            raise DataValidationError(
                f"{_FUNC}: margin has no rate for {len(missing):,} scored customers (e.g. {list(missing[:3])}).",
                suggestion="pass a rate for every customer with a purchase, or one rate for all.",
            )
        m = pd.to_numeric(m.loc[ids], errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isfinite(m) | (m < 0) | (m > 1)
        if bad.any():
            raise DataValidationError(f"{_FUNC}: {int(bad.sum())} margin rates are missing or outside 0-1.",
                                      rows=pd.DataFrame({"margin": m[bad]}, index=ids[bad]).head(),
                                      suggestion="margins are rates, e.g. 0.3 for 30%.")
        return m
    return to_number(margin, "margin", low=0, high=1, example="0.3")


def tier_overlap(contribution: pd.DataFrame, value: pd.Series, *, cuts: Sequence[float] = (0.8, 0.95)) -> pd.DataFrame:
    """Customers by contribution tier (rows) and value tier (columns): the overlap matrix.

    Parameters
    ----------
    contribution : DataFrame
        Output of :func:`contribution_scores`.
    value : Series
        Value per customer (spend, or CLV), covering every scored customer; tiered with
        :func:`crmlib.segment.value_tiers` (``cuts``) over the scored customers.
    cuts : sequence of float, default (0.8, 0.95)
        Cumulative value shares of :func:`~crmlib.segment.value_tiers`.

    Returns
    -------
    DataFrame
        Counts; rows ``contribution: key`` ..., columns ``value: key`` ...; every tier
        appears, empty ones with 0.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"tier": pd.Categorical(["key", "small", "small"], ["key", "normal", "small"],
    ...                                         ordered=True)}, index=list("abc"))
    >>> tier_overlap(c, pd.Series([90.0, 5.0, 5.0], index=list("abc"))).to_numpy().tolist()
    [[1, 0, 0], [0, 0, 0], [0, 1, 1]]
    """
    func = "tier_overlap"
    if not isinstance(contribution, pd.DataFrame) or "tier" not in contribution.columns or not isinstance(
            contribution["tier"].dtype, pd.CategoricalDtype):
        raise DataValidationError(f"{func}: contribution must be the output of contribution_scores(...).",
                                  suggestion="pass crmlib.segment.contribution_scores(transactions).")
    v = check_series(value, "value", func=func)
    missing = contribution.index.difference(v.index)
    if len(missing):
        raise DataValidationError(
            f"{func}: value is missing for {len(missing):,} scored customers (e.g. {list(missing[:3])}).",
            suggestion="pass a value for every customer in the contribution table (fill 0 for none).",
        )
    tiers = value_tiers(v.loc[contribution.index], cuts=cuts)["tier"]
    rows = contribution["tier"].cat.categories
    table = pd.crosstab(contribution["tier"], tiers).reindex(index=rows, columns=tiers.cat.categories, fill_value=0)
    table.index = [f"contribution: {t}" for t in table.index]
    table.columns = [f"value: {t}" for t in table.columns]
    table.index.name, table.columns.name = "contribution tier", "value tier"
    return table.astype("int64")


# ------------------------------------------------------------------------ the ladder

#: Dell's longer ladder (DOMAIN.md §1): rung, 中文, and how crmlib places a customer there.
LADDER: list[tuple[str, str, str]] = [
    ("suspect", "可能客户", "in the market, not yet in contact: a count you pass (suspects=)"),
    ("prospect", "潜在客户", "in the log without a purchase (returns or refunds only), or a lead you pass"),
    ("first-time buyer", "初次购买客户", "purchases on one day only"),
    ("repeat buyer", "重复购买客户", "purchases on two days or more"),
    ("client", "主顾客户", "purchases on at least client_min_days days and one within active_window"),
    ("member", "会员", "a client in the members list you pass"),
    ("advocate", "拥护者", "a client in the advocates list you pass (referrers)"),
    ("partner", "合作伙伴", "a client in the partners list you pass"),
]
_RUNGS = [r[0] for r in LADDER]


def _ids(value: Iterable | None, name: str) -> set | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise DataValidationError(f"customer_ladder: {name} must be a list of customer ids.",
                                  suggestion=f"e.g. {name}=club['customer_id'].")
    return set(value)


def ladder_positions(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    prospects: Iterable | None = None,
    members: Iterable | None = None,
    advocates: Iterable | None = None,
    partners: Iterable | None = None,
    client_min_days: int = 5,
    active_window: str | pd.Timedelta = "365D",
) -> pd.Series:
    """The highest ladder rung (:data:`LADDER`) each customer has reached.

    Parameters are those of :func:`customer_ladder` (without ``suspects``).

    Returns
    -------
    Series
        Ordered categorical of rungs, indexed by customer id: every customer in the log
        and every id in ``prospects``.
    """
    func = "customer_ladder"
    tx = check_log(transactions, func=func)
    min_days = int(to_number(client_min_days, "client_min_days", low=2, integer=True, example="5"))
    active = to_duration(active_window, "active_window")
    lists = {name: _ids(v, name) for name, v in
             (("prospects", prospects), ("members", members), ("advocates", advocates), ("partners", partners))}
    end = tx["date"].max() if observation_end is None else None
    if observation_end is not None:
        from crmlib.conventions import end_bound, to_date

        end, bound = to_date(observation_end, "observation_end"), end_bound(observation_end, "observation_end")
        late = (tx["date"] >= bound).to_numpy()
        if late.any():
            raise DataValidationError(f"{func}: {int(late.sum()):,} rows fall after observation_end={end}.",
                                      column="date", rows=tx.loc[late, ["customer_id", "date", "amount"]],
                                      suggestion="pass a later observation_end or drop those rows.")
    else:
        bound = end + pd.Timedelta(1, "ns")
    buy = np.asarray(purchase_mask(tx["amount"]), dtype=bool)
    bought = tx.loc[buy]
    days = bought.assign(day=bought["date"].dt.normalize()).groupby("customer_id", observed=True)["day"]
    n_days, last = days.nunique(), days.max()
    everyone = pd.Index(tx["customer_id"].unique())
    if lists["prospects"]:
        everyone = everyone.union(pd.Index(sorted(lists["prospects"] - set(everyone), key=str)))
    n = n_days.reindex(everyone, fill_value=0).to_numpy()
    recent = (last.reindex(everyone) >= bound - active).fillna(False).to_numpy(dtype=bool)
    level = np.where(n == 0, 1, np.where(n == 1, 2, 3))
    client = (n >= min_days) & recent
    level = np.where(client, 4, level)
    for rung, name in ((5, "members"), (6, "advocates"), (7, "partners")):
        if lists[name]:
            level = np.where(client & everyone.isin(list(lists[name])), rung, level)
    return pd.Series(pd.Categorical.from_codes(level, categories=_RUNGS, ordered=True), index=everyone,
                     name="rung")


def customer_ladder(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    suspects: int | None = None,
    prospects: Iterable | None = None,
    members: Iterable | None = None,
    advocates: Iterable | None = None,
    partners: Iterable | None = None,
    client_min_days: int = 5,
    active_window: str | pd.Timedelta = "365D",
) -> pd.DataFrame:
    """Customers at each rung of Dell's ladder (客户阶梯), counted from the log.

    Each customer sits on the highest rung reached (:func:`ladder_positions`): prospect
    (in the log, or in ``prospects``, without a purchase: only returns or refunds; a
    zero-amount line kept by policy is a purchase, :func:`crmlib.conventions.purchase_mask`),
    first-time buyer, repeat buyer, client (purchases on ``client_min_days``
    days or more, one of them within ``active_window`` of the observation end), then
    member, advocate or partner when a list says so. A rung the data cannot show
    (suspects without a count, members/advocates/partners without a list) is kept in
    the table, marked ``measured = False`` with no count: absent, never zero.

    Parameters
    ----------
    transactions : DataFrame
        A validated log; keep returns (``read_transactions(..., policy={"return": "keep",
        "cancellation": "keep"})``) to see customers with no purchase.
    observation_end : date-like, optional
        Last day of history, inclusive; default the log's last date.
    suspects : int, optional
        Size of the market not yet in contact (from outside the log).
    prospects, members, advocates, partners : iterable of ids, optional
        Leads (ids not in the log are added as prospects), club members, referrers,
        partners. Members, advocates and partners must also be clients to sit there.
    client_min_days : int, default 5
        Purchase days that make a repeat buyer a client (an assumption: state yours).
    active_window : str or Timedelta, default "365D"
        A client has bought within this window before the observation end.

    Returns
    -------
    DataFrame
        Indexed by ``rung`` (ladder order): ``rung_zh``, ``customers`` (on this rung,
        NaN when not measured), ``reached`` (on this rung or higher, over measured
        rungs), ``share`` (of the customers counted, suspects excluded),
        ``measured`` and ``definition``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-02-03", "2024-02-05"]),
    ...                    "amount": [10.0, 5.0, 7.0, -3.0]})  # c only returned: a prospect
    >>> customer_ladder(tx)["customers"].head(5).tolist()
    [nan, 1.0, 1.0, 1.0, 0.0]
    """
    pos = ladder_positions(transactions, observation_end=observation_end, prospects=prospects, members=members,
                           advocates=advocates, partners=partners, client_min_days=client_min_days,
                           active_window=active_window)
    counts = pos.value_counts().reindex(_RUNGS, fill_value=0).astype("float64")
    measured = pd.Series(True, index=_RUNGS)
    measured["suspect"] = suspects is not None
    for rung, given in (("member", members), ("advocate", advocates), ("partner", partners)):
        measured[rung] = given is not None
    if suspects is not None:
        counts["suspect"] = to_number(suspects, "suspects", low=0, integer=True, example="100000")
    counts[~measured] = np.nan
    out = pd.DataFrame({"rung_zh": [r[1] for r in LADDER], "customers": counts}, index=pd.Index(_RUNGS, name="rung"))
    out["reached"] = out["customers"].fillna(0)[::-1].cumsum()[::-1].where(measured)
    in_log = out["customers"].drop("suspect").sum()
    out["share"] = (out["customers"] / in_log).where(out.index != "suspect")
    out["measured"] = measured
    out["definition"] = [r[2] for r in LADDER]
    out.attrs.update(client_min_days=client_min_days, active_window=str(to_duration(active_window, "active_window")),
                     customers=int(in_log))
    return out


# ------------------------------------------------------------------------ plots


def plot_customer_ladder(ladder: pd.DataFrame, *, ax=None, title: str | None = None, **kwargs):
    """Horizontal bars of customers per rung, climbing from suspect (bottom) to partner (top).

    Rungs the data do not measure are labelled "not in the data", never drawn as 0.

    Parameters
    ----------
    ladder : DataFrame
        Output of :func:`customer_ladder`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
    """
    from crmlib.plotting import get_ax

    ax = get_ax(ax)
    rows = ladder  # the first rung (suspect) at y = 0, the bottom of the ladder
    y = np.arange(len(rows))
    counts = rows["customers"].fillna(0).to_numpy()
    ax.barh(y, counts, **{"color": "C0", **kwargs})
    top = counts.max() if counts.size and counts.max() > 0 else 1.0
    for yi, (_, row) in zip(y, rows.iterrows(), strict=True):
        text = "not in the data" if not row["measured"] else f"{row['customers']:,.0f}" + (
            f" ({row['share']:.1%})" if pd.notna(row["share"]) else "")
        ax.text((row["customers"] if row["measured"] else 0) + top * 0.01, yi, text, va="center", fontsize=9,
                color="0.45" if not row["measured"] else "0.1")
    ax.set_yticks(y, [f"{rung} {row['rung_zh']}" for rung, row in rows.iterrows()])
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel("customers on this rung (highest reached)")
    ax.set_title(title or "The customer ladder (客户阶梯)")
    return ax


def plot_tier_overlap(overlap: pd.DataFrame, *, ax=None, title: str | None = None, **kwargs):
    """The overlap matrix as a heatmap coloured by row shares, each cell 'count (share)'.

    Parameters
    ----------
    overlap : DataFrame
        Output of :func:`tier_overlap`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to :func:`crmlib.plotting.row_share_heatmap` (e.g. ``fontsize``).

    Returns
    -------
    Axes
    """
    from crmlib.plotting import get_ax, row_share_heatmap

    ax = get_ax(ax)
    row_share_heatmap(ax, overlap.to_numpy(), lambda n, s: f"{n:,.0f} ({s:.0%})", **kwargs)
    ax.set_xticks(np.arange(overlap.shape[1]) + 0.5, list(overlap.columns))
    ax.set_yticks(np.arange(overlap.shape[0]) + 0.5, list(overlap.index), rotation=0)
    ax.set_xlabel(overlap.columns.name or "")
    ax.set_ylabel(overlap.index.name or "")
    ax.set_title(title or "Contribution tiers against value tiers (row shares)")
    return ax

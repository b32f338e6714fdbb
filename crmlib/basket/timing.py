"""When customers buy: dayparts, timing segments, basket size and mix by hour.

7-Eleven's point-of-sale lesson (客户的信息): the same store serves different customers
at different times of day (morning commuters, lunch-time office workers, evening and
late-night shoppers), and changes its shelves, staffing and deliveries by hour. These
functions read the same from a log's timestamps. They need times of day: a log of dates
only (CDNOW) is refused with a note, see :func:`has_time_of_day`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.checks import check_log
from crmlib.conventions import purchase_mask, to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "DAYPARTS",
    "basket_by_hour",
    "has_time_of_day",
    "mix_by_hour",
    "timing_actions",
    "timing_segments",
    "timing_shares",
]

#: Dayparts as (name, first hour, hour after the last); "night" wraps past midnight.
DAYPARTS: tuple[tuple[str, int, int], ...] = (
    ("morning", 5, 11),
    ("lunchtime", 11, 14),
    ("afternoon", 14, 17),
    ("evening", 17, 21),
    ("night", 21, 5),
)


def _daypart_of_hour(dayparts: Sequence[tuple[str, int, int]]) -> np.ndarray:
    """Daypart name of each hour 0-23; every hour must fall in exactly one daypart."""
    names = np.full(24, "", dtype=object)
    for name, lo, hi in dayparts:
        hours = range(lo, hi) if lo < hi else [*range(lo, 24), *range(0, hi)]
        for h in hours:
            if names[h]:
                raise DataValidationError(
                    f"dayparts: hour {h} is in both {names[h]!r} and {name!r}.",
                    suggestion="give non-overlapping (name, first hour, hour after the last) tuples.",
                )
            names[h] = name
    if not all(names):
        raise DataValidationError(
            f"dayparts: hours {[h for h in range(24) if not names[h]]} are in no daypart.",
            suggestion="cover all 24 hours, e.g. with crmlib.basket.DAYPARTS.",
        )
    return names


def has_time_of_day(transactions: pd.DataFrame) -> bool:
    """True when the log's dates carry a time of day (not every one is at midnight).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    >>> has_time_of_day(tx)
    False
    """
    tx = check_log(transactions, func="has_time_of_day")
    return bool((tx["date"] != tx["date"].dt.normalize()).any())


def _orders(transactions: pd.DataFrame, func: str) -> pd.DataFrame:
    """Purchase lines with an order key (order_id, else customer and timestamp)."""
    tx = check_log(transactions, func=func)
    if not has_time_of_day(tx):
        raise DataValidationError(
            f"{func}: every date in the log is at midnight: the log has dates without times of day "
            "(CDNOW is such a log), so when customers buy within a day cannot be told.",
            column="date",
            rows=tx[["customer_id", "date"]].head(),
            suggestion="check has_time_of_day(log) first and skip the time-of-day analysis for this log, "
            "or read a log with timestamps (read_transactions keeps the time of day).",
        )
    tx = tx[purchase_mask(tx["amount"])]
    key = tx["order_id"] if "order_id" in tx.columns else tx["customer_id"].astype(str) + "|" + tx["date"].astype(str)
    return tx.assign(_order=key.to_numpy())


def timing_shares(
    transactions: pd.DataFrame, *, dayparts: Sequence[tuple[str, int, int]] = DAYPARTS
) -> pd.DataFrame:
    """Each customer's orders by daypart and weekday: how many, and the shares.

    Parameters
    ----------
    transactions : DataFrame
        Validated log with times of day. Orders are ``order_id`` when present (else one
        order per customer and timestamp); purchases only.
    dayparts : sequence of (name, first hour, hour after the last)
        Default :data:`DAYPARTS`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``n_orders``, one ``share_<daypart>`` column per
        daypart (summing to 1) and ``share_weekend`` (Saturday and Sunday).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 2.0, 3.0],
    ...     "date": pd.to_datetime(["2024-01-01 08:10", "2024-01-06 12:30", "2024-01-02 19:00"])})
    >>> timing_shares(tx)[["n_orders", "share_morning", "share_evening", "share_weekend"]].to_dict("index")
    {'a': {'n_orders': 2, 'share_morning': 0.5, 'share_evening': 0.0, 'share_weekend': 0.5}, 'b': {'n_orders': 1, 'share_morning': 0.0, 'share_evening': 1.0, 'share_weekend': 0.0}}
    """
    names = _daypart_of_hour(dayparts)
    tx = _orders(transactions, "timing_shares")
    orders = tx.groupby("_order", sort=False).agg(customer_id=("customer_id", "first"), date=("date", "min"))
    orders["daypart"] = names[orders["date"].dt.hour.to_numpy()]
    orders["weekend"] = orders["date"].dt.day_of_week.to_numpy() >= 5
    counts = pd.crosstab(orders["customer_id"], orders["daypart"])
    parts = [name for name, _, _ in dayparts]
    counts = counts.reindex(columns=parts, fill_value=0)
    n = counts.sum(axis=1)
    out = counts.div(n, axis=0).add_prefix("share_")
    out.insert(0, "n_orders", n.astype(np.int64))
    out["share_weekend"] = orders.groupby("customer_id")["weekend"].mean().reindex(out.index)
    out.columns.name = None
    out.index.name = "customer_id"
    return out


def timing_segments(
    transactions: pd.DataFrame,
    *,
    threshold: float = 0.5,
    min_orders: int = 2,
    dayparts: Sequence[tuple[str, int, int]] = DAYPARTS,
) -> pd.DataFrame:
    """Customers named by when they buy, with one stated rule.

    In this order: fewer than ``min_orders`` orders → "too few orders"; at least
    ``threshold`` of orders on Saturday or Sunday → "weekend"; at least ``threshold`` of
    orders in one daypart → that daypart ("morning", "lunchtime", ...); otherwise
    "any time".

    Parameters
    ----------
    transactions : DataFrame
        Validated log with times of day.
    threshold : float, default 0.5
        Share of a customer's orders that names the segment, in (0.5, 1] or exactly 0.5
        (a daypart with half the orders; two dayparts cannot both reach it unless each
        holds exactly half, and then the earlier daypart in ``dayparts`` is named).
    min_orders : int, default 2
        Orders needed before a customer is named by timing (one order is no pattern).
    dayparts : see :func:`timing_shares`

    Returns
    -------
    DataFrame
        :func:`timing_shares`'s table plus ``segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"], "amount": [1.0] * 5,
    ...     "date": pd.to_datetime(["2024-01-01 08:10", "2024-01-02 09:30", "2024-01-06 12:00",
    ...                             "2024-01-07 19:00", "2024-01-03 13:00"])})
    >>> timing_segments(tx)["segment"].to_dict()
    {'a': 'morning', 'b': 'weekend', 'c': 'too few orders'}
    """
    threshold = to_number(threshold, "threshold", low=0.5, high=1.0)
    min_orders = int(to_number(min_orders, "min_orders", low=1, integer=True))
    shares = timing_shares(transactions, dayparts=dayparts)
    parts = [f"share_{name}" for name, _, _ in dayparts]
    top = shares[parts].to_numpy()
    best = top.argmax(axis=1)
    seg = np.where(top[np.arange(len(top)), best] >= threshold,
                   np.array([name for name, _, _ in dayparts], dtype=object)[best], "any time")
    seg = np.where(shares["share_weekend"].to_numpy() >= threshold, "weekend", seg)
    seg = np.where(shares["n_orders"].to_numpy() < min_orders, "too few orders", seg)
    out = shares.copy()
    out["segment"] = seg
    out.attrs.update(threshold=threshold, min_orders=min_orders)
    return out


def basket_by_hour(transactions: pd.DataFrame) -> pd.DataFrame:
    """Orders, basket size and basket value by hour of the day.

    Parameters
    ----------
    transactions : DataFrame
        Validated log with times of day; ``item`` (distinct items per basket) and
        ``quantity`` are used when present. Purchases only.

    Returns
    -------
    DataFrame
        Indexed by ``hour`` (hours with at least one order): ``orders``,
        ``share_of_orders``, ``lines_per_order`` (mean purchase lines, or distinct items
        when the log has ``item``), ``value_per_order`` (mean) and
        ``median_value_per_order``, ``share_of_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "1", "2"],
    ...     "amount": [1.0, 2.0, 4.0], "item": ["tea", "milk", "tea"],
    ...     "date": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 08:10", "2024-01-02 19:00"])})
    >>> basket_by_hour(tx)[["orders", "lines_per_order", "value_per_order"]].to_dict("index")
    {8: {'orders': 1, 'lines_per_order': 2.0, 'value_per_order': 3.0}, 19: {'orders': 1, 'lines_per_order': 1.0, 'value_per_order': 4.0}}
    """
    tx = _orders(transactions, "basket_by_hour")
    size = ("item", "nunique") if "item" in tx.columns else ("amount", "size")
    orders = tx.groupby("_order", sort=False).agg(date=("date", "min"), lines=size, value=("amount", "sum"))
    orders["hour"] = orders["date"].dt.hour
    g = orders.groupby("hour")
    out = pd.DataFrame({
        "orders": g.size().astype(np.int64),
        "lines_per_order": g["lines"].mean(),
        "value_per_order": g["value"].mean(),
        "median_value_per_order": g["value"].median(),
        "value": g["value"].sum(),
    })
    out.insert(1, "share_of_orders", out["orders"] / out["orders"].sum())
    out["share_of_value"] = out.pop("value") / orders["value"].sum()
    out.index.name = "hour"
    return out


def mix_by_hour(
    transactions: pd.DataFrame, *, n_top: int = 6, exclude_items: Sequence[str] = ()
) -> pd.DataFrame:
    """Basket mix by hour: the share of each hour's orders holding each of the top items.

    Parameters
    ----------
    transactions : DataFrame
        Validated log with times of day and ``item``.
    n_top : int, default 6
        How many items: the ones in the most orders overall.
    exclude_items : sequence of str
        Non-product items (postage, fees).

    Returns
    -------
    DataFrame
        Indexed by ``hour``, one column per top item: share of that hour's orders holding
        the item. ``attrs["overall"]`` (Series) is each item's share of all orders; a
        cell divided by it is the hour's index (2.0 = twice as common as on average).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "1", "2"],
    ...     "amount": [1.0, 2.0, 4.0], "item": ["tea", "milk", "tea"],
    ...     "date": pd.to_datetime(["2024-01-01 08:10", "2024-01-01 08:10", "2024-01-02 19:00"])})
    >>> mix_by_hour(tx, n_top=2).to_dict("index")
    {8: {'tea': 1.0, 'milk': 1.0}, 19: {'tea': 1.0, 'milk': 0.0}}
    """
    n_top = int(to_number(n_top, "n_top", low=1, integer=True))
    tx = _orders(transactions, "mix_by_hour")
    if "item" not in tx.columns:
        raise DataValidationError(
            "mix_by_hour: the log has no 'item' column.",
            suggestion="read the log with crmlib.read_transactions(..., item=COL).",
        )
    tx = tx[tx["item"].notna() & ~tx["item"].isin(set(exclude_items))]
    hour = tx.groupby("_order")["date"].min().dt.hour
    lines = tx[["_order", "item"]].drop_duplicates()
    per_item = lines["item"].value_counts()
    top = list(per_item.index[:n_top])
    lines = lines[lines["item"].isin(top)]
    orders_per_hour = hour.value_counts().sort_index()
    counts = pd.crosstab(hour.reindex(lines["_order"]).to_numpy(), lines["item"].to_numpy())
    out = counts.reindex(index=orders_per_hour.index, columns=top, fill_value=0).div(orders_per_hour, axis=0)
    out.index.name = "hour"
    out.columns.name = None
    out.attrs["overall"] = per_item[top] / len(hour)
    return out


def _hours(h: int) -> str:
    return f"{h:02d}:00–{(h + 1) % 24:02d}:00"


def timing_actions(
    by_hour: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    mix: pd.DataFrame | None = None,
    *,
    min_share: float = 0.02,
) -> list[str]:
    """What a store would change, as sentences generated from the timing results.

    Parameters
    ----------
    by_hour : DataFrame
        From :func:`basket_by_hour`.
    segments : DataFrame, optional
        From :func:`timing_segments`.
    mix : DataFrame, optional
        From :func:`mix_by_hour`.
    min_share : float, default 0.02
        Hours with fewer than this share of orders are left out of the "largest /
        smallest basket" comparison (a handful of orders is noise).

    Returns
    -------
    list of str
        One action per finding: the peak hours, where baskets are largest and smallest,
        the hour where a top item is most over-represented, and the largest timing
        segment.

    Examples
    --------
    >>> import pandas as pd
    >>> by_hour = pd.DataFrame({"orders": [10, 30, 5], "share_of_orders": [0.22, 0.67, 0.11],
    ...                         "lines_per_order": [2.0, 5.0, 1.0], "value_per_order": [4.0, 9.0, 2.0]},
    ...                        index=pd.Index([8, 12, 18], name="hour"))
    >>> timing_actions(by_hour)[0]
    'Orders peak at 12:00–13:00 (67% of orders; the three busiest hours hold 100%): staff and stock for that window and time e-mails and promotions to land just before it.'
    """
    if not isinstance(by_hour, pd.DataFrame) or not {"orders", "share_of_orders", "lines_per_order"} <= set(by_hour):
        raise DataValidationError(
            "timing_actions: by_hour must be the table from basket_by_hour.",
            suggestion="pass crmlib.basket.basket_by_hour(log).",
        )
    actions = []
    peak = int(by_hour["share_of_orders"].idxmax())
    top3 = by_hour["share_of_orders"].nlargest(3).sum()
    actions.append(
        f"Orders peak at {_hours(peak)} ({by_hour.loc[peak, 'share_of_orders']:.0%} of orders; the three busiest "
        f"hours hold {top3:.0%}): staff and stock for that window and time e-mails and promotions to land "
        "just before it."
    )
    busy = by_hour[by_hour["share_of_orders"] >= min_share]
    if len(busy) >= 2:
        big, small = int(busy["lines_per_order"].idxmax()), int(busy["lines_per_order"].idxmin())
        actions.append(
            f"Baskets are largest at {_hours(big)} ({busy.loc[big, 'lines_per_order']:.1f} items per order) and "
            f"smallest at {_hours(small)} ({busy.loc[small, 'lines_per_order']:.1f}): show add-on and bundle offers "
            f"(交叉销售) in the small-basket hours, where there is most room to grow the basket."
        )
    if mix is not None and len(mix.columns) and "overall" in mix.attrs:
        rows = mix.loc[mix.index.isin(busy.index)] if len(busy) else mix
        index = rows.div(mix.attrs["overall"], axis=1)
        hour, item = index.stack().idxmax()
        actions.append(
            f"{item!s} is in {rows.loc[hour, item]:.0%} of orders at {_hours(int(hour))}, "
            f"{index.loc[hour, item]:.1f}× its share over the day ({mix.attrs['overall'][item]:.0%}): "
            "feature it at that hour."
        )
    if segments is not None and "segment" in segments:
        named = segments.loc[~segments["segment"].isin(["too few orders"]), "segment"]
        if len(named):
            share = named.value_counts(normalize=True)
            actions.append(
                f"The largest timing segment among customers with repeat orders is '{share.index[0]}' "
                f"({share.iloc[0]:.0%} of them): send their contacts (e-mail, push) in that daypart."
            )
    return actions

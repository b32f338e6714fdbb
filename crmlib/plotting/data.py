"""Charts of a transaction log and its validation: the data tour's plots.

Each is ``plot_x(data, *, ..., ax=None, title=None, **kwargs) -> Axes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_log, check_numeric
from crmlib.conventions import purchase_mask, to_number
from crmlib.exceptions import DataValidationError
from crmlib.plotting._base import PALETTE, format_percent, get_ax, money_formatter

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlib.validation import ValidationReport

__all__ = ["plot_exclusions", "plot_transactions_over_time", "plot_frequency_histogram"]


_SHORT = {
    "missing_customer": "no customer id",
    "cancellation": "cancelled order",
    "duplicate": "duplicate line",
    "return": "return",
    "negative_amount": "negative amount",
    "zero_amount": "zero amount",
    "after_observation_end": "after observation end",
    "missing_amount": "missing amount",
}


def plot_exclusions(report: ValidationReport, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
    """Horizontal bars: rows in, rows excluded by reason, rows used.

    Parameters
    ----------
    report : ValidationReport
        From :func:`crmlib.read_transactions` (or its whole result).
    ax : Axes, optional
        Axes to draw on; a new figure when omitted.
    title : str, optional
        Chart title.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
    """
    if hasattr(report, "report") and hasattr(report, "transactions"):  # the whole read_transactions result
        report = report.report
    if not all(hasattr(report, a) for a in ("rows_in", "rows_used", "excluded")):
        raise DataValidationError(
            f"plot_exclusions expects the ValidationReport of read_transactions, got {type(report).__name__}.",
            suggestion="pass result.report, where result = crmlib.read_transactions(...).",
        )
    ax = get_ax(ax, figsize=(9, 1.2 + 0.45 * (len(report.excluded) + 2)))
    labels = ["rows in"] + [f"excluded: {_SHORT.get(r, r)}" for r in report.excluded] + ["rows used"]
    values = [report.rows_in, *report.excluded.values(), report.rows_used]
    colors = [PALETTE[0]] + [PALETTE[3]] * len(report.excluded) + [PALETTE[2]]
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, **{"color": colors, **kwargs})
    ax.set_yticks(y, labels)
    for yi, v in zip(y, values, strict=True):
        share = format_percent(v / report.rows_in, decimals=1) if report.rows_in else "n/a"
        ax.text(v, yi, f" {v:,} ({share})", va="center", fontsize=9)
    ax.set_xlim(0, max(report.rows_in, 1) * 1.3)
    ax.set_xlabel("rows")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Where every input row went")
    return ax


def plot_transactions_over_time(
    transactions: pd.DataFrame,
    *,
    freq: str = "W",
    value: str = "count",
    split_first: bool = True,
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Purchase days (or revenue) per period, first purchases separated from repeats.

    Only purchases count (``amount >= 0``, :func:`crmlib.conventions.purchase_mask`):
    returns kept by policy are neither purchase days nor revenue here.

    Parameters
    ----------
    transactions : DataFrame
        Canonical log (``customer_id``, ``date``, ``amount``).
    freq : str, default "W"
        Bucket size: "D", "W" or "M" (calendar months).
    value : {"count", "amount"}, default "count"
        Count purchase days, or sum revenue.
    split_first : bool, default True
        Stack first purchases and repeat purchases.
    currency : str, optional
        ISO code or symbol labelling money when ``value="amount"``, e.g. "GBP" (ticks
        read "£250k"); None = plain numbers.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to each ``ax.bar``.

    Returns
    -------
    Axes
    """
    func = "plot_transactions_over_time"
    if freq not in ("D", "W", "M"):
        raise DataValidationError(f"{func}: freq={freq!r} is not one of 'D', 'W', 'M'.", suggestion="pass freq='W'.")
    if value not in ("count", "amount"):
        raise DataValidationError(
            f"{func}: value={value!r} is not 'count' or 'amount'.", suggestion="pass value='count' or value='amount'."
        )
    money_formatter(currency)  # refuses a currency that is not text, whatever value is
    fmt = money_formatter(currency if value == "amount" else None)
    tx = check_log(transactions, func=func)
    tx = tx.loc[purchase_mask(tx["amount"]), ["customer_id", "date", "amount"]].copy()
    if tx.empty:
        raise DataValidationError(f"{func}: the log has no purchases (amount >= 0).", suggestion="check the amounts.")
    ax = get_ax(ax, figsize=(10, 4.5))
    tx["day"] = tx["date"].dt.floor("D")
    days = tx.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    first = days.groupby("customer_id")["day"].transform("min")
    days["kind"] = np.where(days["day"] == first, "first purchases", "repeat purchases")
    rule = {"D": "D", "W": "W-SUN", "M": "MS"}[freq]
    col = "amount" if value == "amount" else "customer_id"
    agg = "sum" if value == "amount" else "count"
    table = days.groupby([pd.Grouper(key="day", freq=rule), "kind"])[col].agg(agg).unstack(fill_value=0)
    if not split_first:
        table = table.sum(axis=1).to_frame("all purchases")
    width = {"D": 1, "W": 6, "M": 25}[freq]
    bottom = np.zeros(len(table))
    for i, kind in enumerate(table.columns):
        ax.bar(table.index, table[kind], **{"width": width, "bottom": bottom, "label": kind, "color": PALETTE[i],
                                            "align": "edge", **kwargs})
        bottom += table[kind].to_numpy()
    unit = {"D": "day", "W": "week", "M": "month"}[freq]
    if value == "amount":
        ax.set_ylabel(f"revenue per {unit}" + (f" ({currency})" if currency else ""))
    else:
        ax.set_ylabel(f"purchase days per {unit}")
    ax.set_xlabel("date")
    ax.yaxis.set_major_formatter(fmt)
    ax.legend(loc="best", frameon=True, framealpha=0.9)
    ax.set_title(title or f"Purchases per {unit}")
    return ax


def plot_frequency_histogram(
    summary: pd.DataFrame,
    *,
    max_frequency: int = 10,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """How many customers made 0, 1, 2, ... repeat purchases (the last bar is "max+").

    Parameters
    ----------
    summary : DataFrame
        From :func:`crmlib.features.rfm_summary` (column ``frequency``).
    max_frequency : int, default 10
        Frequencies above it are pooled in the last bar.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
    """
    func = "plot_frequency_histogram"
    max_frequency = int(to_number(max_frequency, "max_frequency", low=1, integer=True, example="10"))
    check_frame(summary, ["frequency"], func=func, what="RFM summary",
                suggestion="pass crmlib.features.rfm_summary(transactions).")
    check_numeric(summary, ["frequency"], func=func, allow_negative=False, integer=["frequency"])
    ax = get_ax(ax, figsize=(8, 4.5))
    f = summary["frequency"].clip(upper=max_frequency)
    counts = f.value_counts().reindex(range(max_frequency + 1), fill_value=0)
    ax.bar(counts.index, counts.to_numpy(), **{"color": PALETTE[0], **kwargs})
    labels = [str(i) for i in counts.index[:-1]] + [f"{max_frequency}+"]
    ax.set_xticks(counts.index, labels)
    share = counts / counts.sum()
    for x, (c, s) in enumerate(zip(counts, share, strict=True)):
        if c:
            ax.text(x, c, format_percent(s), ha="center", va="bottom", fontsize=9)
    ax.set_xlabel("repeat purchases (frequency)")
    ax.set_ylabel("customers")
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_title(title or "Repeat purchases per customer")
    return ax

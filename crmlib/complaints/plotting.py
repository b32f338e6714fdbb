"""Charts of complaint breakdowns, rates, the iceberg and narrative terms.

Each has the form ``plot_x(result, *, ..., ax=None, title=None, **kwargs) -> Axes``,
uses only ``ax.`` methods and never changes rcParams.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crmlib.plotting import (
    PALETTE,
    format_money,
    format_percent,
    get_ax,
    money_formatter,
    percent_formatter,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlib.complaints.iceberg import Iceberg, RevenueAtRisk
    from crmlib.complaints.rates import TimelyDisputes

__all__ = ["plot_breakdown", "plot_iceberg", "plot_rates", "plot_revenue_at_risk", "plot_timely_vs_disputed",
           "plot_top_terms"]


def _short(label: Any, width: int = 48) -> str:
    return textwrap.shorten(str(label), width=width, placeholder="…")


def plot_breakdown(breakdown: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None,
                   **kwargs: Any) -> Axes:
    """Horizontal bars of complaints per group (from :func:`complaint_breakdown`), labelled with shares.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from crmlib.complaints import complaint_breakdown, read_complaints, simulate_complaints
    >>> ax = plot_breakdown(complaint_breakdown(read_complaints(simulate_complaints(100)), "product"))
    >>> len(ax.patches)
    5
    """
    ax = get_ax(ax)
    t = breakdown.iloc[::-1]
    y = np.arange(len(t))
    colour = kwargs.pop("color", PALETTE[0])
    # the summed tail is not a group: grey, so it is not read as one
    colours = ["0.7" if str(i).startswith("Other (") else colour for i in t.index]
    ax.barh(y, t["complaints"], color=colours, **kwargs)
    ax.set_yticks(y, [_short(i) for i in t.index])
    top = float(t["complaints"].max())
    for yi, (n, s) in enumerate(zip(t["complaints"], t["share"], strict=True)):
        ax.text(n + top * 0.01, yi, f"{int(n):,} ({format_percent(s, 1)})", va="center", fontsize="small")
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set_xlabel("Complaints")
    ax.set_title(title or f"Complaints by {breakdown.index.name or 'group'}")
    return ax


def plot_rates(rates: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs: Any) -> Axes:
    """Rates with their intervals as points and bars (from :func:`response_rates`).

    Each row is drawn at its ``rate`` with a line from ``ci_low`` to ``ci_high`` and
    labelled with ``k / n``, so a wide interval shows how few answers it rests on.
    """
    ax = get_ax(ax)
    t = rates.iloc[::-1]
    labels = [" · ".join(_short(p, 40) for p in (i if isinstance(i, tuple) else (i,))) for i in t.index]
    y = np.arange(len(t))
    rate = t["rate"].to_numpy(dtype=float)
    err = np.vstack([rate - t["ci_low"].to_numpy(dtype=float), t["ci_high"].to_numpy(dtype=float) - rate])
    ax.errorbar(rate, y, xerr=err, fmt="o", color=kwargs.pop("color", PALETTE[0]), capsize=4, **kwargs)
    for yi, (r, hi, k, n) in enumerate(zip(rate, t["ci_high"], t["k"], t["n"], strict=True)):
        ax.text(min(float(hi) + 0.02, 1.02), yi, f"{format_percent(r, 1)}  ({int(k):,} of {int(n):,})",
                va="center", fontsize="small")
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1.3)
    ax.set_xticks(np.linspace(0, 1, 5))
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Rate, with 95% Wilson interval")
    ax.set_title(title or "Timely-response and dispute rates")
    return ax


def plot_timely_vs_disputed(result: TimelyDisputes, *, ax: Axes | None = None, title: str | None = None,
                            **kwargs: Any) -> Axes:
    """Dispute rate after timely and after late responses, with Wilson intervals (observational)."""
    ax = get_ax(ax)
    r = result.rates
    x = np.arange(len(r))
    rate = r["rate"].to_numpy(dtype=float)
    err = np.vstack([rate - r["ci_low"].to_numpy(dtype=float), r["ci_high"].to_numpy(dtype=float) - rate])
    ax.bar(x, rate, yerr=err, capsize=6, color=kwargs.pop("color", [PALETTE[0], PALETTE[1]]), **kwargs)
    for xi, (v, k, n, hi) in enumerate(zip(rate, r["disputed"], r["answered"], r["ci_high"], strict=True)):
        ax.text(xi, float(hi) + 0.02, f"{format_percent(v, 1)}\n{int(k):,} of {int(n):,}", ha="center",
                va="bottom", fontsize="small")
    ax.set_xticks(x, [f"{i} response" for i in r.index])
    ax.set_ylim(0, min(1.25, float(np.nanmax(r["ci_high"])) + 0.25))
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylabel("Share disputed (of complaints asked)")
    ax.set_title(title or "Disputes after timely and late responses (observational)")
    return ax


def _band(ax: Axes, low: float, high: float) -> None:
    ax.axvspan(low, high, color=PALETTE[1], alpha=0.12, lw=0)


def plot_iceberg(iceberg: Iceberg, *, ax: Axes | None = None, title: str | None = None, **kwargs: Any) -> Axes:
    """Implied dissatisfied customers against the assumed complaint rate, the range shaded.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from crmlib.complaints import complaint_iceberg
    >>> ax = plot_iceberg(complaint_iceberg(500))
    >>> ax.get_xlabel()
    'Assumed share of dissatisfied customers who complain'
    """
    ax = get_ax(ax)
    g = iceberg.grid
    _band(ax, iceberg.rate_low, iceberg.rate_high)
    ax.plot(g["complaint_rate"], g["implied_dissatisfied"], color=kwargs.pop("color", PALETTE[0]), **kwargs)
    ax.axhline(iceberg.n_complaints, color="0.4", ls="--", lw=1)
    ax.text(g["complaint_rate"].max(), iceberg.n_complaints, f"complaints observed: {iceberg.n_complaints:,.0f}",
            ha="right", va="bottom", fontsize="small", color="0.3")
    for r, v in ((iceberg.rate_low, iceberg.implied_high), (iceberg.rate_central, iceberg.implied_central),
                 (iceberg.rate_high, iceberg.implied_low)):
        ax.plot([r], [v], "o", color=PALETTE[1])
        ax.annotate(f"{format_percent(r, 1)}: {v:,.0f}", (r, v), xytext=(8, 4), textcoords="offset points",
                    fontsize="small")
    ax.set_ylim(0, float(g["implied_dissatisfied"].max()) * 1.05)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Assumed share of dissatisfied customers who complain")
    ax.set_ylabel("Implied dissatisfied customers")
    ax.set_title(title or "The complaint iceberg (model; complaint rate assumed)")
    return ax


def plot_revenue_at_risk(risk: RevenueAtRisk, *, ax: Axes | None = None, currency: str | None = None,
                         title: str | None = None, **kwargs: Any) -> Axes:
    """Revenue at risk against the assumed complaint rate, with every assumption printed on the chart."""
    ax = get_ax(ax)
    ice = risk.iceberg
    g = risk.grid
    _band(ax, ice.rate_low, ice.rate_high)
    ax.plot(g["complaint_rate"], g["revenue_at_risk"], color=kwargs.pop("color", PALETTE[0]), **kwargs)
    for r, v in ((ice.rate_low, risk.high), (ice.rate_central, risk.central), (ice.rate_high, risk.low)):
        ax.plot([r], [v], "o", color=PALETTE[1])
        ax.annotate(f"{format_percent(r, 1)}: {format_money(v, currency)}", (r, v), xytext=(8, 4),
                    textcoords="offset points", fontsize="small")
    a = risk.assumptions
    lines = [
        "Assumptions (not measured):",
        f"complaints: {a['complaints']:,.0f}",
        f"complaint rate: {format_percent(a['complaint_rate'][0])} to {format_percent(a['complaint_rate'][1])} (shaded)",
        f"P(leave | dissatisfied): {format_percent(a['churn_if_dissatisfied'])}",
        f"value per customer: {format_money(a['value_per_customer'], currency)}",
    ]
    if a.get("value_note"):
        lines.append(textwrap.fill(str(a["value_note"]), 46))
    ax.text(0.98, 0.97, "\n".join(lines), transform=ax.transAxes, ha="right", va="top", fontsize="small",
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.7"})
    ax.set_ylim(0, float(g["revenue_at_risk"].max()) * 1.05)
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Assumed share of dissatisfied customers who complain")
    ax.set_ylabel("Revenue at risk")
    ax.set_title(title or "Revenue at risk behind the complaints (assumed model)")
    return ax


def plot_top_terms(terms: pd.DataFrame, group: Any, *, ax: Axes | None = None, title: str | None = None,
                   **kwargs: Any) -> Axes:
    """Bars of one group's top TF-IDF terms (from :func:`top_terms`)."""
    ax = get_ax(ax)
    t = terms.xs(group, level=0).iloc[::-1]
    y = np.arange(len(t))
    ax.barh(y, t["weight"], color=kwargs.pop("color", PALETTE[0]), **kwargs)
    ax.set_yticks(y, t["term"].tolist())
    ax.tick_params(axis="x", labelsize="small")
    n = int(t["narratives"].iloc[0]) if len(t) else 0
    ax.set_title(title or f"{_short(group, 38)} ({n:,} narratives)", fontsize="medium")
    ax.set_xlabel("Mean TF-IDF weight", fontsize="small")
    return ax

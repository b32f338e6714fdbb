"""Charts of the retention package: ``plot_x(data, *, ..., ax=None, title=None, **kwargs) -> Axes``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.plotting import PALETTE, get_ax, money_formatter, percent_formatter

__all__ = [
    "plot_points_distribution",
    "plot_profit_lift",
    "plot_referral_churn",
    "plot_referral_quadrant",
    "plot_retention_curves",
    "plot_sensitivity",
]


def plot_points_distribution(balances, *, by=None, bins: int = 40, log: bool = False, ax=None,
                             title: str | None = None, **kwargs):
    """Histogram of points balances (one per customer), optionally one outline per group.

    With ``log=True`` the bins and the axis are logarithmic (for heavy-tailed balances);
    balances of 0 cannot be drawn there and are counted in the legend instead.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> ax = plot_points_distribution(pd.Series([1.0, 5.0, 9.0]))
    >>> ax.get_xlabel()
    'points balance'
    >>> plot_points_distribution(pd.Series([0.0, 5.0, 900.0]), log=True).get_legend().get_texts()[0].get_text()
    'customers (3; 1 at 0, not drawn)'
    """
    ax = get_ax(ax)
    b = pd.Series(np.asarray(balances, dtype=float))
    positive = b[b > 0]
    if log and len(positive):
        edges = np.geomspace(max(1.0, float(positive.min())), float(positive.max()) * 1.0001, bins + 1)
        ax.set_xscale("log")
    else:
        edges = np.histogram_bin_edges(b, bins=bins)

    def label(name, part):
        zeros = int((part <= 0).sum())
        return f"{name} ({len(part):,}" + (f"; {zeros:,} at 0, not drawn)" if log and zeros else ")")

    if by is None:
        ax.hist(b, bins=edges, color=PALETTE[0], label=label("customers", b), **kwargs)
        if log:
            ax.legend(frameon=False)
    else:
        groups = pd.Series(np.asarray(by)).astype(str)
        for i, (name, part) in enumerate(b.groupby(groups.to_numpy())):
            # outlines, not filled bars: overlapping groups stay readable
            ax.hist(part, bins=edges, histtype="step", lw=2, label=label(name, part),
                    color=PALETTE[i % len(PALETTE)], **kwargs)
        ax.legend(frameon=False)
    ax.set_xlabel("points balance" + (" (log scale)" if log else ""))
    ax.set_ylabel("customers")
    if title:
        ax.set_title(title)
    return ax


def plot_sensitivity(table: pd.DataFrame, *, x: str, y: str, by: str | None = None, break_even: Mapping | None = None,
                     currency: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
                     ax=None, title: str | None = None, **kwargs):
    """Net value of a scheme against an assumed uplift, one line per ``by`` value.

    ``x`` is a fraction (shown as %), ``y`` money; a zero line and, when given,
    ``break_even`` ({line: x}) markers show where each line crosses zero.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"uplift": [0.0, 0.1], "net": [-5.0, 5.0]})
    >>> plot_sensitivity(t, x="uplift", y="net", break_even={"all": 0.05}).get_xlabel()
    'uplift'
    """
    check_frame(table, [x, y] + ([by] if by else []), func="plot_sensitivity", what="sensitivity table")
    ax = get_ax(ax)
    parts = [("all", table)] if by is None else list(table.groupby(by, sort=False))
    for i, (name, part) in enumerate(parts):
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(part[x], part[y], color=colour, label=None if by is None else str(name), **kwargs)
        k = (break_even or {}).get(name)
        if k is not None and np.isfinite(k):
            ax.axvline(k, color=colour, ls=":", lw=1)
            ax.plot([k], [0.0], "o", color=colour)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    if by is not None:
        ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_referral_churn(table: pd.DataFrame, *, ax=None, title: str | None = None, **kwargs):
    """Churn rate by referral group with its Wilson interval (from :func:`referral_table`).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"churn_rate": [0.3, 0.1], "churn_low": [0.2, 0.05], "churn_high": [0.4, 0.2],
    ...                   "customers": [50, 40]}, index=pd.Index(["0", "1+"], name="group"))
    >>> plot_referral_churn(t).get_ylabel()
    'churn rate'
    """
    check_frame(table, ["churn_rate", "churn_low", "churn_high", "customers"], func="plot_referral_churn",
                what="referral table", suggestion="pass referral_table(customers).")
    ax = get_ax(ax)
    xs = np.arange(len(table))
    err = np.vstack([table["churn_rate"] - table["churn_low"], table["churn_high"] - table["churn_rate"]])
    ax.bar(xs, table["churn_rate"], color=PALETTE[0], **kwargs)
    ax.errorbar(xs, table["churn_rate"], yerr=err, fmt="none", ecolor="black", capsize=4, lw=1)
    ax.set_xticks(xs, [f"{g}\n(n={int(n):,})" for g, n in zip(table.index, table["customers"], strict=True)])
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("referrals made")
    ax.set_ylabel("churn rate")
    if title:
        ax.set_title(title)
    return ax


def plot_referral_quadrant(quadrant: pd.DataFrame, *, currency: str | None = None, ax=None,
                           title: str | None = None, **kwargs):
    """CLV against CRV, coloured by Kumar's group, with the two cuts (from :func:`referral_quadrant`).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from crmlib.retention import referral_quadrant
    >>> q = referral_quadrant(pd.Series([1.0, 9.0, 1.0, 9.0]), pd.Series([0.0, 0.0, 5.0, 5.0]))
    >>> plot_referral_quadrant(q).get_xlabel()
    'CLV (lifetime value)'
    """
    check_frame(quadrant, ["clv", "crv", "group"], func="plot_referral_quadrant", what="quadrant table",
                suggestion="pass referral_quadrant(clv, crv).")
    ax = get_ax(ax)
    for i, g in enumerate(("champions", "affluents", "advocates", "misers")):
        part = quadrant[quadrant["group"] == g]
        if len(part):
            ax.scatter(part["clv"], part["crv"], s=10, alpha=0.6, color=PALETTE[i % len(PALETTE)],
                       label=f"{g} ({len(part):,})", **kwargs)
    ax.axvline(quadrant.attrs.get("clv_cut", quadrant["clv"].median()), color="grey", ls="--", lw=0.8)
    ax.axhline(quadrant.attrs.get("crv_cut", quadrant["crv"].median()), color="grey", ls="--", lw=0.8)
    ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel("CLV (lifetime value)")
    ax.set_ylabel("CRV (referral value)")
    ax.legend(frameon=False, loc="best")
    if title:
        ax.set_title(title)
    return ax


def plot_retention_curves(curves: Mapping[str, tuple], *, ax=None, title: str | None = None, **kwargs):
    """Observed survival (points) and a model's survival (line) per group (name the model in the key).

    ``curves`` maps a group name to ``(observed, fitted)``, two arrays S(0..T).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> plot_retention_curves({"A": ([1.0, 0.8, 0.7], [1.0, 0.79, 0.69])}).get_ylabel()
    'share still a customer'
    """
    ax = get_ax(ax)
    for i, (name, (observed, fitted)) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        obs = np.asarray(observed, dtype=float)
        fit = np.asarray(fitted, dtype=float)
        ax.plot(np.arange(len(obs)), obs, "o", ms=3, color=colour, alpha=0.6, label=f"{name}: observed")
        ax.plot(np.arange(len(fit)), fit, "-", color=colour, label=f"{name}: model", **kwargs)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since joining")
    ax.set_ylabel("share still a customer")
    ax.legend(frameon=False, ncols=2)
    if title:
        ax.set_title(title)
    return ax


def plot_profit_lift(table: pd.DataFrame, *, x: str, y: str, by: str | None = None,
                     band: tuple[float, float] | None = (0.25, 0.95), xlabel: str | None = None,
                     ax=None, title: str | None = None, **kwargs):
    """Profit (or value) lift against the retention change, with a quoted band shaded.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> t = pd.DataFrame({"change": [0.0, 0.05], "lift": [0.0, 0.4]})
    >>> plot_profit_lift(t, x="change", y="lift").get_ylabel()
    'rise in value per customer'
    """
    check_frame(table, [x, y] + ([by] if by else []), func="plot_profit_lift", what="lift table")
    ax = get_ax(ax)
    if band is not None:
        ax.axhspan(band[0], band[1], color="grey", alpha=0.15, label=f"quoted {band[0]:.0%}-{band[1]:.0%}")
    parts = [("all", table)] if by is None else list(table.groupby(by, sort=False))
    for i, (name, part) in enumerate(parts):
        ax.plot(part[x], part[y], color=PALETTE[i % len(PALETTE)], label=None if by is None else str(name), **kwargs)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel("rise in value per customer")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax

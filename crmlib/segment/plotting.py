"""Charts of segments, tiers and clusters.

Each is ``plot_x(data, *, ..., ax=None, title=None, **kwargs) -> Axes``: ``kwargs`` go
to the main drawing call (named in each docstring). Money uses
:func:`crmlib.plotting.format_money` / :func:`~crmlib.plotting.money_formatter`
(``currency``: an ISO code or a symbol; None = plain numbers), shares
:func:`~crmlib.plotting.format_percent` / :func:`~crmlib.plotting.percent_formatter`.
The top-customer share shown on the Lorenz plot is :func:`crmlib.segment.concentration`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.exceptions import DataValidationError, NotFittedError
from crmlib.plotting import (
    PALETTE,
    SEQUENTIAL_CMAP,
    currency_symbol,
    format_money,
    format_percent,
    get_ax,
    percent_formatter,
    row_share_heatmap,
    text_colour_on,
)
from crmlib.segment.tiers import Concentration, concentration

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlib.segment.clusters import RFMClusters

__all__ = [
    "plot_rfm_heatmap",
    "plot_segment_shares",
    "plot_lorenz",
    "plot_silhouette",
    "plot_cluster_profiles",
    "plot_cluster_segment_map",
]


def plot_rfm_heatmap(
    scores: pd.DataFrame,
    *,
    value: str = "spend",
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """R x F grid coloured by the mean of ``value`` (spend), with customer counts.

    Drawn with ``seaborn.heatmap(annot=...)``, which picks black or white text per cell.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`~crmlib.segment.rfm_scores` (``R``, ``F`` and ``value``).
    value : str, default "spend"
        Column averaged in each cell.
    currency : str, optional
        ISO code or symbol for the money in the cells and the colour bar.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``seaborn.heatmap``.

    Returns
    -------
    Axes
    """
    import seaborn as sns

    from crmlib.plotting import money_formatter

    check_frame(scores, ("R", "F", value), func="plot_rfm_heatmap", what="scores",
                suggestion="pass crmlib.segment.rfm_scores(...).")
    currency_symbol(currency)  # refuses a currency that is not a string, before drawing
    ax = get_ax(ax, figsize=(8, 6))
    grid = list(range(1, 6))
    mean = scores.pivot_table(index="R", columns="F", values=value, aggfunc="mean", observed=False)
    mean = mean.reindex(index=grid, columns=grid)
    count = scores.groupby(["R", "F"]).size().unstack().reindex(index=grid, columns=grid).fillna(0)
    data = mean.to_numpy(dtype="float64")[::-1]  # R = 5 on top
    counts = count.to_numpy()[::-1]
    annot = np.array(
        [["–" if n == 0 else f"{format_money(v, currency)}\n{int(n):,} cust." for v, n in zip(dr, cr, strict=True)]
         for dr, cr in zip(data, counts, strict=True)],
        dtype=object,
    )
    opts = {"cmap": SEQUENTIAL_CMAP, "annot_kws": {"fontsize": 8.5},
            "cbar_kws": {"label": f"mean {value}", "format": money_formatter(currency)}}
    opts.update(kwargs)
    sns.heatmap(data, annot=annot, fmt="", ax=ax, xticklabels=grid, yticklabels=grid[::-1], **opts)
    for t in ax.texts:  # empty cells: a grey dash
        if t.get_text() == "–":
            t.set_color("grey")
    ax.set_xlabel("F score (5 = most purchases)")
    ax.set_ylabel("R score (5 = most recent)")
    ax.grid(False)
    ax.set_title(title or "RFM grid: mean spend by recency and frequency score")
    return ax


def plot_segment_shares(
    profile: pd.DataFrame,
    *,
    value_col: str | None = None,
    value_name: str = "revenue",
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Horizontal bars: each segment's share of customers next to its share of value.

    Parameters
    ----------
    profile : DataFrame
        :func:`~crmlib.segment.segment_profile` or :func:`~crmlib.segment.tier_profile`
        (needs ``label`` and ``share_customers``).
    value_col : str, optional
        Column with the share of value; default ``share_revenue`` or ``share_value``.
    value_name : str, default "revenue"
        Word used in the legend.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to both ``ax.barh`` calls.

    Returns
    -------
    Axes
    """
    if value_col is None:
        value_col = "share_revenue" if isinstance(profile, pd.DataFrame) and "share_revenue" in profile else "share_value"
    check_frame(profile, ("label", "share_customers", value_col), func="plot_segment_shares", what="profile",
                suggestion="pass crmlib.segment.segment_profile(...) or tier_profile(...).")
    n = len(profile)
    ax = get_ax(ax, figsize=(9, max(3.4, 1.0 + 0.55 * n)))
    y = np.arange(n)[::-1]
    h = 0.38
    cust = profile["share_customers"].to_numpy(dtype="float64")
    val = profile[value_col].to_numpy(dtype="float64")
    ax.barh(y + h / 2, cust, height=h, color=PALETTE[0], label="share of customers", **kwargs)
    ax.barh(y - h / 2, val, height=h, color=PALETTE[1], label=f"share of {value_name}", **kwargs)
    for yi, c, v in zip(y, cust, val, strict=True):
        ax.text(c, yi + h / 2, f" {format_percent(c, 1)}", va="center", fontsize=8.5)
        ax.text(v, yi - h / 2, f" {format_percent(v, 1)}", va="center", fontsize=8.5)
    ax.set_yticks(y, profile["label"].astype("str"))
    top = float(np.nanmax(np.concatenate([cust, val]))) if n else 1.0
    ax.set_xlim(0, min(1.0, top * 1.22) if top > 0 else 1.0)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("share of all customers / of all " + value_name)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9)
    ax.set_title(title or f"Segment size vs share of {value_name}")
    return ax


def plot_lorenz(
    value: pd.Series | Concentration,
    *,
    top: float = 0.2,
    target: float = 0.8,
    value_name: str = "revenue",
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Lorenz curve of value across customers, with the 80/20 point marked.

    The curve is drawn from the top customers down (x: share of customers, highest value
    first; y: cumulative share of value), so the 80/20 rule reads directly off it.

    Parameters
    ----------
    value : Series or Concentration
        Value per customer, or the result of :func:`~crmlib.segment.concentration`.
    top, target : float
        The shares marked (used when ``value`` is a Series): the top ``top`` of
        customers' share of value and the customers needed for ``target`` of it, both
        from :func:`~crmlib.segment.concentration`.
    value_name : str, default "revenue"
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.plot`` for the curve.

    Returns
    -------
    Axes
    """
    conc = value if isinstance(value, Concentration) else concentration(value, top=top, target=target)
    ax = get_ax(ax, figsize=(7, 6))
    lor = conc.lorenz
    x = 1.0 - lor["customer_share"].to_numpy()[::-1]
    y = 1.0 - lor["value_share"].to_numpy()[::-1]
    opts = {"color": PALETTE[0], "lw": 2, "label": f"customers ranked by {value_name} (Gini {conc.gini:.2f})"}
    ax.plot(x, y, **{**opts, **kwargs})
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect equality")
    # measured points: the top share's value, and the customers needed for the target
    ax.plot([conc.top], [conc.value_share_of_top], "o", color=PALETTE[3], ms=7)
    ax.annotate(
        f"top {format_percent(conc.top)} of customers\nbring {format_percent(conc.value_share_of_top, 1)} "
        f"of {value_name}",
        (conc.top, conc.value_share_of_top), xytext=(0.30, 0.55), textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "grey"}, fontsize=9,
    )
    ax.plot([conc.customer_share_for_target], [conc.target], "s", color=PALETTE[2], ms=7)
    ax.annotate(
        f"{format_percent(conc.customer_share_for_target, 1)} of customers\nbring {format_percent(conc.target)} "
        f"of {value_name}",
        (conc.customer_share_for_target, conc.target), xytext=(0.45, 0.30), textcoords="axes fraction",
        arrowprops={"arrowstyle": "->", "color": "grey"}, fontsize=9,
    )
    ax.plot([0.2], [0.8], "x", color="black", ms=8, label="the 80/20 rule of thumb")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of customers, highest value first")
    ax.set_ylabel(f"cumulative share of {value_name}")
    ax.legend(loc="lower right", frameon=True, framealpha=0.9)
    ax.set_title(title or f"How concentrated is {value_name}? (80/20 check, 二八定理)")
    return ax


def plot_silhouette(clusters: RFMClusters, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
    """Silhouette score per candidate number of clusters, the chosen k marked.

    ``kwargs`` go to ``ax.plot`` for the scores.
    """
    if not hasattr(clusters, "silhouette_"):
        raise NotFittedError(clusters)
    ax = get_ax(ax, figsize=(7, 4))
    s = clusters.silhouette_
    ax.plot(s.index, s.to_numpy(), "o-", **{"color": PALETTE[0], **kwargs})
    k = clusters.n_clusters_
    ax.plot([k], [s.loc[k]], "o", ms=12, mfc="none", mec=PALETTE[3], mew=2, label=f"chosen: k = {k}")
    ax.set_xticks(list(s.index))
    ax.set_xlabel("number of clusters k")
    ax.set_ylabel("mean silhouette score (higher = better separated)")
    ax.legend(loc="best")
    ax.set_title(title or "Choosing k by silhouette")
    return ax


def plot_cluster_profiles(
    clusters: RFMClusters,
    *,
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Heatmap of cluster centres (standardised log units), annotated with mean values.

    Colour shows how far each cluster sits from the average customer on each dimension
    (recency is flipped, so a darker-is-better reading holds on every column). Mean spend
    is shown with :func:`~crmlib.plotting.format_money` in ``currency``; ``kwargs`` go
    to ``ax.imshow``.
    """
    if not hasattr(clusters, "profile_"):
        raise NotFittedError(clusters)
    currency_symbol(currency)
    prof = clusters.profile_
    centers = clusters.centers_.copy()
    centers["recency_days"] = -centers["recency_days"]
    k = len(prof)
    ax = get_ax(ax, figsize=(9, 1.4 + 0.75 * k))
    data = centers.to_numpy()
    lim = float(np.abs(data).max()) or 1.0
    im = ax.imshow(data, **{"cmap": "RdBu", "vmin": -lim, "vmax": lim, "aspect": "auto", **kwargs})
    cmap, norm = im.get_cmap(), im.norm
    cols = ["mean_recency_days", "mean_purchases", "mean_spend"]
    fmts = [lambda v: f"{v:.0f} days", lambda v: f"{v:.1f}", lambda v: format_money(v, currency)]
    for i in range(k):
        for j, (col, fmt) in enumerate(zip(cols, fmts, strict=True)):
            colour = text_colour_on(cmap(norm(data[i, j])))
            ax.text(j, i, fmt(prof.iloc[i][col]), ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(3), ["recency\n(days since last purchase)", "purchases\n(purchase days)",
                             "spend"])
    labels = [f"{c}: {prof.loc[c, 'name']}\n{prof.loc[c, 'customers']:,} cust., "
              f"{format_percent(prof.loc[c, 'share_revenue'])} of revenue" for c in prof.index]
    ax.set_yticks(range(k), labels)
    ax.grid(False)
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label("vs average customer (std. units; + = better)")
    ax.set_title(title or "Cluster profiles (mean values in cells)")
    return ax


def plot_cluster_segment_map(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs
) -> Axes:
    """Heatmap of a segment x cluster cross-tab (:func:`~crmlib.segment.compare_clusters`).

    Cells are coloured by the share of the segment in each cluster and show the counts;
    ``kwargs`` go to :func:`crmlib.plotting.row_share_heatmap` (``fontsize``).
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise DataValidationError("plot_cluster_segment_map expects a non-empty cross-tab from compare_clusters(...).",
                                  suggestion="pass compare_clusters(model.labels_, segmented['segment_label']).")
    n_rows, n_cols = table.shape
    ax = get_ax(ax, figsize=(2.5 + 1.3 * n_cols, 1.0 + 0.5 * n_rows))
    im, _ = row_share_heatmap(ax, table.to_numpy(), lambda n, share: f"{int(n):,}", **kwargs)
    ax.set_xticks(np.arange(n_cols) + 0.5, [str(c) for c in table.columns])  # seaborn: centres at i + 0.5
    ax.set_yticks(np.arange(n_rows) + 0.5, [str(r) for r in table.index])
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label("share of the segment's customers")
    ax.set_title(title or "Rule-based segments vs k-means clusters (counts)")
    return ax

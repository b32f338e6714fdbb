"""Charts of the satisfaction-to-loyalty analysis.

Each is ``plot_x(result, *, ..., ax=None, title=None, **kwargs) -> Axes``; ``kwargs`` go
to the main matplotlib call. A chart of a simulated survey (from
:func:`~crmlib.satisfaction.generate_survey`) says so in its title, whatever title is
passed, and names the assumed curve rather than a published study.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.plotting import PALETTE, format_percent, get_ax, money_formatter, percent_formatter
from crmlib.satisfaction.validation import simulated_label
from crmlib.satisfaction.zones import ZONE_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlib.satisfaction.curve import LoyaltyCurve
    from crmlib.satisfaction.drivers import DriverAnalysis
    from crmlib.satisfaction.index import SatisfactionIndex

__all__ = [
    "ZONE_COLOURS",
    "label_overlaps",
    "plot_curves",
    "plot_importance_performance",
    "plot_index_distribution",
    "plot_loyalty_curve",
    "plot_level_differences",
    "plot_target_scenarios",
]

ZONE_COLOURS = {"defection": "#D55E00", "indifference": "#999999", "affection": "#009E73"}


def _percent_axis(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(percent_formatter(decimals))


def _title(title: str | None, default: str, simulated: str | None) -> str:
    """``title`` (or ``default``), marked as simulated when the data were simulated."""
    text = title or default
    if simulated and "simulated" not in text.lower():
        text = f"{text}\n{simulated}"
    return text


def _pp_axis(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:+.3g} pp" if v else "0"))


def _half_step(levels: np.ndarray) -> float:
    return float(np.min(np.diff(levels))) / 2 if levels.size > 1 else 0.5


def plot_loyalty_curve(
    curve: LoyaltyCurve,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    show_zones: bool = True,
    show_knee: bool = True,
    show_counts: bool = True,
    ylim: tuple[float, float] | None = (-0.02, 1.02),
    **kwargs,
) -> Axes:
    """Loyalty rate by satisfaction level: observed rates with Wilson intervals, the
    isotonic and smooth fits, the knee and the shaded zones.

    Parameters
    ----------
    curve : LoyaltyCurve
        From :func:`~crmlib.satisfaction.loyalty_curve`.
    ax : Axes, optional
    title : str, optional
    show_zones, show_knee, show_counts : bool, default True
        Shade the zones; mark the knee; print respondents under each level.
    ylim : (low, high) or None, default (-0.02, 1.02)
        Loyalty axis range; None lets matplotlib zoom to the data (mind that a zoomed
        axis exaggerates small differences).
    **kwargs
        Passed to ``ax.errorbar`` (the observed rates).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=(8.5, 5.5))
    t = curve.table
    lv = t["level"].to_numpy(dtype="float64")
    h = _half_step(lv)
    has = t["n"].to_numpy() > 0
    if show_zones:
        for z in curve.zones.itertuples():
            ax.axvspan(z.from_level - h, z.to_level + h, color=ZONE_COLOURS[z.zone], alpha=0.10, lw=0, zorder=0)
            ax.text(
                (z.from_level + z.to_level) / 2, 1.01, ZONE_LABELS[z.zone], transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=9.5, color=ZONE_COLOURS[z.zone],
            )
    rate = t["rate"].to_numpy()
    # clip: a Wilson bound can sit a rounding error beyond a rate of exactly 0 or 1
    yerr = np.clip(np.vstack([rate - t["ci_low"].to_numpy(), t["ci_high"].to_numpy() - rate]), 0, None)
    ax.errorbar(
        lv[has], rate[has], yerr=yerr[:, has], **{
            "fmt": "o", "color": PALETTE[0], "ms": 7, "capsize": 4, "lw": 1.5, "zorder": 3,
            "label": f"observed loyalty rate ({curve.confidence:.0%} Wilson interval)", **kwargs,
        },
    )
    ax.plot(lv[has], t["isotonic"].to_numpy()[has], color=PALETTE[1], lw=2, ls="--", marker="s", ms=4,
            label="monotone fit (isotonic)", zorder=2)
    grid = np.linspace(lv[has].min(), lv[has].max(), 200)
    ax.plot(grid, curve.smooth(grid), color=PALETTE[4], lw=2, label=f"smooth fit ({curve.smooth.method})", zorder=2)
    if show_knee and curve.knee.found:
        k = curve.knee
        ax.axvline(k.level, color="black", ls=":", lw=1.5, zorder=1,
                   label=f"knee at {k.level:g}: steepest rise {k.step_from:g} → {k.step_to:g} (p = {k.p_value:.2g})")
    if show_counts:
        ax.set_xticks(lv, labels=[f"{v:g}\nn={n:,}" for v, n in zip(lv, t["n"], strict=True)])
    else:
        ax.set_xticks(lv, labels=[f"{v:g}" for v in lv])
    ax.set_xlim(lv[0] - h, lv[-1] + h)
    if ylim is not None:
        ax.set_ylim(*ylim)
    _percent_axis(ax)
    ax.set_xlabel(f"Satisfaction level ({curve.score_name})")
    ax.set_ylabel(f"Loyal ({curve.outcome_name}), % of respondents")
    # the zone names sit just above the plot, so the title makes room for them
    ax.set_title(_title(title, "Satisfaction-to-loyalty curve 满意度-忠诚度曲线", curve.simulated),
                 pad=22 if show_zones else 6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=9)
    ax.grid(axis="x", visible=False)
    return ax


def plot_curves(
    curves: Mapping[str, LoyaltyCurve],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    true_rates: Mapping[str, Sequence[float]] | None = None,
    **kwargs,
) -> Axes:
    """Several loyalty curves on one chart (e.g. competitive vs protected market).

    Parameters
    ----------
    curves : mapping of name -> LoyaltyCurve
    ax : Axes, optional
    title : str, optional
    true_rates : mapping of name -> rates, optional
        The generator's assumed (input) curve per name, drawn as hollow diamonds.
    **kwargs
        Passed to each ``ax.errorbar`` (the observed rates).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=(8.5, 5.5))
    lv_all: list[float] = []
    for i, (name, c) in enumerate(curves.items()):
        col = PALETTE[i % len(PALETTE)]
        t = c.table[c.table["n"] > 0]
        lv = t["level"].to_numpy(dtype="float64")
        lv_all.extend(lv.tolist())
        off = (i - (len(curves) - 1) / 2) * 0.06  # side by side so the intervals do not hide each other
        yerr = np.clip(np.vstack([t["rate"] - t["ci_low"], t["ci_high"] - t["rate"]]), 0, None)
        ax.errorbar(lv + off, t["rate"], yerr=yerr,
                    **{"fmt": "o", "color": col, "capsize": 3, "ms": 6, "label": f"{name}: observed", "zorder": 3,
                       **kwargs})
        grid = np.linspace(lv.min(), lv.max(), 200)
        ax.plot(grid, c.smooth(grid), color=col, lw=2, alpha=0.8)
        if true_rates is not None and name in true_rates:
            ax.plot(lv, np.asarray(true_rates[name])[: lv.size], "D", mfc="none", color=col, ms=9, mew=1.5,
                    label=f"{name}: assumed curve (simulation input)", zorder=4)
        if c.knee.found:
            ax.annotate(f"knee {c.knee.level:g}", (c.knee.level, float(c.smooth(c.knee.level))),
                        xytext=(-40, 25), textcoords="offset points", fontsize=9, color=col,
                        arrowprops={"arrowstyle": "->", "color": col})
    lvs = np.unique(lv_all)
    ax.set_xticks(lvs, labels=[f"{v:g}" for v in lvs])
    ax.set_ylim(0, 1.02)
    _percent_axis(ax)
    ax.set_xlabel("Satisfaction level (1 = very dissatisfied, 5 = completely satisfied)")
    ax.set_ylabel("Loyal, % of respondents")
    simulated = next((c.simulated for c in curves.values() if c.simulated), None)
    default = (
        "Simulated markets: curves assumed after Jones & Sasser (1995)" if simulated else "Loyalty curves compared"
    )
    ax.set_title(_title(title, default, "simulated data" if simulated else None))
    # below the plot: curves can run along any edge inside it
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=9)
    return ax


def plot_level_differences(
    curve: LoyaltyCurve, *, ax: Axes | None = None, title: str | None = None, **kwargs
) -> Axes:
    """Loyalty difference between each satisfaction level and the next, with Newcombe
    intervals; the steepest step (on the monotone fit) is highlighted.

    The differences compare respondents at different levels; they are associations,
    not what raising a customer's satisfaction would do.

    Parameters
    ----------
    curve : LoyaltyCurve
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=(8, 4.8))
    g = curve.adjacent_differences()
    x = np.arange(len(g))
    best = int(np.nanargmax(g["difference_isotonic"].to_numpy()))
    colours = [PALETTE[2] if i == best else "#BBBBBB" for i in range(len(g))]
    diff = g["difference"].to_numpy()
    ax.bar(x, diff, **{"color": colours, "width": 0.6, "zorder": 2,
                       "label": "observed difference (bar), 95% Newcombe interval", **kwargs})
    err = np.clip(np.vstack([diff - g["ci_low"].to_numpy(), g["ci_high"].to_numpy() - diff]), 0, None)
    ax.errorbar(x, diff, yerr=err, fmt="none", ecolor="black", capsize=4, lw=1.2, zorder=3)
    ax.plot(x, g["difference_isotonic"], "D", color=PALETTE[1], ms=7, label="difference on the monotone fit", zorder=4)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, labels=[f"{a:g} → {b:g}" for a, b in zip(g["from_level"], g["to_level"], strict=True)])
    _pp_axis(ax)
    ax.set_xlabel("Adjacent satisfaction levels: from → to")
    ax.set_ylabel("Difference in loyalty (percentage points)")
    ax.set_title(_title(title, "Loyalty difference between adjacent satisfaction levels", curve.simulated))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9)
    return ax


def plot_target_scenarios(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs
) -> Axes:
    """Top-box share against expected loyalty for the scenarios of
    :func:`~crmlib.satisfaction.target_scenarios` (grouped horizontal bars).

    The scenarios are hypothetical score distributions and the loyalty rates an
    assumed curve, so the title says "hypothetical".

    Parameters
    ----------
    table : DataFrame
        From :func:`~crmlib.satisfaction.target_scenarios`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to both ``ax.barh`` calls.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=(8, 1.2 + 0.9 * len(table)))
    y = np.arange(len(table))
    hgt = 0.38
    ax.barh(y - hgt / 2, table["top_box"], **{"height": hgt, "color": PALETTE[5],
                                              "label": "share in the top box", **kwargs})
    ax.barh(y + hgt / 2, table["expected_loyalty"], **{"height": hgt, "color": PALETTE[0],
                                                       "label": "expected loyalty (assumed curve)", **kwargs})
    for yi, (tb, el) in enumerate(zip(table["top_box"], table["expected_loyalty"], strict=True)):
        ax.text(tb + 0.01, yi - hgt / 2, format_percent(tb), va="center", fontsize=9)
        ax.text(el + 0.01, yi + hgt / 2, format_percent(el), va="center", fontsize=9)
    ax.set_yticks(y, labels=[str(i) for i in table.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.1)
    _percent_axis(ax, "x")
    ax.set_xlabel("% of customers")
    text = title or 'Same top-box share, different loyalty'
    if "hypothetical" not in text.lower() and "simulated" not in text.lower():
        text += "\n(hypothetical scenarios on an assumed curve)"
    # the legend sits between the title and the bars, a fixed distance in points from both,
    # whatever the figure's height (below the axis it drifted away on a 16:9 chart)
    ax.set_title(text, pad=26)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=9, frameon=False,
              borderaxespad=0.3)
    ax.grid(axis="y", visible=False)
    return ax


def plot_index_distribution(
    index: SatisfactionIndex | pd.Series,
    *,
    ax: Axes | None = None,
    bins: int | Sequence[float] | None = None,
    scale: tuple[float, float] = (1, 5),
    cuts: Sequence[float] | None = (1.5, 2.5, 3.5, 4.5),
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Histogram of a satisfaction index, with the cuts that bin it into levels.

    Parameters
    ----------
    index : SatisfactionIndex or Series
    ax : Axes, optional
    bins : int or sequence, optional
        Default: for a :class:`SatisfactionIndex`, one bar per possible mean of the
        most items any respondent rated (a mean of 14 ratings moves in steps of 1/14),
        so the bars do not alias; otherwise 40.
    scale : (low, high), default (1, 5)
    cuts : sequence of float, optional
        Where the index is cut into levels (the rounding cuts by default); each band is
        labelled with its level.
    title : str, optional
    **kwargs
        Passed to ``seaborn.histplot``.

    Returns
    -------
    Axes
    """
    from crmlib.satisfaction.index import SatisfactionIndex

    ax = get_ax(ax, figsize=(8, 4.5))
    s = index.index if isinstance(index, SatisfactionIndex) else index
    v = s.dropna().to_numpy(dtype="float64")
    lo, hi = (float(x) for x in scale)
    if bins is None:
        if isinstance(index, SatisfactionIndex) and int(index.n_items.max()) > 0:
            w = 1.0 / int(index.n_items.max())
            bins = np.arange(lo - w / 2, hi + w, w)
        else:
            bins = 40
    import seaborn as sns

    sns.histplot(x=v, bins=bins, ax=ax, **{"color": PALETTE[0], "alpha": 0.85, "edgecolor": "white",
                                            "linewidth": 0.3, **kwargs})
    ax.set_xlim(lo - 0.1, hi + 0.1)
    if cuts:
        edges = [lo - 0.1, *cuts, hi + 0.1]
        for c in cuts:
            ax.axvline(c, color=PALETTE[3], ls="--", lw=1.2)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            mid = (max(a, lo) + min(b, hi)) / 2
            ax.text(mid, 0.98, f"level {round(mid):g}", transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=9, color=PALETTE[3])
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_xlabel(f"Satisfaction index (mean of the rated items, {lo:g}-{hi:g}); dashed: cuts between levels")
    ax.set_ylabel("Respondents")
    ax.set_title(_title(title, "Distribution of the satisfaction index 满意度指数", simulated_label(s)))
    return ax


def plot_importance_performance(
    drivers: DriverAnalysis,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Importance-performance map (Martilla & James 1977): each item's performance
    (mean rating) against its importance (effect of one rating point on loyalty, with
    its interval), quadrants split at the items' means. Labels are placed so they do
    not overlap one another, the quadrant names or any item's marker and interval; a
    label moved away from its point is joined to it by a thin leader line, and each
    label sits on a white box so the cross-hairs do not cut through it.

    Parameters
    ----------
    drivers : DriverAnalysis
        From :func:`~crmlib.satisfaction.driver_analysis`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.errorbar`` (the items).

    Returns
    -------
    Axes
    """
    ax = get_ax(ax, figsize=(10, 7))
    t = drivers.table
    x = t["performance"].to_numpy(dtype="float64")
    y = t["importance"].to_numpy(dtype="float64")
    yerr = np.clip(np.vstack([y - t["ci_low"].to_numpy(), t["ci_high"].to_numpy() - y]), 0, None)
    ax.errorbar(x, y, yerr=yerr, **{"fmt": "o", "color": PALETTE[0], "ecolor": PALETTE[0], "elinewidth": 1,
                                    "capsize": 3, "ms": 7, "zorder": 3, **kwargs})
    ax.axvline(drivers.performance_cut, color="grey", ls="--", lw=1, zorder=1)
    ax.axhline(drivers.importance_cut, color="grey", ls="--", lw=1, zorder=1)
    ax.axhline(0, color="black", lw=0.6, zorder=1)
    xpad = max(0.15 * np.ptp(x), 0.05)
    lo_y = float(min(t["ci_low"].min(), 0))
    hi_y = float(max(t["ci_high"].max(), 0))
    ypad = max(0.25 * (hi_y - lo_y), 1e-3)
    ax.set_xlim(x.min() - xpad, x.max() + xpad)
    ax.set_ylim(lo_y - ypad, hi_y + ypad)
    corners = [
        (0.01, 0.99, "left", "top", "concentrate here 重点改进"),
        (0.99, 0.99, "right", "top", "keep up the good work 继续保持"),
        (0.01, 0.01, "left", "bottom", "low priority 次要"),
        (0.99, 0.01, "right", "bottom", "possible overkill 过度投入"),
    ]
    fixed = [
        ax.text(cx, cy, label, transform=ax.transAxes, ha=ha, va=va, fontsize=10, color="#444444",
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#BBBBBB", "alpha": 0.9})
        for cx, cy, ha, va, label in corners
    ]
    _pp_axis(ax)
    ax.set_xlabel("Performance: mean rating of the item (1-5, 'not applicable' left out)")
    ax.set_ylabel(f"Importance: loyalty gained per rating point\n(percentage points, {drivers.confidence:.0%} interval)")
    ax.set_title(_title(title, "Importance-performance map 重要性-绩效分析", drivers.simulated))
    # last, once the layout is final: the placement works in display coordinates. A
    # layout engine (constrained layout) may still move the axes at the next draw: place again
    names = [str(i) for i in t.index]
    for _ in range(3):
        ax.figure.canvas.draw()
        before = ax.get_window_extent().bounds
        labels = _place_labels(ax, x, y, names, fixed=fixed, yerr=yerr)
        ax.figure.canvas.draw()
        if np.allclose(ax.get_window_extent().bounds, before, atol=0.5):
            break
        for a in labels:
            a.remove()
    return ax


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overlap area of box ``a`` (x0, y0, x1, y1) with each row of boxes ``b``."""
    if b.size == 0:
        return np.zeros(0)
    w = np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0])
    h = np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1])
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _crosses(seg: tuple[float, float, float, float], b: np.ndarray) -> bool:
    """Whether segment ``(x0, y0, x1, y1)`` passes through box ``b`` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - b[0]), (dx, b[2] - x0), (-dy, y0 - b[1]), (dy, b[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            t0 = max(t0, r)
        else:
            t1 = min(t1, r)
        if t0 > t1:
            return False
    return t1 - t0 > 1e-9


def _place_labels(ax: Axes, x: np.ndarray, y: np.ndarray, texts: Sequence[str], *, fixed: Sequence = (),
                  yerr: np.ndarray | None = None, marker_pt: float = 4.0, gap_pt: float = 7.0,
                  max_steps: int = 40) -> list:
    """Label points so that no label covers another label, a ``fixed`` artist (quadrant
    names) or any point's marker and interval, and every label stays inside the axes.

    Each label's first choice is beside its point (right of points in the left half of
    the axes, left in the right half), then the other side, then one label height further
    up or down at a time, nearest first. Labels with a free first choice are placed
    first, so crowded ones do not push them away. A label moved away from its point gets
    a thin leader line; each label sits on a white box so grid and cross-hair lines do
    not cut through it. When no free spot exists (an axes too small for its labels), the
    spot with the least overlap is used.

    Parameters
    ----------
    ax : Axes
    x, y : array
        The points, in data coordinates.
    texts : sequence of str
    fixed : sequence of artists
        Text boxes the labels must avoid.
    yerr : (2, n) array, optional
        Lower and upper error-bar lengths: the intervals are obstacles too.
    marker_pt : float
        Half-width of a marker (and its error-bar cap), in points.
    gap_pt : float
        Horizontal gap between a point and its label, in points.
    max_steps : int
        How many label heights up and down to try.
    """
    fig = ax.figure
    px = fig.dpi / 72.0
    bbox = {"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85}
    probe = [ax.text(0, 0, s, fontsize=9, transform=None, in_layout=False) for s in texts]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    sizes = np.array([[b.width, b.height] for b in (t.get_window_extent(renderer) for t in probe)])
    for t in probe:
        t.remove()
    pts = ax.transData.transform(np.column_stack([x, y]))
    lo_err = np.zeros(len(x)) if yerr is None else np.asarray(yerr[0], dtype="float64")
    hi_err = np.zeros(len(x)) if yerr is None else np.asarray(yerr[1], dtype="float64")
    y_lo = ax.transData.transform(np.column_stack([x, y - lo_err]))[:, 1]
    y_hi = ax.transData.transform(np.column_stack([x, y + hi_err]))[:, 1]
    half = marker_pt * px
    marks = np.column_stack([pts[:, 0] - half, np.minimum(y_lo, pts[:, 1]) - half,
                             pts[:, 0] + half, np.maximum(y_hi, pts[:, 1]) + half])
    pad = 2.0 * px  # room for the white box around each label
    fixed_boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for b in (f.get_window_extent(renderer) for f in fixed)]
                           ).reshape(-1, 4)
    obstacles = np.vstack([marks, fixed_boxes])
    axb = ax.get_window_extent(renderer)
    xmid = (axb.x0 + axb.x1) / 2

    def box(i: int, right: bool, step: int) -> np.ndarray:
        w, h = sizes[i]
        x0 = pts[i, 0] + gap_pt * px if right else pts[i, 0] - gap_pt * px - w
        yc = pts[i, 1] + step * (h + 2 * pad)
        return np.array([x0 - pad, yc - h / 2 - pad, x0 + w + pad, yc + h / 2 + pad])

    def candidates(i: int):
        first = pts[i, 0] <= xmid
        for k in range(max_steps + 1):
            for step in ((0,) if k == 0 else (k, -k)):
                for right in (first, not first):
                    yield right, step

    def leader(i: int, right: bool, b: np.ndarray) -> tuple[float, float, float, float]:
        return (pts[i, 0], pts[i, 1], (b[0] + pad) if right else (b[2] - pad), (b[1] + b[3]) / 2)

    def cost(i: int, right: bool, step: int, placed: list[np.ndarray], lines: list) -> float:
        b = box(i, right, step)
        inside = (b[0] >= axb.x0 and b[2] <= axb.x1 and b[1] >= axb.y0 and b[3] <= axb.y1)
        hit = float(_overlap(b, obstacles).sum() + _overlap(b, np.array(placed).reshape(-1, 4)).sum())
        # a leader line through another label (or a label over another leader) is hard to
        # follow: allowed only when nothing better exists
        crossings = sum(_crosses(seg, q) for seg in lines for q in [b])
        if step:
            seg = leader(i, right, b)
            crossings += sum(_crosses(seg, q) for q in placed)
        return hit + 50.0 * crossings + (0.0 if inside else 1e9)

    # labels whose first choice is free of obstacles and of the other first choices go first
    firsts = np.array([box(i, pts[i, 0] <= xmid, 0) for i in range(len(texts))]).reshape(-1, 4)
    crowd = [_overlap(firsts[i], obstacles).sum() + _overlap(firsts[i], np.delete(firsts, i, axis=0)).sum()
             for i in range(len(texts))]
    order = sorted(range(len(texts)), key=lambda i: (crowd[i] > 0, crowd[i]))
    chosen: dict[int, tuple[bool, int]] = {}
    placed: list[np.ndarray] = []
    lines: list[tuple[float, float, float, float]] = []
    for i in order:
        best, best_cost = (pts[i, 0] <= xmid, 0), np.inf
        for right, step in candidates(i):
            c = cost(i, right, step, placed, lines)
            if c == 0:
                best = (right, step)
                break
            if c < best_cost:
                best, best_cost = (right, step), c
        chosen[i] = best
        placed.append(box(i, *best))
        if best[1]:
            lines.append(leader(i, best[0], placed[-1]))
    out = []
    for i, s in enumerate(texts):
        right, step = chosen[i]
        b = box(i, right, step)
        dx = ((b[0] + pad) if right else (b[2] - pad)) - pts[i, 0]
        dy = (b[1] + b[3]) / 2 - pts[i, 1]
        arrow = ({"arrowstyle": "-", "color": "#888888", "lw": 0.7, "shrinkA": 0, "shrinkB": marker_pt}
                 if step else None)
        out.append(ax.annotate(s, (x[i], y[i]), xytext=(dx / px, dy / px), textcoords="offset points",
                               ha="left" if right else "right", va="center", fontsize=9, zorder=5,
                               bbox=bbox, arrowprops=arrow, annotation_clip=False))
        out[-1].set_in_layout(False)  # inside the axes: they must not move it
    return out


def label_overlaps(ax: Axes) -> list[tuple[str, str]]:
    """Pairs of text labels on ``ax`` whose boxes overlap (an empty list is a readable chart).

    Looks at annotations and ``ax.text`` artists; used by the tests.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    texts = [t for t in ax.texts if t.get_text() and t.get_visible()]
    # Text's own extent: an annotation's extent would include its leader line
    boxes = [Text.get_window_extent(t, renderer) for t in texts]
    out = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1:
                out.append((texts[i].get_text(), texts[j].get_text()))
    return out

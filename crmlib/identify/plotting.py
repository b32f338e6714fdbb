"""Charts of customer identification.

Each is ``plot_x(result, *, ..., ax=None, title=None, **kwargs) -> Axes``: ``kwargs`` go to
the main matplotlib call (``barh``, ``bar`` or ``scatter``). Counts and money use
:func:`crmlib.plotting.money_formatter` (``currency`` is an ISO code or a symbol; None =
plain numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.exceptions import DataValidationError
from crmlib.identify.lifecycle import STATES, state_labels
from crmlib.identify.quadrant import QUADRANTS
from crmlib.plotting import PALETTE, format_percent, get_ax, money_formatter, row_share_heatmap

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from crmlib.identify.lookalike import LookalikeEvaluation

__all__ = [
    "plot_lifecycle_states",
    "plot_lifecycle_over_time",
    "plot_transition_heatmap",
    "plot_value_quadrant",
    "plot_lift",
]

_STATE_COLOURS = dict(zip([s for s, _ in STATES], [PALETTE[5], PALETTE[0], PALETTE[2], PALETTE[4], PALETTE[1], PALETTE[3]],
                          strict=True))


def plot_lifecycle_states(
    states: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs: object
) -> Axes:
    """Horizontal bars: customers in each lifecycle state as of ``observation_end``.

    Parameters
    ----------
    states : DataFrame
        Output of :func:`~crmlib.identify.lifecycle_states`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
    """
    check_frame(states, ["state"], func="plot_lifecycle_states", what="lifecycle_states result",
                suggestion="pass lifecycle_states(transactions, observation_end).")
    names = [s for s, _ in STATES]
    counts = states["state"].astype("str").value_counts().reindex(names, fill_value=0)
    labels = state_labels()
    ax = get_ax(ax, figsize=(8, 4))
    y = np.arange(len(names))[::-1]
    ax.barh(y, counts.to_numpy(), **{"color": [_STATE_COLOURS[s] for s in names], **kwargs})
    total = counts.sum()
    for yi, v in zip(y, counts.to_numpy(), strict=True):
        ax.text(v, yi, f" {v:,} ({format_percent(v / total)})", va="center", fontsize=9)
    ax.set_yticks(y, [labels[s] for s in names])
    ax.set_xlim(0, max(counts.max(), 1) * 1.25)
    ax.set_xlabel("customers")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.grid(axis="y", visible=False)
    end = states.attrs.get("observation_end")
    ax.set_title(title or ("Lifecycle states" + (f" as of {end:%Y-%m-%d}" if end is not None else "")))
    return ax


def plot_lifecycle_over_time(
    counts: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs: object
) -> Axes:
    """Stacked bars of customers per state as of each date.

    Parameters
    ----------
    counts : DataFrame
        Output of :func:`~crmlib.identify.lifecycle_over_time`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
    """
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise DataValidationError("plot_lifecycle_over_time expects the output of lifecycle_over_time(...).",
                                  suggestion="pass lifecycle_over_time(transactions, reference_dates(transactions)).")
    ax = get_ax(ax, figsize=(10, 4.8))
    labels = state_labels()
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    for s in counts.columns:
        vals = counts[s].to_numpy(dtype="float64")
        ax.bar(x, vals, bottom=bottom, label=labels.get(s, s),
               **{"color": _STATE_COLOURS.get(s, "grey"), "width": 0.75, **kwargs})
        bottom += vals
    ax.set_xticks(x, [f"{d:%Y-%m-%d}" for d in counts.index], rotation=30, ha="right")
    ax.set_ylabel("customers")
    ax.set_xlabel("observation end (state at the end of the day)")
    ax.yaxis.set_major_formatter(money_formatter())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(title or "Lifecycle states over time")
    return ax


def plot_transition_heatmap(
    matrix: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, **kwargs: object
) -> Axes:
    """Transition matrix as a heatmap: colour = share of the row, text = count and share.

    Parameters
    ----------
    matrix : DataFrame
        Counts from :func:`~crmlib.identify.transition_matrix` (``normalize=False``).
    ax : Axes, optional
    title : str, optional
    **kwargs
        Accepted for the common signature; the heatmap is drawn by
        :func:`crmlib.plotting.row_share_heatmap`, so none are used.

    Returns
    -------
    Axes
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise DataValidationError("plot_transition_heatmap expects a transition matrix of counts.",
                                  suggestion="pass transition_matrix(transactions, start, end).")
    if kwargs:
        raise DataValidationError(f"plot_transition_heatmap takes no extra arguments: {', '.join(kwargs)}.",
                                  suggestion="style the returned Axes instead.")
    n_rows, n_cols = matrix.shape
    ax = get_ax(ax, figsize=(10, 6.2))
    im, totals = row_share_heatmap(ax, matrix.to_numpy(), lambda n, share: f"{int(n):,}\n{share:.0%}")
    labels = state_labels(include_non_customer=True)
    row_labels = [f"{labels.get(r, r)}  (n={int(t):,})" for r, t in zip(matrix.index, totals.ravel(), strict=True)]
    ax.set_yticks(np.arange(n_rows) + 0.5, row_labels)  # seaborn's cells are centred at i + 0.5
    short = state_labels(include_non_customer=True, sep="\n")
    ax.set_xticks(np.arange(n_cols) + 0.5, [short.get(c, c) for c in matrix.columns], fontsize=9)
    ax.set_ylabel("state at start")
    ax.set_xlabel("state at end")
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label("share of the row (where customers went)")
    s, e = matrix.attrs.get("start"), matrix.attrs.get("end")
    period = f": {s:%Y-%m-%d} → {e:%Y-%m-%d}" if s is not None and e is not None else ""
    ax.set_title(title or f"Lifecycle transitions{period}")
    return ax


def plot_value_quadrant(
    quadrant: pd.DataFrame,
    *,
    current_name: str = "current value",
    future_name: str = "future value",
    currency: str | None = None,
    log_x: bool = True,
    log_y: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs: object,
) -> Axes:
    """Scatter of current against future value, split at the thresholds.

    Only customers that can be placed by a trend are drawn. New customers (no earlier
    spend) are not points: they are counted in the legend. For a spend trend
    (``quadrant.attrs["future_measure"] == "spend_trend"``), customers with no spend in
    the recent window (a trend of exactly -1) are counted in the legend too, instead of
    being stacked on one line; the points are the customers with spend in both windows.

    Parameters
    ----------
    quadrant : DataFrame
        Output of :func:`~crmlib.identify.value_quadrant`.
    current_name, future_name : str
        Axis labels.
    currency : str, optional
        ISO code or symbol of the current-value axis ("GBP", "$"); None = plain numbers.
        With ``log_y``, the future axis is money too (a CLV).
    log_x : bool, default True
        Log scale for current value (spend is skewed).
    log_y : bool, default False
        Log scale for future value (for CLV; not for a trend, which can be negative).
        Values at or below zero are drawn at the smallest positive value.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    Axes
    """
    check_frame(quadrant, ["current_value", "future_value", "quadrant"], func="plot_value_quadrant",
                what="value_quadrant result", suggestion="pass value_quadrant(current, future).")
    ax = get_ax(ax, figsize=(8.5, 6.5))
    names = [q[0] for q in QUADRANTS]
    colours = dict(zip(names, [PALETTE[2], PALETTE[0], PALETTE[3], "grey", PALETTE[1]], strict=True))

    def positive(v: np.ndarray) -> np.ndarray:
        return np.maximum(v, np.nanmin(v[v > 0]) if (v > 0).any() else 1.0)

    label = quadrant["quadrant"].astype("str").to_numpy()
    x = quadrant["current_value"].to_numpy(dtype="float64")
    y = quadrant["future_value"].to_numpy(dtype="float64")
    is_trend = quadrant.attrs.get("future_measure") == "spend_trend"
    stopped = (y == -1.0) & (label != "new") if is_trend else np.zeros(len(y), dtype=bool)
    drawn = (label != "new") & ~stopped
    x = positive(x) if log_x else x
    y = positive(y) if log_y else y
    style = {"s": 9, "alpha": 0.45, "rasterized": True, **kwargs}
    for q, zh, _ in QUADRANTS:
        m = label == q
        if q == "new":
            if m.any():  # a legend entry without points: new customers have no trend to place
                ax.scatter([], [], marker="s", color=colours[q],
                           label=f"{q} {zh} ({int(m.sum()):,}, not drawn)")
            continue
        n_stopped = int((m & stopped).sum())
        note = f"; {n_stopped:,} at -1 not drawn" if n_stopped else ""
        ax.scatter(x[m & drawn], y[m & drawn], color=colours[q],
                   label=f"{q.replace('_', ' ')} {zh} ({int(m.sum()):,}{note})", **style)
    ct, ft = quadrant.attrs.get("current_threshold"), quadrant.attrs.get("future_threshold")
    if ct is not None:
        ax.axvline(max(ct, np.min(x)) if log_x else ct, color="black", lw=1, ls="--")
    if ft is not None:
        ax.axhline(max(ft, np.min(y)) if log_y else ft, color="black", lw=1, ls="--")
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.xaxis.set_major_formatter(money_formatter(currency))
    if log_y:
        ax.yaxis.set_major_formatter(money_formatter(currency))
    if is_trend:
        ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel(current_name + (" (log scale)" if log_x else ""))
    ax.set_ylabel(future_name + (" (log scale)" if log_y else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=2.5,
              title="quadrant (customers)")
    if is_trend or (label == "new").any():
        ax.text(0.0, -0.13, f"Points: the {int(drawn.sum()):,} customers with spend in both windows. Counted in the "
                "legend, not drawn: new customers (no earlier spend, trend +1)"
                + (" and customers with no recent spend (trend -1)." if is_trend else "."),
                transform=ax.transAxes, fontsize=8, va="top", wrap=True)
    ax.set_title(title or "Value, potential and declining customers (价值/潜力/失效客户)")
    return ax


def plot_lift(
    evaluation: LookalikeEvaluation | pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs: object,
) -> Axes:
    """Lift chart: positive rate by score decile relative to a random pick (= 1).

    Parameters
    ----------
    evaluation : LookalikeEvaluation or DataFrame
        From :meth:`~crmlib.identify.LookalikeModel.evaluate`, or a
        :func:`crmlib.metrics.lift_table`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
    """
    table = evaluation if isinstance(evaluation, pd.DataFrame) else getattr(evaluation, "lift", None)
    if not {"lift", "cum_lift", "rate"} <= set(getattr(table, "columns", [])):
        raise DataValidationError("plot_lift expects a lift table.",
                                  suggestion="pass model.evaluate(transactions) or crmlib.metrics.lift_table(y, scores).")
    ax = get_ax(ax, figsize=(8.5, 4.8))
    x = table.index.to_numpy()
    ax.bar(x, table["lift"].to_numpy(), label="lift of the decile", **{"color": PALETTE[0], **kwargs})
    ax.plot(x, table["cum_lift"].to_numpy(), "o-", color=PALETTE[1], label="cumulative lift (top deciles so far)")
    ax.axhline(1.0, color="black", ls="--", lw=1, label="random pick (lift = 1)")
    top = max(table["lift"].max(), table["cum_lift"].max())
    for xi, lift, rate in zip(x, table["lift"], table["rate"], strict=True):
        # at the foot of the bar, clear of the cumulative line; above it when the bar is short
        inside = lift > 0.2 * top
        ax.text(xi, 0.02 * top if inside else lift, f"{lift:.2f}x\n{format_percent(rate)}", ha="center",
                va="bottom", fontsize=8, color="white" if inside else "black")
    ax.set_xticks(x, [str(int(v)) for v in x])
    ax.set_xlabel("score decile (1 = customers the model rates highest)")
    ax.set_ylabel("positive rate / overall rate")
    ax.set_ylim(0, top * 1.3)
    ax.legend(loc="upper right", frameon=True, framealpha=0.9)
    auc = getattr(evaluation, "auc", None)
    ax.set_title(title or ("Look-alike model on the later cohort: lift by decile"
                           + (f" (AUC {auc:.2f})" if auc is not None else "")))
    return ax

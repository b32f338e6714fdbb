"""Charts of customer identification. Each is ``plot_x(result, ..., ax=None) -> Axes``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.identify.lifecycle import STATES, state_labels
from crmlib.identify.quadrant import QUADRANTS
from crmlib.plotting import PALETTE, format_thousands, get_ax, row_share_heatmap

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


def plot_lifecycle_states(states: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Horizontal bars: customers in each lifecycle state at the reference date.

    Parameters
    ----------
    states : DataFrame
        Output of :func:`~crmlib.identify.lifecycle_states`.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    if "state" not in getattr(states, "columns", []):
        raise DataValidationError("Expected the output of lifecycle_states(...).", suggestion="pass lifecycle_states(tx, at).")
    names = [s for s, _ in STATES]
    counts = states["state"].astype("str").value_counts().reindex(names, fill_value=0)
    labels = state_labels()
    ax = get_ax(ax, figsize=(8, 4))
    y = np.arange(len(names))[::-1]
    ax.barh(y, counts.to_numpy(), color=[_STATE_COLOURS[s] for s in names])
    total = counts.sum()
    for yi, v in zip(y, counts.to_numpy(), strict=True):
        ax.text(v, yi, f" {v:,} ({v / total:.0%})", va="center", fontsize=9)
    ax.set_yticks(y, [labels[s] for s in names])
    ax.set_xlim(0, max(counts.max(), 1) * 1.25)
    ax.set_xlabel("customers")
    format_thousands(ax, "x")
    ax.grid(axis="y", visible=False)
    at = states.attrs.get("at")
    ax.set_title(title or ("Lifecycle states" + (f" at {at:%Y-%m-%d}" if at is not None else "")))
    return ax


def plot_lifecycle_over_time(counts: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Stacked bars of customers per state at each reference date.

    Parameters
    ----------
    counts : DataFrame
        Output of :func:`~crmlib.identify.lifecycle_over_time`.
    """
    ax = get_ax(ax, figsize=(10, 4.8))
    labels = state_labels()
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    for s in counts.columns:
        vals = counts[s].to_numpy(dtype="float64")
        ax.bar(x, vals, bottom=bottom, color=_STATE_COLOURS.get(s, "grey"), label=labels.get(s, s), width=0.75)
        bottom += vals
    ax.set_xticks(x, [f"{d:%Y-%m-%d}" for d in counts.index], rotation=30, ha="right")
    ax.set_ylabel("customers")
    ax.set_xlabel("reference date (state at the start of the day)")
    format_thousands(ax, "y")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(title or "Lifecycle states over time")
    return ax


def plot_transition_heatmap(matrix: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Transition matrix as a heatmap: colour = share of the row, text = count and share.

    Parameters
    ----------
    matrix : DataFrame
        Counts from :func:`~crmlib.identify.transition_matrix` (``normalize=False``).
    """
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise DataValidationError("Expected a transition matrix of counts.", suggestion="pass transition_matrix(tx, start, end).")
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
    log_x: bool = True,
    log_y: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Scatter of current against future value, split at the thresholds, each quadrant
    labelled with its name and count.

    Parameters
    ----------
    quadrant : DataFrame
        Output of :func:`~crmlib.identify.value_quadrant`.
    current_name, future_name : str
        Axis labels (with units).
    log_x : bool, default True
        Log scale for current value (spend is skewed).
    log_y : bool, default False
        Log scale for future value (for CLV; not for a trend, which can be negative).
        Values at or below zero are drawn at the smallest positive value.
    """
    if not {"current_value", "future_value", "quadrant"} <= set(getattr(quadrant, "columns", [])):
        raise DataValidationError("Expected the output of value_quadrant(...).", suggestion="pass value_quadrant(current, future).")
    ax = get_ax(ax, figsize=(8.5, 6.5))
    names = [q[0] for q in QUADRANTS]
    colours = dict(zip(names, [PALETTE[2], PALETTE[0], PALETTE[3], "grey"], strict=True))
    def positive(v: np.ndarray) -> np.ndarray:
        return np.maximum(v, np.nanmin(v[v > 0]) if (v > 0).any() else 1.0)

    x = quadrant["current_value"].to_numpy(dtype="float64")
    y = quadrant["future_value"].to_numpy(dtype="float64")
    x = positive(x) if log_x else x
    y = positive(y) if log_y else y
    for q, zh, _ in QUADRANTS:
        m = (quadrant["quadrant"].astype("str") == q).to_numpy()
        ax.scatter(x[m], y[m], s=9, alpha=0.45, color=colours[q],
                   label=f"{q.replace('_', ' ')} {zh} ({int(m.sum()):,})", rasterized=True)
    ct, ft = quadrant.attrs.get("current_threshold"), quadrant.attrs.get("future_threshold")
    if ct is not None:
        ax.axvline(max(ct, np.min(x)) if log_x else ct, color="black", lw=1, ls="--")
    if ft is not None:
        ax.axhline(max(ft, np.min(y)) if log_y else ft, color="black", lw=1, ls="--")
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(current_name + (" (log scale)" if log_x else ""))
    ax.set_ylabel(future_name + (" (log scale)" if log_y else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, markerscale=2.5,
              title="quadrant (customers)")
    ax.set_title(title or "Value, potential and declining customers (价值/潜力/失效客户)")
    return ax


def plot_lift(
    evaluation: LookalikeEvaluation | pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Lift chart: positive rate by score decile relative to a random pick (= 1).

    Parameters
    ----------
    evaluation : LookalikeEvaluation or DataFrame
        From :meth:`~crmlib.identify.LookalikeModel.evaluate`, or a
        :func:`~crmlib.identify.lift_table`.
    """
    table = evaluation if isinstance(evaluation, pd.DataFrame) else getattr(evaluation, "lift", None)
    if not {"lift", "cum_lift", "rate"} <= set(getattr(table, "columns", [])):
        raise DataValidationError("Expected a lift table.", suggestion="pass model.evaluate(tx) or lift_table(y, scores).")
    ax = get_ax(ax, figsize=(8.5, 4.8))
    x = table.index.to_numpy()
    ax.bar(x, table["lift"].to_numpy(), color=PALETTE[0], label="lift of the decile")
    ax.plot(x, table["cum_lift"].to_numpy(), "o-", color=PALETTE[1], label="cumulative lift (top deciles so far)")
    ax.axhline(1.0, color="black", ls="--", lw=1, label="random pick (lift = 1)")
    top = max(table["lift"].max(), table["cum_lift"].max())
    for xi, lift, rate in zip(x, table["lift"], table["rate"], strict=True):
        # at the foot of the bar, clear of the cumulative line; above it when the bar is short
        inside = lift > 0.2 * top
        ax.text(xi, 0.02 * top if inside else lift, f"{lift:.2f}x\n{rate:.0%}", ha="center",
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

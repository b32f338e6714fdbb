"""Charts of churn scores, campaign profit, churn reasons and the win-back policy.

Every function has the form ``plot_x(result, ..., ax=None) -> Axes``, draws with ``ax.``
methods only and never calls ``plt.show()``; save with :func:`crmlib.plotting.save_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.churn.evaluation import ProfitCurve, _labels, _score_table
from crmlib.exceptions import DataValidationError
from crmlib.plotting import PALETTE, format_compact, get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "format_money",
    "plot_calibration",
    "plot_churn_reasons",
    "plot_decile_lift",
    "plot_feature_importance",
    "plot_gains",
    "plot_precision_recall",
    "plot_profit_curve",
    "plot_roc",
    "plot_winback_policy",
]

_PREVENTABILITY_COLOURS = {"preventable": PALETTE[3], "not preventable": PALETTE[0], "unknown": "#999999"}


def _as_mapping(obj, what: str) -> dict:
    if isinstance(obj, Mapping):
        if not obj:
            raise DataValidationError(f"No {what} given.")
        return dict(obj)
    return {"": obj}


def plot_roc(y_true, scores, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """ROC curves of one or several churn scores, AUC in the legend.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : mapping of name to P(churned), DataFrame, or one array
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y = _labels(y_true)
    table = _score_table(scores, y.size)
    ax = get_ax(ax, figsize=(6, 5.5))
    for i, (name, p) in enumerate(table.items()):
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, color=PALETTE[i % len(PALETTE)], lw=2, label=f"{name} (AUC {roc_auc_score(y, p):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="random (AUC 0.500)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false positive rate (stayers flagged)")
    ax.set_ylabel("true positive rate (churners caught)")
    ax.set_title(title or "ROC curve")
    _legend_below(ax)
    return ax


def plot_precision_recall(y_true, scores, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Precision-recall curves, average precision (PR AUC) in the legend.

    The dashed line is the churn rate: the precision of targeting at random.

    Returns
    -------
    Axes
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y = _labels(y_true)
    table = _score_table(scores, y.size)
    ax = get_ax(ax, figsize=(6, 5.5))
    for i, (name, p) in enumerate(table.items()):
        precision, recall, _ = precision_recall_curve(y, p)
        ap = average_precision_score(y, p)
        ax.plot(recall, precision, color=PALETTE[i % len(PALETTE)], lw=2, label=f"{name} (PR AUC {ap:.3f})")
    ax.axhline(y.mean(), ls="--", color="grey", lw=1, label=f"random (churn rate {y.mean():.1%})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("recall (share of churners caught)")
    ax.set_ylabel("precision (share of flagged who churn)")
    ax.set_title(title or "Precision-recall curve")
    _legend_below(ax)
    return ax


def plot_calibration(tables, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Reliability diagram: observed churn rate against mean prediction, per bin.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        From :func:`crmlib.churn.calibration_table`; vertical bars are the 95% intervals.

    Returns
    -------
    Axes
    """
    tabs = _as_mapping(tables, "calibration tables")
    ax = get_ax(ax, figsize=(6, 5.5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfectly calibrated")
    for i, (name, t) in enumerate(tabs.items()):
        colour = PALETTE[i % len(PALETTE)]
        err = np.vstack([t["observed_rate"] - t["observed_low"], t["observed_high"] - t["observed_rate"]])
        ax.errorbar(
            t["mean_predicted"], t["observed_rate"], yerr=err, color=colour, marker="o", ms=5, lw=1.5,
            capsize=2, label=name or None,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("mean predicted churn probability (bin)")
    ax.set_ylabel("observed churn rate (bin)")
    ax.set_title(title or "Calibration")
    ax.legend(loc="upper left")
    return ax


def plot_gains(tables, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Cumulative gains: share of churners caught against share of customers targeted.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        From :func:`crmlib.churn.lift_table` (same customers for every table).

    Returns
    -------
    Axes
    """
    tabs = _as_mapping(tables, "lift tables")
    ax = get_ax(ax, figsize=(6, 5.5))
    first = next(iter(tabs.values()))
    base = first["churners"].sum() / first["customers"].sum()
    grid = np.linspace(0, 1, 201)
    ax.plot(grid, np.minimum(grid / base, 1.0), color="black", lw=1, ls=":", label="perfect ranking")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="random")
    for i, (name, t) in enumerate(tabs.items()):
        x = np.r_[0.0, t["cum_share_targeted"].to_numpy()]
        y = np.r_[0.0, t["cum_share_of_churners"].to_numpy()]
        ax.plot(x, y, color=PALETTE[i % len(PALETTE)], marker="o", ms=4, lw=2, label=name or None)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.xaxis.set_major_formatter(_percent())
    ax.yaxis.set_major_formatter(_percent())
    ax.set_xlabel("customers targeted, highest risk first")
    ax.set_ylabel("share of all churners caught")
    ax.set_title(title or "Cumulative gains")
    ax.legend(loc="lower right")
    return ax


def plot_decile_lift(tables, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Lift per decile of risk (bars), one colour per score; 1 = no better than random.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        From :func:`crmlib.churn.lift_table`.

    Returns
    -------
    Axes
    """
    tabs = _as_mapping(tables, "lift tables")
    ax = get_ax(ax, figsize=(8, 5))
    n = len(tabs)
    width = 0.8 / n
    for i, (name, t) in enumerate(tabs.items()):
        x = t.index.to_numpy() + (i - (n - 1) / 2) * width
        ax.bar(x, t["lift"], width=width, color=PALETTE[i % len(PALETTE)], label=name or None)
    ax.axhline(1.0, color="grey", ls="--", lw=1)
    first = next(iter(tabs.values()))
    ax.set_xticks(first.index.to_numpy())
    ax.set_xlabel("decile of predicted risk (1 = highest)")
    ax.set_ylabel("lift (churn rate / overall churn rate)")
    ax.set_title(title or "Decile lift")
    ax.grid(axis="x", visible=False)
    if n > 1:
        ax.legend(loc="upper right")
    return ax


def plot_profit_curve(
    curves: ProfitCurve | Mapping[str, ProfitCurve],
    *,
    currency: str = "",
    realised: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Campaign profit by targeting depth, with the profit-maximising depth marked.

    Parameters
    ----------
    curves : ProfitCurve or mapping of name to ProfitCurve
        From :func:`crmlib.churn.profit_curve`.
    currency : str, default ""
        Unit shown on the y axis (e.g. "£").
    realised : bool, default True
        Also draw the realised profit (dashed) when the curve has it.

    Returns
    -------
    Axes
    """
    pcs = _as_mapping(curves, "profit curves")
    ax = get_ax(ax, figsize=(8, 6))
    for i, (name, pc) in enumerate(pcs.items()):
        colour = PALETTE[i % len(PALETTE)]
        c = pc.curve
        prefix = f"{name}: " if name else ""
        ax.plot(c["depth"], c["expected_profit"], color=colour, lw=2, label=f"{prefix}expected profit")
        if realised and "realised_profit" in c:
            ax.plot(c["depth"], c["realised_profit"], color=colour, lw=1.5, ls="--", label=f"{prefix}realised profit")
        best = format_money(pc.best_expected_profit, currency)
        ax.plot([pc.best_depth], [pc.best_expected_profit], marker="*", ms=16, color=colour,
                markeredgecolor="black", zorder=5, ls="none", clip_on=False,
                label=f"{prefix}best depth: top {pc.best_depth:.0%}, expected {best}")
    ax.axhline(0, color="grey", lw=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(_percent())
    format_compact(ax, "y")
    ax.set_xlabel("customers contacted, in ranking order")
    ax.set_ylabel(f"campaign profit ({currency})" if currency else "campaign profit")
    ax.set_title(title or "Retention campaign profit by targeting depth")
    _legend_below(ax)
    return ax


def plot_churn_reasons(
    reasons: pd.DataFrame,
    *,
    top: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Churners by stated reason (horizontal bars), coloured by preventability.

    Parameters
    ----------
    reasons : DataFrame
        From :func:`crmlib.churn.churn_reasons_table`.
    top : int, optional
        Show only the ``top`` most frequent reasons.

    Returns
    -------
    Axes
    """
    need = {"reason", "category", "churners", "share_of_churners", "preventability"}
    if not isinstance(reasons, pd.DataFrame) or not need <= set(reasons.columns):
        raise DataValidationError(
            "reasons must be a churn_reasons_table() result.",
            suggestion="build it with crmlib.churn.churn_reasons_table(customers).",
        )
    r = reasons.sort_values("churners", ascending=False, kind="stable")
    if top is not None:
        r = r.head(top)
    r = r.iloc[::-1]
    ax = get_ax(ax, figsize=(9, 1.0 + 0.32 * len(r)))
    y = np.arange(len(r))
    colours = [_PREVENTABILITY_COLOURS.get(p, PALETTE[4]) for p in r["preventability"]]
    ax.barh(y, r["churners"], color=colours)
    ax.set_yticks(y, [f"{reason}  [{cat}]" for reason, cat in zip(r["reason"], r["category"], strict=True)])
    for yi, (n, share) in enumerate(zip(r["churners"], r["share_of_churners"], strict=True)):
        ax.text(n, yi, f" {n:,} ({share:.1%})", va="center", fontsize=8)
    ax.set_xlim(0, r["churners"].max() * 1.25)
    ax.set_xlabel("churners")
    ax.grid(axis="y", visible=False)
    from matplotlib.patches import Patch

    present = [p for p in _PREVENTABILITY_COLOURS if p in set(r["preventability"])]
    ax.legend(handles=[Patch(color=_PREVENTABILITY_COLOURS[p], label=p) for p in present], loc="lower right")
    ax.set_title(title or "Why customers left")
    return ax


def plot_winback_policy(
    policy: pd.DataFrame,
    *,
    currency: str = "",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Expected value of acting per customer, by tier, labelled with the action.

    Parameters
    ----------
    policy : DataFrame
        From :func:`crmlib.churn.winback_policy`.

    Returns
    -------
    Axes
    """
    need = {"expected_value_per_customer", "action", "customers"}
    if not isinstance(policy, pd.DataFrame) or not need <= set(policy.columns):
        raise DataValidationError(
            "policy must be a winback_policy() result.",
            suggestion="build it with crmlib.churn.winback_policy(customers, ...).",
        )
    p = policy.iloc[::-1]
    ax = get_ax(ax, figsize=(8, 1.2 + 0.6 * len(p)))
    ev = p["expected_value_per_customer"].to_numpy(dtype="float64")
    y = np.arange(len(p))
    ax.barh(y, ev, color=[PALETTE[2] if v > 0 else PALETTE[3] for v in ev])
    ax.set_yticks(y, [f"{t} ({n:,})" for t, n in zip(p.index, p["customers"], strict=True)])
    span = max(float(np.abs(ev).max()), 1e-9)
    for yi, (v, action) in enumerate(zip(ev, p["action"], strict=True)):
        ax.text(v + (0.02 * span if v >= 0 else -0.02 * span), yi, f"{action}: {format_money(v, currency, 2)}",
                va="center", ha="left" if v >= 0 else "right", fontsize=9)
    # room for the labels on whichever sides have bars
    ax.set_xlim(min(ev.min(), 0) - (0.45 * span if ev.min() < 0 else 0.02 * span),
                max(ev.max(), 0) + (0.45 * span if ev.max() > 0 else 0.02 * span))
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel(f"expected value of acting per customer ({currency})" if currency
                  else "expected value of acting per customer")
    ax.set_ylabel("tier (customers)")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Win-back policy by tier")
    return ax


def plot_feature_importance(
    importance: pd.Series,
    *,
    error: pd.Series | None = None,
    top: int | None = 15,
    xlabel: str = "importance",
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Horizontal bars of feature importances (e.g. permutation importance), largest on top.

    Parameters
    ----------
    importance : Series
        Importance per feature (index: feature name).
    error : Series, optional
        Standard deviations, drawn as error bars.
    top : int, optional, default 15
        Show the ``top`` largest.

    Returns
    -------
    Axes
    """
    if not isinstance(importance, pd.Series) or len(importance) == 0:
        raise DataValidationError("importance must be a non-empty Series indexed by feature.")
    imp = importance.sort_values(ascending=False, kind="stable")
    if top is not None:
        imp = imp.head(top)
    imp = imp.iloc[::-1]
    ax = get_ax(ax, figsize=(8, 1.0 + 0.35 * len(imp)))
    y = np.arange(len(imp))
    xerr = None if error is None else error.reindex(imp.index).to_numpy()
    ax.barh(y, imp.to_numpy(), xerr=xerr, color=PALETTE[0], ecolor="grey", capsize=2)
    ax.set_yticks(y, [str(i) for i in imp.index])
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Feature importance")
    return ax


def _legend_below(ax: Axes) -> None:
    """Legend under the axes, where it cannot hide a curve."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, fontsize=9)


def format_money(value: float, currency: str = "", decimals: int = 0) -> str:
    """An amount with thousands separators and the sign before the currency symbol.

    Examples
    --------
    >>> format_money(-1234.5, "£"), format_money(2.456, "$", 2)
    ('-£1,234', '$2.46')
    """
    sign = "-" if value < 0 else ""
    return f"{sign}{currency}{abs(value):,.{decimals}f}"


def _percent():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)

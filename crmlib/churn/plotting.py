"""Charts of churn scores, campaign profit, churn reasons and the win-back policy.

Every function has the form ``plot_x(data, *, ..., ax=None, title=None, **kwargs) -> Axes``
(``kwargs`` go to the main drawing call), draws with ``ax.`` methods only and never calls
``plt.show()``; save with :func:`crmlib.plotting.save_figure`. ``currency`` is an ISO code
or a symbol ("GBP", "$") labelling money with crmlib's one money format; None = plain
numbers. Charts that rest on assumptions (contact cost, save rate, win-back odds) print
them on the chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.churn.evaluation import ProfitCurve, _labels, _score_table
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.plotting import (
    PALETTE,
    currency_symbol,
    format_money,
    format_percent,
    get_ax,
    money_formatter,
    percent_formatter,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
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


def plot_roc(y_true, scores, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
    """ROC curves of one or several churn scores, AUC in the legend.

    Parameters
    ----------
    y_true : Series or array-like of 0/1
    scores : mapping of name to P(churned), DataFrame, or one array
        Aligned with ``y_true`` on the customer index when both are pandas objects.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.plot`` for each curve.

    Returns
    -------
    Axes
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y = _labels(y_true, func="plot_roc")
    table = _score_table(scores, y_true, func="plot_roc")
    ax = get_ax(ax, figsize=(6, 5.5))
    for i, (name, p) in enumerate(table.items()):
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, **{"color": PALETTE[i % len(PALETTE)], "lw": 2,
                             "label": f"{name} (AUC {roc_auc_score(y, p):.3f})", **kwargs})
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="random (AUC 0.500)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false positive rate (stayers flagged)")
    ax.set_ylabel("true positive rate (churners caught)")
    ax.set_title(title or "ROC curve")
    _legend_below(ax)
    return ax


def plot_precision_recall(y_true, scores, *, ax: Axes | None = None, title: str | None = None,
                          **kwargs) -> Axes:
    """Precision-recall curves, average precision (PR AUC) in the legend.

    The dashed line is the churn rate: the precision of targeting at random. Arguments as
    in :func:`plot_roc`.

    Returns
    -------
    Axes
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    y = _labels(y_true, func="plot_precision_recall")
    table = _score_table(scores, y_true, func="plot_precision_recall")
    ax = get_ax(ax, figsize=(6, 5.5))
    for i, (name, p) in enumerate(table.items()):
        precision, recall, _ = precision_recall_curve(y, p)
        ap = average_precision_score(y, p)
        ax.plot(recall, precision, **{"color": PALETTE[i % len(PALETTE)], "lw": 2,
                                      "label": f"{name} (PR AUC {ap:.3f})", **kwargs})
    ax.axhline(y.mean(), ls="--", color="grey", lw=1, label=f"random (churn rate {format_percent(y.mean(), 1)})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("recall (share of churners caught)")
    ax.set_ylabel("precision (share of flagged who churn)")
    ax.set_title(title or "Precision-recall curve")
    _legend_below(ax)
    return ax


def plot_calibration(tables, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
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
            t["mean_predicted"], t["observed_rate"], yerr=err,
            **{"color": colour, "marker": "o", "ms": 5, "lw": 1.5, "capsize": 2, "label": name or None, **kwargs},
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("mean predicted churn probability (bin)")
    ax.set_ylabel("observed churn rate (bin)")
    ax.set_title(title or "Calibration")
    ax.legend(loc="upper left")
    return ax


def plot_gains(tables, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
    """Cumulative gains: share of churners caught against share of customers targeted.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        From :func:`crmlib.metrics.lift_table` (same customers for every table).

    Returns
    -------
    Axes
    """
    tabs = _as_mapping(tables, "lift tables")
    ax = get_ax(ax, figsize=(6, 5.5))
    first = next(iter(tabs.values()))
    base = first["positives"].sum() / first["customers"].sum()
    grid = np.linspace(0, 1, 201)
    ax.plot(grid, np.minimum(grid / base, 1.0), color="black", lw=1, ls=":", label="perfect ranking")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="random")
    for i, (name, t) in enumerate(tabs.items()):
        x = np.r_[0.0, t["cum_share_customers"].to_numpy()]
        y = np.r_[0.0, t["cum_share_positives"].to_numpy()]
        ax.plot(x, y, **{"color": PALETTE[i % len(PALETTE)], "marker": "o", "ms": 4, "lw": 2,
                         "label": name or None, **kwargs})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("customers targeted, highest risk first")
    ax.set_ylabel("share of all churners caught")
    ax.set_title(title or "Cumulative gains")
    ax.legend(loc="lower right")
    return ax


def plot_decile_lift(tables, *, ax: Axes | None = None, title: str | None = None, **kwargs) -> Axes:
    """Lift per decile of risk (bars), one colour per score; 1 = no better than random.

    Parameters
    ----------
    tables : DataFrame or mapping of name to DataFrame
        From :func:`crmlib.metrics.lift_table`.

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
        ax.bar(x, t["lift"], **{"width": width, "color": PALETTE[i % len(PALETTE)], "label": name or None, **kwargs})
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
    currency: str | None = None,
    realised: bool = True,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Campaign profit by targeting depth, with the expected-profit-maximising depth marked.

    The mark is labelled with its expected and (when outcomes are known) realised profit;
    when no depth has a positive expected profit, nothing is marked and the legend says so.

    The campaign's assumptions (contact cost, save rate) are printed on the chart: the
    optimum depends on them.

    Parameters
    ----------
    curves : ProfitCurve or mapping of name to ProfitCurve
        From :func:`crmlib.churn.profit_curve`.
    currency : str, optional
        ISO code or symbol labelling money ("GBP", "£"); None = plain numbers.
    realised : bool, default True
        Also draw the realised profit (dashed) when the curve has it.
    **kwargs
        Passed to ``ax.plot`` for each expected-profit curve.

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
        ax.plot(c["depth"], c["expected_profit"], **{"color": colour, "lw": 2,
                                                      "label": f"{prefix}expected profit", **kwargs})
        if realised and "realised_profit" in c:
            ax.plot(c["depth"], c["realised_profit"], color=colour, lw=1.5, ls="--", label=f"{prefix}realised profit")
        if pc.best_n == 0:
            # no depth is expected to pay: mark nothing as "best"
            ax.plot([], [], ls="none", label=f"{prefix}no depth pays: expected profit <= 0 at every depth")
            continue
        best = format_money(pc.best_expected_profit, currency)
        # the optimum is an expectation; the realised profit there can be a loss, so say it
        realised_text = ("" if pc.realised_at_best is None
                         else f", realised {format_money(pc.realised_at_best, currency)}")
        ax.plot([pc.best_depth], [pc.best_expected_profit], marker="*", ms=16, color=colour,
                markeredgecolor="black", zorder=5, ls="none", clip_on=False,
                label=_plain(f"{prefix}expected optimum: top {format_percent(pc.best_depth)}, "
                             f"expected {best}{realised_text}"))
    # the assumptions the optimum rests on, once when every curve shares them
    stated = {
        name: f"contact cost {format_money(pc.contact_cost, currency, 2)} per customer, "
        f"save rate {format_percent(pc.save_rate)}"
        for name, pc in pcs.items()
    }
    shared = len(set(stated.values())) == 1
    for name, text in stated.items():
        ax.plot([], [], ls="none", label=_plain(f"assumed: {text}" if shared else f"{name}: assumed {text}"))
        if shared:
            break
    ax.axhline(0, color="grey", lw=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel("customers contacted, in ranking order")
    ax.set_ylabel(_plain(f"campaign profit ({currency_symbol(currency).strip()})") if currency else "campaign profit")
    ax.set_title(title or "Retention campaign profit by targeting depth")
    _legend_below(ax)
    return ax


def plot_churn_reasons(
    reasons: pd.DataFrame,
    *,
    n_top: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Churners by stated reason (horizontal bars), coloured by preventability.

    Parameters
    ----------
    reasons : DataFrame
        From :func:`crmlib.churn.churn_reasons_table`.
    n_top : int, optional
        Show only the ``n_top`` most frequent reasons.
    **kwargs
        Passed to ``ax.barh``.

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
    if n_top is not None:
        r = r.head(int(to_number(n_top, "n_top", low=1, integer=True, example="10")))
    r = r.iloc[::-1]
    ax = get_ax(ax, figsize=(9, 1.0 + 0.32 * len(r)))
    y = np.arange(len(r))
    colours = [_PREVENTABILITY_COLOURS.get(p, PALETTE[4]) for p in r["preventability"]]
    ax.barh(y, r["churners"], **{"color": colours, **kwargs})
    ax.set_yticks(y, [f"{reason}  [{cat}]" for reason, cat in zip(r["reason"], r["category"], strict=True)])
    for yi, (n, share) in enumerate(zip(r["churners"], r["share_of_churners"], strict=True)):
        ax.text(n, yi, f" {n:,} ({format_percent(share, 1)})", va="center", fontsize=8)
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
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Expected value of acting per customer, by tier, labelled with the action.

    Each tier's assumptions (win-back probability and cost per attempt) are printed in
    its label: the action follows from them.

    Parameters
    ----------
    policy : DataFrame
        From :func:`crmlib.churn.winback_policy`.
    currency : str, optional
        ISO code or symbol labelling money ("GBP", "£"); None = plain numbers.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
    """
    need = {"expected_value_per_customer", "action", "customers", "p_winback", "cost_per_customer"}
    if not isinstance(policy, pd.DataFrame) or not need <= set(policy.columns):
        raise DataValidationError(
            "policy must be a winback_policy() result.",
            suggestion="build it with crmlib.churn.winback_policy(customers, ...).",
        )
    p = policy.iloc[::-1]
    ax = get_ax(ax, figsize=(8, 1.2 + 0.6 * len(p)))
    ev = p["expected_value_per_customer"].to_numpy(dtype="float64")
    y = np.arange(len(p))
    ax.barh(y, ev, **{"color": [PALETTE[2] if v > 0 else PALETTE[3] for v in ev], **kwargs})
    ax.set_yticks(y, [
        _plain(f"{t} ({n:,})\np(win back) {format_percent(pw)}, cost {format_money(c, currency, 2)}")
        for t, n, pw, c in zip(p.index, p["customers"], p["p_winback"], p["cost_per_customer"], strict=True)
    ], fontsize=8)
    span = max(float(np.abs(ev).max()), 1e-9)
    for yi, (v, action) in enumerate(zip(ev, p["action"], strict=True)):
        ax.text(v + (0.02 * span if v >= 0 else -0.02 * span), yi, _plain(f"{action}: {format_money(v, currency, 2)}"),
                va="center", ha="left" if v >= 0 else "right", fontsize=9)
    # room for the labels on whichever sides have bars
    ax.set_xlim(min(ev.min(), 0) - (0.45 * span if ev.min() < 0 else 0.02 * span),
                max(ev.max(), 0) + (0.45 * span if ev.max() > 0 else 0.02 * span))
    ax.axvline(0, color="grey", lw=1)
    ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel("expected value of acting per customer (assumed p(win back) x value - cost)")
    ax.set_ylabel("tier (customers)")
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Win-back policy by tier")
    return ax


def plot_feature_importance(
    importance: pd.Series,
    *,
    error: pd.Series | None = None,
    n_top: int | None = 15,
    xlabel: str = "importance",
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Horizontal bars of feature importances (e.g. permutation importance), largest on top.

    Parameters
    ----------
    importance : Series
        Importance per feature (index: feature name).
    error : Series, optional
        Standard deviations, drawn as error bars.
    n_top : int, optional, default 15
        Show the ``n_top`` largest.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
    """
    if not isinstance(importance, pd.Series) or len(importance) == 0:
        raise DataValidationError("importance must be a non-empty Series indexed by feature.")
    imp = importance.sort_values(ascending=False, kind="stable")
    if n_top is not None:
        imp = imp.head(int(to_number(n_top, "n_top", low=1, integer=True, example="15")))
    imp = imp.iloc[::-1]
    ax = get_ax(ax, figsize=(8, 1.0 + 0.35 * len(imp)))
    y = np.arange(len(imp))
    xerr = None if error is None else error.reindex(imp.index).to_numpy()
    ax.barh(y, imp.to_numpy(), **{"xerr": xerr, "color": PALETTE[0], "ecolor": "grey", "capsize": 2, **kwargs})
    ax.set_yticks(y, [str(i) for i in imp.index])
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    ax.set_title(title or "Feature importance")
    return ax


def _plain(text: str) -> str:
    """``text`` with "$" escaped, so two dollar amounts are not read as mathtext."""
    return text.replace("$", r"\$")


def _legend_below(ax: Axes) -> None:
    """Legend under the axes, where it cannot hide a curve."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1, fontsize=9)

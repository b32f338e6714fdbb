"""Charts of association rules and of buying by hour.

``plot_x(data, *, ..., ax=None, title=None, **kwargs) -> Axes``; ``kwargs`` go to the
main drawing call named in each docstring.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.plotting import PALETTE, SEQUENTIAL_CMAP, get_ax, percent_formatter, text_colour_on

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_basket_by_hour", "plot_rule_stability", "plot_rules", "plot_timing_segments"]


def _label(text: str, width: int) -> str:
    """Item text that fits a tick label: wrapped on two lines at most, then cut with "…"."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=width, placeholder="…")]
    return "\n".join(lines)


def _compact(items: tuple[str, ...] | list[str]) -> str:
    """Several items sharing leading words written once: "HERB MARKER: BASIL + MINT"."""
    items = [str(i) for i in items]
    words = [i.split() for i in items]
    common = 0
    if len(items) > 1:
        while all(len(w) > common + 1 for w in words) and len({tuple(w[: common + 1]) for w in words}) == 1:
            common += 1
    if not common:
        return " + ".join(items)
    return " ".join(words[0][:common]) + ": " + " + ".join(" ".join(w[common:]) for w in words)


def plot_rules(
    rules: pd.DataFrame,
    *,
    n_top: int = 15,
    label_width: int = 36,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """The top rules as a matrix: antecedents down, consequents across, coloured by lift.

    Each filled cell is one rule A ⇒ C; its text is the lift and the confidence
    ("11.2× · 90%"). Rules are the first ``n_top`` of ``rules`` (as :func:`mine_rules`
    sorts them: highest lift first).

    Parameters
    ----------
    rules : DataFrame
        From :func:`crmlib.basket.mine_rules`.
    n_top : int, default 15
        How many rules to draw.
    label_width : int, default 36
        Characters per line of an antecedent label (wrapped on two lines, then cut; twice
        as wide when cutting would make two labels the same). Items sharing leading
        words are written once ("HERB MARKER: BASIL + MINT").
    ax : Axes, optional
    title : str, optional
        Default "Top N rules by lift".
    **kwargs
        Passed to ``ax.imshow`` (e.g. ``cmap``).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from crmlib.basket import basket_matrix, mine_rules
    >>> m = basket_matrix([["beer", "diapers"], ["beer", "diapers", "chips"], ["beer"], ["milk"]])
    >>> ax = plot_rules(mine_rules(m, min_support=0.25, min_confidence=0.5))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['beer', 'chips', 'diapers']
    """
    check_frame(rules, ("antecedent", "consequent", "lift", "confidence"), func="plot_rules",
                what="rule table", suggestion="pass the table returned by crmlib.basket.mine_rules.")
    n_top = int(to_number(n_top, "n_top", low=1, integer=True))
    label_width = int(to_number(label_width, "label_width", low=8, integer=True))
    top = rules.head(n_top).copy()
    if "antecedent_items" in top:
        # long product names sharing words ("HERB MARKER BASIL + HERB MARKER MINT") written once
        top["antecedent"] = top["antecedent_items"].map(_compact)
    ants = list(dict.fromkeys(top["antecedent"]))
    cons = sorted(dict.fromkeys(top["consequent"]))
    lift = np.full((len(ants), len(cons)), np.nan)
    conf = np.full_like(lift, np.nan)
    for a, c, li, co in zip(top["antecedent"], top["consequent"], top["lift"], top["confidence"], strict=True):
        lift[ants.index(a), cons.index(c)] = li
        conf[ants.index(a), cons.index(c)] = co
    ax = get_ax(ax, figsize=(11, 6.2))
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap(kwargs.pop("cmap", SEQUENTIAL_CMAP)).with_extremes(bad="white")
    finite = lift[np.isfinite(lift)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (1.0, 2.0)
    hi = hi if hi > lo else lo + 1.0
    img = ax.imshow(np.ma.masked_invalid(lift), cmap=cmap, vmin=lo, vmax=hi, aspect="auto", **kwargs)
    for i in range(len(ants)):
        for j in range(len(cons)):
            if np.isfinite(lift[i, j]):
                ax.text(j, i, f"{lift[i, j]:.1f}× · {conf[i, j]:.0%}", ha="center", va="center",
                        fontsize=8, color=text_colour_on(img.to_rgba(lift[i, j])))
    ax.set_xticks(range(len(cons)), [_label(c, max(12, label_width // 2)) for c in cons],
                  rotation=30 if len(cons) > 4 else 0, ha="right" if len(cons) > 4 else "center", fontsize=8)
    labels = [_label(a, label_width) for a in ants]
    if len(set(labels)) < len(labels):  # cut labels must not make two rules look the same
        labels = [_label(a, label_width * 2) for a in ants]
    ax.set_yticks(range(len(ants)), labels, fontsize=8)
    ax.set_xticks(np.arange(len(cons) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(ants) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="0.85", linewidth=0.6)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("…then also buys (consequent)")
    ax.set_ylabel("Basket holds (antecedent)")
    bar = ax.figure.colorbar(img, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label("lift (1 = no association)")
    ax.set_title(title if title is not None else f"Top {len(top)} rules by lift (cell: lift · confidence)")
    return ax


def plot_basket_by_hour(
    by_hour: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Share of orders by hour (bars) and items per order (line, right axis).

    Parameters
    ----------
    by_hour : DataFrame
        From :func:`crmlib.basket.basket_by_hour`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
        The bar axes (the line is on its twin).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> by_hour = pd.DataFrame({"share_of_orders": [0.4, 0.6], "lines_per_order": [3.0, 5.0]},
    ...                        index=pd.Index([9, 12], name="hour"))
    >>> len(plot_basket_by_hour(by_hour).patches)
    2
    """
    check_frame(by_hour, ("share_of_orders", "lines_per_order"), func="plot_basket_by_hour",
                what="hourly table", suggestion="pass crmlib.basket.basket_by_hour(log).")
    if not pd.api.types.is_integer_dtype(by_hour.index):
        raise DataValidationError(
            "plot_basket_by_hour: the table must be indexed by hour (0-23).",
            suggestion="pass crmlib.basket.basket_by_hour(log) unchanged.",
        )
    ax = get_ax(ax, figsize=(11, 6.2))
    hours = by_hour.index.to_numpy()
    ax.bar(hours, by_hour["share_of_orders"], color=kwargs.pop("color", PALETTE[0]), label="share of orders", **kwargs)
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("hour of the day (order time)")
    ax.set_ylabel("share of orders")
    ax.set_xticks(hours, [f"{h:02d}" for h in hours])
    twin = ax.twinx()
    twin.plot(hours, by_hour["lines_per_order"], color=PALETTE[1], marker="o", label="items per order")
    twin.set_ylabel("items per order (mean)")
    twin.set_ylim(0, float(by_hour["lines_per_order"].max()) * 1.15)
    twin.grid(False)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", frameon=False)
    ax.set_title(title if title is not None else "When orders arrive, and how big they are")
    return ax


def plot_rule_stability(
    checked: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Each rule's confidence where it was found (x) against the later window (y).

    Points on the diagonal kept their confidence; points below it lost some. Rules whose
    later lift is not above 1 (``holds`` False) are drawn as crosses.

    Parameters
    ----------
    checked : DataFrame
        From :func:`crmlib.basket.rule_stability`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.scatter`` (both groups).

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> checked = pd.DataFrame({"confidence": [0.9, 0.6], "later_confidence": [0.8, 0.2],
    ...                         "holds": [True, False]})
    >>> len(plot_rule_stability(checked).collections)
    2
    """
    check_frame(checked, ("confidence", "later_confidence", "holds"), func="plot_rule_stability",
                what="checked rule table", suggestion="pass crmlib.basket.rule_stability(...)'s result.")
    ax = get_ax(ax, figsize=(11, 6.2))
    holds = checked["holds"].astype(bool)
    later = checked["later_confidence"].fillna(0.0)
    ax.scatter(checked.loc[holds, "confidence"], later[holds], s=kwargs.pop("s", 22), alpha=0.7,
               color=PALETTE[0], label=f"holds later (lift > 1): {int(holds.sum()):,}", **kwargs)
    ax.scatter(checked.loc[~holds, "confidence"], later[~holds], marker="x", s=30, alpha=0.9,
               color=PALETTE[1], label=f"does not hold: {int((~holds).sum()):,}", **kwargs)
    ax.plot([0, 1], [0, 1], color="0.5", linewidth=1, linestyle="--", label="same confidence later")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("confidence where the rule was found")
    ax.set_ylabel("confidence in the later window")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(title if title is not None else "Do the rules hold in later orders?")
    return ax


def plot_timing_segments(
    segments: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Share of customers in each timing segment (horizontal bars, largest first).

    Parameters
    ----------
    segments : DataFrame
        From :func:`crmlib.basket.timing_segments`.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> seg = pd.DataFrame({"segment": ["morning"] * 3 + ["evening"] * 2 + ["too few orders"]})
    >>> [t.get_text() for t in plot_timing_segments(seg).get_yticklabels()]
    ['too few orders', 'evening', 'morning']
    """
    check_frame(segments, ("segment",), func="plot_timing_segments", what="segment table",
                suggestion="pass crmlib.basket.timing_segments(log).")
    share = segments["segment"].value_counts(normalize=True).sort_values()
    ax = get_ax(ax, figsize=(11, 6.2))
    bars = ax.barh(range(len(share)), share.to_numpy(), color=kwargs.pop("color", PALETTE[0]), **kwargs)
    ax.set_yticks(range(len(share)), share.index.tolist())
    for bar, value in zip(bars, share.to_numpy(), strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0%}", va="center", fontsize=9)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.set_xlim(0, float(share.max()) * 1.15)
    ax.set_xlabel("share of customers")
    ax.set_title(title if title is not None else "Customers by when they buy")
    return ax

"""Charts of CLV models and their validation. Each has the form
``plot_x(result, *, ..., ax=None, title=None, **kwargs) -> Axes``, uses only ``ax.``
methods and never shows. Money axes use :func:`crmlib.plotting.money_formatter`
(``currency`` labels money: "GBP", "$"; None = plain numbers), share axes
:func:`crmlib.plotting.percent_formatter`; "top share" is
:func:`crmlib.segment.concentration`'s.

* :func:`plot_period_transactions`: customers by number of repeat purchases, actual vs model;
* :func:`plot_calibration_vs_holdout`: mean holdout purchases by calibration frequency;
* :func:`plot_cumulative_transactions`, :func:`plot_incremental_transactions`: tracking
  the cohort week by week, calibration end marked;
* :func:`plot_frequency_recency_matrix`, :func:`plot_p_alive_matrix`: heatmaps;
* :func:`plot_p_alive_history`: one customer's P(alive) over time;
* :func:`plot_clv_distribution`, :func:`plot_value_concentration`: how value is spread;
* :func:`plot_retention`: an sBG retention curve, actual vs fitted and projected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlib.plotting import (
    PALETTE,
    SEQUENTIAL_CMAP,
    format_money,
    format_percent,
    get_ax,
    money_formatter,
    percent_formatter,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_calibration_vs_holdout",
    "plot_clv_distribution",
    "plot_cumulative_transactions",
    "plot_frequency_recency_matrix",
    "plot_incremental_transactions",
    "plot_p_alive_history",
    "plot_p_alive_matrix",
    "plot_period_transactions",
    "plot_retention",
    "plot_value_concentration",
    "top_share",
]

_UNIT_NAMES = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}


def _unit(model) -> str:
    u = getattr(model, "time_unit_", None) or getattr(model, "time_unit", None)
    if u is None:
        return "periods"
    return _UNIT_NAMES.get(str(u).upper(), f"units of {u} days")


def _model_name(model) -> str:
    return {
        "BetaGeo": "BG/NBD",
        "ModifiedBetaGeo": "MBG/NBD",
        "ParetoNBD": "Pareto/NBD",
        "BetaGeoBetaBinom": "BG/BB",
        "ShiftedBetaGeometric": "sBG",
    }.get(type(model).__name__, type(model).__name__)


def _expected_period_counts(model, summary: pd.DataFrame, max_frequency: int) -> np.ndarray:
    """Expected customers with 0..max_frequency-1 repeat purchases, and the rest pooled."""
    if "n_periods" in summary.columns:  # BG/BB
        groups = (
            summary.groupby("n_periods").size()
            if "weights" not in summary
            else summary.groupby("n_periods")["weights"].sum()
        )
    else:
        groups = summary.groupby("T").size()
        if len(groups) > 300:  # many distinct ages: 300 quantile bins, each at its mean age
            bins = pd.qcut(summary["T"], 300, duplicates="drop")
            grouped = summary["T"].groupby(bins, observed=True)
            groups = pd.Series(grouped.size().to_numpy(), index=grouped.mean().to_numpy())
    out = np.zeros(max_frequency + 1)
    for t, count in groups.items():
        if "n_periods" in summary.columns:
            p = (
                model.probability_of_purchases(int(t))
                .reindex(range(max_frequency), fill_value=0.0)
                .to_numpy()
            )
        else:
            p = model.probability_of_purchases(float(t), max_frequency)
        out[:max_frequency] += count * p
        out[max_frequency] += count * max(0.0, 1.0 - p.sum())
    return out


def plot_period_transactions(
    model,
    summary: pd.DataFrame,
    *,
    max_frequency: int = 7,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Customers by number of repeat purchases in the calibration period: actual vs model.

    The model's bars are expected counts, ``sum_i P(X(T_i) = n)``, from its closed form (no
    simulation), so the chart is the same on every run.

    Parameters
    ----------
    model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
    summary : DataFrame
        The summary the model was fitted on.
    max_frequency : int, default 7
        Frequencies from this value up are pooled into one bar ("7+").
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    model._check_fitted()
    f = summary["frequency"].to_numpy(dtype=int)
    w = (
        summary["weights"].to_numpy(dtype=float)
        if "weights" in summary.columns
        else np.ones(len(f))
    )
    actual = np.bincount(np.minimum(f, max_frequency), weights=w, minlength=max_frequency + 1)
    expected = _expected_period_counts(model, summary, max_frequency)
    x = np.arange(max_frequency + 1)
    width = 0.4
    ax.bar(x - width / 2, actual, width, color=PALETTE[0], label="Actual")
    ax.bar(x + width / 2, expected, width, color=PALETTE[1], label=f"{_model_name(model)} expected")
    ax.set_xticks(x, [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"])
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel("Customers")
    ax.set_title(title or "Repeat purchases per customer: actual vs model")
    ax.yaxis.set_major_formatter(money_formatter())
    ax.legend()
    return ax


def plot_calibration_vs_holdout(
    evaluation, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Mean holdout purchases by calibration frequency: actual, model and baseline.

    Parameters
    ----------
    evaluation : HoldoutEvaluation
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    bf = evaluation.by_frequency
    x = np.arange(len(bf))
    ax.plot(x, bf["actual"], marker="o", color=PALETTE[0], label="Actual")
    ax.plot(
        x,
        bf["predicted"],
        marker="s",
        color=PALETTE[1],
        label=f"{_model_name_str(evaluation)} predicted",
    )
    ax.plot(
        x,
        bf["baseline"],
        ls="--",
        color=PALETTE[7],
        alpha=0.6,
        label="Baseline: past rate carried forward",
    )
    ax.set_xticks(x, list(bf.index.astype(str)))
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel(
        f"Mean purchases in the holdout ({evaluation.horizon:g} {_UNIT_NAMES.get(str(evaluation.time_unit), '')})"
    )
    ax.set_title(title or "Calibration vs holdout: conditional expectations")
    ax.legend()
    return ax


def _model_name_str(evaluation) -> str:
    return {"BetaGeo": "BG/NBD", "ModifiedBetaGeo": "MBG/NBD", "ParetoNBD": "Pareto/NBD"}.get(
        evaluation.model_name, evaluation.model_name
    )


def _mark_calibration(ax: Axes, evaluation) -> None:
    ax.axvline(evaluation.calibration_weeks + 0.5, color=PALETTE[7], ls=":", lw=1.2)
    ax.text(
        evaluation.calibration_weeks + 0.5,
        0.97,
        " end of calibration",
        transform=ax.get_xaxis_transform(),
        va="top",
        ha="left",
        fontsize=9,
        color=PALETTE[7],
    )


def _tracking(
    ax: Axes | None, evaluation, actual: str, expected: str, ylabel: str, title: str, legend: str
) -> Axes:
    ax = get_ax(ax)
    tr = evaluation.tracking
    ax.plot(tr.index, tr[actual], color=PALETTE[0], label="Actual")
    ax.plot(
        tr.index,
        tr[expected],
        color=PALETTE[1],
        ls="--",
        label=f"{_model_name_str(evaluation)} expected",
    )
    _mark_calibration(ax, evaluation)
    ax.set_xlabel(f"Week since {evaluation.cohort_start:%Y-%m-%d}")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.legend(loc=legend)
    return ax


def plot_cumulative_transactions(
    evaluation, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Cumulative repeat transactions of the cohort by week: actual vs model.

    Customer ages at the end of week j are ``7j - 1 - (first purchase day)`` days,
    consistent with crmlib's ``T``; BTYD and lifetimes count one day more, so their
    published tracking curves sit slightly (0.1-2%) above crmlib's (see
    :class:`crmlib.clv.HoldoutEvaluation`, ``tracking``).

    Parameters
    ----------
    evaluation : HoldoutEvaluation
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    return _tracking(
        ax,
        evaluation,
        "cumulative_actual",
        "cumulative_expected",
        "Cumulative repeat transactions",
        title or "Tracking cumulative repeat transactions",
        "lower right",
    )


def plot_incremental_transactions(
    evaluation, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Weekly repeat transactions of the cohort: actual vs model.

    Ages as in :func:`plot_cumulative_transactions`: ``7j - 1 - (first purchase day)``
    days at the end of week j, one day less than BTYD and lifetimes use.

    Parameters
    ----------
    evaluation : HoldoutEvaluation
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    return _tracking(
        ax,
        evaluation,
        "actual",
        "expected",
        "Repeat transactions per week",
        title or "Tracking weekly repeat transactions",
        "upper right",
    )


def _heatmap(ax: Axes, matrix: pd.DataFrame, label: str, vmin=None, vmax=None) -> None:
    im = ax.imshow(
        matrix.to_numpy(),
        origin="lower",
        aspect="auto",
        cmap=SEQUENTIAL_CMAP,
        vmin=vmin,
        vmax=vmax,
        extent=(-0.5, matrix.shape[1] - 0.5, matrix.index[0] - 0.5, matrix.index[-1] + 0.5),
    )
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label(label)
    ax.grid(False)


def plot_frequency_recency_matrix(
    model,
    *,
    horizon=None,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Expected purchases in the next ``horizon`` for every (frequency, recency).

    Customers are taken to be as old as the largest recency (``max_recency``). The best
    customers sit top right (frequent and recent); frequent buyers who have not bought
    for a long time (bottom right) are probably gone.

    Parameters
    ----------
    model : fitted continuous-time model
    horizon : str or Timedelta, optional
        Forecast window with its unit ("4W"); default one model time unit.
    max_frequency, max_recency : optional
        Grid size; default the largest values in the fitted data.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    m = model.expected_purchases_matrix(horizon, max_frequency, max_recency)
    unit = _unit(model)
    span = (
        f"{model._duration(horizon, 'horizon'):g} {unit}"
        if horizon is not None
        else unit.removesuffix("s")
    )
    _heatmap(ax, m, f"Expected purchases in the next {span}")
    ax.set_xlabel("Frequency (repeat purchases)")
    ax.set_ylabel(f"Recency ({unit} from first to last purchase)")
    ax.set_title(title or f"{_model_name(model)}: expected purchases by frequency and recency")
    return ax


def plot_p_alive_matrix(
    model,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """P(alive) for every (frequency, recency), for customers as old as ``max_recency``.

    Parameters
    ----------
    model : fitted continuous-time model
    max_frequency, max_recency : optional
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    m = model.p_alive_matrix(max_frequency, max_recency)
    unit = _unit(model)
    _heatmap(ax, m, "Probability still active", vmin=0.0, vmax=1.0)
    ax.set_xlabel("Frequency (repeat purchases)")
    ax.set_ylabel(f"Recency ({unit} from first to last purchase)")
    ax.set_title(title or f"{_model_name(model)}: probability a customer is still active")
    return ax


def plot_p_alive_history(
    history: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One customer's P(alive) over time, purchases marked.

    Parameters
    ----------
    history : DataFrame
        From a model's ``p_alive_history(...)``.
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    import matplotlib.dates as mdates

    ax = get_ax(ax)
    ax.plot(history.index, history["p_alive"], color=PALETTE[0], label="P(alive)")
    buys = history.index[history["purchase"].to_numpy()]
    for i, d in enumerate(buys):
        ax.axvline(
            d, color=PALETTE[3], ls="--", lw=1, alpha=0.7, label="Purchase" if i == 0 else None
        )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("Probability still active")
    ax.set_xlabel("Date")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_title(title or "P(alive) history of one customer")
    ax.legend(loc="lower left")
    return ax


def _clv_values(clv) -> np.ndarray:
    values = clv["clv"] if isinstance(clv, pd.DataFrame) else clv
    return np.asarray(values, dtype=float)


def top_share(clv, top: float = 0.2) -> float:
    """Share of total value held by the top ``top`` share of customers (e.g. 0.2 -> 20%).

    The one definition of crmlib: :func:`crmlib.segment.concentration` (interpolated along
    the Lorenz curve), so every "top 20% share" in crmlib is the same number.

    Parameters
    ----------
    clv : Series, array or DataFrame with column ``clv``
    top : float in (0, 1), default 0.2

    Returns
    -------
    float

    Examples
    --------
    >>> round(top_share(np.array([1, 1, 1, 7.0]), 0.25), 2)
    0.7
    """
    from crmlib.segment import concentration

    return concentration(pd.Series(_clv_values(clv)), top=top).value_share_of_top


def plot_clv_distribution(
    clv,
    *,
    tops=(0.01, 0.1, 0.2),
    bins: int = 50,
    currency: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    **kwargs,
) -> Axes:
    """Histogram of customer lifetime values, with the share of value the top customers hold.

    The value axis is logarithmic (values span orders of magnitude); customers with
    zero value are counted in the note.

    Parameters
    ----------
    clv : Series, array or DataFrame with column ``clv``
    tops : sequence of float, default (0.01, 0.1, 0.2)
        Top shares of customers to report.
    bins : int, default 50
    currency : str, optional
        ISO code or symbol labelling money ("GBP", "$"); None: plain numbers.
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.hist``.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    v = _clv_values(clv)
    pos = v[v > 0]
    # the lowest 0.5% are pooled into the first bin so a few near-zero values do not
    # stretch the log axis over empty decades
    lo = float(np.quantile(pos, 0.005)) if len(pos) else 1e-2
    hi = float(pos.max()) if len(pos) else 1.0
    edges = np.geomspace(lo, max(hi, lo * 10), bins + 1)
    ax.hist(np.clip(pos, lo, None), bins=edges, **{"color": PALETTE[0], "alpha": 0.85, **kwargs})
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(money_formatter(currency))
    ax.set_xlabel("Customer lifetime value (log scale)")
    ax.set_ylabel("Customers")
    ax.set_title(title or "Distribution of customer lifetime value")
    lines = [
        f"Top {format_percent(s)} of customers hold {format_percent(top_share(v, s))} of value"
        for s in tops
    ]
    lines.append(f"{len(v):,} customers, total {format_money(v.sum(), currency)}")
    if (v <= 0).any():
        lines.append(f"{int((v <= 0).sum()):,} customers with zero value not shown")
    ax.text(
        0.98,
        0.97,
        "\n".join(lines),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
    )
    ax.yaxis.set_major_formatter(money_formatter())
    return ax


def plot_value_concentration(
    clv, *, marks=(0.1, 0.2), ax: Axes | None = None, title: str | None = None, **kwargs
) -> Axes:
    """Cumulative share of value against share of customers, ranked by value (二八定理).

    Parameters
    ----------
    clv : Series, array or DataFrame with column ``clv``
    marks : sequence of float, default (0.1, 0.2)
        Customer shares to annotate (their value share from :func:`top_share`).
    ax : Axes, optional
    title : str, optional
    **kwargs
        Passed to ``ax.plot`` for the curve.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    from crmlib.segment import lorenz_curve

    v = _clv_values(clv)
    lor = lorenz_curve(pd.Series(v))
    # customers ranked most valuable first: the Lorenz curve read from its top end
    x = 1.0 - lor["customer_share"].to_numpy()[::-1]
    cum = 1.0 - lor["value_share"].to_numpy()[::-1]
    cum[0] = 0.0  # exactly: no customers, no value (1 - 1 may round to 1e-16)
    ax.plot(x, cum, **{"color": PALETTE[0], "label": "Customers ranked by value", **kwargs})
    ax.plot([0, 1], [0, 1], color=PALETTE[7], ls=":", lw=1, label="Equal value")
    for s in marks:
        y = top_share(v, s)
        ax.plot([s], [y], "o", color=PALETTE[3])
        ax.annotate(
            f"top {format_percent(s)} → {format_percent(y)} of value",
            (s, y),
            textcoords="offset points",
            xytext=(10, -14),
            fontsize=9,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("Share of customers, most valuable first")
    ax.set_ylabel("Share of total lifetime value")
    ax.set_title(title or "Value concentration")
    ax.legend(loc="lower right")
    return ax


def plot_retention(
    model,
    *,
    active=None,
    n_periods: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """sBG: share of a cohort still active by period, observed and fitted, with projection.

    Parameters
    ----------
    model : fitted ShiftedBetaGeometric
    active : array-like, optional
        Observed counts to overlay; default the fitted curve's data.
    n_periods : int, optional
        Periods to project; default twice the fitted length.
    ax : Axes, optional
    title : str, optional
        Replaces the default title.

    Returns
    -------
    Axes
    """
    ax = get_ax(ax)
    model._check_fitted()
    obs = np.asarray(model.active_ if active is None else active, dtype=float)
    n = int(n_periods or 2 * (len(obs) - 1))
    t = np.arange(n + 1)
    ax.plot(t, model.survival(t), color=PALETTE[1], ls="--", label="sBG fitted and projected")
    ax.plot(np.arange(len(obs)), obs / obs[0], "o", color=PALETTE[0], label="Observed")
    ax.axvline(len(obs) - 1, color=PALETTE[7], ls=":", lw=1)
    unit = _unit(model)
    ax.set_xlabel(f"Period ({unit}) since acquisition")
    ax.set_ylabel("Customers still active")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "Retention curve: observed vs sBG")
    ax.legend()
    return ax

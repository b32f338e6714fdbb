"""One customer's 360° view (客户360度视图): everything crmlib computes about one customer.

The Lenovo E-CRM case: before a salesperson calls an important customer, the system shows
their purchase history, standing, value, risk and the next best step. :func:`build_book`
computes each area's result once for every customer of a validated log (RFM segment,
value tier, lifecycle state, BG/NBD P(alive) and CLV, churn risk with its reasons, the
recommended action); :func:`customer_profile` reads one customer's row from each, so every
figure on a profile is the value that area's own function returns for that customer.
:func:`plot_customer_profile` draws the profile on one page.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_log
from crmlib.conventions import end_bound, to_date, to_duration, to_number
from crmlib.exceptions import DataValidationError

__all__ = ["CustomerBook", "CustomerProfile", "build_book", "customer_profile", "plot_customer_profile"]


@dataclass
class CustomerBook:
    """Every area's per-customer result for one log at one observation end.

    Built by :func:`build_book`; each table is indexed by ``customer_id`` and is exactly
    what the area's own public function returned.
    """

    transactions: pd.DataFrame
    observation_end: pd.Timestamp
    currency: str | None
    summary: pd.DataFrame  # crmlib.features.rfm_summary, weeks
    segments: pd.DataFrame  # crmlib.segment.assign_segments(rfm_scores(...))
    tiers: pd.DataFrame  # crmlib.segment.value_tiers on total spend
    lifecycle: pd.DataFrame  # crmlib.identify.lifecycle_states
    clv: pd.DataFrame  # BetaGeo.clv with a GammaGamma spend model
    churn: pd.DataFrame  # churn risk and the features behind it
    reasons: pd.DataFrame  # per-customer contribution of each feature to the churn score
    actions: pd.DataFrame  # recommended action, its source and, for lapsing customers, win-back terms
    model: Any = field(repr=False, default=None)  # the fitted BetaGeo
    spend_model: Any = field(repr=False, default=None)
    churn_model: Any = field(repr=False, default=None)
    next_products: pd.DataFrame | None = None  # optional: customer_id, rank, item, ... from basket rules
    settings: dict = field(default_factory=dict)

    @property
    def customers(self) -> pd.Index:
        return self.summary.index


@dataclass
class CustomerProfile:
    """One customer's full picture, each part with its definition.

    ``history`` holds the customer's purchase lines; ``p_alive_history`` the BG/NBD
    P(alive) after each day; ``figures`` the headline numbers (see
    :func:`customer_profile`); ``definitions`` says what each label means.
    """

    customer_id: str
    observation_end: pd.Timestamp
    currency: str | None
    history: pd.DataFrame
    figures: dict[str, Any]
    definitions: dict[str, str]
    p_alive_history: pd.DataFrame
    churn_reasons: pd.DataFrame
    next_products: list[str]
    action: str
    action_source: str

    def to_frame(self) -> pd.DataFrame:
        """The headline figures as a two-column table (figure, value), for a report or CRM export."""
        return pd.DataFrame({"value": pd.Series(self.figures, dtype=object)}).rename_axis("figure")


# --------------------------------------------------------------------------- building


def _reasons(X_train: pd.DataFrame, y_train: pd.Series, X_now: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
    """How much higher than the base rate churn was among past customers like this one, per feature.

    Each feature is cut into (up to) ``n_bins`` quantile bins on the training customers;
    a customer's entry is the churn rate of the bin their current value falls in, minus
    the overall churn rate. Positive values mark the features on which the customer looks
    like past churners. This is a per-feature association, not a decomposition of the
    model's score: correlated features (recency and spend in the last window, say) each
    show it, which is why they are listed side by side rather than summed.
    """
    base = float(y_train.mean())
    out = {}
    for col in X_train.columns:
        x = X_train[col]
        edges = np.unique(np.nanquantile(x.dropna(), np.linspace(0, 1, n_bins + 1))) if x.notna().any() else []
        if len(edges) < 2:
            out[col] = pd.Series(0.0, index=X_now.index)
            continue
        inner = edges[1:-1]
        bins_train = np.searchsorted(inner, x.to_numpy(), side="right")
        rates = pd.Series(y_train.to_numpy()).groupby(np.where(x.isna(), -1, bins_train)).mean()
        now = X_now[col]
        bins_now = np.where(now.isna(), -1, np.searchsorted(inner, now.to_numpy(), side="right"))
        out[col] = pd.Series(bins_now, index=X_now.index).map(rates).fillna(base) - base
    return pd.DataFrame(out)


def build_book(
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    horizon: str | pd.Timedelta = "52W",
    churn_horizon: str | pd.Timedelta = "90D",
    annual_discount_rate: float = 0.1,
    margin: float = 1.0,
    tier_cuts: Sequence[float] = (0.8, 0.95),
    currency: str | None = None,
    next_products: pd.DataFrame | None = None,
    random_state: int | None = 0,
) -> CustomerBook:
    """Compute every area's per-customer result once, for :func:`customer_profile`.

    Parameters
    ----------
    transactions : DataFrame
        A validated log (:func:`crmlib.read_transactions`): ``customer_id``, ``date``,
        ``amount`` (returns may be kept; they are not purchases).
    observation_end : date-like, optional
        Inclusive end of the history used; default the log's last day.
    horizon : str or Timedelta, default "52W"
        CLV horizon.
    churn_horizon : str or Timedelta, default "90D"
        Churned = no purchase within this window. The churn model is trained on the
        history up to ``observation_end - churn_horizon`` with labels from the window that
        follows, then scores every customer at ``observation_end``.
    annual_discount_rate, margin : float
        Passed to :meth:`crmlib.clv.BetaGeo.clv`.
    tier_cuts : sequence of float, default (0.8, 0.95)
        Value tiers on total spend (:func:`crmlib.segment.value_tiers`).
    currency : str, optional
        Label for money on the profile.
    next_products : DataFrame, optional
        Suggestions per customer (``customer_id`` and ``suggestion``, best first), as
        :func:`crmlib.basket.next_products` returns them.
    random_state : int, optional
        Kept for the churn model's reproducibility.

    Returns
    -------
    CustomerBook
    """
    from crmlib.churn import (
        DEFAULT_COST_BY_TIER,
        DEFAULT_P_WINBACK_BY_TIER,
        churn_features,
        churn_labels,
        make_churn_model,
        winback_actions,
    )
    from crmlib.clv import BetaGeo, GammaGamma
    from crmlib.features import rfm_summary
    from crmlib.identify import lifecycle_states
    from crmlib.segment import assign_segments, default_segment_actions, rfm_scores, value_tiers

    func = "build_book"
    tx = check_log(transactions, func=func)
    end = (tx["date"].max().normalize() if observation_end is None
           else to_date(observation_end, "observation_end"))
    ch = to_duration(churn_horizon, "churn_horizon")
    # the CLV settings are checked here, before any model is fitted
    to_duration(horizon, "horizon")
    to_number(margin, "margin", low=0.0, high=1.0)
    to_number(annual_discount_rate, "annual_discount_rate", low=0.0, high=1.0)
    tx = tx[tx["date"] < end_bound(end, "observation_end")]
    train_end = end - ch
    if train_end <= tx["date"].min():
        raise DataValidationError(
            f"{func}: the log ({tx['date'].min():%Y-%m-%d} to {end:%Y-%m-%d}) is shorter than churn_horizon "
            f"({churn_horizon!r}), so no churn model can be trained.",
            column="date",
            suggestion=f"{func}(..., churn_horizon='30D') or a longer log.",
        )

    summary = rfm_summary(tx, observation_end=end, time_unit="W")
    segments = assign_segments(rfm_scores(summary, observation_end=end))
    tiers = value_tiers(summary["total_spend"].clip(lower=0), cuts=tier_cuts)
    lifecycle = lifecycle_states(tx, end)

    model = BetaGeo().fit(summary)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    with warnings.catch_warnings():
        # the spend/frequency correlation warning is the CLV notebook's subject, not the profile's
        warnings.simplefilter("ignore", category=Warning)
        spend_model = GammaGamma().fit(repeat)
    clv = model.clv(summary, spend_model, horizon=horizon, annual_discount_rate=annual_discount_rate, margin=margin)

    X_train = churn_features(tx, train_end)
    y_train = churn_labels(tx, train_end, ch, log_end=end).reindex(X_train.index)
    churn_model = make_churn_model("logistic", random_state=random_state).fit(X_train, y_train)
    X_now = churn_features(tx, end).reindex(summary.index)
    risk = pd.Series(churn_model.predict_proba(X_now)[:, 1], index=X_now.index, name="churn_risk")
    churn = X_now.assign(churn_risk=risk)
    reasons = _reasons(X_train, y_train, X_now)

    seg_actions = default_segment_actions()
    segment = segments["segment"].astype(str)
    action = segment.map(seg_actions["action"]).fillna("").astype(str)
    source = "segment " + segment
    lapsing = lifecycle["state"].isin(["at_risk", "churned"]).reindex(summary.index, fill_value=False)
    wb_in = pd.DataFrame({"tier": tiers["tier"].astype(str), "value": clv["clv"].clip(lower=0)})
    wb = winback_actions(wb_in[lapsing], "tier", "value", DEFAULT_P_WINBACK_BY_TIER, DEFAULT_COST_BY_TIER)
    actions = pd.DataFrame({"action": action, "source": source}, index=summary.index)
    if len(wb):
        wb_action = (wb["action"].astype(str) + " (assumed P(win back) " + (100 * wb["p_winback"]).round(0).astype(int)
                     .astype(str) + "%, cost " + wb["cost"].round(2).astype(str) + "; expected value "
                     + wb["expected_value"].round(2).astype(str) + ")")
        actions.loc[wb.index, "action"] = "win-back: " + wb_action
        actions.loc[wb.index, "source"] = "win-back table, tier " + wb_in.loc[wb.index, "tier"]
        actions = actions.join(wb.add_prefix("winback_"), how="left")

    return CustomerBook(
        transactions=tx, observation_end=end, currency=currency, summary=summary, segments=segments,
        tiers=tiers, lifecycle=lifecycle, clv=clv, churn=churn, reasons=reasons, actions=actions,
        model=model, spend_model=spend_model, churn_model=churn_model, next_products=next_products,
        settings={"horizon": str(horizon), "churn_horizon": str(churn_horizon), "tier_cuts": tuple(tier_cuts),
                  "annual_discount_rate": annual_discount_rate, "margin": margin,
                  "base_churn_rate": float(y_train.mean())},
    )


# --------------------------------------------------------------------------- one customer


def _tier_definition(tier: str, cuts: Sequence[float]) -> str:
    lo, hi = cuts
    return {
        "key": f"key (关键客户): the top customers who together bring {lo:.0%} of spend",
        "normal": f"normal (普通客户): the next customers, up to {hi:.0%} of spend",
        "small": f"small (小客户): the customers who bring the last {1 - hi:.0%} of spend",
    }.get(tier, tier)


def _lifecycle_definition(row: pd.Series) -> str:
    state = row["state"]
    gap = row.get("typical_gap_days")
    at, churn = row.get("at_risk_after_days"), row.get("churn_after_days")
    rule = (f"at risk after {at:.0f} days without a purchase, churned after {churn:.0f}"
            if pd.notna(at) and pd.notna(churn) else "")
    typical = f"; typical gap {gap:.0f} days" if pd.notna(gap) else ""
    return f"{state} ({row['state_zh']}): {row['days_since_last']:.0f} days since the last purchase{typical}" + (
        f"; {rule}" if rule else "")


def customer_profile(
    customer_id: Any,
    data: CustomerBook | pd.DataFrame,
    *,
    n_reasons: int = 3,
    min_excess: float = 0.05,
    n_products: int = 3,
    **build: Any,
) -> CustomerProfile:
    """One customer's 360° view: history, segment, tier, lifecycle, P(alive), CLV, churn risk and its reasons, next products, action.

    Parameters
    ----------
    customer_id : str or number
        The customer (as in the log's ``customer_id``; numbers are compared as text).
    data : CustomerBook or DataFrame
        A book from :func:`build_book` (fast; use it for many profiles), or a validated
        log, from which a book is built with ``**build``.
    n_reasons : int, default 3
        How many churn reasons to list: the features on which past customers with a
        similar value churned most above the base rate (an association, see ``_reasons``).
    min_excess : float, default 0.05
        A feature is a reason only when that churn rate exceeds the base rate by at least
        this much (5 percentage points).
    n_products : int, default 3
        How many next-product suggestions to list.

    Returns
    -------
    CustomerProfile
        ``figures`` holds: ``segment``, ``value_tier``, ``lifecycle_state``, ``recency_days``,
        ``purchase_days``, ``total_spend``, ``p_alive``, ``expected_purchases``, ``clv``,
        ``churn_risk``, and the settings they were computed with.

    Raises
    ------
    DataValidationError
        When the customer is not in the log (the message lists close ids).
    """
    book = data if isinstance(data, CustomerBook) else build_book(data, **build)
    cid = str(customer_id)
    if cid not in book.summary.index:
        ids = book.summary.index.astype(str)
        close = [i for i in ids if cid in i or i in cid][:5] or list(ids[:5])
        raise DataValidationError(
            f"customer_profile: customer {customer_id!r} has no purchase up to {book.observation_end:%Y-%m-%d}.",
            column="customer_id",
            suggestion=f"pick a customer_id from the log, e.g. {close}.",
        )
    s, seg, tier = book.summary.loc[cid], book.segments.loc[cid], book.tiers.loc[cid]
    life, clv, ch = book.lifecycle.loc[cid], book.clv.loc[cid], book.churn.loc[cid]
    tx = book.transactions
    history = tx[tx["customer_id"] == cid].sort_values("date").reset_index(drop=True)
    purchase_dates = history.loc[history["amount"] > 0, "date"]
    alive = book.model.p_alive_history(purchase_dates, observation_end=book.observation_end, every="D")

    contrib = book.reasons.loc[cid].sort_values(ascending=False)
    top = contrib[contrib >= min_excess].head(n_reasons)
    from crmlib.churn import FEATURE_DESCRIPTIONS

    base = book.settings["base_churn_rate"]
    reasons = pd.DataFrame({
        "feature": top.index,
        "value": [book.churn.loc[cid].get(f, np.nan) for f in top.index],
        "churn_rate_like_this": base + top.to_numpy(),
        "base_churn_rate": base,
        "meaning": [FEATURE_DESCRIPTIONS.get(f, f) for f in top.index],
    })
    products: list[str] = []
    if book.next_products is not None and len(book.next_products):
        np_ = book.next_products
        col = "suggestion" if "suggestion" in np_.columns else "item"
        products = [str(x) for x in np_.loc[np_["customer_id"].astype(str) == cid, col].head(n_products)]
    act = book.actions.loc[cid]
    lower, upper = _clv_interval(book, cid)
    figures = {
        "segment": seg["segment"], "value_tier": str(tier["tier"]), "lifecycle_state": life["state"],
        "recency_days": int(seg["recency_days"]), "purchase_days": int(seg["purchases"]),
        "total_spend": float(s["total_spend"]), "p_alive": float(clv["p_alive"]),
        "expected_purchases": float(clv["expected_purchases"]), "clv": float(clv["clv"]),
        "clv_lower_95_param": lower, "clv_upper_95_param": upper,
        "churn_risk": float(ch["churn_risk"]),
        "clv_horizon": book.settings["horizon"], "churn_horizon": book.settings["churn_horizon"],
    }
    rules = _segment_descriptions()
    definitions = {
        "segment": f"{seg['segment']} ({seg['segment_zh']}): {rules.get(seg['segment'], '')} "
                   f"[R{seg['R']} F{seg['F']} M{seg['M']}]",
        "value_tier": _tier_definition(str(tier["tier"]), book.settings["tier_cuts"]),
        "lifecycle_state": _lifecycle_definition(life),
        "p_alive": "BG/NBD probability that the customer has not dropped out, given their purchase history"
                   + (" (with no repeat purchase yet, BG/NBD gives P(alive) = 1 by construction: it lets a "
                      "customer drop out only after a repeat purchase)" if s["frequency"] == 0 else ""),
        "clv": f"BG/NBD x Gamma-Gamma expected margin over {book.settings['horizon']}, discounted at "
               f"{book.settings['annual_discount_rate']:.0%} a year",
        "churn_risk": f"logistic churn model: probability of no purchase in the next {book.settings['churn_horizon']}",
    }
    return CustomerProfile(
        customer_id=cid, observation_end=book.observation_end, currency=book.currency, history=history,
        figures=figures, definitions=definitions, p_alive_history=alive, churn_reasons=reasons,
        next_products=products, action=str(act["action"]), action_source=str(act["source"]),
    )


def _clv_interval(book: CustomerBook, cid: str) -> tuple[float, float]:
    """The customer's 95% CLV interval from parameter uncertainty only (seeded bootstrap).

    NaN when the fits carry no usable covariance (e.g. a BG/NBD fit at the edge of its
    parameter space, whose standard errors are infinite).
    """
    from crmlib.clv import parameter_intervals
    from crmlib.exceptions import CrmlibWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CrmlibWarning)
            res = parameter_intervals(
                book.model, book.summary.loc[[cid]], book.spend_model, horizon=book.settings["horizon"],
                n_draws=_PROFILE_DRAWS, random_state=0, annual_discount_rate=book.settings["annual_discount_rate"],
                margin=book.settings["margin"],
            )
    except DataValidationError:
        return float("nan"), float("nan")
    row = res.customers.iloc[0]
    return float(row["clv_lower_95_param"]), float(row["clv_upper_95_param"])


#: parameter draws behind a profile's CLV interval (one customer: cheap)
_PROFILE_DRAWS = 200


def _segment_descriptions() -> dict[str, str]:
    from crmlib.segment import default_segment_rules

    rules = default_segment_rules()
    return dict(zip(rules["segment"], rules["description"], strict=True))


# --------------------------------------------------------------------------- the page


def plot_customer_profile(profile: CustomerProfile, *, fig=None, money: Callable[[float], str] | None = None):
    """Draw one customer's profile on one 16:9 page and return the Figure.

    Panels: the purchase history over time (with returns), P(alive) after each week, the
    churn reasons, and a card with the segment, tier, lifecycle state (each with its
    definition), CLV, churn risk, next products and the recommended action.
    """
    import matplotlib.pyplot as plt

    from crmlib.plotting import format_money

    fmt = money or (lambda v: format_money(v, profile.currency))
    if fig is None:
        # the card's text sits outside any data area: a layout engine would squeeze the panels
        fig = plt.figure(figsize=(11, 6.2), layout="none")
    grid = fig.add_gridspec(2, 2, width_ratios=[1.15, 1], hspace=0.45, wspace=0.22,
                            left=0.08, right=0.98, top=0.88, bottom=0.08)
    ax_hist, ax_alive = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    ax_card = fig.add_subplot(grid[:, 1])

    import matplotlib.dates as mdates

    h = profile.history
    day = h["date"].dt.normalize()
    bought = h[h["amount"] > 0].groupby(day)["amount"].sum()
    returned = h[h["amount"] < 0].groupby(day)["amount"].sum()
    start = min(day.min(), profile.observation_end) - pd.Timedelta(days=14)
    stop = profile.observation_end + pd.Timedelta(days=14)
    ax_hist.vlines(bought.index, 0, bought.to_numpy(), color="#0072B2", lw=2.5, label="purchases")
    if len(returned):
        ax_hist.vlines(returned.index, 0, returned.to_numpy(), color="#D55E00", lw=2.5, label="returns")
    ax_hist.axhline(0, color="#555", lw=0.8)
    ax_hist.set_xlim(start, stop)
    ax_hist.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: fmt(v)))
    ax_hist.set_title("Purchase history: value per day", fontsize=10, loc="left")
    ax_hist.legend(loc="upper left", fontsize=8, frameon=False)

    a = profile.p_alive_history
    ax_alive.plot(a.index, a["p_alive"], color="#009E73", drawstyle="steps-post")
    dots = a[a["purchase"]]
    ax_alive.plot(dots.index, dots["p_alive"], "o", color="#0072B2", ms=4, label="after a purchase")
    ax_alive.set_xlim(start, stop)
    ax_alive.set_ylim(0, 1.05)
    ax_alive.set_title("P(alive) after each day (BG/NBD)", fontsize=10, loc="left")
    ax_alive.legend(loc="best", fontsize=8, frameon=False)
    for ax in (ax_hist, ax_alive):
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.tick_params(axis="both", labelsize=8)

    f = profile.figures
    reasons = "; ".join(f"{r.feature} = {'n/a' if pd.isna(r.value) else f'{r.value:,.1f}'} (past churn {r.churn_rate_like_this:.0%} vs {r.base_churn_rate:.0%})"
                        for r in profile.churn_reasons.itertuples()) or "no feature where similar past customers churned clearly more"
    lines = [
        ("Segment", profile.definitions["segment"]),
        ("Value tier", profile.definitions["value_tier"]),
        ("Lifecycle", profile.definitions["lifecycle_state"]),
        ("Spend to date", f"{fmt(f['total_spend'])} over {f['purchase_days']} purchase days; last {f['recency_days']} days ago"),
        ("P(alive) today", f"{f['p_alive']:.2f}" + (" (no repeat purchase yet: 1 by construction in BG/NBD)"
                                                    if f["purchase_days"] <= 1 else "")),
        (f"CLV ({f['clv_horizon']})", f"{fmt(f['clv'])}"
         + (f" (95% interval from parameter uncertainty {fmt(f['clv_lower_95_param'])} to "
            f"{fmt(f['clv_upper_95_param'])})" if np.isfinite(f["clv_lower_95_param"]) else "")
         + f"; expected purchases {f['expected_purchases']:.2f}"),
        (f"Churn risk ({f['churn_horizon']})", f"{f['churn_risk']:.0%}; reasons: {reasons}"),
        ("Next products", ", ".join(profile.next_products) or "no rule applies (or no item data)"),
        ("Recommended action", f"{profile.action} [{profile.action_source}]"),
    ]
    import textwrap

    ax_card.axis("off")
    y = 1.02
    for label, text in lines:
        # a colour, not bold, marks the label: the CJK fallback font has no bold face
        ax_card.text(0, y, label, fontsize=9.5, color="#0072B2", va="top", transform=ax_card.transAxes)
        # "$" would start matplotlib's mathtext when two of them meet in one text
        wrapped = textwrap.fill(str(text), 58).replace("$", r"\$")
        ax_card.text(0, y - 0.035, wrapped, fontsize=8.5, va="top", transform=ax_card.transAxes)
        y -= 0.035 + 0.034 * (wrapped.count("\n") + 1) + 0.025
    fig.suptitle(f"Customer {profile.customer_id}: 360° view (客户360度视图) on {profile.observation_end:%Y-%m-%d}",
                 fontsize=12, x=0.02, ha="left")
    return fig

"""Win-back policy by customer tier (流失客户的挽回策略).

The course's rule: treat churn by grade. Fight to win back key customers (关键客户),
try for normal ones (普通客户), be opportunistic with small ones (小客户), and let go of
those not worth keeping. Here the rule gets numbers: for each tier, the expected value of
acting is ``p(win back) × value at stake − cost of the attempt``. A tier keeps its
course action while acting pays; otherwise the action is "let go".

The default win-back probabilities and costs are **assumptions for illustration**, not
estimates: replace them with the firm's own campaign results (a win-back test on a
random sample of lapsed customers gives both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError, missing_columns_error

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_COST_BY_TIER",
    "DEFAULT_P_WINBACK_BY_TIER",
    "TIER_LABELS",
    "spend_share_tiers",
    "winback_actions",
    "winback_policy",
]

#: Tier names, most valuable first (关键客户, 普通客户, 小客户).
TIER_LABELS: tuple[str, str, str] = ("key", "normal", "small")
#: ASSUMED chance that a win-back attempt brings a lapsed customer back, by tier: a
#: personal call with an offer for key customers, a targeted offer for normal ones, an
#: automated e-mail for small ones. Replace with measured rates.
DEFAULT_P_WINBACK_BY_TIER: dict[str, float] = {"key": 0.30, "normal": 0.15, "small": 0.05}
#: ASSUMED cost of one attempt per customer, in the currency of the value column
#: (staff time plus the offer's cost). Replace with the firm's own costs.
DEFAULT_COST_BY_TIER: dict[str, float] = {"key": 40.0, "normal": 8.0, "small": 0.5}
#: The course's action per tier when acting pays.
DEFAULT_ACTIONS: dict[str, str] = {"key": "fight", "normal": "try", "small": "opportunistic"}
LET_GO = "let go"


def spend_share_tiers(
    value: pd.Series,
    *,
    shares: Sequence[float] = (0.8, 0.95),
    labels: Sequence[str] = TIER_LABELS,
) -> pd.Series:
    """Tier customers by their cumulative share of total value (the pyramid of 客户分级).

    Customers are sorted by value, largest first. Those who together make up the first
    ``shares[0]`` of total value are the first tier ("key"), those up to ``shares[1]`` the
    second ("normal"), the rest the last ("small"). The customer who crosses a boundary
    belongs to the higher tier. A simple stand-in for
    :func:`crmlib.segment.value_tiers` (same default cuts and boundary rule).

    Parameters
    ----------
    value : Series
        Spend or CLV per customer (index: customer id). Values ≤ 0 go to the last tier.
    shares : sequence of float, default (0.8, 0.95)
        Increasing cumulative value shares in (0, 1) at which tiers end; one fewer than
        ``labels``.
    labels : sequence of str, default ("key", "normal", "small")

    Returns
    -------
    Series
        The tier label per customer, same index as ``value``, named ``tier``.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series({"a": 60.0, "b": 20.0, "c": 10.0, "d": 6.0, "e": 4.0})
    >>> spend_share_tiers(v).to_dict()
    {'a': 'key', 'b': 'key', 'c': 'normal', 'd': 'normal', 'e': 'small'}
    """
    if not isinstance(value, pd.Series):
        raise DataValidationError(
            f"value must be a pandas Series indexed by customer, got {type(value).__name__}.",
            suggestion="pass e.g. features['total_spend'].",
        )
    if not pd.api.types.is_numeric_dtype(value) or value.isna().any() or len(value) == 0:
        raise DataValidationError(
            "value must be a non-empty numeric Series without missing values.",
            column=str(value.name),
            rows=value[value.isna()].to_frame() if pd.api.types.is_numeric_dtype(value) else None,
            suggestion="fill or drop customers without a value first.",
        )
    cuts = np.asarray(shares, dtype="float64")
    if len(labels) != cuts.size + 1 or np.any(np.diff(cuts) <= 0) or np.any((cuts <= 0) | (cuts >= 1)):
        raise DataValidationError(
            f"shares={tuple(shares)} must be increasing values in (0, 1), one fewer than labels={tuple(labels)}.",
            suggestion="e.g. shares=(0.8, 0.95) with labels=('key', 'normal', 'small').",
        )
    positive = value.clip(lower=0.0)
    total = float(positive.sum())
    order = positive.sort_values(ascending=False, kind="stable")
    # share of value held by the customers ranked above each one
    before = (order.cumsum() - order) / total if total > 0 else order * 0.0 + 1.0
    tier_idx = np.searchsorted(cuts, before.to_numpy(), side="right")
    tier_idx[order.to_numpy() <= 0] = cuts.size
    out = pd.Series(np.asarray(labels, dtype=object)[tier_idx], index=order.index, name="tier")
    return out.reindex(value.index).astype("str")


def _per_tier(mapping: Mapping[str, float] | None, default: Mapping[str, float], tiers, what: str) -> dict:
    table = dict(default if mapping is None else mapping)
    missing = [t for t in tiers if t not in table]
    if missing:
        raise DataValidationError(
            f"No {what} given for tier(s) {missing}; given for {sorted(map(str, table))}.",
            suggestion=f"pass {what} for every tier, e.g. {{'key': ..., 'normal': ..., 'small': ...}}.",
        )
    return table


def winback_actions(
    customers: pd.DataFrame,
    tier_col: str = "tier",
    value_col: str = "value",
    p_winback_by_tier: Mapping[str, float] | None = None,
    cost_by_tier: Mapping[str, float] | None = None,
    *,
    actions_by_tier: Mapping[str, str] | None = None,
    min_expected_value: float = 0.0,
) -> pd.DataFrame:
    """Per-customer win-back decision: expected value of acting and the action.

    Parameters
    ----------
    customers : DataFrame
        One row per lapsed (or at-risk) customer with a tier and a value column.
    tier_col : str, default "tier"
        Tier of each customer (e.g. from :func:`spend_share_tiers` or ``crmlib.segment``).
    value_col : str, default "value"
        Value at stake if the customer comes back (CLV or expected margin), ≥ 0.
    p_winback_by_tier : mapping, optional
        Probability that an attempt wins the customer back, per tier. Default
        :data:`DEFAULT_P_WINBACK_BY_TIER` (an assumption to replace).
    cost_by_tier : mapping, optional
        Cost of one attempt, per tier, in the currency of ``value_col``. Default
        :data:`DEFAULT_COST_BY_TIER` (an assumption to replace).
    actions_by_tier : mapping, optional
        Action when acting pays, per tier. Default :data:`DEFAULT_ACTIONS`
        (fight / try / opportunistic); a tier not listed gets "act".
    min_expected_value : float, default 0.0
        Act only when the expected value exceeds this; otherwise "let go".

    Returns
    -------
    DataFrame
        ``customers`` with the added columns ``p_winback``, ``cost``,
        ``expected_value`` (= p_winback × value − cost) and ``action``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"tier": ["key", "small"], "value": [500.0, 5.0]})
    >>> winback_actions(c)[["expected_value", "action"]].to_numpy().tolist()
    [[110.0, 'fight'], [-0.25, 'let go']]
    """
    if not isinstance(customers, pd.DataFrame):
        raise DataValidationError(
            f"customers must be a DataFrame, got {type(customers).__name__}.",
            suggestion="pass one row per customer with a tier and a value column.",
        )
    missing = [c for c in (tier_col, value_col) if c not in customers.columns]
    if missing:
        raise missing_columns_error(missing, list(customers.columns), what="customers table")
    if len(customers) == 0:
        raise DataValidationError("The customers table is empty.", suggestion="check the filter that produced it.")
    value = customers[value_col]
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        raise DataValidationError(
            f"Column {value_col!r} must be numeric, got {value.dtype}.",
            column=value_col,
            rows=customers[[value_col]].head(),
            suggestion="pass CLV or spend as numbers.",
        )
    bad = value.isna() | (value < 0) | customers[tier_col].isna()
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum()):,} customers have a missing tier, or a missing or negative {value_col!r}.",
            column=value_col,
            rows=customers.loc[bad, [tier_col, value_col]],
            suggestion="give every customer a tier and a value >= 0.",
        )
    tiers = list(pd.unique(customers[tier_col]))
    p = _per_tier(p_winback_by_tier, DEFAULT_P_WINBACK_BY_TIER, tiers, "p_winback_by_tier")
    cost = _per_tier(cost_by_tier, DEFAULT_COST_BY_TIER, tiers, "cost_by_tier")
    for t in tiers:
        if not 0 <= float(p[t]) <= 1:
            raise DataValidationError(f"p_winback_by_tier[{t!r}] = {p[t]!r} must be in [0, 1].")
        if not float(cost[t]) >= 0:
            raise DataValidationError(f"cost_by_tier[{t!r}] = {cost[t]!r} must be >= 0.")
    actions = dict(DEFAULT_ACTIONS if actions_by_tier is None else actions_by_tier)
    out = customers.copy()
    out["p_winback"] = out[tier_col].map(lambda t: float(p[t])).astype("float64")
    out["cost"] = out[tier_col].map(lambda t: float(cost[t])).astype("float64")
    out["expected_value"] = out["p_winback"] * value.astype("float64") - out["cost"]
    course = out[tier_col].map(lambda t: actions.get(t, "act")).astype("str")
    out["action"] = course.where(out["expected_value"] > min_expected_value, LET_GO)
    return out


def winback_policy(
    customers: pd.DataFrame,
    tier_col: str = "tier",
    value_col: str = "value",
    p_winback_by_tier: Mapping[str, float] | None = None,
    cost_by_tier: Mapping[str, float] | None = None,
    *,
    actions_by_tier: Mapping[str, str] | None = None,
    min_expected_value: float = 0.0,
    tier_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Win-back policy table: one row per tier, with the expected value of acting.

    The tier's action is the course action (fight / try / opportunistic) when acting on
    its average customer pays (expected value per customer above ``min_expected_value``),
    and "let go" otherwise. Within a tier, customers still differ in value:
    ``customers_worth_acting`` counts those whose own expected value clears the bar
    (:func:`winback_actions` lists them).

    Default assumptions (replace them with your own; see :data:`DEFAULT_P_WINBACK_BY_TIER`,
    :data:`DEFAULT_COST_BY_TIER`): p(win back) key 0.30, normal 0.15, small 0.05; cost per
    attempt key 40, normal 8, small 0.5 (currency of ``value_col``).

    Parameters
    ----------
    customers, tier_col, value_col, p_winback_by_tier, cost_by_tier, actions_by_tier, min_expected_value
        As in :func:`winback_actions`.
    tier_order : sequence of str, optional
        Row order; default :data:`TIER_LABELS` first, then other tiers as they appear.

    Returns
    -------
    DataFrame
        Indexed by tier: ``customers``, ``value_at_stake`` (sum), ``mean_value``,
        ``p_winback``, ``cost_per_customer``, ``expected_value_per_customer``
        (p × mean value − cost), ``expected_value_total`` (acting on every customer of
        the tier), ``customers_worth_acting``, ``expected_value_if_selective`` (acting
        only on those) and ``action``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"tier": ["key", "normal", "small", "small"],
    ...                   "value": [1000.0, 100.0, 6.0, 10.0]})
    >>> policy = winback_policy(c)
    >>> policy["expected_value_per_customer"].round(2).to_dict()
    {'key': 260.0, 'normal': 7.0, 'small': -0.1}
    >>> policy["action"].to_dict()
    {'key': 'fight', 'normal': 'try', 'small': 'let go'}
    """
    acts = winback_actions(
        customers,
        tier_col,
        value_col,
        p_winback_by_tier,
        cost_by_tier,
        actions_by_tier=actions_by_tier,
        min_expected_value=min_expected_value,
    )
    actions = dict(DEFAULT_ACTIONS if actions_by_tier is None else actions_by_tier)
    worth = acts["expected_value"] > min_expected_value
    g = acts.assign(_worth=worth, _ev_worth=acts["expected_value"].where(worth, 0.0)).groupby(tier_col, sort=False)
    table = pd.DataFrame(
        {
            "customers": g.size(),
            "value_at_stake": g[value_col].sum().astype("float64"),
            "mean_value": g[value_col].mean().astype("float64"),
            "p_winback": g["p_winback"].first(),
            "cost_per_customer": g["cost"].first(),
            "expected_value_total": g["expected_value"].sum(),
            "customers_worth_acting": g["_worth"].sum().astype("int64"),
            "expected_value_if_selective": g["_ev_worth"].sum(),
        }
    )
    table["expected_value_per_customer"] = table["p_winback"] * table["mean_value"] - table["cost_per_customer"]
    tiers = list(table.index)
    table["action"] = [
        actions.get(t, "act") if ev > min_expected_value else LET_GO
        for t, ev in zip(tiers, table["expected_value_per_customer"], strict=True)
    ]
    order = [t for t in (TIER_LABELS if tier_order is None else tier_order) if t in tiers]
    order += [t for t in tiers if t not in order]
    table = table.loc[order]
    table.index.name = "tier"
    cols = [
        "customers",
        "value_at_stake",
        "mean_value",
        "p_winback",
        "cost_per_customer",
        "expected_value_per_customer",
        "expected_value_total",
        "customers_worth_acting",
        "expected_value_if_selective",
        "action",
    ]
    return table[cols]

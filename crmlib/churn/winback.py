"""Win-back policy by customer tier (流失客户的挽回策略).

The course's rule: treat churn by grade. Fight to win back key customers (关键客户),
try for normal ones (普通客户), be opportunistic with small ones (小客户), and let go of
those not worth keeping. Here the rule gets numbers: for each tier, the expected value of
acting is ``p(win back) × value at stake − cost of the attempt``. A tier keeps its
course action while acting pays; otherwise the action is "let go".

The default win-back probabilities and costs are **assumptions for illustration**, not
estimates: replace them with the firm's own campaign results (a win-back test on a
random sample of lapsed customers gives both).

Tiers come from :func:`crmlib.segment.value_tiers` (the one home for value tiers), e.g.
``value_tiers(spend)["tier"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError
from crmlib.segment.tiers import TIERS as _SEGMENT_TIERS

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_COST_BY_TIER",
    "DEFAULT_P_WINBACK_BY_TIER",
    "TIER_LABELS",
    "winback_actions",
    "winback_policy",
]

#: Tier names, most valuable first (关键客户, 普通客户, 小客户): those of
#: :func:`crmlib.segment.value_tiers`.
TIER_LABELS: tuple[str, ...] = tuple(name for name, _ in _SEGMENT_TIERS)
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


def _per_tier(
    mapping: Mapping[str, float] | None, default: Mapping[str, float], tiers, what: str, *, func: str,
    high: float | None = None,
) -> dict:
    """One finite number per tier, within [0, high]; inf and NaN are refused."""
    if mapping is not None and not isinstance(mapping, Mapping):
        raise DataValidationError(
            f"{func}: {what} must be a mapping of tier to number, got {type(mapping).__name__}.",
            suggestion=f"pass {what}={{'key': ..., 'normal': ..., 'small': ...}}.",
        )
    table = dict(default if mapping is None else mapping)
    missing = [t for t in tiers if t not in table]
    if missing:
        raise DataValidationError(
            f"{func}: no {what} given for tier(s) {missing}; given for {sorted(map(str, table))}.",
            suggestion=f"pass {what} for every tier, e.g. {{'key': ..., 'normal': ..., 'small': ...}}.",
        )
    return {t: to_number(table[t], f"{what}[{t!r}]", low=0, high=high) for t in tiers}


def _actions(customers, tier_col, value_col, p_winback_by_tier, cost_by_tier, actions_by_tier,
             min_expected_value, *, func: str) -> pd.DataFrame:
    hint = (
        f"{func} needs one row per customer with a tier column ({tier_col!r}, e.g. "
        f"crmlib.segment.value_tiers(spend)['tier']) and a value column ({value_col!r}: CLV or "
        "spend at stake, >= 0); name them with tier_col= and value_col=."
    )
    check_frame(customers, [tier_col, value_col], func=func, what="customers table", suggestion=hint)
    min_ev = to_number(min_expected_value, "min_expected_value", example="0.0")
    value = customers[value_col]
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        raise DataValidationError(
            f"{func}: column {value_col!r} must be numeric, got {value.dtype}.",
            column=value_col,
            rows=customers[[value_col]].head(),
            suggestion="pass CLV or spend as numbers.",
        )
    v = value.to_numpy(dtype="float64", na_value=float("nan"))
    bad = pd.isna(v) | (v < 0) | (v == float("inf")) | customers[tier_col].isna().to_numpy()
    if bad.any():
        raise DataValidationError(
            f"{func}: {int(bad.sum()):,} customers have a missing tier, or a missing, infinite or "
            f"negative {value_col!r}.",
            column=value_col,
            rows=customers.loc[bad, [tier_col, value_col]],
            suggestion="give every customer a tier and a finite value >= 0.",
        )
    tiers = list(pd.unique(customers[tier_col].astype("object")))
    p = _per_tier(p_winback_by_tier, DEFAULT_P_WINBACK_BY_TIER, tiers, "p_winback_by_tier", func=func, high=1)
    cost = _per_tier(cost_by_tier, DEFAULT_COST_BY_TIER, tiers, "cost_by_tier", func=func)
    actions = dict(DEFAULT_ACTIONS if actions_by_tier is None else actions_by_tier)
    out = customers.copy()
    tier = out[tier_col].astype("object")
    out["p_winback"] = tier.map(p).astype("float64")
    out["cost"] = tier.map(cost).astype("float64")
    out["expected_value"] = out["p_winback"] * v - out["cost"]
    course = tier.map(lambda t: actions.get(t, "act")).astype("str")
    out["action"] = course.where(out["expected_value"] > min_ev, LET_GO)
    out.attrs["min_expected_value"] = min_ev
    return out


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
        Tier of each customer (e.g. ``crmlib.segment.value_tiers(spend)["tier"]``).
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
    return _actions(customers, tier_col, value_col, p_winback_by_tier, cost_by_tier, actions_by_tier,
                    min_expected_value, func="winback_actions")


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
    acts = _actions(customers, tier_col, value_col, p_winback_by_tier, cost_by_tier, actions_by_tier,
                    min_expected_value, func="winback_policy")
    min_expected_value = acts.attrs["min_expected_value"]
    actions = dict(DEFAULT_ACTIONS if actions_by_tier is None else actions_by_tier)
    worth = acts["expected_value"] > min_expected_value
    g = acts.assign(_worth=worth, _ev_worth=acts["expected_value"].where(worth, 0.0)).groupby(tier_col, sort=False, observed=True)
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

"""Value tiers (关键/普通/小客户), the 80/20 check, the Lorenz curve and Gini, and
Dell's service model.

Customers are ranked by value, highest first (ties broken by customer id). A customer
belongs to the first tier whose cumulative-share cut has not yet been reached *before* the
customer is added, so the key tier is the smallest group of top customers that together
bring at least the first cut (default 80%) of the value; the normal tier brings the value
up to the second cut (default 95%); the small tier is the rest. Value is whatever the
caller passes: current spend, or a CLV forecast when one is available.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_series
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "TIERS",
    "Concentration",
    "lorenz_curve",
    "gini",
    "concentration",
    "value_tiers",
    "tier_profile",
    "dell_service_map",
    "tier_service_table",
]

#: Tier names, best first, with their 中文 names.
TIERS: tuple[tuple[str, str], ...] = (("key", "关键客户"), ("normal", "普通客户"), ("small", "小客户"))

_DELL_MAP: tuple[dict, ...] = (
    {
        "tier": "key",
        "tier_zh": "关键客户",
        "dell_type": "Big customer",
        "dell_type_zh": "大客户",
        "served_by": "dedicated account manager or team",
        "served_by_zh": "专属客户经理/团队",
        "service": "tailored offers, named contact, regular business reviews",
        "action": "retain and grow: protect the relationship, tailor offers, act on their feedback first",
    },
    {
        "tier": "normal",
        "tier_zh": "普通客户",
        "dell_type": "R-type",
        "dell_type_zh": "R型",
        "served_by": "senior sales and service staff",
        "served_by_zh": "资深员工",
        "service": "relationship plus price: loyalty benefits, cross-selling, proactive contact",
        "action": "upgrade: raise share of wallet and move the best into the key tier",
    },
    {
        "tier": "small",
        "tier_zh": "小客户",
        "dell_type": "T-type",
        "dell_type_zh": "T型",
        "served_by": "frontline staff and self-service channels",
        "served_by_zh": "一线员工/自助渠道",
        "service": "transactional, price-driven: standard offers, online and automated service",
        "action": "serve at low cost; promote those who show growth, do not over-invest",
    },
)


# --------------------------------------------------------------------- concentration


def _values(value: object, func: str) -> pd.Series:
    """One finite, non-negative value per customer (unique ids), as float64."""
    return check_series(
        value, "value", func=func, allow_negative=False,
        suggestion="pass e.g. summary['total_spend'] or a CLV Series, indexed by customer_id; clip refunds "
        "at 0 (value.clip(lower=0)) first.",
    )


def _zero_total(total: float, func: str) -> None:
    if total <= 0:
        raise DataValidationError(
            f"{func}: the total value is zero, so shares of value are undefined.",
            suggestion="check that the value column holds spend (or CLV), not a flag.",
        )


def _sorted_values(value: pd.Series, descending: bool) -> pd.Series:
    """Values sorted by value then customer id (deterministic whatever the row order)."""
    ids = np.asarray(value.index.astype("str"))
    v = value.to_numpy(dtype="float64")
    order = np.lexsort((ids, -v if descending else v))
    return value.iloc[order]


def lorenz_curve(value: pd.Series) -> pd.DataFrame:
    """The Lorenz curve: cumulative share of value held by the poorest share of customers.

    Parameters
    ----------
    value : Series
        One non-negative value per customer (spend, CLV, profit ...).

    Returns
    -------
    DataFrame
        ``customer_share`` and ``value_share``, from (0, 0) to (1, 1), one row per
        customer plus the origin, customers in ascending order of value.

    Examples
    --------
    >>> import pandas as pd
    >>> lorenz_curve(pd.Series([1.0, 1.0, 2.0])).round(2).values.tolist()
    [[0.0, 0.0], [0.33, 0.25], [0.67, 0.5], [1.0, 1.0]]
    """
    return _lorenz(_values(value, "lorenz_curve"), "lorenz_curve")


def _lorenz(v: pd.Series, func: str) -> pd.DataFrame:
    total = float(v.sum())
    _zero_total(total, func)
    asc = _sorted_values(v, descending=False).to_numpy()
    n = asc.size
    return pd.DataFrame(
        {
            "customer_share": np.arange(n + 1) / n,
            "value_share": np.concatenate([[0.0], np.cumsum(asc) / total]),
        }
    )


def gini(value: pd.Series) -> float:
    """Gini coefficient of value across customers: 0 = all equal, (n-1)/n = one holds all.

    Computed exactly as ``sum_i (2i - n - 1) x_(i) / (n * sum x)`` over values sorted in
    ascending order, which equals one minus twice the area under the (piecewise linear)
    Lorenz curve.

    Parameters
    ----------
    value : Series
        Non-negative values, one per customer.

    Returns
    -------
    float

    Examples
    --------
    >>> import pandas as pd
    >>> gini(pd.Series([5.0, 5.0, 5.0, 5.0]))
    0.0
    >>> gini(pd.Series([0.0, 0.0, 0.0, 10.0]))
    0.75
    """
    return _gini(_values(value, "gini"), "gini")


def _gini(v: pd.Series, func: str) -> float:
    x = np.sort(v.to_numpy(dtype="float64"))
    total = x.sum()
    _zero_total(float(total), func)
    n = x.size
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


@dataclass(frozen=True)
class Concentration:
    """How concentrated value is: the measured version of the 80/20 rule (二八定理).

    Attributes
    ----------
    n_customers : int
    total_value : float
    top : float
        Share of customers at the top that is examined (default 0.2).
    value_share_of_top : float
        Share of value that the top ``top`` of customers bring, read off the Lorenz
        curve (interpolated between two customers when ``top * n_customers`` is not whole).
    target : float
        Share of value examined (default 0.8).
    customer_share_for_target : float
        Smallest share of (top) customers that brings ``target`` of the value.
    gini : float
        Gini coefficient.
    lorenz : DataFrame
        The Lorenz curve (see :func:`lorenz_curve`).
    """

    n_customers: int
    total_value: float
    top: float
    value_share_of_top: float
    target: float
    customer_share_for_target: float
    gini: float
    lorenz: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The headline figures as a two-column table (measure, value)."""
        rows = [
            ("customers", self.n_customers),
            ("total value", self.total_value),
            (f"share of value from the top {self.top:.0%} of customers", self.value_share_of_top),
            (f"share of customers bringing {self.target:.0%} of value", self.customer_share_for_target),
            ("Gini coefficient", self.gini),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"]).set_index("measure")

    def __str__(self) -> str:
        return (
            f"{self.n_customers:,} customers: the top {self.top:.0%} bring {self.value_share_of_top:.1%} "
            f"of the value; {self.customer_share_for_target:.1%} of customers bring {self.target:.0%}. "
            f"Gini {self.gini:.3f}."
        )


def concentration(value: pd.Series, *, top: float = 0.2, target: float = 0.8) -> Concentration:
    """Measure the 80/20 rule: the top ``top`` customers' share of value, and the share
    of customers needed for ``target`` of the value.

    This is crmlib's one definition of a "top 20% share"; every other function that
    reports one (:func:`crmlib.clv.plotting.top_share`, the plots) computes through it.
    Shares between two customers are interpolated linearly along the Lorenz curve: with 7
    customers the top 20% is 1.4 customers, i.e. the first customer's value plus 0.4 of
    the second's. So the figure does not jump with the customer count, and a whole number
    of customers (``top * n`` whole) gives exactly their summed share.

    Parameters
    ----------
    value : Series
        Non-negative value per customer (current spend or CLV).
    top : float, default 0.2
        Share of top customers examined.
    target : float, default 0.8
        Share of value examined.

    Returns
    -------
    Concentration

    Examples
    --------
    >>> import pandas as pd
    >>> c = concentration(pd.Series([80.0] + [5.0] * 4))
    >>> round(c.value_share_of_top, 2), round(c.customer_share_for_target, 2)
    (0.8, 0.2)
    >>> seven = pd.Series([100.0, 50, 20, 10, 10, 5, 5])  # top 20% = 1.4 customers: (100 + 0.4 * 50) / 200
    >>> round(concentration(seven).value_share_of_top, 2)
    0.6
    """
    func = "concentration"
    top = to_number(top, "top", low=0, high=1, low_inclusive=False, high_inclusive=False, example="0.2")
    target = to_number(target, "target", low=0, high=1, low_inclusive=False, high_inclusive=False, example="0.8")
    v = _values(value, func)
    lor = _lorenz(v, func)
    cs, vs = lor["customer_share"].to_numpy(), lor["value_share"].to_numpy()
    # top p of customers hold 1 - L(1 - p)
    share_top = 1.0 - float(np.interp(1.0 - top, cs, vs))
    # smallest p with 1 - L(1 - p) >= target: L(1 - p) = 1 - target, L increasing
    # (flat stretches of zero-value customers are resolved to the largest 1 - p)
    x = 1.0 - target
    idx = int(np.searchsorted(vs, x, side="right"))
    if idx >= len(vs):
        q = 1.0
    else:
        j = max(idx - 1, 0)
        span = vs[idx] - vs[j]
        q = cs[j] + (cs[idx] - cs[j]) * ((x - vs[j]) / span if span > 0 else 0.0)
    return Concentration(
        n_customers=len(lor) - 1,
        total_value=float(v.sum()),
        top=top,
        value_share_of_top=share_top,
        target=target,
        customer_share_for_target=float(1.0 - q),
        gini=_gini(v, func),
        lorenz=lor,
    )


# ------------------------------------------------------------------------------ tiers


def _check_cuts(cuts: Sequence[float], labels: Sequence[tuple[str, str]]) -> tuple[list[float], list[tuple[str, str]]]:
    if isinstance(cuts, str) or not isinstance(cuts, Sequence | np.ndarray):
        raise DataValidationError(
            f"value_tiers: cuts={cuts!r} must be a sequence of shares.", suggestion="e.g. cuts=(0.8, 0.95)."
        )
    # NaN, inf, text and booleans are refused rather than putting every customer in one tier
    cuts = [to_number(c, "cuts", low=0, high=1, low_inclusive=False, high_inclusive=False, example="(0.8, 0.95)")
            for c in cuts]
    labels = [tuple(lab) if not isinstance(lab, str) else (lab, "") for lab in labels]
    if not cuts or any(not 0 < c < 1 for c in cuts) or any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
        raise DataValidationError(
            f"cuts={cuts!r} must be increasing cumulative shares of value strictly between 0 and 1.",
            suggestion="e.g. cuts=(0.8, 0.95): key customers bring the first 80% of value, normal ones up to 95%.",
        )
    if len(labels) != len(cuts) + 1:
        raise DataValidationError(
            f"{len(cuts)} cut(s) make {len(cuts) + 1} tiers, but {len(labels)} tier label(s) were given.",
            suggestion="pass one (name, 中文) label per tier, best tier first.",
        )
    return cuts, labels


def value_tiers(
    value: pd.Series,
    *,
    cuts: Sequence[float] = (0.8, 0.95),
    labels: Sequence[tuple[str, str]] = TIERS,
) -> pd.DataFrame:
    """Key, normal and small customers by cumulative share of value.

    Parameters
    ----------
    value : Series
        Non-negative value per customer, indexed by customer id: current spend, or CLV.
    cuts : sequence of float, default (0.8, 0.95)
        Cumulative value shares closing each tier but the last. The default makes key
        customers the smallest top group bringing 80% of the value and normal customers
        those bringing the next 15%.
    labels : sequence of (name, 中文) pairs, default :data:`TIERS`
        One label per tier, best first.

    Returns
    -------
    DataFrame
        Indexed like ``value`` (in the original order): ``value``, ``rank`` (1 = highest
        value), ``cum_share_before`` (value share of the customers ranked above),
        ``cum_share``, ``tier`` (ordered categorical) and ``tier_zh``.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([70.0, 15.0, 10.0, 4.0, 1.0], index=list("abcde"))
    >>> value_tiers(v)["tier"].tolist()
    ['key', 'key', 'normal', 'small', 'small']
    """
    cuts, labels = _check_cuts(cuts, labels)
    v = _values(value, "value_tiers")
    total = float(v.sum())
    _zero_total(total, "value_tiers")
    desc = _sorted_values(v, descending=True)
    cum = np.cumsum(desc.to_numpy()) / total
    before = np.concatenate([[0.0], cum[:-1]])
    # a customer joins tier k when the share already covered is below cut k
    tier_idx = np.searchsorted(np.asarray(cuts), before + 1e-12, side="left")
    names = [lab[0] for lab in labels]
    zh = [lab[1] for lab in labels]
    out = pd.DataFrame(
        {
            "value": desc.to_numpy(),
            "rank": np.arange(1, len(desc) + 1),
            "cum_share_before": before,
            "cum_share": cum,
        },
        index=desc.index,
    )
    out["tier"] = pd.Categorical.from_codes(tier_idx, categories=names, ordered=True)
    out["tier_zh"] = np.asarray(zh, dtype=object)[tier_idx].astype("str")
    out.attrs["cuts"] = cuts
    return out.loc[v.index]


def tier_profile(tiers: pd.DataFrame) -> pd.DataFrame:
    """One row per tier: customers, shares of customers and value, value range.

    Parameters
    ----------
    tiers : DataFrame
        Output of :func:`value_tiers`.

    Returns
    -------
    DataFrame
        Indexed by ``tier``: ``tier_zh``, ``label``, ``customers``, ``share_customers``,
        ``value``, ``share_value``, ``mean_value``, ``min_value``, ``max_value`` and
        ``value_ratio_to_smallest`` (mean value relative to the last tier's mean: how many
        small customers one customer of the tier is worth).
    """
    check_frame(tiers, ("tier", "tier_zh", "value"), func="tier_profile", what="value tiers",
                suggestion="pass the output of crmlib.segment.value_tiers(value).")
    if not isinstance(tiers["tier"].dtype, pd.CategoricalDtype):
        raise DataValidationError("tier_profile: column 'tier' must be the categorical of value_tiers(...).",
                                  column="tier", suggestion="pass the output of crmlib.segment.value_tiers(value).")
    cats = list(tiers["tier"].cat.categories)
    g = tiers.groupby(tiers["tier"].astype("str"), sort=False)["value"]
    prof = pd.DataFrame(index=pd.Index(cats, name="tier"))
    zh = dict(zip(tiers["tier"].astype("str"), tiers["tier_zh"], strict=True))
    prof["tier_zh"] = [zh.get(c, "") for c in cats]
    prof["label"] = [f"{c} {zh.get(c, '')}".strip() for c in cats]
    prof["customers"] = g.size().reindex(cats, fill_value=0).astype("int64")
    prof["share_customers"] = prof["customers"] / len(tiers)
    prof["value"] = g.sum().reindex(cats, fill_value=0.0)
    prof["share_value"] = prof["value"] / tiers["value"].sum()
    prof["mean_value"] = g.mean().reindex(cats)
    prof["min_value"] = g.min().reindex(cats)
    prof["max_value"] = g.max().reindex(cats)
    last = prof["mean_value"].iloc[-1]
    prof["value_ratio_to_smallest"] = prof["mean_value"] / last if last and last > 0 else np.nan
    return prof


def dell_service_map() -> pd.DataFrame:
    """Dell's service model as data: tier -> Dell customer type -> who serves them -> action.

    Big customers (大客户) are worth tens or hundreds of T-type customers and get a
    dedicated person or team; R-type (R型) customers care about price and relationship and
    are served by more senior staff; T-type (T型) customers are price-driven and
    transactional, served by frontline staff.

    Returns
    -------
    DataFrame
        Indexed by ``tier`` (key, normal, small): ``tier_zh``, ``dell_type``,
        ``dell_type_zh``, ``served_by``, ``served_by_zh``, ``service``, ``action``.
        A fresh copy: edit it to describe your own organisation.

    Examples
    --------
    >>> dell_service_map().loc["key", "dell_type"]
    'Big customer'
    """
    return pd.DataFrame(list(_DELL_MAP)).set_index("tier")


def tier_service_table(profile: pd.DataFrame, service_map: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join a tier profile with a service map: who serves each tier, and their value.

    Parameters
    ----------
    profile : DataFrame
        Output of :func:`tier_profile`.
    service_map : DataFrame, optional
        Indexed by tier; default :func:`dell_service_map`.

    Returns
    -------
    DataFrame
        One row per tier: label, customers, share of customers and of value, value ratio,
        then the service-map columns.

    Raises
    ------
    DataValidationError
        When the service map names tiers the profile does not have, or misses one.
    """
    smap = dell_service_map() if service_map is None else service_map
    unknown = [t for t in smap.index if t not in profile.index]
    missing = [t for t in profile.index if t not in smap.index]
    if unknown or missing:
        raise DataValidationError(
            "The service map and the tiers do not match: "
            + (f"unknown tier(s) {', '.join(map(repr, unknown))}" if unknown else "")
            + ("; " if unknown and missing else "")
            + (f"no service defined for {', '.join(map(repr, missing))}" if missing else "")
            + ".",
            column="tier",
            suggestion=f"index the service map by the tier names: {', '.join(map(repr, profile.index))}.",
        )
    cols = ["label", "customers", "share_customers", "share_value", "value_ratio_to_smallest"]
    extra = [c for c in smap.columns if c not in ("tier_zh",)]
    return profile[cols].join(smap[extra])

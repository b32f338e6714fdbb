"""Which customers are worth what: transaction- vs relationship-type customers, and the
value / potential / declining quadrant (价值/潜力/失效客户).

The quadrant crosses current value (what a customer brings now) with future value (where
they are heading). Future value is whatever the caller has:

* a spend trend from the log (:func:`crmlib.features.spend_trend`), when no model is
  available: pass its table, ``value_quadrant(spend_trend(tx, observation_end=...))``;
* P(alive) or a CLV forecast from a model (``crmlib.clv``), when one is.

=====================  ==================  =========================================
current value          future value        quadrant
=====================  ==================  =========================================
high                   high                value customer 价值客户: retain
low                    high                potential customer 潜力客户: grow share of wallet
high                   low                 declining customer 失效客户: find out why, win back
low                    low                 low-value customer 低价值客户: serve at low cost
(no earlier spend)                         new customer 新客户: onboard
=====================  ==================  =========================================

**New customers are not "potential".** A customer with no spend in the earlier window has
a spend trend of exactly +1 whatever they bought: the trend says they *arrived*, not that
they are growing (on Online Retail 85% of the "potential" customers were such arrivals).
They get their own label, ``"new"`` (新客户), and the thresholds are computed on the other
customers.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_numeric, check_series
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = ["QUADRANTS", "customer_type", "value_quadrant", "quadrant_profile"]

#: Quadrant names, 中文 names and the action each calls for; ``new`` sits outside the
#: four quadrants (no earlier spend to judge a trend from).
QUADRANTS: tuple[tuple[str, str, str], ...] = (
    ("value", "价值客户", "retain: protect the relationship, reward, ask for referrals"),
    ("potential", "潜力客户", "grow: raise share of wallet with cross-selling and upgrades"),
    ("declining", "失效客户", "find out why value is falling; targeted win-back before they leave"),
    ("low_value", "低价值客户", "serve at low cost through standard channels"),
    ("new", "新客户", "onboard: welcome them and make the second purchase easy; too early to judge a trend"),
)
_TREND_COLUMNS = ("previous", "recent", "current_value", "trend")


def customer_type(summary: pd.DataFrame, *, min_purchases: int = 2) -> pd.DataFrame:
    """Transaction-type (交易型) vs relationship-type (关系型) customers, from behaviour.

    The course separates customers who buy on price only (no loyalty) from those who want
    a lasting relationship. A purchase log cannot see motives, so this is a behavioural
    proxy: customers who came back at least once (``min_purchases`` purchase days) are
    treated as relationship-type; one-off buyers as transaction-type. Survey or price-
    sensitivity data would sharpen it.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlib.features.rfm_summary` output (``frequency``, ``total_spend``).
    min_purchases : int, default 2
        Purchase days that make a relationship-type customer.

    Returns
    -------
    DataFrame
        ``purchases``, ``total_spend``, ``customer_type`` (``"transaction"`` or
        ``"relationship"``) and ``customer_type_zh``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [0, 3], "total_spend": [10.0, 80.0]}, index=["a", "b"])
    >>> customer_type(s)["customer_type"].tolist()
    ['transaction', 'relationship']
    """
    func = "customer_type"
    check_frame(summary, ["frequency", "total_spend"], func=func, what="RFM summary",
                suggestion="pass crmlib.features.rfm_summary(transactions, observation_end=...).")
    to_number(min_purchases, "min_purchases", low=2, integer=True, example="2")
    v = check_numeric(summary, ["frequency", "total_spend"], func=func, allow_negative=False,
                      integer=["frequency"])
    purchases = v["frequency"].astype("int64") + 1
    rel = purchases >= min_purchases
    return pd.DataFrame(
        {
            "purchases": purchases,
            "total_spend": v["total_spend"],
            "customer_type": np.where(rel, "relationship", "transaction"),
            "customer_type_zh": np.where(rel, "关系型", "交易型"),
        },
        index=summary.index,
    )


def _threshold(values: pd.Series, threshold: Any, name: str) -> float:
    if isinstance(threshold, str):
        if threshold != "median":
            raise DataValidationError(f"value_quadrant: {name}={threshold!r} is unknown.",
                                      suggestion="use 'median' or a number.")
        return float(values.median())
    return to_number(threshold, name, example="'median' or a number")


def value_quadrant(
    current: pd.Series | pd.DataFrame,
    future: pd.Series | None = None,
    *,
    new: pd.Series | None = None,
    current_threshold: float | Literal["median"] = "median",
    future_threshold: float | Literal["median"] | None = None,
) -> pd.DataFrame:
    """Label customers value / potential / declining / low-value (and new) from two measures.

    Parameters
    ----------
    current : Series or DataFrame
        Current value per customer (e.g. spend over the last year), non-negative; or the
        table of :func:`crmlib.features.spend_trend`, whose ``current_value`` and
        ``trend`` are then the two measures and whose customers with no ``previous``
        spend are labelled new.
    future : Series, optional
        Future value per customer, same customers: P(alive) or CLV (required unless
        ``current`` is a spend-trend table). A spend trend taken out of its table is
        refused: without its ``previous`` column the new customers cannot be told apart.
    new : Series of bool, optional
        True for customers with no earlier spend (e.g. ``trend["previous"] == 0``); they
        are labelled ``"new"`` (新客户) instead of a quadrant.
    current_threshold : float or "median", default "median"
        A customer is "high" on current value at or above it.
    future_threshold : float or "median", optional
        Likewise for future value. Default: 0 (steady) for a spend-trend table, the
        median otherwise. Medians are taken over the customers that are not new.

    Returns
    -------
    DataFrame
        ``current_value``, ``future_value``, ``quadrant`` (ordered categorical, see
        :data:`QUADRANTS`), ``quadrant_zh`` and ``action``. ``attrs`` hold the thresholds
        and ``future_measure`` (``"spend_trend"`` or ``"given"``).

    Examples
    --------
    >>> import pandas as pd
    >>> cur = pd.Series([100.0, 5.0, 90.0, 2.0], index=list("abcd"))
    >>> fut = pd.Series([0.5, 0.8, -0.9, -0.5], index=list("abcd"))
    >>> value_quadrant(cur, fut, future_threshold=0)["quadrant"].tolist()
    ['value', 'potential', 'declining', 'low_value']
    >>> from crmlib.features import spend_trend
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-15", "2024-03-15", "2024-01-20", "2024-03-01"]),
    ...                    "amount": [10.0, 30.0, 8.0, 5.0]})
    >>> value_quadrant(spend_trend(tx, observation_end="2024-03-31", window="60D"))["quadrant"].tolist()
    ['value', 'low_value', 'new']
    """
    func = "value_quadrant"
    measure = "given"
    if isinstance(current, pd.DataFrame) and future is None:
        check_frame(current, _TREND_COLUMNS, func=func, what="spend-trend table",
                    suggestion="pass crmlib.features.spend_trend(transactions, observation_end=...), or two Series.")
        if new is not None:
            raise DataValidationError(f"{func}: new= is taken from the spend-trend table's 'previous' column.",
                                      suggestion="drop new=, or pass current and future as two Series.")
        trend = current
        current, future, new = trend["current_value"], trend["trend"], trend["previous"] == 0
        measure = "spend_trend"
        future_threshold = 0.0 if future_threshold is None else future_threshold
    elif future is None:
        raise DataValidationError(f"{func}: future value is missing.",
                                  suggestion="pass value_quadrant(current, future), or a spend_trend table alone.")
    elif new is None and getattr(future, "attrs", {}).get("measure") == "spend_trend":
        raise DataValidationError(
            f"{func}: future is a spend trend without its table: customers with no earlier spend (trend +1) "
            "would be called 'potential'.",
            suggestion="pass the whole table, value_quadrant(spend_trend(...)), or new=trend['previous'] == 0.",
        )
    cur = check_series(current, "current", func=func, allow_negative=False)
    fut = check_series(future, "future", func=func)
    if not cur.index.equals(fut.index):
        if set(cur.index) != set(fut.index):
            only_c = cur.index.difference(fut.index)
            only_f = fut.index.difference(cur.index)
            raise DataValidationError(
                f"{func}: current and future value cover different customers: {len(only_c):,} only in current, "
                f"{len(only_f):,} only in future.",
                rows=pd.Series(list(only_c[:3]) + list(only_f[:3]), name="customer_id").to_frame(),
                suggestion="align them first, e.g. future = future.reindex(current.index) and fill or drop gaps.",
            )
        fut = fut.loc[cur.index]
    is_new = np.zeros(len(cur), dtype=bool)
    if new is not None:
        if not isinstance(new, pd.Series) or not pd.api.types.is_bool_dtype(new) or new.index.has_duplicates \
                or set(new.index) != set(cur.index):
            raise DataValidationError(
                f"{func}: new must be a boolean Series with one value for each customer of current.",
                suggestion="e.g. new=trend['previous'] == 0.",
            )
        is_new = new.loc[cur.index].to_numpy(dtype=bool)
    placed = ~is_new
    if not placed.any():
        raise DataValidationError(f"{func}: every customer is new; there is no trend to place in a quadrant.",
                                  suggestion="use a longer window or a later observation_end.")
    ft_arg = "median" if future_threshold is None else future_threshold
    ct = _threshold(cur[placed], current_threshold, "current_threshold")
    ft = _threshold(fut[placed], ft_arg, "future_threshold")
    hc, hf = (cur >= ct).to_numpy(), (fut >= ft).to_numpy()
    code = np.select([is_new, hc & hf, ~hc & hf, hc & ~hf], [4, 0, 1, 2], default=3)
    names = [q[0] for q in QUADRANTS]
    out = pd.DataFrame({"current_value": cur, "future_value": fut}, index=cur.index)
    out["quadrant"] = pd.Categorical.from_codes(code, categories=names, ordered=True)
    out["quadrant_zh"] = np.asarray([q[1] for q in QUADRANTS], dtype=object)[code].astype("str")
    out["action"] = np.asarray([q[2] for q in QUADRANTS], dtype=object)[code].astype("str")
    out.attrs = {"current_threshold": ct, "future_threshold": ft, "future_measure": measure,
                 "new_customers": int(is_new.sum())}
    return out


def quadrant_profile(quadrant: pd.DataFrame) -> pd.DataFrame:
    """One row per quadrant: customers, shares, current value and the action.

    Parameters
    ----------
    quadrant : DataFrame
        Output of :func:`value_quadrant`.

    Returns
    -------
    DataFrame
        Indexed by quadrant: ``quadrant_zh``, ``label``, ``customers``,
        ``share_customers``, ``share_current_value``, ``mean_current_value``,
        ``mean_future_value``, ``action``.
    """
    check_frame(quadrant, ["quadrant", "current_value", "future_value"], func="quadrant_profile",
                what="value_quadrant result", suggestion="pass value_quadrant(current, future).")
    names = [q[0] for q in QUADRANTS]
    g = quadrant.groupby(quadrant["quadrant"].astype("str"))
    prof = pd.DataFrame(index=pd.Index(names, name="quadrant"))
    prof["quadrant_zh"] = [q[1] for q in QUADRANTS]
    prof["label"] = [f"{q[0].replace('_', ' ')} {q[1]}" for q in QUADRANTS]
    prof["customers"] = g.size().reindex(names, fill_value=0).astype("int64")
    prof["share_customers"] = prof["customers"] / len(quadrant)
    total = quadrant["current_value"].sum()
    prof["share_current_value"] = g["current_value"].sum().reindex(names, fill_value=0.0) / total if total else np.nan
    prof["mean_current_value"] = g["current_value"].mean().reindex(names)
    prof["mean_future_value"] = g["future_value"].mean().reindex(names)
    prof["action"] = [q[2] for q in QUADRANTS]
    return prof

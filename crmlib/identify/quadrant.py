"""Which customers are worth what: transaction- vs relationship-type customers, and the
value / potential / declining quadrant (价值/潜力/失效客户).

The quadrant crosses current value (what a customer brings now) with future value (where
they are heading). Future value is whatever the caller has:

* a spend trend from the log (:func:`spend_trend`), when no model is available;
* P(alive) or a CLV forecast from a model (``crmlib.clv``), when one is.

=====================  ==================  =========================================
current value          future value        quadrant
=====================  ==================  =========================================
high                   high                value customer 价值客户: retain
low                    high                potential customer 潜力客户: grow share of wallet
high                   low                 declining customer 失效客户: find out why, win back
low                    low                 low-value customer 低价值客户: serve at low cost
=====================  ==================  =========================================
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.identify._common import check_transactions, to_timestamp
from crmlib.segment._checks import check_values

__all__ = ["QUADRANTS", "customer_type", "spend_trend", "value_quadrant", "quadrant_profile"]

#: Quadrant names, 中文 names and the action each calls for.
QUADRANTS: tuple[tuple[str, str, str], ...] = (
    ("value", "价值客户", "retain: protect the relationship, reward, ask for referrals"),
    ("potential", "潜力客户", "grow: raise share of wallet with cross-selling and upgrades"),
    ("declining", "失效客户", "find out why value is falling; targeted win-back before they leave"),
    ("low_value", "低价值客户", "serve at low cost through standard channels"),
)


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
    """
    if not isinstance(summary, pd.DataFrame) or not {"frequency", "total_spend"} <= set(summary.columns):
        raise DataValidationError(
            "Expected an RFM summary with 'frequency' and 'total_spend'.",
            suggestion="pass crmlib.features.rfm_summary(transactions, observation_end=...).",
        )
    if len(summary) == 0:
        raise DataValidationError("The RFM summary is empty (0 customers).", suggestion="check its filter.")
    if int(min_purchases) != min_purchases or min_purchases < 2:
        raise DataValidationError(f"min_purchases={min_purchases!r} must be a whole number >= 2.", suggestion="e.g. 2.")
    purchases = summary["frequency"].astype("int64") + 1
    rel = purchases >= min_purchases
    return pd.DataFrame(
        {
            "purchases": purchases,
            "total_spend": summary["total_spend"].astype("float64"),
            "customer_type": np.where(rel, "relationship", "transaction"),
            "customer_type_zh": np.where(rel, "关系型", "交易型"),
        },
        index=summary.index,
    )


def spend_trend(
    transactions: pd.DataFrame,
    at: str | pd.Timestamp,
    *,
    window_days: int = 182,
) -> pd.DataFrame:
    """Spend in the last window before ``at`` against the window before it.

    Parameters
    ----------
    transactions : DataFrame
        Validated log; only rows dated before ``at`` are used.
    at : date-like
        Reference date (exclusive).
    window_days : int, default 182
        Length of each of the two windows (182 days: two half-years).

    Returns
    -------
    DataFrame
        Customers with spend in either window: ``previous`` (spend in
        ``[at - 2w, at - w)``), ``recent`` (``[at - w, at)``), ``current_value``
        (``previous + recent``: value over the last two windows) and ``trend``
        (``(recent - previous) / (recent + previous)``, from -1 = stopped buying to
        +1 = new in the recent window; 0 = steady).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-15", "2024-03-15", "2024-01-20"]),
    ...                    "amount": [10.0, 30.0, 8.0]})
    >>> spend_trend(tx, "2024-04-01", window_days=60)["trend"].tolist()
    [0.5, -1.0]
    """
    tx = check_transactions(transactions)
    at_ts = to_timestamp(at, "at")
    if not window_days > 0:
        raise DataValidationError(f"window_days={window_days!r} must be positive.", suggestion="e.g. 182.")
    w = pd.Timedelta(days=window_days)
    mid, start = at_ts - w, at_ts - 2 * w
    sel = tx.loc[(tx["date"] >= start) & (tx["date"] < at_ts), ["customer_id", "date", "amount"]]
    if len(sel) == 0:
        raise DataValidationError(
            f"No purchase between {start:%Y-%m-%d} and {at_ts:%Y-%m-%d}.",
            suggestion="choose a reference date inside the log or a longer window.",
        )
    recent = sel["date"] >= mid
    table = (
        sel.assign(window=np.where(recent, "recent", "previous"))
        .groupby(["customer_id", "window"])["amount"].sum()
        .unstack(fill_value=0.0)
        .reindex(columns=["previous", "recent"], fill_value=0.0)
    )
    table.columns.name = None
    table["current_value"] = table["previous"] + table["recent"]
    table["trend"] = (table["recent"] - table["previous"]) / table["current_value"]
    table.attrs.update({"at": at_ts, "window_days": window_days})
    return table


def _threshold(values: pd.Series, threshold: float | Literal["median"], name: str) -> float:
    if isinstance(threshold, str):
        if threshold != "median":
            raise DataValidationError(f"{name}={threshold!r} is unknown.", suggestion="use 'median' or a number.")
        return float(values.median())
    return float(threshold)


def value_quadrant(
    current: pd.Series,
    future: pd.Series,
    *,
    current_threshold: float | Literal["median"] = "median",
    future_threshold: float | Literal["median"] = "median",
) -> pd.DataFrame:
    """Label customers value / potential / declining / low-value from two measures.

    Parameters
    ----------
    current : Series
        Current value per customer (e.g. spend over the last year), non-negative.
    future : Series
        Future value per customer, same customers: a spend trend, P(alive) or CLV.
    current_threshold, future_threshold : float or "median", default "median"
        A customer is "high" on a measure at or above its threshold. For a spend trend,
        0 (steady) is the natural future threshold.

    Returns
    -------
    DataFrame
        ``current_value``, ``future_value``, ``quadrant`` (ordered categorical, see
        :data:`QUADRANTS`), ``quadrant_zh`` and ``action``. ``attrs`` hold the thresholds.

    Examples
    --------
    >>> import pandas as pd
    >>> cur = pd.Series([100.0, 5.0, 90.0, 2.0], index=list("abcd"))
    >>> fut = pd.Series([0.5, 0.8, -0.9, -0.5], index=list("abcd"))
    >>> value_quadrant(cur, fut, future_threshold=0)["quadrant"].tolist()
    ['value', 'potential', 'declining', 'low_value']
    """
    cur = check_values(current, "current")
    fut = check_values(future, "future", allow_negative=True)
    if not cur.index.equals(fut.index):
        if set(cur.index) != set(fut.index):
            only_c = cur.index.difference(fut.index)
            only_f = fut.index.difference(cur.index)
            raise DataValidationError(
                f"current and future value cover different customers: {len(only_c):,} only in current, "
                f"{len(only_f):,} only in future.",
                rows=pd.Series(list(only_c[:3]) + list(only_f[:3]), name="customer_id").to_frame(),
                suggestion="align them first, e.g. future = future.reindex(current.index) and fill or drop gaps.",
            )
        fut = fut.loc[cur.index]
    ct = _threshold(cur, current_threshold, "current_threshold")
    ft = _threshold(fut, future_threshold, "future_threshold")
    hc, hf = (cur >= ct).to_numpy(), (fut >= ft).to_numpy()
    code = np.select([hc & hf, ~hc & hf, hc & ~hf], [0, 1, 2], default=3)
    names = [q[0] for q in QUADRANTS]
    out = pd.DataFrame({"current_value": cur, "future_value": fut}, index=cur.index)
    out["quadrant"] = pd.Categorical.from_codes(code, categories=names, ordered=True)
    out["quadrant_zh"] = np.asarray([q[1] for q in QUADRANTS], dtype=object)[code].astype("str")
    out["action"] = np.asarray([q[2] for q in QUADRANTS], dtype=object)[code].astype("str")
    out.attrs.update({"current_threshold": ct, "future_threshold": ft})
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
    if not isinstance(quadrant, pd.DataFrame) or not {"quadrant", "current_value", "future_value"} <= set(quadrant):
        raise DataValidationError("Expected the output of value_quadrant(...).", suggestion="pass value_quadrant(current, future).")
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

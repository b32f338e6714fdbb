"""What the churn modules share: the log's observed end and who counts as a customer.

A *purchase* is a row that :func:`crmlib.conventions.purchase_mask` calls one (the rule
of every area: a non-negative amount); a return or cancellation (negative amount, kept in
the log when it was read with ``policy={"return": "keep", "cancellation": "keep"}``) is
not a purchase.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlib.conventions import end_bound, purchase_mask
from crmlib.exceptions import DataValidationError

ONE_DAY = pd.Timedelta(days=1)


def log_bound(tx: pd.DataFrame, log_end: Any = None) -> pd.Timestamp:
    """Exclusive end of what the log observes: the day after its last day, or after
    ``log_end`` (inclusive; a date-only value includes that whole day)."""
    if log_end is None:
        return tx["date"].max().normalize() + ONE_DAY
    return end_bound(log_end, "log_end")


def purchases(tx: pd.DataFrame) -> pd.DataFrame:
    """Rows that are purchases (:func:`crmlib.conventions.purchase_mask`)."""
    return tx.loc[purchase_mask(tx["amount"])]


def customers_before(tx: pd.DataFrame, bound: pd.Timestamp, *, func: str) -> pd.Index:
    """Sorted ids of customers with at least one purchase strictly before ``bound``
    (the exclusive bound of an inclusive ``observation_end``)."""
    buys = purchases(tx)
    ids = buys.loc[buys["date"] < bound, "customer_id"].unique()
    if len(ids) == 0:
        first = tx["date"].min()
        raise DataValidationError(
            f"{func}: no customer has a purchase on or before observation_end "
            f"{bound - pd.Timedelta(1, 'ns'):%Y-%m-%d}; the log starts on {first:%Y-%m-%d}.",
            column="date",
            suggestion="choose an observation_end after the first purchases in the log.",
        )
    return pd.Index(ids, name="customer_id").sort_values()

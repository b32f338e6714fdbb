"""Input checks shared by the churn modules: the log, dates and horizons.

A *purchase* is a row with a positive amount; a *return* is a row with a negative amount
(returned goods and cancelled orders, kept in the log when it was read with
``policy={"return": "keep", "cancellation": "keep"}``). Rows with a zero amount are
neither.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.features import check_transactions

REQUIRED = ("customer_id", "date", "amount")
ONE_DAY = pd.Timedelta(days=1)


def check_log(transactions: Any) -> pd.DataFrame:
    """The canonical log from a DataFrame or a ``read_transactions`` result, validated."""
    return check_transactions(transactions)


def as_timestamp(value: Any, name: str) -> pd.Timestamp:
    """A naive Timestamp from a date-like value, or a DataValidationError naming ``name``."""
    if value is None:
        raise DataValidationError(f"{name} is required.", suggestion=f"pass e.g. {name}='2011-09-01'.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise DataValidationError(
            f"{name}={value!r} is not a date.", suggestion=f"pass e.g. {name}='2011-09-01'."
        ) from err
    if ts is pd.NaT:
        raise DataValidationError(f"{name} is missing (NaT).", suggestion=f"pass e.g. {name}='2011-09-01'.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def as_horizon(value: Any, name: str = "horizon") -> pd.Timedelta:
    """A positive Timedelta from a number of days, a Timedelta or a string such as "90D"."""
    if isinstance(value, bool):
        value = None  # a bool is an int to Python; never a horizon
    if isinstance(value, (int, np.integer, float, np.floating)) and np.isfinite(value):
        td = pd.Timedelta(days=float(value))
    elif isinstance(value, (pd.Timedelta, np.timedelta64)) or (
        isinstance(value, str) and value.strip()
    ):
        try:
            td = pd.Timedelta(value)
        except ValueError as err:
            raise DataValidationError(
                f"{name}={value!r} is not a duration.",
                suggestion=f"pass a number of days ({name}=90) or a string such as '90D'.",
            ) from err
    else:
        raise DataValidationError(
            f"{name}={value!r} is not a duration.",
            suggestion=f"pass a number of days ({name}=90) or a string such as '90D'.",
        )
    if td <= pd.Timedelta(0):
        raise DataValidationError(
            f"{name}={value!r} must be positive.", suggestion=f"pass e.g. {name}=90 (days)."
        )
    return td


def observed_until(tx: pd.DataFrame, observation_end: Any = None) -> pd.Timestamp:
    """Exclusive end of what the log observes: the day after its last day (or after
    ``observation_end``, a date-only value including that whole day)."""
    if observation_end is None:
        return tx["date"].max().normalize() + ONE_DAY
    end = as_timestamp(observation_end, "observation_end")
    return end + ONE_DAY if end == end.normalize() else end


def purchases(tx: pd.DataFrame) -> pd.DataFrame:
    """Rows that are purchases (positive amount)."""
    return tx.loc[tx["amount"].to_numpy() > 0]


def customers_before(tx: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Index:
    """Sorted ids of customers with at least one purchase strictly before ``cutoff``."""
    buys = purchases(tx)
    ids = buys.loc[buys["date"] < cutoff, "customer_id"].unique()
    if len(ids) == 0:
        first = tx["date"].min()
        raise DataValidationError(
            f"No customer has a purchase before the cutoff {cutoff:%Y-%m-%d}; the log starts "
            f"on {first:%Y-%m-%d}.",
            column="date",
            suggestion="choose a cutoff after the first purchases in the log.",
        )
    return pd.Index(ids, name="customer_id").sort_values()

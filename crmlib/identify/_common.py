"""Shared input checks and purchase-day tables for the identification modules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.features import check_transactions as _check_log


def check_transactions(transactions: object) -> pd.DataFrame:
    """The canonical log (``customer_id``, ``date``, ``amount``), validated.

    Accepts a ``read_transactions`` result (the named tuple) as well as its log.
    """
    return _check_log(transactions)


def to_timestamp(value: object, name: str) -> pd.Timestamp:
    """A naive Timestamp from a date-like, or a clear error."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise DataValidationError(f"{name}={value!r} is not a date.", suggestion="pass e.g. '2011-07-01'.") from err
    if ts is pd.NaT:
        raise DataValidationError(f"{name} is missing (NaT).", suggestion="pass e.g. '2011-07-01'.")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def purchase_days(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, purchase day), sorted, with the gap to the previous day.

    Returns
    -------
    DataFrame
        ``customer_id``, ``day`` (int64 days since 1970), ``amount`` (spend that day),
        ``k`` (0 for the first purchase day, 1 for the second, ...), ``gap`` (days since
        the previous purchase day; NaN for the first).
    """
    day = tx["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    work = pd.DataFrame({"customer_id": tx["customer_id"].to_numpy(), "day": day, "amount": tx["amount"].to_numpy()})
    out = work.groupby(["customer_id", "day"], sort=True, as_index=False)["amount"].sum()
    g = out.groupby("customer_id", sort=False)
    out["k"] = g.cumcount()
    out["gap"] = g["day"].diff()
    return out

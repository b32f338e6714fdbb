"""Churn labels from a transaction log (客户流失的定义).

In a non-contractual business (a shop, a web store) nobody announces that they have left.
Churn has to be *defined* from behaviour: a customer who was active before a cutoff date
and makes no purchase in the ``horizon`` after it is labelled churned. The label is only
defined when the whole window has been observed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.churn._common import (
    as_horizon,
    as_timestamp,
    check_log,
    customers_before,
    observed_until,
    purchases,
)
from crmlib.exceptions import DataValidationError

__all__ = ["churn_labels"]


def churn_labels(
    transactions: pd.DataFrame,
    cutoff: str | pd.Timestamp,
    horizon: int | str | pd.Timedelta,
    *,
    observation_end: str | pd.Timestamp | None = None,
) -> pd.Series:
    """Label each customer active before ``cutoff`` as churned (1) or not (0).

    A customer is labelled 1 when they made at least one purchase before ``cutoff`` and
    none in the window ``[cutoff, cutoff + horizon)``; 0 when they bought again in the
    window. Customers whose first purchase is on or after the cutoff are not labelled.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        A log with ``customer_id``, ``date`` and ``amount``, as returned by
        :func:`crmlib.read_transactions`. Purchases are rows with a positive amount; a
        return or cancellation in the window (negative amount) does not count as a
        purchase.
    cutoff : date-like
        Start of the outcome window. Purchases strictly before it define who is a
        customer; a purchase exactly at the cutoff is in the window.
    horizon : int, str or Timedelta
        Length of the window: a number of days (``90``) or a duration (``"90D"``).
    observation_end : date-like, optional
        Last day the log observes (a date-only value includes that whole day). Default:
        the day of the last row in the log.

    Returns
    -------
    Series
        ``churned`` (int64, 0/1) indexed by ``customer_id``, sorted.

    Raises
    ------
    DataValidationError
        When ``cutoff + horizon`` is later than the end of the observed log: a customer
        could still buy on a day the log has not seen, so the label is not observable.
        Also when no customer has a purchase before the cutoff.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20",
    ...                                            "2024-03-30"]),
    ...                    "amount": [10.0, 12.0, 8.0, 5.0]})
    >>> churn_labels(tx, cutoff="2024-02-01", horizon=30, observation_end="2024-03-31").to_dict()
    {'a': 0, 'b': 1}
    """
    tx = check_log(transactions)
    start = as_timestamp(cutoff, "cutoff")
    span = as_horizon(horizon)
    end = start + span
    seen_until = observed_until(tx, observation_end)
    if end > seen_until:
        last_day = seen_until - pd.Timedelta(days=1)
        raise DataValidationError(
            f"The churn label is not observable: the window [{start:%Y-%m-%d}, {end:%Y-%m-%d}) "
            f"(cutoff + horizon of {span.days} days) ends after the last day the log observes, "
            f"{last_day:%Y-%m-%d}. A customer without a purchase so far may still buy on a day "
            "the log has not seen, so 'churned' would be a guess.",
            column="date",
            suggestion=f"use an earlier cutoff (at most {seen_until - span:%Y-%m-%d} for this "
            "horizon) or a shorter horizon.",
        )
    ids = customers_before(tx, start)
    buys = purchases(tx)
    in_window = buys["date"].between(start, end, inclusive="left")
    returned = pd.Index(buys.loc[in_window, "customer_id"].unique())
    churned = ~ids.isin(returned)
    return pd.Series(churned.astype(np.int64), index=ids, name="churned")


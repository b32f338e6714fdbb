"""Churn labels from a transaction log (客户流失的定义).

In a non-contractual business (a shop, a web store) nobody announces that they have left.
Churn has to be *defined* from behaviour: a customer who bought on or before
``observation_end`` and makes no purchase in the ``horizon`` after it is labelled
churned. The label is only defined when the whole window has been observed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_log
from crmlib.churn._common import customers_before, log_bound, purchases
from crmlib.conventions import end_bound, to_duration
from crmlib.exceptions import DataValidationError

__all__ = ["churn_labels"]


def churn_labels(
    transactions: pd.DataFrame,
    observation_end: Any,
    horizon: str | pd.Timedelta,
    *,
    log_end: Any = None,
) -> pd.Series:
    """Label each customer who bought by ``observation_end`` as churned (1) or not (0).

    A customer is labelled 1 when they made at least one purchase on or before
    ``observation_end`` and none in the window (observation_end, observation_end +
    horizon]; 0 when they bought again in the window. Customers whose first purchase
    is after ``observation_end`` are not labelled.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        A log with ``customer_id``, ``date`` and ``amount``, as returned by
        :func:`crmlib.read_transactions`. Purchases are the rows
        :func:`crmlib.conventions.purchase_mask` selects (the rule of every area); a
        return or cancellation kept by the read policy (negative amount) is not a
        purchase, before or in the window.
    observation_end : date-like
        Last day of history, inclusive (a date-only value includes its whole day).
    horizon : str or Timedelta
        Length of the window after ``observation_end`` with its unit: ``"90D"``,
        ``"13W"``, ``"3M"`` or a Timedelta. A bare number is refused (days? weeks?).
    log_end : date-like, optional
        Last day the log observes, inclusive. Default: the day of the last row in the
        log.

    Returns
    -------
    Series
        ``churned`` (int64, 0/1) indexed by ``customer_id``, sorted.

    Raises
    ------
    DataValidationError
        When the window ends after the end of the observed log (a customer could still
        buy on a day the log has not seen, so the label is not observable), when no
        customer bought by ``observation_end``, or for a bad date or horizon.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-10", "2024-01-20",
    ...                                            "2024-03-30"]),
    ...                    "amount": [10.0, 12.0, 8.0, 5.0]})
    >>> churn_labels(tx, observation_end="2024-01-31", horizon="30D", log_end="2024-03-31").to_dict()
    {'a': 0, 'b': 1}
    """
    func = "churn_labels"
    tx = check_log(transactions, func=func)
    start = end_bound(observation_end, "observation_end")
    span = to_duration(horizon, "horizon")
    seen_until = log_bound(tx, log_end)
    if start + span > seen_until:
        last_day = seen_until - pd.Timedelta(1, "ns")
        raise DataValidationError(
            f"{func}: the churn label is not observable: the window after observation_end "
            f"({start:%Y-%m-%d} to {start + span:%Y-%m-%d}, horizon {span.days} days) ends after "
            f"the last day the log observes, {last_day:%Y-%m-%d}. A customer without a purchase "
            "so far may still buy on a day the log has not seen, so 'churned' would be a guess.",
            column="date",
            suggestion=f"use an earlier observation_end (at most {(seen_until - span - pd.Timedelta(days=1)).floor('D'):%Y-%m-%d} "
            "for this horizon) or a shorter horizon.",
        )
    ids = customers_before(tx, start, func=func)
    buys = purchases(tx)
    in_window = (buys["date"] >= start) & (buys["date"] < start + span)
    returned = pd.Index(buys.loc[in_window, "customer_id"].unique())
    churned = ~ids.isin(returned)
    return pd.Series(churned.astype(np.int64), index=ids, name="churned")

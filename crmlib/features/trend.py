"""Spend trend: each customer's spend in the last window against the window before it.

The one home of the idea: :func:`crmlib.identify.value_quadrant` uses it as a future-value
proxy, and :func:`crmlib.churn.churn_features` as its ``spend_trend`` feature.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_log
from crmlib.conventions import end_bound, purchase_mask, to_date, to_duration
from crmlib.exceptions import DataValidationError

__all__ = ["spend_trend"]

_COLUMNS = ["previous", "recent", "current_value", "trend"]


def spend_trend(
    transactions: pd.DataFrame,
    *,
    observation_end: Any,
    window: str | pd.Timedelta = "182D",
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Purchase spend in the last ``window`` up to ``observation_end`` against the window before.

    With ``E = observation_end`` (inclusive: a date-only value includes its whole day) and
    ``w = window``, the *recent* window holds purchases dated in ``(E - w, E]`` and the
    *previous* window those in ``(E - 2w, E - w]`` (on day boundaries for a date-only
    ``E``). Only purchases count (:func:`crmlib.conventions.purchase_mask`); returns and
    refunds do not, and rows after ``E`` are never read.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        Validated log (``customer_id``, ``date``, ``amount``), e.g. from
        :func:`crmlib.read_transactions`.
    observation_end : date-like
        Last day of history used, inclusive (``"2011-12-09"``).
    window : str or Timedelta, default "182D"
        Length of each window, with its unit: ``"182D"``, ``"26W"``, ``"6M"`` or a
        Timedelta. A bare number is refused (days, weeks or months?).
    allow_empty : bool, default False
        Return an empty table, instead of refusing, when no purchase falls in the two
        windows (for callers that reindex the result to their own customers).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``, one row per customer with a purchase in either
        window: ``previous`` (spend in the previous window), ``recent`` (spend in the
        recent window), ``current_value`` (``previous + recent``) and ``trend``
        (``(recent - previous) / (recent + previous)``: -1 = nothing in the recent
        window, +1 = nothing in the previous window (a *new* customer, not a growing
        one), 0 = steady, and 0 when both windows hold only zero-amount purchases).
        ``attrs`` hold ``measure="spend_trend"``, ``observation_end`` and ``window``.

    Raises
    ------
    DataValidationError
        A malformed log, a bad date or window, or (unless ``allow_empty``) no purchase
        in the two windows.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-15", "2024-03-15", "2024-01-20"]),
    ...                    "amount": [10.0, 30.0, 8.0]})
    >>> spend_trend(tx, observation_end="2024-03-31", window="60D")["trend"].tolist()
    [0.5, -1.0]
    """
    func = "spend_trend"
    tx = check_log(transactions, func=func)
    end_ts = to_date(observation_end, "observation_end")
    bound = end_bound(observation_end, "observation_end")
    w = to_duration(window, "window")
    mid, start = bound - w, bound - 2 * w
    dates = tx["date"]
    sel = tx.loc[purchase_mask(tx["amount"]) & (dates >= start) & (dates < bound), ["customer_id", "date", "amount"]]
    if len(sel) == 0 and not allow_empty:
        raise DataValidationError(
            f"{func}: no purchase between {start:%Y-%m-%d} and observation_end {end_ts:%Y-%m-%d} "
            f"(two windows of {w.days} days); the log runs from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}.",
            column="date",
            suggestion="choose an observation_end inside the log, or a longer window, e.g. window='365D'.",
        )
    recent = (sel["date"] >= mid).to_numpy()
    amount = sel["amount"].to_numpy(dtype="float64")
    ids = sel["customer_id"].to_numpy()
    table = pd.DataFrame(
        {
            "previous": pd.Series(np.where(recent, 0.0, amount), index=ids).groupby(level=0).sum(),
            "recent": pd.Series(np.where(recent, amount, 0.0), index=ids).groupby(level=0).sum(),
        }
    ) if len(sel) else pd.DataFrame({"previous": [], "recent": []}, dtype="float64")
    table.index.name = "customer_id"
    table["current_value"] = table["previous"] + table["recent"]
    both = table["current_value"].to_numpy()
    diff = (table["recent"] - table["previous"]).to_numpy()
    # only zero-amount purchases in both windows: no change, so a steady 0 (not 0/0)
    table["trend"] = np.divide(diff, both, out=np.zeros_like(diff), where=both > 0)
    table = table[_COLUMNS]
    table.attrs.update({"measure": "spend_trend", "observation_end": end_ts, "window": w})
    return table

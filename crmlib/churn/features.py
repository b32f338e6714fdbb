"""Churn features as of ``observation_end``, built only from rows up to that day.

Everything a model may know at ``observation_end`` (inclusive) is in the rows dated on or
before it; using a later row would be leakage (数据泄漏): the model would look good in
testing and fail in use. :func:`churn_features` drops every later row before computing
anything, and the tests prove it by rewriting the future and checking that nothing moves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlib.checks import check_log
from crmlib.churn._common import ONE_DAY, customers_before, purchases
from crmlib.churn.labels import churn_labels
from crmlib.conventions import end_bound, to_duration
from crmlib.exceptions import DataValidationError
from crmlib.features import rfm_summary, spend_trend

__all__ = ["FEATURE_COLUMNS", "FEATURE_DESCRIPTIONS", "churn_dataset", "churn_features"]

#: What each feature means. Times are in days, measured on calendar days up to the day of
#: ``observation_end`` (a purchase on that day has ``days_since_last == 0``).
FEATURE_DESCRIPTIONS: dict[str, str] = {
    "days_since_last": "days from the last purchase day to observation_end (RFM recency)",
    "frequency": "repeat purchase days (distinct purchase days minus 1; BG/NBD's x)",
    "active_span_days": "days from the first to the last purchase day (BG/NBD's t_x)",
    "tenure_days": "days from the first purchase day to observation_end (BG/NBD's T)",
    "total_spend": "sum of purchase amounts up to observation_end",
    "avg_spend": "mean spend per purchase day",
    "spend_last_window": "spend in the last window_days up to observation_end",
    "spend_trend": "(last window - previous window) / (last + previous), in [-1, 1]; 0 if both are 0",
    "mean_gap_days": "mean days between successive purchase days (NaN for one-time buyers)",
    "last_gap_days": "days between the last two purchase days (NaN for one-time buyers)",
    "gap_ratio": "days_since_last / mean_gap_days: how overdue against the customer's own rhythm",
    "return_rate": "value returned or cancelled / value bought, clipped to [0, 1]",
}
#: The columns :func:`churn_features` returns, in order.
FEATURE_COLUMNS: list[str] = list(FEATURE_DESCRIPTIONS)


def churn_features(
    transactions: pd.DataFrame,
    observation_end: Any,
    *,
    window_days: int | float | str | pd.Timedelta = 90,
) -> pd.DataFrame:
    """Per-customer features as of ``observation_end``, from rows dated up to that day.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        A log with ``customer_id``, ``date`` and ``amount``, as returned by
        :func:`crmlib.read_transactions`. Purchases are the rows
        :func:`crmlib.conventions.purchase_mask` selects (the rule of every area).
        Returns and cancellations (negative amounts) only feed ``return_rate``; read the
        raw data with ``policy={"return": "keep", "cancellation": "keep"}`` to keep them,
        otherwise ``return_rate`` is 0 for everyone.
    observation_end : date-like
        The "as of" date, inclusive (a date-only value includes its whole day). Later
        rows are ignored.
    window_days : int, float, str or Timedelta, default 90
        Length of the two windows compared by ``spend_trend`` (the last ``window_days``
        up to ``observation_end`` against the ``window_days`` before those); a number
        (or numeric text, ``"90"``) is a number of days.

    Returns
    -------
    DataFrame
        One row per customer with at least one purchase by ``observation_end``, indexed by
        ``customer_id`` (sorted), with the columns :data:`FEATURE_COLUMNS` (see
        :data:`FEATURE_DESCRIPTIONS`). ``mean_gap_days``, ``last_gap_days`` and
        ``gap_ratio`` are NaN for customers with a single purchase day; the models of
        :func:`crmlib.churn.make_churn_model` handle that.

    Raises
    ------
    DataValidationError
        Malformed log, a bad date or window, or no purchase by ``observation_end``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-31",
    ...                                            "2024-02-20"]),
    ...                    "amount": [10.0, 20.0, 30.0, 99.0]})
    >>> f = churn_features(tx, observation_end="2024-02-09")
    >>> f.loc["a", ["days_since_last", "frequency", "tenure_days", "mean_gap_days"]].tolist()
    [9.0, 2.0, 39.0, 15.0]
    >>> list(f.index)  # b first buys after observation_end
    ['a']
    """
    func = "churn_features"
    tx = check_log(transactions, func=func)
    start = end_bound(observation_end, "observation_end")
    # the unit is in the name: 90, 90.0 and "90" all mean 90 days
    window = to_duration(window_days, "window_days", unit="D")

    # The only place the log is touched: everything below sees the past alone.
    past = tx.loc[tx["date"] < start, ["customer_id", "date", "amount"]]
    ids = customers_before(past if len(past) else tx, start, func=func)
    buys = purchases(past)
    back = past.loc[past["amount"].to_numpy() < 0]

    # Last day the features may see: the day of observation_end.
    last_day = (start - pd.Timedelta(1, "ns")).normalize()
    rfm = rfm_summary(buys, observation_end=last_day, freq="D", engine="pandas")
    rfm = rfm.reindex(ids)

    out = pd.DataFrame(index=ids)
    out["days_since_last"] = (rfm["T"] - rfm["recency"]).astype("float64")
    out["frequency"] = rfm["frequency"].astype("float64")
    out["active_span_days"] = rfm["recency"].astype("float64")
    out["tenure_days"] = rfm["T"].astype("float64")
    out["total_spend"] = rfm["total_spend"].astype("float64")
    out["avg_spend"] = out["total_spend"] / (out["frequency"] + 1.0)

    # the one spend trend of crmlib; customers with no purchase in either window get 0
    trend = spend_trend(buys, observation_end=observation_end, window=window, allow_empty=True)
    out["spend_last_window"] = trend["recent"].reindex(ids, fill_value=0.0)
    out["spend_trend"] = trend["trend"].reindex(ids, fill_value=0.0)

    repeat = out["frequency"] > 0
    out["mean_gap_days"] = (out["active_span_days"] / out["frequency"]).where(repeat)
    out["last_gap_days"] = _last_gap(buys).reindex(ids).where(repeat)
    # a repeat buyer whose purchases all fall on one day cannot exist (frequency counts days),
    # so mean_gap_days > 0 wherever it is defined
    out["gap_ratio"] = out["days_since_last"] / out["mean_gap_days"]

    returned = (-back.groupby("customer_id")["amount"].sum()).reindex(ids, fill_value=0.0)
    gross = buys.groupby("customer_id")["amount"].sum().reindex(ids)
    out["return_rate"] = (returned / gross).clip(0.0, 1.0)

    out = out[FEATURE_COLUMNS]
    out.index.name = "customer_id"
    return out


def _last_gap(buys: pd.DataFrame) -> pd.Series:
    days = (
        pd.DataFrame({"customer_id": buys["customer_id"], "day": buys["date"].dt.floor("D")})
        .drop_duplicates()
        .sort_values(["customer_id", "day"], kind="stable")
    )
    gaps = days.groupby("customer_id")["day"].diff() / ONE_DAY
    # the last row of each customer holds the gap between their last two purchase days
    return gaps.groupby(days["customer_id"]).last().astype("float64")


def churn_dataset(
    transactions: pd.DataFrame,
    observation_end: Any,
    horizon: str | pd.Timedelta,
    *,
    window_days: int | float | str | pd.Timedelta = 90,
    log_end: Any = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features as of ``observation_end`` and the churn label over the ``horizon`` after it.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        The validated log.
    observation_end : date-like
        Inclusive: features use rows up to that day; the label looks at
        (observation_end, observation_end + horizon].
    horizon : str or Timedelta
        Outcome window with its unit (``"90D"``, ``"13W"``, ``"3M"``).
    window_days : int, float, str or Timedelta, default 90
        Passed to :func:`churn_features`.
    log_end : date-like, optional
        Passed to :func:`churn_labels`.

    Returns
    -------
    X : DataFrame
        :func:`churn_features` output.
    y : Series
        :func:`churn_labels` output, aligned with ``X``.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> X, y = churn_dataset(load_cdnow(), observation_end="1997-09-30", horizon="90D")
    >>> len(X) == len(y), round(float(y.mean()), 2)
    (True, 0.83)
    """
    X = churn_features(transactions, observation_end, window_days=window_days)
    y = churn_labels(transactions, observation_end, horizon, log_end=log_end)
    if not X.index.equals(y.index):  # pragma: no cover - both use customers_before
        raise DataValidationError("crmlib bug: features and labels cover different customers.")
    return X, y

"""A time-based train/test split for churn models.

A churn model is used at one date to predict the next months. It must therefore be
judged the same way: trained on customers as of an earlier ``train_end`` (whose outcome
is already known) and tested on customers as of a later ``test_end``. A random split of
customers would let the model learn from the same calendar period it is tested on.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from crmlib.checks import check_log
from crmlib.churn.features import churn_dataset
from crmlib.conventions import end_bound, to_duration
from crmlib.exceptions import DataValidationError

__all__ = ["TimeSplit", "time_split"]


class TimeSplit(NamedTuple):
    """What :func:`time_split` returns; unpacks as ``X_train, y_train, X_test, y_test``."""

    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series


def time_split(
    transactions: pd.DataFrame,
    train_end: Any,
    test_end: Any,
    horizon: str | pd.Timedelta,
    *,
    window_days: int | float | str | pd.Timedelta = 90,
    log_end: Any = None,
) -> TimeSplit:
    """Training data as of ``train_end``, test data as of ``test_end`` (both inclusive).

    The training labels cover (train_end, train_end + horizon]; that window must end by
    ``test_end``, so that every training label was already observable on the day the
    test features are computed (no training outcome comes from the test period). The
    test labels cover (test_end, test_end + horizon], which must lie inside the log.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        The validated log.
    train_end, test_end : date-like
        The two "as of" dates, inclusive: the last day of history each set sees.
    horizon : str or Timedelta
        Churn window with its unit (``"90D"``, ``"13W"``, ``"3M"``).
    window_days : int, float, str or Timedelta, default 90
        Spend-trend window of :func:`crmlib.churn.churn_features`, in days.
    log_end : date-like, optional
        Last day the log observes, inclusive; default its last day.

    Returns
    -------
    TimeSplit
        ``(X_train, y_train, X_test, y_test)``. A customer can be in both sets, with
        features as of each date: that is how the model will be used.

    Raises
    ------
    DataValidationError
        When ``train_end + horizon`` is after ``test_end``, or a test label is not
        observable.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> X_tr, y_tr, X_te, y_te = time_split(load_cdnow(), "1997-06-30", "1997-09-30", horizon="90D")
    >>> len(X_tr) == len(y_tr), len(X_te) == len(y_te)
    (True, True)
    """
    func = "time_split"
    tx = check_log(transactions, func=func)
    train = end_bound(train_end, "train_end")
    test = end_bound(test_end, "test_end")
    span = to_duration(horizon, "horizon")
    if train + span > test:
        raise DataValidationError(
            f"{func}: train_end + horizon ({train_end} + {span.days} days, up to "
            f"{train + span - pd.Timedelta(1, 'ns'):%Y-%m-%d}) is after test_end ({test_end}): the "
            "training labels would use purchases from the test period, so the test would not be "
            "a fair preview of use.",
            column="date",
            suggestion=f"use a train_end no later than {(test - span - pd.Timedelta(days=1)).floor('D'):%Y-%m-%d}, "
            "a later test_end or a shorter horizon.",
        )
    X_train, y_train = churn_dataset(tx, train_end, span, window_days=window_days, log_end=log_end)
    X_test, y_test = churn_dataset(tx, test_end, span, window_days=window_days, log_end=log_end)
    return TimeSplit(X_train, y_train, X_test, y_test)

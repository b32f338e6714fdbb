"""A time-based train/test split for churn models.

A churn model is used at one date to predict the next months. It must therefore be
judged the same way: trained on customers as of an earlier cutoff (whose outcome is
already known) and tested on customers as of a later cutoff. A random split of customers
would let the model learn from the same calendar period it is tested on.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from crmlib.churn._common import as_horizon, as_timestamp, check_log
from crmlib.churn.features import churn_dataset
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
    train_cutoff: str | pd.Timestamp,
    test_cutoff: str | pd.Timestamp,
    horizon: int | str | pd.Timedelta,
    *,
    window_days: int = 90,
    observation_end: str | pd.Timestamp | None = None,
) -> TimeSplit:
    """Training data as of ``train_cutoff``, test data as of ``test_cutoff``.

    The training labels cover ``[train_cutoff, train_cutoff + horizon)``; that window must
    end by ``test_cutoff``, so that every training label was already observable on the
    day the test features are computed (no training outcome comes from the test period).
    The test labels cover ``[test_cutoff, test_cutoff + horizon)``, which must lie inside
    the log.

    Parameters
    ----------
    transactions : DataFrame or Transactions
        The validated log.
    train_cutoff, test_cutoff : date-like
        The two "as of" dates.
    horizon : int, str or Timedelta
        Churn window in days (``90``) or as a duration (``"90D"``).
    window_days : int, default 90
        Spend-trend window of :func:`crmlib.churn.churn_features`.
    observation_end : date-like, optional
        Last day the log observes; default its last day.

    Returns
    -------
    TimeSplit
        ``(X_train, y_train, X_test, y_test)``. A customer can be in both sets, with
        features as of each date: that is how the model will be used.

    Raises
    ------
    DataValidationError
        When ``train_cutoff + horizon > test_cutoff``, or a test label is not observable.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> X_tr, y_tr, X_te, y_te = time_split(load_cdnow(), "1997-07-01", "1997-10-01", horizon=90)
    >>> len(X_tr) == len(y_tr), len(X_te) == len(y_te)
    (True, True)
    """
    tx = check_log(transactions)
    train = as_timestamp(train_cutoff, "train_cutoff")
    test = as_timestamp(test_cutoff, "test_cutoff")
    span = as_horizon(horizon)
    if train + span > test:
        raise DataValidationError(
            f"train_cutoff + horizon ({train:%Y-%m-%d} + {span.days} days = "
            f"{train + span:%Y-%m-%d}) is after test_cutoff ({test:%Y-%m-%d}): the training "
            "labels would use purchases from the test period, so the test would not be a "
            "fair preview of use.",
            column="date",
            suggestion=f"use a train_cutoff no later than {test - span:%Y-%m-%d}, a later "
            "test_cutoff or a shorter horizon.",
        )
    X_train, y_train = churn_dataset(
        tx, train, span, window_days=window_days, observation_end=observation_end
    )
    X_test, y_test = churn_dataset(tx, test, span, window_days=window_days, observation_end=observation_end)
    return TimeSplit(X_train, y_train, X_test, y_test)

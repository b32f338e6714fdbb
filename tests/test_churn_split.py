"""time_split: training labels end before test features begin."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import TimeSplit, churn_features, churn_labels, time_split


def test_split_pieces_are_features_and_labels_at_each_cutoff(cdnow_sample):
    split = time_split(cdnow_sample, "1997-07-01", "1997-10-01", 90)
    assert isinstance(split, TimeSplit)
    X_tr, y_tr, X_te, y_te = split
    pd.testing.assert_frame_equal(X_tr, churn_features(cdnow_sample, "1997-07-01"))
    pd.testing.assert_series_equal(y_tr, churn_labels(cdnow_sample, "1997-07-01", 90))
    pd.testing.assert_frame_equal(X_te, churn_features(cdnow_sample, "1997-10-01"))
    pd.testing.assert_series_equal(y_te, churn_labels(cdnow_sample, "1997-10-01", 90))
    assert X_tr.index.equals(y_tr.index) and X_te.index.equals(y_te.index)


def test_training_data_ignore_everything_from_the_test_cutoff_on(cdnow_sample):
    """Whatever happens on or after test_cutoff cannot change the training data."""
    test_cutoff = pd.Timestamp("1997-10-01")
    a = time_split(cdnow_sample, "1997-07-01", test_cutoff, 90)
    changed = cdnow_sample.copy()
    later = changed["date"] >= test_cutoff
    changed.loc[later, "amount"] *= 100
    changed.loc[later, "customer_id"] = changed.loc[later, "customer_id"].iloc[::-1].to_numpy()
    b = time_split(changed, "1997-07-01", test_cutoff, 90)
    pd.testing.assert_frame_equal(a.X_train, b.X_train)
    pd.testing.assert_series_equal(a.y_train, b.y_train)
    assert not a.y_test.equals(b.y_test)  # the test labels do see the change


def test_training_window_must_end_by_the_test_cutoff(cdnow_sample):
    time_split(cdnow_sample, "1997-07-03", "1997-10-01", 90)  # 07-03 + 90 d = 10-01: allowed
    with pytest.raises(DataValidationError, match="train_cutoff \\+ horizon") as err:
        time_split(cdnow_sample, "1997-07-04", "1997-10-01", 90)
    assert "1997-07-03" in str(err.value)  # the suggestion names the latest valid cutoff


def test_test_labels_must_be_observable(cdnow_sample):
    with pytest.raises(DataValidationError, match="not observable"):
        time_split(cdnow_sample, "1998-01-01", "1998-05-01", 90)


def test_horizon_as_string(cdnow_sample):
    a = time_split(cdnow_sample, "1997-07-01", "1997-10-01", 90)
    b = time_split(cdnow_sample, "1997-07-01", "1997-10-01", "90D")
    pd.testing.assert_series_equal(a.y_test, b.y_test)

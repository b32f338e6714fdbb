"""time_split: training labels end before test features begin; inclusive *_end dates."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import TimeSplit, churn_features, churn_labels, time_split


def test_split_pieces_are_features_and_labels_at_each_end(cdnow_sample):
    split = time_split(cdnow_sample, "1997-06-30", "1997-09-30", "90D")
    assert isinstance(split, TimeSplit)
    X_tr, y_tr, X_te, y_te = split
    pd.testing.assert_frame_equal(X_tr, churn_features(cdnow_sample, "1997-06-30"))
    pd.testing.assert_series_equal(y_tr, churn_labels(cdnow_sample, "1997-06-30", "90D"))
    pd.testing.assert_frame_equal(X_te, churn_features(cdnow_sample, "1997-09-30"))
    pd.testing.assert_series_equal(y_te, churn_labels(cdnow_sample, "1997-09-30", "90D"))
    assert X_tr.index.equals(y_tr.index) and X_te.index.equals(y_te.index)


def test_training_data_ignore_everything_after_test_end(cdnow_sample):
    """Whatever happens after test_end cannot change the training data."""
    a = time_split(cdnow_sample, "1997-06-30", "1997-09-30", "90D")
    changed = cdnow_sample.copy()
    later = changed["date"] >= pd.Timestamp("1997-10-01")
    changed.loc[later, "amount"] *= 100
    changed.loc[later, "customer_id"] = changed.loc[later, "customer_id"].iloc[::-1].to_numpy()
    b = time_split(changed, "1997-06-30", "1997-09-30", "90D")
    pd.testing.assert_frame_equal(a.X_train, b.X_train)
    pd.testing.assert_series_equal(a.y_train, b.y_train)
    assert not a.y_test.equals(b.y_test)  # the test labels do see the change


def test_training_window_must_end_by_test_end(cdnow_sample):
    time_split(cdnow_sample, "1997-07-02", "1997-09-30", "90D")  # window ends on 09-30: allowed
    with pytest.raises(DataValidationError, match="train_end \\+ horizon") as err:
        time_split(cdnow_sample, "1997-07-03", "1997-09-30", "90D")
    assert "1997-07-02" in str(err.value)  # the suggestion names the latest valid train_end


def test_test_labels_must_be_observable(cdnow_sample):
    with pytest.raises(DataValidationError, match="not observable"):
        time_split(cdnow_sample, "1997-12-31", "1998-04-30", "90D")


def test_horizon_forms(cdnow_sample):
    a = time_split(cdnow_sample, "1997-06-30", "1997-09-30", "90D")
    b = time_split(cdnow_sample, "1997-06-30", "1997-09-30", pd.Timedelta(days=90))
    pd.testing.assert_series_equal(a.y_test, b.y_test)
    with pytest.raises(DataValidationError, match="no unit"):
        time_split(cdnow_sample, "1997-06-30", "1997-09-30", 90)


@pytest.mark.parametrize("bad", ["1997-06-31", "06/07/1997", 19970630])
def test_bad_dates_are_validation_errors(cdnow_sample, bad):
    with pytest.raises(DataValidationError, match="train_end"):
        time_split(cdnow_sample, bad, "1997-09-30", "90D")

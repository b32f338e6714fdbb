"""churn_labels: who is labelled churned, and when the label is not observable."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError, datasets, read_transactions
from crmlib.churn import churn_labels
from crmlib.validation import ONLINE_RETAIL_COLUMNS


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(
        date=lambda d: pd.to_datetime(d["date"], format="ISO8601")
    )


@pytest.fixture
def log():
    return _log(
        [
            ("stays", "2024-01-10", 10.0),
            ("stays", "2024-02-15", 5.0),  # inside [2024-02-01, 2024-03-02)
            ("at_cutoff", "2024-01-05", 10.0),
            ("at_cutoff", "2024-02-01 00:00", 7.0),  # exactly at the cutoff: in the window
            ("at_end", "2024-01-20", 10.0),
            ("at_end", "2024-03-02", 9.0),  # cutoff + 30 days: outside the window
            ("only_returns", "2024-01-03", 20.0),
            ("only_returns", "2024-02-10", -20.0),  # a return is not a purchase
            ("newcomer", "2024-02-05", 4.0),  # first purchase after the cutoff
            ("zero", "2024-01-15", 0.0),  # a zero line does not make a customer
            ("late", "2024-03-31", 1.0),
        ]
    )


def test_labels_by_hand(log):
    y = churn_labels(log, cutoff="2024-02-01", horizon=30)
    assert y.to_dict() == {"at_cutoff": 0, "at_end": 1, "only_returns": 1, "stays": 0}
    assert y.name == "churned" and y.index.name == "customer_id"
    assert str(y.dtype) == "int64"
    assert list(y.index) == sorted(y.index)


def test_horizon_forms_agree(log):
    a = churn_labels(log, "2024-02-01", 30)
    for h in ("30D", "30 days", pd.Timedelta(days=30), 30.0):
        pd.testing.assert_series_equal(churn_labels(log, "2024-02-01", h), a)


def test_unobservable_window_raises_with_explanation(log):
    # the log ends 2024-03-31: a window ending 2024-04-01 is fully seen, one day more is not
    churn_labels(log, "2024-03-02", 30)
    with pytest.raises(DataValidationError, match="not observable") as err:
        churn_labels(log, "2024-03-03", 30)
    msg = str(err.value)
    assert "2024-03-31" in msg and "Suggestion:" in msg and "2024-03-02" in msg


def test_observation_end_extends_what_is_observed(log):
    y = churn_labels(log, "2024-03-10", 30, observation_end="2024-04-30")
    assert "late" not in y.index and y.eq(1).all()
    with pytest.raises(DataValidationError, match="not observable"):
        churn_labels(log, "2024-04-10", 30, observation_end="2024-04-30")


def test_no_customer_before_cutoff(log):
    with pytest.raises(DataValidationError, match="No customer has a purchase before"):
        churn_labels(log, "2023-12-01", 30)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"cutoff": "not a date", "horizon": 30}, "not a date"),
        ({"cutoff": "2024-02-01", "horizon": -5}, "must be positive"),
        ({"cutoff": "2024-02-01", "horizon": "soon"}, "not a duration"),
        ({"cutoff": "2024-02-01", "horizon": True}, "not a duration"),
        ({"cutoff": None, "horizon": 30}, "cutoff is required"),
    ],
)
def test_bad_arguments(log, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        churn_labels(log, **kwargs)


def test_bad_logs(log):
    with pytest.raises(DataValidationError, match="Column 'amount' not found"):
        churn_labels(log.drop(columns="amount"), "2024-02-01", 30)
    with pytest.raises(DataValidationError, match="Expected a transaction DataFrame"):
        churn_labels([1, 2, 3], "2024-02-01", 30)
    with pytest.raises(DataValidationError, match="naive datetime64"):
        churn_labels(log.assign(date=log["date"].astype(str)), "2024-02-01", 30)
    with pytest.raises(DataValidationError, match="missing customer_id, date or amount"):
        churn_labels(log.assign(amount=log["amount"].where(log.index != 0)), "2024-02-01", 30)


def test_accepts_read_transactions_result():
    raw = pd.DataFrame(
        {"cust": ["a", "a", "b"], "day": ["2024-01-02", "2024-02-09", "2024-01-03"], "value": [10, 12, 7]}
    )
    result = read_transactions(raw, customer="cust", date="day", amount="value")
    assert churn_labels(result, "2024-02-01", 9).to_dict() == {"a": 0, "b": 1}


@requires_data("online_retail")
def test_online_retail_labels():
    tx, _ = read_transactions(datasets.load_online_retail(), **ONLINE_RETAIL_COLUMNS)
    y = churn_labels(tx, "2011-09-01", 90)
    # every customer with a purchase before the cutoff, and no one else
    assert len(y) == tx.loc[tx["date"] < "2011-09-01", "customer_id"].nunique()
    assert 0.3 < y.mean() < 0.6
    # the log ends on 2011-12-09: the 90-day window [2011-09-11, 2011-12-10) ends with it
    churn_labels(tx, "2011-09-11", 90)
    with pytest.raises(DataValidationError, match="2011-12-09"):
        churn_labels(tx, "2011-09-12", 90)

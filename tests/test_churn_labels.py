"""churn_labels: who is labelled churned, and when the label is not observable."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError, datasets, read_transactions
from crmlib.churn import churn_labels
from crmlib.datasets import ONLINE_RETAIL_COLUMNS


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
            ("zero", "2024-01-15", 0.0),  # a zero line kept by policy is a purchase (purchase_mask)
            ("late", "2024-03-31", 1.0),
        ]
    )


def test_labels_by_hand(log):
    y = churn_labels(log, observation_end="2024-01-31", horizon="30D")
    assert y.to_dict() == {"at_cutoff": 0, "at_end": 1, "only_returns": 1, "stays": 0, "zero": 1}
    assert y.name == "churned" and y.index.name == "customer_id"
    assert str(y.dtype) == "int64"
    assert list(y.index) == sorted(y.index)


def test_observation_end_is_inclusive(log):
    """A purchase during the day of observation_end is history, not the window."""
    y = churn_labels(log, "2024-02-01", "30D")
    assert "at_cutoff" in y.index and y["at_cutoff"] == 1  # its 2024-02-01 buy is history now
    assert "newcomer" not in y.index
    # a time of day includes that instant: 2024-02-01 00:00 is history
    assert churn_labels(log, "2024-02-01 00:00", "30D")["at_cutoff"] == 1


def test_horizon_forms_agree(log):
    a = churn_labels(log, "2024-01-31", "30D")
    for h in ("30 days", pd.Timedelta(days=30), " 30d "):
        pd.testing.assert_series_equal(churn_labels(log, "2024-01-31", h), a)


@pytest.mark.parametrize("horizon", ["30", 30, 30.0, "30m"])
def test_horizon_without_unit_is_refused(log, horizon):
    """At HEAD, horizon="30" was read as 30 nanoseconds and labelled every customer churned."""
    with pytest.raises(DataValidationError, match="horizon") as err:
        churn_labels(log, "2024-01-31", horizon)
    assert "Suggestion:" in str(err.value)


def test_huge_horizon_is_a_validation_error(log):
    for h in ("400000D", pd.Timedelta(days=100_000)):
        with pytest.raises(DataValidationError, match="century"):
            churn_labels(log, "2024-01-31", h)


def test_unobservable_window_raises_with_explanation(log):
    # the log ends 2024-03-31: a window ending on 2024-03-31 is fully seen, one day more is not
    churn_labels(log, "2024-03-01", "30D")
    with pytest.raises(DataValidationError, match="not observable") as err:
        churn_labels(log, "2024-03-02", "30D")
    msg = str(err.value)
    assert "2024-03-31" in msg and "Suggestion:" in msg and "2024-03-01" in msg


def test_log_end_extends_what_is_observed(log):
    y = churn_labels(log, "2024-03-09", "30D", log_end="2024-04-30")
    assert "late" not in y.index and y.eq(1).all()
    with pytest.raises(DataValidationError, match="not observable"):
        churn_labels(log, "2024-04-09", "30D", log_end="2024-04-30")


def test_no_customer_before_observation_end(log):
    with pytest.raises(DataValidationError, match="no customer has a purchase on or before"):
        churn_labels(log, "2023-11-30", "30D")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"observation_end": "not a date", "horizon": "30D"}, "not a valid date"),
        ({"observation_end": "2024-06-31", "horizon": "30D"}, "not a valid date"),
        ({"observation_end": "02/03/2024", "horizon": "30D"}, "ambiguous"),
        ({"observation_end": 20240131, "horizon": "30D"}, "is a number, not a date"),
        ({"observation_end": "2024-01-31", "horizon": "-5D"}, "not a duration|positive"),
        ({"observation_end": "2024-01-31", "horizon": "soon"}, "not a duration"),
        ({"observation_end": "2024-01-31", "horizon": True}, "not a duration"),
        ({"observation_end": None, "horizon": "30D"}, "observation_end is missing"),
    ],
)
def test_bad_arguments(log, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        churn_labels(log, **kwargs)


def test_bad_logs(log):
    with pytest.raises(DataValidationError, match="column 'amount' not found") as err:
        churn_labels(log.drop(columns="amount"), "2024-01-31", "30D")
    assert "churn_labels" in str(err.value)
    with pytest.raises(DataValidationError, match="churn_labels expects a pandas DataFrame"):
        churn_labels([1, 2, 3], "2024-01-31", "30D")
    with pytest.raises(DataValidationError, match="naive datetime64"):
        churn_labels(log.assign(date=log["date"].astype(str)), "2024-01-31", "30D")
    with pytest.raises(DataValidationError, match="missing customer_id, date or amount"):
        churn_labels(log.assign(amount=log["amount"].where(log.index != 0)), "2024-01-31", "30D")
    with pytest.raises(DataValidationError, match="duplicated column"):
        churn_labels(pd.concat([log, log[["amount"]]], axis=1), "2024-01-31", "30D")


def test_a_return_kept_by_policy_is_not_a_purchase():
    """read_transactions(policy keep) keeps a return as a negative line: it neither makes a
    customer nor keeps one alive, as in rfm_summary and purchase_mask."""
    raw = pd.DataFrame(
        {"cust": ["a", "a", "b", "b"], "day": ["2024-01-02", "2024-02-09", "2024-01-03", "2024-02-05"],
         "value": [10.0, 12.0, 7.0, -7.0]}
    )
    result = read_transactions(raw, customer="cust", date="day", amount="value",
                               policy={"negative_amount": "keep"})
    assert (result.transactions["amount"] < 0).sum() == 1
    assert churn_labels(result, "2024-01-31", "9D").to_dict() == {"a": 0, "b": 1}


def test_accepts_read_transactions_result():
    raw = pd.DataFrame(
        {"cust": ["a", "a", "b"], "day": ["2024-01-02", "2024-02-09", "2024-01-03"], "value": [10, 12, 7]}
    )
    result = read_transactions(raw, customer="cust", date="day", amount="value")
    assert churn_labels(result, "2024-01-31", "9D").to_dict() == {"a": 0, "b": 1}


@requires_data("online_retail")
def test_online_retail_labels():
    tx, _ = read_transactions(datasets.load_online_retail(), **ONLINE_RETAIL_COLUMNS)
    y = churn_labels(tx, "2011-08-31", "90D")
    # every customer with a purchase by observation_end, and no one else
    assert len(y) == tx.loc[(tx["date"] < "2011-09-01") & (tx["amount"] > 0), "customer_id"].nunique()
    assert 0.3 < y.mean() < 0.6
    # the log ends on 2011-12-09: the 90-day window (2011-09-10, 2011-12-09] ends with it
    churn_labels(tx, "2011-09-10", "90D")
    with pytest.raises(DataValidationError, match="2011-12-09"):
        churn_labels(tx, "2011-09-11", "90D")

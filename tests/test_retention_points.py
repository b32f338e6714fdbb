"""The points rules (积分计划) on hand-built customers: earning, the reset on an unpaid
bill, the liability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.retention import (
    PointsRules,
    bills_from_log,
    points_ledger,
    points_liability,
    points_summary,
    snapshot_points,
)


def _bills():
    # A pays every bill; B misses the second; C joins late with one small bill.
    return pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "B", "B", "C"],
        "period": [1, 2, 3, 1, 2, 3, 3],
        "amount": [59.0, 60.0, 20.0, 59.0, 60.0, 20.0, 9.99],
        "paid": [True, True, True, True, False, True, True],
    })


def test_earning_by_hand():
    # 1 point a month + floor(bill / 10): 59 -> 1 + 5, 60 -> 1 + 6, 20 -> 1 + 2, 9.99 -> 1 + 0
    s = points_summary(points_ledger(_bills()))
    assert s.loc["A", "earned"] == 6 + 7 + 3
    assert s.loc["A", "balance"] == 16
    assert s.loc["C", "balance"] == 1
    assert s.loc["A", "resets"] == 0


def test_unpaid_bill_resets_to_zero():
    ledger = points_ledger(_bills())
    b = ledger[ledger["customer_id"] == "B"]
    assert b["earned"].tolist() == [6.0, 0.0, 3.0]  # the unpaid month earns nothing
    assert b["reset"].tolist() == [False, True, False]
    assert b["balance"].tolist() == [6.0, 0.0, 3.0]  # wiped, then earning restarts
    s = points_summary(ledger)
    assert s.loc["B", "lost_to_resets"] == 6.0
    assert s.loc["B", "resets"] == 1


def test_no_reset_rule_keeps_the_balance():
    s = points_summary(points_ledger(_bills(), PointsRules(reset_on_unpaid=False)))
    assert s.loc["B", "balance"] == 6 + 3
    assert s.loc["B", "resets"] == 0


def test_rules_are_parameters():
    rules = PointsRules(points_per_month=2, currency_per_point=20)
    s = points_summary(points_ledger(_bills(), rules))
    # 59 -> 2 + 2, 60 -> 2 + 3, 20 -> 2 + 1
    assert s.loc["A", "balance"] == 4 + 5 + 3


def test_ledger_sorts_periods_within_customer():
    shuffled = _bills().sample(frac=1.0, random_state=3)
    ledger = points_ledger(shuffled)
    b = ledger[ledger["customer_id"] == "B"]
    assert b["period"].tolist() == [1, 2, 3]
    assert b["balance"].tolist() == [6.0, 0.0, 3.0]


def test_missing_paid_column_assumes_paid_and_says_so():
    ledger = points_ledger(_bills().drop(columns="paid"))
    assert ledger.attrs["paid_assumed"] is True
    assert points_summary(ledger).loc["B", "balance"] == 16


def test_snapshot_matches_ledger_when_every_bill_is_paid():
    tenure, charge = 7, 83.4
    bills = pd.DataFrame({"customer_id": "X", "period": range(tenure), "amount": charge})
    assert points_summary(points_ledger(bills)).loc["X", "balance"] == snapshot_points([tenure], [charge])[0]


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda b: b.assign(amount=b["amount"].where(b.index != 1, -5.0)), "negative"),
        (lambda b: pd.concat([b, b.head(1)]), "share a customer and period"),
        (lambda b: b.assign(paid=b["paid"].astype(str).where(b.index != 2, "maybe")), "True/False"),
        (lambda b: b.drop(columns="amount"), "amount"),
    ],
)
def test_bad_bills_are_refused(change, match):
    with pytest.raises(DataValidationError, match=match):
        points_ledger(change(_bills()))


def test_bad_rules_are_refused():
    with pytest.raises(DataValidationError, match="currency_per_point"):
        PointsRules(currency_per_point=0)
    with pytest.raises(DataValidationError, match="reset_on_unpaid"):
        PointsRules(reset_on_unpaid="yes")


def test_bills_from_log_counts_every_month_of_tenure():
    tx = pd.DataFrame({
        "customer_id": [1, 1, 1, 2],
        "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02", "2024-03-31"]),
        "amount": [25.0, -5.0, 30.0, 12.0],
    })
    bills = bills_from_log(tx)
    one = bills[bills["customer_id"] == 1]
    assert one["amount"].tolist() == [25.0, 0.0, 30.0]  # the return is not spend; February earns tenure only
    assert len(bills[bills["customer_id"] == 2]) == 1
    s = points_summary(points_ledger(bills))
    assert s.loc[1, "balance"] == (1 + 2) + 1 + (1 + 3)


def test_liability_by_hand():
    out = points_liability([120.0, 30.0, 0.0, 50.0], point_value=0.05, redemption_rate=0.7)
    assert out["points"] == 200
    assert out["liability"] == pytest.approx(200 * 0.05 * 0.7)
    with pytest.raises(DataValidationError, match="redemption_rate"):
        points_liability([1.0], point_value=0.05, redemption_rate=1.5)
    with pytest.raises(DataValidationError, match="balances"):
        points_liability([np.nan], point_value=0.05, redemption_rate=0.5)


def test_a_named_paid_column_must_exist():
    with pytest.raises(DataValidationError, match="on_time"):
        points_ledger(_bills(), paid="on_time")


def test_bills_from_log_counts_customers_without_a_purchase():
    tx = pd.DataFrame({
        "customer_id": [1, 2],
        "date": pd.to_datetime(["2024-01-05", "2024-01-06"]),
        "amount": [25.0, -5.0],  # customer 2 only returned something
    })
    bills = bills_from_log(tx)
    assert set(bills["customer_id"]) == {1}
    assert bills.attrs["customers_without_purchase"] == 1

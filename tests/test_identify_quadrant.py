"""Value / potential / declining customers, the spend trend, and customer types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.features import rfm_summary, spend_trend
from crmlib.identify import customer_type, quadrant_profile, value_quadrant


def _log() -> pd.DataFrame:
    rows = [
        ("grow", "2024-02-01", 10.0), ("grow", "2024-05-01", 90.0),  # previous 10, recent 90
        ("fade", "2024-01-15", 80.0), ("fade", "2024-04-20", 20.0),  # previous 80, recent 20
        ("new", "2024-05-20", 300.0),  # recent only: trend +1
        ("new2", "2024-06-01", 5.0),  # recent only, small
        ("gone", "2024-02-10", 40.0),  # previous only: trend -1
        ("old", "2023-01-01", 500.0),  # before both windows
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_customers_without_earlier_spend_are_new_not_potential():
    # issue 9: on HEAD, a trend of +1 (no previous-window spend) made a customer "potential"
    trend = spend_trend(_log(), observation_end="2024-06-29", window="90D")
    q = value_quadrant(trend)
    assert q.loc["new", "quadrant"] == "new" and q.loc["new2", "quadrant"] == "new"
    assert q.loc["new", "quadrant_zh"] == "新客户"
    assert "potential" not in set(q["quadrant"].astype(str))
    # thresholds come from the customers with a trend (grow 100, fade 100, gone 40): median 100, trend 0
    assert q.attrs["current_threshold"] == 100.0 and q.attrs["future_threshold"] == 0.0
    assert q.attrs["future_measure"] == "spend_trend" and q.attrs["new_customers"] == 2
    assert q.loc[["grow", "fade", "gone"], "quadrant"].astype(str).tolist() == ["value", "declining", "low_value"]
    prof = quadrant_profile(q)
    assert prof.loc["new", "customers"] == 2 and prof["customers"].sum() == len(q)
    # the same through two Series and new=
    q2 = value_quadrant(trend["current_value"], trend["trend"], new=trend["previous"] == 0, future_threshold=0)
    assert (q2["quadrant"] == q["quadrant"]).all()


def test_trend_without_its_table_is_refused():
    trend = spend_trend(_log(), observation_end="2024-06-29", window="90D")
    with pytest.raises(DataValidationError, match="would be called 'potential'"):
        value_quadrant(trend["current_value"], trend["trend"], future_threshold=0)
    with pytest.raises(DataValidationError, match="boolean Series"):
        value_quadrant(trend["current_value"], trend["trend"], new=trend["previous"])
    with pytest.raises(DataValidationError, match="future value is missing"):
        value_quadrant(trend["current_value"])


def test_quadrant_labels_and_thresholds():
    cur = pd.Series([100.0, 5.0, 90.0, 2.0, 50.0], index=list("abcde"))
    fut = pd.Series([0.5, 0.8, -0.9, -0.5, 0.0], index=list("abcde"))
    q = value_quadrant(cur, fut, future_threshold=0)
    assert q["quadrant"].astype(str).tolist() == ["value", "potential", "declining", "low_value", "value"]
    assert q["quadrant_zh"].tolist()[:3] == ["价值客户", "潜力客户", "失效客户"]
    assert q.attrs["current_threshold"] == 50.0  # the median, inclusive
    q2 = value_quadrant(cur, fut, current_threshold=95, future_threshold=0.6)
    assert q2["quadrant"].astype(str).tolist() == ["declining", "potential", "low_value", "low_value", "low_value"]
    prof = quadrant_profile(q)
    assert prof["customers"].sum() == 5 and prof.loc["value", "customers"] == 2
    assert prof["share_current_value"].sum() == pytest.approx(1.0)
    assert prof.loc["potential", "label"] == "potential 潜力客户"


def test_quadrant_aligns_by_customer_and_rejects_mismatch():
    cur = pd.Series([100.0, 5.0], index=["a", "b"])
    fut = pd.Series([0.1, 0.9], index=["b", "a"])
    q = value_quadrant(cur, fut, current_threshold=50, future_threshold=0.5)
    assert q.loc["a", "future_value"] == 0.9 and q.loc["a", "quadrant"] == "value"
    with pytest.raises(DataValidationError, match="different customers: 1 only in current"):
        value_quadrant(cur, pd.Series([0.1, 0.2], index=["a", "z"]))
    with pytest.raises(DataValidationError, match="missing or infinite"):
        value_quadrant(cur, pd.Series([np.nan, 0.2], index=["a", "b"]))
    with pytest.raises(DataValidationError, match="empty"):
        value_quadrant(cur.iloc[:0], cur.iloc[:0])
    with pytest.raises(DataValidationError, match="'median' or a number"):
        value_quadrant(cur, fut, current_threshold="mean")
    for bad in (float("nan"), True):
        with pytest.raises(DataValidationError, match="future_threshold"):
            value_quadrant(cur, fut, future_threshold=bad)


def test_quadrant_with_clv_like_future_value():
    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(400)]
    cur = pd.Series(rng.lognormal(5, 1, 400), index=ids)
    clv = pd.Series(rng.lognormal(5, 1, 400), index=ids)
    q = value_quadrant(cur, clv)
    # median splits: about a quarter in each quadrant, exactly half high on each axis
    assert (q["current_value"] >= q.attrs["current_threshold"]).sum() == 200
    counts = q["quadrant"].value_counts()
    assert counts.drop("new").between(70, 130).all() and counts["new"] == 0


def test_customer_type(cdnow_sample):
    s = rfm_summary(cdnow_sample, observation_end="1998-06-30")
    ct = customer_type(s)
    assert set(ct["customer_type"]) == {"transaction", "relationship"}
    assert (ct.loc[s["frequency"] == 0, "customer_type_zh"] == "交易型").all()
    assert (ct.loc[s["frequency"] > 0, "customer_type_zh"] == "关系型").all()
    with pytest.raises(DataValidationError, match="min_purchases"):
        customer_type(s, min_purchases=1)
    with pytest.raises(DataValidationError, match="min_purchases"):
        customer_type(s, min_purchases="2")
    with pytest.raises(DataValidationError, match="customer_type: column 'frequency' has 1 missing"):
        customer_type(s.assign(frequency=s["frequency"].astype(float).where(s.index != s.index[0])))
    with pytest.raises(DataValidationError, match="empty"):
        customer_type(s.iloc[:0])

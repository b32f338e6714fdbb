"""Value / potential / declining customers, the spend trend, and customer types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.features import rfm_summary
from crmlib.identify import customer_type, quadrant_profile, spend_trend, value_quadrant


def _log() -> pd.DataFrame:
    rows = [
        ("grow", "2024-02-01", 10.0), ("grow", "2024-05-01", 90.0),  # previous 10, recent 90
        ("fade", "2024-01-15", 80.0), ("fade", "2024-04-20", 20.0),  # previous 80, recent 20
        ("new", "2024-05-20", 30.0),  # recent only
        ("gone", "2024-02-10", 40.0),  # previous only
        ("old", "2023-01-01", 500.0),  # before both windows
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_spend_trend_known_answers():
    t = spend_trend(_log(), "2024-06-30", window_days=90)
    # windows: previous [2024-01-02, 2024-04-01), recent [2024-04-01, 2024-06-30)
    assert set(t.index) == {"grow", "fade", "new", "gone"}
    assert t.loc["grow", ["previous", "recent"]].tolist() == [10.0, 90.0]
    assert t.loc["grow", "trend"] == pytest.approx(0.8)
    assert t.loc["fade", "trend"] == pytest.approx(-0.6)
    assert t.loc["new", "trend"] == 1.0 and t.loc["gone", "trend"] == -1.0
    assert t.loc["fade", "current_value"] == 100.0


def test_spend_trend_ignores_rows_on_or_after_at():
    tx = _log()
    more = pd.concat([tx, pd.DataFrame({"customer_id": ["grow"], "date": [pd.Timestamp("2024-06-30")],
                                        "amount": [1e6]})], ignore_index=True)
    pd.testing.assert_frame_equal(spend_trend(more, "2024-06-30", window_days=90),
                                  spend_trend(tx, "2024-06-30", window_days=90))
    with pytest.raises(DataValidationError, match="No purchase between"):
        spend_trend(tx, "2030-01-01", window_days=30)
    with pytest.raises(DataValidationError, match="window_days"):
        spend_trend(tx, "2024-06-30", window_days=0)


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


def test_quadrant_with_clv_like_future_value():
    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(400)]
    cur = pd.Series(rng.lognormal(5, 1, 400), index=ids)
    clv = pd.Series(rng.lognormal(5, 1, 400), index=ids)
    q = value_quadrant(cur, clv)
    # median splits: about a quarter in each quadrant, exactly half high on each axis
    assert (q["current_value"] >= q.attrs["current_threshold"]).sum() == 200
    assert q["quadrant"].value_counts().between(70, 130).all()


def test_customer_type(cdnow_sample):
    s = rfm_summary(cdnow_sample, observation_end="1998-06-30")
    ct = customer_type(s)
    assert set(ct["customer_type"]) == {"transaction", "relationship"}
    assert (ct.loc[s["frequency"] == 0, "customer_type_zh"] == "交易型").all()
    assert (ct.loc[s["frequency"] > 0, "customer_type_zh"] == "关系型").all()
    with pytest.raises(DataValidationError, match="min_purchases"):
        customer_type(s, min_purchases=1)
    with pytest.raises(DataValidationError, match="empty"):
        customer_type(s.iloc[:0])

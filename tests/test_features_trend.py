"""crmlib.features.spend_trend: the one spend trend (used by identify and churn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import churn_features
from crmlib.features import spend_trend


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


def test_known_answers():
    t = spend_trend(_log(), observation_end="2024-06-29", window="90D")
    # inclusive end 2024-06-29: recent [2024-04-01, 2024-06-30), previous [2024-01-02, 2024-04-01)
    assert list(t.columns) == ["previous", "recent", "current_value", "trend"]
    assert set(t.index) == {"grow", "fade", "new", "gone"}
    assert t.loc["grow", ["previous", "recent"]].tolist() == [10.0, 90.0]
    assert t.loc["grow", "trend"] == pytest.approx(0.8)
    assert t.loc["fade", "trend"] == pytest.approx(-0.6)
    assert t.loc["new", "trend"] == 1.0 and t.loc["gone", "trend"] == -1.0
    assert t.loc["fade", "current_value"] == 100.0
    assert t.attrs["measure"] == "spend_trend" and t.attrs["window"] == pd.Timedelta(days=90)
    assert t.attrs["observation_end"] == pd.Timestamp("2024-06-29")
    # the same windows in weeks (13W = 91 days) move the previous window's start by a day only
    assert spend_trend(_log(), observation_end="2024-06-29", window="13W").loc["grow", "trend"] == pytest.approx(0.8)


def test_observation_end_is_inclusive_and_later_rows_are_never_read():
    tx = _log()
    on_end = pd.DataFrame({"customer_id": ["new"], "date": [pd.Timestamp("2024-06-29 18:00")], "amount": [70.0]})
    after = pd.DataFrame({"customer_id": ["grow"], "date": [pd.Timestamp("2024-06-30")], "amount": [1e6]})
    t = spend_trend(pd.concat([tx, on_end, after], ignore_index=True), observation_end="2024-06-29", window="90D")
    assert t.loc["new", "recent"] == 100.0  # the purchase on the day of observation_end counts
    assert t.loc["grow", "recent"] == 90.0  # the one the next day does not


def test_returns_are_not_purchases():
    # a refund kept by policy is not spend; HEAD's identify.spend_trend summed it in
    tx = pd.concat([_log(), pd.DataFrame({"customer_id": ["grow"], "date": [pd.Timestamp("2024-05-02")],
                                          "amount": [-50.0]})], ignore_index=True)
    t = spend_trend(tx, observation_end="2024-06-29", window="90D")
    assert t.loc["grow", "recent"] == 90.0 and t.loc["grow", "trend"] == pytest.approx(0.8)


def test_zero_amount_purchases_give_a_steady_trend_not_nan():
    tx = pd.DataFrame({"customer_id": ["z"], "date": [pd.Timestamp("2024-05-01")], "amount": [0.0]})
    t = spend_trend(tx, observation_end="2024-06-29", window="90D")
    assert t.loc["z", "trend"] == 0.0 and not t.isna().any().any()


def test_integer_customer_ids():
    tx = _log().assign(customer_id=lambda d: d["customer_id"].map({"grow": 1, "fade": 2, "new": 3, "gone": 4,
                                                                    "old": 5}))
    t = spend_trend(tx, observation_end="2024-06-29", window="90D")
    assert t.index.dtype == np.int64 and t.loc[1, "trend"] == pytest.approx(0.8)


@pytest.mark.parametrize("window", ["abc", 90, "90", True, "-30D", "0D", pd.Timedelta(0), "400Y"])
def test_bad_window_is_a_validation_error(window):
    # HEAD: a string window raised a raw TypeError, a bare number was read as days
    with pytest.raises(DataValidationError, match="window"):
        spend_trend(_log(), observation_end="2024-06-29", window=window)


@pytest.mark.parametrize("end", ["2024-06-31", "02/03/2024", 20240629, None])
def test_bad_observation_end_is_a_validation_error(end):
    with pytest.raises(DataValidationError, match="observation_end"):
        spend_trend(_log(), observation_end=end)


def test_empty_windows_are_refused_unless_allowed():
    with pytest.raises(DataValidationError, match="no purchase between"):
        spend_trend(_log(), observation_end="2030-01-01", window="30D")
    empty = spend_trend(_log(), observation_end="2030-01-01", window="30D", allow_empty=True)
    assert len(empty) == 0 and list(empty.columns) == ["previous", "recent", "current_value", "trend"]


def test_bad_log_is_a_validation_error_naming_spend_trend():
    with pytest.raises(DataValidationError, match="spend_trend.*'amount' not found"):
        spend_trend(_log().drop(columns="amount"), observation_end="2024-06-29")
    tz = _log().assign(date=lambda d: d["date"].dt.tz_localize("UTC"))
    with pytest.raises(DataValidationError, match="naive datetime64"):
        spend_trend(tz, observation_end="2024-06-29")


def test_churn_features_use_the_same_trend():
    tx = _log()
    f = churn_features(tx, observation_end="2024-06-29", window_days=90)
    t = spend_trend(tx, observation_end="2024-06-29", window="90D")
    pd.testing.assert_series_equal(f["spend_trend"].loc[t.index], t["trend"], check_names=False)
    pd.testing.assert_series_equal(f["spend_last_window"].loc[t.index], t["recent"], check_names=False)
    assert f.loc["old", "spend_trend"] == 0.0  # no spend in either window: 0 by churn's definition

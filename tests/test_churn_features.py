"""churn_features: known values on a hand-built log, and proof that only rows up to
observation_end are used (no leakage)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlib import DataValidationError, datasets, read_transactions
from crmlib.churn import FEATURE_COLUMNS, FEATURE_DESCRIPTIONS, churn_dataset, churn_features
from crmlib.datasets import ONLINE_RETAIL_COLUMNS

OBS_END = "2024-03-31"
#: end_bound(OBS_END): the first moment of the future
BOUND = pd.Timestamp("2024-04-01")


def _log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"]).assign(
        date=lambda d: pd.to_datetime(d["date"], format="ISO8601")
    )


@pytest.fixture
def log():
    return _log(
        [
            ("a", "2024-01-01 09:00", 100.0),
            ("a", "2024-01-01 17:00", 50.0),  # same day: one purchase day
            ("a", "2024-01-21", 40.0),
            ("a", "2024-02-15", 20.0),
            ("a", "2024-03-10", 60.0),
            ("a", "2024-03-20", -30.0),  # a return
            ("a", "2024-03-25", 80.0),
            ("a", "2024-04-01 00:00", 1000.0),  # the first moment after observation_end: the future
            ("a", "2024-05-01", 999.0),
            ("b", "2024-02-20", 25.0),
            ("b", "2024-02-25", -40.0),  # returns more than bought in the log
            ("c", "2024-04-02", 10.0),  # first purchase after observation_end
            ("d", "2024-03-01", -5.0),  # only a return: not a customer
            ("e", "2024-03-31 23:59", 10.0),  # on the day of observation_end
        ]
    )


def test_known_values(log):
    f = churn_features(log, OBS_END, window_days=30)
    assert list(f.index) == ["a", "b", "e"]
    assert list(f.columns) == FEATURE_COLUMNS == list(FEATURE_DESCRIPTIONS)
    assert all(str(t) == "float64" for t in f.dtypes)
    a = f.loc["a"]
    # purchase days 01-01, 01-21, 02-15, 03-10, 03-25; last day seen 03-31 (2024 is a leap year)
    expected_a = {
        "days_since_last": 6.0,
        "frequency": 4.0,
        "active_span_days": 84.0,
        "tenure_days": 90.0,
        "total_spend": 350.0,
        "avg_spend": 70.0,
        "spend_last_window": 140.0,  # 60 + 80 in [03-02, 04-01)
        "spend_trend": (140.0 - 20.0) / 160.0,  # previous window [01-31, 03-02) holds 20
        "mean_gap_days": 21.0,
        "last_gap_days": 15.0,
        "gap_ratio": 6.0 / 21.0,
        "return_rate": 30.0 / 350.0,
    }
    assert a.to_dict() == pytest.approx(expected_a)
    b = f.loc["b"]
    assert b[["days_since_last", "frequency", "active_span_days", "tenure_days"]].tolist() == [40, 0, 0, 40]
    assert b["spend_trend"] == -1.0 and b["return_rate"] == 1.0  # clipped
    assert b[["mean_gap_days", "last_gap_days", "gap_ratio"]].isna().all()
    e = f.loc["e"]
    assert e["days_since_last"] == 0 and e["tenure_days"] == 0 and e["spend_trend"] == 1.0


def test_spend_trend_is_zero_without_recent_spend(log):
    f = churn_features(log, "2024-08-31", window_days=30)
    assert (f["spend_trend"] == 0).all() and (f["spend_last_window"] == 0).all()


# ---------------------------------------------------------------------------- leakage


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


future_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "e", "new1", "new2"]),
        st.integers(min_value=0, max_value=400 * 24 * 60),  # minutes after observation_end
        st.one_of(
            st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False),
            st.just(0.0),
        ),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=future_rows, seed=st.integers(0, 2**16))
def test_rows_after_observation_end_change_nothing(log, rows, seed):
    before = churn_features(log, OBS_END, window_days=30)
    extra = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [BOUND + pd.Timedelta(minutes=r[1]) for r in rows],
            "amount": [r[2] for r in rows],
        }
    )
    # rewrite the existing future too, then shuffle the rows
    rewritten = log.copy()
    later = rewritten["date"] >= BOUND
    rewritten.loc[later, "amount"] = -rewritten.loc[later, "amount"] * 1000
    changed = pd.concat([rewritten, extra], ignore_index=True)
    changed = changed.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    _assert_same(churn_features(changed, OBS_END, window_days=30), before)


def test_the_past_does_change_the_features(log):
    """The negative control: the leakage test above could fail."""
    before = churn_features(log, OBS_END, window_days=30)
    changed = log.copy()
    changed.loc[changed["date"] == "2024-03-25", "amount"] = 81.0
    after = churn_features(changed, OBS_END, window_days=30)
    assert after.loc["a", "total_spend"] == before.loc["a", "total_spend"] + 1


def test_features_equal_features_of_the_truncated_log(cdnow_sample):
    full = churn_features(cdnow_sample, "1997-06-14")
    cut = churn_features(cdnow_sample[cdnow_sample["date"] < "1997-06-15"], "1997-06-14")
    _assert_same(full, cut)


@requires_data("online_retail")
def test_online_retail_no_leakage_with_returns_kept():
    tx, report = read_transactions(
        datasets.load_online_retail(), **ONLINE_RETAIL_COLUMNS, policy={"return": "keep", "cancellation": "keep"}
    )
    assert report.kept  # returns and cancellations stay in the log
    full = churn_features(tx, "2011-05-31")
    _assert_same(full, churn_features(tx[tx["date"] < "2011-06-01"], "2011-05-31"))
    assert (full["return_rate"] > 0).mean() > 0.1
    assert full["return_rate"].between(0, 1).all()


# ---------------------------------------------------------------------------- dataset


def test_churn_dataset_aligns_features_and_labels(cdnow_sample):
    X, y = churn_dataset(cdnow_sample, "1997-09-30", "90D")
    assert X.index.equals(y.index)
    assert set(y.unique()) == {0, 1}


def test_bad_window(log):
    with pytest.raises(DataValidationError, match="window_days"):
        churn_features(log, OBS_END, window_days=0)


def test_window_days_as_text_means_days(log):
    """At HEAD, window_days="90" was read as 90 nanoseconds: spend_last_window was 0 for all."""
    base = churn_features(log, OBS_END, window_days=30)
    assert base.loc["a", "spend_last_window"] == 140.0
    for w in ("30", 30.0, "30D", pd.Timedelta(days=30)):
        _assert_same(churn_features(log, OBS_END, window_days=w), base)


@pytest.mark.parametrize("w", ["soon", True, float("nan"), float("inf"), -3, "10000000", None])
def test_bad_window_values_are_refused(log, w):
    with pytest.raises(DataValidationError, match="window_days"):
        churn_features(log, OBS_END, window_days=w)


def test_a_return_kept_by_policy_is_not_a_purchase_day(log):
    """A negative line is not a purchase: it adds no purchase day, no spend and no
    customer, as in rfm_summary (purchase_mask: amount > 0)."""
    f = churn_features(log, OBS_END, window_days=30)
    assert "d" not in f.index  # only a return
    assert f.loc["a", "frequency"] == 4.0  # the 03-20 return is not a fifth purchase day
    from crmlib.features import rfm_summary

    rfm = rfm_summary(log[log["date"] < BOUND], observation_end=OBS_END, freq="D")
    assert "d" not in rfm.index
    assert rfm.loc["a", "frequency"] == f.loc["a", "frequency"]


def test_no_purchase_by_observation_end(log):
    with pytest.raises(DataValidationError, match="no customer has a purchase on or before"):
        churn_features(log, "2022-12-31")


def test_return_rate_needs_returns_in_the_log():
    raw = pd.DataFrame(
        {
            "InvoiceNo": ["1", "2", "C3"],
            "StockCode": ["x", "x", "x"],
            "Description": ["mug", "mug", "mug"],
            "Quantity": [4, 2, -1],
            "InvoiceDate": ["2011-01-05", "2011-02-05", "2011-02-10"],
            "UnitPrice": [2.5, 2.5, 2.5],
            "CustomerID": [1.0, 1.0, 1.0],
            "Country": ["UK", "UK", "UK"],
        }
    )
    kept, _ = read_transactions(raw, **ONLINE_RETAIL_COLUMNS, policy={"return": "keep", "cancellation": "keep"})
    default, _ = read_transactions(raw, **ONLINE_RETAIL_COLUMNS)
    assert churn_features(kept, "2011-02-28")["return_rate"].tolist() == [2.5 / 15.0]
    assert churn_features(default, "2011-02-28")["return_rate"].tolist() == [0.0]
    assert np.isclose(churn_features(kept, "2011-02-28")["total_spend"].iloc[0], 15.0)

"""read_transactions: every bad-input case named in the foundation issue, and the accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError, read_transactions
from crmlib.validation import DEFAULT_POLICY, ONLINE_RETAIL_COLUMNS


def log(**cols):
    base = {
        "cust": ["a", "a", "b", "c"],
        "day": ["2024-01-02", "2024-01-09", "2024-01-03", "2024-01-04"],
        "value": [10.0, 12.5, 7.0, 3.0],
    }
    base.update(cols)
    return pd.DataFrame(base)


def read(df, **kw):
    return read_transactions(df, customer="cust", date="day", amount="value", **kw)


def assert_accounts(report):
    assert report.rows_in == report.rows_used + report.rows_excluded


def test_clean_log_is_canonical():
    tx, report = read(log())
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert tx["customer_id"].tolist() == ["a", "a", "b", "c"]
    assert pd.api.types.is_datetime64_dtype(tx["date"])
    assert tx["amount"].sum() == pytest.approx(32.5)
    assert report.rows_in == 4 and report.rows_used == 4 and report.excluded == {}
    assert_accounts(report)


def test_missing_column_lists_available_ones():
    with pytest.raises(DataValidationError) as err:
        read_transactions(log(), customer="customer", date="day", amount="value")
    msg = str(err.value)
    assert "'customer'" in msg and "'cust'" in msg and "'day'" in msg and "Suggestion:" in msg
    assert err.value.column == "customer"


def test_empty_input():
    with pytest.raises(DataValidationError, match="empty"):
        read(log().iloc[:0])


def test_null_customer_ids_are_excluded_and_counted():
    df = log(cust=["a", None, "b", np.nan])
    tx, report = read(df)
    assert report.excluded == {"missing_customer": 2}
    assert len(tx) == 2
    assert report.excluded_rows["source_row"].tolist() == [1, 3]
    assert_accounts(report)


def test_null_customer_ids_can_raise():
    with pytest.raises(DataValidationError, match="no customer id") as err:
        read(log(cust=["a", None, "b", "c"]), policy={"missing_customer": "raise"})
    assert "Offending rows" in str(err.value)


def test_unparseable_dates_show_rows_and_suggest_format():
    with pytest.raises(DataValidationError) as err:
        read(log(day=["2024-01-02", "next tuesday", "2024-01-03", "31/02/2024"]))
    msg = str(err.value)
    assert "'day'" in msg and "next tuesday" in msg and "date_format" in msg
    assert len(err.value.rows) == 2


def test_missing_dates_raise():
    with pytest.raises(DataValidationError, match="missing dates"):
        read(log(day=["2024-01-02", None, "2024-01-03", "2024-01-04"]))


def test_timezone_aware_dates_are_normalised_and_noted():
    days = pd.to_datetime(["2024-01-01 23:30", "2024-01-09", "2024-01-03", "2024-01-04"], format="mixed").tz_localize(
        "Asia/Shanghai"
    )
    tx, report = read(log(day=days))
    assert tx["date"].dt.tz is None
    # local wall-clock time kept by default: the 23:30 purchase stays on 1 January
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-01 23:30")
    assert any("time-zone-aware" in n for n in report.notes)
    tx_utc, _ = read(log(day=days), tz="UTC")
    assert tx_utc["date"].iloc[0] == pd.Timestamp("2024-01-01 15:30")


def test_mixed_utc_offsets_in_text_become_utc():
    df = log(day=["2024-01-01T10:00+08:00", "2024-01-01T10:00-05:00", "2024-01-03T00:00Z", "2024-01-04T00:00Z"])
    tx, report = read(df)
    assert tx["date"].tolist()[:2] == [pd.Timestamp("2024-01-01 02:00"), pd.Timestamp("2024-01-01 15:00")]
    assert any("UTC offsets" in n for n in report.notes)


def test_amounts_with_currency_symbols_and_thousands_separators():
    tx, report = read(log(value=["$1,234.50", "£12", " 7.00 ", "(3.00)"]), policy={"negative_amount": "keep"})
    assert tx["amount"].tolist() == [1234.5, 12.0, 7.0, -3.0]
    assert any("text were read as numbers" in n for n in report.notes)
    assert report.kept == {"negative_amount": 1}


def test_non_numeric_amount_text_raises_with_rows():
    with pytest.raises(DataValidationError) as err:
        read(log(value=["10", "n/a", "7", "3"]))
    assert "'value'" in str(err.value) and "n/a" in str(err.value)


def test_nan_amounts_raise_by_default_and_can_be_excluded():
    df = log(value=[10.0, np.nan, 7.0, 3.0])
    with pytest.raises(DataValidationError, match="missing") as err:
        read(df)
    assert "policy" in str(err.value)
    tx, report = read(df, policy={"missing_amount": "exclude"})
    assert report.excluded == {"missing_amount": 1} and len(tx) == 3
    assert_accounts(report)


def test_zero_and_negative_amounts_are_policy():
    df = log(value=[10.0, 0.0, -7.0, 3.0])
    tx, report = read(df)
    assert report.excluded == {"negative_amount": 1, "zero_amount": 1}
    tx, report = read(df, policy={"zero_amount": "keep", "negative_amount": "keep"})
    assert len(tx) == 4 and report.kept == {"negative_amount": 1, "zero_amount": 1}
    with pytest.raises(DataValidationError, match="zero"):
        read(df, policy={"zero_amount": "raise"})


def test_cancellations_and_returns():
    raw = pd.DataFrame(
        {
            "inv": ["536365", "C536379", "536380", "536381"],
            "cust": [1.0, 1.0, 2.0, 2.0],
            "day": pd.to_datetime(["2010-12-01"] * 4),
            "qty": [6, -1, -2, 3],
            "price": [2.55, 27.5, 1.0, 0.0],
        }
    )
    tx, report = read_transactions(raw, customer="cust", date="day", quantity="qty", price="price", order="inv")
    assert report.excluded == {"cancellation": 1, "return": 1, "zero_amount": 1}
    assert tx["customer_id"].tolist() == ["1"]  # 1.0 read as the whole number id "1"
    assert tx["amount"].tolist() == [pytest.approx(15.3)]
    assert_accounts(report)


def test_exact_duplicates_counted_not_silently_dropped():
    df = pd.concat([log(), log().iloc[[0, 0, 2]]], ignore_index=True)
    tx, report = read(df)
    assert report.excluded == {"duplicate": 3}
    assert len(tx) == 4
    tx, report = read(df, policy={"duplicate": "keep"})
    assert len(tx) == 7 and report.kept == {"duplicate": 3}


def test_mixed_type_ids_are_unified_and_collisions_reported():
    df = log(cust=[1, "1", 2.0, "b"])
    tx, report = read(df)
    assert sorted(tx["customer_id"].unique()) == ["1", "2", "b"]
    note = next(n for n in report.notes if "mixed types" in n)
    assert "collapse" in note


def test_leading_zeros_in_csv_ids_survive(tmp_path):
    path = tmp_path / "tx.csv"
    log(cust=["007", "007", "010", "10"]).to_csv(path, index=False)
    tx, _ = read_transactions(path, customer="cust", date="day", amount="value")
    assert sorted(tx["customer_id"].unique()) == ["007", "010", "10"]


def test_parquet_source(tmp_path):
    path = tmp_path / "tx.parquet"
    log().to_parquet(path)
    tx, report = read_transactions(path, customer="cust", date="day", amount="value")
    assert report.rows_used == 4


def test_dates_after_observation_end_excluded_and_counted():
    tx, report = read(log(), observation_end="2024-01-03")
    # the stated end day is included whole
    assert tx["date"].max() == pd.Timestamp("2024-01-03")
    assert report.excluded == {"after_observation_end": 2}
    with pytest.raises(DataValidationError, match="after the observation end"):
        read(log(), observation_end="2024-01-03", policy={"after_observation_end": "raise"})


def test_single_customer_works_and_is_noted():
    tx, report = read(log(cust=["a"] * 4))
    assert report.n_customers == 1
    assert any("one customer" in n for n in report.notes)


def test_every_customer_a_one_time_buyer_is_noted():
    tx, report = read(log(cust=["a", "b", "c", "d"]))
    assert any("no repeat buyers" in n for n in report.notes)


def test_integer_yyyymmdd_dates():
    tx, _ = read(log(day=[20240102, 20240109, 20240103, 20240104]))
    assert tx["date"].iloc[0] == pd.Timestamp("2024-01-02")


def test_unknown_policy_reason_and_action():
    with pytest.raises(DataValidationError, match="Unknown policy reason"):
        read(log(), policy={"refunds": "exclude"})
    with pytest.raises(DataValidationError, match="Unknown policy action"):
        read(log(), policy={"duplicate": "ignore"})


def test_source_is_not_modified():
    df = log(value=["$1", "2", "3", "4"])
    before = df.copy()
    read(df)
    pd.testing.assert_frame_equal(df, before)


def test_all_rows_excluded_is_an_error():
    with pytest.raises(DataValidationError, match="No rows left"):
        read(log(value=[0.0, 0.0, 0.0, 0.0]))


def test_report_table_adds_up():
    df = pd.concat([log(cust=["a", None, "b", "c"]), log().iloc[[0]]], ignore_index=True)
    _, report = read(df)
    table = report.to_frame()
    assert table.loc["rows in", "rows"] + table["rows"].iloc[1:-1].sum() == table.loc["rows used", "rows"]
    assert "excluded" in str(report)


@pytest.mark.slow
@requires_data("online_retail")
def test_full_online_retail_accounting():
    """PROVENANCE.md: 541,909 rows; 135,080 without customer id; 9,288 cancellation rows."""
    from crmlib.datasets import load_online_retail

    raw = load_online_retail()
    tx, report = read_transactions(raw, **ONLINE_RETAIL_COLUMNS)
    assert report.rows_in == 541_909
    assert_accounts(report)
    assert report.excluded["missing_customer"] == 135_080
    # cancellations with a customer id (the 9,288 C-invoices less those without one)
    n_c = raw["InvoiceNo"].str.startswith("C")
    assert report.excluded["cancellation"] == int((n_c & raw["CustomerID"].notna()).sum())
    assert report.n_customers == 4_338  # 4,372 ids less 34 whose every line is excluded
    assert (tx["amount"] > 0).all()
    assert set(DEFAULT_POLICY) >= set(report.excluded)

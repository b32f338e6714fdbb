"""read_transactions: every bad-input case named in the foundation issue, and the accounting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data

from crmlib import DataValidationError, read_transactions
from crmlib.datasets import ONLINE_RETAIL_COLUMNS
from crmlib.validation import DEFAULT_POLICY


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


# --------------------------------------------------------------- issue 8: silent wrong results


def test_day_first_column_is_read_one_way_with_a_note():
    # "02/03/2020" alone is ambiguous; the other two rows prove day-first, so it is 2 March
    tx, report = read(log(cust=["a", "b", "c", "d"], day=["02/03/2020", "13/01/2020", "25/12/2020", "05/06/2020"]))
    got = dict(zip(tx["customer_id"], tx["date"].dt.strftime("%Y-%m-%d"), strict=True))
    assert got == {"a": "2020-03-02", "b": "2020-01-13", "c": "2020-12-25", "d": "2020-06-05"}
    note = " ".join(report.notes)
    assert "day-first" in note and "'%d/%m/%Y'" in note and "2 distinct dates prove" in note


def test_month_first_column_is_read_one_way():
    tx, report = read(log(cust=["a", "b", "c", "d"], day=["02/03/2020", "01/13/2020", "12/25/2020 10:30", "1/2/20"]))
    assert tx.set_index("customer_id")["date"].to_dict() == {
        "a": pd.Timestamp("2020-02-03"), "b": pd.Timestamp("2020-01-13"),
        "c": pd.Timestamp("2020-12-25 10:30"), "d": pd.Timestamp("2020-01-02"),
    }
    assert any("month-first" in n for n in report.notes)


def test_contradictory_day_and_month_first_rows_are_refused():
    with pytest.raises(DataValidationError, match="contradicts itself") as err:
        read(log(day=["13/01/2020", "01/13/2020", "02/03/2020", "04/05/2020"]))
    assert len(err.value.rows) == 2 and "date_format" in str(err.value)


def test_wholly_ambiguous_column_is_refused_naming_both_formats():
    with pytest.raises(DataValidationError, match="ambiguous") as err:
        read(log(day=["02/03/2020", "04/05/2020", "01/02/2020", "03/04/2020"]))
    msg = str(err.value)
    assert "'%d/%m/%Y'" in msg and "'%m/%d/%Y'" in msg and "date_format=" in msg


def test_explicit_dayfirst_is_honoured_for_every_row_and_contradictions_refused():
    day = ["02/03/2020", "04/05/2020", "01/02/2020", "03/04/2020"]
    tx, _ = read(log(day=day), dayfirst=True)
    assert sorted(tx["date"].dt.month) == [2, 3, 4, 5]
    tx, _ = read(log(day=day), dayfirst=False)
    assert sorted(tx["date"].dt.month) == [1, 2, 3, 4]
    with pytest.raises(DataValidationError, match="can only be month-first"):
        read(log(day=["02/03/2020", "01/13/2020", "01/02/2020", "03/04/2020"]), dayfirst=True)


def test_float_yyyymmdd_dates_are_dates_not_nanoseconds():
    tx, _ = read(log(day=[20240102.0, 20240109.0, 20240103.0, 20240104.0]))
    assert tx["date"].min() == pd.Timestamp("2024-01-02") and tx["date"].max() == pd.Timestamp("2024-01-09")


def test_epoch_numbers_are_refused_with_a_conversion_suggestion():
    with pytest.raises(DataValidationError, match="not yyyymmdd") as err:
        read(log(day=[1704153600, 1704758400, 1704240000, 1704326400]))
    assert "unit='s'" in str(err.value)


def test_decimal_comma_amounts_are_refused_unless_declared():
    df = log(value=["12,50", "1.234,50", "7", "3,00"])
    with pytest.raises(DataValidationError, match="decimal comma") as err:
        read(df)
    assert "decimal=','" in str(err.value) and "'12,50'" in str(err.value)
    tx, _ = read(df, decimal=",")
    assert sorted(tx["amount"]) == [3.0, 7.0, 12.5, 1234.5]


def test_ambiguous_thousands_are_refused_and_point_proof_decides():
    with pytest.raises(DataValidationError, match="ambiguous"):
        read(log(value=["1,234", "2,500", "7", "3"]))
    tx, report = read(log(value=["1,234", "1,234.50", "7", "3"]))
    assert sorted(tx["amount"]) == [3.0, 7.0, 1234.0, 1234.5]
    assert any("decimal point" in n for n in report.notes)
    with pytest.raises(DataValidationError, match="mixes a decimal point"):
        read(log(value=["1,234.50", "12,50", "7", "3"]))
    with pytest.raises(DataValidationError, match="only make sense with decimal=','"):
        read(log(value=["12,50", "7", "7", "3"]), decimal=".")


def test_infinite_and_huge_amounts_are_refused_at_the_door():
    for bad in (np.inf, -np.inf, 1e13):
        with pytest.raises(DataValidationError, match="infinite or out-of-range") as err:
            read(log(value=[10.0, bad, 7.0, 3.0]))
        assert len(err.value.rows) == 1
    with pytest.raises(DataValidationError, match="infinite or out-of-range"):
        read(log(value=["10", "inf", "7", "3"]))


def test_float_ids_beyond_2_53_are_refused_not_collapsed():
    with pytest.raises(DataValidationError, match="lost digits"):
        read(log(cust=[2.0**63, 2.0**63 + 4096, 2.0**64, 5.0]))


def test_whole_number_decimal_ids_are_the_same_customer_from_csv_and_frame(tmp_path):
    df = log(cust=[15000.0, 15000.0, np.nan, 17850.0])
    path = tmp_path / "log.csv"
    df.to_csv(path, index=False)
    from_frame, r1 = read(df)
    from_csv, r2 = read_transactions(path, customer="cust", date="day", amount="value")
    assert from_csv["customer_id"].tolist() == from_frame["customer_id"].tolist() == ["15000", "15000", "17850"]
    assert any("whole numbers" in n for n in r2.notes)


@pytest.mark.parametrize("column", ["cust", "order"])
def test_all_missing_id_or_order_column_is_a_validation_error(column):
    df = log(order=["1", "2", "3", "4"])
    df[column] = None
    with pytest.raises(DataValidationError, match="no values at all"):
        read(df, order="order")


def test_invalid_calendar_observation_end_is_a_validation_error():
    with pytest.raises(DataValidationError, match="observation_end"):
        read(log(), observation_end="2025-06-31")


def test_corrupt_parquet_is_a_validation_error(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(DataValidationError, match="not a readable parquet file"):
        read_transactions(path, customer="cust", date="day", amount="value")


def test_non_utf8_csv_suggests_an_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("cust,day,value\nJosé,2024-01-02,10\n".encode("latin-1"))
    with pytest.raises(DataValidationError, match="not UTF-8") as err:
        read_transactions(path, customer="cust", date="day", amount="value")
    assert "'encoding': 'latin-1'" in str(err.value)
    tx, _ = read_transactions(path, customer="cust", date="day", amount="value", read_kwargs={"encoding": "latin-1"})
    assert tx["customer_id"].tolist() == ["José"]


def test_unknown_time_zone_is_a_validation_error():
    with pytest.raises(DataValidationError, match="not a known time zone"):
        read(log(), tz="Mars/Olympus")


def test_duplicate_column_names_are_refused():
    df = pd.concat([log(), log()[["value"]]], axis=1)
    with pytest.raises(DataValidationError, match="duplicated column names"):
        read(df)


# ----------------------------------------------------------------- item column (issue 10)


def test_item_column_is_canonical_text():
    tx, report = read(log(sku=[85123.0, "  mug ", 85123.0, "22423"]), item="sku")
    assert "item" in tx.columns and "sku" not in tx.columns
    assert sorted(tx["item"]) == ["22423", "85123", "85123", "mug"]
    assert report.excluded == {} and report.kept == {}
    assert_accounts(report)


def test_missing_and_blank_items_are_kept_and_counted():
    tx, report = read(log(sku=["mug", None, "   ", "cup"]), item="sku")
    assert report.kept == {"missing_item": 2}
    assert report.rows_used == 4 and int(tx["item"].isna().sum()) == 2
    assert "item is missing or blank" in str(report)


def test_missing_items_can_be_excluded_or_refused():
    tx, report = read(log(sku=["mug", None, "cup", "cup"]), item="sku", policy={"missing_item": "exclude"})
    assert report.excluded == {"missing_item": 1} and len(tx) == 3
    assert_accounts(report)
    with pytest.raises(DataValidationError, match="item is missing") as err:
        read(log(sku=["mug", None, "cup", "cup"]), item="sku", policy={"missing_item": "raise"})
    assert err.value.column == "sku" and "Suggestion:" in str(err.value)


def test_missing_amount_is_still_refused_when_the_item_is_missing_too():
    # missing_item comes last: a line with neither amount nor item must not slip through as "kept"
    with pytest.raises(DataValidationError, match="amount is missing"):
        read(log(value=[10.0, np.nan, 7.0, 3.0], sku=["mug", None, "cup", "cup"]), item="sku")


def test_missing_item_column_is_named():
    with pytest.raises(DataValidationError) as err:
        read(log(), item="product")
    assert err.value.column == "product" and "Suggestion:" in str(err.value)


def test_online_retail_columns_read_descriptions_as_items():
    assert ONLINE_RETAIL_COLUMNS["item"] == "Description"
    assert "Description" not in ONLINE_RETAIL_COLUMNS["extra_columns"]

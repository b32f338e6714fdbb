"""rfm_summary and calibration_holdout_split: published CDNOW counts, lifetimes'
conventions, and properties that must hold on any log."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import reference_features as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlib import DataValidationError
from crmlib.features import calibration_holdout_split, rfm_summary

COLUMNS = ["frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase", "total_spend", "n_orders",
           "returned"]


def lifetimes_utils():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import utils
    return utils


def test_cdnow_calibration_and_holdout_counts(cdnow_sample):
    split = calibration_holdout_split(
        cdnow_sample,
        calibration_end=ref.CDNOW_CALIBRATION_END,
        observation_end=ref.CDNOW_OBSERVATION_END,
        time_unit="W",
    )
    assert len(split) == ref.CDNOW_SAMPLE_CUSTOMERS
    assert split["frequency_cal"].sum() == ref.CDNOW_CAL_REPEAT_TRANSACTIONS
    assert split["frequency_holdout"].sum() == ref.CDNOW_HOLDOUT_REPEAT_TRANSACTIONS
    assert split["duration_holdout"].iloc[0] == pytest.approx(39.0)


def test_cdnow_counts_without_merge_are_the_known_bug(cdnow_sample):
    """Counting lines instead of days gives the published wrong figures: a check that
    the merge is what makes the difference."""
    cal = cdnow_sample[cdnow_sample["date"] <= ref.CDNOW_CALIBRATION_END]
    hold = cdnow_sample[cdnow_sample["date"] > ref.CDNOW_CALIBRATION_END]
    assert len(cal) - cal["customer_id"].nunique() == ref.CDNOW_CAL_REPEAT_UNMERGED
    assert len(hold) == ref.CDNOW_HOLDOUT_REPEAT_UNMERGED


def test_example_customer_exists_in_weeks(cdnow_sample):
    s = rfm_summary(
        cdnow_sample[cdnow_sample["date"] <= ref.CDNOW_CALIBRATION_END],
        observation_end=ref.CDNOW_CALIBRATION_END,
        time_unit="W",
    )
    ex = ref.EXAMPLE_CUSTOMER
    hit = s[(s["frequency"] == ex["frequency"]) & np.isclose(s["recency"], ex["recency"], atol=0.01)
            & np.isclose(s["T"], ex["T"], atol=0.01)]
    assert len(hit) >= 1


def test_master_file_shape(cdnow_master):
    assert len(cdnow_master) == ref.CDNOW_MASTER_TRANSACTIONS
    s = rfm_summary(cdnow_master, observation_end=ref.CDNOW_OBSERVATION_END, time_unit="W")
    assert len(s) == ref.CDNOW_MASTER_CUSTOMERS
    assert s["total_spend"].sum() == pytest.approx(cdnow_master["amount"].sum(), rel=1e-12)
    # signups spread over the first 12 weeks of 1997
    assert s["first_purchase"].max() < pd.Timestamp("1997-04-01")


@pytest.mark.parametrize("freq,mult", [("D", 1), ("D", 7), ("W", 1)])
def test_matches_lifetimes_summary(cdnow_sample, freq, mult):
    utils = lifetimes_utils()
    unit = "W" if (freq, mult) == ("D", 7) else None
    ours = rfm_summary(cdnow_sample, observation_end="1998-06-30", freq=freq, time_unit=unit)
    theirs = utils.summary_data_from_transaction_data(
        cdnow_sample, "customer_id", "date", monetary_value_col="amount",
        observation_period_end="1998-06-30", freq=freq, freq_multiplier=mult,
    )
    theirs.index = theirs.index.astype(str)
    cols = ["frequency", "recency", "T", "monetary_value"]
    pd.testing.assert_frame_equal(
        ours[cols], theirs.loc[ours.index, cols], check_dtype=False, check_names=False, rtol=1e-12
    )


def test_matches_lifetimes_calibration_split(cdnow_sample):
    utils = lifetimes_utils()
    ours = calibration_holdout_split(cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    theirs = utils.calibration_and_holdout_data(
        cdnow_sample, "customer_id", "date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq="D", freq_multiplier=7, monetary_value_col="amount",
    )
    theirs.index = theirs.index.astype(str)
    # lifetimes' monetary_value_holdout averages lines, not periods; crmlib keeps the
    # calibration convention (mean spend per purchase day), so that column differs.
    cols = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(ours[cols], theirs.loc[ours.index, cols], check_dtype=False, check_names=False)


def test_calendar_months():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2024-01-31", "2024-02-01", "2024-02-29", "2024-03-15"]),
            "amount": [10.0, 20.0, 30.0, 5.0],
        }
    )
    s = rfm_summary(tx, observation_end="2024-05-10", freq="M")
    # Jan 31 and Feb 1 are one day apart but in two calendar months; Feb 1 and 29 merge
    assert s.loc["a", "frequency"] == 1
    assert s.loc["a", "recency"] == 1 and s.loc["a", "T"] == 4
    assert s.loc["a", "monetary_value"] == 50.0
    assert s.loc["b", "T"] == 2


def test_months_at_day_resolution_are_not_30_days():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2023-01-01", "2024-01-01"]), "amount": [1.0, 1.0]})
    s = rfm_summary(tx, observation_end="2024-01-01", time_unit="M")
    assert s.loc["a", "recency"] == pytest.approx(365 / (365.25 / 12))


def test_weeks_run_monday_to_sunday():
    tx = pd.DataFrame(
        {"customer_id": ["a"] * 3, "date": pd.to_datetime(["2024-01-07", "2024-01-08", "2024-01-14"]), "amount": [1.0, 2.0, 3.0]}
    )  # Sunday, Monday, Sunday
    s = rfm_summary(tx, freq="W")
    assert s.loc["a", "frequency"] == 1 and s.loc["a", "monetary_value"] == 5.0


def test_extra_columns(cdnow_sample):
    s = rfm_summary(cdnow_sample, observation_end="1998-06-30")
    assert list(s.columns) == COLUMNS
    assert s.index.name == "customer_id"
    one = s.loc["00004"]
    assert one["first_purchase"] == pd.Timestamp("1997-01-01")
    assert one["total_spend"] == pytest.approx(100.50)
    assert one["n_orders"] == 4


def test_n_orders_counts_distinct_orders():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-02"]),
            "amount": [1.0, 2.0, 3.0, 4.0],
            "order_id": ["o1", "o1", "o2", "o3"],
        }
    )
    s = rfm_summary(tx, engine="pandas")
    assert s["n_orders"].tolist() == [2, 1]
    pd.testing.assert_frame_equal(s, rfm_summary(tx, engine="duckdb"))


def test_transactions_after_observation_end_raise():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-03-01"]), "amount": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match="after observation_end") as err:
        rfm_summary(tx, observation_end="2024-02-01")
    assert "read_transactions" in str(err.value)


def test_raw_frame_gets_pointed_to_read_transactions():
    with pytest.raises(DataValidationError, match="read_transactions") as err:
        rfm_summary(pd.DataFrame({"CustomerID": [1], "InvoiceDate": ["2024-01-01"]}))
    assert "'customer_id'" in str(err.value)


def test_text_dates_rejected():
    with pytest.raises(DataValidationError, match="datetime64"):
        rfm_summary(pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [1.0]}))


def test_empty_log_rejected():
    with pytest.raises(DataValidationError, match="empty"):
        rfm_summary(pd.DataFrame({"customer_id": [], "date": pd.to_datetime([]), "amount": []}))


def test_bad_freq_and_engine():
    tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(DataValidationError, match="freq"):
        rfm_summary(tx, freq="Q")
    with pytest.raises(DataValidationError, match="engine"):
        rfm_summary(tx, engine="spark")


def test_accepts_read_transactions_result():
    from crmlib import read_transactions

    raw = pd.DataFrame({"c": ["a", "a"], "d": ["2024-01-01", "2024-01-03"], "v": [1.0, 2.0]})
    res = read_transactions(raw, customer="c", date="d", amount="v")
    assert rfm_summary(res).loc["a", "frequency"] == 1


def test_one_time_buyers_only():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-03"]), "amount": [1.0, 2.0]})
    s = rfm_summary(tx)
    assert (s["frequency"] == 0).all() and (s["monetary_value"] == 0).all() and (s["recency"] == 0).all()


def test_calibration_end_after_observation_end_rejected(cdnow_sample):
    with pytest.raises(DataValidationError, match="later period"):
        calibration_holdout_split(cdnow_sample, calibration_end="1998-06-30", observation_end="1997-09-30")


def test_new_customers_in_holdout_are_counted(cdnow_master):
    s = calibration_holdout_split(cdnow_master, calibration_end="1997-02-15", observation_end="1998-06-30", time_unit="W")
    late = cdnow_master.groupby("customer_id")["date"].min() > "1997-02-15"
    assert s.attrs["customers_after_calibration"] == int(late.sum()) > 0
    assert len(s) == cdnow_master["customer_id"].nunique() - int(late.sum())


# ----------------------------------------------------------------- property tests

days = st.integers(min_value=0, max_value=400)
logs = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d", "e", "f"]), days, st.integers(min_value=1, max_value=100_000)),
    min_size=1,
    max_size=60,
)


def to_log(rows):
    cust, day, cents = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "customer_id": pd.array(cust, dtype="str"),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(np.array(day) * 24 + 5, unit="h"),
            "amount": np.array(cents) / 100,
        }
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(rows=logs, freq=st.sampled_from(["D", "W", "M"]))
def test_property_recency_within_tenure(rows, freq):
    s = rfm_summary(to_log(rows), observation_end="2024-03-01", freq=freq)
    assert (s["recency"] >= 0).all() and (s["recency"] <= s["T"]).all()


@FAST
@given(rows=logs)
def test_property_frequency_is_distinct_periods_minus_one(rows):
    tx = to_log(rows)
    s = rfm_summary(tx, observation_end="2024-03-01")
    distinct = tx.assign(day=tx["date"].dt.floor("D")).groupby("customer_id")["day"].nunique() - 1
    assert s["frequency"].to_dict() == distinct.to_dict()
    assert s["total_spend"].sum() == pytest.approx(tx["amount"].sum())


@FAST
@given(rows=logs, seed=st.integers(0, 10_000), freq=st.sampled_from(["D", "W", "M"]))
def test_property_row_order_does_not_matter(rows, seed, freq):
    tx = to_log(rows)
    a = rfm_summary(tx, observation_end="2024-03-01", freq=freq)
    b = rfm_summary(tx.sample(frac=1, random_state=seed), observation_end="2024-03-01", freq=freq)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@FAST
@given(rows=logs, freq=st.sampled_from(["D", "W", "M"]), shuffle=st.booleans())
def test_property_engines_agree_exactly(rows, freq, shuffle):
    tx = to_log(rows)
    if shuffle:
        tx = tx.sample(frac=1, random_state=0)
    a = rfm_summary(tx, observation_end="2024-03-01", freq=freq, engine="pandas")
    b = rfm_summary(tx, observation_end="2024-03-01", freq=freq, engine="duckdb")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    ca = calibration_holdout_split(tx, calibration_end="2023-06-30", observation_end="2024-03-01", freq=freq, engine="pandas") if (tx["date"] <= "2023-06-30").any() else None
    if ca is not None:
        cb = calibration_holdout_split(tx, calibration_end="2023-06-30", observation_end="2024-03-01", freq=freq, engine="duckdb")
        pd.testing.assert_frame_equal(ca, cb, check_exact=True)


def test_engines_agree_on_synthetic_log():
    from crmlib.datasets import generate_bgnbd_transactions

    tx = generate_bgnbd_transactions(20_000, random_state=5)
    end = tx.attrs["observation_end"]
    a = rfm_summary(tx, observation_end=end, engine="pandas")
    b = rfm_summary(tx, observation_end=end, engine="duckdb")
    c = rfm_summary(tx.sample(frac=1, random_state=1), observation_end=end, engine="pandas")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, c, check_exact=True)


# ------------------------------------------------------- parquet files through DuckDB


def test_parquet_file_equals_dataframe(cdnow_sample, tmp_path):
    path = tmp_path / "log.parquet"
    cdnow_sample.to_parquet(path)
    loaded = pd.read_parquet(path)
    for freq in ("D", "W", "M"):
        a = rfm_summary(loaded, observation_end="1998-06-30", freq=freq)
        b = rfm_summary(path, observation_end="1998-06-30", freq=freq)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    a = calibration_holdout_split(loaded, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    b = calibration_holdout_split(str(path), calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert b.attrs == a.attrs


@FAST
@given(rows=logs, freq=st.sampled_from(["D", "W", "M"]))
def test_property_parquet_engine_agrees(rows, freq):
    import tempfile

    tx = to_log(rows).assign(order_id=lambda d: [f"o{i % 7}" for i in range(len(d))])
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/log.parquet"
        tx.to_parquet(path)
        loaded = pd.read_parquet(path)
        a = rfm_summary(loaded, observation_end="2024-03-01", freq=freq)
        b = rfm_summary(path, observation_end="2024-03-01", freq=freq)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_parquet_file_errors(tmp_path):
    raw = tmp_path / "raw.parquet"
    pd.DataFrame({"CustomerID": [1], "InvoiceDate": pd.to_datetime(["2024-01-01"]), "v": [1.0]}).to_parquet(raw)
    with pytest.raises(DataValidationError, match="'customer_id'.*Available columns") as err:
        rfm_summary(raw)
    assert "read_transactions" in str(err.value)
    holes = tmp_path / "holes.parquet"
    pd.DataFrame({"customer_id": ["a", None], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                  "amount": [1.0, 2.0]}).to_parquet(holes)
    with pytest.raises(DataValidationError, match="1 rows have a missing"):
        rfm_summary(holes)
    late = tmp_path / "late.parquet"
    pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-03-02"]),
                  "amount": [1.0, 2.0]}).to_parquet(late)
    with pytest.raises(DataValidationError, match="after observation_end"):
        rfm_summary(late, observation_end="2024-02-01")
    with pytest.raises(DataValidationError, match="cannot read a file"):
        rfm_summary(late, engine="pandas")
    with pytest.raises(DataValidationError, match="not found"):
        rfm_summary(tmp_path / "nope.parquet")


# --------------------------------------------------------------- issue 8: units, splits, returns


def test_weekly_split_never_sees_a_row_after_calibration_end(cdnow_sample):
    split = calibration_holdout_split(cdnow_sample, calibration_end=ref.CDNOW_CALIBRATION_END,
                                      observation_end=ref.CDNOW_OBSERVATION_END, freq="W")
    assert split["frequency_cal"].sum() == ref.CDNOW_CAL_REPEAT_WEEKS_CUT_AT_DATE
    # the same count as a summary of the rows dated on or before the end
    cut = cdnow_sample[cdnow_sample["date"] <= ref.CDNOW_CALIBRATION_END]
    s = rfm_summary(cut, observation_end=ref.CDNOW_CALIBRATION_END, freq="W")
    assert s["frequency"].sum() == ref.CDNOW_CAL_REPEAT_WEEKS_CUT_AT_DATE
    np.testing.assert_array_equal(split["T_cal"].to_numpy(), s["T"].to_numpy())


@pytest.mark.parametrize("freq", ["W", "M"])
def test_a_purchase_after_calibration_end_in_the_same_period_is_holdout(freq):
    tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-11"]),  # Wed 10th, Thu 11th
                       "amount": [5.0, 7.0, 9.0]})
    split = calibration_holdout_split(tx, calibration_end="2024-01-10", observation_end="2024-03-31", freq=freq)
    assert split["monetary_value_holdout"].iloc[0] == 9.0 and split["frequency_holdout"].iloc[0] == 1
    assert split.attrs["calibration_end"] == pd.Timestamp("2024-01-10")


def _check_attrs(s, unit, freq, end):
    assert s.attrs["time_unit"] == unit and s.attrs["freq"] == freq
    assert s.attrs["observation_end"] == pd.Timestamp(end)


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "parquet"])
def test_summaries_carry_their_units_through_every_engine(cdnow_sample, tmp_path, engine):
    src, kw = cdnow_sample, {"engine": engine}
    if engine == "parquet":
        src, kw = tmp_path / "log.parquet", {}
        cdnow_sample.to_parquet(src)
    s = rfm_summary(src, observation_end="1998-06-30", freq="D", time_unit="W", **kw)
    _check_attrs(s, "W", "D", "1998-06-30")
    split = calibration_holdout_split(src, calibration_end="1997-09-30", observation_end="1998-06-30",
                                      freq="M", **kw)
    _check_attrs(split, "M", "M", "1998-06-30")
    assert split.attrs["calibration_end"] == pd.Timestamp("1997-09-30")


RETURNS = pd.DataFrame({
    "customer_id": ["a", "a", "b", "c", "c", "c"],
    "date": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-05", "2024-01-03", "2024-01-04", "2024-01-20"]),
    "amount": [100.0, -50.0, -20.0, 30.0, 40.0, -5.5],
})


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "parquet"])
def test_returns_are_not_purchases_and_are_not_lost(tmp_path, engine):
    src, kw = RETURNS, {"engine": engine}
    if engine == "parquet":
        src, kw = tmp_path / "r.parquet", {}
        RETURNS.to_parquet(src)
    s = rfm_summary(src, observation_end="2024-01-31", **kw)
    assert list(s.index) == ["a", "c"]  # b only returned
    a, c = s.loc["a"], s.loc["c"]
    assert (a["frequency"], a["recency"], a["monetary_value"], a["total_spend"], a["returned"]) == (0, 0.0, 0.0, 100.0, 50.0)
    assert a["last_purchase"] == pd.Timestamp("2024-01-02")
    assert (c["frequency"], c["recency"], c["monetary_value"], c["total_spend"], c["returned"]) == (1, 1.0, 40.0, 70.0, 5.5)
    assert s.attrs["rows_not_purchases"] == 3 and s.attrs["customers_without_purchase"] == 1
    pd.testing.assert_frame_equal(s, rfm_summary(RETURNS, observation_end="2024-01-31", engine="pandas"),
                                  check_exact=True)


def test_customer_totals_up_to_the_limit_are_exact_and_beyond_are_refused():
    ok = pd.DataFrame({"customer_id": ["a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "amount": [4.5e12, 4.5e12]})
    for engine in ("pandas", "duckdb"):
        assert rfm_summary(ok, engine=engine)["total_spend"].iloc[0] == 9e12
    over = ok.assign(amount=[4.5e12, 4.5e12 + 0.01])
    with pytest.raises(DataValidationError, match="more than 9,000,000,000,000"):
        rfm_summary(over)
    wraps = pd.DataFrame({"customer_id": ["a", "a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                          "amount": [4e12, 4e12, 4e12]})  # 1.2e19 millionths: wrapped negative before
    for engine in ("pandas", "duckdb"):
        with pytest.raises(DataValidationError, match="'a'"):
            rfm_summary(wraps, engine=engine)


def test_parquet_totals_beyond_the_limit_are_refused(tmp_path):
    path = tmp_path / "big.parquet"
    pd.DataFrame({"customer_id": ["a", "a", "a"], "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
                  "amount": [4e12, 4e12, 4e12]}).to_parquet(path)
    with pytest.raises(DataValidationError, match="more than 9,000,000,000,000"):
        rfm_summary(path)


@pytest.mark.parametrize("parquet", [False, True])
def test_invalid_calendar_ends_are_validation_errors(cdnow_sample, tmp_path, parquet):
    src = cdnow_sample
    if parquet:
        src = tmp_path / "log.parquet"
        cdnow_sample.to_parquet(src)
    with pytest.raises(DataValidationError, match="observation_end='2025-06-31'"):
        rfm_summary(src, observation_end="2025-06-31")
    with pytest.raises(DataValidationError, match="calibration_end='1997-09-31'"):
        calibration_holdout_split(src, calibration_end="1997-09-31", observation_end="1998-06-30")


def test_corrupt_parquet_is_a_validation_error(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really a parquet file PAR1")
    with pytest.raises(DataValidationError, match="Cannot read 'bad.parquet'"):
        rfm_summary(path)


# ------------------------------------------------ unsorted logs: packed integer keys


def _sign(a, b):
    return (a > b) - (a < b)


@FAST
@given(ids=st.lists(st.text(max_size=6), min_size=1, max_size=40), arrow=st.booleans())
def test_property_id_keys_keep_text_order_and_equality(ids, arrow):
    from crmlib.features._engines import id_keys

    s = pd.Series(ids, dtype="str") if arrow else pd.Series(ids, dtype=object)
    packed = id_keys(s)
    if packed is None:  # too many distinct characters for 62 bits: the caller hashes instead
        return
    key, bits = packed
    assert bits <= 62 and int(key.min()) >= 0 and int(key.max()) < 2**bits + (bits == 0)
    for i in range(len(ids)):
        for j in range(len(ids)):
            # byte order of UTF-8 is code point order, which is how pandas sorts text
            assert _sign(int(key[i]), int(key[j])) == _sign(ids[i], ids[j]), (ids[i], ids[j])


def test_id_keys_prefixes_and_nul_bytes_stay_distinct():
    from crmlib.features._engines import id_keys

    ids = ["AB", "AB\x00", "A", "", "AB\x00\x00", "B", "AB"]
    key, _ = id_keys(pd.Series(ids, dtype="str"))
    assert [ids[i] for i in np.argsort(key, kind="stable")] == sorted(ids)
    assert key[0] == key[6] and len(set(key.tolist())) == 6


def test_id_keys_integers_and_refusals():
    from crmlib.features._engines import id_keys

    key, bits = id_keys(pd.Series([-5, 10, 3, -5]))
    assert key.tolist() == [0, 15, 8, 0] and bits == 4
    assert id_keys(pd.Series([-(2**63), 2**63 - 1])) is None  # 64 bits: no room
    assert id_keys(pd.Series(_md5(range(50)), dtype="str")) is None  # 32 varying hex digits: 128 bits


def _md5(values):
    import hashlib

    return [hashlib.md5(str(v).encode()).hexdigest() for v in values]


def _shuffled_log(ids_of, n_customers=3000, seed=3):
    rng = np.random.default_rng(seed)
    n = n_customers * 4
    cust = rng.integers(0, n_customers, n)
    return pd.DataFrame({
        "customer_id": ids_of(cust),
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h"),
        "amount": rng.integers(1, 10_000, n) / 100,
    }).sample(frac=1, random_state=seed).reset_index(drop=True)


ID_KINDS = {
    "str": lambda c: pd.array([f"C{i:06d}" for i in c], dtype="str"),
    "object": lambda c: np.array([f"cust-{i}" for i in c], dtype=object),
    "int": lambda c: c * 7 - 900,
    "long text (hashed)": lambda c: pd.array(_md5(c), dtype="str"),
}


@pytest.mark.parametrize("kind", list(ID_KINDS))
@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_unsorted_paths_agree_exactly_with_sorted_log_and_duckdb(kind, freq, monkeypatch):
    from crmlib.features import _engines

    monkeypatch.setattr(_engines, "_BLOCK", 997)  # many blocks, and customers across their edges
    tx = _shuffled_log(ID_KINDS[kind])
    tx["order_id"] = pd.array([f"o{i // 2}" for i in range(len(tx))], dtype="str")  # 2 lines per order
    ordered = tx.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    a = rfm_summary(tx, freq=freq, engine="pandas")
    pd.testing.assert_frame_equal(a, rfm_summary(ordered, freq=freq, engine="pandas"), check_exact=True)
    pd.testing.assert_frame_equal(a, rfm_summary(tx, freq=freq, engine="duckdb"), check_exact=True)
    assert a.index.is_monotonic_increasing and a["n_orders"].sum() > 0


def test_auto_packs_short_ids_and_sends_long_unsorted_ids_to_duckdb(monkeypatch):
    from crmlib.features import _engines, rfm

    calls = []
    real = _engines.aggregate_duckdb
    monkeypatch.setattr(_engines, "aggregate_duckdb", lambda work: calls.append(len(work.ids)) or real(work))
    monkeypatch.setattr(rfm, "AUTO_DUCKDB_ROWS", 1000)  # "large" for this test
    short = _shuffled_log(ID_KINDS["str"])
    s = rfm_summary(short)  # a sort of packed keys beats DuckDB's hashing: no DuckDB
    assert calls == []
    pd.testing.assert_frame_equal(s, rfm_summary(short, engine="duckdb"), check_exact=True)
    calls.clear()
    long_ids = _shuffled_log(ID_KINDS["long text (hashed)"])
    s = rfm_summary(long_ids)  # would need hashing in pandas: DuckDB hashes in parallel
    assert calls == [len(long_ids)]
    pd.testing.assert_frame_equal(s, rfm_summary(long_ids, engine="pandas"), check_exact=True)
    calls.clear()
    rfm_summary(long_ids.sort_values(["customer_id", "date"]))  # sorted: one NumPy pass
    assert calls == []

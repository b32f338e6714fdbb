"""Data set loaders: CDNOW from the lifetimes wheel, real files with checksums, and the
BG/NBD generator checked against the model's closed-form expectation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import requires_data
from scipy.special import hyp2f1

from crmlib import datasets
from crmlib.exceptions import DataFileError


def test_cdnow_sample_and_master(cdnow_sample, cdnow_master):
    assert cdnow_sample.shape == (6_919, 4)
    assert cdnow_sample["customer_id"].nunique() == 2_357
    assert cdnow_master["customer_id"].nunique() == 23_570
    assert list(cdnow_master.columns) == ["customer_id", "date", "quantity", "amount"]
    assert cdnow_master["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow_master["date"].max() == pd.Timestamp("1998-06-30")
    # the sample's ids are master ids
    assert set(cdnow_sample["customer_id"]) <= set(cdnow_master["customer_id"])


def test_missing_file_names_source_and_path(tmp_path):
    with pytest.raises(DataFileError) as err:
        datasets.load_online_retail(tmp_path)
    msg = str(err.value)
    assert "UCI" in msg and str(tmp_path / "online_retail.parquet") in msg and "CRMLIB_DATA" in msg


def test_checksum_mismatch_is_caught(tmp_path):
    (tmp_path / "groceries.csv").write_text("milk,bread\n")
    with pytest.raises(DataFileError, match="checksum"):
        datasets.load_groceries(tmp_path)


def test_data_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLIB_DATA", str(tmp_path))
    assert datasets.data_dir() == tmp_path
    assert datasets.data_dir("/x") == datasets.data_dir("/x")  # explicit wins
    monkeypatch.delenv("CRMLIB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert datasets.data_dir() == tmp_path / "cache" / "crmlib"
    assert not datasets.available("telco")


@requires_data("online_retail")
def test_online_retail_provenance_checks():
    df = datasets.load_online_retail()
    assert df.shape == (541_909, 8)
    assert int(df["Quantity"].sum()) == 5_176_450
    assert int(df["InvoiceNo"].str.startswith("C").sum()) == 9_288
    assert df["CustomerID"].nunique() == 4_372
    assert df["Country"].nunique() == 38


@requires_data("telco")
def test_telco_tables_join_one_to_one():
    df = datasets.load_telco()
    assert df.shape[0] == 7_043
    for col in ("Satisfaction Score", "Churn Value", "Tenure in Months", "Gender", "Churn Reason"):
        assert col in df.columns
    assert df["Customer ID"].is_unique


@requires_data("airline_survey")
def test_airline_survey():
    df = datasets.load_airline_survey()
    assert len(df) == 129_880
    assert "Unnamed: 0" not in df.columns
    assert set(df["Customer Type"].unique()) == {"Loyal Customer", "disloyal Customer"}


@requires_data("groceries")
def test_groceries_long_format():
    df = datasets.load_groceries()
    assert df["basket_id"].nunique() == 9_835
    assert df["item"].nunique() == 169


@requires_data("complaints")
def test_complaints():
    df = datasets.load_complaints()
    assert len(df) == 6_623
    assert pd.api.types.is_datetime64_any_dtype(df["Date received"])


def bgnbd_expected_repeats(t, r, alpha, a, b):
    """E[X(t)], Fader, Hardie & Lee (2005), equation (9)."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def test_generator_matches_bgnbd_expectation():
    p = datasets.synthetic.CDNOW_BGNBD_PARAMS
    tx = datasets.generate_bgnbd_transactions(200_000, cohort_days=1, observation_weeks=39, random_state=11)
    repeats = tx.groupby("customer_id").size() - 1
    expected = bgnbd_expected_repeats(39.0 + 0.5 / 7, **p)
    se = repeats.std() / np.sqrt(len(repeats))
    assert abs(repeats.mean() - expected) < 4 * se, (repeats.mean(), expected)


def test_generator_is_seeded_and_documented_attrs():
    a = datasets.generate_bgnbd_transactions(500, random_state=3)
    b = datasets.generate_bgnbd_transactions(500, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["observation_end"] >= f"{a['date'].max():%Y-%m-%d}"
    assert a["customer_id"].nunique() == 500
    assert (a["amount"] > 0).all()
    # spend: Gamma-Gamma mean p*gamma/(q-1) per transaction, averaged over customers
    s = datasets.synthetic.CDNOW_GAMMAGAMMA_PARAMS
    big = datasets.generate_bgnbd_transactions(50_000, random_state=4)
    first = big.groupby("customer_id")["amount"].first()
    assert first.mean() == pytest.approx(s["p"] * s["gamma"] / (s["q"] - 1), rel=0.05)


def test_generator_rejects_bad_params():
    with pytest.raises(ValueError):
        datasets.generate_bgnbd_transactions(0)
    with pytest.raises(ValueError):
        datasets.generate_bgnbd_transactions(10, r=-1)


def test_generator_takes_random_state_not_seed():
    a = datasets.generate_bgnbd_transactions(300, random_state=7)
    pd.testing.assert_frame_equal(a, datasets.generate_bgnbd_transactions(300, random_state=7))
    with pytest.raises(TypeError):
        datasets.generate_bgnbd_transactions(300, seed=7)


def test_online_retail_columns_live_in_datasets():
    import crmlib.validation

    assert datasets.ONLINE_RETAIL_COLUMNS["customer"] == "CustomerID"
    assert not hasattr(crmlib.validation, "ONLINE_RETAIL_COLUMNS")


def test_own_transactions_file_replaces_the_default_log(tmp_path):
    """A user's CSV with renamed columns and day-first dates is read through the same door."""
    from crmlib.datasets import load_cdnow, load_default_transactions

    raw = load_cdnow(sample=True)
    own = pd.DataFrame(
        {
            "Kunde": raw["customer_id"],
            "Datum": raw["date"].dt.strftime("%d/%m/%Y"),
            "Umsatz": raw["amount"],
        }
    )
    path = tmp_path / "orders.csv"
    own.to_csv(path, index=False)
    log = load_default_transactions(
        transactions=path,
        columns={"customer": "Kunde", "date": "Datum", "amount": "Umsatz", "dayfirst": True},
        currency="USD",
        policy={"zero_amount": "keep", "duplicate": "keep"},
    )
    assert log.name == "orders.csv" and log.currency == "USD" and not log.is_fallback
    assert log.transactions["customer_id"].nunique() == raw["customer_id"].nunique()
    assert log.transactions["date"].min() == raw["date"].min()
    assert log.period == f"{raw['date'].min():%Y-%m-%d} to {raw['date'].max():%Y-%m-%d}"


def test_own_transactions_need_a_column_map(tmp_path):
    from crmlib.datasets import load_default_transactions
    from crmlib.exceptions import DataValidationError

    path = tmp_path / "orders.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataValidationError, match="column map"):
        load_default_transactions(transactions=path)

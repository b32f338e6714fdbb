"""crmlib.spark against the pandas engine: same accounting, same values, same fits and scores.

Spark runs in local mode on one session-scoped JVM (``spark`` in conftest.py). Every
test is in the xdist group "spark", so ``pytest -n 2 --dist loadgroup`` runs them on one
worker. Each Spark result is computed once per module (fixtures) and checked by several
tests, which keeps the module to a few dozen small Spark jobs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlib
import crmlib.spark as cs
from crmlib import DataValidationError
from crmlib.churn import FEATURE_COLUMNS, churn_features
from crmlib.clv import BetaGeo, GammaGamma, ParetoNBD, calibration_summary
from crmlib.datasets import load_cdnow_transactions
from crmlib.features import calibration_holdout_split, rfm_summary
from crmlib.spark import from_pandas, to_pandas

pytestmark = pytest.mark.xdist_group("spark")

#: Columns that the pandas churn features sum as floats (crmlib.spark sums integer
#: millionths), so they agree to rounding instead of exactly.
FLOAT_SUM_FEATURES = ["spend_last_window", "spend_trend", "return_rate"]


def messy_log(seed: int = 0, n: int = 400) -> pd.DataFrame:
    """A raw log with every reason read_transactions accounts for, seeded."""
    rng = np.random.default_rng(seed)
    cust = rng.choice([f"c{i:03d}" for i in range(60)], n).astype(object)
    cust[rng.random(n) < 0.04] = None  # guest checkouts
    cust[rng.random(n) < 0.02] = "  "  # blank ids are missing ids too
    day = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 540, n), "D")
    day = day + pd.to_timedelta(rng.integers(0, 86_400, n), "s")  # times of day
    qty = rng.integers(1, 5, n)
    qty[rng.random(n) < 0.08] *= -1  # returns
    price = np.round(rng.gamma(2.0, 15.0, n), 2)
    price[rng.random(n) < 0.05] = 0.0  # free lines
    price[rng.random(n) < 0.03] *= -1  # refunds with a positive quantity
    order = np.array([f"{'C' if rng.random() < 0.05 else ''}{i:05d}" for i in range(n)], dtype=object)
    raw = pd.DataFrame({"cust": cust, "when": day, "qty": qty, "price": price, "invoice": order})
    raw["when"] = raw["when"].astype("datetime64[us]")
    # exact duplicates of earlier lines, and two orders of several lines
    raw = pd.concat([raw, raw.sample(25, random_state=seed)], ignore_index=True)
    raw.loc[raw.index[:6], "invoice"] = "10001"
    return raw


COLUMNS = {"customer": "cust", "date": "when", "quantity": "qty", "price": "price", "order": "invoice"}


def frame(summary) -> pd.DataFrame:
    """A Spark result as pandas, indexed and sorted like the pandas engine's."""
    out = to_pandas(summary.frame if isinstance(summary, cs.SparkSummary) else summary)
    out = out.set_index("customer_id").sort_index()
    out.index = out.index.astype("str")
    return out


def assert_same(expected: pd.DataFrame, got: pd.DataFrame, approx: list[str] = ()) -> None:
    """Same customers, same columns, same values (exactly, except ``approx`` columns)."""
    assert list(got.columns) == list(expected.columns)
    assert got.index.tolist() == expected.index.astype("str").tolist()
    for c in expected.columns:
        e, g = expected[c].to_numpy(), got[c].to_numpy()
        if c in approx:
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12, err_msg=c)
        else:
            assert e.dtype == g.dtype, (c, e.dtype, g.dtype)
            assert np.array_equal(e, g, equal_nan=e.dtype.kind == "f"), c


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_transactions()


@pytest.fixture(scope="module")
def cdnow_log(spark, cdnow):
    return from_pandas(spark, cdnow).cache()


@pytest.fixture(scope="module")
def messy():
    return messy_log()


@pytest.fixture(scope="module")
def messy_raw(spark, messy):
    return from_pandas(spark, messy).cache()


KEEP_RETURNS = {"return": "keep", "negative_amount": "keep", "cancellation": "keep", "missing_amount": "exclude"}


@pytest.fixture(scope="module")
def messy_read(messy, messy_raw):
    """(pandas result, Spark result) of reading the messy log with returns kept."""
    kw = dict(COLUMNS, observation_end="2024-05-31", policy=KEEP_RETURNS)
    return crmlib.read_transactions(messy, **kw), cs.read_transactions(messy_raw, **kw)


# ----------------------------------------------------------------------- validation


def test_messy_log_covers_every_reason(messy_read):
    (_, report), _ = messy_read
    counted = set(report.excluded) | set(report.kept)
    assert counted == {"missing_customer", "cancellation", "duplicate", "return", "negative_amount",
                       "zero_amount", "after_observation_end"}


def test_accounting_equals_pandas_with_returns_kept(messy_read):
    (_, expected), (_, got) = messy_read
    for field in ("rows_in", "rows_used", "excluded", "kept", "n_customers", "first_date", "last_date"):
        assert getattr(got, field) == getattr(expected, field), field
    assert got.rows_in == got.rows_used + got.rows_excluded


def test_validated_log_equals_pandas(messy_read):
    (expected, _), (got, report) = messy_read
    got = to_pandas(got)
    keys = ["customer_id", "date", "order_id", "amount"]
    expected = expected.sort_values(keys).reset_index(drop=True)
    got = got.sort_values(keys).reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    for c in expected.columns:
        assert expected[c].astype(str).tolist() == got[c].astype(str).tolist(), c
    np.testing.assert_array_equal(got["amount"].to_numpy(), expected["amount"].to_numpy())
    # excluded rows carry their reason, and their count is the report's
    reasons = to_pandas(report.excluded_rows)["reason"].value_counts().to_dict()
    assert reasons == report.excluded


def test_default_policy_accounting_equals_pandas(messy, messy_raw):
    kw = dict(COLUMNS, policy={"missing_amount": "exclude"})
    _, expected = crmlib.read_transactions(messy, **kw)
    tx, got = cs.read_transactions(messy_raw, **kw)
    assert (got.rows_in, got.rows_used, got.excluded, got.kept) == (
        expected.rows_in, expected.rows_used, expected.excluded, expected.kept)
    assert to_pandas(tx.agg({"amount": "min"})).iloc[0, 0] > 0  # no return, refund or zero line left


def test_raise_policy_names_the_column_and_shows_rows(spark):
    raw = from_pandas(spark, pd.DataFrame({"c": ["a", "b", "b"], "d": pd.to_datetime(["2024-01-01"] * 3),
                                           "v": [1.0, np.nan, 2.0]}))
    with pytest.raises(DataValidationError) as err:
        cs.read_transactions(raw, customer="c", date="d", amount="v")
    msg = str(err.value)
    assert "amount is missing" in msg and "'v'" in msg and "Offending rows (1 in all)" in msg
    assert "Suggestion: pass policy={'missing_amount': 'exclude'}" in msg


def test_text_amounts_and_unreadable_dates_are_refused(spark):
    raw = from_pandas(spark, pd.DataFrame({"c": ["a", "b"], "d": ["2024-01-01", "01/02/2024"],
                                           "v": ["$1.00", "2"], "w": [1.0, 2.0]}))
    with pytest.raises(DataValidationError, match="'v' is text on Spark") as err:
        cs.read_transactions(raw, customer="c", date="d", amount="v")
    assert "cast" in err.value.suggestion
    with pytest.raises(DataValidationError, match="1 values that cannot be read as dates") as err:
        cs.read_transactions(raw, customer="c", date="d", amount="w")
    assert "01/02/2024" in str(err.value)
    # with a format, every row is read that one way: the ISO row no longer fits
    with pytest.raises(DataValidationError, match="date_format='%d/%m/%Y'") as err:
        cs.read_transactions(raw, customer="c", date="d", amount="w", date_format="%d/%m/%Y")
    assert "2024-01-01" in str(err.value)


def test_not_a_spark_frame(cdnow):
    with pytest.raises(DataValidationError, match="expected a Spark DataFrame"):
        cs.rfm_summary(cdnow)


# ----------------------------------------------------------------------- summaries


@pytest.mark.parametrize(("freq", "unit"), [("D", "W"), ("M", "M")])
def test_rfm_summary_equals_pandas_on_cdnow(cdnow, cdnow_log, freq, unit):
    expected = rfm_summary(cdnow, observation_end="1998-06-30", freq=freq, time_unit=unit)
    got = cs.rfm_summary(cdnow_log, observation_end="1998-06-30", freq=freq, time_unit=unit)
    assert_same(expected, frame(got))
    assert got.attrs == expected.attrs


def test_rfm_summary_equals_pandas_on_messy_log_with_returns(messy_read):
    (tx, _), (stx, _) = messy_read
    expected = rfm_summary(tx, freq="W", time_unit="D")
    got = cs.rfm_summary(stx, freq="W", time_unit="D")
    assert_same(expected, frame(got))
    assert got.attrs == expected.attrs
    # the log has returns, multi-line orders and customers who only returned
    assert expected["returned"].gt(0).any() and got.attrs["rows_not_purchases"] > 0


def test_split_equals_pandas_on_cdnow(cdnow, cdnow_log):
    kw = dict(calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    expected = calibration_holdout_split(cdnow, **kw)
    got = cs.calibration_holdout_split(cdnow_log, **kw)
    assert_same(expected, frame(got))
    assert got.attrs == expected.attrs


def test_split_equals_pandas_on_messy_log(messy_read):
    (tx, _), (stx, _) = messy_read
    kw = dict(calibration_end="2023-10-15", freq="W")
    expected = calibration_holdout_split(tx, **kw)
    got = cs.calibration_holdout_split(stx, **kw)
    assert_same(expected, frame(got))
    assert got.attrs == expected.attrs
    assert expected.attrs["customers_after_calibration"] > 0


def test_rows_after_observation_end_are_refused(cdnow_log):
    with pytest.raises(DataValidationError, match="fall after observation_end") as err:
        cs.rfm_summary(cdnow_log, observation_end="1997-09-30")
    assert "read_transactions" in err.value.suggestion


def test_churn_features_equal_pandas_on_cdnow(cdnow, cdnow_log):
    expected = churn_features(cdnow, "1997-09-30")
    got = cs.churn_features(cdnow_log, "1997-09-30")
    assert list(frame(got).columns) == FEATURE_COLUMNS
    assert_same(expected, frame(got), approx=FLOAT_SUM_FEATURES)


def test_churn_features_equal_pandas_on_messy_log(messy_read):
    (tx, _), (stx, _) = messy_read
    expected = churn_features(tx, "2024-02-29 12:00", window_days=60)
    got = cs.churn_features(stx, "2024-02-29 12:00", window_days=60)
    assert_same(expected, frame(got), approx=FLOAT_SUM_FEATURES)
    assert expected["return_rate"].gt(0).any() and expected["mean_gap_days"].isna().any()


# ----------------------------------------------------------------------- fit and score


@pytest.fixture(scope="module")
def cdnow_summaries(cdnow, cdnow_log):
    kw = dict(observation_end="1997-09-30", time_unit="W")
    past = cdnow[cdnow["date"] <= "1997-09-30"]
    return rfm_summary(past, **kw), cs.rfm_summary(from_pandas(cdnow_log.sparkSession, past), **kw)


def test_collapse_gives_the_pandas_fit(cdnow_summaries):
    pandas_summary, spark_summary = cdnow_summaries
    rows = cs.collapse(spark_summary)
    assert rows["weights"].sum() == len(pandas_summary)
    assert len(rows) == len(pandas_summary[["frequency", "recency", "T"]].drop_duplicates())
    assert rows.attrs["time_unit"] == "W"
    bg, bg_spark = BetaGeo().fit(pandas_summary), BetaGeo().fit(rows)
    np.testing.assert_allclose(bg_spark.params_, bg.params_, rtol=1e-9)
    assert bg_spark.log_likelihood_ == pytest.approx(bg.log_likelihood_, rel=1e-12)
    spend = cs.collapse(spark_summary, ["frequency", "monetary_value"])
    gg, gg_spark = GammaGamma().fit(pandas_summary), GammaGamma().fit(spend)
    np.testing.assert_allclose(gg_spark.params_, gg.params_, rtol=1e-9)


def test_collapse_of_a_split_uses_its_calibration_columns(cdnow, cdnow_log):
    kw = dict(calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    rows = cs.collapse(cs.calibration_holdout_split(cdnow_log, **kw))
    pandas_fit = ParetoNBD(n_starts=1).fit(calibration_summary(calibration_holdout_split(cdnow, **kw)))
    np.testing.assert_allclose(ParetoNBD(n_starts=1).fit(rows).params_, pandas_fit.params_, rtol=1e-9)
    assert rows.attrs["observation_end"] == pd.Timestamp("1997-09-30")


def test_score_equals_the_models_pandas_predictions(cdnow_summaries):
    pandas_summary, spark_summary = cdnow_summaries
    bg = BetaGeo().fit(cs.collapse(spark_summary))
    gg = GammaGamma().fit(cs.collapse(spark_summary, ["frequency", "monetary_value"]))
    got = frame(cs.score(spark_summary, bg, horizon="52W", spend_model=gg, annual_discount_rate=0.1))
    expected = bg.clv(pandas_summary, gg, horizon="52W", annual_discount_rate=0.1)
    assert_same(expected[["p_alive", "expected_purchases", "expected_spend", "clv"]], got,
                approx=["p_alive", "expected_purchases", "expected_spend", "clv"])
    plain = frame(cs.score(spark_summary, bg, horizon="39W"))
    np.testing.assert_allclose(plain["expected_purchases"], bg.expected_purchases(pandas_summary, "39W"), rtol=1e-12)
    np.testing.assert_allclose(plain["p_alive"], bg.p_alive(pandas_summary), rtol=1e-12)


def test_score_checks_its_arguments_on_the_driver(cdnow_summaries):
    _, spark_summary = cdnow_summaries
    bg = BetaGeo().fit(cs.collapse(spark_summary))
    with pytest.raises(DataValidationError, match="bare number"):
        cs.score(spark_summary, bg, horizon=52)
    in_days = cs.SparkSummary(spark_summary.frame, {**spark_summary.attrs, "time_unit": "D"})
    with pytest.raises(DataValidationError, match="time_unit"):
        cs.score(in_days, bg, horizon="52W")
    with pytest.raises(DataValidationError, match="must be a BetaGeo"):
        cs.score(spark_summary, GammaGamma(), horizon="52W")

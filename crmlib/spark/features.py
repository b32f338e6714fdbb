"""RFM summaries, the calibration/holdout split and churn features on Spark.

The same conventions as :mod:`crmlib.features` and :mod:`crmlib.churn.features`, and the
same arithmetic: money is summed in integer millionths (``rint(amount * 1e6)``, exact
and independent of summation order), periods are integer day, Monday-week or month
numbers, and every float is computed from those integers by the same formula as the
pandas engine. So the Spark and pandas results are equal value for value, not merely
close (the tests compare them exactly).

Work is two aggregations keyed by customer: one row per (customer, period), then one row
per customer, so the log is shuffled once by customer and never sorted or collected.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from crmlib.conventions import end_bound, to_date, to_duration
from crmlib.exceptions import DataValidationError
from crmlib.features._periods import check_freq, unit_factor
from crmlib.spark._common import (
    DataFrame,
    F,
    SparkSummary,
    Window,
    as_timestamp,
    check_log,
    log_stats,
    micro_to_money,
    period,
    period_of,
    refuse_bad_log,
    refuse_late,
    to_pandas,
    ts_literal,
    units,
)

__all__ = ["calibration_holdout_split", "churn_features", "rfm_summary"]

_RFM_COLUMNS = [
    "customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase",
    "total_spend", "n_orders", "returned",
]


def _ends(tx: DataFrame, value: Any, name: str, last_date: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Inclusive end and exclusive bound; default the last date in the log."""
    if value is None:
        return last_date, last_date + pd.Timedelta(1, "us")
    return to_date(value, name), end_bound(value, name)


def _checked(sdf: Any, func: str, bound_value: Any, name: str) -> tuple[DataFrame, dict, pd.Timestamp, pd.Timestamp]:
    """Type checks, then one pass of counts; refuse what ``check_log`` refuses."""
    tx = check_log(sdf, func=func)
    bound = None if bound_value is None else end_bound(bound_value, name)
    stats = log_stats(tx, bound)
    refuse_bad_log(tx, stats, func=func)
    end, bound = _ends(tx, bound_value, name, as_timestamp(stats["last_date"]))
    return tx, stats, end, bound


def _no_purchase(tx: DataFrame, func: str) -> DataValidationError:
    return DataValidationError(
        f"{func}: the log has no purchases (no row with a non-negative amount).",
        rows=to_pandas(tx.select("customer_id", "date", "amount").limit(5)),
        suggestion="check the amount column; returns and zero lines are not purchases.",
    )


def _by_customer(tx: DataFrame) -> DataFrame:
    """The log hash-partitioned by customer: the one shuffle. Every later step (per period,
    per customer, the order count, the gap window) groups by customer first, so Spark
    plans no further exchange of the log."""
    cols = [c for c in ("customer_id", "date", "amount", "order_id") if c in tx.columns]
    return tx.select(*cols).repartition("customer_id")


def _customer_table(
    tx: DataFrame,
    freq: str,
    *,
    cal_bound: pd.Timestamp | None = None,
    windows: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp] | None = None,
    last_gap: bool = False,
) -> DataFrame:
    """Per-customer integers: the pandas engines' ``Aggregate`` columns, on Spark.

    Rows dated before ``cal_bound`` (all rows when None) feed the calibration columns;
    purchases after it the holdout columns (``hold_n``, ``hold_u``). ``windows`` =
    (start, mid, bound) adds the spend of purchases in [start, mid) and [mid, bound).
    """
    buy = F.col("amount") >= 0
    u = units(F.col("amount"))
    in_cal = F.lit(True) if cal_bound is None else F.col("date") < ts_literal(cal_bound)
    per_period = {
        "u": F.sum(F.when(buy, u)),
        "nb": F.count(F.when(buy, F.lit(1))),
        "mn": F.min(F.when(buy, F.col("date"))),
        "mx": F.max(F.when(buy, F.col("date"))),
        # returns in millionths, positive (rint is symmetric, as np.rint(amount * -1e6))
        "r": F.sum(F.when(~buy, -u)),
    }
    if windows is not None:
        start, mid, bound = (ts_literal(t) for t in windows)
        d = F.col("date")
        per_period["prev_u"] = F.sum(F.when(buy & (d >= start) & (d < mid), u))
        per_period["recent_u"] = F.sum(F.when(buy & (d >= mid) & (d < bound), u))
    p = (
        tx.withColumn("p", period(F.col("date"), freq))
        .withColumn("in_cal", in_cal)
        .groupBy("customer_id", "p", "in_cal")
        .agg(*[v.alias(k) for k, v in per_period.items()])
    )
    c = F.col("in_cal") & (F.col("nb") > 0)  # a calibration purchase period
    h = ~F.col("in_cal") & (F.col("nb") > 0)  # a holdout purchase period
    if last_gap:
        # days between a purchase period and the previous one of the same customer
        # (return-only periods stay in the table: they feed return_rate, not the gaps)
        before = Window.partitionBy("customer_id").orderBy("p").rowsBetween(Window.unboundedPreceding, -1)
        p = p.withColumn("gap", F.when(c, F.col("p") - F.max(F.when(c, F.col("p"))).over(before)))
    per_customer = {
        "first_p": F.min(F.when(c, F.col("p"))),
        "last_p": F.max(F.when(c, F.col("p"))),
        "n_periods": F.count(F.when(c, F.lit(1))),
        "total_u": F.sum(F.when(c, F.col("u"))),
        # spend of the first purchase period (periods are unique per customer)
        "first_u": F.min(F.when(c, F.struct(F.col("p"), F.col("u")))).getField("u"),
        "first_t": F.min(F.when(c, F.col("mn"))),
        "last_t": F.max(F.when(c, F.col("mx"))),
        "n_lines": F.sum(F.when(c, F.col("nb"))),
        "returned_u": F.sum("r"),
        "any_cal": F.max(F.col("in_cal").cast("int")),
        "hold_n": F.count(F.when(h, F.lit(1))),
        "hold_u": F.sum(F.when(h, F.col("u"))),
    }
    if windows is not None:
        per_customer["prev_u"] = F.sum("prev_u")
        per_customer["recent_u"] = F.sum("recent_u")
    if last_gap:
        per_customer["last_gap"] = F.max(F.when(c, F.struct(F.col("p"), F.col("gap")))).getField("gap")
    return p.groupBy("customer_id").agg(*[v.alias(k) for k, v in per_customer.items()])


def _rfm_columns(table: DataFrame, end_p: int, factor: float) -> dict[str, Any]:
    """The pandas engines' ``_finish`` formulas, term for term."""
    freq = F.col("n_periods") - 1
    fac = F.lit(float(factor))
    return {
        "frequency": freq.cast("long"),
        "recency": (F.col("last_p") - F.col("first_p")) / fac,
        "T": (F.lit(end_p) - F.col("first_p")) / fac,
        "monetary_value": F.when(
            freq > 0, F.try_divide(micro_to_money(F.col("total_u") - F.col("first_u")), freq.cast("double"))
        ).otherwise(F.lit(0.0)),
        "first_purchase": F.col("first_t"),
        "last_purchase": F.col("last_t"),
        "total_spend": micro_to_money(F.col("total_u")),
    }


def rfm_summary(
    transactions: DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    freq: Literal["D", "W", "M"] = "D",
    time_unit: Literal["D", "W", "M"] | None = None,
) -> SparkSummary:
    """Per-customer recency, frequency, monetary value and tenure of a Spark log.

    The Spark engine of :func:`crmlib.features.rfm_summary`: same parameters, same
    columns, same values (``customer_id`` is a column, since Spark has no index, and the
    rows are in no particular order).

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame
        Canonical log: ``customer_id`` (string), ``date`` (timestamp, timestamp_ntz or
        date), ``amount`` (numeric) and optionally ``order_id``, as returned by
        :func:`crmlib.spark.read_transactions`. A ``TIMESTAMP`` (an instant) is read as
        wall-clock time in the session time zone, as Spark displays it.
    observation_end : date-like, optional
        Last moment of history, inclusive; default the last date in the log. Rows after
        it raise an error (never silently dropped).
    freq : {"D", "W", "M"}, default "D"
        Period within which purchases are merged.
    time_unit : {"D", "W", "M"}, optional
        Unit of ``recency`` and ``T``; default ``freq``.

    Returns
    -------
    SparkSummary
        ``frame``: ``customer_id``, ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``first_purchase``, ``last_purchase``, ``total_spend``,
        ``n_orders``, ``returned``; ``attrs``: ``time_unit``, ``freq``,
        ``observation_end``, ``rows_not_purchases``, ``customers_without_purchase``
        (what the pandas engine puts in ``DataFrame.attrs``).

    Raises
    ------
    DataValidationError
        Not a canonical log (wrong types, missing values, infinite amounts), an invalid
        ``observation_end``, rows after it, no purchase at all, or a customer whose
        amounts sum beyond 9e12.

    Examples
    --------
    With a Spark session ``spark`` (``tests/test_spark.py`` runs these steps)::

        from crmlib.datasets import load_cdnow
        from crmlib.spark import from_pandas, rfm_summary
        log = from_pandas(spark, load_cdnow())
        s = rfm_summary(log, observation_end="1998-06-30", time_unit="W")
        s.attrs["time_unit"]      # 'W'
        s.frame.count()           # 2357 customers
    """
    func = "rfm_summary"
    freq, unit = check_freq(freq, time_unit)
    tx, stats, end, bound = _checked(transactions, func, observation_end, "observation_end")
    refuse_late(tx, bound, end, stats["n_late"], "observation_end", func)
    if not stats["n_purchase"]:
        raise _no_purchase(tx, func)
    tx = _by_customer(tx)
    table = _customer_table(tx, freq)
    cols = _rfm_columns(table, period_of(end, freq), unit_factor(freq, unit))
    out = table.where(F.col("n_periods") > 0)
    if "order_id" in tx.columns:
        # distinct order ids of purchases; a missing id counts as one order, as in the
        # NumPy engine (a factorize code of its own)
        orders = (
            tx.where(F.col("amount") >= 0)
            .groupBy("customer_id")
            .agg(
                (F.count_distinct("order_id") + F.max(F.col("order_id").isNull().cast("long"))).alias("n_orders")
            )
        )
        out = out.join(orders, "customer_id", "left")
        cols["n_orders"] = F.col("n_orders").cast("long")
    else:
        cols["n_orders"] = F.col("n_lines").cast("long")
    cols["returned"] = micro_to_money(F.coalesce(F.col("returned_u"), F.lit(0)))
    frame = out.select("customer_id", *[v.alias(k) for k, v in cols.items()])
    # only logs with returns can have customers without a purchase: no extra job otherwise
    n_without = table.where(F.col("n_periods") == 0).count() if stats["n_not_purchase"] else 0
    attrs = {
        "time_unit": unit,
        "freq": freq,
        "observation_end": end,
        "rows_not_purchases": int(stats["n_not_purchase"]),
        "customers_without_purchase": int(n_without),
    }
    return SparkSummary(frame.select(*_RFM_COLUMNS), attrs)


def calibration_holdout_split(
    transactions: DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    freq: Literal["D", "W", "M"] = "D",
    time_unit: Literal["D", "W", "M"] | None = None,
) -> SparkSummary:
    """Calibration summary and holdout counts of a Spark log.

    The Spark engine of :func:`crmlib.features.calibration_holdout_split`: the split is
    by date (purchases on or before ``calibration_end`` calibrate, later ones are
    holdout, even inside the end's week or month), and only customers seen in
    calibration are kept.

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame
        Canonical log, as for :func:`rfm_summary`.
    calibration_end : date-like
        Last moment of the calibration window, inclusive.
    observation_end : date-like, optional
        Last moment of the holdout, inclusive; default the last date in the log.
    freq, time_unit
        As in :func:`rfm_summary`.

    Returns
    -------
    SparkSummary
        ``frame``: ``customer_id``, ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``frequency_holdout``, ``monetary_value_holdout``,
        ``duration_holdout``; ``attrs`` as the pandas engine's, with
        ``calibration_end`` and ``customers_after_calibration``.

    Examples
    --------
    With a Spark session ``spark``::

        split = calibration_holdout_split(from_pandas(spark, load_cdnow()),
                                          calibration_end="1997-09-30",
                                          observation_end="1998-06-30", time_unit="W")
        split.frame.agg({"frequency_holdout": "sum"}).first()[0]    # 1882
    """
    func = "calibration_holdout_split"
    freq, unit = check_freq(freq, time_unit)
    factor = unit_factor(freq, unit)
    cal_end, cal_bound = to_date(calibration_end, "calibration_end"), end_bound(calibration_end, "calibration_end")
    tx, stats, obs_end, obs_bound = _checked(transactions, func, observation_end, "observation_end")
    cal_p, obs_p = period_of(cal_end, freq), period_of(obs_end, freq)
    if obs_p <= cal_p:
        raise DataValidationError(
            f"observation_end ({obs_end:%Y-%m-%d}) must fall in a later period than "
            f"calibration_end ({cal_end:%Y-%m-%d}).",
            suggestion="choose a calibration end inside the observation window.",
        )
    refuse_late(tx, obs_bound, obs_end, stats["n_late"], "observation_end", func)
    if not stats["n_purchase"]:
        raise _no_purchase(tx, func)
    table = _customer_table(_by_customer(tx), freq, cal_bound=cal_bound)
    counts = table.agg(
        F.sum((F.col("n_periods") > 0).cast("long")).alias("n_cal"),
        F.sum(((F.col("n_periods") == 0) & (F.col("hold_n") > 0)).cast("long")).alias("n_new"),
        F.sum(((F.col("n_periods") == 0) & (F.col("any_cal") == 1)).cast("long")).alias("n_without"),
    ).first()
    if not counts["n_cal"]:
        raise DataValidationError(
            f"No purchases on or before calibration_end={cal_end}.",
            suggestion=f"the log starts on {as_timestamp(stats['first_date']):%Y-%m-%d}; choose a later calibration end.",
        )
    cols = _rfm_columns(table, cal_p, factor)
    hold_n = F.col("hold_n").cast("long")
    frame = table.where(F.col("n_periods") > 0).select(
        "customer_id",
        *[cols[k].alias(f"{k}_cal") for k in ("frequency", "recency", "T", "monetary_value")],
        hold_n.alias("frequency_holdout"),
        F.when(
            hold_n > 0, F.try_divide(micro_to_money(F.coalesce(F.col("hold_u"), F.lit(0))), hold_n.cast("double"))
        )
        .otherwise(F.lit(0.0))
        .alias("monetary_value_holdout"),
        (F.lit(obs_p - cal_p) / F.lit(float(factor))).alias("duration_holdout"),
    )
    attrs = {
        "time_unit": unit,
        "freq": freq,
        "observation_end": obs_end,
        "calibration_end": cal_end,
        "rows_not_purchases": int(stats["n_not_purchase"]),
        "customers_without_purchase": int(counts["n_without"] or 0),
        "customers_after_calibration": int(counts["n_new"] or 0),
    }
    return SparkSummary(frame, attrs)


def churn_features(
    transactions: DataFrame,
    observation_end: Any,
    *,
    window_days: int | float | str | pd.Timedelta = 90,
) -> SparkSummary:
    """Churn features as of ``observation_end`` from the rows dated up to that day, on Spark.

    The Spark engine of :func:`crmlib.churn.churn_features`: the same columns
    (:data:`crmlib.churn.FEATURE_COLUMNS`, plus ``customer_id``), computed from rows
    dated on or before ``observation_end`` only (later rows are never read).

    Sums of money are exact integer millionths here. The pandas function sums floats
    for three columns (``spend_last_window``, ``spend_trend``, ``return_rate``), so
    those agree with it to rounding (1e-12 relative); every other column is equal.

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame
        Canonical log, as for :func:`rfm_summary`. Negative amounts (returns kept by
        policy) only feed ``return_rate``.
    observation_end : date-like
        The "as of" date, inclusive.
    window_days : int, float, str or Timedelta, default 90
        Length of the two windows compared by ``spend_trend``; a number is days.

    Returns
    -------
    SparkSummary
        ``frame``: one row per customer with a purchase by ``observation_end``;
        ``attrs``: ``observation_end`` and ``window``.

    Examples
    --------
    With a Spark session ``spark``::

        f = churn_features(from_pandas(spark, load_cdnow()), "1997-09-30")
        f.frame.columns[1:] == crmlib.churn.FEATURE_COLUMNS          # True
    """
    from crmlib.churn.features import FEATURE_COLUMNS

    func = "churn_features"
    start = end_bound(observation_end, "observation_end")
    end_ts = to_date(observation_end, "observation_end")
    window = to_duration(window_days, "window_days", unit="D")
    tx = check_log(transactions, func=func)
    # the only place the log is touched: everything below sees the past alone
    past = tx.where(F.col("date") < ts_literal(start))
    stats = log_stats(past, None)
    if stats["n"]:
        refuse_bad_log(past, stats, func=func)
    if not stats["n_purchase"]:
        first = tx.agg(F.min("date")).first()[0]
        raise DataValidationError(
            f"{func}: no customer has a purchase on or before observation_end {end_ts:%Y-%m-%d}"
            + (f"; the log starts on {as_timestamp(first):%Y-%m-%d}." if first is not None else "."),
            column="date",
            suggestion="choose an observation_end after the first purchases in the log.",
        )
    last_day = (start - pd.Timedelta(1, "ns")).normalize()
    table = _customer_table(_by_customer(past), "D", windows=(start - 2 * window, start - window, start), last_gap=True)
    rfm = _rfm_columns(table, period_of(last_day, "D"), 1.0)
    freq = rfm["frequency"].cast("double")
    recent = micro_to_money(F.coalesce(F.col("recent_u"), F.lit(0)))
    previous = micro_to_money(F.coalesce(F.col("prev_u"), F.lit(0)))
    both = previous + recent
    total = rfm["total_spend"]
    returned = micro_to_money(F.coalesce(F.col("returned_u"), F.lit(0)))
    mean_gap = F.when(freq > 0, F.try_divide(rfm["recency"], freq))
    days_since = rfm["T"] - rfm["recency"]
    cols = {
        "days_since_last": days_since,
        "frequency": freq,
        "active_span_days": rfm["recency"],
        "tenure_days": rfm["T"],
        "total_spend": total,
        "avg_spend": total / (freq + F.lit(1.0)),
        "spend_last_window": recent,
        "spend_trend": F.when(both > 0, F.try_divide(recent - previous, both)).otherwise(F.lit(0.0)),
        "mean_gap_days": mean_gap,
        "last_gap_days": F.when(freq > 0, F.col("last_gap").cast("double")),
        "gap_ratio": F.when(freq > 0, F.try_divide(days_since, mean_gap)),
        # clipped to [0, 1]; returns with no spend at all are a full return (pandas: inf -> 1)
        "return_rate": F.when(total > 0, F.least(F.greatest(F.try_divide(returned, total), F.lit(0.0)), F.lit(1.0)))
        .when(returned > 0, F.lit(1.0))
        .otherwise(F.lit(float("nan"))),
    }
    frame = table.where(F.col("n_periods") > 0).select(
        "customer_id", *[cols[k].alias(k) for k in FEATURE_COLUMNS]
    )
    return SparkSummary(frame, {"observation_end": end_ts, "window": window})

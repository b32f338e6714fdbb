"""What the Spark functions share: the log check, period numbers, literals, quiet conversions.

The rules are crmlib's (:mod:`crmlib.conventions`); this module only says how each one
is written as a Spark column expression, so the Spark results equal the pandas engine's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import pandas as pd

from crmlib.exceptions import DataValidationError

try:
    from pyspark.sql import Column, DataFrame, Window  # noqa: F401 (shared with the other modules)
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
except ModuleNotFoundError as err:  # pragma: no cover - the extra is installed in CI
    raise ModuleNotFoundError(
        "crmlib.spark needs pyspark 4 or later (and Java 17): pip install 'crmlib[spark]'."
    ) from err

from crmlib.features._engines import MAX_AMOUNT, MICRO

__all__ = ["SparkSummary"]

#: Canonical log columns, as crmlib.read_transactions returns them.
LOG_COLUMNS = ("customer_id", "date", "amount")

_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_DATES = (T.TimestampType, T.TimestampNTZType, T.DateType)


class SparkSummary(NamedTuple):
    """A Spark result and what a pandas result carries in ``DataFrame.attrs``.

    Spark DataFrames have no ``attrs``, so the Spark functions return the frame together
    with the same dictionary the pandas engine puts in ``attrs`` (``time_unit``,
    ``freq``, ``observation_end``, ...). :func:`crmlib.spark.collapse` and
    :func:`crmlib.spark.score` read it, as the CLV models read a pandas summary's attrs.
    """

    frame: DataFrame
    attrs: dict[str, Any]


@contextmanager
def quiet() -> Iterator[None]:
    """Silence pyspark's 'pandas >= 3 not fully supported' notice during conversions only.

    The conversions crmlib makes (numbers, text, timestamps) are checked by the tests
    against the pandas engine; the notice concerns pandas features crmlib does not pass,
    and pyspark 4.3 still passes pandas 3's deprecated ``copy=`` keyword inside.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        yield


def to_pandas(sdf: DataFrame) -> pd.DataFrame:
    """``sdf.toPandas()`` without the pandas-version notice."""
    with quiet():
        return sdf.toPandas()


def from_pandas(spark, df: pd.DataFrame, schema=None) -> DataFrame:
    """``spark.createDataFrame(df)`` without the pandas-version notice."""
    with quiet():
        return spark.createDataFrame(df, schema=schema)


def check_spark_frame(sdf: Any, *, func: str, what: str = "transaction log") -> DataFrame:
    """A Spark DataFrame with unique column names, or a DataValidationError."""
    if not isinstance(sdf, DataFrame):
        raise DataValidationError(
            f"{func}: expected a Spark DataFrame as the {what}, got {type(sdf).__name__}.",
            suggestion=f"pass a pyspark.sql.DataFrame, or use the pandas function of the same name "
            f"(crmlib.{'read_transactions' if func.endswith('read_transactions') else 'features'}) for a pandas DataFrame.",
        )
    cols = sdf.columns
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise DataValidationError(
            f"{func}: the {what} has duplicated column names {dup}.",
            column=dup[0],
            suggestion="rename or drop the duplicates (e.g. after a join) before calling " + func + ".",
        )
    return sdf


def check_log(sdf: Any, *, func: str) -> DataFrame:
    """The canonical log on Spark, checked by type; dates as wall-clock ``timestamp_ntz``.

    ``TIMESTAMP`` (Spark's default, an instant) is read as wall-clock time in the
    session time zone, which is how Spark shows it; ``DATE`` is midnight. Missing values
    are counted by :func:`log_stats` in the same pass as the other checks.
    """
    hint = (
        "validate the raw data with crmlib.spark.read_transactions(sdf, customer=..., date=..., amount=...), "
        f"which returns the canonical columns customer_id, date and amount, then pass that log to {func}."
    )
    if hasattr(sdf, "transactions") and hasattr(sdf, "report"):  # a read_transactions result
        sdf = sdf.transactions
    sdf = check_spark_frame(sdf, func=func)
    missing = [c for c in LOG_COLUMNS if c not in sdf.columns]
    if missing:
        raise DataValidationError(
            f"{func}: column {', '.join(map(repr, missing))} not found in the transaction log. "
            f"Available columns: {', '.join(map(repr, sdf.columns)) or '(none)'}.",
            column=missing[0],
            suggestion=hint,
        )
    types = {f.name: f.dataType for f in sdf.schema.fields}
    if not isinstance(types["customer_id"], T.StringType):
        raise DataValidationError(
            f"{func}: column 'customer_id' must be text (string), got {types['customer_id'].simpleString()}.",
            column="customer_id",
            suggestion=hint,
        )
    if not isinstance(types["date"], _DATES):
        raise DataValidationError(
            f"{func}: column 'date' must be a timestamp or date, got {types['date'].simpleString()}.",
            column="date",
            suggestion=hint,
        )
    if not isinstance(types["amount"], _NUMERIC):
        raise DataValidationError(
            f"{func}: column 'amount' must be numeric, got {types['amount'].simpleString()}.",
            column="amount",
            suggestion=hint,
        )
    out = sdf.withColumn("date", F.col("date").cast("timestamp_ntz")).withColumn(
        "amount", F.col("amount").cast("double")
    )
    if "order_id" in out.columns and not isinstance(types["order_id"], T.StringType):
        out = out.withColumn("order_id", F.col("order_id").cast("string"))
    return out


def ts_literal(ts: pd.Timestamp) -> Column:
    """A wall-clock ``timestamp_ntz`` literal; sub-microsecond bounds round up (Spark
    keeps microseconds, so ``date >= bound`` is unchanged)."""
    ts = pd.Timestamp(ts)
    if ts.nanosecond:
        ts = ts.ceil("us")
    return F.lit(f"{ts:%Y-%m-%d %H:%M:%S.%f}").cast("timestamp_ntz")


def period(date: Column, freq: str) -> Column:
    """Integer period of a wall-clock timestamp: days, Monday-start weeks or calendar
    months since 1970 (as :func:`crmlib.features._periods.period_numbers`)."""
    day = F.to_date(date)
    if freq == "M":
        return ((F.year(day) - 1970) * 12 + F.month(day) - 1).cast("long")
    days = F.datediff(day, F.lit("1970-01-01").cast("date")).cast("long")
    if freq == "W":
        # 1970-01-01 was a Thursday: shift by 3 so weeks run Monday..Sunday, floored
        return F.floor((days + 3) / 7).cast("long")
    return days


def period_of(ts: pd.Timestamp, freq: str) -> int:
    """The same period number of one Timestamp, on the driver."""
    from crmlib.features._periods import period_numbers

    return int(period_numbers(pd.Timestamp(ts), freq)[0])


def units(amount: Column) -> Column:
    """Money in integer millionths: ``rint(amount * 1e6)`` (Java's rint rounds half to
    even, as NumPy's), the integer arithmetic of both pandas engines."""
    return F.rint(amount * F.lit(float(MICRO))).cast("long")


def micro_to_money(col: Column) -> Column:
    return col / F.lit(float(MICRO))


def log_stats(tx: DataFrame, bound: pd.Timestamp | None, *, extra: dict[str, Column] | None = None) -> dict:
    """One pass over the log: missing values, rows at or after ``bound``, first and last
    date, non-purchases and the total magnitude of money (for the int64 limit)."""
    amt = F.col("amount")
    aggs = {
        "n": F.count(F.lit(1)),
        "n_missing": F.sum(
            (F.col("customer_id").isNull() | F.col("date").isNull() | amt.isNull() | F.isnan(amt)).cast("long")
        ),
        "n_infinite": F.sum(
            F.coalesce((F.abs(amt) == F.lit(math.inf)), F.lit(False)).cast("long")
        ),
        "n_late": F.sum((F.col("date") >= ts_literal(bound)).cast("long")) if bound is not None else F.lit(0),
        "first_date": F.min("date"),
        "last_date": F.max("date"),
        "n_not_purchase": F.sum(F.coalesce(amt < 0, F.lit(False)).cast("long")),
        "n_purchase": F.sum(F.coalesce(amt >= 0, F.lit(False)).cast("long")),
        "abs_money": F.sum(F.abs(amt)),
        **(extra or {}),
    }
    row = tx.agg(*[v.alias(k) for k, v in aggs.items()]).collect()[0].asDict()
    return {k: (0 if v is None and k.startswith("n") else v) for k, v in row.items()}


def refuse_bad_log(tx: DataFrame, stats: dict, *, func: str) -> None:
    """Raise as :func:`crmlib.checks.check_log` does, from :func:`log_stats`'s counts."""
    hint = (
        "validate the raw data with crmlib.spark.read_transactions, which refuses or counts such rows, "
        f"then pass that log to {func}."
    )
    if stats["n"] == 0:
        raise DataValidationError(f"{func}: the transaction log is empty (0 rows).", suggestion=hint)
    if stats["n_missing"]:
        amt = F.col("amount")
        bad = tx.where(F.col("customer_id").isNull() | F.col("date").isNull() | amt.isNull() | F.isnan(amt))
        raise DataValidationError(
            f"{func}: {stats['n_missing']:,} rows have a missing customer_id, date or amount.",
            rows=to_pandas(bad.select(*LOG_COLUMNS).limit(5)),
            suggestion=hint,
        )
    if stats["n_infinite"]:
        bad = tx.where(F.abs(F.col("amount")) == F.lit(math.inf))
        raise DataValidationError(
            f"{func}: column 'amount' has {stats['n_infinite']:,} infinite values.",
            column="amount",
            rows=to_pandas(bad.select(*LOG_COLUMNS).limit(5)),
            suggestion=hint,
        )
    if float(stats["abs_money"] or 0.0) * MICRO > MAX_AMOUNT * MICRO:
        # rare: only then is the per-customer sum worth a shuffle
        per = tx.groupBy("customer_id").agg(F.sum(F.abs(F.col("amount"))).alias("sum of |amount|"))
        over = per.where(F.col("sum of |amount|") > F.lit(MAX_AMOUNT))
        rows = to_pandas(over.limit(10))
        if len(rows):
            n_over = over.count()
            raise DataValidationError(
                f"{n_over:,} customers have amounts summing to more than {MAX_AMOUNT:,.0f} in magnitude "
                f"(e.g. {rows['customer_id'].iloc[0]!r}), more than crmlib sums exactly to a millionth.",
                column="amount",
                rows=rows.set_index("customer_id"),
                suggestion="check these customers' amounts (a unit or decimal-mark error?), or rescale the "
                "column, e.g. to thousands of the currency unit.",
            )


def refuse_late(tx: DataFrame, bound: pd.Timestamp, end: pd.Timestamp, n_late: int, name: str, func: str) -> None:
    """Rows after an inclusive end are an error (as the pandas engine), never dropped."""
    if n_late:
        late = tx.where(F.col("date") >= ts_literal(bound)).select(*LOG_COLUMNS).limit(5)
        raise DataValidationError(
            f"{func}: {n_late:,} transactions fall after {name}={end}.",
            column="date",
            rows=to_pandas(late),
            suggestion=f"pass a later {name}, or read the data with "
            f"crmlib.spark.read_transactions(..., observation_end='{end:%Y-%m-%d}'), which excludes and counts them.",
        )


def as_timestamp(value: Any) -> pd.Timestamp | None:
    """A Python datetime from Spark (or None) as a pandas Timestamp."""
    return None if value is None else pd.Timestamp(value)

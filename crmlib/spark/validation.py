"""``read_transactions`` on Spark: the same policies and the same accounting.

Every input row ends up in the returned log or in the count of one exclusion reason
(:data:`crmlib.validation.EXCLUSION_REASONS`, same names, same order of precedence, same
default policy), so ``rows_in == rows_used + rows_excluded`` as with pandas. The checks
and the counts are one aggregation over the log; nothing is collected to the driver but
the counts and, in an error, five offending rows.

What the pandas reader infers from text (decimal commas, currency symbols, day-first
dates) is not guessed here: a data lake's columns are typed, so text amounts are refused
with the cast to make, and text dates are read as ISO or with ``date_format``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import pandas as pd

from crmlib.conventions import end_bound
from crmlib.exceptions import DataValidationError, missing_columns_error
from crmlib.features._engines import MAX_AMOUNT
from crmlib.spark._common import (
    _NUMERIC,
    Column,
    DataFrame,
    F,
    T,
    Window,
    as_timestamp,
    check_spark_frame,
    to_pandas,
    ts_literal,
)
from crmlib.validation import DEFAULT_POLICY, EXCLUSION_REASONS, Action, ValidationReport

__all__ = ["SparkTransactions", "read_transactions"]

_INTEGRAL = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_FLOATS = (T.FloatType, T.DoubleType)
#: float64 holds whole numbers exactly only below this
_MAX_EXACT_FLOAT = float(2**53)
#: strptime directives -> Spark datetime pattern letters
_STRPTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%f": "SSSSSS", "%y": "yy",
             "%%": "%"}
_ISO_PATTERNS = ("yyyy-MM-dd HH:mm:ss.SSSSSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS",
                 "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd")
_SUGGEST_POLICY = "pass policy={{{reason!r}: 'exclude'}} to drop these rows (they are counted in the report), or 'keep' to keep them."


class SparkTransactions(NamedTuple):
    """What :func:`read_transactions` returns: the validated Spark log and its accounting.

    ``report`` is crmlib's :class:`~crmlib.validation.ValidationReport`; its
    ``excluded_rows`` is a Spark DataFrame here (lazy: the excluded rows in canonical
    columns with a ``reason`` column), since they may not fit on the driver.
    """

    transactions: DataFrame
    report: ValidationReport


def _spark_pattern(fmt: str) -> str:
    unknown = [d for d in re.findall(r"%.", fmt) if d not in _STRPTIME]
    if unknown:
        raise DataValidationError(
            f"date_format={fmt!r} uses {unknown}, which crmlib.spark cannot translate to Spark.",
            suggestion="use %Y, %m, %d, %H, %M, %S, %f or %y, or parse the column with Spark "
            "(F.to_timestamp_ntz) before calling read_transactions.",
        )
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            out.append(_STRPTIME[fmt[i:i + 2]])
            i += 2
            continue
        ch = fmt[i]
        out.append(f"'{ch}'" if ch.isalpha() else ("''" if ch == "'" else ch))
        i += 1
    return "".join(out)


def _date_expr(col: str, dtype, date_format: str | None, notes: list[str], tz_name: str) -> Column:
    """Wall-clock ``timestamp_ntz``; null where a present value cannot be read (counted)."""
    c = F.col(col)
    if isinstance(dtype, T.TimestampNTZType):
        return c
    if isinstance(dtype, T.TimestampType):
        notes.append(
            f"{col!r}: TIMESTAMP values (instants) were read as wall-clock time in the session time zone "
            f"({tz_name}), as Spark shows them; set spark.sql.session.timeZone to choose another zone."
        )
        return c.cast("timestamp_ntz")
    if isinstance(dtype, T.DateType):
        return c.cast("timestamp_ntz")
    if isinstance(dtype, T.StringType):
        text = F.trim(c)
        if date_format is not None:
            return F.try_to_timestamp(text, F.lit(_spark_pattern(date_format))).cast("timestamp_ntz")
        return F.coalesce(*[F.try_to_timestamp(text, F.lit(p)).cast("timestamp_ntz") for p in _ISO_PATTERNS])
    if isinstance(dtype, _INTEGRAL) or (isinstance(dtype, T.DecimalType) and dtype.scale == 0):
        # whole-number yyyymmdd, as the pandas reader
        return F.try_to_timestamp(c.cast("long").cast("string"), F.lit("yyyyMMdd")).cast("timestamp_ntz")
    raise DataValidationError(
        f"Column {col!r} holds {dtype.simpleString()}, not dates.",
        column=col,
        suggestion="map the date column to a timestamp, date, ISO text or yyyymmdd number column.",
    )


def _number_expr(col: str, dtype) -> Column:
    if isinstance(dtype, T.BooleanType):
        raise DataValidationError(
            f"Column {col!r} holds booleans, not numbers.", column=col, suggestion="check the column mapping."
        )
    if isinstance(dtype, T.StringType):
        raise DataValidationError(
            f"Column {col!r} is text on Spark; crmlib.spark does not guess decimal marks or currency symbols.",
            column=col,
            suggestion=f"cast it in Spark first, e.g. sdf.withColumn({col!r}, F.regexp_replace({col!r}, '[$,]', "
            "'').cast('double')) for '$1,234.50', or read the file with crmlib.read_transactions (pandas), which "
            "infers the decimal mark.",
        )
    if not isinstance(dtype, _NUMERIC):
        raise DataValidationError(
            f"Column {col!r} holds {dtype.simpleString()}, not numbers.", column=col,
            suggestion="check the column mapping.",
        )
    v = F.col(col).cast("double")
    return F.when(~F.isnan(v), v)  # NaN is a missing value, as in pandas


def _id_kind(col: str, dtype) -> str:
    if isinstance(dtype, T.StringType):
        return "text"
    if isinstance(dtype, _INTEGRAL) or (isinstance(dtype, T.DecimalType) and dtype.scale == 0):
        return "integer"
    if isinstance(dtype, (*_FLOATS, T.DecimalType)):
        return "float"
    raise DataValidationError(
        f"Column {col!r} holds {dtype.simpleString()}, which is not an id.",
        column=col,
        suggestion="map the id column to a text or integer column.",
    )


def _id_base(col: str, kind: str) -> Column:
    """Id as text before the whole-decimal rule; null for missing and blank ids."""
    c = F.col(col)
    if kind == "text":
        s = F.regexp_replace(c, r"(?U)^\s+|\s+$", "")  # Python's str.strip
        return F.when(s != "", s)
    if kind == "integer":
        return c.cast("long").cast("string")
    v = c.cast("double")
    return F.when(~F.isnan(v), v.cast("long").cast("string"))  # whole numbers (checked)


def _id_stats(col: str, kind: str, base: Column, prefix: str) -> dict[str, Column]:
    if kind == "text":
        return {
            f"{prefix}_nonblank": F.count(base),
            f"{prefix}_whole": F.sum(F.coalesce(base.rlike(r"^[+-]?\d+(\.0+)?$"), F.lit(False)).cast("long")),
            f"{prefix}_dotted": F.sum(F.coalesce(base.rlike(r"^[+-]?\d+\.0+$"), F.lit(False)).cast("long")),
        }
    if kind == "float":
        v = F.col(col).cast("double")
        ok = v.isNotNull() & ~F.isnan(v)
        return {
            f"{prefix}_inexact": F.sum((ok & (F.abs(v) >= F.lit(_MAX_EXACT_FLOAT))).cast("long")),
            f"{prefix}_fraction": F.sum((ok & (v != F.floor(v))).cast("long")),
        }
    return {}


def _refuse_ids(raw: DataFrame, col: str, kind: str, stats: dict, prefix: str, notes: list[str]) -> Column:
    """Raise on float ids that lost digits or are not whole; the final id expression."""
    base = _id_base(col, kind)
    if kind == "float":
        v = F.col(col).cast("double")
        if stats[f"{prefix}_inexact"]:
            rows = to_pandas(raw.where(F.abs(v) >= F.lit(_MAX_EXACT_FLOAT)).select(col).limit(5))
            raise DataValidationError(
                f"Column {col!r} holds {stats[f'{prefix}_inexact']:,} ids stored as floating-point numbers of "
                "2**53 or more: such floats have lost digits, so different customers may share one id.",
                column=col,
                rows=rows,
                suggestion="read the ids as text or integers at the source.",
            )
        if stats[f"{prefix}_fraction"]:
            rows = to_pandas(raw.where(v != F.floor(v)).select(col).limit(5))
            raise DataValidationError(
                f"Column {col!r} holds {stats[f'{prefix}_fraction']:,} ids with a fractional part: ids are "
                "whole numbers or text.",
                column=col,
                rows=rows,
                suggestion="check the column mapping (is this the id column?), or cast the ids to text first.",
            )
        notes.append(f"{col!r}: numeric ids stored as decimals (e.g. 17850.0) were read as whole numbers.")
        return base
    if kind == "text" and stats[f"{prefix}_dotted"] and stats[f"{prefix}_whole"] == stats[f"{prefix}_nonblank"]:
        # every id is a whole number and some carry ".0": the column was a float column
        notes.append(f"{col!r}: ids written as whole-number decimals (e.g. '17850.0') were read as whole numbers, "
                     "as a float id would be.")
        return F.regexp_replace(base, r"\.0+$", "")
    return base


def read_transactions(
    source: DataFrame,
    *,
    customer: str,
    date: str,
    amount: str | None = None,
    quantity: str | None = None,
    price: str | None = None,
    order: str | None = None,
    extra_columns: Sequence[str] = (),
    observation_end: str | pd.Timestamp | None = None,
    policy: Mapping[str, Action] | None = None,
    cancellation_prefix: str | None = "C",
    date_format: str | None = None,
) -> SparkTransactions:
    """Validate and account for a transaction log held in a Spark DataFrame.

    The Spark counterpart of :func:`crmlib.read_transactions`: the same exclusion
    reasons, precedence, default policy and accounting. The returned log has the
    canonical columns (``customer_id`` text, ``date`` wall-clock ``timestamp_ntz``,
    ``amount`` double, then ``order_id``, ``quantity`` and the extra columns), in no
    particular order.

    Parameters
    ----------
    source : pyspark.sql.DataFrame
        One row per transaction line. Not modified.
    customer, date, amount, quantity, price, order, extra_columns, observation_end, policy, cancellation_prefix
        As in :func:`crmlib.read_transactions`.
    date_format : str, optional
        ``strptime`` format of text dates (``"%d/%m/%Y"``), used for every row. Without
        it text dates must be ISO (``2024-01-31``, ``2024-01-31 10:15:00``). Timestamp
        and date columns need no format; whole numbers are read as ``yyyymmdd``.

    Returns
    -------
    SparkTransactions
        ``(transactions, report)``; ``report.rows_in == report.rows_used +
        report.rows_excluded``.

    Raises
    ------
    DataValidationError
        Missing or duplicated columns, empty input, missing or unreadable dates, text,
        infinite or out-of-range amounts, float ids that lost digits, an all-missing id
        column, and any reason whose policy is ``"raise"`` (by default missing amounts).

    Examples
    --------
    With a Spark session ``spark`` (``tests/test_spark.py`` runs these steps)::

        raw = spark.createDataFrame(
            [("a", "2024-01-02", 10.0), ("a", "2024-01-09", 12.5), ("b", "2024-01-03", 7.0),
             (None, "2024-01-04", 3.0)], ["cust", "day", "value"])
        tx, report = read_transactions(raw, customer="cust", date="day", amount="value")
        report.rows_in, report.rows_used, report.excluded     # (4, 3, {'missing_customer': 1})
    """
    pol: dict[str, Action] = dict(DEFAULT_POLICY)
    for reason, action in (policy or {}).items():
        if reason not in DEFAULT_POLICY:
            raise DataValidationError(f"Unknown policy reason {reason!r}.", suggestion=f"use one of: {', '.join(DEFAULT_POLICY)}.")
        if action not in ("exclude", "keep", "raise"):
            raise DataValidationError(f"Unknown policy action {action!r} for {reason!r}.",
                                      suggestion="use 'exclude', 'keep' or 'raise'.")
        pol[reason] = action
    raw = check_spark_frame(source, func="read_transactions", what="source data")
    mapping = {"customer": customer, "date": date, "amount": amount, "quantity": quantity, "price": price, "order": order}
    named = [c for c in mapping.values() if c is not None] + list(extra_columns)
    end = None if observation_end is None else end_bound(observation_end, "observation_end")
    missing = [c for c in named if c not in raw.columns]
    if missing:
        raise missing_columns_error(missing, list(raw.columns), what="transaction data")
    if amount is None and price is None:
        raise DataValidationError(
            "No spend column given: pass amount= (the line's value) or price= (with quantity=).",
            suggestion=f"available columns: {', '.join(raw.columns)}.",
        )
    for c in extra_columns:
        if c in ("customer_id", "date", "amount", "order_id", "quantity"):
            raise DataValidationError(f"Extra column {c!r} clashes with a canonical column name.", column=c,
                                      suggestion="rename it before reading.")
    types = {f.name: f.dataType for f in raw.schema.fields}
    notes: list[str] = []
    tz_name = raw.sparkSession.conf.get("spark.sql.session.timeZone")

    # --- conversions as column expressions (checked below, in one pass, before any use)
    when = _date_expr(date, types[date], date_format, notes, tz_name)
    qty = _number_expr(quantity, types[quantity]) if quantity else None
    if amount is not None:
        amt = _number_expr(amount, types[amount])
    else:
        unit = _number_expr(price, types[price])
        amt = unit * qty if qty is not None else unit
    id_kind = _id_kind(customer, types[customer])
    order_kind = _id_kind(order, types[order]) if order else None
    cust0 = _id_base(customer, id_kind)
    order0 = _id_base(order, order_kind) if order else None

    # --- policy flags, in precedence order (as crmlib.validation)
    dup = F.row_number().over(Window.partitionBy(*[F.col(c) for c in raw.columns]).orderBy(F.lit(1))) > 1
    false = F.lit(False)
    flags: dict[str, Column] = {
        "missing_customer": cust0.isNull(),
        "cancellation": (
            F.coalesce(F.upper(order0).startswith(cancellation_prefix.upper()), false)
            if order0 is not None and cancellation_prefix
            else false
        ),
        "duplicate": dup,
        "return": F.coalesce(qty < 0, false) if qty is not None else false,
        "negative_amount": F.coalesce(amt < 0, false),
        "zero_amount": F.coalesce(amt == 0, false),
        "after_observation_end": F.coalesce(when >= ts_literal(end), false) if end is not None else false,
        "missing_amount": amt.isNull(),
    }
    reason = F.lit(None).cast("string")
    for name in reversed(flags):
        reason = F.when(flags[name], F.lit(name)).otherwise(reason)
    annotated = raw.select(
        *[F.col(c) for c in raw.columns],
        cust0.alias("__cust0"),
        when.alias("__date"),
        amt.alias("__amount"),
        *([order0.alias("__order0")] if order0 is not None else []),
        *([qty.alias("__qty")] if qty is not None else []),
        reason.alias("__reason"),
    )

    a, d = F.col("__amount"), F.col("__date")
    checks = {
        "rows_in": F.count(F.lit(1)),
        "date_missing": F.sum(F.col(date).isNull().cast("long")),
        "date_unread": F.sum((F.col(date).isNotNull() & d.isNull()).cast("long")),
        "bad_amount": F.sum(F.coalesce(F.abs(a) > F.lit(MAX_AMOUNT), false).cast("long")),
        "ids": F.count(F.col(customer)),
        **_id_stats(customer, id_kind, F.col("__cust0"), "cust"),
        **(_id_stats(order, order_kind, F.col("__order0"), "order") if order else {}),
        **{f"r_{name}": F.sum((F.col("__reason") == name).cast("long")) for name in flags},
    }
    stats = annotated.agg(*[v.alias(k) for k, v in checks.items()]).first().asDict()
    stats = {k: int(v or 0) for k, v in stats.items()}
    rows_in = stats["rows_in"]
    shown = [c for c in named if c in raw.columns]
    if rows_in == 0:
        raise DataValidationError("The transaction data is empty (0 rows).",
                                  suggestion="check the file or the filter that produced it.")
    if stats["ids"] == 0:
        raise DataValidationError(
            f"Column {customer!r} has no values at all ({rows_in:,} missing).", column=customer,
            suggestion=f"check the column mapping: is {customer!r} the right column?",
        )
    cust = _refuse_ids(raw, customer, id_kind, stats, "cust", notes)
    order_ids = _refuse_ids(raw, order, order_kind, stats, "order", notes) if order else None
    if stats["date_missing"]:
        raise DataValidationError(
            f"Column {date!r} has {stats['date_missing']:,} missing dates.",
            column=date,
            rows=to_pandas(raw.where(F.col(date).isNull()).select(*shown).limit(5)),
            suggestion="a transaction without a date cannot be placed in time; fill or drop these rows first.",
        )
    if stats["date_unread"]:
        bad = annotated.where(F.col(date).isNotNull() & d.isNull()).select(*shown).limit(5)
        raise DataValidationError(
            f"Column {date!r} has {stats['date_unread']:,} values that cannot be read as dates"
            + (f" with date_format={date_format!r}." if date_format else " (ISO text expected)."),
            column=date,
            rows=to_pandas(bad),
            suggestion="fix these values, or pass date_format= (e.g. '%d/%m/%Y') for day-first text dates.",
        )
    if stats["bad_amount"]:
        bad = annotated.where(F.abs(a) > F.lit(MAX_AMOUNT)).select(*shown).limit(5)
        col = amount or price
        raise DataValidationError(
            f"Column {col!r} has {stats['bad_amount']:,} infinite or out-of-range amounts (crmlib sums money "
            f"exactly to a millionth, which holds magnitudes up to {MAX_AMOUNT:,.0f}).",
            column=col,
            rows=to_pandas(bad),
            suggestion="fix or remove these rows (an 'inf' usually comes from a division by zero upstream), "
            "or rescale the column (e.g. thousands of the currency unit).",
        )

    excluded: dict[str, int] = {}
    kept: dict[str, int] = {}
    for name in flags:
        n = stats[f"r_{name}"]
        if not n:
            continue
        if pol[name] == "raise":
            col = {"missing_customer": customer, "cancellation": order, "return": quantity,
                   "after_observation_end": date}.get(name, amount or price)
            rows = to_pandas(annotated.where(F.col("__reason") == name).select(*shown).limit(5))
            raise DataValidationError(
                f"{n:,} rows: {EXCLUSION_REASONS[name]} (column {col!r}).",
                column=col, rows=rows, suggestion=_SUGGEST_POLICY.format(reason=name),
            )
        (excluded if pol[name] == "exclude" else kept)[name] = n

    canon = [cust.alias("customer_id"), d.alias("date"), a.alias("amount")]
    if order_ids is not None:
        canon.append(order_ids.alias("order_id"))
    if qty is not None:
        canon.append((F.col("__qty").cast("long") if isinstance(types[quantity], _INTEGRAL) else F.col("__qty"))
                     .alias("quantity"))
    canon += [F.col(c) for c in extra_columns]
    # coalesce: a clean row's reason is null, and a null filter would drop it
    drop = F.coalesce(F.col("__reason").isin(list(excluded)), F.lit(False)) if excluded else F.lit(False)
    # the duplicate window is computed once for both outputs
    marked = annotated.select(*canon, F.col("__reason").alias("reason"), drop.alias("__drop"))
    out = marked.where(~F.col("__drop")).drop("reason", "__drop")
    excluded_rows = marked.where(F.col("__drop")).drop("__drop")

    summary = (
        out.groupBy("customer_id")
        .agg(F.count(F.lit(1)).alias("n"), F.count_distinct(F.to_date("date")).alias("days"),
             F.min("date").alias("first"), F.max("date").alias("last"))
        .agg(F.sum("n").alias("rows_used"), F.count(F.lit(1)).alias("customers"),
             F.sum((F.col("days") > 1).cast("long")).alias("repeaters"),
             F.min("first").alias("first"), F.max("last").alias("last"))
        .first()
    )
    rows_used = int(summary["rows_used"] or 0)
    if rows_used == 0:
        raise DataValidationError(
            f"No rows left after the exclusion policy: {', '.join(f'{k}={v:,}' for k, v in excluded.items())}.",
            rows=to_pandas(excluded_rows.limit(5)),
            suggestion="check the column mapping (is 'amount' the right column?) or relax the policy.",
        )
    n_customers = int(summary["customers"])
    if n_customers == 1:
        notes.append("Only one customer: segment, tier and model results need many customers.")
    elif not summary["repeaters"]:
        notes.append(
            "Every customer bought on a single day only (no repeat buyers): repeat-purchase models "
            "(BG/NBD, Pareto/NBD) cannot be fitted to this log."
        )
    if end is not None:
        notes.append(f"Observation end {end - pd.Timedelta(1, 'ns'):%Y-%m-%d %H:%M}; later lines excluded.")
    report = ValidationReport(
        rows_in=rows_in, rows_used=rows_used, excluded=excluded, kept=kept, notes=notes, policy=pol,
        n_customers=n_customers, first_date=as_timestamp(summary["first"]), last_date=as_timestamp(summary["last"]),
        excluded_rows=excluded_rows,
    )
    # the accounting identity crmlib promises, from two independent counts
    if report.rows_in != report.rows_used + report.rows_excluded:  # pragma: no cover
        raise RuntimeError("crmlib bug: rows in != rows used + rows excluded")
    return SparkTransactions(out, report)

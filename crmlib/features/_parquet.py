"""RFM aggregation straight from parquet files with DuckDB, for logs too big for pandas.

The file (or glob of files) holds a canonical log, e.g. written from
``read_transactions(...).transactions.to_parquet(...)``: ``customer_id``, ``date``
(timestamp or date), ``amount`` and optionally ``order_id``. DuckDB streams it; pandas
never holds the rows. Period numbers, integer money units and microsecond timestamps are
computed in SQL with the same definitions as :mod:`crmlib.features._periods`, so the
result equals ``rfm_summary`` on the same rows loaded into pandas.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError
from crmlib.features import _engines

_PERIOD_SQL = {
    "D": "(CAST(date AS DATE) - DATE '1970-01-01')",
    # 1970-01-01 was a Thursday: +3 makes weeks run Monday..Sunday
    "W": "CAST(floor(((CAST(date AS DATE) - DATE '1970-01-01') + 3) / 7.0) AS BIGINT)",
    "M": "((year(date) - 1970) * 12 + month(date) - 1)",
}


def is_file_source(source) -> bool:
    return isinstance(source, (str, os.PathLike))


def _connect(path):
    import duckdb

    con = duckdb.connect()
    p = str(path)
    if not any(ch in p for ch in "*?[") and not os.path.exists(p):
        raise DataValidationError(f"File not found: {p}.", suggestion="check the path.")
    if not p.lower().endswith((".parquet", ".pq")) and not any(ch in p for ch in "*?["):
        raise DataValidationError(
            f"{os.path.basename(p)!r} is not a parquet file.",
            suggestion="write the validated log with DataFrame.to_parquet, or pass a DataFrame.",
        )
    con.execute(f"CREATE VIEW raw AS SELECT * FROM read_parquet('{p.replace(chr(39), chr(39) * 2)}')")
    return con


def _check(con) -> tuple[bool, str]:
    cols = {r[0]: r[1] for r in con.execute("DESCRIBE raw").fetchall()}
    missing = [c for c in ("customer_id", "date", "amount") if c not in cols]
    if missing:
        raise DataValidationError(
            f"Column {', '.join(map(repr, missing))} not found in the parquet log. "
            f"Available columns: {', '.join(map(repr, cols))}.",
            column=missing[0],
            suggestion="write the log returned by crmlib.read_transactions, which has the canonical "
            "columns customer_id, date and amount.",
        )
    if not (cols["date"].startswith("TIMESTAMP") or cols["date"] == "DATE"):
        raise DataValidationError(
            f"Column 'date' must be a timestamp, got {cols['date']}.",
            column="date",
            suggestion="read the data with crmlib.read_transactions, which parses dates.",
        )
    if "WITH TIME ZONE" in cols["date"]:
        raise DataValidationError(
            "Column 'date' is time-zone-aware.", column="date",
            suggestion="read the data with crmlib.read_transactions, which normalises time zones.",
        )
    numeric = ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "DECIMAL", "HUGEINT", "SMALLINT", "REAL")
    if not cols["amount"].startswith(numeric):
        raise DataValidationError(
            f"Column 'amount' must be numeric, got {cols['amount']}.", column="amount",
            suggestion="read the data with crmlib.read_transactions, which parses text amounts.",
        )
    bad = con.sql(
        "SELECT customer_id, date, amount FROM raw "
        "WHERE customer_id IS NULL OR date IS NULL OR amount IS NULL OR isnan(amount::DOUBLE)"
    )
    n_bad = con.execute("SELECT count(*) FROM (SELECT 1 FROM raw WHERE customer_id IS NULL OR date IS NULL "
                    "OR amount IS NULL OR isnan(amount::DOUBLE))").fetchall()[0][0]
    if n_bad:
        rows = bad.limit(5).df()
        raise DataValidationError(
            f"{n_bad:,} rows have a missing customer_id, date or amount.",
            rows=rows,
            suggestion="read the data with crmlib.read_transactions, which applies and reports the "
            "exclusion policy for such rows.",
        )
    return "order_id" in cols, cols["customer_id"]


def _end(con, end, freq: str) -> tuple[pd.Timestamp, int]:
    ts = pd.Timestamp(con.execute("SELECT max(date) FROM raw").fetchall()[0][0]) if end is None else pd.Timestamp(end)
    from crmlib.features._periods import period_numbers

    return ts, int(period_numbers(ts, freq)[0])


def _late(con, freq: str, end_p: int, end: pd.Timestamp, name: str) -> None:
    period = _PERIOD_SQL[freq]
    n = con.execute(f"SELECT count(*) FROM raw WHERE {period} > {end_p}").fetchall()[0][0]
    if n:
        rows = con.sql(f"SELECT customer_id, date, amount FROM raw WHERE {period} > {end_p} LIMIT 5").df()
        raise DataValidationError(
            f"{n:,} transactions fall after {name}={end:%Y-%m-%d}.",
            column="date",
            rows=rows,
            suggestion=f"pass a later {name}, or filter the file first.",
        )


def _work_view(con, freq: str, has_order: bool, where: str = "TRUE") -> None:
    order = ", order_id" if has_order else ""
    con.execute(
        f"""CREATE OR REPLACE VIEW work AS
        SELECT customer_id, {_PERIOD_SQL[freq]} AS period,
               CAST(round_even(amount::DOUBLE * {_engines.MICRO}, 0) AS BIGINT) AS units,
               epoch_us(date::TIMESTAMP) AS ns{order}
        FROM raw WHERE {where}"""
    )


def _aggregate(con, has_order: bool) -> _engines.Aggregate:
    res = con.sql(
        f"""
        WITH p AS (
            SELECT customer_id, period, sum(units)::BIGINT AS u, min(ns) AS mn,
                   max(ns) AS mx, count(*)::BIGINT AS n
            FROM work GROUP BY customer_id, period
        ), c AS (
            SELECT customer_id, min(period) AS first_p, max(period) AS last_p,
                   count(*)::BIGINT AS n_periods, sum(u)::BIGINT AS total_u,
                   arg_min(u, period) AS first_u, min(mn) AS first_ns, max(mx) AS last_ns,
                   sum(n)::BIGINT AS n_lines
            FROM p GROUP BY customer_id
        ) SELECT c.* {", o.n_orders" if has_order else ", c.n_lines AS n_orders"}
        FROM c {"JOIN (SELECT customer_id, count(DISTINCT order_id)::BIGINT AS n_orders FROM work GROUP BY customer_id) o USING (customer_id)" if has_order else ""}
        ORDER BY customer_id
        """
    ).df()
    res = res.drop(columns="n_lines").set_index("customer_id")
    res.columns = ["first_p", "last_p", "n_periods", "total_u", "first_u", "first_t", "last_t", "n_orders"]
    return _engines.Aggregate(
        index=res.index,
        columns={c: res[c].to_numpy(dtype=np.int64) for c in res.columns},
        sorted=False,
    )


def summary_from_parquet(path, freq: str, end) -> tuple[_engines.Aggregate, int, object]:
    con = _connect(path)
    try:
        has_order, _ = _check(con)
        end_ts, end_p = _end(con, end, freq)
        _late(con, freq, end_p, end_ts, "observation_end")
        _work_view(con, freq, has_order)
        return _aggregate(con, has_order), end_p, _id_dtype(con)
    finally:
        con.close()


def split_from_parquet(path, freq: str, cal_end, obs_end):
    """Calibration aggregate, holdout counts and the number of customers new in the holdout."""
    con = _connect(path)
    try:
        has_order, _ = _check(con)
        cal_ts, cal_p = _end(con, cal_end, freq)
        obs_ts, obs_p = _end(con, obs_end, freq)
        if obs_p <= cal_p:
            raise DataValidationError(
                f"observation_end ({obs_ts:%Y-%m-%d}) must fall in a later period than "
                f"calibration_end ({cal_ts:%Y-%m-%d}).",
                suggestion="choose a calibration end inside the observation window.",
            )
        _late(con, freq, obs_p, obs_ts, "observation_end")
        period = _PERIOD_SQL[freq]
        _work_view(con, freq, has_order, where=f"{period} <= {cal_p}")
        if con.execute("SELECT count(*) FROM work").fetchall()[0][0] == 0:
            raise DataValidationError(
                f"No transactions on or before calibration_end={cal_ts:%Y-%m-%d}.",
                suggestion="choose a later calibration end.",
            )
        cal = _aggregate(con, has_order)
        hold = con.sql(
            f"""
            WITH h AS (
                SELECT customer_id, {period} AS period,
                       sum(CAST(round_even(amount::DOUBLE * {_engines.MICRO}, 0) AS BIGINT))::BIGINT AS u
                FROM raw WHERE {period} > {cal_p}
                  AND customer_id IN (SELECT DISTINCT customer_id FROM raw WHERE {period} <= {cal_p})
                GROUP BY customer_id, period
            ) SELECT customer_id, count(*)::BIGINT AS n_periods, sum(u)::BIGINT AS total_u
            FROM h GROUP BY customer_id
            """
        ).df().set_index("customer_id")
        n_new = con.execute(
            f"""SELECT count(DISTINCT customer_id) FROM raw WHERE {period} > {cal_p}
                AND customer_id NOT IN (SELECT DISTINCT customer_id FROM raw WHERE {period} <= {cal_p})"""
        ).fetchall()[0][0]
        return cal, hold, int(n_new), cal_p, obs_p, _id_dtype(con)
    finally:
        con.close()


def _id_dtype(con):
    kind = con.execute("SELECT typeof(customer_id) FROM raw LIMIT 1").fetchall()[0][0]
    return "str" if kind == "VARCHAR" else np.dtype("int64") if "INT" in kind else object

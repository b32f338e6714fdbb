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
from contextlib import contextmanager
from dataclasses import dataclass

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
        "WHERE customer_id IS NULL OR date IS NULL OR amount IS NULL OR NOT isfinite(amount::DOUBLE)"
    )
    n_bad = con.execute("SELECT count(*) FROM (SELECT 1 FROM raw WHERE customer_id IS NULL OR date IS NULL "
                    "OR amount IS NULL OR NOT isfinite(amount::DOUBLE))").fetchall()[0][0]
    if n_bad:
        rows = bad.limit(5).df()
        raise DataValidationError(
            f"{n_bad:,} rows have a missing customer_id, date or amount, or an infinite amount.",
            rows=rows,
            suggestion="read the data with crmlib.read_transactions, which applies and reports the "
            "exclusion policy for such rows.",
        )
    return "order_id" in cols, cols["customer_id"]


@contextmanager
def _open(path):
    """A DuckDB connection on the file; DuckDB's own errors become DataValidationErrors."""
    import duckdb

    con = None
    try:
        con = _connect(path)
        yield con
    except duckdb.Error as err:
        raise DataValidationError(
            f"Cannot read {os.path.basename(str(path))!r} as a parquet log ({type(err).__name__}: "
            f"{str(err).splitlines()[0][:200]}).",
            suggestion="check that the file was written completely (e.g. re-export it with "
            "DataFrame.to_parquet), or load it with pandas and pass the DataFrame.",
        ) from None
    finally:
        if con is not None:
            con.close()


def _end(con, end, name: str, freq: str) -> tuple[pd.Timestamp, str, int]:
    """Inclusive end, the SQL condition 'on or before it', and its period number."""
    from crmlib.conventions import end_bound, to_date
    from crmlib.features._periods import period_numbers

    if end is None:
        ts = pd.Timestamp(con.execute("SELECT max(date) FROM raw").fetchall()[0][0])
        cond = "TRUE"
    else:
        ts, bound = to_date(end, name), end_bound(end, name)
        cond = f"date < TIMESTAMP '{bound}'" if bound - ts == pd.Timedelta(days=1) else f"date <= TIMESTAMP '{ts}'"
    return ts, cond, int(period_numbers(ts, freq)[0])


def _late(con, on_or_before: str, end: pd.Timestamp, name: str) -> None:
    n = con.execute(f"SELECT count(*) FROM raw WHERE NOT ({on_or_before})").fetchall()[0][0]
    if n:
        rows = con.sql(f"SELECT customer_id, date, amount FROM raw WHERE NOT ({on_or_before}) LIMIT 5").df()
        raise DataValidationError(
            f"{n:,} transactions fall after {name}={end}.",
            column="date",
            rows=rows,
            suggestion=f"pass a later {name}, or filter the file first.",
        )


def _money(con, where: str = "TRUE") -> tuple[int, int, pd.Series | None]:
    """Refuse per-customer sums that overflow; count non-purchases and returned money."""
    limit = _engines.MAX_AMOUNT
    total, rows_not = con.execute(
        f"SELECT coalesce(sum(abs(amount::DOUBLE)), 0), count(*) FILTER (WHERE amount < 0) FROM raw WHERE {where}"
    ).fetchall()[0]
    if total > limit:
        over = con.sql(
            f"SELECT customer_id, sum(abs(amount::DOUBLE)) AS \"sum of |amount|\" FROM raw WHERE {where} "
            f"GROUP BY customer_id HAVING sum(abs(amount::DOUBLE)) > {limit} ORDER BY 2 DESC"
        ).df()
        if len(over):
            raise DataValidationError(
                f"{len(over):,} customers have amounts summing to more than {limit:,.0f} in magnitude "
                f"(e.g. {over.iloc[0, 0]!r}), more than crmlib sums exactly to a millionth.",
                column="amount",
                rows=over.head(10),
                suggestion="check these customers' amounts (a unit or decimal-mark error?), or rescale the "
                "column, e.g. to thousands of the currency unit.",
            )
    if not rows_not:
        return 0, 0, None
    n_without = con.execute(
        f"SELECT count(DISTINCT customer_id) - count(DISTINCT customer_id) FILTER (WHERE amount >= 0) "
        f"FROM raw WHERE {where}"
    ).fetchall()[0][0]
    ret = con.sql(
        f"SELECT customer_id, sum(CAST(round_even(-amount::DOUBLE * {_engines.MICRO}, 0) AS BIGINT))::BIGINT AS u "
        f"FROM raw WHERE ({where}) AND amount < 0 GROUP BY customer_id"
    ).df()
    returned = pd.Series(ret["u"].to_numpy(dtype=np.int64), index=ret["customer_id"].to_numpy()) if len(ret) else None
    return int(rows_not), int(n_without), returned


def _work_view(con, freq: str, has_order: bool, where: str = "TRUE") -> None:
    order = ", order_id" if has_order else ""
    # purchase occasions only: no returns or refunds (crmlib.conventions.purchase_mask: amount >= 0)
    con.execute(
        f"""CREATE OR REPLACE VIEW work AS
        SELECT customer_id, {_PERIOD_SQL[freq]} AS period,
               CAST(round_even(amount::DOUBLE * {_engines.MICRO}, 0) AS BIGINT) AS units,
               epoch_us(date::TIMESTAMP) AS ns{order}
        FROM raw WHERE ({where}) AND amount >= 0"""
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


@dataclass
class Summary:
    agg: _engines.Aggregate
    end: pd.Timestamp
    end_p: int
    id_dtype: object
    rows_not: int
    n_without: int
    returned: pd.Series | None


def summary_from_parquet(path, freq: str, end) -> Summary:
    with _open(path) as con:
        has_order, _ = _check(con)
        end_ts, on_or_before, end_p = _end(con, end, "observation_end", freq)
        _late(con, on_or_before, end_ts, "observation_end")
        rows_not, n_without, returned = _money(con)
        _no_purchase(con)
        _work_view(con, freq, has_order)
        return Summary(_aggregate(con, has_order), end_ts, end_p, _id_dtype(con), rows_not, n_without, returned)


@dataclass
class Split:
    agg: _engines.Aggregate
    hold: pd.DataFrame
    n_new: int
    cal_end: pd.Timestamp
    cal_p: int
    obs_end: pd.Timestamp
    obs_p: int
    id_dtype: object
    rows_not: int
    n_without: int


def split_from_parquet(path, freq: str, cal_end, obs_end) -> Split:
    """Calibration aggregate, holdout counts and the number of customers new in the holdout."""
    with _open(path) as con:
        has_order, _ = _check(con)
        cal_ts, in_cal, cal_p = _end(con, cal_end, "calibration_end", freq)
        obs_ts, in_obs, obs_p = _end(con, obs_end, "observation_end", freq)
        if obs_p <= cal_p:
            raise DataValidationError(
                f"observation_end ({obs_ts:%Y-%m-%d}) must fall in a later period than "
                f"calibration_end ({cal_ts:%Y-%m-%d}).",
                suggestion="choose a calibration end inside the observation window.",
            )
        _late(con, in_obs, obs_ts, "observation_end")
        rows_not, _, _ = _money(con)
        _, n_without, _ = _money(con, in_cal)
        period = _PERIOD_SQL[freq]
        # a time split never sees a row after its end, even inside the end's week or month
        _work_view(con, freq, has_order, where=in_cal)
        if con.execute("SELECT count(*) FROM work").fetchall()[0][0] == 0:
            raise DataValidationError(
                f"No purchases on or before calibration_end={cal_ts}.",
                suggestion="choose a later calibration end.",
            )
        cal = _aggregate(con, has_order)
        hold = con.sql(
            f"""
            WITH h AS (
                SELECT customer_id, {period} AS period,
                       sum(CAST(round_even(amount::DOUBLE * {_engines.MICRO}, 0) AS BIGINT))::BIGINT AS u
                FROM raw WHERE NOT ({in_cal}) AND amount >= 0
                  AND customer_id IN (SELECT DISTINCT customer_id FROM work)
                GROUP BY customer_id, period
            ) SELECT customer_id, count(*)::BIGINT AS n_periods, sum(u)::BIGINT AS total_u
            FROM h GROUP BY customer_id
            """
        ).df().set_index("customer_id")
        n_new = con.execute(
            f"""SELECT count(DISTINCT customer_id) FROM raw WHERE NOT ({in_cal}) AND amount >= 0
                AND customer_id NOT IN (SELECT DISTINCT customer_id FROM work)"""
        ).fetchall()[0][0]
        return Split(cal, hold, int(n_new), cal_ts, cal_p, obs_ts, obs_p, _id_dtype(con), rows_not, n_without)


def _no_purchase(con) -> None:
    if con.execute("SELECT count(*) FROM raw WHERE amount >= 0").fetchall()[0][0] == 0:
        raise DataValidationError(
            "rfm_summary: the parquet log has no purchases (no row with a non-negative amount).",
            suggestion="check the amount column; returns and zero lines are not purchases.",
        )


def _id_dtype(con):
    kind = con.execute("SELECT typeof(customer_id) FROM raw LIMIT 1").fetchall()[0][0]
    return "str" if kind == "VARCHAR" else np.dtype("int64") if "INT" in kind else object

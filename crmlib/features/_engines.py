"""The two engines behind ``rfm_summary``: pandas/NumPy and DuckDB.

Both reduce a log to the same per-customer integers (periods, sums in millionths of the
currency unit, integer timestamps). All float arithmetic happens afterwards, in one
shared function, and integer sums do not depend on summation order. That is why the
engines agree exactly, not just to rounding.

The NumPy engine makes one pass over a log sorted by customer and date, which is how
:func:`crmlib.read_transactions` returns it; an unsorted log is first sorted by
(customer code, period). DuckDB hashes instead of sorting, which wins on large unsorted
logs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError

#: Money is summed in integer millionths of the currency unit.
MICRO = 1_000_000
#: Largest amount, and largest sum of amounts per customer, that crmlib sums exactly:
#: 9e12 currency units is 9e18 millionths, safely inside int64 (about 9.22e18).
#: ``read_transactions`` refuses larger amounts; the engines refuse larger totals.
MAX_AMOUNT = 9e12

AGG_COLUMNS = ["first_p", "last_p", "n_periods", "total_u", "first_u", "first_t", "last_t", "n_orders"]


@dataclass
class Work:
    """Integer working arrays of one log."""

    ids: pd.Series
    period: np.ndarray
    units: np.ndarray
    ticks: np.ndarray  # timestamps as int64 in the log's own datetime unit
    time_unit: str  # that unit, e.g. "us"
    order: pd.Series | None
    _ids_sorted: bool | None = None

    @property
    def ids_sorted(self) -> bool:
        """Whether customer ids are in ascending order (checked once)."""
        if self._ids_sorted is None:
            self._ids_sorted = _is_sorted(self.ids)
        return self._ids_sorted


def prepare(tx: pd.DataFrame, periods: np.ndarray) -> Work:
    dates = tx["date"].to_numpy()
    money = tx["amount"].to_numpy(dtype="float64") * MICRO  # one temporary, rounded in place
    np.rint(money, out=money)
    check_totals(tx, money)
    return Work(
        ids=tx["customer_id"],
        period=np.asarray(periods, dtype=np.int64),
        units=money.astype(np.int64),
        ticks=dates.view(np.int64),
        time_unit=np.datetime_data(dates.dtype)[0],
        order=tx["order_id"] if "order_id" in tx.columns else None,
    )


def check_totals(tx: pd.DataFrame, money: np.ndarray) -> None:
    """Refuse a log whose per-customer money would overflow int64 millionths.

    One float pass decides for most logs: if every amount together stays below the
    limit, no customer's sum can exceed it.
    """
    limit = MAX_AMOUNT * MICRO
    if not np.isfinite(money).all():
        bad = ~np.isfinite(money)
        raise DataValidationError(
            f"{int(bad.sum()):,} amounts are infinite or not numbers.",
            column="amount",
            rows=tx.loc[bad, ["customer_id", "date", "amount"]].head(10),
            suggestion="read the data with crmlib.read_transactions, which refuses such amounts.",
        )
    if float(np.abs(money).sum()) <= limit:
        return
    per = pd.Series(np.abs(money) / MICRO).groupby(tx["customer_id"].to_numpy()).sum()
    over = per[per > MAX_AMOUNT]
    if len(over):
        raise DataValidationError(
            f"{len(over):,} customers have amounts summing to more than {MAX_AMOUNT:,.0f} in magnitude "
            f"(e.g. {over.index[0]!r}: {over.iloc[0]:,.2f}), more than crmlib sums exactly to a millionth.",
            column="amount",
            rows=over.rename("sum of |amount|").to_frame().head(10),
            suggestion="check these customers' amounts (a unit or decimal-mark error?), or rescale the "
            "column, e.g. to thousands of the currency unit.",
        )


@dataclass
class Aggregate:
    """Per-customer integers, the engines' common output."""

    index: pd.Index
    columns: dict[str, np.ndarray]
    sorted: bool  # index already in ascending order


def _arrow(values: pd.Series):
    """The pyarrow array behind an arrow-backed Series, else None."""
    try:
        import pyarrow as pa
    except ModuleNotFoundError:  # pragma: no cover
        return None
    arr = values.array
    if hasattr(arr, "_pa_array") or isinstance(values.dtype, pd.ArrowDtype):
        chunked = pa.chunked_array(arr._pa_array) if hasattr(arr, "_pa_array") else pa.array(arr)
        return chunked.combine_chunks() if isinstance(chunked, pa.ChunkedArray) else chunked
    return None


def _new_value(values: pd.Series) -> np.ndarray:
    """Boolean array, True where a row's value differs from the previous row's."""
    n = len(values)
    out = np.ones(n, dtype=bool)
    if n < 2:
        return out
    arr = _arrow(values)
    if arr is not None:
        import pyarrow.compute as pc

        out[1:] = pc.not_equal(arr.slice(1), arr.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    else:
        v = values.to_numpy()
        out[1:] = v[1:] != v[:-1]
    return out


def _is_sorted(values: pd.Series) -> bool:
    arr = _arrow(values)
    if arr is not None and len(values) > 1:
        import pyarrow.compute as pc

        n = len(values)
        return bool(pc.all(pc.less_equal(arr.slice(0, n - 1), arr.slice(1))).as_py())
    return bool(values.is_monotonic_increasing)


def _scan(new_c: np.ndarray, period: np.ndarray, units: np.ndarray, ticks: np.ndarray, ticks_sorted: bool) -> dict[str, np.ndarray]:
    """One pass over rows grouped by customer and sorted by period within customer.

    Intermediate index arrays are freed as soon as they are used: on 10M rows each one
    is 40-80 MB, and they would otherwise all be alive at the peak.
    """
    n = units.size
    new_p = new_c.copy()
    new_p[1:] |= period[1:] != period[:-1]
    g_start = np.flatnonzero(new_p)  # first row of each (customer, period) group
    del new_p
    # exact int64 sums per (customer, period); skipped when no period has two purchases
    g_units = units if g_start.size == n else np.add.reduceat(units, g_start)
    gc_start = np.flatnonzero(new_c[g_start])  # first group of each customer
    del g_start
    n_periods = np.diff(gc_start, append=g_units.size)
    total_u = np.add.reduceat(g_units, gc_start)
    first_u = g_units[gc_start]
    del g_units, gc_start
    c_start = np.flatnonzero(new_c)
    c_end = np.empty_like(c_start)
    c_end[:-1] = c_start[1:] - 1
    c_end[-1:] = n - 1
    if ticks_sorted:  # first and last rows of each customer hold the extremes
        first_t, last_t = ticks[c_start], ticks[c_end]
    else:
        first_t, last_t = np.minimum.reduceat(ticks, c_start), np.maximum.reduceat(ticks, c_start)
    return {
        # periods ascend within a customer, so its first and last rows hold them
        "first_p": period[c_start],
        "last_p": period[c_end],
        "n_periods": n_periods.astype(np.int64, copy=False),
        "total_u": total_u,
        "first_u": first_u,
        "first_t": first_t,
        "last_t": last_t,
        "c_start": c_start,
    }


def aggregate_pandas(work: Work) -> Aggregate:
    """Per-customer aggregates with NumPy."""
    n = len(work.ids)
    new_c = _new_value(work.ids)
    ticks_up = np.ones(n, dtype=bool)
    np.greater_equal(work.ticks[1:], work.ticks[:-1], out=ticks_up[1:])
    ticks_up |= new_c
    if work.ids_sorted and bool(ticks_up.all()):
        del ticks_up
        order = None
        scanned = _scan(new_c, work.period, work.units, work.ticks, ticks_sorted=True)
        c_start = scanned.pop("c_start")
        index = pd.Index(work.ids.iloc[c_start].array, name="customer_id")
        codes_sorted = np.cumsum(new_c) - 1 if work.order is not None else None
    else:
        del ticks_up
        # codes in sorted-id order, so the output comes out sorted too
        codes, uniques = pd.factorize(work.ids, sort=True)
        codes = codes.astype(np.int64)
        pmin = int(work.period.min())
        span = int(work.period.max()) - pmin + 1
        order = np.argsort(codes * span + (work.period - pmin), kind="stable")
        codes_sorted = codes[order]
        new_c = np.r_[True, codes_sorted[1:] != codes_sorted[:-1]]
        scanned = _scan(new_c, work.period[order], work.units[order], work.ticks[order], ticks_sorted=False)
        c_start = scanned.pop("c_start")
        index = pd.Index(uniques.take(codes_sorted[c_start]), name="customer_id")
    if work.order is not None:
        ocodes = pd.factorize(work.order, sort=False)[0].astype(np.int64)
        if order is not None:
            ocodes = ocodes[order]
        width = int(ocodes.max()) + 2
        pairs = np.unique(codes_sorted * width + ocodes + 1)
        n_orders = np.bincount(pairs // width, minlength=c_start.size)
    else:
        n_orders = np.diff(np.r_[c_start, n])
    scanned["n_orders"] = n_orders.astype(np.int64)
    return Aggregate(index=index, columns=scanned, sorted=True)


def _duckdb_table(work: Work, holdout: bool = False):
    import pyarrow as pa

    ids = _arrow(work.ids)
    if ids is None:
        ids = pa.array(work.ids.to_numpy())
    cols = {"customer_id": ids, "period": work.period, "units": work.units}
    if not holdout:
        cols["ns"] = work.ticks
        if work.order is not None:
            o = _arrow(work.order)
            cols["order_id"] = o if o is not None else pa.array(work.order.to_numpy())
    return pa.table(cols)


def _to_frame(arrow_table, ids_like: pd.Series) -> pd.DataFrame:
    ids = pd.Series(arrow_table.column("customer_id").to_pandas(types_mapper=_string_mapper))
    cols = {
        name: arrow_table.column(name).to_numpy().astype(np.int64)
        for name in arrow_table.column_names
        if name != "customer_id"
    }
    return pd.DataFrame(cols, index=pd.Index(ids.astype(ids_like.dtype), name="customer_id"))


def _frame_to_aggregate(frame: pd.DataFrame) -> Aggregate:
    frame = frame.sort_index()
    frame = frame.rename(columns={"first_ns": "first_t", "last_ns": "last_t"})
    return Aggregate(index=frame.index, columns={c: frame[c].to_numpy() for c in frame.columns}, sorted=True)


def _string_mapper(t):
    import pyarrow as pa

    return pd.StringDtype("pyarrow") if t in (pa.string(), pa.large_string()) else None


def aggregate_duckdb(work: Work) -> pd.DataFrame:
    """Per-customer aggregates in DuckDB's embedded engine (parallel hash aggregation)."""
    import duckdb

    tbl = _duckdb_table(work)  # noqa: F841  (DuckDB finds it by name)
    orders = "count(DISTINCT order_id)" if work.order is not None else "sum(n)"
    con = duckdb.connect()
    try:
        res = con.sql(
            f"""
            WITH p AS (
                SELECT customer_id, period, sum(units)::BIGINT AS u, min(ns) AS mn,
                       max(ns) AS mx, count(*)::BIGINT AS n
                FROM tbl GROUP BY customer_id, period
            )
            SELECT customer_id, min(period) AS first_p, max(period) AS last_p,
                   count(*)::BIGINT AS n_periods, sum(u)::BIGINT AS total_u,
                   arg_min(u, period) AS first_u, min(mn) AS first_ns, max(mx) AS last_ns,
                   {"sum(n)::BIGINT" if work.order is None else "0::BIGINT"} AS n_orders
            FROM p GROUP BY customer_id
            """
        ).to_arrow_table()
        out = _to_frame(res, work.ids)
        if work.order is not None:
            o = con.sql(
                f"SELECT customer_id, {orders}::BIGINT AS n_orders FROM tbl GROUP BY customer_id"
            ).to_arrow_table()
            out["n_orders"] = _to_frame(o, work.ids)["n_orders"].reindex(out.index).to_numpy()
    finally:
        con.close()
    return _frame_to_aggregate(out)


def aggregate_periods_pandas(work: Work) -> pd.DataFrame:
    """Holdout counts: distinct periods with a purchase and money units, per customer."""
    frame = pd.DataFrame({"customer_id": work.ids.to_numpy(), "period": work.period, "units": work.units})
    per = frame.groupby(["customer_id", "period"], sort=False)["units"].sum()
    out = per.groupby(level="customer_id", sort=False).agg(["size", "sum"])
    out.columns = ["n_periods", "total_u"]
    return out.astype(np.int64)


def aggregate_periods_duckdb(work: Work) -> pd.DataFrame:
    import duckdb

    tbl = _duckdb_table(work, holdout=True)  # noqa: F841
    con = duckdb.connect()
    try:
        res = con.sql(
            """
            SELECT customer_id, count(*)::BIGINT AS n_periods, sum(u)::BIGINT AS total_u
            FROM (SELECT customer_id, period, sum(units)::BIGINT AS u FROM tbl
                  GROUP BY customer_id, period)
            GROUP BY customer_id
            """
        ).to_arrow_table()
        return _to_frame(res, work.ids)
    finally:
        con.close()

"""The two engines behind ``rfm_summary``: pandas/NumPy and DuckDB.

Both reduce a log to the same per-customer integers (periods, sums in millionths of the
currency unit, integer timestamps). All float arithmetic happens afterwards, in one
shared function, and integer sums do not depend on summation order. That is why the
engines agree exactly, not just to rounding.

The NumPy engine makes one pass over a log sorted by customer and date, which is how
:func:`crmlib.read_transactions` returns it. An unsorted log is first put in (customer,
period) order. Hashing ten million text ids (``pd.factorize``, Arrow's dictionary encode)
costs seconds, so short ids are instead packed into order-preserving integer keys
(:func:`id_keys`: each character position takes only the bits its own alphabet needs, so
"C00012345" needs 27 bits), and one NumPy sort of ``key | period | row`` gives the order:
SIMD sorts of 64-bit integers run at hundreds of millions of values a second. Ids too long
to pack take the hashing route; there DuckDB's parallel hash aggregation can win on large
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
    """The pyarrow (chunked) array behind an arrow-backed Series, else None.

    Chunks are not combined: that would copy every id, and Arrow's memory pool keeps
    the copy (on 10M ids, 170 MB of resident memory for nothing).
    """
    try:
        import pyarrow as pa
    except ModuleNotFoundError:  # pragma: no cover
        return None
    arr = values.array
    if hasattr(arr, "_pa_array"):
        return arr._pa_array
    if isinstance(values.dtype, pd.ArrowDtype):
        return pa.array(arr)
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


#: Keys of at most this many bits; with the period and row bits they must fit an int64.
_KEY_BITS = 62


def id_keys(ids: pd.Series, max_bits: int = _KEY_BITS) -> tuple[np.ndarray, int] | None:
    """Order-preserving int64 keys of customer ids, or None when they do not fit.

    ``key[i] < key[j]`` exactly when ``ids[i] < ids[j]`` (text compares by code point,
    as pandas sorts it), and equal ids get equal keys. Integers are shifted by their
    minimum. Text is packed one character position (UTF-8 byte) at a time: position j
    contributes the rank of its byte among the bytes seen at j, with "string already
    ended" ranked lowest (a prefix sorts first), in as many bits as that alphabet needs;
    positions that never vary cost nothing. None when the ids are missing, of another
    type, or need more than ``max_bits`` bits.

    Examples
    --------
    >>> import pandas as pd
    >>> key, bits = id_keys(pd.Series(["C10", "C9", "C1", "C10"], dtype="str"))
    >>> key.tolist(), bits
    ([1, 2, 0, 1], 2)
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return None  # sorted by category order, not by value: the hashing route keeps that
    arr = _arrow(ids)
    if arr is None:
        values = ids.to_numpy()
        if values.dtype.kind in "iu":
            if values.size == 0:
                return np.zeros(0, np.int64), 0
            lo = values.min()
            bits = (int(values.max()) - int(lo)).bit_length()  # Python ints: no int64 overflow
            return ((values - lo).astype(np.int64), bits) if bits <= max_bits else None
        if values.dtype != object:
            return None
        import pyarrow as pa

        try:  # Python strings: one conversion, then the same packing
            arr = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    return _pack_strings(arr, max_bits)


def _string_columns(chunk, n_positions: int):
    """Per character position j, a function giving chunk's byte at j (0 past the end, else byte + 1)."""
    import pyarrow as pa

    n = len(chunk)
    _, obuf, dbuf = chunk.buffers()
    odt = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(obuf, dtype=odt)[chunk.offset : chunk.offset + n + 1].astype(np.int64)
    data = np.frombuffer(dbuf, dtype=np.uint8) if dbuf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    fixed = n > 0 and int(lengths.min()) == int(lengths.max())
    # fixed-width ids lie back to back: a 2-D view, no gathering
    mat = data[offsets[0] : offsets[0] + n * int(lengths[0])].reshape(n, -1) if fixed else None
    start = offsets[:-1]

    def column(j: int) -> np.ndarray:
        if mat is not None:
            return mat[:, j].astype(np.uint16) + 1 if j < mat.shape[1] else np.zeros(n, np.uint16)
        col = np.zeros(n, np.uint16)
        has = lengths > j
        col[has] = data[start[has] + j]
        col[has] += 1
        return col

    lmax = int(lengths.max()) if n else 0
    return column, lmax


def _pack_strings(arr, max_bits: int) -> tuple[np.ndarray, int] | None:
    import pyarrow as pa

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    t = arr.type
    if arr.null_count or not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return None
    n = len(arr)
    cols = [_string_columns(c, 0) for c in chunks if len(c)]
    lmax = max((m for _, m in cols), default=0)
    key = np.zeros(n, np.int64)
    # positions are gathered in a uint32 accumulator first: narrow arrays, fewer passes
    acc, acc_bits, bits = np.zeros(n, np.uint32), 0, 0
    for j in range(lmax):
        # the symbols at position j over every chunk: 0 = the id has ended, b + 1 = byte b
        present = np.zeros(257, dtype=bool)
        for column, _ in cols:
            present[column(j)] = True
        b = (int(present.sum()) - 1).bit_length()
        if b == 0:  # the same byte everywhere (a common prefix): no information
            continue
        bits += b
        if bits > max_bits:
            return None
        if acc_bits + b > 32:
            key <<= acc_bits
            key |= acc
            acc[:] = 0
            acc_bits = 0
        rank = (np.cumsum(present) - 1).astype(np.uint32)
        acc <<= b
        lo = 0
        for column, _ in cols:
            part = rank[column(j)]
            acc[lo : lo + part.size] |= part
            lo += part.size
        acc_bits += b
    key <<= acc_bits
    key |= acc
    return key, bits


#: Rows per block when building and splitting the sort keys: no 10M-row temporaries.
_BLOCK = 1 << 20


def _order_by_key(work: Work) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Row order by (customer, period), the periods in that order and the new-customer flags.

    One sort of int64 ``id key | period | row`` (the row makes it stable); None when the
    ids cannot be packed (:func:`id_keys`) or the three parts need more than 63 bits.
    """
    n = work.period.size
    rbits = max(n - 1, 1).bit_length()
    pmin = int(work.period.min())
    pbits = max(int(work.period.max()) - pmin, 1).bit_length()
    packed = id_keys(work.ids, max_bits=63 - rbits - pbits)
    if packed is None:
        return None
    key, _ = packed
    for lo in range(0, n, _BLOCK):  # key | period | row, block by block
        block = key[lo : lo + _BLOCK]
        block <<= pbits + rbits
        block |= (work.period[lo : lo + _BLOCK] - pmin) << rbits
        block |= np.arange(lo, lo + block.size, dtype=np.int64)
    work.period = None  # everything it held is in the key now
    key.sort()
    new_c = np.ones(n, dtype=bool)
    period = np.empty(n, dtype=np.int32 if pmin + (1 << pbits) < 2**31 and pmin > -(2**31) else np.int64)
    cshift = pbits + rbits
    last = None  # customer part of the previous block's last key (before it is masked)
    for lo in range(0, n, _BLOCK):
        block = key[lo : lo + _BLOCK]
        cust = block >> cshift
        np.not_equal(cust[1:], cust[:-1], out=new_c[lo + 1 : lo + block.size])
        if last is not None:
            new_c[lo] = cust[0] != last
        last = cust[-1]
        del cust
        period[lo : lo + block.size] = ((block >> rbits) & ((1 << pbits) - 1)) + pmin
        block &= (1 << rbits) - 1  # the row numbers: the order itself, in place
    return key, period, new_c


def aggregate_pandas(work: Work, *, hash_fallback: bool = True) -> Aggregate | None:
    """Per-customer aggregates with NumPy.

    A sorted log takes one pass; an unsorted one one sort of packed keys
    (:func:`id_keys`). When the ids cannot be packed, they are hashed
    (``pd.factorize``), or, with ``hash_fallback=False``, None is returned so that the
    caller can hand the log to DuckDB instead.
    """
    n = len(work.ids)
    new_c = _new_value(work.ids) if work.ids_sorted else None
    ticks_up = None
    if new_c is not None:  # sorted by customer; by date within customer too?
        ticks_up = np.ones(n, dtype=bool)
        np.greater_equal(work.ticks[1:], work.ticks[:-1], out=ticks_up[1:])
        ticks_up |= new_c
    if ticks_up is not None and bool(ticks_up.all()):
        del ticks_up
        order = None
        scanned = _scan(new_c, work.period, work.units, work.ticks, ticks_sorted=True)
        c_start = scanned.pop("c_start")
        index = pd.Index(work.ids.iloc[c_start].array, name="customer_id")
        codes_sorted = np.cumsum(new_c) - 1 if work.order is not None else None
    elif (by_key := _order_by_key(work)) is not None:
        del ticks_up
        order, period, new_c = by_key
        del by_key
        units = work.units[order]
        work.units = None  # a private working copy: free it before the next gather
        scanned = _scan(new_c, period, units, work.ticks[order], ticks_sorted=False)
        del units, period
        c_start = scanned.pop("c_start")
        index = pd.Index(work.ids.iloc[order[c_start]].array, name="customer_id")
        codes_sorted = np.cumsum(new_c) - 1 if work.order is not None else None
    elif not hash_fallback:
        return None
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

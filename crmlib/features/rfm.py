"""RFM summaries and the calibration/holdout split, in lifetimes' conventions.

Conventions (Fader, Hardie & Lee 2005; lifetimes ``summary_data_from_transaction_data``):

* purchases in the same period (day, week or calendar month: ``freq``) are one
  transaction, with their amounts summed;
* ``frequency`` counts *repeat* periods: the number of distinct purchase periods minus 1;
* ``recency`` is the time from the first to the last purchase period, ``T`` from the first
  purchase period to the observation end, both in ``time_unit`` (default ``freq``);
* ``monetary_value`` is the mean spend of the repeat periods (0 for one-time buyers).

Time is measured between period numbers, so with ``freq="D", time_unit="W"`` recency and
T are whole days divided by 7, as in the papers' CDNOW analyses.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from crmlib.checks import check_log
from crmlib.conventions import end_bound, purchase_mask, to_date
from crmlib.exceptions import DataValidationError
from crmlib.features import _engines, _parquet
from crmlib.features._periods import check_freq, period_numbers, unit_factor

__all__ = ["ENGINES", "rfm_summary", "calibration_holdout_split"]

Engine = Literal["auto", "pandas", "duckdb"]
ENGINES = ("pandas", "duckdb")
#: ``engine="auto"`` hands an unsorted log of at least this many rows to DuckDB only when
#: its customer ids are too long to pack into integer keys (``_engines.id_keys``, e.g.
#: UUIDs), so the NumPy engine would have to hash them. On ``make bench``'s shuffled 10M-row
#: log with packable ids the NumPy sort of packed keys beats DuckDB (README, Benchmarks).
AUTO_DUCKDB_ROWS = 5_000_000


def _end(tx: pd.DataFrame, value, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The inclusive end and its exclusive bound; default the last date in the log."""
    if value is None:
        last = pd.Timestamp(tx["date"].max())
        return last, last + pd.Timedelta(1, "ns")
    return to_date(value, name), end_bound(value, name)


def _has_duckdb() -> bool:
    try:
        import duckdb  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def _choose_engine(engine: Engine, n_rows: int) -> str:
    """'pandas', 'duckdb', or 'auto' (decided in :func:`_aggregate` from the ids)."""
    if engine not in ("auto", *ENGINES):
        raise DataValidationError(f"engine={engine!r} is unknown.", suggestion="use 'auto', 'pandas' or 'duckdb'.")
    if engine == "auto":
        # small logs, and machines without DuckDB, always take NumPy
        return "auto" if n_rows >= AUTO_DUCKDB_ROWS and _has_duckdb() else "pandas"
    if engine == "duckdb" and not _has_duckdb():
        raise ModuleNotFoundError("engine='duckdb' needs the duckdb package: pip install 'crmlib[big]'.")
    return engine


def _after_end(tx: pd.DataFrame, bound: pd.Timestamp, end: pd.Timestamp, name: str, func: str) -> None:
    late = (tx["date"] >= bound).to_numpy()
    if late.any():
        raise DataValidationError(
            f"{func}: {int(late.sum()):,} transactions fall after {name}={end}.",
            column="date",
            rows=tx.loc[late, ["customer_id", "date", "amount"]],
            suggestion=f"pass a later {name}, or read the data with "
            f"crmlib.read_transactions(..., observation_end='{end:%Y-%m-%d}'), which excludes and counts them.",
        )


def _purchases(tx: pd.DataFrame, func: str) -> tuple[pd.DataFrame, pd.Series | None, int, int]:
    """Purchase rows (``purchase_mask``), the returned money per customer in millionths,
    the number of other rows and of customers with no purchase at all."""
    buy = purchase_mask(tx["amount"])
    if buy.all():  # the usual case after read_transactions: no copy
        return tx, None, 0, 0
    if not buy.any():
        raise DataValidationError(
            f"{func}: the log has no purchases (no row with a non-negative amount).",
            rows=tx[["customer_id", "date", "amount"]].head(),
            suggestion="check the amount column; returns and zero lines are not purchases.",
        )
    neg = tx.loc[tx["amount"].to_numpy() < 0]
    returned = None
    if len(neg):
        units = np.rint(neg["amount"].to_numpy(dtype="float64") * -_engines.MICRO)
        _engines.check_totals(neg, units)
        returned = pd.Series(units.astype(np.int64)).groupby(neg["customer_id"].to_numpy()).sum()
    bought = tx.loc[buy]
    n_without = int(tx["customer_id"].nunique() - bought["customer_id"].nunique())
    return bought, returned, int((~buy).sum()), n_without


def _returned_column(out: pd.DataFrame, returned: pd.Series | None) -> None:
    if returned is None or not len(returned):
        out["returned"] = 0.0
        return
    if returned.index.dtype != out.index.dtype:
        returned.index = returned.index.astype(out.index.dtype)
    out["returned"] = returned.reindex(out.index, fill_value=0).to_numpy(dtype=np.int64) / _engines.MICRO


def _attrs(out: pd.DataFrame, freq: str, unit: str, observation_end: pd.Timestamp, rows_not: int,
           n_without: int, calibration_end: pd.Timestamp | None = None) -> pd.DataFrame:
    out.attrs["time_unit"] = unit
    out.attrs["freq"] = freq
    out.attrs["observation_end"] = observation_end
    if calibration_end is not None:
        out.attrs["calibration_end"] = calibration_end
    out.attrs["rows_not_purchases"] = int(rows_not)
    out.attrs["customers_without_purchase"] = int(n_without)
    return out


def _finish(agg: _engines.Aggregate, end_p: int, factor: float, id_dtype, time_unit: str) -> pd.DataFrame:
    """Float columns from the engines' integers; shared so both engines agree exactly."""
    c = agg.columns  # popped as used, so each input array is freed once consumed
    index = agg.index if agg.index.dtype == id_dtype else agg.index.astype(id_dtype)
    # built column by column: no consolidation copy of 8 x n_customers values
    out = pd.DataFrame(index=index)
    n_periods = c.pop("n_periods")
    out["frequency"] = n_periods - 1
    del n_periods
    frequency = out["frequency"].to_numpy()
    first_u = c.pop("first_u")
    total_u = c["total_u"]
    monetary = np.zeros(frequency.size)
    np.divide((total_u - first_u) / _engines.MICRO, frequency, out=monetary, where=frequency > 0)
    del first_u
    first_p, last_p = c.pop("first_p"), c.pop("last_p")
    out["recency"] = (last_p - first_p) / factor
    del last_p
    out["T"] = (end_p - first_p) / factor
    del first_p
    out["monetary_value"] = monetary
    del monetary
    dt = f"datetime64[{time_unit}]"
    out["first_purchase"] = c.pop("first_t").view(dt)
    out["last_purchase"] = c.pop("last_t").view(dt)
    out["total_spend"] = c.pop("total_u") / _engines.MICRO
    out["n_orders"] = c.pop("n_orders").astype(np.int64, copy=False)
    if not agg.sorted:
        out = out.sort_index(kind="stable")
    return out


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    observation_end: str | pd.Timestamp | None = None,
    freq: Literal["D", "W", "M"] = "D",
    time_unit: Literal["D", "W", "M"] | None = None,
    engine: Engine = "auto",
) -> pd.DataFrame:
    """Per-customer recency, frequency, monetary value and tenure.

    Parameters
    ----------
    transactions : DataFrame
        A validated log with columns ``customer_id``, ``date``, ``amount`` (and optionally
        ``order_id``), as returned by :func:`crmlib.read_transactions`.
    observation_end : date-like, optional
        Last moment of history, inclusive (a date-only value includes its whole day);
        default the last date in the log. Transactions after it raise an error (they are
        never silently dropped); ``T`` runs to the period that contains it.
    freq : {"D", "W", "M"}, default "D"
        Period within which purchases are merged: days, Monday-to-Sunday weeks, or
        calendar months.
    time_unit : {"D", "W", "M"}, optional
        Unit of ``recency`` and ``T``; default ``freq``. With ``freq="D"``, ``"W"`` divides
        days by 7 and ``"M"`` by 365.25/12 (never by 30).
    engine : {"auto", "pandas", "duckdb"}, default "auto"
        The pandas/NumPy engine, or DuckDB. "auto" uses NumPy, except on an unsorted log
        of 5,000,000 rows or more whose customer ids are too long to pack into 64-bit
        integer keys (e.g. UUIDs), which goes to DuckDB when it is installed. NumPy takes
        one linear pass over a log sorted by customer (as ``read_transactions`` returns
        it), and one integer sort otherwise. All engines give identical results.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``frequency`` (repeat periods), ``recency``,
        ``T``, ``monetary_value`` (mean spend of repeat periods, 0 for one-time buyers),
        ``first_purchase``, ``last_purchase``, ``total_spend`` (all purchases, the first
        included), ``n_orders`` (distinct order ids of purchases, or purchase lines when
        there is no ``order_id``) and ``returned`` (money of returns and refunds, as a
        positive number; 0 if none). Sums are exact to a millionth of the currency unit.

        Only purchases count (:func:`crmlib.conventions.purchase_mask`): returns and
        refunds kept by ``read_transactions``' policy never make a purchase period, never
        move recency and never lower the spend. (Zero-amount lines are excluded by
        ``read_transactions`` by default; kept by policy, as for CDNOW's $0 purchases that
        the papers count, they are purchase occasions with no spend.) ``attrs`` carries ``time_unit``, ``freq``, ``observation_end`` (inclusive
        Timestamp), ``rows_not_purchases`` (rows that are not purchases) and
        ``customers_without_purchase`` (customers left out because they only returned).

    Raises
    ------
    DataValidationError
        Not a canonical log (see :func:`crmlib.checks.check_log`), an invalid
        ``observation_end`` (e.g. "2025-06-31"), rows after it, no purchase at all, or a
        customer whose amounts sum beyond 9e12.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> tx = load_cdnow()
    >>> weeks_1_39 = tx[tx["date"] <= "1997-09-30"]
    >>> s = rfm_summary(weeks_1_39, observation_end="1997-09-30", time_unit="W")
    >>> len(s), int(s["frequency"].sum())
    (2357, 2457)
    >>> s.attrs["time_unit"], s.attrs["freq"], s.attrs["observation_end"]
    ('W', 'D', Timestamp('1997-09-30 00:00:00'))
    """
    freq, unit = check_freq(freq, time_unit)
    if _parquet.is_file_source(transactions):
        _file_engine(engine)
        if observation_end is not None:
            end_bound(observation_end, "observation_end")  # refuse "2025-06-31" before DuckDB runs
        res = _parquet.summary_from_parquet(transactions, freq, observation_end)
        out = _finish(res.agg, res.end_p, unit_factor(freq, unit), res.id_dtype, "us")
        _returned_column(out, res.returned)
        return _attrs(out, freq, unit, res.end, res.rows_not, res.n_without)
    tx = check_log(transactions, func="rfm_summary")
    end, bound = _end(tx, observation_end, "observation_end")
    _after_end(tx, bound, end, "observation_end", "rfm_summary")
    end_p = int(period_numbers(end, freq)[0])
    bought, returned, rows_not, n_without = _purchases(tx, "rfm_summary")
    agg = _aggregate(bought, period_numbers(bought["date"], freq), engine)
    out = _finish(agg, end_p, unit_factor(freq, unit), tx["customer_id"].dtype, _time_unit(tx))
    _returned_column(out, returned)
    return _attrs(out, freq, unit, end, rows_not, n_without)


def _file_engine(engine: Engine) -> None:
    if engine not in ("auto", "duckdb"):
        raise DataValidationError(
            f"engine={engine!r} cannot read a file: a parquet path is aggregated by DuckDB.",
            suggestion="use engine='auto' or 'duckdb', or load the file with pandas first.",
        )
    _choose_engine("duckdb", 0)


def _time_unit(tx: pd.DataFrame) -> str:
    return np.datetime_data(tx["date"].to_numpy().dtype)[0]


def _aggregate(tx: pd.DataFrame, periods: np.ndarray, engine: Engine) -> _engines.Aggregate:
    work = _engines.prepare(tx, periods)
    del periods  # work holds them; the engine may free them once used
    choice = _choose_engine(engine, len(tx))
    if choice == "duckdb":
        return _engines.aggregate_duckdb(work)
    # "auto" on a large log: NumPy when the log is sorted or its ids pack into integer
    # keys (a sort, no hashing); DuckDB's parallel hashing when they would have to be hashed
    agg = _engines.aggregate_pandas(work, hash_fallback=choice == "pandas")
    return agg if agg is not None else _engines.aggregate_duckdb(work)


def calibration_holdout_split(
    transactions: pd.DataFrame,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
    freq: Literal["D", "W", "M"] = "D",
    time_unit: Literal["D", "W", "M"] | None = None,
    engine: Engine = "auto",
) -> pd.DataFrame:
    """Split a log into a calibration summary and what happened in the holdout.

    Same conventions as :func:`rfm_summary`. Customers whose first purchase falls after
    ``calibration_end`` are not in the result (the models know nothing of them); their
    count is in ``result.attrs["customers_after_calibration"]``.

    The split is by date, never by period: calibration holds the purchases dated on or
    before ``calibration_end`` (inclusive; a date-only value includes its whole day), the
    holdout those after it, up to ``observation_end``. When ``calibration_end`` falls
    inside a week or month (``freq="W"`` or ``"M"``), the rest of that period belongs to
    the holdout: ``T_cal`` still runs to the period that contains ``calibration_end``
    (periods are whole), but the purchases made after it in that period are holdout
    purchases (they count in ``frequency_holdout``), never calibration ones.

    Parameters
    ----------
    transactions : DataFrame
        A validated log (``customer_id``, ``date``, ``amount``).
    calibration_end : date-like
        Last moment of the calibration window, inclusive.
    observation_end : date-like, optional
        Last moment of the holdout, inclusive; default the last date in the log.
    freq, time_unit, engine
        As in :func:`rfm_summary`.

    Returns
    -------
    DataFrame
        lifetimes' column names: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``frequency_holdout`` (distinct holdout periods with a
        purchase), ``monetary_value_holdout`` (mean spend of those periods, 0 if none) and
        ``duration_holdout`` (``T`` periods from the period of ``calibration_end`` to
        that of ``observation_end``), indexed by ``customer_id``. ``attrs`` as in
        :func:`rfm_summary`, plus ``calibration_end`` (inclusive Timestamp) and
        ``customers_after_calibration``; ``customers_without_purchase`` counts customers
        seen in calibration with returns only.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> s = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...                               observation_end="1998-06-30", time_unit="W")
    >>> int(s["frequency_cal"].sum()), int(s["frequency_holdout"].sum())
    (2457, 1882)
    """
    freq, unit = check_freq(freq, time_unit)
    factor = unit_factor(freq, unit)
    if _parquet.is_file_source(transactions):
        _file_engine(engine)
        end_bound(calibration_end, "calibration_end")
        if observation_end is not None:
            end_bound(observation_end, "observation_end")
        res = _parquet.split_from_parquet(transactions, freq, calibration_end, observation_end)
        cal = _finish(res.agg, res.cal_p, factor, res.id_dtype, "us")
        cal = cal[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")
        out = _holdout_columns(cal, res.hold, res.n_new, res.obs_p, res.cal_p, factor, res.id_dtype)
        return _attrs(out, freq, unit, res.obs_end, res.rows_not, res.n_without, res.cal_end)
    tx = check_log(transactions, func="calibration_holdout_split")
    cal_end, cal_bound = _end(tx, calibration_end, "calibration_end")
    obs_end, obs_bound = _end(tx, observation_end, "observation_end")
    cal_p = int(period_numbers(cal_end, freq)[0])
    obs_p = int(period_numbers(obs_end, freq)[0])
    if obs_p <= cal_p:
        raise DataValidationError(
            f"observation_end ({obs_end:%Y-%m-%d}) must fall in a later period than "
            f"calibration_end ({cal_end:%Y-%m-%d}).",
            suggestion="choose a calibration end inside the observation window.",
        )
    _after_end(tx, obs_bound, obs_end, "observation_end", "calibration_holdout_split")
    bought, _, rows_not, _ = _purchases(tx, "calibration_holdout_split")
    # a time split never sees a row after its end, even inside the end's week or month
    in_cal = (bought["date"] < cal_bound).to_numpy()
    if not in_cal.any():
        raise DataValidationError(
            f"No purchases on or before calibration_end={cal_end}.",
            suggestion=f"the log starts on {tx['date'].min():%Y-%m-%d}; choose a later calibration end.",
        )
    periods = period_numbers(bought["date"], freq)
    cal_tx = bought.loc[in_cal]
    cal = _finish(_aggregate(cal_tx, periods[in_cal], engine), cal_p, factor, tx["customer_id"].dtype,
                  _time_unit(tx))
    cal = cal[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")
    n_without = int(tx.loc[(tx["date"] < cal_bound).to_numpy(), "customer_id"].nunique() - len(cal))

    hold_mask = ~in_cal & bought["customer_id"].isin(cal.index).to_numpy()
    n_new = int(bought.loc[~in_cal, "customer_id"].drop_duplicates().isin(cal.index).__invert__().sum())
    hold_tx = bought.loc[hold_mask]
    if len(hold_tx):
        work = _engines.prepare(hold_tx, periods[hold_mask])
        if _choose_engine(engine, len(tx)) in ("duckdb", "auto"):
            hold = _engines.aggregate_periods_duckdb(work)
        else:
            hold = _engines.aggregate_periods_pandas(work)
        hold.index = hold.index.astype(tx["customer_id"].dtype)
    else:
        hold = None
    out = _holdout_columns(cal, hold, n_new, obs_p, cal_p, factor, tx["customer_id"].dtype)
    return _attrs(out, freq, unit, obs_end, rows_not, n_without, cal_end)


def _holdout_columns(cal, hold, n_new, obs_p, cal_p, factor, id_dtype) -> pd.DataFrame:
    if hold is not None and len(hold):
        if hold.index.dtype != id_dtype:
            hold.index = hold.index.astype(id_dtype)
        hold = hold.reindex(cal.index)
        n_periods = hold["n_periods"].fillna(0).to_numpy(dtype=np.int64)
        total = hold["total_u"].fillna(0).to_numpy(dtype=np.int64)
    else:
        n_periods = np.zeros(len(cal), np.int64)
        total = np.zeros(len(cal), np.int64)
    cal["frequency_holdout"] = n_periods
    cal["monetary_value_holdout"] = np.where(n_periods > 0, (total / _engines.MICRO) / np.maximum(n_periods, 1), 0.0)
    cal["duration_holdout"] = (obs_p - cal_p) / factor
    cal.attrs["customers_after_calibration"] = n_new
    return cal

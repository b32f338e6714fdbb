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

from crmlib.exceptions import DataValidationError, missing_columns_error
from crmlib.features import _engines, _parquet
from crmlib.features._periods import check_freq, period_numbers, unit_factor

__all__ = ["ENGINES", "check_transactions", "rfm_summary", "calibration_holdout_split"]

Engine = Literal["auto", "pandas", "duckdb"]
ENGINES = ("pandas", "duckdb")
#: Above this many rows ``engine="auto"`` uses DuckDB for an *unsorted* log, when it is
#: installed. ``make bench`` put the crossover between 1M rows (NumPy 0.40 s, DuckDB
#: 0.55 s) and 10M rows (NumPy 9.8 s, DuckDB 7.4 s) on this project's 2-core machine.
AUTO_DUCKDB_ROWS = 5_000_000

_REQUIRED = ("customer_id", "date", "amount")


def check_transactions(tx: pd.DataFrame) -> pd.DataFrame:
    """Check that ``tx`` is a canonical, validated log and return it.

    Accepts the DataFrame or the whole result of :func:`crmlib.read_transactions`.

    Raises
    ------
    DataValidationError
        Missing ``customer_id``/``date``/``amount`` columns (pointing to
        ``read_transactions``), an empty log, text or time-zone-aware dates, non-numeric
        amounts, or missing values.
    """
    return _check_log(tx)


def _check_log(tx: pd.DataFrame) -> pd.DataFrame:
    if hasattr(tx, "transactions") and hasattr(tx, "report"):  # a read_transactions result
        tx = tx.transactions
    if not isinstance(tx, pd.DataFrame):
        raise DataValidationError(
            f"Expected a transaction DataFrame, got {type(tx).__name__}.",
            suggestion="pass the log returned by crmlib.read_transactions(...).",
        )
    missing = [c for c in _REQUIRED if c not in tx.columns]
    if missing:
        err = missing_columns_error(missing, list(tx.columns), what="transaction log")
        raise DataValidationError(
            str(err).split("\nSuggestion:")[0],
            column=missing[0],
            suggestion="read the raw data with crmlib.read_transactions(raw, customer=..., date=..., "
            "amount=...), which returns the canonical columns customer_id, date and amount.",
        )
    if len(tx) == 0:
        raise DataValidationError("The transaction log is empty.", suggestion="check the filter that produced it.")
    if not pd.api.types.is_datetime64_any_dtype(tx["date"]) or isinstance(tx["date"].dtype, pd.DatetimeTZDtype):
        raise DataValidationError(
            f"Column 'date' must be naive datetime64, got {tx['date'].dtype}.",
            column="date",
            rows=tx[["customer_id", "date"]].head(),
            suggestion="read the data with crmlib.read_transactions, which parses and normalises dates.",
        )
    if not pd.api.types.is_numeric_dtype(tx["amount"]):
        raise DataValidationError(
            f"Column 'amount' must be numeric, got {tx['amount'].dtype}.",
            column="amount",
            rows=tx[["customer_id", "amount"]].head(),
            suggestion="read the data with crmlib.read_transactions, which parses text amounts.",
        )
    bad = tx["customer_id"].isna() | tx["date"].isna() | tx["amount"].isna()
    if bad.any():
        raise DataValidationError(
            f"{int(bad.sum()):,} rows have a missing customer_id, date or amount.",
            rows=tx.loc[bad, list(_REQUIRED)],
            suggestion="read the data with crmlib.read_transactions, which applies and reports the "
            "exclusion policy for such rows.",
        )
    return tx


def _end_period(tx: pd.DataFrame, end, freq: str, name: str) -> tuple[pd.Timestamp, int]:
    ts = tx["date"].max() if end is None else pd.Timestamp(end)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts, int(period_numbers(ts, freq)[0])


def _choose_engine(engine: Engine, n_rows: int, work=None) -> str:
    if engine not in ("auto", *ENGINES):
        raise DataValidationError(f"engine={engine!r} is unknown.", suggestion="use 'auto', 'pandas' or 'duckdb'.")
    if engine == "auto":
        # A log sorted by customer (as read_transactions returns it) is one NumPy pass;
        # DuckDB's hashing wins only on large unsorted logs.
        if n_rows < AUTO_DUCKDB_ROWS or (work is not None and work.ids_sorted):
            return "pandas"
        try:
            import duckdb  # noqa: F401
        except ModuleNotFoundError:
            return "pandas"
        return "duckdb"
    if engine == "duckdb":
        try:
            import duckdb  # noqa: F401
        except ModuleNotFoundError as err:
            raise ModuleNotFoundError(
                "engine='duckdb' needs the duckdb package: pip install 'crmlib[big]'."
            ) from err
    return engine


def _after_end(tx: pd.DataFrame, periods: np.ndarray, end_p: int, end: pd.Timestamp, name: str) -> None:
    late = periods > end_p
    if late.any():
        raise DataValidationError(
            f"{int(late.sum()):,} transactions fall after {name}={end:%Y-%m-%d}.",
            column="date",
            rows=tx.loc[late, ["customer_id", "date", "amount"]],
            suggestion=f"pass a later {name}, or read the data with "
            f"crmlib.read_transactions(..., observation_end={end:%Y-%m-%d}), which excludes and counts them.",
        )


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
        End of observation; default the last date in the log. Transactions in a later
        period raise an error (they are never silently dropped).
    freq : {"D", "W", "M"}, default "D"
        Period within which purchases are merged: days, Monday-to-Sunday weeks, or
        calendar months.
    time_unit : {"D", "W", "M"}, optional
        Unit of ``recency`` and ``T``; default ``freq``. With ``freq="D"``, ``"W"`` divides
        days by 7 and ``"M"`` by 365.25/12 (never by 30).
    engine : {"auto", "pandas", "duckdb"}, default "auto"
        The pandas/NumPy engine, or DuckDB for large logs. "auto" uses DuckDB for unsorted
        logs above 5,000,000 rows when it is installed, NumPy otherwise: a log sorted by
        customer (as ``read_transactions`` returns it) takes one linear pass. Both
        engines give identical results.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``frequency`` (repeat periods), ``recency``,
        ``T``, ``monetary_value`` (mean spend of repeat periods, 0 for one-time buyers),
        ``first_purchase``, ``last_purchase``, ``total_spend`` (all purchases, the first
        included) and ``n_orders`` (distinct order ids, or lines when there is no
        ``order_id``). Sums are exact to a millionth of the currency unit.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> tx = load_cdnow()
    >>> weeks_1_39 = tx[tx["date"] <= "1997-09-30"]
    >>> s = rfm_summary(weeks_1_39, observation_end="1997-09-30", time_unit="W")
    >>> len(s), int(s["frequency"].sum())
    (2357, 2457)
    """
    if _parquet.is_file_source(transactions):
        freq, unit = check_freq(freq, time_unit)
        _file_engine(engine)
        agg, end_p, id_dtype = _parquet.summary_from_parquet(transactions, freq, observation_end)
        return _finish(agg, end_p, unit_factor(freq, unit), id_dtype, "us")
    tx = _check_log(transactions)
    freq, unit = check_freq(freq, time_unit)
    end, end_p = _end_period(tx, observation_end, freq, "observation_end")
    periods = period_numbers(tx["date"], freq)
    _after_end(tx, periods, end_p, end, "observation_end")
    agg = _aggregate(tx, periods, engine)
    return _finish(agg, end_p, unit_factor(freq, unit), tx["customer_id"].dtype, _time_unit(tx))


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
    if _choose_engine(engine, len(tx), work) == "duckdb":
        return _engines.aggregate_duckdb(work)
    return _engines.aggregate_pandas(work)


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

    Parameters
    ----------
    transactions : DataFrame
        A validated log (``customer_id``, ``date``, ``amount``).
    calibration_end : date-like
        Last day (period) of the calibration window.
    observation_end : date-like, optional
        Last day of the holdout; default the last date in the log.
    freq, time_unit, engine
        As in :func:`rfm_summary`.

    Returns
    -------
    DataFrame
        lifetimes' column names: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal``, ``frequency_holdout`` (distinct holdout periods with a
        purchase), ``monetary_value_holdout`` (mean spend of those periods, 0 if none) and
        ``duration_holdout``, indexed by ``customer_id``.

    Examples
    --------
    >>> from crmlib.datasets import load_cdnow
    >>> s = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...                               observation_end="1998-06-30", time_unit="W")
    >>> int(s["frequency_cal"].sum()), int(s["frequency_holdout"].sum())
    (2457, 1882)
    """
    if _parquet.is_file_source(transactions):
        freq, unit = check_freq(freq, time_unit)
        _file_engine(engine)
        agg, hold, n_new, cal_p, obs_p, id_dtype = _parquet.split_from_parquet(
            transactions, freq, calibration_end, observation_end
        )
        factor = unit_factor(freq, unit)
        cal = _finish(agg, cal_p, factor, id_dtype, "us")
        cal = cal[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")
        return _holdout_columns(cal, hold, n_new, obs_p, cal_p, factor, id_dtype)
    tx = _check_log(transactions)
    freq, unit = check_freq(freq, time_unit)
    cal_end, cal_p = _end_period(tx, calibration_end, freq, "calibration_end")
    obs_end, obs_p = _end_period(tx, observation_end, freq, "observation_end")
    if obs_p <= cal_p:
        raise DataValidationError(
            f"observation_end ({obs_end:%Y-%m-%d}) must fall in a later period than "
            f"calibration_end ({cal_end:%Y-%m-%d}).",
            suggestion="choose a calibration end inside the observation window.",
        )
    periods = period_numbers(tx["date"], freq)
    _after_end(tx, periods, obs_p, obs_end, "observation_end")
    factor = unit_factor(freq, unit)
    in_cal = periods <= cal_p
    if not in_cal.any():
        raise DataValidationError(
            f"No transactions on or before calibration_end={cal_end:%Y-%m-%d}.",
            suggestion=f"the log starts on {tx['date'].min():%Y-%m-%d}; choose a later calibration end.",
        )
    cal_tx = tx.loc[in_cal]
    cal = _finish(_aggregate(cal_tx, periods[in_cal], engine), cal_p, factor, tx["customer_id"].dtype, _time_unit(tx))
    cal = cal[["frequency", "recency", "T", "monetary_value"]].add_suffix("_cal")

    hold_mask = ~in_cal & tx["customer_id"].isin(cal.index).to_numpy()
    n_new = int(tx.loc[~in_cal, "customer_id"].drop_duplicates().isin(cal.index).__invert__().sum())
    hold_tx = tx.loc[hold_mask]
    if len(hold_tx):
        work = _engines.prepare(hold_tx, periods[hold_mask])
        if _choose_engine(engine, len(tx)) == "duckdb":
            hold = _engines.aggregate_periods_duckdb(work)
        else:
            hold = _engines.aggregate_periods_pandas(work)
        hold.index = hold.index.astype(tx["customer_id"].dtype)
    else:
        hold = None
    return _holdout_columns(cal, hold, n_new, obs_p, cal_p, factor, tx["customer_id"].dtype)


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

"""Reading and validating a transaction log: ``read_transactions``.

crmlib never silently loses or invents a transaction. Every input row ends up either in
the returned log or in the report's count of excluded rows, under a named reason. Input
errors raise :class:`~crmlib.exceptions.DataValidationError` *before* any conversion can
hide them, naming the column, showing offending rows and suggesting the fix.

Default policy (``DEFAULT_POLICY``), applied in this order; a row is counted under the
first reason that applies:

=======================  =========  ====================================================
reason                   default    meaning
=======================  =========  ====================================================
missing_customer         exclude    no customer id (guest checkouts; nothing to attach to)
cancellation             exclude    order id starts with ``cancellation_prefix`` ("C")
duplicate                exclude    an exact copy of an earlier line (every source column)
return                   exclude    negative quantity (goods sent back)
negative_amount          exclude    negative amount with a non-negative quantity
                                    (refunds, bad-debt adjustments)
zero_amount              exclude    amount exactly zero (free samples, price-0 lines)
after_observation_end    exclude    dated after the stated ``observation_end``
missing_amount           raise      amount is missing (NaN): ambiguous, so ask
=======================  =========  ====================================================

Each reason can be set to ``"exclude"``, ``"keep"`` (the rows stay in the log and are
counted as kept) or ``"raise"`` through ``policy={reason: action}``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError, missing_columns_error

__all__ = [
    "DEFAULT_POLICY",
    "profile_columns",
    "EXCLUSION_REASONS",
    "ONLINE_RETAIL_COLUMNS",
    "Transactions",
    "ValidationReport",
    "read_transactions",
]

Action = Literal["exclude", "keep", "raise"]

EXCLUSION_REASONS: dict[str, str] = {
    "missing_customer": "no customer id",
    "cancellation": "cancelled order (order id has the cancellation prefix)",
    "duplicate": "exact duplicate of an earlier line",
    "return": "return (negative quantity)",
    "negative_amount": "negative amount with non-negative quantity (refund or adjustment)",
    "zero_amount": "amount is zero",
    "after_observation_end": "dated after the observation end",
    "missing_amount": "amount is missing (NaN)",
}

DEFAULT_POLICY: dict[str, Action] = {
    "missing_customer": "exclude",
    "cancellation": "exclude",
    "duplicate": "exclude",
    "return": "exclude",
    "negative_amount": "exclude",
    "zero_amount": "exclude",
    "after_observation_end": "exclude",
    "missing_amount": "raise",
}

#: Column mapping for the UCI Online Retail file (``crmlib.datasets.load_online_retail``).
ONLINE_RETAIL_COLUMNS: dict[str, Any] = {
    "customer": "CustomerID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "price": "UnitPrice",
    "order": "InvoiceNo",
    "extra_columns": ["StockCode", "Description", "Country"],
}

_SUGGEST_POLICY = "pass policy={{{reason!r}: 'exclude'}} to drop these rows (they are counted in the report), or 'keep' to keep them."


@dataclass
class ValidationReport:
    """Accounting of one ``read_transactions`` call: rows in = rows used + rows excluded.

    Attributes
    ----------
    rows_in : int
        Rows in the source.
    rows_used : int
        Rows in the returned log.
    excluded : dict
        Rows excluded, by reason (only reasons with at least one row).
    kept : dict
        Rows that matched a reason whose policy was ``"keep"``; they are in the log.
    notes : list of str
        Conversions made (time zones, text amounts, id types) and warnings about the data
        (a single customer, no repeat buyers).
    excluded_rows : DataFrame
        The excluded rows in canonical columns, with a ``reason`` column.
    n_customers, first_date, last_date : summary of the log returned.
    """

    rows_in: int
    rows_used: int
    excluded: dict[str, int]
    kept: dict[str, int]
    notes: list[str]
    policy: dict[str, Action]
    n_customers: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    excluded_rows: pd.DataFrame = field(repr=False)

    @property
    def rows_excluded(self) -> int:
        """Total rows excluded."""
        return int(sum(self.excluded.values()))

    def to_frame(self) -> pd.DataFrame:
        """The accounting as a table: one row per reason, then the totals."""
        rows = [("rows in", self.rows_in, "", "")]
        for reason, n in self.excluded.items():
            rows.append((f"excluded: {reason}", -n, EXCLUSION_REASONS[reason], "exclude"))
        for reason, n in self.kept.items():
            rows.append((f"kept: {reason}", 0, f"{EXCLUSION_REASONS[reason]} ({n:,} rows kept)", "keep"))
        rows.append(("rows used", self.rows_used, "", ""))
        out = pd.DataFrame(rows, columns=["step", "rows", "meaning", "policy"]).set_index("step")
        out["share of input"] = (out["rows"].abs() / max(self.rows_in, 1)).round(4)
        return out

    def __str__(self) -> str:
        lines = [
            f"Transactions: {self.rows_in:,} rows in, {self.rows_used:,} used, "
            f"{self.rows_excluded:,} excluded; {self.n_customers:,} customers"
            + (f", {self.first_date:%Y-%m-%d} to {self.last_date:%Y-%m-%d}" if self.first_date is not None else "")
        ]
        for reason, n in self.excluded.items():
            lines.append(f"  - {n:>9,} excluded: {EXCLUSION_REASONS[reason]} [{reason}]")
        for reason, n in self.kept.items():
            lines.append(f"  + {n:>9,} kept:     {EXCLUSION_REASONS[reason]} [{reason}]")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return self.to_frame().to_html() + (f"<ul>{notes}</ul>" if notes else "")


class Transactions(NamedTuple):
    """What :func:`read_transactions` returns: the validated log and its accounting."""

    transactions: pd.DataFrame
    report: ValidationReport


# ----------------------------------------------------------------------------- loading


def _load(source: Any, usecols: Sequence[str], text_cols: Sequence[str], read_kwargs: Mapping) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise DataValidationError(
                f"File not found: {path}.",
                suggestion="check the path, or pass a DataFrame.",
            )
        name = path.name.lower()
        if name.endswith((".parquet", ".pq")):
            return pd.read_parquet(path, **read_kwargs)
        if name.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".csv.zip", ".csv.bz2")):
            kw = {"sep": "\t" if name.endswith(".tsv") else ",", **read_kwargs}
            # ids and order numbers are read as text so "00042" keeps its zeros
            header = pd.read_csv(path, nrows=0, **{k: v for k, v in kw.items() if k != "dtype"})
            dtypes = {c: "str" for c in text_cols if c in header.columns}
            return pd.read_csv(path, dtype={**dtypes, **kw.pop("dtype", {})}, **kw)
        raise DataValidationError(
            f"Cannot tell the format of {path.name!r} from its extension.",
            suggestion="use a .csv or .parquet file, or read it yourself and pass the DataFrame.",
        )
    raise DataValidationError(
        f"source must be a DataFrame or a path to a CSV or parquet file, got {type(source).__name__}.",
        suggestion="pass pd.DataFrame(...) or a file path.",
    )


# ------------------------------------------------------------------------- conversions

_CURRENCY = re.compile(r"[\s$€£¥₹₩]|US\$|USD|EUR|GBP|CNY|RMB|JPY|元")


def _to_number(s: pd.Series, column: str, notes: list[str]) -> pd.Series:
    """Numeric column from numbers or text such as "$1,234.50" or "(12.00)"."""
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"Column {column!r} holds booleans, not numbers.", column=column, suggestion="check the column mapping."
        )
    if pd.api.types.is_integer_dtype(s):
        return s.astype("int64")
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    # Convert the distinct values only: logs repeat the same prices many times.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    uvals = pd.Series(uniques, dtype=object)
    is_num = uvals.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    text = uvals[~is_num].astype(str).str.strip()
    neg = text.str.match(r"^\(.*\)$")
    cleaned = text.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(_CURRENCY, "", regex=True)
    cleaned = cleaned.str.replace(",", "", regex=False)
    parsed = pd.to_numeric(cleaned, errors="coerce")
    parsed[neg] = -parsed[neg]
    bad_vals = set(text[parsed.isna() & (text != "") & (text.str.lower() != "nan")])
    if bad_vals:
        bad_rows = s[s.astype(str).str.strip().isin(bad_vals)]
        raise DataValidationError(
            f"Column {column!r} has {len(bad_rows):,} values that are not numbers "
            f"(e.g. {sorted(bad_vals)[:3]}).",
            column=column,
            rows=bad_rows.to_frame(column),
            suggestion="fix or remove these values; amounts like '$1,234.50' or '(12.00)' are understood, "
            "but not text such as 'n/a'. For decimal commas ('12,50') convert the column yourself first.",
        )
    values = pd.Series(np.nan, index=uvals.index, dtype="float64")
    values[is_num] = uvals[is_num].astype("float64")
    values[~is_num] = parsed.astype("float64")
    n_text = int(np.isin(codes, np.flatnonzero(~is_num.to_numpy())).sum())
    if n_text:
        changed = int((text != cleaned).sum() + neg.sum())
        detail = " (currency symbols, thousands separators or parentheses removed)" if changed else ""
        notes.append(f"{column!r}: {n_text:,} values given as text were read as numbers{detail}.")
    out = np.where(codes >= 0, values.to_numpy()[np.maximum(codes, 0)], np.nan)
    return pd.Series(out, index=s.index, name=s.name)


def _to_id(s: pd.Series, column: str, notes: list[str]) -> pd.Series:
    """Ids as text; 17850.0 (a float column with gaps) becomes "17850"."""
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy()
        ok = ~np.isnan(v)
        if np.all(v[ok] == np.floor(v[ok])):
            out = pd.Series(pd.array(np.where(ok, v, 0).astype(np.int64), dtype="Int64"), index=s.index)
            out = out.astype("str").where(ok)
            notes.append(f"{column!r}: numeric ids stored as decimals (e.g. 17850.0) were read as whole numbers.")
            return out.astype("str")
        return s.astype("str").where(ok)
    if pd.api.types.is_integer_dtype(s) or pd.api.types.is_string_dtype(s) and not s.dtype == object:
        out = s.astype("str")
        return out.str.strip() if pd.api.types.is_string_dtype(s) else out
    # object column: possibly mixed types (1, "1", 1.0)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    uvals = pd.Series(uniques, dtype=object)
    kinds = uvals.map(lambda v: "number" if isinstance(v, (int, float, np.integer, np.floating)) else "text")
    as_text = uvals.map(
        lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v).strip()
    )
    if kinds.nunique() > 1:
        collide = as_text.duplicated(keep=False)
        msg = f"{column!r}: ids of mixed types (numbers and text) were all read as text"
        if collide.any():
            msg += (
                f"; {int(collide.sum()):,} raw values collapse onto the same id, e.g. "
                f"{list(uvals[collide][:2])} -> {as_text[collide].iloc[0]!r}"
            )
        notes.append(msg + ".")
    text = np.asarray(as_text, dtype=object)
    out = pd.Series(np.where(codes >= 0, text[np.maximum(codes, 0)], None), index=s.index, dtype="str")
    return out.mask(out == "")


def _to_datetime(
    s: pd.Series, column: str, notes: list[str], date_format: str | None, dayfirst: bool, tz: str | None
) -> pd.Series:
    n_missing = int(s.isna().sum())
    if n_missing:
        raise DataValidationError(
            f"Column {column!r} has {n_missing:,} missing dates.",
            column=column,
            rows=s[s.isna()].to_frame(column),
            suggestion="a transaction without a date cannot be placed in time; fill or drop these rows first.",
        )
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = _naive(s, column, notes, tz)
    elif pd.api.types.is_datetime64_dtype(s):
        out = s
    else:
        fmt = date_format
        vals = s
        if pd.api.types.is_integer_dtype(s) and fmt is None:
            # 19970101 is YYYYMMDD, as in CDNOW; not nanoseconds since 1970
            fmt = "%Y%m%d"
            vals = s.astype("str")
        codes, uniques = pd.factorize(vals)
        uniq = pd.Series(uniques)
        parsed = _parse_dates(uniq, fmt, dayfirst, utc=False)
        if fmt is None and parsed.isna().any():
            # pandas infers one format from the first value; give the others a second chance
            retry = _parse_dates(uniq[parsed.isna()], "mixed", dayfirst, utc=False)
            if retry.notna().any() and retry.dtype == parsed.dtype:
                parsed = parsed.copy()
                parsed[retry.index] = retry
        if parsed.isna().any():
            # several UTC offsets in one column only parse as UTC
            as_utc = _parse_dates(uniq, fmt or "mixed", dayfirst, utc=True)
            if as_utc.notna().sum() > parsed.notna().sum():
                notes.append(f"{column!r}: dates carried several UTC offsets; all were converted to "
                             f"{tz or 'UTC'} and the zone dropped (dates without an offset were "
                             "taken as UTC).")
                parsed = (as_utc.dt.tz_convert(tz) if tz else as_utc).dt.tz_localize(None)
        bad = parsed.isna()
        if bad.any():
            bad_vals = set(uniq[bad].astype(str))
            rows = s[vals.astype(str).isin(bad_vals)]
            raise DataValidationError(
                f"Column {column!r} has {len(rows):,} values that cannot be read as dates "
                f"(e.g. {sorted(bad_vals)[:3]}).",
                column=column,
                rows=rows.to_frame(column),
                suggestion="fix these values, or pass date_format= (e.g. '%d/%m/%Y') "
                "or dayfirst=True if the dates are day-first.",
            )
        out = pd.Series(parsed.to_numpy()[codes], index=s.index, name=s.name)
        if isinstance(out.dtype, pd.DatetimeTZDtype):
            out = _naive(out, column, notes, tz)
    return out


def _parse_dates(values: pd.Series, fmt: str | None, dayfirst: bool, utc: bool) -> pd.Series:
    try:
        with _quiet():
            return pd.to_datetime(values, format=fmt, dayfirst=dayfirst, errors="coerce", utc=utc)
    except (ValueError, TypeError, OverflowError):
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")


def _naive(s: pd.Series, column: str, notes: list[str], tz: str | None) -> pd.Series:
    src = str(s.dt.tz)
    if tz:
        notes.append(f"{column!r}: time-zone-aware dates ({src}) were converted to {tz} and the zone dropped.")
        return s.dt.tz_convert(tz).dt.tz_localize(None)
    notes.append(
        f"{column!r}: time-zone-aware dates ({src}) were kept as local wall-clock time and the zone "
        "dropped, so a purchase falls on the day the customer saw. Pass tz='UTC' to convert instead."
    )
    return s.dt.tz_localize(None)


class _quiet:
    """Silence pandas' 'could not infer format' chatter during date parsing only."""

    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


# ------------------------------------------------------------------------ main routine


def read_transactions(
    source: pd.DataFrame | str | os.PathLike,
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
    dayfirst: bool = False,
    tz: str | None = None,
    read_kwargs: Mapping[str, Any] | None = None,
) -> Transactions:
    """Read, validate and account for a transaction log.

    Parameters
    ----------
    source : DataFrame, or path to a .csv / .parquet file
        One row per transaction line. A DataFrame is not modified.
    customer, date : str
        Columns holding the customer id and the transaction date (or timestamp).
    amount : str, optional
        Column with the line's value. If omitted, ``quantity * price`` (or ``price``).
    quantity, price : str, optional
        Columns with units and unit price. A negative quantity marks a return.
    order : str, optional
        Order or invoice id; ids starting with ``cancellation_prefix`` are cancellations.
    extra_columns : sequence of str
        Further columns carried through unchanged (country, product, ...).
    observation_end : date-like, optional
        Last day of observation. Lines after it are excluded (reason
        ``after_observation_end``); a date-only value includes that whole day.
    policy : mapping, optional
        Per-reason action overriding :data:`DEFAULT_POLICY`: ``"exclude"``, ``"keep"``
        or ``"raise"``.
    cancellation_prefix : str or None, default "C"
        Prefix of cancelled order ids (Online Retail's convention). None: no check.
    date_format : str, optional
        ``strptime`` format of text dates; inferred if omitted (integers like 19970101 are
        read as ``%Y%m%d``).
    dayfirst : bool, default False
        Read ambiguous text dates as day-first.
    tz : str, optional
        For time-zone-aware dates: the zone to convert to before dropping it. By default
        the local wall-clock time is kept.
    read_kwargs : mapping, optional
        Passed to ``pandas.read_csv`` / ``read_parquet`` when ``source`` is a path.

    Returns
    -------
    Transactions
        A named tuple ``(transactions, report)``. ``transactions`` has columns
        ``customer_id`` (str), ``date`` (datetime64), ``amount`` (float64), then
        ``order_id`` and ``quantity`` when given and the extra columns, sorted by
        customer and date. ``report`` is a :class:`ValidationReport` with
        ``rows_in == rows_used + rows_excluded``.

    Raises
    ------
    DataValidationError
        Missing columns, empty input, missing or unreadable dates, non-numeric amounts,
        and any reason whose policy is ``"raise"`` (by default, missing amounts).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"cust": ["a", "a", "b", None],
    ...                     "day": ["2024-01-02", "2024-01-09", "2024-01-03", "2024-01-04"],
    ...                     "value": ["$10.00", "12.50", "7", "3"]})
    >>> tx, report = read_transactions(raw, customer="cust", date="day", amount="value")
    >>> tx["amount"].tolist()
    [10.0, 12.5, 7.0]
    >>> report.rows_in, report.rows_used, report.excluded
    (4, 3, {'missing_customer': 1})
    """
    pol: dict[str, Action] = dict(DEFAULT_POLICY)
    for reason, action in (policy or {}).items():
        if reason not in DEFAULT_POLICY:
            raise DataValidationError(
                f"Unknown policy reason {reason!r}.",
                suggestion=f"use one of: {', '.join(DEFAULT_POLICY)}.",
            )
        if action not in ("exclude", "keep", "raise"):
            raise DataValidationError(
                f"Unknown policy action {action!r} for {reason!r}.",
                suggestion="use 'exclude', 'keep' or 'raise'.",
            )
        pol[reason] = action

    mapping = {"customer": customer, "date": date, "amount": amount, "quantity": quantity, "price": price, "order": order}
    named = [c for c in mapping.values() if c is not None] + list(extra_columns)
    raw = _load(source, named, [c for c in (customer, order) if c], read_kwargs or {})

    missing = [c for c in named if c not in raw.columns]
    if missing:
        raise missing_columns_error(missing, list(raw.columns), what="transaction data")
    if amount is None and price is None:
        raise DataValidationError(
            "No spend column given: pass amount= (the line's value) or price= (with quantity=).",
            suggestion=f"available columns: {', '.join(map(str, raw.columns))}.",
        )
    if len(raw) == 0:
        raise DataValidationError(
            "The transaction data is empty (0 rows).",
            suggestion="check the file or the filter that produced it.",
        )
    rows_in = len(raw)
    notes: list[str] = []

    # --- validate and convert each field (checks run on the raw values first)
    cust = _to_id(raw[customer], customer, notes)
    when = _to_datetime(raw[date], date, notes, date_format, dayfirst, tz)
    qty = _to_number(raw[quantity], quantity, notes) if quantity else None
    if amount is not None:
        amt = _to_number(raw[amount], amount, notes)
    else:
        unit = _to_number(raw[price], price, notes)
        amt = unit * qty if qty is not None else unit
    order_ids = _to_id(raw[order], order, notes) if order else None

    canon = pd.DataFrame({"customer_id": cust, "date": when, "amount": amt})
    if order_ids is not None:
        canon["order_id"] = order_ids
    if qty is not None:
        canon["quantity"] = qty
    for c in extra_columns:
        if c in canon.columns:
            raise DataValidationError(
                f"Extra column {c!r} clashes with a canonical column name.",
                column=c,
                suggestion="rename it before reading.",
            )
        canon[c] = raw[c]
    canon.index = pd.RangeIndex(len(canon))

    # --- policy flags, in precedence order
    end = _observation_end(observation_end)
    flags: dict[str, np.ndarray] = {
        "missing_customer": cust.isna().to_numpy(),
        "cancellation": (
            order_ids.fillna("").str.upper().str.startswith(cancellation_prefix.upper()).to_numpy()
            if order_ids is not None and cancellation_prefix
            else np.zeros(rows_in, bool)
        ),
        "duplicate": raw.duplicated(keep="first").to_numpy(),
        "return": (qty < 0).to_numpy() if qty is not None else np.zeros(rows_in, bool),
        "negative_amount": (amt < 0).to_numpy(),
        "zero_amount": (amt == 0).to_numpy(),
        "after_observation_end": (when >= end).to_numpy() if end is not None else np.zeros(rows_in, bool),
        "missing_amount": amt.isna().to_numpy(),
    }
    reason = np.full(rows_in, "", dtype=object)
    taken = np.zeros(rows_in, bool)
    for name, mask in flags.items():
        first = mask & ~taken
        reason[first] = name
        taken |= mask

    excluded: dict[str, int] = {}
    kept: dict[str, int] = {}
    drop = np.zeros(rows_in, bool)
    for name in flags:
        hit = reason == name
        n = int(hit.sum())
        if not n:
            continue
        action = pol[name]
        if action == "raise":
            show = raw.loc[hit, [c for c in named if c in raw.columns]]
            col = {"missing_customer": customer, "cancellation": order, "return": quantity,
                   "after_observation_end": date}.get(name, amount or price)
            raise DataValidationError(
                f"{n:,} rows: {EXCLUSION_REASONS[name]} (column {col!r}).",
                column=col,
                rows=show,
                suggestion=_SUGGEST_POLICY.format(reason=name),
            )
        if action == "exclude":
            excluded[name] = n
            drop |= hit
        else:
            kept[name] = n

    excluded_rows = canon.loc[drop].assign(reason=reason[drop])
    out = canon.loc[~drop]
    out = out.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
    if len(out) == 0:
        raise DataValidationError(
            f"No rows left after the exclusion policy: {', '.join(f'{k}={v:,}' for k, v in excluded.items())}.",
            rows=excluded_rows.head(5),
            suggestion="check the column mapping (is 'amount' the right column?) or relax the policy.",
        )

    n_customers = int(out["customer_id"].nunique())
    if n_customers == 1:
        notes.append("Only one customer: segment, tier and model results need many customers.")
    else:
        n_days = out.assign(day=out["date"].dt.floor("D")).groupby("customer_id")["day"].nunique()
        if int((n_days > 1).sum()) == 0:
            notes.append(
                "Every customer bought on a single day only (no repeat buyers): repeat-purchase models "
                "(BG/NBD, Pareto/NBD) cannot be fitted to this log."
            )
    if end is not None and len(out):
        notes.append(f"Observation end {end - pd.Timedelta(1, 'ns'):%Y-%m-%d %H:%M}; later lines excluded.")

    report = ValidationReport(
        rows_in=rows_in,
        rows_used=len(out),
        excluded=excluded,
        kept=kept,
        notes=notes,
        policy=pol,
        n_customers=n_customers,
        first_date=out["date"].min(),
        last_date=out["date"].max(),
        excluded_rows=excluded_rows.reset_index(names="source_row"),
    )
    # the accounting identity crmlib promises; a failure here is a crmlib bug
    if report.rows_in != report.rows_used + report.rows_excluded:  # pragma: no cover
        raise RuntimeError("crmlib bug: rows in != rows used + rows excluded")
    return Transactions(out, report)


def _observation_end(value: str | pd.Timestamp | None) -> pd.Timestamp | None:
    """Exclusive upper bound: a date-only end includes that whole day."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise DataValidationError(
            f"observation_end={value!r} is not a date.", suggestion="pass e.g. '2011-12-09'."
        ) from err
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts + pd.Timedelta(days=1) if ts == ts.normalize() else ts + pd.Timedelta(1, "ns")


def profile_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A first look at any table: type, missing values, distinct values and an example.

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    DataFrame
        One row per column: ``dtype``, ``non_null``, ``missing``, ``missing_share``,
        ``distinct`` and ``example`` (the first non-missing value).
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(f"Expected a DataFrame, got {type(df).__name__}.")
    rows = []
    for col in df.columns:
        s = df[col]
        nonnull = s.dropna()
        rows.append(
            {
                "column": str(col),
                "dtype": str(s.dtype),
                "non_null": int(nonnull.size),
                "missing": int(s.size - nonnull.size),
                "missing_share": round((s.size - nonnull.size) / max(s.size, 1), 4),
                "distinct": int(nonnull.nunique()),
                "example": str(nonnull.iloc[0])[:40] if nonnull.size else "",
            }
        )
    return pd.DataFrame(rows).set_index("column")

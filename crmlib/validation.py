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
missing_item             keep       the ``item`` column (when given) is missing or blank
=======================  =========  ====================================================

Each reason can be set to ``"exclude"``, ``"keep"`` (the rows stay in the log and are
counted as kept) or ``"raise"`` through ``policy={reason: action}``.

A line without an item is kept by default (``missing_item: keep``, counted in
``report.kept``): its spend is real and RFM, CLV and churn need it. Basket analysis
(:mod:`crmlib.basket`) cannot place it in a basket and drops it there, counted again
under the same reason. Pass ``policy={"missing_item": "exclude"}`` to drop such lines
from the log itself, or ``"raise"`` to refuse them.
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

from crmlib.checks import check_frame
from crmlib.conventions import end_bound
from crmlib.exceptions import DataValidationError, missing_columns_error
from crmlib.features._engines import MAX_AMOUNT

__all__ = [
    "DEFAULT_POLICY",
    "profile_columns",
    "EXCLUSION_REASONS",
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
    "missing_item": "item is missing or blank",
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
    # last, so that a line missing its amount as well is still refused
    "missing_item": "keep",
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
            try:
                return pd.read_parquet(path, **read_kwargs)
            except (OSError, ValueError) as err:  # pyarrow.ArrowInvalid is a ValueError
                raise DataValidationError(
                    f"read_transactions: {path.name!r} is not a readable parquet file ({type(err).__name__}: "
                    f"{str(err)[:200]}).",
                    suggestion="check that the file was written completely (e.g. re-export it with "
                    "DataFrame.to_parquet), or read it yourself and pass the DataFrame.",
                ) from None
        if name.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".csv.zip", ".csv.bz2")):
            kw = {"sep": "\t" if name.endswith(".tsv") else ",", **read_kwargs}
            try:
                # ids and order numbers are read as text so "00042" keeps its zeros
                header = pd.read_csv(path, nrows=0, **{k: v for k, v in kw.items() if k != "dtype"})
                dtypes = {c: "str" for c in text_cols if c in header.columns}
                return pd.read_csv(path, dtype={**dtypes, **kw.pop("dtype", {})}, **kw)
            except UnicodeDecodeError as err:
                raise DataValidationError(
                    f"read_transactions: {path.name!r} is not UTF-8 text (byte {err.object[err.start:err.start + 1]!r} "
                    f"at position {err.start:,}).",
                    suggestion="pass the file's encoding, e.g. read_kwargs={'encoding': 'latin-1'} "
                    "(or 'cp1252' for Windows exports).",
                ) from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
                raise DataValidationError(
                    f"read_transactions: {path.name!r} cannot be read as CSV ({str(err)[:200]}).",
                    suggestion="check the separator and quoting, e.g. read_kwargs={'sep': ';'}.",
                ) from None
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
# One number written with a decimal point (thousands as ",") or a decimal comma (thousands as ".").
_POINT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?$")
_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d*)?$")
_DECIMAL_HINT = {".": "decimal='.'", ",": "decimal=','"}


def _to_number(s: pd.Series, column: str, notes: list[str], decimal: str | None = None) -> pd.Series:
    """Numeric column from numbers or text such as "$1,234.50", "(12.00)" or, with
    ``decimal=","``, "1.234,50".

    Text is read with ONE decimal mark for the whole column: the one given, or the one
    the values prove ("12,50" and "1.234,50" only make sense with a decimal comma,
    "12.50" and "1,234.50" only with a decimal point). A column that proves both, or
    whose separators prove neither ("1,234" alone), is refused.
    """
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
    stripped = text.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(_CURRENCY, "", regex=True)
    has_digit = stripped.str.contains(r"\d", regex=True)
    point_ok = stripped.str.match(_POINT) & has_digit
    comma_ok = stripped.str.match(_COMMA) & has_digit
    has_sep = stripped.str.contains(r"[.,]", regex=True)
    proves = {".": point_ok & ~comma_ok & has_sep, ",": comma_ok & ~point_ok & has_sep}
    ambiguous = point_ok & comma_ok & has_sep

    def _rows(vals) -> pd.DataFrame:
        return s[s.astype(str).str.strip().isin(set(vals))].to_frame(column)

    if decimal is None:
        if proves["."].any() and proves[","].any():
            both = [*text[proves["."]][:2], *text[proves[","]][:2]]
            raise DataValidationError(
                f"Column {column!r} mixes a decimal point (e.g. {text[proves['.']].iloc[0]!r}) and a decimal "
                f"comma (e.g. {text[proves[',']].iloc[0]!r}); one reading cannot fit every row.",
                column=column,
                rows=_rows(both),
                suggestion="fix the column so every value uses the same decimal mark, then pass decimal='.' "
                "or decimal=','.",
            )
        if proves[","].any():
            vals = text[proves[","]]
            raise DataValidationError(
                f"Column {column!r} is written with a decimal comma: {len(vals):,} distinct values such as "
                f"{list(vals[:3])} only make sense that way ('12,50' is 12.5, not 1250).",
                column=column,
                rows=_rows(vals[:5]),
                suggestion="pass decimal=',' to read_transactions (then '1.234,50' is 1234.5).",
            )
        if ambiguous.any() and not proves["."].any():
            vals = text[ambiguous]
            raise DataValidationError(
                f"Column {column!r} is ambiguous: values such as {list(vals[:3])} read as thousands with a "
                "decimal point ('1,234' = 1234) or as decimals with a decimal comma ('1,234' = 1.234), and no "
                "other value decides.",
                column=column,
                rows=_rows(vals[:5]),
                suggestion="pass decimal='.' or decimal=',' to read_transactions.",
            )
        decimal = "."
    elif decimal not in (".", ","):
        raise DataValidationError(
            f"decimal={decimal!r} is not a decimal mark.", suggestion="pass decimal='.' or decimal=','."
        )
    else:
        other = "," if decimal == "." else "."
        if proves[other].any():
            vals = text[proves[other]]
            raise DataValidationError(
                f"Column {column!r} has {len(vals):,} distinct values such as {list(vals[:3])} that only make "
                f"sense with decimal={other!r}, but decimal={decimal!r} was passed.",
                column=column,
                rows=_rows(vals[:5]),
                suggestion=f"pass {_DECIMAL_HINT[other]}, or fix these values.",
            )
    if decimal == ".":
        cleaned = stripped.where(~point_ok, stripped.str.replace(",", "", regex=False))
    else:
        cleaned = stripped.where(
            ~comma_ok, stripped.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        )
    valid = point_ok if decimal == "." else comma_ok
    parsed = pd.to_numeric(cleaned.where(valid | ~has_sep), errors="coerce")
    parsed[neg] = -parsed[neg]
    bad_vals = set(text[parsed.isna() & (text != "") & (text.str.lower() != "nan")])
    if bad_vals:
        bad_rows = _rows(bad_vals)
        raise DataValidationError(
            f"Column {column!r} has {len(bad_rows):,} values that are not numbers "
            f"(e.g. {sorted(bad_vals)[:3]}).",
            column=column,
            rows=bad_rows,
            suggestion="fix or remove these values; amounts like '$1,234.50' or '(12.00)' are understood, "
            "and decimal commas ('12,50') with decimal=','; text such as 'n/a' is not.",
        )
    values = pd.Series(np.nan, index=uvals.index, dtype="float64")
    values[is_num] = uvals[is_num].astype("float64")
    values[~is_num] = parsed.astype("float64")
    n_text = int(np.isin(codes, np.flatnonzero(~is_num.to_numpy())).sum())
    if n_text:
        changed = int((text != cleaned).sum() + neg.sum())
        detail = " (currency symbols, thousands separators or parentheses removed)" if changed else ""
        mark = " with a decimal comma" if decimal == "," else ""
        notes.append(f"{column!r}: {n_text:,} values given as text were read as numbers{mark}{detail}.")
        if decimal == "." and ambiguous.any():
            notes.append(
                f"{column!r}: {int(ambiguous.sum()):,} distinct values such as {text[ambiguous].iloc[0]!r} were "
                f"read with a decimal point (',' as thousands), as {int(proves['.'].sum()):,} other values prove."
            )
    out = np.where(codes >= 0, values.to_numpy()[np.maximum(codes, 0)], np.nan)
    return pd.Series(out, index=s.index, name=s.name)


def _check_amounts(values: pd.Series, column: str, raw: pd.DataFrame, shown: list[str]) -> None:
    """Refuse infinite amounts and amounts too large to be summed exactly."""
    v = values.to_numpy(dtype="float64")
    bad = np.isinf(v) | (np.abs(np.nan_to_num(v)) > MAX_AMOUNT)
    if bad.any():
        raise DataValidationError(
            f"Column {column!r} has {int(bad.sum()):,} infinite or out-of-range amounts (crmlib sums money "
            f"exactly to a millionth, which holds magnitudes up to {MAX_AMOUNT:,.0f}).",
            column=column,
            rows=raw.loc[bad, shown],
            suggestion="fix or remove these rows (an 'inf' usually comes from a division by zero upstream), "
            "or rescale the column (e.g. thousands of the currency unit).",
        )


# Whole numbers written as decimals ("15000.0"): a float column saved as text.
_WHOLE_DECIMAL = re.compile(r"^[+-]?\d+(?:\.0+)?$")
#: Float ids above this lose digits (float64 holds integers exactly only up to 2**53).
_MAX_EXACT_FLOAT = 2**53


def _to_id(s: pd.Series, column: str, notes: list[str]) -> pd.Series:
    """Ids as text, the same way for every row and every source.

    Whole-number decimals, as float (17850.0) or as text ("17850.0", a float column
    written to CSV), become "17850" when every id in the column is such a number. Float
    ids beyond 2**53 are refused: they have already lost digits.
    """
    if s.isna().all():
        raise DataValidationError(
            f"Column {column!r} has no values at all ({len(s):,} missing).",
            column=column,
            rows=s.head().to_frame(column),
            suggestion=f"check the column mapping: is {column!r} the right column?",
        )
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = ~np.isnan(v)
        _refuse_inexact_floats(s, v, ok, column)
        if np.all(v[ok] == np.floor(v[ok])):
            out = pd.Series(pd.array(np.where(ok, v, 0).astype(np.int64), dtype="Int64"), index=s.index)
            out = out.astype("str").where(ok)
            notes.append(f"{column!r}: numeric ids stored as decimals (e.g. 17850.0) were read as whole numbers.")
            return out.astype("str")
        return s.astype("str").where(ok)
    if pd.api.types.is_integer_dtype(s):
        return s.astype("str")
    # text or mixed column: convert the distinct values only
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    uvals = pd.Series(uniques, dtype=object)
    kinds = uvals.map(lambda v: "number" if isinstance(v, (int, float, np.integer, np.floating)) else "text")
    floats = uvals[uvals.map(lambda v: isinstance(v, (float, np.floating)))]
    if len(floats):
        fv = floats.to_numpy(dtype="float64")
        _refuse_inexact_floats(s, fv, np.ones(fv.size, bool), column, values=floats)
    as_text = uvals.map(
        lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v).strip()
    )
    is_text = (kinds == "text").to_numpy()
    decimals = as_text[is_text].str.contains(".", regex=False)
    if decimals.any() and as_text[as_text != ""].str.match(_WHOLE_DECIMAL).all():
        # every id is a whole number and some carry ".0": the column was a float column
        as_text = as_text.str.replace(r"\.0+$", "", regex=True)
        notes.append(
            f"{column!r}: ids written as whole-number decimals (e.g. {uvals[is_text][decimals.to_numpy()].iloc[0]!r}) "
            "were read as whole numbers, as a float id would be."
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


def _refuse_inexact_floats(s: pd.Series, v: np.ndarray, ok: np.ndarray, column: str, values=None) -> None:
    big = ok & (np.abs(np.where(ok, v, 0)) >= _MAX_EXACT_FLOAT)
    if big.any():
        shown = (values if values is not None else s)[big]
        rows = s[s.isin(set(shown))].to_frame(column)
        raise DataValidationError(
            f"Column {column!r} holds {int(big.sum()):,} ids stored as floating-point numbers of 2**53 or more "
            f"(e.g. {shown.iloc[0]!r}): such floats have lost digits, so different customers may share one id.",
            column=column,
            rows=rows,
            suggestion="read the ids as text at the source, e.g. read_kwargs={'dtype': {" + repr(column) + ": 'str'}} "
            "for a CSV, or df[col].astype('Int64') before the ids became floats.",
        )


# Day-month-year style text dates: 02/03/2020, 2.3.20, 02-03-2020 10:15 (never ISO 2020-03-02).
_DMY = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.\-])(.*)$")


def _to_datetime(
    s: pd.Series, column: str, notes: list[str], date_format: str | None, dayfirst: bool | None, tz: str | None
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
        return _naive(s, column, notes, tz)
    if pd.api.types.is_datetime64_dtype(s):
        return s
    fmt = date_format
    vals = s
    if pd.api.types.is_bool_dtype(s):
        raise DataValidationError(
            f"Column {column!r} holds booleans, not dates.", column=column, suggestion="check the column mapping."
        )
    if pd.api.types.is_numeric_dtype(s) and fmt is None:
        vals = _yyyymmdd(s, column)
        fmt = "%Y%m%d"
    codes, uniques = pd.factorize(vals)
    uniq = pd.Series(uniques)
    is_text = uniq.dtype == object or pd.api.types.is_string_dtype(uniq)
    dmy = _parse_dmy(uniq, s, vals, column, notes, dayfirst) if fmt is None and is_text else None
    if dmy is None:
        parsed = _parse_text(uniq, fmt, dayfirst, tz, column, notes)
    else:
        # day-month-year text is read in one order; other text (ISO, ...) goes to pandas
        parsed, is_dmy = dmy
        if not is_dmy.all():
            rest = _parse_text(uniq[~is_dmy], None, dayfirst, tz, column, notes)
            if isinstance(rest.dtype, pd.DatetimeTZDtype):
                rest = _naive(rest, column, notes, tz)
            parsed = parsed.astype(rest.dtype) if rest.notna().any() else parsed
            parsed[~is_dmy] = rest
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


def _parse_text(uniq: pd.Series, fmt: str | None, dayfirst: bool | None, tz: str | None, column: str,
                notes: list[str]) -> pd.Series:
    parsed = _parse_dates(uniq, fmt, bool(dayfirst), utc=False)
    if fmt is None and parsed.isna().any():
        # pandas infers one format from the first value; give the others a second chance
        # (never day-month-year text, which _parse_dmy reads in one order)
        retry = _parse_dates(uniq[parsed.isna()], "mixed", bool(dayfirst), utc=False)
        if retry.notna().any() and retry.dtype == parsed.dtype:
            parsed = parsed.copy()
            parsed[retry.index] = retry
    if parsed.isna().any():
        # several UTC offsets in one column only parse as UTC
        as_utc = _parse_dates(uniq, fmt or "mixed", bool(dayfirst), utc=True)
        if as_utc.notna().sum() > parsed.notna().sum():
            notes.append(f"{column!r}: dates carried several UTC offsets; all were converted to "
                         f"{tz or 'UTC'} and the zone dropped (dates without an offset were "
                         "taken as UTC).")
            parsed = (as_utc.dt.tz_convert(tz) if tz else as_utc).dt.tz_localize(None)
    return parsed


def _yyyymmdd(s: pd.Series, column: str) -> pd.Series:
    """Numbers as dates: only 8-digit whole numbers (19970101), read as ``%Y%m%d``."""
    v = s.to_numpy(dtype="float64")
    ok = np.isfinite(v) & (v == np.floor(v)) & (v >= 10_000_101) & (v <= 99_991_231)
    if not ok.all():
        raise DataValidationError(
            f"Column {column!r} holds numbers that are not yyyymmdd dates (e.g. {s[~ok].iloc[0]!r}); "
            "crmlib does not guess whether a number counts seconds, milliseconds or days since 1970.",
            column=column,
            rows=s[~ok].to_frame(column),
            suggestion=f"convert the column first, e.g. df[{column!r}] = pd.to_datetime(df[{column!r}], unit='s') "
            "for seconds since 1970 ('ms' for milliseconds).",
        )
    return pd.Series(v.astype(np.int64), index=s.index).astype("str")


def _parse_dmy(
    uniq: pd.Series, s: pd.Series, vals: pd.Series, column: str, notes: list[str], dayfirst: bool | None
) -> tuple[pd.Series, np.ndarray] | None:
    """Read day-month-year style text (02/03/2020) in ONE order for every row, or refuse.

    Returns None when the column has no such values (ISO and other text go to pandas).
    """
    text = uniq.astype(str)
    if not text.str.match(r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]").any():  # fast exit for ISO columns
        return None
    parts = text.str.extract(_DMY)
    is_dmy = parts[0].notna()
    if not is_dmy.any():
        return None
    a = pd.to_numeric(parts.loc[is_dmy, 0]).astype(int)
    b = pd.to_numeric(parts.loc[is_dmy, 2]).astype(int)
    sep = parts.loc[is_dmy, 1].iloc[0]
    long_year = parts.loc[is_dmy, 3].str.len().eq(4).all()
    y = "%Y" if long_year else "%y"
    formats = {True: f"%d{sep}%m{sep}{y}", False: f"%m{sep}%d{sep}{y}"}
    day_first_rows = (a > 12) & (b <= 12)
    month_first_rows = (b > 12) & (a <= 12)
    ambiguous = (a <= 12) & (b <= 12) & (a != b)

    def _rows(mask) -> pd.DataFrame:
        return s[vals.astype(str).isin(set(text[is_dmy][mask]))].head(10).to_frame(column)

    if dayfirst is None:
        if day_first_rows.any() and month_first_rows.any():
            raise DataValidationError(
                f"Column {column!r} contradicts itself: {int(day_first_rows.sum()):,} distinct dates such as "
                f"{text[is_dmy][day_first_rows].iloc[0]!r} can only be day-first and "
                f"{int(month_first_rows.sum()):,} such as {text[is_dmy][month_first_rows].iloc[0]!r} can only be "
                "month-first, so no single order reads every row.",
                column=column,
                rows=pd.concat([_rows(day_first_rows).head(3), _rows(month_first_rows).head(3)]),
                suggestion=f"fix the source; then pass date_format={formats[True]!r} or {formats[False]!r}.",
            )
        if day_first_rows.any() or month_first_rows.any():
            dayfirst = bool(day_first_rows.any())
            proof = day_first_rows if dayfirst else month_first_rows
            if ambiguous.any():
                notes.append(
                    f"{column!r}: dates read {'day' if dayfirst else 'month'}-first ({formats[dayfirst]!r}) for "
                    f"every row, as {int(proof.sum()):,} distinct dates prove (e.g. "
                    f"{text[is_dmy][proof].iloc[0]!r}); this includes {int(ambiguous.sum()):,} distinct dates "
                    f"such as {text[is_dmy][ambiguous].iloc[0]!r} that alone could be read either way."
                )
        elif ambiguous.any():
            ex = text[is_dmy][ambiguous].iloc[0]
            raise DataValidationError(
                f"Column {column!r} is ambiguous: no date has a day above 12, so {ex!r} and the others "
                f"could be {formats[True]!r} (day-first) or {formats[False]!r} (month-first).",
                column=column,
                rows=_rows(ambiguous),
                suggestion=f"pass date_format={formats[True]!r} or date_format={formats[False]!r} "
                "(or dayfirst=True / dayfirst=False).",
            )
        else:
            dayfirst = True  # every date has day == month: both orders agree
    else:
        against = month_first_rows if dayfirst else day_first_rows
        if against.any():
            raise DataValidationError(
                f"Column {column!r}: dayfirst={dayfirst} was passed, but {int(against.sum()):,} distinct dates "
                f"such as {text[is_dmy][against].iloc[0]!r} can only be {'month' if dayfirst else 'day'}-first.",
                column=column,
                rows=_rows(against),
                suggestion=f"fix these rows, or pass dayfirst={not dayfirst} if the whole column is "
                f"{'month' if dayfirst else 'day'}-first.",
            )
    day, month = (parts[0], parts[2]) if dayfirst else (parts[2], parts[0])
    # strptime's %y rule for two-digit years: 69-99 -> 19xx, 00-68 -> 20xx
    yy = pd.to_numeric(parts[3], errors="coerce")
    year = yy.where(parts[3].str.len() == 4, yy + np.where(yy >= 69, 1900, 2000))
    year = year.astype("Int64").astype(str)
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + parts[4].fillna("")
    # one explicit reading for every row; anything else in the column is refused below
    with _quiet():
        parsed = pd.to_datetime(iso.where(is_dmy), format="ISO8601", errors="coerce")
    return parsed, is_dmy.to_numpy()


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
    item: str | None = None,
    extra_columns: Sequence[str] = (),
    observation_end: str | pd.Timestamp | None = None,
    policy: Mapping[str, Action] | None = None,
    cancellation_prefix: str | None = "C",
    date_format: str | None = None,
    dayfirst: bool | None = None,
    decimal: str | None = None,
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
    item : str, optional
        Product column (a product code or a description), for basket analysis. Read as
        text the same way for every row (surrounding spaces stripped; whole-number codes
        stored as decimals, 85123.0, become "85123"). Missing or blank items are counted
        under ``missing_item`` (kept by default, see :data:`DEFAULT_POLICY`).
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
        ``strptime`` format of text dates, used for every row. If omitted: numbers must be
        8-digit ``yyyymmdd`` dates (19970101 or 19970101.0); other numbers (seconds since
        1970, ...) are refused. Text dates in day-month-year style (``"13/01/2020"``,
        ``"2.3.20"``) are read in ONE order for every row: the order that the dates with a
        day or month above 12 prove (with a report note), never a per-row guess. A column
        in which some dates prove day-first and others month-first, or in which nothing
        proves either order, is refused, naming both candidate formats.
    dayfirst : bool, optional
        Read day-month-year text dates as day-first (True) or month-first (False) for
        every row; dates that can only be read the other way are refused.
    decimal : {".", ","}, optional
        Decimal mark of amounts given as text. If omitted, the values decide for the
        whole column: "12.50" or "1,234.50" prove a decimal point; a column whose values
        only make sense with a decimal comma ("12,50", "1.234,50") is refused with a
        suggestion to pass ``decimal=","``, as is one that no value decides ("1,234"
        alone). With ``decimal=","``, "1.234,50" is 1234.5.
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
        ``order_id``, ``quantity`` and ``item`` when given and the extra columns, sorted by
        customer and date. ``report`` is a :class:`ValidationReport` with
        ``rows_in == rows_used + rows_excluded``.

    Raises
    ------
    DataValidationError
        Missing or duplicated columns, empty input, missing, unreadable or ambiguous
        dates, non-numeric, ambiguous, infinite or out-of-range amounts (above
        9,000,000,000,000 in magnitude), float ids that have lost digits, an all-missing
        id column, unreadable files (corrupt parquet, non-UTF-8 CSV), an unknown ``tz``,
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

    if tz is not None:
        _check_tz(tz)
    if decimal is not None and decimal not in (".", ","):
        raise DataValidationError(
            f"decimal={decimal!r} is not a decimal mark.", suggestion="pass decimal='.' or decimal=','."
        )
    mapping = {"customer": customer, "date": date, "amount": amount, "quantity": quantity, "price": price,
               "order": order, "item": item}
    named = [c for c in mapping.values() if c is not None] + list(extra_columns)
    end = None if observation_end is None else end_bound(observation_end, "observation_end")
    raw = _load(source, named, [c for c in (customer, order, item) if c], read_kwargs or {})
    check_frame(raw, (), func="read_transactions", what="source data", allow_empty=True)

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
    qty = _to_number(raw[quantity], quantity, notes, decimal) if quantity else None
    if amount is not None:
        amt = _to_number(raw[amount], amount, notes, decimal)
    else:
        unit = _to_number(raw[price], price, notes, decimal)
        with np.errstate(over="ignore", invalid="ignore"):
            amt = unit * qty if qty is not None else unit
    _check_amounts(amt, amount or price, raw, [c for c in (customer, date, amount, quantity, price) if c])
    order_ids = _to_id(raw[order], order, notes) if order else None
    items = _to_id(raw[item], item, notes) if item else None

    canon = pd.DataFrame({"customer_id": cust, "date": when, "amount": amt})
    if order_ids is not None:
        canon["order_id"] = order_ids
    if qty is not None:
        canon["quantity"] = qty
    if items is not None:
        canon["item"] = items
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
        "missing_item": items.isna().to_numpy() if items is not None else np.zeros(rows_in, bool),
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
                   "after_observation_end": date, "missing_item": item}.get(name, amount or price)
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


def _check_tz(tz: Any) -> None:
    try:
        pd.Timestamp("2000-01-01", tz=tz)
    except Exception as err:  # pytz, zoneinfo and dateutil each raise their own error type
        raise DataValidationError(
            f"tz={tz!r} is not a known time zone ({type(err).__name__}).",
            suggestion="pass an IANA zone name such as tz='UTC' or tz='Europe/London'.",
        ) from None


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

"""The one layer of input checks (validation at the door), used by every area.

Each check runs on the value as the user gave it, before any conversion, and raises a
:class:`~crmlib.exceptions.DataValidationError` that names the column or parameter, shows
the offending rows and ends with a suggestion *for the function that was called*: the
caller passes ``func`` (its own name) and, where it has a better one, its own
``suggestion``. Scalar parameters are checked by :mod:`crmlib.conventions`
(:func:`~crmlib.conventions.to_number`, :func:`~crmlib.conventions.to_date`,
:func:`~crmlib.conventions.to_duration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError

__all__ = ["LOG_COLUMNS", "check_frame", "check_log", "check_numeric", "check_series"]

#: Canonical columns of a validated transaction log.
LOG_COLUMNS = ("customer_id", "date", "amount")


def check_frame(
    df: Any,
    required: Sequence[str],
    *,
    func: str,
    what: str = "input",
    suggestion: str | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """A DataFrame with unique column names, the ``required`` columns and at least one row.

    Parameters
    ----------
    df : Any
        What the user passed.
    required : sequence of str
        Columns that must be present.
    func : str
        The public function that was called (named in the messages).
    what : str
        What the frame is ("transaction log", "summary", ...).
    suggestion : str, optional
        How to build a correct frame for ``func``.
    allow_empty : bool, default False

    Returns
    -------
    DataFrame
        ``df`` itself, unchanged.
    """
    hint = suggestion or f"pass a pandas DataFrame with the columns {', '.join(map(repr, required))}."
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"{func} expects a pandas DataFrame ({what}), got {type(df).__name__}.", suggestion=hint
        )
    dup = df.columns[df.columns.duplicated()].unique()
    if len(dup):
        raise DataValidationError(
            f"The {what} passed to {func} has duplicated column names: {', '.join(map(repr, dup))}.",
            column=str(dup[0]),
            suggestion="rename or drop the duplicates first, e.g. df.loc[:, ~df.columns.duplicated()].",
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        avail = ", ".join(repr(str(c)) for c in df.columns) or "(none)"
        raise DataValidationError(
            f"{func}: column {', '.join(map(repr, missing))} not found in the {what}. "
            f"Available columns: {avail}.",
            column=str(missing[0]),
            suggestion=hint,
        )
    if len(df) == 0 and not allow_empty:
        raise DataValidationError(f"{func}: the {what} is empty (0 rows).", suggestion=hint)
    return df


def check_numeric(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    func: str,
    allow_negative: bool = True,
    allow_missing: bool = False,
    integer: Sequence[str] = (),
    show: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Check that ``columns`` are numeric (not boolean), finite, and optionally >= 0 or whole.

    Returns
    -------
    dict of str to ndarray
        Each column as a float64 array.
    """
    shown = list(show) if show is not None else list(columns)
    out: dict[str, np.ndarray] = {}
    for c in columns:
        s = df[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise DataValidationError(
                f"{func}: column {c!r} must be numeric, got dtype {s.dtype}.",
                column=c,
                rows=df[[*dict.fromkeys([*shown, c])]].head(),
                suggestion=f"convert it first, e.g. df[{c!r}] = pd.to_numeric(df[{c!r}]), or fix the "
                "column mapping.",
            )
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(v) | (np.isnan(v) & (not allow_missing))
        if bad.any():
            raise DataValidationError(
                f"{func}: column {c!r} has {int(bad.sum()):,} missing or infinite values.",
                column=c,
                rows=df.loc[bad, [*dict.fromkeys([*shown, c])]],
                suggestion="drop or fill these rows first.",
            )
        if not allow_negative and (v < 0).any():
            neg = v < 0
            raise DataValidationError(
                f"{func}: column {c!r} has {int(neg.sum()):,} negative values.",
                column=c,
                rows=df.loc[neg, [*dict.fromkeys([*shown, c])]],
                suggestion=f"{c} cannot be negative; check how it was computed.",
            )
        if c in integer:
            frac = np.isfinite(v) & (v != np.round(v))
            if frac.any():
                raise DataValidationError(
                    f"{func}: column {c!r} must hold whole numbers; {int(frac.sum()):,} rows do not.",
                    column=c,
                    rows=df.loc[frac, [*dict.fromkeys([*shown, c])]],
                    suggestion=f"{c} is a count; recompute it rather than rescaling it.",
                )
        out[c] = v
    return out


def check_series(
    value: Any,
    name: str,
    *,
    func: str,
    allow_negative: bool = True,
    allow_missing: bool = False,
    suggestion: str | None = None,
) -> pd.Series:
    """A non-empty numeric Series with one value per customer (unique index), as float64.

    A one-column DataFrame is accepted as its column.
    """
    hint = suggestion or f"pass a pandas Series indexed by customer_id for {name}."
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    if not isinstance(value, pd.Series):
        raise DataValidationError(
            f"{func}: {name} must be a pandas Series indexed by customer_id, got {type(value).__name__}.",
            suggestion=hint,
        )
    if len(value) == 0:
        raise DataValidationError(f"{func}: {name} is empty (0 customers).", suggestion=hint)
    if value.index.has_duplicates:
        dup = value[value.index.duplicated(keep=False)]
        raise DataValidationError(
            f"{func}: {name} has {int(value.index.duplicated().sum()):,} duplicated customer ids.",
            rows=dup,
            suggestion="aggregate to one value per customer first (e.g. groupby('customer_id').sum()).",
        )
    frame = value.to_frame(name if value.name is None else value.name)
    col = frame.columns[0]
    v = check_numeric(frame, [col], func=func, allow_negative=allow_negative, allow_missing=allow_missing)[col]
    return pd.Series(v, index=value.index, name=value.name)


def check_log(tx: Any, *, func: str) -> pd.DataFrame:
    """The canonical transaction log (``customer_id``, ``date``, ``amount``), checked.

    Accepts the log or the whole result of :func:`crmlib.read_transactions`.

    Raises
    ------
    DataValidationError
        Not a DataFrame, missing canonical columns (pointing to ``read_transactions``),
        an empty log, text or time-zone-aware dates, non-numeric or infinite amounts, or
        missing values.
    """
    if hasattr(tx, "transactions") and hasattr(tx, "report"):  # a read_transactions result
        tx = tx.transactions
    hint = (
        f"read the raw data with crmlib.read_transactions(raw, customer=..., date=..., amount=...), "
        f"which returns the canonical columns customer_id, date and amount, then pass that log to {func}."
    )
    tx = check_frame(tx, LOG_COLUMNS, func=func, what="transaction log", suggestion=hint)
    date = tx["date"]
    if not pd.api.types.is_datetime64_any_dtype(date) or isinstance(date.dtype, pd.DatetimeTZDtype):
        raise DataValidationError(
            f"{func}: column 'date' must be naive datetime64, got {date.dtype}.",
            column="date",
            rows=tx[["customer_id", "date"]].head(),
            suggestion=hint,
        )
    check_numeric(tx, ["amount"], func=func, allow_missing=True, show=LOG_COLUMNS)
    bad = tx["customer_id"].isna() | date.isna() | tx["amount"].isna()
    if bad.any():
        raise DataValidationError(
            f"{func}: {int(bad.sum()):,} rows have a missing customer_id, date or amount.",
            rows=tx.loc[bad, list(LOG_COLUMNS)],
            suggestion=hint,
        )
    return tx

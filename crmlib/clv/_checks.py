"""Validation of model inputs at the door, before any type conversion.

Every failure is a :class:`~crmlib.exceptions.DataValidationError` naming the column,
showing the offending rows and suggesting a fix; a user never sees a KeyError from pandas
or a bare ValueError from lifetimes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError, missing_columns_error

__all__ = ["check_summary", "SUMMARY_HINT"]

SUMMARY_HINT = (
    "build the summary with crmlib.features.rfm_summary(transactions, observation_end=..., "
    "time_unit='W'), which returns frequency, recency, T and monetary_value; for a calibration "
    "split use crmlib.clv.calibration_summary(split), which renames frequency_cal -> frequency, "
    "recency_cal -> recency, T_cal -> T."
)


def _as_frame(summary: object, model: str) -> pd.DataFrame:
    if isinstance(summary, pd.DataFrame):
        return summary
    raise DataValidationError(
        f"{model}.fit expects a pandas DataFrame summary, got {type(summary).__name__}.",
        suggestion=SUMMARY_HINT,
    )


def check_summary(
    summary: pd.DataFrame,
    required: Sequence[str],
    *,
    model: str,
    integer: Sequence[str] = (),
    optional: Sequence[str] = ("weights",),
    suggestion: str = SUMMARY_HINT,
) -> dict[str, np.ndarray]:
    """Check a summary frame and return its columns as float arrays.

    Checks, in order: a DataFrame with at least one row; the required columns exist; they
    are numeric; no NaN or infinite values; no negative values; whole numbers where
    ``integer`` says so; optional ``weights`` positive. Model-specific relations (recency
    <= T, ...) are checked by :func:`check_relations`.

    Parameters
    ----------
    summary : DataFrame
        One row per customer (or per pattern when ``weights`` is given).
    required : sequence of str
        Columns the model needs.
    model : str
        Model name, used in messages.
    integer : sequence of str
        Columns that must hold whole numbers.
    optional : sequence of str
        Columns used when present (``weights``).
    suggestion : str
        Suggestion shown when columns are missing.

    Returns
    -------
    dict of str to ndarray
        The required (and present optional) columns as float64 arrays.
    """
    df = _as_frame(summary, model)
    missing = [c for c in required if c not in df.columns]
    if missing:
        msg = str(missing_columns_error(missing, list(df.columns), what=f"{model} summary")).split(
            "\nSuggestion:"
        )[0]
        raise DataValidationError(msg, column=missing[0], suggestion=suggestion)
    if len(df) == 0:
        raise DataValidationError(
            f"The {model} summary is empty.", suggestion="check the filter that produced it."
        )
    cols = [*required, *[c for c in optional if c in df.columns]]
    out: dict[str, np.ndarray] = {}
    for c in cols:
        s = df[c]
        if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
            raise DataValidationError(
                f"Column {c!r} must be numeric, got dtype {s.dtype}.",
                column=c,
                rows=df[[c]].head(),
                suggestion=f"convert it first, e.g. summary[{c!r}] = pd.to_numeric(summary[{c!r}]).",
            )
        values = s.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataValidationError(
                f"Column {c!r} has {int(bad.sum()):,} missing or infinite values.",
                column=c,
                rows=df.loc[bad, cols],
                suggestion="drop or fill these customers before fitting; an RFM summary from "
                "crmlib.features.rfm_summary never has them.",
            )
        neg = values < 0
        if neg.any():
            raise DataValidationError(
                f"Column {c!r} has {int(neg.sum()):,} negative values.",
                column=c,
                rows=df.loc[neg, cols],
                suggestion="frequency, recency, T, periods and counts are never negative; check "
                "the dates (a last purchase before the first) and the observation end.",
            )
        if c in integer:
            frac = values != np.round(values)
            if frac.any():
                raise DataValidationError(
                    f"Column {c!r} must hold whole numbers; {int(frac.sum()):,} rows do not.",
                    column=c,
                    rows=df.loc[frac, cols],
                    suggestion=f"{c} counts periods with a purchase; recompute it with "
                    "crmlib.features.rfm_summary rather than rescaling it.",
                )
        out[c] = values
    if "weights" in out and (out["weights"] <= 0).any():
        bad = out["weights"] <= 0
        raise DataValidationError(
            f"Column 'weights' must be positive; {int(bad.sum()):,} rows are 0.",
            column="weights",
            rows=df.loc[bad, cols],
            suggestion="drop the rows with no customers.",
        )
    out["_index"] = df.index  # type: ignore[assignment]
    return out


def check_rows(
    summary: pd.DataFrame,
    bad: np.ndarray,
    message: str,
    *,
    column: str,
    columns: Sequence[str],
    suggestion: str,
) -> None:
    """Raise a :class:`DataValidationError` showing the rows where ``bad`` is True."""
    if bad.any():
        raise DataValidationError(
            message.format(n=int(bad.sum())),
            column=column,
            rows=summary.loc[bad, list(columns)],
            suggestion=suggestion,
        )

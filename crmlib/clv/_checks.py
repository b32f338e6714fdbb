"""Validation of model inputs at the door, before any type conversion.

The frame checks themselves are crmlib's one layer (:mod:`crmlib.checks`); this module
adds what is particular to CLV summaries: the suggestion that fits a model's ``fit``, the
positive ``weights`` rule and :func:`check_rows` for relations between columns. Every
failure is a :class:`~crmlib.exceptions.DataValidationError` naming the column, showing
the offending rows and suggesting a fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.checks import check_frame, check_numeric
from crmlib.exceptions import DataValidationError

__all__ = ["check_summary", "check_rows", "SUMMARY_HINT"]

SUMMARY_HINT = (
    "build the summary with crmlib.features.rfm_summary(transactions, observation_end=..., "
    "time_unit='W'), which returns frequency, recency, T and monetary_value; for a calibration "
    "split use crmlib.clv.calibration_summary(split), which renames frequency_cal -> frequency, "
    "recency_cal -> recency, T_cal -> T."
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

    Checks, in order: a DataFrame with unique column names and at least one row; the
    required columns exist; they are numeric; no NaN or infinite values; no negative
    values; whole numbers where ``integer`` says so; optional ``weights`` positive.
    Model-specific relations (recency <= T, ...) are checked by :func:`check_rows`.

    Parameters
    ----------
    summary : DataFrame
        One row per customer (or per pattern when ``weights`` is given).
    required : sequence of str
        Columns the model needs.
    model : str
        The public method called (e.g. ``"BetaGeo.fit"``), used in messages.
    integer : sequence of str
        Columns that must hold whole numbers.
    optional : sequence of str
        Columns used when present (``weights``).
    suggestion : str
        Suggestion shown when the frame or its columns are wrong.

    Returns
    -------
    dict of str to ndarray
        The required (and present optional) columns as float64 arrays, and the index
        under ``"_index"``.

    Examples
    --------
    >>> d = check_summary(pd.DataFrame({"frequency": [0, 2]}), ["frequency"], model="m.fit")
    >>> d["frequency"].tolist()
    [0.0, 2.0]
    """
    df = check_frame(summary, required, func=model, what="summary", suggestion=suggestion)
    cols = [*required, *[c for c in optional if c in df.columns]]
    out = check_numeric(df, cols, func=model, allow_negative=False, integer=integer, show=cols)
    if "weights" in out and (out["weights"] <= 0).any():
        bad = out["weights"] <= 0
        raise DataValidationError(
            f"{model}: column 'weights' must be positive; {int(bad.sum()):,} rows are 0.",
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

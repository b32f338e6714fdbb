"""Input checks shared by the segmentation modules (validation at the door)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError, missing_columns_error


def check_frame(df: object, required: Sequence[str], what: str, hint: str) -> pd.DataFrame:
    """A non-empty DataFrame holding ``required`` columns, else a clear error."""
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"Expected a DataFrame ({what}), got {type(df).__name__}.",
            suggestion=hint,
        )
    missing = [c for c in required if c not in df.columns]
    if missing:
        err = missing_columns_error(missing, list(df.columns), what=what)
        raise DataValidationError(str(err).split("\nSuggestion:")[0], column=missing[0], suggestion=hint)
    if len(df) == 0:
        raise DataValidationError(f"The {what} is empty (0 customers).", suggestion=hint)
    return df


def check_values(value: object, name: str, *, allow_negative: bool = False) -> pd.Series:
    """A non-empty numeric Series without missing values (one value per customer)."""
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    if not isinstance(value, pd.Series):
        raise DataValidationError(
            f"{name} must be a pandas Series indexed by customer_id, got {type(value).__name__}.",
            suggestion="pass e.g. summary['total_spend'] or a CLV Series.",
        )
    if len(value) == 0:
        raise DataValidationError(f"{name} is empty (0 customers).", suggestion="check the filter that produced it.")
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        raise DataValidationError(
            f"{name} must be numeric, got dtype {value.dtype}.",
            column=str(value.name) if value.name is not None else None,
            rows=value.head(),
            suggestion="convert it with pd.to_numeric first.",
        )
    if value.index.has_duplicates:
        dup = value[value.index.duplicated(keep=False)]
        raise DataValidationError(
            f"{name} has {int(value.index.duplicated().sum()):,} duplicated customer ids.",
            rows=dup,
            suggestion="aggregate to one value per customer first (e.g. groupby('customer_id').sum()).",
        )
    v = value.to_numpy(dtype="float64")
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataValidationError(
            f"{name} has {int(bad.sum()):,} missing or infinite values.",
            rows=value[bad],
            suggestion="fill or drop these customers first.",
        )
    if not allow_negative and (v < 0).any():
        raise DataValidationError(
            f"{name} has {int((v < 0).sum()):,} negative values; shares of value need values >= 0.",
            rows=value[v < 0],
            suggestion="clip them at 0 (value.clip(lower=0)) or exclude refunds before summing spend.",
        )
    return value.astype("float64")

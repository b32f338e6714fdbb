"""Integer period numbers and time units, shared by both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.conventions import UNIT_DAYS
from crmlib.exceptions import DataValidationError

FREQS = ("D", "W", "M")
#: Units of recency and T (lengths from the one table, crmlib.conventions.UNIT_DAYS).
TIME_UNITS = ("D", "W", "M")


def check_freq(freq: str, time_unit: str | None) -> tuple[str, str]:
    """Validate ``freq`` and ``time_unit``; return them, ``time_unit`` defaulting to ``freq``."""
    if freq not in FREQS:
        raise DataValidationError(
            f"freq={freq!r} is not supported.",
            suggestion="use 'D' (days), 'W' (weeks, Monday to Sunday) or 'M' (calendar months).",
        )
    unit = time_unit or freq
    if unit not in TIME_UNITS:
        raise DataValidationError(
            f"time_unit={time_unit!r} is not supported.", suggestion="use 'D', 'W' or 'M'."
        )
    if freq == "M" and unit != "M":
        raise DataValidationError(
            "With freq='M' (calendar months) recency and T are whole months; time_unit must be 'M'.",
            suggestion="use freq='D' with time_unit='M' for months at day resolution.",
        )
    return freq, unit


def period_numbers(dates: pd.Series | np.ndarray | pd.Timestamp, freq: str) -> np.ndarray:
    """Integer period of each date: days, Monday-start weeks, or calendar months since 1970."""
    if isinstance(dates, pd.Timestamp):
        values = np.array([dates.to_datetime64()])
    else:
        values = dates.to_numpy() if isinstance(dates, pd.Series) else np.asarray(dates)
    # numpy floors when it coarsens a datetime64 unit, so no ns copy is needed
    if freq == "M":
        return values.astype("datetime64[M]").astype(np.int64)
    days = values.astype("datetime64[D]").view(np.int64)
    if freq == "W":
        # 1970-01-01 was a Thursday: shift by 3 so weeks run Monday..Sunday, as pandas' "W"
        days = days + 3
        days //= 7
    return days


def unit_factor(freq: str, time_unit: str) -> float:
    """Divide a count of ``freq`` periods by this to express it in ``time_unit``."""
    if freq == "M":
        return 1.0
    return UNIT_DAYS[time_unit] / UNIT_DAYS[freq]

"""crmlib's conventions, in one home: reference dates, durations, time units, purchases.

Every area reads its dates, durations and units through the functions below, so the same
words mean the same thing everywhere.

Reference dates
    Every ``*_end`` parameter (``observation_end``, ``calibration_end``, ``train_end``,
    ...) is *inclusive*: it is the last moment of history that is used. A date without a
    time of day includes that whole day, so the CDNOW papers' split is
    ``calibration_end="1997-09-30"`` in every area. A ``start`` is inclusive too. Dates
    are ISO text (``"2011-12-09"``), a ``Timestamp``, a ``datetime`` or a ``date``.
    Numbers and ambiguous text such as ``"02/03/2020"`` are refused (:func:`to_date`).
Durations
    ``horizon``, ``window`` and the like are a :class:`pandas.Timedelta` or a string with
    its unit: ``"90D"``, ``"13W"``, ``"3M"``, ``"1Y"`` (a month is 365.25/12 days, a year
    365.25 days). A bare number is accepted only where the parameter's name carries the
    unit (``window_days=90``) (:func:`to_duration`).
Time units
    :data:`UNIT_DAYS` is the one table of unit lengths.
Purchases
    A row with a non-negative amount is a purchase; a negative amount is a return or
    refund (kept in the log only when ``read_transactions``' policy says so). Zero-amount
    lines are excluded at the door by default; when a policy keeps them (free items,
    CDNOW's $0 purchases, which the published figures count) they are purchases
    (:func:`purchase_mask`).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from crmlib.exceptions import DataValidationError

__all__ = [
    "UNIT_DAYS",
    "end_bound",
    "per_period_rate",
    "purchase_mask",
    "to_date",
    "to_duration",
    "to_number",
    "unit_days",
]

#: Length of each named time unit in days (a mean Gregorian year is 365.25 days).
UNIT_DAYS: dict[str, float] = {
    "D": 1.0,
    "W": 7.0,
    "M": 365.25 / 12,
    "Q": 365.25 / 4,
    "Y": 365.25,
}

_UNIT_HINT = "use 'D' (days), 'W' (weeks), 'M' (months of 365.25/12 days), 'Q' or 'Y'"


def unit_days(time_unit: str | float, name: str = "time_unit") -> float:
    """Length of ``time_unit`` in days.

    Parameters
    ----------
    time_unit : {"D", "W", "M", "Q", "Y"} or float
        A named unit, or a positive number of days.
    name : str
        The parameter's name, used in the error message.

    Returns
    -------
    float

    Examples
    --------
    >>> unit_days("W"), round(unit_days("M"), 4)
    (7.0, 30.4375)
    """
    if isinstance(time_unit, bool | np.bool_):  # bool is an int to Python; never a unit
        raise DataValidationError(f"{name}={time_unit!r} is not a time unit.", suggestion=_UNIT_HINT + ".")
    if isinstance(time_unit, int | float | np.integer | np.floating):
        if not (math.isfinite(time_unit) and time_unit > 0):
            raise DataValidationError(
                f"{name}={time_unit!r} days must be a positive finite number.",
                suggestion=_UNIT_HINT + ", or a positive number of days.",
            )
        return float(time_unit)
    key = str(time_unit).strip().upper()
    if key not in UNIT_DAYS:
        raise DataValidationError(
            f"Unknown {name} {time_unit!r}; known units: {', '.join(UNIT_DAYS)}.",
            suggestion=_UNIT_HINT + ", or a positive number of days.",
        )
    return UNIT_DAYS[key]


def per_period_rate(annual_rate: float, time_unit: str | float) -> float:
    """Convert an annual discount rate into the equivalent rate per ``time_unit``.

    ``(1 + annual_rate) ** (days / 365.25) - 1``: compounding 52.18 weekly periods at the
    weekly rate gives back exactly the annual rate.

    Parameters
    ----------
    annual_rate : float
        Annual discount rate, e.g. 0.10 for 10% a year. Must be > -1.
    time_unit : str or float
        Length of one period (see :func:`unit_days`).

    Returns
    -------
    float
        The rate per period.

    Examples
    --------
    >>> round(per_period_rate(0.10, "W"), 6)
    0.001828
    >>> round((1 + per_period_rate(0.10, "M")) ** 12 - 1, 12)
    0.1
    """
    rate = to_number(annual_rate, "annual_discount_rate", low=-1.0, low_inclusive=False,
                     example="0.10 for 10% a year")
    return (1.0 + rate) ** (unit_days(time_unit) / UNIT_DAYS["Y"]) - 1.0


# ----------------------------------------------------------------------------- numbers


def to_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
    example: str | None = None,
) -> float:
    """A finite real number from a scalar parameter, or a :class:`DataValidationError`.

    Refuses booleans, text (even ``"0.3"``: a parameter is a number, not a string),
    NaN, infinities and values outside ``[low, high]``.

    Parameters
    ----------
    value : Any
        The value the user passed.
    name : str
        The parameter's name, used in the message.
    low, high : float, optional
        Bounds; ``low_inclusive`` / ``high_inclusive`` say whether they are allowed.
    integer : bool, default False
        Require a whole number.
    example : str, optional
        A valid value to suggest, e.g. ``"0.3 for 30%"``.

    Returns
    -------
    float

    Examples
    --------
    >>> to_number(0.3, "margin", low=0, high=1)
    0.3
    """
    hint = f"pass e.g. {name}={example}." if example else f"pass a finite number for {name}."
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        raise DataValidationError(
            f"{name}={value!r} is not a number ({type(value).__name__}).", suggestion=hint
        )
    v = float(value)
    if not math.isfinite(v):
        raise DataValidationError(f"{name}={value!r} must be a finite number.", suggestion=hint)
    if integer and v != int(v):
        raise DataValidationError(f"{name}={value!r} must be a whole number.", suggestion=hint)
    too_low = low is not None and (v < low or (v == low and not low_inclusive))
    too_high = high is not None and (v > high or (v == high and not high_inclusive))
    if too_low or too_high:
        lo = "" if low is None else f"{low:g} {'<=' if low_inclusive else '<'} "
        hi = "" if high is None else f" {'<=' if high_inclusive else '<'} {high:g}"
        raise DataValidationError(f"{name}={value!r} is out of range: need {lo}{name}{hi}.", suggestion=hint)
    return v


# ------------------------------------------------------------------------------- dates

# Text dates such as 02/03/2020: day-first or month-first cannot be told apart.
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")


def to_date(value: Any, name: str, *, example: str = "2011-12-09") -> pd.Timestamp:
    """A naive Timestamp from a reference-date parameter, or a :class:`DataValidationError`.

    Accepts ISO text (``"2011-12-09"``, ``"2011-12-09 17:30"``), a ``Timestamp``,
    ``datetime``, ``date`` or ``numpy.datetime64``. A time-zone-aware value keeps its
    wall-clock time and drops the zone, as :func:`crmlib.read_transactions` does by
    default. Refuses numbers (``20240102`` would otherwise be read as nanoseconds),
    booleans, missing values, impossible calendar dates (``"2025-06-31"``) and text whose
    day and month order is ambiguous (``"02/03/2020"``).

    Parameters
    ----------
    value : date-like
    name : str
        The parameter's name, used in the message.
    example : str
        A valid value to suggest.

    Returns
    -------
    Timestamp

    Examples
    --------
    >>> to_date("1997-09-30", "calibration_end")
    Timestamp('1997-09-30 00:00:00')
    """
    hint = f"pass an ISO date, e.g. {name}={example!r}."
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        raise DataValidationError(f"{name} is missing.", suggestion=hint)
    if isinstance(value, bool | np.bool_ | int | float | np.integer | np.floating):
        raise DataValidationError(
            f"{name}={value!r} is a number, not a date: pandas would read it as nanoseconds since 1970.",
            suggestion=hint,
        )
    if isinstance(value, str):
        m = _SLASHED.match(value)
        if m and int(m.group(1)) <= 12 and int(m.group(2)) <= 12 and m.group(1) != m.group(2):
            a, b, y = m.groups()
            raise DataValidationError(
                f"{name}={value!r} is ambiguous: {y}-{b}-{a} day-first or {y}-{a}-{b} month-first.",
                suggestion=hint,
            )
    if not isinstance(value, str | pd.Timestamp | _dt.date | np.datetime64):
        raise DataValidationError(f"{name}={value!r} is not a date ({type(value).__name__}).", suggestion=hint)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as err:
        raise DataValidationError(f"{name}={value!r} is not a valid date ({err}).", suggestion=hint) from None
    if ts is pd.NaT:
        raise DataValidationError(f"{name} is missing (NaT).", suggestion=hint)
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def end_bound(value: Any, name: str) -> pd.Timestamp:
    """The exclusive upper bound of an inclusive ``*_end``.

    A date-only value includes its whole day (the bound is the next midnight); a value
    with a time of day includes that instant (the bound is one nanosecond later).

    Parameters
    ----------
    value : date-like
        An inclusive end, as given by the user.
    name : str
        The parameter's name, used in messages.

    Returns
    -------
    Timestamp
        Rows with ``date < end_bound(...)`` are inside the window.

    Examples
    --------
    >>> end_bound("1997-09-30", "calibration_end")
    Timestamp('1997-10-01 00:00:00')
    """
    ts = to_date(value, name)
    return ts + pd.Timedelta(days=1) if ts == ts.normalize() else ts + pd.Timedelta(1, "ns")


# --------------------------------------------------------------------------- durations

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([DWMQY]|d|w|y)\s*$")
#: Longest duration accepted: a century, well inside pandas' Timedelta range (292 years).
_MAX_DAYS = 36_525.0


def to_duration(value: Any, name: str, *, unit: str | None = None, allow_zero: bool = False) -> pd.Timedelta:
    """A positive :class:`pandas.Timedelta` from a duration parameter.

    Parameters
    ----------
    value : Timedelta, numpy.timedelta64, str or number
        ``"90D"``, ``"13W"``, ``"3M"`` (months of 365.25/12 days), ``"1Q"``, ``"1Y"``,
        any text :class:`pandas.Timedelta` understands with an explicit unit
        (``"36h"``, ``"90 days"``), or a Timedelta. A bare number (or numeric text such
        as ``"30"``) only when ``unit`` is given.
    name : str
        The parameter's name, used in messages.
    unit : str, optional
        The unit of a bare number, for parameters whose name or model fixes it
        (``horizon_days`` -> ``"D"``).
    allow_zero : bool, default False
        Accept a zero duration.

    Returns
    -------
    Timedelta

    Examples
    --------
    >>> to_duration("13W", "horizon")
    Timedelta('91 days 00:00:00')
    >>> to_duration(90, "horizon_days", unit="D")
    Timedelta('90 days 00:00:00')
    """
    hint = (
        f"pass a duration with its unit, e.g. {name}='90D', '13W', '3M' or pd.Timedelta(days=90)"
        + (f", or a number of {unit} units" if unit else "")
        + "."
    )
    if isinstance(value, bool | np.bool_) or value is None or value is pd.NaT:
        raise DataValidationError(f"{name}={value!r} is not a duration.", suggestion=hint)
    days: float
    if isinstance(value, int | float | np.integer | np.floating):
        if unit is None:
            raise DataValidationError(
                f"{name}={value!r} has no unit: days, weeks or months?", suggestion=hint
            )
        days = to_number(value, name, example="90") * unit_days(unit)
    elif isinstance(value, pd.Timedelta | np.timedelta64 | _dt.timedelta):
        td = pd.Timedelta(value)
        if td is pd.NaT:
            raise DataValidationError(f"{name} is missing (NaT).", suggestion=hint)
        days = td / pd.Timedelta(days=1)
    elif isinstance(value, str):
        text = value.strip()
        m = _DURATION.match(text)
        if m:
            days = float(m.group(1)) * UNIT_DAYS[m.group(2).upper()]
        elif re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
            if unit is None:
                raise DataValidationError(
                    f"{name}={value!r} has no unit: days, weeks or months?", suggestion=hint
                )
            days = float(text) * unit_days(unit)
        elif re.fullmatch(r"\d+(\.\d+)?\s*m", text):
            raise DataValidationError(
                f"{name}={value!r} is ambiguous: 'm' reads as minutes in pandas but often means months.",
                suggestion=f"write {text[:-1].strip()}M for months or {text[:-1].strip()}min for minutes.",
            )
        else:
            try:
                days = pd.Timedelta(text) / pd.Timedelta(days=1)
            except (ValueError, TypeError, OverflowError):
                raise DataValidationError(f"{name}={value!r} is not a duration.", suggestion=hint) from None
    else:
        raise DataValidationError(f"{name}={value!r} is not a duration ({type(value).__name__}).", suggestion=hint)
    if not math.isfinite(days) or days < 0 or (days == 0 and not allow_zero):
        raise DataValidationError(f"{name}={value!r} must be a positive duration.", suggestion=hint)
    if days > _MAX_DAYS:
        raise DataValidationError(
            f"{name}={value!r} is longer than a century ({days:,.0f} days).", suggestion=hint
        )
    return pd.Timedelta(days=days)


# --------------------------------------------------------------------------- purchases


def purchase_mask(amount: pd.Series | np.ndarray) -> np.ndarray:
    """True for rows that are purchases (a non-negative amount).

    The one rule every area uses: a purchase period, a lifecycle purchase and a churn
    purchase are all rows with ``amount >= 0``. Returns and refunds (negative amounts)
    are not purchases. Zero-amount lines reach an analysis only when the
    ``read_transactions`` policy kept them on purpose (``zero_amount="keep"``), and then
    they are purchases: CDNOW's $0 purchases count in the published figures.

    Parameters
    ----------
    amount : Series or ndarray

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> purchase_mask(pd.Series([10.0, -5.0, 0.0])).tolist()
    [True, False, True]
    """
    return np.asarray(amount, dtype="float64") >= 0

"""Time units and discount rates: summaries carry no unit, models and CLV name theirs.

A model's ``time_unit`` says what one unit of ``recency`` and ``T`` is. CLV converts an
annual discount rate into a rate per step with the exact compounding identity
``(1 + annual) ** (step_days / 365.25) - 1``: a month is 365.25/12 days, never 30.
"""

from __future__ import annotations

from crmlib.exceptions import DataValidationError

__all__ = ["UNIT_DAYS", "unit_days", "per_period_rate"]

#: Length of each named time unit in days (a mean Gregorian year is 365.25 days).
UNIT_DAYS: dict[str, float] = {
    "D": 1.0,
    "W": 7.0,
    "M": 365.25 / 12,
    "Q": 365.25 / 4,
    "Y": 365.25,
}


def unit_days(time_unit: str | float) -> float:
    """Length of ``time_unit`` in days.

    Parameters
    ----------
    time_unit : {"D", "W", "M", "Q", "Y"} or float
        A named unit, or a positive number of days.

    Returns
    -------
    float

    Examples
    --------
    >>> unit_days("W"), round(unit_days("M"), 4)
    (7.0, 30.4375)
    """
    if isinstance(time_unit, bool):  # bool is an int; refuse it explicitly
        raise DataValidationError(
            f"time_unit={time_unit!r} is not a time unit.",
            suggestion="use 'D', 'W', 'M', 'Q' or 'Y'.",
        )
    if isinstance(time_unit, int | float):
        if not time_unit > 0:
            raise DataValidationError(
                f"time_unit={time_unit!r} days must be positive.",
                suggestion="use 'D', 'W', 'M', 'Q', 'Y' or a positive number of days.",
            )
        return float(time_unit)
    key = str(time_unit).upper()
    if key not in UNIT_DAYS:
        raise DataValidationError(
            f"Unknown time_unit {time_unit!r}; known units: {', '.join(UNIT_DAYS)}.",
            suggestion="use 'D' (days), 'W' (weeks), 'M' (months of 365.25/12 days), 'Q' or 'Y', "
            "or a positive number of days.",
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
    if not annual_rate > -1:
        raise DataValidationError(
            f"annual_discount_rate={annual_rate!r} must be greater than -1.",
            suggestion="give the yearly rate as a fraction, e.g. 0.10 for 10% a year.",
        )
    return (1.0 + annual_rate) ** (unit_days(time_unit) / UNIT_DAYS["Y"]) - 1.0

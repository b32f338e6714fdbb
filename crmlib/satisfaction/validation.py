"""Input checks for satisfaction scores, loyalty outcomes and rated items (validation at the door).

Every check runs on the values as the user gave them, before any type conversion, so a
text score or a missing outcome is reported as such and never surfaces later as a
``TypeError`` or a division by zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib.checks import check_frame
from crmlib.conventions import to_number
from crmlib.exceptions import DataValidationError

__all__ = [
    "check_items",
    "check_outcome",
    "check_scores",
    "resolve_levels",
    "resolve_pair",
]


def resolve_levels(
    scale: tuple[float, float] = (1, 5), levels: Sequence[float] | None = None
) -> np.ndarray:
    """The allowed score levels: ``levels`` if given, else the integers of ``scale``.

    Parameters
    ----------
    scale : (low, high), default (1, 5)
        The declared rating scale, both ends included; integer steps.
    levels : sequence of float, optional
        Explicit levels (for example ``[1, 1.5, 2, ..., 5]`` after binning an index in
        half points). Overrides ``scale``.

    Returns
    -------
    ndarray
        Sorted, distinct levels as float.

    Examples
    --------
    >>> resolve_levels((1, 5)).tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0]
    """
    if levels is not None:
        arr = np.asarray(levels, dtype="float64")
        if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)):
            raise DataValidationError(
                f"levels must be at least two finite numbers, got {levels!r}.",
                suggestion="pass e.g. levels=[1, 2, 3, 4, 5].",
            )
        if np.any(np.diff(arr) <= 0):
            raise DataValidationError(
                f"levels must be strictly increasing, got {levels!r}.",
                suggestion="sort them and drop duplicates.",
            )
        return arr
    try:
        lo, hi = scale
        lo_f, hi_f = float(lo), float(hi)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"scale must be a pair (low, high), got {scale!r}.",
            suggestion="pass e.g. scale=(1, 5) for a five-point scale.",
        ) from None
    if not (np.isfinite(lo_f) and np.isfinite(hi_f)) or lo_f != int(lo_f) or hi_f != int(hi_f) or hi_f <= lo_f:
        raise DataValidationError(
            f"scale must be two integers low < high, got {scale!r}.",
            suggestion="pass e.g. scale=(1, 5), or explicit levels=[...] for non-integer levels.",
        )
    return np.arange(lo_f, hi_f + 1.0)


def _as_series(values: Any, data: pd.DataFrame | None, role: str, func: str) -> pd.Series:
    if data is not None:
        hint = f"pass data=df and the column names, e.g. {func}('score', 'loyal', data=df)."
        if isinstance(values, str):
            check_frame(data, [values], func=func, what="survey", suggestion=hint)
            return data[values]
        check_frame(data, [], func=func, what="survey", suggestion=hint)
        if isinstance(values, pd.Series):
            return values
        raise DataValidationError(
            f"With data=..., the {role} must be a column name, got {type(values).__name__}.",
            suggestion=f"pass the name of the column holding the {role}.",
        )
    if isinstance(values, str):
        raise DataValidationError(
            f"The {role} was given as the string {values!r} but no data=... frame to look it up in.",
            suggestion=f"pass data=df, or pass the {role} values themselves (a Series or array).",
        )
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise DataValidationError(
                f"The {role} must be one column, got a DataFrame with {values.shape[1]} columns.",
                suggestion="select the column, e.g. df['score'].",
            )
        return values.iloc[:, 0]
    if isinstance(values, pd.Series):
        return values
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise DataValidationError(
            f"The {role} must be one-dimensional, got shape {arr.shape}.",
            suggestion="pass a Series, a list or a 1-D array.",
        )
    return pd.Series(arr, name=role)


def resolve_pair(
    scores: Any, outcome: Any, data: pd.DataFrame | None = None, *, func: str = "loyalty_curve"
) -> tuple[pd.Series, pd.Series]:
    """Turn ``scores`` and ``outcome`` (arrays, Series or column names of ``data``) into
    two aligned Series of the same length.

    Two Series with different indexes are refused rather than aligned silently.
    ``func`` is the public function called, named in the messages.
    """
    s = _as_series(scores, data, "satisfaction scores", func)
    y = _as_series(outcome, data, "loyalty outcome", func)
    if len(s) != len(y):
        raise DataValidationError(
            f"Scores ({len(s):,} values) and outcome ({len(y):,} values) differ in length.",
            suggestion="pass one score and one outcome per respondent.",
        )
    if len(s) == 0:
        raise DataValidationError(
            "No respondents: the scores are empty.", suggestion="check the filter that produced the data."
        )
    if not s.index.equals(y.index):
        raise DataValidationError(
            "Scores and outcome have different indexes, so respondents cannot be matched.",
            suggestion="take both from the same DataFrame, or reset both indexes (reset_index(drop=True)).",
        )
    return s, y


def _name(s: pd.Series, default: str) -> str:
    return str(s.name) if s.name is not None else default


def check_scores(scores: pd.Series, levels: np.ndarray, *, what: str = "satisfaction scores") -> pd.Series:
    """Check that every score is a number on the declared levels; return them as float.

    Raises
    ------
    DataValidationError
        On non-numeric scores (text, booleans), missing scores, and scores outside the
        declared scale or between its levels, naming the column and showing the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> check_scores(pd.Series([1, 5, 3]), resolve_levels((1, 5))).tolist()
    [1.0, 5.0, 3.0]
    """
    col = _name(scores, what)
    if pd.api.types.is_bool_dtype(scores):
        raise DataValidationError(
            f"The {what} in column {col!r} are True/False, not ratings.",
            column=col,
            rows=scores.head(),
            suggestion="pass the rating column (e.g. 1-5); a True/False column is an outcome.",
        )
    if not pd.api.types.is_numeric_dtype(scores):
        bad = scores.notna() & pd.to_numeric(scores, errors="coerce").isna()
        rows = scores[bad] if bool(bad.any()) else scores.head()
        example = ", ".join(repr(v) for v in list(pd.unique(rows))[:3])
        raise DataValidationError(
            f"The {what} in column {col!r} are not numeric (dtype {scores.dtype}); e.g. {example}.",
            column=col,
            rows=rows,
            suggestion="convert them to numbers first: pd.to_numeric(...) for digits stored as text, "
            "or .map({'very satisfied': 5, ...}) for labels.",
        )
    v = scores.to_numpy(dtype="float64", na_value=np.nan)
    missing = ~np.isfinite(v)
    if missing.any():
        raise DataValidationError(
            f"{_count(missing, 'score')} in column {col!r} {_be(missing)} missing (or infinite).",
            column=col,
            rows=scores[missing],
            suggestion="drop those respondents explicitly (df.dropna(subset=[...])) so the exclusion is visible.",
        )
    lo, hi = float(levels[0]), float(levels[-1])
    outside = (v < lo) | (v > hi)
    if outside.any():
        raise DataValidationError(
            f"{_count(outside, 'score')} in column {col!r} {_be(outside)} outside the declared scale "
            f"{lo:g}-{hi:g} (seen {np.nanmin(v):g} to {np.nanmax(v):g}).",
            column=col,
            rows=scores[outside],
            suggestion="declare the right scale (scale=(0, 10) for a 0-10 question) or fix the coding.",
        )
    on_level = np.isclose(v[:, None], levels[None, :], rtol=0, atol=1e-9).any(axis=1)
    if not on_level.all():
        raise DataValidationError(
            f"{_count(~on_level, 'score')} in column {col!r} {'falls' if (~on_level).sum() == 1 else 'fall'} between the scale's levels "
            f"({', '.join(f'{x:g}' for x in levels)}).",
            column=col,
            rows=scores[~on_level],
            suggestion="bin a continuous index first (crmlib.satisfaction.bin_index), or pass levels=[...].",
        )
    # snap to the exact level values so groupby keys match the table
    idx = np.abs(v[:, None] - levels[None, :]).argmin(axis=1)
    return pd.Series(levels[idx], index=scores.index, name=scores.name)


def check_outcome(outcome: pd.Series, *, positive: Any = None, what: str = "loyalty outcome") -> pd.Series:
    """Check a binary loyalty outcome and return it as 0/1 integers (1 = loyal).

    Parameters
    ----------
    outcome : Series
        Booleans, 0/1 numbers, or labels (then ``positive`` says which label is loyal).
    positive : scalar, optional
        The value meaning "loyal" (e.g. ``"Loyal Customer"``). Every other value is
        "not loyal".

    Raises
    ------
    DataValidationError
        On a missing outcome, numbers other than 0/1, labels without ``positive``, or a
        ``positive`` that never occurs.

    Examples
    --------
    >>> import pandas as pd
    >>> check_outcome(pd.Series(["Loyal", "disloyal"]), positive="Loyal").tolist()
    [1, 0]
    """
    col = _name(outcome, what)
    missing = outcome.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"{_count(missing, 'value')} of the {what} in column {col!r} {_be(missing)} missing.",
            column=col,
            rows=outcome[missing],
            suggestion="a respondent without an outcome cannot count as loyal or not; drop those rows "
            "explicitly (df.dropna(subset=[...])) or record the outcome.",
        )
    values = pd.unique(outcome)
    if positive is not None:
        if not any(_same(v, positive) for v in values):
            raise DataValidationError(
                f"positive={positive!r} does not occur in the {what} column {col!r}; "
                f"its values are {_list(values)}.",
                column=col,
                suggestion=f"pass one of {_list(values)} as positive=...",
            )
        return pd.Series((outcome == positive).astype("int64").to_numpy(), index=outcome.index, name=outcome.name)
    if pd.api.types.is_bool_dtype(outcome):
        return pd.Series(outcome.astype("int64").to_numpy(), index=outcome.index, name=outcome.name)
    if pd.api.types.is_numeric_dtype(outcome):
        v = outcome.to_numpy(dtype="float64")
        bad = (v != 0) & (v != 1)
        if bad.any():
            raise DataValidationError(
                f"The {what} in column {col!r} must be 0/1 (1 = loyal); found {_list(pd.unique(outcome[bad]))}.",
                column=col,
                rows=outcome[bad],
                suggestion="recode it (e.g. churn -> 1 - churn), or pass positive=<the loyal value>.",
            )
        return pd.Series(v.astype("int64"), index=outcome.index, name=outcome.name)
    raise DataValidationError(
        f"The {what} in column {col!r} holds labels {_list(values)}; say which one means loyal.",
        column=col,
        rows=outcome.head(),
        suggestion=f"pass positive=<label>, e.g. positive={values[0]!r}.",
    )


def _count(mask: np.ndarray, noun: str) -> str:
    k = int(np.sum(mask))
    return f"{k:,} {noun}{'' if k == 1 else 's'}"


def _be(mask: np.ndarray) -> str:
    return "is" if int(np.sum(mask)) == 1 else "are"


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _list(values: Any, n: int = 6) -> str:
    vals = list(values)
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in vals[:n])
    return f"[{shown}{', ...' if len(vals) > n else ''}]"


def check_items(
    data: pd.DataFrame,
    items: Sequence[str],
    levels: np.ndarray,
    *,
    not_applicable: float | None = 0,
    what: str = "rated items",
    func: str = "satisfaction_index",
) -> pd.DataFrame:
    """Check rated item columns: present, numeric, complete, and on the scale (or the
    "not applicable" code). Returns them as float with "not applicable" turned into NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"food": [5, 0, 3], "seat": [4, 4, 1]})
    >>> check_items(df, ["food", "seat"], resolve_levels((1, 5)))["food"].tolist()
    [5.0, nan, 3.0]
    """
    if isinstance(items, str) or not isinstance(items, Sequence | pd.Index) or len(items) == 0:
        raise DataValidationError(
            f"{func}: items must be a non-empty list of column names, got {items!r}.",
            suggestion="pass e.g. items=['Seat comfort', 'Food and drink'].",
        )
    check_frame(data, list(items), func=func, what=f"survey ({what})",
                suggestion=f"pass the survey DataFrame (one row per respondent) and the list of item columns to {func}.")
    if not_applicable is not None and np.isclose(levels, float(not_applicable)).any():
        raise DataValidationError(
            f"The 'not applicable' code {not_applicable!r} is also a level of the scale, so the two "
            "cannot be told apart.",
            suggestion="pass not_applicable=None if the survey has no such code, or recode it.",
        )
    out = {}
    allowed = levels if not_applicable is None else np.append(levels, float(not_applicable))
    for c in items:
        s = data[c]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            raise DataValidationError(
                f"Item {c!r} is not numeric (dtype {s.dtype}).",
                column=c,
                rows=s.head(),
                suggestion="convert ratings to numbers (pd.to_numeric, or .map of the labels).",
            )
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        nan = ~np.isfinite(v)
        if nan.any():
            code = "" if not_applicable is None else f" If a blank means 'not applicable', fill it with {not_applicable:g}."
            raise DataValidationError(
                f"Item {c!r} has {int(nan.sum()):,} missing ratings.",
                column=c,
                rows=s[nan],
                suggestion=f"fill or drop them explicitly.{code}",
            )
        ok = np.isclose(v[:, None], allowed[None, :], rtol=0, atol=1e-9).any(axis=1)
        if not ok.all():
            na_txt = "" if not_applicable is None else f" (or {not_applicable:g} = not applicable)"
            raise DataValidationError(
                f"Item {c!r} has {int((~ok).sum()):,} ratings outside the scale "
                f"{levels[0]:g}-{levels[-1]:g}{na_txt}.",
                column=c,
                rows=s[~ok],
                suggestion="declare the right scale=(low, high) and not_applicable code.",
            )
        if not_applicable is not None:
            v = np.where(np.isclose(v, float(not_applicable)), np.nan, v)
        out[c] = v
    return pd.DataFrame(out, index=data.index)


# --------------------------------------------------------------- scalar parameters
# to_number's messages name the parameter and suggest a valid value, which fits any caller.


def check_choice(value: Any, name: str, options: Sequence[str], *, func: str) -> str:
    """``value`` if it is one of ``options``; otherwise a DataValidationError listing them."""
    if not isinstance(value, str) or value not in options:
        raise DataValidationError(
            f"{func}: {name}={value!r} is not one of {', '.join(map(repr, options))}.",
            suggestion=f"pass {name}={options[0]!r} or one of the other options.",
        )
    return value


def check_count(value: Any, name: str, *, low: int = 0) -> int:
    """A whole number >= ``low`` (a count of draws or simulations)."""
    return int(to_number(value, name, low=low, integer=True, example=str(max(low, 200))))


def check_fraction(value: Any, name: str, *, example: str = "0.95") -> float:
    """A number strictly between 0 and 1 (a confidence level, a significance level)."""
    return to_number(value, name, low=0, high=1, low_inclusive=False, high_inclusive=False, example=example)


def check_nonnegative(value: Any, name: str, *, high: float | None = None, example: str = "0.05") -> float:
    """A finite number >= 0 (and <= ``high``)."""
    return to_number(value, name, low=0, high=high, example=example)


def check_random_state(value: Any, *, func: str) -> Any:
    """None, a non-negative integer, or a ``numpy.random.Generator``: what ``default_rng`` takes."""
    if value is None or isinstance(value, np.random.Generator):
        return value
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 0:
        raise DataValidationError(
            f"{func}: random_state={value!r} must be None, a non-negative integer or a numpy Generator.",
            suggestion="pass e.g. random_state=0 for reproducible draws.",
        )
    return value


def numeric_array(values: Any, name: str, *, func: str, size: int | None = None) -> np.ndarray:
    """A 1-D float array from numbers only: text ("0.5") and True/False are refused, not coerced."""
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim != 1:
        raise DataValidationError(
            f"{func}: {name} must be a one-dimensional list of numbers, got shape {np.shape(values)}.",
            suggestion=f"pass {name} as a list or 1-D array of numbers.",
        )
    bad = [v for v in arr.tolist() if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number)]
    if bad:
        raise DataValidationError(
            f"{func}: {name} must hold numbers; got {_list(bad)}.",
            suggestion=f"convert {name} to numbers first (e.g. pd.to_numeric).",
        )
    out = arr.astype("float64")
    if size is not None and out.size != size:
        raise DataValidationError(
            f"{func}: {name} has {out.size} values; {size} expected (one per level).",
            suggestion=f"pass one value of {name} per level of the scale.",
        )
    return out


def simulated_label(*objs: Any) -> str | None:
    """The ``attrs["label"]`` of the first simulated frame or Series among ``objs``
    (set by :func:`~crmlib.satisfaction.generate_survey`), or None for real data.

    Results built from a simulated survey carry it, so their charts say "simulated".
    """
    for obj in objs:
        attrs = getattr(obj, "attrs", None) or {}
        if attrs.get("simulated"):
            return str(attrs.get("label") or "simulated data")
    return None

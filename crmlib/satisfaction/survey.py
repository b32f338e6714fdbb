"""Reading a user's own survey file and its column map (validation at the door)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crmlib.checks import check_frame
from crmlib.exceptions import DataValidationError

__all__ = ["SURVEY_COLUMN_KEYS", "read_survey", "yes_no_outcome"]

#: Keys of a survey column map: the overall score (or None to build an index from the
#: items), the loyalty outcome, the rated items, the outcome's positive value and the scale.
SURVEY_COLUMN_KEYS = ("score", "outcome", "items", "positive", "scale")

_HINT = (
    "pass columns={'score': <overall rating or None>, 'outcome': <loyalty column>, "
    "'items': [<rated item columns>]} naming columns of the file (notebook 04's SURVEY_COLUMNS "
    "parameter)."
)


def read_survey(path: str | os.PathLike, columns: Mapping[str, Any] | None) -> tuple[pd.DataFrame, dict]:
    """Read a survey file (CSV or parquet) and check its column map before any analysis.

    Parameters
    ----------
    path : path
        A ``.csv`` (``.tsv``, ``.txt``, ``.csv.gz``) or ``.parquet`` file, one row per
        respondent.
    columns : mapping
        ``score`` (one column, or None to build the index from ``items``), ``outcome``
        (the loyalty column: 0/1, boolean, yes/no, or labels with ``positive``),
        ``items`` (list of rated item columns), optional ``positive`` and ``scale``.

    Returns
    -------
    (DataFrame, dict)
        The survey as read, and the column map with ``items`` as a list.

    Raises
    ------
    DataValidationError
        A missing or unreadable file, an unknown key, no outcome, neither a score nor
        items, or a named column absent from the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
    >>> _ = p.write_text("rating,stay\\n5,yes\\n3,no\\n")
    >>> df, cols = read_survey(p, {"score": "rating", "outcome": "stay"})
    >>> len(df), cols["items"]
    (2, [])
    """
    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"Survey file not found: {p}.", suggestion="check the path.")
    name = p.name.lower()
    if not name.endswith((".parquet", ".pq", ".csv", ".csv.gz", ".txt", ".tsv")):
        raise DataValidationError(
            f"Cannot tell the format of {p.name!r} from its extension.",
            suggestion="use a .csv or .parquet file.",
        )
    try:
        if name.endswith((".parquet", ".pq")):
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, sep="\t" if name.endswith(".tsv") else ",")
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise DataValidationError(
            f"Survey file {p.name!r} cannot be read ({type(err).__name__}: {str(err)[:200]}).",
            suggestion="save it as UTF-8 CSV with a header row, or as parquet.",
        ) from None
    cols = dict(columns or {})
    unknown = sorted(set(cols) - set(SURVEY_COLUMN_KEYS))
    if unknown:
        raise DataValidationError(f"The survey column map has unknown key(s) {unknown}.", suggestion=_HINT)
    if not cols.get("outcome"):
        raise DataValidationError("The survey column map must name the loyalty 'outcome' column.", suggestion=_HINT)
    items = cols.get("items") or []
    cols["items"] = [items] if isinstance(items, str) else list(items)
    if not cols.get("score") and not cols["items"]:
        raise DataValidationError(
            "The survey column map needs a 'score' column or a list of rated 'items'.", suggestion=_HINT
        )
    needed = [c for c in [cols.get("score"), cols["outcome"], *cols["items"]] if c]
    check_frame(df, needed, func="read_survey", what="survey", suggestion=_HINT)
    return df, cols


def yes_no_outcome(outcome: pd.Series) -> pd.Series:
    """A yes/no (true/false, y/n) text outcome as 0/1; anything else is returned unchanged.

    The whole column is read one way: only when every value is one of the yes/no words is
    it converted; other columns are left for :func:`~crmlib.satisfaction.loyalty_curve`
    to check (with ``positive=`` for labels).

    Examples
    --------
    >>> yes_no_outcome(pd.Series(["Yes", "no", " YES"])).tolist()
    [1, 0, 1]
    >>> yes_no_outcome(pd.Series(["Loyal", "Disloyal"])).tolist()
    ['Loyal', 'Disloyal']
    """
    if pd.api.types.is_numeric_dtype(outcome) or pd.api.types.is_bool_dtype(outcome) or outcome.isna().any():
        return outcome
    words = outcome.astype("string").str.strip().str.lower()
    yes, no = {"yes", "y", "true"}, {"no", "n", "false"}
    if set(words.unique()) <= yes | no:
        return words.isin(yes).astype("int64").rename(outcome.name)
    return outcome

"""Exporting tables next to the figures (CSV), as ``crmlib report`` and the notebooks do."""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from crmlib.exceptions import DataValidationError

__all__ = ["KEY_NUMBERS_FILE", "save_key_numbers", "save_table"]

#: Where :func:`save_key_numbers` writes, relative to a notebook's ``OUTPUT_DIR``;
#: ``crmlib report`` collects these files into the index page and the workbook.
KEY_NUMBERS_FILE = Path("tables") / "key_numbers.csv"


def save_table(table: pd.DataFrame | pd.Series, path: str | Path, *, index: bool = True) -> Path:
    """Write a table as UTF-8 CSV, creating parent folders.

    Parameters
    ----------
    table : DataFrame or Series
        The table to write.
    path : str or Path
        Output path; ``.csv`` is added when it has no suffix.
    index : bool, default True
        Whether to write the index (customer ids, segment names, ...).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    if not out.suffix:
        out = out.with_suffix(".csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig so spreadsheet programs show the 中文 segment names correctly.
    table.to_csv(out, index=index, encoding="utf-8-sig")
    return out


def save_key_numbers(
    numbers: Mapping[str, object],
    output_dir: str | Path,
    *,
    notes: Mapping[str, str] | None = None,
    append: bool = False,
) -> Path:
    """Write a notebook's headline numbers to ``<output_dir>/tables/key_numbers.csv``.

    ``crmlib report`` shows them at the top of its index page and in the ``key_numbers``
    sheet of ``tables.xlsx``. Call it once, near the end of a notebook, with every number
    its prose states.

    Parameters
    ----------
    numbers : mapping of str to scalar
        Name (as a person reads it, e.g. ``"Customers"``, ``"Holdout AUC, gradient
        boosting"``) to value: a number, text, bool, date or None (not computable).
        Floats are rounded to 4 decimal places; NumPy scalars become plain numbers.
    output_dir : str or Path
        The notebook's ``OUTPUT_DIR``.
    notes : mapping of str to str, optional
        A short note per name (unit, period, definition); names missing here get "".
    append : bool, default False
        Keep the rows already in the file, replacing those with the same names. By
        default the file is rewritten, so numbers of an earlier run never linger.

    Returns
    -------
    Path
        The CSV written (columns ``name``, ``value``, ``note``).

    Raises
    ------
    DataValidationError
        A name that is not text, a value that is not a scalar (a list, a frame), or a
        note for a name not in ``numbers``.

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> path = save_key_numbers({"Customers": 4338, "Top 20% share": 0.7412345}, out,
    ...                         notes={"Top 20% share": "of spend"})
    >>> print(path.read_text(encoding="utf-8-sig").strip())
    name,value,note
    Customers,4338,
    Top 20% share,0.7412,of spend
    """
    if not isinstance(numbers, Mapping):
        raise DataValidationError(
            f"save_key_numbers takes a mapping of name to value, got {type(numbers).__name__}.",
            suggestion='pass e.g. save_key_numbers({"Customers": n_customers}, OUTPUT_DIR).',
        )
    notes = dict(notes or {})
    unknown = sorted(set(notes) - set(numbers))
    if unknown:
        raise DataValidationError(
            f"save_key_numbers: notes for names that are not among the numbers: {unknown}.",
            suggestion="use the same names in notes= as in numbers.",
        )
    rows = []
    for name, value in numbers.items():
        if not isinstance(name, str) or not name.strip():
            raise DataValidationError(
                f"save_key_numbers: every name must be non-empty text, got {name!r}.",
                suggestion='name each number as a person reads it, e.g. "Customers".',
            )
        rows.append({"name": name, "value": _key_value(name, value), "note": notes.get(name, "")})
    path = Path(output_dir) / KEY_NUMBERS_FILE
    # object dtype: a mix of counts and rates must not turn 4338 into "4338.0"
    table = pd.DataFrame(rows, columns=["name", "value", "note"], dtype=object)
    if append and path.exists():
        old = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        table = pd.concat([old[~old["name"].isin(table["name"])], table.astype(str)], ignore_index=True)
    return save_table(table, path, index=False)


def _key_value(name: str, value: object) -> object:
    """One key number as it is written: plain Python scalars, floats to 4 places."""
    import numpy as np

    if value is None or isinstance(value, str | bool | np.bool_):
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return round(v, 4) if np.isfinite(v) else v
    if isinstance(value, pd.Timestamp | dt.date):
        return pd.Timestamp(value).isoformat().removesuffix("T00:00:00")
    raise DataValidationError(
        f"save_key_numbers: {name!r} must be one number, text, bool or date, got "
        f"{type(value).__name__}: {value!r:.80}.",
        suggestion="save a table with save_table and put one summary number here, "
        f'e.g. {{"{name}": float(x)}}.',
    )

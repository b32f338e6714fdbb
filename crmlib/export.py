"""Exporting tables next to the figures (CSV), as ``make run`` and the notebooks do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["save_table"]


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

"""Every error and warning crmlib raises, in one place (as scikit-learn does).

All user-facing input errors are :class:`DataValidationError`, a :class:`ValueError`
whose message names the column, shows up to five offending rows and ends with a
``Suggestion:`` line.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "CrmlibWarning",
    "DataValidationError",
    "DataFileError",
    "NotFittedError",
    "ConvergenceError",
    "ConvergenceWarning",
    "AssumptionWarning",
    "format_rows",
]

MAX_ROWS_SHOWN = 5


def format_rows(rows: pd.DataFrame | pd.Series, n: int = MAX_ROWS_SHOWN) -> str:
    """Render the first ``n`` offending rows for an error message."""
    if isinstance(rows, pd.Series):
        rows = rows.to_frame()
    total = len(rows)
    shown = rows.head(n).to_string(max_colwidth=40)
    more = f"\n... and {total - n:,} more" if total > n else ""
    return f"{shown}{more}"


class DataValidationError(ValueError):
    """Input data failed validation.

    Parameters
    ----------
    message : str
        What is wrong, naming the column or value.
    column : str, optional
        The offending column, kept for programmatic use.
    rows : DataFrame or Series, optional
        Offending rows; the first five are shown in the message.
    suggestion : str, optional
        How to fix it; shown on a final ``Suggestion:`` line.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        rows: pd.DataFrame | pd.Series | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.column = column
        self.rows = rows
        self.suggestion = suggestion
        parts = [message]
        if rows is not None and len(rows):
            parts.append(f"Offending rows ({len(rows):,} in all):\n{format_rows(rows)}")
        if suggestion:
            parts.append(f"Suggestion: {suggestion}")
        super().__init__("\n".join(parts))


class DataFileError(FileNotFoundError):
    """A data set file is missing or does not match its published checksum."""


class NotFittedError(_SklearnNotFittedError):
    """A model was used before ``fit`` was called (a scikit-learn ``NotFittedError``)."""

    def __init__(self, estimator: object) -> None:
        name = type(estimator).__name__
        super().__init__(
            f"This {name} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


_CONVERGENCE_CHECKLIST = (
    "Things to try:\n"
    "  1. add a small penalizer (e.g. penalizer_coef=0.001) to keep parameters finite;\n"
    "  2. rescale time: express recency and T in weeks rather than days (time_unit='W');\n"
    "  3. look at the data's frequency distribution: many customers with very high\n"
    "     frequency, or (almost) no repeat buyers at all, make the likelihood flat;\n"
    "  4. try other starting values (initial_params=...)."
)


class ConvergenceError(RuntimeError):
    """An optimiser did not converge; the message carries a checklist of what to try.

    Parameters
    ----------
    message : str
        What failed.
    checklist : str, optional
        What to try; default the checklist for the CLV models (penalizer, time units,
        frequency distribution, starting values).
    """

    #: The default checklist (CLV models); an instance may carry another.
    checklist = _CONVERGENCE_CHECKLIST

    def __init__(self, message: str, checklist: str | None = None) -> None:
        self.checklist = _CONVERGENCE_CHECKLIST if checklist is None else checklist
        super().__init__(f"{message}\n{self.checklist}")


class CrmlibWarning(UserWarning):
    """Base class of crmlib's warnings."""


class ConvergenceWarning(CrmlibWarning):
    """An optimiser stopped at a doubtful optimum; the message carries a checklist."""


class AssumptionWarning(CrmlibWarning):
    """The data visibly violate an assumption of the model (the message gives the figure)."""


def missing_columns_error(
    missing: Sequence[str], available: Sequence[str], what: str = "input"
) -> DataValidationError:
    """Build the standard error for absent columns, listing those that exist."""
    avail = ", ".join(repr(str(c)) for c in available) or "(none)"
    miss = ", ".join(repr(str(c)) for c in missing)
    return DataValidationError(
        f"Column {miss} not found in the {what}. Available columns: {avail}.",
        column=str(missing[0]),
        suggestion="pass the name of the column that holds this field, "
        "e.g. customer='CustomerID', date='InvoiceDate'.",
    )

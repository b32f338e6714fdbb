"""The transaction log a notebook runs on: the user's own file when one is given, else
Online Retail when the data directory has it, else the bundled CDNOW master; validated
in every case."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from crmlib.datasets._files import available, load_online_retail
from crmlib.datasets.cdnow import CDNOW_POLICY, load_cdnow

__all__ = ["DefaultLog", "load_default_transactions"]


class DefaultLog(NamedTuple):
    """A validated log and where it came from."""

    name: str  # "Online Retail" or "CDNOW"
    currency: str | None  # ISO code or symbol ("GBP", "USD"); None when the user gave none
    transactions: pd.DataFrame
    report: object  # crmlib.validation.ValidationReport
    is_fallback: bool  # True when CDNOW stood in for Online Retail

    @property
    def period(self) -> str:
        """The log's first and last day, for chart subtitles: "2010-12-01 to 2011-12-09"."""
        dates = self.transactions["date"]
        return f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"

    @property
    def label(self) -> str:
        """Data set and period, e.g. "Online Retail, 2010-12-01 to 2011-12-09"."""
        return f"{self.name}, {self.period}"


def load_default_transactions(
    data_dir: str | os.PathLike | None = None,
    *,
    policy: Mapping[str, str] | None = None,
    cdnow_sample: bool = False,
    transactions: str | os.PathLike | pd.DataFrame | None = None,
    columns: Mapping[str, object] | None = None,
    currency: str | None = None,
) -> DefaultLog:
    """Online Retail from the data directory, or CDNOW when it is absent (a fresh machine).

    Parameters
    ----------
    data_dir : path, optional
        Data directory (default ``$CRMLIB_DATA`` or the per-user cache).
    policy : mapping, optional
        Exclusion policy overrides passed to :func:`crmlib.read_transactions`; for CDNOW
        they are applied on top of :data:`CDNOW_POLICY`.
    cdnow_sample : bool, default False
        Use the 2,357-customer CDNOW sample instead of the full master.
    transactions : path or DataFrame, optional
        The user's own log. When given it is read with
        ``read_transactions(transactions, **columns, policy=policy)`` instead of a
        bundled data set; this is how notebooks and ``crmlib report`` run on your data.
    columns : mapping, optional
        ``read_transactions`` keyword arguments for ``transactions``: ``customer``,
        ``date``, ``amount`` or ``quantity`` and ``price``, ``order``, ``date_format``,
        ``dayfirst``, ``decimal``, ...
    currency : str, optional
        Currency label of the user's log ("GBP", "$"); default none.

    Returns
    -------
    DefaultLog
        ``(name, currency, transactions, report, is_fallback)``.
    """
    from crmlib.datasets._files import ONLINE_RETAIL_COLUMNS
    from crmlib.validation import read_transactions

    if transactions is not None:
        if not columns or "customer" not in columns or "date" not in columns:
            from crmlib.exceptions import DataValidationError

            raise DataValidationError(
                "Your own transactions need a column map: which column holds the customer id, "
                "the date and the amount.",
                suggestion="pass columns={'customer': 'CustomerID', 'date': 'InvoiceDate', "
                "'amount': 'Sales'} (or 'quantity' and 'price' instead of 'amount').",
            )
        tx, report = read_transactions(transactions, **columns, policy=policy)  # type: ignore[arg-type]
        name = (
            os.path.basename(os.fspath(transactions))
            if isinstance(transactions, str | os.PathLike)
            else "your data"
        )
        return DefaultLog(name, currency or None, tx, report, False)
    if available("online_retail", data_dir):
        tx, report = read_transactions(load_online_retail(data_dir), **ONLINE_RETAIL_COLUMNS, policy=policy)
        return DefaultLog("Online Retail", "GBP", tx, report, False)
    tx, report = read_transactions(
        load_cdnow(sample=cdnow_sample),
        customer="customer_id",
        date="date",
        amount="amount",
        quantity="quantity",
        policy={**CDNOW_POLICY, **(policy or {})},
    )
    return DefaultLog("CDNOW", "USD", tx, report, True)

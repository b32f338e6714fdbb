"""The transaction log a notebook runs on: Online Retail when the data directory has it,
else the bundled CDNOW master, validated either way."""

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
    currency: str  # ISO code: "GBP" or "USD"
    transactions: pd.DataFrame
    report: object  # crmlib.validation.ValidationReport
    is_fallback: bool  # True when CDNOW stood in for Online Retail


def load_default_transactions(
    data_dir: str | os.PathLike | None = None,
    *,
    policy: Mapping[str, str] | None = None,
    cdnow_sample: bool = False,
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

    Returns
    -------
    DefaultLog
        ``(name, currency, transactions, report, is_fallback)``.
    """
    from crmlib.validation import ONLINE_RETAIL_COLUMNS, read_transactions

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

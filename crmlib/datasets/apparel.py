"""CLVTools' apparel data: 600 customers of an apparel retailer and two static covariates.

The reference data set for CLV models with covariates (R package CLVTools, data sets
``apparelTrans`` and ``apparelStaticCov``; GPL-3, read from the data directory and never
shipped with crmlib). Every customer first bought on 2005-01-02; purchases run to
2010-12-20. CLVTools' published fits use the first 104 weeks (estimation end
2006-12-31), weeks, same-day purchases merged and its four zero-price lines counted as
purchases.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import pandas as pd

from crmlib.datasets._files import dataset_path
from crmlib.exceptions import DataFileError

__all__ = ["APPAREL_ESTIMATION_END", "APPAREL_POLICY", "Apparel", "load_apparel"]

#: Last day of CLVTools' estimation period (104 weeks after 2005-01-02, inclusive).
APPAREL_ESTIMATION_END = pd.Timestamp("2006-12-31")
#: ``read_transactions`` policy for the apparel data: CLVTools counts its four zero-price
#: lines as purchases (crmlib excludes zero amounts by default).
APPAREL_POLICY = {"zero_amount": "keep"}


class Apparel(NamedTuple):
    """The apparel data, validated: ``transactions`` (canonical log), ``covariates``
    (indexed by ``customer_id``: ``Gender`` and ``Channel``, both 0/1 floats) and the
    ``report`` of :func:`crmlib.read_transactions`."""

    transactions: pd.DataFrame
    covariates: pd.DataFrame
    report: object


def load_apparel(data_dir: str | os.PathLike | None = None) -> Apparel:
    """Load CLVTools' apparel transactions and static covariates, validated.

    The transactions go through :func:`crmlib.read_transactions` with
    :data:`APPAREL_POLICY` (zero-price lines kept as purchases); the covariates are
    indexed by the same ``customer_id`` strings, one row per customer.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        Folder holding ``apparel_transactions.csv`` and ``apparel_static_covariates.csv``;
        default :func:`crmlib.datasets.data_dir`. Both files are checked against their
        published sha256.

    Returns
    -------
    Apparel
        ``(transactions, covariates, report)``.

    Raises
    ------
    DataFileError
        A file is missing (the message says where to get it and where to put it), does
        not match its checksum, or the covariates do not cover exactly the customers of
        the transactions.

    Examples
    --------
    >>> from crmlib.datasets import available
    >>> if available("apparel"):
    ...     data = load_apparel()
    ...     print(data.transactions["customer_id"].nunique(), data.covariates.shape)
    ... else:
    ...     print(600, (600, 2))
    600 (600, 2)
    """
    from crmlib.validation import read_transactions

    tx_path, cov_path = dataset_path("apparel", data_dir)
    tx, report = read_transactions(
        tx_path, customer="Id", date="Date", amount="Price", policy=APPAREL_POLICY
    )
    cov = pd.read_csv(cov_path, dtype={"Id": str})
    cov = cov.set_index(cov["Id"].rename("customer_id")).drop(columns="Id")
    ids = pd.Index(tx["customer_id"].unique())
    if cov.index.has_duplicates or not ids.sort_values().equals(cov.index.sort_values()):
        raise DataFileError(
            f"{cov_path} does not hold one row for each of the {len(ids):,} customers of "
            f"{tx_path}.\nSuggestion: fetch both files again from CLVTools."
        )
    cov.index = cov.index.astype(tx["customer_id"].dtype)
    return Apparel(tx, cov.astype(float), report)

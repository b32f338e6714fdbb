"""CDNOW: 69,659 real transactions of 23,570 customers (Q1 1997 cohort, through June 1998).

The files ship inside the ``lifetimes`` wheel. They are located with
``importlib.resources`` rather than through ``lifetimes.datasets``, whose ``__init__``
needs ``pkg_resources`` and fails to import with setuptools >= 82.
"""

from __future__ import annotations

import importlib.resources

import pandas as pd

__all__ = ["CDNOW_POLICY", "CDNOW_COHORT_START", "CDNOW_CALIBRATION_END", "CDNOW_OBSERVATION_END", "load_cdnow"]

#: The cohort's first day. The papers count weeks 1-39 (calibration) and 40-78 (holdout) from here.
CDNOW_COHORT_START = pd.Timestamp("1997-01-01")
#: Last day of week 39 (Fader, Hardie & Lee 2005).
CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
#: Last day of week 78.
CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")

#: ``read_transactions`` policy for CDNOW. Its lines carry no order id, so two identical
#: lines (same customer, day, CDs and dollars: 255 in the master) are two purchases, not
#: a copying error; and $0 purchases (80 lines; for 68 customers their only ones) are
#: purchases in the papers, whose 23,570 / 2,357 customer counts include them.
CDNOW_POLICY = {"duplicate": "keep", "zero_amount": "keep"}


def _lifetimes_file(name: str):
    return importlib.resources.files("lifetimes") / "datasets" / name


def load_cdnow(sample: bool = True) -> pd.DataFrame:
    """Load the CDNOW transaction log.

    Parameters
    ----------
    sample : bool, default True
        True: the 1/10 sample of 2,357 customers (6,919 transactions) used in the papers.
        False: the full master file, 23,570 customers and 69,659 transactions.

    Returns
    -------
    DataFrame
        One row per transaction with the canonical columns ``customer_id`` (str),
        ``date`` (datetime64), ``quantity`` (number of CDs) and ``amount`` (US dollars).
        The data are clean; :func:`crmlib.read_transactions` accepts them as they are.

    Examples
    --------
    >>> tx = load_cdnow()
    >>> tx.shape, tx["customer_id"].nunique()
    ((6919, 4), 2357)
    """
    if sample:
        # columns: master id, id within the sample, date, number of CDs, dollar value
        raw = pd.read_csv(
            _lifetimes_file("CDNOW_sample.txt"),
            sep=r"\s+",
            header=None,
            names=["customer_id", "sample_id", "date", "quantity", "amount"],
            dtype={"customer_id": str, "sample_id": str, "date": str},
        ).drop(columns="sample_id")
    else:
        raw = pd.read_csv(
            _lifetimes_file("CDNOW_master.txt"),
            sep=r"\s+",
            header=0,
            names=["customer_id", "date", "quantity", "amount"],
            dtype={"customer_id": str, "date": str},
        )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw["quantity"] = raw["quantity"].astype("int64")
    raw["amount"] = raw["amount"].astype("float64")
    return raw[["customer_id", "date", "quantity", "amount"]]


def load_cdnow_transactions(sample: bool = True) -> pd.DataFrame:
    """Alias of :func:`load_cdnow`, for symmetry with the other transaction loaders."""
    return load_cdnow(sample=sample)

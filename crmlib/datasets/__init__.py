"""Data sets: CDNOW (bundled with lifetimes), real data from a data directory, and
seeded synthetic generators.

The real data sets are never committed. They are read from a data directory: the
``data_dir`` argument, else the ``CRMLIB_DATA`` environment variable, else a per-user
cache folder (see :func:`data_dir`). Each file is checked against its published sha256.
"""

from crmlib.datasets._files import (
    DATASETS,
    ONLINE_RETAIL_COLUMNS,
    available,
    data_dir,
    dataset_path,
    load_airline_survey,
    load_complaints,
    load_groceries,
    load_online_retail,
    load_telco,
)
from crmlib.datasets.apparel import APPAREL_ESTIMATION_END, APPAREL_POLICY, Apparel, load_apparel
from crmlib.datasets.cdnow import (
    CDNOW_CALIBRATION_END,
    CDNOW_COHORT_START,
    CDNOW_OBSERVATION_END,
    CDNOW_POLICY,
    load_cdnow,
    load_cdnow_transactions,
)
from crmlib.datasets.default import DefaultLog, load_default_transactions
from crmlib.datasets.synthetic import generate_bgnbd_transactions

__all__ = [
    "APPAREL_ESTIMATION_END",
    "APPAREL_POLICY",
    "Apparel",
    "CDNOW_CALIBRATION_END",
    "CDNOW_COHORT_START",
    "CDNOW_OBSERVATION_END",
    "CDNOW_POLICY",
    "DATASETS",
    "ONLINE_RETAIL_COLUMNS",
    "DefaultLog",
    "available",
    "data_dir",
    "dataset_path",
    "generate_bgnbd_transactions",
    "load_airline_survey",
    "load_apparel",
    "load_cdnow",
    "load_cdnow_transactions",
    "load_complaints",
    "load_default_transactions",
    "load_groceries",
    "load_online_retail",
    "load_telco",
]

"""crmlib: customer analytics on pandas, from validated transactions to decisions.

The IDIC spine: identify customers (:mod:`crmlib.validation`, :mod:`crmlib.features`,
:mod:`crmlib.identify`), differentiate them by value (:mod:`crmlib.segment`,
:mod:`crmlib.clv`), interact (:mod:`crmlib.satisfaction`) and customize
(:mod:`crmlib.churn`). Import the area you need, e.g. ``from crmlib.clv import BetaGeo``;
``import crmlib`` itself stays light.
"""

from crmlib import datasets, exceptions
from crmlib.exceptions import DataValidationError
from crmlib.validation import Transactions, ValidationReport, read_transactions

__version__ = "0.1.0"

__all__ = [
    "DataValidationError",
    "Transactions",
    "ValidationReport",
    "datasets",
    "exceptions",
    "read_transactions",
]

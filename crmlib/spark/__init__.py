"""crmlib on Spark: validation, RFM summaries, churn features and scoring at scale.

For logs that live in a data lake. The heavy work (validating every line, aggregating
per customer) runs on Spark; the models fit on the driver on the collapsed summary, which
stays small; scoring goes back out to the executors. Each function mirrors the pandas
one of the same name, with the same conventions and the same values:

* :func:`read_transactions` - the policies and accounting of
  :func:`crmlib.read_transactions` (rows in = used + excluded, by reason);
* :func:`rfm_summary`, :func:`calibration_holdout_split` - as :mod:`crmlib.features`,
  equal value for value (integer money arithmetic);
* :func:`churn_features` - as :func:`crmlib.churn.churn_features`;
* :func:`collapse` - unique (frequency, recency, T) rows with weights, a pandas frame
  that crmlib's CLV models fit on;
* :func:`score` - P(alive), expected purchases and CLV for every customer, through
  ``mapInPandas`` with the fitted model.

Spark DataFrames have no ``attrs``, so the summaries come as :class:`SparkSummary`
``(frame, attrs)``. Needs the ``spark`` extra (``pip install 'crmlib[spark]'``: pyspark
4 or later) and Java 17. ``docs/scale.md`` plans a 10-billion-line run.
"""

from crmlib.spark._common import SparkSummary
from crmlib.spark.features import calibration_holdout_split, churn_features, rfm_summary
from crmlib.spark.scoring import collapse, score
from crmlib.spark.session import from_pandas, local_session, to_pandas
from crmlib.spark.validation import SparkTransactions, read_transactions

__all__ = [
    "SparkSummary",
    "SparkTransactions",
    "calibration_holdout_split",
    "churn_features",
    "collapse",
    "from_pandas",
    "local_session",
    "read_transactions",
    "rfm_summary",
    "score",
    "to_pandas",
]

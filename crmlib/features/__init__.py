"""Feature engineering on a validated transaction log: RFM summaries and the
calibration/holdout split, in lifetimes' conventions, with a pandas and a DuckDB engine."""

from crmlib.features.rfm import (
    ENGINES,
    calibration_holdout_split,
    rfm_summary,
)
from crmlib.features.trend import spend_trend

__all__ = ["ENGINES", "calibration_holdout_split", "rfm_summary", "spend_trend"]

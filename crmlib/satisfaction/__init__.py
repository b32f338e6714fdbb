"""Satisfaction and loyalty (客户满意与客户忠诚): the satisfaction-to-loyalty curve.

The workflow, in the order of the notebook ``04_satisfaction_to_loyalty``:

1. :func:`satisfaction_index` (mean of the rated items, "not applicable" left out) or
   :func:`expectation_index` (perception over expectation), then :func:`bin_index` to
   turn the index into levels.
2. :func:`loyalty_curve`: loyalty rate per level with Wilson intervals, isotonic and
   smooth fits, the knee test (:func:`detect_knee`), the defection / indifference /
   affection zones (:func:`curve_zones`), ratios between levels with bootstrap
   intervals (``curve.ratio(5, 4)``), the loyalty difference between adjacent levels
   (``curve.adjacent_differences()``, an association, not an effect) and the
   terrorists and apostles (``curve.extremes()``);
   :func:`target_scenarios` shows why a "4 or 5" target misleads;
   :func:`curve_table`, :func:`differences_table` and :func:`describe_curve` give a
   curve's report-ready tables and generated sentences.
3. :func:`driver_analysis`: which items move loyalty most, against how well each
   performs (the importance-performance map).
4. :func:`generate_survey`: a seeded survey with a stated curve (``"xerox"``,
   ``"competitive"``, ``"protected"`` or your own) to check the analysis against.

Charts are in :mod:`crmlib.satisfaction.plotting`.
"""

from crmlib.satisfaction.curve import LoyaltyCurve, loyalty_curve
from crmlib.satisfaction.drivers import QUADRANTS, DriverAnalysis, driver_analysis
from crmlib.satisfaction.fits import (
    SmoothFit,
    isotonic_fit,
    newcombe_difference,
    smooth_fit,
    wilson_interval,
)
from crmlib.satisfaction.generator import (
    CURVES,
    DEFAULT_ITEMS,
    DEFAULT_SCORE_PROBS,
    SurveyCurve,
    curve_probabilities,
    generate_survey,
)
from crmlib.satisfaction.index import (
    SatisfactionIndex,
    bin_index,
    expectation_index,
    satisfaction_index,
)
from crmlib.satisfaction.kano import (
    KANO_ANSWERS,
    KANO_TABLE,
    KanoResult,
    kano_analysis,
    plot_better_worse,
    read_kano_survey,
    simulate_kano_survey,
)
from crmlib.satisfaction.knee import Knee, detect_knee
from crmlib.satisfaction.ratio import RateRatio, rate_ratio
from crmlib.satisfaction.report import (
    CURVE_TABLE_COLUMNS,
    CurveDescription,
    curve_table,
    describe_curve,
    differences_table,
)
from crmlib.satisfaction.survey import SURVEY_COLUMN_KEYS, read_survey, yes_no_outcome
from crmlib.satisfaction.targets import target_scenarios
from crmlib.satisfaction.validation import check_items, check_outcome, check_scores
from crmlib.satisfaction.zones import ZONE_LABELS, ZONE_NAMES, curve_zones, terrorists_and_apostles

__all__ = [
    "KANO_ANSWERS",
    "KANO_TABLE",
    "KanoResult",
    "kano_analysis",
    "plot_better_worse",
    "read_kano_survey",
    "simulate_kano_survey",
    "SURVEY_COLUMN_KEYS",
    "read_survey",
    "yes_no_outcome",
    "CURVES",
    "CURVE_TABLE_COLUMNS",
    "CurveDescription",
    "curve_table",
    "describe_curve",
    "differences_table",
    "DEFAULT_ITEMS",
    "DEFAULT_SCORE_PROBS",
    "QUADRANTS",
    "ZONE_LABELS",
    "ZONE_NAMES",
    "DriverAnalysis",
    "Knee",
    "LoyaltyCurve",
    "RateRatio",
    "SatisfactionIndex",
    "SmoothFit",
    "SurveyCurve",
    "bin_index",
    "check_items",
    "check_outcome",
    "check_scores",
    "curve_probabilities",
    "curve_zones",
    "detect_knee",
    "driver_analysis",
    "expectation_index",
    "generate_survey",
    "isotonic_fit",
    "loyalty_curve",
    "newcombe_difference",
    "rate_ratio",
    "satisfaction_index",
    "smooth_fit",
    "target_scenarios",
    "terrorists_and_apostles",
    "wilson_interval",
]

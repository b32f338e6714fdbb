"""Customer lifetime value (客户终生价值): probability models of who buys again, how
often, how much, and what it is worth today.

One module per model family, all on one base (:mod:`crmlib.clv.base`):

* non-contractual, continuous time: :class:`BetaGeo` (BG/NBD), :class:`ModifiedBetaGeo`
  (MBG/NBD), :class:`ParetoNBD`;
* non-contractual, discrete time: :class:`BetaGeoBetaBinom` (BG/BB);
* spend: :class:`GammaGamma`;
* contractual retention: :class:`ShiftedBetaGeometric` (sBG).

Each ``fit`` takes a summary in crmlib's column names (``frequency``, ``recency``, ``T``,
``monetary_value``; see :func:`crmlib.features.rfm_summary`), whose
``attrs["time_unit"]`` tells the model the unit of ``recency`` and ``T``. Time units and
discount rates come from :mod:`crmlib.conventions`. Holdout validation is
:func:`evaluate_holdout`; charts are in :mod:`crmlib.clv.plotting`.
"""

from crmlib.clv import plotting
from crmlib.clv.base import SUMMARY_COLUMNS, CLVModel
from crmlib.clv.bgbb import BetaGeoBetaBinom
from crmlib.clv.bgnbd import BetaGeo, ModifiedBetaGeo
from crmlib.clv.covariates import BetaGeoCovariates, LRTest, ParetoNBDCovariates, lr_test
from crmlib.clv.evaluation import (
    HoldoutEvaluation,
    calibration_summary,
    compare_models,
    evaluate_holdout,
)
from crmlib.clv.gammagamma import GammaGamma
from crmlib.clv.paretonbd import ParetoNBD
from crmlib.clv.sbg import ShiftedBetaGeometric
from crmlib.clv.uncertainty import (
    ParameterIntervals,
    parameter_covariance,
    parameter_draws,
    parameter_intervals,
)

__all__ = [
    "SUMMARY_COLUMNS",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoCovariates",
    "CLVModel",
    "GammaGamma",
    "HoldoutEvaluation",
    "LRTest",
    "ModifiedBetaGeo",
    "ParameterIntervals",
    "ParetoNBD",
    "ParetoNBDCovariates",
    "ShiftedBetaGeometric",
    "calibration_summary",
    "compare_models",
    "evaluate_holdout",
    "lr_test",
    "parameter_covariance",
    "parameter_draws",
    "parameter_intervals",
    "plotting",
]

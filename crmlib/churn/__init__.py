"""Churn and win-back (客户的流失与挽回): who is about to leave, and whom to fight for.

The workflow, in the order of a notebook:

1. :func:`churn_labels`: churned = no purchase in the ``horizon`` after
   ``observation_end`` (inclusive: the last day of history).
2. :func:`churn_features`: RFM, tenure, purchase gaps, spend trend and return rate as of
   ``observation_end``, from rows up to that day only (no leakage); :func:`churn_dataset`
   pairs them.
3. :func:`time_split`: train as of ``train_end``, test as of a later ``test_end``.
4. :func:`make_churn_model`: scikit-learn pipelines (logistic regression, gradient
   boosting); baselines :class:`RecencyRule` (the "bought within 3 months" mailing rule)
   and :class:`BTYDChurnBaseline` (1 − P(alive) from BG/NBD, no labels needed).
5. :func:`churn_metrics`, :func:`calibration_table`, :func:`lift_table` (the one in
   :mod:`crmlib.metrics`) and
   :func:`profit_curve` (how deep should a retention campaign go?).
6. :func:`winback_policy`: fight / try / opportunistic / let go, by tier, with the
   expected value of acting.
7. The subscription case (:func:`churn_reasons_table`, :func:`attribute_matrix`): stated
   churn reasons, which are preventable, and a classifier on customer attributes.

Charts are in :mod:`crmlib.churn.plotting`.
"""

from crmlib.churn.baselines import (
    BTYDChurnBaseline,
    RecencyRule,
)
from crmlib.churn.evaluation import (
    ProfitCurve,
    calibration_table,
    churn_metrics,
    profit_curve,
)
from crmlib.churn.features import (
    FEATURE_COLUMNS,
    FEATURE_DESCRIPTIONS,
    churn_dataset,
    churn_features,
)
from crmlib.churn.labels import churn_labels
from crmlib.churn.models import (
    MODEL_KINDS,
    check_labels,
    make_churn_model,
    score_models,
    signed_log1p,
)
from crmlib.churn.split import TimeSplit, time_split
from crmlib.churn.subscription import (
    PREVENTABILITY_BY_CATEGORY,
    PREVENTABILITY_BY_REASON,
    TELCO_LEAKAGE_COLUMNS,
    TELCO_NOT_FEATURES,
    attribute_matrix,
    churn_reasons_table,
    preventability_summary,
)
from crmlib.churn.winback import (
    DEFAULT_ACTIONS,
    DEFAULT_COST_BY_TIER,
    DEFAULT_P_WINBACK_BY_TIER,
    TIER_LABELS,
    winback_actions,
    winback_policy,
)
from crmlib.metrics import lift_table  # the one lift table, re-exported

__all__ = [
    "BTYDChurnBaseline",
    "DEFAULT_ACTIONS",
    "DEFAULT_COST_BY_TIER",
    "DEFAULT_P_WINBACK_BY_TIER",
    "FEATURE_COLUMNS",
    "FEATURE_DESCRIPTIONS",
    "MODEL_KINDS",
    "PREVENTABILITY_BY_CATEGORY",
    "PREVENTABILITY_BY_REASON",
    "ProfitCurve",
    "RecencyRule",
    "TELCO_LEAKAGE_COLUMNS",
    "TELCO_NOT_FEATURES",
    "TIER_LABELS",
    "TimeSplit",
    "attribute_matrix",
    "calibration_table",
    "churn_dataset",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "check_labels",
    "churn_reasons_table",
    "lift_table",
    "make_churn_model",
    "preventability_summary",
    "profit_curve",
    "score_models",
    "signed_log1p",
    "time_split",
    "winback_actions",
    "winback_policy",
]

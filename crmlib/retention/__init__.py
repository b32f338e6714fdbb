"""Keeping and growing customers (客户保持与发展): a points scheme as data, referral value
beside lifetime value, and what a change in retention is worth.

* :mod:`crmlib.retention.points`: :class:`PointsRules` (积分计划), a bill-by-bill ledger,
  the points liability;
* :mod:`crmlib.retention.referral`: churn and revenue by referrals, customer referral
  value (CRV, 客户推荐价值) and Kumar's CLV x CRV groups;
* :mod:`crmlib.retention.economics`: retention curves from tenures, the value of a
  retention change under a survival curve (sBG) or a BTYD model, break-even;
* :mod:`crmlib.retention.simulate`: a seeded, simulated subscriber table for offline runs;
* :mod:`crmlib.retention.plotting`: their charts.
"""

from crmlib.retention import plotting
from crmlib.retention.economics import (
    RetentionCurveFit,
    break_even_change,
    btyd_scheme_value,
    fit_retention_curve,
    lift_dropout,
    lifted_survival,
    new_customer_value_btyd,
    retention_change_value,
    scheme_net_gain,
    survival_value,
    tenure_curve,
)
from crmlib.retention.points import (
    PointsRules,
    bills_from_log,
    points_ledger,
    points_liability,
    points_summary,
    snapshot_points,
)
from crmlib.retention.referral import (
    REFERRAL_GROUPS,
    customer_referral_value,
    referral_quadrant,
    referral_table,
)
from crmlib.retention.simulate import (
    SIMULATED_CONTRACTS,
    Subscribers,
    load_subscribers,
    simulate_subscribers,
)

__all__ = [
    "REFERRAL_GROUPS",
    "SIMULATED_CONTRACTS",
    "PointsRules",
    "RetentionCurveFit",
    "Subscribers",
    "btyd_scheme_value",
    "fit_retention_curve",
    "load_subscribers",
    "scheme_net_gain",
    "bills_from_log",
    "break_even_change",
    "customer_referral_value",
    "lift_dropout",
    "lifted_survival",
    "new_customer_value_btyd",
    "plotting",
    "points_ledger",
    "points_liability",
    "points_summary",
    "referral_quadrant",
    "referral_table",
    "retention_change_value",
    "simulate_subscribers",
    "snapshot_points",
    "survival_value",
    "tenure_curve",
]

"""Identify customers (辨别顾客/客户识别): lifecycle states and transitions, value /
potential / declining customers, and a look-alike model of future loyal customers.

Every reference date is an inclusive ``observation_end`` (see :mod:`crmlib.conventions`).
The spend trend used by the value quadrant lives in :func:`crmlib.features.spend_trend`.
Plots are in :mod:`crmlib.identify.plotting`.
"""

from crmlib.identify.lifecycle import (
    NON_CUSTOMER,
    STATES,
    LifecycleCriteria,
    lifecycle_flows,
    lifecycle_over_time,
    lifecycle_states,
    reference_dates,
    state_labels,
    transition_matrix,
)
from crmlib.identify.lookalike import (
    LookalikeEvaluation,
    LookalikeModel,
    first_purchase_features,
    horizon_labels,
)
from crmlib.identify.quadrant import (
    QUADRANTS,
    customer_type,
    quadrant_profile,
    value_quadrant,
)
from crmlib.metrics import lift_table  # the one lift table, re-exported for look-alike users

__all__ = [
    "NON_CUSTOMER",
    "QUADRANTS",
    "STATES",
    "LifecycleCriteria",
    "LookalikeEvaluation",
    "LookalikeModel",
    "customer_type",
    "first_purchase_features",
    "horizon_labels",
    "lifecycle_flows",
    "lifecycle_over_time",
    "lifecycle_states",
    "lift_table",
    "quadrant_profile",
    "reference_dates",
    "state_labels",
    "transition_matrix",
    "value_quadrant",
]

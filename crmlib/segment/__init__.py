"""Differentiate customers by value (区分顾客): RFM scores and named segments, value tiers
and the 80/20 check, k-means clusters, contribution scores and the customer ladder, and
what to do with each segment.

Plots are in :mod:`crmlib.segment.plotting`.
"""

from crmlib.segment.allocation import (
    default_segment_actions,
    direct_mail_eligible,
    resource_allocation,
)
from crmlib.segment.clusters import RFMClusters, cluster_names, compare_clusters
from crmlib.segment.contribution import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    LADDER,
    contribution_scores,
    customer_ladder,
    ladder_positions,
    plot_customer_ladder,
    plot_tier_overlap,
    tier_overlap,
)
from crmlib.segment.rfm_scores import (
    N_BINS,
    NEW_WITHIN,
    UNASSIGNED,
    assign_segments,
    check_segment_names,
    default_segment_rules,
    eight_class_rules,
    quintile_scores,
    rfm_scores,
    rfm_table,
    rule_coverage,
    segment_profile,
    validate_rules,
)
from crmlib.segment.tiers import (
    TIERS,
    Concentration,
    concentration,
    dell_service_map,
    gini,
    lorenz_curve,
    tier_profile,
    tier_service_table,
    value_tiers,
)

__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "LADDER",
    "N_BINS",
    "NEW_WITHIN",
    "TIERS",
    "UNASSIGNED",
    "Concentration",
    "RFMClusters",
    "assign_segments",
    "check_segment_names",
    "cluster_names",
    "compare_clusters",
    "concentration",
    "contribution_scores",
    "customer_ladder",
    "default_segment_actions",
    "default_segment_rules",
    "dell_service_map",
    "direct_mail_eligible",
    "eight_class_rules",
    "gini",
    "ladder_positions",
    "lorenz_curve",
    "plot_customer_ladder",
    "plot_tier_overlap",
    "quintile_scores",
    "resource_allocation",
    "rfm_scores",
    "rfm_table",
    "rule_coverage",
    "segment_profile",
    "tier_overlap",
    "tier_profile",
    "tier_service_table",
    "validate_rules",
    "value_tiers",
]

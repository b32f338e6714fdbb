"""Customer communication and complaint management (客户的沟通 / 投诉管理), and the complaint iceberg.

The workflow, in the order of notebook ``07_complaints``:

1. :func:`read_complaints`: a CFPB-format complaint table, validated at the door, every
   excluded row counted by reason (:func:`simulate_complaints` gives a seeded sample
   for offline runs).
2. :func:`complaint_breakdown` by product, issue, channel or company;
   :func:`response_rates` (timely response, dispute) with Wilson intervals;
   :func:`timely_vs_disputed`, an observational 2x2 comparison.
3. :func:`complaint_iceberg`: implied dissatisfied customers for an *assumed* complaint
   rate (2–10% by default, a sensitivity band); :func:`revenue_at_risk` with a CLV per
   customer (:func:`clv_per_customer`) and an assumed churn of the dissatisfied.
4. :func:`top_terms`: TF-IDF terms per product in consented narratives.

Charts are in :mod:`crmlib.complaints.plotting`.
"""

from crmlib.complaints import plotting
from crmlib.complaints.data import (
    CFPB_COLUMNS,
    COMPLAINT_EXCLUSIONS,
    SIMULATED_CHANNELS,
    SIMULATED_PRODUCTS,
    ComplaintData,
    ComplaintReport,
    read_complaints,
    simulate_complaints,
)
from crmlib.complaints.iceberg import (
    COURSE_COMPLAINT_RATE,
    Iceberg,
    RevenueAtRisk,
    clv_per_customer,
    complaint_iceberg,
    revenue_at_risk,
)
from crmlib.complaints.rates import (
    BREAKDOWNS,
    TimelyDisputes,
    complaint_breakdown,
    response_rates,
    timely_vs_disputed,
)
from crmlib.complaints.text import top_terms

__all__ = [
    "BREAKDOWNS",
    "CFPB_COLUMNS",
    "COMPLAINT_EXCLUSIONS",
    "COURSE_COMPLAINT_RATE",
    "SIMULATED_CHANNELS",
    "SIMULATED_PRODUCTS",
    "ComplaintData",
    "ComplaintReport",
    "Iceberg",
    "RevenueAtRisk",
    "TimelyDisputes",
    "clv_per_customer",
    "complaint_breakdown",
    "complaint_iceberg",
    "plotting",
    "read_complaints",
    "response_rates",
    "revenue_at_risk",
    "simulate_complaints",
    "timely_vs_disputed",
    "top_terms",
]

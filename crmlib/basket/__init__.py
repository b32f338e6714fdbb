"""Basket analysis: cross-selling rules (交叉销售, "beer and diapers" 啤酒与尿布) and when
customers buy (time of day, after 7-Eleven's point-of-sale insight).

- :func:`basket_matrix` turns a validated log (order id x item, purchases only) or a list
  of baskets into a one-hot matrix, capping items at the minimum support.
- :func:`mine_rules` mines association rules with mlxtend's FP-growth and recounts them
  in whole baskets (support, confidence, lift, leverage, conviction).
- :func:`rule_stability` / :func:`remeasure_rules` check rules on a later window;
  :func:`next_products` turns rules into "next product" suggestions per customer.
- :func:`plot_rules` draws the top rules as a matrix.
- :mod:`crmlib.basket.timing`: dayparts, segments by when customers buy, basket size and
  mix by hour.
- :func:`generate_baskets`: seeded baskets with stated, planted associations.

Lift above 1 means the items occur together more often than chance would put them
together; it does not mean that buying one causes buying the other.
"""

from crmlib.basket.baskets import BASKET_EXCLUSIONS, basket_accounting, basket_matrix
from crmlib.basket.plotting import (
    plot_basket_by_hour,
    plot_rule_stability,
    plot_rules,
    plot_timing_segments,
)
from crmlib.basket.rules import (
    RULE_COLUMNS,
    co_occurrence,
    mine_rules,
    next_products,
    prune_redundant,
    remeasure_rules,
    rule_report,
    rule_stability,
)
from crmlib.basket.simulate import PLANTED_RULES, generate_baskets
from crmlib.basket.timing import (
    DAYPARTS,
    basket_by_hour,
    has_time_of_day,
    mix_by_hour,
    timing_actions,
    timing_segments,
    timing_shares,
)

__all__ = [
    "BASKET_EXCLUSIONS",
    "DAYPARTS",
    "PLANTED_RULES",
    "RULE_COLUMNS",
    "basket_accounting",
    "basket_by_hour",
    "basket_matrix",
    "co_occurrence",
    "generate_baskets",
    "has_time_of_day",
    "mine_rules",
    "mix_by_hour",
    "next_products",
    "plot_basket_by_hour",
    "plot_rule_stability",
    "plot_rules",
    "plot_timing_segments",
    "prune_redundant",
    "remeasure_rules",
    "rule_report",
    "rule_stability",
    "timing_actions",
    "timing_segments",
    "timing_shares",
]

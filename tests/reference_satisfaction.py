"""Published figures the satisfaction tests compare against, each with its source.

No public survey reproduces the Xerox figure itself (TESTING.md, "Satisfaction to
loyalty"); the generator states it as an assumption and the tests check that the
analysis recovers it.
"""

# Heskett, Jones, Loveman, Sasser & Schlesinger (1994), "Putting the Service-Profit Chain
# to Work", Harvard Business Review 72(2): Xerox's "totally satisfied" customers (5 on a
# 5-point scale) were six times as likely to repurchase as "satisfied" ones (4).
XEROX_RATIO_5_VS_4 = 6.0

# Wilson score intervals, 95%: Newcombe (1998), "Two-sided confidence intervals for the
# single proportion: comparison of seven methods", Statistics in Medicine 17, 857-872,
# Table II (method 3, score method without continuity correction).
WILSON_95 = {
    (81, 263): (0.2553, 0.3662),
    (15, 148): (0.0624, 0.1605),
    (0, 20): (0.0, 0.1611),
    (1, 29): (0.0061, 0.1718),
}

# Hybrid score interval for a difference of proportions, 95%: Newcombe (1998),
# "Interval estimation for the difference between independent proportions: comparison
# of eleven methods", Statistics in Medicine 17, 873-890, Table II (method 10).
NEWCOMBE_95 = {
    (56, 70, 48, 80): (0.0524, 0.3339),
    (9, 10, 3, 10): (0.1705, 0.8090),
    (5, 56, 0, 29): (-0.0381, 0.1926),
    (0, 10, 0, 20): (-0.1611, 0.2775),
    (10, 10, 0, 20): (0.6791, 1.0000),
}

# ../shared/data/PROVENANCE.md: the airline survey (train and test merged) and IBM Telco.
AIRLINE_RESPONDENTS = 129_880
AIRLINE_ITEMS = 14
# "not applicable" (0) ratings per item in the merged file (counted from the file; the
# items that passengers most often skip are the ones tied to booking and timing).
AIRLINE_NOT_APPLICABLE = {
    "Inflight wifi service": 3916,
    "Departure/Arrival time convenient": 6681,
    "Ease of Online booking": 5682,
    "Online boarding": 3080,
    "Leg room service": 598,
    "Food and drink": 132,
    "Baggage handling": 0,
}
AIRLINE_LOYAL = 106_100  # "Loyal Customer"; 23,780 "disloyal Customer"

# IBM Telco 11.1.3 (PROVENANCE.md): scores 1-2 100% churned, 3 16% churned, 4-5 0%.
TELCO_CUSTOMERS = 7043
TELCO_CHURN_BY_SCORE = {1: 1.0, 2: 1.0, 3: 0.16, 4: 0.0, 5: 0.0}

"""Published figures the feature code must reproduce (see ../shared/TESTING.md)."""

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science
# 24(2); the CDNOW sample of 2,357 customers, weeks 1-39 (calibration) and 40-78
# (holdout) from 1997-01-01, same-day purchases merged. Without the merge the counts
# are 2,603 and 1,959, the classic reproduction bug.
CDNOW_SAMPLE_CUSTOMERS = 2_357
CDNOW_CAL_REPEAT_TRANSACTIONS = 2_457
CDNOW_HOLDOUT_REPEAT_TRANSACTIONS = 1_882
CDNOW_CAL_REPEAT_UNMERGED = 2_603
CDNOW_HOLDOUT_REPEAT_UNMERGED = 1_959
CDNOW_CALIBRATION_END = "1997-09-30"
CDNOW_OBSERVATION_END = "1998-06-30"

# Fader, Hardie & Lee (2005): the example customer with x = 2, t_x = 30.43, T = 38.86 weeks.
EXAMPLE_CUSTOMER = {"frequency": 2, "recency": 30.43, "T": 38.86}

# CDNOW master file as shipped in lifetimes: 69,659 transactions of 23,570 customers.
CDNOW_MASTER_TRANSACTIONS = 69_659
CDNOW_MASTER_CUSTOMERS = 23_570

# The CDNOW sample cut by date at calibration_end = 1997-09-30 (a Tuesday) with weekly
# periods (freq="W"): repeat weeks in calibration. Counted by crmlib (issue 8): the
# pre-fix code, which cut at the end of the week containing 1997-09-30, counted 2,248,
# taking Wednesday-to-Sunday purchases of weeks after the end into calibration.
CDNOW_CAL_REPEAT_WEEKS_CUT_AT_DATE = 2_216
CDNOW_CAL_REPEAT_WEEKS_CUT_AT_WEEK_END = 2_248

"""Published figures the churn baselines must reproduce (see ../shared/TESTING.md).

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 275-284: BG/NBD fitted to the CDNOW sample
(2,357 customers) over weeks 1-39 from 1997-01-01 (calibration end 1997-09-30), time in
weeks, same-day purchases merged.
"""

CDNOW_CALIBRATION_END = "1997-09-30"  # inclusive: features use rows up to this day
CDNOW_SAMPLE_CUSTOMERS = 2_357

BGNBD_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
# the paper prints 3 decimals: agree to half a unit of the last one (0.2426 -> 0.243)
BGNBD_PARAMS_ABS_TOL = 5e-4
BGNBD_LOG_LIKELIHOOD = -9582.4
BGNBD_LOG_LIKELIHOOD_ABS_TOL = 0.1

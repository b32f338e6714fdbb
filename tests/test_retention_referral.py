"""Referrals: churn by referrals with Wilson intervals, a hand-computed customer referral
value (CRV, after Kumar et al. 2007/2010), and Kumar's CLV x CRV groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.metrics import wilson_interval
from crmlib.retention import (
    customer_referral_value,
    referral_quadrant,
    referral_table,
    simulate_subscribers,
)


def test_crv_by_hand():
    # A customer refers 0.05 friends a month and stays 30 discounted months: 1.5 referrals.
    # A referred customer is worth 800; 40% would not have joined otherwise (incremental);
    # each referral costs a 60 reward; on the other 60% the firm saves 150 of acquisition.
    # CRV = 1.5 x (0.4 x 800 - 60 + 0.6 x 150) = 1.5 x 350 = 525
    crv = customer_referral_value(0.05, 30.0, referred_value=800.0, share_incremental=0.4,
                                  referral_reward=60.0, acquisition_saving=150.0)
    assert crv == pytest.approx(525.0)


def test_crv_discounting_by_hand():
    # 2 referrals a year for 3 years at 10%: discounted periods 1/1.1 + 1/1.21 + 1/1.331
    periods = sum(1.1 ** -t for t in (1, 2, 3))
    crv = customer_referral_value([2.0, 0.0], [periods, periods], referred_value=100.0, share_incremental=1.0)
    assert crv.tolist() == pytest.approx([2 * 100 * periods, 0.0])
    assert crv[0] == pytest.approx(497.37, abs=0.01)


def test_crv_refuses_bad_assumptions():
    with pytest.raises(DataValidationError, match="share_incremental"):
        customer_referral_value(0.1, 10.0, referred_value=100.0, share_incremental=1.2)
    with pytest.raises(DataValidationError, match="finite"):
        customer_referral_value([np.inf], [10.0], referred_value=100.0, share_incremental=0.5)


def test_referral_table_counts_and_intervals():
    df = pd.DataFrame({
        "Number of Referrals": [0, 0, 0, 0, 1, 1, 4, 9],
        "Churn Value": [1, 1, 0, 0, 1, 0, 0, 0],
        "Total Revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 70.0, 90.0, 100.0],
    })
    t = referral_table(df, edges=(0, 1, 3))
    assert t.index.tolist() == ["0", "1-2", "3+"]
    assert t["customers"].tolist() == [4, 2, 2]
    assert t["churn_rate"].tolist() == [0.5, 0.5, 0.0]
    lo, hi = wilson_interval([2, 1, 0], [4, 2, 2])
    assert t["churn_low"].to_numpy() == pytest.approx(lo)
    assert t["churn_high"].to_numpy() == pytest.approx(hi)
    assert t.loc["0", "mean_revenue"] == 25.0
    se = np.std([10.0, 20.0, 30.0, 40.0], ddof=1) / 2
    assert t.loc["0", "revenue_high"] == pytest.approx(25.0 + 1.959964 * se, rel=1e-5)


def test_referral_table_refuses_labels():
    df = pd.DataFrame({"Number of Referrals": [0, 1], "Churn Value": ["Yes", "No"], "Total Revenue": [1.0, 2.0]})
    with pytest.raises(DataValidationError, match="Churn Value"):
        referral_table(df)


def test_quadrant_groups_and_cuts():
    clv = pd.Series([100.0, 900.0, 100.0, 900.0, 500.0], index=list("abcde"))
    crv = pd.Series([0.0, 0.0, 50.0, 50.0, 0.0], index=list("abcde"))
    q = referral_quadrant(clv, crv)
    assert q.attrs["clv_cut"] == 500.0 and q.attrs["crv_cut"] == 0.0
    assert q["group"].tolist() == ["misers", "affluents", "advocates", "champions", "misers"]
    with pytest.raises(DataValidationError, match="same customers"):
        referral_quadrant(clv, crv.iloc[::-1])


def test_simulated_subscribers_state_their_assumptions():
    df = simulate_subscribers(500, referrer_share=0.0, random_state=2)
    assert (df["Number of Referrals"] == 0).all()  # nobody refers when no one is a referrer
    assert (df["Total Revenue"] == (df["Monthly Charge"] * df["Tenure in Months"]).round(2)).all()
    again = simulate_subscribers(500, referrer_share=0.0, random_state=2)
    pd.testing.assert_frame_equal(df, again)

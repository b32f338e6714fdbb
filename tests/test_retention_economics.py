"""What a change in retention is worth: the sBG value of a retention change against a
hand computation, curves from tenures, break-even, and the BTYD counterpart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from crmlib.clv import BetaGeo, ShiftedBetaGeometric
from crmlib.exceptions import DataValidationError
from crmlib.retention import (
    break_even_change,
    lift_dropout,
    lifted_survival,
    new_customer_value_btyd,
    retention_change_value,
    simulate_subscribers,
    survival_value,
    tenure_curve,
)

# Fader & Hardie (2007), "How to project customer retention", the "regular" cohort
FH_REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.fixture(scope="module")
def sbg():
    return ShiftedBetaGeometric(time_unit="Y").fit(FH_REGULAR)


def test_sbg_retention_change_equals_hand_computation(sbg):
    a, b = sbg.params_["alpha"], sbg.params_["beta"]
    T, margin, d, acq, lift = 200, 100.0, 0.10, 150.0, 0.05
    # by hand: r(t) = (b + t - 1) / (a + b + t - 1), five points more, S(t) = product
    s_base, s_new, v_base, v_new = 1.0, 1.0, margin - acq, margin - acq
    for t in range(1, T + 1):
        r = (b + t - 1) / (a + b + t - 1)
        s_base *= r
        s_new *= min(r + lift, 1.0)
        v_base += s_base * margin / (1 + d) ** t
        v_new += s_new * margin / (1 + d) ** t
    out = retention_change_value(sbg.survival(np.arange(T + 1)), margin, lift, discount_per_period=d,
                                 acquisition_cost=acq)
    assert out["value"] == pytest.approx(v_base, rel=1e-10)
    assert out["value_new"] == pytest.approx(v_new, rel=1e-10)
    assert out["value_change_pct"] == pytest.approx((v_new - v_base) / v_base, rel=1e-10)
    assert out["retention_1"] == pytest.approx(b / (a + b))
    assert out["retention_1_new"] == pytest.approx(b / (a + b) + lift)


def test_base_value_is_margin_times_del(sbg):
    # with a long horizon the curve's value is margin x DEL (Fader & Hardie 2010's closed form)
    a, b = sbg.params_["alpha"], sbg.params_["beta"]
    del_ = hyp2f1(1.0, b, a + b, 1 / 1.1)
    assert del_ == pytest.approx(sbg.discounted_expected_lifetime(0.10))
    v = survival_value(sbg.survival(np.arange(3001)), 1.0, discount_per_period=0.10)
    assert v == pytest.approx(del_, rel=1e-8)


def test_lifted_survival_kinds_by_hand():
    s = [1.0, 0.5, 0.3]
    assert lifted_survival(s, 0.1).tolist() == pytest.approx([1.0, 0.6, 0.6 * 0.7])
    assert lifted_survival(s, 0.5, kind="churn").tolist() == pytest.approx([1.0, 0.75, 0.75 * 0.8])
    assert lifted_survival(s, 1.0, kind="churn").tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(DataValidationError, match="kind"):
        lifted_survival(s, 0.1, kind="percent")
    with pytest.raises(DataValidationError, match="non-increasing"):
        lifted_survival([1.0, 0.5, 0.7], 0.1)


def test_break_even_scheme_pays_exactly(sbg):
    s = sbg.survival(np.arange(301))
    margin, cost, d = 100.0, 8.0, 0.10
    base = survival_value(s, margin, discount_per_period=d)

    def gain(k):
        return survival_value(lifted_survival(s, k, kind="churn"), margin - cost, discount_per_period=d) - base

    k = break_even_change(gain)
    assert 0 < k < 1
    assert gain(k) == pytest.approx(0.0, abs=1e-6)
    # costs more than the margin: no retention gain pays
    assert np.isnan(break_even_change(
        lambda k: survival_value(lifted_survival(s, k, kind="churn"), -1.0, discount_per_period=d) - base))


def test_tenure_curve_kaplan_meier_by_hand():
    df = pd.DataFrame({"Tenure in Months": [1, 2, 2, 3, 3, 3], "Churn Value": [1, 1, 0, 0, 1, 0]})
    c = tenure_curve(df)
    assert c["at_risk"].tolist() == [6, 6, 5, 3]
    # S(1) = 5/6, S(2) = 5/6 x 4/5, S(3) = that x 2/3
    assert c["survival"].tolist() == pytest.approx([1.0, 5 / 6, 4 / 6, 4 / 6 * 2 / 3])
    assert c["active"].tolist() == [6, 5, 4, 3]
    with pytest.raises(DataValidationError, match="whole numbers"):
        tenure_curve(df.assign(**{"Tenure in Months": [1.5, 2, 2, 3, 3, 3]}))


def test_sbg_on_simulated_tenures_recovers_the_first_renewal():
    # simulated month-to-month customers: theta ~ Beta(0.6, 3.0), mean first-month churn 0.6/3.6
    df = simulate_subscribers(6000, random_state=4)
    mtm = df[df["Contract"] == "Month-to-Month"]
    curve = tenure_curve(mtm, max_period=24)
    m = ShiftedBetaGeometric(time_unit="M").fit(curve["active"].to_numpy())
    assert m.retention_rate(1)[0] == pytest.approx(3.0 / 3.6, abs=0.03)


def test_lift_dropout_and_new_customer_value_by_hand():
    m = BetaGeo(time_unit="W")
    m.time_unit_ = "W"
    m.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    lifted = lift_dropout(m, 0.5, kind="churn")
    mean = 0.793 / (0.793 + 2.426)
    assert lifted.params_["a"] / (lifted.params_["a"] + lifted.params_["b"]) == pytest.approx(mean / 2)
    assert m.params_["b"] == 2.426  # the original is untouched
    x = m.expected_purchases_new_customer(np.arange(1, 5))
    inc = np.diff(np.r_[0.0, x])
    by_hand = 20.0 * 0.3 * np.sum(inc / 1.01 ** np.arange(1, 5)) - 2.0
    assert new_customer_value_btyd(m, 20.0, margin=0.3, n_periods=4, discount_per_period=0.01,
                                   acquisition_cost=2.0) == pytest.approx(by_hand)
    # fewer dropouts, more purchases
    assert lifted.expected_purchases_new_customer([52])[0] > m.expected_purchases_new_customer([52])[0]
    with pytest.raises(DataValidationError, match="outside"):
        lift_dropout(m, 0.5)


def test_yearly_rate_on_a_monthly_curve_by_hand():
    s = 0.98 ** np.arange(25)  # monthly retention 98%: 78.5% a year
    new = lifted_survival(s, 0.05, rate_periods=12)
    yearly = 0.98**12 + 0.05
    assert new[12] == pytest.approx(yearly)  # after a year, five points more survive
    assert new[24] == pytest.approx(yearly**2)
    cut = lifted_survival(s, 0.5, kind="churn", rate_periods=12)
    assert cut[12] == pytest.approx(1 - (1 - 0.98**12) / 2)
    assert np.array_equal(lifted_survival(s, 0.05, rate_periods=1), lifted_survival(s, 0.05))


def test_retention_curve_fit_geometric_limit_and_residual_lifetime_by_hand():
    from crmlib.retention import fit_retention_curve

    f = fit_retention_curve([1000, 900, 810, 729, 656])  # constant 10% churn: no sorting by risk
    assert f.model == "geometric" and "constant-churn" in f.note
    theta = (1000 - 656) / (1000 + 900 + 810 + 729)  # lost / customer-periods at risk
    assert f.params["theta"] == pytest.approx(theta)
    d = 0.01
    hand = sum((1 - theta) ** (t + 1) / (1 + d) ** t for t in range(5000))
    assert f.discounted_residual_lifetime([0, 7], d) == pytest.approx([hand, hand])
    assert f.discounted_lifetime(d) == pytest.approx(sum((1 - theta) ** t / (1 + d) ** t for t in range(5000)))


def test_retention_curve_fit_sbg_residual_lifetime_matches_the_model(sbg):
    from crmlib.conventions import per_period_rate
    from crmlib.retention import fit_retention_curve

    f = fit_retention_curve(FH_REGULAR, time_unit="Y")
    assert f.model == "sBG"
    d = per_period_rate(0.10, "Y")
    assert f.discounted_residual_lifetime([4], d)[0] == pytest.approx(sbg.discounted_expected_residual_lifetime(4, 0.10))
    assert f.discounted_lifetime(d) == pytest.approx(sbg.discounted_expected_lifetime(0.10))


def test_btyd_scheme_cost_by_hand():
    from crmlib.features import rfm_summary
    from crmlib.retention import PointsRules, btyd_scheme_value

    days = {1: [0, 30, 90], 2: [10], 3: [5, 200, 250, 300]}
    tx = pd.DataFrame([(c, pd.Timestamp("2024-01-01") + pd.Timedelta(days=x), 20.0)
                       for c, xs in days.items() for x in xs], columns=["customer_id", "date", "amount"])
    summary = rfm_summary(tx, observation_end="2024-12-31", freq="D", time_unit="W")
    model = BetaGeo(time_unit="W")
    model.time_unit_ = "W"
    model.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})  # CDNOW's published fit

    class FlatSpend:  # anything with expected_spend(summary) is a spend model for clv()
        def expected_spend(self, summary):
            return pd.Series(25.0, index=summary.index)

    spend = FlatSpend()
    rules = PointsRules(points_per_month=2, currency_per_point=10)
    kw = dict(rules=rules, redemption_rate=0.5, margin=0.3, horizon="52W")
    out = btyd_scheme_value(model, spend, summary, 0.0, point_value=0.5, **kw)
    clv = model.clv(summary, spend, horizon="52W", margin=1.0)
    months = 52 * 7 / (365.25 / 12)
    points = clv["clv"].sum() / 10 + (clv["p_alive"] * months * 2).sum()
    assert out["scheme_cost"] == pytest.approx(points * 0.5 * 0.5)
    assert out["net_gain"] == pytest.approx(-out["scheme_cost"])  # no uplift: the scheme is pure cost
    assert out["margin_without"] == pytest.approx(0.3 * clv["clv"].sum())
    free = btyd_scheme_value(model, spend, summary, 0.3, point_value=0.0, **kw)
    assert free["net_gain"] > 0  # a free scheme that cuts dropout gains


def test_tenure_curve_counts_churn_at_tenure_zero():
    df = pd.DataFrame({"Tenure in Months": [0, 1, 2, 2], "Churn Value": [1, 1, 0, 0]})
    c = tenure_curve(df)
    assert c.attrs["churned_at_tenure_0"] == 1
    assert c["churned"].sum() == 1


def test_tenure_curve_window_counts_only_customers_seen_at_each_tenure():
    # churn recorded over 3 periods: at tenure 1 only tenures 1..3 were seen passing through it
    df = pd.DataFrame({"Tenure in Months": [1, 2, 3, 10, 40], "Churn Value": [1, 0, 1, 0, 0]})
    c = tenure_curve(df, window=3, max_period=3)
    assert c["at_risk"].tolist() == [5, 3, 2, 1]
    assert c["hazard"].tolist() == pytest.approx([0.0, 1 / 3, 0.0, 1.0])

"""Lifecycle states and transitions on a tiny hand-built log with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.identify import (
    STATES,
    LifecycleCriteria,
    lifecycle_flows,
    lifecycle_over_time,
    lifecycle_states,
    reference_dates,
    transition_matrix,
)

DAY0 = pd.Timestamp("2024-01-01")
# Fixed typical gap for one-time buyers, so each answer below can be worked out by hand.
CRIT = {"default_gap_days": 20, "min_gap_days": 10, "churn_gap_multiple": 3, "at_risk_gap_multiple": 1.5,
        "loyal_min_purchases": 4, "won_back_days": 90}


def day(n: float) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def _log() -> pd.DataFrame:
    purchases = {
        "first": [100],
        "rep": [80, 100, 110.4],  # the 110.4 purchase is after observation_end (day 109): not seen
        "loyal": [40, 60, 80, 100],
        "risk": [0, 20, 40, 60],
        "churn": [0, 10],
        "back": [0, 10, 100],  # the gap of 90 days > 3 x 10: a win-back purchase
        "same_day": [100.2, 100.6],  # two orders on one day: one purchase
        "later": [115],
    }
    rows = [(c, day(d), 10.0 + i) for c, days in purchases.items() for i, d in enumerate(days)]
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_states_known_answers():
    st = lifecycle_states(_log(), day(109), **CRIT)
    expected = {
        "first": "first_time",
        "rep": "repeat",
        "loyal": "loyal",
        "risk": "at_risk",
        "churn": "churned",
        "back": "won_back",
        "same_day": "first_time",
    }
    assert st["state"].astype(str).to_dict() == expected
    assert "later" not in st.index
    assert st.loc["same_day", "n_purchases"] == 1
    assert st.loc["rep", "n_purchases"] == 2  # the purchase on day 110 is after observation_end
    assert st.loc["risk", "days_since_last"] == 49  # 60 -> 109
    assert st.loc["churn", "typical_gap_days"] == 10 and st.loc["churn", "churn_after_days"] == 30
    assert st.loc["first", "typical_gap_days"] == 20  # default_gap_days
    assert st.loc["back", "typical_gap_days"] == 50  # median of gaps 10 and 90
    assert st.loc["back", "last_win_back"] == day(100)
    assert pd.isna(st.loc["loyal", "last_win_back"])
    assert st.loc["back", "state_zh"] == "挽回客户" and st.loc["churn", "state_zh"] == "流失客户"
    assert list(st["state"].cat.categories) == [s for s, _ in STATES]


def test_only_rows_before_the_reference_date_are_used():
    tx = _log()
    base = lifecycle_states(tx, day(109), **CRIT)
    later = tx["date"] >= day(110)
    changed = tx.copy()
    changed.loc[later, "amount"] *= 100
    extra = pd.DataFrame({"customer_id": ["churn", "risk", "new"], "date": [day(110), day(112), day(130)],
                          "amount": [1.0, 2.0, 3.0]})
    changed = pd.concat([changed, extra], ignore_index=True)
    pd.testing.assert_frame_equal(lifecycle_states(changed, day(109), **CRIT), base)
    pd.testing.assert_frame_equal(lifecycle_states(tx[~later], day(109), **CRIT), base)


def test_won_back_expires_and_population_gap():
    st = lifecycle_states(_log(), day(249), **CRIT)
    assert st.loc["back", "state"] != "won_back"
    # without a default, one-time buyers get the median of the repeat buyers' median gaps
    crit = {k: v for k, v in CRIT.items() if k != "default_gap_days"}
    st2 = lifecycle_states(_log(), day(109), **crit)
    own = {"rep": 20, "loyal": 20, "risk": 20, "churn": 10, "back": 50}
    assert st2.attrs["population_gap_days"] == pytest.approx(np.median(list(own.values())))
    assert st2.loc["first", "typical_gap_days"] == pytest.approx(20)


def test_transition_matrix_hand_built():
    m = transition_matrix(_log(), day(49), day(109), **CRIT)
    assert list(m.index) == ["non_customer", *[s for s, _ in STATES]]
    assert list(m.columns) == [s for s, _ in STATES]
    assert m.loc["non_customer", "first_time"] == 2  # first, same_day
    assert m.loc["non_customer", "repeat"] == 1  # rep
    assert m.loc["first_time", "loyal"] == 1  # loyal: one purchase by day 50
    assert m.loc["repeat", "at_risk"] == 1  # risk
    assert m.loc["churned", "churned"] == 1  # churn
    assert m.loc["churned", "won_back"] == 1  # back: churned customers who came back
    assert m.to_numpy().sum() == 7
    shares = transition_matrix(_log(), day(49), day(109), normalize=True, **CRIT)
    assert shares.loc["churned"].sum() == pytest.approx(1.0)
    assert shares.loc["churned", "won_back"] == pytest.approx(0.5)
    assert m.attrs["start"] == day(49) and m.attrs["end"] == day(109)


def test_p_alive_replaces_the_gap_rule():
    tx = _log()
    ids = ["first", "rep", "loyal", "risk", "churn", "back", "same_day"]
    p = pd.Series([0.9, 0.1, 0.4, 0.95, 0.9, 0.8, 0.6], index=ids)
    st = lifecycle_states(tx, day(109), p_alive=p, **CRIT)
    assert st.loc["rep", "state"] == "churned"
    assert st.loc["loyal", "state"] == "at_risk"
    assert st.loc["risk", "state"] == "loyal"  # the model says alive: four purchases make it loyal
    assert st.loc["churn", "state"] == "repeat"
    assert st.loc["first", "p_alive"] == pytest.approx(0.9)
    with pytest.raises(DataValidationError, match="no value for 1 customers"):
        lifecycle_states(tx, day(109), p_alive=p.drop("back"), **CRIT)
    with pytest.raises(DataValidationError, match="outside \\[0, 1\\]"):
        lifecycle_states(tx, day(109), p_alive=p.replace(0.9, 1.5), **CRIT)


def test_over_time_and_reference_dates():
    tx = _log()
    dates = reference_dates(tx, "MS")
    assert dates[0] == pd.Timestamp("2024-01-31") and dates[-1] == day(115)  # inclusive ends
    counts = lifecycle_over_time(tx, [day(49), day(109)], **CRIT)
    assert counts.loc[day(109)].sum() == 7 and counts.loc[day(49)].sum() == 4
    assert counts.loc[day(109), "won_back"] == 1


def test_flows_between_consecutive_dates():
    flows = lifecycle_flows(_log(), [day(49), day(109), day(249)], **CRIT)
    assert len(flows) == 2 and flows["start"].tolist() == [day(49), day(109)]
    first = flows.iloc[0]
    assert first["new_customers"] == 3 and first["customers_at_start"] == 4
    assert first["first_time_at_start"] == 1 and first["first_time_bought_again"] == 1
    assert first["churned_at_start"] == 2 and first["churned_won_back"] == 1
    assert first["churned_won_back_rate"] == pytest.approx(0.5)
    assert np.isnan(first["loyal_still_loyal_rate"])  # nobody was loyal on day 50
    assert flows.iloc[1]["new_customers"] == 1  # "later", first purchase on day 115
    with pytest.raises(DataValidationError, match="at least two increasing"):
        lifecycle_flows(_log(), [day(109), day(49)])


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"churn_gap_multiple": 1, "at_risk_gap_multiple": 2}, "at_risk_gap_multiple"),
        ({"loyal_min_purchases": 1}, "loyal_min_purchases"),
        ({"min_gap_days": 0}, "min_gap_days"),
        ({"p_alive_threshold": 0.6, "p_alive_at_risk": 0.5}, "p_alive_threshold"),
        ({"churn_after": 3}, "Unknown lifecycle criteria: 'churn_after'"),
    ],
)
def test_bad_criteria(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        lifecycle_states(_log(), day(109), **kwargs)


def test_bad_input():
    with pytest.raises(DataValidationError, match="no purchase on or before"):
        lifecycle_states(_log(), day(-1))
    with pytest.raises(DataValidationError, match="not a valid date"):
        lifecycle_states(_log(), "next tuesday")
    with pytest.raises(DataValidationError, match="empty"):
        lifecycle_states(_log().iloc[:0], day(10))
    with pytest.raises(DataValidationError, match="'amount' not found"):
        lifecycle_states(_log().drop(columns="amount"), day(10))
    with pytest.raises(DataValidationError, match="must be before end"):
        transition_matrix(_log(), day(109), day(49))
    with pytest.raises(DataValidationError, match="either criteria"):
        lifecycle_states(_log(), day(109), criteria=LifecycleCriteria(), churn_gap_multiple=4)


def test_single_customer_log():
    tx = pd.DataFrame({"customer_id": ["a"], "date": [day(0)], "amount": [5.0]})
    st = lifecycle_states(tx, day(10))
    assert st["state"].tolist() == ["first_time"]
    assert st.attrs["population_gap_days"] == LifecycleCriteria().min_gap_days


# ----------------------------------------------------------------- issue 8 regressions


def test_p_alive_with_integer_customer_ids():
    # HEAD turned p_alive's index into text, so integer log ids were never found
    tx = _log()
    codes = {c: i for i, c in enumerate(tx["customer_id"].unique(), start=12000)}
    tx_int = tx.assign(customer_id=tx["customer_id"].map(codes).astype("int64"))
    ids = ["first", "rep", "loyal", "risk", "churn", "back", "same_day"]
    p = pd.Series([0.9, 0.1, 0.4, 0.95, 0.9, 0.8, 0.6], index=[codes[c] for c in ids])
    st = lifecycle_states(tx_int, day(109), p_alive=p, **CRIT)
    assert st.loc[codes["rep"], "state"] == "churned" and st.loc[codes["loyal"], "state"] == "at_risk"
    # text ids against integer log ids are different customers, and the message says why
    with pytest.raises(DataValidationError, match="log ids are int64"):
        lifecycle_states(tx_int, day(109), p_alive=p.set_axis(p.index.astype(str)), **CRIT)


def test_observation_end_is_inclusive():
    # a purchase on the day of observation_end is seen, with 0 days since it
    st = lifecycle_states(_log(), day(100), **CRIT)
    assert st.loc["first", "days_since_last"] == 0 and st.loc["first", "state"] == "first_time"
    assert "later" not in st.index and "rep" in st.index
    # with a time of day, rows up to that instant are seen: day 100's purchases are at 00:00
    with_time = lifecycle_states(_log(), "2024-04-10 23:00", **CRIT)  # day 100, 23:00
    assert with_time.index.equals(st.index)
    assert (with_time["days_since_last"] == st["days_since_last"]).all()


@pytest.mark.parametrize("bad", ["2024-06-31", "02/03/2024", 20240102, True, None])
def test_bad_observation_end_is_refused(bad):
    with pytest.raises(DataValidationError, match="observation_end"):
        lifecycle_states(_log(), bad)


def test_tz_aware_log_is_refused():
    tx = _log()
    tx["date"] = tx["date"].dt.tz_localize("Europe/London")
    with pytest.raises(DataValidationError, match="naive datetime64"):
        lifecycle_states(tx, day(109))


def test_returns_are_not_purchase_days():
    # a refund kept by policy is not a purchase: HEAD counted it as a second purchase day
    tx = pd.concat([_log(), pd.DataFrame({"customer_id": ["first"], "date": [day(105)], "amount": [-10.0]})],
                   ignore_index=True)
    st = lifecycle_states(tx, day(109), **CRIT)
    assert st.loc["first", "n_purchases"] == 1 and st.loc["first", "state"] == "first_time"
    assert st.loc["first", "last_purchase"] == day(100)


@pytest.mark.parametrize("kwargs", [{"churn_gap_multiple": "3"}, {"min_gap_days": float("nan")},
                                    {"won_back_days": True}, {"p_alive_threshold": float("inf")}])
def test_text_nan_bool_thresholds_are_refused(kwargs):
    with pytest.raises(DataValidationError, match=next(iter(kwargs))):
        lifecycle_states(_log(), day(109), **kwargs)

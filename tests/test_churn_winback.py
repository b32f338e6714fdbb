"""Win-back policy by tier, and the cumulative-share tiers."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import (
    DEFAULT_COST_BY_TIER,
    DEFAULT_P_WINBACK_BY_TIER,
    spend_share_tiers,
    winback_actions,
    winback_policy,
)


@pytest.fixture
def lapsed():
    return pd.DataFrame(
        {
            "tier": ["key", "key", "normal", "normal", "normal", "small", "small"],
            "value": [1000.0, 100.0, 100.0, 60.0, 20.0, 6.0, 12.0],
        },
        index=pd.Index(list("abcdefg"), name="customer_id"),
    )


def test_policy_by_hand(lapsed):
    t = winback_policy(lapsed)
    assert list(t.index) == ["key", "normal", "small"]
    # key: 0.30 * 550 - 40 = 125; normal: 0.15 * 60 - 8 = 1; small: 0.05 * 9 - 0.5 = -0.05
    assert t["expected_value_per_customer"].tolist() == pytest.approx([125.0, 1.0, -0.05])
    assert t["action"].tolist() == ["fight", "try", "let go"]
    assert t["customers"].tolist() == [2, 3, 2]
    assert t["value_at_stake"].tolist() == [1100.0, 180.0, 18.0]
    # acting on every customer of the tier = sum of the customers' expected values
    assert t["expected_value_total"].tolist() == pytest.approx([250.0, 3.0, -0.1])
    # key: 260 and -10; normal: 7, 1, -5; small: -0.2, 0.1
    assert t["customers_worth_acting"].tolist() == [1, 2, 1]
    assert t["expected_value_if_selective"].tolist() == pytest.approx([260.0, 8.0, 0.1])
    assert t.loc["key", "p_winback"] == DEFAULT_P_WINBACK_BY_TIER["key"]
    assert t.loc["small", "cost_per_customer"] == DEFAULT_COST_BY_TIER["small"]


def test_assumptions_and_threshold_are_parameters(lapsed):
    t = winback_policy(
        lapsed,
        p_winback_by_tier={"key": 0.5, "normal": 0.2, "small": 0.2},
        cost_by_tier={"key": 100.0, "normal": 5.0, "small": 1.0},
        min_expected_value=10.0,
    )
    # key: 0.5 * 550 - 100 = 175; normal: 0.2 * 60 - 5 = 7 (< 10); small: 0.2 * 9 - 1 = 0.8
    assert t["expected_value_per_customer"].tolist() == pytest.approx([175.0, 7.0, 0.8])
    assert t["action"].tolist() == ["fight", "let go", "let go"]
    custom = winback_policy(lapsed, actions_by_tier={"key": "call", "normal": "mail", "small": "sms"})
    assert custom["action"].tolist() == ["call", "mail", "let go"]


def test_per_customer_actions(lapsed):
    acts = winback_actions(lapsed)
    assert acts.index.equals(lapsed.index)
    assert acts["expected_value"].round(2).tolist() == [260.0, -10.0, 7.0, 1.0, -5.0, -0.2, 0.1]
    assert acts["action"].tolist() == ["fight", "let go", "try", "try", "let go", "let go", "opportunistic"]


def test_other_tier_names_and_order():
    c = pd.DataFrame({"grade": ["B", "A", "C"], "clv": [50.0, 500.0, 5.0]})
    t = winback_policy(
        c, "grade", "clv",
        p_winback_by_tier={"A": 0.3, "B": 0.1, "C": 0.05},
        cost_by_tier={"A": 20, "B": 2, "C": 0.1},
        tier_order=["A", "B", "C", "D"],
    )
    assert list(t.index) == ["A", "B", "C"]
    assert t["action"].tolist() == ["act", "act", "act"]  # tiers without a course action


def test_policy_validation(lapsed):
    with pytest.raises(DataValidationError, match="No p_winback_by_tier given for tier"):
        winback_policy(lapsed, p_winback_by_tier={"key": 0.3})
    with pytest.raises(DataValidationError, match="must be in \\[0, 1\\]"):
        winback_policy(lapsed, p_winback_by_tier={"key": 1.3, "normal": 0.1, "small": 0.1})
    with pytest.raises(DataValidationError, match="missing or negative"):
        winback_policy(lapsed.assign(value=-lapsed["value"]))
    with pytest.raises(DataValidationError, match="Column 'clv' not found"):
        winback_policy(lapsed, value_col="clv")
    with pytest.raises(DataValidationError, match="must be numeric"):
        winback_policy(lapsed.assign(value="x"))
    with pytest.raises(DataValidationError, match="empty"):
        winback_policy(lapsed.iloc[:0])


def test_spend_share_tiers():
    v = pd.Series({"a": 60.0, "b": 20.0, "c": 10.0, "d": 6.0, "e": 4.0, "f": 0.0})
    t = spend_share_tiers(v)
    # shares before each customer: a 0, b 0.6, c 0.8, d 0.9, e 0.96. Key until 80% is
    # reached (a, b), normal until 95% (c starts exactly at 80%, d), then small; zero: small
    assert t.to_dict() == {"a": "key", "b": "key", "c": "normal", "d": "normal", "e": "small", "f": "small"}
    half = spend_share_tiers(v, shares=(0.5, 0.8))
    assert half.to_dict() == {"a": "key", "b": "normal", "c": "small", "d": "small", "e": "small", "f": "small"}
    assert t.index.equals(v.index) and t.name == "tier"
    shuffled = v.sample(frac=1, random_state=0)
    assert spend_share_tiers(shuffled).to_dict() == t.to_dict()
    custom = spend_share_tiers(v, shares=(0.9,), labels=("big", "rest"))
    assert custom.value_counts().to_dict() == {"big": 3, "rest": 3}
    with pytest.raises(DataValidationError, match="increasing"):
        spend_share_tiers(v, shares=(0.8, 0.5))
    with pytest.raises(DataValidationError, match="Series"):
        spend_share_tiers([1.0, 2.0])

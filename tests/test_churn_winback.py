"""Win-back policy by tier (tiers from crmlib.segment.value_tiers)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import (
    DEFAULT_COST_BY_TIER,
    DEFAULT_P_WINBACK_BY_TIER,
    TIER_LABELS,
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
    with pytest.raises(DataValidationError, match="no p_winback_by_tier given for tier"):
        winback_policy(lapsed, p_winback_by_tier={"key": 0.3})
    with pytest.raises(DataValidationError, match="out of range"):
        winback_policy(lapsed, p_winback_by_tier={"key": 1.3, "normal": 0.1, "small": 0.1})
    with pytest.raises(DataValidationError, match="missing, infinite or negative"):
        winback_policy(lapsed.assign(value=-lapsed["value"]))
    with pytest.raises(DataValidationError, match="winback_policy: column 'clv' not found") as err:
        winback_policy(lapsed, value_col="clv")
    # the suggestion is about what winback_policy needs, not read_transactions' arguments
    assert "tier_col" in str(err.value) and "read_transactions" not in str(err.value)
    with pytest.raises(DataValidationError, match="must be numeric"):
        winback_policy(lapsed.assign(value="x"))
    with pytest.raises(DataValidationError, match="empty"):
        winback_policy(lapsed.iloc[:0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"p_winback_by_tier": {"key": float("nan"), "normal": 0.1, "small": 0.1}}, "finite"),
        ({"cost_by_tier": {"key": float("inf"), "normal": 1.0, "small": 1.0}}, "finite"),
        ({"cost_by_tier": {"key": -1.0, "normal": 1.0, "small": 1.0}}, "out of range"),
        ({"cost_by_tier": {"key": "40", "normal": 1.0, "small": 1.0}}, "not a number"),
        ({"min_expected_value": float("inf")}, "min_expected_value"),
        ({"min_expected_value": float("nan")}, "min_expected_value"),
        ({"p_winback_by_tier": [0.3, 0.1, 0.1]}, "mapping"),
    ],
)
def test_non_finite_assumptions_are_refused(lapsed, kwargs, match):
    """At HEAD, inf and NaN thresholds put every customer in "let go" without a word."""
    with pytest.raises(DataValidationError, match=match):
        winback_policy(lapsed, **kwargs)


def test_infinite_value_is_refused(lapsed):
    with pytest.raises(DataValidationError, match="infinite"):
        winback_actions(lapsed.assign(value=[float("inf"), 1, 1, 1, 1, 1, 1]))


def test_tiers_come_from_segment_value_tiers():
    """One home for tiers: crmlib.segment.value_tiers labels feed the policy directly."""
    from crmlib.segment import value_tiers

    v = pd.Series({"a": 60.0, "b": 20.0, "c": 10.0, "d": 6.0, "e": 4.0})
    tiers = value_tiers(v)
    assert tuple(tiers["tier"].cat.categories) == TIER_LABELS
    assert tiers["tier"].astype(str).to_dict() == {"a": "key", "b": "key", "c": "normal", "d": "normal", "e": "small"}
    policy = winback_policy(pd.DataFrame({"tier": tiers["tier"], "value": v}))
    assert list(policy.index) == ["key", "normal", "small"]
    assert policy["customers"].tolist() == [2, 2, 1]
    import crmlib.churn as churn

    assert not hasattr(churn, "spend_share_tiers")

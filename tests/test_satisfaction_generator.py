"""The seeded survey generator: its stated curves, its options, and that the analysis
recovers what it was given (the other direction is in test_satisfaction_knee.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_satisfaction import XEROX_RATIO_5_VS_4

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import (
    CURVES,
    DEFAULT_ITEMS,
    DEFAULT_SCORE_PROBS,
    curve_probabilities,
    expectation_index,
    generate_survey,
    loyalty_curve,
    satisfaction_index,
)

LEVELS = np.arange(1.0, 6.0)


def test_default_curve_reproduces_the_xerox_ratio_exactly():
    probs = curve_probabilities("xerox", LEVELS)
    assert probs[4] / probs[3] == XEROX_RATIO_5_VS_4
    assert CURVES["xerox"].top_ratio == XEROX_RATIO_5_VS_4
    df = generate_survey(10, random_state=0)
    assert df.attrs["curve_name"] == "xerox" and df.attrs["knee"] == 4.0


def test_named_curves_are_stated_and_monotone():
    for name, c in CURVES.items():
        assert len(c.probs) == 5 and np.all(np.diff(c.probs) > 0), name
        assert c.description
    assert CURVES["competitive"].top_ratio > XEROX_RATIO_5_VS_4  # even less loyalty short of a 5
    assert CURVES["protected"].probs[0] > 0.5  # "false" loyalty: dissatisfied customers stay


def test_seeded_and_reproducible():
    a = generate_survey(500, items=DEFAULT_ITEMS, not_applicable_rate=0.1, random_state=42)
    b = generate_survey(500, items=DEFAULT_ITEMS, not_applicable_rate=0.1, random_state=42)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate_survey(500, items=DEFAULT_ITEMS, not_applicable_rate=0.1, random_state=43))


def test_columns_and_types():
    df = generate_survey(300, random_state=1)
    assert df.columns.tolist() == ["respondent_id", "satisfaction", "loyal", "p_loyal"]
    assert df["satisfaction"].dtype == "int64" and df["loyal"].dtype == bool
    assert df["satisfaction"].between(1, 5).all()
    assert np.allclose(df["p_loyal"], np.array(CURVES["xerox"].probs)[df["satisfaction"] - 1])


def test_score_distribution_follows_score_probs():
    df = generate_survey(50_000, random_state=2)
    shares = df["satisfaction"].value_counts(normalize=True).sort_index().to_numpy()
    assert np.abs(shares - np.array(DEFAULT_SCORE_PROBS)).max() < 0.01
    flat = generate_survey(50_000, score_probs=[0.2] * 5, random_state=2)["satisfaction"].value_counts(normalize=True)
    assert np.abs(flat - 0.2).max() < 0.01


@pytest.mark.parametrize("random_state", range(5))
def test_analysis_recovers_the_ratio_within_tolerance(random_state):
    # stated tolerance: with 20,000 respondents the 5:4 ratio is within 15% of 6
    c = loyalty_curve("satisfaction", "loyal", data=generate_survey(20_000, random_state=random_state), n_sim=99, n_boot=0)
    assert c.ratio(5, 4, n_boot=500).ratio == pytest.approx(XEROX_RATIO_5_VS_4, rel=0.15)


def test_user_curve_as_array_and_callable():
    arr = [0.1, 0.2, 0.3, 0.4, 0.95]
    df = generate_survey(40_000, curve=arr, random_state=3)
    rates = df.groupby("satisfaction")["loyal"].mean().to_numpy()
    assert np.abs(rates - np.array(arr)).max() < 0.03
    df2 = generate_survey(200, curve=lambda x: 0.1 * x, random_state=3)
    assert df2.attrs["curve"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert df2.attrs["curve_name"] == "custom" and df2.attrs["knee"] is None


def test_other_scales():
    df = generate_survey(2000, curve=np.linspace(0, 1, 11), scale=(0, 10), random_state=4)
    assert df["satisfaction"].between(0, 10).all() and df["satisfaction"].nunique() == 11


def test_items_track_satisfaction_by_weight():
    df = generate_survey(20_000, items=DEFAULT_ITEMS, random_state=5)
    corr = {k: df[k].corr(df["satisfaction"]) for k in DEFAULT_ITEMS}
    assert corr["Staff courtesy"] > corr["Value for money"] > corr["Delivery time"]
    assert abs(corr["Website design"]) < 0.03
    for k in DEFAULT_ITEMS:
        assert df[k].between(1, 5).all()


def test_not_applicable_rate_and_expectations():
    df = generate_survey(20_000, items=["a", "b"], not_applicable_rate=0.1, expectations=True, random_state=6)
    assert df.columns.tolist()[-4:] == ["a", "a (expected)", "b", "b (expected)"]
    assert (df["a"] == 0).mean() == pytest.approx(0.1, abs=0.01)
    # an item not applicable has no expectation either
    assert ((df["a"] == 0) == (df["a (expected)"] == 0)).all()
    # perception relative to expectation tracks satisfaction better than perception alone
    pe = expectation_index(df, ["a", "b"], ["a (expected)", "b (expected)"]).index
    p_only = satisfaction_index(df, ["a", "b"]).index
    assert pe.corr(df["satisfaction"]) > p_only.corr(df["satisfaction"]) + 0.03


def test_numbered_items():
    df = generate_survey(50, items=3, random_state=7)
    assert [c for c in df.columns if c.startswith("item_")] == ["item_01", "item_02", "item_03"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"curve": "monopoly"}, "Unknown curve"),
        ({"curve": [0.1, 0.2, 0.3]}, "3 probabilities for 5 levels"),
        ({"curve": [10, 20, 30, 40, 90]}, r"\[0, 1\]"),
        ({"score_probs": [0.5, 0.5, 0.5, 0, 0]}, "summing to 1"),
        ({"n": 0}, "positive integer"),
        ({"expectations": True}, "needs items"),
        ({"items": {"a": -1.0}}, ">= 0"),
        ({"not_applicable_rate": 1.5}, "not_applicable_rate < 1"),
        ({"curve": "xerox", "scale": (0, 10)}, "defined on 5 levels"),
    ],
)
def test_bad_generator_arguments(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        generate_survey(**{"n": 100, **kwargs})

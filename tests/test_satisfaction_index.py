"""The satisfaction index: "not applicable" is left out, never averaged in as a zero."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import bin_index, expectation_index, generate_survey, satisfaction_index


@pytest.fixture
def ratings():
    return pd.DataFrame({"wifi": [0, 4, 2, 0], "seat": [5, 2, 2, 0], "food": [3, 0, 5, 0]})


def test_zero_is_not_applicable_not_dissatisfied(ratings):
    si = satisfaction_index(ratings, ["wifi", "seat", "food"])
    assert si.index.iloc[:3].tolist() == [4.0, 3.0, 3.0]  # zeros averaged in would give 2.67, 2.0, 3.0
    assert si.n_items.tolist() == [2, 2, 3, 0]
    assert np.isnan(si.index.iloc[3])  # nothing applies: no index, not 0
    assert si.n_missing == 1


def test_exclusions_reported_per_item(ratings):
    si = satisfaction_index(ratings, ["wifi", "seat", "food"])
    assert si.items["n_not_applicable"].to_dict() == {"wifi": 2, "seat": 1, "food": 2}
    assert si.items["n_rated"].to_dict() == {"wifi": 2, "seat": 3, "food": 2}
    assert si.items.loc["wifi", "mean"] == pytest.approx(3.0)  # mean of 4 and 2, zeros left out
    assert "5 'not applicable' ratings left out" in si.summary()


def test_min_items(ratings):
    si = satisfaction_index(ratings, ["wifi", "seat", "food"], min_items=3)
    assert si.index.notna().tolist() == [False, False, True, False]
    with pytest.raises(DataValidationError, match="min_items"):
        satisfaction_index(ratings, ["wifi"], min_items=2)


def test_weights(ratings):
    si = satisfaction_index(ratings, ["wifi", "seat", "food"], weights={"seat": 3, "food": 1})
    # respondent 0: seat 5 (w 3), food 3 (w 1) -> 4.5; wifi weight 0
    assert si.index.iloc[0] == pytest.approx(4.5)
    with pytest.raises(DataValidationError, match="not among the items"):
        satisfaction_index(ratings, ["wifi"], weights={"legroom": 1})


def test_generated_index_ignores_injected_not_applicable():
    clean = generate_survey(5000, items=5, random_state=1)
    items = [f"item_{i:02d}" for i in range(1, 6)]
    dirty = generate_survey(5000, items=5, not_applicable_rate=0.2, random_state=1)
    si = satisfaction_index(dirty, items)
    # blanking ratings at random leaves each item's mean unchanged (up to noise); zeros would drag it down
    assert np.abs(si.items["mean"].to_numpy() - clean[items].mean().to_numpy()).max() < 0.06
    assert si.items["share_not_applicable"].between(0.18, 0.22).all()


def test_expectation_index_ratio_and_gap():
    df = pd.DataFrame({"p": [5, 3, 2], "e": [4, 0, 2], "p2": [2, 4, 0], "e2": [4, 4, 5]})
    si = expectation_index(df, ["p", "p2"], ["e", "e2"])
    assert si.kind == "perceived/expected"
    assert si.index.tolist() == pytest.approx([0.875, 1.0, 1.0])
    assert si.gap.tolist() == pytest.approx([-0.5, 0.0, 0.0])
    # an item counts only where both perception and expectation apply
    assert si.items["n_not_applicable"].tolist() == [1, 1]


def test_bin_index_round_half_up_and_clip():
    s = pd.Series([1.0, 1.49, 1.5, 2.5, 3.5, 4.5, 4.99, np.nan])
    b = bin_index(s)
    assert b.iloc[:7].tolist() == [1, 1, 2, 3, 4, 5, 5]
    assert np.isnan(b.iloc[7])
    assert b.attrs["levels"] == [1, 2, 3, 4, 5]
    half = bin_index(s, step=0.5)
    assert half.iloc[:7].tolist() == [1, 1.5, 1.5, 2.5, 3.5, 4.5, 5]
    assert half.attrs["levels"] == list(np.arange(1, 5.01, 0.5))


def test_bin_index_quantiles():
    s = pd.Series(np.linspace(1, 5, 100))
    b = bin_index(s, method="quantile", n_bins=4)
    assert b.value_counts().tolist() == [25] * 4
    assert len(b.attrs["bin_edges"]) == 5 and "quantile" in b.attrs["method"]
    with pytest.raises(DataValidationError, match="method"):
        bin_index(s, method="kmeans")

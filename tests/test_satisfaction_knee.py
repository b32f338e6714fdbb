"""Knee detection in both directions: it finds the generator's knee where there is one,
and does not invent one on a straight line.

Stated tolerances (what these tests hold the analysis to):

- on the default Xerox curve with 2,000 respondents the knee is found at exactly level
  4 for every seed tried;
- on straight lines the share of false knees stays within 2 x alpha (200 replicates);
- on the "protected" curve (gently concave, no sharp turn) no knee with 20,000
  respondents.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlib.satisfaction import CURVES, detect_knee, generate_survey, loyalty_curve

LEVELS = np.arange(1.0, 6.0)


@pytest.mark.parametrize("seed", range(8))
def test_xerox_knee_found_at_four(seed):
    c = loyalty_curve("satisfaction", "loyal", data=generate_survey(2000, seed=seed), n_sim=199, n_boot=200, seed=seed)
    assert c.knee.found
    assert c.knee.level == CURVES["xerox"].knee == 4.0
    assert c.knee.direction == "steeper above"
    assert c.knee.slope_after > c.knee.slope_before + 0.3
    assert c.knee.support.idxmax() == 4.0 and c.knee.support.sum() == pytest.approx(1)


@pytest.mark.parametrize("seed", range(4))
def test_competitive_knee_found_at_four(seed):
    c = loyalty_curve(
        "satisfaction", "loyal", data=generate_survey(2000, curve="competitive", seed=seed), n_sim=199, n_boot=0
    )
    assert c.knee.level == CURVES["competitive"].knee


@pytest.mark.parametrize("seed", range(3))
def test_protected_market_has_no_sharp_knee(seed):
    c = loyalty_curve(
        "satisfaction", "loyal", data=generate_survey(20_000, curve="protected", seed=seed), n_sim=199, n_boot=0
    )
    assert CURVES["protected"].knee is None
    assert not c.knee.found, c.knee.reason


@pytest.mark.parametrize("seed", range(10))
def test_no_knee_on_a_straight_line(seed):
    line = np.linspace(0.1, 0.9, 5)
    df = generate_survey(3000, curve=line, score_probs=[0.2] * 5, seed=100 + seed)
    c = loyalty_curve("satisfaction", "loyal", data=df, n_sim=199, n_boot=0, seed=seed)
    assert not c.knee.found, c.knee.reason


def test_false_knee_rate_on_straight_lines_is_within_twice_alpha():
    rng = np.random.default_rng(2024)
    n = np.full(5, 600)
    found = 0
    reps = 200
    for i in range(reps):
        k = rng.binomial(n, np.linspace(0.1, 0.9, 5))
        found += detect_knee(LEVELS, k, n, n_sim=199, n_boot=0, seed=i).found
    assert found / reps <= 2 * 0.05


def test_test_has_power_against_a_moderate_knee():
    # slopes 0.05 then 0.25 per point, 400 per level: found in most replicates
    rng = np.random.default_rng(7)
    p = np.array([0.1, 0.15, 0.2, 0.45, 0.7])
    n = np.full(5, 400)
    hits = sum(
        detect_knee(LEVELS, rng.binomial(n, p), n, n_sim=199, n_boot=0, seed=i).level == 3.0 for i in range(40)
    )
    assert hits >= 30


def test_saturating_curve_has_a_knee_that_flattens():
    n = np.full(5, 2000)
    k = (np.array([0.1, 0.5, 0.85, 0.88, 0.9]) * n).astype(int)
    knee = detect_knee(LEVELS, k, n, n_sim=199, n_boot=0)
    assert knee.found and knee.level == 3.0 and knee.direction == "flatter above"


def test_small_bend_is_significant_but_not_material():
    n = np.full(5, 200_000)
    k = (np.array([0.50, 0.51, 0.52, 0.545, 0.57]) * n).astype(int)
    knee = detect_knee(LEVELS, k, n, n_sim=199, n_boot=0)
    assert knee.p_value < 0.01 and not knee.found
    assert "No sharp knee" in knee.reason and knee.best_break == 3.0
    assert knee.slope_change_low < 0.05


def test_too_few_levels():
    knee = detect_knee([1, 2, 3], [1, 5, 0], [10, 10, 0], n_sim=19, n_boot=0)
    assert not knee.found and "3 or more" in knee.reason


def test_seeded_and_reproducible():
    n = np.full(5, 300)
    k = np.array([20, 30, 40, 60, 200])
    a = detect_knee(LEVELS, k, n, n_sim=199, n_boot=100, seed=3)
    b = detect_knee(LEVELS, k, n, n_sim=199, n_boot=100, seed=3)
    assert a.p_value == b.p_value and a.support.equals(b.support)

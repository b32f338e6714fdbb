"""Knee detection in both directions: it finds the generator's knee where there is one,
and does not invent one on a straight line.

Stated tolerances (what these tests hold the analysis to):

- on the default Xerox curve with 2,000 respondents the knee is found at exactly level
  4 for every random_state tried;
- on straight lines the share of false knees stays within 2 x alpha (200 replicates);
- on the "protected" curve (gently concave, no sharp turn) no knee with 20,000
  respondents.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlib.satisfaction import CURVES, detect_knee, generate_survey, loyalty_curve

LEVELS = np.arange(1.0, 6.0)


@pytest.mark.parametrize("random_state", range(8))
def test_xerox_knee_found_at_four(random_state):
    c = loyalty_curve("satisfaction", "loyal", data=generate_survey(2000, random_state=random_state), n_sim=199, n_boot=200, random_state=random_state)
    assert c.knee.found
    assert c.knee.level == CURVES["xerox"].knee == 4.0
    assert c.knee.direction == "steeper above"
    assert c.knee.slope_after > c.knee.slope_before + 0.3
    assert c.knee.support.idxmax() == 4.0 and c.knee.support.sum() == pytest.approx(1)


@pytest.mark.parametrize("random_state", range(4))
def test_competitive_knee_found_at_four(random_state):
    c = loyalty_curve(
        "satisfaction", "loyal", data=generate_survey(2000, curve="competitive", random_state=random_state), n_sim=199, n_boot=0
    )
    assert c.knee.level == CURVES["competitive"].knee


@pytest.mark.parametrize("random_state", range(3))
def test_protected_market_has_no_sharp_knee(random_state):
    c = loyalty_curve(
        "satisfaction", "loyal", data=generate_survey(20_000, curve="protected", random_state=random_state), n_sim=199, n_boot=0
    )
    assert CURVES["protected"].knee is None
    assert not c.knee.found, c.knee.reason


@pytest.mark.parametrize("random_state", range(10))
def test_no_knee_on_a_straight_line(random_state):
    line = np.linspace(0.1, 0.9, 5)
    df = generate_survey(3000, curve=line, score_probs=[0.2] * 5, random_state=100 + random_state)
    c = loyalty_curve("satisfaction", "loyal", data=df, n_sim=199, n_boot=0, random_state=random_state)
    assert not c.knee.found, c.knee.reason


def test_false_knee_rate_on_straight_lines_is_within_twice_alpha():
    rng = np.random.default_rng(2024)
    n = np.full(5, 600)
    found = 0
    reps = 200
    for i in range(reps):
        k = rng.binomial(n, np.linspace(0.1, 0.9, 5))
        found += detect_knee(LEVELS, k, n, n_sim=199, n_boot=0, random_state=i).found
    assert found / reps <= 2 * 0.05


def test_test_has_power_against_a_moderate_knee():
    # slopes 0.05 then 0.25 per point, 400 per level: found in most replicates
    rng = np.random.default_rng(7)
    p = np.array([0.1, 0.15, 0.2, 0.45, 0.7])
    n = np.full(5, 400)
    hits = sum(
        detect_knee(LEVELS, rng.binomial(n, p), n, n_sim=199, n_boot=0, random_state=i).level == 3.0 for i in range(40)
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
    a = detect_knee(LEVELS, k, n, n_sim=199, n_boot=100, random_state=3)
    b = detect_knee(LEVELS, k, n, n_sim=199, n_boot=100, random_state=3)
    assert a.p_value == b.p_value and a.support.equals(b.support)


def test_step_curve_knee_sits_at_the_step():
    """Issue 9: on IBM Telco's step (0%, 0%, 84%, 100%, 100% stay) the knee was drawn at 4,
    the far end of the best one-bend line, although the curve jumps between 2 and 3."""
    n = np.array([922, 518, 2665, 1789, 1149])
    k = np.array([0, 0, 2236, 1789, 1149])
    knee = detect_knee(LEVELS, k, n, n_sim=199, n_boot=100)
    assert knee.found
    assert knee.level == 2.0 and knee.direction == "steeper above"
    assert (knee.step_from, knee.step_to) == (2.0, 3.0)
    assert knee.step_rise == pytest.approx(2236 / 2665)
    assert knee.support.idxmax() == 2.0
    assert "from 2 to 3" in knee.reason


def test_steepest_step_on_the_xerox_shape():
    n = np.full(5, 2000)
    k = (np.array(CURVES["xerox"].probs) * n).astype(int)
    knee = detect_knee(LEVELS, k, n, n_sim=199, n_boot=0)
    assert knee.level == 4.0 and (knee.step_from, knee.step_to) == (4.0, 5.0)

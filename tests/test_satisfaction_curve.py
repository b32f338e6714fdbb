"""The loyalty curve: per-level rates and intervals, fits, ratios, gains, zones, extremes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_satisfaction import NEWCOMBE_95, WILSON_95, XEROX_RATIO_5_VS_4

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import (
    CURVES,
    curve_zones,
    generate_survey,
    isotonic_fit,
    loyalty_curve,
    newcombe_difference,
    rate_ratio,
    smooth_fit,
    target_scenarios,
    wilson_interval,
)

FAST = {"n_sim": 199, "n_boot": 0}


@pytest.fixture(scope="module")
def xerox():
    return generate_survey(20_000, random_state=11)


@pytest.fixture(scope="module")
def xerox_curve(xerox):
    return loyalty_curve("satisfaction", "loyal", data=xerox, **FAST)


@pytest.mark.parametrize("kn,expected", WILSON_95.items())
def test_wilson_matches_newcombe_table(kn, expected):
    lo, hi = wilson_interval([kn[0]], [kn[1]])
    assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == expected


def test_wilson_empty_level_is_nan_not_an_error():
    lo, hi = wilson_interval([0, 3], [0, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < 0.3 < hi[1]


@pytest.mark.parametrize("case,expected", NEWCOMBE_95.items())
def test_newcombe_difference_matches_table(case, expected):
    _, lo, hi = newcombe_difference([case[0]], [case[1]], [case[2]], [case[3]])
    assert (round(float(lo[0]), 4), round(float(hi[0]), 4)) == pytest.approx(expected, abs=1e-4)


def test_table_counts_and_columns(xerox, xerox_curve):
    t = xerox_curve.table
    assert list(t.columns) == [
        "level", "n", "n_loyal", "rate", "ci_low", "ci_high", "isotonic", "smooth", "zone", "share",
    ]
    expected = xerox.groupby("satisfaction")["loyal"].agg(["size", "sum"])
    assert t["n"].tolist() == expected["size"].tolist()
    assert t["n_loyal"].tolist() == expected["sum"].tolist()
    assert t["n"].sum() == len(xerox) == xerox_curve.n_respondents
    assert np.all((t["ci_low"] <= t["rate"]) & (t["rate"] <= t["ci_high"]))
    assert t["share"].sum() == pytest.approx(1)


def test_rates_recover_the_generator_curve(xerox_curve):
    t = xerox_curve.table
    # every true rate inside its 99.9% band: |rate - p| < 3.3 standard errors
    se = np.sqrt(np.array(CURVES["xerox"].probs) * (1 - np.array(CURVES["xerox"].probs)) / t["n"])
    assert np.all(np.abs(t["rate"] - np.array(CURVES["xerox"].probs)) < 3.3 * se)


def test_series_array_and_dataframe_inputs_agree(xerox):
    a = loyalty_curve("satisfaction", "loyal", data=xerox, **FAST).table
    b = loyalty_curve(xerox["satisfaction"], xerox["loyal"], **FAST).table
    c = loyalty_curve(xerox["satisfaction"].to_numpy(), xerox["loyal"].astype(int).to_list(), **FAST).table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_isotonic_is_monotone_and_pools_violators():
    fit = isotonic_fit([1, 2, 3, 4, 5], [90, 770, 800, 860, 930], [100, 1000, 1000, 1000, 1000])
    assert np.all(np.diff(fit) >= 0)
    # level 1 (90%) above level 2 (77%): pooled to their weighted mean
    assert fit[0] == fit[1] == pytest.approx((90 + 770) / 1100)
    assert fit[4] == pytest.approx(0.93)


def test_isotonic_skips_empty_levels():
    fit = isotonic_fit([1, 2, 3], [1, 0, 9], [10, 0, 10])
    assert np.isnan(fit[1]) and fit[0] == pytest.approx(0.1) and fit[2] == pytest.approx(0.9)


@pytest.mark.parametrize("method", ["logistic", "pchip"])
def test_smooth_fit_follows_the_rates(method):
    k, n = np.array([40, 60, 90, 125, 750]), np.full(5, 1000)
    fit = smooth_fit([1, 2, 3, 4, 5], k, n, method=method)
    assert np.max(np.abs(fit(np.arange(1.0, 6)) - k / n)) < 0.03
    grid = np.linspace(1, 5, 81)
    assert np.all(np.diff(fit(grid)) >= -1e-9), "smooth fit of an increasing curve is monotone"


def test_logistic_smooth_fits_a_step():
    # IBM Telco's shape: nobody at 1-2 stays, everyone at 4-5 does; a bounded steepness keeps it finite
    k, n = np.array([0, 0, 2236, 1789, 1149]), np.array([922, 518, 2665, 1789, 1149])
    fit = smooth_fit([1, 2, 3, 4, 5], k, n)
    assert np.max(np.abs(fit(np.arange(1.0, 6)) - k / n)) < 0.01
    assert np.isfinite(fit.params).all()


def test_logistic_smooth_params_locate_the_turn():
    fit = smooth_fit([1, 2, 3, 4, 5], [40, 60, 90, 125, 750], [1000] * 5)
    assert 4 < fit.params["midpoint"] < 5
    assert fit.params["ceiling"] > fit.params["floor"]


def test_ratio_recovers_xerox_six(xerox_curve):
    r = xerox_curve.ratio(5, 4, n_boot=1000, random_state=0)
    assert r.ci_low < XEROX_RATIO_5_VS_4 < r.ci_high
    assert r.ratio == pytest.approx(XEROX_RATIO_5_VS_4, rel=0.15)
    assert xerox_curve.ratio().high == 5 and xerox_curve.ratio().low == 4
    assert "times as loyal" in str(r)


def test_ratio_interval_covers_the_truth_at_the_stated_rate():
    # 60 independent small surveys: a 95% interval should miss about 3 times
    misses = 0
    for random_state in range(60):
        c = loyalty_curve("satisfaction", "loyal", data=generate_survey(2000, random_state=random_state), n_sim=19, n_boot=0,
                          smooth="pchip")
        r = c.ratio(5, 4, n_boot=1000, random_state=random_state)
        misses += not (r.ci_low <= XEROX_RATIO_5_VS_4 <= r.ci_high)
    assert misses <= 8  # P(> 8 misses | 95% coverage) < 0.01


def test_ratio_with_zero_lower_rate_is_infinite_not_an_error():
    r = rate_ratio(5, 10, 0, 10, high=5, low=4, n_boot=200)
    assert np.isinf(r.ratio) and np.isinf(r.ci_high)


def test_ratio_of_an_empty_level_is_reported():
    with pytest.raises(DataValidationError, match="level 4 has no respondents"):
        rate_ratio(5, 10, 0, 0, high=5, low=4)


def test_ratios_table_has_every_adjacent_pair(xerox_curve):
    t = xerox_curve.ratios(n_boot=200)
    assert t[["high", "low"]].values.tolist() == [[2, 1], [3, 2], [4, 3], [5, 4]]
    assert t.loc[3, "ratio"] == pytest.approx(xerox_curve.ratio(5, 4).ratio)


def test_adjacent_differences_and_steepest_step(xerox_curve):
    g = xerox_curve.adjacent_differences()
    assert len(g) == 4
    assert np.all(g["ci_low"] <= g["difference"]) and np.all(g["difference"] <= g["ci_high"])
    rates = xerox_curve.table["rate"].to_numpy()
    assert g["difference"].to_numpy() == pytest.approx(np.diff(rates))
    best = xerox_curve.steepest_step()
    assert (best["from_level"], best["to_level"]) == (4, 5)
    # no causal sizing ("more loyal customers if they moved up") is offered
    assert not any("gain" in c for c in g.columns)


def test_zones_follow_the_curve_not_fixed_ranges():
    s_curve = curve_zones([1, 2, 3, 4, 5], [0.10, 0.15, 0.45, 0.55, 0.90])
    assert s_curve["levels"].tolist() == ["1, 2", "3, 4", "5"]
    competitive = curve_zones([1, 2, 3, 4, 5], CURVES["competitive"].probs)
    assert competitive.set_index("zone").loc["affection", "levels"] == "5"
    # shift the same shape one level down: the zones move with it
    shifted = curve_zones([1, 2, 3, 4, 5], [0.10, 0.45, 0.55, 0.90, 0.90])
    assert shifted["levels"].tolist() == ["1", "2, 3", "4, 5"]


def test_level_near_the_top_is_not_indifference():
    """Issue 9: on IBM Telco's step (0%, 0%, 84%, 100%, 100% stay) level 3 was labelled
    "indifference" although 84% stay and the curve tops out at 100%."""
    step = curve_zones([1, 2, 3, 4, 5], [0.0, 0.0, 0.84, 1.0, 1.0])
    assert step["zone"].tolist() == ["defection", "affection"]
    assert step.attrs["by_level"][3.0] == "affection"
    # the mirror image: a level near the bottom is not indifference either
    xerox = curve_zones([1, 2, 3, 4, 5], CURVES["xerox"].probs)
    assert xerox["levels"].tolist() == ["1, 2, 3, 4", "5"]
    # a middle run well apart from both ends stays a zone of its own
    mid = curve_zones([1, 2, 3, 4, 5], [0.0, 0.0, 0.5, 1.0, 1.0])
    assert mid["levels"].tolist() == ["1, 2", "3", "4, 5"]


def test_flat_curve_is_all_indifference():
    z = curve_zones([1, 2, 3, 4, 5], [0.8] * 5)
    assert z["zone"].tolist() == ["indifference"] and z["levels"].iloc[0] == "1, 2, 3, 4, 5"
    # nearly flat (a 1-point rise, e.g. personal travellers who are all "loyal"): one zone too
    assert curve_zones([1, 2, 3, 4, 5], [0.99, 0.99, 0.99, 0.995, 1.0])["zone"].tolist() == ["indifference"]
    assert len(curve_zones([1, 2, 3, 4, 5], [0.99, 0.99, 0.99, 0.995, 1.0], min_rise=0.001)) == 3


def test_zone_column_matches_zones(xerox_curve):
    t = xerox_curve.table
    for z in xerox_curve.zones.itertuples():
        assert set(t.loc[t["zone"] == z.zone, "level"]) == {float(v) for v in z.levels.split(", ")}
    assert xerox_curve.zones["n"].sum() == xerox_curve.n_respondents


def test_extremes_counts_and_user_levels():
    s = pd.Series([1, 1, 1, 2, 5, 5, 5, 4])
    y = pd.Series([0, 0, 1, 0, 1, 1, 0, 1])
    c = loyalty_curve(s, y, n_sim=19, n_boot=0, empty="keep")
    e = c.extremes()
    assert e.loc["terrorists", "count"] == 2 and e.loc["apostles", "count"] == 2
    assert e.loc["terrorists", "share_of_levels"] == pytest.approx(2 / 3)
    wide = c.extremes(terrorist_levels=[1, 2], apostle_levels=[4, 5])
    assert wide.loc["terrorists", "count"] == 3 and wide.loc["apostles", "count"] == 3
    loud = c.extremes(speaks_out=pd.Series([True, False, True, True, False, False, False, False], name="complained"))
    assert loud.loc["terrorists", "count"] == 1 and "complained" in loud.loc["terrorists", "definition"]


def test_empty_level_kept_on_request():
    s = pd.Series([1, 2, 2, 4, 5, 5] * 20)
    y = pd.Series([0, 0, 1, 1, 1, 1] * 20)
    c = loyalty_curve(s, y, empty="keep", **FAST)
    row = c.table.set_index("level").loc[3.0]
    assert row["n"] == 0 and np.isnan(row["rate"]) and np.isnan(row["isotonic"])
    assert c.empty_levels == [3.0]
    assert "3" in c.summary()
    assert np.isnan(c.ratios(n_boot=50).set_index("high").loc[3.0, "ratio"])


def test_half_point_levels():
    rng = np.random.default_rng(0)
    s = rng.choice(np.arange(1, 5.01, 0.5), size=3000)
    y = rng.random(3000) < (s - 1) / 5
    c = loyalty_curve(s, y, levels=np.arange(1, 5.01, 0.5), **FAST)
    assert c.table["level"].tolist() == list(np.arange(1, 5.01, 0.5))
    assert not c.knee.found


def test_target_scenarios_top_box_misleads():
    t = target_scenarios(CURVES["xerox"].probs, {"4s": [0, 0, 0.2, 0.7, 0.1], "5s": [0, 0, 0.2, 0.1, 0.7]})
    assert t["top_box"].tolist() == pytest.approx([0.8, 0.8])
    assert t.loc["5s", "expected_loyalty"] > 2.5 * t.loc["4s", "expected_loyalty"]
    with pytest.raises(DataValidationError, match="summing to 1"):
        target_scenarios(CURVES["xerox"].probs, {"bad": [0.5, 0.5, 0.5, 0, 0]})

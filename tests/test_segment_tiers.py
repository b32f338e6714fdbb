"""Lorenz curve, Gini and the 80/20 check on distributions with known answers; value
tiers and the Dell service map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.segment import (
    TIERS,
    concentration,
    dell_service_map,
    gini,
    lorenz_curve,
    tier_profile,
    tier_service_table,
    value_tiers,
)


def _series(values) -> pd.Series:
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=[f"c{i:06d}" for i in range(values.size)])


# ------------------------------------------------------------------------------- Gini


def test_gini_equal_values_is_zero():
    assert gini(_series([3.0] * 50)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 100])
def test_gini_one_customer_holds_everything(n):
    assert gini(_series([0.0] * (n - 1) + [42.0])) == pytest.approx((n - 1) / n)


def test_gini_uniform_is_one_third():
    rng = np.random.default_rng(0)
    # E[Gini] of n uniform draws is (n-1)/(3n) ~ 1/3; sd ~ 1/sqrt(n)
    assert gini(_series(rng.uniform(0, 1, 200_000))) == pytest.approx(1 / 3, abs=3e-3)


def test_gini_exponential_is_one_half():
    rng = np.random.default_rng(1)
    assert gini(_series(rng.exponential(10.0, 200_000))) == pytest.approx(0.5, abs=3e-3)


def test_gini_equals_one_minus_twice_lorenz_area():
    rng = np.random.default_rng(2)
    v = _series(rng.lognormal(0, 1.5, 1000))
    lor = lorenz_curve(v)
    x, y = lor["customer_share"].to_numpy(), lor["value_share"].to_numpy()
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    assert gini(v) == pytest.approx(1 - 2 * area, abs=1e-12)


def test_gini_scale_invariant_and_order_free():
    rng = np.random.default_rng(3)
    v = _series(rng.gamma(0.5, 100, 500))
    assert gini(v) == pytest.approx(gini(v * 7.5))
    assert gini(v) == pytest.approx(gini(v.sample(frac=1.0, random_state=1)))


# --------------------------------------------------------------------- Lorenz and 80/20


def test_lorenz_endpoints_and_monotone():
    rng = np.random.default_rng(4)
    lor = lorenz_curve(_series(rng.pareto(1.5, 300)))
    assert lor.iloc[0].tolist() == [0.0, 0.0]
    assert lor.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(lor["value_share"]) >= 0).all()
    # convex: below the diagonal
    assert (lor["value_share"] <= lor["customer_share"] + 1e-12).all()


def test_exact_80_20_distribution():
    # 20 customers hold 80 each (1,600 = 80%), 80 customers hold 5 each (400 = 20%)
    c = concentration(_series([80.0] * 20 + [5.0] * 80))
    assert c.value_share_of_top == pytest.approx(0.8)
    assert c.customer_share_for_target == pytest.approx(0.2)
    assert c.n_customers == 100 and c.total_value == pytest.approx(2000.0)
    assert "top 20%" in str(c)
    assert c.to_frame().shape == (5, 1)


def test_equal_values_need_80_percent_of_customers():
    c = concentration(_series([1.0] * 10))
    assert c.value_share_of_top == pytest.approx(0.2)
    assert c.customer_share_for_target == pytest.approx(0.8)


def test_concentration_interpolates_between_customers():
    # 3 customers: 60, 30, 10. Top 1/3 holds 60%; for 80% you need 1/3 + (20/30)/3
    c = concentration(_series([60.0, 30.0, 10.0]))
    assert c.customer_share_for_target == pytest.approx(1 / 3 + (20 / 30) / 3)
    assert c.value_share_of_top == pytest.approx(1 - np.interp(0.8, [0, 1 / 3, 2 / 3, 1], [0, 0.1, 0.4, 1.0]))


def test_concentration_with_zero_value_customers():
    c = concentration(_series([0.0] * 8 + [50.0, 50.0]))
    assert c.customer_share_for_target == pytest.approx(0.16)
    assert c.value_share_of_top == pytest.approx(1.0)


@pytest.mark.parametrize(
    "value,match",
    [
        (pd.Series([], dtype=float), "empty"),
        (pd.Series([1.0, -2.0, 3.0]), "negative"),
        (pd.Series([1.0, np.nan]), "missing or infinite"),
        (pd.Series([0.0, 0.0]), "total value is zero"),
        (pd.Series(["a", "b"]), "must be numeric"),
        (pd.Series([1.0, 2.0], index=["a", "a"]), "duplicated customer ids"),
        ([1.0, 2.0], "must be a pandas Series"),
    ],
)
def test_bad_values(value, match):
    with pytest.raises(DataValidationError, match=match):
        concentration(value)


def test_bad_shares():
    with pytest.raises(DataValidationError, match="top=1.2 is out of range"):
        concentration(_series([1.0, 2.0]), top=1.2)


# ----------------------------------------------------------------------------- tiers


def test_value_tiers_known_answer():
    v = pd.Series([70.0, 15.0, 10.0, 4.0, 1.0], index=list("abcde"))
    t = value_tiers(v)
    assert t["tier"].astype(str).tolist() == ["key", "key", "normal", "small", "small"]
    assert t["tier_zh"].tolist() == ["关键客户", "关键客户", "普通客户", "小客户", "小客户"]
    assert t["rank"].tolist() == [1, 2, 3, 4, 5]
    # the key tier is the smallest top group reaching 80%
    assert t.loc["a", "cum_share"] < 0.8 <= t.loc["b", "cum_share"]


def test_value_tiers_keep_input_order_and_break_ties_by_id():
    v = pd.Series([5.0, 5.0, 90.0], index=["z", "y", "x"])
    t = value_tiers(v, cuts=(0.9,), labels=[("top", "顶"), ("rest", "余")])
    assert list(t.index) == ["z", "y", "x"]
    assert t.loc["x", "tier"] == "top" and t.loc["y", "rank"] == 2 and t.loc["z", "rank"] == 3


def test_tier_thresholds_configurable():
    rng = np.random.default_rng(5)
    v = _series(rng.lognormal(3, 1.2, 2000))
    strict = tier_profile(value_tiers(v, cuts=(0.5, 0.9)))
    loose = tier_profile(value_tiers(v, cuts=(0.8, 0.95)))
    assert strict.loc["key", "customers"] < loose.loc["key", "customers"]
    assert strict.loc["key", "share_value"] == pytest.approx(0.5, abs=0.01)
    assert loose["share_value"].tolist() == pytest.approx([0.8, 0.15, 0.05], abs=0.01)
    assert loose["customers"].sum() == 2000
    assert loose.loc["key", "value_ratio_to_smallest"] > loose.loc["normal", "value_ratio_to_smallest"] > 1
    assert loose.loc["small", "value_ratio_to_smallest"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "cuts,labels,match",
    [
        ((0.95, 0.8), TIERS, "increasing"),
        ((0.0, 0.8), TIERS, "cuts=0.0 is out of range"),
        ((0.8,), TIERS, "make 2 tiers, but 3"),
        ((), TIERS, "increasing"),
    ],
)
def test_bad_tier_cuts(cuts, labels, match):
    with pytest.raises(DataValidationError, match=match):
        value_tiers(_series([1.0, 2.0, 3.0]), cuts=cuts, labels=labels)


def test_dell_service_map_and_table():
    smap = dell_service_map()
    assert list(smap.index) == ["key", "normal", "small"]
    assert smap["dell_type_zh"].tolist() == ["大客户", "R型", "T型"]
    assert smap.loc["small", "dell_type"] == "T-type"
    rng = np.random.default_rng(6)
    prof = tier_profile(value_tiers(_series(rng.lognormal(3, 1, 300))))
    table = tier_service_table(prof)
    assert table.loc["key", "served_by"].startswith("dedicated")
    assert {"share_value", "served_by", "action"} <= set(table.columns)
    bad = smap.rename(index={"small": "tiny"})
    with pytest.raises(DataValidationError, match="unknown tier.*'tiny'.*no service defined for 'small'"):
        tier_service_table(prof, bad)


# ------------------------------------------------------- issue 8: one top share, bad cuts


def test_top_share_of_seven_customers_is_one_documented_number():
    value = pd.Series([100.0, 50, 20, 10, 10, 5, 5], index=list("abcdefg"))
    c = concentration(value, top=0.2)
    # the top 20% is 1.4 customers: the first one's value plus 0.4 of the second's
    assert c.value_share_of_top == pytest.approx((100 + 0.4 * 50) / 200)
    assert c.top == 0.2 and c.target == 0.8
    # a whole number of customers gives exactly their summed share
    assert concentration(value, top=2 / 7).value_share_of_top == pytest.approx(150 / 200)


def test_plots_annotate_the_concentration_figure():
    import matplotlib

    matplotlib.use("Agg")
    from crmlib.segment.plotting import plot_lorenz

    value = pd.Series([100.0, 50, 20, 10, 10, 5, 5], index=list("abcdefg"))
    ax = plot_lorenz(value)
    text = " ".join(t.get_text() for t in ax.texts)
    assert "bring 60.0% of revenue" in text  # concentration's figure, not 70% (2 whole customers)


@pytest.mark.parametrize("cuts", [(np.inf, 0.95), (np.nan, 0.95), ("0.8", 0.95), (True, 0.95), (0.8, float("nan"))])
def test_bad_cut_values_are_refused(cuts):
    with pytest.raises(DataValidationError, match="cuts="):
        value_tiers(_series([1.0, 2.0, 3.0]), cuts=cuts)


@pytest.mark.parametrize("top", [np.nan, "0.2", True, np.inf])
def test_bad_top_is_refused(top):
    with pytest.raises(DataValidationError, match="top="):
        concentration(_series([1.0, 2.0, 3.0]), top=top)


def test_infinite_value_is_refused_with_the_function_named():
    with pytest.raises(DataValidationError, match="value_tiers: column 'value' has 1 missing or infinite"):
        value_tiers(_series([1.0, np.inf, 3.0]))

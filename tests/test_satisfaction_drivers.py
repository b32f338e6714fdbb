"""Driver analysis: it ranks known drivers correctly and its intervals are honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.satisfaction import DEFAULT_ITEMS, QUADRANTS, driver_analysis, generate_survey
from crmlib.satisfaction._logit import fit_logit

ITEMS = list(DEFAULT_ITEMS)


@pytest.fixture(scope="module")
def survey():
    return generate_survey(8000, items=DEFAULT_ITEMS, not_applicable_rate=0.05, random_state=3)


@pytest.fixture(scope="module")
def drivers(survey):
    return driver_analysis(survey, ITEMS, "loyal")


def test_logit_matches_known_coefficients():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(20_000), rng.standard_normal((20_000, 2))])
    beta = np.array([-0.5, 1.0, -0.7])
    y = (rng.random(20_000) < 1 / (1 + np.exp(-X @ beta))).astype(float)
    b, cov, _ = fit_logit(X, y, penalty=0.0)
    assert np.all(np.abs(b - beta) < 4 * np.sqrt(np.diag(cov)))


def test_logit_survives_separation():
    x = np.r_[np.zeros(50), np.ones(50)]
    X = np.column_stack([np.ones(100), x])
    b, _, _ = fit_logit(X, x.copy())  # x predicts y perfectly
    assert np.isfinite(b).all() and b[1] > 2


def test_strongest_driver_first_and_unrelated_item_near_zero(drivers):
    t = drivers.table
    assert t.index[0] == "Staff courtesy"
    # the top three by weight are the top three by importance
    assert set(t.index[:3]) == {"Staff courtesy", "Product reliability", "Problem resolution"}
    web = t.loc["Website design"]
    assert web["ci_low"] < 0.01 and abs(web["importance"]) < 0.01
    assert t.loc["Staff courtesy", "ci_low"] > 0


def test_table_contents(drivers, survey):
    t = drivers.table
    assert list(t.columns) == [
        "importance", "ci_low", "ci_high", "coef", "se", "p_value", "performance", "n_rated",
        "n_not_applicable", "correlation", "quadrant",
    ]
    assert (t["ci_low"] <= t["importance"]).all() and (t["importance"] <= t["ci_high"]).all()
    rated = survey[ITEMS].where(survey[ITEMS] > 0)
    assert np.allclose(t.loc[ITEMS, "performance"], rated.mean())
    assert t.loc[ITEMS, "n_not_applicable"].tolist() == (survey[ITEMS] == 0).sum().tolist()
    assert set(t["quadrant"]) <= set(QUADRANTS.values())
    assert drivers.n == len(survey) and "Strongest driver: Staff courtesy" in drivers.summary()


def test_quadrants_follow_the_cross_hairs(drivers):
    t = drivers.table
    for item, row in t.iterrows():
        important = row["importance"] >= drivers.importance_cut
        performs = row["performance"] >= drivers.performance_cut
        assert row["quadrant"] == QUADRANTS[(important, performs)], item


def test_bootstrap_and_wald_intervals_agree(survey):
    small = survey.iloc[:3000]
    w = driver_analysis(small, ITEMS, "loyal").table
    b = driver_analysis(small, ITEMS, "loyal", ci="bootstrap", n_boot=60, random_state=1).table
    width_w = (w["ci_high"] - w["ci_low"]).loc[ITEMS]
    width_b = (b["ci_high"] - b["ci_low"]).loc[ITEMS]
    assert np.allclose(w.loc[ITEMS, "importance"], b.loc[ITEMS, "importance"])
    assert ((width_b / width_w).between(0.6, 1.6)).all()


def test_wald_interval_coverage():
    # repeat the survey: the 95% interval of a zero-weight item should cover 0 about 95% of the time
    covered = 0
    for random_state in range(30):
        df = generate_survey(1500, items={"driver": 1.0, "noise": 0.0}, random_state=random_state)
        t = driver_analysis(df, ["driver", "noise"], "loyal").table
        covered += t.loc["noise", "ci_low"] <= 0 <= t.loc["noise", "ci_high"]
    assert covered >= 25


def test_controls_and_not_applicable_indicators():
    df = generate_survey(4000, items={"a": 1.0, "b": 0.5}, not_applicable_rate=0.1, random_state=9)
    df["channel"] = np.where(np.arange(len(df)) % 2 == 0, "web", "store")
    da = driver_analysis(df, ["a", "b"], "loyal", controls=["channel"])
    assert da.controls == ["channel"]
    terms = da.control_effects.index.tolist()
    assert "channel = web" in terms and "a [n/a]" in terms and "b [n/a]" in terms


def test_rare_not_applicable_gets_no_indicator():
    df = generate_survey(3000, items={"a": 1.0, "b": 0.5}, random_state=10)
    df.loc[:4, "a"] = 0  # five skips: too few to estimate an effect, and they would separate
    da = driver_analysis(df, ["a", "b"], "loyal")
    assert "a [n/a]" not in da.control_effects.index
    assert da.table.loc["a", "n_not_applicable"] == 5


def test_duplicate_item_is_reported():
    df = generate_survey(1000, items={"a": 1.0}, random_state=11)
    df["a copy"] = df["a"]
    with pytest.raises(DataValidationError, match="linear combinations"):
        driver_analysis(df, ["a", "a copy"], "loyal")


def test_outcome_as_series(survey):
    y = pd.Series(np.where(survey["loyal"], "Loyal Customer", "disloyal Customer"), index=survey.index)
    a = driver_analysis(survey, ITEMS, y, positive="Loyal Customer").table
    b = driver_analysis(survey, ITEMS, "loyal").table
    pd.testing.assert_frame_equal(a, b)

"""Evaluation: metrics, calibration, lift/gains with ties, and the campaign profit curve,
against hand-computed examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import DataValidationError
from crmlib.churn import ProfitCurve, calibration_table, churn_metrics, profit_curve

# ----------------------------------------------------------------------------- metrics


def test_metrics_perfect_inverted_and_constant():
    y = [0, 0, 0, 1, 1]
    good = [0.1, 0.2, 0.3, 0.8, 0.9]
    m = churn_metrics(y, {"good": good, "bad": 1 - np.array(good), "flat": [0.4] * 5}, top=0.4)
    assert m.loc["good", "roc_auc"] == 1.0 and m.loc["bad", "roc_auc"] == 0.0
    assert m.loc["flat", "roc_auc"] == 0.5
    assert m.loc["good", "top_lift"] == pytest.approx(1.0 / 0.4)  # top 2 are both churners
    assert m.loc["flat", "top_lift"] == pytest.approx(1.0)  # ties shared: no better than random
    assert m.loc["good", "brier"] == pytest.approx(np.mean((np.array(good) - y) ** 2))
    assert m["churn_rate"].eq(0.4).all() and m["customers"].eq(5).all()


def test_metrics_accept_a_frame_and_a_single_array():
    y = np.array([0, 1, 0, 1])
    frame = pd.DataFrame({"a": [0.2, 0.7, 0.4, 0.6]})
    assert churn_metrics(y, frame).index.tolist() == ["a"]
    assert churn_metrics(y, frame["a"].to_numpy()).index.tolist() == ["score"]


@pytest.mark.parametrize(
    "y, scores, match",
    [
        ([1, 1, 1], [0.1, 0.2, 0.3], "single class"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "0 and 1 only"),
        ([0, 1], [0.1, 0.2, 0.3], "has 3 values but y_true has 2"),
        ([0, 1], [0.1, 1.2], "probabilities in \\[0, 1\\]"),
        ([0, 1], [0.1, np.nan], "missing or infinite"),
        ([0, 1], [[0.1, 0.2], [0.3, 0.4]], "one-dimensional"),
    ],
)
def test_metrics_validation(y, scores, match):
    with pytest.raises(DataValidationError, match=match):
        churn_metrics(y, scores)


# ----------------------------------------------------------------------------- calibration


def test_calibration_table_by_hand():
    y = [0, 0, 1, 0, 1, 1]
    p = [0.1, 0.1, 0.1, 0.9, 0.9, 0.9]
    t = calibration_table(y, p, n_bins=2, strategy="uniform")
    assert t["customers"].tolist() == [3, 3]
    assert t["mean_predicted"].tolist() == pytest.approx([0.1, 0.9])
    assert t["observed_rate"].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert (t["observed_low"] <= t["observed_rate"]).all() and (t["observed_rate"] <= t["observed_high"]).all()
    # Wilson interval for 1 of 3
    assert t["observed_low"].iloc[0] == pytest.approx(0.0615, abs=1e-3)
    assert t["observed_high"].iloc[0] == pytest.approx(0.7923, abs=1e-3)


def test_calibration_quantile_bins_merge_repeated_edges():
    rng = np.random.default_rng(0)
    p = np.r_[np.zeros(500), rng.uniform(0.2, 1, 500)]
    y = (rng.uniform(size=1000) < p).astype(int)
    t = calibration_table(y, p, n_bins=10)
    assert t["customers"].sum() == 1000
    assert len(t) < 10  # the 0.0 mass collapses several quantile edges into one bin
    assert t["mean_predicted"].is_monotonic_increasing
    with pytest.raises(DataValidationError, match="strategy"):
        calibration_table(y, p, strategy="kmeans")


# ----------------------------------------------------------------------------- profit


def test_profit_curve_by_hand():
    # per customer: p * save * value - cost = 35, 15, 0, -5
    pc = profit_curve([0.9, 0.5, 0.2, 0.1], [100, 100, 100, 100], contact_cost=10, save_rate=0.5)
    assert isinstance(pc, ProfitCurve)
    assert pc.curve["expected_profit"].tolist() == [0.0, 35.0, 50.0, 50.0, 45.0]
    assert pc.curve["depth"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert (pc.best_n, pc.best_depth, pc.best_expected_profit) == (2, 0.5, 50.0)  # smallest of the ties
    assert pc.realised_at_best is None and "realised_profit" not in pc.curve


def test_profit_curve_realised_and_order_by_value():
    p = [0.9, 0.5, 0.2, 0.1]
    value = [10.0, 100.0, 400.0, 50.0]
    y = [0, 1, 1, 0]
    pc = profit_curve(p, value, contact_cost=5, save_rate=0.5, y_true=y)
    # by risk: 0.9*.5*10-5 = -0.5, 0.5*.5*100-5 = 20, 0.2*.5*400-5 = 35, 0.1*.5*50-5 = -2.5
    assert pc.curve["expected_profit"].tolist() == pytest.approx([0, -0.5, 19.5, 54.5, 52.0])
    # realised: -5, +45, +195, -5
    assert pc.curve["realised_profit"].tolist() == pytest.approx([0, -5, 40, 235, 230])
    assert pc.best_n == 3 and pc.realised_at_best == pytest.approx(235)
    assert pc.best_realised_depth == 0.75
    # ranking by expected loss puts the 400 customer first
    by_value = profit_curve(p, value, contact_cost=5, save_rate=0.5, scores=np.array(p) * value)
    assert by_value.curve["expected_profit"].tolist() == pytest.approx([0, 35, 55, 54.5, 52.0])
    assert by_value.best_n == 2
    s = pc.summary()
    assert s["best_n"] == 3 and s["contact_cost"] == 5 and s["customers"] == 4


def test_profit_curve_with_ties_uses_block_averages():
    pc = profit_curve([0.5, 0.5], [100.0, 0.0], contact_cost=1, save_rate=1.0)
    # contacting one of two tied customers: on average (50 - 1 + 0 - 1) / 2
    assert pc.curve["expected_profit"].tolist() == pytest.approx([0, 24, 48])


def test_profit_curve_nothing_pays():
    pc = profit_curve([0.1, 0.2], [1.0, 1.0], contact_cost=5, save_rate=0.5)
    assert pc.best_n == 0 and pc.best_expected_profit == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"contact_cost": -1, "save_rate": 0.5}, "contact_cost"),
        ({"contact_cost": 1, "save_rate": 1.5}, "save_rate"),
        ({"contact_cost": 1, "save_rate": 0.5, "y_true": [0, 1]}, "y_true has 2 values but p_churn has 3"),
    ],
)
def test_profit_curve_validation(kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        profit_curve([0.1, 0.2, 0.3], [1.0, 2.0, 3.0], **kwargs)


def test_profit_curve_value_checks():
    with pytest.raises(DataValidationError, match=">= 0"):
        profit_curve([0.1, 0.2], [1.0, -2.0], contact_cost=1, save_rate=0.5)
    with pytest.raises(DataValidationError, match="value_at_stake has 1 values but p_churn has 2"):
        profit_curve([0.1, 0.2], [1.0], contact_cost=1, save_rate=0.5)

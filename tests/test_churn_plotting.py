"""Churn charts: each returns its Axes, draws what it claims and labels it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from crmlib import DataValidationError
from crmlib.churn import (
    calibration_table,
    churn_reasons_table,
    lift_table,
    profit_curve,
    winback_policy,
)
from crmlib.churn.plotting import (
    plot_calibration,
    plot_churn_reasons,
    plot_decile_lift,
    plot_feature_importance,
    plot_gains,
    plot_precision_recall,
    plot_profit_curve,
    plot_roc,
    plot_winback_policy,
)
from crmlib.plotting import get_ax, save_figure


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=400)
    y = (rng.uniform(size=400) < p).astype(int)
    return y, {"model": p, "noise": rng.uniform(size=400)}


def _legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_roc_and_pr(scored):
    y, scores = scored
    ax = plot_roc(y, scores)
    assert ax.get_title() and "false positive" in ax.get_xlabel()
    texts = _legend_texts(ax)
    assert any(t.startswith("model (AUC 0.") for t in texts) and any("random" in t for t in texts)
    ax = plot_precision_recall(y, scores, title="PR")
    assert ax.get_title() == "PR" and any("PR AUC" in t for t in _legend_texts(ax))
    assert len(ax.get_lines()) == 3  # two models and the churn-rate line


def test_calibration_gains_and_lift(scored, tmp_path):
    y, scores = scored
    calib = {k: calibration_table(y, v) for k, v in scores.items()}
    ax = plot_calibration(calib)
    assert "observed" in ax.get_ylabel()
    lifts = {k: lift_table(y, v) for k, v in scores.items()}
    ax = plot_gains(lifts)
    model_line = [ln for ln in ax.get_lines() if ln.get_label() == "model"][0]
    assert model_line.get_ydata()[-1] == pytest.approx(1.0) and model_line.get_xdata()[0] == 0
    ax = plot_decile_lift(lifts)
    assert len(ax.patches) == 20  # ten deciles, two scores
    paths = save_figure(ax, tmp_path / "lift")
    assert all(p.exists() for p in paths)


def test_profit_curve_marks_the_optimum():
    pc = profit_curve([0.9, 0.5, 0.2, 0.1], [100, 100, 100, 100], contact_cost=10, save_rate=0.5,
                      y_true=[1, 1, 0, 0])
    ax = plot_profit_curve(pc, currency="£")
    stars = [ln for ln in ax.get_lines() if isinstance(ln, Line2D) and ln.get_marker() == "*"]
    assert len(stars) == 1
    assert stars[0].get_xdata()[0] == 0.5 and stars[0].get_ydata()[0] == 50.0
    assert any("top 50%" in t and "£50" in t for t in _legend_texts(ax))
    assert any("realised" in t for t in _legend_texts(ax))
    assert "£" in ax.get_ylabel()
    # the assumptions behind the optimum are on the chart
    assert "assumed: contact cost £10.00 per customer, save rate 50%" in _legend_texts(ax)
    # the one money formatter labels the axis
    assert ax.yaxis.get_major_formatter()(1500, 0) == "£1.5k"
    plain = plot_profit_curve(pc)
    assert plain.get_ylabel() == "campaign profit"
    with pytest.raises(DataValidationError, match="currency"):
        plot_profit_curve(pc, currency=5)
    # different assumptions per curve are each stated
    cheap = profit_curve([0.9, 0.5, 0.2, 0.1], [100, 100, 100, 100], contact_cost=1, save_rate=0.5)
    dollars = plot_profit_curve({"a": pc, "b": cheap}, currency="USD")
    assert "b: assumed contact cost \\$1.00 per customer, save rate 50%" in _legend_texts(dollars)
    dollars.figure.canvas.draw()  # "$" escaped: two amounts in one label are not mathtext


def test_profit_curve_never_marks_a_losing_depth_as_best():
    # every contact costs more than it can save: no depth pays, so no star and no "best"
    losing = profit_curve([0.9, 0.5], [10, 10], contact_cost=50, save_rate=0.5, y_true=[1, 0])
    assert losing.best_n == 0
    ax = plot_profit_curve(losing, currency="£")
    assert not [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    texts = _legend_texts(ax)
    assert "no depth pays: expected profit <= 0 at every depth" in texts
    assert not any("best" in t or "optimum" in t for t in texts)
    # expected to pay but realised a loss: the mark says both, not "best"
    hoped = profit_curve([0.9, 0.8], [100, 100], contact_cost=10, save_rate=0.5, y_true=[0, 0])
    assert hoped.best_expected_profit > 0 > hoped.realised_at_best
    texts = _legend_texts(plot_profit_curve(hoped, currency="£"))
    assert any("expected optimum" in t and "realised -£" in t for t in texts), texts
    assert not any("best depth" in t for t in texts)


def test_reasons_and_policy_charts():
    df = pd.DataFrame(
        {
            "Churn Value": [1, 1, 1, 0],
            "Churn Category": ["Price", "Price", "Other", None],
            "Churn Reason": ["Price too high", "Price too high", "Moved", None],
        }
    )
    reasons = churn_reasons_table(df)
    ax = plot_churn_reasons(reasons)
    assert len(ax.patches) == 2
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("Price too high")  # the largest on top
    assert set(_legend_texts(ax)) == {"preventable", "not preventable"}
    with pytest.raises(DataValidationError, match="churn_reasons_table"):
        plot_churn_reasons(df)
    policy = winback_policy(pd.DataFrame({"tier": ["key", "small"], "value": [500.0, 5.0]}))
    fig_ax = get_ax()
    ax = plot_winback_policy(policy, currency="£", ax=fig_ax)
    assert ax is fig_ax
    texts = [t.get_text() for t in ax.texts]
    assert "fight: £110.00" in texts and "let go: -£0.25" in texts
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any("p(win back) 30%" in t and "cost £40.00" in t for t in ticks)  # assumptions shown
    ax = plot_winback_policy(policy, currency="GBP", color="black")
    assert "fight: £110.00" in [t.get_text() for t in ax.texts]


def test_feature_importance():
    imp = pd.Series({"a": 0.1, "b": 0.3, "c": -0.01})
    ax = plot_feature_importance(imp, error=imp.abs() / 10, n_top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    with pytest.raises(DataValidationError):
        plot_feature_importance(pd.Series(dtype=float))


def test_kwargs_reach_the_drawing_call(scored):
    y, scores = scored
    ax = plot_roc(y, {"model": scores["model"]}, lw=5)
    assert ax.get_lines()[0].get_linewidth() == 5


def test_plot_roc_aligns_series_on_customer_id(scored):
    y, scores = scored
    ids = [f"c{i}" for i in range(len(y))]
    ys = pd.Series(y, index=ids)
    ps = pd.Series(scores["model"], index=ids)
    a = plot_roc(ys, {"model": ps}).get_legend().get_texts()[0].get_text()
    b = plot_roc(ys.sample(frac=1.0, random_state=1), {"model": ps}).get_legend().get_texts()[0].get_text()
    assert a == b


def test_calibration_chart_with_a_bin_of_all_churners():
    # 10 of 10 churned in the top bin: the Wilson bound fell a hair below 1.0 by rounding,
    # and matplotlib refused the negative error bar
    from crmlib.metrics import wilson_interval

    k = np.array([0, 3, 6, 7, 10, 13, 25, 28])
    n = np.array([3, 3, 6, 7, 10, 13, 25, 28])
    low, high = wilson_interval(np.where(k == n, n, 0), n)
    rate = np.where(k == n, 1.0, 0.0)
    assert (low <= rate).all() and (high >= rate).all()
    table = calibration_table([0, 1] * 5 + [1] * 10, [0.5] * 10 + [0.95] * 10, n_bins=2)
    assert table["observed_rate"].iloc[-1] == 1.0
    ax = plot_calibration(table)
    assert len(ax.containers) == 1

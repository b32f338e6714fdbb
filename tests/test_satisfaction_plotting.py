"""Charts: each returns its Axes with title and axis labels, draws what it claims, and
keeps its labels apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlib.plotting import save_figure  # noqa: E402
from crmlib.satisfaction import (  # noqa: E402
    CURVES,
    DEFAULT_ITEMS,
    DriverAnalysis,
    driver_analysis,
    generate_survey,
    loyalty_curve,
    satisfaction_index,
    target_scenarios,
)
from crmlib.satisfaction.plotting import (  # noqa: E402
    label_overlaps,
    plot_curves,
    plot_importance_performance,
    plot_index_distribution,
    plot_loyalty_curve,
    plot_marginal_gains,
    plot_target_scenarios,
)


@pytest.fixture(scope="module")
def curve():
    return loyalty_curve("satisfaction", "loyal", data=generate_survey(3000, seed=0), n_sim=99, n_boot=0)


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_loyalty_curve_chart(curve, tmp_path):
    ax = plot_loyalty_curve(curve)
    _labelled(ax)
    texts = [t.get_text() for t in ax.texts]
    assert any("affection" in t for t in texts) and any("defection" in t for t in texts)
    assert any("knee at 4" in t.get_text() for t in ax.get_legend().get_texts())
    assert [t.get_text() for t in ax.get_xticklabels()][0].startswith("1\nn=")
    assert ax.get_ylim()[0] <= 0 and ax.get_ylim()[1] >= 1
    assert not label_overlaps(ax)
    paths = save_figure(ax, tmp_path / "curve")
    assert all(p.stat().st_size > 0 for p in paths)


def test_loyalty_curve_chart_with_empty_level():
    s = pd.Series([1, 2, 2, 4, 5, 5] * 30)
    y = pd.Series([0, 0, 1, 1, 1, 1] * 30)
    ax = plot_loyalty_curve(loyalty_curve(s, y, empty="keep", n_sim=19, n_boot=0))
    assert "n=0" in [t.get_text() for t in ax.get_xticklabels()][2]


def test_curves_comparison():
    curves = {
        k: loyalty_curve("satisfaction", "loyal", data=generate_survey(2000, curve=k, seed=1), n_sim=99, n_boot=0)
        for k in ("competitive", "protected")
    }
    ax = plot_curves(curves, true_rates={k: CURVES[k].probs for k in curves})
    _labelled(ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "competitive: true curve" in labels and "protected: observed" in labels


def test_marginal_gains_chart_highlights_the_best_step(curve):
    ax = plot_marginal_gains(curve)
    _labelled(ax)
    heights = [p.get_height() for p in ax.patches]
    colours = [p.get_facecolor() for p in ax.patches]
    best = int(np.argmax(curve.marginal_gains()["gain_isotonic"]))
    assert len(heights) == 4 and colours[best] != colours[(best + 1) % 4]


def test_target_scenarios_chart():
    t = target_scenarios(CURVES["xerox"].probs, {"A": [0, 0, 0.2, 0.7, 0.1], "B": [0, 0, 0.2, 0.1, 0.7]})
    ax = plot_target_scenarios(t)
    assert ax.get_title() and ax.get_xlabel()
    assert len(ax.patches) == 4


def test_index_distribution_chart():
    df = generate_survey(2000, items=5, not_applicable_rate=0.05, seed=2)
    si = satisfaction_index(df, [f"item_{i:02d}" for i in range(1, 6)])
    ax = plot_index_distribution(si)
    _labelled(ax)
    assert sum(p.get_height() for p in ax.patches) == si.index.notna().sum()
    assert {t.get_text() for t in ax.texts} == {f"level {k}" for k in range(1, 6)}


def _crowded_drivers() -> DriverAnalysis:
    # 14 items with nearly equal importance and performance: the worst case for labels
    rng = np.random.default_rng(0)
    names = [f"Service item number {i}" for i in range(1, 15)]
    imp = 0.02 + 0.002 * rng.standard_normal(14)
    table = pd.DataFrame(
        {
            "importance": imp, "ci_low": imp - 0.003, "ci_high": imp + 0.003,
            "performance": 3.3 + 0.03 * rng.standard_normal(14),
            "quadrant": "keep up the good work 继续保持",
        },
        index=pd.Index(names, name="item"),
    )
    return DriverAnalysis(table, float(imp.mean()), float(table["performance"].mean()), 1000, 0.8, [], "wald", 0.95,
                          pd.DataFrame())


def test_importance_performance_labels_never_overlap():
    ax = plot_importance_performance(_crowded_drivers())
    _labelled(ax)
    assert not label_overlaps(ax)
    assert sum(1 for t in ax.texts if t.get_text().startswith("Service item")) == 14
    # every label stays inside the axes
    fig = ax.figure
    r = fig.canvas.get_renderer()
    box = ax.get_window_extent(r)
    for t in ax.texts:
        b = t.get_window_extent(r)
        assert box.y0 - 1 <= b.y0 and b.y1 <= box.y1 + 1


def test_importance_performance_on_generated_survey():
    df = generate_survey(3000, items=DEFAULT_ITEMS, seed=4)
    ax = plot_importance_performance(driver_analysis(df, list(DEFAULT_ITEMS), "loyal"))
    assert not label_overlaps(ax)
    quadrant_names = {t.get_text() for t in ax.texts} & {
        "concentrate here 重点改进", "keep up the good work 继续保持", "low priority 次要", "possible overkill 过度投入",
    }
    assert len(quadrant_names) == 4

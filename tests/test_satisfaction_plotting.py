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
    plot_level_differences,
    plot_loyalty_curve,
    plot_target_scenarios,
)


@pytest.fixture(scope="module")
def curve():
    return loyalty_curve("satisfaction", "loyal", data=generate_survey(3000, random_state=0), n_sim=99, n_boot=0)


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
        k: loyalty_curve("satisfaction", "loyal", data=generate_survey(2000, curve=k, random_state=1), n_sim=99, n_boot=0)
        for k in ("competitive", "protected")
    }
    ax = plot_curves(curves, true_rates={k: CURVES[k].probs for k in curves})
    _labelled(ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "competitive: assumed curve (simulation input)" in labels and "protected: observed" in labels


def test_level_differences_chart_highlights_the_steepest_step(curve):
    ax = plot_level_differences(curve)
    _labelled(ax)
    heights = [p.get_height() for p in ax.patches]
    colours = [p.get_facecolor() for p in ax.patches]
    best = int(np.argmax(curve.adjacent_differences()["difference_isotonic"]))
    assert len(heights) == 4 and colours[best] != colours[(best + 1) % 4]
    # associational wording: no "buys", "gain" or "effect" in the title
    assert not any(w in ax.get_title().lower() for w in ("buys", "gain", "effect of"))


def test_target_scenarios_chart():
    t = target_scenarios(CURVES["xerox"].probs, {"A": [0, 0, 0.2, 0.7, 0.1], "B": [0, 0, 0.2, 0.1, 0.7]})
    ax = plot_target_scenarios(t)
    assert ax.get_title() and ax.get_xlabel()
    assert len(ax.patches) == 4


def test_index_distribution_chart():
    df = generate_survey(2000, items=5, not_applicable_rate=0.05, random_state=2)
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
    df = generate_survey(3000, items=DEFAULT_ITEMS, random_state=4)
    ax = plot_importance_performance(driver_analysis(df, list(DEFAULT_ITEMS), "loyal"))
    assert not label_overlaps(ax)
    quadrant_names = {t.get_text() for t in ax.texts} & {
        "concentrate here 重点改进", "keep up the good work 继续保持", "low priority 次要", "possible overkill 过度投入",
    }
    assert len(quadrant_names) == 4


def test_simulated_survey_charts_say_simulated(curve):
    """Issue 9: charts of simulated surveys carried a study's name and no "simulated" label."""
    assert curve.simulated == "simulated, Xerox-like curve (assumed)"
    for ax in (
        plot_loyalty_curve(curve),
        plot_loyalty_curve(curve, title="Xerox: satisfaction and loyalty"),  # a title the user chose
        plot_level_differences(curve),
    ):
        assert "simulated" in ax.get_title().lower()
    ax = plot_loyalty_curve(curve, title="Xerox")
    assert "Xerox-like curve (assumed)" in ax.get_title()
    survey = generate_survey(2000, items=DEFAULT_ITEMS, random_state=0)
    assert "simulated" in plot_index_distribution(satisfaction_index(survey, list(DEFAULT_ITEMS))).get_title()
    da = driver_analysis(survey, list(DEFAULT_ITEMS), "loyal")
    assert "simulated" in plot_importance_performance(da).get_title()
    curves = {"competitive": curve}
    assert "simulated" in plot_curves(curves, title="Two markets").get_title().lower()
    t = target_scenarios(CURVES["xerox"].probs, {"A": [0, 0, 0.2, 0.7, 0.1]})
    assert "hypothetical" in plot_target_scenarios(t).get_title()


def test_real_data_charts_are_not_labelled_simulated():
    s = pd.Series([1, 2, 3, 4, 5] * 40)
    y = pd.Series([0, 0, 1, 1, 1] * 40)
    c = loyalty_curve(s, y, n_sim=19, n_boot=0)
    assert c.simulated is None
    assert "simulated" not in plot_loyalty_curve(c, title="Our customers").get_title().lower()


def test_step_curve_chart_draws_the_knee_at_the_step():
    """Issue 9: the Telco chart drew its knee at 4 although the step is between 2 and 3."""
    s = pd.Series(np.repeat([1, 2, 3, 4, 5], [922, 518, 2665, 1789, 1149]))
    y = pd.Series(np.concatenate([np.zeros(1440), np.ones(2236), np.zeros(429), np.ones(2938)]))
    ax = plot_loyalty_curve(loyalty_curve(s, y, n_sim=99, n_boot=0))
    knee = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text().startswith("knee")]
    assert knee and knee[0].startswith("knee at 2: steepest rise 2 → 3")
    zones = [t.get_text() for t in ax.texts]
    assert not any("indifference" in z for z in zones)


def test_satisfaction_plots_pass_kwargs(curve):
    ax = plot_loyalty_curve(curve, ms=11)
    assert any(line.get_markersize() == 11 for line in ax.lines)
    ax = plot_level_differences(curve, alpha=0.4)
    assert all(p.get_alpha() == 0.4 for p in ax.patches)

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


def _airline_like_drivers() -> DriverAnalysis:
    """The airline survey's map (notebook 04, 20,000-respondent sample): a long label next to
    another item's interval, and two items at almost the same spot."""
    rows = [  # item, importance, ci_low, ci_high (points), performance
        ("Inflight entertainment", 6.42, 5.74, 7.1, 3.35), ("Online boarding", 5.44, 4.94, 5.93, 3.33),
        ("Seat comfort", 1.78, 1.27, 2.28, 3.44), ("Leg room service", 1.09, 0.72, 1.45, 3.36),
        ("Ease of Online booking", 0.7, 0.17, 1.24, 2.88), ("Gate location", 0.33, -0.13, 0.79, 2.97),
        ("Departure/Arrival time convenient", 0.1, -0.41, 0.62, 3.23), ("On-board service", -0.22, -0.63, 0.19, 3.38),
        ("Checkin service", -1.06, -1.42, -0.71, 3.3), ("Food and drink", -2.4, -2.9, -1.9, 3.21),
        ("Inflight wifi service", -2.45, -2.95, -1.94, 2.81), ("Baggage handling", -3.11, -3.62, -2.61, 3.63),
        ("Inflight service", -3.2, -3.71, -2.69, 3.64), ("Cleanliness", -3.23, -3.81, -2.65, 3.29),
    ]
    t = pd.DataFrame(rows, columns=["item", "importance", "ci_low", "ci_high", "performance"]).set_index("item")
    t[["importance", "ci_low", "ci_high"]] /= 100
    t["quadrant"] = "keep up the good work 继续保持"
    return DriverAnalysis(t, float(t["importance"].mean()), float(t["performance"].mean()), 20_000, 0.8, [], "wald",
                          0.95, pd.DataFrame())


def _item_boxes(ax, drivers):
    """Display boxes of the item labels, and of each item's marker and interval."""
    from matplotlib.text import Text

    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    t = drivers.table
    labels = {tx.get_text(): Text.get_window_extent(tx, r) for tx in ax.texts if tx.get_text() in t.index}
    half = 4.0 * fig.dpi / 72  # marker radius (ms=7 pt) and cap half-width (3 pt)
    marks = {}
    for item, row in t.iterrows():
        (x, y0), (_, y1) = ax.transData.transform([(row["performance"], row["ci_low"]), (row["performance"], row["ci_high"])])
        marks[item] = (x - half, y0 - half, x + half, y1 + half)
    return labels, marks


@pytest.mark.parametrize("make", [_airline_like_drivers, _crowded_drivers])
@pytest.mark.parametrize("figsize", [(11, 6.2), (10, 7)])
def test_importance_performance_labels_clear_of_other_items(make, figsize):
    """On the airline survey "Departure/Arrival time convenient" ran across On-board
    service's interval: a label must not cover any item's marker or interval."""
    import matplotlib.pyplot as plt

    drivers = make()
    fig, ax = plt.subplots(figsize=figsize)
    plot_importance_performance(drivers, ax=ax)
    assert not label_overlaps(ax)
    labels, marks = _item_boxes(ax, drivers)
    assert set(labels) == set(drivers.table.index)
    hits = [
        (name, item)
        for name, b in labels.items()
        for item, (x0, y0, x1, y1) in marks.items()
        if b.x0 < x1 and x0 < b.x1 and b.y0 < y1 and y0 < b.y1
    ]
    assert hits == []
    plt.close(fig)


def test_importance_performance_labels_have_a_background():
    """Labels sit on a white box so the cross-hairs and grid lines do not cut through them."""
    ax = plot_importance_performance(_airline_like_drivers())
    items = [t for t in ax.texts if t.get_text() in _airline_like_drivers().table.index]
    assert items and all(t.get_bbox_patch() is not None for t in items)
    assert all(t.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0) for t in items)


def test_target_scenarios_legend_is_next_to_the_plot():
    """On a 16:9 chart the legend sat far below the axis, next to the subtitle."""
    import matplotlib.pyplot as plt

    t = target_scenarios(CURVES["xerox"].probs, {"A": [0.02, 0.03, 0.15, 0.6, 0.2], "B": [0.02, 0.03, 0.15, 0.2, 0.6]})
    for figsize in [(11, 6.2), None]:
        fig, ax = plt.subplots(figsize=figsize) if figsize else (None, None)
        ax = plot_target_scenarios(t, ax=ax)
        fig = ax.figure
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        leg, axes_box = ax.get_legend().get_window_extent(r), ax.get_window_extent(r)
        title = ax.title.get_window_extent(r)
        texts = [ax.xaxis.label.get_window_extent(r), title, *(tx.get_window_extent(r) for tx in ax.texts)]
        assert not any(leg.overlaps(b) for b in texts)
        # within 40 points of the axes' top edge, inside the figure
        assert abs(leg.y0 - axes_box.y1) < 40 * fig.dpi / 72 and leg.y1 <= fig.bbox.y1
        plt.close(fig)

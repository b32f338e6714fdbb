"""Identification charts: the (..., ax=None) -> Axes contract and readable labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from test_identify_lifecycle import CRIT, _log, day
from test_identify_lookalike import TRAIN_END, H, synthetic_log

from crmlib import DataValidationError
from crmlib.identify import (
    LookalikeModel,
    lifecycle_over_time,
    lifecycle_states,
    lift_table,
    transition_matrix,
    value_quadrant,
)
from crmlib.identify.plotting import (
    plot_lifecycle_over_time,
    plot_lifecycle_states,
    plot_lift,
    plot_transition_heatmap,
    plot_value_quadrant,
)


def _no_overlap(labels, axis: str) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_text()]
    lo, hi = ("x0", "x1") if axis == "x" else ("y0", "y1")
    boxes.sort(key=lambda b: getattr(b, lo))
    return all(getattr(a, hi) <= getattr(b, lo) + 0.5 for a, b in zip(boxes, boxes[1:], strict=False))


def test_lifecycle_state_bars():
    st = lifecycle_states(_log(), day(109), **CRIT)
    ax = plot_lifecycle_states(st)
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "first time 初次购买客户"
    assert sum(p.get_width() for p in ax.patches) == len(st)
    assert "as of 2024-04-19" in ax.get_title()
    with pytest.raises(DataValidationError):
        plot_lifecycle_states(pd.DataFrame({"x": [1]}))


def test_transition_heatmap_labels_readable():
    m = transition_matrix(_log(), day(49), day(109), **CRIT)
    ax = plot_transition_heatmap(m)
    ax.figure.canvas.draw()
    assert _no_overlap(ax.get_xticklabels(), "x") and _no_overlap(ax.get_yticklabels(), "y")
    assert ax.get_xlabel() == "state at end" and ax.get_ylabel() == "state at start"
    cells = [t.get_text() for t in ax.texts]
    assert "1\n50%" in cells  # churned -> won back: one of the two churned customers
    assert "2024-02-19 → 2024-04-19" in ax.get_title()


def test_over_time_bars():
    counts = lifecycle_over_time(_log(), [day(49), day(109)], **CRIT)
    ax = plot_lifecycle_over_time(counts)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024-02-19", "2024-04-19"]
    assert ax.get_legend() is not None


def test_value_quadrant_scatter():
    rng = np.random.default_rng(0)
    ids = [f"c{i}" for i in range(300)]
    q = value_quadrant(pd.Series(rng.lognormal(5, 1, 300), index=ids), pd.Series(rng.uniform(-1, 1, 300), index=ids),
                       future_threshold=0)
    ax = plot_value_quadrant(q, current_name="spend (GBP)", future_name="spend trend")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("价值客户" in t for t in legend) and len(legend) == 4
    assert ax.get_xscale() == "log"
    assert sum(int(t.rsplit("(", 1)[1].rstrip(")").replace(",", "")) for t in legend) == 300
    clv_like = value_quadrant(q["current_value"], pd.Series(rng.lognormal(3, 2, 300), index=ids))
    ax = plot_value_quadrant(clv_like, log_y=True, currency="GBP")
    assert ax.get_yscale() == "log" and "(log scale)" in ax.get_ylabel()
    assert ax.xaxis.get_major_formatter()(1500) == "£1.5k"


def test_value_quadrant_trend_does_not_stack_customers_on_the_edges():
    # issue 9: ~40% of the points sat on the lines trend = +1 and trend = -1
    from crmlib.features import spend_trend

    rng = np.random.default_rng(1)
    n = 400
    ids = np.repeat([f"c{i}" for i in range(n)], 2)
    offset = rng.integers(0, 364, 2 * n)  # two purchases each, anywhere in two 182-day windows
    tx = pd.DataFrame({"customer_id": ids, "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(offset, "D"),
                       "amount": rng.lognormal(3, 1, 2 * n)})
    trend = spend_trend(tx, observation_end="2024-12-29", window="182D")
    q = value_quadrant(trend)
    ax = plot_value_quadrant(q, currency="GBP")
    ys = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())])
    both = int(((trend["previous"] > 0) & (trend["recent"] > 0)).sum())
    assert len(ys) == both and both < n  # only customers with spend in both windows are points
    assert not np.isin(ys, [-1.0, 1.0]).any()
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    n_new, n_stopped = int((trend["previous"] == 0).sum()), int((trend["recent"] == 0).sum())
    assert n_new > 0 and n_stopped > 0
    assert f"new 新客户 ({n_new:,}, not drawn" in legend
    stopped_counts = [int(t.split("; ")[1].split(" at -1")[0].replace(",", ""))
                      for t in (x.get_text() for x in ax.get_legend().get_texts()) if "at -1 not drawn" in t]
    assert sum(stopped_counts) == n_stopped
    assert ax.xaxis.get_major_formatter()(2000) == "£2k"


def test_lift_chart():
    log = synthetic_log(n=1200, seed=3)
    ev = LookalikeModel(horizon_days=H, train_end=TRAIN_END).fit(log).evaluate(log)
    ax = plot_lift(ev)
    assert len(ax.patches) == 10
    assert "AUC" in ax.get_title()
    assert ax.get_lines()[-1].get_ydata()[0] == 1.0  # the random baseline
    ax2 = plot_lift(lift_table([1, 0] * 20, np.arange(40.0)))
    assert isinstance(ax2, Axes)
    with pytest.raises(DataValidationError, match="lift table"):
        plot_lift(pd.DataFrame({"x": [1]}))

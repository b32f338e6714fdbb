"""Segment, tier and cluster charts: the (..., ax=None) -> Axes contract, labels, and
11 bilingual segment labels that do not overlap."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from crmlib import DataValidationError
from crmlib.exceptions import NotFittedError
from crmlib.plotting import save_figure
from crmlib.segment import (
    RFMClusters,
    assign_segments,
    compare_clusters,
    concentration,
    rfm_scores,
    segment_profile,
    tier_profile,
    value_tiers,
)
from crmlib.segment.plotting import (
    plot_cluster_profiles,
    plot_cluster_segment_map,
    plot_lorenz,
    plot_rfm_heatmap,
    plot_segment_shares,
    plot_silhouette,
)


@pytest.fixture(scope="module")
def scored() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 800
    last = pd.Timestamp("2024-06-30") - pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    summary = pd.DataFrame(
        {
            "first_purchase": last - pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "last_purchase": last,
            "frequency": rng.poisson(2, n),
            "total_spend": rng.lognormal(4, 1, n).round(2),
        },
        index=pd.Index([f"c{i:03d}" for i in range(n)], name="customer_id"),
    )
    return assign_segments(rfm_scores(summary, observation_end="2024-06-30"))


def _no_overlap(labels) -> bool:
    boxes = sorted((t.get_window_extent() for t in labels if t.get_text()), key=lambda b: b.y0)
    return all(a.y1 <= b.y0 + 0.5 for a, b in zip(boxes, boxes[1:], strict=False))


def test_segment_shares_eleven_bilingual_labels_do_not_overlap(scored, tmp_path):
    prof = segment_profile(scored)
    ax = plot_segment_shares(prof)
    assert isinstance(ax, Axes)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 11 and labels[0] == "Champions 冠军客户" and labels[-1] == "Hibernating 沉睡客户"
    assert _no_overlap(ax.get_yticklabels())
    assert ax.get_title() and ax.get_xlabel()
    assert len(ax.patches) == 22  # two bars per segment
    files = save_figure(ax, tmp_path / "shares")
    assert {".png", ".svg"} <= {f.suffix for f in files} and all(f.stat().st_size > 1000 for f in files)


def test_plots_draw_on_a_given_axes(scored):
    fig, axes = plt.subplots(1, 2)
    assert plot_rfm_heatmap(scored, ax=axes[0]) is axes[0]
    assert plot_lorenz(scored["spend"], ax=axes[1]) is axes[1]


def test_rfm_heatmap_cells(scored):
    ax = plot_rfm_heatmap(scored, currency="GBP")
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 25
    counts = sum(int(t.split("\n")[1].split()[0].replace(",", "")) for t in texts if "\n" in t)
    assert counts == len(scored)
    assert "R score" in ax.get_ylabel() and "F score" in ax.get_xlabel()
    with pytest.raises(DataValidationError, match="plot_rfm_heatmap: column 'R' not found"):
        plot_rfm_heatmap(scored.drop(columns="R"))


def test_lorenz_marks_the_measured_80_20_point(scored):
    conc = concentration(scored["spend"])
    ax = plot_lorenz(conc)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert f"{conc.value_share_of_top:.1%}" in texts and f"{conc.customer_share_for_target:.1%}" in texts
    assert f"Gini {conc.gini:.2f}" in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def test_tier_shares(scored):
    ax = plot_segment_shares(tier_profile(value_tiers(scored["spend"])), title="Tiers")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["key 关键客户", "normal 普通客户", "small 小客户"]
    with pytest.raises(DataValidationError, match="plot_segment_shares: column 'label' not found"):
        plot_segment_shares(pd.DataFrame({"share_customers": [1.0], "share_revenue": [1.0]}))


def test_cluster_plots(scored):
    model = RFMClusters(k_range=(2, 3, 4)).fit(scored)
    ax = plot_silhouette(model)
    assert f"k = {model.n_clusters_}" in ax.get_legend().get_texts()[0].get_text()
    ax = plot_cluster_profiles(model, currency="GBP")
    assert len(ax.get_yticklabels()) == model.n_clusters_
    ax = plot_cluster_segment_map(compare_clusters(model.labels_, scored["segment_label"]))
    ax.figure.canvas.draw()
    assert len(ax.get_yticklabels()) == 11 and _no_overlap(ax.get_yticklabels())
    with pytest.raises(NotFittedError):
        plot_silhouette(RFMClusters())
    with pytest.raises(DataValidationError):
        plot_cluster_segment_map(pd.DataFrame())


def test_plots_take_kwargs_and_use_the_one_money_and_percent_format(scored):
    from crmlib.plotting import format_money

    ax = plot_rfm_heatmap(scored, currency="GBP", cmap="Greens")
    texts = [t.get_text() for t in ax.texts if "\n" in t.get_text()]
    r5f5 = scored[(scored["R"] == 5) & (scored["F"] == 5)]["spend"].mean()
    assert any(t.startswith(format_money(r5f5, "GBP") + "\n") for t in texts)
    cbar_ticks = ax.collections[0].colorbar.ax.yaxis.get_major_formatter()
    assert cbar_ticks(1500) == "£1.5k"
    ax = plot_segment_shares(segment_profile(scored), alpha=0.5)
    assert all(p.get_alpha() == 0.5 for p in ax.patches)
    assert ax.xaxis.get_major_formatter()(0.25) == "25%"
    ax = plot_lorenz(scored["spend"], color="red")
    assert ax.lines[0].get_color() == "red"
    with pytest.raises(DataValidationError, match="currency"):
        plot_rfm_heatmap(scored, currency=3)

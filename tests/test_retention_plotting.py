"""The retention charts draw what they are given and leave rcParams alone."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataValidationError
from crmlib.retention import referral_quadrant, referral_table
from crmlib.retention.plotting import (
    plot_points_distribution,
    plot_profit_lift,
    plot_referral_churn,
    plot_referral_quadrant,
    plot_retention_curves,
    plot_sensitivity,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_sensitivity_marks_each_break_even_on_the_zero_line():
    t = pd.DataFrame({"group": ["a", "a", "b", "b"], "k": [0.0, 0.2, 0.0, 0.2], "gain": [-2.0, 2.0, -1.0, 3.0]})
    before = dict(matplotlib.rcParams)
    ax = plot_sensitivity(t, x="k", y="gain", by="group", break_even={"a": 0.1, "b": float("nan")})
    assert dict(matplotlib.rcParams) == before
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(markers) == 1 and markers[0].get_xydata().tolist() == [[0.1, 0.0]]  # NaN break-even: no marker
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_referral_churn_bars_and_intervals_match_the_table():
    df = pd.DataFrame({"Number of Referrals": [0, 0, 0, 1, 2, 2], "Churn Value": [1, 0, 0, 0, 0, 1],
                       "Total Revenue": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    table = referral_table(df, edges=(0, 1))
    ax = plot_referral_churn(table)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx(table["churn_rate"].tolist())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0\n(n=3)", "1+\n(n=3)"]


def test_quadrant_draws_every_customer_once():
    q = referral_quadrant(pd.Series([1.0, 9.0, 1.0, 9.0, 5.0]), pd.Series([0.0, 0.0, 5.0, 5.0, 1.0]))
    ax = plot_referral_quadrant(q)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(q)
    with pytest.raises(DataValidationError, match="group"):
        plot_referral_quadrant(q.drop(columns="group"))


def test_retention_curves_and_profit_band():
    ax = plot_retention_curves({"A (sBG)": ([1.0, 0.8, 0.7], [1.0, 0.79, 0.69])})
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels == ["A (sBG): observed", "A (sBG): model"]
    t = pd.DataFrame({"share": [0.0, 0.5], "lift": [0.2, 0.6]})
    ax = plot_profit_lift(t, x="share", y="lift", band=(0.25, 0.95))
    band = ax.patches[0].get_extents()
    assert band.height > 0
    assert ax.get_lines()[0].get_ydata().tolist() == [0.2, 0.6]


def test_points_distribution_counts_customers():
    ax = plot_points_distribution(pd.Series(np.arange(1.0, 101.0)), bins=10)
    assert sum(p.get_height() for p in ax.patches) == 100

"""Every CLV chart draws what it claims: the numbers on the Axes are the model's and the
data's, labels carry units, and each returns the Axes (drawing on a given one)."""

from __future__ import annotations

import importlib.resources

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlib.clv import (
    BetaGeo,
    BetaGeoBetaBinom,
    GammaGamma,
    ParetoNBD,
    ShiftedBetaGeometric,
    calibration_summary,
    evaluate_holdout,
)
from crmlib.clv import plotting as P
from crmlib.features import calibration_holdout_split
from crmlib.plotting import save_figure

DATES = {"calibration_end": "1997-09-30", "observation_end": "1998-06-30"}


@pytest.fixture(scope="module")
def setup(cdnow_sample):
    split = calibration_holdout_split(cdnow_sample, time_unit="W", **DATES)
    split.attrs.setdefault("time_unit", "W")  # until calibration_holdout_split records it itself
    cal = calibration_summary(split)
    bg = BetaGeo().fit(cal)
    ev = evaluate_holdout(bg, cdnow_sample, cohort_start="1997-01-01", split=split, **DATES)
    clv = bg.clv(cal, GammaGamma().fit(cal))
    return cal, bg, ev, clv


def _bars(ax):
    return [p.get_height() for p in ax.patches]


def test_period_transactions(setup, tmp_path):
    cal, bg, *_ = setup
    fig, given = plt.subplots()
    ax = P.plot_period_transactions(bg, cal, ax=given)
    assert ax is given
    heights = _bars(ax)
    actual, expected = np.array(heights[:8]), np.array(heights[8:])
    want = np.bincount(np.minimum(cal["frequency"].to_numpy(int), 7), minlength=8)
    np.testing.assert_array_equal(actual, want)
    assert expected.sum() == pytest.approx(len(cal), rel=1e-6)
    assert np.abs(expected - actual).max() < 50  # the model fits CDNOW's histogram closely
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "7+"
    assert ax.get_ylabel() and ax.get_title()
    paths = save_figure(ax, tmp_path / "period")
    assert all(p.stat().st_size > 0 for p in paths)


def test_period_transactions_pareto_and_bgbb(setup):
    cal = setup[0]
    pn = ParetoNBD().fit(cal)
    ax = P.plot_period_transactions(pn, cal)
    assert sum(_bars(ax)[8:]) == pytest.approx(len(cal), rel=1e-5)
    d = pd.read_csv(importlib.resources.files("lifetimes") / "datasets" / "donations.csv").rename(
        columns={"periods": "n_periods"}
    )
    m = BetaGeoBetaBinom().fit(d)
    ax = P.plot_period_transactions(m, d, max_frequency=6)
    heights = _bars(ax)
    assert sum(heights[:7]) == d["weights"].sum()
    assert sum(heights[7:]) == pytest.approx(d["weights"].sum())


def test_calibration_vs_holdout(setup):
    ev = setup[2]
    ax = P.plot_calibration_vs_holdout(ev)
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), ev.by_frequency["actual"])
    np.testing.assert_allclose(lines[1].get_ydata(), ev.by_frequency["predicted"])
    assert "39 weeks" in ax.get_ylabel()


@pytest.mark.parametrize(
    "fn,col",
    [
        ("plot_cumulative_transactions", "cumulative_actual"),
        ("plot_incremental_transactions", "actual"),
    ],
)
def test_tracking(setup, fn, col):
    ev = setup[2]
    ax = getattr(P, fn)(ev)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), ev.tracking[col])
    assert any("end of calibration" in t.get_text() for t in ax.texts)
    marker = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert marker and marker[0].get_xdata()[0] == pytest.approx(39.5)
    assert "1997-01-01" in ax.get_xlabel()


def test_heatmaps(setup):
    bg = setup[1]
    ax = P.plot_frequency_recency_matrix(bg, horizon="4W", max_frequency=10, max_recency=20)
    img = ax.get_images()[0].get_array()
    np.testing.assert_allclose(img, bg.expected_purchases_matrix("4W", 10, 20).to_numpy())
    assert "weeks" in ax.get_ylabel() and "4 weeks" in ax.figure.axes[-1].get_ylabel()
    ax = P.plot_p_alive_matrix(bg)
    img = ax.get_images()[0].get_array()
    assert img.min() >= 0 and img.max() <= 1 and img.shape == bg.p_alive_matrix().shape


def test_p_alive_history_plot(setup, cdnow_sample):
    bg = setup[1]
    dates = cdnow_sample.loc[cdnow_sample["customer_id"] == "00004", "date"]
    h = bg.p_alive_history(dates, observation_end="1998-06-30")
    ax = P.plot_p_alive_history(h, title="Customer 00004")
    assert ax.get_title() == "Customer 00004"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), h["p_alive"])
    assert len(ax.get_lines()) == 1 + int(h["purchase"].sum())


def test_clv_distribution_and_concentration(setup):
    clv = setup[3]
    ax = P.plot_clv_distribution(clv)
    note = ax.texts[0].get_text()
    share = P.top_share(clv, 0.2)
    assert f"Top 20% of customers hold {share:.0%} of value" in note
    # the one home of concentration: the same number as crmlib.segment.concentration
    from crmlib.segment import concentration

    assert share == pytest.approx(concentration(clv["clv"], top=0.2).value_share_of_top, rel=1e-12)
    assert ax.get_xscale() == "log"
    assert sum(_bars(ax)) == (clv["clv"] > 0).sum()
    ax = P.plot_value_concentration(clv)
    y = ax.get_lines()[0].get_ydata()
    assert y[0] == 0 and y[-1] == pytest.approx(1.0)
    assert np.all(np.diff(np.diff(y)) <= 1e-9)  # concave: ranked from the most valuable
    assert P.top_share(np.array([5.0, 1, 1, 1, 1, 1, 0, 0, 0, 0]), 0.1) == pytest.approx(0.5)


def test_retention(setup):
    m = ShiftedBetaGeometric(time_unit="Y").fit([1000, 631, 468, 382, 326, 289, 262, 241])
    ax = P.plot_retention(m, n_periods=12)
    fitted, observed = ax.get_lines()[0], ax.get_lines()[1]
    np.testing.assert_allclose(fitted.get_ydata(), m.survival(np.arange(13)))
    np.testing.assert_allclose(
        observed.get_ydata(), [1, 0.631, 0.468, 0.382, 0.326, 0.289, 0.262, 0.241]
    )
    assert "years" in ax.get_xlabel()


def test_titles_and_money_axis(setup):
    """One plotting signature: title= replaces the default title; currency labels money."""
    cal, bg, ev, clv = setup
    assert P.plot_cumulative_transactions(ev, title="T1").get_title() == "T1"
    assert P.plot_p_alive_matrix(bg, title="T2").get_title() == "T2"
    ax = P.plot_clv_distribution(clv, currency="GBP", title="T3")
    assert ax.get_title() == "T3"
    assert "GBP" in ax.texts[0].get_text() or "£" in ax.texts[0].get_text()

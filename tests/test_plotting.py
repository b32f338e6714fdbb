"""Plotting base: export in several formats, CJK labels, and the data-tour charts."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from crmlib import read_transactions
from crmlib.features import rfm_summary
from crmlib.plotting import get_ax, house_style, save_figure, use_style
from crmlib.plotting.data import (
    plot_exclusions,
    plot_frequency_histogram,
    plot_transactions_over_time,
)


def test_save_figure_writes_each_format(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    paths = save_figure(ax, tmp_path / "sub" / "chart.png", formats=("png", "svg", "pdf"), dpi=50)
    assert [p.name for p in paths] == ["chart.png", "chart.svg", "chart.pdf"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert paths[0].read_bytes()[:4] == b"\x89PNG"


def test_chinese_labels_render_without_missing_glyphs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing" without the font
        ax = get_ax()
        ax.set_title("Champions 冠军客户 / At risk 有流失风险")
        save_figure(ax, tmp_path / "cjk", formats=("png",))


def test_styles_do_not_leak_from_context():
    import matplotlib as mpl

    before = mpl.rcParams["axes.spines.top"]
    with house_style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.spines.top"] == before
    with mpl.rc_context():
        use_style()
        assert mpl.rcParams["axes.spines.top"] is False


def test_get_ax_reuses_given_axes():
    fig, ax = plt.subplots()
    assert get_ax(ax) is ax


@pytest.fixture(scope="module")
def messy():
    import pandas as pd

    raw = pd.DataFrame(
        {
            "c": ["a", "a", "b", None, "c", "c"],
            "d": ["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-20", "2024-03-01", "2024-03-01"],
            "v": [10.0, 20.0, 5.0, 3.0, 0.0, 8.0],
        }
    )
    return read_transactions(raw, customer="c", date="d", amount="v")


def test_plot_exclusions(messy):
    ax = plot_exclusions(messy.report)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "rows in" and labels[-1] == "rows used"
    assert "excluded: no customer id" in labels and "excluded: zero amount" in labels
    widths = [p.get_width() for p in ax.patches]
    assert widths[0] == messy.report.rows_in and widths[-1] == messy.report.rows_used


def test_plot_transactions_over_time(messy):
    ax = plot_transactions_over_time(messy.transactions, freq="M", value="amount", currency="EUR")
    assert ax.get_ylabel() == "revenue per month (EUR)"
    total = sum(p.get_height() for p in ax.patches)
    assert total == pytest.approx(messy.transactions["amount"].sum())
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"first purchases", "repeat purchases"}


def test_plot_frequency_histogram(messy):
    s = rfm_summary(messy.transactions)
    ax = plot_frequency_histogram(s, max_frequency=3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3+"]
    assert sum(p.get_height() for p in ax.patches) == len(s)

"""Plotting base: export in several formats, CJK labels, and the data-tour charts."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest

from crmlib import read_transactions
from crmlib.exceptions import DataValidationError
from crmlib.features import rfm_summary
from crmlib.plotting import (
    format_money,
    format_percent,
    get_ax,
    house_style,
    money_formatter,
    percent_formatter,
    save_figure,
    use_style,
)
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
        with house_style():
            ax = get_ax()
            ax.set_title("Champions 冠军客户 / At risk 有流失风险")
            save_figure(ax, tmp_path / "cjk", formats=("png",))


def test_get_ax_leaves_rcparams_unchanged():
    """The old get_ax appended the CJK font to font.family on every call (global state)."""
    import matplotlib as mpl

    with mpl.rc_context():
        mpl.rcParams["font.family"] = ["serif"]
        before = dict(mpl.rcParams)
        get_ax()
        get_ax(figsize=(3, 2))
        assert dict(mpl.rcParams) == before
    plt.close("all")


@pytest.mark.parametrize(
    ("value", "currency", "decimals", "expected"),
    [
        (1234.5, "GBP", 0, "£1.2k"),
        (3_400_000, "GBP", 0, "£3.4M"),
        (2_500_000_000, "USD", 0, "$2.5B"),
        (-250, "EUR", 0, "-€250"),
        (999_960, None, 0, "1M"),  # rounds up to the next unit, not "1000k"
        (12.5, "$", 2, "$12.50"),
        (80, "JPY", 0, "¥80"),
        (80, "CHF", 0, "CHF 80"),
        (80, "R$", 0, "R$80"),
        (1000, None, 0, "1k"),
        (float("nan"), "GBP", 0, "n/a"),
    ],
)
def test_format_money(value, currency, decimals, expected):
    assert format_money(value, currency, decimals=decimals) == expected


def test_money_formatter_ticks_stay_distinct():
    fmt = money_formatter("GBP")
    assert [fmt(v) for v in (0, 250, 1000, 1250, 1500, 2_000_000)] == [
        "£0", "£250", "£1k", "£1.25k", "£1.5k", "£2M"
    ]
    assert [money_formatter()(v) for v in (0, 0.5, 1)] == ["0", "0.5", "1"]


def test_percent_format_and_formatter():
    assert format_percent(0.25) == "25%"
    assert format_percent(0.1234, decimals=1) == "12.3%"
    assert [percent_formatter()(v) for v in (0, 0.07, 0.125, 1)] == ["0%", "7%", "12.5%", "100%"]


@pytest.mark.parametrize("bad", ["12", True, None])
def test_formatters_refuse_non_numbers(bad):
    with pytest.raises(DataValidationError, match="formats a number"):
        format_money(bad)
    with pytest.raises(DataValidationError, match="formats a number"):
        format_percent(bad)


def test_currency_must_be_text():
    with pytest.raises(DataValidationError, match="currency"):
        format_money(1.0, currency=5)


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


def test_data_plots_take_keyword_options_and_pass_kwargs(messy):
    ax = plot_frequency_histogram(rfm_summary(messy.transactions), max_frequency=3, color="red", title="T")
    assert ax.get_title() == "T"
    assert all(p.get_facecolor()[:3] == (1.0, 0.0, 0.0) for p in ax.patches)
    ax = plot_exclusions(messy, alpha=0.5)  # the whole read_transactions result is accepted
    assert all(p.get_alpha() == 0.5 for p in ax.patches)
    with pytest.raises(TypeError):
        plot_frequency_histogram(rfm_summary(messy.transactions), 3)  # options are keyword-only


def test_revenue_axis_uses_the_money_formatter(messy):
    ax = plot_transactions_over_time(messy.transactions, freq="M", value="amount", currency="GBP")
    assert ax.yaxis.get_major_formatter()(2500) == "£2.5k"


def test_returns_are_not_purchase_days():
    """A return kept by policy is not a purchase (conventions.purchase_mask)."""
    import pandas as pd

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-02"]),
            "amount": [10.0, -5.0, 20.0],
        }
    )
    ax = plot_transactions_over_time(tx, freq="M")
    assert sum(p.get_height() for p in ax.patches) == 2  # two purchase days, not three
    ax = plot_transactions_over_time(tx, freq="M", value="amount")
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"freq": "Q"}, "freq"), ({"value": "revenue"}, "value"), ({"currency": 3}, "currency")],
)
def test_transactions_over_time_refuses_bad_options(messy, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        plot_transactions_over_time(messy.transactions, **kwargs)


def test_frequency_histogram_refuses_bad_input():
    import pandas as pd

    with pytest.raises(DataValidationError, match="frequency"):
        plot_frequency_histogram(pd.DataFrame({"recency": [1.0]}))
    with pytest.raises(DataValidationError, match="frequency"):
        plot_frequency_histogram(pd.DataFrame({"frequency": ["2", "3"]}))
    with pytest.raises(DataValidationError, match="max_frequency"):
        plot_frequency_histogram(pd.DataFrame({"frequency": [1, 2]}), max_frequency="5")


def test_row_share_heatmap_annotates_with_seaborn():
    from crmlib.plotting import row_share_heatmap

    ax = get_ax()
    mesh, totals = row_share_heatmap(ax, [[3, 1], [0, 2]], lambda n, s: f"{int(n)}|{s:.0%}")
    assert totals.tolist() == [4.0, 2.0]
    assert [t.get_text() for t in ax.texts if t.get_text()] == ["3|75%", "1|25%", "2|100%"]
    # colour is the row share: the 100% cell is the top of the scale
    assert mesh.get_array().max() == pytest.approx(1.0) and mesh.norm.vmax == 1
    # seaborn picks readable text: dark on the bright (high) end of viridis, light on the dark end
    colours = {t.get_text(): t.get_color() for t in ax.texts if t.get_text()}
    assert colours["2|100%"] != colours["1|25%"]

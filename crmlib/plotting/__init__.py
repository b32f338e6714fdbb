"""Plotting base: one house style and one way to export figures.

Domain plots live beside their models (``crmlib.clv.plotting``, ``crmlib.segment.plotting``,
...). Every plot function has the form ``plot_x(data, *, ..., ax=None, title=None,
**kwargs) -> Axes`` (``kwargs`` go to the main matplotlib call), uses only ``ax.`` methods
and never calls ``plt.show()``. Money axes use :func:`money_formatter` (``currency`` is an
ISO code or a symbol; None = plain numbers) and axes of fractions :func:`percent_formatter`;
text uses :func:`format_money` and :func:`format_percent`.
"""

from crmlib.plotting._base import (
    CJK_FONT,
    CURRENCY_SYMBOLS,
    PALETTE,
    SEQUENTIAL_CMAP,
    currency_symbol,
    ensure_cjk_font,
    format_money,
    format_percent,
    get_ax,
    house_style,
    money_formatter,
    percent_formatter,
    row_share_heatmap,
    save_figure,
    text_colour_on,
    use_style,
)

__all__ = [
    "CJK_FONT",
    "CURRENCY_SYMBOLS",
    "currency_symbol",
    "ensure_cjk_font",
    "format_money",
    "format_percent",
    "money_formatter",
    "percent_formatter",
    "PALETTE",
    "SEQUENTIAL_CMAP",
    "get_ax",
    "house_style",
    "row_share_heatmap",
    "save_figure",
    "text_colour_on",
    "use_style",
]

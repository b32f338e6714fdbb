"""Plotting base: one house style and one way to export figures.

Domain plots live beside their models (``crmlib.clv.plotting``, ``crmlib.segment.plotting``,
...). Every plot function has the form ``plot_x(result, ..., ax=None) -> Axes``, uses only
``ax.`` methods and never calls ``plt.show()``.
"""

from crmlib.plotting._base import (
    CJK_FONT,
    PALETTE,
    SEQUENTIAL_CMAP,
    ensure_cjk_font,
    format_compact,
    format_thousands,
    get_ax,
    house_style,
    row_share_heatmap,
    save_figure,
    text_colour_on,
    use_style,
)

__all__ = [
    "CJK_FONT",
    "ensure_cjk_font",
    "format_compact",
    "PALETTE",
    "SEQUENTIAL_CMAP",
    "format_thousands",
    "get_ax",
    "house_style",
    "row_share_heatmap",
    "save_figure",
    "text_colour_on",
    "use_style",
]

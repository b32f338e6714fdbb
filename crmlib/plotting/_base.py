"""House style, axes helper and figure export."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # matplotlib is imported lazily so `import crmlib` stays light
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Colour-blind-safe qualitative palette (Okabe & Ito 2008).
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]
SEQUENTIAL_CMAP = "viridis"

_RC: dict[str, Any] = {
    "figure.figsize": (8.0, 5.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "axes.titlesize": 14,
    # regular weight: the CJK fallback font has no bold face, and matplotlib would log a
    # "failed to find font weight bold" line for every title
    "axes.titleweight": "normal",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "svg.fonttype": "path",  # SVGs look the same on machines without the CJK font
}

CJK_FONT = "Noto Sans CJK SC"


def ensure_cjk_font() -> None:
    """Make 中文 labels render: register the Noto Sans CJK font shipped by ``mplfonts``.

    Latin text stays in DejaVu Sans; matplotlib falls back to the CJK font glyph by
    glyph. Called by :func:`use_style` and :func:`house_style`, never at import and
    never per plot.
    """
    import matplotlib as mpl
    from matplotlib import font_manager

    global _CJK_REGISTERED
    if not _CJK_REGISTERED:
        try:
            import importlib.resources

            font = importlib.resources.files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"
            font_manager.fontManager.addfont(str(font))
        except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover
            return  # labels then show boxes for CJK glyphs, and matplotlib warns
        _CJK_REGISTERED = True
    family = list(mpl.rcParams["font.family"])
    if CJK_FONT not in family:
        if family == ["sans-serif"]:
            family = ["DejaVu Sans"]
        mpl.rcParams["font.family"] = [*family, CJK_FONT]


_CJK_REGISTERED = False


def _rc() -> dict[str, Any]:
    from cycler import cycler

    return {
        **_RC,
        "axes.prop_cycle": cycler(color=PALETTE),
        "font.family": ["DejaVu Sans", CJK_FONT],
    }


def use_style() -> None:
    """Apply crmlib's house style to matplotlib for the rest of the session.

    Call it once at the top of a notebook. Importing crmlib never changes global
    matplotlib state; :func:`house_style` is the scoped alternative.
    """
    import matplotlib as mpl

    ensure_cjk_font()
    mpl.rcParams.update(_rc())


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Context manager applying the house style only inside the ``with`` block."""
    import matplotlib as mpl

    ensure_cjk_font()
    with mpl.rc_context(_rc()):
        yield


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None.

    It never changes ``matplotlib.rcParams``: the house style (and the 中文 font
    fallback) is applied once, by :func:`use_style` or inside :func:`house_style`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> before = dict(matplotlib.rcParams)
    >>> ax = get_ax(figsize=(4, 3))
    >>> dict(matplotlib.rcParams) == before
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


#: ISO 4217 codes mapped to the symbol shown on charts. Any other string is a symbol
#: used as given ("R$", "kr"); another three-letter code is shown as a prefix ("CHF 12").
CURRENCY_SYMBOLS: dict[str, str] = {
    "GBP": "£",
    "USD": "$",
    "EUR": "€",
    "CNY": "¥",
    "RMB": "¥",
    "JPY": "¥",
    "INR": "₹",
    "KRW": "₩",
}

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def currency_symbol(currency: str | None) -> str:
    """The prefix that labels money in ``currency`` ("" for None).

    Examples
    --------
    >>> currency_symbol("GBP"), currency_symbol("$"), currency_symbol("CHF"), currency_symbol(None)
    ('£', '$', 'CHF ', '')
    """
    if currency is None:
        return ""
    if not isinstance(currency, str) or not currency.strip():
        from crmlib.exceptions import DataValidationError

        raise DataValidationError(
            f"currency must be an ISO code or a symbol string, got {currency!r}.",
            suggestion='pass e.g. currency="GBP", currency="$", or None for plain numbers.',
        )
    code = currency.strip()
    if code.upper() in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[code.upper()]
    if len(code) == 3 and code.isalpha() and code.isupper():
        return f"{code} "
    return code


def _scalar(value: Any, func: str) -> float:
    """``value`` as a float for a formatter; text and bools are refused, not coerced."""
    import numbers

    import numpy as np

    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        from crmlib.exceptions import DataValidationError

        raise DataValidationError(
            f"{func} formats a number, got {value!r} ({type(value).__name__}).",
            suggestion=f"convert the value first, e.g. {func}(float(x)).",
        )
    return float(value)


def _compact(value: float, decimals: int, compact_decimals: int) -> str:
    """1234 -> "1.2k"; below 1,000 the number with ``decimals`` places and separators."""
    a = abs(value)
    for size, suffix in _SUFFIXES:
        # rounding first, so 999,960 shows as "1M", not "1000k"
        if round(a / size, compact_decimals) >= 1:
            text = f"{a / size:.{compact_decimals}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return text + suffix
    return f"{a:,.{decimals}f}"


def format_money(value: float, currency: str | None = None, decimals: int = 0) -> str:
    """Money as short text: "£1.2k", "£3.4M", "-$250"; the one money format of crmlib.

    Parameters
    ----------
    value : float
        Amount; NaN shows as "n/a".
    currency : str, optional
        ISO code ("GBP", "USD", "EUR", "CNY", "JPY" are shown as their symbol) or a
        symbol used as given ("$", "R$"); None = a plain number.
    decimals : int, default 0
        Decimal places below 1,000; larger amounts are compact with one decimal.

    Returns
    -------
    str

    Examples
    --------
    >>> format_money(1234.5, "GBP"), format_money(3_400_000, "USD"), format_money(-250, "EUR")
    ('£1.2k', '$3.4M', '-€250')
    >>> format_money(12.5, "$", decimals=2), format_money(999_960), format_money(float("nan"))
    ('$12.50', '1M', 'n/a')
    """
    v = _scalar(value, "format_money")
    if v != v:
        return "n/a"
    sign = "-" if v < 0 else ""
    return f"{sign}{currency_symbol(currency)}{_compact(v, decimals, 1)}"


def format_percent(value: float, decimals: int = 0) -> str:
    """A fraction as a percentage: 0.25 -> "25%"; the one percent format of crmlib.

    Examples
    --------
    >>> format_percent(0.25), format_percent(0.1234, decimals=1), format_percent(-0.05)
    ('25%', '12.3%', '-5%')
    """
    v = _scalar(value, "format_percent")
    if v != v:
        return "n/a"
    return f"{v * 100:.{decimals}f}%"


def _tick_text(value: float, decimals: int, text) -> str:
    """Show more decimals when ``decimals`` would make a tick read as its neighbour (0.5 -> 1)."""
    for d in range(decimals, decimals + 3):
        if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value)):
            return text(value, d)
    return text(value, decimals + 2)


def money_formatter(currency: str | None = None, decimals: int = 0):
    """Tick formatter for money axes ("£250k", "£1.5M"); None = plain compact numbers.

    Use it for counts too (``money_formatter()`` labels 250,000 customers "250k").

    Parameters
    ----------
    currency : str, optional
        As in :func:`format_money`.
    decimals : int, default 0
        Decimal places below 1,000 (more when a tick needs them to differ from its
        neighbours).

    Returns
    -------
    matplotlib.ticker.Formatter

    Examples
    --------
    >>> fmt = money_formatter("GBP")
    >>> [fmt(v) for v in (0, 500, 1250, 2_000_000)]
    ['£0', '£500', '£1.25k', '£2M']
    >>> money_formatter()(0.5)
    '0.5'
    """
    from matplotlib.ticker import FuncFormatter

    symbol = currency_symbol(currency)

    def text(v: float, d: int) -> str:
        sign = "-" if v < 0 else ""
        return f"{sign}{symbol}{_compact(v, d, 2)}"

    return FuncFormatter(lambda v, _pos=None: _tick_text(float(v), decimals, text))


def percent_formatter(decimals: int = 0):
    """Tick formatter for axes of fractions: 0.25 -> "25%".

    Examples
    --------
    >>> fmt = percent_formatter()
    >>> [fmt(v) for v in (0, 0.25, 1.0, 0.125)]
    ['0%', '25%', '100%', '12.5%']
    """
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(
        lambda v, _pos=None: _tick_text(float(v) * 100, decimals, lambda p, d: f"{p:.{d}f}%")
    )


def text_colour_on(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (luma rule)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def row_share_heatmap(ax: Axes, counts, label, fontsize: float = 8.5):
    """Draw a count matrix coloured by each row's shares, with a text label per non-zero cell.

    Drawn with seaborn's annotated heatmap, which also picks black or white text for
    each cell. Cell ``(i, j)`` is centred at ``(j + 0.5, i + 0.5)`` (seaborn's grid), so
    set tick positions with ``np.arange(n) + 0.5``. No tick labels are set.

    Parameters
    ----------
    ax : Axes
    counts : array-like, 2-D
        Counts (rows: where customers started or their segment).
    label : callable
        ``label(count, share) -> str`` for a cell's text.
    fontsize : float, default 8.5

    Returns
    -------
    (QuadMesh, ndarray)
        The mesh (for a colorbar) and the row totals.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = get_ax()
    >>> mesh, totals = row_share_heatmap(ax, [[3, 1], [0, 2]], lambda n, s: f"{n:g} ({s:.0%})")
    >>> totals.tolist(), [t.get_text() for t in ax.texts if t.get_text()]
    ([4.0, 2.0], ['3 (75%)', '1 (25%)', '2 (100%)'])
    """
    import numpy as np
    import seaborn as sns

    counts = np.asarray(counts, dtype="float64")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    annot = np.array(
        [["" if c == 0 else label(c, s) for c, s in zip(rc, rs, strict=True)] for rc, rs in zip(counts, shares, strict=True)],
        dtype=object,
    )
    sns.heatmap(shares, annot=annot, fmt="", cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, cbar=False, ax=ax,
                xticklabels=False, yticklabels=False, annot_kws={"fontsize": fontsize})
    ax.grid(False)
    return ax.collections[-1], totals.ravel()


def save_figure(
    fig: Figure | Axes,
    path: str | Path,
    formats: Iterable[str] = ("png", "svg", "pdf"),
    dpi: int = 200,
    *,
    takeaway: str | None = None,
    subtitle: str | None = None,
    source: str | None = None,
) -> list[Path]:
    """Save a figure in several formats at once, with its one-sentence takeaway.

    SVG keeps its text as text (editable in slide software); PNG is for screens, PDF for
    print. The figure stays open, so a notebook still shows it inline once.

    Parameters
    ----------
    fig : Figure or Axes
        The figure to save; an Axes saves its parent figure.
    path : str or Path
        Output path without extension (an extension, if given, is replaced).
        Parent folders are created.
    formats : iterable of str, default ("png", "svg", "pdf")
        File formats understood by matplotlib.
    dpi : int, default 200
        Resolution of raster formats.
    takeaway : str, optional
        One sentence saying what the chart shows; written with the title and subtitle
        to a sidecar ``<name>.json`` that ``crmlib report`` puts under the chart.
    subtitle : str, optional
        Data set and period (e.g. ``"Online Retail, 2010-12-01 to 2011-12-09"``); drawn
        in small grey type at the foot of the figure (once, however often it is saved).
    source : str, optional
        Where the numbers come from (``"UCI Online Retail"``, ``"simulated survey"``);
        drawn after the subtitle as "Source: ...".

    Returns
    -------
    list of Path
        The files written, one per format (the sidecar JSON not included).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> paths = save_figure(fig, "/tmp/crmlib_doctest_line", takeaway="A straight line.")
    >>> [p.suffix for p in paths]
    ['.png', '.svg', '.pdf']
    """
    import json

    import matplotlib as mpl

    for name, text in (("takeaway", takeaway), ("subtitle", subtitle), ("source", source)):
        if text is not None and not isinstance(text, str):
            from crmlib.exceptions import DataValidationError

            raise DataValidationError(
                f"save_figure: {name} must be text, got {text!r} ({type(text).__name__}).",
                suggestion=f'pass {name}="one sentence", or leave it out.',
            )
    figure = fig.get_figure() if hasattr(fig, "get_figure") and not hasattr(fig, "savefig") else fig
    base = Path(path)
    if base.suffix.lower() in {".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps"}:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    caption = " · ".join(t for t in (subtitle, f"Source: {source}" if source else None) if t)
    if caption and getattr(figure, "_crmlib_caption", None) is None:
        # at the foot, outside the axes: bbox_inches="tight" keeps it; drawn once even when
        # the same figure is saved again, so the inline copy shows it once
        figure._crmlib_caption = figure.text(
            0.5, -0.01, caption, ha="center", va="top", fontsize="small", color="0.35"
        )
    written = []
    with mpl.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        for fmt in formats:
            out = base.with_name(f"{base.name}.{fmt.lstrip('.')}")
            figure.savefig(out, dpi=dpi, bbox_inches="tight")
            written.append(out)
    titles = [ax.get_title() for ax in figure.get_axes() if ax.get_title()]
    title = figure._suptitle.get_text() if getattr(figure, "_suptitle", None) else (titles[0] if titles else "")
    meta = {"title": title, "takeaway": takeaway or "", "subtitle": subtitle or "", "source": source or ""}
    base.with_name(f"{base.name}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return written

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
    glyph. Called by :func:`get_ax`, :func:`use_style` and :func:`house_style`, never
    at import.
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
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None."""
    ensure_cjk_font()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def format_thousands(ax: Axes, axis: str = "y") -> Axes:
    """Use thousands separators on an axis's tick labels (1,000,000 not 1e6)."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(fmt)
    return ax


def text_colour_on(rgba) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (luma rule)."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def row_share_heatmap(ax: Axes, counts, label, fontsize: float = 8.5):
    """Draw a count matrix coloured by each row's shares, with a text label per non-zero cell.

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
    (AxesImage, ndarray)
        The image (for a colorbar) and the row totals.
    """
    import numpy as np

    counts = np.asarray(counts, dtype="float64")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    im = ax.imshow(shares, cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
    cmap, norm = im.get_cmap(), im.norm
    for i, j in zip(*np.nonzero(counts), strict=True):
        ax.text(j, i, label(counts[i, j], shares[i, j]), ha="center", va="center", fontsize=fontsize,
                color=text_colour_on(cmap(norm(shares[i, j]))))
    ax.grid(False)
    return im, totals.ravel()


def format_compact(ax: Axes, axis: str = "y") -> Axes:
    """Short tick labels for large numbers (250k, 1.2M) and at most six ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def fmt(v: float, _pos: int) -> str:
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:g}B"
        if a >= 1e6:
            return f"{v / 1e6:g}M"
        if a >= 1e3:
            return f"{v / 1e3:g}k"
        return f"{v:g}"

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(nbins=6))
    target.set_major_formatter(FuncFormatter(fmt))
    return ax


def save_figure(
    fig: Figure | Axes,
    path: str | Path,
    formats: Iterable[str] = ("png", "svg"),
    dpi: int = 200,
) -> list[Path]:
    """Save a figure in several formats at once.

    Parameters
    ----------
    fig : Figure or Axes
        The figure to save; an Axes saves its parent figure.
    path : str or Path
        Output path without extension (an extension, if given, is replaced).
        Parent folders are created.
    formats : iterable of str, default ("png", "svg")
        File formats understood by matplotlib, e.g. "png", "svg", "pdf".
    dpi : int, default 200
        Resolution of raster formats.

    Returns
    -------
    list of Path
        The files written, one per format.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> paths = save_figure(fig, "/tmp/crmlib_doctest_line")
    >>> [p.suffix for p in paths]
    ['.png', '.svg']
    """
    figure = fig.get_figure() if hasattr(fig, "get_figure") and not hasattr(fig, "savefig") else fig
    base = Path(path)
    if base.suffix.lower() in {".png", ".svg", ".pdf", ".jpg", ".jpeg", ".eps"}:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        out = base.with_name(f"{base.name}.{fmt.lstrip('.')}")
        figure.savefig(out, dpi=dpi, bbox_inches="tight")
        written.append(out)
    return written

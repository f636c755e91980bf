"""What every figure shares: colours, a new figure, axes style, colour bars, saving.

Figures are plain :class:`matplotlib.figure.Figure` objects made without
pyplot (no global state, no display needed), so the CLI, the report and the
notebook draw the same figure the same way. Saving goes through
:mod:`detector.files`, so a failed write leaves an existing file whole.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import ProvenanceError
from ..files import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = [
    "GREY",
    "INK",
    "SUSPECT",
    "TOP",
    "colorbar",
    "escape_texts",
    "figure_bytes",
    "new_figure",
    "save_figure",
    "style_axes",
]

INK = "#1f2933"  # text and lines
SUSPECT = "#b2182b"  # the suspect model (red)
TOP = "#2166ac"  # its top candidate (blue)
GREY = "#8a8f98"
FORMATS = ("png", "svg", "pdf")


def escape_texts(fig: Any) -> None:
    """Show every control and bidirectional character of the figure's texts escaped.

    Model names and excerpts come from files that may be hostile: a
    right-to-left override drew ``ember<RLO>evil<CR>13b`` as "emberlive".
    Each :class:`matplotlib.text.Text` of the figure (titles, tick labels,
    annotations, legends) gets :func:`detector.terminal.printable` of its text
    (newlines and tabs kept); escaping twice changes nothing.
    """
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    from ..terminal import printable

    for artist in fig.findobj(Text):
        text = artist.get_text()
        shown = printable(text)
        if shown != text:
            artist.set_text(shown)
    for ax in fig.axes:  # tick labels are set from their formatter when drawn
        for axis in (ax.xaxis, ax.yaxis):
            for formatter in (axis.get_major_formatter(), axis.get_minor_formatter()):
                if isinstance(formatter, FixedFormatter):
                    formatter.seq = [printable(str(t)) for t in formatter.seq]
                elif isinstance(formatter, FuncFormatter) and not getattr(
                    formatter.func, "_escaped", False
                ):  # set_ticklabels(list) makes one
                    formatter.func = _escaping(formatter.func)


def _escaping(func: Any) -> Any:
    """A tick formatting function whose labels are shown escaped."""
    from ..terminal import printable

    def shown(*args: Any, **kwargs: Any) -> str:
        return printable(func(*args, **kwargs))

    shown._escaped = True  # type: ignore[attr-defined]
    return shown


def _safe_figure_class() -> type:
    from matplotlib.figure import Figure

    class SafeFigure(Figure):
        """A figure whose texts are escaped (:func:`escape_texts`) whenever it is drawn."""

        def draw(self, renderer: Any) -> None:
            escape_texts(self)
            super().draw(renderer)

    return SafeFigure


_SAFE_FIGURE: type | None = None


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches with constrained layout (no pyplot).

    Its texts are shown escaped whenever it is drawn (saved, shown in a
    notebook): see :func:`escape_texts`.
    """
    global _SAFE_FIGURE
    if _SAFE_FIGURE is None:
        _SAFE_FIGURE = _safe_figure_class()
    return _SAFE_FIGURE(figsize=(width, height), layout="constrained")


def style_axes(ax: Any) -> None:
    """Open axes (no top or right spine) with small tick labels."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7.5)


def colorbar(fig: Figure, mappable: Any, ax: Any, label: str, shrink: float = 0.7) -> Any:
    """A colour bar drawn as vector patches (matplotlib rasterizes long ones by default)."""
    bar = fig.colorbar(mappable, ax=ax, shrink=shrink, pad=0.02)
    bar.set_label(label, fontsize=7)
    bar.ax.tick_params(labelsize=7)
    if bar.solids is not None:
        bar.solids.set_rasterized(False)
        bar.solids.set_edgecolor("face")  # no hairline seams between the vector patches
    return bar


def highlight_labels(ax: Any, colors: dict[str, str]) -> None:
    """Colour and embolden the tick labels whose text is a key of ``colors``."""
    for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        color = colors.get(tick.get_text())
        if color is not None:
            tick.set_color(color)
            tick.set_fontweight("bold")


def figure_bytes(fig: Figure, fmt: str, *, dpi: int = 150, salt: str = "") -> bytes:
    """The figure as PDF, SVG or PNG bytes, deterministic for the same figure.

    PDF keeps its text as selectable TrueType; SVG keeps text as text
    (searchable, styled by the page's fonts) and uses ``salt`` for its
    element ids, so several SVGs can sit inline in one HTML page.
    """
    import matplotlib

    if fmt not in FORMATS:
        raise ProvenanceError(f"figures are written as .png, .svg or .pdf, not .{fmt}")
    metadata: dict[str, Any] = {
        "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
        "svg": {"Date": None, "Creator": None},
        "png": {"Software": None},
    }[fmt]
    buf = io.BytesIO()
    rc: dict[RcKeyType, Any] = {
        "pdf.fonttype": 42,
        "pdf.compression": 6,
        "svg.fonttype": "none",
        "svg.hashsalt": salt or "provenance",
    }
    escape_texts(fig)  # also for a figure not made by new_figure
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()


def save_figure(
    fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150, force: bool = True
) -> None:
    """Write a figure; the format follows the extension (.png, .svg or .pdf).

    The file is written atomically (:func:`detector.files.atomic_path`): a
    failed write leaves an existing file whole.

    Raises
    ------
    ProvenanceError
        Another extension, or ``path`` exists and ``force`` is False.
    """
    from ..files import check_output_path

    text = os.fspath(path)
    suffix = text.rsplit(".", 1)[-1].lower() if "." in text else ""
    if suffix not in FORMATS:
        raise ProvenanceError(f"{text}: figures are written as .png, .svg or .pdf")
    target = check_output_path(text, force=force, option="figure")
    with atomic_path(target) as tmp:
        tmp.write_bytes(figure_bytes(fig, suffix, dpi=dpi))

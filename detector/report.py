"""PDF reports: one suspect, all the evidence, readable without the tool.

:func:`build_report` answers one question, "did model S learn from (or derive
from) one of these candidates?", in a PDF that an editor, a lawyer or a
review board can read on its own:

title page
    the question, the verdict in one sentence (from
    :func:`~detector.scoring.score`) and the key numbers;
sections (:data:`SECTIONS`)
    data overview; candidate scores with intervals (figure and table);
    evidence per channel; the lineage tree and the distance heatmap; identity
    leaks with quoted excerpts; the words and phrases S and its top candidate
    both over-use, with counts for S, the candidate and the pool of the other
    models; side-by-side answers to the same prompts; the attribution
    confusion matrix (when :mod:`detector.attribution` is available); method
    and limitations in plain words; a reproducibility appendix.

The evidence is computed once (:func:`~detector.evidence.build_evidence`)
and the same :class:`~detector.evidence.Evidence` goes to
:func:`~detector.scoring.score` and :func:`~detector.tree.lineage_tree`, so
the numbers in the PDF are those ``provenance score`` prints for the same
data, parameters and seed.

Rendering
---------
reportlab lays out the text, the tables (real PDF tables whose cells wrap),
the table of contents, the outline (bookmarks) and "Page x of y". Text uses
DejaVu Sans, which ships with matplotlib; a character the font lacks (CJK,
most emoji) is replaced by a visible ``[U+XXXX]`` and never dropped or
allowed to crash the build; ``<``, ``>`` and ``&`` are escaped. Figures are
drawn by matplotlib into in-memory one-page PDFs (TrueType text, so their
labels stay selectable); reportlab leaves an empty box of exactly the
figure's size where each goes and records its page and position, and pypdf
then stamps each figure page into its box. Figures therefore stay vector
graphics: the report contains no raster image.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect as _inspect
import io
import os
import platform
import sys
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as _xml_escape

import numpy as np
import pandas as pd

from .corpus import Corpus, inspect, load_corpus
from .errors import ProvenanceError
from .evidence import Evidence
from .features import Features, parse_channels
from .params import check_alpha, check_seed
from .resolve import resolve_roles, suspect_evidence
from .results import Result
from .scoring import MIN_PROMPTS, ScoreResult, score
from .similarity import SimilarityTensor
from .tree import TreeResult, dendrogram_figure, lineage_tree, method_label

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["SECTIONS", "ReportResult", "build_report"]

SECTIONS = (
    "1. Data overview",
    "2. Candidate scores",
    "3. Evidence per channel",
    "4. Lineage tree and distances",
    "5. Identity leaks",
    "6. Words and phrases both over-use",
    "7. Side-by-side answers",
    "8. Attribution classifier",
    "9. Method and limitations",
    "Appendix: reproducibility",
)

CHANNEL_WORDS = {
    "embedding": "what the answers say and how they phrase it, as a sentence-embedding "
    "model (all-MiniLM-L6-v2 by default) sees them",
    "style": "63 stylometric measurements: sentence length and variety, vocabulary "
    "diversity, function words, punctuation, emoji and discourse markers",
    "lexical": "which words and two- and three-word phrases an answer uses",
    "identity": "how often answers say which vendor's model wrote them",
}

PAGE = (595.2756, 841.8898)  # A4 in points
MARGIN_X = 56.0
MARGIN_TOP = 62.0
MARGIN_BOTTOM = 54.0
FRAME_W = PAGE[0] - 2 * MARGIN_X
FRAME_H = PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM
MAX_FIG_W = FRAME_W / 72  # inches
MAX_FIG_H = (FRAME_H - 190) / 72  # room for a heading, a paragraph and the caption

MIN_EXAMPLE_WORDS = 40  # side-by-side examples: both answers at least this long, when possible
ANSWER_CHARS = 1200
ANSWER_LINES = 30
PROMPT_CHARS = 500
EXCERPTS = 8
SHARED_TERMS = 25

_INK = "#1f2933"
_SUSPECT = "#b2182b"
_TOP = "#2166ac"
_GREY = "#8a8f98"


# ------------------------------------------------------------------- result
@dataclass
class ReportResult(Result):
    """What :func:`build_report` wrote and what it was based on.

    Attributes
    ----------
    path : pathlib.Path
        The PDF written.
    pages : int
        Number of pages.
    score : ScoreResult
        The scores shown (the numbers in the PDF come from it).
    tree : TreeResult or None
        The lineage tree shown (None when it could not be built).
    sections : list of str
        Section titles, in order (:data:`SECTIONS`).
    timings : dict of str to float
        Seconds per step (``evidence``, ``score``, ``tree``, ``lexical``,
        ``identity``, ``attribution``, ``figures``, ``pdf``, ``total``).
    notes : list of str
        Sections that are unavailable or shortened, and why.
    attribution : detector.attribution.Evaluation or None
        The attribution classifier's held-out evaluation shown (None when
        unavailable or switched off).
    """

    path: Path
    pages: int
    score: ScoreResult
    tree: TreeResult | None
    sections: list[str]
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)
    attribution: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "pages": self.pages,
            "sections": list(self.sections),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "notes": list(self.notes),
            "score": self.score.to_dict(),
            "tree_newick": self.tree.newick if self.tree is not None else None,
            "attribution_accuracy": (
                float(self.attribution.accuracy) if self.attribution is not None else None
            ),
        }

    def to_text(self) -> str:
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items() if k != "total")
        lines = [
            f"wrote {self.path}: {self.pages} pages in {self.timings.get('total', 0.0):.1f} s",
            f"steps: {steps}",
            "",
            self.score.to_text(),
        ]
        if self.attribution is not None:
            lines.append(f"attribution classifier: {_attribution_summary(self.attribution)}")
        lines += [f"report note: {n}" for n in self.notes]
        return "\n".join(lines)


# -------------------------------------------------------------------- fonts
@dataclass(frozen=True)
class _Fonts:
    """Registered reportlab font names and the characters the regular face covers."""

    regular: str
    bold: str
    italic: str
    mono: str
    covered: frozenset[int]

    def clean(self, text: Any) -> str:
        """Plain text the font can show: unknown characters become ``[U+XXXX]``.

        Tabs become four spaces, ``\\r`` is dropped; other control characters,
        lone surrogates and characters outside the font get the placeholder,
        so nothing vanishes silently and nothing crashes the PDF writer.
        """
        s = "" if text is None else str(text)
        if s.isascii() and s.isprintable():
            return s
        out = []
        for ch in s.replace("\r\n", "\n").replace("\t", "    "):
            code = ord(ch)
            if ch == "\n":
                out.append(ch)
            elif ch == "\r":
                continue
            elif unicodedata.category(ch) in ("Cc", "Cs") or code not in self.covered:
                out.append(f"[U+{code:04X}]")
            else:
                out.append(ch)
        return "".join(out)

    def markup(self, text: Any, *, newlines: bool = True) -> str:
        """Paragraph markup of plain text: cleaned, escaped, line breaks kept."""
        s = _xml_escape(self.clean(text))
        if not newlines:
            return " ".join(s.split())
        lines = []
        for line in s.split("\n"):
            stripped = line.lstrip(" ")
            lines.append("&nbsp;" * (len(line) - len(stripped)) + stripped)
        return "<br/>".join(lines)


@functools.lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    """Register DejaVu Sans (from matplotlib's data) once; Helvetica if it is missing."""
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    files = {
        "ProvSans": "DejaVuSans.ttf",
        "ProvSans-Bold": "DejaVuSans-Bold.ttf",
        "ProvSans-Oblique": "DejaVuSans-Oblique.ttf",
        "ProvSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
        "ProvMono": "DejaVuSansMono.ttf",
    }
    try:
        faces = {name: TTFont(name, str(folder / file)) for name, file in files.items()}
    except Exception:  # font files absent or unreadable: Latin-1 fallback, still no crash
        covered = frozenset(
            c for c in range(0x20, 0x2500) if _encodable(chr(c), "cp1252") and c != 0x7F
        )
        return _Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Courier", covered)
    for face in faces.values():
        pdfmetrics.registerFont(face)
    pdfmetrics.registerFontFamily(
        "ProvSans",
        normal="ProvSans",
        bold="ProvSans-Bold",
        italic="ProvSans-Oblique",
        boldItalic="ProvSans-BoldOblique",
    )
    regular = set(faces["ProvSans"].face.charToGlyph)
    bold = set(faces["ProvSans-Bold"].face.charToGlyph)
    # only characters every face used for prose has (bold is a slightly smaller set)
    covered = frozenset(c for c in regular & bold if c >= 0x20)
    return _Fonts("ProvSans", "ProvSans-Bold", "ProvSans-Oblique", "ProvMono", covered)


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------- small helpers
def _truncate(text: str, chars: int, lines: int | None = None) -> str:
    """Cut ``text`` to ``chars`` characters (and ``lines`` lines), saying how much was cut."""
    cut = text
    if lines is not None:
        parts = cut.split("\n")
        if len(parts) > lines:
            cut = "\n".join(parts[:lines])
    if len(cut) > chars:
        space = cut.rfind(" ", int(chars * 0.8), chars)
        cut = cut[: space if space > 0 else chars]
    if len(cut) < len(text):
        return cut.rstrip() + f" [... {len(text) - len(cut):,} more characters]"
    return text


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def _fmt_p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.2g}"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _names(models: list[str], limit: int = 8) -> str:
    if len(models) <= limit:
        return ", ".join(models)
    return ", ".join(models[:limit]) + f" and {len(models) - limit} more"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    out = {"provenance (detector)": __version__, "python": platform.python_version()}
    for dist in (
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "matplotlib",
        "reportlab",
        "pypdf",
        "sentence-transformers",
        "torch",
        "wordfreq",
    ):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


# ------------------------------------------------------------------ figures
def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _fit_figure(fig: Figure, max_w: float = MAX_FIG_W, max_h: float = MAX_FIG_H) -> Figure:
    """Shrink a figure's canvas to the page (fonts keep their size; the layout reflows)."""
    w, h = fig.get_size_inches()
    fig.set_size_inches(min(w, max_w), min(h, max_h))
    return fig


def _figure_pdf(fig: Figure) -> tuple[bytes, float, float]:
    """One-page vector PDF of a figure, with its size in points."""
    import matplotlib

    buf = io.BytesIO()
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "pdf.compression": 6}),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig.savefig(buf, format="pdf", metadata={"Creator": None, "Producer": None})
    w, h = fig.get_size_inches()
    return buf.getvalue(), float(w * 72), float(h * 72)


def _style_axes(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7.5)


def _colorbar(fig: Figure, mappable: Any, ax: Any, label: str, shrink: float) -> None:
    """A colour bar drawn as vector patches (matplotlib rasterizes long ones by default)."""
    bar = fig.colorbar(mappable, ax=ax, shrink=shrink, pad=0.02)
    bar.set_label(label, fontsize=7)
    bar.ax.tick_params(labelsize=7)
    if bar.solids is not None:
        bar.solids.set_rasterized(False)
        bar.solids.set_edgecolor("face")  # no hairline seams between the vector patches


def _lengths_figure(
    corpus: Corpus, order: list[str], suspect: str, top: str, fonts: _Fonts
) -> Figure:
    words = corpus.df.assign(words=corpus.df["output"].str.split().str.len())
    groups = [words.loc[words["model"] == m, "words"].to_numpy() for m in order]
    fig = _new_figure(MAX_FIG_W, min(MAX_FIG_H, 0.9 + 0.19 * len(order)))
    ax = fig.add_subplot()
    import matplotlib.axes

    horizontal = (
        {"orientation": "horizontal"}
        if "orientation" in _inspect.signature(matplotlib.axes.Axes.boxplot).parameters
        else {"vert": False}
    )
    box = ax.boxplot(
        groups,
        widths=0.6,
        **horizontal,
        showfliers=False,
        patch_artist=True,
        medianprops={"color": _INK},
    )
    for patch, m in zip(box["boxes"], order, strict=True):
        color = _SUSPECT if m == suspect else _TOP if m == top else "#d5d8dc"
        patch.set_facecolor(color)
        patch.set_alpha(0.85 if m in (suspect, top) else 1.0)
    ax.set_yticks(range(1, len(order) + 1))
    ax.set_yticklabels([fonts.clean(m) for m in order], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("words per answer (box: middle half of the answers, line: median)", fontsize=8)
    _style_axes(ax)
    return fig


def _scores_figure(result: ScoreResult, fonts: _Fonts, max_rows: int = 30) -> Figure:
    cands = result.candidates[:max_rows]
    n = len(cands)
    fig = _new_figure(MAX_FIG_W, min(MAX_FIG_H, 1.1 + 0.24 * n))
    ax = fig.add_subplot()
    y = np.arange(n)
    for k, c in enumerate(cands):
        color = _SUSPECT if c.related else _GREY
        ax.plot(c.ci, [k, k], color=color, lw=2.2, solid_capstyle="butt", alpha=0.8)
        ax.plot([c.score], [k], "o", color=color, ms=5, mec="white", mew=0.6, zorder=3)
    calibrated = any(c.p_value is not None for c in cands)
    if calibrated:
        ax.axvline(0.5, color="0.55", lw=0.8, ls=":")
        ax.text(0.5, -0.9, "typical unrelated model", fontsize=6.5, color="0.4", ha="center")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{c.rank}. {fonts.clean(c.model)}" for c in cands], fontsize=7.5)
    ax.set_ylim(n - 0.4, -1.4)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(
        "score (dot) and 95% interval from resampling prompts; red: related after Holm correction"
        if calibrated
        else "uncalibrated score: affinity rescaled to [0, 1] (no p-values)",
        fontsize=8,
    )
    _style_axes(ax)
    ax.grid(axis="x", color="0.92", lw=0.6)
    ax.set_axisbelow(True)
    return fig


def _channels_figure(result: ScoreResult, fonts: _Fonts, max_rows: int = 15) -> Figure:
    import matplotlib

    cands = result.candidates[:max_rows]
    names = list(cands[0].channels) if cands else []
    cols = names + ["combined"]
    z = np.array([[c.channels.get(k, np.nan) for k in names] + [c.z] for c in cands])
    fig = _new_figure(min(MAX_FIG_W, 2.6 + 0.95 * len(cols)), 1.0 + 0.26 * len(cands))
    ax = fig.add_subplot()
    lim = max(3.0, float(np.nanmax(np.abs(z))) if z.size else 3.0)
    lim = min(lim, 8.0)
    mesh = ax.pcolormesh(
        np.clip(z, -lim, lim),
        cmap=matplotlib.colormaps["RdBu_r"],
        vmin=-lim,
        vmax=lim,
        edgecolors="white",
        linewidth=0.8,
    )
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j]
            if np.isfinite(v):
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"{v:.1f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if abs(v) > 0.6 * lim else _INK,
                )
    ax.set_xticks(np.arange(len(cols)) + 0.5)
    ax.set_xticklabels(cols, fontsize=7.5)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(cands)) + 0.5)
    ax.set_yticklabels([f"{c.rank}. {fonts.clean(c.model)}" for c in cands], fontsize=7.5)
    ax.invert_yaxis()
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    _colorbar(fig, mesh, ax, "z: standard deviations above unrelated models", 0.7)
    return fig


def _heatmap_figure(tree: TreeResult, suspect: str, top: str, fonts: _Fonts) -> Figure:
    """Distance heatmap in tree order, drawn as vector cells (pcolormesh)."""
    order = list(tree.leaf_order)
    d = tree.distances.loc[order, order].to_numpy()
    n = len(order)
    side = min(MAX_FIG_W - 0.9, max(3.4, 0.17 * n + 2.2))
    fig = _new_figure(side + 0.9, side)
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(d, cmap="viridis_r", edgecolors="face", linewidth=0.0)
    if n <= 14:
        hi = float(d.max()) if d.size else 1.0
        for i in range(n):
            for j in range(n):
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"{d[i, j]:.1f}",
                    ha="center",
                    va="center",
                    fontsize=6,
                    color=_INK if d[i, j] < 0.55 * hi else "white",
                )
    fs = 7.5 if n <= 20 else 6 if n <= 45 else 4.5
    labels = [fonts.clean(m) for m in order]
    ax.set_xticks(np.arange(n) + 0.5)
    ax.set_xticklabels(labels, rotation=90, fontsize=fs)
    ax.set_yticks(np.arange(n) + 0.5)
    ax.set_yticklabels(labels, fontsize=fs)
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        for t, m in zip(ticks, order, strict=True):
            if m in (suspect, top):
                t.set_color(_SUSPECT if m == suspect else _TOP)
                t.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.tick_params(length=0)
    _colorbar(fig, mesh, ax, "distance (SD of between-model affinity); 0 = closest pair", 0.6)
    return fig


def _tree_figure(tree: TreeResult, suspect: str, top: str, fonts: _Fonts) -> Figure:
    labels = {m: fonts.clean(m) for m in tree.models}
    labels[suspect] = labels[suspect] + "  \u25c0 suspect"
    if top in labels and top != suspect:
        labels[top] = labels[top] + "  \u25c0 top candidate"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig = dendrogram_figure(
            tree,
            leaf_labels=labels,
            title=f"{method_label(tree.method)} of {len(tree.models)} models; node labels: share of "
            f"{tree.n_bootstrap} prompt resamplings that give the same group",
        )
    _fit_figure(fig)
    for ax in fig.axes:  # the narrower page needs a shorter axis label
        ax.set_xlabel(
            "longest path from a join to its leaves (SD of between-model affinity)"
            if tree.method == "nj"
            else "distance at which groups join (SD of between-model affinity)",
            fontsize=7.5,
        )
    return fig


# -------------------------------------------------------------- PDF layout
def _styles(fonts: _Fonts) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink = colors.HexColor(_INK)
    base = ParagraphStyle("body", fontName=fonts.regular, fontSize=9.5, leading=13.2, textColor=ink)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.6, leading=9.6),
        "cellb": ParagraphStyle(
            "cellb", parent=base, fontSize=7.6, leading=9.6, fontName=fonts.bold
        ),
        "answer": ParagraphStyle("answer", parent=base, fontSize=7.2, leading=9.0),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontSize=8,
            leading=10.5,
            textColor=colors.HexColor("#4a5560"),
            spaceBefore=3,
            spaceAfter=10,
        ),
        "h1": ParagraphStyle(
            "h1", parent=base, fontName=fonts.bold, fontSize=15, leading=19, spaceAfter=8
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=fonts.bold,
            fontSize=10.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "title": ParagraphStyle(
            "title", parent=base, fontName=fonts.bold, fontSize=21, leading=26, spaceAfter=10
        ),
        "kicker": ParagraphStyle(
            "kicker",
            parent=base,
            fontName=fonts.bold,
            fontSize=9,
            textColor=colors.HexColor("#6b7580"),
            spaceAfter=18,
        ),
        "verdict": ParagraphStyle(
            "verdict", parent=base, fontName=fonts.bold, fontSize=12, leading=16.5
        ),
        "toc0": ParagraphStyle(
            "toc0", parent=base, fontSize=10.5, leading=17, leftIndent=10, firstLineIndent=-10
        ),
    }


def _make_doc(buf: io.BytesIO, meta: dict[str, str], fonts: _Fonts, head: tuple[str, str]) -> Any:
    """The document: one frame per A4 page, header and "Page x of y" after the title page.

    The page count of a pass is only known at its end, so the build is
    satisfied (besides the table of contents) only once a pass was drawn with
    the count of the pass before it.
    """
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    class Doc(BaseDocTemplate):
        total: int | None = None

        def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 (reportlab API)
            level = getattr(flowable, "_toc_level", None)
            if level is None or not isinstance(flowable, Paragraph):
                return
            text = flowable.getPlainText()
            key = flowable._toc_key
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=False)
            self.notify("TOCEntry", (level, text, self.page, key))

        def _allSatisfied(self) -> bool:  # noqa: N802 (reportlab API)
            drawn_with, self.total = self.total, self.page
            return bool(super()._allSatisfied()) and drawn_with == self.page

    def decorate(canv: Any, doc: Any) -> None:
        if doc.page == 1:
            return
        w, h = PAGE
        canv.saveState()
        canv.setFillColorRGB(0.42, 0.46, 0.5)
        canv.setFont(fonts.regular, 7.5)
        canv.drawString(MARGIN_X, h - 36, head[0])
        canv.drawRightString(w - MARGIN_X, h - 36, head[1])
        canv.setStrokeColorRGB(0.85, 0.87, 0.89)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, h - 41, w - MARGIN_X, h - 41)
        canv.setFont(fonts.regular, 8)
        canv.drawCentredString(w / 2, 30, f"Page {doc.page} of {doc.total or doc.page}")
        canv.restoreState()

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, FRAME_H, 0, 0, 0, 0, id="body")
    doc = Doc(
        buf,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=meta.get("title", ""),
        author=meta.get("author", ""),
        subject=meta.get("subject", ""),
        creator=meta.get("creator", ""),
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    return doc


class _Builder:
    """Collects flowables, figure slots and figure PDFs for one report."""

    def __init__(self, fonts: _Fonts) -> None:
        from reportlab.lib import colors

        self.fonts = fonts
        self.st = _styles(fonts)
        self.story: list[Any] = []
        self.figures: dict[str, tuple[bytes, float, float]] = {}
        self.slots: dict[str, tuple[int, float, float]] = {}
        self.colors = colors
        self._n_headings = 0

    # text
    def p(self, markup: str, style: str = "body") -> Any:
        from reportlab.platypus import Paragraph

        para = Paragraph(markup, self.st[style])
        self.story.append(para)
        return para

    def text(self, plain: Any, style: str = "body") -> Any:
        return self.p(self.fonts.markup(plain), style)

    def heading(self, title: str, level: int = 0) -> None:
        from reportlab.platypus import CondPageBreak, Paragraph

        self._n_headings += 1
        para = Paragraph(self.fonts.markup(title), self.st["h1" if level == 0 else "h2"])
        para._toc_level = level
        para._toc_key = f"sec{self._n_headings}"
        if level > 0:
            self.story.append(CondPageBreak(90))
        self.story.append(para)

    def keep_together(self, start: int) -> None:
        """Keep the flowables added since ``start`` on one page when they fit."""
        from reportlab.platypus import KeepTogether

        self.story[start:] = [KeepTogether(self.story[start:])]

    def space(self, points: float = 6) -> None:
        from reportlab.platypus import Spacer

        self.story.append(Spacer(1, points))

    def page_break(self) -> None:
        from reportlab.platypus import PageBreak

        self.story.append(PageBreak())

    # tables
    def table(
        self,
        header: list[str] | None,
        rows: list[list[Any]],
        widths: list[float],
        *,
        align_right: tuple[int, ...] = (),
        highlight: dict[int, str] | None = None,
        mono_cols: tuple[int, ...] = (),
    ) -> None:
        """A real PDF table; cells are wrapped paragraphs; the header repeats on each page."""
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph, Table, TableStyle

        cell, cellb = self.st["cell"], self.st["cellb"]
        right = ParagraphStyle("cellr", parent=cell, alignment=2)
        mono = ParagraphStyle("cellm", parent=cell, fontName=self.fonts.mono, fontSize=7)

        def wrap(value: Any, col: int, head: bool = False) -> Any:
            if isinstance(value, Paragraph):
                return value
            style = cellb if head else right if col in align_right else cell
            if col in mono_cols and not head:
                style = mono
            return Paragraph(self.fonts.markup(value, newlines=True), style)

        total = sum(widths)
        col_w = [w * FRAME_W / total for w in widths]
        data = [[wrap(h, j, True) for j, h in enumerate(header)]] if header is not None else []
        data += [[wrap(v, j) for j, v in enumerate(r)] for r in rows]
        first = 1 if header is not None else 0
        style = [
            ("LINEBELOW", (0, first), (-1, -1), 0.25, self.colors.HexColor("#d9dee3")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if header is not None:
            style += [
                ("BACKGROUND", (0, 0), (-1, 0), self.colors.HexColor("#e8ecf0")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, self.colors.HexColor("#9aa5b1")),
            ]
        for row, color in (highlight or {}).items():
            style.append(
                ("BACKGROUND", (0, row + first), (-1, row + first), self.colors.HexColor(color))
            )
        t = Table(data, colWidths=col_w, repeatRows=first, splitInRow=1, hAlign="LEFT")
        t.setStyle(TableStyle(style))
        self.story.append(t)
        self.space(6)

    def box(self, markup: str, style: str = "body", color: str = "#f3f5f7") -> None:
        from reportlab.platypus import Paragraph, Table, TableStyle

        t = Table([[Paragraph(markup, self.st[style])]], colWidths=[FRAME_W])
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), self.colors.HexColor(color)),
                    ("BOX", (0, 0), (-1, -1), 0.6, self.colors.HexColor("#c4ccd4")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        self.story.append(t)
        self.space(8)

    # figures
    def figure(self, key: str, fig: Figure, caption: str) -> None:
        """Reserve a box for a vector figure (stamped in after layout) with its caption."""
        from reportlab.platypus import Flowable, KeepTogether, Paragraph

        data, w, h = _figure_pdf(fig)
        self.figures[key] = (data, w, h)
        slots = self.slots

        class FigureSlot(Flowable):
            def wrap(self, aw: float, ah: float) -> tuple[float, float]:
                return w, h

            def draw(self) -> None:
                x, y = self.canv.absolutePosition(0, 0)
                slots[key] = (self.canv.getPageNumber(), float(x), float(y))

        slot = FigureSlot()
        slot.hAlign = "CENTER"
        self.story.append(
            KeepTogether([slot, Paragraph(self.fonts.markup(caption), self.st["caption"])])
        )

    # output
    def build(self, meta: dict[str, str], header_left: str, header_right: str) -> bytes:
        from reportlab.platypus.tableofcontents import TableOfContents

        for flowable in self.story:
            if isinstance(flowable, TableOfContents):
                flowable.levelStyles = [self.st["toc0"], self.st["small"]]
        buf = io.BytesIO()
        head = (self.fonts.clean(header_left), self.fonts.clean(header_right))
        doc = _make_doc(buf, meta, self.fonts, head)
        doc.multiBuild(self.story, maxPasses=8)
        return buf.getvalue()


def _stamp_figures(body: bytes, builder: _Builder, out: Path) -> int:
    """Stamp every figure PDF into its box; write ``out`` atomically; return the page count."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    missing = sorted(set(builder.figures) - set(builder.slots))
    if missing:  # a slot that was never drawn is a layout bug, not bad input
        raise RuntimeError(f"figures not placed: {', '.join(missing)}")
    for key, (page_no, x, y) in builder.slots.items():
        fig_page = PdfReader(io.BytesIO(builder.figures[key][0])).pages[0]
        writer.pages[page_no - 1].merge_transformed_page(fig_page, Transformation().translate(x, y))
    for page in writer.pages:
        page.compress_content_streams()
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            writer.write(fh)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(writer.pages)


# ------------------------------------------------------------ the evidence
def _per_prompt_similarity(evidence: Evidence, a: str, b: str) -> pd.Series:
    """Reliability-weighted, standardized similarity of two models on each prompt."""
    ia, ib = (int(i) for i in evidence.index([a, b]))
    total = np.zeros(evidence.n_prompts)
    both = np.ones(evidence.n_prompts, dtype=bool)
    used = False
    for name, ch in evidence.channels.items():
        w = evidence.weights.get(name, 0.0)
        if not isinstance(ch, SimilarityTensor) or w <= 0:
            continue
        mean, sd = evidence.scales[name]
        total += w * (ch.sims[:, ia, ib].astype(np.float64) - mean) / sd
        both &= ch.pair_mask[:, ia, ib]
        used = True
    if not used:
        return pd.Series(dtype=float)
    return pd.Series(total[both], index=np.asarray(evidence.prompt_ids)[both])


MAX_ATTRIBUTION_MODELS = 12


def _attribution_models(result: ScoreResult) -> list[str]:
    """The suspect, its six best candidates and models spread over the rest (12 at most)."""
    ranked = [c.model for c in result.candidates] + sorted(result.reference)
    if len(ranked) + 1 <= MAX_ATTRIBUTION_MODELS:
        return [result.suspect] + ranked
    head, rest = ranked[:6], ranked[6:]
    k = MAX_ATTRIBUTION_MODELS - 1 - len(head)
    spread = [rest[int(i)] for i in np.linspace(0, len(rest) - 1, k).round()]
    return [result.suspect] + head + list(dict.fromkeys(spread))


def _attribution_data(
    features: Features, models: list[str], max_prompts: int | None, seed: int
) -> Features:
    """Features of ``models`` on at most ``max_prompts`` of the suspect's prompts (seeded)."""
    import scipy.sparse as sp

    df = features.corpus.df
    keep = df["model"].isin(models).to_numpy().copy()
    prompts = sorted(df.loc[df["model"] == models[0], "prompt_id"].unique())
    if max_prompts is not None and len(prompts) > max_prompts:
        rng = np.random.default_rng(seed)
        prompts = sorted(rng.choice(prompts, size=max_prompts, replace=False).tolist())
    keep &= df["prompt_id"].isin(set(prompts)).to_numpy()
    rows = np.flatnonzero(keep)
    corpus = Corpus(df.iloc[rows].reset_index(drop=True), features.corpus.source, [])
    matrices = {
        c: (sp.csr_matrix(m)[rows] if sp.issparse(m) else np.asarray(m)[rows])
        for c, m in features.matrices.items()
        if c != "lexical"  # the classifier counts its own n-grams
    }
    return Features(corpus, matrices, {c: list(features.names[c]) for c in matrices})


def _attribution(
    features: Features,
    models: list[str],
    max_prompts: int | None,
    seed: int,
    feature_kwargs: dict[str, Any],
) -> tuple[Any, str]:
    """Train the attribution classifier of :mod:`detector.attribution` on ``models``.

    ``models[0]`` is the suspect; at most ``max_prompts`` of its prompts are
    used (seeded sample), which bounds the training time on large corpora.
    Returns the evaluation (None when unavailable) and a note on what
    happened. That module is developed separately: if it cannot be imported
    or its training fails, the section says so and the report goes on.
    """
    try:
        from .attribution import train
    except Exception as exc:  # not there, or broken: the report goes on without it
        return None, f"detector.attribution could not be imported ({type(exc).__name__})"
    data = _attribution_data(features, models, max_prompts, seed)
    kwargs = {
        k: v
        for k, v in feature_kwargs.items()
        if k in ("embedding_model", "precision", "cache_dir", "use_cache") and v is not None
    }
    try:
        _, evaluation = train(data, seed=seed, progress=False, **kwargs)
        np.asarray(evaluation.confusion, dtype=float).reshape(len(evaluation.models), -1)
        float(evaluation.accuracy)
    except Exception as exc:  # a module developed separately must not sink the report
        return None, f"the attribution classifier failed ({type(exc).__name__}: {exc})"
    return evaluation, "attribution classifier trained"


def _attribution_summary(evaluation: Any) -> str:
    """One line on the attribution classifier's held-out evaluation."""
    return (
        f"held-out accuracy {float(evaluation.accuracy):.1%} over {len(evaluation.models)} "
        f"models (chance {float(evaluation.chance):.1%}, {evaluation.n_prompts} prompts)"
    )


def _confusion_figure(evaluation: Any, suspect: str, top: str, fonts: _Fonts) -> Figure:
    """Held-out confusion matrix, rows normalized, drawn as vector cells with counts."""
    import matplotlib

    models = list(evaluation.models)
    cm = np.asarray(evaluation.confusion, dtype=float)
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    n = len(models)
    side = min(MAX_FIG_W - 1.0, max(3.6, 0.36 * n + 2.2))
    fig = _new_figure(side + 1.0, side)
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(
        share, cmap=matplotlib.colormaps["Blues"], vmin=0, vmax=1, edgecolors="white", lw=0.5
    )
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    f"{int(cm[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=6.5 if n <= 12 else 5,
                    color="white" if share[i, j] > 0.5 else _INK,
                )
    labels = [fonts.clean(m) for m in models]
    ax.set_xticks(np.arange(n) + 0.5)
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticks(np.arange(n) + 0.5)
    ax.set_yticklabels(labels, fontsize=7)
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        for t, m in zip(ticks, models, strict=True):
            if m in (suspect, top):
                t.set_color(_SUSPECT if m == suspect else _TOP)
                t.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_aspect("equal")
    ax.tick_params(length=0)
    ax.set_xlabel("attributed to", fontsize=8)
    ax.set_ylabel("written by", fontsize=8)
    _colorbar(fig, mesh, ax, "share of the writer's held-out answers", 0.6)
    return fig


# ------------------------------------------------------------------ sections
def _title_page(b: _Builder, ctx: dict[str, Any]) -> None:
    from reportlab.platypus.tableofcontents import TableOfContents

    f = b.fonts
    res: ScoreResult = ctx["score"]
    s = res.suspect
    cands = [c.model for c in res.candidates]
    b.p("PROVENANCE REPORT", "kicker")
    b.p(f"Did {f.markup(s)} learn from another model's outputs?", "title")
    every = "every other model in the corpus" if ctx["all_candidates"] else "chosen by the user"
    b.p(
        f"<b>The question.</b> Was <b>{f.markup(s)}</b> trained on the outputs of one of "
        f"{len(cands)} candidate models ({every}: {f.markup(_names(cands))}), or derived from "
        f"one of them? The answers of every model to the same {res.n_prompts} prompts were "
        "compared prompt by prompt, after removing what all models say on a prompt (the "
        "topic) and controlling for length and formatting, and each candidate's resemblance "
        f"was calibrated {f.markup(res.calibration)}."
    )
    b.space(8)
    b.box(f"Verdict: {f.markup(_sentence(res.verdict))}", "verdict", "#eef3f8")
    b.p("Key numbers", "h2")
    rows = []
    for c in res.candidates[:3]:
        rows.append(
            [
                str(c.rank),
                c.model,
                _fmt(c.score),
                f"{_fmt(c.ci[0])} to {_fmt(c.ci[1])}",
                _fmt_p(c.p_value),
                c.verdict,
            ]
        )
    b.table(
        ["rank", "candidate", "score", "95% interval", "p (Holm)", "reading"],
        rows,
        [6, 22, 8, 15, 9, 40],
        align_right=(0, 2, 4),
        highlight={0: "#fbf3e4"} if res.candidates and res.candidates[0].related else None,
    )
    weights = ", ".join(f"{k} {v:.2f}" for k, v in res.weights.items())
    facts = [
        ["suspect", s],
        ["prompts compared", f"{res.n_prompts}"],
        ["models in the corpus", f"{ctx['inspection'].n_models}"],
        [
            "reference models",
            f"{len(res.reference)} ({_names(res.reference, 6)})" if res.reference else "none",
        ],
        ["calibration", res.calibration],
        ["channels (weights)", weights],
    ]
    if ctx.get("attribution") is not None:
        facts.append(["attribution classifier", _attribution_summary(ctx["attribution"])])
    facts += [
        ["data", f"{ctx['source']} (content hash {ctx['data_hash']})"],
        ["generated", f"{ctx['generated']} by provenance {ctx['version']}"],
    ]
    b.table(None, facts, [22, 78])
    b.p(
        "<b>How to read the score.</b> 0.5 is what a typical unrelated model gets; 0.99 means "
        "only about 1 in 100 unrelated models would be as similar to the suspect. A candidate "
        "is called related when its corrected p-value is below "
        f"{res.alpha:g}. A high score says the suspect writes like the candidate far more than "
        "unrelated models do; it does not say how that came about (section 9).",
        "small",
    )
    b.page_break()
    b.p("Contents", "h1")
    b.story.append(TableOfContents())
    b.page_break()


def _data_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    ins = ctx["inspection"]
    res: ScoreResult = ctx["score"]
    b.heading(SECTIONS[0])
    b.p(
        f"Source: {f.markup(ctx['source'])}. {ins.n_models} models, {ins.n_prompts} prompts "
        f"({ins.n_shared} answered by every model), {ins.n_outputs:,} answers. The suspect "
        f"answered {ins.models.get(res.suspect, 0)} prompts; scores use the "
        f"{res.n_prompts} prompts it answered. A model compared with the suspect on fewer "
        "prompts than it answered (partial coverage) is compared on the prompts both answered."
    )
    b.space(4)
    roles = ctx["roles"]
    shared = ctx["shared"]
    order = ctx["order"]
    rows, highlight = [], {}
    for k, m in enumerate(order):
        length = ins.lengths.get(m, {})
        rows.append(
            [
                m,
                roles.get(m, "not compared"),
                f"{ins.models.get(m, 0)}",
                f"{int(shared.get(m, 0))}",
                f"{length.get('mean_words', float('nan')):.0f}",
                f"{length.get('mean_chars', float('nan')):.0f}",
                f"{length.get('median_chars', float('nan')):.0f}",
            ]
        )
        if m == res.suspect:
            highlight[k] = "#f9e3e3"
        elif m == ctx["top"]:
            highlight[k] = "#e1ecf7"
    b.table(
        [
            "model",
            "role",
            "prompts answered",
            "shared with suspect",
            "mean words",
            "mean chars",
            "median chars",
        ],
        rows,
        [30, 14, 11, 11, 10, 10, 10],
        align_right=(2, 3, 4, 5, 6),
        highlight=highlight,
    )
    if ins.problems:
        b.p("Problems found while loading (tolerated):", "h2")
        for prob in ins.problems[:20]:
            b.text(f"- {prob}", "small")
        if len(ins.problems) > 20:
            b.text(f"... and {len(ins.problems) - 20} more", "small")
    b.figure(
        "lengths",
        _lengths_figure(ctx["corpus"], order, res.suspect, ctx["top"], f),
        f"Figure 1. Answer lengths per model (red: the suspect, {ctx['top']}: blue). Length "
        "and markdown are regressed out of every channel before models are compared, so "
        "models are not called related merely for being equally brief or equally formatted.",
    )


def _scores_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    b.heading(SECTIONS[1])
    b.p(
        f"Each candidate's <b>score</b> says where it sits among unrelated models in its "
        f"resemblance to {f.markup(res.suspect)}: 0.5 is typical of an unrelated model, 0.99 "
        "means only 1 in 100 unrelated models would be as similar. The <b>95% interval</b> "
        f"comes from resampling the prompts {res.n_bootstrap} times (seed {res.seed}): how "
        "much the score depends on which prompts happened to be asked. The <b>p-value</b> is "
        "the chance that an unrelated model stands out this much, corrected (Holm) for "
        f"testing {len(res.candidates)} candidates; below {res.alpha:g} the candidate is called "
        "<b>related</b>. z is the same evidence in standard deviations above unrelated models."
    )
    b.space(4)
    n_fig = min(len(res.candidates), 30)
    shown = (
        f"the {n_fig} highest-ranked of {len(res.candidates)} candidates; all are in the table"
        if n_fig < len(res.candidates)
        else f"all {len(res.candidates)} candidates"
    )
    b.figure(
        "scores",
        _scores_figure(res, f),
        f"Figure 2. Scores with 95% intervals, {shown}. Calibration: {res.calibration}.",
    )
    rows, highlight = [], {}
    for k, c in enumerate(res.candidates):
        rows.append(
            [
                str(c.rank),
                c.model,
                _fmt(c.score),
                f"{_fmt(c.ci[0])} to {_fmt(c.ci[1])}",
                _fmt_p(c.p_value),
                f"{c.z:.2f}",
                f"{c.n_prompts}",
                c.verdict,
            ]
        )
        if c.related:
            highlight[k] = "#fbf3e4"
    b.table(
        ["rank", "candidate", "score", "95% interval", "p (Holm)", "z", "prompts", "reading"],
        rows,
        [6, 24, 7, 13, 8, 6, 9, 27],
        align_right=(0, 2, 4, 5, 6),
        highlight=highlight,
    )
    if res.notes:
        for note in res.notes:
            b.text(f"Note: {note}", "small")


def _channels_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    b.heading(SECTIONS[2])
    b.p(
        "The tool compares the models through several independent channels. Each channel's "
        "weight is learned without labels from its split-half reliability: the affinities "
        "measured on two random halves of the prompts agree (reliability near 1) or not; a "
        "channel that agrees with itself carries more weight."
    )
    b.space(4)
    rows = [
        [
            name,
            CHANNEL_WORDS.get(name, ""),
            _fmt(res.reliability.get(name)),
            _fmt(res.weights.get(name)),
        ]
        for name in res.weights
    ]
    b.table(
        ["channel", "what it compares", "reliability", "weight"],
        rows,
        [13, 61, 13, 10],
        align_right=(2, 3),
    )
    if not res.candidates:
        return
    n_fig = min(15, len(res.candidates))
    b.figure(
        "channels",
        _channels_figure(res, f),
        f"Figure 3. Each channel on its own, for the {n_fig} highest-ranked candidates: z, "
        "the candidate's resemblance to the suspect in standard deviations above unrelated "
        "models (red: more alike than unrelated models; blue: less). 'combined' is the "
        "weighted evidence the score uses. A relation seen in several channels at once is "
        "harder to explain by one shared habit.",
    )
    names = list(res.candidates[0].channels)
    rows = [
        [str(c.rank), c.model]
        + [f"{c.channels.get(k, float('nan')):.2f}" for k in names]
        + [f"{c.z:.2f}"]
        for c in res.candidates
    ]
    b.table(
        ["rank", "candidate"] + [f"z {k}" for k in names] + ["z combined"],
        rows,
        [6, 25] + [10] * (len(names) + 1),
        align_right=tuple(range(2, len(names) + 3)) + (0,),
    )


def _tree_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    tree: TreeResult | None = ctx["tree"]
    b.heading(SECTIONS[3])
    if tree is None:
        b.text(f"The lineage tree is unavailable: {ctx['tree_error']}")
        return
    s, top = res.suspect, ctx["top"]
    sister = tree.smallest_clade([s])
    others = [m for m in sister.members if m != s]
    support = "no bootstrap" if sister.support is None else f"support {sister.support:.2f}"
    pair = tree.smallest_clade([s, top])
    pair_support = "no bootstrap" if pair.support is None else f"support {pair.support:.2f}"
    b.p(
        "The tree groups all compared models by the same combined evidence the scores use "
        f"({method_label(tree.method)}). A distance of 0 is the closest pair of models; every "
        "other pair is as many standard deviations of the between-model affinity further apart "
        "as it is less similar. Each group's <b>support</b> is the share of "
        f"{tree.n_bootstrap} prompt resamplings (seed {tree.seed}) whose tree "
        + (
            "has a branch separating exactly that group from the other models"
            if tree.method == "nj"
            else "contains exactly that group"
        )
        + "; 0.9 or more is well supported."
    )
    b.space(4)
    b.p(
        f"{f.markup(s)} joins first with {'the group ' if len(others) > 1 else ''}"
        f"{f.markup(_names(others, 6))} ({support}). The "
        f"smallest group holding both {f.markup(s)} and {f.markup(top)} has "
        f"{len(pair.members)} of {len(tree.models)} models ({pair_support})."
    )
    for note in tree.notes:
        b.text(f"Note: {note}", "small")
    b.space(4)
    b.figure(
        "tree",
        _tree_figure(tree, s, top, f),
        "Figure 4. Lineage tree. Branches join where groups of models resemble each other; "
        "numbers at the joins are bootstrap supports (bold: 0.9 or more). Colours mark "
        "well-supported groups. The tree shows resemblance, not descent: siblings trained on "
        "the same data, or on the same base model, join as readily as teacher and student.",
    )
    b.figure(
        "heatmap",
        _heatmap_figure(tree, s, top, f),
        f"Figure 5. Distances between all models, in the tree's order (red label: the "
        f"suspect; blue: {top}). Dark cells are close pairs.",
    )


def _identity_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    leaks: pd.DataFrame = ctx["leaks"]
    s, top = res.suspect, ctx["top"]
    b.heading(SECTIONS[4])
    b.p(
        "A student trained on a teacher's answers often inherits the teacher's "
        "self-description (\u201cAs an AI language model developed by OpenAI, ...\u201d). The "
        "tool finds statements in which an answer says it <i>is</i> a vendor's model or was "
        "made by that vendor (self-identification), and vendor-free ones (\u201cI am a "
        "language model\u201d). Excerpts are quoted exactly, whitespace collapsed; "
        "\u201cprompted\u201d marks an answer whose prompt itself names that vendor."
    )
    b.space(4)
    rows = []
    for m in (s, top):
        sub = leaks[leaks["model"] == m]
        self_id = sub[sub["kind"] == "self_id"]
        vendors = (
            ", ".join(
                f"{v} {n}" for v, n in self_id.groupby("vendor")["prompt_id"].nunique().items()
            )
            or "none"
        )
        rows.append(
            [
                m,
                f"{ctx['answered'].get(m, 0)}",
                f"{self_id['prompt_id'].nunique()}",
                vendors,
                f"{sub.loc[sub['kind'] == 'ai_self_reference', 'prompt_id'].nunique()}",
            ]
        )
    b.table(
        [
            "model",
            "answers",
            "answers that self-identify",
            "as which vendor (answers)",
            "answers saying \u201cI am an AI / a language model\u201d",
        ],
        rows,
        [25, 10, 16, 28, 21],
        align_right=(1, 2, 4),
    )
    shown = leaks.sort_values(["kind"], key=lambda k: k != "self_id", kind="stable")
    for m in (s, top):
        sub = shown[shown["model"] == m]
        if sub.empty:
            b.text(f"{m}: no identity statement found.", "small")
            continue
        b.p(f"Excerpts from {f.markup(m)}", "h2")
        rows = []
        for r in sub.head(EXCERPTS).itertuples(index=False):
            kind = "self-identifies" if r.kind == "self_id" else "AI self-reference"
            who = f" as {r.vendor}" if r.vendor else ""
            rows.append(
                [
                    r.prompt_id,
                    f"{kind}{who}" + (" (prompted)" if r.prompted else ""),
                    r.excerpt,
                ]
            )
        b.table(["prompt", "kind", "excerpt"], rows, [20, 20, 60], mono_cols=(0,))
        if len(sub) > EXCERPTS:
            b.text(f"... {len(sub) - EXCERPTS} more statements from {m} not shown.", "small")
    b.p(
        "No identity statement is the normal case on ordinary prompts and says nothing about "
        "independence; a wrong-vendor claim is strong evidence, but one statement alone can "
        "also come from public data that quotes another model.",
        "small",
    )


def _lexical_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    s, top = res.suspect, ctx["top"]
    lex = ctx["lexical"]
    b.heading(SECTIONS[5])
    if lex is None:
        b.text(f"Unavailable: {ctx['lexical_error']}")
        return
    shared: pd.DataFrame = lex.shared_overused(s, top, top=SHARED_TERMS)
    n_rest = shared.attrs.get("n_rest", len(lex.models_) - 2)
    b.p(
        f"Words and phrases that both {f.markup(s)} and {f.markup(top)} use more often than "
        "the other models do when answering the same prompts. Each model is compared with the "
        "pool of the other models' answers on the prompts it answered (log-odds with an "
        "informative prior, as a z-score; Monroe, Colaresi and Quinn 2008). Words of the "
        "prompt itself, numbers and proper names are not counted, so a topic cannot make a "
        f"habit. The pool column counts the other {n_rest} models together; rates are per "
        "10,000 words or phrases of the same length."
    )
    overlap = ctx.get("overlap")
    if overlap is not None:
        b.space(4)
        b.p(
            f"Of the {overlap['k']} terms {f.markup(s)} over-uses most (z above 2), "
            f"{f.markup(top)} over-uses {overlap['top']} too (z above 2); the median "
            f"{overlap['who']} over-uses {overlap['median']:.0f} of them."
        )
    b.space(4)
    if shared.empty:
        b.text(f"{s} and {top} over-use no word or phrase in common.")
        return
    rows = [
        [
            r.term,
            f"{r.count_a:,}",
            f"{r.count_b:,}",
            f"{r.count_rest:,}",
            f"{r.per_10k_a:.1f}",
            f"{r.per_10k_b:.1f}",
            f"{r.per_10k_rest:.1f}",
            f"{r.z_a:.1f}",
            f"{r.z_b:.1f}",
        ]
        for r in shared.itertuples(index=False)
    ]
    b.p(
        f"<b>suspect</b> = {f.markup(s)}; <b>candidate</b> = {f.markup(top)}; <b>pool</b> = "
        f"the other {n_rest} models together. z: over-use against the pool, in standard errors.",
        "small",
    )
    b.space(3)
    b.table(
        [
            "word or phrase",
            "count suspect",
            "count candidate",
            "count pool",
            "per 10k suspect",
            "per 10k candidate",
            "per 10k pool",
            "z suspect",
            "z candidate",
        ],
        rows,
        [19, 10, 11, 9, 10, 11, 9, 10, 11],
        align_right=(1, 2, 3, 4, 5, 6, 7, 8),
    )


def _side_by_side_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    corpus: Corpus = ctx["corpus"]
    s, top, contrast = res.suspect, ctx["top"], ctx["contrast"]
    picks: list[tuple[str, str]] = ctx["examples"]
    from reportlab.platypus import Paragraph

    b.heading(SECTIONS[6])
    if not picks:
        b.text("No prompt was answered by the suspect, the top candidate and a contrast model.")
        return
    models = [s, top] + ([contrast] if contrast else [])
    b.p(
        f"The same prompt answered by {f.markup(s)}, its top candidate {f.markup(top)}"
        + (
            f" and, for contrast, {f.markup(contrast)} (a typical unrelated model)"
            if contrast
            else ""
        )
        + ". The first examples are the prompts on which the suspect and the candidate are most "
        "alike after the topic is removed (the strongest examples, not typical ones); the last "
        "is a prompt of median similarity."
        + (
            f" Only prompts both answered in at least {ctx['example_words']} words were "
            "considered, since very short answers are alike without showing much."
            if ctx["example_words"]
            else ""
        )
        + " Long answers are cut where marked."
    )
    prompts = corpus.prompts()
    for k, (pid, why) in enumerate(picks, start=1):
        start = len(b.story)
        b.p(f"Example {k} ({f.markup(why)}): prompt {f.markup(pid)}", "h2")
        b.text(_truncate(str(prompts.get(pid, "")), PROMPT_CHARS), "small")
        b.space(3)
        cells = []
        for m in models:
            answer = corpus.outputs(m, [pid]).iloc[0]
            text = "(no answer)" if not isinstance(answer, str) else answer
            cells.append(_truncate(f.clean(text), ANSWER_CHARS, ANSWER_LINES))
        row = [Paragraph(f.markup(c), b.st["answer"]) for c in cells]
        b.table(models, [row], [1] * len(models))
        b.keep_together(start)


def _attribution_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    s, top = res.suspect, ctx["top"]
    evaluation = ctx.get("attribution")
    b.heading(SECTIONS[7])
    if evaluation is None:
        b.text(f"This section is unavailable: {ctx['attribution_note']}.")
        b.p(
            "An attribution classifier learns to tell the models apart from single answers; "
            "its confusion matrix would show how often answers of each model are taken for "
            "another's. The scores above do not depend on it.",
            "small",
        )
        return
    models = list(evaluation.models)
    cm = np.asarray(evaluation.confusion, dtype=float)
    b.p(
        "A classifier (detector.attribution) was trained to say which of "
        f"{len(models)} models wrote a single answer, from its words and style, and tested "
        "on prompts it never saw in training (prompt-grouped cross-validation). Its held-out "
        f"accuracy is {evaluation.accuracy:.1%}, against {evaluation.chance:.1%} for always "
        "naming the most common model. The confusion matrix shows where each model's answers "
        "went: a suspect whose answers are often taken for one candidate's writes like that "
        "candidate answer by answer. The scores above do not depend on it."
    )
    if s in models:
        row = cm[models.index(s)]
        total = max(row.sum(), 1.0)
        order = [j for j in np.argsort(-row, kind="stable") if row[j] > 0][:4]
        went = "; ".join(f"{f.markup(models[j])} {row[j] / total:.0%}" for j in order)
        b.space(4)
        b.p(f"Held-out answers of {f.markup(s)} were attributed to: {went}.")
    scope = []
    if len(models) < len(ctx["roles"]):
        scope.append(
            f"To keep the matrix readable it covers {len(models)} models: the suspect, its six "
            "highest-ranked candidates and models spread evenly over the rest of the ranking."
        )
    if evaluation.n_prompts < res.n_prompts:
        scope.append(
            f"To bound the time it takes, it was trained and tested on {evaluation.n_prompts} of "
            f"the suspect's {res.n_prompts} prompts, drawn at random (seed {res.seed})."
        )
    if scope:
        b.p(" ".join(scope), "small")
    b.space(4)
    b.figure(
        "attribution",
        _confusion_figure(evaluation, s, top, f),
        "Figure 6. Attribution confusion matrix on held-out prompts (rows: the model that "
        "wrote the answers; columns: the model the classifier named; numbers: answers; "
        f"colour: share of the row). Red label: the suspect; blue: {top}.",
    )


def _method_section(b: _Builder, ctx: dict[str, Any]) -> None:
    f = b.fonts
    res: ScoreResult = ctx["score"]
    b.heading(SECTIONS[8])
    b.p("What was measured", "h2")
    b.p(
        "Every model answered the same prompts. For each prompt the tool removes what all "
        "models say in common (the topic the prompt dictates) and regresses out length and "
        "formatting (headings, lists, bold, tables, code), then measures how alike two models' "
        "remaining answers are, channel by channel: the meaning and phrasing seen by a "
        "sentence-embedding model, style measurements, vocabulary, and identity statements. "
        "The channels are averaged over prompts and combined with weights that reflect how "
        "reproducible each one is."
    )
    b.p("What the score means", "h2")
    b.p(
        f"The resemblance of {f.markup(res.suspect)} to a candidate is compared with two sets "
        "of unrelated models: how much the suspect resembles each reference model, and how "
        "much each reference model resembles the candidate. The candidate must stand out in "
        "both, which keeps a model that everyone resembles, or a suspect that resembles "
        "everyone, from being named a teacher. The smaller of the two standings is the "
        "candidate's z, and the score is the share of unrelated models expected to be less "
        "similar than the candidate: 0.5 is typical of an unrelated model, 0.99 means only 1 in "
        "100 would be as similar. The 95% interval shows how much the score moves when the "
        f"prompts are resampled ({res.n_bootstrap} resamplings). The p-value is one-sided "
        "(Student t with the reference set's degrees of freedom) and Holm-corrected for the "
        f"number of candidates; a candidate with a corrected p-value below {res.alpha:g} is "
        f"called related. In this report the calibration was {f.markup(res.calibration)}."
    )
    b.p("What it cannot prove", "h2")
    b.p(
        "A high score says the suspect writes like the candidate <i>far more than unrelated "
        "models do</i>; it does not say how. Models that share a base model, a sibling "
        "student, or the same public data (for example, public datasets of another model's "
        "answers) also resemble each other, and the tool can only separate those explanations "
        "as far as the reference models allow: when several candidates are related, the tree "
        "and the channels show whether they form one family. A low score is not proof of "
        "independence: heavy preference tuning, paraphrasing, a different language or a "
        "different kind of prompt can wash the signal out. Scores are relative to the "
        "reference models; with few or related reference models they are less reliable, and "
        "with fewer than five the candidates are only ranked."
    )
    b.p("Evidence a person can check", "h2")
    b.p(
        "The identity excerpts, the shared words and phrases with their counts, and the "
        "side-by-side answers are there to be read: they are the observations behind the "
        "numbers, not a further test. The side-by-side examples were chosen as the most "
        "similar prompts and are stronger than the typical prompt."
    )
    if ctx["notes"]:
        b.p("Notes on this report", "h2")
        for note in ctx["notes"]:
            b.text(f"- {note}", "small")


def _appendix(b: _Builder, ctx: dict[str, Any]) -> None:
    res: ScoreResult = ctx["score"]
    b.heading(SECTIONS[9])
    b.p(
        "Rerunning the command below on the same data with the same versions gives the same "
        "numbers (all resampling is seeded)."
    )
    b.text(ctx["command"], "small")
    b.space(4)
    params = [
        ["tool version", f"provenance {ctx['version']}"],
        ["generated", ctx["generated"]],
        ["data source", ctx["source"]],
        ["data hash", f"{ctx['data_hash']} (SHA-256 over model, prompt id, output)"],
        ["suspect", res.suspect],
        ["candidates", ", ".join(c.model for c in res.candidates)],
        ["reference models", ", ".join(res.reference) or "none"],
        ["channels", ", ".join(res.weights)],
        ["channel weights", ", ".join(f"{k} {v}" for k, v in res.weights.items())],
        ["channel reliabilities", ", ".join(f"{k} {v}" for k, v in res.reliability.items())],
        ["seed", str(res.seed)],
        ["score bootstrap", f"{res.n_bootstrap} prompt resamplings"],
        [
            "tree bootstrap",
            f"{ctx['tree'].n_bootstrap} prompt resamplings" if ctx["tree"] is not None else "n/a",
        ],
        ["alpha (family-wise)", f"{res.alpha:g}"],
        ["calibration", res.calibration],
    ]
    evaluation = ctx.get("attribution")
    if evaluation is not None:
        params.append(
            [
                "attribution classifier",
                f"channels {', '.join(evaluation.channels)}; {evaluation.n_folds} "
                f"prompt-grouped folds; {evaluation.n_prompts} prompts, {evaluation.n_texts} "
                f"answers; models {', '.join(evaluation.models)}",
            ]
        )
    params += [[k, str(v)] for k, v in ctx["feature_params"].items()]
    b.table(["parameter", "value"], params, [25, 75])
    b.p("Library versions", "h2")
    b.table(["library", "version"], [[k, v] for k, v in ctx["versions"].items()], [30, 70])
    b.p("Time taken", "h2")
    b.text(
        ", ".join(f"{k} {v:.1f} s" for k, v in ctx["timings"].items() if k != "total")
        + " (before the PDF was assembled;"
        + f" machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()})",
        "small",
    )


# --------------------------------------------------------------------- API
def _command(
    source: str,
    suspect: str,
    candidates: list[str] | None,
    reference: list[str] | None,
    out: Path,
    seed: int,
    channels: list[str],
    n_bootstrap: int,
    tree_bootstrap: int,
    alpha: float,
    attribution: bool,
    attribution_prompts: int | None,
) -> str:
    import shlex

    parts = ["provenance", "report", source, "--suspect", suspect]
    if candidates is not None:
        parts += ["--candidates", ",".join(candidates)]
    if reference is not None:
        parts += ["--reference", ",".join(reference)]
    parts += ["--channels", ",".join(channels), "--seed", str(seed)]
    parts += ["--bootstrap", str(n_bootstrap), "--tree-bootstrap", str(tree_bootstrap)]
    if alpha != 0.05:
        parts += ["--alpha", f"{alpha:g}"]
    if not attribution:
        parts += ["--no-attribution"]
    elif attribution_prompts != 200:
        parts += ["--attribution-prompts", str(attribution_prompts or 0)]
    parts += ["--out", str(out)]
    return " ".join(shlex.quote(p) for p in parts)


def build_report(
    data: Corpus | Features | Evidence | str | os.PathLike[str],
    suspect: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    *,
    out: str | os.PathLike[str],
    force: bool = False,
    seed: int = 0,
    channels: str | list[str] | None = None,
    n_bootstrap: int = 200,
    tree_bootstrap: int = 50,
    alpha: float = 0.05,
    include_attribution: bool = True,
    attribution_prompts: int | None = 200,
    **feature_kwargs: Any,
) -> ReportResult:
    """Write a self-contained PDF report on one suspect model.

    Parameters
    ----------
    data : Corpus, Features, Evidence, str or path
        The outputs (a path is read with :func:`~detector.corpus.load_corpus`),
        their features, or evidence already built (it must carry its
        features, as :func:`~detector.evidence.build_evidence` leaves it).
    suspect : str
        The model under suspicion.
    candidates : list of str, optional
        Possible teachers or parents; default every other model (as
        :func:`~detector.scoring.score`).
    reference : list of str, optional
        Unrelated models for calibration; default every model that is neither
        suspect nor candidate.
    out : str or path
        The PDF to write (``.pdf``); an existing file is kept unless ``force``.
    force : bool
        Overwrite ``out``.
    seed : int
        Seed of every resampling (the report's numbers are deterministic).
    channels : str or list of str, optional
        Evidence channels (default all four); ignored when ``data`` is Evidence.
    n_bootstrap : int
        Prompt resamplings for the score intervals.
    tree_bootstrap : int
        Prompt resamplings for the tree's clade supports.
    alpha : float
        Family-wise significance level (Holm).
    include_attribution : bool
        Train the attribution classifier for its section when
        :mod:`detector.attribution` is available.
    attribution_prompts : int or None
        Train it on at most this many of the suspect's prompts, sampled with
        ``seed`` (None: all); it bounds the report's time on large corpora.
    **feature_kwargs
        Passed to :func:`~detector.features.compute_features`
        (``embedding_model``, ``precision``, ``cache_dir``, ``progress``).

    Returns
    -------
    ReportResult

    Raises
    ------
    ProvenanceError
        ``out`` exists (without ``force``) or is not a .pdf; unknown suspect,
        candidate or reference model; too few shared prompts; the inputs
        :func:`~detector.scoring.score` refuses.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(step: str, since: float) -> float:
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - since
        return now

    out_path = Path(out)
    if out_path.suffix.lower() != ".pdf":
        raise ProvenanceError(f"{out}: a report is written as a .pdf file; end `out` in .pdf")
    if out_path.exists() and not force:
        raise ProvenanceError(f"{out}: already exists; choose another path or pass `force`")
    if out_path.exists() and out_path.is_dir():
        raise ProvenanceError(f"{out}: is a directory; give a file name ending in .pdf")
    seed, alpha = check_seed(seed), check_alpha(alpha)
    if n_bootstrap < 1:
        raise ProvenanceError(f"`n_bootstrap` must be at least 1, got {n_bootstrap}")
    if tree_bootstrap < 0:
        raise ProvenanceError(f"`tree_bootstrap` must be 0 or more, got {tree_bootstrap}")
    if attribution_prompts is not None and attribution_prompts < 10:
        raise ProvenanceError(
            f"`attribution_prompts` must be at least 10, got {attribution_prompts}"
        )
    candidates = None if candidates is None else list(candidates)
    reference = None if reference is None else list(reference)
    notes: list[str] = []

    # ---- data and evidence (computed once) ----
    t = time.perf_counter()
    given_evidence = data if isinstance(data, Evidence) else None
    if isinstance(data, (str, os.PathLike)):
        data = load_corpus(data)
    if given_evidence is not None:
        if given_evidence.features is None:
            raise ProvenanceError(
                "the evidence given carries no features (and so no texts); pass the corpus"
            )
        features = given_evidence.features
        corpus = features.corpus
        known = list(given_evidence.models)
    else:
        corpus = data.corpus if isinstance(data, Features) else data
        known = corpus.models
    if given_evidence is not None:
        missing = [m for m in [suspect] + (candidates or []) + (reference or []) if m not in known]
        if missing:
            raise ProvenanceError(
                f"{', '.join(map(repr, missing))} not in the evidence given; build it over "
                "every model the report names"
            )
    roles = resolve_roles(corpus, suspect, candidates, reference, min_prompts=MIN_PROMPTS)
    roles.candidates = [m for m in roles.candidates if m in known]
    roles.reference = [m for m in roles.reference if m in known]
    cand, ref, pool = roles.candidates, roles.reference, roles.pool
    t = lap("load", t)
    if given_evidence is not None:
        evidence = given_evidence
        if channels is not None:
            notes.append("channels were taken from the evidence given; `channels` was ignored")
    else:
        evidence = suspect_evidence(data, roles, channels=channels, seed=seed, **feature_kwargs)
        features = evidence.features
    t = lap("evidence", t)

    result = score(evidence, suspect, seed=seed, n_bootstrap=n_bootstrap, alpha=alpha, roles=roles)
    t = lap("score", t)
    top = result.best or result.candidates[0].model

    tree: TreeResult | None = None
    tree_error = ""
    if len(pool) >= 3:
        try:
            tree = lineage_tree(evidence, models=pool, n_bootstrap=tree_bootstrap, seed=seed)
        except ProvenanceError as exc:
            tree_error = str(exc)
    else:
        tree_error = f"a tree needs at least three models, the report compares {len(pool)}"
    if tree is None:
        notes.append(f"lineage tree unavailable: {tree_error}")
    t = lap("tree", t)

    # ---- lexical fingerprint: over-used words and phrases ----
    lexical, lexical_error, overlap = None, "", None
    fitted = features.lexical if features is not None else None
    if fitted is not None and sorted(getattr(fitted, "models_", [])) == sorted(pool):
        lexical = fitted
    else:
        from .lexical import LexicalFingerprint

        try:
            lexical = LexicalFingerprint().fit(corpus.subset(models=pool).df)
        except ProvenanceError as exc:
            lexical_error = str(exc)
            notes.append(f"over-used words unavailable: {exc}")
    if lexical is not None:
        z = lexical.z_pool_
        top_s = z.loc[suspect].sort_values(ascending=False)
        top_s = top_s[top_s > 2].index[:100]
        if len(top_s):
            others = [m for m in (ref or [c for c in cand if c != top]) if m in z.index]
            counts = (z.loc[others, top_s] > 2).sum(axis=1) if others else pd.Series(dtype=float)
            overlap = {
                "k": len(top_s),
                "top": int((z.loc[top, top_s] > 2).sum()),
                "median": float(counts.median()) if len(counts) else float("nan"),
                "who": "reference model" if ref else "other candidate",
            }
            if not others:
                overlap = None
    t = lap("lexical", t)

    # ---- identity leaks ----
    from .identity import find_leaks

    rows = corpus.df[corpus.df["model"].isin([suspect, top])]
    leaks = find_leaks(rows, kinds=("self_id", "ai_self_reference"))
    t = lap("identity", t)

    # ---- side-by-side examples ----
    comb = evidence.combined_affinity()
    s_idx = int(evidence.index([suspect])[0])
    pool_contrast = [m for m in (ref or [c for c in cand if c != top])]
    contrast = None
    if pool_contrast:
        aff = pd.Series(
            [comb[s_idx, int(evidence.index([m])[0])] for m in pool_contrast], index=pool_contrast
        ).sort_values()
        contrast = str(aff.index[(len(aff) - 1) // 2])
    sims = _per_prompt_similarity(evidence, suspect, top)
    answered = corpus.answered()
    if contrast is not None and len(sims):
        sims = sims[answered.loc[sims.index, contrast].to_numpy()]
    examples: list[tuple[str, str]] = []
    example_words = 0
    if len(sims):
        words = corpus.df.assign(n=corpus.df["output"].str.split().str.len())
        words = words[words["model"].isin([suspect, top])].groupby("prompt_id")["n"].min()
        long_enough = sims[words.reindex(sims.index).fillna(0).to_numpy() >= MIN_EXAMPLE_WORDS]
        if len(long_enough) >= 3:  # short answers ("True") are alike but show little
            sims, example_words = long_enough, MIN_EXAMPLE_WORDS
        ranked = sims.sort_values(ascending=False, kind="stable")
        of = f"{len(ranked)} prompts" + (
            f" with answers of {example_words}+ words" if example_words else ""
        )
        for rank, pid in enumerate(ranked.index[:2], start=1):
            examples.append((str(pid), f"{_ordinal(rank)} most alike of {of}"))
        if len(ranked) > 2:
            mid = str(ranked.index[len(ranked) // 2])
            if mid not in {e[0] for e in examples}:
                examples.append((mid, f"median similarity of {of}"))

    # ---- attribution ----
    attribution, attribution_note = None, "not requested"
    if include_attribution and features is not None:
        attribution, attribution_note = _attribution(
            features, _attribution_models(result), attribution_prompts, seed, feature_kwargs
        )
        if attribution is None:
            notes.append(f"attribution section unavailable: {attribution_note}")
    elif not include_attribution:
        attribution_note = "it was switched off for this report (--no-attribution)"
    t = lap("attribution", t)

    # ---- lay out ----
    from . import __version__

    inspection = inspect(corpus)
    roles = {suspect: "suspect", **{c: "candidate" for c in cand}, **{r: "reference" for r in ref}}
    rank_of = {c.model: c.rank for c in result.candidates}
    order = (
        [suspect]
        + sorted(cand, key=lambda m: rank_of.get(m, 0))
        + sorted(ref)
        + [m for m in corpus.models if m not in pool]
    )
    fparams = {}
    if "embedding" in result.weights:
        model = feature_kwargs.get("embedding_model")
        fparams["embedding model"] = model or "bundled all-MiniLM-L6-v2 (default)"
        fparams["embedding precision"] = feature_kwargs.get("precision") or "auto"
    source = corpus.source
    chan_list = list(result.weights) or parse_channels(channels)
    generated = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ctx: dict[str, Any] = {
        "score": result,
        "tree": tree,
        "tree_error": tree_error,
        "corpus": corpus,
        "inspection": inspection,
        "source": source,
        "data_hash": corpus.content_hash(),
        "version": __version__,
        "generated": generated,
        "all_candidates": candidates is None and reference is None,
        "top": top,
        "contrast": contrast,
        "roles": roles,
        "order": order,
        "shared": corpus.pairwise_shared().loc[suspect].to_dict(),
        "answered": inspection.models,
        "lexical": lexical,
        "lexical_error": lexical_error,
        "overlap": overlap,
        "leaks": leaks,
        "examples": examples,
        "example_words": example_words,
        "attribution": attribution,
        "attribution_note": attribution_note,
        "notes": notes,
        "feature_params": fparams,
        "versions": _versions(),
        "timings": timings,
        "command": _command(
            source,
            suspect,
            candidates,
            reference,
            out_path,
            seed,
            chan_list,
            n_bootstrap,
            tree_bootstrap,
            alpha,
            include_attribution,
            attribution_prompts,
        ),
    }
    fonts = _fonts()
    builder = _Builder(fonts)
    _title_page(builder, ctx)
    for section in (
        _data_section,
        _scores_section,
        _channels_section,
        _tree_section,
        _identity_section,
        _lexical_section,
        _side_by_side_section,
        _attribution_section,
        _method_section,
    ):
        section(builder, ctx)
        builder.page_break()
    t = lap("figures", t)
    _appendix(builder, ctx)
    body = builder.build(
        {
            "title": fonts.clean(f"Provenance report: {suspect}"),
            "author": f"provenance {__version__}",
            "subject": fonts.clean(_sentence(result.verdict)),
            "creator": f"provenance {__version__} (reportlab, matplotlib, pypdf)",
        },
        f"Provenance report: {suspect}",
        f"data {ctx['data_hash']}",
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    pages = _stamp_figures(body, builder, out_path)
    t = lap("pdf", t)
    timings["total"] = t - t_start
    return ReportResult(out_path, pages, result, tree, list(SECTIONS), timings, notes, attribution)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `provenance report` or detector.report.build_report")

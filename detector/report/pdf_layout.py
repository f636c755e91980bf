"""PDF layout: fonts, paragraph styles, the page template, tables, boxes and figure slots.

reportlab lays out the text, the tables (real PDF tables whose cells wrap),
the table of contents, the outline (bookmarks) and "Page x of y". Text uses
DejaVu Sans, which ships with matplotlib; a character the font lacks (CJK,
most emoji) is replaced by a visible ``[U+XXXX]`` and never dropped or
allowed to crash the build; ``<``, ``>`` and ``&`` are escaped. Figures are
drawn by matplotlib into in-memory one-page PDFs (TrueType text, so their
labels stay selectable); reportlab leaves an empty box of exactly the
figure's size where each goes, records its page and position and writes the
figure's description there as invisible text (what a screen reader or a
text search finds), and pypdf then stamps each figure page into its box.
Figures therefore stay vector graphics: the report contains no raster image.

Accessibility, as far as reportlab allows: section headings are PDF
bookmarks (the outline) and a linked table of contents; the document
declares its language and shows its title; each figure has a caption and a
text description. reportlab cannot write a tagged PDF (structure tree), so
screen readers read the page text in order.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as _xml_escape

from ..figures import figure_bytes
from ..files import atomic_path
from ..terminal import printable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FRAME_W", "MAX_FIG_H", "MAX_FIG_W", "Builder", "Fonts", "fonts"]

PAGE = (595.2756, 841.8898)  # A4 in points
MARGIN_X = 56.0
MARGIN_TOP = 62.0
MARGIN_BOTTOM = 54.0
FRAME_W = PAGE[0] - 2 * MARGIN_X
FRAME_H = PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM
MAX_FIG_W = FRAME_W / 72  # inches
MAX_FIG_H = (FRAME_H - 190) / 72  # room for a heading, a paragraph and the caption
INK = "#1f2933"
MARK = "#ffe58a"  # highlighted shared phrases


# -------------------------------------------------------------------- fonts
@dataclass(frozen=True)
class Fonts:
    """Registered reportlab font names and the characters the regular face covers."""

    regular: str
    bold: str
    italic: str
    mono: str
    covered: frozenset[int]

    def clean(self, text: Any) -> str:
        """Plain text the font can show: unknown characters become ``[U+XXXX]``.

        Tabs become four spaces and Windows line ends plain ones; every other
        control or bidirectional character is shown escaped, as on a terminal
        (``\\r``, ``\\x1b``, ``\\u202e``: :func:`detector.terminal.printable`);
        lone surrogates and characters outside the font get the placeholder,
        so nothing vanishes silently and nothing crashes the PDF writer.
        """
        s = "" if text is None else str(text)
        if s.isascii() and s.isprintable():
            return s
        out = []
        for ch in printable(s.replace("\r\n", "\n")).replace("\t", "    "):
            code = ord(ch)
            if ch == "\n":
                out.append(ch)
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
def fonts() -> Fonts:
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
        return Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Courier", covered)
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
    return Fonts("ProvSans", "ProvSans-Bold", "ProvSans-Oblique", "ProvMono", covered)


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _styles(fonts: Fonts) -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink = colors.HexColor(INK)
    base = ParagraphStyle("body", fontName=fonts.regular, fontSize=9.5, leading=13.2, textColor=ink)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.6, leading=9.6),
        "cellb": ParagraphStyle(
            "cellb", parent=base, fontSize=7.6, leading=9.6, fontName=fonts.bold
        ),
        "answer": ParagraphStyle("answer", parent=base, fontSize=7.2, leading=9.0, spaceAfter=2.5),
        "answer_h": ParagraphStyle(
            "answer_h", parent=base, fontSize=7.8, leading=9.6, spaceBefore=2, spaceAfter=2
        ),
        "answer_li": ParagraphStyle(
            "answer_li", parent=base, fontSize=7.2, leading=9.0, leftIndent=9, bulletIndent=1
        ),
        "answer_li2": ParagraphStyle(
            "answer_li2", parent=base, fontSize=7.2, leading=9.0, leftIndent=17, bulletIndent=9
        ),
        "answer_code": ParagraphStyle(
            "answer_code",
            parent=base,
            fontName=fonts.mono,
            fontSize=6.6,
            leading=8.2,
            backColor=colors.HexColor("#f1f3f5"),
            spaceAfter=2.5,
        ),
        "label": ParagraphStyle(
            "label",
            parent=base,
            fontName=fonts.bold,
            fontSize=8.5,
            textColor=colors.HexColor("#4a5560"),
            spaceAfter=2,
        ),
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


def _make_doc(buf: io.BytesIO, meta: dict[str, str], fonts: Fonts, head: tuple[str, str]) -> Any:
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


class Builder:
    """Collects flowables, figure slots and figure PDFs for one report."""

    def __init__(self, fonts: Fonts) -> None:
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
        widths: Sequence[float],
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
            if isinstance(value, (Paragraph, list)):  # flowables as they are
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

    def box(
        self,
        parts: str | list[tuple[str, str]],
        style: str = "body",
        color: str = "#f3f5f7",
        border: str = "#c4ccd4",
    ) -> None:
        """A shaded box of one paragraph, or of (markup, style) paragraphs."""
        from reportlab.platypus import Paragraph, Table, TableStyle

        items = [(parts, style)] if isinstance(parts, str) else parts
        cell = [Paragraph(markup, self.st[st]) for markup, st in items]
        t = Table([[cell]], colWidths=[FRAME_W])
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), self.colors.HexColor(color)),
                    ("BOX", (0, 0), (-1, -1), 0.8, self.colors.HexColor(border)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 9),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        self.story.append(t)
        self.space(8)

    def blocks(self, blocks: list[Any]) -> list[Any]:
        """Flowables of a rendered answer (:mod:`~detector.report.markdown` blocks)."""
        from reportlab.platypus import Paragraph

        out = []
        for block in blocks:
            if block.kind == "hr":
                out.append(Paragraph("\u2014" * 6, self.st["answer"]))
                continue
            markup = "".join(self._span(s) for s in block.spans) or "&nbsp;"
            if block.kind == "h":
                out.append(Paragraph(f"<b>{markup}</b>", self.st["answer_h"]))
            elif block.kind == "li":
                style = self.st["answer_li2" if block.level > 1 else "answer_li"]
                bullet = self.fonts.markup(block.marker or "\u2022", newlines=False)
                out.append(Paragraph(markup, style, bulletText=bullet))
            elif block.kind == "code":
                out.append(Paragraph(markup, self.st["answer_code"]))
            elif block.kind == "quote":
                out.append(Paragraph(f"<i>{markup}</i>", self.st["answer_li"]))
            else:
                out.append(Paragraph(markup, self.st["answer"]))
        return out

    def _span(self, span: Any) -> str:
        text = self.fonts.markup(span.text, newlines=True)
        if span.code:
            text = f'<font face="{self.fonts.mono}">{text}</font>'
        if span.bold:
            text = f"<b>{text}</b>"
        if span.italic:
            text = f"<i>{text}</i>"
        if span.mark:
            text = f'<span backColor="{MARK}">{text}</span>'
        return text

    # figures
    def figure(self, key: str, fig: Figure, caption: str, alt: str = "") -> None:
        """Reserve a box for a vector figure (stamped in after layout) with its caption.

        ``alt`` is written into the box as invisible text: what a screen reader
        or a text search finds where the figure is.
        """
        from reportlab.lib.utils import simpleSplit
        from reportlab.platypus import Flowable, KeepTogether, Paragraph

        data = figure_bytes(fig, "pdf")
        w, h = (float(v) * 72 for v in fig.get_size_inches())
        self.figures[key] = (data, w, h)
        slots = self.slots
        font = self.fonts.regular
        lines = simpleSplit(self.fonts.clean(f"Figure: {alt}"), font, 6, w) if alt else []

        class FigureSlot(Flowable):
            def wrap(self, aw: float, ah: float) -> tuple[float, float]:
                return w, h

            def draw(self) -> None:
                x, y = self.canv.absolutePosition(0, 0)
                slots[key] = (self.canv.getPageNumber(), float(x), float(y))
                if lines:
                    text = self.canv.beginText(0, h - 7)
                    text.setTextRenderMode(3)  # invisible: found by readers and search only
                    text.setFont(font, 6, 7)
                    for line in lines:
                        text.textLine(line)
                    self.canv.drawText(text)

        slot = FigureSlot()
        slot.hAlign = "CENTER"
        number = f"<b>Figure {len(self.figures)}.</b> "
        self.story.append(KeepTogether([slot, Paragraph(number + caption, self.st["caption"])]))

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


def stamp_figures(body: bytes, builder: Builder, out: Path) -> int:
    """Stamp every figure PDF into its box; write ``out`` atomically; return the page count."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.generic import BooleanObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
    missing = sorted(set(builder.figures) - set(builder.slots))
    if missing:  # a slot that was never drawn is a layout bug, not bad input
        raise RuntimeError(f"figures not placed: {', '.join(missing)}")
    for key, (page_no, x, y) in builder.slots.items():
        fig_page = PdfReader(io.BytesIO(builder.figures[key][0])).pages[0]
        writer.pages[page_no - 1].merge_transformed_page(fig_page, Transformation().translate(x, y))
    for page in writer.pages:
        page.compress_content_streams()
    writer._root_object[NameObject("/Lang")] = TextStringObject("en")
    writer.create_viewer_preferences()[NameObject("/DisplayDocTitle")] = BooleanObject(True)
    writer.page_mode = "/UseOutlines"  # open with the bookmarks (section headings) shown
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    return len(writer.pages)

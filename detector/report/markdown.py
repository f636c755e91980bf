"""Answers as readers see them: markdown rendered, shared phrases highlighted.

Model answers are mostly markdown (``**bold**``, ``## headings``, lists).
:func:`parse` reads one answer with markdown-it-py (CommonMark; raw HTML is
shown as text) into a few :class:`Block` values of :class:`Span` runs, and
marks every occurrence of the given phrases; the PDF and HTML renderers turn
the same blocks into their own markup, so both show the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..cjk import has_cjk

__all__ = ["Block", "Span", "parse", "truncate"]


@dataclass
class Span:
    """A run of text with its inline style."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    mark: bool = False


@dataclass
class Block:
    """A paragraph, heading, list item, code block or quote.

    ``level`` is the heading level (1-6) or the list depth (1 = top level);
    ``marker`` the list item's bullet ("•") or number ("3.").
    """

    kind: str
    spans: list[Span] = field(default_factory=list)
    level: int = 0
    marker: str = ""


def truncate(text: str, chars: int, lines: int | None = None) -> str:
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


def _phrase_patterns(phrases: Sequence[str]) -> list[re.Pattern[str]]:
    """One regex per phrase: whole words, any case, any whitespace, either apostrophe.

    CJK characters (one word each, :mod:`detector.cjk`) follow each other with
    no space needed and have no word boundary.
    """
    out = []
    for phrase in dict.fromkeys(p.strip() for p in phrases if p.strip()):
        words = phrase.split()
        cjk = [has_cjk(w) for w in words]
        body = "".join(
            ("" if i == 0 else r"\s*" if cjk[i - 1] and cjk[i] else r"\s+")
            + re.escape(w).replace("'", "['\u2019]")
            for i, w in enumerate(words)
        )
        head = "" if cjk[0] else r"(?<![\w'])"
        tail = "" if cjk[-1] else r"(?![\w'])"
        out.append(re.compile(head + body + tail, re.IGNORECASE))
    return out


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _mark(spans: list[Span], patterns: list[re.Pattern[str]]) -> list[Span]:
    """Split spans where the phrases occur (overlapping ones joined) and set ``mark`` there."""
    if not patterns or not spans:
        return spans
    text = "".join(s.text for s in spans)
    hits = _merge([(m.start(), m.end()) for p in patterns for m in p.finditer(text)])
    if not hits:
        return spans
    cuts = sorted({0, len(text), *[p for hit in hits for p in hit]})
    out: list[Span] = []
    offset = 0
    for span in spans:
        end = offset + len(span.text)
        inner = [c for c in cuts if offset < c < end]
        for a, b in zip([offset, *inner], [*inner, end], strict=True):
            if a == b:
                continue
            marked = any(h0 <= a and b <= h1 for h0, h1 in hits)
            out.append(Span(text[a:b], span.bold, span.italic, span.code, marked))
        offset = end
    return out


def _inline(children: list) -> list[Span]:
    spans: list[Span] = []
    bold = italic = 0
    for tok in children:
        if tok.type == "strong_open":
            bold += 1
        elif tok.type == "strong_close":
            bold -= 1
        elif tok.type == "em_open":
            italic += 1
        elif tok.type == "em_close":
            italic -= 1
        elif tok.type == "code_inline":
            spans.append(Span(tok.content, bold > 0, italic > 0, code=True))
        elif tok.type in ("softbreak",):
            spans.append(Span(" ", bold > 0, italic > 0))
        elif tok.type == "hardbreak":
            spans.append(Span("\n", bold > 0, italic > 0))
        elif tok.type == "image":
            spans.append(Span(f"[image: {tok.content}]", italic=True))
        elif tok.content:
            spans.append(Span(tok.content, bold > 0, italic > 0))
    return spans


def parse(text: str, phrases: Sequence[str] = ()) -> list[Block]:
    """Markdown ``text`` as blocks, with ``phrases`` marked wherever they occur.

    Parameters
    ----------
    text : str
        One answer (markdown or plain text).
    phrases : sequence of str
        Space-joined lowercase n-grams to mark (matched as whole words, any
        case, apostrophes ' or ’).

    Returns
    -------
    list of Block
    """
    from markdown_it import MarkdownIt

    patterns = _phrase_patterns(phrases)
    # raw HTML stays text; entities ("&amp;") stay as written, so answers are quoted exactly
    tokens = MarkdownIt("commonmark", {"html": False}).disable("entity").parse(text)
    blocks: list[Block] = []
    lists: list[list] = []  # stack of [ordered, next number]
    item: tuple[int, str] | None = None
    heading = 0
    quote = 0
    for tok in tokens:
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrGet("start") or 1) if tok.type == "ordered_list_open" else 0
            lists.append([tok.type == "ordered_list_open", start])
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif tok.type == "list_item_open":
            ordered, number = lists[-1]
            item = (len(lists), f"{number}." if ordered else "\u2022")
            lists[-1][1] += 1
        elif tok.type == "heading_open":
            heading = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading = 0
        elif tok.type == "blockquote_open":
            quote += 1
        elif tok.type == "blockquote_close":
            quote -= 1
        elif tok.type == "inline":
            spans = _mark(_inline(tok.children or []), patterns)
            if heading:
                blocks.append(Block("h", spans, level=heading))
            elif item is not None:
                blocks.append(Block("li", spans, level=item[0], marker=item[1]))
                item = None
            elif lists:
                blocks.append(Block("li", spans, level=len(lists)))
            else:
                blocks.append(Block("quote" if quote else "p", spans))
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block("code", [Span(tok.content.rstrip("\n"), code=True)]))
        elif tok.type == "hr":
            blocks.append(Block("hr"))
    return blocks

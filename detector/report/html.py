"""The HTML report: the same report as the PDF, as one self-contained web page.

Rendered from the same :class:`~detector.report.data.ReportData` and the same
words (:mod:`~detector.report.text`). Figures are inline SVG (text kept as
text, so it can be searched; each with a title and a description for screen
readers); every section has an anchor (``#candidate-scores``) and a link to
itself; the CSS is inline and responsive (tables scroll sideways, answers
side by side stack on a phone); nothing is loaded from anywhere else.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .. import figures
from ..figures.base import SUSPECT, TOP, figure_bytes
from ..terminal import printable
from . import text
from .data import SECTIONS, SHIFT_SECTION, ReportData
from .markdown import Block, Span, parse, truncate

__all__ = ["answer_html", "render_html", "section_id"]

ANSWER_CHARS = 2400
PROMPT_CHARS = 1000

CSS = """
:root { --ink: #1f2933; --muted: #5b6670; --line: #d9dee3; --soft: #f3f5f7;
  --red: #b2182b; --blue: #2166ac; --mark: #ffe58a; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font: 16px/1.5 "DejaVu Sans", -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header, nav, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: .3rem 0 .8rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
h2 a.self, h3 a.self { color: inherit; text-decoration: none; }
h2 a.self:hover::after, h3 a.self:hover::after { content: " #"; color: var(--muted); }
.kicker { font-weight: bold; color: var(--muted); letter-spacing: .08em; font-size: .8rem;
  margin-top: 1.2rem; }
.box { background: var(--soft); border: 1px solid #c4ccd4; border-radius: 6px;
  padding: .8rem 1rem; margin: 1rem 0; }
.box.related { background: #fbeaea; } .box.inconclusive, .box.synthetic { background: #fff4d6;
  border-color: #e0b44c; }
.verdict-label { font-weight: bold; color: var(--muted); font-size: .85rem; margin: 0; }
.headline { font-weight: bold; font-size: 1.2rem; margin: .2rem 0 .4rem; }
.which { margin: .2rem 0 .4rem; }
.small, figcaption, .note { font-size: .85rem; color: #4a5560; }
.scroll { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; min-width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .4rem; vertical-align: top;
  text-align: left; }
th { background: #e8ecf0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.suspect td { background: #f9e3e3; } tr.top td { background: #e1ecf7; }
tr.related td { background: #fbf3e4; }
figure { margin: 1rem 0 1.4rem; }
figure svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
pre { background: var(--soft); padding: .4rem; overflow-x: auto; white-space: pre-wrap; }
mark { background: var(--mark); padding: 0 .1em; }
.answers { display: grid; gap: .8rem; grid-template-columns: repeat(var(--n, 3), minmax(0, 1fr)); }
.answers article { border: 1px solid var(--line); border-radius: 4px; padding: .5rem .6rem;
  font-size: .85rem; overflow-wrap: anywhere; }
.answers h4 { margin: 0 0 .4rem; font-size: .9rem; }
.answers p { margin: .25rem 0; } .answers .li { margin: .1rem 0 .1rem 1.1rem; text-indent: -1.1rem; }
.answers .li2 { margin-left: 2.2rem; } .answers h5 { margin: .4rem 0 .2rem; font-size: .9rem; }
nav ul { list-style: none; padding-left: 0; columns: 2 16rem; }
@media (max-width: 700px) {
  body { font-size: 15px; } h1 { font-size: 1.4rem; }
  .answers { grid-template-columns: 1fr; }
  table.keys, table.keys tbody, table.keys tr, table.keys td { display: block; }
  table.keys thead { display: none; }
  table.keys tr { border-bottom: 1px solid var(--line); padding: .3rem 0; }
  table.keys td { border: 0; padding: .05rem .2rem; }
  table.keys td:first-child { font-weight: bold; }
}
@media print { nav { display: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
"""


def _e(value: Any) -> str:
    """Text for the page: control and bidirectional characters shown escaped
    (:func:`detector.terminal.printable`; a browser would act on them), then HTML-escaped."""
    return html.escape(printable("" if value is None else str(value)))


def section_id(title: str) -> str:
    """The anchor of a section: "2. Candidate scores" -> "candidate-scores"."""
    words = re.sub(r"^\d+\.\s*", "", title).lower()
    return re.sub(r"[^a-z0-9]+", "-", words).strip("-")


def _table(
    header: list[str],
    rows: list[list[Any]],
    *,
    numeric: tuple[int, ...] = (),
    classes: dict[int, str] | None = None,
    raw: bool = False,
    table_class: str = "",
) -> str:
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in header)
    body = []
    for k, row in enumerate(rows):
        cls = (classes or {}).get(k)
        cells = "".join(
            f"<td{' class=num' if j in numeric else ''}>{v if raw else _e(v)}</td>"
            for j, v in enumerate(row)
        )
        body.append(f"<tr{f' class={cls}' if cls else ''}>{cells}</tr>")
    return (
        f"<div class=scroll><table{f' class={table_class}' if table_class else ''}>"
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure(key: str, fig: Any, caption: str, alt: str, number: int) -> str:
    svg = figure_bytes(fig, "svg", salt=key).decode("utf-8")
    svg = svg[svg.index("<svg") :]
    label = f"fig-{key}-title"
    svg = svg.replace(
        "<svg ",
        f"<svg role='img' aria-labelledby='{label}' ",
        1,
    )
    title = f"<title id='{label}'>{_e(alt)}</title>"
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + title, svg, count=1)
    return (
        f"<figure id='figure-{key}'>{svg}<figcaption><b>Figure {number}.</b> {caption}"
        "</figcaption></figure>"
    )


def _spans(spans: list[Span]) -> str:
    out = []
    for s in spans:
        t = _e(s.text).replace("\n", "<br>")
        if s.code:
            t = f"<code>{t}</code>"
        if s.bold:
            t = f"<strong>{t}</strong>"
        if s.italic:
            t = f"<em>{t}</em>"
        if s.mark:
            t = f"<mark>{t}</mark>"
        out.append(t)
    return "".join(out)


def _blocks(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        inner = _spans(b.spans)
        if b.kind == "h":
            out.append(f"<h5>{inner}</h5>")
        elif b.kind == "li":
            cls = "li li2" if b.level > 1 else "li"
            out.append(f"<p class='{cls}'>{_e(b.marker or chr(0x2022))}&nbsp;{inner}</p>")
        elif b.kind == "code":
            out.append(f"<pre><code>{inner}</code></pre>")
        elif b.kind == "quote":
            out.append(f"<blockquote>{inner}</blockquote>")
        elif b.kind == "hr":
            out.append("<hr>")
        else:
            out.append(f"<p>{inner}</p>")
    return "".join(out)


def answer_html(answer: str, phrases: list[str] | tuple[str, ...] = ()) -> str:
    """One answer as HTML: its markdown rendered, ``phrases`` marked (escaped; no scripts)."""
    return _blocks(parse(answer, phrases))


class _Page:
    """Collects the parts of the page and numbers its figures."""

    def __init__(self, d: ReportData) -> None:
        self.d = d
        self.parts: list[str] = []
        self.n_figures = 0
        self.captions = text.captions(d, _e)
        self.in_section = False

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def p(self, markup: str, cls: str = "") -> None:
        if markup:
            self.add(f"<p{f' class={cls}' if cls else ''}>{markup}</p>")

    def section(self, k: int) -> None:
        self.open_section(SECTIONS[k])

    def open_section(self, title: str) -> None:
        """Close the open section, if any, and open one titled ``title``."""
        if self.in_section:
            self.add("</section>")
        self.in_section = True
        sid = section_id(title)
        self.add(
            f"<section id='{sid}' aria-labelledby='{sid}-h'>"
            f"<h2 id='{sid}-h'><a class=self href='#{sid}'>{_e(title)}</a></h2>"
        )

    def figure(self, key: str, fig: Any) -> None:
        self.n_figures += 1
        self.add(_figure(key, fig, self.captions[key], text.alt_text(self.d, key), self.n_figures))


# ------------------------------------------------------------------ page parts
def _header(pg: _Page) -> None:
    d = pg.d
    pg.add("<header>")
    pg.add("<p class=kicker>PROVENANCE REPORT</p>")
    if d.data.synthetic:
        pg.add(f"<div class='box synthetic' role='note'>{text.synthetic(d, _e)}</div>")
    pg.add(f"<h1>{_e(text.title(d))}</h1>")
    pg.p(text.question(d, _e))
    verdict = text.page_verdict(d)
    pg.add(
        f"<div class='box {verdict.level}' role='region' aria-label='Verdict'>"
        f"<p class=verdict-label>{_e(text.verdict_heading(d))}</p>"
        f"<p class=headline>{_e(verdict.headline)}</p>"
        + (f"<p class=which>{_e(verdict.which)}</p>" if verdict.which else "")
        + f"<p class=small>{_e(verdict.meaning)}</p></div>"
    )
    numbers = text.page_key_numbers(d)
    if numbers:  # none when the evidence is degenerate (nothing was computed)
        pg.add("<h3 id='key-numbers'>Key numbers</h3>")
        pg.add(_table(["number", "value", "what it means"],
                      [[k.name, k.value, k.meaning] for k in numbers], table_class="keys"))  # fmt: skip
    if d.shift is not None:
        r = d.shift.result
        rows = [[c.rank, c.model, f"{c.shift:+.2f}",
                 f"{c.shift_ci[0]:+.2f} to {c.shift_ci[1]:+.2f}", text.fmt_p(c.p_value), c.verdict]
                for c in r.candidates[:3]]  # fmt: skip
        pg.add("<h3>Candidates ranked by movement</h3>")
        pg.add(
            _table(["rank", "candidate", "shift", "95% interval", "p (Holm)", "reading"], rows,
                   numeric=(0, 2, 4),
                   classes={0: "related"} if r.candidates and r.candidates[0].related else {})
        )  # fmt: skip
        _header_end(pg)
        return
    rows = [
        [c.rank, c.model, text.fmt(c.score), f"{text.fmt(c.ci[0])} to {text.fmt(c.ci[1])}",
         text.fmt_p(c.p_value), c.verdict]
        for c in d.score.candidates[:3]
    ]  # fmt: skip
    pg.add("<h3>Best-ranked candidates</h3>")
    pg.add(
        _table(
            ["rank", "candidate", "score", "95% interval", "p (Holm)", "reading"],
            rows,
            numeric=(0, 2, 4),
            classes={0: "related"} if d.score.candidates and d.score.candidates[0].related else {},
        )
    )
    _header_end(pg)


def _header_end(pg: _Page) -> None:
    """The data line, the end of the header and the contents."""
    d = pg.d
    pg.p(
        f"Data: {_e(d.data.source)} (content hash {_e(d.data.data_hash)}). Generated "
        f"{_e(d.provenance.generated)} by provenance {_e(d.provenance.version)}.",
        "small",
    )
    pg.add("</header>")
    titles = ([SHIFT_SECTION] if d.shift is not None else []) + list(SECTIONS)
    items = "".join(f"<li><a href='#{section_id(t)}'>{_e(t)}</a></li>" for t in titles)
    pg.add(f"<nav aria-label='Contents'><h2>Contents</h2><ul>{items}</ul></nav>")


def _shift(pg: _Page) -> None:
    """The first section of a report with a baseline: did the suspect move, and toward whom."""
    d, e = pg.d, _e
    sh = d.shift
    assert sh is not None
    r = sh.result
    pg.open_section(SHIFT_SECTION)
    pg.p(text.shift_intro(d, e))
    pg.p(text.shift_context(d, e))
    pg.figure("shift", figures.shift_figure(r))
    rows = [[c.rank, c.model, f"{c.shift:+.2f}", f"{c.shift_ci[0]:+.2f} to {c.shift_ci[1]:+.2f}",
             text.fmt(c.z, 2), text.fmt_p(c.p_value), f"{c.null_below}/{c.null_size}", c.verdict]
            for c in r.candidates]  # fmt: skip
    pg.add(
        _table(["rank", "candidate", "shift", "95% interval", "z", "p (Holm)", "beats", "reading"],
               rows, numeric=(0, 2, 4, 5, 6),
               classes={k: "related" for k, c in enumerate(r.candidates) if c.related})
    )  # fmt: skip
    for note in r.notes:
        pg.p(f"Note: {e(note)}", "note")
    pg.add("<h3 id='shift-terms'>Words and phrases gained and lost</h3>")
    if sh.terms is None:
        pg.p(f"Unavailable: {e(sh.terms_error)}")
    else:
        pg.p(text.shift_terms_intro(d, e))
        pg.p(text.shift_owners(d, e))
        for name, terms in (("gained", sh.terms.gained), ("lost", sh.terms.lost)):
            if not terms:
                pg.p(f"No term {name}.", "small")
                continue
            rows = [[t.term, ", ".join(t.variants), f"{t.count_s:,}", f"{t.count_b:,}",
                     f"{t.per_10k_s:.1f}", f"{t.per_10k_b:.1f}", f"{t.z:+.1f}",
                     f"{t.owner} ({t.owner_z:.1f})" if t.owner else ""] for t in terms]  # fmt: skip
            pg.add(_table([name, "same habit", "count S", "count B", "per 10k S", "per 10k B",
                           "z", "whose"], rows, numeric=(2, 3, 4, 5, 6)))  # fmt: skip
    pg.add("<h3 id='shift-examples'>Answers side by side</h3>")
    x = sh.examples
    if not x.examples:
        pg.p("No prompt was answered by the baseline, the suspect and the candidate.")
        return
    pg.p(text.shift_examples_intro(d, e))
    roles = ("baseline", "suspect", "candidate")
    for k, ex in enumerate(x.examples, start=1):
        anchor = f"shift-example-{k}"
        pg.add(
            f"<h3 id='{anchor}'><a class=self href='#{anchor}'>Shift example {k}</a> "
            f"({e(ex.why)}): prompt {e(ex.prompt_id)}</h3>"
        )
        pg.p(e(truncate(ex.prompt, PROMPT_CHARS)).replace("\n", "<br>"), "small")
        cols = "".join(
            f"<article><h4>{e(m)} ({role})</h4>"
            f"{_blocks(parse(truncate(ex.answers[m], ANSWER_CHARS), x.highlight))}</article>"
            for m, role in zip(x.models, roles, strict=True)
        )
        pg.add(f"<div class=answers style='--n: {len(x.models)}'>{cols}</div>")


def _body(pg: _Page) -> None:
    d, e = pg.d, _e
    marks = {d.suspect: SUSPECT, d.top: TOP}
    pg.add("<main>")
    if d.shift is not None:
        _shift(pg)
    pg.section(0)
    pg.p(text.data_intro(d, e))
    classes = {k: "suspect" if r.model == d.suspect else "top" for k, r in enumerate(d.data.rows)
               if r.model in (d.suspect, d.top)}  # fmt: skip
    pg.add(
        _table(
            ["model", "role", "prompts answered", "shared with suspect", "mean words",
             "mean chars", "median chars"],
            [[r.model, r.role, r.answered, r.shared, f"{r.mean_words:.0f}", f"{r.mean_chars:.0f}",
              f"{r.median_chars:.0f}"] for r in d.data.rows],
            numeric=(2, 3, 4, 5, 6), classes=classes,
        )
    )  # fmt: skip
    for prob in d.data.problems[:20]:
        pg.p(f"Problem found while loading (tolerated): {e(prob)}", "note")
    pg.figure(
        "lengths", figures.lengths_figure([vars(s) for s in d.data.lengths], suspect=d.suspect, top=d.top)
    )  # fmt: skip

    pg.section(1)
    r = d.score
    pg.p(text.scores_intro(d, e))
    pg.figure("scores", figures.scores_figure(r))
    rows = [[c.rank, c.model, text.fmt(c.score), f"{text.fmt(c.ci[0])} to {text.fmt(c.ci[1])}",
             text.fmt_p(c.p_value), text.fmt(c.z, 2), c.n_prompts,
             c.verdict] for c in r.candidates]  # fmt: skip
    pg.add(
        _table(["rank", "candidate", "score", "95% interval", "p (Holm)", "z", "prompts", "reading"],
               rows, numeric=(0, 2, 4, 5, 6),
               classes={k: "related" for k, c in enumerate(r.candidates) if c.related})
    )  # fmt: skip
    for note in r.notes:
        pg.p(f"Note: {e(note)}", "note")

    pg.section(2)
    pg.p(text.CHANNELS_INTRO)
    pg.add(_table(["channel", "what it compares", "reliability", "weight"],
                  [[c.name, c.description, text.fmt(c.reliability), text.fmt(c.weight)]
                   for c in d.channels], numeric=(2, 3)))  # fmt: skip
    if r.candidates:
        pg.figure("channels", figures.channels_figure(r))
        names = list(dict.fromkeys(k for c in r.candidates for k in c.channels))
        pg.add(_table(["rank", "candidate"] + [f"z {k}" for k in names] + ["z combined"],
                      [[c.rank, c.model] + [text.fmt(c.channels.get(k), 2) for k in names]
                       + [text.fmt(c.z, 2)] for c in r.candidates],
                      numeric=tuple(range(2, len(names) + 3)) + (0,)))  # fmt: skip

    pg.section(3)
    _tree(pg, marks)
    pg.section(4)
    _identity(pg)
    pg.section(5)
    _lexical(pg)
    pg.section(6)
    _examples(pg)
    pg.section(7)
    _attribution(pg, marks)
    pg.section(8)
    for head, body in text.method_paragraphs(d, e):
        pg.add(f"<h3>{e(head)}</h3>")
        pg.p(body)
    if d.notes:
        pg.add("<h3>Notes on this report</h3><ul>")
        pg.add("".join(f"<li>{e(n)}</li>" for n in d.notes) + "</ul>")
    pg.section(9)
    pg.p("Rerunning the command below on the same data with the same versions gives the same "
         "numbers (all resampling is seeded).")  # fmt: skip
    pg.add(f"<pre><code>{e(d.provenance.command)}</code></pre>")
    pg.add(_table(["parameter", "value"], text.appendix_rows(d)))
    pg.add("<h3>Library versions</h3>")
    pg.add(_table(["library", "version"], [[k, v] for k, v in d.provenance.versions.items()]))
    pg.add("<h3>Time taken</h3>")
    pg.p(e(text.timing_line(d)), "small")
    pg.add("</section></main>")


def _tree(pg: _Page, marks: dict[str, str]) -> None:
    d, t = pg.d, pg.d.tree
    if t.tree is None:
        pg.p(f"The lineage tree is unavailable: {_e(t.error)}")
        return
    pg.p(text.tree_intro(d))
    pg.p(text.tree_reading(d, _e))
    for note in t.tree.notes:
        pg.p(f"Note: {_e(note)}", "note")
    labels = {d.suspect: f"{d.suspect}  \u25c0 suspect", d.top: f"{d.top}  \u25c0 top candidate"}
    colors = figures.group_colors(t.tree)
    pg.figure("tree", figures.dendrogram_figure(t.tree, leaf_labels=labels, label_colors=colors))
    if t.consensus is not None:
        pg.add("<h3 id='consensus'>Consensus of the resampled trees</h3>")
        pg.p(text.consensus_intro(d))
        fig = figures.consensus_figure(t.consensus, leaf_labels=labels, label_colors=colors)
        pg.figure("consensus", fig)
    elif t.consensus_note:
        pg.p(_e(t.consensus_note), "note")
    pg.figure("heatmap", figures.heatmap_figure(t.tree, highlight=marks))
    if t.mds:
        import pandas as pd

        xy = pd.DataFrame([(x, y) for _, x, y in t.mds], index=[m for m, _, _ in t.mds],
                          columns=["x", "y"])  # fmt: skip
        xy.attrs["stress"] = t.stress
        title = f"Map of the distances (metric MDS); stress-1 {t.stress:.2f}"
        pg.figure(
            "mds", figures.mds_figure(t.tree, coordinates=xy, label_colors=colors, title=title)
        )


def _identity(pg: _Page) -> None:
    d = pg.d
    pg.p(text.identity_intro())
    pg.add(_table(["model", "answers", "answers that self-identify", "as which vendor (answers)",
                   "answers saying \u201cI am an AI / a language model\u201d"],
                  [[r.model, r.answers, r.self_identify, r.vendors, r.ai_self_reference]
                   for r in d.identity.rows], numeric=(1, 2, 4)))  # fmt: skip
    for m, excerpts in d.identity.excerpts.items():
        if not excerpts:
            pg.p(f"{_e(m)}: no identity statement found.", "small")
            continue
        pg.add(f"<h3>Excerpts from {_e(m)}</h3>")
        rows = []
        for x in excerpts:
            kind = "self-identifies" if x.kind == "self_id" else "AI self-reference"
            who = f" as {x.vendor}" if x.vendor else ""
            rows.append([x.prompt_id, f"{kind}{who}" + (" (prompted)" if x.prompted else ""),
                         x.excerpt])  # fmt: skip
        pg.add(_table(["prompt", "kind", "excerpt"], rows))
        if d.identity.more.get(m):
            pg.p(f"... {d.identity.more[m]} more statements from {_e(m)} not shown.", "small")
    pg.p(text.IDENTITY_FOOTER, "small")


def _lexical(pg: _Page) -> None:
    d, lex = pg.d, pg.d.lexical
    if not lex.available:
        pg.p(f"Unavailable: {_e(lex.error)}")
        return
    pg.p(text.lexical_intro(d, _e))
    pg.p(text.lexical_overlap(d, _e))
    if not lex.habits:
        pg.p(f"{_e(d.suspect)} and {_e(d.top)} over-use no word or phrase in common.")
        return
    pg.p(text.lexical_legend(d, _e), "small")
    rows = [[f"<mark>{_e(h.term)}</mark>", _e(", ".join(h.variants)), f"{h.count_a:,}",
             f"{h.count_b:,}", f"{h.count_rest:,}", f"{h.per_10k_a:.1f}", f"{h.per_10k_b:.1f}",
             f"{h.per_10k_rest:.1f}", f"{h.z_a:.1f}", f"{h.z_b:.1f}"] for h in lex.habits]  # fmt: skip
    header = ["habit", "same habit (overlapping terms)", "count S", "count C", "count pool"]
    header += ["per 10k S", "per 10k C", "per 10k pool", "z S", "z C"]
    pg.add(_table(header, rows, numeric=tuple(range(2, 10)), raw=True))  # fmt: skip


def _examples(pg: _Page) -> None:
    d, x = pg.d, pg.d.examples
    if not x.examples:
        pg.p("No prompt was answered by the suspect, the top candidate and a contrast model.")
        return
    pg.p(text.examples_intro(d, _e))
    for k, ex in enumerate(x.examples, start=1):
        anchor = f"example-{k}"
        pg.add(
            f"<h3 id='{anchor}'><a class=self href='#{anchor}'>Example {k}</a> "
            f"({_e(ex.why)}): prompt {_e(ex.prompt_id)}</h3>"
        )
        pg.p(_e(truncate(ex.prompt, PROMPT_CHARS)).replace("\n", "<br>"), "small")
        cols = "".join(
            f"<article><h4>{_e(m)}</h4>"
            f"{_blocks(parse(truncate(ex.answers[m], ANSWER_CHARS), x.highlight))}</article>"
            for m in x.models
        )
        pg.add(f"<div class=answers style='--n: {len(x.models)}'>{cols}</div>")


def _attribution(pg: _Page, marks: dict[str, str]) -> None:
    d, a = pg.d, pg.d.attribution
    if not a.available:
        first, second = text.attribution_unavailable(d, _e)
        pg.p(first)
        pg.p(second, "small")
        return
    pg.p(text.attribution_intro(d))
    pg.p(text.attribution_went(d, _e))
    if a.scope:
        pg.p(_e(" ".join(a.scope)), "small")
    pg.figure("attribution", figures.confusion_figure(a, highlight=marks, title=""))


def render_html(d: ReportData) -> str:
    """The report of ``d`` as one self-contained HTML page (UTF-8 text)."""
    pg = _Page(d)
    _header(pg)
    _body(pg)
    verdict = text.page_verdict(d)
    description = _e(f"{verdict.label}: {verdict.headline}")
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(f'Provenance report: {d.suspect}')}</title>"
        f"<meta name='description' content=\"{description}\">"
        f"<meta name='generator' content='provenance {_e(d.provenance.version)}'>"
        f"<style>{CSS}</style></head><body>\n"
        + "\n".join(pg.parts)
        + f"\n<footer><p class=small>provenance {_e(d.provenance.version)}; data "
        f"{_e(d.data.data_hash)}</p></footer>\n</body></html>\n"
    )

"""The PDF report, rendered from a :class:`~detector.report.data.ReportData`.

Title page (the question, the verdict in plain words, the key numbers with
what each means), a linked table of contents, the sections of
:data:`~detector.report.data.SECTIONS` and a reproducibility appendix. The
words come from :mod:`~detector.report.text` (shared with the HTML report),
the figures from :mod:`detector.figures`, the layout from
:mod:`~detector.report.pdf_layout`. Nothing here computes an analysis.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from .. import figures
from ..figures.base import SUSPECT, TOP
from . import text
from .data import SECTIONS, SHIFT_SECTION, ReportData
from .markdown import parse, truncate
from .pdf_layout import MAX_FIG_H, MAX_FIG_W, Builder, fonts, stamp_figures

__all__ = ["render_pdf"]

ANSWER_CHARS = 1200
ANSWER_LINES = 30
PROMPT_CHARS = 500


def _fit(fig: Any, max_w: float = MAX_FIG_W, max_h: float = MAX_FIG_H) -> Any:
    """Shrink a figure's canvas to the page (fonts keep their size; the layout reflows)."""
    w, h = fig.get_size_inches()
    fig.set_size_inches(min(w, max_w), min(h, max_h))
    return fig


def _marks(d: ReportData) -> dict[str, str]:
    return {d.suspect: SUSPECT, d.top: TOP}


# ------------------------------------------------------------------ title page
def _title_page(b: Builder, d: ReportData) -> None:
    from reportlab.platypus.tableofcontents import TableOfContents

    e = b.fonts.markup
    b.p("PROVENANCE REPORT", "kicker")
    if d.data.synthetic:
        b.box(text.synthetic(d, e), "small", "#fff4d6", "#e0b44c")
    b.p(e(text.title(d)), "title")
    b.p(text.question(d, e), "small")
    b.space(6)
    verdict = text.page_verdict(d)
    level_color = {"related": "#fbeaea", "inconclusive": "#fff4d6"}.get(verdict.level, "#eef3f8")
    b.box(
        [
            (e(text.verdict_heading(d)), "label"),
            (e(verdict.headline), "verdict"),
            *([(e(verdict.which), "body")] if verdict.which else []),
            (e(verdict.meaning), "small"),
        ],
        color=level_color,
    )
    numbers = text.page_key_numbers(d)
    if numbers:  # none when the evidence is degenerate (nothing was computed)
        b.p("Key numbers", "h2")
        rows = [[k.name, k.value, k.meaning] for k in numbers]
        b.table(["number", "value", "what it means"], rows, [19, 27, 54])
    if d.shift is not None:
        _moved_candidates(b, d)
    else:
        _best_candidates(b, d)
    b.p(
        f"Data: {e(d.data.source)} (content hash {e(d.data.data_hash)}). Generated "
        f"{e(d.provenance.generated)} by provenance {e(d.provenance.version)}. Section 9 says "
        "what the method can and cannot show.",
        "small",
    )
    b.page_break()
    b.p("Contents", "h1")
    b.story.append(TableOfContents())
    b.page_break()


def _moved_candidates(b: Builder, d: ReportData) -> None:
    """Page 1 with a baseline: the candidates the suspect moved toward most."""
    r = d.shift.result  # type: ignore[union-attr]
    rows = [
        [str(c.rank), c.model, f"{c.shift:+.2f}", f"{c.shift_ci[0]:+.2f} to {c.shift_ci[1]:+.2f}",
         text.fmt_p(c.p_value), c.verdict]
        for c in r.candidates[:3]
    ]  # fmt: skip
    b.p("Candidates ranked by movement", "h2")
    b.table(
        ["rank", "candidate", "shift", "95% interval", "p (Holm)", "reading"],
        rows,
        [6, 24, 8, 15, 9, 38],
        align_right=(0, 2, 4),
        highlight={0: "#fbf3e4"} if r.candidates and r.candidates[0].related else None,
    )


def _best_candidates(b: Builder, d: ReportData) -> None:
    """Page 1: the best-ranked candidates of the score."""
    rows = [
        [
            str(c.rank),
            c.model,
            text.fmt(c.score),
            f"{text.fmt(c.ci[0])} to {text.fmt(c.ci[1])}",
            text.fmt_p(c.p_value),
            c.verdict,
        ]  # fmt: skip
        for c in d.score.candidates[:3]
    ]
    b.p("Best-ranked candidates", "h2")
    b.table(
        ["rank", "candidate", "score", "95% interval", "p (Holm)", "reading"],
        rows,
        [6, 24, 8, 15, 9, 38],
        align_right=(0, 2, 4),
        highlight={0: "#fbf3e4"} if d.score.candidates and d.score.candidates[0].related else None,
    )


# ------------------------------------------------------------------ the shift (--baseline)
def _shift_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    sh = d.shift
    assert sh is not None
    r = sh.result
    b.heading(SHIFT_SECTION)
    b.p(text.shift_intro(d, e))
    b.space(4)
    b.p(text.shift_context(d, e))
    b.space(4)
    fig = _fit(figures.shift_figure(r, width=MAX_FIG_W))
    b.figure("shift", fig, captions["shift"], text.alt_text(d, "shift"))
    rows, highlight = [], {}
    for k, c in enumerate(r.candidates):
        rows.append([str(c.rank), c.model, f"{c.shift:+.2f}",
                     f"{c.shift_ci[0]:+.2f} to {c.shift_ci[1]:+.2f}", text.fmt(c.z, 2),
                     text.fmt_p(c.p_value), f"{c.null_below}/{c.null_size}", c.verdict])  # fmt: skip
        if c.related:
            highlight[k] = "#fbf3e4"
    b.table(
        ["rank", "candidate", "shift", "95% interval", "z", "p (Holm)", "beats", "reading"],
        rows,
        [6, 22, 7, 14, 6, 8, 7, 30],
        align_right=(0, 2, 4, 5, 6),
        highlight=highlight,
    )
    for note in r.notes:
        b.text(f"Note: {note}", "small")
    b.p("Words and phrases gained and lost", "h2")
    if sh.terms is None:
        b.text(f"Unavailable: {sh.terms_error}")
    else:
        b.p(text.shift_terms_intro(d, e))
        owners = text.shift_owners(d, e)
        if owners:
            b.space(3)
            b.p(owners)
        for name, terms in (("gained", sh.terms.gained), ("lost", sh.terms.lost)):
            if not terms:
                b.text(f"No term {name}.", "small")
                continue
            rows = [
                [t.term, ", ".join(t.variants[:3]) + (" ..." if len(t.variants) > 3 else ""),
                 f"{t.count_s:,}", f"{t.count_b:,}", f"{t.per_10k_s:.1f}", f"{t.per_10k_b:.1f}",
                 f"{t.z:+.1f}", f"{t.owner} ({t.owner_z:.1f})" if t.owner else ""]
                for t in terms
            ]  # fmt: skip
            b.space(3)
            b.table(
                [name, "same habit", "count S", "count B", "per 10k S", "per 10k B", "z",
                 "whose"],
                rows,
                [15, 20, 8, 8, 8, 8, 7, 26],
                align_right=(2, 3, 4, 5, 6),
            )  # fmt: skip
    x = sh.examples
    b.p("Answers side by side", "h2")
    if not x.examples:
        b.text("No prompt was answered by the baseline, the suspect and the candidate.")
        return
    b.p(text.shift_examples_intro(d, e))
    for k, ex in enumerate(x.examples, start=1):
        start = len(b.story)
        b.p(f"Shift example {k} ({e(ex.why)}): prompt {e(ex.prompt_id)}", "h2")
        b.text(truncate(ex.prompt, PROMPT_CHARS), "small")
        b.space(3)
        row = [
            b.blocks(parse(truncate(ex.answers[m], ANSWER_CHARS, ANSWER_LINES), x.highlight))
            for m in x.models
        ]
        b.table([f"{m} ({role})" for m, role in zip(x.models, ("baseline", "suspect", "candidate"), strict=True)],
                [row], [1] * len(x.models))  # fmt: skip
        b.keep_together(start)


# ------------------------------------------------------------------ sections
def _data_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    b.heading(SECTIONS[0])
    b.p(text.data_intro(d, e))
    b.space(4)
    rows, highlight = [], {}
    for k, r in enumerate(d.data.rows):
        rows.append([r.model, r.role, f"{r.answered}", f"{r.shared}", f"{r.mean_words:.0f}",
                     f"{r.mean_chars:.0f}", f"{r.median_chars:.0f}"])  # fmt: skip
        if r.model == d.suspect:
            highlight[k] = "#f9e3e3"
        elif r.model == d.top:
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
        ],  # fmt: skip
        rows,
        [30, 14, 11, 11, 10, 10, 10],
        align_right=(2, 3, 4, 5, 6),
        highlight=highlight,
    )
    if d.data.problems:
        b.p("Problems found while loading (tolerated):", "h2")
        for prob in d.data.problems[:20]:
            b.text(f"- {prob}", "small")
        if len(d.data.problems) > 20:
            b.text(f"... and {len(d.data.problems) - 20} more", "small")
    stats = [vars(s) for s in d.data.lengths]
    fig = figures.lengths_figure(
        stats, suspect=d.suspect, top=d.top, width=MAX_FIG_W, max_height=MAX_FIG_H
    )
    b.figure("lengths", fig, captions["lengths"], text.alt_text(d, "lengths"))


def _scores_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    r = d.score
    b.heading(SECTIONS[1])
    b.p(text.scores_intro(d, b.fonts.markup))
    b.space(4)
    fig = _fit(figures.scores_figure(r, width=MAX_FIG_W))
    b.figure("scores", fig, captions["scores"], text.alt_text(d, "scores"))
    rows, highlight = [], {}
    for k, c in enumerate(r.candidates):
        rows.append([str(c.rank), c.model, text.fmt(c.score), f"{text.fmt(c.ci[0])} to {text.fmt(c.ci[1])}",
                     text.fmt_p(c.p_value), text.fmt(c.z, 2), f"{c.n_prompts}", c.verdict])  # fmt: skip
        if c.related:
            highlight[k] = "#fbf3e4"
    b.table(
        ["rank", "candidate", "score", "95% interval", "p (Holm)", "z", "prompts", "reading"],
        rows,
        [6, 24, 7, 13, 8, 6, 9, 27],
        align_right=(0, 2, 4, 5, 6),
        highlight=highlight,
    )
    for note in r.notes:
        b.text(f"Note: {note}", "small")


def _continued(d: ReportData) -> str:
    """The headline after a colon: "No candidate ..." -> "no candidate ...", names as given."""
    headline = text.page_verdict(d).headline
    names = [d.suspect, *(c.model for c in d.score.candidates)]
    if not headline or any(headline.startswith(n) for n in names if n):
        return headline
    return headline[0].lower() + headline[1:]


def _channels_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    r = d.score
    b.heading(SECTIONS[2])
    b.p(text.CHANNELS_INTRO)
    b.space(4)
    rows = [
        [c.name, c.description, text.fmt(c.reliability), text.fmt(c.weight)] for c in d.channels
    ]
    b.table(
        ["channel", "what it compares", "reliability", "weight"],
        rows,
        [13, 61, 13, 10],
        align_right=(2, 3),
    )
    if not r.candidates:
        return
    fig = _fit(figures.channels_figure(r, max_width=MAX_FIG_W))
    b.figure("channels", fig, captions["channels"], text.alt_text(d, "channels"))
    names = list(dict.fromkeys(k for c in r.candidates for k in c.channels))
    rows = [
        [str(c.rank), c.model]
        + [text.fmt(c.channels.get(k), 2) for k in names]
        + [text.fmt(c.z, 2)]
        for c in r.candidates
    ]
    b.table(
        ["rank", "candidate"] + [f"z {k}" for k in names] + ["z combined"],
        rows,
        [6, 25] + [10] * (len(names) + 1),
        align_right=tuple(range(2, len(names) + 3)) + (0,),
    )


def _tree_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    t = d.tree
    b.heading(SECTIONS[3])
    if t.tree is None:
        b.text(f"The lineage tree is unavailable: {t.error}")
        return
    b.p(text.tree_intro(d))
    b.space(4)
    b.p(text.tree_reading(d, e))
    for note in t.tree.notes:
        b.text(f"Note: {note}", "small")
    b.space(4)
    marks = _marks(d)
    labels = {d.suspect: f"{d.suspect}  \u25c0 suspect"}
    if d.top != d.suspect:
        labels[d.top] = f"{d.top}  \u25c0 top candidate"
    labels = {m: b.fonts.clean(v) for m, v in labels.items()}
    colors = figures.group_colors(t.tree)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        tree_fig = figures.dendrogram_figure(
            t.tree, leaf_labels=labels, width=MAX_FIG_W, label_colors=colors
        )
    b.figure("tree", _fit(tree_fig), captions["tree"], text.alt_text(d, "tree"))
    if t.consensus is not None:
        start = len(b.story)
        b.p("Consensus of the resampled trees", "h2")
        b.p(text.consensus_intro(d))
        cons = figures.consensus_figure(
            t.consensus, leaf_labels=labels, width=MAX_FIG_W, label_colors=colors
        )
        b.figure("consensus", _fit(cons), captions["consensus"], text.alt_text(d, "consensus"))
        b.keep_together(start)
    elif t.consensus_note:
        b.text(t.consensus_note, "small")
    heat = figures.heatmap_figure(  # narrower than the page: it shares one with the consensus
        t.tree,
        highlight=marks,
        max_width=min(MAX_FIG_W, 5.0 if len(t.tree.models) <= 20 else MAX_FIG_W),
        labels={m: b.fonts.clean(m) for m in marks},
    )
    b.figure("heatmap", _fit(heat), captions["heatmap"], text.alt_text(d, "heatmap"))
    if t.mds:
        import pandas as pd

        xy = pd.DataFrame([(x, y) for _, x, y in t.mds], index=[m for m, _, _ in t.mds],
                          columns=["x", "y"])  # fmt: skip
        xy.attrs["stress"] = t.stress
        fig = figures.mds_figure(
            t.tree, coordinates=xy, label_colors=colors, width=MAX_FIG_W, height=MAX_FIG_W * 0.66,
            title=f"Map of the distances (metric MDS); stress-1 {t.stress:.2f}",
        )  # fmt: skip
        b.figure("mds", _fit(fig), captions["mds"], text.alt_text(d, "mds"))


def _identity_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    b.heading(SECTIONS[4])
    b.p(text.identity_intro())
    b.space(4)
    rows = [
        [r.model, f"{r.answers}", f"{r.self_identify}", r.vendors, f"{r.ai_self_reference}"]
        for r in d.identity.rows
    ]
    b.table(
        [
            "model",
            "answers",
            "answers that self-identify",
            "as which vendor (answers)",
            "answers saying \u201cI am an AI / a language model\u201d",
        ],  # fmt: skip
        rows,
        [25, 10, 16, 28, 21],
        align_right=(1, 2, 4),
    )
    for m, excerpts in d.identity.excerpts.items():
        if not excerpts:
            b.text(f"{m}: no identity statement found.", "small")
            continue
        b.p(f"Excerpts from {e(m)}", "h2")
        rows = []
        for x in excerpts:
            kind = "self-identifies" if x.kind == "self_id" else "AI self-reference"
            who = f" as {x.vendor}" if x.vendor else ""
            rows.append([x.prompt_id, f"{kind}{who}" + (" (prompted)" if x.prompted else ""),
                         x.excerpt])  # fmt: skip
        b.table(["prompt", "kind", "excerpt"], rows, [20, 20, 60], mono_cols=(0,))
        if d.identity.more.get(m):
            b.text(f"... {d.identity.more[m]} more statements from {m} not shown.", "small")
    b.p(text.IDENTITY_FOOTER, "small")


def _lexical_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    lex = d.lexical
    b.heading(SECTIONS[5])
    if not lex.available:
        b.text(f"Unavailable: {lex.error}")
        return
    b.p(text.lexical_intro(d, e))
    overlap = text.lexical_overlap(d, e)
    if overlap:
        b.space(4)
        b.p(overlap)
    b.space(4)
    if not lex.habits:
        b.text(f"{d.suspect} and {d.top} over-use no word or phrase in common.")
        return
    b.p(text.lexical_legend(d, e), "small")
    b.space(3)
    rows = [
        [h.term, ", ".join(h.variants[:4]) + (" ..." if len(h.variants) > 4 else ""),
         f"{h.count_a:,}", f"{h.count_b:,}", f"{h.count_rest:,}", f"{h.per_10k_a:.1f}",
         f"{h.per_10k_b:.1f}", f"{h.per_10k_rest:.1f}", f"{h.z_a:.1f}", f"{h.z_b:.1f}"]
        for h in lex.habits
    ]  # fmt: skip
    header = ["habit", "same habit (overlapping terms)", "count S", "count C", "count pool"]
    header += ["per 10k S", "per 10k C", "per 10k pool", "z S", "z C"]
    b.table(header, rows, [16, 24, 7, 7, 8, 8, 8, 8, 6, 6], align_right=tuple(range(2, 10)))


def _side_by_side_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    x = d.examples
    b.heading(SECTIONS[6])
    if not x.examples:
        b.text("No prompt was answered by the suspect, the top candidate and a contrast model.")
        return
    b.p(text.examples_intro(d, e))
    for k, ex in enumerate(x.examples, start=1):
        start = len(b.story)
        b.p(f"Example {k} ({e(ex.why)}): prompt {e(ex.prompt_id)}", "h2")
        b.text(truncate(ex.prompt, PROMPT_CHARS), "small")
        b.space(3)
        row = [
            b.blocks(parse(truncate(ex.answers[m], ANSWER_CHARS, ANSWER_LINES), x.highlight))
            for m in x.models
        ]
        b.table(x.models, [row], [1] * len(x.models))
        b.keep_together(start)


def _attribution_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    e = b.fonts.markup
    a = d.attribution
    b.heading(SECTIONS[7])
    if not a.available:
        first, second = text.attribution_unavailable(d, e)
        b.p(first)
        b.p(second, "small")
        return
    b.p(text.attribution_intro(d))
    went = text.attribution_went(d, e)
    if went:
        b.space(4)
        b.p(went)
    if a.scope:
        b.p(" ".join(a.scope), "small")
    b.space(4)
    fig = figures.confusion_figure(a, highlight=_marks(d), max_width=MAX_FIG_W, title="")
    b.figure(
        "attribution", _fit(fig), captions["attribution"],
        text.alt_text(d, "attribution"),
    )  # fmt: skip


def _method_section(b: Builder, d: ReportData, captions: dict[str, str]) -> None:
    b.heading(SECTIONS[8])
    for head, body in text.method_paragraphs(d, b.fonts.markup):
        b.p(head, "h2")
        b.p(body)
    if d.notes:
        b.p("Notes on this report", "h2")
        for note in d.notes:
            b.text(f"- {note}", "small")


def _appendix(b: Builder, d: ReportData) -> None:
    b.heading(SECTIONS[9])
    b.p(
        "Rerunning the command below on the same data with the same versions gives the same "
        "numbers (all resampling is seeded)."
    )
    b.text(d.provenance.command, "small")
    b.space(4)
    b.table(["parameter", "value"], text.appendix_rows(d), [25, 75])
    b.p("Library versions", "h2")
    b.table(["library", "version"], [[k, v] for k, v in d.provenance.versions.items()], [30, 70])
    b.p("Time taken", "h2")
    b.text(text.timing_line(d), "small")


SECTION_WRITERS = (
    _data_section,
    _scores_section,
    _channels_section,
    _tree_section,
    _identity_section,
    _lexical_section,
    _side_by_side_section,
    _attribution_section,
    _method_section,
)


def render_pdf(d: ReportData, out: str | os.PathLike[str]) -> int:
    """Write the PDF report of ``d`` to ``out`` (atomically); return its page count."""
    from .._version import __version__

    f = fonts()
    b = Builder(f)
    captions = text.captions(d, f.markup)
    _title_page(b, d)
    if d.shift is not None:
        _shift_section(b, d, captions)
        b.page_break()
    for section in SECTION_WRITERS:
        section(b, d, captions)
        b.page_break()
    _appendix(b, d)
    body = b.build(
        {
            "title": f.clean(f"Provenance report: {d.suspect}"),
            "author": f"provenance {__version__}",
            "subject": f.clean(f"{text.page_verdict(d).label}: {_continued(d)}"),
            "creator": f"provenance {__version__} (reportlab, matplotlib, pypdf)",
        },
        f"Provenance report: {d.suspect}",
        f"data {d.data.data_hash}",
    )
    return stamp_figures(body, b, Path(out))

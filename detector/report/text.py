"""The report's words, shared by the PDF and the HTML so both say the same.

Every function reads a :class:`~detector.report.data.ReportData` and returns
text with ``<b>`` and ``<i>`` as its only markup (both reportlab and HTML
read them). Names and other data go through ``esc``, the renderer's escaping
(XML escapes and font fallbacks for the PDF, HTML escapes for the web page),
so a model called ``<b>&`` is shown as written. Model names are never
capitalized: they appear exactly as given.
"""

from __future__ import annotations

from collections.abc import Callable

from ..figures import DISTANCE_COLOURS
from ..shift_terms import MAX_PROMPT_SHARE, MIN_PROMPTS
from ..tree import SUPPORTED, method_label
from .data import KeyNumber, ReportData, ShiftSection, Verdict

Esc = Callable[[str], str]

__all__ = ["alt_text", "captions", "fmt", "fmt_p", "method_paragraphs", "names"]


def fmt(x: float | None, digits: int = 3) -> str:
    """A number for a table; "n/a" for None or NaN."""
    return "n/a" if x is None or x != x or x in (float("inf"), float("-inf")) else f"{x:.{digits}f}"


def fmt_p(p: float | None) -> str:
    """A p-value for a table, two significant digits."""
    return "n/a" if p is None else f"{p:.2g}"


def names(models: list[str], e: Esc, limit: int = 8) -> str:
    """ "a, b and 3 more", escaped."""
    shown = ", ".join(e(m) for m in models[:limit])
    return shown if len(models) <= limit else f"{shown} and {len(models) - limit} more"


# ------------------------------------------------------------------ title page
def _shift(d: ReportData) -> ShiftSection | None:
    """The shift section of a report with a baseline (None without; duck-typed data too)."""
    return getattr(d, "shift", None)


def title(d: ReportData) -> str:
    shift = _shift(d)
    if shift is not None:
        return f"Did {d.suspect} move toward another model's outputs, relative to {shift.result.baseline}?"
    return f"Did {d.suspect} learn from another model's outputs?"


def question(d: ReportData, e: Esc) -> str:
    cands = [c.model for c in d.score.candidates]
    every = "every other model in the corpus" if d.all_candidates else "chosen by the user"
    shift = _shift(d)
    if shift is not None:
        r = shift.result
        moved = [c.model for c in r.candidates]
        return (
            f"Compared with <b>{e(r.baseline)}</b> (its predecessor, or a sibling on the same "
            f"base model), did <b>{e(d.suspect)}</b> come to resemble one of {len(moved)} "
            f"candidate models ({names(moved, e, 6)}) more than it came to resemble unrelated "
            f"models? Their answers to the {r.n_prompts} prompts both answered were compared "
            "prompt by prompt, after removing what every model says on a prompt (the topic) and "
            "controlling for length and formatting; what the baseline already shares with a "
            "candidate is subtracted. Sections 1 to 9 then ask the plain question: whom does "
            f"{e(d.suspect)} resemble most?" + set_aside(d, e)
        )
    return (
        f"Was <b>{e(d.suspect)}</b> trained on the outputs of one of {len(cands)} candidate "
        f"models ({every}: {names(cands, e, 6)}), or derived from one of them? Their answers "
        f"to the same {d.score.n_prompts} prompts were compared prompt by prompt, after "
        "removing what every model says on a prompt (the topic) and controlling for length "
        "and formatting." + set_aside(d, e)
    )


def set_aside(d: ReportData, e: Esc) -> str:
    """One sentence on the candidates left out because they were released after the suspect."""
    later = list((d.score.roles or {}).get("set_aside") or {})
    if not later:
        return ""
    return (
        f" {len(later)} other model{'s were' if len(later) > 1 else ' was'} not a candidate: "
        f"released after {e(d.suspect)}, {'they' if len(later) > 1 else 'it'} cannot be its "
        f"teacher or parent ({names(later, e, 6)})."
    )


def synthetic(d: ReportData, e: Esc) -> str:
    if not d.data.synthetic:
        return ""
    return (
        "<b>Synthetic data.</b> This report is on made-up data: "
        f"{e(d.data.synthetic_reason)}. It shows what a report looks like; it says nothing "
        "about any real model."
    )


def page_verdict(d: ReportData) -> Verdict:
    """The verdict page 1 shows: the shift test's with a baseline, else the score's."""
    sh = _shift(d)
    return sh.verdict if sh is not None else d.verdict


def page_key_numbers(d: ReportData) -> list[KeyNumber]:
    """The key numbers page 1 shows (the shift test's with a baseline)."""
    sh = _shift(d)
    return sh.key_numbers if sh is not None else d.key_numbers


def verdict_heading(d: ReportData) -> str:
    return f"Verdict: {page_verdict(d).label}"


# ------------------------------------------------------------------ the shift (--baseline)
def shift_intro(d: ReportData, e: Esc) -> str:
    r = d.shift.result  # type: ignore[union-attr]
    s, b = e(r.suspect), e(r.baseline)
    return (
        f"Every model the suspect is compared with gets a <b>shift</b>: how much more {s} "
        f"resembles it than {b} does, on the same prompts and channels as the scores of "
        "section 2, in standard deviations of the models' resemblances, with a 95% interval "
        f"from resampling the prompts {r.n_bootstrap} times. Training on a model's outputs "
        "moves a model toward it; becoming a chat model, or following the era's style, moves "
        "it toward many models at once. So each candidate's shift is placed among the shifts "
        f"toward unrelated models ({e(r.calibration)}): its <b>z</b>, <b>score</b> and Holm "
        "<b>p-value</b> mean what they mean in section 2, for the shift instead of the "
        "resemblance. Neither the suspect nor the baseline is a candidate or a reference model."
    )


def shift_context(d: ReportData, e: Esc) -> str:
    """The baseline's relation to the suspect and whether the suspect moved at all."""
    r = d.shift.result  # type: ignore[union-attr]
    check = r.baseline_check
    if check.related is None:
        base = f"There are too few other models to say how related {e(r.baseline)} is."
    elif check.related:
        base = (
            f"{e(r.baseline)} resembles {e(r.suspect)} more than {check.null_below} of "
            f"{check.null_size} unrelated models do (z = {check.z:.1f}): a plausible baseline."
        )
    else:
        base = (
            f"<b>{e(r.baseline)} resembles {e(r.suspect)} no more than unrelated models do beyond "
            f"chance</b> (more than {check.null_below} of {check.null_size}, z = {check.z:.1f}): "
            "what the two share does not show in their answers, so the shift says which models "
            f"{e(r.suspect)} resembles more than {e(r.baseline)} does, not what its own training "
            "added."
        )
    return f"{base} {e(r.movement.words)}"


def shift_terms_intro(d: ReportData, e: Esc) -> str:
    t = d.shift.terms  # type: ignore[union-attr]
    assert t is not None
    return (
        f"Words and phrases {e(t.suspect)} uses more (gained) and less (lost) than "
        f"{e(t.baseline)} on the {t.n_prompts} prompts both answered: the log-odds of one "
        "against the other with an informative prior, as a z-score (Monroe, Colaresi and "
        "Quinn 2008); words of the prompt, numbers and proper names are not counted, a term "
        f"is listed only when used in at least {MIN_PROMPTS} answers with none holding more "
        f"than {MAX_PROMPT_SHARE:.0%} of its uses (a habit, not one answer's topic), and "
        "overlapping phrases of one habit are shown once. <b>whose</b>: the candidate that "
        "over-uses the term most against all other models (z above 2), if any."
    )


def shift_owners(d: ReportData, e: Esc) -> str:
    t = d.shift.terms  # type: ignore[union-attr]
    if t is None or not t.owners:
        return ""
    first = t.owners[0]
    median = "" if t.median is None else f"; the median {t.who} over-uses {t.median:.0f}"
    others = ", ".join(f"{e(o.model)} {o.count}" for o in t.owners[1:4])
    return (
        f"Of the {t.k} terms {e(t.suspect)} gained most (z above 2), {e(first.model)} over-uses "
        f"{first.count}" + (f" (then {others})" if others else "") + median + "."
    )


def shift_examples_intro(d: ReportData, e: Esc) -> str:
    sh = d.shift
    assert sh is not None
    r, x, target = sh.result, sh.examples, e(sh.target)
    text = (
        f"The same prompt answered by the baseline {e(r.baseline)}, the suspect {e(r.suspect)} "
        f"and {target}: first the prompts on which {e(r.suspect)} moved most toward {target} "
        "(its resemblance minus the baseline's; the strongest examples, not typical ones), then "
        "one of median shift."
    )
    if x.min_words:
        text += f" Only prompts all three answered in at least {x.min_words} words were considered."
    if x.highlight:
        text += " <b>Highlighted</b>: words and phrases the suspect gained."
    return text + " Markdown is shown as formatted text; long answers are cut where marked."


# ------------------------------------------------------------------ sections
def data_intro(d: ReportData, e: Esc) -> str:
    o = d.data
    return (
        f"Source: {e(o.source)}. {o.n_models} models, {o.n_prompts} prompts ({o.n_shared} "
        f"answered by every model), {o.n_outputs:,} answers. The suspect answered "
        f"{o.suspect_answered} prompts; scores use the {d.score.n_prompts} prompts it "
        "answered. A model compared with the suspect on fewer prompts than it answered "
        "(partial coverage) is compared on the prompts both answered."
    )


def scores_intro(d: ReportData, e: Esc) -> str:
    r = d.score
    return (
        "Each candidate's <b>score</b> says where it sits among unrelated models in its "
        f"resemblance to {e(r.suspect)}: 0.5 is typical of an unrelated model, 0.99 means "
        "only 1 in 100 unrelated models would be as similar. The <b>95% interval</b> comes "
        f"from resampling the prompts {r.n_bootstrap} times (seed {r.seed}): how much the score "
        "depends on which prompts happened to be asked. The <b>p-value</b> is the chance that "
        "an unrelated model stands out this much, corrected (Holm) for testing "
        f"{len(r.candidates)} candidates; below {r.alpha:g} the candidate is called "
        "<b>related</b>. z is the same evidence in standard deviations above unrelated models. "
        f"Unrelated models here: {e(_baseline(d))}."
    )


def _baseline(d: ReportData) -> str:
    for k in d.key_numbers:
        if k.name == "compared against":
            return k.value
    return d.score.calibration


CHANNELS_INTRO = (
    "The tool compares the models through several independent channels. Each channel's "
    "weight is learned without labels from its split-half reliability: the affinities "
    "measured on two random halves of the prompts agree (reliability near 1) or not; a "
    "channel that agrees with itself carries more weight."
)


def tree_intro(d: ReportData) -> str:
    tree = d.tree.tree
    assert tree is not None
    split = (
        "has a branch separating exactly that group from the other models"
        if tree.method == "nj"
        else "contains exactly that group"
    )
    return (
        "The tree groups all compared models by the same combined evidence the scores use "
        f"({method_label(tree.method)}). Distances are in standard deviations of the "
        "between-model affinity; the closest pair is placed one standard error of its "
        f"affinity apart ({tree.resolution:.3f}), as close as the data can tell two models, "
        "not at zero. Each group's <b>support</b> is the share of "
        f"{tree.n_bootstrap} prompt resamplings (seed {tree.seed}) whose tree {split}; "
        f"{SUPPORTED} or more is well supported."
    )


def tree_reading(d: ReportData, e: Esc) -> str:
    t = d.tree
    assert t.tree is not None
    support = "no bootstrap" if t.sister_support is None else f"support {t.sister_support:.2f}"
    pair = "no bootstrap" if t.pair_support is None else f"support {t.pair_support:.2f}"
    group = "the group " if len(t.sister) > 1 else ""
    return (
        f"{e(d.suspect)} joins first with {group}{names(t.sister, e, 6)} ({support}). The "
        f"smallest group holding both {e(d.suspect)} and {e(d.top)} has {t.pair_size} of "
        f"{len(t.tree.models)} models ({pair})."
    )


def consensus_intro(d: ReportData) -> str:
    c = d.tree.consensus
    assert c is not None
    return (
        f"The consensus tree keeps only the groups found in more than half of the "
        f"{c.n_bootstrap} resampled trees (majority rule, as stylo draws it); models whose "
        "place the resamples disagree on hang from the nearest group they agree on. Branch "
        f"lengths are not drawn: a consensus keeps groups, not distances. It is {c.rooted}."
    )


def captions(d: ReportData, e: Esc) -> dict[str, str]:
    """Figure captions, by figure key."""
    top = e(d.top)
    n_fig = min(len(d.score.candidates), 30)
    n_cand = len(d.score.candidates)
    shown = (
        f"the {n_fig} highest-ranked of {n_cand} candidates; all are in the table"
        if n_fig < n_cand
        else f"all {n_cand} candidates"
    )
    stress = d.tree.stress
    return {
        "lengths": (
            f"Answer lengths per model (red: the suspect; blue: {top}). Length and markdown "
            "are regressed out of every channel before models are compared, so models are not "
            "called related merely for being equally brief or equally formatted."
        ),
        "scores": f"Scores with 95% intervals, {shown}. Unrelated models: {e(_baseline(d))}.",
        "channels": (
            f"Each channel on its own, for the {min(15, n_cand)} highest-ranked candidates: z, "
            "the candidate's resemblance to the suspect in standard deviations above unrelated "
            "models (red: more alike than unrelated models; blue: less). 'combined' is the "
            "weighted evidence the score uses. A relation seen in several channels at once is "
            "harder to explain by one shared habit."
        ),
        "tree": (
            "Lineage tree. Branches join where groups of models resemble each other; numbers on "
            f"the branches are bootstrap supports (bold: {SUPPORTED} or more). Colours mark "
            "well-supported groups (legend below the tree). The tree shows resemblance, not "
            "descent: siblings trained on the same data, or on the same base model, join as "
            "readily as teacher and student."
        ),
        "consensus": (
            "Majority-rule consensus of the bootstrap trees: only groups found in more than "
            "half of them; the number at a group is that share. Same colours as the tree."
        ),
        "heatmap": (
            f"Distances between all models, in the tree's order: {DISTANCE_COLOURS}. Red "
            f"label: the suspect; blue: {top}."
        ),
        "mds": (
            "The models on a map: the closer two points, the more alike the models (metric "
            "multidimensional scaling of the distances). "
            + (
                f"Its stress-1 is {stress:.2f}, {e(d.tree.stress_words)}."
                if stress is not None
                else ""
            )
        ),
        "shift": (
            "How far the suspect moved toward each candidate from the baseline: the shift "
            "(dot) with its 95% interval (bar), ranked by z. The grey band is the middle half "
            "of the unrelated models' shifts and the grey line their median; the dotted line is "
            "no shift. Red: moved toward it beyond the unrelated models after Holm correction."
        ),
        "attribution": (
            "Attribution confusion matrix on held-out prompts (rows: the model that wrote the "
            "answers; columns: the model the classifier named; numbers: answers; colour: share "
            f"of the row). Red label: the suspect; blue: {top}."
        ),
    }


def alt_text(d: ReportData, key: str) -> str:
    """A plain description of a figure for readers who cannot see it."""
    r = d.score
    if key == "lengths":
        med = {s.model: s.median for s in d.data.lengths}
        return (
            f"Box plot of words per answer for {len(med)} models. Median: {d.suspect} "
            f"{med.get(d.suspect, 0):.0f} words, {d.top} {med.get(d.top, 0):.0f} words."
        )
    if key == "scores":
        best = ", ".join(f"{c.model} {fmt(c.score, 2)}" for c in r.candidates[:3])
        return f"Dot plot of candidate scores with 95% intervals; highest: {best}."
    if key == "channels":
        return "Table of z per channel for the highest-ranked candidates: " + "; ".join(
            f"{c.model}: " + ", ".join(f"{k} {fmt(v, 1)}" for k, v in c.channels.items())
            for c in r.candidates[:3]
        )
    if key in ("tree", "consensus"):
        t = d.tree
        return (
            f"Tree of {len(t.tree.models) if t.tree else 0} models. {d.suspect} joins first "
            f"with {', '.join(t.sister) or 'no single model'}."
        )
    if key == "heatmap":
        return f"Heatmap of distances between all models, in the tree's order; {DISTANCE_COLOURS}."
    if key == "mds":
        return f"Map of the models by similarity; stress {d.tree.stress or 0:.2f}."
    shift = _shift(d) if key == "shift" else None
    if shift is not None:
        best = ", ".join(f"{c.model} {c.shift:+.2f}" for c in shift.result.candidates[:3])
        return f"Dot plot of each candidate's shift from the baseline with 95% intervals: {best}."
    if key == "attribution":
        went = ", ".join(f"{m} {s:.0%}" for m, s in d.attribution.suspect_row)
        return (
            f"Confusion matrix of the attribution classifier; the suspect's answers went to {went}."
        )
    return key


def identity_intro() -> str:
    return (
        "A student trained on a teacher's answers often inherits the teacher's "
        "self-description (\u201cAs an AI language model developed by OpenAI, ...\u201d). The "
        "tool finds statements in which an answer says it <i>is</i> a vendor's model or was "
        "made by that vendor (self-identification), and vendor-free ones (\u201cI am a "
        "language model\u201d). Excerpts are quoted exactly, whitespace collapsed; "
        "\u201cprompted\u201d marks an answer whose prompt itself names that vendor."
    )


IDENTITY_FOOTER = (
    "No identity statement is the normal case on ordinary prompts and says nothing about "
    "independence; a wrong-vendor claim is strong evidence, but one statement alone can "
    "also come from public data that quotes another model."
)


def lexical_intro(d: ReportData, e: Esc) -> str:
    lex = d.lexical
    return (
        f"Words and phrases that both {e(d.suspect)} and {e(d.top)} use more often than the "
        "other models do when answering the same prompts. Each model is compared with the pool "
        "of the other models' answers on the prompts it answered (log-odds with an informative "
        "prior, as a z-score; Monroe, Colaresi and Quinn 2008). Words of the prompt itself, "
        "numbers and proper names are not counted, and a term must occur on several prompts "
        "(over all models) to count at all; a word the suspect repeats within a few answers "
        "can still rank high, so read the examples before calling a term a habit. One habit "
        "makes every word sequence inside it over-used too, so overlapping ones are shown once: "
        f"the {len(lex.habits)} distinct habits among the {lex.n_terms} shared terms, each with "
        "the overlapping terms it stands for."
    )


def lexical_overlap(d: ReportData, e: Esc) -> str:
    o = d.lexical.overlap
    if o is None:
        return ""
    return (
        f"Of the {o.k} terms {e(d.suspect)} over-uses most (z above 2), {e(d.top)} over-uses "
        f"{o.top} too (z above 2); the median {o.who} over-uses {o.median:.0f} of them."
    )


def lexical_legend(d: ReportData, e: Esc) -> str:
    return (
        f"<b>S</b> = the suspect, {e(d.suspect)}; <b>C</b> = the candidate, {e(d.top)}; "
        f"<b>pool</b> = the other {d.lexical.n_rest} models together (neither S nor C). Rates are "
        "per 10,000 words or phrases of the same length in that model's answers, or in the "
        "pool's. z: over-use against the pool of all other models, in standard errors."
    )


def examples_intro(d: ReportData, e: Esc) -> str:
    x = d.examples
    text = (
        f"The same prompt answered by {e(d.suspect)}, its top candidate {e(d.top)}"
        + (f" and, for contrast, {e(x.contrast)} (a typical unrelated model)" if x.contrast else "")
        + ". The first examples are the prompts on which the suspect and the candidate are "
        "most alike after the topic is removed (the strongest examples, not typical ones); the "
        "last is a prompt of median similarity."
    )
    if x.min_words:
        text += (
            f" Only prompts both answered in at least {x.min_words} words were considered, "
            "since very short answers are alike without showing much."
        )
    if x.highlight:
        text += " <b>Highlighted</b>: the shared habits of section 6."
    return text + " Markdown is shown as formatted text; long answers are cut where marked."


def attribution_unavailable(d: ReportData, e: Esc) -> tuple[str, str]:
    return (
        f"This section is unavailable: {e(d.attribution.note)}.",
        "An attribution classifier learns to tell the models apart from single answers; its "
        "confusion matrix would show how often answers of each model are taken for another's. "
        "The scores above do not depend on it.",
    )


def attribution_intro(d: ReportData) -> str:
    a = d.attribution
    return (
        "A classifier (detector.attribution) was trained to say which of "
        f"{len(a.models)} models wrote a single answer, from its words and style, and tested "
        "on prompts it never saw in training (prompt-grouped cross-validation). Its held-out "
        f"accuracy is {a.accuracy or 0:.1%}, against {a.chance or 0:.1%} for always naming the "
        "most common model: it says how distinct the models' writing is, not who learned from "
        "whom. The confusion matrix shows where each model's answers went: a suspect whose "
        "answers are often taken for one candidate's writes like that candidate answer by "
        "answer. The scores above do not depend on it."
    )


def attribution_went(d: ReportData, e: Esc) -> str:
    went = "; ".join(f"{e(m)} {s:.0%}" for m, s in d.attribution.suspect_row)
    return f"Held-out answers of {e(d.suspect)} were attributed to: {went}." if went else ""


def method_paragraphs(d: ReportData, e: Esc) -> list[tuple[str, str]]:
    r = d.score
    return [
        (
            "What was measured",
            "Every model answered the same prompts. For each prompt the tool removes what all "
            "models say in common (the topic the prompt dictates) and regresses out length and "
            "formatting (headings, lists, bold, tables, code), then measures how alike two "
            "models' remaining answers are, channel by channel: the meaning and phrasing seen by "
            "a sentence-embedding model, style measurements, vocabulary, and identity "
            "statements. The channels are averaged over prompts and combined with weights that "
            "reflect how reproducible each one is.",
        ),
        (
            "What the score means",
            f"The resemblance of {e(r.suspect)} to a candidate is compared with two sets of "
            "unrelated models: how much the suspect resembles each reference model, and how "
            "much each reference model resembles the candidate. The candidate must stand out in "
            "both, which keeps a model that everyone resembles, or a suspect that resembles "
            "everyone, from being named a teacher. The smaller of the two standings is the "
            "candidate's z, and the score is the share of unrelated models expected to be less "
            "similar than the candidate: 0.5 is typical of an unrelated model, 0.99 means only "
            "1 in 100 would be as similar. The 95% interval shows how much the score moves when "
            f"the prompts are resampled ({r.n_bootstrap} resamplings). The p-value is one-sided "
            "(Student t with the reference set's degrees of freedom) and Holm-corrected for the "
            f"number of candidates; a candidate with a corrected p-value below {r.alpha:g} is "
            f"called related. Unrelated models in this report: {e(_baseline(d))}.",
        ),
        (
            "What it cannot prove",
            "A high score says the suspect writes like the candidate <i>far more than unrelated "
            "models do</i>; it does not say how. Models that share a base model, a sibling "
            "student, or the same public data (for example, public datasets of another model's "
            "answers) also resemble each other, and the tool can only separate those "
            "explanations as far as the reference models allow: when several candidates are "
            "related, the tree and the channels show whether they form one family. A low score "
            "is not proof of independence: heavy preference tuning, paraphrasing, a different "
            "language or a different kind of prompt can wash the signal out. Scores are "
            "relative to the reference models; with few or related reference models they are "
            "less reliable, and with fewer than five the candidates are only ranked.",
        ),
        (
            "Evidence a person can check",
            "The identity excerpts, the shared words and phrases with their counts, and the "
            "side-by-side answers are there to be read: they are the observations behind the "
            "numbers, not a further test. The side-by-side examples were chosen as the most "
            "similar prompts and are stronger than the typical prompt.",
        ),
    ]


def appendix_rows(d: ReportData) -> list[list[str]]:
    r, p = d.score, d.provenance
    tree = d.tree.tree
    rows = [
        ["tool version", f"provenance {p.version}"],
        ["generated", p.generated],
        ["data source", d.data.source],
        ["data hash", f"{d.data.data_hash} (SHA-256 over model, prompt id, output)"],
        ["suspect", r.suspect],
        ["candidates", ", ".join(c.model for c in r.candidates)],
        ["reference models", ", ".join(r.reference) or "none named"],
        ["unrelated baseline", _baseline(d)],
        ["channels", ", ".join(r.weights)],
        ["channel weights", ", ".join(f"{k} {v}" for k, v in r.weights.items())],
        ["channel reliabilities", ", ".join(f"{k} {v}" for k, v in r.reliability.items())],
        ["seed", str(r.seed)],
        ["score bootstrap", f"{r.n_bootstrap} prompt resamplings"],
        ["tree bootstrap", f"{tree.n_bootstrap} prompt resamplings" if tree else "n/a"],
        ["alpha (family-wise)", f"{r.alpha:g}"],
        ["calibration", r.calibration],
    ]
    a = d.attribution
    if a.available:
        rows.append(
            [
                "attribution classifier",
                f"channels {', '.join(a.channels)}; {a.n_folds} prompt-grouped folds; "
                f"{a.n_prompts} prompts, {a.n_texts} answers; models {', '.join(a.models)}",
            ]
        )
    rows += [[k, str(v)] for k, v in p.feature_params.items()]
    return rows


def timing_line(d: ReportData) -> str:
    p = d.provenance
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in p.timings.items() if k != "total")
    return f"{steps} (before the document was assembled; machine: {p.machine})"

"""Rendering: one answer in one model's :class:`~detector.demo.styles.Style`.

A :class:`Plan` is the content of the obvious answer to a prompt, shared by
every model; a writer fills the sentence frames of ``demo_phrases.json`` in a
style, following the plan with some departures, and lays the sentences out as
prose, lists and markdown. :func:`generate_answer` keeps each answer between
:data:`MIN_WORDS` and :data:`MAX_WORDS` words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .data import (
    BULLET_MARKS,
    CAPABILITIES,
    CLOSERS,
    CONCLUSIONS,
    ELABORATIONS,
    HEADING_LEVELS,
    HEADINGS,
    INTROS,
    LEADINS,
    NAMES,
    OPENERS,
    PAREN,
    PETS,
    PROPER,
    SLOTS,
    STORY_CLOSE,
    STORY_MIDDLE,
    STORY_OPEN,
    Topic,
)
from .prompts import DemoPrompt
from .styles import Style

__all__ = [
    "DEPART",
    "KIND_FIXED",
    "KIND_SCALE",
    "LISTABLE",
    "MAX_WORDS",
    "MIN_WORDS",
    "Plan",
    "cap",
    "generate_answer",
]

MIN_WORDS, MAX_WORDS = 40, 250
DEPART = 0.25  # probability that a model departs from the shared plan at a choice
# Expected number of items (content sentences) per answer, relative to a style's length.
KIND_SCALE = {
    "explain": 1.0,
    "advice": 1.0,
    "proscons": 1.2,
    "story": 1.3,
    "summary": 0.9,
    "identity": 0.5,
}
# Sentences every answer of a kind has besides its items.
KIND_FIXED = {"explain": 2, "advice": 2, "proscons": 2, "story": 4, "summary": 2, "identity": 1}
LISTABLE = ("explain", "advice", "proscons", "summary")


def cap(text: str) -> str:
    """``text`` with its first letter upper-cased (the rest left as it is)."""
    return text[:1].upper() + text[1:]


def _decap(text: str) -> str:
    first = text.split(" ", 1)[0].rstrip(",:;")
    if first in PROPER or (len(first) > 1 and not first[1:].islower()):
        return text
    return text[:1].lower() + text[1:]


_FIELD = re.compile(r"\{(\w+)\}")
_ARTICLE = re.compile(r"\b([Aa]) (?=[aeioAEIO])")


class Plan:
    """The content of the obvious answer to one prompt, shared by every model.

    Models answering the same question tend to say the same things in the same
    order; they differ in how much they say and how they say it. A plan fixes
    the order of the topic's facts, tips, pros and cons, the intro and
    conclusion frames, the order of elaborations, story beats and capability
    sentences, the story's character and the sequence of topic terms. Each
    model follows it, except that each choice departs from it with
    probability :data:`DEPART` (the model's own draw).
    """

    def __init__(self, rng: np.random.Generator, topic: Topic | None) -> None:
        self.orders: dict[str, np.ndarray] = {}
        if topic is not None:
            for group in ("facts", "tips", "pros", "cons"):
                self.orders[group] = rng.permutation(len(getattr(topic, group)))
            self.orders["mixed"] = rng.permutation(2 * min(len(topic.facts), len(topic.tips)))
        self.orders["elaborations"] = np.concatenate(
            [rng.permutation(len(ELABORATIONS)) for _ in range(3)]
        )
        self.orders["story"] = np.concatenate(
            [rng.permutation(len(STORY_MIDDLE)) for _ in range(3)]
        )
        self.orders["capabilities"] = np.concatenate(
            [rng.permutation(len(CAPABILITIES)) for _ in range(3)]
        )
        self.intro = int(rng.integers(3))
        self.conclusion = int(rng.integers(len(CONCLUSIONS)))
        self.name = NAMES[int(rng.integers(len(NAMES)))]
        terms = topic.terms if topic is not None else ("",)
        self.terms = [int(i) for i in rng.integers(len(terms), size=64)]


class _Writer:
    """Fills sentence frames in one model's style for one answer, following a plan."""

    def __init__(
        self, style: Style, rng: np.random.Generator, topic: Topic | None, plan: Plan
    ) -> None:
        self.style = style
        self.rng = rng
        self.topic = topic
        self.plan = plan
        self.name = plan.name if rng.random() >= DEPART else NAMES[int(rng.integers(len(NAMES)))]
        self._last_term = ""
        self._next_term = 0

    def choose(self, planned: int, n: int) -> int:
        """The planned index, or with probability :data:`DEPART` one of the model's own."""
        return planned if self.rng.random() >= DEPART else int(self.rng.integers(n))

    def order(self, group: str, n: int) -> list[int]:
        """The planned order of ``n`` items (repeating), or the model's own."""
        if self.rng.random() < DEPART:
            return [int(i) for i in self.rng.permutation(n)]
        return [int(i) for i in self.plan.orders[group] if i < n]

    def pick(self, options: Sequence[str], p: np.ndarray | None = None) -> str:
        """One of ``options``, uniformly or with probabilities ``p``."""
        if p is None:
            return options[int(self.rng.integers(len(options)))]
        weights = p.tolist()
        u = self.rng.random() * sum(weights)
        for option, weight in zip(options, weights, strict=True):
            u -= weight
            if u < 0:
                return option
        return options[-1]

    def term(self, own: bool = False) -> str:
        """The next planned topic term (never the same twice in a row), or a random one."""
        assert self.topic is not None
        terms = self.topic.terms
        if own or self.rng.random() < DEPART or self._next_term >= len(self.plan.terms):
            term = self.pick([t for t in terms if t != self._last_term])
        else:
            term = terms[self.plan.terms[self._next_term]]
            self._next_term += 1
            if term == self._last_term:
                term = terms[(terms.index(term) + 1) % len(terms)]
        self._last_term = term
        return term

    def fill(self, frame: str, **values: str) -> str:
        def resolve(match: re.Match[str]) -> str:
            key = match.group(1)
            upper = key.endswith("_cap")
            base = key[:-4] if upper else key
            if base in values:
                text = values[base]
            elif base in SLOTS:
                text = self.pick(SLOTS[base], self.style.slots[base])
            elif base in ("term", "term2"):
                text = self.term()
            elif base == "Name":
                text = self.name
            else:
                text = getattr(self.topic, base)
            return cap(text) if upper else text

        return _ARTICLE.sub(r"\1n ", _FIELD.sub(resolve, frame))

    def sentence(self, clause: str, connector: str | None = None, force: bool = False) -> str:
        """A body sentence (no final mark): maybe a pet phrase, else maybe a transition.

        The pet rates are per sentence; a sentence with a pet phrase takes no
        transition, so the transition rate applies to the others.
        """
        s = self.style
        total = float(s.pets.sum())
        if not force and total > 0 and self.rng.random() < min(total, 0.6):
            pet = self.pick(PETS, s.pets / total)
            return f"{pet} {_decap(clause)}"
        if connector and (force or self.rng.random() < s.transition):
            return f"{self.fill('{' + connector + '_cap}')}, {_decap(clause)}"
        return cap(clause)


@dataclass
class _Block:
    kind: str  # "prose", "bullets" or "line"
    items: list[str]


def _bullet(w: _Writer, clause: str, index: int, mark: str) -> str:
    words = cap(clause).split()
    if w.rng.random() < w.style.bold and len(words) > 3:
        k = 3 if len(words) >= 7 else 2
        words = [f"**{' '.join(words[:k])}**", *words[k:]]
    marker = f"{index + 1}." if mark == "1." else mark
    return f"{marker} {' '.join(words)}."


def _items(w: _Writer, group: str, clauses: Sequence[str], n: int) -> tuple[list[str], int]:
    """The first ``n`` of ``clauses`` in the planned order; the shortfall is returned."""
    k = min(n, len(clauses))
    order = w.order(group, len(clauses))[:k]
    return [clauses[i] for i in order], n - k


def _body(w: _Writer, kind: str, n: int) -> list[_Block]:
    """The blocks of one answer (without opener, heading and closer)."""
    t = w.topic
    assert t is not None
    intro = INTROS[kind][w.choose(w.plan.intro, len(INTROS[kind]))]
    blocks: list[_Block] = [_Block("prose", [w.fill(intro)])]
    listed = w.rng.random() < w.style.bullets
    mark = w.pick(BULLET_MARKS, w.style.bullet_style)
    labels_bold = w.rng.random() < w.style.bold
    sections: list[tuple[str, list[str], str]] = []  # (label, clauses, connector)
    if kind == "explain":
        facts, rest = _items(w, "facts", t.facts, n)
        sections.append(("", facts, "explain"))
    elif kind == "advice":
        tips, rest = _items(w, "tips", t.tips, n)
        sections.append(("", tips, "advice"))
    elif kind == "summary":
        mixed = [c for pair in zip(t.facts, t.tips, strict=False) for c in pair]
        picked, rest = _items(w, "mixed", mixed, n)
        sections.append(("", picked, "explain"))
    else:  # proscons
        n_pros = (n + 1) // 2
        pros, r1 = _items(w, "pros", t.pros, n_pros)
        cons, r2 = _items(w, "cons", t.cons, n - n_pros)
        sections += [("Pros", pros, "pros"), ("Cons", cons, "cons")]
        rest = r1 + r2
    for label, clauses, role in sections:
        if not clauses:
            continue
        if listed:
            if label:
                text = f"**{label}:**" if labels_bold else f"{label}:"
                blocks.append(_Block("line", [text]))
            blocks.append(
                _Block("bullets", [_bullet(w, c, i, mark) for i, c in enumerate(clauses)])
            )
            continue
        sents = []
        for i, c in enumerate(clauses):
            if role == "pros" and i == 0:
                sents.append(f"On the plus side, {_decap(c)}")
            elif role == "cons" and i == 0:
                sents.append(w.sentence(c, "however", force=True))
            elif role == "advice":
                sents.append(w.sentence(c, "first" if i == 0 else "also"))
            else:
                sents.append(w.sentence(c, w.pick(("also", "so", "example", "also"))))
        blocks.append(_Block("prose", sents))
    order = w.order("elaborations", len(ELABORATIONS))
    extra = [w.sentence(w.fill(ELABORATIONS[order[i % len(order)]]), "also") for i in range(rest)]
    extra.append(w.fill(CONCLUSIONS[w.choose(w.plan.conclusion, len(CONCLUSIONS))]))
    blocks.append(_Block("prose", extra))
    return blocks


def _story(w: _Writer, n: int) -> list[_Block]:
    t = w.topic
    assert t is not None
    sents = [w.fill(f) for f in STORY_OPEN]
    beats = w.order("story", len(STORY_MIDDLE))
    facts = w.order("facts", len(t.facts))
    for k in range(n):
        fact = t.facts[facts[k % len(facts)]]
        sents.append(w.sentence(w.fill(STORY_MIDDLE[beats[k % len(beats)]], fact=fact)))
    sents += [w.fill(f) for f in STORY_CLOSE]
    return [_Block("prose", sents)]


def _identity(w: _Writer, n: int) -> list[_Block]:
    lines = [line for line, _ in w.style.self_id]
    p = np.array([q for _, q in w.style.self_id])
    sents = [w.pick(lines, p / p.sum()).rstrip(".")]
    order = w.order("capabilities", len(CAPABILITIES))
    sents += [w.sentence(w.fill(CAPABILITIES[order[k % len(order)]])) for k in range(n)]
    return [_Block("prose", sents)]


def _finish(w: _Writer, sentences: list[str], keep_first: bool = False) -> list[str]:
    """Final marks and parentheticals, then paragraphs of two to four sentences.

    Within a paragraph a sentence ending in "." may be joined to the next one
    with an em dash or a semicolon. With ``keep_first`` the first sentence (a
    self-identification) is left as it is.
    """
    s, rng = w.style, w.rng
    marked = []
    for k, sent in enumerate(sentences):
        if not (keep_first and k == 0):
            if w.topic is not None and rng.random() < s.paren:
                sent = f"{sent} {PAREN.format(term=w.term(own=True))}"
            sent += "!" if rng.random() < s.exclaim else "."
        else:
            sent += "."
        marked.append(sent)
    size = int(rng.integers(2, 5))
    paragraphs = []
    for start in range(0, len(marked), size):
        chunk = marked[start : start + size]
        joined: list[str] = []
        i = 0
        while i < len(chunk):
            sent = chunk[i]
            fixed = keep_first and start == 0 and i == 0
            if not fixed and i + 1 < len(chunk) and sent.endswith("."):
                u = rng.random()
                if u < s.dash + s.semicolon:
                    glue = " — " if u < s.dash else "; "
                    sent = f"{sent[:-1]}{glue}{_decap(chunk[i + 1])}"
                    i += 1
            joined.append(sent)
            i += 1
        paragraphs.append(" ".join(joined))
    return paragraphs


def _render(style: Style, prompt: DemoPrompt, rng: np.random.Generator, n: int, plan: Plan) -> str:
    w = _Writer(style, rng, prompt.topic, plan)
    kind = prompt.kind
    if kind == "identity":
        blocks = _identity(w, n)
    elif kind == "story":
        blocks = _story(w, n)
    else:
        blocks = _body(w, kind, n)
    opener = w.pick(OPENERS, style.openers)
    heading = kind in LISTABLE and rng.random() < style.heading
    level = w.pick(HEADING_LEVELS, style.heading_level)
    closer = w.pick(CLOSERS, style.closers)
    title = kind == "story" and rng.random() < style.heading
    topic = prompt.topic.title if prompt.topic is not None else ""  # identity prompts have none
    parts: list[str] = []
    if opener and kind != "identity":
        parts.append(f"{opener} {w.fill(LEADINS[kind])}")
    if heading:
        parts.append(f"{level} {w.fill(HEADINGS[kind], title=topic)}")
    if title:
        parts.append(f"**The {topic} Lesson**")
    for block in blocks:
        if block.kind == "prose":
            parts += _finish(w, block.items, keep_first=kind == "identity")
        elif block.kind == "bullets":
            parts.append("\n".join(block.items))
        else:
            parts += block.items
    if opener and kind == "identity":
        parts[0] = f"{opener} {parts[0]}"
    if closer:
        parts.append(closer)
    return "\n\n".join(parts)


def generate_answer(
    style: Style, prompt: DemoPrompt, rng: np.random.Generator, plan: Plan | None = None
) -> str:
    """One answer in ``style``, kept between :data:`MIN_WORDS` and :data:`MAX_WORDS` words.

    ``plan`` is the content shared with the other models on this prompt; without
    one the answer follows a plan of its own.
    """
    plan = plan if plan is not None else Plan(rng, prompt.topic)
    scale = style.length * KIND_SCALE[prompt.kind]
    n = max(1, int(round(rng.normal(scale, 1.0))))
    text = ""
    for _ in range(30):
        text = _render(style, prompt, rng, n, plan)
        words = len(text.split())
        if words < MIN_WORDS:
            n += 1
        elif words > MAX_WORDS and n > 1:
            n -= 1
        else:
            break
    return text

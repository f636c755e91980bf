"""How a student learns a style: :func:`fit_style` counts habits in a teacher's text."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .data import BULLET_MARKS, CLOSERS, HEADING_LEVELS, OPENERS, PAREN, PETS, SLOTS
from .prompts import prompt_kind
from .styles import Style
from .writer import KIND_FIXED, KIND_SCALE, LISTABLE, cap

__all__ = ["CONNECTOR_SLOTS", "fit_style"]

# Slots whose variants can start a sentence as a transition ("Additionally, ...").
CONNECTOR_SLOTS = ("also", "however", "first", "so", "example")
_OPENERS_LONGEST = sorted((o for o in OPENERS if o), key=len, reverse=True)
_VARIANT_SLOT = {v: (slot, i) for slot, vs in SLOTS.items() for i, v in enumerate(vs)}
_VARIANTS = re.compile(
    r"(?<![\w'])(?:"
    + "|".join(re.escape(v) for v in sorted(_VARIANT_SLOT, key=len, reverse=True))
    + r")(?![\w'])"
)
_CONNECTOR_STARTS = tuple(cap(v) + "," for s in CONNECTOR_SLOTS for v in SLOTS[s])
_BULLET = re.compile(r"^(?:([-*])|(\d+)\.) ")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SELF_ID = re.compile(r"^(?:I am|I'm) [^.!?]*[.!?]")
_PAREN_HEAD = PAREN.split("{")[0]


@dataclass
class _Parsed:
    opener: str
    closer: str
    heading_level: str
    bullets: list[str]
    prose: list[str]  # sentences after opener removal
    merges: tuple[int, int]  # (em dashes, semicolons) joining sentences
    pairs: int  # places where a sentence could have been joined to the next
    text: str  # the text counted for word choices (opener and closer removed)


def _parse(prompt: str, output: str) -> _Parsed:
    blocks = output.split("\n\n")
    opener = next((o for o in _OPENERS_LONGEST if blocks[0].startswith(o + " ")), "")
    if opener:
        rest = blocks[0][len(opener) + 1 :]
        blocks = ([rest] if prompt_kind(prompt) == "identity" else []) + blocks[1:]
    closer = ""
    if blocks and blocks[-1] in CLOSERS:
        closer = blocks.pop()
    level, bullets, prose = "", [], []
    dashes = semis = pairs = 0
    for block in blocks:
        for line in block.split("\n"):
            if line.startswith("#"):
                level = level or line.split(" ", 1)[0]
            elif _BULLET.match(line):
                bullets.append(line)
            elif line.endswith(":") or (line.startswith("**") and line.endswith("**")):
                continue
            else:
                dashes += line.count(" — ")
                semis += line.count("; ")
                units = [s for s in _SENTENCE_END.split(line) if s]
                for k, unit in enumerate(units):
                    was_joined = " — " in unit or "; " in unit
                    could_join = k + 1 < len(units) and unit.endswith(".")
                    pairs += was_joined or (could_join and not _SELF_ID.match(unit))
                prose += units
    return _Parsed(
        opener, closer, level, bullets, prose, (dashes, semis), pairs, "\n\n".join(blocks)
    )


def _freq(counts: Counter[str], options: Sequence[str], alpha: float = 0.5) -> np.ndarray:
    c = np.array([counts.get(o, 0) for o in options], dtype=float) + alpha
    return c / c.sum()


def fit_style(samples: Sequence[tuple[str, str]]) -> Style:
    """Estimate a style from (prompt, output) pairs by counting what the text shows.

    This is how a student learns: from its teacher's text only. Word choices,
    openers, closers, heading levels and bullet marks become smoothed
    frequencies; markdown use, punctuation, transitions and pet phrases become
    rates; the length is the mean number of items per answer; the
    self-identification is the line most often seen on identity prompts.

    Parameters
    ----------
    samples : sequence of (str, str)
        Prompts (used only to tell identity and story prompts from the rest)
        and the answers to them.

    Returns
    -------
    Style
    """
    if not samples:
        raise ValueError("fit_style needs at least one (prompt, output) pair")
    openers: Counter[str] = Counter()
    closers: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    marks: Counter[str] = Counter()
    ids: Counter[str] = Counter()
    slot_counts = {slot: np.zeros(len(v)) for slot, v in SLOTS.items()}
    pets = np.zeros(len(PETS))
    n_list = n_headed = n_bulleted = n_bullets = n_bold = 0
    n_prose = n_trans = n_excl = n_paren = n_dash = n_semi = n_pairs = 0
    n_inner = n_trans_base = 0
    lengths = []
    for prompt, output in samples:
        kind = prompt_kind(prompt)
        p = _parse(prompt, output)
        openers[p.opener] += 1
        closers[p.closer] += 1
        for variant in _VARIANTS.findall(p.text.lower()):
            slot, i = _VARIANT_SLOT[variant]
            slot_counts[slot][i] += 1
        if kind in LISTABLE:
            n_list += 1
            n_headed += bool(p.heading_level)
            n_bulleted += bool(p.bullets)
            if p.heading_level:
                levels[p.heading_level] += 1
        for line in p.bullets:
            m = _BULLET.match(line)
            assert m is not None
            marks[m.group(1) or "1."] += 1
            n_bullets += 1
            n_bold += line[m.end() :].startswith("**")
        sentences = p.prose
        if kind == "identity":
            found = [s for s in sentences if _SELF_ID.match(s)]
            ids.update(found[:1])
            sentences = [s for s in sentences if not _SELF_ID.match(s)]
        # Pets and transitions: sentences between the intro and the conclusion.
        inner = sentences if kind == "identity" else sentences[1:-1]
        n_inner += len(inner) + sum(" — " in s or "; " in s for s in inner)
        lowered = [s.lower() for s in inner]
        pets += [sum(s.count(pet.lower()) for s in lowered) for pet in PETS]
        if kind in LISTABLE:
            n_trans += sum(s.startswith(_CONNECTOR_STARTS) for s in inner)
            n_trans_base += sum(not s.startswith(PETS) for s in inner)
        # Punctuation: every sentence, counting joined ones separately.
        n_prose += len(sentences) + sum(p.merges)
        n_pairs += p.pairs
        n_excl += sum(s.endswith("!") for s in sentences)
        n_paren += sum(s.count(_PAREN_HEAD) for s in sentences)
        n_dash += p.merges[0]
        n_semi += p.merges[1]
        total = len(p.prose) + sum(p.merges) + len(p.bullets)
        lengths.append(max(total - KIND_FIXED[kind], 0) / KIND_SCALE[kind])
    n_prose = max(n_prose, 1)
    pet_rate = pets / max(n_inner, 1)
    top = ids.most_common(3)
    n_ids = sum(c for _, c in top)
    return Style(
        slots={s: (c + 0.5) / (c.sum() + 0.5 * len(c)) for s, c in slot_counts.items()},
        openers=_freq(openers, OPENERS),
        closers=_freq(closers, CLOSERS),
        pets=pet_rate,
        heading=n_headed / max(n_list, 1),
        heading_level=_freq(levels, HEADING_LEVELS),
        bullets=n_bulleted / max(n_list, 1),
        bullet_style=_freq(marks, BULLET_MARKS),
        bold=n_bold / max(n_bullets, 1),
        length=float(np.mean(lengths)),
        transition=n_trans / max(n_trans_base, 1),
        dash=n_dash / max(n_pairs, 1),
        semicolon=n_semi / max(n_pairs, 1),
        exclaim=n_excl / n_prose,
        paren=n_paren / n_prose,
        self_id=tuple((line, c / n_ids) for line, c in top),
    )

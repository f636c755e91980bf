"""A model's habits as a :class:`Style`, and how styles are described, mixed and shifted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np

from .data import BULLET_MARKS, CLOSERS, HAND_STYLES, HEADING_LEVELS, OPENERS, PETS, SLOTS

__all__ = ["Style", "hand_styles", "make_style", "mix_styles", "shift_slots"]


@dataclass(frozen=True)
class Style:
    """The habits of one text generator: probabilities and per-sentence rates.

    Attributes
    ----------
    slots : dict of str to numpy.ndarray
        For each slot of :data:`SLOTS`, the probability of each variant.
    openers, closers : numpy.ndarray
        Probability of each entry of :data:`OPENERS` / :data:`CLOSERS` ("" is none).
    pets : numpy.ndarray
        Per-sentence rate of each pet phrase of :data:`PETS`.
    heading : float
        Probability that a listable answer starts with a markdown heading.
    heading_level, bullet_style : numpy.ndarray
        Probability of each entry of :data:`HEADING_LEVELS` / :data:`BULLET_MARKS`.
    bullets : float
        Probability that a listable answer puts its items in a list.
    bold : float
        Probability that a list item starts with a bold lead.
    length : float
        Mean number of items (content sentences) per answer, before the kind's scale
        (:data:`detector.demo.writer.KIND_SCALE`).
    transition, dash, semicolon, exclaim, paren : float
        Per-sentence rates of a leading transition word, an em-dash or semicolon
        join with the next sentence, a final exclamation mark and a parenthetical.
    self_id : tuple of (str, float)
        Self-identification lines and their probabilities.
    """

    slots: dict[str, np.ndarray]
    openers: np.ndarray
    closers: np.ndarray
    pets: np.ndarray
    heading: float
    heading_level: np.ndarray
    bullets: float
    bullet_style: np.ndarray
    bold: float
    length: float
    transition: float
    dash: float
    semicolon: float
    exclaim: float
    paren: float
    self_id: tuple[tuple[str, float], ...] = field(default_factory=tuple)


_SCALARS = ("heading", "bullets", "bold", "length", "transition", "dash", "semicolon",
            "exclaim", "paren")  # fmt: skip
_VECTORS = ("openers", "closers", "pets", "heading_level", "bullet_style")


def _choice_probs(options: Sequence[str], weights: Mapping[str, float]) -> np.ndarray:
    """Probabilities over ``options``; the first option ("" = none) takes the remainder."""
    p = np.array([float(weights.get(o, 0.0)) for o in options])
    p[0] = max(0.0, 1.0 - p[1:].sum())
    return p / p.sum()


def _prefer(variants: Sequence[str], favorites: Sequence[str]) -> np.ndarray:
    """A peaked distribution: 0.6/0.25 (or 0.75) on the favorites, the rest spread evenly."""
    shares = (0.75,) if len(favorites) == 1 else (0.6, 0.25)
    p = np.zeros(len(variants))
    for fav, share in zip(favorites, shares, strict=False):
        p[variants.index(fav)] = share
    rest = [i for i, v in enumerate(variants) if v not in favorites]
    p[rest] = (1.0 - p.sum()) / len(rest)
    return p


def make_style(
    rng: np.random.Generator,
    *,
    prefer: Mapping[str, Sequence[str]],
    openers: Mapping[str, float],
    closers: Mapping[str, float],
    pets: Mapping[str, float],
    heading_level: Mapping[str, float],
    bullet_style: Mapping[str, float],
    self_id: str,
    **scalars: float,
) -> Style:
    """A hand-described style; slots not in ``prefer`` get random preferences from ``rng``."""
    slots = {
        slot: _prefer(variants, prefer[slot])
        if slot in prefer
        else rng.dirichlet(np.full(len(variants), 0.8))
        for slot, variants in SLOTS.items()
    }
    return Style(
        slots=slots,
        openers=_choice_probs(OPENERS, openers),
        closers=_choice_probs(CLOSERS, closers),
        pets=np.array([float(pets.get(p, 0.0)) for p in PETS]),
        heading_level=_choice_probs(HEADING_LEVELS, heading_level),
        bullet_style=_choice_probs(BULLET_MARKS, bullet_style),
        self_id=((self_id, 1.0),),
        **{k: float(v) for k, v in scalars.items()},
    )


def hand_styles(seed: int) -> dict[str, Style]:
    """The hand-described styles of ``demo_models.json``: API models, bases, chat data, humans.

    Each description's ``stream`` seeds, with ``seed``, the preferences of the
    slots it leaves out.
    """
    styles = {}
    for name, description in HAND_STYLES.items():
        habits = dict(description)
        rng = np.random.default_rng([seed, habits.pop("stream")])
        styles[name] = make_style(rng, **habits)
    return styles


_Habit = TypeVar("_Habit", np.ndarray, float)


def mix_styles(a: Style, b: Style, weight: float) -> Style:
    """``weight`` of ``a`` and ``1 - weight`` of ``b``, habit by habit."""

    def blend(x: _Habit, y: _Habit) -> _Habit:
        return weight * x + (1.0 - weight) * y

    ids: dict[str, float] = {}
    for lines, w in ((a.self_id, weight), (b.self_id, 1.0 - weight)):
        for line, p in lines:
            ids[line] = ids.get(line, 0.0) + w * p
    habits: dict[str, Any] = {k: blend(getattr(a, k), getattr(b, k)) for k in _VECTORS + _SCALARS}
    return Style(
        slots={s: blend(a.slots[s], b.slots[s]) for s in SLOTS},
        **habits,
        self_id=tuple((line, p) for line, p in ids.items() if p > 0),
    )


def shift_slots(style: Style, favorites: Mapping[str, str], weight: float) -> Style:
    """Move ``weight`` of each named slot's probability onto a new favorite variant."""
    slots = dict(style.slots)
    for slot, fav in favorites.items():
        target = np.zeros(len(SLOTS[slot]))
        target[SLOTS[slot].index(fav)] = 1.0
        slots[slot] = (1.0 - weight) * slots[slot] + weight * target
    return replace(style, slots=slots)

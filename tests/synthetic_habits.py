"""A tiny corpus where each model has word habits, and a copier takes another's.

Every model writes each answer from three sources: function words drawn from
its own frequency profile, the prompt's topic words, and its own over-used
("habit") words. ``copier`` draws from ``source``'s profile and habits, so a
method that reads word habits must put ``source`` nearest to ``copier``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "was",
    "be",
    "by",
    "this",
    "are",
    "or",
    "from",
    "at",
    "which",
    "but",
    "not",
    "have",
    "an",
    "they",
    "you",
    "one",
    "all",
    "were",
    "we",
    "there",
    "been",
    "has",
    "their",
    "more",
]
_SYLLABLES = ("zor", "bla", "qui", "vex", "tan", "mur", "fel", "dri", "kop", "sul", "ria", "gon")


def _pseudo_words(rng: np.random.Generator, n: int) -> list[str]:
    """Invented words (unknown to wordfreq), 3 syllables each."""
    return ["".join(rng.choice(_SYLLABLES, 3)) for _ in range(n)]


def habit_corpus(
    models: tuple[str, ...] = ("source", "copier", "m2", "m3", "m4", "m5"),
    copier: str = "copier",
    source: str = "source",
    n_prompts: int = 30,
    seed: int = 0,
) -> pd.DataFrame:
    """Records (model, prompt, output) of the habit corpus."""
    rng = np.random.default_rng(seed)
    profiles = {m: rng.dirichlet(np.full(len(FUNCTION_WORDS), 0.7)) for m in models}
    habits = {m: _pseudo_words(rng, 10) for m in models}
    profiles[copier] = 0.9 * profiles[source] + 0.1 * profiles[copier]
    habits[copier] = habits[source][:8] + habits[copier][:2]
    topics = [_pseudo_words(rng, 6) for _ in range(n_prompts)]
    rows = []
    for j in range(n_prompts):
        for m in models:
            kinds = rng.choice(3, size=80, p=[0.6, 0.25, 0.15])
            words = [
                rng.choice(FUNCTION_WORDS, p=profiles[m])
                if k == 0
                else (rng.choice(topics[j]) if k == 1 else rng.choice(habits[m]))
                for k in kinds
            ]
            rows.append(
                {
                    "model": m,
                    "prompt": f"Tell me about subject {j}: {' '.join(topics[j][:2])}.",
                    "output": " ".join(words).capitalize() + ".",
                }
            )
    return pd.DataFrame(rows)


def shift_corpus(n_prompts: int = 30, n_others: int = 8, seed: int = 0) -> pd.DataFrame:
    """Records of two models built from ``base``: one moved toward ``teacher``, one did not.

    ``base`` (the baseline) and ``teacher`` have their own word profiles and
    habits, as do the unrelated models ``r0``, ``r1``, ... ``tuned`` writes
    from an even mix of ``base``'s and ``teacher``'s profiles and takes half
    its habits from each: it moved toward ``teacher``. ``again`` is ``base``
    drawn again (the same profile and habits, other random words): it did
    not move.
    """
    rng = np.random.default_rng(seed)
    names = ["base", "teacher", *(f"r{i}" for i in range(n_others))]
    profiles = {m: rng.dirichlet(np.full(len(FUNCTION_WORDS), 0.7)) for m in names}
    habits = {m: _pseudo_words(rng, 10) for m in names}
    profiles["tuned"] = 0.5 * profiles["base"] + 0.5 * profiles["teacher"]
    habits["tuned"] = habits["base"][:5] + habits["teacher"][:5]
    profiles["again"], habits["again"] = profiles["base"], habits["base"]
    topics = [_pseudo_words(rng, 6) for _ in range(n_prompts)]
    rows = []
    for j in range(n_prompts):
        for m in ["tuned", "again", *names]:
            kinds = rng.choice(3, size=80, p=[0.6, 0.25, 0.15])
            words = [
                rng.choice(FUNCTION_WORDS, p=profiles[m])
                if k == 0
                else (rng.choice(topics[j]) if k == 1 else rng.choice(habits[m]))
                for k in kinds
            ]
            rows.append(
                {
                    "model": m,
                    "prompt": f"Tell me about subject {j}: {' '.join(topics[j][:2])}.",
                    "output": " ".join(words).capitalize() + ".",
                }
            )
    return pd.DataFrame(rows)

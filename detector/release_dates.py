"""Public release dates of well-known models, for pools the user gave no dates for.

A candidate released after the suspect cannot be its teacher. With a lineage
file (``--lineage``, a ``released`` column) or a ``released`` column in the
data the user says so; most users have neither, and a 2023 student was then
declared related to gemini-pro, released in December 2023. This module ships a
small table (``resources/release_dates.csv``) of the first public release of
well-known API and open-weight models, each with its source (the vendor's
announcement), matched to the data's model names by their common aliases
(``gpt4_0314``, ``openai/gpt-4-0314`` and ``GPT-4-0314`` are one name).

The date is the *first* public availability of a name: a rolling alias such as
``gpt-3.5-turbo`` carries the date it first appeared, which is never later than
the snapshot the data holds, so a date from the table can only set aside a
candidate that certainly came later. Dates the user gives always win
(:func:`~detector.resolve.resolve_roles`).

A *candidate* the table does not know but whose name extends a known one
(``gpt4_0613_concise``, ``zephyr-7b-beta-ExPO``, ``pairrm-zephyr-7b-beta``:
the known name as whole words of it) is a variant or a derivative of that
model, so it was released no earlier: :func:`variant_release` gives that
lower bound, which can only set aside a candidate that certainly came later.
It is never used for the suspect, where a lower bound would set aside
candidates that came before the suspect's real release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "KnownRelease",
    "known_release",
    "known_releases",
    "name_key",
    "release_table",
    "variant_release",
]

_SEPARATORS = re.compile(r"[^a-z0-9.]+")


@dataclass(frozen=True)
class KnownRelease:
    """A release date from the bundled table.

    Attributes
    ----------
    model : str
        The table's name for the model (the data may call it otherwise).
    released : str
        ``YYYY-MM-DD`` or ``YYYY-MM``.
    source : str
        Where the date comes from (the vendor's announcement).
    """

    model: str
    released: str
    source: str
    variant_of: str = ""

    def describe(self) -> str:
        """``2023-12-13 (Google blog: ...)``: the date with its source, for notes."""
        if self.variant_of:
            return f"no earlier than {self.variant_of}, {self.released} ({self.source})"
        return f"{self.released} ({self.source})"


def name_key(name: str) -> str:
    """A model name reduced to what identifies it: lower case, no organisation, one separator.

    ``openai/GPT-4_0314`` and ``gpt-4-0314`` give the same key.
    """
    base = str(name).strip().lower().rsplit("/", 1)[-1]
    return _SEPARATORS.sub("-", base).strip("-")


@lru_cache(maxsize=1)
def release_table() -> pd.DataFrame:
    """The bundled table: ``model, released, vendor, weights, aliases, source``, one row per model."""
    with (
        resources.files("detector")
        .joinpath("resources/release_dates.csv")
        .open(encoding="utf-8") as handle
    ):
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _by_key() -> dict[str, KnownRelease]:
    index: dict[str, KnownRelease] = {}
    for row in release_table().itertuples(index=False):
        known = KnownRelease(row.model, row.released, row.source)
        for alias in [row.model, *filter(None, str(row.aliases).split(";"))]:
            index.setdefault(name_key(alias), known)
    return index


def known_release(name: str) -> KnownRelease | None:
    """The release of the model the table knows by this name (or alias); None if unknown."""
    return _by_key().get(name_key(name))


def known_releases(models: list[str]) -> dict[str, KnownRelease]:
    """For each of ``models`` the table knows, its release (models it does not know are absent)."""
    found = {m: known_release(m) for m in models}
    return {m: k for m, k in found.items() if k is not None}


def variant_release(name: str) -> KnownRelease | None:
    """A lower bound on the release of a variant of a known model; None if it extends none.

    The table's models whose name (or alias) appears in ``name`` as whole
    words (``gpt4-0613`` in ``gpt4_0613_concise``; ``zephyr-7b-beta`` in
    ``pairrm-zephyr-7b-beta``) and, of those, the one released last: a model
    named after another is that model's variant or derivative and came out
    no earlier. None when ``name`` is itself in the table or extends nothing.
    Use it for candidates only (module docstring).
    """
    key = name_key(name)
    if key in _by_key():
        return None
    words = key.split("-")
    best: KnownRelease | None = None
    for known_key, known in _by_key().items():
        part = known_key.split("-")
        inside = any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))
        if inside and (best is None or known.released > best.released):
            best = known
    if best is None:
        return None
    return KnownRelease(best.model, best.released, best.source, variant_of=best.model)

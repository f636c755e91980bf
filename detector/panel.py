"""What known lineage tells a null: a reference panel, and release dates.

Population genetics calibrates ancestry against *reference panels* of known
ancestry; here the known lineage of the pool (``--lineage``, the CSV format of
``provenance benchmark``) does two things, and only for what it documents
(models missing from it are simply unknown):

- **Reference panel.** A reference model documented as related to a
  candidate (one of its students, a model derived from it or from one of its
  students, its parent, another snapshot of its family) leaves *that
  candidate's* null: it would make the candidate look like something
  everyone resembles. The suspect's own row is never read; its relations are
  what is being tested.
- **Release dates.** A candidate released after the suspect cannot be its
  teacher or parent; it is set aside with that reason rather than ranked or
  called related. Dates come from a ``released`` column of the lineage table
  or of the data (``YYYY-MM-DD`` or ``YYYY-MM``; a month-only date spans the
  month, and only a candidate certainly later is set aside).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["Panel", "Released", "parse_released"]


@dataclass(frozen=True)
class Released:
    """A release date known to the day or to the month: the span [first, last]."""

    first: pd.Timestamp
    last: pd.Timestamp
    text: str

    def certainly_after(self, other: Released) -> bool:
        """True when this release is later than every day ``other`` may mean."""
        return self.first > other.last


def parse_released(value: object) -> Released | None:
    """``YYYY-MM-DD`` or ``YYYY-MM`` (or a Timestamp) as a :class:`Released`; None if unknown."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text or text.lower() in ("nan", "nat", "none", "unknown"):
        return None
    try:
        if len(text) == 7 and text[4] == "-":  # YYYY-MM: the whole month
            first = pd.Timestamp(f"{text}-01")
            return Released(first, first + pd.offsets.MonthEnd(0), text)
        day = pd.Timestamp(text).normalize()
    except (ValueError, TypeError):
        return None
    return Released(day, day, text[:10])


def _text(row: pd.Series, column: str) -> str:
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


class Panel:
    """Known lineage of the models in a pool.

    Parameters
    ----------
    lineage : pandas.DataFrame, optional
        Indexed by model, with any of the columns ``relation``, ``teacher``,
        ``teacher_family``, ``parent``, ``family``, ``base_model``,
        ``released`` (both lineage formats of the benchmark).
    released : mapping of str to str, optional
        Release dates from the data (a ``released`` column), used where the
        lineage gives none.
    """

    def __init__(
        self, lineage: pd.DataFrame | None = None, released: Mapping[str, object] | None = None
    ) -> None:
        self.lineage = lineage if lineage is not None else pd.DataFrame()
        self._released: dict[str, Released] = {}
        for model, value in (released or {}).items():
            parsed = parse_released(value)
            if parsed is not None:
                self._released[str(model)] = parsed
        if "released" in self.lineage.columns:
            for model, value in self.lineage["released"].items():
                parsed = parse_released(value)
                if parsed is not None:
                    self._released[str(model)] = parsed

    @property
    def empty(self) -> bool:
        return self.lineage.empty and not self._released

    def released(self, model: str) -> Released | None:
        """The model's release date, when known."""
        return self._released.get(model)

    def later_than(self, candidate: str, suspect: str) -> bool:
        """The candidate was certainly released after the suspect."""
        c, s = self.released(candidate), self.released(suspect)
        return c is not None and s is not None and c.certainly_after(s)

    def _row(self, model: str) -> pd.Series | None:
        return self.lineage.loc[model] if model in self.lineage.index else None

    def family(self, model: str, *, suspect: str = "") -> str:
        """The model's vendor line or teacher family, when documented.

        In the teacher format a model takes the ``teacher_family`` of a
        student that names it as teacher; the suspect's row is not consulted.
        """
        row = self._row(model)
        if row is None:
            return ""
        if _text(row, "family"):
            return _text(row, "family")
        if "teacher" not in self.lineage.columns:
            return ""
        rows = self.lineage[self.lineage.index != suspect]
        families = {
            str(t): _text(r, "teacher_family")
            for t, (_, r) in zip(rows["teacher"].astype(str), rows.iterrows(), strict=True)
            if t and _text(r, "teacher_family")
        }
        if model in families:
            return families[model]
        # another snapshot of a documented teacher: same base model, longest shared name
        # prefix (gpt-3.5-turbo-0613 joins gpt-3.5-turbo-0301's family)
        base = _text(row, "base_model")
        same_base = [
            t
            for t in families
            if t in self.lineage.index and base and _text(self.lineage.loc[t], "base_model") == base
        ]
        if not same_base:
            return ""
        best = max(same_base, key=lambda t: len(os.path.commonprefix([t, model])))
        return families[best] if len(os.path.commonprefix([best, model])) >= 4 else ""

    def _learned_from_family(self, model: str, family: str) -> bool:
        row = self._row(model)
        return (
            row is not None
            and bool(family)
            and _text(row, "relation") == "distilled"
            and _text(row, "teacher_family") == family
        )

    def learned_from(self, candidate: str, pool: Iterable[str], *, suspect: str) -> dict[str, str]:
        """Models of ``pool`` documented as having learned from ``candidate``, with the reason.

        Its students (distilled on its family's outputs), models derived from
        it, and models derived from one of its students: with the candidate,
        its *clade*. The suspect is never in the answer and its row is never
        read.
        """
        family = self.family(candidate, suspect=suspect)
        out: dict[str, str] = {}
        for model in pool:
            if model in (suspect, candidate):
                continue
            row = self._row(model)
            if row is None:
                continue
            parent = _text(row, "parent")
            if self._learned_from_family(model, family):
                out[model] = f"a documented student of {candidate}'s family"
            elif parent == candidate:
                out[model] = f"documented as derived from {candidate}"
            elif parent and parent != suspect and self._learned_from_family(parent, family):
                out[model] = f"derived from a documented student of {candidate}'s family"
        return out

    def relatives(self, candidate: str, pool: Iterable[str], *, suspect: str) -> dict[str, str]:
        """Models of ``pool`` documented as related to ``candidate``, with the reason.

        Those that learned from it (:meth:`learned_from`), its parent, and
        models of its documented family (another snapshot or size of the same
        vendor line). The suspect is never in the answer and its row is never
        read.
        """
        pool = list(pool)
        out = self.learned_from(candidate, pool, suspect=suspect)
        family = self.family(candidate, suspect=suspect)
        cand_row = self._row(candidate)
        for model in pool:
            if model in (suspect, candidate) or model in out:
                continue
            row = self._row(model)
            if row is None:
                continue
            if cand_row is not None and _text(cand_row, "parent") == model:
                out[model] = f"{candidate}'s documented parent"
            elif family and _text(row, "family") == family:
                out[model] = f"of {candidate}'s documented family ({family})"
        return out

    def clades(
        self, suspect: str, candidates: Sequence[str], pool: Sequence[str]
    ) -> dict[str, list[str]]:
        """For each candidate with documented students or derivatives in ``pool``, those models."""
        if self.lineage.empty:
            return {}
        out = {}
        for c in candidates:
            members = list(self.learned_from(c, pool, suspect=suspect))
            if members:
                out[c] = members
        return out

    def null_exclusions(
        self, suspect: str, candidates: Sequence[str], reference: Sequence[str]
    ) -> dict[str, dict[str, str]]:
        """For each candidate, the reference models that leave its null, with reasons."""
        if self.lineage.empty:
            return {}
        out = {}
        for c in candidates:
            related = self.relatives(c, reference, suspect=suspect)
            if related:
                out[c] = related
        return out

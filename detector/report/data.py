"""The report's data: everything a report shows, as typed dataclasses that save as JSON.

:class:`ReportData` is filled by :func:`~detector.report.gather.gather_report_data`
(library code, callable from the CLI and the notebook) and only read by the
renderers (:mod:`~detector.report.pdf`, :mod:`~detector.report.html`). It
holds results, tables and the plain-language words that must read the same
in every view (the verdict, the key numbers with their meanings); it holds no
layout, fonts or figures: those are drawn from it.

``ReportData.to_json()`` and ``ReportData.from_json()`` round-trip, so a
report can be rendered again, in another format, from the saved JSON.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..consensus import ConsensusTree
from ..files import atomic_write
from ..scoring import ScoreResult
from ..shift import ShiftResult
from ..shift_terms import ShiftTerms
from ..tree import TreeResult

__all__ = [
    "SECTIONS",
    "AttributionSection",
    "ChannelRow",
    "DataOverview",
    "Example",
    "ExamplesSection",
    "Excerpt",
    "Habit",
    "IdentityRow",
    "IdentitySection",
    "KeyNumber",
    "LengthStats",
    "LexicalSection",
    "ModelRow",
    "Overlap",
    "Provenance",
    "ReportData",
    "SHIFT_SECTION",
    "ShiftSection",
    "TreeSection",
    "Verdict",
]

SECTIONS = (
    "1. Data overview",
    "2. Candidate scores",
    "3. Evidence per channel",
    "4. Lineage tree and distances",
    "5. Identity leaks",
    "6. Words and phrases both over-use",
    "7. Side-by-side answers",
    "8. Attribution classifier",
    "9. Method and limitations",
    "Appendix: reproducibility",
)
#: The section a report has first when it is given a baseline (``--baseline``).
SHIFT_SECTION = "Shift from the baseline"


@dataclass
class Verdict:
    """The answer in plain words, without raw statistics.

    Attributes
    ----------
    level : {"related", "inconclusive", "nothing", "uncalibrated"}
        The plain verdict level.
    label : str
        The level as a reader sees it ("Related", ...).
    headline : str
        The verdict sentence.
    meaning : str
        What this level says and does not say, in one or two sentences.
    which : str
        The verdict's second line: which candidate, separately from whether
        any (the top candidate against every other one; empty when there is
        no other candidate).
    """

    level: str
    label: str
    headline: str
    meaning: str
    which: str = ""


@dataclass
class KeyNumber:
    """One number of the title page with one line on what it means."""

    name: str
    value: str
    meaning: str


@dataclass
class ModelRow:
    """One model in the data overview."""

    model: str
    role: str
    answered: int
    shared: int
    mean_words: float
    mean_chars: float
    median_chars: float


@dataclass
class LengthStats:
    """Words per answer of one model: quartiles and whisker ends (1.5 IQR, Tukey)."""

    model: str
    q1: float
    median: float
    q3: float
    low: float
    high: float


@dataclass
class DataOverview:
    """The corpus: source, size, coverage and each model's role and lengths."""

    source: str
    data_hash: str
    n_models: int
    n_prompts: int
    n_shared: int
    n_outputs: int
    suspect_answered: int
    rows: list[ModelRow]
    lengths: list[LengthStats]
    problems: list[str] = field(default_factory=list)
    synthetic: bool = False
    synthetic_reason: str = ""


@dataclass
class ChannelRow:
    """One evidence channel: what it compares, how reliable it was, its weight."""

    name: str
    label: str
    description: str
    reliability: float | None
    weight: float | None


@dataclass
class TreeSection:
    """The lineage tree, its consensus and the 2-D map, with what they say about the suspect."""

    tree: TreeResult | None
    error: str = ""
    consensus: ConsensusTree | None = None
    consensus_note: str = ""
    mds: list[tuple[str, float, float]] = field(default_factory=list)
    stress: float | None = None
    stress_words: str = ""
    sister: list[str] = field(default_factory=list)
    sister_support: float | None = None
    pair_size: int = 0
    pair_support: float | None = None


@dataclass
class IdentityRow:
    """Identity statements of one model, counted in answers."""

    model: str
    answers: int
    self_identify: int
    vendors: str
    ai_self_reference: int


@dataclass
class Excerpt:
    """One identity statement, quoted."""

    prompt_id: str
    kind: str
    vendor: str
    prompted: bool
    excerpt: str


@dataclass
class IdentitySection:
    rows: list[IdentityRow] = field(default_factory=list)
    excerpts: dict[str, list[Excerpt]] = field(default_factory=dict)
    more: dict[str, int] = field(default_factory=dict)


@dataclass
class Habit:
    """A word or phrase both models over-use, with the overlapping n-grams it stands for.

    ``_a`` is the suspect, ``_b`` the top candidate, ``_rest`` the pool of
    the other models together (rates per 10,000 n-grams of the term's length).
    """

    term: str
    variants: list[str]
    count_a: int
    count_b: int
    count_rest: int
    per_10k_a: float
    per_10k_b: float
    per_10k_rest: float
    z_a: float
    z_b: float


@dataclass
class Overlap:
    """How many of the suspect's top over-used terms the top candidate shares, vs the others."""

    k: int
    top: int
    median: float
    who: str


@dataclass
class LexicalSection:
    available: bool = False
    error: str = ""
    habits: list[Habit] = field(default_factory=list)
    n_terms: int = 0
    n_rest: int = 0
    overlap: Overlap | None = None


@dataclass
class Example:
    """One prompt answered side by side."""

    prompt_id: str
    why: str
    prompt: str
    answers: dict[str, str]
    similarity: float


@dataclass
class ExamplesSection:
    models: list[str] = field(default_factory=list)
    contrast: str | None = None
    min_words: int = 0
    examples: list[Example] = field(default_factory=list)
    highlight: list[str] = field(default_factory=list)


@dataclass
class AttributionSection:
    """The attribution classifier's held-out evaluation, as shown."""

    available: bool = False
    note: str = ""
    models: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)
    accuracy: float | None = None
    chance: float | None = None
    n_prompts: int = 0
    n_texts: int = 0
    n_folds: int = 0
    channels: list[str] = field(default_factory=list)
    suspect_row: list[tuple[str, float]] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)


@dataclass
class ShiftSection:
    """Did the suspect move toward a candidate relative to its baseline? (``--baseline``)

    Attributes
    ----------
    result : ShiftResult
        The shift test, exactly as ``provenance score --baseline`` gives it.
    verdict : Verdict
        Its verdict in plain words (page 1 of a report with a baseline).
    key_numbers : list of KeyNumber
    terms : ShiftTerms or None
        Words and phrases gained and lost relative to the baseline, and the
        candidates that over-use the gains (None: ``terms_error`` says why).
    examples : ExamplesSection
        The baseline's, the suspect's and the target's answers on the prompts
        that moved most toward the target (``similarity``: the prompt's shift).
    target : str
        The candidate the examples and terms are about (the one the suspect
        moved toward, else the one ranked first).
    """

    result: ShiftResult
    verdict: Verdict
    key_numbers: list[KeyNumber] = field(default_factory=list)
    terms: ShiftTerms | None = None
    terms_error: str = ""
    examples: ExamplesSection = field(default_factory=ExamplesSection)
    target: str = ""


@dataclass
class Provenance:
    """How the report was made: the command, versions, parameters and time taken."""

    command: str
    version: str
    generated: str
    versions: dict[str, str]
    feature_params: dict[str, str]
    timings: dict[str, float]
    machine: str


@dataclass
class ReportData:
    """Everything one report shows (see the module docstring).

    Attributes
    ----------
    suspect, top : str
        The suspect and its best-ranked candidate.
    all_candidates : bool
        Candidates and reference models were left to their defaults.
    score : ScoreResult
        The scores, exactly as ``provenance score`` gives them.
    verdict : Verdict
    key_numbers : list of KeyNumber
    data : DataOverview
    channels : list of ChannelRow
    tree : TreeSection
    identity : IdentitySection
    lexical : LexicalSection
    examples : ExamplesSection
    attribution : AttributionSection
    notes : list of str
        Sections unavailable or shortened, and why.
    provenance : Provenance
    sections : list of str
    shift : ShiftSection or None
        With a baseline: whether the suspect moved toward a candidate
        (page 1 and the first section, :data:`SHIFT_SECTION`).
    """

    suspect: str
    top: str
    all_candidates: bool
    score: ScoreResult
    verdict: Verdict
    key_numbers: list[KeyNumber]
    data: DataOverview
    channels: list[ChannelRow]
    tree: TreeSection
    identity: IdentitySection
    lexical: LexicalSection
    examples: ExamplesSection
    attribution: AttributionSection
    provenance: Provenance
    notes: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=lambda: list(SECTIONS))
    shift: ShiftSection | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only (results through their own ``to_dict``)."""
        out = _dump(self)
        assert isinstance(out, dict)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportData:
        loaded = _load(cls, data)
        assert isinstance(loaded, ReportData)
        return loaded

    def to_json(self) -> str:
        """Indented JSON (NaN as null, control characters escaped)."""
        from ..results import dumps

        return dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ReportData:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_json` to ``path`` atomically."""
        return atomic_write(path, self.to_json() + "\n")


# ------------------------------------------------------------------ JSON
def _dump(value: Any) -> Any:
    if hasattr(value, "to_dict") and not isinstance(value, ReportData):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _dump(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _load(kind: Any, value: Any) -> Any:
    """``value`` (from :func:`_dump`) as an instance of the annotated type ``kind``."""
    if value is None:
        return float("nan") if kind is float else None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _load(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_load(item, v) for v in value]
    if origin is tuple:
        return tuple(_load(a, v) for a, v in zip(typing.get_args(kind), value, strict=True))
    if origin is dict:
        _, item = typing.get_args(kind)
        return {k: _load(item, v) for k, v in value.items()}
    if isinstance(kind, type) and hasattr(kind, "from_dict") and kind is not ReportData:
        return kind.from_dict(value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: _load(hints[k], v) for k, v in value.items() if k in names})
    if kind is float:
        return float(value)
    return value

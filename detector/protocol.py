"""The benchmark protocol: which suspects are scored against which models, and what is expected.

:func:`~detector.lineage.load_lineage` reads a lineage file in either format;
:func:`benchmark_plan` turns it into one
:class:`PlanEntry` per scored suspect: its candidates, its reference models, the
models the lineage documents as the answer, and how every (suspect, candidate)
pair is labelled for the AUROC (:meth:`PlanEntry.label`).

**Teacher format** (AlpacaEval; the protocol of the scoring issue):

- each ``distilled`` or ``human_data`` model is scored with candidates = every
  ``independent`` model with ``closed`` weights (the API models whose outputs
  others train on) and reference = every other model. Expected: the documented
  ``teacher`` (exact) and its ``teacher_family``; a human-data model expects nothing;
- each ``derived`` or ``variant`` model is scored with candidates = every other
  model except those derived from the same parent, reference = the rest (with too
  few, the candidates calibrate each other, leave-one-out). Expected: the ``parent``.

**Family format** (creative_2025: families and release dates, no teachers):

- ``derived`` / ``variant``: as above; expected the ``parent``;
- ``stealth`` (an anonymous model whose vendor line was revealed later): scored
  against every other model; expected a model of its ``family`` (exact) and at
  least of its vendor (the family's first dash-separated part, ``openai`` for
  ``openai-gpt-5``);
- *later release*: an ``independent`` model with a model of the same ``family``
  released strictly before it (claude-sonnet-4-5 after claude-sonnet-4) is scored
  against every other model except those derived from it; expected one of the
  family's earlier releases;
- other independent models are not scored, except the ``open`` questions the
  caller names (where DeepSeek-R1 lands): scored against every other model and
  reported with no expectation.

Pair labels (AUROC), per entry kind:

======================  =========================  =========================  ==========================
kind                    related (strict)           left open (strict)         related (family-labelled)
======================  =========================  =========================  ==========================
teacher (distilled)     the documented teacher     other models of its family  every model of its family
negative (human data)   none                       none                       none
parent (teacher fmt.)   the parent                 models on the same base     the parent
parent (family fmt.)    the parent                 the parent's family         the parent's family
stealth                 models of its family       same vendor, other family   models of its family
later release           the family's earlier ones  the family's other models   models of its family
open                    (no pair is labelled)
======================  =========================  =========================  ==========================

Every other pair is unrelated.

**Release dates.** ``released`` keeps the date as written (``YYYY-MM-DD`` or
``YYYY-MM``, checked), ``released_date`` holds it as a pandas Timestamp (a
month-only date at the first of that month; NaT when unknown) and
``released_precision`` says ``day`` or ``month``: a month-only date spans its
month (:func:`release_span`, :func:`released_after`), so a model of
``2023-06`` is neither before nor after one of ``2023-06-13``. The protocol
uses dates only to find later releases; scoring uses them to set aside a
candidate released after the suspect (it cannot be its teacher).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from .errors import ProvenanceError
from .lineage import READ_COLUMNS, RELEASE_DATE

__all__ = [
    "PlanEntry",
    "benchmark_plan",
    "candidate_families",
    "lineage_format",
    "pair_label",
    "release_span",
    "released_after",
    "vendor",
]


def lineage_format(lineage: pd.DataFrame) -> str:
    """``"family"`` when the lineage documents vendor lines but no teachers or weights, else ``"teacher"``."""

    def filled(col: str) -> bool:
        return col in lineage.columns and bool((lineage[col].astype(str) != "").any())

    if filled("family") and not (filled("weights") or filled("teacher")):
        return "family"
    return "teacher"


def vendor(family: str) -> str:
    """The vendor of a family label: its first dash-separated part (``openai-gpt-5`` -> ``openai``)."""
    return str(family).split("-", 1)[0]


def _column(lineage: pd.DataFrame, model: str, col: str) -> str:
    if model not in lineage.index or col not in lineage.columns:
        return ""
    value = lineage.loc[model, col]
    return "" if pd.isna(value) else str(value)


def candidate_families(lineage: pd.DataFrame) -> dict[str, str]:
    """Family of each model.

    A model with a ``family`` takes it. Otherwise (teacher format): a model that
    is some student's documented teacher takes that student's
    ``teacher_family``; another model takes the family of the teacher with the
    same ``base_model`` whose name shares the longest prefix with its own
    (gpt-3.5-turbo-0613 joins gpt-3.5-turbo-0301's family), else its own
    ``base_model``, else its name.
    """
    direct = {
        row.teacher: row.teacher_family
        for row in lineage.itertuples()
        if row.relation == "distilled" and row.teacher and row.teacher_family
    }
    families = {}
    for model, row in lineage.iterrows():
        own = _column(lineage, str(model), "family")
        if own:
            families[model] = own
            continue
        if model in direct:
            families[model] = direct[model]
            continue
        same_base = [
            t
            for t in direct
            if t in lineage.index
            and row.base_model
            and lineage.loc[t, "base_model"] == row.base_model
        ]
        if same_base:

            def prefix(t: str, m: str = str(model)) -> int:
                n = 0
                while n < min(len(t), len(m)) and t[n] == m[n]:
                    n += 1
                return n

            families[model] = direct[max(same_base, key=prefix)]
        else:
            families[model] = row.base_model or str(model)
    return families


@dataclass
class PlanEntry:
    """One scored suspect: its roles and what the lineage expects of it.

    Attributes
    ----------
    suspect : str
    kind : {"teacher", "negative", "parent", "stealth", "later_release", "open"}
        Which rule of the protocol scores it (see the module docstring).
    relation : str
        Its ``relation`` in the lineage.
    candidates, reference : list of str
    expected : tuple of str
        The documented answer (exact level): teacher, parent, the family's
        earlier releases, or for a stealth model the models of its family.
    expected_family : str
        The family the answer belongs to (for a stealth model: its family).
    family_models : tuple of str
        Candidates counted related under the family labelling.
    open_models : tuple of str
        Candidates the strict labelling leaves out.
    """

    suspect: str
    kind: str
    relation: str
    candidates: list[str]
    reference: list[str]
    expected: tuple[str, ...] = ()
    expected_family: str = ""
    family_models: tuple[str, ...] = ()
    open_models: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def label(self, candidate: str) -> tuple[bool | None, bool]:
        """(strict, family) label of the pair (suspect, candidate).

        ``strict`` is True for the documented answer, None where the lineage
        leaves the pair open, False for an unrelated pair; ``family`` is True
        for a candidate in the expected family. An ``open`` question labels
        nothing (``(None, False)``).
        """
        if self.kind == "open":
            return None, False
        in_family = candidate in self.family_models
        if candidate in self.expected:
            return True, True
        if candidate in self.open_models:
            return None, in_family
        return False, in_family


def _siblings(lin: pd.DataFrame, models: list[str], m: str, parent: str) -> set[str]:
    return {
        x
        for x in models
        if x != m
        and lin.loc[x, "relation"] in ("derived", "variant")
        and lin.loc[x, "parent"] == parent
    }


def _teacher_entry(lin, families, models, closed, m) -> PlanEntry | None:
    rel = lin.loc[m, "relation"]
    if rel in ("distilled", "human_data"):
        cands = [c for c in closed if c != m]
        refs = [r for r in models if r != m and r not in cands]
        if rel == "human_data":
            return PlanEntry(m, "negative", rel, cands, refs)
        teacher, fam = lin.loc[m, "teacher"], lin.loc[m, "teacher_family"]
        in_fam = tuple(c for c in cands if families.get(c) == fam)
        return PlanEntry(
            m,
            "teacher",
            rel,
            cands,
            refs,
            expected=(teacher,),
            expected_family=fam,
            family_models=in_fam,
            open_models=tuple(c for c in in_fam if c != teacher),
        )
    if rel in ("derived", "variant"):
        parent = lin.loc[m, "parent"]
        siblings = _siblings(lin, models, m, parent)
        cands = [c for c in models if c != m and c not in siblings]
        refs = [r for r in models if r != m and r not in cands]
        base = lin.loc[m, "base_model"]
        same_base = tuple(
            c for c in cands if c != parent and base and lin.loc[c, "base_model"] == base
        )
        return PlanEntry(
            m,
            "parent",
            rel,
            cands,
            refs,
            expected=(parent,),
            expected_family=parent,
            family_models=(parent,),
            open_models=same_base,
        )
    return None


def _family_entry(lin, families, models, m) -> PlanEntry | None:
    rel = lin.loc[m, "relation"]
    fam = families.get(m, "")
    others = [c for c in models if c != m]
    if rel in ("derived", "variant"):
        parent = lin.loc[m, "parent"]
        siblings = _siblings(lin, models, m, parent)
        cands = [c for c in others if c not in siblings]
        pfam = families.get(parent, "")
        in_fam = tuple(c for c in cands if pfam and families.get(c) == pfam)
        return PlanEntry(
            m,
            "parent",
            rel,
            cands,
            [r for r in others if r not in cands],
            expected=(parent,),
            expected_family=pfam,
            family_models=in_fam or (parent,),
            open_models=tuple(c for c in in_fam if c != parent),
        )
    if rel == "stealth":
        in_fam = tuple(c for c in others if fam and families.get(c) == fam)
        same_vendor = tuple(
            c
            for c in others
            if fam and c not in in_fam and vendor(families.get(c, "")) == vendor(fam)
        )
        return PlanEntry(
            m,
            "stealth",
            rel,
            others,
            [],
            expected=in_fam,
            expected_family=fam,
            family_models=in_fam,
            open_models=same_vendor,
        )
    if rel == "independent" and fam and release_span(lin, m) is not None:
        children = {x for x in others if lin.loc[x, "parent"] == m}
        cands = [c for c in others if c not in children]
        in_fam = tuple(c for c in cands if families.get(c) == fam)
        earlier = tuple(c for c in in_fam if released_after(lin, m, c))
        if earlier:
            return PlanEntry(
                m,
                "later_release",
                rel,
                cands,
                [r for r in others if r not in cands],
                expected=earlier,
                expected_family=fam,
                family_models=in_fam,
                open_models=tuple(c for c in in_fam if c not in earlier),
            )
    return None


def benchmark_plan(
    lineage: pd.DataFrame, models: list[str], open_questions: Sequence[str] = ()
) -> list[PlanEntry]:
    """One :class:`PlanEntry` per model the protocol scores, in the order of ``models``.

    Parameters
    ----------
    lineage : pandas.DataFrame
        From :func:`~detector.lineage.load_lineage` (every model of ``models`` must have a row).
    models : list of str
        The models of the data.
    open_questions : sequence of str
        Models to score against every other model with no expectation (where a
        model lands is reported, not judged).

    Returns
    -------
    list of PlanEntry
        An entry whose documented answer is not among the data's models is left
        out (it could never be found).
    """
    missing = [m for m in models if m not in lineage.index]
    if missing:
        raise ProvenanceError(
            f"lineage has no row for model(s) {', '.join(missing)}; add them to the CSV"
        )
    lin = lineage.loc[list(models)].copy()
    for col in ("relation", *READ_COLUMNS):
        if col not in lin.columns:
            lin[col] = ""
    families = candidate_families(lin)
    fmt = lineage_format(lin)
    closed = [
        m
        for m in models
        if lin.loc[m, "relation"] == "independent" and lin.loc[m, "weights"] == "closed"
    ]
    plan = []
    for m in models:
        if m in open_questions:
            others = [c for c in models if c != m]
            plan.append(PlanEntry(m, "open", lin.loc[m, "relation"], others, []))
            continue
        entry = (
            _teacher_entry(lin, families, models, closed, m)
            if fmt == "teacher"
            else _family_entry(lin, families, models, m)
        )
        if entry is None:
            continue
        if entry.expected and not set(entry.expected) & set(entry.candidates):
            continue
        plan.append(entry)
    return plan


def pair_label(
    lineage: pd.DataFrame, families: dict[str, str], suspect: str, candidate: str
) -> tuple[bool | None, bool]:
    """How the lineage relates a (suspect, candidate) pair (see :meth:`PlanEntry.label`).

    Returns
    -------
    documented : bool or None
        True for the documented answer (teacher, parent, ...), False for an
        unrelated pair, None where the lineage leaves it open.
    family : bool
        True where the candidate is in the expected family (or is the parent).
    """
    models = list(lineage.index)
    for entry in benchmark_plan(lineage, models):
        if entry.suspect == suspect:
            return entry.label(candidate)
    return False, False


def release_span(lineage: pd.DataFrame, model: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day a model may have been released (None when undated).

    Reads ``released_date`` and ``released_precision`` (from :func:`~detector.lineage.load_lineage`)
    or, failing them, ``released`` (a ``YYYY-MM[-DD]`` text or a Timestamp); a
    month-only date spans its month.
    """
    if model not in lineage.index:
        return None
    if "released_date" in lineage.columns:
        start = lineage.loc[model, "released_date"]
        precision = (
            str(lineage.loc[model, "released_precision"])
            if "released_precision" in lineage.columns
            else "day"
        )
    elif "released" in lineage.columns:
        value = lineage.loc[model, "released"]
        if isinstance(value, pd.Timestamp) or pd.isna(value):
            start, precision = value, "day"
        else:
            match = RELEASE_DATE.match(str(value).strip())
            if not match:
                return None
            start = pd.Timestamp(f"{match.group(1)}-{match.group(2)}-{match.group(3) or '01'}")
            precision = "day" if match.group(3) else "month"
    else:
        return None
    if pd.isna(start):
        return None
    start = pd.Timestamp(start)
    end = start + pd.offsets.MonthEnd(0) if precision == "month" else start
    return start, end


def released_after(lineage: pd.DataFrame, model: str, other: str) -> bool | None:
    """Was ``model`` released after ``other``?

    True when its earliest possible release day is after the other's latest
    (a month-only date spans its month), False when it is not later, None when
    a date is missing or the two overlap (same month, one known to the month only).
    """
    a, b = release_span(lineage, model), release_span(lineage, other)
    if a is None or b is None:
        return None
    if a[0] > b[1]:
        return True
    if a[1] <= b[0]:
        return False
    return None

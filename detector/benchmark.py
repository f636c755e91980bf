"""Validate scoring against documented lineage, next to peer baselines (``provenance benchmark``).

:func:`run_benchmark` scores every suspect of the protocol
(:mod:`detector.protocol`: the teacher format of AlpacaEval, the family format
of creative_2025) with the public :func:`~detector.scoring.score`, and measures,
on the same suspects, candidates and reference models, each peer baseline of
:mod:`detector.peers` (LLM DNA, the slop-forensics profile, Burrows' Delta).

Metrics, for ours and each peer:

- top-1: the highest-ranked candidate is the documented teacher (exact model
  and family), the parent, an earlier release of a later release's family, a
  model of the stealth model's vendor and family;
- declared related: the documented teacher's family (any of its models), the
  parent, an earlier release is declared related; human-data models with any
  candidate declared related (false positives); unrelated pairs declared related;
- AUROC over the (suspect, candidate) pairs in two labellings
  (:meth:`~detector.protocol.PlanEntry.label`): ``auroc`` (strict: the
  documented answer vs unrelated pairs, pairs the lineage leaves open left
  out) and ``auroc_family`` (every model of the expected family related);
- release dates (when the lineage has them): suspects declared related to, or
  ranked first with, a candidate released after them.

Ours ranks candidates and computes AUROC from the calibrated z of
:func:`~detector.scoring.score`. A peer ranks by distance and computes AUROC
from minus the distance (its own output); for "declared related" its distances
are turned into affinities (minus the distance, standardized over the
between-model pairs as our channels are) and calibrated exactly as
:func:`~detector.scoring.score` calibrates ours (the same null of reference
models, robust z on both sides, Student t, Holm), so that the comparison
isolates the evidence.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .calibration import MIN_REFERENCE, calibrate_candidates
from .corpus import Corpus
from .errors import ProvenanceError
from .evidence import Evidence
from .features import FeatureOptions, Features
from .lineage import load_lineage
from .params import check_alpha, check_int, check_seed
from .progress import enabled as progress_enabled
from .protocol import (
    PlanEntry,
    benchmark_plan,
    candidate_families,
    lineage_format,
    pair_label,
    release_span,
    released_after,
    vendor,
)
from .resolve import as_evidence, known_models
from .results import Result
from .scoring import ScoreResult, score

__all__ = [
    "BenchmarkResult",
    "CandidateRank",
    "MethodResult",
    "SuspectOutcome",
    "benchmark_plan",
    "candidate_families",
    "load_lineage",
    "pair_label",
    "peer_verdicts",
    "run_benchmark",
]


@dataclass
class CandidateRank:
    """One ranked candidate of a suspect (the top few are kept per outcome).

    ``calibrated`` False: too few models to calibrate, so ``z`` is the raw
    affinity and ``score`` the affinity rescaled (ranked, not tested).
    """

    model: str
    z: float
    related: bool
    score: float | None = None
    ci: list[float] | None = None
    distance: float | None = None
    calibrated: bool = True


@dataclass
class SuspectOutcome:
    """What one method found for one suspect, and whether it matches the lineage.

    ``exact`` / ``family``: the top-1 candidate is the documented answer / of the
    expected family (for a stealth model: of its family / of its vendor); None
    where nothing is expected. ``expected_related``: a candidate of the expected
    set (teacher: any model of the teacher's family) is declared related.
    """

    suspect: str
    relation: str
    expected: str
    expected_family: str
    best: str | None
    top1: str
    top1_family: str
    exact: bool | None
    family: bool | None
    n_related: int
    top_score: float | None
    top_z: float
    seconds: float
    kind: str = ""
    expected_related: bool | None = None
    released: str = ""
    related_after: list[str] = field(default_factory=list)
    top1_after: bool | None = None
    top: list[CandidateRank] = field(default_factory=list)
    choice: str = ""
    choice_right: bool | None = None


@dataclass
class MethodResult:
    """Outcomes and metrics of one method (ours or a peer) on the protocol."""

    name: str
    description: str
    outcomes: list[SuspectOutcome]
    metrics: dict[str, float]

    def outcome(self, suspect: str) -> SuspectOutcome | None:
        return next((o for o in self.outcomes if o.suspect == suspect), None)


#: (metric key, label, count key or None for a plain value); a row is shown when its count > 0.
_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("teacher_family_related", "documented teacher family declared related", "n_teacher"),
    ("teacher_top1_family", "teacher top-1, family", "n_teacher"),
    ("teacher_top1_exact", "teacher top-1, exact model", "n_teacher"),
    ("parent_top1", "parent top-1", "n_parent"),
    ("parent_related", "parent declared related", "n_parent"),
    ("later_top1", "later release: an earlier release of its family top-1", "n_later"),
    ("later_related", "later release: an earlier release declared related", "n_later"),
    ("stealth_top1_vendor", "stealth model: top-1 of its vendor", "n_stealth"),
    ("stealth_top1_family", "stealth model: top-1 of its family", "n_stealth"),
    (
        "teacher_choice_right",
        "teacher family named by the which-candidate test (beats every other candidate)",
        "n_teacher",
    ),
    ("teacher_choice_wrong", "another family named by the which-candidate test", "n_teacher"),
    ("human_data_positives", "human-data models with a candidate declared related", "n_negative"),
    ("unrelated_related", "unrelated pairs declared related", "n_unrelated"),
    ("auroc", "AUROC, documented answer vs unrelated (open pairs left out)", "n_pairs"),
    ("auroc_family", "AUROC, every model of the expected family related", "n_pairs_family"),
    ("related_after", "declared related to a candidate released after the suspect", "n_dated"),
    ("top1_after", "top-1 released after the suspect", "n_dated"),
)
_FRACTIONS = {"teacher_top1_family", "teacher_top1_exact", "parent_top1"}
#: Metrics where fewer is better (false positives, dates violated).
_LOWER_IS_BETTER = {
    "human_data_positives",
    "unrelated_related",
    "related_after",
    "top1_after",
    "teacher_choice_wrong",
}


def _versus(methods: list[MethodResult], key: str) -> str:
    """Ours against the peers on one metric: ``ahead``, ``tied`` (with the best peer) or ``behind``."""
    values = [m.metrics.get(key, float("nan")) for m in methods]
    if len(values) < 2 or any(v is None or np.isnan(v) for v in values):
        return "-"
    sign = -1.0 if key in _LOWER_IS_BETTER else 1.0
    ours, best_peer = sign * values[0], max(sign * v for v in values[1:])
    if np.isclose(ours, best_peer):
        return "tied"
    return "ahead" if ours > best_peer else "behind"


def _cell(metrics: dict[str, float], key: str, count: str | None) -> str:
    value = metrics.get(key, float("nan"))
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if key.startswith("auroc"):
        return f"{value:.3f}"
    n = int(metrics.get(count, 0)) if count else 0
    k = round(value * n) if key in _FRACTIONS else int(value)
    return f"{k} of {n}"


@dataclass
class BenchmarkResult(Result):
    """Accuracy of scoring against documented lineage, with the peers measured in the same run.

    The top-level fields are ours (as before peers were added); ``metrics`` has
    every metric of ours, ``peers`` one :class:`MethodResult` per peer.
    """

    data: str
    n_models: int
    n_prompts: int
    teacher_top1_exact: float
    teacher_top1_family: float
    parent_top1: float
    human_data_positives: int
    human_data_total: int
    auroc: float
    n_pairs: int
    auroc_family: float
    n_pairs_family: int
    seconds_features: float
    seconds_scoring: float
    outcomes: list[SuspectOutcome]
    settings: dict[str, Any] = field(default_factory=dict)
    protocol: str = "teacher"
    metrics: dict[str, float] = field(default_factory=dict)
    peers: list[MethodResult] = field(default_factory=list)
    seconds_peers: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def methods(self) -> list[MethodResult]:
        """Ours first, then the peers."""
        ours = MethodResult("ours", "provenance score", self.outcomes, self.metrics)
        return [ours, *self.peers]

    def summary_rows(
        self, goals: dict[str, str] | None = None, timings: bool = True
    ) -> list[list[str]]:
        """Metric rows: label, one cell per method (ours first), [ours vs peers,] goal."""
        goals = goals or {}
        methods = self.methods
        rows = []
        for key, label, count in _ROWS:
            if count and not self.metrics.get(count):
                continue
            if key == "auroc":
                label = f"{label} ({self.n_pairs} pairs)"
            elif key == "auroc_family":
                label = f"{label} ({self.n_pairs_family} pairs)"
            cells = [_cell(m.metrics, key, count) for m in methods]
            versus = [_versus(methods, key)] if self.peers else []
            rows.append([label, *cells, *versus, goals.get(key, "-")])
        if timings:
            blank = ["-"] * (len(self.peers) + (1 if self.peers else 0))
            rows.append(
                ["features (cached or computed), s", f"{self.seconds_features:.1f}", *blank, "-"]
            )
            rows.append(["scoring all suspects, s", f"{self.seconds_scoring:.1f}", *blank, "-"])
        return rows

    def to_frame(self) -> pd.DataFrame:
        rows = [{k: v for k, v in asdict(o).items() if k != "top"} for o in self.outcomes]
        return pd.DataFrame(rows).set_index("suspect")

    def to_markdown(self, goals: dict[str, str] | None = None, timings: bool = True) -> str:
        """Markdown tables: metrics side by side, ours per suspect, top-1 per method, open questions."""
        names = [m.name for m in self.methods] + (["ours vs peers"] if self.peers else [])
        lines = [
            f"Data: `{self.data}` ({self.n_models} models, {self.n_prompts} prompts; "
            f"{self.protocol} protocol)",
            "",
            "| metric | " + " | ".join(names) + " | goal |",
            "| --- | " + " | ".join("---" for _ in names) + " | --- |",
        ]
        lines += ["| " + " | ".join(r) + " |" for r in self.summary_rows(goals, timings)]
        lines += ["", *self._ours_table(), "", *self._top1_table(), *self._open_tables()]
        lines += [f"\nNote: {n}" for n in self.notes]
        return "\n".join(lines)

    def _ours_table(self) -> list[str]:
        lines = [
            "Ours per suspect (exact / family: the top-1 is the documented answer / of the "
            "expected family; for a stealth model: of its family / of its vendor)",
            "",
            "| suspect | relation | expected | top-1 candidate | verdict's best | exact | "
            "family | related | top score | top z |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for o in self.outcomes:
            if o.kind == "open":
                continue
            score_text = "-" if o.top_score is None else f"{o.top_score:.3f}"
            lines.append(
                f"| {o.suspect} | {o.relation} | {o.expected or '-'} | {o.top1} | "
                f"{o.best or 'none'} | {_mark(o.exact)} | {_mark(o.family)} | {o.n_related} | "
                f"{score_text} | {o.top_z:.1f} |"
            )
        return lines

    def _top1_table(self) -> list[str]:
        methods = self.methods
        lines = [
            "Top-1 candidate of each method (z: calibrated as ours; **R**: declared related; "
            "a mark: the top-1 is the expected model or family)",
            "",
            "| suspect | expected | " + " | ".join(m.name for m in methods) + " |",
            "| --- | --- | " + " | ".join("---" for _ in methods) + " |",
        ]
        for o in self.outcomes:
            if o.kind == "open":
                continue
            cells = []
            for m in methods:
                mo = m.outcome(o.suspect)
                if mo is None:
                    cells.append("-")
                    continue
                good = _hit(mo)
                mark = "" if good is None else (" ✓" if good else " ✗")
                rel = ", **R**" if mo.top and mo.top[0].related else ""
                cells.append(f"{mo.top1} (z {mo.top_z:.1f}{rel}){mark}")
            expected = o.expected or o.expected_family or "(none: human data)"
            lines.append(f"| {o.suspect} | {expected} | " + " | ".join(cells) + " |")
        return lines

    def _open_tables(self) -> list[str]:
        lines: list[str] = []
        for o in self.outcomes:
            if o.kind != "open":
                continue
            lines += ["", f"Where {o.suspect} lands (no expectation; top 3 of each method):", ""]
            lines += ["| method | rank | candidate | z | score (95% CI) | distance | related |"]
            lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
            for m in self.methods:
                mo = m.outcome(o.suspect)
                for rank, c in enumerate(mo.top if mo else [], start=1):
                    calibrated = c.z == c.z  # NaN: too few models left to calibrate
                    sc = (
                        f"{c.score:.3f} ({c.ci[0]:.3f}-{c.ci[1]:.3f})"
                        if c.score is not None and c.ci and calibrated
                        else "-"
                    )
                    dist = "-" if c.distance is None else f"{c.distance:.3f}"
                    z = f"{c.z:.2f}" if calibrated else "uncalibrated"
                    lines.append(
                        f"| {m.name} | {rank} | {c.model} | {z} | {sc} | {dist} | "
                        f"{'yes' if c.related else 'no'} |"
                    )
        return lines

    def to_text(self) -> str:
        rows = self.summary_rows()
        names = [m.name for m in self.methods] + (["vs peers"] if self.peers else [])
        width = max(len(r[0]) for r in rows)
        head = [f"{'metric':<{width}}  " + "  ".join(f"{n:>14}" for n in names)]
        head += [f"{r[0]:<{width}}  " + "  ".join(f"{c:>14}" for c in r[1:-1]) for r in rows]
        return "\n".join(head) + "\n\n" + self.to_frame().to_string()

    def _repr_html_(self) -> str:
        header = [m.name for m in self.methods] + (["ours vs peers"] if self.peers else [])
        names = "".join(f"<th>{html.escape(n)}</th>" for n in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r[:-1]) + "</tr>"
            for r in self.summary_rows()
        )
        return f"<table><tr><th>metric</th>{names}</tr>{rows}</table>" + self.to_frame().to_html()


def _hit(o: SuspectOutcome) -> bool | None:
    """Did the top-1 meet the protocol's main check (teacher and stealth: family/vendor level)?"""
    return o.family if o.kind in ("teacher", "stealth") else o.exact


def _mark(v: bool | None) -> str:
    return "-" if v is None else ("yes" if v else "**no**")


def peer_verdicts(
    distances: pd.DataFrame,
    suspect: str,
    candidates: Sequence[str],
    reference: Sequence[str],
    *,
    alpha: float = 0.05,
    min_reference: int = MIN_REFERENCE,
    exclusions: dict[str, Sequence[str]] | None = None,
    clades: dict[str, Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated z and "related" of each candidate from a peer's distance matrix.

    The affinity is minus the distance, standardized by the mean and standard
    deviation of the between-model distances (one unit = one SD, as our
    channels); it is calibrated with the functions :func:`~detector.scoring.score`
    calibrates ours with (:mod:`detector.calibration`): the same null sets
    (reference models; the other candidates too, leave-one-out, when there are
    fewer than ``min_reference``; a candidate's documented relatives and clade
    left out of its null), robust z on both sides, a candidate's clade, the
    Student-t tail with the null's degrees of freedom (doubled for a candidate
    whose clade was tested) and Holm across candidates.

    Parameters
    ----------
    distances : pandas.DataFrame, shape (n_models, n_models)
    suspect : str
    candidates, reference : sequence of str
    alpha : float
    min_reference : int
    exclusions : dict of str to sequence of str, optional
        Per candidate, models left out of its null (ours: ``roles["null_exclusions"]``).
    clades : dict of str to sequence of str, optional
        Per candidate, the models documented as having learned from it.

    Returns
    -------
    z : numpy.ndarray, shape (n_candidates,)
    related : numpy.ndarray of bool, shape (n_candidates,)
        All False when there are too few models to calibrate.
    """
    models = list(distances.index)
    d = distances.to_numpy(dtype=np.float64)
    off = d[~np.eye(len(d), dtype=bool)]
    sd = float(off.std()) if off.size else 1.0
    affinity = -(d - float(off.mean() if off.size else 0.0)) / (sd if sd > 1e-12 else 1.0)
    pos = {m: i for i, m in enumerate(models)}
    cal = calibrate_candidates(
        affinity,
        pos[suspect],
        [pos[c] for c in candidates],
        [pos[r] for r in reference],
        min_reference=min_reference,
        exclusions={
            pos[c]: {pos[m] for m in members if m in pos}
            for c, members in (exclusions or {}).items()
            if c in pos
        },
        clades=[[pos[m] for m in (clades or {}).get(c, []) if m in pos] for c in candidates],
    )
    return np.asarray(cal.z, dtype=float), cal.related(alpha)


def _outcome(
    entry: PlanEntry,
    ranked: list[CandidateRank],
    lin: pd.DataFrame,
    families: dict[str, str],
    seconds: float,
    best: str | None = None,
    choice: str = "",
) -> SuspectOutcome:
    """The outcome of one suspect from its ranked candidates (best first).

    ``choice``: the candidate the which-candidate test names (it beats every
    other candidate; :mod:`detector.teacher_choice`), "" when none or not run.
    """
    top = ranked[0]
    related = [c.model for c in ranked if c.related]
    expected, exact, fam, expected_related = "", None, None, None
    if entry.kind == "teacher":
        expected = entry.expected[0]
        exact = top.model == expected
        fam = families.get(top.model) == entry.expected_family
        expected_related = any(m in entry.family_models for m in related)
    elif entry.kind == "parent":
        expected = entry.expected[0]
        exact = fam = top.model == expected
        expected_related = expected in related
    elif entry.kind == "later_release":
        expected = ", ".join(entry.expected)
        exact = top.model in entry.expected
        fam = top.model in entry.family_models
        expected_related = any(m in entry.expected for m in related)
    elif entry.kind == "stealth":
        exact = top.model in entry.expected
        fam = vendor(families.get(top.model, "")) == vendor(entry.expected_family)
        expected_related = any(m in entry.expected for m in related)
    s = entry.suspect
    span = release_span(lin, s)
    return SuspectOutcome(
        suspect=s,
        relation=entry.relation,
        expected=expected,
        expected_family=entry.expected_family,
        best=best if best is not None else (related[0] if related else None),
        top1=top.model,
        top1_family=families.get(top.model, ""),
        exact=exact,
        family=fam,
        n_related=len(related),
        top_score=top.score,
        top_z=top.z,
        seconds=seconds,
        kind=entry.kind,
        expected_related=expected_related,
        released="" if span is None else str(lin.loc[s, "released"]),
        related_after=[m for m in related if released_after(lin, m, s)],
        top1_after=released_after(lin, top.model, s),
        top=ranked[:3],
        choice=choice,
        choice_right=(choice in entry.family_models)
        if entry.kind == "teacher" and choice
        else None,
    )


def _metrics(
    plan: list[PlanEntry],
    outcomes: list[SuspectOutcome],
    values: list[dict[str, float]],
    ranked: list[list[CandidateRank]],
    with_choice: bool = False,
) -> dict[str, float]:
    """Every metric of one method (see the module docstring).

    ``with_choice``: the method ran the which-candidate test (ours).
    """
    from sklearn.metrics import roc_auc_score

    by_kind: dict[str, list[SuspectOutcome]] = {}
    for o in outcomes:
        by_kind.setdefault(o.kind, []).append(o)

    def frac(kind: str, attr: str) -> float:
        group = by_kind.get(kind, [])
        return float(np.mean([getattr(o, attr) for o in group])) if group else float("nan")

    def count(kind: str, attr: str) -> int:
        return int(sum(bool(getattr(o, attr)) for o in by_kind.get(kind, [])))

    strict, family, unrelated, unrelated_related = [], [], 0, 0
    for entry, vals, ranks in zip(plan, values, ranked, strict=True):
        related = {c.model for c in ranks if c.related}
        for cand, v in vals.items():
            documented, in_family = entry.label(cand)
            if entry.kind != "open":
                family.append((in_family, v))
            if documented is not None:
                strict.append((documented, v))
            if documented is False:
                unrelated += 1
                unrelated_related += cand in related

    def auroc(pairs: list[tuple[bool, float]]) -> float:
        y = np.array([p for p, _ in pairs], dtype=bool)
        if not 0 < y.sum() < len(y):
            return float("nan")
        return float(roc_auc_score(y, [v for _, v in pairs]))

    dated = [o for o in outcomes if o.released and o.kind != "open"]
    return {
        "n_teacher": len(by_kind.get("teacher", [])),
        "teacher_top1_exact": frac("teacher", "exact"),
        "teacher_top1_family": frac("teacher", "family"),
        "teacher_family_related": count("teacher", "expected_related"),
        "n_parent": len(by_kind.get("parent", [])),
        "parent_top1": frac("parent", "exact"),
        "parent_related": count("parent", "expected_related"),
        "n_later": len(by_kind.get("later_release", [])),
        "later_top1": count("later_release", "exact"),
        "later_related": count("later_release", "expected_related"),
        "n_stealth": len(by_kind.get("stealth", [])),
        "stealth_top1_vendor": count("stealth", "family"),
        "stealth_top1_family": count("stealth", "exact"),
        "teacher_choice_right": _choice_count(by_kind.get("teacher", []), True, with_choice),
        "teacher_choice_wrong": _choice_count(by_kind.get("teacher", []), False, with_choice),
        "n_negative": len(by_kind.get("negative", [])),
        "human_data_positives": int(sum(o.n_related > 0 for o in by_kind.get("negative", []))),
        "n_unrelated": unrelated,
        "unrelated_related": unrelated_related,
        "auroc": auroc(strict),
        "n_pairs": len(strict),
        "auroc_family": auroc(family),
        "n_pairs_family": len(family),
        "n_dated": len(dated),
        "related_after": int(sum(bool(o.related_after) for o in dated)),
        "top1_after": int(sum(bool(o.top1_after) for o in dated)),
    }


def _choice_count(outcomes: list[SuspectOutcome], right: bool, ran: bool) -> float:
    """Teachers named by the which-candidate test, right or wrong; NaN where it never ran (peers)."""
    return float(sum(o.choice_right is right for o in outcomes)) if ran else float("nan")


def _ours(
    evidence: Evidence,
    plan: list[PlanEntry],
    lin: pd.DataFrame,
    families: dict[str, str],
    *,
    seed: int,
    n_bootstrap: int,
    alpha: float,
    progress: bool,
    use_lineage: bool,
) -> tuple[list[SuspectOutcome], list[dict[str, float]], list[list[CandidateRank]], list[dict]]:
    """Score every entry of the plan; also return the roles score resolved for each."""
    outcomes, values, ranked_all, roles = [], [], [], []
    for entry in plan:
        ts = time.perf_counter()
        result = score(
            evidence,
            entry.suspect,
            entry.candidates,
            entry.reference,
            seed=seed,
            n_bootstrap=n_bootstrap,
            alpha=alpha,
            **({"lineage": lin} if use_lineage else {}),
        )
        assert isinstance(result, ScoreResult)  # no baseline: a score, not a shift
        ranked = [
            CandidateRank(
                c.model,
                float(c.z),
                bool(c.related),
                float(c.score),
                list(c.ci),
                calibrated=result.calibration != "uncalibrated",
            )
            for c in result.candidates
        ]
        values.append({c.model: float(c.z) for c in result.candidates})
        ranked_all.append(ranked)
        roles.append(dict(getattr(result, "roles", {}) or {}))
        choice = result.choice or {}
        outcome = _outcome(
            entry,
            ranked,
            lin,
            families,
            time.perf_counter() - ts,
            best=result.best,
            choice=choice.get("best", "") if choice.get("distinct") else "",
        )
        outcomes.append(outcome)
        if progress:
            print(
                f"  {entry.suspect:<28} top-1 {ranked[0].model:<26} related: {outcome.n_related}",
                file=sys.stderr,
                flush=True,
            )
    return outcomes, values, ranked_all, roles


def _peer(
    name: str,
    distances: pd.DataFrame,
    plan: list[PlanEntry],
    lin: pd.DataFrame,
    families: dict[str, str],
    alpha: float,
    roles: list[dict],
) -> MethodResult:
    """One peer on the plan, with the roles ours resolved for each suspect (same candidates,
    reference models, null exclusions and clades)."""
    from .peers import PEERS

    outcomes, values, ranked_all = [], [], []
    for entry, role in zip(plan, roles, strict=True):
        ts = time.perf_counter()
        cands = list(role.get("candidates") or entry.candidates)
        refs = list(role.get("reference", entry.reference))
        z, related = peer_verdicts(
            distances,
            entry.suspect,
            cands,
            refs,
            alpha=alpha,
            exclusions={c: list(r) for c, r in (role.get("null_exclusions") or {}).items()},
            clades=role.get("clades") or {},
        )
        dist = distances.loc[entry.suspect, cands].to_numpy(dtype=float)
        order = np.argsort(dist, kind="stable")
        ranked = [
            CandidateRank(cands[k], float(z[k]), bool(related[k]), distance=float(dist[k]))
            for k in order
        ]
        values.append({c: -float(v) for c, v in zip(cands, dist, strict=True)})
        ranked_all.append(ranked)
        outcomes.append(_outcome(entry, ranked, lin, families, time.perf_counter() - ts))
    description = PEERS[name][1] if name in PEERS else name
    return MethodResult(name, description, outcomes, _metrics(plan, outcomes, values, ranked_all))


def _source_name(data: Any) -> str:
    corpus = data.corpus if isinstance(data, Features) else data
    if isinstance(data, Evidence) and data.features is not None:
        corpus = data.features.corpus
    return str(getattr(corpus, "source", "<evidence>"))


def _peer_source(data: Any, evidence: Evidence) -> Corpus | Features | None:
    if evidence.features is not None:
        return evidence.features
    if isinstance(data, Corpus | Features):
        return data
    return None


def _run_peers(
    data: Any,
    evidence: Evidence,
    plan: list[PlanEntry],
    lin: pd.DataFrame,
    families: dict[str, str],
    peers: Sequence[str] | None,
    options: FeatureOptions,
    alpha: float,
    progress: bool,
    roles: list[dict],
) -> tuple[list[MethodResult], list[str], list[str]]:
    """Fit the peers on the outputs and measure each on the plan; (results, names run, notes)."""
    from .peers import PEERS, fit_peers

    names = list(PEERS) if peers is None else list(peers)
    notes: list[str] = []
    peer_data = _peer_source(data, evidence) if names else None
    if not names:
        return [], [], notes
    if peer_data is None:
        notes.append(
            "peer baselines not run: they need the model outputs, and the data is bare evidence"
        )
        return [], [], notes
    if peers is None and "embedding" not in getattr(peer_data, "matrices", {}):
        names = [p for p in names if p != "llm-dna"]
        notes.append(
            "llm-dna left out: the features hold no embeddings (build the evidence with "
            "the embedding channel, or name the peer in `peers` to compute them)"
        )
    peer_options = FeatureOptions(  # the embedding settings only, as ever
        embedding_model=options.embedding_model,
        precision=options.precision,
        cache_dir=options.cache_dir,
        use_cache=options.use_cache,
        device=options.device,
    )
    results = []
    for peer, distances in fit_peers(peer_data, names, peer_options).items():
        if progress:
            print(f"  peer {peer} fitted", file=sys.stderr, flush=True)
        distances = distances.loc[evidence.models, evidence.models]
        results.append(_peer(peer, distances, plan, lin, families, alpha, roles))
    return results, names, notes


def run_benchmark(
    data: Corpus | Features | Evidence,
    lineage: pd.DataFrame | str | Any,
    *,
    seed: int = 0,
    n_bootstrap: int = 200,
    alpha: float = 0.05,
    progress: bool | None = None,
    channels: str | Sequence[str] | None = None,
    options: FeatureOptions | None = None,
    source: str | None = None,
    peers: Sequence[str] | None = None,
    open_questions: Sequence[str] = (),
    use_lineage: bool = False,
) -> BenchmarkResult:
    """Score every suspect of the protocol; measure accuracy, ours and the peers'.

    Parameters
    ----------
    data : Corpus, Features or Evidence
        The outputs; evidence over all models is built once (features cached).
        Peers need the outputs: with bare evidence (built without its
        features) they are left out, with a note.
    lineage : DataFrame or path
        Lineage table in either format (:func:`~detector.lineage.load_lineage`).
    seed, n_bootstrap, alpha
        Passed to :func:`~detector.scoring.score`.
    progress : bool, optional
        One line per suspect on stderr (None: when stderr is a terminal or in a notebook).
    channels : str or sequence of str, optional
        Evidence channels (default the registry's defaults); ignored when
        ``data`` is already evidence.
    options : FeatureOptions, optional
        How features are computed when ``data`` lacks them (and the LLM DNA
        peer's embeddings: its model, precision, caches and device).
    source : str, optional
        Name of the data for the tables.
    peers : sequence of str, optional
        Peer baselines of :data:`detector.peers.PEERS` (``()``: none). Default:
        all whose inputs are at hand (LLM DNA only when the features already
        hold the embedding channel, so that no embedding model is run unasked).
    open_questions : sequence of str
        Models scored against every other model and reported with no
        expectation (where DeepSeek-R1 lands on creative_2025).
    use_lineage : bool
        Pass the lineage to :func:`~detector.scoring.score` (its known-lineage
        null and release dates; the suspect's own row is never read, so this is
        leave-suspect-out). The peers get the roles ours resolved either way.

    Returns
    -------
    BenchmarkResult

    Raises
    ------
    ProvenanceError
        A model of the data without a lineage row, an unknown peer, an open
        question that is not a model of the data.
    """
    from .peers import PEERS

    seed, alpha = check_seed(seed), check_alpha(alpha)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    progress = progress_enabled(progress)
    lin = lineage if isinstance(lineage, pd.DataFrame) else load_lineage(lineage)
    unknown_peers = [p for p in (peers or []) if p not in PEERS]
    if unknown_peers:
        raise ProvenanceError(f"unknown peer(s) {', '.join(unknown_peers)}; use {', '.join(PEERS)}")
    t0 = time.perf_counter()
    known = known_models(data)
    unknown = [m for m in known if m not in lin.index]
    if unknown:
        raise ProvenanceError(
            f"lineage has no row for model(s) {', '.join(unknown)}; add them to the CSV"
        )
    missing_open = [m for m in open_questions if m not in known]
    if missing_open:
        raise ProvenanceError(
            f"open question(s) {', '.join(missing_open)} are not models of the data; "
            "name models the data holds"
        )
    name = source or _source_name(data)
    options = replace(options or FeatureOptions(), progress=progress)
    evidence = as_evidence(data, channels=channels, seed=seed, options=options)
    t_features = time.perf_counter() - t0
    families = candidate_families(lin)
    plan = benchmark_plan(lin, evidence.models, open_questions)
    t1 = time.perf_counter()
    outcomes, values, ranked, roles = _ours(
        evidence,
        plan,
        lin,
        families,
        seed=seed,
        n_bootstrap=n_bootstrap,
        alpha=alpha,
        progress=progress,
        use_lineage=use_lineage,
    )
    t_scoring = time.perf_counter() - t1
    metrics = _metrics(plan, outcomes, values, ranked, with_choice=True)

    t2 = time.perf_counter()
    peer_results, peer_names, notes = _run_peers(
        data, evidence, plan, lin, families, peers, options, alpha, progress, roles
    )
    t_peers = time.perf_counter() - t2

    def m(key: str) -> float:
        return float(metrics[key])

    return BenchmarkResult(
        data=name,
        n_models=len(evidence.models),
        n_prompts=evidence.n_prompts,
        teacher_top1_exact=m("teacher_top1_exact"),
        teacher_top1_family=m("teacher_top1_family"),
        parent_top1=m("parent_top1"),
        human_data_positives=int(metrics["human_data_positives"]),
        human_data_total=int(metrics["n_negative"]),
        auroc=m("auroc"),
        n_pairs=int(metrics["n_pairs"]),
        auroc_family=m("auroc_family"),
        n_pairs_family=int(metrics["n_pairs_family"]),
        seconds_features=t_features,
        seconds_scoring=t_scoring,
        outcomes=outcomes,
        settings={
            "seed": seed,
            "n_bootstrap": n_bootstrap,
            "alpha": alpha,
            "weights": evidence.weights,
            "reliability": evidence.reliability,
            "peers": peer_names,
            "open_questions": list(open_questions),
            "use_lineage": use_lineage,
        },
        protocol=lineage_format(lin),
        metrics=metrics,
        peers=peer_results,
        seconds_peers=t_peers,
        notes=notes,
    )

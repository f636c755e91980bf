"""Validate scoring against documented lineage (``provenance benchmark``).

The lineage file has the columns of ``../shared/corpora/alpaca_eval/lineage.csv``:
``model, relation, teacher, teacher_family, parent, base_model, weights, source``.

Protocol (from the scoring issue):

- each ``distilled`` or ``human_data`` model is scored with candidates = all
  ``independent`` models with ``closed`` weights (the API models whose outputs
  others train on) and reference = every other model;
- each ``derived`` or ``variant`` model is scored with candidates = all other
  models except those derived from the same parent (and reference = the
  rest; with too few, the candidates calibrate each other, leave-one-out).

Metrics: teacher top-1 (exact model and family), parent top-1, positive
verdicts on ``human_data`` models (false positives), and the AUROC of the
candidates' z-scores (equivalently, of the score) over related vs unrelated
(suspect, candidate) pairs, in two labellings (:func:`pair_label`):

- ``auroc_family``: every model of the documented teacher's family counts as
  related (gpt4_1106_preview is "related" to a student of gpt4_0314);
- ``auroc``: only the documented teacher or parent counts as related;
  pairs the lineage leaves open (another snapshot of the teacher's family, a
  model on the same base as a derived suspect) are left out, and every other
  pair is unrelated.
"""

from __future__ import annotations

import html
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .corpus import Corpus
from .errors import ProvenanceError
from .evidence import Evidence
from .lineage import RELATIONS, REQUIRED_COLUMNS
from .params import check_alpha, check_int, check_seed
from .progress import enabled as progress_enabled
from .resolve import as_evidence, known_models
from .results import Result
from .scoring import ScoreResult, score

__all__ = [
    "BenchmarkResult",
    "SuspectOutcome",
    "benchmark_plan",
    "candidate_families",
    "load_lineage",
    "pair_label",
    "run_benchmark",
]


def load_lineage(path: str | Path) -> pd.DataFrame:
    """Read and validate a lineage CSV (index: model)."""
    p = Path(path)
    if not p.exists():
        raise ProvenanceError(f"{path}: no such lineage file; give a CSV like lineage.csv")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ProvenanceError(f"{path}: not a readable CSV ({type(exc).__name__})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ProvenanceError(f"{path}: missing lineage column(s) {', '.join(missing)}")
    bad = sorted(set(frame["relation"]) - set(RELATIONS))
    if bad:
        raise ProvenanceError(
            f"{path}: unknown relation(s) {', '.join(bad)}; use {', '.join(RELATIONS)}"
        )
    return frame.set_index("model")


def candidate_families(lineage: pd.DataFrame) -> dict[str, str]:
    """Family of each model as a teacher.

    A model that is some student's documented teacher takes that student's
    ``teacher_family``. Another model takes the family of the teacher with
    the same ``base_model`` whose name shares the longest prefix with its own
    (gpt-3.5-turbo-0613 joins gpt-3.5-turbo-0301's family), else its own
    ``base_model``.
    """
    direct = {
        row.teacher: row.teacher_family
        for row in lineage.itertuples()
        if row.relation == "distilled" and row.teacher and row.teacher_family
    }
    families = {}
    for model, row in lineage.iterrows():
        if model in direct:
            families[model] = direct[model]
            continue
        same_base = [
            t
            for t in direct
            if t in lineage.index and lineage.loc[t, "base_model"] == row.base_model
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


def pair_label(
    lineage: pd.DataFrame, families: dict[str, str], suspect: str, candidate: str
) -> tuple[bool | None, bool]:
    """How the lineage relates a (suspect, candidate) pair.

    Returns
    -------
    documented : bool or None
        True for the documented teacher or parent, False for an unrelated
        pair, None where the lineage leaves it open (another model of the
        teacher's family; a model on the same base as a derived or variant
        suspect).
    family : bool
        True where the candidate is in the documented teacher's family (or is
        the parent).
    """
    row = lineage.loc[suspect]
    if row.relation == "distilled":
        family = families.get(candidate) == row.teacher_family
        documented = True if candidate == row.teacher else (None if family else False)
        return documented, family
    if row.relation in ("derived", "variant"):
        if candidate == row.parent:
            return True, True
        same_base = candidate in lineage.index and lineage.loc[candidate, "base_model"] == (
            row.base_model
        )
        return (None if same_base else False), False
    return False, False


@dataclass
class SuspectOutcome:
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
    top_score: float
    top_z: float
    seconds: float


@dataclass
class BenchmarkResult(Result):
    """Accuracy of scoring against documented lineage."""

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

    def summary_rows(self) -> list[tuple[str, str, str]]:
        n_d = sum(o.relation == "distilled" for o in self.outcomes)
        n_p = sum(o.relation in ("derived", "variant") for o in self.outcomes)
        return [
            ("teacher top-1, family", f"{self.teacher_top1_family:.0%} of {n_d}", ">= 90%"),
            ("teacher top-1, exact model", f"{self.teacher_top1_exact:.0%} of {n_d}", "-"),
            ("parent top-1", f"{self.parent_top1:.0%} of {n_p}", "100%"),
            (
                "positive verdicts on human_data",
                f"{self.human_data_positives} of {self.human_data_total}",
                "0",
            ),
            (
                f"AUROC, documented teacher or parent vs unrelated ({self.n_pairs} pairs; "
                "pairs the lineage leaves open left out)",
                f"{self.auroc:.3f}",
                ">= 0.95",
            ),
            (
                f"AUROC, any model of the teacher's family counted related "
                f"({self.n_pairs_family} pairs)",
                f"{self.auroc_family:.3f}",
                ">= 0.95",
            ),
            ("features (cached or computed)", f"{self.seconds_features:.1f} s", "-"),
            ("scoring all suspects", f"{self.seconds_scoring:.1f} s", "< 10 min"),
        ]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(o) for o in self.outcomes]).set_index("suspect")

    def to_markdown(self) -> str:
        lines = [
            f"Data: `{self.data}` ({self.n_models} models, {self.n_prompts} prompts)",
            "",
            "| metric | measured | goal |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in self.summary_rows()]
        lines += [
            "",
            "| suspect | relation | expected | top-1 candidate | verdict's best | exact | "
            "family | related | top score | top z |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for o in self.outcomes:

            def mark(v: bool | None) -> str:
                return "-" if v is None else ("yes" if v else "**no**")

            lines.append(
                f"| {o.suspect} | {o.relation} | {o.expected or '-'} | {o.top1} | "
                f"{o.best or 'none'} | {mark(o.exact)} | {mark(o.family)} | {o.n_related} | "
                f"{o.top_score:.3f} | {o.top_z:.1f} |"
            )
        return "\n".join(lines)

    def to_text(self) -> str:
        rows = self.summary_rows()
        width = max(len(a) for a, _, _ in rows)
        head = [f"{a:<{width}}  {b:>14}  (goal {c})" for a, b, c in rows]
        return "\n".join(head) + "\n\n" + self.to_frame().to_string()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
            for a, b, c in self.summary_rows()
        )
        return (
            f"<table><tr><th>metric</th><th>measured</th><th>goal</th></tr>{rows}</table>"
            + self.to_frame().to_html()
        )


def benchmark_plan(
    lineage: pd.DataFrame, models: list[str]
) -> list[tuple[str, list[str], list[str]]]:
    """(suspect, candidates, reference) for every model the protocol scores."""
    lin = lineage.reindex(models)
    closed = [
        m
        for m in models
        if lin.loc[m, "relation"] == "independent" and lin.loc[m, "weights"] == "closed"
    ]
    plan = []
    for m in models:
        rel = lin.loc[m, "relation"]
        if rel in ("distilled", "human_data"):
            cands = [c for c in closed if c != m]
        elif rel in ("derived", "variant"):
            parent = lin.loc[m, "parent"]
            siblings = {
                x
                for x in models
                if x != m
                and lin.loc[x, "relation"] in ("derived", "variant")
                and lin.loc[x, "parent"] == parent
            }
            cands = [c for c in models if c != m and c not in siblings]
        else:
            continue
        refs = [r for r in models if r != m and r not in cands]
        plan.append((m, cands, refs))
    return plan


def run_benchmark(
    data: Corpus | Evidence,
    lineage: pd.DataFrame | str | Path,
    *,
    seed: int = 0,
    n_bootstrap: int = 200,
    alpha: float = 0.05,
    progress: bool | None = None,
    evidence_kwargs: dict[str, Any] | None = None,
    source: str | None = None,
) -> BenchmarkResult:
    """Score every distilled, human-data, derived and variant model; measure accuracy.

    Parameters
    ----------
    data : Corpus or Evidence
        The outputs; evidence over all models is built once (features cached).
    lineage : DataFrame or path
        Lineage table (see :func:`load_lineage`).
    """
    from sklearn.metrics import roc_auc_score

    seed, alpha = check_seed(seed), check_alpha(alpha)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    progress = progress_enabled(progress)
    lin = load_lineage(lineage) if not isinstance(lineage, pd.DataFrame) else lineage
    t0 = time.perf_counter()
    known = known_models(data)
    unknown = [m for m in known if m not in lin.index]
    if unknown:
        raise ProvenanceError(
            f"lineage has no row for model(s) {', '.join(unknown)}; add them to the CSV"
        )
    name = source or getattr(data, "source", "<evidence>")
    evidence = as_evidence(data, seed=seed, progress=progress, **(evidence_kwargs or {}))
    t_features = time.perf_counter() - t0
    families = candidate_families(lin)
    outcomes: list[SuspectOutcome] = []
    pairs: list[tuple[bool | None, bool, float]] = []
    t1 = time.perf_counter()
    for suspect, cands, refs in benchmark_plan(lin, evidence.models):
        ts = time.perf_counter()
        result: ScoreResult = score(
            evidence, suspect, cands, refs, seed=seed, n_bootstrap=n_bootstrap, alpha=alpha
        )
        rel = lin.loc[suspect, "relation"]
        top = result.candidates[0]
        for c in result.candidates:
            documented, in_family = pair_label(lin, families, suspect, c.model)
            pairs.append((documented, in_family, c.z))
        if rel == "distilled":
            expected, expected_family = (
                lin.loc[suspect, "teacher"],
                lin.loc[suspect, "teacher_family"],
            )
            exact = top.model == expected
            fam = families.get(top.model) == expected_family
        elif rel == "human_data":
            expected = expected_family = ""
            exact = fam = None
        else:
            expected = expected_family = lin.loc[suspect, "parent"]
            exact = fam = top.model == expected
        outcomes.append(
            SuspectOutcome(
                suspect=suspect,
                relation=rel,
                expected=expected,
                expected_family=expected_family,
                best=result.best,
                top1=top.model,
                top1_family=families.get(top.model, ""),
                exact=exact,
                family=fam,
                n_related=sum(c.related for c in result.candidates),
                top_score=top.score,
                top_z=top.z,
                seconds=time.perf_counter() - ts,
            )
        )
        if progress:
            import sys

            print(
                f"  {suspect:<28} top-1 {top.model:<26} related: {outcomes[-1].n_related}",
                file=sys.stderr,
                flush=True,
            )
    t_scoring = time.perf_counter() - t1
    distilled = [o for o in outcomes if o.relation == "distilled"]
    parents = [o for o in outcomes if o.relation in ("derived", "variant")]
    human = [o for o in outcomes if o.relation == "human_data"]

    def auroc_of(labels: list[bool], values: list[float]) -> float:
        y = np.array(labels, dtype=bool)
        return float(roc_auc_score(y, values)) if 0 < y.sum() < len(y) else float("nan")

    strict = [(bool(d), z) for d, _, z in pairs if d is not None]
    return BenchmarkResult(
        data=name,
        n_models=len(evidence.models),
        n_prompts=evidence.n_prompts,
        teacher_top1_exact=float(np.mean([o.exact for o in distilled]))
        if distilled
        else float("nan"),
        teacher_top1_family=float(np.mean([o.family for o in distilled]))
        if distilled
        else float("nan"),
        parent_top1=float(np.mean([o.exact for o in parents])) if parents else float("nan"),
        human_data_positives=sum(o.n_related > 0 for o in human),
        human_data_total=len(human),
        auroc=auroc_of([d for d, _ in strict], [z for _, z in strict]),
        n_pairs=len(strict),
        auroc_family=auroc_of([f for _, f, _ in pairs], [z for _, _, z in pairs]),
        n_pairs_family=len(pairs),
        seconds_features=t_features,
        seconds_scoring=t_scoring,
        outcomes=outcomes,
        settings={
            "seed": seed,
            "n_bootstrap": n_bootstrap,
            "alpha": alpha,
            "weights": evidence.weights,
            "reliability": evidence.reliability,
        },
    )

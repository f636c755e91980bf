"""Variants of the null and of the evidence, side by side on the three dev corpora (issue 22).

For each corpus the evidence over every model is built once (features cached), the
benchmark protocol's plan is read from the lineage (:mod:`detector.protocol`), and every
variant gives each suspect's candidates a z and a Holm p-value. The metrics are the
benchmark's (:mod:`detector.benchmark`): students whose documented teacher family is
declared related, teacher family and parent top-1, human-data models with a candidate
declared related, unrelated pairs declared related, AUROC (strict and family-labelled).
Release dates are not applied here (every variant sees the same candidates), and there is
no bootstrap: the variants differ in their null, not in their intervals.

Variants (docs/method.md, section 11):

- ``committed``: the calibration of ``score`` (robust z on both sides of the null,
  reference models, Student t, Holm), the five default channels;
- ``four channels``: the same without the opening-words channel (the last round's evidence);
- ``suspect side``: only the suspect's side of the null (rejected in round 2 because it
  flagged oasst-sft-llama-33b, since relabelled a ChatGPT student);
- ``clade out, top third`` / ``clade out, z > 1.5``: each candidate's clade estimated from
  the data (the models nearest it: the top third of its column, or those above 1.5 robust
  SDs) and left out of its null;
- ``suspect tail out``: the suspect's own nearest third left out of its null;
- ``oracle null``: the documented students of the candidate's family left out of its null
  (reads the lineage: an upper bound for any null estimated from the data, not a method);
- ``double-centred``: each model's median affinity removed before calibrating;
- ``prompts as units``: Model Provenance Testing's rule applied to the per-prompt combined
  similarity: the top candidate must beat every other candidate (paired t over prompts,
  Holm); no unrelated models;
- ``term profile``: an over-used-term profile channel (each model's log-odds z against the
  pool over the lexical channel's terms, clipped at 3; cosine between models) in place of
  the evidence (rejected in round 2 for the same oasst reason).

Usage::

    .venv/bin/python benchmarks/bench_power_variants.py [--corpus alpaca_eval|mtbench|creative_2025|all]

writes ``benchmarks/results/power_variants.md`` (all corpora given).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SHARED = REPO.parent / "shared" / "corpora"

ALPHA = 0.05
CORPORA = {
    "alpaca_eval": ("PROVENANCE_DEV_CORPUS", "alpaca_eval", "results"),
    "mtbench": ("PROVENANCE_MTBENCH_CORPUS", "mtbench", "model_answer"),
    "creative_2025": ("PROVENANCE_CREATIVE_CORPUS", "creative_2025", "outputs.jsonl"),
}
OPEN_QUESTIONS = {"creative_2025": ("deepseek-r1",)}

Method = Callable[[np.ndarray, int, list[int], list[int], "Context"], tuple[np.ndarray, np.ndarray]]


class Context:
    """What a variant may read besides the affinity: per-prompt similarity, names, lineage."""

    def __init__(self, evidence: Any, lineage: pd.DataFrame) -> None:
        self.evidence = evidence
        self.lineage = lineage
        self.models: list[str] = list(evidence.models)
        self._tensor: tuple[np.ndarray, np.ndarray] | None = None

    def tensor(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-prompt combined similarity (P, M, M) standardized as the affinities, and its mask."""
        if self._tensor is None:
            total, mask, weight = None, None, 0.0
            for name, w in self.evidence.weights.items():
                channel = self.evidence.channels[name]
                if w <= 0 or not hasattr(channel, "sims"):
                    continue
                mean, sd = self.evidence.scales[name]
                x = (np.where(channel.pair_mask, channel.sims, 0.0) - mean) / sd
                total = w * x if total is None else total + w * x
                mask = channel.pair_mask if mask is None else mask & channel.pair_mask
                weight += w
            assert total is not None and mask is not None
            self._tensor = (total / weight, mask)
        return self._tensor


def _recipe(
    null: str = "both", exclude: Callable[..., dict[int, set[int]]] | None = None
) -> Method:
    from detector.calibration import calibrate_candidates

    def method(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
        exclusions = exclude(a, s, c, r, ctx) if exclude else None
        cal = calibrate_candidates(a, s, c, r, exclusions=exclusions, null=null)
        return cal.z, cal.p_value

    return method


def _top_third(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
    out = {}
    for t in c:
        pool = sorted((m for m in r if m != t), key=lambda m: -a[m, t])
        out[t] = set(pool[: round(len(pool) / 3)])
    return out


def _above(k: float) -> Callable[..., dict[int, set[int]]]:
    from detector.calibration import robust_z

    def exclude(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
        out = {}
        for t in c:
            pool = [m for m in r if m != t]
            values = a[pool, t]
            out[t] = {m for m, z in zip(pool, robust_z(values, values), strict=True) if z > k}
        return out

    return exclude


def _suspect_tail(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
    tail = set(sorted(r, key=lambda m: -a[s, m])[: round(len(r) / 3)])
    return dict.fromkeys(c, tail)


def _oracle(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
    from detector.protocol import candidate_families

    families = candidate_families(ctx.lineage)
    lin = ctx.lineage
    out = {}
    for t in c:
        family = families.get(ctx.models[t], "")
        out[t] = {
            m for m in r if family and str(lin.loc[ctx.models[m], "teacher_family"]) == family
        }
    return out


def _double_centred(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
    from detector.calibration import calibrate_candidates

    pool = sorted({s, *c, *r})
    off = np.where(np.eye(len(a), dtype=bool), np.nan, a)[:, pool]
    row = np.nanmedian(off, axis=1)
    grand = float(np.nanmedian(off[pool]))
    cal = calibrate_candidates(a - row[:, None] - row[None, :] + grand, s, c, r)
    return cal.z, cal.p_value


def _prompts_as_units(a: np.ndarray, s: int, c: list[int], r: list[int], ctx: Context):
    """Each candidate must beat every other candidate, paired t over prompts, Holm (max p)."""
    from detector.calibration import holm

    sims, mask = ctx.tensor()
    z, p = np.zeros(len(c)), np.ones(len(c))
    for i, t in enumerate(c):
        ps, ts = [], []
        for u in c:
            if u == t:
                continue
            both = mask[:, s, t] & mask[:, s, u]
            d = sims[both, s, t] - sims[both, s, u]
            result = stats.ttest_1samp(d, 0.0, alternative="greater")
            ps.append(float(result.pvalue) if np.isfinite(result.pvalue) else 1.0)
            ts.append(float(result.statistic) if np.isfinite(result.statistic) else 0.0)
        z[i], p[i] = min(ts), float(holm(np.array(ps)).max())
    return z, p


def _term_profile(features: Any, models: list[str]) -> np.ndarray:
    """Over-used-term profile affinity: log-odds z of each model against the pool, cosine."""
    x = (sp.csr_matrix(features.matrices["lexical"]) > 0).astype(np.float64).tocsr()
    owner = features.corpus.df["model"].to_numpy()
    rows = np.array([models.index(m) for m in owner])
    group = sp.csr_matrix(
        (np.ones(len(rows)), (rows, np.arange(len(rows)))), (len(models), len(rows))
    )
    y = np.asarray((group @ x).todense())
    n = np.asarray(group.sum(axis=1)).ravel()[:, None]
    yj, nj = y.sum(axis=0, keepdims=True) - y, n.sum() - n
    prior = 0.5
    z = (
        np.log(y + prior) - np.log(n - y + prior) - np.log(yj + prior) + np.log(nj - yj + prior)
    ) / (np.sqrt(1 / (y + prior) + 1 / (n - y + prior) + 1 / (yj + prior) + 1 / (nj - yj + prior)))
    z = np.clip(z, -3, 3)
    z -= z.mean(axis=1, keepdims=True)
    unit = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    cos = unit @ unit.T
    off = cos[~np.eye(len(cos), dtype=bool)]
    return (cos - off.mean()) / off.std()


def evaluate(plan: list[Any], ctx: Context, affinity: np.ndarray, method: Method) -> dict[str, Any]:
    """The benchmark's metrics of one variant over the plan."""
    from sklearn.metrics import roc_auc_score

    pos = {m: i for i, m in enumerate(ctx.models)}
    counts = dict.fromkeys(
        ["n_teacher", "declared", "family", "n_parent", "parent", "parent_declared",
         "n_negative", "fp", "unrelated", "n_unrelated"], 0
    )  # fmt: skip
    strict, family = [], []
    for entry in plan:
        s = pos[entry.suspect]
        c = [pos[m] for m in entry.candidates]
        r = [pos[m] for m in entry.reference if m in pos]
        z, p = method(affinity, s, c, r, ctx)
        related = {entry.candidates[k] for k in range(len(c)) if np.nan_to_num(p[k], nan=1) < ALPHA}
        top = entry.candidates[int(np.argmax(np.nan_to_num(z, nan=-np.inf)))]
        if entry.kind == "teacher":
            counts["n_teacher"] += 1
            counts["declared"] += bool(related & set(entry.family_models))
            counts["family"] += top in entry.family_models
        elif entry.kind == "parent":
            counts["n_parent"] += 1
            counts["parent"] += top in entry.expected
            counts["parent_declared"] += bool(related & set(entry.expected))
        elif entry.kind == "negative":
            counts["n_negative"] += 1
            counts["fp"] += bool(related)
        for k, cand in enumerate(entry.candidates):
            documented, in_family = entry.label(cand)
            if entry.kind != "open":
                family.append((in_family, float(z[k])))
            if documented is not None:
                strict.append((documented, float(z[k])))
            if documented is False:
                counts["n_unrelated"] += 1
                counts["unrelated"] += cand in related

    def auroc(pairs: list[tuple[bool, float]]) -> float:
        y = np.array([a for a, _ in pairs], dtype=bool)
        if not 0 < y.sum() < len(y):
            return float("nan")
        return float(roc_auc_score(y, np.nan_to_num([b for _, b in pairs], nan=-1e9)))

    return {**counts, "auroc": auroc(strict), "auroc_family": auroc(family)}


def variants(ctx: Context, features: Any) -> dict[str, tuple[np.ndarray, Method]]:
    ev = ctx.evidence
    full = ev.combined_affinity()
    four = {k: v for k, v in ev.weights.items() if k != "opening"}
    total = sum(four.values())
    without = sum(w / total * ev.channel_affinity(k) for k, w in four.items() if w > 0)
    return {
        "committed (5 channels, both sides)": (full, _recipe()),
        "four channels (no opening words)": (without, _recipe()),
        "suspect side only": (full, _recipe("suspect")),
        "clade out, top third of its column": (full, _recipe(exclude=_top_third)),
        "clade out, z > 1.5 in its column": (full, _recipe(exclude=_above(1.5))),
        "suspect's nearest third out": (full, _recipe(exclude=_suspect_tail)),
        "double-centred": (full, _double_centred),
        "prompts as units (beat every candidate)": (full, _prompts_as_units),
        "term profile channel": (_term_profile(features, ctx.models), _recipe()),
        "oracle null (documented students out)": (full, _recipe(exclude=_oracle)),
    }


def run(name: str) -> list[str]:
    from detector.corpus import load_corpus
    from detector.evidence import build_evidence
    from detector.features import compute_features
    from detector.lineage import load_lineage
    from detector.protocol import benchmark_plan

    env, folder, leaf = CORPORA[name]
    root = Path(os.environ.get(env, SHARED / folder))
    if not (root / leaf).exists():
        print(f"{name}: not found at {root}; skipped", file=sys.stderr)
        return []
    t = time.perf_counter()
    corpus = load_corpus(root / leaf)
    lineage = load_lineage(root / "lineage.csv")
    features = compute_features(corpus, progress=True)
    evidence = build_evidence(features)
    plan = benchmark_plan(lineage, evidence.models, OPEN_QUESTIONS.get(name, ()))
    ctx = Context(evidence, lineage)
    lines = [
        f"## {name}: {len(evidence.models)} models, {evidence.n_prompts} prompts",
        "",
        "| variant | students declared | teacher family top-1 | parent top-1 (declared) "
        "| human-data positives | unrelated pairs declared | AUROC strict | AUROC family |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, (affinity, method) in variants(ctx, features).items():
        m = evaluate(plan, ctx, affinity, method)
        lines.append(
            f"| {label} | {m['declared']} of {m['n_teacher']} | {m['family']} of {m['n_teacher']}"
            f" | {m['parent']} of {m['n_parent']} ({m['parent_declared']}) | {m['fp']} of "
            f"{m['n_negative']} | {m['unrelated']} of {m['n_unrelated']} | {m['auroc']:.3f} | "
            f"{m['auroc_family']:.3f} |"
        )
        print(lines[-1], flush=True)
    lines += ["", f"({time.perf_counter() - t:.0f} s)", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    args = parser.parse_args()
    names = list(CORPORA) if args.corpus == "all" else [args.corpus]
    body = [line for name in names for line in run(name)]
    if args.corpus == "all" and body:
        text = [
            "# Power: variants of the null and of the evidence (issue 22)",
            "",
            "Command: `python benchmarks/bench_power_variants.py` (the protocol of "
            "`benchmarks/bench_scoring.py`; no release dates, no bootstrap; corrected AlpacaEval "
            "labels: oasst-sft-llama-33b is a ChatGPT student). Accuracy only; made on a shared "
            "machine.",
            "",
            *body,
        ]
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "power_variants.md").write_text("\n".join(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

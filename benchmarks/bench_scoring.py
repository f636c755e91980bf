"""Scoring accuracy on the three development corpora, ours and the peer baselines side by side.

Runs the lineage benchmark (``provenance benchmark``, :func:`detector.benchmark.run_benchmark`)
on AlpacaEval and MT-Bench (teacher-format lineage) and creative_2025 (family-format
lineage), with the peers of :mod:`detector.peers` (LLM DNA, slop-forensics profile,
Burrows' Delta) measured in the same run, and writes

- ``benchmarks/results/scoring.md`` / ``scoring.json`` (AlpacaEval),
- ``benchmarks/results/scoring_mtbench.md`` / ``scoring_mtbench.json`` (MT-Bench),
- ``benchmarks/results/scoring_creative.md`` / ``scoring_creative.json`` (creative_2025),

each with the goals of the power issue next to the measured figures. Without
``--use-lineage`` the release dates of well-known models come from the bundled
table (:mod:`detector.release_dates`), as for a user who gives no lineage.

Usage::

    .venv/bin/python benchmarks/bench_scoring.py [--corpus alpaca_eval|mtbench|creative_2025|all]
        [--cache-dir DIR] [--speed [--cold]] [--suspect vicuna-13b] [--use-lineage]

``--use-lineage`` passes the lineage to scoring (its known-lineage null and
release dates; the suspect's own row is never read) and writes
``scoring_lineage.*`` / ``scoring_creative_lineage.*`` instead, so both runs
stay side by side. ``--speed`` also times one suspect against every other model and the whole
benchmark with warm caches (run it on a quiet machine: timings from a shared
machine mean nothing); ``--cold`` adds a run from an empty cache (embedding
33,800 outputs takes tens of minutes on 2 CPU cores). The corpora are read from
``PROVENANCE_DEV_CORPUS`` / ``PROVENANCE_MTBENCH_CORPUS`` / ``PROVENANCE_CREATIVE_CORPUS`` or
``../shared/corpora/{alpaca_eval,mtbench,creative_2025}``; a corpus that is absent is
skipped with a message.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SHARED = REPO.parent / "shared" / "corpora"


@dataclass
class Check:
    """One named goal of the issue: a label and, per method, the cell to show."""

    label: str
    goal: str
    cell: Callable[[Any], str]


@dataclass
class DevCorpus:
    name: str
    data: Path
    lineage: Path
    out: str
    title: str
    goals: dict[str, str]
    checks: list[Check] = field(default_factory=list)
    open_questions: tuple[str, ...] = ()
    protocol: str = ""


TEACHER_PROTOCOL = """\
Protocol (teacher-format lineage, `detector/protocol.py`): each distilled or human-data
model is scored against the 13 closed API models (reference: every other model); each
derived or variant model against every other model except its siblings. Strict AUROC: the
documented teacher or parent vs unrelated pairs (other snapshots of the teacher's family and
models on a derived model's base left out); family AUROC: every model of the teacher's
family related. "Declared related" for a student: a model of its teacher's family is
related after Holm."""

FAMILY_PROTOCOL = """\
Protocol (family-format lineage: vendor lines and release dates, no teachers;
`detector/protocol.py`): a derived model (gemma-3-27b-it-antislop, kimi-k2-0905) is scored
against every other model except its siblings, expecting its parent; the stealth model
(openrouter_polaris-alpha, revealed as OpenAI GPT-5.1, family openai-gpt-5) against every
other model, expecting a model of its vendor (OpenAI) and at best of its family (gpt-5 mini
or nano); an independent model with a model of its own family released strictly before it
(claude-sonnet-4-5 after claude-sonnet-4-20250514, and by the same rule deepseek-v3.2-exp
after deepseek-r1 and Mistral-Small-3.2 after mistral-nemo) against every other model,
expecting an earlier release of its family; deepseek-r1 (the open question) against every
other model with no expectation. There are few reference models here, so the candidates
calibrate each other (leave-one-out), as in the derived protocol of AlpacaEval. Strict AUROC:
the expected models (parent; earlier releases; for the stealth model its family) vs
unrelated pairs, with the rest of the expected family (and, for the stealth model, other
OpenAI families) left out; family AUROC: every model of the expected family related;
deepseek-r1's pairs are in neither."""


def _top1(suspect: str, expected: Callable[[Any], bool | None]) -> Callable[[Any], str]:
    def cell(method: Any) -> str:
        o = method.outcome(suspect)
        if o is None:
            return "not scored"
        ok = expected(o)
        mark = "yes" if ok else "**no**"
        return (
            f"{mark} ({o.top1}, z {o.top_z:.1f}{', related' if o.top and o.top[0].related else ''})"
        )

    return cell


def _related(suspect: str, target: str) -> Callable[[Any], str]:
    def cell(method: Any) -> str:
        o = method.outcome(suspect)
        if o is None:
            return "not scored"
        hit = next((c for c in o.top if c.model == target), None)
        where = f"rank {[c.model for c in o.top].index(target) + 1}" if hit else "not in top 3"
        z = f", z {hit.z:.1f}" if hit else ""
        return f"{'yes' if o.expected_related else '**no**'} ({where}{z})"

    return cell


def _lands(suspect: str) -> Callable[[Any], str]:
    def cell(method: Any) -> str:
        o = method.outcome(suspect)
        if o is None or not o.top:
            return "not scored"
        parts = []
        for c in o.top[:3]:
            if c.z != c.z or not getattr(c, "calibrated", True):  # too few models left
                parts.append(f"{c.model} (uncalibrated)")
                continue
            ci = f" [{c.ci[0]:.2f}-{c.ci[1]:.2f}]" if c.ci else ""
            parts.append(f"{c.model} (z {c.z:.1f}{ci})")
        return "; ".join(parts)

    return cell


def corpora() -> dict[str, DevCorpus]:
    alpaca = Path(os.environ.get("PROVENANCE_DEV_CORPUS", SHARED / "alpaca_eval"))
    creative = Path(os.environ.get("PROVENANCE_CREATIVE_CORPUS", SHARED / "creative_2025"))
    mtbench = Path(os.environ.get("PROVENANCE_MTBENCH_CORPUS", SHARED / "mtbench"))
    return {
        "alpaca_eval": DevCorpus(
            "alpaca_eval",
            alpaca,
            alpaca / "lineage.csv",
            "scoring",
            "Provenance scoring on the AlpacaEval dev corpus",
            protocol=TEACHER_PROTOCOL,
            goals={
                "teacher_family_related": ">= 7 of 10",
                "teacher_top1_family": ">= 9 of 10",
                "parent_top1": "6 of 6",
                "human_data_positives": "0 of 2",
                "auroc": ">= 0.97",
                "related_after": "0 (a later model cannot be a teacher)",
            },
        ),
        "mtbench": DevCorpus(
            "mtbench",
            mtbench / "model_answer",
            mtbench / "lineage.csv",
            "scoring_mtbench",
            "Provenance scoring on the MT-Bench dev corpus (80 two-turn questions, 160 prompts)",
            protocol=TEACHER_PROTOCOL.replace("the 13 closed API models", "the closed API models")
            + " On MT-Bench the closed models are gpt-3.5-turbo, gpt-4, claude-v1, "
            "claude-instant-v1 and palm-2-chat-bison-001; alpaca-13b's teacher "
            "(text-davinci-003) is not in the pool, so it is a reference model only. Each turn "
            "of a question is its own prompt.",
            goals={
                "teacher_family_related": ">= 12 of 17",
                "teacher_top1_family": ">= 14 of 17",
                "human_data_positives": "0 of 6",
                "auroc": ">= 0.90",
                "related_after": "0 (a later model cannot be a teacher)",
            },
        ),
        "creative_2025": DevCorpus(
            "creative_2025",
            creative / "outputs.jsonl",
            creative / "lineage.csv",
            "scoring_creative",
            "Provenance scoring on the creative_2025 dev corpus",
            protocol=FAMILY_PROTOCOL,
            goals={
                "parent_related": "2 of 2",
                "later_top1": "claude-sonnet-4-5 -> claude-sonnet-4 (the issue names only it)",
                "stealth_top1_vendor": "1 of 1 (an OpenAI model)",
            },
            checks=[
                Check(
                    "gemma-3-27b-it-antislop -> gemma-3-27b-it declared related",
                    "yes",
                    _related("gemma-3-27b-it-antislop", "gemma-3-27b-it"),
                ),
                Check(
                    "kimi-k2-0905 -> kimi-k2 declared related",
                    "yes",
                    _related("kimi-k2-0905", "kimi-k2"),
                ),
                Check(
                    "claude-sonnet-4-5: top-1 claude-sonnet-4-20250514",
                    "yes",
                    _top1("claude-sonnet-4-5", lambda o: o.top1 == "claude-sonnet-4-20250514"),
                ),
                Check(
                    "openrouter_polaris-alpha (stealth): top-1 an OpenAI model",
                    "yes",
                    _top1("openrouter_polaris-alpha", lambda o: o.family),
                ),
                Check(
                    "deepseek-r1: where it lands (top 3; ours: z [95% CI of the score])",
                    "stated, with its uncertainty",
                    _lands("deepseek-r1"),
                ),
            ],
            open_questions=("deepseek-r1",),
        ),
    }


def checks_table(result: Any, checks: list[Check]) -> list[str]:
    """The issue's named goals, one column per method."""
    names = [m.name for m in result.methods]
    lines = [
        "| goal of the issue | " + " | ".join(names) + " | goal |",
        "| --- | " + " | ".join("---" for _ in names) + " | --- |",
    ]
    for check in checks:
        cells = [check.cell(m) for m in result.methods]
        lines.append(f"| {check.label} | " + " | ".join(cells) + f" | {check.goal} |")
    return lines


def run_one(corpus_spec: DevCorpus, args: argparse.Namespace) -> int:
    from detector.benchmark import load_lineage, run_benchmark
    from detector.corpus import load_corpus
    from detector.features import FeatureOptions, compute_features
    from detector.scoring import score

    if not corpus_spec.data.exists() or not corpus_spec.lineage.exists():
        print(f"{corpus_spec.name}: not found at {corpus_spec.data}; skipped", file=sys.stderr)
        return 0
    corpus = load_corpus(corpus_spec.data)
    lineage = load_lineage(corpus_spec.lineage)
    timings: list[tuple[str, float]] = []
    suspect = args.suspect if args.suspect in corpus.models else corpus.models[0]
    if args.speed and args.cold:
        with tempfile.TemporaryDirectory() as cold_dir:
            t = time.perf_counter()
            score(corpus, suspect, options=FeatureOptions(cache_dir=cold_dir, progress=True))
            timings.append(
                (f"one suspect ({suspect}) vs all models, cold cache", time.perf_counter() - t)
            )
    features = compute_features(corpus, cache_dir=args.cache_dir, progress=True)
    one = None
    if args.speed:
        t = time.perf_counter()
        one = score(
            corpus, suspect, options=FeatureOptions(cache_dir=args.cache_dir, progress=False)
        )
        timings.append(
            (f"one suspect ({suspect}) vs all models, features cached", time.perf_counter() - t)
        )
    t = time.perf_counter()
    result = run_benchmark(
        features,
        lineage,
        progress=True,
        source=str(corpus_spec.data),
        open_questions=corpus_spec.open_questions,
        use_lineage=args.use_lineage,
        options=FeatureOptions(cache_dir=args.cache_dir) if args.cache_dir else None,
    )
    if args.speed:
        timings.append(
            (
                "whole benchmark (evidence + suspects + peers), features cached",
                time.perf_counter() - t,
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    command = (
        f"python benchmarks/bench_scoring.py --corpus {corpus_spec.name}"
        + (" --speed" + (" --cold" if args.cold else "") if args.speed else "")
        + (" --use-lineage" if args.use_lineage else "")
    )
    lines = [
        f"# {corpus_spec.title}"
        + (", with the lineage given to scoring" if args.use_lineage else ""),
        "",
        f"Command: `{command}` (the same tables, without the goals: `provenance benchmark "
        f"{corpus_spec.data.name} --lineage lineage.csv --format markdown`"
        + (", which has no open questions)." if corpus_spec.open_questions else ")."),
        "Made on a shared machine: accuracy only." if not args.speed else "",
        "",
        corpus_spec.protocol,
        "",
        "Peers are measured in the same run on the same suspects, candidates and reference "
        "models (`detector/peers.py`): **llm-dna** (LLM DNA, Wu et al., ICLR 2026: answer "
        "embeddings concatenated, one random projection, Euclidean), **slop-profile** "
        "(slop-forensics: over-used words and phrases, presence/absence, Jaccard), "
        "**burrows-delta** (Burrows 2002 / stylo: z-scored frequencies of the 300 most frequent "
        "words, mean absolute difference). Ours ranks and computes AUROC from the calibrated z; "
        "a peer ranks and computes AUROC from minus its distance, and is declared related "
        "after the same calibration as ours (robust z on both sides, Holm). "
        "'ours vs peers': ours against the best peer on that row.",
        "",
        result.to_markdown(goals=corpus_spec.goals, timings=args.speed),
    ]
    if corpus_spec.checks:
        lines += [
            "",
            "## Goals of the issue, per method",
            "",
            *checks_table(result, corpus_spec.checks),
        ]
    if args.speed:
        lines += [
            "",
            "## Speed",
            "",
            "| run | seconds |",
            "| --- | --- |",
            *[f"| {name} | {sec:.1f} |" for name, sec in timings],
            f"| peak memory (max RSS) | {peak:.0f} MiB |",
        ]
    else:
        lines += ["", "Speed: not measured in this run (rerun with `--speed` on a quiet machine)."]
    lines += ["", f"Channel weights (split-half reliability): {result.settings['weights']}"]
    if one is not None:
        lines += ["", f"Example verdict: {one.verdict}"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines).replace("\n\n\n", "\n\n")
    out = corpus_spec.out + ("_lineage" if args.use_lineage else "")
    (RESULTS / f"{out}.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / f"{out}.json").write_text(result.to_json() + "\n", encoding="utf-8")
    print(text)
    return 0


def main() -> int:
    specs = corpora()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*specs, "all"], default="all")
    parser.add_argument("--cache-dir", default=None, help="feature cache to use")
    parser.add_argument("--speed", action="store_true", help="also time warm runs")
    parser.add_argument("--cold", action="store_true", help="with --speed: an empty-cache run too")
    parser.add_argument("--suspect", default="vicuna-13b", help="suspect of the one-suspect timing")
    parser.add_argument(
        "--use-lineage",
        action="store_true",
        help="pass the lineage to scoring (known-lineage null, release dates; leave-suspect-out)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = list(specs) if args.corpus == "all" else [args.corpus]
    for name in names:
        run_one(specs[name], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The shift test (``score --baseline``) on the three development corpora, with the peer beside it.

For each documented (suspect, baseline) pair of issue 23, in one run:

- **ours, shift**: :func:`detector.shift.shift_score` (did S move toward a
  candidate relative to B, more than toward unrelated models);
- **ours, plain score**: :func:`detector.scoring.score` on the same suspect and
  candidates without the baseline (what a user without one gets);
- **raw shift**: the candidate with the largest A(S, T) - A(B, T), with no
  calibration (what subtracting the baseline alone gives);
- **slop profile, shift**: the same baseline subtraction and the same null,
  t and Holm (:func:`detector.shift.matrix_shift`) on the slop-forensics
  over-used-word profile (:class:`detector.peers.SlopProfile`, similarity =
  minus its Jaccard distance), the best peer of the scoring benchmark; and its
  raw shift (the largest subtraction, uncalibrated).

Writes ``benchmarks/results/shift_<corpus>.md`` and ``.json`` (``_lineage`` with
``--use-lineage``: known lineage passed to the test, documented relatives of a
candidate leave its null, its clade is tested with it, later releases set
aside), each with the command that made it.

Usage::

    .venv/bin/python benchmarks/bench_shift.py [--corpus mtbench|alpaca_eval|creative_2025|all]
        [--cache-dir DIR] [--use-lineage] [--bootstrap N]

The corpora are read from ``../shared/corpora`` (or ``PROVENANCE_MTBENCH_CORPUS``,
``PROVENANCE_DEV_CORPUS``, ``PROVENANCE_CREATIVE_CORPUS``); one that is absent is
skipped with a message. Nothing from the corpora is written but model names and
numbers.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SHARED = REPO.parent / "shared" / "corpora"

GPT35, GPT4 = "openai-gpt-3.5", "openai-gpt-4"
SIBLING = (
    "extra: a chat sibling on the same base as baseline (guanaco-33b: human data on LLaMA-33B)"
)


@dataclass
class Pair:
    """One suspect and its baseline, with what the issue expects."""

    suspect: str
    baseline: str
    expected: str | None  # a teacher family it moved toward; None: toward none
    why: str
    scored: bool = True  # counted in the goals (False: reported only)
    group: str = "the issue's pairs"
    candidates: list[str] | None = None  # the candidates named (default: the corpus's rule)


@dataclass
class DevCorpus:
    name: str
    data: Path
    lineage: Path
    title: str
    candidates: str  # "closed": the closed API models; "all": every other model
    pairs: list[Pair]
    goals: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = ""
    questions: Path | None = None


def corpora() -> dict[str, DevCorpus]:
    mt = Path(os.environ.get("PROVENANCE_MTBENCH_CORPUS", SHARED / "mtbench"))
    alpaca = Path(os.environ.get("PROVENANCE_DEV_CORPUS", SHARED / "alpaca_eval"))
    creative = Path(os.environ.get("PROVENANCE_CREATIVE_CORPUS", SHARED / "creative_2025"))
    closed = (
        "Candidates: the closed API models of the pool (the teachers a student can have "
        "learned from); reference: every other model but the suspect and the baseline."
    )
    return {
        "mtbench": DevCorpus(
            "mtbench",
            mt / "model_answer",
            mt / "lineage.csv",
            "The shift test on MT-Bench: fine-tunes against their base model (llama-13b) or a chat "
            "sibling on their base (guanaco-33b)",
            "closed",
            [
                *(
                    Pair(s, "llama-13b", GPT35, "distilled from ChatGPT on LLaMA-13B")
                    for s in (
                        "vicuna-13b-v1.3",
                        "koala-13b",
                        "wizardlm-13b",
                        "baize-v2-13b",
                        "gpt4all-13b-snoozy",
                    )
                ),
                Pair("nous-hermes-13b", "llama-13b", GPT4, "distilled from GPT-4 on LLaMA-13B"),
                Pair("lima-whole-13b", "llama-13b", None, "human data (LIMA) on LLaMA-13B"),
                Pair(
                    "alpaca-13b",
                    "llama-13b",
                    None,
                    "distilled from text-davinci-003, not in the pool (reported only)",
                    scored=False,
                ),
                *(
                    Pair(s, "guanaco-33b", GPT35, why, group=SIBLING)
                    for s, why in (
                        (
                            "vicuna-33b-v1.3",
                            "ShareGPT on LLaMA-33B (its file's model_id: vicuna-30b-gpt4)",
                        ),
                        ("wizardlm-30b", "Evol-Instruct (ChatGPT) on LLaMA-30B"),
                        ("tulu-30b", "mixture with ShareGPT and GPT4-Alpaca on LLaMA-30B"),
                        ("oasst-sft-7-llama-30b", "OASST mixed with ShareGPT on LLaMA-30B"),
                    )
                ),  # fmt: skip
                Pair(
                    "guanaco-65b",
                    "guanaco-33b",
                    None,
                    "the same human OASST1 data on the larger base",
                    group=SIBLING,
                ),
            ],
            goals=[
                ("students with their teacher family first and declared", ">= 5 of 6"),
                ("human-data model (lima-whole-13b) declared", "0 of 1"),
            ],
            protocol=closed,
            questions=mt / "question.jsonl",
        ),
        "alpaca_eval": DevCorpus(
            "alpaca_eval",
            alpaca,
            alpaca / "lineage.csv",
            "The shift test on AlpacaEval: Mistral-7B and Llama-3-8B fine-tunes against a "
            "sibling or parent",
            "closed",
            [
                Pair(
                    "OpenHermes-2.5-Mistral-7B",
                    "Mistral-7B-Instruct-v0.2",
                    GPT4,
                    "GPT-4 data on Mistral-7B; baseline a sibling on the same base",
                ),
                Pair(
                    "zephyr-7b-beta",
                    "Mistral-7B-Instruct-v0.2",
                    GPT35,
                    "UltraChat (gpt-3.5-turbo) on Mistral-7B; baseline a sibling",
                ),
                Pair(
                    "Snorkel-Mistral-PairRM-DPO",
                    "Mistral-7B-Instruct-v0.2",
                    None,
                    "DPO on its own samples from its parent",
                ),
                Pair(
                    "Llama-3-Instruct-8B-SimPO",
                    "Meta-Llama-3-8B-Instruct",
                    None,
                    "SimPO preference tuning of its parent",
                ),
            ],
            goals=[
                ("students with their teacher family first and declared", "2 of 2"),
                ("preference-tuned models declared toward a candidate", "0 of 2"),
            ],
            protocol=closed,
        ),
        "creative_2025": DevCorpus(
            "creative_2025",
            creative / "outputs.jsonl",
            creative / "lineage.csv",
            "The shift test on creative_2025: new releases against their predecessors",
            "all",
            [
                Pair("kimi-k2-0905", "kimi-k2", None, "update of kimi-k2 (report)", False),
                Pair(
                    "claude-sonnet-4-5",
                    "claude-sonnet-4-20250514",
                    None,
                    "next release of the line (report)",
                    False,
                ),
                Pair(
                    "gemma-3-27b-it-antislop",
                    "gemma-3-27b-it",
                    None,
                    "antislop: phrases suppressed, no new data (expect toward none)",
                ),
                Pair(
                    "deepseek-v3.2-exp",
                    "deepseek-r1",
                    None,
                    "a later DeepSeek against the January R1 (report)",
                    False,
                ),
                Pair(
                    "deepseek-v3.2-exp",
                    "deepseek-r1",
                    None,
                    "the same, with the claim's candidate named alone (report)",
                    False,
                    candidates=["gemini-2.5-flash"],
                ),
            ],
            goals=[("gemma-3-27b-it-antislop declared toward a candidate", "0 of 1")],
            protocol="Candidates: every other model but the suspect and the baseline (there "
            "is no teacher to expect); reference: none, so each candidate is judged against "
            "all the others (leave-one-out).",
        ),
    }


# ------------------------------------------------------------------ one pair
def _fmt(x: float | None, digits: int = 2, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


def run_pair(
    evidence: Any,
    slop: Any,
    pair: Pair,
    candidates: list[str] | None,
    families: dict[str, str],
    lineage: Any,
    n_bootstrap: int,
) -> dict[str, Any]:
    """Every method on one pair; plain data for the JSON and the tables."""
    from detector.scoring import score
    from detector.shift import matrix_shift, shift_score

    cands = None if candidates is None else [c for c in candidates if c != pair.baseline]
    shift = shift_score(
        evidence, pair.suspect, pair.baseline, cands, n_bootstrap=n_bootstrap, lineage=lineage
    )
    plain = score(evidence, pair.suspect, cands, n_bootstrap=n_bootstrap, lineage=lineage)
    raw = sorted(shift.candidates, key=lambda c: -c.shift)
    peer = matrix_shift(-slop.distances_, shift)
    peer_raw = peer.sort_values("shift", ascending=False, kind="stable")

    def family_rank(order: list[str]) -> int | None:
        if pair.expected is None:
            return None
        ranks = [k for k, m in enumerate(order, 1) if families.get(m) == pair.expected]
        return ranks[0] if ranks else None

    def declared_family(models: list[str]) -> bool:
        return any(families.get(m) == pair.expected for m in models)

    shift_order = [c.model for c in shift.candidates]
    top = shift.candidates[0]
    expected_row = next(
        (c for c in shift.candidates if families.get(c.model) == pair.expected), None
    )
    related = [c.model for c in shift.candidates if c.related]
    return {
        "group": pair.group,
        "suspect": pair.suspect,
        "baseline": pair.baseline,
        "expected": pair.expected,
        "why": pair.why,
        "scored": pair.scored,
        "n_prompts": shift.n_prompts,
        "n_candidates": len(shift.candidates),
        "baseline_related": shift.baseline_check.related,
        "baseline_z": shift.baseline_check.z,
        "moved": shift.movement.moved,
        "moved_models": f"{shift.movement.toward + shift.movement.away}/{shift.movement.n_models}",
        "level": shift.level,
        "verdict": shift.verdict,
        "explanation": shift.explanation,
        "top": {
            "model": top.model,
            "shift": top.shift,
            "shift_ci": top.shift_ci,
            "z": top.z,
            "p_value": top.p_value,
            "related": top.related,
        },
        "expected_row": None
        if expected_row is None
        else {
            "model": expected_row.model,
            "rank": expected_row.rank,
            "shift": expected_row.shift,
            "shift_ci": expected_row.shift_ci,
            "z": expected_row.z,
            "p_value": expected_row.p_value,
            "score_ci": expected_row.ci,
        },
        "ours": {
            "family_rank": family_rank(shift_order),
            "declared": related,
            "family_declared": declared_family(related),
        },
        "plain": {
            "top": plain.candidates[0].model,
            "z": plain.candidates[0].z,
            "level": plain.level,
            "family_rank": family_rank([c.model for c in plain.candidates]),
            "declared": [c.model for c in plain.candidates if c.related],
            "family_declared": declared_family([c.model for c in plain.candidates if c.related]),
        },
        "raw": {
            "top": raw[0].model,
            "shift": raw[0].shift,
            "family_rank": family_rank([c.model for c in raw]),
        },
        "slop": {
            "top": str(peer.index[0]),
            "z": float(peer["z"].iloc[0]),
            "p_value": float(peer["p_value"].iloc[0]),
            "family_rank": family_rank([str(m) for m in peer.index]),
            "declared": [str(m) for m in peer.index[peer["related"].to_numpy()]],
            "family_declared": declared_family(
                [str(m) for m in peer.index[peer["related"].to_numpy()]]
            ),
            "raw_top": str(peer_raw.index[0]),
            "raw_family_rank": family_rank([str(m) for m in peer_raw.index]),
        },
        "result": shift.to_dict(),
    }


# ------------------------------------------------------------------ tables
def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "**no**")


def pair_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    out = []
    for r in rows:
        top, exp = r["top"], r["expected_row"]
        ours = (
            f"{top['model']} (shift {_fmt(top['shift'], signed=True)} "
            f"[{_fmt(top['shift_ci'][0], signed=True)}, {_fmt(top['shift_ci'][1], signed=True)}], "
            f"z {_fmt(top['z'])}, Holm p {_fmt(top['p_value'], 2)})"
        )
        if exp is not None:
            teacher = (
                f"{exp['model']}: rank {exp['rank']}, z {_fmt(exp['z'])}, score 95% CI "
                f"{_fmt(exp['score_ci'][0], 3)}-{_fmt(exp['score_ci'][1], 3)}"
            )
        else:
            teacher = "-"
        declared = ", ".join(r["ours"]["declared"]) or "none"
        out.append(
            [
                r["suspect"] + (" (one candidate named)" if r["n_candidates"] == 1 else ""),
                r["baseline"],
                r["expected"] or "none",
                f"{_yes(r['baseline_related'])} (z {_fmt(r['baseline_z'], 1)})",
                f"{'yes' if r['moved'] else 'no'} ({r['moved_models']})",
                r["level"],
                ours,
                teacher,
                declared,
                f"{r['plain']['top']} (z {_fmt(r['plain']['z'])}"
                + (", related" if r["plain"]["declared"] else "")
                + ")",
                f"{r['raw']['top']} ({_fmt(r['raw']['shift'], signed=True)})",
                f"{r['slop']['top']} (z {_fmt(r['slop']['z'])}, p {_fmt(r['slop']['p_value'])})"
                + (" declared" if r["slop"]["declared"] else ""),
                r["slop"]["raw_top"],
            ]
        )
    return out


def summary_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    students = [r for r in rows if r["scored"] and r["expected"]]
    nulls = [r for r in rows if r["scored"] and not r["expected"]]
    methods = [
        ("ours, shift", lambda r: r["ours"]["family_rank"], lambda r: r["ours"]["declared"],
         lambda r: r["ours"]["family_declared"]),
        ("ours, plain score", lambda r: r["plain"]["family_rank"], lambda r: r["plain"]["declared"],
         lambda r: r["plain"]["family_declared"]),
        ("raw shift (uncalibrated)", lambda r: r["raw"]["family_rank"], lambda r: None,
         lambda r: None),
        ("slop profile, shift", lambda r: r["slop"]["family_rank"], lambda r: r["slop"]["declared"],
         lambda r: r["slop"]["family_declared"]),
        ("slop profile, raw shift", lambda r: r["slop"]["raw_family_rank"], lambda r: None,
         lambda r: None),
    ]  # fmt: skip
    out = []
    for name, rank, declared, fam in methods:
        first = sum(rank(r) == 1 for r in students)
        both = sum(rank(r) == 1 and bool(fam(r)) for r in students)
        nd = [declared(r) for r in nulls]
        out.append(
            [
                name,
                f"{first} of {len(students)}" if students else "-",
                (f"{both} of {len(students)}" if fam(students[0]) is not None else "-")
                if students
                else "-",
                (f"{sum(bool(d) for d in nd)} of {len(nulls)}" if nd and nd[0] is not None else "-")
                if nulls
                else "-",
            ]
        )
    return out


def table(header: list[str], rows: list[list[str]]) -> str:
    def cell(x: str) -> str:
        return str(x).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(spec: DevCorpus, rows: list[dict[str, Any]], command: str, info: dict) -> str:
    lines = [
        f"# {spec.title}",
        "",
        f"Command: `{command}`",
        "",
        f"{info['n_models']} models, {info['n_prompts']} prompts; seed 0, {info['n_bootstrap']} "
        f"prompt resamplings; lineage {'given' if info['lineage'] else 'not given'}; "
        f"{info['seconds']:.0f} s in all.",
        "",
        spec.protocol,
        "",
        "## Goals",
        "",
    ]
    for group in dict.fromkeys(r["group"] for r in rows):
        members = [r for r in rows if r["group"] == group]
        if not any(r["scored"] for r in members):
            continue
        lines += [f"**{group}**", ""]
        lines.append(
            table(
                [
                    "method",
                    "teacher family first",
                    "first and declared",
                    "toward-none pairs declared",
                ],
                summary_rows(members),
            )  # fmt: skip
        )
        lines.append("")
    lines += [f"- Goal (the issue's pairs): {g} ({v})." for g, v in spec.goals]
    lines += [
        "",
        "## Per pair",
        "",
        "shift = A(S, T) - A(B, T) in SDs of the between-model affinities, with its 95% "
        "interval over prompt resamplings; z: among the unrelated models' shifts; B related: "
        "the baseline more similar to the suspect than unrelated models (one-sided p < 0.05); "
        "moved: models whose resemblance to S changed beyond prompt noise (Holm).",
        "",
        table(
            [
                "suspect",
                "baseline",
                "expected",
                "B related",
                "moved",
                "verdict",
                "ours: top (shift [95% CI], z, Holm p)",
                "expected family's best",
                "ours: declared",
                "plain score: top",
                "raw shift: top",
                "slop shift: top",
                "slop raw: top",
            ],
            pair_rows(rows),
        ),  # fmt: skip
        "",
        "## Verdicts",
        "",
    ]
    for r in rows:
        alone = r["n_candidates"] == 1
        given = f" (one candidate named: {r['top']['model']})" if alone else ""
        lines.append(
            f"- **{r['suspect']}** from {r['baseline']}{given}: {r['verdict']} {r['explanation']}"
        )
        for note in r["result"]["notes"]:
            if "left out" in note or "not a candidate" in note:
                continue
            lines.append(f"  - note: {note}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ one corpus
def run_one(spec: DevCorpus, args: argparse.Namespace) -> None:
    from detector import FeatureOptions, build_evidence, load_corpus
    from detector.lineage import load_lineage
    from detector.peers import SlopProfile
    from detector.protocol import candidate_families

    if not spec.data.exists():
        print(f"{spec.name}: not found at {spec.data}; skipped", file=sys.stderr)
        return
    t0 = time.perf_counter()
    kwargs = {"questions": spec.questions} if spec.questions else {}
    corpus = load_corpus(spec.data, **kwargs)
    lineage = load_lineage(spec.lineage)
    families = candidate_families(lineage)
    closed = [
        m for m in corpus.models if m in lineage.index and lineage.loc[m, "weights"] == "closed"
    ]
    candidates = closed if spec.candidates == "closed" else None
    options = FeatureOptions(cache_dir=args.cache_dir, progress=False)
    evidence = build_evidence(corpus, seed=0, options=options)
    slop = SlopProfile().fit(corpus)
    rows = []
    for pair in spec.pairs:
        cands = None if candidates is None else [c for c in candidates if c != pair.suspect]
        cands = pair.candidates if pair.candidates is not None else cands
        rows.append(
            run_pair(
                evidence,
                slop,
                pair,
                cands,
                families,
                spec.lineage if args.use_lineage else None,
                args.bootstrap,
            )
        )
        print(f"{spec.name}: {pair.suspect} <- {pair.baseline}: {rows[-1]['verdict']}")
    suffix = "_lineage" if args.use_lineage else ""
    out = RESULTS / f"shift_{spec.name}{suffix}"
    command = "python benchmarks/bench_shift.py --corpus " + spec.name
    command += " --use-lineage" if args.use_lineage else ""
    command += f" --bootstrap {args.bootstrap}" if args.bootstrap != 200 else ""
    info = {
        "n_models": corpus.n_models,
        "n_prompts": corpus.n_prompts,
        "n_bootstrap": args.bootstrap,
        "lineage": args.use_lineage,
        "seconds": time.perf_counter() - t0,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(markdown(spec, rows, command, info), encoding="utf-8")
    from detector.results import dumps

    out.with_suffix(".json").write_text(
        dumps({"command": command, **info, "pairs": rows}) + "\n", encoding="utf-8"
    )
    print(f"wrote {out.with_suffix('.md')} and .json")


def main() -> int:
    specs = corpora()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*specs, "all"], default="all")
    parser.add_argument("--cache-dir", default=None, help="feature cache to use")
    parser.add_argument("--bootstrap", type=int, default=200, help="prompt resamplings")
    parser.add_argument(
        "--use-lineage",
        action="store_true",
        help="pass the lineage to the test (known-lineage null, clades, release dates)",
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = list(specs) if args.corpus == "all" else [args.corpus]
    for name in names:
        run_one(specs[name], args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

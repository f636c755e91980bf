"""Scoring accuracy and speed on the real AlpacaEval corpus (issue: Provenance scoring).

Runs the lineage benchmark (``provenance benchmark``) and times one suspect
against the 41 other models, cold (empty feature cache) and warm (cached), and
writes ``benchmarks/results/scoring.md`` and ``scoring.json``.

Usage::

    .venv/bin/python benchmarks/bench_scoring.py [--cache-dir DIR] [--cold]

``--cold`` also times a run from an empty cache (embedding 33,800 outputs takes
tens of minutes on 2 CPU cores). The corpus is read from ``PROVENANCE_DEV_CORPUS``
or ``../shared/corpora/alpaca_eval``; the script exits cleanly when it is absent.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PROVENANCE_DEV_CORPUS", REPO.parent / "shared/corpora/alpaca_eval"))
RESULTS = REPO / "benchmarks" / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", default=None, help="feature cache to use (warm runs)")
    parser.add_argument("--cold", action="store_true", help="also time an empty-cache run")
    parser.add_argument("--suspect", default="vicuna-13b")
    args = parser.parse_args()
    if not (CORPUS / "results").is_dir():
        print(f"real corpus not found at {CORPUS}; nothing to benchmark", file=sys.stderr)
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from detector.benchmark import load_lineage, run_benchmark
    from detector.corpus import load_corpus
    from detector.evidence import build_evidence
    from detector.scoring import score

    corpus = load_corpus(CORPUS)
    lineage = load_lineage(CORPUS / "lineage.csv")
    timings: list[tuple[str, float]] = []

    if args.cold:
        with tempfile.TemporaryDirectory() as cold_dir:
            t = time.perf_counter()
            score(corpus, args.suspect, cache_dir=cold_dir, progress=True)
            timings.append(
                (f"one suspect ({args.suspect}) vs 41 models, cold cache", time.perf_counter() - t)
            )

    # warm: features cached by a first pass
    build_evidence(corpus, cache_dir=args.cache_dir, progress=True)
    t = time.perf_counter()
    one = score(corpus, args.suspect, cache_dir=args.cache_dir, progress=False)
    timings.append(
        (f"one suspect ({args.suspect}) vs 41 models, features cached", time.perf_counter() - t)
    )

    t = time.perf_counter()
    result = run_benchmark(corpus, lineage, progress=True, **cache_dir_kwargs(args.cache_dir))
    timings.append(
        ("whole dev benchmark (evidence + 18 suspects), features cached", time.perf_counter() - t)
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    command = "python benchmarks/bench_scoring.py" + (" --cold" if args.cold else "")
    lines = [
        "# Provenance scoring on the AlpacaEval dev corpus",
        "",
        f"Command: `{command}` (also: `provenance benchmark {CORPUS.name} --lineage "
        "lineage.csv --format markdown`)",
        "",
        result.to_markdown(),
        "",
        "## Speed (2 CPU cores, shared machine)",
        "",
        "| run | seconds |",
        "| --- | --- |",
        *[f"| {name} | {sec:.1f} |" for name, sec in timings],
        f"| peak memory (max RSS) | {peak:.0f} MiB |",
        "",
        f"Channel weights (split-half reliability): {result.settings['weights']}",
        "",
        f"Example verdict: {one.verdict}",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scoring.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / "scoring.json").write_text(result.to_json() + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def cache_dir_kwargs(cache_dir: str | None) -> dict:
    return {"evidence_kwargs": {"cache_dir": cache_dir}} if cache_dir else {}


if __name__ == "__main__":
    sys.exit(main())

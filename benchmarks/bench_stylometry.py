"""Benchmark: speed and memory of StyleFeatures.transform on real model outputs.

Loads the AlpacaEval development corpus (``../shared/corpora/alpaca_eval``
relative to the repository root, or the ``PROVENANCE_DEV_CORPUS`` environment
variable), transforms every output on one core (BLAS/OpenMP threads limited to
1) and writes ``benchmarks/results/stylometry.md``.

Usage::

    .venv/bin/python benchmarks/bench_stylometry.py [--repeat 3] [--limit N] [--out PATH]

Exits with status 0 and a message when the corpus is absent.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.corpus import load_corpus  # noqa: E402
from detector.stylometry import FEATURE_GROUPS, FEATURES, StyleFeatures  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared/corpora/alpaca_eval"
DEFAULT_OUT = ROOT / "benchmarks/results/stylometry.md"
TARGET = 2000.0  # texts per second on one core
SANITY = (
    "n_words",
    "sentence_words_mean",
    "mattr",
    "hapax_ratio",
    "fw_the",
    "comma",
    "md_any",
    "emoji",
    "opener_sure",
    "second_person",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pin_one_core() -> str:
    """Pin this process to one CPU where the OS allows it; say what was done."""
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return f"pinned to CPU {cpus[-1]} (sched_setaffinity)"
    return "not pinned (no sched_setaffinity)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("PROVENANCE_DEV_CORPUS"))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is reported)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N outputs")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)

    corpus_path = Path(args.corpus) if args.corpus else DEFAULT_CORPUS
    if not corpus_path.exists():
        print(
            f"bench_stylometry: corpus not found at {corpus_path}; set PROVENANCE_DEV_CORPUS "
            "or pass --corpus. Nothing benchmarked.",
            file=sys.stderr,
        )
        return 0

    pinned = _pin_one_core()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # env vars above already limit the pools
        pass

    t0 = time.perf_counter()
    corpus = load_corpus(corpus_path)
    load_s = time.perf_counter() - t0
    texts = corpus.df["output"].tolist()
    if args.limit:
        texts = texts[: args.limit]
    n = len(texts)
    chars = np.array([len(t) for t in texts])

    sf = StyleFeatures()
    sf.transform(texts[:500])  # warm-up: imports, regex caches
    walls, cpus = [], []
    X = None
    for _ in range(max(args.repeat, 1)):
        w0, c0 = time.perf_counter(), time.process_time()
        X = sf.transform(texts)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    assert X is not None
    best = min(walls)
    rate_best, rate_median = n / best, n / statistics.median(walls)
    rate_cpu = n / min(cpus)

    # Peak memory of one transform as seen by tracemalloc (Python objects and
    # numpy buffers), in a separate untimed run because tracing slows it down.
    tracemalloc.start()
    sf.transform(texts)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    finite = bool(np.isfinite(X).all())
    cmd = "python " + " ".join(
        shlex.quote(a) for a in [str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]]
    )
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    verdict = "meets" if rate_best >= TARGET else "MISSES"
    lines = [
        "# Stylometry benchmark",
        "",
        f"Command (from the repository root): `{cmd}`",
        "",
        f"Generated {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
        "`benchmarks/bench_stylometry.py`: `StyleFeatures().transform` on every output of "
        "the AlpacaEval development corpus, one core (BLAS/OpenMP threads = 1, "
        f"process {pinned}).",
        "",
        "| quantity | value |",
        "| --- | --- |",
        f"| corpus | `{corpus_path.name}`: {corpus.n_models} models, {corpus.n_prompts} prompts |",
        f"| texts | {n:,} |",
        f"| characters per text | mean {chars.mean():,.0f}, median {np.median(chars):,.0f}, "
        f"max {chars.max():,} |",
        f"| features per text | {X.shape[1]} in {len(FEATURE_GROUPS)} groups |",
        f"| wall time, best of {len(walls)} | {best:.2f} s (all: "
        + ", ".join(f"{w:.2f}" for w in walls)
        + " s) |",
        f"| **throughput, best** | **{rate_best:,.0f} texts/s** "
        f"({chars.sum() / best / 1e6:.1f} M chars/s) |",
        f"| throughput, median run | {rate_median:,.0f} texts/s |",
        f"| throughput, CPU time | {rate_cpu:,.0f} texts/s |",
        f"| target (>= {TARGET:,.0f} texts/s, one core) | {verdict} |",
        f"| peak traced memory during transform (tracemalloc) | {traced_peak / 2**20:,.0f} MiB |",
        f"| peak RSS of the process (incl. corpus, libraries) | {maxrss_mib:,.0f} MiB |",
        f"| corpus load time (not in the throughput) | {load_s:.1f} s |",
        f"| all values finite | {finite} |",
        f"| machine | {_cpu_model()}, {os.cpu_count()} CPUs, load average at end {load[0]:.1f} |",
        f"| software | Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {__import__('pandas').__version__}, "
        f"scikit-learn {__import__('sklearn').__version__} |",
        "",
        "The machine is shared with other jobs, so wall-clock figures vary between runs; "
        "the best run is the least disturbed one.",
        "",
        "Selected corpus means (sanity check of the values):",
        "",
        "| feature | group | unit | mean |",
        "| --- | --- | --- | --- |",
    ]
    names = [f.name for f in FEATURES]
    means = X.mean(axis=0)
    for f in FEATURES:
        if f.name in SANITY:
            lines.append(f"| {f.name} | {f.group} | {f.unit} | {means[names.index(f.name)]:.3f} |")
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

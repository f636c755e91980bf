"""The first run a user meets: ``provenance features`` on the whole dev corpus, cold.

Runs the command line as a user would (``provenance features DATA --out FILE
-v``) on the 42-model AlpacaEval corpus (33,804 outputs, the default
channels) with an empty cache directory, in a child process, and reads the
time of every stage from the lines the command logs at ``-v`` (``features NAME: ... computed in S s`` and ``wrote FILE: ... in
S s``). Records wall time, CPU time of the child, its peak memory and the
1-minute load average before and after, and writes
``benchmarks/results/cold_run.md``: each stage's share and the whole run
against its embedding stage (the scale issue asks for within about 2x).

Run on a quiet machine (nothing else heavy running)::

    .venv/bin/python benchmarks/bench_cold_run.py [--models N]

``--models N`` runs on the first N models only (a quick check of the
script). The corpus is read from ``PROVENANCE_DEV_CORPUS`` or
``../shared/corpora/alpaca_eval`` beside the checkout; the script exits
cleanly when it is absent.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "cold_run.md"
COMPUTED = re.compile(r"features (?P<channel>\w+): \d+ x \d+ computed in (?P<s>[\d.]+) s")
WROTE = re.compile(r"wrote .*: \d+ rows x \d+ columns in (?P<s>[\d.]+) s")


def corpus_path() -> Path:
    env = os.environ.get("PROVENANCE_DEV_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpora" / "alpaca_eval"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=0, help="first N models only (0: all)")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    data = corpus_path()
    if not data.exists():
        print(f"bench_cold_run: corpus not found at {data}; set PROVENANCE_DEV_CORPUS",
              file=sys.stderr)  # fmt: skip
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        source: Path = data
        if args.models:
            import pandas as pd

            from detector.corpus import load_corpus

            df = load_corpus(data).df
            keep = sorted(df["model"].unique())[: args.models]
            source = Path(tmp) / "subset.parquet"
            pd.DataFrame(df[df["model"].isin(keep)]).to_parquet(source)
        table = Path(tmp) / "features.parquet"
        cmd = [sys.executable, "-m", "detector", "features", str(source), "--out", str(table),
               "--cache-dir", str(Path(tmp) / "cache"), "-v"]  # fmt: skip
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        load_after = os.getloadavg()[0]
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        import pandas as pd

        rows = len(pd.read_parquet(table, columns=["model"]))
    stages: list[tuple[str, float]] = []
    for line in (done.stderr + "\n" + done.stdout).splitlines():
        if m := COMPUTED.search(line):
            stages.append((m.group("channel"), float(m.group("s"))))
        elif m := WROTE.search(line):
            stages.append(("writing the table", float(m.group("s"))))
    embedding = sum(s for name, s in stages if name == "embedding")
    staged = sum(s for _, s in stages)
    lines = [
        "# The first run a user meets: `provenance features` on the dev corpus, cold",
        "",
        "Command: `python benchmarks/bench_cold_run.py"
        + (f" --models {args.models}" if args.models else "")
        + "` (runs `provenance features DATA --out FILE --cache-dir EMPTY -v` on "
        f"{'the first ' + str(args.models) + ' models of ' if args.models else ''}"
        "the AlpacaEval dev corpus, default channels).",
        "",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}); "
        f"1-minute load average {load_before:.1f} before, {load_after:.1f} after (the run "
        "itself uses both cores while embedding). No GPU.",
        "",
        f"Rows written: {rows:,} (one per model and prompt). Wall {wall:.0f} s "
        f"({wall / 60:.1f} min), CPU of the command {usage.ru_utime + usage.ru_stime:.0f} s, "
        f"peak memory {usage.ru_maxrss / 1024:.0f} MiB.",
        "",
        "| stage | seconds | share of the run |",
        "| --- | --- | --- |",
        *[f"| {name} | {s:.1f} | {s / wall:.1%} |" for name, s in stages],
        f"| outside the timed stages (start, reading the corpus, imports) | "
        f"{wall - staged:.1f} | {(wall - staged) / wall:.1%} |",
        f"| **whole command** | **{wall:.1f}** | 100% |",
        "",
        (
            f"The whole cold run is {wall / embedding:.2f} times its embedding stage "
            "(the scale issue asks for within about 2x)."
            if embedding
            else "No embedding stage was logged."
        ),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

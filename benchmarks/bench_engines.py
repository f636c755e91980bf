"""Dask or Ray for the distributed stages: start-up cost and a small run's overhead.

Each engine runs in a fresh Python process (so imports are counted and one
does not warm the other), ``--repeats`` times, interleaved:

- import: ``import distributed`` / ``import ray``;
- start: a local cluster of two single-threaded worker processes
  (``LocalCluster(n_workers=2, threads_per_worker=1)`` + ``Client`` /
  ``ray.init(num_cpus=2)``);
- small run: 64 tasks of a small numpy reduction (1 ms of work each), map
  and gather, twice (the second is the warm overhead);
- stop: closing the client and cluster / ``ray.shutdown()``;

plus the installed size of each engine's packages. Writes
``benchmarks/results/engines.md``. Both engines must be installed
(``pip install 'dask[distributed]' 'ray[data]'``); a missing one is reported.

Run::

    .venv/bin/python benchmarks/bench_engines.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "engines.md"
N_TASKS = 64

_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
engine = sys.argv[1]
import numpy as np

def work(seed):
    rng = np.random.default_rng(seed)
    return float(rng.random(20_000).sum())

out = {}
t = time.perf_counter()
if engine == "dask":
    import distributed
    out["import"] = time.perf_counter() - t
    t = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    out["start"] = time.perf_counter() - t
    for key in ("first run", "warm run"):
        t = time.perf_counter()
        futures = client.map(work, range(N), pure=False)
        total = sum(client.gather(futures))
        out[key] = time.perf_counter() - t
    t = time.perf_counter()
    client.close(); cluster.close()
    out["stop"] = time.perf_counter() - t
else:
    import ray
    out["import"] = time.perf_counter() - t
    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    remote = ray.remote(num_cpus=1)(work)
    out["start"] = time.perf_counter() - t
    for key in ("first run", "warm run"):
        t = time.perf_counter()
        total = sum(ray.get([remote.remote(i) for i in range(N)]))
        out[key] = time.perf_counter() - t
    t = time.perf_counter()
    ray.shutdown()
    out["stop"] = time.perf_counter() - t
t = time.perf_counter()
for i in range(N):
    work(i)
out["same work in one process"] = time.perf_counter() - t
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
""".replace("N)", f"{N_TASKS})").replace("range(N)", f"range({N_TASKS})")


def _size_mib(packages: list[str]) -> float:
    total = 0
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for dirpath, _, files in os.walk(folder):
                total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    return total / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    engines = {"dask": "distributed", "ray": "ray"}
    missing = [e for e, mod in engines.items() if importlib.util.find_spec(mod) is None]
    if missing:
        print(f"bench_engines: not installed: {', '.join(missing)}", file=sys.stderr)
        return 0
    runs: dict[str, list[dict[str, float]]] = {e: [] for e in engines}
    for _ in range(args.repeats):
        for engine in engines:
            done = subprocess.run(
                [sys.executable, "-c", _PROBE, engine], capture_output=True, text=True, check=True
            )
            runs[engine].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(engine, runs[engine][-1], file=sys.stderr)
    sizes = {
        "dask": _size_mib(["dask", "distributed", "toolz", "partd", "zict", "tblib", "locket"]),
        "ray": _size_mib(["ray"]),
    }
    keys = ["import", "start", "first run", "warm run", "stop", "same work in one process"]
    lines = [
        "# Distributed engine: Dask or Ray",
        "",
        f"Command: `python benchmarks/bench_engines.py --repeats {args.repeats}` "
        f"(median of {args.repeats} fresh processes per engine, interleaved; two local "
        f"worker processes; {N_TASKS} tasks of about 1 ms each). Load average at the end: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| seconds | " + " | ".join(engines) + " |",
        "| --- | " + " | ".join("---" for _ in engines) + " |",
    ]
    for key in keys:
        cells = []
        for engine in engines:
            values = sorted(r[key] for r in runs[engine])
            cells.append(f"{values[len(values) // 2]:.2f}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append(
        "| installed size (MiB) | " + " | ".join(f"{sizes[e]:.0f}" for e in engines) + " |"
    )
    lines += ["", "Raw runs:", "", "```", json.dumps(runs, indent=1), "```", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

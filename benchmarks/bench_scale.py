"""How the cost of `features` and `score` grows with the corpus, and what 50M outputs would take.

Corpora of about ``--sizes`` outputs are made by resampling the AlpacaEval
dev outputs (``PROVENANCE_DEV_CORPUS`` or ``../shared/corpora/alpaca_eval``;
the script exits cleanly when it is absent):

- new *models*, each a mixture of three real models (Dirichlet weights):
  for every prompt and sample it answers with one of its components' real
  answers, so related mixtures resemble each other as students do;
- new *prompts*: the 805 real prompts repeated, ids suffixed ``~k``;
- *samples*: several answers of one model to one prompt (different
  components).

Every stage runs in a child process (so peak memory is the stage's own),
cold for ``features`` (one child per channel, empty cache) and warm for
``score`` (features cached): wall time, CPU time (user + system, all
threads) and peak resident memory (``ru_maxrss``, and the part above the
resident memory before the stage). ``features`` are fitted to time per
output, ``score`` to time per model^2 x prompt (the pairwise stage), and
both are extrapolated to ``--target`` (500 models x 10,000 prompts x 10
samples = 50M outputs). Embeddings are measured on ``--embed-sample``
distinct real outputs with the bundled model on ``--device`` and
extrapolated linearly (said so in the results).

Run::

    .venv/bin/python benchmarks/bench_scale.py                     # 10k, 100k, 1M
    .venv/bin/python benchmarks/bench_scale.py --sizes 2000,10000  # quick

Writes ``benchmarks/results/scale.md`` (and ``scale.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CHANNELS = ("style", "lexical", "identity")
#: (models, prompts, samples) per target size; models^2 x prompts grows 30x per step
SHAPES = {10_000: (40, 250, 1), 100_000: (100, 1000, 1), 1_000_000: (250, 2000, 2)}


def corpus_path() -> Path:
    env = os.environ.get("PROVENANCE_DEV_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpora" / "alpaca_eval"


def shape_for(size: int) -> tuple[int, int, int]:
    """(models, prompts, samples) of a corpus of about ``size`` outputs."""
    if size in SHAPES:
        return SHAPES[size]
    models = int(np.clip(round((size / 6.25) ** (1 / 3) * 1.0), 8, 500))
    return models, max(20, size // models), 1


# ------------------------------------------------------------------ the corpus
def resampled_corpus(size: int, seed: int = 0) -> Any:
    """A corpus of about ``size`` outputs resampled from the dev corpus (see the docstring)."""
    import pandas as pd

    from detector.corpus import Corpus, load_corpus

    real = load_corpus(corpus_path())
    n_models, n_prompts, n_samples = shape_for(size)
    df = real.df[real.df["sample"] == 0]
    models, pids = real.models, real.prompt_ids
    table = df.pivot(index="model", columns="prompt_id", values="output").reindex(
        index=models, columns=pids
    )
    filled = table.bfill(axis=0).ffill(axis=0).to_numpy(dtype=object)  # a missing answer: another's
    prompts = df.drop_duplicates("prompt_id").set_index("prompt_id")["prompt"].reindex(pids)
    rng = np.random.default_rng(seed)
    components = rng.integers(0, len(models), (n_models, 3))
    weights = rng.dirichlet(np.full(3, 0.5), n_models)
    m, k, s = (a.ravel() for a in np.meshgrid(
        np.arange(n_models), np.arange(n_prompts), np.arange(n_samples), indexing="ij"
    ))  # fmt: skip
    pick = (rng.random(len(m))[:, None] > np.cumsum(weights[m], axis=1)).sum(axis=1)
    real_model = components[m, np.minimum(pick, 2)]
    real_prompt = k % len(pids)
    copy = k // len(pids)
    pid = np.asarray(pids, dtype=object)[real_prompt]
    frame = pd.DataFrame(
        {
            "model": np.char.add("mix-", m.astype(str)).astype(object),
            "prompt_id": np.where(copy > 0, pid + "~" + copy.astype(str), pid),
            "sample": s.astype(np.int64),
            "prompt": prompts.to_numpy(dtype=object)[real_prompt],
            "output": filled[real_model, real_prompt],
            "reasoning": "",
        }
    )
    return Corpus(frame, f"resampled from {corpus_path().name}")


# ------------------------------------------------------------------ one stage in a child
def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(args: argparse.Namespace) -> dict[str, Any]:
    from detector.evidence import build_evidence
    from detector.features import compute_features
    from detector.scoring import score

    corpus = resampled_corpus(args.size, args.seed)
    cache = Path(args.cache)
    channels = list(CHANNELS)
    out: dict[str, Any] = {"outputs": len(corpus.df), "models": corpus.n_models,
                           "prompts": corpus.n_prompts}  # fmt: skip
    if args.stage.startswith("score"):  # warm: the features are in the cache
        features = compute_features(corpus, channels, cache_dir=cache, progress=False,
                                    shard_rows=args.shard_rows)  # fmt: skip
    base_rss, start = _rss_mib(), resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    if args.stage.startswith("features:"):
        compute_features(corpus, [args.stage.split(":")[1]], cache_dir=cache, progress=False,
                         shard_rows=args.shard_rows)  # fmt: skip
    elif args.stage == "score:one":
        result = score(features, corpus.models[0], n_bootstrap=args.bootstrap, channels=channels)
        out["verdict"] = result.level
    elif args.stage == "score:all":
        evidence = build_evidence(features, n_bootstrap=args.bootstrap, channels=channels)
        out["evidence_s"] = time.perf_counter() - wall
        mid = resource.getrusage(resource.RUSAGE_SELF)
        out["evidence_cpu_s"] = (mid.ru_utime - start.ru_utime) + (mid.ru_stime - start.ru_stime)
        suspects = corpus.models[: args.max_suspects] if args.max_suspects else corpus.models
        for suspect in suspects:
            score(evidence, suspect, n_bootstrap=args.bootstrap)
        out["suspects_scored"] = len(suspects)
    elif args.stage == "embedding":
        out.update(_embedding(args))
    end = resource.getrusage(resource.RUSAGE_SELF)
    out["wall_s"] = time.perf_counter() - wall
    out["cpu_s"] = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    out["peak_mib"] = end.ru_maxrss / 1024
    out["base_mib"] = base_rss
    return out


def _embedding(args: argparse.Namespace) -> dict[str, Any]:
    """Texts/s of our Embedder and of plain SentenceTransformer.encode on one device."""
    from detector.corpus import load_corpus
    from detector.embedding_models import load_model
    from detector.embeddings import Embedder

    df = load_corpus(corpus_path()).df
    texts = df["output"].drop_duplicates().sample(args.embed_sample, random_state=0).tolist()
    model, _ = load_model(device=args.device)
    model.encode(texts[:8])
    t = time.perf_counter()
    plain = model.encode(texts)
    plain_s = time.perf_counter() - t
    emb = Embedder(cache_dir=False, precision=args.precision, device=args.device,
                   show_progress=False)  # fmt: skip
    emb.encode(texts[:8])
    t = time.perf_counter()
    ours = emb.encode(texts)
    ours_s = time.perf_counter() - t
    ref = Embedder(cache_dir=False, precision="fp32", device=args.device, show_progress=False)
    cosine = float(np.min(np.sum(ours * ref.encode(texts), axis=1)))
    del plain
    return {"texts": len(texts), "plain_texts_s": len(texts) / plain_s,
            "ours_texts_s": len(texts) / ours_s, "precision": emb.precision,
            "device": emb.device, "min_cosine_to_fp32": cosine}  # fmt: skip


def run_stage(size: int, stage: str, cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", stage, "--size", str(size), "--cache",
           str(cache), "--seed", str(args.seed), "--bootstrap", str(args.bootstrap),
           "--shard-rows", str(args.shard_rows), "--max-suspects", str(args.max_suspects),
           "--embed-sample", str(args.embed_sample), "--device", args.device,
           "--precision", args.precision]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{stage} at {size}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_avg"] = os.getloadavg()[0]
    print(f"{size:>9} {stage:<18} {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


# ------------------------------------------------------------------ fits and the report
def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope through the origin weighted to the largest sizes, and the log-log exponent."""
    slope = float(np.sum(x * y) / np.sum(x * x))
    exponent = float(np.polyfit(np.log(x), np.log(y), 1)[0]) if len(x) > 1 else float("nan")
    return slope, exponent


def report(runs: dict[int, dict[str, dict[str, Any]]], args: argparse.Namespace) -> str:
    sizes = sorted(runs)
    tm, tp, ts = args.target
    target_outputs, target_cells = tm * tp * ts, tm * tm * tp
    loads = [r["load_avg"] for by in runs.values() for r in by.values()]
    lines = [
        "# Scale: how `features` and `score` grow",
        "",
        f"Command: `python benchmarks/bench_scale.py --sizes {args.sizes} --bootstrap "
        f"{args.bootstrap} --shard-rows {args.shard_rows} --max-suspects {args.max_suspects}`",
        "",
        f"Machine: {os.cpu_count()} cores; load average during the runs "
        f"{min(loads):.1f}-{max(loads):.1f} "
        + (
            "(**measured on a loaded machine: times are upper bounds**)"
            if max(loads) > 2.5
            else "(quiet)"
        )
        + "; no GPU was lent to this run.",  # fmt: skip
        "",
        "Corpora resampled from AlpacaEval (mixtures of real models, prompts repeated, "
        "samples); channels style, lexical, identity (embeddings measured separately below). "
        "Features cold (empty cache, shards of whole prompts); score warm (features cached), "
        "the pairwise stage streamed over prompt blocks.",
        "",
        "| outputs | models | prompts | stage | wall s | CPU s | peak MiB | above start MiB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in sizes:
        for stage, r in runs[size].items():
            if stage == "embedding":
                continue
            extra = f" ({r['suspects_scored']} suspects)" if "suspects_scored" in r else ""
            lines.append(
                f"| {r['outputs']:,} | {r['models']} | {r['prompts']} | {stage}{extra} | "
                f"{r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_mib']:.0f} | "
                f"{r['peak_mib'] - r['base_mib']:.0f} |"
            )
    lines += ["", "## Fitted growth and the extrapolation", "",
              f"Target: {tm} models x {tp:,} prompts x {ts} samples = {target_outputs:,} "
              f"outputs; the pairwise stage sees models^2 x prompts = {target_cells:.2e} cells "
              "(one sample per model and prompt enters it).", "",
              "Fitted on wall time and on CPU time (user + system: on a loaded machine the "
              "better estimate of the work, since other processes' time is not counted).", "",
              "| stage | fitted to | exponent (log-log, wall) | wall s per unit | at the target "
              "(wall) | CPU s per unit | at the target (CPU) |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    stages = sorted({s for by in runs.values() for s in by if s != "embedding"})
    for stage in stages:
        pts = [(runs[n][stage], n) for n in sizes if stage in runs[n]]
        if stage.startswith("features"):
            x = np.array([r["outputs"] for r, _ in pts], float)
            unit, at = "output", target_outputs
        else:
            x = np.array([r["models"] ** 2 * r["prompts"] for r, _ in pts], float)
            unit, at = "model^2 x prompt", target_cells
        fits = []
        for key in ("wall_s", "cpu_s"):
            y = np.array([r[key] for r, _ in pts])
            if stage == "score:all":  # all suspects: the evidence once, then each suspect
                ev = np.array([r["evidence_s"] if key == "wall_s" else r["evidence_cpu_s"]
                               for r, _ in pts])  # fmt: skip
                per = (y - ev) / np.array([r["suspects_scored"] for r, _ in pts])
                y = ev + per * np.array([r["models"] for r, _ in pts])
            fits.append(_fit(x, y))
        (slope, exponent), (cpu_slope, _) = fits
        lines.append(f"| {stage} | {unit} | {exponent:.2f} | {slope:.3g} | "
                     f"{_duration(slope * at)} | {cpu_slope:.3g} | "
                     f"{_duration(cpu_slope * at)} |")  # fmt: skip
    emb = next((by["embedding"] for by in runs.values() if "embedding" in by), None)
    if emb:
        lines += ["", "## Embeddings (measured on a sample, extrapolated)", "",
                  f"{emb['texts']} distinct real outputs on {emb['device']}: plain "
                  f"`SentenceTransformer.encode` {emb['plain_texts_s']:.1f} texts/s (truncates "
                  f"at 256 tokens); ours {emb['ours_texts_s']:.1f} texts/s "
                  f"({emb['precision']}, every chunk, length-sorted batches; min cosine to fp32 "
                  f"{emb['min_cosine_to_fp32']:.5f}). Extrapolated linearly: 1M outputs "
                  f"{_duration(1e6 / emb['ours_texts_s'])}, {target_outputs / 1e6:.0f}M "
                  f"{_duration(target_outputs / emb['ours_texts_s'])} on this machine. No GPU "
                  "was lent to this task; `--device cuda` runs the same comparison on a GPU."]  # fmt: skip
    lines += _memory_section(args) + _goals_section(runs, args) + NOTES
    return "\n".join(lines) + "\n"


def _pairwise_bytes(models: int, n_bootstrap: int, channels: int = 3) -> dict[str, float]:
    """Memory of the streamed pairwise stage and of scoring, in bytes (the model of it)."""
    from detector.streaming import BLOCK_BYTES, SPLIT_REPEATS

    weights = 1 + 2 * SPLIT_REPEATS + n_bootstrap
    cell = 8 * models * models
    return {
        "sums (numerators of every channel and weight vector)": weights * cell * channels,
        "denominators (only with partial coverage)": weights * cell,
        "one block's per-prompt arrays": BLOCK_BYTES,
        "one shard's partial sums, before they are added": weights * cell * (channels + 1),
        "score: bootstrap affinities of every channel and combined": n_bootstrap
        * cell
        * (channels + 1),
    }


def _memory_section(args: argparse.Namespace) -> list[str]:
    tm = args.target[0]
    parts = _pairwise_bytes(tm, args.bootstrap)
    lines = ["", f"## Memory of the pairwise stage at {tm} models", "",
             "Independent of the number of prompts (the streamed sums, "
             f"{args.bootstrap} bootstrap resamples, 3 channels compared prompt by prompt):", ""]  # fmt: skip
    lines += [f"- {k}: {v / 2**30:.2f} GiB" for k, v in parts.items()]
    lines.append(f"- total at most {sum(parts.values()) / 2**30:.1f} GiB, plus the corpus table "
                 "itself (the texts are held in memory by `Corpus`).")  # fmt: skip
    return lines


def _goals_section(
    runs: dict[int, dict[str, dict[str, Any]]], args: argparse.Namespace
) -> list[str]:
    largest = max(runs)
    feats = [r for k, r in runs[largest].items() if k.startswith("features")]
    tm, tp, _ = args.target
    lines = ["", "## Against the goals of the scale issue", ""]
    if feats:
        n = feats[0]["outputs"]
        wall, cpu = sum(r["wall_s"] for r in feats), sum(r["cpu_s"] for r in feats)
        lines.append(f"- features without embeddings for {n:,} outputs: {_duration(wall)} wall, "
                     f"{_duration(cpu)} CPU, one process (goal: 1M in under 10 minutes on 2 "
                     "cores; `--engine dask` with two workers runs shards in parallel).")  # fmt: skip
    total = sum(_pairwise_bytes(tm, args.bootstrap).values()) / 2**30
    lines.append(f"- pairwise stage at {tm} x {tp:,}: about {total:.1f} GiB by the model above "
                 "(goal: under 8 GB), whatever the number of prompts.")  # fmt: skip
    lines.append("- score for one suspect at the target: the `score:one` row of the fit "
                 "(goal: under 5 minutes warm); the bootstrap alone is n_bootstrap x models^2 x "
                 "prompts multiply-adds per channel.")  # fmt: skip
    lines.append("- GPU: none was lent to this task; not measured.")
    lines.append("- distributed results identical to local ones: "
                 "`tests/test_streaming.py::test_distributed_results_equal_local` (two Dask "
                 "workers; equal to the last bit).")  # fmt: skip
    return lines


NOTES = [
    "",
    "## Caveats",
    "",
    "- The corpora are resampled: texts repeat across prompt copies and mixtures, so the "
    "lexical vocabulary's totals (every distinct n-gram) grow more slowly than with fresh text; "
    "its memory at scale is underestimated here.",
    "- One answer per model and prompt enters the pairwise stage (the last sample, as in "
    "memory); several samples cost features, not pairwise time.",
    "- `score:all` scores `--max-suspects` suspects after one evidence build and scales the "
    "per-suspect time to every model.",
    "- Wall times on a loaded machine are upper bounds; CPU times count this process only.",
]


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stages", default="features,score:one,score:all,embedding")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--shard-rows", type=int, default=20_000)
    parser.add_argument(
        "--max-suspects",
        type=int,
        default=5,
        help="score:all scores this many suspects and scales to all (0: all)",
    )
    parser.add_argument("--embed-sample", type=int, default=300)
    parser.add_argument("--device", default="cpu", help="embedding device: cpu, cuda, cuda:N")
    parser.add_argument("--precision", default="auto")
    parser.add_argument(
        "--target",
        type=lambda t: tuple(int(v) for v in t.split("x")),
        default=(500, 10_000, 10),
        help="MODELSxPROMPTSxSAMPLES",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--render", action="store_true", help="only write the report again from the results' .json"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the sizes already measured in the results' .json",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.md")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)  # fmt: skip
    if not corpus_path().exists():
        print(f"bench_scale: corpus not found at {corpus_path()}; set PROVENANCE_DEV_CORPUS",
              file=sys.stderr)  # fmt: skip
        return 0
    if args.render:  # the report again from the saved results, nothing run
        runs = json.loads(args.out.with_suffix(".json").read_text(encoding="utf-8"))
        args.out.write_text(report({int(k): v for k, v in runs.items()}, args), encoding="utf-8")
        return 0
    if args.child:
        args.stage = args.child
        print(json.dumps(_child(args)))
        return 0
    stages = args.stages.split(",")
    runs: dict[int, dict[str, dict[str, Any]]] = {}
    saved = args.out.with_suffix(".json")
    if args.resume and saved.exists():  # stages finished by an earlier run with these settings
        runs = {int(k): v for k, v in json.loads(saved.read_text(encoding="utf-8")).items()}

    def save() -> None:  # after every stage, so an interrupted run keeps what it measured
        args.out.write_text(report(runs, args), encoding="utf-8")
        saved.write_text(json.dumps(runs, indent=1), encoding="utf-8")

    for size in (int(s) for s in args.sizes.split(",")):
        runs.setdefault(size, {})
        if args.resume and all(
            s in runs[size] for s in [f"features:{c}" for c in CHANNELS] + stages if ":" in s
        ):
            continue
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as cache:
            if "features" in stages or any(s.startswith("score") for s in stages):
                for channel in CHANNELS:
                    runs[size][f"features:{channel}"] = run_stage(
                        size, f"features:{channel}", Path(cache), args
                    )
                    save()
            for stage in ("score:one", "score:all"):
                if stage in stages:
                    runs[size][stage] = run_stage(size, stage, Path(cache), args)
                    save()
        if "embedding" in stages and size == max(int(s) for s in args.sizes.split(",")):
            runs[size]["embedding"] = run_stage(size, "embedding", Path(tempfile.gettempdir()),
                                                args)  # fmt: skip
    save()
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

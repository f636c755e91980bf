"""How the cost of `features` and `score` grows with the corpus, measured up to 500 models x 10,000 prompts.

One command makes the whole table of ``benchmarks/results/scale.md``::

    .venv/bin/python benchmarks/bench_scale.py            # the full table (quiet machine)
    .venv/bin/python benchmarks/bench_scale.py --quick    # every stage at small sizes (checks)

Corpora are resampled from the AlpacaEval dev outputs (``PROVENANCE_DEV_CORPUS``
or ``../shared/corpora/alpaca_eval``; the script exits cleanly when it is
absent):

- new *models*, each a mixture of three real models (Dirichlet weights):
  for every prompt and sample it answers with one of its components' real
  answers, so related mixtures resemble each other as students do;
- new *prompts*: the 805 real prompts repeated, ids suffixed ``~k``;
- *samples*: several answers of one model to one prompt.

Stages, each in a child process (so peak memory is the stage's own):

``features:<channel>``
    style, lexical, identity, cold (empty cache), sharded, at
    ``--feature-sizes`` outputs (10k, 100k, 300k, 1M), on ``--engine``
    (``local``, or ``dask`` with ``--workers`` processes).
``score:one``, ``score:all``
    at ``--score-models`` models (50, 100, 250, 500) x ``--score-prompts``
    prompts (10,000), warm: the features (default channels, embeddings
    included) are *assembled* from the dev corpus's features by the
    resampling map (every resampled output is a real output; the lexical
    vocabulary is the dev corpus's) and written as the shards
    ``compute_features`` would find, since computing them would take hours
    and measures nothing about scoring. ``score:one`` scores one suspect;
    ``score:all`` builds the evidence once and scores ``--max-suspects``
    suspects, scaled to every model.
``floor``
    the BLAS products of the same score arithmetic alone, on the same
    shapes, with one BLAS thread, over a sample of prompts, scaled: the
    per-prompt Gram matrices of every similarity channel (embedding and
    style as float64 products, lexical as int8 products on the measured
    width of a prompt's columns) and the bootstrap's weighted sums
    (``n_weights x n_prompts x n_models(n_models+1)/2`` float64
    multiply-adds per channel). ``CPU / floor`` in the table = measured CPU
    / floor CPU.
``embedding``
    texts/s of our Embedder and of plain ``SentenceTransformer.encode`` on
    ``--embed-sample`` distinct real outputs, on ``--device``.

Wall time, CPU time (user + system, all threads), peak resident memory
(``ru_maxrss``) and the 1-minute load average before and after are recorded
per stage. Growth exponents are fitted (log-log) per stage over the sizes,
and the needs of ``--target`` outputs (500 models x 10,000 prompts x 10
samples = 50M) are computed from the measured per-unit costs.

``--memory-limit-gib G`` runs the stages in a memory cgroup of G GiB (Linux;
page cache and mapped files counted, no swap) and records them as
``<stage> in G GiB`` beside the unlimited ones, so "runs in 8 GB" is measured
rather than read off a peak that counts evictable pages::

    .venv/bin/python benchmarks/bench_scale.py --resume --stages score:one \
        --score-models 500 --memory-limit-gib 8

Writes ``benchmarks/results/scale.md`` (and ``scale.json``, which
``--resume`` and ``--render`` read).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
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
#: (models, prompts, samples) of the feature sizes
FEATURE_SHAPES = {
    2_000: (20, 100, 1),
    5_000: (25, 200, 1),
    10_000: (40, 250, 1),
    100_000: (100, 1000, 1),
    300_000: (150, 1000, 2),
    1_000_000: (250, 2000, 2),
}
#: Resampled corpora of this many outputs or more keep their texts on disk (memory-mapped).
ON_DISK_OUTPUTS = 300_000
QUICK = {"feature_sizes": "2000,5000", "score_models": "10,20", "score_prompts": 300}
FULL = {"feature_sizes": "10000,100000,300000,1000000", "score_models": "50,100,250,500",
        "score_prompts": 10_000}  # fmt: skip


def corpus_path() -> Path:
    env = os.environ.get("PROVENANCE_DEV_CORPUS")
    return Path(env) if env else ROOT.parent / "shared" / "corpora" / "alpaca_eval"


def feature_shape(size: int) -> tuple[int, int, int]:
    """(models, prompts, samples) of a corpus of about ``size`` outputs."""
    if size in FEATURE_SHAPES:
        return FEATURE_SHAPES[size]
    models = int(np.clip(round((size / 6.25) ** (1 / 3)), 8, 500))
    return models, max(20, size // models), 1


# ------------------------------------------------------------------ the corpus
def resampled_corpus(
    n_models: int,
    n_prompts: int,
    n_samples: int = 1,
    seed: int = 0,
    on_disk: bool | None = None,
    texts: Path | None = None,
) -> tuple[Any, np.ndarray, Any]:
    """A corpus resampled from the dev corpus (see the module docstring).

    ``on_disk`` keeps the texts in a :class:`~detector.text_store.TextSpool`
    (memory-mapped, as :func:`~detector.corpus.load_corpus` keeps those of a
    large Parquet source); None: from :data:`ON_DISK_OUTPUTS` outputs. With
    ``texts`` (a folder) they are written there once and mapped by later calls.

    Returns
    -------
    corpus : Corpus
    source_rows : numpy.ndarray of int64, shape (n_outputs,)
        For every output, its row in the dev corpus's sample-0 table.
    real : Corpus
        The dev corpus, sample 0 only.
    """
    import pandas as pd

    from detector.corpus import Corpus, load_corpus

    loaded = load_corpus(corpus_path())
    real = Corpus(loaded.df[loaded.df["sample"] == 0].reset_index(drop=True), loaded.source)
    df = real.df
    models, pids = real.models, real.prompt_ids
    table = (
        pd.Series(np.arange(len(df)), index=pd.MultiIndex.from_frame(df[["model", "prompt_id"]]))
        .unstack("prompt_id")
        .reindex(index=models, columns=pids)
    )
    # a missing answer: another model's
    filled = table.bfill(axis=0).ffill(axis=0).to_numpy().astype(np.int64)
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
    source_rows = filled[real_model, real_prompt]
    pid = np.asarray(pids, dtype=object)[real_prompt]
    names = np.array([f"mix-{i:03d}" for i in range(n_models)], dtype=object)
    frame = pd.DataFrame(
        {
            "model": names[m],
            "prompt_id": np.where(copy > 0, pid + "~" + copy.astype(str), pid),
            "sample": s.astype(np.int64),
        }
    )
    strings = {c: df[c].to_numpy(dtype=object) for c in ("prompt", "output")}
    if on_disk is None:
        on_disk = len(frame) >= ON_DISK_OUTPUTS
    if on_disk:
        from detector.text_store import TextSpool, open_columns, row_slices

        names = ["prompt", "output", "reasoning"]
        mapped = open_columns(texts, names) if texts is not None else None
        if mapped is None:
            spool = TextSpool(names, texts)
            for rows in row_slices(len(frame)):
                src = source_rows[rows]
                spool.append({"prompt": strings["prompt"][src], "output": strings["output"][src],
                              "reasoning": np.full(len(src), "", dtype=object)})  # fmt: skip
            mapped = {c: spool.column(c) for c in names}
        for c in names:
            frame[c] = mapped[c]
    else:
        for c in ("prompt", "output"):
            frame[c] = strings[c][source_rows]
        frame["reasoning"] = ""
    return Corpus(frame, f"resampled from {corpus_path().name}"), source_rows, real


# ------------------------------------------------------------------ assembled features
def assemble_features(
    corpus: Any,
    source_rows: np.ndarray,
    real: Any,
    channels: list[str],
    cache: Path,
    source_cache: Path | None,
    shard_rows: int,
) -> dict[str, Any]:
    """Write the shards ``compute_features`` would find for ``corpus``, from the dev corpus's features.

    Every output of the resampled corpus is a dev-corpus output
    (``source_rows``), so its per-text features are that output's; the
    lexical counts are the dev corpus's, against the dev corpus's
    vocabulary, which is written where the sharded features look for the
    resampled corpus's own. Returns what was done (seconds, shards, bytes).
    """
    import scipy.sparse as sp

    from detector import channels as registry
    from detector.cache import content_key
    from detector.channels import FeatureOptions
    from detector.features import compute_features
    from detector.lexical import LexicalFingerprint
    from detector.shard_store import ShardStore
    from detector.shards import ShardPlan, _as_stored, _frame, _save_fit, shard_hash

    t0 = time.perf_counter()
    options = FeatureOptions(cache_dir=cache, progress=False)
    per_text = [c for c in channels if registry.get(c).corpus_fit is None]
    source = compute_features(real, per_text, cache_dir=source_cache, progress=False,
                              shard_rows=0) if per_text else None  # fmt: skip
    plan = ShardPlan.of(corpus.df, shard_rows)
    store = ShardStore(cache)
    hashes = [shard_hash(_frame(corpus, registry.get("style"), r)) for r in plan.rows]
    for name in channels:
        spec = registry.get(name)
        extra = None
        if spec.corpus_fit is not None:  # the lexical counts and vocabulary of the dev corpus
            fp = LexicalFingerprint()
            matrix, names = fp.fit_transform(real.df), list(fp.get_feature_names_out())
            params = spec.make(FeatureOptions()).get_params()
            extra = content_key(corpus.content_hash(), name, spec.source, "vocabulary", params)
            _save_fit(store.folder / f"{name}-vocabulary-{extra}.json", spec.corpus_fit.dump(fp))
        else:
            matrix, names = source.matrices[name], source.names[name]  # type: ignore[union-attr]
        identity = spec.identity(options)
        for b, rows in enumerate(plan.rows):
            key = content_key(hashes[b], name, spec.source, identity, extra)
            part = matrix[source_rows[rows]]
            store.save(name, key, _as_stored(sp.csr_matrix(part) if spec.sparse else part, spec),
                       names)  # fmt: skip
    size = sum(p.stat().st_size for p in store.folder.glob("*.parquet"))
    return {"assemble_s": time.perf_counter() - t0, "shards": len(plan), "shard_bytes": size}


# ------------------------------------------------------------------ one stage in a child
def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class _PeakAnon:
    """Largest anonymous resident memory (RssAnon: what needs RAM, not mapped file pages)."""

    def __init__(self, every: float = 0.05) -> None:
        import threading

        self.every, self.peak, self._stop = every, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @staticmethod
    def now() -> float:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            self._stop.wait(self.every)

    def __enter__(self) -> _PeakAnon:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)  # dask worker processes, once joined
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _child(args: argparse.Namespace) -> dict[str, Any]:
    stage = args.child
    if stage == "embedding":
        return _embedding(args)
    if stage == "floor":
        return _floor(args)
    models, prompts, samples = (int(v) for v in args.shape.split("x"))
    cache = Path(args.cache)
    texts = cache / "texts" if stage == "assemble" or stage.startswith("score") else None
    corpus, source_rows, real = resampled_corpus(models, prompts, samples, args.seed, texts=texts)
    out: dict[str, Any] = {"outputs": len(corpus.df), "models": models, "prompts": prompts,
                           "samples": samples}  # fmt: skip
    if stage == "assemble":
        source = Path(args.source_cache) if args.source_cache else None
        out.update(assemble_features(corpus, source_rows, real, _score_channels(args), cache,
                                     source, args.shard_rows))  # fmt: skip
        return out
    del real, source_rows
    from detector.evidence import build_evidence
    from detector.features import compute_features
    from detector.scoring import score

    executor = None
    if stage.startswith("features") and args.engine == "dask":
        from detector.executor import DaskExecutor

        executor = DaskExecutor(n_workers=args.workers)
    channels = _score_channels(args)
    if stage.startswith("score"):  # warm: the assembled shards are found
        features = compute_features(corpus, channels, cache_dir=cache, progress=False,
                                    shard_rows=args.shard_rows)  # fmt: skip
    base_rss, start = _rss_mib(), _cpu()
    anon = _PeakAnon().__enter__()
    out["base_anon_mib"] = anon.peak
    wall = time.perf_counter()
    if stage.startswith("features:"):
        wanted = list(CHANNELS) if stage == "features:all" else [stage.split(":")[1]]
        compute_features(corpus, wanted, cache_dir=cache, progress=False,
                         shard_rows=args.shard_rows, executor=executor)  # fmt: skip
    elif stage == "score:one":
        result = score(features, corpus.models[0], n_bootstrap=args.bootstrap, channels=channels)
        out["verdict"] = result.level
    elif stage == "score:all":
        evidence = build_evidence(features, n_bootstrap=args.bootstrap, channels=channels)
        out["evidence_s"] = time.perf_counter() - wall
        out["evidence_cpu_s"] = _cpu() - start
        suspects = corpus.models[: args.max_suspects] if args.max_suspects else corpus.models
        for suspect in suspects:
            score(evidence, suspect, n_bootstrap=args.bootstrap)
        out["suspects_scored"] = len(suspects)
    out["wall_s"] = time.perf_counter() - wall
    anon.__exit__()
    out["peak_anon_mib"] = anon.peak
    if executor is not None:
        executor.close()  # its worker processes' CPU time counts once they are joined
    out["cpu_s"] = _cpu() - start
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["base_mib"] = base_rss
    if stage.startswith("features:"):
        folder = cache / "features" / "shards"
        name = "" if stage == "features:all" else stage.split(":")[1]
        out["shard_bytes"] = sum(p.stat().st_size for p in folder.glob(f"{name}*-*"))
        out["engine"] = args.engine + (f" ({args.workers} workers)" if executor else "")
    return out


def _score_channels(args: argparse.Namespace) -> list[str]:
    from detector.channels import default_channels

    return args.score_channels.split(",") if args.score_channels else list(default_channels())


def _embedding(args: argparse.Namespace) -> dict[str, Any]:
    """Texts/s of our Embedder and of plain SentenceTransformer.encode on one device."""
    from detector.corpus import load_corpus
    from detector.embedding_models import load_model
    from detector.embeddings import Embedder

    df = load_corpus(corpus_path()).df
    texts = df["output"].drop_duplicates().sample(args.embed_sample, random_state=0).tolist()
    model, _ = load_model(device=args.device)
    model.encode(texts[:8])
    t, c = time.perf_counter(), _cpu()
    plain = model.encode(texts)
    plain_s, plain_cpu = time.perf_counter() - t, _cpu() - c
    emb = Embedder(cache_dir=False, precision=args.precision, device=args.device,
                   show_progress=False)  # fmt: skip
    emb.encode(texts[:8])
    t, c = time.perf_counter(), _cpu()
    ours = emb.encode(texts)
    ours_s, ours_cpu = time.perf_counter() - t, _cpu() - c
    ref = Embedder(cache_dir=False, precision="fp32", device=args.device, show_progress=False)
    cosine = float(np.min(np.sum(ours * ref.encode(texts), axis=1)))
    del plain
    return {"texts": len(texts), "plain_texts_s": len(texts) / plain_s,
            "ours_texts_s": len(texts) / ours_s, "ours_cpu_per_text": ours_cpu / len(texts),
            "plain_cpu_per_text": plain_cpu / len(texts), "precision": emb.precision,
            "device": emb.device, "min_cosine_to_fp32": cosine}  # fmt: skip


def _floor(args: argparse.Namespace) -> dict[str, Any]:
    """CPU seconds of the score's BLAS products alone, one BLAS thread (see the docstring)."""
    from threadpoolctl import threadpool_limits

    from detector import channels as registry
    from detector.evidence import bootstrap_counts
    from detector.similarity import _int_counts
    from detector.streaming import SPLIT_REPEATS

    models, prompts, _ = (int(v) for v in args.shape.split("x"))
    rng = np.random.default_rng(0)
    sample = min(prompts, max(8, 2_000_000_000 // (models * models * 400)))
    n_weights = 1 + 2 * SPLIT_REPEATS + args.bootstrap
    pairs = models * (models + 1) // 2
    out: dict[str, Any] = {"sample_prompts": sample, "n_weights": n_weights, "parts": {}}
    similarity = [c for c in _score_channels(args) if registry.get(c).similarity != "profile"]
    widths = {c: _union_width(Path(args.cache), c, models) for c in similarity
              if registry.get(c).sparse}  # fmt: skip
    dims = {"embedding": 384, "style": _style_dim()}
    with threadpool_limits(limits=1, user_api="blas"):
        import torch

        torch.set_num_threads(1)
        for name in similarity:
            if name in widths:  # sparse 0/1 rows: int8 products on the prompt's columns
                width = widths[name]
                pattern = (rng.random((sample, models, max(width, 1))) < 0.07).astype(np.int8)
                c = _cpu()
                _int_counts(pattern)
                gram = (_cpu() - c) * prompts / sample
                macs = models * models * width * prompts
            elif name in dims:
                x = rng.normal(size=(sample, models, dims[name]))
                c = _cpu()
                np.matmul(x, x.transpose(0, 2, 1))
                gram = (_cpu() - c) * prompts / sample
                macs = models * models * dims[name] * prompts
            else:  # a channel without a floor model here (reasoning traces)
                continue
            nb = min(prompts, int(np.clip((64 * 2**20) // (4 * pairs), 64, 1024)))
            w = bootstrap_counts(nb, n_weights, 0)
            s = rng.normal(size=(nb, min(pairs, 16_384)))
            c = _cpu()
            _ = w @ s
            boot = (_cpu() - c) * (prompts / nb) * (pairs / s.shape[1])
            out["parts"][name] = {"gram_cpu_s": gram, "gram_macs": macs, "boot_cpu_s": boot,
                                  "boot_macs": n_weights * prompts * pairs}  # fmt: skip
    out["cpu_s"] = sum(p["gram_cpu_s"] + p["boot_cpu_s"] for p in out["parts"].values())
    out["union_widths"] = widths
    return out


def _style_dim() -> int:
    from detector import channels as registry
    from detector.stylometry import FEATURE_GROUPS

    return sum(len(FEATURE_GROUPS[g]) for g in registry.STYLE_GROUPS)


def _union_width(cache: Path, channel: str, models: int) -> int:
    """Mean number of columns a prompt's outputs use, from a channel's first assembled shard."""
    import pyarrow.parquet as pq
    import scipy.sparse as sp

    from detector.similarity import _union_columns

    path = next(iter(sorted((cache / "features" / "shards").glob(f"{channel}-*.parquet"))), None)
    if path is None:
        return 0
    col = pq.read_table(path).column("indices").combine_chunks()
    indptr = col.offsets.to_numpy().astype(np.int64)
    indices = col.flatten().to_numpy().astype(np.int32)
    n = len(indptr) - 1
    x = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, int(indices.max()) + 1))
    prompt = np.arange(n) // models  # a shard's rows: whole prompts, one answer per model
    _, local, _ = _union_columns(x, prompt, int(prompt.max()) + 1)
    widths = np.zeros(int(prompt.max()) + 1, dtype=np.int64)
    np.maximum.at(widths, np.repeat(prompt, np.diff(indptr)), local + 1)
    return int(np.mean(widths))


def run_stage(stage: str, shape: str, cache: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", stage, "--shape", shape, "--cache", str(cache),
           "--seed", str(args.seed), "--bootstrap", str(args.bootstrap),
           "--shard-rows", str(args.shard_rows), "--max-suspects", str(args.max_suspects),
           "--embed-sample", str(args.embed_sample), "--device", args.device,
           "--precision", args.precision, "--engine", args.engine, "--workers",
           str(args.workers), "--goal-engine", args.goal_engine,
           "--score-channels", args.score_channels,
           "--source-cache", args.source_cache]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    load_before = os.getloadavg()[0]
    group = MEMORY_CGROUP[0] if MEMORY_CGROUP else None
    if group:  # the peak from this stage's start (v1 resets on a write; v2's peak cannot)
        with contextlib.suppress(OSError):
            (group / "memory.max_usage_in_bytes").write_text("0")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    peak_file = group and next((group / f for f in ("memory.max_usage_in_bytes",
                                "memory.peak") if (group / f).exists()), None)  # fmt: skip
    cgroup_peak = int(peak_file.read_text()) / 2**20 if peak_file else None
    if done.returncode != 0:
        raise RuntimeError(f"{stage} at {shape}: {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if group:
        result["cgroup_limit_gib"], result["cgroup_peak_mib"] = args.memory_limit_gib, cgroup_peak
    result["load_before"], result["load_after"] = load_before, os.getloadavg()[0]
    result["load_avg"] = max(load_before, result["load_after"])
    print(f"{shape:>16} {stage:<18} {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


MEMORY_CGROUP: list[Path] = []  # the cgroup this run moved into (--memory-limit-gib)


def _memory_cgroup(limit_gib: float) -> Path:
    """Move this process into a new memory cgroup of ``limit_gib`` GiB, no swap.

    The cgroup is made below this process's own: cgroup v1
    (``memory.limit_in_bytes``, page cache counted) or v2 (``memory.max``).
    Every stage's child process inherits it, so the page cache one stage
    leaves (the assembled shards) counts against the next. Raises SystemExit
    with a line saying why when the machine does not let this process make
    one.
    """
    limit = str(int(limit_gib * 2**30))
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            root, files = (
                Path("/sys/fs/cgroup/memory"),
                {"memory.limit_in_bytes": limit, "memory.memsw.limit_in_bytes": limit},
            )
            break
        if number == "0" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            root, files = Path("/sys/fs/cgroup"), {"memory.max": limit, "memory.swap.max": "0"}
            break
    else:
        raise SystemExit("bench_scale: no memory cgroup here; run without --memory-limit-gib")
    group = root / path.lstrip("/") / f"bench-scale-{os.getpid()}"
    try:
        group.mkdir(exist_ok=True)
        for name, value in files.items():
            if (group / name).exists():
                (group / name).write_text(value)
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError as e:
        raise SystemExit(f"bench_scale: cannot make a memory cgroup at {group} ({e}); run "
                         "without --memory-limit-gib") from None  # fmt: skip
    return group


# ------------------------------------------------------------------ fits and the report
def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Cost per unit at the largest size, and the log-log exponent over all sizes."""
    per_unit = float(y[np.argmax(x)] / np.max(x))
    exponent = float(np.polyfit(np.log(x), np.log(y), 1)[0]) if len(x) > 1 else float("nan")
    return per_unit, exponent


def _duration(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _gib(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.0f} MiB"


def _peak(r: dict[str, Any]) -> str:
    anon = r.get("peak_anon_mib")
    return f"{r['peak_mib']:.0f} / {anon:.0f}" if anon is not None else f"{r['peak_mib']:.0f}"


def _limit(r: dict[str, Any]) -> str:
    gib = r["cgroup_limit_gib"]
    return f"{gib:g} GiB ({gib * 2**30 / 1e9:.1f} GB)"


def _score_units(r: dict[str, Any]) -> float:
    return float(r["models"] ** 2 * r["prompts"])


def report(runs: dict[str, Any], args: argparse.Namespace) -> str:
    feats: dict[str, dict[str, Any]] = runs.get("features", {})
    scores: dict[str, dict[str, Any]] = runs.get("score", {})
    loads = [r["load_avg"] for by in [*feats.values(), *scores.values()] for r in by.values()
             if isinstance(r, dict) and "load_avg" in r]  # fmt: skip
    # Quiet or not is judged on the load before each stage: the load after a stage counts
    # the stage's own threads (two Dask workers, or BLAS and torch threads, make it 2.5-3),
    # and a 1-minute average still holds some of the previous stage when the next starts.
    before = [r["load_before"] for by in [*feats.values(), *scores.values()]
              for r in by.values() if isinstance(r, dict) and "load_before" in r]  # fmt: skip
    quiet = bool(before) and max(before) <= 3.0
    top_feat = max((int(k) for k in feats), default=0)
    top_score = max(scores, key=lambda k: int(k.split("x")[0]), default="")
    lines = [
        f"# Scale: `features` measured up to {top_feat:,} outputs, `score` up to "
        + (f"{top_score.split('x')[0]} models x {int(top_score.split('x')[1]):,} prompts"
           if top_score else "-"),
        "",
        "Command"
        + ("s, in order (a resumed run keeps the stages already measured): " if
           len(runs.get("commands", [])) > 1 else ": ")
        + "; ".join(f"`{c}`" for c in runs.get("commands", [runs.get("command", "")])),
        "",
        f"Machine: {runs.get('machine', '')}; 1-minute load average during the stages "
        + (f"{min(loads):.1f}-{max(loads):.1f} " if loads else "- ")
        + ("(the run's own threads account for up to about 3 on 2 cores; nothing else "
           "ran: the load before every stage was at most 3)" if quiet else
           "(**measured on a loaded machine: wall times are upper bounds; CPU times count "
           "this run's processes only**)")
        + f". GPU: {runs.get('gpu', 'none')}.",
        "",
        "Corpora resampled from AlpacaEval (mixtures of real models, prompts repeated, samples). "
        "Features cold (empty cache, shards of whole prompts, engine "
        f"`{runs.get('engine', 'local')}`); score warm (features assembled from the dev "
        "corpus's features, channels " + ", ".join(runs.get("score_channels", [])) + "), "
        f"the pairwise stage streamed over prompt blocks, {args.bootstrap} bootstrap "
        "resamplings. Peak = the stage's process (Dask workers not included).",
        "",
        "## Features (no embeddings), cold",
        "",
        "| outputs | models x prompts x samples | stage | wall s | CPU s | CPU ms per output "
        "| peak MiB (RSS / anonymous) | load before/after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for size in sorted(feats, key=int):
        by = feats[size]
        for stage, r in by.items():
            if not isinstance(r, dict) or "wall_s" not in r:
                continue
            label = stage if stage != "features:all" else f"**all three at once, {r['engine']}**"
            lines.append(
                f"| {r['outputs']:,} | {r['models']} x {r['prompts']} x {r['samples']} | {label} "
                f"| {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {1e3 * r['cpu_s'] / r['outputs']:.3f} "
                f"| {_peak(r)} | {r['load_before']:.1f}/{r['load_after']:.1f} |"
            )
        total = [r for s, r in by.items() if s in {f"features:{c}" for c in CHANNELS}]
        if len(total) == len(CHANNELS):
            wall, cpu = sum(r["wall_s"] for r in total), sum(r["cpu_s"] for r in total)
            n = total[0]["outputs"]
            lines.append(f"| {n:,} | | **all three** | **{wall:.1f}** | **{cpu:.1f}** | "
                         f"{1e3 * cpu / n:.3f} | | |")  # fmt: skip
    lines += ["", "## Score, warm", "",
              "| models x prompts | outputs | stage | wall s | CPU s | peak MiB (RSS / anonymous) "
              "| anonymous above start MiB | BLAS floor CPU s | CPU / floor | load before/after |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for key in sorted(scores, key=lambda k: int(k.split("x")[0])):
        by = scores[key]
        fl = by.get("floor", {}).get("cpu_s")
        for stage in [s for s in by if s.startswith(("score:one", "score:all"))]:
            r = by[stage]
            cpu, wall, label = r["cpu_s"], r["wall_s"], stage
            if "cgroup_limit_gib" in r:
                label = (f"{stage.split(' ')[0]} in a memory cgroup of {_limit(r)} "
                         f"(page cache and mapped shards counted, no swap; the cgroup's peak "
                         f"{r['cgroup_peak_mib']:.0f} MiB), verdict {r.get('verdict', '-')}")  # fmt: skip
            if stage.startswith("score:all"):
                per = (cpu - r["evidence_cpu_s"]) / r["suspects_scored"]
                cpu = r["evidence_cpu_s"] + per * r["models"]
                wper = (r["wall_s"] - r["evidence_s"]) / r["suspects_scored"]
                wall = r["evidence_s"] + wper * r["models"]
                label = (f"score:all (evidence {r['evidence_s']:.0f} s, then {wper:.2f} s per "
                         f"suspect; {r['suspects_scored']} scored, scaled to {r['models']})")  # fmt: skip
            floor = f"{fl:.3g} | {cpu / fl:.1f}" if fl else "- | -"
            lines.append(
                f"| {r['models']} x {r['prompts']:,} | {r['outputs']:,} | {label} "
                f"| {wall:.1f} | {cpu:.1f} | {_peak(r)} "
                f"| {r.get('peak_anon_mib', r['peak_mib']) - r.get('base_anon_mib', r['base_mib']):.0f} "
                f"| {floor} "
                f"| {r['load_before']:.1f}/{r['load_after']:.1f} |"
            )
    lines += _floor_section(scores) + _growth_section(feats, scores) + _embedding_section(runs)
    lines += _goals_section(feats, scores, runs, args)
    lines += _target_section(feats, scores, runs, args) + NOTES
    return "\n".join(lines) + "\n"


def _goals_section(
    feats: dict[str, Any], scores: dict[str, Any], runs: dict[str, Any], args: argparse.Namespace
) -> list[str]:
    lines = ["", "## Against the goals of the scale issue", ""]
    tm = args.target[0]
    top = [scores[k]["score:one"] for k in scores
           if int(k.split("x")[0]) == tm and "score:one" in scores[k]]  # fmt: skip
    if top:
        r = top[0]
        wall, anon = r["wall_s"], r.get("peak_anon_mib", r["peak_mib"]) / 1024
        lines.append(
            f"- score one suspect at {tm} models x {r['prompts']:,} prompts: {wall:.0f} s "
            f"({wall / 60:.1f} min) wall (goal under 5 minutes: {'met' if wall < 300 else 'not met'}), peak "
            f"{anon:.1f} GiB anonymous (goal under 8 GB: "
            f"{'met' if anon * 2**30 < 8e9 else 'not met'}; the resident peak, "
            f"{r['peak_mib'] / 1024:.1f} GiB, counts the feature shards mapped from disk, "
            "pages the kernel drops under pressure)."
        )
        capped = [v for k in scores if int(k.split("x")[0]) == tm
                  for s, v in scores[k].items() if s.startswith("score:one in ")]  # fmt: skip
        for c in capped:
            lines.append(
                f"- the same in a memory cgroup of {_limit(c)} (everything counted: page "
                f"cache, mapped shards; no swap): {c['wall_s']:.0f} s wall, verdict "
                f"{c.get('verdict', '-')} as without the limit, the cgroup's peak "
                f"{c['cgroup_peak_mib']:.0f} MiB."
            )
    else:
        lines.append(f"- score one suspect at {tm} models: not measured in this run.")
    goal = [by["features:all"] for by in feats.values() if "features:all" in by]
    if goal:
        r = goal[0]
        lines.append(
            f"- features without embeddings for {r['outputs']:,} outputs, all three channels "
            f"cold on {r['engine']}: {_duration(r['wall_s'])} wall, {_duration(r['cpu_s'])} CPU "
            + (
                f"(goal under 10 minutes on 2 cores: {'met' if r['wall_s'] < 600 else 'not met'})."
                if r["outputs"] >= 1_000_000
                else "(the goal is set at 1,000,000 outputs)."
            )
        )
    emb = runs.get("embedding")
    if emb:
        ratio = emb["ours_texts_s"] / emb["plain_texts_s"]
        lines.append(
            f"- embeddings: {ratio:.2f}x plain `encode` on this CPU (committed in "
            "`benchmarks/results/embeddings.md`: 1.82x)."
        )
    lines.append(
        "- GPU: " + str(runs.get("gpu", "none")) + "; `benchmarks/gpu_check.py` measures "
        "embeddings against plain encode and the pairwise stage at 500 x 10,000 on the GPU "
        "against the CPU path on the same features."
    )
    lines.append(
        "- results identical to the in-memory path: `tests/test_streaming.py` (streamed, "
        "sharded, distributed and on the torch kernel, tolerances unchanged)."
    )
    return lines


def _floor_section(scores: dict[str, Any]) -> list[str]:
    rows = []
    for key in sorted(scores, key=lambda k: int(k.split("x")[0])):
        fl = scores[key].get("floor")
        if not fl:
            continue
        for name, p in fl["parts"].items():
            rows.append(
                f"| {key} | {name} | {p['gram_macs']:.2e} | {p['gram_cpu_s']:.3g} "
                f"| {p['boot_macs']:.2e} | {p['boot_cpu_s']:.3g} |"
            )
    if not rows:
        return []
    return ["", "## The BLAS floor of the score stage", "",
            "The same products alone, one BLAS thread, on random data of the same shapes "
            "(a sample of prompts, scaled): each similarity channel's per-prompt Gram matrices "
            "(embedding 384 and style columns as float64 products, the sparse 0/1 channels "
            "(lexical, opening) as int8 products on the mean width of a prompt's columns in the "
            "assembled features) and the bootstrap's weighted sums (1 + 2 x 32 split-half + "
            "bootstrap weight vectors x prompts x model pairs, float64). Everything else the stage does (reading shards, centring, the relative "
            "nearness, calibration) is above the floor.", "",
            "| models x prompts | channel | Gram multiply-adds | Gram CPU s | bootstrap "
            "multiply-adds | bootstrap CPU s |", "| --- | --- | --- | --- | --- | --- |", *rows]  # fmt: skip


def _growth_section(feats: dict[str, Any], scores: dict[str, Any]) -> list[str]:
    lines = ["", "## Growth", "",
             "Exponent of a log-log fit of CPU time against the stage's unit over the measured "
             "sizes; the arithmetic predicts 1 for features (per output) and 1 for score against "
             "models^2 x prompts (2 against models at fixed prompts).", "",
             "| stage | unit | sizes | exponent (CPU) | CPU s per unit at the largest |",
             "| --- | --- | --- | --- | --- |"]  # fmt: skip
    stages = sorted(
        {s for by in feats.values() for s in by if s.startswith("features:") and " in " not in s}
        - {"features:all"}
    )
    for stage in stages:
        pts = [feats[n][stage] for n in sorted(feats, key=int) if stage in feats[n]]
        if len(pts) < 2:
            continue
        x = np.array([r["outputs"] for r in pts], float)
        y = np.array([r["cpu_s"] for r in pts])
        per, exp = _fit(x, y)
        lines.append(f"| {stage} | output | {len(pts)} | {exp:.2f} | {per:.3g} |")
    for stage in ("score:one", "score:all"):
        pts = [scores[k][stage] for k in sorted(scores, key=lambda k: int(k.split("x")[0]))
               if stage in scores[k]]  # fmt: skip
        if len(pts) < 2:
            continue
        x = np.array([_score_units(r) for r in pts])
        y = np.array([r["cpu_s"] for r in pts])
        per, exp = _fit(x, y)
        lines.append(f"| {stage} | model^2 x prompt | {len(pts)} | {exp:.2f} | {per:.3g} |")
    lines += _two_term_fit(scores)
    return lines


def _two_term_fit(scores: dict[str, Any]) -> list[str]:
    """score:one's CPU as a * outputs + b * model^2 x prompt (the per-output and per-cell work)."""
    pts = [scores[k]["score:one"] for k in sorted(scores, key=lambda k: int(k.split("x")[0]))
           if "score:one" in scores[k]]  # fmt: skip
    if len(pts) < 2:
        return []
    design = np.array([[r["models"] * r["prompts"], _score_units(r)] for r in pts], float)
    y = np.array([r["cpu_s"] for r in pts])
    (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    share = [f"{r['models']} models {b * _score_units(r) / max(r['cpu_s'], 1e-9):.0%}" for r in pts]
    return ["", "What the exponent below 1 is: `score:one` does work per output (reading "
            "and preparing the features, the degenerate check) and work per pair of models "
            f"and prompt. Fitted as CPU = a x outputs + b x models^2 x prompts: a = {a:.3g} s, "
            f"b = {b:.3g} s; the per-pair share of the CPU: " + ", ".join(share) + "."]  # fmt: skip


def _embedding_section(runs: dict[str, Any]) -> list[str]:
    emb = runs.get("embedding")
    if not emb:
        return []
    ratio = emb["ours_texts_s"] / emb["plain_texts_s"]
    return ["", "## Embeddings (a sample, on " + emb["device"] + ")", "",
            f"{emb['texts']} distinct real outputs: plain `SentenceTransformer.encode` "
            f"{emb['plain_texts_s']:.1f} texts/s (truncates at 256 tokens); ours "
            f"{emb['ours_texts_s']:.1f} texts/s ({ratio:.2f}x; {emb['precision']}, every chunk, "
            f"length-sorted batches; min cosine to fp32 {emb['min_cosine_to_fp32']:.5f}); "
            f"{1e3 * emb['ours_cpu_per_text']:.1f} ms of CPU per text."]  # fmt: skip


def _target_section(
    feats: dict[str, Any], scores: dict[str, Any], runs: dict[str, Any], args: argparse.Namespace
) -> list[str]:
    tm, tp, ts = args.target
    n_out = tm * tp * ts
    lines = ["", f"## What {n_out / 1e6:.0f}M outputs ({tm} models x {tp:,} prompts x {ts} "
             "samples) need, from the measured per-unit costs", ""]  # fmt: skip
    if feats:
        largest = feats[max(feats, key=int)]
        parts = [r for s, r in largest.items() if s in {f"features:{c}" for c in CHANNELS}]
        if parts:
            n = parts[0]["outputs"]
            cpu_per = sum(r["cpu_s"] for r in parts) / n
            disk_per = sum(r.get("shard_bytes", 0) for r in parts) / n
            peak = max(r["peak_mib"] for r in parts)
            lines.append(
                f"- features without embeddings: {1e3 * cpu_per:.3f} ms of CPU per output "
                f"(measured at {n:,}) -> {_duration(cpu_per * n_out)} of CPU; "
                f"{_duration(cpu_per * n_out / 2)} on 2 cores, "
                f"{_duration(cpu_per * n_out / 32)} on a Dask cluster of 32 workers (per-shard "
                f"work, no shared state but the lexical vocabulary's totals); peak memory per "
                f"process {peak:.0f} MiB (bounded by the shard); feature shards "
                f"{_gib(disk_per * n_out)} on disk."
            )
    emb = runs.get("embedding")
    if emb:
        per = emb["ours_cpu_per_text"]
        lines.append(
            f"- embeddings: {1e3 * per:.1f} ms of CPU per text on this CPU -> "
            f"{_duration(per * n_out)} of CPU ({_duration(n_out / emb['ours_texts_s'])} at the "
            f"measured {emb['ours_texts_s']:.0f} texts/s on 2 cores; "
            f"{_duration(per * n_out / 32)} on 32 such workers); vectors "
            f"{_gib(n_out * (384 * 4 + 100))} in the per-text store and as much again in shards. "
            "A GPU is the way to embed this many texts; none was lent here."
        )
    top = [scores[k] for k in scores if int(k.split("x")[0]) == tm]
    if top and "score:one" in top[0]:
        r = top[0]["score:one"]
        lines.append(
            f"- score one suspect at {tm} models x {r['prompts']:,} prompts (measured; the "
            f"pairwise stage reads one answer per model and prompt, so samples do not add to "
            f"it): {_duration(r['wall_s'])} wall, {_duration(r['cpu_s'])} CPU, peak "
            f"{r.get('peak_anon_mib', r['peak_mib']) / 1024:.1f} GiB of memory (anonymous; the "
            "feature shards are mapped from disk)."
        )
    lines.append(
        f"- the texts themselves: about {_gib(n_out * 1500)} on disk (1.5 KB per output; Parquet "
        "sources above 2 GiB load in batches with their texts memory-mapped, "
        "`detector.corpus.load_corpus_streamed`), plus the short columns in memory (about 40 bytes per "
        f"output: {_gib(n_out * 40)})."
    )
    return lines


NOTES = [
    "",
    "## Caveats",
    "",
    "- The corpora are resampled: a prompt's outputs are drawn from at most 42 distinct real "
    "texts, so the lexical vocabulary's totals (every distinct n-gram) grow more slowly than with "
    "fresh text, and a prompt's outputs use fewer distinct terms (the width of the lexical "
    "products); nothing in the code takes a shortcut for repeated texts.",
    "- Score features are assembled from the dev corpus's (the same per-text features; the "
    "lexical vocabulary is the dev corpus's, not one fitted on the resampled corpus).",
    "- One answer per model and prompt enters the pairwise stage (the last sample, as in "
    "memory); several samples cost features, not pairwise time.",
    "- `score:all` scores `--max-suspects` suspects after one evidence build and scales the "
    "per-suspect time to every model.",
]


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes of every stage")
    parser.add_argument("--feature-sizes", default=None, help="outputs, comma-separated")
    parser.add_argument("--score-models", default=None, help="models, comma-separated")
    parser.add_argument("--score-prompts", type=int, default=None)
    parser.add_argument("--stages", default="features,score:one,score:all,floor,embedding")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--shard-rows", type=int, default=20_000)
    parser.add_argument("--engine", default="local", choices=("local", "dask"))
    parser.add_argument("--workers", type=int, default=2, help="dask workers (--engine dask)")
    parser.add_argument("--goal-engine", default="dask", choices=("local", "dask", "none"),
                        help="engine of the all-channels run at the largest feature size")  # fmt: skip
    parser.add_argument("--max-suspects", type=int, default=5,
                        help="score:all scores this many suspects and scales to all (0: all)")  # fmt: skip
    parser.add_argument("--score-channels", default="", help="default: the default channels")
    parser.add_argument("--source-cache", default="",
                        help="cache of the dev corpus's features (default: the user cache)")  # fmt: skip
    parser.add_argument("--embed-sample", type=int, default=300)
    parser.add_argument("--device", default="cpu", help="embedding device: cpu, cuda, cuda:N")
    parser.add_argument("--precision", default="auto")
    parser.add_argument("--target", type=lambda t: tuple(int(v) for v in t.split("x")),
                        default=(500, 10_000, 10), help="MODELSxPROMPTSxSAMPLES")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--render", action="store_true", help="only rewrite the report from .json")
    parser.add_argument("--resume", action="store_true", help="keep stages already in the .json")
    parser.add_argument("--memory-limit-gib", type=float, default=0.0,
                        help="run the stages in a memory cgroup of this many GiB (Linux)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.md")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--shape", default="", help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    args.feature_sizes = args.feature_sizes or sizes["feature_sizes"]
    args.score_models = args.score_models or sizes["score_models"]
    args.score_prompts = args.score_prompts or sizes["score_prompts"]
    if not corpus_path().exists():
        print(f"bench_scale: corpus not found at {corpus_path()}; set PROVENANCE_DEV_CORPUS",
              file=sys.stderr)  # fmt: skip
        return 0
    saved = args.out.with_suffix(".json")
    if args.render:
        args.out.write_text(report(json.loads(saved.read_text("utf-8")), args), "utf-8")
        return 0
    if args.child:
        print(json.dumps(_child(args)))
        return 0
    stages = args.stages.split(",")
    runs: dict[str, Any] = {"features": {}, "score": {}}
    if args.resume and saved.exists():
        runs = json.loads(saved.read_text("utf-8"))
    command = " ".join(
        ["python benchmarks/bench_scale.py", *(sys.argv[1:] if argv is None else argv)]
    )
    # a resumed table was made by several commands: every one is said, in order
    earlier = runs.pop("command", None)
    runs["commands"] = runs.get("commands", [earlier] if earlier else [])
    runs["commands"] = [c for c in runs["commands"] if c != command] + [command]
    runs["machine"] = f"{os.cpu_count()} cores ({platform.processor() or platform.machine()})"
    runs["gpu"] = _gpu_line(args)
    runs["engine"] = args.engine + (f" ({args.workers} workers)" if args.engine == "dask" else "")
    runs["score_channels"] = _score_channels(args)

    def save() -> None:  # after every stage, so an interrupted run keeps what it measured
        saved.write_text(json.dumps(runs, indent=1), encoding="utf-8")
        args.out.write_text(report(runs, args), encoding="utf-8")

    if args.memory_limit_gib:
        MEMORY_CGROUP.append(_memory_cgroup(args.memory_limit_gib))

    def limited(stage: str) -> str:  # stages in a memory cgroup are kept beside the others
        return f"{stage} in {args.memory_limit_gib:g} GiB" if args.memory_limit_gib else stage

    scratch = Path(os.environ.get("BENCH_SCALE_TMP", tempfile.gettempdir()))
    if "features" in stages:
        for size in (int(s) for s in args.feature_sizes.split(",")):
            by = runs["features"].setdefault(str(size), {})
            shape = "x".join(str(v) for v in feature_shape(size))
            for channel in CHANNELS:
                stage = f"features:{channel}"
                if args.resume and limited(stage) in by:
                    continue
                with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=scratch) as cache:
                    by[limited(stage)] = run_stage(stage, shape, Path(cache), args)
                save()
    if "features" in stages and args.goal_engine != "none":  # the goal row: all three at once
        size = max(int(s) for s in args.feature_sizes.split(","))
        by = runs["features"].setdefault(str(size), {})
        if not (args.resume and "features:all" in by):
            goal = argparse.Namespace(**{**vars(args), "engine": args.goal_engine})
            shape = "x".join(str(v) for v in feature_shape(size))
            with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=scratch) as cache:
                by["features:all"] = run_stage("features:all", shape, Path(cache), goal)
            save()
    for models in (int(m) for m in args.score_models.split(",")):
        shape = f"{models}x{args.score_prompts}x1"
        by = runs["score"].setdefault(shape.rsplit("x", 1)[0], {})
        todo = [s for s in ("score:one", "score:all", "floor") if s in stages]
        if args.resume:
            todo = [s for s in todo if limited(s) not in by]
        if not todo:
            continue
        cache = Path(tempfile.mkdtemp(prefix="bench-scale-", dir=scratch))
        try:
            by[limited("assemble")] = run_stage("assemble", shape, cache, args)
            for stage in todo:
                by[limited(stage)] = run_stage(stage, shape, cache, args)
                save()
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    if "embedding" in stages and not (args.resume and runs.get("embedding")):
        runs["embedding"] = run_stage("embedding", "0x0x0", scratch, args)
    save()
    for group in MEMORY_CGROUP:  # back to the parent, and the empty cgroup removed
        with contextlib.suppress(OSError):
            (group.parent / "cgroup.procs").write_text(str(os.getpid()))
            group.rmdir()
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _gpu_line(args: argparse.Namespace) -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} (embedding device {args.device})"
    except ImportError:  # pragma: no cover
        pass
    return "none was lent to this run (the CUDA path is checked by benchmarks/gpu_check.py)"


if __name__ == "__main__":
    raise SystemExit(main())

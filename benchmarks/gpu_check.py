"""The GPU check of the scale issue: embeddings and the pairwise stage on CUDA, once.

Run on a machine with an NVIDIA GPU (torch with CUDA), from the repository
root, with the AlpacaEval dev corpus at ``../shared/corpora/alpaca_eval`` or
``PROVENANCE_DEV_CORPUS`` (without it the embedding texts come from the demo
corpus and the pairwise stage runs on synthetic features of the same shapes)::

    .venv/bin/python benchmarks/gpu_check.py                 # 500 models x 10,000 prompts
    .venv/bin/python benchmarks/gpu_check.py --quick         # 100 x 1,000 first, as a check

It measures, in one run, and prints a Markdown summary (also written to
``--out``):

1. embedding texts/s of our Embedder against plain
   ``SentenceTransformer.encode`` on the GPU, on the same distinct outputs
   (goal: at least 1.5x), and the smallest cosine of our vectors to fp32 ones;
2. the pairwise stage (streamed evidence with ``--bootstrap`` resamplings) at
   ``--models`` x ``--prompts`` on the GPU (:mod:`detector.similarity_torch`)
   and on the CPU path (:mod:`detector.similarity`, all cores), on the same
   features: wall time of each and the largest relative difference of every
   channel's affinity, the combined affinity and the bootstrap affinities
   (goal: equal to float tolerance, 1e-9 relative);
3. one suspect scored at that size on the GPU evidence.

On a machine with an H100 and 16 cores, budget about 10 minutes for the full
size (most of it assembling 5M outputs' features and the CPU path); run
``--quick`` first when the time is counted.

Exit status 1 when a goal is missed, 2 when there is no CUDA device.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _embedding_check(texts: list[str], device: str) -> dict[str, Any]:
    from detector.embedding_models import load_model
    from detector.embeddings import Embedder

    model, _ = load_model(device=device)
    model.encode(texts[:32])
    t = time.perf_counter()
    model.encode(texts, batch_size=64)
    plain = len(texts) / (time.perf_counter() - t)
    ours = Embedder(cache_dir=False, device=device, show_progress=False)
    ours.encode(texts[:32])
    t = time.perf_counter()
    vectors = ours.encode(texts)
    fast = len(texts) / (time.perf_counter() - t)
    ref = Embedder(cache_dir=False, device=device, precision="fp32", show_progress=False)
    cosine = float(np.min(np.sum(vectors * ref.encode(texts), axis=1)))
    return {"texts": len(texts), "plain_texts_s": plain, "ours_texts_s": fast,
            "ratio": fast / plain, "precision": ours.precision, "min_cosine": cosine}  # fmt: skip


def _texts(n: int) -> list[str]:
    import bench_scale as bs

    from detector.corpus import load_corpus

    path = bs.corpus_path() if bs.corpus_path().exists() else ROOT / "data" / "demo"
    df = load_corpus(path).df
    unique = df["output"].drop_duplicates()
    return unique.sample(min(n, len(unique)), random_state=0).tolist()


def _features(
    models: int, prompts: int, cache: Path, device: str, source_cache: Path | None
) -> Any:
    """Sharded features of a corpus of that shape: assembled from the dev corpus, or synthetic."""
    import bench_scale as bs

    from detector.features import compute_features

    if bs.corpus_path().exists():
        corpus, rows, real = bs.resampled_corpus(models, prompts, 1, 0)
        from detector.channels import default_channels

        channels = list(default_channels())
        source = source_cache or cache / "source"
        # the dev corpus's embeddings, on the GPU, into a private cache
        compute_features(real, ["embedding"], cache_dir=source, device=device, progress=True,
                         shard_rows=0)  # fmt: skip
        bs.assemble_features(corpus, rows, real, channels, cache, source, 20_000)
        return compute_features(corpus, channels, cache_dir=cache, progress=False,
                                shard_rows=20_000), channels  # fmt: skip
    return _synthetic(models, prompts, cache), ["embedding", "style", "lexical"]


def _synthetic(models: int, prompts: int, cache: Path) -> Any:
    """Random features of the channels' shapes, stored as the shards compute_features writes."""
    import pandas as pd
    import scipy.sparse as sp

    from detector.corpus import Corpus
    from detector.shard_store import ShardStore
    from detector.shards import ShardedFeatures, ShardedMatrices, ShardPlan, names_hash
    from detector.stylometry import FEATURES

    rng = np.random.default_rng(0)
    m, p = np.meshgrid(np.arange(models), np.arange(prompts), indexing="ij")
    df = pd.DataFrame({"model": [f"m{i:03d}" for i in m.ravel()],
                       "prompt_id": [f"p{j:05d}" for j in p.ravel()], "sample": 0,
                       "prompt": "", "output": "x", "reasoning": ""})  # fmt: skip
    corpus = Corpus(df)
    plan = ShardPlan.of(df, 20_000)
    store = ShardStore(cache)
    feats = ShardedFeatures(corpus, {}, {}, None, {}, plan=plan, store=store, cache_root=cache)
    feats.matrices = ShardedMatrices(feats)
    taste = rng.normal(size=(models, 384))
    style_names = [f.name for f in FEATURES]
    for name in ("embedding", "style", "lexical"):
        keys = []
        for b, rows in enumerate(plan.rows):
            n = len(rows)
            if name == "embedding":
                x = (taste[m.ravel()[rows]] + rng.normal(size=(n, 384)) * 3).astype(np.float32)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                names = [f"emb_{i}" for i in range(384)]
            elif name == "style":
                x = np.abs(rng.normal(size=(n, len(style_names)))) * 10
                names = style_names
            else:
                x = sp.random(n, 50_000, density=0.0035, random_state=b, format="csr")
                x.data[:] = 1.0
                names = [f"t{i}" for i in range(50_000)]
            key = f"synthetic-{models}x{prompts}-{name}-{b}"
            store.save(name, key, x, names)
            keys.append(key)
        feats.keys[name] = keys
        feats.names[name] = names
        feats.hashes[name] = names_hash(names)
    return feats


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


def _pairwise_check(features: Any, channels: list[str], device: str, bootstrap: int,
                    threads: int) -> dict[str, Any]:  # fmt: skip
    from detector.evidence import bootstrap_counts, build_evidence
    from detector.features import FeatureOptions

    out: dict[str, Any] = {}
    import detector.similarity_torch as simt

    built = {}
    chosen = simt.backend_for
    for label, where, kernel in (("gpu", device, chosen), ("cpu", "cpu", lambda d: "numpy")):
        simt.backend_for = kernel  # type: ignore[assignment]
        t = time.perf_counter()
        ev = build_evidence(features, channels=channels, streaming=True, n_bootstrap=bootstrap,
                            seed=0, options=FeatureOptions(device=where))  # fmt: skip
        counts = bootstrap_counts(ev.n_prompts, bootstrap, 0)
        boot = ev.bootstrap_affinities(counts, np.arange(min(8, len(ev.models))))
        out[f"{label}_s"] = time.perf_counter() - t
        built[label] = (ev, boot)
    simt.backend_for = chosen  # type: ignore[assignment]
    (g, gb), (c, cb) = built["gpu"], built["cpu"]
    diffs = {name: _max_rel(g.channel_affinity(name), c.channel_affinity(name))
             for name in c.channels}  # fmt: skip
    diffs["combined"] = _max_rel(g.combined_affinity(), c.combined_affinity())
    diffs["bootstrap"] = max(_max_rel(gb[k], cb[k]) for k in cb)
    out["max_rel_diff"] = diffs
    out["speedup"] = out["cpu_s"] / out["gpu_s"]
    out["evidence"] = g
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="100 models x 1,000 prompts")
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--texts", type=int, default=2000, help="texts for the embedding check")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "gpu.md")
    parser.add_argument("--source-cache", type=Path, default=None,
                        help="a cache holding the dev corpus's embeddings (default: embed "
                        "them on the GPU into a private cache)")  # fmt: skip
    parser.add_argument(
        "--torch-on-cpu",
        action="store_true",
        help="no GPU: run the GPU code path with torch on the CPU (checks this script)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.prompts = 100, 1000
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    if args.torch_on_cpu:
        import detector.similarity_torch as simt

        args.device = "cpu"
        simt.backend_for = lambda device: "torch" if device == "cpu" else "numpy"  # type: ignore[assignment]
        gpu = "no GPU: the torch kernel on the CPU against the NumPy kernel"
    elif not torch.cuda.is_available():
        print("gpu_check: torch sees no CUDA device; nothing to check", file=sys.stderr)
        return 2
    else:
        gpu = torch.cuda.get_device_name(0)
    from detector.devices import available_cores

    lines = [f"# GPU check: {gpu}, torch {torch.__version__}, {available_cores()} CPU cores", ""]
    emb = _embedding_check(_texts(args.texts), args.device)
    lines += [
        f"- embeddings ({emb['texts']} distinct outputs): plain encode "
        f"{emb['plain_texts_s']:.0f} texts/s, ours {emb['ours_texts_s']:.0f} texts/s "
        f"({emb['ratio']:.2f}x, goal >= 1.5x; {emb['precision']}; min cosine to fp32 "
        f"{emb['min_cosine']:.5f})"
    ]
    print(lines[-1], flush=True)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        features, channels = _features(args.models, args.prompts, Path(tmp), args.device,
                                       args.source_cache)  # fmt: skip
        pw = _pairwise_check(features, channels, args.device, args.bootstrap, available_cores())
        worst = max(pw["max_rel_diff"].values())
        lines.append(
            f"- pairwise stage at {args.models} models x {args.prompts:,} prompts "
            f"({', '.join(channels)}; {args.bootstrap} bootstrap resamplings): GPU path "
            f"{pw['gpu_s']:.1f} s, CPU path {pw['cpu_s']:.1f} s "
            f"({pw['speedup']:.1f}x); largest relative difference {worst:.2e} (goal <= 1e-9): "
            + ", ".join(f"{k} {v:.1e}" for k, v in pw["max_rel_diff"].items())
        )
        print(lines[-1], flush=True)
        from detector.scoring import score

        t = time.perf_counter()  # on the GPU evidence (its bootstrap sums are prepared)
        result = score(pw["evidence"], features.corpus.models[0], n_bootstrap=args.bootstrap)
        lines.append(f"- one suspect scored on that evidence: {time.perf_counter() - t:.1f} s more "
                     f"({result.level}); GPU evidence plus scoring "
                     f"{pw['gpu_s'] + time.perf_counter() - t:.1f} s")  # fmt: skip
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if emb["ratio"] >= 1.5 and worst <= 1e-9 else 1


if __name__ == "__main__":
    raise SystemExit(main())

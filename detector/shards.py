"""Features of large corpora, computed and stored shard by shard.

A corpus of more than :data:`~detector.features.AUTO_SHARD_OUTPUTS` outputs (or any corpus,
when ``shard_rows`` is given to :func:`~detector.features.compute_features`)
is cut into shards of whole prompts (:class:`ShardPlan`: consecutive prompt
ids, about ``shard_rows`` outputs each). Every channel's transformer runs on
one shard at a time, on an :mod:`executor <detector.executor>` (this process
by default, or Dask workers), and each finished shard is written to the
cache folder (:class:`~detector.shard_store.ShardStore`, Parquet, keyed by
the shard's content), so:

- memory is bounded by the shard, not the corpus;
- an interrupted run resumes from the shards already written (progress on
  stderr says how many were found);
- the pairwise stage reads one shard (a block of whole prompts) at a time
  (:mod:`detector.streaming`).

A channel whose transformer learns from the whole corpus (the lexical and
reasoning-trace vocabularies) says how in its spec (``corpus_fit``): that fit
runs first, in streamed passes over the shards (:mod:`detector.lexical_stream`),
and is kept in the cache, then each shard is transformed with it. The result is a
:class:`ShardedFeatures`, which behaves like
:class:`~detector.features.Features` (its ``matrices`` load a whole channel
on first access, for the consumers that need one) and reads single shards
with :meth:`ShardedFeatures.block`.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import weakref
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import channels as registry
from .cache import content_key, default_cache_dir
from .corpus import Corpus
from .errors import ProvenanceError
from .executor import Executor, LocalExecutor
from .featureset import FeatureOptions, Features, source_hash, transformer_input
from .progress import bar as progress_bar
from .progress import finished as progress_finished
from .progress import stage as progress_stage
from .shard_store import ShardStore, names_hash

__all__ = [
    "ShardPlan",
    "ShardedFeatures",
    "compute_sharded_features",
]


@dataclass(frozen=True)
class ShardPlan:
    """Blocks of whole prompts, in prompt-id order.

    Attributes
    ----------
    rows : tuple of numpy.ndarray
        Per shard, its rows of ``corpus.df`` in ascending order (every
        output of the shard's prompts).
    shard_rows : int
        The target number of outputs per shard.
    """

    rows: tuple[np.ndarray, ...]
    shard_rows: int

    @classmethod
    def of(cls, df: pd.DataFrame, shard_rows: int) -> ShardPlan:
        """Cut a corpus table into shards of about ``shard_rows`` outputs.

        Prompts are taken in sorted id order; prompt p goes to shard
        ``floor(outputs before p / shard_rows)``, so a shard holds whole
        prompts and the plan depends only on the table.
        """
        if int(shard_rows) < 1:
            raise ProvenanceError(f"shard_rows must be at least 1, got {shard_rows}")
        codes, pids = pd.factorize(df["prompt_id"], sort=True)
        per_prompt = np.bincount(codes, minlength=len(pids))
        before = np.concatenate([[0], np.cumsum(per_prompt)[:-1]])
        raw = before // int(shard_rows)
        _, block_of_prompt = np.unique(raw, return_inverse=True)
        block_of_row = block_of_prompt[codes]
        order = np.argsort(block_of_row, kind="stable")
        bounds = np.searchsorted(block_of_row[order], np.arange(block_of_prompt.max() + 2))
        rows = tuple(order[bounds[b] : bounds[b + 1]] for b in range(len(bounds) - 1))
        return cls(tuple(r for r in rows if len(r)), int(shard_rows))

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def order(self) -> np.ndarray:
        """Corpus rows in shard order, shape (n_outputs,)."""
        return np.concatenate(self.rows) if self.rows else np.zeros(0, np.int64)


def shard_hash(frame: pd.DataFrame, source: str = "output") -> str:
    """SHA-256 (24 hex digits) of a shard's rows: model, prompt id, sample, prompt, text."""
    h = hashlib.sha256()
    cols = [frame[c].astype(str).tolist() for c in ("model", "prompt_id", "sample", "prompt")]
    text = frame[source].fillna("").astype(str).tolist() if source in frame else [""] * len(frame)
    for row in zip(*cols, text, strict=True):
        h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()[:24]


# ------------------------------------------------------------------ features in shards
class ShardedMatrices(MutableMapping[str, Any]):
    """Channel -> whole matrix, loaded from the shards on first access (rows as ``corpus.df``)."""

    def __init__(self, owner: ShardedFeatures) -> None:
        self._owner = weakref.proxy(owner)
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in self._owner.keys:
                raise KeyError(name)
            self._loaded[name] = self._owner.whole(name)
        return self._loaded[name]

    def __setitem__(self, name: str, matrix: Any) -> None:
        self._loaded[name] = matrix

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)
        self._owner.keys.pop(name, None)

    def __contains__(self, name: object) -> bool:
        # without this, Mapping's ``in`` calls __getitem__ and loads the whole channel
        return name in self._loaded or name in self._owner.keys

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._owner.keys, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._owner.keys) | set(self._loaded))


@dataclass
class ShardedFeatures(Features):
    """:class:`~detector.features.Features` whose matrices live in shards on disk.

    Attributes
    ----------
    plan : ShardPlan
    store : ShardStore
    keys : dict of str to list of str
        Per channel, the key of every shard.
    """

    plan: ShardPlan | None = None
    store: ShardStore | None = None
    cache_root: Path | None = None
    keys: dict[str, list[str]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)

    def block(self, name: str, b: int) -> Any:
        """One channel's features of shard ``b``, rows as ``plan.rows[b]``."""
        assert self.plan is not None and self.store is not None
        if name not in self.keys:  # added in memory (e.g. by as_features): slice it
            m = self.matrices[name]
            return m[self.plan.rows[b]]
        entry = self.store.load(
            name, self.keys[name][b], n_rows=len(self.plan.rows[b]), names_hash=self.hashes[name]
        )
        if entry is None:
            raise ProvenanceError(
                f"feature shard {b} of channel {name} is missing or damaged; compute the "
                "features again (it will be recomputed)"
            )
        return entry[0]

    def absorb(self, other: ShardedFeatures) -> None:
        """Take over the channels of ``other``, sharded by the same plan in the same folder."""
        if other.store is None or self.store is None or other.store.folder != self.store.folder:
            raise ProvenanceError("cannot merge feature shards of two cache folders")
        self.keys.update(other.keys)
        self.hashes.update(other.hashes)
        self.names.update(other.names)

    def whole(self, name: str) -> Any:
        """One channel's whole matrix, rows aligned with ``corpus.df``."""
        assert self.plan is not None
        parts = [self.block(name, b) for b in range(len(self.plan))]
        inverse = np.empty(len(self.corpus.df), dtype=np.int64)
        inverse[self.plan.order] = np.arange(len(inverse))
        if parts and sp.issparse(parts[0]):
            return sp.csr_matrix(sp.vstack(parts, format="csr")[inverse])
        return np.concatenate(parts)[inverse]


# ------------------------------------------------------------------ computing shards
@dataclass(frozen=True)
class _ShardJob:
    channel: str
    key: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class _StageState:
    options: FeatureOptions
    store: ShardStore
    vocabulary: Any = None


def _run_shard(job: _ShardJob, state: _StageState) -> list[str]:
    """Compute and store one channel's shard; returns its column names."""
    spec = registry.get(job.channel)
    if state.vocabulary is not None:
        transformer = state.vocabulary
        matrix = transformer.transform(transformer_input(job.frame, spec))
    else:
        transformer = spec.make(state.options)
        matrix = transformer.fit_transform(transformer_input(job.frame, spec))
    matrix = _as_stored(matrix, spec)
    names = [str(n) for n in transformer.get_feature_names_out()]
    state.store.save(job.channel, job.key, matrix, names)
    return names


def _as_stored(matrix: Any, spec: registry.ChannelSpec) -> Any:
    """The dtype compute_features keeps: CSR float64, float32 embeddings, else float64."""
    if spec.sparse:
        return sp.csr_matrix(matrix, dtype=np.float64)
    matrix = np.asarray(matrix)
    return matrix if spec.uses_embedding_model else matrix.astype(np.float64)


def _corpus_fit(
    corpus: Corpus,
    spec: registry.ChannelSpec,
    plan: ShardPlan,
    executor: Executor,
    folder: Path,
    progress: bool | None,
) -> tuple[Any, str]:
    """A channel's corpus-wide fit (``spec.corpus_fit``) and its key: cached, or fitted now."""
    fit = spec.corpus_fit
    assert fit is not None
    template = spec.make(FeatureOptions())
    params = template.get_params()
    texts = [] if spec.source == "output" else [{"source": source_hash(corpus, spec.source)}]
    key = content_key(corpus.content_hash(), spec.name, spec.source, "vocabulary", params, *texts)
    path = folder / f"{spec.name}-vocabulary-{key}.json"
    if path.exists():
        try:
            return fit.load(template, json.loads(path.read_text(encoding="utf-8"))), key
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            path.unlink(missing_ok=True)
    parts = [(transformer_input(_frame(corpus, spec, rows), spec), rows) for rows in plan.rows]
    fitted = fit.fit(template, parts, executor, progress=progress, desc=f"{spec.name} vocabulary")
    _save_fit(path, fit.dump(fitted))
    return fitted, key


def _save_fit(path: Path, blob: dict[str, Any]) -> None:
    from .files import atomic_path

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(blob), encoding="utf-8")
    except (OSError, ProvenanceError):
        pass  # only a cache: the fit is made again next time


def _frame(corpus: Corpus, spec: registry.ChannelSpec, rows: np.ndarray) -> pd.DataFrame:
    cols = [c for c in ("model", "prompt_id", "sample", "prompt", "output", spec.source)]
    return corpus.df.iloc[rows][list(dict.fromkeys(c for c in cols if c in corpus.df))]


def compute_sharded_features(
    corpus: Corpus,
    wanted: list[str],
    options: FeatureOptions,
    shard_rows: int,
    executor: Executor | None = None,
) -> ShardedFeatures:
    """Every channel's features of a corpus, shard by shard (see the module docstring).

    Parameters
    ----------
    corpus : Corpus
    wanted : list of str
        Channels (validated names).
    options : FeatureOptions
    shard_rows : int
        Outputs per shard (whole prompts, so shards differ a little).
    executor : Executor, optional
        Where shards are computed (default this process).

    Returns
    -------
    ShardedFeatures
    """
    executor = executor or LocalExecutor()
    plan = ShardPlan.of(corpus.df, shard_rows)
    keep_alive = None
    if options.use_cache:
        root = Path(options.cache_dir or default_cache_dir())
    else:  # shards need a folder: a private one, removed with the features
        keep_alive = tempfile.TemporaryDirectory(prefix="provenance-shards-")
        root = Path(keep_alive.name)
    store = ShardStore(root)
    worker_options = replace(options, executor=None)  # the jobs run on it, never carry it
    if executor.distributed:  # the shards are the cache; no shared SQLite across machines
        worker_options = replace(worker_options, use_cache=False, progress=False)
    features = ShardedFeatures(corpus, {}, {}, None, {}, plan=plan, store=store, cache_root=root)
    features.matrices = ShardedMatrices(features)
    features._tmp = keep_alive  # type: ignore[attr-defined]
    hashes: dict[str, list[str]] = {}
    for name in registry.computation_order(wanted):
        spec = registry.get(name)
        started = time.perf_counter()
        if spec.source not in hashes:
            hashes[spec.source] = [
                shard_hash(_frame(corpus, spec, r), spec.source) for r in plan.rows
            ]
        vocabulary = None
        if spec.corpus_fit is not None:
            # the shards' rows depend on the corpus-wide fit (a vocabulary): its key
            vocabulary, extra = _corpus_fit(
                corpus, spec, plan, executor, store.folder, options.progress
            )
        else:
            extra = None
        identity = spec.identity(options)
        keys = [content_key(h, name, spec.source, identity, extra) for h in hashes[spec.source]]
        names = _run_stage(corpus, spec, plan, keys, store, executor, worker_options, vocabulary)
        features.keys[name] = keys
        features.names[name] = names
        features.hashes[name] = names_hash(names)
        progress_finished(spec.label, time.perf_counter() - started, options.progress)
    # in the order asked for
    features.keys = {n: features.keys[n] for n in wanted}
    features.names = {n: features.names[n] for n in wanted}
    features.hashes = {n: features.hashes[n] for n in wanted}
    features.info = {"embedding_model": options.embedding_model, "precision": options.precision,
                     "shard_rows": shard_rows, "shards": len(plan)}  # fmt: skip
    return features


def _run_stage(
    corpus: Corpus,
    spec: registry.ChannelSpec,
    plan: ShardPlan,
    keys: list[str],
    store: ShardStore,
    executor: Executor,
    options: FeatureOptions,
    vocabulary: Any,
) -> list[str]:
    """Compute the channel's missing shards; returns its column names."""
    metas = [store.meta(spec.name, k) for k in keys]
    todo = [b for b, m in enumerate(metas) if m is None]
    done = len(plan) - len(todo)
    progress_stage(
        f"{spec.label}: {len(corpus.df)} outputs in {len(plan)} shards"
        + (f" ({done} already computed)" if done else "")
        + " ...",
        options.progress,
    )
    jobs = [_ShardJob(spec.name, keys[b], _frame(corpus, spec, plan.rows[b])) for b in todo]
    state = _StageState(options, store, vocabulary)
    pbar = progress_bar(total=len(plan), desc=spec.name, unit="shard", progress=options.progress)
    pbar.update(done)
    names: list[str] | None = None
    for result in executor.map(_run_shard, jobs, shared=state):
        names = names or result
        pbar.update(1)
    pbar.close()
    if vocabulary is not None:
        return [str(t) for t in vocabulary.get_feature_names_out()]
    if names is None:
        stored = next((m.get("names") for m in metas if m is not None), None)
        if stored is None:  # a wide channel: shards keep a hash of its names, not the names
            stored = _unfitted_names(spec, options)
        if stored is None:
            raise ProvenanceError(f"feature shards of channel {spec.name} lack column names")
        names = list(stored)
    return names


def _unfitted_names(spec: registry.ChannelSpec, options: FeatureOptions) -> list[str] | None:
    """Column names of a transformer that learns nothing from the texts (hashed features).

    Wide channels' shards keep a hash of their names, not the names; when every
    shard was found (a warm run) and no corpus-wide fit names them, they come
    from the transformer itself, or None when it has to be fitted to know them.
    """
    from sklearn.exceptions import NotFittedError

    try:
        return [str(n) for n in spec.make(options).fit([]).get_feature_names_out()]
    except (NotFittedError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        return None

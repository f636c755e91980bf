"""Per-text features of every evidence channel, cached on disk by content.

:func:`compute_features` runs each channel's transformer (see
:mod:`detector.channels`, which lists them) over a corpus and returns one
matrix per channel, rows aligned with ``corpus.df``. Each matrix is cached as
a whole per corpus content and channel (:class:`~detector.cache.FeatureCache`;
the embedding channel also keeps a per-text store), so rescoring a corpus
whose features were computed once loads them in a second.
:func:`features_table` gives the one-row-per-output table that
``provenance features`` writes.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import channels as registry
from .cache import FeatureCache, content_key
from .channels import CHANNELS, parse_channels
from .cjk import CJK_TEXT_VERSION, corpus_has_cjk
from .corpus import Corpus
from .devices import check_device
from .errors import ProvenanceError
from .featureset import FeatureOptions, Features, source_hash, transformer_input
from .lexical import LexicalFingerprint
from .progress import enabled as progress_enabled
from .progress import finished as progress_finished
from .progress import stage as progress_stage

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    from .embeddings import Precision

#: Corpora with more outputs than this are sharded when ``shard_rows`` is not given.
AUTO_SHARD_OUTPUTS = 200_000
#: Outputs per shard when sharding is automatic.
DEFAULT_SHARD_ROWS = 20_000

__all__ = [
    "AUTO_SHARD_OUTPUTS",
    "CHANNELS",
    "DEFAULT_SHARD_ROWS",
    "FeatureOptions",
    "Features",
    "as_features",
    "compute_features",
    "feature_tables",
    "features_table",
    "parse_channels",
]


def _cache_key(corpus: Corpus, spec: registry.ChannelSpec, options: FeatureOptions) -> str:
    parts = [corpus.content_hash(), spec.name, spec.source, spec.identity(options)]
    if spec.source != "output":  # the content hash covers the answers only
        parts.append({"source": source_hash(corpus, spec.source)})
    # CJK characters are tokens of their own since CJK_TEXT_VERSION (embeddings never changed)
    if not spec.uses_embedding_model and corpus_has_cjk(corpus, spec.source):
        parts.append({"cjk": CJK_TEXT_VERSION})
    return content_key(*parts)


def _check_prompt_counts(corpus: Corpus, wanted: list[str]) -> None:
    """Refuse, before any work, a channel that cannot be fitted on this few prompts."""
    n_prompts = int(corpus.df["prompt_id"].nunique())
    for name in wanted:
        needed = registry.get(name).min_prompts
        if n_prompts < needed:
            raise ProvenanceError(
                f"the {name} channel needs outputs on at least {needed} prompts and the data "
                f"has {n_prompts}; give more prompts, or leave {name} out of `channels`"
            )


def compute_features(
    corpus: Corpus,
    channels: str | Sequence[str] | None = None,
    options: FeatureOptions | None = None,
    *,
    embedding_model: str | None = None,
    precision: Precision = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool | None = None,
    device: str | None = None,
    shard_rows: int | None = None,
    executor: Any = None,
) -> Features:
    """Compute (or load from cache) the per-text features of each channel.

    Parameters
    ----------
    corpus : Corpus
    channels : str or sequence of str, optional
        Channels of :data:`~detector.channels.REGISTRY`; default the default
        channels.
    options : FeatureOptions, optional
        Every setting below in one object (as the entry points pass them);
        give either ``options`` or the keywords, not both.
    embedding_model : str, optional
        sentence-transformers name or local path; default the bundled
        all-MiniLM-L6-v2.
    precision : {"auto", "fp32", "bf16"}
        Embedding precision (see :class:`~detector.embeddings.Embedder`).
    cache_dir : path, optional
        Cache location (default ``PROVENANCE_CACHE_DIR`` or the user cache).
    use_cache : bool
        Read and write the on-disk caches.
    progress : bool, optional
        Show progress on stderr; None: when stderr is a terminal (see
        :mod:`detector.progress`).
    device : str, optional
        Torch device for embeddings: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``
        (default the GPU when there is one).
    shard_rows : int, optional
        Compute and store the features in shards of about this many outputs
        (whole prompts; :mod:`detector.shards`): memory bounded by the shard,
        progress per shard, and an interrupted run resumes from the shards
        already written. None (default): shards of
        :data:`DEFAULT_SHARD_ROWS` when the corpus has more
        than :data:`AUTO_SHARD_OUTPUTS` outputs or the
        executor is distributed, else whole matrices; 0: never.
    executor : Executor or str, optional
        Where shards are computed (:mod:`detector.executor`): None or
        ``"local"`` this process, ``"dask"`` a local Dask cluster, or an
        executor (:class:`~detector.executor.DaskExecutor` with a scheduler
        address).

    Returns
    -------
    Features
        :class:`~detector.shards.ShardedFeatures` when sharded.

    Raises
    ------
    ProvenanceError
        An unknown channel, a channel that cannot be fitted on this few
        prompts (``min_prompts`` of its spec: lexical needs 5), an embedding
        model that cannot be loaded, or both ``options`` and keywords.
    """
    given = FeatureOptions(
        embedding_model=embedding_model,
        precision=precision,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
        device=device,
        shard_rows=shard_rows,
        executor=executor,
    )
    if options is not None and given != FeatureOptions():
        raise ProvenanceError(
            "give the feature settings either as `options` or as keywords, not both"
        )
    options = given if options is None else options
    wanted = parse_channels(channels)
    options = replace(options, progress=progress_enabled(options.progress))
    if any(registry.get(n).uses_embedding_model for n in wanted):
        check_device(options.device)  # a bad option is said before anything about the data
    _check_prompt_counts(corpus, wanted)
    executor, shard_rows = options.executor, options.shard_rows
    if shard_rows is None or executor is not None:
        from .executor import make_executor

        executor = make_executor(executor)
    if shard_rows is None:
        big = len(corpus.df) > AUTO_SHARD_OUTPUTS or executor.distributed
        shard_rows = DEFAULT_SHARD_ROWS if big else 0
    if shard_rows:
        from .shards import compute_sharded_features

        return compute_sharded_features(corpus, wanted, options, int(shard_rows), executor)
    return _in_memory(corpus, wanted, options)


def _in_memory(corpus: Corpus, wanted: list[str], options: FeatureOptions) -> Features:
    """Every channel's whole matrix, from the cache or fitted on the whole corpus."""
    store = FeatureCache(options.cache_dir if options.use_cache else False)
    matrices: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    lexical = None
    n_rows = len(corpus.df)
    for name in registry.computation_order(wanted):
        spec = registry.get(name)
        key = _cache_key(corpus, spec, options) if store.enabled else ""
        cached = store.load(name, key, n_rows=n_rows) if store.enabled else None
        if cached is not None:
            matrices[name], names[name] = cached
            log.info("features %s: %d x %d from the cache", name, n_rows, len(names[name]))
            log.debug("features %s: cache key %s", name, key)
            continue
        progress_stage(f"{spec.label}: {n_rows} outputs ...", options.progress)
        start = time.perf_counter()
        transformer = spec.make(options)
        matrix = transformer.fit_transform(transformer_input(corpus.df, spec))
        matrix = sp.csr_matrix(matrix, dtype=np.float64) if spec.sparse else np.asarray(matrix)
        if not spec.sparse and not spec.uses_embedding_model:  # vectors stay float32
            matrix = matrix.astype(np.float64)
        matrices[name] = matrix
        names[name] = [str(n) for n in transformer.get_feature_names_out()]
        if isinstance(transformer, LexicalFingerprint):  # the answers' fingerprint
            lexical = transformer
        store.save(name, key, matrix, names[name])
        log.info(
            "features %s: %d x %d computed in %.2f s%s", name, n_rows, len(names[name]),
            time.perf_counter() - start, "" if store.enabled else " (no cache)",
        )  # fmt: skip
        if not log.isEnabledFor(logging.INFO):  # said once: logged, else on the progress line
            progress_finished(spec.label, time.perf_counter() - start, options.progress)
    info = {"embedding_model": options.embedding_model, "precision": options.precision}
    matrices = {n: matrices[n] for n in wanted}  # in the order asked for
    names = {n: names[n] for n in wanted}
    return Features(corpus, matrices, names, lexical, info)


def as_features(
    data: Corpus | Features, channels: Sequence[str], options: FeatureOptions | None = None
) -> Features:
    """Features holding at least ``channels``, from a corpus or from features.

    Given :class:`Features`, the missing channels are computed and added to
    it (so the caller's object gains them too); given a :class:`Corpus`, all
    are computed (with the caches).

    Parameters
    ----------
    data : Corpus or Features
    channels : sequence of str
    options : FeatureOptions, optional
        How missing channels are computed (:func:`compute_features`).
    """
    options = options or FeatureOptions()
    if not isinstance(data, Features):
        return compute_features(data, list(channels), options)
    missing = [c for c in channels if c not in data.matrices]
    if missing:
        plan = getattr(data, "plan", None)
        if plan is not None:  # sharded: the missing channels in the same shards and folder
            options = replace(
                options,
                shard_rows=plan.shard_rows,
                cache_dir=data.cache_root,  # type: ignore[attr-defined]
                use_cache=True,
            )
        extra = compute_features(data.corpus, missing, options)
        absorb = getattr(data, "absorb", None)
        if absorb is not None and getattr(extra, "plan", None) is not None:
            absorb(extra)
        else:
            data.matrices.update(extra.matrices)
            data.names.update(extra.names)
    return data


def feature_tables(
    features: Features, channels: Sequence[str] | None = None
) -> Iterator[pd.DataFrame]:
    """:func:`features_table` in parts: one per shard for sharded features, else one.

    Sharded features (:class:`~detector.shards.ShardedFeatures`) are read one
    shard at a time, so memory stays bounded by the shard; their rows come
    grouped by shard (blocks of prompts in prompt-id order), not in corpus
    order.
    """
    plan = getattr(features, "plan", None)
    if plan is None:
        yield features_table(features, channels)
        return
    df = features.corpus.df
    names = list(channels or list(features.matrices))
    for b, rows in enumerate(plan.rows):
        parts = [df[["model", "prompt_id"]].iloc[rows].reset_index(drop=True)]
        for name in names:
            block = features.block(name, b)  # type: ignore[attr-defined]
            parts.append(registry.get(name).table(block, features.names[name]))
        yield pd.concat(parts, axis=1)


def features_table(features: Features, channels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per output: ``model``, ``prompt_id``, then each channel's columns.

    Each channel contributes the columns its spec's ``table`` gives: embedding
    dimensions ``emb_0 ... emb_{d-1}``, style features by name, identity
    columns prefixed ``id_``, and for the lexical channel the kept-term count
    (``lex_terms``) and distinct terms (``lex_distinct``) rather than thousands
    of sparse columns.
    """
    df = features.corpus.df
    parts = [df[["model", "prompt_id"]].reset_index(drop=True)]
    for name in channels or list(features.matrices):
        parts.append(registry.get(name).table(features.matrices[name], features.names[name]))
    return pd.concat(parts, axis=1)

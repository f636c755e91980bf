"""Evidence: per-channel, prompt-centred, length-controlled similarities between models.

:func:`build_evidence` turns a corpus's per-text features
(:mod:`detector.features`) into, for every channel, a
:class:`~detector.similarity.SimilarityTensor` of shape
(n_prompts, n_models, n_models) (or, for identity leaks, a model-level
profile). Everything downstream — scores, the lineage tree, the report —
reads affinities from an :class:`Evidence`:

- ``channel_affinity(name, w)``: mean similarity over prompts (weights ``w``
  for the bootstrap), standardized so that one unit is one standard deviation
  of the channel's between-model affinities;
- ``combined_affinity(w)``: the reliability-weighted mean of the channels.

How each channel's features are prepared and compared is stated in its spec
(:mod:`detector.channels`); see ``docs/method.md`` for the measured effect.

On every prompt the mean over the models that answered it is removed
(topic), then length and markdown covariates (log length, sentence and
paragraph counts, heading/bullet/numbered/bold/table/code rates) are
regressed out, so that two models that are merely brief or plain do not look
related.

Channel weights: a base weight per channel (its spec's ``base_weight``, chosen
by measurement on the dev corpus) times the channel's split-half reliability on
the corpus at hand (correlation of the affinity matrices from two random halves
of the prompts, Spearman-Brown corrected to full length), so a channel that
carries no consistent signal on a corpus gets no weight there.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import channels as registry
from .corpus import Corpus, normalize_prompt
from .errors import ProvenanceError
from .features import FeatureOptions, Features, as_features, parse_channels
from .similarity import SimilarityTensor, mean_over_prompts, prompt_centred_similarity
from .streaming import SPLIT_REPEATS, bootstrap_counts, split_halves, stream_by_default

log = logging.getLogger(__name__)

#: Affinities (SD units) spread less than this between pairs of models: the models'
#: outputs are indistinguishable (identical outputs give exactly 0), and neither a
#: score nor a tree can mean anything.
INDISTINGUISHABLE = 1e-9


@dataclass
class ShareProfile:
    """Model-level evidence from rare claims: the share of outputs making each claim.

    Used by "profile" channels (identity leaks: which vendor's model an
    output says it is), where a per-prompt comparison would be almost all
    zeros.

    Attributes
    ----------
    name : str
        Channel name.
    models, prompt_ids : list of str
    claims : numpy.ndarray, shape (n_prompts, n_models, n_claims)
        1 where that output makes that claim.
    mask : numpy.ndarray, shape (n_prompts, n_models), bool
    vendors : list of str
        The claims' names (for identity leaks, ``self_id:<vendor>``).
    """

    name: str
    models: list[str]
    prompt_ids: list[str]
    claims: np.ndarray
    mask: np.ndarray
    vendors: list[str]

    def shares(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Share of each model's outputs making each claim, shape (n_models, n_claims)."""
        w = np.ones(len(self.prompt_ids)) if weights is None else weights
        num = np.einsum("p,pmv->mv", w, self.claims)
        den = np.einsum("p,pm->m", w, self.mask.astype(np.float64))
        return num / np.maximum(den, 1e-12)[:, None]

    def affinity(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Overlap of claim shares, sum_v min(s_iv, s_jv), shape (n_models, n_models).

        In units of "share of outputs": two models that each claim to be an
        OpenAI model in 5% of their outputs overlap by 0.05; a single stray
        claim adds only 1/n_prompts, so one sentence cannot make a relation.
        """
        s = self.shares(weights)
        return np.minimum(s[:, None, :], s[None, :, :]).sum(axis=2)


IdentityProfile = ShareProfile  # the name before channels were registered


@dataclass
class Evidence:
    """Everything scoring, trees and reports need about how models resemble each other.

    Attributes
    ----------
    models, prompt_ids : list of str
    channels : dict of str to SimilarityTensor or ShareProfile
    scales : dict of str to (float, float)
        Per channel, mean and standard deviation of the full-sample
        between-model affinities (used to standardize).
    reliability : dict of str to float
        Split-half reliability of each channel's affinity matrix.
    weights : dict of str to float
        Combination weights (sum to 1).
    features : Features or None
        The per-text features the evidence was built from.
    draw_order : numpy.ndarray or None, shape (n_prompts,)
        Where each prompt stands when prompts are drawn at random (the split
        halves, the bootstrap): the rank of its text (:func:`content_order`),
        so the draws do not depend on how the ids are spelled; None: by
        position.
    """

    models: list[str]
    prompt_ids: list[str]
    channels: dict[str, Any]
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    reliability: dict[str, float] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    features: Features | None = None
    draw_order: np.ndarray | None = None

    @property
    def n_prompts(self) -> int:
        return len(self.prompt_ids)

    def index(self, names: list[str]) -> np.ndarray:
        pos = {m: i for i, m in enumerate(self.models)}
        return np.array([pos[n] for n in names], dtype=int)

    def shared_prompts(self) -> np.ndarray | None:
        """Prompts each pair of models both answered, shape (n_models, n_models), int64.

        From the first channel compared prompt by prompt over all outputs;
        None when every such channel is a model-level profile.
        """
        for name, channel in self.channels.items():
            if registry.get(name).coverage.masks_empty:  # over part of the outputs only
                continue
            shared = getattr(channel, "shared_counts", None)
            if shared is not None:
                return shared()
        return None

    def raw_affinity(self, name: str, weights: np.ndarray | None = None) -> np.ndarray:
        """Unstandardized affinity of one channel, shape (n_models, n_models)."""
        return self.channels[name].affinity(weights)

    def channel_affinity(self, name: str, weights: np.ndarray | None = None) -> np.ndarray:
        """Standardized affinity of one channel, shape (n_models, n_models)."""
        mean, sd = self.scales[name]
        return (self.raw_affinity(name, weights) - mean) / sd

    def combined_affinity(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Reliability-weighted mean of the standardized channel affinities."""
        total = np.zeros((len(self.models), len(self.models)))
        for name, w in self.weights.items():
            if w > 0:
                total += w * self.channel_affinity(name, weights)
        return total

    def bootstrap_affinities(
        self,
        prompt_weights: np.ndarray,
        rows: np.ndarray | None = None,
        channels: bool = True,
    ) -> dict[str, np.ndarray]:
        """Standardized affinities for many prompt resamplings at once.

        Parameters
        ----------
        prompt_weights : numpy.ndarray, shape (n_boot, n_prompts)
            Resampling counts per prompt.
        rows : numpy.ndarray of int, optional
            Model rows to compute (default all).
        channels : bool
            Return every channel's affinities too; False returns ``"combined"``
            alone and holds one channel's array at a time (at 500 models and
            200 resamplings each is 400 MB).

        Returns
        -------
        dict of str to numpy.ndarray, shape (n_boot, n_rows, n_models)
            Per channel (when ``channels``) plus ``"combined"``.
        """
        rows = np.arange(len(self.models)) if rows is None else rows
        out: dict[str, np.ndarray] = {}
        combined = np.zeros((len(prompt_weights), len(rows), len(self.models)))
        for ch in self.channels.values():  # streamed channels: one pass for all missing weights
            prepare = getattr(ch, "prepare_weights", None)
            if prepare is not None:
                prepare(prompt_weights)
        for name, ch in self.channels.items():
            mean, sd = self.scales[name]
            if hasattr(ch, "affinities"):  # streamed similarity (detector.streaming)
                raw = ch.affinities(prompt_weights, rows)
            elif isinstance(ch, SimilarityTensor):
                sims = np.where(ch.pair_mask, ch.sims, 0.0)[:, rows].astype(np.float64)
                mask = ch.pair_mask[:, rows].astype(np.float64)
                flat = sims.reshape(len(ch.prompt_ids), -1)
                num = prompt_weights @ flat
                den = prompt_weights @ mask.reshape(len(ch.prompt_ids), -1)
                raw = (num / np.maximum(den, 1e-12)).reshape(len(prompt_weights), len(rows), -1)
            else:
                raw = np.stack([ch.affinity(w)[rows] for w in prompt_weights])
            raw -= mean
            raw /= sd
            combined += self.weights.get(name, 0.0) * raw
            if channels:
                out[name] = raw
            del raw
        out["combined"] = combined
        return out


def _off_diagonal(a: np.ndarray, pairs: np.ndarray | None = None) -> np.ndarray:
    """Off-diagonal entries of a square matrix (only where ``pairs`` holds, when given)."""
    keep = ~np.eye(len(a), dtype=bool)
    return a[keep if pairs is None else keep & pairs]


def _pairs_with_data(channel: SimilarityTensor) -> np.ndarray:
    """Model pairs that share at least one prompt in a channel, shape (n_models, n_models)."""
    return np.asarray(channel.pair_mask.any(axis=0))


def _partial_channel(
    spec: registry.ChannelSpec,
    picked: Any,
    names: list[str],
    sub: Any,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    models: list[str],
    pids: list[str],
    kinds: dict[str, str],
) -> SimilarityTensor:
    """A channel over the outputs that have its source text (reasoning traces).

    Outputs without the text are left out, so the per-prompt pair mask only
    holds pairs where both have it; what is regressed out comes from the
    channel's own features (``spec.covariates``: a trace's length), not the
    answer's.
    """
    has = (sub[spec.source].fillna("").astype(str) != "").to_numpy() if spec.source in sub else None
    keep = np.flatnonzero(has) if has is not None else np.zeros(0, dtype=int)
    rows = picked[keep] if hasattr(picked, "tocsr") else np.asarray(picked)[keep]
    covariates = spec.covariates(rows, names) if spec.covariates and len(keep) else None
    return prompt_centred_similarity(
        spec.name,
        spec.prepare(rows, names),
        model_idx[keep],
        prompt_idx[keep],
        models,
        pids,
        covariates,
        kind=kinds.get(spec.name, spec.similarity),
    )


def split_half_reliability(
    channel: Any,
    n_prompts: int,
    seed: int = 0,
    repeats: int = SPLIT_REPEATS,
    pairs: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> float:
    """Spearman-Brown corrected split-half reliability of a channel's affinity matrix.

    The mean correlation over ``repeats`` random halves of the prompts
    (:data:`~detector.streaming.SPLIT_REPEATS`, 32: with 4, one draw of halves
    on 20 prompts could give a channel weight 0 or not, field case 27).
    ``pairs`` (n_models, n_models), when given, limits it to the model pairs
    that hold (those sharing some prompt in a channel of partial coverage).
    ``order``: the prompts' draw order (:attr:`Evidence.draw_order`).
    """
    values = []
    for half in split_halves(n_prompts, seed, repeats, order):
        a = _off_diagonal(channel.affinity(half.astype(float)), pairs)
        b = _off_diagonal(channel.affinity((~half).astype(float)), pairs)
        if len(a) < 2 or a.std() < 1e-12 or b.std() < 1e-12:
            values.append(0.0)
            continue
        values.append(float(np.corrcoef(a, b)[0, 1]))
    r = max(float(np.mean(values)), 0.0)
    return 2 * r / (1 + r)


def build_evidence(
    data: Corpus | Features,
    *,
    channels: str | Sequence[str] | None = None,
    models: list[str] | None = None,
    prompt_ids: list[str] | None = None,
    control_format: bool = True,
    fixed_weights: dict[str, float] | None = None,
    similarity: dict[str, str] | None = None,
    seed: int = 0,
    streaming: bool | None = None,
    n_bootstrap: int = 0,
    options: FeatureOptions | None = None,
) -> Evidence:
    """Build the per-channel similarity evidence for a set of models.

    Parameters
    ----------
    data : Corpus or Features
        A corpus (features are computed, using the caches) or precomputed
        features.
    channels : str or sequence of str, optional
        Channels to use; default the default channels of
        :data:`~detector.channels.REGISTRY`.
    models : list of str, optional
        Models to compare (default all in the corpus). The per-prompt mean
        that is removed is taken over these models.
    prompt_ids : list of str, optional
        Prompts to use (default all).
    control_format : bool
        Regress length and markdown covariates out of every channel.
    fixed_weights : dict, optional
        Channel weights to use instead of the reliability weights.
    similarity : dict, optional
        Per channel, the per-prompt similarity of two outputs: "distance"
        (how much nearer the two outputs are than the other models' outputs,
        in SDs) or "cosine" of the prompt-centred residuals; default each
        channel spec's ``similarity``.
    seed : int
        Seed of the split-half reliability estimate (and of the bootstrap
        counts prepared for streamed evidence).
    streaming : bool, optional
        Walk the prompts block by block instead of holding every channel's
        (n_prompts, n_models, n_models) tensor (:mod:`detector.streaming`):
        the same numbers to float rounding, memory bounded by the block.
        None (default): stream when the features are sharded or the tensors
        would exceed :data:`~detector.streaming.STREAM_CELLS` cells.
    n_bootstrap : int
        Bootstrap resamplings the caller will ask for with this ``seed``
        (:func:`bootstrap_counts`); streamed evidence prepares them in its
        one pass (others cost one more pass). Ignored in memory.
    options : FeatureOptions, optional
        How features are computed where ``data`` lacks them
        (:func:`~detector.features.compute_features`); its ``shard_rows``,
        ``executor`` and ``progress`` also drive streamed evidence.

    Returns
    -------
    Evidence
    """
    wanted = parse_channels(channels)
    covariate_channel = [registry.COVARIATE_CHANNEL] if control_format else []
    options = options or FeatureOptions()
    features = as_features(data, list(dict.fromkeys(wanted + covariate_channel)), options)
    corpus = features.corpus
    df = corpus.df
    models = corpus.models if models is None else list(models)
    corpus.check_models(models)
    keep = df["model"].isin(models).to_numpy().copy()
    if prompt_ids is not None:
        keep &= df["prompt_id"].isin(set(prompt_ids)).to_numpy()
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        raise ProvenanceError("no outputs left for the chosen models and prompts")
    # only the columns read below (a partial channel's source text), not every output's text
    sources = [registry.get(n).source for n in wanted if registry.get(n).coverage.masks_empty]
    sub = df[[c for c in dict.fromkeys(["model", "prompt_id", *sources]) if c in df]].iloc[rows]
    pids = sorted(sub["prompt_id"].unique().tolist())
    first = rows[~sub["prompt_id"].duplicated().to_numpy()]  # one row per prompt: its text
    texts = df[[c for c in ("prompt_id", "prompt") if c in df]].iloc[first]
    rank = {pid: k for k, pid in enumerate(content_order(texts))}
    order = np.array([rank[p] for p in pids], dtype=np.int64)
    model_idx = sub["model"].map({m: i for i, m in enumerate(models)}).to_numpy()
    prompt_idx = sub["prompt_id"].map({p: i for i, p in enumerate(pids)}).to_numpy()
    kinds = {
        n: "profile"
        if registry.get(n).similarity == "profile"
        else (similarity or {}).get(n, registry.get(n).similarity)
        for n in wanted
    }

    if streaming is None:
        streaming = getattr(features, "plan", None) is not None or stream_by_default(
            len(pids), len(models)
        )
    if streaming:
        # A channel over part of the outputs (reasoning traces) is small by nature:
        # it is built in memory beside the streamed ones.
        partial = {n: k for n, k in kinds.items() if registry.get(n).coverage.masks_empty}
        streamed = {n: k for n, k in kinds.items() if n not in partial}
        built = _streamed(
            features, streamed, models, pids, rows, model_idx, prompt_idx, control_format,
            seed, n_bootstrap, options, order,
        )  # fmt: skip
        if partial:
            built.update(
                _in_memory(features, partial, models, pids, rows, sub, model_idx, prompt_idx, False)
            )
    else:
        built = _in_memory(
            features, kinds, models, pids, rows, sub, model_idx, prompt_idx, control_format
        )
    evidence = Evidence(list(models), pids, built, features=features, draw_order=order)
    _weigh(evidence, seed, fixed_weights)
    log.info(
        "evidence: %d models x %d prompts, %s; weights %s (split-half reliability %s%s)",
        len(models), len(pids), "streamed block by block" if streaming else "in memory",
        ", ".join(f"{n} {w:.2f}" for n, w in evidence.weights.items()),
        ", ".join(f"{n} {r:.2f}" for n, r in evidence.reliability.items()),
        "; fixed weights given" if fixed_weights is not None else "",
    )  # fmt: skip
    log.debug("evidence channels: %s", kinds)
    return evidence


def _in_memory(
    features: Features,
    kinds: dict[str, str],
    models: list[str],
    pids: list[str],
    rows: np.ndarray,
    sub: Any,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    control_format: bool,
) -> dict[str, Any]:
    """Every channel's per-prompt tensor (or profile), held whole.

    ``sub`` is the corpus table's rows picked by ``rows`` (a partial channel
    reads its source column there).
    """
    covariates = None
    if control_format:
        name = registry.COVARIATE_CHANNEL
        matrix = np.asarray(features.matrices[name])[rows]
        covariates = registry.covariates(matrix, features.names[name])
    built: dict[str, Any] = {}
    for name, kind in kinds.items():
        spec = registry.get(name)
        matrix = features.matrices[name]
        picked = matrix[rows] if hasattr(matrix, "tocsr") else np.asarray(matrix)[rows]
        if spec.coverage.masks_empty:  # only the outputs that have the channel's text
            built[name] = _partial_channel(
                spec, picked, features.names[name], sub, model_idx, prompt_idx, models, pids, kinds
            )
            continue
        if kind == "profile":
            claims_rows, claim_names = spec.prepare(picked, features.names[name])
            claims = np.zeros((len(pids), len(models), claims_rows.shape[1]))
            mask = np.zeros((len(pids), len(models)), dtype=bool)
            claims[prompt_idx, model_idx] = claims_rows
            mask[prompt_idx, model_idx] = True
            built[name] = ShareProfile(name, list(models), pids, claims, mask, claim_names)
            continue
        built[name] = prompt_centred_similarity(
            name,
            spec.prepare(picked, features.names[name]),
            model_idx,
            prompt_idx,
            models,
            pids,
            covariates,
            kind=kind,
        )
    return built


def _streamed(
    features: Features,
    kinds: dict[str, str],
    models: list[str],
    pids: list[str],
    rows: np.ndarray,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    control_format: bool,
    seed: int,
    n_bootstrap: int,
    options: FeatureOptions,
    order: np.ndarray | None = None,
) -> dict[str, Any]:
    """The channels from sums accumulated over blocks of prompts (:mod:`detector.streaming`)."""
    from . import streaming as st
    from .executor import make_executor
    from .features import DEFAULT_SHARD_ROWS
    from .progress import enabled
    from .shards import ShardPlan

    n_rows = len(features.corpus.df)
    model_of_row = np.full(n_rows, -1, dtype=np.int64)
    prompt_of_row = np.full(n_rows, -1, dtype=np.int64)
    model_of_row[rows], prompt_of_row[rows] = model_idx, prompt_idx
    keep = model_of_row >= 0
    needed = list(dict.fromkeys([*kinds, registry.COVARIATE_CHANNEL] if control_format else kinds))
    plan = getattr(features, "plan", None)
    if plan is not None:
        sharded = [n for n in needed if n in features.keys]  # type: ignore[attr-defined]
        blocks = st.Blocks(
            plan.rows,
            features.store,  # type: ignore[attr-defined]
            {n: features.keys[n] for n in sharded},  # type: ignore[attr-defined]
            {n: features.hashes[n] for n in sharded},  # type: ignore[attr-defined]
            {n: features.matrices[n] for n in needed if n not in sharded},
        )
    else:
        block_rows = options.shard_rows or DEFAULT_SHARD_ROWS
        plan = ShardPlan.of(features.corpus.df, block_rows)
        blocks = st.Blocks(plan.rows, memory={n: features.matrices[n] for n in needed})
    setup = st.Setup(
        blocks,
        kinds,
        {n: features.names[n] for n in needed},
        len(models),
        control_format,
        device=options.device,
    )
    tasks = st.tasks_of(plan.rows, keep, model_of_row, prompt_of_row)
    return st.build_streamed_channels(
        setup,
        tasks,
        models,
        pids,
        seed=seed,
        n_bootstrap=n_bootstrap,
        executor=make_executor(options.executor),
        progress=enabled(options.progress),
        order=order,
    )


def content_order(df: Any) -> list[str]:
    """The prompt ids of ``df``, ordered by their prompt's text (its hash), not their spelling.

    Drawn in this order (:attr:`Evidence.draw_order`), the split halves of
    the reliability weights and the bootstrap counts depend on what the
    prompts are, not on how their ids are spelled: the same outputs with and
    without a ``prompt_id`` column give the same numbers (field case 27).
    Prompts without text are ordered by their id, after a hash too.
    """
    first = df.drop_duplicates("prompt_id")
    texts = first["prompt"].fillna("").astype(str) if "prompt" in first else None

    def key(pid: str, text: str) -> tuple[str, str]:
        content = normalize_prompt(text) if text.strip() else f"\x00id:{pid}"
        return hashlib.sha1(content.encode("utf-8", "surrogatepass")).hexdigest(), str(pid)

    ids = first["prompt_id"].astype(str).tolist()
    text = texts.tolist() if texts is not None else [""] * len(ids)
    return [pid for pid, _ in sorted(zip(ids, text, strict=True), key=lambda p: key(*p))]


def zero_weight_notes(evidence: Evidence) -> list[str]:
    """One line per channel that should count but got weight 0 from its reliability.

    A channel without any spread here (no identity leak in any output) is
    not named: it has nothing to weigh, and the score table says so.
    """
    notes = []
    for name, weight in evidence.weights.items():
        spec = registry.get(name)
        if weight != 0 or spec.base_weight <= 0:
            continue
        channel = evidence.channels[name]
        pairs = _pairs_with_data(channel) if spec.coverage.masks_empty else None
        off = _off_diagonal(channel.affinity(), pairs)
        if len(off) > 1 and float(off.std()) > 1e-12:
            notes.append(
                f"the {spec.label} channel has weight 0: its similarities did not repeat "
                f"between random halves of the {evidence.n_prompts} prompts (split-half "
                "reliability 0), so the score rests on the other channels; more prompts "
                "would let it count"
            )
    return notes


def _weigh(evidence: Evidence, seed: int, fixed_weights: dict[str, float] | None) -> None:
    """Scales, split-half reliabilities and combination weights of the channels."""
    built = evidence.channels
    for name, ch in built.items():
        pairs = _pairs_with_data(ch) if registry.get(name).coverage.masks_empty else None
        off = _off_diagonal(ch.affinity(), pairs)
        sd = float(off.std()) if len(off) else 0.0
        evidence.scales[name] = (float(off.mean()) if len(off) else 0.0, sd if sd > 1e-12 else 1.0)
        evidence.reliability[name] = split_half_reliability(
            ch, evidence.n_prompts, seed=seed, pairs=pairs, order=evidence.draw_order
        )
    if fixed_weights is not None:
        raw = {n: float(fixed_weights.get(n, 0.0)) for n in built}
    else:
        if not any(registry.get(n).base_weight > 0 for n in built):
            raise ProvenanceError(
                f"{', '.join(built)} is reported beside the score, not combined into it; add a "
                f"channel that is ({', '.join(registry.default_channels())}) to `channels`"
            )
        raw = {n: registry.get(n).base_weight * r for n, r in evidence.reliability.items()}
    total = sum(raw.values())
    evidence.weights = {n: (w / total if total > 0 else 1 / len(raw)) for n, w in raw.items()}


__all__ = [
    "INDISTINGUISHABLE",
    "Evidence",
    "bootstrap_counts",
    "IdentityProfile",
    "ShareProfile",
    "build_evidence",
    "content_order",
    "mean_over_prompts",
    "zero_weight_notes",
    "split_half_reliability",
]

"""Attribution transfer as evidence of distillation.

A classifier that has never seen the suspect's outputs classifies them; if
the suspect learned from candidate T, its texts go to T more often than texts
of models unrelated to T do. See :func:`attribution_transfer` for the design
of the null.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..corpus import Corpus
from ..errors import ProvenanceError
from ..features import FeatureOptions, Features
from ..progress import enabled as progress_enabled
from ..resolve import as_corpus
from ..results import Result
from .design import (
    build_blocks,
    channel_matrices,
    design_matrix,
    parse_attribution_channels,
    select_rows,
)
from .folds import grouped_folds, one_blas_thread
from .model import AttributionClassifier

__all__ = [
    "MIN_REFERENCE",
    "TransferResult",
    "attribution_shares",
    "attribution_transfer",
    "attribution_z",
]

MIN_REFERENCE = 4


@dataclass
class TransferResult(Result):
    """Attribution transfer: how often unseen models' outputs are attributed to each candidate.

    Attributes
    ----------
    suspects, candidates, reference : list of str
    shares : pandas.DataFrame, shape (n_suspects + n_reference, n_candidates)
        Share of each model's outputs attributed to each candidate (the model
        itself never a class of the classifier that judged it).
    null_center, null_spread : pandas.Series, index candidates
        On the arcsine-square-root scale ``a(p) = arcsin(sqrt(p))``: median of
        the reference models' ``a(share)`` and their spread, max(1.4826 * MAD,
        SD / 2) (the floor keeps the spread from collapsing when most
        reference models give a candidate no output at all).
    z : pandas.DataFrame, shape (n_suspects, n_candidates)
        ``(a(share) - centre) / sqrt(spread**2 + 1 / (4 n))``, ``n`` the
        suspect's number of judged outputs (``1 / (4 n)`` is the binomial
        variance of ``a`` of its own share); a suspect listed among the
        reference models is left out of its own null.
    n_texts : dict of str to int
    method : str
    """

    suspects: list[str]
    candidates: list[str]
    reference: list[str]
    shares: pd.DataFrame
    null_center: pd.Series
    null_spread: pd.Series
    z: pd.DataFrame
    n_texts: dict[str, int]
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "suspects": self.suspects,
            "candidates": self.candidates,
            "reference": self.reference,
            "shares": {m: row.to_dict() for m, row in self.shares.iterrows()},
            "null_center": self.null_center.to_dict(),
            "null_spread": self.null_spread.to_dict(),
            "z": {m: row.to_dict() for m, row in self.z.iterrows()},
            "n_texts": self.n_texts,
            "method": self.method,
        }

    def to_text(self) -> str:
        lines = [self.method, ""]
        for s in self.suspects:
            lines.append(f"{s} ({self.n_texts[s]} outputs):")
            order = self.z.loc[s].sort_values(ascending=False).index
            for c in order:
                lines.append(
                    f"  {c:<28} share {self.shares.loc[s, c]:6.1%}   unrelated models "
                    f"{self.null_center[c]:6.1%} +- {self.null_spread[c]:.1%}   "
                    f"z {self.z.loc[s, c]:6.2f}"
                )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.method)}</p>" + self.z.round(2).to_html()


@one_blas_thread
def attribution_transfer(
    data: Corpus | Features,
    suspects: str | Sequence[str],
    candidates: Sequence[str],
    reference: Sequence[str] | None = None,
    *,
    channels: str | Sequence[str] | None = None,
    seed: int = 0,
    C: float | dict[str, float] | None = None,
    n_folds: int = 3,
    n_jobs: int | None = None,
    options: FeatureOptions | None = None,
) -> TransferResult:
    """Is a suspect's output attributed to a candidate more than unrelated models' outputs are?

    Design of the null. The suspect is never a class: a classifier trained on
    the candidates (and some reference models) judges its outputs. Its share
    for candidate T is compared with the share T receives from reference
    models judged the same way, i.e. *also not classes*. So that every
    reference model is in the null and the classifier still has non-candidate
    classes to send unlike texts to, the reference models are split at random
    (``seed``) into two halves: classifier A is trained on the candidates plus
    half 2 and judges the suspects and half 1, classifier B the reverse. Each
    is trained on half the prompts and judges outputs on the other half (and
    vice versa), so no output is judged by a classifier that saw its prompt.
    The suspect's share is the mean over A and B. Shares are compared on the
    variance-stabilizing arcsine-square-root scale: the null per candidate is
    the median and spread of the reference models' values, and the z adds
    the binomial noise of the suspect's own share (see :class:`TransferResult`).
    Four classifier fits in all, whatever the number of suspects, so many
    suspects are best judged in one call. A suspect may also be listed among
    the reference models (to screen every model at once): it is then judged
    only by the classifier whose classes it is not in, and left out of its own
    null.

    Reference models should be unrelated to the candidates: a reference model
    that is itself a student of T inflates the null (conservative). They
    should also resemble the suspect in everything but the relation: on the
    development corpus, models fine-tuned on human data from LLaMA-1 are sent
    to the older OpenAI models far more often than modern open chat models
    are (z 3.7-7.2 against such a null; ``benchmarks/results/attribution.md``),
    which is a difference of era and format, not of teacher.

    Parameters
    ----------
    data : Corpus or Features
    suspects : str or sequence of str
        Model(s) under suspicion (never classes).
    candidates : sequence of str
        Possible teachers.
    reference : sequence of str, optional
        Models unrelated to the candidates; default every other model. At
        least :data:`MIN_REFERENCE`.
    channels : str or sequence of str, optional
        Classifier channels (default :data:`~detector.attribution.DEFAULT_CHANNELS`).
    seed : int
        Seed of the reference and prompt halves.
    C : float or dict, optional
        SVM regularization (see :func:`~detector.attribution.train`).
    n_folds : int
        Prompt-grouped folds inside each classifier's training half (for its combiner).
    n_jobs : int, optional
        Worker processes for each classifier's fits.
    options : FeatureOptions, optional
        As in :func:`~detector.attribution.train`.

    Returns
    -------
    TransferResult
    """
    options = options or FeatureOptions()
    options = replace(options, progress=progress_enabled(options.progress))
    suspects = [suspects] if isinstance(suspects, str) else list(suspects)
    candidates = list(candidates)
    reference = _check_roles(as_corpus(data), suspects, candidates, reference)
    chans = parse_attribution_channels(channels)
    outside = [s for s in suspects if s not in set(reference)]  # judged by both classifiers
    judged_all = outside + reference
    X, model, prompt, blocks_spec = _design(data, chans, outside, candidates, reference, options)

    def classifier() -> AttributionClassifier:
        return AttributionClassifier(blocks_spec, C=C, n_folds=n_folds, seed=seed, n_jobs=n_jobs)

    hits, judged = _judge(
        classifier, X, model, prompt, outside, candidates, reference, seed, bool(options.progress)
    )
    share_rows = {m: hits[m] / max(judged[m], 1) for m in judged_all}
    shares = pd.DataFrame(share_rows, index=candidates).T
    center, spread = _null(shares, reference)
    method = (
        f"attribution transfer ({', '.join(chans)}): {len(candidates)} candidates, "
        f"{len(reference)} reference models in two halves, prompts in two halves, seed {seed}"
    )
    return TransferResult(
        suspects=suspects,
        candidates=candidates,
        reference=reference,
        shares=shares,
        null_center=center,
        null_spread=spread,
        z=_z(shares, suspects, reference, judged).reindex(columns=candidates),
        n_texts={m: int((model == m).sum()) for m in judged_all},
        method=method,
    )


def _design(
    data: Corpus | Features,
    chans: list[str],
    outside: list[str],
    candidates: list[str],
    reference: list[str],
    options: FeatureOptions,
) -> tuple[Any, np.ndarray, np.ndarray, tuple[tuple[str, int], ...]]:
    """Design matrix, model and prompt of every output of the judged and class models, and
    the (channel, width) blocks of the matrix."""
    corpus, matrices, names = channel_matrices(data, chans, options)
    rows = select_rows(corpus, outside + candidates + reference)
    df = corpus.df.iloc[rows]
    model = df["model"].astype(str).to_numpy()
    # the vocabulary from the classes' outputs only, so that the classifiers (and
    # the null) do not depend on which suspects are judged alongside
    blocks, _ = build_blocks(
        corpus,
        rows,
        chans,
        matrices,
        names,
        vocabulary=None,
        options=options,
        vocabulary_rows=np.isin(model, candidates + reference),
    )
    widths = tuple((c, int(blocks[c].shape[1])) for c in chans)
    return design_matrix(blocks), model, df["prompt_id"].astype(str).to_numpy(), widths


def _check_roles(
    corpus: Corpus,
    suspects: list[str],
    candidates: list[str],
    reference: Sequence[str] | None,
) -> list[str]:
    """Check the roles of a transfer and return the reference models (default: the rest)."""
    corpus.check_models(suspects, "suspect")
    corpus.check_models(candidates, "candidate")
    if not candidates:
        raise ProvenanceError("no candidates given; name at least one")
    overlap = sorted(set(suspects) & set(candidates))
    if overlap:
        raise ProvenanceError(f"{', '.join(overlap)} cannot be both suspect and candidate")
    if reference is None:
        reference = [m for m in corpus.models if m not in set(suspects) | set(candidates)]
    reference = list(dict.fromkeys(reference))
    corpus.check_models(reference, "reference model")
    overlap = sorted(set(reference) & set(candidates))
    if overlap:
        raise ProvenanceError(f"{', '.join(overlap)} cannot be both reference and candidate")
    fewest = min(len(set(reference) - {s}) for s in suspects) if suspects else len(reference)
    if fewest < MIN_REFERENCE:
        raise ProvenanceError(
            f"attribution transfer needs at least {MIN_REFERENCE} reference models "
            f"unrelated to the candidates (besides the suspect), got {fewest}"
        )
    return reference


def _judge(
    classifier: Any,
    X: Any,
    model: np.ndarray,
    prompt: np.ndarray,
    outside: list[str],
    candidates: list[str],
    reference: list[str],
    seed: int,
    progress: bool,
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The four classifiers: per judged model, outputs sent to each candidate, and outputs judged."""
    prompt_folds = grouped_folds(prompt, 2, seed)
    fold = np.zeros(len(model), dtype=np.int64)
    fold[prompt_folds[1]] = 1
    rng = np.random.default_rng(seed)
    shuffled = [reference[i] for i in rng.permutation(len(reference))]
    halves = [shuffled[: (len(shuffled) + 1) // 2], shuffled[(len(shuffled) + 1) // 2 :]]
    cand_idx = {c: i for i, c in enumerate(candidates)}
    hits = {m: np.zeros(len(candidates)) for m in outside + reference}
    judged = {m: 0 for m in outside + reference}
    for h in range(2):
        held_out, classes = halves[h], candidates + halves[1 - h]
        judged_models = set(outside) | set(held_out)
        for f in range(2):
            train_rows = np.flatnonzero(np.isin(model, classes) & (fold != f))
            test_rows = np.flatnonzero(np.isin(model, list(judged_models)) & (fold == f))
            if progress:
                print(
                    f"transfer: classifier {2 * h + f + 1}/4 on {len(train_rows)} outputs ...",
                    file=sys.stderr,
                    flush=True,
                )
            est = classifier()
            est.fit(X[train_rows], model[train_rows], groups=prompt[train_rows])
            pred = est.predict(X[test_rows])
            for m in judged_models:
                sel = model[test_rows] == m
                judged[m] += int(sel.sum())
                for p in pred[sel]:
                    if p in cand_idx:
                        hits[m][cand_idx[p]] += 1
    return hits, judged


def _z(
    shares: pd.DataFrame, suspects: list[str], reference: list[str], judged: dict[str, int]
) -> pd.DataFrame:
    """Each suspect's z per candidate against the reference models other than itself."""
    z_rows = {}
    for s in suspects:
        c_s, sd_s = _null(shares, [r for r in reference if r != s])
        n = max(judged[s], 1)
        value = np.arcsin(np.sqrt(shares.loc[s]))
        z_rows[s] = (value - c_s) / np.sqrt(sd_s**2 + 1.0 / (4 * n))
    return pd.DataFrame(z_rows).T


def _null(shares: pd.DataFrame, members: list[str]) -> tuple[pd.Series, pd.Series]:
    """Centre and between-model spread of the null on the arcsine-sqrt scale."""
    null = np.arcsin(np.sqrt(shares.loc[members]))
    center = null.median(axis=0)
    mad = 1.4826 * (null - center).abs().median(axis=0)
    return center, np.maximum(mad, 0.5 * null.std(axis=0, ddof=1))


def attribution_shares(
    data: Corpus | Features,
    suspect: str,
    candidates: Sequence[str],
    reference: Sequence[str] | None = None,
    *,
    seed: int = 0,
    **kwargs: Any,
) -> pd.Series:
    """Share of the suspect's outputs attributed to each candidate (index: candidates).

    See :func:`attribution_transfer` for the classifiers; ``kwargs`` go to it.
    """
    result = attribution_transfer(data, suspect, candidates, reference, seed=seed, **kwargs)
    return result.shares.loc[suspect].rename(suspect)


def attribution_z(
    data: Corpus | Features,
    suspect: str,
    candidates: Sequence[str],
    reference: Sequence[str] | None = None,
    *,
    seed: int = 0,
    **kwargs: Any,
) -> dict[str, float]:
    """Calibrated z of each candidate's share of the suspect's outputs (candidate -> z).

    Comparable with the other evidence channels' z-scores in
    :func:`~detector.scoring.score`: about N(0, 1) for a candidate the suspect
    did not learn from. See :func:`attribution_transfer`.
    """
    result = attribution_transfer(data, suspect, candidates, reference, seed=seed, **kwargs)
    return {c: float(v) for c, v in result.z.loc[suspect].items()}

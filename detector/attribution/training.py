"""Training an attribution classifier on a corpus, evaluated on held-out prompts."""

from __future__ import annotations

import logging
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from .. import channels as registry
from ..corpus import Corpus
from ..errors import ProvenanceError
from ..features import FeatureOptions, Features
from ..ngrams import LEXICAL_VERSION, NGRAM_RANGE
from ..params import check_int, check_seed
from ..progress import enabled as progress_enabled
from . import openset
from .checks import FORMAT, FORMAT_VERSION
from .design import (
    build_blocks,
    channel_matrices,
    check_embedding_dims,
    design_matrix,
    embedding_identity,
    given_features,
    own_terms_channel,
    parse_attribution_channels,
    select_rows,
)
from .evaluation import Evaluation, evaluate
from .folds import one_blas_thread
from .model import AttributionClassifier

__all__ = ["train"]


def _versions() -> dict[str, str]:
    import scipy
    import sklearn
    import skops

    from .._version import __version__

    return {
        "provenance": __version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


def _metadata(
    clf: AttributionClassifier,
    corpus: Corpus,
    chans: list[str],
    block_names: dict[str, list[str]],
    embedding: dict[str, Any] | None,
    y: np.ndarray,
    groups: np.ndarray,
    evaluation: Evaluation,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """What a saved classifier says about itself (``metadata_``)."""
    terms_channel = own_terms_channel(chans)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "models": clf.models,
        "channels": chans,
        "embedding_model": embedding,
    }
    if terms_channel is not None:
        meta[terms_channel] = {
            "version": LEXICAL_VERSION,
            "ngram_range": list(NGRAM_RANGE),
            "n_terms": len(clf.terms_),
        }
    for c in chans:
        spec = registry.get(c)
        if not registry.attribution_use(c).own_terms and not spec.uses_embedding_model:
            meta[f"{c}_features"] = len(block_names.get(c, []))
    meta.update(
        {
            "training_corpus": {
                "source": corpus.source,
                "hash": corpus.subset(models=sorted(set(y))).content_hash(),
                "n_texts": int(len(y)),
                "n_prompts": int(pd.Series(groups).nunique()),
            },
            "params": {
                "C": {c: clf._channel_C(c) for c in chans},
                "estimator": settings["estimator"],
                "seed": settings["seed"],
            },
            "cv": {
                "n_folds": settings["n_folds"],
                "accuracy": evaluation.accuracy,
                "ece": evaluation.ece,
            },
            "open_set": settings["open_set"],
            "versions": _versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    )
    return meta


def _abstain_evaluation(evaluation: Evaluation, clf: AttributionClassifier, y: np.ndarray) -> None:
    """Add the open-set settings' effect on the held-out texts to the evaluation."""
    settings = clf.metadata_["open_set"]
    rule = openset.OpenSet(settings, clf.models)
    kept = ~rule.abstain(clf.oof_proba_)
    right = clf.classes_[np.argmax(clf.oof_proba_, axis=1)] == y
    evaluation.abstain_thresholds = {c: round(t, 4) for c, t in rule.thresholds.items()}
    evaluation.abstain_coverage = float(settings["coverage"])
    evaluation.attributed = float(kept.mean())
    evaluation.accuracy_attributed = float(right[kept].mean()) if kept.any() else None


@one_blas_thread
def train(
    data: Corpus | Features,
    models: Sequence[str] | None = None,
    channels: str | Sequence[str] | None = None,
    *,
    seed: int = 0,
    n_folds: int = 5,
    C: float | dict[str, float] | None = None,
    estimator: str = "svm",
    n_jobs: int | None = None,
    options: FeatureOptions | None = None,
    top_features: int = 8,
    coverage: float = openset.DEFAULT_COVERAGE,
) -> tuple[AttributionClassifier, Evaluation]:
    """Train an attribution classifier and evaluate it on held-out prompts.

    Parameters
    ----------
    data : Corpus or Features
        Outputs of the models to tell apart (features are computed and cached
        as needed).
    models : sequence of str, optional
        The classes; default every model of the corpus.
    channels : str or sequence of str, optional
        Subset of :data:`~detector.attribution.ATTRIBUTION_CHANNELS`
        (comma-separated text or list); default
        :data:`~detector.attribution.DEFAULT_CHANNELS`.
    seed : int
        Seed of the fold assignment and of the k-text evaluation sets.
    n_folds : int
        Prompt-grouped folds for the combiner and the evaluation.
    C : float or dict, optional
        SVM regularization, for all channels or per channel (default
        :data:`~detector.attribution.CHANNEL_C`).
    estimator : str
        Per-channel learner (see :class:`~detector.attribution.AttributionClassifier`).
    n_jobs : int, optional
        Worker processes for the independent fits (default 1).
    options : FeatureOptions, optional
        How the channel features are computed (embedding model, precision,
        caches, progress; :func:`~detector.features.compute_features`).
    top_features : int
        Readable features reported per model.
    coverage : float
        Share of held-out texts of the classes that :func:`~detector.attribution.attribute`
        keeps attributing; below the matching threshold it answers "unknown"
        (:mod:`detector.attribution.openset`). 1 never abstains.

    Returns
    -------
    (AttributionClassifier, Evaluation)

    Raises
    ------
    ProvenanceError
        Unknown model or channel, fewer than two models, a model with outputs
        on fewer prompts than folds, or a coverage outside (0, 1].
    """
    seed, n_folds = check_seed(seed), check_int(n_folds, "n_folds", 2)
    n_jobs = None if n_jobs is None else check_int(n_jobs, "n_jobs", 1)
    options = options or FeatureOptions()
    options = replace(options, progress=progress_enabled(options.progress))
    t0 = time.perf_counter()
    openset.check_coverage(coverage)
    chans = parse_attribution_channels(channels)
    given = given_features(data)
    provided = set(given.matrices) if given is not None else set()
    corpus, matrices, names = channel_matrices(data, chans, options)
    rows = select_rows(corpus, models)
    df = corpus.df.iloc[rows]
    if df["model"].nunique() < 2:
        raise ProvenanceError("attribution needs outputs of at least two models; name more")
    blocks, block_names = build_blocks(
        corpus,
        rows,
        chans,
        matrices,
        names,
        vocabulary=None,
        options=options,
    )
    X = design_matrix(blocks)
    y = df["model"].astype(str).to_numpy()
    groups = df["prompt_id"].astype(str).to_numpy()
    clf = AttributionClassifier(
        blocks=tuple((c, int(blocks[c].shape[1])) for c in chans),
        C=C,
        n_folds=n_folds,
        seed=seed,
        estimator=estimator,
        n_jobs=n_jobs,
    )
    if options.progress:
        print(f"training on {len(y)} outputs of {len(set(y))} models ({n_folds} folds + final "
              "fit) ...", file=sys.stderr, flush=True)  # fmt: skip
    clf.fit(X, y, groups=groups)
    terms_channel = own_terms_channel(chans)
    clf.terms_ = block_names.get(terms_channel, []) if terms_channel else []
    clf.feature_names_ = block_names
    embedding = embedding_identity(given, provided, chans, options.embedding_model)
    check_embedding_dims(embedding, blocks)
    fit_seconds = time.perf_counter() - t0
    evaluation = evaluate(clf, X, y, groups, block_names, seed, fit_seconds, top_features)
    settings = {
        "estimator": estimator,
        "seed": seed,
        "n_folds": n_folds,
        "open_set": openset.calibrate(clf.oof_proba_, clf.models, coverage),
    }
    clf.metadata_ = _metadata(
        clf, corpus, chans, block_names, embedding, y, groups, evaluation, settings
    )
    _abstain_evaluation(evaluation, clf, y)
    logging.getLogger(__name__).info(
        "train: %d models, channels %s, %d texts, %d folds; estimator %s",
        len(clf.models), ", ".join(chans), len(y), n_folds, estimator,
    )  # fmt: skip
    return clf, evaluation

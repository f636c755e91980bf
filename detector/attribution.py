"""Attribution classifiers: which model wrote a text?

:func:`train` fits a classifier that names the model behind a text from its
channel features; :func:`attribute` applies a saved one to new outputs, and
:func:`attribution_transfer` turns it into evidence of distillation.

Channels (``channels=``; default :data:`DEFAULT_CHANNELS`):

============  ==========================================================================
``lexical``   counts of word, number, punctuation and line-break n-grams (1-3) of the raw
              output, a start-of-text token included, so "§ Certainly !" (the first
              words) and "¶ * *" (a line opening in bold) are terms. Unlike the
              lexical *evidence* channel (:mod:`detector.lexical`), prompt words and names
              are kept: the classifier never sees a test prompt, so topic words cannot
              help it, and its vocabulary is stored with it so new corpora are counted
              over the same terms. Binarized, TF-IDF weighted, rows unit length.
``style``     the 81 stylometric features (:mod:`detector.stylometry`), arcsinh, then
              centred and scaled to unit variance.
``embedding`` sentence embeddings (:mod:`detector.embeddings`), centred and scaled.
``identity``  self-identification and vendor-mention counts (:mod:`detector.identity`).
============  ==========================================================================

Each channel gets its own one-vs-rest linear SVM (:class:`sklearn.svm.LinearSVC`)
and a multinomial logistic regression, the *combiner*, maps the channels' scores to
probabilities (stacking). Chosen by prompt-grouped 5-fold cross-validation on the
development corpus (``benchmarks/results/attribution.md``; 5-way task among
gpt4_1106_preview, claude-2, gemini-pro, mistral-medium and Meta-Llama-3-70B-Instruct):
LinearSVC 83.3% per text (lexical + style) against 82.9% for logistic regression and
78.2% for SGD; gradient boosting on the style features reaches 70.7% against 64.0% for
the SVM but nothing once the lexical channel is in. Logistic regression for the dense
channels is as good on 5 models but 0.5 points worse and less well calibrated on 42.
One SVM over all blocks stacked side by side did worse than the lexical channel alone
(78% against 83%). The lexical channel carries nearly all the signal; style, identity
and MiniLM embeddings add 0.1-0.3 points. The first words of a response are among the
strongest features ("[start] Here" for claude-2, "[start] 1 ." for gemini-pro), through
the start token. Character n-grams as a third channel added 0.3 points (5-way) at 4x the
lexical channel's fitting time and were not kept; TF-IDF of raw or sublinear counts did
worse than binarized counts (see the benchmark).

**No prompt in both a training and a test fold.** :func:`grouped_folds` assigns every
prompt, with all its outputs, to one fold. Evaluation is on out-of-fold predictions.
The lexical vocabulary is chosen on the whole training corpus without labels (terms in
>= 3 outputs); a term seen only in a test fold has an all-zero column in training and
so no weight, and its IDF is computed on the training folds.

**Calibrated probabilities.** The combiner is fitted on out-of-fold SVM scores of those
same folds (as ``CalibratedClassifierCV(ensemble=False)`` with prompt-grouped folds),
then the SVMs are refitted on everything. The evaluation's probabilities are
cross-fitted: fold k's scores go through a combiner fitted on the other folds' scores.
Expected calibration error on the development corpus: 0.02 (5-way), 0.006 (42-way).

**Persistence.** :func:`save_classifier` writes a ``skops`` archive (no pickle) holding
plain data, scikit-learn estimators and this module's :class:`BlockScaler` only;
:func:`load_classifier` checks the types in the file against :data:`TRUSTED_TYPES`
before anything is built, so a file cannot run code.
The metadata (models, channels, embedding model and its weight fingerprint, library
versions, hash of the training corpus) travels inside.

**Transfer as evidence** (:func:`attribution_transfer`): a classifier that has never
seen the suspect's outputs classifies them; if the suspect learned from candidate T,
its texts go to T more often than texts of models unrelated to T do. See that function
for the design of the null.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import sys
import time
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .corpus import Corpus
from .errors import ProvenanceError
from .features import Features, compute_features, parse_channels

__all__ = [
    "ATTRIBUTION_CHANNELS",
    "DEFAULT_CHANNELS",
    "AttributionClassifier",
    "AttributionResult",
    "BlockScaler",
    "Evaluation",
    "TransferResult",
    "attribute",
    "attribution_shares",
    "attribution_transfer",
    "attribution_z",
    "confusion_figure",
    "grouped_folds",
    "lexical_counts",
    "load_classifier",
    "mark_text",
    "save_classifier",
    "train",
]

ATTRIBUTION_CHANNELS = ("lexical", "style", "embedding", "identity")
DEFAULT_CHANNELS = ("lexical", "style")
#: Regularization of each channel's SVM (larger = weaker); chosen by grouped CV.
CHANNEL_C = {"lexical": 1.0, "style": 0.1, "embedding": 0.1, "identity": 0.1}
#: Per-channel learners compared in the benchmark; "svm" is the default.
ESTIMATORS = ("svm", "auto", "logreg", "sgd", "hgb")
#: Passes of liblinear's dual coordinate descent over the data per SVM (and its
#: stopping tolerance). The SVMs are stopped early on purpose: on the development
#: corpus (42 models, prompt-grouped 5-fold CV, lexical + style) 10 passes give
#: 34.5% held-out accuracy against 34.4% run to ``tol`` 1e-2 (lexical) and 1e-3
#: (style), and cut training from 277 s to 152 s in one process (177 s to 97 s with
#: two); 5-way 83.3% against 83.4%. 5 passes of the lexical SVM lose 0.8 points
#: (42-way). The time is in liblinear (90%): one SVM per class, 42 classes.
SVM_MAX_ITER = 10
SVM_TOL = 1e-1
KS = (1, 5, 10)
MIN_REFERENCE = 4

FORMAT = "provenance-attribution-classifier"
FORMAT_VERSION = 1
#: Every type a saved classifier may contain; anything else refuses to load.
TRUSTED_TYPES = [
    "detector.attribution.BlockScaler",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
]

# ------------------------------------------------------------------ lexical terms
START = "\u00a7"  # section sign: the start of an output
LINE = "\u00b6"  # pilcrow: a line break
#: Words (inner apostrophes kept), digit runs, and single punctuation marks (the
#: start and line-break markers among them).
TOKEN_PATTERN = r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+|[^\w\s]|_"
NGRAM_RANGE = (1, 3)
MIN_DF = 3
MAX_TERMS = 200_000
LEXICAL_VERSION = "1"


def mark_text(text: str) -> str:
    """The output as the lexical channel tokenizes it: a start marker, line breaks as tokens.

    Curly apostrophes become straight ones; marker characters already in the text
    are blanked so they cannot be confused with the markers.
    """
    t = str(text).replace("\u2019", "'").replace(START, " ").replace(LINE, " ")
    return f"{START} " + t.replace("\n", f" {LINE} ")


def _vectorizer(vocabulary: Sequence[str] | None = None) -> CountVectorizer:
    return CountVectorizer(
        token_pattern=TOKEN_PATTERN,
        lowercase=False,
        ngram_range=NGRAM_RANGE,
        min_df=MIN_DF if vocabulary is None else 1,
        max_features=MAX_TERMS if vocabulary is None else None,
        vocabulary=None if vocabulary is None else list(vocabulary),
        dtype=np.float32,
    )


def _vocab_hash(terms: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(terms).encode("utf-8")).hexdigest()[:16]


def lexical_counts(
    corpus: Corpus,
    vocabulary: Sequence[str] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool = False,
) -> tuple[sp.csr_matrix, list[str]]:
    """Counts of the lexical channel's n-grams in every output, cached on disk.

    Parameters
    ----------
    corpus : Corpus
    vocabulary : sequence of str, optional
        Count these terms (a trained classifier's); default: learn the
        vocabulary from this corpus (terms in at least :data:`MIN_DF` outputs,
        the :data:`MAX_TERMS` most frequent).
    cache_dir : path, optional
        Cache location (as in :func:`~detector.features.compute_features`).
    use_cache : bool
    progress : bool
        Say on stderr when counting (it takes about 2 minutes for 34,000 outputs).

    Returns
    -------
    counts : scipy.sparse.csr_matrix of float32, shape (n_outputs, n_terms)
        Rows aligned with ``corpus.df``.
    terms : list of str
        Space-joined n-grams, in column order.
    """
    from .cache import FeatureCache, content_key

    params = {
        "version": LEXICAL_VERSION,
        "ngram_range": list(NGRAM_RANGE),
        "min_df": MIN_DF,
        "max_terms": MAX_TERMS,
        "vocabulary": None if vocabulary is None else _vocab_hash(vocabulary),
    }
    store = FeatureCache(cache_dir if use_cache else False)
    key = content_key(corpus.content_hash(), "attrlex", params)
    cached = store.load("attrlex", key, n_rows=len(corpus.df))
    if cached is not None:
        return sp.csr_matrix(cached[0], dtype=np.float32), cached[1]
    if progress:
        print(f"counting n-grams of {len(corpus)} outputs ...", file=sys.stderr, flush=True)
    vectorizer = _vectorizer(vocabulary)
    texts = [mark_text(t) for t in corpus.df["output"]]
    try:
        counts = sp.csr_matrix(vectorizer.fit_transform(texts), dtype=np.float32)
    except ValueError:  # empty vocabulary: too few outputs for MIN_DF
        raise ProvenanceError(
            f"no n-gram occurs in {MIN_DF} or more of the {len(texts)} outputs; give more outputs"
        ) from None
    terms = [str(t) for t in vectorizer.get_feature_names_out()]
    store.save("attrlex", key, counts, terms)
    return counts, terms


def describe_term(term: str) -> str:
    """A lexical term as a person reads it: ``[start]`` for the start, ``⏎`` for a line break."""
    return " ".join(
        "[start]" if tok == START else "\u23ce" if tok == LINE else tok for tok in term.split(" ")
    )


# ------------------------------------------------------------------ folds
def grouped_folds(
    groups: Sequence[Any] | np.ndarray, n_folds: int, seed: int = 0
) -> list[np.ndarray]:
    """Test indices of each fold, every group (prompt) wholly inside one fold.

    Parameters
    ----------
    groups : array-like, shape (n_samples,)
        The group (prompt id) of each sample.
    n_folds : int
        Number of folds, at least 2 and at most the number of groups.
    seed : int
        Groups are shuffled with this seed, then dealt to the folds in turn,
        so fold sizes differ by at most one group.

    Returns
    -------
    list of numpy.ndarray of int
        Sorted test indices of each fold; together they partition the samples.
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(groups)).astype(str), sort=True)
    if n_folds < 2 or n_folds > len(uniques):
        raise ProvenanceError(
            f"cannot make {n_folds} prompt-grouped folds from {len(uniques)} prompts; "
            "use between 2 and the number of prompts"
        )
    order = np.random.default_rng(seed).permutation(len(uniques))
    fold_of_group = np.empty(len(uniques), dtype=np.int64)
    fold_of_group[order] = np.arange(len(uniques)) % n_folds
    fold = fold_of_group[codes]
    return [np.flatnonzero(fold == k) for k in range(n_folds)]


def _one_blas_thread(func: Any) -> Any:
    """Run ``func`` with one BLAS thread.

    The classifiers solve many small problems (lbfgs on a few thousand rows);
    multi-threaded OpenBLAS spends most of that time synchronizing threads.
    Measured on the dev corpus: a report's attribution section took 213 s
    with 2 BLAS threads and under 20 s with 1.
    """
    import functools

    from threadpoolctl import threadpool_limits

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper


# ------------------------------------------------------------------ estimator
def _scores(estimator: Any, X: Any, n_classes: int) -> np.ndarray:
    """Decision scores, shape (n_samples, n_classes) also for two classes."""
    s = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if s.ndim == 1:
        s = np.column_stack([-s, s])
    return s


def _fit_quietly(pipeline: Pipeline, X: Any, y: np.ndarray) -> Pipeline:
    """Fit, hiding liblinear's convergence warning (see ``benchmarks/results/attribution.md``:
    raising its iteration limit does not change held-out accuracy)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(X, y)


def _block_slices(blocks: Sequence[tuple[str, int]]) -> dict[str, slice]:
    out, start = {}, 0
    for name, width in blocks:
        out[str(name)] = slice(start, start + int(width))
        start += int(width)
    return out


class BlockScaler(TransformerMixin, BaseEstimator):
    """Prepare each channel block of the design matrix for one linear model.

    - ``lexical``: binarized, weighted by inverse document frequency
      ``ln((1 + n) / (1 + df)) + 1`` (as :class:`~sklearn.feature_extraction.text.TfidfTransformer`),
      rows scaled to unit length;
    - dense blocks: centred and scaled to unit variance (constant columns become 0).

    scikit-learn's scalers cannot centre a sparse matrix, hence this transformer.

    Parameters
    ----------
    blocks : tuple of (str, int)
        Channel name and width of each block, in column order.
    dense : bool
        Return a dense array (for learners that need one).

    Attributes
    ----------
    idf_ : dict of str to numpy.ndarray
        Inverse document frequency of each lexical column.
    mean_, scale_ : dict of str to numpy.ndarray
        Mean and standard deviation of each dense column.
    """

    def __init__(self, blocks: tuple[tuple[str, int], ...] = (), dense: bool = False) -> None:
        self.blocks = blocks
        self.dense = dense

    def fit(self, X: Any, y: Any = None) -> BlockScaler:
        """Learn the idf of lexical columns and the mean and spread of dense ones."""
        X = sp.csr_matrix(X)
        if not self.blocks:
            raise ProvenanceError("the attribution design needs at least one channel block")
        self.idf_: dict[str, np.ndarray] = {}
        self.mean_: dict[str, np.ndarray] = {}
        self.scale_: dict[str, np.ndarray] = {}
        n = X.shape[0]
        for name, sl in _block_slices(self.blocks).items():
            block = X[:, sl]
            if name == "lexical":
                block.eliminate_zeros()
                df = np.bincount(block.indices, minlength=block.shape[1])
                self.idf_[name] = np.log((1.0 + n) / (1.0 + df)) + 1.0
            else:
                dense = block.toarray()
                sd = dense.std(axis=0)
                self.mean_[name] = dense.mean(axis=0)
                self.scale_[name] = np.where(sd > 1e-12, sd, np.inf)
        return self

    def transform(self, X: Any) -> Any:
        """The prepared design, shape (n_samples, n_columns); sparse unless ``dense``."""
        X = sp.csr_matrix(X)
        parts = []
        for name, sl in _block_slices(self.blocks).items():
            block = X[:, sl]
            if name == "lexical":
                block = block.copy()
                block.eliminate_zeros()
                block.data = self.idf_[name][block.indices]
                norms = np.sqrt(np.asarray(block.multiply(block).sum(axis=1)).ravel())
                inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
                part = sp.diags(inv) @ block
            else:
                part = sp.csr_matrix((block.toarray() - self.mean_[name]) / self.scale_[name])
            parts.append(part)
        out = sp.hstack(parts, format="csr")
        return out.toarray() if self.dense else out


class AttributionClassifier(ClassifierMixin, BaseEstimator):
    """One linear SVM per channel, stacked and calibrated on prompt-grouped folds.

    ``X`` is the stacked design matrix of :func:`design_matrix`: its columns
    are the channel blocks named in ``blocks``, in that order. Each channel
    gets its own :class:`BlockScaler` and :class:`~sklearn.svm.LinearSVC`
    (one-vs-rest); their out-of-fold scores on prompt-grouped folds train a
    multinomial logistic regression (the *combiner*) that weighs the channels
    and calibrates the probabilities. One SVM over all blocks together did
    worse than the lexical channel alone (see the benchmark), as dense blocks
    made the training texts separable in directions that do not generalize.
    :func:`train` builds ``X`` from a corpus and keeps what is needed to build
    it again for new outputs (:attr:`terms_`, :attr:`metadata_`).

    Parameters
    ----------
    blocks : tuple of (str, int)
        Channel name and number of columns of each block of ``X``.
    C : float or dict of str to float, optional
        SVM regularization (larger = weaker), one for all channels or per
        channel; default :data:`CHANNEL_C`.
    n_folds : int
        Prompt-grouped folds for the combiner's training scores (and the
        evaluation).
    seed : int
        Seed of the fold assignment.
    estimator : {"svm", "auto", "logreg", "sgd", "hgb"}
        Per-channel learner: a linear SVM for every channel (default); "auto",
        a linear SVM for the lexical channel and logistic regression for dense
        ones (1.6x faster on 42 models, 0.5 points less accurate, worse
        calibrated); or for every channel logistic regression (``C`` times 10,
        lbfgs), SGD with the modified Huber loss, or histogram gradient
        boosting (dense channels only; cannot be saved).
    n_jobs : int, optional
        Worker processes for the (n_folds + 1) x n_channels independent fits
        (default 1; -1 = all cores). Results do not depend on it.

    Attributes
    ----------
    classes_ : numpy.ndarray of str
        The models, sorted.
    pipelines_ : dict of str to sklearn.pipeline.Pipeline
        Per channel, :class:`BlockScaler` then the SVM, fitted on all rows.
    combiner_ : LogisticRegression
        Maps the channels' SVM scores, shape (n, n_channels * n_classes), to
        probabilities.
    folds_ : list of numpy.ndarray
        Test indices of each fold (no prompt is in two folds).
    oof_scores_ : numpy.ndarray, shape (n_samples, n_channels * n_classes)
        Out-of-fold SVM scores.
    oof_proba_ : numpy.ndarray, shape (n_samples, n_classes)
        Out-of-fold probabilities: fold k's scores through a combiner fitted
        on the other folds' scores only.
    """

    def __init__(
        self,
        blocks: tuple[tuple[str, int], ...] = (),
        C: float | dict[str, float] | None = None,
        n_folds: int = 5,
        seed: int = 0,
        estimator: str = "svm",
        n_jobs: int | None = None,
    ) -> None:
        self.blocks = blocks
        self.C = C
        self.n_folds = n_folds
        self.seed = seed
        self.estimator = estimator
        self.n_jobs = n_jobs

    def _block_slices(self) -> dict[str, slice]:
        return _block_slices(self.blocks)

    def _channel_C(self, name: str) -> float:
        if isinstance(self.C, dict):
            return float(self.C.get(name, CHANNEL_C[name]))
        return float(self.C) if self.C is not None else CHANNEL_C[name]

    def _learner(self, name: str) -> Any:
        C = self._channel_C(name)
        estimator = self.estimator
        if estimator == "auto":
            estimator = "svm" if name == "lexical" else "logreg"
        if estimator == "svm":
            return LinearSVC(C=C, tol=SVM_TOL, max_iter=SVM_MAX_ITER, random_state=self.seed)
        if estimator == "logreg":
            return LogisticRegression(C=10 * C, max_iter=1000)
        if estimator == "sgd":
            from sklearn.linear_model import SGDClassifier

            return SGDClassifier(loss="modified_huber", alpha=1e-5 / C, random_state=self.seed)
        if estimator == "hgb":
            if name == "lexical":
                raise ProvenanceError("estimator 'hgb' works on dense channels only, not lexical")
            from sklearn.ensemble import HistGradientBoostingClassifier

            return HistGradientBoostingClassifier(max_iter=200, random_state=self.seed)
        raise ProvenanceError(
            f"unknown estimator {self.estimator!r}; choose from {', '.join(ESTIMATORS)}"
        )

    def _make_pipeline(self, name: str) -> Pipeline:
        """BlockScaler then the channel's learner (step ``"svm"`` whatever the learner)."""
        width = dict(self.blocks)[name]
        scaler = BlockScaler(((name, int(width)),), dense=self.estimator == "hgb")
        return Pipeline([("blocks", scaler), ("svm", self._learner(name))])

    def _channel_scores(self, pipelines: dict[str, Pipeline], X: sp.csr_matrix) -> np.ndarray:
        k = len(self.classes_)
        slices = self._block_slices()
        return np.hstack([_scores(pipelines[n], X[:, slices[n]], k) for n in pipelines])

    @_one_blas_thread
    def fit(
        self, X: Any, y: Sequence[str] | np.ndarray, groups: Sequence[Any] | None = None
    ) -> AttributionClassifier:
        """Fit the channel SVMs on grouped folds and on all rows, then the combiner.

        Parameters
        ----------
        X : scipy.sparse matrix or numpy.ndarray, shape (n_samples, n_columns)
        y : array-like of str, shape (n_samples,)
            The model that wrote each row.
        groups : array-like, shape (n_samples,), optional
            Prompt id of each row; rows of one prompt never straddle folds.
            Default: every row its own group.
        """
        if not self.blocks:
            raise ProvenanceError("AttributionClassifier needs at least one channel block")
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(str)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ProvenanceError("attribution needs outputs of at least two models")
        slices = self._block_slices()
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        self.folds_ = grouped_folds(groups, self.n_folds, self.seed)
        masks = []
        for test in self.folds_:
            train = np.ones(len(y), bool)
            train[test] = False
            missing = sorted(set(self.classes_) - set(y[train]))
            if missing:
                raise ProvenanceError(
                    f"model {missing[0]!r} has outputs on too few prompts for "
                    f"{self.n_folds}-fold cross-validation; drop it or use fewer folds"
                )
            masks.append(train)
        masks.append(np.ones(len(y), bool))  # the final fit on all rows
        # every (fold, channel) fit is independent; in processes, not threads, as
        # liblinear draws from the C library's one global random state
        from joblib import Parallel, delayed

        tasks = [(k, n) for k in range(len(masks)) for n in slices]
        fitted = Parallel(n_jobs=self.n_jobs, prefer="processes")(
            delayed(_fit_quietly)(self._make_pipeline(n), X[masks[k]][:, slices[n]], y[masks[k]])
            for k, n in tasks
        )
        by_task = dict(zip(tasks, fitted, strict=True))
        scores = np.zeros((len(y), len(slices) * len(self.classes_)))
        for k, test in enumerate(self.folds_):
            scores[test] = self._channel_scores({n: by_task[k, n] for n in slices}, X[test])
        self.oof_scores_ = scores
        self.combiner_ = self._combiner().fit(scores, y)
        proba = np.zeros((len(y), len(self.classes_)))
        for test, train in zip(self.folds_, masks, strict=False):
            proba[test] = self._combiner().fit(scores[train], y[train]).predict_proba(scores[test])
        self.oof_proba_ = proba
        self.pipelines_ = {n: by_task[len(masks) - 1, n] for n in slices}
        return self

    @staticmethod
    def _combiner() -> LogisticRegression:
        return LogisticRegression(C=1.0, max_iter=2000, tol=1e-3)

    def channel_scores(self, X: Any) -> np.ndarray:
        """Each channel's SVM scores, shape (n_samples, n_channels * n_classes)."""
        return self._channel_scores(self.pipelines_, sp.csr_matrix(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """Combined log-odds, shape (n_samples, n_classes)."""
        return self.combiner_.decision_function(self.channel_scores(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probability of each class, shape (n_samples, n_classes)."""
        return self.combiner_.predict_proba(self.channel_scores(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable model of each row, shape (n_samples,)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # -------------------------------------------------------------- context
    @property
    def metadata(self) -> dict[str, Any]:
        """Models, channels, embedding model, versions and training-corpus hash."""
        return dict(getattr(self, "metadata_", {}))

    @property
    def models(self) -> list[str]:
        return [str(c) for c in self.classes_]

    @property
    def channels(self) -> list[str]:
        return [name for name, _ in self.blocks]


# ------------------------------------------------------------------ features -> design
def _feature_kwargs(
    embedding_model: str | None,
    cache_dir: Any,
    use_cache: bool,
    progress: bool,
    precision: str = "auto",
) -> dict[str, Any]:
    return {
        "embedding_model": embedding_model,
        "precision": precision,
        "cache_dir": cache_dir,
        "use_cache": use_cache,
        "progress": progress,
    }


def _channel_matrices(
    data: Corpus | Features,
    channels: list[str],
    feature_kwargs: dict[str, Any],
) -> tuple[Corpus, dict[str, Any], dict[str, list[str]]]:
    """Per-text matrices of the non-lexical channels, rows aligned with the corpus."""
    corpus = data.corpus if isinstance(data, Features) else data
    wanted = [c for c in channels if c != "lexical"]
    matrices: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    if isinstance(data, Features):
        for c in wanted:
            if c in data.matrices:
                matrices[c] = data.matrices[c]
                names[c] = list(data.names.get(c, []))
    missing = [c for c in wanted if c not in matrices]
    if missing:
        extra = compute_features(corpus, missing, **feature_kwargs)
        matrices.update(extra.matrices)
        names.update(extra.names)
    return corpus, matrices, names


def design_matrix(blocks: dict[str, Any], rows: np.ndarray | None = None) -> sp.csr_matrix:
    """Stack channel blocks into the classifier's design matrix.

    Dense channels other than embeddings are arcsinh-transformed (it tames
    heavy-tailed rates and counts and keeps zeros at zero).

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
            if name != "embedding":
                dense = np.arcsinh(dense)
            part = sp.csr_matrix(dense)
        parts.append(part)
    return sp.hstack(parts, format="csr")


def _parse_attr_channels(channels: str | Sequence[str] | None) -> list[str]:
    names = parse_channels(channels, ATTRIBUTION_CHANNELS, DEFAULT_CHANNELS)
    return [c for c in ATTRIBUTION_CHANNELS if c in names]


def _embedding_identity(data: Corpus | Features, embedding_model: str | None) -> dict[str, Any]:
    """Name, weight fingerprint and dimension of the embedding model behind the features."""
    info = data.info if isinstance(data, Features) else {}
    if isinstance(data, Features) and "embedding" in data.matrices and info.get("embedding_model"):
        return {
            "name": str(info["embedding_model"]),
            "fingerprint": info.get("embedding_fingerprint"),
            "dim": int(np.asarray(data.matrices["embedding"]).shape[1]),
        }
    from .embeddings import load_model, model_fingerprint

    model, name = load_model(embedding_model)
    get_dim = getattr(model, "get_embedding_dimension", None) or getattr(
        model, "get_sentence_embedding_dimension", None
    )
    dim = get_dim() if get_dim else None
    return {"name": name, "fingerprint": model_fingerprint(model), "dim": int(dim or 0)}


def _versions() -> dict[str, str]:
    import scipy
    import sklearn
    import skops

    from . import __version__

    return {
        "provenance": __version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


def _select_rows(corpus: Corpus, models: Sequence[str] | None) -> np.ndarray:
    if models is None:
        return np.arange(len(corpus.df))
    models = list(models)
    corpus.check_models(models)
    return np.flatnonzero(corpus.df["model"].isin(models).to_numpy())


# ------------------------------------------------------------------ evaluation
@dataclass
class Evaluation:
    """Cross-validated quality of an attribution classifier (prompt-grouped folds).

    Attributes
    ----------
    models : list of str
        The classes.
    channels : list of str
    n_texts, n_prompts, n_folds : int
    accuracy : float
        Share of held-out texts whose most probable model is the right one.
    accuracy_at_k : dict of str to float
        Accuracy when k texts of the same model are attributed together
        (product of their probabilities), for k in :data:`KS`; keys are ``"1"``,
        ``"5"``, ``"10"``.
    chance : float
        Accuracy of always naming the most common model.
    log_loss : float
        Mean negative log probability of the right model (nats).
    ece : float
        Expected calibration error of the top probability (10 equal-width bins).
    per_model : dict of str to dict
        Per model: ``precision``, ``recall``, ``f1``, ``n`` (its texts).
    confusion : list of list of int
        Row = true model, column = predicted model, order of ``models``.
    top_features : dict of str to list of str
        Per model, the features that push its texts to its class most, in words.
    seed : int
    fit_seconds : float
        Wall time of training, cross-validation included.
    """

    models: list[str]
    channels: list[str]
    n_texts: int
    n_prompts: int
    n_folds: int
    accuracy: float
    accuracy_at_k: dict[str, float]
    chance: float
    log_loss: float
    ece: float
    per_model: dict[str, dict[str, float]]
    confusion: list[list[int]]
    top_features: dict[str, list[str]]
    seed: int
    fit_seconds: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_frame(self) -> pd.DataFrame:
        """Per-model precision, recall, F1 and number of texts."""
        frame = pd.DataFrame(self.per_model).T
        frame.index.name = "model"
        frame["n"] = frame["n"].astype(int)
        return frame.round(3)

    def confusion_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.confusion, index=self.models, columns=self.models)

    def _confused_pairs(self, top: int = 10) -> list[str]:
        cm = np.asarray(self.confusion, dtype=float)
        np.fill_diagonal(cm, 0)
        rows = cm.sum(axis=1, keepdims=True) + np.diag(np.asarray(self.confusion))[:, None]
        share = cm / np.maximum(rows, 1)
        order = np.argsort(-share, axis=None)[:top]
        out = []
        for idx in order:
            i, j = np.unravel_index(idx, share.shape)
            if share[i, j] > 0:
                out.append(f"{self.models[i]} -> {self.models[j]}: {share[i, j]:.1%}")
        return out

    def to_text(self) -> str:
        at_k = ", ".join(f"k={k}: {v:.1%}" for k, v in self.accuracy_at_k.items())
        lines = [
            f"attribution among {len(self.models)} models from {', '.join(self.channels)}: "
            f"{self.n_texts} texts, {self.n_prompts} prompts, {self.n_folds} prompt-grouped folds",
            f"held-out accuracy per text {self.accuracy:.1%} (chance {self.chance:.1%}); "
            f"over k texts of one model: {at_k}",
            f"log loss {self.log_loss:.3f}, calibration error (ECE) {self.ece:.3f}, "
            f"trained in {self.fit_seconds:.0f} s",
            "",
            self.to_frame().to_string(),
            "",
        ]
        if len(self.models) <= 8:
            short = self.confusion_frame()
            short.columns = [m[:10] for m in short.columns]
            lines += ["confusion (rows: true model, columns: predicted):", short.to_string(), ""]
        else:
            lines += ["most confused (share of the true model's texts):"]
            lines += [f"  {p}" for p in self._confused_pairs()] + [""]
        lines.append("what gives each model away:")
        for model, feats in self.top_features.items():
            lines.append(f"  {model}:")
            lines += [f"    - {f}" for f in feats]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        at_k = ", ".join(f"k={k}: {v:.1%}" for k, v in self.accuracy_at_k.items())
        feats = "".join(
            f"<li><b>{html.escape(m)}</b>: {html.escape('; '.join(f[:3]))}</li>"
            for m, f in self.top_features.items()
        )
        return (
            f"<p><b>Attribution</b> among {len(self.models)} models ({html.escape(', '.join(self.channels))}): "
            f"held-out accuracy per text <b>{self.accuracy:.1%}</b> (chance {self.chance:.1%}); "
            f"{html.escape(at_k)}; ECE {self.ece:.3f}</p>"
            + self.to_frame().to_html()
            + f"<ul>{feats}</ul>"
        )

    def confusion_figure(self, normalize: bool = True) -> Any:
        """The confusion matrix as a matplotlib Figure (:func:`detector.figures.confusion_figure`)."""
        from .figures import confusion_figure

        return confusion_figure(self, normalize=normalize)


def confusion_figure(result: Evaluation | tuple[Any, Evaluation], normalize: bool = True) -> Any:
    """The confusion-matrix Figure of an :class:`Evaluation` (or of ``train``'s return value)."""
    evaluation = result[1] if isinstance(result, tuple) else result
    if not isinstance(evaluation, Evaluation):
        raise ProvenanceError(
            f"confusion_figure needs an Evaluation, got {type(evaluation).__name__}"
        )
    from .figures import confusion_figure as draw

    return draw(evaluation, normalize=normalize)


def _accuracy_at_k(proba: np.ndarray, y_idx: np.ndarray, k: int, seed: int) -> float:
    """Accuracy when disjoint random sets of k texts of one model are attributed together."""
    if k == 1:
        return float(np.mean(np.argmax(proba, axis=1) == y_idx))
    rng = np.random.default_rng(seed)
    logp = np.log(np.clip(proba, 1e-12, 1.0))
    hits, total = 0, 0
    for c in np.unique(y_idx):
        idx = rng.permutation(np.flatnonzero(y_idx == c))
        n_sets = len(idx) // k
        if n_sets == 0:
            continue
        sums = logp[idx[: n_sets * k]].reshape(n_sets, k, -1).sum(axis=1)
        hits += int(np.sum(np.argmax(sums, axis=1) == c))
        total += n_sets
    return float(hits / total) if total else float("nan")


def _ece(proba: np.ndarray, y_idx: np.ndarray, bins: int = 10) -> float:
    top = proba.max(axis=1)
    correct = np.argmax(proba, axis=1) == y_idx
    edges = np.minimum((top * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        m = edges == b
        if m.any():
            err += m.mean() * abs(correct[m].mean() - top[m].mean())
    return float(err)


def _describe_feature(
    block: str, name: str, mine: float, others: float, share: tuple[float, float]
) -> str:
    """One feature in words; ``mine``/``others`` are raw means, ``share`` presence rates."""
    from .stylometry import FEATURES

    if block == "lexical":
        verb = "uses" if share[0] >= share[1] else "avoids"
        return (
            f"{verb} \u201c{describe_term(name)}\u201d (in {share[0]:.0%} of its texts, "
            f"{share[1]:.0%} of others')"
        )
    direction = "higher" if mine > others else "lower"
    info = {f.name: f for f in FEATURES}.get(name) if block == "style" else None
    if info is not None:
        if info.unit.startswith("binary"):
            what = info.description.removeprefix("1 if ")
            return f"{what} (in {mine:.0%} of its texts, {others:.0%} of others')"
        return f"{direction} {info.description} ({info.unit}): {mine:.3g} vs {others:.3g}"
    if block == "identity":
        kind, _, vendor = name.partition(":")
        what = {
            "self_id": f"self-identifies as a {vendor} model",
            "mention": f"mentions {vendor}",
        }.get(kind, name.replace("_", " "))
        return f"{what} ({mine:.2g} vs {others:.2g} times per text)"
    return f"{direction} {name}: {mine:.3g} vs {others:.3g}"


def _top_features(
    clf: AttributionClassifier,
    X: sp.csr_matrix,
    y: np.ndarray,
    names: dict[str, list[str]],
    top: int,
) -> dict[str, list[str]]:
    """Per class, the readable features adding most to its texts' score.

    A feature's contribution to class c is its channel SVM's weight for c,
    times the difference between its mean prepared value in c's texts and in
    the other texts (how far it moves c's texts toward c on average), times
    the combiner's weight on that channel's score for c. Embedding dimensions
    are not readable and are left out.
    """
    classes = clf.classes_
    k = len(classes)
    y_idx = np.searchsorted(classes, y)
    G = sp.csr_matrix((np.ones(len(y)), (y_idx, np.arange(len(y)))), shape=(k, len(y)))
    n_c = np.asarray(G.sum(axis=1)).ravel()
    n_rest = np.maximum(len(y) - n_c, 1)[:, None]

    def class_means(M: Any) -> tuple[np.ndarray, np.ndarray]:
        total = np.asarray((G @ M).todense())
        return total / n_c[:, None], (total.sum(axis=0, keepdims=True) - total) / n_rest

    comb = clf.combiner_.coef_
    if comb.shape[0] == 1:
        comb = np.vstack([-comb[0], comb[0]])
    slices = clf._block_slices()
    found: list[list[tuple[float, str]]] = [[] for _ in range(k)]
    for i, (block, pipeline) in enumerate(clf.pipelines_.items()):
        if block == "embedding":
            continue
        raw = X[:, slices[block]]
        if not hasattr(pipeline.named_steps["svm"], "coef_"):
            continue  # not a linear learner
        Z = sp.csr_matrix(pipeline.named_steps["blocks"].transform(raw))
        coef = pipeline.named_steps["svm"].coef_
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        mean_c, mean_rest = class_means(Z)
        weight = np.maximum([comb[c, i * k + c] for c in range(k)], 0.0)[:, None]
        contrib = coef * (mean_c - mean_rest) * weight
        share_c, share_rest = class_means((raw > 0).astype(np.float64))
        linear = sp.csr_matrix(raw, copy=True)
        if block != "lexical":  # the design holds arcsinh of dense features
            linear.data = np.sinh(linear.data)
        raw_c, raw_rest = class_means(linear)
        for c in range(k):
            for j in np.argsort(-contrib[c])[:top]:
                if contrib[c, j] <= 0:
                    break
                text = _describe_feature(
                    block,
                    names[block][j],
                    float(raw_c[c, j]),
                    float(raw_rest[c, j]),
                    (float(share_c[c, j]), float(share_rest[c, j])),
                )
                found[c].append((float(contrib[c, j]), text))
    return {
        str(m): [t for _, t in sorted(found[c], key=lambda st: -st[0])[:top]]
        for c, m in enumerate(classes)
    }


def _evaluate(
    clf: AttributionClassifier,
    X: sp.csr_matrix,
    y: np.ndarray,
    groups: np.ndarray,
    names: dict[str, list[str]],
    seed: int,
    fit_seconds: float,
    top: int,
) -> Evaluation:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    classes = clf.classes_
    y_idx = np.searchsorted(classes, y)
    proba = clf.oof_proba_
    pred = np.argmax(proba, axis=1)
    p, r, f1, n = precision_recall_fscore_support(
        y_idx, pred, labels=np.arange(len(classes)), zero_division=0
    )
    counts = np.bincount(y_idx, minlength=len(classes))
    return Evaluation(
        models=[str(c) for c in classes],
        channels=clf.channels,
        n_texts=len(y),
        n_prompts=int(pd.Series(groups).nunique()),
        n_folds=len(clf.folds_),
        accuracy=float(np.mean(pred == y_idx)),
        accuracy_at_k={str(k): _accuracy_at_k(proba, y_idx, k, seed) for k in KS},
        chance=float(counts.max() / counts.sum()),
        log_loss=float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y_idx], 1e-12, 1)))),
        ece=_ece(proba, y_idx),
        per_model={
            str(m): {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f1[i]),
                "n": int(n[i]),
            }
            for i, m in enumerate(classes)
        },
        confusion=confusion_matrix(y_idx, pred, labels=np.arange(len(classes))).tolist(),
        top_features=_top_features(clf, X, y, names, top),
        seed=seed,
        fit_seconds=float(fit_seconds),
    )


# ------------------------------------------------------------------ training
def _build_blocks(
    corpus: Corpus,
    rows: np.ndarray,
    channels: list[str],
    matrices: dict[str, Any],
    names: dict[str, list[str]],
    *,
    vocabulary: Sequence[str] | None,
    cache_dir: Any,
    use_cache: bool,
    progress: bool,
    min_texts: int = 2,
    vocabulary_rows: np.ndarray | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Channel blocks restricted to ``rows``; the lexical vocabulary pruned to terms in them.

    When the vocabulary is learned (``vocabulary`` None), a term is kept if it
    occurs in at least ``min_texts`` of the outputs selected by
    ``vocabulary_rows`` (a boolean mask over ``rows``; default all of them).
    """
    blocks: dict[str, Any] = {}
    block_names: dict[str, list[str]] = {}
    for c in channels:
        if c == "lexical":
            counts, terms = lexical_counts(
                corpus, vocabulary, cache_dir=cache_dir, use_cache=use_cache, progress=progress
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


@_one_blas_thread
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
    embedding_model: str | None = None,
    precision: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool = False,
    top_features: int = 8,
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
        Subset of :data:`ATTRIBUTION_CHANNELS` (comma-separated text or list);
        default :data:`DEFAULT_CHANNELS`.
    seed : int
        Seed of the fold assignment and of the k-text evaluation sets.
    n_folds : int
        Prompt-grouped folds for the combiner and the evaluation.
    C : float or dict, optional
        SVM regularization, for all channels or per channel (default
        :data:`CHANNEL_C`).
    estimator : str
        Per-channel learner (see :class:`AttributionClassifier`).
    n_jobs : int, optional
        Worker processes for the independent fits (default 1).
    embedding_model : str, optional
        Embedding model for the ``embedding`` channel (default the bundled one).
    precision, cache_dir, use_cache, progress
        As in :func:`~detector.features.compute_features`.
    top_features : int
        Readable features reported per model.

    Returns
    -------
    (AttributionClassifier, Evaluation)

    Raises
    ------
    ProvenanceError
        Unknown model or channel, fewer than two models, or a model with
        outputs on fewer prompts than folds.
    """
    t0 = time.perf_counter()
    chans = _parse_attr_channels(channels)
    kwargs = _feature_kwargs(embedding_model, cache_dir, use_cache, progress, precision)
    corpus, matrices, names = _channel_matrices(data, chans, kwargs)
    rows = _select_rows(corpus, models)
    df = corpus.df.iloc[rows]
    if df["model"].nunique() < 2:
        raise ProvenanceError("attribution needs outputs of at least two models; name more")
    blocks, block_names = _build_blocks(
        corpus,
        rows,
        chans,
        matrices,
        names,
        vocabulary=None,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
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
    if progress:
        print(
            f"training on {len(y)} outputs of {df['model'].nunique()} models "
            f"({n_folds} folds + final fit) ...",
            file=sys.stderr,
            flush=True,
        )
    clf.fit(X, y, groups=groups)
    clf.terms_ = block_names.get("lexical", [])
    clf.feature_names_ = block_names
    embedding = _embedding_identity(data, embedding_model) if "embedding" in chans else None
    if embedding is not None and embedding["dim"] != blocks["embedding"].shape[1]:
        raise ProvenanceError(
            f"the embedding features have {blocks['embedding'].shape[1]} dimensions but "
            f"{embedding['name']} has {embedding['dim']}; recompute them with that model"
        )
    fit_seconds = time.perf_counter() - t0
    evaluation = _evaluate(clf, X, y, groups, block_names, seed, fit_seconds, top_features)
    clf.metadata_ = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "models": clf.models,
        "channels": chans,
        "embedding_model": embedding,
        "lexical": {
            "version": LEXICAL_VERSION,
            "ngram_range": list(NGRAM_RANGE),
            "n_terms": len(clf.terms_),
        },
        "style_features": len(block_names.get("style", [])),
        "training_corpus": {
            "source": corpus.source,
            "hash": corpus.subset(models=sorted(set(y))).content_hash(),
            "n_texts": int(len(y)),
            "n_prompts": int(pd.Series(groups).nunique()),
        },
        "params": {
            "C": {c: clf._channel_C(c) for c in chans},
            "estimator": estimator,
            "seed": seed,
        },
        "cv": {"n_folds": n_folds, "accuracy": evaluation.accuracy, "ece": evaluation.ece},
        "versions": _versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return clf, evaluation


# ------------------------------------------------------------------ persistence
def _to_state(clf: AttributionClassifier) -> dict[str, Any]:
    check = getattr(clf, "pipelines_", None)
    if check is None or not hasattr(clf, "metadata_"):
        raise ProvenanceError("only a classifier returned by train() can be saved")
    names = {k: v for k, v in clf.feature_names_.items() if k != "lexical"}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata_json": json.dumps(clf.metadata_, ensure_ascii=False),
        "params_json": json.dumps(
            {
                "blocks": [[n, int(w)] for n, w in clf.blocks],
                "C": clf.C,
                "n_folds": clf.n_folds,
                "seed": clf.seed,
                "estimator": clf.estimator,
                "classes": clf.models,
                "feature_names": names,
            },
            ensure_ascii=False,
        ),
        "terms_utf8": np.frombuffer("\n".join(clf.terms_).encode("utf-8"), dtype=np.uint8),
        "pipelines": clf.pipelines_,
        "combiner": clf.combiner_,
    }


def save_classifier(
    clf: AttributionClassifier, path: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Write a trained classifier to a ``skops`` file (no pickle; metadata inside).

    Parameters
    ----------
    clf : AttributionClassifier
        As returned by :func:`train`.
    path : path
        Destination (conventionally ``.skops``).
    force : bool
        Overwrite an existing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ProvenanceError
        The file exists (without ``force``), or the classifier holds a type
        outside :data:`TRUSTED_TYPES` (it could not be loaded safely).
    """
    import skops.io as sio

    path = Path(path)
    if path.exists() and not force:
        raise ProvenanceError(f"{path}: already exists; choose another path or pass --force")
    blob = sio.dumps(_to_state(clf), compression=zipfile.ZIP_DEFLATED)
    untrusted = sorted(set(sio.get_untrusted_types(data=blob)) - set(TRUSTED_TYPES))
    if untrusted:  # a programming error, but never write a file load would refuse
        raise ProvenanceError(
            f"classifier holds types outside the trusted list ({', '.join(untrusted)})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(blob)
    os.replace(tmp, path)
    return path


def load_classifier(path: str | os.PathLike[str]) -> AttributionClassifier:
    """Load a classifier written by :func:`save_classifier`, refusing untrusted content.

    Raises
    ------
    ProvenanceError
        Missing file, a file that is not a skops archive or not a provenance
        classifier, types outside :data:`TRUSTED_TYPES`, or a newer format.
    """
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ProvenanceError(f"{path}: no such classifier file; train one with provenance train")
    blob = path.read_bytes()
    what = f"{path}: not a provenance classifier"
    try:
        found = sio.get_untrusted_types(data=blob)
    except Exception as exc:  # BadZipFile, KeyError, JSON errors: not a skops archive
        raise ProvenanceError(
            f"{what} (not a skops archive: {type(exc).__name__}); train one with provenance train"
        ) from None
    untrusted = sorted(set(found) - set(TRUSTED_TYPES))
    if untrusted:
        raise ProvenanceError(
            f"{what}: it contains types outside the trusted list "
            f"({', '.join(untrusted[:5])}{', ...' if len(untrusted) > 5 else ''}); refusing to load"
        )
    try:
        state = sio.loads(blob, trusted=TRUSTED_TYPES)
    except Exception as exc:
        raise ProvenanceError(f"{what} (unreadable skops archive: {type(exc).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ProvenanceError(f"{what} (a skops file, but not one provenance train wrote)")
    if int(state.get("format_version", 0)) > FORMAT_VERSION:
        raise ProvenanceError(
            f"{path}: classifier format {state['format_version']} is newer than this "
            f"provenance understands ({FORMAT_VERSION}); upgrade provenance"
        )
    params = json.loads(state["params_json"])
    clf = AttributionClassifier(
        blocks=tuple((str(n), int(w)) for n, w in params["blocks"]),
        C=params["C"],
        n_folds=params["n_folds"],
        seed=params["seed"],
        estimator=params.get("estimator", "svm"),
    )
    clf.classes_ = np.asarray(params["classes"], dtype=str)
    clf.pipelines_ = dict(state["pipelines"])
    clf.combiner_ = state["combiner"]
    clf.folds_ = []
    clf.oof_scores_ = clf.oof_proba_ = None
    terms_text = bytes(np.asarray(state["terms_utf8"], dtype=np.uint8)).decode("utf-8")
    clf.terms_ = terms_text.split("\n") if terms_text else []
    clf.feature_names_ = {**params["feature_names"], "lexical": clf.terms_}
    clf.metadata_ = json.loads(state["metadata_json"])
    saved = clf.metadata_.get("versions", {}).get("scikit-learn", "")
    import sklearn

    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        warnings.warn(
            f"{path} was saved with scikit-learn {saved}, this is {sklearn.__version__}; "
            "its predictions may differ slightly",
            stacklevel=2,
        )
    return clf


# ------------------------------------------------------------------ attribution
@dataclass
class AttributionResult:
    """Which model wrote each output of a corpus, according to a trained classifier.

    Attributes
    ----------
    classes : list of str
        The classifier's models.
    texts : list of dict
        Per output: ``model`` (who the corpus says wrote it), ``prompt_id``,
        ``predicted`` (most probable class) and ``probabilities`` (class -> p).
    by_model : dict of str to dict of str to float
        Per model of the corpus, the share of its outputs attributed to each class.
    mean_probability : dict of str to dict of str to float
        Per model of the corpus, the mean probability of each class.
    classifier : dict
        The classifier's metadata (models, channels, embedding model, versions).
    source : str
        The corpus attributed.
    """

    classes: list[str]
    texts: list[dict[str, Any]]
    by_model: dict[str, dict[str, float]]
    mean_probability: dict[str, dict[str, float]]
    classifier: dict[str, Any]
    source: str = "<memory>"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def to_frame(self) -> pd.DataFrame:
        """Shares, shape (n_models_in_corpus, n_classes)."""
        frame = pd.DataFrame(self.by_model).T.reindex(columns=self.classes).fillna(0.0)
        frame.index.name = "model"
        return frame

    def to_text(self, top: int = 3) -> str:
        lines = [
            f"{self.source}: {len(self.texts)} outputs of {len(self.by_model)} model(s) "
            f"attributed among {len(self.classes)} classes "
            f"({', '.join(self.classifier.get('channels', []))})",
            "",
        ]
        for model, shares in self.by_model.items():
            best = sorted(shares.items(), key=lambda kv: -kv[1])[:top]
            n = sum(1 for t in self.texts if t["model"] == model)
            parts = ", ".join(f"{c} {s:.1%}" for c, s in best if s > 0)
            lines.append(f"{model} ({n} outputs): {parts}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<p>{html.escape(self.source)}: {len(self.texts)} outputs attributed among "
            f"{len(self.classes)} classes</p>" + self.to_frame().round(3).to_html()
        )


def _check_embedding(clf: AttributionClassifier, data: Any, embedding_model: str | None) -> None:
    saved = clf.metadata.get("embedding_model")
    if "embedding" not in clf.channels or not saved:
        return
    if embedding_model is not None:
        from .embeddings import resolve_model

        name = resolve_model(embedding_model)[0]
        if name != saved["name"]:
            raise ProvenanceError(
                f"the classifier was trained on embeddings of {saved['name']}, not {name}; "
                "use the same embedding model or retrain"
            )
    if isinstance(data, Features) and "embedding" in data.matrices:
        dim = int(np.asarray(data.matrices["embedding"]).shape[1])
        given = data.info.get("embedding_model")
        if (given and given != saved["name"]) or dim != int(saved["dim"]):
            raise ProvenanceError(
                f"the features were computed with embedding model {given or 'unknown'} "
                f"({dim} dimensions) but the classifier was trained on {saved['name']} "
                f"({saved['dim']} dimensions); recompute them with that model or retrain"
            )


def _new_design(
    clf: AttributionClassifier,
    data: Corpus | Features,
    rows: np.ndarray | None,
    *,
    embedding_model: str | None,
    precision: str,
    cache_dir: Any,
    use_cache: bool,
    progress: bool,
) -> tuple[Corpus, np.ndarray, sp.csr_matrix]:
    """The classifier's design matrix for the outputs of a new corpus."""
    _check_embedding(clf, data, embedding_model)
    saved_emb = clf.metadata.get("embedding_model") or {}
    emb_name = saved_emb.get("name") if "embedding" in clf.channels else embedding_model
    kwargs = _feature_kwargs(emb_name, cache_dir, use_cache, progress, precision)
    corpus, matrices, names = _channel_matrices(data, clf.channels, kwargs)
    rows = np.arange(len(corpus.df)) if rows is None else rows
    blocks, block_names = _build_blocks(
        corpus,
        rows,
        clf.channels,
        matrices,
        names,
        vocabulary=clf.terms_,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
    )
    for c, width in clf.blocks:
        have = blocks[c].shape[1]
        if c != "lexical" and block_names[c] != list(clf.feature_names_.get(c, [])):
            raise ProvenanceError(
                f"the {c} features ({have} columns) differ from those the classifier was "
                f"trained on ({width}); retrain it with this version of provenance"
            )
        if c == "embedding" and have != width:
            raise ProvenanceError(
                f"the embedding features have {have} dimensions but the classifier expects "
                f"{width}; use the embedding model it was trained with"
            )
    return corpus, rows, design_matrix(blocks)


@_one_blas_thread
def attribute(
    clf: AttributionClassifier,
    data: Corpus | Features,
    models: Sequence[str] | None = None,
    *,
    embedding_model: str | None = None,
    precision: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool = False,
) -> AttributionResult:
    """Attribute every output of a corpus to one of the classifier's models.

    Parameters
    ----------
    clf : AttributionClassifier
        From :func:`train` or :func:`load_classifier`.
    data : Corpus or Features
        Outputs to attribute (its models need not be classes).
    models : sequence of str, optional
        Attribute only these models' outputs.
    embedding_model : str, optional
        Must be the classifier's embedding model if given (default: the one
        recorded in the classifier).
    precision, cache_dir, use_cache, progress
        As in :func:`~detector.features.compute_features`.

    Returns
    -------
    AttributionResult

    Raises
    ------
    ProvenanceError
        Unknown model, or features from another embedding model or feature
        version than the classifier's.
    """
    corpus = data.corpus if isinstance(data, Features) else data
    rows = _select_rows(corpus, models)
    corpus, rows, X = _new_design(
        clf,
        data,
        rows,
        embedding_model=embedding_model,
        precision=precision,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
    )
    proba = clf.predict_proba(X)
    classes = clf.models
    df = corpus.df.iloc[rows]
    pred = np.argmax(proba, axis=1)
    texts = [
        {
            "model": str(m),
            "prompt_id": str(p),
            "predicted": classes[k],
            "probabilities": {c: round(float(v), 6) for c, v in zip(classes, row, strict=True)},
        }
        for m, p, k, row in zip(df["model"], df["prompt_id"], pred, proba, strict=True)
    ]
    by_model: dict[str, dict[str, float]] = {}
    mean_p: dict[str, dict[str, float]] = {}
    model_col = df["model"].astype(str).to_numpy()
    for m in sorted(set(model_col)):
        sel = model_col == m
        share = np.bincount(pred[sel], minlength=len(classes)) / sel.sum()
        by_model[m] = {c: float(s) for c, s in zip(classes, share, strict=True)}
        mean_p[m] = {c: float(v) for c, v in zip(classes, proba[sel].mean(axis=0), strict=True)}
    return AttributionResult(
        classes=classes,
        texts=texts,
        by_model=by_model,
        mean_probability=mean_p,
        classifier={
            k: clf.metadata.get(k)
            for k in ("models", "channels", "embedding_model", "training_corpus", "versions")
        },
        source=corpus.source,
    )


# ------------------------------------------------------------------ transfer evidence
@dataclass
class TransferResult:
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

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

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


@_one_blas_thread
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
    embedding_model: str | None = None,
    precision: str = "auto",
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    progress: bool = False,
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
        Classifier channels (default :data:`DEFAULT_CHANNELS`).
    seed : int
        Seed of the reference and prompt halves.
    C : float or dict, optional
        SVM regularization (see :func:`train`).
    n_folds : int
        Prompt-grouped folds inside each classifier's training half (for its combiner).
    n_jobs : int, optional
        Worker processes for each classifier's fits.
    embedding_model, precision, cache_dir, use_cache, progress
        As in :func:`train`.

    Returns
    -------
    TransferResult
    """
    suspects = [suspects] if isinstance(suspects, str) else list(suspects)
    candidates = list(candidates)
    corpus = data.corpus if isinstance(data, Features) else data
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
    chans = _parse_attr_channels(channels)
    kwargs = _feature_kwargs(embedding_model, cache_dir, use_cache, progress, precision)
    corpus, matrices, names = _channel_matrices(data, chans, kwargs)
    outside = [s for s in suspects if s not in set(reference)]  # judged by both classifiers
    judged_all = outside + reference
    rows = _select_rows(corpus, outside + candidates + reference)
    df = corpus.df.iloc[rows]
    model = df["model"].astype(str).to_numpy()
    # the vocabulary from the classes' outputs only, so that the classifiers (and
    # the null) do not depend on which suspects are judged alongside
    blocks, _ = _build_blocks(
        corpus,
        rows,
        chans,
        matrices,
        names,
        vocabulary=None,
        cache_dir=cache_dir,
        use_cache=use_cache,
        progress=progress,
        vocabulary_rows=np.isin(model, candidates + reference),
    )
    X = design_matrix(blocks)
    prompt = df["prompt_id"].astype(str).to_numpy()
    prompt_folds = grouped_folds(prompt, 2, seed)
    fold = np.zeros(len(model), dtype=np.int64)
    fold[prompt_folds[1]] = 1
    rng = np.random.default_rng(seed)
    shuffled = [reference[i] for i in rng.permutation(len(reference))]
    halves = [shuffled[: (len(shuffled) + 1) // 2], shuffled[(len(shuffled) + 1) // 2 :]]
    cand_idx = {c: i for i, c in enumerate(candidates)}
    # per judged model: counts of outputs attributed to each candidate, and outputs judged
    hits = {m: np.zeros(len(candidates)) for m in judged_all}
    judged = {m: 0 for m in judged_all}
    blocks_spec = tuple((c, int(blocks[c].shape[1])) for c in chans)
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
            est = AttributionClassifier(blocks_spec, C=C, n_folds=n_folds, seed=seed, n_jobs=n_jobs)
            est.fit(X[train_rows], model[train_rows], groups=prompt[train_rows])
            pred = est.predict(X[test_rows])
            for m in judged_models:
                sel = model[test_rows] == m
                judged[m] += int(sel.sum())
                for p in pred[sel]:
                    if p in cand_idx:
                        hits[m][cand_idx[p]] += 1
    share_rows = {m: hits[m] / max(judged[m], 1) for m in judged_all}
    shares = pd.DataFrame(share_rows, index=candidates).T

    def null_of(members: list[str]) -> tuple[pd.Series, pd.Series]:
        """Centre and between-model spread of the null on the arcsine-sqrt scale."""
        null = np.arcsin(np.sqrt(shares.loc[members]))
        center = null.median(axis=0)
        mad = 1.4826 * (null - center).abs().median(axis=0)
        return center, np.maximum(mad, 0.5 * null.std(axis=0, ddof=1))

    center, spread = null_of(reference)
    z_rows = {}
    for s in suspects:
        c_s, sd_s = null_of([r for r in reference if r != s])
        n = max(judged[s], 1)
        value = np.arcsin(np.sqrt(shares.loc[s]))
        z_rows[s] = (value - c_s) / np.sqrt(sd_s**2 + 1.0 / (4 * n))
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
        z=pd.DataFrame(z_rows).T.reindex(columns=candidates),
        n_texts={m: int((model == m).sum()) for m in judged_all},
        method=method,
    )


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

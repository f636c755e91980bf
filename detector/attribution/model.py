"""The attribution estimators: per-channel linear models, stacked and calibrated.

:class:`BlockScaler` prepares each channel block of the design matrix;
:class:`AttributionClassifier` fits one linear model per channel on
prompt-grouped folds and a multinomial logistic regression (the *combiner*)
on their out-of-fold scores. What each channel needs (its regularization, its
learner, how its block is prepared) is read from its spec in
:data:`detector.channels.REGISTRY`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .. import channels as registry
from ..errors import ProvenanceError
from .folds import grouped_folds, one_blas_thread

__all__ = [
    "CHANNEL_C",
    "ESTIMATORS",
    "SVM_MAX_ITER",
    "SVM_TOL",
    "AttributionClassifier",
    "BlockScaler",
    "block_slices",
]

#: Regularization of each channel's SVM (larger = weaker); chosen by grouped CV.
CHANNEL_C: dict[str, float] = {
    name: float(registry.attribution_use(name).C) for name in registry.attribution_channels()
}
#: Per-channel learners compared in the benchmark; "svm" is the default.
ESTIMATORS = ("svm", "auto", "logreg", "sgd", "hgb")
#: Passes of liblinear's dual coordinate descent over the data per SVM (and its
#: stopping tolerance). The SVMs are stopped early on purpose: on the development
#: corpus (42 models, prompt-grouped 5-fold CV, n-grams + style) 10 passes give
#: 34.5% held-out accuracy against 34.4% run to ``tol`` 1e-2 (n-grams) and 1e-3
#: (style), and cut training from 277 s to 152 s in one process (177 s to 97 s with
#: two); 5-way 83.3% against 83.4%. 5 passes of the n-gram SVM lose 0.8 points
#: (42-way). The time is in liblinear (90%): one SVM per class, 42 classes.
SVM_MAX_ITER = 10
SVM_TOL = 1e-1


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


def block_slices(blocks: Sequence[tuple[str, int]]) -> dict[str, slice]:
    """Column range of each channel block, from (name, width) pairs in column order."""
    out, start = {}, 0
    for name, width in blocks:
        out[str(name)] = slice(start, start + int(width))
        start += int(width)
    return out


class BlockScaler(TransformerMixin, BaseEstimator):
    """Prepare each channel block of the design matrix for one linear model.

    - sparse (term-count) blocks: binarized, weighted by inverse document
      frequency ``ln((1 + n) / (1 + df)) + 1`` (as
      :class:`~sklearn.feature_extraction.text.TfidfTransformer`), rows scaled
      to unit length;
    - dense blocks: centred and scaled to unit variance (constant columns become 0).

    scikit-learn's scalers cannot centre a sparse matrix, hence this transformer.
    Which blocks are sparse is the channel spec's ``sparse``.

    Parameters
    ----------
    blocks : tuple of (str, int)
        Channel name and width of each block, in column order.
    dense : bool
        Return a dense array (for learners that need one).

    Attributes
    ----------
    idf_ : dict of str to numpy.ndarray
        Inverse document frequency of each column of a sparse block.
    mean_, scale_ : dict of str to numpy.ndarray
        Mean and standard deviation of each column of a dense block.
    """

    def __init__(self, blocks: tuple[tuple[str, int], ...] = (), dense: bool = False) -> None:
        self.blocks = blocks
        self.dense = dense

    def fit(self, X: Any, y: Any = None) -> BlockScaler:
        """Learn the idf of sparse blocks' columns and the mean and spread of dense ones."""
        X = sp.csr_matrix(X)
        if not self.blocks:
            raise ProvenanceError("the attribution design needs at least one channel block")
        self.idf_: dict[str, np.ndarray] = {}
        self.mean_: dict[str, np.ndarray] = {}
        self.scale_: dict[str, np.ndarray] = {}
        n = X.shape[0]
        for name, sl in block_slices(self.blocks).items():
            block = X[:, sl]
            if registry.get(name).sparse:
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
        for name, sl in block_slices(self.blocks).items():
            block = X[:, sl]
            if registry.get(name).sparse:
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


# Saved classifiers name this class by its public path (skops records the type's
# module); keep that name whatever module defines it, so files stay loadable.
BlockScaler.__module__ = "detector.attribution"


class AttributionClassifier(ClassifierMixin, BaseEstimator):
    """One linear SVM per channel, stacked and calibrated on prompt-grouped folds.

    ``X`` is the stacked design matrix of
    :func:`~detector.attribution.design.design_matrix`: its columns are the
    channel blocks named in ``blocks``, in that order. Each channel gets its
    own :class:`BlockScaler` and :class:`~sklearn.svm.LinearSVC`
    (one-vs-rest); their out-of-fold scores on prompt-grouped folds train a
    multinomial logistic regression (the *combiner*) that weighs the channels
    and calibrates the probabilities. One SVM over all blocks together did
    worse than the n-gram channel alone (see the benchmark), as dense blocks
    made the training texts separable in directions that do not generalize.
    :func:`~detector.attribution.train` builds ``X`` from a corpus and keeps
    what is needed to build it again for new outputs (:attr:`terms_`,
    :attr:`metadata_`).

    Parameters
    ----------
    blocks : tuple of (str, int)
        Channel name and number of columns of each block of ``X``.
    C : float or dict of str to float, optional
        SVM regularization (larger = weaker), one for all channels or per
        channel; default each channel spec's ``attribution.C`` (:data:`CHANNEL_C`).
    n_folds : int
        Prompt-grouped folds for the combiner's training scores (and the
        evaluation).
    seed : int
        Seed of the fold assignment.
    estimator : {"svm", "auto", "logreg", "sgd", "hgb"}
        Per-channel learner: a linear SVM for every channel (default); "auto",
        each channel spec's ``attribution.estimator`` (a linear SVM for the
        n-gram channel, logistic regression for dense ones: 1.6x faster on 42
        models, 0.5 points less accurate, worse calibrated); or for every
        channel logistic regression (``C`` times 10, lbfgs), SGD with the
        modified Huber loss, or histogram gradient boosting (dense channels
        only; cannot be saved).
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
        Out-of-fold SVM scores (absent in a classifier read from a file: they
        are not saved).
    oof_proba_ : numpy.ndarray, shape (n_samples, n_classes)
        Out-of-fold probabilities: fold k's scores through a combiner fitted
        on the other folds' scores only (absent in a classifier read from a file).
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
        return block_slices(self.blocks)

    def _channel_C(self, name: str) -> float:
        if isinstance(self.C, dict):
            return float(self.C.get(name, CHANNEL_C[name]))
        return float(self.C) if self.C is not None else CHANNEL_C[name]

    def _learner(self, name: str) -> Any:
        C = self._channel_C(name)
        spec = registry.get(name)
        estimator = (
            registry.attribution_use(spec.name).estimator
            if self.estimator == "auto"
            else self.estimator
        )
        if estimator == "svm":
            return LinearSVC(C=C, tol=SVM_TOL, max_iter=SVM_MAX_ITER, random_state=self.seed)
        if estimator == "logreg":
            return LogisticRegression(C=10 * C, max_iter=1000)
        if estimator == "sgd":
            from sklearn.linear_model import SGDClassifier

            return SGDClassifier(loss="modified_huber", alpha=1e-5 / C, random_state=self.seed)
        if estimator == "hgb":
            if spec.sparse:
                raise ProvenanceError(f"estimator 'hgb' works on dense channels only, not {name}")
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

    def _training_masks(self, y: np.ndarray) -> list[np.ndarray]:
        """Training rows of each fold, then all rows (the final fit)."""
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
        masks.append(np.ones(len(y), bool))
        return masks

    @one_blas_thread
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

        Raises
        ------
        ProvenanceError
            No block, fewer than two models, or a model absent from some
            fold's training rows.
        """
        if not self.blocks:
            raise ProvenanceError("AttributionClassifier needs at least one channel block")
        X = sp.csr_matrix(X)
        y = np.asarray(y).astype(str)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ProvenanceError("attribution needs outputs of at least two models")
        slices = self._block_slices()
        group_of_row = np.arange(len(y)) if groups is None else np.asarray(groups)
        self.folds_ = grouped_folds(group_of_row, self.n_folds, self.seed)
        masks = self._training_masks(y)
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

    @property
    def abstain_thresholds(self) -> dict[str, float] | None:
        """Per class, the top probability below which a text attributed to it is "unknown".

        None for a classifier saved before abstention existed (it never
        abstains). See :mod:`detector.attribution.openset`.
        """
        settings = self.metadata.get("open_set")
        if not settings:
            return None
        return {str(c): float(t) for c, t in settings.get("thresholds", {}).items()}

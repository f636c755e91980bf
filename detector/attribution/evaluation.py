"""How good an attribution classifier is, on prompts it never saw.

:func:`evaluate` turns a fitted :class:`~detector.attribution.model.AttributionClassifier`'s
out-of-fold probabilities into an :class:`Evaluation`: accuracy per text and
over k texts of one model, calibration, per-model precision and recall, the
confusion matrix, what gives each model away in words, and the abstain
threshold's effect on the held-out texts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import channels as registry
from ..results import Result
from .model import AttributionClassifier

__all__ = ["KS", "Evaluation", "evaluate"]

KS = (1, 5, 10)


@dataclass
class Evaluation(Result):
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
    notes : list of str
    abstain_thresholds : dict of str to float, or None
        Per class, the top probability below which a text attributed to it is
        answered "unknown" (:mod:`detector.attribution.openset`).
    abstain_coverage : float or None
        Share of held-out texts of the classes meant to stay attributed.
    attributed : float or None
        Share of held-out texts whose top probability reaches the threshold.
    accuracy_attributed : float or None
        Accuracy among those texts.
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
    abstain_thresholds: dict[str, float] | None = None
    abstain_coverage: float | None = None
    attributed: float | None = None
    accuracy_attributed: float | None = None

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

    def _abstain_line(self) -> list[str]:
        if not self.abstain_thresholds or self.attributed is None:
            return []
        acc = (
            "" if self.accuracy_attributed is None else f", accuracy {self.accuracy_attributed:.1%}"
        )
        low, high = min(self.abstain_thresholds.values()), max(self.abstain_thresholds.values())
        return [
            f"answers 'unknown' below top probability {low:.2f}-{high:.2f} (per class): "
            f"{self.attributed:.1%} of held-out texts attributed{acc}"
        ]

    def to_text(self) -> str:
        at_k = ", ".join(f"k={k}: {v:.1%}" for k, v in self.accuracy_at_k.items())
        lines = [
            f"attribution among {len(self.models)} models from {', '.join(self.channels)}: "
            f"{self.n_texts} texts, {self.n_prompts} prompts, {self.n_folds} prompt-grouped folds",
            f"held-out accuracy per text {self.accuracy:.1%} (chance {self.chance:.1%}); "
            f"over k texts of one model: {at_k}",
            f"log loss {self.log_loss:.3f}, calibration error (ECE) {self.ece:.3f}, "
            f"trained in {self.fit_seconds:.0f} s",
            *self._abstain_line(),
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


def _class_means(G: sp.csr_matrix, n_c: np.ndarray, n_rest: np.ndarray, M: Any) -> Any:
    """Mean of each column in each class's rows and in the other rows."""
    total = np.asarray((G @ M).todense())
    return total / n_c[:, None], (total.sum(axis=0, keepdims=True) - total) / n_rest


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
    the combiner's weight on that channel's score for c. Channels whose spec
    has no ``describe_feature`` (embedding dimensions) are left out.
    """
    classes = clf.classes_
    k = len(classes)
    y_idx = np.searchsorted(classes, y)
    G = sp.csr_matrix((np.ones(len(y)), (y_idx, np.arange(len(y)))), shape=(k, len(y)))
    n_c = np.asarray(G.sum(axis=1)).ravel()
    n_rest = np.maximum(len(y) - n_c, 1)[:, None]
    comb = clf.combiner_.coef_
    if comb.shape[0] == 1:
        comb = np.vstack([-comb[0], comb[0]])
    slices = clf._block_slices()
    found: list[list[tuple[float, str]]] = [[] for _ in range(k)]
    for i, (block, pipeline) in enumerate(clf.pipelines_.items()):
        spec = registry.get(block)
        describe = spec.describe_feature
        if describe is None or not hasattr(pipeline.named_steps["svm"], "coef_"):
            continue  # not readable, or not a linear learner
        raw = X[:, slices[block]]
        Z = sp.csr_matrix(pipeline.named_steps["blocks"].transform(raw))
        coef = pipeline.named_steps["svm"].coef_
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        mean_c, mean_rest = _class_means(G, n_c, n_rest, Z)
        weight = np.maximum([comb[c, i * k + c] for c in range(k)], 0.0)[:, None]
        contrib = coef * (mean_c - mean_rest) * weight
        share_c, share_rest = _class_means(G, n_c, n_rest, (raw > 0).astype(np.float64))
        linear = sp.csr_matrix(raw, copy=True)
        if (
            registry.attribution_use(spec.name).arcsinh and not spec.sparse
        ):  # undo the design's arcsinh
            linear.data = np.sinh(linear.data)
        raw_c, raw_rest = _class_means(G, n_c, n_rest, linear)
        for c in range(k):
            for j in np.argsort(-contrib[c])[:top]:
                if contrib[c, j] <= 0:
                    break
                text = describe(
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


def evaluate(
    clf: AttributionClassifier,
    X: sp.csr_matrix,
    y: np.ndarray,
    groups: np.ndarray,
    names: dict[str, list[str]],
    seed: int,
    fit_seconds: float,
    top: int,
) -> Evaluation:
    """The :class:`Evaluation` of a fitted classifier from its out-of-fold probabilities.

    Parameters
    ----------
    clf : AttributionClassifier
        Fitted on ``X``, ``y``, ``groups``.
    X : scipy.sparse.csr_matrix, shape (n_texts, n_columns)
    y, groups : numpy.ndarray, shape (n_texts,)
        Model and prompt id of each row.
    names : dict of str to list of str
        Column names of each channel block.
    seed : int
        Seed of the k-text sets.
    fit_seconds : float
    top : int
        Readable features reported per model.
    """
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

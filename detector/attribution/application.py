"""Applying a trained classifier to new outputs: which model wrote each one, or none of them."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..corpus import Corpus
from ..errors import ProvenanceError
from ..features import FeatureOptions, Features
from ..progress import enabled as progress_enabled
from ..resolve import as_corpus
from ..results import Result
from . import openset
from .design import (
    build_blocks,
    channel_matrices,
    design_matrix,
    given_features,
    model_channels,
    select_rows,
)
from .folds import one_blas_thread
from .model import AttributionClassifier

__all__ = ["AttributionResult", "attribute"]


@dataclass
class AttributionResult(Result):
    """Which model wrote each output of a corpus, according to a trained classifier.

    Attributes
    ----------
    classes : list of str
        The classifier's models.
    texts : list of dict
        Per output: ``model`` (who the corpus says wrote it), ``prompt_id``,
        ``predicted`` (the class, or :attr:`unknown` when the text is
        attributed to none of them), ``most_probable`` (the most probable
        class), ``held_out_rank`` (share of the classifier's held-out texts
        attributed to that class less confidently; None without open-set
        settings) and ``probabilities`` (class -> p).
    by_model : dict of str to dict of str to float
        Per model of the corpus, the share of its outputs attributed to each
        class and to :attr:`unknown`.
    mean_probability : dict of str to dict of str to float
        Per model of the corpus, the mean probability of each class.
    classifier : dict
        The classifier's metadata (models, channels, embedding model, versions).
    source : str
        The corpus attributed.
    abstained : dict of str to int
        Per model of the corpus, its outputs answered :attr:`unknown`.
    open_set : dict of str to dict
        Per model of the corpus, the sign test of "its texts come from the
        classes" (:meth:`~detector.attribution.openset.OpenSet.test_models`):
        ``n``, ``below_median``, ``p``, ``p_holm``, ``none_of_these``.
    not_classes : list of str
        Models of the corpus that are not classes of the classifier.
    coverage : float or None
        Share of held-out texts of the classes kept attributed (None: the
        classifier has no open-set settings and never abstains).
    unknown : str
        The answer for none of the classes.
    notes : list of str
        Warnings for the reader (models that are not classes, ...).
    """

    classes: list[str]
    texts: list[dict[str, Any]]
    by_model: dict[str, dict[str, float]]
    mean_probability: dict[str, dict[str, float]]
    classifier: dict[str, Any]
    source: str = "<memory>"
    abstained: dict[str, int] = field(default_factory=dict)
    open_set: dict[str, dict[str, Any]] = field(default_factory=dict)
    not_classes: list[str] = field(default_factory=list)
    coverage: float | None = None
    unknown: str = openset.UNKNOWN
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """Shares, shape (n_models_in_corpus, n_classes + 1): the classes, then "unknown"."""
        frame = pd.DataFrame(self.by_model).T
        frame = frame.reindex(columns=[*self.classes, self.unknown]).fillna(0.0)
        frame.index.name = "model"
        return frame

    def _model_line(self, model: str, shares: dict[str, float], top: int) -> str:
        n = sum(1 for t in self.texts if t["model"] == model)
        best = sorted(shares.items(), key=lambda kv: -kv[1])[:top]
        parts = ", ".join(f"{c} {s:.1%}" for c, s in best if s > 0)
        tags = [f"{n} outputs"]
        if self.coverage is not None:
            tags[0] += f", {self.abstained.get(model, 0)} answered {self.unknown}"
        if model in self.not_classes:
            tags.append("not a class of the classifier")
        line = f"{model} ({'; '.join(tags)}): {parts}"
        test = self.open_set.get(model)
        if test and test["none_of_these"]:
            line += (
                f"\n  -> none of these models: {test['below_median']} of {test['n']} outputs are "
                "attributed less confidently than the median held-out text of their class "
                f"(sign test, Holm p = {test['p_holm']:.2g})"
            )
        return line

    def to_text(self, top: int = 3) -> str:
        rule = (
            f"'{self.unknown}' below the top probability that keeps {self.coverage:.0%} of "
            "held-out texts of the classes attributed"
            if self.coverage is not None
            else "never abstains (saved without open-set settings)"
        )
        lines = [
            f"{self.source}: {len(self.texts)} outputs of {len(self.by_model)} model(s) "
            f"attributed among {len(self.classes)} classes "
            f"({', '.join(self.classifier.get('channels') or [])}); {rule}",
            "",
        ]
        lines += [self._model_line(m, s, top) for m, s in self.by_model.items()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<p>{html.escape(self.source)}: {len(self.texts)} outputs attributed among "
            f"{len(self.classes)} classes</p>"
            + self.to_frame().round(3).to_html()
            + self._html_notes()
        )


def _check_embedding(clf: AttributionClassifier, data: Any, embedding_model: str | None) -> None:
    saved = clf.metadata.get("embedding_model")
    used = model_channels(clf.channels)
    if not used or not saved:
        return
    if embedding_model is not None:
        from ..embedding_models import resolve_model

        name = resolve_model(embedding_model)[0]
        if name != saved["name"]:
            raise ProvenanceError(
                f"the classifier was trained on embeddings of {saved['name']}, not {name}; "
                "use the same embedding model or retrain"
            )
    given = given_features(data)
    if given is None:
        return
    for c in used:
        if c not in given.matrices:
            continue
        dim = int(np.asarray(given.matrices[c]).shape[1])
        given_name = given.info.get("embedding_model")
        if (given_name and given_name != saved["name"]) or dim != int(saved["dim"]):
            raise ProvenanceError(
                f"the features were computed with embedding model {given_name or 'unknown'} "
                f"({dim} dimensions) but the classifier was trained on {saved['name']} "
                f"({saved['dim']} dimensions); recompute them with that model or retrain"
            )


def _new_design(
    clf: AttributionClassifier,
    data: Corpus | Features,
    rows: np.ndarray | None,
    options: FeatureOptions,
) -> tuple[Corpus, np.ndarray, sp.csr_matrix]:
    """The classifier's design matrix for the outputs of a new corpus."""
    _check_embedding(clf, data, options.embedding_model)
    saved_emb = clf.metadata.get("embedding_model") or {}
    if model_channels(clf.channels):  # the features of the classifier's own model
        options = replace(options, embedding_model=saved_emb.get("name"))
    corpus, matrices, names = channel_matrices(data, clf.channels, options)
    rows = np.arange(len(corpus.df)) if rows is None else rows
    blocks, block_names = build_blocks(
        corpus,
        rows,
        clf.channels,
        matrices,
        names,
        vocabulary=clf.terms_,
        options=options,
    )
    from .. import channels as registry

    for c, width in clf.blocks:
        have = blocks[c].shape[1]
        spec = registry.get(c)
        counted_here = registry.attribution_use(c).own_terms is not None  # its own vocabulary
        if not counted_here and block_names[c] != list(clf.feature_names_.get(c, [])):
            raise ProvenanceError(
                f"the {c} features ({have} columns) differ from those the classifier was "
                f"trained on ({width}); retrain it with this version of provenance"
            )
        if spec.uses_embedding_model and have != width:
            raise ProvenanceError(
                f"the {c} features have {have} dimensions but the classifier expects "
                f"{width}; use the embedding model it was trained with"
            )
    return corpus, rows, design_matrix(blocks)


def _unknown_label(classes: list[str]) -> str:
    """The answer for none of the classes, never a class's own name."""
    label = openset.UNKNOWN
    while label in classes:
        label = f"({label})"
    return label


def _not_classes_note(outside: list[str], classes: list[str]) -> str:
    names = ", ".join(outside[:8]) + (f" and {len(outside) - 8} more" if len(outside) > 8 else "")
    verb = "is" if len(outside) == 1 else "are"
    return (
        f"{names} {verb} not among the classifier's {len(classes)} models: such outputs can "
        "only be attributed to one of those or answered unknown; see the per-model "
        "none-of-these test"
    )


@one_blas_thread
def attribute(
    clf: AttributionClassifier,
    data: Corpus | Features,
    models: Sequence[str] | None = None,
    *,
    options: FeatureOptions | None = None,
    coverage: float | None = None,
) -> AttributionResult:
    """Attribute every output of a corpus to one of the classifier's models, or to none.

    Parameters
    ----------
    clf : AttributionClassifier
        From :func:`~detector.attribution.train` or :func:`~detector.attribution.load_classifier`.
    data : Corpus or Features
        Outputs to attribute (its models need not be classes: those that are
        not are named in the result's notes).
    models : sequence of str, optional
        Attribute only these models' outputs.
    options : FeatureOptions, optional
        How the channel features are computed
        (:func:`~detector.features.compute_features`); its ``embedding_model``,
        if given, must be the classifier's (default: the one recorded in the
        classifier).
    coverage : float, optional
        Share of held-out texts of the classes to keep attributed (default:
        the classifier's, 95%); texts below the matching threshold are
        answered "unknown" (:mod:`detector.attribution.openset`). 1 never
        abstains.

    Returns
    -------
    AttributionResult

    Raises
    ------
    ProvenanceError
        Unknown model, features from another embedding model or feature
        version than the classifier's, or a coverage outside (0, 1].
    """
    options = options or FeatureOptions()
    options = replace(options, progress=progress_enabled(options.progress))
    if coverage is not None:
        openset.check_coverage(coverage)
    corpus = as_corpus(data)
    rows = select_rows(corpus, models)
    corpus, rows, X = _new_design(clf, data, rows, options)
    proba = clf.predict_proba(X)
    classes = clf.models
    df = corpus.df.iloc[rows]
    model_col = df["model"].astype(str).to_numpy()
    settings = clf.metadata.get("open_set")
    rule = openset.OpenSet(settings, classes, coverage) if settings else None
    unknown = _unknown_label(classes)
    pred = np.argmax(proba, axis=1)
    abstain = rule.abstain(proba) if rule else np.zeros(len(pred), dtype=bool)
    rank = rule.held_out_rank(proba) if rule else [None] * len(pred)
    texts = [
        {
            "model": str(m),
            "prompt_id": str(p),
            "predicted": unknown if a else classes[k],
            "most_probable": classes[k],
            "held_out_rank": None if r is None else round(float(r), 4),
            "probabilities": {c: round(float(v), 6) for c, v in zip(classes, row, strict=True)},
        }
        for m, p, k, a, r, row in zip(
            df["model"], df["prompt_id"], pred, abstain, rank, proba, strict=True
        )
    ]
    by_model: dict[str, dict[str, float]] = {}
    mean_p: dict[str, dict[str, float]] = {}
    abstained: dict[str, int] = {}
    for m in sorted(set(model_col)):
        sel = model_col == m
        share = np.bincount(pred[sel & ~abstain], minlength=len(classes)) / sel.sum()
        by_model[m] = {c: float(s) for c, s in zip(classes, share, strict=True)}
        by_model[m][unknown] = float(np.sum(sel & abstain) / sel.sum())
        abstained[m] = int(np.sum(sel & abstain))
        mean_p[m] = {c: float(v) for c, v in zip(classes, proba[sel].mean(axis=0), strict=True)}
    outside = [m for m in by_model if m not in set(classes)]
    notes = [_not_classes_note(outside, classes)] if outside else []
    if rule is None:
        notes.append(
            "this classifier was saved without open-set settings: it never answers unknown; "
            "train it again to get them"
        )
    logging.getLogger(__name__).info(
        "attribute: %d texts of %d model(s) against %d classes%s",
        len(texts), len(by_model), len(classes), f"; not classes: {', '.join(outside)}" if outside else "",
    )  # fmt: skip
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
        abstained=abstained,
        open_set=rule.test_models(proba, model_col) if rule else {},
        not_classes=outside,
        coverage=None if rule is None else rule.coverage,
        unknown=unknown,
        notes=notes,
    )

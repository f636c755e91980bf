"""Consistency checks of a loaded classifier file: nothing in it is trusted.

A ``skops`` archive that holds only trusted types can still disagree with
itself: a JSON member that does not parse, a missing key, blocks whose widths
are not the estimators' input sizes, a term list longer than the n-gram
block, classes that differ between the estimators, arrays of the wrong shape
or with NaN, a format version from the future. :func:`classifier_from_state`
checks all of it and builds the classifier, or raises one
:class:`~detector.errors.ProvenanceError` line naming the file and the first
inconsistency. As a last check the classifier must give finite probabilities
for a test row.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import channels as registry
from ..errors import ProvenanceError
from .model import ESTIMATORS, AttributionClassifier, BlockScaler

__all__ = ["FORMAT", "FORMAT_VERSION", "classifier_from_state"]

FORMAT = "provenance-attribution-classifier"
FORMAT_VERSION = 1
_MEMBERS = ("metadata_json", "params_json", "terms_utf8", "pipelines", "combiner")
_PARAMS = ("blocks", "C", "n_folds", "seed", "classes", "feature_names")


class _Inconsistent(Exception):
    """One inconsistency, in words; turned into a ProvenanceError naming the file."""


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise _Inconsistent(what)


def _fitted(est: Any, attribute: str) -> Any:
    """A fitted attribute of an estimator read from a file; None when absent (checked next)."""
    return getattr(est, attribute, None)


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _is_number(x: Any) -> bool:
    return (_is_int(x) or isinstance(x, float | np.floating)) and math.isfinite(float(x))


def _json(state: dict[str, Any], key: str) -> dict[str, Any]:
    text = state[key]
    _need(isinstance(text, str), f"{key} is not text")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _Inconsistent(f"{key} is not valid JSON ({type(exc).__name__})") from None
    _need(isinstance(value, dict), f"{key} is not a JSON object")
    return value


def _array(x: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A finite numeric array of exactly ``shape``."""
    _need(isinstance(x, np.ndarray), f"{what}: not an array")
    _need(x.dtype.kind in "fiu", f"{what}: not numeric ({x.dtype})")
    _need(x.shape == shape, f"{what}: shape {x.shape}, expected {shape}")
    _need(bool(np.all(np.isfinite(x))), f"{what}: NaN or infinite values")
    return x


def _check_version(state: dict[str, Any], where: str) -> None:
    version: Any = state.get("format_version")
    _need(_is_int(version) and int(version) >= 1, f"format_version {version!r} is not a version")
    if int(version) > FORMAT_VERSION:
        raise ProvenanceError(
            f"{where}: classifier format {version} is newer than this provenance "
            f"understands ({FORMAT_VERSION}); upgrade provenance"
        )


def _check_blocks(blocks: Any) -> list[tuple[str, int]]:
    _need(isinstance(blocks, list) and len(blocks) > 0, "params_json has no channel blocks")
    known = registry.attribution_channels()
    out: list[tuple[str, int]] = []
    for item in blocks:
        _need(isinstance(item, list) and len(item) == 2, f"block {item!r} is not [name, width]")
        name, width = item
        _need(isinstance(name, str) and name in known, f"block {name!r} is not a channel")
        _need(_is_int(width) and int(width) >= 1, f"block {name!r} has width {width!r}")
        out.append((name, int(width)))
    names = [n for n, _ in out]
    _need(len(set(names)) == len(names), "a channel block is repeated")
    _need(names == [c for c in known if c in names], "the channel blocks are out of order")
    return out


def _check_params(params: dict[str, Any]) -> tuple[list[tuple[str, int]], list[str]]:
    missing = [k for k in _PARAMS if k not in params]
    _need(not missing, f"params_json lacks {', '.join(missing)}")
    blocks = _check_blocks(params["blocks"])
    classes = params["classes"]
    _need(
        isinstance(classes, list) and all(isinstance(c, str) for c in classes),
        "the classes are not a list of names",
    )
    _need(len(classes) >= 2, "fewer than two classes")
    _need(classes == sorted(set(classes)), "the classes are repeated or not sorted")
    C = params["C"]
    values = list(C.values()) if isinstance(C, dict) else [] if C is None else [C]
    _need(all(_is_number(v) and float(v) > 0 for v in values), f"C {C!r} is not positive")
    _need(_is_int(params["n_folds"]) and params["n_folds"] >= 2, "n_folds is not 2 or more")
    _need(_is_int(params["seed"]) and params["seed"] >= 0, "seed is not a non-negative integer")
    _need(params.get("estimator", "svm") in ESTIMATORS, "unknown estimator")
    names = params["feature_names"]
    _need(isinstance(names, dict), "feature_names is not an object")
    for name, width in blocks:
        if registry.attribution_use(name).own_terms:
            continue
        cols = names.get(name)
        _need(
            isinstance(cols, list) and all(isinstance(c, str) for c in cols),
            f"the {name} feature names are missing",
        )
        _need(len(cols) == width, f"{len(cols)} {name} feature names for a block of {width}")
    return blocks, classes


def _check_terms(raw: Any, blocks: list[tuple[str, int]], max_terms: int | None) -> list[str]:
    """The n-gram terms, counted in their bytes before any becomes a Python string."""
    _need(isinstance(raw, np.ndarray) and raw.dtype == np.uint8 and raw.ndim == 1, "bad terms")
    width = next((w for n, w in blocks if registry.attribution_use(n).own_terms), 0)
    if max_terms is not None:
        _need(
            width <= max_terms,
            f"an n-gram block of {width:,} terms; a file this size holds at most {max_terms:,}",
        )
    count = int(np.count_nonzero(raw == 10)) + 1 if raw.size else 0
    _need(count == width, f"{count:,} terms for an n-gram block of {width:,}")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise _Inconsistent("the terms are not UTF-8 text") from None
    terms = text.split("\n") if text else []
    _need(len(set(terms)) == len(terms) and all(terms), "the terms are repeated or empty")
    return terms


def _check_labels(est: Any, classes: Sequence[str], what: str) -> None:
    labels = _fitted(est, "classes_")
    _need(isinstance(labels, np.ndarray), f"{what} has no classes")
    _need([str(c) for c in labels] == list(classes), f"{what}'s classes differ from the file's")


def _check_linear(est: Any, n_classes: int, width: int, what: str) -> None:
    """A fitted linear model's coefficients fit ``width`` inputs and the classes."""
    rows = 1 if n_classes == 2 else n_classes
    _array(_fitted(est, "coef_"), (rows, width), f"{what} coefficients")
    _array(_fitted(est, "intercept_"), (rows,), f"{what} intercepts")
    n_in = getattr(est, "n_features_in_", width)
    _need(_is_int(n_in) and int(n_in) == width, f"{what} expects {n_in} inputs, not {width}")


def _check_scaler(scaler: Any, name: str, width: int) -> None:
    _need(isinstance(scaler, BlockScaler), f"the {name} pipeline does not start with BlockScaler")
    _need(
        [list(b) for b in scaler.blocks] == [[name, width]],
        f"the {name} scaler's block is {scaler.blocks!r}, not [{name!r}, {width}]",
    )
    if registry.get(name).sparse:
        idf = _fitted(scaler, "idf_")
        _need(isinstance(idf, dict) and name in idf, f"the {name} scaler has no idf")
        _array(idf[name], (width,), f"the {name} idf")
    else:
        mean, scale = _fitted(scaler, "mean_"), _fitted(scaler, "scale_")
        _need(isinstance(mean, dict) and isinstance(scale, dict), f"the {name} scaler is unfitted")
        _array(mean.get(name), (width,), f"the {name} means")
        s = scale.get(name)
        _need(isinstance(s, np.ndarray) and s.shape == (width,), f"the {name} scales' shape")
        _need(bool(np.all(s > 0)) and not np.isnan(s).any(), f"the {name} scales are not positive")


def _check_pipelines(
    pipelines: Any, blocks: list[tuple[str, int]], classes: Sequence[str]
) -> dict[str, Any]:
    from sklearn.pipeline import Pipeline

    _need(isinstance(pipelines, dict), "pipelines is not a mapping")
    names = [n for n, _ in blocks]
    _need(sorted(pipelines) == sorted(names), "the pipelines are not those of the blocks")
    for name, width in blocks:
        pipe = pipelines[name]
        _need(isinstance(pipe, Pipeline), f"the {name} pipeline is not a Pipeline")
        steps = _fitted(pipe, "steps")
        _need(
            isinstance(steps, list) and [s[0] for s in steps] == ["blocks", "svm"],
            f"the {name} pipeline's steps are not blocks, svm",
        )
        _check_scaler(steps[0][1], name, width)
        _check_labels(steps[1][1], classes, f"the {name} model")
        _check_linear(steps[1][1], len(classes), width, f"the {name} model")
    return {n: pipelines[n] for n in names}


def _check_metadata(
    meta: dict[str, Any], blocks: list[tuple[str, int]], classes: list[str]
) -> None:
    names = [n for n, _ in blocks]
    _need(meta.get("channels", names) == names, "the metadata's channels differ from the blocks")
    _need(meta.get("models", classes) == classes, "the metadata's models differ from the classes")
    for name, width in blocks:
        if registry.get(name).uses_embedding_model:
            emb: Any = meta.get("embedding_model")
            _need(isinstance(emb, dict) and isinstance(emb.get("name"), str), "no embedding model")
            _need(emb.get("dim") == width, f"the embedding model's dimension is not {width}")
    _check_open_set(meta.get("open_set"), classes)
    versions = meta.get("versions", {})
    _need(isinstance(versions, dict), "versions is not an object")


def _check_open_set(open_set: Any, classes: list[str]) -> None:
    """The abstain settings: a coverage, a threshold per class, quantiles that rise."""
    if open_set is None:
        return
    _need(isinstance(open_set, dict), "open_set is not an object")
    coverage = open_set.get("coverage")
    _need(_is_number(coverage) and 0 < float(coverage) <= 1, f"coverage {coverage!r}")
    thresholds = open_set.get("thresholds")
    _need(isinstance(thresholds, dict), "the abstain thresholds are missing")
    _need(sorted(thresholds) == sorted(classes), "the abstain thresholds are not per class")
    ok = all(_is_number(t) and 0 <= float(t) <= 1 for t in thresholds.values())
    _need(ok, "an abstain threshold is not a probability")
    quantiles = open_set.get("quantiles")
    _need(isinstance(quantiles, dict) and "*" in quantiles, "the open-set quantiles are missing")
    for key, q in quantiles.items():
        _need(key in classes or key == "*", f"open-set quantiles of unknown class {key!r}")
        ok = isinstance(q, list) and len(q) == 101 and all(_is_number(v) for v in q)
        rising = ok and all(0 <= a <= b <= 1 for a, b in zip(q, q[1:], strict=False))
        _need(rising, f"the open-set quantiles of {key!r} are not 101 rising probabilities")


def _smoke_test(clf: AttributionClassifier) -> None:
    """The classifier must give finite probabilities that sum to 1 for a test row."""
    width = sum(w for _, w in clf.blocks)
    try:
        proba = clf.predict_proba(sp.csr_matrix((1, width)))
    except Exception as exc:  # whatever the estimators raise on inconsistent state
        raise _Inconsistent(f"it cannot classify a test row ({type(exc).__name__})") from None
    _need(proba.shape == (1, len(clf.classes_)), "its probabilities have the wrong shape")
    _need(bool(np.isfinite(proba).all()) and abs(proba.sum() - 1) < 1e-6, "bad probabilities")


def _build(state: dict[str, Any], max_terms: int | None) -> AttributionClassifier:
    missing = [k for k in _MEMBERS if k not in state]
    _need(not missing, f"missing member(s) {', '.join(missing)}")
    params = _json(state, "params_json")
    meta = _json(state, "metadata_json")
    blocks, classes = _check_params(params)
    terms = _check_terms(state["terms_utf8"], blocks, max_terms)
    pipelines = _check_pipelines(state["pipelines"], blocks, classes)
    combiner = state["combiner"]
    from sklearn.linear_model import LogisticRegression

    _need(isinstance(combiner, LogisticRegression), "the combiner is not a LogisticRegression")
    _check_labels(combiner, classes, "the combiner")
    _check_linear(combiner, len(classes), len(blocks) * len(classes), "the combiner")
    _check_metadata(meta, blocks, classes)
    clf = AttributionClassifier(
        blocks=tuple(blocks),
        C=params["C"],
        n_folds=int(params["n_folds"]),
        seed=int(params["seed"]),
        estimator=params.get("estimator", "svm"),
    )
    clf.classes_ = np.asarray(classes, dtype=str)
    clf.pipelines_ = pipelines
    clf.combiner_ = combiner
    clf.folds_ = []  # the out-of-fold scores are not saved: oof_scores_, oof_proba_ stay unset
    clf.terms_ = terms
    terms_channel = next((n for n, _ in blocks if registry.attribution_use(n).own_terms), None)
    clf.feature_names_ = {
        **{n: list(params["feature_names"][n]) for n, _ in blocks if n != terms_channel},
        **({terms_channel: terms} if terms_channel else {}),
    }
    clf.metadata_ = meta
    _smoke_test(clf)
    return clf


def classifier_from_state(
    state: Any, where: str, *, max_terms: int | None = None
) -> AttributionClassifier:
    """Check a loaded archive's contents and build the classifier they describe.

    Parameters
    ----------
    state : object
        What skops loaded from the file.
    where : str
        The file, for messages.
    max_terms : int, optional
        The most n-gram terms the file can hold (from its size); more is
        refused before the terms become Python strings.

    Raises
    ------
    ProvenanceError
        Not a provenance classifier, a newer format, or any inconsistency
        (one line naming the file and what disagrees).
    """
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ProvenanceError(
            f"{where}: not a provenance classifier (a skops file, but not one provenance "
            "train wrote)"
        )
    try:
        _check_version(state, where)
        return _build(state, max_terms)
    except _Inconsistent as exc:
        raise ProvenanceError(
            f"{where}: damaged or inconsistent classifier file ({exc}); "
            "train a new one with provenance train"
        ) from None

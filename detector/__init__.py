"""provenance: measure whether a language model learned from another model's outputs.

Data flows one way: corpus -> features (channels) -> evidence -> results ->
CLI / report / notebook. The entry points are available here:

>>> import detector
>>> corpus = detector.load_corpus("data/demo/outputs.jsonl")   # doctest: +SKIP
>>> result = detector.score(corpus, "student-of-atlas")        # doctest: +SKIP

========================  ========================================================
:func:`load_corpus`       read outputs (JSONL, CSV, Parquet, JSON, AlpacaEval, HF)
:func:`inspect`           models, coverage, lengths and problems of a corpus
:func:`compute_features`  per-output features of every channel (cached)
:class:`FeatureOptions`   how features are computed (every ``options=``)
:func:`build_evidence`    per-channel similarities between models
:func:`resolve_roles`     suspect, candidates and reference models, and why
:func:`score`             candidate teachers/parents of a suspect, with a verdict
:func:`lineage_tree`      tree of all models with bootstrap support
:func:`overused`          each model's over-used words and phrases (log-odds z)
:func:`train`             attribution classifier (which model wrote a text)
:func:`attribute`         apply a trained classifier to a corpus
:func:`build_report`      PDF report on one suspect
:func:`run_benchmark`     accuracy against documented lineage
========================  ========================================================

Collecting outputs from servers is :func:`detector.collect.collect` (the
module ``detector.collect`` has the same name as the function, so it is not
re-exported here).

The names are imported on first use (module ``__getattr__``), so that
``import detector`` and ``provenance --help`` load none of NumPy's heavy
neighbours (SciPy, scikit-learn, torch, matplotlib).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ProvenanceError

#: Public name -> the module that defines it.
_ENTRY_POINTS = {
    "Corpus": "corpus",
    "Inspection": "inspection",
    "inspect": "inspection",
    "load_corpus": "corpus",
    "FeatureOptions": "featureset",
    "Features": "features",
    "compute_features": "features",
    "features_table": "features",
    "Evidence": "evidence",
    "build_evidence": "evidence",
    "Roles": "resolve",
    "as_evidence": "resolve",
    "resolve_roles": "resolve",
    "ScoreResult": "scoring",
    "score": "scoring",
    "ShiftResult": "shift",
    "shift_score": "shift",
    "ShiftTerms": "shift_terms",
    "shift_terms": "shift_terms",
    "TreeResult": "tree",
    "lineage_tree": "tree",
    "OverusedResult": "overuse",
    "overused": "overuse",
    "AttributionClassifier": "attribution",
    "AttributionResult": "attribution",
    "Evaluation": "attribution",
    "attribute": "attribution",
    "attribution_transfer": "attribution",
    "load_classifier": "attribution",
    "save_classifier": "attribution",
    "train": "attribution",
    "ReportResult": "report",
    "build_report": "report",
    "BenchmarkResult": "benchmark",
    "load_lineage": "lineage",
    "run_benchmark": "benchmark",
    "run_demo": "demo_run",
    "Result": "results",
}

__all__ = [
    "AttributionClassifier",
    "AttributionResult",
    "BenchmarkResult",
    "Corpus",
    "Evaluation",
    "Evidence",
    "FeatureOptions",
    "Features",
    "Inspection",
    "OverusedResult",
    "ProvenanceError",
    "ReportResult",
    "Result",
    "Roles",
    "ScoreResult",
    "ShiftResult",
    "ShiftTerms",
    "TreeResult",
    "__version__",
    "as_evidence",
    "attribute",
    "attribution_transfer",
    "build_evidence",
    "build_report",
    "compute_features",
    "features_table",
    "inspect",
    "lineage_tree",
    "load_classifier",
    "load_corpus",
    "load_lineage",
    "overused",
    "resolve_roles",
    "run_benchmark",
    "run_demo",
    "save_classifier",
    "score",
    "shift_score",
    "shift_terms",
    "train",
]


def __getattr__(name: str) -> Any:
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'detector' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENTRY_POINTS))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .attribution import (
        AttributionClassifier,
        AttributionResult,
        Evaluation,
        attribute,
        attribution_transfer,
        load_classifier,
        save_classifier,
        train,
    )
    from .benchmark import BenchmarkResult, run_benchmark
    from .corpus import Corpus, load_corpus
    from .demo_run import run_demo
    from .evidence import Evidence, build_evidence
    from .features import Features, compute_features, features_table
    from .featureset import FeatureOptions
    from .inspection import Inspection, inspect
    from .lineage import load_lineage
    from .overuse import OverusedResult, overused
    from .report import ReportResult, build_report
    from .resolve import Roles, as_evidence, resolve_roles
    from .results import Result
    from .scoring import ScoreResult, score
    from .tree import TreeResult, lineage_tree

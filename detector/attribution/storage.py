"""Saving and loading attribution classifiers, treating every file as untrusted.

:func:`save_classifier` writes a ``skops`` archive (no pickle) holding plain
data, scikit-learn estimators and :class:`~detector.attribution.model.BlockScaler`
only; the metadata (models, channels, embedding model and its weight
fingerprint, library versions, hash of the training corpus, the abstain
threshold) travels inside.

:func:`load_classifier` reads a file in three guarded steps, so that a
damaged or hostile file is one :class:`~detector.errors.ProvenanceError` line,
never a traceback, never code run and never memory exhausted:

1. *Size*: the file is at most :data:`MAX_FILE_BYTES`; the zip members'
   declared sizes are read from the central directory with :mod:`zipfile`
   before anything is decompressed, and the archive is refused when they add
   up to more than :data:`MAX_UNCOMPRESSED_BYTES`, or to more than
   :data:`MAX_EXPANSION` times the file's size once past
   :data:`EXPANSION_FLOOR_BYTES` (a decompression bomb: deflate reaches
   about 1,000 to 1; a real classifier's members expand 1.2-17 times, 1.3 to
   4.1 overall), and when ``schema.json``, which skops parses into Python
   objects, would pass twice the file (1 MiB for a small file).
   :mod:`zipfile` never decompresses a member past its declared size, so the
   declared sizes bound what skops can read. Then no list or string grows
   past a small multiple of the file: the n-gram terms are counted in their
   bytes before they become Python strings, and a file may hold at most one
   term per :data:`MIN_BYTES_PER_TERM` bytes. Measured on field case 13
   (``benchmarks/results/classifier_memory.md``).
2. *Types*: every type in the archive must be in :data:`TRUSTED_TYPES`
   (checked by skops before anything is built), so a file cannot run code.
3. *Consistency* (:mod:`detector.attribution.checks`): members, JSON,
   blocks, terms, classes and every array's shape agree, values are finite,
   and the classifier answers a test row.
"""

from __future__ import annotations

import json
import os
import warnings
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ProvenanceError
from ..files import atomic_write
from .checks import FORMAT, FORMAT_VERSION, classifier_from_state
from .model import AttributionClassifier

__all__ = [
    "EXPANSION_FLOOR_BYTES",
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_EXPANSION",
    "MAX_SCHEMA_RATIO",
    "MIN_BYTES_PER_TERM",
    "MAX_FILE_BYTES",
    "MAX_MEMBERS",
    "MAX_UNCOMPRESSED_BYTES",
    "TRUSTED_TYPES",
    "load_classifier",
    "save_classifier",
]

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
#: Largest classifier file read (bytes). A 42-model classifier is about 60 MB.
MAX_FILE_BYTES = 2 * 1024**3
#: Largest total declared uncompressed size of the archive's members (bytes).
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
#: Largest ratio of declared uncompressed size to file size ...
MAX_EXPANSION = 16
#: ... enforced once the declared size passes this (small files may compress well).
EXPANSION_FLOOR_BYTES = 8 * 1024**2
#: Largest declared size of ``schema.json`` (the JSON tree skops parses into Python
#: objects before any check of ours): this many times the file, or 1 MiB if more.
MAX_SCHEMA_RATIO = 2
#: Fewest bytes of the file per n-gram term: a real classifier stores a term's text and at
#: least one float coefficient and its idf per term (measured 23 and 51 bytes per term for
#: 6 and 10 models), so a file cannot hold more than its size / this many terms. Bounds the
#: Python strings the term list becomes.
MIN_BYTES_PER_TERM = 4
#: Most members an archive may have (a classifier has about 4 per channel, plus 3).
MAX_MEMBERS = 10_000


def _to_state(clf: AttributionClassifier) -> dict[str, Any]:
    from .design import own_terms_channel

    if getattr(clf, "pipelines_", None) is None or not hasattr(clf, "metadata_"):
        raise ProvenanceError("only a classifier returned by train() can be saved")
    terms_channel = own_terms_channel(clf.channels)
    names = {k: v for k, v in clf.feature_names_.items() if k != terms_channel}
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

    The file is written to a temporary name beside ``path`` and moved into
    place, so a failed write leaves an existing file whole.

    Parameters
    ----------
    clf : AttributionClassifier
        As returned by :func:`~detector.attribution.train`.
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
        raise ProvenanceError(f"{path}: already exists; choose another path or pass `force`")
    blob = sio.dumps(_to_state(clf), compression=zipfile.ZIP_DEFLATED)
    untrusted = sorted(set(sio.get_untrusted_types(data=blob)) - set(TRUSTED_TYPES))
    if untrusted:  # a programming error, but never write a file load would refuse
        raise ProvenanceError(
            f"classifier holds types outside the trusted list ({', '.join(untrusted)})"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, blob)
    return path


def _mib(n: float) -> str:
    return f"{n / 1024**2:,.2f} MiB" if n < 10 * 1024**2 else f"{n / 1024**2:,.0f} MiB"


def check_archive(blob: bytes, what: str) -> None:
    """Refuse an archive whose members would decompress past the limits, before reading them.

    Only the zip central directory is parsed (declared sizes); nothing is
    decompressed.

    Raises
    ------
    ProvenanceError
        Not a zip archive, too many members, or declared sizes past
        :data:`MAX_UNCOMPRESSED_BYTES` or :data:`MAX_EXPANSION` times the file.
    """
    try:
        with zipfile.ZipFile(BytesIO(blob)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ProvenanceError(
            f"{what} (not a skops archive: {type(exc).__name__}); train one with provenance train"
        ) from None
    if len(members) > MAX_MEMBERS:
        raise ProvenanceError(
            f"{what}: the archive has {len(members):,} members (at most {MAX_MEMBERS:,}); "
            "refusing to load"
        )
    declared = sum(max(int(m.file_size), 0) for m in members)
    limit = min(MAX_UNCOMPRESSED_BYTES, max(EXPANSION_FLOOR_BYTES, MAX_EXPANSION * len(blob)))
    if declared > limit:
        raise ProvenanceError(
            f"{what}: its members would decompress to {_mib(declared)} from a "
            f"{_mib(len(blob))} file (at most {_mib(limit)}: {MAX_EXPANSION} times the file, "
            f"or {_mib(EXPANSION_FLOOR_BYTES)} for a small file; {_mib(MAX_UNCOMPRESSED_BYTES)} "
            "in all); refusing to load a possible decompression bomb"
        )
    schema = sum(int(m.file_size) for m in members if m.filename == "schema.json")
    schema_limit = max(1024**2, MAX_SCHEMA_RATIO * len(blob))
    if schema > schema_limit:
        raise ProvenanceError(
            f"{what}: its schema.json would decompress to {_mib(schema)} from a "
            f"{_mib(len(blob))} file (a classifier's is about the file's size, at most "
            f"{_mib(schema_limit)} here); refusing to load"
        )


def _read_blob(path: Path) -> bytes:
    if not path.is_file():
        raise ProvenanceError(f"{path}: no such classifier file; train one with provenance train")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ProvenanceError(
            f"{path}: {_mib(size)} is larger than any classifier this tool writes "
            f"(at most {_mib(MAX_FILE_BYTES)}); refusing to load"
        )
    return path.read_bytes()


def load_classifier(path: str | os.PathLike[str]) -> AttributionClassifier:
    """Load a classifier written by :func:`save_classifier`, refusing untrusted content.

    See the module notes for the three checks (size, types, consistency).

    Raises
    ------
    ProvenanceError
        Missing file, a file that is not a skops archive or not a provenance
        classifier, an archive past the size limits, types outside
        :data:`TRUSTED_TYPES`, a newer format, or contents that do not agree
        with each other.
    """
    import skops.io as sio

    path = Path(path)
    blob = _read_blob(path)
    what = f"{path}: not a provenance classifier"
    check_archive(blob, what)
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
    clf = classifier_from_state(state, str(path), max_terms=len(blob) // MIN_BYTES_PER_TERM)
    _warn_versions(clf, path)
    return clf


def _warn_versions(clf: AttributionClassifier, path: Path) -> None:
    import sklearn

    saved = str(clf.metadata.get("versions", {}).get("scikit-learn", ""))
    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        warnings.warn(
            f"{path} was saved with scikit-learn {saved}, this is {sklearn.__version__}; "
            "its predictions may differ slightly",
            stacklevel=3,
        )

"""Attribution classifiers: which model wrote a text?

:func:`train` fits a classifier that names the model behind a text from its
channel features; :func:`attribute` applies a saved one to new outputs (and
answers "unknown" for texts of none of its models), and
:func:`attribution_transfer` turns it into evidence of distillation.

The package, one job per module:

================  ==========================================================================
``design``        corpus or features -> the stacked design matrix (:func:`design_matrix`)
``model``         the estimators (:class:`BlockScaler`, :class:`AttributionClassifier`)
``folds``         prompt-grouped folds (:func:`grouped_folds`)
``evaluation``    held-out quality (:class:`Evaluation`)
``openset``       the "unknown" and "none of these" answers, and their calibration
``training``      :func:`train`
``checks``        consistency checks of a loaded classifier file
``storage``       :func:`save_classifier`, :func:`load_classifier` (size, types, consistency)
``application``   :func:`attribute`, :class:`AttributionResult`
``transfer``      :func:`attribution_transfer`, :class:`TransferResult`
================  ==========================================================================

The classifiers' own n-gram terms (:func:`lexical_counts`, :func:`mark_text`)
are counted by :mod:`detector.ngrams`, below the package, since the lexical
channel's spec describes its terms with them.

Channels (``channels=``; default :data:`DEFAULT_CHANNELS`) are those of the
registry (:data:`detector.channels.REGISTRY`) with attribution settings: the
classifiers' own n-gram counts (binarized, TF-IDF weighted, rows unit length),
the stylometric features (arcsinh, then centred and scaled), sentence
embeddings (centred and scaled) and identity counts.

Each channel gets its own one-vs-rest linear SVM (:class:`sklearn.svm.LinearSVC`)
and a multinomial logistic regression, the *combiner*, maps the channels' scores to
probabilities (stacking). Chosen by prompt-grouped 5-fold cross-validation on the
development corpus (``benchmarks/results/attribution.md``; 5-way task among
gpt4_1106_preview, claude-2, gemini-pro, mistral-medium and Meta-Llama-3-70B-Instruct):
LinearSVC 83.3% per text (n-grams + style) against 82.9% for logistic regression and
78.2% for SGD; gradient boosting on the style features reaches 70.7% against 64.0% for
the SVM but nothing once the n-gram channel is in. Logistic regression for the dense
channels is as good on 5 models but 0.5 points worse and less well calibrated on 42.
One SVM over all blocks stacked side by side did worse than the n-gram channel alone
(78% against 83%). The n-gram channel carries nearly all the signal; style, identity
and MiniLM embeddings add 0.1-0.3 points. The first words of a response are among the
strongest features ("[start] Here" for claude-2, "[start] 1 ." for gemini-pro), through
the start token. Character n-grams as a third channel added 0.3 points (5-way) at 4x the
n-gram channel's fitting time and were not kept; TF-IDF of raw or sublinear counts did
worse than binarized counts (see the benchmark).

**No prompt in both a training and a test fold.** :func:`grouped_folds` assigns every
prompt, with all its outputs, to one fold. Evaluation is on out-of-fold predictions.
The n-gram vocabulary is chosen on the whole training corpus without labels (terms in
>= 3 outputs); a term seen only in a test fold has an all-zero column in training and
so no weight, and its IDF is computed on the training folds.

**Calibrated probabilities.** The combiner is fitted on out-of-fold SVM scores of those
same folds (as ``CalibratedClassifierCV(ensemble=False)`` with prompt-grouped folds),
then the SVMs are refitted on everything. The evaluation's probabilities are
cross-fitted: fold k's scores go through a combiner fitted on the other folds' scores.
Expected calibration error on the development corpus: 0.02 (5-way), 0.006 (42-way).

**Open set.** Texts whose top probability falls below what held-out texts of the
classes reach are answered "unknown" (at least 95% of the classes' held-out texts stay
attributed), and a model of the data whose texts are, as a group, less confidently
attributed than the classes' held-out texts is reported as none of the classes
(:mod:`detector.attribution.openset`). Leaving one of the five development models out
of training, the per-model test reports it in 10 of 10 cases from about 400 texts and a
class in 0 of 40; single texts of the left-out model are answered "unknown" 9.2% of the
time against 3.4% for the classes' (``benchmarks/results/attribution.md``, "Open set").

**Persistence.** :func:`save_classifier` writes a ``skops`` archive (no pickle);
:func:`load_classifier` refuses archives that would decompress past a size cap,
types outside :data:`TRUSTED_TYPES`, and contents that disagree with each other, each
as one :class:`~detector.errors.ProvenanceError` line (:mod:`detector.attribution.storage`).
"""

from __future__ import annotations

from ..ngrams import describe_term, lexical_counts, mark_text
from .application import AttributionResult, attribute
from .design import ATTRIBUTION_CHANNELS, DEFAULT_CHANNELS, design_matrix
from .evaluation import KS, Evaluation
from .folds import grouped_folds
from .model import (
    CHANNEL_C,
    ESTIMATORS,
    SVM_MAX_ITER,
    SVM_TOL,
    AttributionClassifier,
    BlockScaler,
)
from .openset import DEFAULT_COVERAGE, UNKNOWN
from .storage import (
    FORMAT,
    FORMAT_VERSION,
    MAX_EXPANSION,
    MAX_FILE_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    TRUSTED_TYPES,
    load_classifier,
    save_classifier,
)
from .training import train
from .transfer import (
    MIN_REFERENCE,
    TransferResult,
    attribution_shares,
    attribution_transfer,
    attribution_z,
)

__all__ = [
    "ATTRIBUTION_CHANNELS",
    "CHANNEL_C",
    "DEFAULT_CHANNELS",
    "DEFAULT_COVERAGE",
    "ESTIMATORS",
    "FORMAT",
    "FORMAT_VERSION",
    "KS",
    "MAX_EXPANSION",
    "MAX_FILE_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "MIN_REFERENCE",
    "SVM_MAX_ITER",
    "SVM_TOL",
    "TRUSTED_TYPES",
    "UNKNOWN",
    "AttributionClassifier",
    "AttributionResult",
    "BlockScaler",
    "Evaluation",
    "TransferResult",
    "attribute",
    "attribution_shares",
    "attribution_transfer",
    "attribution_z",
    "describe_term",
    "design_matrix",
    "grouped_folds",
    "lexical_counts",
    "load_classifier",
    "mark_text",
    "save_classifier",
    "train",
]

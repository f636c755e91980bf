"""The reasoning-trace channel: which words and phrases a model's reasoning traces use.

Reasoning models write a trace before the answer (``<think>...</think>``, or a
``reasoning`` field; :mod:`detector.reasoning` splits it off at load). A
student distilled on a teacher's traces picks up the teacher's habits of
thinking aloud ("Okay, so the user is asking...", "Wait, but", "Let me
double-check") as well as its answers, so where the suspect and a candidate
both have traces, their traces are compared too: as a channel of its own,
reported per candidate beside the score and not combined into it, since only
some models have traces (:mod:`detector.channels`, spec ``reasoning``).

:class:`TraceFingerprint` gives, for every output, the counts of the
lexical fingerprint's n-grams in its trace (:class:`~detector.lexical.LexicalFingerprint`
fitted on the traces alone: prompt words, numbers and names removed) and the
trace's length (the ``length`` group of :mod:`detector.stylometry`: characters,
words, sentences, paragraphs, log characters), which is regressed out of
the comparison instead of the answer's length and markdown. Outputs without a
trace get a row of zeros, and evidence leaves them out.

Measured on a synthetic corpus of eight reasoning models with their own trace
habits (``tests/reasoning_corpus.py``; a student copying r1's traces in 70%
or 50% of its prompts, its answers written like a model without traces, four
seeds each): word presence with the trace's length regressed out and a cosine
of the residuals ranked r1 first among the traced candidates in 8 of 8 runs
(z 0.9-2.8, ahead of the next by 0.56 or more); the same with relative
nearness ("distance", the answers' lexical similarity) in 6 of 8; the 63
stylometric features of the traces in 4-6 of 8; regressing the *answer's*
length and markdown out of the traces instead in 1-3 of 8 (the student's
answers are another model's), and no regression at all in 4-6 of 8
(docs/method.md, section 9).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .errors import ProvenanceError
from .scaling import signed_log, standardize

__all__ = [
    "LENGTH_PREFIX",
    "TraceFingerprint",
    "dump_vocabulary",
    "fit_streamed",
    "load_vocabulary",
    "trace_covariates",
    "trace_presence",
    "trace_totals",
]

#: Prefix of the length columns among the n-gram terms.
LENGTH_PREFIX = "length:"


def _length_names() -> list[str]:
    from .stylometry import FEATURE_GROUPS

    return list(FEATURE_GROUPS["length"])


class TraceFingerprint(TransformerMixin, BaseEstimator):
    """N-gram counts and lengths of reasoning traces, one row per output.

    Parameters
    ----------
    min_df : int
        A term is kept when it occurs on at least this many prompts
        (:class:`~detector.lexical.LexicalFingerprint`).
    max_terms : int
        Most terms kept (the most frequent).

    Attributes
    ----------
    vocabulary_ : LexicalFingerprint or None
        The traces' fitted fingerprint; None when no term occurs on
        ``min_df`` prompts (the rows then hold the lengths only).
    terms_ : list of str
        Its terms, in column order.
    """

    def __init__(self, min_df: int = 5, max_terms: int = 50_000) -> None:
        self.min_df = min_df
        self.max_terms = max_terms

    def fit(self, X: pd.DataFrame, y: Any = None) -> TraceFingerprint:
        """Fit on a table whose ``output`` column holds the traces (see :meth:`fit_transform`)."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        """Counts of each kept n-gram in each trace, then the trace's lengths.

        Parameters
        ----------
        X : pandas.DataFrame
            Columns ``model``, ``prompt_id``, ``prompt`` and ``output``, the
            last holding the trace ("" for none), one row per output.

        Returns
        -------
        scipy.sparse.csr_matrix, shape (n_outputs, n_terms + 5)
            Rows of outputs without a trace are zero. Columns follow
            :meth:`get_feature_names_out`.
        """
        from .lexical import LexicalFingerprint

        traced = _traced(X)
        found = None
        self.vocabulary_: Any = None
        if len(traced):
            lexical = LexicalFingerprint(min_df=self.min_df, max_terms=self.max_terms)
            try:
                found = sp.csr_matrix(lexical.fit_transform(X.iloc[traced]))
            except ProvenanceError:  # too few traces for any term: lengths only
                found = None
            else:
                self.vocabulary_ = lexical
        self.terms_ = _terms(self.vocabulary_)
        return _rows(X, traced, found)

    def transform(self, X: pd.DataFrame) -> sp.csr_matrix:
        """The rows :meth:`fit_transform` gives, over the fitted terms, for other outputs.

        Parameters
        ----------
        X : pandas.DataFrame
            As for :meth:`fit_transform` (a shard of the corpus, say).
        """
        check_is_fitted(self, "terms_")
        traced = _traced(X)
        found = None
        if len(traced) and self.vocabulary_ is not None:
            found = sp.csr_matrix(self.vocabulary_.transform(X.iloc[traced]))
        return _rows(X, traced, found, n_terms=len(self.terms_))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The n-gram terms, then ``length:n_chars``, ``length:n_words``, ..."""
        return np.asarray(
            [*self.terms_, *(LENGTH_PREFIX + n for n in _length_names())], dtype=object
        )


def _traced(X: pd.DataFrame) -> np.ndarray:
    """Positions of the rows that have a trace."""
    return np.flatnonzero((X["output"].fillna("").astype(str) != "").to_numpy())


def _terms(vocabulary: Any) -> list[str]:
    return [] if vocabulary is None else [str(t) for t in vocabulary.get_feature_names_out()]


def _rows(
    X: pd.DataFrame, traced: np.ndarray, found: sp.csr_matrix | None, n_terms: int = 0
) -> sp.csr_matrix:
    """Term counts (``found``: of the traced rows) placed in their rows, then the lengths."""
    from .stylometry import FEATURE_GROUPS, StyleFeatures

    lengths = np.zeros((len(X), len(FEATURE_GROUPS["length"])))
    counts = sp.csr_matrix((len(X), n_terms))
    if len(traced):
        texts = X["output"].fillna("").astype(str)
        style = StyleFeatures()
        names = list(style.get_feature_names_out())
        cols = [names.index(n) for n in FEATURE_GROUPS["length"]]
        lengths[traced] = style.transform(texts.iloc[traced])[:, cols]
    if found is not None:
        place = sp.csr_matrix(
            (np.ones(len(traced)), (traced, np.arange(len(traced)))),
            shape=(len(X), len(traced)),
        )
        counts = sp.csr_matrix(place @ found)
    return sp.hstack([counts, sp.csr_matrix(lengths)], format="csr", dtype=np.float64)


# ------------------------------------------------------------------ fitted over shards
def fit_streamed(
    fp: TraceFingerprint,
    parts: Sequence[tuple[pd.DataFrame, np.ndarray]],
    executor: Any,
    *,
    progress: bool | None = None,
    desc: str = "vocabulary",
) -> TraceFingerprint:
    """The traces' corpus-wide vocabulary in passes over shards (the channel's ``corpus_fit``).

    The lexical fingerprint of the traced rows only, fitted as
    :func:`detector.lexical_stream.fit_streamed` fits the answers', so each
    shard's :meth:`TraceFingerprint.transform` gives the rows
    ``fit_transform`` gives on the whole corpus.
    """
    from .lexical import LexicalFingerprint
    from .lexical_stream import fit_streamed as fit_lexical

    traced = [(frame.iloc[_traced(frame)], rows[_traced(frame)]) for frame, rows in parts]
    traced = [(frame, rows) for frame, rows in traced if len(frame)]
    fitted = TraceFingerprint(**fp.get_params())
    fitted.vocabulary_ = None
    if traced:
        lexical = LexicalFingerprint(min_df=fp.min_df, max_terms=fp.max_terms)
        try:
            fitted.vocabulary_ = fit_lexical(
                lexical, traced, executor, progress=progress, desc=desc
            )
        except ProvenanceError:  # too few traces for any term: lengths only
            fitted.vocabulary_ = None
    fitted.terms_ = _terms(fitted.vocabulary_)
    return fitted


def dump_vocabulary(fp: TraceFingerprint) -> dict[str, Any]:
    """A fitted trace vocabulary as JSON-ready lists (None: lengths only)."""
    from .lexical_stream import dump_vocabulary as dump_lexical

    return {"lexical": None if fp.vocabulary_ is None else dump_lexical(fp.vocabulary_)}


def load_vocabulary(template: TraceFingerprint, blob: dict[str, Any]) -> TraceFingerprint:
    """The fingerprint :func:`dump_vocabulary` wrote (ValueError or KeyError when unusable)."""
    from .lexical import LexicalFingerprint
    from .lexical_stream import load_vocabulary as load_lexical

    fitted = TraceFingerprint(**template.get_params())
    lexical = blob["lexical"]
    fitted.vocabulary_ = (
        None
        if lexical is None
        else load_lexical(
            LexicalFingerprint(min_df=template.min_df, max_terms=template.max_terms), lexical
        )
    )
    fitted.terms_ = _terms(fitted.vocabulary_)
    return fitted


def _split(names: list[str]) -> tuple[list[int], list[int]]:
    lengths = [i for i, n in enumerate(names) if n.startswith(LENGTH_PREFIX)]
    terms = [i for i, n in enumerate(names) if not n.startswith(LENGTH_PREFIX)]
    return terms, lengths


def trace_presence(rows: Any, names: list[str]) -> sp.csr_matrix:
    """Which kept terms each trace uses, each row of unit length (lengths left out)."""
    terms, _ = _split(names)
    present = (sp.csr_matrix(rows)[:, terms] > 0).astype(np.float64)
    norms = np.sqrt(np.asarray(present.sum(axis=1)).ravel())
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(scale) @ present)


def trace_covariates(rows: Any, names: list[str]) -> np.ndarray:
    """The traces' lengths, signed-log and z-scored, shape (n_rows, 5): regressed out."""
    _, lengths = _split(names)
    return standardize(signed_log(sp.csr_matrix(rows)[:, lengths].toarray()))


def trace_totals(matrix: Any, names: list[str]) -> pd.DataFrame:
    """Kept-term count, distinct kept terms and characters per trace (``provenance features``)."""
    terms, lengths = _split(names)
    m = sp.csr_matrix(matrix)
    t = m[:, terms]
    chars = m[:, lengths[0]].toarray().ravel() if lengths else np.zeros(m.shape[0])
    return pd.DataFrame(
        {
            "trace_terms": np.asarray(t.sum(axis=1)).ravel(),
            "trace_distinct": np.diff(sp.csr_matrix(t > 0).indptr),
            "trace_chars": chars,
        }
    )

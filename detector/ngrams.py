"""The attribution classifiers' own n-gram terms (the lexical channel's, for attribution).

Counts of word, number, punctuation and line-break n-grams (1-3) of the raw
output, a start-of-text token included, so "§ Certainly !" (the first words)
and "¶ * *" (a line opening in bold) are terms. Unlike the n-gram *evidence*
channel (:mod:`detector.lexical`), prompt words and names are kept: the
classifier never sees a test prompt, so topic words cannot help it, and its
vocabulary is stored with it so new corpora are counted over the same terms.
The classifier binarizes them, weights them by inverse document frequency and
scales rows to unit length (:class:`~detector.attribution.model.BlockScaler`).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from .cjk import CJK_CHARS, CJK_TEXT_VERSION, corpus_has_cjk, join_words
from .corpus import Corpus
from .errors import ProvenanceError

__all__ = [
    "LEXICAL_VERSION",
    "MAX_TERMS",
    "MIN_DF",
    "NGRAM_RANGE",
    "describe_term",
    "lexical_counts",
    "mark_text",
]

START = "\u00a7"  # section sign: the start of an output
LINE = "\u00b6"  # pilcrow: a line break
#: Words (inner apostrophes kept), digit runs, and single punctuation marks (the
#: start and line-break markers among them); a Han character or kana is a word of
#: its own (:mod:`detector.cjk`), so Chinese and Japanese terms are character n-grams.
TOKEN_PATTERN = rf"[{CJK_CHARS}]|[^\W\d_{CJK_CHARS}]+(?:'[^\W\d_{CJK_CHARS}]+)*|\d+|[^\w\s]|_"
NGRAM_RANGE = (1, 3)
MIN_DF = 3
MAX_TERMS = 200_000
LEXICAL_VERSION = "1"


def mark_text(text: str) -> str:
    """The output as the n-gram terms tokenize it: a start marker, line breaks as tokens.

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
    """Counts of the attribution n-grams in every output, cached on disk.

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

    Raises
    ------
    ProvenanceError
        No term occurs in :data:`MIN_DF` outputs (too few outputs).
    """
    from .cache import FeatureCache, content_key

    params = {
        "version": LEXICAL_VERSION,
        **({"cjk": CJK_TEXT_VERSION} if corpus_has_cjk(corpus) else {}),
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
    """A term as a person reads it: ``[start]`` for the start, ``⏎`` for a line break.

    CJK characters are written together, as in the text ("当 然" reads "当然").
    """
    words = ["[start]" if t == START else "\u23ce" if t == LINE else t for t in term.split(" ")]
    return join_words(words)

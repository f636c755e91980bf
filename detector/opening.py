"""How an answer opens: the words and marks it starts with.

The first words of an answer carry much of a model's habits ("Sure! Here's",
"As an AI language model", "Certainly. To", "1."): a classifier already tells
chat models apart from them ("Idiosyncrasies in Large Language Models", Sun et
al. 2025), PhyloLM compares models by their short continuations of the same
prompts (Yax et al. 2024), and Model Provenance Testing compares the first
token a model gives to the same prompt (Nikolic et al., NeurIPS 2025). A
student trained on a teacher's answers learns how the teacher starts them.

:class:`OpeningWords` keeps the first ``n_words`` tokens of each answer (words
and punctuation marks, lower-cased; a Chinese or Japanese character is one
token, as in :mod:`detector.cjk`) as a set, hashed into a sparse binary row
(scikit-learn's :class:`~sklearn.feature_extraction.text.HashingVectorizer`: no
vocabulary to fit, so every output is transformed on its own and shards need no
corpus-wide pass). Two answers to the same prompt are compared by the Jaccard
overlap of their sets (``similarity="overlap"`` in
:mod:`detector.similarity`), neither centred on the prompt nor
length-controlled: what most models open a given prompt with is part of the
evidence the null calibrates, and the opening has no length to control
(docs/method.md, section 11, measures both choices).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer

from .cjk import CJK_CHARS

__all__ = ["N_FEATURES", "N_WORDS", "OpeningWords", "opening_tokens"]

#: Tokens kept from the start of each answer (measured: 6 to 40 give the same
#: ranking on the dev corpora; docs/method.md, section 11).
N_WORDS = 12
#: Width of the hashed rows: 2**16 columns keep collisions among the few
#: thousand distinct opening tokens of a corpus negligible.
N_FEATURES = 2**16

_TOKEN = re.compile(rf"[{CJK_CHARS}]|[^\W{CJK_CHARS}]+(?:'[^\W{CJK_CHARS}]+)*|[^\w\s]")


def opening_tokens(text: str, n_words: int = N_WORDS) -> list[str]:
    """The first ``n_words`` tokens of ``text``: words, punctuation marks, CJK characters.

    >>> opening_tokens("Sure! Here's a short poem about the sea:", 5)
    ['sure', '!', "here's", 'a', 'short']
    """
    tokens: list[str] = []
    for match in _TOKEN.finditer(str(text).lower()):
        tokens.append(match.group())
        if len(tokens) == n_words:
            break
    return tokens


class OpeningWords(TransformerMixin, BaseEstimator):
    """Each text's first words and marks as a sparse binary set (hashed).

    Parameters
    ----------
    n_words : int
        Tokens kept from the start of each text.
    n_features : int
        Columns of the hashed rows.

    Notes
    -----
    Stateless: ``fit`` learns nothing, so the transform of a text never depends
    on the other texts of the corpus.
    """

    def __init__(self, n_words: int = N_WORDS, n_features: int = N_FEATURES) -> None:
        self.n_words = n_words
        self.n_features = n_features

    def _vectorizer(self) -> HashingVectorizer:
        return HashingVectorizer(
            n_features=self.n_features,
            analyzer=partial(opening_tokens, n_words=self.n_words),
            binary=True,
            norm=None,
            alternate_sign=False,
            dtype=np.float32,
        )

    def fit(self, texts: Iterable[str], y: object = None) -> OpeningWords:
        """Nothing to learn; returns self."""
        self.n_features_out_ = self.n_features
        return self

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """Binary rows, shape (n_texts, n_features): 1 for each hashed opening token."""
        return sp.csr_matrix(self._vectorizer().transform(list(texts)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """``opening_<k>`` for each hashed column."""
        return np.array([f"opening_{k}" for k in range(self.n_features)], dtype=object)

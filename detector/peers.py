"""Peer baselines: published ways to tell how alike two language models are.

Each peer is a small scikit-learn-style estimator: ``fit`` on a
:class:`~detector.corpus.Corpus` (or its :class:`~detector.features.Features`)
sets ``models_`` and ``distances_``, a model x model
:class:`pandas.DataFrame` of distances (0 on the diagonal, smaller = more alike).
The benchmark (:mod:`detector.benchmark`) ranks candidates by these distances
and calibrates them with the same null and Holm correction as our scores, so
that a comparison isolates the evidence, not the statistics.

- :class:`LLMDNA`: the LLM DNA of Wu et al. ("LLM DNA: Tracing Model Evolution
  via Functional Representations", ICLR 2026; the ``llm-dna`` package): the
  sentence embeddings of a model's answers to a fixed prompt set are
  concatenated and mapped by one random Gaussian projection shared by all
  models (Johnson-Lindenstrauss) to a 128-dimensional "DNA"; models are
  compared by Euclidean distance. Here the embeddings are our cached
  embedding channel (all-MiniLM-L6-v2, unit length), with no topic removal and
  no calibration of our own.
- :class:`SlopProfile`: the over-used-word profile of slop-forensics
  (sam-paech/slop-forensics on GitHub, the analysis behind the DeepSeek/Gemini
  claim): each model's words are ranked by their frequency in its outputs over
  their frequency in general English (:mod:`wordfreq`), after dropping stop
  words, numbers, rare and very common words; its bigrams and trigrams (stop
  words removed) by count. Each model becomes a presence/absence vector over
  the pool's top words and phrases, compared by Jaccard distance (as its
  hierarchical-clustering tree does).
- :class:`BurrowsDelta`: Burrows' Delta (Burrows 2002, "'Delta': a measure of
  stylistic difference and a guide to likely authorship", Literary and
  Linguistic Computing 17:267; Classic Delta as in stylo's ``dist.delta``, Eder,
  Rybicki & Kestemont 2016): relative frequencies of the N most frequent
  words, z-scored across the models, mean absolute difference.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist, pdist, squareform
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .corpus import Corpus
from .errors import ProvenanceError
from .features import FeatureOptions, Features, as_features

__all__ = ["PEERS", "BurrowsDelta", "LLMDNA", "SlopProfile", "fit_peers", "make_peer"]

_WORD = re.compile(r"\w+(?:'\w+)*")
_LETTERS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
#: Contractions in 's that are not possessives (slop-forensics keeps them whole).
_CONTRACTIONS_S = frozenset(
    [
        "it's",
        "that's",
        "he's",
        "she's",
        "what's",
        "there's",
        "here's",
        "let's",
        "who's",
        "where's",
        "how's",
        "one's",
    ]
)


def _corpus_of(data: Corpus | Features) -> Corpus:
    if isinstance(data, Features):
        return data.corpus
    if isinstance(data, Corpus):
        return data
    raise ProvenanceError(
        "a peer baseline needs the model outputs; pass the corpus or its features, not evidence"
    )


def _square(values: np.ndarray, models: list[str]) -> pd.DataFrame:
    values = np.array(values, dtype=np.float64)
    np.fill_diagonal(values, 0.0)
    return pd.DataFrame(values, index=models, columns=models)


class LLMDNA(BaseEstimator):
    """LLM DNA: concatenated answer embeddings, one shared random projection.

    Source: Wu, Zhao, Wang, Guo, Wang & He, "LLM DNA: Tracing Model Evolution
    via Functional Representations" (ICLR 2026), and the ``llm-dna`` package
    (JerryLife/RepTrace on GitHub): answers -> sentence embeddings -> one
    Gaussian random projection shared by all models (default 128 dimensions)
    -> Euclidean distances.

    A model that did not answer a prompt gets, for that prompt, the mean
    embedding of the models that did (the package embeds an empty answer
    instead), so a partly covered model is pulled toward the crowd rather than
    toward the embedding of nothing.

    Parameters
    ----------
    dna_dim : int or None
        Dimensions of the DNA; None (or at least the concatenated dimension):
        no projection, the distances of the concatenated embeddings themselves.
    seed : int
        Seed of the random projection.

    Attributes
    ----------
    models_ : list of str
    dna_ : pandas.DataFrame, shape (n_models, dna_dim)
        (n_prompts * embedding dimensions columns without projection)
    distances_ : pandas.DataFrame, shape (n_models, n_models)
        Euclidean distances between the DNA vectors.
    """

    def __init__(self, dna_dim: int | None = 128, seed: int = 42) -> None:
        self.dna_dim = dna_dim
        self.seed = seed

    def fit(
        self, data: Corpus | Features, y: Any = None, options: FeatureOptions | None = None
    ) -> LLMDNA:
        """Fit on a corpus or its features (embeddings computed or loaded from the cache).

        Parameters
        ----------
        data : Corpus or Features
        y : ignored
        options : FeatureOptions, optional
            How the embeddings are computed (:func:`~detector.features.compute_features`).
        """
        from sklearn.random_projection import GaussianRandomProjection

        features = as_features(data, ["embedding"], options)
        corpus = features.corpus
        emb = np.asarray(features.matrices["embedding"], dtype=np.float32)
        models, pids = corpus.models, corpus.prompt_ids
        mi = corpus.df["model"].map({m: i for i, m in enumerate(models)}).to_numpy()
        pi = corpus.df["prompt_id"].map({p: i for i, p in enumerate(pids)}).to_numpy()
        tensor = np.zeros((len(models), len(pids), emb.shape[1]), dtype=np.float32)
        have = np.zeros((len(models), len(pids)), dtype=bool)
        tensor[mi, pi] = emb
        have[mi, pi] = True
        mean = tensor.sum(axis=0) / np.maximum(have.sum(axis=0), 1)[:, None]
        tensor = np.where(have[:, :, None], tensor, mean[None])
        flat = tensor.reshape(len(models), -1).astype(np.float64)
        if self.dna_dim is None or self.dna_dim >= flat.shape[1]:
            dna = flat  # no projection: distances of the concatenated embeddings
        else:
            projection = GaussianRandomProjection(
                n_components=int(self.dna_dim), random_state=self.seed
            )
            dna = projection.fit_transform(flat)
        self.models_ = list(models)
        self.dna_ = pd.DataFrame(dna, index=models)
        self.distances_ = _square(cdist(dna, dna), models)
        return self


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("\u02bc", "'")


def _english_frequency(words: Iterable[str]) -> dict[str, float]:
    """wordfreq English frequency of each word (0 where wordfreq does not know it)."""
    import wordfreq

    table = wordfreq.get_frequency_dict("en")
    out = {}
    for w in words:
        f = table.get(w)
        out[w] = float(f) if f is not None else float(wordfreq.word_frequency(w, "en"))
    return out


class SlopProfile(BaseEstimator):
    """slop-forensics-style over-used words and phrases, compared by presence.

    Source: sam-paech/slop-forensics on GitHub (``analysis.py``,
    ``phylogeny.py``). Per model:

    - words (lowercased, NFKC; at least ``min_length`` letters or with an
      apostrophe; possessive 's merged into the word): stop words (scikit-learn's
      English list), mostly-numeric tokens (over 20% digits), rare words (used
      ``min_count`` times or fewer, or in fewer than ``min_prompts`` prompts) and
      very common words (wordfreq frequency above ``common_threshold``) are
      dropped; the rest are ranked by their share of the model's kept words over
      their wordfreq frequency (floored at ``floor``, as slop-forensics does:
      words wordfreq does not know come first), top ``n_words`` kept;
    - bigrams and trigrams over the alphabetic, non-stop-word tokens, in at
      least ``min_prompts`` prompts, top ``n_bigrams`` / ``n_trigrams`` by count.

    Each model is then a presence/absence vector over the union of all models'
    kept terms; distances are Jaccard (``metric="jaccard"``) or Hamming.

    Attributes
    ----------
    models_ : list of str
    terms_ : dict of str to list of str
        Each model's kept words, bigrams and trigrams.
    presence_ : pandas.DataFrame, shape (n_models, n_terms), bool
    distances_ : pandas.DataFrame, shape (n_models, n_models)
    """

    def __init__(
        self,
        n_words: int = 500,
        n_bigrams: int = 200,
        n_trigrams: int = 200,
        min_length: int = 4,
        min_count: int = 5,
        min_prompts: int = 2,
        common_threshold: float = 1.2e-5,
        floor: float = 1e-12,
        metric: str = "jaccard",
    ) -> None:
        self.n_words = n_words
        self.n_bigrams = n_bigrams
        self.n_trigrams = n_trigrams
        self.min_length = min_length
        self.min_count = min_count
        self.min_prompts = min_prompts
        self.common_threshold = common_threshold
        self.floor = floor
        self.metric = metric

    def _words(self, tokens: list[str]) -> list[str]:
        out = []
        for w in tokens:
            if len(w) < self.min_length and "'" not in w:
                continue
            if sum(c.isdigit() for c in w) / len(w) > 0.2:
                continue
            if w.endswith("'s") and w not in _CONTRACTIONS_S and len(w) > 2:
                w = w[:-2]
            out.append(w)
        return out

    def profile(self, texts: list[str]) -> list[str]:
        """The kept words, bigrams and trigrams of one model's outputs (one text per prompt).

        Parameters
        ----------
        texts : list of str
            The model's outputs, one per prompt.

        Returns
        -------
        list of str
            Words first (most over-used first), then bigrams and trigrams
            (most frequent first), each n-gram space-joined.
        """
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words: Counter[str] = Counter()
        word_prompts: Counter[str] = Counter()
        grams: dict[int, Counter[str]] = {2: Counter(), 3: Counter()}
        gram_prompts: dict[int, Counter[str]] = {2: Counter(), 3: Counter()}
        for text in texts:
            tokens = _WORD.findall(_normalize(text))
            kept = [w for w in self._words(tokens) if w not in ENGLISH_STOP_WORDS]
            words.update(kept)
            word_prompts.update(set(kept))
            alpha = [w for w in tokens if w.isalpha() and w not in ENGLISH_STOP_WORDS]
            for n in (2, 3):
                found = [" ".join(alpha[i : i + n]) for i in range(len(alpha) - n + 1)]
                grams[n].update(found)
                gram_prompts[n].update(set(found))
        kept_words = {
            w: c
            for w, c in words.items()
            if c > self.min_count and word_prompts[w] >= self.min_prompts
        }
        english = _english_frequency(kept_words)
        kept_words = {w: c for w, c in kept_words.items() if english[w] <= self.common_threshold}
        total = max(sum(kept_words.values()), 1)
        ratio = {w: (c / total) / max(english[w], self.floor) for w, c in kept_words.items()}
        top_words = sorted(ratio, key=lambda w: (-ratio[w], w))[: self.n_words]
        terms = list(top_words)
        for n, limit in ((2, self.n_bigrams), (3, self.n_trigrams)):
            eligible = [g for g, c in grams[n].items() if gram_prompts[n][g] >= self.min_prompts]
            eligible.sort(key=lambda g: (-grams[n][g], g))
            terms += eligible[:limit]
        return terms

    def fit(self, data: Corpus | Features, y: Any = None) -> SlopProfile:
        """Fit on a corpus or its features (only the outputs are read)."""
        if self.metric not in ("jaccard", "hamming"):
            raise ProvenanceError(f"metric {self.metric!r}: use 'jaccard' or 'hamming'")
        corpus = _corpus_of(data)
        models = corpus.models
        by_model = corpus.df.groupby("model")["output"].apply(list)
        self.terms_ = {m: self.profile(by_model[m]) for m in models}
        vocab = sorted(set().union(*map(set, self.terms_.values())))
        column = {t: j for j, t in enumerate(vocab)}
        presence = np.zeros((len(models), len(vocab)), dtype=bool)
        for i, m in enumerate(models):
            presence[i, [column[t] for t in self.terms_[m]]] = True
        self.models_ = list(models)
        self.presence_ = pd.DataFrame(presence, index=models, columns=vocab)
        dist = (
            squareform(pdist(presence, self.metric)) if len(vocab) else np.zeros((len(models),) * 2)
        )
        self.distances_ = _square(dist, models)
        return self


class BurrowsDelta(BaseEstimator):
    """Burrows' Delta over the most frequent words (Classic Delta, as stylo's ``dist.delta``).

    Source: Burrows (2002), "'Delta': a measure of stylistic difference and a
    guide to likely authorship", Literary and Linguistic Computing 17(3):267-287;
    stylo (Eder, Rybicki & Kestemont 2016, The R Journal 8(1):107-121). Each
    model's outputs are one text: lowercased words (letters, inner apostrophes);
    the ``n_words`` most frequent words of the whole corpus; each model's
    relative frequencies of them, z-scored across the models (sample standard
    deviation); the distance of two models is the mean absolute difference of
    their z-scores.

    Parameters
    ----------
    n_words : int
        Most frequent words used (stylo users typically take 100-1000).

    Attributes
    ----------
    models_ : list of str
    words_ : list of str
        The most frequent words, most frequent first.
    zscores_ : pandas.DataFrame, shape (n_models, n_words)
    distances_ : pandas.DataFrame, shape (n_models, n_models)
    """

    def __init__(self, n_words: int = 300) -> None:
        self.n_words = n_words

    def fit(self, data: Corpus | Features, y: Any = None) -> BurrowsDelta:
        """Fit on a corpus or its features (only the outputs are read)."""
        from sklearn.feature_extraction.text import CountVectorizer

        corpus = _corpus_of(data)
        models = corpus.models
        by_model = corpus.df.groupby("model")["output"].apply(lambda s: "\n".join(s))
        vectorizer = CountVectorizer(
            lowercase=True, token_pattern=_LETTERS.pattern, preprocessor=_normalize
        )
        counts = vectorizer.fit_transform([by_model[m] for m in models])
        words = vectorizer.get_feature_names_out()
        totals = np.asarray(counts.sum(axis=0)).ravel()
        order = np.lexsort((words, -totals))[: self.n_words]
        rel = counts[:, order].toarray() / np.maximum(np.asarray(counts.sum(axis=1)), 1)
        sd = rel.std(axis=0, ddof=1) if len(models) > 1 else np.ones(rel.shape[1])
        z = (rel - rel.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        self.models_ = list(models)
        self.words_ = [str(w) for w in words[order]]
        self.zscores_ = pd.DataFrame(z, index=models, columns=self.words_)
        self.distances_ = _square(cdist(z, z, "cityblock") / max(z.shape[1], 1), models)
        return self


#: The peers the benchmark runs, by name: (estimator class, one-line description).
PEERS: dict[str, tuple[type, str]] = {
    "llm-dna": (
        LLMDNA,
        "LLM DNA (Wu et al., ICLR 2026): embeddings concatenated, random projection",
    ),
    "slop-profile": (
        SlopProfile,
        "slop-forensics over-used words and phrases, presence/absence, Jaccard",
    ),
    "burrows-delta": (
        BurrowsDelta,
        "Burrows' Delta (2002; stylo) over the 300 most frequent words",
    ),
}


def make_peer(name: str) -> BaseEstimator:
    """A new, unfitted peer estimator by name (one of :data:`PEERS`)."""
    if name not in PEERS:
        raise ProvenanceError(f"unknown peer {name!r}; use one of {', '.join(PEERS)}")
    return PEERS[name][0]()


def fit_peers(
    data: Corpus | Features,
    names: Iterable[str] | None = None,
    options: FeatureOptions | None = None,
) -> dict[str, pd.DataFrame]:
    """Fit each named peer on ``data`` and return its distance matrix.

    Parameters
    ----------
    data : Corpus or Features
    names : iterable of str, optional
        Peers of :data:`PEERS` (default all).
    options : FeatureOptions, optional
        How the embedding features of :class:`LLMDNA` are computed.

    Returns
    -------
    dict of str to pandas.DataFrame
        Name -> model x model distances.
    """
    out = {}
    for name in list(PEERS) if names is None else list(names):
        peer = make_peer(name)
        fitted = peer.fit(data, options=options) if name == "llm-dna" else peer.fit(data)
        check_is_fitted(fitted, "distances_")
        out[name] = fitted.distances_
    return out

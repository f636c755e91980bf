"""Lexical fingerprints: which words and phrases each model over-uses.

Every output is cut into lowercase word tokens and unigrams, bigrams and
trigrams are counted. Three kinds of token are removed before counting, and
each removed token becomes an n-gram *boundary* (no n-gram spans it, nor any
punctuation mark or line break):

- numbers (any token with a digit: ``42``, ``3rd``, ``mp3``);
- words of the output's own prompt (case-insensitive), so the topic words a
  prompt dictates do not count as a model's habit; function words
  (:data:`FUNCTION_WORDS`: articles, pronouns, prepositions, auxiliaries) are
  exempt, since no prompt dictates them and dropping them only where prompts
  happen to use them would skew the comparison with English;
- proper names: an occurrence capitalized mid-sentence (after a word, a
  number or a comma; ``I`` and its contractions excepted), and every
  occurrence of a word whose mid-sentence occurrences are mostly capitalized
  in the fitted corpus (share >= ``name_share``), so "Python" at the start of
  a sentence goes too.

:class:`LexicalFingerprint` then scores, for each model, every term of the
vocabulary with the log-odds ratio with an informative Dirichlet prior of
Monroe, Colaresi & Quinn (2008, "Fightin' words", Political Analysis 16:372),
divided by its standard error (a z-score):

    delta_w = log((y_iw + a_w) / (n_i + a_0 - y_iw - a_w))
              - log((y_jw + a_w) / (n_j + a_0 - y_jw - a_w))
    z_w     = delta_w / sqrt(1 / (y_iw + a_w) + 1 / (y_jw + a_w))

where ``y_iw`` is the model's count of term w, ``n_i`` its number of n-grams
of that order, ``j`` the reference and ``a_w = a_0 * p_w`` the prior (``p_w``
the term's share of all n-grams of its order in the corpus, ``a_0 = prior``
times a model's mean n-gram count). The prior shrinks rare terms: a word seen
three times in one model only gets z ~ 2, not the top of the list as with raw
frequency ratios. Two references:

(a) **pool**: the other models' outputs *on the prompts this model answered*
    (partial coverage is handled exactly), for every n-gram order;
(b) **human**: English word frequencies from :mod:`wordfreq`, for unigrams
    other than CJK characters only. Products of unigram frequencies would stand in for phrase
    frequencies under independence, which makes every ordinary collocation
    ("in order to") look hugely over-used, so bigrams and trigrams are
    compared with the pool alone. Both sides are renormalized over the
    unigram vocabulary, and human English is treated as a sample as large as
    the model's pool (so pool and human z-scores are on the same scale);
    words wordfreq does not know get its smallest frequency.

Chinese and Japanese text has no spaces between words: every Han character
and kana is a word token of its own (:mod:`detector.cjk`), so the n-grams of
such text are character unigrams, bigrams and trigrams; its prompt words are
removed as the character bigrams the prompt contains (most Chinese words are
two characters), and the names rule, which reads capitals, does not apply to
it. Text without CJK characters is tokenized exactly as before.

Similarity of two models (:meth:`LexicalFingerprint.similarity`) is the
cosine of their pool z-score vectors clipped to [0, ``clip``] (default 5):
"how much of what A over-uses does B over-use too", graded by strength.
Clipping at 0 keeps only over-use, which is what a student inherits from a
teacher; under-use is noisier (counts near zero) and follows output length
and register more than habit. Clipping at
``clip`` keeps a few very frequent terms (|z| of 30-100 for function words)
from deciding the cosine alone. On the AlpacaEval dev corpus (9 distilled
students, 6 derived or variant models) this variant put the teacher's family
at mean rank 4.7-5.1 of 41 models across prior, min_df and n-gram settings,
against 6.3-6.6 for Pearson correlation of z clipped to [-5, 5] (raw z,
Spearman and tanh-squashed z did no better than that); parents of
derived models came at mean rank 1.5 either way. The differences are small;
:meth:`similarity_matrix` is a descriptive channel, not a test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .cjk import CJK_CHARS
from .errors import ProvenanceError

__all__ = ["FUNCTION_WORDS", "LexicalFingerprint", "tokenize"]

_SEP = "\x00"
# word (letters/digits with inner apostrophes), document separator, newline,
# or one punctuation mark (underscore included)
# or one punctuation mark (underscore included); a Han character or kana is a
# word of its own (detector.cjk)
_TOKEN = re.compile(
    rf"[{CJK_CHARS}]|[^\W_{CJK_CHARS}]+(?:'[^\W\d_{CJK_CHARS}]+)*|\x00|\n|[^\w\s]|_"
)
_I_FORMS = frozenset({"i", "i'm", "i'll", "i've", "i'd"})
# closed-class words: never topic words, so never removed as prompt words (removing
# them would distort every comparison with English as a whole)
_FUNCTION_TEXT = """
    a an the this that these those some any each every all both either neither no none
    much many more most few less least several such other another own same i me my mine
    myself you your yours yourself yourselves he him his himself she her hers herself it
    its itself we us our ours ourselves they them their theirs themselves who whom whose
    which what whatever whoever one ones about above across after against along among
    around as at before behind below beneath beside besides between beyond but by despite
    down during except for from in inside into like near of off on onto out outside over
    past per since through throughout till to toward towards under underneath unlike until
    up upon via with within without and or nor so yet because although though while
    whereas if unless whether than then once am is are was were be been being have has had
    having do does did doing will would shall should can could may might must ought not
    very too also just only even still already here there when where why how again ever
    never always often sometimes now i'm you're he's she's it's we're they're i've you've
    we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll
    isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't
    shouldn't can't cannot couldn't mustn't let's that's there's here's what's who's"""
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())
# token kinds
_WORD, _NUMBER, _COMMA, _PUNCT, _NEWLINE, _DOC = 0, 1, 2, 3, 4, 5
_MAX_KEY = 2**62


# ------------------------------------------------------------- tokenizing
def _scan(texts: Sequence[str], chunk: int = 2000) -> tuple[np.ndarray, pd.Index]:
    """Tokenize texts, a separator token between consecutive texts.

    Texts are scanned ``chunk`` at a time (one regex pass over each joined
    chunk) to bound the memory held by token strings.

    Returns
    -------
    codes : ndarray of int64, shape (n_tokens,)
        Index into ``forms`` of every token.
    forms : pandas.Index of str
        Distinct raw token forms (case preserved).
    """
    from .token_scan import scan_chunk

    local_codes, local_forms = [], []
    for start in range(0, len(texts), chunk):
        part = [str(t).replace(_SEP, " ") for t in texts[start : start + chunk]]
        big = ((_SEP if start else "") + _SEP.join(part)).replace("\u2019", "'")
        fast = scan_chunk(big)  # the same tokens, found in Rust (detector.token_scan)
        if fast is not None:
            codes, forms = fast
        else:
            codes, forms = pd.factorize(np.asarray(_TOKEN.findall(big), dtype=object))
        local_codes.append(codes)
        local_forms.append(np.asarray(forms, dtype=object))
    if not local_codes:
        return np.zeros(0, np.int64), pd.Index([], dtype=object)
    remap, forms = pd.factorize(np.concatenate(local_forms))
    offsets = np.cumsum([0] + [len(f) for f in local_forms[:-1]])
    codes = np.concatenate([remap[o + c] for o, c in zip(offsets, local_codes, strict=True)])
    return codes.astype(np.int64), pd.Index(forms, dtype=object)


def _form_table(forms: pd.Index) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Kind, capitalization and lowercase form of each distinct raw token."""
    s = pd.Series(forms, dtype=object)
    lower = s.str.lower()
    first = s.str[0]
    kind = np.full(len(s), _PUNCT, dtype=np.int8)
    alnum = first.str.isalnum().fillna(False).to_numpy(bool) & (first != "_").to_numpy(bool)
    digit = s.str.contains(r"\d", regex=True).to_numpy(bool)
    kind[alnum] = _WORD
    kind[alnum & digit] = _NUMBER
    kind[(s == ",").to_numpy()] = _COMMA
    kind[(s == "\n").to_numpy()] = _NEWLINE
    kind[(s == _SEP).to_numpy()] = _DOC
    cap = first.str.isupper().fillna(False).to_numpy(bool) & ~lower.isin(_I_FORMS).to_numpy()
    return kind, cap, pd.Index(lower, dtype=object)


class _Tokens:
    """Filtered token stream of outputs (prompts appended after them).

    Attributes
    ----------
    words : ndarray of int64, shape (n_tokens,)
        Word id of each kept token, -1 for a boundary (removed token,
        punctuation, line break, separator, unknown word, prompt region).
    doc : ndarray of int64, shape (n_tokens,)
        Index of the output each token belongs to.
    n_words : ndarray of int64, shape (n_docs,)
        Word tokens per output before filtering (numbers excluded).
    """

    def __init__(
        self,
        outputs: Sequence[str],
        prompts: Sequence[str],
        prompt_of_doc: np.ndarray | None,
        word_index: pd.Index | None = None,
        names: np.ndarray | None = None,
        name_share: float = 0.5,
    ) -> None:
        n_out = len(outputs)
        codes, forms = _scan(list(outputs) + list(prompts))
        kind_f, cap_f, lower_f = _form_table(forms)
        is_word_f = kind_f == _WORD
        if word_index is None:  # fitting: the word vocabulary is every word seen
            wid_f = np.full(len(forms), -1, dtype=np.int64)
            wcodes, uniques = pd.factorize(lower_f[is_word_f])
            wid_f[is_word_f] = wcodes
            word_index = pd.Index(uniques, dtype=object)
        else:
            wid_f = np.where(is_word_f, word_index.get_indexer(lower_f), -1).astype(np.int64)
        self.word_index = word_index
        n_vocab = len(word_index)

        kind = kind_f[codes]
        wid = wid_f[codes]
        doc = np.cumsum(kind == _DOC)
        prev = np.full_like(kind, _DOC)
        prev[1:] = kind[:-1]
        mid = (prev == _WORD) | (prev == _NUMBER) | (prev == _COMMA)
        is_out = doc < n_out
        word = (wid >= 0) & is_out
        cap_mid = cap_f[codes] & mid & word
        # mid-sentence and capitalized mid-sentence occurrences of each word (sums over
        # outputs, so a streamed fit adds them up shard by shard: detector.lexical_stream)
        self.n_mid = np.bincount(wid[word & mid], minlength=n_vocab)
        self.n_cap = np.bincount(wid[cap_mid], minlength=n_vocab)
        if names is None:  # learn name types: mostly capitalized mid-sentence
            names = (self.n_mid > 0) & (self.n_cap >= name_share * self.n_mid)
        self.names = names
        keep = word & ~cap_mid & ~names[np.maximum(wid, 0)]

        if prompt_of_doc is not None and len(prompts):
            cjk_f = _cjk_forms(forms)
            # CJK characters are not prompt words one by one: their prompt bigrams are
            function = (np.asarray(lower_f.isin(FUNCTION_WORDS)) | cjk_f)[codes]
            in_prompt_region = ~is_out & (wid >= 0) & ~function
            pkeys = (doc[in_prompt_region] - n_out) * n_vocab + wid[in_prompt_region]
            okeys = prompt_of_doc[doc[keep]] * n_vocab + wid[keep]
            copied = pd.Index(np.unique(pkeys)).get_indexer(okeys) >= 0
            keep[np.flatnonzero(keep)[copied]] = False
            if cjk_f.any():
                keep &= ~_prompt_bigrams(wid, doc, cjk_f[codes], n_out, prompt_of_doc, n_vocab)

        self.words = np.where(keep, wid, -1)
        self.doc = doc
        self.n_words = np.bincount(doc[(kind == _WORD) & is_out], minlength=n_out)[:n_out]
        self.n_docs = n_out

    def ngrams(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and output indices of every n-gram of kept tokens.

        An n-gram's id is its word ids in base ``len(word_index)``.

        Returns
        -------
        ids, doc : ndarray of int64, shape (n_ngrams,)
        """
        w = self.words
        m = len(w) - n + 1
        if m <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        valid = w[:m] >= 0
        for k in range(1, n):
            valid &= w[k : k + m] >= 0
        idx = np.flatnonzero(valid)
        ids = w[idx].copy()
        base = len(self.word_index)
        for k in range(1, n):
            ids = ids * base + w[idx + k]
        return ids, self.doc[idx]


def _cjk_forms(forms: pd.Index) -> np.ndarray:
    """Which distinct token forms are a single Han character or kana, shape (n_forms,)."""
    s = pd.Series(forms, dtype=object)
    return s.str.fullmatch(f"[{CJK_CHARS}]").fillna(False).to_numpy(bool)


def _prompt_bigrams(
    wid: np.ndarray,
    doc: np.ndarray,
    cjk: np.ndarray,
    n_out: int,
    prompt_of_doc: np.ndarray,
    n_vocab: int,
) -> np.ndarray:
    """Output CJK tokens that belong to a character bigram of their own prompt.

    Chinese and Japanese prompt *words* are removed as character bigrams
    (most words are two characters): a character of an output goes when it
    and its neighbour form a bigram that the output's prompt contains, so
    "睡眠" goes from answers to a prompt about 睡眠质量 but the "眠" of
    another word stays. Returns a boolean mask over the token stream.
    """
    pair = np.flatnonzero(
        cjk[:-1] & cjk[1:] & (doc[:-1] == doc[1:]) & (wid[:-1] >= 0) & (wid[1:] >= 0)
    )
    drop = np.zeros(len(wid), dtype=bool)
    if len(pair) == 0:
        return drop
    bigram, _ = pd.factorize(wid[pair] * np.int64(n_vocab) + wid[pair + 1])
    in_out = doc[pair] < n_out
    prompt = np.where(in_out, prompt_of_doc[np.minimum(doc[pair], n_out - 1)], doc[pair] - n_out)
    n_prompts = int(prompt.max()) + 1
    key = bigram.astype(np.int64) * n_prompts + prompt
    copied = pd.Index(np.unique(key[~in_out])).get_indexer(key[in_out]) >= 0
    hit = pair[in_out][copied]
    drop[hit] = True
    drop[hit + 1] = True
    return drop


def tokenize(text: str, prompt: str = "", ngram_range: tuple[int, int] = (1, 3)) -> list[str]:
    """The n-grams :class:`LexicalFingerprint` counts in one text (for inspection).

    Name detection uses this text alone (mid-sentence capitals only).
    """
    toks = _Tokens([text], [prompt] if prompt else [], np.zeros(1, np.int64))
    words = np.asarray(toks.word_index, dtype=object)
    out: list[str] = []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        ids, _ = toks.ngrams(n)
        out += [" ".join(words[_digits(i, n, len(words))]) for i in ids]
    return out


def _digits(ids: Any, n: int, base: int) -> np.ndarray:
    """Word ids of n-gram ids, shape (..., n)."""
    ids = np.asarray(ids, dtype=np.int64)
    out = np.empty(ids.shape + (n,), dtype=np.int64)
    for k in range(n - 1, -1, -1):
        ids, out[..., k] = np.divmod(ids, base)
    return out


# ------------------------------------------------------------- estimator
def _frame(data: Any) -> pd.DataFrame:
    if hasattr(data, "df") and isinstance(data.df, pd.DataFrame):  # a Corpus
        return data.df
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series | list | tuple | np.ndarray):
        return pd.DataFrame({"output": [str(t) for t in data]})
    raise ProvenanceError(
        f"expected a Corpus, a DataFrame or a list of texts, got {type(data).__name__}"
    )


def _log_odds_z(
    y_i: np.ndarray,
    n_i: np.ndarray,
    y_j: np.ndarray,
    n_j: np.ndarray,
    alpha: np.ndarray,
    alpha0: np.ndarray,
) -> np.ndarray:
    """Monroe et al. (2008) z-scored log-odds ratio with an informative Dirichlet prior.

    Parameters
    ----------
    y_i, y_j : ndarray, shape (n_models, n_terms)
        Counts of each term in the group and in the reference.
    n_i, n_j : ndarray, shape (n_models, n_terms)
        Total n-grams of the term's order in the group and in the reference.
    alpha : ndarray, shape (n_terms,)
        Prior pseudo-counts ``a_w``.
    alpha0 : ndarray, shape (n_terms,)
        ``a_0``, the prior's total over the term's order.

    Returns
    -------
    ndarray, shape (n_models, n_terms)
        Positive where the group uses the term more than the reference.
    """
    lo_i = np.log(y_i + alpha) - np.log(np.maximum(n_i + alpha0 - y_i - alpha, 1e-12))
    lo_j = np.log(y_j + alpha) - np.log(np.maximum(n_j + alpha0 - y_j - alpha, 1e-12))
    return (lo_i - lo_j) / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))


class LexicalFingerprint(TransformerMixin, BaseEstimator):
    """Per-model over-used words and phrases, z-scored against the pool and human English.

    Parameters
    ----------
    ngram_range : tuple of int
        Smallest and largest n-gram order counted (1 to 3 supported well).
    min_df : int
        A term enters the vocabulary only if it occurs on at least this many
        distinct prompts (over all models), so one prompt's topic cannot
        make a term.
    max_terms : int or None
        Keep at most this many terms, the most frequent in the corpus.
    prior : float
        Strength of the informative Dirichlet prior, in units of one model's
        mean number of n-grams of the order (``a_0 = prior * mean n_i``).
        Larger values shrink rare terms' z-scores harder.
    name_share : float
        A word is a proper name, dropped everywhere, when at least this share
        of its mid-sentence occurrences in the fitted corpus are capitalized.
    clip : float
        Pool z-scores are clipped to [0, clip] before models are compared in
        :meth:`similarity`.

    Attributes
    ----------
    models_ : list of str
        Fitted models, sorted.
    vocabulary_ : dict of str to int
        Term -> column in :meth:`transform` and in the frames below.
    z_pool_ : pandas.DataFrame, shape (n_models, n_terms)
        Log-odds z-score of each term, each model against the other models'
        outputs on the prompts it answered. Positive = over-used.
    z_human_ : pandas.DataFrame, shape (n_models, n_unigrams)
        Same against :mod:`wordfreq` English frequencies, unigrams only.
    counts_ : pandas.DataFrame, shape (n_models, n_terms)
        Occurrences of each term in each model's outputs.
    pool_counts_ : pandas.DataFrame, shape (n_models, n_terms)
        Occurrences in the model's pool (other models, same prompts).
    totals_, pool_totals_ : pandas.DataFrame, shape (n_models, n_orders)
        Number of n-grams of each order (columns 1, 2, 3) in the model's
        outputs and in its pool, in or out of the vocabulary.
    words_ : pandas.Series
        Word tokens per model before filtering (the size of its outputs).
    human_freq_ : pandas.Series
        wordfreq frequency of each unigram term, renormalized over them.
    name_words_ : numpy.ndarray of str
        Words dropped everywhere as proper names.
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 5,
        max_terms: int | None = 50_000,
        prior: float = 1.0,
        name_share: float = 0.5,
        clip: float = 5.0,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_terms = max_terms
        self.prior = prior
        self.name_share = name_share
        self.clip = clip

    # ------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> LexicalFingerprint:
        """Learn the vocabulary and every model's z-scores.

        Parameters
        ----------
        X : Corpus or pandas.DataFrame
            Columns ``model``, ``prompt_id``, ``prompt``, ``output``; one row
            per (model, prompt).
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        """:meth:`fit`, then the counts of :meth:`transform` on the same rows (one pass)."""
        return self._fit(X)

    def _fit(self, X: Any) -> sp.csr_matrix:
        lo, hi = self._orders()
        df = _frame(X)
        missing = [c for c in ("model", "prompt_id", "prompt", "output") if c not in df.columns]
        if missing:
            raise ProvenanceError(
                f"LexicalFingerprint.fit: missing column(s) {', '.join(missing)}; "
                "give a Corpus or a table with model, prompt_id, prompt, output"
            )
        if df.empty:
            raise ProvenanceError("LexicalFingerprint.fit: no outputs to fit")
        outputs = df["output"].astype(str).tolist()
        pcode, _ = pd.factorize(df["prompt_id"].astype(str))
        pcode = pcode.astype(np.int64)
        n_prompts = int(pcode.max()) + 1
        prompts = df["prompt"].astype(str).groupby(pcode).first().tolist()
        models = sorted(df["model"].astype(str).unique().tolist())
        mcode = pd.Categorical(df["model"].astype(str), categories=models).codes.astype(np.int64)
        n_docs, n_models = len(df), len(models)

        toks = _Tokens(outputs, prompts, pcode, name_share=self.name_share)
        base = len(toks.word_index)
        if hi > 1 and base**hi >= _MAX_KEY:
            raise ProvenanceError(
                f"LexicalFingerprint: {base} distinct words are too many for {hi}-grams; "
                "lower ngram_range"
            )

        # candidate terms per order: prompt document frequency and total count
        per_order = []
        doc_totals = np.zeros((n_docs, hi - lo + 1))
        for k, n in enumerate(range(lo, hi + 1)):
            ids, doc = toks.ngrams(n)
            doc_totals[:, k] = np.bincount(doc, minlength=n_docs)
            codes, uniq = pd.factorize(ids)
            pairs = pd.unique(codes.astype(np.int64) * n_prompts + pcode[doc])
            n_df = np.bincount(pairs // n_prompts, minlength=len(uniq))
            total = np.bincount(codes, minlength=len(uniq))
            cand = np.flatnonzero(n_df >= self.min_df)
            per_order.append((n, codes.astype(np.int32), doc.astype(np.int32), uniq, cand, total))
            del ids, pairs
        cand_total = np.concatenate([t[5][t[4]] for t in per_order])
        cand_order = np.concatenate([np.full(len(t[4]), k) for k, t in enumerate(per_order)])
        if len(cand_total) == 0:
            raise ProvenanceError(
                f"LexicalFingerprint: no term occurs on {self.min_df} or more prompts; "
                "lower min_df or give more outputs"
            )
        chosen = np.argsort(-cand_total, kind="stable")
        if self.max_terms is not None:
            chosen = chosen[: self.max_terms]
        keep_mask = np.zeros(len(cand_total), bool)
        keep_mask[chosen] = True

        words = np.asarray(toks.word_index, dtype=object)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        terms: list[str] = []
        order_parts: list[np.ndarray] = []
        count_parts: list[np.ndarray] = []
        self._vocab_ids: list[np.ndarray] = []
        start = 0
        for k, (n, codes, doc, uniq, cand, total) in enumerate(per_order):
            sel = cand[keep_mask[cand_order == k]]
            sel = sel[np.argsort(-total[sel], kind="stable")]
            ids = uniq[sel]
            self._vocab_ids.append(ids)
            col_of_code = np.full(len(uniq), -1, dtype=np.int64)
            col_of_code[sel] = np.arange(start, start + len(sel))
            col = col_of_code[codes]
            hit = col >= 0
            rows.append(doc[hit])
            cols.append(col[hit])
            terms += _join_terms(words, ids, n, base)
            order_parts.append(np.full(len(sel), k))
            count_parts.append(total[sel])
            start += len(sel)
        counts_x = _count_matrix(np.concatenate(rows), np.concatenate(cols), n_docs, start)
        order_of_term = np.concatenate(order_parts)
        corpus_count = np.concatenate(count_parts).astype(float)

        # aggregate: per model, and per model's pool (others, same prompts)
        g_model = sp.csr_matrix(
            (np.ones(n_docs), (mcode, np.arange(n_docs))), shape=(n_models, n_docs)
        )
        g_prompt = sp.csr_matrix(
            (np.ones(n_docs), (pcode, np.arange(n_docs))), shape=(n_prompts, n_docs)
        )
        answered = ((g_model @ g_prompt.T) > 0).astype(float)
        by_prompt = g_prompt @ counts_x
        y_model = (g_model @ counts_x).toarray()
        y_pool = (answered @ by_prompt).toarray() - y_model
        t_model = g_model @ doc_totals
        t_pool = answered @ (g_prompt @ doc_totals) - t_model

        # prior: a_w = a_0 * p_w, a_0 = prior * mean n-grams per model (per order)
        order_total = doc_totals.sum(axis=0)
        p_w = corpus_count / np.maximum(order_total[order_of_term], 1.0)
        alpha0 = self.prior * t_model.mean(axis=0)[order_of_term]
        alpha = np.maximum(alpha0 * p_w, 1e-9)
        z_pool = _log_odds_z(
            y_model, t_model[:, order_of_term], y_pool, t_pool[:, order_of_term], alpha, alpha0
        )

        self.models_ = models
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self._terms = np.asarray(terms, dtype=object)
        self._order_of_term = order_of_term
        self._word_index = toks.word_index
        self._names = toks.names
        self._base = base
        order_cols = list(range(lo, hi + 1))
        cols_idx = pd.Index(terms, name="term")
        mods_idx = pd.Index(models, name="model")
        self.z_pool_ = pd.DataFrame(z_pool, index=mods_idx, columns=cols_idx)
        self.counts_ = pd.DataFrame(y_model.astype(np.int64), index=mods_idx, columns=cols_idx)
        self.pool_counts_ = pd.DataFrame(
            np.rint(y_pool).astype(np.int64), index=mods_idx, columns=cols_idx
        )
        self.totals_ = pd.DataFrame(t_model, index=mods_idx, columns=order_cols)
        self.pool_totals_ = pd.DataFrame(t_pool, index=mods_idx, columns=order_cols)
        self.words_ = pd.Series(
            np.bincount(mcode, weights=toks.n_words, minlength=n_models).astype(np.int64),
            index=mods_idx,
            name="words",
        )
        self.name_words_ = np.asarray(toks.word_index[toks.names], dtype=object)
        self._fit_human(y_model, y_pool, alpha0, corpus_count, mods_idx)
        return counts_x

    def _fit_human(
        self,
        y_model: np.ndarray,
        y_pool: np.ndarray,
        alpha0: np.ndarray,
        corpus_count: np.ndarray,
        mods_idx: pd.Index,
    ) -> None:
        """z-scores of unigram terms against wordfreq English (see module docstring)."""
        lo, _ = self._orders()
        uni = np.flatnonzero(self._order_of_term == 0) if lo == 1 else np.zeros(0, np.int64)
        uni = uni[~_cjk_forms(pd.Index(self._terms[uni]))]  # English has no CJK characters
        words = self._terms[uni]
        freq = _english_frequency(words)
        q = freq / freq.sum() if len(freq) else freq
        y_i = y_model[:, uni]
        n_i = y_i.sum(axis=1, keepdims=True)
        n_h = y_pool[:, uni].sum(axis=1, keepdims=True)
        y_h = q[None, :] * n_h
        p_w = corpus_count[uni] / max(corpus_count[uni].sum(), 1.0)
        a0 = self.prior * float(n_i.mean()) if len(uni) else 0.0
        alpha = np.maximum(a0 * p_w, 1e-9)
        z = _log_odds_z(y_i, n_i, y_h, n_h, alpha, np.full(len(uni), a0))
        cols = pd.Index(words, name="term")
        self.z_human_ = pd.DataFrame(z, index=mods_idx, columns=cols)
        self.human_freq_ = pd.Series(q, index=cols, name="human_freq")
        self._human_totals = pd.Series(n_i[:, 0], index=mods_idx)

    def _orders(self) -> tuple[int, int]:
        lo, hi = (int(v) for v in self.ngram_range)
        if not 1 <= lo <= hi:
            raise ProvenanceError(f"ngram_range must be (lo, hi) with 1 <= lo <= hi, got {lo, hi}")
        return lo, hi

    # ---------------------------------------------------------- transform
    def transform(self, X: Any) -> sp.csr_matrix:
        """Per-text counts over the fitted vocabulary.

        Parameters
        ----------
        X : Corpus, pandas.DataFrame or sequence of str
            A table needs an ``output`` column; its ``prompt`` column, when
            present, removes each output's prompt words as in fitting.

        Returns
        -------
        scipy.sparse.csr_matrix of int64, shape (n_texts, n_terms)
            Columns follow :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "vocabulary_")
        df = _frame(X)
        if "output" not in df.columns:
            raise ProvenanceError(
                "LexicalFingerprint.transform: the table needs an 'output' column"
            )
        outputs = df["output"].astype(str).tolist()
        if "prompt" in df.columns:
            pcode, uniq_prompts = pd.factorize(df["prompt"].astype(str))
            prompts, pcode = list(uniq_prompts), pcode.astype(np.int64)
        else:
            prompts, pcode = [], None
        toks = _Tokens(outputs, prompts, pcode, word_index=self._word_index, names=self._names)
        lo, _ = self._orders()
        rows, cols, start = [], [], 0
        for k, vocab_ids in enumerate(self._vocab_ids):
            ids, doc = toks.ngrams(lo + k)
            col = pd.Index(vocab_ids).get_indexer(ids)
            hit = col >= 0
            rows.append(doc[hit])
            cols.append(col[hit] + start)
            start += len(vocab_ids)
        return _count_matrix(np.concatenate(rows), np.concatenate(cols), len(df), start)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Terms (space-joined n-grams), in column order; shape (n_terms,)."""
        check_is_fitted(self, "vocabulary_")
        return self._terms.copy()

    # --------------------------------------------------------- reporting
    def overused(
        self, model: str, against: str = "pool", top: int = 30, min_count: int = 1
    ) -> pd.DataFrame:
        """The terms a model over-uses most.

        Parameters
        ----------
        model : str
        against : {"pool", "human"}
            The other models on the same prompts (all n-gram orders), or
            wordfreq English (unigrams).
        top : int
        min_count : int
            Only terms the model uses at least this many times.

        Returns
        -------
        pandas.DataFrame
            Columns ``term``, ``z``, ``count`` (in the model), ``per_10k``
            (per 10,000 n-grams of the term's order in the model's outputs;
            for ``human``, per 10,000 in-vocabulary words) and
            ``ref_per_10k`` (same rate in the pool, or in English), sorted
            by ``z`` descending; only terms with z > 0.
        """
        check_is_fitted(self, "vocabulary_")
        self._check_model(model)
        if against == "pool":
            z = self.z_pool_.loc[model].to_numpy()
            count = self.counts_.loc[model].to_numpy()
            order = self._order_of_term
            rate = count / np.maximum(self.totals_.loc[model].to_numpy()[order], 1) * 1e4
            pool = self.pool_counts_.loc[model].to_numpy()
            ref = pool / np.maximum(self.pool_totals_.loc[model].to_numpy()[order], 1) * 1e4
            terms = self._terms
        elif against == "human":
            z = self.z_human_.loc[model].to_numpy()
            terms = self.z_human_.columns.to_numpy()
            count = self.counts_.loc[model, terms].to_numpy()
            rate = count / max(float(self._human_totals[model]), 1.0) * 1e4
            ref = self.human_freq_.to_numpy() * 1e4
        else:
            raise ProvenanceError(f"against must be 'pool' or 'human', got {against!r}")
        eligible = (z > 0) & (count >= min_count)
        top_idx = [i for i in np.argsort(-z, kind="stable") if eligible[i]][:top]
        return pd.DataFrame(
            {
                "term": terms[top_idx],
                "z": z[top_idx],
                "count": count[top_idx],
                "per_10k": rate[top_idx],
                "ref_per_10k": ref[top_idx],
            }
        )

    def _clipped(self) -> np.ndarray:
        """Pool z clipped to [0, clip], rows scaled to unit length; shape (n_models, n_terms)."""
        z = self.z_pool_.to_numpy().clip(0.0, self.clip)
        norm = np.linalg.norm(z, axis=1, keepdims=True)
        return np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two models' pool z-scores clipped to [0, ``clip``].

        1 when both over-use the same terms equally strongly, 0 when they
        share no over-used term (see the module docstring for the choice).
        """
        check_is_fitted(self, "vocabulary_")
        self._check_model(a)
        self._check_model(b)
        z = self._clipped()
        ia, ib = self.models_.index(a), self.models_.index(b)
        return float(z[ia] @ z[ib])

    def similarity_matrix(self) -> pd.DataFrame:
        """:meth:`similarity` for every pair; shape (n_models, n_models), symmetric."""
        check_is_fitted(self, "vocabulary_")
        z = self._clipped()
        return pd.DataFrame(z @ z.T, index=self.z_pool_.index, columns=self.z_pool_.index)

    def shared_overused(self, a: str, b: str, top: int = 20) -> pd.DataFrame:
        """Terms both models over-use against the pool, strongest first.

        Parameters
        ----------
        a, b : str
            Two fitted models.
        top : int

        Returns
        -------
        pandas.DataFrame
            Columns ``term``, ``z_a``, ``z_b``, ``count_a``, ``count_b``,
            ``count_rest`` (all other models together), and ``per_10k_a``,
            ``per_10k_b``, ``per_10k_rest`` (per 10,000 n-grams of the term's
            order), sorted by min(z_a, z_b) descending; only terms with both
            z > 0. ``attrs`` holds ``a``, ``b`` and ``n_rest`` (models in the
            rest).
        """
        check_is_fitted(self, "vocabulary_")
        self._check_model(a)
        self._check_model(b)
        order = self._order_of_term
        za, zb = self.z_pool_.loc[a].to_numpy(), self.z_pool_.loc[b].to_numpy()
        ca, cb = self.counts_.loc[a].to_numpy(), self.counts_.loc[b].to_numpy()
        rest = self.counts_.to_numpy().sum(axis=0) - ca - cb
        ta = self.totals_.loc[a].to_numpy()[order]
        tb = self.totals_.loc[b].to_numpy()[order]
        t_rest = (self.totals_.to_numpy().sum(axis=0) - self.totals_.loc[[a, b]].sum().to_numpy())[
            order
        ]
        score = np.minimum(za, zb)
        idx = [i for i in np.argsort(-score, kind="stable")[:top] if score[i] > 0]
        out = pd.DataFrame(
            {
                "term": self._terms[idx],
                "z_a": za[idx],
                "z_b": zb[idx],
                "count_a": ca[idx],
                "count_b": cb[idx],
                "count_rest": rest[idx],
                "per_10k_a": ca[idx] / np.maximum(ta[idx], 1) * 1e4,
                "per_10k_b": cb[idx] / np.maximum(tb[idx], 1) * 1e4,
                "per_10k_rest": rest[idx] / np.maximum(t_rest[idx], 1) * 1e4,
            }
        )
        out.attrs.update(a=a, b=b, n_rest=len(self.models_) - (1 if a == b else 2))
        return out

    def _check_model(self, model: str) -> None:
        if model not in self.z_pool_.index:
            raise ProvenanceError(
                f"unknown model {model!r}; fitted models: {', '.join(self.models_)}"
            )


def _count_matrix(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Sparse counts of (row, col) pairs; shape (n_rows, n_cols), int64."""
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(n_rows, n_cols))
    m.sum_duplicates()
    return m


def _join_terms(words: np.ndarray, ids: np.ndarray, n: int, base: int) -> list[str]:
    """Space-joined n-gram strings for n-gram ids."""
    digits = _digits(ids, n, base)
    parts = pd.Series(words[digits[:, 0]], dtype=object)
    if n == 1:
        return parts.tolist()
    others = [pd.Series(words[digits[:, k]], dtype=object) for k in range(1, n)]
    return parts.str.cat(others, sep=" ").tolist()


def _english_frequency(words: np.ndarray) -> np.ndarray:
    """wordfreq English frequency of each word; unknown words get its smallest value."""
    import wordfreq

    table = wordfreq.get_frequency_dict("en")
    floor = min(table.values())
    freq = np.array([table.get(w, 0.0) for w in words], dtype=float)
    for i in np.flatnonzero(freq == 0):  # wordfreq's own normalization may still know it
        freq[i] = wordfreq.word_frequency(words[i], "en")
    return np.maximum(freq, floor)

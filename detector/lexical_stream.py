"""The lexical channel's corpus-wide vocabulary, fitted shard by shard.

:class:`~detector.lexical.LexicalFingerprint` learns three things from the
whole corpus before it can count any output's terms: which words are proper
names (the share of their mid-sentence occurrences that are capitalized),
on how many distinct prompts every n-gram occurs (``min_df``), and the
``max_terms`` most frequent candidates. All three are sums over outputs, so
a corpus too large for one pass in memory is fitted in two streaming passes
over shards of whole prompts (:mod:`detector.shards`):

1. :func:`word_stats` per shard, added up: the word vocabulary and the
   proper names;
2. :func:`ngram_stats` per shard with those names, added up: every n-gram's
   count, its number of distinct prompts and its first occurrence (corpus
   row, then position), which breaks ties exactly as the in-memory fit does.

:func:`fit_streamed` runs both passes on an executor (the lexical channel's
``corpus_fit`` in :data:`detector.channels.REGISTRY`, which
:mod:`detector.shards` calls); :func:`fitted_vocabulary` turns the totals into a
fingerprint whose
:meth:`~detector.lexical.LexicalFingerprint.transform` gives, shard by
shard, the same counts (same terms, same columns) as ``fit_transform`` on
the whole corpus. The per-model z-scores (``z_pool_`` ...) are not part of
it: the evidence channel uses only the counts.

Memory: the n-gram totals hold every distinct n-gram seen (as in the
in-memory fit); the per-shard work is bounded by the shard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ProvenanceError
from .lexical import _MAX_KEY, LexicalFingerprint, _join_terms, _Tokens
from .progress import bar as progress_bar

__all__ = [
    "dump_vocabulary",
    "fit_streamed",
    "fitted_vocabulary",
    "load_vocabulary",
    "merge_ngram_stats",
    "merge_word_stats",
    "ngram_stats",
    "word_stats",
]

_POSITION_BITS = 32  # first occurrence = corpus row << 32 | position in the shard's stream


def _prompt_codes(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    pcode, _ = pd.factorize(frame["prompt_id"].astype(str))
    prompts = frame["prompt"].astype(str).groupby(pcode).first().tolist()
    return pcode.astype(np.int64), prompts


def word_stats(frame: pd.DataFrame, name_share: float = 0.5) -> pd.DataFrame:
    """Mid-sentence and capitalized mid-sentence counts of every word in a shard.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of whole prompts with ``prompt_id``, ``prompt`` and ``output``.

    Returns
    -------
    pandas.DataFrame
        Index: lowercase word (every word of the outputs and prompts);
        columns ``mid`` and ``cap`` (int64).
    """
    pcode, prompts = _prompt_codes(frame)
    toks = _Tokens(frame["output"].astype(str).tolist(), prompts, pcode, name_share=name_share)
    return pd.DataFrame(
        {"mid": toks.n_mid, "cap": toks.n_cap}, index=pd.Index(toks.word_index, dtype=object)
    )


def merge_word_stats(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Sum of :func:`word_stats` tables (words in order of first appearance)."""
    frames = list(parts)
    if not frames:
        return pd.DataFrame({"mid": [], "cap": []}, dtype=np.int64)
    total = pd.concat(frames)
    return total.groupby(level=0, sort=False).sum()


def ngram_stats(
    frame: pd.DataFrame,
    rows: np.ndarray,
    word_index: pd.Index,
    names: np.ndarray,
    ngram_range: tuple[int, int],
) -> list[pd.DataFrame]:
    """Per n-gram order: count, distinct prompts and first occurrence in one shard.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of whole prompts (``prompt_id``, ``prompt``, ``output``), in
        corpus order.
    rows : numpy.ndarray of int, shape (len(frame),)
        Their rows in the corpus (for the first-occurrence order).
    word_index : pandas.Index
        The corpus-wide words (:func:`merge_word_stats`).
    names : numpy.ndarray of bool
        Proper names among them.
    ngram_range : (int, int)

    Returns
    -------
    list of pandas.DataFrame
        One per order, indexed by n-gram id (word ids in base
        ``len(word_index)``), columns ``total``, ``prompts``, ``first``.
    """
    pcode, prompts = _prompt_codes(frame)
    toks = _Tokens(
        frame["output"].astype(str).tolist(), prompts, pcode, word_index=word_index, names=names
    )
    n_local = max(int(pcode.max()) + 1 if len(pcode) else 1, 1)
    out = []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        ids, doc = toks.ngrams(n)
        codes, uniq = pd.factorize(ids)
        codes = codes.astype(np.int64)
        _, first_at = np.unique(codes, return_index=True)
        pairs = pd.unique(codes * n_local + pcode[doc])
        first_row = np.asarray(rows, dtype=np.int64)[doc[first_at]]
        out.append(
            pd.DataFrame(
                {
                    "total": np.bincount(codes, minlength=len(uniq)),
                    "prompts": np.bincount(pairs // n_local, minlength=len(uniq)),
                    "first": (first_row << _POSITION_BITS) | first_at.astype(np.int64),
                },
                index=pd.Index(np.asarray(uniq, dtype=np.int64)),
            )
        )
    return out


def merge_ngram_stats(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum counts and distinct prompts, keep the earliest first occurrence."""
    if len(parts) == 1:
        return parts[0]
    total = pd.concat(parts)
    return total.groupby(level=0, sort=False).agg(
        {"total": "sum", "prompts": "sum", "first": "min"}
    )


class NgramTotals:
    """Running totals of :func:`ngram_stats` over shards, merged as they grow.

    Pending tables are merged into the total once they hold as many rows as
    it does, so merging costs O(n log n) overall rather than a merge per
    shard.
    """

    def __init__(self, n_orders: int) -> None:
        self.merged: list[pd.DataFrame | None] = [None] * n_orders
        self.pending: list[list[pd.DataFrame]] = [[] for _ in range(n_orders)]

    def add(self, parts: list[pd.DataFrame]) -> None:
        for k, part in enumerate(parts):
            self.pending[k].append(part)
            size = sum(len(p) for p in self.pending[k])
            merged = self.merged[k]
            if merged is None or size >= len(merged):
                self._merge(k)

    def _merge(self, k: int) -> None:
        merged = self.merged[k]
        parts = ([merged] if merged is not None else []) + self.pending[k]
        self.merged[k] = merge_ngram_stats(parts)
        self.pending[k] = []

    def result(self) -> list[pd.DataFrame]:
        for k in range(len(self.merged)):
            if self.pending[k] or self.merged[k] is None:
                if not self.pending[k] and self.merged[k] is None:
                    self.pending[k] = [_empty_stats()]
                self._merge(k)
        return [m for m in self.merged if m is not None]


def _empty_stats() -> pd.DataFrame:
    return pd.DataFrame(
        {"total": [], "prompts": [], "first": []}, index=pd.Index([], dtype=np.int64)
    ).astype(np.int64)


def fitted_vocabulary(
    words: pd.DataFrame, ngrams: list[pd.DataFrame], params: dict[str, Any]
) -> LexicalFingerprint:
    """A fingerprint that counts the corpus-wide vocabulary (no per-model z-scores).

    Parameters
    ----------
    words : pandas.DataFrame
        :func:`merge_word_stats` over the corpus.
    ngrams : list of pandas.DataFrame
        :class:`NgramTotals` over the corpus, one per order.
    params : dict
        The fingerprint's parameters (``ngram_range``, ``min_df``,
        ``max_terms``, ``name_share``, ...).

    Raises
    ------
    ProvenanceError
        No term occurs on ``min_df`` prompts, or too many distinct words.
    """
    fp = LexicalFingerprint(**params)
    lo, hi = fp._orders()
    word_index = pd.Index(words.index, dtype=object)
    base = len(word_index)
    if hi > 1 and base**hi >= _MAX_KEY:
        raise ProvenanceError(
            f"LexicalFingerprint: {base} distinct words are too many for {hi}-grams; "
            "lower ngram_range"
        )
    names = _names(words, fp.name_share)
    cand = [t[t["prompts"].to_numpy() >= fp.min_df] for t in ngrams]
    total = np.concatenate([c["total"].to_numpy() for c in cand])
    if len(total) == 0:
        raise ProvenanceError(
            f"LexicalFingerprint: no term occurs on {fp.min_df} or more prompts; "
            "lower min_df or give more outputs"
        )
    order = np.concatenate([np.full(len(c), k) for k, c in enumerate(cand)])
    first = np.concatenate([c["first"].to_numpy() for c in cand])
    chosen = np.lexsort((first, order, -total))  # as the in-memory fit's stable sort
    if fp.max_terms is not None:
        chosen = chosen[: fp.max_terms]
    keep = np.zeros(len(total), bool)
    keep[chosen] = True
    terms: list[str] = []
    vocab_ids, order_of_term = [], []
    offset = 0
    word_array = np.asarray(word_index, dtype=object)
    for k, c in enumerate(cand):
        part = keep[offset : offset + len(c)]
        offset += len(c)
        sel = c[part]
        sel = sel.iloc[np.lexsort((sel["first"].to_numpy(), -sel["total"].to_numpy()))]
        ids = sel.index.to_numpy(np.int64)
        vocab_ids.append(ids)
        terms += _join_terms(word_array, ids, lo + k, base)
        order_of_term.append(np.full(len(ids), k))
    fp.vocabulary_ = {t: i for i, t in enumerate(terms)}
    fp._terms = np.asarray(terms, dtype=object)
    fp._order_of_term = np.concatenate(order_of_term)
    fp._vocab_ids = vocab_ids
    fp._word_index = word_index
    fp._names = names
    fp._base = base
    return fp


def _names(words: pd.DataFrame, name_share: float) -> np.ndarray:
    mid, cap = words["mid"].to_numpy(), words["cap"].to_numpy()
    return (mid > 0) & (cap >= name_share * mid)


# ------------------------------------------------------------------ the channel's corpus-wide fit
def _word_job(frame: pd.DataFrame, state: dict[str, Any]) -> pd.DataFrame:
    return word_stats(frame, name_share=state["name_share"])


def _ngram_job(part: tuple[pd.DataFrame, np.ndarray], state: dict[str, Any]) -> list[pd.DataFrame]:
    frame, rows = part
    return ngram_stats(frame, rows, state["words"], state["names"], state["ngram_range"])


def fit_streamed(
    fp: LexicalFingerprint,
    parts: Sequence[tuple[pd.DataFrame, np.ndarray]],
    executor: Any,
    *,
    progress: bool | None = None,
    desc: str = "vocabulary",
) -> LexicalFingerprint:
    """The corpus-wide vocabulary of ``fp``'s settings, in two passes over shards.

    Parameters
    ----------
    fp : LexicalFingerprint
        Unfitted; its parameters are used.
    parts : sequence of (pandas.DataFrame, numpy.ndarray)
        Per shard of whole prompts, its table (``prompt_id``, ``prompt``,
        ``output``) and its rows of the corpus (for first occurrences).
    executor : Executor
        Runs the per-shard jobs (:mod:`detector.executor`), results in order.
    progress : bool, optional
    desc : str
        The progress bar's label.

    Returns
    -------
    LexicalFingerprint
        Its ``transform`` counts any shard over the vocabulary that
        ``fit_transform`` of the concatenated shards would keep.

    Raises
    ------
    ProvenanceError
        No term occurs on ``min_df`` prompts, or too many distinct words.
    """
    pbar = progress_bar(total=2 * len(parts), desc=desc, unit="shard", progress=progress)
    frames = [frame for frame, _ in parts]
    found = []
    for part in executor.map(_word_job, frames, shared={"name_share": fp.name_share}):
        found.append(part)
        pbar.update(1)
    words = merge_word_stats(found)
    del found
    lo, hi = fp._orders()
    state = {
        "words": pd.Index(words.index, dtype=object),
        "names": _names(words, fp.name_share),
        "ngram_range": (lo, hi),
    }
    totals = NgramTotals(hi - lo + 1)
    for part in executor.map(_ngram_job, list(parts), shared=state):
        totals.add(part)
        pbar.update(1)
    pbar.close()
    return fitted_vocabulary(words, totals.result(), fp.get_params())


def dump_vocabulary(fp: LexicalFingerprint) -> dict[str, Any]:
    """A fitted vocabulary as JSON-ready lists (kept in the shards' cache folder)."""
    return {
        "words": [str(w) for w in fp._word_index],
        "names": np.flatnonzero(fp._names).tolist(),
        "ids": [ids.tolist() for ids in fp._vocab_ids],
        "terms": [str(t) for t in fp._terms],
    }


def load_vocabulary(template: LexicalFingerprint, blob: dict[str, Any]) -> LexicalFingerprint:
    """The fingerprint :func:`dump_vocabulary` wrote, with ``template``'s parameters.

    Raises
    ------
    ValueError, KeyError
        A blob that does not hold a consistent vocabulary.
    """
    fp = LexicalFingerprint(**template.get_params())
    words = pd.Index(blob["words"], dtype=object)
    names = np.zeros(len(words), bool)
    names[np.asarray(blob["names"], dtype=np.int64)] = True
    fp._word_index, fp._names, fp._base = words, names, len(words)
    fp._vocab_ids = [np.asarray(ids, dtype=np.int64) for ids in blob["ids"]]
    fp._terms = np.asarray(blob["terms"], dtype=object)
    fp._order_of_term = np.concatenate(
        [np.full(len(ids), k) for k, ids in enumerate(fp._vocab_ids)] or [np.zeros(0, int)]
    )
    if len(fp._terms) != len(fp._order_of_term):
        raise ValueError("vocabulary entry is inconsistent")
    fp.vocabulary_ = {t: i for i, t in enumerate(fp._terms)}
    return fp

"""Text written without spaces between words: Chinese and Japanese characters.

Chinese and Japanese put no space between words, so a tokenizer that cuts at
spaces and punctuation takes a whole clause ("每天固定时间上床和起床") for one
word. The stylometric and lexical channels therefore take every Han
character (Chinese hanzi, Japanese kanji) and every kana as a token of its
own: word counts of Chinese and Japanese text are character counts, and the
channels' word n-grams become character n-grams there, the standard unit of
Chinese and Japanese authorship attribution (character n-grams need no
dictionary and no segmenter, and a two- or three-character n-gram holds most
words). Korean is written with spaces between words, so a run of Hangul stays
one word, as in English.

Sentences end at the full-width marks 。！？ as well as at ``.``, ``!`` and
``?`` followed by a space; the full-width comma, colon, semicolon,
exclamation and question marks and parenthesis count with their ASCII
counterparts in the punctuation rates (``，`` is a comma; the enumeration
comma ``、`` has no counterpart and is not counted).

Text without any of these characters is tokenized exactly as before, so the
features of English text are unchanged.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = [
    "CJK_CHARS",
    "CJK_TEXT_VERSION",
    "FULL_WIDTH_PUNCTUATION",
    "SENTENCE_ENDS",
    "corpus_has_cjk",
    "has_cjk",
    "join_words",
    "word_counts",
]

#: Characters that are one token each (a regex character-class body): CJK
#: Unified Ideographs with extensions A-H and compatibility ideographs, the
#: ideographic iteration and closing marks and number zero (々〆〇), hiragana,
#: katakana (full- and half-width) and the katakana prolonged sound mark.
CJK_CHARS = (
    "\u3005-\u3007\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)

#: Full-width sentence-final marks (ideographic full stop, exclamation, question mark).
SENTENCE_ENDS = "\u3002\uff01\uff1f"

#: Full-width punctuation counted with its ASCII counterpart: name of the
#: punctuation feature (:mod:`detector.stylometry`) -> the full-width marks.
FULL_WIDTH_PUNCTUATION: dict[str, tuple[str, ...]] = {
    "comma": ("\uff0c",),
    "colon": ("\uff1a",),
    "semicolon": ("\uff1b",),
    "exclamation": ("\uff01",),
    "question": ("\uff1f",),
    "parenthesis": ("\uff08",),
}

#: Part of the on-disk feature cache key of corpora that hold CJK text, so that
#: features cached before CJK characters were tokenized one by one are
#: recomputed (the keys of other corpora are unchanged).
CJK_TEXT_VERSION = "1"

_ANY = re.compile(f"[{CJK_CHARS}]")
_ONE = re.compile(f"[{CJK_CHARS}]$")
_WORDY = re.compile(r"\w")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a Han character or a kana."""
    return _ANY.search(text) is not None


def corpus_has_cjk(corpus: Corpus, column: str = "output") -> bool:
    """Whether any text of a corpus column holds CJK characters (computed once per corpus).

    Parameters
    ----------
    corpus : Corpus
    column : str
        ``output`` or ``reasoning``.
    """
    memo = corpus.__dict__.setdefault("_has_cjk", {})
    if column not in memo:
        texts = map(str, corpus.df.get(column, pd.Series(dtype=object)).fillna(""))
        memo[column] = any(not t.isascii() and has_cjk(t) for t in texts)
    return bool(memo[column])


def join_words(words: list[str]) -> str:
    """Words joined by spaces, but CJK characters next to each other without one.

    >>> join_words(["当", "然", "is", "fine"])
    '当然 is fine'
    """
    out = ""
    for i, word in enumerate(words):
        if i and not (_ONE.match(words[i - 1]) and _ONE.match(word)):
            out += " "
        out += word
    return out


def word_counts(texts: pd.Series) -> pd.Series:
    """Words per text: whitespace-separated words, each CJK character a word.

    Texts without CJK characters are counted as ``str.split`` counts them (so
    the counts of English text are unchanged); in the others each Han
    character and kana is a word, and what remains counts by whitespace, runs
    without a letter or digit (punctuation) left out.

    Parameters
    ----------
    texts : pandas.Series of str

    Returns
    -------
    pandas.Series of int, same index
    """
    words = texts.str.split().str.len()
    marked = texts.str.contains(_ANY, regex=True, na=False)
    if marked.any():
        sub = texts[marked]
        n_cjk = sub.str.count(_ANY.pattern)
        rest = sub.str.replace(_ANY, " ", regex=True).str.split()
        words[marked] = n_cjk + rest.map(lambda parts: sum(1 for p in parts if _WORDY.search(p)))
    return words

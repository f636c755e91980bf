"""Stylometric evidence channel: a fixed vector of style features per text.

A distilled model inherits its teacher's habits of *form* as well as content:
how long its answers are, how it punctuates (em dashes, curly quotes), how much
markdown it uses, which function words it prefers, how it opens and closes an
answer, how it hedges and refuses. :class:`StyleFeatures` turns each text into
:data:`FEATURES` (81 numbers, documented with group and unit) so these habits
can be compared between models.

Every feature is a count, a rate per length (per 1,000 words or characters, or a
fraction of lines) or a binary flag, so most are comparable between texts of
different lengths; the ``length`` group holds the raw lengths on purpose, and
the ``diversity`` group uses length-robust measures (MATTR, hapax ratio over
fixed-size segments) rather than the plain type/token ratio, which falls with
length.

Implementation notes
--------------------
The transform is vectorized over a batch of texts: one compiled regular
expression tokenizes each text (words, sentence boundaries, list markers); the
tokens of the whole batch are factorized into integer ids once, and MATTR, the
hapax ratio, sentence statistics and the lexicon rates (function words, hedges,
pronouns) are computed with numpy over those ids, with no per-token Python
code. Punctuation is counted with ``str.count`` and markdown with regular
expressions whose literal prefix lets the regex engine skip ahead; rare phrases
are searched only in texts that contain a cheap literal first. Texts are
processed in batches of :data:`BATCH_SIZE` to bound memory.

Tokens are runs of word characters (``\\w``, so letters, digits and ``_``)
joined by apostrophes (``it's``, ``don't``; curly apostrophes count as
straight), lowercased; a Han character or a kana is a token of its own
(Chinese and Japanese put no space between words: :mod:`detector.cjk`), so
word counts of Chinese and Japanese text are character counts. A sentence is
a run of words between ``.``/``!``/``?`` followed by whitespace (or by a CJK
character), a full-width ``。``/``！``/``？``, or a line break (so list items,
headings and table rows are sentences of their own); leading list numbers
(``1.``, and ``1）`` or ``1、`` in CJK text) are not words. Full-width commas,
colons, semicolons, exclamation and question marks and parentheses count with
their ASCII forms. Text without CJK characters is measured exactly as before
they were handled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .cjk import CJK_CHARS, FULL_WIDTH_PUNCTUATION, SENTENCE_ENDS

__all__ = [
    "BATCH_SIZE",
    "FEATURES",
    "FEATURE_GROUPS",
    "FUNCTION_WORDS",
    "GROUPS",
    "Feature",
    "StyleFeatures",
    "style_frame",
]

#: Texts transformed together; bounds peak memory (tokens of one batch).
BATCH_SIZE = 2048


@dataclass(frozen=True)
class Feature:
    """One stylometric feature.

    Attributes
    ----------
    name : str
        Column name (unique, snake_case).
    group : str
        One of :data:`GROUPS`.
    unit : str
        What one unit of the value is, e.g. ``"per 1,000 words"``.
    description : str
        What is counted, in one sentence.
    """

    name: str
    group: str
    unit: str
    description: str


GROUPS = (
    "length",
    "sentence",
    "diversity",
    "function_words",
    "punctuation",
    "format",
    "emoji",
    "discourse",
)

#: Common English function words (and connectives), each a rate per 1,000 words.
FUNCTION_WORDS = (
    "the", "of", "and", "to", "a", "an", "in", "on", "that", "is",
    "it", "for", "with", "as", "this", "these", "but", "or", "be", "are",
    "can", "will", "which", "not", "by", "however", "also", "therefore",
    "additionally", "overall",
)  # fmt: skip

# Lexicon features counted from tokens: name -> the lowercased tokens it counts.
_HEDGE_WORDS = (
    "may",
    "might",
    "perhaps",
    "possibly",
    "generally",
    "typically",
    "usually",
    "likely",
)
_SECOND_PERSON = (
    "you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'll", "you'd",
)  # fmt: skip
_FIRST_PERSON_I = ("i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd")
_LEXICON: dict[str, tuple[str, ...]] = {
    **{f"fw_{w}": (w,) for w in FUNCTION_WORDS},
    "hedge_words": _HEDGE_WORDS,
    "second_person": _SECOND_PERSON,
    "first_person_i": _FIRST_PERSON_I,
}

# Punctuation: name -> (literal strings counted, description).
_PUNCTUATION: dict[str, tuple[tuple[str, ...], str]] = {
    "em_dash": (("\u2014",), "em dashes (\u2014)"),
    "en_dash": (("\u2013",), "en dashes (\u2013)"),
    "semicolon": ((";",), "semicolons"),
    "colon": ((":",), "colons (including those in times and URLs)"),
    "exclamation": (("!",), "exclamation marks"),
    "question": (("?",), "question marks"),
    "ellipsis": (("\u2026", "..."), "ellipses: the character \u2026 or three dots"),
    "parenthesis": (("(",), "opening parentheses"),
    "curly_double_quote": (("\u201c", "\u201d"), "curly double quotes (\u201c \u201d)"),
    "curly_single_quote": (
        ("\u2018", "\u2019"),
        "curly single quotes and apostrophes (\u2018 \u2019)",
    ),
    "straight_double_quote": (('"',), 'straight double quotes (")'),
    "straight_single_quote": (("'",), "straight single quotes and apostrophes (')"),
    "comma": ((",",), "commas"),
}

_PER_KW = "per 1,000 words"
_PER_KC = "per 1,000 characters"
_PER_LINE = "fraction of non-blank lines"
_BINARY = "binary (0/1)"


def _full_width(name: str) -> str:
    """The full-width forms a punctuation feature counts too, in words (or "")."""
    marks = FULL_WIDTH_PUNCTUATION.get(name, ())
    return f", with the full-width {' '.join(marks)}" if marks else ""


def _text_features() -> list[Feature]:
    """The length, sentence and vocabulary-diversity groups."""
    return [
        Feature("n_chars", "length", "characters", "length of the text in Unicode code points"),
        Feature("n_words", "length", "words", "number of word tokens"),
        Feature(
            "n_sentences",
            "length",
            "sentences",
            "number of sentences (runs of words between terminal punctuation or line breaks)",
        ),
        Feature(
            "n_paragraphs",
            "length",
            "paragraphs",
            "blocks of non-blank text separated by blank lines (0 for a blank text)",
        ),
        Feature("log_chars", "length", "log(1 + characters)", "natural log of 1 + n_chars"),
        Feature("sentence_words_mean", "sentence", "words per sentence", "mean sentence length"),
        Feature(
            "sentence_words_std",
            "sentence",
            "words",
            "standard deviation (ddof=0) of sentence length in words",
        ),
        Feature("word_chars_mean", "sentence", "characters per word", "mean word length"),
        Feature(
            "mattr",
            "diversity",
            "fraction (0-1)",
            "moving-average type/token ratio over "
            "windows of mattr_window (default 50) tokens; plain type/token ratio when shorter",
        ),
        Feature(
            "hapax_ratio",
            "diversity",
            "fraction (0-1)",
            "share of tokens occurring once in "
            "their consecutive segment of hapax_window (default 100) tokens, over the full "
            "segments (the whole text when shorter)",
        ),
    ]


def _mark_features() -> list[Feature]:
    """The function-word, punctuation, markdown and emoji groups."""
    f = [
        Feature(f"fw_{w}", "function_words", _PER_KW, f"occurrences of the word {w!r}")
        for w in FUNCTION_WORDS
    ]
    f += [
        Feature(name, "punctuation", _PER_KC, desc + _full_width(name))
        for name, (_, desc) in _PUNCTUATION.items()
    ]
    f += [
        Feature("md_heading", "format", _PER_LINE, "markdown ATX heading lines (# to ######)"),
        Feature("md_bullet", "format", _PER_LINE, "bullet list lines (-, *, + or \u2022)"),
        Feature("md_numbered", "format", _PER_LINE, "numbered list lines (1. or 1))"),
        Feature("md_table_row", "format", _PER_LINE, "table rows (lines between | and |)"),
        Feature("md_hr", "format", _PER_LINE, "horizontal rules (---, ***, ___)"),
        Feature("md_bold", "format", _PER_KC, "bold spans (**x** or __x__)"),
        Feature("md_italic", "format", _PER_KC, "italic spans (*x* or _x_)"),
        Feature("md_code_fence", "format", _PER_KC, "code fence lines (``` or ~~~)"),
        Feature("md_inline_code", "format", _PER_KC, "inline code spans (`x`)"),
        Feature(
            "md_any",
            "format",
            _BINARY,
            "1 if any heading, bullet or numbered line, table "
            "row, rule, bold, italic, fence or inline code occurs",
        ),
        Feature(
            "emoji",
            "emoji",
            _PER_KC,
            "emoji and pictographic symbols (U+1F000-U+1FAFF, U+2600-U+27BF and a few others)",
        ),
    ]
    return f


def _discourse_features() -> list[Feature]:
    """Openers, closers, hedges and person: the discourse group."""
    opener = "1 if the text (after leading whitespace and markdown marks) starts with "
    return [
        Feature("opener_certainly", "discourse", _BINARY, opener + "'Certainly'"),
        Feature("opener_sure", "discourse", _BINARY, opener + "the word 'Sure'"),
        Feature("opener_of_course", "discourse", _BINARY, opener + "'Of course'"),
        Feature("opener_absolutely", "discourse", _BINARY, opener + "'Absolutely'"),
        Feature(
            "opener_great_question",
            "discourse",
            _BINARY,
            opener + "'Great question' ('What a', 'That's a'; great/excellent/good/interesting)",
        ),
        Feature("opener_greeting", "discourse", _BINARY, opener + "'Hello', 'Hi', 'Hey'"),
        Feature(
            "closer_hope_helps",
            "discourse",
            _BINARY,
            "1 if 'hope this helps' or 'hope that helps' occurs",
        ),
        Feature("closer_let_me_know", "discourse", _BINARY, "1 if 'let me know if' occurs"),
        Feature("closer_feel_free", "discourse", _BINARY, "1 if 'feel free to' occurs"),
        Feature("hedge_words", "discourse", _PER_KW, "hedging words: " + ", ".join(_HEDGE_WORDS)),
        Feature("hedge_it_depends", "discourse", _PER_KW, "occurrences of 'it depends'"),
        Feature(
            "hedge_important_to_note",
            "discourse",
            _PER_KW,
            "'it's/it is (also/very) "
            "important/crucial/essential to' or 'important to note/remember/consider'",
        ),
        Feature(
            "refusal_sorry",
            "discourse",
            _BINARY,
            "1 if 'I'm sorry', 'I am sorry' or 'I apologize' occurs",
        ),
        Feature(
            "refusal_cannot",
            "discourse",
            _BINARY,
            "1 if 'I cannot', 'I can't', 'I'm unable', 'I am unable' or 'I'm not able' occurs",
        ),
        Feature(
            "refusal_as_an_ai",
            "discourse",
            _BINARY,
            "1 if 'as an AI' or 'as a language model' occurs",
        ),
        Feature(
            "second_person",
            "discourse",
            _PER_KW,
            "second-person words: " + ", ".join(_SECOND_PERSON),
        ),
        Feature(
            "first_person_i",
            "discourse",
            _PER_KW,
            "first-person singular words: " + ", ".join(_FIRST_PERSON_I),
        ),
    ]


def _build_features() -> list[Feature]:
    return [*_text_features(), *_mark_features(), *_discourse_features()]


#: Every feature, in column order of :meth:`StyleFeatures.transform`.
FEATURES: list[Feature] = _build_features()
#: Group name -> feature names of that group, in column order.
FEATURE_GROUPS: dict[str, list[str]] = {
    g: [f.name for f in FEATURES if f.group == g] for g in GROUPS
}
_NAMES = [f.name for f in FEATURES]

# ----------------------------------------------------------------- patterns
# Tokens: list markers first (so "1." at a line start is neither a word nor a
# sentence end), then words, sentence-final punctuation, line breaks.
# Han characters and kana are one token each (detector.cjk); CJK sentence ends
# need no space after them; "1）" and "1、" open list items in CJK text.
_TOKEN = re.compile(
    r"^[ \t]*\d+(?:[.)](?=\s)|[\uff09\u3001](?=\S))"
    rf"|[{CJK_CHARS}]"
    rf"|[^\W{CJK_CHARS}]+(?:'[^\W{CJK_CHARS}]+)*"
    rf"|[.!?]+(?=[\"'\u201d\u2019)\]*_]*(?:\s|$|[{CJK_CHARS}]))"
    rf"|[{SENTENCE_ENDS}]+"
    r"|\n",
    re.MULTILINE,
)
_ENDS = ".!?" + SENTENCE_ENDS
_MARKER_ENDS = ".)\uff09\u3001"
# Line patterns run on "\n" + text + "\n"; the literal "\n" prefix lets the regex
# engine jump between line starts instead of trying every position.
_BLANK_LINE = re.compile(r"\n[ \t\r]*(?=\n)")
_HEADING = re.compile(r"\n[ \t]{0,3}#{1,6}[ \t]+(?=\S)")
_BULLET = re.compile(r"\n[ \t]*[-*+\u2022][ \t]+(?=\S)")
_NUMBERED = re.compile(r"\n[ \t]*\d{1,3}(?:[.)][ \t]+|[\uff09\u3001])(?=\S)")
_TABLE_ROW = re.compile(r"\n[ \t]*\|[^\n]*\|[ \t\r]*(?=\n)")
_HR = re.compile(r"\n[ \t]{0,3}(?:-{3,}|\*{3,}|_{3,})[ \t\r]*(?=\n)")
_FENCE = re.compile(r"\n[ \t]*(?:```|~~~)")
# A fenced code block, from its opening fence line to its closing fence line
# (or the end of the text when unclosed).
_FENCED_BLOCK = re.compile(
    r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[^\n]*$|\Z)", re.MULTILINE | re.DOTALL
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n\s*")
_BOLD_STAR = re.compile(r"\*\*(?=[^\s*])[^*\n]+?(?<=[^\s*])\*\*")
_BOLD_UNDER = re.compile(r"__(?=[^\s_])[^_\n]+?(?<=[^\s_])__")
_ITALIC_STAR = re.compile(r"(?<![*\w])\*(?=[^\s*])[^*\n]+?(?<=[^\s*])\*(?![*\w])")
_ITALIC_UNDER = re.compile(r"(?<![_\w])_(?=[^\s_])[^_\n]+?(?<=[^\s_])_(?![_\w])")
_INLINE_CODE = re.compile(r"(?<!`)`[^`\n]+`(?!`)")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b50\u2b55\u231a\u231b\u23e9-\u23fa\u3030\u303d]"
)
_IMPORTANT = re.compile(
    r"\bit(?:'s| is)(?: also| very| especially)? (?:important|crucial|essential) to\b"
    r"|\bimportant to (?:note|remember|consider)\b"
)
# Openers run on the lowercased head of the text, after _LEAD is stripped.
_LEAD = " \t\r\n*#_>\"'\u201c\u2018`"
_OPENERS: dict[str, re.Pattern[str]] = {
    "opener_certainly": re.compile(r"certainly\b"),
    "opener_sure": re.compile(r"sure\b"),
    "opener_of_course": re.compile(r"of course\b"),
    "opener_absolutely": re.compile(r"absolutely\b"),
    "opener_great_question": re.compile(
        r"(?:what an? |that's an? |that is an? )?(?:great|excellent|good|interesting) question"
    ),
    "opener_greeting": re.compile(r"(?:hello|hi|hey|greetings)\b"),
}
# Presence flags: name -> literals searched in the lowercased text.
_PRESENCE: dict[str, tuple[str, ...]] = {
    "closer_hope_helps": ("hope this helps", "hope that helps"),
    "closer_let_me_know": ("let me know if",),
    "closer_feel_free": ("feel free to",),
    "refusal_sorry": ("i'm sorry", "i am sorry", "i apologize"),
    "refusal_cannot": ("i cannot", "i can't", "i'm unable", "i am unable", "i'm not able"),
    "refusal_as_an_ai": ("as an ai", "as a language model", "as an artificial intelligence"),
}


# ----------------------------------------------------------------- helpers
def _as_texts(X: Any) -> list[str]:
    """A list of str from a sequence of texts; missing values become ``""``."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "StyleFeatures expects a sequence of texts, got a single string; wrap it in a list"
        )
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"StyleFeatures expects one text column, got a DataFrame with {X.shape[1]}"
            )
        X = X.iloc[:, 0]
    if isinstance(X, pd.Series):
        items: Iterable[Any] = X.tolist()
    elif isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        if X.ndim != 1:
            raise ValueError(f"StyleFeatures expects a 1-d sequence of texts, got shape {X.shape}")
        items = X.tolist()
    else:
        items = X
    out = []
    for x in items:
        if isinstance(x, str):
            out.append(x)
        elif x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
            out.append("")
        elif isinstance(x, bytes):
            out.append(x.decode("utf-8", errors="replace"))
        else:
            out.append(str(x))
    return out


def _count_literals(
    texts: Sequence[str], literals: Sequence[str], ascii_mask: np.ndarray
) -> np.ndarray:
    """Total non-overlapping occurrences of ``literals`` per text, shape (n,)."""
    total = np.zeros(len(texts), dtype=np.float64)
    for lit in literals:
        if lit.isascii():
            total += np.fromiter((t.count(lit) for t in texts), np.float64, len(texts))
        else:  # a non-ASCII character cannot occur in an ASCII text: skip those
            total += np.fromiter(
                (0 if a else t.count(lit) for t, a in zip(texts, ascii_mask, strict=True)),
                np.float64,
                len(texts),
            )
    return total


def _count_regex(
    texts: Sequence[str],
    pattern: re.Pattern[str],
    candidates: np.ndarray | None = None,
    prefix: str = "",
) -> np.ndarray:
    """Matches of ``pattern`` in ``prefix + text``, shape (n,).

    Only texts where ``candidates`` is True are searched (the others give 0).
    """
    if candidates is None:
        candidates = np.ones(len(texts), dtype=bool)
    out = np.zeros(len(texts), dtype=np.float64)
    findall = pattern.findall
    for i in np.flatnonzero(candidates).tolist():
        out[i] = len(findall(prefix + texts[i] if prefix else texts[i]))
    return out


def _contains(texts: Sequence[str], literal: str) -> np.ndarray:
    """Boolean mask, shape (n,): texts containing ``literal``."""
    return np.array([literal in t for t in texts], dtype=bool)


def _rate(count: np.ndarray, length: np.ndarray, per: float) -> np.ndarray:
    """``count / length * per``, 0 where length is 0."""
    out = np.zeros_like(count, dtype=np.float64)
    np.divide(count * per, length, out=out, where=length > 0)
    return out


# ---------------------------------------------------------- lexical core
def _lexical(lows: list[str], mattr_window: int, hapax_window: int) -> dict[str, np.ndarray]:
    """Token-based features of a batch of lowercased texts.

    Returns arrays of shape (n_texts,) for n_words, n_sentences,
    sentence_words_mean/std, word_chars_mean, mattr, hapax_ratio and every
    lexicon feature (as raw counts; rates are taken by the caller).
    """
    n = len(lows)
    token_lists = [_TOKEN.findall(t) for t in lows]
    per_text = np.fromiter(map(len, token_lists), np.int64, n)
    flat = np.empty(int(per_text.sum()), dtype=object)
    flat[:] = list(chain.from_iterable(token_lists))
    del token_lists
    codes, uniques = pd.factorize(flat)
    del flat
    uniques = list(uniques)
    # Kind of each distinct token: 0 word, 1 sentence boundary, 2 list marker.
    kind_u = np.fromiter(
        (1 if u == "\n" or u[0] in _ENDS else 2 if u[-1] in _MARKER_ENDS else 0 for u in uniques),
        np.int8,
        len(uniques),
    )
    kind = kind_u[codes]
    doc = np.repeat(np.arange(n), per_text)
    is_word = kind == 0

    # Sentences: a new one starts at each boundary and each new text.
    starts = np.zeros(len(codes), dtype=bool)
    starts[np.cumsum(per_text)[:-1][per_text[1:] > 0]] = True
    if len(codes):
        starts[0] = True
    sid = np.cumsum(starts | (kind == 1)) - 1
    wsid = sid[is_word]
    sent_len = np.bincount(wsid, minlength=int(sid[-1]) + 1 if len(sid) else 0)
    sent_doc = np.zeros(len(sent_len), dtype=np.int64)
    sent_doc[sid] = doc  # every token of a sentence belongs to the same text
    real = sent_len > 0
    n_sent = np.bincount(sent_doc[real], minlength=n).astype(np.float64)
    sum_sq = np.bincount(sent_doc[real], weights=sent_len[real] ** 2.0, minlength=n)

    # Words only from here.
    wcodes = codes[is_word]
    wdoc = doc[is_word]
    n_words = np.bincount(wdoc, minlength=n).astype(np.float64)
    word_len_u = np.fromiter(map(len, uniques), np.float64, len(uniques))
    n_word_chars = np.bincount(wdoc, weights=word_len_u[wcodes], minlength=n)
    mean_sent = _rate(n_words, n_sent, 1.0)
    var_sent = np.zeros(n)
    np.divide(sum_sq, n_sent, out=var_sent, where=n_sent > 0)
    std_sent = np.sqrt(np.maximum(var_sent - mean_sent**2, 0.0))

    # Position of each word in its text, and the previous position of the same word.
    wn = n_words.astype(np.int64)
    first = np.concatenate(([0], np.cumsum(wn)[:-1]))
    pos = np.arange(len(wcodes), dtype=np.int64) - first[wdoc]
    key = wdoc * np.int64(len(uniques) + 1) + wcodes
    order = np.argsort(key, kind="stable")  # same word in a text: positions ascending
    skey = key[order]
    spos = pos[order]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = skey[1:] == skey[:-1]
    sprev = np.full(len(order), -1, dtype=np.int64)
    sprev[1:][same[1:]] = spos[:-1][same[1:]]

    # MATTR: sum over windows of distinct types = sum over tokens of the number
    # of windows in which the token is the first occurrence of its type.
    win = np.minimum(wn, mattr_window)  # per text; the whole text when shorter
    n_win = wn - win + 1
    sdoc = wdoc[order]
    lo = np.maximum(sprev + 1, spos - win[sdoc] + 1)
    hi = np.minimum(spos, n_win[sdoc] - 1)
    contrib = np.maximum(hi - lo + 1, 0).astype(np.float64)
    distinct_sum = np.bincount(sdoc, weights=contrib, minlength=n)
    mattr = _rate(distinct_sum, (n_win * win).astype(np.float64), 1.0)

    # Hapax ratio over consecutive segments of hapax_window tokens (full ones only,
    # or the whole text when shorter). In sorted order equal (text, word) runs keep
    # positions ascending, so equal (text, word, segment) runs are contiguous.
    seg = spos // hapax_window
    n_full = wn // hapax_window
    valid = np.where(n_full[sdoc] > 0, seg < n_full[sdoc], True)
    new_group = ~same | np.concatenate(([True], seg[1:] != seg[:-1]))
    group_end = np.concatenate((new_group[1:], [True]))
    hapax = new_group & group_end & valid
    n_valid = np.where(n_full > 0, n_full * hapax_window, wn).astype(np.float64)
    hapax_ratio = _rate(np.bincount(sdoc, weights=hapax, minlength=n), n_valid, 1.0)

    out = {
        "n_words": n_words,
        "n_sentences": n_sent,
        "sentence_words_mean": mean_sent,
        "sentence_words_std": std_sent,
        "word_chars_mean": _rate(n_word_chars, n_words, 1.0),
        "mattr": mattr,
        "hapax_ratio": hapax_ratio,
    }
    # Lexicon counts: map each distinct token to a lexicon column (or -1).
    names = list(_LEXICON)
    col_u = np.full(len(uniques) + 1, -1, dtype=np.int64)
    index = pd.Index(uniques, dtype=object)
    for j, name in enumerate(names):
        hit = index.get_indexer(list(_LEXICON[name]))
        col_u[hit[hit >= 0]] = j
    col = col_u[wcodes]
    mask = col >= 0
    counts = np.bincount(wdoc[mask] * len(names) + col[mask], minlength=n * len(names)).reshape(
        n, len(names)
    )
    for j, name in enumerate(names):
        out[name] = counts[:, j].astype(np.float64)
    return out


# ----------------------------------------------------------------- batch
def _transform_batch(texts: list[str], mattr_window: int, hapax_window: int) -> np.ndarray:
    """Feature matrix of one batch, shape (len(texts), len(FEATURES)), float64."""
    n = len(texts)
    ascii_mask = np.fromiter((t.isascii() for t in texts), bool, n)
    lows = [t.lower().replace("\u2019", "'") for t in texts]
    f = _lexical(lows, mattr_window, hapax_window)
    n_words = f["n_words"]
    n_chars = np.fromiter(map(len, texts), np.float64, n)

    # length
    f["n_chars"] = n_chars
    f["log_chars"] = np.log1p(n_chars)
    stripped = [t.strip() for t in texts]
    nonblank = np.fromiter(map(bool, stripped), bool, n)
    f["n_paragraphs"] = np.where(
        nonblank, 1.0 + _count_regex(stripped, _PARAGRAPH_BREAK, _contains(stripped, "\n")), 0.0
    )
    del stripped

    # lexicon rates
    for name in _LEXICON:
        f[name] = _rate(f[name], n_words, 1000.0)

    # punctuation: on the original texts (lows have curly apostrophes straightened)
    for name, (literals, _) in _PUNCTUATION.items():
        literals += FULL_WIDTH_PUNCTUATION.get(name, ())  # never in ASCII text: adds 0 there
        f[name] = _rate(_count_literals(texts, literals, ascii_mask), n_chars, 1000.0)

    # format: fences on the raw text, everything else outside fenced code blocks
    # (so "# comment" in Python code is not a heading); line patterns run on
    # "\n" + text + "\n".
    has_fence = _contains(texts, "```") | _contains(texts, "~~~")
    raw: dict[str, np.ndarray] = {
        "md_code_fence": _count_regex(texts, _FENCE, has_fence, prefix="\n")
    }
    prose = list(texts)
    for i in np.flatnonzero(has_fence).tolist():
        prose[i] = _FENCED_BLOCK.sub("", prose[i])
    framed = ["\n" + t + "\n" for t in prose]
    n_lines = np.fromiter((t.count("\n") for t in prose), np.float64, n) + 1.0
    lines = n_lines - _count_regex(framed, _BLANK_LINE, _contains(prose, "\n"))
    lines = np.where(np.fromiter((not t.isspace() and t != "" for t in prose), bool, n), lines, 0)
    for name, pattern, needle in (
        ("md_heading", _HEADING, "#"),
        ("md_bullet", _BULLET, None),
        ("md_numbered", _NUMBERED, None),
        ("md_table_row", _TABLE_ROW, "|"),
        ("md_hr", _HR, None),
    ):
        cand = None if needle is None else _contains(prose, needle)
        raw[name] = _count_regex(framed, pattern, cand)
        f[name] = _rate(raw[name], lines, 1.0)
    del framed
    has_star = _contains(prose, "*")
    has_under = _contains(prose, "_")
    raw["md_bold"] = _count_regex(prose, _BOLD_STAR, has_star) + _count_regex(
        prose, _BOLD_UNDER, has_under
    )
    raw["md_italic"] = _count_regex(prose, _ITALIC_STAR, has_star) + _count_regex(
        prose, _ITALIC_UNDER, has_under
    )
    raw["md_inline_code"] = _count_regex(prose, _INLINE_CODE, _contains(prose, "`"))
    del prose
    for name in ("md_bold", "md_italic", "md_code_fence", "md_inline_code"):
        f[name] = _rate(raw[name], n_chars, 1000.0)
    f["md_any"] = np.asarray(sum(raw.values()) > 0, dtype=np.float64)

    # emoji
    f["emoji"] = _rate(_count_regex(texts, _EMOJI, ~ascii_mask), n_chars, 1000.0)

    # discourse
    heads = [t[:80].lstrip(_LEAD) for t in lows]
    for name, pattern in _OPENERS.items():
        f[name] = np.fromiter((pattern.match(h) is not None for h in heads), np.float64, n)
    for name, literals in _PRESENCE.items():
        hit = np.zeros(n, dtype=bool)
        for lit in literals:
            hit |= _contains(lows, lit)
        f[name] = hit.astype(np.float64)
    f["hedge_it_depends"] = _rate(_count_literals(lows, ("it depends",), ascii_mask), n_words, 1e3)
    f["hedge_important_to_note"] = _rate(
        _count_regex(lows, _IMPORTANT, _contains(lows, "important to")), n_words, 1000.0
    )
    return np.column_stack([f[name] for name in _NAMES]).astype(np.float64, copy=False)


# ------------------------------------------------------------ estimator
class StyleFeatures(TransformerMixin, BaseEstimator):
    """Stylometric features of texts, one row per text (see :data:`FEATURES`).

    Stateless: :meth:`fit` learns nothing, so the transformer can be used
    before or without fitting, inside a :class:`~sklearn.pipeline.Pipeline`,
    and cloned.

    Parameters
    ----------
    mattr_window : int, default 50
        Window of the moving-average type/token ratio (``mattr``), in tokens.
    hapax_window : int, default 100
        Segment size of ``hapax_ratio``, in tokens.

    Examples
    --------
    >>> X = StyleFeatures().transform(["Certainly! Here is a list:\\n\\n- one\\n- two"])
    >>> X.shape
    (1, 81)
    """

    def __init__(self, mattr_window: int = 50, hapax_window: int = 100) -> None:
        self.mattr_window = mattr_window
        self.hapax_window = hapax_window

    def fit(self, X: Any, y: Any = None) -> StyleFeatures:
        """Do nothing (stateless); return ``self``."""
        self._check_params()
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Compute the features.

        Parameters
        ----------
        X : sequence of str, shape (n_texts,)
            List, numpy array or pandas Series of texts (a one-column
            DataFrame or (n, 1) array is accepted too). ``None``/NaN count as
            the empty text.

        Returns
        -------
        numpy.ndarray, shape (n_texts, len(FEATURES)), float64
            Columns in the order of :meth:`get_feature_names_out`; every value
            finite (rates of empty texts are 0).
        """
        self._check_params()
        texts = _as_texts(X)
        if not texts:
            return np.zeros((0, len(FEATURES)), dtype=np.float64)
        parts = [
            _transform_batch(texts[i : i + BATCH_SIZE], self.mattr_window, self.hapax_window)
            for i in range(0, len(texts), BATCH_SIZE)
        ]
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Feature names, shape (len(FEATURES),), dtype object."""
        return np.asarray(_NAMES, dtype=object)

    def _check_params(self) -> None:
        for name in ("mattr_window", "hapax_window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags


def style_frame(texts: Any, **params: Any) -> pd.DataFrame:
    """Style features as a table.

    Parameters
    ----------
    texts : sequence of str, shape (n_texts,)
        As for :meth:`StyleFeatures.transform`.
    **params
        Passed to :class:`StyleFeatures` (``mattr_window``, ``hapax_window``).

    Returns
    -------
    pandas.DataFrame, shape (n_texts, len(FEATURES))
        Columns are the feature names; the index is that of ``texts`` when it
        is a Series or DataFrame, else 0..n-1.
    """
    index = texts.index if isinstance(texts, (pd.Series, pd.DataFrame)) else None
    values = StyleFeatures(**params).transform(texts)
    return pd.DataFrame(values, columns=_NAMES, index=index)

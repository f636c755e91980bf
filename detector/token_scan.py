"""The lexical channel's token scan on Polars' regex engine, with Python's own character classes.

:mod:`detector.lexical` cuts text into tokens with one regular expression
(words, CJK characters, separators, newlines, single punctuation marks) and
numbers the distinct forms in order of first appearance. Python's ``re``
finds the tokens as Python strings (one object per token) and pandas then
hashes them: together about two thirds of the lexical channel's time. Here
the same expression runs in Rust (Polars ``str.extract_all``) and Arrow
numbers the forms (``dictionary_encode``), with no Python object per token:
about 2x faster on the dev corpora (``docs/method.md``).

The two engines must find exactly the same tokens. Rust's ``\\w``, ``\\d`` and
``\\s`` follow Unicode's definitions (and its version), Python's its own, so
the pattern here spells every class as explicit code-point ranges taken from
Python's ``re`` itself (every code point tested once per process, a quarter
of a second): the classes are Python's by construction. Checked token for
token on the AlpacaEval, creative_2025 and MT-Bench corpora and on random
text over all of Unicode (``tests/test_lexical.py``). Text Arrow cannot hold
(lone surrogates) and a missing Polars fall back to ``re``.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from .cjk import CJK_CHARS

__all__ = ["scan_chunk"]


@functools.cache
def _pattern() -> str:
    """The lexical token pattern with Python's classes as explicit ranges (Rust regex syntax)."""
    points = np.array([c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF])
    every = "".join(map(chr, points))

    def where(expr: str) -> np.ndarray:
        hit = np.zeros(len(points), dtype=bool)
        hit[[m.start() for m in re.finditer(expr, every)]] = True
        return hit

    word, digit, space, cjk = where(r"\w"), where(r"\d"), where(r"\s"), where(f"[{CJK_CHARS}]")
    under = points == ord("_")

    def ranges(mask: np.ndarray) -> str:
        cp = points[mask]
        if not len(cp):
            return ""
        breaks = np.flatnonzero(np.diff(cp) != 1)
        starts, ends = np.r_[cp[0], cp[breaks + 1]], np.r_[cp[breaks], cp[-1]]
        return "".join(
            f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}"
            for a, b in zip(starts, ends, strict=True)
        )

    # as detector.lexical._TOKEN: [CJK] | [^\W_CJK]+(?:'[^\W\d_CJK]+)* | \x00 | \n | [^\w\s] | _
    letters = ranges(word & ~under & ~cjk)
    tail = ranges(word & ~under & ~digit & ~cjk)
    punct = ranges(~word & ~space)
    return f"[{ranges(cjk)}]|[{letters}]+(?:'[{tail}]+)*|\\x00|\\n|[{punct}]|_"


def scan_chunk(text: str) -> tuple[np.ndarray, list[str]] | None:
    """Tokens of ``text`` as codes into its distinct forms, or None to use Python's ``re``.

    Parameters
    ----------
    text : str
        Joined texts (separators already in place).

    Returns
    -------
    codes : numpy.ndarray of int64, shape (n_tokens,)
    forms : list of str
        Distinct token forms in order of first appearance (``pandas.factorize``'s
        order), so the result equals the ``re`` scan's exactly.
    """
    try:
        import polars as pl
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - polars is a dependency
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: Arrow holds UTF-8 only
        return None
    tokens = pl.Series([text]).str.extract_all(_pattern()).explode().drop_nulls()
    encoded = pc.dictionary_encode(tokens.to_arrow())
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()

"""Group overlapping n-grams into distinct habits.

A model's pet phrase "I hope this helps" makes every n-gram inside it
over-used too: "i hope this", "hope this helps", "i hope", "this helps",
"hope", "helps", "this", "i". A table of over-used terms then shows one
habit nine times. :func:`distinct_terms` keeps, in ranked order, each term
that does not overlap a term kept before it, and lists the terms it stands
for (those it contains, that contain it, or that share a run of at least two
words at an edge with it, directly or through a longer term already listed),
so a table shows distinct habits. Single words listed under a phrase do not
pull further terms in ("this" under "i hope this" does not claim "this
means").
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["distinct_terms", "overlaps"]


def _contains(long: tuple[str, ...], short: tuple[str, ...]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def overlaps(a: str, b: str, min_run: int = 2) -> bool:
    """Whether two space-joined n-grams are part of one phrase.

    True when one contains the other as a run of words, or when the last
    ``min_run`` or more words of one are the first words of the other ("i
    hope this" and "hope this helps").
    """
    x, y = tuple(a.split()), tuple(b.split())
    if not x or not y:
        return False
    if _contains(x, y) or _contains(y, x):
        return True
    runs = range(min_run, min(len(x), len(y)))
    return any(x[-k:] == y[:k] or y[-k:] == x[:k] for k in runs)


def distinct_terms(terms: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Greedy selection of non-overlapping terms, best first.

    Parameters
    ----------
    terms : sequence of str
        Space-joined n-grams, ranked (best first).

    Returns
    -------
    list of (str, list of str)
        Each kept term with the later terms it stands for, in rank order.
        A term overlapping several kept ones is listed under the first.
    """
    kept: list[tuple[str, list[str]]] = []
    for term in terms:
        for head, variants in kept:
            links = [head] + [v for v in variants if len(v.split()) >= 2]
            if any(overlaps(v, term) for v in links):
                variants.append(term)
                break
        else:
            kept.append((term, []))
    return kept

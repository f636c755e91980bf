"""Newick text of a tree: leaf names quoted as strict readers need, lengths, supports."""

from __future__ import annotations

import re

import numpy as np

__all__ = ["MIN_BRANCH", "format_support", "newick_name", "to_newick"]

MIN_BRANCH = 1e-6  # a branch length of 0 or less is written as this, so no models read identical
_NEWICK_SPECIAL = re.compile(r"[\s()\[\]':;,_]")


def format_support(s: float) -> str:
    return f"{s:.4g}"


def newick_name(name: str) -> str:
    """A leaf name as a Newick label: quoted when it has special characters.

    Names with whitespace, parentheses, brackets, quotes, colons, semicolons,
    commas or underscores (which strict readers turn into spaces) are put in
    single quotes, with inner single quotes doubled.
    """
    if name and not _NEWICK_SPECIAL.search(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def to_newick(
    z: np.ndarray,
    names: list[str],
    supports: list[float | None] | None = None,
    *,
    lengths: np.ndarray | None = None,
) -> str:
    """Newick text of a linkage tree with branch lengths and support labels.

    Parameters
    ----------
    z : numpy.ndarray, shape (n - 1, 4)
        SciPy linkage matrix; a node's height is half its merge distance.
    names : list of str, length n
    supports : list of float or None, length n - 1, optional
        Support of each linkage row's clade (the root's is not written).
    lengths : numpy.ndarray, shape (2n - 1,), optional
        Length of the branch above each node (leaves, then linkage rows), as
        for a neighbour-joining tree; by default the difference of the two
        ends' heights (half merge distances). A length of 0 or less is
        written as :data:`MIN_BRANCH`.

    Returns
    -------
    str
        E.g. ``((a:0.1,b:0.1)0.98:0.2,c:0.3);``
    """
    n = len(names)
    if n == 1:
        return f"{newick_name(names[0])};"
    heights = np.concatenate([np.zeros(n), z[:, 2] / 2])

    def length(child: int, parent: int) -> str:
        value = float(lengths[child]) if lengths is not None else heights[parent] - heights[child]
        return f"{max(value, MIN_BRANCH):.6g}"

    text: list[str] = [newick_name(nm) for nm in names]
    for row, (a, b) in enumerate(z[:, :2].astype(int)):
        node = n + row
        label = ""
        support = supports[row] if supports is not None and row < n - 2 else None
        if support is not None:
            label = format_support(float(support))
        text.append(f"({text[a]}:{length(a, node)},{text[b]}:{length(b, node)}){label}")
    return text[-1] + ";"

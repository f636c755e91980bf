"""Lineage map: a tree of all models with bootstrap support on every branch.

:func:`lineage_tree` compares every pair of models with the same calibrated,
prompt-centred evidence that :func:`~detector.scoring.score` uses
(:func:`~detector.evidence.build_evidence`) and turns it into

- a distance matrix (see below);
- a tree, by default by neighbour joining (NJ; Saitou & Nei, 1987,
  :func:`neighbour_joining`), else by a SciPy linkage method (``"average"``
  is UPGMA); leaves ordered so that neighbours are similar (optimal leaf
  ordering);
- bootstrap support for every clade of that tree: the prompts are resampled
  with replacement ``n_bootstrap`` times, the tree is rebuilt from each
  resample, and a clade's support is the fraction of resampled trees that
  contain it, as in stylo's bootstrap consensus trees and Felsenstein's
  (1985) bootstrap. An NJ tree is unrooted, so there a clade counts as
  present when some branch of the resampled tree separates exactly its
  models from the rest (a split: a clade and its complement are the same
  split); for a linkage tree, when one node has exactly its models below;
- Newick text with branch lengths and supports, and figures
  (:func:`dendrogram_figure`, :func:`heatmap_figure`, :func:`mds_figure`).

Distance
--------
Let A be the combined standardized affinity of
:meth:`~detector.evidence.Evidence.combined_affinity`, symmetrized as
``(A + A.T) / 2``: the reliability-weighted mean over channels of the mean
prompt-centred similarity of two models, in units of one standard deviation
of that channel's between-model affinities. The distance is

    d(i, j) = max_{k != l} A(k, l) - A(i, j)   (i != j),   d(i, i) = 0,

in the same units: the most similar pair of models is at distance 0 and
every other pair is as many standard deviations further apart as it is less
similar. The shift keeps distances non-negative without bending the scale;
neither tree's shape depends on it (adding a constant to every distance
changes no merge, and no choice of NJ's criterion), so each bootstrap tree
uses its own maximum.

Branch lengths and rooting
--------------------------
Neighbour joining: the tree is rooted for display at the midpoint of its
longest leaf-to-leaf path. The Newick text carries the NJ branch lengths
(the root splits the branch it lies on), so the path between two leaves is
their NJ tree distance. The dendrogram draws each node at its height, the
longest path from it down to one of its leaves, so heights grow towards the
root; horizontal segments are therefore the NJ branch lengths only along
each node's longest path (the drawing is not a phylogram).

Linkage methods: UPGMA places a node at half the average distance between
the two groups it joins; a Newick branch length is the difference of the
heights of its two ends, so the path between two leaves is about their
distance. The dendrogram's axis shows the (full) distance at which groups
join.

Models with partial prompt coverage are compared on the prompts they share
(every affinity is a mean over the prompts both models answered); a pair
sharing fewer than ``min_shared`` prompts is an error.
"""

from __future__ import annotations

import html
import inspect
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import squareform

from .corpus import Corpus, check_known
from .errors import ProvenanceError
from .evidence import Evidence
from .features import Features
from .params import check_int, check_seed
from .progress import bar as progress_bar
from .resolve import as_evidence, known_models, pairwise_shared
from .results import Result
from .similarity import SimilarityTensor

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

DEFAULT_BOOTSTRAP = 100
MIN_SHARED = 20
METHODS = ("nj", "average", "weighted", "complete", "single")
DEFAULT_METHOD = "nj"
SUPPORTED = 0.9  # support at which a clade counts as well supported (figures, text)
_BATCH_BYTES = 64 * 2**20  # memory bound of one batch of bootstrap affinities
_NEWICK_SPECIAL = re.compile(r"[\s()\[\]':;,_]")

DISTANCE_DEFINITION = (
    "d(i,j) = max over pairs of A - A(i,j), A = combined standardized affinity "
    "(symmetrized; SD units of between-model affinity); closest pair at 0"
)


@dataclass
class Clade:
    """One internal node of the reference tree.

    Attributes
    ----------
    members : list of str
        Leaves below the node, sorted.
    support : float or None
        Fraction of bootstrap trees containing exactly this clade, in [0, 1]
        (neighbour joining: containing the split this clade makes, i.e. a
        branch with exactly these models on one side); None when no
        bootstrap was run.
    height : float
        Linkage methods: average (or single, complete, ...) distance between
        the two groups the node joins. Neighbour joining: the longest path
        of NJ branch lengths from the node down to one of its leaves. SD
        units.
    """

    members: list[str]
    support: float | None
    height: float


@dataclass
class TreeResult(Result):
    """A lineage tree of models with bootstrap support.

    Attributes
    ----------
    models : list of str
        Models in input order (rows and columns of ``distances``).
    distances : pandas.DataFrame, shape (n_models, n_models)
        Symmetric, zero diagonal, SD units (see module docstring).
    linkage : numpy.ndarray, shape (n_models - 1, 4)
        SciPy linkage matrix of the reference tree (leaf indices refer to
        ``models``), optimally leaf-ordered; column 2 holds the clades'
        ``height``. A neighbour-joining tree is rooted at its midpoint.
    clades : list of Clade
        Every internal node except the root, in merge order (smallest
        height first).
    newick : str
        The tree in Newick format with branch lengths and supports.
    leaf_order : list of str
        Leaves from top to bottom of the dendrogram.
    n_prompts : int
        Prompts the evidence was built on (union over models).
    shared_prompts : pandas.DataFrame, shape (n_models, n_models)
        Prompts each pair of models both answered.
    n_bootstrap, seed : int
    method : str
        "nj" (neighbour joining) or a SciPy linkage method ("average" is
        UPGMA).
    weights, reliability : dict of str to float
        Channel combination weights and split-half reliabilities.
    notes : list of str
    bootstrap_counts : dict of int to int
        Every clade (neighbour joining: split, keyed by its side without
        ``models[0]``) seen in a bootstrap tree, as a bit mask with bit ``i``
        set for ``models[i]`` -> number of bootstrap trees containing it;
        read it with :meth:`bootstrap_frequency`.
    """

    models: list[str]
    distances: pd.DataFrame
    linkage: np.ndarray
    clades: list[Clade]
    newick: str
    leaf_order: list[str]
    n_prompts: int
    shared_prompts: pd.DataFrame
    n_bootstrap: int
    seed: int
    method: str
    weights: dict[str, float]
    reliability: dict[str, float]
    distance: str = DISTANCE_DEFINITION
    notes: list[str] = field(default_factory=list)
    bootstrap_counts: dict[int, int] = field(default_factory=dict, repr=False)

    # ---------------------------------------------------------------- queries
    def clade_table(self) -> pd.DataFrame:
        """One row per clade: support, size, height and members (largest last)."""
        rows = [
            {
                "support": c.support,
                "size": len(c.members),
                "height": round(c.height, 3),
                "members": ", ".join(c.members),
            }
            for c in self.clades
        ]
        return pd.DataFrame(rows, columns=["support", "size", "height", "members"])

    def smallest_clade(self, members: list[str] | tuple[str, ...] | set[str]) -> Clade:
        """The smallest clade of the tree containing all ``members``.

        The root (all models, support 1) when no smaller clade contains them.
        """
        wanted = _check_names(members, self.models)
        for c in self.clades:  # merge order: smaller clades come first
            if wanted <= set(c.members):
                return c
        return Clade(sorted(self.models), 1.0 if self.n_bootstrap else None, self._root_height)

    def bootstrap_frequency(self, members: list[str] | tuple[str, ...] | set[str]) -> float | None:
        """Share of bootstrap trees containing exactly the clade ``members``.

        Unlike :func:`clade_support`, defined for any set of models, also one
        that is not a clade of the reference tree; None without bootstrap.
        For neighbour joining, the share of (unrooted) bootstrap trees with
        a branch separating ``members`` from the other models, so a set and
        its complement get the same value.
        """
        wanted = _check_names(members, self.models)
        if not self.n_bootstrap:
            return None
        n = len(self.models)
        if len(wanted) == 1 or wanted == set(self.models):
            return 1.0
        if self.method == "nj" and len(wanted) == n - 1:
            return 1.0  # one model against the rest: a leaf's branch, in every tree
        mask = sum(1 << i for i, m in enumerate(self.models) if m in wanted)
        if self.method == "nj":
            mask = _split_key(mask, n)
        return self.bootstrap_counts.get(mask, 0) / self.n_bootstrap

    @property
    def _support_meaning(self) -> str:
        if self.method == "nj":
            return (
                "share of bootstrap trees with a branch splitting exactly that clade "
                "from the other models"
            )
        return "share of bootstrap trees containing exactly that clade"

    @property
    def _root_height(self) -> float:
        return float(self.linkage[-1, 2]) if len(self.linkage) else 0.0

    # ---------------------------------------------------------------- export
    def to_dict(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "leaf_order": list(self.leaf_order),
            "distance": self.distance,
            "distances": self.distances.round(6).to_numpy().tolist(),
            "linkage": self.linkage.tolist(),
            "clades": [
                {"members": c.members, "support": c.support, "height": c.height}
                for c in self.clades
            ],
            "newick": self.newick,
            "n_prompts": self.n_prompts,
            "min_shared_prompts": _min_off_diagonal(self.shared_prompts.to_numpy()),
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "method": self.method,
            "weights": self.weights,
            "reliability": self.reliability,
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """The clades as a table (:meth:`clade_table`)."""
        return self.clade_table()

    def to_text(self) -> str:
        table = self.clade_table()
        if len(table):
            table["members"] = table["members"].map(lambda s: s if len(s) <= 90 else s[:87] + "...")
        head = (
            f"{len(self.models)} models, {self.n_prompts} prompts, {method_label(self.method)}, "
            f"{self.n_bootstrap} bootstrap resamplings (seed {self.seed})"
        )
        weights = ", ".join(f"{k} {v:.2f}" for k, v in self.weights.items())
        lines = [
            head,
            f"channels: {weights}",
            f"distance: {self.distance}",
            "",
            f"clades (support = {self._support_meaning}):",
            table.to_string(index=False) if len(table) else "(none)",
            "",
            "newick:",
            self.newick,
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<p><b>Lineage tree:</b> {len(self.models)} models, {self.n_prompts} prompts, "
            f"{html.escape(method_label(self.method))}, {self.n_bootstrap} bootstrap "
            f"resamplings (seed {self.seed}); support = {html.escape(self._support_meaning)}</p>"
            f"<p><b>Distance:</b> {html.escape(self.distance)}</p>"
            + self.clade_table().to_html(index=False)
            + f"<p><b>Newick:</b> <code>{html.escape(self.newick)}</code></p>"
            + (f"<ul>{notes}</ul>" if notes else "")
        )


# -------------------------------------------------------------------- helpers
def method_label(method: str) -> str:
    """How a tree method is named in text and figures, e.g. "neighbour joining"."""
    if method == "nj":
        return "neighbour joining"
    if method == "average":
        return "average linkage (UPGMA)"
    return f"{method} linkage"


def _check_names(names: Any, known: list[str]) -> set[str]:
    names = [names] if isinstance(names, str) else list(names)
    check_known(names, known)
    if not names:
        raise ProvenanceError("no models given")
    return set(names)


def _min_off_diagonal(a: np.ndarray) -> int:
    if len(a) < 2:
        return 0
    return int(a[~np.eye(len(a), dtype=bool)].min())


def affinity_to_distance(affinity: np.ndarray) -> np.ndarray:
    """Distance matrix from a standardized affinity matrix.

    Parameters
    ----------
    affinity : numpy.ndarray, shape (n, n)
        Standardized affinity (SD units); need not be symmetric.

    Returns
    -------
    numpy.ndarray, shape (n, n)
        ``max_{k != l} S(k, l) - S`` with ``S = (A + A.T) / 2`` and a zero
        diagonal: symmetric, non-negative, SD units.
    """
    a = np.asarray(affinity, dtype=np.float64)
    s = (a + a.T) / 2
    off = ~np.eye(len(s), dtype=bool)
    d = s[off].max() - s if len(s) > 1 else np.zeros_like(s)
    np.fill_diagonal(d, 0.0)
    return d


def _linkage(distances: np.ndarray, method: str) -> np.ndarray:
    return linkage(squareform(distances, checks=False), method=method)


def _reference_tree(distances: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Linkage matrix (optimally leaf-ordered) and, for NJ, the branch lengths.

    Returns
    -------
    z : numpy.ndarray, shape (n - 1, 4)
    branch : numpy.ndarray, shape (2n - 1,), or None
        NJ length of the branch above each node (see :func:`_nj_linkage`);
        None for the linkage methods, whose lengths follow from the heights.
    """
    n = len(distances)
    branch = None
    if method == "nj":
        z, branch = _nj_linkage(*neighbour_joining(distances), n)
    else:
        z = _linkage(distances, method)
    # keeps the rows (so ``branch`` stays valid); only swaps the two children of a row
    return optimal_leaf_ordering(z, squareform(distances, checks=False)), branch


def _tree_keys(distances: np.ndarray, method: str) -> set[int]:
    """What bootstrap support counts in one tree: NJ splits or linkage clades (bit masks)."""
    n = len(distances)
    if method == "nj":
        return _nj_splits(neighbour_joining(distances)[0], n)
    return set(_clade_masks(_linkage(distances, method), n))


def neighbour_joining(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour-joining tree of a distance matrix (Saitou & Nei, 1987).

    At each step the pair ``(i, j)`` minimizing
    ``Q(i, j) = (m - 2) d(i, j) - r(i) - r(j)`` (``m`` active nodes,
    ``r(i) = sum_k d(i, k)``) is joined into a new node ``u`` with branch
    lengths ``d(i, j) / 2 + (r(i) - r(j)) / (2 (m - 2))`` to ``i`` and the
    rest of ``d(i, j)`` to ``j``, and ``d(u, k) = (d(i, k) + d(j, k) - d(i, j)) / 2``.
    A negative branch length is set to 0 and the difference given to its
    sibling, so the two still add up to ``d(i, j)``. On an additive (tree)
    metric the true tree and its branch lengths are recovered exactly.
    Ties go to the first pair in row-major order (deterministic).

    Parameters
    ----------
    distances : numpy.ndarray, shape (n, n)
        Symmetric with a zero diagonal; ``n >= 3``.

    Returns
    -------
    edges : numpy.ndarray of int, shape (2n - 3, 2)
        Branches of the unrooted tree. Nodes ``0 .. n-1`` are the leaves
        (rows of ``distances``); node ``n + k`` is made by the ``k``-th join,
        and ``edges[2k]``, ``edges[2k + 1]`` link it to the two nodes it
        joins. The last edge links the last two nodes.
    lengths : numpy.ndarray, shape (2n - 3,)
        Branch lengths (>= 0), same units as ``distances``.
    """
    d = np.array(distances, dtype=np.float64)
    n = len(d)
    if n < 3 or d.shape != (n, n):
        raise ProvenanceError(
            f"neighbour joining needs a square matrix of 3 or more, got {d.shape}"
        )
    node = list(range(n))  # tree node held by each row of d
    edges = np.empty((2 * n - 3, 2), dtype=np.int64)
    lengths = np.empty(2 * n - 3)
    for k in range(n - 2):
        m = len(d)
        r = d.sum(axis=1)
        q = (m - 2) * d - r[:, None] - r[None, :]
        q[np.tril_indices(m)] = np.inf  # pairs i < j only
        i, j = np.unravel_index(int(np.argmin(q)), q.shape)
        dij = max(d[i, j], 0.0)
        li = min(max(dij / 2 + (r[i] - r[j]) / (2 * (m - 2)), 0.0), dij)
        edges[2 * k : 2 * k + 2] = [[n + k, node[i]], [n + k, node[j]]]
        lengths[2 * k : 2 * k + 2] = [li, dij - li]
        new = (d[i] + d[j] - d[i, j]) / 2
        d[i, :] = new
        d[:, i] = new
        d[i, i] = 0.0
        keep = np.arange(m) != j
        d = d[np.ix_(keep, keep)]
        node[i] = n + k
        del node[j]
    edges[-1] = node
    lengths[-1] = max(d[0, 1], 0.0)
    return edges, lengths


def _split_key(mask: int, n: int) -> int:
    """A bipartition's bit mask as the side without leaf 0 (a clade and its complement agree)."""
    return ((1 << n) - 1) ^ mask if mask & 1 else mask


def _nj_splits(edges: np.ndarray, n: int) -> set[int]:
    """Non-trivial splits of a neighbour-joining tree, as :func:`_split_key` masks."""
    masks = [1 << i for i in range(n)]
    for k in range(n - 2):
        masks.append(masks[edges[2 * k, 1]] | masks[edges[2 * k + 1, 1]])
    return {_split_key(m, n) for m in masks[n:] if m.bit_count() < n - 1}


def _nj_linkage(edges: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Midpoint-rooted neighbour-joining tree as a SciPy linkage matrix.

    The root is placed halfway along the longest leaf-to-leaf path (on a
    branch, so the tree stays binary). A node's height is the longest path
    from it down to its leaves, so heights never decrease towards the root.

    Parameters
    ----------
    edges : numpy.ndarray of int, shape (2n - 3, 2)
    lengths : numpy.ndarray, shape (2n - 3,)
        As returned by :func:`neighbour_joining`.
    n : int
        Number of leaves.

    Returns
    -------
    z : numpy.ndarray, shape (n - 1, 4)
        Linkage matrix, rows in order of height (children before parents).
    branch : numpy.ndarray, shape (2n - 1,)
        NJ length of the branch above each linkage node (leaves first, then
        rows of ``z``; the root's is 0). The two branches below the root add
        up to the NJ branch the root was placed on.
    """
    n_nodes = 2 * n - 2
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n_nodes)]
    for (a, b), length in zip(edges.tolist(), lengths.tolist(), strict=True):
        adj[a].append((b, length))
        adj[b].append((a, length))

    def walk(src: int) -> tuple[np.ndarray, np.ndarray]:
        dist, parent = np.zeros(n_nodes), np.full(n_nodes, -1)
        parent[src] = src
        stack = [src]
        while stack:
            u = stack.pop()
            for v, length in adj[u]:
                if parent[v] < 0:
                    parent[v], dist[v] = u, dist[u] + length
                    stack.append(v)
        return dist, parent

    walks = [walk(a) for a in range(n)]
    far = np.array([w[0][:n] for w in walks])
    a, b = np.unravel_index(int(np.argmax(far)), far.shape)
    dist, parent = walks[a]
    path = [int(b)]
    while path[-1] != a:
        path.append(int(parent[path[-1]]))
    path.reverse()
    half = dist[b] / 2
    t = next(t for t in range(len(path) - 1) if dist[path[t + 1]] >= half)
    p, q = path[t], path[t + 1]

    # orient away from the root; length[u] is the branch above u
    root = n_nodes
    children: dict[int, list[int]] = {root: [p, q]}
    above = {p: max(half - dist[p], 0.0), q: max(dist[q] - half, 0.0), root: 0.0}
    stack = [(p, q), (q, p)]
    while stack:
        u, up = stack.pop()
        children[u] = [v for v, _ in adj[u] if v != up]
        for v, length in adj[u]:
            if v != up:
                above[v] = length
                stack.append((v, u))
    height, size = {}, {}
    for u in _post_order(root, children):
        kids = children.get(u, [])
        height[u] = max((height[c] + above[c] for c in kids), default=0.0)
        size[u] = sum(size[c] for c in kids) if kids else 1
    internal = sorted((u for u in height if u >= n), key=lambda u: (height[u], size[u]))
    ident = {u: u for u in range(n)} | {u: n + k for k, u in enumerate(internal)}
    z = np.array(
        [[*sorted(ident[c] for c in children[u]), height[u], size[u]] for u in internal],
        dtype=np.float64,
    )
    branch = np.zeros(2 * n - 1)
    for u, k in ident.items():
        branch[k] = above[u]
    return z, branch


def _post_order(root: int, children: dict[int, list[int]]) -> list[int]:
    order, stack = [], [root]
    while stack:
        u = stack.pop()
        order.append(u)
        stack.extend(children.get(u, []))
    return order[::-1]


def _clade_masks(z: np.ndarray, n: int) -> list[int]:
    """Leaf sets of the internal nodes as bit masks, in linkage row order."""
    masks = [1 << i for i in range(n)]
    for a, b in z[:, :2].astype(int):
        masks.append(masks[a] | masks[b])
    return masks[n:]


def _shared_from_evidence(evidence: Evidence, idx: np.ndarray) -> np.ndarray:
    """Prompts each pair of the chosen models both answered, shape (k, k)."""
    for ch in evidence.channels.values():
        if isinstance(ch, SimilarityTensor):
            mask = ch.pair_mask[:, idx][:, :, idx]
            return mask.sum(axis=0).astype(np.int64)
    for ch in evidence.channels.values():  # identity only: its per-model mask
        m = ch.mask[:, idx].astype(np.int64)
        return m.T @ m
    return np.full((len(idx), len(idx)), evidence.n_prompts, dtype=np.int64)


def _check_overlap(shared: np.ndarray, models: list[str], min_shared: int) -> None:
    if len(models) < 2:
        return
    s = shared.astype(float).copy()
    np.fill_diagonal(s, np.inf)
    i, j = np.unravel_index(int(np.argmin(s)), s.shape)
    if s[i, j] < min_shared:
        raise ProvenanceError(
            f"{models[i]!r} and {models[j]!r} share only {int(s[i, j])} prompts; a tree needs "
            f"every pair to share at least {min_shared} (drop one with `models` or lower "
            "`min_shared`)"
        )


def _format_support(s: float) -> str:
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
        ends' heights (half merge distances).

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
        if lengths is not None:
            return f"{max(float(lengths[child]), 0.0):.6g}"
        return f"{max(heights[parent] - heights[child], 0.0):.6g}"

    text: list[str] = [newick_name(nm) for nm in names]
    for row, (a, b) in enumerate(z[:, :2].astype(int)):
        node = n + row
        label = ""
        if supports is not None and row < n - 2 and supports[row] is not None:
            label = _format_support(float(supports[row]))
        text.append(f"({text[a]}:{length(a, node)},{text[b]}:{length(b, node)}){label}")
    return text[-1] + ";"


# -------------------------------------------------------------------- library
def lineage_tree(
    data: Corpus | Features | Evidence,
    models: list[str] | None = None,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    channels: str | list[str] | None = None,
    *,
    method: str = DEFAULT_METHOD,
    min_shared: int = MIN_SHARED,
    **evidence_kwargs: Any,
) -> TreeResult:
    """Build the lineage tree of a set of models with bootstrap support.

    Parameters
    ----------
    data : Corpus, Features or Evidence
        The outputs (features and evidence are computed as needed, using the
        caches), or evidence already built over a superset of the models.
    models : list of str, optional
        Models to place in the tree (default all); at least three.
    n_bootstrap : int
        Prompt resamplings for the clade supports (0: no supports).
    seed : int
        Seed of the resampling and of the channel reliabilities; the result
        is deterministic for a seed.
    channels : str or list of str, optional
        Evidence channels to combine (default all, as scoring). Ignored, like
        ``evidence_kwargs``, when ``data`` is already an Evidence.
    method : {"nj", "average", "weighted", "complete", "single"}
        "nj" (default): neighbour joining, midpoint-rooted for display, with
        support counted per split; otherwise a SciPy linkage method
        ("average" is UPGMA) with support counted per rooted clade.
    min_shared : int
        Fewest prompts every pair of models must share.
    **evidence_kwargs
        Passed to :func:`~detector.evidence.build_evidence`
        (``cache_dir``, ``progress``, ``embedding_model``, ...).

    Returns
    -------
    TreeResult

    Raises
    ------
    ProvenanceError
        Unknown model, fewer than three models, a pair sharing too few
        prompts, a bad method or bootstrap count.
    """
    if method not in METHODS:
        raise ProvenanceError(
            f"unknown tree method {method!r}; choose from {', '.join(METHODS)} "
            "(nj: neighbour joining; the others are linkage methods, average = UPGMA)"
        )
    n_bootstrap, seed = check_int(n_bootstrap, "n_bootstrap", 0), check_seed(seed)
    min_shared = check_int(min_shared, "min_shared", 1)

    known = known_models(data)
    names = known if models is None else list(dict.fromkeys(models))
    _check_names(names, known)
    if len(names) < 3:
        raise ProvenanceError(f"a tree needs at least three models, got {len(names)}")
    shared_before = pairwise_shared(data)  # fail before building evidence, when we can
    if shared_before is not None:
        _check_overlap(shared_before.loc[names, names].to_numpy(), names, min_shared)
    evidence = as_evidence(data, models=names, channels=channels, seed=seed, **evidence_kwargs)
    idx = evidence.index(names)
    shared = _shared_from_evidence(evidence, idx)
    _check_overlap(shared, names, min_shared)

    affinity = evidence.combined_affinity()[np.ix_(idx, idx)]
    if not np.all(np.isfinite(affinity)):
        raise ProvenanceError("the evidence gave non-finite affinities; check the corpus")
    dist = affinity_to_distance(affinity)
    z, branch = _reference_tree(dist, method)
    n = len(names)
    ref_masks = _clade_masks(z, n)
    key = (lambda m: _split_key(m, n)) if method == "nj" else (lambda m: m)

    supports: list[float | None] = [None] * (n - 1)
    seen: dict[int, int] = {}
    if n_bootstrap:
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(
            evidence.n_prompts, np.full(evidence.n_prompts, 1 / evidence.n_prompts), n_bootstrap
        ).astype(np.float64)
        n_all = len(evidence.models)
        per_replicate = 8 * n * n_all * (len(evidence.channels) + 1)
        batch = max(1, min(n_bootstrap, _BATCH_BYTES // per_replicate))
        wanted = evidence_kwargs.get("progress")
        pbar = progress_bar(total=n_bootstrap, desc="tree bootstrap", unit="tree", progress=wanted)
        for start in range(0, n_bootstrap, batch):
            boot = evidence.bootstrap_affinities(counts[start : start + batch], rows=idx)
            for a in boot["combined"][:, :, idx]:
                for m in _tree_keys(affinity_to_distance(a), method):
                    seen[m] = seen.get(m, 0) + 1
            pbar.update(min(batch, n_bootstrap - start))
        pbar.close()
        supports = [
            1.0 if m.bit_count() >= n - 1 else seen.get(key(m), 0) / n_bootstrap for m in ref_masks
        ]

    members = [sorted(names[i] for i in range(n) if m >> i & 1) for m in ref_masks]
    clades = [
        Clade(members[k], supports[k], float(z[k, 2]))
        for k in range(n - 2)  # the root is in every tree
    ]
    order = [names[i] for i in leaves_list(z)]
    notes = []
    min_pair = _min_off_diagonal(shared)
    if min_pair < evidence.n_prompts:
        notes.append(
            f"partial coverage: pairs are compared on the prompts both answered "
            f"(fewest shared: {min_pair} of {evidence.n_prompts})"
        )
    return TreeResult(
        models=list(names),
        distances=pd.DataFrame(dist, index=names, columns=names),
        linkage=z,
        clades=clades,
        newick=to_newick(z, names, supports, lengths=branch),
        leaf_order=order,
        n_prompts=evidence.n_prompts,
        shared_prompts=pd.DataFrame(shared, index=names, columns=names),
        n_bootstrap=n_bootstrap,
        seed=seed,
        method=method,
        weights={k: round(v, 4) for k, v in evidence.weights.items()},
        reliability={k: round(v, 4) for k, v in evidence.reliability.items()},
        notes=notes,
        bootstrap_counts=seen,
    )


def clade_support(
    result: TreeResult, members: list[str] | tuple[str, ...] | set[str]
) -> float | None:
    """Bootstrap support of the clade formed by exactly ``members``.

    Returns
    -------
    float or None
        The support in [0, 1]; 1.0 for a single model or all models (trivial
        clades); None when ``members`` is not a clade of the reference tree
        (or no bootstrap was run).
    """
    wanted = _check_names(members, result.models)
    if len(wanted) == 1 or wanted == set(result.models):
        return 1.0
    for c in result.clades:
        if set(c.members) == wanted:
            return c.support
    return None


# -------------------------------------------------------------------- figures
def supported_groups(result: TreeResult, threshold: float = SUPPORTED) -> list[list[str]]:
    """Maximal clades with support >= ``threshold`` (not the root), largest first.

    Clades containing more than half of the models are skipped, so the groups
    stay informative; models in no group are left out.
    """
    good = [
        set(c.members)
        for c in result.clades
        if c.support is not None
        and c.support >= threshold
        and len(c.members) <= len(result.models) / 2
    ]
    maximal = [g for g in good if not any(g < h for h in good)]
    maximal.sort(key=lambda g: (-len(g), min(result.leaf_order.index(m) for m in g)))
    return [sorted(g, key=result.leaf_order.index) for g in maximal]


def _group_colors(result: TreeResult, label_colors: dict[str, str] | None) -> dict[str, str]:
    if label_colors is not None:
        return dict(label_colors)
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    groups = sorted(supported_groups(result), key=lambda g: result.leaf_order.index(g[0]))
    colors = {}
    for k, g in enumerate(groups):
        rgba = cmap(k % 10)
        for m in g:
            colors[m] = matplotlib.colors.to_hex(rgba)
    return colors


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def dendrogram_figure(
    result: TreeResult,
    *,
    label_colors: dict[str, str] | None = None,
    leaf_labels: dict[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Dendrogram with the bootstrap support at every internal node.

    Root on the left, leaves on the right in ``result.leaf_order``. Support
    labels are black when >= 0.9, grey below. Leaves (and the branches within
    each well-supported group) are coloured by ``label_colors`` (model ->
    colour), by default one colour per maximal clade with support >= 0.9.
    ``leaf_labels`` (model -> text) replaces the model names shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(result.models)
    z = result.linkage
    shown = [(leaf_labels or {}).get(m, m) for m in result.leaf_order]
    width = max(9.0, 5.5 + 0.075 * max(len(t) for t in shown))
    fig = _new_figure(width, max(3.0, 0.24 * n + 1.2))
    ax = fig.add_subplot()
    colors = _group_colors(result, label_colors)
    pos = {m: k for k, m in enumerate(result.leaf_order)}
    y = np.zeros(2 * n - 1)
    x = np.zeros(2 * n - 1)
    node_color: list[str | None] = [colors.get(m) for m in result.models]
    y[:n] = [pos[m] for m in result.models]
    for row, (a, b) in enumerate(z[:, :2].astype(int)):
        node = n + row
        x[node] = z[row, 2]
        y[node] = (y[a] + y[b]) / 2
        shared_color = node_color[a] if node_color[a] == node_color[b] else None
        node_color.append(shared_color)
        for child in (a, b):
            c = node_color[child] or "0.25"
            ax.plot([x[child], x[node]], [y[child], y[child]], color=c, lw=1.1)
        ax.plot([x[node], x[node]], [y[a], y[b]], color=shared_color or "0.25", lw=1.1)
    span = float(z[:, 2].max()) if len(z) else 1.0
    span = span if span > 0 else 1.0
    support_labels = []
    for row, clade in enumerate(result.clades):
        if clade.support is None:
            continue
        node = n + row
        strong = clade.support >= SUPPORTED
        label = ax.text(
            x[node] + 0.006 * span,
            y[node] - 0.12,
            f"{clade.support:.2f}",
            ha="right",
            va="bottom",
            fontsize=6.5,
            color="black" if strong else "0.55",
            fontweight="bold" if strong else "normal",
            # legible where short internal branches crowd the nodes (NJ trees)
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.75},
            zorder=4,
        )
        support_labels.append((clade.support, label))
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(span * 1.04, -0.01 * span)
    ax.yaxis.tick_right()
    ax.set_yticks(range(n))
    ax.set_yticklabels(shown, fontsize=8)
    for tick, m in zip(ax.get_yticklabels(), result.leaf_order, strict=True):
        tick.set_color(colors.get(m, "black"))
    ax.tick_params(axis="y", length=0)
    for side in ("top", "left", "right"):
        ax.spines[side].set_visible(False)
    support_labels.sort(key=lambda t: -t[0])  # strong supports keep their place
    _declutter_supports(fig, [label for _, label in support_labels])
    ax.set_xlabel(
        "longest path from a node to its leaves, NJ branch lengths (SD of between-model affinity)"
        if result.method == "nj"
        else f"{result.method} distance between joined groups (SD of between-model affinity)"
    )
    fig.suptitle(
        title
        or f"{method_label(result.method)} of {n} models on {result.n_prompts} prompts; "
        f"node labels: bootstrap support ({result.n_bootstrap} prompt resamplings)",
        fontsize=9,
    )
    return fig


def heatmap_figure(result: TreeResult, *, title: str | None = None) -> Figure:
    """Heatmap of the distance matrix, rows and columns in the tree's leaf order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    order = result.leaf_order
    d = result.distances.loc[order, order].to_numpy()
    n = len(order)
    side = max(4.0, 0.2 * n + 2.8)
    fig = _new_figure(side + 1.0, side)
    ax = fig.add_subplot()
    im = ax.imshow(d, cmap="viridis_r", interpolation="nearest")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    fs = 8 if n <= 30 else 6.5
    ax.set_xticklabels(order, rotation=90, fontsize=fs)
    ax.set_yticklabels(order, fontsize=fs)
    fig.colorbar(im, ax=ax, shrink=0.6, label="distance (SD of between-model affinity)")
    ax.set_title(title or "distance matrix, ordered by the tree", fontsize=9)
    return fig


def mds_coordinates(result: TreeResult, random_state: int = 0) -> pd.DataFrame:
    """2-D metric MDS of the distance matrix.

    Returns
    -------
    pandas.DataFrame, shape (n_models, 2)
        Columns ``x``, ``y``; ``attrs["stress"]`` holds the normalized stress
        (Stress-1; 0.1 fair, 0.2 poor).
    """
    from sklearn.manifold import MDS

    params = inspect.signature(MDS).parameters
    kwargs: dict[str, Any] = {"n_components": 2, "random_state": random_state, "n_init": 4}
    if "metric_mds" in params:  # scikit-learn >= 1.8
        kwargs.update(metric="precomputed", metric_mds=True, init="random")
    else:
        kwargs.update(dissimilarity="precomputed", metric=True)
    if "normalized_stress" in params:
        kwargs["normalized_stress"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        mds = MDS(**kwargs)
        xy = mds.fit_transform(result.distances.to_numpy())
    frame = pd.DataFrame(xy, index=result.models, columns=["x", "y"])
    frame.attrs["stress"] = float(mds.stress_)
    return frame


def mds_figure(
    result: TreeResult,
    *,
    random_state: int = 0,
    label_colors: dict[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """2-D map of the models (metric MDS of the distances, fixed random state).

    Points are coloured like the dendrogram's leaves.

    Returns
    -------
    matplotlib.figure.Figure
    """
    xy = mds_coordinates(result, random_state=random_state)
    colors = _group_colors(result, label_colors)
    fig = _new_figure(9.0, 7.5)
    ax = fig.add_subplot()
    labels = []
    for m, (px, py) in xy.iterrows():
        c = colors.get(m, "0.35")
        ax.scatter([px], [py], s=22, color=c, zorder=3)
        labels.append(
            ax.annotate(
                m,
                (px, py),
                xytext=(3, 2),
                textcoords="offset points",
                fontsize=6.5,
                color=c if m in colors else "0.2",
            )
        )
    ax.set_aspect("equal", adjustable="datalim")
    _declutter(fig, labels)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        title
        or f"MDS map of the distances (stress-1 {xy.attrs['stress']:.2f}); colours: "
        f"clades with support >= {SUPPORTED}",
        fontsize=9,
    )
    return fig


def _declutter_supports(fig: Figure, labels: list[Any]) -> None:
    """Move a support label below its node when it overlaps an earlier label above."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not labels:
        return
    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    taken: list[Any] = []
    for label in labels:
        box = label.get_window_extent(renderer)
        if any(box.overlaps(t) for t in taken):
            px, py = label.get_position()
            label.set_position((px, py + 0.24))  # the y axis points down: below the node
            label.set_va("top")
            moved = label.get_window_extent(renderer)
            if any(moved.overlaps(t) for t in taken):
                label.set_position((px, py))
                label.set_va("bottom")
            else:
                box = moved
        taken.append(box)


def _declutter(fig: Figure, labels: list[Any]) -> None:
    """Move point labels to the first of four sides where they overlap no earlier label."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    sides = [((3, 2), "left", "bottom"), ((3, -2), "left", "top")]
    sides += [((-3, 2), "right", "bottom"), ((-3, -2), "right", "top")]
    taken: list[Any] = []
    for label in labels:
        for offset, ha, va in sides:
            label.set_position(offset)
            label.set_ha(ha)
            label.set_va(va)
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(t) for t in taken):
                break
        else:
            label.set_position(sides[0][0])
            label.set_ha("left")
            label.set_va("bottom")
            box = label.get_window_extent(renderer)
        taken.append(box)


def save_figure(fig: Figure, path: str, *, dpi: int = 150) -> None:
    """Write a figure; the format follows the extension (.png, .svg or .pdf)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix not in ("png", "svg", "pdf"):
        raise ProvenanceError(f"{path}: figures are written as .png, .svg or .pdf")
    fig.savefig(path, dpi=dpi)


__all__ = [
    "DISTANCE_DEFINITION",
    "Clade",
    "TreeResult",
    "affinity_to_distance",
    "clade_support",
    "dendrogram_figure",
    "heatmap_figure",
    "lineage_tree",
    "mds_coordinates",
    "mds_figure",
    "method_label",
    "neighbour_joining",
    "newick_name",
    "save_figure",
    "supported_groups",
    "to_newick",
]

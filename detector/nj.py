"""Neighbour joining (Saitou & Nei, 1987) and its splits, for :mod:`detector.tree`.

:func:`neighbour_joining` builds the unrooted tree of a distance matrix;
:func:`nj_linkage` roots it at the midpoint of its longest path and writes it
as a SciPy linkage matrix (so the dendrogram and optimal leaf ordering work
as for the linkage methods); :func:`nj_splits` lists its non-trivial splits,
which is what bootstrap support counts for an unrooted tree.
"""

from __future__ import annotations

import numpy as np

from .errors import ProvenanceError

__all__ = ["neighbour_joining", "nj_linkage", "nj_splits", "split_key"]


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


def split_key(mask: int, n: int) -> int:
    """A bipartition's bit mask as the side without leaf 0 (a clade and its complement agree)."""
    return ((1 << n) - 1) ^ mask if mask & 1 else mask


def nj_splits(edges: np.ndarray, n: int) -> set[int]:
    """Non-trivial splits of a neighbour-joining tree, as :func:`split_key` masks."""
    masks = [1 << i for i in range(n)]
    for k in range(n - 2):
        masks.append(masks[edges[2 * k, 1]] | masks[edges[2 * k + 1, 1]])
    return {split_key(m, n) for m in masks[n:] if m.bit_count() < n - 1}


def nj_linkage(edges: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
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
    if len(path) < 2:  # every branch has length 0: root on a branch of the first leaf
        path.append(adj[int(a)][0][0])
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
    height: dict[int, float] = {}
    size: dict[int, int] = {}
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

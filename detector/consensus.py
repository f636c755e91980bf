"""Majority-rule consensus of a lineage tree's bootstrap trees.

:func:`~detector.tree.lineage_tree` rebuilds the tree on every prompt
resample and counts the clades (linkage methods) or splits (neighbour
joining) each rebuilt tree contains. :func:`consensus_tree` keeps those
found in more than half of the resampled trees, which are always
compatible with each other (Margush & McMorris, 1981), and joins them into
one tree, as stylo's bootstrap consensus trees do (Eder, 2017). Groups the
resamples do not agree on are left unresolved: their models hang from the
nearest supported node instead of being forced into a binary tree.

It is a cladogram: the consensus keeps the groups, not branch lengths. For
neighbour joining, whose splits are unrooted, it is rooted like the
reference tree (at the midpoint of its longest path) when every majority
split fits that root, else at the model farthest from the others; the
result says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ProvenanceError
from .newick import format_support, newick_name
from .results import Result
from .tree import Clade, TreeResult

__all__ = ["MAJORITY", "ConsensusTree", "TreeWithConsensus", "consensus_tree"]

MAJORITY = 0.5


@dataclass
class ConsensusTree(Result):
    """A majority-rule consensus tree.

    Attributes
    ----------
    models : list of str
        The models, in the lineage tree's input order.
    clades : list of Clade
        Every group found in more than ``threshold`` of the bootstrap trees
        (the root excluded), smallest first; ``support`` is that share and
        ``height`` the number of nested levels below the group (leaves: 0).
    leaf_order : list of str
        Leaves from top to bottom of the drawing (the reference tree's order
        where the groups allow it).
    newick : str
        Newick text without branch lengths, with supports.
    threshold : float
        Share of bootstrap trees a group needs (more than this).
    n_bootstrap : int
    method : str
        Method of the bootstrap trees.
    rooted : str
        How the tree is rooted, in words.
    """

    models: list[str]
    clades: list[Clade]
    leaf_order: list[str]
    newick: str
    threshold: float
    n_bootstrap: int
    method: str
    rooted: str
    notes: list[str] = field(default_factory=list)

    def children(self) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
        """Each node's children (nodes are tuples of sorted members; the root has all models)."""
        return _children([tuple(c.members) for c in self.clades], self.models)

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": list(self.models),
            "clades": [
                {"members": c.members, "support": c.support, "height": c.height}
                for c in self.clades
            ],
            "leaf_order": list(self.leaf_order),
            "newick": self.newick,
            "threshold": self.threshold,
            "n_bootstrap": self.n_bootstrap,
            "method": self.method,
            "rooted": self.rooted,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConsensusTree:
        clades = [Clade(list(c["members"]), c["support"], c["height"]) for c in data["clades"]]
        keys = ("models", "leaf_order", "newick", "threshold", "n_bootstrap", "method", "rooted")
        return cls(clades=clades, notes=list(data.get("notes", [])), **{k: data[k] for k in keys})

    def to_text(self) -> str:
        lines = [
            f"majority-rule consensus of {self.n_bootstrap} bootstrap trees "
            f"(groups in more than {self.threshold:.0%} of them; {self.rooted})",
        ]
        for c in sorted(self.clades, key=lambda c: -(c.support or 0)):
            lines.append(f"  {c.support:.2f}  {', '.join(c.members)}")
        lines += ["newick:", self.newick]
        return "\n".join(lines)


@dataclass
class TreeWithConsensus(Result):
    """A lineage tree printed with its consensus (``provenance tree --consensus``).

    Its JSON is the tree's with a ``consensus`` member; its table and
    Markdown views are the tree's followed by the consensus's.
    """

    tree: Any
    consensus: ConsensusTree

    def to_dict(self) -> dict[str, Any]:
        return {**self.tree.to_dict(), "consensus": self.consensus.to_dict()}

    def to_frame(self) -> Any:
        return self.tree.to_frame()

    def to_text(self) -> str:
        return f"{self.tree.to_text()}\n\n{self.consensus.to_text()}"

    def to_markdown(self) -> str:
        return f"{self.tree.to_markdown()}\n\n```\n{self.consensus.to_text()}\n```"


def _children(
    clades: list[tuple[str, ...]], models: list[str]
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Parent -> children of a laminar family of groups over ``models`` (plus the root)."""
    root = tuple(sorted(models))
    nodes = sorted(set(clades) | {root}, key=len)
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}
    for k, node in enumerate(nodes[:-1]):
        parent[node] = next(p for p in nodes[k + 1 :] if set(node) < set(p))
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {node: [] for node in nodes}
    for node, up in parent.items():
        out[up].append(node)
    for node in nodes:
        covered = {m for child in out[node] for m in child}
        out[node] += [(m,) for m in node if m not in covered]
    return out


def _masks_to_groups(
    result: TreeResult, masks: list[int]
) -> tuple[list[tuple[set[str], int]], str]:
    """Rooted groups (with the mask each came from) and how the tree was rooted."""
    names, n = result.models, len(result.models)
    full = (1 << n) - 1

    def members(mask: int) -> set[str]:
        return {names[i] for i in range(n) if mask >> i & 1}

    if result.method != "nj":
        return [(members(m), m) for m in masks], "rooted like the reference tree"
    root_left = {names[int(i)] for i in _leaves_below(result.linkage, int(result.linkage[-1, 0]))}
    sides = (root_left, set(names) - root_left)
    groups: list[tuple[set[str], int]] = []
    for mask in masks:
        for side in (members(mask), members(full ^ mask)):
            if any(side <= s for s in sides):
                groups.append((side, mask))
                if side in sides:  # the root's own split: both sides are groups
                    groups.append((sides[1] if side == sides[0] else sides[0], mask))
                break
        else:
            break
    else:
        return groups, "rooted like the neighbour-joining tree (at its midpoint)"
    d = result.distances.to_numpy()
    out = names[int(np.argmax(d.mean(axis=1)))]
    groups = [(members(m) if out not in members(m) else members(full ^ m), m) for m in masks]
    return groups, f"rooted at {out}, the model farthest from the others"


def _leaves_below(z: np.ndarray, node: int) -> list[int]:
    n = len(z) + 1
    if node < n:
        return [node]
    a, b = (int(c) for c in z[node - n, :2])
    return _leaves_below(z, a) + _leaves_below(z, b)


def consensus_tree(result: TreeResult, threshold: float = MAJORITY) -> ConsensusTree:
    """The majority-rule consensus of the bootstrap trees of ``result``.

    Parameters
    ----------
    result : TreeResult
        A lineage tree built with ``n_bootstrap > 0`` in this session (the
        counts of bootstrap groups are not saved in its JSON).
    threshold : float
        Keep groups found in more than this share of the bootstrap trees;
        0.5 (the default) is the majority rule, whose groups are always
        compatible. Higher values give a less resolved tree.

    Returns
    -------
    ConsensusTree

    Raises
    ------
    ProvenanceError
        No bootstrap was run, or ``threshold`` is outside [0.5, 1).
    """
    if not result.n_bootstrap or not result.bootstrap_counts:
        raise ProvenanceError(
            "a consensus tree needs bootstrap trees; build the lineage tree with `n_bootstrap` > 0"
        )
    if not 0.5 <= threshold < 1:
        raise ProvenanceError(f"`threshold` must be in [0.5, 1), got {threshold}")
    n, b = len(result.models), result.n_bootstrap
    kept = {
        mask: count / b
        for mask, count in result.bootstrap_counts.items()
        if count / b > threshold and 2 <= mask.bit_count() <= n - 2 + (result.method != "nj")
    }
    masks = sorted(kept, key=lambda m: (m.bit_count(), m))
    groups, rooted = _masks_to_groups(result, masks)
    supports = {tuple(sorted(g)): kept[m] for g, m in groups}
    supports = {g: s for g, s in supports.items() if 2 <= len(g) < n}
    children = _children(list(supports), result.models)
    position = {m: k for k, m in enumerate(result.leaf_order)}

    def first(node: tuple[str, ...]) -> float:
        return min(position[m] for m in node)

    height: dict[tuple[str, ...], int] = {}
    for node in sorted(children, key=len):
        kids = children[node]
        height[node] = 1 + max(height.get(c, 0) for c in kids) if kids else 0

    def walk(node: tuple[str, ...]) -> tuple[str, list[str]]:
        kids = sorted(children.get(node, []), key=first)
        if not kids or len(node) == 1:
            return newick_name(node[0]), [node[0]]
        parts = [walk(c) for c in kids]
        label = format_support(supports[node]) if node in supports else ""
        text = "(" + ",".join(p[0] for p in parts) + ")" + label
        return text, [m for p in parts for m in p[1]]

    root = tuple(sorted(result.models))
    text, order = walk(root)
    clades = [
        Clade(list(g), float(s), float(height[g]))
        for g, s in sorted(supports.items(), key=lambda kv: (len(kv[0]), kv[0]))
    ]
    return ConsensusTree(
        models=list(result.models),
        clades=clades,
        leaf_order=order,
        newick=text + ";",
        threshold=threshold,
        n_bootstrap=b,
        method=result.method,
        rooted=rooted,
    )

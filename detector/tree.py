"""Lineage map: a tree of all models with bootstrap support on every branch.

:func:`lineage_tree` compares every pair of models with the same calibrated,
prompt-centred evidence that :func:`~detector.scoring.score` uses
(:func:`~detector.evidence.build_evidence`) and turns it into

- a distance matrix (see below);
- a tree, by default by neighbour joining (NJ; Saitou & Nei, 1987,
  :func:`~detector.nj.neighbour_joining`), else by a SciPy linkage method (``"average"``
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
- Newick text with branch lengths and supports, and the 2-D map of
  :func:`mds_coordinates` (figures: :mod:`detector.figures`).

Distance
--------
Let A be the combined standardized affinity of
:meth:`~detector.evidence.Evidence.combined_affinity`, symmetrized as
``(A + A.T) / 2``: the reliability-weighted mean over channels of the mean
prompt-centred similarity of two models, in units of one standard deviation
of that channel's between-model affinities. The distance is

    d(i, j) = max_{k != l} A(k, l) - A(i, j) + r   (i != j),   d(i, i) = 0,

in the same units. The affinity has no natural zero (what two identical
models would score cannot be measured from one output per model and
prompt), so the scale is anchored at the most similar pair; ``r``, the
standard error of that pair's affinity over prompts (a delete-a-group
jackknife, :func:`pair_resolution`), places it as far apart as the data can
resolve instead of at 0, which a reader of the tree would take for two
identical models. Every other pair is as many standard deviations further
apart as it is less similar. A constant added to every distance changes no
tree shape and no support (no merge of a linkage method, no choice of
neighbour joining's criterion; it lengthens only the branches to the
leaves), so each bootstrap tree uses its own maximum without ``r``.

Branch lengths and rooting
--------------------------
Neighbour joining: the tree is rooted for display at the midpoint of its
longest leaf-to-leaf path. The Newick text carries the NJ branch lengths
(the root splits the branch it lies on), so the path between two leaves is
their NJ tree distance. NJ can estimate a negative length on distances that
are not exactly tree-like; such a length is set to 0 and the difference given
to its sibling (Kuhner & Felsenstein, 1994), and a length that is then exactly
0 is written as :data:`MIN_BRANCH` (1e-06), so no two models read as
identical. The dendrogram draws each node at its height, the longest path
from it down to one of its leaves, so heights grow towards the root;
horizontal segments are therefore the NJ branch lengths only along each
node's longest path (the drawing is not a phylogram).

Linkage methods: UPGMA places a node at half the average distance between
the two groups it joins; a Newick branch length is the difference of the
heights of its two ends (at least :data:`MIN_BRANCH`), so the path between
two leaves is about their distance. The dendrogram's axis shows the (full)
distance at which groups join.

Consensus: :func:`detector.consensus.consensus_tree` builds the
majority-rule consensus of the bootstrap trees (the clades or splits found
in more than half of them), as stylo's bootstrap consensus trees do.

Models with partial prompt coverage are compared on the prompts they share
(every affinity is a mean over the prompts both models answered); a pair
sharing fewer than ``min_shared`` prompts is an error.
"""

from __future__ import annotations

import html
import inspect
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
from scipy.spatial.distance import squareform

from .corpus import Corpus, check_known
from .errors import ProvenanceError
from .evidence import INDISTINGUISHABLE, Evidence, bootstrap_counts
from .features import FeatureOptions, Features
from .newick import MIN_BRANCH, newick_name, to_newick
from .nj import neighbour_joining, nj_linkage, nj_splits, split_key
from .params import check_int, check_seed
from .progress import bar as progress_bar
from .resolve import as_evidence, known_models, pairwise_shared
from .results import Result

log = logging.getLogger(__name__)

DEFAULT_BOOTSTRAP = 100
MIN_SHARED = 20
METHODS = ("nj", "average", "weighted", "complete", "single")
DEFAULT_METHOD = "nj"
SUPPORTED = 0.9  # support at which a clade counts as well supported (figures, text)
_BATCH_BYTES = 64 * 2**20  # memory bound of one batch of bootstrap affinities

RESOLUTION_GROUPS = 50  # prompt groups of the jackknife behind the closest pair's distance

DISTANCE_DEFINITION = (
    "d(i,j) = max over pairs of A - A(i,j) + r, A = combined standardized affinity "
    "(symmetrized; SD units of between-model affinity), r = standard error of the closest "
    "pair's affinity (the closest pair sits r apart)"
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
    resolution : float
        ``r`` of the distance (see the module docstring): the standard error
        of the closest pair's affinity, added to every distance between two
        models, SD units.
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
    resolution: float = 0.0
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
            mask = split_key(mask, n)
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
            "resolution": self.resolution,
            "shared_prompts": self.shared_prompts.to_numpy().tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        """The clades as a table (:meth:`clade_table`)."""
        return self.clade_table()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeResult:
        """The result again from :meth:`to_dict` (bootstrap counts are not saved)."""
        models = list(data["models"])
        n = len(models)
        shared = data.get("shared_prompts") or np.full((n, n), data.get("n_prompts", 0)).tolist()
        return cls(
            models=models,
            distances=pd.DataFrame(data["distances"], index=models, columns=models),
            linkage=np.asarray(data["linkage"], dtype=np.float64).reshape(-1, 4),
            clades=[Clade(list(c["members"]), c["support"], c["height"]) for c in data["clades"]],
            newick=data["newick"],
            leaf_order=list(data["leaf_order"]),
            n_prompts=int(data["n_prompts"]),
            shared_prompts=pd.DataFrame(shared, index=models, columns=models),
            n_bootstrap=int(data["n_bootstrap"]),
            seed=int(data["seed"]),
            method=data["method"],
            weights=dict(data["weights"]),
            reliability=dict(data["reliability"]),
            distance=data.get("distance", DISTANCE_DEFINITION),
            notes=list(data.get("notes", [])),
            resolution=float(data.get("resolution", 0.0)),
        )

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
        return (
            f"<p><b>Lineage tree:</b> {len(self.models)} models, {self.n_prompts} prompts, "
            f"{html.escape(method_label(self.method))}, {self.n_bootstrap} bootstrap "
            f"resamplings (seed {self.seed}); support = {html.escape(self._support_meaning)}</p>"
            f"<p><b>Distance:</b> {html.escape(self.distance)}</p>"
            + self.clade_table().to_html(index=False)
            + f"<p><b>Newick:</b> <code>{html.escape(self.newick)}</code></p>"
            + self._html_notes()
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
        NJ length of the branch above each node (see :func:`~detector.nj.nj_linkage`);
        None for the linkage methods, whose lengths follow from the heights.
    """
    n = len(distances)
    branch = None
    if method == "nj":
        z, branch = nj_linkage(*neighbour_joining(distances), n)
    else:
        z = _linkage(distances, method)
    # keeps the rows (so ``branch`` stays valid); only swaps the two children of a row
    return optimal_leaf_ordering(z, squareform(distances, checks=False)), branch


def _tree_keys(distances: np.ndarray, method: str) -> set[int]:
    """What bootstrap support counts in one tree: NJ splits or linkage clades (bit masks)."""
    n = len(distances)
    if method == "nj":
        return nj_splits(neighbour_joining(distances)[0], n)
    return set(_clade_masks(_linkage(distances, method), n))


def _clade_masks(z: np.ndarray, n: int) -> list[int]:
    """Leaf sets of the internal nodes as bit masks, in linkage row order."""
    masks = [1 << i for i in range(n)]
    for a, b in z[:, :2].astype(int):
        masks.append(masks[a] | masks[b])
    return masks[n:]


def _shared_from_evidence(evidence: Evidence, idx: np.ndarray) -> np.ndarray:
    """Prompts each pair of the chosen models both answered, shape (k, k)."""
    shared = evidence.shared_prompts()
    if shared is not None:
        return shared[np.ix_(idx, idx)]
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


def _bootstrap_counts(
    evidence: Evidence,
    idx: np.ndarray,
    method: str,
    n_bootstrap: int,
    seed: int,
    progress: bool | None = None,
) -> dict[int, int]:
    """Clades (or NJ splits) of the trees rebuilt on ``n_bootstrap`` prompt resamples, counted."""
    seen: dict[int, int] = {}
    if not n_bootstrap:
        return seen
    counts = bootstrap_counts(evidence.n_prompts, n_bootstrap, seed, evidence.draw_order)
    per_replicate = 8 * len(idx) * len(evidence.models) * (len(evidence.channels) + 1)
    batch = max(1, min(n_bootstrap, _BATCH_BYTES // per_replicate))
    pbar = progress_bar(total=n_bootstrap, desc="tree bootstrap", unit="tree", progress=progress)
    for start in range(0, n_bootstrap, batch):
        boot = evidence.bootstrap_affinities(
            counts[start : start + batch], rows=idx, channels=False
        )
        for a in boot["combined"][:, :, idx]:
            for m in _tree_keys(affinity_to_distance(a), method):
                seen[m] = seen.get(m, 0) + 1
        pbar.update(min(batch, n_bootstrap - start))
    pbar.close()
    return seen


def pair_resolution(evidence: Evidence, idx: np.ndarray, distances: np.ndarray) -> float:
    """Standard error of the closest pair's combined affinity over prompts.

    A delete-a-group jackknife (Efron & Stein, 1981): the prompts fall in
    :data:`RESOLUTION_GROUPS` groups by position, each group is left out in
    turn, and ``SE = sqrt((K - 1) / K * sum_k (A_k - mean A)^2)``. It needs
    no random numbers, so the distances do not depend on the seed.

    Parameters
    ----------
    evidence : Evidence
    idx : numpy.ndarray of int
        Rows of the tree's models in ``evidence``.
    distances : numpy.ndarray, shape (k, k)
        The tree's distances before the resolution is added.

    Returns
    -------
    float
        The standard error (SD units); :data:`MIN_BRANCH` when it is 0 or
        cannot be estimated (fewer than two prompts).
    """
    n_prompts = evidence.n_prompts
    k = min(RESOLUTION_GROUPS, n_prompts)
    if k < 2 or len(distances) < 2:
        return MIN_BRANCH
    off = np.where(np.eye(len(distances), dtype=bool), np.inf, distances)
    i, j = np.unravel_index(int(np.argmin(off)), off.shape)
    weights = np.ones((k, n_prompts))
    weights[np.arange(n_prompts) % k, np.arange(n_prompts)] = 0.0
    rows = np.asarray([idx[i], idx[j]])
    combined = evidence.bootstrap_affinities(weights, rows=rows, channels=False)["combined"]
    pair = (combined[:, 0, idx[j]] + combined[:, 1, idx[i]]) / 2
    se = float(np.sqrt((k - 1) / k * np.sum((pair - pair.mean()) ** 2)))
    return se if np.isfinite(se) and se > MIN_BRANCH else MIN_BRANCH


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
    options: FeatureOptions | None = None,
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
        ``options``, when ``data`` is already an Evidence.
    method : {"nj", "average", "weighted", "complete", "single"}
        "nj" (default): neighbour joining, midpoint-rooted for display, with
        support counted per split; otherwise a SciPy linkage method
        ("average" is UPGMA) with support counted per rooted clade.
    min_shared : int
        Fewest prompts every pair of models must share.
    options : FeatureOptions, optional
        How features are computed when ``data`` lacks them (embedding model,
        caches, shards, executor, progress;
        :func:`~detector.features.compute_features`).

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
    options = options or FeatureOptions()
    evidence = as_evidence(
        data, models=names, channels=channels, seed=seed, n_bootstrap=n_bootstrap, options=options
    )
    idx = evidence.index(names)
    shared = _shared_from_evidence(evidence, idx)
    _check_overlap(shared, names, min_shared)

    affinity = evidence.combined_affinity()[np.ix_(idx, idx)]
    if not np.all(np.isfinite(affinity)):
        raise ProvenanceError("the evidence gave non-finite affinities; check the corpus")
    dist = affinity_to_distance(affinity)
    if np.ptp(dist[~np.eye(len(dist), dtype=bool)]) < INDISTINGUISHABLE:
        raise ProvenanceError(
            f"no lineage tree: the outputs of the {len(names)} models are indistinguishable "
            "(every pair is equally similar), so any branching would be arbitrary; check that "
            "the data holds each model's own outputs"
        )
    resolution = pair_resolution(evidence, idx, dist)
    dist = dist + resolution * (1.0 - np.eye(len(dist)))
    z, branch = _reference_tree(dist, method)
    n = len(names)
    ref_masks = _clade_masks(z, n)
    key = (lambda m: split_key(m, n)) if method == "nj" else (lambda m: m)

    supports: list[float | None] = [None] * (n - 1)
    seen = _bootstrap_counts(evidence, idx, method, n_bootstrap, seed, options.progress)
    if n_bootstrap:
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
    log.info(
        "tree: %s of %d models on %d prompts, %d bootstrap resamplings; %d clade(s) with "
        "support >= 0.9", method, n, evidence.n_prompts, n_bootstrap,
        sum(1 for c in clades if c.support is not None and c.support >= 0.9),
    )  # fmt: skip
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
        resolution=resolution,
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


# -------------------------------------------------------------------- groups and maps
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


def stress_words(stress: float) -> str:
    """What an MDS map's stress-1 means for a reader (Kruskal's 1964 guide).

    Returns a phrase such as "good: the map keeps the distances well".
    """
    if not np.isfinite(stress):
        return "unknown: the map could not be measured against the distances"
    if stress < 0.05:
        return "excellent: the map keeps the distances almost exactly"
    if stress < 0.1:
        return "good: the map keeps the distances well"
    if stress < 0.2:
        return (
            "fair: the map keeps the broad picture, but close calls between models may be "
            "wrong on it; the heatmap has the exact distances"
        )
    return (
        "poor: two dimensions cannot show these distances; read the heatmap or the tree, "
        "not the map"
    )


__all__ = [
    "DISTANCE_DEFINITION",
    "MIN_BRANCH",
    "Clade",
    "TreeResult",
    "affinity_to_distance",
    "clade_support",
    "lineage_tree",
    "mds_coordinates",
    "method_label",
    "neighbour_joining",
    "newick_name",
    "pair_resolution",
    "stress_words",
    "supported_groups",
    "to_newick",
]

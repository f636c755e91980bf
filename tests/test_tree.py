"""Lineage tree: supports, determinism, Newick, CSV, figures and the ``tree`` command.

The corpora are synthetic and built here: on every prompt each family of
models draws five sentences (vocabulary, openers, discourse links and
punctuation at random), and each member keeps each sentence with
probability 0.8, else writes a fresh one. Members of a family therefore
resemble each other prompt by prompt in the style and lexical channels,
while different families are unrelated. No embedding model is loaded.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from detector.cli import main
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.evidence import build_evidence
from detector.features import FeatureOptions
from detector.figures import dendrogram_figure, heatmap_figure, mds_figure
from detector.tree import (
    TreeResult,
    affinity_to_distance,
    clade_support,
    lineage_tree,
    mds_coordinates,
    neighbour_joining,
    newick_name,
    supported_groups,
    to_newick,
)

CHANNELS = "style,lexical"
FAMILIES = [["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2"], ["d"], ["e"]]
WORDS = [
    "river",
    "stone",
    "quiet",
    "lantern",
    "harbor",
    "meadow",
    "copper",
    "signal",
    "garden",
    "thunder",
    "velvet",
    "orbit",
    "canyon",
    "ember",
    "glacier",
    "willow",
    "beacon",
    "marble",
    "falcon",
    "prairie",
    "tundra",
    "cobalt",
    "saffron",
    "juniper",
    "quartz",
    "monsoon",
    "ivory",
    "lagoon",
    "summit",
    "cedar",
]
OPENERS = ["Certainly", "Well", "Honestly", "Indeed", "Look", "Sure", "Alright", "Frankly"]
LINKS = ["however", "moreover", "therefore", "meanwhile", "consequently", "besides", "still"]
ENDS = [".", "!", "?", ";", "...", "."]


def _sentence(rng: np.random.Generator) -> str:
    words = list(rng.choice(WORDS, size=int(rng.integers(6, 14))))
    words.insert(int(rng.integers(1, len(words))), f"{rng.choice(LINKS)},")
    return f"{rng.choice(OPENERS)}, " + " ".join(words) + str(rng.choice(ENDS))


def make_family_corpus(
    families: list[list[str]] = FAMILIES,
    n_prompts: int = 40,
    noise: float = 0.2,
    seed: int = 0,
    drop: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Outputs of ``families`` of related models; ``drop`` removes a share of a model's prompts."""
    rows = []
    for p in range(n_prompts):
        for f, members in enumerate(families):
            base = [_sentence(np.random.default_rng([seed, p, f, 0, k])) for k in range(5)]
            for i, model in enumerate(members):
                rng = np.random.default_rng([seed, p, f, 1 + i])
                if drop and rng.random() < drop.get(model, 0.0):
                    continue
                sents = [s if rng.random() > noise else _sentence(rng) for s in base]
                rows.append(
                    {
                        "model": model,
                        "prompt": f"Tell me about topic{p} please.",
                        "output": f"About topic{p}: " + " ".join(sents),
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def evidence():
    corpus = load_corpus(make_family_corpus())
    return build_evidence(
        corpus, channels=CHANNELS, options=FeatureOptions(use_cache=False, progress=False)
    )


@pytest.fixture(scope="module")
def result(evidence) -> TreeResult:
    return lineage_tree(evidence, n_bootstrap=50, seed=0, min_shared=10)


# --------------------------------------------------------------- library
def test_related_models_form_supported_clades(result):
    for family in (["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2"]):
        support = clade_support(result, family)
        assert support is not None and support >= 0.9, (family, support)
    # a family split apart is no clade of the tree, nor of (almost) any bootstrap tree
    assert clade_support(result, ["a1", "b1"]) is None
    assert result.bootstrap_frequency(["a1", "b1"]) < 0.1
    for clade in result.clades:
        assert result.bootstrap_frequency(clade.members) == clade.support
    assert clade_support(result, ["a1"]) == 1.0
    assert clade_support(result, result.models) == 1.0
    groups = [set(g) for g in supported_groups(result)]
    for family in (["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2"]):
        assert any(set(family) <= g for g in groups), groups


def test_supports_are_proportions_and_tree_is_complete(result):
    n = len(result.models)
    assert len(result.clades) == n - 2  # every internal node but the root
    for clade in result.clades:
        assert clade.support is not None and 0.0 <= clade.support <= 1.0
        assert clade.support * 50 == pytest.approx(round(clade.support * 50))
        assert 2 <= len(clade.members) < n
    assert sorted(result.leaf_order) == sorted(result.models)
    heights = [c.height for c in result.clades]
    assert heights == sorted(heights)


def test_unrelated_models_get_low_support():
    corpus = load_corpus(make_family_corpus([[m] for m in "pqrstu"]))
    res = lineage_tree(
        corpus,
        channels=CHANNELS,
        n_bootstrap=50,
        min_shared=10,
        options=FeatureOptions(use_cache=False, progress=False),
    )
    supports = [c.support for c in res.clades]
    assert np.mean(supports) < 0.7, supports


def test_deterministic_for_a_seed(evidence, result):
    again = lineage_tree(evidence, n_bootstrap=50, seed=0, min_shared=10)
    assert again.newick == result.newick
    assert [c.support for c in again.clades] == [c.support for c in result.clades]
    other = lineage_tree(evidence, n_bootstrap=50, seed=7, min_shared=10)
    assert other.distances.equals(result.distances)  # only the resampling changes
    assert other.resolution == result.resolution


def test_no_bootstrap(evidence):
    res = lineage_tree(evidence, n_bootstrap=0, min_shared=10)
    assert all(c.support is None for c in res.clades)
    assert ")0" not in res.newick and ")1" not in res.newick


def test_distance_matrix(result):
    d = result.distances.to_numpy()
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0) and d.min() >= 0
    # the closest pair sits one standard error of its affinity apart, not at 0
    assert result.resolution > 0.01
    assert np.isclose(d[~np.eye(len(d), dtype=bool)].min(), result.resolution)
    a = np.array([[9.0, 3.0, 1.0], [2.0, 9.0, 0.0], [1.0, 0.0, 9.0]])
    expected = np.array([[0.0, 0.0, 1.5], [0.0, 0.0, 2.5], [1.5, 2.5, 0.0]])
    assert np.allclose(affinity_to_distance(a), expected)


def test_subset_of_models(evidence):
    res = lineage_tree(evidence, models=["a1", "a2", "b1", "b2"], n_bootstrap=20, min_shared=10)
    assert res.models == ["a1", "a2", "b1", "b2"]
    assert clade_support(res, ["a1", "a2"]) >= 0.9
    assert clade_support(res, ["b1", "b2"]) >= 0.9


def test_partial_coverage_compared_on_shared_prompts():
    frame = make_family_corpus(drop={"b2": 0.3, "d": 0.3})
    corpus = load_corpus(frame)
    assert corpus.coverage()["b2"] < corpus.n_prompts
    res = lineage_tree(
        corpus,
        channels=CHANNELS,
        n_bootstrap=30,
        min_shared=10,
        options=FeatureOptions(use_cache=False),
    )
    shared = res.shared_prompts
    assert shared.loc["b2", "d"] < shared.loc["a1", "a2"] == corpus.n_prompts
    assert clade_support(res, ["b1", "b2"]) >= 0.9
    assert any("partial coverage" in n for n in res.notes)
    with pytest.raises(ProvenanceError, match="share only"):
        lineage_tree(
            corpus,
            channels=CHANNELS,
            n_bootstrap=5,
            min_shared=39,
            options=FeatureOptions(use_cache=False),
        )


def test_bad_input_is_a_one_line_error(evidence):
    with pytest.raises(ProvenanceError, match="unknown model 'zz'"):
        lineage_tree(evidence, models=["a1", "zz", "b1"])
    with pytest.raises(ProvenanceError, match="at least three"):
        lineage_tree(evidence, models=["a1", "b1"])
    with pytest.raises(ProvenanceError, match="unknown tree method 'ward'") as info:
        lineage_tree(evidence, method="ward")
    assert "\n" not in str(info.value) and "nj" in str(info.value)
    with pytest.raises(ProvenanceError, match="unknown model"):
        clade_support(lineage_tree(evidence, n_bootstrap=2, min_shared=10), ["nope"])


# ------------------------------------------------------- neighbour joining
# An additive binary tree: ((a:1,b:2):3,((c:1,(d:2,e:1.5):2.5):1,(g:0.5,h:3):2):1,f:4)
TRUE_EDGES = [
    ("a", "u", 1.0),
    ("b", "u", 2.0),
    ("u", "r", 3.0),
    ("c", "v", 1.0),
    ("d", "w", 2.0),
    ("e", "w", 1.5),
    ("w", "v", 2.5),
    ("v", "y", 1.0),
    ("f", "r", 4.0),
    ("g", "x", 0.5),
    ("h", "x", 3.0),
    ("x", "y", 2.0),
    ("y", "r", 1.0),
]
TRUE_SPLITS = [{"a", "b"}, {"d", "e"}, {"c", "d", "e"}, {"g", "h"}, {"c", "d", "e", "g", "h"}]


def path_lengths(edges, nodes: list) -> np.ndarray:
    """Leaf-to-leaf path lengths of a tree given as (node, node, length) edges."""
    adj: dict = {}
    for a, b, length in edges:
        adj.setdefault(a, []).append((b, length))
        adj.setdefault(b, []).append((a, length))
    out = np.zeros((len(nodes), len(nodes)))
    for i, src in enumerate(nodes):
        dist, stack = {src: 0.0}, [src]
        while stack:
            u = stack.pop()
            for v, length in adj[u]:
                if v not in dist:
                    dist[v] = dist[u] + length
                    stack.append(v)
        out[i] = [dist[m] for m in nodes]
    return out


def splits_of(edges, leaves: list) -> set[frozenset]:
    """Non-trivial splits of a tree, each as the side without ``leaves[0]``."""
    out = set()
    for k, (a, _, _) in enumerate(edges):
        rest = [e for j, e in enumerate(edges) if j != k]
        reach, stack = {a}, [a]
        while stack:
            u = stack.pop()
            for x, y, _ in rest:
                for s, t in ((x, y), (y, x)):
                    if s == u and t not in reach:
                        reach.add(t)
                        stack.append(t)
        side = frozenset(m for m in leaves if m in reach)
        side = frozenset(leaves) - side if leaves[0] in side else side
        if 1 < len(side) < len(leaves) - 1:
            out.add(side)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nj_recovers_an_additive_tree_exactly(seed):
    leaves = list(np.random.default_rng(seed).permutation(list("abcdefgh")))
    d = path_lengths(TRUE_EDGES, leaves)
    edges, lengths = neighbour_joining(d)
    n = len(leaves)
    assert edges.shape == (2 * n - 3, 2) and lengths.shape == (2 * n - 3,)
    named = [
        (leaves[a] if a < n else a, leaves[b] if b < n else b, float(x))
        for (a, b), x in zip(edges.tolist(), lengths, strict=True)
    ]
    expected = {frozenset(s) if leaves[0] not in s else frozenset(leaves) - s for s in TRUE_SPLITS}
    assert splits_of(named, leaves) == expected
    assert np.allclose(path_lengths(named, leaves), d)  # branch lengths too
    # NJ's choices do not depend on the distance shift lineage_tree applies
    shifted = d + 5.0 - 5.0 * np.eye(n)
    assert np.array_equal(neighbour_joining(shifted)[0], edges)


def test_nj_branch_lengths_are_clipped_at_zero():
    rng = np.random.default_rng(3)
    x = rng.random((7, 7)) ** 4 * 10  # far from additive
    d = x + x.T
    np.fill_diagonal(d, 0.0)
    _, lengths = neighbour_joining(d)
    assert lengths.min() >= 0.0


def _linkage_paths(z: np.ndarray, branch: np.ndarray) -> np.ndarray:
    """Leaf-to-leaf path lengths of a linkage tree with a length above each node."""
    n = len(z) + 1
    edges = [(int(c), n + row, float(branch[int(c)])) for row in range(n - 1) for c in z[row, :2]]
    return path_lengths(edges, list(range(n)))


def test_nj_lineage_tree_display_and_newick_lengths(result):
    """The midpoint-rooted linkage draws (monotone heights) and keeps NJ's path lengths."""
    from detector.tree import _reference_tree

    d = result.distances.to_numpy()
    z, branch = _reference_tree(d, "nj")
    n = len(d)
    heights = np.concatenate([np.zeros(n), z[:, 2]])
    for row, (a, b) in enumerate(z[:, :2].astype(int)):
        for c in (a, b):
            assert heights[n + row] >= heights[c] + branch[c] - 1e-12
        assert np.isclose(heights[n + row], max(heights[c] + branch[c] for c in (a, b)))
    edges, lengths = neighbour_joining(d)
    pairs = zip(edges.tolist(), lengths, strict=True)
    unrooted = path_lengths([(a, b, x) for (a, b), x in pairs], list(range(n)))
    assert np.allclose(_linkage_paths(z, branch), unrooted)
    # midpoint rooting: the two deepest leaves on either side of the root are equally far
    root_children = z[-1, :2].astype(int)
    depth = [heights[c] + branch[c] for c in root_children]
    assert np.isclose(depth[0], depth[1])
    assert np.isclose(sum(depth), unrooted.max())
    # the Newick text carries the same lengths
    assert result.linkage.shape == z.shape and result.method == "nj"
    lengths_in_text = sorted(float(x) for x in re.findall(r":([0-9.eE+-]+)", result.newick))
    assert np.allclose(lengths_in_text, sorted(round(float(x), 6) for x in branch[:-1]), atol=1e-5)


def test_nj_support_is_per_split(result, evidence):
    assert result.method == "nj"  # the default
    planted = ["a1", "a2", "a3"]
    assert clade_support(result, planted) >= 0.9
    rest = [m for m in result.models if m not in planted]
    assert result.bootstrap_frequency(rest) == result.bootstrap_frequency(planted)
    random_group = ["a1", "b2", "c1", "e"]
    assert result.bootstrap_frequency(random_group) < 0.1
    # every key counted is one split, stored as its side without models[0]
    assert all(not key & 1 for key in result.bootstrap_counts)
    n = len(result.models)
    assert max(result.bootstrap_counts.values()) <= 50
    per_tree = sum(result.bootstrap_counts.values()) / 50
    assert per_tree == n - 3  # an unrooted binary tree has n - 3 non-trivial splits
    upgma = lineage_tree(evidence, n_bootstrap=50, seed=0, min_shared=10, method="average")
    assert upgma.method == "average" and clade_support(upgma, planted) >= 0.9
    assert "average linkage (UPGMA)" in upgma.to_text()
    assert "neighbour joining" in result.to_text()


def test_no_branch_reads_as_identical_models(evidence, result):
    """The closest pair is not written with zero-length branches (issue 17 part 3)."""
    d = result.distances.to_numpy()
    off = np.where(np.eye(len(d), dtype=bool), np.inf, d)
    i, j = np.unravel_index(int(np.argmin(off)), off.shape)
    closest = {result.models[i], result.models[j]}
    for res in (result, lineage_tree(evidence, n_bootstrap=0, method="average", min_shared=10)):
        lengths = [float(x) for x in re.findall(r":([0-9.eE+-]+)", res.newick)]
        assert min(lengths) > 0, res.newick
        for name in closest:  # each of the closest pair hangs on a branch of real length
            length = float(re.search(rf"{name}:([0-9.eE+-]+)", res.newick).group(1))
            assert length > 1e-3, (name, res.newick)
    # the shift changes no tree: the same topology as on the unshifted distances
    from detector.tree import _reference_tree

    unshifted = d - result.resolution * (1 - np.eye(len(d)))
    assert np.array_equal(_reference_tree(unshifted, "nj")[0][:, :2], result.linkage[:, :2])


def test_newick_floors_zero_lengths():
    z = linkage(np.array([[0.0], [0.0], [5.0]]), "average")  # a and b identical
    assert to_newick(z, ["a", "b", "c"]) == "(c:2.5,(a:1e-06,b:1e-06):2.5);"


def test_consensus_tree(evidence, result):
    from detector.consensus import ConsensusTree, consensus_tree
    from detector.figures import consensus_figure

    cons = consensus_tree(result)
    assert sorted(cons.leaf_order) == sorted(result.models)
    groups = {tuple(c.members): c.support for c in cons.clades}
    for family in (["a1", "a2", "a3"], ["b1", "b2"], ["c1", "c2"]):
        assert groups[tuple(family)] >= 0.9
    # majority rule: every group in more than half of the bootstrap trees, and only those
    assert all(s > 0.5 for s in groups.values())
    for clade in result.clades:
        if clade.support is not None and clade.support > 0.5:
            assert tuple(clade.members) in groups or len(clade.members) > len(result.models) - 2
    # compatible groups: any two are nested or disjoint
    sets = [set(g) for g in groups]
    assert all(a <= b or b <= a or not a & b for a in sets for b in sets)
    leaves, labels = parse_newick(cons.newick)
    assert sorted(leaves) == sorted(result.models) and ":" not in cons.newick
    assert ConsensusTree.from_dict(cons.to_dict()) == cons
    assert "majority-rule consensus" in cons.to_text()
    texts = [t.get_text() for t in consensus_figure(cons).axes[0].texts]
    assert sorted(texts) == sorted(f"{s:.2f}" for s in groups.values())
    # stricter thresholds resolve less; no bootstrap, no consensus
    assert len(consensus_tree(result, 0.95).clades) <= len(cons.clades)
    with pytest.raises(ProvenanceError, match="bootstrap"):
        consensus_tree(lineage_tree(evidence, n_bootstrap=0, min_shared=10))
    upgma = consensus_tree(lineage_tree(evidence, n_bootstrap=30, method="average", min_shared=10))
    assert ("b1", "b2") in {tuple(c.members) for c in upgma.clades}


def test_tree_result_json_round_trip(result):
    import json

    again = TreeResult.from_dict(json.loads(result.to_json()))
    assert again.to_dict() == result.to_dict()


# ---------------------------------------------------------------- newick
def parse_newick(text: str) -> tuple[list[str], dict[frozenset[str], str]]:
    """Leaves (in order) and internal-node labels keyed by their leaf sets."""
    tokens = re.findall(r"'(?:[^']|'')*'|[(),:;]|[^(),:;']+", text.strip())
    pos = 0
    leaves: list[str] = []
    labels: dict[frozenset[str], str] = {}

    def label() -> str:
        nonlocal pos
        tok = tokens[pos] if pos < len(tokens) else ""
        if tok and tok not in "(),:;":
            pos += 1
            return tok[1:-1].replace("''", "'") if tok.startswith("'") else tok
        return ""

    def length() -> None:
        nonlocal pos
        if tokens[pos] == ":":
            float(tokens[pos + 1])
            pos += 2

    def node() -> frozenset[str]:
        nonlocal pos
        if tokens[pos] == "(":
            pos += 1
            members = node()
            length()
            while tokens[pos] == ",":
                pos += 1
                members = members | node()
                length()
            assert tokens[pos] == ")"
            pos += 1
            name = label()
            if name:
                labels[members] = name
            return members
        name = label()
        leaves.append(name)
        return frozenset([name])

    node()
    length()
    assert tokens[pos] == ";" and pos == len(tokens) - 1
    return leaves, labels


def test_newick_round_trip(result):
    leaves, labels = parse_newick(result.newick)
    assert leaves == result.leaf_order
    assert len(labels) == len(result.clades)
    for clade in result.clades:
        assert float(labels[frozenset(clade.members)]) == pytest.approx(clade.support)


def test_newick_quotes_special_names():
    names = ["plain-name.v2", "has space", "paren(1)", "it's", "a:b", "x,y", "semi;", "under_score"]
    assert newick_name("plain-name.v2") == "plain-name.v2"
    assert newick_name("it's") == "'it''s'"
    z = linkage(np.arange(len(names), dtype=float)[:, None], "average")
    supports = [0.5 + 0.01 * k for k in range(len(names) - 1)]
    text = to_newick(z, names, supports)
    leaves, labels = parse_newick(text)
    assert sorted(leaves) == sorted(names)
    assert len(labels) == len(names) - 2  # no label on the root
    assert text.endswith(";")


def test_newick_branch_lengths_are_half_heights():
    z = linkage(np.array([[0.0], [1.0], [5.0]]), "average")  # (a,b) at 1, c at 4.5
    assert to_newick(z, ["a", "b", "c"], [1.0, 1.0]) == "(c:2.25,(a:0.5,b:0.5)1:1.75);"


# --------------------------------------------------------------- figures
def test_figures(result):
    fig = dendrogram_figure(result)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == len(result.clades)
    assert {f"{c.support:.2f}" for c in result.clades} == set(texts)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == result.leaf_order
    fig = dendrogram_figure(result, leaf_labels={"a1": "a1 (teacher)"})
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "a1 (teacher)" in labels and "a2" in labels
    heat = heatmap_figure(result)
    assert [t.get_text() for t in heat.axes[0].get_xticklabels()] == result.leaf_order
    xy = mds_coordinates(result)
    assert xy.shape == (len(result.models), 2) and np.isfinite(xy.to_numpy()).all()
    assert mds_coordinates(result).equals(xy)
    assert len(mds_figure(result).axes[0].texts) == len(result.models)


def test_result_exports(result):
    data = result.to_dict()
    assert data["n_bootstrap"] == 50 and len(data["clades"]) == len(result.clades)
    assert '"newick"' in result.to_json()
    assert "support" in result.to_text() and "<table" in result._repr_html_()


# ------------------------------------------------------------------- CLI
@pytest.fixture
def corpus_csv(tmp_path):
    path = tmp_path / "corpus.csv"
    make_family_corpus().to_csv(path, index=False)
    return path


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_files_and_refuses_to_overwrite(tmp_path, corpus_csv, capsys):
    out = tmp_path / "figs" / "tree.png"
    files = {
        "--out": out,
        "--heatmap": tmp_path / "heat.svg",
        "--mds": tmp_path / "mds.pdf",
        "--newick": tmp_path / "tree.nwk",
        "--matrix": tmp_path / "distances.csv",
    }
    argv = ["tree", corpus_csv, "--channels", CHANNELS, "--bootstrap", 20, "--min-shared", 10]
    argv += [x for kv in files.items() for x in kv]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in files["--heatmap"].read_bytes()[:2000]
    assert files["--mds"].read_bytes()[:4] == b"%PDF"
    newick = files["--newick"].read_text()
    leaves, labels = parse_newick(newick)
    assert sorted(leaves) == sorted(m for f in FAMILIES for m in f) and labels
    assert newick.strip() in stdout
    matrix = pd.read_csv(files["--matrix"], index_col=0)
    assert list(matrix.index) == list(matrix.columns) == sorted(leaves)
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T)
    assert np.all(np.diag(matrix.to_numpy()) == 0)

    before = {k: p.read_bytes() for k, p in files.items()}
    code, _, err = run(argv, capsys)
    assert code == 2 and err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert {k: p.read_bytes() for k, p in files.items()} == before
    code, _, err = run(argv + ["--force"], capsys)
    assert code == 0, err


def test_cli_json(corpus_csv, capsys):
    argv = ["tree", corpus_csv, "--channels", CHANNELS, "--bootstrap", 10, "--min-shared", 10]
    code, out, _ = run(argv + ["--format", "json", "--models", "a1,a2,b1,c1"], capsys)
    assert code == 0
    import json

    data = json.loads(out)
    assert data["models"] == ["a1", "a2", "b1", "c1"] and data["n_bootstrap"] == 10


def test_cli_consensus(tmp_path, corpus_csv, capsys):
    import json

    argv = ["tree", corpus_csv, "--channels", CHANNELS, "--bootstrap", 20, "--min-shared", 10]
    nwk, png = tmp_path / "consensus.nwk", tmp_path / "consensus.png"
    code, out, err = run(argv + ["--consensus", nwk, "--format", "json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["consensus"]["n_bootstrap"] == 20 and data["consensus"]["newick"] in nwk.read_text()
    leaves, labels = parse_newick(nwk.read_text())
    assert sorted(leaves) == sorted(m for f in FAMILIES for m in f)
    code, out, err = run(argv + ["--consensus", png], capsys)
    assert code == 0 and png.read_bytes()[:4] == b"\x89PNG" and "majority-rule consensus" in out
    code, _, err = run(argv[:-4] + ["--bootstrap", 0, "--consensus", tmp_path / "c.nwk"], capsys)
    assert code == 2 and "--consensus needs bootstrap" in err


def test_cli_method(corpus_csv, capsys):
    import json

    argv = ["tree", corpus_csv, "--channels", CHANNELS, "--bootstrap", 10, "--min-shared", 10]
    argv += ["--format", "json"]
    code, out, _ = run(argv, capsys)
    assert code == 0 and json.loads(out)["method"] == "nj"
    code, out, _ = run(argv + ["--method", "average"], capsys)
    assert code == 0 and json.loads(out)["method"] == "average"
    code, out, _ = run(argv[:-2] + ["--method", "average"], capsys)
    assert code == 0 and "average linkage (UPGMA)" in out
    assert main(["tree", str(corpus_csv), "--method", "ward"]) == 2
    assert "invalid choice: 'ward'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--models", "a1,b1,nosuch"], "unknown model 'nosuch'"),
        (["--out", "tree.gif"], "must end in .png, .svg or .pdf"),
        (["--bootstrap", "-1"], "--bootstrap"),
        (["--models", "a1,b1"], "at least three"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, corpus_csv, capsys, extra, needle):
    extra = [str(tmp_path / e) if e.endswith(".gif") else e for e in extra]
    code, _, err = run(["tree", corpus_csv, "--channels", CHANNELS, *extra], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("provenance: error:") and needle in err
    assert "Traceback" not in err

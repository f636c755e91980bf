"""``provenance tree``: lineage tree of all models with bootstrap support."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .common import (
    add_bootstrap,
    add_channels,
    add_command,
    add_data_options,
    add_feature_options,
    add_force,
    add_models_option,
    add_output_options,
    add_scale_options,
    add_seed,
    feature_options,
    integer,
    load,
    split_names,
)
from .output import FIGURE_SUFFIXES, emit, write_figure, write_with

__all__ = ["METHODS", "add_parser", "run"]

#: Tree methods (kept literal so that the parser does not import SciPy; a test
#: checks they are detector.tree.METHODS).
METHODS = ("nj", "average", "weighted", "complete", "single")


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "tree",
        help="lineage tree of all models with bootstrap support (figures, Newick, CSV)",
        description="Build a tree of the models (neighbour joining, or a linkage method such "
        "as average = UPGMA, of the distances from the combined calibrated affinity scoring "
        "uses), with bootstrap support on every clade from resampling prompts. Prints the "
        "clades and the Newick text; writes figures (.png, .svg or .pdf), Newick and the "
        "distance matrix on request. Existing files are not overwritten without --force.",
        examples=[
            "provenance tree outputs.jsonl --out tree.png --newick tree.nwk",
            "provenance tree outputs.jsonl --method average --bootstrap 200 --heatmap d.svg",
            "provenance tree outputs.jsonl --format csv > clades.csv",
        ],
    )
    add_data_options(p)
    add_models_option(p, "models to place in the tree", default="all")
    add_bootstrap(p, default=100, minimum=0, help="prompt resamplings for the clade supports")
    add_seed(p, "resampling seed")
    add_channels(p)
    p.add_argument(
        "--method",
        choices=list(METHODS),
        default="nj",
        help="nj = neighbour joining (support per split, midpoint-rooted for display) or a "
        "linkage method (average = UPGMA)",
    )
    p.add_argument(
        "--min-shared",
        type=integer(1),
        default=20,
        help="fewest prompts every pair of models must share",
    )
    files = p.add_argument_group("files (each written only when given)")
    files.add_argument(
        "--out",
        default=None,
        metavar="FIGURE",
        help="dendrogram with supports, .png/.svg/.pdf (default: none)",
    )
    files.add_argument(
        "--heatmap",
        default=None,
        metavar="FIGURE",
        help="distance heatmap in tree order (default: none)",
    )
    files.add_argument(
        "--mds", default=None, metavar="FIGURE", help="2-D MDS map of the models (default: none)"
    )
    files.add_argument(
        "--newick",
        default=None,
        metavar="FILE",
        help="Newick text with lengths and supports (default: none)",
    )
    files.add_argument(
        "--matrix", default=None, metavar="CSV", help="distance matrix as CSV (default: none)"
    )
    files.add_argument(
        "--consensus",
        default=None,
        metavar="FILE",
        help="majority-rule consensus of the bootstrap trees: Newick (.nwk) or a figure "
        "(.png/.svg/.pdf); needs --bootstrap of 1 or more (default: none)",
    )
    add_force(files)  # type: ignore[arg-type]
    add_output_options(p, out=False)
    add_feature_options(p)
    add_scale_options(p)
    p.set_defaults(
        func=run,
        outputs={
            "out": FIGURE_SUFFIXES,
            "heatmap": FIGURE_SUFFIXES,
            "mds": FIGURE_SUFFIXES,
            "newick": None,
            "matrix": None,
            "consensus": (*FIGURE_SUFFIXES, ".nwk"),
        },
    )


def run(args: argparse.Namespace) -> int:
    from .. import figures
    from ..consensus import TreeWithConsensus, consensus_tree
    from ..errors import ProvenanceError
    from ..tree import lineage_tree

    paths = args.paths  # checked by main before any work
    if "consensus" in paths and args.bootstrap < 1:
        raise ProvenanceError("`consensus` needs bootstrap trees; set `n_bootstrap` to 1 or more")
    corpus = load(args)
    result = lineage_tree(
        corpus,
        models=split_names(args.models, corpus.models),
        n_bootstrap=args.bootstrap,
        seed=args.seed,
        channels=args.channels,
        method=args.method,
        min_shared=args.min_shared,
        options=feature_options(args),
    )
    makers: dict[str, Callable[[Any], Any]] = {
        "out": figures.dendrogram_figure,
        "heatmap": figures.heatmap_figure,
        "mds": figures.mds_figure,
    }
    for name, make in makers.items():
        if name in paths:
            write_figure(make(result), paths[name], dpi=150)
    if "newick" in paths:
        newick = result.newick + "\n"
        write_with(lambda tmp: tmp.write_text(newick, encoding="utf-8"), paths["newick"])
    if "matrix" in paths:
        write_with(
            lambda tmp: result.distances.to_csv(tmp, index_label="model", float_format="%.6g"),
            paths["matrix"],
        )
    shown: Any = result
    if "consensus" in paths:
        consensus = consensus_tree(result)
        shown = TreeWithConsensus(result, consensus)  # printed with the tree
        if str(paths["consensus"]).lower().endswith(".nwk"):
            text = consensus.newick + "\n"
            write_with(lambda tmp: tmp.write_text(text, encoding="utf-8"), paths["consensus"])
        else:
            colors = figures.group_colors(result)
            figure = figures.consensus_figure(consensus, label_colors=colors)
            write_figure(figure, paths["consensus"], dpi=150)
    emit(shown, args)
    return 0

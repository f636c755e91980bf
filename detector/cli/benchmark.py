"""``provenance benchmark``: scoring accuracy against documented lineage."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_alpha,
    add_bootstrap,
    add_channels,
    add_command,
    add_data_options,
    add_feature_options,
    add_output_options,
    add_seed,
    feature_options,
    load,
)
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "benchmark",
        help="measure scoring accuracy against documented lineage",
        description="Score every suspect of a lineage table (distilled, derived, variant, "
        "human_data) against the corpus and measure how often the documented teacher or "
        "parent ranks first, how many human-data models get a positive verdict, and the "
        "AUROC of related against unrelated pairs.",
        examples=[
            "provenance benchmark ../shared/corpora/alpaca_eval --lineage lineage.csv",
            "provenance benchmark outputs.jsonl --lineage lineage.csv --out results.md",
        ],
    )
    add_data_options(p)
    p.add_argument(
        "--lineage",
        required=True,
        metavar="CSV",
        help="lineage table (the lineage.csv format of alpaca_eval or of creative_2025)",
    )
    add_output_options(p)
    add_seed(p, "bootstrap seed")
    add_bootstrap(p, default=200)
    add_alpha(p)
    add_channels(p)
    add_feature_options(p)
    p.set_defaults(func=run, outputs={"out": None}, result_to_out=True)


def run(args: argparse.Namespace) -> int:
    from ..benchmark import load_lineage, run_benchmark

    lineage = load_lineage(args.lineage)
    corpus = load(args)
    options = feature_options(args)
    result = run_benchmark(
        corpus,
        lineage,
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        alpha=args.alpha,
        progress=options.progress,
        channels=args.channels or None,
        options=options,
    )
    emit(result, args)
    return 0

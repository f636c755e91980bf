"""``provenance report``: a self-contained PDF report on one suspect."""

from __future__ import annotations

import argparse
from typing import Any

from ..score_table import score_table
from .common import (
    add_alpha,
    add_baseline_option,
    add_bootstrap,
    add_channels,
    add_command,
    add_data_options,
    add_feature_options,
    add_force,
    add_output_options,
    add_seed,
    add_suspect_options,
    feature_options,
    integer,
    load,
    say,
    split_names,
)
from .output import emit, show_flags

__all__ = ["add_parser", "run"]


def _attribution_prompts(text: str) -> int:
    """0 (all prompts) or at least 10."""
    value = integer(0)(text)
    if 0 < value < 10:
        raise argparse.ArgumentTypeError(f"must be 0 (all) or at least 10, got {text!r}")
    return value


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "report",
        help="PDF or HTML report on one suspect: verdict, scores, evidence, tree, excerpts, method",
        description="Write a self-contained PDF report for one suspect model: the verdict and "
        "key numbers, data overview, candidate scores with intervals, evidence per channel, "
        "lineage tree and distances, identity leaks with excerpts, words and phrases the "
        "suspect and its top candidate both over-use, side-by-side answers, the attribution "
        "confusion matrix (when available), method and limitations, and a reproducibility "
        "appendix. With --baseline it opens with whether the suspect moved toward a candidate "
        "relative to the baseline (page 1 and a first section). Prints the scores (as "
        "`provenance score`, with --baseline as `provenance score --baseline`). An existing "
        "--out is not overwritten without --force.",
        examples=[
            "provenance report outputs.jsonl --suspect my-model --out reports/my-model.pdf",
            "provenance report outputs.jsonl --suspect s --candidates a,b --no-attribution "
            "--out s.pdf",
            "provenance report outputs.jsonl --suspect model-v2 --baseline model-v1 --out v2.pdf",
        ],
    )
    add_data_options(p)
    add_suspect_options(p)
    add_baseline_option(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the report to write: NAME.pdf, or NAME.html for one self-contained web page",
    )
    add_force(p)
    add_channels(p)
    add_seed(p)
    add_bootstrap(p, default=200)
    add_bootstrap(
        p,
        default=50,
        minimum=0,
        flag="--tree-bootstrap",
        help="prompt resamplings for the tree's clade supports",
    )
    add_alpha(p)
    p.add_argument(
        "--no-attribution", action="store_true", help="leave out the attribution classifier"
    )
    p.add_argument(
        "--attribution-prompts",
        type=_attribution_prompts,
        default=200,
        help="train the attribution classifier on at most this many prompts (0: all)",
    )
    add_output_options(p, out=False)
    p.add_argument("--wide", action="store_true", help="score table with every column")
    add_feature_options(p)
    p.set_defaults(func=run, outputs={"out": (".pdf", ".html", ".htm")})


def run(args: argparse.Namespace) -> int:
    from ..report import build_report

    corpus = load(args)
    result = build_report(
        corpus,
        args.suspect,
        split_names(args.candidates, corpus.models, "candidates"),
        split_names(args.reference, corpus.models, "reference"),
        out=args.out,
        force=args.force,
        seed=args.seed,
        channels=args.channels,
        n_bootstrap=args.bootstrap,
        tree_bootstrap=args.tree_bootstrap,
        alpha=args.alpha,
        include_attribution=not args.no_attribution,
        attribution_prompts=args.attribution_prompts or None,
        lineage=args.lineage,
        known_dates=args.known_dates,
        baseline=args.baseline,
        options=feature_options(args),
    )
    say(result.to_text().splitlines()[0])
    for note in result.notes:
        say(show_flags(f"note: {note}", args.parser))
    shift = result.data.shift if result.data is not None else None
    if shift is not None:
        from ..shift_table import shift_table

        emit(shift.result, args, text=lambda r: shift_table(r, wide=args.wide))
        return 0
    emit(result.score, args, text=lambda r: score_table(r, wide=args.wide))
    return 0

"""``provenance score``: score the candidate teachers/parents of one suspect model.

The table view is :func:`detector.score_table.score_table` (100 columns);
``--wide`` prints every column of :meth:`detector.scoring.ScoreResult.to_text`.
"""

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
    add_output_options,
    add_scale_options,
    add_seed,
    add_suspect_options,
    feature_options,
    load,
    split_names,
)
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "score",
        help="score candidate teachers/parents of a suspect model",
        description="Score every candidate as the teacher (distillation) or parent (weights) "
        "of the suspect: a calibrated score in [0, 1] with a 95% interval from resampling "
        "prompts, a Holm-corrected p-value, the evidence of each channel and a verdict. With "
        "--baseline, whether the suspect moved toward a candidate relative to its predecessor "
        "(or a sibling on its base model), more than toward unrelated models.",
        examples=[
            "provenance score outputs.jsonl --suspect my-model",
            "provenance score outputs.jsonl --suspect my-model --candidates gpt-4o,claude-3",
            "provenance score outputs.jsonl --suspect my-model --out scores.csv",
            "provenance score outputs.jsonl --suspect my-model --lineage lineage.csv",
            'provenance score outputs.jsonl --suspect s --candidates "org/model, v2" '
            "--candidates other",
            "provenance score outputs.jsonl --suspect model-v2 --baseline model-v1",
        ],
    )
    add_data_options(p)
    add_suspect_options(p)
    add_baseline_option(p)
    add_channels(p)
    add_output_options(p)
    p.add_argument(
        "--wide",
        action="store_true",
        help="table view with every column (per-candidate verdicts, all channels)",
    )
    add_seed(p, "bootstrap seed")
    add_bootstrap(p, default=200)
    add_alpha(p)
    p.add_argument(
        "--attribution",
        action="store_true",
        help="also report the attribution-transfer channel (trains classifiers)",
    )
    add_feature_options(p)
    add_scale_options(p)
    p.set_defaults(func=run, outputs={"out": None}, result_to_out=True)


def run(args: argparse.Namespace) -> int:
    from ..scoring import score

    corpus = load(args)
    result = score(
        corpus,
        args.suspect,
        split_names(args.candidates, corpus.models, "candidates"),
        split_names(args.reference, corpus.models, "reference"),
        seed=args.seed,
        n_bootstrap=args.bootstrap,
        alpha=args.alpha,
        channels=args.channels,
        attribution=args.attribution,
        lineage=args.lineage,
        known_dates=args.known_dates,
        baseline=args.baseline,
        options=feature_options(args),
    )
    if args.baseline is not None:
        from ..shift_table import shift_table

        emit(result, args, text=lambda r: shift_table(r, wide=args.wide))
        return 0
    emit(result, args, text=lambda r: score_table(r, wide=args.wide))
    return 0

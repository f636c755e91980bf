"""``provenance demo``: the whole pipeline on the bundled synthetic corpus."""

from __future__ import annotations

import argparse
from typing import Any

from .common import add_command, add_progress_options, add_seed, progress_of
from .output import emit_text

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "demo",
        help="run the whole pipeline on the bundled synthetic demo corpus",
        description="Inspect the bundled SYNTHETIC demo corpus (fictional models with a "
        "documented lineage), score its distilled student and its human-data control "
        "against the API models, and print the verdicts next to the documented lineage. "
        "It prints a walk-through, not one result, so it has no --format.",
        examples=["provenance demo", "provenance demo --cache-dir /tmp/provenance-cache"],
    )
    p.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="feature cache; a folder you trust (default: $PROVENANCE_CACHE_DIR or "
        "~/.cache/provenance)",
    )
    add_seed(p)
    add_progress_options(p)
    p.set_defaults(func=run, outputs={})


def run(args: argparse.Namespace) -> int:
    from ..demo_run import run_demo

    emit_text(run_demo(cache_dir=args.cache_dir, progress=progress_of(args), seed=args.seed))
    return 0

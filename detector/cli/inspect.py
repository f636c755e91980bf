"""``provenance inspect``: models, prompts, coverage, lengths and problems of a corpus."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_command,
    add_data_options,
    add_output_options,
    integer,
    load,
)
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "inspect",
        help="models, prompts, coverage, lengths and problems of a corpus",
        description="Read a corpus and summarize it: the models, how many prompts each "
        "answered, how many every model answered, output lengths, and the problems found "
        "(empty outputs, duplicates, models sharing too few prompts). Run it first on new data.",
        examples=[
            "provenance inspect outputs.jsonl",
            "provenance inspect data.csv --model-col generator --output-col response",
            "provenance inspect outputs.jsonl --format json --out summary.json",
        ],
    )
    add_data_options(p)
    p.add_argument(
        "--min-shared",
        type=integer(1),
        default=20,
        help="flag models sharing fewer prompts than this with every other model",
    )
    p.add_argument(
        "--embedding-model",
        default=None,
        metavar="NAME_OR_PATH",
        help="the embedding model the analysis will use, so that inspect says whether it fits "
        "the languages of the outputs (default: the bundled all-MiniLM-L6-v2, English-only)",
    )
    add_output_options(p)
    p.set_defaults(func=run, outputs={"out": None}, result_to_out=True)


def run(args: argparse.Namespace) -> int:
    from ..inspection import inspect

    result = inspect(load(args), min_shared=args.min_shared, embedding_model=args.embedding_model)
    emit(result, args)
    return 0

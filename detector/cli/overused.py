"""``provenance overused``: each model's over-used words and phrases."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_command,
    add_data_options,
    add_models_option,
    add_output_options,
    integer,
    load,
    split_names,
)
from .output import emit

__all__ = ["add_parser", "run"]

# the library's settings, kept literal so that --help imports no pandas (a test checks
# they are detector.overuse's AGAINST, MIN_COUNT and MIN_PROMPTS)
AGAINST = ("pool", "human")
MIN_COUNT = 5
MIN_PROMPTS = 5


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "overused",
        help="each model's over-used words and phrases, against the pool or human English",
        description="List, per model, the words and phrases (1-3 words) it uses more than the "
        "other models do on the same prompts (--against pool), or more than English does "
        "(--against human: wordfreq frequencies, words only), strongest first, with counts, "
        "rates per 10,000 words and a log-odds z with an informative Dirichlet prior (Monroe "
        "et al. 2008). The prior shrinks rare terms, so a word seen three times or a name a "
        "model invented cannot top the list. Numbers, proper names and each prompt's own "
        "words are not counted.",
        examples=[
            "provenance overused outputs.jsonl",
            "provenance overused outputs.jsonl --models my-model --against human --top 30",
            "provenance overused outputs.jsonl --distinct --out overused.csv",
        ],
    )
    add_data_options(p)
    add_models_option(p, "the models to list (the pool of each is every other model)",
                      default="every model")  # fmt: skip
    p.add_argument(
        "--against",
        choices=list(AGAINST),
        default="pool",
        help="the baseline: the other models on the same prompts, or English word frequencies",
    )
    p.add_argument("--top", type=integer(1), default=50, help="terms listed per model")
    p.add_argument(
        "--min-count",
        type=integer(1),
        default=MIN_COUNT,
        help="list only terms the model uses at least this many times",
    )
    p.add_argument(
        "--min-prompts",
        type=integer(1),
        default=MIN_PROMPTS,
        help="count only terms that occur on at least this many prompts (over all models)",
    )
    p.add_argument(
        "--distinct",
        action="store_true",
        help="list each habit once: n-grams of one phrase ('i hope this', 'hope this helps', "
        "'i hope') under its strongest term",
    )
    add_output_options(p)
    p.set_defaults(func=run, outputs={"out": None}, result_to_out=True)


def run(args: argparse.Namespace) -> int:
    from ..overuse import overused

    corpus = load(args)
    result = overused(
        corpus,
        models=split_names(args.models, corpus.models),
        against=args.against,
        top=args.top,
        min_count=args.min_count,
        min_prompts=args.min_prompts,
        distinct=args.distinct,
    )
    emit(result, args)
    return 0

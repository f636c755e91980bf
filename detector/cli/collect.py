"""``provenance collect``: gather outputs from OpenAI-compatible servers (resumable)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import (
    add_command,
    add_output_options,
    add_progress_options,
    integer,
    or_none,
    positive,
    progress_of,
    split_names,
)
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = add_command(
        sub,
        "collect",
        help="collect outputs from OpenAI-compatible chat-completions servers (resumable)",
        description="Send every prompt to every model on an OpenAI-compatible server and "
        "append one record per (model, prompt, sample) to a JSONL corpus. Rerunning the "
        "same command skips what is collected and retries what failed. Exit status 1 when "
        "some requests failed.",
        examples=[
            "provenance collect --endpoint http://127.0.0.1:8000/v1 --models m1,m2 "
            "--prompts data/prompts/prompts.jsonl --out outputs.jsonl",
            "OPENROUTER_KEY=... provenance collect --endpoint https://openrouter.ai/api/v1 "
            "--api-key-env OPENROUTER_KEY --models org/model --prompts p.txt --out o.jsonl",
            "provenance collect --endpoint http://127.0.0.1:8000/v1 --models my-model "
            "--prompts path/to/alpaca_eval/results --out mine.jsonl",
        ],
    )
    p.add_argument(
        "--endpoint", required=True, help="server base URL, e.g. http://127.0.0.1:8000/v1"
    )
    p.add_argument(
        "--models",
        action="append",
        required=True,
        metavar="MODELS",
        help="model names as the server knows them, comma-separated or the option repeated",
    )
    p.add_argument(
        "--prompts",
        required=True,
        metavar="PROMPTS_OR_DATA",
        help="the prompts: JSONL with prompt_id and prompt, or one prompt per line; or any DATA "
        "the other commands read (a corpus file or folder, an AlpacaEval results tree, MT-Bench "
        "answers or question.jsonl, hf:NAME, a .gz or .parquet file), whose prompts are sent "
        "with their prompt ids, so the answers align with that pool's",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="output .jsonl: appended to, never overwritten; a rerun resumes it",
    )
    p.add_argument("--concurrency", type=integer(1), default=4, help="requests in flight")
    p.add_argument(
        "--temperature",
        type=or_none(positive(allow_zero=True)),
        default=0.0,
        help="sampling temperature (0 to 2); 'none' leaves it to the server",
    )
    p.add_argument(
        "--max-tokens",
        type=or_none(integer(1)),
        default=1024,
        help="completion token limit; 'none' leaves it to the server",
    )
    p.add_argument(
        "--samples",
        type=integer(1),
        default=1,
        help="outputs per prompt; sample k >= 1 gets the id <id>#s<k>",
    )
    p.add_argument(
        "--system", default=None, help="system message sent before each prompt (default: none)"
    )
    p.add_argument("--timeout", type=positive(), default=60.0, help="seconds per request")
    p.add_argument(
        "--max-tries", type=integer(1), default=6, help="tries per request before it fails"
    )
    p.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the API key",
    )
    add_progress_options(p)
    add_output_options(p, out=False)
    p.set_defaults(func=run, outputs={})


def run(args: argparse.Namespace) -> int:
    from ..collect import collect

    summary = collect(
        args.endpoint,
        split_names(args.models) or [],
        args.prompts,
        args.out,
        concurrency=args.concurrency,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        samples=args.samples,
        system=args.system,
        timeout=args.timeout,
        api_key_env=args.api_key_env,
        max_tries=args.max_tries,
        progress=progress_of(args),
    )
    emit(summary, args)
    return 1 if summary.failed else 0

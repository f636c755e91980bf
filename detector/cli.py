"""The ``provenance`` command: a thin layer over the library.

Each subcommand parses its arguments, calls the library function of the same
name and prints the result (a table by default, JSON with ``--format json``).
Bad input raises :class:`~detector.errors.ProvenanceError`, which is printed
as one line on stderr with exit status 2; no traceback is shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ProvenanceError


# ------------------------------------------------------------ helpers
def _add_data_args(p: argparse.ArgumentParser) -> None:
    """Arguments shared by every command that reads a corpus."""
    p.add_argument(
        "data",
        help="corpus: file (.jsonl/.csv/.parquet/.json), AlpacaEval "
        "results tree, saved HF dataset dir, or hf:NAME[:CONFIG[:SPLIT]]",
    )
    p.add_argument(
        "--input-format",
        dest="input_format",
        default=None,
        help="force the input format (jsonl, json, csv, parquet, alpaca_eval, hf_disk, hf)",
    )
    p.add_argument("--model-col", default="model", help="column holding the model name")
    p.add_argument("--prompt-col", default="prompt", help="column holding the prompt text")
    p.add_argument("--output-col", default="output", help="column holding the output text")
    p.add_argument("--id-col", default="prompt_id", help="column holding the prompt id (optional)")


def _load(args: argparse.Namespace) -> Any:
    from .corpus import load_corpus

    return load_corpus(
        args.data,
        format=args.input_format,
        model_col=args.model_col,
        prompt_col=args.prompt_col,
        output_col=args.output_col,
        id_col=args.id_col,
    )


def _split_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def _write_text(text: str, out: str | None, *, force: bool = False) -> None:
    """Print ``text``, or write it to ``out`` (refusing to overwrite unless forced)."""
    if out is None:
        print(text)
        return
    path = Path(out)
    if path.exists() and not force:
        raise ProvenanceError(f"{out}: already exists; choose another path or pass --force")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("\n" if not text.endswith("\n") else ""), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


# ------------------------------------------------------------ commands
def _cmd_inspect(args: argparse.Namespace) -> int:
    from .corpus import inspect

    result = inspect(_load(args), min_shared=args.min_shared)
    print(result.to_json() if args.format == "json" else result.to_text())
    return 0


def _cmd_collect(args: argparse.Namespace) -> int:
    from .collect import collect

    summary = collect(
        args.endpoint,
        _split_names(args.models) or [],
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
        progress=not args.no_progress,
    )
    print(dumps(summary) if args.format == "json" else summary.to_text())
    return 1 if summary.failed else 0


def _build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="provenance",
        description="Estimate whether a model was trained on another model's outputs "
        "(distillation) or derived from its weights.",
    )
    parser.add_argument("--version", action="version", version=f"provenance {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "inspect", help="models, prompts, coverage, lengths and problems of a corpus"
    )
    _add_data_args(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument(
        "--min-shared",
        type=int,
        default=20,
        help="flag models sharing fewer prompts than this with every other model",
    )
    p.set_defaults(func=_cmd_inspect)

    def _or_none(kind: type) -> Any:
        """An argparse type that also takes "none" (leave the setting to the server)."""

        def convert(text: str) -> Any:
            return None if text.strip().lower() in ("none", "default") else kind(text)

        convert.__name__ = kind.__name__
        return convert

    p = sub.add_parser(
        "collect",
        help="collect outputs from OpenAI-compatible chat-completions servers (resumable)",
        description="Send every prompt to every model on an OpenAI-compatible server and "
        "append one record per (model, prompt, sample) to a JSONL corpus. Rerunning the "
        "same command skips what is collected and retries what failed. Exit status 1 when "
        "some requests failed.",
    )
    p.add_argument(
        "--endpoint", required=True, help="server base URL, e.g. http://127.0.0.1:8000/v1"
    )
    p.add_argument("--models", required=True, help="comma-separated model names")
    p.add_argument(
        "--prompts", required=True, help="JSONL with prompt_id and prompt, or one prompt per line"
    )
    p.add_argument("--out", required=True, help="output .jsonl (appended to, never overwritten)")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    p.add_argument(
        "--temperature",
        type=_or_none(float),
        default=0.0,
        help="sampling temperature (default 0); 'none' leaves it to the server",
    )
    p.add_argument(
        "--max-tokens",
        type=_or_none(int),
        default=1024,
        help="completion token limit (default 1024); 'none' leaves it to the server",
    )
    p.add_argument(
        "--samples", type=int, default=1, help="outputs per prompt; sample k>=1 gets id <id>#s<k>"
    )
    p.add_argument("--system", default=None, help="system message sent before each prompt")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default 60)")
    p.add_argument(
        "--max-tries", type=int, default=6, help="tries per request before it fails (default 6)"
    )
    p.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the API key (default OPENAI_API_KEY)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=_cmd_collect)

    # -- further subcommands are added above this line --
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``provenance`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ProvenanceError as exc:
        print(f"provenance: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("provenance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, MemoryError) as exc:
        print(f"provenance: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def dumps(obj: Any) -> str:
    """JSON text of a result (dataclass ``to_dict`` or plain data)."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return json.dumps(obj, indent=2, ensure_ascii=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

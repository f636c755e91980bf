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

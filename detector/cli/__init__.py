"""The ``provenance`` command: a thin layer over the library.

One module per command (or per pair of commands on one library module), each
holding the parser of its command beside its body; :mod:`.common` has the
shared options and :mod:`.output` the formats and safe writing. Each command
calls the library function of the same name and prints the result (a table by
default; ``--format json|csv|markdown``, or the format the suffix of ``--out``
names).

:func:`main` runs the same steps for every command:

1. parse the arguments (a bad option is one line, exit status 2);
2. set the log level (``-q`` / ``-v``) and one-line warnings;
3. check every output path before any work (nothing is overwritten without
   ``--force``);
4. run the command; a :class:`~detector.errors.ProvenanceError` is printed as
   one line, its backticked parameter names shown as this command's flags,
   with exit status 2.

Everything printed on the terminal has its control characters escaped
(:func:`detector.terminal.printable`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import ProvenanceError
from ..progress import timed
from ..terminal import printable
from . import (
    attribution,
    benchmark,
    collect,
    completion,
    demo,
    features,
    inspect,
    overused,
    report,
    score,
    tree,
)
from .common import HelpFormatter, Parser, add_verbosity
from .output import check_outputs, show_flags

__all__ = ["build_parser", "main"]

#: Each command's parser function, in the order ``provenance --help`` lists them.
COMMANDS = (
    demo.add_parser,
    inspect.add_parser,
    score.add_parser,
    report.add_parser,
    tree.add_parser,
    features.add_parser,
    overused.add_parser,
    attribution.add_train_parser,
    attribution.add_attribute_parser,
    benchmark.add_parser,
    collect.add_parser,
    completion.add_parser,
)

log = logging.getLogger("detector")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command (imports nothing heavy: ``--help`` starts fast)."""
    from .._version import __version__

    parser = Parser(
        prog="provenance",
        description="Estimate whether a language model was trained on another model's "
        "outputs (distillation) or derived from its weights, from the outputs of several "
        "models on the same prompts.",
        epilog="examples:\n  provenance demo\n  provenance inspect outputs.jsonl\n"
        "  provenance score outputs.jsonl --suspect my-model\n"
        "  provenance COMMAND --help\n\n"
        "Bad input is one line on stderr with exit status 2; nothing is overwritten "
        "without --force.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"provenance {__version__}")
    add_verbosity(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def _warning_printer(parser: argparse.ArgumentParser | None) -> Any:
    """``warnings.showwarning`` for a run: one line, no source path, parameters as flags."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        text = show_flags(" ".join(str(message).split()), parser)
        print(f"provenance: warning: {printable(text)}", file=sys.stderr, flush=True)

    return show


class _Formatter(logging.Formatter):
    """Log lines with control characters escaped (messages may hold model names)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


@contextlib.contextmanager
def _console(args: argparse.Namespace) -> Iterator[None]:
    """Log level from -q/-v and one-line warnings for the run; restored afterwards."""
    verbose = getattr(args, "verbose", 0) or 0
    quiet = getattr(args, "quiet", False)
    levels = {0: logging.WARNING, 1: logging.INFO}
    level = logging.ERROR if quiet else levels.get(verbose, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter("provenance: %(levelname)s: %(message)s"))
    old_level = log.level
    log.addHandler(handler)
    log.setLevel(level)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_printer(getattr(args, "parser", None))
            if quiet:
                warnings.simplefilter("ignore")
            yield
    finally:
        log.removeHandler(handler)
        log.setLevel(old_level)


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[command]
    return parser


def _unrecognized(extra: list[str], parser: argparse.ArgumentParser) -> str:
    """'unrecognized arguments: ...', with the command's closest option when one is near."""
    import difflib

    known = [s for action in parser._actions for s in action.option_strings if s.startswith("--")]
    message = f"unrecognized arguments: {' '.join(extra)}"
    formats = next((a.choices for a in parser._actions if "--format" in a.option_strings), None)
    for word in extra:
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            if formats and name[2:] in formats:  # --json, --csv, --markdown: a format's name
                return f"{message}; did you mean --format {name[2:]}?"
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
            if close:
                return f"{message}; did you mean {close[0]}?"
            return f"{message}; {parser.prog} has no option {name}"
    return message


def _error(message: str, parser: argparse.ArgumentParser | None) -> None:
    text = show_flags(" ".join(message.split()), parser)
    print(f"provenance: error: {printable(text, multiline=False)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``provenance`` command line; return its exit status.

    0: done; 1: ``collect`` finished with failed requests; 2: bad input or
    options (one line on stderr); 130: interrupted.
    """
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # said by the command's parser, which knows its own options
            where = _subparser(parser, args.command) if getattr(args, "command", None) else parser
            where.error(_unrecognized(extra, where))
    except SystemExit as exc:  # --help, --version, or a bad option (already printed)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    command = _subparser(parser, args.command)
    args.parser = command
    args.root_parser = parser  # provenance completion writes its script from it
    with _console(args):
        try:
            args.paths = check_outputs(args)
            log.debug(
                "provenance %s", " ".join(map(str, argv if argv is not None else sys.argv[1:]))
            )
            with timed(f"{args.command}: done"):
                return int(args.func(args) or 0)
        except ProvenanceError as exc:
            _error(str(exc), command)
            return exc.exit_code
        except KeyboardInterrupt:
            print("provenance: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # e.g. piped into head
            return 0
        except (OSError, MemoryError) as exc:
            _error(f"{type(exc).__name__}: {exc}", command)
            return 2

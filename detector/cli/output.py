"""Where results go: standard output or files, in the format asked, nothing lost.

- :func:`check_outputs` checks every output path of a command (``--out``,
  ``--figure``, ``--newick``, ...) before any computation: not a folder, not
  an existing file without ``--force``, a writable folder, no two options
  naming one file.
- :func:`emit` renders a result (:func:`detector.results.render`) in the format
  of ``--format``, or the one the suffix of ``--out`` names (a ``.csv`` file
  always gets CSV), and prints it or writes it atomically. Text views (table,
  Markdown, and CSV on a terminal) show control characters escaped.
- :func:`write_figure` / :func:`write_text` write through
  :func:`detector.files.atomic_path`: a failed write leaves the old file whole.
- :func:`show_flags` turns the backticked parameter names of a library
  message into the command's flags.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ProvenanceError
from ..files import atomic_path, atomic_write, check_output_path
from ..results import SUFFIX_FORMATS
from ..terminal import printable
from .common import say

__all__ = [
    "FIGURE_SUFFIXES",
    "PARAM_FLAGS",
    "check_outputs",
    "emit",
    "emit_text",
    "flag_for",
    "output_format",
    "show_flags",
    "write_figure",
    "write_text",
    "write_with",
]

#: Library parameters whose flag is not ``--`` + the name with dashes.
PARAM_FLAGS = {
    "n_bootstrap": "--bootstrap",
    "tree_bootstrap": "--tree-bootstrap",
    "format": "--input-format",
    "n_jobs": "--jobs",
    "n_folds": "--folds",
    "include_attribution": "--no-attribution",
    "path": "--out",
}
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

_BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def flag_for(param: str, parser: argparse.ArgumentParser | None) -> str | None:
    """The flag of library parameter ``param`` on ``parser`` (None when it has none)."""
    flag = PARAM_FLAGS.get(param, "--" + param.replace("_", "-"))
    if parser is None:
        return flag
    known = {s for action in parser._actions for s in action.option_strings}
    return flag if flag in known else None


def show_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """``message`` with each backticked parameter the command has shown as its flag.

    ``"pass `force`"`` becomes ``"pass --force"``; a parameter without a flag
    on this command keeps its backticks (it names the library parameter).
    """

    def swap(match: re.Match[str]) -> str:
        return flag_for(match.group(1), parser) or match.group(0)

    return _BACKTICKED.sub(swap, message)


# ------------------------------------------------------------------ paths
def check_outputs(args: argparse.Namespace) -> dict[str, Path]:
    """Check every output path of the command before any work; return option -> path.

    The command declares its output options as ``outputs``: parameter name
    (``out``, ``figure``, ...; the option's dest) -> the suffixes it accepts
    (None: any). For a command that writes its result to ``--out``
    (``result_to_out``), also checks that ``--format`` agrees with its suffix.
    """
    outputs: Mapping[str, tuple[str, ...] | None] = getattr(args, "outputs", {})
    given = {name: getattr(args, name) for name in outputs if getattr(args, name, None)}
    for name, path in given.items():
        allowed = outputs[name]
        if allowed and Path(path).suffix.lower() not in allowed:
            listed = (
                ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
            )
            raise ProvenanceError(f"{path}: `{name}` must end in {listed}")
    resolved = {name: Path(p).expanduser().resolve() for name, p in given.items()}
    if len(set(resolved.values())) < len(resolved):
        raise ProvenanceError("two outputs name the same file; give each its own path")
    inputs: list[Any] = []
    for name in ("data", "classifier", "prompts", "lineage", "questions"):
        value = getattr(args, name, None)
        inputs += value if isinstance(value, list) else [value]
    read = {Path(i).expanduser().resolve() for i in inputs if i and not str(i).startswith("hf:")}
    for name, path in resolved.items():
        if path in read:  # even with --force: the input would be lost
            raise ProvenanceError(
                f"{given[name]}: is an input of this command; choose another path for `{name}`"
            )
        folder = next((f for f in read if f.is_dir() and f in path.parents), None)
        if folder is not None and _data_file(path):
            raise ProvenanceError(
                f"{given[name]}: is inside the folder {folder} that this command reads as data; "
                f"every later run on that folder would read it as model outputs: write it "
                f"outside the folder (choose another path for `{name}`)"
            )
    if getattr(args, "result_to_out", False):
        output_format(args)
    force = bool(getattr(args, "force", False))
    return {name: check_output_path(path, force=force, option=name) for name, path in given.items()}


def _data_file(path: Path) -> bool:
    """Whether reading a folder would take ``path`` for a file of model outputs."""
    from ..readers import infer_format

    try:
        infer_format(path)
    except ProvenanceError:
        return False
    return True


def output_format(args: argparse.Namespace) -> str:
    """The format of the result: ``--format``, else the suffix of ``--out``, else table.

    Only a command that writes its result to ``--out`` (``result_to_out``)
    takes the format from the suffix; the others print it.

    Raises
    ------
    ProvenanceError
        ``--format`` contradicts the suffix of ``--out`` (``--format json --out x.csv``).
    """
    out = getattr(args, "out", None) if getattr(args, "result_to_out", False) else None
    fmt = getattr(args, "format", None)
    implied = SUFFIX_FORMATS.get(Path(out).suffix.lower()) if out else None
    if out and implied and fmt and fmt != implied:
        raise ProvenanceError(
            f"{out}: a {Path(out).suffix} file holds {implied}, but --format is {fmt}; "
            f"drop --format or end --out in the suffix of {fmt}"
        )
    return fmt or implied or "table"


# ---------------------------------------------------------------- writing
def emit(
    result: Any, args: argparse.Namespace, *, text: Callable[[Any], str] | None = None
) -> None:
    """Print ``result`` in the chosen format, or write it to ``--out``.

    ``--out`` receives the result only for commands marked ``result_to_out``
    (for ``tree``, ``train`` and ``report`` it names another file).

    Text views (table, Markdown) always show control characters escaped; CSV
    is escaped when printed on a terminal and written exactly to a file; JSON
    escapes them itself.
    """
    from ..results import render

    fmt = output_format(args)
    body = render(result, fmt, text=text)
    target = getattr(args, "out", None) if getattr(args, "result_to_out", False) else None
    if fmt in ("table", "markdown"):  # text views: notes name flags, control chars escaped
        body = printable(show_flags(body, getattr(args, "parser", None)))
    if target:
        write_text(body, target)
        return
    if fmt == "csv" and _is_terminal(sys.stdout):
        body = printable(body)
    sys.stdout.write(body if body.endswith("\n") else body + "\n")
    sys.stdout.flush()


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` (with a final newline) to ``path`` atomically; say so on stderr."""
    target = atomic_write(path, text if text.endswith("\n") else text + "\n")
    say(f"wrote {path}")
    return target


def write_figure(figure: Any, path: str | Path, **savefig: Any) -> Path:
    """Save a matplotlib figure to ``path`` atomically (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    target = Path(path)
    try:
        with atomic_path(target) as tmp:
            figure.savefig(tmp, format=target.suffix.lstrip(".").lower() or None, **savefig)
    finally:
        plt.close(figure)
    say(f"wrote {path}")
    return target


def write_with(writer: Callable[[Path], Any], path: str | Path, detail: str = "") -> Path:
    """Let ``writer`` write a temporary file beside ``path``, then move it into place."""
    with atomic_path(path) as tmp:
        writer(tmp)
    say(f"wrote {path}{detail}")
    return Path(path)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def emit_text(text: str) -> None:
    """Print a text view on standard output, control characters escaped."""
    body = printable(text)
    sys.stdout.write(body if body.endswith("\n") else body + "\n")
    sys.stdout.flush()

"""What every result shares: JSON without NaN, tables, and saving to a file.

Results (:class:`~detector.corpus.Inspection`,
:class:`~detector.scoring.ScoreResult`, :class:`~detector.tree.TreeResult`,
...) are plain dataclasses. Each takes :class:`Result` as a base to get

- ``to_dict()``: plain Python data, NaN and infinities as ``None`` (JSON has
  no NaN; ``json.loads`` of the output must work in any language);
- ``to_json()``: that as indented JSON, written with ``allow_nan=False``;
- ``to_markdown()``: the result's table (``to_frame``) as a Markdown table,
  with its verdict and notes when it has them;
- ``save(path)``: the result written to ``path`` in the format its suffix
  names (``.json``, ``.csv``, ``.md``, ``.txt``), refusing to overwrite
  without ``force`` and replacing the file atomically.

A result class keeps its own ``to_text`` (the table view) and ``to_frame``
(its main table), and may override ``to_dict`` when its fields are not plain
data; ``to_json`` cleans whatever ``to_dict`` returns.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import ProvenanceError
from .files import atomic_write, check_output_path
from .terminal import printable

__all__ = ["FORMATS", "SUFFIX_FORMATS", "Result", "dumps", "format_for_path", "jsonable", "render"]

#: Output formats of :func:`render` (``table`` is the result's ``to_text``).
FORMATS = ("table", "json", "csv", "markdown")
#: File suffixes that name a format; another suffix takes the format given.
SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown"}


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON data: NaN and infinities become None.

    Dataclasses become dicts, tuples and sets lists, paths strings, NumPy
    scalars and arrays Python numbers and lists, pandas objects their
    ``to_dict`` / ``tolist``. Mapping keys become strings.
    """
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return jsonable(obj.to_dict() if isinstance(obj, Result) else dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "tolist"):  # NumPy scalars and arrays, pandas Series and Index
        return jsonable(obj.tolist())
    if hasattr(obj, "to_dict"):  # pandas DataFrame and other records
        return jsonable(obj.to_dict())
    if hasattr(obj, "item"):
        return jsonable(obj.item())
    return str(obj)


# Characters JSON may hold raw that still act on a terminal (DEL and C1 controls, line
# separators, bidirectional overrides); they can only occur inside strings, so a \u
# escape keeps the JSON valid and the same data.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def dumps(obj: Any) -> str:
    """Indented JSON of ``obj`` (a result or plain data); NaN and infinities as null.

    Non-ASCII text stays readable; every control character is escaped
    (``\u001b``, ``\u202e``), so the JSON is safe to print on a terminal.
    """
    if isinstance(obj, Result):
        obj = obj.to_dict()
    text = json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def format_for_path(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The output format for ``path``: its suffix's (``.json``, ``.csv``, ``.md``), else ``format``.

    Raises
    ------
    ProvenanceError
        ``format`` contradicts the suffix (a ``.csv`` file asked for as JSON).
    """
    implied = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if format is not None and format not in FORMATS:
        raise ProvenanceError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
    if implied and format and format != implied:
        raise ProvenanceError(
            f"{path}: a {Path(path).suffix} file holds {implied}, but `format` is {format}; "
            "drop one of them or make them agree"
        )
    return implied or format or "table"


def _frame(result: Any) -> Any:
    """The result's main table; a one-row table of its plain fields when it has none."""
    import pandas as pd

    if hasattr(result, "to_frame"):
        return result.to_frame()
    data = result.to_dict() if hasattr(result, "to_dict") else jsonable(result)
    row = {
        k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
        for k, v in data.items()
    }
    return pd.DataFrame([row])


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return printable(value, multiline=False).replace("|", "\\|")


def markdown_table(frame: Any) -> str:
    """A pandas DataFrame as a GitHub Markdown table (named index as the first column)."""
    if frame.index.name is not None or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    header = [_cell(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def render(result: Any, format: str = "table", *, text: Callable[[Any], str] | None = None) -> str:
    """``result`` as text in one of :data:`FORMATS`.

    Parameters
    ----------
    result : Result or any object with ``to_text`` / ``to_dict``
    format : {"table", "json", "csv", "markdown"}
        ``table``: the result's ``to_text`` (or ``text``); ``json``: its
        ``to_json``; ``csv``: its main table (``to_frame``); ``markdown``: its
        ``to_markdown``.
    text : callable, optional
        The table view to use instead of ``result.to_text``.
    """
    if format == "json":
        return dumps(result)
    if format == "csv":
        frame = _frame(result)
        named = frame.index.name is not None
        table = frame.to_csv(index=named)
        if "\r" in table:  # the csv module leaves a lone \r unquoted; quote every text field
            table = frame.to_csv(index=named, quoting=csv.QUOTE_NONNUMERIC)
        return table
    if format == "markdown":
        if hasattr(result, "to_markdown"):
            return result.to_markdown()
        return Result.to_markdown(result)
    if format == "table":
        return text(result) if text is not None else result.to_text()
    raise ProvenanceError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")


class Result:
    """Base of the result dataclasses: ``to_dict``, ``to_json``, ``to_markdown``, ``save``."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data (NaN and infinities as None)."""
        return jsonable(dataclasses.asdict(self))  # type: ignore[call-overload]

    def to_json(self) -> str:
        """Indented JSON (NaN and infinities as null)."""
        return dumps(self.to_dict())

    def _html_notes(self, title: str = "") -> str:
        """The result's notes as an escaped HTML list ("" when there are none)."""
        notes = getattr(self, "notes", None) or []
        if not notes:
            return ""
        items = "".join(f"<li>{html.escape(str(n))}</li>" for n in notes)
        return (f"<p>{html.escape(title)}</p>" if title else "") + f"<ul>{items}</ul>"

    def to_markdown(self) -> str:
        """The main table (``to_frame``) as Markdown, with the verdict and notes if any."""
        lines: list[str] = []
        verdict = getattr(self, "verdict", None)
        if isinstance(verdict, str):
            lines += [f"**Verdict:** {_cell(verdict)}", ""]
            for label, field in (("Why", "explanation"), ("Which", "which")):
                said = getattr(self, field, None)
                if isinstance(said, str) and said:
                    lines += [f"**{label}:** {_cell(said)}", ""]
        lines.append(markdown_table(_frame(self)))
        notes = getattr(self, "notes", None) or []
        if notes:
            lines += [""] + [f"- {_cell(n)}" for n in notes]
        return "\n".join(lines)

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        force: bool = False,
    ) -> Path:
        """Write the result to ``path``; the format follows the suffix (see :func:`format_for_path`).

        Raises
        ------
        ProvenanceError
            ``path`` exists (without ``force``), cannot be written, or its
            suffix contradicts ``format``.
        """
        fmt = format_for_path(path, format)
        target = check_output_path(path, force=force, option="path")
        body = render(self, fmt)
        return atomic_write(target, body if body.endswith("\n") else body + "\n")

"""Prompt sets for :func:`detector.collect.collect`.

:func:`load_prompts` reads the prompts to send: a JSON Lines or JSON file of
records, or a plain text file with one prompt per line. A record's prompt is
its ``prompt`` field (or ``instruction``, ``question`` or ``query``, the names
:mod:`detector.shapes` recognises in corpora); a FastChat MT-Bench
``question.jsonl`` record (``question_id`` and ``turns``) gives its first
turn, with the prompt id ``<question_id>-t1`` that MT-Bench answers read by
:func:`detector.corpus.load_corpus` also get (later turns need the
conversation so far and are not sent).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .corpus import normalize_prompt
from .corpus import prompt_id as text_prompt_id
from .errors import ProvenanceError
from .readers import json_lines, read_utf8

__all__ = ["Prompt", "as_prompts", "load_prompts"]

_PROMPT_KEYS = ("prompt", "instruction", "question", "query")


@dataclass(frozen=True)
class Prompt:
    """One prompt of a collection plan.

    Attributes
    ----------
    prompt_id : str
        Stable id; derived from the text (:func:`detector.corpus.prompt_id`)
        when the source has none.
    prompt : str
        The user message.
    category : str, optional
        A label carried into the records (e.g. ``"coding"``).
    """

    prompt_id: str
    prompt: str
    category: str | None = None


def load_prompts(path: str | os.PathLike[str]) -> list[Prompt]:
    """Read a prompt set.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.jsonl`` / ``.ndjson`` file with a ``prompt`` field per line
        (``prompt_id`` and ``category`` optional; see the module docstring for
        the other names and MT-Bench questions), a ``.json`` list of such
        objects, or any other file as plain text with one prompt per line
        (blank lines skipped).

    Returns
    -------
    list of Prompt
        In file order; exact repeats of a prompt are dropped.

    Raises
    ------
    ProvenanceError
        For a missing or empty file, undecodable bytes, a malformed line, a
        record without prompt text, or one id used for two different prompts.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise ProvenanceError(f"{path}: no such prompts file; check the path")
    if p.is_dir():
        raise ProvenanceError(f"{path}: is a directory; give a .jsonl or text file of prompts")
    text = read_utf8(p)
    suffix = p.suffix.lower()
    if suffix == ".json":
        rows = _json_prompt_rows(p, text)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_prompt_rows(p, text)
    else:
        rows = [
            (f"{path}:{n}", Prompt(text_prompt_id(s.strip()), s.strip()))
            for n, s in enumerate(text.split("\n"), start=1)
            if s.strip()
        ]
    if not rows:
        raise ProvenanceError(
            f"{path}: no prompts; give a .jsonl file with a 'prompt' field per line or a "
            "text file with one prompt per line"
        )
    return _dedupe(rows)


def as_prompts(prompts: str | os.PathLike[str] | Sequence[Prompt | str]) -> list[Prompt]:
    """A prompts file or a sequence of prompts (or their texts) as a list of Prompt."""
    if isinstance(prompts, (str, os.PathLike)):
        return load_prompts(prompts)
    rows = [
        (f"prompt {i}", p if isinstance(p, Prompt) else _prompt_from(p, f"prompt {i}"))
        for i, p in enumerate(prompts, start=1)
    ]
    if not rows:
        raise ProvenanceError("no prompts given; name a prompts file with `prompts`")
    return _dedupe(rows)


def _dedupe(rows: list[tuple[str, Prompt]]) -> list[Prompt]:
    """Drop exact repeats of a prompt; refuse one id for two different prompts.

    ``rows`` pairs each prompt with where it came from (``file:line``).
    """
    seen: dict[str, Prompt] = {}
    for where, prompt in rows:
        old = seen.get(prompt.prompt_id)
        if old is None:
            seen[prompt.prompt_id] = prompt
        elif normalize_prompt(old.prompt) != normalize_prompt(prompt.prompt):
            raise ProvenanceError(
                f"{where}: prompt_id {prompt.prompt_id!r} is used for two different "
                "prompts; give each prompt its own id"
            )
    return list(seen.values())


def _jsonl_prompt_rows(path: Path, text: str) -> list[tuple[str, Prompt]]:
    return [(f"{path}:{n}", _prompt_from(obj, f"{path}:{n}")) for n, obj in json_lines(path, text)]


def _json_prompt_rows(path: Path, text: str) -> list[tuple[str, Prompt]]:
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise ProvenanceError(
            f"{path}:{exc.lineno}: malformed JSON ({exc.msg}); fix the file"
        ) from None
    if not isinstance(data, list):
        raise ProvenanceError(f"{path}: expected a JSON list of prompt objects")
    rows = []
    for i, obj in enumerate(data, start=1):
        where = f"{path}: record {i}"
        rows.append((where, _prompt_from(obj, where)))
    return rows


def _prompt_from(obj: Any, where: str) -> Prompt:
    if isinstance(obj, str):
        obj = {"prompt": obj}
    if not isinstance(obj, dict):
        raise ProvenanceError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    text = next((obj[k] for k in _PROMPT_KEYS if k in obj), None)
    pid = obj.get("prompt_id")
    turns = obj.get("turns")
    if text is None and isinstance(turns, list) and turns and isinstance(turns[0], str):
        text = turns[0]  # an MT-Bench question: its first turn
        if pid is None and obj.get("question_id") is not None:
            pid = f"{obj['question_id']}-t1"
    if not isinstance(text, str) or not text.strip():
        raise ProvenanceError(f"{where}: no 'prompt' text; give each record a non-empty prompt")
    if pid is None or (isinstance(pid, str) and not pid.strip()):
        pid = text_prompt_id(text)
    elif not isinstance(pid, (str, int)) or isinstance(pid, bool):
        raise ProvenanceError(f"{where}: 'prompt_id' must be a string or an integer")
    category = obj.get("category")
    return Prompt(str(pid).strip(), text, None if category is None else str(category))

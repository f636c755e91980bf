"""Prompt sets for :func:`detector.collect.collect`.

:func:`load_prompts` reads the prompts to send: a JSON Lines or JSON file of
records, or a plain text file with one prompt per line. A record's prompt is
its ``prompt`` field (or ``instruction``, ``question`` or ``query``, the names
:mod:`detector.shapes` recognises in corpora, or the first user turn of chat
``messages`` / ShareGPT ``conversations``); a FastChat MT-Bench
``question.jsonl`` record (``question_id`` and ``turns``) gives its first
turn, with the prompt id ``<question_id>-t1`` that MT-Bench answers read by
:func:`detector.corpus.load_corpus` also get (later turns need the
conversation so far and are not sent).

Any other DATA the readers read (:func:`detector.corpus.load_corpus`: a
folder, an AlpacaEval results tree, MT-Bench answers, CSV or Parquet tables,
chat records, compressed files, ``hf:`` names, several paths) gives the
prompts of that corpus with *its* prompt ids (:func:`data_prompts`), so the
answers collected align with a published pool's and can be read beside it as
one corpus.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .corpus import normalize_prompt
from .corpus import prompt_id as text_prompt_id
from .errors import ProvenanceError
from .readers import json_lines, read_utf8

__all__ = ["Prompt", "as_prompts", "data_prompts", "load_prompts"]

_PROMPT_KEYS = ("prompt", "instruction", "question", "query")
#: Fields that name the model that wrote a record (:mod:`detector.shapes`): a corpus.
_MODEL_KEYS = ("model", "generator", "model_id", "model_name", "engine", "model_a")
#: Files never read as a prompts file of records or lines: tables and compressed data.
_DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".gz", ".bz2", ".xz", ".arrow")


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


def load_prompts(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[Prompt]:
    """Read a prompt set: a prompts file, or the prompts of any corpus the readers read.

    Parameters
    ----------
    path : str, os.PathLike or a sequence of them
        A ``.jsonl`` / ``.ndjson`` file with a ``prompt`` field per line
        (``prompt_id`` and ``category`` optional; see the module docstring for
        the other names and MT-Bench questions), a ``.json`` list of such
        objects, a ``.txt`` (or other) file with one prompt per line (blank
        lines skipped); or DATA that :func:`~detector.corpus.load_corpus`
        reads (a folder, several paths, a table, compressed data, ``hf:``
        names, JSON records of another shape), whose prompts and prompt ids
        are taken (:func:`data_prompts`).

    Returns
    -------
    list of Prompt
        In file order; exact repeats of a prompt are dropped.

    Raises
    ------
    ProvenanceError
        For a missing or empty file, undecodable bytes, a malformed line, a
        record without prompt text, or one id used for two different prompts;
        for DATA, what :func:`~detector.corpus.load_corpus` refuses.
    """
    if not isinstance(path, (str, os.PathLike)):
        return data_prompts(list(path))
    if str(path).startswith("hf:"):
        return data_prompts(path)
    p = Path(path).expanduser()
    if not p.exists():
        raise ProvenanceError(f"{path}: no such prompts file; check the path")
    suffix = p.suffix.lower()
    if p.is_dir() or suffix in _DATA_SUFFIXES:
        return data_prompts(p)
    text = read_utf8(p)
    if suffix in (".json", ".jsonl", ".ndjson") and _names_models(p, text, suffix):
        return data_prompts(p)  # a corpus: its own prompt ids (an id column, MT-Bench turns)
    if suffix in (".json", ".jsonl", ".ndjson"):
        try:
            rows = (_json_prompt_rows if suffix == ".json" else _jsonl_prompt_rows)(p, text)
        except ProvenanceError as exc:  # records of a corpus shape (chat records, MT-Bench ...)
            try:
                return data_prompts(p)
            except ProvenanceError:
                raise exc from None
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


def _names_models(path: Path, text: str, suffix: str) -> bool:
    """Whether the first record of a JSON(L) file names a model: a corpus, not a prompt list."""
    try:
        if suffix == ".json":
            data = json.loads(text) if text.strip() else []
            first = data[0] if isinstance(data, list) and data else data
        else:
            first = next((obj for _, obj in json_lines(path, text)), None)
    except (ProvenanceError, json.JSONDecodeError):
        return False
    return isinstance(first, dict) and any(k in first for k in _MODEL_KEYS)


def data_prompts(source: Any) -> list[Prompt]:
    """The prompts of a corpus, with its prompt ids, in the order it lists them.

    Parameters
    ----------
    source : path, sequence of paths or str
        Anything :func:`~detector.corpus.load_corpus` reads, with its default
        column names.

    Returns
    -------
    list of Prompt
        One per prompt id (samples of one prompt count once). Later turns of
        multi-turn records (MT-Bench's ``-t2``) are left out, with a warning:
        they need the conversation so far, and one prompt is sent alone.

    Raises
    ------
    ProvenanceError
        What :func:`~detector.corpus.load_corpus` refuses.
    """
    from .corpus import load_corpus

    df = load_corpus(source).df
    if "turn" in df.columns:
        later = df["turn"].fillna(1).astype(int) > 1
        if later.any():
            n = df.loc[later, "prompt_id"].nunique()
            warnings.warn(
                f"{n} later turns of multi-turn conversations are not sent (they need the "
                "conversation so far); their first turns are",
                stacklevel=2,
            )
            df = df[~later]
    first = df.drop_duplicates("prompt_id")
    category = first["category"] if "category" in first.columns else None
    return [
        Prompt(
            str(pid),
            str(text),
            None if category is None or pd.isna(category.iloc[k]) else str(category.iloc[k]),
        )
        for k, (pid, text) in enumerate(zip(first["prompt_id"], first["prompt"], strict=True))
    ]


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


def _first_user_turn(turns: Any) -> str | None:
    """The first user message of OpenAI (role/content) or ShareGPT (from/value) turns."""
    if not isinstance(turns, list):
        return None
    for turn in turns:
        if not isinstance(turn, dict):
            continue
        role = turn.get("role", turn.get("from"))
        if role in ("user", "human"):
            content = turn.get("content", turn.get("value"))
            return content if isinstance(content, str) else None
    return None


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
    if text is None:  # chat records: the first user turn (as the corpus readers take it)
        text = _first_user_turn(obj.get("messages") or obj.get("conversations"))
    if not isinstance(text, str) or not text.strip():
        raise ProvenanceError(f"{where}: no 'prompt' text; give each record a non-empty prompt")
    if pid is None or (isinstance(pid, str) and not pid.strip()):
        pid = text_prompt_id(text)
    elif not isinstance(pid, (str, int)) or isinstance(pid, bool):
        raise ProvenanceError(f"{where}: 'prompt_id' must be a string or an integer")
    category = obj.get("category")
    return Prompt(str(pid).strip(), text, None if category is None else str(category))

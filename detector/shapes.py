"""Record shapes: map each raw table onto the corpus columns.

A raw table (:class:`detector.readers.Table`) becomes a frame with the
columns ``model``, ``prompt`` and ``output``, and where the source has them
``prompt_id``, ``sample``, ``reasoning`` and ``system``, plus every other
column as metadata. Shapes recognised without flags:

- **flat tables** whose columns have common names: the model in ``model``,
  ``generator``, ``model_id``, ``model_name`` or ``engine``; the prompt in
  ``prompt``, ``instruction``, ``question``, ``query`` or ``user_prompt``;
  the output in ``output``, ``response``, ``completion``, ``answer``,
  ``generation``, ``generated_text``, ``model_output`` or ``prediction``; the
  prompt id in ``prompt_id`` or ``question_id`` (any case). The canonical
  name wins when present; two other candidates for one role is an error
  naming both and the parameter that chooses.
- **OpenAI chat records**: a ``messages`` (or ``conversation(s)``) list of
  ``{"role", "content"}`` (or ShareGPT ``{"from", "value"}``) turns: the
  first user turn is the prompt, the last assistant turn the output, the
  system prompt goes to ``system`` and an assistant turn's
  ``reasoning_content`` / ``reasoning`` to ``reasoning``.
- **Arena battles** (lmsys ``chatbot_arena_conversations``): ``model_a``,
  ``model_b``, ``conversation_a``, ``conversation_b`` per row, unpacked into
  one record per side (``side`` is ``a`` or ``b``; ``winner`` is kept).
- **FastChat MT-Bench answers** (``question_id``, ``model_id``,
  ``choices: [{"index", "turns": [...]}]``): one record per turn with the
  prompt id ``<question_id>-t<turn>`` and the turn's question text from
  ``question.jsonl`` (found beside the answers file, beside its
  ``model_answer`` folder, or given as ``questions``); choice ``k`` is
  sample ``k``. A file of a ``model_answer`` folder names its model, as in
  FastChat (the ``model_id`` inside is kept, and a difference is noted).
- **Per-model result files** of the slop-score kind
  (``{model: {..., "samples": [{"prompt", "output", ...}]}}``), unpacked into
  one row per sample when the JSON document is read
  (:func:`detector.readers.json_object_frame`).

Any other list- or dict-valued column used as text, and outputs that are not
strings, are refused with one line naming the column and what it holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from .errors import ProvenanceError
from .readers import json_lines, read_utf8

__all__ = [
    "CANDIDATES",
    "Columns",
    "canonical_frame",
    "mtbench_rename_note",
]

CANDIDATES: dict[str, tuple[str, ...]] = {
    "model": ("model", "generator", "model_id", "model_name", "engine"),
    "prompt": ("prompt", "instruction", "question", "query", "user_prompt"),
    "output": (
        "output",
        "response",
        "completion",
        "answer",
        "generation",
        "generated_text",
        "model_output",
        "prediction",
    ),
    "prompt_id": ("prompt_id", "question_id"),
}
"""Column names recognised for each role (compared case-insensitively), canonical first."""

_PARAM = {
    "model": "model_col",
    "prompt": "prompt_col",
    "output": "output_col",
    "prompt_id": "id_col",
}
_WHAT = {
    "model": "model names",
    "prompt": "prompts",
    "output": "outputs",
    "prompt_id": "prompt ids",
}
_CHAT_COLUMNS = ("messages", "conversation", "conversations")
_ROLES = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "model": "assistant",
    "bot": "assistant",
    "chatbot": "assistant",
}
_ARENA = ("model_a", "model_b", "conversation_a", "conversation_b")


@dataclass
class Columns:
    """Column names chosen by the user; ``None`` means recognise them.

    ``prompt_id=""`` means: no id column, derive ids from the prompt text.
    A name equal to the canonical one (``model``, ``prompt``, ``output``,
    ``prompt_id``) is treated as ``None``, so that recognition still works
    when a caller passes the defaults explicitly.
    """

    model: str | None = None
    prompt: str | None = None
    output: str | None = None
    prompt_id: str | None = None
    questions: Path | None = None
    notes: list[str] = field(default_factory=list)
    """What reading did that a reader should know (filled while reading; one line each)."""
    _question_cache: dict[Path, dict[str, tuple[list[str], Any]]] = field(default_factory=dict)
    _renamed: list[tuple[str, str, str]] = field(default_factory=list)

    def given(self, role: str) -> str | None:
        value = getattr(self, role)
        return None if value is None or value == role else value


# ----------------------------------------------------------------- entry points
def canonical_frame(table: Any, cols: Columns) -> pd.DataFrame:
    """Map one raw table onto the corpus columns.

    Parameters
    ----------
    table : detector.readers.Table
    cols : Columns

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``prompt``, ``output`` (text or null), optionally
        ``prompt_id``, ``sample``, ``reasoning``, ``system``, and metadata.

    Raises
    ------
    ProvenanceError
        A missing or ambiguous column, a nested or non-text value in a text
        column, MT-Bench answers without their questions.
    """
    frame, where = table.frame, table.where
    if table.model is not None:
        frame = frame.assign(model=table.model)
    if frame.empty:
        raise ProvenanceError(f"{where}: no records; give a table with model outputs")
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    if all(c in columns for c in _ARENA):
        return _arena_frame(frame, where)
    if "choices" in columns and _holds(frame["choices"], _is_choice_list):
        return _mtbench_frame(frame, where, table.path, cols, table.file_model)
    output = _resolve(columns, "output", cols, where, required=False)
    chat = next((c for c in _CHAT_COLUMNS if c in columns and _holds(frame[c], _is_turns)), None)
    if chat is not None and output is None:
        return _chat_frame(frame, chat, where, cols)
    if output is None:
        output = _resolve(columns, "output", cols, where, required=True)  # raises: it is missing
    return _flat_frame(frame, where, cols, output)


# ----------------------------------------------------------------- columns
@overload
def _resolve(
    columns: list[str], role: str, cols: Columns, where: str, *, required: Literal[True]
) -> str: ...
@overload
def _resolve(
    columns: list[str], role: str, cols: Columns, where: str, *, required: bool
) -> str | None: ...
def _resolve(
    columns: list[str], role: str, cols: Columns, where: str, *, required: bool
) -> str | None:
    """The column holding ``role`` (``None`` when absent and not required)."""
    param = _PARAM[role]
    given = cols.given(role)
    if role == "prompt_id" and given == "":
        return None
    if given is not None:
        if given not in columns:
            raise ProvenanceError(
                f"{where}: missing column {given!r} (`{param}`); columns present: "
                f"{', '.join(columns)}"
            )
        return given
    lower = {c: c.lower() for c in columns}
    exact = [c for c in columns if lower[c] == role]
    if len(exact) == 1:
        return exact[0]
    found = [c for name in CANDIDATES[role] for c in columns if lower[c] == name]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ProvenanceError(
            f"{where}: columns {found[0]!r} and {found[1]!r} could both hold the "
            f"{_WHAT[role]}; choose one with `{param}`"
        )
    if required:
        raise ProvenanceError(
            f"{where}: missing column for the {_WHAT[role]} (looked for "
            f"{', '.join(map(repr, CANDIDATES[role]))}); columns present: "
            f"{', '.join(columns)}; name it with `{param}`"
        )
    return None


def _kind(value: Any) -> str | None:
    """What a non-text value is, for messages; ``None`` for text and nulls."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, dict):
        return "objects (dicts)"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "lists"
    if isinstance(value, (bool, np.bool_)):
        return "booleans"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "numbers"
    return type(value).__name__ + " values"


def _short(value: Any, n: int = 70) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= n else text[: n - 3] + "..."


def _text_column(series: pd.Series, column: str, role: str, where: str) -> pd.Series:
    """``series`` as text (nulls kept); refuses nested values and, for outputs, non-strings."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series):
        kind = "booleans" if pd.api.types.is_bool_dtype(series) else "numbers"
        bad = series.notna()
        if role == "output" and bad.any():
            raise ProvenanceError(
                f"{where}: column {column!r} holds {kind}, not text (e.g. "
                f"{_short(series[bad].iloc[0])}); outputs must be text: name the column of "
                f"output text with `output_col`"
            )
        return (
            series.astype(object)
            .where(series.notna(), None)
            .map(lambda v: None if v is None else str(v))
        )
    kinds = series.map(_kind)
    bad = kinds.notna()
    if bad.any():
        first = kinds[bad].iloc[0]
        nested = first in ("lists", "objects (dicts)")
        if nested or role == "output":
            what = f"the {_WHAT[role]}" if role != "output" else "output text"
            raise ProvenanceError(
                f"{where}: column {column!r} holds {first}, not text (e.g. "
                f"{_short(series[bad].iloc[0])}); name the column of {what} with "
                f"`{_PARAM[role]}`"
            )
        series = series.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return series


_RESERVED = ("model", "prompt", "output", "prompt_id", "sample", "reasoning", "system")


def _meta(frame: pd.DataFrame, consumed: set[Any]) -> pd.DataFrame:
    """The metadata columns: every source column not consumed for a role.

    An unconsumed column with a corpus column's name (``model`` when the
    models come from ``generator``, ``prompt_id`` when ids derive from the
    text) is kept as ``source_<name>``.
    """
    meta = frame[[c for c in frame.columns if c not in consumed]]
    return meta.rename(columns={c: f"source_{c}" for c in meta.columns if c in _RESERVED})


def _flat_frame(frame: pd.DataFrame, where: str, cols: Columns, output: str) -> pd.DataFrame:
    columns = list(frame.columns)
    model = _resolve(columns, "model", cols, where, required=True)
    pid = _resolve(columns, "prompt_id", cols, where, required=False)
    prompt = _resolve(columns, "prompt", cols, where, required=pid is None)
    chat = next((c for c in _CHAT_COLUMNS if c in columns and c not in (model, output)), None)
    out = pd.DataFrame(index=frame.index)
    out["model"] = _text_column(frame[model], model, "model", where)
    if prompt is not None:
        out["prompt"] = _text_column(frame[prompt], prompt, "prompt", where)
    elif chat is not None and _holds(frame[chat], _is_turns):  # prompt from the chat turns
        parts = frame[chat].map(lambda v: _chat_parts(v, where, chat))
        out["prompt"] = parts.map(lambda p: p["prompt"])
        out["system"] = parts.map(lambda p: p["system"])
    else:
        out["prompt"] = None
    out["output"] = _text_column(frame[output], output, "output", where)
    if pid is not None:
        ids = frame[pid]
        if ids.map(lambda v: isinstance(v, (list, dict, np.ndarray))).any():
            raise ProvenanceError(f"{where}: column {pid!r} holds lists or objects, not ids")
        out["prompt_id"] = ids
    used = {model, prompt, output, pid} | ({chat} if "system" in out.columns else set())
    for name in ("sample", "reasoning", "reasoning_content", "system"):
        target = "reasoning" if name == "reasoning_content" else name
        if name in frame.columns and name not in used and target not in out.columns:
            out[target] = frame[name]
            used.add(name)
    if "reasoning" in out.columns:
        out["reasoning"] = _text_column(out["reasoning"], "reasoning", "reasoning", where)
    return pd.concat([out, _meta(frame, used)], axis=1)


# ----------------------------------------------------------------- chat records
def _holds(series: pd.Series, test: Callable[[Any], bool]) -> bool:
    """Whether the first non-null value of ``series`` passes ``test``."""
    values = series.dropna()
    return bool(len(values)) and test(_parse_json_text(values.iloc[0]))


def _parse_json_text(value: Any) -> Any:
    """A list stored as JSON text (CSV exports) parsed; anything else unchanged."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value.tolist() if isinstance(value, np.ndarray) else value


def _is_turns(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(t, dict) for t in value)
        and any(("role" in t or "from" in t) for t in value)
    )


def _is_choice_list(value: Any) -> bool:
    value = _parse_json_text(value)
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
        and "turns" in value[0]
    )


def _turn_text(value: Any) -> str | None:
    """A message's content: a string, or the text parts of a list."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text") or "")
            for p in value
            if isinstance(p, (str, dict))
        )
    return None


def _chat_parts(turns: Any, where: str, column: str) -> dict[str, Any]:
    """System prompt, first user turn, last assistant turn (and its reasoning) of a chat."""
    turns = _parse_json_text(turns)
    if turns is None or (isinstance(turns, float) and np.isnan(turns)):
        turns = []
    if not isinstance(turns, list):
        raise ProvenanceError(
            f"{where}: column {column!r} holds {_kind(turns) or 'text'}, not a list of chat "
            f"turns (e.g. {_short(turns)})"
        )
    system = prompt = output = reasoning = None
    for turn in turns:
        if not isinstance(turn, dict):
            continue
        role = _ROLES.get(str(turn.get("role", turn.get("from", ""))).lower())
        text = _turn_text(turn.get("content", turn.get("value")))
        if role == "system" and system is None:
            system = text
        elif role == "user" and prompt is None:
            prompt = text
        elif role == "assistant" and prompt is not None:
            output = text
            reasoning = _turn_text(turn.get("reasoning_content") or turn.get("reasoning"))
    return {
        "system": system,
        "prompt": prompt,
        "output": output,
        "reasoning": reasoning or "",
        "turns": len(turns),
    }


def _chat_frame(frame: pd.DataFrame, chat: str, where: str, cols: Columns) -> pd.DataFrame:
    columns = list(frame.columns)
    model = _resolve(columns, "model", cols, where, required=True)
    pid = _resolve(columns, "prompt_id", cols, where, required=False)
    parts = pd.DataFrame([_chat_parts(v, where, chat) for v in frame[chat]], index=frame.index)
    out = pd.DataFrame(
        {
            "model": _text_column(frame[model], model, "model", where),
            "prompt": parts["prompt"],
            "output": parts["output"],
            "reasoning": parts["reasoning"],
            "system": parts["system"],
            "turns": parts["turns"],
        },
        index=frame.index,
    )
    if pid is not None:
        out["prompt_id"] = frame[pid]
    return pd.concat([out, _meta(frame, {model, chat, pid})], axis=1)


def _arena_frame(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """One record per side of each battle."""
    scalar = [
        c
        for c in frame.columns
        if c not in _ARENA and not _holds(frame[c], lambda v: isinstance(v, (list, dict)))
    ]
    sides = []
    for side in ("a", "b"):
        parts = pd.DataFrame(
            [_chat_parts(v, where, f"conversation_{side}") for v in frame[f"conversation_{side}"]],
            index=frame.index,
        )
        part = pd.DataFrame(
            {
                "model": _text_column(frame[f"model_{side}"], f"model_{side}", "model", where),
                "prompt": parts["prompt"],
                "output": parts["output"],
                "reasoning": parts["reasoning"],
                "system": parts["system"],
                "side": side,
            },
            index=frame.index,
        )
        meta = frame[scalar].rename(columns={"question_id": "battle_id"})
        sides.append(pd.concat([part, meta], axis=1))
    return pd.concat(sides, ignore_index=True)


# ----------------------------------------------------------------- MT-Bench
def _questions_path(path: Path | None, cols: Columns, where: str) -> Path:
    if cols.questions is not None:
        given = Path(cols.questions).expanduser()
        if not given.is_file():
            raise ProvenanceError(f"{given}: no such questions file (`questions`); check the path")
        return given
    if path is not None:
        for folder in (path.parent, path.parent.parent):
            if (folder / "question.jsonl").is_file():
                return folder / "question.jsonl"
    raise ProvenanceError(
        f"{where}: MT-Bench answers (choices with turns) need their questions: put "
        "question.jsonl beside the model_answer folder or pass it as `questions`"
    )


def _load_questions(path: Path, cols: Columns) -> dict[str, tuple[list[str], Any]]:
    if path not in cols._question_cache:
        table: dict[str, tuple[list[str], Any]] = {}
        for number, obj in json_lines(path, read_utf8(path)):
            turns = obj.get("turns") if isinstance(obj, dict) else None
            if not isinstance(turns, list) or "question_id" not in obj:
                raise ProvenanceError(
                    f"{path}:{number}: not an MT-Bench question (needs 'question_id' and 'turns')"
                )
            table[str(obj["question_id"])] = ([str(t) for t in turns], obj.get("category"))
        cols._question_cache[path] = table
    return cols._question_cache[path]


def _mtbench_model(
    frame: pd.DataFrame, model: str, where: str, cols: Columns, file_model: str | None
) -> pd.Series:
    """The model name of each answer record: FastChat's answer file name, where there is one.

    FastChat names a model by its ``model_answer/<name>.jsonl`` file, not by
    the ``model_id`` inside, and every published MT-Bench table uses the file
    names. A file whose records name one other ``model_id`` is named by the
    file and recorded in ``cols`` (said once, see :func:`mtbench_rename_note`);
    a file holding several models' answers keeps each record's own name.
    """
    names = _text_column(frame[model], model, "model", where)
    if file_model is None or cols.given("model") is not None:
        return names
    inside = sorted({str(n).strip() for n in names.dropna()})
    if len(inside) > 1:
        cols.notes.append(
            f"{where}: an MT-Bench answer file holding {len(inside)} models "
            f"({', '.join(inside[:3])}{', ...' if len(inside) > 3 else ''}): each record is "
            "named by its own model_id, not by the file"
        )
        return names
    if inside and inside[0] != file_model:
        cols._renamed.append((where, file_model, inside[0]))
    return pd.Series(file_model, index=frame.index, dtype=object)


def mtbench_rename_note(cols: Columns) -> str | None:
    """One line naming the MT-Bench models named by their file, not their ``model_id``."""
    if not cols._renamed:
        return None
    shown = ", ".join(f"{name!r} (model_id {inside!r})" for _, name, inside in cols._renamed[:5])
    more = f" and {len(cols._renamed) - 5} more" if len(cols._renamed) > 5 else ""
    return (
        f"{len(cols._renamed)} MT-Bench answer file(s) name another model inside than their "
        f"file name; named by the file, as FastChat and the published MT-Bench tables do: "
        f"{shown}{more}; the records' own names are kept in their column"
    )


def _mtbench_frame(
    frame: pd.DataFrame, where: str, path: Path | None, cols: Columns, file_model: str | None
) -> pd.DataFrame:
    """One record per (answer, choice, turn), joined with the question text."""
    columns = list(frame.columns)
    model = _resolve(columns, "model", cols, where, required=True)
    names = _mtbench_model(frame, model, where, cols, file_model)
    own = frame[model].tolist()
    qpath = _questions_path(path, cols, where)
    questions = _load_questions(qpath, cols)
    rows = []
    for number, (rec, name, inside) in enumerate(
        zip(frame.to_dict("records"), names, own, strict=True), start=1
    ):
        qid = str(rec.get("question_id"))
        if qid not in questions:
            raise ProvenanceError(
                f"{where}: record {number}: question_id {qid} is not in {qpath}; give the "
                "question file of these answers as `questions`"
            )
        texts, category = questions[qid]
        for k, choice in enumerate(_parse_json_text(rec["choices"]) or []):
            turns = choice.get("turns") if isinstance(choice, dict) else None
            if not isinstance(turns, list):
                raise ProvenanceError(f"{where}: record {number}: a choice without 'turns'")
            sample = choice.get("index", k)
            for t, answer in enumerate(turns):
                if t >= len(texts):
                    break
                if answer is not None and not isinstance(answer, str):
                    raise ProvenanceError(
                        f"{where}: record {number}: turn {t + 1} holds {_kind(answer)}, not text"
                    )
                rows.append(
                    {
                        "model": name,
                        (model if model != "model" else "source_model"): inside,
                        "prompt_id": f"{qid}-t{t + 1}",
                        "prompt": texts[t],
                        "output": answer,
                        "sample": int(sample) if isinstance(sample, (int, np.integer)) else k,
                        "question_id": qid,
                        "turn": t + 1,
                        "category": category,
                    }
                )
    out = pd.DataFrame(rows)
    out["model"] = _text_column(out["model"], model, "model", where)
    return out

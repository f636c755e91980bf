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
  (``{model: {..., "samples": [{"prompt", "output", ...}]}}``).

Any other list- or dict-valued column used as text, and outputs that are not
strings, are refused with one line naming the column and what it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

from .chats import (
    CONTEXT,
    CONTEXT_SEP,
)
from .chats import chat_exchanges as _chat_exchanges
from .chats import chat_request as _chat_request
from .chats import parse_json_text as _parse_json_text
from .chats import short_repr as _short
from .chats import turns_list as _turns_list
from .chats import value_kind as _kind
from .errors import ProvenanceError
from .textfiles import clean_records, json_lines, read_utf8

__all__ = [
    "CANDIDATES",
    "CONTEXT",
    "CONTEXT_SEP",
    "Columns",
    "chat_note",
    "canonical_frame",
    "json_object_frame",
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
    _chats: list[int] = field(default_factory=lambda: [0, 0])  # chats, with several exchanges

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
        return _arena_frame(frame, where, cols)
    if "choices" in columns and _holds(frame["choices"], _is_choice_list):
        _refuse_flags(
            cols, ("prompt", "output"), "MT-Bench answers", "question.jsonl and 'choices'"
        )
        return _mtbench_frame(frame, where, table.path, cols, table.file_model)
    from .dumps import dump_frame, dump_kind

    kind = dump_kind(frame)
    if kind is not None:
        _refuse_flags(
            cols,
            ("model", "prompt", "output"),
            "this file (an API or evaluation dump)",
            "where the dump keeps them",
        )
        return dump_frame(kind, frame, where, cols.notes, table.file_model)
    output = _resolve(columns, "output", cols, where, required=False)
    chat = next((c for c in _CHAT_COLUMNS if c in columns and _holds(frame[c], _is_turns)), None)
    if chat is not None and output is None:
        return _chat_frame(frame, chat, where, cols)
    if output is None:
        output = _resolve(columns, "output", cols, where, required=True)  # raises: it is missing
    return _flat_frame(frame, where, cols, output)


def json_object_frame(data: Any, where: str) -> pd.DataFrame:
    """A raw table from a parsed JSON document.

    Accepts a list of records, a ``{"key": [records]}`` wrapper, records
    keyed by model (``{model: [records]}``, see :func:`_is_model_keyed`),
    per-model result objects (``{model: {..., "samples": [...]}}``) and
    column-oriented objects (``{"model": [...], "output": [...]}``).

    Raises
    ------
    ProvenanceError
        Not a table of records, no records, or a result this tool wrote.
    """
    if isinstance(data, dict) and data and all(_is_result(v) for v in data.values()):
        return _results_frame(data, where)
    if isinstance(data, dict) and _is_results_document(data):
        raise ProvenanceError(
            f"{where}: a result written by provenance ({', '.join(list(data)[:3])}, ...), not "
            "model outputs; move it out of the folder of model outputs"
        )
    if isinstance(data, dict) and _is_model_keyed(data):
        return _model_keyed_frame(data, where)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(data) == 1 and lists and all(isinstance(r, dict) for r in lists[0]):
            data = lists[0]
        else:
            try:
                return pd.DataFrame(data)
            except ValueError:
                raise ProvenanceError(
                    f"{where}: JSON object is not a table; give a list of records"
                ) from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ProvenanceError(f"{where}: expected a JSON list of records (objects)")
    if not data:
        raise ProvenanceError(f"{where}: file has no records; give a file with model outputs")
    return pd.DataFrame(clean_records(data))


_WRAPPER_KEYS = frozenset(
    ("data", "records", "rows", "items", "results", "examples", "outputs", "samples",
     "generations", "completions", "responses", "train", "test", "validation", "dev")
)  # fmt: skip
_RESULT_KEYS = frozenset(("suspect", "candidates", "verdict", "roles"))


def _is_results_document(data: dict[str, Any]) -> bool:
    """A ``score`` result (JSON) of this tool, which a folder of outputs may come to hold."""
    return set(data) >= _RESULT_KEYS


def _is_model_keyed(data: dict[str, Any]) -> bool:
    """``{model: [records]}``: every value a list of records, none naming its model.

    A single key that is a common wrapper name (``data``, ``records``,
    ``results``, ...) is a wrapper, not a model; records that carry a model
    column are a wrapper too (the key is then ignored, as before).
    """
    if not data or not all(
        isinstance(v, list) and v and all(isinstance(r, dict) for r in v) for v in data.values()
    ):
        return False
    if len(data) == 1 and str(next(iter(data))).lower() in _WRAPPER_KEYS:
        return False
    names = {n for n in CANDIDATES["model"]}
    return not any(str(k).lower() in names for v in data.values() for k in v[0])


def _model_keyed_frame(data: dict[str, Any], where: str) -> pd.DataFrame:
    """One row per record of ``{model: [records]}``, the key as the model name."""
    rows = [
        {**record, "model": str(name)}
        for name, records in data.items()
        for record in records
        if isinstance(record, dict)
    ]
    return pd.DataFrame(clean_records(rows))


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
    elif chat is not None and _holds(frame[chat], _is_turns):  # the request's chat turns
        parts = frame[chat].map(lambda v: _chat_request(v, where, chat))
        out["prompt"] = parts.map(lambda p: p["prompt"])
        out["system"] = parts.map(lambda p: p["system"])
        out[CONTEXT] = parts.map(lambda p: p["context"])
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


def _exchange_rows(
    frame: pd.DataFrame, chat: str, where: str, cols: Columns, pid: str | None, *, count: bool
) -> tuple[pd.DataFrame, pd.Index]:
    """One row per exchange of each chat of ``frame[chat]``, and the source row of each.

    Columns ``prompt``, ``output``, ``reasoning``, ``system``, ``exchange``
    (1-based), :data:`CONTEXT` and, with an id column ``pid``, ``prompt_id``
    (``<id>`` for the first exchange, ``<id>-t<k>`` for exchange ``k``, as
    MT-Bench turns). With ``count``, counts the chats with several
    exchanges in ``cols``.
    """
    rows: list[dict[str, Any]] = []
    source: list[Any] = []
    ids = frame[pid] if pid is not None else None
    for index, value in frame[chat].items():
        system, exchanges = _chat_exchanges(value, where, chat)
        if count:
            cols._chats[0] += 1
            cols._chats[1] += len(exchanges) > 1
        for k, ex in enumerate(exchanges, start=1):
            row = {
                "prompt": ex["prompt"],
                "output": ex["output"],
                "reasoning": ex["reasoning"],
                "system": system,
                "exchange": k,
                CONTEXT: ex["context"],
            }
            if ids is not None:
                base = ids.loc[index]
                row["prompt_id"] = base if k == 1 or _missing(base) else f"{base}-t{k}"
            rows.append(row)
            source.append(index)
    return pd.DataFrame(rows), pd.Index(source)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def chat_note(cols: Columns) -> str | None:
    """One line saying how many chats had several exchanges (None when none had)."""
    total, several = cols._chats
    if not several:
        return None
    return (
        f"{several} of {total} conversation(s) have several exchanges: each exchange is its "
        "own record (column `exchange`), its answer paired with the user turn it answers "
        "(a prompt id of its own, as MT-Bench turns)"
    )


def _chat_frame(frame: pd.DataFrame, chat: str, where: str, cols: Columns) -> pd.DataFrame:
    columns = list(frame.columns)
    _refuse_flags(cols, ("prompt", "output"), "chat records", f"the turns of {chat!r}")
    model = _resolve(columns, "model", cols, where, required=True)
    pid = _resolve(columns, "prompt_id", cols, where, required=False)
    rows, source = _exchange_rows(frame, chat, where, cols, pid, count=True)
    rows.index = source
    out = rows.assign(model=_text_column(frame[model], model, "model", where).loc[source])
    meta = _meta(frame, {model, chat, pid}).loc[source]
    meta = meta.rename(columns={c: f"source_{c}" for c in meta.columns if c in out.columns})
    out = pd.concat([out, meta], axis=1)
    out["turns"] = frame[chat].map(lambda v: len(_turns_list(v, where, chat))).loc[source]
    return out.reset_index(drop=True)


def _refuse_flags(cols: Columns, roles: tuple[str, ...], shape: str, source: str) -> None:
    """A column option the shape cannot use is an error naming it, not silently ignored."""
    given = [r for r in roles if cols.given(r) not in (None, "")]
    if given:
        params = " and ".join(f"`{_PARAM[r]}`" for r in given)
        raise ProvenanceError(
            f"{params} cannot apply to {shape}: the {' and '.join(_WHAT[r] for r in given)} "
            f"come from {source}; drop {'them' if len(given) > 1 else 'it'}"
        )


def _arena_frame(frame: pd.DataFrame, where: str, cols: Columns) -> pd.DataFrame:
    """One record per side and exchange of each battle."""
    _refuse_flags(
        cols,
        ("model", "prompt", "output"),
        "arena battles",
        "model_a/model_b and conversation_a/conversation_b (both sides of every battle; "
        "choose models afterwards with `models` or `candidates`)",
    )
    scalar = [
        c
        for c in frame.columns
        if c not in _ARENA and not _holds(frame[c], lambda v: isinstance(v, (list, dict)))
    ]
    sides = []
    for side in ("a", "b"):
        # a battle is one conversation put to two models: counted once
        rows, source = _exchange_rows(
            frame, f"conversation_{side}", where, cols, None, count=side == "a"
        )
        rows.index = source
        models = _text_column(frame[f"model_{side}"], f"model_{side}", "model", where)
        part = rows.assign(model=models.loc[source], side=side)
        meta = frame[scalar].rename(columns={"question_id": "battle_id"}).loc[source]
        meta = meta.rename(columns={c: f"source_{c}" for c in meta.columns if c in part.columns})
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


# ----------------------------------------------------------------- result files
def _is_result(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("samples"), list)
        and all(isinstance(s, dict) for s in value["samples"])
    )


def _results_frame(data: dict[str, Any], where: str) -> pd.DataFrame:
    """Per-model result objects (slop-score, EQ-Bench style): one row per sample."""
    rows = []
    for name, result in data.items():
        for sample in result["samples"]:
            scalars = {
                k: v for k, v in sample.items() if not isinstance(v, (list, dict)) and k != "model"
            }
            rows.append({"model": str(name), **scalars})
    if not rows:
        raise ProvenanceError(f"{where}: the result file has no samples")
    return pd.DataFrame(clean_records(rows))

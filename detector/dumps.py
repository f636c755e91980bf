"""Raw dumps of evaluation tools and model APIs, read as records of model outputs.

A sibling of :mod:`detector.shapes` (which calls :func:`dump_kind` and
:func:`dump_frame`): the files people keep when they ran a model through an
API or a harness, each mapped onto the corpus columns (``model``,
``prompt``, ``output``, optionally ``prompt_id``, ``sample``, ``reasoning``,
``system``) with the model and the prompt taken from where the file keeps
them:

- **completion objects** (``/v1/completions`` and ``/v1/chat/completions``
  responses as saved, vLLM's too): ``model``, ``choices[k].text`` or
  ``choices[k].message.content`` (choice ``k`` is sample ``k``), the prompt
  from a ``prompt`` column or the request's ``messages``. A model name that
  is a path (vLLM serves ``/models/atlas`` under its path) is named by its
  last part, and a note says so.
- **OpenAI Batch API output** (``custom_id``, ``response.body`` = a
  completion object): the prompts are not in it but in the batch *input*
  file (``custom_id``, ``body.messages``); read both (a folder, or two
  paths) and each answer is joined with its prompt by ``custom_id``
  (:func:`join_requests`). Alone, answers are aligned by ``custom_id`` with
  the model name removed from it (``atlas__q1`` -> ``q1``), and a note says
  that the prompts were not seen.
- **Anthropic Message Batches results** (``custom_id``,
  ``result.message.content[].text``; the requests file, ``custom_id`` and
  ``params.messages``, is joined the same way).
- **lm-evaluation-harness** ``--log_samples`` files
  (``<model>/samples_<task>_<time>.jsonl``: ``doc_id``, ``doc``,
  ``arguments``, ``resps``, ``filtered_resps``): the model from the folder
  (its ``results_*.json`` names it, see :func:`detector.readers.lm_eval_model`),
  the prompt id ``<task>/<doc_id>``, the prompt text from the document's
  question field or else the rendered prompt, the output from
  ``filtered_resps``.

Requests that failed (a batch error, an ``errored`` or ``expired`` Anthropic
result) have no answer: they are left out and counted in a note.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from .chats import CONTEXT
from .chats import chat_request as _chat_request
from .errors import ProvenanceError

__all__ = ["REQUEST", "dump_frame", "dump_kind", "join_requests"]

REQUEST = "_request"
"""Column marking the rows of a batch *input* file (a prompt, no answer yet)."""

_LM_EVAL_FILE = re.compile(r"^samples_(?P<task>.+?)_\d{4}-\d{2}-\d{2}T[\d\-.:]+\.jsonl", re.I)
_DOC_TEXT = ("question", "prompt", "instruction", "input", "query", "problem", "text")


# ----------------------------------------------------------------- recognising
def _first(frame: pd.DataFrame, column: str) -> Any:
    """The first non-null value of ``column`` (None when absent or all null)."""
    if column not in frame.columns:
        return None
    values = frame[column].dropna()
    return values.iloc[0] if len(values) else None


def _is_choices(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
        and ("text" in value[0] or "message" in value[0])
    )


def dump_kind(frame: pd.DataFrame) -> str | None:
    """Which dump ``frame`` is: ``"completions"``, ``"openai_batch"``,
    ``"anthropic_batch"``, ``"batch_requests"``, ``"lm_eval"``, or None."""
    columns = set(frame.columns)
    if "custom_id" in columns:
        response, result = _first(frame, "response"), _first(frame, "result")
        body, params = _first(frame, "body"), _first(frame, "params")
        if isinstance(response, dict) and "body" in response:
            return "openai_batch"
        if "response" in columns and "error" in columns and response is None:
            return "openai_batch"  # every request failed
        if isinstance(result, dict) and "type" in result:
            return "anthropic_batch"
        for request in (body, params):
            if isinstance(request, dict) and ("messages" in request or "prompt" in request):
                return "batch_requests"
    if "doc_id" in columns and ({"resps", "filtered_resps"} & columns):
        return "lm_eval"
    if "choices" in columns and _is_choices(_first(frame, "choices")):
        return "completions"
    return None


# ----------------------------------------------------------------- text of one answer
def _content_text(value: Any) -> str | None:
    """A message's content: a string, or the text parts of a list of blocks."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        parts = [
            p if isinstance(p, str) else str(p.get("text") or "")
            for p in value
            if isinstance(p, str) or (isinstance(p, dict) and p.get("type", "text") == "text")
        ]
        return "".join(parts)
    return None


def _choice_answer(choice: Any) -> tuple[str | None, str]:
    """(answer, reasoning) of one completion choice."""
    if not isinstance(choice, dict):
        return None, ""
    if "message" in choice:
        message = choice.get("message") or {}
        if not isinstance(message, dict):
            return None, ""
        reasoning = message.get("reasoning_content") or message.get("reasoning") or ""
        return _content_text(message.get("content")), reasoning if isinstance(
            reasoning, str
        ) else ""
    text = choice.get("text")
    return (text if isinstance(text, str) else None), ""


def _model_name(value: Any, renamed: dict[str, str]) -> str | None:
    """A model name; a filesystem path (``/models/atlas``) by its last part."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    name = str(value).strip()
    if name.startswith(("/", "./", "../", "~/")) and PurePosixPath(name).name:
        short = PurePosixPath(name.rstrip("/")).name
        renamed[name] = short
        return short
    return name


def _paths_note(renamed: dict[str, str]) -> list[str]:
    if not renamed:
        return []
    shown = ", ".join(f"{k} -> {v}" for k, v in list(renamed.items())[:3])
    return [
        f"model names that are paths (as vLLM serves a model) are named by their last part: "
        f"{shown}{' ...' if len(renamed) > 3 else ''}"
    ]


def _request_prompt(request: Any) -> dict[str, Any]:
    """Prompt, system prompt and context of a request body (chat ``messages`` or ``prompt``)."""
    if not isinstance(request, dict):
        return {"prompt": None, "system": None, "context": ""}
    if isinstance(request.get("messages"), list):
        parts = _chat_request(request["messages"], "", "messages")
        if request.get("system") and not parts["system"]:  # Anthropic keeps it apart
            parts["system"] = _content_text(request["system"])
        return parts
    prompt = request.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1:
        prompt = prompt[0]
    return {"prompt": prompt if isinstance(prompt, str) else None, "system": None, "context": ""}


def _strip_model(custom_id: str, model: str) -> str:
    """``custom_id`` without the model name at its start or end (``atlas__q1`` -> ``q1``)."""
    for pattern in (
        rf"\A{re.escape(model)}[\s_\-:/|.#]+(?=\S)",
        rf"(?<=\S)[\s_\-:/|.#]+{re.escape(model)}\Z",
    ):
        stripped = re.sub(pattern, "", custom_id)
        if stripped != custom_id:
            return stripped
    return custom_id


# ----------------------------------------------------------------- shapes
def dump_frame(
    kind: str, frame: pd.DataFrame, where: str, notes: list[str], file_model: str | None = None
) -> pd.DataFrame:
    """Records of the dump ``kind`` (see :func:`dump_kind`) as corpus columns.

    Parameters
    ----------
    kind : str
    frame : pandas.DataFrame
        The raw records.
    where : str
        The file, for messages.
    notes : list of str
        Receives one line for anything a reader should know (failed requests
        left out, paths shortened).
    file_model : str, optional
        The model the file's place names (lm-eval folders).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``prompt``, ``output`` and, where the dump has
        them, ``prompt_id``, ``sample``, ``reasoning``, ``system``,
        ``custom_id``, ``finish_reason``; batch requests carry
        :data:`REQUEST` and no output.

    Raises
    ------
    ProvenanceError
        No usable record (every request failed), or an lm-eval file whose
        model cannot be told.
    """
    reader = {
        "completions": _completions,
        "openai_batch": _openai_batch,
        "anthropic_batch": _anthropic_batch,
        "batch_requests": _batch_requests,
        "lm_eval": _lm_eval,
    }[kind]
    rows = reader(frame, where, notes, file_model)
    if not rows:
        raise ProvenanceError(f"{where}: no answered request in this file; nothing to read")
    return pd.DataFrame(rows)


def _completions(frame, where, notes, file_model) -> list[dict[str, Any]]:
    renamed: dict[str, str] = {}
    rows = []
    for rec in frame.to_dict("records"):
        request = _request_prompt(rec)
        prompt = rec.get("prompt") if isinstance(rec.get("prompt"), str) else request["prompt"]
        choices = rec.get("choices")
        choices = choices.tolist() if isinstance(choices, np.ndarray) else choices or []
        for k, choice in enumerate(choices):
            answer, reasoning = _choice_answer(choice)
            index = choice.get("index", k) if isinstance(choice, dict) else k
            rows.append(
                {
                    "model": _model_name(rec.get("model"), renamed),
                    "prompt": prompt,
                    "output": answer,
                    "reasoning": reasoning,
                    "system": request["system"],
                    "sample": int(index) if isinstance(index, (int, np.integer)) else k,
                    "finish_reason": choice.get("finish_reason")
                    if isinstance(choice, dict)
                    else None,
                    "response_id": rec.get("id"),
                }
            )
    if not any(r["model"] for r in rows):
        raise ProvenanceError(f"{where}: completion objects without a 'model' field")
    notes += _paths_note(renamed)
    return rows


def _failed(notes: list[str], where: str, failed: int, total: int) -> None:
    if failed:
        notes.append(
            f"{where}: {failed} of {total} request(s) failed or expired and have no answer; "
            "left out"
        )


def _openai_batch(frame, where, notes, file_model) -> list[dict[str, Any]]:
    renamed: dict[str, str] = {}
    rows, failed = [], 0
    for rec in frame.to_dict("records"):
        response: dict[str, Any] = rec["response"] if isinstance(rec.get("response"), dict) else {}
        body: dict[str, Any] = response["body"] if isinstance(response.get("body"), dict) else {}
        status = response.get("status_code", 200)
        choices = body.get("choices") or []
        if rec.get("error") or status != 200 or not choices or not body.get("model"):
            failed += 1
            continue
        model = _model_name(body.get("model"), renamed)
        answer, reasoning = _choice_answer(choices[0])
        rows.append(
            {
                "model": model,
                "prompt": None,
                "output": answer,
                "reasoning": reasoning,
                "custom_id": str(rec["custom_id"]),
                "finish_reason": choices[0].get("finish_reason")
                if isinstance(choices[0], dict)
                else None,
            }
        )
    _failed(notes, where, failed, len(frame))
    notes += _paths_note(renamed)
    return rows


def _anthropic_batch(frame, where, notes, file_model) -> list[dict[str, Any]]:
    rows, failed = [], 0
    for rec in frame.to_dict("records"):
        result: dict[str, Any] = rec["result"] if isinstance(rec.get("result"), dict) else {}
        message: dict[str, Any] = (
            result["message"] if isinstance(result.get("message"), dict) else {}
        )
        if result.get("type") != "succeeded" or not message.get("model"):
            failed += 1
            continue
        content = message.get("content")
        thinking = [
            str(b.get("thinking") or "")
            for b in (content if isinstance(content, list) else [])
            if isinstance(b, dict) and b.get("type") == "thinking"
        ]
        rows.append(
            {
                "model": str(message["model"]),
                "prompt": None,
                "output": _content_text(content),
                "reasoning": "\n\n".join(thinking),
                "custom_id": str(rec["custom_id"]),
                "finish_reason": message.get("stop_reason"),
            }
        )
    _failed(notes, where, failed, len(frame))
    return rows


def _batch_requests(frame, where, notes, file_model) -> list[dict[str, Any]]:
    rows = []
    for rec in frame.to_dict("records"):
        request = rec.get("body") if isinstance(rec.get("body"), dict) else rec.get("params")
        parts = _request_prompt(request)
        rows.append(
            {
                "model": str((request or {}).get("model") or ""),
                "prompt": parts["prompt"],
                "system": parts["system"],
                CONTEXT: parts["context"],
                "output": None,
                "custom_id": str(rec["custom_id"]),
                REQUEST: True,
            }
        )
    return rows


def _lm_eval(frame, where, notes, file_model) -> list[dict[str, Any]]:
    if not file_model:
        raise ProvenanceError(
            f"{where}: lm-evaluation-harness samples name no model; keep the file in its "
            "<model>/ folder beside its results_*.json, as lm-eval writes it"
        )
    match = _LM_EVAL_FILE.match(PurePosixPath(where).name)
    task = match.group("task") if match else None
    rows = []
    for rec in frame.to_dict("records"):
        doc = rec.get("doc") if isinstance(rec.get("doc"), dict) else {}
        prompt = next((doc[k] for k in _DOC_TEXT if isinstance(doc.get(k), str)), None)
        if prompt is None:
            args = rec.get("arguments")
            first = next(iter(args.values()), None) if isinstance(args, dict) and args else args
            if isinstance(first, dict):
                first = first.get("arg_0")
            elif isinstance(first, (list, tuple)) and first:
                first = first[0]
            prompt = first if isinstance(first, str) else None
        rows.append(
            {
                "model": file_model,
                "prompt_id": f"{task}/{rec['doc_id']}" if task else str(rec["doc_id"]),
                "prompt": prompt,
                "output": _lm_eval_answer(rec),
                "task": task,
            }
        )
    return rows


def _lm_eval_answer(rec: dict[str, Any]) -> str | None:
    """The first text of ``filtered_resps`` (else ``resps``), however deeply it is listed."""
    for key in ("filtered_resps", "resps"):
        value = rec.get(key)
        while isinstance(value, (list, tuple, np.ndarray)) and len(value):
            value = value[0]
        if isinstance(value, str):
            return value
    return None


# ----------------------------------------------------------------- joining
def join_requests(frames: list[pd.DataFrame], notes: list[str]) -> list[pd.DataFrame]:
    """Batch answers joined with the prompts of their batch input file, by ``custom_id``.

    Parameters
    ----------
    frames : list of pandas.DataFrame
        Canonical frames; those with :data:`REQUEST` are batch inputs.
    notes : list of str
        Receives a line when answers could not be joined with a prompt.

    Returns
    -------
    list of pandas.DataFrame
        The answer frames, prompts filled; batch answers without prompts get
        prompt ids from ``custom_id`` (the model name removed).

    Raises
    ------
    ProvenanceError
        Only batch inputs were given (prompts, no answers).
    """
    requests = [f for f in frames if REQUEST in f.columns]
    answers = [f for f in frames if REQUEST not in f.columns]
    if requests and not answers:
        raise ProvenanceError(
            "only batch input (request) files were given: they hold prompts, not answers; "
            "give the batch output file too"
        )
    lookup: dict[str, dict[str, Any]] = {}
    for f in requests:
        for rec in f.to_dict("records"):
            lookup[rec["custom_id"]] = rec
    out = []
    for f in answers:
        if "custom_id" not in f.columns or "prompt_id" in f.columns:
            out.append(f)
            continue
        f = f.copy()
        found = f["custom_id"].map(lambda c: c in lookup)
        if found.any():
            for column in ("prompt", "system", CONTEXT):
                f[column] = [
                    lookup[c].get(column) if ok else f.get(column, pd.Series(dtype=object)).get(i)
                    for i, c, ok in zip(f.index, f["custom_id"], found, strict=True)
                ]
        if not found.all():
            f["prompt_id"] = [
                _strip_model(str(c), str(m))
                for c, m in zip(f["custom_id"], f["model"], strict=True)
            ]
            notes.append(
                f"{int((~found).sum())} batch answer(s) came without their prompts: answers are "
                "aligned across models by custom_id (the model name removed); give the batch "
                "input file too to align them by prompt text"
            )
        out.append(f)
    return out

"""Chat turns: the system prompt, the exchanges and the request of a conversation.

Chat records hold a list of turns (OpenAI ``{"role", "content"}`` or
ShareGPT ``{"from", "value"}``). :func:`chat_exchanges` pairs every user turn
with the answer to it (:mod:`detector.shapes`, one record per exchange);
:func:`chat_request` reads the request a separately stored answer replies
to (:mod:`detector.dumps`, batch and completion files). Both record shapes
read turns here, below them, so neither imports the other for it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .errors import ProvenanceError

__all__ = [
    "CONTEXT",
    "CONTEXT_SEP",
    "ROLES",
    "chat_exchanges",
    "chat_request",
    "parse_json_text",
    "short_repr",
    "turn_text",
    "turns_list",
    "value_kind",
]

#: Turn roles by the names chat formats give them.
ROLES = {
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


def value_kind(value: Any) -> str | None:
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


def short_repr(value: Any, n: int = 70) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= n else text[: n - 3] + "..."


def parse_json_text(value: Any) -> Any:
    """A list stored as JSON text (CSV exports) parsed; anything else unchanged."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value.tolist() if isinstance(value, np.ndarray) else value


def turn_text(value: Any) -> str | None:
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


CONTEXT = "_context"
"""Hidden column of a later exchange: the conversation's earlier user turns.

A prompt id derived from text (:func:`detector.corpus.prompt_id`) hashes them
with the turn, so "Can you make it shorter?" in two conversations are two
prompts; :func:`detector.corpus.build_corpus` drops the column.
"""
CONTEXT_SEP = "\n<|turn|>\n"
"""Joins the user turns of a conversation in :data:`CONTEXT`."""


def turns_list(turns: Any, where: str, column: str) -> list[Any]:
    turns = parse_json_text(turns)
    if turns is None or (isinstance(turns, float) and np.isnan(turns)):
        return []
    if not isinstance(turns, list):
        raise ProvenanceError(
            f"{where}: column {column!r} holds {value_kind(turns) or 'text'}, not a list of chat "
            f"turns (e.g. {short_repr(turns)})"
        )
    return turns


def chat_exchanges(turns: Any, where: str, column: str) -> tuple[str | None, list[dict]]:
    """The system prompt and the exchanges of a chat, in order.

    An exchange is a user turn (consecutive user turns joined by a blank line)
    and the assistant's answer to it (of consecutive assistant turns, the
    last that is not empty). Each exchange is a dict with ``prompt``,
    ``output`` (None when unanswered), ``reasoning`` and ``context`` (the
    earlier user turns joined by :data:`CONTEXT_SEP`, ``""`` for the first).
    An unanswered user turn after the first exchange is left out; a chat
    without any answer gives one exchange whose output is None.

    Raises
    ------
    ProvenanceError
        The column holds something other than a list of turns.
    """
    system: str | None = None
    exchanges: list[dict] = []
    pending: list[str] = []
    users: list[str] = []
    for turn in turns_list(turns, where, column):
        if not isinstance(turn, dict):
            continue
        role = ROLES.get(str(turn.get("role", turn.get("from", ""))).lower())
        text = turn_text(turn.get("content", turn.get("value")))
        if role == "system" and system is None:
            system = text
        elif role == "user":
            pending.append(text or "")
        elif role == "assistant" and (pending or exchanges):
            reasoning = turn_text(turn.get("reasoning_content") or turn.get("reasoning")) or ""
            if pending:
                prompt = "\n\n".join(pending)
                exchanges.append(
                    {
                        "prompt": prompt,
                        "output": text,
                        "reasoning": reasoning,
                        "context": CONTEXT_SEP.join(users),
                    }
                )
                users.append(prompt)
                pending = []
            elif text and text.strip():  # a later assistant turn of the same exchange
                exchanges[-1].update(output=text, reasoning=reasoning)
    if not exchanges:
        exchanges.append(
            {
                "prompt": "\n\n".join(pending) if pending else None,
                "output": None,
                "reasoning": "",
                "context": "",
            }
        )
    return system, exchanges


def chat_request(turns: Any, where: str, column: str) -> dict[str, Any]:
    """System prompt, prompt and context of a chat that a separate output answers.

    The output answers the last user turn; the earlier user turns are its
    context (see :data:`CONTEXT`).
    """
    system = None
    users: list[str] = []
    for turn in turns_list(turns, where, column):
        if not isinstance(turn, dict):
            continue
        role = ROLES.get(str(turn.get("role", turn.get("from", ""))).lower())
        text = turn_text(turn.get("content", turn.get("value")))
        if role == "system" and system is None:
            system = text
        elif role == "user":
            users.append(text or "")
    return {
        "system": system,
        "prompt": users[-1] if users else None,
        "context": CONTEXT_SEP.join(users[:-1]),
    }

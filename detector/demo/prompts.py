"""The demo prompts: every template over every topic, then the identity questions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .data import DEMO_IDENTITY, DEMO_TOPICS, TEMPLATES, TRAIN_IDENTITY, TRAIN_TOPICS, Topic

__all__ = ["KINDS", "DemoPrompt", "demo_prompts", "prompt_kind", "training_prompts"]

KINDS = (*TEMPLATES, "identity")


@dataclass(frozen=True)
class DemoPrompt:
    """One prompt: its id, text, kind (a key of :data:`TEMPLATES` or ``identity``), topic."""

    prompt_id: str
    prompt: str
    kind: str
    topic: Topic | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _prompts(topics: Sequence[Topic], identity: Sequence[str]) -> list[DemoPrompt]:
    out = [
        DemoPrompt(f"{kind}-{_slug(t.name)}", template.format(name=t.name), kind, t)
        for t in topics
        for kind, template in TEMPLATES.items()
    ]
    out += [DemoPrompt(f"identity-{_slug(q)}", q, "identity") for q in identity]
    return out


def demo_prompts() -> list[DemoPrompt]:
    """The corpus prompts: every template over every demo topic, then the identity questions."""
    return _prompts(DEMO_TOPICS, DEMO_IDENTITY)


def training_prompts() -> list[DemoPrompt]:
    """The prompts teachers answer for their students; none is a corpus prompt."""
    return _prompts(TRAIN_TOPICS, TRAIN_IDENTITY)


def prompt_kind(prompt: str) -> str:
    """The kind of a demo or training prompt, read from its text (``identity`` otherwise)."""
    for kind, template in TEMPLATES.items():
        head, tail = template.split("{name}")
        if prompt.startswith(head) and prompt.endswith(tail):
            return kind
    return "identity"

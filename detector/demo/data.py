"""The demo corpus's data, read from the package's resource files.

Topics (``resources/demo_topics.json``), phrase lists and sentence frames
(``resources/demo_phrases.json``) and the models with their lineage and
hand-set habits (``resources/demo_models.json``) live in JSON beside the code;
this module reads them once, at import, into tuples and dictionaries in file
order. The order of every list fixes the generator's random draws, so editing
a file changes the committed corpus (regenerate it with ``python -m detector.demo``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "BULLET_MARKS",
    "CAPABILITIES",
    "CLOSERS",
    "CONCLUSIONS",
    "DEMO_IDENTITY",
    "DEMO_TOPICS",
    "ELABORATIONS",
    "HAND_STYLES",
    "HEADINGS",
    "HEADING_LEVELS",
    "INTROS",
    "LEADINS",
    "MODELS",
    "NAMES",
    "OPENERS",
    "PAREN",
    "PETS",
    "PROPER",
    "SLOTS",
    "STORY_CLOSE",
    "STORY_MIDDLE",
    "STORY_OPEN",
    "TEMPLATES",
    "TRAIN_IDENTITY",
    "TRAIN_TOPICS",
    "DemoModel",
    "Topic",
]


def _load(name: str) -> dict[str, Any]:
    """One resource file of ``detector/resources`` as a dictionary."""
    text = (resources.files("detector") / "resources" / name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


# ------------------------------------------------------------------ topics
@dataclass(frozen=True)
class Topic:
    """The shared material every model draws on when answering about one topic.

    ``name`` reads inside a sentence ("sourdough baking"); ``definition``
    follows "is"; ``setting`` follows "in"; ``goal`` follows "to"; ``facts``,
    ``tips``, ``pros`` and ``cons`` are clauses without final punctuation.
    """

    name: str
    definition: str
    setting: str
    goal: str
    terms: tuple[str, ...]
    facts: tuple[str, ...]
    tips: tuple[str, ...]
    pros: tuple[str, ...]
    cons: tuple[str, ...]

    @classmethod
    def from_dict(cls, entry: dict[str, Any]) -> Topic:
        """A topic from one entry of ``demo_topics.json`` (lists become tuples)."""
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()
        }
        return cls(**fields)

    @property
    def title(self) -> str:
        small = {"a", "an", "the", "of", "and", "to", "for", "in", "on"}
        words = self.name.split()
        return " ".join(
            w if (i and w in small) or not w[0].isalpha() else w[0].upper() + w[1:]
            for i, w in enumerate(words)
        )


_TOPICS = _load("demo_topics.json")
DEMO_TOPICS: tuple[Topic, ...] = tuple(Topic.from_dict(t) for t in _TOPICS["corpus"])
#: Topics of the teachers' training prompts: disjoint from the corpus.
TRAIN_TOPICS: tuple[Topic, ...] = tuple(Topic.from_dict(t) for t in _TOPICS["training"])

# ------------------------------------------------------------------ phrases
_PHRASES = _load("demo_phrases.json")
#: The prompt of each kind of topic prompt; ``{name}`` is the topic.
TEMPLATES: dict[str, str] = dict(_PHRASES["templates"])
DEMO_IDENTITY: tuple[str, ...] = tuple(_PHRASES["identity"]["corpus"])
TRAIN_IDENTITY: tuple[str, ...] = tuple(_PHRASES["identity"]["training"])
#: For each word slot, the variants a style chooses between.
SLOTS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _PHRASES["slots"].items()}
OPENERS: tuple[str, ...] = tuple(_PHRASES["openers"])  # "" is none
CLOSERS: tuple[str, ...] = tuple(_PHRASES["closers"])  # "" is none
PETS: tuple[str, ...] = tuple(_PHRASES["pets"])
HEADING_LEVELS: tuple[str, ...] = tuple(_PHRASES["heading_levels"])
BULLET_MARKS: tuple[str, ...] = tuple(_PHRASES["bullet_marks"])
NAMES: tuple[str, ...] = tuple(_PHRASES["names"])
#: Words never lower-cased at the start of a clause.
PROPER = frozenset(NAMES) | frozenset(_PHRASES["proper_words"])

_FRAMES = _PHRASES["frames"]
INTROS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _FRAMES["intros"].items()}
LEADINS: dict[str, str] = dict(_FRAMES["leadins"])
HEADINGS: dict[str, str] = dict(_FRAMES["headings"])
ELABORATIONS: tuple[str, ...] = tuple(_FRAMES["elaborations"])
CONCLUSIONS: tuple[str, ...] = tuple(_FRAMES["conclusions"])
STORY_OPEN: tuple[str, ...] = tuple(_FRAMES["story_open"])
STORY_MIDDLE: tuple[str, ...] = tuple(_FRAMES["story_middle"])
STORY_CLOSE: tuple[str, ...] = tuple(_FRAMES["story_close"])
CAPABILITIES: tuple[str, ...] = tuple(_FRAMES["capabilities"])
PAREN: str = _FRAMES["paren"]  # an aside naming one more topic term


# ------------------------------------------------------------------ models
@dataclass(frozen=True)
class DemoModel:
    """One model of the demo corpus and its documented lineage."""

    model: str
    relation: str
    teacher: str = ""
    teacher_family: str = ""
    parent: str = ""
    base_model: str = ""
    weights: str = "open"
    source: str = ""


_MODELS = _load("demo_models.json")
#: The corpus models, in generation order (the order fixes their random streams).
MODELS: tuple[DemoModel, ...] = tuple(DemoModel(**m) for m in _MODELS["models"])
#: The hand-set habits, by name: keyword arguments of :func:`detector.demo.styles.make_style`
#: plus ``stream``, the random stream of the slots the description leaves out.
HAND_STYLES: dict[str, dict[str, Any]] = dict(_MODELS["styles"])

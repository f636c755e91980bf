"""Synthetic demo corpus with a known lineage, made by a seeded generator.

The corpus in ``data/demo/`` is written by this package and nothing else:
``python -m detector.demo`` regenerates ``outputs.jsonl`` and ``lineage.csv``
byte for byte (``--check`` verifies the committed copy instead).

Where things are
----------------
- ``detector/resources/demo_*.json``: the data -- topics, phrase lists and
  sentence frames, the models with their lineage and hand-set habits;
- :mod:`~detector.demo.data` reads it; :mod:`~detector.demo.prompts` makes the prompts;
- :mod:`~detector.demo.styles`: a model's habits (:class:`Style`), mixed and shifted;
- :mod:`~detector.demo.writer`: one answer in one style (:func:`generate_answer`);
- :mod:`~detector.demo.fit`: a student's style, counted from its teacher's text;
- :mod:`~detector.demo.generate`: every model's style, the corpus and its files.

How the text is made
--------------------
Every prompt is about one topic (or asks the model who it is). A topic comes
with its own vocabulary -- a definition, terms, facts, tips, pros and cons --
and every model answers from that same material, following a shared
:class:`Plan` of what to say in which order (with some departures), so all
answers to a prompt share the topic signal that a detector must remove before
comparing models.

Each model is a :class:`Style`: a small text generator with its own habits --
preferred synonyms for a fixed set of slots ("delve into" / "look at" /
"examine", "crucial" / "vital" / "essential", "in summary" / "all in all"),
openers ("Certainly!"), closers ("I hope this helps!"), markdown (headings,
bullets, bold leads), answer length, punctuation (em dashes, semicolons,
exclamations, parentheses), transition words, pet phrases ("It's worth noting
that") and the line it uses to say who it is.

The distillation step is real in the only sense a synthetic corpus allows: a
student never sees its teacher's :class:`Style`. The teacher answers a
separate set of training prompts (other topics, other identity questions;
none of them is in the corpus), and :func:`fit_style` estimates the student's
habits from that text alone, by counting (synonym frequencies, opener and
closer frequencies, markdown rates, sentence counts, punctuation and pet-phrase
rates, the self-identification line it saw). The estimate is then mixed 70/30
with the habits of the student's base model. The human-data control is made the
same way from answers in a plain, human-like style that no model in the corpus
has.

Only ``numpy.random.default_rng`` supplies randomness, seeded per (model,
prompt), so the output does not depend on generation order or on ``hash()``.
The package imports numpy and pandas only (no scipy or scikit-learn). The
names below are its public surface; the phrase lists and tuning constants are
in the submodules (``detector.demo.data.INTROS``, ``detector.demo.writer.DEPART``).
"""

from __future__ import annotations

from ..lineage import LINEAGE_COLUMNS
from .data import CLOSERS, DEMO_TOPICS, MODELS, OPENERS, PETS, SLOTS, TRAIN_TOPICS, DemoModel, Topic
from .fit import fit_style
from .generate import (
    demo_files,
    demo_styles,
    generate_demo,
    lineage_frame,
    main,
    training_samples,
    write_demo,
)
from .prompts import DemoPrompt, demo_prompts, prompt_kind, training_prompts
from .styles import Style, make_style, mix_styles, shift_slots
from .writer import MAX_WORDS, MIN_WORDS, Plan, generate_answer

__all__ = [
    "CLOSERS",
    "DEMO_TOPICS",
    "LINEAGE_COLUMNS",
    "MAX_WORDS",
    "MIN_WORDS",
    "MODELS",
    "OPENERS",
    "PETS",
    "SLOTS",
    "TRAIN_TOPICS",
    "DemoModel",
    "DemoPrompt",
    "Plan",
    "Style",
    "Topic",
    "demo_files",
    "demo_prompts",
    "demo_styles",
    "fit_style",
    "generate_answer",
    "generate_demo",
    "lineage_frame",
    "main",
    "make_style",
    "mix_styles",
    "prompt_kind",
    "shift_slots",
    "training_prompts",
    "training_samples",
    "write_demo",
]

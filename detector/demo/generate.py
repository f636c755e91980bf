"""The demo corpus: every model's style, every answer, and the two files.

:func:`demo_styles` makes each model of :data:`~detector.demo.data.MODELS` from
the hand-set habits: open chat models on their bases, students fit by counting
(:func:`~detector.demo.fit.fit_style`) to their teachers' answers on the
training prompts, a preference-tuned derivative and a concise variant.
:func:`generate_demo` then answers every corpus prompt in every style, and
:func:`write_demo` / ``python -m detector.demo`` write ``outputs.jsonl`` and
``lineage.csv`` byte for byte.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..lineage import LINEAGE_COLUMNS
from .data import MODELS
from .fit import fit_style
from .prompts import demo_prompts, training_prompts
from .styles import Style, hand_styles, mix_styles, shift_slots
from .writer import Plan, generate_answer

__all__ = [
    "DEFAULT_DIR",
    "RECORD_COLUMNS",
    "STUDENT_WEIGHT",
    "TRAIN_REPEATS",
    "demo_files",
    "demo_styles",
    "generate_demo",
    "lineage_frame",
    "main",
    "training_samples",
    "write_demo",
]

RECORD_COLUMNS = ("model", "prompt_id", "prompt", "output")
DEFAULT_DIR = Path("data") / "demo"
STUDENT_WEIGHT = 0.7  # share of a student's habits learned from its training text
TRAIN_REPEATS = 5  # answers sampled per training prompt


def training_samples(style: Style, seed: int, stream: int) -> list[tuple[str, str]]:
    """(prompt, answer) pairs of ``style`` on the training prompts, :data:`TRAIN_REPEATS` each."""
    out = []
    for i, p in enumerate(training_prompts()):
        for r in range(TRAIN_REPEATS):
            plan = Plan(np.random.default_rng([seed, 6, i, r]), p.topic)
            rng = np.random.default_rng([seed, stream, i, r])
            out.append((p.prompt, generate_answer(style, p, rng, plan)))
    return out


def demo_styles(seed: int = 0) -> dict[str, Style]:
    """The style of every model of :data:`MODELS`, students fit from their teachers' text."""
    hand = hand_styles(seed)
    delta = mix_styles(hand["delta-chat"], hand["delta-base"], 0.6)
    ember = mix_styles(hand["ember-chat"], hand["ember-base"], 0.6)

    def learned(source: Style, stream: int, base: Style) -> Style:
        fitted = fit_style(training_samples(source, seed, stream))
        return mix_styles(fitted, base, STUDENT_WEIGHT)

    atlas = hand["atlas"]
    return {
        "atlas": atlas,
        "borealis": hand["borealis"],
        "cirrus": hand["cirrus"],
        "delta-open-7b": delta,
        "ember-13b": ember,
        "student-of-atlas": learned(atlas, 101, hand["delta-base"]),
        "student-of-borealis": learned(hand["borealis"], 102, hand["ember-base"]),
        "human-sft-13b": learned(hand["human"], 103, hand["ember-base"]),
        "delta-open-7b-dpo": replace(
            shift_slots(
                delta,
                {"important": "essential", "overall": "in short", "explore": "explore"},
                0.4,
            ),
            length=delta.length * 1.3,
        ),
        "atlas_concise": replace(
            atlas, length=atlas.length * 0.25, heading=atlas.heading * 0.3,
            bullets=atlas.bullets * 0.6,
        ),
    }  # fmt: skip


# ------------------------------------------------------------------ corpus
def lineage_frame() -> pd.DataFrame:
    """The demo lineage, with the columns of the real ``lineage.csv`` (:data:`LINEAGE_COLUMNS`)."""
    return pd.DataFrame([[getattr(m, c) for c in LINEAGE_COLUMNS] for m in MODELS],
                        columns=list(LINEAGE_COLUMNS))  # fmt: skip


def generate_demo(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the demo corpus.

    Parameters
    ----------
    seed : int
        Seed of every random choice; the committed corpus uses 0.

    Returns
    -------
    records : pandas.DataFrame
        Columns ``model``, ``prompt_id``, ``prompt``, ``output``; one row per
        (model, prompt), sorted by model then prompt id.
    lineage : pandas.DataFrame
        One row per model with the columns of the real lineage file.
    """
    styles = demo_styles(seed)
    prompts = demo_prompts()
    plans = [Plan(np.random.default_rng([seed, 5, i]), p.topic) for i, p in enumerate(prompts)]
    rows = []
    for m_index, m in enumerate(MODELS):
        for p_index, p in enumerate(prompts):
            rng = np.random.default_rng([seed, 10 + m_index, p_index])
            text = generate_answer(styles[m.model], p, rng, plans[p_index])
            rows.append((m.model, p.prompt_id, p.prompt, text))
    rows.sort(key=lambda r: (r[0], r[1]))
    records = pd.DataFrame(rows, columns=list(RECORD_COLUMNS))
    return records, lineage_frame()


def _jsonl(records: pd.DataFrame) -> bytes:
    lines = [
        json.dumps(dict(zip(RECORD_COLUMNS, row, strict=True)), ensure_ascii=False)
        for row in records[list(RECORD_COLUMNS)].itertuples(index=False, name=None)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(lineage: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    lineage.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def demo_files(seed: int = 0) -> dict[str, bytes]:
    """The bytes of ``outputs.jsonl`` and ``lineage.csv`` for ``seed``."""
    records, lineage = generate_demo(seed)
    return {"outputs.jsonl": _jsonl(records), "lineage.csv": _csv(lineage)}


def write_demo(directory: str | os.PathLike[str] = DEFAULT_DIR, seed: int = 0) -> list[Path]:
    """Write ``outputs.jsonl`` and ``lineage.csv`` into ``directory`` (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in demo_files(seed).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m detector.demo [--out DIR] [--seed N] [--check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m detector.demo",
        description="Regenerate the synthetic demo corpus (outputs.jsonl, lineage.csv).",
    )
    parser.add_argument("--out", default=str(DEFAULT_DIR), help="directory (default data/demo)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--check", action="store_true", help="compare with the files in --out; write nothing"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = [
            name
            for name, data in demo_files(args.seed).items()
            if not (Path(args.out) / name).is_file() or (Path(args.out) / name).read_bytes() != data
        ]
        for name in stale:
            print(f"{Path(args.out) / name}: differs from the generator's output", file=sys.stderr)
        return 1 if stale else 0
    for path in write_demo(args.out, args.seed):
        print(f"wrote {path}", file=sys.stderr)
    return 0

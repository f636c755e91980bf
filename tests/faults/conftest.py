"""Small corpora and files the fault-injection tests share (built once per session).

Everything here uses the style, lexical and identity channels, so no embedding
model is loaded, and a part of the bundled demo corpus small enough that a
command runs in about a second.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detector.cli import main

from ..conftest import REPO

DEMO = REPO / "data" / "demo" / "outputs.jsonl"
CHANNELS = "style,lexical,identity"
#: A model name that would clear the screen, set the window title, ring the bell,
#: rewrite the line and reverse what follows, if printed raw.
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\rmodel\u202egpj.exe"
#: Characters that must never reach a terminal raw.
RAW = ("\x1b", "\r", "\x07", "\u202e")
MODELS = ["atlas", "borealis", "cirrus", "ember-13b", "human-sft-13b", "student-of-atlas"]
N_PROMPTS = 40


def clean(text: str) -> bool:
    """No control character that acts on a terminal."""
    return not any(c in text for c in RAW)


def one_line_error(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("provenance: error:") and "Traceback" not in err


def run(argv, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def demo_records(models=MODELS, n_prompts: int = N_PROMPTS) -> pd.DataFrame:
    records = pd.read_json(DEMO, lines=True)
    prompts = sorted(records["prompt_id"].unique())[:n_prompts]
    keep = records["model"].isin(models) & records["prompt_id"].isin(prompts)
    return records[keep].reset_index(drop=True)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """Six demo models on 40 prompts, as JSONL."""
    path = tmp_path_factory.mktemp("small") / "demo.jsonl"
    demo_records().to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="session")
def hostile_demo(tmp_path_factory) -> Path:
    """The small demo with cirrus renamed to :data:`HOSTILE` and escapes in some outputs."""
    records = demo_records()
    records["model"] = records["model"].replace({"cirrus": HOSTILE})
    marked = records.index % 5 == 0
    records.loc[marked, "output"] = records.loc[marked, "output"] + " \x1b[31mred\x1b[0m\r"
    path = tmp_path_factory.mktemp("hostile") / "demo.jsonl"
    records.to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="session")
def hostile_classifier(tmp_path_factory, hostile_demo) -> Path:
    """A classifier trained by ``provenance train`` on the hostile demo (HOSTILE is a class)."""
    folder = tmp_path_factory.mktemp("classifier")
    path = folder / "clf.skops"
    argv = ["train", hostile_demo, "--out", path, "--folds", "2", "--jobs", "1"]
    argv += ["--cache-dir", folder / "cache", "--no-progress", "-q"]
    assert main([str(a) for a in argv]) == 0
    return path

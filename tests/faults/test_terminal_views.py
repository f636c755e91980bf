"""Escape sequences in model names and outputs never reach the terminal raw (issue 16, kind 5).

:data:`~tests.faults.conftest.HOSTILE` would clear the screen, set the window
title, ring the bell, rewrite the line and reverse the text after it. Every
text view shows it escaped (``evil\\x1b[2J...``): the score table and inspect
(tests/test_terminal.py), and here the tree text, the benchmark table and
Markdown, attribute, overused, and the warnings and messages around them.
JSON keeps the exact name, escaped by JSON itself.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from .conftest import CHANNELS, DEMO, HOSTILE, MODELS, clean, demo_records, run

ESCAPED = "evil\\x1b[2J"


def _check(code: int, out: str, err: str) -> None:
    assert code == 0, err
    assert clean(out) and clean(err), (out + err)[:500]
    assert ESCAPED in out


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_tree_text(hostile_demo, tmp_path, capsys, fmt):
    argv = ["tree", hostile_demo, "--channels", CHANNELS, "--bootstrap", "3", "--format", fmt]
    _check(*run(argv + ["--cache-dir", tmp_path / "cache", "--no-progress"], capsys))


@pytest.fixture(scope="module")
def hostile_suspect(tmp_path_factory):
    """The small demo and its lineage with the distilled student renamed HOSTILE."""
    folder = tmp_path_factory.mktemp("bench")
    records = demo_records().replace({"model": {"student-of-atlas": HOSTILE}})
    records.to_json(folder / "demo.jsonl", orient="records", lines=True)
    lineage = pd.read_csv(DEMO.parent / "lineage.csv")
    lineage = lineage[lineage["model"].isin(MODELS)].replace({"student-of-atlas": HOSTILE})
    lineage.to_csv(folder / "lineage.csv", index=False, quoting=csv.QUOTE_ALL)
    return folder


def _benchmark(folder, tmp_path, capsys, *extra):
    argv = ["benchmark", folder / "demo.jsonl", "--lineage", folder / "lineage.csv"]
    argv += ["--channels", CHANNELS, "--bootstrap", "5", "--cache-dir", tmp_path / "cache"]
    return run(argv + ["--no-progress", *extra], capsys)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_benchmark_views(hostile_suspect, tmp_path, capsys, fmt):
    _check(*_benchmark(hostile_suspect, tmp_path, capsys, "--format", fmt))


def test_benchmark_markdown_file_is_escaped(hostile_suspect, tmp_path, capsys):
    out_md = tmp_path / "bench.md"
    code, _, err = _benchmark(hostile_suspect, tmp_path, capsys, "--out", out_md)
    assert code == 0, err
    text = out_md.read_text(encoding="utf-8")  # a Markdown file is read on terminals too
    assert clean(text) and ESCAPED in text


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_attribute_views(hostile_classifier, hostile_demo, tmp_path, capsys, monkeypatch, fmt):
    monkeypatch.setattr("detector.cli.output._is_terminal", lambda stream: True)
    argv = ["attribute", hostile_classifier, hostile_demo, "--format", fmt]
    _check(*run(argv + ["--cache-dir", tmp_path / "cache", "--no-progress"], capsys))


def test_attribute_json_keeps_the_name(hostile_classifier, hostile_demo, tmp_path, capsys):
    argv = ["attribute", hostile_classifier, hostile_demo, "--format", "json"]
    code, out, err = run(argv + ["--cache-dir", tmp_path / "cache", "--no-progress"], capsys)
    assert code == 0 and clean(out)
    assert HOSTILE in json.loads(out)["classes"]


def test_attribute_warning_naming_an_unknown_model(
    hostile_classifier, small_demo, tmp_path, capsys
):
    """small_demo has cirrus, which is no class (HOSTILE is): the warning names both safely."""
    argv = ["attribute", hostile_classifier, small_demo, "--models", "cirrus"]
    code, out, err = run(argv + ["--cache-dir", tmp_path / "cache", "--no-progress"], capsys)
    assert code == 0 and clean(out) and clean(err)
    assert "provenance: warning:" in err and "cirrus" in err


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_overused_views(hostile_demo, capsys, fmt):
    argv = ["overused", hostile_demo, "--top", "3", "--format", fmt]
    _check(*run(argv, capsys))


def test_output_text_in_tables_is_escaped(hostile_demo, capsys):
    """Outputs end in '\\x1b[31mred\\x1b[0m\\r': the over-used table shows text, escaped."""
    code, out, err = run(["overused", hostile_demo, "--min-count", "1", "--top", "40"], capsys)
    assert code == 0 and clean(out)

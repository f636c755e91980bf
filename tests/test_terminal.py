"""Untrusted text reaches the terminal escaped: model names, outputs, messages."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from detector.cli import main
from detector.terminal import printable

from .conftest import REPO

HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\rmodel\u202egpj.exe"


def test_printable_escapes_control_characters():
    assert printable("plain text\nnext line\tcell") == "plain text\nnext line\tcell"
    assert printable("a\x1b[31mred") == "a\\x1b[31mred"
    assert printable("over\rwrite") == "over\\rwrite"
    assert printable("bell\x07 del\x7f c1\x9b") == "bell\\x07 del\\x7f c1\\x9b"
    assert printable("bidi\u202eabc\u2066") == "bidi\\u202eabc\\u2066"
    assert printable("one\nline", multiline=False) == "one\\nline"
    assert printable("naïve 日本 🙂") == "naïve 日本 🙂"
    assert "\x1b" not in printable(HOSTILE) and "\r" not in printable(HOSTILE)


@pytest.fixture
def hostile_corpus(tmp_path):
    records = pd.read_json(REPO / "data" / "demo" / "outputs.jsonl", lines=True)
    records["model"] = records["model"].replace({"cirrus": HOSTILE})
    path = tmp_path / "demo.jsonl"
    records.to_json(path, orient="records", lines=True)
    return path


def _clean(text: str) -> bool:
    return not any(c in text for c in "\x1b\r\x07\u202e")


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_views_show_hostile_names_escaped(hostile_corpus, tmp_path, capsys, fmt):
    assert main(["inspect", str(hostile_corpus), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert _clean(out) and "evil\\x1b[2J" in out
    argv = ["score", str(hostile_corpus), "--suspect", "student-of-atlas", "--channels", "style"]
    argv += ["--bootstrap", "20", "--format", fmt, "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert _clean(out) and _clean(err) and "\\rmodel" in out


def test_json_keeps_the_name_and_escapes_it(hostile_corpus, capsys):
    assert main(["inspect", str(hostile_corpus), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert _clean(out)
    assert HOSTILE in json.loads(out)["models"]


def test_csv_file_keeps_the_exact_name(hostile_corpus, tmp_path, capsys):
    out = tmp_path / "summary.csv"
    assert main(["inspect", str(hostile_corpus), "--out", str(out)]) == 0
    assert HOSTILE in set(pd.read_csv(out)["model"])


def test_error_messages_escape_names(hostile_corpus, capsys):
    argv = ["score", str(hostile_corpus), "--suspect", "student-of-atlas"]
    assert main(argv + ["--candidates", "x\x1b[31m", "--channels", "style"]) == 2
    err = capsys.readouterr().err
    assert _clean(err) and err.count("\n") == 1
    assert "evil\\x1b" in err  # the list of known models names the hostile one, escaped
    assert main(["inspect", str(hostile_corpus), "--min-shared", "x\x1b[2J"]) == 2
    err = capsys.readouterr().err
    assert _clean(err) and err.count("\n") == 1


def test_hostile_name_can_be_selected(hostile_corpus, tmp_path, capsys):
    argv = ["score", str(hostile_corpus), "--suspect", HOSTILE, "--channels", "style"]
    argv += ["--bootstrap", "20", "--format", "json", "--cache-dir", str(tmp_path / "cache")]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["suspect"] == HOSTILE


def test_csv_on_a_terminal_is_escaped(hostile_corpus, capsys, monkeypatch):
    monkeypatch.setattr("detector.cli.output._is_terminal", lambda stream: True)
    assert main(["inspect", str(hostile_corpus), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert _clean(out) and "evil\\x1b[2J" in out

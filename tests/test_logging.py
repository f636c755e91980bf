"""``-v`` / ``-vv`` log the stages, the choices and the timings of every command (field case 25).

Before issue 24 only ``collect`` logged: ``provenance -vv score ...`` printed nothing on stderr.
"""

from __future__ import annotations

import pytest

from detector.cli import main

from .test_field_cases_3 import demo, write_jsonl

CHANNELS = "style,lexical"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return write_jsonl(tmp_path_factory.mktemp("logs") / "outputs.jsonl", demo(20))


def run(argv, capsys) -> list[str]:
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr().err.splitlines()


def score_argv(outputs, tmp_path):
    return ["score", outputs, "--suspect", "student-of-atlas", "--channels", CHANNELS,
            "--bootstrap", "20", "--no-progress", "--cache-dir", tmp_path / "cache"]  # fmt: skip


def test_score_logs_stages_choices_and_timings(outputs, tmp_path, capsys):
    quiet = run(score_argv(outputs, tmp_path), capsys)
    assert not [line for line in quiet if "INFO" in line or "DEBUG" in line]
    for argv in (["-v", *score_argv(outputs, tmp_path)], [*score_argv(outputs, tmp_path), "-v"]):
        info = "\n".join(run(argv, capsys))
        assert (
            "provenance: INFO: read " in info and "200 outputs of 10 models on 20 prompts" in info
        )
        assert "roles: suspect student-of-atlas; 9 candidate(s)" in info  # the pools
        assert "features style: 200 x" in info  # each channel: computed or from the cache
        assert "evidence: 10 models x 20 prompts, in memory; weights style" in info  # weights
        assert "score: verdict" in info and "score: 1. " in info
        assert "score: done: " in info  # the command's time
        assert "DEBUG" not in info
    debug = "\n".join(run(["-vv", *score_argv(outputs, tmp_path)], capsys))
    assert "provenance: DEBUG: provenance -vv score" in debug
    assert "DEBUG: features style: cache key" in debug and "DEBUG: score: every candidate" in debug


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["inspect"], "inspect: done"),
        (["tree", "--channels", CHANNELS, "--bootstrap", "3", *["--no-progress", "--cache-dir"]],
         "tree: nj of 10 models"),
        (["overused", "--top", "3"], "overused: 10 model(s) against"),
    ],
)  # fmt: skip
def test_other_commands_log_too(outputs, tmp_path, capsys, command, expected):
    argv = [command[0], outputs, *command[1:]]
    if argv[-1] == "--cache-dir":
        argv.append(tmp_path / "cache")
    lines = run(["-v", *argv], capsys)
    assert any("provenance: INFO: read " in line for line in lines)
    assert any(expected in line for line in lines), lines

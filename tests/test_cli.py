"""The CLI is a thin layer: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from detector.cli import main

from .conftest import make_records


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_json(tmp_path, capsys):
    path = tmp_path / "c.csv"
    make_records(4, 6).to_csv(path, index=False)
    code, out, err = run(["inspect", str(path), "--format", "json", "--min-shared", "5"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["n_models"] == 4 and data["n_prompts"] == 6
    assert set(data["models"]) == {"m0", "m1", "m2", "m3"}
    assert data["problems"] == []


def test_inspect_table(tmp_path, capsys):
    path = tmp_path / "c.csv"
    make_records().to_csv(path, index=False)
    code, out, _ = run(["inspect", str(path), "--min-shared", "2"], capsys)
    assert code == 0 and "3 models" in out and "problems: none" in out


@pytest.mark.parametrize(
    "setup, needle",
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text('{"model": "a", "prompt": "p", "output": "o"}\n{bad\n'), ":2:"),
        (lambda p: p.write_bytes(b""), "empty"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path, capsys, setup, needle):
    path = tmp_path / "in.jsonl"
    setup(path)
    code, out, err = run(["inspect", str(path)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("provenance: error:") and needle in err
    assert "Traceback" not in err


def test_missing_column_suggests_flag(tmp_path, capsys):
    path = tmp_path / "c.csv"
    make_records().rename(columns={"output": "text"}).to_csv(path, index=False)
    code, _, err = run(["inspect", str(path)], capsys)
    assert code == 2 and "output-col" in err.replace("_", "-")
    code, out, _ = run(["inspect", str(path), "--output-col", "text"], capsys)
    assert code == 0


def test_console_script_entry_point(tmp_path):
    path = tmp_path / "c.csv"
    make_records().to_csv(path, index=False)
    proc = subprocess.run(
        [sys.executable, "-m", "detector.cli", "inspect", str(path / "x")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_score_and_report_share_the_suspect_arguments():
    """One helper declares --suspect/--candidates/--reference for both commands."""
    import argparse

    from detector.cli import build_parser
    from detector.cli.common import add_suspect_options

    def suspect_actions(parser):
        return {
            a.dest: (a.option_strings, a.required, a.default, a.help)
            for a in parser._actions
            if a.dest in ("suspect", "candidates", "reference")
        }

    alone = argparse.ArgumentParser()
    add_suspect_options(alone)
    expected = suspect_actions(alone)
    assert sorted(expected) == ["candidates", "reference", "suspect"]
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("score", "report"):
        assert suspect_actions(sub.choices[command]) == expected
    args = sub.choices["score"].parse_args(["data.jsonl", "--suspect", "s", "--reference", "r"])
    assert (args.suspect, args.candidates, args.reference) == ("s", None, ["r"])


def test_feature_commands_share_the_feature_arguments():
    """Every command that computes features takes --embedding-model/--precision/--cache-dir."""
    import argparse

    from detector.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("score", "features", "tree", "report", "train", "attribute", "benchmark"):
        flags = {s for a in sub.choices[command]._actions for s in a.option_strings}
        wanted = {"--embedding-model", "--precision", "--cache-dir", "--progress", "--no-progress"}
        assert wanted <= flags, command
    args = sub.choices["tree"].parse_args(["data.jsonl", "--precision", "fp32"])
    assert args.precision == "fp32"


def test_cli_choices_match_the_library():
    """The parser lists choices itself (to start fast); they must be the library's."""
    import argparse

    from detector.cli import build_parser
    from detector.cli.common import INPUT_FORMATS
    from detector.corpus import FORMATS
    from detector.embeddings import PRECISIONS
    from detector.tree import DEFAULT_METHOD, METHODS

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    tree = {a.dest: a for a in sub.choices["tree"]._actions}
    assert tuple(tree["method"].choices) == METHODS and tree["method"].default == DEFAULT_METHOD
    assert tuple(tree["precision"].choices) == PRECISIONS
    assert INPUT_FORMATS == FORMATS


def _command_actions(command):
    import argparse

    from detector.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices[command]._actions}


@pytest.mark.parametrize("command", ["score", "report", "tree", "benchmark", "features"])
def test_help_names_the_registry_default_channels(command):
    """--help writes the default channels itself (to start fast); they must be the registry's."""
    from detector import channels as registry

    action = _command_actions(command)["channels"]
    default = ",".join(registry.default_channels())
    assert default in action.help or action.default == default, (command, action.help)
    if action.default is not None:
        assert action.default == default


def test_help_names_the_attribution_channels_and_defaults():
    from detector import channels as registry
    from detector.attribution import DEFAULT_CHANNELS

    text = _command_actions("train")["channels"].help
    assert ", ".join(registry.attribution_channels()) in text
    assert f"default: {','.join(DEFAULT_CHANNELS)}" in text


@pytest.mark.parametrize("role", ["model", "prompt", "output", "prompt_id"])
def test_help_names_the_recognised_columns(role):
    """The data options' help lists the column names shapes recognises, in its order."""
    from detector.shapes import CANDIDATES

    flag = {"model": "model_col", "prompt": "prompt_col", "output": "output_col"}
    action = _command_actions("inspect")[flag.get(role, "id_col")]
    assert f"recognised: {', '.join(CANDIDATES[role])}" in action.help, action.help


def test_cli_literals_are_the_library_values():
    """The parser's literal lists (kept to start fast) are the registry's and the shapes'."""
    from detector import channels as registry
    from detector.attribution import ATTRIBUTION_CHANNELS, DEFAULT_CHANNELS
    from detector.cli import common
    from detector.shapes import CANDIDATES

    assert tuple(registry.default_channels()) == common.DEFAULT_CHANNELS
    assert common.ATTRIBUTION_CHANNELS == ATTRIBUTION_CHANNELS
    assert common.DEFAULT_ATTRIBUTION_CHANNELS == DEFAULT_CHANNELS
    assert common.RECOGNISED_COLUMNS == CANDIDATES

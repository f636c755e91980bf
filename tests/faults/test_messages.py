"""Messages point to options that exist (issue 16, kind 7).

Library messages name parameters in backticks and the command line shows them
as its own flags (tests/test_cli_options.py checks every message of the
library); here: a mistyped or misplaced option is answered by the command it
was given to, with its closest real option, and every flag that a command's
help, description or examples mention is an option of that command.
"""

from __future__ import annotations

import argparse
import re

import pytest

from detector.cli import build_parser

from .conftest import one_line_error, run


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_option_of_another_command_is_named_by_this_one(small_demo, capsys):
    code, _, err = run(["inspect", small_demo, "--cache-dir", "somewhere"], capsys)
    assert code == 2 and one_line_error(err)
    assert "provenance inspect has no option --cache-dir" in err
    assert "(see provenance inspect --help)" in err  # not the top-level help


def test_mistyped_option_gets_the_closest_real_one(small_demo, capsys):
    code, _, err = run(["inspect", small_demo, "--min-shard", "3"], capsys)
    assert code == 2 and one_line_error(err) and "did you mean --min-shared?" in err
    code, _, err = run(["score", small_demo, "--suspect", "atlas", "--chanels", "style"], capsys)
    assert code == 2 and "did you mean --channels?" in err


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_flag_in_a_commands_help_exists(name):
    parser = _commands()[name]
    texts = [parser.description or "", parser.epilog or ""]
    texts += [a.help or "" for a in parser._actions]
    known = {s for a in parser._actions for s in a.option_strings}
    # "it has no --format" names an option the command does not have, on purpose
    named = {f for t in texts for f in re.findall(r"(?<!no )(?<![\w-])--[a-z][a-z-]*", t)}
    assert named <= known, sorted(named - known)


def test_a_format_name_as_an_option_points_to_format(small_demo, capsys):
    code, _, err = run(["score", small_demo, "--suspect", "atlas", "--json"], capsys)
    assert code == 2 and one_line_error(err)
    assert "did you mean --format json?" in err


def test_a_model_id_inside_a_fastchat_file_names_the_file(tmp_path, capsys):
    """FastChat names a model by its file; the model_id inside it points there."""
    import json

    folder = tmp_path / "model_answer"
    folder.mkdir()
    with open(tmp_path / "question.jsonl", "w", encoding="utf-8") as fh:
        for q in range(1, 31):
            fh.write(json.dumps({"question_id": q, "turns": [f"Question {q}?"]}) + "\n")
    for name, inside in [("vicuna-33b-v1.3", "vicuna-30b-gpt4"), *[(m, m) for m in "abcdefg"]]:
        with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            for q in range(1, 31):
                turns = [f"{name} answers question {q} in its own words, number {q}."]
                record = {"question_id": q, "model_id": inside,
                          "choices": [{"index": 0, "turns": turns}]}  # fmt: skip
                fh.write(json.dumps(record) + "\n")
    for extra in ([], ["--baseline", "a"]):
        code, _, err = run(["score", folder, "--suspect", "vicuna-30b-gpt4", *extra], capsys)
        errors = [line for line in err.splitlines() if line.startswith("provenance: error:")]
        assert code == 2 and len(errors) == 1 and "Traceback" not in err  # after the rename warning
        assert "name it 'vicuna-33b-v1.3'" in errors[0]

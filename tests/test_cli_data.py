"""How the commands read DATA: several paths, MT-Bench questions, recognised columns, ids."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from detector.cli import main

from .test_inspection import CHINESE
from .test_shapes import mtbench, write_jsonl


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("provenance: error:")


def _inspect_json(argv, capsys) -> dict:
    code, out, err = run(["inspect", *argv, "--min-shared", "2", "--format", "json"], capsys)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def runs(tmp_path):
    """One JSONL file per model."""
    for m in ("a", "b", "c"):
        rows = [
            {"model": m, "prompt": f"Question {j}?", "output": f"{m} says {j}"} for j in range(4)
        ]
        write_jsonl(tmp_path / "runs" / f"{m}.jsonl", rows)
    return tmp_path / "runs"


def test_several_paths_are_one_corpus(runs, capsys):
    data = _inspect_json([runs / "a.jsonl", runs / "b.jsonl"], capsys)
    assert data["models"] == {"a": 4, "b": 4} and data["n_shared"] == 4
    assert _inspect_json([runs], capsys)["models"] == {"a": 4, "b": 4, "c": 4}


def test_no_data_path_is_an_output(runs, capsys):
    argv = ["inspect", runs / "a.jsonl", runs / "b.jsonl", "--out", runs / "b.jsonl", "--force"]
    before = (runs / "b.jsonl").read_bytes()
    code, _, err = run(argv, capsys)
    assert code == 2 and one_line(err) and "is an input" in err
    assert (runs / "b.jsonl").read_bytes() == before


def test_questions_file_for_mtbench_answers(tmp_path, capsys):
    root = mtbench(tmp_path / "mt")
    moved = tmp_path / "elsewhere" / "answers.jsonl"
    moved.parent.mkdir()
    moved.write_bytes((root / "model_answer" / "a.jsonl").read_bytes())
    code, _, err = run(["inspect", moved], capsys)
    assert code == 2 and one_line(err) and "--questions" in err and "`" not in err
    data = _inspect_json([moved, "--questions", root / "question.jsonl"], capsys)
    assert data["n_prompts"] == 6
    code, _, err = run(["inspect", moved, "--questions", tmp_path / "nope.jsonl"], capsys)
    assert code == 2 and one_line(err) and "nope.jsonl" in err


def test_common_column_names_are_recognised_without_flags(tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "generator": ["x", "x", "y", "y"],
            "instruction": ["Q1", "Q2", "Q1", "Q2"],
            "response": ["x1", "x2", "y1", "y2"],
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert _inspect_json([tmp_path / "t.csv"], capsys)["models"] == {"x": 2, "y": 2}
    # the canonical names passed explicitly still work (recognition goes on for the others)
    argv = [tmp_path / "t.csv", "--model-col", "model", "--output-col", "output"]
    assert _inspect_json(argv, capsys)["models"] == {"x": 2, "y": 2}
    # a named column wins over recognition, and a missing one is one line naming it
    frame.assign(answer=frame["response"] + "!").to_csv(tmp_path / "two.csv", index=False)
    code, _, err = run(["inspect", tmp_path / "two.csv"], capsys)
    assert code == 2 and one_line(err) and "--output-col" in err
    assert _inspect_json([tmp_path / "two.csv", "--output-col", "answer"], capsys)["models"]
    code, _, err = run(["inspect", tmp_path / "t.csv", "--model-col", "who"], capsys)
    assert code == 2 and one_line(err) and "'who'" in err and "--model-col" in err


def test_empty_id_col_derives_ids_from_the_prompt_text(tmp_path, capsys):
    """Row numbers restarting per source: one id names two prompts; --id-col '' fixes it."""
    rows = [
        {"model": m, "prompt_id": j, "prompt": f"Q{j} from {m if j == 0 else 'all'}", "output": m}
        for m in ("a", "b", "c")
        for j in range(4)
    ]
    write_jsonl(tmp_path / "clash.jsonl", rows)
    code, _, err = run(["inspect", tmp_path / "clash.jsonl"], capsys)
    assert code == 2 and one_line(err) and "--id-col set to ''" in err
    data = _inspect_json([tmp_path / "clash.jsonl", "--id-col", ""], capsys)
    assert data["n_prompts"] == 6  # Q0 differs per model, Q1-Q3 are shared


def test_inspect_checks_the_embedding_model_it_is_given(tmp_path, capsys):
    rows = [
        {"model": m, "prompt": f"问题 {j}", "output": f"{CHINESE} {j}"}
        for m in ("xinghe", "lanshan")
        for j in range(3)
    ]
    write_jsonl(tmp_path / "zh.jsonl", rows)
    code, out, err = run(["inspect", tmp_path / "zh.jsonl", "--min-shared", "2"], capsys)
    line = next(p for p in out.splitlines() if "Chinese" in p)
    assert "--embedding-model" in line and "`" not in line  # the flag exists on inspect now
    argv = [tmp_path / "zh.jsonl", "--embedding-model", "paraphrase-multilingual-MiniLM-L12-v2"]
    assert not any("Chinese" in p for p in _inspect_json(argv, capsys)["problems"])
    argv = [tmp_path / "zh.jsonl", "--embedding-model", "all-mpnet-base-v2"]  # English-only
    assert any("all-mpnet-base-v2" in p for p in _inspect_json(argv, capsys)["problems"])


def test_column_flags_default_to_recognition():
    from detector.cli import build_parser

    inspect = build_parser()._subparsers._group_actions[0].choices["inspect"]
    actions = {a.dest: a for a in inspect._actions}
    for dest, common in [("model_col", "generator"), ("output_col", "response")]:
        assert actions[dest].default is None and common in actions[dest].help
    assert "''" in actions["id_col"].help

"""``collect --prompts DATA``: the prompts of any corpus the readers read, with its prompt ids.

So a suspect's answers, collected from an OpenAI-compatible server (the fake
server of tests/test_collect.py), align with a published pool's and are read
beside it as one corpus; the README's recipe (collect the suspect and its
predecessor, then ``score --baseline``) runs end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from detector.cli import main
from detector.collect import collect, load_prompts
from detector.corpus import load_corpus

from .synthetic_habits import shift_corpus
from .test_collect import FAST, FakeServer


@pytest.fixture
def server():
    fake = FakeServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")


def alpaca_tree(folder: Path, records: pd.DataFrame) -> Path:
    """An AlpacaEval results tree: results/<model>/model_outputs.json."""
    root = folder / "results"
    for model, rows in records.groupby("model"):
        (root / model).mkdir(parents=True)
        out = [
            {"instruction": r.prompt, "dataset": "test", "output": r.output, "generator": model}
            for r in rows.itertuples()
        ]
        (root / model / "model_outputs.json").write_text(json.dumps(out), encoding="utf-8")
    return root


def mtbench_folder(folder: Path) -> Path:
    """FastChat MT-Bench: question.jsonl beside model_answer/<model>.jsonl, two turns each."""
    (folder / "model_answer").mkdir(parents=True)
    questions = [
        {"question_id": 81 + i, "category": "writing", "turns": [f"Write about {i}.", "Shorter."]}
        for i in range(3)
    ]
    (folder / "question.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8"
    )
    for model in ("a", "b"):
        answers = [
            {
                "question_id": q["question_id"],
                "model_id": model,
                "choices": [{"index": 0, "turns": [f"{model} one", f"{model} two"]}],
            }
            for q in questions
        ]
        (folder / "model_answer" / f"{model}.jsonl").write_text(
            "".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8"
        )
    return folder / "model_answer"


def test_prompts_of_an_alpaca_eval_tree_have_its_ids(tmp_path):
    records = shift_corpus(n_prompts=6, n_others=1)
    tree = alpaca_tree(tmp_path, records)
    prompts = load_prompts(tree)
    corpus = load_corpus(tree)
    assert [p.prompt_id for p in prompts] == list(dict.fromkeys(corpus.df["prompt_id"]))
    assert {p.prompt for p in prompts} == set(records["prompt"])


def test_prompts_of_mtbench_answers_are_first_turns_with_their_ids(tmp_path):
    answers = mtbench_folder(tmp_path)
    with pytest.warns(UserWarning, match="3 later turns"):
        prompts = load_prompts(answers)
    assert [p.prompt_id for p in prompts] == ["81-t1", "82-t1", "83-t1"]
    assert prompts[0].prompt == "Write about 0." and prompts[0].category == "writing"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".jsonl.gz", ".parquet"])
def test_prompts_of_a_table_take_its_id_column(tmp_path, suffix):
    table = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "question_id": ["q7", "q9", "q7", "q9"],
            "question": [
                "Why is the sky blue?",
                "Name a prime.",
                "Why is the sky blue?",
                "Name a prime.",
            ],
            "answer": ["Rayleigh.", "7.", "Scattering.", "11."],
        }
    )
    path = tmp_path / f"pool{suffix}"
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix == ".parquet":
        table.to_parquet(path)
    else:
        table.to_json(path, orient="records", lines=True, compression="infer")
    prompts = load_prompts(path)
    assert [(p.prompt_id, p.prompt) for p in prompts] == [
        ("q7", "Why is the sky blue?"),
        ("q9", "Name a prime."),
    ]


def test_chat_records_and_plain_prompt_files_still_read(tmp_path):
    chat = tmp_path / "chat.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"Q{i}?"}, {"role": "assistant", "content": "A"}]}
        for i in range(2)
    ]
    chat.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [p.prompt for p in load_prompts(chat)] == ["Q0?", "Q1?"]
    plain = tmp_path / "p.jsonl"
    plain.write_text(json.dumps({"prompt_id": "x", "prompt": "Hi"}) + "\n", encoding="utf-8")
    assert [(p.prompt_id, p.prompt) for p in load_prompts(plain)] == [("x", "Hi")]


def test_collected_answers_align_with_the_pool(tmp_path, server, key):
    records = shift_corpus(n_prompts=8, n_others=1)
    tree = alpaca_tree(tmp_path, records)
    out = tmp_path / "mine.jsonl"
    summary = collect(server.base, ["suspect-v2", "suspect-v1"], tree, out, **FAST)
    assert not summary.failed
    both = load_corpus([tree, out])
    shared = both.pairwise_shared()
    pool = load_corpus(tree)
    assert set(both.models) == set(pool.models) | {"suspect-v2", "suspect-v1"}
    assert both.n_prompts == pool.n_prompts == 8
    assert int(shared.loc["suspect-v2", "base"]) == 8  # every prompt lines up with the pool's


def test_recipe_collect_then_score_baseline(tmp_path, server, key, capsys):
    """The README recipe, with a fake server: collect two versions, then score --baseline."""
    tree = alpaca_tree(tmp_path, shift_corpus(n_prompts=24, n_others=6))
    out = tmp_path / "mine.jsonl"
    argv = ["collect", "--endpoint", server.base, "--models", "suspect-v2,suspect-v1"]
    argv += ["--prompts", str(tree), "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    capsys.readouterr()
    argv = ["score", str(tree), str(out), "--suspect", "suspect-v2", "--baseline", "suspect-v1"]
    argv += ["--channels", "style,lexical", "--bootstrap", "20", "--format", "json"]
    argv += ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    assert main(argv) == 0, capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["suspect"] == "suspect-v2" and result["baseline"] == "suspect-v1"
    assert result["n_prompts"] == 24
    names = {c["model"] for c in result["candidates"]} | set(result["reference"])
    assert "suspect-v1" not in names and "base" in names

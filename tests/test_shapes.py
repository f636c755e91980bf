"""Shapes of data people have, read without hand-written flattening (small files built here)."""

from __future__ import annotations

import bz2
import gzip
import importlib
import json
from typing import ClassVar

import pandas as pd
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from detector.corpus import load_corpus, prompt_id
from detector.errors import ProvenanceError


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def chat(system, *turns):
    messages = [{"role": "system", "content": system}] if system else []
    roles = ["user", "assistant"] * len(turns)
    return messages + [{"role": r, "content": t} for r, t in zip(roles, turns, strict=False)]


# ----------------------------------------------------------------- chat records
def test_openai_chat_messages(tmp_path):
    rows = [
        {"model": m, "messages": chat("Be brief.", f"Question {j}?", f"{m} answers {j}.")}
        for m in ("a", "b")
        for j in range(3)
    ]
    rows[0]["messages"] += [
        {"role": "user", "content": "And more?"},
        {"role": "assistant", "content": [{"type": "text", "text": "a: the last turn."}]},
    ]
    rows[1]["messages"][-1]["reasoning_content"] = "thinking it over"
    rows.append({"model": "b", "messages": chat(None, "Unanswered?")})  # no assistant turn
    corpus = load_corpus(write_jsonl(tmp_path / "chat.jsonl", rows))
    df = corpus.df.set_index(["model", "prompt_id"])
    # a's first chat has two exchanges: two records, each answer with the turn it answers
    assert corpus.models == ["a", "b"] and corpus.n_prompts == 4
    first = df.loc[("a", prompt_id("Question 0?"))]
    assert first["prompt"] == "Question 0?" and first["output"] == "a answers 0."
    assert first["system"] == "Be brief." and first["turns"] == 5 and first["exchange"] == 1
    second = corpus.df[corpus.df["exchange"] == 2].iloc[0]
    assert second["prompt"] == "And more?" and second["output"] == "a: the last turn."
    assert second["prompt_id"] not in (prompt_id("And more?"), prompt_id("Question 0?"))
    assert df.loc[("a", prompt_id("Question 1?")), "reasoning"] == "thinking it over"
    assert any("1 null or empty output(s) excluded: b (1)" in p for p in corpus.problems)
    assert "1 of 7 conversation(s) have several exchanges" in " ".join(corpus.notes)


def test_multi_turn_chats_give_one_record_per_exchange(tmp_path):
    """LMSYS-Chat-1M style ``conversation`` lists: every answer paired with the turn it answers."""
    rows = []
    for m in ("a", "b", "c"):
        for j in range(6):
            turns = [f"Tell me about topic {j}.", f"{m} on topic {j}: a long answer."]
            if j % 3 == 0:  # a third of the chats go on
                turns += ["Can you make it shorter?", f"{m} on topic {j}, short."]
            rows.append(
                {"conversation_id": f"{m}{j}", "model": m, "turn": len(turns) // 2,
                 "conversation": [
                     {"role": r, "content": t}
                     for r, t in zip(["user", "assistant"] * 2, turns, strict=False)
                 ]}
            )  # fmt: skip
    corpus = load_corpus(write_jsonl(tmp_path / "lmsys.jsonl", rows))
    df = corpus.df
    assert len(df) == 3 * 8 and corpus.n_prompts == 8
    short = df[df["prompt"] == "Can you make it shorter?"]
    # each follow-up is its own prompt per conversation, shared by the models that had it
    assert short["prompt_id"].nunique() == 2 and (short.groupby("prompt_id").size() == 3).all()
    assert short["output"].str.endswith(", short.").all() and (short["exchange"] == 2).all()
    first = df[(df["model"] == "a") & (df["prompt"] == "Tell me about topic 0.")]
    assert first["output"].tolist() == ["a on topic 0: a long answer."]  # not the last turn
    assert (df["sample"] == 0).all()  # no answer taken for a repeat of another prompt
    from detector.inspection import inspect

    notes = inspect(corpus, languages=False).notes
    assert any("6 of 18 conversation(s) have several exchanges" in n for n in notes)
    # with an id column, a later exchange is <id>-t<k>, as MT-Bench turns
    for r in rows:
        r["prompt_id"] = r["conversation_id"][1:]
    ids = load_corpus(write_jsonl(tmp_path / "ids.jsonl", rows)).df
    assert sorted(ids.loc[ids["exchange"] == 2, "prompt_id"].unique()) == ["0-t2", "3-t2"]
    # arena battles that go on: one record per side and exchange
    battles = [
        {"model_a": "a", "model_b": "b", "winner": "tie",
         "conversation_a": chat(None, "Hi?", "a: hi", "Shorter?", "a: hi."),
         "conversation_b": chat(None, "Hi?", "b: hello", "Shorter?", "b: hey")}
    ]  # fmt: skip
    arena = load_corpus(write_jsonl(tmp_path / "arena.jsonl", battles))
    assert len(arena.df) == 4 and arena.n_prompts == 2
    assert "1 of 1 conversation(s)" in " ".join(arena.notes)


def test_sharegpt_conversations_and_chat_in_csv(tmp_path):
    rows = [
        {
            "model": m,
            "conversations": [
                {"from": "human", "value": f"Q{j}"},
                {"from": "gpt", "value": f"{m} says {j}"},
            ],
        }
        for m in ("a", "b")
        for j in range(2)
    ]
    assert load_corpus(write_jsonl(tmp_path / "sg.jsonl", rows)).n_prompts == 2
    # a CSV export keeps the messages as JSON text
    frame = pd.DataFrame(
        [{"model": m, "messages": json.dumps(chat(None, "Q", f"{m}!"))} for m in ("a", "b")]
    )
    frame.to_csv(tmp_path / "chat.csv", index=False)
    corpus = load_corpus(tmp_path / "chat.csv")
    assert (
        corpus.df["output"].tolist() == ["a!", "b!"] and corpus.df["prompt"].tolist() == ["Q"] * 2
    )


def test_arena_battles_unpack_into_two_records(tmp_path):
    rows = [
        {
            "question_id": f"battle{i}",
            "model_a": a,
            "model_b": b,
            "winner": "model_a",
            "conversation_a": chat(None, prompt, f"{a} on {prompt} #{i}"),
            "conversation_b": chat(None, prompt, f"{b} on {prompt} #{i}"),
            "openai_moderation": {"flagged": False},
            "turn": 1,
        }
        for i, (a, b, prompt) in enumerate(
            [("x", "y", "hi"), ("x", "z", "hi"), ("y", "z", "bye"), ("x", "y", "bye")]
        )
    ]
    corpus = load_corpus(write_jsonl(tmp_path / "arena.jsonl", rows))
    df = corpus.df
    assert len(df) == 8 and corpus.models == ["x", "y", "z"] and corpus.n_prompts == 2
    assert set(df["side"]) == {"a", "b"} and "winner" in df and "battle_id" in df
    assert "openai_moderation" not in df.columns  # dict metadata is not carried
    # x answered "hi" in two battles: two samples of one prompt
    x_hi = df[(df["model"] == "x") & (df["prompt_id"] == prompt_id("hi"))]
    assert sorted(x_hi["sample"]) == [0, 1]
    assert not df.duplicated(["model", "prompt_id", "sample"]).any()


# ----------------------------------------------------------------- MT-Bench
def mtbench(root, models=("a", "b"), n_choices=1):
    questions = [
        {"question_id": 81 + i, "category": "writing", "turns": [f"Topic {i}?", "Shorter."]}
        for i in range(3)
    ]
    write_jsonl(root / "question.jsonl", questions)
    for m in models:
        answers = [
            {
                "question_id": q["question_id"],
                "model_id": m,
                "choices": [
                    {"index": k, "turns": [f"## {m} on {i}\n\npara {k}", f"{m} short {i}"]}
                    for k in range(n_choices)
                ],
            }
            for i, q in enumerate(questions)
        ]
        write_jsonl(root / "model_answer" / f"{m}.jsonl", answers)
    return root


def test_mtbench_folder_each_turn_its_own_prompt(tmp_path):
    root = mtbench(tmp_path / "mt_bench", n_choices=2)
    for source in (root, root / "model_answer", root / "model_answer" / "a.jsonl"):
        corpus = load_corpus(source)
        assert corpus.n_prompts == 6 and corpus.n_samples == 2
    corpus = load_corpus(root)
    row = corpus.df.set_index(["model", "prompt_id", "sample"]).loc[("a", "82-t1", 1)]
    assert row["prompt"] == "Topic 1?" and row["output"] == "## a on 1\n\npara 1"
    assert row["turn"] == 1 and row["category"] == "writing"
    assert corpus.df.loc[corpus.df["prompt_id"] == "83-t2", "prompt"].unique().tolist() == [
        "Shorter."
    ]


def test_mtbench_questions_given_or_missing(tmp_path):
    root = mtbench(tmp_path / "mt")
    moved = tmp_path / "elsewhere" / "answers.jsonl"
    moved.parent.mkdir()
    moved.write_bytes((root / "model_answer" / "a.jsonl").read_bytes())
    with pytest.raises(ProvenanceError, match=r"need their questions.*`questions`"):
        load_corpus(moved)
    corpus = load_corpus(moved, questions=root / "question.jsonl")
    assert corpus.n_prompts == 6


def test_mtbench_models_are_named_by_their_answer_file(tmp_path):
    """FastChat names a model by ``model_answer/<name>.jsonl``, not by the model_id inside."""
    root = mtbench(tmp_path / "mt", models=("a", "vicuna-13b-v1.3"))
    answers = root / "model_answer"
    moved = answers / "vicuna-13b-v1.3.jsonl"
    moved.write_text(moved.read_text().replace('"vicuna-13b-v1.3"', '"vicuna-13b-hao-0515"'))
    gz = answers / "rwkv-4-raven-14b.jsonl.gz"
    gz.write_bytes(gzip.compress((answers / "a.jsonl").read_bytes().replace(b'"a"', b'"RWKV"')))
    for source in (root, answers, [answers / "a.jsonl", moved, gz]):
        with pytest.warns(UserWarning, match=r"2 MT-Bench answer file\(s\) name another model"):
            corpus = load_corpus(source)
        assert corpus.models == ["a", "rwkv-4-raven-14b", "vicuna-13b-v1.3"]
        note = next(n for n in corpus.notes if "MT-Bench" in n)
        assert "'vicuna-13b-v1.3' (model_id 'vicuna-13b-hao-0515')" in note
        assert "'rwkv-4-raven-14b' (model_id 'RWKV')" in note
        own = corpus.df.groupby("model")["model_id"].first()
        assert own["vicuna-13b-v1.3"] == "vicuna-13b-hao-0515" and own["a"] == "a"
        assert note in inspect_corpus(corpus).notes
    # outside a model_answer folder the name inside is the only name; so with model_col
    elsewhere = tmp_path / "answers.jsonl"
    elsewhere.write_bytes(moved.read_bytes())
    plain = load_corpus(elsewhere, questions=root / "question.jsonl")
    assert plain.models == ["vicuna-13b-hao-0515"] and not plain.notes
    assert load_corpus(root, model_col="model_id").models == ["RWKV", "a", "vicuna-13b-hao-0515"]
    # a file in model_answer holding several models keeps each record's name, and says so
    both = tmp_path / "two" / "model_answer"
    both.mkdir(parents=True)
    (tmp_path / "two" / "question.jsonl").write_bytes((root / "question.jsonl").read_bytes())
    (both / "all.jsonl").write_bytes((answers / "a.jsonl").read_bytes() + moved.read_bytes())
    several = load_corpus(both)
    assert several.models == ["a", "vicuna-13b-hao-0515"]
    assert "holding 2 models" in " ".join(several.notes)


def inspect_corpus(corpus):
    from detector.inspection import inspect

    return inspect(corpus, languages=False)


# ----------------------------------------------------------------- files and folders
def test_folder_and_several_paths_are_one_corpus(tmp_path):
    for m in ("a", "b", "c"):
        rows = [{"prompt": f"Q{j}", "model": m, "output": f"{m}{j}"} for j in range(4)]
        write_jsonl(tmp_path / "runs" / f"generated_{m}.jsonl", rows)
    (tmp_path / "runs" / "generated_a.jsonl.failures.jsonl").write_text('{"model": "a"}\n')
    (tmp_path / "runs" / "notes.txt").write_text("not data")
    corpus = load_corpus(tmp_path / "runs")
    assert corpus.models == ["a", "b", "c"] and corpus.n_prompts == 4 and len(corpus) == 12
    some = load_corpus(
        [tmp_path / "runs" / "generated_a.jsonl", tmp_path / "runs" / "generated_c.jsonl"]
    )
    assert some.models == ["a", "c"] and "generated_a.jsonl" in some.source


def test_per_model_result_files(tmp_path):
    for m in ("org/model-x", "model-y"):
        samples = [
            {"prompt_index": j, "prompt": f"Story {j}", "output": f"{m} tells {j}", "hits": 3}
            for j in range(3)
        ]
        result = {m: {"test_model": m, "params": {"temperature": 0.7}, "samples": samples}}
        (tmp_path / f"{m.replace('/', '_')}.json").write_text(json.dumps(result))
    corpus = load_corpus(tmp_path)
    assert corpus.models == ["model-y", "org/model-x"] and corpus.n_prompts == 3
    assert "prompt_index" in corpus.df.columns and "params" not in corpus.df.columns


def test_compressed_files(tmp_path, records):
    text = "".join(json.dumps(r) + "\n" for r in records.to_dict("records"))
    (tmp_path / "c.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    assert len(load_corpus(tmp_path / "c.jsonl.gz")) == 15
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(records.to_csv(index=False).encode()))
    assert len(load_corpus(tmp_path / "c.csv.gz")) == 15
    (tmp_path / "c.jsonl.bz2").write_bytes(bz2.compress(text.encode()))
    assert len(load_corpus(tmp_path / "c.jsonl.bz2")) == 15
    (tmp_path / "misnamed.jsonl").write_bytes(gzip.compress(text.encode()))  # gzip under .jsonl
    assert len(load_corpus(tmp_path / "misnamed.jsonl")) == 15
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(text.encode())[:-30])
    with pytest.raises(ProvenanceError, match=r"cut.jsonl.gz: is a gzip file that cannot be"):
        load_corpus(tmp_path / "cut.jsonl.gz")
    (tmp_path / "plain.jsonl.gz").write_text(text)
    with pytest.raises(ProvenanceError, match=r"named like a gzip file but is not"):
        load_corpus(tmp_path / "plain.jsonl.gz")


class FakeHub(MemoryFileSystem):
    """Stands in for huggingface_hub's ``hf://`` filesystem (no network)."""

    protocol = "hf"
    store: ClassVar[dict] = {}  # its own files, not those of memory://
    pseudo_dirs: ClassVar[list] = [""]

    @classmethod
    def _strip_protocol(cls, path):
        return super()._strip_protocol(path.removeprefix("hf://"))


def test_hf_paths_as_pandas_and_polars_write_them(monkeypatch, records):
    monkeypatch.setitem(importlib.import_module("fsspec.registry")._registry, "hf", FakeHub)
    hub = FakeHub()
    hub.store.clear()
    half = len(records) // 2
    with hub.open("datasets/org/outputs/data/part-0.parquet", "wb") as fh:
        records.iloc[:half].to_parquet(fh)
    with hub.open("datasets/org/outputs/data/part-1.parquet", "wb") as fh:
        records.iloc[half:].to_parquet(fh)
    with hub.open("datasets/org/outputs/all.jsonl", "wb") as fh:
        fh.write("".join(json.dumps(r) + "\n" for r in records.to_dict("records")).encode())
    assert len(load_corpus("hf://datasets/org/outputs/all.jsonl")) == 15
    corpus = load_corpus("hf://datasets/org/outputs/data/*.parquet")
    assert len(corpus) == 15 and corpus.n_models == 3
    with pytest.raises(ProvenanceError, match=r"hf://datasets/org/missing.jsonl: .*download"):
        load_corpus("hf://datasets/org/missing.jsonl")


# ----------------------------------------------------------------- columns
@pytest.mark.parametrize(
    "names",
    [
        {"model": "generator", "prompt": "instruction", "output": "output"},
        {"model": "model_id", "prompt": "question", "output": "response"},
        {"model": "Model", "prompt": "Prompt", "output": "completion"},
        {"model": "model_name", "prompt": "query", "output": "answer"},
    ],
)
def test_common_column_names_need_no_flags(records, names):
    corpus = load_corpus(records.rename(columns=names))
    assert corpus.models == ["m0", "m1", "m2"] and corpus.n_prompts == 5


def test_ambiguous_or_missing_columns_are_one_line(records):
    both = records.rename(columns={"output": "response"}).assign(answer="gold")
    with pytest.raises(
        ProvenanceError,
        match=r"'response' and 'answer' could both hold the outputs; choose one with `output_col`",
    ):
        load_corpus(both)
    assert load_corpus(both, output_col="response").df["output"].str.startswith("Model").all()
    canonical = records.assign(response="other")  # the canonical name wins
    assert load_corpus(canonical).df["output"].str.startswith("Model").all()
    with pytest.raises(ProvenanceError, match=r"missing column 'text' \(`output_col`\)"):
        load_corpus(records, output_col="text")


@pytest.mark.parametrize(
    "value, message",
    [
        ([{"index": 0, "turns": ["x"]}], "column 'output' holds lists, not text"),
        ({"text": "x"}, "column 'output' holds objects \\(dicts\\), not text"),
        (42, "column 'output' holds numbers, not text"),
    ],
)
def test_nested_or_non_text_outputs_are_refused(tmp_path, value, message):
    rows = [
        {"model": "a", "prompt": "p", "output": value},
        {"model": "b", "prompt": "p", "output": "ok"},
    ]
    with pytest.raises(ProvenanceError, match=message) as err:
        load_corpus(write_jsonl(tmp_path / "x.jsonl", rows))
    assert "`output_col`" in str(err.value) and "\n" not in str(err.value)


def test_nested_prompt_refused_numeric_prompt_kept(tmp_path):
    rows = [{"model": "a", "prompt": ["p"], "output": "o"}]
    with pytest.raises(ProvenanceError, match="column 'prompt' holds lists"):
        load_corpus(write_jsonl(tmp_path / "x.jsonl", rows))
    rows = [{"model": "a", "prompt": 7, "output": "o"}, {"model": 3, "prompt": 7, "output": "p"}]
    corpus = load_corpus(write_jsonl(tmp_path / "y.jsonl", rows))
    assert corpus.models == ["3", "a"] and corpus.df["prompt"].tolist() == ["7", "7"]


# ----------------------------------------------------------------- alignment
def test_one_id_naming_two_prompts_is_an_error(records):
    mixed = records.assign(prompt_id=[f"q{j}" for j in range(5)] * 3)
    mixed.loc[mixed["model"] == "m2", "prompt_id"] = [f"q{(j + 1) % 5}" for j in range(5)]
    with pytest.raises(ProvenanceError) as err:
        load_corpus(mixed)
    message = str(err.value)
    assert "prompt id 'q0' names different prompts" in message
    assert "'Question number 0: explain topic 0.' (m0, m1)" in message
    assert "'Question number 4: explain topic 4.' (m2)" in message
    assert "`id_col`" in message and "\n" not in message
    corpus = load_corpus(mixed, id_col="")  # ids from the text instead
    assert corpus.n_prompts == 5 and "source_prompt_id" in corpus.df.columns


def test_ids_without_text_take_the_text_of_the_same_id(records):
    frame = records.assign(prompt_id=[f"q{j}" for j in range(5)] * 3)
    frame.loc[frame["model"] == "m1", "prompt"] = None
    corpus = load_corpus(frame)
    assert (corpus.df["prompt"] != "").all() and corpus.n_prompts == 5


def test_samples_from_collect_ids_and_sample_columns(records):
    again = records.assign(prompt_id=[f"q{j}" for j in range(5)] * 3)
    second = again.assign(prompt_id=again["prompt_id"] + "#s1", output=again["output"] + " (2)")
    corpus = load_corpus(pd.concat([again, second]))
    assert corpus.n_prompts == 5 and corpus.n_samples == 2 and len(corpus) == 30
    assert set(corpus.df["prompt_id"]) == {f"q{j}" for j in range(5)}
    assert corpus.df.groupby("sample").size().to_dict() == {0: 15, 1: 15}
    assert corpus.outputs("m0")["q0"] == again["output"][0]
    assert corpus.outputs("m0", sample=1)["q0"].endswith("(2)")
    column = pd.concat([records.assign(sample=0), records.assign(sample=1, output="x")])
    sampled = load_corpus(column)
    assert sampled.n_samples == 2 and sampled.df["sample"].dtype == "int64"
    with pytest.raises(ProvenanceError, match="column 'sample' must hold whole numbers"):
        load_corpus(records.assign(sample="first"))


def test_sample_zero_keeps_the_content_hash(records):
    plain = load_corpus(records)
    more = load_corpus(pd.concat([records, records.assign(output="x")]))
    assert plain.content_hash() == load_corpus(records.assign(sample=0)).content_hash()
    assert more.content_hash() != plain.content_hash()


def test_pretty_printed_json_named_jsonl_gets_the_right_advice(tmp_path, records):
    path = tmp_path / "outputs.jsonl"
    path.write_text(json.dumps(records.to_dict("records"), indent=2))
    with pytest.raises(
        ProvenanceError,
        match=r"outputs.jsonl: holds one JSON document \(a pretty-printed array\), not JSON Lines; name it .json",
    ):
        load_corpus(path)
    renamed = path.rename(tmp_path / "outputs.json")
    assert len(load_corpus(renamed)) == 15


def test_records_without_ids_make_ids_from_text_and_say_so(records):
    partial = records.assign(prompt_id=["q"] * 14 + [None])
    corpus = load_corpus(partial)
    assert corpus.n_prompts == 5
    assert "prompt ids derived from the prompt text: 1 record(s) have no id" in corpus.problems

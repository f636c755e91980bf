"""Corpus loading, alignment and validation on small data the tests build."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from detector.corpus import (
    Corpus,
    json_lines,
    load_corpus,
    normalize_prompt,
    prompt_id,
)
from detector.errors import ProvenanceError
from detector.inspection import inspect

from .conftest import make_records


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_prompt_id_is_stable_under_whitespace_and_unicode_forms():
    assert prompt_id("Explain  gravity.\n") == prompt_id(" Explain gravity.")
    assert prompt_id("caf\u00e9") == prompt_id("cafe\u0301")  # NFC
    assert prompt_id("a") != prompt_id("b")
    assert normalize_prompt("  a \n b ") == "a b"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet", ".json"])
def test_formats_load_the_same_table(tmp_path, records, suffix):
    path = tmp_path / f"c{suffix}"
    if suffix == ".jsonl":
        write_jsonl(path, records.to_dict("records"))
    elif suffix == ".csv":
        records.to_csv(path, index=False)
    elif suffix == ".parquet":
        records.to_parquet(path)
    else:
        path.write_text(json.dumps(records.to_dict("records")))
    corpus = load_corpus(path)
    assert corpus.models == ["m0", "m1", "m2"]
    assert corpus.n_prompts == 5
    assert len(corpus) == 15
    assert corpus.problems == []
    # ids derive from the prompt text, identically across formats
    assert set(corpus.prompt_ids) == {prompt_id(p) for p in records["prompt"]}


def test_column_mapping_and_metadata_kept(tmp_path, records):
    raw = records.rename(columns={"model": "generator", "prompt": "instruction", "output": "text"})
    raw["id"] = [f"q{j}" for j in range(5)] * 3
    raw["dataset"] = "demo"
    path = tmp_path / "c.jsonl"
    write_jsonl(path, raw.to_dict("records"))
    corpus = load_corpus(
        path, model_col="generator", prompt_col="instruction", output_col="text", id_col="id"
    )
    assert corpus.prompt_ids == [f"q{j}" for j in range(5)]
    assert "dataset" in corpus.df.columns


def test_dataframe_and_hf_dataset_and_save_to_disk(tmp_path, records):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_pandas(records)
    assert load_corpus(ds).n_models == 3
    ds.save_to_disk(str(tmp_path / "saved"))
    corpus = load_corpus(tmp_path / "saved")
    assert corpus.n_models == 3 and corpus.n_prompts == 5
    assert load_corpus(records).n_models == 3


def test_hub_id_uses_load_dataset(monkeypatch, records):
    datasets = pytest.importorskip("datasets")
    calls = {}

    def fake_load_dataset(name, config=None, split=None):
        calls.update(name=name, config=config, split=split)
        return datasets.Dataset.from_pandas(records)

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    corpus = load_corpus("hf:org/outputs:default:test")
    assert calls == {"name": "org/outputs", "config": "default", "split": "test"}
    assert corpus.n_models == 3


def test_hub_failure_is_one_line(monkeypatch):
    datasets = pytest.importorskip("datasets")

    def boom(*a, **k):
        raise ConnectionError("offline\nmore detail")

    monkeypatch.setattr(datasets, "load_dataset", boom)
    with pytest.raises(ProvenanceError, match="could not load the dataset") as err:
        load_corpus("hf:org/missing")
    assert "\n" not in str(err.value)


def test_alpaca_eval_tree(tmp_path):
    for model in ("a", "b"):
        folder = tmp_path / "results" / model
        folder.mkdir(parents=True)
        rows = [
            {
                "instruction": f"Q{j}",
                "output": f"{model} says {j}",
                "generator": model,
                "dataset": "x",
            }
            for j in range(4)
        ]
        if model == "b":
            rows[0]["output"] = ""  # an empty answer is excluded and reported
        (folder / "model_outputs.json").write_text(json.dumps(rows))
    corpus = load_corpus(tmp_path)
    assert corpus.models == ["a", "b"]
    assert corpus.coverage().to_dict() == {"a": 4, "b": 3}
    assert any("empty output" in p and "b (1)" in p for p in corpus.problems)
    assert any("partial coverage" in p for p in corpus.problems)


def test_alignment_helpers():
    df = make_records(3, 4)
    df = df[~((df["model"] == "m2") & df["prompt"].str.contains("number 0"))]
    corpus = load_corpus(df)
    assert len(corpus.shared_prompts()) == 3
    assert len(corpus.shared_prompts(["m0", "m1"])) == 4
    shared = corpus.pairwise_shared()
    assert shared.loc["m0", "m2"] == 3 and shared.loc["m0", "m1"] == 4
    assert corpus.outputs("m2").shape == (3,)
    assert corpus.subset(models=["m0"]).n_models == 1
    assert corpus.sparse_models(4) == {"m2": 3}
    assert corpus.sparse_models(3) == {}


def test_content_hash_ignores_row_order(records):
    a = load_corpus(records)
    b = load_corpus(records.sample(frac=1, random_state=0))
    assert a.content_hash() == b.content_hash()
    changed = records.copy()
    changed.loc[0, "output"] = "different"
    assert load_corpus(changed).content_hash() != a.content_hash()


def test_exact_duplicates_dropped_repeats_become_samples(records):
    doubled = pd.concat([records, records.iloc[:2]])
    corpus = load_corpus(doubled)
    assert len(corpus) == 15
    assert any("duplicate" in p for p in corpus.problems)
    again = records.iloc[:1].copy()
    again["output"] = "another answer"
    corpus = load_corpus(pd.concat([records, again]))
    assert len(corpus) == 16 and corpus.n_prompts == 5 and corpus.n_samples == 2
    row = corpus.df[corpus.df["output"] == "another answer"].iloc[0]
    assert row["sample"] == 1 and row["prompt_id"] == prompt_id(records["prompt"][0])
    assert any("kept as repeated samples" in p and "'m0'" in p for p in corpus.problems)
    # an explicit sample column must not repeat itself
    explicit = pd.concat([records, again]).assign(sample=0)
    with pytest.raises(ProvenanceError, match="two different outputs for prompt .* sample 0"):
        load_corpus(explicit)


@pytest.mark.parametrize(
    "content, suffix, message",
    [
        (b"", ".jsonl", "empty"),
        (
            b'{"model": "a", "prompt": "p", "output": "o"}\n{broken\n',
            ".jsonl",
            r":2: malformed JSON",
        ),
        (b"\xff\xfe\x00bad", ".jsonl", "undecodable"),
        (
            b'{"model": "a", "prompt": "p"}\n',
            ".jsonl",
            "missing column for the outputs.*`output_col`",
        ),
        (b"model,prompt,output\n", ".csv", "no rows"),
        (b"[1, 2]", ".json", "list of records"),
        (b"not parquet", ".parquet", "Parquet"),
        (b"x", ".txt", "unknown format"),
        (b'{"model": "a", "prompt": "p", "output": null}\n', ".jsonl", "null or empty"),
    ],
)
def test_bad_input_raises_one_line(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(ProvenanceError, match=message) as err:
        load_corpus(path)
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)


def test_missing_path_and_unknown_models(tmp_path, records):
    with pytest.raises(ProvenanceError, match="no such file"):
        load_corpus(tmp_path / "nope.jsonl")
    (tmp_path / "folder").mkdir()
    with pytest.raises(
        ProvenanceError, match="a folder without .jsonl.*not an AlpacaEval results tree"
    ):
        load_corpus(tmp_path / "folder")
    corpus = load_corpus(records)
    with pytest.raises(ProvenanceError, match="known models: m0, m1, m2"):
        corpus.check_models(["m0", "zz"])


def test_inspect_summary(records):
    corpus = load_corpus(records)
    result = inspect(corpus, min_shared=5)
    d = result.to_dict()
    assert d["n_models"] == 3 and d["n_prompts"] == 5 and d["models"] == {"m0": 5, "m1": 5, "m2": 5}
    assert d["problems"] == []
    assert d["lengths"]["m0"]["mean_words"] > 5
    assert "m0" in result.to_text() and "<table" in result._repr_html_()
    assert isinstance(corpus, Corpus) and "3 models" in repr(corpus)
    flagged = inspect(corpus, min_shared=10).problems
    assert flagged == ["models share at most 5 prompts; comparing models needs at least 10"]
    partial = load_corpus(make_records(3, 12).iloc[:-8])
    assert any("'m2' shares at most 4" in p for p in inspect(partial, min_shared=10).problems)


@pytest.mark.realdata
def test_real_alpaca_eval_corpus(dev_corpus_path):
    corpus = load_corpus(dev_corpus_path)
    result = inspect(corpus).to_dict()
    assert result["n_models"] == 42
    assert result["n_prompts"] == 805
    assert result["n_outputs"] == 33804 and result["n_samples"] == 1
    assert result["models"]["text_davinci_001"] == 803
    assert result["models"]["llama-2-70b-chat-hf"] == 804
    assert (
        "3 null or empty output(s) excluded: gemini-pro (1), text_davinci_003 (2)"
        in (result["problems"])
    )
    assert any("partial coverage" in p for p in result["problems"])
    assert result["degenerate"] == {} and not any(result["reasoning"].values())
    assert all(list(shares) == ["en"] for shares in result["languages"].values())


@pytest.mark.realdata
def test_real_creative_corpus(dev_corpus_path):
    path = dev_corpus_path.parent / "creative_2025" / "outputs.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    corpus = load_corpus(path)
    assert (corpus.n_models, corpus.n_prompts, len(corpus)) == (22, 300, 6069)
    (empty,) = [p for p in corpus.problems if "empty output" in p]
    assert empty.startswith("381 null or empty output(s) excluded: claude-sonnet-4-20250514 (150)")
    result = inspect(corpus, languages=False)
    assert result.degenerate == {}
    loops = {m: f["loop"] for m, f in result.flagged.items()}
    assert loops == {"Mistral-Small-3.2-24B-Instruct-2506": 2, "kimi-k2-0905": 1}


def test_lone_surrogates_do_not_crash_hashing(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"model": "a", "prompt": "p", "output": "broken \\ud83d emoji"}\n'
        '{"model": "b", "prompt": "p", "output": "fine"}\n'
    )
    corpus = load_corpus(path)
    assert len(corpus.content_hash()) == 16


def test_json_lines_numbers_lines_and_names_the_bad_one(tmp_path):
    path = tmp_path / "x.jsonl"
    text = '{"a": 1}\n\n  \n[2, 3]\n"four"\n{oops\n{"never": "read"}\n'
    lines = json_lines(path, text)
    assert [next(lines), next(lines), next(lines)] == [(1, {"a": 1}), (4, [2, 3]), (5, "four")]
    with pytest.raises(ProvenanceError) as err:
        next(lines)
    message = str(err.value)
    assert message.startswith(f"{path}:6: malformed JSON line (")
    assert message.endswith("); fix or remove that line") and "\n" not in message


def test_a_lineage_table_beside_the_outputs_is_left_out_with_a_warning(tmp_path):
    """`provenance score data/demo`: the folder holds outputs.jsonl and lineage.csv."""
    import shutil
    import warnings

    from detector.corpus import load_corpus

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    folder = tmp_path / "demo"
    folder.mkdir()
    for name in ("outputs.jsonl", "lineage.csv"):
        shutil.copy(demo / name, folder / name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        corpus = load_corpus(folder)
    assert corpus.n_models == load_corpus(demo / "outputs.jsonl").n_models
    assert any("lineage table" in str(w.message) and "`lineage`" in str(w.message) for w in caught)
    with pytest.raises(ProvenanceError, match="missing column for the outputs"):
        load_corpus(folder / "lineage.csv")  # alone, it is read and refused as before

"""The field cases of loading and ``inspect`` (``../shared/cases``), each as a test.

Each test builds a small input of the case's shape with the case's fault and checks the
result a user expects (cases 06 and 07, on ``collect``, are in ``test_collect_answers``).
The ``realdata`` tests run the same checks on the case files themselves when they are
present.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.inspection import inspect

from .conftest import DEV_CORPUS

CASES = Path(os.environ.get("PROVENANCE_CASES", DEV_CORPUS.parent.parent / "cases"))
TOPICS = ["3D printing", "beekeeping", "composting", "sleep hygiene", "running", "baking"]
MODELS = ["atlas", "borealis", "cirrus"]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def answer(model: str, topic: str) -> str:
    return f"### Tips for {topic}\n\n{model} says: start small.\n\n- Keep notes.\n- Ask for help."


@pytest.fixture
def cases() -> Path:
    if not CASES.is_dir():
        pytest.skip(f"field cases not found at {CASES}")
    return CASES


# ----------------------------------------------------------------- 02 slop-forensics
def slop_forensics(folder: Path) -> Path:
    """generated_<model>.jsonl; ids are row numbers per source dataset; one prompt twice."""
    for model in MODELS:
        rows = [
            {"source": "A", "id": i, "prompt": f"Advice on {t}.", "model": model,
             "output": answer(model, t)}
            for i, t in enumerate(TOPICS)
        ]  # fmt: skip
        rows.append(dict(rows[0], id=len(TOPICS), prompt=rows[0]["prompt"] + " ",
                         output=answer(model, TOPICS[0]) + " Again."))  # fmt: skip
        if model == "cirrus":  # its rows come from a second source numbered from 0
            rows[1:3] = [
                {"source": "B", "id": 0, "prompt": "Explain tides.", "model": model,
                 "output": "Tides follow the moon."},
                {"source": "B", "id": 1, "prompt": "Explain rain.", "model": model,
                 "output": "Rain falls from clouds."},
            ]  # fmt: skip
        write_jsonl(folder / f"generated_{model}.jsonl", rows)
    return folder


def test_02_folder_loads_and_per_source_ids_are_an_error(tmp_path):
    folder = slop_forensics(tmp_path / "datasets")
    corpus = load_corpus(folder)  # a folder of JSONL files is one corpus
    assert corpus.models == MODELS and corpus.n_samples == 2
    assert any("kept as repeated samples" in p for p in corpus.problems)
    with pytest.raises(ProvenanceError) as err:
        load_corpus(folder, id_col="id")
    message = str(err.value)
    assert re.search(
        r"prompt id '0' names different prompts: .*\(atlas, borealis, cirrus\)", message
    )
    assert "'Explain tides.' (cirrus)" in message and "\n" not in message


@pytest.mark.realdata
def test_02_real_files(cases):
    folder = cases / "02-slop-forensics"
    corpus = load_corpus(folder / "datasets")
    assert corpus.n_models == 6 and corpus.n_prompts == 30 and len(corpus) == 186
    assert load_corpus(folder / "all.jsonl", id_col="id").n_prompts == 31
    with pytest.raises(ProvenanceError, match="prompt id '0' names different prompts"):
        load_corpus(folder / "all_two_sources.jsonl", id_col="id")
    with pytest.raises(ProvenanceError, match="prompt id '0' names different prompts"):
        load_corpus(folder / "datasets_two_sources", id_col="id")


# ----------------------------------------------------------------- 03 MT-Bench
def test_03_mtbench_answers_read_natively(tmp_path):
    questions = [
        {"question_id": 81 + i, "category": "writing", "turns": [f"Advice on {t}?", "Shorter."]}
        for i, t in enumerate(TOPICS)
    ]
    write_jsonl(tmp_path / "question.jsonl", questions)
    rows = [
        {"question_id": q["question_id"], "answer_id": "x", "model_id": m,
         "choices": [{"index": 0, "turns": [answer(m, t), f"{m}: be brief."]}]}
        for m in MODELS
        for q, t in zip(questions, TOPICS, strict=True)
    ]  # fmt: skip
    corpus = load_corpus(write_jsonl(tmp_path / "all_answers.jsonl", rows))
    assert corpus.n_prompts == 12 and len(corpus) == 36
    first = corpus.df.set_index(["model", "prompt_id"]).loc[("atlas", "81-t1")]
    assert first["output"] == answer("atlas", TOPICS[0])  # markdown and paragraphs kept
    assert first["prompt"] == "Advice on 3D printing?"
    # any other list column as the output is refused, pointing at the column
    other = pd.DataFrame([{"model": m, "prompt": "p", "output": [m]} for m in MODELS])
    with pytest.raises(ProvenanceError, match=r"column 'output' holds lists, not text"):
        load_corpus(other)


@pytest.mark.realdata
def test_03_real_files(cases):
    folder = cases / "03-mtbench"
    for source in (folder / "model_answer", folder / "all_answers.jsonl"):
        corpus = load_corpus(source)
        assert corpus.n_models == 6 and corpus.n_prompts == 80 and len(corpus) == 480
        assert corpus.df["output"].str.contains("\n\n").mean() > 0.4
        assert not corpus.df["output"].str.startswith("[{").any()


# ----------------------------------------------------------------- 04 chat messages
@pytest.mark.realdata
def test_04_real_files(cases):
    corpus = load_corpus(cases / "04-chat-messages" / "outputs_messages.jsonl")
    assert corpus.n_models == 6 and corpus.n_prompts == 40 and len(corpus.shared_prompts()) == 40
    assert (corpus.df["system"] == "You are a helpful assistant.").all()
    assert not corpus.df["output"].str.startswith("[{").any()


# ----------------------------------------------------------------- 05 R1 think blocks
def strip_think(text: str) -> str:
    """The case's control: the same outputs with the think blocks removed by hand."""
    return re.sub(r"^(?:<think>)?.*?</think>\s*", "", text, flags=re.S)


def test_05_traces_split_from_answers(tmp_path):
    rows = []
    for m in MODELS + ["r1-student"]:
        for j, t in enumerate(TOPICS):
            out = answer(m, t)
            if m == "r1-student":
                trace = f"Okay, the user asks about {t}. Let me list tips."
                out = (
                    f"<think>\n{trace}\n</think>\n\n" if j % 2 else f"{trace}\n</think>\n\n"
                ) + out
            rows.append({"model": m, "prompt": f"Advice on {t}.", "output": out})
    path = write_jsonl(tmp_path / "outputs.jsonl", rows)
    corpus = load_corpus(path)
    control = load_corpus(pd.DataFrame(rows).assign(output=lambda d: d["output"].map(strip_think)))
    assert corpus.content_hash() == control.content_hash()  # scored on the answers alone
    student = corpus.df[corpus.df["model"] == "r1-student"]
    assert student["reasoning"].str.startswith("Okay, the user asks").all()
    result = inspect(corpus, min_shared=2, languages=False)
    assert result.reasoning["r1-student"] == len(TOPICS)
    assert "outputs carried a reasoning trace (r1-student 6)" in result.to_text()


@pytest.mark.realdata
def test_05_real_files(cases):
    path = cases / "05-r1-think" / "outputs.jsonl"
    corpus = load_corpus(path)
    rows = pd.read_json(path, lines=True)
    control = load_corpus(rows.assign(output=rows["output"].map(strip_think)))
    assert corpus.content_hash() == control.content_hash()
    assert inspect(corpus, languages=False).reasoning["r1-distill-student"] == 32


# ----------------------------------------------------------------- 10 long outputs
@pytest.mark.realdata
def test_10_real_files(cases):
    result = inspect(load_corpus(cases / "10-long-outputs" / "long.jsonl"), languages=False)
    assert list(result.degenerate) == ["degenerate"]
    assert result.flagged == {
        "degenerate": {"near_empty": 0, "loop": 1, "repeated": 0, "placeholder": 0}
    }
    assert any("'degenerate' is degenerate: 1 of 1 outputs are repetition loops" in p
               for p in result.problems)  # fmt: skip


# ----------------------------------------------------------------- 12 AlpacaEval all outputs
def test_12_alpaca_eval_columns_need_no_flags(tmp_path):
    rows = [
        {"instruction": f"Advice on {t}.", "output": answer(m, t), "generator": m, "dataset": "x"}
        for m in MODELS
        for t in TOPICS
    ]
    pd.DataFrame(rows).to_parquet(tmp_path / "all_outputs.parquet")
    corpus = load_corpus(tmp_path / "all_outputs.parquet")
    assert corpus.models == MODELS and corpus.n_prompts == len(TOPICS)


@pytest.mark.realdata
def test_12_real_files(cases):
    folder = cases / "12-hf-all-outputs"
    for source in (folder / "alpaca_eval_all_outputs_eval_0000.parquet", folder / "saved_dataset"):
        corpus = load_corpus(source)
        assert corpus.n_models == 6 and corpus.n_prompts == 40

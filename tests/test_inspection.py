"""``inspect``: traces, samples, languages and degenerate outputs and models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.corpus import load_corpus
from detector.degenerate import (
    LOOP_RATIO,
    degenerate_models,
    degenerate_outputs,
    loop_ratio,
)
from detector.inspection import inspect
from detector.languages import detect_language, embedding_warnings, model_languages

from .conftest import make_records

SYLLABLES = ["ka", "lo", "mi", "ner", "sta", "qua", "ri", "ton", "vel", "bra", "dun", "eph"]


def essay(n: int, seed: int) -> str:
    """Varied prose-like text of about ``n`` characters (seeded random words and sentences)."""
    rng = np.random.default_rng(seed)
    vocab = ["".join(rng.choice(SYLLABLES, size=rng.integers(1, 4))) for _ in range(400)]
    sentences, size = [], 0
    while size < n:
        words = rng.choice(vocab, size=rng.integers(6, 18))
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", "!", "?"])
        sentences.append(sentence + ("\n\n" if rng.random() < 0.15 else " "))
        size += len(sentences[-1])
    return "".join(sentences)


# ----------------------------------------------------------------- degenerate outputs
def test_loop_ratio_separates_loops_from_prose_and_long_repeats():
    loop = "Intro paragraph that starts normally enough.\n" + ". " * 12000
    assert loop_ratio(loop) < 0.02
    paragraph_loop = essay(600, 1) + ("She did not know. She waited. " * 4 + "\n\n") * 300
    assert loop_ratio(paragraph_loop) < LOOP_RATIO
    block = essay(23000, 2)
    twice = block + "\n\n" + block  # a long block repeated once is not a loop (field case 10)
    assert loop_ratio(twice) > 0.2 and loop_ratio(essay(30000, 3)) > 0.2
    assert loop_ratio("short") != loop_ratio("short")  # NaN: too short to tell


def degenerate_corpus() -> pd.DataFrame:
    rows = []
    for j in range(6):
        prompt = f"Question {j}?"
        rows += [
            {"model": "fine", "prompt": prompt, "output": essay(600, j)},
            {"model": "null", "prompt": prompt, "output": "I cannot answer that."},
            {"model": "blank", "prompt": prompt, "output": "\u200b" if j < 4 else essay(300, j)},
            {
                "model": "looper",
                "prompt": prompt,
                "output": essay(400, j) + " GC" * (4000 if j else 0),
            },
        ]
    return pd.DataFrame(rows)


def test_degenerate_outputs_and_models():
    corpus = load_corpus(degenerate_corpus())
    flags = degenerate_outputs(corpus)
    by_model = flags[["near_empty", "loop", "repeated"]].groupby(corpus.df["model"]).sum()
    assert by_model.loc["fine"].sum() == 0
    assert by_model.loc["null", "repeated"] == 6
    assert by_model.loc["blank", "near_empty"] == 4 and by_model.loc["blank", "repeated"] == 4
    assert by_model.loc["looper", "loop"] == 5
    models = degenerate_models(corpus, flags)
    assert set(models) == {"null", "blank", "looper"}
    assert models["null"] == "the same answer to 6 of 6 prompts ('I cannot answer that.')"
    assert "4 of 6 outputs empty or near-empty" in models["blank"]
    assert models["looper"] == "5 of 6 outputs are repetition loops"


def test_loop_screen_finds_the_same_degenerate_models(monkeypatch):
    """Without flags, the loop test runs on a sample per model first; models found are the same."""
    import detector.degenerate as dg

    monkeypatch.setattr(dg, "LOOP_SAMPLE", 3)
    rows = []
    for j in range(12):
        prompt = f"Question {j}?"
        rows += [
            {"model": "fine", "prompt": prompt, "output": essay(600, j)},
            {"model": "rare", "prompt": prompt, "output": essay(400, j) + " GC" * 4000 * (j == 5)},
            {"model": "looper", "prompt": prompt, "output": essay(400, j) + " GC" * 4000 * (j > 3)},
        ]
    corpus = load_corpus(pd.DataFrame(rows))
    exact = degenerate_models(corpus, degenerate_outputs(corpus))
    tested: list[int] = []
    original = dg.loop_ratio
    monkeypatch.setattr(dg, "loop_ratio", lambda t: tested.append(1) or original(t))
    assert degenerate_models(corpus) == exact == {"looper": "8 of 12 outputs are repetition loops"}
    assert len(tested) < 36  # the clean models' outputs beyond the sample were not tested


def test_the_same_answer_to_the_same_question_under_several_ids_is_not_a_repeat():
    rows = [{"model": "m", "prompt_id": f"q{j}", "prompt": "What is 2+2?", "output": "4, of course."}
            for j in range(5)]  # fmt: skip
    rows += [{"model": "m", "prompt_id": f"p{j}", "prompt": f"Question {j}?",
              "output": essay(300, j)} for j in range(5)]  # fmt: skip
    corpus = load_corpus(pd.DataFrame(rows), id_col="prompt_id")
    assert not degenerate_outputs(corpus)["repeated"].any()
    frame = pd.DataFrame(rows).assign(prompt="")  # ids only: ids are the prompts
    flags = degenerate_outputs(load_corpus(frame, id_col="prompt_id"))
    assert flags["repeated"].sum() == 5


def test_inspect_flags_degenerate_models_and_outputs():
    frame = degenerate_corpus()
    frame.loc[(frame["model"] == "fine") & (frame["prompt"] == "Question 0?"), "output"] = (
        "Fine start. " + "ab" * 3000
    )
    result = inspect(load_corpus(frame), min_shared=2, languages=False)
    text = result.to_text()
    assert "model 'null' is degenerate: the same answer to 6 of 6 prompts" in text
    assert "keep it out of reference pools" in text
    assert "1 output(s) ending in a repetition loop: fine (1)" in text
    assert result.flagged["fine"] == {"near_empty": 0, "loop": 1, "repeated": 0, "placeholder": 0}
    assert result.to_frame().loc["looper", "loops"] == 5
    assert set(result.degenerate) == {"null", "blank", "looper"}


# ----------------------------------------------------------------- traces and samples
def test_inspect_counts_traces_prompts_and_samples():
    frame = make_records(3, 4)
    frame.loc[frame["model"] == "m2", "output"] = "<think>hmm</think> " + frame["output"]
    extra = frame[frame["model"] == "m0"].assign(output=lambda d: d["output"] + " again")
    corpus = load_corpus(pd.concat([frame, extra]))
    result = inspect(corpus, min_shared=2, languages=False)
    assert result.n_prompts == 4 and result.n_samples == 2 and result.n_outputs == 16
    assert result.outputs == {"m0": 8, "m1": 4, "m2": 4} and result.models["m0"] == 4
    assert result.reasoning == {"m0": 0, "m1": 0, "m2": 4}
    assert "4 of 16 outputs carried a reasoning trace (m2 4)" in result.to_text()
    assert "(up to 2 samples per prompt)" in result.to_text()
    frame_view = result.to_frame()
    assert frame_view.loc["m2", "traces"] == 4 and frame_view.loc["m0", "outputs"] == 8
    assert not corpus.df["output"].str.contains("think>").any()


def test_only_one_model_is_said_plainly():
    result = inspect(load_corpus(make_records(1, 3)), languages=False)
    assert result.problems == ["only one model ('m0'); comparing models needs at least two"]


# ----------------------------------------------------------------- languages
CHINESE = "我是星河，由星河实验室开发的人工智能助手。每天固定时间上床和起床，睡前一小时远离手机屏幕，卧室保持安静。"
ENGLISH = (
    "Keep a regular sleep schedule, avoid screens for an hour before bed and keep the room dark."
)


def test_languages_detected_deterministically_and_the_embedding_warning():
    assert detect_language(CHINESE) == "zh" and detect_language(ENGLISH) == "en"
    assert detect_language("Ok.") is None  # too short to tell
    rows = [
        {
            "model": m,
            "prompt": f"q{j}",
            "output": (CHINESE if m != "en-model" else ENGLISH) + str(j),
        }
        for m in ("xinghe", "lanshan", "en-model")
        for j in range(5)
    ]
    corpus = load_corpus(pd.DataFrame(rows))
    langs = model_languages(corpus)
    assert langs == {"en-model": {"en": 1.0}, "lanshan": {"zh": 1.0}, "xinghe": {"zh": 1.0}}
    assert model_languages(corpus) == langs
    (line,) = embedding_warnings(langs)
    assert line.startswith("lanshan, xinghe answer in Chinese; the default embedding model")
    assert "English-only: pass `embedding_model` a multilingual" in line
    assert embedding_warnings(langs, "paraphrase-multilingual-MiniLM-L12-v2") == []
    result = inspect(corpus, min_shared=2)
    assert line in result.problems and result.to_frame().loc["xinghe", "languages"] == "zh"


@pytest.mark.parametrize("model", [None, "sentence-transformers/all-mpnet-base-v2"])
def test_english_only_models_warn_for_other_languages(model):
    assert embedding_warnings({"a": {"de": 0.6, "en": 0.4}}, model)
    assert embedding_warnings({"a": {"en": 1.0}}, model) == []

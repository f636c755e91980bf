"""``collect`` saves only complete answers, and never touches a file it did not write.

Field cases 06 (an OpenRouter-like router that answers HTTP 200 with errors and safety
blocks) and 07 (a reasoning model that spends ``max_tokens`` thinking) run against the
local fake server of ``test_collect`` (models named after the case's behaviours).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detector.collect import FAILURE_KINDS, collect
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.prompts import load_prompts

from .test_collect import FAST, KEY, FakeServer, read_records, write_prompts

TEXTS = ["Explain what a hash table is.", "Give three tips for clear emails.", "Why seasons?"]


@pytest.fixture
def router():
    fake = FakeServer().start()
    yield fake
    fake.stop()


def tries(server: FakeServer, model: str) -> int:
    return sum(1 for r in server.log if r["model"] == model)


def test_errors_and_refusals_are_failures_never_answers(router, tmp_path):
    """Case 06: HTTP 200 with an error body, a choice that died mid-answer, a safety block."""
    prompts = write_prompts(tmp_path, TEXTS)
    out = tmp_path / "c6.jsonl"
    models = ["ok", "router-error-body", "router-choice-error", "gemini-safety"]
    summary = collect(router.base, models, prompts, out, max_tries=2, **FAST)
    assert (summary.collected, summary.failed) == (3, 9)
    records = read_records(out)
    assert {r["model"] for r in records} == {"ok"}  # the half answer was not saved
    assert not any("first half" in r["output"] for r in records)
    assert summary.kinds == {"provider_error": 6, "content_filter": 3}
    assert tries(router, "router-choice-error") == 6  # transient: retried within the run
    assert tries(router, "gemini-safety") == 3  # a refusal is not asked twice in one run
    rows = read_records(Path(summary.failures_path))
    kinds = {(r["model"], r["kind"]) for r in rows}
    assert kinds == {
        ("router-error-body", "provider_error"),
        ("router-choice-error", "provider_error"),
        ("gemini-safety", "content_filter"),
    }
    reasons = {r["model"]: r["error"] for r in rows}
    assert "Provider returned error (code 502)" in reasons["router-error-body"]
    assert "upstream provider disconnected" in reasons["router-choice-error"]
    assert "content filter" in reasons["gemini-safety"]
    # advice that fits the reason: a larger budget does not fix a refusal
    text = summary.to_text()
    assert f"3 content filter: {FAILURE_KINDS['content_filter']}" in text
    assert "will not help" in text and "rerun the same command to retry" in text
    assert "raise" not in FAILURE_KINDS["content_filter"]
    # the next run asks again for what failed, and only for that
    n_ok = tries(router, "ok")
    again = collect(router.base, models, prompts, out, max_tries=2, **FAST)
    assert (again.collected, again.failed, again.skipped) == (0, 9, 3)
    assert tries(router, "ok") == n_ok and tries(router, "gemini-safety") == 6
    assert len(load_corpus(out)) == 3


def test_reasoner_out_of_tokens_is_collected_again_with_a_larger_budget(router, tmp_path):
    """Case 07: empty answers with finish_reason 'length', then a rerun with more tokens."""
    prompts = write_prompts(tmp_path, TEXTS)
    out = tmp_path / "c7.jsonl"
    first = collect(router.base, ["ok", "reasoner"], prompts, out, **FAST)
    assert (first.collected, first.failed) == (3, 3) and first.kinds == {"length": 3}
    assert "1024 reasoning tokens" in next(iter(first.errors))
    assert "larger `max_tokens` into the same `out`" in first.to_text()
    assert {r["model"] for r in read_records(out)} == {"ok"}
    before = out.read_bytes()

    second = collect(router.base, ["ok", "reasoner"], prompts, out, max_tokens=8000, **FAST)
    assert (second.collected, second.failed, second.skipped) == (3, 0, 3)
    assert second.failures_path is None and not (tmp_path / "c7.jsonl.failures.jsonl").exists()
    assert out.read_bytes().startswith(before)  # what was there is kept byte for byte
    records = read_records(out)
    budget = {r["model"]: r["max_tokens"] for r in records}
    assert budget == {"ok": 1024, "reasoner": 8000}
    answer = next(r for r in records if r["model"] == "reasoner")
    assert answer["output"].startswith("Final answer") and answer["reasoning"] == "Let me think."
    corpus = load_corpus(out)
    assert len(corpus) == 6 and corpus.n_prompts == 3
    # the temperature and system prompt still have to match
    with pytest.raises(ProvenanceError, match="collected with temperature=0.0"):
        collect(router.base, ["ok"], prompts, out, temperature=0.5, **FAST)


def test_think_blocks_are_split_and_cut_answers_kept(router, tmp_path):
    prompts = write_prompts(tmp_path, TEXTS[:2])
    out = tmp_path / "o.jsonl"
    summary = collect(router.base, ["r1", "cut"], prompts, out, **FAST)
    assert (summary.collected, summary.failed, summary.truncated) == (4, 0, 2)
    assert "2 answer(s) were cut off at `max_tokens`" in summary.to_text()
    records = {(r["model"], r["prompt_id"]): r for r in read_records(out)}
    r1 = records[("r1", "p0")]
    assert r1["output"] == f"Answer to {TEXTS[0]}"
    assert r1["reasoning"] == f"The user asks {TEXTS[0]}"
    assert records[("cut", "p0")]["finish_reason"] == "length"
    corpus = load_corpus(out)
    assert corpus.df.loc[corpus.df["model"] == "r1", "reasoning"].str.startswith("The user").all()


def test_refusals_cut_answers_and_a_dummy_key(router, tmp_path, monkeypatch):
    """Case 26: a structured refusal has its own reason and advice; the summary says which cut
    answers were kept and does not then claim nothing incomplete was saved; a dummy key ``x``
    is not 'redacted' out of every message."""
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    prompts = write_prompts(tmp_path, TEXTS)
    summary = collect(router.base, ["refusal", "cut"], prompts, tmp_path / "o.jsonl", **FAST)
    assert (summary.collected, summary.failed, summary.truncated) == (3, 3, 3)
    assert summary.kinds == {"refusal": 3}
    text = summary.to_text()
    assert "3 refusal: the model declined to answer" in text and "rerun the same" not in text
    assert "3 answer(s) were cut off" in text and "saved as answers" in text
    assert "apart from the cut-off answers above, nothing incomplete" in text
    rows = read_records(Path(summary.failures_path))
    assert {r["kind"] for r in rows} == {"refusal"}
    assert rows[0]["error"] == "the model refused: I'm sorry, I can't help with that."
    assert "***" not in text + json.dumps(rows)  # the dummy key masks nothing
    assert FAILURE_KINDS["refusal"] != FAILURE_KINDS["empty"]
    # a real key is still masked wherever it would appear
    from detector.collect import _Collector

    client = _Collector.__new__(_Collector)
    client.key = "x"
    assert client.redact("no answer text") == "no answer text"
    client.key = KEY
    assert client.redact(f"echo {KEY}!") == "echo ***!"


@pytest.mark.parametrize(
    "content",
    [
        b'{"prompt_id": "a", "prompt": "one"}\n{"prompt_id": "b", "prompt": "two"}',  # no last \n
        b'{"prompt_id": "a", "prompt": "one"}\n{"prompt_id": "b", "prompt": "two"}\n',
        b'{"model": "m", "prompt_id": "a", "prompt": "one", "output": "x"}',  # a corpus file
        b'{"model": "m", "prompt": "one", "output": "x"}\n{"mo',  # someone else's, torn
        b"one prompt per line\nsecond prompt",
    ],
)
def test_a_file_collect_did_not_write_is_never_changed(router, tmp_path, content):
    """Issue 16: a prompts file given as --out by mistake lost its last line."""
    prompts = write_prompts(tmp_path, TEXTS[:1])
    out = tmp_path / "prompts_by_mistake.jsonl"
    out.write_bytes(content)
    with pytest.raises(
        ProvenanceError, match=r"prompts_by_mistake.jsonl:1: .*not a file that collect wrote"
    ):
        collect(router.base, ["m"], prompts, out, **FAST)
    assert out.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prompts.jsonl", out.name]
    assert router.log == []


def test_a_fatal_error_leaves_no_empty_file(router, tmp_path, monkeypatch):
    router.required_key = "the-right-key"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    prompts = write_prompts(tmp_path, TEXTS)
    out = tmp_path / "new" / "o.jsonl"
    with pytest.raises(ProvenanceError, match="HTTP 401"):
        collect(router.base, ["m"], prompts, out, **FAST)
    assert not out.exists() and not (out.parent / (out.name + ".failures.jsonl")).exists()
    # an output that existed before the fatal error stays as it was
    router.required_key = None
    collect(router.base, ["m"], prompts, out, **FAST)
    before = out.read_bytes()
    router.required_key = "the-right-key"
    with pytest.raises(ProvenanceError, match="HTTP 401"):
        collect(router.base, ["m2"], prompts, out, **FAST)
    assert out.read_bytes() == before


def test_mtbench_questions_are_a_prompt_set(tmp_path):
    path = tmp_path / "question.jsonl"
    rows = [
        {"question_id": 81, "category": "writing", "turns": ["Write a poem.", "Shorter."]},
        {"question_id": 82, "category": "math", "turns": ["What is 2+2?", "And 3+3?"]},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompts = load_prompts(path)
    assert [(p.prompt_id, p.prompt, p.category) for p in prompts] == [
        ("81-t1", "Write a poem.", "writing"),
        ("82-t1", "What is 2+2?", "math"),
    ]
    other = tmp_path / "alpaca.jsonl"
    other.write_text(json.dumps({"instruction": "Name a colour."}) + "\n")
    assert load_prompts(other)[0].prompt == "Name a colour."

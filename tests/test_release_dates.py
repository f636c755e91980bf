"""The bundled table of well-known models' release dates, and its use when the user gives none."""

from __future__ import annotations

import pandas as pd
import pytest

from detector.corpus import Corpus
from detector.panel import parse_released
from detector.release_dates import known_release, known_releases, name_key, release_table
from detector.resolve import resolve_roles


def test_table_is_well_formed() -> None:
    table = release_table()
    assert list(table.columns) == ["model", "released", "vendor", "weights", "aliases", "source"]
    assert table["model"].is_unique
    for row in table.itertuples():
        assert parse_released(row.released) is not None, row.model
        assert row.source.strip(), row.model
        assert row.weights in ("api", "open"), row.model
    keys = [
        name_key(a)
        for r in table.itertuples()
        for a in [r.model, *filter(None, r.aliases.split(";"))]
    ]
    assert len(keys) == len(set(keys)), "an alias names two rows"


@pytest.mark.parametrize(
    ("name", "model", "date"),
    [
        ("gpt4_0314", "gpt-4-0314", "2023-03-14"),
        ("openai/GPT-4-0314", "gpt-4-0314", "2023-03-14"),
        ("gemini-pro", "gemini-pro", "2023-12-13"),
        ("claude-v1", "claude-1", "2023-03-14"),
        ("meta-llama/Llama-2-70b-chat-hf", "llama-2-70b-chat", "2023-07-18"),
        ("deepseek/deepseek-r1", "deepseek-r1", "2025-01-20"),
    ],
)
def test_aliases_match(name: str, model: str, date: str) -> None:
    known = known_release(name)
    assert known is not None and known.model == model and known.released == date


def test_unknown_names_are_absent() -> None:
    assert known_release("my-finetune-7b") is None
    assert known_releases(["my-finetune-7b", "gpt-4-0314"]).keys() == {"gpt-4-0314"}


def _corpus(models: list[str]) -> Corpus:
    rows = [
        {"model": m, "prompt_id": f"p{i}", "prompt": f"question {i}", "output": f"{m} answer {i}"}
        for m in models
        for i in range(25)
    ]
    return Corpus(pd.DataFrame(rows))


def test_later_candidate_set_aside_from_the_table() -> None:
    corpus = _corpus(["vicuna-13b", "gemini-pro", "gpt-3.5-turbo-0301", "claude-1", "x", "y", "z"])
    roles = resolve_roles(corpus, "vicuna-13b")
    assert "gemini-pro" in roles.set_aside and "gemini-pro" not in roles.candidates
    assert "well-known models" in roles.set_aside["gemini-pro"]
    assert roles.known_dates["gemini-pro"].startswith("2023-12-13 (")
    assert roles.released["vicuna-13b"] == "2023-03-30"
    assert "gemini-pro" in roles.reference  # a defaulted pool keeps it as a reference model
    off = resolve_roles(corpus, "vicuna-13b", known_dates=False)
    assert "gemini-pro" in off.candidates and not off.set_aside and not off.known_dates


def test_user_dates_win_over_the_table() -> None:
    corpus = _corpus(["vicuna-13b", "gemini-pro", "claude-1", "x", "y", "z"])
    lineage = pd.DataFrame({"released": ["2024-06-01"]}, index=["vicuna-13b"])
    roles = resolve_roles(corpus, "vicuna-13b", lineage=lineage)
    assert "gemini-pro" not in roles.set_aside and "gemini-pro" in roles.candidates
    assert roles.released["vicuna-13b"] == "2024-06-01"
    assert "vicuna-13b" not in roles.known_dates


def test_cli_no_known_dates(tmp_path, capsys) -> None:
    import json

    from detector.cli import main

    corpus = _corpus(["vicuna-13b", "gemini-pro", "gpt-3.5-turbo-0301", "claude-1", "x", "y", "z"])
    path = tmp_path / "outputs.jsonl"
    corpus.df[["model", "prompt_id", "prompt", "output"]].to_json(
        path, orient="records", lines=True
    )
    args = [
        "score", str(path), "--suspect", "vicuna-13b", "--channels", "style,opening",
        "--bootstrap", "5", "--format", "json", "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    assert main(args) == 0
    default = json.loads(capsys.readouterr().out)
    assert "gemini-pro" not in [c["model"] for c in default["candidates"]]
    assert any("gemini-pro is not a candidate" in n for n in default["notes"])
    assert main([*args, "--no-known-dates"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert "gemini-pro" in [c["model"] for c in off["candidates"]]


@pytest.mark.parametrize(
    ("name", "bound"),
    [
        ("gpt4_0613_concise", "2023-06-13"),  # a variant of a dated snapshot
        ("pairrm-zephyr-7b-beta", "2023-10-26"),  # a derivative named after its base
        ("gpt4_0613", None),  # known itself: its own date, not a bound
        ("gpt4all-13b-snoozy", None),  # "gpt4" inside a word is not the model's name
        ("x", None),
    ],
)
def test_variant_release_is_a_lower_bound(name: str, bound: str | None) -> None:
    from detector.release_dates import variant_release

    found = variant_release(name)
    assert (found.released if found else None) == bound
    if found:
        assert found.variant_of and found.describe().startswith("no earlier than ")


def test_variants_set_aside_as_candidates_never_dated_as_suspect() -> None:
    corpus = _corpus(["alpaca-7b", "gpt4_0613", "gpt4_0613_concise", "x", "y", "z", "w"])
    roles = resolve_roles(corpus, "alpaca-7b")
    assert {"gpt4_0613", "gpt4_0613_concise"} <= set(roles.set_aside)
    assert roles.set_aside["gpt4_0613_concise"].startswith("a variant of gpt-4-0613")
    # as the suspect a variant has no date: a lower bound would set aside earlier candidates
    roles = resolve_roles(_corpus(["gpt4_0613_concise", "gemini-pro", "x", "y", "z", "w"]),
                          "gpt4_0613_concise")  # fmt: skip
    assert "gpt4_0613_concise" not in roles.released and not roles.set_aside


def test_many_set_aside_said_in_one_note() -> None:
    later = ["gemini-pro", "claude-2", "gpt4_0613", "zephyr-7b-beta"]
    roles = resolve_roles(_corpus(["vicuna-13b", *later, "x", "y", "z", "w"]), "vicuna-13b")
    notes = [n for n in roles.notes() if "not a candidate" in n or "not candidates" in n]
    assert len(notes) == 1 and notes[0].startswith("4 models are not candidates")
    assert all(f"{m} (" in notes[0] for m in later)

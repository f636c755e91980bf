"""Known lineage as a reference panel, clades and release dates (detector.panel)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detector.features import FeatureOptions
from detector.panel import Panel, parse_released

LINEAGE = pd.DataFrame(
    [
        ("gpt", "independent", "", "", "", "2023-03-01", ""),
        ("gpt-new", "independent", "", "", "", "2023-06-13", ""),
        ("claude", "independent", "", "", "", "2023-03-14", ""),
        ("student-a", "distilled", "gpt", "openai", "", "2023-03-30", ""),
        ("student-b", "distilled", "gpt", "openai", "", "2023-05", ""),
        ("student-b-dpo", "derived", "", "", "student-b", "2023-07", ""),
        ("gpt-concise", "variant", "", "", "gpt", "2023-03-01", ""),
        ("open", "independent", "", "", "", "2023-07-18", ""),
        ("gemma-4b", "independent", "", "", "", "2025-03", "google-gemma"),
        ("gemma-27b", "independent", "", "", "", "2025-03", "google-gemma"),
    ],
    columns=["model", "relation", "teacher", "teacher_family", "parent", "released", "family"],
).set_index("model")


def test_release_dates_to_the_day_or_the_month():
    month = parse_released("2023-05")
    assert month.first == pd.Timestamp("2023-05-01") and month.last == pd.Timestamp("2023-05-31")
    assert parse_released("") is None and parse_released(float("nan")) is None
    panel = Panel(LINEAGE)
    assert panel.later_than("gpt-new", "student-a")  # 2023-06-13 after 2023-03-30
    assert not panel.later_than("gpt", "student-a")
    assert not panel.later_than("claude", "student-b")
    # a month-only date spans the month: only a certainly later release is set aside
    assert not Panel(pd.DataFrame({"released": {"x": "2023-05-20", "y": "2023-05"}})).later_than(
        "x", "y"
    )


def test_students_and_derivatives_form_the_clade_and_the_suspect_row_is_never_read():
    panel = Panel(LINEAGE)
    pool = list(LINEAGE.index)
    clade = panel.learned_from("gpt", pool, suspect="student-a")
    assert set(clade) == {"student-b", "student-b-dpo", "gpt-concise"}
    assert "student-a" not in clade  # the suspect is what is being tested
    # family members and parents are relatives (they leave the null) but not the clade
    relatives = panel.relatives("gemma-27b", pool, suspect="student-a")
    assert relatives == {"gemma-4b": "of gemma-27b's documented family (google-gemma)"}
    assert panel.learned_from("gemma-27b", pool, suspect="student-a") == {}
    assert "gpt" in panel.relatives("gpt-concise", pool, suspect="student-a")
    # the suspect's own derivative is not evidence about the suspect either
    assert "student-b-dpo" not in panel.learned_from("gpt", pool, suspect="student-b")


def test_panel_without_lineage_is_empty():
    panel = Panel(None, {"m": "2024-01"})
    assert panel.null_exclusions("s", ["a"], ["b"]) == {}
    assert panel.clades("s", ["a"], ["b"]) == {}
    assert panel.released("m").text == "2024-01"


@pytest.fixture(scope="module")
def demo_evidence(tmp_path_factory):
    from detector.demo_run import demo_corpus
    from detector.evidence import build_evidence

    cache = tmp_path_factory.mktemp("cache")
    corpus = demo_corpus()
    return corpus, build_evidence(
        corpus,
        channels=["style", "lexical"],
        options=FeatureOptions(cache_dir=cache, progress=False),
    )


def test_score_with_lineage_uses_the_panel_and_sets_later_candidates_aside(demo_evidence):
    from detector.scoring import score

    corpus, evidence = demo_evidence
    lineage = pd.read_csv("data/demo/lineage.csv").set_index("model").fillna("")
    lineage["released"] = "2023-01"
    lineage.loc["borealis", "released"] = "2024-06"  # released after the suspect
    cands = ["atlas", "borealis", "cirrus"]
    plain = score(evidence, "student-of-atlas", cands, seed=0, n_bootstrap=20)
    result = score(evidence, "student-of-atlas", cands, seed=0, n_bootstrap=20, lineage=lineage)
    assert [c.model for c in result.candidates] == ["atlas", "cirrus"]
    assert "borealis is not a candidate: released 2024-06" in " ".join(result.notes)
    assert result.roles["set_aside"]["borealis"].endswith("cannot be its teacher or parent")
    assert "borealis" in result.reference  # the pool was defaulted: it calibrates instead
    # atlas's variant (a documented derivative) is its clade, and leaves its null
    assert result.roles["clades"] == {"atlas": ["atlas_concise"]}
    top = result.candidates[0]
    assert top.model == "atlas" and top.null_size == len(result.reference) - 1  # minus its clade
    assert top.p_raw == pytest.approx(min(1.0, 2 * (1 - top.score)))  # own and clade tested
    assert plain.candidates[0].model == "atlas" and plain.candidates[0].null_size == len(
        plain.reference
    )


def test_cli_score_reads_a_lineage_file(tmp_path, capsys, demo_evidence):
    """``--lineage FILE``: the clade and nulls of the file; a bad file is one line, exit 2."""
    import json

    from detector.cli import main

    cache = tmp_path / "cache"
    argv = ["score", "data/demo/outputs.jsonl", "--suspect", "student-of-atlas"]
    argv += ["--candidates", "atlas,borealis,cirrus", "--channels", "style,lexical"]
    argv += ["--bootstrap", "20", "--format", "json", "--cache-dir", str(cache), "-q"]
    assert main([*argv, "--lineage", "data/demo/lineage.csv"]) == 0
    result = json.loads(capsys.readouterr().out)
    clades = {"atlas": ["atlas_concise"], "borealis": ["student-of-borealis"]}
    assert result["roles"]["clades"] == clades
    assert result["candidates"][0]["model"] == "atlas"
    bad = tmp_path / "lineage.csv"
    bad.write_text("model,kind\natlas,api\n", encoding="utf-8")
    assert main([*argv, "--lineage", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing lineage column" in err[0]
    assert main([*argv, "--lineage", str(tmp_path / "none.csv")]) == 2
    assert "no such lineage file" in capsys.readouterr().err
    # a student whose teacher is not in the pool names only the teacher's family (issue 24)
    outside = tmp_path / "outside.csv"
    text = Path("data/demo/lineage.csv").read_text(encoding="utf-8")
    outside.write_text(text.replace("distilled,borealis,", "distilled,,"), encoding="utf-8")
    assert main([*argv, "--lineage", str(outside)]) == 0
    assert json.loads(capsys.readouterr().out)["roles"]["clades"] == {"atlas": ["atlas_concise"]}


def test_report_overview_names_candidates_set_aside_as_later_releases(demo_evidence):
    from detector.report.gather import _data_overview
    from detector.resolve import resolve_roles
    from detector.scoring import score

    corpus, evidence = demo_evidence
    lineage = pd.read_csv("data/demo/lineage.csv").set_index("model").fillna("")
    lineage["released"] = "2023-01"
    lineage.loc["borealis", "released"] = "2024-06"  # released after the suspect
    roles = resolve_roles(corpus, "student-of-atlas", min_prompts=20, lineage=lineage)
    result = score(evidence, "student-of-atlas", roles=roles, seed=0, n_bootstrap=10)
    role = {r.model: r.role for r in _data_overview(corpus, roles, result).rows}
    assert role["borealis"] == "reference (released later)"
    assert role["atlas"] == "candidate" and role["student-of-atlas"] == "suspect"

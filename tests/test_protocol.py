"""Lineage files in both formats, release dates, and the family-format protocol."""

from __future__ import annotations

import pandas as pd
import pytest

from detector.errors import ProvenanceError
from detector.lineage import load_lineage
from detector.protocol import (
    benchmark_plan,
    candidate_families,
    lineage_format,
    release_span,
    released_after,
    vendor,
)

TEACHER = """model,relation,teacher,teacher_family,parent,base_model,weights,source,released
api-a,independent,,,,a,closed,x,2023-03-01
api-b,independent,,,,b,closed,x,2023-06
student,distilled,api-a,fam-a,,c,open,x,2023-03-30
child,derived,,,student,c,open,x,
"""

FAMILY = """model,relation,parent,family,released
big-it,independent,,g-gemma,2025-03-12
mid-it,independent,,g-gemma,2025-03-12
big-it-tuned,derived,big-it,g-gemma,2025-10
k2,independent,,m-kimi,2025-07-11
k2-new,derived,k2,m-kimi,2025-09-05
sonnet-4,independent,,a-claude,2025-05-22
sonnet-45,independent,,a-claude,2025-09-29
mini,independent,,o-gpt5,2025-08-07
o3,independent,,o-o3,2025-04-16
anon,stealth,,o-gpt5,2025-11
r1,independent,,deepseek,2025-01-20
lone,independent,,solo,
"""


@pytest.fixture
def family(tmp_path) -> pd.DataFrame:
    path = tmp_path / "family.csv"
    path.write_text(FAMILY)
    return load_lineage(path)


def test_teacher_format_with_release_dates(tmp_path):
    path = tmp_path / "lineage.csv"
    path.write_text(TEACHER)
    lin = load_lineage(path)
    assert lineage_format(lin) == "teacher"
    assert lin.loc["api-a", "released_date"] == pd.Timestamp("2023-03-01")
    assert lin.loc["api-b", "released_date"] == pd.Timestamp("2023-06-01")  # month only
    assert lin.loc["api-b", "released"] == "2023-06"  # as written
    assert lin.loc["api-b", "released_precision"] == "month"
    assert lin.loc["api-a", "released_precision"] == "day"
    assert pd.isna(lin.loc["child", "released_date"])
    assert lin.loc["child", "released_precision"] == "" and lin.loc["child", "released"] == ""
    assert release_span(lin, "api-b") == (pd.Timestamp("2023-06-01"), pd.Timestamp("2023-06-30"))
    assert lin["family"].eq("").all()  # read columns are always present


def test_family_format(family):
    assert lineage_format(family) == "family"
    assert {"teacher", "teacher_family", "weights", "base_model"} <= set(family.columns)
    assert family.loc["anon", "relation"] == "stealth"
    assert family.loc["big-it-tuned", "released_date"] == pd.Timestamp("2025-10-01")
    assert candidate_families(family)["sonnet-45"] == "a-claude"
    assert vendor("o-gpt5") == "o" and vendor("deepseek") == "deepseek"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model,relation\nx,independent\n", "missing lineage column.*family format"),
        (FAMILY.replace("2025-01-20", "January 2025"), "row 12: released 'January 2025'"),
        (FAMILY.replace("2025-07-11", "2025-13-01"), "not a date"),
        (FAMILY.replace("derived,k2,", "derived,k3,"), "parent 'k3' is not a model"),
        (FAMILY.replace("lone,", "r1,"), "listed twice"),
        (FAMILY.replace("stealth", "secret"), "unknown relation"),
    ],
)
def test_bad_lineage_files(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ProvenanceError, match=message):
        load_lineage(path)


def test_released_after_respects_month_precision(family):
    assert released_after(family, "sonnet-45", "sonnet-4") is True
    assert released_after(family, "sonnet-4", "sonnet-45") is False
    assert released_after(family, "big-it", "mid-it") is False  # same day
    # anon is known to the month (2025-11): neither before nor after a day in that month
    family.loc["o3", "released_date"] = pd.Timestamp("2025-11-15")
    assert released_after(family, "anon", "o3") is None
    # a table without the parsed columns: the text (or a Timestamp) is read
    raw = family[["relation", "released"]].copy()
    assert released_after(raw, "sonnet-45", "sonnet-4") is True
    raw.loc["sonnet-4", "released"] = "2025-09"
    assert released_after(raw, "sonnet-45", "sonnet-4") is None
    assert released_after(family, "lone", "r1") is None  # undated


def test_family_protocol(family):
    models = list(family.index)
    plan = {e.suspect: e for e in benchmark_plan(family, models, open_questions=["r1"])}
    assert set(plan) == {"big-it-tuned", "k2-new", "anon", "sonnet-45", "r1"}
    # derived: parent expected, against everyone but siblings; its family left open
    tuned = plan["big-it-tuned"]
    assert tuned.kind == "parent" and tuned.expected == ("big-it",)
    assert set(tuned.candidates) == set(models) - {"big-it-tuned"}
    assert tuned.label("big-it") == (True, True)
    assert tuned.label("mid-it") == (None, True)
    assert tuned.label("k2") == (False, False)
    # stealth: its family related, its vendor's other families left open
    anon = plan["anon"]
    assert anon.kind == "stealth" and anon.expected == ("mini",)
    assert anon.label("mini") == (True, True) and anon.label("o3") == (None, False)
    assert anon.label("sonnet-4") == (False, False)
    # a later release of a family expects the earlier one; same-day releases are not later
    later = plan["sonnet-45"]
    assert later.kind == "later_release" and later.expected == ("sonnet-4",)
    assert "big-it" not in plan and "mid-it" not in plan and "k2" not in plan
    # the open question labels nothing
    assert plan["r1"].kind == "open" and plan["r1"].label("mini") == (None, False)
    assert set(plan["r1"].candidates) == set(models) - {"r1"}


def test_family_protocol_excludes_a_later_release_children_and_siblings(family):
    family.loc["sonnet-45-tuned"] = {c: "" for c in family.columns} | {
        "relation": "derived",
        "parent": "sonnet-45",
        "family": "a-claude",
        "released": "2025-10-10",
        "released_date": pd.Timestamp("2025-10-10"),
        "released_precision": "day",
    }
    family.loc["k2-other"] = {c: "" for c in family.columns} | {
        "relation": "derived",
        "parent": "k2",
        "family": "m-kimi",
        "released_date": pd.NaT,
    }
    plan = {e.suspect: e for e in benchmark_plan(family, list(family.index))}
    assert "sonnet-45-tuned" not in plan["sonnet-45"].candidates
    assert "k2-other" not in plan["k2-new"].candidates  # siblings of one parent
    with pytest.raises(ProvenanceError, match="no row for model"):
        benchmark_plan(family, [*family.index, "ghost"])


def test_entries_whose_answer_is_absent_are_left_out(family):
    models = [m for m in family.index if m != "sonnet-4"]
    plan = {e.suspect for e in benchmark_plan(family, models)}
    assert "sonnet-45" not in plan and "k2-new" in plan


# a teacher-format file with a ``family`` column, as MT-Bench's lineage.csv: alpaca names its
# teacher family only (text-davinci-003 is not in the pool), dolly a teacher outside the file
OUTSIDE_TEACHER = """model,relation,teacher,teacher_family,parent,base_model,weights,released,family
davinci-002,independent,,,,gpt-3,closed,2022-11,openai-davinci
gpt,independent,,,,gpt-3.5,closed,2023-03-01,openai-gpt-3.5
alpaca,distilled,,openai-davinci,llama,llama,open,2023-03,stanford-alpaca
vicuna,distilled,gpt,openai-gpt-3.5,llama,llama,open,2023-03-30,lmsys-vicuna
dolly,distilled,text-davinci-003,openai-davinci,,pythia,open,2023-04,databricks
llama,independent,,,,llama,open,2023-02,meta-llama
"""


def test_a_teacher_outside_the_pool_is_accepted_and_still_informs_the_panel(tmp_path):
    """A distilled row naming a teacher family but no teacher in the pool (issue 24)."""
    from detector.panel import Panel

    path = tmp_path / "lineage.csv"
    path.write_text(OUTSIDE_TEACHER)
    lin = load_lineage(path)
    assert lin.loc["alpaca", "teacher"] == "" and lin.loc["alpaca", "teacher_family"]
    # the row tells the panel what alpaca learned from: a student of davinci-002's family
    pool = list(lin.index)
    panel = Panel(lin)
    assert set(panel.learned_from("davinci-002", pool, suspect="vicuna")) == {"alpaca", "dolly"}
    assert "alpaca" not in panel.learned_from("gpt", pool, suspect="vicuna")
    # the benchmark cannot find a teacher that is not among the models: no entry for alpaca
    plan = {e.suspect: e for e in benchmark_plan(lin, pool)}
    assert "alpaca" not in plan and "dolly" not in plan and plan["vicuna"].expected == ("gpt",)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (",,openai-davinci,llama,", ",,,llama,", "alpaca is distilled but names neither"),
        ("text-davinci-003,openai-davinci,", "text-davinci-003,,", "not a model of the file"),
    ],
)
def test_a_distilled_row_must_say_something_about_its_teacher(tmp_path, old, new, message):
    path = tmp_path / "lineage.csv"
    path.write_text(OUTSIDE_TEACHER.replace(old, new, 1))
    with pytest.raises(ProvenanceError, match=message):
        load_lineage(path)


@pytest.mark.realdata
def test_mtbench_lineage_is_accepted():
    from .conftest import DEV_CORPUS

    path = DEV_CORPUS.parent / "mtbench" / "lineage.csv"
    if not path.is_file():
        pytest.skip(f"MT-Bench corpus not found at {path.parent}")
    lin = load_lineage(path)
    assert lin.loc["alpaca-13b", "teacher_family"] == "openai-davinci-003"

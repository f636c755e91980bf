"""The lineage benchmark: protocol, pair labels and metrics (small data built here)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from detector.benchmark import (
    benchmark_plan,
    candidate_families,
    load_lineage,
    pair_label,
    run_benchmark,
)
from detector.errors import ProvenanceError
from detector.evidence import Evidence, build_evidence
from detector.features import FeatureOptions

from .conftest import single_channel_evidence

LINEAGE = """model,relation,teacher,teacher_family,parent,base_model,weights,source
api-a1,independent,,,,a,closed,x
api-a2,independent,,,,a,closed,x
api-b,independent,,,,b,closed,x
open-c,independent,,,,c,open,x
student,distilled,api-a1,fam-a,,c,open,x
human,human_data,,,,c,open,x
child,derived,,,open-c,c,open,x
other-c,derived,,,student,c,open,x
"""


@pytest.fixture
def lineage(tmp_path) -> pd.DataFrame:
    path = tmp_path / "lineage.csv"
    path.write_text(LINEAGE)
    return load_lineage(path)


def test_families_and_plan(lineage):
    families = candidate_families(lineage)
    assert families["api-a1"] == "fam-a"
    assert families["api-a2"] == "fam-a"  # same base as the documented teacher
    assert families["api-b"] == "b"
    plan = {
        e.suspect: (e.candidates, e.reference) for e in benchmark_plan(lineage, list(lineage.index))
    }
    assert set(plan) == {"student", "human", "child", "other-c"}
    assert plan["student"][0] == ["api-a1", "api-a2", "api-b"]
    assert "student" not in plan["student"][1] and "open-c" in plan["student"][1]
    assert "open-c" in plan["child"][0] and "child" not in plan["child"][0]


def test_pair_labels(lineage):
    families = candidate_families(lineage)
    # the documented teacher is related; another snapshot of its family is left open
    assert pair_label(lineage, families, "student", "api-a1") == (True, True)
    assert pair_label(lineage, families, "student", "api-a2") == (None, True)
    assert pair_label(lineage, families, "student", "api-b") == (False, False)
    assert pair_label(lineage, families, "human", "api-a1") == (False, False)
    # a derived model: its parent is related, another model on its base left open
    assert pair_label(lineage, families, "child", "open-c") == (True, True)
    assert pair_label(lineage, families, "child", "student") == (None, False)
    assert pair_label(lineage, families, "child", "api-b") == (False, False)


def test_bad_lineage_files(tmp_path):
    with pytest.raises(ProvenanceError, match="no such lineage file"):
        load_lineage(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("model,relation\nx,independent\n")
    with pytest.raises(ProvenanceError, match="missing lineage column"):
        load_lineage(bad)
    odd = tmp_path / "odd.csv"
    odd.write_text(LINEAGE.replace("human_data", "cousin"))
    with pytest.raises(ProvenanceError, match="unknown relation"):
        load_lineage(odd)


def test_lineage_source_column_is_optional(tmp_path):
    path = tmp_path / "no_source.csv"
    rows = [line.rsplit(",", 1)[0] for line in LINEAGE.strip().splitlines()]
    path.write_text("\n".join(rows) + "\n")
    assert "source" not in load_lineage(path).columns
    assert len(load_lineage(path)) == len(rows) - 1


def _planted_evidence(lineage: pd.DataFrame, strength: float) -> Evidence:
    """Evidence whose one channel has a planted affinity for documented relations."""
    models = list(lineage.index)
    n_prompts, rng = 60, np.random.default_rng(0)
    sims = rng.normal(0, 1, (n_prompts, len(models), len(models)))
    sims = (sims + sims.transpose(0, 2, 1)) / 2
    pos = {m: i for i, m in enumerate(models)}
    for a, b in [("student", "api-a1"), ("child", "open-c"), ("other-c", "student")]:
        sims[:, pos[a], pos[b]] += strength
        sims[:, pos[b], pos[a]] += strength
    return single_channel_evidence(models, sims)


def test_benchmark_finds_planted_relations(lineage):
    lin = lineage.copy()
    for i in range(6):
        lin.loc[f"ref{i}"] = {c: "" for c in lin.columns} | {
            "released_date": pd.NaT,
            "relation": "independent",
            "base_model": f"r{i}",
            "weights": "open",
        }
    result = run_benchmark(_planted_evidence(lin, 3.0), lin, n_bootstrap=20, progress=False)
    outcomes = {o.suspect: o for o in result.outcomes}
    assert outcomes["student"].top1 == "api-a1" and outcomes["student"].exact
    assert outcomes["child"].top1 == "open-c"
    assert result.teacher_top1_exact == 1.0 and result.parent_top1 == 1.0
    assert result.human_data_positives == 0
    assert result.auroc > 0.95 and result.auroc_family > 0.5
    # the pairs the lineage leaves open are not in the strict AUROC
    assert result.n_pairs < result.n_pairs_family
    text = result.to_markdown()
    assert "documented answer vs unrelated" in text and "expected family" in text

    null = run_benchmark(_planted_evidence(lin, 0.0), lin, n_bootstrap=20, progress=False)
    assert null.human_data_positives == 0
    assert null.auroc < result.auroc


def test_benchmark_on_demo_corpus(tmp_path):
    from detector.demo_run import DEMO_DIR, demo_corpus

    corpus = demo_corpus()
    evidence = build_evidence(
        corpus,
        channels="style,lexical",
        options=FeatureOptions(cache_dir=tmp_path / "cache", progress=False),
    )
    result = run_benchmark(evidence, DEMO_DIR / "lineage.csv", n_bootstrap=20, progress=False)
    # by default, no embedding model is run for the LLM DNA peer when the evidence has none
    assert [p.name for p in result.peers] == ["slop-profile", "burrows-delta"]
    assert any("llm-dna left out" in n for n in result.notes)
    assert result.peers[0].metrics["n_teacher"] == 2
    assert result.teacher_top1_family == 1.0
    assert result.human_data_positives == 0
    assert 0.5 < result.auroc <= 1.0
    assert result.to_dict()["n_pairs"] == result.n_pairs


# ------------------------------------------------ peers side by side, both formats
HABITS_TEACHER = """model,relation,teacher,teacher_family,parent,base_model,weights,released
source,independent,,,,s,closed,2023-01
m2,independent,,,,t,closed,2023-02-01
m3,independent,,,,u,closed,2023-09-01
copier,distilled,source,fam-s,,c,open,2023-05-01
m4,human_data,,,,c,open,2023-04-01
m5,independent,,,,c,open,2023-03-01
"""
HABITS_FAMILY = """model,relation,parent,family,released
source,independent,,alpha-s,2025-01-10
copier,derived,source,alpha-s,2025-06
m2,independent,,beta-t,2025-08-01
m3,independent,,beta-t,2025-02-01
m4,stealth,,alpha-next,2025-09
m5,independent,,gamma,2025-03-01
"""


@pytest.fixture(scope="module")
def habit_evidence() -> Evidence:
    from .test_peers import _embedded

    features = _embedded(n_prompts=30)
    return build_evidence(
        features, channels=["style", "lexical"], options=FeatureOptions(progress=False)
    )


def _lineage(tmp_path, text: str) -> pd.DataFrame:
    path = tmp_path / "lineage.csv"
    path.write_text(text)
    return load_lineage(path)


def test_peers_side_by_side_teacher_format(tmp_path, habit_evidence):
    lineage = _lineage(tmp_path, HABITS_TEACHER)
    result = run_benchmark(habit_evidence, lineage, n_bootstrap=20, progress=False)
    assert [m.name for m in result.methods] == [
        "ours",
        "llm-dna",
        "slop-profile",
        "burrows-delta",
    ]
    for method in result.methods:
        copier = method.outcome("copier")
        assert copier.kind == "teacher" and copier.expected == "source"
        assert set(method.metrics) >= {"auroc", "auroc_family", "teacher_family_related"}
        assert method.outcome("m4").kind == "negative"
    for peer in result.peers:
        assert peer.outcome("copier").top1 == "source", peer.name
        assert peer.metrics["teacher_top1_exact"] == 1.0
        assert peer.outcome("copier").top[0].distance is not None
    # release dates: source (2023-01) came before the copier (2023-05), m3 (2023-09) after
    ours = result.methods[0].outcome("copier")
    assert ours.released == "2023-05-01" and ours.top1_after is (ours.top1 == "m3")
    assert all(m == "m3" for m in ours.related_after)
    assert result.metrics["n_dated"] == 2
    text = result.to_markdown(goals={"teacher_top1_family": "1 of 1"}, timings=False)
    assert (
        "| metric | ours | llm-dna | slop-profile | burrows-delta | ours vs peers | goal |" in text
    )
    assert "| 1 of 1 |" in text and "scoring all suspects" not in text
    assert "source (z" in text  # the top-1 table names each method's top candidate
    data = json.loads(result.to_json())
    assert [p["name"] for p in data["peers"]] == ["llm-dna", "slop-profile", "burrows-delta"]
    assert all(name in result.to_text() for name in ("ours", "llm-dna", "burrows-delta"))


def test_family_format_protocol_end_to_end(tmp_path, habit_evidence):
    lineage = _lineage(tmp_path, HABITS_FAMILY)
    result = run_benchmark(
        habit_evidence,
        lineage,
        n_bootstrap=20,
        progress=False,
        peers=["slop-profile", "burrows-delta"],
        open_questions=["m5"],
    )
    assert result.protocol == "family"
    kinds = {o.suspect: o.kind for o in result.outcomes}
    assert kinds == {"copier": "parent", "m2": "later_release", "m4": "stealth", "m5": "open"}
    for peer in result.peers:
        assert peer.outcome("copier").exact, peer.name
        assert peer.metrics["parent_top1"] == 1.0
    m4 = result.outcomes[[o.suspect for o in result.outcomes].index("m4")]
    assert m4.expected_family == "alpha-next" and m4.exact is False  # no model of its family
    assert m4.family == (m4.top1 in ("source", "copier"))  # its vendor: alpha
    text = result.to_markdown(timings=False)
    assert "Where m5 lands" in text and "| burrows-delta | 1 |" in text
    assert "stealth model: top-1 of its vendor" in text
    assert "later release: an earlier release of its family top-1" in text
    assert "teacher top-1" not in text  # rows without suspects are not shown
    # every pair of the open question is unlabelled: not in either AUROC
    n_cands = {o.suspect: len(result.peers[0].outcome(o.suspect).top) for o in result.outcomes}
    assert n_cands["m5"] == 3
    assert result.metrics["n_pairs_family"] == 3 * 5


def test_unknown_peer_and_open_question(tmp_path, habit_evidence):
    lineage = _lineage(tmp_path, HABITS_FAMILY)
    with pytest.raises(ProvenanceError, match="unknown peer"):
        run_benchmark(habit_evidence, lineage, peers=["nope"], progress=False)
    with pytest.raises(ProvenanceError, match="open question"):
        run_benchmark(habit_evidence, lineage, open_questions=["ghost"], progress=False)


def test_ours_versus_peers_column():
    from detector.benchmark import MethodResult, _versus

    def method(name: str, **metrics: float) -> MethodResult:
        return MethodResult(name, name, [], metrics)

    ours = method("ours", auroc=0.9, human_data_positives=1, parent_top1=1.0)
    peers = [
        method("a", auroc=0.8, human_data_positives=0, parent_top1=1.0),
        method("b", auroc=0.95, human_data_positives=2, parent_top1=0.5),
    ]
    assert _versus([ours, *peers], "auroc") == "behind"
    assert _versus([ours, *peers], "parent_top1") == "tied"
    assert _versus([ours, *peers], "human_data_positives") == "behind"  # fewer is better
    assert _versus([ours, peers[1]], "human_data_positives") == "ahead"
    assert _versus([ours], "auroc") == "-"
    assert _versus([ours, method("c", auroc=float("nan"))], "auroc") == "-"


def test_cli_benchmark_reports_a_bad_lineage_in_one_line(tmp_path, capsys):
    from detector.cli import main

    data = tmp_path / "outputs.jsonl"
    data.write_text('{"model": "a", "prompt": "p", "output": "o"}\n')
    lineage = tmp_path / "lineage.csv"
    lineage.write_text(HABITS_FAMILY.replace("2025-06", "June 2025"))
    code = main(["benchmark", str(data), "--lineage", str(lineage), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "released 'June 2025' is not a date" in err


def test_known_lineage_reaches_scoring_and_the_peers_share_its_roles(tmp_path, habit_evidence):
    lineage = _lineage(tmp_path, HABITS_TEACHER)
    result = run_benchmark(
        habit_evidence,
        lineage,
        n_bootstrap=20,
        progress=False,
        peers=["burrows-delta"],
        use_lineage=True,
    )
    assert result.settings["use_lineage"] is True
    # m3 (2023-09) was released after the copier (2023-05): set aside, for ours and the peer
    for method in result.methods:
        copier = method.outcome("copier")
        assert "m3" not in [c.model for c in copier.top]
        assert copier.top1_after is False
    plain = run_benchmark(habit_evidence, lineage, n_bootstrap=20, progress=False, peers=())
    # without the lineage m3 is a candidate of the copier and of m4 (2023-04): two pairs more
    assert plain.metrics["n_pairs_family"] == result.metrics["n_pairs_family"] + 2

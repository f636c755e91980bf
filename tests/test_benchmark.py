"""The lineage benchmark: protocol, pair labels and metrics (small data built here)."""

from __future__ import annotations

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
    plan = {s: (c, r) for s, c, r in benchmark_plan(lineage, list(lineage.index))}
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
    assert "documented teacher or parent" in text and "teacher's family" in text

    null = run_benchmark(_planted_evidence(lin, 0.0), lin, n_bootstrap=20, progress=False)
    assert null.human_data_positives == 0
    assert null.auroc < result.auroc


def test_benchmark_on_demo_corpus(tmp_path):
    from detector.demo_run import DEMO_DIR, demo_corpus

    corpus = demo_corpus()
    evidence = build_evidence(
        corpus, channels="style,lexical", cache_dir=tmp_path / "cache", progress=False
    )
    result = run_benchmark(evidence, DEMO_DIR / "lineage.csv", n_bootstrap=20, progress=False)
    assert result.teacher_top1_family == 1.0
    assert result.human_data_positives == 0
    assert 0.5 < result.auroc <= 1.0
    assert result.to_dict()["n_pairs"] == result.n_pairs

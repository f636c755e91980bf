"""The reasoning-trace channel (detector.traces, registry spec ``reasoning``).

A synthetic corpus (``reasoning_corpus``): eight reasoning models with trace habits of
their own, two models without traces, and ``r1-student``, whose traces copy r1's habits
in 70% of its prompts while its answers are written like ``plain``'s. Scoring uses the
answers (``plain`` first) and reports the traces beside the score (``r1`` first).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector import channels as registry
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.evidence import build_evidence
from detector.features import FeatureOptions, compute_features, features_table
from detector.score_table import score_table
from detector.scoring import score

from .conftest import DEV_CORPUS
from .reasoning_corpus import TRACES, reasoning_rows

CHEAP = ["style", "lexical", "identity"]  # no embedding model needed
TRACED = [*TRACES, "r1-student"]


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(pd.DataFrame(reasoning_rows()))


@pytest.fixture(scope="module")
def features(corpus, tmp_path_factory):
    return compute_features(
        corpus, [*CHEAP, "reasoning"], cache_dir=tmp_path_factory.mktemp("c"), progress=False
    )


def test_spec_is_reported_not_combined():
    spec = registry.get("reasoning")
    assert spec.source == "reasoning" and not spec.default and spec.base_weight == 0
    assert spec.coverage.masks_empty and spec.coverage.when_present and spec.attribution is None
    assert "reasoning" not in registry.default_channels()


def test_features_of_outputs_without_trace_are_zero(corpus, features):
    matrix = features.matrices["reasoning"].tocsr()
    has = (corpus.df["reasoning"] != "").to_numpy()
    assert has.sum() == 30 * len(TRACED) and matrix.shape[0] == len(corpus)
    assert matrix[~has].nnz == 0 and (matrix[has].getnnz(axis=1) > 0).all()
    names = features.names["reasoning"]
    assert {"okay", "let me double", "wait", "length:n_chars", "length:log_chars"} <= set(names)
    table = features_table(features, ["reasoning"])
    assert list(table.columns) == [
        "model",
        "prompt_id",
        "trace_terms",
        "trace_distinct",
        "trace_chars",
    ]
    assert (table.loc[~has, "trace_chars"] == 0).all() and (
        table.loc[has, "trace_chars"] > 100
    ).all()


def test_pair_mask_holds_only_pairs_that_both_have_traces(features):
    evidence = build_evidence(features, channels=[*CHEAP, "reasoning"])
    models = evidence.models
    mask = evidence.channels["reasoning"].pair_mask
    traced = np.array([m in TRACED for m in models])
    both = traced[:, None] & traced[None, :]
    assert (mask.any(axis=0) == both).all()
    assert (mask.sum(axis=0)[both] == 30).all()
    assert evidence.channels["style"].pair_mask.all()  # the answers: every pair
    assert evidence.weights["reasoning"] == 0.0 and evidence.reliability["reasoning"] > 0
    # combined affinity does not see the traces
    without = build_evidence(features, channels=CHEAP)
    np.testing.assert_allclose(evidence.combined_affinity(), without.combined_affinity())
    with pytest.raises(ProvenanceError, match="reported beside the score"):
        build_evidence(features, channels=["reasoning"])


def test_score_reports_traces_beside_the_answers(features):
    result = score(features, "r1-student", n_bootstrap=20, channels=[*CHEAP, "reasoning"])
    assert "reasoning" in result.weights and result.weights["reasoning"] == 0
    assert result.candidates[0].model == "plain"  # the answers were written like plain's
    z = {c.model: c.channels.get("reasoning") for c in result.candidates}
    assert {m for m, v in z.items() if v is not None} == set(TRACES)
    assert max((v, m) for m, v in z.items() if v is not None)[1] == "r1"  # the traces: r1
    note = next(n for n in result.notes if n.startswith("reasoning traces"))
    assert "compared for 7 of 10 candidates" in note and "not part of the score" in note
    # the score itself is the answers' alone
    plain = score(features, "r1-student", n_bootstrap=20, channels=CHEAP)
    assert [c.model for c in plain.candidates] == [c.model for c in result.candidates]
    np.testing.assert_allclose([c.z for c in plain.candidates], [c.z for c in result.candidates])
    table = score_table(result)
    assert "rea = reasoning" in table and "-: not compared" in table
    row = next(line for line in table.splitlines() if line.split()[1:2] == ["atlas"])
    assert " - " in row
    saved = json.loads(result.to_json())
    by_model = {c["model"]: c["channels"] for c in saved["candidates"]}
    assert "reasoning" in by_model["r1"] and "reasoning" not in by_model["atlas"]


def test_added_when_suspect_and_others_have_traces(corpus):
    pool = sorted(set(corpus.models) - {"r1-student"})
    assert registry.present_channels(corpus.df, "r1-student", pool, 20) == (["reasoning"], [])
    assert registry.present_channels(corpus.df, "r1-student", pool, 31)[0] == []
    assert registry.present_channels(corpus.df, "plain", pool, 20) == ([], [])  # no traces
    only = registry.present_channels(corpus.df, "r1-student", ["plain", "atlas"], 20)
    assert only[0] == [] and "no other model has them on 20 or more" in only[1][0]


def test_channels_named_explicitly_leave_traces_out(features):
    result = score(features, "r1-student", n_bootstrap=10, channels=CHEAP)
    assert "reasoning" not in result.weights
    assert not any("reasoning" in c.channels for c in result.candidates)


def test_only_the_suspect_has_traces(tmp_path):
    """Case 05's shape: traces were split off, answers scored, and a note says why not traces."""
    keep = ("r1-student", "r1", "qwq", "plain", "atlas", "borealis")
    frame = pd.DataFrame([r for r in reasoning_rows(n_prompts=24) if r["model"] in keep])
    frame.loc[frame["model"] != "r1-student", "output"] = frame["output"].str.replace(
        r"(?s)^<think>.*?</think>\s*", "", regex=True
    )
    features = compute_features(load_corpus(frame), CHEAP, cache_dir=tmp_path, progress=False)
    rng = np.random.default_rng(0)  # stands in for sentence embeddings: no model to load
    features.matrices["embedding"] = rng.normal(size=(len(frame), 8))
    features.names["embedding"] = [f"emb_{i}" for i in range(8)]
    result = score(features, "r1-student", n_bootstrap=10, channels=None)
    assert "reasoning" not in result.weights
    assert any(
        "r1-student has reasoning traces in 24 of its 24 outputs, but no other model has them" in n
        for n in result.notes
    )


CASES = Path(os.environ.get("PROVENANCE_CASES", DEV_CORPUS.parent.parent / "cases"))


@pytest.mark.realdata
def test_case_05_answers_rank_as_without_traces(tmp_path):
    path = CASES / "05-r1-think" / "outputs.jsonl"
    if not path.exists():
        pytest.skip(f"field cases not found at {CASES}")
    corpus = load_corpus(path)
    rows = pd.read_json(path, lines=True)
    stripped = rows.assign(
        output=rows["output"].str.replace(r"(?s)^(?:<think>)?.*?</think>\s*", "", regex=True)
    )
    kwargs = dict(n_bootstrap=50, channels=None)
    kwargs["options"] = FeatureOptions(cache_dir=tmp_path, progress=False)
    result = score(corpus, "r1-distill-student", **kwargs)
    control = score(load_corpus(stripped), "r1-distill-student", **kwargs)
    assert [c.model for c in result.candidates] == [c.model for c in control.candidates]
    assert result.candidates[0].model == "atlas"
    np.testing.assert_allclose([c.z for c in result.candidates], [c.z for c in control.candidates])
    assert any("has reasoning traces in 32 of its 40 outputs" in n for n in result.notes)
    assert not any("reasoning" in n for n in control.notes)


def test_trace_features_are_cached_by_the_traces(corpus, tmp_path):
    """A corpus with the same answers and other traces does not reuse cached trace features."""
    stripped = load_corpus(
        corpus.df.assign(reasoning="")[["model", "prompt_id", "prompt", "output", "reasoning"]]
    )
    assert stripped.content_hash() == corpus.content_hash()  # the answers are the same
    first = compute_features(stripped, ["reasoning"], cache_dir=tmp_path, progress=False)
    assert first.matrices["reasoning"].nnz == 0
    again = compute_features(corpus, ["reasoning"], cache_dir=tmp_path, progress=False)
    assert again.matrices["reasoning"].nnz > 0

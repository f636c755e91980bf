"""Scoring on the synthetic demo corpus (built by the seeded generator) and edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detector.cli import main
from detector.corpus import load_corpus
from detector.demo import generate_demo
from detector.errors import ProvenanceError
from detector.evidence import build_evidence
from detector.features import FeatureOptions
from detector.scoring import holm, robust_z, score

from .conftest import single_channel_evidence

CHANNELS = "style,lexical,identity"  # no embedding model needed: fast


@pytest.fixture(scope="module")
def demo():
    records, lineage = generate_demo(0)
    return load_corpus(records), lineage


@pytest.fixture(scope="module")
def evidence(demo, tmp_path_factory):
    corpus, _ = demo
    return build_evidence(
        corpus,
        channels=CHANNELS,
        options=FeatureOptions(progress=False, cache_dir=tmp_path_factory.mktemp("cache")),
    )


def test_holm_matches_definition():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(holm(p), [0.04, 0.09, 0.09, 0.5])


def test_robust_z_ignores_an_outlier_in_the_null():
    null = np.array([0.0, 0.1, -0.1, 0.05, -0.05, 10.0])
    z = robust_z(np.array(1.0), null)
    assert 8 < float(z) < 30


CLOSED = ["atlas", "borealis", "cirrus"]  # the demo's API models, as in the benchmark protocol


def test_student_is_attributed_to_its_teacher(evidence):
    result = score(evidence, "student-of-atlas", CLOSED, seed=0)
    top = result.candidates[0]
    assert top.model == "atlas"
    assert top.rank == 1 and 0 <= top.score <= 1
    assert top.ci[0] <= top.score <= top.ci[1] + 1e-9
    assert [c.rank for c in result.candidates] == list(range(1, len(result.candidates) + 1))
    assert set(top.channels) == {"style", "lexical", "identity"}
    assert len(result.reference) == 6


def test_derived_model_finds_its_parent(evidence):
    result = score(evidence, "delta-open-7b-dpo", seed=0)
    assert result.candidates[0].model == "delta-open-7b"
    assert result.candidates[0].z > result.candidates[1].z


def test_deterministic_for_a_seed(evidence):
    a = score(evidence, "student-of-borealis", seed=3).to_dict()
    b = score(evidence, "student-of-borealis", seed=3).to_dict()
    assert a == b


def test_json_schema(evidence):
    d = json.loads(
        score(evidence, "student-of-atlas", ["atlas", "borealis", "cirrus"], seed=0).to_json()
    )
    assert set(d) >= {"suspect", "n_prompts", "candidates", "best", "verdict"}
    assert [c["model"] for c in d["candidates"]][0] in {"atlas", "borealis", "cirrus"}
    for c in d["candidates"]:
        assert set(c) >= {
            "model",
            "score",
            "ci",
            "p_value",
            "rank",
            "verdict",
            "related",
            "channels",
        }
        assert len(c["ci"]) == 2 and isinstance(c["related"], bool)


def test_errors_are_one_line(evidence, demo):
    corpus, _ = demo
    with pytest.raises(ProvenanceError, match="known models"):
        score(evidence, "nobody")
    with pytest.raises(ProvenanceError, match="also among the candidates"):
        score(evidence, "atlas", ["atlas", "cirrus"])
    with pytest.raises(ProvenanceError, match="unknown candidate 'zz'"):
        score(evidence, "atlas", ["zz"])
    small = corpus.subset(prompt_ids=corpus.prompt_ids[:5])
    with pytest.raises(ProvenanceError, match="shares at most 5 prompts.*needs at least 20"):
        score(small, "atlas", channels="style")


def test_uncalibrated_when_no_reference(evidence):
    result = score(evidence, "student-of-atlas", ["atlas", "borealis"], ["cirrus"])
    assert result.calibration == "uncalibrated"
    assert all(c.p_value is None and not c.related for c in result.candidates)
    assert result.level == "uncalibrated" and result.verdict.startswith("Cannot say")
    assert result.notes and "`reference`" in result.notes[-1]


def test_every_number_comes_from_one_null(evidence):
    """score = 1 - raw p, Holm on the raw p, related iff Holm p < alpha, counts in words."""
    from scipy import stats

    result = score(evidence, "student-of-atlas", CLOSED, seed=0)
    raw = np.array([c.p_raw for c in result.candidates])
    assert np.allclose([c.score for c in result.candidates], 1 - raw)
    assert np.allclose([c.p_value for c in result.candidates], holm(raw))
    for c in result.candidates:
        dof = c.null_size - 1
        assert c.p_raw == pytest.approx(stats.t.sf(c.z, dof))
        assert c.related == (c.p_value < result.alpha)
        assert 0 <= c.null_below <= c.null_size == len(result.reference)
    top = result.candidates[0]
    assert result.level == "related" and result.best == top.model == "atlas"
    assert "atlas" in result.verdict and "p =" not in result.verdict  # no raw statistics
    assert f"{top.null_below} of the {top.null_size}" in result.explanation


def test_levels_are_plain_and_never_claim_independence(evidence):
    from detector.verdicts import CandidateFacts, overall_verdict

    def facts(z, p_raw, p, below=20):
        return [CandidateFacts("T", 1, z, p_raw, p, p < 0.05, below, 28)]

    inconclusive = overall_verdict("S", facts(2.6, 0.008, 0.1, 27), 0.05)
    assert inconclusive.level == "inconclusive"
    assert "ranks first" in inconclusive.headline and "27 of the 28" in inconclusive.explanation
    nothing = overall_verdict("S", facts(0.4, 0.35, 1.0), 0.05)
    assert nothing.level == "nothing" and "not proof of independence" in nothing.explanation
    assert "none is more similar" not in nothing.headline + nothing.explanation
    negative = score(evidence, "human-sft-13b", CLOSED, seed=0)
    assert negative.level in ("nothing", "inconclusive") and negative.best is None


def test_cli_score_json_and_errors(tmp_path, capsys, demo):
    corpus, _ = demo
    path = tmp_path / "demo.jsonl"
    corpus.df.to_json(path, orient="records", lines=True)
    cache = str(tmp_path / "cache")
    code = main(
        [
            "score",
            str(path),
            "--suspect",
            "student-of-atlas",
            "--channels",
            "style",
            "--format",
            "json",
            "--cache-dir",
            cache,
            "--no-progress",
            "--bootstrap",
            "50",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["suspect"] == "student-of-atlas"
    code = main(
        ["score", str(path), "--suspect", "nobody", "--channels", "style", "--cache-dir", cache]
    )
    out, err = capsys.readouterr()
    assert code == 2 and "known models: atlas" in err and err.count("\n") == 1
    target = tmp_path / "result.json"
    target.write_text("keep me")
    code = main(
        [
            "score",
            str(path),
            "--suspect",
            "atlas",
            "--channels",
            "style",
            "--cache-dir",
            cache,
            "--out",
            str(target),
            "--no-progress",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and "already exists" in err and target.read_text() == "keep me"


@pytest.mark.realdata
def test_real_corpus_alpaca_learned_from_davinci_003(dev_corpus_path, tmp_path):
    """Alpaca-7b was fine-tuned on text-davinci-003 outputs (cheap channels, 14 models)."""
    corpus = load_corpus(dev_corpus_path)
    models = [
        "alpaca-7b",
        "text_davinci_003",
        "gpt-3.5-turbo-0301",
        "gpt4_0314",
        "claude-2",
        "gemini-pro",
        "cohere",
        "mistral-medium",
        "llama-2-13b-chat-hf",
        "gemma-7b-it",
        "Yi-34B-Chat",
        "Qwen1.5-72B-Chat",
        "Mistral-7B-Instruct-v0.2",
        "dbrx-instruct",
    ]
    small = corpus.subset(models=models)
    closed = [
        "text_davinci_003",
        "gpt-3.5-turbo-0301",
        "gpt4_0314",
        "claude-2",
        "gemini-pro",
        "cohere",
        "mistral-medium",
    ]
    result = score(
        small,
        "alpaca-7b",
        closed,
        channels="style,lexical",
        options=FeatureOptions(cache_dir=tmp_path, progress=False),
        n_bootstrap=50,
    )
    assert result.candidates[0].model == "text_davinci_003"
    assert result.n_prompts == 805


def test_attribution_channel_is_reported_not_combined(evidence, tmp_path):
    plain = score(evidence, "student-of-atlas", CLOSED, seed=0)
    with_attr = score(
        evidence,
        "student-of-atlas",
        CLOSED,
        seed=0,
        attribution=True,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    assert all("attribution" in c.channels for c in with_attr.candidates)
    assert [c.z for c in plain.candidates] == [c.z for c in with_attr.candidates]
    atlas = next(c for c in with_attr.candidates if c.model == "atlas")
    assert atlas.channels["attribution"] == max(
        c.channels["attribution"] for c in with_attr.candidates
    )
    assert any("attribution transfer" in n for n in with_attr.notes)


def test_transfer_groups_mirror_the_null_sets():
    from detector.calibration import transfer_groups as _transfer_groups

    cands = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    assert _transfer_groups(cands, ["r1", "r2", "r3", "r4"], 4) == [cands]
    # no reference models: the other candidates are the null, in as few groups as possible
    groups = _transfer_groups(cands, [], 4)
    assert groups == [["a", "c", "e", "g", "i"], ["b", "d", "f", "h"]]
    assert _transfer_groups(["a", "b", "c"], ["r1", "r2"], 4) == [["a"], ["b"], ["c"]]
    assert _transfer_groups(["a", "b", "c"], ["r1"], 4) == []  # 3 others at most


def test_attribution_without_reference_models_uses_the_other_candidates(evidence, tmp_path):
    """Every other model a candidate: transfer judges each against the other candidates."""
    plain = score(evidence, "student-of-atlas", seed=0, n_bootstrap=20)
    result = score(
        evidence,
        "student-of-atlas",
        seed=0,
        n_bootstrap=20,
        attribution=True,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    assert result.reference == [] and len(result.candidates) == 9
    assert all("attribution" in c.channels for c in result.candidates)
    assert [c.z for c in plain.candidates] == [c.z for c in result.candidates]
    atlas = next(c for c in result.candidates if c.model == "atlas")
    assert atlas.channels["attribution"] == max(
        c.channels["attribution"] for c in result.candidates
    )
    assert any("each against the other candidates" in n for n in result.notes)


def test_attribution_with_too_few_models_is_a_note(evidence, tmp_path):
    result = score(
        evidence,
        "student-of-atlas",
        ["atlas", "borealis"],
        ["cirrus"],
        n_bootstrap=20,
        attribution=True,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    assert result.calibration == "uncalibrated"
    assert all("attribution" not in c.channels for c in result.candidates)
    assert any("attribution transfer not run" in n for n in result.notes)


def test_cli_score_attribution_without_reference(tmp_path, capsys, demo):
    corpus, _ = demo
    path = tmp_path / "demo.jsonl"
    corpus.df.to_json(path, orient="records", lines=True)
    argv = ["score", str(path), "--attribution", "--channels", "style", "--bootstrap", "20"]
    argv += ["--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    code = main(argv + ["--suspect", "student-of-atlas", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    assert data["reference"] == []
    assert all("attribution" in c["channels"] for c in data["candidates"])
    code = main(argv + ["--suspect", "student-of-atlas", "--reference", "nobody"])
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "nobody" in err and "Traceback" not in err


def test_uncalibrated_scores_and_intervals_stay_in_unit_range():
    """Uncalibrated scores rescale the affinity; resampled prompts must not leave [0, 1]."""
    rng = np.random.default_rng(1)
    sims = rng.normal(0, 3, (12, 4, 4))
    sims = ((sims + sims.transpose(0, 2, 1)) / 2).astype(np.float32)
    evidence = single_channel_evidence(["s", "a", "b", "c"], sims)
    result = score(evidence, "s", ["a", "b"], ["c"], n_bootstrap=200)
    assert result.calibration == "uncalibrated"
    for c in result.candidates:
        assert 0.0 <= c.ci[0] <= c.ci[1] <= 1.0 and 0.0 <= c.score <= 1.0


def test_degenerate_models_stay_out_of_default_pools(tmp_path):
    """AlpacaEval's NullModel (one constant answer) would shift every z; defaults leave it out."""
    rng = np.random.default_rng(0)
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
    ]
    rows = []
    for i in range(7):
        for j in range(25):
            text = " ".join(rng.choice(words, size=30 + 5 * i)) + f". Point {j} by style {i}."
            rows.append({"model": f"m{i}", "prompt": f"Question {j}?", "output": text})
    rows += [{"model": "NullModel", "prompt": f"Question {j}?", "output": "OK."} for j in range(25)]
    corpus = load_corpus(__import__("pandas").DataFrame(rows))
    result = score(
        corpus, "m0", channels="style", n_bootstrap=10, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert "NullModel" not in [c.model for c in result.candidates] + result.reference
    assert result.roles["left_out"]["NullModel"].startswith("degenerate: the same answer")
    named = score(
        corpus,
        "m0",
        ["m1", "NullModel"],
        channels="style",
        n_bootstrap=10,
        options=FeatureOptions(cache_dir=tmp_path),
    )
    assert "NullModel" in [c.model for c in named.candidates]  # named explicitly: kept

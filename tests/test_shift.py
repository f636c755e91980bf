"""``score --baseline``: did the suspect move toward a candidate relative to its baseline?

Unit tests build evidence with known per-prompt similarities (models as points
whose inner products are the similarities, plus per-prompt noise), so the
shift, its calibration and the three verdicts can be checked against numbers
computed here; an end-to-end test runs the text corpus of
:func:`tests.synthetic_habits.shift_corpus` through the library and the CLI.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from detector import load_corpus
from detector.calibration import robust_z
from detector.cli import main
from detector.errors import ProvenanceError
from detector.features import FeatureOptions
from detector.scoring import score
from detector.shift import ShiftResult, matrix_shift, per_prompt_shift, shift_score
from detector.shift_table import shift_table

from .conftest import single_channel_evidence
from .synthetic_habits import shift_corpus

REFS = [f"r{i}" for i in range(8)]
MODELS = ["s", "b", "t", *REFS]
DIM = 40


def points_evidence(suspect_point, n_prompts: int = 60, noise: float = 1.0, seed: int = 0):
    """Evidence whose per-prompt similarity of models i, j is x_i . x_j plus noise.

    ``suspect_point(x)`` gives the suspect's point from the others' (rows in
    the order of ``MODELS``; row 0, the suspect's, is to be replaced).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(MODELS), DIM))
    x[0] = suspect_point(x)
    base = x @ x.T
    eps = rng.normal(scale=noise, size=(n_prompts, len(MODELS), len(MODELS)))
    sims = base[None] + (eps + eps.transpose(0, 2, 1)) / np.sqrt(2)
    return single_channel_evidence(MODELS, sims)


def toward_teacher(x):
    return x[1] + 1.5 * x[2]  # the baseline's point, moved toward the teacher's


def unmoved(x):
    return x[1].copy()  # the baseline again; only the prompts' noise differs


def elsewhere(x):
    # moved a lot, toward no one in particular
    return 0.3 * x[1] + 1.5 * np.random.default_rng(99).normal(size=DIM)


def test_shift_is_the_difference_of_affinities_and_its_z_the_robust_z():
    ev = points_evidence(toward_teacher)
    r = shift_score(ev, "s", "b", ["t"], REFS)
    a = ev.combined_affinity()
    shift = a[0] - a[1]
    (t,) = r.candidates
    assert t.shift == pytest.approx(shift[2])
    assert t.suspect_affinity == pytest.approx(a[0, 2])
    assert t.baseline_affinity == pytest.approx(a[1, 2])
    assert t.z == pytest.approx(float(robust_z(np.array(shift[2]), shift[3:])))
    assert t.score == pytest.approx(1 - t.p_raw)
    assert t.null_below == int(np.sum(shift[3:] < shift[2])) and t.null_size == len(REFS)
    assert t.shift_ci[0] < t.shift < t.shift_ci[1]
    assert t.ci[0] <= t.score <= t.ci[1]


def test_per_prompt_shift_averages_to_the_shift():
    ev = points_evidence(toward_teacher)
    r = shift_score(ev, "s", "b", ["t"], REFS)
    series = per_prompt_shift(ev, "s", "b", "t")
    assert len(series) == ev.n_prompts
    assert series.mean() == pytest.approx(r.candidates[0].shift)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moved_toward_the_teacher(seed):
    r = shift_score(points_evidence(toward_teacher, seed=seed), "s", "b", ["t", "r0"], REFS[1:])
    assert r.level == "related" and r.best == "t"
    assert r.verdict == "s moved toward t relative to b."
    assert r.candidates[0].model == "t" and r.candidates[0].related
    assert r.candidates[0].p_value < 0.05 and not r.candidates[1].related
    assert r.movement.moved


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_baseline_again_did_not_move(seed):
    r = shift_score(points_evidence(unmoved, seed=seed), "s", "b", ["t", "r0"], REFS[1:])
    assert r.level == "unmoved" and r.best is None
    assert r.verdict == "s did not move measurably from b."
    assert not r.movement.moved and r.movement.toward == r.movement.away == 0
    assert r.baseline_check.related  # the same model: as related as can be


def test_moved_but_toward_no_candidate():
    r = shift_score(points_evidence(elsewhere, seed=1), "s", "b", ["t", "r0"], REFS[1:])
    assert r.movement.moved
    assert r.level == "nothing" and r.best is None
    assert "moved, but toward no candidate more than toward unrelated models" in r.verdict


def test_an_unrelated_baseline_is_said():
    ev = points_evidence(elsewhere, seed=1)
    r = shift_score(ev, "s", "b", ["t", "r0"], REFS[1:])
    a = ev.combined_affinity()
    assert r.baseline_check.affinity == pytest.approx(a[0, 1])
    assert r.baseline_check.related is False
    assert any(
        "the baseline b resembles s more than a typical unrelated model does, but not "
        "beyond chance" in n
        for n in r.notes
    )
    related = shift_score(points_evidence(toward_teacher), "s", "b", ["t"], REFS)
    assert related.baseline_check.related
    assert not any("the baseline b resembles" in n for n in related.notes)


def test_neither_suspect_nor_baseline_is_a_candidate_or_reference():
    r = shift_score(points_evidence(toward_teacher), "s", "b")
    names = [c.model for c in r.candidates] + r.reference
    assert "s" not in names and "b" not in names
    assert sorted(names) == sorted(["t", *REFS])
    assert r.roles["reasons"]["b"] == "the baseline"


def test_deterministic_for_a_seed():
    ev = points_evidence(toward_teacher)
    one, two = (shift_score(ev, "s", "b", ["t"], REFS, seed=3) for _ in range(2))
    assert one.to_dict() == two.to_dict()
    other = shift_score(ev, "s", "b", ["t"], REFS, seed=4)
    assert other.candidates[0].shift_ci != one.candidates[0].shift_ci


def test_few_models_are_ranked_not_tested():
    ev = points_evidence(toward_teacher)
    r = shift_score(ev, "s", "b", ["t", "r0"], ["r1"])
    assert r.level == "uncalibrated" and r.calibration == "uncalibrated"
    assert all(c.p_value is None for c in r.candidates)
    assert r.candidates[0].model == "t"  # ranked by the raw shift


def test_score_with_a_baseline_is_the_shift_test():
    ev = points_evidence(toward_teacher)
    r = score(ev, "s", ["t"], REFS, baseline="b")
    assert isinstance(r, ShiftResult)
    assert r.to_dict() == shift_score(ev, "s", "b", ["t"], REFS).to_dict()
    with pytest.raises(ProvenanceError, match="attribution"):
        score(ev, "s", ["t"], REFS, baseline="b", attribution=True)


def test_views():
    r = shift_score(points_evidence(toward_teacher), "s", "b", ["t", "r0"], REFS[1:])
    data = json.loads(r.to_json())
    assert data["baseline"] == "b" and data["level"] == "related"
    assert data["movement"]["moved"] is True and "baseline_check" in data
    frame = r.to_frame()
    assert {"shift", "shift_low", "shift_high", "z", "p_value", "z_style"} <= set(frame.columns)
    table = shift_table(r)
    assert max(len(line) for line in table.splitlines()) <= 100
    assert "baseline: b" in table and "verdict (related)" in table
    assert "<b>baseline:</b>" in r._repr_html_()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"baseline": "m0"}, "baseline is the suspect itself"),
        ({"baseline": "nope"}, "unknown baseline 'nope'"),
        ({"baseline": "m1", "candidates": ["m1", "m2"]}, "cannot also be a candidate"),
        ({"baseline": "m1", "reference": ["m1"]}, "cannot also be a reference model"),
        ({"baseline": "m2"}, "'m2' answered 5 of the prompts 'm0' answered"),
    ],
)
def test_bad_baselines(kwargs, message):
    rows = [
        {"model": f"m{i}", "prompt": f"Question {j}?", "output": f"Answer {j} by {i}."}
        for i in range(4)
        for j in range(25)
        if i != 2 or j < 5
    ]
    corpus = load_corpus(pd.DataFrame(rows))
    with pytest.raises(ProvenanceError, match=message):
        shift_score(corpus, "m0", **kwargs)


# ------------------------------------------------------------------ text, end to end
@pytest.fixture(scope="module")
def text_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shift")
    path = folder / "outputs.csv"
    shift_corpus().to_csv(path, index=False)
    return path, folder / "cache"


def test_text_corpus_moved_and_unmoved(text_corpus):
    path, cache = text_corpus
    corpus = load_corpus(path)
    moved = shift_score(
        corpus, "tuned", "base", ["teacher", "r0"], options=FeatureOptions(cache_dir=cache)
    )
    assert moved.level == "related" and moved.best == "teacher"
    # "again" is base drawn again, so it sits in the reference pool as a near twin of base
    again = shift_score(corpus, "again", "base", options=FeatureOptions(cache_dir=cache))
    assert again.level == "unmoved" and not again.movement.moved


def test_cli_score_baseline(text_corpus, capsys):
    path, cache = text_corpus
    argv = ["score", str(path), "--suspect", "tuned", "--baseline", "base"]
    argv += ["--candidates", "teacher,r0", "--cache-dir", str(cache), "--no-progress"]
    assert main([*argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["best"] == "teacher" and data["baseline"] == "base"
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "tuned moved toward teacher relative to base." in out
    assert main([*argv, "--format", "csv"]) == 0
    assert "shift" in capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--baseline", "tuned"], "the baseline is the suspect itself"),
        (["--baseline", "ghost"], "unknown baseline 'ghost'"),
        (["--baseline", "base", "--candidates", "base,teacher"], "remove it from --candidates"),
    ],
)
def test_cli_bad_baseline_one_line_exit_2(text_corpus, capsys, extra, message):
    path, cache = text_corpus
    code = main(["score", str(path), "--suspect", "tuned", "--cache-dir", str(cache), *extra])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err
    assert err.startswith("provenance: error:")


def test_matrix_shift_is_the_same_test_on_another_matrix():
    ev = points_evidence(toward_teacher)
    r = shift_score(ev, "s", "b", ["t", "r0"], REFS[1:])
    frame = pd.DataFrame(ev.combined_affinity(), index=MODELS, columns=MODELS)
    peer = matrix_shift(frame, r)
    for c in r.candidates:
        assert peer.loc[c.model, "z"] == pytest.approx(c.z)
        assert peer.loc[c.model, "p_value"] == pytest.approx(c.p_value)
        assert peer.loc[c.model, "rank"] == c.rank
    with pytest.raises(ProvenanceError, match="unknown model"):
        matrix_shift(frame.drop(index="t", columns="t"), r)


def test_a_channel_over_part_of_the_outputs_is_left_out_and_said():
    """Reasoning traces (only some models have them) are not part of the shift."""
    from detector.similarity import SimilarityTensor

    ev = points_evidence(toward_teacher)
    style = ev.channels["style"]
    mask = np.ones_like(style.pair_mask)
    mask[:, 3:, :] = mask[:, :, 3:] = False  # only s, b and t have traces
    ev.channels["reasoning"] = SimilarityTensor(
        "reasoning", list(MODELS), ev.prompt_ids, style.sims, mask
    )
    ev.scales["reasoning"], ev.reliability["reasoning"] = (0.0, 1.0), 1.0
    ev.weights["reasoning"] = 0.0
    r = shift_score(ev, "s", "b", ["t", "r0"], REFS[1:])
    assert r.best == "t" and "reasoning" not in r.candidates[0].channels
    assert any("not compared in the shift test" in n for n in r.notes)


def test_streamed_evidence_gives_the_same_shift(text_corpus):
    """Evidence walked block by block (detector.streaming) gives the in-memory numbers."""
    from detector.evidence import build_evidence

    path, cache = text_corpus
    corpus = load_corpus(path)
    options = FeatureOptions(cache_dir=cache, progress=False, shard_rows=60)
    memory = build_evidence(corpus, channels="style,lexical", streaming=False, options=options)
    streamed = build_evidence(corpus, channels="style,lexical", streaming=True, options=options)
    one = shift_score(memory, "tuned", "base", ["teacher", "r0"], n_bootstrap=30)
    two = shift_score(streamed, "tuned", "base", ["teacher", "r0"], n_bootstrap=30)
    for a, b in zip(one.candidates, two.candidates, strict=True):
        assert a.model == b.model
        assert a.shift == pytest.approx(b.shift, rel=1e-9, abs=1e-12)
        assert a.shift_ci == pytest.approx(b.shift_ci, rel=1e-9, abs=1e-12)
        assert a.z == pytest.approx(b.z, rel=1e-9, abs=1e-12)
    assert one.level == two.level
    series = per_prompt_shift(streamed, "tuned", "base", "teacher")
    assert series.to_numpy() == pytest.approx(
        per_prompt_shift(memory, "tuned", "base", "teacher").to_numpy(), rel=1e-9, abs=1e-12
    )

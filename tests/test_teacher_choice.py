"""Which candidate (the top one against every other) and the prompts a verdict needs."""

from __future__ import annotations

import numpy as np
import pytest

from detector.calibration import calibrate_candidates
from detector.sample_size import prompts_for_z, prompts_needed
from detector.scoring import score
from detector.teacher_choice import which_candidate

from .test_scoring import CLOSED, demo, evidence  # noqa: F401  (fixtures)


def _rows(gap: float, noise: float, n_boot: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Suspect row over 4 models: candidate 1 ahead of candidate 2 by ``gap``."""
    rng = np.random.default_rng(1)
    row = np.array([0.0, 1.0 + gap, 1.0, 0.2])
    boot = row + rng.normal(0, noise, (n_boot, 4))
    return row, boot


def test_distinct_when_the_gap_is_many_resampling_sds() -> None:
    row, boot = _rows(gap=1.0, noise=0.1)
    choice = which_candidate(
        row, boot, [1, 2, 3], ["t1", "t2", "t3"], np.array([0, 1, 2]), 0.05, 100
    )
    assert choice is not None and choice.distinct and choice.best == "t1"
    assert choice.runner_up == "t2"  # the hardest comparison decides
    assert choice.prompts_needed == 0
    assert "t1 rather than t2" in choice.sentence(100)
    assert "names no teacher" in choice.sentence(100, stands_out=False)


def test_not_distinct_says_how_many_prompts_would_tell() -> None:
    row, boot = _rows(gap=0.05, noise=0.1)
    choice = which_candidate(
        row, boot, [1, 2, 3], ["t1", "t2", "t3"], np.array([0, 1, 2]), 0.05, 100
    )
    assert choice is not None and not choice.distinct and choice.runner_up == "t2"
    assert choice.prompts_needed is not None and choice.prompts_needed > 100
    assert choice.sentence(100).startswith("Cannot tell t1 from t2")


def test_one_candidate_has_no_choice() -> None:
    row, boot = _rows(gap=1.0, noise=0.1)
    assert which_candidate(row, boot, [1], ["t1"], np.array([0]), 0.05, 100) is None


def test_prompts_for_z_scales_as_sqrt_p() -> None:
    assert prompts_for_z(1.0, 2.0, 100) == 400
    assert prompts_for_z(3.0, 2.0, 100) == 0
    assert prompts_for_z(-1.0, 2.0, 100) is None


def _pool(spread: float, noise: float, value: float) -> tuple[np.ndarray, np.ndarray]:
    """Suspect 0, candidate 1 at ``value``, 20 null models spread by ``spread``."""
    rng = np.random.default_rng(2)
    m = 22
    a = np.zeros((m, m))
    a[0, 2:] = a[2:, 0] = rng.normal(0, spread, m - 2)
    a[0, 1] = a[1, 0] = value
    boot = a + rng.normal(0, noise, (300, m, m))
    return a, boot


def test_prompts_needed_when_sampling_noise_dominates() -> None:
    # the null's spread is almost all sampling noise, and the candidate is not declared yet
    a, boot = _pool(spread=0.4, noise=0.39, value=0.3)
    cal = calibrate_candidates(a, 0, [1], list(range(2, 22)), null="suspect", boot=boot)
    assert not cal.related(0.05)[0]
    needed = prompts_needed(cal, a, boot, 0, 0.05, 100)
    assert needed is not None and needed > 100


def test_prompts_needed_never_when_models_differ_by_as_much() -> None:
    # unrelated models differ by as much as the candidate stands out
    a, boot = _pool(spread=1.0, noise=0.05, value=0.5)
    cal = calibrate_candidates(a, 0, [1], list(range(2, 22)), null="suspect", boot=boot)
    assert prompts_needed(cal, a, boot, 0, 0.05, 100) is None


def test_score_states_the_choice_and_the_prompts(evidence) -> None:  # noqa: F811
    result = score(evidence, "student-of-atlas", CLOSED, seed=0)
    assert result.choice is not None and result.choice["best"] == result.candidates[0].model
    assert result.which and result.choice["runner_up"] in CLOSED
    assert "which: " in result.to_text()
    if result.level == "related":
        assert result.prompts_needed is None
    else:
        assert result.prompts_needed == "never" or isinstance(result.prompts_needed, int)


def test_top_candidate_date_note() -> None:
    from detector.resolve import Roles
    from detector.scoring import CandidateScore, _date_to_check

    roles = Roles("s", ["gemini-pro"], [], released={"gemini-pro": "2023-12-13"},
                  known_dates={"gemini-pro": "2023-12-13 (Google blog)"})  # fmt: skip
    row = CandidateScore("gemini-pro", 0.9, [0.8, 0.95], 0.01, 1, "", True, {}, 3.0, 1.0, 100)
    (note,) = _date_to_check(roles, [row])
    assert "gemini-pro was released 2023-12-13 (Google blog)" in note and "`lineage`" in note
    roles.released["s"] = "2023-06"
    assert _date_to_check(roles, [row]) == []


@pytest.mark.parametrize("alpha", [0.05])
def test_choice_is_deterministic(evidence, alpha) -> None:  # noqa: F811
    a = score(evidence, "student-of-atlas", CLOSED, seed=3, alpha=alpha)
    b = score(evidence, "student-of-atlas", CLOSED, seed=3, alpha=alpha)
    assert a.choice == b.choice and a.prompts_needed == b.prompts_needed


def test_verdict_says_prompts_needed_or_never() -> None:
    from detector.verdicts import CandidateFacts, overall_verdict

    top = CandidateFacts("atlas", 1, 1.2, 0.12, 0.6, False, 20, 26)
    say = lambda needed: overall_verdict("s", [top], 0.05, n_prompts=160, prompts_needed=needed)  # noqa: E731
    assert "About 470 prompts" in say(470).explanation
    assert "More than 100,000 prompts" in say(10**6).explanation
    assert "More prompts alone would not change this" in say("never").explanation
    assert "prompts" not in say(None).explanation.split("chance produces.")[1].split("This is")[0]
    incon = CandidateFacts("atlas", 1, 2.0, 0.03, 0.09, False, 25, 26)
    text = overall_verdict("s", [incon, top], 0.05, n_prompts=160, prompts_needed=470).explanation
    assert "about 470 prompts if the resemblance holds (now 160)" in text

"""Known answers for the calibration recipe (detector.calibration)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from detector.calibration import (
    MIN_SPREAD,
    calibrate,
    calibrate_candidates,
    holm,
    null_sets,
    robust_z,
)


def test_holm_known_values() -> None:
    # Holm (1979): sorted p 0.01, 0.02, 0.04 times 3, 2, 1, made monotone
    assert np.allclose(holm(np.array([0.04, 0.01, 0.02])), [0.04, 0.03, 0.04])
    assert np.allclose(holm(np.array([0.5, 0.4])), [0.8, 0.8])
    assert np.allclose(holm(np.array([0.9])), [0.9])
    assert holm(np.array([0.6, 0.7])).max() == 1.0  # capped at 1


def test_robust_z_known_values() -> None:
    null = np.array([1.0, 2.0, 3.0, 4.0, 100.0])  # median 3, MAD 1
    assert robust_z(np.array(6.0), null) == pytest.approx(3.0 / 1.4826)
    # a null with no spread is floored, not divided by zero
    assert robust_z(np.array(1.0), np.zeros(5)) == pytest.approx(1.0 / MIN_SPREAD)
    # along an axis: one null per row
    rows = np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])
    assert np.allclose(robust_z(np.array([2.0, 4.0]), rows), [1 / 1.4826, 1 / 1.4826])


def test_null_sets_references_then_leave_one_out() -> None:
    nulls, how = null_sets([0, 1], [2, 3, 4, 5, 6], 5)
    assert nulls == [[2, 3, 4, 5, 6]] * 2 and how == "against 5 reference models"
    # a documented relative leaves one candidate's null: too small, so the candidates join
    nulls, how = null_sets([0, 1], [2, 3, 4, 5, 6], 5, {0: {2}})
    assert nulls == [[3, 4, 5, 6, 1], [2, 3, 4, 5, 6, 0]] and "leave-one-out" in how
    nulls, how = null_sets([0, 1], [2, 3], 5)
    assert nulls == [[], []] and how == "uncalibrated"


def _affinity() -> np.ndarray:
    """Suspect 0, candidates 1 (the teacher) and 2, references 3..8."""
    rng = np.random.default_rng(0)
    a = rng.normal(0, 0.5, (9, 9))
    a = (a + a.T) / 2
    a[0, 1] = a[1, 0] = 4.0
    return a


def test_recipe_matches_its_parts() -> None:
    a = _affinity()
    cal = calibrate_candidates(a, 0, [1, 2], list(range(3, 9)))
    nulls, _ = null_sets([1, 2], list(range(3, 9)), 5)
    z = calibrate(a, 0, [1, 2], nulls, "both")
    assert np.allclose(cal.z, z)
    tail = stats.t.sf(z, 5)  # null of 6 models: 5 degrees of freedom
    assert np.allclose(cal.p_raw, tail) and np.allclose(cal.score, 1 - tail)
    assert np.allclose(cal.p_value, holm(tail))
    assert cal.related(0.05).tolist() == [True, False]
    below, size = cal.rank_in_null(a, 0)
    assert (below, size) == (6, 6)


def test_recipe_clade_doubles_the_p_value_and_leaves_the_null() -> None:
    a = _affinity()
    cal = calibrate_candidates(a, 0, [1, 2], list(range(3, 9)), clades=[[3], []])
    assert 3 not in cal.nulls[0] and 3 in cal.nulls[1]
    tail = stats.t.sf(cal.z, [4, 5])
    assert np.allclose(cal.p_raw, np.minimum(1, [2 * tail[0], tail[1]]))


def test_recipe_uncalibrated_and_void() -> None:
    a = _affinity()
    cal = calibrate_candidates(a, 0, [1, 2], [3])
    assert not cal.calibrated and np.isnan(cal.p_value).all()
    assert cal.related(0.05).tolist() == [False, False]
    assert ((cal.score >= 0) & (cal.score <= 1)).all()
    void = calibrate_candidates(a, 0, [1, 2], list(range(3, 9))).void()
    assert not void.calibrated and np.isnan(void.z).all() and np.isnan(void.score).all()


def test_recipe_bootstrap_shapes() -> None:
    a = _affinity()
    boot = np.stack([a, a + 0.01, a - 0.01])
    cal = calibrate_candidates(a, 0, [1, 2], list(range(3, 9)), boot=boot)
    assert cal.z_boot.shape == (3, 2) and cal.score_boot.shape == (3, 2)
    assert np.allclose(cal.z_boot[0], cal.z)


def test_null_spread_flags_a_null_without_spread():
    """Identity leaks: every unrelated pair scores 0, the candidate 0.02; its z states nothing."""
    from detector.calibration import MIN_SPREAD, calibrate, null_spread

    affinity = np.zeros((6, 6))
    affinity[0, 1] = affinity[1, 0] = 0.02  # suspect 0, candidate 1
    nulls = [[2, 3, 4, 5]]
    z = calibrate(affinity, 0, [1], nulls)
    assert z[0] == pytest.approx(0.02 / MIN_SPREAD)  # the floor's large, finite z
    assert null_spread(affinity, 0, [1], nulls)[0] < MIN_SPREAD
    spread = np.random.default_rng(0).normal(size=(6, 6))
    assert null_spread(spread + spread.T, 0, [1], nulls)[0] > MIN_SPREAD
    assert np.isnan(null_spread(affinity, 0, [1], [[]])[0])

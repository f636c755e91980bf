"""Calibration: how similar unrelated models are, and where a candidate sits among them.

A suspect S and a candidate T have an affinity A(S, T) (see
:mod:`detector.evidence`). Whether that is more than chance depends on how
similar *unrelated* models are, so A(S, T) is placed in a null of reference
models R:

- **suspect side**: among A(S, R), how similar S is to each reference model
  (robust centre and spread: median and 1.4826 * MAD);
- **candidate side**: among A(R, T), how similar each reference model is to T.

The candidate's z is the smaller of the two (T must stand out among S's
neighbours *and* S among T's), which keeps a model that everyone resembles,
or a suspect that resembles everyone, from being named a teacher
(docs/method.md, sections 4 and 7). When fewer than ``min_reference``
reference models are given, the other candidates serve as the null
(leave-one-out); with fewer than that in all, candidates are ranked but not
calibrated.

Every number a result states comes from this one null and one distribution:
the z, its one-sided tail probability under a Student t with the null's
degrees of freedom (the raw p-value), ``score`` = 1 - that probability (the
share of unrelated models expected to be less similar), Holm's correction
across candidates, and the interval of ``score`` over prompt resamplings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

__all__ = [
    "Calibration",
    "calibrate_candidates",
    "MIN_REFERENCE",
    "MIN_SPREAD",
    "NULL",
    "calibrate",
    "clade_tests",
    "holm",
    "null_rank",
    "null_sets",
    "null_spread",
    "robust_spread",
    "robust_z",
    "tail_probability",
    "transfer_groups",
]

MIN_REFERENCE = 5
# Affinities are in standard deviations of the between-model spread; a null whose
# MAD is below this (e.g. identity leaks: almost every pair is 0) is floored here.
MIN_SPREAD = 0.05
NULL = "both"


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as ``p``)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, (len(p) - k) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def robust_z(values: np.ndarray, null: np.ndarray, axis: int = -1) -> np.ndarray:
    """(values - median(null)) / (1.4826 * MAD(null)), along ``axis`` of ``null``.

    The spread is floored at :data:`MIN_SPREAD` so a degenerate null (all
    equal) gives a large but finite z.
    """
    med = np.median(null, axis=axis, keepdims=True)
    spread = np.maximum(robust_spread(null, axis, med), MIN_SPREAD)
    return (values - med.squeeze(axis)) / spread.squeeze(axis)


def robust_spread(null: np.ndarray, axis: int = -1, median: np.ndarray | None = None) -> np.ndarray:
    """1.4826 x MAD of ``null`` along ``axis`` (kept, size 1): the SD of a normal null.

    ``median`` is the null's median along ``axis`` (kept), when already known.
    """
    med = np.median(null, axis=axis, keepdims=True) if median is None else median
    return 1.4826 * np.median(np.abs(null - med), axis=axis, keepdims=True)


def null_sets(
    cands: list[int],
    refs: list[int],
    min_reference: int,
    exclusions: dict[int, set[int]] | None = None,
) -> tuple[list[list[int]], str]:
    """For each candidate, the models forming its null.

    Parameters
    ----------
    cands, refs : list of int
        Positions of the candidates and reference models.
    min_reference : int
        Fewest reference models for a null of references alone; below it,
        the other candidates join (leave-one-out); below it even then, no
        calibration.
    exclusions : dict of int to set of int, optional
        Per candidate, models that must not be in its null (documented
        relatives of the candidate: :class:`~detector.panel.Panel`).

    Returns
    -------
    nulls : list of list of int
        One list per candidate (empty when uncalibrated).
    description : str
        How the null was formed, or ``"uncalibrated"``.
    """
    exclusions = exclusions or {}

    def keep(c: int, members: list[int]) -> list[int]:
        return [m for m in members if m != c and m not in exclusions.get(c, ())]

    if len(refs) >= min_reference:
        nulls = [keep(c, refs) for c in cands]
        if all(len(n) >= min_reference for n in nulls):
            how = f"against {len(refs)} reference models"
            if any(len(n) < len(refs) for n in nulls):
                how += " (documented relatives of a candidate left out of its null)"
            return nulls, how
    pool = refs + cands
    nulls = [keep(c, pool) for c in cands]
    if nulls and min(len(n) for n in nulls) >= min_reference:
        return (
            nulls,
            f"against the other candidates and references ({len(pool) - 1} models, leave-one-out)",
        )
    return [[] for _ in cands], "uncalibrated"


def transfer_groups(cands: list[str], refs: list[str], min_reference: int) -> list[list[str]]:
    """Candidate groups for attribution transfer, each judged against the references and the rest.

    As :func:`null_sets`: one group when there are enough reference models,
    else the other candidates join each group's null (as few groups as give
    every null ``min_reference`` models: each group costs four classifier
    fits); no group when even one candidate against all others is too few.
    """
    if len(refs) >= min_reference:
        return [list(cands)]
    for k in range(2, len(cands) + 1):
        groups = [cands[i::k] for i in range(k)]
        if len(refs) + len(cands) - max(map(len, groups)) >= min_reference:
            return groups
    return []


def _sides(
    affinity: np.ndarray, suspect: int, cols: list[int], members: list[int], null: str
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """The statistic A(S, cols) (the mean over ``cols``) and its null sides.

    Returns ``value`` (shape ``...``) and a list of ``(null values, z)`` pairs:
    the suspect side A(S, R) and, with ``null="both"``, the candidate side
    A(R, cols) (each null model's mean affinity to ``cols``).
    """
    value = affinity[..., suspect, cols].mean(axis=-1)
    side_s = affinity[..., suspect, members]
    sides = [(side_s, robust_z(value, side_s))]
    if null == "both":
        others = [m for m in members if m != suspect]
        # the candidate columns first: (..., n_models, len(cols)), not a copy of every row
        side_c = affinity[..., :, cols][..., others, :].mean(axis=-1)
        sides.append((side_c, robust_z(value, side_c)))
    return value, sides


def calibrate(
    affinity: np.ndarray,
    suspect: int,
    cands: list[int],
    nulls: list[list[int]],
    null: str = NULL,
    clades: list[list[int]] | None = None,
) -> np.ndarray:
    """Calibrated z of each candidate against its null models.

    Parameters
    ----------
    affinity : numpy.ndarray, shape (..., n_models, n_models)
        Leading axes (bootstrap replicates) are carried through.
    suspect : int
        Row of the suspect.
    cands : list of int
        Columns of the candidates.
    nulls : list of list of int
        For each candidate, the models forming its null.
    null : {"both", "suspect"}
        "suspect": robust z of A(S, T) among A(S, R); "both": the smaller of
        that and the robust z of A(S, T) among A(R, T).
    clades : list of list of int, optional
        For each candidate, the models documented as having learned from it
        (:meth:`~detector.panel.Panel.learned_from`). Where there are any,
        the candidate's z is the larger of its own and its clade's: the same
        z with A(S, T) replaced by the mean affinity of S to T and the models
        that learned from it (and A(R, T) by each null model's mean affinity
        to them). Its p-value then doubles (:func:`clade_tests`).

    Returns
    -------
    numpy.ndarray, shape (..., n_candidates)
    """
    clades = clades or [[] for _ in cands]
    out = []
    for c, members, extra in zip(cands, nulls, clades, strict=True):
        if not members:
            out.append(affinity[..., suspect, c])
            continue
        z = np.minimum.reduce([zz for _, zz in _sides(affinity, suspect, [c], members, null)[1]])
        if extra:
            sides = _sides(affinity, suspect, [c, *extra], members, null)[1]
            z = np.maximum(z, np.minimum.reduce([zz for _, zz in sides]))
        out.append(z)
    return np.stack(out, axis=-1)


def clade_tests(clades: list[list[int]] | None, n_cands: int) -> np.ndarray:
    """Tests behind each candidate's z: 2 where its clade was tested too, else 1.

    The raw p-value of a candidate is ``min(1, tests * tail probability)``
    (Bonferroni over its own and its clade's statistic).
    """
    if not clades:
        return np.ones(n_cands)
    return np.array([2.0 if extra else 1.0 for extra in clades])


def tail_probability(z: np.ndarray, dof: np.ndarray) -> np.ndarray:
    """One-sided P(T >= z) under a Student t with ``dof`` degrees of freedom (the raw p-value)."""
    return stats.t.sf(z, dof)


def null_spread(
    affinity: np.ndarray, suspect: int, cands: list[int], nulls: list[list[int]], null: str = NULL
) -> np.ndarray:
    """The smallest spread (1.4826 x MAD) among each candidate's null sides, shape (n_cand,).

    Below :data:`MIN_SPREAD` the null has (almost) no spread, as in a
    channel where nearly every pair of models scores 0 (identity leaks): a z
    against it is a difference divided by the floor and states nothing. NaN
    for a candidate without a null.
    """
    out = []
    for c, members in zip(cands, nulls, strict=True):
        if not members:
            out.append(np.nan)
            continue
        sides = _sides(affinity, suspect, [c], members, null)[1]
        out.append(min(float(robust_spread(v, axis=-1)[..., 0]) for v, _ in sides))
    return np.array(out, dtype=float)


def null_rank(
    affinity: np.ndarray,
    suspect: int,
    cand: int,
    members: list[int],
    null: str = NULL,
    clade: list[int] | None = None,
) -> tuple[int, int]:
    """How many null models the candidate beats, on the side of the null that binds.

    Returns ``(below, size)``: the number of null models whose affinity is
    below the candidate's statistic, and the null's size, for the statistic
    (its own or its clade's) and the side (suspect or candidate) that
    :func:`calibrate` takes.
    """
    best_z, best = -np.inf, (0, len(members))
    for cols in ([cand], [cand, *clade]) if clade else ([cand],):
        value, sides = _sides(affinity, suspect, cols, members, null)
        side, z = min(sides, key=lambda pair: float(pair[1]))
        if float(z) > best_z:
            best_z, best = float(z), (int(np.sum(side < value)), len(side))
    return best


@dataclass
class Calibration:
    """Where each candidate sits among unrelated models: every number a result states.

    Built by :func:`calibrate_candidates`, the one recipe behind
    :func:`~detector.scoring.score`, the peers of the benchmark and the shift
    test, so that a z, a p-value and a score mean the same thing everywhere.

    Attributes
    ----------
    suspect : int
        Row of the suspect in the affinity matrices.
    candidates : list of int
        Columns of the candidates.
    nulls : list of list of int
        For each candidate, the models forming its null (empty when uncalibrated).
    how : str
        How the null was formed, or ``"uncalibrated"``.
    null : {"both", "suspect"}
        Sides of the null (:func:`calibrate`).
    clades : list of list of int
        For each candidate, the models documented as having learned from it.
    z : numpy.ndarray, shape (n_candidates,)
        Calibrated z (the raw affinity when uncalibrated).
    z_boot : numpy.ndarray, shape (n_bootstrap, n_candidates)
        The same over prompt resamplings (empty when none were given).
    p_raw, p_value : numpy.ndarray, shape (n_candidates,)
        One-sided Student-t tail of z on the null's degrees of freedom (doubled
        where a clade was tested too), and its Holm correction; NaN when
        uncalibrated.
    score : numpy.ndarray, shape (n_candidates,)
        ``1 - tail``: the share of unrelated models expected to be less
        similar; uncalibrated, the affinity rescaled to the matrix's range.
    score_boot : numpy.ndarray, shape (n_bootstrap, n_candidates)
    """

    suspect: int
    candidates: list[int]
    nulls: list[list[int]]
    how: str
    null: str
    clades: list[list[int]]
    z: np.ndarray
    z_boot: np.ndarray
    p_raw: np.ndarray
    p_value: np.ndarray
    score: np.ndarray
    score_boot: np.ndarray

    @property
    def calibrated(self) -> bool:
        """Enough null models for every candidate."""
        return self.how != "uncalibrated"

    def void(self) -> Calibration:
        """The same candidates with no numbers (NaN) and no calibration: degenerate evidence."""
        nan = np.full(len(self.candidates), np.nan)
        return replace(
            self,
            how="uncalibrated",
            z=nan,
            z_boot=np.full_like(self.z_boot, np.nan),
            p_raw=nan.copy(),
            p_value=nan.copy(),
            score=nan.copy(),
            score_boot=np.full_like(self.score_boot, np.nan),
        )

    def z_of(self, affinity: np.ndarray) -> np.ndarray:
        """The candidates' z in another affinity (one channel) with the same nulls, (..., n_cand)."""
        return calibrate(
            affinity, self.suspect, self.candidates, self.nulls, self.null, self.clades
        )

    def related(self, alpha: float) -> np.ndarray:
        """Holm p-value below ``alpha``, shape (n_candidates,); all False when uncalibrated."""
        return np.nan_to_num(self.p_value, nan=1.0) < alpha

    def rank_in_null(self, affinity: np.ndarray, k: int) -> tuple[int, int]:
        """How many null models candidate ``k`` beats, and the null's size (:func:`null_rank`)."""
        if not self.calibrated:
            return 0, 0
        return null_rank(
            affinity, self.suspect, self.candidates[k], self.nulls[k], self.null, self.clades[k]
        )


def calibrate_candidates(
    affinity: np.ndarray,
    suspect: int,
    candidates: list[int],
    reference: list[int],
    *,
    min_reference: int = MIN_REFERENCE,
    exclusions: dict[int, set[int]] | None = None,
    clades: list[list[int]] | None = None,
    null: str = NULL,
    boot: np.ndarray | None = None,
) -> Calibration:
    """The calibration recipe: nulls, z, p-values (raw and Holm) and scores of every candidate.

    Parameters
    ----------
    affinity : numpy.ndarray, shape (n_models, n_models)
        Affinities in standard-deviation units (:meth:`~detector.evidence.Evidence.combined_affinity`).
    suspect : int
        Row of the suspect.
    candidates, reference : list of int
        Columns of the candidates and of the reference models.
    min_reference : int
        Fewest null models (:func:`null_sets`).
    exclusions : dict of int to set of int, optional
        Per candidate, models that must not be in its null (documented relatives).
    clades : list of list of int, optional
        Per candidate, the models documented as having learned from it: they
        never calibrate it, and its z is the larger of its own and its clade's
        (:func:`calibrate`), its p-value doubled (:func:`clade_tests`).
    null : {"both", "suspect"}
        Sides of the null.
    boot : numpy.ndarray, shape (n_bootstrap, n_models, n_models), optional
        The affinity over prompt resamplings, for the scores' intervals.

    Returns
    -------
    Calibration

    Notes
    -----
    Method: robust z of the suspect's affinity to a candidate among its
    affinities to unrelated models (and, with ``null="both"``, among unrelated
    models' affinities to the candidate), as a Student t on the null's size;
    Holm-Bonferroni across candidates, as Model Provenance Testing corrects its
    parent tests (Nikolic et al., NeurIPS 2025). docs/method.md, sections 4 and 8.
    """
    n = len(candidates)
    clades = [list(c) for c in clades] if clades else [[] for _ in candidates]
    excluded = {
        c: set((exclusions or {}).get(c, ())) | set(extra)
        for c, extra in zip(candidates, clades, strict=True)
    }
    nulls, how = null_sets(candidates, reference, min_reference, excluded)
    z = calibrate(affinity, suspect, candidates, nulls, null, clades)
    z_boot = (
        calibrate(boot, suspect, candidates, nulls, null, clades)
        if boot is not None
        else np.zeros((0, n))
    )
    if how != "uncalibrated":
        dof = np.array([max(len(m) - 1, 1) for m in nulls])
        tail = tail_probability(z, dof)
        p_raw = np.minimum(1.0, clade_tests(clades, n) * tail)
        p_value, score = holm(p_raw), 1.0 - tail
        score_boot = 1.0 - tail_probability(z_boot, dof) if len(z_boot) else z_boot
    else:
        p_raw, p_value = np.full(n, np.nan), np.full(n, np.nan)
        # the affinity rescaled to the matrix's range; a resample can leave it, so clip
        low, span = float(affinity.min()), max(float(np.ptp(affinity)), 1e-12)
        score = np.clip((z - low) / span, 0.0, 1.0)
        score_boot = np.clip((z_boot - low) / span, 0.0, 1.0)
    return Calibration(
        suspect, list(candidates), nulls, how, null, clades, z, z_boot, p_raw, p_value, score,
        score_boot,
    )  # fmt: skip

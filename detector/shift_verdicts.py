"""The shift test's verdicts in plain words: did the suspect move toward a candidate?

:func:`~detector.shift.shift_score` compares a suspect S with a baseline B
(its predecessor, or a sibling on the same base) and asks, for each candidate
T, whether S moved toward T more than toward unrelated models. Its result is
stated at the levels of :mod:`detector.verdicts`, which keep their meaning:

``related``
    "S moved toward T relative to B": T's shift stands out from the
    unrelated models' shifts after correcting for the number of candidates
    (Holm).
``inconclusive``
    S moved, T's shift is unusual on its own but not after the correction:
    worded as "moved, but toward no candidate more than toward unrelated
    models", naming T as first and what would settle it.
``nothing``
    "S moved, but toward no candidate more than toward unrelated models".
``unmoved``
    "S did not move measurably from B": no model's shift differs from zero
    beyond prompt-resampling noise (:class:`~detector.shift.Movement`).
``uncalibrated``
    Too few other models to say what an unrelated model's shift looks like.

The numbers are the ones the tables show (:class:`~detector.verdicts.CandidateFacts`),
so a sentence never contradicts a row.
"""

from __future__ import annotations

import math

from .verdicts import CandidateFacts, Verdict

__all__ = ["SHIFT_LEVELS", "shift_candidate_verdict", "shift_overall_verdict"]

#: The levels of a shift verdict (the score's three, "unmoved", and "uncalibrated").
SHIFT_LEVELS = ("related", "inconclusive", "nothing", "unmoved", "uncalibrated")

MOVED_NOWHERE = "moved, but toward no candidate more than toward unrelated models"


def _share(suspect: str, model: str, below: int, size: int) -> str:
    return f"{suspect} moved toward {model} more than toward {below} of the {size} unrelated models"


def shift_candidate_verdict(fact: CandidateFacts, interval: list[float], alpha: float) -> str:
    """A few words for one candidate's row (tables and JSON).

    Parameters
    ----------
    fact : CandidateFacts
        The candidate's calibrated numbers (``z`` of its shift).
    interval : list of float
        The 95% interval of its shift A(S, T) - A(B, T) over prompt
        resamplings (SD units of the affinities).
    alpha : float
        Family-wise significance level.
    """
    if fact.p_raw is None:
        if not math.isfinite(fact.z):
            return "not scored: the evidence cannot place it (see the verdict)"
        return "uncalibrated: ranked by shift only"
    if fact.related:
        return (
            "moved toward it, beyond the unrelated models"
            if fact.rank == 1
            else "also moved toward it (it may share a teacher or data with the first)"
        )
    if fact.p_raw < alpha:
        return "moved toward it unusually, but not significant after correcting for all candidates"
    if fact.z > 0:
        return "within the range of unrelated models"
    if interval[1] < 0:
        return "moved away from it (less like it than the baseline is)"
    if interval[0] > 0:
        return "moved toward it less than toward a typical unrelated model"
    return "no measurable shift toward it"


def shift_overall_verdict(
    suspect: str,
    baseline: str,
    facts: list[CandidateFacts],
    shifts: dict[str, float],
    alpha: float,
    *,
    moved: bool,
    movement: str,
    n_prompts: int | None = None,
    reason_uncalibrated: str | None = None,
) -> Verdict:
    """The suspect's shift verdict from its candidates' numbers.

    Parameters
    ----------
    suspect, baseline : str
    facts : list of CandidateFacts
        Every candidate, largest calibrated shift first.
    shifts : dict of str to float
        Each candidate's raw shift A(S, T) - A(B, T).
    alpha : float
        Family-wise significance level.
    moved : bool
        Whether S moved measurably from B (:class:`~detector.shift.Movement`).
    movement : str
        The movement test in words (why ``moved`` is what it is).
    n_prompts : int, optional
        Prompts compared (advice on what would settle an inconclusive result).
    reason_uncalibrated : str, optional
        Why no calibration was possible, when it was not.

    Returns
    -------
    Verdict
        ``level`` is one of :data:`SHIFT_LEVELS`.
    """
    if not facts:
        return Verdict(
            "uncalibrated",
            f"There is no candidate toward which {suspect} could have moved.",
            reason_uncalibrated or "Give at least one candidate model.",
        )
    top = facts[0]
    caveat = (
        "Moving toward a model is what training on its outputs does; training on data that "
        "model also learned from, or on the same public data, can do the same."
    )
    if top.p_raw is None:
        return Verdict(
            "uncalibrated",
            f"Cannot say whether {suspect} moved toward a candidate relative to {baseline}: "
            + (reason_uncalibrated or "there are too few other models to calibrate against")
            + ".",
            f"{top.model} has the largest shift, but without enough unrelated models there is "
            "no way to tell whether that is more than chance. Add unrelated reference models "
            f"to `reference`. {movement}",
        )
    n = len(facts)
    related = [c for c in facts if c.related]
    if related:
        best = related[0]
        also = [c.model for c in related[1:4]]
        explanation = (
            f"Relative to {baseline}, {_share(suspect, best.model, best.null_below, best.null_size)} (z = "
            f"{best.z:.1f}, shift {shifts[best.model]:+.2f} SD); after correcting for {n} "
            f"candidate{'s' if n != 1 else ''} the chance of an unrelated model's shift "
            f"standing out this much is p = {best.p_value:.2g}. "
            + (f"It also moved toward {', '.join(also)} beyond chance. " if also else "")
            + caveat
        )
        return Verdict(
            "related",
            f"{suspect} moved toward {best.model} relative to {baseline}.",
            explanation,
            best.model,
        )
    if not moved:
        return Verdict(
            "unmoved",
            f"{suspect} did not move measurably from {baseline}.",
            f"{movement} The largest shift, toward {top.model} (z = {top.z:.1f} among the "
            "unrelated models), is within what resampling the prompts produces. This does not "
            "prove the two are the same model: a change the channels do not see, or one too "
            "small for these prompts, is not measured.",
        )
    if top.p_raw < alpha:
        more = ["more prompts"]
        if top.null_size < 20:
            more.append("more unrelated reference models")
        if n > 1:
            more.append("naming fewer candidates (a suspected teacher alone needs no correction)")
        return Verdict(
            "inconclusive",
            f"{suspect} {MOVED_NOWHERE}: {top.model} ranks first, but the evidence does not "
            "clear the bar.",
            f"{movement} Relative to {baseline}, "
            f"{_share(suspect, top.model, top.null_below, top.null_size)} "
            f"(z = {top.z:.1f}, p = {top.p_raw:.2g} on its own), which is not significant after "
            f"correcting for {n} candidates (p = {top.p_value:.2g}, needs {alpha:g}). What "
            "would settle it: "
            + ", ".join(more)
            + (f" (now {n_prompts} prompts)" if n_prompts else "")
            + ".",
        )
    closest = (
        f"the largest shift, toward {top.model}, is larger than {top.null_below} of the "
        f"{top.null_size} unrelated models' shifts"
        if top.z > 0
        else f"even toward {top.model}, its largest, it moved less than toward a typical "
        "unrelated model"
    )
    return Verdict(
        "nothing",
        f"{suspect} {MOVED_NOWHERE}.",
        f"{movement} Compared with the unrelated models, {closest} (z = {top.z:.1f}, "
        f"p = {top.p_raw:.2g} on its own): not beyond what chance produces. The change from "
        f"{baseline} is not directed at any candidate more than at the rest; this is not proof "
        "that no candidate's outputs were used.",
    )

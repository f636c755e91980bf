"""Verdicts in plain words: one wording for the CLI, JSON, notebook and report.

A score result is stated at one of three plain levels (plus one for when no
statement is possible):

``related``
    A candidate is more similar to the suspect than unrelated models are,
    beyond chance after correcting for the number of candidates (Holm).
``inconclusive``
    A candidate ranks first and is unusual among unrelated models taken one
    at a time, but not enough to clear the bar once every candidate is
    accounted for. The sentence says what would settle it.
``nothing``
    No candidate stands out from the unrelated models. This is never worded
    as proof of independence.
``uncalibrated``
    Too few models (or degenerate outputs) to say what "unrelated" looks
    like; candidates are only ranked.

Every sentence is built from the same numbers the tables show (see
:mod:`detector.calibration`), so a high score never sits beside "not
related" without the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .sample_size import MAX_PROMPTS

__all__ = ["LEVELS", "CandidateFacts", "Verdict", "candidate_verdict", "overall_verdict"]

LEVELS = ("related", "inconclusive", "nothing", "uncalibrated")


@dataclass(frozen=True)
class CandidateFacts:
    """The numbers a candidate's wording is built from.

    Attributes
    ----------
    model : str
    rank : int
        1 for the most similar candidate.
    z : float
        Calibrated z against its null.
    p_raw : float or None
        One-sided p-value before correction (None when uncalibrated).
    p_value : float or None
        Holm-corrected p-value.
    related : bool
        ``p_value`` below alpha.
    null_below : int
        Reference models less similar than the candidate (on the side of
        the null that binds).
    null_size : int
        Models in the candidate's null.
    """

    model: str
    rank: int
    z: float
    p_raw: float | None
    p_value: float | None
    related: bool
    null_below: int
    null_size: int


@dataclass(frozen=True)
class Verdict:
    """The overall statement about one suspect.

    Attributes
    ----------
    level : str
        One of :data:`LEVELS`.
    headline : str
        One sentence, no raw statistics: what a reader who stops here must
        take away.
    explanation : str
        The numbers behind it in words, and what would change it.
    best : str or None
        The candidate named as related, if any.
    """

    level: str
    headline: str
    explanation: str
    best: str | None = None


def _share(below: int, size: int) -> str:
    return f"more similar than {below} of the {size} unrelated models it was compared with"


def candidate_verdict(c: CandidateFacts, alpha: float) -> str:
    """A few words for one candidate's row (tables and JSON)."""
    if c.p_raw is None:
        if not math.isfinite(c.z):
            return "not scored: the evidence cannot place it (see the verdict)"
        return "uncalibrated: ranked by similarity only"
    if c.related:
        if c.rank == 1:
            return "strong evidence of a relation" if c.z >= 5 else "evidence of a relation"
        return "also related (may share a teacher, base or sibling with the best match)"
    if c.p_raw < alpha:
        return "unusually similar, but not significant after correcting for all candidates"
    if c.z > 0:
        return "within the range of unrelated models"
    return "less similar than a typical unrelated model"


def overall_verdict(
    suspect: str,
    facts: list[CandidateFacts],
    alpha: float,
    *,
    tied_with: str | None = None,
    n_prompts: int | None = None,
    reason_uncalibrated: str | None = None,
    advice: str | None = None,
    prompts_needed: int | str | None = None,
) -> Verdict:
    """The suspect's verdict from its candidates' numbers.

    Parameters
    ----------
    suspect : str
    facts : list of CandidateFacts
        Every candidate, best first.
    alpha : float
        Family-wise significance level.
    tied_with : str, optional
        A second related candidate that the prompt resamplings cannot tell
        apart from the first.
    n_prompts : int, optional
        Prompts compared (for advice on what would settle an inconclusive
        result).
    reason_uncalibrated : str, optional
        Why no calibration was possible, when it was not.
    advice : str, optional
        What would make a statement possible, when the evidence is
        degenerate (candidates with a NaN z: nothing is ranked, no model is
        named).
    prompts_needed : int or "never", optional
        Prompts at which the top candidate would be declared related if its
        resemblance held (:func:`~detector.sample_size.prompts_needed`), or
        ``"never"`` when more prompts alone would not do it.
    """
    if not facts:
        return Verdict(
            "uncalibrated",
            f"There is no candidate to compare {suspect} with.",
            reason_uncalibrated or "Give at least one candidate model.",
        )
    top = facts[0]
    if top.p_raw is None:
        headline = (
            f"Cannot say whether {suspect} learned from any candidate: "
            + (reason_uncalibrated or "there are too few other models to calibrate against")
            + "."
        )
        if not math.isfinite(top.z):  # degenerate evidence: no model may be named
            return Verdict(
                "uncalibrated",
                headline,
                "No candidate is scored or ranked, since any number would look meaningful "
                "without being so. " + (advice or "Add unrelated reference models to `reference`."),
            )
        return Verdict(
            "uncalibrated",
            headline,
            f"{top.model} is the most similar candidate, but without enough unrelated models "
            "there is no way to tell whether that is more than chance. Add unrelated "
            "reference models to `reference`.",
        )
    n = len(facts)
    related = [c for c in facts if c.related]
    if related:
        best = related[0]
        headline = f"{suspect} most likely learned from, or derives from, {best.model}."
        if tied_with:
            headline = (
                f"{suspect} most likely learned from, or derives from, {best.model} or "
                f"{tied_with}; the evidence cannot tell the two apart (they may share a "
                "teacher, a base model or each other's data)."
            )
        explanation = (
            f"{best.model} is {_share(best.null_below, best.null_size)} (z = {best.z:.1f}); "
            f"after correcting for {n} candidate{'s' if n != 1 else ''} the chance of that "
            f"happening to an unrelated model is p = {best.p_value:.2g}. A shared base model "
            "or a shared teacher produces the same resemblance as learning from outputs."
        )
        return Verdict("related", headline, explanation, best.model)
    if top.p_raw < alpha:
        more = [_more_prompts(prompts_needed, n_prompts)]
        if top.null_size < 20:
            more.append("more unrelated reference models")
        if n > 1:
            more.append("naming fewer candidates (a suspected teacher alone needs no correction)")
        return Verdict(
            "inconclusive",
            f"{top.model} ranks first as the source of {suspect}, but the evidence does not "
            "clear the bar for calling them related.",
            f"{top.model} is {_share(top.null_below, top.null_size)} (z = {top.z:.1f}, "
            f"p = {top.p_raw:.2g} on its own), which is not significant after correcting for "
            f"{n} candidates (p = {top.p_value:.2g}, needs {alpha:g}). What would settle it: "
            + ", ".join(m for m in more if m)
            + "."
            + (f" {_settle(prompts_needed, n_prompts)}" if prompts_needed == "never" else ""),
        )
    closest = (
        f"the closest, {top.model}, is {_share(top.null_below, top.null_size)}"
        if top.z > 0
        else f"even the closest, {top.model}, is less similar to it than a typical unrelated model"
    )
    return Verdict(
        "nothing",
        f"No candidate stands out as the source of {suspect}.",
        f"Compared with unrelated models, {closest} (z = {top.z:.1f}"
        + (f", p = {top.p_raw:.2g} on its own" if top.p_raw is not None else "")
        + "): not beyond what chance produces. "
        + (
            f"{_settle(prompts_needed, n_prompts)} "
            if top.z > 0 and prompts_needed is not None
            else ""
        )
        + "This is not proof of independence: heavy preference tuning, paraphrasing or a "
        "different language can wash the signal out.",
    )


def _more_prompts(prompts_needed: int | str | None, n_prompts: int | None) -> str:
    """What more prompts would do, as an item of "what would settle it"."""
    now = f" (now {n_prompts})" if n_prompts else ""
    if prompts_needed == "never":
        return ""
    if isinstance(prompts_needed, int) and prompts_needed > MAX_PROMPTS:
        return f"more than {MAX_PROMPTS:,} prompts{now}"
    if isinstance(prompts_needed, int) and prompts_needed > 0:
        return f"about {prompts_needed:,} prompts if the resemblance holds{now}"
    return f"more prompts{now}"


def _settle(prompts_needed: int | str | None, n_prompts: int | None) -> str:
    """One sentence on whether more prompts could lead to a verdict."""
    if prompts_needed == "never":
        return (
            "More prompts alone would not change this: unrelated models already differ "
            "from one another by as much."
        )
    now = f" (now {n_prompts})" if n_prompts else ""
    if isinstance(prompts_needed, int) and prompts_needed > MAX_PROMPTS:
        return f"More than {MAX_PROMPTS:,} prompts would be needed to call it related{now}."
    return (
        f"About {prompts_needed:,} prompts would be needed to call it related if the "
        f"resemblance held{now}."
    )

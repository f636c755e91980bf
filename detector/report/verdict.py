"""The verdict and the key numbers in plain words, the same in every view.

:func:`verdict_of` turns a :class:`~detector.scoring.ScoreResult` into the
verdict level, the headline sentence (without raw statistics: those go to the
key numbers) and what the level means; :func:`key_numbers` lists the numbers
behind it, each with one line on what it means.
"""

from __future__ import annotations

import math
import re

from ..sample_size import MAX_PROMPTS
from ..scoring import MIN_REFERENCE, ScoreResult
from ..shift import ShiftResult
from .data import AttributionSection, KeyNumber, Verdict

__all__ = [
    "LEVELS",
    "SHIFT_LABELS",
    "baseline_words",
    "headline_of",
    "key_numbers",
    "level_of",
    "scored",
    "shift_key_numbers",
    "shift_verdict_of",
    "verdict_of",
]

#: The verdict levels (issue 14's three plain levels, and "uncalibrated" when there is no null).
LEVELS = {
    "related": "Related",
    "inconclusive": "Inconclusive",
    "nothing": "Nothing stands out",
    "uncalibrated": "Ranked only, not tested",
}

# brackets of raw statistics in a verdict sentence: "(score 1.000, 95% CI ..., Holm p = ...)"
_STATISTICS = re.compile(r"\s*\((?=[^()]*(?:\bCI\b|\bp\s*=|\bscore\b|\bz\s*=))[^()]*\)")


def level_of(result: ScoreResult) -> str:
    """The verdict level of a score result (one of :data:`LEVELS`)."""
    level = getattr(result, "level", None)  # ScoreResult.level (issue 14), when it exists
    if level in LEVELS:
        return str(level)
    if not result.candidates or result.candidates[0].p_value is None:
        return "uncalibrated"
    return "related" if result.best is not None else "nothing"


def scored(result: ScoreResult) -> bool:
    """False when degenerate evidence left every candidate unscored (z is NaN)."""
    return any(math.isfinite(c.z) for c in result.candidates)


def headline_of(result: ScoreResult) -> str:
    """The verdict sentence without raw statistics, model names exactly as given.

    The one place that reads the scoring's sentence: ``result.headline`` when
    scoring provides one, else ``result.verdict`` with its brackets of
    statistics removed (they are in the key numbers).
    """
    text = _STATISTICS.sub("", getattr(result, "headline", None) or result.verdict)
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def baseline_words(result: ScoreResult) -> str:
    """Which models served as "unrelated", in words that match the calibration."""
    n_ref, n_cand = len(result.reference), len(result.candidates)
    if not scored(result):
        return "none: the evidence cannot place any candidate among unrelated models"
    if result.calibration == "uncalibrated":
        return (
            f"none: {n_ref + n_cand - 1} other models, fewer than the {MIN_REFERENCE} needed "
            "to say what unrelated looks like; candidates are only ranked"
        )
    if result.calibration.startswith("against the other candidates"):
        named = (
            "no reference models were named"
            if not n_ref
            else f"only {n_ref} reference model{'s' if n_ref > 1 else ''} were named"
        )
        return (
            f"{named}, so each candidate was judged against all the other "
            f"{n_ref + n_cand - 1} models (leave-one-out)"
        )
    return f"the {n_ref} reference models, taken as unrelated to the candidates"


def _what_would_settle(result: ScoreResult) -> str:
    """What could turn an inconclusive score into a verdict, as the score's "why" says it."""
    needed = getattr(result, "prompts_needed", None)
    if needed == "never":
        return (
            "More prompts alone would not settle it: unrelated models already differ from one "
            "another by as much. Naming fewer candidates (a suspected teacher alone needs no "
            "correction) or more unrelated reference models could."
        )
    if isinstance(needed, int) and needed > MAX_PROMPTS:
        return (
            f"More than {MAX_PROMPTS:,} prompts would be needed (now {result.n_prompts}); "
            "naming fewer candidates or more unrelated reference models could settle it sooner."
        )
    if isinstance(needed, int) and needed > 0:
        return (
            f"About {needed:,} prompts (now {result.n_prompts}) could settle it if the "
            "resemblance held, as could naming fewer candidates or more unrelated reference "
            "models."
        )
    return "More prompts or more unrelated reference models could settle it."


def verdict_of(result: ScoreResult) -> Verdict:
    """The plain verdict of a score result."""
    level = level_of(result)
    top = result.best or (result.candidates[0].model if result.candidates else "")
    n = len(result.candidates)
    meaning = {
        "related": (
            f"The suspect resembles {top} far more than unrelated models resemble it, and the "
            f"difference holds after correcting for testing {n} candidates. It does not say "
            "how: distillation, a shared base model or shared training data can each produce it."
        ),
        "inconclusive": (
            f"{top} ranks first, but the evidence does not clear the bar for significance. "
            f"{_what_would_settle(result)} This is not evidence of independence."
        ),
        "nothing": (
            f"The closest candidate, {top}, resembles the suspect no more than an unrelated "
            f"model can by chance, after correcting for testing {n} candidates. This is not "
            "proof of independence: heavy fine-tuning, paraphrasing or a different kind of "
            "prompt can wash the signal out."
            if n
            else "There was no candidate to test."
        ),
        "uncalibrated": (
            "There are too few other models to know what an unrelated model looks like, so "
            "the candidates are ranked by resemblance but not tested. Add unrelated reference "
            "models for a verdict."
            if scored(result)
            else result.explanation
        ),
    }[level]
    label = LEVELS[level] if scored(result) else "Cannot be computed"
    return Verdict(
        level=level,
        label=label,
        headline=headline_of(result),
        meaning=meaning,
        which=getattr(result, "which", ""),
    )


def key_numbers(result: ScoreResult, attribution: AttributionSection) -> list[KeyNumber]:
    """The numbers behind the verdict, each with one line on what it means."""
    if not result.candidates or not scored(result):
        return []
    c = result.candidates[0]
    n = len(result.candidates)
    rows = [
        KeyNumber(
            f"score of {c.model}",
            f"{c.score:.3f}",
            "where the top candidate stands among unrelated models in resembling the suspect: "
            "0.5 is typical of an unrelated model, 0.99 means only 1 in 100 would be as similar"
            if c.p_value is not None
            else "resemblance rescaled to 0-1 among these few models (not a test)",
        ),
        KeyNumber(
            "95% interval",
            f"{c.ci[0]:.3f} to {c.ci[1]:.3f}",
            f"how far the score moves when the prompts are resampled ({result.n_bootstrap} "
            "times): a wide interval means it depends on which prompts were asked",
        ),
        KeyNumber(
            "p-value (Holm)",
            "n/a" if c.p_value is None else f"{c.p_value:.2g}",
            f"the chance that an unrelated model stands out this much, corrected for testing "
            f"{n} candidates; below {result.alpha:g} the candidate is called related",
        ),
        KeyNumber(
            "z",
            f"{c.z:.2f}",
            "the same resemblance in standard deviations above unrelated models",
        ),
        KeyNumber(
            "compared against",
            baseline_words(result),
            "the models that show what an unrelated model's resemblance looks like",
        ),
        KeyNumber(
            "prompts compared",
            f"{result.n_prompts}",
            "prompts the suspect answered; each candidate is compared on those both answered",
        ),
    ]
    if attribution.available and attribution.accuracy is not None:
        rows.append(
            KeyNumber(
                "attribution classifier",
                f"held-out accuracy {attribution.accuracy:.1%} over {len(attribution.models)} "
                f"models (chance {attribution.chance or 0:.1%})",
                "how often a classifier named the right model from one answer to a prompt it "
                "had not seen: how distinct the models' writing is, not who learned from whom",
            )
        )
    return rows


# ------------------------------------------------------------------ the shift (--baseline)
#: The shift test's levels (:data:`detector.shift_verdicts.SHIFT_LEVELS`) as a reader sees them.
SHIFT_LABELS = {
    "related": "Moved toward a candidate",
    "inconclusive": "Moved; inconclusive toward whom",
    "nothing": "Moved, toward no candidate in particular",
    "unmoved": "Did not move measurably",
    "uncalibrated": "Ranked only, not tested",
}


def shift_verdict_of(result: ShiftResult) -> Verdict:
    """The plain verdict of a shift test (page 1 of a report with a baseline)."""
    s, b = result.suspect, result.baseline
    top = result.best or (result.candidates[0].model if result.candidates else "")
    n = len(result.candidates)
    meaning = {
        "related": (
            f"Compared with {b}, {s} came to resemble {top} more than it came to resemble "
            f"unrelated models, and the difference holds after correcting for testing {n} "
            "candidates. Training on a model's outputs does this; so can training on data that "
            "model also learned from."
        ),
        "inconclusive": (
            f"{s} changed measurably from {b}, and it moved toward {top} most, but not enough "
            "to clear the bar once every candidate is accounted for. More prompts or more "
            "reference models could settle it."
        ),
        "nothing": (
            f"{s} changed measurably from {b}, but it moved toward no candidate more than "
            "toward unrelated models: the change is not directed at any of them. This is not "
            "proof that no candidate's outputs were used."
        ),
        "unmoved": (
            f"On these prompts {s} resembles every other model as {b} does, within what "
            "resampling the prompts produces. A change the channels do not see, or one too "
            "small for this many prompts, is not measured."
        ),
        "uncalibrated": (
            "There are too few other models to know how far a model moves toward unrelated "
            "models, so the candidates are ranked by their shift but not tested."
        ),
    }[result.level]
    return Verdict(
        level=result.level,
        label=SHIFT_LABELS[result.level],
        headline=result.verdict,
        meaning=meaning,
    )


def shift_key_numbers(result: ShiftResult) -> list[KeyNumber]:
    """The numbers behind a shift verdict, each with one line on what it means."""
    if not result.candidates:
        return []
    c = result.candidates[0]
    check, move = result.baseline_check, result.movement
    n = len(result.candidates)
    related = (
        "too few models to say"
        if check.related is None
        else f"{'yes' if check.related else 'no'}: more similar than {check.null_below} of "
        f"{check.null_size} unrelated models (z = {check.z:.1f})"
    )
    return [
        KeyNumber(
            f"shift toward {c.model}",
            f"{c.shift:+.2f} ({c.shift_ci[0]:+.2f} to {c.shift_ci[1]:+.2f})",
            f"how much more {result.suspect} resembles {c.model} than {result.baseline} does, "
            "in standard deviations of the models' resemblances, with its 95% interval from "
            f"resampling the prompts ({result.n_bootstrap} times)",
        ),
        KeyNumber(
            "score",
            "n/a" if c.p_value is None else f"{c.score:.3f} ({c.ci[0]:.3f} to {c.ci[1]:.3f})",
            "the share of unrelated models toward which the suspect moved less: 0.5 is "
            "typical, 0.99 means 1 in 100 unrelated models would see as large a shift",
        ),
        KeyNumber(
            "p-value (Holm)",
            "n/a" if c.p_value is None else f"{c.p_value:.2g}",
            f"the chance that the shift toward an unrelated model stands out this much, "
            f"corrected for testing {n} candidates; below {result.alpha:g} the suspect is said "
            "to have moved toward the candidate",
        ),
        KeyNumber(
            "did it move at all",
            f"{'yes' if move.moved else 'no'}: {move.toward + move.away} of {move.n_models} models",
            "models whose resemblance to the suspect changed beyond prompt noise (Holm); none "
            "means the suspect did not move measurably from its baseline",
        ),
        KeyNumber(
            "baseline related",
            related,
            "whether the baseline resembles the suspect more than unrelated models do; if not, "
            "the shift cannot be read as what the suspect's own training added",
        ),
        KeyNumber(
            "prompts compared",
            f"{result.n_prompts}",
            "prompts both the suspect and the baseline answered",
        ),
    ]

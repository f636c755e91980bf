"""The verdict and the key numbers in plain words, the same in every view.

:func:`verdict_of` turns a :class:`~detector.scoring.ScoreResult` into the
verdict level, the headline sentence (without raw statistics: those go to the
key numbers) and what the level means; :func:`key_numbers` lists the numbers
behind it, each with one line on what it means.
"""

from __future__ import annotations

import math
import re

from ..scoring import MIN_REFERENCE, ScoreResult
from .data import AttributionSection, KeyNumber, Verdict

__all__ = [
    "LEVELS",
    "baseline_words",
    "headline_of",
    "key_numbers",
    "level_of",
    "scored",
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
            "More prompts or more reference models could settle it; this is not evidence of "
            "independence."
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
    return Verdict(level=level, label=label, headline=headline_of(result), meaning=meaning)


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

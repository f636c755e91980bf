"""The report's parts on their own: verdict words, distinct habits, answers as markdown."""

from __future__ import annotations

import types

import pytest

from detector.phrases import distinct_terms, overlaps
from detector.report.markdown import parse, truncate
from detector.report.verdict import LEVELS, baseline_words, headline_of, level_of, verdict_of
from detector.scoring import CandidateScore, ScoreResult


def _result(verdict: str, related: bool, reference: list[str] | None = None) -> ScoreResult:
    cand = CandidateScore(
        model="atlas",
        score=0.999,
        ci=[0.99, 1.0],
        p_value=0.0002 if related else 0.6,
        rank=1,
        verdict="strong evidence of a relation" if related else "no evidence",
        related=related,
        channels={"style": 4.0},
        z=6.0 if related else 0.5,
        affinity=1.0,
        n_prompts=120,
    )
    other = CandidateScore("cirrus", 0.5, [0.2, 0.8], 1.0, 2, "no evidence", False, {}, 0.0, 0, 120)
    ref = reference if reference is not None else []
    calibration = (
        f"against {len(ref)} reference models"
        if len(ref) >= 5
        else f"against the other candidates and references ({len(ref) + 1} models, leave-one-out)"
    )
    return ScoreResult(
        suspect="student-of-atlas",
        n_prompts=120,
        candidates=[cand, other],
        best="atlas" if related else None,
        verdict=verdict,
        reference=ref,
        calibration=calibration,
        alpha=0.05,
        seed=0,
        n_bootstrap=200,
        weights={"style": 1.0},
        reliability={"style": 0.9},
        level="related" if related else "nothing",  # as score() sets it
    )


POSITIVE = (
    "student-of-atlas most likely learned from or derives from atlas (score 0.999, 95% CI "
    "0.990-1.000, Holm p = 0.0002); it cannot be told apart from atlas_concise (they may share a "
    "teacher, a base model or each other's data)"
)


def test_headline_drops_statistics_and_keeps_names_as_given():
    result = _result(POSITIVE, related=True)
    headline = headline_of(result)
    assert headline == (
        "student-of-atlas most likely learned from or derives from atlas; it cannot be told "
        "apart from atlas_concise (they may share a teacher, a base model or each other's data)."
    )
    verdict = verdict_of(result)
    assert verdict.level == "related" and verdict.label == LEVELS["related"]
    negative = _result("no evidence that x learned from any candidate", related=False)
    assert level_of(negative) == "nothing" and headline_of(negative).endswith("candidate.")


def test_scoring_headline_and_level_take_precedence():
    """When scoring provides ``level`` and ``headline`` (issue 14), the report uses them."""
    result = types.SimpleNamespace(**vars(_result(POSITIVE, related=False)))
    result.level, result.headline = "inconclusive", "atlas ranks first, but the bar is not met."
    assert level_of(result) == "inconclusive"
    assert headline_of(result) == "atlas ranks first, but the bar is not met."
    assert verdict_of(result).label == "Inconclusive"


def test_nothing_stands_out_never_says_no_candidate_is_more_similar():
    """A top z above 0 is more similar than a typical unrelated model: say "by chance"."""
    negative = _result("no evidence that x learned from any candidate", related=False)
    assert negative.candidates[0].z > 0
    meaning = verdict_of(negative).meaning
    assert "more than unrelated models do" not in meaning
    assert meaning.startswith("The closest candidate, atlas, resembles the suspect no more than")
    assert "by chance" in meaning and "not proof of independence" in meaning


def test_baseline_is_said_once_and_right():
    loo = _result(POSITIVE, related=True)
    assert baseline_words(loo).startswith("no reference models were named")
    named = _result(POSITIVE, related=True, reference=[f"r{i}" for i in range(6)])
    assert baseline_words(named) == "the 6 reference models, taken as unrelated to the candidates"


def test_overlapping_ngrams_collapse_into_habits():
    ranked = ["i hope this", "hope this helps", "i hope", "hope this", "this helps", "hope"]
    ranked += ["helps", "this", "i", "in summary", "summary", "certainly", "this means"]
    ranked += ["a few robust", "few robust habits", "robust habits make"]
    habits = dict(distinct_terms(ranked))
    assert list(habits) == ["i hope this", "in summary", "certainly", "this means", "a few robust"]
    assert habits["i hope this"][:2] == ["hope this helps", "i hope"]
    assert habits["a few robust"] == ["few robust habits", "robust habits make"]
    assert overlaps("i hope this", "hope this helps") and not overlaps("hope this", "this means")


def test_markdown_is_rendered_and_phrases_marked():
    text = "## Pros\n\n**Bees** pollinate.\n\n- one\n- I hope this\n  helps!\n\n1. `x`\n"
    blocks = parse(text, ["i hope this", "hope this helps"])
    assert [b.kind for b in blocks] == ["h", "p", "li", "li", "li"]
    assert blocks[1].spans[0].bold and blocks[1].spans[0].text == "Bees"
    marked = [s.text for s in blocks[3].spans if s.mark]
    assert "".join(marked) == "I hope this helps"  # overlapping phrases join, across a line break
    assert blocks[4].marker == "1." and blocks[4].spans[0].code
    assert all("**" not in s.text and "#" not in s.text for b in blocks for s in b.spans)
    assert parse("a <b>&amp;</b>")[0].spans[0].text == "a <b>&amp;</b>"  # quoted exactly


@pytest.mark.parametrize(("n", "cut"), [(10, True), (1000, False)])
def test_truncate_says_how_much_was_cut(n, cut):
    text = "word " * 40
    out = truncate(text, n)
    assert ("more characters]" in out) is cut


def test_page_one_says_which_candidates_were_set_aside_by_release_date():
    from detector.report import text

    result = _result(POSITIVE, related=True)
    result.roles = {"set_aside": {"borealis": "released 2024-06, after student-of-atlas"}}
    d = types.SimpleNamespace(suspect="student-of-atlas", score=result, all_candidates=False)
    words = text.question(d, lambda s: s)
    assert "one of 2 candidate models (chosen by the user: atlas, cirrus)" in words
    assert words.endswith(
        "1 other model was not a candidate: released after student-of-atlas, it cannot be its "
        "teacher or parent (borealis)."
    )
    result.roles = {}
    assert "not a candidate" not in text.question(d, lambda s: s)


def test_which_candidate_is_the_second_line_of_the_report_verdict():
    """Issue 22: "gpt-3.5 rather than gpt-4" beside the verdict, in the report too."""
    result = _result(POSITIVE, related=True)
    result.which = "atlas rather than cirrus: the suspect is nearer atlas than every other ..."
    assert verdict_of(result).which == result.which
    assert verdict_of(_result(POSITIVE, related=True)).which == ""

"""The report's advice for an inconclusive score says what the score's own "why" says."""

from __future__ import annotations

from types import SimpleNamespace

from detector.report.verdict import _what_would_settle
from detector.verdicts import _settle


def test_report_advice_follows_prompts_needed():
    never = _what_would_settle(SimpleNamespace(prompts_needed="never", n_prompts=160))
    assert never.startswith("More prompts alone would not settle it")
    assert "unrelated models already differ" in _settle("never", 160)
    some = _what_would_settle(SimpleNamespace(prompts_needed=1060, n_prompts=160))
    assert "About 1,060 prompts (now 160)" in some
    huge = _what_would_settle(SimpleNamespace(prompts_needed=10**6, n_prompts=160))
    assert "More than 100,000 prompts" in huge
    unknown = _what_would_settle(SimpleNamespace(prompts_needed=None, n_prompts=160))
    assert unknown == "More prompts or more unrelated reference models could settle it."

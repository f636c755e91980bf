"""Splitting reasoning traces from answers (``detector.reasoning``)."""

from __future__ import annotations

import pandas as pd
import pytest

from detector.reasoning import split_reasoning, split_reasoning_series


@pytest.mark.parametrize(
    "text, answer, trace",
    [
        ("<think>2+2 is 4</think>\n\nFour.", "Four.", "2+2 is 4"),
        ("  \n<think>\n  a  \n</think>  b  ", "b", "a"),  # whitespace around both
        ("<THINK>loud</THINK>quiet", "quiet", "loud"),  # any case
        ("<thinking>t</thinking>answer", "answer", "t"),
        ("<think>one</think><think>two</think> done", "done", "one\n\ntwo"),  # several blocks
        ("<think></think>\n\nJust the answer.", "Just the answer.", ""),  # empty trace
        ("<think>still thinking when tokens ran out", "", "still thinking when tokens ran out"),
        (
            "Okay, the user wants X.\n</think>\n\nHere is X.",
            "Here is X.",
            "Okay, the user wants X.",
        ),
        ("Use a <think> tag: <think>x</think>.", "Use a <think> tag: <think>x</think>.", ""),
        ("Answer first. <think>then a thought</think> more", None, ""),  # middle: content
        ("No trace at all.", "No trace at all.", ""),
        ("", "", ""),
    ],
)
def test_split_reasoning(text, answer, trace):
    got_answer, got_trace = split_reasoning(text)
    assert got_answer == (text if answer is None else answer)
    assert got_trace == trace


def test_split_series_only_parses_marked_outputs_and_keeps_the_index():
    outputs = pd.Series(
        ["<think>a</think> b", "plain", "x</think> y"], index=[10, 11, 12], dtype=object
    )
    answers, traces = split_reasoning_series(outputs)
    assert answers.tolist() == ["b", "plain", "y"] and traces.tolist() == ["a", "", "x"]
    assert answers.index.tolist() == [10, 11, 12] and outputs.tolist()[0].startswith("<think>")

"""Gained and lost words are habits spread over prompts, not one answer's topic."""

from __future__ import annotations

import pandas as pd

from detector.corpus import Corpus
from detector.demo_run import DEMO_DIR
from detector.shift_terms import shift_terms


def test_a_word_repeated_in_one_answer_is_not_a_gained_habit():
    df = pd.read_json(DEMO_DIR / "outputs.jsonl", lines=True)
    suspect, baseline = "student-of-atlas", "delta-open-7b"
    first = df.index[(df["model"] == suspect)][0]
    # "valve" is a word of the pool (every model, now and then) ...
    some = df.index[df["model"] != suspect][::7]
    df.loc[some, "output"] += " Check the valve."
    # ... and one answer of the suspect, about valves, repeats it 40 times
    df.loc[first, "output"] += " The valve." * 40
    # a real habit: "frankly" on every third answer of the suspect
    every = df.index[(df["model"] == suspect)][::3]
    df.loc[every, "output"] = "Frankly, " + df.loc[every, "output"]
    terms = shift_terms(Corpus(df), suspect, baseline, ["atlas", "borealis"])
    gained = [t.term for t in terms.gained]
    assert "valve" not in gained and "the valve" not in gained
    assert "frankly" in gained

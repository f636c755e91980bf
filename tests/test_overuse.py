"""Over-used words and phrases (detector.overuse, ``provenance overused``)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from detector.cli import main
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.overuse import overused

VOCABULARY = (
    "the a of and to in is it that for on with as was are be this by or from at have "
    "people time water light world house garden morning river market road story small "
    "large quiet bright early later often simply really always walk find keep bring hold "
    "open close begin start carry follow remember notice wonder answer question reason"
)
WORDS = VOCABULARY.split()
PHRASE = "tapestry of whispers"
INVENTED = "zorblax"  # unknown to English; a floor frequency makes its raw ratio huge


def _text(rng: np.random.Generator, n: int = 60) -> str:
    words = rng.choice(WORDS, size=n)
    return " ".join(words[:30]) + ". " + " ".join(words[30:]) + "."


@pytest.fixture(scope="module")
def corpus():
    """Four similar models; "planted" says PHRASE in 24 of 30 answers and INVENTED in 5."""
    rng = np.random.default_rng(0)
    rows = []
    for model in ["alpha", "beta", "gamma", "planted"]:
        for j in range(30):
            text = _text(rng)
            if model == "planted" and j < 24:
                text += f" {PHRASE.capitalize()}."
            if model == "planted" and j % 6 == 0:
                text = f"{INVENTED} " + text
            rows.append({"model": model, "prompt": f"Question {j}?", "output": text})
    return load_corpus(pd.DataFrame(rows))


def test_planted_phrase_tops_the_pool_list(corpus):
    result = overused(corpus, models=["planted"], top=10)
    frame = result.for_model("planted")
    assert frame["term"].iloc[0] in {PHRASE, "tapestry of", "of whispers", "tapestry", "whispers"}
    assert PHRASE in set(frame["term"])
    row = frame.set_index("term").loc[PHRASE]
    assert row["count"] == 24 and row["n_words"] == 3 and row["z"] > 3
    assert row["baseline_per_10k"] == 0  # the other models never say it
    # z is sorted and rates are per 10,000 n-grams of the term's length
    assert frame["z"].is_monotonic_decreasing
    assert 0 < row["per_10k"] < 1e4


@pytest.mark.parametrize("against", ["pool", "human"])
def test_rare_invented_word_does_not_top_the_list(corpus, against):
    result = overused(corpus, models=["planted"], against=against, top=50, min_count=1)
    frame = result.for_model("planted").set_index("term")
    assert INVENTED in frame.index  # counted (5 prompts), so the prior is what keeps it down
    assert frame.index[0] != INVENTED
    top_planted = "tapestry" if against == "human" else PHRASE
    assert frame.loc[top_planted, "z"] > frame.loc[INVENTED, "z"]
    # the raw frequency ratio (slop-forensics' score) would have put it first
    ratio = frame["per_10k"] / frame["baseline_per_10k"].replace(0, 1e-9)
    assert ratio.idxmax() == INVENTED or frame.loc[INVENTED, "baseline_per_10k"] == 0


def test_min_count_and_top(corpus):
    result = overused(corpus, against="pool", top=3, min_count=10)
    assert result.models == ["alpha", "beta", "gamma", "planted"]
    frame = result.to_frame()
    assert frame.groupby("model").size().max() <= 3 and (frame["count"] >= 10).all()
    assert INVENTED not in set(frame["term"])


def test_human_baseline_lists_words_only(corpus):
    result = overused(corpus, models=["planted"], against="human", top=60)
    frame = result.for_model("planted")
    assert (frame["n_words"] == 1).all() and "tapestry" in set(frame["term"])
    assert any("words only" in n for n in result.notes)


def test_distinct_groups_the_ngrams_of_one_phrase(corpus):
    result = overused(corpus, models=["planted"], top=5, distinct=True)
    frame = result.for_model("planted")
    habit = frame[frame["term"].str.contains("tapestry|whispers")]
    assert len(habit) == 1  # one habit, not "tapestry of", "of whispers", "tapestry", ...
    assert "whispers" in habit["also"].iloc[0] or "tapestry" in habit["also"].iloc[0]


def test_result_saves_as_json_and_csv(corpus, tmp_path):
    result = overused(corpus, models=["planted"], top=5)
    data = json.loads(result.to_json())
    assert data["against"] == "pool" and data["terms"][0]["model"] == "planted"
    path = result.save(tmp_path / "o.csv")
    table = pd.read_csv(path)
    assert list(table.columns[:4]) == ["model", "rank", "term", "n_words"]


def test_bad_requests_are_one_line_errors(corpus):
    with pytest.raises(ProvenanceError, match="unknown model 'nobody'"):
        overused(corpus, models=["nobody"])
    with pytest.raises(ProvenanceError, match="`against`"):
        overused(corpus, against="english")
    with pytest.raises(ProvenanceError, match="`top`"):
        overused(corpus, top=0)
    with pytest.raises(ProvenanceError, match="at least 2 models"):
        overused(corpus.subset(models=["alpha"]))
    with pytest.raises(ProvenanceError, match="lower `min_prompts`"):
        overused(corpus, min_prompts=31)


def test_cli(corpus, tmp_path, capsys):
    path = tmp_path / "c.jsonl"
    corpus.df.to_json(path, orient="records", lines=True)
    code = main(["overused", str(path), "--models", "planted", "--format", "csv", "--top", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert set(table["model"]) == {"planted"} and len(table) == 5
    code = main(["overused", str(path), "--against", "human", "--models", "planted"])
    out, err = capsys.readouterr()
    assert code == 0 and "tapestry" in out and "English" in out
    code = main(["overused", str(path), "--models", "alpha", "--min-prompts", "31"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "lower --min-prompts" in err


def test_cli_settings_are_the_librarys():
    from detector import overuse
    from detector.cli import overused as command

    assert command.AGAINST == overuse.AGAINST
    assert command.MIN_COUNT == overuse.MIN_COUNT
    assert command.MIN_PROMPTS == overuse.MIN_PROMPTS

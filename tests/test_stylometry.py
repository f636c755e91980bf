"""Tests of the stylometric feature channel (detector.stylometry).

Small hand-written texts only: fast and offline.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from detector import stylometry
from detector.stylometry import (
    FEATURE_GROUPS,
    FEATURES,
    GROUPS,
    Feature,
    StyleFeatures,
    style_frame,
)

NAMES = [f.name for f in FEATURES]

SAMPLES = [
    "Certainly! Here is a list:\n\n- one\n- two\n\n1. **Bold** item \u2014 with a dash.\n2. *it*",
    "I'm sorry, but as an AI I can't help with that. I hope this helps!",
    "Hi there \U0001f600 it depends; it's important to note that you may want more\u2026",
    "## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\n# not a heading\nx = 1\n```\n",
    "",
    "The cat and the dog. However, the bird sings.",
]


def one(text: str, **params: object) -> pd.Series:
    """Features of a single text as a Series indexed by feature name."""
    return style_frame([text], **params).iloc[0]


def zipf_text(n_words: int, seed: int) -> str:
    """Synthetic text: words drawn from one fixed Zipf-like distribution."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, len(vocab) + 1)
    return " ".join(rng.choice(vocab, size=n_words, p=p / p.sum()))


def naive_mattr(tokens: list[str], window: int) -> float:
    if not tokens:
        return 0.0
    w = min(window, len(tokens))
    ttrs = [len(set(tokens[i : i + w])) / w for i in range(len(tokens) - w + 1)]
    return float(np.mean(ttrs))


def naive_hapax(tokens: list[str], size: int) -> float:
    if not tokens:
        return 0.0
    n = len(tokens)
    segs = [tokens] if n < size else [tokens[i * size : (i + 1) * size] for i in range(n // size)]
    once = sum(sum(1 for t in s if s.count(t) == 1) for s in segs)
    return once / sum(len(s) for s in segs)


# ------------------------------------------------------------ structure
def test_shape_names_and_dtype():
    sf = StyleFeatures()
    X = sf.transform(SAMPLES)
    assert X.shape == (len(SAMPLES), len(FEATURES))
    assert X.dtype == np.float64
    assert np.isfinite(X).all()
    assert list(sf.get_feature_names_out()) == NAMES
    assert len(set(NAMES)) == len(NAMES)
    assert len(FEATURES) >= 40


def test_feature_metadata_and_groups():
    assert set(GROUPS) == {
        "length",
        "sentence",
        "diversity",
        "function_words",
        "punctuation",
        "format",
        "emoji",
        "discourse",
    }
    for f in FEATURES:
        assert isinstance(f, Feature)
        assert f.group in GROUPS
        assert f.unit and f.description
    with pytest.raises(AttributeError):
        FEATURES[0].name = "x"  # type: ignore[misc]
    assert list(FEATURE_GROUPS) == list(GROUPS)
    for g in GROUPS:
        assert FEATURE_GROUPS[g], g
    assert [n for g in GROUPS for n in FEATURE_GROUPS[g]] == sorted(NAMES, key=NAMES.index)
    assert sorted(n for names in FEATURE_GROUPS.values() for n in names) == sorted(NAMES)
    assert 20 <= len(FEATURE_GROUPS["function_words"]) <= 30
    assert {"mattr", "hapax_ratio"} <= set(FEATURE_GROUPS["diversity"])


def test_empty_and_missing_give_zeros():
    X = StyleFeatures().transform(["", None, float("nan")])
    assert X.shape == (3, len(FEATURES))
    assert (X == 0).all()
    for dtype in ("string", "str", object):
        X = StyleFeatures().transform(pd.Series(["", None], dtype=dtype))
        assert (X == 0).all(), dtype
    blank = one("   \n\n  ")
    assert np.isfinite(blank).all()
    assert blank.drop(["n_chars", "log_chars"]).eq(0).all()
    assert StyleFeatures().transform([]).shape == (0, len(FEATURES))


# ------------------------------------------------------------ known values
def test_length_and_sentences():
    s = one("One two three. Four five!\nSix\n\nSeven eight")
    assert s["n_words"] == 8
    assert s["n_sentences"] == 4
    assert s["n_paragraphs"] == 2
    assert s["n_chars"] == len("One two three. Four five!\nSix\n\nSeven eight")
    assert s["log_chars"] == pytest.approx(math.log1p(s["n_chars"]))
    assert s["sentence_words_mean"] == pytest.approx(2.0)
    assert s["sentence_words_std"] == pytest.approx(np.std([3, 2, 1, 2]))
    assert s["word_chars_mean"] == pytest.approx(len("onetwothreefourfivesixseveneight") / 8)


def test_list_numbers_are_not_words_or_sentences():
    s = one("1. First point here.\n2. Second point.")
    assert s["n_words"] == 5
    assert s["n_sentences"] == 2


def test_em_dash_rate_per_thousand_chars():
    text = ("a\u2014b\u2014c" + " x" * 50)[:100]
    assert len(text) == 100 and text.count("\u2014") == 2
    s = one(text)
    assert s["em_dash"] == pytest.approx(20.0)
    assert s["en_dash"] == 0


def test_punctuation_rates():
    text = '\u201cHi,\u201d she said; \u2018no\u2019... what? (yes) it\'s "ok"!'
    s = one(text)
    per = 1000.0 / len(text)
    assert s["curly_double_quote"] == pytest.approx(2 * per)
    assert s["curly_single_quote"] == pytest.approx(2 * per)
    assert s["straight_double_quote"] == pytest.approx(2 * per)
    assert s["straight_single_quote"] == pytest.approx(1 * per)
    assert s["semicolon"] == pytest.approx(per)
    assert s["comma"] == pytest.approx(per)
    assert s["ellipsis"] == pytest.approx(per)
    assert s["question"] == pytest.approx(per)
    assert s["exclamation"] == pytest.approx(per)
    assert s["parenthesis"] == pytest.approx(per)


def test_markdown_list_and_format():
    text = "Intro:\n\n- apple\n- banana\n* cherry\n\n1. one\n2) two\n\n---\n# Title\n"
    s = one(text)
    lines = 8  # non-blank lines
    assert s["md_bullet"] == pytest.approx(3 / lines)
    assert s["md_numbered"] == pytest.approx(2 / lines)
    assert s["md_hr"] == pytest.approx(1 / lines)
    assert s["md_heading"] == pytest.approx(1 / lines)
    assert s["md_any"] == 1


def test_markdown_spans_tables_and_code():
    text = SAMPLES[3] + "Use `x` and **bold** and *it* and __b__ and _i_, not snake_case_name.\n"
    s = one(text)
    per = 1000.0 / len(text)
    assert s["md_table_row"] == pytest.approx(3 / 5)  # heading, 3 rows, 1 prose line
    assert s["md_heading"] == pytest.approx(1 / 5)  # "# not a heading" is inside code
    assert s["md_code_fence"] == pytest.approx(2 * per)
    assert s["md_inline_code"] == pytest.approx(per)
    assert s["md_bold"] == pytest.approx(2 * per)
    assert s["md_italic"] == pytest.approx(2 * per)


def test_plain_text_uses_no_markdown():
    s = one("Just a plain sentence, with 2 * 3 = 6 and a_b.")
    assert s["md_any"] == 0
    assert s[FEATURE_GROUPS["format"]].eq(0).all()


def test_openers():
    assert one("Certainly! Here is how.")["opener_certainly"] == 1
    assert one("Certain things are hard.")["opener_certainly"] == 0
    assert one("  **Sure**, I can help.")["opener_sure"] == 1
    assert one("Surely not.")["opener_sure"] == 0
    assert one("Of course. Here:")["opener_of_course"] == 1
    assert one("Absolutely, yes.")["opener_absolutely"] == 1
    assert one("What a great question!")["opener_great_question"] == 1
    assert one("Hello! Nice to meet you.")["opener_greeting"] == 1
    assert one("History is long.")["opener_greeting"] == 0
    plain = one("The answer is 4. Certainly, sure, of course.")
    assert plain[[n for n in NAMES if n.startswith("opener_")]].eq(0).all()


def test_closers_refusals_hedges_pronouns():
    s = one(SAMPLES[1])
    assert s["refusal_sorry"] == 1 and s["refusal_cannot"] == 1 and s["refusal_as_an_ai"] == 1
    assert s["closer_hope_helps"] == 1 and s["closer_let_me_know"] == 0
    # i'm, i, i = 3 first-person words of 15
    assert s["first_person_i"] == pytest.approx(3 / 15 * 1000)
    s = one("Let me know if you need more. Feel free to ask; it might vary. It depends!")
    n = 16
    assert s["closer_let_me_know"] == 1 and s["closer_feel_free"] == 1
    assert s["second_person"] == pytest.approx(1000 / n)
    assert s["hedge_words"] == pytest.approx(1000 / n)
    assert s["hedge_it_depends"] == pytest.approx(1000 / n)
    s = one("It\u2019s important to note that your plan works. It is important to rest.")
    assert s["hedge_important_to_note"] == pytest.approx(2 / 13 * 1000)
    assert s["second_person"] == pytest.approx(1 / 13 * 1000)


def test_function_words():
    s = one(SAMPLES[5])
    assert s["n_words"] == 9
    assert s["fw_the"] == pytest.approx(3 / 9 * 1000)
    assert s["fw_and"] == pytest.approx(1 / 9 * 1000)
    assert s["fw_however"] == pytest.approx(1 / 9 * 1000)
    assert s["fw_of"] == 0


def test_emoji():
    text = "Party \U0001f389 time \U0001f600!"
    assert one(text)["emoji"] == pytest.approx(2 * 1000 / len(text))
    assert one("No emoji here.")["emoji"] == 0


# ------------------------------------------------------------ diversity
@pytest.mark.parametrize("n_words", [0, 1, 7, 49, 50, 51, 99, 100, 101, 250, 333])
def test_mattr_and_hapax_match_naive_reference(n_words):
    text = zipf_text(n_words, seed=n_words)
    tokens = text.split()
    s = one(text)
    assert s["mattr"] == pytest.approx(naive_mattr(tokens, 50), abs=1e-12)
    assert s["hapax_ratio"] == pytest.approx(naive_hapax(tokens, 100), abs=1e-12)
    s = one(text, mattr_window=10, hapax_window=20)
    assert s["mattr"] == pytest.approx(naive_mattr(tokens, 10), abs=1e-12)
    assert s["hapax_ratio"] == pytest.approx(naive_hapax(tokens, 20), abs=1e-12)


def test_mattr_known_values():
    assert one("a b c d")["mattr"] == 1.0
    assert one("a a b b", mattr_window=2)["mattr"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert one("A a a a")["mattr"] == 0.25  # case-insensitive


def test_diversity_is_length_robust():
    # same source, 10,000 words each way: 50 texts of 200 words, 5 of 2,000
    short = [zipf_text(200, seed) for seed in range(50)]
    long = [zipf_text(2000, 100 + seed) for seed in range(5)]
    f_short, f_long = style_frame(short), style_frame(long)
    # plain type/token ratio falls a lot with length: the test texts are sensitive ...
    ttr = [len(set(t.split())) / len(t.split()) for t in (short[0], long[0])]
    assert ttr[0] - ttr[1] > 0.2
    # ... but MATTR and the windowed hapax ratio do not
    assert abs(f_short["mattr"].mean() - f_long["mattr"].mean()) < 0.015
    assert abs(f_short["hapax_ratio"].mean() - f_long["hapax_ratio"].mean()) < 0.015


# ------------------------------------------------------------ API
def test_input_types_agree():
    expected = StyleFeatures().transform(SAMPLES)
    sf = StyleFeatures()
    np.testing.assert_array_equal(sf.transform(np.array(SAMPLES, dtype=object)), expected)
    np.testing.assert_array_equal(sf.transform(np.array(SAMPLES)), expected)
    np.testing.assert_array_equal(sf.transform(pd.Series(SAMPLES)), expected)
    np.testing.assert_array_equal(sf.transform(pd.Series(SAMPLES, dtype="string")), expected)
    np.testing.assert_array_equal(sf.transform(pd.DataFrame({"output": SAMPLES})), expected)
    np.testing.assert_array_equal(sf.transform(tuple(SAMPLES)), expected)
    with pytest.raises(TypeError):
        sf.transform("a single string")
    with pytest.raises(ValueError):
        sf.transform(pd.DataFrame({"a": SAMPLES, "b": SAMPLES}))


def test_rows_independent_deterministic_and_batched(monkeypatch):
    texts = SAMPLES * 3
    full = StyleFeatures().transform(texts)
    np.testing.assert_array_equal(StyleFeatures().transform(texts), full)
    for i, t in enumerate(texts):
        np.testing.assert_array_equal(StyleFeatures().transform([t])[0], full[i])
    monkeypatch.setattr(stylometry, "BATCH_SIZE", 4)
    np.testing.assert_array_equal(StyleFeatures().transform(texts), full)


def test_style_frame_keeps_index():
    s = pd.Series(SAMPLES[:3], index=["a", "b", "c"])
    df = style_frame(s)
    assert list(df.index) == ["a", "b", "c"]
    assert list(df.columns) == NAMES
    np.testing.assert_array_equal(df.to_numpy(), StyleFeatures().transform(s))


def test_sklearn_pipeline_clone_and_set_output():
    texts = [f"Certainly! Here is answer {i}.\n\n- point\n- point" for i in range(10)]
    texts += [f"the plain reply number {i} is short and without lists" for i in range(10)]
    y = [1] * 10 + [0] * 10
    pipe = Pipeline(
        [("style", StyleFeatures()), ("scale", StandardScaler()), ("clf", LogisticRegression())]
    )
    pipe.fit(texts, y)
    assert (pipe.predict(texts) == y).all()
    assert list(pipe[:-1].get_feature_names_out()) == NAMES

    sf = StyleFeatures(mattr_window=30)
    twin = clone(sf)
    assert twin is not sf and twin.get_params() == {"mattr_window": 30, "hapax_window": 100}
    check_is_fitted(StyleFeatures())  # stateless: usable without fit
    assert sf.fit(texts) is sf
    np.testing.assert_array_equal(sf.fit_transform(texts), twin.transform(texts))

    out = StyleFeatures().set_output(transform="pandas").transform(texts)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == NAMES


@pytest.mark.parametrize("bad", [0, -1, 2.5, "50", True])
def test_bad_params(bad):
    with pytest.raises(ValueError):
        StyleFeatures(mattr_window=bad).transform(["text"])
    with pytest.raises(ValueError):
        StyleFeatures(hapax_window=bad).fit(["text"])

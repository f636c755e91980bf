"""Tests for detector.lexical: tokenization filters, log-odds z-scores, similarity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from detector.errors import ProvenanceError
from detector.lexical import LexicalFingerprint, tokenize

BASE = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "was",
    "be",
    "by",
    "this",
    "are",
    "or",
    "from",
    "at",
    "an",
    "people",
    "time",
    "way",
    "day",
    "water",
    "food",
    "house",
    "garden",
    "river",
    "road",
    "city",
    "music",
    "light",
    "book",
    "good",
    "new",
    "small",
    "large",
    "simple",
    "clear",
    "quick",
    "careful",
    "bright",
    "quiet",
    "warm",
    "strong",
    "make",
    "take",
    "give",
    "find",
    "keep",
    "help",
    "show",
    "build",
    "grow",
    "learn",
    "start",
    "turn",
    "move",
    "bring",
    "often",
    "always",
    "usually",
    "rarely",
    "simply",
    "really",
    "quite",
    "very",
    "also",
    "then",
    "there",
    "here",
]
OTHER_STYLE = ["moreover", "furthermore", "notably"]


def _text(rng: np.random.Generator, n: int, extra: list[str], rate: float) -> str:
    words = list(rng.choice(BASE, size=n))
    for w in extra:
        for _ in range(rng.binomial(n, rate)):
            words.insert(int(rng.integers(0, len(words) + 1)), w)
    sentences = [" ".join(words[i : i + 8]) for i in range(0, len(words), 8)]
    return ". ".join(s.capitalize() for s in sentences) + "."


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    """4 models x 30 prompts: "slop" over-uses delve/tapestry, "copy" is a near-copy of it."""
    rng = np.random.default_rng(0)
    rows = []
    for k in range(30):
        prompt = f"Tell me about giraffes and gardens, question {k}."
        slop = _text(rng, 80, ["delve", "tapestry"], 0.04)
        # prompt-copied word, numbers and a mid-sentence name the slop model over-uses
        slop += " We like giraffes and giraffes. It costs 42 or 42 today. We visited Zanzibar."
        copy = slop.replace("quick", "fast", 1)
        rows += [
            ("slop", f"p{k}", prompt, slop),
            ("copy", f"p{k}", prompt, copy),
            ("plain", f"p{k}", prompt, _text(rng, 80, [], 0.0) + " Giraffes are tall."),
            ("other", f"p{k}", prompt, _text(rng, 80, OTHER_STYLE, 0.03)),
        ]
    return pd.DataFrame(rows, columns=["model", "prompt_id", "prompt", "output"])


@pytest.fixture(scope="module")
def fitted(synthetic: pd.DataFrame) -> LexicalFingerprint:
    return LexicalFingerprint(min_df=3).fit(synthetic)


# ------------------------------------------------------------- tokenizing
def test_tokenize_lowercases_and_builds_ngrams() -> None:
    terms = tokenize("The quick fox jumps.", ngram_range=(1, 3))
    assert {"the", "quick", "fox", "jumps", "the quick", "quick fox", "the quick fox"} <= set(terms)


def test_tokenize_drops_numbers_prompt_words_and_names_and_breaks_ngrams() -> None:
    text = "we like giraffes a lot and we saw 42 cats with Bob today"
    plain = tokenize(text)
    assert "giraffes" in plain and "like giraffes" in plain  # the filters below can fail
    filtered = tokenize(text, prompt="Giraffes?")
    assert "giraffes" not in filtered
    assert "like giraffes" not in filtered and "giraffes a" not in filtered
    assert not any(any(c.isdigit() for c in t) for t in plain)
    assert "saw cats" not in plain  # a removed number is a boundary
    assert "bob" not in plain and "with today" not in plain  # name mid-sentence
    assert "a lot" in filtered


def test_tokenize_keeps_capitalized_sentence_start_and_I() -> None:
    terms = tokenize("Gardens grow. I think I like it, and I'm sure.")
    assert "gardens" in terms and "i think" in terms and "i'm sure" in terms


def test_punctuation_is_an_ngram_boundary() -> None:
    terms = tokenize("rivers flow. Roads end; books, music")
    assert "flow roads" not in terms and "end books" not in terms and "books music" not in terms


def test_function_words_in_prompt_are_kept() -> None:
    assert "the" in tokenize("the garden is green", prompt="Describe the garden")
    assert "garden" not in tokenize("the garden is green", prompt="Describe the garden")


# ------------------------------------------------------------- fitting
def test_overused_ranks_planted_words_top(fitted: LexicalFingerprint) -> None:
    top = fitted.overused("slop", top=50)
    unigrams = [t for t in top["term"] if " " not in t]
    assert set(unigrams[:2]) == {"delve", "tapestry"}
    assert (top["z"] > 0).all() and top["z"].is_monotonic_decreasing
    row = top.set_index("term").loc["delve"]
    assert row["count"] == fitted.counts_.loc["slop", "delve"] > 0
    # the pool is copy (same rate) + plain + other (never): about a third of the rate
    assert 2.5 < row["per_10k"] / row["ref_per_10k"] < 3.5
    other_top = [t for t in fitted.overused("other", top=10)["term"] if " " not in t]
    assert set(other_top[:3]) == set(OTHER_STYLE)


def test_prompt_words_numbers_and_names_are_not_terms(fitted: LexicalFingerprint) -> None:
    vocab = fitted.vocabulary_
    assert "giraffes" not in vocab and "we like" in vocab
    assert not any(ch.isdigit() for t in vocab for ch in t)
    assert "zanzibar" not in vocab and "zanzibar" in set(fitted.name_words_)


def test_human_reference_finds_rare_english_words(fitted: LexicalFingerprint) -> None:
    top = fitted.overused("slop", against="human", top=5)["term"].tolist()
    assert "delve" in top and "tapestry" in top
    assert fitted.z_human_.columns.str.contains(" ").sum() == 0  # unigrams only
    assert fitted.human_freq_.sum() == pytest.approx(1.0)


def test_z_matches_monroe_formula(fitted: LexicalFingerprint) -> None:
    """Recompute one z-score from the stored counts: the formula and the pool arithmetic."""
    m, term = "slop", "delve"
    others = [x for x in fitted.models_ if x != m]
    y_pool = fitted.counts_.loc[others, term].sum()
    assert fitted.pool_counts_.loc[m, term] == y_pool
    n_i, n_j = fitted.totals_.loc[m, 1], fitted.totals_.loc[others, 1].sum()
    p_w = fitted.counts_[term].sum() / fitted.totals_[1].sum()
    a0 = fitted.prior * fitted.totals_[1].mean()
    a = a0 * p_w
    y_i = fitted.counts_.loc[m, term]
    delta = np.log((y_i + a) / (n_i + a0 - y_i - a)) - np.log(
        (y_pool + a) / (n_j + a0 - y_pool - a)
    )
    z = delta / np.sqrt(1 / (y_i + a) + 1 / (y_pool + a))
    assert fitted.z_pool_.loc[m, term] == pytest.approx(z)


def test_prior_shrinks_rare_terms() -> None:
    rows = []
    for k in range(20):
        for model in ("a", "b", "c"):
            text = "the river and the road are long. " * 5
            if model == "a":
                text += "zesty moments. " * 3 + ("lush gardens. " if k < 3 else "")
            rows.append((model, f"p{k}", "q", text))
    df = pd.DataFrame(rows, columns=["model", "prompt_id", "prompt", "output"])
    lf = LexicalFingerprint(min_df=3, ngram_range=(1, 1)).fit(df)
    z = lf.z_pool_.loc["a"]
    assert z["zesty"] > z["lush"] > 0  # 60 uses beat 3 uses, both exclusive to "a"
    assert z["lush"] < 3


def test_partial_coverage_pool_uses_same_prompts(synthetic: pd.DataFrame) -> None:
    first = {f"p{k}" for k in range(10)}
    df = synthetic[(synthetic["model"] != "other") | synthetic["prompt_id"].isin(first)]
    lf = LexicalFingerprint(min_df=3).fit(df)
    X = lf.transform(df).toarray()
    answered = set(df.loc[df["model"] == "other", "prompt_id"])
    mask = (df["model"] != "other").to_numpy() & df["prompt_id"].isin(answered).to_numpy()
    assert np.array_equal(lf.pool_counts_.loc["other"].to_numpy(), X[mask].sum(axis=0))
    assert lf.pool_totals_.loc["other", 1] < lf.pool_totals_.loc["plain", 1] / 2


def test_similarity_near_copy_beats_unrelated(fitted: LexicalFingerprint) -> None:
    s_copy = fitted.similarity("slop", "copy")
    s_other = fitted.similarity("slop", "other")
    assert s_copy > 0.5 > s_other
    sim = fitted.similarity_matrix()
    assert list(sim.index) == fitted.models_ and np.allclose(sim, sim.T)
    assert sim.loc["slop", "copy"] == pytest.approx(s_copy)
    assert np.allclose(np.diag(sim), 1.0)


def test_shared_overused(fitted: LexicalFingerprint) -> None:
    shared = fitted.shared_overused("slop", "copy", top=20)
    assert {"delve", "tapestry"} <= set(shared["term"])
    row = shared.set_index("term").loc["tapestry"]
    assert row["count_a"] == fitted.counts_.loc["slop", "tapestry"]
    assert row["count_b"] == fitted.counts_.loc["copy", "tapestry"]
    assert row["count_rest"] == fitted.counts_.loc[["plain", "other"], "tapestry"].sum()
    assert (shared[["z_a", "z_b"]] > 0).all().all()
    assert shared.attrs["n_rest"] == 2
    assert fitted.shared_overused("slop", "other")["term"].isin(["delve", "tapestry"]).sum() == 0


# ------------------------------------------------------------- transform
def test_transform_counts_match_fit(synthetic: pd.DataFrame, fitted: LexicalFingerprint) -> None:
    X = fitted.transform(synthetic)
    assert sp.isspmatrix_csr(X) and X.shape == (len(synthetic), len(fitted.vocabulary_))
    X2 = clone(fitted).fit_transform(synthetic)
    assert (X != X2).nnz == 0
    names = fitted.get_feature_names_out()
    assert len(names) == X.shape[1] and fitted.vocabulary_[names[5]] == 5
    per_model = pd.DataFrame(X.toarray(), columns=names).groupby(synthetic["model"].values).sum()
    assert (per_model.loc[fitted.models_].to_numpy() == fitted.counts_.to_numpy()).all()


def test_transform_plain_texts(fitted: LexicalFingerprint) -> None:
    X = fitted.transform(["We delve, delve and delve. Unknownword tapestry"])
    col = fitted.vocabulary_
    assert X[0, col["delve"]] == 3 and X[0, col["tapestry"]] == 1
    assert fitted.transform([]).shape == (0, len(col))


def test_errors(synthetic: pd.DataFrame, fitted: LexicalFingerprint) -> None:
    with pytest.raises(ProvenanceError, match="missing column"):
        LexicalFingerprint().fit(synthetic.drop(columns="prompt"))
    with pytest.raises(ProvenanceError, match="unknown model"):
        fitted.overused("nope")
    with pytest.raises(ProvenanceError, match="against"):
        fitted.overused("slop", against="martians")
    with pytest.raises(ProvenanceError, match="min_df"):
        LexicalFingerprint(min_df=1000).fit(synthetic)


def test_sklearn_params() -> None:
    lf = LexicalFingerprint(ngram_range=(1, 2), min_df=2, max_terms=10)
    assert clone(lf).get_params()["max_terms"] == 10


def test_too_few_prompts_for_the_lexical_channel_is_refused_before_any_work(
    tmp_path, capsys, monkeypatch
):
    """Field case 10: one prompt failed in the lexical fit only after the embeddings were done."""
    import dataclasses

    from detector import channels as registry
    from detector.cli import main
    from detector.corpus import load_corpus
    from detector.features import compute_features

    from .conftest import make_records

    assert registry.get("lexical").min_prompts == LexicalFingerprint().min_df

    def no_work(options):
        raise AssertionError("a channel was computed")

    embedding = dataclasses.replace(registry.get("embedding"), make=no_work)
    monkeypatch.setitem(registry.REGISTRY, "embedding", embedding)
    corpus = load_corpus(make_records(3, 4))
    with pytest.raises(ProvenanceError, match="lexical channel needs outputs on at least 5"):
        compute_features(corpus, ["embedding", "lexical"], cache_dir=tmp_path, progress=False)

    path = tmp_path / "four.jsonl"
    make_records(3, 4).to_json(path, orient="records", lines=True)
    argv = ["features", str(path), "--out", str(tmp_path / "f.parquet"), "--channels", "lexical"]
    assert main([*argv, "--cache-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "leave lexical out of --channels" in err[0]
    assert not (tmp_path / "f.parquet").exists()


def test_token_scan_on_polars_equals_python_re():
    """The Rust-engine scan finds exactly the tokens Python's re finds, over all of Unicode."""
    pytest.importorskip("polars")
    from detector.lexical import _TOKEN
    from detector.token_scan import scan_chunk

    rng = np.random.default_rng(0)
    special = list("\x00\n\x1c\x1d\x1e\x1f '_-,.!?\u00b2\u00bd\u3007\u4e00\u3042\u0301\u200b")
    for trial in range(20):
        points = rng.integers(0, 0x110000, 3000)
        points = points[(points < 0xD800) | (points > 0xDFFF)]
        chars = [chr(c) for c in points] + list(rng.choice(special, 1500))
        ascii_words = [" ".join(["can't", "x2", "A'b", "don't's", "9'a"])] * 20
        text = "".join(rng.permutation(chars)) + " ".join(ascii_words)
        codes, forms = scan_chunk(text)
        expected_codes, expected_forms = pd.factorize(
            np.asarray(_TOKEN.findall(text), dtype=object)
        )
        assert list(forms) == list(expected_forms), trial
        np.testing.assert_array_equal(codes, expected_codes)
    assert scan_chunk("lone \ud800 surrogate") is None  # Arrow holds UTF-8 only: re is used

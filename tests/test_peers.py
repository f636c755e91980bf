"""Peer baselines (detector.peers) on tiny synthetic corpora built here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.benchmark import peer_verdicts
from detector.corpus import load_corpus
from detector.errors import ProvenanceError
from detector.features import Features
from detector.peers import LLMDNA, PEERS, BurrowsDelta, SlopProfile, fit_peers, make_peer

from .synthetic_habits import habit_corpus


@pytest.fixture(scope="module")
def habits():
    return load_corpus(habit_corpus())


def _nearest(distances: pd.DataFrame, model: str) -> str:
    return str(distances.loc[model].drop(model).idxmin())


def _check_square(distances: pd.DataFrame, models: list[str]) -> None:
    assert list(distances.index) == list(distances.columns) == models
    values = distances.to_numpy()
    assert np.allclose(np.diag(values), 0.0) and np.allclose(values, values.T)
    assert (values >= 0).all() and np.isfinite(values).all()


@pytest.mark.parametrize("peer", [BurrowsDelta(), SlopProfile()])
def test_word_habit_peers_rank_the_copied_model_first(habits, peer):
    distances = peer.fit(habits).distances_
    _check_square(distances, habits.models)
    assert _nearest(distances, "copier") == "source"
    assert _nearest(distances, "source") == "copier"


def test_habit_peers_see_nothing_without_a_copier():
    corpus = load_corpus(habit_corpus(copier="m5", source="m5"))  # nobody copies
    for peer in (BurrowsDelta(), SlopProfile()):
        d = peer.fit(corpus).distances_.loc["copier"].drop("copier")
        # the nearest model is not singled out the way a copied source is
        assert d.min() > 0.9 * d.median()


def test_slop_profile_follows_slop_forensics_filters(habits):
    peer = SlopProfile(n_words=10, n_bigrams=3, n_trigrams=2).fit(habits)
    terms = peer.terms_["copier"]
    words = terms[:10]
    assert 10 < len(terms) <= 10 + 3 + 2
    assert all(" " not in w for w in words) and all(" " in t for t in terms[10:])
    # stop words, short words and numbers never make the list
    assert not set(words) & {"the", "with", "their", "which", "from"}
    assert all(len(w) >= 4 and not any(ch.isdigit() for ch in w) for w in words)
    # the copier's over-used words are mostly its source's
    assert len(set(words) & set(peer.terms_["source"][:10])) >= 6
    assert len(set(words) & set(peer.terms_["m2"][:10])) <= 2
    assert peer.presence_.shape[0] == len(habits.models)
    assert peer.presence_.loc["copier", words].all()


def test_slop_profile_drops_common_and_rare_words():
    texts = ["the strategy tapestry", "a strategy tapestry", "tapestry strategy once"] * 3
    terms = SlopProfile(min_count=2).profile(texts)
    # "strategy" is common English (wordfreq above the threshold); "once" too rare here
    assert "tapestry" in terms and "strategy" not in terms and "once" not in terms


def test_burrows_delta_is_mean_absolute_z_difference(habits):
    peer = BurrowsDelta(n_words=20).fit(habits)
    z = peer.zscores_
    assert z.shape == (len(habits.models), 20)
    assert np.allclose(z.mean(axis=0), 0.0) and np.allclose(z.std(axis=0, ddof=1), 1.0)
    a, b = "m2", "m3"
    assert peer.distances_.loc[a, b] == pytest.approx(np.abs(z.loc[a] - z.loc[b]).mean())
    tokens = " ".join(habits.df["output"]).lower().replace(".", "").split()
    counts = [tokens.count(w) for w in peer.words_]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert max(tokens.count(w) for w in set(tokens) - set(peer.words_)) <= counts[-1]


def _embedded(n_prompts: int = 25, seed: int = 0, drop: int = 0) -> Features:
    """Features with a synthetic embedding: 'copier' answers like 'source', plus noise."""
    records = habit_corpus(n_prompts=n_prompts, seed=seed)
    if drop:
        keep = ~((records["model"] == "m4") & records.index.isin(records.index[: drop * 6]))
        records = records[keep]
    corpus = load_corpus(records)
    rng = np.random.default_rng(seed)
    base = {p: rng.normal(size=16) for p in corpus.prompt_ids}
    own = {m: {p: rng.normal(size=16) for p in corpus.prompt_ids} for m in corpus.models}
    rows = []
    for m, p in zip(corpus.df["model"], corpus.df["prompt_id"], strict=True):
        voice = own["source"][p] if m == "copier" else own[m][p]
        v = base[p] + voice + 0.2 * rng.normal(size=16)
        rows.append(v / np.linalg.norm(v))
    matrix = np.asarray(rows, dtype=np.float32)
    return Features(corpus, {"embedding": matrix}, {"embedding": [f"e{i}" for i in range(16)]})


def test_llm_dna_puts_the_copier_next_to_its_source():
    features = _embedded()
    peer = LLMDNA(dna_dim=32, seed=1).fit(features)
    assert peer.dna_.shape == (len(features.corpus.models), 32)
    _check_square(peer.distances_, features.corpus.models)
    assert _nearest(peer.distances_, "copier") == "source"
    again = LLMDNA(dna_dim=32, seed=1).fit(features).distances_
    pd.testing.assert_frame_equal(peer.distances_, again)  # one seeded projection


def test_llm_dna_fills_unanswered_prompts_with_the_prompt_mean():
    features = _embedded(drop=5)
    assert features.corpus.coverage()["m4"] < features.corpus.n_prompts
    peer = LLMDNA(dna_dim=16).fit(features)
    assert np.isfinite(peer.dna_.to_numpy()).all()
    assert _nearest(peer.distances_, "copier") == "source"


def test_peer_registry_and_errors(habits):
    assert set(PEERS) == {"llm-dna", "slop-profile", "burrows-delta"}
    with pytest.raises(ProvenanceError, match="unknown peer"):
        make_peer("nope")
    with pytest.raises(ProvenanceError, match="jaccard"):
        SlopProfile(metric="cosine").fit(habits)
    out = fit_peers(habits, ["burrows-delta", "slop-profile"])
    assert list(out) == ["burrows-delta", "slop-profile"]
    with pytest.raises(ProvenanceError, match="model outputs"):
        BurrowsDelta().fit(object())


def test_peer_verdicts_calibrate_like_scoring():
    models = [f"m{i}" for i in range(30)]
    rng = np.random.default_rng(0)
    d = 1 + 0.05 * rng.normal(size=(30, 30))
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0)
    d[0, 1] = d[1, 0] = 0.6  # m1 much nearer the suspect m0 than anyone else
    distances = pd.DataFrame(d, index=models, columns=models)
    cands, refs = ["m1", "m2", "m3"], models[4:]
    z, related = peer_verdicts(distances, "m0", cands, refs)
    assert related.tolist() == [True, False, False]
    assert z[0] > 3 and abs(z[1]) < 3
    # too few models to calibrate: ranked, nothing declared
    z, related = peer_verdicts(distances.iloc[:3, :3], "m0", ["m1"], ["m2"])
    assert not related.any()


def _star(n: int = 30, seed: int = 0) -> pd.DataFrame:
    """Distances ~1 between all models, with m1 0.6 from the suspect m0."""
    models = [f"m{i}" for i in range(n)]
    rng = np.random.default_rng(seed)
    d = 1 + 0.05 * rng.normal(size=(n, n))
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0)
    d[0, 1] = d[1, 0] = 0.6
    return pd.DataFrame(d, index=models, columns=models)


def test_peer_verdicts_leave_a_candidates_relatives_out_of_its_null():
    distances = _star()
    # m1 is a popular teacher: half of the reference models sit near it
    students = [f"m{i}" for i in range(4, 19)]
    distances.loc["m1", students] = distances.loc[students, "m1"] = 0.55
    cands, refs = ["m1", "m2", "m3"], [f"m{i}" for i in range(4, 30)]
    z, related = peer_verdicts(distances, "m0", cands, refs)
    assert not related[0]  # everyone resembles m1: the candidate-side null swallows it
    z_ex, related_ex = peer_verdicts(distances, "m0", cands, refs, exclusions={"m1": students})
    assert z_ex[0] > z[0] + 3 and related_ex[0]
    assert np.allclose(z_ex[1:], z[1:])  # other candidates keep their null


def test_peer_verdicts_credit_a_candidate_with_its_clade():
    distances = _star()
    distances.loc["m0", "m1"] = distances.loc["m1", "m0"] = 0.9  # the teacher itself is far
    distances.loc["m0", "m4"] = distances.loc["m4", "m0"] = 0.5  # its student is near
    cands, refs = ["m1", "m2", "m3"], [f"m{i}" for i in range(5, 30)]
    z, _ = peer_verdicts(distances, "m0", cands, refs)
    z_clade, related = peer_verdicts(distances, "m0", cands, refs, clades={"m1": ["m4"]})
    assert z_clade[0] > z[0] and related[0]


def test_llm_dna_without_projection_is_the_concatenation_distance():
    features = _embedded(n_prompts=6)
    peer = LLMDNA(dna_dim=None).fit(features)
    assert peer.dna_.shape == (len(features.corpus.models), 6 * 16)
    a, b = peer.dna_.loc["m2"].to_numpy(), peer.dna_.loc["m3"].to_numpy()
    assert peer.distances_.loc["m2", "m3"] == pytest.approx(np.linalg.norm(a - b))
    assert LLMDNA(dna_dim=10_000).fit(features).dna_.shape[1] == 6 * 16

"""Scale: sharded features and the streamed pairwise stage give today's numbers.

Everything here compares the bounded-memory path (features in Parquet
shards of whole prompts, evidence accumulated block by block) with the
in-memory path on the same data: affinities to 1e-9 relative, verdicts and
ranks exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from detector.corpus import load_corpus
from detector.demo import generate_demo
from detector.evidence import bootstrap_counts, build_evidence
from detector.features import FeatureOptions, compute_features
from detector.scoring import score
from detector.shards import ShardedFeatures, ShardPlan
from detector.similarity import SimilarityTensor
from detector.streaming import StreamedProfile, StreamedSimilarity
from detector.tree import lineage_tree

CHANNELS = ["style", "lexical", "identity"]  # no embedding model needed
RTOL = 1e-9


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) <= RTOL * scale


@pytest.fixture(scope="module")
def corpus():
    """The demo corpus with partial coverage and a second sample of some answers."""
    records, _ = generate_demo(0)
    records = records.copy()
    rng = np.random.default_rng(1)
    drop = rng.random(len(records)) < 0.08  # partial coverage
    extra = (
        records[~drop]
        .sample(40, random_state=2)
        .assign(output=lambda d: d["output"] + " (Answered again, a little differently.)")
    )
    extra["prompt_id"] = extra["prompt_id"] + "#s1"  # a second sample of 40 answers
    return load_corpus(pd.concat([records[~drop], extra], ignore_index=True))


@pytest.fixture(scope="module")
def features(corpus, tmp_path_factory):
    return compute_features(
        corpus, CHANNELS, cache_dir=tmp_path_factory.mktemp("cache"), progress=False
    )


def test_shard_plan_holds_whole_prompts_in_order(corpus):
    plan = ShardPlan.of(corpus.df, 150)
    assert len(plan) > 3
    order = plan.order
    assert sorted(order.tolist()) == list(range(len(corpus.df)))
    pids = corpus.df["prompt_id"].to_numpy()
    seen: set[str] = set()
    last = ""
    for rows in plan.rows:
        assert np.all(np.diff(rows) > 0)  # corpus order inside a shard
        prompts = set(pids[rows])
        assert not prompts & seen  # a prompt is in one shard only
        assert min(prompts) > last  # shards follow prompt-id order
        seen |= prompts
        last = max(prompts)


def _compare(streamed, memory, models=None) -> None:
    assert streamed.models == memory.models and streamed.prompt_ids == memory.prompt_ids
    for name in memory.channels:
        assert _close(streamed.channel_affinity(name), memory.channel_affinity(name))
        assert streamed.reliability[name] == pytest.approx(memory.reliability[name], rel=RTOL)
        assert streamed.scales[name] == pytest.approx(memory.scales[name], rel=RTOL, abs=1e-12)
    assert _close(streamed.combined_affinity(), memory.combined_affinity())
    np.testing.assert_array_equal(streamed.shared_prompts(), memory.shared_prompts())


def test_streamed_evidence_equals_in_memory(features, corpus):
    models = corpus.models[:8]
    prompts = corpus.prompt_ids[5:]
    kwargs = {"channels": CHANNELS, "models": models, "prompt_ids": prompts, "seed": 4}
    memory = build_evidence(features, **kwargs)
    streamed = build_evidence(
        features, streaming=True, n_bootstrap=30, options=FeatureOptions(shard_rows=130), **kwargs
    )
    assert isinstance(streamed.channels["lexical"], StreamedSimilarity)
    assert isinstance(streamed.channels["identity"], StreamedProfile)
    assert isinstance(memory.channels["lexical"], SimilarityTensor)
    _compare(streamed, memory)
    counts = bootstrap_counts(memory.n_prompts, 30, 4)
    rows = np.array([0, 3])
    a, b = streamed.bootstrap_affinities(counts, rows), memory.bootstrap_affinities(counts, rows)
    for key in b:
        assert _close(a[key], b[key]), key
    # weights that were not prepared cost one more pass, and agree too
    jackknife = np.ones((4, memory.n_prompts))
    jackknife[np.arange(memory.n_prompts) % 4, np.arange(memory.n_prompts)] = 0
    a, b = streamed.bootstrap_affinities(jackknife), memory.bootstrap_affinities(jackknife)
    assert _close(a["combined"], b["combined"])
    for name in ("style", "lexical"):
        va, ma = streamed.channels[name].pair_values(1, 5)
        vb, mb = memory.channels[name].pair_values(1, 5)
        np.testing.assert_array_equal(ma, mb)
        assert _close(va, vb)


def test_sharded_features_equal_whole_matrices(features, corpus, tmp_path):
    sharded = compute_features(corpus, CHANNELS, cache_dir=tmp_path, progress=False, shard_rows=170)
    assert isinstance(sharded, ShardedFeatures) and len(sharded.plan) > 3
    for name in CHANNELS:
        assert sharded.names[name] == features.names[name]
        a, b = sharded.matrices[name], features.matrices[name]
        if sp.issparse(b):
            assert (abs(a - b)).max() == 0
        else:
            np.testing.assert_array_equal(a, b)


def test_lexical_vocabulary_ties_broken_as_in_memory(corpus, tmp_path):
    """With a small max_terms the cut falls among terms of equal count."""
    from detector import lexical_stream as ls
    from detector.lexical import LexicalFingerprint

    df = corpus.df
    params = {"max_terms": 300, "min_df": 2}
    fp = LexicalFingerprint(**params)
    whole = fp.fit_transform(df)
    plan = ShardPlan.of(df, 111)
    words = ls.merge_word_stats(ls.word_stats(df.iloc[r]) for r in plan.rows)
    totals = ls.NgramTotals(3)
    index, names = pd.Index(words.index, dtype=object), ls._names(words, fp.name_share)
    for rows in plan.rows:
        totals.add(ls.ngram_stats(df.iloc[rows], rows, index, names, (1, 3)))
    vocab = ls.fitted_vocabulary(words, totals.result(), fp.get_params())
    assert list(vocab.get_feature_names_out()) == list(fp.get_feature_names_out())
    counts = sp.vstack([vocab.transform(df.iloc[r]) for r in plan.rows]).tocsr()
    inverse = np.empty(len(df), dtype=np.int64)
    inverse[plan.order] = np.arange(len(df))
    assert abs(counts[inverse] - whole).max() == 0
    totals_at_cut = np.sort(np.asarray(whole.sum(axis=0)).ravel())[:5]
    assert len(set(totals_at_cut.tolist())) < 5  # the cut did fall among ties


def test_score_and_tree_identical_when_streamed(features, corpus, tmp_path):
    sharded = compute_features(corpus, CHANNELS, cache_dir=tmp_path, progress=False, shard_rows=150)
    suspect = "student-of-atlas" if "student-of-atlas" in corpus.models else corpus.models[-1]
    a = score(features, suspect, channels=CHANNELS, n_bootstrap=40, seed=2)
    b = score(sharded, suspect, channels=CHANNELS, n_bootstrap=40, seed=2)
    assert a.verdict == b.verdict and a.level == b.level and a.best == b.best
    assert [c.model for c in a.candidates] == [c.model for c in b.candidates]
    for x, y in zip(a.candidates, b.candidates, strict=True):
        assert (x.related, x.rank, x.null_below, x.null_size, x.n_prompts) == (
            y.related, y.rank, y.null_below, y.null_size, y.n_prompts,
        )  # fmt: skip
        assert y.z == pytest.approx(x.z, rel=RTOL, abs=1e-12)
        assert y.ci == pytest.approx(x.ci, rel=RTOL, abs=1e-12)
    models = corpus.models[:6]
    ta = lineage_tree(features, models, n_bootstrap=20, channels=CHANNELS)
    tb = lineage_tree(sharded, models, n_bootstrap=20, channels=CHANNELS)
    assert ta.newick == tb.newick
    assert [c.support for c in ta.clades] == [c.support for c in tb.clades]


def test_interrupted_features_resume_from_finished_shards(corpus, tmp_path, monkeypatch):
    from detector.stylometry import StyleFeatures

    calls: list[int] = []
    original = StyleFeatures.transform
    interrupt = [True]

    def flaky(self, X):
        calls.append(len(X))
        if interrupt[0] and len(calls) == 4:
            raise KeyboardInterrupt("interrupted")
        return original(self, X)

    monkeypatch.setattr(StyleFeatures, "transform", flaky)
    with pytest.raises(KeyboardInterrupt):
        compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=150)
    n_shards = len(ShardPlan.of(corpus.df, 150))
    assert len(calls) == 4 < n_shards
    calls.clear()
    interrupt[0] = False
    resumed = compute_features(
        corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=150
    )
    assert len(calls) == n_shards - 3  # the three finished shards were not recomputed
    calls.clear()
    again = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=150)
    assert not calls  # everything from the shards
    whole = compute_features(corpus, ["style"], cache_dir=False, progress=False, shard_rows=0)
    np.testing.assert_array_equal(resumed.matrices["style"], whole.matrices["style"])
    np.testing.assert_array_equal(again.matrices["style"], whole.matrices["style"])


def test_damaged_shard_is_recomputed_with_a_warning(corpus, tmp_path):
    from detector.cache import CacheWarning

    first = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=300)
    path = first.store.path("style", first.keys["style"][1])
    path.write_bytes(path.read_bytes()[:-200])  # truncated
    with pytest.warns(CacheWarning):
        assert first.store.load("style", first.keys["style"][1], n_rows=5) is None
    assert not path.exists()
    again = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=300)
    np.testing.assert_array_equal(again.matrices["style"], first.matrices["style"])


def test_progress_names_each_stage_and_the_resumed_shards(corpus, tmp_path, capsys):
    compute_features(corpus, ["style"], cache_dir=tmp_path, progress=True, shard_rows=300)
    compute_features(corpus, ["style", "identity"], cache_dir=tmp_path, progress=True,
                     shard_rows=300)  # fmt: skip
    err = capsys.readouterr().err
    assert "stylometry: " in err and "shards" in err
    assert "already computed" in err and "identity leaks: " in err


def test_distributed_results_equal_local(features, corpus, tmp_path):
    pytest.importorskip("distributed")
    from detector.executor import DaskExecutor

    kwargs = {"channels": CHANNELS, "seed": 1, "n_bootstrap": 10}
    local_features = compute_features(
        corpus, CHANNELS, cache_dir=tmp_path / "a", progress=False, shard_rows=200
    )
    local = build_evidence(local_features, **kwargs)
    with DaskExecutor(n_workers=2, processes=False) as engine:
        remote_features = compute_features(
            corpus, CHANNELS, cache_dir=tmp_path / "b", progress=False, shard_rows=200,
            executor=engine,
        )  # fmt: skip
        remote = build_evidence(remote_features, options=FeatureOptions(executor=engine), **kwargs)
    for name in CHANNELS:
        a, b = local_features.matrices[name], remote_features.matrices[name]
        assert (abs(a - b)).max() == 0 if sp.issparse(a) else np.array_equal(a, b)
    _compare(remote, local)
    counts = bootstrap_counts(local.n_prompts, 10, 1, local.draw_order)  # as prepared
    np.testing.assert_array_equal(
        remote.bootstrap_affinities(counts)["combined"],
        local.bootstrap_affinities(counts)["combined"],
    )


@pytest.mark.realdata
@pytest.mark.slow
def test_real_corpus_streamed_equals_in_memory(dev_corpus_path, tmp_path):
    corpus = load_corpus(dev_corpus_path)
    whole = compute_features(corpus, CHANNELS, cache_dir=tmp_path, progress=False, shard_rows=0)
    sharded = compute_features(
        corpus, CHANNELS, cache_dir=tmp_path, progress=False, shard_rows=4000
    )
    for name in CHANNELS:
        a, b = sharded.matrices[name], whole.matrices[name]
        assert (abs(a - b)).max() == 0 if sp.issparse(b) else np.array_equal(a, b)
    memory = build_evidence(whole, channels=CHANNELS, n_bootstrap=50)
    streamed = build_evidence(sharded, channels=CHANNELS, n_bootstrap=50)
    _compare(streamed, memory)
    for suspect in ("alpaca-7b", "vicuna-13b"):
        a = score(memory, suspect, n_bootstrap=50)
        b = score(streamed, suspect, n_bootstrap=50)
        assert a.verdict == b.verdict
        assert [(c.model, c.rank, c.related) for c in a.candidates] == [
            (c.model, c.rank, c.related) for c in b.candidates
        ]
        assert [c.z for c in b.candidates] == pytest.approx([c.z for c in a.candidates], rel=RTOL)


def test_streamed_on_the_torch_kernel_equals_in_memory(features, corpus, monkeypatch):
    """The GPU code path of the pairwise stage, run with torch on the CPU, gives the same numbers."""
    pytest.importorskip("torch")
    import detector.similarity_torch as simt

    monkeypatch.setattr(simt, "backend_for", lambda device: "torch")
    kwargs = {"channels": CHANNELS, "models": corpus.models[:8], "seed": 4}
    memory = build_evidence(features, **kwargs)
    options = FeatureOptions(shard_rows=130, device="cpu")
    streamed = build_evidence(features, streaming=True, n_bootstrap=20, options=options, **kwargs)
    _compare(streamed, memory)
    counts = bootstrap_counts(memory.n_prompts, 20, 4)
    a, b = streamed.bootstrap_affinities(counts), memory.bootstrap_affinities(counts)
    for key in b:
        assert _close(a[key], b[key]), key
    va, ma = streamed.channels["lexical"].pair_values(1, 5)
    vb, mb = memory.channels["lexical"].pair_values(1, 5)
    np.testing.assert_array_equal(ma, mb)
    assert _close(va, vb)


def test_asking_for_a_sharded_channel_loads_nothing(corpus, tmp_path, monkeypatch):
    """``name in features.matrices`` (as_features asks it) must not read the whole channel."""
    sharded = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False,
                               shard_rows=200)  # fmt: skip
    monkeypatch.setattr(ShardedFeatures, "whole", lambda self, name: pytest.fail("loaded"))
    assert "style" in sharded.matrices and "lexical" not in sharded.matrices
    build_evidence(sharded, channels=["style"], streaming=True)


def test_a_shard_changed_after_it_was_read_is_checked_again(corpus, tmp_path):
    """The checksum is taken once per process, and again when the file changes."""
    from detector.cache import CacheWarning

    first = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False, shard_rows=300)
    key, n = first.keys["style"][0], len(first.plan.rows[0])
    assert first.store.load("style", key, n_rows=n) is not None  # verified
    path = first.store.path("style", key)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    flat = table.column("values").combine_chunks().flatten().to_numpy().copy()
    flat[0] += 1.0  # same shape, same metadata, another value: the checksum differs
    width = len(flat) // n
    bad = pa.table({"values": pa.FixedSizeListArray.from_arrays(pa.array(flat), width)})
    pq.write_table(bad.replace_schema_metadata(table.schema.metadata), path, compression="zstd")
    with pytest.warns(CacheWarning, match="checksum"):
        assert first.store.load("style", key, n_rows=n) is None


def test_warm_sharded_run_of_a_wide_hashed_channel(corpus, tmp_path):
    """Every shard found: a wide channel's names (kept as a hash only) come from its transformer."""
    first = compute_features(corpus, ["opening"], cache_dir=tmp_path, progress=False,
                             shard_rows=300)  # fmt: skip
    again = compute_features(corpus, ["opening"], cache_dir=tmp_path, progress=False,
                             shard_rows=300)  # fmt: skip
    assert again.names["opening"] == first.names["opening"] and len(first.names["opening"]) > 2048

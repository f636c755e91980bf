"""One contract for every registered channel, in memory and in shards.

As scikit-learn checks every estimator with one shared suite, each channel of
:data:`detector.channels.REGISTRY` is run here on one tiny corpus (answers
and, for some models, reasoning traces) and must keep the same promises: one
row per output and one name per column, a preparation whose per-row part
agrees with it, a table and descriptions for ``provenance features`` and the
report, a cache entry that reads back equal, and the same matrix whether the
corpus is computed whole or in shards of a few prompts. A new channel gets
these checks by being registered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from detector import channels as registry
from detector.cache import FeatureCache
from detector.cli import main
from detector.corpus import load_corpus
from detector.features import compute_features
from detector.scaling import standardize

from .reasoning_corpus import reasoning_rows

CHANNELS = list(registry.REGISTRY)
SHARD_ROWS = 8  # fewer than one prompt's outputs: every prompt is a shard of its own
#: Embeddings are model inference: batches of other texts change the last bits of a
#: vector (in fp32; its third decimal in bf16), so they are compared in fp32, to 1e-5.
OPTIONS = {"precision": "fp32", "progress": False}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(pd.DataFrame(reasoning_rows(n_prompts=8)))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("contract-cache")


@pytest.fixture(scope="module")
def memory(corpus, cache_dir):
    """Every channel computed whole (and cached in ``cache_dir``)."""
    return compute_features(corpus, CHANNELS, cache_dir=cache_dir, shard_rows=0, **OPTIONS)


@pytest.fixture(scope="module")
def sharded(corpus, tmp_path_factory):
    """Every channel computed shard by shard, in a cache folder of its own."""
    folder = tmp_path_factory.mktemp("contract-shards")
    return compute_features(corpus, CHANNELS, cache_dir=folder, shard_rows=SHARD_ROWS, **OPTIONS)


def _dense(matrix):
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _assert_same(name, actual, expected):
    """Equal to the last bit, or to 1e-5 for the embedding model's vectors (see OPTIONS)."""
    if registry.get(name).uses_embedding_model:
        np.testing.assert_allclose(_dense(actual), _dense(expected), rtol=0, atol=1e-5)
    else:
        np.testing.assert_array_equal(_dense(actual), _dense(expected))


def test_the_corpus_exercises_every_kind_of_channel(corpus, sharded):
    has_trace = corpus.df["reasoning"].fillna("") != ""
    assert has_trace.any() and not has_trace.all()
    assert len(sharded.plan) == corpus.n_prompts  # one prompt per shard
    kinds = {s.similarity for s in registry.REGISTRY.values()}
    assert {"distance", "cosine", "profile"} <= kinds


@pytest.mark.parametrize("name", CHANNELS)
def test_rows_and_names(name, corpus, memory):
    spec = registry.get(name)
    matrix, names = memory.matrices[name], memory.names[name]
    assert matrix.shape == (len(corpus.df), len(names))
    assert sp.issparse(matrix) == spec.sparse
    assert all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names)
    assert np.isfinite(_dense(matrix)).all()


@pytest.mark.parametrize("name", CHANNELS)
def test_prepare_and_row_prepare_agree(name, memory):
    spec = registry.get(name)
    matrix, names = memory.matrices[name], memory.names[name]
    prepared = spec.prepare(matrix, names)
    if spec.similarity == "profile":
        claims, claim_names = prepared
        assert claims.shape == (matrix.shape[0], len(claim_names))
        assert spec.row_prepare is None  # a model-level profile has no per-row z-scores
        return
    assert prepared.shape[0] == matrix.shape[0]
    if spec.row_prepare is not None:
        np.testing.assert_allclose(
            _dense(prepared), standardize(_dense(spec.row_prepare(matrix, names))), atol=1e-12
        )
    if spec.covariates is not None:
        assert spec.covariates(matrix, names).shape[0] == matrix.shape[0]


@pytest.mark.parametrize("name", CHANNELS)
def test_table_and_descriptions(name, corpus, memory):
    spec = registry.get(name)
    matrix, names = memory.matrices[name], memory.names[name]
    table = spec.table(matrix, names)
    assert isinstance(table, pd.DataFrame) and len(table) == len(corpus.df)
    assert not {"model", "prompt_id"} & set(table.columns)
    assert spec.label and spec.description.strip() and spec.name == name
    if spec.describe_feature is not None:
        for feature in names[:20]:
            text = spec.describe_feature(feature, 2.0, 1.0, (0.5, 0.25))
            assert isinstance(text, str) and text.strip()


@pytest.mark.parametrize("name", CHANNELS)
def test_cache_round_trip(name, corpus, memory, cache_dir):
    store = FeatureCache(cache_dir)
    again = compute_features(corpus, [name], cache_dir=cache_dir, shard_rows=0, **OPTIONS)
    assert again.names[name] == memory.names[name]
    np.testing.assert_array_equal(_dense(again.matrices[name]), _dense(memory.matrices[name]))
    assert any(p.name.startswith(f"{name}-") for p in store.folder.rglob("*"))


@pytest.mark.parametrize("name", CHANNELS)
def test_in_memory_and_sharded_agree(name, memory, sharded):
    assert sharded.names[name] == memory.names[name]
    whole, parts = memory.matrices[name], sharded.matrices[name]
    assert sp.issparse(parts) == sp.issparse(whole)
    assert parts.dtype == whole.dtype
    _assert_same(name, parts, whole)


@pytest.mark.parametrize("name", CHANNELS)
def test_sharded_blocks_are_the_plan_rows(name, sharded, memory):
    for b, rows in enumerate(sharded.plan.rows):
        _assert_same(name, sharded.block(name, b), _dense(memory.matrices[name])[rows])


def test_cli_features_of_every_channel_in_shards(corpus, tmp_path, capsys):
    path = tmp_path / "outputs.jsonl"
    pd.DataFrame(reasoning_rows(n_prompts=8)).to_json(path, orient="records", lines=True)
    for name in CHANNELS:
        out = tmp_path / f"{name}.csv"
        argv = ["features", str(path), "--channels", name, "--shard-rows", str(SHARD_ROWS)]
        code = main([*argv, "--out", str(out), "--cache-dir", str(tmp_path / "c")])
        assert code == 0, capsys.readouterr().err
        assert len(pd.read_csv(out)) == len(corpus.df)

"""The feature-matrix cache checks every entry against what it claims (detector.cache)."""

from __future__ import annotations

import json
import multiprocessing
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from detector.cache import CacheWarning, FeatureCache, content_key
from detector.corpus import load_corpus
from detector.features import compute_features

from .conftest import make_records


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "outputs.jsonl"
    make_records(3, 6).to_json(path, orient="records", lines=True)
    return load_corpus(path)


def _entry(cache_dir: Path, channel: str) -> Path:
    (path,) = (cache_dir / "features").glob(f"{channel}-*.npz")
    return path


def _rewrite(path: Path, **changes) -> None:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(changes)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_warm_run_reads_the_cache(corpus, tmp_path):
    first = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(first.matrices["style"], again.matrices["style"])


@pytest.mark.parametrize(
    "damage",
    ["rows", "values", "nan", "names", "truncated", "key"],
)
def test_damaged_entry_is_recomputed_with_a_warning(corpus, tmp_path, damage):
    good = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)
    path = _entry(tmp_path, "style")
    data = good.matrices["style"]
    if damage == "rows":  # an entry with the wrong number of rows (and a fresh checksum)
        from detector.cache import _arrays_checksum

        short = data[:5]
        names = good.names["style"]
        meta = {"key": path.stem.split("-", 1)[1], "n_rows": 5}
        meta["checksum"] = _arrays_checksum({"data": short}, names)
        _rewrite(path, data=short, meta=np.asarray(json.dumps(meta)))
    elif damage == "values":
        altered = data.copy()
        altered[0, 0] += 1.0
        _rewrite(path, data=altered)
    elif damage == "nan":
        altered = data.copy()
        altered[1, 2] = np.nan
        _rewrite(path, data=altered)
    elif damage == "names":
        _rewrite(path, names=np.asarray(["x"] * data.shape[1]))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "key":  # another corpus's entry copied under this name
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
        _rewrite(path, meta=np.asarray(json.dumps({**meta, "key": "0" * 24})))
    with pytest.warns(CacheWarning, match="recomputing"):
        again = compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(again.matrices["style"], data)
    # the recomputed entry replaced the damaged one
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compute_features(corpus, ["style"], cache_dir=tmp_path, progress=False)


def test_entry_under_another_key_is_refused(tmp_path):
    store = FeatureCache(tmp_path)
    store.save("style", "a" * 24, np.ones((3, 2)), ["x", "y"])
    store.path("style", "a" * 24).rename(store.path("style", "b" * 24))
    with pytest.warns(CacheWarning, match="key does not match"):
        assert store.load("style", "b" * 24, n_rows=3) is None


def test_sparse_entries_round_trip(tmp_path):
    store = FeatureCache(tmp_path)
    m = sp.random(20, 50, density=0.1, format="csr", random_state=0)
    store.save("lexical", "k" * 24, m, [f"t{i}" for i in range(50)])
    loaded, names = store.load("lexical", "k" * 24, n_rows=20)
    assert (loaded != m).nnz == 0 and names[3] == "t3"
    with pytest.warns(CacheWarning, match="rows"):
        assert store.load("lexical", "k" * 24, n_rows=21) is None


def test_unwritable_cache_folder_warns_and_the_run_goes_on(corpus, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(CacheWarning, match="cannot be written"):
        features = compute_features(
            corpus, ["style", "identity"], cache_dir=blocker / "cache", progress=False
        )
    assert features.matrices["style"].shape[0] == len(corpus.df)


def _save_many(folder: str, worker: int, n: int) -> int:
    store = FeatureCache(folder)
    rng = np.random.default_rng(worker)
    for _ in range(n):
        store.save("style", "c" * 24, rng.normal(size=(50, 8)), [f"f{i}" for i in range(8)])
    return store.stats.writes


def test_concurrent_writers_never_collide(tmp_path):
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        writes = pool.starmap(_save_many, [(str(tmp_path), w, 40) for w in range(2)])
    assert writes == [40, 40]
    store = FeatureCache(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matrix, _ = store.load("style", "c" * 24, n_rows=50)
    assert matrix.shape == (50, 8)
    assert [p.name for p in (tmp_path / "features").iterdir()] == ["style-" + "c" * 24 + ".npz"]


def test_content_key_depends_on_every_part():
    assert content_key("a", "style", {}) != content_key("b", "style", {})
    assert content_key("a", "style", {"space": 1}) != content_key("a", "style", {"space": 2})


def test_one_identity_warm_embedding_run_loads_no_model(corpus, tmp_path, monkeypatch):
    """The feature cache keys embeddings by the model's key space, remembered per model files."""
    import detector.embeddings as embeddings

    first = compute_features(corpus, ["embedding"], cache_dir=tmp_path, progress=False)
    space = embeddings.embedding_space(cache_dir=tmp_path)
    (entry,) = (tmp_path / "features").glob("embedding-*.npz")

    def no_loading(*args, **kwargs):
        raise AssertionError("the model was loaded on a warm run")

    monkeypatch.setattr(embeddings, "load_model", no_loading)
    again = compute_features(corpus, ["embedding"], cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(first.matrices["embedding"], again.matrices["embedding"])
    assert embeddings.embedding_space(cache_dir=tmp_path) == space
    assert entry.exists()

"""Caches are not trusted blindly (issue 16, kind 1): end to end through the command line.

Library-level cases (every kind of damaged feature-cache entry, a damaged
SQLite embedding store, an unwritable folder, concurrent feature-cache writers)
are in tests/test_cache.py and tests/test_embeddings.py (see this package's
map). Here: a damaged entry met by ``score`` (it used to end in a traceback,
and ``features`` in a table of NaN rows), an unusable cache folder met by
``score``, and several processes writing one SQLite embedding store.
"""

from __future__ import annotations

import json
import multiprocessing
import warnings

import numpy as np

from .conftest import CHANNELS, run


def _score(data, cache, capsys):
    argv = ["score", data, "--suspect", "student-of-atlas", "--channels", CHANNELS]
    return run(argv + ["--bootstrap", "5", "--cache-dir", cache, "--format", "json"], capsys)


def test_damaged_feature_entry_is_recomputed_by_score(small_demo, tmp_path, capsys):
    cache = tmp_path / "cache"
    code, clean_out, err = _score(small_demo, cache, capsys)
    assert code == 0, err
    (entry,) = (cache / "features").glob("style-*.npz")
    with np.load(entry, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    arrays["data"] = arrays["data"][:7]  # an entry for another corpus's row count
    arrays["meta"] = np.asarray(json.dumps({**meta, "n_rows": 7}))
    with open(entry, "wb") as fh:
        np.savez(fh, **arrays)
    code, out, err = _score(small_demo, cache, capsys)
    assert code == 0 and "Traceback" not in err
    warning = [line for line in err.splitlines() if line.startswith("provenance: warning:")]
    assert len(warning) == 1 and "recomputing" in warning[0] and entry.name in warning[0]
    assert json.loads(out)["candidates"] == json.loads(clean_out)["candidates"]


def test_unusable_cache_folder_warns_and_score_goes_on(small_demo, tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("where the cache folder should be")
    code, out, err = _score(small_demo, blocker / "cache", capsys)
    assert code == 0, err
    assert json.loads(out)["candidates"]
    warning = [line for line in err.splitlines() if line.startswith("provenance: warning:")]
    assert warning and "--cache-dir" in warning[0] and "`" not in warning[0]


def _put_many(folder: str, worker: int) -> list[str]:
    from detector.cache import EmbeddingCache

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = EmbeddingCache(folder)
        for r in range(20):
            own = {f"{worker}-{r}-{i}": np.full(8, worker, np.float32) for i in range(10)}
            store.put_many("space", own)
            store.put_many("space", {f"shared-{i}": np.ones(8, np.float32) for i in range(10)})
        store.close()
    return [str(w.message) for w in caught]


def test_concurrent_embedding_store_writers(tmp_path):
    """Four processes writing one SQLite store at once: no warning, nothing lost."""
    from detector.cache import EmbeddingCache

    with multiprocessing.get_context("fork").Pool(4) as pool:
        caught = pool.starmap(_put_many, [(str(tmp_path), w) for w in range(4)])
    assert caught == [[], [], [], []]
    store = EmbeddingCache(tmp_path)
    assert store.count("space") == 4 * 20 * 10 + 10
    found = store.get_many("space", ["3-19-9", "shared-0"], 8)
    assert found["3-19-9"].tolist() == [3.0] * 8 and store.stats.corrupt == 0


def _busy_for(calls: int):
    """A stand-in for EmbeddingCache._prepare that reports SQLITE_BUSY ``calls`` times."""
    import sqlite3

    from detector.cache import EmbeddingCache

    real, seen = EmbeddingCache._prepare, {"n": 0}

    def prepare(conn):
        seen["n"] += 1
        if seen["n"] <= calls:
            raise sqlite3.OperationalError("database is locked")
        return real(conn)

    return staticmethod(prepare), seen


def test_store_busy_at_open_is_tried_again(tmp_path, monkeypatch):
    """SQLITE_BUSY at open (no busy handler then) is retried, silently, until the store opens."""
    from detector import cache

    prepare, seen = _busy_for(2)
    monkeypatch.setattr(cache.EmbeddingCache, "_prepare", prepare)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = cache.EmbeddingCache(tmp_path)
    assert store.enabled and seen["n"] == 3


def test_store_busy_for_good_turns_the_cache_off_with_one_warning(tmp_path, monkeypatch):
    from detector import cache

    prepare, seen = _busy_for(10**6)
    monkeypatch.setattr(cache.EmbeddingCache, "_prepare", prepare)
    monkeypatch.setattr(cache, "_OPEN_BACKOFF_S", (0.0, 0.0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = cache.EmbeddingCache(tmp_path)
    assert not store.enabled and seen["n"] == 3
    assert len(caught) == 1 and "database is locked" in str(caught[0].message)

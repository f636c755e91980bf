"""Texts on disk: memory-mapped text columns and Parquet read in batches give the same corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from detector.corpus import load_corpus, load_corpus_streamed
from detector.demo import generate_demo
from detector.errors import ProvenanceError
from detector.features import compute_features
from detector.text_store import TextSpool


def test_spool_maps_texts_back_as_a_str_column():
    spool = TextSpool(["output"])
    spool.append({"output": ["héllo", "", None, "wörld 日本"]})
    spool.append(pd.DataFrame({"output": ["x" * 10, "y"]}))
    column = pd.Series(spool.column("output"))
    assert column.tolist() == ["héllo", "", "", "wörld 日本", "x" * 10, "y"]
    assert column.dtype == pd.Series(["a"]).dtype
    assert column.iloc[[5, 3]].tolist() == ["y", "wörld 日本"]
    assert spool.nbytes == len("héllowörld 日本xxxxxxxxxxy".encode())


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory):
    records, _ = generate_demo(0)
    path = tmp_path_factory.mktemp("parquet") / "outputs.parquet"
    records.sample(frac=1, random_state=0).to_parquet(path)
    return path


def test_streamed_load_equals_the_whole_load(shuffled):
    whole = load_corpus(shuffled)
    streamed = load_corpus_streamed([shuffled], batch_rows=97)
    pd.testing.assert_frame_equal(streamed.df, whole.df, check_dtype=False)
    assert streamed.problems == whole.problems
    assert streamed.content_hash() == whole.content_hash()
    forced = load_corpus(shuffled, texts_on_disk=True)
    pd.testing.assert_frame_equal(forced.df, whole.df, check_dtype=False)


def test_features_of_a_corpus_on_disk_equal_in_memory(shuffled, tmp_path):
    channels = ["style", "lexical", "identity"]
    whole = compute_features(load_corpus(shuffled), channels, cache_dir=False, progress=False)
    streamed = compute_features(load_corpus_streamed([shuffled], batch_rows=200), channels,
                                cache_dir=tmp_path, progress=False, shard_rows=150)  # fmt: skip
    for name in channels:
        a, b = streamed.matrices[name], whole.matrices[name]
        assert (abs(a - b)).max() == 0 if sp.issparse(b) else np.array_equal(a, b)


def test_across_batches_prompt_ids_and_repeats_are_checked(tmp_path):
    rows = [{"model": "a", "prompt_id": "1", "prompt": "Hi?", "output": "Hello."},
            {"model": "b", "prompt_id": "1", "prompt": "Hi?", "output": "Hey."},
            {"model": "a", "prompt_id": "1", "prompt": "Hi?", "output": "Hello again."},
            {"model": "b", "prompt_id": "1", "prompt": "Bye?", "output": "Bye."}]  # fmt: skip
    path = tmp_path / "clash.parquet"
    pd.DataFrame(rows).to_parquet(path)
    with pytest.raises(ProvenanceError, match="prompt id '1'"):
        load_corpus_streamed([path], batch_rows=2)
    pd.DataFrame(rows[:3]).to_parquet(path)
    corpus = load_corpus_streamed([path], batch_rows=2)
    assert corpus.df.loc[corpus.df["model"] == "a", "sample"].tolist() == [0, 1]

"""Device and engine plumbing, checked on the CPU (no GPU needed)."""

from __future__ import annotations

import pytest

from detector.errors import ProvenanceError
from detector.executor import LocalExecutor, make_executor
from detector.features import compute_features
from tests.conftest import make_records


def test_check_device_accepts_cpu_and_refuses_bad_or_absent_devices():
    import torch

    from detector.devices import check_device

    check_device(None)
    check_device("cpu")
    with pytest.raises(ProvenanceError, match="unknown device 'gpu'"):
        check_device("gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ProvenanceError, match="torch sees 0 CUDA GPU"):
            check_device("cuda:0")


def test_fp16_is_refused_on_the_cpu():
    from detector.embeddings import Embedder

    with pytest.raises(ProvenanceError, match="fp16 needs a CUDA device"):
        Embedder(cache_dir=False, precision="fp16", device="cpu", show_progress=False)


def test_device_reaches_the_embedding_model(monkeypatch, tmp_path):
    import detector.embedding_models as emb
    from detector.corpus import load_corpus

    seen: list[str | None] = []
    real = emb.check_device
    monkeypatch.setattr(emb, "check_device", lambda d: (seen.append(d), real(d))[1])
    corpus = load_corpus(make_records(3, 4))
    features = compute_features(
        corpus, ["embedding"], device="cpu", cache_dir=tmp_path, progress=False
    )
    assert features.matrices["embedding"].shape == (12, 384)
    assert seen and set(seen) == {"cpu"}


def test_make_executor():
    assert isinstance(make_executor(None), LocalExecutor)
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(ProvenanceError, match="unknown engine 'spark'"):
        make_executor("spark")
    assert list(LocalExecutor().map(lambda x, s: x * s, [1, 2, 3], shared=10)) == [10, 20, 30]


def test_cli_device_and_engine_errors_are_one_line(tmp_path, capsys):
    from detector.cli import main

    path = tmp_path / "c.csv"
    make_records(3, 4).to_csv(path, index=False)
    out = tmp_path / "f.parquet"
    code = main(["features", str(path), "--out", str(out), "--device", "tpu7"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown device 'tpu7'" in err and "--device" in err
    assert len(err.strip().splitlines()) == 1
    code = main(["features", str(path), "--out", str(out), "--scheduler", "tcp://x:1"])
    err = capsys.readouterr().err
    assert code == 2 and "--scheduler needs --engine dask" in err


def test_cli_shard_rows_writes_the_same_table(tmp_path, capsys):
    import pandas as pd

    from detector.cli import main

    path = tmp_path / "c.csv"
    make_records(4, 12).to_csv(path, index=False)
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    base = ["features", str(path), "--channels", "style,identity", "--no-progress"]
    assert main([*base, "--out", str(a), "--shard-rows", "0"]) == 0
    assert main([*base, "--out", str(b), "--shard-rows", "10"]) == 0
    whole, sharded = pd.read_parquet(a), pd.read_parquet(b)
    key = ["model", "prompt_id"]
    pd.testing.assert_frame_equal(
        whole.sort_values(key).reset_index(drop=True),
        sharded.sort_values(key).reset_index(drop=True),
    )
    table = tmp_path / "table.csv"
    assert main([*base, "--out", str(table), "--shard-rows", "10"]) == 0
    assert len(pd.read_csv(table)) == len(whole)

"""Shared fixtures: small corpora the tests build, and the optional real corpus."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DEV_CORPUS = Path(
    os.environ.get("PROVENANCE_DEV_CORPUS", REPO.parent / "shared/corpora/alpaca_eval")
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own embedding cache unless it sets one itself."""
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def dev_corpus_path() -> Path:
    """The real AlpacaEval corpus; the test is skipped when it is absent."""
    if not (DEV_CORPUS / "results").is_dir():
        pytest.skip(f"real corpus not found at {DEV_CORPUS}")
    return DEV_CORPUS


def make_records(n_models: int = 3, n_prompts: int = 5) -> pd.DataFrame:
    """A tiny table: model m_i answers prompt p_j with a short distinct text."""
    rows = [
        {
            "model": f"m{i}",
            "prompt": f"Question number {j}: explain topic {j}.",
            "output": f"Model {i} answers question {j} in its own words, style {i}.",
        }
        for i in range(n_models)
        for j in range(n_prompts)
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def records() -> pd.DataFrame:
    return make_records()


def single_channel_evidence(models: list[str], sims: np.ndarray):
    """Evidence with one "style" channel of given per-prompt similarities, shape (P, M, M)."""
    from detector.evidence import Evidence
    from detector.similarity import SimilarityTensor

    prompt_ids = [f"p{i}" for i in range(len(sims))]
    channel = SimilarityTensor(
        "style", list(models), prompt_ids, sims, np.ones_like(sims, dtype=bool)
    )
    off = channel.affinity()[~np.eye(len(models), dtype=bool)]
    return Evidence(
        list(models),
        prompt_ids,
        {"style": channel},
        scales={"style": (float(off.mean()), float(off.std()))},
        reliability={"style": 1.0},
        weights={"style": 1.0},
    )


def pytest_collection_modifyitems(config, items):
    """Mark the fault-injection suite (tests/faults and the tests its map lists) ``faults``."""
    from .faults import in_suite

    root = Path(str(config.rootpath))
    for item in items:
        nodeid = Path(str(item.path)).relative_to(root).as_posix()
        nodeid += item.nodeid[item.nodeid.index("::") :] if "::" in item.nodeid else ""
        if in_suite(nodeid):
            item.add_marker(pytest.mark.faults)

"""Shared fixtures: small corpora the tests build, and the optional real corpus."""

from __future__ import annotations

import os
from pathlib import Path

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

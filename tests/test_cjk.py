"""Chinese and Japanese text in the stylometric and lexical channels (detector.cjk).

English features must not change: ``data/english_features_reference.json`` holds
values computed before CJK text was handled (style features of a few texts and
of the demo corpus, the lexical n-grams and counts of the demo corpus, identity
counts), and the tests compare against them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.cjk import has_cjk, join_words, word_counts
from detector.corpus import load_corpus
from detector.identity import IdentityLeaks
from detector.lexical import LexicalFingerprint, tokenize
from detector.stylometry import StyleFeatures, style_frame

DATA = Path(__file__).parent / "data"
REFERENCE = json.loads((DATA / "english_features_reference.json").read_text(encoding="utf-8"))
DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "outputs.jsonl"


# ------------------------------------------------------------------ English unchanged
def test_english_style_features_unchanged():
    values = StyleFeatures().transform(REFERENCE["texts"])
    np.testing.assert_allclose(values, np.array(REFERENCE["style"]), rtol=1e-13, atol=0)


def test_english_tokens_unchanged():
    prompt = "Give me advice on headings."
    assert [tokenize(t, prompt) for t in REFERENCE["texts"]] == REFERENCE["tokens"]


@pytest.fixture(scope="module")
def demo():
    if not DEMO.exists():
        pytest.skip("the demo corpus is not in this checkout")
    return load_corpus(DEMO)


def test_english_demo_corpus_features_unchanged(demo):
    style = StyleFeatures().transform(demo.df["output"])
    np.testing.assert_allclose(
        style.sum(axis=0), REFERENCE["demo_style_column_sums"], rtol=1e-12, atol=1e-9
    )
    lex = LexicalFingerprint()
    counts = lex.fit_transform(demo.df).tocsr()
    counts.sort_indices()
    terms = [str(t) for t in lex.get_feature_names_out()]
    assert len(terms) == REFERENCE["demo_lexical_n_terms"]
    assert hashlib.sha256("\n".join(terms).encode()).hexdigest() == (
        REFERENCE["demo_lexical_terms_sha256"]
    )
    digest = hashlib.sha256()
    for a in (counts.indptr, counts.indices, counts.data):
        digest.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
    assert digest.hexdigest() == REFERENCE["demo_lexical_counts_sha256"]
    assert lex.z_pool_.to_numpy().sum() == pytest.approx(REFERENCE["demo_lexical_z_sum"], 1e-12)
    # identity: the columns there were (Chinese vendors were added after them)
    est = IdentityLeaks().fit()
    ident = est.transform(REFERENCE["texts"] + demo.df["output"].tolist())
    column = {str(n): i for i, n in enumerate(est.get_feature_names_out())}
    old = ident[:, [column[n] for n in REFERENCE["identity_names"]]]
    assert hashlib.sha256(np.ascontiguousarray(old, dtype=np.int64).tobytes()).hexdigest() == (
        REFERENCE["identity_sha256"]
    )

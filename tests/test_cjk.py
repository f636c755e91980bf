"""Chinese and Japanese text in the stylometric and lexical channels (detector.cjk).

English features must not change: ``data/english_features_reference.json`` holds
values computed before CJK text was handled (style features of a few texts and
of the demo corpus, the lexical n-grams and counts of the demo corpus, identity
counts), and the tests compare against them.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector import channels as registry
from detector.cache import content_key
from detector.cjk import has_cjk, join_words, word_counts
from detector.corpus import load_corpus
from detector.features import FeatureOptions
from detector.identity import IdentityLeaks, find_leaks
from detector.inspection import inspect
from detector.lexical import LexicalFingerprint, tokenize
from detector.scoring import score
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
    assert (
        hashlib.sha256("\n".join(terms).encode()).hexdigest()
        == (REFERENCE["demo_lexical_terms_sha256"])
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
    assert (
        hashlib.sha256(np.ascontiguousarray(old, dtype=np.int64).tobytes()).hexdigest()
        == (REFERENCE["identity_sha256"])
    )


# ------------------------------------------------------------------ CJK text
ANSWER = (
    "当然！以下是一些实用的建议。\n\n### 要点\n\n- **每天固定时间上床**。\n- **睡前远离手机**。"
    "\n\n1）多听。\n2、少说，好吗？\n\n总而言之，这需要坚持。希望这对你有帮助!谢谢"
)


def test_style_counts_cjk_by_character_and_sentence():
    f = style_frame([ANSWER]).iloc[0]
    hanzi = sum(has_cjk(ch) for ch in ANSWER)
    assert f["n_words"] == hanzi == 53  # every Han character a word (list numbers are not)
    assert f["word_chars_mean"] == 1.0
    # 当然！| 以下…建议。| 要点 | 每天…上床。| 睡前…手机。| 多听。| 少说，好吗？| 总而言之…坚持。|
    # 希望…帮助! | 谢谢
    assert f["n_sentences"] == 10
    n = len(ANSWER)
    assert f["comma"] == pytest.approx(2 / n * 1000)  # the full-width ， twice
    assert f["exclamation"] == pytest.approx(2 / n * 1000)  # ！ and !
    assert f["question"] == pytest.approx(1 / n * 1000)
    assert f["md_numbered"] > 0 and f["md_bullet"] > 0 and f["md_heading"] > 0
    # before CJK text was handled, the whole clause was one word
    assert style_frame(["每天固定时间上床和起床。"]).iloc[0]["n_words"] == 11


def test_lexical_ngrams_of_cjk_are_character_ngrams():
    terms = tokenize("每天固定时间上床。DeepSeek 很好", ngram_range=(1, 2))
    assert {"每", "天", "每 天", "上 床", "很", "很 好"} <= set(terms)
    assert "每天固定时间上床" not in terms and "床 很" not in terms  # 。 is a boundary
    # prompt words go as the character bigrams of the prompt, not character by character
    kept = tokenize("提高睡眠质量需要好的习惯，高手也睡觉。", "如何提高睡眠质量？", (1, 1))
    assert kept == ["需", "要", "好", "的", "习", "惯", "高", "手", "也", "睡", "觉"]


def test_lexical_fingerprint_finds_the_chinese_student(case09):
    lex = LexicalFingerprint()
    lex.fit(case09.df)
    sims = lex.similarity_matrix()["student-of-xinghe"].drop("student-of-xinghe")
    assert sims.idxmax() == "xinghe" and sims["xinghe"] > 0.5
    top = lex.overused("xinghe", top=40)["term"].tolist()
    assert "值 得" in top
    assert not any(has_cjk(t) for t in lex.z_human_.columns)  # not compared with English


def test_word_counts_and_joined_terms():
    counts = word_counts(pd.Series(["hello world - x", "当然！以下是 DeepSeek-R1 的建议。", ""]))
    assert counts.tolist() == [4, 9, 0]  # English as str.split counts it
    assert join_words(["§", "当", "然", "is", "ok"]) == "§ 当然 is ok"
    from detector.ngrams import TOKEN_PATTERN, describe_term

    assert describe_term("§ 当 然 ！") == "[start] 当然 ！"
    assert re.findall(TOKEN_PATTERN, "当然OK") == ["当", "然", "OK"]


def test_report_highlights_cjk_phrases():
    from detector.report.markdown import _phrase_patterns

    cjk, english = _phrase_patterns(["值 得 注", "hope this helps"])
    assert cjk.findall("值得注意的是，") == ["值得注"]
    assert english.findall("I hope this  helps.") == ["hope this  helps"]


def test_feature_cache_key_changes_only_for_cjk_corpora(case09, demo):
    from detector.features import _cache_key

    spec, options = registry.get("style"), FeatureOptions()
    english = _cache_key(demo, spec, options)
    assert english == content_key(demo.content_hash(), "style", "output", {})
    assert _cache_key(case09, spec, options) != content_key(
        case09.content_hash(), "style", "output", {}
    )
    embedding = registry.get("embedding")
    assert _cache_key(case09, embedding, options) == content_key(
        case09.content_hash(), "embedding", "output", embedding.identity(options)
    )


# ------------------------------------------------------------------ field case 09
@pytest.fixture(scope="module")
def case09():
    return load_corpus(DATA / "cases" / "09-chinese" / "outputs.jsonl")


def test_case_09_languages_and_words(case09):
    result = inspect(case09)
    assert all(shares == {"zh": 1.0} for shares in result.languages.values())
    assert any("English-only" in p and "multilingual" in p for p in result.problems)
    words = result.lengths["xinghe"]["mean_words"]
    chars = result.lengths["xinghe"]["mean_chars"]
    assert 0.5 * chars < words < chars  # characters, not whitespace-separated runs


def test_case_09_identity_claims_found(case09):
    leaks = find_leaks(case09, kinds=("self_id", "ai_self_reference"))
    claims = leaks[leaks["match"].str.contains("星河智能公司开发的AI助手")]
    assert set(claims["model"]) == {"xinghe", "student-of-xinghe"}
    assert (claims["kind"] == "ai_self_reference").all()  # 星河 is no known vendor


def test_case_09_teacher_ranks_first(case09, tmp_path):
    result = score(
        case09, "student-of-xinghe", n_bootstrap=50, options=FeatureOptions(cache_dir=tmp_path)
    )
    assert result.candidates[0].model == "xinghe"
    assert result.candidates[0].channels["style"] == max(
        c.channels["style"] for c in result.candidates
    )


# ------------------------------------------------------------------ a multilingual model
def tiny_multilingual_model(folder: Path) -> Path:
    """A tiny sentence-transformers model whose vocabulary holds Chinese characters.

    Random weights (built offline): it stands in for a multilingual model such as
    paraphrase-multilingual-MiniLM-L12-v2 to show that a local path is used as given.
    """
    torch = pytest.importorskip("torch")
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer

    corpus = load_corpus(DATA / "cases" / "09-chinese" / "outputs.jsonl")
    chars = sorted({ch for t in corpus.df["output"] for ch in t if has_cjk(ch)})
    marks = ["#", "-", "*", "！", "？", "，", "。", "、", "）"]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *marks]
    try:
        tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)})
    except TypeError:  # transformers < 5 takes a vocabulary file
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
    )
    raw = folder / "raw"
    BertModel(config).save_pretrained(raw)
    tokenizer.save_pretrained(raw)
    word = Transformer(str(raw), max_seq_length=64)
    model = SentenceTransformer(modules=[word, Pooling(16, "mean")])
    model.save(str(folder / "model"))
    return folder / "model"


def test_a_local_multilingual_model_is_used(case09, tmp_path, capsys):
    from detector.cli import main
    from detector.embedding_models import load_model
    from detector.features import compute_features

    path = tiny_multilingual_model(tmp_path)
    loaded, _ = load_model(str(path))
    assert "[UNK]" not in loaded.tokenizer.tokenize("当然！以下是一些实用的建议。")
    sub = case09.subset(prompt_ids=case09.prompt_ids[:4])
    features = compute_features(
        sub, ["embedding"], embedding_model=str(path), cache_dir=tmp_path / "c", progress=False
    )
    matrix = features.matrices["embedding"]
    assert matrix.shape == (len(sub), 16) and len(np.unique(matrix.round(5), axis=0)) == len(sub)
    # the language check knows it is not the English-only default
    assert not any("English-only" in p for p in inspect(case09, embedding_model=str(path)).problems)
    out = tmp_path / "features.csv"
    code = main(
        ["features", str(DATA / "cases" / "09-chinese" / "outputs.jsonl"), "--channels",
         "embedding", "--embedding-model", str(path), "--out", str(out), "--no-progress",
         "--cache-dir", str(tmp_path / "c")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert pd.read_csv(out).filter(like="emb_").shape == (len(case09), 16)

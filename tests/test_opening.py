"""The opening-words channel: tokens, hashed sets, and the per-prompt Jaccard overlap."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from detector import channels as registry
from detector.opening import OpeningWords, opening_tokens
from detector.similarity import block_similarity


def test_tokens_are_words_marks_and_cjk_characters() -> None:
    assert opening_tokens("Sure! Here's a poem.", 4) == ["sure", "!", "here's", "a"]
    assert opening_tokens("你好，世界", 3) == ["你", "好", "，"]
    assert opening_tokens("", 5) == []


def test_transform_is_stateless_and_binary() -> None:
    texts = ["Sure, here is a list of ideas", "Sure sure sure", "As an AI language model"]
    alone = OpeningWords().fit_transform(texts[:1])
    together = OpeningWords().fit_transform(texts)
    assert (alone != together[:1]).nnz == 0  # a text's row never depends on the others
    assert set(np.unique(together.data)) == {1.0}
    assert together[1].nnz == 1  # "sure" three times is one token of the set
    assert len(OpeningWords().fit(texts).get_feature_names_out()) == together.shape[1]


def test_overlap_is_the_jaccard_of_the_sets() -> None:
    texts = ["a b c d", "a b x y", "p q r s", "a b c z"]
    rows = OpeningWords(n_words=4).fit_transform(texts)
    sims, mask = block_similarity(
        registry.get("opening").prepare(rows, []),
        np.array([0, 1, 2, 3]),
        np.zeros(4, dtype=int),
        4,
        1,
        kind="overlap",
    )
    sets = [set(t.split()) for t in texts]
    for i in range(4):
        for j in range(4):
            expected = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
            assert abs(sims[0, i, j] - expected) < 1e-6
    assert mask.all()


def test_overlap_ignores_absent_outputs_and_empty_sets() -> None:
    rows = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 0.0]]))  # model 1's output is empty
    sims, mask = block_similarity(
        rows, np.array([0, 1]), np.array([0, 0]), 3, 1, kind="overlap"
    )  # model 2 did not answer
    assert sims[0, 0, 1] == 0.0 and mask[0, 0, 1] and not mask[0, 0, 2]


def test_a_student_that_copies_the_teachers_openings_is_nearest_it() -> None:
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(300)]
    habits = {m: rng.choice(vocab, 8, replace=False) for m in ("teacher", "other", "third")}
    texts, model_idx, prompt_idx = [], [], []
    for p in range(30):
        topic = list(rng.choice(vocab, 6, replace=False))
        for m, name in enumerate(("teacher", "other", "third", "student")):
            own = habits["teacher" if name == "student" else name]
            words = list(rng.choice(own, 4, replace=False)) + topic[:4]
            texts.append(" ".join(words))
            model_idx.append(m)
            prompt_idx.append(p)
    rows = OpeningWords(n_words=8).fit_transform(texts)
    sims, mask = block_similarity(
        rows, np.array(model_idx), np.array(prompt_idx), 4, 30, kind="overlap"
    )
    affinity = sims.mean(axis=0)
    assert int(np.argmax(affinity[3, :3])) == 0

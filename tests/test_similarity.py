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


def _pool(sparse: str, cover: float, seed: int = 3):
    rng = np.random.default_rng(seed)
    n_models, n_prompts = 7, 11
    mi = np.repeat(np.arange(n_models), n_prompts)
    pi = np.tile(np.arange(n_prompts), n_models)
    keep = rng.random(len(mi)) < cover
    mi, pi = mi[keep], pi[keep]
    if sparse == "dense":
        x = rng.normal(size=(len(mi), 12)) + 2
    else:
        x = sp.random(len(mi), 60, density=0.15, random_state=seed, format="csr")
        if sparse == "presence":  # 0/1 rows of unit length, as the lexical channel's
            x.data[:] = 1.0
            x = sp.csr_matrix(sp.diags(1 / np.sqrt(np.maximum(np.diff(x.indptr), 1))) @ x)
    return x, rng.normal(size=(len(mi), 3)), mi, pi, n_models, n_prompts


@pytest.mark.parametrize("sparse", ["dense", "presence", "sparse"])
@pytest.mark.parametrize("kind", ["cosine", "distance", "overlap"])
@pytest.mark.parametrize("cover", [1.0, 0.8])
def test_groups_and_threads_give_the_same_rows(sparse, kind, cover):
    """Each prompt's similarities do not depend on its group or the number of threads."""
    from detector.similarity import block_similarity, covariate_map, covariate_sums

    x, cov, mi, pi, n_models, n_prompts = _pool(sparse, cover)
    beta = covariate_map(*covariate_sums(x, cov, mi, pi, n_models, n_prompts))
    whole, mask = block_similarity(x, mi, pi, n_models, n_prompts, cov, beta, kind)
    from detector import similarity as sim

    parts = list(sim.prompt_similarities(x, mi, pi, n_models, n_prompts, cov, beta, kind,
                                         threads=2, group=3))  # fmt: skip
    assert [first for first, _, _ in parts] == [0, 3, 6, 9]
    joined = np.concatenate([s for _, s, _ in parts]).astype(np.float32)
    np.testing.assert_array_equal(joined, whole)
    assert mask.shape == (n_prompts, n_models, n_models)


@pytest.mark.parametrize("sparse", ["dense", "presence", "sparse"])
@pytest.mark.parametrize("kind", ["cosine", "distance", "overlap"])
@pytest.mark.parametrize("cover", [1.0, 0.8])
def test_torch_kernel_equals_numpy_kernel(sparse, kind, cover):
    """The GPU code path (torch), run on the CPU, gives the NumPy kernel's numbers."""
    torch = pytest.importorskip("torch")
    from detector import similarity as sim
    from detector import similarity_torch as simt

    x, cov, mi, pi, n_models, n_prompts = _pool(sparse, cover)
    beta = sim.covariate_map(*sim.covariate_sums(x, cov, mi, pi, n_models, n_prompts))
    for c, b in ((cov, beta), (None, None)):
        ref = list(sim.prompt_similarities(x, mi, pi, n_models, n_prompts, c, b, kind))
        got = list(simt.prompt_similarities(x, mi, pi, n_models, n_prompts, c, b, kind,
                                            device="cpu", group=4))  # fmt: skip
        a = np.concatenate([s for _, s, _ in ref])
        t = torch.cat([s for _, s, _ in got]).numpy()
        np.testing.assert_allclose(t, a, rtol=1e-9, atol=1e-12)
        assert np.abs(a).max() > 0.1


def test_torch_products_equal_numpy_products():
    """Weighted sums over prompts: the torch accumulator (buffered addmm) and NumPy's (dgemm)."""
    pytest.importorskip("torch")
    from detector.similarity_torch import Products
    from detector.streaming import _Products

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(300, 40)).astype(np.float32)
    w = rng.integers(0, 4, (9, 300)).astype(np.float64)
    a, b = _Products(9, 40, threads=2), Products(9, 40, "cpu", capacity=64)
    for lo in range(0, 300, 70):
        a.add(rows[lo : lo + 70], w[:, lo : lo + 70])
        b.add(rows[lo : lo + 70], w[:, lo : lo + 70])
    expected = w @ rows.astype(np.float64)
    np.testing.assert_allclose(np.concatenate(a.result(), axis=1), expected, rtol=1e-12)
    np.testing.assert_allclose(np.concatenate(b.result(), axis=1), expected, rtol=1e-12)


@pytest.mark.parametrize("sparse", ["dense", "presence"])
def test_several_samples_the_last_one_enters(sparse):
    """Two answers of one model to one prompt: the pairwise stage compares the last, on every backend."""
    from detector import similarity as sim

    x, cov, mi, pi, n_models, n_prompts = _pool(sparse, 1.0)
    again = np.arange(0, len(mi), 5)  # a second sample of some answers, after the first
    x2 = sp.vstack([x, x[again][::-1]]).tocsr() if sp.issparse(x) else np.vstack([x, x[again]])
    mi2, pi2 = np.concatenate([mi, mi[again]]), np.concatenate([pi, pi[again]])
    cov2 = np.vstack([cov, cov[again]])
    last = sim.last_per_cell(mi2, pi2, n_models)
    assert len(last) == len(mi) and set(last[-len(again) :]) == set(range(len(mi), len(mi2)))
    beta = sim.covariate_map(*sim.covariate_sums(x2, cov2, mi2, pi2, n_models, n_prompts))
    both = sim.block_similarity(x2, mi2, pi2, n_models, n_prompts, cov2, beta, "distance")[0]
    only = sim.block_similarity(x2[last], mi2[last], pi2[last], n_models, n_prompts, cov2[last],
                                beta, "distance")[0]  # fmt: skip
    np.testing.assert_array_equal(both, only)
    torch = pytest.importorskip("torch")
    from detector import similarity_torch as simt

    got = torch.cat([s for _, s, _ in simt.prompt_similarities(
        x2, mi2, pi2, n_models, n_prompts, cov2, beta, "distance", device="cpu")])  # fmt: skip
    np.testing.assert_allclose(got.numpy().astype(np.float32), both, rtol=1e-6, atol=1e-6)

"""Prompt-centred similarity: compare models prompt by prompt, topic removed.

Every channel turns each output into a feature vector. On one prompt, all
models' vectors share a large common part (the topic the prompt dictates).
:func:`prompt_centred_similarity` removes it: for each prompt it subtracts the
mean vector over the models that answered it, optionally regresses out
length and format covariates, and returns the cosine similarity (or the
relative nearness) of what remains for every pair of models. The result is a
tensor of shape (n_prompts, n_models, n_models) that scoring, the tree and
the report all use; averaging it over prompts gives a model-by-model
affinity, and resampling its prompts gives bootstrap intervals.

How the per-prompt work is done (the arithmetic, since it sets the cost at
scale; ``benchmarks/results/scale.md`` measures it):

- one Gram matrix of the residuals per prompt, ``G_p = R_p R_p^T`` with
  ``R_p = H X_p - H C_p B`` (H removes the mean over the answering models, C
  the covariates, B the covariate map). Dense features are centred and
  regressed first, then multiplied: one BLAS product of n_models x d by
  d x n_models per prompt. Sparse features (the lexical channel's rows) are
  multiplied first, on the union of the prompt's columns; the centring and the
  regression are then a low-rank correction of the product. Rows that are a
  0/1 pattern times a per-row scale (word presence) are multiplied as 8-bit
  integers (:func:`torch._int_mm`; exact counts), then scaled;
- the similarity from ``G_p`` in a few passes over the n_models^2 cells,
  every sum over models (the relative nearness's means and variances) taken
  as a product of ``G_p`` with vectors rather than over temporary arrays;
- prompts in small groups that stay in the CPU cache, on ``threads`` threads
  with one BLAS thread each (:func:`~detector.executor.ordered_threads`).

Everything is local to a prompt except the covariate map
(:func:`covariate_map`), so any block of whole prompts gives the same rows as
the whole computation, to the last bit (the streamed stage relies on it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = [
    "SimilarityTensor",
    "block_similarity",
    "covariate_map",
    "covariate_sums",
    "mean_over_prompts",
    "prompt_centred_similarity",
    "prompt_similarities",
]

#: Bytes of float64 per-prompt arrays one group of prompts may hold (a few arrays
#: of n_models^2 cells alive at once): small enough to stay in the CPU cache.
GROUP_BYTES = 16 * 2**20
#: Below this many per-prompt cells (n_prompts x n_models^2) the work runs in one thread.
SERIAL_CELLS = 4_000_000
#: A row's variance of squared distances below this share of its mean square is
#: rounding, not spread: its relative nearness is 0 (as for a constant row).
_REL_VAR_FLOOR = 1e-10


@dataclass
class SimilarityTensor:
    """Per-prompt pairwise similarities of one channel.

    Attributes
    ----------
    name : str
        Channel name.
    models : list of str
        Model order of the last two axes.
    prompt_ids : list of str
        Prompt order of the first axis.
    sims : numpy.ndarray, shape (n_prompts, n_models, n_models), float32
        Cosine similarity of the prompt-centred (and length-controlled)
        vectors; 0 where either model did not answer.
    pair_mask : numpy.ndarray, shape (n_prompts, n_models, n_models), bool
        True where both models answered the prompt.
    """

    name: str
    models: list[str]
    prompt_ids: list[str]
    sims: np.ndarray
    pair_mask: np.ndarray

    def affinity(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Mean similarity over shared prompts, shape (n_models, n_models).

        Parameters
        ----------
        weights : numpy.ndarray, shape (n_prompts,), optional
            Prompt weights (bootstrap counts); default all ones.
        """
        return mean_over_prompts(self.sims, self.pair_mask, weights)

    def shared_counts(self) -> np.ndarray:
        """Prompts each pair of models both answered, shape (n_models, n_models), int64."""
        return self.pair_mask.sum(axis=0).astype(np.int64)

    def pair_values(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Similarity of models ``i`` and ``j`` on every prompt, and where both answered.

        Returns
        -------
        values : numpy.ndarray, shape (n_prompts,), float64
        both : numpy.ndarray, shape (n_prompts,), bool
        """
        return self.sims[:, i, j].astype(np.float64), self.pair_mask[:, i, j]


def mean_over_prompts(
    sims: np.ndarray, pair_mask: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Weighted mean of ``sims`` over axis 0 where ``pair_mask`` holds."""
    w = np.ones(sims.shape[0], dtype=np.float64) if weights is None else weights
    num = np.tensordot(w, np.where(pair_mask, sims, 0.0).astype(np.float64), axes=1)
    den = np.tensordot(w, pair_mask.astype(np.float64), axes=1)
    return num / np.maximum(den, 1e-12)


def _scatter(
    values: np.ndarray, model_idx: np.ndarray, prompt_idx: np.ndarray, n_models: int, n_prompts: int
) -> np.ndarray:
    """Place per-text rows (n_texts, k) into a (n_prompts, n_models, k) array; 0 elsewhere."""
    out = np.zeros((n_prompts, n_models, values.shape[1]), dtype=np.float64)
    out[prompt_idx, model_idx] = values
    return out


def _centre(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Subtract, per prompt, the mean over answering models: (P, M, k) -> (P, M, k)."""
    m = mask[..., None]
    n = np.maximum(mask.sum(axis=1, keepdims=True), 1)[..., None]
    return (values - (values * m).sum(axis=1, keepdims=True) / n) * m


def covariate_sums(
    features: np.ndarray | sp.spmatrix,
    covariates: np.ndarray,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The sums behind the covariate regression, over some outputs.

    With ``C`` the covariates centred on each prompt (the mean over the models
    that answered it removed), returns ``X^T C`` of shape (d, k) and
    ``C^T C`` of shape (k, k). Both are sums over outputs, so the sums of
    blocks of whole prompts add up to the sums over all of them
    (:mod:`detector.streaming`).
    """
    mask = np.zeros((n_prompts, n_models), dtype=bool)
    mask[prompt_idx, model_idx] = True
    cov = np.asarray(covariates, dtype=np.float64)
    cc = _centre(_scatter(cov, model_idx, prompt_idx, n_models, n_prompts), mask)
    cc_rows = cc[prompt_idx, model_idx]  # centred covariates per text, (n_texts, k)
    xtc = features.T @ cc_rows if sp.issparse(features) else np.asarray(features).T @ cc_rows
    return np.asarray(xtc), cc_rows.T @ cc_rows


def covariate_map(xtc: np.ndarray, ctc: np.ndarray) -> np.ndarray:
    """Least-squares map B (k, d) from centred covariates to features (ridge 1e-9)."""
    return np.linalg.solve(ctc + 1e-9 * np.eye(len(ctc)), np.asarray(xtc).T)


# ------------------------------------------------------------------ Gram matrices
def _binary_scale(x: sp.csr_matrix) -> np.ndarray | None:
    """Per-row scale s when every row is s times a 0/1 pattern (word presence), else None."""
    counts = np.diff(x.indptr)
    if not len(x.data):
        return np.zeros(x.shape[0])
    first = np.zeros(x.shape[0])
    has = counts > 0
    first[has] = x.data[x.indptr[:-1][has]]
    if not np.array_equal(x.data, np.repeat(first, counts)) or np.any(first[has] <= 0):
        return None
    return first


def _int_counts(pattern: np.ndarray) -> np.ndarray:
    """``pattern @ pattern^T`` per prompt for 0/1 int8 patterns (P, M, U): exact counts, float64.

    8-bit integer products (torch's ``_int_mm``: VNNI on current CPUs, about
    4x a float32 product); float32 BLAS where torch lacks it, exact as well
    while a count stays below 2^24.
    """
    n_prompts, n_models, width = pattern.shape
    try:
        import torch

        int_mm = torch._int_mm
    except (ImportError, AttributeError):  # pragma: no cover - old torch
        f = pattern.astype(np.float32)
        return np.rint(f @ f.transpose(0, 2, 1)).astype(np.float64)
    from .executor import one_torch_thread

    out = np.empty((n_prompts, n_models, n_models))
    # one thread: with two, every product waits on an OpenMP barrier (8 ms against 0.09 ms
    # for 100 x 2,500 x 100 on 2 cores); the caller runs groups of prompts in parallel
    with one_torch_thread():
        for p in range(n_prompts):
            a = torch.from_numpy(pattern[p])
            out[p] = int_mm(a, a.t().contiguous()).numpy()
    return out


def _union_columns(
    x: sp.csr_matrix, prompt_idx: np.ndarray, n_prompts: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each stored entry's prompt and its column among the prompt's used columns.

    Returns
    -------
    prompt_of_entry, local_col : numpy.ndarray of int64, shape (nnz,)
    width : int
        The most columns any prompt uses (at least 1).
    """
    prompt_of_entry = np.repeat(prompt_idx, np.diff(x.indptr))
    n_cols = x.shape[1]
    used = np.zeros(n_prompts * n_cols, dtype=bool)
    flat = prompt_of_entry * n_cols + x.indices
    used[flat] = True
    cells = np.flatnonzero(used)  # used (prompt, column) cells, prompt by prompt
    starts = np.searchsorted(cells, np.arange(n_prompts) * n_cols)
    local = np.zeros(n_prompts * n_cols, dtype=np.int64)
    local[cells] = np.arange(len(cells)) - np.repeat(starts, np.diff(np.append(starts, len(cells))))
    width = max(int(np.diff(np.append(starts, len(cells))).max()) if n_prompts else 0, 1)
    return prompt_of_entry, local[flat], width


def _sparse_gram(
    x: sp.csr_matrix, model_idx: np.ndarray, prompt_idx: np.ndarray, n_models: int, n_prompts: int
) -> np.ndarray:
    """Raw inner products of outputs on the same prompt, shape (P, M, M), float64.

    Each prompt's rows are laid out densely over the columns that prompt uses
    (the union of its outputs' terms) and multiplied with BLAS; 0/1 patterns
    with a per-row scale as exact integer counts, then scaled.
    """
    x = sp.csr_matrix(x)
    x.sort_indices()
    prompt_of_entry, local, width = _union_columns(x, prompt_idx, n_prompts)
    model_of_entry = np.repeat(model_idx, np.diff(x.indptr))
    scale = _binary_scale(x)
    if scale is not None:
        pattern = np.zeros((n_prompts, n_models, width), dtype=np.int8)
        pattern[prompt_of_entry, model_of_entry, local] = 1
        gram = _int_counts(pattern)
        s = np.zeros((n_prompts, n_models))
        s[prompt_idx, model_idx] = scale
        gram *= s[:, :, None]
        gram *= s[:, None, :]
        return gram
    dense = np.zeros((n_prompts, n_models, width))
    dense[prompt_of_entry, model_of_entry, local] = x.data
    return np.matmul(dense, dense.transpose(0, 2, 1))


def last_per_cell(
    model_idx: np.ndarray, prompt_idx: np.ndarray, n_models: int
) -> np.ndarray | None:
    """Rows to keep so each (prompt, model) has one, the last; None when each already has one.

    Several samples of one model on one prompt: the pairwise stage compares
    the last (as placing rows into a (prompt, model) array does).
    """
    cell = np.asarray(prompt_idx, dtype=np.int64) * n_models + model_idx
    _, first_from_end = np.unique(cell[::-1], return_index=True)
    if len(first_from_end) == len(cell):
        return None
    return np.sort(len(cell) - 1 - first_from_end)


def raw_gram(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Inner products of outputs on the same prompt, not centred: (G (P, M, M), mask (P, M))."""
    last = last_per_cell(model_idx, prompt_idx, n_models)
    if last is not None:
        features, model_idx, prompt_idx = features[last], model_idx[last], prompt_idx[last]
    mask = np.zeros((n_prompts, n_models), dtype=bool)
    mask[prompt_idx, model_idx] = True
    if sp.issparse(features):
        return _sparse_gram(features, model_idx, prompt_idx, n_models, n_prompts), mask
    x = _scatter(np.asarray(features, np.float64), model_idx, prompt_idx, n_models, n_prompts)
    return np.matmul(x, x.transpose(0, 2, 1)), mask


def residual_gram(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
    covariates: np.ndarray | None = None,
    beta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Gram matrices of the topic- and covariate-removed vectors, one per prompt.

    ``G_p = R_p R_p^T`` with ``R_p = H X_p - H C_p B`` (see the module
    docstring); rows and columns of models that did not answer are 0.

    Parameters
    ----------
    features : numpy.ndarray or scipy sparse matrix, shape (n_texts, d)
    model_idx, prompt_idx : numpy.ndarray of int, shape (n_texts,)
        Each row's model (< ``n_models``) and prompt (< ``n_prompts``); one
        row per (model, prompt).
    n_models, n_prompts : int
    covariates : numpy.ndarray, shape (n_texts, k), optional
    beta : numpy.ndarray, shape (k, d), optional
        The covariate map (:func:`covariate_map`); both or neither.

    Returns
    -------
    gram : numpy.ndarray, shape (n_prompts, n_models, n_models), float64
    mask : numpy.ndarray, shape (n_prompts, n_models), bool
        Who answered what.
    """
    last = last_per_cell(model_idx, prompt_idx, n_models)
    if last is not None:  # several samples of one (model, prompt): the last one enters
        features = features[last]
        model_idx, prompt_idx = model_idx[last], prompt_idx[last]
        covariates = None if covariates is None else np.asarray(covariates)[last]
    mask = np.zeros((n_prompts, n_models), dtype=bool)
    mask[prompt_idx, model_idx] = True
    regress = covariates is not None and beta is not None
    cc: np.ndarray | None = None
    if regress:
        cov = np.asarray(covariates, dtype=np.float64)
        cc = _centre(_scatter(cov, model_idx, prompt_idx, n_models, n_prompts), mask)
    if not sp.issparse(features):
        r = _centre(
            _scatter(np.asarray(features, np.float64), model_idx, prompt_idx, n_models, n_prompts),
            mask,
        )
        if cc is not None:
            r -= cc @ beta
        return np.matmul(r, r.transpose(0, 2, 1)), mask
    g = _sparse_gram(features, model_idx, prompt_idx, n_models, n_prompts)
    # H G H - Q C^T - C Q^T + C B B^T C^T as one low-rank correction L W L^T, with
    # L = [r, m, Q, C] (r the rows' means, m the mask, Q = H X B^T, C = H C)
    m = mask.astype(np.float64)
    n = np.maximum(m.sum(axis=1), 1.0)
    r = g.sum(axis=2) / n[:, None]  # rows of models that did not answer are 0
    t = r.sum(axis=1) / n
    left = [r[..., None], m[..., None]]
    k = 0
    if regress and cc is not None and beta is not None:
        q = np.asarray(features @ beta.T)
        qc = _centre(_scatter(q, model_idx, prompt_idx, n_models, n_prompts), mask)
        left += [qc, cc]
        k = cc.shape[2]
    lmat = np.concatenate(left, axis=2)  # (P, M, 2 + 2k)
    w = np.zeros((n_prompts, 2 + 2 * k, 2 + 2 * k))
    w[:, 0, 1] = w[:, 1, 0] = -1.0
    w[:, 1, 1] = t
    if k and beta is not None:
        eye = np.eye(k)
        w[:, 2 : 2 + k, 2 + k :] = -eye
        w[:, 2 + k :, 2 : 2 + k] = -eye
        w[:, 2 + k :, 2 + k :] = beta @ beta.T
    g += np.matmul(lmat @ w, lmat.transpose(0, 2, 1))
    return g, mask


# ------------------------------------------------------------------ similarities
def similarity_from_gram(gram: np.ndarray, mask: np.ndarray, kind: str = "cosine") -> np.ndarray:
    """Per-prompt similarities from residual Gram matrices, in place of ``gram``.

    Parameters
    ----------
    gram : numpy.ndarray, shape (P, M, M), float64
        :func:`residual_gram` (overwritten).
    mask : numpy.ndarray, shape (P, M), bool
    kind : {"cosine", "distance"}
        Cosine of the residuals, or relative nearness (:func:`_relative_nearness`);
        ``"overlap"`` is computed from the raw Gram (:func:`jaccard_from_gram`).

    Returns
    -------
    numpy.ndarray, shape (P, M, M), float64
        0 where either model did not answer.
    """
    if kind == "distance":
        return _relative_nearness(gram, mask)
    diag = np.einsum("pii->pi", gram).copy()
    # a residual of length below 1e-12 is rounding: its cosines are 0
    s = np.divide(1.0, np.sqrt(np.clip(diag, 0, None)), out=np.zeros_like(diag),
                  where=diag > 1e-24)  # fmt: skip
    gram *= s[:, :, None]
    gram *= s[:, None, :]
    return gram


def jaccard_from_gram(gram: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Jaccard overlap of binary rows from their raw Gram matrices (P, M, M), in place.

    ``|a & b| = G_ab`` and ``|a| = G_aa`` for 0/1 rows, so the overlap is
    ``G_ab / (G_aa + G_bb - G_ab)`` (0 when both sets are empty, or where
    either model did not answer: its row of ``G`` is 0).
    """
    diag = np.einsum("pii->pi", gram).copy()
    union = diag[:, :, None] + diag[:, None, :]
    union -= gram
    np.divide(gram, union, out=gram, where=union > 0)
    gram[union <= 0] = 0.0
    return gram


def _relative_nearness(gram: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How much closer j is to i than the other models are, per prompt, in SDs.

    From residual Gram matrices (P, M, M): squared distances
    ``d2_ij = g_ii + g_jj - 2 g_ij``, then for each row i the z-score of
    ``-d2_ij`` among the other models answering the prompt, symmetrized:
    ``(z_ij + z_ji) / 2``. Unlike a cosine of residuals, two outliers that
    both sit far from the crowd are not called similar unless they are near
    each other.

    The row means and variances of ``d2`` are taken from sums of ``g`` (its
    row sums, squares and its product with the diagonal) rather than from
    ``d2`` itself, and the symmetrized z is ``2 g_ij (b_i + b_j)`` plus a
    rank-4 term (``b = 1 / (2 sd)``), so the work is a few passes over the
    n_models^2 cells. A row whose variance is below ``1e-18`` or below
    :data:`_REL_VAR_FLOOR` of its mean square (rounding) gets z = 0, as a
    constant row does. Overwrites ``gram``.
    """
    n_prompts, n_models, _ = gram.shape
    m = mask.astype(np.float64)
    d = np.einsum("pii->pi", gram).copy()
    n_all = m.sum(axis=1, keepdims=True)  # (P, 1)
    n_off = np.maximum(n_all - 1, 1)
    sums = np.matmul(gram, np.stack([m, d], axis=2))  # (P, M, 2): row sums, sum_j g_ij d_j
    row, gd = sums[..., 0], sums[..., 1]
    sq = np.einsum("pij,pij->pi", gram, gram)
    sum_d = d.sum(axis=1, keepdims=True)
    sum_d2 = (d * d).sum(axis=1, keepdims=True)
    # sum over answering j != i of d2_ij and of d2_ij^2 (the j = i term is 0)
    s1 = n_all * d + sum_d - 2 * row
    s2 = n_all * d * d + sum_d2 + 4 * sq + 2 * d * sum_d - 4 * d * row - 4 * gd
    mean = s1 / n_off
    mean_sq = s2 / n_off
    var = mean_sq - mean * mean
    ok = (var > 1e-18) & (var > _REL_VAR_FLOOR * mean_sq) & mask & (n_all > 1)
    b = np.divide(0.5, np.sqrt(np.where(ok, var, 1.0)), out=np.zeros_like(var), where=ok)
    c = mean * b - d * b  # z_ij / 2 = c_i + (2 g_ij - d_j) b_i
    # (z_ij + z_ji) / 2 = 2 g_ij (b_i + b_j) + c_i m_j + m_i c_j - d_i b_j - b_i d_j
    low = np.matmul(np.stack([c, m, d, b], axis=2), np.stack([m, c, -b, -d], axis=1))
    tmp = gram * (2 * b)[:, :, None]
    gram *= (2 * b)[:, None, :]
    gram += tmp
    gram += low
    idx = np.arange(n_models)
    gram[:, idx, idx] = 0.0
    return gram


# ------------------------------------------------------------------ by groups of prompts
def _group_size(n_models: int, target: int = GROUP_BYTES) -> int:
    return max(1, target // (8 * max(n_models, 1) ** 2))


def prompt_similarities(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
    covariates: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    kind: str = "cosine",
    *,
    threads: int = 1,
    group: int | None = None,
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Per-prompt similarities in order, a small group of prompts at a time.

    The same numbers as :func:`block_similarity` over all prompts (each
    prompt's are computed alone), with memory bounded by the group.

    Parameters
    ----------
    features, model_idx, prompt_idx, n_models, n_prompts, covariates, beta, kind
        As :func:`block_similarity`.
    threads : int
        Groups computed at once (each with one BLAS thread); results still
        come in prompt order.
    group : int, optional
        Prompts per group; default as many as fit :data:`GROUP_BYTES`.

    Yields
    ------
    first : int
        The group's first prompt.
    sims : numpy.ndarray, shape (n_group, n_models, n_models), float64
        0 where either model did not answer.
    mask : numpy.ndarray, shape (n_group, n_models), bool
    """
    from .executor import ordered_threads

    size = group or _group_size(n_models)
    if n_prompts * n_models**2 < SERIAL_CELLS:
        threads = 1
    elif threads > 1 and group is None:  # enough groups to keep every thread busy
        size = max(1, min(size, -(-n_prompts // (4 * threads))))
    order = np.argsort(prompt_idx, kind="stable")
    bounds = np.searchsorted(prompt_idx[order], np.arange(0, n_prompts + size, size))
    bounds = np.minimum(bounds, len(order))
    starts = list(range(0, n_prompts, size))
    x = sp.csr_matrix(features) if sp.issparse(features) else np.asarray(features)
    cov = None if covariates is None else np.asarray(covariates)

    def one(g: int) -> tuple[int, np.ndarray, np.ndarray]:
        first = starts[g]
        rows = order[bounds[g] : bounds[g + 1]]
        count = min(size, n_prompts - first)
        if kind == "overlap":  # binary rows compared as sets: neither centred nor regressed
            gram, mask = raw_gram(x[rows], model_idx[rows], prompt_idx[rows] - first, n_models,
                                  count)  # fmt: skip
            return first, jaccard_from_gram(gram, mask), mask
        gram, mask = residual_gram(
            x[rows], model_idx[rows], prompt_idx[rows] - first, n_models, count,
            None if cov is None else cov[rows], beta,
        )  # fmt: skip
        return first, similarity_from_gram(gram, mask, kind), mask

    yield from ordered_threads(one, range(len(starts)), threads, single_blas=True)


def block_similarity(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
    covariates: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    kind: str = "cosine",
    *,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-prompt similarities of some prompts' outputs, given the covariate map.

    Everything here is local to a prompt except ``beta``
    (:func:`covariate_map`), so a block of whole prompts gives the same rows
    as the full computation.

    Returns
    -------
    sims : numpy.ndarray, shape (n_prompts, n_models, n_models), float32
    pair_mask : numpy.ndarray, shape (n_prompts, n_models, n_models), bool
    """
    sims = np.zeros((n_prompts, n_models, n_models), dtype=np.float32)
    mask = np.zeros((n_prompts, n_models), dtype=bool)
    for first, part, part_mask in prompt_similarities(
        features, model_idx, prompt_idx, n_models, n_prompts, covariates, beta, kind,
        threads=threads,
    ):  # fmt: skip
        sims[first : first + len(part)] = part
        mask[first : first + len(part)] = part_mask
    return sims, mask[:, :, None] & mask[:, None, :]


def prompt_centred_similarity(
    name: str,
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    models: list[str],
    prompt_ids: list[str],
    covariates: np.ndarray | None = None,
    kind: str = "cosine",
    threads: int | None = None,
) -> SimilarityTensor:
    """Per-prompt cosine of topic-removed, length-controlled feature vectors.

    For prompt p with answering models' rows X_p, the centring matrix H
    (subtract the mean over those models) and covariates C_p, the residual is
    ``R_p = H X_p - H C_p B`` where B (k x d) is one least-squares map fitted
    over all prompts. Everything is computed through Gram matrices
    ``R_p R_p^T`` (n_models x n_models per prompt), so sparse features of any
    width need no dense copy of the whole matrix.

    Parameters
    ----------
    name : str
        Channel name.
    features : numpy.ndarray or scipy sparse matrix, shape (n_texts, d)
        One row per output.
    model_idx, prompt_idx : numpy.ndarray of int, shape (n_texts,)
        Position of each row's model in ``models`` and prompt in ``prompt_ids``.
    models, prompt_ids : list of str
    covariates : numpy.ndarray, shape (n_texts, k), optional
        Length and format covariates to regress out after centring.
    kind : {"cosine", "distance", "overlap"}
        Cosine of the residuals, relative nearness (:func:`_relative_nearness`),
        or the Jaccard overlap of binary rows, neither centred nor
        length-controlled (:func:`jaccard_from_gram`).
    threads : int, optional
        Groups of prompts computed at once; default the available cores.

    Returns
    -------
    SimilarityTensor
    """
    from .devices import available_cores

    n_models, n_prompts = len(models), len(prompt_ids)
    beta = None
    if covariates is not None:
        sums = covariate_sums(features, covariates, model_idx, prompt_idx, n_models, n_prompts)
        beta = covariate_map(*sums)
    sims, pair_mask = block_similarity(
        features, model_idx, prompt_idx, n_models, n_prompts, covariates, beta, kind,
        threads=threads or available_cores(),
    )  # fmt: skip
    return SimilarityTensor(name, list(models), list(prompt_ids), sims, pair_mask)

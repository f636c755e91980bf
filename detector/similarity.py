"""Prompt-centred similarity: compare models prompt by prompt, topic removed.

Every channel turns each output into a feature vector. On one prompt, all
models' vectors share a large common part (the topic the prompt dictates).
:func:`prompt_centred_similarity` removes it: for each prompt it subtracts the
mean vector over the models that answered it, optionally regresses out
length and format covariates, and returns the cosine similarity of what
remains for every pair of models. The result is a tensor of shape
(n_prompts, n_models, n_models) that scoring, the tree and the report all use;
averaging it over prompts gives a model-by-model affinity, and resampling its
prompts gives bootstrap intervals.

All functions are vectorized over prompts and models; nothing loops over texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


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


def _gram(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
) -> np.ndarray:
    """Raw inner products of outputs on the same prompt, shape (P, M, M)."""
    if not sp.issparse(features):
        dense = _scatter(
            np.asarray(features, dtype=np.float64), model_idx, prompt_idx, n_models, n_prompts
        )
        return np.stack([block @ block.T for block in dense])  # one BLAS gemm per prompt
    order = np.argsort(prompt_idx, kind="stable")
    x = sp.csr_matrix(features, dtype=np.float64)[order]  # rows grouped by prompt
    models_sorted = model_idx[order]
    bounds = np.searchsorted(prompt_idx[order], np.arange(n_prompts + 1))
    gram = np.zeros((n_prompts, n_models, n_models))
    for p in range(n_prompts):  # one small sparse product per prompt, not per text
        lo, hi = bounds[p], bounds[p + 1]
        if hi > lo:
            block = x[lo:hi]
            idx = models_sorted[lo:hi]
            gram[p][np.ix_(idx, idx)] = (block @ block.T).toarray()
    return gram


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


def block_similarity(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
    covariates: np.ndarray | None = None,
    beta: np.ndarray | None = None,
    kind: str = "cosine",
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
    mask = np.zeros((n_prompts, n_models), dtype=bool)
    mask[prompt_idx, model_idx] = True
    n = np.maximum(mask.sum(axis=1), 1).astype(np.float64)
    g = _gram(features, model_idx, prompt_idx, n_models, n_prompts)
    if kind == "overlap":
        return _jaccard(g, mask)
    # H G H for the per-prompt centring H = I - 1 1^T / n (on answering models)
    m = mask.astype(np.float64)
    row = (g * m[:, None, :]).sum(axis=2) / n[:, None]  # (P, M): mean_j G_ij
    tot = (row * m).sum(axis=1) / n  # (P,)
    gc = g - row[:, :, None] - row[:, None, :] + tot[:, None, None]
    del g
    if covariates is not None and beta is not None:
        cov = np.asarray(covariates, dtype=np.float64)
        cc = _centre(_scatter(cov, model_idx, prompt_idx, n_models, n_prompts), mask)
        q = features @ beta.T if sp.issparse(features) else np.asarray(features) @ beta.T
        qc = _centre(_scatter(np.asarray(q), model_idx, prompt_idx, n_models, n_prompts), mask)
        cross = qc @ cc.transpose(0, 2, 1)
        gc = gc - cross - cross.transpose(0, 2, 1)
        gc += (cc @ (beta @ beta.T)) @ cc.transpose(0, 2, 1)
    pair_mask = mask[:, :, None] & mask[:, None, :]
    if kind == "distance":
        sims = _relative_nearness(gc, mask)
    else:
        diag = np.sqrt(np.clip(np.einsum("pii->pi", gc), 0, None))
        denom = diag[:, :, None] * diag[:, None, :]
        sims = np.divide(gc, denom, out=np.zeros_like(gc), where=(denom > 1e-12) & pair_mask)
    return sims.astype(np.float32), pair_mask


def prompt_centred_similarity(
    name: str,
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    models: list[str],
    prompt_ids: list[str],
    covariates: np.ndarray | None = None,
    kind: str = "cosine",
) -> SimilarityTensor:
    """Per-prompt cosine of topic-removed, length-controlled feature vectors.

    For prompt p with answering models' rows X_p, the centring matrix H
    (subtract the mean over those models) and covariates C_p, the residual is
    ``R_p = H X_p - H C_p B`` where B (k x d) is one least-squares map fitted
    over all prompts. Everything is computed through Gram matrices
    ``R_p R_p^T`` (n_models x n_models per prompt), so sparse features of any
    width need no dense copy.

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
        length-controlled (:func:`_jaccard`).

    Returns
    -------
    SimilarityTensor
    """
    n_models, n_prompts = len(models), len(prompt_ids)
    beta = None
    if covariates is not None:
        sums = covariate_sums(features, covariates, model_idx, prompt_idx, n_models, n_prompts)
        beta = covariate_map(*sums)
    sims, pair_mask = block_similarity(
        features, model_idx, prompt_idx, n_models, n_prompts, covariates, beta, kind
    )
    return SimilarityTensor(name, list(models), list(prompt_ids), sims, pair_mask)


def _jaccard(gram: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard overlap of binary rows from their raw Gram matrices (P, M, M).

    ``|a & b| = G_ab`` and ``|a| = G_aa`` for 0/1 rows, so the overlap is
    ``G_ab / (G_aa + G_bb - G_ab)`` (0 when both sets are empty).
    """
    diag = np.einsum("pii->pi", gram)
    union = diag[:, :, None] + diag[:, None, :] - gram
    pair_mask = mask[:, :, None] & mask[:, None, :]
    sims = np.divide(gram, union, out=np.zeros_like(gram), where=(union > 0) & pair_mask)
    return sims.astype(np.float32), pair_mask


def _relative_nearness(gram: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How much closer j is to i than the other models are, per prompt, in SDs.

    From residual Gram matrices (P, M, M): squared distances d2_ij, then for
    each row i the z-score of -d2_ij among the models answering the prompt,
    symmetrized. Unlike a cosine of residuals, two outliers that both sit far
    from the crowd are not called similar unless they are near each other.
    """
    diag = np.einsum("pii->pi", gram)
    d2 = diag[:, :, None] + diag[:, None, :] - 2 * gram
    pair = mask[:, :, None] & mask[:, None, :]
    off = pair & ~np.eye(gram.shape[1], dtype=bool)[None]
    n = np.maximum(off.sum(axis=2, keepdims=True), 1)
    mean = np.where(off, d2, 0).sum(axis=2, keepdims=True) / n
    var = np.where(off, (d2 - mean) ** 2, 0).sum(axis=2, keepdims=True) / n
    z = np.divide(mean - d2, np.sqrt(var), out=np.zeros_like(d2), where=(var > 1e-18) & off)
    return np.where(off, (z + z.transpose(0, 2, 1)) / 2, 0.0)

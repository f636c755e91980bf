"""The pairwise kernel on a torch device (a CUDA GPU): the same arithmetic as :mod:`~detector.similarity`.

:func:`prompt_similarities` and :class:`Products` mirror
:func:`detector.similarity.prompt_similarities` and the streamed stage's
buffered products (:class:`detector.streaming._Products`) step for step, in
float64 on the device: residual Gram matrices per prompt (word-presence
patterns multiplied in float32, exact for counts below 2^24), the cosine or
relative nearness from them, the per-prompt rows rounded to float32 as the
in-memory tensor holds them, and the weighted sums over prompts as one
``addmm`` per buffer. Which backend runs is chosen from the device
(:func:`backend_for`); on a CPU the NumPy kernel is the faster one (torch's
elementwise kernels were about twice as slow there, ``docs/method.md``), and
this module runs on ``device="cpu"`` only in tests, which check that it gives
the NumPy kernel's numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp

from .similarity import _binary_scale, _union_columns, last_per_cell

__all__ = ["GPU_GROUP_BYTES", "Products", "backend_for", "prompt_similarities"]

#: Bytes of float64 per-prompt arrays one group of prompts holds on the device.
GPU_GROUP_BYTES = 512 * 2**20


def backend_for(device: str | None) -> str:
    """``"torch"`` for a CUDA device, else ``"numpy"`` (the CPU kernel).

    Parameters
    ----------
    device : str or None
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, or None (the GPU when torch sees
        one, like the embeddings).
    """
    if device is None:
        import torch

        return "torch" if torch.cuda.is_available() else "numpy"
    return "torch" if device.startswith("cuda") else "numpy"


def _device(device: str | None) -> Any:
    import torch

    return torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))


def _centre(values: Any, m: Any) -> Any:
    """Subtract, per prompt, the mean over answering models: (P, M, k) -> (P, M, k)."""
    n = m.sum(dim=1, keepdim=True).clamp(min=1.0)
    mm = m.unsqueeze(2)
    return (values - (values * mm).sum(dim=1, keepdim=True) / n.unsqueeze(2)) * mm


def _scatter(values: np.ndarray, pidx: Any, midx: Any, shape: tuple[int, int], dev: Any) -> Any:
    import torch

    v = torch.as_tensor(np.asarray(values, dtype=np.float64), device=dev)
    out = torch.zeros((*shape, v.shape[1]), dtype=torch.float64, device=dev)
    out[pidx, midx] = v
    return out


def residual_gram(
    features: np.ndarray | sp.spmatrix,
    model_idx: np.ndarray,
    prompt_idx: np.ndarray,
    n_models: int,
    n_prompts: int,
    covariates: np.ndarray | None,
    beta: np.ndarray | None,
    device: Any,
    centre: bool = True,
) -> tuple[Any, Any]:
    """:func:`detector.similarity.residual_gram` on ``device``: (G (P, M, M), mask (P, M)) tensors.

    ``centre=False`` gives the raw Gram (:func:`detector.similarity.raw_gram`).
    """
    import torch

    last = last_per_cell(model_idx, prompt_idx, n_models)
    if last is not None:  # several samples of one (model, prompt): the last one enters
        features = features[last]
        model_idx, prompt_idx = model_idx[last], prompt_idx[last]
        covariates = None if covariates is None else np.asarray(covariates)[last]
    dev = torch.device(device)
    pidx = torch.as_tensor(prompt_idx, device=dev)
    midx = torch.as_tensor(model_idx, device=dev)
    m = torch.zeros((n_prompts, n_models), dtype=torch.float64, device=dev)
    m[pidx, midx] = 1.0
    shape = (n_prompts, n_models)
    cc = None
    if covariates is not None and beta is not None:
        cc = _centre(_scatter(covariates, pidx, midx, shape, dev), m)
        b = torch.as_tensor(beta, dtype=torch.float64, device=dev)
    if not sp.issparse(features):
        r = _scatter(np.asarray(features), pidx, midx, shape, dev)
        if not centre:
            return torch.bmm(r, r.transpose(1, 2)), m
        r = _centre(r, m)
        if cc is not None:
            r = r - cc @ b
        return torch.bmm(r, r.transpose(1, 2)), m
    x = sp.csr_matrix(features)
    x.sort_indices()
    prompt_of_entry, local, width = _union_columns(x, prompt_idx, n_prompts)
    model_of_entry = np.repeat(model_idx, np.diff(x.indptr))
    where = tuple(torch.as_tensor(a, device=dev) for a in (prompt_of_entry, model_of_entry, local))
    scale = _binary_scale(x)
    if scale is not None:  # 0/1 patterns: float32 products are exact counts (below 2^24)
        pattern = torch.zeros((n_prompts, n_models, width), dtype=torch.float32, device=dev)
        pattern[where] = 1.0
        g = torch.bmm(pattern, pattern.transpose(1, 2)).to(torch.float64)
        s = torch.zeros(shape, dtype=torch.float64, device=dev)
        s[pidx, midx] = torch.as_tensor(scale, dtype=torch.float64, device=dev)
        g *= s.unsqueeze(2)
        g *= s.unsqueeze(1)
    else:
        dense = torch.zeros((n_prompts, n_models, width), dtype=torch.float64, device=dev)
        dense[where] = torch.as_tensor(x.data, dtype=torch.float64, device=dev)
        g = torch.bmm(dense, dense.transpose(1, 2))
    if not centre:
        return g, m
    n = m.sum(dim=1).clamp(min=1.0)
    r = g.sum(dim=2) / n.unsqueeze(1)
    t = r.sum(dim=1) / n
    left = [r.unsqueeze(2), m.unsqueeze(2)]
    k = 0
    if cc is not None:
        q = np.asarray(x @ np.asarray(beta).T)
        qc = _centre(_scatter(q, pidx, midx, shape, dev), m)
        left += [qc, cc]
        k = cc.shape[2]
    lmat = torch.cat(left, dim=2)
    w = torch.zeros((n_prompts, 2 + 2 * k, 2 + 2 * k), dtype=torch.float64, device=dev)
    w[:, 0, 1] = -1.0
    w[:, 1, 0] = -1.0
    w[:, 1, 1] = t
    if k:
        eye = torch.eye(k, dtype=torch.float64, device=dev)
        w[:, 2 : 2 + k, 2 + k :] = -eye
        w[:, 2 + k :, 2 : 2 + k] = -eye
        w[:, 2 + k :, 2 + k :] = b @ b.T
    g += torch.bmm(torch.bmm(lmat, w), lmat.transpose(1, 2))
    return g, m


def jaccard_from_gram(gram: Any) -> Any:
    """:func:`detector.similarity.jaccard_from_gram` on tensors (overwrites ``gram``)."""
    import torch

    diag = torch.diagonal(gram, dim1=1, dim2=2).clone()
    union = diag.unsqueeze(2) + diag.unsqueeze(1) - gram
    return torch.where(union > 0, gram / torch.where(union > 0, union, 1.0), 0.0)


def similarity_from_gram(gram: Any, m: Any, kind: str = "cosine") -> Any:
    """:func:`detector.similarity.similarity_from_gram` on tensors (overwrites ``gram``)."""
    import torch

    diag = torch.diagonal(gram, dim1=1, dim2=2).clone()
    if kind == "cosine":
        s = torch.where(diag > 1e-24, 1.0 / torch.sqrt(diag.clamp(min=1e-300)), 0.0)
        gram *= s.unsqueeze(2)
        gram *= s.unsqueeze(1)
        return gram
    from .similarity import _REL_VAR_FLOOR

    n_all = m.sum(dim=1, keepdim=True)
    n_off = (n_all - 1).clamp(min=1.0)
    sums = torch.bmm(gram, torch.stack([m, diag], dim=2))
    row, gd = sums[..., 0], sums[..., 1]
    sq = (gram * gram).sum(dim=2)
    sum_d = diag.sum(dim=1, keepdim=True)
    sum_d2 = (diag * diag).sum(dim=1, keepdim=True)
    s1 = n_all * diag + sum_d - 2 * row
    s2 = n_all * diag * diag + sum_d2 + 4 * sq + 2 * diag * sum_d - 4 * diag * row - 4 * gd
    mean = s1 / n_off
    mean_sq = s2 / n_off
    var = mean_sq - mean * mean
    ok = (var > 1e-18) & (var > _REL_VAR_FLOOR * mean_sq) & (m > 0) & (n_all > 1)
    b = torch.where(ok, 0.5 / torch.sqrt(torch.where(ok, var, 1.0)), 0.0)
    c = mean * b - diag * b
    low = torch.bmm(torch.stack([c, m, diag, b], dim=2), torch.stack([m, c, -b, -diag], dim=1))
    tmp = gram * (2 * b).unsqueeze(2)
    gram *= (2 * b).unsqueeze(1)
    gram += tmp
    gram += low
    torch.diagonal(gram, dim1=1, dim2=2).zero_()
    return gram


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
    device: str | None = None,
    group: int | None = None,
) -> Iterator[tuple[int, Any, Any]]:
    """:func:`detector.similarity.prompt_similarities` on a torch device.

    Yields
    ------
    first : int
    sims : torch.Tensor, shape (n_group, n_models, n_models), float64, on the device
    mask : torch.Tensor, shape (n_group, n_models), float64 (1 where answered)
    """
    dev = _device(device)
    size = group or max(1, GPU_GROUP_BYTES // (8 * max(n_models, 1) ** 2 * 4))
    order = np.argsort(prompt_idx, kind="stable")
    bounds = np.searchsorted(prompt_idx[order], np.arange(0, n_prompts + size, size))
    bounds = np.minimum(bounds, len(order))
    x = sp.csr_matrix(features) if sp.issparse(features) else np.asarray(features)
    cov = None if covariates is None else np.asarray(covariates)
    for g, first in enumerate(range(0, n_prompts, size)):
        rows = order[bounds[g] : bounds[g + 1]]
        count = min(size, n_prompts - first)
        if kind == "overlap":  # binary rows compared as sets: the raw Gram
            gram, m = residual_gram(x[rows], model_idx[rows], prompt_idx[rows] - first,
                                    n_models, count, None, None, dev, centre=False)  # fmt: skip
            yield first, jaccard_from_gram(gram), m
            continue
        gram, m = residual_gram(
            x[rows], model_idx[rows], prompt_idx[rows] - first, n_models, count,
            None if cov is None else cov[rows], beta, dev,
        )  # fmt: skip
        yield first, similarity_from_gram(gram, m, kind), m


class Products:
    """:class:`detector.streaming._Products` on a torch device: ``W @ S`` summed over prompts.

    Rows are rounded to float32 as they are buffered (as the CPU path and the
    in-memory tensor hold them) and added with one float64 ``addmm`` per
    buffer.
    """

    def __init__(self, n_weights: int, width: int, device: str | None, capacity: int = 1024):
        import torch

        self.dev = _device(device)
        self.k, self.width, self.capacity = n_weights, width, capacity
        self.rows = torch.zeros((capacity, width), dtype=torch.float32, device=self.dev)
        self.weights = torch.zeros((n_weights, capacity), dtype=torch.float64, device=self.dev)
        self.sums = torch.zeros((n_weights, width), dtype=torch.float64, device=self.dev)
        self.used = 0
        self.touched = False

    def add(self, rows: Any, weights: np.ndarray) -> None:
        """Add prompts: ``rows`` (n, width) tensor or array, ``weights`` (k, n)."""
        import torch

        self.touched = True
        rows = torch.as_tensor(rows, device=self.dev)
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64), device=self.dev)
        start = 0
        while start < len(rows):
            take = min(len(rows) - start, self.capacity - self.used)
            self.rows[self.used : self.used + take] = rows[start : start + take]
            self.weights[:, self.used : self.used + take] = w[:, start : start + take]
            self.used += take
            start += take
            if self.used == self.capacity:
                self.flush()

    def flush(self) -> None:
        if not self.used:
            return
        s = self.rows[: self.used].to(dtype=self.sums.dtype)
        self.sums.addmm_(self.weights[:, : self.used], s)
        self.used = 0

    def result(self) -> list[np.ndarray]:
        """The sums as one panel, shape (k, width), float64, on the host."""
        self.flush()
        return [self.sums.cpu().numpy()]

"""The pairwise stage streamed over blocks of prompts: bounded memory, the same numbers.

:func:`~detector.evidence.build_evidence` holds, per channel, a tensor of
shape (n_prompts, n_models, n_models): 2.5 billion cells for 500 models and
10,000 prompts. Everything read from it downstream is a weighted mean over
prompts, ``A_w = sum_p w_p S_p / sum_p w_p M_p`` (S the per-prompt
similarities, M the pair mask), and the weights are known in advance:

- all ones (the affinity itself, and the channel scales);
- the split-half reliability halves (drawn from the seed);
- the bootstrap's prompt counts, drawn up front with the seed
  (:func:`bootstrap_counts`), shape (n_bootstrap, n_prompts).

So :func:`build_streamed_channels` walks the prompts block by block (a
block is a feature shard: :class:`~detector.shards.ShardPlan`) and adds each
block's part of every numerator and denominator. Per-prompt work is the same
code as in memory (:func:`~detector.similarity.prompt_similarities`, small
groups of prompts on the local cores); the weighted sums are BLAS products
of the weights by a buffer of a hundred or more prompts' similarities
(:class:`_Products`), kept as the upper triangle of each symmetric
n_models x n_models matrix. What spans prompts is accumulated in earlier
passes: the style z-scores (column means and variances, Chan et al. 1979
pairwise updates) and the covariate regression's sums ``X^T C`` and
``C^T C``. Results equal the in-memory ones to float rounding (summation
order); peak memory depends on the buffers and on n_weights x
n_models^2 / 2 for the sums, not on the number of prompts.

Weights that were not prepared (another seed, a jackknife) cost one more
pass over the blocks, all such vectors of one request together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from . import channels as registry
from .executor import Executor, LocalExecutor
from .progress import bar as progress_bar
from .similarity import covariate_map, covariate_sums, prompt_similarities

__all__ = [
    "BUFFER_BYTES",
    "STREAM_CELLS",
    "StreamedProfile",
    "StreamedSimilarity",
    "bootstrap_counts",
    "build_streamed_channels",
    "prepared_weights",
    "stream_by_default",
]

#: Stream when n_prompts x n_models^2 exceeds this (about 0.6 GB per channel in memory).
STREAM_CELLS = 50_000_000
#: Memory of the per-prompt similarity rows waiting for one product (per channel).
BUFFER_BYTES = 64 * 2**20
#: Columns (pairs of models) per panel of that product; fixed, so sums do not depend on threads.
PANEL = 16_384
#: Random halves of the prompts for the split-half reliability weights (as
#: :func:`detector.evidence.split_half_reliability`): 32 (was 4, whose one draw could
#: decide whether a channel counts on 20 prompts, field case 27).
SPLIT_REPEATS = 32
#: The pairwise pass runs as this many groups of consecutive shards, each returning one
#: partial sum (few large transfers from distributed workers; the same grouping locally,
#: so both add in the same order and agree to the last bit).
TASK_GROUPS = 16


def stream_by_default(n_prompts: int, n_models: int) -> bool:
    """True when the dense per-prompt tensors would be too large to hold."""
    return n_prompts * n_models**2 > STREAM_CELLS


def bootstrap_counts(
    n_prompts: int, n_bootstrap: int, seed: int, order: np.ndarray | None = None
) -> np.ndarray:
    """Multinomial prompt resampling counts, shape (n_bootstrap, n_prompts), float64.

    The draws every bootstrap of this package uses (scores, tree supports),
    so streamed evidence can prepare them in its one pass
    (:func:`prepared_weights`). ``order`` (shape (n_prompts,)): prompt ``i``
    takes the draw of position ``order[i]`` (:attr:`Evidence.draw_order
    <detector.evidence.Evidence.draw_order>`, the rank of its text), so the
    draws follow the prompts, not how their ids sort.
    """
    rng = np.random.default_rng(seed)
    uniform = np.full(n_prompts, 1 / n_prompts)
    counts = rng.multinomial(n_prompts, uniform, size=n_bootstrap).astype(np.float64)
    return counts if order is None else counts[:, order]


def split_halves(
    n_prompts: int, seed: int, repeats: int = SPLIT_REPEATS, order: np.ndarray | None = None
) -> np.ndarray:
    """The random halves of the split-half reliability, shape (repeats, n_prompts), bool.

    ``order`` as for :func:`bootstrap_counts`.
    """
    rng = np.random.default_rng(seed)
    halves = np.array(
        [rng.permutation(n_prompts) < n_prompts // 2 for _ in range(repeats)], dtype=bool
    ).reshape(repeats, n_prompts)
    return halves if order is None else halves[:, order]


def prepared_weights(
    n_prompts: int, seed: int, n_bootstrap: int = 0, order: np.ndarray | None = None
) -> np.ndarray:
    """The prompt weights evidence asks for: ones, the split halves, the bootstrap counts.

    Returns
    -------
    numpy.ndarray, shape (1 + 2 * SPLIT_REPEATS + n_bootstrap, n_prompts), float64
    """
    rows = [np.ones(n_prompts)]
    for half in split_halves(n_prompts, seed, order=order):  # as split_half_reliability
        rows += [half.astype(float), (~half).astype(float)]
    out = np.vstack(rows)
    if n_bootstrap:
        out = np.vstack([out, bootstrap_counts(n_prompts, n_bootstrap, seed, order)])
    return out


def _weight_key(w: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(w, dtype=np.float64).tobytes()).digest()


# ------------------------------------------------------------------ work items
@dataclass
class Blocks:
    """Reads one block's features: from shards on disk, or slices of in-memory matrices."""

    rows: tuple[np.ndarray, ...]
    store: Any = None
    keys: dict[str, list[str]] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)

    def read(self, name: str, b: int) -> Any:
        if name in self.keys:
            entry = self.store.load(
                name, self.keys[name][b], n_rows=len(self.rows[b]), names_hash=self.hashes[name]
            )
            if entry is None:
                from .errors import ProvenanceError

                raise ProvenanceError(
                    f"feature shard {b} of channel {name} is missing or damaged; compute the "
                    "features again (it will be recomputed)"
                )
            return entry[0]
        return self.memory[name][self.rows[b]]


@dataclass
class Setup:
    """What every block needs (shared, read-only; shipped once to distributed workers)."""

    blocks: Blocks
    kinds: dict[str, str]
    names: dict[str, list[str]]
    n_models: int
    control_format: bool
    stats: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    betas: dict[str, np.ndarray] = field(default_factory=dict)
    threads: int = 1
    device: str | None = None

    @property
    def backend(self) -> str:
        """``"torch"`` on a CUDA device, ``"numpy"`` on the CPU (:func:`~detector.similarity_torch.backend_for`)."""
        from .similarity_torch import backend_for

        return backend_for(self.device)


@dataclass
class Task:
    """One shard's kept outputs: positions in the shard, model and local prompt of each."""

    b: int
    positions: np.ndarray
    model_idx: np.ndarray
    prompt_idx: np.ndarray
    n_prompts: int
    first_prompt: int
    weights: np.ndarray | None = None
    pair: tuple[int, int] | None = None


def _rows(setup: Setup, name: str, task: Task) -> Any:
    m = setup.blocks.read(name, task.b)
    pos = task.positions
    if len(pos) == m.shape[0] and (len(pos) == 0 or pos[-1] == len(pos) - 1):
        return m  # every row of the shard, in order (positions are increasing)
    return m[pos]


def _standardized(x: np.ndarray, stats: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mean, sd = stats
    return np.divide(x - mean, sd, out=np.zeros_like(x), where=sd > 1e-12)


def _prepare(setup: Setup, name: str, rows: Any) -> Any:
    spec = registry.get(name)
    if spec.row_prepare is not None:
        return _standardized(spec.row_prepare(rows, setup.names[name]), setup.stats[name])
    return spec.prepare(rows, setup.names[name])


def _covariates(setup: Setup, style_rows: Any) -> np.ndarray | None:
    if not setup.control_format:
        return None
    cov = registry.covariate_rows(style_rows, setup.names[registry.COVARIATE_CHANNEL])
    return _standardized(cov, setup.stats["covariates"])


# ------------------------------------------------------------------ passes (one task each)
def _moments_job(task: Task, setup: Setup) -> dict[str, tuple[int, np.ndarray, np.ndarray]]:
    """Count, mean and sum of squared deviations of the columns that are z-scored."""
    style_name = registry.COVARIATE_CHANNEL
    style = _rows(setup, style_name, task)
    parts: dict[str, np.ndarray] = {}
    if setup.control_format:
        parts["covariates"] = registry.covariate_rows(style, setup.names[style_name])
    for name in setup.kinds:
        spec = registry.get(name)
        if spec.row_prepare is not None:
            rows = style if name == style_name else _rows(setup, name, task)
            parts[name] = spec.row_prepare(rows, setup.names[name])
    out = {}
    for key, x in parts.items():
        mean = x.mean(axis=0)
        out[key] = (len(x), mean, ((x - mean) ** 2).sum(axis=0))
    return out


def _merge_moments(
    a: tuple[int, np.ndarray, np.ndarray], b: tuple[int, np.ndarray, np.ndarray]
) -> tuple[int, np.ndarray, np.ndarray]:
    """Chan, Golub & LeVeque's pairwise update of (count, mean, M2)."""
    na, ma, sa = a
    nb, mb, sb = b
    n = na + nb
    if n == 0:
        return a
    delta = mb - ma
    return n, ma + delta * (nb / n), sa + sb + delta**2 * (na * nb / n)


def _regression_job(task: Task, setup: Setup) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per channel, the block's ``X^T C`` and ``C^T C`` (:func:`covariate_sums`)."""
    style = _rows(setup, registry.COVARIATE_CHANNEL, task)
    cov = _covariates(setup, style)
    assert cov is not None, "the regression pass runs only with control_format"
    out = {}
    for name, kind in setup.kinds.items():
        if kind in ("profile", "overlap"):  # compared as claims or as sets: nothing regressed
            continue
        rows = style if name == registry.COVARIATE_CHANNEL else _rows(setup, name, task)
        x = _prepare(setup, name, rows)
        out[name] = covariate_sums(
            x, cov, task.model_idx, task.prompt_idx, setup.n_models, task.n_prompts
        )
    return out


def _sims_groups(
    setup: Setup, name: str, kind: str, x: Any, cov: np.ndarray | None, task: Task
) -> Any:
    """The task's per-prompt similarities of one channel, a group of prompts at a time."""
    if setup.backend == "torch":
        from . import similarity_torch

        return similarity_torch.prompt_similarities(
            x, task.model_idx, task.prompt_idx, setup.n_models, task.n_prompts,
            cov, setup.betas.get(name), kind, device=setup.device,
        )  # fmt: skip
    return prompt_similarities(
        x, task.model_idx, task.prompt_idx, setup.n_models, task.n_prompts,
        cov, setup.betas.get(name), kind, threads=setup.threads,
    )  # fmt: skip


def _products(setup: Setup, n_weights: int, width: int) -> Any:
    if setup.backend == "torch":
        from .similarity_torch import Products

        return Products(n_weights, width, setup.device)
    return _Products(n_weights, width, setup.threads)


class _Products:
    """Weighted sums over prompts, ``W @ S``, accumulated as BLAS products of many prompts.

    Per-prompt rows (the upper triangle of a prompt's similarities, float32,
    as the in-memory tensor holds them) and their weight columns are
    buffered until :data:`BUFFER_BYTES` are held, then added with one
    ``dgemm`` (``beta = 1``, in place) per panel of :data:`PANEL` columns:
    inner dimension a hundred prompts or more, so the product runs near the
    BLAS peak rather than at the speed of memory. Panels are fixed, so the
    sums do not depend on the number of threads.

    Parameters
    ----------
    n_weights, width : int
        Rows of W, and columns of S (cells per prompt).
    threads : int
    """

    def __init__(self, n_weights: int, width: int, threads: int) -> None:
        self.k, self.width, self.threads = n_weights, width, threads
        self.capacity = int(np.clip(BUFFER_BYTES // (4 * max(width, 1)), 64, 1024))
        self.rows = np.zeros((self.capacity, width), dtype=np.float32)
        self.weights = np.zeros((self.capacity, n_weights))
        self.used = 0
        self.touched = False
        edges = list(range(0, width, PANEL)) + [width]
        self.panels = list(zip(edges[:-1], edges[1:], strict=True))
        # each panel's sums, (k, pw) C-ordered: joined row by row at the end (_joined)
        self.sums = [np.zeros((n_weights, b - a)) for a, b in self.panels]

    def add(self, rows: np.ndarray, weights: np.ndarray) -> None:
        """Add prompts: ``rows`` (n, width), ``weights`` (k, n)."""
        self.touched = True
        start = 0
        while start < len(rows):
            take = min(len(rows) - start, self.capacity - self.used)
            self.rows[self.used : self.used + take] = rows[start : start + take]
            self.weights[self.used : self.used + take] = weights[:, start : start + take].T
            self.used += take
            start += take
            if self.used == self.capacity:
                self.flush()

    def flush(self) -> None:
        if not self.used:
            return
        import torch

        from .executor import ordered_threads

        # torch's addmm adds in place and releases the GIL (SciPy's BLAS wrappers hold it,
        # which stopped every other thread for the length of each product)
        w = torch.from_numpy(np.ascontiguousarray(self.weights[: self.used].T))  # (k, n)

        def panel(q: int) -> None:
            a, b = self.panels[q]
            s = torch.from_numpy(self.rows[: self.used, a:b].astype(np.float64))  # (n, pw)
            torch.from_numpy(self.sums[q]).addmm_(w, s)  # (k, pw) += (k, n) @ (n, pw)

        # one torch thread per product (single_blas): the sums do not depend on threads
        for _ in ordered_threads(panel, range(len(self.panels)), self.threads, single_blas=True):
            pass
        self.used = 0

    def result(self) -> list[np.ndarray]:
        """The sums by panel: (k, panel width) arrays, float64 (see :func:`_joined`)."""
        self.flush()
        return self.sums


def _host(values: Any) -> np.ndarray:
    """A NumPy array of values that may be a torch tensor on a device."""
    return values.cpu().numpy() if hasattr(values, "cpu") else np.asarray(values)


def _triangle(m: int) -> np.ndarray:
    """Flat positions (i * m + j) of the upper triangle, diagonal included, row by row."""
    i, j = np.triu_indices(m)
    return i * m + j


def triangle_index(m: int) -> np.ndarray:
    """Position in the upper-triangle layout of every cell (i, j), shape (m, m), int64."""
    i, j = np.triu_indices(m)
    out = np.empty((m, m), dtype=np.int64)
    out[i, j] = np.arange(len(i))
    out[j, i] = np.arange(len(i))
    return out


def _load(task: Task, setup: Setup) -> tuple[dict[str, Any], np.ndarray | None]:
    """A shard's rows of every channel, prepared, and its covariates (reading and preparing)."""
    data = {name: _rows(setup, name, task) for name in setup.kinds}
    style = data.get(registry.COVARIATE_CHANNEL)
    if style is None and setup.control_format:
        style = _rows(setup, registry.COVARIATE_CHANNEL, task)
    prepared = {name: _prepare(setup, name, rows) for name, rows in data.items()}
    return prepared, _covariates(setup, style) if setup.control_format else None


def _sums_job(
    task: Task,
    setup: Setup,
    acc: dict[str, Any],
    loaded: tuple[dict[str, Any], np.ndarray | None] | None = None,
) -> None:
    """Add one shard's part of every weighted numerator and denominator to ``acc``.

    For a pair request (``task.pair``), ``acc["pair"]`` gathers the pair's
    per-prompt similarities instead.
    """
    m = setup.n_models
    w = task.weights if task.weights is not None else np.zeros((0, task.n_prompts))
    prepared, cov = loaded if loaded is not None else _load(task, setup)
    answered = np.zeros((task.n_prompts, m), dtype=bool)
    answered[task.prompt_idx, task.model_idx] = True
    acc["masks"].append((task.first_prompt, answered))
    tri = acc["triangle"]
    if setup.backend == "torch":
        import torch

        tri = torch.as_tensor(tri, device=setup.device)
    if task.pair is None:
        full = answered.all(axis=1)
        acc["den_full"] += w[:, full].sum(axis=1)
        if not full.all():
            part = np.flatnonzero(~full)
            pair = answered[part][:, :, None] & answered[part][:, None, :]
            rows = np.take(pair.reshape(len(part), -1), acc["triangle"], axis=1)
            acc["den_partial"].add(rows, w[:, part])
        acc["pden"] += w @ answered.astype(np.float64)
    for name, kind in setup.kinds.items():
        x = prepared[name]
        if kind == "profile":
            _profile_part(acc, name, x, m, w, task)
            continue
        for first, sims, _ in _sims_groups(setup, name, kind, x, cov, task):
            flat = sims.reshape(len(sims), -1)
            if task.pair is not None:
                i, j = task.pair
                # rounded to float32, as the in-memory tensor holds them
                value = np.asarray(_host(flat[:, i * m + j]), dtype=np.float32)
                acc["pair"].setdefault(name, []).append(value.astype(np.float64))
                continue
            # np.take: a quarter of the time of fancy indexing for this gather
            upper = flat[:, tri] if setup.backend == "torch" else np.take(flat, tri, axis=1)
            acc["num"][name].add(upper, w[:, first : first + len(sims)])


def _profile_part(
    acc: dict[str, Any],
    name: str,
    prepared: tuple[np.ndarray, list[str]],
    m: int,
    w: np.ndarray,
    task: Task,
) -> None:
    if task.pair is not None:
        return
    claims_rows = prepared[0]
    claims = np.zeros((task.n_prompts, m, claims_rows.shape[1]))
    claims[task.prompt_idx, task.model_idx] = claims_rows
    part = np.einsum("kp,pmv->kmv", w, claims)
    acc["profile"][name] = part if name not in acc["profile"] else acc["profile"][name] + part


# ------------------------------------------------------------------ the accumulated sums
_Job = TypeVar("_Job")
_Out = TypeVar("_Out")


class StreamedSums:
    """Numerators and denominators of every prepared weight vector, for all channels.

    Similarity channels' numerators (and the denominators, where some model
    left a prompt out) are kept as the upper triangle of each n_models x
    n_models matrix (:func:`triangle_index`), since per-prompt similarities
    are symmetric: half the memory and half the products.

    Parameters
    ----------
    setup : Setup
    tasks : list of Task
        One per shard with kept outputs (weights unset).
    executor : Executor
    n_prompts : int
    progress : bool
    """

    def __init__(
        self, setup: Setup, tasks: list[Task], executor: Executor, n_prompts: int, progress: bool
    ) -> None:
        self.setup, self.tasks, self.executor = setup, tasks, executor
        self.n_prompts, self.progress = n_prompts, progress
        m = setup.n_models
        self.index: dict[bytes, int] = {}
        self.num: dict[str, np.ndarray] = {}
        self.den_full = np.zeros(0)
        self.den_partial: np.ndarray | None = None  # only where some model left a prompt out
        self.pden = np.zeros((0, m))
        self.answered = np.zeros((n_prompts, m), dtype=bool)
        self.vendors: dict[str, list[str]] = {}
        self.cells = triangle_index(m)
        self._pair: tuple[tuple[int, int], dict[str, np.ndarray]] | None = None

    def _run(
        self, job: Callable[[_Job, Setup], _Out], tasks: list[_Job], desc: str
    ) -> Iterator[_Out]:
        pbar = progress_bar(total=len(tasks), desc=desc, unit="block", progress=self.progress)
        for result in self.executor.map(job, tasks, shared=self.setup):
            yield result
            pbar.update(1)
        pbar.close()

    def _with(self, weights: np.ndarray | None, pair: tuple[int, int] | None = None) -> list[Task]:
        out = []
        for t in self.tasks:
            w = (
                None
                if weights is None
                else weights[:, t.first_prompt : t.first_prompt + t.n_prompts]
            )
            out.append(Task(t.b, t.positions, t.model_idx, t.prompt_idx, t.n_prompts,
                            t.first_prompt, w, pair))  # fmt: skip
        return out

    def ensure(self, weights: np.ndarray) -> np.ndarray:
        """Rows of the stored sums for ``weights`` (n, n_prompts), computing missing ones."""
        weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
        keys = [_weight_key(w) for w in weights]
        missing = {}
        for key, w in zip(keys, weights, strict=True):
            if key not in self.index and key not in missing:
                missing[key] = w
        if missing:
            self._accumulate(list(missing), np.vstack(list(missing.values())))
        return np.array([self.index[key] for key in keys], dtype=np.int64)

    def _groups(self, tasks: list[Task]) -> list[list[Task]]:
        n = min(TASK_GROUPS, len(tasks))
        return [[tasks[i] for i in idx] for idx in np.array_split(np.arange(len(tasks)), n)]

    def _accumulate(self, keys: list[bytes], weights: np.ndarray) -> None:
        m, k = self.setup.n_models, len(weights)
        total: dict[str, Any] | None = None
        for part in self._run(_group_sums_job, self._groups(self._with(weights)), "pairwise"):
            total = part if total is None else _merge_parts(total, part)
        assert total is not None
        for first, mask in total["masks"]:
            self.answered[first : first + len(mask)] = mask
        start = len(self.index)
        width = m * (m + 1) // 2
        for name, kind in self.setup.kinds.items():
            if kind == "profile":
                value = total["profile"].get(name, np.zeros((k, m, 0)))
            else:
                value = _joined(total["num"].get(name, np.zeros((k, width))), k)
            self.num[name] = (
                value if name not in self.num else np.concatenate([self.num[name], value])
            )
        partial = None if total["den_partial"] is None else _joined(total["den_partial"], k)
        if partial is not None and self.den_partial is None:
            self.den_partial = np.zeros((len(self.den_full), width))
        if self.den_partial is not None:
            self.den_partial = np.concatenate(
                [self.den_partial, partial if partial is not None else np.zeros((k, width))]
            )
        self.den_full = np.concatenate([self.den_full, total["den_full"]])
        self.pden = np.concatenate([self.pden, total["pden"]])
        for i, key in enumerate(keys):
            self.index[key] = start + i

    def ratio(self, name: str, idx: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Numerator over denominator for stored rows ``idx``, shape (n, len(rows), n_models)."""
        cells = self.cells[rows].ravel()
        num = self.num[name]
        out = np.empty((len(idx), len(cells)))
        for k, i in enumerate(idx):  # one stored row at a time: no copy of every row
            np.take(num[i], cells, out=out[k])
        if self.den_partial is None:  # every model answered every prompt
            out /= np.maximum(self.den_full[idx], 1e-12)[:, None]
        else:
            for k, i in enumerate(idx):
                den = np.take(self.den_partial[i], cells) + self.den_full[i]
                out[k] /= np.maximum(den, 1e-12)
        return out.reshape(len(idx), len(rows), self.setup.n_models)

    def pair(self, i: int, j: int) -> dict[str, np.ndarray]:
        """Per-prompt similarity of models i and j in every similarity channel (one pass)."""
        if self._pair is None or self._pair[0] != (i, j):
            values: dict[str, list[np.ndarray]] = {}
            for part in self._run(_group_sums_job, self._groups(self._with(None, (i, j))), "pair"):
                for name, pieces in part["pair"].items():
                    values.setdefault(name, []).extend(pieces)
            self._pair = ((i, j), {n: np.concatenate(v) for n, v in values.items()})
        return self._pair[1]


def _group_sums_job(group: list[Task], setup: Setup) -> dict[str, Any]:
    """The summed parts of consecutive shards (one result per group, so few transfers)."""
    m = setup.n_models
    k = 0 if group[0].weights is None else len(group[0].weights)
    width = m * (m + 1) // 2
    acc: dict[str, Any] = {
        "num": {
            name: _products(setup, k, width)
            for name, kind in setup.kinds.items()
            if kind != "profile"
        },
        "profile": {},
        "den_full": np.zeros(k),
        "den_partial": _products(setup, k, width),
        "pden": np.zeros((k, m)),
        "masks": [],
        "pair": {},
        "triangle": _triangle(m),
    }
    from .executor import ordered_threads

    # the next shard is read and prepared while this one's products run
    loads = ordered_threads(lambda t: _load(t, setup), group, min(setup.threads, 2), window=1)
    for task, loaded in zip(group, loads, strict=True):
        _sums_job(task, setup, acc, loaded)
    partial = acc["den_partial"]
    return {
        "num": {name: products.result() for name, products in acc["num"].items()},
        "profile": acc["profile"],
        "den_full": acc["den_full"],
        "den_partial": partial.result() if partial.touched else None,
        "pden": acc["pden"],
        "masks": acc["masks"],
        "pair": acc["pair"],
    }


def _add(a: Any, b: Any) -> Any:
    """a + b for arrays, panel by panel for lists of panels (in place on ``a``'s panels)."""
    if isinstance(a, list):
        for x, y in zip(a, b, strict=True):
            x += y
        return a
    return a + b


def _joined(value: Any, rows: int) -> np.ndarray:
    """Panels (a list of (rows, width) arrays) joined into one (rows, total width) array."""
    if not isinstance(value, list):
        return value
    return np.concatenate(value, axis=1) if value else np.zeros((rows, 0))


def _merge_parts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Add two groups' parts, in that order."""
    for key in ("num", "profile"):
        for name, value in b[key].items():
            a[key][name] = value if name not in a[key] else _add(a[key][name], value)
    a["den_full"] = a["den_full"] + b["den_full"]
    if b["den_partial"] is not None:
        dp = b["den_partial"]
        a["den_partial"] = dp if a["den_partial"] is None else _add(a["den_partial"], dp)
    a["pden"] = a["pden"] + b["pden"]
    a["masks"] = a["masks"] + b["masks"]
    for name, pieces in b["pair"].items():
        a["pair"][name] = a["pair"].get(name, []) + pieces
    return a


# ------------------------------------------------------------------ channels
@dataclass
class StreamedSimilarity:
    """A channel's prompt-weighted affinities, from sums accumulated block by block.

    Stands in for :class:`~detector.similarity.SimilarityTensor` (same
    ``affinity``, ``shared_counts`` and ``pair_values``) without holding the
    per-prompt tensor.
    """

    name: str
    models: list[str]
    prompt_ids: list[str]
    sums: StreamedSums

    def prepare_weights(self, weights: np.ndarray) -> None:
        """Make sure the sums of these weight vectors exist (one pass for all missing)."""
        self.sums.ensure(weights)

    def affinities(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Affinities for many weight vectors, shape (n_weights, n_rows, n_models)."""
        idx = self.sums.ensure(weights)
        rows = np.arange(len(self.models)) if rows is None else np.asarray(rows)
        return self.sums.ratio(self.name, idx, rows)

    def affinity(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Mean similarity over shared prompts, shape (n_models, n_models)."""
        w = np.ones(len(self.prompt_ids)) if weights is None else weights
        return self.affinities(w[None, :])[0]

    def shared_counts(self) -> np.ndarray:
        """Prompts each pair of models both answered, shape (n_models, n_models), int64."""
        a = self.sums.answered.astype(np.float64)  # a BLAS product; exact counts
        return np.rint(a.T @ a).astype(np.int64)

    def pair_values(self, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Similarity of models i and j on every prompt, and where both answered (one pass)."""
        a = self.sums.answered
        return self.sums.pair(i, j)[self.name], a[:, i] & a[:, j]


@dataclass
class StreamedProfile:
    """A "profile" channel (identity leaks) from claim sums accumulated block by block.

    Stands in for :class:`~detector.evidence.ShareProfile` (``shares``,
    ``affinity``, ``mask``, ``vendors``) without the per-prompt claims.
    """

    name: str
    models: list[str]
    prompt_ids: list[str]
    vendors: list[str]
    sums: StreamedSums

    @property
    def mask(self) -> np.ndarray:
        """Who answered what, shape (n_prompts, n_models), bool."""
        return self.sums.answered

    def prepare_weights(self, weights: np.ndarray) -> None:
        self.sums.ensure(weights)

    def shares(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Share of each model's outputs making each claim, shape (n_models, n_claims)."""
        w = np.ones(len(self.prompt_ids)) if weights is None else weights
        i = self.sums.ensure(w[None, :])[0]
        return self.sums.num[self.name][i] / np.maximum(self.sums.pden[i], 1e-12)[:, None]

    def affinity(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Overlap of claim shares, sum_v min(s_iv, s_jv), shape (n_models, n_models)."""
        s = self.shares(weights)
        return np.minimum(s[:, None, :], s[None, :, :]).sum(axis=2)


# ------------------------------------------------------------------ building
def tasks_of(
    plan_rows: tuple[np.ndarray, ...], keep: np.ndarray, model_idx: np.ndarray,
    prompt_idx: np.ndarray,
) -> list[Task]:  # fmt: skip
    """One task per shard with kept rows; ``model_idx``/``prompt_idx`` are per corpus row."""
    tasks = []
    for b, rows in enumerate(plan_rows):
        positions = np.flatnonzero(keep[rows])
        if not len(positions):
            continue
        picked = rows[positions]
        prompts = prompt_idx[picked]
        first = int(prompts.min())
        if len(np.unique(prompts)) != int(prompts.max()) - first + 1:  # pragma: no cover
            raise RuntimeError("a shard's prompts are not consecutive in the evidence's order")
        tasks.append(Task(b, positions, model_idx[picked], prompts - first,
                          int(prompts.max()) - first + 1, first))  # fmt: skip
    return tasks


def build_streamed_channels(
    setup: Setup,
    tasks: list[Task],
    models: list[str],
    pids: list[str],
    *,
    seed: int,
    n_bootstrap: int,
    executor: Executor | None = None,
    progress: bool = False,
    order: np.ndarray | None = None,
) -> dict[str, Any]:
    """Run the passes and return the channels (:class:`StreamedSimilarity` / :class:`StreamedProfile`).

    Pass 1 (when a channel is z-scored or format is controlled): column
    moments; pass 2 (format control): the regression sums, then one
    covariate map per channel; pass 3: the weighted sums of
    :func:`prepared_weights`.
    """
    executor = executor or LocalExecutor()
    if not executor.distributed:  # a local run shares the cores among groups of prompts
        from .devices import available_cores

        setup.threads = available_cores()
    sums = StreamedSums(setup, tasks, executor, len(pids), progress)
    needs_moments = setup.control_format or any(
        registry.get(n).row_prepare is not None for n in setup.kinds
    )
    if needs_moments:
        total: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}
        for part in sums._run(_moments_job, tasks, "z-scores"):
            for key, value in part.items():
                total[key] = value if key not in total else _merge_moments(total[key], value)
        setup.stats = {k: (mean, np.sqrt(m2 / max(n, 1))) for k, (n, mean, m2) in total.items()}
    if setup.control_format:
        acc: dict[str, list[Any]] = {}
        for block_sums in sums._run(_regression_job, tasks, "regression"):
            for name, (xtc, ctc) in block_sums.items():
                if name in acc:
                    acc[name][0] = acc[name][0] + xtc
                    acc[name][1] = acc[name][1] + ctc
                else:
                    acc[name] = [xtc, ctc]
        setup.betas = {name: covariate_map(xtc, ctc) for name, (xtc, ctc) in acc.items()}
    sums.ensure(prepared_weights(len(pids), seed, n_bootstrap, order))
    built: dict[str, Any] = {}
    for name, kind in setup.kinds.items():
        if kind == "profile":
            claim_names = _claim_names(name, setup.names[name])
            built[name] = StreamedProfile(name, list(models), pids, claim_names, sums)
        else:
            built[name] = StreamedSimilarity(name, list(models), pids, sums)
    return built


def _claim_names(name: str, names: list[str]) -> list[str]:
    spec = registry.get(name)
    return list(spec.prepare(np.zeros((0, len(names))), names)[1])

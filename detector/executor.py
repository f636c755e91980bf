"""Where per-shard work runs: in this process, or on a Dask cluster.

The per-output feature stages (embedding, stylometry, lexical counts,
identity leaks) and the per-prompt-block pairwise stage are written as pure
functions of one work item (a shard of outputs, a group of prompt blocks)
and of a shared, read-only state. An :class:`Executor` maps such a function
over the items and yields the results **in item order**, so the caller adds
partial sums in the same order whichever executor ran them, and a
distributed run gives the same numbers as a local one.

- :class:`LocalExecutor` (the default): a plain loop in this process; needs
  nothing beyond the package.
- :class:`DaskExecutor`: ``dask.distributed`` (the optional ``distributed``
  extra, ``pip install provenance-detector[distributed]``). It connects to a
  running scheduler (``--engine dask --scheduler tcp://host:8786``) or starts
  a local cluster on this machine. Workers must see the cache folder (a
  shared filesystem), since they write and read the feature shards there.

Why Dask and not Ray: measured in ``benchmarks/results/scale.md`` (start-up
time and the overhead of a small map on this machine); Dask is pure Python,
installs in seconds and starts a two-worker cluster several times faster,
and its futures API is all this module needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from .errors import ProvenanceError

__all__ = [
    "ENGINES",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "make_executor",
    "ordered_threads",
]

T = TypeVar("T")
R = TypeVar("R")

#: Engines ``make_executor`` knows.
ENGINES = ("local", "dask")


class Executor(Protocol):
    """Maps a function over work items, results in item order."""

    name: str

    def map(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any = None) -> Iterator[R]:
        """``fn(item, shared)`` for every item, yielded in the order of ``items``."""
        ...

    @property
    def distributed(self) -> bool:
        """True when work runs outside this process (the workers need shared files)."""
        ...


class _Box:
    """One object shipped to the workers as it is."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _unboxed(fn: Callable[[Any, Any], Any], item: Any, box: _Box) -> Any:
    return fn(item, box.value)


class LocalExecutor:
    """Run every item in this process, one after the other (the default)."""

    name = "local"

    def map(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any = None) -> Iterator[R]:
        for item in items:
            yield fn(item, shared)

    @property
    def distributed(self) -> bool:
        return False

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "LocalExecutor()"


class DaskExecutor:
    """Run items as ``dask.distributed`` futures, a bounded number in flight.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        Address of a running scheduler (``"tcp://10.0.0.5:8786"``), a client,
        or None to start a local cluster (``n_workers`` processes).
    n_workers : int, optional
        Workers of a local cluster (default: one per core).
    processes : bool
        Local cluster workers as processes (True) or threads in this process.
    window : int, optional
        Most items in flight at once (default: twice the workers), which
        bounds the memory held by results not yet consumed.

    Raises
    ------
    ProvenanceError
        When ``distributed`` is not installed or the scheduler cannot be
        reached.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: Any = None,
        *,
        n_workers: int | None = None,
        processes: bool = True,
        window: int | None = None,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ProvenanceError(
                "the dask engine needs the 'distributed' extra: "
                "pip install 'provenance-detector[distributed]'"
            ) from None
        self._own: list[Any] = []
        try:
            if scheduler is None:
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=processes,
                    dashboard_address=None,
                )
                self.client = Client(cluster)
                self._own = [self.client, cluster]
            elif isinstance(scheduler, str):
                self.client = Client(scheduler, timeout=30)
                self._own = [self.client]
            else:
                self.client = scheduler
        except OSError as exc:
            raise ProvenanceError(
                f"could not reach the dask scheduler {scheduler}: {exc}; check `scheduler`"
            ) from None
        workers = len(self.client.scheduler_info().get("workers", {})) or 1
        self.window = int(window) if window else 2 * workers

    @property
    def distributed(self) -> bool:
        return True

    def map(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any = None) -> Iterator[R]:
        if not len(items):
            return
        # boxed, so a dict or list is shipped as one object rather than scattered per element
        state = self.client.scatter(_Box(shared), broadcast=True)
        pending: list[Any] = []
        next_item = 0
        while next_item < len(items) or pending:
            while next_item < len(items) and len(pending) < self.window:
                task = self.client.submit(_unboxed, fn, items[next_item], state, pure=False)
                pending.append(task)
                next_item += 1
            future = pending.pop(0)
            result = future.result()
            future.release()
            yield result

    def close(self) -> None:
        """Close the client and the local cluster this executor started."""
        for thing in self._own:
            thing.close()
        self._own = []

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client.scheduler.address!r})"


def ordered_threads(
    fn: Callable[[T], R],
    items: Sequence[T],
    threads: int,
    window: int | None = None,
    single_blas: bool = False,
) -> Iterator[R]:
    """``fn(item)`` for every item on ``threads`` threads, yielded in item order.

    For work that spends its time in NumPy and BLAS (which release the GIL):
    the per-prompt pairwise kernel. With more than one thread, BLAS and torch
    run one thread each meanwhile (threadpoolctl), so the cores are shared by
    items rather than fought over inside each product: multi-threaded OpenBLAS
    on small products spends its time synchronizing, several times the work
    on a busy machine (``benchmarks/results/scale.md``). At most ``window``
    items (default ``2 * threads``) are in flight, which bounds the memory of
    results not yet consumed. Each item's result does not depend on the
    number of threads.

    Parameters
    ----------
    fn : callable
    items : sequence
    threads : int
        1 runs a plain loop in this thread.
    window : int, optional
    single_blas : bool
        With one thread too, run BLAS and torch on one thread meanwhile (for many
        small products, where more threads only synchronize); else they are
        left as they are.
    """
    if threads <= 1 or len(items) <= 1:
        if not single_blas:
            for item in items:
                yield fn(item)
            return
        with _one_blas_thread(), one_torch_thread():
            for item in items:
                yield fn(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    window = window or 2 * threads
    with (
        _one_blas_thread(),
        one_torch_thread(),
        ThreadPoolExecutor(threads) as pool,
    ):
        pending = []
        todo = iter(items)
        for item in todo:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                break
        while pending:
            result = pending.pop(0).result()
            for nxt in todo:  # at most one more item in flight
                pending.append(pool.submit(fn, nxt))
                break
            yield result


_CONTROLLER: Any = None


def _one_blas_thread() -> Any:
    """threadpoolctl's limit of the BLAS libraries to one thread, meanwhile.

    One controller per process: finding the loaded libraries takes some
    milliseconds, and the kernel sets the limit for every group of prompts.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


class one_torch_thread:  # noqa: N801 - a context manager used as a function
    """Torch's intra-op threads at 1 meanwhile (when torch is imported); not thread-safe:
    enter it from one thread (the caller of :func:`ordered_threads` does)."""

    def __enter__(self) -> None:
        import sys

        self.torch = sys.modules.get("torch")
        self.before = self.torch.get_num_threads() if self.torch is not None else 0
        if self.torch is not None and self.before != 1:
            self.torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        if self.torch is not None and self.torch.get_num_threads() != self.before:
            self.torch.set_num_threads(self.before)


def make_executor(
    engine: str | Executor | None = None, scheduler: Any = None, **kwargs: Any
) -> Executor:
    """An executor from an engine name (``"local"``, ``"dask"``) or an executor itself.

    Parameters
    ----------
    engine : str, Executor or None
        None and ``"local"`` give :class:`LocalExecutor`.
    scheduler : str, optional
        For ``"dask"``: the scheduler address (None starts a local cluster).
    **kwargs
        Passed to :class:`DaskExecutor`.

    Raises
    ------
    ProvenanceError
        An unknown engine.
    """
    if engine is None or engine == "local":
        return LocalExecutor()
    if not isinstance(engine, str):
        return engine
    if engine == "dask":
        return DaskExecutor(scheduler, **kwargs)
    raise ProvenanceError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")

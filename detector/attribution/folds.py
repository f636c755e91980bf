"""Prompt-grouped folds, and the one-BLAS-thread guard of the attribution fits."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import ProvenanceError

__all__ = ["grouped_folds", "one_blas_thread"]

F = TypeVar("F", bound=Callable[..., Any])


def grouped_folds(
    groups: Sequence[Any] | np.ndarray, n_folds: int, seed: int = 0
) -> list[np.ndarray]:
    """Test indices of each fold, every group (prompt) wholly inside one fold.

    Parameters
    ----------
    groups : array-like, shape (n_samples,)
        The group (prompt id) of each sample.
    n_folds : int
        Number of folds, at least 2 and at most the number of groups.
    seed : int
        Groups are shuffled with this seed, then dealt to the folds in turn,
        so fold sizes differ by at most one group.

    Returns
    -------
    list of numpy.ndarray of int
        Sorted test indices of each fold; together they partition the samples.

    Raises
    ------
    ProvenanceError
        Fewer than 2 folds, or more folds than groups.
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(groups)).astype(str), sort=True)
    if n_folds < 2 or n_folds > len(uniques):
        raise ProvenanceError(
            f"cannot make {n_folds} prompt-grouped folds from {len(uniques)} prompts; "
            "use between 2 and the number of prompts"
        )
    order = np.random.default_rng(seed).permutation(len(uniques))
    fold_of_group = np.empty(len(uniques), dtype=np.int64)
    fold_of_group[order] = np.arange(len(uniques)) % n_folds
    fold = fold_of_group[codes]
    return [np.flatnonzero(fold == k) for k in range(n_folds)]


def one_blas_thread(func: F) -> F:
    """Run ``func`` with one BLAS thread.

    The classifiers solve many small problems (lbfgs on a few thousand rows);
    multi-threaded OpenBLAS spends most of that time synchronizing threads.
    Measured on the dev corpus: a report's attribution section took 213 s
    with 2 BLAS threads and under 20 s with 1.
    """
    from threadpoolctl import threadpool_limits

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

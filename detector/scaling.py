"""Column transforms the channels share: a signed log for heavy tails, z-scores.

Used by the registry's preparation of the style features
(:mod:`detector.channels`) and by the reasoning-trace covariates
(:mod:`detector.traces`); a module of its own so that a transformer module
never imports the registry that names it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["signed_log", "standardize"]


def signed_log(x: np.ndarray) -> np.ndarray:
    """sign(x) * log(1 + |x|): tames heavy-tailed rates and counts.

    >>> signed_log(np.array([-3.0, 0.0, np.e - 1])).round(3).tolist()
    [-1.386, 0.0, 1.0]
    """
    return np.sign(x) * np.log1p(np.abs(x))


def standardize(x: np.ndarray) -> np.ndarray:
    """Column z-scores; constant columns become 0.

    >>> standardize(np.array([[1.0, 5.0], [3.0, 5.0]])).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    sd = x.std(axis=0)
    return np.divide(x - x.mean(axis=0), sd, out=np.zeros_like(x), where=sd > 1e-12)

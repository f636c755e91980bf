"""Checks of numeric parameters, shared by the library and the command line.

Each ``*_problem`` function returns what is wrong with a value in words ("must
be an integer of at least 1, got 0") or None; each ``check_*`` function raises
that as a :class:`~detector.errors.ProvenanceError` naming the parameter in
backticks, as every library message does. The command line's option types
use the ``*_problem`` functions, so a bad ``--seed`` and a bad ``seed=`` are
refused with the same words, before any work is done.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .errors import ProvenanceError

__all__ = [
    "check_alpha",
    "check_int",
    "check_positive",
    "check_seed",
    "fraction_problem",
    "int_problem",
    "positive_problem",
    "share_problem",
]


def int_problem(value: Any, minimum: int) -> str | None:
    """Why ``value`` is not an integer of at least ``minimum`` (None when it is)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        return f"must be an integer of at least {minimum}, got {value!r}"
    return None


def fraction_problem(value: Any) -> str | None:
    """Why ``value`` is not a number strictly between 0 and 1 (None when it is)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < float(value) < 1
    return None if ok else f"must be a number between 0 and 1 (exclusive), got {value!r}"


def share_problem(value: Any) -> str | None:
    """Why ``value`` is not a number above 0 and at most 1 (None when it is)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < float(value) <= 1
    return None if ok else f"must be a number above 0 and at most 1, got {value!r}"


def positive_problem(value: Any, *, allow_zero: bool = False) -> str | None:
    """Why ``value`` is not a finite number above 0 (or at least 0); None when it is."""
    ok = (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (float(value) >= 0 if allow_zero else float(value) > 0)
    )
    if ok:
        return None
    return f"must be a finite number {'of at least 0' if allow_zero else 'above 0'}, got {value!r}"


def _raise(name: str, problem: str | None) -> None:
    if problem is not None:
        raise ProvenanceError(f"`{name}` {problem}")


def check_int(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int, or a ProvenanceError when it is not an integer >= ``minimum``."""
    _raise(name, int_problem(value, minimum))
    return int(value)


def check_seed(seed: Any, name: str = "seed") -> int:
    """A random seed: an integer of at least 0 (NumPy refuses negative seeds)."""
    return check_int(seed, name, 0)


def check_alpha(alpha: Any, name: str = "alpha") -> float:
    """A significance level: strictly between 0 and 1."""
    _raise(name, fraction_problem(alpha))
    return float(alpha)


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A finite number above 0 (or at least 0 with ``allow_zero``)."""
    _raise(name, positive_problem(value, allow_zero=allow_zero))
    return float(value)

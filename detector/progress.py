"""Progress on stderr: stage messages and bars for long work.

Long steps (embedding, stylometry, n-gram counts, tree bootstrap, training)
say what they do on stderr, so that standard output stays the result. Every
library function with a ``progress`` argument reads it the same way:

- ``True``: show progress;
- ``False``: stay silent;
- ``None`` ("auto", the default): show it when stderr is a terminal or the
  code runs in a Jupyter kernel, so a redirected or piped run stays quiet.

The command line maps ``--progress`` / ``--no-progress`` (and ``-q``) onto
this argument.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["bar", "enabled", "finished", "stage", "timed"]

log = logging.getLogger("detector")


def enabled(progress: bool | None = None) -> bool:
    """Whether to show progress: ``progress`` itself, or "auto" when it is None."""
    if progress is not None:
        return bool(progress)
    if "ipykernel" in sys.modules:
        return True
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def stage(message: str, progress: bool | None = None) -> None:
    """Say which long step starts: logged at info level, else printed when progress is on.

    With the ``detector`` logger at info (``-v`` on the command line) the
    stage is a log line, so it is said once, with progress on or off.
    """
    if log.isEnabledFor(logging.INFO):
        log.info(message)
    elif enabled(progress):
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def timed(what: str, logger: logging.Logger | None = None) -> Iterator[None]:
    """Log at info level how long ``what`` took (``-v``), when it ends without an error."""
    start = time.perf_counter()
    yield
    (logger or log).info("%s: %.2f s", what, time.perf_counter() - start)


def bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "it",
    progress: bool | None = None,
) -> Any:
    """A tqdm progress bar on stderr, disabled when progress is off.

    Use it as ``tqdm`` itself: iterate over it, or call ``update`` and
    ``close``.
    """
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
        disable=not enabled(progress),
        # the remaining time from the average rate since the start, not a moving average of
        # the last items: items differ in size (length-sorted embedding batches, shards)
        smoothing=0,
    )


def finished(what: str, seconds: float, progress: bool | None = None) -> None:
    """Say that a long step ended and how long it took, as :func:`stage` says it started."""
    stage(f"{what}: done in {_clock(seconds)}", progress)


def _clock(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return (
        f"{minutes} min {secs:02d} s"
        if minutes < 60
        else f"{minutes // 60} h {minutes % 60:02d} min"
    )

"""Writing files so that nothing the user had is lost.

Every file the tool writes (results, tables, figures, trees, reports, cache
entries) goes through this module:

- :func:`check_output_path` runs *before* any computation: the path must not
  be a directory, must not exist unless ``force``, and its folder must exist
  or be creatable and be writable. A problem is one
  :class:`~detector.errors.ProvenanceError` line naming the path.
- :func:`atomic_write` and :func:`atomic_path` write to a uniquely named
  temporary file beside the target and move it into place with
  :func:`os.replace`, which is atomic on POSIX and Windows. A failed or
  interrupted write therefore leaves the old file whole (a ``--force`` run
  that dies halfway loses nothing), and two processes writing the same path
  never interleave: the last complete file wins.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import ProvenanceError

__all__ = ["atomic_path", "atomic_write", "check_output_path"]


def check_output_path(
    path: str | os.PathLike[str], *, force: bool = False, option: str = "out"
) -> Path:
    """Check that ``path`` can be written, before any work is done.

    Parameters
    ----------
    path : str or os.PathLike
        The file to be written.
    force : bool
        Allow replacing an existing file.
    option : str
        The parameter that named the path (``out``, ``figure``, ...), for the
        message; the CLI shows it as its flag.

    Returns
    -------
    pathlib.Path
        The path, with its parent folder created if it was missing.

    Raises
    ------
    ProvenanceError
        The path is a directory, exists without ``force``, or its folder
        cannot be created or written.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise ProvenanceError(f"{p}: is a directory; give a file name for `{option}`")
    if p.exists() and not force:
        raise ProvenanceError(f"{p}: already exists; choose another path or pass `force`")
    parent = p.parent if str(p.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProvenanceError(
            f"{p}: cannot create its folder {parent} ({exc.strerror or exc}); "
            f"choose another path for `{option}`"
        ) from None
    if not parent.is_dir():
        raise ProvenanceError(f"{p}: {parent} is not a folder; choose another path for `{option}`")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ProvenanceError(
            f"{p}: the folder {parent} is not writable; choose another path for `{option}`"
        )
    return p


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place when the block succeeds.

    For writers that take a file name (``savefig``, ``to_parquet``, ...). The
    temporary name is unique (``.<name>.<random>.tmp``, in the same folder, so
    the final :func:`os.replace` never crosses file systems). When the block
    raises, the temporary file is removed and ``path`` is untouched.

    Raises
    ------
    ProvenanceError
        The folder cannot be written, or writing failed (an :class:`OSError`
        in the block or while moving the file into place: disk full, I/O
        error); the message names ``path`` and says it is unchanged.
    """
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    suffix = "".join(target.suffixes[-1:]) or ".tmp"
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=folder)
    except OSError as exc:
        raise ProvenanceError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    # mkstemp makes the file owner-only; give it what a plain open() would (the
    # umask's default), or the mode of the file it replaces
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.fchmod(fd, mode)
    os.close(fd)
    tmp = Path(tmp_name)
    existed = target.exists()
    try:
        yield tmp
        with open(tmp, "rb+") as fh:  # make the bytes durable before the rename
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:  # disk full, quota, I/O error: say which file, and what is left
        with contextlib.suppress(OSError):
            tmp.unlink()
        kept = "the existing file is unchanged" if existed else "nothing was written"
        raise ProvenanceError(
            f"{target}: cannot be written ({exc.strerror or exc}); {kept}"
        ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    blob = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(path).expanduser()
    with atomic_path(target) as tmp:
        tmp.write_bytes(blob)
    return target

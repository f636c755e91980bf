"""The output file of :func:`detector.collect.collect`: append-only, checked before use.

The output is JSON Lines, one record per completed request, appended with one
``write`` and an ``fsync`` (:class:`AppendFile`), under an exclusive lock.
Before anything is appended, :func:`scan_output` reads the whole file and
checks that every line is a record ``collect`` wrote (it has
:data:`RECORD_KEYS`): a file that is anything else (a prompts file given as
``--out`` by mistake, a corpus from elsewhere) is refused without changing a
byte. Only then is a torn last line (a write cut short by a crash, which
starts like a record but does not parse) moved to ``<out>.torn`` and cut off.

Failed requests go to the sidecar ``<out>.failures.jsonl``, rewritten
atomically at the end of each run with the failures that remain.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import normalize_prompt
from .errors import ProvenanceError

try:  # POSIX only; elsewhere the output file is not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

__all__ = ["RECORD_KEYS", "AppendFile", "OutputState", "scan_output"]

RECORD_KEYS = ("model", "prompt_id", "prompt", "output", "finish_reason", "endpoint")
"""Fields every record ``collect`` writes has; a line without them is not a collect output."""

MATCHED_PARAMS = ("temperature", "system")
"""Settings a resumed run must share with the records already in the file.

``max_tokens`` may differ: a complete answer does not depend on it, and
raising it is how answers that ran out of tokens are collected again (each
record keeps the ``max_tokens`` it was collected with).
"""

_RECORD_START = b'{"model": '


def dumps_line(record: dict[str, Any]) -> bytes:
    """One JSONL line; line separators inside strings are escaped so that
    readers splitting on any line boundary (``str.splitlines``) stay correct."""
    text = json.dumps(record, ensure_ascii=False)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from the server: keep them escaped
        return (json.dumps(record, ensure_ascii=True) + "\n").encode("ascii")


class AppendFile:
    """An append-only file: each record is one ``write`` followed by ``fsync``.

    ``created`` says whether opening the file created it (so that a run that
    wrote nothing can remove it again).
    """

    def __init__(self, path: Path, *, lock: bool = False) -> None:
        self.path = path
        self.created = not path.exists()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if lock and fcntl is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self.fd)
                raise ProvenanceError(
                    f"{path}: another collector is writing to this file; wait for it to finish "
                    "or choose another `out`"
                ) from None
            except OSError:  # a file system without locks: go on unlocked
                log.info("%s: cannot lock the file; make sure one collector writes it", path)
        if self.created:
            _fsync_dir(path.parent)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        os.fsync(self.fd)

    def append(self, record: dict[str, Any]) -> None:
        self.write(dumps_line(record))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def close_and_drop_if_empty(self) -> None:
        """Close; remove the file when this run created it and wrote nothing."""
        self.close()
        if self.created:
            with contextlib.suppress(OSError):
                if self.path.stat().st_size == 0:
                    self.path.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass
class OutputState:
    """What :func:`scan_output` found in an existing output file.

    Attributes
    ----------
    keys : set of (model, prompt_id)
        Records already collected.
    tail : bytes
        A last line without its newline (empty when the file ends cleanly).
    tail_is_record : bool
        Whether that last line is a complete record (it only lacks the newline).
    """

    keys: set[tuple[str, str]] = field(default_factory=set)
    tail: bytes = b""
    tail_is_record: bool = False


def _not_ours(path: Path, number: int, why: str) -> ProvenanceError:
    return ProvenanceError(
        f"{path}:{number}: {why}, so this is not a file that collect wrote; it was left as it "
        "was: choose another `out`"
    )


def _record(path: Path, number: int, raw: bytes, *, last: bool) -> dict[str, Any] | None:
    """The record on one line; None for a torn last line; an error for anything else."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_ours(path, number, "undecodable bytes (not UTF-8)") from None
    line = line.lstrip("\ufeff") if number == 1 else line
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        if last and (raw.startswith(_RECORD_START) or _RECORD_START.startswith(raw)):
            return None  # torn: a record cut short
        if number == 1:
            raise _not_ours(path, number, f"the line is not JSON ({exc.msg})") from None
        raise ProvenanceError(
            f"{path}:{number}: malformed JSON line ({exc.msg}); fix or remove that line, or "
            "choose another `out`"
        ) from None
    if not isinstance(rec, dict) or any(k not in rec for k in RECORD_KEYS):
        missing = [k for k in RECORD_KEYS if not isinstance(rec, dict) or k not in rec]
        raise _not_ours(path, number, f"the line has no {', '.join(map(repr, missing))}")
    return rec


def scan_output(
    path: Path, planned: dict[tuple[str, str], str], params: dict[str, Any]
) -> OutputState:
    """Check an existing output file and list what it holds; changes nothing.

    Parameters
    ----------
    path : pathlib.Path
        The output file (may be empty).
    planned : dict
        (model, prompt_id) -> normalized prompt text of this run's plan.
    params : dict
        This run's generation settings (``temperature``, ``max_tokens``, ``system``).

    Raises
    ------
    ProvenanceError
        A line that is not a collect record (the file is someone else's), a
        malformed line inside the file, records collected with another
        temperature or system prompt, or a prompt id holding another prompt.
    """
    state = OutputState()
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        state.tail = lines[-1]
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines) and bool(state.tail)
        rec = _record(path, number, raw, last=last)
        if rec is None:
            continue
        if last:
            state.tail_is_record = True
        for name in MATCHED_PARAMS:
            if name in rec and rec[name] != params[name]:
                raise ProvenanceError(
                    f"{path}:{number}: collected with {name}={rec[name]!r} but this run asks "
                    f"for {params[name]!r}; resume with the same settings or choose another "
                    "`out`"
                )
        key = (str(rec["model"]), str(rec["prompt_id"]))
        text = planned.get(key)
        if text is not None and normalize_prompt(str(rec.get("prompt", ""))) != text:
            raise ProvenanceError(
                f"{path}:{number}: prompt_id {key[1]!r} holds a different prompt than the "
                "prompts file; the prompt set changed, so choose another `out`"
            )
        state.keys.add(key)
    return state


def repair_tail(path: Path, sink: AppendFile, state: OutputState) -> bool:
    """Finish a last line after :func:`scan_output` accepted the file.

    A complete last record gets its newline; a torn one is moved to
    ``<path>.torn`` and cut off. Returns whether bytes were cut off.
    """
    if not state.tail:
        return False
    if state.tail_is_record:
        sink.write(b"\n")
        return False
    size = path.stat().st_size
    with (path.parent / (path.name + ".torn")).open("ab") as fh:
        fh.write(state.tail + b"\n")
    os.ftruncate(sink.fd, size - len(state.tail))
    os.fsync(sink.fd)
    log.info(
        "%s: cut off a torn last line (%d bytes, saved to %s.torn)", path, len(state.tail), path
    )
    return True


def read_failures(path: Path) -> list[dict[str, Any]]:
    """The rows of a failures sidecar (unreadable lines skipped)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_bytes().split(b"\n"):
        with contextlib.suppress(ValueError):
            obj = json.loads(line.decode("utf-8"))
            if isinstance(obj, dict) and "model" in obj and "prompt_id" in obj:
                rows.append(obj)
    return rows


def rewrite_failures(path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace the failures sidecar atomically (remove it when nothing failed)."""
    from .files import atomic_write

    if not rows:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    atomic_write(path, b"".join(dumps_line(row) for row in rows))

"""The bytes and text of one file: decompression, UTF-8, JSON Lines, lone surrogates.

The primitives :mod:`detector.readers` (file kinds, folders) and
:mod:`detector.shapes` (record shapes, MT-Bench question files) both read
with; a module below both, so neither imports the other for them. Every
problem is one :class:`~detector.errors.ProvenanceError` line naming the file.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ProvenanceError

__all__ = [
    "COMPRESSION_SUFFIX",
    "clean_records",
    "json_lines",
    "read_bytes",
    "read_utf8",
]

#: Compression named by a file suffix (the bytes' magic numbers decide).
COMPRESSION_SUFFIX = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))


def read_bytes(path: Path, data: bytes | None = None) -> bytes:
    """The bytes of ``path``, decompressed when they are gzip, bzip2 or xz."""
    raw = path.read_bytes() if data is None else data
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return _decompress(path, raw, kind)
    suffix = path.suffix.lower()
    if suffix in COMPRESSION_SUFFIX and raw:
        kind = COMPRESSION_SUFFIX[suffix]
        raise ProvenanceError(
            f"{path}: named like a {kind} file but is not {kind}-compressed; rename it or "
            "re-compress it"
        )
    return raw


def _decompress(path: Path, raw: bytes, kind: str) -> bytes:
    opener = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}[kind]
    try:
        return opener(raw)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProvenanceError(
            f"{path}: is a {kind} file that cannot be decompressed ({reason}); the file may "
            f"be cut short: download or compress it again"
        ) from None


def read_utf8(path: Path, data: bytes | None = None) -> str:
    """The text of a UTF-8 file (decompressed; a byte-order mark dropped); one error line otherwise."""
    raw = read_bytes(path, data)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProvenanceError(
            f"{path}:{line}: undecodable bytes (not UTF-8) at byte {exc.start}; "
            "re-save the file as UTF-8"
        ) from None


def _clean(value: Any) -> Any:
    """Replace lone UTF-16 surrogates (from JSON escapes like \\ud83d) with U+FFFD."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def clean_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with lone surrogates in their top-level strings replaced."""
    return [{k: _clean(v) for k, v in row.items()} for row in rows]


def json_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) of each non-blank line of JSON Lines ``text`` read from ``path``.

    A line that is not JSON is one error line naming ``path`` and the line.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ProvenanceError(
                f"{path}:{number}: malformed JSON line ({exc.msg}); fix or remove that line"
            ) from None
        yield number, value

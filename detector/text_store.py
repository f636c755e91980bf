"""Corpus texts on disk: flat UTF-8 files, memory-mapped as Arrow string columns.

A corpus of tens of millions of outputs does not fit in memory as text (50M
outputs of 1.5 KB are 75 GB). :class:`TextSpool` appends a text column batch
by batch to two flat files (the UTF-8 bytes, and int64 offsets, the layout of
an Arrow ``large_string`` array) and maps them back as one zero-copy Arrow
array, which pandas holds as an ordinary ``str`` column
(:func:`mapped_column`). Nothing else changes for the code that reads the
corpus table: taking some rows (a shard of whole prompts) reads only their
bytes from disk, and the operating system keeps in memory only the pages in
use (they are file pages, which it drops under memory pressure, not
allocations).

Why two flat files and not Parquet or an Arrow IPC file: a column of many
record batches is a chunked array, and Arrow's ``take`` on a chunked array
concatenates the chunks first (a copy of every text); one chunk would need
the whole column in memory to write. The flat layout is appended in any
number of batches and read as a single chunk.

What still reads every text is stated where it happens
(:func:`~detector.degenerate.degenerate_models` and the corpus content hash
go through the texts in slices of :data:`SLICE_ROWS`).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["SLICE_ROWS", "TextSpool", "mapped_column", "open_columns", "row_slices"]

#: Rows per slice when a whole text column is read (bounded memory).
SLICE_ROWS = 200_000


class TextSpool:
    """Append text columns to flat files; map them back as zero-copy string arrays.

    Parameters
    ----------
    columns : iterable of str
        The text columns to hold.
    folder : path, optional
        Where the files go; default a new temporary folder, removed when the
        spool and every array mapped from it are gone.

    Examples
    --------
    >>> spool = TextSpool(["output"])                        # doctest: +SKIP
    >>> spool.append({"output": ["a text", "another"]})      # doctest: +SKIP
    >>> column = spool.column("output")                      # doctest: +SKIP
    """

    def __init__(self, columns: Iterable[str], folder: str | Path | None = None) -> None:
        self.columns = list(columns)
        if folder is None:
            folder = tempfile.mkdtemp(prefix="provenance-texts-")
            self._finalizer = weakref.finalize(self, shutil.rmtree, folder, True)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # held open across appends, closed by close()
        self._files = {c: (open(self._path(c, "bytes"), "wb"), open(self._path(c, "offsets"), "wb"))  # noqa: SIM115
                       for c in self.columns}  # fmt: skip
        self._sizes = dict.fromkeys(self.columns, 0)
        self.rows = dict.fromkeys(self.columns, 0)
        for _, offsets in self._files.values():
            offsets.write(np.zeros(1, dtype=np.int64).tobytes())

    def _path(self, column: str, kind: str) -> Path:
        return self.folder / f"{column}.{kind}"

    def append(self, batch: Any) -> None:
        """Append rows: a DataFrame or a mapping of column -> texts (missing values as "")."""
        for c in self.columns:
            values = batch[c]
            arr = pa.array(pd.Series(values, dtype=object).fillna("").astype(str).tolist()
                           if not isinstance(values, pa.Array) else values,
                           type=pa.large_string())  # fmt: skip
            if arr.null_count:
                arr = arr.fill_null("")
            offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
                arr.offset : arr.offset + len(arr) + 1
            ]
            data = arr.buffers()[2]
            lo, hi = int(offsets[0]), int(offsets[-1])
            bytes_file, offsets_file = self._files[c]
            if hi > lo:
                bytes_file.write(memoryview(data)[lo:hi])
            offsets_file.write((offsets[1:] - lo + self._sizes[c]).astype(np.int64).tobytes())
            self._sizes[c] += hi - lo
            self.rows[c] += len(arr)

    def close(self) -> None:
        """Finish writing (``column`` calls it)."""
        for bytes_file, offsets_file in self._files.values():
            bytes_file.close()
            offsets_file.close()

    def column(self, name: str) -> pd.api.extensions.ExtensionArray:
        """The column as a pandas ``str`` array over the mapped files (zero-copy)."""
        self.close()
        return mapped_column(self._path(name, "bytes"), self._path(name, "offsets"), owner=self)

    @property
    def nbytes(self) -> int:
        """Bytes of text held on disk."""
        return sum(self._sizes.values())


def mapped_column(
    data_path: str | Path, offsets_path: str | Path, owner: Any = None
) -> pd.api.extensions.ExtensionArray:
    """A pandas ``str`` array over flat UTF-8 bytes and int64 offsets files, zero-copy.

    ``owner`` is kept alive with the array (the spool whose folder holds the files).
    """
    offsets = np.memmap(offsets_path, dtype=np.int64, mode="r")
    n = len(offsets) - 1
    size = Path(data_path).stat().st_size
    data = pa.memory_map(str(data_path)).read_buffer() if size else pa.py_buffer(b"")
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), data)
    out = pd.array(pa.chunked_array([arr]), dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    if owner is not None:
        out._provenance_spool = owner
    return out


def open_columns(folder: str | Path, columns: Iterable[str]) -> dict[str, Any] | None:
    """The columns a :class:`TextSpool` wrote to ``folder`` (mapped), or None if any is missing."""
    folder = Path(folder)
    paths = {c: (folder / f"{c}.bytes", folder / f"{c}.offsets") for c in columns}
    if not all(a.exists() and b.exists() for a, b in paths.values()):
        return None
    return {c: mapped_column(a, b) for c, (a, b) in paths.items()}


def row_slices(n_rows: int, size: int = SLICE_ROWS) -> list[slice]:
    """Consecutive row slices of at most ``size`` rows covering ``n_rows``."""
    return [slice(s, min(s + size, n_rows)) for s in range(0, n_rows, size)]

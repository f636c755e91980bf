"""On-disk store of feature shards: one Parquet file per channel and block of outputs.

Each shard holds one channel's features of one block of outputs
(:class:`~detector.shards.ShardPlan`), one Parquet row per output:

- dense channels: a ``values`` column of fixed-size lists (float32 for
  embeddings, float64 otherwise);
- sparse channels: ``indices`` (int32) and ``data`` (float64) list columns,
  the rows of a CSR matrix.

The file's key-value metadata states its key, row count, column count, a
hash of the column names (the names themselves for narrow channels) and a
BLAKE2b checksum of the arrays; :meth:`ShardStore.load` checks all of them,
so a damaged or foreign file is a miss (recomputed), never wrong numbers.
Files are written under a unique temporary name and moved into place, so a
run interrupted mid-write leaves no half shard and a rerun resumes from the
shards that are complete. Keys are content keys
(:func:`~detector.cache.content_key`): the block's texts, the channel and
what else identifies its features.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from .cache import FEATURES_FOLDER, CacheWarning
from .errors import ProvenanceError
from .files import atomic_path

__all__ = ["SHARDS_FOLDER", "ShardStore", "names_hash"]

SHARDS_FOLDER = "shards"
_META = b"provenance"
_MAX_NAMES_IN_SHARD = 2048  # wider channels (the lexical vocabulary) keep names elsewhere


def names_hash(names: Sequence[str]) -> str:
    """16-hex-digit hash of column names, in order."""
    blob = "\x1f".join(str(n) for n in names).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def _checksum(arrays: Sequence[np.ndarray]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _parts(matrix: Any) -> list[np.ndarray]:
    if sp.issparse(matrix):
        m = sp.csr_matrix(matrix)
        return [m.indptr.astype(np.int64), m.indices.astype(np.int32), m.data.astype(np.float64)]
    return [np.ascontiguousarray(matrix)]


#: Shards whose checksum this process verified: path -> (size, mtime, checksum). The
#: streamed pairwise stage reads every shard two or three times (one pass per sum it
#: needs); the checksum (BLAKE2b, about 1 GB/s) is taken on the first read only.
_VERIFIED: dict[str, tuple[int, int, str]] = {}


def _stamp(path: Path, meta: dict[str, Any]) -> tuple[int, int, str]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, str(meta.get("checksum"))


class ShardStore:
    """Parquet feature shards under ``<cache_dir>/features/shards/``.

    Parameters
    ----------
    folder : str or os.PathLike
        The cache folder (shards go to ``features/shards`` inside it).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).expanduser() / FEATURES_FOLDER / SHARDS_FOLDER

    def path(self, channel: str, key: str) -> Path:
        return self.folder / f"{channel}-{key}.parquet"

    def __getstate__(self) -> dict[str, Any]:
        return {"folder": str(self.folder)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.folder = Path(state["folder"])

    # ------------------------------------------------------------ writing
    def save(self, channel: str, key: str, matrix: Any, names: Sequence[str]) -> None:
        """Write one shard atomically.

        Raises
        ------
        ProvenanceError
            The folder cannot be written.
        """
        names = [str(n) for n in names]
        parts = _parts(matrix)
        n_rows, n_cols = int(matrix.shape[0]), int(matrix.shape[1])
        meta = {
            "key": key,
            "n_rows": n_rows,
            "n_cols": n_cols,
            "sparse": bool(sp.issparse(matrix)),
            "names_hash": names_hash(names),
            "names": names if len(names) <= _MAX_NAMES_IN_SHARD else None,
            "checksum": _checksum(parts),
        }
        if sp.issparse(matrix):
            indptr, indices, data = parts
            offsets = pa.array(indptr.astype(np.int32 if indptr[-1] < 2**31 else np.int64))
            list_type = pa.ListArray if offsets.type == pa.int32() else pa.LargeListArray
            table = pa.table(
                {
                    "indices": list_type.from_arrays(offsets, pa.array(indices)),
                    "data": list_type.from_arrays(offsets, pa.array(data)),
                }
            )
        else:
            flat = pa.array(parts[0].reshape(-1))
            table = pa.table({"values": pa.FixedSizeListArray.from_arrays(flat, max(n_cols, 1))})
        table = table.replace_schema_metadata({_META: json.dumps(meta).encode()})
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProvenanceError(
                f"{self.folder}: cannot write feature shards there ({exc.strerror or exc}); "
                "give `cache_dir` a writable folder"
            ) from None
        with atomic_path(self.path(channel, key)) as tmp:
            pq.write_table(table, tmp, compression="zstd")

    # ------------------------------------------------------------ reading
    def meta(self, channel: str, key: str) -> dict[str, Any] | None:
        """The shard's metadata when it exists and states this key, else None (cheap)."""
        path = self.path(channel, key)
        if not path.exists():
            return None
        try:
            meta = json.loads(pq.read_schema(path).metadata[_META])
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException):
            return None
        return meta if meta.get("key") == key else None

    def load(
        self, channel: str, key: str, *, n_rows: int, names_hash: str | None = None
    ) -> tuple[Any, list[str] | None] | None:
        """The shard's matrix and (for narrow channels) column names, or None.

        A shard that is damaged or is not what it claims is reported with a
        :class:`~detector.cache.CacheWarning`, removed, and treated as
        missing.
        """
        path = self.path(channel, key)
        if not path.exists():
            return None
        problem, entry = self._read(path, key, n_rows, names_hash)
        if entry is None:
            warnings.warn(
                f"feature shard {path.name} is unusable ({problem}); recomputing it",
                CacheWarning,
                stacklevel=2,
            )
            path.unlink(missing_ok=True)
        return entry

    def _read(
        self, path: Path, key: str, n_rows: int, expect_names: str | None
    ) -> tuple[str, tuple[Any, list[str] | None] | None]:
        try:
            table = pq.read_table(path, use_threads=False)  # callers parallelize over shards
            meta = json.loads(table.schema.metadata[_META])
        except (OSError, KeyError, TypeError, ValueError, pa.ArrowException) as exc:
            return f"unreadable: {type(exc).__name__}", None
        if meta.get("key") != key or meta.get("n_rows") != n_rows or table.num_rows != n_rows:
            return "its key or row count is not the expected one", None
        if expect_names is not None and meta.get("names_hash") != expect_names:
            return "column names differ from the channel's", None
        n_cols = int(meta["n_cols"])
        try:
            if meta["sparse"]:
                indices = table.column("indices").combine_chunks()
                indptr = indices.offsets.to_numpy().astype(np.int64)
                parts = [
                    indptr,
                    indices.flatten().to_numpy().astype(np.int32),
                    table.column("data").combine_chunks().flatten().to_numpy().astype(np.float64),
                ]
                matrix: Any = sp.csr_matrix((parts[2], parts[1], parts[0]), shape=(n_rows, n_cols))
                values = parts[2]
            else:
                column = table.column("values").combine_chunks()
                flat = column.flatten().to_numpy(zero_copy_only=False)
                matrix = flat.reshape(n_rows, max(n_cols, 1))[:, :n_cols]
                parts = [np.ascontiguousarray(matrix)]
                values = matrix
        except (KeyError, ValueError, pa.ArrowException) as exc:
            return f"malformed: {exc}", None
        stamp = _stamp(path, meta)
        if _VERIFIED.get(str(path)) != stamp:  # a file is checked once per process
            if _checksum(parts) != meta.get("checksum"):
                return "checksum mismatch", None
            if np.issubdtype(values.dtype, np.floating) and not np.all(np.isfinite(values)):
                return "non-finite values", None
            _VERIFIED[str(path)] = stamp
        return "", (matrix, meta.get("names"))

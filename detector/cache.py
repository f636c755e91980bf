"""On-disk store of text embeddings, one SQLite file per cache directory.

Vectors live in ``<cache_dir>/embeddings.sqlite3``, one row per (key space,
text hash). A *key space* names everything that changes the vector except
the text: model name or path, a fingerprint of its weights, chunking
settings and precision (see :func:`space_id`); the text hash is the SHA-256
of the UTF-8 text. Each row stores the vector as little-endian float32 bytes
with its dimension and a checksum, so a truncated or altered row is detected
on read, dropped and recomputed by the caller.

The store is meant never to stop a run: a database file that is not SQLite
or is damaged is deleted and recreated with a :class:`CacheWarning`, and an
error while reading or writing turns the affected lookups into misses.
Writes are committed batch by batch, so an interrupted run keeps what it
finished and the next run resumes from there.

:func:`default_cache_dir` resolves the location: the ``PROVENANCE_CACHE_DIR``
environment variable, else ``$XDG_CACHE_HOME/provenance``, else
``~/.cache/provenance``.

Whole feature matrices (one per corpus content and channel) are kept beside
it in ``<cache_dir>/features/`` by :class:`FeatureCache`, so rescoring a corpus
never recomputes or re-embeds. Each entry states what it holds (its key, row
count, column names, a checksum of its arrays) and is checked against that on
every read: a mismatch, damage or non-finite values make it a miss that is
recomputed with a :class:`CacheWarning`. Entries are written under a unique
temporary name and moved into place atomically, so concurrent runs never
collide and a crash never leaves half an entry.

The cache folder must be trusted like the code itself: its entries are
checked for damage, not for deliberate forgery by someone who can write there.
A folder that cannot be created or written is reported once with a
:class:`CacheWarning` and the run continues without a cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import ProvenanceError
from .files import atomic_path

DB_NAME = "embeddings.sqlite3"
SCHEMA_VERSION = 1
_DTYPE = "<f4"
_SQL_VARS = 500  # stay below SQLite's host-parameter limit in IN (...) lookups
# waits between tries to open a store another process holds busy (about 10 s in all)
_OPEN_BACKOFF_S = (0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 3.6)


class CacheWarning(UserWarning):
    """A cache entry or store was damaged or unusable and was recomputed or bypassed."""


_WARNED_FOLDERS: set[str] = set()


def _warn_unusable(folder: Path, exc: BaseException) -> None:
    """Say once per folder that the cache cannot be written there; the run goes on."""
    key = str(folder)
    if key in _WARNED_FOLDERS:
        return
    _WARNED_FOLDERS.add(key)
    reason = getattr(exc, "strerror", None) or exc
    warnings.warn(
        f"cache folder {folder} cannot be written ({reason}); continuing without a cache "
        "(pass `cache_dir` a writable folder, or set PROVENANCE_CACHE_DIR)",
        CacheWarning,
        stacklevel=3,
    )


def default_cache_dir() -> Path:
    """Cache directory from ``PROVENANCE_CACHE_DIR``, ``XDG_CACHE_HOME`` or ``~/.cache``."""
    env = os.environ.get("PROVENANCE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "provenance"


def text_hash(text: str) -> str:
    """SHA-256 of the UTF-8 text, 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def space_id(description: Mapping[str, Any]) -> str:
    """Stable 32-hex-digit id of a key space from its JSON-serializable description."""
    blob = json.dumps(dict(description), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _checksum(blob: bytes) -> str:
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


@dataclass
class CacheStats:
    """Counters of one cache over its lifetime (or since :meth:`EmbeddingCache.reset_stats`).

    Attributes
    ----------
    hits : int
        Texts whose vector was read from the cache.
    misses : int
        Texts that had to be embedded (absent or corrupt).
    corrupt : int
        Rows found damaged (bad size, dtype, checksum or non-finite values);
        each is also counted as a miss.
    writes : int
        Vectors written.
    resets : int
        Times the database file was recreated after damage.
    """

    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0
    resets: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class EmbeddingCache:
    """SQLite-backed map (key space, text hash) -> float32 vector.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder of the database file; created if missing.

    A folder that cannot be created or written turns the cache off for this
    process with one :class:`CacheWarning`; lookups then all miss.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.path = self.directory / DB_NAME
        self.stats = CacheStats()
        self._conn: sqlite3.Connection | None = None
        self._disabled = False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _warn_unusable(self.directory, exc)
            self._disabled = True
            return
        self._open()

    # ------------------------------------------------------------ connection
    def _connect(self) -> sqlite3.Connection:
        _check_header(self.path)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            return self._prepare(conn)
        except BaseException:
            conn.close()
            raise

    @staticmethod
    def _prepare(conn: sqlite3.Connection) -> sqlite3.Connection:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " space TEXT NOT NULL, text_hash TEXT NOT NULL, dim INTEGER NOT NULL,"
            " dtype TEXT NOT NULL, checksum TEXT NOT NULL, data BLOB NOT NULL,"
            " PRIMARY KEY (space, text_hash)) WITHOUT ROWID"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spaces (space TEXT PRIMARY KEY, description TEXT NOT NULL)"
        )
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"unknown schema version {row[0] if row else None}")
        # Reads a page of the vector table, so a truncated or garbled file fails here.
        conn.execute("SELECT count(*) FROM (SELECT 1 FROM vectors LIMIT 1)").fetchone()
        return conn

    def _open(self) -> None:
        """Connect, retrying while another process holds the file busy.

        SQLite returns SQLITE_BUSY at once, without its busy handler, when
        connections open a new file together (switching it to WAL) or one
        opens while the last one closing cleans the WAL up
        (https://sqlite.org/wal.html, "Sometimes queries return SQLITE_BUSY"):
        such a store is usable a moment later, so it is tried again with
        backoff for about 10 s before the cache is turned off.
        """
        for delay in (*_OPEN_BACKOFF_S, None):
            try:
                self._conn = self._connect()
                return
            except sqlite3.Error as exc:
                if delay is not None and _is_busy(exc):
                    time.sleep(delay)
                    continue
                self._failed(exc)
                return

    def _failed(self, exc: sqlite3.Error) -> None:
        """React to a database error: recreate a damaged file, else bypass the cache.

        Only damage (not a database, malformed pages, a foreign schema) deletes
        the file; a locked, read-only or unreachable database is left alone and
        the cache is switched off for this process.
        """
        if _is_damage(exc):
            self._reset(exc)
            return
        warnings.warn(
            f"embedding cache {self.path} is unusable ({exc}); continuing without a cache",
            CacheWarning,
            stacklevel=3,
        )
        self.close()
        self._disabled = True

    def _reset(self, exc: BaseException) -> None:
        """Delete a damaged database and start an empty one (or bypass the cache)."""
        warnings.warn(
            f"embedding cache {self.path} is damaged ({exc}); recreating it, cached "
            "vectors will be recomputed",
            CacheWarning,
            stacklevel=3,
        )
        self.stats.resets += 1
        self.close()
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._conn = self._connect()
        except (OSError, sqlite3.Error) as again:
            warnings.warn(
                f"embedding cache {self.path} cannot be recreated ({again}); "
                "continuing without a cache",
                CacheWarning,
                stacklevel=3,
            )
            self._conn = None
            self._disabled = True

    def close(self) -> None:
        """Close the database connection (the cache reopens nothing afterwards)."""
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
            self._conn = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        self.close()

    @property
    def enabled(self) -> bool:
        """False once the database could not be recreated (lookups then all miss)."""
        return self._conn is not None and not self._disabled

    # ------------------------------------------------------------ access
    def register_space(self, space: str, description: Mapping[str, Any]) -> None:
        """Record what a key space stands for (for people inspecting the file)."""
        if not self.enabled:
            return
        blob = json.dumps(dict(description), sort_keys=True)
        try:
            assert self._conn is not None
            self._conn.execute("INSERT OR IGNORE INTO spaces VALUES (?, ?)", (space, blob))
        except sqlite3.Error as exc:
            self._failed(exc)

    def get_many(self, space: str, hashes: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """Cached vectors of the given text hashes; damaged rows are dropped.

        Parameters
        ----------
        space : str
            Key space id (:func:`space_id`).
        hashes : sequence of str
            Text hashes (:func:`text_hash`), distinct.
        dim : int
            Expected vector dimension; rows of another size count as corrupt.

        Returns
        -------
        dict
            text hash -> float32 array of shape (dim,), for the hashes found
            intact. Updates :attr:`stats` (hits, misses, corrupt).
        """
        found: dict[str, np.ndarray] = {}
        if self.enabled and hashes:
            try:
                bad = self._read(space, list(hashes), dim, found)
            except sqlite3.Error as exc:
                found = {}
                self._failed(exc)
            else:
                if bad:
                    self.stats.corrupt += len(bad)
                    self._delete(space, bad)
        self.stats.hits += len(found)
        self.stats.misses += len(hashes) - len(found)
        return found

    def _read(
        self, space: str, hashes: list[str], dim: int, found: dict[str, np.ndarray]
    ) -> list[str]:
        assert self._conn is not None
        bad: list[str] = []
        for start in range(0, len(hashes), _SQL_VARS):
            part = hashes[start : start + _SQL_VARS]
            marks = ",".join("?" * len(part))
            rows = self._conn.execute(
                "SELECT text_hash, dim, dtype, checksum, data FROM vectors "
                f"WHERE space = ? AND text_hash IN ({marks})",
                (space, *part),
            )
            for h, row_dim, dtype, checksum, data in rows:
                vec = _decode(row_dim, dtype, checksum, data, dim)
                if vec is None:
                    bad.append(h)
                else:
                    found[h] = vec
        return bad

    def _delete(self, space: str, hashes: Iterable[str]) -> None:
        try:
            assert self._conn is not None
            self._conn.executemany(
                "DELETE FROM vectors WHERE space = ? AND text_hash = ?",
                [(space, h) for h in hashes],
            )
        except sqlite3.Error as exc:
            self._failed(exc)

    def put_many(self, space: str, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors (text hash -> 1-D array) in one transaction.

        Errors are not raised: a damaged database is recreated with a
        :class:`CacheWarning` and the vectors are simply not cached.
        """
        if not self.enabled or not items:
            return
        rows = []
        for h, vec in items.items():
            data = np.ascontiguousarray(vec, dtype=_DTYPE).tobytes()
            rows.append((space, h, int(np.size(vec)), _DTYPE, _checksum(data), data))
        try:
            assert self._conn is not None
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        self.stats.writes += len(rows)

    def get_meta(self, key: str) -> str | None:
        """A small stored value (e.g. a precision verdict), or None."""
        if not self.enabled:
            return None
        try:
            assert self._conn is not None
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a small value under ``key`` (errors only warn)."""
        if not self.enabled:
            return
        try:
            assert self._conn is not None
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        except sqlite3.Error as exc:
            self._failed(exc)

    def count(self, space: str | None = None) -> int:
        """Number of stored vectors (in one key space, or in all)."""
        if not self.enabled:
            return 0
        assert self._conn is not None
        if space is None:
            return int(self._conn.execute("SELECT count(*) FROM vectors").fetchone()[0])
        query = "SELECT count(*) FROM vectors WHERE space = ?"
        return int(self._conn.execute(query, (space,)).fetchone()[0])

    def reset_stats(self) -> None:
        """Zero the hit/miss counters."""
        self.stats = CacheStats()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.path)!r}, {self.stats})"


def _check_header(path: Path) -> None:
    """Raise DatabaseError when the file is shorter than its SQLite header says.

    SQLite itself only notices a truncated file when a query reaches a
    missing page; the header check catches it at open, in constant time.
    """
    if Path(f"{path}-wal").exists():
        # another connection is open: in WAL mode the file may lag its header while a
        # checkpoint runs, so a size check would call a healthy store truncated (and
        # reset it under the writers); SQLite's own page checks still catch damage
        return
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return  # empty (new) files are fine; foreign files fail in sqlite as NOTADB
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    n_pages = int.from_bytes(header[28:32], "big")
    header_size_valid = header[24:28] == header[92:96] and n_pages > 0
    if header_size_valid and n_pages * page_size > size:
        raise sqlite3.DatabaseError(
            f"file is truncated ({size} bytes, header says {n_pages * page_size})"
        )


def _is_busy(exc: sqlite3.Error) -> bool:
    """True for "database is locked / busy": another connection holds the file now."""
    name = getattr(exc, "sqlite_errorname", "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
    )


def _is_damage(exc: sqlite3.Error) -> bool:
    """True for errors that mean the file itself is damaged or not ours."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, I/O, cannot open
        return False
    return isinstance(exc, sqlite3.DatabaseError)


def _decode(row_dim: Any, dtype: Any, checksum: Any, data: Any, dim: int) -> np.ndarray | None:
    """The stored vector, or None when the row is damaged."""
    if not isinstance(data, bytes) or dtype != _DTYPE or row_dim != dim:
        return None
    if len(data) != dim * np.dtype(_DTYPE).itemsize or checksum != _checksum(data):
        return None
    vec = np.frombuffer(data, dtype=_DTYPE).astype(np.float32)
    if not np.all(np.isfinite(vec)):
        return None
    return vec


# ------------------------------------------------------------------ feature matrices
FEATURES_FOLDER = "features"
FEATURES_VERSION = "2"


def content_key(*parts: Any) -> str:
    """24-hex-digit key of JSON-serializable parts (what an entry was computed from)."""
    blob = json.dumps([FEATURES_VERSION, *parts], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def _arrays(matrix: Any) -> dict[str, np.ndarray]:
    if sp.issparse(matrix):
        m = sp.csr_matrix(matrix)
        return {
            "sp_data": m.data,
            "sp_indices": m.indices,
            "sp_indptr": m.indptr,
            "sp_shape": np.asarray(m.shape, dtype=np.int64),
        }
    return {"data": np.ascontiguousarray(matrix)}


def _arrays_checksum(arrays: Mapping[str, np.ndarray], names: Sequence[str]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    h.update("\x1f".join(names).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class FeatureCache:
    """Validated on-disk store of whole feature matrices, one ``.npz`` file per entry.

    Parameters
    ----------
    directory : str, os.PathLike, None or False
        The cache folder (entries go to its ``features/`` subfolder); None is
        :func:`default_cache_dir`; False disables the cache.

    Notes
    -----
    An entry holds the matrix (dense, or the CSR parts of a sparse one), its
    column names, its key, its row count and a BLAKE2b checksum of all of
    these. :meth:`load` returns it only when every one matches what the
    caller expects and every value is finite; otherwise it warns
    (:class:`CacheWarning`) and returns None, and the caller recomputes and
    overwrites the entry.
    """

    def __init__(self, directory: str | os.PathLike[str] | None | bool = None) -> None:
        if directory is False:
            self.folder: Path | None = None
        else:
            root = default_cache_dir() if directory in (None, True) else Path(directory)  # type: ignore[arg-type]
            self.folder = Path(root).expanduser() / FEATURES_FOLDER
        self.stats = CacheStats()

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def path(self, channel: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{channel}-{key}.npz"

    def load(
        self,
        channel: str,
        key: str,
        *,
        n_rows: int,
        names: Sequence[str] | None = None,
    ) -> tuple[Any, list[str]] | None:
        """The cached matrix and column names, or None on a miss.

        Parameters
        ----------
        channel, key : str
            The entry (see :func:`content_key`).
        n_rows : int
            Rows the matrix must have (outputs of the corpus).
        names : sequence of str, optional
            Column names it must have, when the caller knows them.
        """
        if self.folder is None:
            return None
        path = self.path(channel, key)
        if not path.exists():
            self.stats.misses += 1
            return None
        problem, entry = _read_entry(path, key, n_rows, names)
        if entry is None:
            self.stats.misses += 1
            self.stats.corrupt += 1
            warnings.warn(
                f"feature cache entry {path.name} is unusable ({problem}); recomputing it",
                CacheWarning,
                stacklevel=2,
            )
            return None
        self.stats.hits += 1
        return entry

    def save(self, channel: str, key: str, matrix: Any, names: Sequence[str]) -> None:
        """Store an entry atomically; a folder that cannot be written only warns."""
        if self.folder is None:
            return
        arrays: dict[str, Any] = _arrays(matrix)
        names = [str(n) for n in names]
        meta = {"key": key, "n_rows": int(matrix.shape[0]), "checksum": ""}
        meta["checksum"] = _arrays_checksum(arrays, names)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.path(channel, key)) as tmp, open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    names=np.asarray(names, dtype=str),
                    meta=np.asarray(json.dumps(meta)),
                    **arrays,
                )
        except (OSError, ProvenanceError) as exc:  # atomic_path reports unwritable folders
            _warn_unusable(self.folder, exc)
            self.folder = None
            return
        self.stats.writes += 1


def _read_entry(
    path: Path, key: str, n_rows: int, names: Sequence[str] | None
) -> tuple[str, tuple[Any, list[str]] | None]:
    """(problem, entry): the entry when it is whole and what it claims, else why not."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k not in ("names", "meta")}
            stored_names = [str(n) for n in z["names"]]
            meta = json.loads(str(z["meta"]))
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
    ) as exc:
        return f"unreadable: {type(exc).__name__}", None
    if meta.get("key") != key:
        return "its key does not match its file name", None
    if meta.get("checksum") != _arrays_checksum(arrays, stored_names):
        return "checksum mismatch", None
    try:
        if "data" in arrays:
            matrix: Any = arrays["data"]
            values = matrix
        else:
            shape = tuple(int(v) for v in arrays["sp_shape"])
            matrix = sp.csr_matrix(
                (arrays["sp_data"], arrays["sp_indices"], arrays["sp_indptr"]), shape=shape
            )
            values = matrix.data
    except (KeyError, ValueError, TypeError) as exc:
        return f"malformed: {exc}", None
    if matrix.ndim != 2 or matrix.shape[0] != n_rows or meta.get("n_rows") != n_rows:
        return f"{matrix.shape[0]} rows where the corpus has {n_rows}", None
    if matrix.shape[1] != len(stored_names):
        return f"{matrix.shape[1]} columns but {len(stored_names)} names", None
    if names is not None and list(names) != stored_names:
        return "column names differ from the channel's", None
    if np.issubdtype(np.asarray(values).dtype, np.floating) and not np.all(np.isfinite(values)):
        return "non-finite values", None
    return "", (matrix, stored_names)

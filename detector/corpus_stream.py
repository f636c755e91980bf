"""Corpora larger than memory: Parquet read in batches, texts kept on disk.

:func:`load_corpus_streamed` reads Parquet files record batch by record
batch, normalizes every batch with :func:`~detector.corpus.load_corpus`
(the same shapes, column names, reasoning traces and checks), appends the
batch's texts (``output``, ``prompt``, ``reasoning``) to a
:class:`~detector.text_store.TextSpool` and keeps only the short columns
(model, prompt id, sample) in memory. The corpus it returns is an ordinary
:class:`~detector.corpus.Corpus` whose text columns are memory-mapped: the
features are computed shard by shard (:mod:`detector.shards`), the pairwise
stage is streamed (:mod:`detector.streaming`), and memory holds the short
columns (about 40 bytes per output) instead of every text.

What spans batches is checked again over the whole corpus: one prompt text
per prompt id (by a hash of the normalized text), and repeated answers of
one model to one prompt, numbered as samples in file order (as the whole
file would be). :func:`~detector.corpus.load_corpus` uses it for Parquet
sources larger than :data:`STREAM_BYTES`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ProvenanceError

__all__ = ["BATCH_ROWS", "STREAM_BYTES", "load_corpus_streamed", "parquet_sources"]

#: Parquet sources larger than this (bytes on disk, all files) load with their texts on disk.
STREAM_BYTES = 2 * 2**30
#: Records per batch.
BATCH_ROWS = 250_000
_TEXT = ("prompt", "output", "reasoning")
_PARTIAL = "partial coverage"


def parquet_sources(source: Any) -> list[Path] | None:
    """The Parquet files of ``source`` (a file, a folder of them, or several paths), else None."""
    if isinstance(source, (str, os.PathLike)):
        paths = [Path(source)]
    elif isinstance(source, (list, tuple)) and all(
        isinstance(s, (str, os.PathLike)) for s in source
    ):
        paths = [Path(s) for s in source]
    else:
        return None
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith("."))
            if not found or any(q.suffix.lower() not in (".parquet", ".pq") for q in found):
                return None
            files += found
        elif p.is_file() and p.suffix.lower() in (".parquet", ".pq"):
            files.append(p)
        else:
            return None
    return files or None


def load_corpus_streamed(
    files: Sequence[str | os.PathLike[str]],
    *,
    batch_rows: int = BATCH_ROWS,
    texts: str | os.PathLike[str] | None = None,
    **load_kwargs: Any,
) -> Any:
    """Load Parquet files batch by batch, the texts to disk (see the module docstring).

    Parameters
    ----------
    files : sequence of path
        Parquet files, read in order as one corpus.
    batch_rows : int
        Records per batch.
    texts : path, optional
        Folder for the texts (default: a temporary folder removed with the
        corpus).
    **load_kwargs
        Column options of :func:`~detector.corpus.load_corpus`
        (``model_col``, ``prompt_col``, ``output_col``, ``id_col``).

    Returns
    -------
    Corpus

    Raises
    ------
    ProvenanceError
        As :func:`~detector.corpus.load_corpus`, for any batch or across them.
    """
    import pyarrow.parquet as pq

    from .corpus import Corpus, load_corpus, normalize_prompt
    from .text_store import TextSpool

    spool = TextSpool(_TEXT, texts)
    metas: list[pd.DataFrame] = []
    problems: list[str] = []
    where = ", ".join(str(f) for f in files)
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=int(batch_rows)):
            part = load_corpus(batch.to_pandas(), **load_kwargs)
            df = part.df
            spool.append(df)
            keep = [c for c in df.columns if c not in _TEXT]
            meta = df[keep].copy()
            meta["_prompt_hash"] = pd.util.hash_pandas_object(
                df["prompt"].map(normalize_prompt), index=False
            ).to_numpy()
            metas.append(meta)
            # partial coverage is a property of the whole corpus: said once, below
            problems += [
                p for p in part.problems if p not in problems and not p.startswith(_PARTIAL)
            ]
    if not metas:
        raise ProvenanceError(f"{where}: no records; give a table with model outputs")
    meta = pd.concat(metas, ignore_index=True, sort=False)
    _check_across_batches(meta, where)
    if meta.duplicated(["model", "prompt_id", "sample"]).any():  # repeats split across batches
        meta["sample"] = meta.groupby(["model", "prompt_id"], sort=False).cumcount()
        problems.append("answers repeated across batches numbered as samples in file order")
    frame = meta.drop(columns="_prompt_hash")
    for c in _TEXT:
        frame[c] = spool.column(c)
    order = ["model", "prompt_id", "sample", *_TEXT]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    corpus = Corpus(frame, where, problems)
    cov = corpus.coverage()
    if cov.nunique() > 1:  # as build_corpus says it
        partial = cov[cov < corpus.n_prompts]
        problems.append(
            f"{_PARTIAL} (compared on shared prompts): "
            + ", ".join(f"{m} answers {n} of {corpus.n_prompts}" for m, n in partial.items())
        )
    return corpus


def _check_across_batches(meta: pd.DataFrame, where: str) -> None:
    """One prompt text per prompt id over the whole corpus (empty texts aside)."""
    empty = pd.util.hash_pandas_object(pd.Series([""]), index=False).iloc[0]
    has = meta["_prompt_hash"].to_numpy() != empty
    texts = meta.loc[has].groupby("prompt_id")["_prompt_hash"].nunique()
    clash = texts[texts > 1]
    if len(clash):
        raise ProvenanceError(
            f"{where}: prompt id {clash.index[0]!r} names {int(clash.iloc[0])} different prompt "
            'texts in different parts of the data; pass `id_col` "" to derive ids from the text'
        )


def parquet_bytes(files: Sequence[Path]) -> int:
    """Bytes on disk of the files."""
    return int(np.sum([f.stat().st_size for f in files]))

"""Corpus layer: one table of model outputs on shared prompts.

A :class:`Corpus` holds one row per (model, prompt, sample). :func:`load_corpus`
reads it from files, folders, hub paths and in-memory tables
(:mod:`detector.readers`), maps each source's record shape onto the corpus
columns (:mod:`detector.shapes`) and then makes alignment safe:

- a prompt's id is stable across models and files: the source's id column
  when it has one, else a hash of the normalized prompt text
  (:func:`prompt_id`); one id carrying two different prompt texts is an
  error naming an example;
- repeated samples (``<id>#s<k>`` as ``collect --samples`` writes them, a
  ``sample`` column, or one model answering one prompt several times) are
  grouped with their prompt;
- reasoning traces are split from the answers (:mod:`detector.reasoning`).

Every problem a user can fix raises :class:`~detector.errors.ProvenanceError`
with one line naming the file (and line) and what to do. Problems that are
tolerated (empty outputs, exact duplicate rows, partial coverage) are kept in
:attr:`Corpus.problems` and shown by :func:`~detector.inspection.inspect`.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import time
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .dumps import join_requests
from .errors import ProvenanceError
from .readers import FORMATS, describe, json_lines, read_tables, read_utf8
from .reasoning import split_reasoning_series
from .shapes import (
    CANDIDATES,
    CONTEXT,
    CONTEXT_SEP,
    Columns,
    canonical_frame,
    chat_note,
    mtbench_rename_note,
)

__all__ = [
    "BATCH_ROWS",
    "FORMATS",
    "STREAM_BYTES",
    "Corpus",
    "check_known",
    "json_lines",
    "load_corpus",
    "load_corpus_streamed",
    "normalize_prompt",
    "prompt_id",
    "read_utf8",
]

COLUMNS = ("model", "prompt_id", "sample", "prompt", "output", "reasoning")
"""The corpus columns, in order; metadata columns follow them."""

SAMPLE_SEP = "#s"
"""Separator of a sample number in a prompt id (``<id>#s<k>``, as ``collect`` writes)."""

log = logging.getLogger(__name__)

_SAMPLE_ID = re.compile(r"^(?P<base>.+)#s(?P<k>\d+)$")


def check_known(
    names: Iterable[str],
    known: Sequence[str],
    what: str = "model",
    absent: Mapping[str, str] | None = None,
) -> None:
    """Raise a one-line error naming the unknown ``names`` and listing ``known``.

    ``absent`` maps models that were in the data but have no usable output
    left (:attr:`Corpus.excluded`) to why: such a name is reported as that,
    not as unknown.
    """
    unknown = [n for n in names if n not in set(known)]
    gone = [n for n in unknown if absent and n in absent]
    if gone and absent:
        raise ProvenanceError(
            f"{what} {gone[0]!r} has no usable outputs ({absent[gone[0]]}); collect its "
            "outputs again, or leave it out"
        )
    if unknown:
        raise ProvenanceError(
            f"unknown {what} {', '.join(map(repr, unknown))}; known models: {', '.join(known)}"
        )


def normalize_prompt(text: str) -> str:
    """Unicode-NFC, whitespace-collapsed, stripped prompt text."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split())


def prompt_id(text: str) -> str:
    """Stable 12-hex-digit id of a prompt, derived from its normalized text."""
    return hashlib.sha1(normalize_prompt(text).encode("utf-8")).hexdigest()[:12]


def _shorten(text: str, n: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


@dataclass
class Corpus:
    """Outputs of several models on shared prompts.

    Attributes
    ----------
    df : pandas.DataFrame
        One row per (model, prompt_id, sample), which is unique. Columns:

        - ``model`` (str): the model name;
        - ``prompt_id`` (str): the prompt's id, shared by every model's
          answer to that prompt (a sample suffix ``#s<k>`` is removed);
        - ``sample`` (int): 0, 1, ... for repeated samples of one prompt by
          one model; 0 when there is one sample;
        - ``prompt`` (str): the prompt text (``""`` when the source had ids
          but no text);
        - ``output`` (str): the answer, never empty, without any reasoning
          trace;
        - ``reasoning`` (str): the reasoning trace split from the output or
          given by the source (``reasoning`` / ``reasoning_content``),
          ``""`` when there is none;
        - any metadata the source had (``system``, ``category``, ...).
    source : str
        Where the corpus came from (path, paths, hub id or ``"<memory>"``).
    problems : list of str
        Tolerated problems found while loading (excluded rows, duplicates,
        repeated samples, partial coverage).
    notes : list of str
        What loading did that a reader should know and that is not a problem
        (MT-Bench models named by their answer file, ...); shown by
        :func:`inspect`.
    excluded : dict of str to str
        Models of the source with no usable output left (every output empty,
        or only a reasoning trace), with why: a role naming one is told so.
    """

    df: pd.DataFrame
    source: str = "<memory>"
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)

    # ----------------------------------------------------------- alignment
    @property
    def models(self) -> list[str]:
        """Model names, sorted."""
        return sorted(self.df["model"].unique().tolist())

    @property
    def prompt_ids(self) -> list[str]:
        """Distinct prompt ids, sorted."""
        return sorted(self.df["prompt_id"].unique().tolist())

    @property
    def n_models(self) -> int:
        return int(self.df["model"].nunique())

    @property
    def n_prompts(self) -> int:
        return int(self.df["prompt_id"].nunique())

    @property
    def n_samples(self) -> int:
        """The most samples any model has for one prompt (1 without repeats)."""
        if "sample" not in self.df.columns or self.df.empty:
            return 1
        return int(self.df.groupby(["model", "prompt_id"]).size().max())

    def __len__(self) -> int:
        return len(self.df)

    def coverage(self) -> pd.Series:
        """Number of prompts each model answered (index: model, sorted)."""
        return self.df.groupby("model")["prompt_id"].nunique().sort_index()

    def answered(self) -> pd.DataFrame:
        """Boolean matrix, shape (n_prompts, n_models): who answered what."""
        prompt, prompt_ids = pd.factorize(self.df["prompt_id"], sort=True)
        model, models = pd.factorize(self.df["model"], sort=True)
        table = np.zeros((len(prompt_ids), len(models)), dtype=bool)
        table[prompt, model] = True  # codes, not a crosstab (a groupby per cell at scale)
        return pd.DataFrame(
            table, index=pd.Index(list(prompt_ids), name="prompt_id"),
            columns=pd.Index(list(models), name="model"),
        )  # fmt: skip

    def shared_prompts(self, models: Iterable[str] | None = None) -> list[str]:
        """Prompt ids answered by every one of ``models`` (default: all), sorted."""
        names = self.models if models is None else list(models)
        self.check_models(names)
        answered = self.answered()[names]
        return answered.index[answered.all(axis=1)].tolist()

    def pairwise_shared(self) -> pd.DataFrame:
        """Shape (n_models, n_models): prompts each pair of models both answered."""
        a = self.answered().to_numpy(dtype=np.int64)
        return pd.DataFrame(a.T @ a, index=self.models, columns=self.models)

    def check_models(self, names: Iterable[str], what: str = "model") -> None:
        """Raise a one-line error if any name is not a model of this corpus."""
        names = list(names)
        self.check_aliases(names)
        check_known(names, self.models, what, self.excluded)

    def check_aliases(self, names: Iterable[str]) -> None:
        """Raise a one-line error for a name that is another model's ``model_id``.

        An MT-Bench answer file is named as FastChat names the model, which
        may differ from the ``model_id`` inside (``vicuna-33b-v1.3`` holds
        ``vicuna-30b-gpt4``): the corpus uses the file's name, and a user who
        gives the inner one is told which name to use.
        """
        if "model_id" not in self.df.columns:
            return
        known = set(self.models)
        unknown = [n for n in names if n not in known]
        if not unknown:
            return
        inside = self.df.drop_duplicates("model_id").set_index("model_id")["model"]
        for n in unknown:
            if n in inside.index:
                raise ProvenanceError(
                    f"{n!r} is the model_id inside the records of {inside[n]!r}, which is what "
                    f"this corpus calls that model (FastChat names a model by its file): "
                    f"name it {inside[n]!r}"
                )

    def subset(
        self, models: Iterable[str] | None = None, prompt_ids: Iterable[str] | None = None
    ) -> Corpus:
        """A corpus restricted to some models and/or prompts."""
        mask = pd.Series(True, index=self.df.index)
        if models is not None:
            models = list(models)
            self.check_models(models)
            mask &= self.df["model"].isin(models)
        if prompt_ids is not None:
            mask &= self.df["prompt_id"].isin(set(prompt_ids))
        return Corpus(
            self.df[mask].reset_index(drop=True),
            self.source,
            list(self.problems),
            list(self.notes),
            dict(self.excluded),
        )

    def outputs(
        self, model: str, prompt_ids: Sequence[str] | None = None, sample: int = 0
    ) -> pd.Series:
        """Outputs of one model indexed by prompt_id (NaN where unanswered).

        ``sample`` picks which of repeated samples (0, the first, by default).
        """
        self.check_models([model])
        rows = self.df.loc[(self.df["model"] == model) & (self.df["sample"] == sample)]
        s = rows.set_index("prompt_id")["output"]
        return s if prompt_ids is None else s.reindex(list(prompt_ids))

    def prompts(self) -> pd.Series:
        """Prompt text indexed by prompt_id."""
        return self.df.drop_duplicates("prompt_id").set_index("prompt_id")["prompt"].sort_index()

    def content_hash(self) -> str:
        """SHA-256 over (model, prompt_id, sample, output), order-independent; 16 hex digits.

        Sample 0 hashes as before samples existed (a corpus without repeats
        keeps its hash, so caches keyed by it stay valid).
        """
        from .text_store import row_slices

        df = self.df
        keys = df["prompt_id"].where(
            df["sample"] == 0, df["prompt_id"] + "#s" + df["sample"].astype(str)
        )
        table = pd.DataFrame({"model": df["model"], "key": keys})
        # rows in (model, key) order
        order = table.reset_index(drop=True).sort_values(["model", "key"]).index.to_numpy()
        h = hashlib.sha256()
        # the texts a slice at a time (texts on disk are never read whole into memory)
        for part in row_slices(len(order)):
            rows = order[part]
            sub = table.iloc[rows].assign(output=df["output"].iloc[rows].to_numpy())
            for row in sub.itertuples(index=False):
                h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
                h.update(b"\x1e")
        return h.hexdigest()[:16]

    def sparse_models(self, min_shared: int) -> dict[str, int]:
        """Models sharing fewer than ``min_shared`` prompts with every other model.

        Returns model -> the largest number of prompts it shares with any
        other model.
        """
        shared = self.pairwise_shared().to_numpy().copy()
        np.fill_diagonal(shared, -1)
        best = shared.max(axis=1) if len(shared) > 1 else np.zeros(len(shared), dtype=int)
        return {m: int(b) for m, b in zip(self.models, best, strict=True) if b < min_shared}

    def __repr__(self) -> str:
        samples = f", up to {self.n_samples} samples per prompt" if self.n_samples > 1 else ""
        return (
            f"Corpus({self.n_models} models, {self.n_prompts} prompts{samples}, "
            f"{len(self.df)} outputs, source={self.source!r})"
        )

    def _repr_html_(self) -> str:
        """The repr and the outputs per model (``detector.inspect`` shows the rest)."""
        counts = self.df.groupby("model", sort=True).size().rename("outputs").to_frame()
        return f"<p>{html.escape(repr(self))}</p>" + counts.to_html()


# --------------------------------------------------------------- loading
def load_corpus(
    source: Any,
    *,
    format: str | None = None,
    model_col: str | None = None,
    prompt_col: str | None = None,
    output_col: str | None = None,
    id_col: str | None = None,
    questions: str | os.PathLike[str] | None = None,
    sep: str | None = None,
    texts_on_disk: bool | None = None,
) -> Corpus:
    """Load a corpus of model outputs.

    Parameters
    ----------
    source : path, sequence of paths, pandas.DataFrame or datasets.Dataset
        A file (``.jsonl``, ``.json``, ``.csv``, ``.parquet``, optionally
        gzip/bzip2/xz-compressed), a folder of such files, several paths (read
        as one corpus), an AlpacaEval results tree, an MT-Bench folder, a
        ``save_to_disk`` directory, an ``hf://datasets/...`` file,
        ``"hf:NAME[:CONFIG[:SPLIT]]"``, or an in-memory table. The record
        shapes read are listed in :mod:`detector.shapes`.
    format : str, optional
        Force a format (one of :data:`FORMATS`); inferred when omitted.
    model_col, prompt_col, output_col, id_col : str, optional
        Source column names for the model, prompt text, output and prompt id;
        recognised from common names when omitted. The id column is optional:
        without one, ids derive from the prompt text; ``id_col=""`` ignores
        an id column the source has.
    questions : path, optional
        The MT-Bench ``question.jsonl`` of MT-Bench answers, when it is not
        beside their ``model_answer`` folder.
    sep : str, optional
        The delimiter of CSV and TSV files (``";"``, ``"\\t"``, ...); sniffed
        from each file's header when omitted.
    texts_on_disk : bool, optional
        For Parquet sources: read them in batches and keep the texts on disk,
        memory-mapped (:func:`load_corpus_streamed`), so memory holds the
        short columns only. None (default): when the files are larger than
        :data:`STREAM_BYTES` (2 GiB).

    Returns
    -------
    Corpus

    Raises
    ------
    ProvenanceError
        For a missing path, unknown format, empty file, missing or ambiguous
        columns, nested or non-text values, undecodable bytes, malformed
        JSON, one prompt id naming two different prompts, conflicting
        samples, or no usable outputs.
    """
    if texts_on_disk is not False and format in (None, "parquet") and questions is None:
        files = parquet_sources(source)
        if files and (texts_on_disk or parquet_bytes(files) > STREAM_BYTES):
            return load_corpus_streamed(
                files, model_col=model_col, prompt_col=prompt_col, output_col=output_col,
                id_col=id_col,
            )  # fmt: skip
    cols = Columns(
        model=model_col,
        prompt=prompt_col,
        output=output_col,
        prompt_id=id_col,
        questions=None if questions is None else os.fspath(questions),  # type: ignore[arg-type]
    )
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in '"\n\r'):
        raise ProvenanceError(
            f"`sep` must be one character other than a quote or a line end (got {sep!r}); "
            "for a tab write '\\t'"
        )
    start = time.perf_counter()
    tables = _without_lineage_tables(read_tables(source, format=format, sep=sep), cols)
    for table in tables:
        log.debug("%s: %d records (columns: %s)", table.where, len(table.frame),
                  ", ".join(map(str, table.frame.columns[:12])))  # fmt: skip
    frames = join_requests([canonical_frame(t, cols) for t in tables], cols.notes)
    where = describe(source)
    corpus = build_corpus(frames, where)
    renamed = mtbench_rename_note(cols)
    if renamed:  # names the user will not find in the files: said at once
        warnings.warn(renamed, UserWarning, stacklevel=2)
    chats = chat_note(cols)
    corpus.notes.extend(cols.notes + [n for n in (renamed, chats) if n])
    log.info(
        "read %s: %d outputs of %d models on %d prompts from %d table(s) in %.2f s%s",
        where, len(corpus.df), corpus.n_models, corpus.n_prompts, len(tables),
        time.perf_counter() - start,
        f"; {len(corpus.problems)} problem(s), see inspect" if corpus.problems else "",
    )  # fmt: skip
    return corpus


def _without_lineage_tables(tables: list[Any], cols: Columns) -> list[Any]:
    """Leave out the lineage tables a folder holds beside the outputs, with a warning.

    A folder of outputs often keeps its ``lineage.csv`` beside them (the demo,
    the dev corpora); a table with ``model`` and ``relation`` columns and no
    output column is that file, not outputs. It is kept when it is all there
    is (its reading then says what is missing) or when an output column was
    named.
    """
    if len(tables) < 2 or cols.output is not None:
        return tables
    outputs = set(CANDIDATES["output"])

    def is_lineage(t: Any) -> bool:
        names = {str(c).strip().lower() for c in t.frame.columns}
        return {"model", "relation"} <= names and not names & outputs

    lineage = [t for t in tables if is_lineage(t)]
    if not lineage or len(lineage) == len(tables):
        return tables
    where = ", ".join(t.where for t in lineage)
    warnings.warn(
        f"{where}: a lineage table (model, relation columns), not outputs: left out of the "
        "corpus; give it to `lineage`",
        UserWarning,
        stacklevel=3,
    )
    left_out = {id(t) for t in lineage}  # tables hold frames: compared by identity
    return [t for t in tables if id(t) not in left_out]


def build_corpus(frames: list[pd.DataFrame], source: str) -> Corpus:
    """Validate and normalize canonical frames (see :mod:`detector.shapes`) into a corpus."""
    problems: list[str] = []
    has_ids = [("prompt_id" in f.columns and bool(f["prompt_id"].notna().all())) for f in frames]
    if any("sample" in f.columns for f in frames):  # a source without samples holds sample 0
        frames = [f if "sample" in f.columns else f.assign(sample=0) for f in frames]
    frame = pd.concat(frames, ignore_index=True, sort=False)
    if frame.empty:
        raise ProvenanceError(f"{source}: no records; give a table with model outputs")
    out = _models_and_text(frame, source, problems)
    explicit_samples = "sample" in frame.columns and frame["sample"].notna().any()
    out["sample"] = _samples(frame, source) if explicit_samples else 0
    if all(has_ids):
        ids = frame["prompt_id"].astype(str).str.strip()
        parts = ids.str.extract(_SAMPLE_ID)
        suffixed = parts["base"].notna()
        if suffixed.any():
            ids = ids.where(~suffixed, parts["base"])
            out.loc[suffixed, "sample"] = parts.loc[suffixed, "k"].astype(int)
            explicit_samples = True
        out["prompt_id"] = ids
        _check_one_text_per_id(out, source)
    else:
        if "prompt_id" in frame.columns and frame["prompt_id"].notna().any():
            problems.append(
                "prompt ids derived from the prompt text: "
                f"{int(frame['prompt_id'].isna().sum())} record(s) have no id"
            )
        missing = out["prompt"].str.strip() == ""
        if missing.any():
            raise ProvenanceError(
                f"{source}: {int(missing.sum())} record(s) have no prompt text (first at row "
                f"{int(np.flatnonzero(missing.to_numpy())[0]) + 1}) and no prompt id; fill the "
                "prompts or give ids with `id_col`"
            )
        context = frame[CONTEXT].fillna("") if CONTEXT in frame.columns else None
        if context is None:
            out["prompt_id"] = [prompt_id(p) for p in out["prompt"]]
        else:  # a later exchange of a chat: its id covers the earlier user turns
            out["prompt_id"] = [
                prompt_id(f"{c}{CONTEXT_SEP}{p}" if c else p)
                for c, p in zip(context, out["prompt"], strict=True)
            ]
    meta = [c for c in frame.columns if c not in COLUMNS and c not in out.columns and c != CONTEXT]
    for c in meta:
        out[c] = frame[c].to_numpy()
    excluded: dict[str, str] = {}
    out = _drop_empty(out, source, problems, excluded)
    out = _dedupe(out, source, problems, explicit_samples)
    out["sample"] = out["sample"].astype(np.int64)
    out = out[list(COLUMNS) + [c for c in out.columns if c not in COLUMNS]]
    corpus = Corpus(out.reset_index(drop=True), source, problems, excluded=excluded)
    cov = corpus.coverage()
    if cov.nunique() > 1:
        full = corpus.n_prompts
        partial = cov[cov < full]
        problems.append(
            "partial coverage (compared on shared prompts): "
            + ", ".join(f"{m} answers {n} of {full}" for m, n in partial.items())
        )
    return corpus


def _models_and_text(frame: pd.DataFrame, source: str, problems: list[str]) -> pd.DataFrame:
    """Model names checked, prompts as text, outputs split from reasoning traces."""
    model = frame["model"]
    bad = model.isna() | (model.astype(str).str.strip() == "")
    if bad.any():
        raise ProvenanceError(
            f"{source}: {int(bad.sum())} record(s) have no model name (first at row "
            f"{int(np.flatnonzero(bad.to_numpy())[0]) + 1}); fill the model column or name it "
            "with `model_col`"
        )
    out = pd.DataFrame({"model": model.astype(str).str.strip()}, index=frame.index)
    prompt = frame["prompt"] if "prompt" in frame.columns else pd.Series(None, index=frame.index)
    out["prompt"] = prompt.fillna("").astype(str)
    output = frame["output"]
    present = output.notna()
    answers, traces = split_reasoning_series(output[present].astype(str))
    out["output"] = None
    out.loc[present, "output"] = answers
    given = frame["reasoning"] if "reasoning" in frame.columns else None
    reasoning = pd.Series("", index=frame.index, dtype=object)
    reasoning[present] = traces
    if given is not None:
        given = given.fillna("").astype(str).str.strip()
        both = (given != "") & (reasoning != "")
        reasoning = reasoning.where(given == "", given)
        reasoning[both] = given[both] + "\n\n" + traces.reindex(frame.index)[both]
    out["reasoning"] = reasoning
    trace_only = present & (reasoning != "") & (out["output"].fillna("").str.strip() == "")
    if trace_only.any():
        by_model = out.loc[trace_only, "model"].value_counts().sort_index()
        problems.append(
            f"{int(trace_only.sum())} output(s) held only a reasoning trace and no answer "
            "(an unclosed <think>: often max_tokens spent on thinking); excluded: "
            + ", ".join(f"{m} ({n})" for m, n in by_model.items())
        )
        out.loc[trace_only, "output"] = None
        out["_trace_only"] = trace_only
    return out


def _samples(frame: pd.DataFrame, source: str) -> pd.Series:
    values = pd.to_numeric(frame["sample"], errors="coerce")
    bad = values.isna() | (values < 0) | (values != values.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ProvenanceError(
            f"{source}: column 'sample' must hold whole numbers >= 0 (row {row + 1} holds "
            f"{frame['sample'].iloc[row]!r})"
        )
    return values.astype(np.int64)


def _check_one_text_per_id(out: pd.DataFrame, source: str) -> None:
    """One prompt id must name one prompt text in every model's records."""
    text = out["prompt"].map(normalize_prompt)
    has_text = text != ""
    if not has_text.any():
        return
    counts = text[has_text].groupby(out.loc[has_text, "prompt_id"]).nunique()
    clashes = counts[counts > 1]
    if len(clashes):
        pid = clashes.index[0]
        rows = out[(out["prompt_id"] == pid) & has_text].assign(text=text)
        (first, a), (second, b) = list(rows.groupby("text", sort=False))[:2]
        ma = ", ".join(sorted(a["model"].unique())[:3])
        mb = ", ".join(sorted(b["model"].unique())[:3])
        raise ProvenanceError(
            f"{source}: prompt id {pid!r} names different prompts: {_shorten(first)!r} "
            f"({ma}) and {_shorten(second)!r} ({mb}); {len(clashes)} id(s) clash, so answers "
            "to different prompts would be compared: fix the ids, or derive ids from the "
            "prompt text with `id_col` set to ''"
        )
    missing = out["prompt"].str.strip() == ""
    if missing.any():
        lookup = out.loc[has_text].drop_duplicates("prompt_id").set_index("prompt_id")["prompt"]
        out.loc[missing, "prompt"] = out.loc[missing, "prompt_id"].map(lookup).fillna("")


def _drop_empty(
    out: pd.DataFrame, source: str, problems: list[str], excluded: dict[str, str]
) -> pd.DataFrame:
    """Rows without an answer dropped; ``excluded`` receives the models left with none."""
    trace_only = out.pop("_trace_only") if "_trace_only" in out.columns else False
    empty = out["output"].isna() | (out["output"].astype(str).str.strip() == "")
    plain = empty & ~trace_only
    if plain.any():
        by_model = out.loc[plain, "model"].value_counts().sort_index()
        problems.append(
            f"{int(plain.sum())} null or empty output(s) excluded: "
            + ", ".join(f"{m} ({n})" for m, n in by_model.items())
        )
    kept = set(out.loc[~empty, "model"])
    for model, rows in out.loc[empty].groupby("model"):
        if model not in kept:
            traces = (
                int(trace_only.loc[rows.index].sum()) if isinstance(trace_only, pd.Series) else 0
            )
            n = len(rows)
            excluded[str(model)] = (
                f"all {n} of its outputs are null or empty"
                if not traces
                else f"all {n} of its outputs are empty or only a reasoning trace"
            )
    if excluded:
        problems.append(
            "model(s) with no usable output, left out: "
            + ", ".join(f"{m} ({why})" for m, why in sorted(excluded.items()))
        )
    out = out.loc[~empty].copy()
    if out.empty:
        raise ProvenanceError(f"{source}: every output is null or empty; nothing to analyse")
    out["output"] = out["output"].astype(str)
    return out


def _dedupe(
    out: pd.DataFrame, source: str, problems: list[str], explicit_samples: bool
) -> pd.DataFrame:
    """Drop exact duplicates; number repeated answers to one prompt as samples."""
    keys = ["model", "prompt_id", "sample"]
    exact = out.duplicated(keys + ["output"])
    if exact.any():
        problems.append(f"{int(exact.sum())} exact duplicate record(s) dropped")
        out = out.loc[~exact]
    repeated = out.duplicated(keys, keep=False)
    if not repeated.any():
        return out
    if explicit_samples:
        model, pid, k = out.loc[repeated, keys].iloc[0]
        raise ProvenanceError(
            f"{source}: model {model!r} has two different outputs for prompt {pid!r} "
            f"sample {k}; keep one output per (model, prompt, sample)"
        )
    first = out.loc[repeated].iloc[0]
    n_pairs = int(out.loc[repeated].groupby(["model", "prompt_id"]).ngroups)
    out = out.copy()
    out["sample"] = out.groupby(["model", "prompt_id"]).cumcount()
    problems.append(
        f"{n_pairs} (model, prompt) pair(s) have several different outputs, kept as repeated "
        f"samples of the prompt (e.g. model {first['model']!r} on "
        f"{_shorten(first['prompt']) or first['prompt_id']!r}); if they answer different "
        "prompts, give each its own id with `id_col`"
    )
    return out


# --------------------------------------------------------------- larger than memory
# Parquet sources larger than STREAM_BYTES are read record batch by record batch: every
# batch is normalized by load_corpus (the same shapes, column names, reasoning traces and
# checks), its texts (prompt, output, reasoning) go to a TextSpool (detector.text_store:
# flat files, memory-mapped back as ordinary str columns) and only the short columns
# (model, prompt id, sample) stay in memory. What spans batches is checked again over the
# whole corpus: one prompt text per prompt id (by a hash of the normalized text), and
# repeated answers of one model to one prompt, numbered as samples in file order (as the
# whole file would be).
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

    from .text_store import TextSpool

    spool = TextSpool(_TEXT, None if texts is None else Path(texts))
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

"""Corpus layer: one table of model outputs on shared prompts.

A :class:`Corpus` holds one row per (model, prompt) with the columns
``model``, ``prompt_id``, ``prompt`` and ``output`` (plus any metadata columns
the source had). :func:`load_corpus` reads it from

- JSONL, JSON, CSV and Parquet files (column names mappable);
- a saved Hugging Face dataset (``Dataset.save_to_disk`` directory), a
  ``datasets.Dataset`` or ``pandas.DataFrame`` passed in Python, and
  ``hf:NAME[:CONFIG[:SPLIT]]`` hub ids;
- an AlpacaEval results tree (``results/<model>/model_outputs.json``).

A prompt's id is stable across models and files: the source's id column when
it has one, else a hash of the normalized prompt text (:func:`prompt_id`).

Every problem a user can fix raises :class:`~detector.errors.ProvenanceError`
with one line naming the file (and line) and what to do. Problems that are
tolerated (empty outputs, exact duplicate rows, partial coverage) are kept in
:attr:`Corpus.problems` and shown by :func:`inspect`.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ProvenanceError
from .params import check_int
from .results import Result

REQUIRED = ("model", "prompt_id", "prompt", "output")
FORMATS = ("jsonl", "json", "csv", "parquet", "alpaca_eval", "hf_disk", "hf")
_SUFFIX_FORMAT = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def check_known(names: Iterable[str], known: Sequence[str], what: str = "model") -> None:
    """Raise a one-line error naming the unknown ``names`` and listing ``known``."""
    unknown = [n for n in names if n not in set(known)]
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


@dataclass
class Corpus:
    """Outputs of several models on shared prompts.

    Attributes
    ----------
    df : pandas.DataFrame
        One row per (model, prompt_id); columns ``model``, ``prompt_id``,
        ``prompt``, ``output`` and any metadata. Empty outputs are excluded.
    source : str
        Where the corpus came from (path, hub id or ``"<memory>"``).
    problems : list of str
        Tolerated problems found while loading (excluded rows, duplicates).
    """

    df: pd.DataFrame
    source: str = "<memory>"
    problems: list[str] = field(default_factory=list)

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

    def __len__(self) -> int:
        return len(self.df)

    def coverage(self) -> pd.Series:
        """Number of prompts each model answered (index: model, sorted)."""
        return self.df.groupby("model")["prompt_id"].nunique().sort_index()

    def answered(self) -> pd.DataFrame:
        """Boolean matrix, shape (n_prompts, n_models): who answered what."""
        table = pd.crosstab(self.df["prompt_id"], self.df["model"]) > 0
        return table.reindex(index=self.prompt_ids, columns=self.models, fill_value=False)

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
        check_known(names, self.models, what)

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
        return Corpus(self.df[mask].reset_index(drop=True), self.source, list(self.problems))

    def outputs(self, model: str, prompt_ids: Sequence[str] | None = None) -> pd.Series:
        """Outputs of one model indexed by prompt_id (NaN where unanswered)."""
        self.check_models([model])
        s = self.df.loc[self.df["model"] == model].set_index("prompt_id")["output"]
        return s if prompt_ids is None else s.reindex(list(prompt_ids))

    def prompts(self) -> pd.Series:
        """Prompt text indexed by prompt_id."""
        return self.df.drop_duplicates("prompt_id").set_index("prompt_id")["prompt"].sort_index()

    def content_hash(self) -> str:
        """SHA-256 over (model, prompt_id, output), order-independent; 16 hex digits."""
        h = hashlib.sha256()
        for row in self.df.sort_values(["model", "prompt_id"])[
            ["model", "prompt_id", "output"]
        ].itertuples(index=False):
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
        return (
            f"Corpus({self.n_models} models, {self.n_prompts} prompts, "
            f"{len(self.df)} outputs, source={self.source!r})"
        )

    def _repr_html_(self) -> str:
        return inspect(self)._repr_html_()


# --------------------------------------------------------------- loading
def load_corpus(
    source: Any,
    *,
    format: str | None = None,
    model_col: str = "model",
    prompt_col: str = "prompt",
    output_col: str = "output",
    id_col: str = "prompt_id",
) -> Corpus:
    """Load a corpus of model outputs.

    Parameters
    ----------
    source : str, os.PathLike, pandas.DataFrame or datasets.Dataset
        A file (``.jsonl``, ``.json``, ``.csv``, ``.parquet``), an AlpacaEval
        results tree, a ``save_to_disk`` directory, ``"hf:NAME[:CONFIG[:SPLIT]]"``,
        or an in-memory table.
    format : str, optional
        Force a format (one of :data:`FORMATS`); inferred when omitted.
    model_col, prompt_col, output_col, id_col : str
        Source column names for the model, prompt text, output and prompt id.
        The id column is optional: without it ids derive from the prompt text.

    Returns
    -------
    Corpus

    Raises
    ------
    ProvenanceError
        For a missing path, unknown format, empty file, missing columns,
        undecodable bytes, malformed JSON, conflicting duplicates, or no
        usable outputs.
    """
    cols = dict(model_col=model_col, prompt_col=prompt_col, output_col=output_col, id_col=id_col)
    if isinstance(source, pd.DataFrame):
        return _from_frame(source.copy(), "<memory>", **cols)
    if _is_hf_dataset(source):
        return _from_hf_dataset(source, "<memory>", **cols)
    text = os.fspath(source)
    if format == "hf" or (format is None and text.startswith("hf:")):
        return _from_hub(text, **cols)
    path = Path(text).expanduser()
    if not path.exists():
        raise ProvenanceError(f"{text}: no such file or directory; check the path")
    fmt = format or _infer_format(path)
    if path.is_dir() and fmt not in ("alpaca_eval", "hf_disk"):
        raise ProvenanceError(
            f"{text}: is a directory but not an AlpacaEval results tree "
            "(results/<model>/model_outputs.json) nor a saved Hugging Face dataset; "
            "give a .jsonl, .json, .csv or .parquet file or one of those folders"
        )
    if fmt not in FORMATS:
        raise ProvenanceError(f"{text}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "alpaca_eval":
        return _from_alpaca_eval(path)
    if fmt == "hf_disk":
        return _from_hf_disk(path, **cols)
    if path.stat().st_size == 0:
        raise ProvenanceError(f"{text}: file is empty; give a file with model outputs")
    reader = {"jsonl": _read_jsonl, "json": _read_json, "csv": _read_csv, "parquet": _read_parquet}
    frame = reader[fmt](path)
    return _from_frame(frame, str(path), **cols)


def _infer_format(path: Path) -> str:
    if path.is_dir():
        if _alpaca_model_dirs(path):
            return "alpaca_eval"
        if (
            (path / "dataset_info.json").exists()
            or (path / "state.json").exists()
            or (path / "dataset_dict.json").exists()
        ):
            return "hf_disk"
        return "directory"
    suffixes = [s.lower() for s in path.suffixes]
    for s in reversed(suffixes):
        if s in _SUFFIX_FORMAT:
            return _SUFFIX_FORMAT[s]
    raise ProvenanceError(
        f"{path}: unknown format {path.suffix or '(no extension)'!r}; use a .jsonl, .json, "
        ".csv or .parquet file, an AlpacaEval results tree, or name the format with `format`"
    )


def read_utf8(path: Path) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped); one error line otherwise."""
    raw = path.read_bytes()
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


def _clean_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def _read_jsonl(path: Path) -> pd.DataFrame:
    rows = []
    for number, row in json_lines(path, read_utf8(path)):
        if not isinstance(row, dict):
            raise ProvenanceError(
                f"{path}:{number}: expected a JSON object per line, got {type(row).__name__}"
            )
        rows.append(row)
    if not rows:
        raise ProvenanceError(f"{path}: file has no records; give a file with model outputs")
    return pd.DataFrame(_clean_records(rows))


def _read_json(path: Path) -> pd.DataFrame:
    text = read_utf8(path)
    if not text.strip():
        raise ProvenanceError(f"{path}: file is empty; give a file with model outputs")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProvenanceError(
            f"{path}:{exc.lineno}: malformed JSON ({exc.msg}); fix the file"
        ) from None
    if isinstance(data, dict):
        # {"records": [...]} or column-oriented {"model": [...], ...}
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(data) == 1 and lists and all(isinstance(r, dict) for r in lists[0]):
            data = lists[0]
        else:
            try:
                return pd.DataFrame(data)
            except ValueError:
                raise ProvenanceError(
                    f"{path}: JSON object is not a table; give a list of records"
                ) from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ProvenanceError(f"{path}: expected a JSON list of records (objects)")
    if not data:
        raise ProvenanceError(f"{path}: file has no records; give a file with model outputs")
    return pd.DataFrame(_clean_records(data))


def _read_csv(path: Path) -> pd.DataFrame:
    read_utf8(path)  # clear error for non-UTF-8 bytes
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise ProvenanceError(f"{path}: file is empty; give a file with model outputs") from None
    except pd.errors.ParserError as exc:
        raise ProvenanceError(f"{path}: malformed CSV ({str(exc).strip()})") from None
    if frame.empty:
        raise ProvenanceError(f"{path}: file has a header but no rows")
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise ProvenanceError(
            f"{path}: not a readable Parquet file ({type(exc).__name__}); check the file"
        ) from None
    if frame.empty:
        raise ProvenanceError(f"{path}: file has no rows")
    return frame


def _alpaca_model_dirs(path: Path) -> list[Path]:
    root = path / "results" if (path / "results").is_dir() else path
    return sorted(p.parent for p in root.glob("*/model_outputs.json"))


def _from_alpaca_eval(path: Path) -> Corpus:
    frames = []
    for folder in _alpaca_model_dirs(path):
        file = folder / "model_outputs.json"
        frame = _read_json(file)
        if "instruction" not in frame.columns or "output" not in frame.columns:
            raise ProvenanceError(
                f"{file}: AlpacaEval records need 'instruction' and 'output' fields"
            )
        frame = frame.rename(columns={"instruction": "prompt"})
        frame["model"] = folder.name
        frames.append(frame.drop(columns=["generator"], errors="ignore"))
    if not frames:
        raise ProvenanceError(f"{path}: no results/<model>/model_outputs.json files found")
    return _from_frame(pd.concat(frames, ignore_index=True), str(path))


def _is_hf_dataset(obj: Any) -> bool:
    return type(obj).__module__.startswith("datasets") and hasattr(obj, "to_pandas")


def _from_hf_dataset(ds: Any, source: str, **cols: str) -> Corpus:
    if hasattr(ds, "keys") and not hasattr(ds, "column_names"):  # DatasetDict
        raise ProvenanceError(f"{source}: a DatasetDict; pick a split (hf:NAME:CONFIG:SPLIT)")
    if hasattr(ds, "column_names") and isinstance(ds.column_names, dict):
        frames = [ds[split].to_pandas() for split in ds]
        return _from_frame(pd.concat(frames, ignore_index=True), source, **cols)
    return _from_frame(ds.to_pandas(), source, **cols)


def _from_hf_disk(path: Path, **cols: str) -> Corpus:
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as exc:
        raise ProvenanceError(
            f"{path}: not a readable saved Hugging Face dataset ({type(exc).__name__})"
        ) from None
    return _from_hf_dataset(ds, str(path), **cols)


def _from_hub(spec: str, **cols: str) -> Corpus:
    """Load ``hf:NAME[:CONFIG[:SPLIT]]`` with ``datasets.load_dataset``."""
    import datasets

    parts = spec[3:].split(":") if spec.startswith("hf:") else spec.split(":")
    if not parts or not parts[0]:
        raise ProvenanceError(f"{spec}: expected hf:NAME[:CONFIG[:SPLIT]]")
    name = parts[0]
    config = parts[1] if len(parts) > 1 and parts[1] else None
    split = parts[2] if len(parts) > 2 and parts[2] else None
    try:
        ds = datasets.load_dataset(name, config, split=split)
    except Exception as exc:
        raise ProvenanceError(
            f"{spec}: could not load the dataset ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); check the name, or download it "
            "and pass the local path"
        ) from None
    return _from_hf_dataset(ds, spec, **cols)


def _from_frame(
    frame: pd.DataFrame,
    source: str,
    model_col: str = "model",
    prompt_col: str = "prompt",
    output_col: str = "output",
    id_col: str = "prompt_id",
) -> Corpus:
    """Validate and normalize a raw table into a :class:`Corpus`."""
    missing = [c for c in (model_col, prompt_col, output_col) if c not in frame.columns]
    if missing:
        flags = {model_col: "`model_col`", prompt_col: "`prompt_col`", output_col: "`output_col`"}
        raise ProvenanceError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))}; columns present: "
            f"{', '.join(map(str, frame.columns))}; map names with "
            f"{', '.join(flags[m] for m in missing)}"
        )
    if frame.empty:
        raise ProvenanceError(f"{source}: no records; give a table with model outputs")
    problems: list[str] = []
    meta = [c for c in frame.columns if c not in {model_col, prompt_col, output_col, id_col}]
    meta = [c for c in meta if c not in REQUIRED]
    out = pd.DataFrame(
        {
            "model": frame[model_col],
            "prompt": frame[prompt_col],
            "output": frame[output_col],
        }
    )
    bad_model = out["model"].isna() | (out["model"].astype(str).str.strip() == "")
    if bad_model.any():
        raise ProvenanceError(
            f"{source}: {int(bad_model.sum())} record(s) have no model name "
            f"(first at row {int(np.flatnonzero(bad_model.to_numpy())[0]) + 1}); fill column "
            f"{model_col!r}"
        )
    out["model"] = out["model"].astype(str).str.strip()
    bad_prompt = out["prompt"].isna() | (out["prompt"].astype(str).str.strip() == "")
    if id_col in frame.columns and frame[id_col].notna().all():
        out["prompt_id"] = frame[id_col].astype(str).str.strip()
    else:
        if bad_prompt.any():
            raise ProvenanceError(
                f"{source}: {int(bad_prompt.sum())} record(s) have no prompt text "
                f"(first at row {int(np.flatnonzero(bad_prompt.to_numpy())[0]) + 1}) and no "
                f"{id_col!r} column; fill the prompts or give ids with `id_col`"
            )
        out["prompt_id"] = [prompt_id(p) for p in out["prompt"].astype(str)]
    out["prompt"] = out["prompt"].fillna("").astype(str)
    for c in meta:
        out[c] = frame[c].to_numpy()

    empty = out["output"].isna() | (out["output"].astype(str).str.strip() == "")
    if empty.any():
        by_model = out.loc[empty, "model"].value_counts().sort_index()
        problems.append(
            f"{int(empty.sum())} null or empty output(s) excluded: "
            + ", ".join(f"{m} ({n})" for m, n in by_model.items())
        )
        out = out.loc[~empty]
    out["output"] = out["output"].astype(str)
    if out.empty:
        raise ProvenanceError(f"{source}: every output is null or empty; nothing to analyse")

    dup = out.duplicated(["model", "prompt_id"], keep=False)
    if dup.any():
        groups = out.loc[dup].groupby(["model", "prompt_id"])["output"].nunique()
        conflicting = groups[groups > 1]
        if len(conflicting):
            (model, pid), _ = next(iter(conflicting.items()))
            raise ProvenanceError(
                f"{source}: {len(conflicting)} (model, prompt) pair(s) have two different "
                f"outputs, e.g. model {model!r} prompt_id {pid!r}; keep one output per pair "
                "(for several samples, give each sample its own model or prompt id)"
            )
        n_exact = int(out.duplicated(["model", "prompt_id"]).sum())
        problems.append(f"{n_exact} exact duplicate record(s) dropped")
        out = out.drop_duplicates(["model", "prompt_id"])

    corpus = Corpus(out.reset_index(drop=True), source, problems)
    cov = corpus.coverage()
    if cov.nunique() > 1:
        full = corpus.n_prompts
        partial = cov[cov < full]
        problems.append(
            "partial coverage (compared on shared prompts): "
            + ", ".join(f"{m} answers {n} of {full}" for m, n in partial.items())
        )
    return corpus


# --------------------------------------------------------------- inspect
@dataclass
class Inspection(Result):
    """Summary of a corpus: models, prompts, coverage, lengths, problems.

    ``models`` maps model -> number of prompts answered; ``lengths`` maps
    model -> {"mean_chars", "median_chars", "mean_words"}.
    """

    source: str
    n_models: int
    n_prompts: int
    n_outputs: int
    n_shared: int
    models: dict[str, int]
    lengths: dict[str, dict[str, float]]
    problems: list[str]

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"model": m, "answered": n, **{k: round(v, 1) for k, v in self.lengths[m].items()}}
            for m, n in self.models.items()
        ]
        return pd.DataFrame(rows).set_index("model")

    def to_text(self) -> str:
        head = (
            f"{self.source}: {self.n_models} models, {self.n_prompts} prompts "
            f"({self.n_shared} answered by every model), {self.n_outputs} outputs"
        )
        lines = [head, "", self.to_frame().to_string(), ""]
        lines += (
            ["problems:"] + [f"  - {p}" for p in self.problems]
            if self.problems
            else ["problems: none"]
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        probs = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems) or "<li>none</li>"
        return (
            f"<p><b>{html.escape(self.source)}</b>: {self.n_models} models, {self.n_prompts} "
            f"prompts ({self.n_shared} shared by all), {self.n_outputs} outputs</p>"
            + self.to_frame().to_html()
            + f"<p>Problems:</p><ul>{probs}</ul>"
        )


def inspect(corpus: Corpus, min_shared: int = 20) -> Inspection:
    """Summarize a corpus: coverage, length statistics per model, problems.

    Parameters
    ----------
    corpus : Corpus
    min_shared : int
        A model sharing fewer prompts than this with every other model is
        flagged as a problem (too few to compare).
    """
    check_int(min_shared, "min_shared", 1)
    df = corpus.df
    chars = df["output"].str.len()
    words = df["output"].str.split().str.len()
    stats = (
        pd.DataFrame({"model": df["model"], "chars": chars, "words": words})
        .groupby("model")
        .agg(
            mean_chars=("chars", "mean"),
            median_chars=("chars", "median"),
            mean_words=("words", "mean"),
        )
    )
    problems = list(corpus.problems)
    sparse = corpus.sparse_models(min_shared)
    if sparse and len(sparse) == corpus.n_models:
        problems.append(
            f"models share at most {max(sparse.values())} prompts; comparing models needs "
            f"at least {min_shared}"
        )
    else:
        problems += [
            f"model {m!r} shares at most {best} prompts with any other model "
            f"(need {min_shared} to compare)"
            for m, best in sparse.items()
        ]
    return Inspection(
        source=corpus.source,
        n_models=corpus.n_models,
        n_prompts=corpus.n_prompts,
        n_outputs=len(df),
        n_shared=len(corpus.shared_prompts()),
        models={m: int(n) for m, n in corpus.coverage().items()},
        lengths={m: {k: float(v) for k, v in row.items()} for m, row in stats.iterrows()},
        problems=problems,
    )

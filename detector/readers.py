"""Reading files into raw tables: formats, compression, folders, remote paths.

This module turns whatever the user points at into a list of :class:`Table`
(a raw :class:`pandas.DataFrame` and where it came from); :mod:`detector.shapes`
then maps each table's record shape onto the corpus columns and
:func:`detector.corpus.load_corpus` builds the corpus. What is read:

- JSON Lines (``.jsonl``, ``.ndjson``), JSON (a list of records, a
  ``{"records": [...]}`` wrapper, a column-oriented object, or per-model
  result files of the slop-score kind: ``{model: {..., "samples": [...]}}``),
  CSV and Parquet files;
- any of them compressed with gzip, bzip2 or xz (``.jsonl.gz``, ...): the
  compression is recognised by its magic bytes, whatever the file name says;
- a folder of such files, or a list of paths, read as one corpus;
- an AlpacaEval results tree (``results/<model>/model_outputs.json``), a
  FastChat MT-Bench folder (``model_answer/*.jsonl`` beside
  ``question.jsonl``), an lm-evaluation-harness ``--log_samples`` folder
  (``<model>/samples_<task>_<time>.jsonl``; ``results_*.json`` names the
  model), a saved Hugging Face dataset (``save_to_disk``);
- CSV and TSV files whose delimiter (``,``, ``;``, tab, ``|``) is found in
  the header line, or given as ``sep``; a byte-order mark and Windows line
  ends are handled;
- ``hf://datasets/ORG/NAME/PATH`` files (globs allowed), the paths pandas and
  Polars use, read through the ``hf`` filesystem that ``huggingface_hub``
  registers with fsspec; ``hf:NAME[:CONFIG[:SPLIT]]`` hub datasets through
  ``datasets.load_dataset``.

Every problem is one :class:`~detector.errors.ProvenanceError` line naming
the file (and line, where there is one).
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ProvenanceError
from .textfiles import (
    COMPRESSION_SUFFIX,
    clean_records,
    json_lines,
    read_bytes,
    read_utf8,
)

__all__ = [
    "FORMATS",
    "Table",
    "json_lines",
    "read_tables",
    "read_utf8",
]

FORMATS = (
    "jsonl",
    "json",
    "csv",
    "tsv",
    "parquet",
    "alpaca_eval",
    "mtbench",
    "lm_eval",
    "hf_disk",
    "hf",
)
"""Names accepted by ``format``; inferred from the path when omitted."""

_SUFFIX_FORMAT = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_SIDECARS = (".failures.jsonl", ".torn")  # files `collect` writes beside its output


@dataclass
class Table:
    """A raw table and where it came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The records as read, before any column mapping.
    where : str
        The file (or hub id) it was read from, for messages.
    path : pathlib.Path or None
        The local file, when there is one (MT-Bench answers look for
        ``question.jsonl`` beside it).
    model : str or None
        The model name the layout implies (AlpacaEval folders), if any.
    file_model : str or None
        The model name FastChat gives an answer file of a ``model_answer``
        folder: its file name without suffixes. Used by the MT-Bench shape
        only (other records in such a folder keep their own names).
    """

    frame: pd.DataFrame
    where: str
    path: Path | None = None
    model: str | None = None
    file_model: str | None = None


# ----------------------------------------------------------------- entry point
def read_tables(source: Any, *, format: str | None = None, sep: str | None = None) -> list[Table]:
    """Read ``source`` (a path, a list of paths, a table) into raw tables.

    Parameters
    ----------
    source : str, os.PathLike, sequence of them, pandas.DataFrame or datasets.Dataset
        See the module docstring for what is read.
    format : str, optional
        One of :data:`FORMATS`; inferred from each path when omitted.
    sep : str, optional
        The delimiter of CSV and TSV files; sniffed from the header when
        omitted (``,``, ``;``, tab or ``|``).

    Returns
    -------
    list of Table
        At least one table, none of them empty.

    Raises
    ------
    ProvenanceError
        A missing path, an unknown format, an empty or unreadable file.
    """
    if format is not None and format not in FORMATS:
        raise ProvenanceError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if isinstance(source, pd.DataFrame):
        return [Table(source.copy(), "<memory>")]
    if _is_hf_dataset(source):
        return [Table(_hf_dataset_frame(source, "<memory>"), "<memory>")]
    if isinstance(source, (list, tuple)):
        if not source:
            raise ProvenanceError("no input given; name at least one file or folder")
        return [t for item in source for t in read_tables(item, format=format, sep=sep)]
    text = os.fspath(source)
    if text.startswith("hf://"):
        return _read_remote(text, format, sep)
    if format == "hf" or (format is None and text.startswith("hf:")):
        return [Table(_hub_frame(text), text)]
    path = Path(text).expanduser()
    if not path.exists():
        raise ProvenanceError(f"{text}: no such file or directory; check the path")
    if path.is_dir():
        return _read_folder(path, format, sep)
    return [_read_file(path, format or infer_format(path), sep=sep)]


def infer_format(path: Path) -> str:
    """The format of ``path`` from its suffixes (a compression suffix is skipped)."""
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in COMPRESSION_SUFFIX:
        suffixes.pop()
    if suffixes and suffixes[-1] in _SUFFIX_FORMAT:
        return _SUFFIX_FORMAT[suffixes[-1]]
    raise ProvenanceError(
        f"{path}: unknown format {path.suffix or '(no extension)'!r}; use a .jsonl, .json, "
        ".csv, .tsv or .parquet file (optionally .gz), a folder of them, or pass `format`"
    )


# ----------------------------------------------------------------- files
def _read_file(
    path: Path,
    fmt: str,
    data: bytes | None = None,
    where: str | None = None,
    sep: str | None = None,
) -> Table:
    where = where or str(path)
    if fmt in ("alpaca_eval", "mtbench", "lm_eval", "hf_disk", "hf"):
        raise ProvenanceError(f"{where}: format {fmt!r} is for a folder or hub id, not a file")
    if data is None and path.stat().st_size == 0:
        raise ProvenanceError(f"{where}: file is empty; give a file with model outputs")
    if fmt == "parquet":
        frame = _parquet_frame(path, data, where)
    elif fmt in ("csv", "tsv"):
        delimiter = sep if sep is not None else ("\t" if fmt == "tsv" else None)
        frame = _csv_frame(Path(where), read_utf8(path, data), delimiter)
    else:
        reader = {"jsonl": _jsonl_frame, "json": _json_frame}
        frame = reader[fmt](Path(where), read_utf8(path, data))
    table = Table(frame, where, path if data is None else None)
    if data is None and path.parent.name == "model_answer":
        table.file_model = file_stem(path)
    elif data is None and _LM_EVAL_SAMPLES.match(path.name):
        table.file_model = lm_eval_model(path.parent)
    return table


_LM_EVAL_SAMPLES = re.compile(r"^samples_.+\.jsonl$", re.IGNORECASE)
_MODEL_ARG = re.compile(r"(?:^|,)\s*(?:model|pretrained|model_name|engine)=([^,]+)")


def lm_eval_model(folder: Path) -> str:
    """The model of an lm-evaluation-harness output folder (``<output_path>/<model>/``).

    The ``model_name`` of its newest ``results_*.json``, else the ``model=`` or
    ``pretrained=`` of its ``model_args``, else the folder's name with
    lm-eval's ``__`` read back as ``/``.
    """
    for results in sorted(folder.glob("results_*.json"), reverse=True):
        try:
            data = json.loads(read_utf8(results))
        except (ProvenanceError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("model_name"), str) and data["model_name"].strip():
            return data["model_name"].strip()
        config: dict[str, Any] = data["config"] if isinstance(data.get("config"), dict) else {}
        match = _MODEL_ARG.search(str(config.get("model_args") or ""))
        if match:
            return match.group(1).strip()
    return folder.name.replace("__", "/")


def file_stem(path: Path) -> str:
    """The file name without its format and compression suffixes (``a.jsonl.gz`` -> ``a``)."""
    name = path.name
    lower = name.lower()
    for suffixes in (COMPRESSION_SUFFIX, _SUFFIX_FORMAT):
        for suffix in suffixes:
            if lower.endswith(suffix) and len(name) > len(suffix):
                name, lower = name[: -len(suffix)], lower[: -len(suffix)]
                break
    return name


def _jsonl_frame(path: Path, text: str) -> pd.DataFrame:
    start = text.lstrip()[:1]
    if start in ("[", "{") and "\n" in text.strip():
        try:
            json.loads(text)
        except ValueError:
            pass
        else:  # one JSON document spread over lines, not JSON Lines
            raise ProvenanceError(
                f"{path}: holds one JSON document (a pretty-printed "
                f"{'array' if start == '[' else 'object'}), not JSON Lines; name it .json"
            )
    rows = []
    for number, row in json_lines(path, text):
        if not isinstance(row, dict):
            raise ProvenanceError(
                f"{path}:{number}: expected a JSON object per line, got {type(row).__name__}"
            )
        rows.append(row)
    if not rows:
        raise ProvenanceError(f"{path}: file has no records; give a file with model outputs")
    return pd.DataFrame(clean_records(rows))


def _json_frame(path: Path, text: str) -> pd.DataFrame:
    from .shapes import json_object_frame

    if not text.strip():
        raise ProvenanceError(f"{path}: file is empty; give a file with model outputs")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (
            "; it looks like JSON Lines: name it .jsonl"
            if exc.msg == "Extra data" and text.lstrip().startswith("{")
            else ""
        )
        raise ProvenanceError(
            f"{path}:{exc.lineno}: malformed JSON ({exc.msg}); fix the file{hint}"
        ) from None
    return json_object_frame(data, str(path))


_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


def sniff_delimiter(text: str) -> str:
    """The delimiter of delimited ``text``, from its header line.

    The header is the first line; of ``,``, ``;``, tab and ``|``, the one it
    holds most often outside double quotes wins (``,`` when it holds none, a
    one-column file). Excel writes ``;`` where the decimal mark is a comma.
    """
    header = text.split("\n", 1)[0]
    outside = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties: the earlier, ',' first
    return best if counts[best] else ","


def _csv_frame(path: Path, text: str, sep: str | None = None) -> pd.DataFrame:
    """A delimited file (CSV, TSV, Excel's ';'): the delimiter ``sep`` or sniffed.

    A byte-order mark is already gone (:func:`read_utf8`); Windows line ends
    (CRLF) are read as plain ones, inside quoted cells too.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    delimiter = sep if sep is not None else sniff_delimiter(text)
    how = "given as `sep`" if sep is not None else "found in the header"
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, na_values=[""]
        )
    except pd.errors.EmptyDataError:
        raise ProvenanceError(f"{path}: file is empty; give a file with model outputs") from None
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise ProvenanceError(
            f"{path}: malformed delimited file read with delimiter "
            f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))} ({how}): {reason}; name the "
            "delimiter with `sep`, or fix the quoting of that line"
        ) from None
    if frame.empty:
        raise ProvenanceError(f"{path}: file has a header but no rows")
    return frame


def _parquet_frame(path: Path, data: bytes | None, where: str) -> pd.DataFrame:
    try:
        raw = read_bytes(path, data)
        frame = pd.read_parquet(io.BytesIO(raw))
    except ProvenanceError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types
        raise ProvenanceError(
            f"{where}: not a readable Parquet file ({type(exc).__name__}); check the file"
        ) from None
    if frame.empty:
        raise ProvenanceError(f"{where}: file has no rows")
    return frame


# ----------------------------------------------------------------- folders
def _data_files(folder: Path) -> list[Path]:
    files = []
    for p in sorted(folder.iterdir()):
        if not p.is_file() or p.name.startswith(".") or p.name.endswith(_SIDECARS):
            continue
        try:
            infer_format(p)
        except ProvenanceError:
            continue
        files.append(p)
    return files


def _read_folder(path: Path, format: str | None, sep: str | None = None) -> list[Table]:
    fmt = format or _folder_format(path)
    if fmt == "alpaca_eval":
        return _alpaca_eval_tables(path)
    if fmt == "hf_disk":
        return [Table(_hf_disk_frame(path), str(path))]
    if fmt == "lm_eval":
        files = sorted(path.glob("samples_*.jsonl")) + sorted(path.glob("*/samples_*.jsonl"))
        if not files:
            raise ProvenanceError(
                f"{path}: no lm-evaluation-harness samples_*.jsonl files here or one folder "
                "down; run lm-eval with its log_samples option"
            )
        return [_read_file(p, "jsonl") for p in files]
    if fmt == "mtbench":
        answers = path / "model_answer" if (path / "model_answer").is_dir() else path
        tables = []
        for file in _data_files(answers):
            table = _read_file(file, infer_format(file))
            table.file_model = file_stem(file)  # FastChat names a model by its answer file
            tables.append(table)
        return tables
    files = _data_files(path)
    if format is not None:
        files = [p for p in files if infer_format(p) == format]
    if not files:
        raise ProvenanceError(
            f"{path}: a folder without .jsonl, .json, .csv or .parquet files, and not an "
            "AlpacaEval results tree (results/<model>/model_outputs.json), an MT-Bench folder "
            "(model_answer/*.jsonl) nor a saved Hugging Face dataset; give a file or such a "
            "folder"
        )
    return [_read_file(p, infer_format(p), sep=sep) for p in files]


def _folder_format(path: Path) -> str:
    if _alpaca_model_dirs(path):
        return "alpaca_eval"
    if any((path / n).exists() for n in ("dataset_info.json", "state.json", "dataset_dict.json")):
        return "hf_disk"
    if (path / "model_answer").is_dir() and (path / "question.jsonl").is_file():
        return "mtbench"
    if any(path.glob("samples_*.jsonl")) or any(path.glob("*/samples_*.jsonl")):
        return "lm_eval"
    return "folder"


def _alpaca_model_dirs(path: Path) -> list[Path]:
    root = path / "results" if (path / "results").is_dir() else path
    return sorted(p.parent for p in root.glob("*/model_outputs.json"))


def _alpaca_eval_tables(path: Path) -> list[Table]:
    tables = []
    for folder in _alpaca_model_dirs(path):
        file = folder / "model_outputs.json"
        frame = _json_frame(file, read_utf8(file))
        if "instruction" not in frame.columns or "output" not in frame.columns:
            raise ProvenanceError(
                f"{file}: AlpacaEval records need 'instruction' and 'output' fields"
            )
        frame = frame.drop(columns=["generator"], errors="ignore")
        tables.append(Table(frame, str(file), file, model=folder.name))
    return tables


# ----------------------------------------------------------------- remote and hub
def _read_remote(url: str, format: str | None, sep: str | None = None) -> list[Table]:
    """Read ``hf://...`` files through fsspec (``huggingface_hub`` registers ``hf``)."""
    try:
        import fsspec

        files = fsspec.open_files(url, "rb")
        blobs = []
        for f in files:
            with f as fh:
                blobs.append((f.path, fh.read()))
    except Exception as exc:  # network, authentication, missing package: one line
        reason = str(exc).splitlines()[0] if str(exc) else ""
        raise ProvenanceError(
            f"{url}: could not read ({type(exc).__name__}: {reason}); check the path "
            "(hf://datasets/ORG/NAME/FILE), or download the file and pass the local path"
        ) from None
    if not blobs:
        raise ProvenanceError(f"{url}: no such file on the hub; check the path")
    tables = []
    for name, data in blobs:
        shown = name if "://" in name else f"hf://{name}"
        if not data:
            raise ProvenanceError(f"{shown}: file is empty; give a file with model outputs")
        fake = Path(name)
        tables.append(_read_file(fake, format or infer_format(fake), data, shown, sep))
    return tables


def _is_hf_dataset(obj: Any) -> bool:
    return type(obj).__module__.startswith("datasets") and hasattr(obj, "to_pandas")


def _hf_dataset_frame(ds: Any, source: str) -> pd.DataFrame:
    if hasattr(ds, "keys") and not hasattr(ds, "column_names"):  # IterableDatasetDict
        raise ProvenanceError(f"{source}: a DatasetDict; pick a split (hf:NAME:CONFIG:SPLIT)")
    if hasattr(ds, "column_names") and isinstance(ds.column_names, dict):  # DatasetDict
        return pd.concat([ds[split].to_pandas() for split in ds], ignore_index=True)
    return ds.to_pandas()


def _hf_disk_frame(path: Path) -> pd.DataFrame:
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as exc:
        raise ProvenanceError(
            f"{path}: not a readable saved Hugging Face dataset ({type(exc).__name__})"
        ) from None
    return _hf_dataset_frame(ds, str(path))


def _hub_frame(spec: str) -> pd.DataFrame:
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
    return _hf_dataset_frame(ds, spec)


def describe(source: Any) -> str:
    """A short name of ``source`` for messages and :attr:`Corpus.source`."""
    if isinstance(source, pd.DataFrame) or _is_hf_dataset(source):
        return "<memory>"
    if isinstance(source, (list, tuple)):
        names = [describe(s) for s in source]
        return (
            names[0]
            if len(names) == 1
            else f"{', '.join(names[:3])}"
            + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        )
    return os.fspath(source)

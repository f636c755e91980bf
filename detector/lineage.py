"""The lineage table: the columns and relations of a ``lineage.csv``.

One owner for the schema and its reader (:func:`load_lineage`), which the
benchmark protocol, ``score --lineage`` and the report read and the demo
generator writes (:mod:`detector.demo`). It imports pandas only, so the
generator stays free of the benchmark's scipy and scikit-learn imports.

Two formats are read:

- **teacher format** (``../shared/corpora/alpaca_eval/lineage.csv``): each student's
  documented teacher and teacher family, each derived model's parent, the base
  model and whether the weights are open (:data:`LINEAGE_COLUMNS`);
- **family format** (``../shared/corpora/creative_2025/lineage.csv``): each model's
  vendor line (``family``) and, for derived models, the parent
  (:data:`FAMILY_COLUMNS`).

Both may carry ``released`` (first public release, ``YYYY-MM-DD`` or ``YYYY-MM``)
and ``source`` (free text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .errors import ProvenanceError

__all__ = [
    "FAMILY_COLUMNS",
    "FORMATS",
    "LINEAGE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "READ_COLUMNS",
    "RELATIONS",
    "RELEASE_DATE",
    "REQUIRED_COLUMNS",
    "load_lineage",
    "parse_release_dates",
]

#: Every column of the teacher format (``alpaca_eval/lineage.csv``), in its order.
LINEAGE_COLUMNS = (
    "model",
    "relation",
    "teacher",
    "teacher_family",
    "parent",
    "base_model",
    "weights",
    "source",
)
#: The columns a teacher-format lineage file must have (``source`` is free text, optional).
REQUIRED_COLUMNS = tuple(c for c in LINEAGE_COLUMNS if c != "source")
#: The columns a family-format lineage file must have (``creative_2025/lineage.csv``).
FAMILY_COLUMNS = ("model", "relation", "parent", "family")
#: Columns either format may add: provenance of the facts, release date, vendor line.
OPTIONAL_COLUMNS = ("source", "released", "family")
#: The two formats, by the columns that identify them.
FORMATS = {"teacher": REQUIRED_COLUMNS, "family": FAMILY_COLUMNS}
#: The documented relations of a model to the others. ``stealth``: an anonymous
#: model whose vendor line (``family``) was revealed later.
RELATIONS = ("independent", "distilled", "human_data", "derived", "variant", "stealth")
#: Columns the benchmark protocol reads; a file without some gets them empty.
READ_COLUMNS = ("teacher", "teacher_family", "parent", "base_model", "weights", "family")
#: A release date as written: ``YYYY-MM-DD`` or ``YYYY-MM``.
RELEASE_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_release_dates(
    values: Sequence[str], source: str = "lineage"
) -> tuple[pd.Series, pd.Series]:
    """Parse release dates: ``YYYY-MM-DD`` or ``YYYY-MM`` (first of the month); empty is NaT.

    Returns
    -------
    released : pandas.Series of Timestamp (NaT where unknown)
    precision : pandas.Series of str
        ``"day"``, ``"month"`` or ``""``.

    Raises
    ------
    ProvenanceError
        A value in another form (names the row).
    """
    dates, precision = [], []
    for i, raw in enumerate(values):
        text = str(raw).strip()
        if not text:
            dates.append(pd.NaT)
            precision.append("")
            continue
        match = RELEASE_DATE.match(text)
        stamp = None
        if match:
            year, month, day = match.groups()
            try:
                stamp = pd.Timestamp(int(year), int(month), int(day or 1))
            except ValueError:
                stamp = None
        if stamp is None:
            raise ProvenanceError(
                f"{source}: row {i + 2}: released {text!r} is not a date; write YYYY-MM-DD "
                "or YYYY-MM (or leave it empty)"
            )
        dates.append(stamp)
        precision.append("day" if match and match.group(3) else "month")
    return pd.Series(pd.to_datetime(dates), dtype="datetime64[ns]"), pd.Series(precision)


def load_lineage(path: str | Path) -> pd.DataFrame:
    """Read and validate a lineage CSV in the teacher or the family format.

    Parameters
    ----------
    path : str or Path
        A CSV with ``model, relation`` and either the teacher-format columns
        (``teacher, teacher_family, parent, base_model, weights``) or the
        family-format ones (``parent, family``); ``source`` and ``released``
        are optional.

    Returns
    -------
    pandas.DataFrame
        Index ``model``; string columns (empty where not documented), every
        column the protocol reads present; ``released`` as written,
        ``released_date`` as Timestamps (month-only dates at the first of the
        month, NaT where missing) and ``released_precision`` (``"day"``,
        ``"month"`` or ``""``).

    Raises
    ------
    ProvenanceError
        Missing file or columns, unknown relations, duplicate models, a
        distilled row naming neither a teacher nor a teacher family, a teacher
        outside the file without its family, a parent that is not a model of
        the file, a malformed date.
    """
    p = Path(path)
    if not p.exists():
        raise ProvenanceError(f"{path}: no such lineage file; give a CSV like lineage.csv")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ProvenanceError(f"{path}: not a readable CSV ({type(exc).__name__})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    has = set(frame.columns)
    if not set(REQUIRED_COLUMNS) <= has and not set(FAMILY_COLUMNS) <= has:
        missing = [c for c in REQUIRED_COLUMNS if c not in has]
        missing_family = [c for c in FAMILY_COLUMNS if c not in has]
        raise ProvenanceError(
            f"{path}: missing lineage column(s) {', '.join(missing)} (teacher format) or "
            f"{', '.join(missing_family)} (family format); see the lineage.csv of a dev corpus"
        )
    frame = frame.map(lambda v: v.strip() if isinstance(v, str) else v)
    bad = sorted(set(frame["relation"]) - set(RELATIONS))
    if bad:
        raise ProvenanceError(
            f"{path}: unknown relation(s) {', '.join(bad)}; use {', '.join(RELATIONS)}"
        )
    dup = frame["model"][frame["model"].duplicated()].tolist()
    if dup:
        raise ProvenanceError(f"{path}: model(s) listed twice: {', '.join(dup)}; keep one row each")
    teacher_format = "teacher" in frame.columns
    for col in READ_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    _check_named_models(frame, str(path), teacher_format=teacher_format)
    if "released" not in frame.columns:
        frame["released"] = ""
    released, precision = parse_release_dates(frame["released"], str(path))
    frame["released_date"] = released.to_numpy()
    frame["released_precision"] = precision.to_numpy()
    return frame.set_index("model")


def _check_named_models(frame: pd.DataFrame, source: str, *, teacher_format: bool) -> None:
    """Refuse a distilled row that says nothing about its teacher, and a dangling parent.

    A distilled model's teacher is often not among the models (Alpaca learned
    from text-davinci-003): a row naming a ``teacher_family`` but no
    ``teacher``, or a teacher without a row of its own, is accepted, since the
    family still tells the panel what the model learned from. A distilled row
    with neither (in a file with a ``teacher`` column), and a derived or variant row whose ``parent`` is not a model
    of the file, are refused.

    Raises
    ------
    ProvenanceError
        Naming the first such row and what to fill in.
    """
    known = set(frame["model"])
    for model, relation, teacher, family in zip(
        frame["model"], frame["relation"], frame["teacher"], frame["teacher_family"], strict=True
    ):
        if relation == "distilled" and not teacher and not family and teacher_format:
            raise ProvenanceError(
                f"{source}: {model} is distilled but names neither its teacher nor its "
                "teacher_family; fill one of them (the teacher need not be in the pool)"
            )
        if relation == "distilled" and teacher and teacher not in known and not family:
            raise ProvenanceError(
                f"{source}: {model} is distilled from {teacher!r}, which is not a model of the "
                "file; name the teacher's family in teacher_family, or add a row for the teacher"
            )
    for model, relation, parent in zip(
        frame["model"], frame["relation"], frame["parent"], strict=True
    ):
        if relation in ("derived", "variant") and (not parent or parent not in known):
            raise ProvenanceError(
                f"{source}: {model} is {relation} but its parent {parent!r} is not a model of "
                "the file; name one of its rows"
            )

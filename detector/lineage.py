"""The lineage table: the columns and relations of a ``lineage.csv``.

One owner for the schema that the benchmark reads (:func:`detector.protocol.load_lineage`)
and the demo generator writes (:mod:`detector.demo`). It imports nothing, so the
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

__all__ = [
    "FAMILY_COLUMNS",
    "FORMATS",
    "LINEAGE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "RELATIONS",
    "REQUIRED_COLUMNS",
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

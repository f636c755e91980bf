"""The lineage table: the columns and relations of a ``lineage.csv``.

One owner for the schema that the benchmark reads (:func:`detector.benchmark.load_lineage`)
and the demo generator writes (:mod:`detector.demo`). It imports nothing, so the
generator stays free of the benchmark's scipy and scikit-learn imports.
"""

from __future__ import annotations

__all__ = ["LINEAGE_COLUMNS", "RELATIONS", "REQUIRED_COLUMNS"]

#: Every column of ``../shared/corpora/alpaca_eval/lineage.csv``, in its order.
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
#: The columns a lineage file must have (``source`` is free text, optional).
REQUIRED_COLUMNS = tuple(c for c in LINEAGE_COLUMNS if c != "source")
#: The documented relations of a model to the others.
RELATIONS = ("independent", "distilled", "human_data", "derived", "variant")

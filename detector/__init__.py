"""provenance: measure whether a language model learned from another model's outputs.

Data flows one way: corpus -> features (channels) -> evidence -> results ->
CLI / report / notebook. The main entry points are re-exported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .corpus import Corpus, Inspection, inspect, load_corpus
from .errors import ProvenanceError

__all__ = ["Corpus", "Inspection", "ProvenanceError", "inspect", "load_corpus", "__version__"]

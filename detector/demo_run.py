"""``provenance demo``: the whole pipeline on the bundled synthetic corpus.

Loads ``data/demo/outputs.jsonl`` (regenerated from :mod:`detector.demo` when
the package is installed without the repository's data folder), inspects it,
scores the distilled student and the human-data control against every other
model, and prints the verdicts next to the documented lineage.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .corpus import Corpus, load_corpus
from .inspection import inspect
from .params import check_seed
from .score_table import score_table

__all__ = ["DEMO_DIR", "DEMO_SUSPECTS", "demo_corpus", "run_demo"]

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
DEMO_SUSPECTS = ("student-of-atlas", "human-sft-13b")


def demo_corpus() -> Corpus:
    """The bundled demo corpus (regenerated into a temporary folder if absent)."""
    path = DEMO_DIR / "outputs.jsonl"
    if path.exists():
        return load_corpus(path)
    from .demo import write_demo

    folder = Path(tempfile.mkdtemp(prefix="provenance-demo-"))
    write_demo(folder)
    return load_corpus(folder / "outputs.jsonl")


def run_demo(
    cache_dir: str | os.PathLike[str] | None = None, progress: bool | None = None, seed: int = 0
) -> str:
    """Run inspect and score on the demo corpus; return the printed summary."""
    from .evidence import build_evidence
    from .featureset import FeatureOptions
    from .scoring import score

    seed = check_seed(seed)
    corpus = demo_corpus()
    lines = [
        "provenance demo: a SYNTHETIC corpus of fictional models (see data/demo/README.md)",
        "",
        inspect(corpus).to_text(),
        "",
    ]
    options = FeatureOptions(cache_dir=cache_dir, progress=progress)
    evidence = build_evidence(corpus, seed=seed, options=options)
    expected = {
        "student-of-atlas": "documented: distilled from atlas",
        "human-sft-13b": "documented: human-written data only (negative control)",
    }
    # As in the benchmark protocol: which API model's outputs did it learn from?
    # Candidates are the closed API models; every other model is the reference.
    closed = sorted(set(corpus.models) & {"atlas", "borealis", "cirrus"}) or None
    for suspect in DEMO_SUSPECTS:
        result = score(evidence, suspect, closed, seed=seed)
        lines += [
            f"=== suspect: {suspect} ({expected[suspect]})",
            "candidates: the API models",
            score_table(result),
            "",
        ]
    lines.append(
        "Run on real outputs: provenance score path/to/outputs.jsonl --suspect MODEL "
        "(see README.md)."
    )
    return "\n".join(lines)

"""The analysis notebook: committed clean, and runs top to bottom on the demo corpus.

The slow test executes ``notebooks/provenance_analysis.ipynb`` with nbclient
in a kernel of this interpreter (the venv's), offline, with the cache and the
report redirected under ``tmp_path`` by replacing the parameters cell's
source, a per-cell timeout and an overall budget; any cell error fails it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NOTEBOOK = NOTEBOOKS / "provenance_analysis.ipynb"
EXECUTED = NOTEBOOKS / "provenance_analysis.executed.ipynb"
CELL_TIMEOUT = 150  # s; the slowest cell embeds the demo's 1,200 answers on a cold cache
BUDGET = 175  # s for the whole notebook, kernel start included


def _load_generator():
    spec = importlib.util.spec_from_file_location("build_notebook", NOTEBOOKS / "build_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _parameters_cell(nb):
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "the notebook needs exactly one cell tagged 'parameters'"
    return tagged[0]


def inject_parameters(nb, **params) -> None:
    """Replace the parameters cell's source: its defaults, then ``params`` (papermill-like)."""
    cell = _parameters_cell(nb)
    lines = [cell.source.rstrip(), "", "# injected by tests/test_notebook.py"]
    lines += [f"{name} = {value!r}" for name, value in params.items()]
    cell.source = "\n".join(lines)


def venv_kernel(tmp_path: Path):
    """A kernel manager whose kernel runs on this interpreter (sys.executable)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    folder = tmp_path / "kernels" / "provenance-test"
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "provenance test kernel",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(folder.parent)], ensure_native_kernel=False)
    # async: a blocking client would stall nbclient's event loop and with it the timeouts
    return AsyncKernelManager(kernel_name="provenance-test", kernel_spec_manager=specs)


# ------------------------------------------------------------------ fast
def test_committed_notebook_is_clean_and_current():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] for c in code), "commit the notebook without outputs"
    assert all(c.execution_count is None for c in code), "commit without execution counts"
    assert NOTEBOOK.stat().st_size < 100_000
    params = _parameters_cell(nb)
    for name in ("DATA", "SUSPECT", "CANDIDATES", "CACHE_DIR", "REPORT_PATH", "CHANNELS"):
        assert f"{name} = " in params.source
    generator = _load_generator()
    assert NOTEBOOK.read_text(encoding="utf-8") == generator.render(), (
        "the notebook differs from notebooks/build_notebook.py; rerun the generator"
    )


def test_executed_copy_matches_the_builder():
    """The executed copy (what GitHub shows) has the builder's cells, every one run cleanly.

    Regenerate it with ``python notebooks/build_notebook.py --execute``.
    """
    generator = _load_generator()
    expected = generator.build()
    executed = nbformat.read(EXECUTED, as_version=4)
    nbformat.validate(executed)
    assert [(c.id, c.cell_type, c.source) for c in executed.cells] == [
        (c.id, c.cell_type, c.source) for c in expected.cells
    ], "the executed notebook is stale: run python notebooks/build_notebook.py --execute"
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    shown = {c.id for c in code for o in c.outputs if "image/png" in o.get("data", {})}
    for cell_id in ("score-plot", "dendrogram", "consensus", "heatmap", "mds", "confusion"):
        assert cell_id in shown, f"the executed copy shows no figure in {cell_id!r}"
    assert "synthetic demo" in executed.metadata["provenance"]["executed_on"]
    assert EXECUTED.stat().st_size < 3_000_000


def test_notebook_never_overwrites_and_says_which_pool():
    """No force=True, no write under the repository, and each phrase table names its pool."""
    source = NOTEBOOK.read_text(encoding="utf-8")
    assert "force=True" not in source and "reports/" not in source
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params: dict = {}
    exec(_parameters_cell(nb).source, params)  # noqa: S102 - the notebook's own cell
    assert params["REPORT_PATH"] is None
    cells = {c.id: c.source for c in nb.cells}
    assert "tempfile.mkdtemp" in cells["report"]
    assert "not {SUSPECT} or {top}" in cells["lexical"]  # the shared table's pool
    assert "all but {SUSPECT}" in cells["overused"]  # the over-used table's pool
    assert "os.chdir(repo_root())" in cells["setup"] and "def resolve(" not in cells["setup"]


def test_inject_parameters_replaces_the_defaults():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    inject_parameters(nb, CACHE_DIR="/tmp/x", REPORT_PATH="/tmp/r.pdf")
    scope: dict = {}
    exec(_parameters_cell(nb).source, scope)  # noqa: S102 - the notebook's own cell
    assert scope["CACHE_DIR"] == "/tmp/x"
    assert scope["REPORT_PATH"] == "/tmp/r.pdf"
    assert scope["DATA"] is None
    assert scope["SUSPECT"] == "student-of-atlas"


# --------------------------------------------------- rich display of results
@pytest.fixture(scope="module")
def demo_results(tmp_path_factory):
    """Inspection, ScoreResult, TreeResult and BenchmarkResult from the demo (no embeddings)."""
    from detector import inspect
    from detector.benchmark import load_lineage, run_benchmark
    from detector.demo_run import DEMO_DIR, demo_corpus
    from detector.evidence import build_evidence
    from detector.features import FeatureOptions
    from detector.scoring import score
    from detector.tree import lineage_tree

    corpus = demo_corpus()
    evidence = build_evidence(
        corpus,
        channels="style,lexical,identity",
        options=FeatureOptions(cache_dir=tmp_path_factory.mktemp("cache"), progress=False),
    )
    return {
        "inspection": inspect(corpus),
        "score": score(evidence, "student-of-atlas", n_bootstrap=20),
        "tree": lineage_tree(evidence, n_bootstrap=10),
        "benchmark": run_benchmark(
            evidence, load_lineage(DEMO_DIR / "lineage.csv"), n_bootstrap=20, progress=False
        ),
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("inspection", ["student-of-atlas", "answered", "Problems"]),
        ("score", ["Suspect:", "student-of-atlas", "Verdict:", "atlas", "ci_low"]),
        ("tree", ["Lineage tree:", "support", "Newick:", "student-of-atlas"]),
        ("benchmark", ["teacher top-1", "AUROC", "student-of-atlas"]),
    ],
)
def test_results_render_as_html(demo_results, name, expected):
    result = demo_results[name]
    text = result._repr_html_()
    assert isinstance(text, str)
    assert "<table" in text
    for word in expected:
        assert word in text, f"{word!r} missing from {type(result).__name__}._repr_html_()"


# ------------------------------------------------------------------ slow
@pytest.mark.slow
def test_notebook_runs_top_to_bottom_on_the_demo(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    report = tmp_path / "report" / "notebook_report.pdf"
    inject_parameters(nb, CACHE_DIR=str(tmp_path / "cache"), REPORT_PATH=str(report))

    deadline = time.monotonic() + BUDGET
    client = NotebookClient(
        nb,
        km=venv_kernel(tmp_path),
        timeout=CELL_TIMEOUT,
        # every cell gets the per-cell limit or what is left of the budget, if less
        timeout_func=lambda cell: max(1, min(CELL_TIMEOUT, int(deadline - time.monotonic()))),
        startup_timeout=60,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.monotonic()
    try:
        client.execute()
    finally:
        nbformat.write(nb, tmp_path / "executed.ipynb")  # kept for a look when it fails
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET, f"the notebook took {elapsed:.0f} s (budget {BUDGET} s)"

    cells = {c.id: c for c in nb.cells}
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in errors if o.output_type == "error"]

    def data(cell_id: str, mime: str) -> list[str]:
        return [
            o["data"][mime]
            for o in cells[cell_id].outputs
            if o.output_type in ("execute_result", "display_data") and mime in o.get("data", {})
        ]

    for cell_id, marker in [
        ("load", "student-of-atlas"),
        ("score", "Verdict:"),
        ("tree", "Newick:"),
        ("benchmark", "AUROC"),
        ("attribution", "held-out accuracy"),
    ]:
        html = data(cell_id, "text/html")
        assert html and marker in html[0], f"cell {cell_id!r} did not render as HTML"
    for cell_id in ("score-plot", "dendrogram", "consensus", "heatmap", "mds", "confusion"):
        assert data(cell_id, "image/png"), f"cell {cell_id!r} showed no figure"
    assert report.read_bytes()[:5] == b"%PDF-"
    assert "<!doctype html>" in report.with_suffix(".html").read_text(encoding="utf-8")

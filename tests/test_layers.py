"""The one-way flow of docs/architecture.md, checked on the code's import graph.

Every module of ``detector/`` is mapped to a layer of the architecture page;
an import (at module level, inside a function, or under ``TYPE_CHECKING``)
may go to the module's own layer or to a layer below it, and the graph of
imports between modules has no cycle. The graph is read with :mod:`ast`, so
the test imports nothing of the package.

Run ``python tests/test_layers.py`` to print the violations.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "detector"

#: The layers of docs/architecture.md, lowest first. A module may import its own layer and
#: the layers before it. A name ending in "." covers a subpackage and all its modules.
LAYERS: dict[str, tuple[str, ...]] = {
    "support": (
        "_version", "errors", "params", "files", "progress", "terminal", "results",
    ),
    "reading": (
        "textfiles", "readers", "chats", "shapes", "dumps", "reasoning", "text_store", "corpus",
        "prompts", "collect", "collect_file", "endpoint",
    ),
    "looking": ("inspection", "languages", "degenerate", "cjk"),
    "channels": (
        "channels", "featureset", "scaling", "embeddings", "embedding_models", "stylometry",
        "lexical", "lexical_stream", "token_scan", "ngrams", "identity", "identity_zh", "traces",
        "opening",
        "cache", "devices",
    ),
    "scale": ("features", "shards", "shard_store", "executor"),
    "evidence": ("similarity", "similarity_torch", "streaming", "evidence"),
    "roles": ("resolve", "lineage", "panel", "release_dates"),
    "results": (
        "calibration", "scoring", "verdicts", "tree", "nj", "newick", "consensus",
        "attribution.", "benchmark", "protocol", "peers", "phrases", "overuse", "shift",
        "shift_verdicts", "shift_terms", "teacher_choice", "sample_size",
    ),
    "views": ("cli.", "report.", "figures.", "score_table", "shift_table", "demo.", "demo_run"),
    "entry": ("__init__", "__main__"),
}  # fmt: skip


def module_name(path: Path) -> str:
    """``detector/cli/score.py`` -> ``cli.score``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the package by :func:`module_name`."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """The position of ``module``'s layer in :data:`LAYERS` (lowest 0)."""
    for rank, members in enumerate(LAYERS.values()):
        for member in members:
            if module == member or (member.endswith(".") and module.startswith(member)):
                return rank
            if member.endswith(".") and module == member[:-1]:
                return rank
    raise KeyError(f"detector.{module} is in no layer of tests/test_layers.py")


def _is_package(module: str, known: dict[str, Path]) -> bool:
    return known.get(module, Path()).name == "__init__.py" or module == "__init__"


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The package modules ``module`` imports, each with the line of the import."""
    package = module if _is_package(module, known) else module.rpartition(".")[0]
    if module == "__init__":
        package = ""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("detector."):
                    yield _known(alias.name.removeprefix("detector."), known), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("detector"):
                    continue
                base = (node.module or "").removeprefix("detector").lstrip(".")
            else:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                child = f"{base}.{alias.name}" if base else alias.name
                if child in known and child != "__init__":
                    yield child, node.lineno  # a submodule: from . import channels
                else:
                    yield _known(base or "__init__", known), node.lineno


def _known(name: str, known: dict[str, Path]) -> str:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or "__init__"


def graph() -> dict[str, dict[str, int]]:
    """Module -> {imported module: line of the first such import}."""
    known = modules()
    out: dict[str, dict[str, int]] = {}
    for module, path in known.items():
        edges: dict[str, int] = {}
        for target, line in imports(module, path, known):
            if target != module:
                edges.setdefault(target, line)
        out[module] = edges
    return out


def upward_imports(edges: dict[str, dict[str, int]]) -> list[str]:
    """Each import of a module from a higher layer, as a readable line."""
    names = list(LAYERS)
    found = []
    for module, targets in sorted(edges.items()):
        for target, line in sorted(targets.items()):
            if layer_of(target) > layer_of(module):
                found.append(
                    f"detector/{modules()[module].relative_to(PACKAGE)}:{line} "
                    f"({names[layer_of(module)]}) imports {target} "
                    f"({names[layer_of(target)]})"
                )
    return found


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(found)


def test_every_module_has_a_layer():
    missing = []
    for module in modules():
        try:
            layer_of(module)
        except KeyError as exc:
            missing.append(str(exc))
    assert not missing, "\n".join(missing)


def test_no_upward_import():
    found = upward_imports(graph())
    assert not found, "imports from a higher layer:\n" + "\n".join(found)


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_checks_can_fail():
    """The graph reader sees function-level imports, and both checks catch what they should."""
    edges = graph()
    assert "inspection" in edges["cli.inspect"] or "corpus" in edges["cli.inspect"]
    fake = {"errors": {"cli.score": 1}, "cli.score": {"errors": 2}}
    assert upward_imports({"errors": {"cli.score": 1}})
    assert cycles(fake) == [["cli.score", "errors"]]


def test_function_level_imports_are_read(tmp_path, monkeypatch):
    source = "def f():\n    from .. import figures\n    from .scoring import score\n"
    path = tmp_path / "x.py"
    path.write_text(source)
    known = {"tree": path, "figures": Path("figures/__init__.py"), "scoring": Path("s.py")}
    found = dict(imports("tree", path, known))
    assert found == {"figures": 2, "scoring": 3}


@pytest.mark.parametrize("layer", list(LAYERS))
def test_the_architecture_page_names_each_layer(layer):
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert f"| {layer} |" in page or layer == "entry"


if __name__ == "__main__":
    g = graph()
    up = upward_imports(g)
    cyc = cycles(g)
    print(f"{len(up)} upward imports")
    print("\n".join(up))
    print(f"{len(cyc)} cycles")
    for c in cyc:
        print("  " + " <-> ".join(c))

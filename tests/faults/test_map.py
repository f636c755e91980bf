"""The suite's map names tests that exist, and marks them."""

from __future__ import annotations

import ast

import pytest

from ..conftest import REPO
from . import KINDS, in_suite, listed


def _functions(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("entry", sorted(listed()))
def test_every_listed_test_exists(entry):
    path, _, name = entry.partition("::")
    assert (REPO / path).is_file(), path
    if name:
        assert name in _functions(REPO / path), entry


def test_every_kind_of_issue_16_has_tests_here():
    assert len(KINDS) == 8  # issue 16's seven, and issue 24's silent wrong results
    modules = {p.stem for p in (REPO / "tests" / "faults").glob("test_*.py")}
    assert {"test_caches", "test_writes", "test_terminal_views", "test_degenerate"} <= modules
    assert {"test_messages", "test_map", "test_report_views"} <= modules


def test_the_marker_follows_the_map(request):
    assert request.node.get_closest_marker("faults") is not None
    assert in_suite("tests/test_files.py::test_temporary_names_are_unique")
    assert in_suite("tests/test_cache.py::test_damaged_entry_is_recomputed_with_a_warning[rows]")
    assert not in_suite("tests/test_cache.py::test_warm_run_reads_the_cache")


def test_readme_says_what_is_promised_and_what_must_be_trusted():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Trust and safety", 1)[1].split("\n## ", 1)[0]
    for needle in ("Nothing is lost", "No code runs from files", "The cache folder"):
        assert needle in section, needle
    assert "The embedding model" in section and "make" in section and "tests/faults/" in section

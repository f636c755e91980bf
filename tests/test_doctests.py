"""The examples in docstrings run, and give what they say.

Every module of ``detector/`` whose source holds an example (``>>>``) is
imported and its examples are run with :mod:`doctest`; an example marked
``# doctest: +SKIP`` (one that loads a model or reads a file that may not be
there) is skipped. A new example is checked by being written.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

from .test_layers import modules

WITH_EXAMPLES = sorted(
    name for name, path in modules().items() if ">>> " in path.read_text(encoding="utf-8")
)


def test_some_modules_have_examples():
    assert {"reasoning", "scaling", "featureset", "cjk"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    module = importlib.import_module("detector" if name == "__init__" else f"detector.{name}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, module.__name__) if t.examples]
    assert tests, f"detector/{name}: no example found by doctest"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of detector/{name} failed (see above)"

"""No function of ``detector/`` over about 120 lines of code (docstrings and comments aside).

A function that long does several jobs; split it where the jobs part. The
functions listed in :data:`KNOWN_LONG` are over the limit and are being
rewritten by their owners; the list may only shrink (a listed function that
fits fails the test, so that it leaves the list).
"""

from __future__ import annotations

import ast
import io
import tokenize

from .test_layers import modules

LIMIT = 120
#: module.function -> why it is still over the limit (issue 26).
KNOWN_LONG: dict[str, str] = {}


def code_lines(source: str) -> set[int]:
    """Line numbers holding code: tokens other than comments and blank lines."""
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip and token.type != tokenize.ENDMARKER:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines


def function_sizes(source: str) -> dict[str, int]:
    """Function name -> its code lines, its docstring left out."""
    code = code_lines(source)
    sizes = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1)) & code
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            lines -= set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
        sizes[node.name] = len(lines)
    return sizes


def long_functions(limit: int = LIMIT) -> dict[str, int]:
    """``module.function`` -> code lines, for every function of the package over ``limit``."""
    found = {}
    for module, path in modules().items():
        for name, size in function_sizes(path.read_text(encoding="utf-8")).items():
            if size > limit:
                found[f"{module}.{name}"] = size
    return found


def test_no_function_over_the_limit():
    found = long_functions()
    new = {name: n for name, n in found.items() if name not in KNOWN_LONG}
    assert not new, f"functions over {LIMIT} code lines (split them): {new}"


def test_the_known_long_functions_are_still_long():
    found = long_functions()
    fitted = [name for name in KNOWN_LONG if name not in found]
    assert not fitted, f"now within {LIMIT} code lines, take them out of KNOWN_LONG: {fitted}"


def test_the_count_skips_docstrings_and_comments():
    source = (
        "def f(x):\n"
        '    """Doc\n'
        "    string.\n"
        '    """\n'
        "    # a comment\n"
        "\n"
        "    y = [\n"
        "        x,\n"
        "    ]\n"
        "    return y\n"
    )
    assert function_sizes(source) == {"f": 5}  # def, the three lines of y, return

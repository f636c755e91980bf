"""Text that is safe to show on a terminal.

Model names, outputs, prompts and excerpts come from files and servers the
user does not control. A control character in them (an ANSI escape sequence
``\\x1b[...``, a carriage return that rewrites the line, a bidirectional
override that reorders what is shown) could change what a terminal displays,
so every text view of the command line goes through :func:`printable`, which
shows each such character escaped (``\\x1b``, ``\\r``, ``\\u202e``) and leaves
everything else as it is. JSON output escapes them by itself; the PDF report
does its own escaping.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# C0 controls except tab and newline, DEL and the C1 controls, the line and
# paragraph separators, and the bidirectional embedding/override/isolate marks.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, multiline: bool = True) -> str:
    """``text`` with every control character shown escaped.

    Parameters
    ----------
    text : object
        Converted with ``str``.
    multiline : bool
        Keep newlines and tabs (a rendered table or a paragraph); with False
        they are escaped too (one value that must stay on one line, such as a
        model name in a table cell).

    Returns
    -------
    str
        The text, with ``\\x1b`` shown as the four characters ``\\x1b``, a
        carriage return as ``\\r``, and so on.
    """
    pattern = _UNSAFE if multiline else _UNSAFE_IN_LINE
    return pattern.sub(_escape, str(text))

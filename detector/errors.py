"""The one exception type the library raises for bad input.

Every problem a user can fix (a missing file, a malformed line, an unknown
model name, too few shared prompts, ...) is raised as :class:`ProvenanceError`
with a one-line message that says what is wrong and what to do. The CLI prints
that line and exits with status 2; no traceback is shown.

Messages name the library parameter to change in backticks (`candidates`,
`force`, `n_bootstrap`), never a command-line flag: the same message serves the
notebook and the shell, and the CLI shows each backticked parameter as its flag
(``--candidates``, ``--force``, ``--bootstrap``).
"""

from __future__ import annotations

__all__ = ["ProvenanceError"]


class ProvenanceError(Exception):
    """Bad input or an impossible request, explained in one line.

    The message names the file (and line, where there is one) or the model,
    and says what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))

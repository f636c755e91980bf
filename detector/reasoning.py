"""Reasoning traces: split a model's visible thinking from its answer.

Reasoning models put their chain of thought in the output itself
(DeepSeek-R1 and its distilled students: ``<think> ... </think>`` then the
answer; served through chat templates that open the tag in the prompt, the
output starts with the trace and holds only the closing ``</think>``) or
return it in a separate field (``reasoning_content`` in DeepSeek's API,
``reasoning`` in OpenRouter's and vLLM's). The corpus keeps the answer in
``output`` and the trace in ``reasoning``, so every channel compares answers
with answers by default (a trace is long, formulaic text that would otherwise
dominate the comparison).

Rules of :func:`split_reasoning`, in order:

1. A leading ``<think>`` block (after optional whitespace; the tag names
   ``think`` and ``thinking``, any case) is the trace; the text after its
   closing tag is the answer. Several leading blocks are all trace.
2. A leading ``<think>`` that is never closed makes the whole text a trace
   and the answer empty (the model ran out of tokens while thinking).
3. A closing ``</think>`` with no opening tag before it: everything before
   it is the trace (the opening tag was part of the prompt template).
4. Anything else is left alone: a ``<think>`` tag in the middle of an answer
   (a model explaining the tag, say) is content, not a trace.

Answer and trace are stripped of surrounding whitespace.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["split_reasoning", "split_reasoning_series"]

_OPEN = re.compile(r"\A\s*<(think|thinking)>", re.IGNORECASE)
_CLOSE = re.compile(r"</(think|thinking)>", re.IGNORECASE)
_ANY_OPEN = re.compile(r"<(think|thinking)>", re.IGNORECASE)


def split_reasoning(text: str) -> tuple[str, str]:
    """Split ``text`` into (answer, reasoning trace).

    Parameters
    ----------
    text : str
        A model output, possibly holding a ``<think>`` trace.

    Returns
    -------
    answer, reasoning : str
        The answer and the trace, each stripped; ``reasoning`` is ``""``
        when the text holds no trace (then ``answer`` is ``text`` unchanged).

    Examples
    --------
    >>> split_reasoning("<think>2+2 is 4</think>\\n\\nFour.")
    ('Four.', '2+2 is 4')
    >>> split_reasoning("Let me see... 4.</think> Four.")
    ('Four.', 'Let me see... 4.')
    >>> split_reasoning("<think>still thinking")
    ('', 'still thinking')
    >>> split_reasoning("Use a <think> tag like this: <think>x</think>.")
    ('Use a <think> tag like this: <think>x</think>.', '')
    """
    if "think" not in text.lower():
        return text, ""
    traces: list[str] = []
    rest = text
    while (opened := _OPEN.match(rest)) is not None:
        closed = _CLOSE.search(rest, opened.end())
        if closed is None:  # rule 2: never closed
            traces.append(rest[opened.end() :].strip())
            return "", "\n\n".join(t for t in traces if t)
        traces.append(rest[opened.end() : closed.start()].strip())
        rest = rest[closed.end() :]
    if traces:  # rule 1
        return rest.strip(), "\n\n".join(t for t in traces if t)
    closed = _CLOSE.search(text)
    if closed is not None and _ANY_OPEN.search(text, 0, closed.start()) is None:  # rule 3
        return text[closed.end() :].strip(), text[: closed.start()].strip()
    return text, ""  # rule 4


def split_reasoning_series(outputs: pd.Series) -> tuple[pd.Series, pd.Series]:
    """:func:`split_reasoning` over a column of outputs.

    Only outputs mentioning a think tag are parsed (a vectorised substring
    test picks them), so a corpus without traces costs one pass of
    ``str.contains``.

    Parameters
    ----------
    outputs : pandas.Series of str

    Returns
    -------
    answers, traces : pandas.Series of str
        Same index as ``outputs``; traces are ``""`` where there is none.
    """
    answers = outputs.copy()
    traces = pd.Series("", index=outputs.index, dtype=object)
    marked = outputs.str.contains("think>", case=False, regex=False).fillna(False)
    if marked.any():
        parts = [split_reasoning(t) for t in outputs[marked]]
        answers[marked] = [a for a, _ in parts]
        traces[marked] = [r for _, r in parts]
    return answers, traces

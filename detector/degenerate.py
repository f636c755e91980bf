"""Degenerate outputs and models: empty answers, repetition loops, constant answers.

A model that answers every prompt with the same text, with nothing, or with a
loop carries no signal about its lineage, but it still moves every statistic
it enters: as a reference model it shifts the null distribution that every
candidate is calibrated against (AlpacaEval's own ``NullModel`` did that).
:func:`degenerate_outputs` flags single outputs; :func:`degenerate_models`
names the models whose outputs are mostly flagged, so that callers can keep
them out of reference pools, and :func:`detector.inspection.inspect` reports
both.

Flags of one output (thresholds are the module constants below):

``near_empty``
    Fewer than :data:`NEAR_EMPTY_CHARS` visible characters (whitespace and
    invisible format characters such as zero-width spaces do not count). A
    one-emoji or one-letter answer is near-empty; "Yes." is not.
``loop``
    A repetition loop: the second half of the output (at least
    :data:`LOOP_MIN_BYTES` bytes of UTF-8) compresses with DEFLATE, using a
    window of 2**:data:`LOOP_WINDOW_BITS` bytes (8 KiB), to less than
    :data:`LOOP_RATIO` of its size. A short span repeated many times
    compresses to almost nothing; prose compresses to about 0.45. The small
    window is the point: a long text that repeats a long block once or twice
    (two essays pasted together) is not a loop, because the repeat lies
    beyond the window; a loop's period lies within it. Measuring the second
    half catches loops that start after a normal opening (generation that
    degenerates until ``max_tokens``).
``repeated``
    The same text (surrounding whitespace ignored) given by the model to at
    least :data:`REPEAT_MIN_PROMPTS` different prompts (prompts by their
    text, so one question asked under several ids counts once; by id when
    the prompt text is missing).

``placeholder``
    Not an answer but the printed form of a program object: a streaming
    placeholder such as ``ModelResponseStream(id=..., choices=[...])``
    (LiteLLM), a ``ChatCompletion(...)`` or ``Message(...)`` repr, or
    ``<generator object ... at 0x...>``: what a collection script saves when
    it stores the object instead of its text (:data:`PLACEHOLDER`). Prose
    that merely mentions such a call is not flagged: the whole output must be
    one ``Name(key=...)`` expression or one ``<... object at 0x...>``.

A model is degenerate when at least :data:`DEGENERATE_SHARE` of its outputs
are flagged.

Measured on the development corpora: on creative writing by 22 models of 2025
(6,069 stories of about 7,500 characters) the loop flag marks 3 outputs, all
real loops (a 35,000-character story that repeats a 3 KB passage, one that
replays whole scenes, and a run of ``999 999 ...``); the lowest second-half
ratio of any other story is 0.168, and no story is near-empty or repeated.
On AlpacaEval (42 models, 33,804 answers) it marks 45 answers (hashtag
chains, repeated chess positions, DNA-letter runs, ASCII art); 16 answers
are near-empty (ten zero-width spaces, six one-character answers such as
"C" to a multiple-choice question) and one model gives the same answer (a
zero-width space) to 6 prompts. No model of either corpus is degenerate.
Flagging both corpora takes a few seconds (the loop test is one DEFLATE pass
over half of each long output).
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = [
    "DEGENERATE_SHARE",
    "LOOP_MIN_BYTES",
    "LOOP_RATIO",
    "LOOP_SAMPLE",
    "LOOP_WINDOW_BITS",
    "NEAR_EMPTY_CHARS",
    "PLACEHOLDER",
    "REPEAT_MIN_PROMPTS",
    "degenerate_models",
    "degenerate_outputs",
    "loop_ratio",
]

NEAR_EMPTY_CHARS = 2
"""An output with fewer visible characters than this is near-empty."""

LOOP_RATIO = 0.10
"""Compressed / raw size of an output's second half below which it is a loop."""

LOOP_WINDOW_BITS = 13
"""log2 of the DEFLATE window used for :func:`loop_ratio` (13: 8 KiB)."""

LOOP_MIN_BYTES = 256
"""Second halves shorter than this (in UTF-8 bytes) are not tested for loops."""

REPEAT_MIN_PROMPTS = 3
"""An answer given to at least this many different prompts is ``repeated``."""

DEGENERATE_SHARE = 0.5
"""A model with at least this share of flagged outputs is degenerate."""

LOOP_SAMPLE = 200
"""Outputs per model whose loop ratio is measured first (:func:`degenerate_models`)."""

FLAGS = ("near_empty", "loop", "repeated", "placeholder")

PLACEHOLDER = re.compile(
    r"\A\s*(?:[A-Z][A-Za-z0-9_.]*\((?:\)|[a-z_][a-z0-9_]*=[\s\S]*\))"
    r"|<[\w.]+ object(?: [\w.<>]+)? at 0x[0-9a-fA-F]+>)\s*\Z"
)
"""The printed form of a program object (``Name(key=...)``, ``<x object at 0x...>``)."""

_INVISIBLE = r"[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"


def loop_ratio(text: str) -> float:
    """Compressed size / size of the second half of ``text`` (UTF-8, 8 KiB window).

    Returns NaN when the second half is shorter than :data:`LOOP_MIN_BYTES`.
    Below :data:`LOOP_RATIO` the text ends in a repetition loop.
    """
    data = text.encode("utf-8", "surrogatepass")
    half = data[len(data) // 2 :]
    if len(half) < LOOP_MIN_BYTES:
        return float("nan")
    packer = zlib.compressobj(6, zlib.DEFLATED, -LOOP_WINDOW_BITS)
    return (len(packer.compress(half)) + len(packer.flush())) / len(half)


def degenerate_outputs(corpus: Corpus) -> pd.DataFrame:
    """Flag degenerate outputs of a corpus.

    Parameters
    ----------
    corpus : Corpus

    Returns
    -------
    pandas.DataFrame
        Index aligned with ``corpus.df``; boolean columns ``near_empty``,
        ``loop``, ``repeated``, ``placeholder`` and ``any``, and ``loop_ratio`` (float, NaN
        for outputs too short to test).
    """
    return _flags(corpus)


def _flags(corpus: Corpus, loop_rows: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`degenerate_outputs`, the loop test run only on ``loop_rows`` when given.

    The texts are read in slices of :data:`~detector.text_store.SLICE_ROWS`
    rows (a corpus whose texts are on disk is never copied whole); a text
    enters the ``repeated`` test as a 64-bit hash of its stripped form.
    """
    from .text_store import row_slices

    df = corpus.df
    n = len(df)
    lengths = np.zeros(n, dtype=np.int64)
    text_hash = np.zeros(n, dtype=np.uint64)
    asked_hash = np.zeros(n, dtype=np.uint64)
    placeholder = np.zeros(n, dtype=bool)
    for rows in row_slices(n):
        text = df["output"].iloc[rows].astype(str)
        lengths[rows] = text.str.len().to_numpy()
        placeholder[rows] = text.str.match(PLACEHOLDER).to_numpy(dtype=bool)
        text_hash[rows] = pd.util.hash_pandas_object(text.str.strip(), index=False).to_numpy()
        # a prompt is its text (the same question under two ids is one prompt), else its id
        part = df.iloc[rows]
        asked = part["prompt"].astype(str) if "prompt" in df else pd.Series("", index=part.index)
        asked = asked.where(asked.str.len() > 0, "\x00" + part["prompt_id"].astype(str))
        asked_hash[rows] = pd.util.hash_pandas_object(asked, index=False).to_numpy()
    near_empty = np.zeros(n, dtype=bool)
    short = np.flatnonzero(lengths < 64)  # a longer output is never near-empty in practice
    visible = df["output"].iloc[short].astype(str).str.replace(_INVISIBLE, "", regex=True)
    near_empty[short] = (visible.str.len() < NEAR_EMPTY_CHARS).to_numpy()
    ratio = np.full(n, np.nan)
    long_enough = np.flatnonzero(lengths * 4 >= 2 * LOOP_MIN_BYTES)
    if loop_rows is not None:
        chosen = np.zeros(n, dtype=bool)
        chosen[loop_rows] = True
        long_enough = long_enough[chosen[long_enough]]
    ratio[long_enough] = [loop_ratio(t) for t in df["output"].iloc[long_enough].astype(str)]
    # (model, stripped text) as one code: the text's hash mixed with the model's code
    model_code, _ = pd.factorize(df["model"])
    mixed = text_hash ^ (model_code.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    group, _ = pd.factorize(mixed)
    repeated = np.zeros(n, dtype=bool)
    twice = np.flatnonzero(np.bincount(group)[group] > 1)
    if len(twice):  # distinct prompts per (model, text) given more than once
        prompt, _ = pd.factorize(asked_hash[twice])
        base = int(prompt.max()) + 1
        pairs = np.unique(group[twice].astype(np.int64) * base + prompt)
        spread = np.bincount(pairs // base, minlength=int(group.max()) + 1)
        repeated[twice] = spread[group[twice]] >= REPEAT_MIN_PROMPTS
    flags = pd.DataFrame(
        {
            "near_empty": near_empty,
            "loop": np.nan_to_num(ratio, nan=1.0) < LOOP_RATIO,
            "repeated": repeated,
            "placeholder": placeholder,
        },
        index=df.index,
    )
    flags["any"] = flags[list(FLAGS)].any(axis=1)
    flags["loop_ratio"] = ratio
    return flags


def degenerate_models(corpus: Corpus, flags: pd.DataFrame | None = None) -> dict[str, str]:
    """Models whose outputs are mostly degenerate, with the reason in words.

    Parameters
    ----------
    corpus : Corpus
    flags : pandas.DataFrame, optional
        :func:`degenerate_outputs` of ``corpus``, when already computed.

    Returns
    -------
    dict
        model -> reason (e.g. ``"the same answer to 805 of 805 prompts
        ('...')"``), for every model with at least :data:`DEGENERATE_SHARE`
        of its outputs flagged; empty when there is none.
    """
    flags = _screened_flags(corpus) if flags is None else flags
    df = corpus.df
    counts = flags[list(FLAGS) + ["any"]].groupby(df["model"]).sum()
    sizes = df.groupby("model").size()
    prompts = df.groupby("model")["prompt_id"].nunique()
    result = {}
    for model in counts.index[counts["any"] >= DEGENERATE_SHARE * sizes]:
        n, row = int(sizes[model]), counts.loc[model]
        parts = []
        if row["repeated"]:
            mine = df["model"] == model
            top = df.loc[mine & flags["repeated"], "output"].str.strip()
            common = top.value_counts().index[0]
            same = int(df.loc[mine & flags["repeated"]][top == common]["prompt_id"].nunique())
            example = df.loc[mine & flags["repeated"], "output"][top == common].iloc[0]
            parts.append(
                f"the same answer to {same} of {int(prompts[model])} prompts "
                f"({_shorten(example)!r})"
            )
        if row["near_empty"]:
            parts.append(f"{int(row['near_empty'])} of {n} outputs empty or near-empty")
        if row["loop"]:
            parts.append(f"{int(row['loop'])} of {n} outputs are repetition loops")
        if row["placeholder"]:
            parts.append(
                f"{int(row['placeholder'])} of {n} outputs are printed program objects, not answers"
            )
        result[str(model)] = "; ".join(parts)
    return result


def _screened_flags(corpus: Corpus) -> pd.DataFrame:
    """Flags that decide :func:`degenerate_models`, the loop test screened on a sample.

    The loop test (one DEFLATE pass per output) is most of the cost on large
    corpora (some 20 microseconds per output). It runs on
    :data:`LOOP_SAMPLE` outputs per model (a fixed draw), then on every
    output of the models whose sample has at least half of
    :data:`DEGENERATE_SHARE` flagged; a model below that in the sample
    reaching the share in full would be a deviation of seven standard
    errors or more. Other outputs' ``loop`` flags are left False.
    """
    df = corpus.df
    codes, _ = pd.factorize(df["model"])
    order = np.random.default_rng(0).permutation(len(df))
    rank = np.empty(len(df), dtype=np.int64)
    ranked = pd.Series(codes[order]).groupby(codes[order]).cumcount().to_numpy()
    rank[order] = ranked
    sample = np.flatnonzero(rank < LOOP_SAMPLE)
    if len(sample) == len(df):
        return _flags(corpus)
    flags = _flags(corpus, sample)
    share = flags["any"].iloc[sample].groupby(codes[sample]).mean()
    suspect = share.index[share >= DEGENERATE_SHARE / 2].to_numpy()
    if len(suspect):
        flags = _flags(corpus, np.union1d(sample, np.flatnonzero(np.isin(codes, suspect))))
    return flags


def _shorten(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."

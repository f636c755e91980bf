"""``inspect``: what a corpus holds and what is wrong with it, before any analysis.

:func:`inspect` summarises a :class:`~detector.corpus.Corpus`: models,
prompts and samples, coverage, output lengths, reasoning traces, each
model's languages (and whether the embedding model fits them), degenerate
outputs and models (:mod:`detector.degenerate`), and every problem found
while loading. The result renders as text, JSON, a DataFrame or HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .cjk import word_counts
from .degenerate import FLAGS, degenerate_models, degenerate_outputs
from .params import check_int
from .results import Result

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["Inspection", "inspect"]

_FLAG_WORDS = {
    "near_empty": "near-empty",
    "loop": "repetition loops",
    "repeated": "repeated",
    "placeholder": "placeholder",
}


@dataclass
class Inspection(Result):
    """Summary of a corpus.

    Attributes
    ----------
    source : str
    n_models, n_prompts, n_outputs, n_shared : int
        Models, distinct prompts, outputs (samples included) and prompts
        answered by every model.
    n_samples : int
        The most samples any model has for one prompt (1 without repeats).
    models : dict
        model -> number of prompts answered.
    outputs : dict
        model -> number of outputs (samples included).
    lengths : dict
        model -> {"mean_chars", "median_chars", "mean_words"}.
    reasoning : dict
        model -> outputs that carried a reasoning trace.
    languages : dict
        model -> {ISO 639-1 code: share of its sampled outputs}.
    degenerate : dict
        model -> why it is degenerate (see :func:`detector.degenerate.degenerate_models`).
    flagged : dict
        model -> {"near_empty", "loop", "repeated", "placeholder": number of outputs},
        for models with any flagged output.
    problems : list of str
        What may make an analysis wrong, one line each.
    notes : list of str
        What was done to the data that a reader should know.
    """

    source: str
    n_models: int
    n_prompts: int
    n_outputs: int
    n_shared: int
    models: dict[str, int]
    lengths: dict[str, dict[str, float]]
    problems: list[str]
    n_samples: int = 1
    outputs: dict[str, int] = field(default_factory=dict)
    reasoning: dict[str, int] = field(default_factory=dict)
    languages: dict[str, dict[str, float]] = field(default_factory=dict)
    degenerate: dict[str, str] = field(default_factory=dict)
    flagged: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per model: prompts answered, lengths, traces, languages, flags."""
        rows = []
        for m, n in self.models.items():
            row: dict[str, Any] = {"model": m, "answered": n}
            if self.n_samples > 1:
                row["outputs"] = self.outputs.get(m, n)
            row.update({k: round(v, 1) for k, v in self.lengths[m].items()})
            if any(self.reasoning.values()):
                row["traces"] = self.reasoning.get(m, 0)
            if self.languages:
                shares = self.languages.get(m, {})
                row["languages"] = (
                    ", ".join(f"{c} {s:.0%}" if s < 0.995 else c for c, s in shares.items()) or "?"
                )
            for flag in FLAGS:
                if any(f.get(flag) for f in self.flagged.values()):
                    row[_FLAG_WORDS[flag].split()[-1]] = self.flagged.get(m, {}).get(flag, 0)
            rows.append(row)
        return pd.DataFrame(rows).set_index("model")

    def _head(self) -> str:
        samples = f" (up to {self.n_samples} samples per prompt)" if self.n_samples > 1 else ""
        return (
            f"{self.source}: {self.n_models} models, {self.n_prompts} prompts "
            f"({self.n_shared} answered by every model), {self.n_outputs} outputs{samples}"
        )

    def to_text(self) -> str:
        lines = [self._head(), "", self.to_frame().to_string(), ""]
        lines += (
            ["problems:"] + [f"  - {p}" for p in self.problems]
            if self.problems
            else ["problems: none"]
        )
        if self.notes:
            lines += ["notes:"] + [f"  - {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        probs = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems) or "<li>none</li>"
        return (
            f"<p>{html.escape(self._head())}</p>"
            + self.to_frame().to_html()
            + f"<p>Problems:</p><ul>{probs}</ul>"
            + self._html_notes("Notes:")
        )


def inspect(
    corpus: Corpus,
    min_shared: int = 20,
    *,
    embedding_model: str | None = None,
    languages: bool = True,
) -> Inspection:
    """Summarize a corpus: coverage, samples, lengths, traces, languages, problems.

    Parameters
    ----------
    corpus : Corpus
    min_shared : int
        A model sharing fewer prompts than this with every other model is
        flagged as a problem (too few to compare).
    embedding_model : str, optional
        The embedding model the analysis will use (None: the default,
        English-only all-MiniLM-L6-v2); a model answering in a language it
        does not cover is a problem.
    languages : bool
        Detect each model's languages (:func:`detector.languages.model_languages`;
        about a second per 40 models).

    Returns
    -------
    Inspection
    """
    check_int(min_shared, "min_shared", 1)
    df = corpus.df
    chars = df["output"].str.len()
    words = word_counts(df["output"])  # each CJK character a word
    stats = (
        pd.DataFrame({"model": df["model"], "chars": chars, "words": words})
        .groupby("model")
        .agg(
            mean_chars=("chars", "mean"),
            median_chars=("chars", "median"),
            mean_words=("words", "mean"),
        )
    )
    problems = list(corpus.problems)
    problems += _sparse_problems(corpus, min_shared)
    flags = degenerate_outputs(corpus)
    degenerate = degenerate_models(corpus, flags)
    problems += [
        f"model {m!r} is degenerate: {why}; keep it out of reference pools"
        for m, why in degenerate.items()
    ]
    problems += _flag_problems(df, flags, set(degenerate))
    langs: dict[str, dict[str, float]] = {}
    if languages:
        from .languages import embedding_warnings, model_languages

        langs = model_languages(corpus)
        problems += embedding_warnings(langs, embedding_model)
    traced = df.loc[df["reasoning"] != "", "model"].value_counts()
    notes = list(getattr(corpus, "notes", []))
    if len(traced):
        notes.append(
            f"{int(traced.sum())} of {len(df)} outputs carried a reasoning trace ("
            + ", ".join(f"{m} {n}" for m, n in traced.sort_index().items())
            + "): the traces are kept in `reasoning` and the answers alone are compared"
        )
    counts = flags[list(FLAGS)].groupby(df["model"]).sum()
    return Inspection(
        source=corpus.source,
        n_models=corpus.n_models,
        n_prompts=corpus.n_prompts,
        n_outputs=len(df),
        n_shared=len(corpus.shared_prompts()),
        models={m: int(n) for m, n in corpus.coverage().items()},
        lengths={m: {k: float(v) for k, v in row.items()} for m, row in stats.iterrows()},
        problems=problems,
        n_samples=corpus.n_samples,
        outputs={m: int(n) for m, n in df.groupby("model").size().items()},
        reasoning={m: int(traced.get(m, 0)) for m in corpus.models},
        languages=langs,
        degenerate=degenerate,
        flagged={
            str(m): {f: int(row[f]) for f in FLAGS} for m, row in counts.iterrows() if row.sum() > 0
        },
        notes=notes,
    )


def _sparse_problems(corpus: Corpus, min_shared: int) -> list[str]:
    if corpus.n_models < 2:
        return [f"only one model ({corpus.models[0]!r}); comparing models needs at least two"]
    sparse = corpus.sparse_models(min_shared)
    if sparse and len(sparse) == corpus.n_models:
        return [
            f"models share at most {max(sparse.values())} prompts; comparing models needs "
            f"at least {min_shared}"
        ]
    return [
        f"model {m!r} shares at most {best} prompts with any other model "
        f"(need {min_shared} to compare)"
        for m, best in sparse.items()
    ]


def _flag_problems(df: pd.DataFrame, flags: pd.DataFrame, skip: set[str]) -> list[str]:
    """One line per kind of degenerate output, outside the degenerate models."""
    keep = ~df["model"].isin(skip)
    lines = []
    for flag in FLAGS:
        hit = flags[flag] & keep
        if hit.any():
            by_model = df.loc[hit, "model"].value_counts().sort_index()
            what = {
                "near_empty": "near-empty output(s) (fewer than 2 visible characters)",
                "loop": "output(s) ending in a repetition loop",
                "repeated": "output(s) repeating the model's answer to 3+ other prompts",
                "placeholder": "output(s) that are a printed program object, not an answer "
                "(e.g. a streaming placeholder ModelResponseStream(...)): fix the collection",
            }[flag]
            lines.append(
                f"{int(hit.sum())} {what}: " + ", ".join(f"{m} ({n})" for m, n in by_model.items())
            )
    return lines

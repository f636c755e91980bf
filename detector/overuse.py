"""Each model's over-used words and phrases: the list people look at first.

:func:`overused` lists, per model, the words and phrases (1- to 3-grams) it
uses more than a baseline does, strongest first, with the counts and rates a
reader can check:

- against the **pool** (default): the other models of the corpus, on the
  prompts the model answered (words and phrases);
- against **human** English: :mod:`wordfreq` frequencies (words only; wordfreq
  has no phrase frequencies, and products of word frequencies would make every
  ordinary collocation look over-used).

Terms are ranked by the z-scored log-odds ratio with an informative Dirichlet
prior of Monroe, Colaresi & Quinn (2008, "Fightin' words", Political Analysis
16:372), computed by :class:`~detector.lexical.LexicalFingerprint` (its module
docstring has the formula). The prior shrinks rare terms, so a word seen three
times, or a name a model invented, cannot top the list as it does with the raw
frequency ratios of slop-forensics (where a word unknown to wordfreq gets a
floor frequency near zero and a ratio near 1e9). Two more guards: a term must
occur on at least ``min_prompts`` distinct prompts (over all models), and the
model must use it at least ``min_count`` times to be listed.

What is counted: lowercase word n-grams that do not span punctuation or line
breaks, without numbers, proper names (words capitalized mid-sentence) and the
words of each output's own prompt (see :mod:`detector.lexical`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .corpus import Corpus
from .errors import ProvenanceError
from .features import Features
from .params import check_int
from .results import Result

__all__ = ["AGAINST", "MIN_COUNT", "MIN_PROMPTS", "OverusedResult", "OverusedTerm", "overused"]

#: Baselines a model's usage is compared with.
AGAINST = ("pool", "human")
#: Fewest uses by the model for a term to be listed.
MIN_COUNT = 5
#: Fewest distinct prompts (over all models) a term must occur on to be counted at all.
MIN_PROMPTS = 5
#: With ``distinct``, habits are formed from this many times ``top`` ranked terms.
DISTINCT_POOL = 10

_BASELINE = {
    "pool": "the other models' outputs on the same prompts",
    "human": "English word frequencies (wordfreq); words only",
}


@dataclass
class OverusedTerm:
    """One over-used term of one model.

    Attributes
    ----------
    model : str
    rank : int
        1 for the model's most over-used term.
    term : str
        Lowercase words joined by spaces.
    n_words : int
        Words in the term (1, 2 or 3).
    count : int
        Uses in the model's outputs.
    per_10k : float
        Uses per 10,000 n-grams of the term's length in the model's outputs
        (against ``human``: per 10,000 counted words), about per 10,000 words.
    baseline_per_10k : float
        The same rate in the baseline (the pool's outputs, or English).
    z : float
        Log-odds ratio with an informative Dirichlet prior over its standard
        error (Monroe et al. 2008); above about 2 is more than chance.
    also : list of str
        With ``distinct``: the weaker listed-worthy terms of the same habit
        (contained in the term, containing it, or overlapping it by two or
        more words; :func:`detector.phrases.distinct_terms`).
    """

    model: str
    rank: int
    term: str
    n_words: int
    count: int
    per_10k: float
    baseline_per_10k: float
    z: float
    also: list[str] = field(default_factory=list)


@dataclass
class OverusedResult(Result):
    """Every listed model's over-used terms against one baseline.

    Attributes
    ----------
    against : {"pool", "human"}
    baseline : str
        The baseline in words.
    models : list of str
        The models listed.
    n_models : int
        Models in the corpus (the pool of each is the others).
    words : dict of str to int
        Words in each listed model's outputs.
    terms : list of OverusedTerm
        Per model, its ``top`` terms, strongest first.
    top, min_count, min_prompts : int
        The settings.
    distinct : bool
        Overlapping n-grams of one habit grouped under its strongest term.
    notes : list of str
    """

    against: str
    baseline: str
    models: list[str]
    n_models: int
    words: dict[str, int]
    terms: list[OverusedTerm]
    top: int
    min_count: int
    min_prompts: int
    distinct: bool = False
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per (model, term): model, rank, term, n_words, count, rates, z."""
        columns = [f.name for f in OverusedTerm.__dataclass_fields__.values()]
        rows = [{c: getattr(t, c) for c in columns} for t in self.terms]
        frame = pd.DataFrame(rows, columns=columns)
        frame["also"] = frame["also"].map("; ".join)
        if not self.distinct:
            frame = frame.drop(columns="also")
        frame["per_10k"] = frame["per_10k"].astype(float).round(2)
        frame["baseline_per_10k"] = frame["baseline_per_10k"].astype(float).round(3)
        frame["z"] = frame["z"].astype(float).round(2)
        return frame

    def for_model(self, model: str) -> pd.DataFrame:
        """The rows of one model (see :meth:`to_frame`)."""
        if model not in self.models:
            raise ProvenanceError(
                f"unknown model {model!r}; listed models: {', '.join(self.models)}"
            )
        frame = self.to_frame()
        return frame[frame["model"] == model].drop(columns="model").reset_index(drop=True)

    def to_text(self) -> str:
        frame = self.to_frame()
        lines = [
            f"over-used words and phrases against {self.baseline}; {len(self.models)} of "
            f"{self.n_models} models; z: log-odds with an informative Dirichlet prior "
            "(Monroe et al. 2008)",
        ]
        ref = "pool/10k" if self.against == "pool" else "English/10k"
        for model in self.models:
            rows = frame[frame["model"] == model]
            lines += ["", f"{model} ({self.words.get(model, 0):,} words)"]
            if rows.empty:
                lines.append(f"  (no term used {self.min_count}+ times more than the baseline)")
                continue
            table = pd.DataFrame(
                {
                    "#": rows["rank"].to_numpy(),
                    "term": rows["term"].to_numpy(),
                    "z": rows["z"].map("{:.1f}".format).to_numpy(),
                    "count": rows["count"].to_numpy(),
                    "per 10k": rows["per_10k"].map("{:.1f}".format).to_numpy(),
                    ref: rows["baseline_per_10k"].map("{:.2f}".format).to_numpy(),
                }
            )
            if self.distinct:
                table["same habit"] = [_clip(a) for a in rows["also"]]
            lines += ["  " + line for line in table.to_string(index=False).splitlines()]
        lines += [""] + [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<p>Over-used against {html.escape(self.baseline)}</p>" + self.to_frame().to_html(
            index=False
        )


def overused(
    data: Corpus | Features,
    models: Sequence[str] | None = None,
    against: str = "pool",
    top: int = 50,
    min_count: int = MIN_COUNT,
    *,
    min_prompts: int = MIN_PROMPTS,
    prior: float = 1.0,
    distinct: bool = False,
) -> OverusedResult:
    """Each model's over-used words and phrases, against the pool or human English.

    Parameters
    ----------
    data : Corpus or Features
        The outputs (Features: its corpus, and its fitted lexical fingerprint
        when it covers the same models with these settings).
    models : sequence of str, optional
        The models to list (default all). The pool of each is every other
        model of ``data``, whichever are listed.
    against : {"pool", "human"}
        The baseline: the other models on the same prompts (words and
        phrases), or wordfreq English (words only).
    top : int
        Terms listed per model (at least 1).
    min_count : int
        Fewest uses by the model for a term to be listed (at least 1).
    min_prompts : int
        Fewest distinct prompts (over all models) a term must occur on to be
        counted at all, so one prompt's topic cannot make a term.
    prior : float
        Strength of the Dirichlet prior, in units of a model's n-gram count
        (see :class:`~detector.lexical.LexicalFingerprint`).
    distinct : bool
        List distinct habits: a pet phrase makes every n-gram inside it
        over-used too ("i hope this", "hope this helps", "i hope", ...); with
        ``distinct`` each is listed once, under its strongest term, the others
        in ``also`` (:func:`detector.phrases.distinct_terms`).

    Returns
    -------
    OverusedResult

    Raises
    ------
    ProvenanceError
        Unknown model, unknown baseline, a setting below its minimum, a pool
        baseline with one model, or no term on ``min_prompts`` prompts.
    """
    from .lexical import LexicalFingerprint

    if against not in AGAINST:
        raise ProvenanceError(f"`against` must be one of {', '.join(AGAINST)}, got {against!r}")
    top = check_int(top, "top", 1)
    min_count = check_int(min_count, "min_count", 1)
    min_prompts = check_int(min_prompts, "min_prompts", 1)
    corpus = data.corpus if isinstance(data, Features) else data
    if not isinstance(corpus, Corpus):
        raise ProvenanceError(f"expected a Corpus or Features, got {type(data).__name__}")
    names = corpus.models if models is None else list(dict.fromkeys(models))
    corpus.check_models(names)
    if against == "pool" and corpus.n_models < 2:
        raise ProvenanceError(
            "over-use against the pool needs at least 2 models (each is compared with the "
            "others); give more models or set `against` to human"
        )
    settings = {"min_df": min_prompts, "prior": prior}
    fitted: Any = getattr(data, "lexical", None) if isinstance(data, Features) else None
    if (
        fitted is None
        or sorted(getattr(fitted, "models_", [])) != corpus.models
        or any(getattr(fitted, k, None) != v for k, v in settings.items())
    ):
        fitted = LexicalFingerprint(min_df=min_prompts, prior=prior)
        try:
            fitted.fit(corpus)
        except ProvenanceError as exc:
            if "min_df" not in str(exc):
                raise
            raise ProvenanceError(
                f"no word or phrase occurs on {min_prompts} or more prompts; lower "
                "`min_prompts` or give more outputs"
            ) from None
    terms: list[OverusedTerm] = []
    for model in names:
        terms += _model_terms(fitted, model, against, top, min_count, distinct)
    notes = [
        "counted: lowercase words and phrases of 1-3 words, without numbers, proper names "
        "and the words of each output's own prompt",
        f"listed: terms on {min_prompts}+ prompts that the model uses {min_count}+ times, "
        f"at most {top} per model; z above about 2 is more than chance",
    ]
    if against == "human":
        notes.append(
            "against English: words only (wordfreq has no phrase frequencies); compare with "
            "the pool (`against` pool) for phrases"
        )
    logging.getLogger(__name__).info(
        "overused: %d model(s) against %s, top %d", len(names), against, top
    )
    return OverusedResult(
        against=against,
        baseline=_BASELINE[against],
        models=names,
        n_models=corpus.n_models,
        words={m: int(fitted.words_[m]) for m in names},
        terms=terms,
        top=top,
        min_count=min_count,
        min_prompts=min_prompts,
        distinct=distinct,
        notes=notes,
    )


def _model_terms(
    fitted: Any, model: str, against: str, top: int, min_count: int, distinct: bool
) -> list[OverusedTerm]:
    """One model's listed terms, strongest first (grouped into habits with ``distinct``)."""
    from .phrases import distinct_terms

    wanted = top * DISTINCT_POOL if distinct else top
    table = fitted.overused(model, against=against, top=wanted, min_count=min_count)
    rows = {str(r.term): r for r in table.itertuples(index=False)}
    groups = distinct_terms(list(rows))[:top] if distinct else [(t, []) for t in rows]
    return [
        OverusedTerm(
            model=model,
            rank=rank,
            term=term,
            n_words=len(term.split()),
            count=int(rows[term].count),
            per_10k=float(rows[term].per_10k),
            baseline_per_10k=float(rows[term].ref_per_10k),
            z=float(rows[term].z),
            also=list(also),
        )
        for rank, (term, also) in enumerate(groups, start=1)
    ]


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

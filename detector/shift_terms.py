"""Words and phrases the suspect gained and lost relative to its baseline, and whose they are.

:func:`shift_terms` compares the suspect S with its baseline B term by term:
the z-scored log-odds ratio of each word or phrase (1-3 words) in S's answers
against B's, with the informative Dirichlet prior the over-use lists use
(Monroe, Colaresi & Quinn 2008; :class:`~detector.lexical.LexicalFingerprint`
counts the terms: no numbers, proper names or words of the prompt). Terms S
uses more than B are *gained*, terms it uses less are *lost*; overlapping
n-grams of one habit are listed once (:func:`~detector.phrases.distinct_terms`).
A habit is spread over prompts: a term is listed only when the model that uses
it more uses it on at least :data:`MIN_PROMPTS` prompts with no prompt holding
more than :data:`MAX_PROMPT_SHARE` of its uses, so one answer's topic (a word
repeated through one story) is not listed as something the suspect gained.

*Whose* they are: for each gained term, the candidate that over-uses it most
against the pool (its over-use z, above 2 to count), and for each candidate
how many of S's strongest gained terms it over-uses, beside the median of the
reference models (or, without them, of the other candidates). A candidate S
moved toward by training on its outputs over-uses many of S's gained terms;
an unrelated one about as many as the median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .corpus import Corpus
from .errors import ProvenanceError
from .lexical import LexicalFingerprint, _log_odds_z
from .phrases import distinct_terms
from .results import Result

__all__ = ["MIN_COUNT", "OWNER_Z", "ShiftTerm", "ShiftTerms", "TermOwner", "shift_terms"]

#: Fewest uses by the model that uses a term more for it to be listed.
MIN_COUNT = 5
#: A candidate over-uses a term when its over-use z against the pool is above this.
OWNER_Z = 2.0
# a listed term is used on this many prompts at least, none holding more than this share
MIN_PROMPTS = 3
MAX_PROMPT_SHARE = 0.5
#: Gained terms (by z, before grouping) each candidate is checked against.
OWNER_TERMS = 50


@dataclass
class ShiftTerm:
    """One word or phrase the suspect uses more (gained) or less (lost) than its baseline.

    Attributes
    ----------
    term : str
    variants : list of str
        Overlapping n-grams of the same habit, weaker, listed once here.
    count_s, count_b : int
        Uses in the suspect's and the baseline's answers.
    per_10k_s, per_10k_b : float
        Per 10,000 n-grams of the term's length.
    z : float
        Log-odds z of S against B (positive: S uses it more).
    owner : str
        The candidate that over-uses it most against the pool ("" when none
        does, z above :data:`OWNER_Z`).
    owner_z : float
        That candidate's over-use z (NaN when none).
    """

    term: str
    variants: list[str]
    count_s: int
    count_b: int
    per_10k_s: float
    per_10k_b: float
    z: float
    owner: str = ""
    owner_z: float = float("nan")


@dataclass
class TermOwner:
    """How many of the suspect's strongest gained terms one candidate over-uses."""

    model: str
    count: int


@dataclass
class ShiftTerms(Result):
    """What the suspect gained and lost in words, and which candidate over-uses the gains.

    Attributes
    ----------
    suspect, baseline : str
    gained, lost : list of ShiftTerm
        Strongest first.
    owners : list of TermOwner
        Candidates by how many of the ``k`` strongest gained terms (z above
        2) they over-use, most first.
    k : int
        Gained terms the owners were counted on.
    median : float or None
        The same count for the median reference model (or other candidate).
    who : str
        Who the median is over ("reference model" or "other candidate").
    n_prompts : int
        Prompts both S and B answered (the terms are counted on them).
    notes : list of str
    """

    suspect: str
    baseline: str
    gained: list[ShiftTerm]
    lost: list[ShiftTerm]
    owners: list[TermOwner]
    k: int
    median: float | None
    who: str
    n_prompts: int
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {"direction": d, **{k: v for k, v in vars(t).items() if k != "variants"}}
            for d, terms in (("gained", self.gained), ("lost", self.lost))
            for t in terms
        ]
        return pd.DataFrame(rows)

    def to_text(self) -> str:
        lines = [f"words and phrases {self.suspect} gained and lost relative to {self.baseline}"]
        for name, terms in (("gained", self.gained), ("lost", self.lost)):
            lines += ["", f"{name}:"]
            for t in terms:
                owner = f"  (over-used by {t.owner}, z {t.owner_z:.1f})" if t.owner else ""
                lines.append(
                    f"  {t.term}: z {t.z:+.1f}, {t.per_10k_s:.1f} vs {t.per_10k_b:.1f} per 10k"
                    + owner
                )
        if self.owners:
            lines += ["", f"candidates over-using the {self.k} strongest gained terms:"]
            lines += [f"  {o.model}: {o.count}" for o in self.owners]
            if self.median is not None:
                lines.append(f"  median {self.who}: {self.median:.0f}")
        return "\n".join(lines)


def _spread(lex: LexicalFingerprint, corpus: Corpus, model: str, prompts: list[str]) -> np.ndarray:
    """Per term, whether ``model`` uses it as a habit: on enough prompts, none dominating.

    Returns a bool array over ``lex``'s terms: used on at least
    :data:`MIN_PROMPTS` of the model's answers to ``prompts``, and no answer
    holding more than :data:`MAX_PROMPT_SHARE` of its uses.
    """
    counts = lex.transform(corpus.subset(models=[model], prompt_ids=prompts).df).tocsc()
    uses = np.asarray(counts.sum(axis=0)).ravel()
    answers = np.diff(counts.indptr)  # answers using each term (nonzero rows per column)
    most = counts.max(axis=0).toarray().ravel()
    return (answers >= MIN_PROMPTS) & (most <= MAX_PROMPT_SHARE * np.maximum(uses, 1))


def _fitted(corpus: Corpus, models: list[str], prompts: list[str]) -> LexicalFingerprint:
    try:
        return LexicalFingerprint().fit(corpus.subset(models=models, prompt_ids=prompts).df)
    except ProvenanceError as exc:
        raise ProvenanceError(f"no words or phrases to compare: {exc}") from None


def shift_terms(
    corpus: Corpus,
    suspect: str,
    baseline: str,
    candidates: Sequence[str],
    reference: Sequence[str] = (),
    *,
    top: int = 15,
    min_count: int = MIN_COUNT,
) -> ShiftTerms:
    """The suspect's gained and lost words and phrases, and the candidates that over-use the gains.

    Parameters
    ----------
    corpus : Corpus
    suspect, baseline : str
    candidates : sequence of str
        Models whose over-use of the gained terms is counted.
    reference : sequence of str
        Unrelated models, for the median count (default: none; then the other
        candidates).
    top : int
        Distinct gained and lost habits listed.
    min_count : int
        Fewest uses by the model that uses a term more.

    Returns
    -------
    ShiftTerms

    Raises
    ------
    ProvenanceError
        Unknown model; no term occurs on enough prompts to be counted.
    """
    models = list(dict.fromkeys([suspect, baseline, *candidates, *reference]))
    corpus.check_models(models)
    asked = corpus.df.groupby("model")["prompt_id"].agg(set)
    prompts = sorted(asked[suspect] & asked[baseline])
    lex = _fitted(corpus, models, prompts)
    order = lex._order_of_term
    counts, totals = lex.counts_.to_numpy(dtype=np.float64), lex.totals_.to_numpy(np.float64)
    i_s, i_b = lex.models_.index(suspect), lex.models_.index(baseline)
    # the prior of the over-use lists: a_w = a_0 p_w, a_0 = prior x mean n-grams per model
    p_w = counts.sum(axis=0) / np.maximum(totals.sum(axis=0)[order], 1.0)
    alpha0 = lex.prior * totals.mean(axis=0)[order]
    alpha = np.maximum(alpha0 * p_w, 1e-9)
    n_s, n_b = totals[i_s][order], totals[i_b][order]
    y_s, y_b = counts[i_s], counts[i_b]
    z = _log_odds_z(y_s, n_s, y_b, n_b, alpha, alpha0)
    terms = np.asarray(lex.get_feature_names_out(), dtype=object)
    z_pool = lex.z_pool_
    cands = [c for c in candidates if c in z_pool.index]

    spread = {m: _spread(lex, corpus, m, prompts) for m in (suspect, baseline)}

    def listed(sign: int, own: np.ndarray) -> list[ShiftTerm]:
        ranked = [i for i in np.argsort(-sign * z, kind="stable") if sign * z[i] > 0]
        habit = spread[suspect if sign > 0 else baseline]
        ranked = [i for i in ranked if own[i] >= min_count and habit[i]]
        index = {str(terms[i]): i for i in ranked[: top * 10]}
        rows = []
        for term, variants in distinct_terms(list(index))[:top]:
            i = index[term]
            owner, owner_z = "", float("nan")
            if cands:
                zc = z_pool.loc[cands, term]
                if float(zc.max()) > OWNER_Z:
                    owner, owner_z = str(zc.idxmax()), float(zc.max())
            rows.append(
                ShiftTerm(
                    term,
                    variants,
                    int(y_s[i]),
                    int(y_b[i]),
                    float(y_s[i] / max(n_s[i], 1.0) * 1e4),
                    float(y_b[i] / max(n_b[i], 1.0) * 1e4),
                    float(z[i]),
                    owner,
                    owner_z,
                )
            )
        return rows

    gained, lost = listed(1, y_s), listed(-1, y_b)
    ranked = [
        i
        for i in np.argsort(-z, kind="stable")
        if z[i] > OWNER_Z and y_s[i] >= min_count and spread[suspect][i]
    ]
    strong = terms[ranked[:OWNER_TERMS]]
    owners: list[TermOwner] = []
    median, who = None, "reference model" if reference else "other candidate"
    if len(strong) and cands:
        over = (z_pool.loc[:, strong] > OWNER_Z).sum(axis=1)
        owners = sorted((TermOwner(c, int(over[c])) for c in cands), key=lambda o: -o.count)
        others = [m for m in reference if m in over.index] or [
            c for c in cands if c != owners[0].model
        ]
        median = float(np.median(over[others])) if others else None
    notes = [
        f"counted on the {len(prompts)} prompts both {suspect} and {baseline} answered; "
        "z: log-odds of the suspect against the baseline with an informative prior (Monroe "
        f"et al. 2008); a candidate over-uses a term when its z against the pool is above "
        f"{OWNER_Z:g}"
    ]
    return ShiftTerms(
        suspect, baseline, gained, lost, owners, len(strong), median, who, len(prompts), notes
    )

"""Provenance scoring: was the suspect trained on a candidate's outputs?

:func:`score` compares a suspect S with each candidate T prompt by prompt
(see :mod:`detector.evidence`) and calibrates the affinity A(S, T) against a
null of unrelated models:

- **suspect side**: how similar S is to the reference models R
  (robust centre and spread: median and 1.4826 * MAD of A(S, R));
- **candidate side**: how similar the reference models are to T
  (median and MAD of A(R, T)).

The candidate's z-score is the smaller of the two (T must stand out among
S's neighbours *and* S must stand out among T's), which keeps a model that
everyone resembles, or a suspect that resembles everyone, from being named
a teacher. When fewer than ``min_reference`` reference models are given, the
other candidates serve as the null (leave-one-out); with fewer than that in
all, the result is ranked but uncalibrated.

Per candidate the result carries

- ``score`` = Phi(z): where T sits in the null of unrelated models (0.5 is
  typical of an unrelated model, 0.99 means only 1 in 100 unrelated models
  would be as similar); its 95% interval comes from resampling prompts;
- ``p_value``: one-sided, Student t with the null's degrees of freedom,
  Holm-corrected across candidates;
- ``channels``: the same z computed from each channel alone;
- ``related``: the Holm-corrected p-value is below ``alpha``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .corpus import Corpus
from .evidence import Evidence
from .features import Features
from .params import check_alpha, check_int, check_seed
from .resolve import Roles, as_corpus, resolve_roles, suspect_evidence
from .results import Result

MIN_PROMPTS = 20
MIN_REFERENCE = 5
# Affinities are in standard deviations of the between-model spread; a null whose
# MAD is below this (e.g. identity leaks: almost every pair is 0) is floored here.
MIN_SPREAD = 0.05
NULL = "both"


@dataclass
class CandidateScore:
    """One candidate teacher or parent of the suspect."""

    model: str
    score: float
    ci: list[float]
    p_value: float | None
    rank: int
    verdict: str
    related: bool
    channels: dict[str, float]
    z: float
    affinity: float
    n_prompts: int


@dataclass
class ScoreResult(Result):
    """Scores of every candidate for one suspect, with the overall verdict."""

    suspect: str
    n_prompts: int
    candidates: list[CandidateScore]
    best: str | None
    verdict: str
    reference: list[str]
    calibration: str
    alpha: float
    seed: int
    n_bootstrap: int
    weights: dict[str, float]
    reliability: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for c in self.candidates:
            rows.append(
                {
                    "rank": c.rank,
                    "model": c.model,
                    "score": round(c.score, 3),
                    "ci_low": round(c.ci[0], 3),
                    "ci_high": round(c.ci[1], 3),
                    "p_value": None if c.p_value is None else float(f"{c.p_value:.3g}"),
                    "z": round(c.z, 2),
                    **{f"z_{k}": round(v, 2) for k, v in c.channels.items()},
                    "verdict": c.verdict,
                }
            )
        return pd.DataFrame(rows).set_index("rank") if rows else pd.DataFrame()

    def to_text(self) -> str:
        frame = self.to_frame()
        lines = [
            f"suspect: {self.suspect}   prompts: {self.n_prompts}   calibration: "
            f"{self.calibration}   seed: {self.seed}",
            "",
            frame.to_string() if len(frame) else "(no candidates)",
            "",
            f"verdict: {self.verdict}",
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<p><b>Suspect:</b> {html.escape(self.suspect)} &nbsp; <b>prompts:</b> "
            f"{self.n_prompts} &nbsp; <b>calibration:</b> {html.escape(self.calibration)}</p>"
            f"<p><b>Verdict:</b> {html.escape(self.verdict)}</p>"
            + self.to_frame().to_html()
            + (f"<ul>{notes}</ul>" if notes else "")
        )


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as ``p``)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    adjusted = np.empty_like(p)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, (len(p) - k) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def robust_z(values: np.ndarray, null: np.ndarray, axis: int = -1) -> np.ndarray:
    """(values - median(null)) / (1.4826 * MAD(null)), along ``axis`` of ``null``.

    The spread is floored at :data:`MIN_SPREAD` so a degenerate null (all
    equal) gives a large but finite z.
    """
    med = np.median(null, axis=axis, keepdims=True)
    mad = 1.4826 * np.median(np.abs(null - med), axis=axis, keepdims=True)
    spread = np.maximum(mad, MIN_SPREAD)
    return (values - med.squeeze(axis)) / spread.squeeze(axis)


def _null_sets(
    cands: list[int], refs: list[int], min_reference: int
) -> tuple[list[list[int]], str]:
    """For each candidate, the models forming its null."""
    if len(refs) >= min_reference:
        return [list(refs) for _ in cands], f"against {len(refs)} reference models"
    pool = refs + cands
    if len(pool) - 1 >= min_reference:
        return (
            [[m for m in pool if m != c] for c in cands],
            f"against the other candidates and references ({len(pool) - 1} models, leave-one-out)",
        )
    return [[] for _ in cands], "uncalibrated"


def _transfer_groups(cands: list[str], refs: list[str], min_reference: int) -> list[list[str]]:
    """Candidate groups for attribution transfer, each judged against the references and the rest.

    As :func:`_null_sets`: one group when there are enough reference models,
    else the other candidates join each group's null (as few groups as give
    every null ``min_reference`` models: each group costs four classifier
    fits); no group when even one candidate against all others is too few.
    """
    if len(refs) >= min_reference:
        return [list(cands)]
    for k in range(2, len(cands) + 1):
        groups = [cands[i::k] for i in range(k)]
        if len(refs) + len(cands) - max(map(len, groups)) >= min_reference:
            return groups
    return []


def calibrate(
    affinity: np.ndarray,
    suspect: int,
    cands: list[int],
    nulls: list[list[int]],
    null: str = NULL,
) -> np.ndarray:
    """Calibrated z of each candidate against its null models.

    Parameters
    ----------
    affinity : numpy.ndarray, shape (..., n_models, n_models)
        Leading axes (bootstrap replicates) are carried through.
    suspect : int
        Row of the suspect.
    cands : list of int
        Columns of the candidates.
    nulls : list of list of int
        For each candidate, the models forming its null.
    null : {"both", "suspect"}
        "suspect": robust z of A(S, T) among A(S, R); "both": the smaller of
        that and the robust z of A(S, T) among A(R, T).
    """
    out = []
    for c, members in zip(cands, nulls, strict=True):
        if not members:
            out.append(affinity[..., suspect, c])
            continue
        value = affinity[..., suspect, c]
        z = robust_z(value, affinity[..., suspect, members])
        if null == "both":
            others = [m for m in members if m != suspect]
            z = np.minimum(z, robust_z(value, affinity[..., others, c]))
        out.append(z)
    return np.stack(out, axis=-1)


def _verdict_words(z: float, p: float | None, related: bool, rank: int) -> str:
    if p is None:
        return "uncalibrated: ranked by affinity only"
    if related and rank == 1:
        return "strong evidence of a relation" if z >= 5 else "evidence of a relation"
    if related:
        return "also related (may share a teacher, base or sibling with the best match)"
    if z >= 2:
        return "weak signal, not significant after correction"
    return "no evidence beyond unrelated models"


def score(
    data: Corpus | Features | Evidence,
    suspect: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    *,
    seed: int = 0,
    n_bootstrap: int = 200,
    alpha: float = 0.05,
    min_prompts: int = MIN_PROMPTS,
    min_reference: int = MIN_REFERENCE,
    channels: str | list[str] | None = None,
    null: str = NULL,
    attribution: bool = False,
    roles: Roles | None = None,
    **evidence_kwargs: Any,
) -> ScoreResult:
    """Score every candidate as the suspect's teacher or parent.

    Parameters
    ----------
    data : Corpus, Features or Evidence
        The outputs (features and evidence are computed as needed, using the
        caches), or evidence already built over a superset of the models.
    suspect : str
        The model under suspicion.
    candidates : list of str, optional
        Possible teachers or parents; default every other model.
    reference : list of str, optional
        Models taken as unrelated to the candidates, for calibration; default
        every model that is neither suspect nor candidate.
    seed : int
        Seed of the bootstrap (results are deterministic for a seed).
    n_bootstrap : int
        Prompt resamplings for the 95% intervals.
    alpha : float
        Family-wise significance level (Holm across candidates).
    min_prompts : int
        Fewest prompts the suspect must share with the others.
    min_reference : int
        Fewest null models for calibration.
    channels : str or list of str, optional
        Evidence channels to combine (default all).
    null : {"both", "suspect"}
        Which null to calibrate against (see :func:`calibrate`).
    attribution : bool
        Also run the attribution-transfer channel
        (:func:`detector.attribution.attribution_transfer`: classifiers trained
        on the candidates and reference models, never the suspect, judge the
        suspect's outputs) and report its z per candidate as
        ``channels["attribution"]``. It is reported, not combined into the
        score: on the dev corpus it sends human-data LLaMA-1 models to the old
        OpenAI models at z 3.5-7 (docs/method.md). With too few reference
        models the other candidates join the null, as in calibration
        (:func:`_transfer_groups`); with too few models in all it is left out
        and a note says why.
    roles : Roles, optional
        Roles resolved beforehand (:func:`~detector.resolve.resolve_roles`);
        then ``suspect``, ``candidates`` and ``reference`` are taken from it.
    **evidence_kwargs
        Passed to :func:`~detector.evidence.build_evidence`.

    Returns
    -------
    ScoreResult

    Raises
    ------
    ProvenanceError
        Unknown model, suspect among candidates, too few shared prompts.
    """
    seed, alpha = check_seed(seed), check_alpha(alpha)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    if roles is None:
        roles = resolve_roles(data, suspect, candidates, reference, min_prompts=min_prompts)
    cand, ref = roles.candidates, roles.reference
    evidence = suspect_evidence(data, roles, channels=channels, seed=seed, **evidence_kwargs)

    s = int(evidence.index([suspect])[0])
    c_idx = [int(i) for i in evidence.index(list(cand))]
    r_idx = [int(i) for i in evidence.index(list(ref))]
    nulls, calibration = _null_sets(c_idx, r_idx, min_reference)
    calibrated = calibration != "uncalibrated"
    notes: list[str] = roles.notes()
    if not calibrated:
        notes.append(
            f"only {len(ref) + len(cand) - 1} models to calibrate against (need "
            f"{min_reference}); candidates are ranked by affinity but no p-values are given. "
            "Add unrelated reference models with `reference`."
        )

    n_prompts = evidence.n_prompts
    full = evidence.combined_affinity()
    z = calibrate(full, s, c_idx, nulls, null)
    per_channel = {
        name: calibrate(evidence.channel_affinity(name), s, c_idx, nulls, null)
        for name in evidence.channels
    }

    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_prompts, np.full(n_prompts, 1 / n_prompts), size=n_bootstrap)
    boot = evidence.bootstrap_affinities(counts.astype(np.float64))["combined"]
    # calibrate needs full square matrices: rows were all models
    z_boot = calibrate(boot, s, c_idx, nulls, null)

    if calibrated:
        dof = np.array([max(len(n) - 1, 1) for n in nulls])
        p_raw = stats.t.sf(z, dof)
        p_adj = holm(p_raw)
        score_full = stats.norm.cdf(z)
        score_boot = stats.norm.cdf(z_boot)
    else:
        p_adj = np.full(len(cand), np.nan)
        # the affinity rescaled to the corpus's range; a resample can leave it, so clip
        span = max(float(np.ptp(full)), 1e-12)
        score_full = np.clip((z - full.min()) / span, 0.0, 1.0)
        score_boot = np.clip((z_boot - full.min()) / span, 0.0, 1.0)
    lo, hi = np.percentile(score_boot, [2.5, 97.5], axis=0)

    order = np.argsort(-z, kind="stable")
    ranks = np.empty(len(cand), dtype=int)
    ranks[order] = np.arange(1, len(cand) + 1)
    pair_prompts = evidence.channels[next(iter(evidence.channels))]
    shared_counts = (
        pair_prompts.pair_mask[:, s, :].sum(axis=0)
        if hasattr(pair_prompts, "pair_mask")
        else np.full(len(evidence.models), n_prompts)
    )

    attribution_z: dict[str, float] = {}
    if attribution:
        from .attribution import MIN_REFERENCE as TRANSFER_MIN_REFERENCE
        from .attribution import attribution_transfer

        source = data.features if isinstance(data, Evidence) else data
        if source is None:
            as_corpus(data)  # raises: bare evidence cannot be traced back to the outputs
        groups = _transfer_groups(list(cand), list(ref), TRANSFER_MIN_REFERENCE)
        for group in groups:
            transfer = attribution_transfer(
                source,
                suspect,
                group,
                list(ref) + [c for c in cand if c not in group],
                seed=seed,
                **{k: v for k, v in evidence_kwargs.items() if k in ("cache_dir", "progress")},
            )
            attribution_z.update({c: float(transfer.z.loc[suspect, c]) for c in group})
        if not groups:
            notes.append(
                f"attribution transfer not run: it judges each candidate against at least "
                f"{TRANSFER_MIN_REFERENCE} other models, and there are only "
                f"{len(ref) + len(cand) - 1}. Add unrelated reference models with `reference`."
            )
        else:
            against = "" if len(groups) == 1 else ", each against the other candidates"
            notes.append(
                f"attribution transfer (reported per candidate, not part of the score{against}): "
                + ", ".join(
                    f"{c} z={v:.1f}"
                    for c, v in sorted(attribution_z.items(), key=lambda kv: -kv[1])[:3]
                )
            )

    results = []
    for k in order:
        related = bool(calibrated and p_adj[k] < alpha)
        p_value = float(p_adj[k]) if calibrated else None
        results.append(
            CandidateScore(
                model=cand[k],
                score=float(score_full[k]),
                ci=[float(lo[k]), float(hi[k])],
                p_value=p_value,
                rank=int(ranks[k]),
                verdict=_verdict_words(float(z[k]), p_value, related, int(ranks[k])),
                related=related,
                channels={
                    **{name: float(v[k]) for name, v in per_channel.items()},
                    **({"attribution": attribution_z[cand[k]]} if attribution_z else {}),
                },
                z=float(z[k]),
                affinity=float(full[s, c_idx[k]]),
                n_prompts=int(shared_counts[c_idx[k]]),
            )
        )

    related_models = [c for c in results if c.related]
    best = related_models[0].model if related_models else None
    if best is None:
        verdict = (
            f"no evidence that {suspect} learned from any candidate: none is more similar to "
            "it than unrelated models are"
            if calibrated
            else f"uncalibrated: {results[0].model} is the most similar candidate, but there "
            "are too few other models to say whether that is more than chance"
        )
    else:
        top = related_models[0]
        verdict = (
            f"{suspect} most likely learned from or derives from {best} (score "
            f"{top.score:.3f}, 95% CI {top.ci[0]:.3f}-{top.ci[1]:.3f}, Holm p = "
            f"{top.p_value:.2g})"
        )
        if len(related_models) > 1:
            second = related_models[1]
            k1, k2 = cand.index(top.model), cand.index(second.model)
            diff = z_boot[:, k1] - z_boot[:, k2]
            if np.mean(diff > 0) < 0.975:
                verdict += (
                    f"; it cannot be told apart from {second.model} (they may share a teacher, "
                    "a base model or each other's data)"
                )
            others = ", ".join(c.model for c in related_models[1:4])
            notes.append(f"also related beyond chance: {others}")
    weights = {k: round(v, 4) for k, v in evidence.weights.items()}
    reliability = {k: round(v, 4) for k, v in evidence.reliability.items()}
    return ScoreResult(
        suspect=suspect,
        n_prompts=n_prompts,
        candidates=results,
        best=best,
        verdict=verdict,
        reference=list(ref),
        calibration=calibration,
        alpha=alpha,
        seed=seed,
        n_bootstrap=n_bootstrap,
        weights=weights,
        reliability=reliability,
        notes=notes,
    )

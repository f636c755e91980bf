"""Provenance scoring: was the suspect trained on a candidate's outputs?

:func:`score` compares a suspect S with each candidate T prompt by prompt
(see :mod:`detector.evidence`), calibrates the affinity A(S, T) against a
null of unrelated reference models (:mod:`detector.calibration`) and states
the result in plain words (:mod:`detector.verdicts`).

Per candidate the result carries, all from one null and one distribution:

- ``z``: where A(S, T) sits among the unrelated models, in robust SDs
  (the smaller of the suspect-side and candidate-side z);
- ``score``: the share of unrelated models expected to be less similar,
  1 - P(t >= z) under a Student t with the null's degrees of freedom (0.5 is
  typical of an unrelated model, 0.99 means 1 in 100 would be as similar);
  its 95% interval comes from resampling prompts;
- ``p_raw``: 1 - ``score``, the one-sided probability that an unrelated
  model is as similar; doubled (Bonferroni) for a candidate whose clade was
  tested too (with known lineage, :mod:`detector.panel`);
- ``p_value``: ``p_raw`` Holm-corrected across candidates; ``related``
  means it is below ``alpha``;
- ``null_below`` of ``null_size``: how many unrelated models it beats;
- ``channels``: the same z computed from each channel alone.
"""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from . import channels as registry
from .calibration import (
    MIN_REFERENCE,
    MIN_SPREAD,
    NULL,
    Calibration,
    calibrate,
    calibrate_candidates,
    holm,
    null_sets,
    null_spread,
    robust_z,
    transfer_groups,
)
from .corpus import Corpus
from .errors import ProvenanceError
from .evidence import INDISTINGUISHABLE, Evidence, bootstrap_counts, zero_weight_notes
from .features import FeatureOptions, Features
from .params import check_alpha, check_int, check_seed
from .resolve import Roles, as_corpus, as_features_or_corpus, resolve_roles, suspect_evidence
from .results import Result
from .sample_size import prompts_needed
from .teacher_choice import CandidateChoice, which_candidate
from .verdicts import CandidateFacts, candidate_verdict, overall_verdict

if TYPE_CHECKING:
    from .shift import ShiftResult

log = logging.getLogger(__name__)

MIN_PROMPTS = 20

__all__ = [
    "MIN_PROMPTS",
    "MIN_REFERENCE",
    "MIN_SPREAD",
    "NULL",
    "CandidateScore",
    "ScoreResult",
    "calibrate",
    "holm",
    "robust_z",
    "score",
]


@dataclass
class CandidateScore:
    """One candidate teacher or parent of the suspect (see the module docstring)."""

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
    p_raw: float | None = None
    null_below: int = 0
    null_size: int = 0


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
    level: str = "nothing"
    explanation: str = ""
    roles: dict[str, Any] = field(default_factory=dict)
    which: str = ""
    choice: dict[str, Any] | None = None
    prompts_needed: int | str | None = None

    @property
    def headline(self) -> str:
        """The verdict in one sentence (the same as :attr:`verdict`)."""
        return self.verdict

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
                    "p_raw": None if c.p_raw is None else float(f"{c.p_raw:.3g}"),
                    "beats": c.null_below,
                    "null_size": c.null_size,
                    "z": round(c.z, 2),
                    **{f"z_{k}": round(v, 2) for k, v in c.channels.items()},
                    "related": c.related,
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
            f"verdict ({self.level}): {self.verdict}",
            f"why: {self.explanation}",
        ]
        if self.which:
            lines.append(f"which: {self.which}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<p><b>Suspect:</b> {html.escape(self.suspect)} &nbsp; <b>prompts:</b> "
            f"{self.n_prompts} &nbsp; <b>calibration:</b> {html.escape(self.calibration)}</p>"
            f"<p><b>Verdict:</b> {html.escape(self.verdict)}</p>"
            f"<p>{html.escape(self.explanation)}</p>"
            + (f"<p><b>Which candidate:</b> {html.escape(self.which)}</p>" if self.which else "")
            + self.to_frame().to_html()
            + self._html_notes()
        )


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
    lineage: pd.DataFrame | str | Path | None = None,
    known_dates: bool = True,
    baseline: str | None = None,
    options: FeatureOptions | None = None,
) -> ScoreResult | ShiftResult:
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
        (:func:`~detector.calibration.transfer_groups`); with too few models in all it is left out
        and a note says why.
    lineage : pandas.DataFrame, str or Path, optional
        Known lineage of the pool, or a lineage CSV's path
        (:func:`~detector.lineage.load_lineage`):
        documented relatives of a candidate leave its null, and candidates
        released after the suspect are set aside (:mod:`detector.panel`).
    known_dates : bool
        Take the release dates of well-known models the user gave none for
        from the bundled table (:mod:`detector.release_dates`): a candidate
        released after the suspect is set aside, with the date's source in the
        notes.
    roles : Roles, optional
        Roles resolved beforehand (:func:`~detector.resolve.resolve_roles`);
        then ``suspect``, ``candidates`` and ``reference`` are taken from it.
    baseline : str, optional
        The suspect's predecessor or a sibling on its base model: then the
        question is whether the suspect *moved* toward a candidate relative
        to it (:func:`detector.shift.shift_score`, a
        :class:`~detector.shift.ShiftResult`; ``null`` and ``attribution``
        do not apply).
    options : FeatureOptions, optional
        How features are computed when ``data`` lacks them (embedding model,
        caches, shards, executor, progress;
        :func:`~detector.features.compute_features`).

    Returns
    -------
    ScoreResult, or ShiftResult with ``baseline``

    Raises
    ------
    ProvenanceError
        Unknown model, suspect among candidates, too few shared prompts.
    """
    if baseline is not None:  # did the suspect move toward a candidate? (issue 23)
        from .shift import shift_score

        if attribution:
            raise ProvenanceError("`attribution` is not part of the shift test; drop `baseline`")
        return shift_score(
            data, suspect, baseline, candidates, reference, seed=seed, n_bootstrap=n_bootstrap,
            alpha=alpha, min_prompts=min_prompts, min_reference=min_reference, channels=channels,
            lineage=lineage, known_dates=known_dates, roles=roles, options=options,
        )  # fmt: skip
    seed, alpha = check_seed(seed), check_alpha(alpha)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    if roles is None:
        roles = resolve_roles(
            data,
            suspect,
            candidates,
            reference,
            min_prompts=min_prompts,
            lineage=lineage,
            known_dates=known_dates,
        )
    cand, ref = roles.candidates, roles.reference
    evidence = suspect_evidence(
        data,
        roles,
        channels=channels,
        seed=seed,
        min_prompts=min_prompts,
        n_bootstrap=n_bootstrap,
        options=options,
    )
    degenerate, advice = _degenerate(evidence, roles, min_reference)

    r_idx = [int(i) for i in evidence.index(list(ref))]
    notes: list[str] = roles.notes() + zero_weight_notes(evidence)
    if channels is None and not isinstance(data, Evidence):
        notes += registry.present_channels(as_corpus(data).df, suspect, roles.pool, min_prompts)[1]
    full = evidence.combined_affinity()
    cal, boot, exclusions = _calibration(
        evidence, roles, full, (min_reference, null), (seed, n_bootstrap)
    )
    c_idx, calibration = cal.candidates, cal.how
    calibrated = cal.calibrated and not degenerate
    per_channel = _channel_z(
        evidence, cal, r_idx, (min_reference, exclusions), min_prompts, calibrated, notes
    )
    if degenerate:  # numbers from this evidence would look meaningful but are not
        cal = cal.void()
        per_channel = {name: dict.fromkeys(c_idx, float("nan")) for name in per_channel}
    lo, hi = np.percentile(cal.score_boot, [2.5, 97.5], axis=0)

    attribution_z = (
        _attribution_channel(data, suspect, list(cand), list(ref), seed, options, notes)
        if attribution
        else {}
    )

    names = evidence.models
    channel_z = {n: {names[i]: v for i, v in z_ch.items()} for n, z_ch in per_channel.items()}
    if attribution_z:
        channel_z["attribution"] = attribution_z
    results, facts = _candidate_scores(evidence, list(cand), full, cal, (lo, hi), alpha, channel_z)
    tied_with = _tied_with(results, list(cand), cal.z_boot, notes)
    notes += _date_to_check(roles, results)
    choice, needed = _choice_and_prompts(evidence, full, boot, cal, list(cand), alpha, degenerate)
    if not calibrated and not degenerate:
        degenerate = _too_few_models(roles, min_reference)
    verdict = overall_verdict(
        suspect,
        facts,
        alpha,
        tied_with=tied_with,
        n_prompts=evidence.n_prompts,
        reason_uncalibrated=degenerate or None,
        advice=advice or None,
        prompts_needed=needed,
    )
    if verdict.level == "uncalibrated":
        notes.append(verdict.explanation)
    _log_result(verdict.level, calibration if calibrated else "", n_bootstrap, results)
    return ScoreResult(
        suspect=suspect,
        n_prompts=evidence.n_prompts,
        candidates=results,
        best=verdict.best,
        verdict=verdict.headline,
        reference=list(ref),
        calibration=calibration if calibrated else "uncalibrated",
        alpha=alpha,
        seed=seed,
        n_bootstrap=n_bootstrap,
        weights={k: round(v, 4) for k, v in evidence.weights.items()},
        reliability={k: round(v, 4) for k, v in evidence.reliability.items()},
        notes=notes,
        level=verdict.level,
        explanation=verdict.explanation,
        roles=roles.to_dict(),
        which=choice.sentence(evidence.n_prompts, verdict.level != "nothing") if choice else "",
        choice=asdict(choice) if choice else None,
        prompts_needed=needed,
    )


def _calibration(
    evidence: Evidence,
    roles: Roles,
    full: np.ndarray,
    null_settings: tuple[int, str],
    resampling: tuple[int, int],
) -> tuple[Calibration, np.ndarray, dict[int, set[int]]]:
    """The candidates' calibration (the one recipe), the bootstrap affinities and the exclusions.

    ``full`` is the combined affinity; ``null_settings`` (min_reference, null);
    ``resampling`` (seed, n_bootstrap). The exclusions are each candidate's
    documented relatives and clade (:meth:`~detector.resolve.Roles.null_positions`).
    """
    min_reference, null = null_settings
    seed, n_bootstrap = resampling
    s = int(evidence.index([roles.suspect])[0])
    c_idx = [int(i) for i in evidence.index(list(roles.candidates))]
    r_idx = [int(i) for i in evidence.index(list(roles.reference))]
    clades, exclusions = roles.null_positions(evidence.models)
    counts = bootstrap_counts(evidence.n_prompts, n_bootstrap, seed, evidence.draw_order)
    boot = evidence.bootstrap_affinities(counts, channels=False)["combined"]
    cal = calibrate_candidates(
        full,
        s,
        c_idx,
        r_idx,
        min_reference=min_reference,
        exclusions=exclusions,
        clades=clades,
        null=null,
        boot=boot,
    )
    return cal, boot, exclusions


def _channel_z(
    evidence: Evidence,
    cal: Calibration,
    r_idx: list[int],
    null_settings: tuple[int, dict[int, set[int]]],
    min_prompts: int,
    calibrated: bool,
    notes: list[str],
) -> dict[str, dict[int, float]]:
    """Each channel's z per candidate position, with the score's nulls.

    A channel only some outputs have (reasoning traces) gets its own null of
    the models that have it (:func:`_partial_channel_z`), and a note.
    """
    min_reference, exclusions = null_settings
    s, c_idx = cal.suspect, cal.candidates
    per_channel: dict[str, dict[int, float]] = {}
    flat: list[str] = []
    for name in evidence.channels:
        if not registry.get(name).coverage.masks_empty:
            affinity = evidence.channel_affinity(name)
            z_ch = cal.z_of(affinity)
            spread = null_spread(affinity, s, c_idx, cal.nulls, cal.null)
            # a z over a null without spread is a difference divided by the floor: unstated
            # (where the candidate sits at the null's value, 0 still says "like the others")
            unstated = (spread < MIN_SPREAD) & (np.abs(z_ch) >= 5e-3)
            z_ch = np.where(unstated, np.nan, z_ch)
            if np.any(unstated):
                flat.append(name)
            per_channel[name] = {c: float(v) for c, v in zip(c_idx, z_ch, strict=True)}
    if flat:
        notes.append(
            f"{', '.join(flat)}: unrelated models barely differ in this channel (almost all "
            "score the same), so its z is not stated ('-')"
        )
    for name in evidence.channels:
        if registry.get(name).coverage.masks_empty:  # only candidates that have the text
            per_channel[name], note = _partial_channel_z(
                evidence,
                name,
                (s, c_idx, r_idx),
                (min_reference, exclusions, cal.null, cal.clades),
                min_prompts,
                calibrated,
            )
            notes.append(note)
    return per_channel


def _too_few_models(roles: Roles, min_reference: int) -> str:
    """Why the candidates are ranked but not calibrated: too few models."""
    n = len(roles.reference) + len(roles.candidates) - 1
    return (
        f"only {n} models to calibrate against (need {min_reference}); add unrelated "
        "reference models to `reference`"
    )


def _log_result(
    level: str, calibration: str, n_bootstrap: int, results: list[CandidateScore]
) -> None:
    """The verdict and the top candidates at info level, every candidate at debug (``-v``)."""
    log.info(
        "score: verdict %s; %s; %d bootstrap resamplings",
        level,
        f"calibrated {calibration}" if calibration else "not calibrated",
        n_bootstrap,
    )
    for c in results[:3]:
        log.info("score: %d. %s z %.2f, Holm p %s", c.rank, c.model, c.z,
                 "-" if c.p_value is None else f"{c.p_value:.3g}")  # fmt: skip
    log.debug("score: every candidate %s", [(c.model, round(c.z, 3)) for c in results])


def _candidate_scores(
    evidence: Evidence,
    cand: list[str],
    full: np.ndarray,
    cal: Calibration,
    interval: tuple[np.ndarray, np.ndarray],
    alpha: float,
    channel_z: dict[str, dict[str, float]],
) -> tuple[list[CandidateScore], list[CandidateFacts]]:
    """The candidates' rows, best first, and the facts their verdicts are worded from.

    ``full`` is the combined affinity, shape (n_models, n_models); ``cal`` its
    calibration; ``interval`` the score's 2.5 and 97.5 percentiles over prompt
    resamplings, each shape (n_cand,); ``channel_z`` maps a channel to each
    candidate's z in it, by model name (a candidate without the channel is
    absent).
    """
    s, c_idx, z = cal.suspect, cal.candidates, cal.z
    calibrated = cal.calibrated
    related = cal.related(alpha)
    # degenerate evidence ranks nothing: the candidates keep their given order
    order = np.argsort(-np.nan_to_num(z, nan=0.0), kind="stable")
    shared = _shared_counts(evidence, s)
    results: list[CandidateScore] = []
    facts: list[CandidateFacts] = []
    for rank, k in enumerate(order, start=1):
        below, size = cal.rank_in_null(full, k)
        fact = CandidateFacts(
            model=cand[k],
            rank=rank,
            z=float(z[k]),
            p_raw=float(cal.p_raw[k]) if calibrated else None,
            p_value=float(cal.p_value[k]) if calibrated else None,
            related=bool(related[k]),
            null_below=below,
            null_size=size,
        )
        facts.append(fact)
        results.append(
            CandidateScore(
                model=cand[k],
                score=float(cal.score[k]),
                ci=[float(interval[0][k]), float(interval[1][k])],
                p_value=fact.p_value,
                rank=rank,
                verdict=candidate_verdict(fact, alpha),
                related=fact.related,
                channels={name: float(v[cand[k]]) for name, v in channel_z.items() if cand[k] in v},
                z=float(z[k]),
                affinity=float(full[s, c_idx[k]]),
                n_prompts=int(shared[c_idx[k]]),
                p_raw=fact.p_raw,
                null_below=below,
                null_size=size,
            )
        )
    return results, facts


def _choice_and_prompts(
    evidence: Evidence,
    full: np.ndarray,
    boot: np.ndarray,
    cal: Calibration,
    cand: list[str],
    alpha: float,
    degenerate: str,
) -> tuple[CandidateChoice | None, int | Literal["never"] | None]:
    """Which candidate (the top one against every other) and the prompts a verdict needs.

    The prompts needed are for the top candidate, when it is not declared
    related: an int, ``"never"`` when more prompts alone would not do, or
    None when there is nothing to estimate (uncalibrated, declared already).
    """
    if degenerate or not np.isfinite(cal.z).all():
        return None, None
    order = np.argsort(-cal.z, kind="stable")
    choice = which_candidate(
        full[cal.suspect], boot[:, cal.suspect], cal.candidates, cand, order, alpha,
        evidence.n_prompts,
    )  # fmt: skip
    top = int(order[0])
    if not cal.calibrated or cal.related(alpha)[top]:
        return choice, None
    needed = prompts_needed(cal, full, boot, top, alpha, evidence.n_prompts)
    return choice, "never" if needed is None else needed


def _date_to_check(roles: Roles, results: list[CandidateScore]) -> list[str]:
    """A note when the top candidate's release date is known but the suspect's is not.

    A teacher must predate its student; the user can check the suspect's date
    and rerun with it (issue 22: two 2023 students were declared related to
    gemini-pro, released in December 2023).
    """
    if not results or roles.suspect in roles.released:
        return []
    top = results[0].model
    if top not in roles.released:
        return []
    source = roles.known_dates.get(top, roles.released[top])
    return [
        f"{top} was released {source}; if {roles.suspect} is older it cannot have learned "
        f"from it: pass `lineage` with a released column giving {roles.suspect}'s date"
    ]


def _tied_with(
    results: list[CandidateScore], cand: list[str], z_boot: np.ndarray, notes: list[str]
) -> str | None:
    """The second related candidate when the bootstrap cannot order it below the first.

    Adds a note naming the other related candidates.
    """
    related = [c for c in results if c.related]
    if len(related) < 2:
        return None
    notes.append("also related beyond chance: " + ", ".join(c.model for c in related[1:4]))
    k1, k2 = cand.index(related[0].model), cand.index(related[1].model)
    return related[1].model if np.mean(z_boot[:, k1] - z_boot[:, k2] > 0) < 0.975 else None


def _degenerate(evidence: Evidence, roles: Roles, min_reference: int) -> tuple[str, str]:
    """Why the evidence cannot mean anything, and what to do; ("", "") when it can.

    Two models (the suspect and one candidate, nothing to compare them
    with), identical outputs (no channel separates any two models) and a
    null with no spread (every unrelated model exactly as similar to the
    suspect) would give numbers that look meaningful but are not (a z of 72
    from the floor of the spread, the alphabetically first model "most
    similar"); the verdict says so instead and no score is given.
    """
    idx = evidence.index(roles.pool)
    if len(idx) < 3:
        return (
            f"there are only {len(idx)} models, too few to calibrate against: a similarity "
            f"means something only beside that of unrelated models (at least {min_reference})",
            "Add unrelated reference models to the data and to `reference`.",
        )
    combined = evidence.combined_affinity()
    pool = combined[np.ix_(idx, idx)][~np.eye(len(idx), dtype=bool)]
    if np.ptp(pool) < INDISTINGUISHABLE:
        return (
            "the models' outputs are indistinguishable: every pair is equally similar",
            "Check that the data holds each model's own outputs (one file given for every "
            "model, or a constant answer, gives this).",
        )
    refs = evidence.index(roles.reference) if roles.reference else idx[1:]
    row = combined[idx[0], refs]
    if len(refs) >= 2 and np.ptp(row) < MIN_SPREAD:
        return (
            "every unrelated model is exactly as similar to the suspect as the others (the "
            "null has no spread), so no candidate can be placed in it",
            "Choose reference models that differ from one another, or other `channels`.",
        )
    return "", ""


def _shared_counts(evidence: Evidence, s: int) -> np.ndarray:
    """Prompts the suspect shares with each model, shape (n_models,)."""
    shared = evidence.shared_prompts()
    if shared is not None:
        return shared[s]
    return np.full(len(evidence.models), evidence.n_prompts)


def _partial_channel_z(
    evidence: Evidence,
    name: str,
    positions: tuple[int, list[int], list[int]],
    null_settings: tuple[int, dict[int, set[int]], str, list[list[int]]],
    min_prompts: int,
    calibrated: bool,
) -> tuple[dict[int, float], str]:
    """z of a channel only some models have (reasoning traces), and a note about it.

    Only candidates sharing ``min_prompts`` prompts with the suspect in the
    channel get a z, against a null of the models that do too (the same
    rules as the score's null: :func:`~detector.calibration.null_sets`).
    Where the score is calibrated but these models are too few to calibrate
    the channel, no z is given, rather than one on another scale.

    Returns
    -------
    z : dict of int to float
        Candidate position -> z.
    note : str
    """
    s, c_idx, r_idx = positions
    min_reference, exclusions, null, clades = null_settings
    spec = registry.get(name)
    mask = evidence.channels[name].pair_mask
    shared = mask[:, s, :].sum(axis=0)
    has = shared >= min_prompts
    cands = [c for c in c_idx if has[c]]
    refs = [r for r in r_idx if has[r]]
    suspect = evidence.models[s]
    own = f"{spec.label} ({suspect} has them on {int(mask[:, s, s].sum())} prompts)"
    if not cands:
        return {}, (
            f"{own}: no candidate has them on {min_prompts} or more of the same prompts, so they "
            "were not compared"
        )
    nulls, how = null_sets(cands, refs, min_reference, exclusions)
    if calibrated and how == "uncalibrated":
        return {}, (
            f"{own}: only {len(cands) + len(refs)} other models have them on {min_prompts} or "
            f"more of the same prompts, too few to calibrate (need {min_reference} besides each "
            f"candidate), so no z_{name} is given"
        )
    cl = [[m for m in clades[c_idx.index(c)] if has[m]] for c in cands]
    z = calibrate(evidence.channel_affinity(name), s, cands, nulls, null, cl)
    who = ", ".join(evidence.models[c] for c in cands)
    return {c: float(v) for c, v in zip(cands, z, strict=True)}, (
        f"{own}: compared for {len(cands)} of {len(c_idx)} candidates ({who}), reported per "
        f"candidate as z_{name}, not part of the score; "
        + (f"calibrated {how}" if how != "uncalibrated" else "uncalibrated, like the score")
    )


def _attribution_channel(
    data: Corpus | Features | Evidence,
    suspect: str,
    cand: list[str],
    ref: list[str],
    seed: int,
    options: FeatureOptions | None,
    notes: list[str],
) -> dict[str, float]:
    """Attribution-transfer z per candidate (reported, not combined); a note about it in ``notes``."""
    from .attribution import MIN_REFERENCE as TRANSFER_MIN_REFERENCE
    from .attribution import attribution_transfer

    options = options or FeatureOptions()
    source = as_features_or_corpus(data)
    groups = transfer_groups(cand, ref, TRANSFER_MIN_REFERENCE)
    if not groups:
        notes.append(
            f"attribution transfer not run: it judges each candidate against at least "
            f"{TRANSFER_MIN_REFERENCE} other models, and there are only "
            f"{len(ref) + len(cand) - 1}; add unrelated reference models to `reference`"
        )
        return {}
    values: dict[str, float] = {}
    for group in groups:
        transfer = attribution_transfer(
            source,
            suspect,
            group,
            ref + [c for c in cand if c not in group],
            seed=seed,
            # the cache and progress only, as before options were one object
            options=FeatureOptions(cache_dir=options.cache_dir, progress=options.progress),
        )
        values.update({c: float(transfer.z.loc[suspect, c]) for c in group})
    against = "" if len(groups) == 1 else ", each against the other candidates"
    best = sorted(values.items(), key=lambda kv: -kv[1])[:3]
    notes.append(
        f"attribution transfer (reported per candidate, not part of the score{against}): "
        + ", ".join(f"{c} z={v:.1f}" for c, v in best)
    )
    return values

"""Did the update move toward a candidate? The suspect against a baseline (``score --baseline``).

A suspect S is compared with a baseline B that shares its base weights but
not the suspected training data: its predecessor, or a sibling fine-tuned
from the same base. What B already has (the base model's habits, the era's
common style) is then subtracted, and what is left is what S's own training
added. For every other model T, prompt by prompt,

    shift_p(T) = sim_p(S, T) - sim_p(B, T),

with the per-prompt, per-channel similarities the score uses
(:mod:`detector.evidence`: topic removed, length and formatting regressed
out, each channel standardized as :meth:`Evidence.channel_affinity` does and
the channels combined with the same reliability weights). Its mean over the
prompts both S and B answered is ``shift(T) = A(S, T) - A(B, T)``, and
resampling the prompts (the score's bootstrap, :func:`bootstrap_counts`)
gives its intervals.

**Calibration** (:mod:`detector.calibration`, the score's null): candidate T's
z is the robust z of shift(T) among shift(R) for the unrelated reference
models R (median and 1.4826 MAD), so "S moved toward T" means "more than
toward unrelated models": the base model's own distance from every chat
model, or a general drift toward the era's style, moves every R too. The raw
p-value is one-sided from a Student t with the null's degrees of freedom,
``score`` = 1 - raw p, Holm corrects across candidates, each candidate beats
``null_below`` of ``null_size`` unrelated models' shifts, and known lineage
(documented relatives leave a candidate's null, clades with the p-value
doubled) works as in :func:`~detector.scoring.score`. Only the suspect side
of the score's null is used: the candidate side asks whether T is a model
everyone resembles, and subtracting A(B, T) already removes what B shares of
that. Neither S nor B is ever a candidate or a reference model.

**Did S move at all?** (:class:`Movement`) For every other model R, the
shift's prompt-resampling z (shift(R) over its bootstrap standard deviation)
gives a two-sided normal p-value; S moved measurably when one of them is
below ``alpha`` after Holm across the models. Two samples of one model differ
only by noise, so each shift's mean is zero and the test holds its level.

**Is the baseline related?** When A(S, B) is not above the unrelated models'
A(S, R) (the score's suspect-side z, one-sided p not below ``alpha``), the
baseline resembles S no more than an unrelated model does: the result says
so, since the shift then measures S against some other model rather than
against what it was built from.

The method is described, with the measured effect, in docs/method.md,
section 10.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from . import channels as registry
from .calibration import (
    MIN_REFERENCE,
    Calibration,
    calibrate_candidates,
    holm,
    robust_z,
    tail_probability,
)
from .corpus import Corpus, check_known
from .errors import ProvenanceError
from .evidence import Evidence, bootstrap_counts
from .features import FeatureOptions, Features
from .params import check_alpha, check_int, check_seed
from .resolve import Roles, as_corpus, as_evidence, known_models, resolve_roles
from .results import Result
from .shift_verdicts import shift_candidate_verdict, shift_overall_verdict
from .verdicts import CandidateFacts

__all__ = [
    "MIN_PROMPTS",
    "CandidateShift",
    "Movement",
    "ShiftResult",
    "check_baseline",
    "matrix_shift",
    "per_prompt_shift",
    "shift_score",
    "shift_vector",
]

#: Fewest prompts the suspect and the baseline must both have answered
#: (the score's own minimum, :data:`detector.scoring.MIN_PROMPTS`).
MIN_PROMPTS = 20


@dataclass
class CandidateShift:
    """How far the suspect moved toward one candidate, relative to the baseline.

    Attributes
    ----------
    model : str
    shift : float
        A(S, T) - A(B, T) in SD units of the between-model affinities
        (positive: S resembles T more than B does).
    shift_ci : list of float
        Its 95% interval over prompt resamplings.
    suspect_affinity, baseline_affinity : float
        A(S, T) and A(B, T).
    score : float
        1 - raw p: the share of unrelated models whose shift is expected to
        be smaller (NaN when uncalibrated).
    ci : list of float
        The score's 95% interval over prompt resamplings.
    p_value : float or None
        Holm-corrected across candidates (None when uncalibrated).
    p_raw : float or None
        One-sided, Student t on the null's size (doubled for a tested clade).
    z : float
        Robust z of the shift among the unrelated models' shifts (the raw
        shift when uncalibrated).
    channels : dict of str to float
        The same z from each channel alone.
    rank, verdict, related, n_prompts, null_below, null_size
        As in :class:`~detector.scoring.CandidateScore`; ``related`` means
        "S moved toward it" beyond chance after Holm.
    """

    model: str
    shift: float
    shift_ci: list[float]
    suspect_affinity: float
    baseline_affinity: float
    score: float
    ci: list[float]
    p_value: float | None
    p_raw: float | None
    z: float
    channels: dict[str, float]
    rank: int
    verdict: str
    related: bool
    n_prompts: int
    null_below: int = 0
    null_size: int = 0


@dataclass
class Movement:
    """Whether the suspect moved measurably from the baseline at all.

    For each model R other than S and B, t = shift(R) / SD of shift(R) over
    the prompt resamplings, a two-sided normal p-value, Holm across the
    models; the suspect moved when one corrected p is below ``alpha``.

    Attributes
    ----------
    moved : bool
    n_models : int
        Models whose shift was tested.
    toward, away : int
        Models S moved toward (shift > 0) or away from (shift < 0) beyond
        noise, after Holm.
    largest : str or None
        The model with the largest |t|.
    largest_shift, largest_t, p_value : float
        Its shift (SD units), t and Holm-corrected p (over all tested models).
    words : str
        The test's outcome in one sentence.
    """

    moved: bool
    n_models: int
    toward: int
    away: int
    largest: str | None
    largest_shift: float
    largest_t: float
    p_value: float
    words: str


@dataclass
class BaselineCheck:
    """How much the baseline resembles the suspect, against unrelated models.

    Attributes
    ----------
    affinity : float
        A(S, B).
    z : float
        Robust z of A(S, B) among A(S, R) (NaN with too few models).
    p_raw : float or None
        One-sided, Student t on the null's size.
    null_below, null_size : int
        Unrelated models less similar to S than B is, of how many.
    related : bool or None
        The baseline is plausibly related to S (``p_raw`` below ``alpha``);
        None when there are too few models to say.
    """

    affinity: float
    z: float
    p_raw: float | None
    null_below: int
    null_size: int
    related: bool | None


@dataclass
class ShiftResult(Result):
    """Per candidate, how far the suspect moved toward it relative to the baseline.

    The fields shared with :class:`~detector.scoring.ScoreResult` mean the
    same (``level`` is one of
    :data:`~detector.shift_verdicts.SHIFT_LEVELS`); ``baseline`` is B,
    ``movement`` whether S moved at all, ``baseline_check`` whether B
    resembles S more than unrelated models do, ``shifts`` the shift of every
    other model (candidates and reference models: the null's values).
    """

    suspect: str
    baseline: str
    n_prompts: int
    candidates: list[CandidateShift]
    best: str | None
    verdict: str
    level: str
    explanation: str
    movement: Movement
    baseline_check: BaselineCheck
    reference: list[str]
    calibration: str
    alpha: float
    seed: int
    n_bootstrap: int
    weights: dict[str, float]
    reliability: dict[str, float]
    notes: list[str] = field(default_factory=list)
    roles: dict[str, Any] = field(default_factory=dict)
    shifts: dict[str, float] = field(default_factory=dict)

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
                    "shift": round(c.shift, 3),
                    "shift_low": round(c.shift_ci[0], 3),
                    "shift_high": round(c.shift_ci[1], 3),
                    "suspect_affinity": round(c.suspect_affinity, 3),
                    "baseline_affinity": round(c.baseline_affinity, 3),
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
            f"suspect: {self.suspect}   baseline: {self.baseline}   prompts: {self.n_prompts}   "
            f"calibration: {self.calibration}   seed: {self.seed}",
            "",
            frame.to_string() if len(frame) else "(no candidates)",
            "",
            f"verdict ({self.level}): {self.verdict}",
            f"why: {self.explanation}",
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            f"<p><b>Suspect:</b> {html.escape(self.suspect)} &nbsp; <b>baseline:</b> "
            f"{html.escape(self.baseline)} &nbsp; <b>prompts:</b> {self.n_prompts} &nbsp; "
            f"<b>calibration:</b> {html.escape(self.calibration)}</p>"
            f"<p><b>Verdict:</b> {html.escape(self.verdict)}</p>"
            f"<p>{html.escape(self.explanation)}</p>"
            + self.to_frame().to_html()
            + self._html_notes()
        )


# ------------------------------------------------------------------ the statistic
def shift_vector(affinity: np.ndarray, suspect: int, baseline: int) -> np.ndarray:
    """shift(T) = A(S, T) - A(B, T) for every model T.

    Parameters
    ----------
    affinity : numpy.ndarray, shape (..., n_models, n_models)
        Affinities (leading axes, such as bootstrap replicates, are kept).
    suspect, baseline : int
        Rows of S and B.

    Returns
    -------
    numpy.ndarray, shape (..., 1, n_models)
        One row, so that the calibration recipe
        (:func:`~detector.calibration.calibrate_candidates`) reads it as
        the suspect's row (suspect index 0).
    """
    return (affinity[..., suspect, :] - affinity[..., baseline, :])[..., None, :]


def answered_both(evidence: Evidence, a: int, b: int) -> np.ndarray:
    """Prompts models ``a`` and ``b`` both answered, shape (n_prompts,), bool."""
    for name, channel in evidence.channels.items():
        if registry.get(name).coverage.masks_empty:
            continue
        if hasattr(channel, "pair_values"):
            return np.asarray(channel.pair_values(a, b)[1], dtype=bool)
        mask = getattr(channel, "mask", None)
        if mask is not None:  # a model-level profile: who answered what
            return np.asarray(mask[:, a] & mask[:, b], dtype=bool)
    return np.ones(evidence.n_prompts, dtype=bool)


def per_prompt_shift(evidence: Evidence, suspect: str, baseline: str, target: str) -> pd.Series:
    """shift_p(T) = sim_p(S, T) - sim_p(B, T) on each prompt all three answered.

    The channels compared prompt by prompt, each standardized as
    :meth:`~detector.evidence.Evidence.channel_affinity` does and weighted
    with the evidence's reliability weights (a model-level channel, identity
    leaks, has no per-prompt value and is left out; so the mean of this
    series is the shift of those channels alone).

    Returns
    -------
    pandas.Series
        Indexed by prompt id; empty when no channel is compared prompt by
        prompt.
    """
    s, b, t = (int(i) for i in evidence.index([suspect, baseline, target]))
    total = np.zeros(evidence.n_prompts)
    both = np.ones(evidence.n_prompts, dtype=bool)
    used = False
    for name, ch in evidence.channels.items():
        w = evidence.weights.get(name, 0.0)
        if not hasattr(ch, "pair_values") or w <= 0:
            continue
        _, sd = evidence.scales[name]
        st, has_st = ch.pair_values(s, t)
        bt, has_bt = ch.pair_values(b, t)
        total += w * (np.where(has_st, st, 0.0) - np.where(has_bt, bt, 0.0)) / sd
        both &= has_st & has_bt
        used = True
    if not used:
        return pd.Series(dtype=float)
    return pd.Series(total[both], index=np.asarray(evidence.prompt_ids)[both])


# ------------------------------------------------------------------ checks and roles
def check_baseline(
    data: Corpus | Features | Evidence,
    suspect: str,
    baseline: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    min_prompts: int = MIN_PROMPTS,
) -> int:
    """Check the baseline before any work; return the prompts S and B both answered.

    Raises
    ------
    ProvenanceError
        The baseline is the suspect, is not in the data, is also named a
        candidate or reference model, or shares fewer than ``min_prompts``
        prompts with the suspect.
    """
    if baseline == suspect:
        raise ProvenanceError(
            f"the baseline is the suspect itself ({suspect!r}); name its predecessor or a "
            "sibling on the same base model in `baseline`"
        )
    known = known_models(data)
    if not (isinstance(data, Evidence) and data.features is None):
        as_corpus(data).check_aliases([suspect, baseline])  # a FastChat model_id: its name
    check_known([suspect], known, "suspect")
    check_known([baseline], known, "baseline")
    for what, names in (("candidate", candidates), ("reference model", reference)):
        if names is not None and baseline in names:
            raise ProvenanceError(
                f"the baseline {baseline!r} cannot also be a {what}; remove it from "
                f"`{'candidates' if what == 'candidate' else 'reference'}`"
            )
    if isinstance(data, Evidence):
        s, b = (int(i) for i in data.index([suspect, baseline]))
        shared = int(answered_both(data, s, b).sum())
    else:
        shared = int(as_corpus(data).pairwise_shared().loc[suspect, baseline])
    if shared < min_prompts:
        raise ProvenanceError(
            f"the baseline {baseline!r} answered {shared} of the prompts {suspect!r} answered; "
            f"comparing them needs at least {min_prompts} shared prompts"
        )
    return shared


def _without_baseline(roles: Roles, baseline: str) -> list[str]:
    """Take the baseline out of every role (in place); notes on what that changed."""
    notes = []
    roles.candidates = [m for m in roles.candidates if m != baseline]
    roles.reference = [m for m in roles.reference if m != baseline]
    roles.reasons[baseline] = "the baseline"
    why = roles.left_out.pop(baseline, None)
    if why:
        notes.append(f"the baseline {baseline} is {why}; the shift from it may mean little")
    later = roles.set_aside.pop(baseline, None)
    if later:
        notes.append(
            f"the baseline {baseline} was {later.split(',')[0]}, after {roles.suspect}: the "
            "shift reads backwards in time"
        )
    for rel in roles.null_exclusions.values():
        rel.pop(baseline, None)
    roles.null_exclusions = {c: r for c, r in roles.null_exclusions.items() if r}
    roles.clades = {c: [m for m in ms if m != baseline] for c, ms in roles.clades.items()}
    if not roles.candidates:
        raise ProvenanceError(
            f"no candidate left besides the suspect {roles.suspect!r} and the baseline "
            f"{baseline!r}; the data needs at least one more model"
        )
    return notes


# ------------------------------------------------------------------ the tests
def movement_test(
    shift: np.ndarray,
    shift_boot: np.ndarray,
    others: list[int],
    names: list[str],
    alpha: float,
    baseline: str,
) -> Movement:
    """Whether any model's shift differs from zero beyond prompt-resampling noise (Holm).

    Parameters
    ----------
    shift : numpy.ndarray, shape (n_models,)
    shift_boot : numpy.ndarray, shape (n_bootstrap, n_models)
    others : list of int
        The models tested (every model but S and B).
    names : list of str
        Model names by position.
    alpha : float
    baseline : str
        For the words.
    """
    if not others:
        return Movement(False, 0, 0, 0, None, 0.0, 0.0, 1.0, "No other model to measure with.")
    values = shift[others]
    sd = shift_boot[:, others].std(axis=0, ddof=1) if len(shift_boot) > 1 else np.zeros(len(others))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(sd > 1e-12, values / sd, np.where(np.abs(values) > 1e-12, np.inf, 0.0))
    p = holm(2 * stats.norm.sf(np.abs(t)))
    moved = p < alpha
    k = int(np.argmax(np.abs(t)))
    toward, away = int(np.sum(moved & (values > 0))), int(np.sum(moved & (values < 0)))
    if moved.any():
        words = (
            f"It moved measurably from {baseline}: its resemblance to {int(moved.sum())} of "
            f"{len(others)} other models changed beyond what resampling the prompts produces "
            f"(toward {toward}, away from {away}; largest: {names[others[k]]}, shift "
            f"{values[k]:+.2f} SD, Holm p = {p[k]:.2g})."
        )
    else:
        words = (
            f"Its resemblance to none of the {len(others)} other models changed beyond what "
            f"resampling the prompts produces (largest: {names[others[k]]}, shift "
            f"{values[k]:+.2f} SD, Holm p = {p[k]:.2g})."
        )
    return Movement(
        bool(moved.any()),
        len(others),
        toward,
        away,
        names[others[k]],
        float(values[k]),
        float(t[k]),
        float(p[k]),
        words,
    )


def baseline_check(
    affinity: np.ndarray, s: int, b: int, members: list[int], alpha: float
) -> BaselineCheck:
    """A(S, B) among A(S, R) for the unrelated models R (the score's suspect-side z)."""
    value = float(affinity[s, b])
    if len(members) < 2:
        return BaselineCheck(value, float("nan"), None, 0, len(members), None)
    null = affinity[s, members]
    z = float(robust_z(np.array(value), null))
    p = float(tail_probability(np.asarray(z), np.asarray(max(len(members) - 1, 1))))
    return BaselineCheck(value, z, p, int(np.sum(null < value)), len(members), p < alpha)


def unrelated_baseline_note(suspect: str, baseline: str, check: BaselineCheck) -> str:
    """The note a result carries when the baseline is not plausibly related to the suspect."""
    how = (
        "no more than a typical unrelated model does"
        if check.z <= 0
        else "more than a typical unrelated model does, but not beyond chance"
    )
    return (
        f"the baseline {baseline} resembles {suspect} {how} (z = {check.z:.1f}, more similar "
        f"than {check.null_below} of {check.null_size} unrelated models): whatever the two "
        "share (base weights, data) does not show in their outputs, so the shift cannot be "
        f"read as what {suspect}'s own training added; it still says which models "
        f"{suspect} resembles more than {baseline} does"
    )


def matrix_shift(
    similarity: pd.DataFrame, result: ShiftResult, min_reference: int = MIN_REFERENCE
) -> pd.DataFrame:
    """The shift test of ``result`` on another similarity matrix (a peer method's).

    The same roles (candidates, reference models, lineage exclusions and
    clades), the same statistic shift(T) = sim(S, T) - sim(B, T), the same
    null, t, Holm and ``alpha``, so that two kinds of evidence are compared
    under one calibration. There is no bootstrap (a peer's profile is one
    matrix).

    Parameters
    ----------
    similarity : pandas.DataFrame, shape (n_models, n_models)
        Larger = more alike (a distance's negative), indexed and columned by
        model; it must hold every model of ``result``'s roles and the baseline.
    result : ShiftResult
    min_reference : int

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate, largest z first: ``shift``, ``z``, ``p_raw``,
        ``p_value`` (Holm), ``related``, ``rank``.

    Raises
    ------
    ProvenanceError
        A model of the roles missing from ``similarity``.
    """
    roles = Roles(**result.roles)
    models = [str(m) for m in similarity.index]
    check_known([result.suspect, result.baseline, *roles.candidates, *roles.reference], models)
    position = {m: i for i, m in enumerate(models)}
    a = similarity.loc[models, models].to_numpy(dtype=np.float64)
    c_idx = [position[m] for m in roles.candidates]
    r_idx = [position[m] for m in roles.reference]
    clades, exclusions = roles.null_positions(models)
    shift = shift_vector(a, position[result.suspect], position[result.baseline])
    cal = calibrate_candidates(
        shift, 0, c_idx, r_idx, min_reference=min_reference, exclusions=exclusions,
        clades=clades, null="suspect",
    )  # fmt: skip
    z, p_raw, p_adj = cal.z, cal.p_raw, cal.p_value
    frame = pd.DataFrame(
        {
            "shift": shift[0, c_idx],
            "z": z,
            "p_raw": p_raw,
            "p_value": p_adj,
            "related": p_adj < result.alpha,
        },
        index=pd.Index(roles.candidates, name="model"),
    ).sort_values("z", ascending=False, kind="stable")
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame


# ------------------------------------------------------------------ the whole
def shift_score(
    data: Corpus | Features | Evidence,
    suspect: str,
    baseline: str,
    candidates: list[str] | None = None,
    reference: list[str] | None = None,
    *,
    seed: int = 0,
    n_bootstrap: int = 200,
    alpha: float = 0.05,
    min_prompts: int = MIN_PROMPTS,
    min_reference: int = MIN_REFERENCE,
    channels: str | list[str] | None = None,
    lineage: pd.DataFrame | str | Path | None = None,
    known_dates: bool = True,
    roles: Roles | None = None,
    options: FeatureOptions | None = None,
) -> ShiftResult:
    """Did the suspect move toward a candidate, relative to a baseline? (see the module docstring)

    Parameters
    ----------
    data : Corpus, Features or Evidence
        The outputs, or evidence built over a superset of the models (it must
        hold the baseline).
    suspect : str
        The model under suspicion (S).
    baseline : str
        Its predecessor, or a sibling on the same base model (B): what S was
        before the training in question.
    candidates : list of str, optional
        Models S may have moved toward; default every model but S and B.
    reference : list of str, optional
        Models taken as unrelated, whose shifts form the null; default every
        model that is neither S, B nor a candidate (with none, each
        candidate is judged against all the others, leave-one-out).
    seed, n_bootstrap, alpha, min_reference, channels, lineage, known_dates
        As in :func:`~detector.scoring.score`.
    min_prompts : int
        Fewest prompts S and B must both have answered (and S must share with
        any other model).
    roles : Roles, optional
        Roles resolved beforehand (the baseline is taken out of them).
    options : FeatureOptions, optional
        How features are computed when ``data`` lacks them
        (:func:`~detector.features.compute_features`).

    Returns
    -------
    ShiftResult

    Raises
    ------
    ProvenanceError
        The baseline is the suspect, unknown, also a candidate or reference
        model, or shares fewer than ``min_prompts`` prompts with the suspect;
        and whatever :func:`~detector.scoring.score` refuses.
    """
    seed, alpha = check_seed(seed), check_alpha(alpha)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    check_baseline(data, suspect, baseline, candidates, reference, min_prompts)
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
    else:
        roles = Roles(**roles.to_dict())  # a copy: the baseline is taken out below
    notes = _without_baseline(roles, baseline)
    evidence = _evidence(data, roles, baseline, channels, seed, n_bootstrap, options)
    s, b = (int(i) for i in evidence.index([suspect, baseline]))
    c_idx = [int(i) for i in evidence.index(roles.candidates)]
    r_idx = [int(i) for i in evidence.index(roles.reference)]
    st = _statistics(
        evidence, roles, (s, b), (c_idx, r_idx, min_reference), (seed, n_bootstrap), notes
    )
    calibration, calibrated = st.calibration.how, st.calibration.calibrated
    names = evidence.models
    movement = movement_test(
        st.shift[0], st.shift_boot[:, 0, :], c_idx + r_idx, names, alpha, baseline
    )
    members = r_idx if len(r_idx) >= min_reference else c_idx + r_idx
    check = baseline_check(st.full, s, b, members, alpha)
    if check.related is False:
        notes.append(unrelated_baseline_note(suspect, baseline, check))
    rows, facts = _candidate_rows(evidence, (s, b), st, alpha)
    reason = None
    if not calibrated:
        reason = (
            f"only {len(c_idx) + len(r_idx) - 1} models to calibrate against besides the "
            f"suspect and the baseline (need {min_reference}); add unrelated reference models "
            "to `reference`"
        )
    verdict = shift_overall_verdict(
        suspect,
        baseline,
        facts,
        {r.model: r.shift for r in rows},
        alpha,
        moved=movement.moved,
        movement=movement.words,
        n_prompts=int(st.both.sum()),
        reason_uncalibrated=reason,
    )
    if verdict.level == "uncalibrated":
        notes.append(verdict.explanation)
    return ShiftResult(
        suspect=suspect,
        baseline=baseline,
        n_prompts=int(st.both.sum()),
        candidates=rows,
        best=verdict.best,
        verdict=verdict.headline,
        level=verdict.level,
        explanation=verdict.explanation,
        movement=movement,
        baseline_check=check,
        reference=list(roles.reference),
        calibration=calibration,
        alpha=alpha,
        seed=seed,
        n_bootstrap=n_bootstrap,
        weights={k: round(v, 4) for k, v in evidence.weights.items()},
        reliability={k: round(v, 4) for k, v in evidence.reliability.items()},
        notes=roles.notes() + notes,
        roles=roles.to_dict(),
        shifts={names[m]: float(st.shift[0, m]) for m in c_idx + r_idx},
    )


@dataclass
class _Statistics:
    """The shift of every model and its calibration, full sample and resampled.

    ``both`` (n_prompts,): the prompts S and B both answered, as weights;
    ``full`` (n_models, n_models): the combined affinity on them; ``shift``
    (1, n_models) and ``shift_boot`` (B, 1, n_models); ``calibration``: the
    score's recipe applied to the shifts (z, p-values, scores: NaN p-values
    when uncalibrated); ``channels``: per channel, z (n_cand,); ``lo``, ``hi``:
    the score's interval (NaN when uncalibrated).
    """

    both: np.ndarray
    full: np.ndarray
    shift: np.ndarray
    shift_boot: np.ndarray
    calibration: Calibration
    channels: dict[str, np.ndarray]
    lo: np.ndarray
    hi: np.ndarray

    @property
    def z(self) -> np.ndarray:
        return self.calibration.z

    @property
    def p_raw(self) -> np.ndarray:
        return self.calibration.p_raw

    @property
    def p_adj(self) -> np.ndarray:
        return self.calibration.p_value

    @property
    def score(self) -> np.ndarray:
        return self.calibration.score


def _statistics(
    evidence: Evidence,
    roles: Roles,
    pair: tuple[int, int],
    positions: tuple[list[int], list[int], int],
    resampling: tuple[int, int],
    notes: list[str],
) -> _Statistics:
    """Shifts, their calibration (the score's recipe), z per channel and intervals.

    ``pair`` is (S, B), ``positions`` (candidates, reference models,
    min_reference), ``resampling`` (seed, n_bootstrap); a channel over part
    of the outputs is left out with a line in ``notes``.
    """
    s, b = pair
    c_idx, r_idx, min_reference = positions
    seed, n_bootstrap = resampling
    both = answered_both(evidence, s, b).astype(np.float64)
    full = evidence.combined_affinity(both)
    shift = shift_vector(full, s, b)
    draws = bootstrap_counts(evidence.n_prompts, n_bootstrap, seed, evidence.draw_order)
    boot = evidence.bootstrap_affinities(draws * both[None, :], rows=np.array([s, b]))
    shift_boot = shift_vector(boot["combined"], 0, 1)
    clades, exclusions = roles.null_positions(evidence.models)
    cal = calibrate_candidates(
        shift, 0, c_idx, r_idx, min_reference=min_reference, exclusions=exclusions,
        clades=clades, null="suspect", boot=shift_boot,
    )  # fmt: skip
    channels: dict[str, np.ndarray] = {}
    for name in evidence.channels:
        if registry.get(name).coverage.masks_empty:  # over part of the outputs: not in the shift
            notes.append(f"{registry.get(name).label} are not compared in the shift test")
            continue
        channels[name] = cal.z_of(shift_vector(evidence.channel_affinity(name, both), s, b))
    if cal.calibrated:
        lo, hi = np.percentile(cal.score_boot, [2.5, 97.5], axis=0)
    else:
        lo = hi = np.full(len(c_idx), np.nan)
    return _Statistics(both, full, shift, shift_boot, cal, channels, lo, hi)


def _candidate_rows(
    evidence: Evidence,
    pair: tuple[int, int],
    st: _Statistics,
    alpha: float,
) -> tuple[list[CandidateShift], list[CandidateFacts]]:
    """The candidates' rows, largest z first, and the facts their words are built from.

    ``pair`` is (S, B).
    """
    s, b = pair
    cal = st.calibration
    c_idx, calibrated = cal.candidates, cal.calibrated
    names, shared = evidence.models, evidence.shared_prompts()
    lo, hi = np.percentile(st.shift_boot[:, 0, :], [2.5, 97.5], axis=0)
    rows: list[CandidateShift] = []
    facts: list[CandidateFacts] = []
    for rank, k in enumerate(np.argsort(-np.nan_to_num(st.z, nan=0.0), kind="stable"), start=1):
        c = c_idx[k]
        below, size = cal.rank_in_null(st.shift, k)
        fact = CandidateFacts(
            model=names[c],
            rank=rank,
            z=float(st.z[k]),
            p_raw=float(st.p_raw[k]) if calibrated else None,
            p_value=float(st.p_adj[k]) if calibrated else None,
            related=bool(calibrated and st.p_adj[k] < alpha),
            null_below=below,
            null_size=size,
        )
        facts.append(fact)
        interval = [float(lo[c]), float(hi[c])]
        rows.append(
            CandidateShift(
                model=names[c],
                shift=float(st.shift[0, c]),
                shift_ci=interval,
                suspect_affinity=float(st.full[s, c]),
                baseline_affinity=float(st.full[b, c]),
                score=float(st.score[k]),
                ci=[float(st.lo[k]), float(st.hi[k])],
                p_value=fact.p_value,
                p_raw=fact.p_raw,
                z=fact.z,
                channels={n: float(v[k]) for n, v in st.channels.items()},
                rank=rank,
                verdict=shift_candidate_verdict(fact, interval, alpha),
                related=fact.related,
                n_prompts=int(min(shared[s, c], shared[b, c]))
                if shared is not None
                else evidence.n_prompts,
                null_below=below,
                null_size=size,
            )
        )
    return rows, facts


def _evidence(
    data: Corpus | Features | Evidence,
    roles: Roles,
    baseline: str,
    channels: str | list[str] | None,
    seed: int,
    n_bootstrap: int,
    options: FeatureOptions | None,
) -> Evidence:
    """Evidence over the roles' models and the baseline, on the prompts S and B both answered.

    Evidence given is used as it is (the prompts are then restricted by weights).
    """
    if isinstance(data, Evidence):
        return data
    df = as_corpus(data).df
    asked = df.groupby("model")["prompt_id"].agg(set)
    prompts = sorted(asked[roles.suspect] & asked[baseline])
    return as_evidence(
        data,
        models=[*roles.pool, baseline],
        prompt_ids=prompts,
        channels=channels,
        seed=seed,
        n_bootstrap=n_bootstrap,
        options=options,
    )

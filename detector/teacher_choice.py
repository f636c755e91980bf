"""Which candidate, separately from whether any: the top one against every other.

Model Provenance Testing (Nikolic, Baluta and Saxena, NeurIPS 2025;
``ivicanikolicsg/model_provenance_testing``) names a parent only when it beats
*every* other candidate, with the prompts as units and Holm over the
comparisons. :func:`which_candidate` asks the same of the top candidate T1: for
each other candidate Tk, is the suspect nearer T1 than Tk? The statistic is
A(S, T1) - A(S, Tk) over its spread across prompt resamplings (the same
resamplings that give the score's interval: a bootstrap z, one-sided normal
p), Holm-corrected over the k - 1 comparisons; the comparison with the largest
corrected p decides ("gpt-3.5 rather than gpt-4: p = 0.003", or "cannot tell
gpt-3.5 from gpt-4"). This compares two candidates on these prompts; it does
not calibrate against unrelated models, which is what the score does
(docs/method.md, section 11).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .calibration import holm
from .sample_size import MAX_PROMPTS, prompts_for_z

__all__ = ["CandidateChoice", "which_candidate"]


@dataclass
class CandidateChoice:
    """The top candidate against the runner-up that is hardest to beat.

    Attributes
    ----------
    best : str
        The top candidate.
    runner_up : str
        The other candidate whose comparison has the largest Holm p-value.
    p_value : float
        Holm-corrected one-sided p of "the suspect is nearer ``best`` than
        ``runner_up``" (the largest over the comparisons: ``best`` beats every
        other candidate when it is below alpha).
    z : float
        The bootstrap z of that comparison.
    distinct : bool
        ``p_value`` below alpha.
    prompts_needed : int or None
        Prompts at which that comparison would reach alpha if the difference
        held (None when ``best`` is not ahead of ``runner_up`` at all; 0 when
        it already is distinct).
    """

    best: str
    runner_up: str
    p_value: float
    z: float
    distinct: bool
    prompts_needed: int | None

    def sentence(self, n_prompts: int, stands_out: bool = True) -> str:
        """The verdict's second line, in plain words.

        ``stands_out``: the score found the top candidate unusual among
        unrelated models (related or inconclusive); otherwise the line only
        says which candidate is nearer, not that either is a teacher.
        """
        if self.distinct:
            if not stands_out:
                return (
                    f"Of the candidates it is nearest {self.best}, distinctly more than "
                    f"{self.runner_up} (p = {self.p_value:.2g}), but no candidate stands out "
                    "from unrelated models, so this names no teacher."
                )
            return (
                f"{self.best} rather than {self.runner_up}: the suspect is nearer {self.best} "
                f"than every other candidate, prompt by prompt (p = {self.p_value:.2g})."
            )
        more = (
            ""
            if self.prompts_needed is None
            else (
                f"; about {self.prompts_needed:,} prompts would tell them apart if the "
                f"difference held (now {n_prompts})"
                if self.prompts_needed <= MAX_PROMPTS
                else f"; more than {MAX_PROMPTS:,} prompts would be needed (now {n_prompts})"
            )
        )
        return f"Cannot tell {self.best} from {self.runner_up} (p = {self.p_value:.2g}){more}."


def which_candidate(
    affinity_row: np.ndarray,
    boot_row: np.ndarray,
    candidates: list[int],
    names: list[str],
    order: np.ndarray,
    alpha: float,
    n_prompts: int,
) -> CandidateChoice | None:
    """Does the top candidate beat every other candidate? (Model Provenance Testing's rule.)

    Parameters
    ----------
    affinity_row : numpy.ndarray, shape (n_models,)
        The suspect's affinities.
    boot_row : numpy.ndarray, shape (n_bootstrap, n_models)
        The same over prompt resamplings.
    candidates : list of int
        Columns of the candidates; ``names`` their names, in the same order.
    order : numpy.ndarray of int
        The candidates' ranking, best first (positions into ``candidates``).
    alpha : float
    n_prompts : int
        Prompts compared (for the prompts needed).

    Returns
    -------
    CandidateChoice, or None with fewer than two candidates or no spread.
    """
    if len(candidates) < 2 or len(boot_row) < 2:
        return None
    top = candidates[order[0]]
    others = list(order[1:])
    zs, ps = [], []
    for k in others:
        diff = boot_row[:, top] - boot_row[:, candidates[k]]
        sd = float(np.std(diff, ddof=1))
        observed = float(affinity_row[top] - affinity_row[candidates[k]])
        z = observed / sd if sd > 1e-12 else (math.inf if observed > 0 else 0.0)
        zs.append(z)
        ps.append(float(stats.norm.sf(z)))
    adjusted = holm(np.array(ps))
    j = int(np.argmax(adjusted))
    z_needed = float(stats.norm.isf(alpha / len(others)))
    return CandidateChoice(
        best=names[order[0]],
        runner_up=names[others[j]],
        p_value=float(adjusted[j]),
        z=float(zs[j]),
        distinct=bool(adjusted[j] < alpha),
        prompts_needed=prompts_for_z(zs[j], z_needed, n_prompts),
    )

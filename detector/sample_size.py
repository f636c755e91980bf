"""How many prompts would settle a verdict: a sample-size estimate from the bootstrap.

The spread of a candidate's null has two parts: how much unrelated models
differ from one another, which more prompts do not change, and the sampling
noise of each affinity, which falls as 1/P. :func:`prompts_needed` splits the
two with the prompt resamplings that give the score's interval and says how
many prompts would put the top candidate's Holm p below alpha if its
resemblance held, or that no number of prompts would, because unrelated
models already differ among themselves by as much (docs/method.md,
section 11).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from .calibration import Calibration, robust_spread

__all__ = ["MAX_PROMPTS", "prompts_for_z", "prompts_needed"]

#: Prompt counts beyond this are reported as "more than" (a collection that large is a
#: different study, and the 1/P extrapolation is not trusted that far).
MAX_PROMPTS = 100_000


def prompts_for_z(z: float, z_needed: float, n_prompts: int) -> int | None:
    """Prompts at which a z that grows as sqrt(P) reaches ``z_needed`` (None if z <= 0)."""
    if not math.isfinite(z) or z <= 0:
        return None
    if z >= z_needed:
        return 0
    return int(math.ceil(n_prompts * (z_needed / z) ** 2))


def prompts_needed(
    cal: Calibration,
    affinity: np.ndarray,
    boot: np.ndarray,
    k: int,
    alpha: float,
    n_prompts: int,
) -> int | None:
    """Prompts at which candidate ``k`` would be declared related, if its resemblance held.

    The null's variance (its robust spread squared) is the models' own
    variance plus the mean sampling variance of the null affinities at
    ``n_prompts`` prompts (from the bootstrap), which scales as 1/P. With the
    candidate's affinity and the null's centre held, the z at P prompts is
    ``(A - centre) / sqrt(model variance + noise * n_prompts / P)``; the
    smallest P whose Holm p (the raw p times the number of candidates, the
    strictest step) is below ``alpha`` is returned.

    Parameters
    ----------
    cal : Calibration
    affinity : numpy.ndarray, shape (n_models, n_models)
    boot : numpy.ndarray, shape (n_bootstrap, n_models, n_models)
    k : int
        Position of the candidate in ``cal.candidates``.
    alpha : float
    n_prompts : int

    Returns
    -------
    int or None
        0 when it is already declared; None when no number of prompts would
        do (unrelated models differ among themselves by as much, or the
        candidate is not above the null's centre).
    """
    if not cal.calibrated or len(boot) < 2:
        return None
    s, c, members = cal.suspect, cal.candidates[k], cal.nulls[k]
    dof = max(len(members) - 1, 1)
    z_needed = float(stats.t.isf(alpha / len(cal.candidates), dof))
    sides = [(affinity[s, c], affinity[s, members], boot[:, s, members])]
    if cal.null == "both":
        others = [m for m in members if m != s]
        sides.append((affinity[s, c], affinity[others, c], boot[:, others, c]))
    needed = 0
    for value, null_values, null_boot in sides:
        centre = float(np.median(null_values))
        spread = float(robust_spread(np.asarray(null_values))[..., 0])
        noise = float(np.mean(np.var(null_boot, axis=0, ddof=1)))
        model_var = max(spread**2 - noise, 0.0)
        gap = float(value) - centre
        if gap <= 0:
            return None
        if model_var > 0 and gap / math.sqrt(model_var) < z_needed:
            return None  # even with no sampling noise it would not clear the bar
        # gap^2 / (model_var + noise * P0 / P) >= z_needed^2
        room = gap**2 / z_needed**2 - model_var
        if room <= 0:
            return None
        p = int(math.ceil(noise * n_prompts / room)) if noise > 0 else 0
        needed = max(needed, p)
    return needed

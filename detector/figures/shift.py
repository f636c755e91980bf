"""The shift chart: how far the suspect moved toward each candidate, beside unrelated models."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .base import GREY, INK, SUSPECT, new_figure, style_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..shift import ShiftResult

__all__ = ["shift_figure"]


def shift_figure(result: ShiftResult, *, max_rows: int = 30, width: float = 7.0) -> Figure:
    """Each candidate's shift A(S, T) - A(B, T) (dot) and 95% interval (bar), ranked.

    Red: the suspect moved toward it beyond the unrelated models (Holm).
    The shaded band spans the middle half of the unrelated models' shifts
    (the null the candidates are calibrated against), the solid line is
    their median, and the dotted line is no shift at all.
    """
    cands = result.candidates[:max_rows]
    n = len(cands)
    fig = new_figure(width, 1.3 + 0.24 * n)
    ax = fig.add_subplot()
    # the null: the reference models, or (leave-one-out) every other model
    null = [v for m, v in result.shifts.items() if m in set(result.reference)] or list(
        result.shifts.values()
    )
    if null:
        q1, med, q3 = np.percentile(null, [25, 50, 75])
        ax.axvspan(q1, q3, color="0.9", zorder=0)
        ax.axvline(med, color="0.55", lw=0.9, zorder=1)
        ax.text(med, -0.95, "unrelated models (median, middle half)", fontsize=6.5,
                color="0.35", ha="center")  # fmt: skip
    ax.axvline(0.0, color=INK, lw=0.7, ls=":", zorder=1)
    for k, c in enumerate(cands):
        color = SUSPECT if c.related else GREY
        ax.plot(c.shift_ci, [k, k], color=color, lw=2.2, solid_capstyle="butt", alpha=0.8)
        ax.plot([c.shift], [k], "o", color=color, ms=5, mec="white", mew=0.6, zorder=3)
    ax.set_yticks(np.arange(n))
    ax.set_yticklabels([f"{c.rank}. {c.model}" for c in cands], fontsize=7.5)
    ax.set_ylim(n - 0.4, -1.5)
    ax.set_xlabel(
        f"shift: how much more {result.suspect} resembles the candidate than {result.baseline} "
        "does (SDs), with 95% interval; red: moved toward it beyond unrelated models (Holm)",
        fontsize=7.5,
        wrap=True,
    )
    style_axes(ax)
    ax.grid(axis="x", color="0.92", lw=0.6)
    ax.set_axisbelow(True)
    return fig

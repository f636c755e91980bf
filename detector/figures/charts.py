"""Charts of one suspect's analysis: answer lengths and candidate scores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import GREY, INK, SUSPECT, TOP, new_figure, style_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..scoring import ScoreResult

__all__ = ["lengths_figure", "scores_figure"]


def lengths_figure(
    stats: Sequence[dict[str, Any]],
    *,
    suspect: str | None = None,
    top: str | None = None,
    width: float = 7.0,
    max_height: float = 9.0,
) -> Figure:
    """Box plot of words per answer, one row per model, from precomputed statistics.

    Parameters
    ----------
    stats : sequence of dict
        Per model, in display order: ``model``, ``q1``, ``median``, ``q3``,
        ``low`` and ``high`` (whisker ends), in words.
    suspect, top : str, optional
        Drawn red and blue.
    """
    fig = new_figure(width, min(max_height, 0.9 + 0.19 * len(stats)))
    ax = fig.add_subplot()
    boxes = [
        {
            "label": str(s["model"]),
            "q1": s["q1"],
            "med": s["median"],
            "q3": s["q3"],
            "whislo": s["low"],
            "whishi": s["high"],
            "fliers": [],
        }
        for s in stats
    ]
    import inspect

    horizontal = (
        {"orientation": "horizontal"}
        if "orientation" in inspect.signature(ax.bxp).parameters
        else {"vert": False}
    )
    drawn = ax.bxp(
        boxes,
        **horizontal,
        widths=0.6,
        patch_artist=True,
        medianprops={"color": INK},
        showfliers=False,
    )
    for patch, s in zip(drawn["boxes"], stats, strict=True):
        m = s["model"]
        patch.set_facecolor(SUSPECT if m == suspect else TOP if m == top else "#d5d8dc")
        patch.set_alpha(0.85 if m in (suspect, top) else 1.0)
    ax.set_yticks(range(1, len(stats) + 1))
    ax.set_yticklabels([str(s["model"]) for s in stats], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("words per answer (box: middle half of the answers, line: median)", fontsize=8)
    style_axes(ax)
    return fig


def scores_figure(result: ScoreResult, *, max_rows: int = 30, width: float = 7.0) -> Figure:
    """Each candidate's score (dot) and 95% interval (bar), best first.

    Red: related after Holm correction. The dotted line marks 0.5, a typical
    unrelated model (calibrated scores only).
    """
    cands = result.candidates[:max_rows]
    n = len(cands)
    fig = new_figure(width, 1.1 + 0.24 * n)
    ax = fig.add_subplot()
    for k, c in enumerate(cands):
        color = SUSPECT if c.related else GREY
        ax.plot(c.ci, [k, k], color=color, lw=2.2, solid_capstyle="butt", alpha=0.8)
        ax.plot([c.score], [k], "o", color=color, ms=5, mec="white", mew=0.6, zorder=3)
    calibrated = any(c.p_value is not None for c in cands)
    if calibrated:
        ax.axvline(0.5, color="0.55", lw=0.8, ls=":")
        ax.text(0.5, -0.9, "typical unrelated model", fontsize=6.5, color="0.4", ha="center")
    ax.set_yticks(np.arange(n))
    ax.set_yticklabels([f"{c.rank}. {c.model}" for c in cands], fontsize=7.5)
    ax.set_ylim(n - 0.4, -1.4)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(
        "score (dot) and 95% interval from resampling prompts; red: related after Holm correction"
        if calibrated
        else "uncalibrated score: affinity rescaled to [0, 1] (no p-values)",
        fontsize=8,
    )
    style_axes(ax)
    ax.grid(axis="x", color="0.92", lw=0.6)
    ax.set_axisbelow(True)
    return fig

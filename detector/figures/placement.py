"""Label placement: put each text where it overlaps no line, point or earlier label.

Every candidate position of a label is tried in turn, measured with the
figure's renderer, and the first that overlaps nothing and stays inside the
axes is kept; when none does, the one that overlaps least. Used for the
support labels of trees and the model names of the MDS map.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Candidate", "place_labels", "segment_boxes"]

# (x, y, ha, va): where the label's anchor goes and how the text sits on it
Candidate = tuple[float, float, str, str]


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box: Any, frame: Any) -> float:
    inside = _overlap(box, frame)
    return max(box.width * box.height - inside, 0.0)


def segment_boxes(ax: Any, segments: Sequence[tuple[float, float, float, float]], pad: float = 1.5):
    """Display-space boxes of line segments ``(x0, y0, x1, y1)`` in data coordinates, padded."""
    from matplotlib.transforms import Bbox

    boxes = []
    for x0, y0, x1, y1 in segments:
        (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
        boxes.append(Bbox([[min(a, c) - pad, min(b, d) - pad], [max(a, c) + pad, max(b, d) + pad]]))
    return boxes


def place_labels(
    fig: Any,
    ax: Any,
    labels: Sequence[tuple[Any, Sequence[Any]]],
    obstacles: Sequence[Any] = (),
    *,
    apply: Callable[[Any, Any], None] | None = None,
    margin: float = 2.0,
) -> list[int]:
    """Move each label to its first candidate that is free; return the index chosen per label.

    Parameters
    ----------
    fig, ax : the figure (drawn once here to measure text) and the axes the labels must stay in.
    labels : sequence of (text artist, candidates)
        Candidates are tried in order; by default each is a :data:`Candidate`
        in data coordinates.
    obstacles : sequence of Bbox
        Display-space boxes no label may cover (lines, points).
    apply : callable, optional
        ``apply(text, candidate)`` moves the text; default sets position and
        alignment from a :data:`Candidate`.
    margin : float
        Labels keep this many pixels inside the axes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def default(text: Any, cand: Any) -> None:
        x, y, ha, va = cand
        text.set_position((x, y))
        text.set_ha(ha)
        text.set_va(va)

    move = apply or default
    if fig.canvas is None or not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    with warnings.catch_warnings():  # a name the font lacks is drawn as boxes; said elsewhere
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer).padded(-margin)
    taken = list(obstacles)
    chosen = []
    for text, candidates in labels:
        text.set_in_layout(False)
        best, best_cost, best_box = 0, float("inf"), None
        for k, cand in enumerate(candidates):
            move(text, cand)
            box = text.get_window_extent(renderer)
            cost = sum(_overlap(box, t) for t in taken) + 4 * _outside(box, frame)
            if cost < best_cost:
                best, best_cost, best_box = k, cost, box
            if cost == 0:
                break
        move(text, candidates[best])
        if best_box is not None:
            taken.append(best_box)
        chosen.append(best)
    return chosen

"""One annotated matrix figure, and the three matrices the tools draw with it.

:func:`matrix_figure` draws any matrix as vector cells (``pcolormesh``) with
optional numbers in the cells (ink chosen against each cell's colour), row
and column labels, highlighted labels and a colour bar. The distance heatmap
(:func:`heatmap_figure`), the attribution confusion matrix
(:func:`confusion_figure`) and the per-channel z table
(:func:`channels_figure`) are all drawn by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ProvenanceError
from .base import INK, colorbar, highlight_labels, new_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..scoring import ScoreResult
    from ..tree import TreeResult

__all__ = [
    "DISTANCE_CMAP",
    "DISTANCE_COLOURS",
    "channels_figure",
    "confusion_figure",
    "heatmap_figure",
    "matrix_figure",
]

#: Colour map of distance heatmaps: small distances (close pairs) dark, large ones light.
DISTANCE_CMAP = "viridis"
#: How :data:`DISTANCE_CMAP` reads, for captions (tests check the two agree).
DISTANCE_COLOURS = "dark (purple) cells are close pairs, light (yellow) cells distant ones"


def _ink_on(rgba: Sequence[float]) -> str:
    """Dark ink on light cells, white on dark ones (relative luminance, WCAG)."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return INK if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.3 else "white"


def matrix_figure(
    values: Any,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    annotations: Any = None,
    annotate: bool | None = None,
    fmt: str = "{:.1f}",
    colorbar_label: str = "",
    xlabel: str = "",
    ylabel: str = "",
    title: str | None = None,
    highlight: dict[str, str] | None = None,
    columns_on_top: bool = False,
    cell: float | None = None,
    max_width: float = 9.0,
    gridlines: bool = True,
) -> Figure:
    """An annotated matrix as vector cells, first row at the top.

    Parameters
    ----------
    values : array-like, shape (n_rows, n_cols)
        The numbers coloured; NaN cells are left blank.
    row_labels, col_labels : sequence of str
        Labels of the rows and columns (columns default to the rows').
    cmap, vmin, vmax : colour map and its range (default the data's range).
    annotations : array-like of str, shape (n_rows, n_cols), optional
        Text written in the cells (default ``fmt`` of ``values``; an empty
        string leaves a cell without text).
    annotate : bool, optional
        Write the numbers; default when both sides have at most 14 cells.
    colorbar_label, xlabel, ylabel, title : str
    highlight : dict of str to str, optional
        Label text -> colour; those row and column labels are bold in it.
    columns_on_top : bool
        Column labels above the matrix (tables) instead of below (matrices).
    cell : float, optional
        Side of a cell in inches (default from the matrix size).
    max_width : float
        Widest the figure may be, in inches.
    gridlines : bool
        White lines between the cells.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise ProvenanceError(f"a matrix figure needs a 2-D array, got shape {v.shape}")
    rows = [str(r) for r in row_labels]
    cols = rows if col_labels is None else [str(c) for c in col_labels]
    n_r, n_c = v.shape
    if (len(rows), len(cols)) != (n_r, n_c):
        raise ProvenanceError(f"{len(rows)} x {len(cols)} labels for a {n_r} x {n_c} matrix")
    longest = max((len(t) for t in rows + cols), default=1)
    label_in = min(2.6, 0.06 * longest + 0.3)
    if cell is None:
        cell = float(np.clip(4.8 / max(n_r, n_c, 1), 0.16, 0.55))
    width = min(max_width, n_c * cell + label_in + 1.4)
    cell = min(cell, (width - label_in - 1.4) / max(n_c, 1))
    height = n_r * cell + (label_in if not columns_on_top else 0.6) + 0.5
    fig = new_figure(width, max(height, 2.0))
    ax = fig.add_subplot()
    finite = v[np.isfinite(v)]
    lo = float(finite.min()) if vmin is None and finite.size else vmin if vmin is not None else 0
    hi = float(finite.max()) if vmax is None and finite.size else vmax if vmax is not None else 1
    if hi <= lo:
        hi = lo + 1.0
    colour_map = matplotlib.colormaps[cmap]
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(v),
        cmap=colour_map,
        vmin=lo,
        vmax=hi,
        edgecolors="white" if gridlines else "face",
        linewidth=0.6 if gridlines else 0.0,
    )
    if annotate is None:
        annotate = max(n_r, n_c) <= 14
    if annotate:
        text = np.asarray(annotations, dtype=object) if annotations is not None else None
        size = 7 if cell >= 0.3 else 6 if cell >= 0.22 else 5
        for i in range(n_r):
            for j in range(n_c):
                label = text[i, j] if text is not None else fmt.format(v[i, j])
                if not label or not np.isfinite(v[i, j]):
                    continue
                rgba = colour_map((np.clip(v[i, j], lo, hi) - lo) / (hi - lo))
                ax.text(j + 0.5, i + 0.5, label, ha="center", va="center", fontsize=size,
                        color=_ink_on(rgba))  # fmt: skip
    fs = 7.5 if max(n_r, n_c) <= 20 else 6 if max(n_r, n_c) <= 45 else 4.5
    ax.set_xticks(np.arange(n_c) + 0.5)
    ax.set_xticklabels(cols, rotation=0 if columns_on_top else 90, fontsize=fs)
    ax.set_yticks(np.arange(n_r) + 0.5)
    ax.set_yticklabels(rows, fontsize=fs)
    if columns_on_top:
        ax.xaxis.tick_top()
    highlight_labels(ax, highlight or {})
    ax.set_xlim(0, n_c)
    ax.set_ylim(n_r, 0)
    if not columns_on_top:
        ax.set_aspect("equal")
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    colorbar(fig, mesh, ax, colorbar_label, 0.7 if columns_on_top else 0.6)
    return fig


def heatmap_figure(
    result: TreeResult,
    *,
    title: str | None = None,
    highlight: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    max_width: float = 9.0,
) -> Figure:
    """Distances between all models in the tree's leaf order (:data:`DISTANCE_COLOURS`).

    Parameters
    ----------
    result : TreeResult
    title : str, optional
    highlight : dict of str to str, optional
        Model -> label colour (bold).
    labels : dict of str to str, optional
        Model -> text shown (default the names).
    max_width : float
        Widest the figure may be, in inches.
    """
    order = list(result.leaf_order)
    shown = [(labels or {}).get(m, m) for m in order]
    colours = {(labels or {}).get(m, m): c for m, c in (highlight or {}).items()}
    return matrix_figure(
        result.distances.loc[order, order].to_numpy(),
        shown,
        cmap=DISTANCE_CMAP,
        vmin=0.0,
        colorbar_label="distance (SD of between-model affinity)",
        title=title,
        highlight=colours,
        gridlines=False,
        max_width=max_width,
    )


def confusion_figure(
    result: Any,
    normalize: bool = True,
    *,
    highlight: dict[str, str] | None = None,
    max_width: float = 9.0,
    title: str | None = None,
) -> Figure:
    """Held-out confusion matrix of an attribution classifier.

    Rows: the model that wrote the answers; columns: the model the
    classifier named; colour: share of the row (``normalize``) or counts;
    numbers: answers.

    Parameters
    ----------
    result : Evaluation, (classifier, Evaluation) or any object with ``models`` and ``confusion``
    normalize : bool
    highlight : dict of str to str, optional
        Model -> label colour.
    max_width : float
    title : str, optional
        Default: the held-out accuracy, when ``result`` has one.

    Raises
    ------
    ProvenanceError
        ``result`` carries no confusion matrix.
    """
    evaluation = result[1] if isinstance(result, tuple) and len(result) == 2 else result
    if not (hasattr(evaluation, "models") and hasattr(evaluation, "confusion")):
        raise ProvenanceError(
            f"confusion_figure needs an Evaluation, got {type(evaluation).__name__}"
        )
    models = [str(m) for m in evaluation.models]
    cm = np.asarray(evaluation.confusion, dtype=float).reshape(len(models), len(models))
    share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    accuracy = getattr(evaluation, "accuracy", None)
    if title is None and accuracy is not None:
        title = f"held-out accuracy {float(accuracy):.1%}"
    return matrix_figure(
        share if normalize else cm,
        models,
        cmap="Blues",
        vmin=0.0,
        vmax=1.0 if normalize else None,
        annotations=np.where(cm > 0, cm.astype(int).astype(str), ""),
        annotate=len(models) <= 14,
        colorbar_label="share of the writer's held-out answers" if normalize else "answers",
        xlabel="attributed to (predicted)",
        ylabel="written by (true)",
        title=title,
        highlight=highlight,
        max_width=max_width,
    )


def channels_figure(result: ScoreResult, *, max_rows: int = 15, max_width: float = 9.0) -> Figure:
    """Each channel's z for the best candidates, beside the combined z.

    Red: more alike than unrelated models; blue: less. Rows: the
    ``max_rows`` highest-ranked candidates.
    """
    cands = result.candidates[:max_rows]
    names = list(dict.fromkeys(k for c in cands for k in c.channels))
    z = np.array([[c.channels.get(k, np.nan) for k in names] + [c.z] for c in cands])
    z = z.reshape(len(cands), len(names) + 1)
    finite = np.abs(z[np.isfinite(z)])
    lim = float(min(max(3.0, finite.max() if finite.size else 3.0), 8.0))
    return matrix_figure(
        np.clip(z, -lim, lim),
        [f"{c.rank}. {c.model}" for c in cands],
        names + ["combined"],
        cmap="RdBu_r",
        vmin=-lim,
        vmax=lim,
        annotations=np.vectorize(
            lambda x: "" if not np.isfinite(x) else f"{x:.1f}", otypes=[object]
        )(z),
        annotate=True,
        colorbar_label="z: standard deviations above unrelated models",
        columns_on_top=True,
        cell=0.42,
        max_width=max_width,
    )

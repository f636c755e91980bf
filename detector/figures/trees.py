"""Tree figures: the dendrogram, the consensus cladogram and the MDS map.

Well-supported groups (support >= 0.9, :func:`~detector.tree.supported_groups`)
get one colour each, the same in all three figures, and a legend names them.
Support labels and model names are placed where they cover no branch, point
or other label (:mod:`detector.figures.placement`) and stay inside the frame.
"""

from __future__ import annotations

import textwrap
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tree import SUPPORTED, mds_coordinates, method_label, stress_words, supported_groups
from .base import INK, new_figure
from .placement import place_labels, segment_boxes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from ..consensus import ConsensusTree
    from ..tree import TreeResult

__all__ = ["dendrogram_figure", "consensus_figure", "group_colors", "mds_figure"]

_UNGROUPED = "0.25"


def group_colors(result: Any, threshold: float = SUPPORTED) -> dict[str, str]:
    """Model -> colour, one colour per maximal group with support >= ``threshold``.

    ``result`` is a :class:`~detector.tree.TreeResult` or a
    :class:`~detector.consensus.ConsensusTree`; groups are coloured in leaf
    order (tab10), models in no group get none.
    """
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    groups = sorted(
        supported_groups(result, threshold), key=lambda g: result.leaf_order.index(g[0])
    )
    colors = {}
    for k, g in enumerate(groups):
        for m in g:
            colors[m] = matplotlib.colors.to_hex(cmap(k % 10))
    return colors


def _wrap(text: str, width_in: float, size: float = 9) -> str:
    """Wrap a title to the figure's width (about 0.55 x the font size per character)."""
    chars = max(30, int(width_in * 72 / (0.55 * size)))
    return "\n".join(textwrap.wrap(text, chars))


def _legend(fig: Any, ax: Any, result: Any, colors: dict[str, str]) -> None:
    """One legend entry per coloured group: its support and size."""
    from matplotlib.lines import Line2D

    by_color: dict[str, list[str]] = {}
    for m in result.leaf_order:
        if m in colors:
            by_color.setdefault(colors[m], []).append(m)
    if not by_color:
        return
    handles, texts = [], []
    support = {tuple(sorted(c.members)): c.support for c in result.clades}
    for color, members in by_color.items():
        s = support.get(tuple(sorted(members)))
        what = f"support {s:.2f}" if s is not None else f"support >= {SUPPORTED}"
        handles.append(Line2D([], [], color=color, lw=3))
        texts.append(f"group of {len(members)} ({what})")
    handles.append(Line2D([], [], color=_UNGROUPED, lw=1.2))
    texts.append(f"not in a group with support >= {SUPPORTED}")
    fig.legend(
        handles,
        texts,
        loc="outside lower center",
        ncol=min(3, len(texts)),
        fontsize=6.5,
        frameon=False,
        title="branch and name colours",
        title_fontsize=6.5,
    )


def _draw_rectangular(
    ax: Any,
    leaves: list[str],
    nodes: list[tuple[list[int], float]],
    colors: dict[str, str],
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float, float, float]], np.ndarray]:
    """Draw a rectangular tree; return node x, node y, the segments drawn and each parent's x.

    ``nodes`` are internal nodes as (children, x) in an order where children
    come first; indices below ``len(leaves)`` are leaves (drawn at x = 0 and
    y = their position in ``leaves``), index ``len(leaves) + k`` is ``nodes[k]``.
    """
    n = len(leaves)
    x = np.zeros(n + len(nodes))
    y = np.zeros(n + len(nodes))
    y[:n] = np.arange(n)
    color: list[str | None] = [colors.get(m) for m in leaves]
    segments = []
    parent_x = np.full(n + len(nodes), np.nan)
    for k, (kids, height) in enumerate(nodes):
        node = n + k
        x[node] = height
        y[node] = float(np.mean([y[c] for c in kids]))
        shared = {color[c] for c in kids}
        color.append(shared.pop() if len(shared) == 1 else None)
        for c in kids:
            parent_x[c] = height
            ax.plot([x[c], x[node]], [y[c], y[c]], color=color[c] or _UNGROUPED, lw=1.1)
            segments.append((x[c], y[c], x[node], y[c]))
        low, high = min(y[c] for c in kids), max(y[c] for c in kids)
        ax.plot([x[node], x[node]], [low, high], color=color[node] or _UNGROUPED, lw=1.1)
        segments.append((x[node], low, x[node], high))
    return x, y, segments, parent_x


def _support_labels(
    fig: Any,
    ax: Any,
    points: list[tuple[float, float, float, float]],
    span: float,
    segments: list,
    size: float = 6.5,
) -> list[Any]:
    """Support labels at nodes (x, y, support, parent's x), placed clear of every branch.

    Tried in turn: on the branch leading to the node (above, then below it;
    at the node, then further along the branch), then beside the node.
    """
    pad = 0.012 * span
    items = []
    for px, py, support, up in sorted(points, key=lambda t: -t[2]):  # strong ones choose first
        strong = support >= SUPPORTED
        text = ax.text(
            px,
            py,
            f"{support:.2f}",
            fontsize=size,
            color="black" if strong else "0.45",
            fontweight="bold" if strong else "normal",
            zorder=4,
        )
        length = (up - px) if np.isfinite(up) else 0.0
        candidates = [
            (px + pad + frac * length, py + dy, "right", va)
            for frac in (0.0, 0.35, 0.7)
            for dy, va in ((-0.08, "bottom"), (0.08, "top"))
        ]
        candidates += [
            (px - pad, py, "left", "center"),
            (px - pad, py - 0.12, "left", "bottom"),
            (px - pad, py + 0.12, "left", "top"),
        ]
        items.append((text, candidates))
    place_labels(fig, ax, items, segment_boxes(ax, segments))
    return [t for t, _ in items]


def _leaf_axis(ax: Any, shown: list[str], leaves: list[str], colors: dict[str, str]) -> None:
    n = len(leaves)
    ax.set_ylim(n - 0.5, -0.5)
    ax.yaxis.tick_right()
    ax.set_yticks(range(n))
    ax.set_yticklabels(shown, fontsize=8 if n <= 30 else 6.5)
    for tick, m in zip(ax.get_yticklabels(), leaves, strict=True):
        tick.set_color(colors.get(m, "black"))
    ax.tick_params(axis="y", length=0)
    for side in ("top", "left", "right"):
        ax.spines[side].set_visible(False)


def dendrogram_figure(
    result: TreeResult,
    *,
    label_colors: dict[str, str] | None = None,
    leaf_labels: dict[str, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    width: float | None = None,
    legend: bool = True,
) -> Figure:
    """Dendrogram with the bootstrap support at every internal node.

    Root on the left, leaves on the right in ``result.leaf_order``. Support
    labels are bold when >= 0.9, grey below, and sit clear of the branches.
    Leaves (and the branches within each well-supported group) are coloured
    by ``label_colors`` (model -> colour; default :func:`group_colors`), and a
    legend says what the colours are. ``leaf_labels`` (model -> text)
    replaces the model names shown.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(result.models)
    z = result.linkage
    leaves = list(result.leaf_order)
    shown = [(leaf_labels or {}).get(m, m) for m in leaves]
    width = width or max(9.0, 5.5 + 0.075 * max(len(t) for t in shown))
    fig = new_figure(width, max(3.0, 0.24 * n + 1.5 + (0.4 if legend else 0)))
    ax = fig.add_subplot()
    colors = group_colors(result) if label_colors is None else dict(label_colors)
    pos = {m: k for k, m in enumerate(leaves)}
    to_leaf = {i: pos[m] for i, m in enumerate(result.models)}  # linkage index -> drawing index
    nodes = []
    for row, (a, b) in enumerate(z[:, :2].astype(int)):
        kids = [to_leaf[c] if c < n else c for c in (a, b)]
        nodes.append((kids, float(z[row, 2])))
    x, y, segments, parent_x = _draw_rectangular(ax, leaves, nodes, colors)
    span = float(z[:, 2].max()) if len(z) else 1.0
    span = span if span > 0 else 1.0
    ax.set_xlim(span * 1.04, -0.01 * span)
    _leaf_axis(ax, shown, leaves, colors)
    if legend:
        _legend(fig, ax, result, colors)
    ax.set_xlabel(
        xlabel
        or (
            "longest path from a node to its leaves, NJ branch lengths (SD of between-model "
            "affinity)"
            if result.method == "nj"
            else f"{result.method} distance between joined groups (SD of between-model affinity)"
        ),
        fontsize=8,
    )
    ax.tick_params(axis="x", labelsize=7.5)
    fig.suptitle(
        _wrap(
            title
            or f"{method_label(result.method)} of {n} models on {result.n_prompts} prompts; "
            f"node labels: bootstrap support ({result.n_bootstrap} prompt resamplings)",
            width,
        ),
        fontsize=9,
    )
    points = [
        (x[n + row], y[n + row], float(clade.support), parent_x[n + row])
        for row, clade in enumerate(result.clades)
        if clade.support is not None
    ]
    _support_labels(fig, ax, points, span, segments, 6.5 if n <= 30 else 5.5)
    return fig


def consensus_figure(
    consensus: ConsensusTree,
    *,
    label_colors: dict[str, str] | None = None,
    leaf_labels: dict[str, str] | None = None,
    title: str | None = None,
    width: float | None = None,
    legend: bool = True,
) -> Figure:
    """The majority-rule consensus tree as a cladogram with its supports.

    Nodes sit at their depth (levels of nested groups below), not at a
    distance: a consensus keeps groups, not branch lengths. A node with more
    than two branches is a group the bootstrap trees did not agree how to
    split.
    """
    leaves = list(consensus.leaf_order)
    n = len(leaves)
    shown = [(leaf_labels or {}).get(m, m) for m in leaves]
    width = width or max(9.0, 5.5 + 0.075 * max(len(t) for t in shown))
    fig = new_figure(width, max(3.0, 0.24 * n + 1.5 + (0.4 if legend else 0)))
    ax = fig.add_subplot()
    colors = group_colors(consensus) if label_colors is None else dict(label_colors)
    children = consensus.children()
    pos = {m: k for k, m in enumerate(leaves)}
    order = sorted((node for node in children if len(node) > 1), key=len)
    index: dict[tuple[str, ...], int] = {(m,): pos[m] for m in leaves}
    support = {tuple(sorted(c.members)): c.support for c in consensus.clades}
    nodes: list[tuple[list[int], float]] = []
    heights: dict[tuple[str, ...], float] = {}
    points = []
    for node in order:
        kids = children[node]
        heights[node] = 1 + max(heights.get(c, 0) for c in kids)
        index[node] = n + len(nodes)
        nodes.append(([index[c] for c in kids], float(heights[node])))
    x, y, segments, parent_x = _draw_rectangular(ax, leaves, nodes, colors)
    for node in order:
        s = support.get(node)
        if s is not None:
            k = index[node]
            points.append((x[k], y[k], float(s), parent_x[k]))
    span = float(max(heights.values(), default=1))
    ax.set_xlim(span * 1.04 + 0.15, -0.02 * span)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    _leaf_axis(ax, shown, leaves, colors)
    if legend:
        _legend(fig, ax, consensus, colors)
    fig.suptitle(
        _wrap(
            title
            or f"majority-rule consensus of {consensus.n_bootstrap} bootstrap trees "
            f"({method_label(consensus.method)}): groups found in more than half of them; "
            "node labels: that share",
            width,
        ),
        fontsize=9,
    )
    _support_labels(fig, ax, points, span, segments, 6.5 if n <= 30 else 5.5)
    return fig


def mds_figure(
    result: TreeResult,
    *,
    random_state: int = 0,
    label_colors: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    title: str | None = None,
    width: float = 9.0,
    height: float = 7.5,
    coordinates: Any = None,
) -> Figure:
    """2-D map of the models (metric MDS of the distances, fixed random state).

    Points are coloured like the dendrogram's leaves; every name is placed
    where it covers no point and no other name (with a leader line when it
    had to move away from its point); the title says in words how well the
    map keeps the distances (its stress-1, :func:`~detector.tree.stress_words`).

    Parameters
    ----------
    coordinates : pandas.DataFrame, optional
        :func:`~detector.tree.mds_coordinates` already computed (columns
        ``x``, ``y``; ``attrs["stress"]``).
    """
    from matplotlib.transforms import Bbox

    xy = mds_coordinates(result, random_state=random_state) if coordinates is None else coordinates
    stress = float(xy.attrs.get("stress", np.nan))
    colors = group_colors(result) if label_colors is None else dict(label_colors)
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    px, py = xy["x"].to_numpy(dtype=float), xy["y"].to_numpy(dtype=float)
    for m, a, b in zip(xy.index, px, py, strict=True):
        ax.scatter([a], [b], s=22, color=colors.get(m, "0.35"), zorder=3)
    span_x = float(np.ptp(px)) or 1.0
    span_y = float(np.ptp(py)) or 1.0
    ax.set_xlim(px.min() - 0.2 * span_x, px.max() + 0.2 * span_x)
    ax.set_ylim(py.min() - 0.12 * span_y, py.max() + 0.12 * span_y)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("0.8")
    ax.set_title(
        _wrap(
            title
            or f"Map of the distances (metric MDS). Stress-1 {stress:.2f}: "
            f"{stress_words(stress)}. Colours: groups with support >= {SUPPORTED}.",
            width,
        ),
        fontsize=8.5,
    )
    if colors:
        _legend(fig, ax, result, colors)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        fig.draw_without_rendering()
    points = []
    for a, b in ax.transData.transform(np.column_stack([px, py])):
        points.append(Bbox([[a - 3.5, b - 3.5], [a + 3.5, b + 3.5]]))
    directions = [(1, 0.4), (-1, 0.4), (1, -0.6), (-1, -0.6), (0, 1), (0, -1.2)]
    directions += [(1, 1), (-1, 1), (1, -1), (-1, -1)]
    items = []
    for m, a, b in zip(xy.index, px, py, strict=True):
        text = ax.annotate(
            (labels or {}).get(m, m),
            (a, b),
            xytext=(4, 2),
            textcoords="offset points",
            fontsize=6.5,
            color=colors.get(m, INK),
            zorder=4,
        )
        cands = []
        for r in (4, 10, 18, 28):
            for dx, dy in directions:
                ha = "left" if dx > 0 else "right" if dx < 0 else "center"
                va = "bottom" if dy > 0 else "top"
                cands.append((r * dx, r * dy, ha, va))
        items.append((text, cands))

    def move(text: Any, cand: Any) -> None:
        text.set_position(cand[:2])
        text.set_ha(cand[2])
        text.set_va(cand[3])

    chosen = place_labels(fig, ax, items, points, apply=move)
    for (text, cands), k in zip(items, chosen, strict=True):
        if abs(cands[k][0]) > 6 or abs(cands[k][1]) > 6:  # far from its point: draw a leader
            ax.annotate(
                "",
                xy=text.xy,
                xytext=cands[k][:2],
                textcoords="offset points",
                arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.5, "shrinkA": 0},
            )
    return fig

"""Every figure the CLI, the report and the notebook share.

One place draws each plot, so a figure looks the same wherever it appears:

- :func:`matrix_figure`: any annotated matrix; drawn by it are the distance
  :func:`heatmap_figure`, the attribution :func:`confusion_figure` and the
  per-channel :func:`channels_figure`;
- trees: :func:`dendrogram_figure` (lineage tree with supports),
  :func:`consensus_figure` (majority-rule consensus), :func:`mds_figure`
  (2-D map of the distances);
- charts: :func:`lengths_figure` (answer lengths), :func:`scores_figure`
  (candidate scores with intervals), :func:`shift_figure` (how far the
  suspect moved toward each candidate from its baseline);
- :func:`save_figure` and :func:`figure_bytes` write PNG, SVG or PDF.

Result modules never import matplotlib; this package does, lazily (importing
it costs nothing until a figure is drawn).
"""

from __future__ import annotations

from .base import figure_bytes, new_figure, save_figure
from .charts import lengths_figure, scores_figure
from .matrix import (
    DISTANCE_CMAP,
    DISTANCE_COLOURS,
    channels_figure,
    confusion_figure,
    heatmap_figure,
    matrix_figure,
)
from .shift import shift_figure
from .trees import consensus_figure, dendrogram_figure, group_colors, mds_figure

__all__ = [
    "DISTANCE_CMAP",
    "DISTANCE_COLOURS",
    "channels_figure",
    "confusion_figure",
    "consensus_figure",
    "dendrogram_figure",
    "figure_bytes",
    "group_colors",
    "heatmap_figure",
    "lengths_figure",
    "matrix_figure",
    "mds_figure",
    "new_figure",
    "save_figure",
    "scores_figure",
    "shift_figure",
]

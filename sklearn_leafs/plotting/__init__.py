"""Plots of LEAF tables, compositions and models (matplotlib).

Every function takes an optional ``ax`` and returns the Axes it drew on; none
calls ``plt.show()``. matplotlib is imported only when a plot is drawn.
"""

from ._composition_map import plot_composition_map
from ._confusion import plot_confusion
from ._element_map import plot_element_map
from ._motif_importances import plot_motif_importances
from ._similarity_heatmap import plot_similarity_heatmap

__all__ = [
    "plot_composition_map",
    "plot_confusion",
    "plot_element_map",
    "plot_motif_importances",
    "plot_similarity_heatmap",
]

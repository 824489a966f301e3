"""Two-dimensional map of the elements in LEAF space (Fig. 2a of the paper)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._common import (
    _CATEGORY_ORDER,
    _category_colors,
    _element_info,
    _embed_2d,
    _finite_rows,
    _get_ax,
    _table_frame,
)


@validate_params(
    {
        "table": [object],
        "method": [StrOptions({"tsne", "pca"})],
        "color_by": [StrOptions({"group", "block", "family"})],
        "perplexity": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "annotate": ["boolean"],
        "legend": ["boolean"],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_element_map(
    table,
    method="tsne",
    color_by="group",
    *,
    perplexity=30.0,
    random_state=None,
    annotate=True,
    legend=True,
    ax=None,
):
    """Plot the elements of a LEAF table on a 2-D t-SNE or PCA map.

    This is Fig. 2a of Vasylenko et al. (2024): each element is a point at
    the 2-D projection of its LEAF vector, labelled by its symbol, coloured
    by its periodic group (or block, or family) and sized by atomic number.
    Elements whose local environments are alike land close together.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        The element x feature table, or anything
        :func:`sklearn_leafs.tables.get_table` accepts (for example
        ``"default"`` or ``"vasylenko2024"``). Elements with missing values
        are left out with a warning.
    method : {"tsne", "pca"}, default="tsne"
        The 2-D projection: :class:`sklearn.manifold.TSNE` (initialised with
        PCA) or :class:`sklearn.decomposition.PCA`.
    color_by : {"group", "block", "family"}, default="group"
        What the colours show: the periodic group (1-18, with lanthanoids
        ``Ln`` and actinoids ``An`` apart), the block (s, p, d, f) or the
        chemical family (alkali metal, halogen, ...).
    perplexity : float, default=30.0
        t-SNE perplexity, capped at the number of elements minus one.
    random_state : int, RandomState instance or None, default=None
        Seed of the projection; fix it for a reproducible map.
    annotate : bool, default=True
        Write each element's symbol at its point.
    legend : bool, default=True
        Draw a legend of the colour categories.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with one scatter collection (one point per element, in the
        order of the table) and one text label per element.

    See Also
    --------
    plot_composition_map : The same map for compositions.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from sklearn_leafs.plotting import plot_element_map
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame(rng.random((6, 4)),
    ...                      index=["Li", "Na", "K", "F", "Cl", "Br"])
    >>> ax = plot_element_map(table, method="pca", random_state=0)
    >>> len(ax.collections[0].get_offsets()), ax.texts[0].get_text()
    (6, 'Li')
    """
    frame = _finite_rows(_table_frame(table))
    symbols = [str(s) for s in frame.index]
    info = [_element_info(s) for s in symbols]
    xy = _embed_2d(
        frame.to_numpy(dtype=float),
        method,
        perplexity=perplexity,
        random_state=random_state,
    )
    categories = [i[color_by] for i in info]
    colors = _category_colors(categories, _CATEGORY_ORDER[color_by])
    z = np.array([i["Z"] for i in info], dtype=float)
    sizes = 20.0 + 2.0 * z

    ax = _get_ax(ax)
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=sizes,
        c=[colors[c] for c in categories],
        alpha=0.75,
        edgecolors="none",
    )
    if annotate:
        for (x, y), sym in zip(xy, symbols):
            ax.text(x, y, sym, ha="center", va="center", fontsize=7)
    if legend:
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], marker="o", ls="", color=col, label=cat)
            for cat, col in colors.items()
        ]
        ax.legend(
            handles=handles,
            title=color_by,
            fontsize="x-small",
            title_fontsize="small",
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            ncol=2 if len(handles) > 10 else 1,
        )
    label = "t-SNE" if method == "tsne" else "PC"
    ax.set_xlabel(f"{label} 1")
    ax.set_ylabel(f"{label} 2")
    ax.set_title("Elements in LEAF space")
    return ax

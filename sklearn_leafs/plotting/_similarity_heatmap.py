"""Element-element similarity heat map (Fig. S5 of the paper)."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from ._common import _element_info, _finite_rows, _get_ax, _table_frame


@validate_params(
    {
        "table": [object],
        "metric": [StrOptions({"cosine", "pearson"})],
        "standardize": ["boolean"],
        "elements": ["array-like", None],
        "cmap": [str, object],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_similarity_heatmap(
    table,
    metric="cosine",
    *,
    standardize=False,
    elements=None,
    cmap="RdBu_r",
    ax=None,
):
    """Plot the element-element similarity matrix of a LEAF table.

    This is Fig. S5 of Vasylenko et al. (2024). Rows and columns are
    elements ordered by atomic number; each cell is the similarity of two
    elements' LEAF vectors, as computed by
    :func:`sklearn_leafs.similarity.element_similarity`.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        The element x feature table, or anything
        :func:`sklearn_leafs.tables.get_table` accepts.
    metric : {"cosine", "pearson"}, default="cosine"
        ``"cosine"`` is the cosine of the angle between two vectors;
        ``"pearson"`` is their Pearson correlation coefficient.
    standardize : bool, default=False
        Standardise each feature to zero mean and unit variance over all
        elements of the table before comparing (the setting of the paper's
        Table 1 substitution model).
    elements : array-like of str, default=None
        Elements to show (after standardisation over the whole table);
        all elements with complete values when None. They are always drawn in
        order of atomic number.
    cmap : str or Colormap, default="RdBu_r"
        Colour map of the cells, centred on zero.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with one image of shape (n_elements, n_elements) whose
        tick labels are the element symbols.

    Raises
    ------
    ValueError
        If an element of ``elements`` is not in the table.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_leafs.plotting import plot_similarity_heatmap
    >>> table = pd.DataFrame([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
    ...                      index=["O", "H", "Li"])
    >>> ax = plot_similarity_heatmap(table)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['H', 'Li', 'O']
    >>> round(float(ax.images[0].get_array()[0, 1]), 4)  # cos(H, Li)
    0.7071
    """
    from sklearn_leafs.similarity import element_similarity

    frame = _finite_rows(_table_frame(table))
    if elements is not None:
        elements = [str(e) for e in elements]
        missing = [e for e in elements if e not in frame.index]
        if missing:
            raise ValueError(f"element(s) not in the table: {', '.join(missing)}")
    shown = list(frame.index) if elements is None else elements
    order = sorted(shown, key=lambda s: _element_info(str(s))["Z"])
    sim = element_similarity(
        frame, metric=metric, standardize=standardize, elements=order
    ).to_numpy()

    ax = _get_ax(ax)
    image = ax.imshow(sim, cmap=cmap, vmin=-1.0, vmax=1.0, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=f"{metric} similarity", shrink=0.8)
    n = len(order)
    fontsize = 8 if n <= 30 else max(3.0, 8 - n / 20)
    ax.set_xticks(np.arange(n), labels=[str(s) for s in order], rotation=90)
    ax.set_yticks(np.arange(n), labels=[str(s) for s in order])
    ax.tick_params(labelsize=fontsize, length=0)
    ax.set_xlabel("element (by atomic number)")
    ax.set_ylabel("element (by atomic number)")
    ax.set_title(f"Element similarity ({metric})")
    return ax

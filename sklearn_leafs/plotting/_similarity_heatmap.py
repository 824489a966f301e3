"""Element-element similarity heat map (Fig. S5 of the paper)."""

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from .._citations import cite
from ..substitution import MODEL_CONSTRAINTS, SubstitutionModel
from ._common import _element_info, _finite_rows, _get_ax, _table_frame


def _periodic_key(symbol):
    """Sort key of the periodic-table ordering: by group, then by period.

    Groups 1 and 2, then the lanthanoids and actinoids (``f``), then groups
    3 to 18, each from top to bottom.
    """
    info = _element_info(symbol)
    group = info["group"]
    column = {"Ln": 2.5, "An": 2.6}.get(group)
    if column is None:
        column = float(group)
    return (column, info["Z"])


def _column_label(symbol):
    group = _element_info(symbol)["group"]
    return "f" if group in ("Ln", "An") else group


@cite
@validate_params(
    {
        "table": [object],
        "metric": MODEL_CONSTRAINTS["metric"],
        "standardize": MODEL_CONSTRAINTS["standardize"],
        "elements": ["array-like", None],
        "order": [StrOptions({"periodic", "atomic_number"})],
        "vlim": [tuple, list, None],
        "cmap": [str, object],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_similarity_heatmap(
    table,
    metric="cosine",
    *,
    standardize=True,
    elements=None,
    order="periodic",
    vlim=None,
    cmap="RdBu_r",
    ax=None,
):
    """Plot the element-element similarity matrix of a LEAF table.

    This is Fig. S5 of Vasylenko et al. (2024). Each cell is the similarity
    of two elements' rows, as computed by
    :meth:`sklearn_leafs.substitution.SubstitutionModel.similarity`. By default every
    feature is standardised over the table first (raw LEAF vectors are all
    non-negative, so their cosines sit between 0.5 and 1 for almost every
    pair), the colour scale spans the off-diagonal values, and the elements
    are drawn in periodic-table order with a line between periodic groups.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        The element x feature table, or anything
        :func:`sklearn_leafs.tables.get_table` accepts.
    metric : {"cosine", "pearson"}, default="cosine"
        ``"cosine"`` is the cosine of the angle between two vectors;
        ``"pearson"`` is their Pearson correlation coefficient.
    standardize : bool, default=True
        Standardise each feature to zero mean and unit variance over all
        elements of the table before comparing (the setting of the paper's
        Table 1 substitution model).
    elements : array-like of str, default=None
        Elements to show (after standardisation over the whole table); all
        elements with complete values when None. Pass a few dozen for a
        figure whose symbols stay legible at journal size.
    order : {"periodic", "atomic_number"}, default="periodic"
        ``"periodic"``: by periodic group (1, 2, lanthanoids and actinoids as
        ``f``, 3-18), each from top to bottom, with separators between
        groups and the group written on the top axis; ``"atomic_number"``:
        by Z.
    vlim : (float, float) or None, default=None
        Limits of the colour scale; None fits them to the off-diagonal
        values (a diverging scale centred on 0 when they straddle it).
    cmap : str or Colormap, default="RdBu_r"
        Colour map of the cells.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure (constrained layout, sized so that the
        symbols are at least 6 pt) is created when None.

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
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from sklearn_leafs.plotting import plot_similarity_heatmap
    >>> table = pd.DataFrame([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
    ...                      index=["O", "H", "Li"])
    >>> ax = plot_similarity_heatmap(table, standardize=False)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['H', 'Li', 'O']
    >>> round(float(ax.images[0].get_array()[0, 1]), 4)  # cos(H, Li)
    0.7071
    """
    from matplotlib.colors import Normalize, TwoSlopeNorm

    frame = _finite_rows(_table_frame(table))
    if elements is not None:
        elements = [str(e) for e in elements]
        missing = [e for e in elements if e not in frame.index]
        if missing:
            raise ValueError(f"element(s) not in the table: {', '.join(missing)}")
    shown = [str(s) for s in (frame.index if elements is None else elements)]
    if order == "periodic":
        shown = sorted(shown, key=_periodic_key)
    else:
        shown = sorted(shown, key=lambda s: _element_info(s)["Z"])
    model = SubstitutionModel(frame, metric=metric, standardize=standardize)
    sim = model.similarity(shown).to_numpy()

    n = len(shown)
    ax = _get_ax(ax, figsize=(min(12.0, max(4.0, 1.8 + 0.11 * n)),) * 2)
    if vlim is None:
        off = sim[~np.eye(n, dtype=bool)] if n > 1 else sim.ravel()
        lo, hi = float(off.min()), float(off.max())
        if lo == hi:
            lo, hi = lo - 1e-3, hi + 1e-3
    else:
        lo, hi = (float(v) for v in vlim)
    norm = TwoSlopeNorm(0.0, lo, hi) if lo < 0 < hi else Normalize(lo, hi)
    image = ax.imshow(sim, cmap=cmap, norm=norm, interpolation="nearest")
    kind = "standardised " if standardize else ""
    ax.figure.colorbar(image, ax=ax, label=f"{kind}{metric} similarity", shrink=0.8)

    engine = ax.figure.get_layout_engine()
    if engine is not None:  # settle the axes size before sizing the symbols
        engine.execute(ax.figure)
    height_in = ax.get_position().height * ax.figure.get_figheight()
    # symbols of 0.9 x the cell pitch, between 4 and 9 pt
    fontsize = float(np.clip(0.9 * 72 * height_in / max(n, 1), 4.0, 9.0))
    ax.set_xticks(np.arange(n), labels=shown, rotation=90)
    ax.set_yticks(np.arange(n), labels=shown)
    ax.tick_params(labelsize=fontsize, length=0)
    if order == "periodic":
        columns = [_column_label(s) for s in shown]
        starts = [i for i in range(n) if i == 0 or columns[i] != columns[i - 1]]
        for i in starts[1:]:
            ax.axhline(i - 0.5, color="k", lw=0.6)
            ax.axvline(i - 0.5, color="k", lw=0.6)
        top = ax.secondary_xaxis("top")
        ends = starts[1:] + [n]
        pitch = 72 * height_in / max(n, 1)  # points per cell
        # name a group only where its span has room for the name
        named = [
            (a, b)
            for a, b in zip(starts, ends)
            if (b - a) * pitch >= 0.65 * fontsize * len(columns[a]) + 1
        ]
        top.set_xticks(
            [(a + b - 1) / 2 for a, b in named],
            labels=[columns[a] for a, _ in named],
        )
        top.tick_params(labelsize=fontsize, length=0)
        top.set_xlabel("periodic group", fontsize="small")
        ax.set_xlabel("element (by periodic group, then period)")
        ax.set_ylabel("element (by periodic group, then period)")
    else:
        ax.set_xlabel("element (by atomic number)")
        ax.set_ylabel("element (by atomic number)")
    ax.set_title(f"Element similarity ({kind}{metric})")
    return ax

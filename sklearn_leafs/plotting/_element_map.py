"""Two-dimensional map of the elements in LEAF space (Fig. 2a of the paper)."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._citations import cite
from ._common import (
    _CATEGORY_ORDER,
    _category_colors,
    _element_info,
    _embed_2d,
    _finite_rows,
    _get_ax,
    _table_frame,
)

#: Marker of each block when colouring by group: within a block at most ten
#: groups share a marker, so that tab10 gives each of them its own colour.
_BLOCK_MARKERS = {"s": "o", "p": "^", "d": "s", "f": "D"}
#: First tab10 colour of each block's groups (s: 0-1, p: 2-7, d: 0-9, f: 8-9),
#: so that groups of different blocks rarely share a colour as well.
_BLOCK_FIRST_COLOUR = {"s": 0, "p": 2, "d": 0, "f": 8}


def _group_styles(info):
    """(colour, marker) per group: markers by block, tab10 within a block."""
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    styles = {}
    for group in _CATEGORY_ORDER["group"]:
        members = [i for i in info if i["group"] == group]
        if not members:
            continue
        blocks = [i["block"] for i in members]  # He is s-block, group 18 is p
        block = "f" if group in ("Ln", "An") else max(set(blocks), key=blocks.count)
        n_in_block = sum(1 for g in styles.values() if g[2] == block)
        colour = cmap((_BLOCK_FIRST_COLOUR[block] + n_in_block) % 10)
        styles[group] = (colour, _BLOCK_MARKERS[block], block)
    return {g: (c, m) for g, (c, m, _) in styles.items()}


def _marker_path(marker):
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def _label_offsets(ax, xy, symbols, fontsize, n_iter=1000):
    """Offsets (points) that push overlapping labels apart.

    Labels start on their points; pairs whose boxes overlap in the current
    axes scale are pushed apart along the line joining them. The offsets are
    in points, so they survive later layout changes.
    """
    fig = ax.figure
    bbox = ax.get_position()
    width_pt = bbox.width * fig.get_figwidth() * 72
    height_pt = bbox.height * fig.get_figheight() * 72
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    base = np.column_stack(
        [
            (xy[:, 0] - x0) / ((x1 - x0) or 1.0) * width_pt,
            (xy[:, 1] - y0) / ((y1 - y0) or 1.0) * height_pt,
        ]
    )
    half_w = np.array([0.32 * fontsize * len(s) + 1.0 for s in symbols])
    half_h = 0.55 * fontsize + 0.5
    offset = np.zeros_like(base)
    rng = np.random.default_rng(0)
    for _ in range(n_iter):
        pos = base + offset
        dx = pos[:, None, 0] - pos[None, :, 0]
        dy = pos[:, None, 1] - pos[None, :, 1]
        overlap_x = half_w[:, None] + half_w[None, :] - np.abs(dx)
        overlap_y = 2 * half_h - np.abs(dy)
        clash = (overlap_x > 0) & (overlap_y > 0)
        np.fill_diagonal(clash, False)
        if not clash.any():
            break
        # push each clashing pair apart along the line joining the labels,
        # by their smaller overlap (ties broken by a small jitter)
        jx = dx + rng.uniform(-0.5, 0.5, dx.shape)
        jy = dy + rng.uniform(-0.5, 0.5, dy.shape)
        norm = np.hypot(jx, jy)
        depth = np.where(clash, np.minimum(overlap_x, overlap_y) + 1.0, 0.0)
        push = np.column_stack(
            [(depth * jx / norm).sum(axis=1), (depth * jy / norm).sum(axis=1)]
        )
        offset += 0.5 * push
    return offset


@cite
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
    color_by="family",
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
    by its chemical family (or periodic group, or block) and sized by atomic
    number (a second legend gives the scale). Elements whose local
    environments are alike land close together. Overlapping symbols are
    pushed apart.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        The element x feature table, or anything
        :func:`sklearn_leafs.tables.get_table` accepts (for example
        ``"vasylenko2024"`` or ``"open"``). Elements with missing values
        are left out with a warning.
    method : {"tsne", "pca"}, default="tsne"
        The 2-D projection: :class:`sklearn.manifold.TSNE` (initialised with
        PCA) or :class:`sklearn.decomposition.PCA`.
    color_by : {"family", "group", "block"}, default="family"
        What the colours show: the chemical family (alkali metal, halogen,
        ...; ten categories, ten distinct colours), the periodic group (1-18,
        lanthanoids ``Ln`` and actinoids ``An``; the marker shows the block
        and the colour the group within it, so no two groups look alike) or
        the block (s, p, d, f).
    perplexity : float, default=30.0
        t-SNE perplexity, capped at the number of elements minus one.
    random_state : int, RandomState instance or None, default=None
        Seed of the projection; fix it for a reproducible map.
    annotate : bool, default=True
        Write each element's symbol next to its point.
    legend : bool, default=True
        Draw legends of the colour categories and of the point sizes.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure (constrained layout) is created when
        None.

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
    .. [1] {cite:vasylenko2024}.

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
    if color_by == "group":
        styles = _group_styles(info)
    else:
        colors = _category_colors(categories, _CATEGORY_ORDER[color_by])
        styles = {cat: (col, "o") for cat, col in colors.items()}
    z = np.array([i["Z"] for i in info], dtype=float)
    sizes = 20.0 + 2.0 * z

    ax = _get_ax(ax, figsize=(7.0, 5.0))
    points = ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=sizes,
        c=[styles[c][0] for c in categories],
        alpha=0.75,
        edgecolors="none",
    )
    points.set_paths([_marker_path(styles[c][1]) for c in categories])
    ax.margins(0.08)
    if legend:
        from matplotlib.lines import Line2D

        # one legend (colours, then the size scale), so that constrained
        # layout makes room for all of it
        handles = [
            Line2D([], [], marker=mk, ls="", color=col, label=cat)
            for cat, (col, mk) in styles.items()
        ]
        handles.append(Line2D([], [], ls="", label="point size"))
        handles += [
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                color="0.5",
                markersize=np.sqrt(20.0 + 2.0 * zz),
                label=f"Z = {zz}",
            )
            for zz in (10, 50, 90)
        ]
        ax.legend(
            handles=handles,
            title=color_by,
            fontsize="x-small",
            title_fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            ncol=2 if len(handles) > 16 else 1,
            labelspacing=0.8,
        )
    label = "t-SNE" if method == "tsne" else "PC"
    ax.set_xlabel(f"{label} 1")
    ax.set_ylabel(f"{label} 2")
    ax.set_title("Elements in LEAF space")
    if annotate:
        fontsize = 7.0
        ax.autoscale_view()
        engine = ax.figure.get_layout_engine()
        if engine is not None:  # settle the axes size before measuring
            engine.execute(ax.figure)
        offsets = _label_offsets(ax, xy, symbols, fontsize)
        for (x, y), (dx, dy), sym in zip(xy, offsets, symbols):
            ax.annotate(
                sym,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=fontsize,
                arrowprops=(
                    {"arrowstyle": "-", "lw": 0.4, "color": "0.4", "shrinkA": 0}
                    if np.hypot(dx, dy) > 6
                    else None
                ),
            )
    return ax

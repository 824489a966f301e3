"""Two-dimensional map of compositions in LEAF space (Fig. 2b of the paper)."""

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._citations import cite
from ..featurizers import ElementFeaturizer
from ._common import _category_colors, _embed_2d, _get_ax


def _composition_features(formulas, table):
    """Fraction-weighted mean LEAF vector of each composition (Eq. 2)."""
    return np.asarray(ElementFeaturizer(table=table).fit_transform(formulas), float)


@cite
@validate_params(
    {
        "formulas": ["array-like"],
        "labels": ["array-like"],
        "table": [object],
        "method": [StrOptions({"tsne", "pca"})],
        "perplexity": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "annotate": ["boolean"],
        "max_categories": [Interval(Real, 1, None, closed="left")],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_composition_map(
    formulas,
    labels,
    table="vasylenko2024",
    *,
    method="tsne",
    perplexity=30.0,
    random_state=None,
    annotate=False,
    max_categories=20,
    ax=None,
):
    """Plot compositions on a 2-D t-SNE or PCA map of their LEAF vectors.

    This is Fig. 2b of Vasylenko et al. (2024). Each composition becomes
    the fraction-weighted mean of its elements' LEAFs (Eq. 2, as computed by
    :class:`~sklearn_leafs.ElementFeaturizer`), the vectors are projected to
    2-D and each point is coloured by its label, for example the structure
    type or the space group of the compound.

    Parameters
    ----------
    formulas : array-like of str or pymatgen Composition of shape (n_samples,)
        The compositions.
    labels : array-like of shape (n_samples,)
        One label per composition. Categorical labels (strings, or integers
        with at most ``max_categories`` distinct values) get a legend;
        numeric labels with more distinct values get a colour bar.
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        The LEAF table used to featurize the compositions.
    method : {"tsne", "pca"}, default="tsne"
        The 2-D projection.
    perplexity : float, default=30.0
        t-SNE perplexity, capped at the number of compositions minus one.
    random_state : int, RandomState instance or None, default=None
        Seed of the projection.
    annotate : bool, default=False
        Write each formula at its point (useful for small sets).
    max_categories : int, default=20
        Numeric labels with more distinct values than this are drawn with a
        continuous colour map.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with one scatter collection holding one point per
        composition, in input order.

    Raises
    ------
    ValueError
        If ``formulas`` and ``labels`` differ in length, or a formula cannot
        be featurized (the error names it).

    See Also
    --------
    plot_element_map : The same map for the elements themselves.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from sklearn_leafs.plotting import plot_composition_map
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame(rng.random((4, 3)), index=["Na", "K", "Cl", "Br"])
    >>> formulas = ["NaCl", "KCl", "NaBr", "KBr"]
    >>> ax = plot_composition_map(formulas, ["a", "a", "b", "b"], table,
    ...                           method="pca", random_state=0)
    >>> len(ax.collections[0].get_offsets())
    4
    """
    formulas = list(
        formulas.iloc[:, 0] if isinstance(formulas, pd.DataFrame) else formulas
    )
    labels = np.asarray(labels).ravel()
    if len(formulas) != len(labels):
        raise ValueError(
            f"formulas and labels must have the same length; got {len(formulas)} "
            f"formulas and {len(labels)} labels"
        )
    features = _composition_features(formulas, table)
    xy = _embed_2d(features, method, perplexity=perplexity, random_state=random_state)

    ax = _get_ax(ax)
    numeric = np.issubdtype(labels.dtype, np.number)
    if numeric and len(np.unique(labels)) > max_categories:
        points = ax.scatter(xy[:, 0], xy[:, 1], c=labels.astype(float), s=18)
        ax.figure.colorbar(points, ax=ax, label="label")
    else:
        categories = [str(lab) for lab in labels]
        colors = _category_colors(categories, sorted(set(categories)))
        ax.scatter(
            xy[:, 0], xy[:, 1], c=[colors[c] for c in categories], s=18, alpha=0.8
        )
        from matplotlib.lines import Line2D

        handles = [
            Line2D([], [], marker="o", ls="", color=col, label=cat)
            for cat, col in colors.items()
        ]
        ax.legend(handles=handles, fontsize="small", loc="best")
    if annotate:
        for (x, y), formula in zip(xy, formulas):
            ax.text(x, y, str(formula), fontsize=7, ha="left", va="bottom")
    label = "t-SNE" if method == "tsne" else "PC"
    ax.set_xlabel(f"{label} 1")
    ax.set_ylabel(f"{label} 2")
    ax.set_title("Compositions in LEAF space")
    return ax

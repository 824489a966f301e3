"""Small helpers shared by the plotting functions."""

from functools import lru_cache

import numpy as np

from ..tables import get_table


def _get_ax(ax, figsize=None):
    """Return ``ax``, or a fresh Axes on a new figure when ``ax`` is None.

    New figures use constrained layout, so that ``savefig`` with default
    settings keeps tick labels, legends and colour bars inside the figure.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _table_frame(table):
    """Resolve a table-like object into an element x feature DataFrame."""

    return get_table(table).frame


def _finite_rows(frame, what="table"):
    """Drop rows with NaN or inf values, warning about each dropped element."""
    import warnings

    values = frame.to_numpy(dtype=float)
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        bad = list(frame.index[~finite])
        warnings.warn(
            f"{len(bad)} element(s) of the {what} have missing values and are "
            f"not plotted: {', '.join(map(str, bad))}",
            UserWarning,
            stacklevel=3,
        )
    return frame.loc[finite]


@lru_cache(maxsize=256)
def _element_info(symbol):
    """Atomic number, periodic group label, block and family of an element."""
    from pymatgen.core import Element

    try:
        el = Element(symbol)
    except ValueError:
        raise ValueError(f"{symbol!r} is not a chemical element") from None
    if el.is_lanthanoid:
        group, family = "Ln", "lanthanoid"
    elif el.is_actinoid:
        group, family = "An", "actinoid"
    else:
        group = str(el.group)
        if el.is_alkali:
            family = "alkali metal"
        elif el.is_alkaline:
            family = "alkaline earth metal"
        elif el.is_transition_metal:
            family = "transition metal"
        elif el.is_post_transition_metal:
            family = "post-transition metal"
        elif el.is_metalloid:
            family = "metalloid"
        elif el.group == 17:
            family = "halogen"
        elif el.group == 18:
            family = "noble gas"
        else:
            family = "nonmetal"
    return {"Z": int(el.Z), "group": group, "block": el.block, "family": family}


#: Order in which categories appear in legends.
_CATEGORY_ORDER = {
    "group": [str(g) for g in range(1, 19)] + ["Ln", "An"],
    "block": ["s", "p", "d", "f"],
    "family": [
        "alkali metal",
        "alkaline earth metal",
        "transition metal",
        "lanthanoid",
        "actinoid",
        "post-transition metal",
        "metalloid",
        "nonmetal",
        "halogen",
        "noble gas",
    ],
}


def _category_colors(categories, order=None):
    """Map each distinct category to a colour of a qualitative colormap."""
    import matplotlib

    seen = list(dict.fromkeys(categories))
    if order is not None:
        seen = [c for c in order if c in seen] + [c for c in seen if c not in order]
    if len(seen) <= 10:
        cmap = matplotlib.colormaps["tab10"]
        return {cat: cmap(i) for i, cat in enumerate(seen)}
    # tab20 holds ten hues in dark/light pairs: give the first ten categories
    # the dark shades and the rest the light ones, so that neighbours (e.g.
    # periodic groups 1 and 2) never share a hue
    cmap = matplotlib.colormaps["tab20"]
    return {cat: cmap((2 * i) % 20 + (i // 10) % 2) for i, cat in enumerate(seen)}


def _embed_2d(values, method, *, perplexity=30.0, random_state=None):
    """Project rows of ``values`` to two dimensions with t-SNE or PCA."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = values.shape[0]
    if n < 3:
        raise ValueError(f"at least 3 rows are needed for a 2-D map; got {n}")
    if method == "pca":
        return PCA(n_components=2, random_state=random_state).fit_transform(values)
    if method == "tsne":
        return TSNE(
            n_components=2,
            perplexity=min(float(perplexity), n - 1.0),
            init="pca",
            random_state=random_state,
        ).fit_transform(values)
    raise ValueError(f"method must be 'tsne' or 'pca'; got {method!r}")

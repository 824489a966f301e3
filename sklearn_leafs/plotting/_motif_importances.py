"""Bar chart of motif feature importances (Fig. 3a of the paper)."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from .._citations import cite
from ..chemistry import MOTIF_LABELS
from ._common import _get_ax


def _importances_and_names(estimator_or_importances, feature_names):
    """Extract 1-D importances, their spread (or None) and feature names."""
    obj = estimator_or_importances
    names = None
    spread = None
    if hasattr(obj, "fit"):
        final = obj
        if hasattr(obj, "steps"):  # Pipeline: names come from the preprocessing
            final = obj.steps[-1][1]
            if feature_names is None and len(obj.steps) > 1:
                try:
                    names = list(obj[:-1].get_feature_names_out())
                except (AttributeError, ValueError, TypeError):
                    names = None
        if hasattr(final, "feature_importances_"):
            values = np.asarray(final.feature_importances_, dtype=float)
            trees = getattr(final, "estimators_", None)
            if trees is not None:
                per_tree = [
                    t.feature_importances_
                    for t in np.ravel(np.asarray(trees, dtype=object))
                    if hasattr(t, "feature_importances_")
                ]
                if len(per_tree) > 1:
                    spread = np.std(np.asarray(per_tree, dtype=float), axis=0)
        elif hasattr(final, "coef_"):
            coef = np.atleast_2d(np.asarray(final.coef_, dtype=float))
            values = np.abs(coef).mean(axis=0)
        else:
            raise ValueError(
                f"{type(final).__name__} has neither feature_importances_ nor "
                "coef_; fit it first or pass the importances directly"
            )
        if names is None and hasattr(final, "feature_names_in_"):
            names = list(final.feature_names_in_)
    elif hasattr(obj, "importances_mean"):  # sklearn.inspection result
        values = np.asarray(obj.importances_mean, dtype=float)
        if hasattr(obj, "importances_std"):
            spread = np.asarray(obj.importances_std, dtype=float)
    else:
        values = np.asarray(obj, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"importances must be 1-D; got shape {values.shape}")
    if feature_names is not None:
        names = [str(n) for n in feature_names]
    if names is None:
        if len(values) == len(MOTIF_LABELS):
            names = list(MOTIF_LABELS)
        else:
            names = [f"x{i}" for i in range(len(values))]
    if len(names) != len(values):
        raise ValueError(
            f"got {len(names)} feature names for {len(values)} importances"
        )
    if not np.isfinite(values).all():
        bad = [n for n, v in zip(names, values) if not np.isfinite(v)]
        raise ValueError(f"importances are not finite for: {', '.join(bad)}")
    return values, spread, names


def _is_motif(name):
    """Whether a feature name is a motif (``"Li|octahedral CN_6"`` counts)."""
    return name.rsplit("|", 1)[-1] in set(MOTIF_LABELS)


@cite
@validate_params(
    {
        "estimator_or_importances": [object],
        "feature_names": ["array-like", None],
        "top": [Interval(Integral, 1, None, closed="left"), None],
        "uniform_line": ["boolean"],
        "error_bars": ["boolean"],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_motif_importances(
    estimator_or_importances,
    feature_names=None,
    *,
    top=15,
    uniform_line=True,
    error_bars=True,
    ax=None,
):
    """Plot the largest feature importances as horizontal bars.

    This is Fig. 3a of Vasylenko et al. (2024). Because every LEAF feature is
    a coordination motif (``"octahedral CN_6"``, or ``"Li|tetrahedral CN_4"``
    for the Li-cation featurizer), the bars say which local environments drive
    a model. A dashed vertical line marks the importance every feature would
    have if all contributed equally (the sum of importances divided by the
    number of features). Error bars show the spread where it is known: the
    standard deviation over the trees of a forest, or over the repeats of a
    permutation importance. The title says "Motif importances" when every
    shown feature is a coordination motif and "Feature importances"
    otherwise.

    Parameters
    ----------
    estimator_or_importances : estimator or array-like of shape (n_features,)
        A fitted estimator with ``feature_importances_`` (tree ensembles) or
        ``coef_`` (linear models; the mean absolute coefficient over classes
        is used), a fitted :class:`~sklearn.pipeline.Pipeline` ending in one,
        the result of :func:`sklearn.inspection.permutation_importance`
        (its ``importances_mean``), or the importances themselves.
    feature_names : array-like of str, default=None
        Names of the features. When None they are taken from the pipeline's
        ``get_feature_names_out``, the estimator's ``feature_names_in_``, the
        37 motif labels when there are 37 features, or ``x0, x1, ...``.
    top : int or None, default=15
        Number of largest importances to show; all when None.
    uniform_line : bool, default=True
        Draw the uniform-contribution line.
    error_bars : bool, default=True
        Draw the per-tree (forests) or permutation (``importances_std``)
        standard deviation when available.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure (constrained layout) is created when
        None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with one bar per shown feature (largest at the top), the
        bars labelled with the feature names.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_leafs.plotting import plot_motif_importances
    >>> ax = plot_motif_importances([0.5, 0.3, 0.2],
    ...                             ["octahedral CN_6", "tetrahedral CN_4",
    ...                              "linear CN_2"], top=2)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['tetrahedral CN_4', 'octahedral CN_6']
    >>> round(ax.lines[0].get_xdata()[0], 4)  # uniform contribution 1/3
    0.3333
    """
    values, spread, names = _importances_and_names(
        estimator_or_importances, feature_names
    )
    order = np.argsort(-values, kind="stable")
    if top is not None:
        order = order[:top]
    order = order[::-1]  # barh draws from the bottom up

    ax = _get_ax(ax, figsize=(6.0, 1.2 + 0.25 * len(order)))
    xerr = spread[order] if (error_bars and spread is not None) else None
    ax.barh(
        np.arange(len(order)),
        values[order],
        xerr=xerr,
        color="tab:blue",
        error_kw={"ecolor": "0.3", "elinewidth": 0.8, "capsize": 2},
    )
    ax.set_yticks(np.arange(len(order)), labels=[names[i] for i in order])
    if uniform_line:
        uniform = float(values.sum()) / len(values)
        ax.axvline(uniform, color="k", ls="--", lw=1, label="uniform contribution")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("importance")
    ax.set_ylabel("feature")
    shown = [names[i] for i in order]
    what = "Motif" if all(_is_motif(n) for n in shown) else "Feature"
    ax.set_title(f"{what} importances")
    return ax

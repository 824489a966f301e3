"""Confusion matrix of a classifier (Fig. S6 of the paper)."""

from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score, matthews_corrcoef
from sklearn.utils._param_validation import StrOptions, validate_params

from .._citations import cite
from ._common import _get_ax


@cite
@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "labels": ["array-like", None],
        "normalize": [StrOptions({"true", "pred", "all"}), None],
        "show_scores": ["boolean"],
        "cmap": [str, object],
        "colorbar": ["boolean"],
        "ax": [object, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_confusion(
    y_true,
    y_pred,
    *,
    labels=None,
    normalize=None,
    show_scores=True,
    cmap="Blues",
    colorbar=True,
    ax=None,
):
    """Plot the confusion matrix of true against predicted classes.

    This is Fig. S6 of Vasylenko et al. (2024), the confusion matrices of
    structure-type prediction. It wraps
    :meth:`sklearn.metrics.ConfusionMatrixDisplay.from_predictions` and adds
    the accuracy and Matthews correlation coefficient (MCC) to the title.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True classes.
    y_pred : array-like of shape (n_samples,)
        Predicted classes. A missing prediction (for example a target with no
        substitution template) can be given as its own class, such as
        ``"none"``; it then counts as wrong.
    labels : array-like, default=None
        Classes to index the matrix by, in order; the sorted union of
        ``y_true`` and ``y_pred`` when None.
    normalize : {"true", "pred", "all"} or None, default=None
        Normalise counts over true rows, predicted columns or everything.
    show_scores : bool, default=True
        Put the accuracy and the MCC in the title.
    cmap : str or Colormap, default="Blues"
        Colour map of the cells.
    colorbar : bool, default=True
        Draw a colour bar.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is created when None.

    Returns
    -------
    ax : matplotlib Axes
        The Axes with the matrix image and one text per cell.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_leafs.plotting import plot_confusion
    >>> y_true = ["rock salt", "rock salt", "zinc blende", "wurtzite"]
    >>> y_pred = ["rock salt", "zinc blende", "zinc blende", "wurtzite"]
    >>> ax = plot_confusion(y_true, y_pred)
    >>> ax.get_title()
    'accuracy 0.750, MCC 0.700'
    >>> len(ax.texts)
    9
    """
    ax = _get_ax(ax)
    ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        labels=labels,
        normalize=normalize,
        cmap=cmap,
        colorbar=colorbar,
        ax=ax,
        values_format=".2f" if normalize else "d",
        xticks_rotation=45,
    )
    if show_scores:
        acc = accuracy_score(y_true, y_pred)
        mcc = matthews_corrcoef(y_true, y_pred)
        ax.set_title(f"accuracy {acc:.3f}, MCC {mcc:.3f}")
    return ax

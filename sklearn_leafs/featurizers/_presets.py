"""Ready-made featurizer configurations: matminer's Magpie preset, and the
package's recommended feature set."""

from __future__ import annotations

from .._citations import cite
from ._element import ElementFeaturizer
from ._stats import MATMINER_STAT_NAMES

__all__ = [
    "MAGPIE_STATS",
    "RECOMMENDED",
    "magpie_featurizer",
    "matminer_feature_labels",
    "recommended_featurizer",
]

#: The statistics of matminer's ``ElementProperty.from_preset("magpie")``, in
#: its order (``minimum, maximum, range, mean, avg_dev, mode``).
MAGPIE_STATS = ("min", "max", "range", "mean", "avg_dev", "mode")


@cite
def magpie_featurizer(errors="raise"):
    """Matminer's 132 Magpie features: ``ElementProperty.from_preset("magpie")``.

    The 22 Magpie elemental properties of the ``"magpie"`` table (the same
    22 properties, the same ``MagpieData`` values and the same imputation of
    missing values as matminer's preset), each pooled by the six statistics
    of the preset. The values equal matminer's to rounding (tested); only
    the order differs: matminer lists the statistics of one property
    together (``MagpieData minimum Number``, ``MagpieData maximum Number``,
    ...), this featurizer one statistic over all properties (``min|Number``,
    ``min|MendeleevNumber``, ...). :func:`matminer_feature_labels` maps the
    names.

    Parameters
    ----------
    errors : {"raise", "nan"}, default="raise"
        As in :class:`ElementFeaturizer`.

    Returns
    -------
    ElementFeaturizer
        Unfitted; ``ElementFeaturizer(table="magpie", stats=MAGPIE_STATS)``.
        Its output has shape ``(n_formulas, 132)``.

    See Also
    --------
    recommended_featurizer : the package's choice for accuracy.

    References
    ----------
    .. [1] {cite:ward2016}.
    .. [2] {cite:ward2018}.

    Examples
    --------
    >>> from sklearn_leafs.featurizers import magpie_featurizer
    >>> feat = magpie_featurizer().fit(["NaCl"])
    >>> feat.transform(["NaCl", "Fe2O3"]).shape
    (2, 132)
    >>> feat.get_feature_names_out()[:2].tolist()
    ['min|Number', 'min|MendeleevNumber']
    >>> feat.transform(["NaCl"])[0, :2]  # Z and Mendeleev number of Na
    array([11.,  2.])
    """
    return ElementFeaturizer(table="magpie", stats=MAGPIE_STATS, errors=errors)


def matminer_feature_labels(names, source="MagpieData"):
    """Matminer's ``ElementProperty`` labels of ``<stat>|<property>`` names.

    Parameters
    ----------
    names : sequence of str
        Output names of an :class:`ElementFeaturizer` (``min|Number``).
    source : str, default="MagpieData"
        The data-source class name matminer puts first.

    Returns
    -------
    list of str
        ``"MagpieData minimum Number"``..., so that
        ``frame.rename(columns=dict(zip(names, labels)))[ep.feature_labels()]``
        puts a pandas output in matminer's order.

    Raises
    ------
    ValueError
        For a name whose statistic matminer does not have (``sum|...``).

    Examples
    --------
    >>> matminer_feature_labels(["min|Number", "avg_dev|Row"])
    ['MagpieData minimum Number', 'MagpieData avg_dev Row']
    """
    out = []
    for name in names:
        stat, _, prop = str(name).partition("|")
        if stat not in MATMINER_STAT_NAMES or not prop:
            raise ValueError(
                f"{name!r} is not '<statistic>|<property>' with a statistic of "
                f"{list(MATMINER_STAT_NAMES)}"
            )
        out.append(f"{source} {MATMINER_STAT_NAMES[stat]} {prop}")
    return out


def magpie_leaf_union(table="vasylenko2024", errors="raise"):
    """Matminer's 132 Magpie features next to a LEAF table's Eq. 2 means.

    Parameters
    ----------
    table : str, LeafTable or DataFrame, default="vasylenko2024"
        The LEAF table whose fraction-weighted means (Eq. 2) are added.
    errors : {"raise", "nan"}, default="raise"
        As in :class:`ElementFeaturizer`.

    Returns
    -------
    sklearn.pipeline.FeatureUnion
        Unfitted, with the steps ``"magpie"`` (:func:`magpie_featurizer`)
        and ``"leaf"`` (``ElementFeaturizer(table=table)``); it takes a column
        of formulas and returns ``132 + n_table_features`` columns, named
        ``magpie__min|Number``... and ``leaf__mean|octahedral CN_6``...

    Examples
    --------
    >>> from sklearn_leafs.featurizers import magpie_leaf_union
    >>> union = magpie_leaf_union("open").fit(["NaCl"])
    >>> union.transform(["NaCl", "Fe2O3"]).shape
    (2, 169)
    >>> union.get_feature_names_out()[[0, 132]].tolist()
    ['magpie__min|Number', 'leaf__mean|sgl_bd CN_1']
    """
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("magpie", magpie_featurizer(errors=errors)),
            ("leaf", ElementFeaturizer(table=table, errors=errors)),
        ]
    )


#: The recommended configuration, chosen by ``benchmarks/features.py`` on
#: CrabNet's validation folds (never the test folds) of the shared Matbench
#: composition tasks; see the user guide's "Which features?".
RECOMMENDED = {"magpie": MAGPIE_STATS, "leaf": ("vasylenko2024", ("mean",))}


@cite
def recommended_featurizer(errors="raise"):
    """The package's recommended composition features, for accuracy.

    Matminer's 132 Magpie features (:func:`magpie_featurizer`) next to the
    37 Eq. 2 means of the published ICSD LEAF table ``"vasylenko2024"``: 169
    features. Among the LEAF configurations of ``benchmarks/features.py``
    (the LEAF tables and their LEAF+ variants with Eq. 2 or the six
    statistics, and Magpie next to either LEAF table) it had the lowest
    validation MAE relative to matminer's Magpie preset, averaged over
    CrabNet's five validation folds of three Matbench tasks, with
    HistGradientBoosting. The test folds chose nothing; the user guide page
    "Which features?" gives their MAEs, on which the Magpie preset alone
    stays as good or better: the LEAFs add no accuracy there.

    For the paper's protocol and for features that each have one structural
    meaning, use Eq. 2 instead: ``ElementFeaturizer(table="vasylenko2024")``.

    Parameters
    ----------
    errors : {"raise", "nan"}, default="raise"
        As in :class:`ElementFeaturizer`.

    Returns
    -------
    sklearn.pipeline.FeatureUnion
        Unfitted, :func:`magpie_leaf_union` of ``"vasylenko2024"``: takes a
        column of formulas and returns an array of shape
        ``(n_formulas, 169)``, columns ``magpie__<statistic>|<property>``
        then ``leaf__mean|<motif>``. The published table is fetched (and
        checked against its SHA-256) on first use, or read from
        ``SKLEARN_LEAFS_DATA``.

    See Also
    --------
    magpie_featurizer : matminer's 132 Magpie features alone.

    References
    ----------
    .. [1] {cite:vasylenko2024}; LEAFs, Eq. 2.
    .. [2] {cite:ward2016}.

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_leafs import recommended_featurizer
    >>> model = make_pipeline(recommended_featurizer(), HistGradientBoostingRegressor())
    >>> recommended_featurizer().get_params()["leaf__table"]
    'vasylenko2024'
    """
    table, stats = RECOMMENDED["leaf"]
    union = magpie_leaf_union(table, errors=errors)
    union.set_params(magpie__stats=RECOMMENDED["magpie"], leaf__stats=stats)
    return union

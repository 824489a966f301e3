"""ElementFeaturizer: composition vectors from element tables (Eq. 2 of
Vasylenko et al. 2024)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils._param_validation import Hidden, InvalidParameterError, StrOptions

from .._citations import cite
from ..base import caller_stacklevel, fractions
from ._base import FormulaTransformerMixin
from ._stats import STATS, check_stats, pool_stats

#: Statistics of :class:`ElementFeaturizer`: matminer's and ``"sum"``.
ELEMENT_STATS = (*STATS, "sum")

__all__ = ["ElementFeaturizer"]


@cite
class ElementFeaturizer(FormulaTransformerMixin):
    """Pool element vectors of a LEAF table over each composition.

    The default pooling is Eq. 2 of Vasylenko et al. 2024 [1]_: a
    composition gets the fraction-weighted sum of its element vectors,
    ``sum_e x_e a_e``; e.g. ``Li0.375P0.125O0.5`` becomes
    ``0.375 a_Li + 0.125 a_P + 0.5 a_O``. ``stats`` adds (or replaces it by)
    the other pooling statistics of Magpie [2]_ as matminer's
    ``ElementProperty`` [3]_ defines them: weighted average deviation,
    minimum, maximum, range and mode.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table. ``"vasylenko2024"`` is the paper's published ICSD
        table, ``"open"`` the package's own table from an open corpus,
        ``"magpie"`` the 22
        Magpie elemental properties (see :func:`magpie_featurizer` for
        matminer's 132-feature preset).
    stats : tuple of str, default=("mean",)
        Pooling statistics, each a block of ``n_table_features`` columns in
        the order given; a single name is accepted for one. Those of
        matminer's ``ElementProperty`` (``PropertyStats``), with the
        fractions ``x_e`` of the elements present as weights:

        - ``"mean"``: ``sum_e x_e a_e`` (Eq. 2);
        - ``"avg_dev"``: ``sum_e x_e |a_e - mean|`` (fraction-weighted mean
          absolute deviation);
        - ``"min"``, ``"max"``: feature-wise minimum/maximum over the
          elements present (unweighted); ``"range"``: ``max - min``;
        - ``"mode"``: the vector of the element with the largest fraction;
          among elements whose fractions tie (within ``numpy.isclose``) the
          smallest value, feature by feature;
        - ``"sum"``: ``sum_e n_e a_e`` with the raw amounts ``n_e`` of the
          formula, as LEAFeatures does (not a matminer statistic).
    errors : {"raise", "nan"}, default="raise"
        Bad formulas or elements missing from the table raise a
        ``ValueError`` naming the item and its row (``row 3 ('Xx2O', index
        'mp-12'): ...``: the position counted from 0, and the index label for
        pandas input), or give a row of NaN.
    pooling : {"mean", "sum", "max", "min"}, default="deprecated"
        Deprecated alias of a single statistic: ``pooling="max"`` is
        ``stats=("max",)``. It warns with a ``FutureWarning`` and will be
        removed; give ``stats`` instead.

    Attributes
    ----------
    table_ : LeafTable
        The resolved table.
    n_features_in_ : int
        Always 1 (one column of formulas).
    feature_names_in_ : ndarray of str
        Column name, when fitted on a DataFrame.

    Notes
    -----
    Output features are named ``<statistic>|<table feature>``, e.g.
    ``mean|octahedral CN_6`` or ``max|octahedral CN_6``, as in
    :class:`PhaseFieldFeaturizer` (and ``Li|...``/``cations|...`` in
    :class:`LiCationFeaturizer`): the part before ``|`` says how the element
    vectors were pooled.

    The statistics are computed over the sparse fraction matrix for all rows
    at once (no Python loop over rows); they agree with matminer's
    ``PropertyStats`` to rounding (tested on the Magpie properties). One
    detail differs: matminer applies ``numpy.isclose`` of ``"mode"`` to the
    formula's amounts, this class to the fractions, so the two could
    disagree only for amounts below about ``1e-3`` that differ by less than
    ``1e-8``.

    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 2.
    .. [2] {cite:ward2016}; the Magpie statistics.
    .. [3] {cite:ward2018}; ``ElementProperty``, ``PropertyStats``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import ElementFeaturizer
    >>> table = pd.DataFrame({"f": [1.0, 0.0]}, index=["Mg", "O"])
    >>> feat = ElementFeaturizer(table=table)
    >>> feat.fit_transform(["MgO", "Mg3O"])
    array([[0.5 ],
           [0.75]])
    >>> feat.get_feature_names_out().tolist()
    ['mean|f']
    >>> feat = ElementFeaturizer(table=table, stats=("mean", "max", "mode"))
    >>> feat.fit_transform(["MgO", "Mg3O"])
    array([[0.5 , 1.  , 0.  ],
           [0.75, 1.  , 1.  ]])
    >>> feat.get_feature_names_out().tolist()
    ['mean|f', 'max|f', 'mode|f']
    """

    _parameter_constraints: dict = {
        **FormulaTransformerMixin._parameter_constraints,
        "stats": [tuple, list, StrOptions(set(ELEMENT_STATS))],
        "pooling": [
            StrOptions({"mean", "sum", "max", "min"}),
            Hidden(StrOptions({"deprecated"})),
        ],
    }

    def __init__(
        self,
        table="vasylenko2024",
        stats=("mean",),
        errors="raise",
        pooling="deprecated",
    ):
        self.table = table
        self.stats = stats
        self.errors = errors
        self.pooling = pooling

    def _stats(self):
        """The statistics to compute, as a validated tuple."""
        if self.pooling == "deprecated":
            return check_stats(self, ELEMENT_STATS)
        if check_stats(self, ELEMENT_STATS) != ("mean",):
            raise InvalidParameterError(
                "give either 'stats' or the deprecated 'pooling' of "
                f"ElementFeaturizer, not both (pooling={self.pooling!r}, "
                f"stats={self.stats!r})"
            )
        return (self.pooling,)

    def _fit(self, items):
        self._stats()
        if self.pooling != "deprecated":
            warnings.warn(
                "ElementFeaturizer's 'pooling' is deprecated and will be removed: "
                f"use stats=({self.pooling!r},) (the same output and names)",
                FutureWarning,
                stacklevel=caller_stacklevel(),
            )

    def _transform(self, items, labels=None):
        table = self.table_
        stats = self._stats()
        blocks = {}
        pooled = [s for s in stats if s != "sum"]
        if pooled:
            F = fractions(items, table.elements, errors=self.errors)
            blocks.update(zip(pooled, pool_stats(F, table.values, pooled)))
        if "sum" in stats:
            A = fractions(items, table.elements, normalize=False, errors=self.errors)
            blocks["sum"] = np.asarray(A @ table.values)
        return np.hstack([blocks[s] for s in stats])

    def _feature_names(self):
        names = self.table_.feature_names
        return [f"{s}|{name}" for s in self._stats() for name in names]

"""ElementFeaturizer: composition vectors from element tables (Eq. 2 of
Vasylenko et al. 2024)."""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import StrOptions

from ..base import fractions
from ._base import FormulaTransformerMixin

__all__ = ["ElementFeaturizer"]


class ElementFeaturizer(FormulaTransformerMixin):
    """Pool element vectors of a LEAF table over each composition.

    The default pooling is Eq. 2 of Vasylenko et al. 2024 [1]_.

    With ``pooling="mean"`` a composition gets the fraction-weighted sum of its
    element vectors, ``sum_e x_e a_e``; e.g. ``Li0.375P0.125O0.5`` becomes
    ``0.375 a_Li + 0.125 a_P + 0.5 a_O``.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table. ``"vasylenko2024"`` is the paper's published ICSD
        table, ``"open"`` the package's own table from an open corpus (see
        :func:`sklearn_leafs.tables.get_table`).
    pooling : {"mean", "sum", "max", "min"}, default="mean"
        ``"mean"``: fraction-weighted sum (Eq. 2). ``"sum"``: weighted by the
        raw amounts of the formula, as LEAFeatures does. ``"max"``/``"min"``:
        feature-wise maximum/minimum over the elements present.
    errors : {"raise", "nan"}, default="raise"
        Bad formulas or elements missing from the table raise a
        ``ValueError`` naming the item and its row (``row 3 ('Xx2O', index
        'mp-12'): ...``: the position counted from 0, and the index label for
        pandas input), or give a row of NaN.

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
    Output features are named ``<pooling>|<table feature>``, e.g.
    ``mean|octahedral CN_6`` or ``max|octahedral CN_6``, for every pooling,
    as in :class:`PhaseFieldFeaturizer` (and ``Li|...``/``cations|...`` in
    :class:`LiCationFeaturizer`): the part before ``|`` says how the element
    vectors were pooled.

    References
    ----------
    .. [1] A. Vasylenko, D. Antypov, S. Schewe, L. M. Daniels, J. B. Claridge,
       M. S. Dyer, M. J. Rosseinsky, "Digital features of chemical elements
       extracted from local geometries in crystal structures" (2024), Eq. 2;
       https://github.com/lrcfmd/LEAF.

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
    """

    _parameter_constraints: dict = {
        **FormulaTransformerMixin._parameter_constraints,
        "pooling": [StrOptions({"mean", "sum", "max", "min"})],
    }

    def __init__(self, table="vasylenko2024", pooling="mean", errors="raise"):
        self.table = table
        self.pooling = pooling
        self.errors = errors

    def _transform(self, items, labels=None):
        table = self.table_
        F = fractions(
            items, table.elements, normalize=self.pooling != "sum", errors=self.errors
        )
        if self.pooling in ("mean", "sum"):
            return np.asarray(F @ table.values)
        return _extreme_pool(
            F, table.values, np.maximum if self.pooling == "max" else np.minimum
        )

    def _feature_names(self):
        return [f"{self.pooling}|{name}" for name in self.table_.feature_names]


def _extreme_pool(F, values, ufunc):
    """Feature-wise max/min of the table rows present in each row of ``F``."""
    out = np.full((F.shape[0], values.shape[1]), np.nan)
    nnz = np.diff(F.indptr)
    rows = np.flatnonzero(nnz)
    if rows.size:
        gathered = values[F.indices]
        gathered[np.isnan(F.data)] = np.nan
        pooled = ufunc.reduceat(gathered, F.indptr[:-1][rows], axis=0)
        out[rows] = pooled
    return out

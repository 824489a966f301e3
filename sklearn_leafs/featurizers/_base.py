"""Shared machinery of the estimators that take formulas as input."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..chemistry._formula import as_items
from ..tables import get_table
from ..tables._leaf_table import LeafTable

__all__ = ["FormulaTransformerMixin", "TABLE_CONSTRAINT", "formula_items"]

#: ``_parameter_constraints`` entry for a ``table`` argument.
TABLE_CONSTRAINT = [LeafTable, str, pd.DataFrame, os.PathLike]


def formula_items(estimator, X, *, reset):
    """Validate formula input of ``estimator`` and return it as a flat list.

    With ``reset=True`` (in ``fit``) record ``n_features_in_`` (always 1) and,
    for a DataFrame, ``feature_names_in_``; otherwise check that a DataFrame
    has the column seen in ``fit``.
    """
    if reset:
        if isinstance(X, pd.DataFrame):
            estimator.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        estimator.n_features_in_ = 1
    else:
        names = getattr(estimator, "feature_names_in_", None)
        if (
            names is not None
            and isinstance(X, pd.DataFrame)
            and list(X.columns) != list(names)
        ):
            raise ValueError(
                f"X has column {list(X.columns)}, but {type(estimator).__name__} "
                f"was fitted with {list(names)}"
            )
    return as_items(X)


class FormulaTransformerMixin(TransformerMixin, BaseEstimator):
    """Base for transformers whose input is a column of formulas.

    Subclasses implement ``_fit(items)`` (optional), ``_transform(items)`` and
    ``_feature_names()``; this class resolves the table, validates the input
    shape, records ``n_features_in_``/``feature_names_in_`` and provides
    ``get_feature_names_out`` (so ``set_output`` works).
    """

    _parameter_constraints: dict = {
        "table": TABLE_CONSTRAINT,
        "errors": [StrOptions({"raise", "nan"})],
    }

    def _items(self, X, *, reset):
        return formula_items(self, X, reset=reset)

    def fit(self, X, y=None):
        """Resolve the table and validate the formulas.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        items = self._items(X, reset=True)
        self.table_ = get_table(self.table)
        self._fit(items)
        self._transform(items)  # validate: bad items raise here, not later
        return self

    def _fit(self, items):
        pass

    def transform(self, X):
        """Featurize formulas.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "table_")
        return self._transform(self._items(X, reset=False))

    def get_feature_names_out(self, input_features=None):
        """Readable output names, e.g. ``octahedral CN_6``."""
        check_is_fitted(self, "table_")
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

"""The base of the featurizers: :class:`FormulaTransformerMixin`.

Built on the package's formula-input protocol (:mod:`sklearn_leafs.base`:
``formula_input``, ``fractions``, ``BadRowsError``, ``row_message``,
``TABLE_CONSTRAINT``), which every formula estimator shares.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

# BadRowsError, TABLE_CONSTRAINT, formula_input, fractions and row_message
# were defined here before they became the package-level protocol; they stay
# importable from here until no importer (other branches included) uses the
# old home.
from ..base import (  # noqa: F401
    TABLE_CONSTRAINT,
    BadRowsError,
    formula_input,
    fractions,
    row_message,
)
from ..chemistry._formula import as_items
from ..tables import get_table

__all__ = ["FormulaTransformerMixin"]


class FormulaTransformerMixin(TransformerMixin, BaseEstimator):
    """Base for transformers whose input is a column of formulas.

    Subclasses implement ``_transform(items, labels)`` (``labels``: the
    pandas index labels or None, for messages) and ``_feature_names()``, and
    optionally ``_fit(items)`` (checks of parameters that need the table)
    and ``_flatten(X)`` (how the input becomes a flat list). Bad rows are
    reported by raising :class:`BadRowsError`. This class validates the
    parameters (``@_fit_context``), resolves ``table`` with
    :func:`~sklearn_leafs.tables.get_table` into ``table_``, records
    ``n_features_in_``/``feature_names_in_``, and provides ``fit`` (which
    featurizes once, so that a bad row raises in ``fit``), ``fit_transform``
    (the same single pass, returned), ``transform`` and
    ``get_feature_names_out``.
    """

    _parameter_constraints: dict = {
        "table": TABLE_CONSTRAINT,
        "errors": [StrOptions({"raise", "nan"})],
    }

    _flatten = staticmethod(as_items)

    def _input(self, X, *, reset):
        return formula_input(self, X, reset=reset, flatten=type(self)._flatten)

    def _run(self, items, labels):
        try:
            return self._transform(items, labels)
        except BadRowsError as exc:
            raise ValueError(row_message(exc.problems, labels)) from None

    def _fit_run(self, X):
        items, labels = self._input(X, reset=True)
        self.table_ = get_table(self.table)
        if self.table_.has_species:
            raise ValueError(
                f"{type(self).__name__} pools element rows, but table "
                f"{self.table!r} has species rows (such as "
                f"{self.table_.elements[0]!r}); use an element table such as "
                "'vasylenko2024', or sklearn_leafs.neighbors.composition_vectors "
                "for species-resolved composition vectors"
            )
        self._fit(items)
        return self._run(items, labels)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Resolve the table and validate every formula.

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a bad parameter, or (with ``errors="raise"``) the first bad
            row, named by position and, for pandas input, index label.
        """
        self._fit_run(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and featurize in one pass (the same output as ``fit().transform()``).

        Parameters
        ----------
        X : list-like of str or Composition, or one-column 2-D input
        y : ignored

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        return self._fit_run(X)

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

        Raises
        ------
        ValueError
            With ``errors="raise"``, for the first bad row (see ``fit``).
        """
        check_is_fitted(self, "table_")
        items, labels = self._input(X, reset=False)
        return self._run(items, labels)

    def get_feature_names_out(self, input_features=None):
        """Output feature names, ``<block>|<table feature>``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            The input column name. Checked against ``feature_names_in_``
            (when fitted on a DataFrame) and for length 1; it does not
            change the output names.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "table_")
        _check_feature_names_in(self, input_features)
        return np.asarray(self._feature_names(), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

"""The formula-input protocol: how every estimator of the package reads formulas.

Every estimator whose ``X`` is a column of formulas (or phase fields) --
the featurizers, :class:`~sklearn_leafs.substitution.SubstitutionClassifier`,
:class:`~sklearn_leafs.similarity.NearestCompositions`, the LeafNets -- uses
the pieces here, as scikit-learn's estimators share ``sklearn.base``, so that
they all read input, name tables and report bad rows the same way:

- :data:`TABLE_CONSTRAINT`, the one ``_parameter_constraints`` entry of a
  ``table`` parameter; names, paths, DataFrames and LeafTables are resolved
  by :func:`sklearn_leafs.tables.get_table` and nothing else;
- :func:`formula_input`, which flattens the input and records
  ``n_features_in_`` and ``feature_names_in_`` the scikit-learn way;
- :func:`fractions`, the fraction matrix of the items, bad rows collected;
- :func:`row_message`, :func:`describe_row` and :class:`BadRowsError`: every
  error about one input row reads ``row 3 ('Xx2O'): <reason>``, the row
  counted from 0 by position, and ``row 3 ('Xx2O', index 'mp-12'):
  <reason>`` when the input is a pandas object (the index label of that row);
- :func:`caller_stacklevel`, so that warnings point at the user's code.

The featurizers' base class, :class:`FormulaTransformerMixin`, is built on it
in :mod:`sklearn_leafs.featurizers._base`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import sklearn
from sklearn.utils.validation import validate_data

from .chemistry._formula import _fraction_matrix, _nan_rows, as_items
from .tables._leaf_table import LeafTable

__all__ = [
    "BadRowsError",
    "TABLE_CONSTRAINT",
    "caller_stacklevel",
    "describe_row",
    "formula_input",
    "fractions",
    "row_message",
]

#: The ``_parameter_constraints`` entry of every ``table`` parameter: a
#: :class:`~sklearn_leafs.tables.LeafTable`, a registered name or a CSV path
#: (see :func:`sklearn_leafs.tables.table_names`), or a DataFrame indexed by
#: element symbol. Resolve it with :func:`sklearn_leafs.tables.get_table`.
TABLE_CONSTRAINT = [LeafTable, str, pd.DataFrame, os.PathLike]


class BadRowsError(ValueError):
    """Raised inside an estimator for input rows it cannot use.

    Carries ``problems``, a list of ``(position, item, reason)``; the
    estimator's public method turns it into a :class:`ValueError` whose
    message is :func:`row_message` (with the pandas index label when there is
    one). Being a ValueError, it also reads sensibly if it escapes.

    Examples
    --------
    >>> err = BadRowsError([(2, "Xx2O", "unknown element symbol 'Xx'")])
    >>> err.problems[0][0], isinstance(err, ValueError)
    (2, True)
    """

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(row_message(self.problems))


def row_message(problems, labels=None):
    """The message of an error about input rows.

    Parameters
    ----------
    problems : list of (int, object, str)
        ``(position, item, reason)`` of each bad row; the first is described,
        the others counted.
    labels : sequence, default=None
        Index labels of the input rows (a pandas input's index), or None.

    Returns
    -------
    str

    Examples
    --------
    >>> row_message([(3, "Xx2O", "unknown element symbol 'Xx'")])
    "row 3 ('Xx2O'): unknown element symbol 'Xx'"
    >>> row_message([(1, "Xx2O", "bad"), (4, "Og", "bad")], labels=["a", "mp-12"])
    "row 1 ('Xx2O', index 'mp-12'): bad (1 more bad row)"
    """
    row, item, reason = problems[0]
    more = len(problems) - 1
    tail = f" ({more} more bad row{'s' if more > 1 else ''})" if more else ""
    return f"{describe_row(row, item, labels)}: {reason}{tail}"


def describe_row(row, item, labels=None):
    """``row 3 ('Xx2O')``, or ``row 3 ('Xx2O', index 'mp-12')`` with labels.

    Examples
    --------
    >>> describe_row(0, "NaCl", labels=["mp-22862"])
    "row 0 ('NaCl', index 'mp-22862')"
    """
    where = f"{item!r}"
    if labels is not None:
        where += f", index {labels[row]!r}"
    return f"row {row} ({where})"


_INTERNAL = (str(Path(__file__).parent), str(Path(sklearn.__file__).parent))


def caller_stacklevel():
    """``stacklevel`` for ``warnings.warn`` that points at the user's code.

    Counts the frames of this package and of scikit-learn (wrappers such as
    ``_fit_context`` and ``set_output``) above the caller of this function.

    Examples
    --------
    >>> caller_stacklevel() >= 1
    True
    """
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        level += 1
        frame = frame.f_back
    return level


def _labels(X):
    """Index labels of a pandas input, else None."""
    if isinstance(X, pd.Series | pd.DataFrame):
        return X.index.tolist()
    return None


def formula_input(estimator, X, *, reset, flatten=as_items):
    """Validate formula input of ``estimator``: ``(items, index labels or None)``.

    ``feature_names_in_`` is set, checked or removed by scikit-learn's own
    ``validate_data`` (so a DataFrame with another column name raises, and
    mixing frames and lists warns, as for any scikit-learn estimator);
    ``n_features_in_`` is always 1 (one column of formulas).

    Parameters
    ----------
    estimator : estimator instance
    X : list-like of formulas, Series, or one-column array or DataFrame
    reset : bool
        True in ``fit``: record the column name; False: check it.
    flatten : callable, default=as_items
        Turns ``X`` into a flat list (phase fields use their own).

    Returns
    -------
    items : list
    labels : list or None
        The index labels when ``X`` is a pandas object.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import ElementFeaturizer
    >>> est = ElementFeaturizer()
    >>> formula_input(est, pd.Series(["MgO", "NaCl"], index=["a", "b"]), reset=True)
    (['MgO', 'NaCl'], ['a', 'b'])
    >>> est.n_features_in_
    1
    """
    items = flatten(X)
    if isinstance(X, pd.DataFrame):
        validate_data(estimator, X, skip_check_array=True, ensure_2d=False, reset=reset)
    elif reset and hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    elif not reset and hasattr(estimator, "feature_names_in_"):
        # not a frame: let scikit-learn warn about the lost column name
        validate_data(estimator, X, skip_check_array=True, ensure_2d=False, reset=False)
    if reset:
        estimator.n_features_in_ = 1
    return items, _labels(X)


def fractions(items, elements, *, normalize=True, errors="raise"):
    """Sparse fraction (or amount) matrix; bad rows raise :class:`BadRowsError`.

    As :func:`sklearn_leafs.chemistry.fraction_matrix`, but with
    ``errors="raise"`` every bad row is collected in the error (the public
    method of the estimator then names the first with its index label).

    Examples
    --------
    >>> fractions(["MgO", "Xx"], ["O", "Mg"], errors="nan").toarray()
    array([[0.5, 0.5],
           [nan, nan]])
    """
    F, problems = _fraction_matrix(items, elements, normalize=normalize)
    if problems:
        if errors == "raise":
            raise BadRowsError(problems)
        F = _nan_rows(F, [row for row, _, _ in problems])
    return F

"""Utilities for developers of estimators that take formulas as input.

- :mod:`sklearn_leafs.utils.estimator_checks`: the conformance suite of the
  package's formula-input estimators, as a generator of named checks
  (:func:`~sklearn_leafs.utils.estimator_checks.check_formula_estimator`) and
  a pytest helper
  (:func:`~sklearn_leafs.utils.estimator_checks.parametrize_with_formula_checks`).

Nothing here is imported by ``import sklearn_leafs``.
"""

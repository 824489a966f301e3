"""Conformance checks for estimators whose input is a column of formulas.

scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`
feeds estimators numeric arrays; the estimators of this package take chemical
formulas (or phase fields) instead. This module is the equivalent suite for
them, written as scikit-learn and imbalanced-learn write theirs: a generator
of named checks, :func:`check_formula_estimator`, and a pytest helper,
:func:`parametrize_with_formula_checks`.

The checks cover what a scikit-learn user relies on: ``clone`` and
``get_params``/``set_params``, ``fit`` returning ``self`` and leaving its
parameters alone, a ``NotFittedError`` before ``fit``, determinism, pickling,
no mutation of the input, the accepted input shapes (list, Series, one-column
array or DataFrame), errors that name the bad row, ``Pipeline`` and
``GridSearchCV``, ``ColumnTransformer`` and ``set_output``,
``get_feature_names_out``, ``n_jobs`` invariance, and the labels and
probabilities of classifiers. scikit-learn's own checks that need no numeric
data (``check_get_params_invariance``, ``check_set_params``,
``check_no_attributes_set_in_init``, ``check_parameters_default_constructible``
...) run as well, under their scikit-learn names.

Nothing here reads reference data: the default inputs
(:func:`formula_check_data`) are small lists of formulas, phase fields and
structure-type labels, whose elements (:data:`CHECK_ELEMENTS`) are all in the
package's shipped tables (``"vasylenko2024"``, the default, and ``"open"``).
"""

from __future__ import annotations

import copy
import pickle
import re
import warnings
from contextlib import contextmanager
from functools import partial

import joblib
import numpy as np
import pandas as pd
from pymatgen.core import Composition
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks as _sk

__all__ = [
    "CHECK_ELEMENTS",
    "SKLEARN_DATA_FREE_CHECKS",
    "check_formula_estimator",
    "formula_check_data",
    "parametrize_with_formula_checks",
]

#: Formulas of the default check data: integer and fractional amounts,
#: brackets, Li with cations and anions (for ``LiCationFeaturizer``).
FORMULAS = (
    "Li7La3Zr2O12",
    "Li3PO4",
    "LiCoO2",
    "Li10GeP2S12",
    "Li0.375P0.125O0.5",
    "Li6PS5Cl",
    "LiFePO4",
    "Li3N",
    "Li2S",
    "LiTi2(PO4)3",
    "Li3.09BO2.53N0.52",
    "Li4SiO4",
)
#: Phase fields of the default check data, written in several notations.
PHASE_FIELDS = (
    "Ba Ca Cu La O",
    "Mg O",
    "Fe-Se",
    "Nb Sn",
    "Li La O Zr",
    "As Ba Fe K",
    "Co Fe Gd",
    "B Mg",
    "Al N",
    "Cu O Sr Y",
    "Ga N",
    "Hg Ba Ca Cu O",
)
#: AB compounds with their structure types; each has a template one
#: same-charge substitution away, so a substitution classifier predicts a
#: label for every row.
STRUCTURE_TYPES = (
    ("NaCl", "rock salt"),
    ("KCl", "rock salt"),
    ("NaBr", "rock salt"),
    ("KBr", "rock salt"),
    ("MgO", "rock salt"),
    ("CaO", "rock salt"),
    ("CsCl", "CsCl"),
    ("CsBr", "CsCl"),
    ("ZnS", "zinc blende"),
    ("ZnSe", "zinc blende"),
    ("CdS", "zinc blende"),
    ("CdSe", "zinc blende"),
)
_BINARY_LABELS = np.array([1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0])
_REGRESSION_TARGET = np.array(
    [0.3, 1.2, -0.4, 2.0, 0.1, 1.5, -0.2, 0.8, 0.0, 1.1, 0.6, -0.7]
)


def _elements_of(items):
    found = set()
    for item in items:
        found.update(el.symbol for el in Composition(item.replace("-", " ")).elements)
    return found


#: Every element in the default check data (all are in the shipped table).
CHECK_ELEMENTS = tuple(
    sorted(
        _elements_of(FORMULAS)
        | _elements_of(PHASE_FIELDS)
        | _elements_of(f for f, _ in STRUCTURE_TYPES)
    )
)

_PHASE_FIELD_ESTIMATORS = {"PhaseFieldFeaturizer", "PhaseFieldNoveltyScorer"}
_STRUCTURE_TYPE_ESTIMATORS = {"SubstitutionClassifier"}

#: scikit-learn checks that build no numeric data set, run as they are.
SKLEARN_DATA_FREE_CHECKS = tuple(
    name
    for name in (
        "check_estimator_cloneable",
        "check_estimator_tags_renamed",
        "check_valid_tag_types",
        "check_estimator_repr",
        "check_no_attributes_set_in_init",
        "check_do_not_raise_errors_in_init_or_set_params",
        "check_mixin_order",
        "check_get_params_invariance",
        "check_set_params",
        "check_parameters_default_constructible",
        # numeric X, but an unfitted estimator must raise NotFittedError
        # before it looks at X
        "check_estimators_unfitted",
    )
    if hasattr(_sk, name)  # older scikit-learn lacks some of them
)


def formula_check_data(estimator):
    """Default inputs ``(X, y)`` of the checks for ``estimator``.

    Parameters
    ----------
    estimator : estimator instance
        A formula-input estimator.

    Returns
    -------
    X : list of str
        Phase fields for ``PhaseFieldFeaturizer`` and
        ``PhaseFieldNoveltyScorer``; AB compounds for
        ``SubstitutionClassifier``; Li compounds (integer and fractional
        amounts, brackets) for every other estimator.
    y : ndarray of shape (n_samples,)
        Structure-type labels for ``SubstitutionClassifier``; a float target
        for a regressor; 0/1 labels otherwise.

    Examples
    --------
    >>> from sklearn_leafs import PhaseFieldFeaturizer
    >>> from sklearn_leafs.utils.estimator_checks import formula_check_data
    >>> X, y = formula_check_data(PhaseFieldFeaturizer())
    >>> X[:2], y.shape
    (['Ba Ca Cu La O', 'Mg O'], (12,))
    """
    name = type(estimator).__name__
    if name in _PHASE_FIELD_ESTIMATORS:
        return list(PHASE_FIELDS), _BINARY_LABELS.copy()
    if name in _STRUCTURE_TYPE_ESTIMATORS:
        X, y = zip(*STRUCTURE_TYPES, strict=True)
        return list(X), np.array(y, dtype=object)
    if is_regressor(estimator):
        return list(FORMULAS), _REGRESSION_TARGET.copy()
    return list(FORMULAS), _BINARY_LABELS.copy()


# -- helpers ---------------------------------------------------------------------
@contextmanager
def _raises(expected, match=None):
    """Like ``pytest.raises``, without needing pytest."""
    names = getattr(expected, "__name__", None) or "/".join(
        e.__name__ for e in expected
    )
    try:
        yield
    except expected as exc:
        if match is not None and not re.search(match, str(exc)):
            raise AssertionError(
                f"{type(exc).__name__} was raised, but its message {str(exc)!r} "
                f"does not match {match!r}"
            ) from exc
        return
    raise AssertionError(f"{names} was not raised")


def _output(est, X):
    """The estimator's main numeric output for ``X``."""
    for method in ("transform", "predict_proba", "decision_function", "predict"):
        if hasattr(est, method):
            return getattr(est, method)(X)
    if hasattr(est, "kneighbors"):
        return est.kneighbors(X)[0]
    raise TypeError(f"{type(est).__name__} has no method that gives an output")


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        a = a.to_numpy()
    if isinstance(b, pd.DataFrame):
        b = b.to_numpy()
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=0, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def _same_param(a, b):
    """Whether a cloned parameter equals the original (``clone`` deep-copies
    parameters that are not estimators, such as tables)."""
    if a is b:
        return True
    if hasattr(a, "get_params") and hasattr(b, "get_params"):
        # nested estimators are cloned, not copied: compare their parameters
        pa, pb = a.get_params(deep=False), b.get_params(deep=False)
        return (
            type(a) is type(b)
            and pa.keys() == pb.keys()
            and all(_same_param(pa[k], pb[k]) for k in pa)
        )
    if isinstance(a, pd.DataFrame | pd.Series):
        return type(a) is type(b) and a.equals(b)
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return joblib.hash(a) == joblib.hash(b)


def _fit(est, X, y):
    return clone(est).fit(X, y)


def _is_discrete(y):
    y = np.asarray(y)
    return y.dtype.kind in "OUSb" or len(np.unique(y)) <= 10


# -- the checks --------------------------------------------------------------------
def check_clone_and_params(est, X=None, y=None):
    """``clone`` keeps the parameters, ``__init__`` stores them unchanged."""
    params = est.get_params()
    cloned = clone(est)
    assert cloned.get_params().keys() == params.keys()
    for key, value in params.items():
        got = cloned.get_params()[key]
        assert _same_param(got, value), key
    again = type(est)(**est.get_params(deep=False))
    for key, value in est.get_params(deep=False).items():
        assert getattr(again, key) is value, key
    assert clone(est).set_params(**params).get_params().keys() == params.keys()
    assert not any(k.endswith("_") for k in vars(clone(est)))


def check_unfitted_raises_not_fitted(est, X, y=None):
    """Every output method raises ``NotFittedError`` before ``fit``."""
    est = clone(est)
    methods = [
        m
        for m in (
            "transform",
            "predict",
            "predict_proba",
            "decision_function",
            "score_samples",
            "kneighbors",
        )
        if hasattr(est, m)
    ]
    assert methods, f"{type(est).__name__} has no output method"
    for method in methods:
        with _raises(NotFittedError):
            getattr(est, method)(X)


def check_fit_returns_self_and_determinism(est, X, y=None):
    """``fit`` returns ``self``; two fits give bit-identical outputs."""
    fitted = clone(est)
    assert fitted.fit(X, y) is fitted
    _assert_same(_output(fitted, X), _output(_fit(est, X, y), X))


def check_fit_does_not_change_params(est, X, y=None):
    """``fit`` neither changes nor mutates a parameter (joblib hash)."""
    est = clone(est)
    before = {k: joblib.hash(v) for k, v in est.get_params().items()}
    est.fit(X, y)
    after = {k: joblib.hash(v) for k, v in est.get_params().items()}
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"fit changed the parameters {changed}"


def check_fitted_attributes_end_with_underscore(est, X, y=None):
    """``fit`` adds only attributes ending in ``_`` (or private ones)."""
    est = clone(est)
    before = set(vars(est))
    est.fit(X, y)
    added = set(vars(est)) - before
    bad = sorted(a for a in added if not a.startswith("_") and not a.endswith("_"))
    assert not bad, f"fit set public attributes without a trailing _: {bad}"


def check_n_features_in(est, X, y=None):
    """``n_features_in_`` is 1; ``feature_names_in_`` only for a DataFrame."""
    fitted = _fit(est, X, y)
    assert fitted.n_features_in_ == 1
    assert not hasattr(fitted, "feature_names_in_")
    frame = pd.DataFrame({"formula": list(X)})
    fitted = _fit(est, frame, y)
    assert fitted.n_features_in_ == 1
    np.testing.assert_array_equal(fitted.feature_names_in_, ["formula"])
    refitted = fitted.fit(list(X), y)
    assert not hasattr(refitted, "feature_names_in_")


def check_pickle(est, X, y=None):
    """A pickled fitted estimator gives the same output."""
    fitted = _fit(est, X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same(_output(restored, X), _output(fitted, X))


def check_no_mutation(est, X, y=None):
    """``fit`` and the output methods leave a list and a Series untouched."""
    X_list = list(X)
    X_series = pd.Series(X_list, name="formula")
    before_list = copy.deepcopy(X_list)
    before_series = X_series.copy()
    fitted = _fit(est, X_list, y)
    _output(fitted, X_list)
    _output(_fit(est, X_series, y), X_series)
    assert X_list == before_list
    pd.testing.assert_series_equal(X_series, before_series)


def check_input_shapes(est, X, y=None):
    """A list, a Series, a one-column array and a DataFrame give one output;
    two columns or a bare string are refused."""
    X_list = list(X)
    expected = _output(_fit(est, X_list, y), X_list)
    for variant in (
        pd.Series(X_list),
        np.asarray(X_list, dtype=object).reshape(-1, 1),
        pd.DataFrame({"formula": X_list}),
    ):
        _assert_same(_output(_fit(est, variant, y), variant), expected)
    with _raises(ValueError, match="one column"):
        _fit(est, pd.DataFrame({"a": X_list, "b": X_list}), y)
    with _raises(ValueError, match="single item|list-like"):
        _fit(est, X_list[0], y)


def check_bad_input_names_the_row(est, X, y=None, bad_item="Xx2O"):
    """An unknown element or a missing value raises a ValueError naming row 1."""
    X_bad = list(X)
    X_bad[1] = bad_item
    with _raises(ValueError, match=r"row 1\b"):
        _fit(est, X_bad, y)
    fitted = _fit(est, X, y)
    with _raises(ValueError, match=r"row 1\b"):
        _output(fitted, X_bad)
    X_nan = list(X)
    X_nan[1] = np.nan
    with _raises(ValueError, match=r"row 1\b"):
        _output(fitted, X_nan)


def check_pipeline_and_search(est, X, y=None):
    """The estimator works as a Pipeline step and inside GridSearchCV."""
    splitter = StratifiedKFold if is_classifier(est) else KFold
    cv = splitter(2, shuffle=True, random_state=0)
    if hasattr(est, "transform"):
        model = RandomForestClassifier if _is_discrete(y) else RandomForestRegressor
        pipe = make_pipeline(clone(est), model(n_estimators=5, random_state=0))
        pipe.fit(X, y)
        assert len(pipe.predict(X)) == len(X)
        grid = GridSearchCV(pipe, {f"{pipe.steps[-1][0]}__max_depth": [2, None]}, cv=cv)
        grid.fit(list(X), y)
        assert grid.best_params_
        return
    pipe = make_pipeline(clone(est)).fit(X, y)
    assert len(pipe.predict(X)) == len(X)
    if is_classifier(est) or is_regressor(est):
        assert np.isfinite(pipe.score(X, y))
        # a search over one parameter clones and refits in every fold
        name, value = next(iter(est.get_params(deep=False).items()))
        grid = GridSearchCV(clone(est), {name: [value]}, cv=cv, error_score="raise")
        grid.fit(list(X), y)
        assert np.isfinite(grid.best_score_)


def check_fit_transform_equals_fit_then_transform(est, X, y=None):
    """``fit_transform(X)`` equals ``fit(X).transform(X)``."""
    _assert_same(clone(est).fit_transform(X, y), _fit(est, X, y).transform(X))


def check_column_transformer_and_set_output(est, X, y=None):
    """Works in a ColumnTransformer; ``set_output(transform="pandas")`` gives
    the same values with ``get_feature_names_out`` as columns."""
    expected = np.asarray(_fit(est, X, y).transform(X), dtype=float)
    frame = pd.DataFrame({"formula": list(X), "other": np.arange(len(X))})
    ct = ColumnTransformer(
        [("leafs", clone(est), ["formula"])], remainder="passthrough"
    )
    out = ct.fit_transform(frame, y)
    np.testing.assert_allclose(out[:, :-1], expected, equal_nan=True)
    np.testing.assert_array_equal(out[:, -1], np.arange(len(X)))
    pandas_est = clone(est).set_output(transform="pandas")
    df = pandas_est.fit(X, y).transform(X)
    assert isinstance(df, pd.DataFrame)
    names = pandas_est.get_feature_names_out()
    assert list(df.columns) == list(names)
    assert len(set(names)) == len(names), "duplicate feature names"
    np.testing.assert_allclose(df.to_numpy(), expected, equal_nan=True)


def check_get_feature_names_out_input_features(est, X, y=None):
    """``get_feature_names_out(input_features)`` checks ``input_features``
    against the column seen in ``fit``, as scikit-learn transformers do."""
    fitted = _fit(est, pd.DataFrame({"formula": list(X)}), y)
    names = np.asarray(fitted.get_feature_names_out())
    assert names.shape == (np.asarray(fitted.transform(X)).shape[1],)
    np.testing.assert_array_equal(fitted.get_feature_names_out(["formula"]), names)
    with _raises(ValueError):
        fitted.get_feature_names_out(["not the fitted column"])
    with _raises(ValueError):
        _fit(est, X, y).get_feature_names_out(["a", "b"])


def _n_jobs_params(est):
    """``n_jobs`` and nested ``<step>__n_jobs`` parameters of an estimator."""
    return [
        k for k in est.get_params(deep=True) if k == "n_jobs" or k.endswith("__n_jobs")
    ]


def check_n_jobs_invariance(est, X, y=None):
    """``n_jobs=1`` and ``n_jobs=2`` give bit-identical outputs."""
    keys = _n_jobs_params(est)
    one = _fit(clone(est).set_params(**dict.fromkeys(keys, 1)), X, y)
    two = _fit(clone(est).set_params(**dict.fromkeys(keys, 2)), X, y)
    _assert_same(_output(one, X), _output(two, X))


def check_classifier_labels_and_probabilities(est, X, y):
    """``predict`` returns labels of ``classes_``; ``predict_proba`` rows are
    non-negative, sum to 1 and their argmax is the prediction."""
    fitted = _fit(est, X, y)
    np.testing.assert_array_equal(fitted.classes_, np.unique(np.asarray(y)))
    pred = np.asarray(fitted.predict(X))
    unknown = sorted(set(pred.tolist()) - set(fitted.classes_.tolist()), key=str)
    assert not unknown, f"predict returned labels not in classes_: {unknown}"
    if hasattr(fitted, "predict_proba"):
        proba = np.asarray(fitted.predict_proba(X))
        assert proba.shape == (len(X), len(fitted.classes_))
        assert (proba >= 0).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-7)
        np.testing.assert_array_equal(fitted.classes_[proba.argmax(axis=1)], pred)


def _run_sklearn_check(check, est, X=None, y=None):
    with warnings.catch_warnings():
        # check_set_params recommends delaying validation; not a failure
        warnings.simplefilter("ignore", UserWarning)
        check(type(est).__name__, est)


def check_formula_estimator(estimator, X=None, y=None):
    """Yield the named conformance checks of a formula-input estimator.

    Each check is a callable ``check(estimator)`` bound to the inputs ``X`` and
    ``y``; it raises an ``AssertionError`` (or the estimator's own error) when
    the estimator does not conform. Only the checks that apply to the
    estimator are yielded: transformer checks for transformers, classifier
    checks for classifiers, the ``n_jobs`` check when it has ``n_jobs``.

    Parameters
    ----------
    estimator : estimator instance
        An estimator whose input is one column of formulas or phase fields.
    X : list-like of str, default=None
        Inputs of the checks (at least 4 rows; row 1 is replaced by an unknown
        element in the error checks). None: :func:`formula_check_data`.
    y : array-like of shape (n_samples,), default=None
        Targets; None: :func:`formula_check_data` (ignored by estimators
        whose ``fit`` ignores ``y``).

    Yields
    ------
    name : str
        The name of the check: the function's name, or scikit-learn's name
        for scikit-learn's data-free checks (:data:`SKLEARN_DATA_FREE_CHECKS`).
    check : callable
        ``check(estimator)`` runs the check on a clone of ``estimator``.

    See Also
    --------
    parametrize_with_formula_checks : the same checks as pytest parameters.
    sklearn.utils.estimator_checks.parametrize_with_checks : the numeric suite.

    Examples
    --------
    >>> from sklearn_leafs import ElementFeaturizer
    >>> from sklearn_leafs.utils.estimator_checks import check_formula_estimator
    >>> est = ElementFeaturizer()
    >>> checks = dict(check_formula_estimator(est))
    >>> "check_pickle" in checks and "check_set_params" in checks
    True
    >>> checks["check_pickle"](est)  # raises when the estimator does not conform
    """
    if X is None:
        default_X, default_y = formula_check_data(estimator)
        X = default_X
        y = default_y if y is None else y
    X = list(X)
    if len(X) < 4:
        raise ValueError(f"the checks need at least 4 rows of X, got {len(X)}")
    is_transformer = hasattr(estimator, "transform")
    is_predictor = hasattr(estimator, "predict")
    checks = [
        check_clone_and_params,
        check_unfitted_raises_not_fitted,
        check_fit_returns_self_and_determinism,
        check_fit_does_not_change_params,
        check_fitted_attributes_end_with_underscore,
        check_n_features_in,
        check_pickle,
        check_no_mutation,
        check_input_shapes,
        check_bad_input_names_the_row,
    ]
    if is_transformer or is_predictor:
        checks.append(check_pipeline_and_search)
    if is_transformer:
        checks += [
            check_fit_transform_equals_fit_then_transform,
            check_column_transformer_and_set_output,
            check_get_feature_names_out_input_features,
        ]
    if is_classifier(estimator):
        checks.append(check_classifier_labels_and_probabilities)
    if _n_jobs_params(estimator):
        checks.append(check_n_jobs_invariance)
    for check in checks:
        yield check.__name__, partial(check, X=X, y=y)
    for name in SKLEARN_DATA_FREE_CHECKS:
        yield name, partial(_run_sklearn_check, getattr(_sk, name))


def _estimator_id(estimator):
    """``Name(param=value, ...)`` of the parameters changed from the defaults;
    a value that is not a number, string, tuple or None shows as its type."""
    try:
        defaults = type(estimator)().get_params(deep=False)
    except TypeError:  # no default constructor: show every parameter
        defaults = {}
    shown = []
    for key, value in estimator.get_params(deep=False).items():
        if key in defaults and joblib.hash(defaults[key]) == joblib.hash(value):
            continue
        if value is None or isinstance(value, int | float | str | tuple | bool):
            shown.append(f"{key}={value!r}")
        else:
            shown.append(f"{key}={type(value).__name__}")
    return re.sub(r"\s+", "", f"{type(estimator).__name__}({','.join(shown)})")


def parametrize_with_formula_checks(
    estimators, *, data=None, expected_failed_checks=None
):
    """Pytest decorator running :func:`check_formula_estimator` on estimators.

    Parameters
    ----------
    estimators : list of estimator instances or ``pytest.param``
        The estimators to check; a ``pytest.param(estimator, marks=...)``
        passes its marks (e.g. ``pytest.mark.slow``) to all its checks.
    data : callable, default=None
        ``data(estimator) -> (X, y)``; None: :func:`formula_check_data`.
    expected_failed_checks : callable, default=None
        ``expected_failed_checks(estimator) -> {check name: reason}``. These
        checks are marked ``xfail(strict=True)`` with the reason: a check that
        starts to pass fails the test run, so the entry is removed once the
        estimator is fixed.

    Returns
    -------
    decorator : pytest.mark.parametrize
        Parametrizes the test's ``estimator`` and ``check`` arguments; the test
        body is ``check(estimator)``.

    Examples
    --------
    >>> from sklearn_leafs import ElementFeaturizer
    >>> from sklearn_leafs.utils.estimator_checks import (
    ...     parametrize_with_formula_checks,
    ... )
    >>> @parametrize_with_formula_checks([ElementFeaturizer()])
    ... def test_conformance(estimator, check):
    ...     check(estimator)
    """
    import pytest  # a test helper: pytest is needed only by its callers

    params = []
    for entry in estimators:
        marks = ()
        if hasattr(entry, "values") and hasattr(entry, "marks"):  # pytest.param
            (entry,), marks = entry.values, tuple(entry.marks)
        X, y = (None, None) if data is None else data(entry)
        failing = (
            {} if expected_failed_checks is None else expected_failed_checks(entry)
        )
        for name, check in check_formula_estimator(entry, X, y):
            these = list(marks)
            if name in failing:
                these.append(pytest.mark.xfail(strict=True, reason=failing[name]))
            params.append(
                pytest.param(
                    entry, check, id=f"{_estimator_id(entry)}-{name}", marks=these
                )
            )
    return pytest.mark.parametrize("estimator, check", params)

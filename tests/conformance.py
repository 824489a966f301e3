"""Conformance suite for estimators whose input is a column of formulas.

``parametrize_with_checks`` assumes numeric input, so estimators that take
formulas get this equivalent suite (DESIGN.md): clone, get/set params, pickle
round trip, Pipeline, GridSearchCV, ColumnTransformer, set_output, no mutation
of the input, n_jobs-free determinism and clear errors on bad input.

Use it as::

    from conformance import check_formula_estimator
    check_formula_estimator(ElementFeaturizer(table=t), X, y)
"""

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline


def _output(est, X):
    if hasattr(est, "transform"):
        return est.transform(X)
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        a, b = a.to_numpy(), b.to_numpy()
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, rtol=0, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def check_clone_and_params(est):
    params = est.get_params()
    cloned = clone(est)
    assert cloned.get_params().keys() == params.keys()
    for key, value in params.items():
        assert cloned.get_params()[key] is value or cloned.get_params()[key] == value
    # __init__ stores parameters unchanged
    est2 = type(est)(**est.get_params(deep=False))
    for key, value in est.get_params(deep=False).items():
        assert getattr(est2, key) is value
    assert est.set_params(**params) is est
    assert not any(k.endswith("_") for k in vars(clone(est)))


def check_fit_returns_self_and_determinism(est, X, y):
    fitted = clone(est)
    assert fitted.fit(X, y) is fitted
    out1 = _output(fitted, X)
    out2 = _output(clone(est).fit(X, y), X)
    _assert_same(out1, out2)
    return fitted, out1


def check_pickle(fitted, X, expected):
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same(_output(restored, X), expected)


def check_no_mutation(est, X, y):
    X_list = list(X)
    X_series = pd.Series(X_list, name="formula")
    before_list = copy.deepcopy(X_list)
    before_series = X_series.copy()
    clone(est).fit(X_list, y)
    clone(est).fit(X_series, y)
    assert X_list == before_list
    pd.testing.assert_series_equal(X_series, before_series)


def check_input_shapes(est, X, y, expected):
    """1-D list, Series, single-column ndarray and DataFrame all agree."""
    X_list = list(X)
    for variant in (
        pd.Series(X_list),
        np.asarray(X_list, dtype=object).reshape(-1, 1),
        pd.DataFrame({"formula": X_list}),
    ):
        _assert_same(_output(clone(est).fit(variant, y), variant), expected)
    with pytest.raises(ValueError, match="one column"):
        clone(est).fit(pd.DataFrame({"a": X_list, "b": X_list}), y)
    with pytest.raises(ValueError, match="single item|list-like"):
        clone(est).fit(X_list[0], y)


def check_bad_input(est, X, y, bad_item="Xx2O"):
    X_bad = list(X)
    X_bad[1] = bad_item
    with pytest.raises(ValueError, match=r"row 1"):
        clone(est).fit(X_bad, y)
    fitted = clone(est).fit(X, y)
    with pytest.raises(ValueError, match=r"row 1"):
        _output(fitted, X_bad)
    X_nan = list(X)
    X_nan[1] = np.nan
    with pytest.raises(ValueError, match=r"row 1"):
        _output(fitted, X_nan)


def check_pipeline_and_search(est, X, y):
    if hasattr(est, "transform"):
        model = RandomForestClassifier if _is_discrete(y) else RandomForestRegressor
        pipe = make_pipeline(clone(est), model(n_estimators=5, random_state=0))
        pipe.fit(X, y)
        assert len(pipe.predict(X)) == len(X)
        grid = GridSearchCV(
            pipe,
            {f"{pipe.steps[-1][0]}__max_depth": [2, None]},
            cv=KFold(2, shuffle=True, random_state=0),
        )
        grid.fit(list(X), y)
        assert grid.best_params_
    else:
        est.fit(X, y)
        assert len(est.predict(X)) == len(X)
        if is_classifier(est) or is_regressor(est):
            score = est.score(X, y)
            assert np.isfinite(score)


def _is_discrete(y):
    y = np.asarray(y)
    return y.dtype.kind in "OUSb" or len(np.unique(y)) <= 10


def check_column_transformer_and_set_output(est, X, y, expected):
    if not hasattr(est, "transform"):
        return
    frame = pd.DataFrame({"formula": list(X), "other": np.arange(len(X))})
    ct = ColumnTransformer(
        [("leafs", clone(est), ["formula"])], remainder="passthrough"
    )
    out = ct.fit_transform(frame, y)
    np.testing.assert_allclose(out[:, :-1], np.asarray(expected), equal_nan=True)
    np.testing.assert_array_equal(out[:, -1], np.arange(len(X)))
    pandas_est = clone(est).set_output(transform="pandas")
    df = pandas_est.fit(X, y).transform(X)
    assert isinstance(df, pd.DataFrame)
    names = pandas_est.get_feature_names_out()
    assert list(df.columns) == list(names)
    assert len(set(names)) == len(names)
    np.testing.assert_allclose(df.to_numpy(), np.asarray(expected), equal_nan=True)


def check_formula_estimator(est, X, y=None):
    """Run the whole conformance suite on ``est`` with inputs ``X``, ``y``."""
    check_clone_and_params(est)
    fitted, expected = check_fit_returns_self_and_determinism(est, X, y)
    check_pickle(fitted, X, expected)
    check_no_mutation(est, X, y)
    check_input_shapes(est, X, y, expected)
    check_bad_input(est, X, y)
    if y is not None:
        check_pipeline_and_search(est, X, y)
    check_column_transformer_and_set_output(est, X, y, expected)

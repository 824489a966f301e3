"""The conformance suite (sklearn_leafs.utils.estimator_checks) on every
formula-input estimator of the package, with no reference data: the shipped
"open-unweighted" table and M, and a synthetic table built here."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import IsolationForest

from sklearn_leafs import (
    ElementFeaturizer,
    LiCationFeaturizer,
    NearestCompositions,
    PhaseFieldFeaturizer,
    PhaseFieldNoveltyScorer,
    SubstitutionClassifier,
)
from sklearn_leafs.utils.estimator_checks import (
    CHECK_ELEMENTS,
    SKLEARN_DATA_FREE_CHECKS,
    check_formula_estimator,
    formula_check_data,
    parametrize_with_formula_checks,
)

# a synthetic table: 5 features of every element of the check data
_rng = np.random.default_rng(0)
TOY = pd.DataFrame(
    _rng.random((len(CHECK_ELEMENTS), 5)),
    index=list(CHECK_ELEMENTS),
    columns=[f"f{i}" for i in range(5)],
)

LEAFNET = dict(
    n_components=4,
    hidden_layer_sizes=(8,),
    dropout=0.0,
    lr=0.02,
    max_epochs=15,
    random_state=0,
)


def _leafnet(kind):
    # the import of sklearn_leafs.neural_network imports torch: only when collected
    from sklearn_leafs import neural_network

    return getattr(neural_network, kind)(**LEAFNET)


ESTIMATORS = [
    ElementFeaturizer(),
    ElementFeaturizer(table=TOY, pooling="max"),
    LiCationFeaturizer(),
    LiCationFeaturizer(rest="anions"),
    PhaseFieldFeaturizer(),
    PhaseFieldFeaturizer(table=TOY, pooling=("range", "sum"), n_elements=True),
    SubstitutionClassifier(),
    SubstitutionClassifier(protocol="all"),
    NearestCompositions(n_neighbors=3),
    PhaseFieldNoveltyScorer(estimator=IsolationForest(n_estimators=20, random_state=0)),
    pytest.param(_leafnet("LeafNetRegressor"), marks=pytest.mark.slow),
    pytest.param(_leafnet("LeafNetClassifier"), marks=pytest.mark.slow),
    pytest.param(
        # head options routed as head__*, through set_params as a search would
        _leafnet("LeafNetRegressor").set_params(
            head="attention", head__d_model=16, head__n_heads=2, head__n_layers=1
        ),
        marks=pytest.mark.slow,
    ),
]


# Known failures would be listed here as {check name: reason} (strict xfail
# marks: a fixed check then fails the run until its entry goes). None remain.
def _expected_failed_checks(estimator):
    return {}


@parametrize_with_formula_checks(
    ESTIMATORS, expected_failed_checks=_expected_failed_checks
)
def test_formula_estimator_conformance(estimator, check):
    check(estimator)


def test_every_formula_estimator_is_checked():
    # every formula-input estimator exported by the package is in ESTIMATORS
    exported = {
        "ElementFeaturizer",
        "LiCationFeaturizer",
        "PhaseFieldFeaturizer",
        "SubstitutionClassifier",
        "NearestCompositions",
        "PhaseFieldNoveltyScorer",
        "LeafNetRegressor",
        "LeafNetClassifier",
    }
    checked = {
        type(e.values[0] if hasattr(e, "values") else e).__name__ for e in ESTIMATORS
    }
    assert checked == exported


def test_checks_are_named_and_apply_to_the_estimator():
    names = [name for name, _ in check_formula_estimator(ElementFeaturizer())]
    assert len(names) == len(set(names))
    assert "check_column_transformer_and_set_output" in names
    assert "check_classifier_labels_and_probabilities" not in names
    assert set(SKLEARN_DATA_FREE_CHECKS) <= set(names)
    assert {"check_get_params_invariance", "check_set_params"} <= set(names)
    clf = [name for name, _ in check_formula_estimator(SubstitutionClassifier())]
    assert "check_classifier_labels_and_probabilities" in clf
    assert "check_column_transformer_and_set_output" not in clf
    scorer = PhaseFieldNoveltyScorer(estimator=IsolationForest())
    assert "check_n_jobs_invariance" in dict(check_formula_estimator(scorer))
    X, _ = formula_check_data(scorer)
    assert X[0] == "Ba Ca Cu La O"
    with pytest.raises(ValueError, match="at least 4 rows"):
        list(check_formula_estimator(ElementFeaturizer(), ["MgO"]))


class _Forgetful(TransformerMixin, BaseEstimator):
    """A formula transformer with three bugs the checks must catch."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def fit(self, X, y=None):
        self.scale = 2.0 * self.scale  # fit changes a parameter
        self.lookup = {"O": 1.0}  # public fitted attribute without "_"
        return self

    def transform(self, X):  # no NotFittedError, no row in the error
        return np.array([[len(str(x))] for x in X], dtype=float)


@pytest.mark.parametrize(
    "name, message",
    [
        ("check_fit_does_not_change_params", "fit changed the parameters"),
        ("check_fitted_attributes_end_with_underscore", "without a trailing _"),
        ("check_unfitted_raises_not_fitted", "NotFittedError was not raised"),
        ("check_bad_input_names_the_row", "ValueError was not raised"),
    ],
)
def test_checks_fail_on_a_broken_estimator(name, message):
    checks = dict(check_formula_estimator(_Forgetful()))
    with pytest.raises(AssertionError, match=message):
        checks[name](_Forgetful())

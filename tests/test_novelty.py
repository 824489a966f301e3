"""PhaseFieldNoveltyScorer as a meta-estimator (issue 12, part 4).

Runs on the table shipped with the package: no reference data is needed.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_leafs import PhaseFieldFeaturizer
from sklearn_leafs.novelty import PhaseFieldNoveltyScorer
from sklearn_leafs.tables import get_table

# binary and ternary oxides, chalcogenides and halides of common metals
_METALS = ["Li", "Na", "K", "Mg", "Ca", "Sr", "Ba", "Al", "Ti", "Fe", "Co", "Ni"]
_NONMETALS = ["O", "S", "Se", "F", "Cl", "N"]
KNOWN = [f"{m} {x}" for m in _METALS for x in _NONMETALS] + [
    f"{a} {b} O" for a, b in zip(_METALS, _METALS[1:])
]
TYPICAL = ["Mg O", "Ca S", "Fe O", "Na Cl"]
EXOTIC = ["He Ne", "He Kr Xe", "Ne Xe"]


def _mean_score(est, X, y=None):
    return float(est.score_samples(X).mean())


def test_defaults_are_the_former_behaviour():
    scorer = PhaseFieldNoveltyScorer()
    assert scorer.get_params(deep=False) == {"featurizer": None, "estimator": None}
    scorer.fit(KNOWN)
    assert scorer.featurizer_.get_params() == PhaseFieldFeaturizer().get_params()
    assert isinstance(scorer.estimator_, IsolationForest)
    assert (
        scorer.estimator_.get_params() == IsolationForest(n_estimators=200).get_params()
    )
    assert scorer.n_features_in_ == 1


def test_equals_the_hand_composition():
    table = get_table("vasylenko2024")  # the featurizer's default
    forest = IsolationForest(n_estimators=50, random_state=0)
    scorer = PhaseFieldNoveltyScorer(estimator=forest).fit(KNOWN)
    Z = PhaseFieldFeaturizer(table=table).fit_transform(KNOWN)
    ref = clone(forest).fit(Z)
    probe = TYPICAL + EXOTIC
    Zp = PhaseFieldFeaturizer(table=table).fit(KNOWN).transform(probe)
    np.testing.assert_array_equal(scorer.score_samples(probe), ref.score_samples(Zp))
    np.testing.assert_array_equal(scorer.predict(probe), ref.predict(Zp))
    np.testing.assert_array_equal(
        scorer.decision_function(probe), ref.decision_function(Zp)
    )
    train = np.sort(ref.score_samples(Z))
    np.testing.assert_array_equal(scorer.train_scores_, train)
    # novelty = fraction of training fields strictly more typical
    expected = [(train > s).mean() for s in ref.score_samples(Zp)]
    np.testing.assert_allclose(scorer.novelty_score(probe), expected)
    assert scorer.novelty_score(EXOTIC).min() > scorer.novelty_score(TYPICAL).max()
    assert forest.__dict__.keys() == IsolationForest().__dict__.keys()  # not fitted


def test_forest_parameters_are_no_longer_re_exposed():
    with pytest.raises(TypeError):
        PhaseFieldNoveltyScorer(n_estimators=10)
    with pytest.raises(TypeError):
        PhaseFieldNoveltyScorer(table="open-unweighted")
    keys = PhaseFieldNoveltyScorer(
        featurizer=PhaseFieldFeaturizer(), estimator=IsolationForest()
    ).get_params()
    assert "featurizer__table" in keys and "estimator__n_estimators" in keys
    assert "estimator__random_state" in keys and "table" not in keys


def test_grid_search_over_nested_parameters():
    scorer = PhaseFieldNoveltyScorer(
        featurizer=PhaseFieldFeaturizer(),
        estimator=IsolationForest(random_state=0),
    )
    grid = GridSearchCV(
        scorer,
        {
            "featurizer__table": ["open-unweighted", "magpie"],
            "estimator__n_estimators": [5, 20],
        },
        scoring=_mean_score,
        cv=KFold(2, shuffle=True, random_state=0),
    ).fit(KNOWN)
    assert len(grid.cv_results_["params"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    assert best.featurizer_.table == grid.best_params_["featurizer__table"]
    assert best.estimator_.n_estimators == grid.best_params_["estimator__n_estimators"]
    n_features = {"open-unweighted": 4 * 37, "magpie": 4 * 22}
    assert best.estimator_.n_features_in_ == n_features[best.featurizer_.table]
    assert scorer.featurizer.table == "vasylenko2024"  # the template is untouched


def test_nested_parameters_work_with_the_none_defaults():
    scorer = PhaseFieldNoveltyScorer()
    scorer.set_params(featurizer__pooling="max", estimator__n_estimators=7)
    assert scorer.featurizer.get_params()["pooling"] == "max"
    assert scorer.estimator.n_estimators == 7
    assert PhaseFieldNoveltyScorer().featurizer is None  # no shared default changed
    scorer.fit(KNOWN)
    assert scorer.estimator_.n_estimators == 7
    assert scorer.estimator_.n_features_in_ == 37
    grid = GridSearchCV(
        PhaseFieldNoveltyScorer(
            estimator=IsolationForest(n_estimators=10, random_state=0)
        ),
        {"featurizer__table": ["open-unweighted", "magpie"]},
        scoring=_mean_score,
        cv=2,
    ).fit(KNOWN)
    assert grid.best_params_["featurizer__table"] in ("open-unweighted", "magpie")


def test_other_featurizers_and_outlier_models():
    scorer = PhaseFieldNoveltyScorer(
        featurizer=make_pipeline(PhaseFieldFeaturizer(), StandardScaler()),
        estimator=LocalOutlierFactor(n_neighbors=5, novelty=True),
    ).fit(KNOWN)
    novelty = scorer.novelty_score(TYPICAL + EXOTIC)
    assert ((novelty >= 0) & (novelty <= 1)).all()
    assert novelty[len(TYPICAL) :].min() > novelty[: len(TYPICAL)].max()
    assert set(scorer.predict(EXOTIC)) == {-1}
    with pytest.raises(InvalidParameterError, match="'estimator' parameter"):
        PhaseFieldNoveltyScorer(estimator=LinearRegression()).fit(KNOWN)
    with pytest.raises(InvalidParameterError, match="'featurizer' parameter"):
        PhaseFieldNoveltyScorer(featurizer=LinearRegression()).fit(KNOWN)
    # nested parameters are validated too
    with pytest.raises(InvalidParameterError, match="'table' parameter"):
        PhaseFieldNoveltyScorer(featurizer=PhaseFieldFeaturizer(table=3)).fit(KNOWN)


def test_only_methods_of_the_outlier_model_are_offered():
    class ScoreOnly(IsolationForest):
        predict = property(lambda self: (_ for _ in ()).throw(AttributeError))
        decision_function = predict

    scorer = PhaseFieldNoveltyScorer(estimator=ScoreOnly(n_estimators=5))
    assert not hasattr(scorer, "predict")
    assert not hasattr(scorer, "decision_function")
    assert hasattr(scorer.fit(KNOWN), "novelty_score")


def test_clone_pickle_and_bad_rows():
    scorer = PhaseFieldNoveltyScorer(
        estimator=IsolationForest(n_estimators=20, random_state=3)
    )
    a = clone(scorer).fit(KNOWN)
    b = clone(scorer).fit(KNOWN)
    probe = ["Ba Cu O", "He Ne", "Co Fe"]
    np.testing.assert_array_equal(a.novelty_score(probe), b.novelty_score(probe))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.novelty_score(probe), a.novelty_score(probe))
    with pytest.raises(ValueError, match=r"^row 1 \('D0\+ O'\): 'D0\+' is not"):
        a.novelty_score(["Ba O", "D0+ O"])

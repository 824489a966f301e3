"""PhaseFieldKFold: K-fold CV without subset/superset leakage between fields."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_leafs import PhaseFieldFeaturizer
from sklearn_leafs.model_selection import (
    PhaseFieldKFold,
    field_membership,
    related_fields,
)


@pytest.fixture(scope="module")
def magnets(shared_data):
    if not (shared_data / "phase-fields").is_dir():
        pytest.skip("phase-field data absent")
    from sklearn_leafs.datasets import fetch_phase_fields

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        bunch = fetch_phase_fields("magnets")
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(bunch.data), 900, replace=False))
    return [bunch.data[i] for i in keep], bunch.target[keep]


def test_related_fields_by_hand():
    q = field_membership(["Ba Cu O", "Fe Se", "Ba-Cu-O-Y", "O", ["Cu", "O"]])
    ref = field_membership(["Cu O", "Ba Cu O Y Hg"])
    # subset, unrelated, subset, subset, equal
    assert related_fields(q, ref).tolist() == [True, False, True, True, True]
    assert related_fields(ref, q).tolist() == [True, True]  # supersets
    assert related_fields(q, ref, chunk=2).tolist() == related_fields(q, ref).tolist()


def test_no_test_field_has_a_relative_in_training(magnets):
    fields, y = magnets
    sets = [frozenset(f.split()) for f in fields]
    cv = PhaseFieldKFold(5, shuffle=True, random_state=0)
    n_test = 0
    for (train, test), plain in zip(
        cv.split(fields, y),
        StratifiedKFold(5, shuffle=True, random_state=0).split(fields, y),
    ):
        np.testing.assert_array_equal(test, plain[1])  # same test folds
        assert set(train) <= set(plain[0])
        kept = set(train)
        for i in plain[0]:  # brute force with Python sets
            related = any(sets[i] <= sets[j] or sets[j] <= sets[i] for j in test)
            assert (i not in kept) == related
        n_test += len(test)
    assert n_test == len(fields)
    # a 900-field subsample has fewer relatives than the full 4718 (66%)
    assert all(0.1 < f < 0.5 for f in cv.removed_fractions_)


def test_plain_mode_and_unstratified(magnets):
    fields, y = magnets
    plain = list(
        PhaseFieldKFold(5, strict=False, shuffle=True, random_state=3).split(fields, y)
    )
    ref = list(StratifiedKFold(5, shuffle=True, random_state=3).split(fields, y))
    for (a, b), (c, d) in zip(plain, ref):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    cv = PhaseFieldKFold(4, stratify=False)
    assert cv.get_n_splits() == 4 and len(list(cv.split(fields))) == 4


def test_in_cross_val_score_with_a_pipeline(magnets):
    fields, y = magnets
    model = make_pipeline(
        PhaseFieldFeaturizer(table="open-unweighted+", errors="nan"),
        ExtraTreesClassifier(n_estimators=30, random_state=0),
    )
    frame = pd.DataFrame({"field": fields})
    strict = cross_val_score(
        model, frame, y, cv=PhaseFieldKFold(3, shuffle=True, random_state=0)
    )
    plain = cross_val_score(
        model,
        frame,
        y,
        cv=PhaseFieldKFold(3, strict=False, shuffle=True, random_state=0),
    )
    assert strict.shape == plain.shape == (3,)
    assert 0.5 < strict.mean() < plain.mean()  # leakage flatters plain CV


def test_bad_fields_are_named():
    with pytest.raises(ValueError, match=r"row 1: phase field 'Fe D0\+': 'D0\+' not"):
        list(PhaseFieldKFold(2, stratify=False).split(["Cu O", "Fe D0+", "Mg O", "Ni"]))
    with pytest.raises(ValueError, match="row 0: .*empty"):
        field_membership([""])
    with pytest.raises(ValueError, match="one column"):
        list(PhaseFieldKFold(2).split(np.array([["Cu", "O"], ["Fe", "O"]])))


def test_repr_and_parameter_validation():
    cv = PhaseFieldKFold(3, shuffle=True, random_state=0)
    assert repr(cv).startswith("PhaseFieldKFold(n_splits=3")
    assert cv.get_n_splits() == 3
    with pytest.raises(ValueError, match="n_splits"):
        list(PhaseFieldKFold(1, stratify=False).split(["Cu O", "Fe O"]))

"""Tests for LeafNetRegressor and LeafNetClassifier (Eq. 4) with the MLP head."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
)

from sklearn_leafs.chemistry._formula import fraction_matrix  # noqa: E402
from sklearn_leafs.neural_network import (  # noqa: E402
    LeafAutoencoder,
    LeafNetClassifier,
    LeafNetRegressor,
)
from sklearn_leafs.tables import get_table  # noqa: E402
from sklearn_leafs.tables._leaf_table import LeafTable  # noqa: E402
from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix  # noqa: E402

ELEMENTS = ["Li", "O", "F", "Na", "Mg", "Cl", "K", "Ca", "Br"]
CATIONS = ["Li", "Na", "Mg", "K", "Ca"]
ANIONS = ["O", "F", "Cl", "Br"]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def M():
    """A small binary environment matrix; alkali metals share environments."""
    rng = np.random.RandomState(0)
    matrix = (rng.rand(len(ELEMENTS), 24) < 0.3).astype(float)
    alkali = [ELEMENTS.index(e) for e in ("Li", "Na", "K")]
    matrix[alkali, :4] = 1
    matrix[[i for i in range(len(ELEMENTS)) if i not in alkali], :4] = 0
    names = [f"env{j}" for j in range(matrix.shape[1])]
    return LocalEnvironmentMatrix(sp.csr_matrix(matrix), ELEMENTS, names)


def _binaries():
    return [f"{c}{a}" for c in CATIONS for a in ANIONS] + [
        f"{c}2{a}" for c in CATIONS for a in ANIONS
    ]


def _alkali_labels(formulas):
    return np.array([int(f[:2] in ("Li", "Na") or f[0] == "K") for f in formulas])


FAST = dict(
    n_components=4, hidden_layer_sizes=(8,), dropout=0.0, lr=0.02, max_epochs=60
)


def test_classifier_learns_the_rule_and_probabilities_are_valid(M):
    X = _binaries()
    y = np.where(_alkali_labels(X) == 1, "alkali", "other")
    clf = LeafNetClassifier(M, random_state=0, **FAST).fit(X, y)
    assert clf.classes_.tolist() == ["alkali", "other"]
    assert clf.score(X, y) == 1.0
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_regressor_fits_a_property_of_the_composition(M):
    X = _binaries()
    weights = np.linspace(-1, 2, len(ELEMENTS))
    y = fraction_matrix(X, ELEMENTS).toarray() @ weights + 3.0
    reg = LeafNetRegressor(M, random_state=0, **{**FAST, "max_epochs": 200}).fit(X, y)
    assert reg.score(X, y) > 0.95
    assert reg.predict(X).shape == (len(X),)
    multi = np.column_stack([y, -y])
    pred = clone(reg).fit(X, multi).predict(X)
    assert pred.shape == (len(X), 2)


def test_eq4_forward_pass_by_hand(M):
    """predict equals H(a . ReLU(M W + b)) computed from the weights."""
    X = ["Li2O", "NaCl", "MgF2"]
    reg = LeafNetRegressor(M, random_state=0, **{**FAST, "max_epochs": 3})
    reg.fit(_binaries(), np.arange(len(_binaries()), dtype=float))
    module = reg.net_.module_
    W = module.embed.weight.detach().numpy().astype(np.float64)
    b = module.embed.bias.detach().numpy().astype(np.float64)
    E = np.maximum(M.matrix.toarray() @ W.T + b, 0)
    np.testing.assert_allclose(
        reg.leaf_table_.lookup(ELEMENTS), E, rtol=1e-5, atol=1e-6
    )
    a = fraction_matrix(X, ELEMENTS).toarray()
    h = a @ E
    lin1, lin2 = module.head[0], module.head[2]
    h = np.maximum(h @ lin1.weight.detach().numpy().T + lin1.bias.detach().numpy(), 0)
    out = h @ lin2.weight.detach().numpy().T + lin2.bias.detach().numpy()
    expected = out.ravel() * reg._y_scale + reg._y_mean
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-4)


def test_determinism_pickle_and_no_global_state_leak(M):
    X = _binaries()
    y = _alkali_labels(X)
    torch.manual_seed(5)
    state = torch.get_rng_state().clone()
    params = dict(random_state=3, batch_size=8, **{**FAST, "dropout": 0.1})
    a = LeafNetClassifier(M, **params).fit(X, y)
    b = LeafNetClassifier(M, **params).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.leaf_table_.values, b.leaf_table_.values)
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_proba(X), a.predict_proba(X))
    c = LeafNetClassifier(M, **{**params, "random_state": 4}).fit(X, y)
    assert not np.array_equal(a.leaf_table_.values, c.leaf_table_.values)


@pytest.mark.slow
def test_cross_val_score_and_grid_search(M):
    X = _binaries()
    y = _alkali_labels(X)
    clf = LeafNetClassifier(M, random_state=0, **FAST)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(clf, X, y, cv=cv, scoring="accuracy")
    assert scores.shape == (3,) and scores.mean() > 0.8
    grid = GridSearchCV(clf, {"n_components": [2, 4]}, cv=cv).fit(X, y)
    assert grid.best_params_["n_components"] in (2, 4)
    assert (
        grid.best_estimator_.leaf_table_.values.shape[1]
        == grid.best_params_["n_components"]
    )


def test_leaf_table_is_usable_as_a_table(M):
    from sklearn_leafs.featurizers._element import ElementFeaturizer

    X = _binaries()
    clf = LeafNetClassifier(M, random_state=0, **FAST).fit(X, _alkali_labels(X))
    table = clf.leaf_table_
    assert isinstance(table, LeafTable)
    assert table.elements == ELEMENTS
    assert table.feature_names == [f"leafnet{i}" for i in range(4)]
    out = ElementFeaturizer(table=table).fit_transform(["LiF"])
    np.testing.assert_allclose(out[0], table.lookup(["Li", "F"]).mean(axis=0))


def test_joint_reconstruction_loss_trains_the_decoder(M):
    X = _binaries()
    y = _alkali_labels(X)
    params = dict(random_state=0, **{**FAST, "max_epochs": 150})
    plain = LeafNetClassifier(M, **params).fit(X, y)
    joint = LeafNetClassifier(M, reconstruction_weight=1.0, **params).fit(X, y)
    assert plain.net_.module_.decoder is None
    module = joint.net_.module_
    module.train()
    with torch.no_grad():
        _, recon = module(torch.zeros(1, len(ELEMENTS)))
    # an untrained sigmoid decoder gives ~0.25 MSE on 0/1 entries
    assert float(recon) < 0.1
    # the recorded training loss includes the reconstruction term
    assert joint.history_[-1, "train_loss"] > float(recon) * 0.99


def test_encoder_init_copies_autoencoder_weights(M):
    from sklearn.frozen import FrozenEstimator

    X = _binaries()
    y = _alkali_labels(X)
    ae = LeafAutoencoder(n_components=4, max_epochs=20, random_state=0)
    expected = clone(ae).fit(M.matrix).transform(M.matrix)
    frozen = dict(lr=1e-12, max_epochs=1)  # the embedding barely moves
    for init in (ae, clone(ae).fit(M.matrix), FrozenEstimator(clone(ae).fit(M.matrix))):
        clf = LeafNetClassifier(
            M, encoder_init=init, random_state=0, **{**FAST, **frozen}
        )
        # clone (as in cross-validation) keeps a frozen autoencoder fitted and
        # refits an unfitted one on M: either way D starts from its weights
        table = clone(clf).fit(X, y).leaf_table_
        np.testing.assert_allclose(
            table.lookup(ELEMENTS), expected, rtol=1e-5, atol=1e-6
        )
    with pytest.raises(ValueError, match="n_components=3"):
        LeafNetClassifier(M, encoder_init=ae, n_components=3).fit(X, y)


def test_m_given_as_frame_or_path(M, tmp_path):
    X = _binaries()
    y = _alkali_labels(X)
    params = dict(random_state=0, **{**FAST, "max_epochs": 5})
    ref = LeafNetClassifier(M, **params).fit(X, y).predict_proba(X)
    frame = pd.DataFrame(M.matrix.toarray(), index=ELEMENTS)
    np.testing.assert_array_equal(
        LeafNetClassifier(frame, **params).fit(X, y).predict_proba(X), ref
    )
    path = tmp_path / "m.npz"
    M.save(path)
    np.testing.assert_array_equal(
        LeafNetClassifier(str(path), **params).fit(X, y).predict_proba(X), ref
    )


def test_bad_input_is_reported(M):
    X = _binaries()
    y = _alkali_labels(X)
    clf = LeafNetClassifier(M, random_state=0, **{**FAST, "max_epochs": 2})
    with pytest.raises(ValueError, match=r"row 2 \('CsCl'\)"):
        clf.fit(X[:2] + ["CsCl"] + X[3:], y)
    with pytest.raises(ValueError, match="24 formulas but y has 3"):
        clf.fit(X[:24], [0, 1, 1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        LeafNetClassifier(M, hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="finite"):
        LeafNetRegressor(M).fit(X, np.full(len(X), np.nan))
    with pytest.raises(ValueError, match="validation split"):
        LeafNetRegressor(M, early_stopping=True).fit(X[:1], [1.0])


def test_early_stopping(M):
    X = _binaries() * 3
    y = _alkali_labels(X)
    clf = LeafNetClassifier(
        M,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        tol=0.05,
        random_state=0,
        **{**FAST, "max_epochs": 200},
    ).fit(X, y)
    assert clf.n_epochs_ < 200
    assert len(clf.history_[:, "valid_loss"]) == clf.n_epochs_


@pytest.mark.slow
def test_li_ion_end_to_end_example_quick(shared_data):
    """The example runs in its reduced (CI) setting and beats chance clearly."""
    import importlib.util
    from pathlib import Path

    try:
        default_m = LocalEnvironmentMatrix.load("open-unweighted")
        default_table = get_table("open-unweighted")
    except FileNotFoundError as exc:
        pytest.skip(f"built-in default M or table missing: {exc}")
    path = Path(__file__).resolve().parents[1] / "examples" / "li_ion_end_to_end.py"
    spec = importlib.util.spec_from_file_location("li_ion_end_to_end", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scores, ae = module.evaluate(default_m, default_table, quick=True)
    assert ae.n_epochs_ == module.settings(quick=True)["ae_epochs"]
    for name in (
        "(a) RF, default table",
        "(b) RF, autoencoder table",
        "(c) LeafNet end to end",
    ):
        acc, mcc, _ = scores[name]
        assert acc > 0.7 and mcc > 0.35, (name, acc, mcc)

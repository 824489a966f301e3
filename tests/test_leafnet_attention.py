"""Tests for the attention head of LeafNet (``head="attention"``, Eq. 4)."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.dummy import DummyRegressor  # noqa: E402
from sklearn.metrics import mean_absolute_error  # noqa: E402

from sklearn_leafs.chemistry._formula import fraction_matrix  # noqa: E402
from sklearn_leafs.neural_network import (  # noqa: E402
    AttentionHead,
    LeafNetClassifier,
    LeafNetRegressor,
)
from sklearn_leafs.neural_network._attention import (  # noqa: E402
    _AttentionModule,
    padded_tokens,
)
from sklearn_leafs.neural_network._losses import _RobustL1Loss  # noqa: E402
from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix  # noqa: E402
from sklearn_leafs.utils.estimator_checks import check_formula_estimator  # noqa: E402

# elements with atomic numbers 1..20 (H..Ca)
ELEMENTS = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne",
    "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca",
]  # fmt: skip
Z = np.arange(1, len(ELEMENTS) + 1, dtype=float)

FAST = dict(
    head="attention",
    n_components=8,
    head__d_model=16,
    head__n_heads=2,
    head__n_layers=1,
    head__dim_feedforward=32,
    hidden_layer_sizes=(16,),
    dropout=0.0,
    max_epochs=30,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def M():
    """A random binary environment matrix for H..Ca."""
    rng = np.random.RandomState(0)
    matrix = (rng.rand(len(ELEMENTS), 40) < 0.3).astype(float)
    names = [f"env{j}" for j in range(matrix.shape[1])]
    return LocalEnvironmentMatrix(sp.csr_matrix(matrix), ELEMENTS, names)


@pytest.fixture(scope="module")
def table():
    """A small LEAF-like table: atomic number and a random column."""
    rng = np.random.RandomState(1)
    return pd.DataFrame({"z": Z, "r": rng.rand(len(ELEMENTS))}, index=ELEMENTS)


def _compositions(n, seed):
    """Random binary and ternary formulas over H..Ca with integer amounts."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        k = rng.choice([2, 3])
        els = rng.choice(len(ELEMENTS), size=k, replace=False)
        amounts = rng.randint(1, 5, size=k)
        out.append("".join(f"{ELEMENTS[e]}{a}" for e, a in zip(els, amounts)))
    return out


def _mean_z(formulas):
    return fraction_matrix(formulas, ELEMENTS).toarray() @ Z


def _module(M, table=None, n_outputs=1, seed=0):
    torch.manual_seed(seed)
    module = _AttentionModule(
        M.matrix, table, 8, 16, 2, 2, 32, [16], n_outputs, dropout=0.0
    )
    return module.eval()


def test_padded_tokens():
    A = sp.csr_matrix(np.array([[0.5, 0, 0.5, 0], [0, 0.25, 0.25, 0.5]]))
    index, fraction = padded_tokens(A)
    assert index.shape == fraction.shape == (2, 3)
    np.testing.assert_array_equal(index, [[0, 2, 0], [1, 2, 3]])
    np.testing.assert_allclose(fraction, [[0.5, 0.5, 0], [0.25, 0.25, 0.5]])
    assert index.dtype == np.int64 and fraction.dtype == np.float32


def test_forward_is_permutation_invariant(M, table):
    module = _module(M, table.to_numpy(np.float32))
    index = torch.tensor([[2, 7, 11, 16]])
    fraction = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    with torch.no_grad():
        ref = module(index, fraction)
        for perm in ([3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]):
            out = module(index[:, perm], fraction[:, perm])
            torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
        # a different assignment of amounts changes the prediction
        other = module(index, fraction[:, [3, 2, 1, 0]])
    assert not torch.allclose(other, ref, atol=1e-4)


def test_padding_does_not_change_a_prediction(M):
    module = _module(M)
    index = torch.tensor([[2, 7]])
    fraction = torch.tensor([[0.4, 0.6]])
    with torch.no_grad():
        alone = module(index, fraction)
        # the same composition padded, next to longer compositions in a batch
        batch_index = torch.tensor([[2, 7, 0, 0], [1, 3, 5, 9], [4, 6, 8, 0]])
        batch_fraction = torch.tensor(
            [[0.4, 0.6, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.2, 0.3, 0.5, 0]]
        )
        batched = module(batch_index, batch_fraction)
        # what sits in a padding slot's index does not matter either
        batch_index[0, 2:] = torch.tensor([13, 19])
        repadded = module(batch_index, batch_fraction)
    torch.testing.assert_close(batched[:1], alone, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(repadded, batched, rtol=1e-5, atol=1e-6)


def test_prediction_independent_of_batch_composition(M):
    X = _compositions(40, seed=0)
    reg = LeafNetRegressor(M, random_state=0, **{**FAST, "max_epochs": 3})
    reg.fit(X, _mean_z(X))
    together = reg.predict(X + ["H2O"])
    np.testing.assert_allclose(reg.predict(["H2O"]), together[-1:], rtol=1e-5)
    np.testing.assert_allclose(reg.predict(X[:5]), together[:5], rtol=1e-5)


def test_learns_mean_atomic_number(M):
    """A small fit learns the mean atomic number far better than a constant."""
    X_train, X_test = _compositions(300, seed=1), _compositions(100, seed=2)
    y_train, y_test = _mean_z(X_train), _mean_z(X_test)
    reg = LeafNetRegressor(
        M,
        random_state=0,
        **{**FAST, "max_epochs": 60, "batch_size": 32, "lr": 3e-3},
    ).fit(X_train, y_train)
    mae = mean_absolute_error(y_test, reg.predict(X_test))
    dummy = mean_absolute_error(
        y_test, DummyRegressor().fit(X_train, y_train).predict(X_test)
    )
    # the constant predictor is off by about 3.3; the model by well under 1
    assert mae < 0.3 * dummy, (mae, dummy)
    assert mae < 1.0, mae


@pytest.mark.parametrize("features", ["table", "both"])
def test_table_rows_as_element_features(M, table, features):
    X_train, X_test = _compositions(300, seed=1), _compositions(100, seed=2)
    y_train, y_test = _mean_z(X_train), _mean_z(X_test)
    reg = LeafNetRegressor(
        M,
        head__element_features=features,
        head__table=table,
        loss="absolute_error",
        random_state=0,
        **{**FAST, "max_epochs": 60, "batch_size": 32, "lr": 3e-3},
    ).fit(X_train, y_train)
    dummy = mean_absolute_error(
        y_test, DummyRegressor().fit(X_train, y_train).predict(X_test)
    )
    assert mean_absolute_error(y_test, reg.predict(X_test)) < 0.3 * dummy
    if features == "table":
        assert reg.leaf_table_ is None
        assert reg.net_.module_.embed is None
    else:
        assert reg.leaf_table_.values.shape == (len(ELEMENTS), 8)


def test_determinism_clone_and_pickle(M):
    X = _compositions(60, seed=3)
    y = _mean_z(X)
    params = dict(random_state=7, **{**FAST, "dropout": 0.1, "batch_size": 16})
    torch.manual_seed(5)
    state = torch.get_rng_state().clone()
    a = LeafNetRegressor(M, **params).fit(X, y)
    b = clone(a).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict(X), a.predict(X))
    c = LeafNetRegressor(M, **{**params, "random_state": 8}).fit(X, y)
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_classifier_head(M):
    X = _compositions(120, seed=4)
    y = np.where(_mean_z(X) > np.median(_mean_z(X)), "heavy", "light")
    clf = LeafNetClassifier(
        M, random_state=0, **{**FAST, "max_epochs": 40, "lr": 3e-3}
    ).fit(X, y)
    assert clf.classes_.tolist() == ["heavy", "light"]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert clf.score(X, y) > 0.85


def test_robust_loss_predicts_the_mean_half(M):
    X = _compositions(60, seed=5)
    y = _mean_z(X)
    reg = LeafNetRegressor(M, loss="robust", random_state=0, **FAST).fit(X, y)
    assert reg.net_.module_.head[-1].out_features == 2
    assert reg.predict(X).shape == (60,)
    loss = _RobustL1Loss()
    out = torch.tensor([[1.0, 0.0], [3.0, np.log(2.0)]])
    target = torch.tensor([[2.0], [3.0]])
    expected = (np.sqrt(2) * 1.0 + 0.0 + 0.0 + np.log(2.0)) / 2
    assert float(loss(out, target)) == pytest.approx(expected, rel=1e-6)


def test_bad_settings_are_reported(M, table):
    X = _compositions(20, seed=6)
    y = _mean_z(X)
    with pytest.raises(ValueError, match="multiple of"):
        LeafNetRegressor(M, **{**FAST, "head__d_model": 15}).fit(X, y)
    # an attention option means nothing to the MLP head: refused, by name
    with pytest.raises(ValueError, match="head__element_features: MLPHead has no"):
        LeafNetRegressor(M, head__element_features="table").fit(X, y)
    with pytest.raises(ValueError, match="head__d_mode: AttentionHead has no"):
        LeafNetRegressor(M, **{**FAST, "head__d_mode": 16}).fit(X, y)
    with pytest.raises(ValueError, match="n_layers' parameter of AttentionHead"):
        LeafNetRegressor(M, **{**FAST, "head__n_layers": 0}).fit(X, y)
    with pytest.raises(ValueError, match="table lacks 1"):
        LeafNetRegressor(
            M,
            **FAST,
            head__element_features="both",
            head__table=table.drop(index="Ca"),
        ).fit(X, y)
    with pytest.raises(ValueError, match="encoder_init and reconstruction"):
        LeafNetRegressor(
            M,
            **FAST,
            head__element_features="table",
            head__table=table,
            reconstruction_weight=1.0,
        ).fit(X, y)
    # the flat attention arguments of earlier versions name their new spelling
    with pytest.raises(TypeError, match="pass head='attention', head__d_model=16"):
        LeafNetRegressor(M, head="attention", d_model=16).fit(X, y)
    with pytest.raises(ValueError, match="unexpected keyword argument 'head__'"):
        LeafNetRegressor(M).set_params(head__=1).fit(X, y)
    with pytest.raises(ValueError, match="head"):
        LeafNetRegressor(M, head="gru").fit(X, y)


@pytest.fixture(scope="module")
def M_path(M, tmp_path_factory):
    path = tmp_path_factory.mktemp("attention") / "M.npz"
    M.save(path)
    return str(path)


@pytest.mark.slow
def test_regressor_conformance(M_path):
    X = _compositions(40, seed=7) + ["H2O"]
    est = LeafNetRegressor(M_path, random_state=0, **{**FAST, "max_epochs": 5})
    for _, check in check_formula_estimator(est, X, _mean_z(X)):
        check(est)


@pytest.mark.slow
def test_classifier_conformance(M_path):
    X = _compositions(40, seed=8) + ["H2O"]
    y = (_mean_z(X) > 8).astype(int)
    est = LeafNetClassifier(M_path, random_state=0, **{**FAST, "max_epochs": 5})
    for _, check in check_formula_estimator(est, X, y):
        check(est)


def test_encoder_init_starts_d_from_the_autoencoder(M):
    """Pretraining starts the attention head's D(M) from the autoencoder."""
    from sklearn_leafs.neural_network import LeafAutoencoder

    X = _compositions(30, seed=9)
    ae = LeafAutoencoder(n_components=8, max_epochs=20, random_state=0).fit(M.matrix)
    reg = LeafNetRegressor(
        M, encoder_init=ae, random_state=0, **{**FAST, "lr": 1e-12, "max_epochs": 1}
    ).fit(X, _mean_z(X))
    np.testing.assert_allclose(
        reg.leaf_table_.lookup(ELEMENTS),
        ae.transform(M.matrix),
        rtol=1e-4,
        atol=1e-5,
    )
    assert reg.net_.module_.embed.in_features == M.matrix.shape[1]


def test_joint_reconstruction_with_the_attention_head(M):
    X = _compositions(40, seed=10)
    reg = LeafNetRegressor(
        M,
        reconstruction_weight=1.0,
        random_state=0,
        **{**FAST, "lr": 2e-2, "lr_schedule": "constant", "max_epochs": 150},
    ).fit(X, _mean_z(X))
    module = reg.net_.module_.train()
    index = torch.zeros(1, 1, dtype=torch.int64)
    with torch.no_grad():
        _, recon = module(index, torch.ones(1, 1))
    # an untrained sigmoid decoder gives ~0.25 MSE on 0/1 entries
    assert float(recon) < 0.1


def test_warmup_cosine_schedule():
    from sklearn_leafs.neural_network._training import _WarmupCosine

    schedule = _WarmupCosine(200)
    assert schedule.warmup == 10
    assert schedule(0) == pytest.approx(0.1)
    assert schedule(9) == pytest.approx(1.0)
    assert schedule(10) == pytest.approx(1.0)
    assert schedule(105) == pytest.approx(0.5)
    assert schedule(200) == pytest.approx(0.0, abs=1e-12)
    values = [schedule(step) for step in range(10, 201)]
    assert all(a >= b for a, b in zip(values, values[1:]))
    restored = pickle.loads(pickle.dumps(schedule))
    assert restored(50) == schedule(50)


def test_seed_ensemble_by_voting_regressor(M):
    """The recommended ensemble is scikit-learn's VotingRegressor over seeds:
    it reads formulas unchanged, averages its members, and two processes give
    the members a single process gives."""
    from sklearn.ensemble import VotingRegressor

    X_train, X_test = _compositions(200, seed=1), _compositions(50, seed=2)
    y_train = _mean_z(X_train)
    members = [
        (f"seed{s}", LeafNetRegressor(M, random_state=s, **FAST)) for s in (0, 1, 2)
    ]
    serial = VotingRegressor(members).fit(X_train, y_train)
    parallel = VotingRegressor(members, n_jobs=2).fit(X_train, y_train)
    each = np.array([m.predict(X_test) for m in serial.estimators_])
    np.testing.assert_allclose(serial.predict(X_test), each.mean(axis=0), rtol=1e-6)
    assert not np.allclose(each[0], each[1])  # the seeds differ
    np.testing.assert_allclose(
        parallel.predict(X_test), serial.predict(X_test), rtol=1e-5, atol=1e-5
    )


# -- the head as a composed part: routed options ------------------------------
HEAD_OPTIONS = dict(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32)
NET = dict(n_components=8, hidden_layer_sizes=(16,), dropout=0.1, max_epochs=4)


def test_routed_options_equal_a_head_object(M, table):
    """head="attention" with head__* options, a head object, and a head object
    overridden by head__* options train the same network, bit for bit."""
    X = _compositions(40, seed=11)
    y = _mean_z(X)
    options = {**HEAD_OPTIONS, "element_features": "both", "table": table}
    routed = LeafNetRegressor(
        M,
        head="attention",
        random_state=0,
        **NET,
        **{f"head__{k}": v for k, v in options.items()},
    ).fit(X, y)
    composed = LeafNetRegressor(
        M, head=AttentionHead(**options), random_state=0, **NET
    ).fit(X, y)
    overridden = LeafNetRegressor(
        M,
        head=AttentionHead(**{**options, "n_layers": 3, "d_model": 32}),
        head__n_layers=1,
        head__d_model=16,
        random_state=0,
        **NET,
    ).fit(X, y)
    for head in (routed.head_, composed.head_, overridden.head_):
        assert {k: getattr(head, k) for k in HEAD_OPTIONS} == HEAD_OPTIONS
        assert head.element_features == "both"
    np.testing.assert_array_equal(routed.predict(X), composed.predict(X))
    np.testing.assert_array_equal(routed.predict(X), overridden.predict(X))
    np.testing.assert_array_equal(
        routed.leaf_table_.values, composed.leaf_table_.values
    )
    # the head object given is left as it was
    assert overridden.head.n_layers == 3 and overridden.head_.n_layers == 1


def test_head_options_are_parameters(M):
    reg = LeafNetRegressor(M, head="attention", head__n_layers=2)
    params = reg.get_params()
    assert params["head__n_layers"] == 2 and params["head"] == "attention"
    assert "head__n_layers" not in LeafNetRegressor(M).get_params()
    assert "head__n_layers=2" in repr(reg)
    reg.set_params(head__n_layers=1, head__d_model=16, max_epochs=3)
    params = reg.get_params()
    assert (params["head__n_layers"], params["head__d_model"]) == (1, 16)
    assert reg.max_epochs == 3
    copy = clone(reg)
    assert copy.get_params() == reg.get_params()
    assert pickle.loads(pickle.dumps(reg)).get_params() == reg.get_params()
    # a head object's own options appear as nested parameters (deep=True)
    obj = LeafNetRegressor(M, head=AttentionHead(n_layers=2))
    assert obj.get_params()["head__n_layers"] == 2
    assert "head__n_layers" not in obj.get_params(deep=False)


@pytest.mark.slow
def test_grid_search_over_a_head_option(M):
    from sklearn.model_selection import GridSearchCV, KFold

    X = _compositions(48, seed=12)
    y = _mean_z(X)
    reg = LeafNetRegressor(M, random_state=0, **{**FAST, "max_epochs": 3})
    grid = GridSearchCV(
        reg, {"head__n_layers": [1, 2]}, cv=KFold(2, shuffle=True, random_state=0)
    ).fit(X, y)
    assert grid.best_params_["head__n_layers"] in (1, 2)
    best = grid.best_estimator_
    assert best.head_.n_layers == grid.best_params_["head__n_layers"]
    assert len(best.net_.module_.encoder.layers) == best.head_.n_layers
    # the searched option reached the head of every candidate
    depth = {p["head__n_layers"] for p in grid.cv_results_["params"]}
    assert depth == {1, 2}

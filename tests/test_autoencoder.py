"""Tests for LeafAutoencoder and table_from_autoencoder."""

import logging
import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from sklearn_leafs.neural_network import (  # noqa: E402
    LeafAutoencoder,
    table_from_autoencoder,
)
from sklearn_leafs.tables._leaf_table import LeafTable  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _toy_m(n_rows=12, n_cols=60, seed=0):
    """A sparse binary matrix with shared structure (rows mix 3 prototypes)."""
    rng = np.random.RandomState(seed)
    prototypes = rng.rand(3, n_cols) < 0.25
    rows = prototypes[rng.randint(3, size=n_rows)].copy()
    flips = rng.rand(n_rows, n_cols) < 0.02
    return sp.csr_matrix((rows ^ flips).astype(np.float64))


# -- scikit-learn's own estimator checks ----------------------------------
# Every expected failure would need a written reason here; there are none. The
# checks that usually trip neural nets pass by design: fixed ``random_state``
# makes ``check_fit_idempotent`` exact (seeded, deterministic torch), inference
# is row-independent (subset/sample-order invariance), float64 in gives float64
# out, read-only memmaps are copied before torch sees them, and sparse input
# is accepted.
EXPECTED_FAILURES = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILURES


@parametrize_with_checks(
    [LeafAutoencoder(n_components=3, max_epochs=5, random_state=0)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- behaviour --------------------------------------------------------------
def test_shapes_and_outputs():
    M = _toy_m()
    ae = LeafAutoencoder(n_components=4, max_epochs=10, random_state=0).fit(M)
    Z = ae.transform(M)
    assert Z.shape == (12, 4) and Z.dtype == np.float64
    assert (Z >= 0).all()  # ReLU latent layer
    R = ae.inverse_transform(Z)
    assert R.shape == M.shape
    assert ((R > 0) & (R < 1)).all()  # sigmoid reconstruction
    assert ae.n_epochs_ == 10 == len(ae.history_)
    names = ae.get_feature_names_out()
    assert list(names) == [f"leafautoencoder{i}" for i in range(4)]


def test_reconstruction_error_is_the_mean_loss():
    M = _toy_m()
    for loss in ("mse", "bce"):
        ae = LeafAutoencoder(n_components=4, loss=loss, max_epochs=5, random_state=0)
        ae.fit(M)
        R = ae.inverse_transform(ae.transform(M))
        D = M.toarray()
        if loss == "mse":
            expected = np.mean((R - D) ** 2)
        else:
            expected = -np.mean(D * np.log(R) + (1 - D) * np.log(1 - R))
        np.testing.assert_allclose(ae.reconstruction_error_, expected, rtol=1e-4)
        np.testing.assert_allclose(ae.score(M), -expected, rtol=1e-4)


def test_learns_to_reconstruct_m():
    """With enough epochs the ones of a structured binary M are recovered."""
    M = _toy_m(n_rows=20, n_cols=80)
    ae = LeafAutoencoder(n_components=6, lr=1e-2, max_epochs=300, random_state=0)
    ae.fit(M)
    losses = ae.history_[:, "train_loss"]
    assert losses[-1] < 0.2 * losses[0]
    R = ae.inverse_transform(ae.transform(M))
    D = M.toarray().astype(bool)
    assert (R[D] > 0.5).mean() > 0.95
    assert (R[~D] > 0.5).mean() < 0.05


def test_bit_for_bit_determinism_and_no_global_state_leak():
    M = _toy_m()
    torch.manual_seed(123)
    rng_before = torch.get_rng_state().clone()
    deterministic_before = torch.are_deterministic_algorithms_enabled()
    params = dict(n_components=4, max_epochs=8, batch_size=5, random_state=7)
    a = LeafAutoencoder(**params).fit(M)
    b = LeafAutoencoder(**params).fit(M)
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert torch.are_deterministic_algorithms_enabled() == deterministic_before
    np.testing.assert_array_equal(a.transform(M), b.transform(M))
    np.testing.assert_array_equal(
        a.history_[:, "train_loss"], b.history_[:, "train_loss"]
    )
    c = LeafAutoencoder(**{**params, "random_state": 8}).fit(M)
    assert not np.array_equal(a.transform(M), c.transform(M))
    # a RandomState instance is consumed like in scikit-learn
    rs = np.random.RandomState(0)
    d = LeafAutoencoder(n_components=4, max_epochs=3, random_state=rs).fit(M)
    e = LeafAutoencoder(n_components=4, max_epochs=3, random_state=rs).fit(M)
    assert not np.array_equal(d.transform(M), e.transform(M))


def test_sparse_and_dense_input_agree():
    M = _toy_m()
    params = dict(n_components=4, max_epochs=6, random_state=0)
    a = LeafAutoencoder(**params).fit(M)
    b = LeafAutoencoder(**params).fit(M.toarray())
    np.testing.assert_allclose(a.transform(M), b.transform(M.toarray()), rtol=1e-6)
    np.testing.assert_allclose(a.transform(M), a.transform(M.toarray()), rtol=0)


def test_pickle_round_trip_gives_identical_transform():
    M = _toy_m()
    ae = LeafAutoencoder(n_components=4, max_epochs=5, random_state=0).fit(M)
    restored = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(restored.transform(M), ae.transform(M))
    np.testing.assert_array_equal(
        restored.inverse_transform(ae.transform(M)),
        ae.inverse_transform(ae.transform(M)),
    )
    assert restored.reconstruction_error_ == ae.reconstruction_error_


def test_early_stopping_stops_and_restores_best():
    M = _toy_m(n_rows=30)
    ae = LeafAutoencoder(
        n_components=4,
        lr=0.05,
        max_epochs=400,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        tol=1e-2,
        random_state=0,
    ).fit(M)
    assert ae.n_epochs_ < 400
    valid = ae.history_[:, "valid_loss"]
    assert len(valid) == ae.n_epochs_
    with pytest.raises(ValueError, match="validation split"):
        LeafAutoencoder(early_stopping=True, validation_fraction=0.1).fit(M[:1])


def test_verbose_logs_each_epoch(caplog):
    M = _toy_m()
    with caplog.at_level(logging.INFO, logger="sklearn_leafs.neural_network"):
        LeafAutoencoder(n_components=2, max_epochs=3, random_state=0).fit(M)
    epochs = [r for r in caplog.records if "epoch" in r.getMessage()]
    assert len(epochs) == 3
    assert "train_loss=" in epochs[-1].getMessage()


def test_paper_settings_are_accepted():
    ae = LeafAutoencoder(lr=1e-5, max_epochs=500)
    assert ae.get_params()["lr"] == 1e-5 and ae.get_params()["max_epochs"] == 500


def test_invalid_input_and_parameters():
    M = _toy_m()
    with pytest.raises(ValueError, match=r"loss='bce' needs inputs in \[0, 1\]"):
        LeafAutoencoder(loss="bce", max_epochs=1).fit(M.toarray() * 2)
    with pytest.raises(ValueError, match="loss"):
        LeafAutoencoder(loss="l1").fit(M)
    with pytest.raises(ValueError, match="n_components"):
        LeafAutoencoder(n_components=0).fit(M)
    ae = LeafAutoencoder(n_components=3, max_epochs=1, random_state=0)
    with pytest.raises(NotFittedError):
        ae.transform(M)
    ae.fit(M)
    with pytest.raises(ValueError, match="3 latent components"):
        ae.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="features"):
        ae.transform(M[:, :10])


# -- table_from_autoencoder -------------------------------------------------
def test_table_from_autoencoder_plain_matrix():
    M = _toy_m(n_rows=4)
    elements = ["O", "Na", "Mg", "Cl"]
    ae = LeafAutoencoder(n_components=3, max_epochs=5, random_state=0).fit(M)
    table = table_from_autoencoder(ae, M, elements=elements)
    assert isinstance(table, LeafTable)
    Z = ae.transform(M)
    for row, element in enumerate(elements):
        np.testing.assert_array_equal(table.lookup([element])[0], Z[row])
    assert table.provenance["source"] == "LeafAutoencoder"
    assert table.provenance["n_components"] == 3
    with pytest.raises(ValueError, match="elements is required"):
        table_from_autoencoder(ae, M)
    with pytest.raises(ValueError, match="4 rows but 3 elements"):
        table_from_autoencoder(ae, M, elements=elements[:3])
    with pytest.raises(NotFittedError):
        table_from_autoencoder(clone(ae), M, elements=elements)


def test_table_from_local_environment_matrix_and_frame():
    from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix

    M = _toy_m(n_rows=3, n_cols=20)
    lem = LocalEnvironmentMatrix(
        M, ["Li", "O", "Fe"], [f"f{j}" for j in range(20)], provenance={"x": 1}
    )
    ae = LeafAutoencoder(n_components=2, max_epochs=3, random_state=0).fit(lem.matrix)
    via_classmethod = table_from_autoencoder(ae, lem)
    assert via_classmethod.provenance["x"] == 1
    np.testing.assert_array_equal(via_classmethod.lookup(["Fe"]), ae.transform(M[2]))
    frame = pd.DataFrame(M.toarray(), index=["Li", "O", "Fe"])
    np.testing.assert_array_equal(
        table_from_autoencoder(ae, frame).lookup(["Li", "O", "Fe"]),
        via_classmethod.lookup(["Li", "O", "Fe"]),
    )


def test_autoencoder_table_feeds_element_featurizer():
    from sklearn_leafs.featurizers._element import ElementFeaturizer

    M = _toy_m(n_rows=3, n_cols=20)
    ae = LeafAutoencoder(n_components=2, max_epochs=3, random_state=0).fit(M)
    table = table_from_autoencoder(ae, M, elements=["Li", "O", "Fe"])
    out = ElementFeaturizer(table=table).fit_transform(["Li2O", "FeO"])
    Z = ae.transform(M)
    np.testing.assert_allclose(out[0], (2 * Z[0] + Z[1]) / 3)
    np.testing.assert_allclose(out[1], (Z[2] + Z[1]) / 2)

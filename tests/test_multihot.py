"""MultiHotEncoder and the local-environment matrix M."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from pymatgen.core import Lattice, Structure
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.environments import compute_site_records
from sklearn_leafs.tables._multihot import (
    LocalEnvironmentMatrix,
    MultiHotEncoder,
    bin_indices,
)


# All sklearn checks pass for both output kinds; no expected failures.
@parametrize_with_checks([MultiHotEncoder(), MultiHotEncoder(sparse_output=False)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def mgo():
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def test_bins_are_one_based_and_clipped():
    assert bin_indices([0.0, 0.0004, 0.2, 0.5, 0.9996, 1.0, 1.7, -3]).tolist() == [
        1, 1, 200, 500, 1000, 1000, 1000, 1,
    ]  # fmt: skip
    # matminer's bin centres are exact halves: round half to even
    assert bin_indices([0.2005, 0.5005, 0.9995, 0.0005]).tolist() == [200, 500, 1000, 1]
    assert bin_indices([5.0], n_bins=10, value_range=(0, 10)).tolist() == [5]


def test_mgo_encodes_to_37_ones_with_cn6_bins():
    records = compute_site_records({"MgO": mgo()})
    X = records.values[records.elements == "Mg"]
    enc = MultiHotEncoder().fit(X)
    out = enc.transform(X)
    # the four Mg sites of the cell are identical: 37 columns, 37 ones each
    assert sp.issparse(out) and out.shape == (4, 37)
    assert np.asarray(out.sum(axis=1)).ravel().tolist() == [37] * 4
    names = enc.get_feature_names_out(list(MOTIF_LABELS)).tolist()
    assert "hexagonal planar CN_6=0.200" in names
    assert "octahedral CN_6=1.000" in names
    assert "pentagonal pyramidal CN_6=0.500" in names
    oct_ = MOTIF_LABELS.index("octahedral CN_6")
    assert enc.active_bins_[oct_].tolist() == [1000]
    assert enc.active_bins_[MOTIF_LABELS.index("hexagonal planar CN_6")].tolist() == [
        200
    ]
    assert enc.active_bins_[
        MOTIF_LABELS.index("pentagonal pyramidal CN_6")
    ].tolist() == [500]
    # every other motif of Mg in rock salt is 0.0005 -> bin 1
    others = [b for j, b in enumerate(enc.active_bins_) if j not in (17, 18, 19)]
    assert all(b.tolist() == [1] for b in others)
    # the same through the matrix M
    M = LocalEnvironmentMatrix.from_records(records)
    row = M.to_frame().loc["Mg"]
    assert row.sum() == 37
    assert row["octahedral CN_6=1.000"] == 1 and row["hexagonal planar CN_6=0.200"] == 1


def test_pruning_names_and_dense_pandas_output():
    X = pd.DataFrame({"a": [0.1, 0.1, 0.7], "b": [0.0, 1.0, 1.0]})
    enc = MultiHotEncoder(n_bins=10, sparse_output=False).set_output(transform="pandas")
    out = enc.fit_transform(X)
    assert list(out.columns) == ["a=0.100", "a=0.700", "b=0.100", "b=1.000"]
    np.testing.assert_array_equal(
        out.to_numpy(), [[1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 0, 1]]
    )
    assert enc.n_output_features_ == 4


def test_unknown_bins_policy():
    X = np.array([[0.2], [0.4]])
    with pytest.warns(UserWarning, match=r"'x0'.*row\(s\) \[0\]"):
        out = MultiHotEncoder().fit(X).transform([[0.3], [0.4]])
    assert out.toarray().tolist() == [[0.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match="pruned in fit at row"):
        MultiHotEncoder(handle_unknown="error").fit(X).transform([[0.3]])
    quiet = MultiHotEncoder(handle_unknown="ignore").fit(X).transform([[0.3]])
    assert quiet.nnz == 0


@pytest.mark.parametrize("bad", [(1, 0), (0,), ("a", 1)])
def test_bad_value_range(bad):
    with pytest.raises(ValueError, match="value_range"):
        MultiHotEncoder(value_range=bad).fit([[0.5]])


def test_matrix_from_records_save_load(tmp_path):
    zns = Structure.from_spacegroup(
        "F-43m", Lattice.cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25, 0.25, 0.25]]
    )
    nio = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.17), ["Ni", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )
    records = compute_site_records({"MgO": mgo(), "ZnS": zns, "NiO": nio})
    M = LocalEnvironmentMatrix.from_records(records)
    assert M.elements == ["O", "Mg", "S", "Ni", "Zn"]
    frame = M.to_frame()
    # O sits in the same (octahedral) environment in MgO and NiO: 37 ones
    assert frame.loc["O"].sum() == 37
    assert frame.loc["Zn", "tetrahedral CN_4=1.000"] == 1
    assert frame.loc["Zn", "octahedral CN_6=1.000"] == 0
    # pruned: every column has a one somewhere
    assert (frame.sum(axis=0) > 0).all()
    assert M.matrix.dtype == np.int8 and set(np.unique(M.matrix.data)) == {1}
    path = tmp_path / "M.npz"
    M.save(path)
    back = LocalEnvironmentMatrix.load(path)
    assert back.elements == M.elements and back.feature_names == M.feature_names
    assert (back.matrix != M.matrix).nnz == 0
    assert back.provenance["n_structures"] == 3
    with pytest.raises(ValueError, match="does not match"):
        LocalEnvironmentMatrix(M.matrix, M.elements[:-1], M.feature_names)


# -- OneHotEncoder composition equals the former hand-written encoder -------------


def _former_multihot(X_fit, X, n_bins, value_range):
    """The encoder before it composed OneHotEncoder (commit 387dd16), inlined:
    bins kept per feature, then a searchsorted look-up per feature."""
    fit_bins = bin_indices(X_fit, n_bins, value_range)
    active = [np.unique(fit_bins[:, j]) for j in range(X_fit.shape[1])]
    offsets = np.cumsum([0] + [len(b) for b in active])
    bins = bin_indices(X, n_bins, value_range)
    rows, cols = [], []
    for j, kept in enumerate(active):
        position = np.searchsorted(kept, bins[:, j])
        position_ok = np.minimum(position, len(kept) - 1)
        known = kept[position_ok] == bins[:, j]
        rows.append(np.flatnonzero(known))
        cols.append(offsets[j] + position_ok[known])
    out = sp.csr_matrix(
        (np.ones(sum(map(len, rows))), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(X), offsets[-1]),
    )
    lo, hi = value_range
    decimals = max(3, int(np.ceil(np.log10(n_bins))))
    centres = lo + (hi - lo) * np.arange(1, n_bins + 1) / n_bins
    labels = [f"{c:.{decimals}f}" for c in centres]
    names = [f"x{j}={labels[b - 1]}" for j, kept in enumerate(active) for b in kept]
    return active, out, names


@pytest.mark.parametrize(
    "seed, n_bins, value_range",
    [(0, 1000, (0, 1)), (1, 10, (0, 1)), (2, 37, (-2.0, 3.0)), (3, 1, (0, 1))],
)
def test_onehot_composition_equals_the_former_encoder(seed, n_bins, value_range):
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(seed)
    lo, hi = value_range
    # few distinct values per feature so that bins repeat; some outside the range
    X_fit = rng.choice(np.linspace(lo - 0.1, hi + 0.1, 25), size=(200, 6))
    X_new = rng.uniform(lo - 0.2, hi + 0.2, size=(150, 6))  # many unseen bins
    enc = MultiHotEncoder(
        n_bins=n_bins, value_range=value_range, handle_unknown="ignore"
    )
    enc.fit(X_fit)
    assert isinstance(enc._encoder, OneHotEncoder)
    for X in (X_fit, X_new):
        active, expected, names = _former_multihot(X_fit, X, n_bins, value_range)
        out = enc.transform(X)
        assert sp.issparse(out) and out.format == "csr"
        assert out.dtype == np.float64 and out.shape == expected.shape
        assert (out != expected).nnz == 0
        np.testing.assert_array_equal(
            MultiHotEncoder(
                n_bins=n_bins,
                value_range=value_range,
                handle_unknown="ignore",
                sparse_output=False,
            )
            .fit(X_fit)
            .transform(X),
            expected.toarray(),
        )
    assert [a.tolist() for a in enc.active_bins_] == [a.tolist() for a in active]
    assert enc.get_feature_names_out().tolist() == names
    assert enc.n_output_features_ == len(names)


def test_feature_names_out_checks_input_features():
    enc = MultiHotEncoder(n_bins=10).fit(pd.DataFrame({"a": [0.1], "b": [0.5]}))
    assert enc.get_feature_names_out(["a", "b"]).tolist() == ["a=0.100", "b=0.500"]
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        enc.get_feature_names_out(["b", "a"])
    plain = MultiHotEncoder(n_bins=10).fit([[0.1, 0.5]])
    assert plain.get_feature_names_out().tolist() == ["x0=0.100", "x1=0.500"]
    assert plain.get_feature_names_out(["p", "q"]).tolist() == ["p=0.100", "q=0.500"]
    with pytest.raises(ValueError, match="length equal to number of features"):
        plain.get_feature_names_out(["p"])


# -- get_matrix: the one resolver of M (issue 21) ---------------------------------


def test_get_matrix_resolves_objects_names_and_paths(tmp_path):
    from sklearn_leafs.tables import get_matrix, get_table

    M = get_matrix("open-unweighted")
    assert M.elements == get_table("open-unweighted").elements and M.shape[0] == 90
    assert M.shape[1] > 10_000 and get_matrix("open-unweighted") is M  # cached
    assert get_matrix(M) is M
    assert LocalEnvironmentMatrix.load("open-unweighted") is M  # delegates
    path = tmp_path / "M.npz"
    M.save(path)
    assert get_matrix(path) == M and get_matrix(str(path)) == M
    with pytest.raises(ValueError, match="table 'magpie' has no multi-hot matrix M"):
        get_matrix("magpie")
    with pytest.raises(ValueError, match="not a registered table name with an M"):
        get_matrix("no-such-matrix")
    with pytest.raises(FileNotFoundError, match="no local-environment matrix file"):
        get_matrix(tmp_path / "missing.npz")
    with pytest.raises(TypeError, match="M must be"):
        get_matrix(3)

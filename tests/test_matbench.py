"""fetch_matbench, offline: matminer's loader is replaced by a stub."""

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition, Lattice, Structure
from sklearn.model_selection import KFold, StratifiedKFold

from sklearn_leafs.datasets import fetch_matbench
from sklearn_leafs.datasets._matbench import MATBENCH_SEED

matminer_datasets = pytest.importorskip("matminer.datasets")


@pytest.fixture
def fake_loader(monkeypatch):
    calls = []

    def load_dataset(name, data_home=None, download_if_missing=True, pbar=False):
        calls.append((name, data_home))
        if name == "matbench_expt_gap":
            formulas = ["Li2O", "NaCl", "GaAs", "Si", "MgO", "ZnO", "CdTe"] * 3
            return pd.DataFrame(
                {
                    "composition": formulas,
                    "gap expt": np.linspace(0, 5, len(formulas)),
                }
            )
        if name == "matbench_expt_is_metal":
            formulas = ["Cu", "NaCl", "Fe", "MgO", "Al", "SiO2"] * 4
            return pd.DataFrame(
                {
                    "composition": [Composition(f) for f in formulas],
                    "is_metal": np.array([True, False] * 12),
                }
            )
        if name == "matbench_jdft2d":
            lattice = Lattice.cubic(4.0)
            structures = [
                Structure(
                    lattice, ["Mo", "S", "S"], [[0, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]]
                ),
                Structure(lattice, ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]),
            ] * 5
            return pd.DataFrame(
                {"structure": structures, "exfoliation_en": np.arange(10.0)}
            )
        raise AssertionError(name)

    monkeypatch.setattr(matminer_datasets, "load_dataset", load_dataset)
    return calls


def test_composition_regression_task(fake_loader, tmp_path):
    bunch = fetch_matbench("expt_gap", data_home=tmp_path)
    assert fake_loader == [("matbench_expt_gap", str(tmp_path / "matbench"))]
    assert bunch.data[:3] == ["Li2O", "NaCl", "GaAs"]
    assert bunch.target.shape == (21,)
    assert bunch.target_names == ["gap expt"]
    assert list(bunch.frame["formula"]) == bunch.data
    expected = KFold(5, shuffle=True, random_state=MATBENCH_SEED).split(bunch.data)
    assert len(bunch.folds) == 5
    for (train, test), (e_train, e_test) in zip(bunch.folds, expected):
        np.testing.assert_array_equal(train, e_train)
        np.testing.assert_array_equal(test, e_test)
    tested = np.sort(np.concatenate([test for _, test in bunch.folds]))
    np.testing.assert_array_equal(tested, np.arange(21))


def test_classification_task_is_stratified(fake_loader, tmp_path):
    bunch = fetch_matbench("expt_is_metal", data_home=tmp_path)
    assert bunch.data[:2] == ["Cu1", "Na1Cl1"]
    assert bunch.target.dtype == bool
    expected = StratifiedKFold(5, shuffle=True, random_state=MATBENCH_SEED).split(
        bunch.data, bunch.target
    )
    for (_, test), (_, e_test) in zip(bunch.folds, expected):
        np.testing.assert_array_equal(test, e_test)


def test_structure_task_gives_formulas(fake_loader, tmp_path):
    bunch = fetch_matbench("jdft2d", data_home=tmp_path)
    assert bunch.data[:2] == ["Mo1S2", "Na1Cl1"]
    assert Composition(bunch.data[0]).reduced_formula == "MoS2"
    np.testing.assert_array_equal(bunch.target, np.arange(10.0))
    assert "structure" in bunch.frame.columns


def test_unknown_task(tmp_path):
    with pytest.raises(ValueError, match="unknown matbench task 'gap'"):
        fetch_matbench("gap", data_home=tmp_path)


def test_failed_download_leaves_the_data_home_as_it_was(monkeypatch, tmp_path):
    def offline(name, data_home=None, download_if_missing=True, pbar=False):
        raise ConnectionError("HTTPSConnectionPool(host='ml.materialsproject.org')")

    monkeypatch.setattr(matminer_datasets, "load_dataset", offline)
    with pytest.raises(OSError, match="could not load matbench_jdft2d") as info:
        fetch_matbench("jdft2d", data_home=tmp_path)
    assert "ConnectionError" in str(info.value) and "offline" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no empty matbench/ left behind

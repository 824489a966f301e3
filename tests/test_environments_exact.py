"""Exactness: both engines of ``site_similarities`` equal matminer's
OPSiteFingerprint, computed in the same run, to 1e-12.

Two sets of structures: a dozen built in the test (ordered prototypes whose
perfect polyhedra put order parameters on histogram bin edges, monoclinic and
triclinic cells, mixed and partial occupancy, and a disordered P1 cell without
symmetry), always run; and 54 real structures of the reference data (40 corpus
records, 14 Li-conductor CIFs).
"""

import numpy as np
import pytest
from _environment_data import (
    CORPUS_DISORDERED,
    CORPUS_HIGH_SYMMETRY,
    CORPUS_LOW_SYMMETRY,
    LI_CIFS,
    corpus_structures,
    li_structures,
    synthetic_structures,
)

from sklearn_leafs.environments import site_similarities


def _reference(structure):
    from matminer.featurizers.site import OPSiteFingerprint

    featurizer = OPSiteFingerprint()
    return np.array([featurizer.featurize(structure, i) for i in range(len(structure))])


def _expected_weights(structure):
    """Element -> number of atoms in the cell (occupancy-weighted)."""
    totals = {}
    for el, amount in structure.composition.element_composition.items():
        totals[el.symbol] = totals.get(el.symbol, 0.0) + amount
    return totals


def _weights_by_element(result):
    totals = {}
    for el, w in zip(result.elements, result.weights):
        totals[el] = totals.get(el, 0.0) + w
    return totals


def _assert_equal_to_matminer(name, structure, engines=("fast", "matminer")):
    """Engines, all sites and symmetry-reduced, against matminer."""
    reference = _reference(structure)
    expected = _expected_weights(structure)
    for engine in engines:
        exact = site_similarities(structure, symmetry=False, engine=engine)
        assert not exact.symmetry_reduced
        np.testing.assert_allclose(
            exact.values, reference[exact.site_indices], rtol=0, atol=1e-12,
            err_msg=f"{name} ({engine})",
        )  # fmt: skip
        # every site appears, once per species on it, with its occupancy
        n_species = [len(site.species) for site in structure]
        assert len(exact) == sum(n_species), name
        assert sorted(set(exact.site_indices.tolist())) == list(range(len(structure)))
        got = _weights_by_element(exact)
        assert got.keys() == expected.keys(), name
        for el in got:
            assert got[el] == pytest.approx(expected[el], abs=1e-9), (name, el)

        reduced = site_similarities(structure, symmetry=True, engine=engine)
        np.testing.assert_allclose(
            reduced.values, reference[reduced.site_indices], rtol=0, atol=1e-12,
            err_msg=f"{name} ({engine}, symmetry)",
        )  # fmt: skip
        got = _weights_by_element(reduced)
        for el in got:
            assert got[el] == pytest.approx(expected[el], abs=1e-9), (name, el)
    return len(structure), reduced


def test_fast_engine_equals_matminer_on_built_structures():
    structures = synthetic_structures()
    assert sum(not s.is_ordered for s in structures.values()) >= 3
    n_sites = 0
    for name, structure in structures.items():
        n, reduced = _assert_equal_to_matminer(name, structure, engines=("fast",))
        n_sites += n
        if name == "P1 disordered, no symmetry":
            # one site per orbit is every site; K and Rb share site 1
            assert reduced.site_indices.tolist() == [0, 1, 1, 2, 3, 4, 5]
        elif name == "NaCl rock salt":
            assert reduced.symmetry_reduced and len(reduced) == 2
    assert n_sites >= 80


@pytest.fixture(scope="module")
def structures(shared_data):
    found = corpus_structures(
        shared_data, CORPUS_LOW_SYMMETRY + CORPUS_HIGH_SYMMETRY + CORPUS_DISORDERED
    )
    found.update(li_structures(shared_data, LI_CIFS))
    return found


@pytest.mark.slow
def test_both_engines_equal_matminer_on_reference_structures(structures):
    assert len(structures) >= 50
    assert sum(not s.is_ordered for s in structures.values()) >= 8
    n_sites = 0
    for name, structure in structures.items():
        n, reduced = _assert_equal_to_matminer(name, structure)
        n_sites += n
        if name == "LiBH4_id45.cif":
            # spglib finds no symmetry in this disordered cell: all sites computed
            assert not reduced.symmetry_reduced
            assert len(reduced) == sum(len(site.species) for site in structure)
    assert n_sites >= 250

"""Exactness: every value equals matminer's OPSiteFingerprint to 1e-12.

Runs on 54 real structures (40 corpus, 14 Li-conductor CIFs) covering
ordered, disordered and low-symmetry cells and a cell where spglib finds no
symmetry.
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
)

from sklearn_leafs.environments import site_similarities


@pytest.fixture(scope="module")
def structures(shared_data):
    found = corpus_structures(
        shared_data, CORPUS_LOW_SYMMETRY + CORPUS_HIGH_SYMMETRY + CORPUS_DISORDERED
    )
    found.update(li_structures(shared_data, LI_CIFS))
    return found


def _reference(structure):
    from matminer.featurizers.site import OPSiteFingerprint

    featurizer = OPSiteFingerprint()
    return np.array([featurizer.featurize(structure, i) for i in range(len(structure))])


def _fast_available():
    try:
        from sklearn_leafs.environments import _fast_kernel  # noqa: F401
    except ImportError:
        return False
    return True


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


@pytest.mark.slow
def test_every_value_equals_matminer(structures):
    assert len(structures) >= 50
    n_disordered = sum(not s.is_ordered for s in structures.values())
    assert n_disordered >= 8
    n_sites = 0
    fast_values, ref_values = [], []
    for name, structure in structures.items():
        reference = _reference(structure)
        if _fast_available():
            fast = site_similarities(structure, symmetry=False, engine="fast")
            fast_values.append(fast.values)
            ref_values.append(reference[fast.site_indices])
        n_sites += len(structure)
        expected = _expected_weights(structure)

        exact = site_similarities(structure, symmetry=False, engine="matminer")
        assert not exact.symmetry_reduced
        np.testing.assert_allclose(
            exact.values, reference[exact.site_indices], rtol=0, atol=1e-12,
            err_msg=name,
        )  # fmt: skip
        # every site appears, once per species on it, with its occupancy
        n_species = [len(site.species) for site in structure]
        assert len(exact) == sum(n_species), name
        assert sorted(set(exact.site_indices.tolist())) == list(range(len(structure)))
        got = _weights_by_element(exact)
        assert got.keys() == expected.keys(), name
        for el in got:
            assert got[el] == pytest.approx(expected[el], abs=1e-9), (name, el)

        reduced = site_similarities(structure, symmetry=True, engine="matminer")
        np.testing.assert_allclose(
            reduced.values, reference[reduced.site_indices], rtol=0, atol=1e-12,
            err_msg=name,
        )  # fmt: skip
        got = _weights_by_element(reduced)
        for el in got:
            assert got[el] == pytest.approx(expected[el], abs=1e-9), (name, el)
        if name == "LiBH4_id45.cif":
            # spglib finds no symmetry in this disordered cell: all sites computed
            assert not reduced.symmetry_reduced
            assert len(reduced) == len(exact)
    assert n_sites >= 250
    if fast_values:
        # the fast kernel (issue 7) agrees with matminer on the same sites
        fast, ref = np.concatenate(fast_values), np.concatenate(ref_values)
        close = np.abs(fast - ref) <= 1e-9
        assert close.mean() >= 0.999
        assert np.abs(fast - ref).max() <= 0.002

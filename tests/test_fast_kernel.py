"""The fast OPSiteFingerprint kernel against matminer and hand-checked cases."""

import gzip
import itertools
import json
import warnings

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.environments._fast_kernel import (
    fast_site_fingerprints,
    fast_site_fingerprints_many,
)

COL = {label: i for i, label in enumerate(MOTIF_LABELS)}


def _matminer(structure, indices):
    from matminer.featurizers.site import OPSiteFingerprint

    fp = OPSiteFingerprint()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([fp.featurize(structure, i) for i in indices])


def _ideal_shell(cn):
    """Unit vectors of an ideal polyhedron (or regular polygon) with cn vertices."""
    if cn == 4:  # tetrahedron
        return np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / 3**0.5
    if cn == 6:  # octahedron
        return np.vstack([np.eye(3), -np.eye(3)])
    if cn == 8:  # cube
        return np.array(list(itertools.product([-1, 1], repeat=3))) / 3**0.5
    if cn == 12:  # cuboctahedron
        v = [p for p in itertools.product([-1, 0, 1], repeat=3) if np.abs(p).sum() == 2]
        return np.array(v) / 2**0.5
    angle = 2 * np.pi * np.arange(cn) / cn
    return np.stack([np.cos(angle), np.sin(angle), np.zeros(cn)], axis=1)


@pytest.mark.parametrize("cn", range(2, 13))
def test_order_parameters_match_pymatgen(cn):
    # Every order parameter of a shell against the very objects matminer
    # calls (pymatgen's LocalStructOrderParams): ideal polyhedra (collinear
    # neighbours, exact angles), distorted ones and random shells.
    from matminer.featurizers.site import OPSiteFingerprint
    from pymatgen.core import Site

    from sklearn_leafs.environments._fast_kernel import _shell_ops

    rng = np.random.default_rng(cn)
    ideal = 2.1 * _ideal_shell(cn)
    shells = [ideal, ideal + rng.normal(scale=0.05, size=(cn, 3))]
    shells += [rng.normal(size=(cn, 3)) for _ in range(3)]
    fast = _shell_ops(np.array(shells))
    ops = OPSiteFingerprint().ops[cn]
    labels = [label for label in MOTIF_LABELS if label.endswith(f"CN_{cn}")]
    for shell, row in zip(shells, fast, strict=True):
        sites = [Site("H", [0, 0, 0])] + [Site("H", x) for x in shell]
        ref = [op.get_order_parameters(sites, 0, range(1, cn + 1))[0] for op in ops]
        for label, r, f in zip(labels, ref, row, strict=True):
            # q_l is a square root: where it vanishes (q2 of a cuboctahedron)
            # rounding of ~1e-17 in q_l**2 shows as ~1e-9, far below the
            # 0.001 histogram bins that matminer reports.
            tol = 1e-8 if label.startswith("q") else 1e-12
            assert abs(f - r) <= tol, (label, r, f)


def _rock_salt():
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def test_mgo_rock_salt_hand_checked():
    # Six O at 90 degrees: a perfect octahedron. matminer reports the centre
    # of the 0.001-wide histogram bin that holds the order parameter, so the
    # ideal values 1.0, 0.5 (pentagonal pyramid) and 0.2 (hexagonal plane)
    # come out as 0.9995, 0.5005 and 0.2005, and "absent" as 0.0005.
    fp = fast_site_fingerprints(_rock_salt())
    assert fp.shape == (8, 37)
    assert fp.dtype == np.float64
    expected = np.full(37, 0.0005)
    expected[COL["hexagonal planar CN_6"]] = 0.2005
    expected[COL["octahedral CN_6"]] = 0.9995
    expected[COL["pentagonal pyramidal CN_6"]] = 0.5005
    np.testing.assert_allclose(fp, np.tile(expected, (8, 1)), rtol=0, atol=1e-12)
    # the bins are those of the ideal values 0.2, 1.0 and 0.5
    mg = fp[0]
    assert abs(mg[COL["hexagonal planar CN_6"]] - 0.2) <= 0.001
    assert abs(mg[COL["octahedral CN_6"]] - 1.0) <= 0.001
    assert abs(mg[COL["pentagonal pyramidal CN_6"]] - 0.5) <= 0.001
    np.testing.assert_array_equal(mg, _matminer(_rock_salt(), [0])[0])


def test_cscl_body_centred_cubic():
    # Cs in CsCl: 8 Cl at the cube corners, then 6 Cs: a perfect bcc motif.
    s = Structure(Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3])
    fp = fast_site_fingerprints(s)
    assert fp[0, COL["body-centered cubic CN_8"]] == pytest.approx(0.9995, abs=1e-12)
    np.testing.assert_array_equal(fp, _matminer(s, [0, 1]))


def test_indices_order_repeats_and_negative():
    s = _rock_salt()
    s.translate_sites([0, 3], [0.01, 0.02, 0.03])  # break the symmetry
    full = fast_site_fingerprints(s)
    np.testing.assert_array_equal(fast_site_fingerprints(s, [5, 0, 5]), full[[5, 0, 5]])
    np.testing.assert_array_equal(fast_site_fingerprints(s, [-1]), full[[7]])
    assert fast_site_fingerprints(s, []).shape == (0, 37)


def test_disordered_sites_are_points():
    # matminer ignores species and occupancy: a partially occupied site is a
    # point like any other.
    s = Structure(
        Lattice.hexagonal(3.6, 3.9),
        [{"Li": 0.5, "Mg": 0.25}, "N", {"Li": 0.9}],
        [[0, 0, 0], [1 / 3, 2 / 3, 0.5], [2 / 3, 1 / 3, 0.1]],
    )
    assert not s.is_ordered
    np.testing.assert_array_equal(fast_site_fingerprints(s), _matminer(s, [0, 1, 2]))


def test_bad_input_raises():
    s = _rock_salt()
    with pytest.raises(ValueError, match="site index 8 is out of range"):
        fast_site_fingerprints(s, [0, 8])
    with pytest.raises(ValueError, match="integers"):
        fast_site_fingerprints(s, [0.5])
    with pytest.raises(ValueError, match="Structure"):
        fast_site_fingerprints("MgO")


def test_many_structures_in_one_batch():
    mgo = _rock_salt()
    cscl = Structure(Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3])
    single = [fast_site_fingerprints(mgo, [3, 0]), fast_site_fingerprints(cscl)]
    batch = fast_site_fingerprints_many([mgo, cscl], [[3, 0], None])
    for a, b in zip(batch, single, strict=True):
        np.testing.assert_array_equal(a, b)
    assert [b.shape for b in fast_site_fingerprints_many([mgo, cscl])] == [
        (8, 37),
        (2, 37),
    ]
    assert fast_site_fingerprints_many([]) == []
    with pytest.raises(ValueError, match="structure 1: site index 2 is out of range"):
        fast_site_fingerprints_many([mgo, cscl], [None, [2]])
    with pytest.raises(ValueError, match="2 index lists for 1 structures"):
        fast_site_fingerprints_many([mgo], [None, None])


def test_coincident_sites_raise_like_matminer():
    # Two different species at the same point: matminer divides by a zero
    # nearest-neighbour distance (and then fails to bin an infinite relative
    # distance); the kernel says so with a ValueError.
    s = Structure(
        Lattice.cubic(4.0), ["Na", "Cl", "K"], [[0, 0, 0], [0.5] * 3, [0.5] * 3]
    )
    with pytest.raises((ZeroDivisionError, OverflowError)):
        _matminer(s, [1])
    with pytest.raises(ValueError, match="site 1 coincides with another site"):
        fast_site_fingerprints(s, [1])
    with pytest.raises(ValueError, match="structure 1: site 1 coincides"):
        fast_site_fingerprints_many([_rock_salt(), s])


def _ci_structures(data):
    """About 30 small real structures: corpus records of each origin and
    Li-conductor CIFs, ordered and disordered."""
    corpus = data / "structure-corpus" / "structures.jsonl.gz"
    cifs = data / "li-ion-conductors" / "cifs"
    if not corpus.is_file() or not cifs.is_dir():
        pytest.skip("structure corpus or Li-conductor CIFs not found")
    per_origin = {"mp": 8, "computed": 7, "prototype": 7}
    out = []
    with gzip.open(corpus, "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            origin = rec["experimental_origin"]
            if per_origin.get(origin, 0) and len(rec["structure"]["sites"]) <= 12:
                per_origin[origin] -= 1
                out.append((rec["id"], Structure.from_dict(rec["structure"])))
            if not any(per_origin.values()):
                break
    names = [
        "Li3N_id103.cif",  # disordered Li/Fe
        "Li3N_id80.cif",  # disordered Li/Cu
        "Li3N_id66.cif",  # disordered Li/Mg
        "Li2NH_id2.cif",  # partially occupied Li
        "LiBH4_id49.cif",  # disordered, with H
        "Li3PO4_id48.cif",
        "Li3N_id113.cif",
        "Li2Ca(NH)2_id0.cif",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out += [(n, Structure.from_file(cifs / n)) for n in names]
    return out


@pytest.mark.slow
def test_agrees_with_matminer_on_real_structures(shared_data):
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    items = _ci_structures(shared_data)
    assert sum(not s.is_ordered for _, s in items) >= 5
    n_values = 0
    indices, refs = [], []
    for name, s in items:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sym = SpacegroupAnalyzer(s).get_symmetrized_structure()
        idx = [eq[0] for eq in sym.equivalent_indices]
        ref = _matminer(s, idx)
        fast = fast_site_fingerprints(s, idx)
        np.testing.assert_array_equal(fast, ref, err_msg=name)
        n_values += ref.size
        indices.append(idx)
        refs.append(ref)
    assert n_values >= 2000
    # the same values when all structures are computed in one batch
    batch = fast_site_fingerprints_many([s for _, s in items], indices)
    for (name, _), fast, ref in zip(items, batch, refs, strict=True):
        np.testing.assert_array_equal(fast, ref, err_msg=name)


@pytest.mark.slow
def test_bcc_follows_pymatgen_neighbour_order(shared_data):
    # pymatgen's bcc order parameter counts only pairs j < k and changes when
    # the neighbours are permuted. In SrAgO2 (corpus id 1251) a neighbour
    # search over all sites at once lists them in another order than
    # matminer's one-site search, and bcc then differed by up to 0.023.
    s = _corpus_record(shared_data, "1251")
    fast = fast_site_fingerprints(s)
    ref = _matminer(s, range(len(s)))
    col = COL["body-centered cubic CN_8"]
    assert np.ptp(ref[:, col]) > 0.05  # a real, site-dependent bcc signal
    np.testing.assert_array_equal(fast, ref)


def test_sparse_structure_grows_the_search_radius():
    # One atom in an 8.5 Angstrom cubic cell: no neighbour within matminer's
    # first radius of 7 Angstrom; it searches 8, 9, ... until 12 neighbours.
    s = Structure(Lattice.cubic(8.5), ["Ar"], [[0, 0, 0]])
    fp = fast_site_fingerprints(s)
    assert fp[0, COL["octahedral CN_6"]] == pytest.approx(0.9995, abs=1e-12)
    np.testing.assert_array_equal(fp, _matminer(s, [0]))
    # a slab, periodic in two directions only
    slab = Structure(
        Lattice(np.diag([3.0, 3.0, 3.0]), pbc=(True, True, False)),
        ["Cu", "Cu"],
        [[0, 0, 0], [0.5, 0.5, 0.5]],
    )
    np.testing.assert_array_equal(fast_site_fingerprints(slab), _matminer(slab, [0, 1]))


def _corpus_record(data, record_id):
    corpus = data / "structure-corpus" / "structures.jsonl.gz"
    if not corpus.is_file():
        pytest.skip("structure corpus not found")
    prefix = f'{{"id": "{record_id}",'
    with gzip.open(corpus, "rt") as fh:
        return Structure.from_dict(
            next(json.loads(x) for x in fh if x.startswith(prefix))["structure"]
        )


def _rock_salt_yse(setting):
    if setting == "conventional":
        return Structure.from_spacegroup(
            "Fm-3m", Lattice.cubic(5.71), ["Y", "Se"], [[0, 0, 0], [0.5] * 3]
        )
    if setting == "primitive":
        return _rock_salt_yse("conventional").get_primitive_structure()
    # the primitive cell in the rotated setting of corpus record mp-2637
    d = 4.088784
    lattice = Lattice(
        d
        * np.array([[3**0.5 / 2, 0, 0.5], [3**0.5 / 6, (2 / 3) ** 0.5, 0.5], [0, 0, 1]])
    )
    return Structure(lattice, ["Y", "Se"], [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("setting", ["conventional", "primitive", "mp-2637"])
def test_exact_ties_resolves_bin_edge_values(setting, monkeypatch):
    # Rock-salt YSe: the pentagonal-pyramidal value of its perfect octahedra
    # is 0.5 in exact arithmetic, on a histogram bin edge. Computed, it lands
    # a few ulp either side (bin centre 0.4995 or 0.5005), and which side
    # depends on the implementation and on the machine: for the corpus record
    # mp-2637 pymatgen gives 0.5005 at Se on one machine and 0.4995 on
    # another, where the vectorised formulas also give 0.4995. What holds on
    # every machine: the kernel flags these values as ties, recomputes them
    # with pymatgen's own order parameters, and then equals matminer computed
    # in the same run; without exact_ties it differs by at most one bin, and
    # only at flagged ties.
    from sklearn_leafs.environments import _fast_kernel

    s = _rock_salt_yse(setting)
    col = COL["pentagonal pyramidal CN_6"]
    flagged = []
    resolve = _fast_kernel._resolve_ties

    def spy(ties, value, *args):
        flagged.append((ties.copy(), value.copy()))
        return resolve(ties, value, *args)

    monkeypatch.setattr(_fast_kernel, "_resolve_ties", spy)
    sites = [0, len(s) - 1]  # one Y, one Se
    ref = _matminer(s, sites)
    np.testing.assert_array_equal(fast_site_fingerprints(s, sites), ref)
    (ties, raw), *_ = flagged
    assert ties[:, col].all()  # both octahedra are ties at this motif
    np.testing.assert_allclose(raw[:, col], 0.5, rtol=0, atol=1e-12)
    for value in ref[:, col]:
        assert value == pytest.approx(0.4995, abs=1e-12) or value == pytest.approx(
            0.5005, abs=1e-12
        )
    loose = fast_site_fingerprints(s, sites, exact_ties=False)
    assert np.abs(loose - ref).max() <= 0.001 + 1e-12
    np.testing.assert_array_equal(loose[~ties], ref[~ties])


def test_bcc_ties_of_perfect_cubes_equal_matminer(monkeypatch):
    # CsCl and the F sites of fluorite sit in perfect cubes: bcc is on the
    # histogram tie at 1. Where this BLAS computes np.inner as an FMA chain,
    # the kernel recomputes such ties with a replica of pymatgen's loop
    # (_bcc_exact); elsewhere with pymatgen itself, and the replica must not
    # be used. Either way the output equals matminer's.
    from sklearn_leafs.environments import _fast_kernel

    def _fail(*args, **kwargs):
        raise AssertionError("_bcc_exact used although np.inner is not an FMA chain")

    if not _fast_kernel._blas_dot3_is_exact():
        monkeypatch.setattr(_fast_kernel, "_bcc_exact", _fail)
    cscl = Structure.from_spacegroup(
        "Pm-3m", Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3]
    )
    fluorite = Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(5.46), ["Ca", "F"], [[0, 0, 0], [0.25] * 3]
    )
    for s in (cscl, fluorite):
        sites = [0, len(s) - 1]
        np.testing.assert_array_equal(
            fast_site_fingerprints(s, sites), _matminer(s, sites)
        )


def test_exact_bcc_replica_is_bit_identical_to_pymatgen():
    # Perfect cubes put bcc on the histogram tie at 1 (pymatgen gives 1 + 2e-16
    # or 1 - 1e-16 depending on the coordinates), so ties there are frequent
    # and are recomputed with a replica of pymatgen's loop. Where np.inner is
    # an FMA chain (as in OpenBLAS) it must agree to the last bit, on perfect,
    # slightly distorted and random shells; on other BLAS builds (where the
    # kernel does not use it) it agrees to rounding.
    from pymatgen.core import Site

    from sklearn_leafs.environments._fast_kernel import (
        _BCC,
        _bcc_exact,
        _blas_dot3_is_exact,
        _pymatgen_ops,
    )

    bit_identical = _blas_dot3_is_exact()
    op = _pymatgen_ops()[_BCC]
    cube = _ideal_shell(8)
    rng = np.random.default_rng(8)
    for trial in range(60):
        centre = rng.normal(size=3) * 5
        if trial % 3 == 0:
            shell = centre + cube * rng.uniform(2.0, 4.0)
        elif trial % 3 == 1:
            shell = centre + cube * 3.0 + rng.normal(scale=1e-3, size=(8, 3))
        else:
            shell = centre + rng.normal(size=(8, 3)) * 2
        shell = shell[rng.permutation(8)]
        sites = [Site("H", centre)] + [Site("H", x) for x in shell]
        ref = op.get_order_parameters(sites, 0, range(1, 9))[0]
        mine = _bcc_exact(sites[0].coords, np.array([x.coords for x in sites[1:]]))
        if bit_identical:
            assert mine == ref, (trial, ref, mine)
        else:
            assert mine == pytest.approx(ref, rel=0, abs=1e-14), (trial, ref, mine)

"""site_similarities, SiteRecords and the batch API."""

import gzip
import json
import shutil
import warnings

import numpy as np
import pytest
from _environment_data import BAD_CIF, corpus_path, li_cif_dir
from pymatgen.core import Lattice, Structure

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.environments import (
    SiteRecords,
    collect_items,
    compute_site_records,
    site_similarities,
)
from sklearn_leafs.tables import build_table, table_from_records

OCT = MOTIF_LABELS.index("octahedral CN_6")
TET = MOTIF_LABELS.index("tetrahedral CN_4")


def rock_salt(cation="Mg", anion="O", a=4.21):
    return Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(a), [cation, anion], [[0, 0, 0], [0.5, 0.5, 0.5]]
    )


def zinc_blende():
    return Structure.from_spacegroup(
        "F-43m", Lattice.cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25, 0.25, 0.25]]
    )


def test_mgo_values_and_weights():
    result = site_similarities(rock_salt(), symmetry=True)
    assert result.symmetry_reduced
    assert result.elements == ["Mg", "O"]
    assert result.weights.tolist() == [4.0, 4.0]
    assert result.site_indices.tolist() == [0, 4]
    # matminer's histogram peak: bin centre of 1.0 is 0.9995
    assert result.values[0, OCT] == pytest.approx(0.9995, abs=1e-12)
    full = site_similarities(rock_salt())  # default: every site
    assert not full.symmetry_reduced
    assert len(full) == 8 and full.weights.tolist() == [1.0] * 8
    np.testing.assert_array_equal(full.values[:4], np.repeat(result.values[:1], 4, 0))


def test_zinc_blende_is_tetrahedral():
    result = site_similarities(zinc_blende(), symmetry=True)
    assert result.values[:, TET] == pytest.approx([0.9995, 0.9995])
    assert result.values[:, OCT] == pytest.approx([0.0005, 0.0005])


def test_partial_occupancy_and_vacancy():
    s = rock_salt()
    s.replace_species({"Mg": {"Mg": 0.5, "Ni": 0.3}})  # 0.2 vacancy
    result = site_similarities(s, symmetry=True)
    assert result.elements == ["Mg", "Ni", "O"]
    assert result.weights == pytest.approx([2.0, 1.2, 4.0])
    # both species on the site get the site's vector
    np.testing.assert_array_equal(result.values[0], result.values[1])
    assert result.vacancies == [(0, pytest.approx(0.2))]
    assert result.values[0, OCT] == pytest.approx(0.9995)


def test_oxidation_states_are_dropped():
    s = rock_salt()
    s.add_oxidation_state_by_element({"Mg": 2, "O": -2})
    assert site_similarities(s).elements == ["Mg"] * 4 + ["O"] * 4


@pytest.mark.parametrize("label", ["Nh", "M"])
def test_placeholder_labels_raise_naming_site(label):
    from pymatgen.core import DummySpecies

    s = rock_salt()
    s.replace(4, DummySpecies("M") if label == "M" else label)
    with pytest.raises(ValueError, match=rf"site 4: '{label}.*placeholder"):
        site_similarities(s, symmetry=False)


def test_bad_engine():
    with pytest.raises(ValueError, match="engine must be one of"):
        site_similarities(rock_salt(), engine="numba")


# -- readers --------------------------------------------------------------------
def test_collect_items_from_files_dirs_and_corpus(tmp_path):
    s = rock_salt()
    s.to(filename=str(tmp_path / "MgO.cif"))
    s.to(filename=str(tmp_path / "POSCAR"))
    (tmp_path / "notes.txt").write_text("not a structure")
    with gzip.open(tmp_path / "corpus.jsonl.gz", "wt") as f:
        for i in range(2):
            f.write(
                json.dumps({"id": f"c{i}", "source": "t", "structure": s.as_dict()})
            )
            f.write("\n")
    items = collect_items(tmp_path)
    # every file is an item: notes.txt is reported when read, never ignored
    assert [i.id for i in items] == ["MgO.cif", "POSCAR", "c0", "c1", "notes.txt"]
    assert [i.kind for i in items] == ["file", "file", "dict", "dict", "unrecognized"]
    for item in items[:4]:
        assert item.load().composition.reduced_formula == "MgO"
    with pytest.raises(ValueError, match="not a structure file.*'notes.txt'"):
        items[4].load()
    with pytest.raises(ValueError, match="does not exist"):
        collect_items([str(tmp_path / "missing.cif")])
    with pytest.raises(ValueError, match="input 1 is a int"):
        collect_items([s, 3])


def test_corpus_line_without_structure(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a"}\n')
    with pytest.raises(ValueError, match="line 1"):
        collect_items(path)


# -- batch ---------------------------------------------------------------------
def _structures():
    s = rock_salt()
    s.replace_species({"Mg": {"Mg": 0.5, "Ni": 0.5}})
    return {
        "MgO": rock_salt(),
        "ZnS": zinc_blende(),
        "NaCl": rock_salt("Na", "Cl", 5.64),
        "MgNiO2": s,
    }


def _assert_same(a, b):
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.elements, b.elements)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.structure_index, b.structure_index)
    np.testing.assert_array_equal(a.site_index, b.site_index)
    np.testing.assert_array_equal(a.structure_ids, b.structure_ids)
    assert a.skipped == b.skipped


def test_batch_records_and_means():
    records = compute_site_records(_structures())
    assert records.structure_ids.tolist() == ["MgO", "ZnS", "NaCl", "MgNiO2"]
    assert records.formulas.tolist() == ["MgO", "ZnS", "NaCl", "MgNiO2"]
    counts = records.element_counts()
    assert counts.to_dict() == {
        "O": 8.0, "Na": 4.0, "Mg": 6.0, "S": 4.0, "Cl": 4.0, "Ni": 2.0, "Zn": 4.0
    }  # fmt: skip
    means = records.element_means()
    assert list(means.index) == ["O", "Na", "Mg", "S", "Cl", "Ni", "Zn"]
    assert list(means.columns) == list(MOTIF_LABELS)
    # hand check: the weighted mean of Mg is (4*v_MgO + 2*v_MgNiO2) / 6
    mg = records.values[records.elements == "Mg"]
    w = records.weights[records.elements == "Mg"]
    np.testing.assert_allclose(means.loc["Mg"], (w[:, None] * mg).sum(0) / w.sum())
    assert means.loc["Zn", "tetrahedral CN_4"] == pytest.approx(0.9995)
    assert means.loc["Na", "octahedral CN_6"] == pytest.approx(0.9995)


def test_records_select_concatenate_save_load(tmp_path):
    records = compute_site_records(_structures(), symmetry=True)
    kept = records.select(exclude_formulas=["Cl1 Na1", "ZnS"])
    assert kept.structure_ids.tolist() == ["MgO", "MgNiO2"]
    assert set(kept.elements.tolist()) == {"Mg", "O", "Ni"}
    only = records.select(["NaCl"])
    assert only.structure_ids.tolist() == ["NaCl"] and len(only) == 2
    assert only.structure_index.tolist() == [0, 0]
    with pytest.raises(ValueError, match="unknown structure ids"):
        records.select(["nope"])
    dropped = records.select(exclude_ids=["MgO"])
    both = SiteRecords.concatenate([records.select(["MgO"]), dropped])
    assert sorted(both.structure_ids.tolist()) == sorted(records.structure_ids)
    np.testing.assert_allclose(
        both.element_means().sort_index(), records.element_means().sort_index()
    )
    path = tmp_path / "records.npz"
    records.save(path)
    loaded = SiteRecords.load(path)
    _assert_same(records, loaded)
    assert loaded.metadata == records.metadata
    frame = loaded.to_frame()
    assert frame.shape == (len(records), 4 + 37)
    assert frame["structure_id"].iloc[0] == "MgO"


def test_build_table():
    table = build_table(_structures())
    assert table.elements == ["O", "Na", "Mg", "S", "Cl", "Ni", "Zn"]
    assert table.feature_names == list(MOTIF_LABELS)
    assert table.counts["Mg"] == 6.0
    info = table.provenance
    assert info["n_structures"] == 4 and info["n_sites"] == 32.0
    assert info["skipped"] == [] and info["engine"] == "fast"
    same = build_table(_structures())
    np.testing.assert_array_equal(same.values, table.values)


def _placeholder_structure():
    s = rock_salt()
    s.replace(4, "Nh")
    return s


def test_error_policies(shared_data):
    bad_cif = li_cif_dir(shared_data) / BAD_CIF
    inputs = {"MgO": rock_salt(), "bad": str(bad_cif), "NH4": _placeholder_structure()}
    with pytest.raises(ValueError, match=r"structure 'bad' .*over-occupied site"):
        compute_site_records(inputs)
    records = compute_site_records(inputs, errors="skip")
    assert records.structure_ids.tolist() == ["MgO"]
    assert [s["id"] for s in records.skipped] == ["bad", "NH4"]
    assert "placeholder" in records.skipped[1]["reason"]
    assert "site" in records.skipped[1]["reason"]
    with pytest.warns(UserWarning, match="2 structure\\(s\\) skipped"):
        warned = compute_site_records(inputs, errors="warn")
    assert warned.skipped == records.skipped
    table = table_from_records(records)
    assert table.provenance["n_skipped"] == 2
    with pytest.raises(ValueError, match="errors must be one of"):
        compute_site_records(inputs, errors="ignore")


def test_cache_reuses_and_invalidates(tmp_path, monkeypatch):
    from sklearn_leafs.environments import _batch as batch

    cache = tmp_path / "records.npz"
    first = compute_site_records(_structures(), cache=cache)
    assert cache.is_file()

    def fail(*args, **kwargs):
        raise AssertionError("recomputed despite a valid cache")

    monkeypatch.setattr(batch, "_one_structure", fail)
    again = compute_site_records(_structures(), cache=cache)
    _assert_same(first, again)
    monkeypatch.undo()
    other = compute_site_records(_structures(), cache=cache, symmetry=True)
    assert len(other) < len(first)
    assert SiteRecords.load(cache).metadata["symmetry"] is True


@pytest.mark.slow
def test_n_jobs_invariance_on_li_cifs(shared_data):
    folder = li_cif_dir(shared_data)
    paths = [str(folder / n) for n in ["Li3N_id8.cif", "LiF_id34.cif", BAD_CIF]]
    inputs = [*paths, *_structures().values()]
    one = compute_site_records(inputs, n_jobs=1, errors="skip")
    two = compute_site_records(inputs, n_jobs=2, errors="skip")
    _assert_same(one, two)
    assert len(one.skipped) == 1 and one.n_structures == 6


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_records(shared_data):
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    inputs = [str(li_cif_dir(shared_data) / "Li3N_id80.cif"), *_structures().values()]
    serial = compute_site_records(inputs, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster),
        ):
            with joblib.parallel_config(backend="dask"):
                on_dask = compute_site_records(inputs)
            explicit = compute_site_records(inputs, backend="dask")
    _assert_same(serial, on_dask)
    _assert_same(serial, explicit)


def test_corpus_subset_with_placeholders(shared_data, tmp_path):
    """Real corpus records, including an AFLOW prototype that uses Nh for NH4."""
    wanted = {"mp-2114", "aflow:AB_cP2_221_a_b.NH4.NO3", "aflow:AB_hP6_183_c_ab"}
    small = tmp_path / "small.jsonl"
    with gzip.open(corpus_path(shared_data), "rt") as f, open(small, "w") as out:
        for line in f:
            if json.loads(line)["id"] in wanted:
                out.write(line)
    records = compute_site_records(small, errors="skip")
    assert records.structure_ids.tolist() == ["mp-2114"]
    reasons = {s["id"]: s["reason"] for s in records.skipped}
    assert "'Nh'" in reasons["aflow:AB_cP2_221_a_b.NH4.NO3"]
    assert "'M" in reasons["aflow:AB_hP6_183_c_ab"]
    assert records.sources.tolist() == ["mp:matminer-0.3.9/dielectric_constant"]
    shutil.rmtree(tmp_path)


# -- geometry sanity (issue 25) ---------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_leafs.environments._sites import (  # noqa: E402
    MIN_DISTANCE,
    MIN_VOLUME_PER_ATOM,
    check_geometry,
)


@pytest.mark.parametrize(
    "structure, match",
    [
        # a 0.02 Å two-atom cell: degenerate volume
        (
            Structure(Lattice.cubic(0.02), ["Na", "Cl"], [[0, 0, 0], [0.5] * 3]),
            "degenerate cell",
        ),
        # a needle: 0.2 Å repeat along c, large volume
        (
            Structure(
                Lattice.from_parameters(40, 40, 0.2, 90, 90, 90), ["Fe"], [[0, 0, 0]]
            ),
            "repeats every 0.2 Å",
        ),
        # a sheared cell whose short translation is a + b, not a lattice vector
        (
            Structure(
                Lattice([[6, 0, 0], [-5.8, 0.3, 0], [0, 0, 6]]), ["K"], [[0] * 3]
            ),
            "its own periodic image",
        ),
        # two fully occupied sites 0.1 Å apart (an atom listed twice)
        (
            Structure(
                Lattice.cubic(5.0),
                ["Zn", "S", "S"],
                [[0, 0, 0], [0.25] * 3, [0.27, 0.25, 0.25]],
            ),
            r"atoms overlap: sites 1 \(S\) and 2 \(S\).*0\.1 Å apart",
        ),
        (
            Structure(Lattice.cubic(4.0), ["Cu"], [[np.nan, 0, 0]]),
            "non-finite",
        ),
    ],
)
def test_unphysical_geometry_is_named_and_fast(structure, match):
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        site_similarities(structure)
    assert time.perf_counter() - start < 1.0  # before any neighbour search
    # a batch names the structure and skips it, never scores it
    records = compute_site_records({"bad": structure, "ok": rock_salt()}, errors="skip")
    assert records.structure_ids.tolist() == ["ok"]
    (skip,) = records.skipped
    assert skip["id"] == "bad" and match.split(":")[0].split(r"\(")[0] in skip["reason"]


def test_split_positions_and_hydrogen_are_accepted():
    # two half-occupied Li split positions 0.3 Å apart are alternatives
    split = Structure(
        Lattice.cubic(5.0),
        [{"Li": 0.5}, {"Li": 0.5}, "Cl"],
        [[0, 0, 0], [0.06, 0, 0], [0.5] * 3],
    )
    check_geometry(split)
    # an O-H bond of 0.96 Å (water-like hydroxide) is real
    hydroxide = Structure(
        Lattice.cubic(4.0), ["Li", "O", "H"], [[0, 0, 0], [0.5] * 3, [0.5, 0.5, 0.74]]
    )
    check_geometry(hydroxide)
    assert len(site_similarities(hydroxide)) == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a=st.floats(1e-6, 20.0),
    c_over_a=st.floats(0.01, 10.0),
    shift=st.floats(0.0, 0.5),
)
def test_geometry_rule_matches_brute_force(a, c_over_a, shift):
    """Property: check_geometry accepts a two-atom tetragonal cell exactly when
    the brute-force shortest distance (images included) and the volume per
    atom are above the thresholds."""
    lattice = Lattice.tetragonal(a, a * c_over_a)
    structure = Structure(lattice, ["Na", "Cl"], [[0, 0, 0], [shift, shift, shift]])
    # brute force over the images of the 27 neighbouring cells
    frac = np.array([[0, 0, 0], [shift] * 3])
    shortest = np.inf
    for image in np.array(np.meshgrid(*[[-1, 0, 1]] * 3)).T.reshape(-1, 3):
        for p in range(2):
            for q in range(2):
                if p == q and not image.any():
                    continue
                vector = lattice.get_cartesian_coords(frac[q] + image - frac[p])
                shortest = min(shortest, float(np.linalg.norm(vector)))
    volume_per_atom = lattice.volume / 2
    physical = shortest >= MIN_DISTANCE and volume_per_atom >= MIN_VOLUME_PER_ATOM
    # stay clear of the boundary, where rounding decides
    if (
        abs(shortest - MIN_DISTANCE) < 1e-6
        or abs(volume_per_atom - MIN_VOLUME_PER_ATOM) < 1e-6
    ):
        return
    if physical:
        check_geometry(structure)
    else:
        with pytest.raises(ValueError):
            check_geometry(structure)

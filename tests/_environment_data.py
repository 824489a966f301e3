"""Structures for the environment tests: built here (no reference data), or
read from the structure corpus and Li-conductor CIFs of the reference data."""

import gzip
import json
import warnings

import pytest

#: Small corpus structures: low symmetry (space group <= 15), high symmetry,
#: and the two disordered AFLOW prototypes.
CORPUS_LOW_SYMMETRY = [
    "JVASP-136781", "wbm-5-8534", "JVASP-134516", "925", "wbm-1-52934",
    "mp-555293", "mp-551905", "aflow:A_mC4_12_i", "wbm-5-14449", "wbm-4-588",
    "wbm-4-35491", "1254", "JVASP-133750", "JVASP-136988", "mp-632480",
    "wbm-4-3584", "mp-1038767", "wbm-3-41990", "1117", "1253",
]  # fmt: skip
CORPUS_HIGH_SYMMETRY = [
    "mp-980203", "440", "mp-1670", "mp-999192", "mp-1780", "mp-90",
    "mp-1038916", "aflow:ABC2_tP4_123_d_a_f", "mp-30338", "mp-867226",
    "mp-9886", "JVASP-20096", "mp-2114", "wbm-4-11886", "JVASP-99585", "1036",
    "mp-31460", "mp-11879",
]  # fmt: skip
CORPUS_DISORDERED = ["aflow:AB_hP4_194_a_c", "aflow:AB_tI4_139_b_a"]

#: Small Li-conductor CIFs: ordered, disordered (Li3N_id80, LiF_id34, Li3N_id0,
#: id121, id125, LiF_id12 (P-1)), and LiBH4_id45, where spglib finds no
#: symmetry for the disordered cell.
LI_CIFS = [
    "Li3N_id8.cif", "Li3N_id80.cif", "Li2Ca(NH)2_id0.cif", "LiF_id34.cif",
    "LiF_id21.cif", "LiF_id58.cif", "LiI_id52.cif", "Li3N_id0.cif",
    "Li3N_id121.cif", "Li3N_id125.cif", "Li3N_id113.cif", "Li3N_id95.cif",
    "LiF_id12.cif", "LiBH4_id45.cif",
]  # fmt: skip

#: A CIF with a real over-occupancy (site occupancies sum to up to 1.1), not
#: read at the default occupancy_tolerance (1.02).
BAD_CIF = "LiFePO4 _id62.cif"


def corpus_path(shared):
    path = shared / "structure-corpus" / "structures.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"structure corpus not found at {path}")
    return path


def li_cif_dir(shared):
    path = shared / "li-ion-conductors" / "cifs"
    if not path.is_dir():
        pytest.skip(f"Li-conductor CIFs not found at {path}")
    return path


def corpus_structures(shared, ids):
    """{id: Structure} for the given corpus ids (in the order given)."""
    from pymatgen.core import Structure

    wanted, found = set(ids), {}
    with gzip.open(corpus_path(shared), "rt") as handle:
        for line in handle:
            record = json.loads(line)
            if record["id"] in wanted:
                found[record["id"]] = Structure.from_dict(record["structure"])
                if len(found) == len(wanted):
                    break
    missing = wanted - set(found)
    assert not missing, f"corpus ids not found: {missing}"
    return {i: found[i] for i in ids}


def li_structures(shared, names):
    from pymatgen.core import Structure

    folder = li_cif_dir(shared)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {n: Structure.from_file(folder / n) for n in names}


def synthetic_structures():
    """{name: Structure}: small structures built in the test, no reference data.

    Ordered high-symmetry prototypes (perfect octahedra, tetrahedra and cubes,
    whose order parameters sit on histogram bin edges), low-symmetry cells
    (monoclinic baddeleyite-like ZrO2, a triclinic cell), disordered cells
    (mixed and partial occupancy), and a disordered P1 cell in which spglib
    finds no symmetry.
    """
    from pymatgen.core import Lattice, Structure

    def sg(symbol, lattice, species, coords):
        return Structure.from_spacegroup(symbol, lattice, species, coords)

    cubic, hexagonal = Lattice.cubic, Lattice.hexagonal
    out = {
        "NaCl rock salt": sg(
            "Fm-3m", cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5] * 3]
        ),
        "CsCl": sg("Pm-3m", cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3]),
        "ZnS zinc blende": sg(
            "F-43m", cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25] * 3]
        ),
        "ZnO wurtzite": sg(
            "P6_3mc",
            hexagonal(3.25, 5.21),
            ["Zn", "O"],
            [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.382]],
        ),
        "TiO2 rutile": sg(
            "P4_2/mnm",
            Lattice.tetragonal(4.59, 2.96),
            ["Ti", "O"],
            [[0, 0, 0], [0.305, 0.305, 0]],
        ),
        "SrTiO3 perovskite": sg(
            "Pm-3m",
            cubic(3.905),
            ["Sr", "Ti", "O"],
            [[0.5] * 3, [0, 0, 0], [0.5, 0, 0]],
        ),
        "CaF2 fluorite": sg("Fm-3m", cubic(5.46), ["Ca", "F"], [[0, 0, 0], [0.25] * 3]),
        "ZrO2 monoclinic": sg(
            "P2_1/c",
            Lattice.monoclinic(5.15, 5.21, 5.31, 99.2),
            ["Zr", "O", "O"],
            [[0.276, 0.040, 0.208], [0.070, 0.332, 0.345], [0.450, 0.757, 0.479]],
        ),
        "LiSiO triclinic": sg(
            "P-1",
            Lattice.from_parameters(5.0, 5.6, 6.1, 81.0, 95.0, 103.0),
            ["Li", "Si", "O", "O"],
            [[0.1, 0.2, 0.3], [0.6, 0.15, 0.8], [0.3, 0.7, 0.45], [0.85, 0.4, 0.1]],
        ),
        "(Li,Fe)O disordered rock salt": sg(
            "Fm-3m",
            cubic(4.2),
            [{"Li": 0.5, "Fe": 0.5}, "O"],
            [[0, 0, 0], [0.5] * 3],
        ),
        "Li0.75F partial occupancy": sg(
            "Fm-3m", cubic(4.03), [{"Li": 0.75}, "F"], [[0, 0, 0], [0.5] * 3]
        ),
    }
    out["P1 disordered, no symmetry"] = Structure(
        Lattice.from_parameters(6.3, 6.7, 7.1, 84.0, 97.0, 106.0),
        ["Na", {"K": 0.6, "Rb": 0.4}, "Cl", "Cl", "Mg", "O"],
        [
            [0.262, 0.298, 0.814],
            [0.092, 0.6, 0.729],
            [0.188, 0.055, 0.275],
            [0.657, 0.562, 0.15],
            [0.433, 0.669, 0.423],
            [0.633, 0.967, 0.683],
        ],  # fmt: skip
    )
    return out

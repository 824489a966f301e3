"""NearestCompositions: composed on NearestNeighbors, the known-materials reference."""

import hashlib
import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs.cli import main
from sklearn_leafs.neighbors import NearestCompositions, composition_vectors

TOY = pd.DataFrame(
    {"a": [1.0, 0.0, 0.5, 0.2], "b": [0.0, 1.0, 0.5, 0.9], "c": [0.3, 0.1, 0.0, 0.4]},
    index=["O", "Mg", "Ca", "Sr"],
)
REFS = ["MgO", "CaO", "SrO", "MgO2", "CaMgO2", "SrCaO2"]


def test_scores_match_brute_force_cosine():
    nn = NearestCompositions(TOY, n_neighbors=3).fit(REFS)
    queries = ["SrMgO2", "CaO3"]
    scores, idx = nn.kneighbors(queries)
    A = composition_vectors(queries, TOY)
    B = composition_vectors(REFS, TOY)
    cos = (A / np.linalg.norm(A, axis=1, keepdims=True)) @ (
        B / np.linalg.norm(B, axis=1, keepdims=True)
    ).T
    expected_idx = np.argsort(-cos, axis=1, kind="stable")[:, :3]
    np.testing.assert_array_equal(idx, expected_idx)
    np.testing.assert_allclose(scores, np.take_along_axis(cos, expected_idx, 1))
    assert ((-1 <= scores) & (scores <= 1)).all()


def test_exp_cosine_option_is_eq_s3():
    cos, i1 = NearestCompositions(TOY, n_neighbors=2).fit(REFS).kneighbors(["SrO"])
    exp, i2 = (
        NearestCompositions(TOY, n_neighbors=2, score="exp_cosine")
        .fit(REFS)
        .kneighbors(["SrO"])
    )
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(exp, np.exp(cos))
    assert exp[0, 0] == pytest.approx(np.e)  # SrO itself


def test_query_returns_formulas_and_labels():
    nn = NearestCompositions(TOY, n_neighbors=2).fit(REFS, list("uvwxyz"))
    frame = nn.query(["SrO", "MgO"])
    assert frame["query"].tolist() == ["SrO", "SrO", "MgO", "MgO"]
    assert frame["rank"].tolist() == [1, 2, 1, 2]
    assert frame.loc[0, ["formula", "label"]].tolist() == ["SrO", "w"]
    assert frame.loc[2, ["formula", "label"]].tolist() == ["MgO", "u"]
    assert frame.loc[0, "similarity"] == pytest.approx(1.0)


def test_bad_input():
    with pytest.raises(ValueError, match="reference='known'"):
        NearestCompositions(TOY).fit()
    with pytest.raises(ValueError, match="without X"):
        NearestCompositions(TOY, reference="known").fit(REFS)
    with pytest.raises(ValueError, match="row 1 .*Xe"):
        NearestCompositions(TOY).fit(["MgO", "XeO"])
    with pytest.raises(ValueError, match="score"):
        NearestCompositions(TOY, score="exp").fit(REFS)


def test_known_reference_on_default_table():
    nn = NearestCompositions(n_neighbors=3, reference="known").fit()
    assert len(nn.formulas_) > 10000 and not nn.dropped_
    frame = nn.query(["NaCl", "ZnO"])
    top = frame[frame["rank"] == 1].set_index("query")
    assert top.loc["NaCl", "formula"] == "NaCl"
    assert top.loc["NaCl", "similarity"] == pytest.approx(1.0)
    assert top.loc["NaCl", "label"] == "AB_cF8_225_a_b"  # rock salt
    assert top.loc["NaCl", "spacegroup_number"] == 225
    assert "mp-22862" in top.loc["NaCl", "source_ids"].split(";")
    # the wurtzite ground state of ZnO in flla_2015
    assert top.loc["ZnO", "label"] == "AB_hP4_186_b_b"
    assert top.loc["ZnO", "pearson_symbol"] == "hP4"


def test_known_reference_structure_type_ignores_element_order():
    nn = NearestCompositions(reference="known").fit()
    ref = nn.reference_.set_index("formula")
    # CrCuO2 (Cr-Cu-O) and LiRhO2 (Li-O-Rh): the same alpha-NaFeO2 type whose
    # pymatgen labels list the elements in another order
    assert ref.loc["CrCuO2", "prototype_label"].startswith("ABC2_hR12_166_a_b_c")
    assert ref.loc["LiRhO2", "prototype_label"].startswith("AB2C_hR12_166_a_c_b")
    assert ref.loc["CrCuO2", "structure_type"] == ref.loc["LiRhO2", "structure_type"]
    # the representative polymorph is the template library's (evidence rule),
    # not an unstable record that merely has an energy: wurtzite GaN (not the
    # rock salt 0.48 eV/atom above the hull), corundum Al2O3, diamond Si
    assert ref.loc["GaN", "structure_type"] == "AB_hP4_186_b_b"
    assert ref.loc["Al2O3", "structure_type"] == "A2B3_hR30_167_c_e"
    assert ref.loc["Si", "structure_type"] == "A_cF8_227_a"
    # sodium nitride's formula is the string "NaN", not a missing value
    assert "NaN" in ref.index


def test_known_reference_drops_uncovered_with_warning():
    with pytest.warns(UserWarning, match="left out"):
        nn = NearestCompositions(TOY, n_neighbors=1, reference="known").fit()
    assert nn.formulas_ and all(
        set(f) <= set("MgCaSrO0123456789()") for f in nn.formulas_
    )
    assert "NaCl" in nn.dropped_


def test_shipped_files_match_their_sidecars():
    root = resources.files("sklearn_leafs") / "data"
    # sha256 of the published source files (reference data README)
    published = {
        "li_ion_conductivity.csv": "a089b0d423cb636548d9c45abf714aa2823ae5d063acfffc009249c1f2897616",
        "binary_structure_types.csv": "b5db095d2d94aa10fafb5293399a4cc638bbd7efa3721cccc8a92532d37269cc",
        "known_compositions.csv.gz": "b6081a6e20dc3d80ed8a8de7a9579a333d5af9d344e6dcbcbc5305e8c779edb7",
    }
    for name, source_sha in published.items():
        meta = json.loads((root / f"{name}.json").read_text())
        assert meta["source_sha256"] == source_sha
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == meta["sha256"]
        assert meta["licence"] and meta["source"]


def test_cli_nearest(capsys):
    assert main(["nearest", "LiCoO2", "--top", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("LiCoO2: 10 nearest known compositions (cosine")
    assert "structure type" in lines[1] and "source" in lines[1]
    rows = lines[2:]
    assert len(rows) == 10
    first = rows[0].split()
    assert first[0] == "1" and first[1] == "LiNiO2"
    assert 0.99 < float(first[2]) <= 1.0
    # the corpus holds LiNiO2 only as a computed WBM structure (no ICSD-linked
    # record), which is therefore its representative
    assert first[3:] == ["ABC2_tI16_98_a_b_f", "98", "wbm-1-25730"]
    second = rows[1].split()
    # alpha-NaFeO2-type LiFeO2 (mp-19419) is 0.34 eV/atom above the hull in
    # its source, so the library keeps the other polymorph
    assert second[1] == "LiFeO2"
    assert second[3:] == ["ABC2_hP8_186_b_b_ab", "186", "mp-774101", "(+1)"]
    assert main(["nearest", "LiCoO2", "--top", "0"]) == 2
    assert main(["nearest", "LiXx2"]) == 1
    assert "leafs: error:" in capsys.readouterr().err


def test_cli_nearest_answers_the_readable_formulas(capsys, tmp_path):
    # a bad formula among good ones is reported; the others are answered
    assert main(["nearest", "NaCl", "Xx2O", "LiCoO2", "--top", "1"]) == 1
    out, err = capsys.readouterr()
    headers = [line.split(":")[0] for line in out.splitlines() if "nearest" in line]
    assert headers == ["NaCl", "LiCoO2"]
    assert "formula 2 ('Xx2O'): unknown element symbol 'Xx'" in err
    # a readable formula with an element the table lacks is reported too
    path = tmp_path / "table.csv"
    pd.DataFrame(
        {"a": [1.0, 0.0, 0.5], "b": [0.0, 1.0, 0.5]}, index=["Na", "Cl", "O"]
    ).to_csv(path)
    argv = ["nearest", "KCl", "NaCl", "--top", "1", "--table", str(path)]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out.startswith("(left out") and "NaCl: 1 nearest" in out
    assert "KCl: 1 nearest" not in out
    assert "formula 1 ('KCl'): element(s) K not in the table" in err

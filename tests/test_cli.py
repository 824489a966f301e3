"""Success and error paths of every ``leafs`` subcommand."""

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sklearn_leafs
from sklearn_leafs.cli import main
from sklearn_leafs.tables import get_table

DATA = Path(
    os.environ.get(
        "SKLEARN_LEAFS_DATA",
        Path(__file__).resolve().parents[1] / ".." / "shared" / "data",
    )
)
PROTOTYPES = DATA / "binary-ab-structure-types"

SUBCOMMANDS = [
    "featurize",
    "similarity",
    "substitute",
    "predict-structure",
    "build-table",
    "demo",
]


@pytest.fixture(scope="module")
def table_path():
    """The table CSV shipped with the package (no reference data)."""
    return str(
        Path(sklearn_leafs.__file__).parent / "data" / "open_unweighted_table.csv"
    )


@pytest.fixture(scope="module")
def leaf(table_path):

    return get_table(table_path).frame


def _one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("leafs: error: ")
    return lines[0]


# -- usage ---------------------------------------------------------------------
@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: leafs" + ("" if command is None else f" {command}"))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["no-such-command"],
        ["featurize"],  # INPUT and -o missing
        ["featurize", "in.csv", "-o", "out.csv", "--featurizer", "magic"],
        ["featurize", "in.csv", "-o", "out.csv", "--chunksize", "0"],
        ["similarity", "Na"],
        ["substitute", "NaCl", "--top", "0"],
        ["substitute", "NaCl", "--top", "many"],
        ["predict-structure"],
        ["build-table", "x.cif"],  # -o missing
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage: leafs" in capsys.readouterr().err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("leafs 0.")


# -- featurize -------------------------------------------------------------------
@pytest.fixture
def formulas_csv(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(
        "id,formula,y\n"
        "a,MgO,1.5\n"
        "b,Xx2O,2\n"
        "c,,3\n"
        "d,NaCl,4\n"
        "e,Og2O,5\n"
        "f,Li7La3Zr2O12,6\n"
        "g,NA,7\n"
    )
    return path


def test_featurize_streams_and_reports_bad_rows(formulas_csv, table_path, leaf, capsys):
    out = formulas_csv.with_name("out.csv")
    rejects = formulas_csv.with_name("rejects.csv")
    code = main(
        [
            "featurize",
            str(formulas_csv),
            "--table",
            table_path,
            "-o",
            str(out),
            "--chunksize",
            "2",
            "--rejects",
            str(rejects),
            "-q",
        ]
    )
    assert code == 1  # some rows failed; the good ones are written
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0] == "leafs: row 2 ('Xx2O'): unknown element symbol 'Xx' in formula 'Xx2O'"
    )
    assert err[1] == "leafs: row 3: empty formula"
    assert err[2].startswith("leafs: row 5 ('Og2O'):") and "Og" in err[2]
    assert err[3].startswith("leafs: row 7 ('NA'):")
    assert err[4] == (
        "leafs: 4 of 7 rows could not be featurized (listed above); wrote the other 3"
    )
    result = pd.read_csv(out)
    assert result["id"].tolist() == ["a", "d", "f"]
    assert result["y"].tolist() == [1.5, 4.0, 6.0]
    assert list(result.columns[3:]) == [f"mean|{c}" for c in leaf.columns]
    # MgO is the plain mean of the Mg and O rows (Eq. 2)
    expected = (leaf.loc["Mg"] + leaf.loc["O"]) / 2
    np.testing.assert_allclose(result.iloc[0, 3:].to_numpy(float), expected, rtol=1e-9)
    garnet = (7 * leaf.loc["Li"] + 3 * leaf.loc["La"] + 2 * leaf.loc["Zr"]) / 24 + (
        12 * leaf.loc["O"]
    ) / 24
    np.testing.assert_allclose(result.iloc[2, 3:].to_numpy(float), garnet, rtol=1e-9)
    rej = pd.read_csv(rejects, keep_default_na=False)
    assert rej["row"].tolist() == [2, 3, 5, 7]
    assert rej["formula"].tolist() == ["Xx2O", "", "Og2O", "NA"]


def test_featurize_errors_skip_and_stdout(formulas_csv, table_path, capsys):
    argv = ["featurize", str(formulas_csv), "--table", table_path, "-o", "-", "-q"]
    assert main(argv + ["--errors", "skip"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 4  # header + 3 good rows
    assert lines[1].startswith("a,MgO,1.5,")
    assert "rows could not be featurized" in captured.err


def test_featurize_li_cations(tmp_path, table_path, leaf):
    src = tmp_path / "li.csv"
    src.write_text("composition\nLiCoO2\nLi3PO4\n")
    out = tmp_path / "out.csv"
    argv = ["featurize", str(src), "--column", "composition", "--table", table_path]
    argv += ["--featurizer", "li-cations", "-o", str(out), "-q"]
    assert main(argv) == 0
    result = pd.read_csv(out)
    assert result.columns[1] == "Li|sgl_bd CN_1"
    assert result.shape == (2, 1 + 2 * 37)
    li_block = result.filter(like="Li|").iloc[0].to_numpy(float)
    np.testing.assert_allclose(li_block, leaf.loc["Li"] / 4, rtol=1e-9)


def test_featurize_with_leaf_plus_table(tmp_path):
    src = tmp_path / "f.csv"
    src.write_text("formula\nMgO\n")
    out = tmp_path / "out.csv"
    argv = ["featurize", str(src), "--table", "open-unweighted+", "-o", str(out), "-q"]
    assert main(argv) == 0
    result = pd.read_csv(out)
    assert result.shape == (1, 1 + 37 + 22)
    # Eq. 2 on the Magpie columns: the mean of Mg (1.31) and O (3.44)
    assert result.loc[0, "mean|Electronegativity"] == pytest.approx((1.31 + 3.44) / 2)


def test_featurize_data_errors(tmp_path, formulas_csv, table_path, capsys):
    out = tmp_path / "out.csv"
    base = ["-o", str(out), "--table", table_path, "-q"]
    assert main(["featurize", str(tmp_path / "missing.csv"), *base]) == 1
    assert "input file not found" in _one_error_line(capsys.readouterr().err)

    assert main(["featurize", str(formulas_csv), "--column", "formula_x", *base]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "'formula_x' not found" in line and "id, formula, y" in line

    assert (
        main(["featurize", str(formulas_csv), "-o", str(out), "--table", "nope"]) == 1
    )
    assert "unknown table 'nope'" in _one_error_line(capsys.readouterr().err)

    bad = tmp_path / "bad.csv"
    bad.write_text("formula\nXx\nQq2\n")
    assert main(["featurize", str(bad), *base]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        f"leafs: error: none of the 2 rows of {bad} could be featurized; "
        "nothing was written"
    )
    assert not out.exists()

    header_only = tmp_path / "header.csv"
    header_only.write_text("formula\n")
    assert main(["featurize", str(header_only), *base]) == 1
    assert "has no data rows" in _one_error_line(capsys.readouterr().err)
    assert not out.exists()


def test_featurize_latin1_csv_names_file_and_line(tmp_path, table_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes(
        "formula,note\nMgO,ok\nNaCl,mesur\xe9 \xe0 300 K\n".encode("latin-1")
    )
    out = tmp_path / "out.csv"
    base = ["featurize", str(path), "-o", str(out), "--table", table_path, "-q"]
    assert main(base) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert (
        f"{path}, line 3, byte 11 of the line: 0xe9 cannot be decoded as utf-8" in line
    )
    assert "--encoding" in line
    assert not out.exists()
    assert main([*base, "--encoding", "latin-1"]) == 0
    result = pd.read_csv(out)
    assert result["note"].tolist() == ["ok", "mesuré à 300 K"]
    assert main([*base, "--encoding", "klingon"]) == 1
    assert "unknown encoding 'klingon'" in capsys.readouterr().err


@pytest.mark.parametrize("sep, name", [(";", ";"), ("\t", "tab"), ("|", "|")])
def test_featurize_separator_sniffed_or_given(tmp_path, table_path, leaf, sep, name):
    path = tmp_path / "in.csv"
    path.write_text(
        f"id{sep}formula{sep}y\na{sep}MgO{sep}1,5\nb{sep}CaSO4.0.5H2O{sep}2\n"
    )
    out = tmp_path / "out.csv"
    base = ["featurize", str(path), "-o", str(out), "--table", table_path, "-q"]
    assert main(base) == 0  # sniffed
    sniffed = pd.read_csv(out)
    assert sniffed["y"].tolist() == ["1,5", "2"]  # kept as text, not split
    assert main([*base, "--sep", name]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out), sniffed)
    # CaSO4.0.5H2O is the hemihydrate CaSO4 + 0.5 H2O
    hemi = (leaf.loc["Ca"] + leaf.loc["S"] + 4.5 * leaf.loc["O"] + leaf.loc["H"]) / 7.5
    np.testing.assert_allclose(
        sniffed.iloc[1, 3:].to_numpy(float), hemi.to_numpy(), rtol=1e-9
    )


def test_featurize_wrong_separator_hint(tmp_path, table_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text("formula;y\nMgO;1\n")
    out = tmp_path / "out.csv"
    argv = ["featurize", str(path), "-o", str(out), "--table", table_path, "-q"]
    assert main([*argv, "--sep", ","]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "columns are: formula;y" in line and "is the separator ';'?" in line
    assert main(argv) == 0  # sniffed: ';'


def test_featurize_single_column_csv(tmp_path, table_path):
    path = tmp_path / "in.csv"
    path.write_text("formula\nMgO\nNaCl\n")
    out = tmp_path / "out.csv"
    argv = ["featurize", str(path), "-o", str(out), "--table", table_path, "-q"]
    assert main(argv) == 0
    assert pd.read_csv(out)["formula"].tolist() == ["MgO", "NaCl"]


def test_featurize_parquet_in_and_out(tmp_path, table_path, leaf, capsys):
    pytest.importorskip("pyarrow")
    src = tmp_path / "in.parquet"
    pd.DataFrame(
        {"formula": ["MgO", "Xx", None, "NaCl", "Li0O"], "y": [1.0, 2, 3, 4, 5]}
    ).to_parquet(src)
    out = tmp_path / "out.parquet"
    argv = ["featurize", str(src), "-o", str(out), "--table", table_path, "-q"]
    assert main([*argv, "--chunksize", "2"]) == 1
    err = capsys.readouterr().err
    assert "row 2 ('Xx')" in err and "row 3: empty formula" in err
    assert "row 5 ('Li0O'): zero amount of Li" in err
    result = pd.read_parquet(out)
    assert result["formula"].tolist() == ["MgO", "NaCl"]
    assert result["y"].tolist() == [1.0, 4.0]
    expected = (leaf.loc["Mg"] + leaf.loc["O"]) / 2
    np.testing.assert_allclose(
        result.iloc[0, 2:].to_numpy(float), expected.to_numpy(), rtol=1e-12
    )
    csv_out = tmp_path / "out.csv"
    assert (
        main(["featurize", str(src), "-o", str(csv_out), "--table", table_path, "-q"])
        == 1
    )
    capsys.readouterr()
    np.testing.assert_allclose(
        pd.read_csv(csv_out).iloc[:, 2:].to_numpy(float),
        result.iloc[:, 2:].to_numpy(float),
        rtol=1e-9,
    )


def test_featurize_parquet_without_pyarrow(tmp_path, table_path, monkeypatch, capsys):
    src = tmp_path / "in.csv"
    src.write_text("formula\nMgO\n")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "out.parquet"
    assert (
        main(["featurize", str(src), "-o", str(out), "--table", table_path, "-q"]) == 1
    )
    line = _one_error_line(capsys.readouterr().err)
    assert "writing parquet needs pyarrow" in line and "sklearn-leafs[parquet]" in line
    pq = tmp_path / "in.parquet"
    pq.write_bytes(b"PAR1")
    assert main(["featurize", str(pq), "-o", str(tmp_path / "o.csv"), "-q"]) == 1
    assert "reading parquet needs pyarrow" in _one_error_line(capsys.readouterr().err)


# -- similarity --------------------------------------------------------------------
def test_similarity(table_path, capsys):
    from sklearn_leafs.neighbors import composition_similarity
    from sklearn_leafs.substitution import element_similarity

    assert main(["similarity", "Na", "K", "--table", table_path]) == 0
    out, err = capsys.readouterr()
    value = float(out)
    assert "Pearson r of standardised table rows" in err  # says what it is
    expected = element_similarity(table_path, elements=["Na", "K"]).loc["Na", "K"]
    assert value == pytest.approx(expected, abs=1e-6)
    assert -1 <= value <= 1

    argv = ["similarity", "Na", "K", "--table", table_path, "--metric", "cosine"]
    assert main(argv + ["--raw"]) == 0
    out, err = capsys.readouterr()
    cos = float(out)
    assert "cosine of raw table rows" in err
    frame = pd.read_csv(table_path, index_col=0)
    a, b = frame.loc["Na"].to_numpy(), frame.loc["K"].to_numpy()
    assert cos == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b), abs=1e-6)

    assert main(["similarity", "NaCl", "NaCl", "--table", table_path]) == 0
    out, err = capsys.readouterr()
    assert float(out) == pytest.approx(math.e, abs=1e-6)
    assert "exp(cos) of composition vectors" in err
    assert main(["similarity", "NaCl", "KBr", "--table", table_path]) == 0
    expected = composition_similarity(["NaCl"], ["KBr"], table=table_path)[0, 0]
    assert float(capsys.readouterr().out) == pytest.approx(expected, abs=1e-6)


def test_similarity_errors(table_path, capsys):
    assert main(["similarity", "Na", "Xx", "--table", table_path]) == 1
    assert "'Xx'" in _one_error_line(capsys.readouterr().err)
    assert main(["similarity", "Na", "Og", "--table", table_path]) == 1
    assert "Og" in _one_error_line(capsys.readouterr().err)


# -- substitute ----------------------------------------------------------------------
SPECIES_ROWS = [
    "Ca2+", "Sr2+", "Ba2+", "K+", "Na+", "La3+", "Al3+", "Ti4+", "Zr4+", "Nb5+",
    "Ta5+", "O2-", "S2-", "F-", "Ca0+",
]  # fmt: skip


@pytest.fixture(scope="module")
def species_table_path(tmp_path_factory):
    from sklearn_leafs.tables import LeafTable

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((len(SPECIES_ROWS), 6)), index=SPECIES_ROWS)
    counts = dict.fromkeys(SPECIES_ROWS, 100.0)
    counts["Ca0+"] = 3.0  # below the site threshold
    path = tmp_path_factory.mktemp("species") / "species.csv"
    return str(LeafTable(frame, counts=counts).to_csv(path))


_LINE = re.compile(r"^(\w+) -> (\w+) \((.*?)(; p = [0-9.e+-]+)?\)$")


def _parsed(line):
    from pymatgen.core import Composition

    from sklearn_leafs.chemistry import parse_species

    match = _LINE.match(line)
    assert match, line
    parent, formula, changes = match.group(1), match.group(2), match.group(3)
    pairs = []
    for change in changes.split(", "):
        old, arrow, new, p = change.split()
        assert arrow == "->"
        pairs.append((parse_species(old), parse_species(new), float(p)))
    return parent, Composition(formula), pairs


@pytest.mark.parametrize("states", ["icsd", "smact"])
def test_substitute_lists_only_charge_balanced_candidates(
    species_table_path, capsys, states
):
    from sklearn_leafs.chemistry import format_species, oxidation_state_set
    from sklearn_leafs.substitution import substitution_probabilities

    argv = ["substitute", "CaTiO3", "--table", species_table_path, "--top", "50"]
    if states != "icsd":  # the default
        argv += ["--oxidation-states", states]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) > 5
    P = substitution_probabilities(species_table_path, oxidation_states=states)
    admitted = oxidation_state_set(states)
    parent = {("Ca", 2): 1, ("Ti", 4): 1, ("O", -2): 3}
    products, kinds = [], set()
    for line in lines:
        name, formula, pairs = _parsed(line)
        assert name == "CaTiO3"
        species = dict(parent)
        for old, new, p in pairs:
            amount = species.pop(old)
            species[new] = species.get(new, 0) + amount
            expected = P.loc[format_species(new), format_species(old)]
            assert p == pytest.approx(expected, abs=5e-5)
            assert new[1] in admitted[new[0]]
            assert (new[1] > 0) == (old[1] > 0)  # cation for cation
        # every candidate is charge balanced, and is the printed formula
        assert sum(q * a for (_, q), a in species.items()) == 0
        amounts = {}
        for (el, _), a in species.items():
            amounts[el] = amounts.get(el, 0) + a
        assert formula.as_dict() == {k: float(v) for k, v in amounts.items()}
        products.append(math.prod(p for *_, p in pairs))
        kinds.add(tuple(sorted((o[0], n[0]) for o, n, _ in pairs)))
    assert products == sorted(products, reverse=True)
    assert (("Ca", "Sr"),) in kinds  # same-charge single substitution
    assert (("Ca", "K"), ("Ti", "Nb")) in kinds  # charges compensate
    assert not any("Ca0+" in line for line in lines)  # too few sites


def test_substitute_without_balanced_species_or_candidates(species_table_path, capsys):
    assert main(["substitute", "CuZn", "--table", species_table_path]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "'CuZn' has no charge-balanced species" in line
    assert main(["substitute", "Foo", "--table", species_table_path]) == 1
    assert "Fo" in _one_error_line(capsys.readouterr().err)
    argv = ["substitute", "NaF", "--table", species_table_path, "--per-species", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("NaF -> ") or "no charge-balanced candidate" in out


def test_substitute_on_an_element_table(table_path, capsys):
    argv = ["substitute", "CaTiO3", "--table", table_path, "--top", "5"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5
    for line in lines:
        _, formula, pairs = _parsed(line)
        species = {("Ca", 2): 1, ("Ti", 4): 1, ("O", -2): 3}
        for old, new, _ in pairs:
            species[new] = species.get(new, 0) + species.pop(old)
        assert sum(q * a for (_, q), a in species.items()) == 0


@pytest.mark.reference_data
def test_substitute_catio3_on_the_default_species_table(capsys):
    from sklearn_leafs.tables import get_table

    try:
        get_table("open-species")
    except FileNotFoundError:
        pytest.skip("the species table is not built")
    argv = ["substitute", "CaTiO3", "--top", "1000", "--per-species", "60"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("CaTiO3 -> SrTiO3 (Ca2+ -> Sr2+ ") for line in lines)


def test_similarity_of_species(species_table_path, capsys):
    from sklearn_leafs.substitution import element_similarity

    assert main(["similarity", "Ca2+", "Sr2+", "--table", species_table_path]) == 0
    value = float(capsys.readouterr().out)
    expected = element_similarity(species_table_path).loc["Ca2+", "Sr2+"]
    assert value == pytest.approx(expected, abs=1e-6)
    argv = ["similarity", "Ca0+", "Sr2+", "--table", species_table_path]
    assert main(argv) == 0
    # the fallback warning is one "leafs: warning:" line, without a source path
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "warning" in x]
    assert line.startswith("leafs: warning: 1 species use their element's row")
    assert "Ca0+ has 3 sites" in line
    assert main(["similarity", "Xx2+", "Sr2+", "--table", species_table_path]) == 1


# -- predict-structure ----------------------------------------------------------------
def test_predict_structure(capsys):
    from sklearn_leafs.substitution import predict_structure_type

    argv = ["predict-structure", "CsBr", "SrTiO3", "--top", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    expected = predict_structure_type(["CsBr", "SrTiO3"], top=2)
    csbr = expected[expected["formula"] == "CsBr"]
    best, second = csbr.iloc[0], csbr.iloc[1]
    # "CsBr    CsCl (AB_cP2_221_a_b)  0.57  [rock salt 0.43]  via CsBr mp-22906  (...)"
    assert lines[0] == (
        f"CsBr    {best['structure_type']} ({best['prototype']})  "
        f"{best['probability']:.2f}  [{second['structure_type']} "
        f"{second['probability']:.2f}]  via {best['template']} {best['source_id']}"
        f"  ({best['reason']})"
    )
    # CsBr's two ICSD-linked polymorphs are within the DFT tolerance: similar
    # compounds decide between them (the structure-types guide)
    assert {best["structure_type"], second["structure_type"]} == {"CsCl", "rock salt"}
    assert lines[1].split()[:2] == ["SrTiO3", "perovskite"]


def test_predict_structure_options(capsys):
    argv = [
        "predict-structure",
        "SrTiO3",
        "Li7La3Zr2O12",
        "--exclude-known",
        "--top",
        "1",
    ]
    assert main(argv) == 0
    sto, llzo = capsys.readouterr().out.strip().splitlines()
    assert "via SrTiO3" not in sto and "[" not in sto
    assert llzo.split() == [
        "Li7La3Zr2O12",
        "no",
        "prediction",
        "(no",
        "template",
        "with",
        "anonymous",
        "formula",
        "A2B3C7D12)",
    ]
    argv = ["predict-structure", "HeNe", "--protocol", "single", "--polymorphs", "all"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "no prediction  (no charge-balanced oxidation states" in out
    # stderr says which table and library answered
    assert err.strip() == (
        "leafs: structure types by substitution with table 'open', "
        "template library polymorphs 'all'"
    )


def test_predict_structure_errors(capsys):
    assert main(["predict-structure", "Xx2O"]) == 1
    assert "'Xx'" in _one_error_line(capsys.readouterr().err)
    assert main(["predict-structure", "NaCl", "--table", "no-such-table"]) == 1


# -- build-table ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prototypes(shared_data):
    if not (PROTOTYPES / "rock_salt.cif").is_file():
        pytest.skip(f"prototype CIFs not found under {PROTOTYPES}")
    return PROTOTYPES


@pytest.mark.slow
def test_build_table(prototypes, tmp_path, capsys):

    out = tmp_path / "table.csv"
    argv = ["build-table", str(prototypes / "rock_salt.cif"), "-o", str(out), "-q"]
    assert main(argv) == 0
    assert "wrote 2 elements from 1 structures (0 skipped)" in capsys.readouterr().err
    table = get_table(str(out))
    assert sorted(table.elements) == ["Cl", "Na"]
    # both sites of rock salt are octahedral
    assert table.frame.loc["Na", "octahedral CN_6"] == pytest.approx(1.0, abs=2e-3)
    assert table.frame.loc["Cl", "octahedral CN_6"] == pytest.approx(1.0, abs=2e-3)
    assert table.provenance["n_structures"] == 1


def test_build_table_errors(prototypes, tmp_path, capsys):
    junk = tmp_path / "junk.cif"
    junk.write_text("this is not a CIF\n")
    out = tmp_path / "table.csv"
    good = str(prototypes / "rock_salt.cif")
    assert main(["build-table", good, str(junk), "-o", str(out), "-q"]) == 1
    assert "junk.cif" in _one_error_line(capsys.readouterr().err)
    assert not out.exists()

    argv = ["build-table", good, str(junk), "-o", str(out), "-q", "--errors", "skip"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "leafs: skipped junk.cif" in err and "(1 skipped)" in err
    assert out.exists()

    assert (
        main(["build-table", str(junk), "-o", str(out), "-q", "--errors", "skip"]) == 1
    )
    assert "no structure could be used" in capsys.readouterr().err

    assert main(["build-table", str(tmp_path / "nothing"), "-o", str(out), "-q"]) == 1
    assert "does not exist" in _one_error_line(capsys.readouterr().err)


_OVER_CIF = """data_over
_cell_length_a 3.0
_cell_length_b 3.0
_cell_length_c 3.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
M1 Mg 0 0 0 0.60
N1 Ni 0 0 0 0.50
O1 O 0.5 0.5 0.5 1.0
"""


def test_build_table_occupancy_tolerance(tmp_path, capsys):
    over = tmp_path / "over.cif"  # Mg 0.60 + Ni 0.50 on one site: 1.10
    over.write_text(_OVER_CIF)
    out = tmp_path / "t.csv"
    base = ["build-table", str(over), "-o", str(out), "-q"]
    assert main(base) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "over.cif" in line and "over-occupied" in line and "1.1" in line
    assert not out.exists()
    assert main([*base, "--occupancy-tolerance", "1.2"]) == 0
    err = capsys.readouterr().err
    # the rescaling pymatgen did is reported, not hidden
    assert "leafs: warning: over.cif" in err and "sum to > 1" in err
    assert get_table(str(out)).provenance["occupancy_tolerance"] == 1.2
    assert main([*base, "--occupancy-tolerance", "0.5"]) == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_build_table_reports_unrecognized_files_of_a_folder(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    over = _OVER_CIF.replace("0.50", "0.40")  # sum 1.0: fine
    (folder / "a.cif").write_text(over)
    (folder / "README.md").write_text("my structures")
    out = tmp_path / "t.csv"
    assert main(["build-table", str(folder), "-o", str(out), "-q"]) == 1
    assert "README.md" in _one_error_line(capsys.readouterr().err)
    argv = ["build-table", str(folder), "-o", str(out), "-q", "--errors", "skip"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "leafs: skipped README.md" in err and "not a structure file" in err
    assert "(1 skipped)" in err


# -- demo -------------------------------------------------------------------------------
def test_demo_calls_run_demo(monkeypatch):
    import sklearn_leafs.cli._demo

    calls = []
    monkeypatch.setattr(sklearn_leafs.cli._demo, "run_demo", lambda: calls.append(1))
    assert main(["demo"]) == 0
    assert calls == [1]


def test_demo_data_error(monkeypatch, capsys):
    import sklearn_leafs.cli._demo

    def _fail():
        raise FileNotFoundError("no table at /nowhere")

    monkeypatch.setattr(sklearn_leafs.cli._demo, "run_demo", _fail)
    assert main(["demo"]) == 1
    assert _one_error_line(capsys.readouterr().err) == (
        "leafs: error: no table at /nowhere"
    )


# -- the installed console script -----------------------------------------------------------
@pytest.mark.slow
def test_installed_script(table_path):
    script = shutil.which("leafs", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the 'leafs' console script is not installed")
    done = subprocess.run(
        [script, "similarity", "Na", "Na", "--table", table_path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(1.0)


def test_predict_structure_answers_the_readable_formulas(capsys):
    # one bad formula is reported; the others are still answered; exit code 1
    assert main(["predict-structure", "NaCl", "Xx2O", "ZnO"]) == 1
    out, err = capsys.readouterr()
    assert [line.split()[0] for line in out.splitlines()] == ["NaCl", "ZnO"]
    assert "formula 2 ('Xx2O')" in err

import re

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition, Species

from sklearn_leafs.chemistry import (
    as_items,
    fraction_matrix,
    guess_roles,
    item_amounts,
    parse_formula,
)


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("MgO", {"Mg": 1, "O": 1}),
        ("Ca3(PO4)2", {"Ca": 3, "P": 2, "O": 8}),
        ("Li0.375P0.125O0.5", {"Li": 0.375, "P": 0.125, "O": 0.5}),
        ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("CuSO4.5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("CuSO4*5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
        ("Li3.5P", {"Li": 3.5, "P": 1}),
        ("Mg(OH)2", {"Mg": 1, "O": 2, "H": 2}),
        (" NaCl ", {"Na": 1, "Cl": 1}),
        # issue 13: decimal adduct multipliers, with "." and with "·"
        ("CaSO4.0.5H2O", {"Ca": 1, "S": 1, "O": 4.5, "H": 1}),
        ("CaSO4·0.5H2O", {"Ca": 1, "S": 1, "O": 4.5, "H": 1}),
        ("Na0.3CoO2.1.3H2O", {"Na": 0.3, "Co": 1, "O": 3.3, "H": 2.6}),
        ("Na0.3CoO2·1.3H2O", {"Na": 0.3, "Co": 1, "O": 3.3, "H": 2.6}),
        ("Na0.3CoO2.1·3H2O", {"Na": 0.3, "Co": 1, "O": 5.1, "H": 6}),
        ("LiCl.H2O", {"Li": 1, "Cl": 1, "H": 2, "O": 1}),
        ("LiCl.2H2O", {"Li": 1, "Cl": 1, "H": 4, "O": 2}),
        ("CaCl2.2NH3", {"Ca": 1, "Cl": 2, "N": 2, "H": 6}),
        ("3CaO·Al2O3·6H2O", {"Ca": 3, "Al": 2, "O": 12, "H": 12}),
        ("CaSO4 · 0.5 H2O", {"Ca": 1, "S": 1, "O": 4.5, "H": 1}),
        ("CuSO4⋅5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("CuSO4∙5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("CuSO4•5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        # scientific notation (pymatgen reads it too)
        ("NbO1.9S1e-1", {"Nb": 1, "O": 1.9, "S": 0.1}),
        ("Li2.5e0O", {"Li": 2.5, "O": 1}),
        ("{Li2[Fe(CN)6]}2", {"Li": 4, "Fe": 2, "C": 12, "N": 12}),
        ("Fe2O3.5SiO2", {"Fe": 2, "O": 5.5, "Si": 1}),
        (
            "Li6.5La3Zr1.75Te0.25O12",
            {"Li": 6.5, "La": 3, "Zr": 1.75, "Te": 0.25, "O": 12},
        ),
    ],
)
def test_parse_formula(formula, expected):
    assert parse_formula(formula) == pytest.approx(expected)


def test_parser_agrees_with_pymatgen_on_li_ion_data(shared_data):
    df = pd.read_csv(shared_data / "li-ion-conductors" / "LiIon_classes_roomT.csv")
    for formula in df["composition"]:
        ours = parse_formula(formula)
        theirs = Composition(formula).get_el_amt_dict()
        assert ours == pytest.approx(theirs), formula


@pytest.mark.parametrize(
    "bad, message",
    [
        ("", "empty"),
        ("Xx2", "unknown element symbol 'Xx'"),
        ("Li(O", "unbalanced"),
        ("Li)2", "unbalanced"),
        ("2", "multiplier without an adduct"),
        ("Li$O", "unexpected character '$'"),
        ("Li0O0", "zero amount of Li"),
        ("Li0O", "zero amount of Li"),
        ("Ca()2", "empty group '()'"),
        ("Li2O()", "empty group '()'"),
        ("Ca(PO4]2", "mismatched brackets"),
        ("Fe3+", "charges are not part"),
        ("Li.5Cl", "ambiguous '.'"),
        ("Li2.0.5.1H2O", "ambiguous number '2.0.5.1'"),
        ("CuSO4·0H2O", "zero adduct multiplier"),
        ("Li 2O", "misplaced number '2'"),
        ("Li2O.", "misplaced '.'"),
    ],
)
def test_parse_errors(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_formula(bad)


def test_decimal_hydrates_give_the_hydrate_fractions():
    # CaSO4.0.5H2O was read as CaSO4.5H2O (features off by up to 0.086)
    F = fraction_matrix(["CaSO4.0.5H2O", "CaSO4·5H2O"], ["Ca", "S", "O", "H"])
    np.testing.assert_allclose(F.toarray()[0], np.array([1, 1, 4.5, 1]) / 7.5)
    np.testing.assert_allclose(F.toarray()[1], np.array([1, 1, 9, 10]) / 21)


def test_zero_amounts_in_mappings_are_dropped_not_kept():
    # a zero column of a table row means "absent": no element at fraction 0
    assert item_amounts({"Li": 0, "O": 1}) == {"O": 1.0}
    assert item_amounts(Composition({"Li": 0, "O": 2})) == {"O": 2.0}
    with pytest.raises(ValueError, match="empty"):
        item_amounts({"Li": 0})


def test_fraction_matrix_values_and_sparsity():
    F = fraction_matrix(
        ["MgO", "Li0.375P0.125O0.5", "Ca3(PO4)2"], ["Li", "O", "Mg", "P", "Ca"]
    )
    assert F.format == "csr"
    np.testing.assert_allclose(
        F.toarray(),
        [
            [0, 0.5, 0.5, 0, 0],
            [0.375, 0.5, 0, 0.125, 0],
            [0, 8 / 13, 0, 2 / 13, 3 / 13],
        ],
    )
    raw = fraction_matrix(["Mg2O2"], ["O", "Mg"], normalize=False)
    np.testing.assert_allclose(raw.toarray(), [[2, 2]])


def test_fraction_matrix_errors_name_item_and_row():
    with pytest.raises(
        ValueError, match=r"row 2 \('PuO2'\): element\(s\) Pu not in the table"
    ):
        fraction_matrix(["MgO", "O2", "PuO2"], ["O", "Mg"])
    with pytest.raises(ValueError, match=r"row 1 \(nan\): missing value"):
        fraction_matrix(["MgO", float("nan")], ["O", "Mg"])
    with pytest.raises(ValueError, match=r"row 0 \(None\)"):
        fraction_matrix([None], ["O", "Mg"])
    F = fraction_matrix(["MgO", "PuO2", ""], ["O", "Mg"], errors="nan")
    dense = F.toarray()
    np.testing.assert_allclose(dense[0], [0.5, 0.5])
    assert np.isnan(dense[1:]).all()


def test_compositions_and_species_are_accepted():
    comp = Composition({Species("Ag", 1): 1, Species("Br", -1): 1})
    F = fraction_matrix(
        [comp, Composition("Fe2O3"), {"Fe": 1, "O": 1}], ["O", "Fe", "Ag", "Br"]
    )
    np.testing.assert_allclose(
        F.toarray(), [[0, 0, 0.5, 0.5], [0.6, 0.4, 0, 0], [0.5, 0.5, 0, 0]]
    )
    assert item_amounts(comp) == {"Ag": 1.0, "Br": 1.0}


def test_as_items_shapes():
    assert as_items(np.array([["MgO"], ["NaCl"]], dtype=object)) == ["MgO", "NaCl"]
    assert as_items([["MgO"], ["NaCl"]]) == ["MgO", "NaCl"]
    assert as_items(pd.Series(["MgO"])) == ["MgO"]
    with pytest.raises(ValueError, match="single item"):
        as_items("MgO")
    with pytest.raises(ValueError, match="one column"):
        as_items(np.array([["a", "b"]]))


@pytest.mark.parametrize(
    "formula, anions",
    [
        ("Li3PO4", {"O"}),
        ("Li6PS5Cl", {"S", "Cl"}),
        ("Li6PO5Cl", {"O", "Cl"}),
        ("Li3.09BO2.53N0.52", {"O", "N"}),
        ("LiAlH4", {"H"}),
        ("Li2NH", {"N"}),
        ("Li10GeP2S12", {"S"}),
        ("Li7La3Zr2O12", {"O"}),
        ("Li3N", {"N"}),
        ("Li3P", {"P"}),
    ],
)
def test_guess_roles(formula, anions):
    roles = guess_roles(formula)
    assert {el for el, r in roles.items() if r == "anion"} == anions
    assert {el for el, r in roles.items() if r == "cation"} == set(roles) - anions


def test_guess_roles_uses_species_charges_and_handles_elements():
    comp = Composition({Species("Cs", 1): 1, Species("Au", -1): 1})
    assert guess_roles(comp) == {"Cs": "cation", "Au": "anion"}
    assert guess_roles("Fe") == {"Fe": "neutral"}


def test_every_li_ion_composition_gets_an_anion(shared_data):
    df = pd.read_csv(shared_data / "li-ion-conductors" / "LiIon_classes_roomT.csv")
    for formula in df["composition"]:
        roles = guess_roles(formula)
        assert roles["Li"] == "cation", formula
        assert "anion" in roles.values(), formula


@pytest.mark.parametrize("pooling", ["mean", "max", "min"])
def test_zero_amount_is_an_error_for_every_pooling(pooling):
    # Li0O kept Li at fraction 0, so max/min pooling and the roles differed
    # from plain O; a zero amount is now an error naming the row and item
    import pandas as pd

    from sklearn_leafs import ElementFeaturizer

    table = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [0.5, 0.1, 0.2]}, index=["Li", "O", "Mg"]
    )
    featurizer = ElementFeaturizer(table=table, pooling=pooling).fit(["MgO"])
    with pytest.raises(ValueError, match=r"row 1 \('Li0O'\): zero amount of Li"):
        featurizer.transform(["MgO", "Li0O"])
    out = ElementFeaturizer(table=table, pooling=pooling, errors="nan")
    values = out.fit(["MgO"]).transform(["Li0O", "O"])
    assert np.isnan(values[0]).all()
    np.testing.assert_allclose(values[1], [2.0, 0.1])


def test_subscript_digits_and_variable_amounts():
    # subscripts pasted from papers read as digits; a variable amount is named
    assert parse_formula("Ca₃(PO₄)₂") == parse_formula("Ca3(PO4)2")
    F = fraction_matrix(["Li₂O", "Li2O"], ["Li", "O"]).toarray()
    np.testing.assert_array_equal(F[0], F[1])
    with pytest.raises(ValueError, match="variable amount '-x'"):
        parse_formula("La2-xSrxCuO4")

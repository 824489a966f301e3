"""The one oxidation-state, species and role model (chemistry/_oxidation.py)."""

import time

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition, Species

from sklearn_leafs import LiCationFeaturizer, SubstitutionClassifier
from sklearn_leafs.chemistry import guess_oxidation_states, guess_roles
from sklearn_leafs.chemistry._oxidation import NEAR_BALANCE_TOLERANCE, species_amounts
from sklearn_leafs.chemistry._species import format_species, parse_species
from sklearn_leafs.substitution import predict_structure_type

# 60 formulas: the six on which the two former models disagreed, binaries,
# ternaries, mixed valence, Zintl phases, polyanions, hydrides, nitrides,
# doped and non-stoichiometric formulas, intermetallics.
FORMULAS = [
    "CaC2", "OF2", "LiBH4", "NaN3", "KO2", "CoAs3",
    "NaCl", "MgO", "Al2O3", "Fe3O4", "Pb3O4", "Mn3O4", "Co3O4", "FeS2",
    "ZnS", "GaAs", "TePb", "CsAu", "Mg2Si", "LiAl", "NaTl", "CuZn", "LaNi5",
    "Li3PO4", "LiCoO2", "LiFePO4", "Li7La3Zr2O12", "Li6.25Al0.25La3Zr2O12",
    "Li10GeP2S12", "Li6PS5Cl", "Li3N", "Li2O2", "BaO2", "NH4Cl", "KSCN",
    "NaOH", "CaCO3", "K2SO4", "NaClO4", "CH3NH3PbI3", "SrTiO3", "CaTiO3",
    "BaTiO3", "LaMnO3", "La0.7Sr0.3MnO3", "YBa2Cu3O7", "V2O5", "Ti4O7",
    "Cu2O", "AgO", "SiC", "BN", "Li3.09BO2.53N0.52", "Li3.6Ge0.4P0.6S4",
    "Li4BN3H10", "MgB2", "NaAlH4", "Ca3(PO4)2", "Na2S2O3", "Cs2TiCl6",
]  # fmt: skip


def _sign(q):
    return "cation" if q > 0 else "anion" if q < 0 else "neutral"


def test_at_least_fifty_formulas():
    assert len(FORMULAS) >= 50 and len(set(FORMULAS)) == len(FORMULAS)


@pytest.mark.parametrize("formula", FORMULAS)
def test_featurizer_roles_and_classifier_species_agree(formula):
    table = pd.DataFrame({"f": np.arange(3.0)}, index=["Li", "O", "Fe"])
    feat = LiCationFeaturizer(table=table).fit(["LiFeO2"])
    roles = feat._row_roles(formula, None, None)
    clf = SubstitutionClassifier(table=table, oxidation_states=None).fit(
        ["LiFeO2"], ["x"]
    )
    reduced = clf._species_of(formula, 0)
    guess = guess_oxidation_states(formula)
    assert roles == guess.roles
    if reduced is None:
        assert guess.species is None and guess.reason
        return
    # every species of the classifier has the role the featurizer gives
    for (element, charge), _ in reduced:
        assert roles[element] == _sign(charge), (element, charge)
    assert {el for (el, _), _ in reduced} == set(roles)
    # and the species are charge balanced
    assert sum(q * a for (_, q), a in reduced) == 0


@pytest.mark.parametrize(
    "formula, species, roles, rule",
    [
        # acetylide C2 2-: each C at -1 (a common state of C)
        ("CaC2", {"Ca2+": 1, "C-": 2}, {"Ca": "cation", "C": "anion"}, "common"),
        # fluorine is always -1, so O is +2 (only among every known state)
        ("OF2", {"O2+": 1, "F-": 2}, {"O": "cation", "F": "anion"}, "all"),
        # B 2.04 is less electronegative than H 2.20: hydride H-, B3+
        (
            "LiBH4",
            {"Li+": 1, "B3+": 1, "H-": 4},
            {"Li": "cation", "B": "cation", "H": "anion"},
            "common",
        ),
        # azide: N at -1/3 on average, no integer species
        ("NaN3", None, {"Na": "cation", "N": "anion"}, "fractional"),
        # superoxide: O at -1/2 on average, no integer species
        ("KO2", None, {"K": "cation", "O": "anion"}, "fractional"),
        # skutterudite: Co3+ with As4 4- rings, As at -1 (ICSD list of As)
        ("CoAs3", {"Co3+": 1, "As-": 3}, {"Co": "cation", "As": "anion"}, None),
    ],
)
def test_the_six_former_disagreements_by_hand(formula, species, roles, rule):
    guess = guess_oxidation_states(formula)
    if species is None:
        assert guess.species is None
    else:
        expected = {parse_species(k): float(v) for k, v in species.items()}
        assert guess.species == expected
    assert guess.roles == roles == guess_roles(formula)
    if rule is not None:
        assert guess.rule == rule
    assert sum(q * a for (_, q), a in (guess.species or {}).items()) == 0


def test_mixed_valence_is_split_between_neighbouring_states():
    assert species_amounts("Fe3O4") == {("Fe", 2): 1.0, ("Fe", 3): 2.0, ("O", -2): 4.0}
    assert species_amounts("Pb3O4") == {("Pb", 2): 2.0, ("Pb", 4): 1.0, ("O", -2): 4.0}
    assert guess_oxidation_states("Fe3O4").rule == "icsd-mixed"


def test_electronegativity_fallback_only_without_balanced_states():
    guess = guess_oxidation_states("MgB2")
    assert guess.rule == "electronegativity" and guess.species is None
    assert guess.roles == {"Mg": "cation", "B": "anion"}
    assert "no charge-balanced" in guess.reason
    # a balanced formula never reaches the fallback
    assert guess_oxidation_states("NaCl").rule == "common"


def test_near_balanced_formulas_give_roles_not_species():
    formula = "Li4Al0.33Si0.33P0.33O4"
    guess = guess_oxidation_states(formula)
    assert guess.rule == "near-balanced" and guess.species is None
    assert guess.roles == {
        "Li": "cation",
        "Al": "cation",
        "Si": "cation",
        "P": "cation",
        "O": "anion",
    }
    net = 4 + 0.33 * (3 + 4 + 5) - 2 * 4
    assert net == pytest.approx(-0.04)
    assert abs(net) / (4 + 0.99 + 4) <= NEAR_BALANCE_TOLERANCE
    assert "-0.004 e per atom" in guess.reason


@pytest.mark.parametrize(
    "formula, split",
    [
        # too large for pymatgen's enumeration: one element split by the DP
        ("Li0.33CoO2", {("Co", 3): 0.33, ("Co", 4): 0.67}),
        ("Fe0.947O", {("Fe", 2): 0.841, ("Fe", 3): 0.106}),
        ("Na0.44MnO2", {("Mn", 3): 0.44, ("Mn", 4): 0.56}),
        ("Fe997O1000", {("Fe", 2): 991.0, ("Fe", 3): 6.0}),
        # small enough for pymatgen
        ("Fe0.9O", {("Fe", 2): 0.7, ("Fe", 3): 0.2}),
        ("La0.7Sr0.3MnO3", {("Mn", 3): 0.7, ("Mn", 4): 0.3}),
    ],
)
def test_mixed_valence_of_non_stoichiometric_formulas(formula, split):
    start = time.perf_counter()
    guess = guess_oxidation_states(formula)
    assert time.perf_counter() - start < 2.0
    assert guess.rule == "icsd-mixed"
    for key, amount in split.items():
        assert guess.species[key] == pytest.approx(amount, abs=1e-9)
    assert sum(q * a for (_, q), a in guess.species.items()) == pytest.approx(0)


def test_given_species_are_used_as_given():
    comp = Composition({Species("Cs", 1): 1, Species("Au", -1): 1})
    assert guess_roles(comp) == {"Cs": "cation", "Au": "anion"}
    assert guess_oxidation_states(comp).rule == "given"
    assert species_amounts({"Fe2+": 1, "Fe3+": 2, "O2-": 4}) == species_amounts("Fe3O4")
    assert guess_roles("Fe") == {"Fe": "neutral"}
    assert species_amounts("Fe") == {("Fe", 0): 1.0}


def test_species_strings_round_trip_with_pymatgen():
    for text in ["Ti4+", "O2-", "K+", "K0+", "Br-", "Fe3+"]:
        element, charge = parse_species(text)
        assert format_species((element, charge)) == text
        assert str(Species(element, charge)) == text
        sp = Species.from_str(text)
        assert (sp.symbol, sp.oxi_state) == (element, charge)
    with pytest.raises(ValueError, match="not a species string"):
        parse_species("Ti4")


# -- time bound and integer scaling (issue 13.6 and 13.7) ---------------------
def test_doped_garnet_is_scaled_to_integers_and_balanced():
    guess = guess_oxidation_states("Li6.25Al0.25La3Zr2O12")
    assert guess.integer_formula == {"Li": 25, "Al": 1, "La": 12, "Zr": 8, "O": 48}
    assert guess.species == {
        ("Li", 1): 6.25,
        ("Al", 3): 0.25,
        ("La", 3): 3.0,
        ("Zr", 4): 2.0,
        ("O", -2): 12.0,
    }


LARGE = [
    "C100H3815Br21I279N2185Pb100",
    "Li250La120Zr80Al9O480",
    "Fe997O1000",
    "Na1999Cl2000",
    "Mn997Fe3O2000",
    "Li333Co111Ni111Mn111O666",
    "Cs3000Pb1000I1500Br1500",
    "Ca4999Ti5000O14999",
    "H2999C1000N1000O1000S500Cl100",
    "Cu7001Zn2999Al1000Ni500",
    "Li6.2499Al0.2501La3Zr2O12",
    "Ba0.3333Sr0.6667Ti0.9999O3",
]


@pytest.mark.parametrize("formula", LARGE)
def test_any_formula_answers_quickly_with_species_or_a_reason(formula):
    start = time.perf_counter()
    guess = guess_oxidation_states(formula)
    elapsed = time.perf_counter() - start
    # the goal is 1 s on the development machine; 2 s keeps a loaded CI robust
    assert elapsed < 2.0, f"{formula}: {elapsed:.2f} s"
    assert guess.species is not None or guess.reason
    assert set(guess.roles) == set(Composition(formula).as_dict())


def test_predict_structure_type_returns_for_a_huge_formula():
    start = time.perf_counter()
    pred = predict_structure_type(["C100H3815Br21I279N2185Pb100"])
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0 + 5.0  # + loading the template library once
    assert pred["structure_type"].tolist() == ["no prediction"]


def test_oxidation_state_sets_against_their_sources():
    from pymatgen.core import Element

    from sklearn_leafs.chemistry import oxidation_state_set
    from sklearn_leafs.chemistry._state_lists import SMACT_MAX_Z, smact_oxidation_states

    smact = oxidation_state_set("smact")
    full = smact_oxidation_states()
    assert set(smact) == {el for el in full if Element(el).Z <= SMACT_MAX_Z}
    assert all(smact[el] == full[el] for el in smact)
    icsd = oxidation_state_set("icsd")
    # pymatgen's ICSD-observed states, zero left out, element by element
    for el, states in icsd.items():
        expected = sorted(int(q) for q in Element(el).icsd_oxidation_states if q != 0)
        assert list(states) == expected
    # formal states of metal-rich compounds are SMACT states, not ICSD ones
    assert icsd["Hf"] == (4,) and 3 in smact["Hf"]
    assert icsd["Ca"] == (2,) and icsd["O"] == (-2,)
    assert "He" not in icsd
    with pytest.raises(ValueError, match="unknown oxidation-state set 'x'"):
        oxidation_state_set("x")


# -- borides, carbides and intermetallics (issue 25) -------------------------------
@pytest.mark.parametrize("formula", ["MgB2", "AlB2", "TiB2", "CaB6", "LaB6", "Fe2B"])
def test_borides_get_roles_not_invented_species(formula):
    guess = guess_oxidation_states(formula)
    assert guess.rule == "electronegativity" and guess.species is None
    metal = next(el for el in guess.roles if el != "B")
    assert guess.roles == {metal: "cation", "B": "anion"}


@pytest.mark.parametrize(
    ("formula", "species"),
    [
        ("SiC", {("Si", 4): 1.0, ("C", -4): 1.0}),
        ("Al4C3", {("Al", 3): 4.0, ("C", -4): 3.0}),
        ("CaC2", {("Ca", 2): 1.0, ("C", -1): 2.0}),  # acetylide C2 2-
        ("Be2C", {("Be", 2): 2.0, ("C", -4): 1.0}),
    ],
)
def test_carbides_balance_with_carbon_anions(formula, species):
    assert species_amounts(formula) == species


@pytest.mark.parametrize(
    "formula", ["Cu3Al", "CuZn", "CuAl2", "MgZn2", "AuCu3", "LaNi5", "NaTl", "Cu5Zn8"]
)
def test_unbalanced_intermetallics_are_metallic(formula):
    guess = guess_oxidation_states(formula)
    assert guess.rule == "metallic" and guess.species is None
    assert set(guess.roles.values()) == {"neutral"}
    assert "intermetallic" in guess.reason
    assert guess_roles(formula) == guess.roles  # no metal is an anion


def test_zintl_phases_and_aurides_stay_ionic():
    assert species_amounts("CsAu") == {("Cs", 1): 1.0, ("Au", -1): 1.0}
    assert guess_roles("Mg2Si") == {"Mg": "cation", "Si": "anion"}
    assert guess_roles("Cs3Sb") == {"Cs": "cation", "Sb": "anion"}
    # a metal-only formula beyond the integer search is metallic too
    assert guess_oxidation_states("Fe1e-12Ni1e300").rule == "metallic"

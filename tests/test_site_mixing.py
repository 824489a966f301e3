"""Structure types of solid solutions, dopants and off-stoichiometric compositions."""

import math
from functools import partial

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs import predict_structure_type
from sklearn_leafs.substitution import (
    end_members,
    mixing_source,
)
from sklearn_leafs.substitution import (
    predict_parent_structure as _predict_parent_structure,
)
from sklearn_leafs.substitution import site_readings as _site_readings

#: The issue's examples are judged on the open corpus's table. On the paper's
#: table (the default) Sn for Pb has an Eq. 1 rank probability of 0.18, below
#: ``min_mixing=0.25``, so Sn0.25Pb0.75Se is not read as a PbSe solid solution
#: there (test_the_default_table_says_how_it_read_the_alloy).
TABLE = "open"
predict_parent_structure = partial(_predict_parent_structure, table=TABLE)
site_readings = partial(_site_readings, table=TABLE)


@pytest.fixture(scope="module")
def answers():
    formulas = [
        "Sn0.25Pb0.75Se",
        "Si0.2Ge0.8",
        "Al0.01Cd0.99Sb0.01Te0.99",
        "In0.8Ga0.2As0.8P0.2",
        "Ge0.05Pb0.95Se0.95S0.05",
        "Pt0.97S2",
        "Fe0.95O",
        "Zr0.92Y0.08O1.96",
        "LiNi0.33Mn0.33Co0.33O2",
    ]
    frame = predict_parent_structure(formulas, top=3)
    return {f: rows.reset_index(drop=True) for f, rows in frame.groupby("formula")}


@pytest.mark.parametrize(
    "formula, structure_type, parent, mixed",
    [
        ("Sn0.25Pb0.75Se", "rock salt", "PbSe", "Sn on the Pb site, 25%"),
        ("Si0.2Ge0.8", "diamond", "Ge", "Si on the Ge site, 20%"),
        (
            "Al0.01Cd0.99Sb0.01Te0.99",
            "zinc blende",
            "CdTe",
            "Al on the Cd site, 1%; Sb on the Te site, 1%",
        ),
        (
            "In0.8Ga0.2As0.8P0.2",
            "zinc blende",
            "InAs",
            "Ga on the In site, 20%; P on the As site, 20%",
        ),
        (
            "Ge0.05Pb0.95Se0.95S0.05",
            "rock salt",
            "PbSe",
            "Ge on the Pb site, 5%; S on the Se site, 5%",
        ),
        ("Fe0.95O", "rock salt", "FeO", "Fe site 95% occupied"),
    ],
)
def test_issue_examples(answers, formula, structure_type, parent, mixed):
    top = answers[formula].iloc[0]
    assert top["structure_type"] == structure_type
    assert top["parent"] == parent
    assert top["mixed_sites"] == mixed
    assert 0 < top["probability"] <= 1
    assert 0 < top["mixing_probability"] <= 1
    assert parent in top["reason"] and mixed in top["reason"]


def test_end_members_weighted_by_composition(answers):
    rows = answers["Sn0.25Pb0.75Se"]
    assert rows["end_members"].iloc[0] == "PbSe 0.75, SnSe 0.25"
    # the mixture: 0.75 * p(rock salt | PbSe) + 0.25 * p(rock salt | SnSe)
    ends = predict_structure_type(["PbSe", "SnSe"], top=5)
    rs = ends[ends["structure_type"] == "rock salt"].set_index("formula")["probability"]
    expected = 0.75 * rs["PbSe"] + 0.25 * rs["SnSe"]
    assert rows["probability"].iloc[0] == pytest.approx(expected)
    assert rows["probability"].is_monotonic_decreasing
    # In0.8Ga0.2As0.8P0.2: four end members with product weights
    ends = answers["In0.8Ga0.2As0.8P0.2"]["end_members"].iloc[0]
    assert ends == "InAs 0.64, InP 0.16, GaAs 0.16, GaP 0.04"


def test_vacancy_within_tolerance(answers):
    top = answers["Pt0.97S2"].iloc[0]
    assert top["parent"] == "PtS2"
    assert top["mixed_sites"] == "Pt site 97% occupied"
    own = predict_structure_type("PtS2", TABLE).iloc[0]
    assert top["structure_type"] == own["structure_type"]
    assert top["probability"] == pytest.approx(own["probability"])
    # outside a tighter tolerance the vacancy reading is refused
    tight = site_readings("Pt0.97S2", tolerance=0.01)
    assert all(r.sites[0].multiplicity != 1 or not r.written for r in tight)


def test_yttria_stabilised_zirconia_reads_zro2_parent(answers):
    rows = answers["Zr0.92Y0.08O1.96"]
    top = rows.iloc[0]
    assert top["parent"] == "ZrO2"
    assert top["mixed_sites"] == "Y on the Zr site, 8%; O site 98% occupied"
    # Y at 8% is a dopant: it defines no end member, the answer is ZrO2's own
    assert top["end_members"] == "ZrO2 1"
    own = predict_structure_type("ZrO2", TABLE, top=3)
    assert list(rows["prototype"]) == list(own["prototype"])
    # pure ZrO2 is baddeleyite at ambient, its library type compound
    assert rows["structure_type"].iloc[0] == "baddeleyite (ZrO2)"


@pytest.mark.xfail(
    strict=True,
    reason="YSZ is fluorite because Y3+ and O vacancies stabilise the cubic phase, "
    "which the substitution model does not know: Y at 8% is a dopant and the answer "
    "is pure ZrO2's; the library's polymorph evidence splits ZrO2 and ranks its "
    "rutile-type record (mp-775909) over fluorite and baddeleyite, and even with "
    "experimental evidence pure ZrO2 is monoclinic baddeleyite at ambient",
)
def test_yttria_stabilised_zirconia_is_fluorite(answers):
    assert answers["Zr0.92Y0.08O1.96"]["structure_type"].iloc[0] == "fluorite"


def test_nmc_cathode_parent_and_sites(answers):
    top = answers["LiNi0.33Mn0.33Co0.33O2"].iloc[0]
    assert top["parent"] == "LiNiO2"
    assert top["mixed_sites"].startswith(
        "Mn on the Ni site, 33.3%; Co on the Ni site, 33.3%"
    )
    assert top["end_members"] == "LiNiO2 0.333, LiMnO2 0.333, LiCoO2 0.333"


@pytest.mark.xfail(
    strict=True,
    reason="the template library holds LiNiO2 only as the computed WBM structure "
    "ABC2_tI16_98 (wbm-1-25730) and LiMnO2 only as ABC2_mC16_9 (mp-775531), and "
    "LiCoO2 is not in it (alpha-NaFeO2 at 0.19 via LiRhO2), so the end-member "
    "mixture ranks ABC2_tI16_98 first, not the layered alpha-NaFeO2 type",
)
def test_nmc_cathode_is_layered(answers):
    assert answers["LiNi0.33Mn0.33Co0.33O2"]["structure_type"].iloc[0] == "alpha-NaFeO2"


def test_stoichiometric_formulas_unchanged():
    formulas = ["MgO", "SrTiO3", "ZnO", "Fe2O3", "Ag(W3Br7)2"]
    mine = predict_parent_structure(formulas[:4], top=3)
    theirs = predict_structure_type(formulas[:4], TABLE, top=3)
    pd.testing.assert_frame_equal(mine[theirs.columns], theirs)
    assert (mine["parent"] == mine["formula"]).all()
    assert (mine["mixed_sites"] == "").all()
    assert (mine["mixing_probability"] == 1.0).all()
    # a formula written as fractions of an ordered compound is that compound
    half = predict_parent_structure("Mg0.5O0.5", top=3)
    assert list(half["prototype"]) == list(theirs["prototype"][:2]) or list(
        half["probability"]
    ) == pytest.approx(list(theirs[theirs["formula"] == "MgO"]["probability"]))


def test_ordered_compound_without_template_says_so():
    top = predict_parent_structure("Ag(W3Br7)2").iloc[0]
    assert top["reason"].startswith("no template for the ordered compound")
    assert "read as its disordered parent" in top["reason"]
    assert top["parent"] != "Ag(W3Br7)2"


def test_no_prediction_has_specific_reason():
    res = predict_parent_structure(["Ba1.88Ta15O32", "Al7(CN)3"])
    rows = res.set_index("formula")
    assert (rows["structure_type"] == "no prediction").all()
    assert rows["probability"].isna().all()
    assert rows.loc["Ba1.88Ta15O32", "reason"].startswith(
        "no parent within tolerance: no grouping of its species into sites matches "
        "integer multiplicities <= 12 within 10% per site"
    )
    why = rows.loc["Al7(CN)3", "reason"]
    assert why.startswith("no template for parent: no template for the ordered")
    assert "A3B3C7" in why and "parents tried: Al7C6" in why
    # a vacancy outside the stated tolerance is not read as one
    tight = predict_parent_structure("Pt0.97S2", tolerance=0.0).iloc[0]
    assert tight["structure_type"] == "no prediction"
    assert tight["reason"].endswith("within 0% per site")


def test_substitution_source_is_switchable():
    # a source under which Sn and Pb never substitute forbids their mixing ...
    def never(guest, host):
        return 0.0 if {guest, host} == {"Pb", "Sn"} else 1.0

    readings = site_readings("Sn0.25Pb0.75Se", substitution=never)
    assert all(len(s.members) == 1 for r in readings for s in r.sites)
    # ... and a frame is read as loc[guest, host]
    P = pd.DataFrame(
        {"Pb": [0.0, 0.5, 0.2, 0.3], "Se": [0.1, 0.2, 0.0, 0.7]},
        index=["Pb", "Sn", "S", "Se"],
    )
    pi = mixing_source(P)
    # Sn: the most probable substitute of Pb: rank probability 1
    assert pi("Sn", "Pb") == pytest.approx(1.0)
    assert pi("S", "Pb") == pytest.approx(0.2 / 1.0)
    assert pi("Pb", "Se") == pytest.approx(0.1 / 0.3)
    assert math.isnan(pi("O", "Pb"))


def test_readings_and_end_members_hand_checked():
    best = site_readings("Zr0.92Y0.08O1.96")[0]
    assert [(s.host, s.multiplicity) for s in best.sites] == [("Zr", 1), ("O", 2)]
    assert best.written
    assert [s.occupancy for s in best.sites] == pytest.approx([1.0, 0.98])
    assert end_members(best) == [("ZrO2", 1.0)]
    # a normalised formula: free scale, smallest parent
    best = site_readings("Pb0.375Sn0.125Se0.5")[0]
    assert not best.written
    assert [s.multiplicity for s in best.sites] == [1, 1]
    assert end_members(best) == [("PbSe", 0.75), ("SnSe", 0.25)]
    # Na and Cl never share a site
    for r in site_readings("Na0.5Cl0.5K0.5"):
        for s in r.sites:
            els = {el for el, _ in s.members}
            assert not ({"Na", "K"} & els and "Cl" in els)


@pytest.mark.parametrize(
    "kwargs",
    [{"tolerance": -0.1}, {"tolerance": 1.0}, {"top": 0}, {"min_mixing": 2.0}],
)
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError, match="out of range"):
        predict_parent_structure("MgO", **kwargs)


def test_bad_formula_names_it():
    with pytest.raises(ValueError, match="Xx"):
        predict_parent_structure(["MgO", "Xx0.5O"])


def test_mixing_probability_orders_chemistry():
    pi = mixing_source()
    assert pi("Sr", "Ba") > pi("Ti", "Sr")
    assert pi("Ga", "In") > 0.75
    assert pi("Na", "Cl") < 0.1
    assert np.isfinite(pi("Sn", "Pb"))


def test_dopant_goes_on_the_site_it_fills():
    # NCA: Al fills the Ni site to exactly 1; on the Li site it would overfill it
    top = predict_parent_structure("LiNi0.8Co0.15Al0.05O2").iloc[0]
    assert top["parent"] == "LiNiO2"
    assert top["mixed_sites"] == "Co on the Ni site, 15%; Al on the Ni site, 5%"
    # Al at 5% is a dopant: end members only from Ni and Co, by site fraction
    assert top["end_members"] == "LiNiO2 0.842, LiCoO2 0.158"


def test_compositions_and_mappings_are_read():
    from pymatgen.core import Composition

    res = predict_parent_structure(
        [Composition("Sn0.25Pb0.75Se"), {"Sn": 0.25, "Pb": 0.75, "Se": 1.0}]
    )
    assert list(res["formula"]) == ["Sn0.25Pb0.75Se1", "Sn0.25Pb0.75Se1"]
    assert list(res["parent"]) == ["PbSe", "PbSe"]
    assert list(res["structure_type"]) == ["rock salt", "rock salt"]


def test_elements_of_one_group_are_an_alloy():
    # the oxidation-state model balances Te4+ Se2-; written as fractions,
    # Te-Se is an elemental alloy on the trigonal Se/Te (A8) structure
    top = predict_parent_structure("Te0.8Se0.2").iloc[0]
    assert top["parent"] == "Te"
    assert top["mixed_sites"] == "Se on the Te site, 20%"
    assert top["structure_type"] == "trigonal Se"
    # a first-row element is not alloyed by group: Si0.5C0.5 stays SiC
    assert predict_parent_structure("Si0.5C0.5").iloc[0]["mixed_sites"] == ""


def test_the_papers_table_says_how_it_read_the_alloy():
    """On the paper's table Sn and Pb are too dissimilar to share a site by
    the min_mixing rule; the answer says it read an ordered compound. The
    structure-type library's default table ("open") reads the solid solution."""
    top = predict_structure_type("Sn0.25Pb0.75Se", "vasylenko2024").iloc[0]
    assert top["reason"].startswith("parent Sn0.25Pb0.75Se; read as the ordered")
    assert mixing_source(None, "vasylenko2024")("Sn", "Pb") < 0.25
    top = predict_structure_type("Sn0.25Pb0.75Se").iloc[0]
    assert top["structure_type"] == "rock salt"
    assert top["reason"].startswith("parent PbSe: Sn on the Pb site, 25%")

"""The template library's data: polymorph evidence from ICSD links, prototype
names, and the textbook compounds of issue 22 through ``predict_structure_type``
with the default table."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from sklearn_leafs.substitution import load_templates, predict_structure_type

ROOT = Path(__file__).resolve().parents[1]
NAMES = ROOT / "sklearn_leafs" / "data" / "prototype_names.csv"
ROCK_SALT, CSCL, WURTZITE = "AB_cF8_225_a_b", "AB_cP2_221_a_b", "AB_hP4_186_b_b"
SPINEL_A3B4 = "A3B4_cF56_227_ad_e"
THCR2SI2 = "AB2C2_tI10_139_a_d_e"


@pytest.fixture(scope="module")
def rows():
    return load_templates("rows")


@pytest.fixture(scope="module")
def names():
    return pd.read_csv(NAMES, comment="#", keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def build_script():
    path = ROOT / "scripts" / "build_templates.py"
    spec = importlib.util.spec_from_file_location("build_templates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def polymorphs(rows, formula):
    """prototype -> (weight, rule) of a formula's polymorph representatives."""
    sel = rows[
        (rows["formula"] == formula) & ~rows["polymorph_rule"].str.startswith("dup")
    ]
    return {
        p: (w, r) for p, w, r in sel[["prototype", "weight", "polymorph_rule"]].values
    }


def best(formula):
    return predict_structure_type([formula]).iloc[0]


# -- names -----------------------------------------------------------------------------
def test_names_table_is_well_formed_and_every_prototype_is_in_the_library(
    rows, names, build_script
):
    assert names.columns.tolist() == [
        "prototype",
        "structure_type",
        "strukturbericht",
        "type_compound",
    ]
    assert len(names) > 100
    assert not names["prototype"].duplicated().any()
    assert (names["structure_type"] != "").all()
    # every label is canonical (the build script's canonicalisation is a no-op)
    for label in names["prototype"]:
        assert build_script.canonical(f"{label}:X") == label, label
    missing = set(names["prototype"]) - set(rows["prototype"])
    assert not missing, f"named prototypes the library lacks: {sorted(missing)}"
    # the library carries the table's names and designations
    shipped = rows.drop_duplicates("prototype").set_index("prototype")
    for label, name, code in names[
        ["prototype", "structure_type", "strukturbericht"]
    ].values:
        assert shipped.loc[label, "structure_type"] == name, label
        assert shipped.loc[label, "strukturbericht"] == code, label


@pytest.mark.parametrize(
    "label, name, code",
    [
        (SPINEL_A3B4, "spinel", "H1_1"),  # Co3O4, binary spinel
        ("AB2C4_cF56_227_a_d_e", "spinel", "H1_1"),  # MgAl2O4
        ("A2B3_hR30_167_c_e", "corundum", "D5_1"),
        ("A2B3_cI80_206_ad_e", "bixbyite", "D5_3"),
        (THCR2SI2, "ThCr2Si2", ""),
        ("AB2C2_hP5_164_a_d_d", "CaAl2Si2", ""),
        ("A2B3C3D12_cI160_230_a_c_d_h", "garnet", "S1_4"),
        ("AB2C4_oP28_62_c_ac_2cd", "olivine", "S1_2"),
        ("ABC2_tI16_122_a_b_d", "chalcopyrite", "E1_1"),
        ("A2B3_hR15_166_c_ac", "tetradymite (Bi2Te3)", "C33"),
        ("A_cF8_227_a", "diamond", "A4"),
        ("A_cF4_225_a", "fcc (Cu)", "A1"),
        ("A_cI2_229_a", "bcc (W)", "A2"),
        ("A_hP2_194_c", "hcp (Mg)", "A3"),
        (ROCK_SALT, "rock salt", "B1"),
        (CSCL, "CsCl", "B2"),
        ("AB_cF8_216_a_c", "zinc blende", "B3"),
        (WURTZITE, "wurtzite", "B4"),
        ("AB2_cF12_225_a_c", "fluorite", "C1"),
        ("AB2_tP6_136_a_f", "rutile", "C4"),
        ("ABC3_cP5_221_a_b_c", "perovskite", "E2_1"),
    ],
)
def test_well_known_prototypes_are_named(rows, label, name, code):
    row = rows[rows["prototype"] == label].iloc[0]
    assert (row["structure_type"], row["strukturbericht"]) == (name, code)


def test_co3o4_is_named_spinel():
    got = best("Co3O4")
    assert (got["structure_type"], got["prototype"]) == ("spinel", SPINEL_A3B4)


# -- polymorph evidence from ICSD links ------------------------------------------------
def test_a_hypothetical_polymorph_never_outranks_an_icsd_linked_one(rows):
    reps = rows[
        (rows["species"] != "") & ~rows["polymorph_rule"].str.startswith("duplicate")
    ]
    status = rows.groupby(["formula", "prototype"])["icsd"].agg(
        lambda s: "linked" if "linked" in set(s) else "other"
    )
    reps = reps.assign(
        linked=[status[f, p] == "linked" for f, p in zip(reps.formula, reps.prototype)]
    )
    # (rule 1 comes first: an ICSD-linked polymorph over 0.1 eV/atom above
    # the hull, such as zinc-blende-like BaSO4, is rejected as unstable)
    reps = reps.assign(
        linked=reps["linked"] & (reps["polymorph_rule"] != "rejected: unstable")
    )
    any_linked = reps.groupby("formula")["linked"].transform("any")
    # an AFLOW Encyclopedia entry of the compound is an observed structure
    # too: rule 7 (prototype compound) may keep it (alpha-Zn2V2O7)
    kept = (reps["weight"] > 0) & (reps["polymorph_rule"] != "prototype compound")
    # where a formula has an ICSD-linked polymorph, every kept one is linked
    bad = reps[kept & any_linked & ~reps["linked"]]
    assert bad.empty, bad[["formula", "prototype", "polymorph_rule"]]
    assert kept[any_linked].sum() > 1000


def test_icsd_columns(rows):
    assert set(rows["icsd"]) == {"linked", "hypothetical", "unknown"}
    csi = rows[rows["formula"] == "CsI"].iloc[0]
    # three Materials Project CsI entries have an ICSD entry; the corpus holds
    # one (rock salt mp-614603)
    assert (csi["icsd_entries"], csi["icsd_entries_held"]) == (3, 1)
    assert (rows["icsd_entries_held"] <= rows["icsd_entries"]).mean() > 0.99


def test_dft_ground_state_does_not_decide_between_icsd_polymorphs(rows):
    # PBE: rock-salt CsBr on the hull, the observed CsCl type 0.040 eV/atom
    # above it; both have ICSD entries, so the energy does not decide
    csbr = polymorphs(rows, "CsBr")
    assert csbr[ROCK_SALT] == (0.5, "split") and csbr[CSCL] == (0.5, "split")


def test_type_compound_keeps_its_icsd_polymorph(rows):
    al2o3 = polymorphs(rows, "Al2O3")
    assert al2o3["A2B3_hR30_167_c_e"] == (1.0, "type compound")
    # bixbyite Al2O3 (mp-776475) is hypothetical
    assert al2o3["A2B3_cI80_206_ad_e"] == (0.0, "rejected: not ICSD-linked")
    cscl = polymorphs(rows, "CsCl")
    assert cscl[CSCL] == (1.0, "type compound")
    tio2 = polymorphs(rows, "TiO2")
    assert tio2["AB2_tP6_136_a_f"] == (1.0, "type compound")


def test_hypothetical_polymorphs_of_an_icsd_known_formula_are_rejected(rows):
    # the corpus has only hypothetical I-4 LiFePO4 records; Materials Project
    # has ICSD-linked LiFePO4 entries (olivine) that the corpus lacks
    lifepo4 = polymorphs(rows, "LiFePO4")
    assert set(lifepo4.values()) == {(0.0, "rejected: hypothetical")}
    assert "LiFePO4" not in set(load_templates()["formula"])


def test_polymorph_rules_with_icsd_links(build_script):
    def group(*polys, entries=0, type_of=()):
        frame = pd.DataFrame(
            polys,
            columns=[
                "id",
                "prototype",
                "origin",
                "e_above_hull",
                "formation_energy",
                "energy_source",
                "icsd",
            ],
        )
        weight, rule = build_script.choose_polymorphs(
            frame, icsd_entries=entries, type_of=set(type_of)
        )
        return dict(zip(frame["id"], zip(weight, rule)))

    nan = float("nan")
    # a hypothetical ground state loses to an ICSD-linked polymorph above it
    got = group(
        ("a", "P1", "mp", 0.0, -2.0, "flla", "hypothetical"),
        ("b", "P2", "mp", 0.08, -1.9, "flla", "linked"),
        entries=1,
    )
    assert got == {
        "a": (0.0, "rejected: not ICSD-linked"),
        "b": (1.0, "not ICSD-linked"),
    }
    # two ICSD-linked polymorphs: within 0.05 eV/atom the energy does not
    # decide, beyond it the lower one wins
    got = group(
        ("a", "P1", "mp", 0.0, -2.0, "flla", "linked"),
        ("b", "P2", "mp", 0.04, -1.96, "flla", "linked"),
        entries=2,
    )
    assert got == {"a": (0.5, "split"), "b": (0.5, "split")}
    got = group(
        ("a", "P1", "mp", 0.0, -2.0, "flla", "linked"),
        ("b", "P2", "mp", 0.06, -1.94, "flla", "linked"),
        entries=2,
    )
    assert got == {"a": (1.0, "ground state"), "b": (0.0, "rejected: ground state")}
    # without ICSD links the DFT ground state decides as before
    got = group(
        ("a", "P1", "mp", 0.0, -2.0, "flla", "unknown"),
        ("b", "P2", "mp", 0.04, -1.96, "flla", "unknown"),
    )
    assert got == {"a": (1.0, "ground state"), "b": (0.0, "rejected: ground state")}
    # the type compound's ICSD-linked polymorph wins over the energies
    got = group(
        ("a", "P1", "mp", 0.0, -2.0, "flla", "linked"),
        ("b", "P2", "mp", 0.07, -1.93, "flla", "linked"),
        entries=2,
        type_of={"P2"},
    )
    assert got == {"a": (0.0, "rejected: type compound"), "b": (1.0, "type compound")}
    # a single hypothetical polymorph of a composition with ICSD entries
    got = group(("a", "P1", "mp", nan, nan, "", "hypothetical"), entries=3)
    assert got == {"a": (0.0, "rejected: hypothetical")}
    # ... but of a composition without any it stands
    got = group(("a", "P1", "mp", nan, nan, "", "hypothetical"), entries=0)
    assert got == {"a": (1.0, "only polymorph")}


# -- the textbook compounds of issue 22 -----------------------------------------------
@pytest.mark.xfail(
    strict=True,
    reason="CsBr's rock-salt and CsCl-type polymorphs are both ICSD-linked and "
    "0.040 eV/atom apart in PBE (within the rule's 0.05 tolerance), so similar "
    "compounds decide: on 'open-unweighted' they give CsCl 0.57, on the default "
    "'open' table rock salt (RbBr, KBr are rock salt); the ambient phase needs "
    "evidence the corpus lacks (which polymorph is ambient)",
)
def test_csbr_is_cscl_type():
    assert best("CsBr")["structure_type"] == "CsCl"


def test_csbr_is_cscl_type_on_the_unweighted_table():
    top = predict_structure_type("CsBr", "open-unweighted").iloc[0]
    assert top["structure_type"] == "CsCl"


def test_cscl_is_cscl_type():
    assert best("CsCl")["structure_type"] == "CsCl"


def test_al2o3_is_corundum():
    got = best("Al2O3")
    assert (got["structure_type"], got["prototype"]) == (
        "corundum",
        "A2B3_hR30_167_c_e",
    )
    assert got["probability"] == pytest.approx(1.0)


# The cases below fail on the classifier's side, not the library's: each
# reason gives the diagnosis (template scores in the report of the library
# rebuild); they flip to passing when predict_structure_type is changed as
# proposed, and strict=True then flags them.
@pytest.mark.xfail(
    strict=True,
    reason="classifier: a library compound is answered from its own kept "
    "polymorphs only; the corpus holds just the rock-salt CsI (1 of its 3 "
    "ICSD-linked Materials Project entries: columns icsd_entries, "
    "icsd_entries_held), so the CsCl type cannot be reached; proposed: mix in "
    "the substitution answer by the share of missing ICSD entries (2/3 here); "
    "that alone is not enough today (substitutions give rock salt 0.28 via RbI, "
    "CsCl type 0.21 via CsCl)",
)
def test_csi_is_cscl_type():
    assert best("CsI")["structure_type"] == "CsCl"


# On "open-unweighted" (the table this was diagnosed on) BeO came out rock
# salt: the sum over 228 rock-salt templates beat the 31 wurtzite ones. On the
# reweighted "open" table, the library's default, wurtzite wins.
def test_beo_is_wurtzite():
    assert best("BeO")["structure_type"] == "wurtzite"


@pytest.mark.xfail(
    strict=True,
    reason="classifier scoring: Fe3O4 (not in the corpus) matches A3B4 templates; "
    "an unchanged site scores 1 but a substitution its Eq. 1 probability "
    "(about 1/60), so Fe3Se4 (Cr3S4 type, one substitution Se->O, 0.0156) beats "
    "spinel Co3O4 (Co2+->Fe2+, Co3+->Fe3+, 0.000523) by 2.6e4 after sharpness 3; "
    "proposed: score each site relative to keeping it, p(X|X')/p(X|X) (Eq. 1 "
    "gives p(Fe2+|Fe2+) = 0.028, not 1): Co3O4 0.667 > Fe3Se4 0.516",
)
def test_fe3o4_is_spinel():
    assert best("Fe3O4")["structure_type"] == "spinel"


@pytest.mark.xfail(
    strict=True,
    reason="classifier scoring: BaFe2As2 (not in the corpus): CaAl2Si2-type "
    "Ba(MgAs)2 (one substitution Mg->Fe, 0.0157) outscores every one of the 76 "
    "ThCr2Si2 templates, which need two (Ba(NiP)2: Ni->Fe, P->As, 0.000494); "
    "with site scores relative to keeping the species, p(X|X')/p(X|X), "
    "Ba(NiP)2 0.620 > Ba(MgAs)2 0.561",
)
def test_bafe2as2_is_thcr2si2():
    got = best("BaFe2As2")
    assert (got["structure_type"], got["prototype"]) == ("ThCr2Si2", THCR2SI2)


@pytest.mark.xfail(
    strict=True,
    reason="classifier: no template has the anonymous formula A3B5C12; the "
    "garnet templates are A2B3C3D12 (Co3Al2Si3O12), where Y3Al5O12 puts Al "
    "on two sites (16a and 24d); proposed: match a composition to templates "
    "with one more species when one element can take two of their sites "
    "(site merging), scored by the two substitutions",
)
def test_y3al5o12_is_garnet():
    assert best("Y3Al5O12")["structure_type"] == "garnet"


@pytest.mark.xfail(
    strict=True,
    reason="library and classifier: the corpus has no olivine LiFePO4 (its "
    "ICSD-linked entries are missing; its I-4 records are hypothetical and "
    "rejected) and no ordered ABCD4 olivine (LiMPO4) at all; the olivine "
    "template Mg2SiO4 is AB2C4 with Mg on two sites; proposed: match ordered "
    "derivatives (one species of a template split over its sites)",
)
def test_lifepo4_is_olivine():
    assert best("LiFePO4")["structure_type"] == "olivine"

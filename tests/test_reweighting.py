"""Reweighted tables: weights= and post-stratification, checked by hand."""

import numpy as np
import pytest

from sklearn_leafs.environments import SiteRecords
from sklearn_leafs.tables import table_from_records
from sklearn_leafs.tables._reweighting import (
    STRATA,
    anion_class,
    formula_weights,
    poststratification_weights,
)


def _vec(**motifs):
    """A 37-value motif vector with the given positions set."""
    v = np.zeros(37)
    for k, val in motifs.items():
        v[int(k[1:])] = val
    return v


def _records(rows, formulas, charges=None):
    """SiteRecords from ``(structure, element, weight, vector)`` rows."""
    return SiteRecords(
        values=np.array([r[3] for r in rows]),
        elements=[r[1] for r in rows],
        weights=[r[2] for r in rows],
        structure_index=[r[0] for r in rows],
        site_index=list(range(len(rows))),
        structure_ids=[f"s{i}" for i in range(len(formulas))],
        sources=["test"] * len(formulas),
        formulas=formulas,
        charges=charges,
        oxidation_rules=None if charges is None else ["given"] * len(formulas),
    )


@pytest.fixture
def two_structures():
    """Mg octahedral in MgO (2 Mg sites), Mg cuboctahedral in MgCu2 (1 site)."""
    rows = [
        (0, "Mg", 1.0, _vec(m18=1.0)),
        (0, "Mg", 1.0, _vec(m18=1.0)),
        (0, "O", 2.0, _vec(m18=1.0)),
        (1, "Mg", 1.0, _vec(m33=1.0)),
        (1, "Cu", 2.0, _vec(m33=0.5)),
    ]
    return _records(rows, ["MgO", "MgCu2"])


def test_unweighted_means_are_site_weighted(two_structures):
    table = table_from_records(two_structures)
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(2 / 3)
    assert table.frame.loc["Mg"].iloc[33] == pytest.approx(1 / 3)
    assert "reweighting" not in table.provenance


def test_structure_weights_give_known_means(two_structures):
    # MgCu2 weighted 4x: Mg octahedral (2 x 1) / (2 + 4 x 1) = 1/3
    table = table_from_records(two_structures, weights=[1.0, 4.0])
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(1 / 3)
    assert table.frame.loc["Mg"].iloc[33] == pytest.approx(2 / 3)
    # elements only in one structure keep their values; counts stay site counts
    assert table.frame.loc["Cu"].iloc[33] == pytest.approx(0.5)
    assert table.counts.to_dict() == {"O": 2.0, "Mg": 3.0, "Cu": 2.0}
    assert table.provenance["reweighting"]["weights"]


def test_weights_by_structure_id(two_structures):
    table = table_from_records(two_structures, weights={"s0": 1.0, "s1": 4.0})
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no entry for structure 's1'"):
        table_from_records(two_structures, weights={"s0": 1.0})


def test_record_weights_and_zero_weights(two_structures):
    # one record weight per record; the second Mg site of MgO left out
    table = table_from_records(two_structures, weights=[1, 0, 1, 1, 1])
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(0.5)
    assert table.counts["Mg"] == 2.0
    # a structure weighted 0 drops out, with its elements
    table = table_from_records(two_structures, weights=[1.0, 0.0])
    assert table.elements == ["O", "Mg"]
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "weights, match",
    [
        ([1.0, 2.0, 3.0], "one value per structure \\(2\\) or per record \\(5\\)"),
        ([1.0, -1.0], "item 1 is -1.0"),
        ([1.0, np.nan], "item 1 is nan"),
        ([0.0, 0.0], "every record has weight 0"),
    ],
)
def test_bad_weights_are_named(two_structures, weights, match):
    with pytest.raises(ValueError, match=match):
        table_from_records(two_structures, weights=weights)


def test_poststratification_gives_reference_shares(two_structures):
    # Mg: 3 oxides and 1 intermetallic in the reference -> 3/4 octahedral
    reference = ["MgO", "MgAl2O4", "Mg2SiO4", "MgZn2", "CuZn"]
    table = table_from_records(two_structures, reference_compositions=reference)
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(0.75)
    assert table.frame.loc["Mg"].iloc[33] == pytest.approx(0.25)
    # O and Cu have a single stratum: unchanged
    assert table.frame.loc["O"].iloc[18] == pytest.approx(1.0)
    assert table.frame.loc["Cu"].iloc[33] == pytest.approx(0.5)
    info = table.provenance["reweighting"]
    assert info["strata"] == "anion-class"
    assert info["n_reference_compositions"] == 5
    assert info["rows"]["Mg"]["O"] == {"reference": 0.75, "corpus": 0.666667}
    assert info["rows"]["Mg"]["intermetallic"]["reference"] == 0.25
    # each row keeps its total weight
    w = poststratification_weights(two_structures, reference)
    assert w[[0, 1, 3]].sum() == pytest.approx(3.0)
    np.testing.assert_allclose(w, [1.125, 1.125, 2.0, 0.75, 2.0])


def test_poststratification_after_structure_weights(two_structures):
    # the weights act within strata; the strata shares still follow the
    # reference, so the Mg means do not change
    reference = ["MgO", "MgAl2O4", "Mg2SiO4", "MgZn2"]
    plain = table_from_records(two_structures, reference_compositions=reference)
    weighted = table_from_records(
        two_structures, weights=[1.0, 10.0], reference_compositions=reference
    )
    np.testing.assert_allclose(weighted.frame.loc["Mg"], plain.frame.loc["Mg"])


def test_stratum_missing_from_reference_gets_weight_zero(two_structures):
    # no intermetallic Mg compound in the reference: MgCu2's Mg drops out,
    # Cu is in no reference composition at all and keeps its weight
    table = table_from_records(two_structures, reference_compositions=["MgO"])
    assert table.frame.loc["Mg"].iloc[18] == pytest.approx(1.0)
    assert table.counts["Mg"] == 2.0
    info = table.provenance["reweighting"]
    assert info["not_reweighted"] == ["Cu"]
    assert info["n_records_weight_zero"] == 1


def test_finer_and_custom_strata(two_structures):
    assert STRATA["anion-class+n-elements"]({"Mg": 1, "O": 1}, "Mg") == ("O|2 elements")
    # a custom stratum: the element's own amount in the formula
    reference = ["MgO", "Mg2Cu", "MgCu2", "MgCu2"]
    by_amount = table_from_records(
        two_structures,
        reference_compositions=reference,
        strata=lambda amounts, element: amounts[element],
    )
    # Mg amount 1 in MgO and MgCu2 (same stratum, weights kept): 2/3
    assert by_amount.frame.loc["Mg"].iloc[18] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="strata must be one of"):
        table_from_records(two_structures, reference_compositions=reference, strata="x")


def test_bad_reference_is_named(two_structures):
    with pytest.raises(ValueError, match="reference composition 1 \\('Xx2'\\)"):
        table_from_records(two_structures, reference_compositions=["MgO", "Xx2"])
    with pytest.raises(TypeError, match="not one string"):
        table_from_records(two_structures, reference_compositions="MgO")
    with pytest.raises(ValueError, match="empty"):
        table_from_records(two_structures, reference_compositions=[])


def test_species_rows_are_stratified_per_species():
    rows = [
        (0, "Fe", 1.0, _vec(m18=1.0)),  # Fe3+ in Fe2O3
        (1, "Fe", 1.0, _vec(m10=1.0)),  # Fe2+ in FeS
        (2, "Fe", 1.0, _vec(m33=1.0)),  # Fe0+ in FeNi
    ]
    records = _records(rows, ["Fe2O3", "FeS", "FeNi"], charges=[3, 2, 0])
    reference = ["Fe2O3", "FeS", "FeS", "FeNi"]
    table = table_from_records(
        records, rows="species", reference_compositions=reference
    )
    # each species sits in one stratum: unchanged means
    assert table.frame.loc["Fe3+"].iloc[18] == pytest.approx(1.0)
    assert table.frame.loc["Fe2+"].iloc[10] == pytest.approx(1.0)
    elements = table_from_records(records, reference_compositions=reference)
    # element row: O 1/4, S 2/4, intermetallic 1/4
    np.testing.assert_allclose(
        elements.frame.loc["Fe"].iloc[[18, 10, 33]], [0.25, 0.5, 0.25]
    )


def test_formula_weights_count_each_formula_once():
    rows = [(i, "C", 1.0, _vec(m10=float(i == 2))) for i in range(3)]
    records = _records(rows, ["C", "C", "SiC"])
    np.testing.assert_allclose(formula_weights(records), [0.5, 0.5, 1.0])
    table = table_from_records(records, weights=formula_weights(records))
    assert table.frame.loc["C"].iloc[10] == pytest.approx(0.5)


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("MgO", "O"),
        ("NaCl", "Cl"),
        ("KMgF3", "F"),
        ("Ca(OH)2", "O"),
        ("LiAlH4", "H"),
        ("Fe3C", "C"),
        ("GaAs", "As"),
        ("Cu3Au", "intermetallic"),
        ("Fe", "element"),
        ("NaNO3", "O"),
        ("Si3N4", "N"),
    ],
)
def test_anion_class(formula, expected):
    assert anion_class(formula) == expected

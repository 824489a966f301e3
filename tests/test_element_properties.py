"""LEAF+ tables: Magpie elemental properties joined with LEAFs."""

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs import LeafTable, PhaseFieldFeaturizer
from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.tables import get_table
from sklearn_leafs.tables._element_properties import (
    MAGPIE_PROPERTIES,
    join_tables,
    leaf_plus,
    magpie_table,
)


def _published_leaf_plus(shared_data):
    return LeafTable.from_csv(shared_data / "leaf-vasylenko2024" / "leaf+_dic.csv")


def test_magpie_properties_are_those_of_the_published_leaf_plus(shared_data):
    published = _published_leaf_plus(shared_data)
    assert published.feature_names[37:] == list(MAGPIE_PROPERTIES)


def test_magpie_values_equal_published_leaf_plus_where_magpie_has_them(shared_data):
    published = _published_leaf_plus(shared_data).frame[list(MAGPIE_PROPERTIES)]
    ours = magpie_table()
    imputed = set(ours.provenance["imputed"])
    exact = [el for el in published.index if el not in imputed]
    # every element of the published table except the nine with a filled value
    assert sorted(set(published.index) - set(exact)) == sorted(
        ["He", "Ne", "Ar", "At", "Rn", "Fr", "Bk", "Cf", "Es"]
    )
    np.testing.assert_array_equal(
        ours.frame.loc[exact].to_numpy(), published.loc[exact].to_numpy()
    )
    # hand-checked values
    assert ours.frame.loc["O", "Electronegativity"] == 3.44
    assert ours.frame.loc["Fe", "NdUnfilled"] == 4.0
    assert ours.frame.loc["Gd", "NfUnfilled"] == 7.0


def test_magpie_table_reports_imputed_and_absent_elements():
    table = magpie_table()
    assert table.provenance["imputed"]["He"] == ["MeltingT", "Electronegativity"]
    assert set(table.provenance["left_out"]) == {"Nh", "Fl", "Mc", "Lv", "Ts", "Og"}
    assert "Og" not in table and "Rf" in table
    assert not np.isnan(table.values).any()


def test_magpie_table_subset_and_unknown_property():
    table = magpie_table(["Electronegativity"])
    assert table.feature_names == ["Electronegativity"]
    with pytest.raises(ValueError, match="unknown Magpie properties \\['Nope'\\]"):
        magpie_table(["Electronegativity", "Nope"])
    with pytest.raises(ValueError, match="non-empty"):
        magpie_table([])


def test_leaf_plus_default_is_default_then_magpie():
    default = get_table("open-unweighted")
    plus = get_table("open-unweighted+")
    assert plus.feature_names == list(MOTIF_LABELS) + list(MAGPIE_PROPERTIES)
    assert plus.elements == default.elements  # Magpie covers all 90 elements
    np.testing.assert_array_equal(plus.values[:, :37], default.values)
    np.testing.assert_array_equal(
        plus.values[:, 37:], magpie_table().lookup(default.elements)
    )
    assert plus.counts.equals(default.counts)
    assert plus == leaf_plus(default)


def test_leaf_plus_of_published_table_matches_published_leaf_plus(shared_data):
    ours = get_table("vasylenko2024+", data_home=shared_data)
    published = _published_leaf_plus(shared_data)
    imputed = set(magpie_table().provenance["imputed"])
    common = [el for el in published.elements if el in ours and el not in imputed]
    assert len(common) >= 85
    np.testing.assert_allclose(
        ours.frame.loc[common].to_numpy(),
        published.frame.loc[common].to_numpy(),
        rtol=0,
        atol=1e-12,
    )


def test_join_tables_errors_and_left_out():
    a = pd.DataFrame({"f": [1.0, 2.0]}, index=["O", "Mg"])
    with pytest.raises(ValueError, match="at least two"):
        join_tables(a)
    with pytest.raises(ValueError, match="share feature names \\['f'\\]"):
        join_tables(a, a)
    with pytest.raises(ValueError, match="no element in common"):
        join_tables(a, pd.DataFrame({"g": [1.0]}, index=["Fe"]))
    joined = join_tables(a, pd.DataFrame({"g": [3.0]}, index=["Mg"]))
    assert joined.elements == ["Mg"]
    assert joined.provenance["left_out"] == {"O": "not in part 1"}


def test_phase_field_featurizer_accepts_leaf_plus_names():
    pf = PhaseFieldFeaturizer(table="open-unweighted+", pooling=("max",)).fit(["Fe O"])
    names = pf.get_feature_names_out()
    assert "max|Electronegativity" in names and "max|octahedral CN_6" in names
    X = pf.transform(["Fe O", "O-Fe"])
    np.testing.assert_array_equal(X[0], X[1])
    assert X[0, list(names).index("max|Electronegativity")] == 3.44

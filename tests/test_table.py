import numpy as np
import pandas as pd
import pytest

from sklearn_leafs import MOTIF_LABELS, LeafTable
from sklearn_leafs.tables import get_table


def test_motif_labels_match_matminer():
    from matminer.featurizers.site import OPSiteFingerprint

    assert list(MOTIF_LABELS) == OPSiteFingerprint().feature_labels()


def test_published_table_values_read_straight_from_csv(published_table, shared_data):
    raw = pd.read_csv(
        shared_data / "leaf-vasylenko2024" / "leaf.csv",
        index_col=0,
        float_precision="round_trip",
    )
    assert published_table.feature_names == list(MOTIF_LABELS)
    assert len(published_table) == len(raw)
    np.testing.assert_array_equal(
        published_table.lookup(["Mg"])[0], raw.loc["Mg"].to_numpy()
    )
    # rows ordered by atomic number
    z = [published_table.elements.index(e) for e in ("H", "He", "Li", "Es")]
    assert z == sorted(z)
    assert published_table.provenance["source"] == "vasylenko2024"


def test_transposed_published_layout(shared_data):
    table = LeafTable.from_csv(shared_data / "leaf-vasylenko2024" / "leaf+_dic.csv")
    assert table.n_features == 59
    assert "Mg" in table and "Og" not in table


def test_missing_elements_are_named(default_table):
    with pytest.raises(ValueError, match="Og, Ts not in the table"):
        default_table.lookup(["Mg", "Og", "Ts"])


def test_csv_round_trip_keeps_counts_and_provenance(tmp_path):
    frame = pd.DataFrame(
        {"a": [0.1, 0.2, 0.3], "b": [1.0, 0.0, 1 / 3]}, index=["O", "H", "Mg"]
    )
    table = LeafTable(
        frame,
        counts={"O": 10, "H": 2, "Mg": 5},
        provenance={"source": "test", "n_structures": 3},
    )
    assert table.elements == ["H", "O", "Mg"]
    path = table.to_csv(tmp_path / "t.csv")
    back = get_table(path)
    assert back == table
    np.testing.assert_array_equal(back.values, table.values)
    assert back.counts.to_dict() == {"H": 2.0, "O": 10.0, "Mg": 5.0}
    assert back.provenance == {"source": "test", "n_structures": 3}
    assert table.subset(["Mg"]).elements == ["Mg"]


def test_bad_tables_are_rejected():
    with pytest.raises(ValueError, match="not elements: \\['Xx'\\]"):
        LeafTable(pd.DataFrame({"a": [1.0]}, index=["Xx"]))
    with pytest.raises(ValueError, match="duplicated"):
        LeafTable(pd.DataFrame({"a": [1.0, 2.0]}, index=["O", "O"]))
    with pytest.raises(ValueError, match="unknown table 'nope'"):
        get_table("nope")
    with pytest.raises(TypeError, match="table must be"):
        get_table(42)


def test_values_are_read_only(default_table):
    with pytest.raises(ValueError):
        default_table.values[0, 0] = 1.0

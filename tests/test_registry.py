"""The table registry: one name, one set of values, everywhere (issue 12)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sklearn_leafs import (  # noqa: E402
    ElementFeaturizer,
    SubstitutionClassifier,
    element_similarity,
)
from sklearn_leafs.plotting import plot_similarity_heatmap  # noqa: E402
from sklearn_leafs.tables import (  # noqa: E402
    LeafTable,
    describe_tables,
    get_table,
    load_embedding,
    magpie_table,
    register_table,
    table_names,
)

# names whose loader fetches the published ICSD table
FETCHED = {"vasylenko2024", "vasylenko2024+"}


@pytest.mark.parametrize("name", sorted(set(table_names()) - FETCHED))
def test_every_registered_name_loads(name):
    table = get_table(name)
    assert isinstance(table, LeafTable) and len(table) > 50
    assert np.isfinite(table.values).mean() > 0.9
    assert get_table(name) is table  # loaded once, then shared
    assert describe_tables()[name]


@pytest.mark.parametrize("name", sorted(FETCHED))
def test_fetched_names_load(name, shared_data):
    table = get_table(name, data_home=shared_data)
    assert len(table) == 96 and table.n_features in (37, 59)


def test_magpie_means_one_table_everywhere():
    """'magpie' is matminer's Magpie properties in every consumer, and the
    elementembeddings vectors are 'ee:magpie' (a different table)."""
    reference = magpie_table()
    els = ["Na", "K", "Cl", "Br", "Mg", "O"]
    # the featurizer: a pure element's row is the table row
    got = ElementFeaturizer(table="magpie").fit_transform(els)
    np.testing.assert_array_equal(got, reference.lookup(els))
    # the similarity functions
    pd.testing.assert_frame_equal(
        element_similarity("magpie", elements=els),
        element_similarity(reference, elements=els),
    )
    # the classifier
    clf = SubstitutionClassifier(table="magpie").fit(["NaCl", "MgO"], ["rs", "rs"])
    np.testing.assert_array_equal(clf.table_.values, reference.values)
    assert clf.table_.feature_names == reference.feature_names
    # the heat map draws the same similarities
    ax = plot_similarity_heatmap("magpie", metric="pearson", elements=els)
    expected = element_similarity(reference, metric="pearson", elements=els)
    shown = np.asarray(ax.images[0].get_array())
    order = [t.get_text() for t in ax.get_yticklabels()]
    np.testing.assert_allclose(shown, expected.loc[order, order].to_numpy())
    # and the baseline of the elementembeddings package is another name
    ee = get_table("ee:magpie")
    assert ee.feature_names != reference.feature_names
    assert ee.provenance["source"] == load_embedding("magpie").provenance["source"]


def test_register_and_resolve_a_user_table(tmp_path):
    frame = pd.DataFrame({"f": [1.0, 2.0]}, index=["O", "Mg"])
    toy = LeafTable.from_frame(frame)
    register_table("toy-registry-test", lambda data_home=None: toy, "two elements")
    try:
        assert "toy-registry-test" in table_names()
        assert ElementFeaturizer(table="toy-registry-test").fit_transform(
            ["MgO"]
        ).tolist() == [[1.5]]
        with pytest.raises(ValueError, match="already registered"):
            register_table("toy-registry-test", lambda data_home=None: toy)
    finally:
        register_table("toy-registry-test", lambda data_home=None: toy, overwrite=True)
    path = toy.to_csv(tmp_path / "toy.csv")
    assert get_table(path) == toy
    with pytest.raises(ValueError, match="not a registered name"):
        get_table("no-such-table")
    with pytest.raises(TypeError, match="table must be"):
        get_table(3.0)

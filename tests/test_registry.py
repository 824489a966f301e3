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


@pytest.mark.parametrize(
    "name, shape",
    [("vasylenko2024", (96, 37)), ("vasylenko2024+", (99, 59))],
)
def test_fetched_names_load(name, shape, shared_data):
    table = get_table(name, data_home=shared_data)
    assert (len(table), table.n_features) == shape


@pytest.mark.parametrize(
    "old, hint",
    [
        ("default", "'vasylenko2024' (the paper's table, now the default)"),
        ("default+", "'open-unweighted+'"),
        ("default-species", "'open-species'"),
    ],
)
def test_retired_names_say_what_to_use(old, hint):
    """No name means two things: the names of version 0.1 are retired with a
    message, not silently re-pointed."""
    assert old not in table_names()
    with pytest.raises(ValueError, match="retired") as info:
        get_table(old)
    assert hint in str(info.value)


def test_every_default_is_the_papers_table():
    """Every estimator, function and command defaults to the published table,
    except where nothing is published (species tables, M)."""
    import inspect

    from sklearn_leafs import (
        ElementFeaturizer,
        LiCationFeaturizer,
        NearestCompositions,
        PhaseFieldFeaturizer,
        SubstitutionClassifier,
        SubstitutionModel,
        best_substitutions,
        composition_similarity,
        element_similarity,
        predict_structure_type,
        substitution_probabilities,
    )
    from sklearn_leafs.tables import DEFAULT_TABLE

    assert DEFAULT_TABLE == "vasylenko2024"
    for obj in (
        ElementFeaturizer,
        LiCationFeaturizer,
        PhaseFieldFeaturizer,
        NearestCompositions,
        SubstitutionClassifier,
        SubstitutionModel,
        element_similarity,
        substitution_probabilities,
        best_substitutions,
        composition_similarity,
    ):
        default = inspect.signature(obj).parameters["table"].default
        assert default == DEFAULT_TABLE, obj
    # the exception, with its reason in predict_structure_type's docstring:
    # the structure-type library is built and calibrated on the open corpus
    from sklearn_leafs.substitution import LIBRARY_TABLE, predict_parent_structure

    assert LIBRARY_TABLE == "open"
    for obj in (predict_structure_type, predict_parent_structure):
        assert inspect.signature(obj).parameters["table"].default == LIBRARY_TABLE


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


# -- caches follow objects, not names (issue 21) ---------------------------------


@pytest.fixture
def restore_default():
    """Re-register the built-in "open" table after a test replaced it."""
    from sklearn_leafs.tables import _registry

    loader, description, matrix = _registry._TABLES["open"]
    yield
    register_table("open", loader, description, overwrite=True, matrix=matrix)


def _ten_rows():
    from sklearn_leafs.tables import LocalEnvironmentMatrix, get_matrix

    base, M = get_table("open"), get_matrix("open")
    keep = base.elements[:10]
    ten = LeafTable.from_frame(base.frame.loc[keep] * 0.5)
    M10 = LocalEnvironmentMatrix(M.matrix[:10], M.elements[:10], M.feature_names)
    return ten, M10


def test_derived_tables_and_matrix_follow_a_reregistered_base(restore_default):
    from sklearn_leafs.tables import get_matrix

    base, plus = get_table("open"), get_table("open+")
    M, M_plus = get_matrix("open"), get_matrix("open+")
    assert len(base) == len(plus) == M.shape[0] == 90 and M_plus is M
    doubled = "open-doubled-registry-test"
    register_table(
        doubled,
        lambda data_home=None: LeafTable.from_frame(get_table("open").frame * 2),
        overwrite=True,
    )
    assert len(get_table(doubled)) == 90

    ten, M10 = _ten_rows()
    register_table(
        "open",
        lambda data_home=None: ten,
        "ten rows",
        overwrite=True,
        matrix=lambda data_home=None: M10,
    )
    assert get_table("open") is ten
    # the LEAF+ table is rebuilt from the new base: its 10 rows, its values
    plus10 = get_table("open+")
    assert plus10 is not plus and plus10.elements == ten.elements
    np.testing.assert_array_equal(plus10.values[:, :37], ten.values)
    np.testing.assert_array_equal(
        plus10.values[:, 37:], plus.frame.loc[ten.elements].to_numpy()[:, 37:]
    )
    # a user's table built from the base follows it too (recorded, not declared)
    np.testing.assert_array_equal(get_table(doubled).values, ten.values * 2)
    # and so does M, of the name and of the derived name
    assert get_matrix("open") is M10 and get_matrix("open+") is M10
    assert ElementFeaturizer(table="open+").fit_transform(["O"]).shape == (1, 59)

    # re-registered without an M: no stale M, a named error
    register_table("open", lambda data_home=None: ten, overwrite=True)
    for name in ("open", "open+"):
        with pytest.raises(ValueError, match="has no multi-hot matrix M"):
            get_matrix(name)
    # an M whose rows are not the table's elements is refused
    register_table(
        "open", lambda data_home=None: ten, overwrite=True, matrix=lambda **_: M
    )
    with pytest.raises(ValueError, match="90 rows that are not the table's 10"):
        get_matrix("open")


def test_reregistering_a_name_yields_a_new_table(restore_default):
    from sklearn_leafs.tables import _registry, get_matrix

    loader, description, matrix = _registry._TABLES["open"]
    first, first_plus, first_M = (
        get_table("open"),
        get_table("open+"),
        get_matrix("open"),
    )
    register_table("open", loader, description, overwrite=True, matrix=matrix)
    again = get_table("open")
    assert again is not first and again == first
    assert get_table("open+") is not first_plus
    assert get_table("open+") == first_plus
    again_M = get_matrix("open")
    assert again_M is not first_M and again_M == first_M


def test_register_table_checks_its_arguments():
    with pytest.raises(TypeError, match="loader must be callable"):
        register_table("bad-registry-test", "not callable")
    with pytest.raises(TypeError, match="matrix must be"):
        register_table("bad-registry-test", lambda data_home=None: None, matrix=3)
    assert "bad-registry-test" not in table_names()

"""Pooling statistics of ElementFeaturizer and LiCationFeaturizer (issue 24):
matminer's PropertyStats, computed by matminer itself, on the Magpie
properties; matminer's 132-feature Magpie preset; hand-checked cases;
parameters, names, pandas output, clone and pickle."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_leafs
import sklearn_leafs.chemistry
from sklearn_leafs import ElementFeaturizer, LiCationFeaturizer
from sklearn_leafs.featurizers import (
    MAGPIE_STATS,
    STATS,
    magpie_featurizer,
    matminer_feature_labels,
)
from sklearn_leafs.tables import MAGPIE_PROPERTIES
from sklearn_leafs.utils.estimator_checks import (
    CHECK_ELEMENTS,
    parametrize_with_formula_checks,
)

LI_ION = Path(sklearn_leafs.__file__).parent / "data" / "li_ion_conductivity.csv"

# ties in the largest fraction (mode), one-element and many-element rows
EXTRA = ["NaCl", "LiCoO2", "Fe", "BaTiO3", "LiCo0.5Mn0.5O2", "MgAl2O4", "Cu3Au"]

TOY = pd.DataFrame(
    {"f": [1.0, 2.0, 4.0, 8.0, 3.0], "g": [0.0, -1.0, 5.0, 5.0, 2.0]},
    index=["Li", "O", "Co", "Mn", "P"],
)


def formulas():
    frame = pd.read_csv(LI_ION)
    return list(dict.fromkeys(frame["formula"].tolist() + EXTRA))


@pytest.fixture(scope="module")
def matminer_magpie():
    """matminer's own ElementProperty.from_preset("magpie") on the formulas."""
    pytest.importorskip("matminer")
    from matminer.featurizers.composition import ElementProperty
    from pymatgen.core import Composition

    preset = ElementProperty.from_preset("magpie")
    items = formulas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = [preset.featurize(Composition(f)) for f in items]
    return items, pd.DataFrame(rows, columns=preset.feature_labels())


def test_the_magpie_table_is_the_presets_22_properties():
    from matminer.featurizers.composition import ElementProperty

    preset = ElementProperty.from_preset("magpie")
    assert list(preset.features) == list(MAGPIE_PROPERTIES)
    assert [
        {"minimum": "min", "maximum": "max"}.get(s, s) for s in preset.stats
    ] == list(MAGPIE_STATS)


@pytest.mark.parametrize("stat", STATS)
def test_each_statistic_matches_matminer_property_stats(stat, matminer_magpie):
    items, ref = matminer_magpie
    assert len(items) > 300
    feat = ElementFeaturizer(table="magpie", stats=(stat,)).fit(items)
    names = feat.get_feature_names_out()
    assert names.tolist() == [f"{stat}|{p}" for p in MAGPIE_PROPERTIES]
    expected = ref[matminer_feature_labels(names)].to_numpy()
    np.testing.assert_allclose(feat.transform(items), expected, rtol=1e-12, atol=1e-12)


def test_magpie_featurizer_reproduces_matminers_132_features(matminer_magpie):
    items, ref = matminer_magpie
    feat = magpie_featurizer().set_output(transform="pandas").fit(items)
    out = feat.transform(items)
    assert out.shape == (len(items), 132)
    names = out.columns.tolist()
    labels = matminer_feature_labels(names)
    assert sorted(labels) == sorted(ref.columns)
    ordered = out.set_axis(labels, axis=1)[ref.columns]  # matminer's order
    np.testing.assert_allclose(
        ordered.to_numpy(), ref.to_numpy(), rtol=1e-12, atol=1e-12
    )


def test_statistics_by_hand():
    X = ["LiCoO2", "LiCo0.5Mn0.5O2", "Co"]
    feat = ElementFeaturizer(table=TOY, stats=STATS).set_output(transform="pandas")
    out = feat.fit_transform(X)
    # LiCoO2: fractions 1/4 Li(1, 0), 1/4 Co(4, 5), 1/2 O(2, -1)
    mean = np.array([0.25 * 1 + 0.25 * 4 + 0.5 * 2, 0.25 * 5 - 0.5])
    assert out.loc[0, "mean|f"] == pytest.approx(mean[0])
    dev_f = 0.25 * abs(1 - mean[0]) + 0.25 * abs(4 - mean[0]) + 0.5 * abs(2 - mean[0])
    assert out.loc[0, "avg_dev|f"] == pytest.approx(dev_f)
    assert out.loc[0, ["min|f", "max|f", "range|f"]].tolist() == [1, 4, 3]
    assert out.loc[0, ["min|g", "max|g", "range|g"]].tolist() == [-1, 5, 6]
    assert out.loc[0, ["mode|f", "mode|g"]].tolist() == [2, -1]  # O
    # Co and Mn tie at 1/8, O has 1/2: mode is O's; one element: no spread
    assert out.loc[1, "mode|f"] == 2
    assert out.loc[2].tolist() == [4, 5, 0, 0, 4, 5, 4, 5, 0, 0, 4, 5]


def test_mode_breaks_ties_by_the_smallest_value():
    # Li and Co both 1/2: matminer returns the minimum of the tied values
    out = ElementFeaturizer(table=TOY, stats="mode").fit_transform(["LiCo", "Co2Mn2"])
    np.testing.assert_array_equal(out, [[1.0, 0.0], [4.0, 5.0]])


def test_default_output_and_names_are_unchanged(default_table):
    X = ["MgO", "Li3PO4", "Fe2O3"]
    default = ElementFeaturizer(table=default_table).fit(X)
    explicit = ElementFeaturizer(table=default_table, stats=("mean",)).fit(X)
    np.testing.assert_array_equal(default.transform(X), explicit.transform(X))
    frac = sklearn_leafs.chemistry.fraction_matrix(X, default_table.elements)
    np.testing.assert_array_equal(default.transform(X), frac @ default_table.values)
    assert default.get_feature_names_out()[18] == "mean|octahedral CN_6"


def test_blocks_follow_the_order_of_stats(default_table):
    X = ["MgO", "Li3PO4"]
    both = ElementFeaturizer(table=default_table, stats=("max", "mean")).fit(X)
    names = both.get_feature_names_out()
    n = default_table.n_features
    assert names[18] == "max|octahedral CN_6"
    assert names[n + 18] == "mean|octahedral CN_6"
    out = both.transform(X)
    for i, stat in enumerate(("max", "mean")):
        alone = ElementFeaturizer(table=default_table, stats=stat).fit_transform(X)
        np.testing.assert_array_equal(out[:, i * n : (i + 1) * n], alone)


def test_sum_statistic_uses_the_amounts():
    out = ElementFeaturizer(table=TOY, stats=("sum", "mean")).fit_transform(["Li2O"])
    np.testing.assert_allclose(out[0], [2 * 1 + 2, 0 - 1, (2 + 2) / 3, -1 / 3])


@pytest.mark.parametrize(
    "stats, match",
    [
        ((), "is empty"),
        (("mean", "mean"), "repeats"),
        (("median",), "unknown names"),
        ("median", "'stats' parameter"),
        (3, "'stats' parameter"),
    ],
)
def test_bad_stats_raise(stats, match):
    with pytest.raises(InvalidParameterError, match=match):
        ElementFeaturizer(table=TOY, stats=stats).fit(["LiCoO2"])
    with pytest.raises(InvalidParameterError, match=match):
        LiCationFeaturizer(table=TOY, stats=stats).fit(["LiCoO2"])


def test_sum_is_not_a_statistic_of_the_cation_block():
    with pytest.raises(InvalidParameterError, match="unknown names"):
        LiCationFeaturizer(table=TOY, stats=("mean", "sum")).fit(["LiCoO2"])


def test_pooling_is_a_deprecated_alias_of_one_statistic():
    X = ["LiCoO2", "Li2O"]
    with pytest.warns(FutureWarning, match=r"use stats=\('max',\)"):
        old = ElementFeaturizer(table=TOY, pooling="max").fit(X)
    new = ElementFeaturizer(table=TOY, stats=("max",)).fit(X)
    np.testing.assert_array_equal(old.transform(X), new.transform(X))
    assert old.get_feature_names_out().tolist() == new.get_feature_names_out().tolist()
    with pytest.raises(InvalidParameterError, match="not both"):
        ElementFeaturizer(table=TOY, pooling="max", stats=("min",)).fit(X)


def test_bad_rows_are_nan_in_every_statistic():
    out = ElementFeaturizer(table=TOY, stats=STATS, errors="nan").fit_transform(
        ["LiCoO2", "Xx2O", "Li2O"]
    )
    assert np.isnan(out[1]).all()
    assert np.isfinite(out[[0, 2]]).all()


def test_li_cation_statistics_of_the_rest_block():
    X = ["LiCoO2", "LiCo0.5Mn0.5O2", "Li2O", "LiMnPO4"]
    feat = LiCationFeaturizer(table=TOY, stats=STATS).set_output(transform="pandas")
    out = feat.fit_transform(X)
    names = out.columns.tolist()
    assert names[:4] == ["Li|f", "Li|g", "cations|f", "cations|g"]
    assert names[4:6] == ["avg_dev|cations|f", "avg_dev|cations|g"]
    assert names[-1] == "mode|cations|g"
    # Eq. 3's block is unchanged by the extra statistics
    eq3 = LiCationFeaturizer(table=TOY).fit_transform(X)
    np.testing.assert_array_equal(out.iloc[:, :4].to_numpy(), eq3)
    # LiCo0.5Mn0.5O2: cations Co, Mn at 1/8 each (f 4 and 8, g 5 and 5)
    row = out.iloc[1]
    assert row["cations|f"] == pytest.approx(0.125 * 4 + 0.125 * 8)
    assert row["avg_dev|cations|f"] == pytest.approx(2.0)  # about the mean 6
    assert row[["min|cations|f", "max|cations|f", "range|cations|f"]].tolist() == [
        4,
        8,
        4,
    ]
    assert row["mode|cations|f"] == 4  # tie: the smaller
    # Li2O: no other cation, every statistic of the empty rest is 0
    assert (out.iloc[2, 2:] == 0).all()
    # LiMnPO4: Mn and P cations at 1/7 each
    assert out.iloc[3]["avg_dev|cations|f"] == pytest.approx(2.5)
    assert out.iloc[3]["mode|cations|f"] == 3


def test_li_cation_rest_statistics_match_element_featurizer_on_the_cations():
    # with explicit roles, the rest block pools exactly the cations, so its
    # statistics (except Eq. 3's unnormalised mean) equal ElementFeaturizer's
    # on the cations alone
    roles = {
        "Li": "cation",
        "Co": "cation",
        "Mn": "cation",
        "P": "cation",
        "O": "anion",
    }
    stats = ("avg_dev", "min", "max", "range", "mode")
    feat = LiCationFeaturizer(table=TOY, roles=roles, stats=("mean", *stats))
    out = feat.fit_transform(["LiCo2Mn3O7", "LiMnP2O4"])[:, 4:]
    ref = ElementFeaturizer(table=TOY, stats=stats).fit_transform(["Co2Mn3", "MnP2"])
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "est",
    [
        ElementFeaturizer(table=TOY, stats=STATS),
        LiCationFeaturizer(table=TOY, stats=("max", "mean", "mode")),
    ],
    ids=["element", "li_cation"],
)
def test_clone_pickle_and_pandas_output(est):
    X = ["LiCoO2", "LiMnPO4", "Li2O"]
    fitted = clone(est).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))
    frame = clone(est).set_output(transform="pandas").fit_transform(pd.Series(X))
    assert frame.columns.tolist() == fitted.get_feature_names_out().tolist()
    assert frame.shape == (3, len(fitted.get_feature_names_out()))
    assert clone(est).get_params()["stats"] == est.stats


def test_chunked_reduction_equals_one_chunk(monkeypatch, default_table):
    from sklearn_leafs.featurizers import _stats

    X = formulas()[:200]
    feat = ElementFeaturizer(table=default_table, stats=STATS).fit(X)
    whole = feat.transform(X)
    monkeypatch.setattr(_stats, "_CHUNK", 7)  # many chunks, rows cut at bounds
    np.testing.assert_array_equal(feat.transform(X), whole)


def test_matminer_feature_labels_rejects_other_statistics():
    with pytest.raises(ValueError, match="sum|Number"):
        matminer_feature_labels(["sum|Number"])


# the package's conformance suite with non-default statistics (the default
# ones are in tests/test_estimator_checks.py)
_rng = np.random.default_rng(1)
CHECK_TOY = pd.DataFrame(
    _rng.random((len(CHECK_ELEMENTS), 3)),
    index=list(CHECK_ELEMENTS),
    columns=["f0", "f1", "f2"],
)


@parametrize_with_formula_checks(
    [
        ElementFeaturizer(table=CHECK_TOY, stats=STATS),
        ElementFeaturizer(stats=("max", "mode", "sum")),
        LiCationFeaturizer(table=CHECK_TOY, stats=("mean", "avg_dev", "mode")),
        LiCationFeaturizer(rest="anions", stats=("range", "min")),
    ]
)
def test_conformance_with_statistics(estimator, check):
    check(estimator)


def test_recommended_featurizer_is_exported_and_unfitted():
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import FeatureUnion

    feat = sklearn_leafs.recommended_featurizer()
    assert isinstance(feat, FeatureUnion)
    params = feat.get_params()
    assert params["magpie__table"] == "magpie"
    assert params["magpie__stats"] == MAGPIE_STATS
    assert params["leaf__table"] == "vasylenko2024"
    assert params["leaf__stats"] == ("mean",)
    with pytest.raises(NotFittedError):
        feat.transform(["NaCl"])
    assert "recommended_featurizer" in sklearn_leafs.__all__


@pytest.mark.reference_data
def test_recommended_features_are_magpie_then_eq2(
    shared_data, published_table, monkeypatch
):
    monkeypatch.setenv("SKLEARN_LEAFS_DATA", str(shared_data))
    X = formulas()[:100]
    rec = sklearn_leafs.recommended_featurizer().set_output(transform="pandas")
    out = rec.fit_transform(X)
    assert out.shape == (100, 132 + 37)
    magpie = magpie_featurizer().fit_transform(X)
    np.testing.assert_array_equal(out.iloc[:, :132].to_numpy(), magpie)
    eq2 = ElementFeaturizer(table=published_table).fit_transform(X)
    np.testing.assert_array_equal(out.iloc[:, 132:].to_numpy(), eq2)
    assert out.columns[132 + 18] == "leaf__mean|octahedral CN_6"
    assert out.columns[0] == "magpie__min|Number"


@pytest.mark.reference_data
def test_leaf_plus_six_statistics_contain_matminers_magpie(shared_data, monkeypatch):
    monkeypatch.setenv("SKLEARN_LEAFS_DATA", str(shared_data))
    X = formulas()[:100]
    plus = ElementFeaturizer(table="vasylenko2024+", stats=STATS)
    out = plus.set_output(transform="pandas").fit_transform(X)
    assert out.shape == (100, 354)
    magpie = magpie_featurizer().set_output(transform="pandas").fit_transform(X)
    # the Magpie part of LEAF+ pooled by the six statistics is the preset
    np.testing.assert_allclose(out[magpie.columns], magpie, rtol=1e-12, atol=1e-12)
    assert "max|octahedral CN_6" in out.columns

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition, Species

import sklearn_leafs
from sklearn_leafs import ElementFeaturizer, LiCationFeaturizer

DEFAULT_CSV = Path(sklearn_leafs.__file__).parent / "data" / "open_unweighted_table.csv"


def leaf_row(element):
    """A row of the table CSV shipped with the package (no reference data)."""
    raw = pd.read_csv(
        DEFAULT_CSV,
        index_col=0,
        float_precision="round_trip",
    )
    return raw.loc[element].to_numpy()


def test_mgo_is_half_mg_plus_half_o_from_the_csv(default_table):
    out = ElementFeaturizer(table=default_table).fit_transform(["MgO"])
    expected = 0.5 * (leaf_row("Mg") + leaf_row("O"))
    np.testing.assert_allclose(out[0], expected, rtol=0, atol=1e-12)


def test_eq2_example_from_the_paper(default_table):
    out = ElementFeaturizer(table=default_table).fit_transform(
        ["Li0.375P0.125O0.5", "Li3PO4"]
    )
    a = {el: leaf_row(el) for el in ("Li", "P", "O")}
    expected = 0.375 * a["Li"] + 0.125 * a["P"] + 0.5 * a["O"]
    np.testing.assert_allclose(out[0], expected, atol=1e-12)
    np.testing.assert_allclose(out[1], expected, atol=1e-12)  # same fractions


def test_poolings(default_table):
    t = default_table
    a_mg, a_o = t.lookup(["Mg"])[0], t.lookup(["O"])[0]
    X = ["Mg2O2", "MgO"]
    np.testing.assert_allclose(
        ElementFeaturizer(table=t, pooling="sum").fit_transform(X)[0], 2 * (a_mg + a_o)
    )
    np.testing.assert_allclose(
        ElementFeaturizer(table=t, pooling="max").fit_transform(X)[1],
        np.maximum(a_mg, a_o),
    )
    np.testing.assert_allclose(
        ElementFeaturizer(table=t, pooling="min").fit_transform(X)[1],
        np.minimum(a_mg, a_o),
    )
    names = ElementFeaturizer(table=t, pooling="max").fit(X).get_feature_names_out()
    assert names[18] == "max|octahedral CN_6"
    assert (
        ElementFeaturizer(table=t).fit(X).get_feature_names_out()[18]
        == "mean|octahedral CN_6"
    )


def test_nan_rows_on_request(default_table):
    out = ElementFeaturizer(
        table=default_table, errors="nan", pooling="max"
    ).fit_transform(["MgO", "Og2", "Xx"])
    assert np.isfinite(out[0]).all() and np.isnan(out[1:]).all()


def test_li_cation_blocks(default_table):
    t = default_table
    feat = LiCationFeaturizer(table=t).fit(["Li3PO4"])
    out = feat.transform(["Li3PO4", "LiCoO2"])
    a = {el: t.lookup([el])[0] for el in ("Li", "P", "O", "Co")}
    np.testing.assert_allclose(out[0, :37], 3 / 8 * a["Li"])
    np.testing.assert_allclose(out[0, 37:], 1 / 8 * a["P"])
    np.testing.assert_allclose(out[1, 37:], 1 / 4 * a["Co"])
    names = feat.get_feature_names_out()
    assert (
        names[10] == "Li|tetrahedral CN_4"
        and names[37 + 10] == "cations|tetrahedral CN_4"
    )
    anions = LiCationFeaturizer(table=t, rest="anions").fit_transform(["Li6PS5Cl"])
    np.testing.assert_allclose(
        anions[0, 37:], (5 * t.lookup(["S"])[0] + t.lookup(["Cl"])[0]) / 13
    )
    alone = LiCationFeaturizer(table=t, rest="none").fit_transform(["Li3PO4"])
    assert alone.shape == (1, 37)


def test_li_cation_explicit_roles(default_table):
    t = default_table
    # treat P as an anion: the cation block is then empty for Li3PO4
    out = LiCationFeaturizer(table=t, roles={"P": "anion"}).fit_transform(["Li3PO4"])
    np.testing.assert_allclose(out[0, 37:], 0.0)
    out = LiCationFeaturizer(
        table=t, roles=lambda item: {"Li": "cation", "P": "cation", "O": "cation"}
    ).fit_transform(["Li3PO4"])
    np.testing.assert_allclose(
        out[0, 37:], (t.lookup(["P"])[0] + 4 * t.lookup(["O"])[0]) / 8
    )
    species = Composition({Species("Li", 1): 1, Species("Au", -1): 1})
    out = LiCationFeaturizer(table=t).fit_transform([species])
    np.testing.assert_allclose(out[0, 37:], 0.0)


def test_li_cation_parameter_errors(default_table):
    with pytest.raises(ValueError, match="focus='Xx' is not an element"):
        LiCationFeaturizer(table=default_table, focus="Xx").fit(["LiF"])
    with pytest.raises(ValueError, match="Og not in the table"):
        LiCationFeaturizer(table=default_table, focus="Og").fit(["LiF"])
    with pytest.raises(ValueError, match="roles must be one of"):
        LiCationFeaturizer(table=default_table, roles={"O": "oxide"}).fit(["LiF"])
    with pytest.raises(ValueError, match="rest"):
        LiCationFeaturizer(table=default_table, rest="metals").fit(["LiF"])
    with pytest.raises(ValueError, match="pooling"):
        ElementFeaturizer(table=default_table, pooling="median").fit(["LiF"])


def test_table_by_name_and_dataframe(default_table):
    by_name = ElementFeaturizer(table="open-unweighted").fit_transform(["MgO"])
    by_frame = ElementFeaturizer(table=default_table.frame).fit_transform(["MgO"])
    np.testing.assert_array_equal(by_name, by_frame)

"""The shared base of the formula featurizers (issue 12, part 5; issue 17.3).

Everything here runs on the table shipped with the package ("open-unweighted") or on
small hand-made tables: no reference data is needed.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import FeatureUnion
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_leafs import ElementFeaturizer, LiCationFeaturizer, PhaseFieldFeaturizer
from sklearn_leafs.base import TABLE_CONSTRAINT, row_message
from sklearn_leafs.tables import LeafTable, get_table

FORMULAS = ["LiCoO2", "Li3PO4", "Li7La3Zr2O12", "Li2S", "LiFePO4", "Li3N"]
FIELDS = ["Co Li O", "Li O P", "La Li O Zr", "Li S", "Fe Li O P", "Li N"]
Y = np.array([0, 1, 1, 0, 1, 0])

ESTIMATORS = {
    "element": (ElementFeaturizer, FORMULAS),
    "li-cation": (LiCationFeaturizer, FORMULAS),
    "phase-field": (PhaseFieldFeaturizer, FIELDS),
}


@pytest.fixture(scope="module")
def table():
    return get_table("open-unweighted")


def row(table, element):
    return table.frame.loc[element].to_numpy()


# -- fit_transform featurizes once --------------------------------------------------


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_fit_transform_featurizes_once(name, monkeypatch):
    cls, X = ESTIMATORS[name]
    calls = []
    original = cls._transform

    def counting(self, items, labels=None):
        calls.append(len(items))
        return original(self, items, labels)

    monkeypatch.setattr(cls, "_transform", counting)
    est = cls(table="open-unweighted")
    out = est.fit_transform(X)
    assert calls == [len(X)]  # one pass, over every row
    calls.clear()
    est.fit(X)
    assert calls == [len(X)]  # fit validates every row: one pass too
    again = est.transform(X)
    assert calls == [len(X), len(X)]
    np.testing.assert_array_equal(out, again)


def test_fit_transform_is_wrapped_by_set_output():
    df = ElementFeaturizer().set_output(transform="pandas").fit_transform(FORMULAS)
    assert isinstance(df, pd.DataFrame)
    assert df.columns[18] == "mean|octahedral CN_6"


# -- parameter validation and the one table constraint ------------------------------


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_one_table_constraint(name, table, tmp_path):
    cls, X = ESTIMATORS[name]
    assert cls._parameter_constraints["table"] is TABLE_CONSTRAINT
    for method in ("fit", "fit_transform"):
        with pytest.raises(InvalidParameterError, match="'table' parameter"):
            getattr(cls(table=3), method)(X)
    path = tmp_path / "table.csv"
    table.frame.to_csv(path)
    ref = cls(table="open-unweighted").fit_transform(X)
    for spec in (table, table.frame, str(path), path):
        np.testing.assert_array_equal(cls(table=spec).fit_transform(X), ref)
    with pytest.raises(ValueError, match="unknown table 'nope'"):
        cls(table="nope").fit(X)


def test_fit_context_validates_in_fit_transform():
    with pytest.raises(InvalidParameterError, match="'pooling' parameter"):
        ElementFeaturizer(pooling="median").fit_transform(FORMULAS)
    with pytest.raises(InvalidParameterError, match="'errors' parameter"):
        LiCationFeaturizer(errors="skip").fit_transform(FORMULAS)


# -- get_feature_names_out(input_features) ------------------------------------------


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_feature_names_with_input_features(name):
    cls, X = ESTIMATORS[name]
    on_list = cls().fit(X)
    names = on_list.get_feature_names_out()
    np.testing.assert_array_equal(on_list.get_feature_names_out(["x0"]), names)
    np.testing.assert_array_equal(on_list.get_feature_names_out(["formula"]), names)
    with pytest.raises(ValueError, match="length equal to number of features"):
        on_list.get_feature_names_out(["a", "b"])
    on_frame = cls().fit(pd.DataFrame({"formula": X}))
    assert on_frame.feature_names_in_.tolist() == ["formula"]
    np.testing.assert_array_equal(on_frame.get_feature_names_out(["formula"]), names)
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        on_frame.get_feature_names_out(["composition"])
    with pytest.raises(ValueError, match="feature names should match"):
        on_frame.transform(pd.DataFrame({"composition": X}))
    # refitting on a list forgets the column name
    assert not hasattr(on_frame.fit(X), "feature_names_in_")


# -- one naming rule: <block>|<table feature> ---------------------------------------


@pytest.mark.parametrize("pooling", ["mean", "sum", "max", "min"])
def test_every_element_pooling_is_prefixed(pooling, table):
    names = ElementFeaturizer(pooling=pooling).fit(FORMULAS).get_feature_names_out()
    assert names.tolist() == [f"{pooling}|{n}" for n in table.feature_names]
    assert names[18] == f"{pooling}|octahedral CN_6"


def test_names_agree_across_featurizers_and_never_collide(table):
    element = ElementFeaturizer().fit(FORMULAS).get_feature_names_out()
    field = PhaseFieldFeaturizer(pooling="mean").fit(FIELDS).get_feature_names_out()
    np.testing.assert_array_equal(element, field)  # same pooling, same names
    union = FeatureUnion(
        [(p, ElementFeaturizer(pooling=p)) for p in ("mean", "max", "min")],
        verbose_feature_names_out=False,
    )
    names = union.fit(FORMULAS).get_feature_names_out()
    assert len(names) == len(set(names)) == 3 * 37
    li = LiCationFeaturizer(rest="anions").fit(FORMULAS).get_feature_names_out()
    assert li[0] == f"Li|{table.feature_names[0]}"
    assert li[37] == f"anions|{table.feature_names[0]}"


# -- row numbers and pandas index labels in error messages ---------------------------


def test_row_message_format():
    assert row_message([(0, "Xx", "bad")]) == "row 0 ('Xx'): bad"
    assert (
        row_message([(2, "Xx", "bad"), (3, "Yy", "bad"), (5, "Zz", "bad")], ["a"] * 6)
        == "row 2 ('Xx', index 'a'): bad (2 more bad rows)"
    )


BAD = {
    "element": (
        ["MgO", "Xx2O", "NaCl"],
        "row 1 ('Xx2O', index 'mp-12'): unknown element symbol 'Xx' in formula 'Xx2O'",
    ),
    "li-cation": (
        ["LiF", "Xx2O", "LiCl"],
        "row 1 ('Xx2O', index 'mp-12'): unknown element symbol 'Xx' in formula 'Xx2O'",
    ),
    "phase-field": (
        ["Mg O", "Fe D0+", "Na Cl"],
        "row 1 ('Fe D0+', index 'mp-12'): 'D0+' is not an element",
    ),
}


@pytest.mark.filterwarnings("ignore:X has feature names")  # list fit, frame input
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_errors_name_position_and_index_label(name):
    cls, _ = ESTIMATORS[name]
    X, message = BAD[name]
    index = ["mp-1", "mp-12", "mp-3"]
    series = pd.Series(X, index=index)
    for data in (series, pd.DataFrame({"formula": X}, index=index)):
        with pytest.raises(ValueError) as err:
            cls().fit(data)
        assert str(err.value) == message
        with pytest.raises(ValueError) as err:
            cls().fit([X[0]]).transform(data)
        assert str(err.value) == message
    # a list has no labels: the position alone, counted the same way
    with pytest.raises(ValueError) as err:
        cls().fit(X)
    assert str(err.value) == message.replace(", index 'mp-12'", "")
    # a shuffled index does not change the count: position, not label
    shuffled = pd.Series(X, index=[7, 3, 5])
    with pytest.raises(ValueError, match=r"^row 1 \(.*, index 3\): "):
        cls().fit(shuffled)


def test_errors_count_the_other_bad_rows():
    X = pd.Series(["Xx2O", "MgO", "Og", "Qq"], index=list("abcd"))
    with pytest.raises(ValueError) as err:
        ElementFeaturizer().fit(X)
    assert str(err.value).startswith("row 0 ('Xx2O', index 'a'): ")
    assert str(err.value).endswith("(2 more bad rows)")
    with pytest.raises(ValueError, match=r"row 0 \('D0\+', index 'a'\).*1 more bad"):
        PhaseFieldFeaturizer().fit(pd.Series(["D0+", "", "Fe O"], index=list("abc")))


# -- LiCationFeaturizer on compositions without Li ----------------------------------


def test_li_cation_warns_naming_rows_without_li(table):
    X = pd.Series(["LiCoO2", "NaCl", "MgO"], index=["a", "b", "c"])
    with pytest.warns(UserWarning) as record:
        out = LiCationFeaturizer(table=table).fit_transform(X)
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith(
        "2 of 3 compositions contain no Li: row 1 ('NaCl', index 'b'), "
        "row 2 ('MgO', index 'c'). Their Li block is all zero"
    )
    assert record[0].filename == __file__  # points at the caller
    # documented behaviour: Eq. 3 with x_Li = 0, cation block as usual
    np.testing.assert_array_equal(out[1:, :37], 0.0)
    np.testing.assert_allclose(out[1, 37:], 0.5 * row(table, "Na"))
    np.testing.assert_allclose(out[2, 37:], 0.5 * row(table, "Mg"))
    np.testing.assert_allclose(out[0, :37], 0.25 * row(table, "Li"))
    np.testing.assert_allclose(out[0, 37:], 0.25 * row(table, "Co"))


def test_li_cation_warning_lists_five_rows_and_counts_the_rest():
    X = ["LiF"] + [f"Na{k}Cl{k}" for k in range(1, 8)]
    with pytest.warns(UserWarning, match=r"7 of 8 .*row 5 \('Na5Cl5'\) and 2 more"):
        LiCationFeaturizer().fit(X)
    with pytest.warns(UserWarning, match="contain no Na: row 0 .'LiF'."):
        LiCationFeaturizer(focus="Na").fit(["LiF", "NaCl"])


def test_li_cation_is_quiet_when_every_row_has_li():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feat = LiCationFeaturizer().fit(FORMULAS)
        feat.transform(FORMULAS)
        # NaN rows (bad input with errors="nan") are not "rows without Li"
        out = feat.set_params(errors="nan").transform(["LiF", "Xx2O"])
    assert np.isnan(out[1]).all()


def test_leaf_table_and_frame_tables_give_the_same_names():
    frame = pd.DataFrame({"f": [1.0, 2.0], "g": [0.0, 1.0]}, index=["Mg", "O"])
    a = ElementFeaturizer(table=frame).fit(["MgO"]).get_feature_names_out()
    b = ElementFeaturizer(table=LeafTable.from_frame(frame)).fit(["MgO"])
    assert a.tolist() == b.get_feature_names_out().tolist() == ["mean|f", "mean|g"]


@pytest.mark.parametrize("cls", [ElementFeaturizer, LiCationFeaturizer])
def test_species_tables_are_refused_with_the_reason(cls):
    # featurizers pool element rows; a species table ("Ti4+", "O2-") is named
    with pytest.raises(ValueError, match="has species rows"):
        cls(table="open-species").fit(["Li2O", "LiCl"])

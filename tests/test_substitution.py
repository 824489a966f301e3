import time

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import matthews_corrcoef
from sklearn.model_selection import LeaveOneOut, cross_val_predict, cross_val_score

from sklearn_leafs import SubstitutionClassifier
from sklearn_leafs.tables import get_table


@pytest.fixture(scope="module")
def ab(shared_data):
    from sklearn_leafs.datasets import fetch_binary_structure_types

    return fetch_binary_structure_types(data_home=shared_data)


@pytest.fixture(scope="module")
def toy_table():
    """A small synthetic element table: the tests below need no reference data."""
    elements = [
        "Li", "Na", "K", "Rb", "Cs", "Mg", "Ca", "Sr", "Zn", "Cd", "Ag",
        "O", "S", "Se", "F", "Cl", "Br", "I",
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(len(elements), 6)), index=elements)


def table1(clf, ab):
    """The paper's protocol: a target without template counts as wrong."""
    pred, n = clf.leave_one_out_predict(ab.data, ab.target, return_n_templates=True)
    pred = np.where(n == 0, "no prediction", pred.astype(object))
    return (pred == ab.target).mean(), matthews_corrcoef(ab.target, pred), pred


# -- Table 1 reproduction (SMACT-compatible protocol) ---------------------------
def test_table1_leafs_exact(published_table, ab):
    acc, mcc, pred = table1(SubstitutionClassifier(published_table), ab)
    assert acc == pytest.approx(0.86, abs=1e-12)
    assert mcc == pytest.approx(0.7189617, abs=1e-6)
    # CsTe: Te- is not a SMACT species, so no prediction (counted as wrong)
    formulas = list(ab.frame["formula"])
    assert pred[formulas.index("CsTe")] == "no prediction"
    assert (pred == "no prediction").sum() == 1


def test_table1_plain_cosine(published_table, ab):
    clf = SubstitutionClassifier(published_table, metric="cosine", standardize=False)
    acc, mcc, _ = table1(clf, ab)
    assert (acc, round(mcc, 3)) == (0.84, 0.674)


@pytest.mark.parametrize(
    "name, acc, mcc", [("ee:magpie", 0.78, 0.544), ("ee:mat2vec", 0.80, 0.605)]
)
def test_table1_baselines(name, acc, mcc, ab):
    pytest.importorskip("elementembeddings")
    got_acc, got_mcc, _ = table1(SubstitutionClassifier(name), ab)
    assert got_acc == pytest.approx(acc, abs=1e-12)
    assert round(got_mcc, 3) == mcc


def test_table1_with_the_default_table(ab):

    try:
        default = get_table("open-unweighted")
    except FileNotFoundError:
        pytest.skip("the default table is not built")
    acc, mcc, _ = table1(SubstitutionClassifier(default), ab)
    # measured with the open-corpus table: 0.870 / 0.744 (leaf.csv: 0.860 / 0.719)
    assert acc >= 0.84 and mcc >= 0.68


def test_plain_formula_strings_with_guessed_oxidation_states(published_table, ab):
    formulas = list(ab.frame["formula"])
    pred, n = SubstitutionClassifier(published_table).leave_one_out_predict(
        formulas, ab.target, return_n_templates=True
    )
    pred = np.where(n == 0, "no prediction", pred.astype(object))
    # pymatgen's guesses differ for AgO (Ag2+ O2-), the predictions do not
    assert (pred == ab.target).mean() == pytest.approx(0.86)
    assert matthews_corrcoef(ab.target, pred) == pytest.approx(0.7189617, abs=1e-6)


def test_loo_equals_each_target_against_the_others(published_table, ab):
    clf = SubstitutionClassifier(published_table)
    X, y = ab.data, ab.target
    start = time.perf_counter()
    fast = clf.leave_one_out_predict(X, y)
    assert time.perf_counter() - start < 1.0
    by_cv = cross_val_predict(clf, X, y, cv=LeaveOneOut())
    np.testing.assert_array_equal(fast, by_cv)
    scores = cross_val_score(clf, X, y, cv=LeaveOneOut())
    np.testing.assert_array_equal(scores, fast == y)
    for i in (0, 17, 53):  # by hand: fit on the other 99
        rest = [j for j in range(len(y)) if j != i]
        clf.fit([X[j] for j in rest], y[rest])
        assert clf.predict([X[i]])[0] == fast[i]


# -- hand-checked probabilities ------------------------------------------------
def test_single_substitution_probability_by_hand(default_table):
    X = ["NaCl", "KBr", "MgO"]
    clf = SubstitutionClassifier(default_table).fit(X, ["rs", "rs2", "rs3"])
    proba, idx = clf.kneighbors(["KCl"], n_neighbors=3)
    P = clf.probabilities_
    # KCl from NaCl replaces Na by K; from KBr replaces Br by Cl; MgO is no
    # single same-charge substitution away
    expected = {0: P.loc["K", "Na"], 1: P.loc["Cl", "Br"]}
    assert set(idx[0, :2]) == {0, 1} and idx[0, 2] == -1
    for j, p in zip(idx[0, :2], proba[0, :2]):
        assert p == pytest.approx(expected[j])
    assert proba[0, 2] == 0
    # the SMACT normalisation: sum over species of exp(s(X, Na)), X up to Bi
    S = np.corrcoef(
        (default_table.values - default_table.values.mean(0))
        / default_table.values.std(0)
    )
    row = {el: i for i, el in enumerate(default_table.elements)}
    from sklearn_leafs.chemistry._state_lists import smact_oxidation_states

    Z = sum(
        len(states) * np.exp(S[row[el], row["Na"]])
        for el, states in smact_oxidation_states().items()
        if el in row and row[el] < row["Po"]
    )
    assert P.loc["K", "Na"] == pytest.approx(np.exp(S[row["K"], row["Na"]]) / Z)


def test_predict_proba_and_fallback(toy_table):
    X = ["NaCl", "KBr", "MgO", "CsCl"]
    y = ["rock salt", "rock salt", "rock salt", "cscl"]
    clf = SubstitutionClassifier(toy_table).fit(X, y)
    targets = ["KCl", "CsBr", "HeNe"]
    proba = clf.predict_proba(targets)
    assert list(clf.classes_) == ["cscl", "rock salt"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # HeNe has no template: the documented rule is the class prior
    np.testing.assert_allclose(clf.class_prior_, [0.25, 0.75])
    np.testing.assert_allclose(proba[2], [0.25, 0.75])
    pred = clf.predict(targets)
    assert set(pred) <= set(clf.classes_)
    assert pred[2] == "rock salt"
    assert list(pred) == list(clf.classes_[proba.argmax(axis=1)])
    assert clf.n_templates(targets).tolist()[2] == 0
    clf.set_params(fallback="raise").fit(X, y)
    with pytest.raises(ValueError, match=r"row 2 \('HeNe'\)"):
        clf.predict(targets)
    with pytest.raises(ValueError, match=r"row 2 \('HeNe'\)"):
        clf.predict_proba(targets)
    with pytest.raises(ValueError, match="fallback"):
        clf.set_params(fallback="rock salt").fit(X, y)


def test_integer_labels(toy_table):
    clf = SubstitutionClassifier(toy_table).fit(["NaCl", "CsCl"], [0, 1])
    pred = clf.predict(["KCl", "HeNe"])
    assert pred.dtype.kind == "i" and set(pred) <= {0, 1}


def test_sample_weight_and_sum_aggregation(toy_table):
    X = ["NaCl", "KBr", "CsCl"]
    y = ["rs", "rs", "cscl"]
    clf = SubstitutionClassifier(toy_table, protocol="all", aggregate="sum")
    clf.fit(X, y, sample_weight=[1.0, 0.5, 2.0])
    P = clf.probabilities_
    # KCl: NaCl (K <- Na), KBr (Cl <- Br) and CsCl (K <- Cs), times the weights
    rs = P.loc["K", "Na"] * 1.0 + P.loc["Cl", "Br"] * 0.5
    cscl = P.loc["K", "Cs"] * 2.0
    np.testing.assert_allclose(
        clf.predict_proba(["KCl"])[0], [cscl / (rs + cscl), rs / (rs + cscl)]
    )
    np.testing.assert_allclose(clf.class_prior_, [2 / 3.5, 1.5 / 3.5])
    clf.set_params(aggregate="max").fit(X, y, sample_weight=[1.0, 0.5, 2.0])
    best = max(P.loc["K", "Na"], P.loc["Cl", "Br"] * 0.5)
    np.testing.assert_allclose(clf.predict_proba(["KCl"])[0, 1], best / (best + cscl))
    # weight 0 removes a template
    clf.fit(X, y, sample_weight=[1.0, 1.0, 0.0])
    assert clf.unusable_templates_.tolist() == [2]
    assert clf.predict_proba(["KCl"])[0].tolist() == [0.0, 1.0]


def test_calibration_rows_sum_to_one(toy_table):
    X = ["NaCl", "KBr", "KCl", "NaBr", "CsCl", "CsBr", "ZnS", "ZnSe", "CdS", "MgO"]
    y = ["rs", "rs", "rs", "rs", "cscl", "cscl", "zb", "zb", "zb", "rs"]
    clf = SubstitutionClassifier(
        toy_table, protocol="all", aggregate="sum", calibration="lofo"
    ).fit(X, y)
    cal = clf.calibration_
    assert cal["temperature"] > 0 and 0 <= cal["prior_weight"] < 1
    assert cal["n_samples"] == len(X)
    proba = clf.predict_proba(["RbCl", "CdSe", "HeNe", "CsI"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # a fixed calibration reproduces the fitted one
    fixed = clone(clf).set_params(calibration=dict(cal)).fit(X, y)
    np.testing.assert_allclose(fixed.predict_proba(["RbCl", "CdSe"]), proba[:2])
    with pytest.raises(ValueError, match="temperature"):
        clf.set_params(calibration={"temperature": -1, "prior_weight": 0}).fit(X, y)


def test_leave_one_formula_out_by_hand(toy_table):
    X = ["NaCl", "NaCl", "KCl", "CsCl", "CsBr"]
    y = ["rs", "cscl", "rs", "cscl", "cscl"]
    clf = SubstitutionClassifier(toy_table, protocol="all", aggregate="sum")
    lofo = clf.leave_one_formula_out(X, y, sample_weight=[0.5, 0.5, 1, 1, 1], top=2)
    # row 0 (NaCl) from KCl, CsCl and CsBr only: both NaCl rows left out
    P = clf.probabilities_
    rs = P.loc["Na", "K"]
    cs = P.loc["Na", "Cs"] + P.loc["Na", "Cs"] * P.loc["Cl", "Br"]
    np.testing.assert_allclose(lofo.proba_true[0], rs / (rs + cs))
    np.testing.assert_allclose(lofo.proba_true[1], cs / (rs + cs))
    assert lofo.n_labels[0] == 2  # rs (KCl), cscl (CsCl, CsBr)
    by_refit = clone(clf).fit(X[2:], y[2:]).predict_proba(["NaCl"])[0]
    np.testing.assert_allclose(sorted(lofo.proba[0]), sorted(by_refit))


def test_sharpness_raises_template_scores(toy_table):
    X, y = ["NaCl", "KBr", "CsCl"], ["rs", "rs", "cscl"]
    plain = SubstitutionClassifier(toy_table, protocol="all", aggregate="sum").fit(X, y)
    sharp = clone(plain).set_params(sharpness=3.0).fit(X, y)
    p1, i1 = plain.kneighbors(["KCl"], n_neighbors=3)
    p3, i3 = sharp.kneighbors(["KCl"], n_neighbors=3)
    np.testing.assert_array_equal(i1, i3)  # the order of templates is kept
    np.testing.assert_allclose(p3, p1**3)
    P = plain.probabilities_
    rs = P.loc["K", "Na"] ** 3 + P.loc["Cl", "Br"] ** 3
    cscl = P.loc["K", "Cs"] ** 3
    np.testing.assert_allclose(sharp.predict_proba(["KCl"])[0, 0], cscl / (rs + cscl))
    with pytest.raises(ValueError, match="sharpness"):
        clone(plain).set_params(sharpness=0).fit(X, y)


# -- protocol="all": ternaries and beyond --------------------------------------
def test_protocol_all_on_ternaries(default_table):
    X = ["LiCoO2", "CaTiO3", "Mg2SiO4"]
    y = ["layered", "perovskite", "olivine"]
    single = SubstitutionClassifier(default_table).fit(X, y)
    every = SubstitutionClassifier(default_table, protocol="all").fit(X, y)
    P = every.probabilities_
    targets = ["SrTiO3", "BaZrO3", "NaCoO2", "Fe2SiO4", "LiF"]
    pred = single.predict(targets)
    assert [pred[0], pred[2], pred[3]] == ["perovskite", "layered", "olivine"]
    # BaZrO3 is two substitutions away from CaTiO3; LiF has no AB template
    assert single.n_templates(targets).tolist() == [1, 0, 1, 1, 0]
    assert list(every.predict(targets))[:4] == [
        "perovskite",
        "perovskite",
        "layered",
        "olivine",
    ]
    assert every.n_templates(targets).tolist()[4] == 0
    with pytest.raises(ValueError, match="no template with anonymous formula AB"):
        clone(every).set_params(fallback="raise").fit(X, y).predict(["LiF"])
    proba, idx = every.kneighbors(["BaZrO3", "NaCoO2", "SrTiO3"], n_neighbors=1)
    assert idx[:, 0].tolist() == [1, 0, 1]
    # product of per-site probabilities; unchanged sites count 1
    assert proba[0, 0] == pytest.approx(P.loc["Ba", "Ca"] * P.loc["Zr", "Ti"])
    assert proba[1, 0] == pytest.approx(P.loc["Na", "Li"])
    single_proba, _ = single.kneighbors(["SrTiO3"], n_neighbors=1)
    assert proba[2, 0] == pytest.approx(single_proba[0, 0])


def test_protocol_all_agrees_with_single_on_single_substitutions(published_table, ab):
    X, y = ab.data, ab.target
    single = SubstitutionClassifier(published_table).fit(X, y)
    every = SubstitutionClassifier(published_table, protocol="all").fit(X, y)
    p1, i1 = single.kneighbors(X[:20], n_neighbors=100)
    p2, i2 = every.kneighbors(X[:20], n_neighbors=100)
    for row in range(20):
        score_all = dict(zip(i2[row], p2[row]))
        for j, p in zip(i1[row], p1[row]):
            if j >= 0:
                assert score_all[j] == pytest.approx(p)
    pred, n = every.leave_one_out_predict(X, y, return_n_templates=True)
    assert (
        (pred == y) & (n > 0)
    ).mean() >= 0.86  # CsTe still has no SMACT species; nothing is lost


def test_protocol_all_matches_sites_by_role_and_stoichiometry(default_table):
    # Li3PO4 -> Na3PO4: the 3:1:4 sites are matched by stoichiometry, not order
    clf = SubstitutionClassifier(default_table, protocol="all").fit(
        ["Li3PO4", "LiPO3"], ["a", "b"]
    )
    proba, idx = clf.kneighbors(["Na3AsO4"], n_neighbors=2)
    P = clf.probabilities_
    assert idx[0].tolist() == [0, -1]
    assert proba[0, 0] == pytest.approx(P.loc["Na", "Li"] * P.loc["As", "P"])


# -- API conformance: tests/test_estimator_checks.py ----------------------------
def test_parameter_validation(default_table):
    with pytest.raises(ValueError, match="protocol"):
        SubstitutionClassifier(default_table, protocol="double").fit(["NaCl"], ["a"])
    with pytest.raises(ValueError, match="metric"):
        SubstitutionClassifier(default_table, metric="l2").fit(["NaCl"], ["a"])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SubstitutionClassifier(default_table).fit(["NaCl", "KCl"], ["a"])


def test_species_compositions_are_used_as_given(default_table):
    from pymatgen.core import Composition, Species

    ag_o = Composition({Species("Ag", 1): 1, Species("O", -1): 1})
    clf = SubstitutionClassifier(default_table).fit(
        [Composition({Species("Na", 1): 1, Species("O", -1): 1}), "MgO"], ["x", "y"]
    )
    # Ag+ O- is one substitution from Na+ O-; guessed AgO is Ag2+ O2- (MgO's)
    assert clf.predict([ag_o, "AgO"]).tolist() == ["x", "y"]


def test_templates_without_oxidation_states_are_reported(default_table):
    clf = SubstitutionClassifier(default_table).fit(
        ["NaCl", "NdZn", "CsCl"], ["rs", "cscl", "cscl"]
    )
    assert clf.unusable_templates_.tolist() == [1]
    assert clf.templates_[1] is None
    proba, idx = clf.kneighbors(["KCl"], n_neighbors=3)
    assert 1 not in idx[0]

"""The substitution model, the matcher, formula substitution and the caches."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs.cli import main
from sklearn_leafs.substitution import (
    AnonymousFormulaIndex,
    SingleSubstitutionIndex,
    SubstitutionClassifier,
    SubstitutionModel,
    best_substitutions,
    element_similarity,
    format_substitutions,
    formula_substitution,
    library_classifier,
    predict_structure_type,
    stored_calibration,
    substitute_formula,
    substitution_probabilities,
)
from sklearn_leafs.substitution._matching import best_assignment, match
from sklearn_leafs.tables import LeafTable, get_table, register_table

TOY = pd.DataFrame(
    {"a": [1.0, 2.0, 0.0, 4.0], "b": [0.0, 1.0, 1.0, 1.0], "c": [3.0, 0.0, 1.0, 2.0]},
    index=["Na", "K", "Cl", "Br"],
)
SPECIES = pd.DataFrame(
    {"a": [1.0, 2.0, 0.1, 0.0, 0.5], "b": [0.0, 1.0, 0.9, 1.0, 0.2]},
    index=["Na+", "K+", "Mg2+", "Cl-", "Br-"],
)


def test_model_is_frozen_and_answers_like_the_functions():
    model = SubstitutionModel(TOY, oxidation_states=None)
    with pytest.raises(AttributeError, match="frozen"):
        model.metric = "cosine"
    P = substitution_probabilities(TOY, oxidation_states=None)
    pd.testing.assert_frame_equal(model.probabilities(), P)
    pd.testing.assert_frame_equal(model.similarity(), element_similarity(TOY))
    # Eq. 1 by hand: conditional on the replaced element
    Z = (TOY - TOY.mean()) / TOY.std(ddof=0)
    r = Z.T.corr()  # Pearson of standardised rows
    expected = np.exp(r.loc["K", "Na"]) / np.exp(r["Na"]).sum()
    assert model.p("K", "Na") == pytest.approx(expected)
    assert model.p(("K", 1), ("Na", 1)) == model.p("K", "Na")  # species -> element row
    with pytest.raises(KeyError, match="Xe"):
        model.p("Xe", "Na")


def test_admissible_species_follow_the_oxidation_state_set():
    model = SubstitutionModel("open-unweighted", oxidation_states="icsd")
    assert model.admissible(("Hf", 4)) and not model.admissible(("Hf", 3))
    assert model.admissible("Ti4+")
    smact = SubstitutionModel("open-unweighted")
    assert smact.admissible(("Hf", 3))
    assert not smact.admissible(("Po", 2))  # beyond Bi: outside SMACT's set
    assert np.isnan(smact.probabilities().loc["Po", "Te"])


def test_with_species_is_a_new_model_and_warns_only_about_new_species():
    base = SubstitutionModel("open-species")
    with pytest.warns(UserWarning, match="Au5[+]") as record:
        extended = base.with_species(["Au5+", "O2-"])
    assert "O2-" not in str(record[0].message)  # O2- has its own row
    assert extended is not base and "Au5+" not in base.labels
    assert extended.species == ("Au5+", "O2-")
    assert extended.with_species(["O2-"]) is extended
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = extended.with_species(["Au5+", "Cl-"])  # nothing new falls back
    assert again.species == ("Au5+", "O2-", "Cl-")
    # the fallback row is the element's site-weighted mean: table behaviour
    rows, _ = base.table.species_rows(["Au5+"], base.min_sites)
    assert np.isfinite(extended.p("Au5+", "Au3+"))
    np.testing.assert_allclose(rows[0], base.table.element_row("Au"))


def test_classifier_takes_its_eq1_matrix_from_the_model():
    clf = SubstitutionClassifier("open-unweighted").fit(["NaCl", "KBr"], ["rs", "rs"])
    pd.testing.assert_frame_equal(
        clf.probabilities_, substitution_probabilities("open-unweighted")
    )
    assert isinstance(clf.model_, SubstitutionModel)
    assert isinstance(clf.index_, SingleSubstitutionIndex)
    clf_all = SubstitutionClassifier("open-unweighted", protocol="all").fit(
        ["NaCl"], ["rs"]
    )
    assert isinstance(clf_all.index_, AnonymousFormulaIndex)
    comp = clf_all.species_compositions(["KBr"])[0]
    idx, scores = clf_all.index_.candidates(comp)
    expected = clf_all.model_.p(("K", 1), ("Na", 1)) * clf_all.model_.p(
        ("Br", -1), ("Cl", -1)
    )
    assert idx.tolist() == [0] and scores[0] == pytest.approx(expected)


def test_best_assignment_is_the_brute_force_maximum():
    rng = np.random.default_rng(0)
    for m in (1, 3, 6, 7):
        F = rng.random((m, m))
        columns, product = best_assignment(F)
        brute = max(
            np.prod([F[a, b] for a, b in enumerate(perm)])
            for perm in itertools.permutations(range(m))
        )
        assert product == pytest.approx(brute)
        assert np.prod([F[a, b] for a, b in enumerate(columns)]) == pytest.approx(brute)


def test_formula_substitution_uses_the_matcher():
    model = SubstitutionModel(SPECIES, oxidation_states=None, species=["Na+", "K+"])
    pairs, product = match(
        ((("Na", 1), 1), (("Cl", -1), 1)), ((("K", 1), 1), (("Cl", -1), 1)), model.p
    )
    result = formula_substitution("NaCl", "KCl", SPECIES, oxidation_states=None)
    assert result["pairs"] == [("Na+", "K+", pytest.approx(product))]
    assert pairs == [(("Na", 1), ("K", 1), pytest.approx(product))]
    with pytest.raises(ValueError, match="same anonymous species formula"):
        formula_substitution("NaCl", "MgCl2", SPECIES, oxidation_states=None)


def test_substitute_formula_by_hand():
    result = substitute_formula("NaCl", SPECIES, oxidation_states=None)
    P = substitution_probabilities(SPECIES, oxidation_states=None)
    assert result["formula"].tolist() == ["KCl", "NaBr"]
    assert result["probability"][0] == pytest.approx(P.loc["K+", "Na+"])
    assert result["probability"][1] == pytest.approx(P.loc["Br-", "Cl-"])
    assert result["species_probabilities"][0] == (result["probability"][0],)
    assert result.attrs["parent"] == {"Na+": 1, "Cl-": 1}
    with pytest.raises(ValueError, match="no charge-balanced species"):
        substitute_formula("NaCl2", SPECIES, oxidation_states=None)


def test_substitute_formula_double_substitutions_are_charge_balanced():
    result = substitute_formula("CaTiO3", top=None)
    assert len(result) > 10
    assert result["probability"].is_monotonic_decreasing
    doubles = result[result["replaced"].map(len) == 2]
    assert len(doubles)  # e.g. Ca2+ Ti4+ -> La3+ Al3+
    for row in doubles.itertuples():
        assert row.probability == pytest.approx(np.prod(row.species_probabilities))
        p = best_substitutions(
            row.replaced[0], "open-species", top=None, oxidation_states="icsd"
        )
        assert p[row.substitutes[0]] == pytest.approx(row.species_probabilities[0])


@pytest.mark.parametrize(
    "argv",
    [
        ["substitute", "CaTiO3"],
        ["substitute", "ZnO", "--table", "open-unweighted", "--top", "5"],
        ["substitute", "MgAl2O4", "--oxidation-states", "smact", "--metric", "cosine"],
    ],
)
def test_cli_substitute_prints_the_function_result(argv, capsys):
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    options = dict(zip(argv[2::2], argv[3::2]))
    result = substitute_formula(
        argv[1],
        options.get("--table", "open-species"),
        top=int(options.get("--top", 10)),
        metric=options.get("--metric", "pearson"),
        oxidation_states=options.get("--oxidation-states", "icsd"),
    )
    assert lines == format_substitutions(argv[1], result)
    for line, row in zip(lines, result.itertuples()):
        assert line.startswith(f"{argv[1]} -> {row.formula} (")
        for old, new, p in zip(
            row.replaced, row.substitutes, row.species_probabilities
        ):
            assert f"{old} -> {new} {p:.4f}" in line


def _ten_rows(seed):
    elements = ["Li", "Na", "K", "Rb", "Mg", "Ca", "F", "Cl", "Br", "O"]
    values = np.random.default_rng(seed).random((10, 37))
    return LeafTable.from_frame(pd.DataFrame(values, index=elements))


def test_library_classifier_follows_the_table_object_not_its_name():
    register_table("wtA-ten", lambda data_home=None: _ten_rows(0), overwrite=True)
    # substitutions only (known compounds answer from their own polymorphs)
    first = predict_structure_type(
        ["KCl", "NaBr", "CaO"], "wtA-ten", top=2, known="exclude"
    )
    clf1, _ = library_classifier("wtA-ten")
    assert library_classifier("wtA-ten")[0] is clf1  # cached for the object
    assert "log_loss" in clf1.calibration_  # calibrated here, not the stored one
    register_table("wtA-ten", lambda data_home=None: _ten_rows(1), overwrite=True)
    clf2, _ = library_classifier("wtA-ten")
    assert clf2 is not clf1
    assert clf2.table_ is get_table("wtA-ten") and clf2.table_ is not clf1.table_
    assert "log_loss" in clf2.calibration_
    second = predict_structure_type(
        ["KCl", "NaBr", "CaO"], "wtA-ten", top=2, known="exclude"
    )
    assert not np.allclose(first["probability"], second["probability"])
    # the shipped default table is the one the stored calibration was fitted with
    default, _ = library_classifier("open")
    stored = stored_calibration(get_table("open"), "all", "evidence")
    assert stored is not None and default.calibration_ == stored


def test_stored_calibration_is_matched_by_content_fingerprint():
    default = get_table("open")
    copy = LeafTable(default.frame, default.counts, {"source": "a copy"})
    assert copy is not default and copy.fingerprint == default.fingerprint
    assert stored_calibration(copy, "all", "evidence") is not None
    assert stored_calibration(copy, "single", "evidence") is None
    without_counts = LeafTable(default.frame)  # counts are not content
    assert without_counts.fingerprint == default.fingerprint
    changed = default.frame
    changed.iloc[0, 0] += 1e-9
    other = LeafTable(changed, default.counts)
    assert other.fingerprint != default.fingerprint
    assert stored_calibration(other, "all", "evidence") is None


def test_a_table_object_and_its_name_share_the_library_classifier():
    by_name, _ = library_classifier("open")
    assert library_classifier(get_table("open"))[0] is by_name

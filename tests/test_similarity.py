import numpy as np
import pandas as pd
import pytest

from sklearn_leafs.chemistry._oxidation import species_amounts
from sklearn_leafs.chemistry._species import (
    format_species,
    parse_species,
    reduced_species,
)
from sklearn_leafs.chemistry._state_lists import smact_oxidation_states
from sklearn_leafs.neighbors import (
    NearestCompositions,
    composition_similarity,
    composition_vectors,
)
from sklearn_leafs.substitution import (
    best_substitutions,
    element_similarity,
    substitution_probabilities,
)
from sklearn_leafs.tables import get_table

TOY = pd.DataFrame(
    {"a": [1.0, 2.0, 0.0, 4.0], "b": [0.0, 1.0, 1.0, 1.0], "c": [3.0, 0.0, 1.0, 2.0]},
    index=["Na", "K", "Cl", "Br"],
)


def test_cosine_similarity_by_hand():
    S = element_similarity(TOY, metric="cosine", standardize=False)
    na, k = TOY.loc["Na"].to_numpy(), TOY.loc["K"].to_numpy()
    expected = na @ k / np.linalg.norm(na) / np.linalg.norm(k)
    assert S.loc["Na", "K"] == pytest.approx(expected)
    np.testing.assert_allclose(S.to_numpy(), S.to_numpy().T)
    np.testing.assert_allclose(np.diag(S), 1.0)


def test_pearson_standardised_over_all_table_elements():
    # standardisation uses all four rows even when only two are returned
    S = element_similarity(TOY, elements=["Na", "K"])
    Z = (TOY - TOY.mean()) / TOY.std(ddof=0)
    expected = np.corrcoef(Z.loc["Na"], Z.loc["K"])[0, 1]
    assert S.shape == (2, 2)
    assert S.loc["Na", "K"] == pytest.approx(expected)
    assert S.loc["Na", "K"] != pytest.approx(
        element_similarity(TOY.loc[["Na", "K"]]).loc["Na", "K"]
    )


def test_unknown_element_is_named():
    with pytest.raises(ValueError, match="Xe"):
        element_similarity(TOY, elements=["Na", "Xe"])


def test_conditional_probabilities_normalise_over_replaced_element():
    P = substitution_probabilities(TOY, oxidation_states=None)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    S = element_similarity(TOY)
    expected = np.exp(S.loc["K", "Na"]) / np.exp(S["Na"]).sum()
    assert P.loc["K", "Na"] == pytest.approx(expected)


def test_global_probabilities_sum_to_one_over_all_pairs():
    P = substitution_probabilities(TOY, normalization="global", oxidation_states=None)
    assert P.to_numpy().sum() == pytest.approx(1.0)
    S = element_similarity(TOY)
    assert P.loc["K", "Na"] / P.loc["Cl", "Na"] == pytest.approx(
        np.exp(S.loc["K", "Na"] - S.loc["Cl", "Na"])
    )


def test_smact_weights_count_oxidation_states():
    # Cl has 8 SMACT oxidation states, Na 2, K 2, Br 7: species-level weights
    P = substitution_probabilities(TOY)
    w = np.array([len(smact_oxidation_states()[el]) for el in P.index])
    assert list(w) == [2, 8, 2, 7]
    np.testing.assert_allclose(w @ P.to_numpy(), 1.0)


def test_best_substitutions_of_leaf_table(published_table):
    best = best_substitutions("Na", published_table, top=5)
    assert len(best) == 5
    assert "Na" not in best.index
    assert best.is_monotonic_decreasing
    # alkali metals are the closest substitutes for Na in the ICSD LEAFs
    assert {"K", "Li"} & set(best.index[:3])


def test_best_substitutions_errors():
    with pytest.raises(ValueError, match="'Xe'"):
        best_substitutions("Xe", TOY)
    with pytest.raises(ValueError, match="top"):
        best_substitutions("Na", TOY, top=0)


def test_composition_vectors_and_similarity_by_hand():
    table = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["O", "Mg"])
    V = composition_vectors(["MgO", "MgO2"], table)
    np.testing.assert_allclose(V, [[0.5, 0.5], [2 / 3, 1 / 3]])
    sim = composition_similarity(["MgO"], ["MgO2", "MgO"], table=table)
    cos = (0.5 * 2 / 3 + 0.5 / 3) / (np.sqrt(0.5) * np.sqrt(5 / 9))
    np.testing.assert_allclose(sim, [[np.exp(cos), np.e]])


def test_composition_vectors_name_bad_row():
    with pytest.raises(ValueError, match=r"row 1 .*Xe"):
        composition_vectors(["NaCl", "XeF2"], TOY)


def test_nearest_compositions(published_table):
    refs = ["NaCl", "KCl", "MgO", "CaO", "LiF"]
    nn = NearestCompositions(published_table, n_neighbors=2).fit(refs, list("abcde"))
    scores, idx = nn.kneighbors(["NaCl", "SrO"])
    assert idx[0, 0] == 0 and scores[0, 0] == pytest.approx(1.0)
    assert idx[1, 0] == 3  # SrO is closest to CaO
    assert (np.diff(scores, axis=1) <= 0).all()
    frame = nn.query(["SrO"], n_neighbors=1)
    assert frame.loc[0, ["formula", "label"]].tolist() == ["CaO", "d"]
    with pytest.raises(ValueError, match="n_neighbors"):
        nn.kneighbors(["SrO"], n_neighbors=6)


def test_species_helpers():
    assert parse_species("Fe3+") == ("Fe", 3)
    assert parse_species("Br-") == ("Br", -1)
    assert format_species(("O", -2)) == "O2-"
    with pytest.raises(ValueError, match="Xx2"):
        parse_species("Xx2+")
    assert species_amounts("Fe3O4") == {("Fe", 2): 1.0, ("Fe", 3): 2.0, ("O", -2): 4.0}
    assert species_amounts("CsAu") == {("Cs", 1): 1.0, ("Au", -1): 1.0}
    assert reduced_species({("Li", 1): 0.5, ("F", -1): 0.5}) == (
        (("Li", 1), 1),
        (("F", -1), 1),
    )
    with pytest.raises(ValueError, match="cannot read"):
        species_amounts("Qq2O")


def test_smact_table_matches_smact_if_installed():
    smact = pytest.importorskip("smact.data_loader")
    states = smact_oxidation_states()
    for el in ("Fe", "Te", "Cs", "Bi", "O"):
        assert list(states[el]) == smact.lookup_element_oxidation_states(el)


@pytest.mark.slow  # importing elementembeddings takes a few seconds
def test_embedding_adapter():
    pytest.importorskip("elementembeddings")
    from sklearn_leafs.tables._embeddings import load_embedding

    table = load_embedding("magpie")
    assert table.values.shape[1] == 22
    assert table.elements[0] == "H"
    assert get_table("ee:magpie") == table
    # provisional names of elements 113-118 (Uut...) become their symbols,
    # except Uuh, a duplicate of the Lv row of random_200 (left out, reported)
    with pytest.warns(UserWarning, match="Uuh"):
        random_200 = load_embedding("random_200")
    assert "Nh" in random_200 and random_200.provenance["dropped"] == ["Uuh"]
    with pytest.raises(ValueError, match="unknown elementembeddings"):
        load_embedding("no-such-embedding")


# -- species tables ----------------------------------------------------------
SPECIES = pd.DataFrame(
    {
        "a": [1.0, 2.0, 0.0, 4.0, 2.2, 0.5],
        "b": [0.0, 1.0, 1.0, 1.0, 0.9, 3.0],
        "c": [3.0, 0.0, 1.0, 2.0, 0.1, 1.0],
    },
    index=["Na+", "K+", "Cl-", "Br-", "K0+", "Ti4+"],
)
SPECIES_COUNTS = {"Na+": 50, "K+": 40, "Cl-": 90, "Br-": 30, "K0+": 10, "Ti4+": 25}


def _species_table():
    from sklearn_leafs.tables import LeafTable

    return LeafTable(SPECIES, counts=SPECIES_COUNTS)


def test_species_similarity_is_indexed_by_species():
    table = _species_table()
    S = element_similarity(table)
    assert S.index.tolist() == ["Na+", "Cl-", "K0+", "K+", "Ti4+", "Br-"]
    Z = (SPECIES - SPECIES.mean()) / SPECIES.std(ddof=0)
    assert S.loc["Na+", "K+"] == pytest.approx(
        np.corrcoef(Z.loc["Na+"], Z.loc["K+"])[0, 1]
    )


def test_species_below_the_site_threshold_fall_back_to_the_element_row():
    table = _species_table()
    # K0+ has 10 sites (< 20): replaced by K's site-weighted mean of K+ and K0+
    k_mean = (40 * SPECIES.loc["K+"] + 10 * SPECIES.loc["K0+"]) / 50
    with pytest.warns(UserWarning, match="K0\\+ has 10 sites"):
        S = element_similarity(table, elements=["K0+", "Na+"], metric="cosine",
                               standardize=False)  # fmt: skip
    na = SPECIES.loc["Na+"].to_numpy()
    expected = k_mean @ na / np.linalg.norm(k_mean) / np.linalg.norm(na)
    assert S.loc["K0+", "Na+"] == pytest.approx(expected)
    # an absent species uses its element's row too, with a warning
    with pytest.warns(UserWarning, match="Ti3\\+ is not a row"):
        S = element_similarity(table, elements=["Ti3+", "Ti4+"])
    assert S.loc["Ti3+", "Ti4+"] == pytest.approx(1.0)
    # and is never a candidate substitute
    P = substitution_probabilities(table, oxidation_states=None)
    assert P["K0+"].isna().all() and P.loc["K0+"].isna().all()
    np.testing.assert_allclose(P.drop(index="K0+", columns="K0+").sum(), 1.0)
    with pytest.raises(ValueError, match="'Xx2\\+'|Xx"):
        element_similarity(table, elements=["Xx2+"])


def test_best_substitutions_of_a_species():
    table = _species_table()
    subs = best_substitutions(
        "Na+", table, top=None, oxidation_states=None, same_sign=False
    )
    assert "Na+" not in subs.index and "K0+" not in subs.index
    P = substitution_probabilities(table, oxidation_states=None)
    assert subs.iloc[0] == pytest.approx(P["Na+"].drop("Na+").max())
    # SMACT normalisation: only species whose charge SMACT lists (Ti4+, K+...)
    smact = best_substitutions("Na+", table, top=None, same_sign=False)
    assert set(smact.index) == {"K+", "Cl-", "Br-", "Ti4+"}
    # by default a cation is replaced by cations only
    assert set(best_substitutions("Na+", table, top=None).index) == {"K+", "Ti4+"}
    # a species on an element table uses the element row, with a warning
    with pytest.warns(UserWarning, match="Na\\+ is not a row"):
        on_elements = best_substitutions("Na+", TOY, top=1, oxidation_states=None)
    assert (
        on_elements.index.tolist()
        == best_substitutions("Na", TOY, top=1, oxidation_states=None).index.tolist()
    )


def test_formula_substitution_pairs_species_by_role_and_amount():
    from sklearn_leafs.substitution import formula_substitution

    table = _species_table()
    P = substitution_probabilities(table, oxidation_states=None)
    result = formula_substitution("NaCl", "KBr", table, oxidation_states=None)
    assert sorted(result["pairs"]) == sorted(
        [("Na+", "K+", P.loc["K+", "Na+"]), ("Cl-", "Br-", P.loc["Br-", "Cl-"])]
    )
    assert result["probability"] == pytest.approx(
        P.loc["K+", "Na+"] * P.loc["Br-", "Cl-"]
    )
    assert result["balanced"]
    same = formula_substitution("NaCl", "NaCl", table, oxidation_states=None)
    assert same["pairs"] == [] and same["probability"] == 1.0
    with pytest.raises(ValueError, match="anonymous"):
        formula_substitution("NaCl", "Na2O", table, oxidation_states=None)


def test_composition_vectors_on_a_species_table():
    table = _species_table()
    v = composition_vectors(["NaCl"], table)
    np.testing.assert_allclose(v[0], (SPECIES.loc["Na+"] + SPECIES.loc["Cl-"]) / 2)


def test_icsd_normalisation_set_leaves_out_formal_species():
    from sklearn_leafs.substitution import substitution_probabilities

    rng = np.random.default_rng(0)
    labels = ["Ti4+", "Zr4+", "Hf4+", "Hf3+", "Sc3+", "O2-", "N2-", "U4+"]
    table = pd.DataFrame(rng.random((len(labels), 5)), index=labels)
    smact = substitution_probabilities(table)
    icsd = substitution_probabilities(table, oxidation_states="icsd")
    # SMACT admits Hf3+ but not U4+ (beyond Bi); ICSD admits U4+ (observed)
    # but not Hf3+ (pymatgen: Hf only 4+)
    assert np.isnan(icsd.loc["Hf3+", "Ti4+"]) and np.isfinite(smact.loc["Hf3+", "Ti4+"])
    assert np.isnan(smact.loc["U4+", "Ti4+"]) and np.isfinite(icsd.loc["U4+", "Ti4+"])
    # conditional normalisation: each admitted column sums to one
    inside = icsd.columns[np.isfinite(icsd.to_numpy()).any(axis=0)]
    np.testing.assert_allclose(icsd.loc[inside, inside].sum(axis=0), 1.0)
    # same similarities, only the set differs: the ratio of two admitted rows
    ratio_smact = smact.loc["Zr4+", "Ti4+"] / smact.loc["Sc3+", "Ti4+"]
    ratio_icsd = icsd.loc["Zr4+", "Ti4+"] / icsd.loc["Sc3+", "Ti4+"]
    assert ratio_icsd == pytest.approx(ratio_smact)


def test_best_substitutions_keeps_the_sign_of_the_charge():
    from sklearn_leafs.substitution import best_substitutions

    # Ag+ sits closest to O2- in these rows, but an anion is replaced by anions
    table = pd.DataFrame(
        {"a": [1.0, 0.95, 0.7, 0.1, 0.0, 0.5], "b": [0.0, 0.05, 0.3, 1.0, 0.9, 0.5]},
        index=["O2-", "Ag+", "F-", "Na+", "K+", "Na0+"],
    )
    every = best_substitutions("O2-", table, top=None, oxidation_states=None,
                               same_sign=False)  # fmt: skip
    assert every.index[0] == "Ag+"
    anions = best_substitutions("O2-", table, top=None, oxidation_states=None)
    assert anions.index.tolist() == ["F-"]
    # the probabilities themselves are Eq. 1's, only the list is filtered
    assert anions["F-"] == pytest.approx(every["F-"])
    cations = best_substitutions("Na+", table, top=None, oxidation_states=None)
    assert set(cations.index) == {"Ag+", "K+"}  # no anion, no metallic Na0+

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Composition
from sklearn.base import clone
from sklearn.ensemble import IsolationForest

import sklearn_leafs
from sklearn_leafs.featurizers._phase_field import (
    PhaseFieldFeaturizer,
    parse_phase_field,
)
from sklearn_leafs.novelty import PhaseFieldNoveltyScorer

DEFAULT_CSV = Path(sklearn_leafs.__file__).parent / "data" / "open_unweighted_table.csv"

FIELDS = [
    "Ba Ca Cu La O",
    "Mg O",
    "Fe-Se",
    "Nb Sn",
    "Li La O Zr",
    "As Ba Fe K",
    "Co Fe Gd",
    "B Mg",
    "Al N",
    "Cu O Sr Y",
    "Ga N",
    "Hg Ba Ca Cu O",
]


def leaf_rows(*elements):
    """Rows of the table CSV shipped with the package (no reference data)."""
    raw = pd.read_csv(
        DEFAULT_CSV,
        index_col=0,
        float_precision="round_trip",
    )
    return raw.loc[list(elements)].to_numpy()


@pytest.fixture(scope="module")
def featurizer(default_table):
    return PhaseFieldFeaturizer(table=default_table)


def test_mgo_by_hand_from_the_csv(featurizer):
    out = clone(featurizer).fit_transform(["Mg O"])[0]
    mg, o = leaf_rows("Mg", "O")
    expected = np.concatenate(
        [(mg + o) / 2, np.maximum(mg, o), np.minimum(mg, o), np.abs(mg - o) / 2]
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)


def test_three_elements_match_numpy(featurizer):
    rows = leaf_rows("Ba", "Cu", "O")
    out = clone(featurizer).fit_transform(["O Cu Ba"])[0]
    expected = np.concatenate(
        [rows.mean(0), rows.max(0), rows.min(0), rows.std(0, ddof=0)]
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)


def test_order_duplicates_and_input_kinds_do_not_change_output(featurizer):
    variants = [
        "Ba Ca Cu La O",
        "O-La-Cu-Ca-Ba",
        "  La  Ba Cu O Ca O ",
        "Ba, Ca, Cu, La, O",
        ["O", "La", "Cu", "Ca", "Ba", "Cu"],
        ("Ba", "Ca", "Cu", "La", "O"),
        {"Ba", "Ca", "Cu", "La", "O"},
        Composition("La1.85Ba0.15CaCu2O6"),
    ]
    out = clone(featurizer).fit_transform(variants)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, np.repeat(out[:1], len(variants), axis=0))


def test_list_of_symbol_lists(featurizer):
    fitted = clone(featurizer).fit(FIELDS)
    as_lists = [f.replace("-", " ").split() for f in FIELDS]
    np.testing.assert_array_equal(fitted.transform(as_lists), fitted.transform(FIELDS))
    # a single column of strings (2-D) still works
    column = [[f] for f in FIELDS]
    np.testing.assert_array_equal(fitted.transform(column), fitted.transform(FIELDS))


def test_feature_names(featurizer):
    names = clone(featurizer).fit(FIELDS).get_feature_names_out()
    assert len(names) == 4 * 37
    assert names[18] == "mean|octahedral CN_6"
    assert names[37 + 18] == "max|octahedral CN_6"
    assert names[-1] == "std|q6 CN_12"
    pf = PhaseFieldFeaturizer(
        table=featurizer.table, pooling=("range", "sum"), n_elements=True
    )
    assert pf.fit(FIELDS).get_feature_names_out()[[0, 37, -1]].tolist() == [
        "range|sgl_bd CN_1",
        "sum|sgl_bd CN_1",
        "n_elements",
    ]


def test_other_poolings(featurizer):
    rows = leaf_rows("Fe", "Se")
    pf = PhaseFieldFeaturizer(
        table=featurizer.table, pooling=("sum", "range"), n_elements=True
    )
    out = pf.fit_transform(["Fe Se", "Fe"])
    np.testing.assert_allclose(out[0, :37], rows.sum(0), atol=1e-15)
    np.testing.assert_allclose(out[0, 37:74], np.ptp(rows, axis=0), atol=1e-15)
    assert out[0, -1] == 2 and out[1, -1] == 1
    np.testing.assert_array_equal(out[1, 37:74], 0.0)
    single = PhaseFieldFeaturizer(table=featurizer.table, pooling="max")
    np.testing.assert_array_equal(single.fit_transform(["Fe Se"])[0], rows.max(0))


def test_membership_columns(featurizer):
    pf = PhaseFieldFeaturizer(
        table=featurizer.table, pooling="max", n_elements=True, membership=True
    ).fit(FIELDS)
    elements = pf.table_.elements
    names = pf.get_feature_names_out()
    assert len(names) == 37 + 1 + len(elements)
    assert names[37] == "n_elements" and names[38] == f"has|{elements[0]}"
    out = pf.set_params(errors="nan").transform(
        ["O-Fe-Se", "Se Fe O Fe", "Fe", "Fe Xx"]
    )
    has = out[:, 38:]
    np.testing.assert_array_equal(out[0], out[1])  # a set: order and duplicates
    assert sorted(np.asarray(elements)[has[0] == 1]) == ["Fe", "O", "Se"]
    assert has[0].sum() == out[0, 37] == 3
    assert has[2].sum() == 1 and has[2, elements.index("Fe")] == 1
    assert np.isnan(out[3]).all()  # a bad token: a NaN row, membership included


@pytest.mark.parametrize(
    "pooling, match",
    [(("mean", "median"), "median"), ((), "non-empty"), (("max", "max"), "once")],
)
def test_bad_pooling(featurizer, pooling, match):
    pf = PhaseFieldFeaturizer(table=featurizer.table, pooling=pooling)
    with pytest.raises(ValueError, match=match):
        pf.fit(FIELDS)


def test_non_element_tokens_raise_naming_token_and_row(featurizer):
    X = ["Mg O", "Fe Se", "D0+ Fe Gd T0+"]
    with pytest.raises(
        ValueError,
        match=r"row 2 \('D0\+ Fe Gd T0\+'\): 'D0\+', 'T0\+' are not elements",
    ):
        clone(featurizer).fit(X)
    with pytest.raises(ValueError, match=r"row 1 \('MgO'\): 'MgO' is not an element"):
        clone(featurizer).fit(["Mg O", "MgO"])
    with pytest.raises(
        ValueError, match=r"row 0 \('Og O'\): element\(s\) Og not in the table"
    ):
        clone(featurizer).fit(["Og O"])
    with pytest.raises(ValueError, match=r"row 1 \(' - '\): empty phase field"):
        clone(featurizer).fit(["Mg O", " - "])
    with pytest.raises(ValueError, match=r"row 1 \(None\): missing phase field"):
        clone(featurizer).fit(["Mg O", None])
    with pytest.raises(ValueError, match=r"row 0 \(\['Mg', 8\]\): .*not a string"):
        clone(featurizer).fit([["Mg", 8]])


def test_nan_rows_on_request(featurizer):
    pf = clone(featurizer).set_params(errors="nan")
    X = ["Mg O", "D0+ Fe Gd", np.nan, "", "Og O", "Fe Gd"]
    out = pf.fit_transform(X)
    assert out.shape == (6, 4 * 37)
    assert np.isfinite(out[[0, 5]]).all()
    assert np.isnan(out[1:5]).all()
    np.testing.assert_array_equal(out[5], clone(featurizer).fit_transform(["Gd Fe"])[0])


@pytest.mark.slow
def test_all_band_gap_fields_match_a_naive_loop(published_table, shared_data):
    # the band-gap fields hold elements (Am...) that only the published table has
    featurizer = PhaseFieldFeaturizer(table=published_table)
    path = shared_data / "phase-fields" / "mpds_band_gap.csv"
    if not path.is_file():
        pytest.skip("phase-field data absent")
    fields = pd.read_csv(path)["phases"].tolist()
    out = clone(featurizer).fit_transform(fields)  # 40,600 rows, vectorised
    assert out.shape == (40600, 148) and np.isfinite(out).all()
    table = featurizer.table
    rng = np.random.default_rng(0)
    for i in rng.choice(len(fields), 50, replace=False):
        rows = table.lookup(fields[i].split())
        expected = np.concatenate([rows.mean(0), rows.max(0), rows.min(0), rows.std(0)])
        np.testing.assert_allclose(out[i], expected, rtol=1e-12, atol=1e-14)


def test_parse_phase_field():
    assert parse_phase_field("Ba-Ca  Cu") == ["Ba", "Ca", "Cu"]
    assert parse_phase_field(["Ba Ca", "Ca"]) == ["Ba", "Ca"]
    assert parse_phase_field(Composition("Fe2O3")) == ["Fe", "O"]
    with pytest.raises(TypeError):
        parse_phase_field(3)


def test_set_output_pandas(featurizer):
    df = clone(featurizer).set_output(transform="pandas").fit_transform(FIELDS)
    assert df.columns[37 + 18] == "max|octahedral CN_6"
    assert df.shape == (len(FIELDS), 148)


# -- novelty score --------------------------------------------------------------


@pytest.fixture(scope="module")
def known_fields(shared_data):
    path = shared_data / "phase-fields" / "superconductors_combined_Tc.csv"
    if not path.is_file():
        pytest.skip("phase-field data absent")
    return pd.read_csv(path)["phases"].tolist()


def test_novelty_scorer_ranks_exotic_fields_as_unexplored(
    published_table, known_fields
):
    scorer = PhaseFieldNoveltyScorer(
        featurizer=PhaseFieldFeaturizer(table=published_table),
        estimator=IsolationForest(n_estimators=100, random_state=0),
    )
    assert scorer.fit(known_fields) is scorer
    typical = ["Ba Cu O Y", "Nb Sn", "Fe Se", "B Mg"]
    exotic = ["He Ne", "Ar Kr Xe", "Ra Ac", "Es Cf He"]
    s_typ = scorer.novelty_score(typical)
    s_exo = scorer.novelty_score(exotic)
    assert ((s_typ >= 0) & (s_typ <= 1)).all() and ((s_exo >= 0) & (s_exo <= 1)).all()
    assert s_exo.min() > s_typ.max()
    assert s_exo.min() > 0.95
    # the novelty score is the percentile of atypicality among the training fields
    train = scorer.novelty_score(known_fields)
    assert abs(np.median(train) - 0.5) < 0.02
    # sklearn outlier conventions: higher score_samples = more typical
    assert scorer.score_samples(typical).min() > scorer.score_samples(exotic).max()
    assert set(np.unique(scorer.predict(typical + exotic))) <= {-1, 1}
    assert (scorer.predict(exotic) == -1).all()


def test_novelty_scorer_is_deterministic_and_picklable(published_table, known_fields):
    X = known_fields[:400]
    a = PhaseFieldNoveltyScorer(
        featurizer=PhaseFieldFeaturizer(table=published_table),
        estimator=IsolationForest(n_estimators=30, random_state=3),
    )
    b = clone(a)
    a.fit(X)
    b.fit(X)
    probe = ["Ba Cu O", "He Ne", "Fe Gd Co"]
    np.testing.assert_array_equal(a.novelty_score(probe), b.novelty_score(probe))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.novelty_score(probe), a.novelty_score(probe))
    with pytest.raises(ValueError, match=r"row 1 \('D0\+ O'\): 'D0\+'"):
        a.novelty_score(["Ba O", "D0+ O"])


# -- screening example ----------------------------------------------------------


@pytest.mark.slow
def test_screening_example_ranks_only_unexplored_ternaries(
    published_table, shared_data
):
    import importlib.util
    from pathlib import Path

    if not (shared_data / "phase-fields").is_dir():
        pytest.skip("phase-field data absent")
    path = Path(__file__).resolve().parents[1] / "examples" / "phase_field_screening.py"
    spec = importlib.util.spec_from_file_location("phase_field_screening", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ternaries(["O", "Cu", "Ba", "Cu"]) == ["Ba Cu O"]
    assert module.ternaries(["O", "Cu", "Ba", "Y"], known=["Ba Cu O"]) == [
        "Ba Cu Y",
        "Ba O Y",
        "Cu O Y",
    ]
    elements = ["Ba", "Cu", "O", "Y", "La", "Hg"]
    ranking, _ = module.screen(elements, published_table, n_estimators=10)
    known = {frozenset(f.split()) for f in module.known_fields(published_table)[0]}
    fields = [frozenset(f.split()) for f in ranking["phase_field"]]
    assert (
        len(fields)
        == len(set(fields))
        == 20 - len({f for f in known if len(f) == 3 and f <= set(elements)})
    )
    assert not set(fields) & known
    assert ranking["p_high_Tc"].is_monotonic_decreasing
    assert ranking["p_high_Tc"].between(0, 1).all()
    assert ranking["unexplored"].between(0, 1).all()

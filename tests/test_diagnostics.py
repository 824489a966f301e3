"""Table diagnostics: hand-made tables whose answers are known."""

import numpy as np
import pandas as pd
import pytest
from pymatgen.core import Element

from sklearn_leafs.cli import main
from sklearn_leafs.diagnostics import (
    _precision_at_k,
    element_labels,
    property_recovery,
    retrieval_precision,
    table_agreement,
    table_coverage,
    table_report,
)

SYMBOLS = [Element.from_Z(z).symbol for z in range(1, 84)]  # H-Bi


def _block_table(noise=0.0, seed=0):
    """Rows that one-hot encode the block (plus optional noise)."""
    labels = element_labels(SYMBOLS)
    onehot = pd.get_dummies(labels["block"]).astype(float)
    rng = np.random.default_rng(seed)
    return onehot + noise * rng.standard_normal(onehot.shape)


def test_element_labels_hand_checked():
    labels = element_labels(["H", "Na", "Cu", "Gd", "Cl", "Xe", "U"])
    assert labels["block"].tolist() == ["s", "s", "d", "f", "p", "p", "f"]
    assert labels["group"].tolist() == ["1", "1", "11", "f", "17", "18", "f"]
    assert labels["period"].tolist() == [1, 3, 4, 6, 3, 5, 7]
    terciles = element_labels(SYMBOLS)["electronegativity_tercile"].dropna()
    counts = terciles.value_counts()
    assert counts.max() - counts.min() <= 1  # equal-count bins
    assert (
        element_labels(["Cs", "F"])["electronegativity_tercile"].tolist()[1] == "high"
    )


def test_property_recovery_finds_an_encoded_property():
    result = property_recovery(_block_table(), n_seeds=2)
    assert result.loc["block", "accuracy"] == pytest.approx(1.0)
    assert result.loc["block", "accuracy_std"] == pytest.approx(0.0)
    # random vectors of the same shape are near the majority rate
    assert result.loc["block", "random"] < 0.6
    assert result.loc["block", "n_classes"] == 4
    assert result.loc["block", "majority"] == pytest.approx(
        element_labels(SYMBOLS)["block"].value_counts(normalize=True).max()
    )


def test_coverage():
    cov = table_coverage(_block_table())
    assert cov["covered"] == 83 and cov["missing"][:3] == ["Po", "At", "Rn"]
    assert cov["counts"] is None
    default = table_coverage("open-unweighted")
    assert default["counts"]["O"] > 1000 and default["min_count"] >= 1


def test_precision_at_k_leave_one_out():
    vectors = np.array([[1, 0.1], [1, 0.2], [1, 0.0], [0.1, 1], [0.2, 1], [0, 1]])
    labels = np.array([0, 0, 0, 1, 1, 1])
    assert _precision_at_k(vectors, labels, 2) == pytest.approx(1.0)
    # k = 3: every composition has 2 same-label others among 5
    assert _precision_at_k(vectors, labels, 3) == pytest.approx(2 / 3)
    assert _precision_at_k(vectors, 1 - labels, 2) == pytest.approx(1.0)


def test_retrieval_on_li_ion_offline_copy():
    r = retrieval_precision("open-unweighted", "li_ion", k=10, baseline=None, n_seeds=1)
    assert r["n"] == 397 and r["baseline"] is None
    assert 0 <= r["table"] <= 1 and 0 <= r["random"] <= 1
    assert r["base_rate"] == pytest.approx((161 / 397) ** 2 + (236 / 397) ** 2)


def test_retrieval_on_own_labelled_compositions():
    table = pd.DataFrame(
        {"a": [1.0, 0.0, 0.0, 0.0], "b": [0.0, 1.0, 0.0, 0.0], "c": [0, 0, 1.0, 1.0]},
        index=["Na", "K", "Cl", "Br"],
    )
    X = ["NaCl", "NaBr", "Na2Cl", "KCl", "KBr", "K2Br"]
    y = ["na", "na", "na", "k", "k", "k"]
    r = retrieval_precision(table, (X, y), k=2, baseline=None, n_seeds=1)
    assert r["task"] == "custom" and r["n"] == 6
    assert r["table"] == pytest.approx(1.0)  # Na salts next to Na salts
    assert r["base_rate"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="6 compositions but 2 labels"):
        retrieval_precision(table, (X, y[:2]), baseline=None)


def test_agreement():
    table = pd.DataFrame(
        {"a": [1.0, 0.0, 2.0], "b": [0.0, 1.0, 1.0], "c": [0.5, 0.5, 0.0]},
        index=["Na", "Cl", "K"],
    )
    same = table_agreement(table, table)
    np.testing.assert_allclose(same["pearson"], 1.0)
    flipped = table_agreement(table, -table)
    np.testing.assert_allclose(flipped["pearson"], -1.0)
    np.testing.assert_allclose(flipped["cosine"], -1.0)
    with pytest.raises(ValueError, match="share fewer than two features"):
        table_agreement(table, table.rename(columns=str.upper))


def test_report_text_and_cli(capsys):
    report = table_report(_block_table(), tasks=(), n_seeds=1)
    text = str(report)
    assert "Coverage: 83 of the 94 elements" in text
    assert "block" in text and "sites per element: not recorded" in text
    assert main(["report", "open-unweighted", "--task", "li_ion", "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Table diagnostics: open-unweighted")
    assert "li_ion (n=397, k=10): table" in out and "magpie" in out

"""The built-in default table and matrix M, and the script that builds them."""

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.environments import SiteRecords
from sklearn_leafs.tables import get_table, table_from_records
from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    path = ROOT / "scripts" / "build_default_table.py"
    spec = importlib.util.spec_from_file_location("build_default_table", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_table_is_shipped_with_provenance():
    table = get_table("default")
    assert len(table) >= 86
    assert table.feature_names == list(MOTIF_LABELS)
    assert np.isfinite(table.values).all()
    assert ((table.values >= 0) & (table.values <= 1)).all()
    info = table.provenance
    assert info["n_structures"] > 13000
    assert info["li_conductor_cifs_used"] is False
    assert info["git_revision"] and info["engine"] in {"fast", "matminer"}
    # placeholder labels of AFLOW prototypes are reported, not used
    reasons = " ".join(s["reason"] for s in info["skipped"])
    assert info["n_skipped"] == len(info["skipped"]) >= 17
    assert "'Nh'" in reasons and "'M" in reasons
    assert "Nh" not in table and "O" in table
    assert table.counts is not None and (table.counts > 0).all()
    assert table.counts["O"] > table.counts["Pu"]


def test_default_table_follows_the_icsd_table(published_table):
    """Fidelity floor (measured: median Pearson 0.850, cosine 0.938)."""
    table = get_table("default")
    common = [el for el in table.elements if el in published_table]
    assert len(common) == len(table) == 90
    a, b = table.lookup(common), published_table.lookup(common)
    pearson = [np.corrcoef(x, y)[0, 1] for x, y in zip(a, b)]
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert np.median(pearson) == pytest.approx(0.850, abs=0.005)
    assert np.median(cosine) == pytest.approx(0.938, abs=0.005)
    # the common anions, with thousands of sites, follow ICSD closely
    # (measured r: O 0.957, Cl 0.915)
    for el in ["O", "Cl"]:
        assert pearson[common.index(el)] > 0.9, el


def test_default_matrix_matches_table():
    M = LocalEnvironmentMatrix.load("default")
    table = get_table("default")
    assert M.elements == table.elements
    assert M.matrix.shape[0] == len(table)
    assert M.matrix.shape[1] == len(M.feature_names) <= 37 * 1000
    assert (np.asarray(M.matrix.sum(axis=0)).ravel() > 0).all()  # pruned
    # every element has at least one bin per motif
    assert (np.asarray(M.matrix.sum(axis=1)).ravel() >= 37).all()
    assert M.feature_names[0].startswith(MOTIF_LABELS[0] + "=")


@pytest.mark.slow
def test_script_builds_outputs_from_a_small_corpus(shared_data, tmp_path):
    corpus = shared_data / "structure-corpus" / "structures.jsonl.gz"
    if not corpus.is_file():
        pytest.skip("structure corpus absent")
    wanted = {"mp-2114", "mp-1670", "mp-90", "aflow:AB_cP2_221_a_b.NH4.NO3"}
    small = tmp_path / "small.jsonl.gz"
    with gzip.open(corpus, "rt") as f, gzip.open(small, "wt") as out:
        for line in f:
            if json.loads(line)["id"] in wanted:
                out.write(line)
    script = load_script()
    table, M = script.build(
        small, tmp_path / "out", tmp_path / "records.npz", engine="matminer",
        n_jobs=1, verbose=False,
    )  # fmt: skip
    assert table.elements == ["N", "Cr", "Mn", "Y", "Pt"]
    loaded = get_table(tmp_path / "out" / "default_table.csv")
    np.testing.assert_allclose(loaded.values, table.values, rtol=0, atol=1e-15)
    assert loaded.provenance["n_structures"] == 3
    assert [s["id"] for s in loaded.provenance["skipped"]] == [
        "aflow:AB_cP2_221_a_b.NH4.NO3"
    ]
    assert loaded.counts.to_dict() == {"N": 1.0, "Cr": 1.0, "Mn": 1.0, "Y": 1.0,
                                       "Pt": 1.0}  # fmt: skip
    back = LocalEnvironmentMatrix.load(tmp_path / "out" / "default_M.npz")
    assert back.elements == table.elements
    # the cached records re-aggregate to the same table without recomputation
    records = SiteRecords.load(tmp_path / "records.npz")
    np.testing.assert_array_equal(table_from_records(records).values, table.values)
    leak_free = table_from_records(records.select(exclude_formulas=["YN"]))
    assert "Y" not in leak_free and "Pt" in leak_free

"""Smoke test of benchmarks/phase_fields.py on a 600-field subsample."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "phase_fields.py"


@pytest.fixture(scope="module")
def bench(shared_data):
    if not (shared_data / "phase-fields").is_dir():
        pytest.skip("phase-field data absent")
    spec = importlib.util.spec_from_file_location("phase_fields_bench", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_strict_split_uses_the_package_splitter_logic(bench):
    from sklearn_leafs.model_selection import field_membership, related_fields

    assert bench.field_membership is field_membership
    assert bench.related_fields is related_fields


def test_with_seed_sets_nested_random_states(bench):
    vote = bench.with_seed(bench.make_model("vote", 1, True), 7)
    states = [v for k, v in vote.get_params().items() if k.endswith("random_state")]
    assert states and set(states) == {7}


def test_quick_run_reports_every_split(bench):
    rows = bench.run(
        "magnets",
        "open-unweighted+",
        ["et"],
        splits=["cv", "strict", "matched"],
        n_jobs=1,
        quick=True,
        pooling=("mean", "max", "min", "std", "range"),
        size=True,
        seeds=(0, 1),
    )
    assert [r["split"] for r in rows] == ["cv", "strict", "matched"]
    for r in rows:
        assert r["n"] == 600 and r["n_features"] == 59 * 5 + 1
        assert 0.6 < r["accuracy"] <= 1 and r["seeds"] == [0, 1]
        assert r["accuracy_seed_min"] <= r["accuracy"]
    assert rows[1]["train_removed_fraction"] > 0
    table = bench.markdown(rows)
    assert "worst of 2 seeds" in table and table.count("\n") == 4
    assert np.isclose(rows[0]["train_removed_fraction"], 0)

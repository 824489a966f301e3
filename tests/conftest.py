import os
from pathlib import Path

import pytest

SHARED = Path(
    os.environ.get("SKLEARN_LEAFS_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
os.environ.setdefault("SKLEARN_LEAFS_DATA", str(SHARED))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def shared_data():
    """Path of the reference data folder; skips when it is absent."""
    if not (SHARED / "leaf-vasylenko2024" / "leaf.csv").is_file():
        pytest.skip(f"reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def published_table(shared_data):
    from sklearn_leafs.datasets import fetch_leaf_table

    return fetch_leaf_table(data_home=shared_data).table

"""Shared fixtures, and the rule that reference-data tests never skip in CI.

Reference data. Tests that need the reference data folder (``SKLEARN_LEAFS_DATA``,
else ``../shared/data`` next to the checkout) take the ``shared_data`` or
``published_table`` fixture; every such test is marked ``reference_data``
here, so ``pytest -m "not reference_data"`` runs everything that needs no
reference data. Without the folder these tests skip, except in CI.

CI (``CI`` set to ``true``/``1``/``yes``). A skipped test is an error unless
its reason is a documented optional extra (:data:`ALLOWED_SKIPS`); so a
missing reference data folder, or any ``reference_data`` test that skips,
fails the run.

Synthetic data. ``default_table`` is the table shipped with the package
(package data, no download) and ``toy_table`` a small random one; neither
needs reference data.
"""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(
    os.environ.get("SKLEARN_LEAFS_DATA") or REPO.parent / "shared" / "data"
).resolve()
os.environ.setdefault("SKLEARN_LEAFS_DATA", str(SHARED))
os.environ.setdefault("MPLBACKEND", "Agg")

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}

#: Fixtures that read the reference data folder: a test using one of them
#: (directly or through another fixture) is marked ``reference_data``.
REFERENCE_FIXTURES = frozenset({"shared_data", "published_table"})

#: Skip reasons allowed in CI: optional extras of pyproject.toml, and
#: scikit-learn's own checks of array-API input (array-api-strict is not a
#: dependency).
ALLOWED_SKIPS = {
    r"No module named 'elementembeddings": "optional extra 'baselines'",
    r"No module named 'dask": "optional extra 'dask'",
    r"not checking array_api input": "scikit-learn array-API checks",
}


def reference_data_present(folder=SHARED):
    """Whether the reference data folder holds the published LEAF table."""
    return (Path(folder) / "leaf-vasylenko2024" / "leaf.csv").is_file()


@pytest.fixture(scope="session")
def shared_data():
    """Path of the reference data folder; skips (fails in CI) without it."""
    if not reference_data_present():
        pytest.skip(f"reference data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def published_table(shared_data):
    """The published ICSD LEAF table of Vasylenko et al. 2024 (reference data)."""
    from sklearn_leafs.datasets import fetch_leaf_table

    return fetch_leaf_table(data_home=shared_data).table


@pytest.fixture(scope="session")
def default_table():
    """The package's own table, shipped as package data (no reference data)."""
    from sklearn_leafs.tables import get_table

    return get_table("open-unweighted")


@pytest.fixture(scope="session")
def toy_table():
    """A small random LeafTable of 12 elements and 6 features."""
    from sklearn_leafs.tables import LeafTable

    elements = ["H", "Li", "O", "F", "Na", "Mg", "S", "Cl", "K", "Ca", "Br", "Cs"]
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(
        rng.random((len(elements), 6)),
        index=elements,
        columns=[f"feature {i}" for i in range(6)],
    )
    return LeafTable.from_frame(frame)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marks must exist before "-m" deselects items
    for item in items:
        if REFERENCE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.reference_data)


def pytest_collection_finish(session):
    if not IN_CI or reference_data_present():
        return
    needing = [i for i in session.items if i.get_closest_marker("reference_data")]
    if needing:
        raise pytest.UsageError(
            f"CI is set but {SHARED} holds no reference data "
            "(leaf-vasylenko2024/leaf.csv), and "
            f"{len(needing)} selected tests need it (first: {needing[0].nodeid}). "
            "Set SKLEARN_LEAFS_DATA, or deselect them with -m 'not reference_data'."
        )


def _allowed_skip(reason):
    return any(re.search(pattern, reason) for pattern in ALLOWED_SKIPS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not IN_CI or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
    reason = str(reason)
    if item.get_closest_marker("reference_data") or not _allowed_skip(reason):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in CI, which is an error here: {reason}\n"
            "(only optional extras may skip in CI; see ALLOWED_SKIPS in "
            "tests/conftest.py)"
        )

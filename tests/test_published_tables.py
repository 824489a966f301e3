"""The published LEAF tables ship with the package and load with no network."""

import hashlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs import _download
from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
from sklearn_leafs.tables import _published, fetch_leaf_table, get_table

PUBLISHED = {
    "vasylenko2024": "leaf.csv",
    "vasylenko2024+": "leaf+_dic.csv",
    "vasylenko2024-autoencoder": "LEAF59.csv",
}


def _reference_frame(shared_data, filename):
    """The published file read with pandas alone, elements as rows."""
    raw = pd.read_csv(
        shared_data / "leaf-vasylenko2024" / filename,
        index_col=0,
        float_precision="round_trip",
    )
    return raw.T if filename == "leaf+_dic.csv" else raw


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty data home in SKLEARN_LEAFS_DATA, and every download raising."""
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("SKLEARN_LEAFS_DATA", str(home))

    def no_download(*args, **kwargs):
        raise AssertionError(f"download attempted: {args}")

    monkeypatch.setattr(_published, "fetch_file", no_download)
    monkeypatch.setattr(_download.urllib.request, "urlopen", no_download)
    return home


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_tables_load_offline_from_shipped_copy(name, offline, shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning when the shipped copy is read
        bunch = fetch_leaf_table(name)
    assert bunch.bundled
    assert not any(offline.iterdir())  # nothing written into the data home
    reference = _reference_frame(shared_data, PUBLISHED[name])
    # LeafTable orders rows by atomic number (leaf+_dic.csv ends At, Rn, Fr)
    assert sorted(bunch.frame.index) == sorted(map(str, reference.index))
    reference = reference.loc[bunch.frame.index]
    np.testing.assert_array_equal(bunch.frame.to_numpy(), reference.to_numpy(float))
    assert bunch.table.provenance["read_from"] == "copy shipped with sklearn-leafs"


def test_get_table_vasylenko2024_offline_equals_leaf_csv(offline, shared_data):
    table = get_table("vasylenko2024", data_home=offline)
    reference = _reference_frame(shared_data, "leaf.csv")
    assert table.elements == list(reference.index)
    assert list(table.frame.columns) == list(MOTIF_LABELS)
    np.testing.assert_array_equal(table.frame.to_numpy(), reference.to_numpy())
    mg = table.frame.loc["Mg", "octahedral CN_6"]
    assert mg == pytest.approx(0.4455463, abs=1e-6)


def test_get_table_vasylenko2024_plus_offline_equals_leaf_plus_dic(
    offline, shared_data
):
    table = get_table("vasylenko2024+", data_home=offline)
    reference = _reference_frame(shared_data, "leaf+_dic.csv")
    assert sorted(table.elements) == sorted(reference.index)
    reference = reference.loc[table.elements]
    np.testing.assert_array_equal(table.frame.to_numpy(), reference.to_numpy(float))


def test_leaf_plus_columns_are_motif_labels_then_magpie(offline):
    frame = fetch_leaf_table("vasylenko2024+").frame
    assert list(frame.columns[:37]) == list(MOTIF_LABELS)
    assert list(frame.columns[37:39]) == ["Number", "MendeleevNumber"]
    assert frame.shape == (99, 59)
    leaf = fetch_leaf_table("vasylenko2024").frame
    # the LEAF part of LEAF+ is leaf.csv on the elements both have
    np.testing.assert_allclose(
        frame.loc[leaf.index, list(MOTIF_LABELS)].to_numpy(),
        leaf.to_numpy(),
        rtol=0,
        atol=1e-15,
    )


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_shipped_copies_are_the_published_bytes(name, shared_data):
    _, shipped_name, _ = _published.PUBLISHED_TABLES[name]
    shipped = _published._shipped_path(shipped_name)
    published = shared_data / "leaf-vasylenko2024" / PUBLISHED[name]
    assert shipped.read_bytes() == published.read_bytes()
    sidecar = json.loads(shipped.with_name(shipped.name + ".json").read_text())
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    assert sidecar["sha256"] == sidecar["source_sha256"] == digest
    assert sidecar["licence"].startswith("MIT")
    licence = shipped.with_name(sidecar["licence_file"]).read_text()
    assert "Permission is hereby granted, free of charge" in licence
    assert "Andrij Vasylenko" in licence


def test_data_home_copy_takes_precedence(tmp_path, shared_data):
    home = tmp_path / "home"
    (home / "leaf-vasylenko2024").mkdir(parents=True)
    target = home / "leaf-vasylenko2024" / "leaf.csv"
    target.write_bytes((shared_data / "leaf-vasylenko2024" / "leaf.csv").read_bytes())
    bunch = fetch_leaf_table(data_home=home)
    assert not bunch.bundled and bunch.path == str(target)


def test_damaged_copy_is_refused(tmp_path):
    home = tmp_path / "home"
    (home / "leaf-vasylenko2024").mkdir(parents=True)
    (home / "leaf-vasylenko2024" / "leaf.csv").write_text("element,0\nH,1\n")
    with pytest.raises(OSError, match="not the published c596eb31"):
        fetch_leaf_table(data_home=home)


def test_without_shipped_copy_falls_back_to_download(tmp_path, monkeypatch):
    monkeypatch.setattr(_published, "_shipped_path", lambda filename: None)
    monkeypatch.setenv("SKLEARN_LEAFS_LEAF_URL", "http://127.0.0.1:9")  # discard
    with pytest.raises(OSError, match="could not download"):
        fetch_leaf_table(data_home=tmp_path)


def test_unknown_published_name():
    with pytest.raises(ValueError, match="vasylenko2024-autoencoder"):
        fetch_leaf_table("leaf.csv")


def test_offline_data_script_writes_the_published_bytes(shared_data, tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "build_offline_data.py"
    spec = importlib.util.spec_from_file_location("build_offline_data", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.DATA, script.OUT = shared_data, tmp_path
    script.build_leaf_tables()
    for name, filename in PUBLISHED.items():
        shipped_name = _published.PUBLISHED_TABLES[name][1]
        written = tmp_path / shipped_name
        published = shared_data / "leaf-vasylenko2024" / filename
        assert written.read_bytes() == published.read_bytes()
        sidecar = json.loads((tmp_path / f"{shipped_name}.json").read_text())
        assert sidecar["transformation"] == "none: the published bytes"
        assert sidecar["source"].endswith(
            _published._FILES[f"leaf-vasylenko2024/{filename}"][0]
        )
    n_elements = {
        json.loads((tmp_path / f"{v[1]}.json").read_text())["n_elements"]
        for v in _published.PUBLISHED_TABLES.values()
    }
    assert n_elements == {96, 99, 118}
    assert (tmp_path / "LICENSE-LEAF").read_bytes() == (
        shared_data / "leaf-vasylenko2024" / "LICENSE"
    ).read_bytes()


def test_fresh_interpreter_offline_empty_home_gets_leaf_csv(shared_data, tmp_path):
    """``get_table("vasylenko2024")`` with no data_home argument, in a fresh
    interpreter (no registry cache), every download refused."""
    import subprocess
    import sys
    from pathlib import Path

    home = tmp_path / "empty-home"
    home.mkdir()
    out = tmp_path / "table.csv"
    driver = (
        "import sys, urllib.request\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('download attempted')\n"
        "urllib.request.urlopen = refuse\n"
        "import sklearn_leafs._download as d\n"
        "d.urllib.request.urlopen = refuse\n"
        "from sklearn_leafs.tables import get_table\n"
        "for name in ('vasylenko2024', 'vasylenko2024+'):\n"
        "    get_table(name)\n"
        "get_table('vasylenko2024').frame.to_csv(sys.argv[1])\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {"SKLEARN_LEAFS_DATA": str(home), "HOME": str(tmp_path),
           "PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-W", "error::UserWarning:sklearn_leafs", "-c", driver,
         str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not any(home.iterdir())
    got = pd.read_csv(out, index_col=0, float_precision="round_trip")
    reference = _reference_frame(shared_data, "leaf.csv")
    assert list(got.index) == list(reference.index)
    np.testing.assert_array_equal(got.to_numpy(), reference.to_numpy())

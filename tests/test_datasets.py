import functools
import http.server
import threading
from collections import Counter

import numpy as np
import pytest
from pymatgen.core import Species

from sklearn_leafs.datasets import (
    fetch_binary_structure_types,
    fetch_leaf_table,
    fetch_li_ion_conductivity,
    get_data_home,
)
from sklearn_leafs.tables import _published


def test_data_home_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLEARN_LEAFS_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    monkeypatch.delenv("SKLEARN_LEAFS_DATA")
    assert get_data_home().name == "sklearn_leafs_data"


def test_li_ion(shared_data):
    li = fetch_li_ion_conductivity(data_home=shared_data)
    assert len(li.data) == 397 and li.target.shape == (397,)
    assert set(np.unique(li.target)) == {0, 1}
    assert li.data[0] == "Li3.09BO2.53N0.52"
    frame = fetch_li_ion_conductivity(data_home=shared_data, as_frame=True)
    assert frame.data.name == "formula" and frame.target.sum() == li.target.sum()


def test_binary_structure_types(shared_data):
    ab = fetch_binary_structure_types(data_home=shared_data)
    assert len(ab.data) == 100
    assert Counter(ab.target) == {
        "rock salt": 67,
        "zinc blende": 20,
        "wurtzite": 9,
        "cscl": 4,
    }
    first = ab.data[0]
    assert set(first) == {Species("Ag", 1), Species("Br", -1)}
    assert ab.frame.loc[0, "structure"].composition.reduced_formula == "AgBr"
    assert list(ab.frame.columns) == [
        "formula",
        "material_id",
        "structure",
        "cation",
        "anion",
        "structure_type",
    ]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(shared_data, tmp_path):
    """Serve the shared copies on 127.0.0.1 in the LEAF repository layout."""
    root = tmp_path / "mirror"
    for local, (remote, _) in _published._FILES.items():
        target = root / remote
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((shared_data / local).read_bytes())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_download_verifies_and_writes_atomically(mirror, tmp_path, monkeypatch):
    root, url = mirror
    monkeypatch.setenv("SKLEARN_LEAFS_LEAF_URL", url)
    home = tmp_path / "home"
    fetched = fetch_leaf_table(data_home=home, bundled=False)
    table = fetched.table
    assert not fetched.bundled
    assert (home / "leaf-vasylenko2024" / "leaf.csv").is_file()
    assert table.lookup(["Mg"])[0][18] == pytest.approx(0.4455463, abs=1e-6)
    assert len(fetch_li_ion_conductivity(data_home=home).data) == 397
    assert len(fetch_binary_structure_types(data_home=home).data) == 100
    assert not list(home.rglob("*.part"))


def test_checksum_mismatch_leaves_no_file(mirror, tmp_path, monkeypatch):
    root, url = mirror
    (root / "data" / "leaf.csv").write_text("element,0\nH,1\n")
    monkeypatch.setenv("SKLEARN_LEAFS_LEAF_URL", url)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="checksum mismatch"):
        fetch_leaf_table(data_home=home, bundled=False)
    assert not (home / "leaf-vasylenko2024" / "leaf.csv").exists()
    assert not list(home.rglob("*.part"))


def test_offline_error_names_url_and_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKLEARN_LEAFS_LEAF_URL", "http://127.0.0.1:9")  # discard port
    home = tmp_path / "offline"
    with pytest.raises(
        OSError, match=r"http://127\.0\.0\.1:9/data/leaf\.csv.*data_home="
    ):
        fetch_leaf_table(data_home=home, bundled=False)
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_leaf_table(data_home=home, download_if_missing=False, bundled=False)


# -- the copies shipped for offline use -------------------------------------
def _offline(monkeypatch):
    monkeypatch.setenv("SKLEARN_LEAFS_LEAF_URL", "http://127.0.0.1:9")  # discard


def test_li_ion_falls_back_to_bundled_copy(tmp_path, monkeypatch):
    _offline(monkeypatch)
    with pytest.warns(UserWarning, match="bundled with sklearn-leafs.*MIT"):
        li = fetch_li_ion_conductivity(data_home=tmp_path)
    assert li.bundled and len(li.data) == 397 and int(li.target.sum()) == 161
    assert li.data[0] == "Li3.09BO2.53N0.52"
    with pytest.warns(UserWarning, match="download_if_missing=False"):
        again = fetch_li_ion_conductivity(
            data_home=tmp_path, download_if_missing=False, as_frame=True
        )
    assert again.data.name == "formula" and again.target.sum() == 161


def test_binary_types_fall_back_without_structures(tmp_path, monkeypatch):
    _offline(monkeypatch)
    with pytest.warns(UserWarning, match="bundled"):
        ab = fetch_binary_structure_types(data_home=tmp_path)
    assert ab.bundled and "structure" not in ab.frame.columns
    assert Counter(ab.target) == {
        "rock salt": 67,
        "zinc blende": 20,
        "wurtzite": 9,
        "cscl": 4,
    }
    assert set(ab.data[0]) == {Species("Ag", 1), Species("Br", -1)}


@pytest.mark.reference_data
def test_bundled_copies_equal_published(shared_data, tmp_path, monkeypatch):
    published_li = fetch_li_ion_conductivity(data_home=shared_data)
    published_ab = fetch_binary_structure_types(data_home=shared_data)
    assert not published_li.bundled and not published_ab.bundled
    _offline(monkeypatch)
    with pytest.warns(UserWarning):
        li = fetch_li_ion_conductivity(data_home=tmp_path)
        ab = fetch_binary_structure_types(data_home=tmp_path)
    assert li.data == published_li.data
    np.testing.assert_array_equal(li.target, published_li.target)
    assert ab.data == published_ab.data
    assert ab.frame.equals(published_ab.frame.drop(columns="structure"))

import pickle
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_leafs.chemistry._elements import is_element
from sklearn_leafs.datasets._phase_fields import (
    PHASE_FIELD_TASKS,
    fetch_phase_fields,
)

MIRROR_ENV = "SKLEARN_LEAFS_PHASESELECT_URL"


@pytest.fixture(scope="module")
def data_home(shared_data):
    if not (shared_data / "phase-fields" / "mpds_band_gap.csv").is_file():
        pytest.skip("phase-field data absent")
    return shared_data


def _fetch(task, data_home, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fetch_phase_fields(task, data_home=data_home, **kwargs)


# rows and low:high counts of the issue (magnets: after dropping 35 rows)
@pytest.mark.parametrize(
    "task, n_rows, n_low, n_high, n_dropped",
    [
        ("superconductors", 4826, 3311, 1515, 0),
        ("magnets", 4718, 2703, 2015, 35),
        ("band_gap", 40600, 20910, 19690, 0),
    ],
)
def test_counts_and_labelling_rules(data_home, task, n_rows, n_low, n_high, n_dropped):
    b = _fetch(task, data_home)
    assert len(b.data) == len(b.target) == len(b.values) == n_rows
    assert np.bincount(b.target).tolist() == [n_low, n_high]
    assert b.n_dropped == len(b.dropped) == n_dropped
    assert not b.fallback
    spec = PHASE_FIELD_TASKS[task]
    expected = (
        b.values >= spec["threshold"]
        if spec["inclusive"]
        else b.values > spec["threshold"]
    )
    np.testing.assert_array_equal(b.target, expected.astype(int))
    assert all(is_element(t) for field in b.data for t in field.split())
    assert b.target.dtype.kind == "i" and b.values.dtype == float


def test_the_thresholds_at_their_boundaries(data_home):
    sc = _fetch("superconductors", data_home)
    i = sc.data.index("Mo Ru")
    assert sc.values[i] == 10.0 and sc.target[i] == 1  # Tc >= 10 K is high
    mag = _fetch("magnets", data_home)
    i = mag.data.index("Ce Co O Sr")
    assert mag.values[i] == 300.0 and mag.target[i] == 1  # Curie T >= 300 K
    bg = _fetch("band_gap", data_home)
    i = bg.data.index("Nd Sn")
    assert bg.values[i] == 4.5 and bg.target[i] == 0  # gap > 4.5 eV, strictly
    assert "> 4.5 eV" in bg.rule and ">= 10 K" in sc.rule


def test_first_rows_match_the_files(data_home):
    b = _fetch("superconductors", data_home)
    assert b.data[:2] == ["As Ba Fe K", "Ba Ca Cu La O"]
    assert b.values[:2].tolist() == [39.0, 82.0] and b.target[:2].tolist() == [1, 1]
    mag = _fetch("magnets", data_home)
    assert mag.data[2] == "B Co Fe Gd Nd" and mag.values[2] == 852.0


def test_magnets_warn_and_report_dropped_rows(data_home):
    with pytest.warns(UserWarning, match=r"dropped 35 of 4753 .*D0\+.*T0\+"):
        b = fetch_phase_fields("magnets", data_home=data_home)
    assert all(any(not is_element(t) for t in f.split()) for f in b.dropped)
    assert b.source == "mpds_magnet_CurieTc.csv"


def test_as_frame(data_home):
    b = _fetch("band_gap", data_home, as_frame=True)
    assert isinstance(b.data, pd.Series) and b.data.name == "phase_field"
    assert isinstance(b.target, pd.Series) and isinstance(b.values, pd.Series)
    assert list(b.frame.columns) == ["phase_field", "max_band_gap", "target"]
    assert b.frame["target"].sum() == 19690


def test_bunch_values_attribute_and_pickle(data_home):
    b = _fetch("superconductors", data_home)
    assert isinstance(b.values, np.ndarray) and b["values"] is b.values
    restored = pickle.loads(pickle.dumps(b))
    np.testing.assert_array_equal(restored.values, b.values)


def test_superconductor_fallback_to_public_csv(data_home, tmp_path):
    (tmp_path / "phase-fields").mkdir()
    shutil.copy(
        data_home / "phase-fields" / "Supercon_phases.csv", tmp_path / "phase-fields"
    )
    with pytest.warns(UserWarning) as record:
        b = fetch_phase_fields("superconductors", data_home=tmp_path)
    messages = " ".join(str(w.message) for w in record)
    assert "falling back to the public Supercon_phases.csv" in messages
    assert "never unpickles" in messages
    assert "dropped 12 of 4204" in messages
    assert b.fallback and b.source == "Supercon_phases.csv"
    assert len(b.data) == 4204 - 12 and b.n_dropped == 12
    assert b.data[:2] == ["As Ba Fe K", "Ba Ca Cu La O"]


def test_download_verifies_checksum(data_home, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror" / "DATA"
    mirror.mkdir(parents=True)
    shutil.copy(data_home / "phase-fields" / "mpds_magnet_CurieTc.csv", mirror)
    monkeypatch.setenv(MIRROR_ENV, mirror.parent.as_uri())
    home = tmp_path / "home"
    b = _fetch("magnets", home)
    assert (home / "phase-fields" / "mpds_magnet_CurieTc.csv").is_file()
    assert len(b.data) == 4718
    # a corrupted upstream file is refused and not saved
    (mirror / "mpds_band_gap.csv").write_text("phases,max energy gap\nAl Cu,3.3\n")
    with pytest.raises(OSError, match="checksum mismatch"):
        _fetch("band_gap", home)
    assert not (home / "phase-fields" / "mpds_band_gap.csv").exists()


def test_offline_errors(tmp_path):
    with pytest.raises(OSError, match="download_if_missing=False"):
        _fetch("band_gap", tmp_path, download_if_missing=False)
    with pytest.raises(OSError, match="Supercon_phases.csv"):
        _fetch("superconductors", tmp_path, download_if_missing=False)


def test_unknown_task():
    with pytest.raises(ValueError, match="unknown phase-field task 'metals'"):
        fetch_phase_fields("metals")


def test_missing_columns_are_reported(tmp_path):
    (tmp_path / "phase-fields").mkdir()
    (tmp_path / "phase-fields" / "superconductors_combined_Tc.csv").write_text(
        "phase,Tc\nMo Ru,10\n"
    )
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['phases', 'max Tc'\]"):
        fetch_phase_fields("superconductors", data_home=tmp_path)


def test_public_import():
    from sklearn_leafs import datasets

    assert datasets.fetch_phase_fields is fetch_phase_fields

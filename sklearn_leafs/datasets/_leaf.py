"""Fetchers for the data of the LEAF paper (Vasylenko et al. 2024)."""

from __future__ import annotations

import io
import json
import warnings
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._citations import cite
from ..chemistry import parse_formula
from ..tables._published import LEAF_COMMIT, _fetch, fetch_leaf_table

__all__ = [
    "fetch_leaf_table",  # re-exported from the tables layer
    "fetch_binary_structure_types",
    "fetch_li_ion_conductivity",
    "LEAF_COMMIT",
]


def _bundled(name):
    """Path of a copy shipped in ``sklearn_leafs/data`` and its provenance.

    These copies are written by ``scripts/build_offline_data.py`` from the
    published files (sha256-verified) and carry a JSON sidecar with the
    source, its checksum and the licence.
    """
    root = resources.files("sklearn_leafs") / "data"
    path = root / name
    meta = json.loads((root / f"{name}.json").read_text())
    return path, meta


def _fetch_or_bundled(local, bundled, data_home, download_if_missing):
    """The published file, else the bundled copy (with a warning saying why).

    Returns ``(path, bundled_provenance_or_None)``.
    """
    try:
        return _fetch(local, data_home, download_if_missing), None
    except OSError as exc:
        path, meta = _bundled(bundled)
        warnings.warn(
            f"using the copy of {local} bundled with sklearn-leafs "
            f"({meta['source']}, {meta['licence']}); the published file is "
            f"not available: {' '.join(str(exc).split())}",
            UserWarning,
            stacklevel=3,
        )
        return path, meta


@cite
def fetch_li_ion_conductivity(
    *, data_home=None, download_if_missing=True, as_frame=False
):
    """Fetch the room-temperature Li-ion conductivity classes (397 compositions).

    ``target`` is 1 when the room-temperature ionic conductivity exceeds
    1e-4 S/cm. Source: the LEAF paper's Fig. 3 data, from Hargreaves et al.,
    npj Comput. Mater. 9 (2023).

    The published file is read from the data home or downloaded (sha256
    verified). When neither works (no network, ``download_if_missing=False``)
    the same 397 rows are read from the copy shipped with the package
    (written from the verified file by ``scripts/build_offline_data.py``),
    with a ``UserWarning`` saying so.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`sklearn_leafs.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, never download (the bundled copy is used when the data
        home lacks the file).
    as_frame : bool, default=False
        Return ``data`` and ``target`` as pandas Series.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``data`` (formulas; a Series if ``as_frame``), ``target`` (0/1),
        ``frame`` (DataFrame with ``formula`` and ``target``), ``path`` (the
        file read), ``bundled`` (True when the shipped copy was used) and
        ``DESCR``.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] C. J. Hargreaves et al., "A database of experimentally measured
       lithium solid electrolyte conductivities evaluated with machine
       learning", npj Comput. Mater. 9, 9 (2023).

    Examples
    --------
    >>> li = fetch_li_ion_conductivity()  # doctest: +SKIP
    >>> len(li.data), li.target.sum()  # doctest: +SKIP
    (397, 161)
    """
    path, bundled = _fetch_or_bundled(
        "li-ion-conductors/LiIon_classes_roomT.csv",
        "li_ion_conductivity.csv",
        data_home,
        download_if_missing,
    )
    if bundled is None:
        raw = pd.read_csv(path, index_col=0)
        frame = pd.DataFrame(
            {
                "formula": raw["composition"].astype(str).str.strip(),
                "target": raw["class>1e-4"].astype(int),
            }
        ).reset_index(drop=True)
    else:
        with path.open() as f:
            frame = pd.read_csv(f, dtype={"formula": str}, keep_default_na=False)
        frame["target"] = frame["target"].astype(int)
    data = frame["formula"] if as_frame else frame["formula"].tolist()
    target = frame["target"] if as_frame else frame["target"].to_numpy()
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=np.array(["<=1e-4 S/cm", ">1e-4 S/cm"]),
        path=str(path),
        bundled=bundled is not None,
        DESCR="Room-temperature Li-ion conductivity classes (397 compositions)."
        + ("" if bundled is None else " Read from the copy bundled with the package."),
    )


@cite
def fetch_binary_structure_types(
    *, data_home=None, download_if_missing=True, as_frame=False
):
    """Fetch the 100 AB binary ionic solids of the LEAF paper's Table 1.

    The published file (with the Materials Project structures) is read from
    the data home or downloaded (sha256 verified). When neither works, the
    formulas, ids, species and structure types are read from the copy shipped
    with the package (``scripts/build_offline_data.py``), with a
    ``UserWarning``; the crystal structures are not shipped, so the
    ``structure`` column is then absent.

    Parameters
    ----------
    data_home : str or path-like, default=None
        See :func:`sklearn_leafs.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, never download (the bundled copy is used when the data
        home lacks the file).
    as_frame : bool, default=False
        Return ``data`` and ``target`` as pandas Series.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        - ``data``: pymatgen ``Composition`` objects of oxidation-state
          decorated ``Species`` (e.g. ``Ag+ Br-``), as the substitution
          protocol needs the charges;
        - ``target``: structure types (rock salt 67, zinc blende 20,
          wurtzite 9, cscl 4);
        - ``frame``: formula, material_id, structure (pymatgen; absent when
          ``bundled``), cation, anion, structure_type;
        - ``bundled``: True when the shipped copy was used.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> ab = fetch_binary_structure_types()  # doctest: +SKIP
    >>> ab.data[0], ab.target[0]  # doctest: +SKIP
    (Comp: Ag+1 Br-1, 'rock salt')
    """
    from pymatgen.core import Composition, Species, Structure

    path, bundled = _fetch_or_bundled(
        "binary-ab-structure-types/df_final_structure.json",
        "binary_structure_types.csv",
        data_home,
        download_if_missing,
    )
    if bundled is None:
        with open(path) as f:
            raw = pd.read_json(io.StringIO(json.load(f)["data"]))
    else:
        with path.open() as f:
            raw = pd.read_csv(f, keep_default_na=False)
        raw = pd.DataFrame(
            {
                "formula_pretty": raw["formula"],
                "material_id": raw["material_id"],
                "cation": [
                    [e, int(q)]
                    for e, q in zip(raw["cation"], raw["cation_oxidation_state"])
                ],
                "anion": [
                    [e, int(q)]
                    for e, q in zip(raw["anion"], raw["anion_oxidation_state"])
                ],
                "structure_type": raw["structure_type"],
            }
        )
    compositions = []
    for formula, cation, anion in zip(
        raw["formula_pretty"], raw["cation"], raw["anion"]
    ):
        amounts = parse_formula(formula)
        species = {
            cation[0]: Species(cation[0], cation[1]),
            anion[0]: Species(anion[0], anion[1]),
        }
        if set(amounts) != set(species):
            raise ValueError(
                f"{formula}: cation/anion {cation}/{anion} do not match the formula"
            )
        compositions.append(Composition({species[el]: a for el, a in amounts.items()}))
    frame = pd.DataFrame(
        {
            "formula": raw["formula_pretty"],
            "material_id": raw["material_id"],
            "cation": [tuple(c) for c in raw["cation"]],
            "anion": [tuple(a) for a in raw["anion"]],
            "structure_type": raw["structure_type"],
        }
    )
    if bundled is None:
        frame.insert(
            2,
            "structure",
            [
                Structure.from_dict(json.loads(s) if isinstance(s, str) else s)
                for s in raw["structure"]
            ],
        )
    data = pd.Series(compositions, name="composition") if as_frame else compositions
    target = frame["structure_type"] if as_frame else frame["structure_type"].to_numpy()
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        path=str(path),
        bundled=bundled is not None,
        DESCR="100 AB binary ionic solids with their structure types (Table 1)."
        + (
            ""
            if bundled is None
            else " Read from the copy bundled with the package (no structures)."
        ),
    )

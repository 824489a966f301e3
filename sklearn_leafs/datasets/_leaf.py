"""Fetchers for the data of the LEAF paper (Vasylenko et al. 2024)."""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._base import fetch_file

__all__ = [
    "fetch_leaf_table",
    "fetch_binary_structure_types",
    "fetch_li_ion_conductivity",
    "LEAF_COMMIT",
]

#: Commit of github.com/lrcfmd/LEAF that the fetchers download from.
LEAF_COMMIT = "4d019faa7d781943a0a04dd10834119b85024c9a"
_MIRROR_ENV = "SKLEARN_LEAFS_LEAF_URL"


def _leaf_url(path):
    base = os.environ.get(_MIRROR_ENV) or (
        f"https://raw.githubusercontent.com/lrcfmd/LEAF/{LEAF_COMMIT}"
    )
    return f"{base.rstrip('/')}/{path}"


# local path below data_home -> (path in the LEAF repository, sha256)
_FILES = {
    "leaf-vasylenko2024/leaf.csv": (
        "data/leaf.csv",
        "c596eb315ee4933960f9b21848b0a605cad4ca1c105e9f77441c0babcc13d66a",
    ),
    "binary-ab-structure-types/df_final_structure.json": (
        "paper/Table1/ElementEmbeddings/Publication/element_similarity/csp/"
        "df_final_structure.json",
        "b5db095d2d94aa10fafb5293399a4cc638bbd7efa3721cccc8a92532d37269cc",
    ),
    "li-ion-conductors/LiIon_classes_roomT.csv": (
        "paper/Fig3/RandomForest_Fig3a/LiIon_conductors_roomT/LiIon_classes_roomT.csv",
        "a089b0d423cb636548d9c45abf714aa2823ae5d063acfffc009249c1f2897616",
    ),
}


def _fetch(local, data_home, download_if_missing):
    remote, sha = _FILES[local]
    return fetch_file(local, _leaf_url(remote), sha, data_home, download_if_missing)


def fetch_leaf_table(name="vasylenko2024", *, data_home=None, download_if_missing=True):
    """Fetch the published LEAF table computed from ICSD.

    Parameters
    ----------
    name : {"vasylenko2024"}, default="vasylenko2024"
        The published table ``data/leaf.csv`` of github.com/lrcfmd/LEAF (MIT):
        mean OPSiteFingerprint motif similarities of 96 elements over ICSD.
    data_home : str, default=None
        See :func:`sklearn_leafs.datasets.get_data_home`.
    download_if_missing : bool, default=True

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``table`` (a :class:`~sklearn_leafs.LeafTable`), ``frame`` (its
        DataFrame), ``path`` and ``DESCR``.

    Examples
    --------
    >>> table = fetch_leaf_table().table  # doctest: +SKIP
    >>> table.lookup(["Mg"]).shape  # doctest: +SKIP
    (1, 37)
    """
    from ..table import LeafTable

    if name != "vasylenko2024":
        raise ValueError(f"unknown published table {name!r}; use 'vasylenko2024'")
    path = _fetch("leaf-vasylenko2024/leaf.csv", data_home, download_if_missing)
    table = LeafTable.from_csv(path)
    table.provenance = {
        "source": "vasylenko2024",
        "description": "published LEAFs: mean OPSiteFingerprint motif similarities "
        "over ICSD structures (Vasylenko et al. 2024)",
        "url": _leaf_url(_FILES["leaf-vasylenko2024/leaf.csv"][0]),
        "licence": "MIT",
    }
    return Bunch(
        table=table,
        frame=table.frame,
        path=str(path),
        DESCR="Published LEAF table (ICSD means, element rows x 37 motifs).",
    )


def fetch_li_ion_conductivity(
    *, data_home=None, download_if_missing=True, as_frame=False
):
    """Fetch the room-temperature Li-ion conductivity classes (397 compositions).

    ``target`` is 1 when the room-temperature ionic conductivity exceeds
    1e-4 S/cm. Source: the LEAF paper's Fig. 3 data, from Hargreaves et al.,
    npj Comput. Mater. 9 (2023).

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``data`` (formulas; a Series if ``as_frame``), ``target`` (0/1),
        ``frame`` (DataFrame with ``formula`` and ``target``) and ``DESCR``.

    Examples
    --------
    >>> li = fetch_li_ion_conductivity()  # doctest: +SKIP
    >>> len(li.data), li.target.sum()  # doctest: +SKIP
    (397, 157)
    """
    path = _fetch(
        "li-ion-conductors/LiIon_classes_roomT.csv", data_home, download_if_missing
    )
    raw = pd.read_csv(path, index_col=0)
    frame = pd.DataFrame(
        {
            "formula": raw["composition"].astype(str).str.strip(),
            "target": raw["class>1e-4"].astype(int),
        }
    ).reset_index(drop=True)
    data = frame["formula"] if as_frame else frame["formula"].tolist()
    target = frame["target"] if as_frame else frame["target"].to_numpy()
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        target_names=np.array(["<=1e-4 S/cm", ">1e-4 S/cm"]),
        path=str(path),
        DESCR="Room-temperature Li-ion conductivity classes (397 compositions).",
    )


def fetch_binary_structure_types(
    *, data_home=None, download_if_missing=True, as_frame=False
):
    """Fetch the 100 AB binary ionic solids of the LEAF paper's Table 1.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        - ``data``: pymatgen ``Composition`` objects of oxidation-state
          decorated ``Species`` (e.g. ``Ag+ Br-``), as the substitution
          protocol needs the charges;
        - ``target``: structure types (rock salt 67, zinc blende 20,
          wurtzite 9, cscl 4);
        - ``frame``: formula, material_id, structure (pymatgen), cation,
          anion, structure_type.

    Examples
    --------
    >>> ab = fetch_binary_structure_types()  # doctest: +SKIP
    >>> ab.data[0], ab.target[0]  # doctest: +SKIP
    (Comp: Ag+1 Br-1, 'rock salt')
    """
    from pymatgen.core import Composition, Species, Structure

    from ..composition import parse_formula

    path = _fetch(
        "binary-ab-structure-types/df_final_structure.json",
        data_home,
        download_if_missing,
    )
    with open(path) as f:
        raw = pd.read_json(io.StringIO(json.load(f)["data"]))
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
    structures = [
        Structure.from_dict(json.loads(s) if isinstance(s, str) else s)
        for s in raw["structure"]
    ]
    frame = pd.DataFrame(
        {
            "formula": raw["formula_pretty"],
            "material_id": raw["material_id"],
            "structure": structures,
            "cation": [tuple(c) for c in raw["cation"]],
            "anion": [tuple(a) for a in raw["anion"]],
            "structure_type": raw["structure_type"],
        }
    )
    data = pd.Series(compositions, name="composition") if as_frame else compositions
    target = frame["structure_type"] if as_frame else frame["structure_type"].to_numpy()
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        path=str(path),
        DESCR="100 AB binary ionic solids with their structure types (Table 1).",
    )

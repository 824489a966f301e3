"""Fetchers for the data of the LEAF paper (Vasylenko et al. 2024)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..chemistry import parse_formula
from ..tables._published import LEAF_COMMIT, _fetch, fetch_leaf_table

__all__ = [
    "fetch_leaf_table",  # re-exported from the tables layer
    "fetch_binary_structure_types",
    "fetch_li_ion_conductivity",
    "LEAF_COMMIT",
]


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

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.
    .. [2] C. J. Hargreaves et al., "A database of experimentally measured
       lithium solid electrolyte conductivities evaluated with machine
       learning", npj Comput. Mater. 9, 9 (2023).

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

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> ab = fetch_binary_structure_types()  # doctest: +SKIP
    >>> ab.data[0], ab.target[0]  # doctest: +SKIP
    (Comp: Ag+1 Br-1, 'rock salt')
    """
    from pymatgen.core import Composition, Species, Structure

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

"""Elemental properties to join with LEAFs: the paper's LEAF+ construction.

Vasylenko et al. (2024) also publish *LEAF+* (``leaf+_dic.csv``): the 37 LEAFs
of every element followed by 22 elemental properties of the Magpie set (Ward
et al., npj Comput. Mater. 2016). This module builds the same kind of table
from any LEAF table, with the Magpie values that ship with matminer
(``matminer.utils.data.MagpieData``), so nothing is copied from the published
file.

Missing Magpie values (noble gases, At, Rn, Fr and heavy actinides) are filled
by matminer's own imputation (``impute_nan=True``: the mean of the property
over the elements that have it); the provenance of the table lists which cells
were filled. The published ``leaf+_dic.csv`` filled them differently (zeros
for Cf and Es, for example); every other value is identical (tested).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .._citations import cite
from ._leaf_table import LeafTable, as_table

__all__ = ["MAGPIE_PROPERTIES", "magpie_table", "join_tables", "leaf_plus"]

#: The 22 Magpie elemental properties of the published LEAF+ table, in its order;
#: the same list, in the same order, as matminer's
#: ``ElementProperty.from_preset("magpie")`` (tested).
MAGPIE_PROPERTIES = (
    "Number",
    "MendeleevNumber",
    "AtomicWeight",
    "MeltingT",
    "Column",
    "Row",
    "CovalentRadius",
    "Electronegativity",
    "NsValence",
    "NpValence",
    "NdValence",
    "NfValence",
    "NValence",
    "NsUnfilled",
    "NpUnfilled",
    "NdUnfilled",
    "NfUnfilled",
    "NUnfilled",
    "GSvolume_pa",
    "GSbandgap",
    "GSmagmom",
    "SpaceGroupNumber",
)


@lru_cache(maxsize=4)
def _magpie_frames(properties):
    from matminer.utils.data import MagpieData

    raw = MagpieData(impute_nan=False).all_elemental_props
    unknown = [p for p in properties if p not in raw]
    if unknown:
        raise ValueError(
            f"unknown Magpie properties {unknown}; see "
            "matminer.utils.data.MagpieData().all_elemental_props"
        )
    filled = MagpieData(impute_nan=True).all_elemental_props
    raw = pd.DataFrame({p: pd.Series(raw[p], dtype=float) for p in properties})
    filled = pd.DataFrame({p: pd.Series(filled[p], dtype=float) for p in properties})
    known = raw.notna().any(axis=1)
    return raw[known], filled.loc[raw.index[known]], list(raw.index[~known])


@cite
def magpie_table(properties=MAGPIE_PROPERTIES):
    """Element table of Magpie elemental properties (one value per element).

    The registered ``"magpie"`` table is this table with the default
    properties. It holds *properties*, not matminer's Magpie *preset*:
    matminer's ``ElementProperty.from_preset("magpie")`` pools the same 22
    properties by six statistics into 132 features, which
    :func:`sklearn_leafs.featurizers.magpie_featurizer` reproduces
    (``ElementFeaturizer(table="magpie")`` alone gives their 22
    fraction-weighted means).

    Parameters
    ----------
    properties : sequence of str, default=MAGPIE_PROPERTIES
        Property names of ``matminer.utils.data.MagpieData``; the default is
        the 22 of the published LEAF+ table.

    Returns
    -------
    LeafTable
        Columns named after the properties. Values missing from Magpie are
        filled with matminer's imputation; ``provenance["imputed"]`` maps each
        element to the properties that were filled. Elements with no Magpie
        value at all (Nh, Fl, Mc, Lv, Ts, Og for the default properties) are
        left out and listed in ``provenance["left_out"]``.

    References
    ----------
    .. [1] {cite:ward2016}.
    .. [2] {cite:ward2018}.

    Examples
    --------
    >>> from sklearn_leafs.tables import magpie_table
    >>> table = magpie_table(["Electronegativity", "NdUnfilled"])
    >>> table.lookup(["O", "Fe"]).tolist()
    [[3.44, 0.0], [1.83, 4.0]]
    """
    properties = tuple(properties)
    if not properties or not all(isinstance(p, str) for p in properties):
        raise ValueError(
            f"properties must be a non-empty list of names; got {properties!r}"
        )
    raw, filled, absent = _magpie_frames(properties)
    missing = raw.isna()
    imputed = {
        el: [p for p in properties if missing.loc[el, p]]
        for el in raw.index[missing.any(axis=1)]
    }
    provenance = {
        "source": "Magpie elemental properties (Ward et al. 2016) from "
        "matminer.utils.data.MagpieData",
        "note": "elemental properties, not matminer's 132-feature Magpie preset "
        "(that is sklearn_leafs.featurizers.magpie_featurizer())",
        "properties": list(properties),
        "imputed": imputed,
        "imputation": "matminer impute_nan=True (mean over elements)",
        "left_out": {el: "no Magpie value for any property" for el in absent},
    }
    return LeafTable(filled, provenance=provenance)


def join_tables(*tables):
    """Concatenate the columns of element tables over their common elements.

    Parameters
    ----------
    *tables : LeafTable or DataFrame
        Tables (a DataFrame is indexed by element symbol); resolve names with
        :func:`sklearn_leafs.tables.get_table` first.
        At least two tables. Feature names must not repeat.

    Returns
    -------
    LeafTable
        Rows: the elements present in every table. Counts are those of the
        first table; the provenance lists the parts and the elements that were
        left out because a part lacks them.

    Raises
    ------
    ValueError
        If fewer than two tables are given, if feature names repeat, or if the
        tables share no element.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs.tables import join_tables
    >>> a = pd.DataFrame({"f": [1.0, 2.0]}, index=["O", "Mg"])
    >>> b = pd.DataFrame({"g": [5.0, 7.0]}, index=["Mg", "Fe"])
    >>> joined = join_tables(a, b)
    >>> joined.frame
             f    g
    element
    Mg     2.0  5.0
    >>> joined.provenance["left_out"]
    {'Fe': 'not in part 0', 'O': 'not in part 1'}
    """
    if len(tables) < 2:
        raise ValueError("join_tables needs at least two tables")
    parts = [as_table(t) for t in tables]
    names = [n for t in parts for n in t.feature_names]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"tables share feature names {dup}; rename one of them")
    common = set(parts[0].elements)
    for t in parts[1:]:
        common &= set(t.elements)
    if not common:
        raise ValueError("the tables have no element in common")
    every = sorted({el for t in parts for el in t.elements})
    left_out = {
        el: "not in part "
        + ", ".join(str(i) for i, t in enumerate(parts) if el not in t)
        for el in every
        if el not in common
    }
    keep = [el for el in parts[0].elements if el in common]
    frame = pd.concat([t.frame.loc[keep] for t in parts], axis=1)
    counts = None if parts[0].counts is None else parts[0].counts.loc[keep]
    provenance = {
        "source": " + ".join(str(t.provenance.get("source", "table")) for t in parts),
        "parts": [t.provenance for t in parts],
        "left_out": left_out,
    }
    return LeafTable(frame, counts=counts, provenance=provenance)


@cite
def leaf_plus(table, properties=MAGPIE_PROPERTIES):
    """LEAF+ table: a LEAF table joined with Magpie elemental properties.

    Parameters
    ----------
    table : LeafTable or DataFrame
        The LEAF table (resolve a name with :func:`sklearn_leafs.tables.get_table`).
    properties : sequence of str, default=MAGPIE_PROPERTIES

    Returns
    -------
    LeafTable
        The LEAF columns, then the properties, over the elements of ``table``
        (all of which Magpie covers). ``get_table("open+")`` returns
        ``leaf_plus(get_table("open"))``; the published ``"vasylenko2024+"``
        is the authors' own file, whose Magpie fill-ins for a few elements
        (He, Ne, Ar, Bk, Cf, Es) differ from matminer's.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:ward2016}.

    Examples
    --------
    >>> from sklearn_leafs.tables import get_table, leaf_plus
    >>> table = leaf_plus(get_table("vasylenko2024"))
    >>> table.n_features, table.feature_names[36:39]
    (59, ['q6 CN_12', 'Number', 'MendeleevNumber'])
    """
    return join_tables(table, magpie_table(properties))

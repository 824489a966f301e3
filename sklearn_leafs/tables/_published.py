"""The published LEAF table of Vasylenko et al. (2024), fetched on first use.

The table itself is never shipped with the package: it is downloaded from the
authors' repository at a fixed commit and verified by its sha256.
"""

from __future__ import annotations

import os

from sklearn.utils import Bunch

from .._download import fetch_file
from ._leaf_table import LeafTable

__all__ = ["LEAF_COMMIT", "fetch_leaf_table"]

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

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> table = fetch_leaf_table().table  # doctest: +SKIP
    >>> table.lookup(["Mg"]).shape  # doctest: +SKIP
    (1, 37)
    """
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

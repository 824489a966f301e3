"""The published LEAF tables of Vasylenko et al. (2024), shipped and fetchable.

The three published tables (``leaf.csv``, ``leaf+_dic.csv`` and the
autoencoder table ``LEAF59.csv`` of github.com/lrcfmd/LEAF, MIT) ship with the
package as the published bytes, written by ``scripts/build_offline_data.py``
with the licence text (``sklearn_leafs/data/LICENSE-LEAF``) and a provenance
sidecar. :func:`fetch_leaf_table` reads the data home first (a user's own
copy, or a checkout of the reference data folder), then the shipped copy, and
downloads only when asked not to use the shipped copy. Every file it reads is
checked against the published sha256.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from sklearn.utils import Bunch

from .._citations import cite
from .._download import fetch_file, get_data_home, sha256sum
from ..chemistry._motifs import MOTIF_LABELS
from ._leaf_table import LeafTable

__all__ = ["LEAF_COMMIT", "PUBLISHED_TABLES", "fetch_leaf_table"]

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
    "leaf-vasylenko2024/leaf+_dic.csv": (
        "data/leaf+_dic.csv",
        "05ec76534fdaa85848fa7e9d4214b841373a031c452f42bb487d5d9b2e626ae5",
    ),
    "leaf-vasylenko2024/LEAF59.csv": (
        "paper/Table1/ElementEmbeddings/Publication/element_similarity/csp/"
        "atom2vec/LEAF59.csv",
        "358363e2b7e1a129dc8d3e5b614e71b667cb658e05af03b4d850277284632bbc",
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

#: The published tables: name -> (path below data_home, shipped file, what it is).
PUBLISHED_TABLES = {
    "vasylenko2024": (
        "leaf-vasylenko2024/leaf.csv",
        "vasylenko2024_leaf.csv",
        "published LEAFs: mean OPSiteFingerprint motif similarities over ICSD "
        "structures (Vasylenko et al. 2024), 96 elements x 37 motifs",
    ),
    "vasylenko2024+": (
        "leaf-vasylenko2024/leaf+_dic.csv",
        "vasylenko2024_leaf+_dic.csv",
        "published LEAF+: the 37 ICSD LEAFs followed by 22 Magpie elemental "
        "properties (Vasylenko et al. 2024), 99 elements x 59 features",
    ),
    "vasylenko2024-autoencoder": (
        "leaf-vasylenko2024/LEAF59.csv",
        "vasylenko2024_LEAF59.csv",
        "published autoencoder table LEAF59: 59-dimensional element embeddings "
        "learned from the multi-hot ICSD environments (Vasylenko et al. 2024), "
        "118 elements x 59",
    ),
}


def _fetch(local, data_home, download_if_missing):
    remote, sha = _FILES[local]
    return fetch_file(local, _leaf_url(remote), sha, data_home, download_if_missing)


def _shipped_path(filename):
    """Path of a published table shipped in ``sklearn_leafs/data``, or None."""
    path = Path(str(resources.files("sklearn_leafs") / "data" / filename))
    return path if path.is_file() else None


def _verified(path, sha256, what):
    got = sha256sum(path)
    if got != sha256:
        raise OSError(
            f"{path} ({what}) has sha256 {got}, not the published {sha256}: the "
            "file is damaged or was replaced; delete it (a data-home copy is "
            "downloaded again) or reinstall sklearn-leafs (a shipped copy)"
        )
    return path


@cite
def fetch_leaf_table(
    name="vasylenko2024", *, data_home=None, download_if_missing=True, bundled=True
):
    """Load a published LEAF table of Vasylenko et al. (2024).

    The table is read from the data home when it holds the file (a user's own
    copy, or a checkout of the reference data folder), else from the copy
    shipped with the package: no network, no data home and no warning are
    needed. Only with ``bundled=False`` is a missing file downloaded into the
    data home from the authors' repository at :data:`LEAF_COMMIT`. Every file
    read is checked against the published sha256, and the shipped copies are
    the published bytes, so all three ways give identical values.

    Parameters
    ----------
    name : {"vasylenko2024", "vasylenko2024+", "vasylenko2024-autoencoder"}, \
default="vasylenko2024"
        ``"vasylenko2024"``: ``data/leaf.csv`` of github.com/lrcfmd/LEAF (MIT),
        mean OPSiteFingerprint motif similarities of 96 elements over ICSD
        (37 features). ``"vasylenko2024+"``: ``data/leaf+_dic.csv``, LEAF+,
        those 37 LEAFs followed by 22 Magpie elemental properties as the
        authors filled them (99 elements, 59 features). ``"vasylenko2024-
        autoencoder"``: ``LEAF59.csv``, the paper's autoencoder table (118
        elements, 59 features).
    data_home : str or path-like, default=None
        See :func:`sklearn_leafs.datasets.get_data_home`. A copy there takes
        precedence over the shipped one.
    download_if_missing : bool, default=True
        With ``bundled=False``: download a file missing from the data home
        (else raise ``OSError``). Ignored while the shipped copy is used.
    bundled : bool, default=True
        Use the copy shipped with the package when the data home lacks the
        file. False restores the fetcher's behaviour of downloading into the
        data home (for example to populate a shared data folder).

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``table`` (a :class:`~sklearn_leafs.LeafTable`), ``frame`` (its
        DataFrame), ``path`` (the file read), ``bundled`` (True when the
        shipped copy was read) and ``DESCR``.

    Raises
    ------
    ValueError
        For an unknown ``name``.
    OSError
        If the file read does not have the published sha256; with
        ``bundled=False`` (or an installation without the shipped copy), if
        the file is missing and cannot be downloaded.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> leaf = fetch_leaf_table("vasylenko2024", data_home="/nonexistent")
    >>> leaf.bundled, leaf.table.frame.shape
    (True, (96, 37))
    >>> round(float(leaf.frame.loc["Mg", "octahedral CN_6"]), 4)
    0.4455
    >>> fetch_leaf_table("vasylenko2024+", data_home="/nonexistent").frame.shape
    (99, 59)
    """
    if name not in PUBLISHED_TABLES:
        raise ValueError(
            f"unknown published table {name!r}; use one of {list(PUBLISHED_TABLES)}"
        )
    local, shipped_name, description = PUBLISHED_TABLES[name]
    remote, sha = _FILES[local]
    home_copy = get_data_home(data_home) / local
    shipped = _shipped_path(shipped_name) if bundled else None
    if home_copy.is_file() or shipped is None:
        path = _verified(
            _fetch(local, data_home, download_if_missing), sha, f"{name}, data home"
        )
        from_package = False
    else:
        path = _verified(shipped, sha, f"{name}, shipped with sklearn-leafs")
        from_package = True
    table = LeafTable.from_csv(path)
    motif_numbers = [str(i) for i in range(len(MOTIF_LABELS))]
    if list(table.frame.columns[: len(MOTIF_LABELS)]) == motif_numbers:
        # leaf+_dic.csv numbers its 37 LEAF rows 0..36, as leaf.csv does
        frame = table.frame.rename(columns=dict(zip(motif_numbers, MOTIF_LABELS)))
        table = LeafTable.from_frame(frame)
    table.provenance = {
        "source": name,
        "description": description,
        "url": _leaf_url(remote),
        "sha256": sha,
        "licence": "MIT (LEAF repository, Copyright 2024 Andrij Vasylenko)",
        "read_from": "copy shipped with sklearn-leafs" if from_package else str(path),
    }
    return Bunch(
        table=table,
        frame=table.frame,
        path=str(path),
        bundled=from_package,
        DESCR=f"Published LEAF table {name!r}: {description}.",
    )

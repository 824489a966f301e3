"""Element embeddings of the ``elementembeddings`` package as LeafTables.

The baselines of Table 1 (Magpie, Mat2Vec, MatScholar, MEGNet16, Oliynyk,
SkipAtom, random_200) ship with the optional ``elementembeddings`` package
(``pip install sklearn-leafs[baselines]``).  :func:`load_embedding` turns one
of them into a :class:`~sklearn_leafs.tables._leaf_table.LeafTable`, so that every
estimator that takes ``table=`` can use it. The table registry names them
``"ee:<name>"`` (``"ee:magpie"``, ``"ee:mat2vec"``...), so that they never
collide with the package's own names (``"magpie"`` is matminer's Magpie
properties).
"""

import warnings

import pandas as pd

from ..chemistry._elements import is_element
from ._leaf_table import LeafTable

__all__ = ["EMBEDDING_NAMES", "load_embedding"]

#: Names of the ``elementembeddings`` embeddings used as Table 1 baselines.
EMBEDDING_NAMES = (
    "magpie",
    "mat2vec",
    "matscholar",
    "megnet16",
    "oliynyk",
    "skipatom",
    "random_200",
)

# Provisional IUPAC names used by some embedding files for elements 113-118.
_PROVISIONAL = {
    "Uut": "Nh",
    "Uuq": "Fl",
    "Uup": "Mc",
    "Uuh": "Lv",
    "Uus": "Ts",
    "Uuo": "Og",
}


def _import_embedding():
    try:
        from elementembeddings.core import Embedding
    except ImportError as exc:
        raise ImportError(
            "the elementembeddings package is needed for the baseline element "
            "embeddings; install it with `pip install elementembeddings` "
            "(or `pip install sklearn-leafs[baselines]`)"
        ) from exc
    return Embedding


def load_embedding(name):
    """Load an ``elementembeddings`` embedding as a LeafTable.

    Parameters
    ----------
    name : str
        One of :data:`EMBEDDING_NAMES` (any other name that
        ``elementembeddings.core.Embedding.load_data`` knows also works).

    Returns
    -------
    table : LeafTable
        Elements (ordered by atomic number) x embedding dimensions, with
        features named ``"<name>_<i>"``.  Provisional names of elements 113-118
        (``Uut``...) are renamed to their symbols (``Nh``...), unless the
        embedding also has a row under the symbol (``random_200`` has both
        ``Lv`` and ``Uuh``); such duplicates and any non-element rows are left
        out with a ``UserWarning`` and listed in ``table.provenance["dropped"]``.

    References
    ----------
    .. [1] A. Onwuli, A. V. Hegde, K. V. T. Nguyen, K. T. Butler and A. Walsh,
       "Element similarity in high-dimensional materials representations",
       Digital Discovery 2, 1558 (2023) (the elementembeddings package).

    Examples
    --------
    >>> table = load_embedding("magpie")  # doctest: +SKIP
    >>> table.values.shape  # doctest: +SKIP
    (97, 22)
    """
    Embedding = _import_embedding()
    try:
        embedding = Embedding.load_data(name)
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise ValueError(
            f"unknown elementembeddings embedding {name!r}; known baselines: "
            f"{', '.join(EMBEDDING_NAMES)}"
        ) from exc
    labels = [str(label) for label in embedding.embeddings]
    rows, dropped = {}, []
    for label, vector in embedding.embeddings.items():
        label = str(label)
        symbol = _PROVISIONAL.get(label, label)
        if not is_element(symbol) or (symbol != label and symbol in labels):
            dropped.append(label)  # not an element, or a duplicate of one
        else:
            rows[symbol] = list(vector)
    if dropped:
        warnings.warn(
            f"embedding {name!r}: rows {dropped} are not element symbols (or "
            "duplicate an element's row) and were left out",
            UserWarning,
            stacklevel=2,
        )
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.columns = [f"{name}_{i}" for i in range(frame.shape[1])]
    return LeafTable.from_frame(
        frame,
        provenance={"source": f"elementembeddings:{name}", "dropped": dropped},
    )

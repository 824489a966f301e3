"""Element tables: LEAF tables, the multi-hot matrix M, other element tables.

- :class:`LeafTable`: an element x feature table with its provenance (a plain
  container).
- :func:`get_table`, :func:`table_names`, :func:`register_table`: the table
  registry, the one place where names such as ``"default"``,
  ``"vasylenko2024"``, ``"magpie"`` or ``"ee:mat2vec"`` become tables.
- :func:`build_table`, :func:`table_from_records`: LEAFs from structures.
- :class:`LocalEnvironmentMatrix`, :class:`MultiHotEncoder`: the multi-hot M.
- :func:`magpie_table`, :func:`join_tables`, :func:`leaf_plus`: LEAF+ tables.
- :func:`load_embedding`: the ``elementembeddings`` baselines.
- :func:`fetch_leaf_table`: the published ICSD table.
"""

from ._aggregate import build_table, table_from_records
from ._element_properties import (
    MAGPIE_PROPERTIES,
    join_tables,
    leaf_plus,
    magpie_table,
)
from ._embeddings import EMBEDDING_NAMES, load_embedding
from ._leaf_table import LeafTable, as_table
from ._multihot import LocalEnvironmentMatrix, MultiHotEncoder, bin_indices
from ._published import LEAF_COMMIT, fetch_leaf_table
from ._registry import describe_tables, get_table, register_table, table_names

__all__ = [
    "EMBEDDING_NAMES",
    "LEAF_COMMIT",
    "LeafTable",
    "LocalEnvironmentMatrix",
    "MAGPIE_PROPERTIES",
    "MultiHotEncoder",
    "as_table",
    "bin_indices",
    "build_table",
    "describe_tables",
    "fetch_leaf_table",
    "get_table",
    "join_tables",
    "leaf_plus",
    "load_embedding",
    "magpie_table",
    "register_table",
    "table_from_records",
    "table_names",
]

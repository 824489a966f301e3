"""Local environments of crystal sites: matminer motif similarities at scale.

- :func:`site_similarities`: the 37 ``OPSiteFingerprint`` values of every site
  of one structure (optionally one site per symmetry orbit).
- :func:`compute_site_records`: the same over many structures in parallel
  (joblib), giving :class:`SiteRecords` that aggregate into LEAF tables
  (:meth:`SiteRecords.to_table`) and the multi-hot matrix M
  (:meth:`SiteRecords.to_multihot`).
- :func:`build_table`: structures to a :class:`~sklearn_leafs.table.LeafTable`
  (``LeafTable.from_structures`` calls it).
"""

from .batch import build_table, compute_site_records
from .readers import StructureItem, collect_items, iter_corpus
from .records import SiteRecords
from .sites import (
    SiteSimilarities,
    compute_values,
    element_symbol,
    site_similarities,
    symmetry_orbits,
)

__all__ = [
    "SiteRecords",
    "SiteSimilarities",
    "StructureItem",
    "build_table",
    "collect_items",
    "compute_site_records",
    "compute_values",
    "element_symbol",
    "iter_corpus",
    "site_similarities",
    "symmetry_orbits",
]

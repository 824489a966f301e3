"""Local environments of crystal sites: matminer motif similarities at scale.

- :func:`site_similarities`: the 37 ``OPSiteFingerprint`` values of every site
  of one structure (optionally one site per symmetry orbit).
- :func:`compute_site_records`: the same over many structures in parallel
  (joblib), giving :class:`SiteRecords`; the tables layer aggregates them
  into LEAF tables (:func:`sklearn_leafs.tables.table_from_records`) and the
  multi-hot matrix M (:meth:`sklearn_leafs.tables.LocalEnvironmentMatrix.from_records`).
"""

from ._batch import compute_site_records
from ._readers import StructureItem, collect_items, iter_corpus
from ._records import SiteRecords
from ._sites import (
    BV_MAX_SITES,
    OXIDATION_RULES,
    SiteSimilarities,
    compute_values,
    element_symbol,
    site_oxidation_states,
    site_similarities,
    symmetry_orbits,
)

__all__ = [
    "BV_MAX_SITES",
    "OXIDATION_RULES",
    "SiteRecords",
    "SiteSimilarities",
    "StructureItem",
    "collect_items",
    "compute_site_records",
    "compute_values",
    "element_symbol",
    "iter_corpus",
    "site_oxidation_states",
    "site_similarities",
    "symmetry_orbits",
]

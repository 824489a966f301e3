"""Local environments of crystal sites: matminer motif similarities at scale.

- :func:`site_similarities`: the 37 ``OPSiteFingerprint`` values of every site
  of one structure (optionally one site per symmetry orbit).
- :func:`compute_site_records`: the same over many structures in parallel
  (joblib), giving :class:`SiteRecords`; the tables layer aggregates them
  into LEAF tables (:func:`sklearn_leafs.tables.table_from_records`) and the
  multi-hot matrix M (:meth:`sklearn_leafs.tables.LocalEnvironmentMatrix.from_records`).
"""

from ._batch import CHEMISTRY_WARNINGS, compute_site_records
from ._readers import (
    DEFAULT_OCCUPANCY_TOLERANCE,
    StructureItem,
    collect_items,
    iter_corpus,
    read_structure_file,
)
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
    "CHEMISTRY_WARNINGS",
    "DEFAULT_OCCUPANCY_TOLERANCE",
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
    "read_structure_file",
    "site_oxidation_states",
    "site_similarities",
    "symmetry_orbits",
]

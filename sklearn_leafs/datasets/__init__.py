"""Dataset fetchers with a local data home, checksums and clear offline errors."""

from .._download import fetch_file, get_data_home
from ._leaf import (
    fetch_binary_structure_types,
    fetch_leaf_table,
    fetch_li_ion_conductivity,
)
from ._matbench import fetch_matbench
from ._phase_fields import fetch_phase_fields

__all__ = [
    "get_data_home",
    "fetch_file",
    "fetch_leaf_table",
    "fetch_binary_structure_types",
    "fetch_li_ion_conductivity",
    "fetch_phase_fields",
    "fetch_matbench",
]

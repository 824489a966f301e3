"""Composition featurizers: formulas in, LEAF-based feature matrices out."""

from ._element import ElementFeaturizer
from ._li_cation import LiCationFeaturizer
from ._phase_field import PhaseFieldFeaturizer, parse_phase_field, phase_field_items
from ._presets import (
    MAGPIE_STATS,
    magpie_featurizer,
    magpie_leaf_union,
    matminer_feature_labels,
    recommended_featurizer,
)
from ._stats import STATS

__all__ = [
    "ElementFeaturizer",
    "LiCationFeaturizer",
    "MAGPIE_STATS",
    "STATS",
    "magpie_featurizer",
    "magpie_leaf_union",
    "matminer_feature_labels",
    "recommended_featurizer",
    "PhaseFieldFeaturizer",
    "parse_phase_field",
    "phase_field_items",
]

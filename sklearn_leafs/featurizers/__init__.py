"""Composition featurizers: formulas in, LEAF-based feature matrices out."""

from ._element import ElementFeaturizer
from ._li_cation import LiCationFeaturizer
from ._phase_field import PhaseFieldFeaturizer, parse_phase_field, phase_field_items

__all__ = [
    "ElementFeaturizer",
    "LiCationFeaturizer",
    "PhaseFieldFeaturizer",
    "parse_phase_field",
    "phase_field_items",
]

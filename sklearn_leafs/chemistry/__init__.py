"""Chemistry primitives: elements, coordination motifs, formulas, oxidation states.

The lowest layer of the package: nothing here imports another part of
sklearn-leafs.
"""

from ._elements import ANION_FORMERS, ELEMENTS, atomic_number, is_element
from ._formula import as_items, fraction_matrix, item_amounts, parse_formula
from ._motifs import MOTIF_LABELS, N_MOTIFS
from ._oxidation import (
    OxidationStateGuess,
    format_species,
    guess_oxidation_states,
    guess_roles,
    is_species,
    oxidation_state_set,
    parse_species,
    species_amounts,
)

__all__ = [
    "ANION_FORMERS",
    "OxidationStateGuess",
    "ELEMENTS",
    "MOTIF_LABELS",
    "N_MOTIFS",
    "as_items",
    "atomic_number",
    "format_species",
    "fraction_matrix",
    "guess_oxidation_states",
    "guess_roles",
    "is_element",
    "is_species",
    "item_amounts",
    "oxidation_state_set",
    "parse_formula",
    "parse_species",
    "species_amounts",
]

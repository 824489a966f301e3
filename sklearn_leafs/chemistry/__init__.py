"""Chemistry primitives: elements, coordination motifs, formulas, oxidation states.

The lowest layer of the package: nothing here imports another part of
sklearn-leafs.
"""

from ._elements import ANION_FORMERS, ELEMENTS, atomic_number, is_element
from ._formula import as_items, fraction_matrix, item_amounts, parse_formula
from ._motifs import MOTIF_LABELS, N_MOTIFS
from ._oxidation import guess_roles

__all__ = [
    "ANION_FORMERS",
    "ELEMENTS",
    "MOTIF_LABELS",
    "N_MOTIFS",
    "as_items",
    "atomic_number",
    "fraction_matrix",
    "guess_roles",
    "is_element",
    "item_amounts",
    "parse_formula",
]

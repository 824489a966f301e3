"""Chemistry primitives: elements, coordination motifs, formulas, species,
oxidation states.

The lowest layer of the package: nothing here imports another part of
sklearn-leafs.  Names are imported lazily from the module that holds them, so
reading a species name (``parse_species("Ti4+")``) imports neither the
oxidation-state model nor pymatgen:

- ``_elements``: element symbols and atomic numbers (plain Python);
- ``_motifs``: the 37 coordination motifs;
- ``_formula``: the formula grammar and fraction matrices;
- ``_species``: the species-name grammar (``"Ti4+"``, ``"O2-"``, ``"K0+"``);
- ``_state_lists``: oxidation-state lists of the elements (SMACT, pymatgen);
- ``_oxidation``: the oxidation-state model (:func:`guess_oxidation_states`),
  with its charge-balance searches in ``_charge_balance``.
"""

from importlib import import_module

# public name -> module that defines it
_EXPORTS = {
    "ANION_FORMERS": "._elements",
    "ELEMENTS": "._elements",
    "atomic_number": "._elements",
    "is_element": "._elements",
    "as_items": "._formula",
    "fraction_matrix": "._formula",
    "item_amounts": "._formula",
    "parse_formula": "._formula",
    "MOTIF_LABELS": "._motifs",
    "N_MOTIFS": "._motifs",
    "format_species": "._species",
    "is_species": "._species",
    "parse_species": "._species",
    "oxidation_state_set": "._state_lists",
    "OxidationStateGuess": "._oxidation",
    "guess_oxidation_states": "._oxidation",
    "guess_roles": "._oxidation",
    "species_amounts": "._oxidation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            f"module 'sklearn_leafs.chemistry' has no attribute {name!r}"
        ) from None
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(__all__) | set(globals()))

"""Substitution: element similarity, Eq. 1 probabilities and structure types.

The discovery core of sklearn-leafs, around one frozen model object:

- :class:`SubstitutionModel` (``_model``): a table and its options (metric,
  standardisation, normalisation, oxidation-state set, site threshold,
  species asked for by name), its similarity and probability matrices
  computed once; the option constraints (:data:`MODEL_CONSTRAINTS`) and
  their documentation are declared there once;
- :func:`element_similarity`, :func:`substitution_probabilities`,
  :func:`best_substitutions` (``_similarity``): the model's answers as
  functions of the options;
- :func:`formula_substitution`, :func:`substitute_formula` (``_formulas``):
  pairs of formulas and charge-balanced candidates of a formula;
- the matcher of species by role and amount (``_matching``), the protocol
  indexes (``_index``), :class:`SubstitutionClassifier` (``_classifier``);
- the template library (``_templates``), its calibration (``_calibration``),
  :func:`predict_structure_type` (``_structure_types``) and the text of the
  results (``_format``);
- :func:`predict_parent_structure` (``_site_mixing``): compositions with
  mixed occupancy (solid solutions, dopants, vacancies) read as a parent
  compound with mixed sites.

References
----------
.. [1] {cite:vasylenko2024}; LEAFs, Eq. 1 and Table 1.
.. [2] {cite:smact2019}.
.. [3] {cite:hautier2011}.
"""

from .._citations import fill_citations
from ._calibration import fit_temperature, stored_calibration
from ._classifier import SubstitutionClassifier
from ._format import format_structure_types, format_substitutions
from ._formulas import formula_substitution, substitute_formula
from ._index import AnonymousFormulaIndex, SingleSubstitutionIndex
from ._model import MIN_SPECIES_SITES, MODEL_CONSTRAINTS, SubstitutionModel
from ._prediction import predict_structure_type
from ._similarity import (
    best_substitutions,
    element_similarity,
    substitution_probabilities,
)
from ._site_mixing import (
    end_members,
    mixing_source,
    predict_parent_structure,
    site_readings,
)
from ._structure_types import (
    LIBRARY_SHARPNESS,
    LIBRARY_TABLE,
    NO_PREDICTION,
    library_classifier,
)
from ._templates import load_templates, species_mapping

__doc__ = fill_citations(__doc__)

__all__ = [
    "AnonymousFormulaIndex",
    "LIBRARY_SHARPNESS",
    "LIBRARY_TABLE",
    "MIN_SPECIES_SITES",
    "MODEL_CONSTRAINTS",
    "NO_PREDICTION",
    "SingleSubstitutionIndex",
    "SubstitutionClassifier",
    "SubstitutionModel",
    "best_substitutions",
    "end_members",
    "element_similarity",
    "fit_temperature",
    "format_structure_types",
    "format_substitutions",
    "formula_substitution",
    "library_classifier",
    "load_templates",
    "mixing_source",
    "predict_parent_structure",
    "predict_structure_type",
    "site_readings",
    "species_mapping",
    "stored_calibration",
    "substitute_formula",
    "substitution_probabilities",
]

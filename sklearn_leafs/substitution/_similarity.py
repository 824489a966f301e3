"""Element similarity and substitution probabilities as functions of the options.

Each function builds one :class:`SubstitutionModel` from its arguments and
returns the model's answer; hold a model yourself to ask it many questions.

Element similarity
    ``s(X, X')`` is the cosine similarity or the Pearson correlation of the
    two rows.  With ``standardize=True`` every feature is first standardised
    over all rows of the table, as for the authors' Table 1.

Substitution probability (Eq. 1 of Vasylenko et al.)
    ``p(X <- X') = exp(s(X, X')) / Z``, ``Z`` conditional on the replaced row
    (SMACT's ``cond_sub_probs``, Table 1) or global (the paper's SI), summed
    over a normalisation set with weights (SMACT's lambda tables are indexed
    by species, so with ``oxidation_states="smact"`` an element with five
    states appears five times in the denominator).

Species
    Species tables (rows such as ``"Ti4+"``, ``"O2-"`` or metallic ``"K0+"``,
    e.g. ``"open-species"``) work everywhere element tables do.  A species
    with fewer than :data:`MIN_SPECIES_SITES` weighted sites, or absent, is
    outside the normalisation set; asked for by name it takes its element's
    row (:meth:`sklearn_leafs.tables.LeafTable.species_rows`) with a warning.
"""

from numbers import Integral

from sklearn.utils._param_validation import Interval, validate_params

from .._citations import cite
from ._model import (
    MIN_SPECIES_SITES,
    MODEL_CONSTRAINTS,
    SubstitutionModel,
    document_model_options,
)

__all__ = ["best_substitutions", "element_similarity", "substitution_probabilities"]


def _constraints(*names, **more):
    return {name: MODEL_CONSTRAINTS[name] for name in names} | more


@cite
@validate_params(
    _constraints(
        "table", "metric", "standardize", "min_sites", elements=[list, tuple, None]
    ),
    prefer_skip_nested_validation=True,
)
@document_model_options
def element_similarity(
    table="vasylenko2024",
    *,
    metric="pearson",
    standardize=True,
    elements=None,
    min_sites=MIN_SPECIES_SITES,
):
    """Element (or species) x element similarity matrix.

    Parameters
    ----------
    %(table)s
    %(metric)s
    %(standardize)s
    elements : list of str, default=None
        Restrict the result to these elements or species (after
        standardising).  A species with too few sites, or absent, uses its
        element's row with a warning.
    %(min_sites)s

    Returns
    -------
    similarity : pandas.DataFrame
        Symmetric, indexed by element (or species) on both axes, ones on the
        diagonal.

    Raises
    ------
    ValueError
        Naming an element or species that neither the table nor its element
        rows hold.

    See Also
    --------
    SubstitutionModel.similarity : The same from a model.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> element_similarity(table, metric="cosine", standardize=False).round(3)
           Na     Cl      K
    Na  1.000  0.000  0.894
    Cl  0.000  1.000  0.447
    K   0.894  0.447  1.000
    >>> species = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na+", "K+", "Cl-"]
    ... )
    >>> element_similarity(species, metric="cosine", standardize=False).index.tolist()
    ['Na+', 'Cl-', 'K+']
    """
    model = SubstitutionModel(
        table, metric=metric, standardize=standardize, min_sites=min_sites
    )
    return model.similarity(None if elements is None else [str(e) for e in elements])


@cite
@validate_params(_constraints(*MODEL_CONSTRAINTS), prefer_skip_nested_validation=True)
@document_model_options
def substitution_probabilities(
    table="vasylenko2024",
    *,
    metric="pearson",
    standardize=True,
    normalization="conditional",
    oxidation_states="smact",
    min_sites=MIN_SPECIES_SITES,
):
    """Substitution probabilities of Eq. 1 for every pair of elements or species.

    Parameters
    ----------
    %(table)s
    %(metric)s
    %(standardize)s
    %(normalization)s
    %(oxidation_states)s
    %(min_sites)s

    Returns
    -------
    probabilities : pandas.DataFrame
        ``probabilities.loc[X, X']`` is ``p(X <- X')``, the probability that
        ``X`` replaces ``X'`` (rows: substituting element; columns: replaced
        element).  With ``"conditional"`` the weighted columns sum to one.

    See Also
    --------
    SubstitutionModel.probabilities : The same from a model.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.
    .. [3] {cite:smact2019}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> P = substitution_probabilities(table, oxidation_states=None)
    >>> P.sum().round(6).tolist()
    [1.0, 1.0, 1.0]
    >>> bool(P.loc["K", "Na"] > P.loc["Cl", "Na"])
    True
    """
    model = SubstitutionModel(
        table,
        metric=metric,
        standardize=standardize,
        normalization=normalization,
        oxidation_states=oxidation_states,
        min_sites=min_sites,
    )
    return model.probabilities()


@cite
@validate_params(
    _constraints(
        *MODEL_CONSTRAINTS,
        element=[str],
        top=[Interval(Integral, 1, None, closed="left"), None],
        same_sign=["boolean"],
    ),
    prefer_skip_nested_validation=True,
)
@document_model_options
def best_substitutions(
    element,
    table="vasylenko2024",
    *,
    top=10,
    metric="pearson",
    standardize=True,
    normalization="conditional",
    oxidation_states="smact",
    min_sites=MIN_SPECIES_SITES,
    same_sign=True,
):
    """The elements (or species) most likely to replace ``element``.

    Parameters
    ----------
    element : str
        The element or species to replace (``"Ti"``, ``"Ti4+"``).
    %(table)s
    top : int or None, default=10
        How many substitutes to return (None: all).
    %(metric)s
    %(standardize)s
    %(normalization)s
    %(oxidation_states)s
    %(min_sites)s
    same_sign : bool, default=True
        For a charged species: list only species whose charge has the same
        sign (a cation is replaced by cations, an anion by anions; neutral
        metallic rows are left out too).  The probabilities are unchanged
        (Eq. 1 over the whole normalisation set); only the list is filtered.
        No effect for elements or element tables.

    Returns
    -------
    substitutes : pandas.Series
        ``p(X <- element)`` for the ``top`` most likely ``X``, highest first,
        indexed by ``X``.  ``element`` itself, and the other species of its
        element, are not listed.

    Raises
    ------
    ValueError
        If the element is in neither the table nor (as a species) its
        element rows, or is outside the normalisation set.

    See Also
    --------
    SubstitutionModel.substitutes : The same from a model.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.
    .. [3] {cite:smact2019}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> best_substitutions("Na", table, top=1, oxidation_states=None).index.tolist()
    ['K']
    >>> species = table.rename(index={"Na": "Na+", "K": "K+", "Cl": "Cl-"})
    >>> best_substitutions("Na+", species, top=1, oxidation_states=None).index.tolist()
    ['K+']
    """
    model = SubstitutionModel(
        table,
        metric=metric,
        standardize=standardize,
        normalization=normalization,
        oxidation_states=oxidation_states,
        min_sites=min_sites,
        species=[element],
    )
    return model.substitutes(element, top=top, same_sign=same_sign)

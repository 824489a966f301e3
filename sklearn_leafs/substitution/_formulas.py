"""Substitutions of whole formulas: pair probabilities and charge-balanced candidates."""

import math
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from .._citations import cite
from ..chemistry import format_species, guess_oxidation_states, parse_species
from ..chemistry._species import reduced_species
from ._matching import match, signature
from ._model import MIN_SPECIES_SITES, MODEL_CONSTRAINTS, SubstitutionModel

__all__ = ["formula_substitution", "substitute_formula"]


def _balanced_species(formula):
    guess = guess_oxidation_states(formula)
    if guess.species is None:
        raise ValueError(f"{formula!r}: {guess.reason}")
    return guess, reduced_species(guess.species)


@cite
@validate_params(
    {
        "parent": "no_validation",
        "candidate": "no_validation",
        "table": "no_validation",
        "metric": MODEL_CONSTRAINTS["metric"],
        "standardize": MODEL_CONSTRAINTS["standardize"],
        "oxidation_states": MODEL_CONSTRAINTS["oxidation_states"],
        "min_sites": MODEL_CONSTRAINTS["min_sites"],
    },
    prefer_skip_nested_validation=True,
)
def formula_substitution(
    parent,
    candidate,
    table="open-species",
    *,
    metric="pearson",
    standardize=True,
    oxidation_states="smact",
    min_sites=MIN_SPECIES_SITES,
):
    """Probability that ``candidate`` forms from ``parent`` by substitution.

    The species of both formulas are guessed
    (:func:`sklearn_leafs.chemistry.guess_oxidation_states`), grouped by
    role (sign of the charge) and amount in the reduced formulas, and paired
    within each group by the most probable matching (the matcher of
    :class:`SubstitutionClassifier`).  The result is the product of the
    per-species conditional probabilities ``p(new <- old)`` of Eq. 1, an
    unchanged species counting 1, as in the authors' ``sub_probability``.

    Parameters
    ----------
    parent, candidate : str or Composition
        Two formulas with the same anonymous species formula (the same
        multiset of roles and reduced amounts).
    table : LeafTable, str, path or DataFrame, default="open-species"
        Species (or element) table.
    metric, standardize, oxidation_states, min_sites
        See :class:`SubstitutionModel` (the normalisation is conditional).

    Returns
    -------
    result : dict
        ``"pairs"``: list of ``(old species, new species, p)`` for the
        replaced species; ``"probability"``: their product; ``"balanced"``:
        whether the candidate's species sum to zero charge.

    Raises
    ------
    ValueError
        If a formula has no charge-balanced species, or the two formulas
        cannot be paired (different anonymous formulas).

    See Also
    --------
    substitute_formula : The charge-balanced candidates of one formula.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0, 0.5], "b": [0.0, 1.0, 1.0, 0.2]},
    ...     index=["Na+", "K+", "Cl-", "Br-"],
    ... )
    >>> result = formula_substitution("NaCl", "KCl", table, oxidation_states=None)
    >>> [(old, new) for old, new, _ in result["pairs"]], result["balanced"]
    ([('Na+', 'K+')], True)
    """
    (_, old), (_, new) = (_balanced_species(f) for f in (parent, candidate))
    if signature(old) != signature(new):
        raise ValueError(
            f"{parent!r} and {candidate!r} do not have the same anonymous species "
            "formula; they cannot be paired species by species"
        )
    wanted = [format_species(s) for comp in (old, new) for s, _ in comp]
    model = SubstitutionModel(
        table,
        metric=metric,
        standardize=standardize,
        oxidation_states=oxidation_states,
        min_sites=min_sites,
        species=wanted,
    )
    pairs, product = match(old, new, model.p)
    pairs = [(format_species(o), format_species(n), p) for o, n, p in pairs]
    charge = sum(q * a for (_, q), a in new)
    return {"pairs": pairs, "probability": product, "balanced": charge == 0}


def _formula(species_amounts, order):
    """Formula string of ``{(element, charge): amount}``, elements in ``order``."""
    amounts = {}
    for (element, _), amount in species_amounts.items():
        amounts[element] = amounts.get(element, 0) + amount
    parts = []
    for element in sorted(amounts, key=lambda el: order.get(el, len(order))):
        n = amounts[element]
        parts.append(element if n == 1 else f"{element}{n}")
    return "".join(parts)


def _common_states(element):
    from pymatgen.core import Element

    return tuple(sorted(int(q) for q in Element(element).common_oxidation_states if q))


def _substitutes(model, species, per_species):
    """``[(new species, p)]`` for one parent species, same charge sign."""
    element, charge = species
    table = model.table
    query = format_species(species) if table.has_species else element
    column = model.substitutes(query, top=per_species)
    allowed = model.admitted_states
    out = []
    for label, p in column.items():
        if table.has_species:
            out.append((parse_species(label), float(p)))
            continue
        # element table: the substitute may take any common state
        states = _common_states(label)
        ok = states if allowed is None else allowed.get(label, ())
        out.extend(((label, q), float(p)) for q in states if q in ok)
    # a cation is replaced by a cation, an anion by an anion
    return [(new, p) for new, p in out if np.sign(new[1]) == np.sign(charge)]


def _candidates(parent, options):
    """Charge-balanced single and double substitutions of ``parent``."""
    found = {}
    order = options["order"]

    def add(changes):
        new_species = dict(parent)
        for old, new, _ in changes:
            amount = new_species.pop(old)
            new_species[new] = new_species.get(new, 0) + amount
        if sum(q * a for (_, q), a in new_species.items()) != 0:
            return
        if len({new[0] for _, new, _ in changes}) != len(changes):
            return
        prob = math.prod(p for _, _, p in changes)
        key = _formula(new_species, order | {n[0]: order[o[0]] for o, n, _ in changes})
        if key not in found or found[key][0] < prob:
            found[key] = (prob, key, changes)

    subs, parents = options["substitutes"], list(parent)
    for old in parents:
        for new, p in subs[old]:
            if new[1] == old[1]:
                add([(old, new, p)])
    for i, old1 in enumerate(parents):
        for old2 in parents[i + 1 :]:
            if old1[0] == old2[0]:  # two species of one element
                continue
            for new1, p1 in subs[old1]:
                if new1[1] == old1[1]:
                    continue
                for new2, p2 in subs[old2]:
                    delta = parent[old1] * (new1[1] - old1[1]) + parent[old2] * (
                        new2[1] - old2[1]
                    )
                    if delta == 0 and new2[1] != old2[1]:
                        add([(old1, new1, p1), (old2, new2, p2)])
    return sorted(found.values(), key=lambda c: -c[0])


@cite
@validate_params(
    {
        "formula": "no_validation",
        "table": "no_validation",
        "top": [Interval(Integral, 1, None, closed="left"), None],
        "per_species": [Interval(Integral, 1, None, closed="left")],
        "metric": MODEL_CONSTRAINTS["metric"],
        "oxidation_states": [StrOptions({"icsd", "smact"}), None],
    },
    prefer_skip_nested_validation=True,
)
def substitute_formula(
    formula,
    table="open-species",
    *,
    top=10,
    per_species=15,
    metric="pearson",
    oxidation_states="icsd",
):
    """Charge-balanced substitutions of a whole formula, most probable first.

    Guesses the species of ``formula``
    (:func:`sklearn_leafs.chemistry.guess_oxidation_states`), then replaces
    one species by another of the same charge, or two species of different
    elements by two whose charge changes cancel (a cation always by a
    cation, an anion by an anion), taking each species' substitutes from
    :func:`best_substitutions` (Eq. 1, normalised over the replaced
    species).  A candidate's probability is the product of its species
    probabilities; a formula reached several ways keeps its most probable
    one.  ``leafs substitute`` prints this function's result.

    Parameters
    ----------
    formula : str or Composition
        The parent formula, e.g. ``"CaTiO3"``.
    table : LeafTable, str, path or DataFrame, default="open-species"
        Species table; an element table also works, its substitutes then
        take any of their common oxidation states (pymatgen's
        ``common_oxidation_states``).
    top : int or None, default=10
        How many candidates to return (None: all).
    per_species : int, default=15
        Substitutes considered for each species of the parent.
    metric : {"pearson", "cosine"}, default="pearson"
        Similarity of the rows (standardised over the table).
    oxidation_states : {"icsd", "smact"} or None, default="icsd"
        Candidate species and normalisation set: pymatgen's ICSD-observed
        states (leaves out formal states such as Hf3+), SMACT's wider list
        (elements up to Bi), or None for every row of the table and any
        charge (needed for elements such as noble gases).

    Returns
    -------
    candidates : pandas.DataFrame
        One row per candidate, most probable first: ``formula`` (elements
        in the parent's order, a substitute in the place of the species it
        replaces), ``probability`` (the product), ``replaced`` and
        ``substitutes`` (tuples of species strings, in step) and
        ``species_probabilities`` (tuple of ``p(new <- old)``).
        ``candidates.attrs["parent"]`` is the parent's reduced species,
        ``{species string: amount}``.

    Raises
    ------
    ValueError
        If the formula has no charge-balanced species, or a species of it is
        outside the normalisation set (use ``oxidation_states=None``).

    See Also
    --------
    formula_substitution : The probability of one given candidate.
    best_substitutions : The substitutes of one species.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.1, 0.0, 0.5], "b": [0.0, 1.0, 0.9, 1.0, 0.2]},
    ...     index=["Na+", "K+", "Mg2+", "Cl-", "Br-"],
    ... )
    >>> result = substitute_formula("NaCl", table, oxidation_states=None)
    >>> result[["formula", "replaced", "substitutes"]].values.tolist()
    [['KCl', ('Na+',), ('K+',)], ['NaBr', ('Cl-',), ('Br-',)]]
    >>> round(float(result["probability"][0]), 4)
    0.3057
    """
    guess = guess_oxidation_states(formula)
    if guess.species is None:
        raise ValueError(
            f"{formula!r} has no charge-balanced species ({guess.reason}); "
            "there is nothing to substitute charge by charge"
        )
    parent = dict(reduced_species(guess.species))
    model = SubstitutionModel(table, metric=metric, oxidation_states=oxidation_states)
    elements = {el for el, _ in parent}
    substitutes = {
        species: [
            (new, p)
            for new, p in _substitutes(model, species, per_species)
            if new[0] not in elements
        ]
        for species in parent
    }
    order = {el: i for i, el in enumerate(guess.roles)}
    ranked = _candidates(parent, {"order": order, "substitutes": substitutes})
    rows = [
        (
            key,
            prob,
            tuple(format_species(o) for o, _, _ in changes),
            tuple(format_species(n) for _, n, _ in changes),
            tuple(p for _, _, p in changes),
        )
        for prob, key, changes in (ranked if top is None else ranked[:top])
    ]
    columns = ["formula", "probability", "replaced", "substitutes"]
    result = pd.DataFrame(rows, columns=columns + ["species_probabilities"])
    result.attrs["parent"] = {format_species(s): a for s, a in parent.items()}
    return result

"""Matching the species of two compositions by role and amount.

One matcher for :class:`SubstitutionClassifier` and
:func:`formula_substitution`.  A composition is a reduced species
composition, a tuple of ``((element, charge), amount)`` pairs
(:func:`reduced_species_of`).  Species are matched within a *group*: the
same role (sign of the charge: cation, anion or neutral) and the same amount
in the reduced formula.  Two compositions can be matched when they have the
same :func:`signature` (role-aware anonymous formula); the best matching is
the assignment with the largest product of ``p(new <- old)``, an unchanged
species counting 1.
"""

from functools import lru_cache
from itertools import permutations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..chemistry import item_amounts, species_amounts
from ..chemistry._species import reduced_species

__all__ = [
    "anonymous_formula",
    "best_assignment",
    "best_products",
    "groups",
    "reduced_species_of",
    "signature",
]

#: Assignments within one group are enumerated up to this many sites (720
#: permutations); larger groups use linear_sum_assignment.
MAX_PERMUTED = 6


@lru_cache(maxsize=65536)
def _charged(item):
    amounts = species_amounts(item)
    return None if amounts is None else reduced_species(amounts)


@lru_cache(maxsize=65536)
def _neutral(item):
    return reduced_species({(el, 0): a for el, a in item_amounts(item).items()})


def reduced_species_of(item, neutral=False):
    """Reduced species composition of a composition-like item.

    Parameters
    ----------
    item : str, Composition or mapping
    neutral : bool, default=False
        Read a composition without charge-balanced oxidation states as
        neutral elements (charge 0) instead of returning None.

    Returns
    -------
    composition : tuple of ((element, charge), amount) or None

    Raises
    ------
    ValueError
        If the item cannot be read as a composition.
    """
    try:
        comp = _charged(item)
        if comp is None and neutral:
            comp = _neutral(item)
    except TypeError:  # unhashable item, e.g. a dict
        comp = _charged.__wrapped__(item)
        if comp is None and neutral:
            comp = _neutral.__wrapped__(item)
    return comp


def group_key(species, amount):
    """Group of a species in a composition: ``(sign of charge, amount)``."""
    return int(np.sign(species[1])), amount


def groups(comp):
    """``{(sign, amount): [species, ...]}`` of a composition, in its order."""
    out = {}
    for species, amount in comp:
        out.setdefault(group_key(species, amount), []).append(species)
    return out


def _element_amounts(comp):
    amounts = {}
    for (element, _), amount in comp:
        amounts[element] = amounts.get(element, 0) + amount
    return sorted(amounts.values())


def signature(comp):
    """Role-aware anonymous formula: the sorted group keys of its species,
    with the element-level anonymous formula (so that the two species of a
    mixed-valence element never match two different elements)."""
    roles = tuple(sorted(group_key(s, a) for s, a in comp))
    return roles, tuple(_element_amounts(comp))


def anonymous_formula(comp):
    """``AB2C4``-style anonymous formula (element amounts, ascending).

    Examples
    --------
    >>> anonymous_formula(((("Mg", 2), 1), (("Al", 3), 2), (("O", -2), 4)))
    'AB2C4'
    """
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(
        letters[i] + ("" if a == 1 else str(a))
        for i, a in enumerate(_element_amounts(comp))
    )


def best_assignment(F):
    """Best one-to-one matching of a square matrix of probabilities.

    Parameters
    ----------
    F : ndarray of shape (m, m)
        ``F[a, b]``: probability of matching target ``a`` to site ``b``.

    Returns
    -------
    columns : tuple of int
        The site matched to each target.
    product : float
        The product of the matched probabilities (0 when every matching
        has a zero).
    """
    m = len(F)
    if m <= MAX_PERMUTED:
        best, columns = -1.0, tuple(range(m))
        for perm in permutations(range(m)):
            prod = float(np.prod([F[a, b] for a, b in enumerate(perm)]))
            if prod > best:
                best, columns = prod, perm
        return columns, max(best, 0.0)
    with np.errstate(divide="ignore"):
        cost = -np.log(F)
    rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e6))
    total = cost[rows, cols].sum()
    return tuple(int(c) for c in cols), float(np.exp(-total)) if np.isfinite(
        total
    ) else 0.0


def best_products(F):
    """:func:`best_assignment`'s product for many matrices at once.

    Parameters
    ----------
    F : ndarray of shape (m, m, n)
        ``n`` matrices (one per template).

    Returns
    -------
    products : ndarray of shape (n,)
    """
    m, n = len(F), F.shape[2]
    if m == 1:
        return F[0, 0]
    if m <= MAX_PERMUTED:
        best = np.zeros(n)
        for perm in permutations(range(m)):
            prod = np.ones(n)
            for a, b in enumerate(perm):
                prod *= F[a, b]
            best = np.maximum(best, prod)
        return best
    return np.array([best_assignment(F[:, :, k])[1] for k in range(n)])


def match(parent, target, p):
    """Best matching of two compositions with the same :func:`signature`.

    Parameters
    ----------
    parent, target : tuple of ((element, charge), amount)
        Reduced species compositions.
    p : callable
        ``p(new, old)``: probability that species ``new`` replaces ``old``.

    Returns
    -------
    pairs : list of (old, new, p)
        The replaced species with the probability of each replacement.
    product : float
        The product of the ``p`` of the replaced species.

    Raises
    ------
    ValueError
        If the signatures differ.
    """
    if signature(parent) != signature(target):
        raise ValueError("the compositions have different anonymous formulas")
    olds, news = groups(parent), groups(target)
    pairs, product = [], 1.0
    for key, old in olds.items():
        new = news[key]
        F = np.array([[1.0 if o == t else _finite(p(t, o)) for o in old] for t in new])
        columns, _ = best_assignment(F)
        for a, b in sorted(enumerate(columns), key=lambda ab: ab[1]):
            if new[a] != old[b]:
                value = float(p(new[a], old[b]))
                pairs.append((old[b], new[a], value))
                product *= value
    return pairs, product


def _finite(value):
    return value if np.isfinite(value) else 0.0

"""Ionic species (element + oxidation state) of compositions.

Substitution-based structure prediction works on *species* rather than
elements: ``Fe2+`` and ``Fe3+`` are different sites.  This module turns the
inputs accepted by :class:`~sklearn_leafs.substitution.SubstitutionClassifier`
into reduced species compositions:

* a pymatgen ``Composition`` of oxidation-state decorated ``Species`` is used
  as it is;
* a formula string (or a ``Composition`` of plain elements) gets its
  oxidation states guessed with pymatgen's
  ``Composition.add_charges_from_oxi_state_guesses`` (common oxidation states
  first, then all known ones); mixed valence is split into species
  (``Fe3O4`` becomes ``Fe2+ Fe3+2 O2-4``);
* a mapping of species strings (``{"Ag+": 1, "Br-": 1}``) or of
  ``(element, charge)`` tuples to amounts.

It also ships SMACT's default oxidation-state list
(:func:`smact_oxidation_states`), which the SMACT-compatible protocol needs;
it is read from ``sklearn_leafs/data/smact_oxidation_states.csv``, generated
by ``scripts/build_oxidation_states.py``, so SMACT is not needed at run time.
"""

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from functools import cache, lru_cache
from importlib import resources
from itertools import product

from ._elements import ANION_FORMERS, atomic_number, is_element
from ._formula import _is_composition, item_amounts, parse_formula

#: SMACT's substitution tables (and the authors' Table 1 lambda tables) cover
#: the elements up to bismuth; species of heavier elements are not admissible
#: under ``oxidation_states="smact"``.
SMACT_MAX_Z = 83

_SPECIES_RE = re.compile(r"^([A-Z][a-z]?)(\d*)([+-])$")


@lru_cache(maxsize=1)
def smact_oxidation_states():
    """SMACT's default oxidation states of each element.

    Returns
    -------
    states : dict of str to tuple of int
        Element symbol to its oxidation states, for the elements that have
        any (He, Ne and Ar have none), in atomic-number order.

    References
    ----------
    .. [1] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
       Chemical Theory", J. Open Source Softw. 4, 1361 (2019).

    Examples
    --------
    >>> smact_oxidation_states()["Cs"]
    (-1, 1)
    >>> "He" in smact_oxidation_states()
    False
    """
    text = (
        resources.files("sklearn_leafs")
        .joinpath("data", "smact_oxidation_states.csv")
        .read_text()
    )
    states = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("element,"):
            continue
        element, values = line.split(",")
        states[element] = tuple(int(q) for q in values.split())
    return states


def parse_species(text):
    """Split a species string such as ``"Fe3+"`` into ``("Fe", 3)``.

    ``"Br-"`` means charge -1.  Neutral species are not species strings.

    Examples
    --------
    >>> parse_species("Fe3+"), parse_species("Br-")
    (('Fe', 3), ('Br', -1))
    """
    match = _SPECIES_RE.match(str(text).strip())
    if match is None or not is_element(match.group(1)):
        raise ValueError(
            f"{text!r} is not a species string such as 'Fe3+' or 'Br-' "
            "(element symbol, charge, sign)"
        )
    element, magnitude, sign = match.groups()
    charge = int(magnitude or 1)
    return element, charge if sign == "+" else -charge


def format_species(species):
    """Format an ``(element, charge)`` pair as a species string.

    Examples
    --------
    >>> format_species(("Fe", 3)), format_species(("Br", -1))
    ('Fe3+', 'Br-')
    """
    element, charge = species
    if charge == 0:
        return f"{element}0+"
    magnitude = "" if abs(charge) == 1 else str(abs(charge))
    return f"{element}{magnitude}{'+' if charge > 0 else '-'}"


def _from_composition(comp, original):
    amounts = {}
    for sp, amount in comp.items():
        element = getattr(sp, "symbol", str(sp))
        charge = getattr(sp, "oxi_state", None)
        if charge is None:
            return None
        if not math.isclose(charge, round(charge)):
            raise ValueError(
                f"{original!r}: non-integer oxidation state {charge} of {element}"
            )
        key = (element, int(round(charge)))
        amounts[key] = amounts.get(key, 0.0) + float(amount)
    return amounts


@lru_cache(maxsize=4096)
def _guess_cached(formula):
    from pymatgen.core import Composition

    comp = Composition(parse_formula(formula))
    for all_states in (False, True):
        try:
            decorated = comp.add_charges_from_oxi_state_guesses(
                all_oxi_states=all_states
            )
        except ValueError:
            continue
        if all(getattr(sp, "oxi_state", None) is not None for sp in decorated):
            amounts = _from_composition(decorated, formula)
            if amounts is not None and all(
                q != 0 or len(amounts) == 1 for (_, q) in amounts
            ):
                return tuple(sorted(amounts.items()))
    return None


def _from_mapping(item):
    amounts = {}
    for key, amount in item.items():
        if isinstance(key, tuple) and len(key) == 2:
            element, charge = str(key[0]), int(key[1])
            if not is_element(element):
                raise ValueError(f"unknown element {element!r} in {dict(item)!r}")
        else:
            element, charge = parse_species(str(key))
        amounts[(element, charge)] = amounts.get((element, charge), 0.0) + float(amount)
    return amounts


def species_amounts(item):
    """Species amounts of one composition-like item, guessing charges if needed.

    Parameters
    ----------
    item : str, pymatgen Composition or mapping
        A formula (oxidation states are guessed), a Composition (of
        ``Species`` or of plain elements, guessed), or a mapping from species
        strings or ``(element, charge)`` pairs to amounts.

    Returns
    -------
    amounts : dict or None
        ``(element, charge) -> amount``; None when no charge-balanced
        assignment of oxidation states exists.

    Raises
    ------
    ValueError
        If the item cannot be read as a composition.

    Examples
    --------
    >>> species_amounts("AgBr")
    {('Ag', 1): 1.0, ('Br', -1): 1.0}
    >>> species_amounts({"Fe3+": 2, "O2-": 3})
    {('Fe', 3): 2.0, ('O', -2): 3.0}
    """
    if isinstance(item, str):
        text = item.strip()
        if not text:
            raise ValueError("empty formula")
        try:
            guessed = _guess_cached(text)
        except ValueError as exc:
            raise ValueError(f"cannot read formula {item!r}: {exc}") from None
        return None if guessed is None else dict(guessed)
    if _is_composition(item):
        amounts = _from_composition(item, item)
        if amounts is not None:
            return amounts
        if any(not is_element(str(el)) for el in item.elements):
            raise ValueError(f"{item!r} holds a dummy species, not an element")
        guessed = _guess_cached(item.formula.replace(" ", ""))
        return None if guessed is None else dict(guessed)
    if isinstance(item, Mapping):
        return _from_mapping(item)
    raise ValueError(
        f"expected a formula string, a pymatgen Composition or a mapping of "
        f"species to amounts, got {item!r}"
    )


def reduced_species(amounts):
    """Reduce species amounts to their smallest integer ratio.

    Returns a tuple of ``((element, charge), amount)`` pairs with integer
    amounts, sorted by atomic number then charge, usable as a dictionary key:
    ``Li0.5Fe0.5`` and ``Li2Fe2`` both become ``Li1Fe1``.  Amounts are read
    as fractions with denominators up to 10000.

    Examples
    --------
    >>> reduced_species({("Mg", 2): 2.0, ("O", -2): 2.0})
    ((('O', -2), 1), (('Mg', 2), 1))
    >>> reduced_species({("Fe", 3): 0.4, ("O", -2): 0.6})
    ((('O', -2), 3), (('Fe', 3), 2))
    """
    fractions = {
        key: Fraction(float(a)).limit_denominator(10000)
        for key, a in amounts.items()
        if a > 0
    }
    if not fractions:
        raise ValueError("empty species composition")
    denominator = math.lcm(*(f.denominator for f in fractions.values()))
    integers = {k: int(f * denominator) for k, f in fractions.items()}
    divisor = math.gcd(*integers.values())
    return tuple(
        sorted(
            ((k, v // divisor) for k, v in integers.items()),
            key=lambda kv: (atomic_number(kv[0][0]), kv[0][1]),
        )
    )


# --------------------------------------------------------------------------
# Ionic roles
# --------------------------------------------------------------------------


_STRONG_ANION_FORMERS = frozenset(["N", "O", "F", "S", "Cl", "Se", "Br", "I"])


@cache
def _element_info(symbol):
    from pymatgen.core import Element

    el = Element(symbol)
    states = tuple(int(s) for s in el.common_oxidation_states) or (0,)
    chi = el.X if el.X == el.X else 0.0  # NaN for noble gases
    return states, float(chi)


def _species_signs(item):
    """Roles from an oxidation-state-decorated Composition, or None."""
    if not _is_composition(item):
        return None
    signs = {}
    for sp_ in item:
        oxi = getattr(sp_, "oxi_state", None)
        if oxi is None:
            return None
        el = str(sp_.element) if hasattr(sp_, "element") else str(sp_)
        role = "cation" if oxi > 0 else "anion" if oxi < 0 else "neutral"
        signs[el] = role
    return signs


def _balanced_roles(amounts):
    """Roles from the least charge-imbalanced assignment of common states.

    Every element takes one of pymatgen's common oxidation states. Assignments
    are ranked by (1) the absolute net charge per atom, (2) the number of
    element pairs where a more electronegative element is a cation while a
    less electronegative one is an anion, (3) the number of strong anion formers (N, O, F, S,
    Cl, Se, Br, I) in a positive state, and (4) the total absolute oxidation
    state; the best one decides the roles. Fractional amounts need no rounding.
    """
    els = list(amounts)
    infos = [_element_info(el) for el in els]
    total = sum(amounts.values())
    n_combos = math.prod(len(states) for states, _ in infos)
    if n_combos > 20000:
        return None
    best, best_key = None, None
    for combo in product(*(states for states, _ in infos)):
        net = abs(sum(amounts[el] * s for el, s in zip(els, combo))) / total
        if not (any(s < 0 for s in combo) and any(s > 0 for s in combo)):
            continue
        inversions = 0
        for i in range(len(els)):
            for j in range(len(els)):
                if infos[i][1] > infos[j][1] and combo[i] > 0 > combo[j]:
                    inversions += 1
        oxidised_formers = sum(
            1 for el, s in zip(els, combo) if s > 0 and el in _STRONG_ANION_FORMERS
        )
        key = (round(net, 6), inversions, oxidised_formers, sum(map(abs, combo)))
        if best_key is None or key < best_key:
            best, best_key = combo, key
    if best is None:
        return None
    return {
        el: "cation" if s > 0 else "anion" if s < 0 else "neutral"
        for el, s in zip(els, best)
    }


def _electronegativity_roles(amounts):
    """Fallback: the most electronegative element and anion formers above every
    metal are anions, everything else is a cation."""
    chis = {el: _element_info(el)[1] for el in amounts}
    top = max(chis, key=chis.get)
    roles = {}
    for el in amounts:
        anion = el == top or (el in ANION_FORMERS and chis[el] >= 2.5)
        roles[el] = "anion" if anion else "cation"
    return roles


@lru_cache(maxsize=1 << 16)
def _roles_cached(pairs):
    amounts = dict(pairs)
    roles = _balanced_roles(amounts)
    if roles is None or "anion" not in roles.values():
        roles = _electronegativity_roles(amounts)
    return tuple(roles.items())


def guess_roles(item):
    """Guess whether each element of a composition is a cation or an anion.

    The rules, in order:

    1. A pymatgen ``Composition`` of oxidation-state-decorated ``Species``
       gives its roles directly from the sign of each charge.
    2. Otherwise each element takes one of pymatgen's *common* oxidation
       states, and the assignment with the smallest net charge wins (ties go to
       the assignment in which no more electronegative element is a cation
       while a less electronegative one is an anion, then to keeping N, O, F,
       S, Cl, Se, Br and I negative, then to smaller absolute states). This works for non-integer
       amounts such as ``Li3.09BO2.53N0.52``, which pymatgen's own
       ``oxi_state_guesses`` rejects.
    3. If that yields no anion (e.g. intermetallics), the most electronegative
       element, and any of N, O, F, S, Cl, Se, Br, I... with Pauling
       electronegativity >= 2.5, are anions; all others are cations.

    Pure elements are ``"neutral"``. Pass roles explicitly to the featurizers
    when you know better.

    Parameters
    ----------
    item : str, Composition or mapping
        One composition.

    Returns
    -------
    roles : dict of str to {"cation", "anion", "neutral"}

    Examples
    --------
    >>> guess_roles("Li3PO4")
    {'Li': 'cation', 'P': 'cation', 'O': 'anion'}
    >>> guess_roles("Li3.09BO2.53N0.52")
    {'Li': 'cation', 'B': 'cation', 'O': 'anion', 'N': 'anion'}
    """
    decorated = _species_signs(item)
    if decorated is not None:
        return decorated
    amounts = item_amounts(item)
    if len(amounts) == 1:
        return dict.fromkeys(amounts, "neutral")
    return dict(_roles_cached(tuple(amounts.items())))

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
from functools import lru_cache
from importlib import resources

from .composition import parse_formula
from .elements import atomic_number, is_element

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


def _is_composition(obj):
    return type(obj).__name__ == "Composition" and hasattr(obj, "element_composition")


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

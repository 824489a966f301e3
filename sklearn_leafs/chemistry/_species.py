"""Species names: the grammar of ``"Ti4+"``, ``"O2-"``, ``"Br-"`` and ``"K0+"``.

A species is an element with an integer oxidation state, written as pymatgen
writes it (``Species.from_str``): the element symbol, the magnitude of the
charge (left out when it is 1) and its sign; a neutral (metallic) atom is
``"K0+"``.  This module reads and writes such names, reads mappings keyed by
them, and reduces species amounts to integer ratios.  It is plain Python
(no numpy, no pymatgen), so reading a species name stays cheap; the
oxidation-state model that *guesses* species lives in
:mod:`sklearn_leafs.chemistry._oxidation`.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from numbers import Real

from ._elements import atomic_number, is_element

__all__ = [
    "parse_species",
    "is_species",
    "format_species",
    "charge_sign",
    "species_mapping_amounts",
    "is_species_mapping",
    "reduced_species",
    "decimal_exponent",
    "MAX_DENOMINATOR",
]

#: Largest denominator used to scale fractional amounts to integers.
MAX_DENOMINATOR = 10_000

_SPECIES_RE = re.compile(r"^([A-Z][a-z]?)(\d*)([+-])$")


def parse_species(text):
    """Split a species string such as ``"Fe3+"`` into ``("Fe", 3)``.

    Species strings are read as pymatgen writes them (``Species.from_str``):
    ``"Br-"`` means charge -1 and ``"K0+"`` is neutral (metallic) potassium.

    Raises
    ------
    ValueError
        If the text is not an element symbol followed by a charge and a sign,
        or the charge is not an integer.

    Examples
    --------
    >>> parse_species("Fe3+"), parse_species("Br-"), parse_species("K0+")
    (('Fe', 3), ('Br', -1), ('K', 0))
    """
    text = str(text).strip()
    match = _SPECIES_RE.match(text)
    if match is None or not is_element(match.group(1)):
        raise ValueError(
            f"{text!r} is not a species string such as 'Fe3+', 'Br-' or 'K0+' "
            "(element symbol, integer charge, sign)"
        )
    element, magnitude, sign = match.groups()
    charge = 1 if magnitude == "" else int(magnitude)
    return element, charge if sign == "+" else -charge


def is_species(text):
    """True when ``text`` is a species string such as ``"Ti4+"`` or ``"K0+"``.

    Examples
    --------
    >>> is_species("Ti4+"), is_species("Ti"), is_species("Ti4")
    (True, False, False)
    """
    try:
        parse_species(text)
    except ValueError:
        return False
    return True


def format_species(species):
    """Format an ``(element, charge)`` pair as pymatgen prints the species.

    Examples
    --------
    >>> format_species(("Fe", 3)), format_species(("Br", -1)), format_species(("K", 0))
    ('Fe3+', 'Br-', 'K0+')
    """
    element, charge = species
    charge = int(charge)
    if charge == 0:
        return f"{element}0+"
    magnitude = "" if abs(charge) == 1 else str(abs(charge))
    return f"{element}{magnitude}{'+' if charge > 0 else '-'}"


def charge_sign(charge):
    """The sign of a charge or oxidation state: 1, -1 or 0.

    Examples
    --------
    >>> charge_sign(3), charge_sign(-0.5), charge_sign(0)
    (1, -1, 0)
    """
    return (charge > 0) - (charge < 0)


def is_species_mapping(item):
    """True when a mapping is keyed by species (``"Fe3+"`` or ``("Fe", 3)``).

    Examples
    --------
    >>> is_species_mapping({"Fe3+": 2, "O2-": 3}), is_species_mapping({"Fe": 2})
    (True, False)
    """
    return any(
        isinstance(k, tuple) or (isinstance(k, str) and _SPECIES_RE.match(k.strip()))
        for k in item
    )


def species_mapping_amounts(item):
    """``(element, charge) -> amount`` of a mapping keyed by species.

    Keys are species strings (``"Fe3+"``) or ``(element, charge)`` pairs;
    amounts of the same species are summed.

    Raises
    ------
    ValueError
        For a key that is not a species, an unknown element, or an amount
        that is missing, not a real number, negative or not finite.

    Examples
    --------
    >>> species_mapping_amounts({"Fe3+": 2, ("O", -2): 3})
    {('Fe', 3): 2.0, ('O', -2): 3.0}
    """
    amounts = {}
    for key, amount in item.items():
        if isinstance(key, tuple) and len(key) == 2:
            element = str(key[0])
            try:
                charge = int(key[1])
            except (TypeError, ValueError, OverflowError):
                raise ValueError(
                    f"charge {key[1]!r} of {element} is not an integer"
                ) from None
            if charge != key[1]:
                raise ValueError(f"charge {key[1]!r} of {element} is not an integer")
            if not is_element(element):
                raise ValueError(f"unknown element {element!r} in {dict(item)!r}")
        else:
            element, charge = parse_species(str(key))
        value = _species_amount(element, charge, amount)
        amounts[(element, charge)] = amounts.get((element, charge), 0.0) + value
    return amounts


def _species_amount(element, charge, amount):
    """The float amount of a species, or a ValueError naming it."""
    name = format_species((element, charge))
    if amount is None or type(amount).__name__ in ("NAType", "NaTType"):
        raise ValueError(f"missing amount ({amount!r}) of {name}")
    if isinstance(amount, bool) or not isinstance(amount, Real):
        kind = "complex" if isinstance(amount, complex) else type(amount).__name__
        raise ValueError(f"amount of {name} is {amount!r} ({kind}), not a real number")
    value = float(amount)
    if math.isnan(value):
        raise ValueError(f"missing amount ({amount!r}) of {name}")
    if value < 0 or not math.isfinite(value):
        raise ValueError(
            f"amount of {name} is {amount!r}; amounts must be finite and not negative"
        )
    return value


def decimal_exponent(amounts):
    """The power of ten that brings the smallest positive amount into [1, 10).

    Integer formulas are searched on amounts scaled by ``10 ** k``, so that a
    formula scaled by any power of ten (``Na0.00001Cl0.00001``,
    ``Fe1e308Ni1e308``) reads as its reduced form, decimal digits as typed
    are kept, and a trace amount (``Li0.00001CoO2``) is not rounded to zero.
    Formulas whose smallest amount is already in [1, 10) have ``k = 0``.

    Examples
    --------
    >>> decimal_exponent([0.00001, 2]), decimal_exponent([3, 12]), decimal_exponent([1e308])
    (5, 0, -308)
    """
    smallest = min(float(a) for a in amounts if a > 0)
    k = -math.floor(math.log10(smallest))
    # log10 can be off by one at exact powers of ten
    while Fraction(smallest) * Fraction(10) ** k < 1:
        k += 1
    while Fraction(smallest) * Fraction(10) ** k >= 10:
        k -= 1
    return k


def reduced_species(amounts):
    """Reduce species amounts to their smallest integer ratio.

    Returns a tuple of ``((element, charge), amount)`` pairs with integer
    amounts, sorted by atomic number then charge, usable as a dictionary key:
    ``Li0.5Fe0.5`` and ``Li2Fe2`` both become ``Li1Fe1``, and so does the
    same formula scaled by any positive factor.  The ratio of each amount to
    the smallest is read as a fraction with denominator up to 10000 (exact
    arithmetic, so no amount overflows or rounds to zero: a trace amount
    keeps its element).

    Raises
    ------
    ValueError
        If no amount is positive, or an amount is not finite.

    Examples
    --------
    >>> reduced_species({("Mg", 2): 2.0, ("O", -2): 2.0})
    ((('O', -2), 1), (('Mg', 2), 1))
    >>> reduced_species({("Fe", 3): 0.4, ("O", -2): 0.6})
    ((('O', -2), 3), (('Fe', 3), 2))
    >>> reduced_species({("Na", 1): 1e-5, ("Cl", -1): 1e-5})
    ((('Na', 1), 1), (('Cl', -1), 1))
    """
    positive = {key: float(a) for key, a in amounts.items() if a > 0}
    if not positive:
        raise ValueError("empty species composition")
    if not all(math.isfinite(a) for a in positive.values()):
        raise ValueError(f"non-finite species amount in {dict(amounts)!r}")
    smallest = Fraction(min(positive.values()))
    fractions = {
        key: (Fraction(a) / smallest).limit_denominator(MAX_DENOMINATOR)
        for key, a in positive.items()
    }
    denominator = math.lcm(*(f.denominator for f in fractions.values()))
    integers = {k: int(f * denominator) for k, f in fractions.items()}
    divisor = math.gcd(*integers.values())
    return tuple(
        sorted(
            ((k, v // divisor) for k, v in integers.items()),
            key=lambda kv: (atomic_number(kv[0][0]), kv[0][1]),
        )
    )

"""One model of oxidation states, species and ionic roles for every composition.

Every part of the package that needs charges (the roles of
:class:`~sklearn_leafs.featurizers.LiCationFeaturizer`, the species of
:class:`~sklearn_leafs.substitution.SubstitutionClassifier`, the species of
the similarity functions and of the command line) asks
:func:`guess_oxidation_states`, so a composition has one set of cations and
anions everywhere.  :func:`species_amounts` and :func:`guess_roles` are views
of the same guess.

The rule
--------
A pymatgen ``Composition`` of oxidation-state decorated ``Species`` and a
mapping of species strings (``{"Ag+": 1, "Br-": 1}``) are used as given
(rule ``"given"``); a single element is neutral (rule ``"element"``).
Otherwise the amounts are first scaled to the smallest integer formula with
pymatgen's ``Composition.get_integer_formula_and_factor`` (so
``Li6.25Al0.25La3Zr2O12`` is searched as ``Li25La12Zr8AlO48``) and the first
step of this ladder that finds a charge-balanced assignment decides:

1. ``"common"``: every atom of an element takes the same state from
   pymatgen's ``Element.common_oxidation_states`` (``Ca2+ C-`` for CaC2,
   ``Li+ B3+ H-`` for LiBH4);
2. ``"icsd-mixed"``: mixed valence over pymatgen's ICSD lists
   (``Element.icsd_oxidation_states``, else the common ones): the
   element-averaged states of pymatgen's ``Composition.oxi_state_guesses``
   in its own ranking; an integer average is the element's state, and a
   non-integer one is split between the two neighbouring states of the
   list, both of the same sign (``Fe3O4`` is ``Fe2+ Fe3+2 O2-4``,
   ``CoAs3`` is ``Co3+ As-3``).  When pymatgen's enumeration would be too
   large (:data:`MIXED_VALENCE_MAX_WORK`), one element is split between two
   neighbouring same-sign states and the others take one state each, found
   by dynamic programming (``Li0.33CoO2`` is ``Li+ Co3+0.33 Co4+0.67 O2-2``);
3. ``"near-balanced"``: the common states leave at most
   :data:`NEAR_BALANCE_TOLERANCE` e per atom (typed formulas of doped
   compounds such as ``Li4Al0.33Si0.33P0.33O4``, whose rounded amounts are not
   exactly balanced): roles from those states, no species;
4. ``"icsd"``, 5. ``"all"`` and 6. ``"all-mixed"``: one state per element
   from the ICSD lists, then from every known state
   (``Element.oxidation_states``, e.g. ``O2+ F-`` for OF2 and ``Cs+ Au-``),
   then mixed valence over every known state;
7. ``"fractional"``: a balanced solution exists only with an element whose
   average state is not an integer and cannot be split into same-sign states
   (the azide N in NaN3 at -1/3, the superoxide O in KO2 at -1/2).  Roles follow the sign of the average; there are no integer
   species (the guess names this reason);
8. ``"metallic"``: a composition of metals only (no element of
   :data:`NON_METALS`) that none of steps 1-6 balances, an intermetallic such
   as CuZn, Cu3Al, MgZn2 or LaNi5: every element is ``"neutral"`` (metallic
   bonding; IUPAC gives metals in alloys oxidation state 0) and there are no
   ionic species;
9. ``"electronegativity"``: nothing is balanced and a non-metal is present
   (borides such as MgB2, AlB2, TiB2 and CaB6, whose boron networks have no
   integer formal state in pymatgen's lists, which give B no negative state
   but -3): the most electronegative element and the anion formers with
   Pauling electronegativity >= 2.5 are anions, every other element is a
   cation; there are no species.

Borides, carbides and intermetallics
------------------------------------
Carbides balance with carbon's negative states (pymatgen lists -4 to -1):
``Si4+ C4-`` for SiC, ``Al3+ C4-`` for Al4C3, the acetylide ``Ca2+ C-`` for
CaC2.  Borides are left without species rather than given invented ones:
MgB2 and AlB2 (graphite-like B layers), TiB2 and CaB6 (B6 clusters at -1/3
per B) take the electronegativity roles, metal cation and B anion.  A
composition of metals only is metallic (all neutral) when nothing over the
common and ICSD lists and every known state balances it; intermetallics that
*do* balance with every known state (``Fe2- Ni2+`` for FeNi, ``Hf4+ W2-`` for
HfW2) keep those species here, where the substitution protocols of Table 1
use them, while the site model (:func:`sklearn_leafs.environments.site_oxidation_states`)
keeps their sites metallic; Zintl phases and aurides with an s-block cation
balance over the common or known lists (``Mg2+ Si4-``, ``Cs+ Au-``).

Within a step, assignments that respect electronegativity come first: no
element is positive while an element more electronegative by more than 0.1
(Pauling) is negative, the IUPAC definition of an oxidation state (bonding
electrons go to the more electronegative partner).  Only the steps over the
common states (``"common"`` and ``"near-balanced"`` below) use the others,
and only when they have no such assignment (``Pb2+ Te2-`` although
Pauling's value for Pb, 2.33, is above Te's 2.1).  Zero states are not
used in compounds.  Among the admissible assignments of a uniform step, the
one with the highest pymatgen ICSD occurrence score wins (pymatgen's own
score: the sum over atoms of how often the species occurs in the ICSD), ties
going to the smaller total absolute charge.  The uniform steps are solved by
dynamic programming over the net charge, so they answer in milliseconds even
for formulas with thousands of atoms; the mixed-valence steps call pymatgen
only when its enumeration is small (:data:`MIXED_VALENCE_MAX_WORK`).  Every
formula answers in well under a second.

The role of an element is the sign of its (average) oxidation state:
``"cation"``, ``"anion"`` or, for a pure element, ``"neutral"``.

The dynamic-programming searches are in
:mod:`sklearn_leafs.chemistry._charge_balance`, the species-name grammar
(``"Ti4+"``) in :mod:`sklearn_leafs.chemistry._species`; the state lists of the elements
(pymatgen's, and SMACT's default list of the SMACT-compatible protocol) are
in :mod:`sklearn_leafs.chemistry._state_lists`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from ._charge_balance import (
    ELECTRONEGATIVITY_TOLERANCE,  # noqa: F401 (documented constant of the model)
    UNIFORM_MAX_RANGE,  # noqa: F401
    _electronegativity_ok,
    _one_split_best,
    _uniform_best,
)
from ._elements import ANION_FORMERS, is_element
from ._formula import _is_composition, item_amounts

# format_species, parse_species, reduced_species, SMACT_MAX_Z,
# oxidation_state_set and smact_oxidation_states lived here before the
# species grammar and the state lists moved out; they stay importable from
# here until no importer (other branches included) uses the old home.
from ._species import (  # noqa: F401
    MAX_DENOMINATOR,
    decimal_exponent,
    format_species,
    is_species_mapping,
    parse_species,
    reduced_species,
    species_mapping_amounts,
)
from ._species import charge_sign as _sign
from ._state_lists import (  # noqa: F401
    SMACT_MAX_Z,
    _element_info,
    _occurrence,
    oxidation_state_set,
    smact_oxidation_states,
)

__all__ = [
    "OxidationStateGuess",
    "guess_oxidation_states",
    "guess_roles",
    "species_amounts",
]

#: Largest pymatgen ``oxi_state_guesses`` enumeration (site combinations
#: summed over elements, plus the product of the numbers of element sums)
#: the mixed-valence steps give to pymatgen (measured: up to about 0.3 s at
#: this size on a loaded machine); beyond it the package's own search splits
#: one element between two neighbouring states and keeps the others uniform.
MIXED_VALENCE_MAX_WORK = 20_000

#: Largest net charge per atom (in e) of the ``"near-balanced"`` step, for
#: typed formulas of doped or non-stoichiometric compounds whose rounded
#: amounts leave a small residual charge with the common states.
NEAR_BALANCE_TOLERANCE = 0.1

#: Non-metals and metalloids (the elements that form anions of Zintl phases,
#: and the noble gases): a composition of none of them is an intermetallic.
NON_METALS = ANION_FORMERS | frozenset(
    ["He", "Ne", "Ar", "Kr", "Xe", "Rn", "Ge", "Sb", "At", "Ts", "Og"]
)


# --------------------------------------------------------------------------
# The guess
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class OxidationStateGuess:
    """Oxidation states of one composition, and which rule decided them.

    Attributes
    ----------
    species : dict or None
        ``(element, charge) -> amount`` (amounts as in the input); None when
        the composition has no integer charge-balanced species (rules
        ``"near-balanced"``, ``"fractional"``, ``"metallic"`` and
        ``"electronegativity"``).
    mean_states : dict or None
        Element -> average oxidation state (a float); None under the
        metallic and electronegativity rules.
    roles : dict
        Element -> ``"cation"``, ``"anion"`` or ``"neutral"``: the sign of
        the average state (or the metallic or electronegativity rule).
    rule : str
        ``"given"``, ``"element"``, ``"common"``, ``"icsd-mixed"``,
        ``"near-balanced"``, ``"icsd"``, ``"all"``, ``"all-mixed"``,
        ``"fractional"``, ``"metallic"`` or ``"electronegativity"``; see
        :mod:`sklearn_leafs.chemistry._oxidation`.
    reason : str or None
        Why there are no species (or why a step was skipped), in words.
    integer_formula : dict
        The integer formula that was searched (element -> count).

    Examples
    --------
    >>> guess = guess_oxidation_states("Li6.25Al0.25La3Zr2O12")
    >>> guess.rule, guess.integer_formula
    ('common', {'Li': 25, 'Al': 1, 'La': 12, 'Zr': 8, 'O': 48})
    >>> guess_oxidation_states("MgB2").reason
    'no charge-balanced oxidation states could be guessed'
    >>> guess_oxidation_states("CuZn").roles
    {'Cu': 'neutral', 'Zn': 'neutral'}
    """

    species: dict | None
    mean_states: dict | None
    roles: dict
    rule: str
    reason: str | None = None
    integer_formula: dict = field(default_factory=dict)


def _mixed_work(counts, which):
    work, sums = 0, 1
    for el, a in counts:
        s = len(_element_info(el)[0][which])
        if s == 0:
            return 0
        work += math.comb(a + s - 1, s - 1) * a
        sums *= (
            a * (max(_element_info(el)[0][which]) - min(_element_info(el)[0][which]))
            + 1
        )
    return work + sums


def _split(element, amount, mean, states):
    """Split an element of average state ``mean`` between the two neighbouring
    states of its list, both of the sign of ``mean``; None if impossible."""
    total = round(mean * amount)
    lower = [q for q in states if q < mean]
    upper = [q for q in states if q > mean]
    if not lower or not upper:
        return None
    q1, q2 = max(lower), min(upper)
    if _sign(q1) != _sign(q2) or q1 == 0 or q2 == 0:
        return None
    c2, rest = divmod(total - amount * q1, q2 - q1)
    if rest or not 0 < c2 < amount:
        return None
    return {q1: amount - c2, q2: c2}


def _mixed_solutions(counts, which):
    """pymatgen's element-averaged solutions, best first (electronegativity
    order checked): list of ``{element: mean}``."""
    from pymatgen.core import Composition

    comp = Composition(dict(counts))
    sols = comp.oxi_state_guesses(all_oxi_states=(which == "all"))
    out = []
    for sol in sols:
        means = {el: float(sol[el]) for el, _ in counts}
        if any(m == 0 for m in means.values()):
            continue
        if _electronegativity_ok({el: _sign(m) for el, m in means.items()}):
            out.append(means)
    return out


def _electronegativity_roles(elements):
    """Fallback: the most electronegative element and anion formers above every
    metal are anions, everything else is a cation."""
    chis = {el: _element_info(el)[1] for el in elements}
    top = max(chis, key=chis.get)
    roles = {}
    for el in elements:
        anion = el == top or (el in ANION_FORMERS and chis[el] >= 2.5)
        roles[el] = "anion" if anion else "cation"
    return roles


def _roles_of_means(means):
    return {
        el: "cation" if m > 0 else "anion" if m < 0 else "neutral"
        for el, m in means.items()
    }


#: Largest integer-formula count searched: beyond it (amounts spanning more
#: than about 15 orders of magnitude, such as ``Li1e-12Co1e300``) the counts
#: are not representable in floating point and no charge balance is searched.
MAX_COUNT = 1e15


#: Amounts between these bounds are searched as typed (pymatgen reads them to
#: 1/MAX_DENOMINATOR, so a typed doping level such as Li6.2499 is read as
#: 25/4); a formula with an amount outside them is first scaled by a power
#: of ten that brings its smallest amount into [1, 10).
ORDINARY_AMOUNTS = (1e-3, 1e6)


def _integer_counts(amounts):
    """Smallest integer formula and its factor (amount = count x factor).

    pymatgen's ``get_integer_formula_and_factor`` (amounts read to
    1/:data:`MAX_DENOMINATOR`), on the amounts as typed when they lie within
    :data:`ORDINARY_AMOUNTS`, else scaled by the power of ten that brings the
    smallest into [1, 10) (:func:`._species.decimal_exponent`): a formula
    scaled far up or down (``Li1e-12Co1e-12O2e-12``, ``Fe1e308Ni1e308``)
    reads as its reduced form, and a trace amount is kept, not rounded to
    zero (``Li0.00001CoO2`` is ``Li1Co100000O200000``).  Raises
    OverflowError when the amounts span more than :data:`MAX_COUNT`.
    """
    from pymatgen.core import Composition

    smallest, largest = min(amounts.values()), max(amounts.values())
    if math.log10(largest) - math.log10(smallest) > math.log10(MAX_COUNT):
        raise OverflowError(
            f"amounts span more than {math.log10(MAX_COUNT):.0f} orders of "
            "magnitude; no integer formula to search"
        )
    low, high = ORDINARY_AMOUNTS
    exponents = [decimal_exponent(amounts.values())]
    if low <= smallest and largest <= high:
        exponents.insert(0, 0)  # as typed first
    for k in exponents:
        comp = Composition({el: a * 10.0**k for el, a in amounts.items()})
        with warnings.catch_warnings():  # pymatgen sorts noble gases by their NaN
            warnings.filterwarnings("ignore", message="No Pauling electronegativity")
            formula, factor = comp.get_integer_formula_and_factor(
                max_denominator=MAX_DENOMINATOR
            )
        integer = Composition(formula)
        counts = {str(el): int(round(integer[el])) for el in comp.elements}
        if all(c >= 1 for c in counts.values()):
            return counts, float(factor) / 10.0**k
    raise OverflowError(f"an amount rounds to zero in the integer formula {formula}")


def _amount(count, total_count, amount):
    """Input amount of ``count`` of an element's ``total_count`` atoms (to 12
    significant digits, so that tiny and huge amounts keep their scale)."""
    return float(f"{amount * count / total_count:.12g}")


def _mixed(counts_t, counts, amounts, factor, which, notes):
    """Mixed-valence step over list ``which``: a guess or None."""
    work = _mixed_work(counts_t, which)
    if work == 0:
        return None
    if work > MIXED_VALENCE_MAX_WORK:
        try:
            split = _one_split_best(counts_t, which)
        except OverflowError as exc:
            notes.append(f"{which}-mixed search skipped ({exc})")
            return None
        if split is None:
            return None
        species, means = {}, {}
        for el, parts in split.items():
            for q, c in parts.items():
                species[(el, q)] = _amount(c, counts[el], amounts[el])
            means[el] = sum(q * c for q, c in parts.items()) / counts[el]
        return OxidationStateGuess(
            species, means, _roles_of_means(means), f"{which}-mixed", None, counts
        )
    for means in _mixed_solutions(counts_t, which):
        species = {}
        for el, mean in means.items():
            if float(mean).is_integer():
                species[(el, int(mean))] = amounts[el]
                continue
            parts = _split(el, counts[el], mean, _element_info(el)[0][which])
            if parts is None:
                break
            for q, c in parts.items():
                species[(el, q)] = _amount(c, counts[el], amounts[el])
        else:
            return OxidationStateGuess(
                species, means, _roles_of_means(means), f"{which}-mixed",
                None, counts,
            )  # fmt: skip
    return None


def _uniform(counts_t, counts, amounts, which, notes, tolerance=0.0):
    """Uniform step over list ``which``: a guess or None."""
    try:
        found = _uniform_best(counts_t, which, tolerance)
        if found is None and which == "common":
            found = _uniform_best(counts_t, which, tolerance, consistent=False)
    except OverflowError as exc:
        notes.append(f"{which} search skipped ({exc})")
        return None
    if found is None:
        return None
    states, net = found
    means = {el: float(q) for el, q in states.items()}
    if net == 0:
        species = {(el, q): amounts[el] for el, q in states.items()}
        return OxidationStateGuess(
            species, means, _roles_of_means(means), which, None, counts
        )
    per_atom = net / sum(counts.values())
    return OxidationStateGuess(
        None, means, _roles_of_means(means), "near-balanced",
        f"not charge-balanced: common oxidation states leave {per_atom:+.3f} "
        "e per atom; roles from them, no species",
        counts,
    )  # fmt: skip


@lru_cache(maxsize=1 << 16)
def _guess_amounts(pairs):
    """The guess for ``((element, amount), ...)`` with positive amounts."""
    amounts = dict(pairs)
    elements = list(amounts)
    if len(elements) == 1:
        (el,) = elements
        return OxidationStateGuess(
            {(el, 0): amounts[el]}, {el: 0.0}, {el: "neutral"}, "element"
        )
    try:
        counts, factor = _integer_counts(amounts)
    except OverflowError as exc:
        if all(el not in NON_METALS for el in elements):
            return _metallic(elements, {}, str(exc))
        return OxidationStateGuess(
            None, None, _electronegativity_roles(elements), "electronegativity",
            f"no charge-balanced oxidation states could be guessed ({exc})",
            {},
        )  # fmt: skip
    counts_t = tuple((el, counts[el]) for el in elements)
    notes = []
    steps = (
        lambda: _uniform(counts_t, counts, amounts, "common", notes),
        lambda: _mixed(counts_t, counts, amounts, factor, "icsd", notes),
        lambda: _uniform(
            counts_t, counts, amounts, "common", notes, NEAR_BALANCE_TOLERANCE
        ),
        lambda: _uniform(counts_t, counts, amounts, "icsd", notes),
        lambda: _uniform(counts_t, counts, amounts, "all", notes),
        lambda: _mixed(counts_t, counts, amounts, factor, "all", notes),
    )
    for step in steps:
        guess = step()
        if guess is not None:
            return guess
    if all(el not in NON_METALS for el in elements):
        return _metallic(elements, counts)
    for which in ("icsd", "all"):
        work = _mixed_work(counts_t, which)
        if work == 0 or work > MIXED_VALENCE_MAX_WORK:
            continue
        solutions = _mixed_solutions(counts_t, which)
        if solutions:
            means = solutions[0]
            odd = ", ".join(
                f"{el} {Fraction(m).limit_denominator(1000)}"
                for el, m in means.items()
                if not float(m).is_integer()
            )
            return OxidationStateGuess(
                None, means, _roles_of_means(means), "fractional",
                f"fractional average oxidation state ({odd}) with no same-sign "
                "integer split; no integer species",
                counts,
            )  # fmt: skip
    reason = "no charge-balanced oxidation states could be guessed"
    if notes:
        reason += " (" + "; ".join(notes) + ")"
    return OxidationStateGuess(
        None, None, _electronegativity_roles(elements), "electronegativity", reason,
        counts,
    )  # fmt: skip


def _metallic(elements, counts, note=None):
    """The guess of a composition of metals that no step balances."""
    reason = (
        "intermetallic: only metals and no charge-balanced oxidation states; "
        "metallic bonding, every element neutral (no ionic species)"
    )
    if note:
        reason += f" ({note})"
    return OxidationStateGuess(
        None, None, dict.fromkeys(elements, "neutral"), "metallic", reason, counts
    )


def _decorated(item):
    """``(element, charge) -> amount`` of a Composition of Species, else None."""
    amounts = {}
    for sp, amount in item.items():
        charge = getattr(sp, "oxi_state", None)
        if charge is None:
            return None
        element = getattr(sp, "symbol", str(sp))
        if not math.isclose(charge, round(charge)):
            raise ValueError(
                f"{item!r}: non-integer oxidation state {charge} of {element}"
            )
        key = (element, int(round(charge)))
        amounts[key] = amounts.get(key, 0.0) + float(amount)
    return amounts


def _given(species):
    totals, charge = {}, {}
    for (el, q), a in species.items():
        totals[el] = totals.get(el, 0.0) + a
        charge[el] = charge.get(el, 0.0) + q * a
    means = {el: charge[el] / totals[el] for el in totals}
    roles = _roles_of_means(means)
    if len(totals) == 1:
        roles = dict.fromkeys(totals, "neutral")
    return OxidationStateGuess(dict(species), means, roles, "given")


def guess_oxidation_states(item):
    """Oxidation states, species and roles of one composition.

    Parameters
    ----------
    item : str, pymatgen Composition or mapping
        A formula (states are guessed), a Composition of ``Species`` (used as
        given) or of elements (guessed), a mapping of species strings or
        ``(element, charge)`` pairs to amounts (given), or a mapping of
        element symbols to amounts (guessed).

    Returns
    -------
    OxidationStateGuess
        Species, average states, roles, the rule that decided and, when
        there are no species, the reason.  Answers in well under a second for
        any formula (see the module docstring for the rule and its bounds).

    Raises
    ------
    ValueError
        If the item cannot be read as a composition.

    Examples
    --------
    >>> guess = guess_oxidation_states("Fe3O4")
    >>> guess.rule, sorted(guess.species.items())
    ('icsd-mixed', [(('Fe', 2), 1.0), (('Fe', 3), 2.0), (('O', -2), 4.0)])
    >>> guess = guess_oxidation_states("NaN3")
    >>> guess.rule, guess.roles, guess.species
    ('fractional', {'Na': 'cation', 'N': 'anion'}, None)
    """
    if _is_composition(item):
        decorated = _decorated(item)
        if decorated is not None:
            return _given(decorated)
        if any(not is_element(str(el)) for el in item.elements):
            raise ValueError(f"{item!r} holds a dummy species, not an element")
    elif isinstance(item, Mapping) and item and is_species_mapping(item):
        return _given(species_mapping_amounts(item))
    elif isinstance(item, str) and not item.strip():
        raise ValueError("empty formula")
    try:
        amounts = item_amounts(item)
    except ValueError as exc:
        if isinstance(item, str):
            raise ValueError(f"cannot read formula {item!r}: {exc}") from None
        raise
    pairs = tuple((el, float(a)) for el, a in amounts.items() if a > 0)
    if not pairs:
        raise ValueError(f"composition {item!r} is empty")
    return _guess_amounts(pairs)


def species_amounts(item):
    """Species amounts of one composition-like item, guessing charges if needed.

    A view of :func:`guess_oxidation_states`.

    Parameters
    ----------
    item : str, pymatgen Composition or mapping
        A formula (oxidation states are guessed), a Composition (of
        ``Species`` or of plain elements, guessed), or a mapping from species
        strings or ``(element, charge)`` pairs to amounts.

    Returns
    -------
    amounts : dict or None
        ``(element, charge) -> amount``; None when no integer charge-balanced
        species exist (the guess's ``reason`` says why).

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
    species = guess_oxidation_states(item).species
    return None if species is None else dict(species)


def guess_roles(item):
    """Whether each element of a composition is a cation, an anion or neutral.

    The sign of the element's average oxidation state in
    :func:`guess_oxidation_states` (given charges first, then the
    charge-balanced ladder of the module docstring, then the
    electronegativity rule when nothing is balanced).  Pure elements are
    ``"neutral"``.  Pass roles explicitly to the featurizers when you know
    better.

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
    >>> guess_roles("OF2")
    {'O': 'cation', 'F': 'anion'}
    """
    return dict(guess_oxidation_states(item).roles)

"""Oxidation-state lists of the elements, from SMACT and pymatgen.

- :func:`smact_oxidation_states`: SMACT's default list, read from the CSV the
  package ships (``scripts/build_oxidation_states.py`` writes it), so SMACT
  is not needed at run time;
- :func:`oxidation_state_set`: the named sets admitted as substitution
  candidates (``"smact"``, ``"icsd"``);
- ``_element_info``: pymatgen's common, ICSD and every known state of an
  element and its Pauling electronegativity, and ``_occurrence``: pymatgen's
  ICSD occurrence counts of species, the data of the oxidation-state model
  (:mod:`sklearn_leafs.chemistry._oxidation`).

pymatgen is imported only when a pymatgen list is first asked for.
"""

from __future__ import annotations

import warnings
from functools import cache, lru_cache
from importlib import resources

from .._citations import cite
from ._elements import ELEMENTS, atomic_number

__all__ = ["smact_oxidation_states", "oxidation_state_set", "SMACT_MAX_Z"]

#: SMACT's substitution tables (and the authors' Table 1 lambda tables) cover
#: the elements up to bismuth; species of heavier elements are not admissible
#: under ``oxidation_states="smact"``.
SMACT_MAX_Z = 83


@cite
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
    .. [1] {cite:smact2019}.

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


@cite
@cache
def oxidation_state_set(name):
    """The oxidation states admitted as substitution candidates by a named set.

    Parameters
    ----------
    name : {"smact", "icsd"}
        ``"smact"``: SMACT's default list (:func:`smact_oxidation_states`) for
        the elements up to Bi (``SMACT_MAX_Z``), the set of the Table 1
        protocol.  ``"icsd"``: the non-zero states pymatgen lists as observed
        in the ICSD (``Element.icsd_oxidation_states``, from the bond-valence
        statistics of O'Keeffe and Brese); narrower, it leaves out formal
        states such as Hf3+, Zr2+, N2- or C2- that SMACT's list allows.

    Returns
    -------
    states : dict of str to tuple of int
        Element symbol to its admitted states (elements with none absent).

    Raises
    ------
    ValueError
        For another name.

    References
    ----------
    .. [1] {cite:smact2019}.
    .. [2] {cite:ong2013}.

    Examples
    --------
    >>> oxidation_state_set("icsd")["Hf"]
    (4,)
    >>> 3 in oxidation_state_set("smact")["Hf"]
    True
    >>> "Po" in oxidation_state_set("smact")  # beyond Bi
    False
    """
    if name == "smact":
        return {
            el: states
            for el, states in smact_oxidation_states().items()
            if atomic_number(el) <= SMACT_MAX_Z
        }
    if name == "icsd":
        from pymatgen.core import Element

        out = {}
        for el in ELEMENTS:
            states = Element(el).icsd_oxidation_states or ()
            states = tuple(sorted(int(q) for q in states if q != 0))
            if states:
                out[el] = states
        return out
    raise ValueError(f"unknown oxidation-state set {name!r}; use 'smact' or 'icsd'")


@cache
def _element_info(symbol):
    from pymatgen.core import Element

    el = Element(symbol)
    icsd = tuple(int(s) for s in (el.icsd_oxidation_states or ()))
    common = tuple(int(s) for s in el.common_oxidation_states)
    every = tuple(int(s) for s in el.oxidation_states)
    with warnings.catch_warnings():  # "No Pauling electronegativity for He"
        warnings.simplefilter("ignore", UserWarning)
        chi = el.X
    chi = chi if chi == chi else 0.0  # NaN for some noble gases
    first = tuple(q for q in (icsd or common) if q != 0)
    every = tuple(sorted(set(q for q in every + first if q != 0)))
    lists = {
        "common": tuple(sorted(q for q in common if q != 0)),
        "icsd": tuple(sorted(first)),
        "all": every,
    }
    return lists, float(chi)


@cache
def _occurrence():
    """pymatgen's ICSD occurrence counts of species, ``(element, q) -> count``."""
    from pymatgen.core import Composition

    if Composition.oxi_prob is None:
        Composition("NaCl").oxi_state_guesses()  # loads pymatgen's icsd_bv.yaml
    out = {}
    for sp, count in Composition.oxi_prob.items():
        q = sp.oxi_state
        if q is not None and float(q).is_integer():
            out[(sp.symbol, int(q))] = float(count)
    return out

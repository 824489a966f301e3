"""Reweighting a structure corpus towards a reference chemistry.

An element's LEAFs are the mean of its sites' motif vectors over a corpus, so
they depend on the corpus's chemistry mix: a corpus rich in intermetallics
gives magnesium more close-packed sites than ICSD does.  Post-stratification
(Little 1993; Lohr, *Sampling*, ch. 4) corrects the mix: the records of each
element are grouped into strata (for example by the anion class of their
structure), and each stratum's records are weighted so that the stratum's
share of the element's weight equals its share among the element's
compositions in a reference list (for example the ICSD-linked Materials
Project compositions).  Within a stratum the site weights are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..chemistry import ANION_FORMERS, item_amounts

__all__ = [
    "ANION_FAMILIES",
    "STRATA",
    "anion_class",
    "formula_weights",
    "poststratification_weights",
]

#: Pauling electronegativities of the anion formers, which rank them.
_PAULING = {
    "F": 3.98, "O": 3.44, "Cl": 3.16, "N": 3.04, "Br": 2.96, "I": 2.66,
    "S": 2.58, "C": 2.55, "Se": 2.55, "H": 2.20, "P": 2.19, "As": 2.18,
    "Te": 2.10, "B": 2.04, "Si": 1.90,
}  # fmt: skip
assert set(_PAULING) == set(ANION_FORMERS)


def anion_class(amounts):
    """The anion class of a composition: its most electronegative anion former.

    Parameters
    ----------
    amounts : str, Composition or mapping
        A formula or element amounts.

    Returns
    -------
    str
        ``"element"`` for a single element; else the most electronegative of
        H, B, C, N, O, F, Si, P, S, Cl, As, Se, Br, Te, I present (``"O"``
        for oxides, oxysalts and hydroxides, ``"F"`` for fluorides...; ties
        by Pauling electronegativity go to the symbol first in alphabetical
        order); ``"intermetallic"`` when none is present.

    Examples
    --------
    >>> anion_class("MgO"), anion_class("CaSO4"), anion_class("Mg2Cu")
    ('O', 'O', 'intermetallic')
    >>> anion_class("Si"), anion_class("SiC"), anion_class("LiBH4")
    ('element', 'C', 'H')
    """
    amounts = amounts if isinstance(amounts, dict) else item_amounts(amounts)
    if len(amounts) == 1:
        return "element"
    formers = [el for el in amounts if el in _PAULING]
    if not formers:
        return "intermetallic"
    return min(formers, key=lambda el: (-_PAULING[el], el))


#: Anion classes merged into chemical families (fewer, larger strata).
ANION_FAMILIES = {
    "F": "fluoride", "O": "oxide", "Cl": "halide", "Br": "halide",
    "I": "halide", "S": "chalcogenide", "Se": "chalcogenide",
    "Te": "chalcogenide", "N": "pnictide", "P": "pnictide", "As": "pnictide",
    "C": "carbide, silicide, boride", "Si": "carbide, silicide, boride",
    "B": "carbide, silicide, boride", "H": "hydride",
    "intermetallic": "intermetallic", "element": "element",
}  # fmt: skip


def _anion(amounts, element):
    return anion_class(amounts)


def _anion_family(amounts, element):
    return ANION_FAMILIES[anion_class(amounts)]


def _anion_elements(amounts, element):
    n = len(amounts)
    return f"{anion_class(amounts)}|{n if n < 4 else '4+'} elements"


#: Built-in strata: name -> ``f(amounts, element) -> stratum label``.
STRATA = {
    "anion-class": _anion,
    "anion-family": _anion_family,
    "anion-class+n-elements": _anion_elements,
}


def _stratum_function(strata):
    if callable(strata):
        return strata
    try:
        return STRATA[strata]
    except (KeyError, TypeError):
        raise ValueError(
            f"strata must be one of {sorted(STRATA)} or a callable "
            f"f(amounts, element); got {strata!r}"
        ) from None


def _reference_counts(reference_compositions, stratum):
    """``Counter((element, stratum))``: each composition counts once per element."""
    if isinstance(reference_compositions, str):
        raise TypeError(
            "reference_compositions must be an iterable of formulas, not one string"
        )
    counts = Counter()
    n = 0
    for i, item in enumerate(reference_compositions):
        try:
            amounts = item_amounts(item)
        except ValueError as exc:
            raise ValueError(f"reference composition {i} ({item!r}): {exc}") from None
        for element in amounts:
            counts[element, stratum(amounts, element)] += 1
        n += 1
    if n == 0:
        raise ValueError("reference_compositions is empty")
    return counts, n


def formula_weights(records):
    """Per-structure weights under which every reduced formula counts once.

    The ``k`` structures (polymorphs) of one reduced formula get ``1 / k``
    each, so a compound computed in 20 polymorphs weighs as much as one
    computed once.

    Parameters
    ----------
    records : SiteRecords

    Returns
    -------
    ndarray of shape (n_structures,)

    Examples
    --------
    >>> from sklearn_leafs.environments import SiteRecords
    >>> records = SiteRecords(
    ...     values=[[0.0] * 37] * 3, elements=["Na", "Na", "Mg"], weights=[1, 1, 1],
    ...     structure_index=[0, 1, 2], site_index=[0, 0, 0],
    ...     structure_ids=["a", "b", "c"], sources=["x"] * 3,
    ...     formulas=["Na", "Na", "Mg"],
    ... )
    >>> formula_weights(records).tolist()
    [0.5, 0.5, 1.0]
    """
    formulas = pd.Series(records.formulas)
    return 1.0 / formulas.map(formulas.value_counts()).to_numpy(dtype=float)


def _record_weights(records, weights):
    """Site weights times user weights given per structure or per record."""
    base = np.asarray(records.weights, dtype=float)
    if weights is None:
        return base
    if isinstance(weights, Mapping):
        missing = [str(i) for i in records.structure_ids if i not in weights]
        if missing:
            raise ValueError(
                f"weights has no entry for structure {missing[0]!r} "
                f"({len(missing)} structures missing)"
            )
        weights = [weights[str(i)] for i in records.structure_ids]
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 1 or len(weights) not in (records.n_structures, len(records)):
        raise ValueError(
            f"weights must have one value per structure ({records.n_structures}) "
            f"or per record ({len(records)}); got shape {weights.shape}"
        )
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"weights must be finite and non-negative; item {i} is {weights[i]}"
        )
    if len(weights) == records.n_structures:  # per structure (also when equal)
        weights = weights[records.structure_index]
    return base * weights


def poststratification_weights(
    records,
    reference_compositions,
    *,
    strata="anion-class",
    weights=None,
    rows="elements",
    return_info=False,
):
    """Record weights that give each row the reference's mix of strata.

    For every row of the table (element, or species with ``rows="species"``)
    and every stratum ``s`` that holds some of the row's records, the records
    of ``s`` are scaled so that ``s`` gets the share ``r_s / sum(r)`` of the
    row's total weight, where ``r_s`` is the number of reference compositions
    that contain the row's element and fall in ``s`` (the sum runs over the
    strata the corpus covers). The row's LEAFs then become
    ``sum_s r_s / sum(r) * mean_s``, with ``mean_s`` the weighted mean of its
    records in ``s``. Each row keeps its total weight (so weighted site
    counts keep their scale). Records in a stratum the reference lacks get
    weight 0.
    A row whose element occurs in no reference composition of a covered
    stratum keeps its weights (listed in the info as ``not_reweighted``).

    Parameters
    ----------
    records : SiteRecords
        From :func:`sklearn_leafs.environments.compute_site_records`.
    reference_compositions : iterable of str, Composition or mapping
        The reference chemistry, for example the compositions of ICSD
        entries; each counts once for each of its elements.
    strata : str or callable, default="anion-class"
        ``"anion-class"`` (see :func:`anion_class`: 15 anion formers,
        intermetallic, element), ``"anion-family"`` (the anion classes
        merged into fluoride, oxide, halide, chalcogenide, pnictide, carbide
        silicide boride, hydride, intermetallic, element),
        ``"anion-class+n-elements"`` (also split by 1, 2, 3, 4 or more
        elements), or ``f(amounts, element) -> label`` called with a
        composition's element amounts (dict) and one of its elements.
    weights : array-like of shape (n_structures,) or (n_records,), or mapping
        Non-negative multipliers of the site weights before stratifying
        (for example :func:`formula_weights`): an array is read per structure
        when its length is ``records.n_structures`` (also when that equals
        the number of records), else per record; a mapping gives the weight
        of every structure id.
    rows : {"elements", "species"}, default="elements"
    return_info : bool, default=False
        Also return a JSON-ready summary (strata and their reference and
        corpus shares per row, rows not reweighted, records given weight 0).

    Returns
    -------
    weights : ndarray of shape (n_records,)
        The new record weights (occupancy and multiplicity included).
    info : dict
        Only with ``return_info``.

    Raises
    ------
    ValueError
        For an unknown ``strata``, badly shaped or negative ``weights``, an
        empty reference, or a reference item that is not a composition (the
        message names its position).

    References
    ----------
    .. [1] R. J. A. Little, "Post-stratification: a modeler's perspective",
       J. Am. Stat. Assoc. 88, 1001 (1993).

    Examples
    --------
    Two structures of Mg, one oxide and one intermetallic: the reference has
    three oxides and one intermetallic containing Mg, so the oxide's record
    gets 3/4 of Mg's total weight of 3 sites (O, only in oxides, keeps its
    weight).

    >>> from sklearn_leafs.environments import SiteRecords
    >>> records = SiteRecords(
    ...     values=[[0.0] * 37] * 3, elements=["Mg", "O", "Mg"],
    ...     weights=[1.0, 1.0, 2.0], structure_index=[0, 0, 1],
    ...     site_index=[0, 1, 0], structure_ids=["a", "b"], sources=["x", "x"],
    ...     formulas=["MgO", "MgCu2"],
    ... )
    >>> w = poststratification_weights(
    ...     records, ["MgO", "MgAl2O4", "Mg2SiO4", "MgZn2"]
    ... )
    >>> w.tolist()
    [2.25, 1.0, 0.75]
    """
    stratum = _stratum_function(strata)
    base = _record_weights(records, weights)
    if rows == "species":
        labels = records.species()
    elif rows == "elements":
        labels = records.elements
    else:
        raise ValueError(f"rows must be 'elements' or 'species', got {rows!r}")
    reference, n_reference = _reference_counts(reference_compositions, stratum)
    structure_amounts = [item_amounts(f) for f in records.formulas]
    cache = {}
    record_strata = np.empty(len(records), dtype=object)
    for k, (t, element) in enumerate(zip(records.structure_index, records.elements)):
        key = (int(t), str(element))
        if key not in cache:
            cache[key] = stratum(structure_amounts[t], str(element))
        record_strata[k] = cache[key]
    frame = pd.DataFrame(
        {"row": labels, "element": records.elements, "stratum": record_strata,
         "w": base}
    )  # fmt: skip
    totals = frame.groupby(["row", "stratum"], sort=False)["w"].sum()
    new = np.zeros(len(records))
    info = {"strata": strata if isinstance(strata, str) else repr(strata),
            "n_reference_compositions": n_reference, "not_reweighted": [],
            "rows": {}}  # fmt: skip
    for row, index in frame.groupby("row", sort=False).indices.items():
        element = frame["element"].iat[index[0]]
        covered = totals.loc[row]
        covered = covered[covered > 0]
        ref = np.array([reference.get((element, s), 0) for s in covered.index], float)
        if ref.sum() == 0 or covered.sum() == 0:
            new[index] = base[index]
            info["not_reweighted"].append(str(row))
            continue
        share = pd.Series(ref / ref.sum(), index=covered.index)
        scale = (share / covered).to_dict()
        new[index] = base[index] * np.array(
            [scale.get(s, 0.0) for s in record_strata[index]]
        )
        # back to the row's own total, so counts keep their meaning
        new[index] *= base[index].sum()
        info["rows"][str(row)] = {
            str(s): {"reference": float(share[s]),
                     "corpus": float(covered[s] / covered.sum())}
            for s in covered.index
        }  # fmt: skip
    info["n_records_weight_zero"] = int(((new == 0) & (base > 0)).sum())
    return (new, info) if return_info else new

"""The public structure-type prediction: ordered compounds and mixed occupancy.

:func:`predict_structure_type` answers a composition written with integer
amounts from the template library (:func:`ordered_structure_types`), and one
written with non-integer amounts through its parent compound with mixed
sites (:func:`predict_parent_structure`), unless told to read it as an
ordered compound.
"""

import pandas as pd

from .._citations import cite
from ..chemistry import as_items, item_amounts
from ._site_mixing import predict_parent_structure, written_integers
from ._structure_types import ordered_structure_types

__all__ = ["predict_structure_type"]


@cite
def predict_structure_type(
    formulas,
    table="open",
    *,
    top=1,
    protocol="all",
    polymorphs="evidence",
    known="use",
    mixed="parent",
):
    """Predict the structure type (prototype) of any composition offline.

    Scores every template of the built-in library
    (:func:`load_templates`) with the same anonymous formula by the product
    of per-site substitution probabilities, species matched by role and
    stoichiometry (:class:`SubstitutionClassifier` with ``protocol="all"``),
    sums the scores of templates sharing a prototype (each template weighted
    by the polymorph rule) and returns the most probable prototypes with a
    probability calibrated on the library by leave-one-formula-out.

    Parameters
    ----------
    formulas : str or list-like of str, Composition or mapping
        Compositions to predict (a single formula is accepted).
    table : str, LeafTable, path or DataFrame, default="open"
        Element (or species) table. The default is the package's open table,
        not the paper's: the template library and its stored calibration come
        from the same open corpus, leave-one-formula-out accuracy ties across
        tables, and on the textbook and solid-solution examples of the
        structure-types guide it answers more of them (the guide gives the
        figures). A registered name or a LeafTable has
        its library classifier cached for the resolved table object (see
        :func:`library_classifier`); a path or DataFrame is rebuilt on every
        call.
    top : int, default=1
        Number of prototypes reported per composition.
    protocol : {"all", "single"}, default="all"
        ``"single"``: only templates one same-charge substitution away (the
        Table 1 protocol).
    polymorphs : {"evidence", "all"}, default="evidence"
        Templates kept by the polymorph rule, or every polymorph with split
        weight (see :func:`load_templates`).
    known : {"use", "exclude"}, default="use"
        ``"use"``: a composition of the library is answered from its own
        kept polymorphs, ranked by substitutions from other formulas (see
        Returns).  ``"exclude"``: its own templates are ignored and the
        answer comes from substitutions only, as in the
        leave-one-formula-out calibration.
    mixed : {"parent", "ordered"}, default="parent"
        How a composition written with non-integer amounts is read.
        ``"parent"``: as a parent compound with mixed occupancy (a solid
        solution, dopants, vacancies within 10%), through
        :func:`predict_parent_structure`; its ``reason`` names the parent, the
        mixed sites and the mixing probability, so that ``Sn0.25Pb0.75Se`` is
        rock salt through PbSe instead of an ordered compound ``SnPb3Se4``.
        ``"ordered"``: as an ordered compound of its reduced integer formula
        (the behaviour before version 0.2). Compositions written with integer
        amounts are read the same way by both.

    Returns
    -------
    predictions : pandas.DataFrame
        One row per composition and rank: ``formula``, ``rank``,
        ``structure_type`` (the prototype's human name where one exists, else
        its label), ``prototype`` (canonical AFLOW-style label),
        ``probability`` (calibrated by leave-one-formula-out; the
        probabilities of all prototypes of a composition sum to one),
        ``template`` and ``source_id`` (the best template of that prototype),
        ``source`` and ``reason`` (why a composition has no prediction, or a
        note such as "known compound").  With ``known="use"`` a compound of
        the library is answered from its own polymorphs kept by the
        polymorph rule: each gets its polymorph weight times the probability
        that substitutions from the other formulas give it, renormalised
        (so a formula whose evidence is split is decided by similar
        compounds, and rejected polymorphs get no probability).
        A composition without admissible template gets one row with
        ``structure_type="no prediction"``, empty prototype and template,
        NaN probability and the reason. A composition read through its parent
        has the parent's prototypes, probabilities weighted over its end
        members (see :func:`predict_parent_structure`), and a reason such as
        ``"parent PbSe: Sn on the Pb site, 25%; mixing probability 0.60"``.

    Raises
    ------
    ValueError
        If a composition cannot be read (the message names the row).

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.
    .. [3] {cite:smact2019}.

    Examples
    --------
    >>> result = predict_structure_type(["MgO", "SrTiO3"])
    >>> result[["formula", "structure_type"]].to_string(index=False)
    'formula structure_type\\n    MgO      rock salt\\n SrTiO3     perovskite'
    >>> alloy = predict_structure_type("Sn0.25Pb0.75Se")
    >>> alloy.loc[0, "structure_type"], alloy.loc[0, "reason"][:12]
    ('rock salt', 'parent PbSe:')
    """
    if isinstance(formulas, str) or type(formulas).__name__ == "Composition":
        formulas = [formulas]
    items = as_items(formulas, name="formulas")
    if mixed not in ("parent", "ordered"):
        raise ValueError(f"mixed must be 'parent' or 'ordered', got {mixed!r}")
    options = {"top": top, "polymorphs": polymorphs, "known": known}
    fractional = []
    if mixed == "parent":
        for i, item in enumerate(items):
            try:
                if not written_integers(item_amounts(item)):
                    fractional.append(i)
            except ValueError:  # unreadable: named by the ordered reading
                pass
    if not fractional or protocol != "all":
        return ordered_structure_types(items, table, protocol=protocol, **options)
    parents = predict_parent_structure([items[i] for i in fractional], table, **options)
    whole = [item for i, item in enumerate(items) if i not in set(fractional)]
    ordered = ordered_structure_types(whole, table, protocol=protocol, **options)
    return _in_order(items, fractional, parents, ordered)


def _in_order(items, fractional, parents, ordered):
    """Rows of both readings in the order of the input, with the parent
    reading said in ``reason``."""
    parents = parents.copy()
    said = parents.apply(_parent_reason, axis=1)
    parents["reason"] = said
    groups = {"p": _by_row(parents), "o": _by_row(ordered)}
    frac = set(fractional)
    counters = {"p": 0, "o": 0}
    rows = []
    for i in range(len(items)):
        key = "p" if i in frac else "o"
        rows.append(groups[key][counters[key]])
        counters[key] += 1
    return pd.concat(rows, ignore_index=True)[ordered.columns]


def _by_row(frame):
    """One frame per composition (consecutive rows of rank 1, 2, ...)."""
    starts = list(frame.index[frame["rank"] == 1]) + [len(frame)]
    return [frame.iloc[a:b] for a, b in zip(starts[:-1], starts[1:])]


def _parent_reason(row):
    parts = []
    if row["parent"] and row["mixed_sites"]:
        parts.append(f"parent {row['parent']}: {row['mixed_sites']}")
    elif row["parent"]:
        parts.append(f"parent {row['parent']}")
    if row["mixing_probability"] == row["mixing_probability"] and row["mixed_sites"]:
        parts.append(f"mixing probability {row['mixing_probability']:.2f}")
    if row["reason"]:
        parts.append(str(row["reason"]))
    return "; ".join(parts)

"""Structure types of any composition from the built-in template library.

:func:`ordered_structure_types` (the ordered reading of
:func:`predict_structure_type`) scores the templates of
:func:`load_templates` with a :class:`SubstitutionClassifier` (``protocol="all"``,
summed over templates, sharpened and calibrated) built once per resolved
table object and kept while that object is alive in the cache (see
:func:`library_classifier`).
"""

import threading
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..chemistry import as_items
from ..tables import LeafTable, get_table
from ._calibration import stored_calibration
from ._classifier import SubstitutionClassifier
from ._templates import load_templates, prototype_names, species_mapping

__all__ = [
    "LIBRARY_SHARPNESS",
    "LIBRARY_TABLE",
    "NO_PREDICTION",
    "PREDICTION_COLUMNS",
    "library_classifier",
    "ordered_structure_types",
]

NO_PREDICTION = "no prediction"

#: Sharpness of the library's predictions, chosen by leave-one-formula-out
#: accuracy over the library among 1, 3, 6 and 10 (benchmarks/structure_types.py).
LIBRARY_SHARPNESS = 3.0

#: Default table of the structure-type library (see predict_structure_type).
LIBRARY_TABLE = "open"

#: Library classifiers of the most recently used tables, keyed by the table
#: object's identity (the entry holds the table, so the identity stays
#: unique while it is cached): re-registering a name gives a new object and
#: hence a new classifier.
_MAX_CACHED = 8
_CACHE = OrderedDict()
_LOCK = threading.Lock()


def _build_library_classifier(table, protocol, polymorphs):
    templates = load_templates(polymorphs)
    calibration = stored_calibration(table, protocol, polymorphs) or "lofo"
    clf = SubstitutionClassifier(
        table=table,
        protocol=protocol,
        oxidation_states=None,
        aggregate="sum",
        sharpness=LIBRARY_SHARPNESS,
        calibration=calibration,
    )
    X = [species_mapping(s) for s in templates["species"]]
    clf.fit(X, templates["prototype"], sample_weight=templates["weight"].to_numpy())
    return clf, templates


def library_classifier(table="open", protocol="all", polymorphs="evidence"):
    """The classifier of the built-in template library for a table.

    Fitted on :func:`load_templates` (``oxidation_states=None``,
    ``aggregate="sum"``, ``sharpness=LIBRARY_SHARPNESS``) and calibrated with
    the stored calibration when the table's content fingerprint
    (:attr:`sklearn_leafs.tables.LeafTable.fingerprint`) and the template
    file are the ones it was fitted with, else by leave-one-formula-out.

    A registered name or a LeafTable is resolved first and the classifier
    cached for that table *object* (the last few tables used): registering a
    name again resolves to a new object and so a new classifier.  Tables
    read from a path or a DataFrame are new objects on every call and are
    not cached.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="open"
    protocol : {"all", "single"}, default="all"
    polymorphs : {"evidence", "all"}, default="evidence"

    Returns
    -------
    classifier : SubstitutionClassifier
        Fitted; do not modify it (it is shared).
    templates : pandas.DataFrame
        The templates it was fitted on, in its template order.

    Examples
    --------
    >>> clf, templates = library_classifier("open")
    >>> library_classifier("open")[0] is clf  # cached for the table object
    True
    >>> clf.calibration_  # the stored calibration of the default table
    {'temperature': 0.8726, 'prior_weight': 0.2961}
    """
    resolved = get_table(table)
    if not isinstance(table, str | LeafTable):
        return _build_library_classifier(resolved, protocol, polymorphs)
    key = (id(resolved), protocol, polymorphs)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is resolved:
            _CACHE.move_to_end(key)
            return hit[1], hit[2]
    clf, templates = _build_library_classifier(resolved, protocol, polymorphs)
    with _LOCK:
        _CACHE[key] = (resolved, clf, templates)
        while len(_CACHE) > _MAX_CACHED:
            _CACHE.popitem(last=False)
    return clf, templates


#: Columns of the result of :func:`predict_structure_type`.
PREDICTION_COLUMNS = [
    "formula",
    "rank",
    "structure_type",
    "prototype",
    "probability",
    "template",
    "source_id",
    "source",
    "reason",
]


def ordered_structure_types(
    formulas,
    table="open",
    *,
    top=1,
    protocol="all",
    polymorphs="evidence",
    known="use",
):
    """:func:`predict_structure_type` for compositions read as ordered compounds.

    The composition is read as written, as an ordered compound of its reduced
    integer formula (``mixed="ordered"``); parameters and result as
    :func:`predict_structure_type`.
    """
    if isinstance(formulas, str) or type(formulas).__name__ == "Composition":
        formulas = [formulas]
    items = as_items(formulas, name="formulas")
    if int(top) < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if known not in ("use", "exclude"):
        raise ValueError(f"known must be 'use' or 'exclude', got {known!r}")
    if polymorphs not in ("evidence", "all"):
        raise ValueError(f"polymorphs must be 'evidence' or 'all', got {polymorphs!r}")
    clf, templates = library_classifier(table, protocol, polymorphs)
    names = prototype_names()
    # substitutions from the templates of other formulas; a compound of the
    # library then weighs these by its own kept polymorphs
    results = clf.rank(items, exclude_same_formula=True)
    comps = clf.species_compositions(items)
    own = {}
    if known == "use":
        for j, comp in enumerate(clf.templates_):
            if clf.template_weights_[j] > 0:
                own.setdefault(comp, []).append(j)
    a = clf.calibration_["prior_weight"] if clf.calibration_ else 0.0
    rows = []
    for i, (item, (codes, proba, best, reason)) in enumerate(zip(items, results)):
        name = item if isinstance(item, str) else getattr(item, "reduced_formula", item)
        comp = comps[i]
        note = ""
        if comp is not None and all(q == 0 for (_, q), _ in comp) and len(comp) > 1:
            note = "no charge-balanced species: matched as neutral elements"
        mine = own.get(comp, [])
        if mine:
            codes, proba, best = _known_compound(clf, mine, codes, proba, a)
        elif codes is None:
            why = reason.split(": ", 1)[1]
            rows.append((name, 1, NO_PREDICTION, "", np.nan, "", "", "", why))
            continue
        order = np.argsort(-proba, kind="stable")[: int(top)]
        for rank, k in enumerate(order, start=1):
            label = clf.classes_[codes[k]]
            t = templates.iloc[best[k]]
            why = note
            if mine:
                known_note = f"known compound, polymorph rule: {t['polymorph_rule']}"
                why = "; ".join(filter(None, [known_note, note]))
            rows.append(
                (
                    name,
                    rank,
                    names.get(label, label),
                    label,
                    float(proba[k]),
                    t["formula"],
                    t["id"],
                    t["source"],
                    why,
                )
            )
    return pd.DataFrame(rows, columns=PREDICTION_COLUMNS)


def _known_compound(clf, mine, codes, proba, a):
    """Probabilities of a library compound over its own kept polymorphs.

    ``p(c) ~ w_c * q(c)``: the polymorph weight of prototype ``c`` among the
    compound's own templates times the probability that substitutions from
    other formulas give it (``a * prior`` for a prototype they do not reach,
    the prior alone when no other template matches), renormalised.
    """
    by_code = {}
    for j in mine:
        c = clf.template_codes_[j]
        w, best = by_code.get(c, (0.0, j))
        by_code[c] = (w + clf.template_weights_[j], best)
    found = {} if codes is None else dict(zip(codes.tolist(), proba))
    mix = a if codes is not None else 1.0
    out_codes = np.array(list(by_code), dtype=np.intp)
    score = np.array(
        [w * found.get(c, mix * clf.class_prior_[c]) for c, (w, _) in by_code.items()]
    )
    best = np.array([j for _, j in by_code.values()], dtype=np.intp)
    return out_codes, score / score.sum(), best

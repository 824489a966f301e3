"""Structure-type prediction by the most likely elemental substitution.

:class:`SubstitutionClassifier` is a nearest-template classifier: ``fit``
stores known compositions (templates) with their labels (structure types),
and a new composition takes the label of the templates it can be made from by
the most probable substitutions.  Substitution probabilities come from element
similarities in a :class:`~sklearn_leafs.tables.LeafTable` (Eq. 1 of
Vasylenko et al.; see :mod:`sklearn_leafs.similarity`).

Two protocols:

``protocol="single"`` (SMACT-compatible, Table 1 of Vasylenko et al.)
    A template is admissible when it differs from the target by exactly one
    substitution: replacing one of its species ``P`` by the target's species
    ``T`` *of the same charge* gives the target's reduced species composition.
    Its score is ``p(T <- P) = exp(s(T, P)) / sum_{X in E} w_X exp(s(X, P))``,
    normalised over the replaced species (SMACT's ``cond_sub_probs``).  With
    ``oxidation_states="smact"``, ``E`` is the elements up to Bi with SMACT
    oxidation states, ``w_X`` their number of states, and only species in that
    list are admissible (a target with another species, such as ``Te-`` in
    CsTe, has no template; so has a template whose substituted species is
    not in the list).  A template identical to the target is not a
    substitution and is not used.

``protocol="all"``
    Every template with the same anonymous formula (and the same numbers of
    cation and anion sites) is scored.  Its species are
    matched to the target's by oxidation role (sign of the charge) and
    stoichiometry (the best matching over all assignments within a role and
    amount), and the score is the product over matched sites of
    ``p(T <- P)``, an unchanged site counting 1.  On single-substitution
    templates this gives the same scores as ``"single"``, and an identical
    composition scores 1.  A composition without charge-balanced oxidation
    states (an intermetallic such as Ni3Al) is read as neutral elements
    (charge 0) and matched to templates read the same way.

Scores of the templates of one label are aggregated (``aggregate``: the best
template, or the sum over templates, each multiplied by its
``sample_weight``) and normalised over the labels to give ``predict_proba``;
with ``calibration="lofo"`` they are calibrated on the templates themselves
by leave-one-formula-out (see :meth:`SubstitutionClassifier.fit`).

A target with no admissible template gets the class prior of the training
labels (``fallback="prior"``) or raises (``fallback="raise"``); it is never
dropped, and ``predict`` only returns labels in ``classes_``.
:func:`predict_structure_type` reports such a target as ``"no prediction"``
with the reason.

Inputs are formula strings (oxidation states guessed with pymatgen),
pymatgen Compositions of ``Species`` (used as given) or of elements (guessed),
or mappings of species strings to amounts, see
:mod:`sklearn_leafs.chemistry._oxidation`.

References
----------
.. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
   from local geometries in crystal structures", 2024 (code and tables:
   https://github.com/lrcfmd/LEAF);
   LEAFs, Eq. 1 and Table 1.
.. [2] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
   Chemical Theory", J. Open Source Softw. 4, 1361 (2019); the
   substitution-probability protocol of ``protocol="single"``.
.. [3] G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data
   mined ionic substitutions for the discovery of new compounds", Inorg.
   Chem. 50, 656 (2011); structure prediction by the product of per-site
   substitution probabilities (``protocol="all"``).
.. [4] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of
   modern neural networks", ICML (2017); temperature scaling, used by
   ``calibration="lofo"``.
"""

from functools import lru_cache
from importlib import resources
from itertools import permutations
from numbers import Real

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment, minimize
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from .base import formula_input
from .chemistry._formula import as_items, item_amounts
from .chemistry._oxidation import species_amounts
from .chemistry._species import format_species, reduced_species
from .chemistry._state_lists import oxidation_state_set
from .similarity import (
    MIN_SPECIES_SITES,
    _probabilities,
    _probability_frame,
    _similarity,
    _weights,
)
from .tables import get_table
from .tables._leaf_table import row_element

__all__ = ["SubstitutionClassifier", "load_templates", "predict_structure_type"]

#: Assignments within one (role, amount) group are enumerated up to this many
#: sites (720 permutations); larger groups use linear_sum_assignment.
_MAX_PERMUTED = 6


@lru_cache(maxsize=65536)
def _reduced_species_of(item):
    amounts = species_amounts(item)
    return None if amounts is None else reduced_species(amounts)


@lru_cache(maxsize=65536)
def _neutral_species_of(item):
    amounts = item_amounts(item)
    return reduced_species({(el, 0): a for el, a in amounts.items()})


def _sign(charge):
    return (charge > 0) - (charge < 0)


def _element_amounts(comp):
    amounts = {}
    for (element, _), amount in comp:
        amounts[element] = amounts.get(element, 0) + amount
    return sorted(amounts.values())


def _signature(comp):
    """Role-aware anonymous formula: sorted (sign of charge, amount) pairs,
    with the element-level anonymous formula (so that the two species of a
    mixed-valence element never match two different elements)."""
    roles = tuple(sorted((_sign(q), a) for (_, q), a in comp))
    return roles, tuple(_element_amounts(comp))


def _anonymous_formula(comp):
    """``AB2C4``-style anonymous formula (element amounts, ascending)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(
        letters[i] + ("" if a == 1 else str(a))
        for i, a in enumerate(_element_amounts(comp))
    )


def _element_key(species):
    """The row of a species in an element table: its element's."""
    return species[0]


class SubstitutionClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-template classifier by the most probable elemental substitution.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element table giving the element similarities, resolved with
        :func:`sklearn_leafs.tables.get_table` (a LeafTable, a registered
        name such as ``"default"``, ``"vasylenko2024"`` or ``"ee:magpie"``, a
        CSV path, or a DataFrame indexed by element).
    metric : {"pearson", "cosine"}, default="pearson"
        Element similarity (:func:`sklearn_leafs.similarity.element_similarity`).
    standardize : bool, default=True
        Standardise every feature over all elements of the table first.
    protocol : {"single", "all"}, default="single"
        ``"single"``: only templates one same-charge substitution away, scored
        by ``p(T <- P)`` (SMACT-compatible; reproduces Table 1).  ``"all"``:
        all templates with the same anonymous formula, scored by the product
        of per-site probabilities (see the module docstring).
    oxidation_states : {"smact", "icsd"} or None, default="smact"
        ``"smact"``: species must be in SMACT's default oxidation-state list
        (elements up to Bi), and each element is weighted by its number of
        states in the normalisation.  ``"icsd"``: the same with pymatgen's
        ICSD-observed states
        (:func:`sklearn_leafs.chemistry.oxidation_state_set`).  None: any
        charge of an element of the table is admissible, every element
        weighs 1.
    aggregate : {"max", "sum"}, default="max"
        Score of a label from its templates' scores (each multiplied by its
        ``sample_weight``): the best one (``"max"``; ``predict`` is then the
        label of the most probable template, as in Table 1) or their sum
        (``"sum"``: every chemically similar template votes).
    sharpness : float > 0, default=1.0
        Each template's score is raised to this power before it is weighted
        and aggregated: ``p(T <- P) ** sharpness`` per substituted site, i.e.
        the similarity kernel ``exp(sharpness * s)`` instead of ``exp(s)``;
        unchanged sites still count 1.  It never changes which template is
        best, so it does not matter for ``aggregate="max"``; with ``"sum"``,
        values above 1 let the most similar templates outvote many less
        similar ones (see the user guide for the measured effect).
    calibration : {"lofo"}, dict or None, default=None
        None: ``predict_proba`` is the aggregated scores normalised to sum to
        one over the labels with an admissible template.  ``"lofo"``: ``fit``
        also predicts every template from the templates of *other* formulas
        (leave-one-formula-out) and fits a temperature ``T`` and a prior
        weight ``a`` by minimising the weighted log loss; then
        ``proba = (1 - a) * softmax(log(score) / T) + a * prior``, where
        ``prior`` is the weighted frequency of each label among the
        templates.  A dict ``{"temperature": T, "prior_weight": a}`` uses
        given values.
    fallback : {"prior", "raise"}, default="prior"
        A target without admissible template (or without charge-balanced
        oxidation states under ``protocol="single"``): ``"prior"`` gives it
        the prior as its ``predict_proba`` row and the most frequent label
        as its prediction; ``"raise"`` raises a ValueError naming the row.
        :meth:`n_templates` tells which targets had a template.

    Attributes
    ----------
    classes_ : ndarray
        The labels seen in ``fit``.
    class_prior_ : ndarray of shape (n_classes,)
        Weighted frequency of each label among the usable templates.
    table_ : LeafTable
        The resolved table.
    probabilities_ : pandas.DataFrame
        ``p(X <- X')`` for the table's elements (rows substituting, columns
        replaced); NaN outside the normalisation set.
    templates_ : list of tuple or None
        Reduced species composition of each template (None: no
        charge-balanced oxidation states under ``protocol="single"``, so it
        is never used).
    template_labels_ : ndarray
        The label of each template (``y`` as given to ``fit``).
    template_weights_ : ndarray of shape (n_templates,)
        ``sample_weight`` (ones by default); a template of weight 0 is never
        used.
    unusable_templates_ : ndarray of int
        Indices of the templates that can never be chosen (no charge-balanced
        oxidation states under ``protocol="single"``, or weight 0).
    calibration_ : dict or None
        ``temperature``, ``prior_weight`` and, when fitted, ``log_loss`` and
        ``n_samples`` of the leave-one-formula-out fit.

    See Also
    --------
    predict_structure_type : The classifier applied to the built-in template
        library, with prototype names and reasons.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.
    .. [2] G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data
       mined ionic substitutions for the discovery of new compounds", Inorg.
       Chem. 50, 656 (2011).
    .. [3] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
       Chemical Theory", J. Open Source Softw. 4, 1361 (2019).
    .. [4] C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of
       modern neural networks", Proc. ICML (2017) (temperature scaling).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import SubstitutionClassifier
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 0.9, 0.1, 0.0], "b": [0.0, 0.1, 0.9, 1.0]},
    ...     index=["Na", "K", "Br", "Cl"],
    ... )
    >>> clf = SubstitutionClassifier(table, oxidation_states=None)
    >>> clf = clf.fit(["NaCl", "KBr"], ["rock salt", "rock salt"])
    >>> clf.predict(["KCl", "NaBr"]).tolist()
    ['rock salt', 'rock salt']
    >>> proba, idx = clf.kneighbors(["KCl"], n_neighbors=2)
    >>> idx.tolist()
    [[1, 0]]
    """

    _parameter_constraints = {
        "table": "no_validation",
        "metric": [StrOptions({"pearson", "cosine"})],
        "standardize": ["boolean"],
        "protocol": [StrOptions({"single", "all"})],
        "oxidation_states": [StrOptions({"smact", "icsd"}), None],
        "aggregate": [StrOptions({"max", "sum"})],
        "sharpness": [Interval(Real, 0, None, closed="neither")],
        "calibration": [StrOptions({"lofo"}), dict, None],
        "fallback": [StrOptions({"prior", "raise"})],
    }

    def __init__(
        self,
        table="default",
        *,
        metric="pearson",
        standardize=True,
        protocol="single",
        oxidation_states="smact",
        aggregate="max",
        sharpness=1.0,
        calibration=None,
        fallback="prior",
    ):
        self.table = table
        self.metric = metric
        self.standardize = standardize
        self.protocol = protocol
        self.oxidation_states = oxidation_states
        self.aggregate = aggregate
        self.sharpness = sharpness
        self.calibration = calibration
        self.fallback = fallback

    # -- fitting -----------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Store the templates ``X`` with their labels ``y``.

        Parameters
        ----------
        X : list-like of str, Composition or mapping
            Template compositions (1-D, a Series or one column).
        y : array-like of shape (n_samples,)
            Their labels (structure types).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each template (e.g. ``1/k`` for each of ``k`` polymorphs
            of one formula that the evidence cannot tell apart); 0 removes a
            template.

        Returns
        -------
        self : SubstitutionClassifier

        Raises
        ------
        ValueError
            If a composition cannot be read (the message names the row), the
            lengths differ, or no template is given.
        """
        items, _ = formula_input(self, X, reset=True)
        labels = np.asarray(as_items(y, name="y"))
        check_consistent_length(items, labels)
        if len(items) == 0:
            raise ValueError("fit needs at least one template")
        weights = _check_sample_weight(sample_weight, np.empty(len(items)))
        if np.any(weights < 0):
            raise ValueError("sample_weight must be non-negative")
        self.classes_, self._codes = np.unique(labels, return_inverse=True)
        self.template_labels_ = labels
        self.template_weights_ = weights
        self.table_ = get_table(self.table)
        self.templates_ = [
            self._species_of(item, row) for row, item in enumerate(items)
        ]
        if self.table_.has_species:
            self._fit_species_probabilities()
        else:
            elements = self.table_.elements
            self._key = _element_key
            self._row = {el: i for i, el in enumerate(elements)}
            S = _similarity(self.table_.values, self.metric, self.standardize)
            norm = _weights(
                elements, np.ones(len(elements), bool), self.oxidation_states
            )
            P = _probabilities(S, norm, "conditional")
            P[:, norm == 0] = np.nan
            P[norm == 0, :] = np.nan
            self._P = P
            self._inside = {el for el, w in zip(elements, norm) if w > 0}
            self.probabilities_ = _frame(P, elements)
        usable = np.array(
            [c is not None and w > 0 for c, w in zip(self.templates_, weights)]
        )
        self.unusable_templates_ = np.flatnonzero(~usable).astype(np.intp)
        if not usable.any():
            raise ValueError("no usable template: every template has weight 0")
        prior = np.bincount(
            self._codes[usable], weights[usable], minlength=len(self.classes_)
        )
        self.class_prior_ = prior / prior.sum()
        self._build_index(usable)
        self.calibration_ = None
        if isinstance(self.calibration, dict):
            self.calibration_ = _checked_calibration(self.calibration)
        elif self.calibration == "lofo":
            self.calibration_ = self._fit_calibration(items)
        return self

    def _species_of(self, item, row):
        try:
            try:
                comp = _reduced_species_of(item)
                if comp is None and self.protocol == "all":
                    comp = _neutral_species_of(item)
            except TypeError:  # unhashable item, e.g. a dict
                comp = _reduced_species_of.__wrapped__(item)
                if comp is None and self.protocol == "all":
                    comp = _neutral_species_of.__wrapped__(item)
            return comp
        except ValueError as exc:
            raise ValueError(f"row {row} ({item!r}): {exc}") from None

    def _fit_species_probabilities(self):
        """Eq. 1 between the rows of a species table (``"Ti4+"``, ``"O2-"``).

        The probabilities are those of
        :func:`sklearn_leafs.similarity.substitution_probabilities` on the
        table, with the templates' species asked for by name (a species below
        the site threshold, or absent, takes its element's row, with a
        warning); species outside the normalisation set are not admissible.
        """
        # species of elements the table lacks altogether cannot be scored:
        # their templates are never matched (as with an element table)
        present = {row_element(label) for label in self.table_.elements}
        wanted = sorted(
            {
                format_species(s)
                for comp in self.templates_
                if comp
                for s, _ in comp
                if s[0] in present
            }
        )
        frame = _probability_frame(
            self.table_,
            self.metric,
            self.standardize,
            "conditional",
            self.oxidation_states,
            MIN_SPECIES_SITES,
            wanted,
        )
        self._key = format_species
        self._row = {label: i for i, label in enumerate(frame.index)}
        self._P = frame.to_numpy()
        inside = np.isfinite(self._P).any(axis=0)
        self._inside = {label for label, ok in zip(frame.index, inside) if ok}
        self.probabilities_ = frame

    def _admissible(self, species):
        element, charge = species
        if self._key(species) not in self._inside:
            return False
        if self.oxidation_states is not None and charge != 0:
            return charge in oxidation_state_set(self.oxidation_states).get(element, ())
        return True

    def _build_index(self, usable):
        self._single, groups = {}, {}
        for j, comp in enumerate(self.templates_):
            if not usable[j]:
                continue
            if self.protocol == "single":
                for i, (species, amount) in enumerate(comp):
                    key = (comp[:i] + comp[i + 1 :], species[1], amount)
                    self._single.setdefault(key, []).append((j, species))
            else:
                groups.setdefault(_signature(comp), []).append(j)
        # protocol="all": per anonymous signature, the templates' species laid
        # out in slots, one array per (sign, amount) key
        self._groups = {}
        for signature, members in groups.items():
            slots = {}
            for j in members:
                by_key = {}
                for species, amount in self.templates_[j]:
                    by_key.setdefault((_sign(species[1]), amount), []).append(species)
                for key, species in by_key.items():
                    slots.setdefault(key, []).append(species)
            arrays = {}
            for key, rows in slots.items():
                el = np.array(
                    [[self._row.get(self._key(s), -1) for s in r] for r in rows]
                )
                q = np.array([[s[1] for s in r] for r in rows])
                ok = np.array([[self._admissible(s) for s in r] for r in rows])
                arrays[key] = (el, q, ok)
            self._groups[signature] = (np.array(members, dtype=np.intp), arrays)

    # -- scoring -------------------------------------------------------------
    def _p(self, target, parent):
        """``p(target <- parent)`` for two admissible species."""
        return self._P[self._row[self._key(target)], self._row[self._key(parent)]]

    def _candidates_single(self, comp):
        found = []
        for i, (species, amount) in enumerate(comp):
            key = (comp[:i] + comp[i + 1 :], species[1], amount)
            for j, parent in self._single.get(key, ()):
                if parent != species and self._admissible(parent):
                    found.append((j, self._p(species, parent)))
        idx = np.array([j for j, _ in found], dtype=np.intp)
        return idx, np.array([s for _, s in found], dtype=float)

    def _candidates_all(self, comp):
        group = self._groups.get(_signature(comp))
        if group is None:
            return np.empty(0, dtype=np.intp), np.empty(0)
        members, arrays = group
        targets = {}
        for species, amount in comp:
            targets.setdefault((_sign(species[1]), amount), []).append(species)
        score = np.ones(len(members))
        for key, species in targets.items():
            el, q, ok = arrays[key]
            m = len(species)
            # F[a, b]: p(target a <- template site b), per template
            F = np.empty((m, m, len(members)))
            for a, (t_el, t_q) in enumerate(species):
                t_row = self._row[self._key((t_el, t_q))]
                row = self._P[t_row]
                p = np.where(ok, row[np.where(el >= 0, el, 0)], 0.0)
                same = (el == t_row) & (q == t_q)
                F[a] = np.where(same, 1.0, p).T
            if m == 1:
                score *= F[0, 0]
            elif m <= _MAX_PERMUTED:
                best = np.zeros(len(members))
                for perm in permutations(range(m)):
                    prod = np.ones(len(members))
                    for a, b in enumerate(perm):
                        prod *= F[a, b]
                    best = np.maximum(best, prod)
                score *= best
            else:
                score *= [_best_assignment(F[:, :, n]) for n in range(len(members))]
        keep = score > 0
        return members[keep], score[keep]

    def _candidates(self, items, exclude=None, exclude_same=False):
        """Per item: (template indices, weighted scores, species composition).

        Template indices are sorted by decreasing score (stable).
        ``exclude[row]`` is a template index left out for that row;
        ``exclude_same`` leaves out every template with the row's reduced
        species composition (leave one formula out).
        """
        results = []
        for row, item in enumerate(items):
            comp = self._species_of(item, row)
            idx, scores = np.empty(0, dtype=np.intp), np.empty(0)
            if comp is not None and all(self._admissible(s) for s, _ in comp):
                if self.protocol == "single":
                    idx, scores = self._candidates_single(comp)
                else:
                    idx, scores = self._candidates_all(comp)
            keep = np.ones(len(idx), dtype=bool)
            if exclude is not None:
                keep &= idx != exclude[row]
            if exclude_same:
                keep &= np.array([self.templates_[j] != comp for j in idx], dtype=bool)
            idx = idx[keep]
            scores = scores[keep] ** self.sharpness * self.template_weights_[idx]
            order = np.argsort(-scores, kind="stable")
            results.append((idx[order], scores[order], comp))
        return results

    def _class_scores(self, idx, scores):
        """Aggregate sorted template scores by label.

        Returns class codes, their aggregated scores and best template, in
        the order of decreasing score (ties: the class whose best template
        comes first).
        """
        codes = self._codes[idx]
        order = np.lexsort((np.arange(len(idx)), codes))
        codes_o = codes[order]
        starts = np.flatnonzero(np.r_[True, codes_o[1:] != codes_o[:-1]])
        first = order[starts]  # position of each class's best template
        if self.aggregate == "max":
            agg = scores[first]
        else:
            agg = np.add.reduceat(scores[order], starts)
        rank = np.lexsort((first, -agg))
        return codes_o[starts][rank], agg[rank], idx[first[rank]]

    def _calibrated(self, agg):
        """Probabilities over the candidate classes (before the prior mix)."""
        if self.calibration_ is None:
            return agg / agg.sum()
        logits = np.log(agg) / self.calibration_["temperature"]
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def _no_template(self, row, item, comp):
        if comp is None:
            why = "no charge-balanced oxidation states could be guessed"
        else:
            inadmissible = [s for s, _ in comp if not self._admissible(s)]
            if inadmissible:
                names = ", ".join(format_species(s) for s in inadmissible)
                why = f"species {names} outside the table's admissible species"
            elif self.protocol == "all":
                why = f"no template with anonymous formula {_anonymous_formula(comp)}"
            else:
                names = ", ".join(format_species(s) for s, _ in comp)
                why = f"no template one substitution away from species {names}"
        return f"row {row} ({item!r}): {why}"

    def _rows(self, items, exclude=None, exclude_same=False):
        """Per item: (codes, probabilities, best templates) or the reason.

        Probabilities are those of the candidate classes, prior mix included.
        """
        a = self.calibration_["prior_weight"] if self.calibration_ else 0.0
        out = []
        for row, (idx, scores, comp) in enumerate(
            self._candidates(items, exclude, exclude_same)
        ):
            if not len(idx):
                reason = self._no_template(row, items[row], comp)
                if self.fallback == "raise":
                    raise ValueError(reason)
                out.append((None, None, None, reason))
                continue
            codes, agg, best = self._class_scores(idx, scores)
            proba = (1 - a) * self._calibrated(agg) + a * self.class_prior_[codes]
            out.append((codes, proba, best, None))
        return out

    # -- public API ----------------------------------------------------------
    def _input(self, X):
        # the formula column, checked against the one seen in fit
        return formula_input(self, X, reset=False)[0]

    def predict(self, X):
        """Most probable label of each composition.

        Parameters
        ----------
        X : list-like of str, Composition or mapping

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``; a target without admissible template
            gets the most frequent label (``fallback="prior"``).

        Raises
        ------
        ValueError
            With ``fallback="raise"``, for the first target without template.
        """
        check_is_fitted(self)
        return self._predict(self._rows(self._input(X)))

    def _predict(self, rows):
        a = self.calibration_["prior_weight"] if self.calibration_ else 0.0
        by_prior = np.argsort(-self.class_prior_, kind="stable")
        out = np.empty(len(rows), dtype=np.intp)
        for r, (codes, proba, _, _) in enumerate(rows):
            if codes is None:
                out[r] = by_prior[0]
                continue
            out[r] = codes[np.argmax(proba)]
            if a > 0:  # a label without template may still win by the prior
                others = by_prior[~np.isin(by_prior, codes)]
                if len(others) and a * self.class_prior_[others[0]] > proba.max():
                    out[r] = others[0]
        return self.classes_[out]

    def predict_proba(self, X):
        """Probability of each label.

        Rows sum to one.  Without calibration, a label's probability is its
        aggregated score over the sum of all labels' scores; with
        calibration see ``calibration``; a target without admissible template
        gets ``class_prior_`` (``fallback="prior"``).

        Parameters
        ----------
        X : list-like of str, Composition or mapping

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        rows = self._rows(self._input(X))
        a = self.calibration_["prior_weight"] if self.calibration_ else 0.0
        out = np.zeros((len(rows), len(self.classes_)))
        for r, (codes, proba, _, _) in enumerate(rows):
            if codes is None:
                out[r] = self.class_prior_
            else:
                out[r] = a * self.class_prior_
                out[r, codes] = proba
        return out

    def n_templates(self, X):
        """Number of admissible templates of each composition.

        0 marks the targets that ``predict`` answers from the prior.

        Returns
        -------
        n : ndarray of int of shape (n_samples,)
        """
        check_is_fitted(self)
        return np.array([len(idx) for idx, _, _ in self._candidates(self._input(X))])

    def kneighbors(self, X, n_neighbors=5, return_probability=True):
        """The most probable templates of each composition.

        Parameters
        ----------
        X : list-like of str, Composition or mapping
        n_neighbors : int, default=5
            Number of templates returned per composition.
        return_probability : bool, default=True
            Also return the templates' scores.

        Returns
        -------
        probabilities : ndarray of shape (n_samples, n_neighbors)
            Substitution scores (to the power ``sharpness``, times the
            template weight), highest first; 0
            where fewer templates are admissible.  Only when
            ``return_probability``.
        indices : ndarray of shape (n_samples, n_neighbors)
            Template indices (rows of the ``fit`` data); -1 where fewer
            templates are admissible.
        """
        check_is_fitted(self)
        if int(n_neighbors) < 1:
            raise ValueError(f"n_neighbors must be at least 1, got {n_neighbors}")
        items = self._input(X)
        k = int(n_neighbors)
        indices = np.full((len(items), k), -1, dtype=np.intp)
        probabilities = np.zeros((len(items), k))
        for row, (idx, scores, _) in enumerate(self._candidates(items)):
            n = min(k, len(idx))
            indices[row, :n] = idx[:n]
            probabilities[row, :n] = scores[:n]
        return (probabilities, indices) if return_probability else indices

    def leave_one_out_predict(self, X, y, *, return_n_templates=False):
        """Predict each composition from all the others, in one pass.

        Fits on ``(X, y)`` and predicts row ``i`` with template ``i`` left
        out: the same predictions as
        ``cross_val_predict(clf, X, y, cv=LeaveOneOut())`` ("each target
        against the other n - 1"), without refitting n times.

        Parameters
        ----------
        X : list-like of str, Composition or mapping
        y : array-like of shape (n_samples,)
        return_n_templates : bool, default=False
            Also return each row's number of admissible templates (0: the
            prediction is the fallback; Table 1 counts such a row as wrong).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        n_templates : ndarray of int of shape (n_samples,)
            Only when ``return_n_templates``.
        """
        self.fit(X, y)
        items = self._input(X)
        exclude = np.arange(len(items))
        pred = self._predict(self._rows(items, exclude=exclude))
        if not return_n_templates:
            return pred
        counts = [len(i) for i, _, _ in self._candidates(items, exclude=exclude)]
        return pred, np.array(counts)

    def leave_one_formula_out(self, X, y, sample_weight=None, *, top=3):
        """Predict each template from the templates of other formulas.

        Fits on ``(X, y, sample_weight)``, then predicts each row with every
        template of the same reduced species composition left out (its
        polymorphs included), as a user would predict a new compound.

        Parameters
        ----------
        X : list-like of str, Composition or mapping
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        top : int, default=3
            Number of labels returned per row.

        Returns
        -------
        result : Bunch
            ``labels`` (n_samples, top) object array of the most probable
            labels (None where fewer labels have a template),
            ``proba`` (n_samples, top) their probabilities,
            ``proba_true`` (n_samples,) the probability given to ``y``, and
            ``n_labels`` (n_samples,) the number of labels with an admissible
            template (0: the row got the prior).
        """
        self.fit(X, y, sample_weight)
        rows = self._rows(self._input(X), exclude_same=True)
        return self._top(
            rows, np.searchsorted(self.classes_, self.template_labels_), top
        )

    def _top(self, rows, true_codes, top):
        a = self.calibration_["prior_weight"] if self.calibration_ else 0.0
        n = len(rows)
        labels = np.full((n, top), None, dtype=object)
        proba = np.zeros((n, top))
        proba_true = np.zeros(n)
        counts = np.zeros(n, dtype=np.intp)
        for r, (codes, p, _, _) in enumerate(rows):
            if codes is None:
                proba_true[r] = self.class_prior_[true_codes[r]]
                continue
            counts[r] = len(codes)
            order = np.argsort(-p, kind="stable")[:top]
            labels[r, : len(order)] = self.classes_[codes[order]]
            proba[r, : len(order)] = p[order]
            hit = np.flatnonzero(codes == true_codes[r])
            proba_true[r] = (
                p[hit[0]] if len(hit) else a * self.class_prior_[true_codes[r]]
            )
        return Bunch(labels=labels, proba=proba, proba_true=proba_true, n_labels=counts)

    def _lofo_scores(self, items):
        """Leave-one-formula-out aggregated scores of every usable template.

        Returns, per usable row with candidates: the row index, the log of
        its candidate labels' aggregated scores and the position of its true
        label among them (-1 if absent).
        """
        rows = self._candidates(items, exclude_same=True)
        unusable = set(self.unusable_templates_.tolist())
        out = []
        for r, (idx, scores, _) in enumerate(rows):
            if not len(idx) or r in unusable:
                continue
            codes, agg, _ = self._class_scores(idx, scores)
            hit = np.flatnonzero(codes == self._codes[r])
            out.append((r, np.log(agg), hit[0] if len(hit) else -1))
        return out

    def _fit_calibration(self, items):
        """Temperature and prior weight by leave-one-formula-out log loss."""
        self.calibration_ = None
        lofo = self._lofo_scores(items)
        if not lofo:
            raise ValueError(
                "calibration='lofo' needs templates of at least two formulas "
                "with a common anonymous formula"
            )
        rows = np.array([r for r, _, _ in lofo])
        return fit_temperature(
            [la for _, la, _ in lofo],
            [h for _, _, h in lofo],
            self.template_weights_[rows],
            self.class_prior_[self._codes[rows]],
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _frame(P, elements):
    return pd.DataFrame(P, index=elements, columns=elements)


def _best_assignment(F):
    """Best product of one-to-one matches in ``F`` (targets x sites)."""
    with np.errstate(divide="ignore"):
        cost = -np.log(F)
    finite = np.where(np.isfinite(cost), cost, 1e6)
    rows, cols = linear_sum_assignment(finite)
    total = cost[rows, cols].sum()
    return float(np.exp(-total)) if np.isfinite(total) else 0.0


def fit_temperature(log_scores, hits, weights, prior_true):
    """Fit ``proba = (1 - a) * softmax(log_scores / T) + a * prior``.

    Minimises the weighted log loss of the true labels (temperature scaling
    with a prior mix).

    Parameters
    ----------
    log_scores : list of ndarray
        Per sample, the log aggregated scores of its candidate labels.
    hits : array-like of int
        Per sample, the position of the true label in its candidates, or -1.
    weights : array-like of float
        Sample weights.
    prior_true : array-like of float
        Per sample, the prior of its true label.

    Returns
    -------
    calibration : dict
        ``temperature``, ``prior_weight``, ``log_loss`` and ``n_samples``.

    References
    ----------
    .. [1] C. Guo et al., "On calibration of modern neural networks", ICML
       (2017).
    """
    segments = np.array([len(la) for la in log_scores])
    la = np.concatenate(log_scores)
    starts = np.r_[0, np.cumsum(segments)[:-1]]
    hits = np.asarray(hits)
    at = np.where(hits >= 0, starts + np.maximum(hits, 0), 0)
    weights, prior_true = np.asarray(weights, float), np.asarray(prior_true, float)
    seg_id = np.repeat(np.arange(len(segments)), segments)
    lo, hi = np.array([-6.0, -15.0]), np.array([6.0, 6.0])

    def loss(theta):
        theta = np.clip(theta, lo, hi)
        t, a = np.exp(theta[0]), 1 / (1 + np.exp(-theta[1]))
        z = la / t
        zmax = np.maximum.reduceat(z, starts)
        e = np.exp(z - zmax[seg_id])
        q = np.where(hits >= 0, e[at] / np.add.reduceat(e, starts), 0.0)
        p = (1 - a) * q + a * prior_true
        return -(weights * np.log(np.maximum(p, 1e-300))).sum() / weights.sum()

    res = minimize(loss, x0=[0.0, -3.0], method="Nelder-Mead")
    theta = np.clip(res.x, lo, hi)
    return {
        "temperature": float(np.exp(theta[0])),
        "prior_weight": float(1 / (1 + np.exp(-theta[1]))),
        "log_loss": float(res.fun),
        "n_samples": int(len(weights)),
    }


def _checked_calibration(values):
    try:
        t = float(values["temperature"])
        a = float(values["prior_weight"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "calibration must be 'lofo', None or a dict with numeric "
            f"'temperature' and 'prior_weight', got {values!r}"
        ) from None
    if not (t > 0 and 0 <= a < 1 and isinstance(t, Real)):
        raise ValueError(
            f"calibration needs temperature > 0 and 0 <= prior_weight < 1, got {values!r}"
        )
    return {"temperature": t, "prior_weight": a}


# -- built-in template library -------------------------------------------------
NO_PREDICTION = "no prediction"
_TEMPLATE_FILE = "structure_templates.csv"

#: Sharpness of the library's predictions, chosen by leave-one-formula-out
#: accuracy over the library among 1, 3, 6 and 10 (benchmarks/structure_types.py).
_LIBRARY_SHARPNESS = 3.0
#: Calibration of the built-in library with the default table, protocol
#: "all", polymorphs="evidence" (leave-one-formula-out; recomputed and printed
#: by ``benchmarks/structure_types.py``).  Other settings are calibrated when
#: first used.
_DEFAULT_CALIBRATION = {"temperature": 0.8809, "prior_weight": 0.2974}


@lru_cache(maxsize=1)
def _template_file():
    text = resources.files("sklearn_leafs").joinpath("data", _TEMPLATE_FILE)
    with text.open() as handle:
        return pd.read_csv(
            handle,
            comment="#",
            keep_default_na=False,
            na_values={"e_above_hull": [""], "formation_energy": [""]},
            dtype={"species": str, "structure_type": str, "energy_source": str},
        )


def load_templates(polymorphs="evidence"):
    """The built-in structure-template library.

    Built by ``scripts/build_templates.py`` from the open structure corpus
    (Materials Project, WBM, Alexandria, JARVIS and AFLOW prototype
    structures): every structure with its canonical AFLOW-style prototype
    label (pymatgen), its reduced and anonymous formula, its species, its
    source and energy evidence, and the polymorph choice.

    Parameters
    ----------
    polymorphs : {"evidence", "all", "rows"}, default="evidence"
        ``"evidence"``: the templates kept by the polymorph rule (column
        ``polymorph_rule``; weight 1, or ``1/k`` for ``k`` polymorphs the
        evidence cannot tell apart).  ``"all"``: one template per polymorph
        (formula and prototype) whatever the evidence, each of weight
        ``1/k`` for ``k`` polymorphs of the formula.  ``"rows"``: every row
        of the file, duplicates and unusable rows included.

    Returns
    -------
    templates : pandas.DataFrame
        Columns ``formula``, ``anonymous_formula``, ``species`` (e.g.
        ``"Zn2+:1 O2-:1"``; charge 0 for compositions without charge-balanced
        species), ``prototype``, ``structure_type`` (a human name, empty if
        none), ``spacegroup``, ``id``, ``source``, ``origin``,
        ``e_above_hull`` and ``formation_energy`` (eV/atom, NaN where
        unknown), ``energy_source``, ``weight`` and ``polymorph_rule``.

    Examples
    --------
    >>> templates = load_templates()
    >>> zno = templates[templates["formula"] == "ZnO"]
    >>> zno[["structure_type", "prototype", "polymorph_rule"]].values.tolist()
    [['wurtzite', 'AB_hP4_186_b_b', 'ground state']]
    """
    frame = _template_file()
    if polymorphs == "rows":
        return frame.copy()
    if polymorphs == "evidence":
        return frame[frame["weight"] > 0].reset_index(drop=True)
    if polymorphs == "all":
        reps = frame[
            (frame["species"] != "")
            & ~frame["polymorph_rule"].str.startswith("duplicate")
        ].copy()
        reps["weight"] = 1.0 / reps.groupby("formula")["formula"].transform("size")
        return reps.reset_index(drop=True)
    raise ValueError(
        f"polymorphs must be 'evidence', 'all' or 'rows', got {polymorphs!r}"
    )


def _species_mapping(text):
    return {s: int(a) for s, a in (part.split(":") for part in text.split())}


@lru_cache(maxsize=8)
def _library_classifier(table, protocol, polymorphs):
    templates = load_templates(polymorphs)
    calibration = "lofo"
    if (table, protocol, polymorphs) == ("default", "all", "evidence") and (
        _DEFAULT_CALIBRATION is not None
    ):
        calibration = dict(_DEFAULT_CALIBRATION)
    clf = SubstitutionClassifier(
        table=table,
        protocol=protocol,
        oxidation_states=None,
        aggregate="sum",
        sharpness=_LIBRARY_SHARPNESS,
        calibration=calibration,
    )
    X = [_species_mapping(s) for s in templates["species"]]
    clf.fit(X, templates["prototype"], sample_weight=templates["weight"].to_numpy())
    return clf, templates


def _names():
    frame = _template_file()
    named = frame[frame["structure_type"] != ""]
    return dict(zip(named["prototype"], named["structure_type"]))


_COLUMNS = [
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


def predict_structure_type(
    formulas,
    table="default",
    *,
    top=1,
    protocol="all",
    polymorphs="evidence",
    known="use",
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
    table : str, default="default"
        Name of a registered element table (or a LeafTable, path or
        DataFrame; those are not cached between calls).
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
        NaN probability and the reason.

    Raises
    ------
    ValueError
        If a composition cannot be read (the message names the row).

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.
    .. [2] G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data
       mined ionic substitutions for the discovery of new compounds", Inorg.
       Chem. 50, 656 (2011).
    .. [3] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
       Chemical Theory", J. Open Source Softw. 4, 1361 (2019).

    Examples
    --------
    >>> result = predict_structure_type(["MgO", "SrTiO3"])
    >>> result[["formula", "structure_type"]].to_string(index=False)
    'formula structure_type\\n    MgO      rock salt\\n SrTiO3     perovskite'
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
    if isinstance(table, str):
        clf, templates = _library_classifier(table, protocol, polymorphs)
    else:
        clf, templates = _library_classifier.__wrapped__(table, protocol, polymorphs)
    names = _names()
    # substitutions from the templates of other formulas; a compound of the
    # library then weighs these by its own kept polymorphs
    results = clf._rows(items, exclude_same=True)
    own = {}
    if known == "use":
        for j, comp in enumerate(clf.templates_):
            if clf.template_weights_[j] > 0:
                own.setdefault(comp, []).append(j)
    a = clf.calibration_["prior_weight"] if clf.calibration_ else 0.0
    rows = []
    for i, (item, (codes, proba, best, reason)) in enumerate(zip(items, results)):
        name = item if isinstance(item, str) else getattr(item, "reduced_formula", item)
        comp = clf._species_of(item, i)
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
    return pd.DataFrame(rows, columns=_COLUMNS)


def _known_compound(clf, mine, codes, proba, a):
    """Probabilities of a library compound over its own kept polymorphs.

    ``p(c) ~ w_c * q(c)``: the polymorph weight of prototype ``c`` among the
    compound's own templates times the probability that substitutions from
    other formulas give it (``a * prior`` for a prototype they do not reach,
    the prior alone when no other template matches), renormalised.
    """
    by_code = {}
    for j in mine:
        c = clf._codes[j]
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


def _format_lines(result):
    """One line per formula of a :func:`predict_structure_type` frame.

    ``ZnO  wurtzite (AB_hP4_186_b_b)  0.71  [zinc blende 0.18]  via ZnS mp-10695``
    (best prototype, its label, probability, runners-up, best template and
    its source id, then the reason or note in parentheses).
    """
    width = max(len(str(f)) for f in result["formula"])
    lines = []
    for _, rows in result.groupby("formula", sort=False):
        best = rows.iloc[0]
        head = f"{best['formula']:<{width}}"
        if best["structure_type"] == NO_PREDICTION:
            lines.append(f"{head}  {NO_PREDICTION}  ({best['reason']})")
            continue
        name = best["structure_type"]
        label = f" ({best['prototype']})" if name != best["prototype"] else ""
        text = f"{head}  {name}{label}  {best['probability']:.2f}"
        others = [
            f"{r['structure_type']} {r['probability']:.2f}"
            for _, r in rows.iloc[1:].iterrows()
        ]
        if others:
            text += f"  [{', '.join(others)}]"
        text += f"  via {best['template']} {best['source_id']}"
        if best["reason"]:
            text += f"  ({best['reason']})"
        lines.append(text)
    return lines

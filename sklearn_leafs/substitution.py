"""Structure-type prediction by the most likely elemental substitution.

:class:`SubstitutionClassifier` is a nearest-template classifier: ``fit``
stores known compositions (templates) with their labels (structure types),
and a new composition takes the label of the template it can be made from by
the most probable substitution.  Substitution probabilities come from element
similarities in a :class:`~sklearn_leafs.tables._leaf_table.LeafTable` (Eq. 1 of Vasylenko et al. 2024; see
:mod:`sklearn_leafs.similarity`).

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
    CsTe, has no prediction; so has a template whose substituted species is
    not in the list).  A template identical to the target is not a
    substitution and is not used.

``protocol="all"``
    Every template with the same anonymous formula is scored.  Its species are
    matched to the target's by oxidation role (sign of the charge) and
    stoichiometry (the best matching, found with
    :func:`scipy.optimize.linear_sum_assignment`), and the score is the product
    over matched sites of ``p(T <- P)``, an unchanged site counting 1.  On
    single-substitution templates this gives the same scores as ``"single"``,
    and an identical composition scores 1.  It works for ternaries and beyond.

A target with no admissible template gets the ``fallback`` label (or an error
with ``fallback="raise"``); it is never dropped.

Inputs are formula strings (oxidation states guessed with pymatgen),
pymatgen Compositions of ``Species`` (used as given) or of elements (guessed),
see :mod:`sklearn_leafs.chemistry._oxidation`.
"""

import csv
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from .chemistry._formula import as_items
from .chemistry._oxidation import (
    format_species,
    reduced_species,
    smact_oxidation_states,
    species_amounts,
)
from .similarity import _normalization_weights, _probabilities, _similarity
from .tables import get_table

__all__ = ["SubstitutionClassifier", "load_ab_templates", "predict_structure_type"]

NO_PREDICTION = "no prediction"


@lru_cache(maxsize=65536)
def _reduced_species_of(item):
    amounts = species_amounts(item)
    return None if amounts is None else reduced_species(amounts)


def _sign(charge):
    return (charge > 0) - (charge < 0)


class SubstitutionClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-template classifier by the most probable elemental substitution.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element table giving the element similarities: a LeafTable, a built-in
        name (``"default"``, ``"vasylenko2024"``), a CSV path, a DataFrame
        indexed by element, or the name of an ``elementembeddings`` embedding
        (``"magpie"``, ``"mat2vec"``, ...).
    metric : {"pearson", "cosine"}, default="pearson"
        Element similarity (:func:`sklearn_leafs.similarity.element_similarity`).
    standardize : bool, default=True
        Standardise every feature over all elements of the table first.
    protocol : {"single", "all"}, default="single"
        ``"single"``: only templates one same-charge substitution away, scored
        by ``p(T <- P)`` (SMACT-compatible; reproduces Table 1).  ``"all"``:
        all templates with the same anonymous formula, scored by the product
        of per-site probabilities (see the module docstring).
    oxidation_states : {"smact"} or None, default="smact"
        ``"smact"``: species must be in SMACT's default oxidation-state list
        (elements up to Bi), and each element is weighted by its number of
        states in the normalisation.  None: any charge of an element of the
        table is admissible, every element weighs 1.
    fallback : object, default="no prediction"
        Label predicted for a target without admissible template (also for a
        formula with no charge-balanced oxidation states).  ``"raise"`` raises
        a ValueError naming the row instead.  Use a label of the same type as
        ``y`` (e.g. ``-1`` for integer labels).

    Attributes
    ----------
    classes_ : ndarray
        The labels seen in ``fit``.
    table_ : LeafTable
        The resolved table.
    probabilities_ : pandas.DataFrame
        ``p(X <- X')`` for the table's elements (rows substituting, columns
        replaced); NaN outside the normalisation set.
    templates_ : list of tuple or None
        Reduced species composition of each template (None: no charge-balanced
        oxidation states could be guessed, so it is never used).
    template_labels_ : ndarray
        The label of each template (``y`` as given to ``fit``).
    unusable_templates_ : ndarray of int
        Indices of the templates without charge-balanced oxidation states
        (e.g. intermetallics given as plain formulas); they are kept but can
        never be chosen.

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
        "oxidation_states": [StrOptions({"smact"}), None],
        "fallback": "no_validation",
    }

    def __init__(
        self,
        table="default",
        *,
        metric="pearson",
        standardize=True,
        protocol="single",
        oxidation_states="smact",
        fallback=NO_PREDICTION,
    ):
        self.table = table
        self.metric = metric
        self.standardize = standardize
        self.protocol = protocol
        self.oxidation_states = oxidation_states
        self.fallback = fallback

    # -- fitting -----------------------------------------------------------
    def fit(self, X, y):
        """Store the templates ``X`` with their labels ``y``.

        Parameters
        ----------
        X : list-like of str or Composition
            Template compositions (1-D, a Series or one column).
        y : array-like of shape (n_samples,)
            Their labels (structure types).

        Returns
        -------
        self : SubstitutionClassifier
        """
        self._validate_params()
        items = as_items(X)
        labels = np.asarray(as_items(y, name="y"))
        check_consistent_length(items, labels)
        if len(items) == 0:
            raise ValueError("fit needs at least one template")
        self.classes_ = np.unique(labels)
        self.template_labels_ = labels
        self.table_ = get_table(self.table)
        elements = self.table_.elements
        self._row = {el: i for i, el in enumerate(elements)}
        S = _similarity(self.table_.values, self.metric, self.standardize)
        weights = _normalization_weights(elements, self.oxidation_states)
        P = _probabilities(S, weights, "conditional")
        P[:, weights == 0] = np.nan
        P[weights == 0, :] = np.nan
        self._P = P
        self._inside = {el for el, w in zip(elements, weights) if w > 0}
        self.probabilities_ = pd.DataFrame(P, index=elements, columns=elements)
        self.templates_ = [
            self._species_of(item, row) for row, item in enumerate(items)
        ]
        self.unusable_templates_ = np.array(
            [j for j, comp in enumerate(self.templates_) if comp is None], dtype=np.intp
        )
        self._build_index()
        return self

    def _species_of(self, item, row):
        try:
            try:
                return _reduced_species_of(item)
            except TypeError:  # unhashable item, e.g. a dict
                return _reduced_species_of.__wrapped__(item)
        except ValueError as exc:
            raise ValueError(f"row {row} ({item!r}): {exc}") from None

    def _admissible(self, species):
        element, charge = species
        if element not in self._inside:
            return False
        if self.oxidation_states == "smact":
            return charge in smact_oxidation_states().get(element, ())
        return True

    def _build_index(self):
        self._single, self._anonymous = {}, {}
        for j, comp in enumerate(self.templates_):
            if comp is None:
                continue
            if self.protocol == "single":
                for i, (species, amount) in enumerate(comp):
                    key = (comp[:i] + comp[i + 1 :], species[1], amount)
                    self._single.setdefault(key, []).append((j, species))
            else:
                signature = tuple(sorted((_sign(q), a) for (_, q), a in comp))
                self._anonymous.setdefault(signature, []).append(j)

    # -- scoring -------------------------------------------------------------
    def _p(self, target, parent):
        """``p(target <- parent)`` for two admissible species."""
        return self._P[self._row[target[0]], self._row[parent[0]]]

    def _candidates_single(self, comp):
        found = []
        for i, (species, amount) in enumerate(comp):
            key = (comp[:i] + comp[i + 1 :], species[1], amount)
            for j, parent in self._single.get(key, ()):
                if parent != species and self._admissible(parent):
                    found.append((j, self._p(species, parent)))
        return found

    def _candidates_all(self, comp):
        signature = tuple(sorted((_sign(q), a) for (_, q), a in comp))
        groups = {}
        for species, amount in comp:
            groups.setdefault((_sign(species[1]), amount), []).append(species)
        found = []
        for j in self._anonymous.get(signature, ()):
            template_groups = {}
            for species, amount in self.templates_[j]:
                template_groups.setdefault((_sign(species[1]), amount), []).append(
                    species
                )
            score = 1.0
            for key, targets in groups.items():
                score *= self._best_matching(targets, template_groups[key])
                if score == 0:
                    break
            if score > 0:
                found.append((j, score))
        return found

    def _best_matching(self, targets, parents):
        cost = np.full((len(targets), len(parents)), np.inf)
        for a, t in enumerate(targets):
            for b, p in enumerate(parents):
                if t == p:
                    cost[a, b] = 0.0
                elif self._admissible(p):
                    cost[a, b] = -np.log(self._p(t, p))
        if len(targets) == 1:
            return float(np.exp(-cost[0, 0]))
        finite = np.where(np.isfinite(cost), cost, 1e6)
        rows, cols = linear_sum_assignment(finite)
        total = cost[rows, cols].sum()
        return float(np.exp(-total)) if np.isfinite(total) else 0.0

    def _candidates(self, items, exclude=None):
        """Per item: (template indices, scores) sorted by decreasing score.

        ``exclude[row]`` is a template index left out for that row.
        """
        results = []
        for row, item in enumerate(items):
            comp = self._species_of(item, row)
            found = []
            if comp is not None and all(self._admissible(s) for s, _ in comp):
                if self.protocol == "single":
                    found = self._candidates_single(comp)
                else:
                    found = self._candidates_all(comp)
            if exclude is not None:
                found = [(j, p) for j, p in found if j != exclude[row]]
            idx = np.array([j for j, _ in found], dtype=np.intp)
            scores = np.array([s for _, s in found], dtype=float)
            order = np.argsort(-scores, kind="stable")
            results.append((idx[order], scores[order], comp))
        return results

    def _no_template(self, row, item, comp):
        if comp is None:
            why = "no charge-balanced oxidation states could be guessed"
        else:
            names = ", ".join(format_species(s) for s, _ in comp)
            why = f"no admissible template for species {names}"
        return f"row {row} ({item!r}): {why}"

    # -- public API ----------------------------------------------------------
    def predict(self, X):
        """Label of the most probable template of each composition.

        Compositions without admissible template get ``fallback`` (or raise).

        Parameters
        ----------
        X : list-like of str or Composition

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self._predict(as_items(X))

    def _predict(self, items, exclude=None):
        out = []
        for row, (idx, _, comp) in enumerate(self._candidates(items, exclude)):
            if len(idx):
                out.append(self.template_labels_[idx[0]])
            elif isinstance(self.fallback, str) and self.fallback == "raise":
                raise ValueError(self._no_template(row, items[row], comp))
            else:
                out.append(self.fallback)
        return _as_label_array(out, self.template_labels_)

    def predict_proba(self, X):
        """Class probabilities from the best template of each class.

        The score of a class is that of its most probable template; the scores
        are normalised to sum to one, so ``predict`` is the argmax.  A
        composition without admissible template gets a row of zeros (or an
        error with ``fallback="raise"``).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        items = as_items(X)
        codes = np.searchsorted(self.classes_, self.template_labels_)
        proba = np.zeros((len(items), len(self.classes_)))
        for row, (idx, scores, comp) in enumerate(self._candidates(items)):
            if not len(idx):
                if isinstance(self.fallback, str) and self.fallback == "raise":
                    raise ValueError(self._no_template(row, items[row], comp))
                continue
            np.maximum.at(proba[row], codes[idx], scores)
            proba[row] /= proba[row].sum()
        return proba

    def kneighbors(self, X, n_neighbors=5, return_probability=True):
        """The most probable templates of each composition.

        Parameters
        ----------
        X : list-like of str or Composition
        n_neighbors : int, default=5
            Number of templates returned per composition.
        return_probability : bool, default=True
            Also return the templates' substitution probabilities.

        Returns
        -------
        probabilities : ndarray of shape (n_samples, n_neighbors)
            Scores, highest first; 0 where fewer templates are admissible.
            Only when ``return_probability``.
        indices : ndarray of shape (n_samples, n_neighbors)
            Template indices (rows of the ``fit`` data); -1 where fewer
            templates are admissible.
        """
        check_is_fitted(self)
        if int(n_neighbors) < 1:
            raise ValueError(f"n_neighbors must be at least 1, got {n_neighbors}")
        items = as_items(X)
        k = int(n_neighbors)
        indices = np.full((len(items), k), -1, dtype=np.intp)
        probabilities = np.zeros((len(items), k))
        for row, (idx, scores, _) in enumerate(self._candidates(items)):
            n = min(k, len(idx))
            indices[row, :n] = idx[:n]
            probabilities[row, :n] = scores[:n]
        return (probabilities, indices) if return_probability else indices

    def leave_one_out_predict(self, X, y):
        """Predict each composition from all the others, in one pass.

        Fits on ``(X, y)`` and predicts row ``i`` with template ``i`` left
        out: the same predictions as
        ``cross_val_predict(clf, X, y, cv=LeaveOneOut())`` ("each target
        against the other n - 1"), without refitting n times.

        Parameters
        ----------
        X : list-like of str or Composition
        y : array-like of shape (n_samples,)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        self.fit(X, y)
        items = as_items(X)
        return self._predict(items, exclude=np.arange(len(items)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _as_label_array(values, like):
    try:
        out = np.asarray(values, dtype=like.dtype)
        if like.dtype.kind in "US" and any(
            str(v) != o for v, o in zip(values, out.tolist())
        ):
            raise ValueError
        return out
    except (ValueError, TypeError):
        return np.asarray(values, dtype=object)


# -- built-in template library -------------------------------------------------
def load_ab_templates():
    """The built-in library of AB binary templates with their structure types.

    Built by ``scripts/build_templates.py`` from the AB binaries of the open
    structure corpus, labelled rock salt / cscl / zinc blende / wurtzite /
    other with pymatgen's ``StructureMatcher``.

    Returns
    -------
    templates : pandas.DataFrame
        Columns ``formula``, ``structure_type`` and ``source_id``.

    Examples
    --------
    >>> templates = load_ab_templates()
    >>> list(templates.columns)
    ['formula', 'structure_type', 'source_id']
    """
    text = (
        resources.files("sklearn_leafs")
        .joinpath("data", "ab_templates.csv")
        .read_text()
    )
    rows = [
        r
        for r in csv.reader(
            line for line in text.splitlines() if not line.startswith("#")
        )
    ]
    return pd.DataFrame(rows[1:], columns=rows[0])


@lru_cache(maxsize=8)
def _library_classifier(table, protocol):
    templates = load_ab_templates()
    clf = SubstitutionClassifier(table=table, protocol=protocol)
    return clf.fit(templates["formula"], templates["structure_type"]), templates


def predict_structure_type(formulas, table="default", *, top=1, protocol="single"):
    """Predict structure types offline from the built-in AB template library.

    Parameters
    ----------
    formulas : str or list-like of str or Composition
        Compositions to predict (a single formula is accepted).
    table : LeafTable, str, path or DataFrame, default="default"
        Element table for the substitution probabilities.
    top : int, default=1
        Number of best templates reported per composition.
    protocol : {"single", "all"}, default="single"
        See :class:`SubstitutionClassifier`.

    Returns
    -------
    predictions : pandas.DataFrame
        One row per composition and rank: ``formula``, ``rank``,
        ``structure_type`` (the template's type), ``template``, ``source_id``
        and ``probability``.  A composition without admissible template gets a
        single row with ``structure_type="no prediction"``, empty template and
        probability 0.

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
    >>> predict_structure_type("AgBr")[["formula", "structure_type", "template"]]
      formula structure_type template
    0    AgBr      rock salt     AgCl
    """
    if isinstance(formulas, str) or type(formulas).__name__ == "Composition":
        formulas = [formulas]
    items = as_items(formulas, name="formulas")
    if int(top) < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    key = table if isinstance(table, str) else None
    if key is not None:
        clf, templates = _library_classifier(key, protocol)
    else:
        clf, templates = _library_classifier.__wrapped__(table, protocol)
    probabilities, indices = clf.kneighbors(items, n_neighbors=int(top))
    rows = []
    for i, item in enumerate(items):
        name = item if isinstance(item, str) else item.reduced_formula
        if indices[i, 0] < 0:
            rows.append((name, 1, NO_PREDICTION, None, None, 0.0))
            continue
        for rank, (j, p) in enumerate(zip(indices[i], probabilities[i]), start=1):
            if j < 0:
                break
            t = templates.iloc[j]
            rows.append((name, rank, t.structure_type, t.formula, t.source_id, p))
    return pd.DataFrame(
        rows,
        columns=[
            "formula",
            "rank",
            "structure_type",
            "template",
            "source_id",
            "probability",
        ],
    )

"""Structure-type prediction by the most likely substitution: the classifier.

:class:`SubstitutionClassifier` is a nearest-template classifier: ``fit``
stores known compositions (templates) with their labels (structure types),
and a new composition takes the label of the templates it can be made from by
the most probable substitutions.  Substitution probabilities come from a
:class:`SubstitutionModel` (Eq. 1 of Vasylenko et al.); the templates are
found by the index of the ``protocol`` (:mod:`._index`).

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

Inputs are formula strings (oxidation states guessed with pymatgen),
pymatgen Compositions of ``Species`` (used as given) or of elements (guessed),
or mappings of species strings to amounts, see
:func:`sklearn_leafs.chemistry.guess_oxidation_states`.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from .._citations import cite
from ..base import formula_input
from ..chemistry import as_items, format_species
from ..tables import get_table
from ..tables._leaf_table import row_element
from ._calibration import checked_calibration, fit_temperature
from ._index import PROTOCOLS
from ._matching import reduced_species_of
from ._model import (
    MIN_SPECIES_SITES,
    MODEL_CONSTRAINTS,
    SubstitutionModel,
    document_model_options,
)

__all__ = ["SubstitutionClassifier"]


@cite
class SubstitutionClassifier(ClassifierMixin, BaseEstimator):
    """Nearest-template classifier by the most probable elemental substitution.

    Parameters
    ----------
    %(table)s
    %(metric)s
    %(standardize)s
    protocol : {"single", "all"}, default="single"
        ``"single"``: only templates one same-charge substitution away, scored
        by ``p(T <- P)`` (SMACT-compatible; reproduces Table 1).  ``"all"``:
        all templates with the same anonymous formula, scored by the product
        of per-site probabilities (see the module docstring).
    %(oxidation_states)s
        A target or template species outside the set is not admissible.
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
    model_ : SubstitutionModel
        The substitution probabilities (conditional normalisation; on a
        species table with the templates' species asked for by name).
    probabilities_ : pandas.DataFrame
        ``p(X <- X')`` of ``model_`` (rows substituting, columns replaced);
        NaN outside the normalisation set.
    index_ : SingleSubstitutionIndex or AnonymousFormulaIndex
        The templates indexed for ``protocol``; its ``candidates(comp)``
        gives the admissible templates of a reduced species composition.
    template_codes_ : ndarray of int
        Index into ``classes_`` of every template's label.
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
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.
    .. [3] {cite:smact2019}.
    .. [4] {cite:guo2017}; temperature scaling.

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
        "table": MODEL_CONSTRAINTS["table"],
        "metric": MODEL_CONSTRAINTS["metric"],
        "standardize": MODEL_CONSTRAINTS["standardize"],
        "protocol": [StrOptions(set(PROTOCOLS))],
        "oxidation_states": MODEL_CONSTRAINTS["oxidation_states"],
        "aggregate": [StrOptions({"max", "sum"})],
        "sharpness": [Interval(Real, 0, None, closed="neither")],
        "calibration": [StrOptions({"lofo"}), dict, None],
        "fallback": [StrOptions({"prior", "raise"})],
    }

    def __init__(
        self,
        table="vasylenko2024",
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
        self.template_codes_ = self._codes
        self.template_weights_ = weights
        self.table_ = get_table(self.table)
        protocol = PROTOCOLS[self.protocol]
        self.templates_ = [
            self._species_of(item, row, protocol.neutral)
            for row, item in enumerate(items)
        ]
        self.model_ = self._model()
        self.probabilities_ = self.model_.probabilities()
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
        self.index_ = protocol(self.templates_, usable, self.model_)
        self.calibration_ = None
        if isinstance(self.calibration, dict):
            self.calibration_ = checked_calibration(self.calibration)
        elif self.calibration == "lofo":
            self.calibration_ = self._fit_calibration(items)
        return self

    def _species_of(self, item, row, neutral=None):
        if neutral is None:
            neutral = PROTOCOLS[self.protocol].neutral
        try:
            return reduced_species_of(item, neutral=neutral)
        except ValueError as exc:
            raise ValueError(f"row {row} ({item!r}): {exc}") from None

    def species_compositions(self, X):
        """Reduced species composition of each composition, as ``fit`` reads it.

        Parameters
        ----------
        X : list-like of str, Composition or mapping

        Returns
        -------
        compositions : list of tuple or None
            ``((element, charge), amount)`` pairs (charge 0 for neutral
            elements under ``protocol="all"``); None without charge-balanced
            oxidation states under ``protocol="single"``.
        """
        check_is_fitted(self)
        return [self._species_of(item, row) for row, item in enumerate(X)]

    def _model(self):
        """The substitution model of the fitted table and options.

        On a species table (``"Ti4+"``, ``"O2-"``) the templates' species are
        asked for by name (a species below the site threshold, or absent,
        takes its element's row, with a warning); species of elements the
        table lacks altogether cannot be scored and their templates are never
        matched (as with an element table).
        """
        wanted = ()
        if self.table_.has_species:
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
        return SubstitutionModel(
            self.table_,
            metric=self.metric,
            standardize=self.standardize,
            normalization="conditional",
            oxidation_states=self.oxidation_states,
            min_sites=MIN_SPECIES_SITES,
            species=wanted,
        )

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
            if comp is not None and all(self.model_.admissible(s) for s, _ in comp):
                idx, scores = self.index_.candidates(comp)
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
            inadmissible = [s for s, _ in comp if not self.model_.admissible(s)]
            if inadmissible:
                names = ", ".join(format_species(s) for s in inadmissible)
                why = f"species {names} outside the table's admissible species"
            else:
                why = self.index_.no_template(comp)
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
    def rank(self, X, *, exclude_same_formula=False):
        """The candidate labels of each composition with their probabilities.

        Parameters
        ----------
        X : list-like of str, Composition or mapping
        exclude_same_formula : bool, default=False
            Leave out every template with the row's reduced species
            composition (its polymorphs included), as a new compound is
            predicted.

        Returns
        -------
        rows : list of tuple
            Per composition ``(codes, proba, best, reason)``: indices into
            ``classes_`` of the labels with an admissible template, by
            decreasing aggregated score, their probabilities (prior mix
            included), the best template of each and None; or ``(None, None, None,
            reason)`` without admissible template (``fallback="prior"``).
        """
        check_is_fitted(self)
        return self._rows(self._input(X), exclude_same=exclude_same_formula)

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


SubstitutionClassifier = document_model_options(SubstitutionClassifier)

"""An "unexplored" (novelty) score for phase fields, fitted on known ones.

In the spirit of PhaseSelect's ranking of candidate phase fields: a field that
looks unlike every known field, in the space of pooled element vectors, is
*unexplored* relative to the known set. This is an outlier score, not a
probability that the field can be synthesised or holds a stable compound.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.ensemble import IsolationForest
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._citations import cite
from .featurizers._phase_field import PhaseFieldFeaturizer

__all__ = ["PhaseFieldNoveltyScorer"]


def _default_featurizer():
    return PhaseFieldFeaturizer()


def _default_estimator():
    return IsolationForest(n_estimators=200)


#: What ``featurizer=None`` and ``estimator=None`` stand for.
_DEFAULTS = {"featurizer": _default_featurizer, "estimator": _default_estimator}


def _estimator_has(name):
    """``available_if`` check: the (fitted or given) outlier model has ``name``."""

    def check(self):
        est = getattr(self, "estimator_", None)
        if est is None:
            est = self.estimator if self.estimator is not None else _default_estimator()
        return hasattr(est, name)

    return check


@cite
class PhaseFieldNoveltyScorer(OutlierMixin, BaseEstimator):
    """Score how unexplored phase fields are, relative to known phase fields.

    A meta-estimator: phase fields are featurized by ``featurizer`` (a
    :class:`PhaseFieldFeaturizer` by default) and an outlier model,
    ``estimator`` (an :class:`~sklearn.ensemble.IsolationForest` by default),
    is fitted on the features of the known fields. :meth:`novelty_score` then
    gives, for a new field, the fraction of the training fields that look
    *more typical* than it (a percentile of atypicality): about 0.5 for an
    ordinary known field, close to 1 for a field unlike anything in the
    training set.

    What the score means, and what it does not:

    - It measures distance from the *known* chemistry in feature space. A
      high score says "nothing like this has been reported in the training
      set", which is what a screen for unexplored fields wants.
    - It is **not** a synthesis probability, a stability estimate or a
      likelihood that a compound exists. Fields of noble gases score as highly
      unexplored: they are unexplored for good reasons.
    - It inherits the biases of the training set (what was measured and
      reported), and, with the default forest, depends on its random state
      (``estimator__random_state``).

    Parameters
    ----------
    featurizer : transformer, default=None
        Turns phase fields into feature vectors (``fit_transform`` and
        ``transform``); cloned in :meth:`fit`. None means
        ``PhaseFieldFeaturizer()`` (the default table, poolings
        ``("mean", "max", "min", "std")``). Its parameters are reachable as
        ``featurizer__<name>``, e.g. ``featurizer__table`` in a grid search.
    estimator : outlier detector, default=None
        Fitted on the features of the known fields; needs ``score_samples``
        (higher = more typical), and ``predict``/``decision_function`` for
        those methods here. Cloned in :meth:`fit`. None means
        ``IsolationForest(n_estimators=200)``. Its parameters are reachable
        as ``estimator__<name>`` (``estimator__random_state``,
        ``estimator__n_jobs``...).

    Attributes
    ----------
    featurizer_ : transformer
        The fitted featurizer.
    estimator_ : estimator
        The fitted outlier model.
    train_scores_ : ndarray of shape (n_train,)
        Sorted ``score_samples`` of the training fields (the reference
        distribution of :meth:`novelty_score`).
    n_features_in_ : int
        Always 1 (one column of phase fields).

    See Also
    --------
    PhaseFieldFeaturizer : the default featurization of the phase fields.
    sklearn.ensemble.IsolationForest : the default outlier model.

    Notes
    -----
    ``set_params(featurizer__table=...)`` (as a grid search calls it) on a
    scorer whose ``featurizer`` (or ``estimator``) is None first replaces the
    None with the default it stands for, so nested parameters work with the
    defaults too; the shared default is never modified.

    References
    ----------
    .. [1] {cite:phaseselect2023}.
    .. [2] F. T. Liu, K. M. Ting and Z.-H. Zhou, "Isolation forest", Proc. 8th
       IEEE Int. Conf. on Data Mining (ICDM), 413 (2008).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.ensemble import IsolationForest
    >>> from sklearn_leafs import PhaseFieldFeaturizer
    >>> from sklearn_leafs.novelty import PhaseFieldNoveltyScorer
    >>> table = pd.DataFrame(
    ...     {"f": [1.0, 1.1, 1.2, 1.3, 9.0]}, index=["O", "S", "Se", "Te", "He"]
    ... )
    >>> known = ["O S", "S Se", "Se Te", "O Te", "O Se", "S Te"]
    >>> scorer = PhaseFieldNoveltyScorer(
    ...     featurizer=PhaseFieldFeaturizer(table=table),
    ...     estimator=IsolationForest(n_estimators=200, random_state=0),
    ... ).fit(known)
    >>> scorer.novelty_score(["O Se", "He Te"]).round(2)
    array([0.33, 1.  ])
    >>> scorer.predict(["O Se", "He Te"])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "featurizer": [HasMethods(["fit_transform", "transform"]), None],
        "estimator": [HasMethods(["fit", "score_samples"]), None],
    }

    def __init__(self, featurizer=None, estimator=None):
        self.featurizer = featurizer
        self.estimator = estimator

    def set_params(self, **params):
        """Set parameters; ``featurizer__*``/``estimator__*`` work with None too.

        Returns
        -------
        self
        """
        for name, default in _DEFAULTS.items():
            nested = any(key.startswith(f"{name}__") for key in params)
            if nested and name not in params and getattr(self, name) is None:
                setattr(self, name, default())
        return super().set_params(**params)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the featurizer and the outlier model on known phase fields.

        Parameters
        ----------
        X : list-like of phase fields
            Strings such as ``"Ba Ca Cu La O"`` or iterables of symbols.
        y : ignored

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a bad phase field (see :class:`PhaseFieldFeaturizer`).
        """
        featurizer = self.featurizer
        estimator = self.estimator
        self.featurizer_ = clone(
            _default_featurizer() if featurizer is None else featurizer
        )
        Z = self.featurizer_.fit_transform(X)
        self.n_features_in_ = 1
        if hasattr(self.featurizer_, "feature_names_in_"):
            self.feature_names_in_ = self.featurizer_.feature_names_in_
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.estimator_ = clone(
            _default_estimator() if estimator is None else estimator
        ).fit(Z)
        self.train_scores_ = np.sort(self.estimator_.score_samples(Z))
        return self

    def _features(self, X):
        check_is_fitted(self, "estimator_")
        return self.featurizer_.transform(X)

    def score_samples(self, X):
        """Outlier-model score: higher means more typical of the known fields.

        Parameters
        ----------
        X : list-like of phase fields

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        features = self._features(X)  # checks that the scorer is fitted first
        return self.estimator_.score_samples(features)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Shifted score of the outlier model: negative for outliers."""
        features = self._features(X)  # checks that the scorer is fitted first
        return self.estimator_.decision_function(features)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """-1 for fields unlike the known ones (outliers), +1 otherwise."""
        features = self._features(X)  # checks that the scorer is fitted first
        return self.estimator_.predict(features)

    def novelty_score(self, X):
        """Fraction of training phase fields that look more typical than each field.

        Parameters
        ----------
        X : list-like of phase fields

        Returns
        -------
        novelty : ndarray of shape (n_samples,)
            In [0, 1]; about 0.5 for a typical known field, 1 when every
            training field is more typical. Not a synthesis probability.
        """
        scores = self.score_samples(X)
        ref = self.train_scores_
        more_typical = ref.size - np.searchsorted(ref, scores, side="right")
        return more_typical / ref.size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

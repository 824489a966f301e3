"""An "unexplored" (novelty) score for phase fields, fitted on known ones.

In the spirit of PhaseSelect's ranking of candidate phase fields: a field that
looks unlike every known field, in the space of pooled element vectors, is
*unexplored* relative to the known set. This is an outlier score, not a
probability that the field can be synthesised or holds a stable compound.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.ensemble import IsolationForest
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from .featurizers._base import TABLE_CONSTRAINT
from .featurizers._phase_field import PhaseFieldFeaturizer

__all__ = ["PhaseFieldNoveltyScorer"]


class PhaseFieldNoveltyScorer(OutlierMixin, BaseEstimator):
    """Score how unexplored phase fields are, relative to known phase fields.

    Phase fields are featurized with :class:`PhaseFieldFeaturizer` and an
    :class:`~sklearn.ensemble.IsolationForest` is fitted on the known fields.
    :meth:`novelty_score` then gives, for a new field, the fraction of the
    training fields that look *more typical* than it (a percentile of
    atypicality): about 0.5 for an ordinary known field, close to 1 for a field
    unlike anything in the training set.

    What the score means, and what it does not:

    - It measures distance from the *known* chemistry in LEAF space. A high
      score says "nothing like this has been reported in the training set",
      which is what a screen for unexplored fields wants.
    - It is **not** a synthesis probability, a stability estimate or a
      likelihood that a compound exists. Fields of noble gases score as highly
      unexplored: they are unexplored for good reasons.
    - It inherits the biases of the training set (what was measured and
      reported), and depends on ``random_state``.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element table for :class:`PhaseFieldFeaturizer`.
    pooling : tuple of str, default=("mean", "max", "min", "std")
        Poolings for :class:`PhaseFieldFeaturizer`.
    n_estimators : int, default=200
        Number of isolation trees.
    max_samples : "auto", int or float, default="auto"
        Passed to :class:`~sklearn.ensemble.IsolationForest`.
    contamination : "auto" or float in (0, 0.5], default="auto"
        Fraction of training fields that :meth:`predict` calls outliers.
    random_state : int, RandomState instance or None, default=None
        Seed of the isolation forest.
    n_jobs : int, default=None
        Parallel jobs of the isolation forest (results do not depend on it).

    Attributes
    ----------
    featurizer_ : PhaseFieldFeaturizer
        The fitted featurizer.
    forest_ : IsolationForest
        The fitted isolation forest.
    train_scores_ : ndarray of shape (n_train,)
        Sorted ``score_samples`` of the training fields (the reference
        distribution of :meth:`novelty_score`).
    n_features_in_ : int
        Always 1 (one column of phase fields).

    See Also
    --------
    PhaseFieldFeaturizer : the featurization of the phase fields.
    sklearn.ensemble.IsolationForest : the outlier model.

    References
    ----------
    .. [1] A. Vasylenko et al., "Element selection for functional materials
       discovery by integrated machine learning of elemental contributions to
       properties", npj Comput. Mater. 9, 164 (2023) (PhaseSelect). Code and
       data: https://github.com/lrcfmd/PhaseSelect.
    .. [2] F. T. Liu, K. M. Ting and Z.-H. Zhou, "Isolation forest", Proc. 8th
       IEEE Int. Conf. on Data Mining (ICDM), 413 (2008).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs.novelty import PhaseFieldNoveltyScorer
    >>> table = pd.DataFrame(
    ...     {"f": [1.0, 1.1, 1.2, 1.3, 9.0]}, index=["O", "S", "Se", "Te", "He"]
    ... )
    >>> known = ["O S", "S Se", "Se Te", "O Te", "O Se", "S Te"]
    >>> scorer = PhaseFieldNoveltyScorer(table=table, random_state=0).fit(known)
    >>> scorer.novelty_score(["O Se", "He Te"]).round(2)
    array([0.33, 1.  ])
    >>> scorer.predict(["O Se", "He Te"])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "table": TABLE_CONSTRAINT,
        "pooling": [tuple, list, str],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
        ],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        table="default",
        pooling=("mean", "max", "min", "std"),
        n_estimators=200,
        max_samples="auto",
        contamination="auto",
        random_state=None,
        n_jobs=None,
    ):
        self.table = table
        self.pooling = pooling
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        """Fit the featurizer and the isolation forest on known phase fields.

        Parameters
        ----------
        X : list-like of phase fields
            Strings such as ``"Ba Ca Cu La O"`` or iterables of symbols.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self.featurizer_ = PhaseFieldFeaturizer(table=self.table, pooling=self.pooling)
        Z = self.featurizer_.fit_transform(X)
        self.n_features_in_ = 1
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=self.max_samples,
            contamination=self.contamination,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
        ).fit(Z)
        self.train_scores_ = np.sort(self.forest_.score_samples(Z))
        return self

    def _features(self, X):
        check_is_fitted(self, "forest_")
        return self.featurizer_.transform(X)

    def score_samples(self, X):
        """Isolation-forest score: higher means more typical of the known fields.

        Parameters
        ----------
        X : list-like of phase fields

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return self.forest_.score_samples(self._features(X))

    def decision_function(self, X):
        """Shifted score: negative for outliers, positive for inliers."""
        return self.forest_.decision_function(self._features(X))

    def predict(self, X):
        """-1 for fields unlike the known ones (outliers), +1 otherwise."""
        return self.forest_.predict(self._features(X))

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

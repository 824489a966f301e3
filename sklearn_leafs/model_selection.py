"""Cross-validation splitters that keep related phase fields apart.

Phase fields overlap: ``Ba Cu O`` and ``Ba Cu O Y`` are different fields with
related labels. In plain K-fold CV on the PhaseSelect tasks 95-99.8% of test
fields have a subset or superset among the training fields, which flatters
every model. :class:`PhaseFieldKFold` removes those relatives from training.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import BaseCrossValidator, KFold, StratifiedKFold

from ._citations import cite
from .chemistry._elements import ELEMENTS, is_element
from .featurizers._phase_field import parse_phase_field, phase_field_items

__all__ = ["PhaseFieldKFold", "field_membership", "related_fields"]

_COLUMN = {el: i for i, el in enumerate(ELEMENTS)}


def field_membership(fields):
    """Sparse 0/1 matrix (n_fields, 118): which elements each field holds.

    Parameters
    ----------
    fields : sequence of phase fields
        Strings (``"Ba Cu O"``, ``"Ba-Cu-O"``) or collections of symbols.

    Returns
    -------
    scipy.sparse.csr_matrix of float32, columns in atomic-number order.

    Raises
    ------
    ValueError
        Naming the row and token when a field holds a non-element token or is
        empty.

    Examples
    --------
    >>> from sklearn_leafs.model_selection import field_membership
    >>> field_membership(["Cu O", "Ba-Cu-O"]).sum(axis=1).A1.tolist()
    [2.0, 3.0]
    """
    rows, cols = [], []
    for r, field in enumerate(fields):
        try:
            tokens = parse_phase_field(field)
        except TypeError as exc:
            raise ValueError(f"row {r}: {exc}") from None
        bad = [t for t in tokens if not is_element(t)]
        if bad or not tokens:
            what = f"{', '.join(map(repr, bad))} not element(s)" if bad else "empty"
            raise ValueError(f"row {r}: phase field {field!r}: {what}")
        rows.extend([r] * len(tokens))
        cols.extend(_COLUMN[t] for t in tokens)
    return sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(fields), len(ELEMENTS)),
    )


def related_fields(query, reference, *, chunk=1024):
    """For each query field: is it a subset or a superset of a reference field?

    Parameters
    ----------
    query, reference : sparse membership matrices
        From :func:`field_membership`. Equal fields count as related.
    chunk : int, default=1024
        Query rows handled per sparse product (bounds memory).

    Returns
    -------
    ndarray of bool, shape (n_query,)

    Examples
    --------
    >>> from sklearn_leafs.model_selection import field_membership, related_fields
    >>> q = field_membership(["Ba Cu O", "Fe Se", "Ba Cu O Y"])
    >>> related_fields(q, field_membership(["Cu O", "Ba Cu O Y Hg"])).tolist()
    [True, False, True]
    """
    query, reference = sp.csr_matrix(query), sp.csr_matrix(reference)
    size_q = np.asarray(query.sum(1)).ravel()
    size_r = np.asarray(reference.sum(1)).ravel()
    out = np.zeros(query.shape[0], dtype=bool)
    ref_t = reference.T.tocsc()
    for start in range(0, query.shape[0], chunk):
        inter = (query[start : start + chunk] @ ref_t).toarray()
        inside = inter == size_q[start : start + chunk, None]  # query within ref
        holds = inter == size_r[None, :]  # ref within query
        out[start : start + chunk] = (inside | holds).any(1)
    return out


@cite
class PhaseFieldKFold(BaseCrossValidator):
    """K-fold CV for phase fields without subset/superset leakage.

    Test folds are those of :class:`~sklearn.model_selection.StratifiedKFold`
    (or :class:`~sklearn.model_selection.KFold` without ``y`` or with
    ``stratify=False``). With ``strict=True`` every training field that is a
    subset or a superset of a test field (equal fields included) is removed
    from that split's training set, so that no test field has a close relative
    among the training fields. The number removed is kept in
    ``removed_fractions_`` after each call to :meth:`split`.

    Parameters
    ----------
    n_splits : int, default=5
    strict : bool, default=True
        ``False`` gives the plain folds (for side-by-side comparisons).
    stratify : bool, default=True
        Stratify the test folds on ``y`` when ``y`` is given.
    shuffle : bool, default=False
    random_state : int, RandomState instance or None, default=None
        Used when ``shuffle=True``.

    Attributes
    ----------
    removed_fractions_ : list of float
        Fraction of each training fold removed by the last :meth:`split`.

    See Also
    --------
    sklearn_leafs.datasets.fetch_phase_fields : the PhaseSelect tasks.

    Notes
    -----
    Removing relatives also removes a large part of the training data (the
    fractions on the PhaseSelect tasks are in the user guide,
    :doc:`/user_guide/phase_fields`), so compare the strict score with a model
    trained on an equally large random subset before blaming leakage alone;
    ``benchmarks/phase_fields.py`` reports both.

    References
    ----------
    .. [1] {cite:phaseselect2023}.

    Examples
    --------
    >>> from sklearn_leafs.model_selection import PhaseFieldKFold
    >>> fields = ["Ba Cu O", "Ba Cu O Y", "Fe Se", "Fe Se Te", "La Ni O", "Mg B"]
    >>> cv = PhaseFieldKFold(n_splits=3, stratify=False)
    >>> for train, test in cv.split(fields):
    ...     print([fields[i] for i in test], "|", [fields[i] for i in train])
    ['Ba Cu O', 'Ba Cu O Y'] | ['Fe Se', 'Fe Se Te', 'La Ni O', 'Mg B']
    ['Fe Se', 'Fe Se Te'] | ['Ba Cu O', 'Ba Cu O Y', 'La Ni O', 'Mg B']
    ['La Ni O', 'Mg B'] | ['Ba Cu O', 'Ba Cu O Y', 'Fe Se', 'Fe Se Te']
    >>> cv = PhaseFieldKFold(n_splits=2, stratify=False, shuffle=True, random_state=1)
    >>> [len(train) for train, test in cv.split(fields)], cv.removed_fractions_
    ([1, 1], [0.6666666666666666, 0.6666666666666666])
    """

    def __init__(
        self,
        n_splits=5,
        *,
        strict=True,
        stratify=True,
        shuffle=False,
        random_state=None,
    ):
        self.n_splits = n_splits
        self.strict = strict
        self.stratify = stratify
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of splits, ``n_splits``."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Generate (train, test) index arrays; ``X`` holds the phase fields.

        ``X`` may be a list, array, Series or one-column DataFrame of fields.
        """
        fields = phase_field_items(X)
        if self.stratify and y is not None:
            base = StratifiedKFold(
                self.n_splits, shuffle=self.shuffle, random_state=self.random_state
            )
        else:
            base = KFold(
                self.n_splits, shuffle=self.shuffle, random_state=self.random_state
            )
        M = field_membership(fields) if self.strict else None
        self.removed_fractions_ = []
        for train, test in base.split(np.zeros(len(fields)), y):
            if self.strict:
                bad = related_fields(M[train], M[test])
                self.removed_fractions_.append(float(bad.mean()))
                train = train[~bad]
            else:
                self.removed_fractions_.append(0.0)
            yield train, test

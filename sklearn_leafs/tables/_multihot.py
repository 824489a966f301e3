"""Multi-hot encoding of [0, 1] features, and the local-environment matrix M.

A value ``s`` falls in the 1-based bin ``round(n_bins * s)`` clipped to
``1..n_bins`` (with ``n_bins=1000``: 0.2, 0.5 and 1.0 fall in bins 200, 500 and
1000, and 0 in bin 1). Rounding is numpy's ``rint`` (half to even, like
Python's ``round``), so matminer's bin-centre values such as 0.2005 land in
bin 200.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from .._citations import cite
from ..chemistry._elements import sort_by_atomic_number
from ..chemistry._motifs import MOTIF_LABELS
from . import _registry

__all__ = [
    "MultiHotEncoder",
    "LocalEnvironmentMatrix",
    "bin_indices",
    "get_matrix",
]


def bin_indices(X, n_bins=1000, value_range=(0.0, 1.0)):
    """1-based bin of every value: ``round(n_bins * (x - lo) / (hi - lo))``.

    Parameters
    ----------
    X : array-like of float
        Values; anything outside ``value_range`` lands in the first or last bin.
    n_bins : int, default=1000
    value_range : tuple of float, default=(0, 1)

    Returns
    -------
    ndarray of int64, same shape as X, values in ``1..n_bins``

    Examples
    --------
    >>> from sklearn_leafs.tables._multihot import bin_indices
    >>> bin_indices([0.0, 0.2, 0.5, 1.0]).tolist()
    [1, 200, 500, 1000]
    """
    lo, hi = value_range
    scaled = np.rint(n_bins * (np.asarray(X, dtype=float) - lo) / (hi - lo))
    return np.clip(scaled, 1, n_bins).astype(np.int64)


def _bin_labels(n_bins, value_range):
    lo, hi = value_range
    decimals = max(3, math.ceil(math.log10(n_bins)))
    centres = lo + (hi - lo) * np.arange(1, n_bins + 1) / n_bins
    return [f"{c:.{decimals}f}" for c in centres]


@cite
class MultiHotEncoder(TransformerMixin, BaseEstimator):
    """Encode features in a range (such as motif similarities) as multi-hot bins.

    Each input feature is cut into ``n_bins`` bins; a sample gets a 1 in the bin
    its value falls in. Columns no training sample fell in are pruned in
    ``fit``, so the output has one column per (feature, bin) seen in training.
    This is :class:`~sklearn.preprocessing.OneHotEncoder` over the bin indices
    of :func:`bin_indices` (composed as
    :class:`~sklearn.preprocessing.KBinsDiscretizer` composes it), with fixed
    bins over ``value_range`` instead of fitted edges, and names carrying
    bin centres.

    Parameters
    ----------
    n_bins : int, default=1000
        Bins per feature. A value ``x`` falls in the 1-based bin
        ``round(n_bins * (x - lo) / (hi - lo))`` clipped to ``1..n_bins``.
    value_range : tuple of (float, float), default=(0, 1)
        The range ``(lo, hi)`` the bins cover. Values outside it are clipped
        into the first or last bin.
    handle_unknown : {"warn", "ignore", "error"}, default="warn"
        What ``transform`` does with a value that falls in a bin pruned in
        ``fit``: leave the row without a 1 for that feature and warn, do so
        silently, or raise a ValueError naming the row and feature.
    sparse_output : bool, default=True
        Return a CSR matrix; False returns a dense array (needed for
        ``set_output(transform="pandas")``).

    Attributes
    ----------
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str
        Input feature names, when fitted on a DataFrame.
    active_bins_ : list of ndarray
        For each input feature, the sorted 1-based bins kept after pruning.
    n_output_features_ : int
        Total number of kept bins (output columns).

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_leafs import MultiHotEncoder
    >>> X = np.array([[0.2, 1.0], [0.5, 1.0]])
    >>> enc = MultiHotEncoder().fit(X)
    >>> enc.get_feature_names_out().tolist()
    ['x0=0.200', 'x0=0.500', 'x1=1.000']
    >>> enc.transform(X).toarray()
    array([[1., 0., 1.],
           [0., 1., 1.]])
    """

    _parameter_constraints = {
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "value_range": [tuple, list],
        "handle_unknown": [StrOptions({"warn", "ignore", "error"})],
        "sparse_output": ["boolean"],
    }

    def __init__(
        self,
        n_bins=1000,
        value_range=(0, 1),
        handle_unknown="warn",
        sparse_output=True,
    ):
        self.n_bins = n_bins
        self.value_range = value_range
        self.handle_unknown = handle_unknown
        self.sparse_output = sparse_output

    def _check_range(self):
        value_range = tuple(self.value_range)
        if (
            len(value_range) != 2
            or not all(isinstance(v, Real) for v in value_range)
            or not value_range[0] < value_range[1]
        ):
            raise ValueError(
                "value_range must be a pair (lo, hi) of numbers with lo < hi, "
                f"got {self.value_range!r}"
            )
        return float(value_range[0]), float(value_range[1])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the bins each feature occupies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Values, ideally within ``value_range``.
        y : None
            Ignored.

        Returns
        -------
        self : MultiHotEncoder
        """
        value_range = self._check_range()
        X = validate_data(self, X, dtype=np.float64)
        bins = bin_indices(X, self.n_bins, value_range)
        # The bins seen in training are the categories of a one-hot encoding
        # of the bin indices (as KBinsDiscretizer composes OneHotEncoder).
        # Unknown bins are handled here (warn/error naming rows), so the
        # encoder itself ignores them.
        self._encoder = OneHotEncoder(
            categories="auto",
            handle_unknown="ignore",
            sparse_output=True,
            dtype=np.float64,
        ).fit(bins)
        self.active_bins_ = list(self._encoder.categories_)
        self.n_output_features_ = int(sum(len(b) for b in self.active_bins_))
        return self

    def transform(self, X):
        """Multi-hot encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : sparse matrix of shape (n_samples, n_output_features_)
            CSR of 0/1 floats (dense ndarray with ``sparse_output=False``).

        Raises
        ------
        ValueError
            With ``handle_unknown="error"``, for a value in a bin pruned in
            ``fit``, naming the feature and rows.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        bins = bin_indices(X, self.n_bins, self._check_range())
        for j, kept in enumerate(self.active_bins_):
            unknown = np.flatnonzero(~np.isin(bins[:, j], kept))
            if unknown.size:
                self._report_unknown(j, unknown, bins[:, j])
        # unknown bins were reported above; the encoder leaves them at zero
        out = sp.csr_matrix(self._encoder.transform(bins))
        out.sort_indices()
        return out if self.sparse_output else out.toarray()

    def _report_unknown(self, feature, rows, bins):
        if self.handle_unknown == "ignore":
            return
        names = self._input_names()
        message = (
            f"feature {names[feature]!r}: value(s) in bin(s) pruned in fit at "
            f"row(s) {rows[:10].tolist()}"
            f"{' ...' if len(rows) > 10 else ''} (bins {bins[rows[:10]].tolist()})"
        )
        if self.handle_unknown == "error":
            raise ValueError(message)
        warnings.warn(
            message + "; those rows get no 1 for this feature",
            UserWarning,
            stacklevel=3,
        )

    def _input_names(self):
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def get_feature_names_out(self, input_features=None):
        """Names ``<feature>=<bin centre>``, e.g. ``octahedral CN_6=0.500``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names; by default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        names = [str(n) for n in _check_feature_names_in(self, input_features)]
        labels = _bin_labels(self.n_bins, self._check_range())
        return np.asarray(
            [
                f"{name}={labels[b - 1]}"
                for name, kept in zip(names, self.active_bins_)
                for b in kept
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


@cite
class LocalEnvironmentMatrix:
    """The multi-hot local-environment matrix M: elements x (motif, bin).

    Row ``e`` has a 1 in column ``(motif, bin)`` when any site of element ``e``
    had its similarity to ``motif`` in ``bin`` (see :func:`bin_indices`).
    Columns that no element occupies are pruned.

    Parameters
    ----------
    matrix : scipy.sparse matrix of shape (n_elements, n_columns)
        0/1 entries; stored as CSR.
    elements : list of str
        Row labels, ordered by atomic number.
    feature_names : list of str
        Column labels such as ``octahedral CN_6=0.500``.
    provenance : dict, default=None
        Where the matrix comes from.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import compute_site_records
    >>> from sklearn_leafs.tables._multihot import LocalEnvironmentMatrix
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> M = LocalEnvironmentMatrix.from_records(compute_site_records([mgo]))
    >>> M.matrix.shape, M.elements
    ((2, 37), ['O', 'Mg'])
    >>> M.to_frame().loc["Mg", "octahedral CN_6=1.000"]
    np.int8(1)
    """

    def __init__(self, matrix, elements, feature_names, provenance=None):
        matrix = sp.csr_matrix(matrix)
        elements = [str(e) for e in elements]
        feature_names = [str(f) for f in feature_names]
        if matrix.shape != (len(elements), len(feature_names)):
            raise ValueError(
                f"matrix shape {matrix.shape} does not match {len(elements)} "
                f"elements x {len(feature_names)} feature names"
            )
        self.matrix = matrix
        self.elements = elements
        self.feature_names = feature_names
        self.provenance = dict(provenance or {})

    def __repr__(self):
        return (
            f"LocalEnvironmentMatrix({self.matrix.shape[0]} elements x "
            f"{self.matrix.shape[1]} columns, {self.matrix.nnz} ones)"
        )

    @property
    def shape(self):
        return self.matrix.shape

    def __eq__(self, other):
        return (
            isinstance(other, LocalEnvironmentMatrix)
            and self.elements == other.elements
            and self.feature_names == other.feature_names
            and (self.matrix != other.matrix).nnz == 0
        )

    __hash__ = None

    @classmethod
    def from_records(cls, records, n_bins=1000):
        """Build M from :class:`~sklearn_leafs.environments.SiteRecords`.

        Parameters
        ----------
        records : SiteRecords
        n_bins : int, default=1000

        Returns
        -------
        LocalEnvironmentMatrix
        """
        if len(records) == 0:
            raise ValueError("no site records to aggregate")
        encoder = MultiHotEncoder(n_bins=n_bins).fit(records.values)
        site_rows = encoder.transform(records.values)
        order = sort_by_atomic_number(set(records.elements.tolist()))
        codes = pd.Categorical(records.elements, categories=order).codes
        membership = sp.csr_matrix(
            (np.ones(len(codes)), (codes, np.arange(len(codes)))),
            shape=(len(order), len(codes)),
        )
        matrix = (membership @ site_rows).astype(bool).astype(np.int8)
        names = encoder.get_feature_names_out(list(MOTIF_LABELS)).tolist()
        info = {"n_bins": n_bins, **records.provenance()}
        info.pop("skipped", None)
        return cls(matrix, order, names, provenance=info)

    def to_frame(self):
        """Dense DataFrame, elements x feature names (int8 0/1)."""
        return pd.DataFrame(
            self.matrix.toarray().astype(np.int8),
            index=pd.Index(self.elements, name="element"),
            columns=self.feature_names,
        )

    def save(self, path):
        """Save to ``.npz`` (sparse matrix, labels and provenance; no pickles)."""
        m = sp.csr_matrix(self.matrix)
        np.savez_compressed(
            path,
            data=m.data.astype(np.int8),
            indices=m.indices,
            indptr=m.indptr,
            shape=np.asarray(m.shape),
            elements=np.asarray(self.elements, dtype=str),
            feature_names=np.asarray(self.feature_names, dtype=str),
            provenance=np.array(json.dumps(self.provenance, default=str)),
        )

    @classmethod
    def load(cls, name_or_path="open"):
        """Load M by table name or from an ``.npz`` file written by :meth:`save`.

        The same as :func:`sklearn_leafs.tables.get_matrix`, the one resolver
        of M (whose cache follows the table registry).

        Parameters
        ----------
        name_or_path : str or path-like, default="open"
            A registered table name with an M (``"open"``: the package's
            own), or the path of an ``.npz`` file.

        Returns
        -------
        LocalEnvironmentMatrix
        """
        return get_matrix(name_or_path)

    @classmethod
    def _read(cls, path):
        """Read an ``.npz`` file written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            matrix = sp.csr_matrix(
                (data["data"], data["indices"], data["indptr"]),
                shape=tuple(data["shape"]),
            )
            return cls(
                matrix,
                data["elements"].tolist(),
                data["feature_names"].tolist(),
                provenance=json.loads(str(data["provenance"])),
            )


@cite
def get_matrix(M="open", *, data_home=None):
    """Resolve a multi-hot matrix argument into a LocalEnvironmentMatrix.

    The one resolver of M (the elements x (motif, bin) matrix of Eq. 4 of
    Vasylenko et al. 2024) for every estimator and script, as
    :func:`~sklearn_leafs.tables.get_table` is for tables, through the same
    registry and cache.

    Parameters
    ----------
    M : LocalEnvironmentMatrix, str or path-like, default="open"
        A :class:`LocalEnvironmentMatrix` (returned as is); a registered
        table name that has an M (``"open"``: the package's own, shipped
        with its table; ``"open+"`` and ``"open-unweighted"`` share it; see
        :func:`~sklearn_leafs.tables.register_table`); or the path of an
        ``.npz`` file written by :meth:`LocalEnvironmentMatrix.save`.
    data_home : str, default=None
        Where fetched tables live; see :func:`sklearn_leafs.datasets.get_data_home`.

    Returns
    -------
    LocalEnvironmentMatrix
        Of shape (n_elements, n_columns). The M of a name has the table's
        elements as rows, in order; it is loaded once per registration and
        shared, and re-registering the table (or the table it derives from)
        drops it. A file is read again when it changes.

    Raises
    ------
    ValueError
        For a registered name without an M (the message lists the names
        with one), an M whose rows are not its table's elements, or a string
        that is neither a registered name nor a file.
    FileNotFoundError
        For a path (a path-like, or a string ending in ``.npz``) with no file,
        or if the built-in M is missing from the installation.
    TypeError
        For any other kind of argument.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> from sklearn_leafs.tables import get_matrix, get_table
    >>> M = get_matrix("open")
    >>> M.elements == get_table("open").elements
    True
    >>> get_matrix(M) is M
    True
    """
    if isinstance(M, LocalEnvironmentMatrix):
        return M
    if isinstance(M, str) and M in _registry.table_names():
        spec = _registry._matrix_spec(M)
        if spec is None:
            raise ValueError(
                f"table {M!r} has no multi-hot matrix M (tables with one: "
                f"{', '.join(_names_with_matrix()) or 'none'}); register it with "
                "register_table(..., matrix=...), or pass a LocalEnvironmentMatrix "
                "or the path of an .npz file (LocalEnvironmentMatrix.save)"
            )
        return _registry._cached(
            "matrix", M, data_home, lambda data_home: _load_spec(M, spec, data_home)
        )
    if isinstance(M, str | os.PathLike):
        path = Path(M).expanduser()
        if path.is_file():
            return _read_file(path)
        if isinstance(M, os.PathLike) or path.suffix == ".npz":
            raise FileNotFoundError(f"no local-environment matrix file at {path}")
        raise ValueError(
            f"unknown matrix {str(M)!r}: not a registered table name with an M "
            f"({', '.join(_names_with_matrix())}) and not an existing .npz file"
        )
    raise TypeError(
        "M must be a LocalEnvironmentMatrix, a registered table name or the path "
        f"of an .npz file; got {type(M).__name__}"
    )


#: (resolved path, mtime, size) -> LocalEnvironmentMatrix of recently read files
_FILES = {}


def _read_file(path):
    """Read an ``.npz`` file once until it changes (a grid search refits often)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _FILES:
        if len(_FILES) >= 8:
            _FILES.clear()
        _FILES[key] = LocalEnvironmentMatrix._read(path)
    return _FILES[key]


def _names_with_matrix():
    return [n for n in _registry.table_names() if _registry._matrix_spec(n) is not None]


def _load_spec(name, spec, data_home):
    """M of table ``name`` from its registered spec, checked against the table."""
    if isinstance(spec, str):  # the M of the table this one derives from
        matrix = get_matrix(spec, data_home=data_home)
    elif isinstance(spec, Path):
        if not spec.is_file():
            raise FileNotFoundError(
                f"the multi-hot matrix M of table {name!r} is missing ({spec}); "
                "rebuild it with the script named in docs/open_table.md"
            )
        matrix = LocalEnvironmentMatrix._read(spec)  # cached per registration
    else:
        matrix = spec(data_home=data_home)
        if not isinstance(matrix, LocalEnvironmentMatrix):
            raise TypeError(
                f"the matrix loader of table {name!r} returned "
                f"{type(matrix).__name__}, not a LocalEnvironmentMatrix"
            )
    elements = _registry.get_table(name, data_home=data_home).elements
    if list(matrix.elements) != list(elements):
        differing = sorted(set(matrix.elements) ^ set(elements))
        raise ValueError(
            f"the multi-hot matrix M of table {name!r} has {len(matrix.elements)} "
            f"rows that are not the table's {len(elements)} elements in order "
            f"(differing: {', '.join(differing[:10]) or 'the order only'}); "
            "register the table and its M together"
        )
    return matrix

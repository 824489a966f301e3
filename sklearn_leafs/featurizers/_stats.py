"""Pooling statistics over the elements of each row of a sparse fraction matrix.

The statistics are those of matminer's ``ElementProperty`` (its
``PropertyStats``), computed for every row of a CSR matrix of weights at once,
with no Python loop over rows: rows with the same number of elements are
gathered into one dense ``(rows, elements, features)`` array (in chunks of
bounded size) and reduced over its element axis.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

__all__ = ["STATS", "MATMINER_STAT_NAMES", "check_stats", "pool_stats"]

#: The pooling statistics of matminer's ``ElementProperty`` (its
#: ``PropertyStats`` names are in :data:`MATMINER_STAT_NAMES`); its Magpie
#: preset lists them as ``("min", "max", "range", "mean", "avg_dev", "mode")``.
STATS = ("mean", "avg_dev", "min", "max", "range", "mode")

#: Our statistic names -> matminer's ``PropertyStats`` names.
MATMINER_STAT_NAMES = {
    "mean": "mean",
    "avg_dev": "avg_dev",
    "min": "minimum",
    "max": "maximum",
    "range": "range",
    "mode": "mode",
}

# values gathered at once (bounds the temporary arrays)
_CHUNK = 1 << 20


def check_stats(estimator, allowed=STATS):
    """``estimator.stats`` as a tuple; InvalidParameterError when it is bad.

    A single name is accepted for one statistic. The tuple must be non-empty,
    hold only names of ``allowed`` and name each statistic once.
    """
    stats = estimator.stats
    stats = (stats,) if isinstance(stats, str) else tuple(stats)
    bad = [s for s in stats if not isinstance(s, str) or s not in allowed]
    dup = sorted({s for s in stats if stats.count(s) > 1 and isinstance(s, str)})
    if bad or dup or not stats:
        why = (
            f"has unknown names {bad}"
            if bad
            else (f"repeats {dup}" if dup else "is empty")
        )
        raise InvalidParameterError(
            f"The 'stats' parameter of {type(estimator).__name__} must be a "
            f"non-empty tuple of distinct names from {list(allowed)}; "
            f"got {estimator.stats!r}, which {why}."
        )
    return stats


def pool_stats(W, values, stats, mean=None):
    """Pool the table rows present in each row of ``W`` by each statistic.

    Parameters
    ----------
    W : scipy.sparse.csr_matrix of shape (n_rows, n_elements)
        Positive weights (fractions) of the elements of each row; a row whose
        weights are NaN gives NaN. The stored entries are the elements present
        (no explicit zeros).
    values : ndarray of shape (n_elements, n_features)
        The table.
    stats : tuple of str
        Names from :data:`STATS`.
    mean : ndarray of shape (n_rows, n_features), default=None
        The ``"mean"`` block to use instead of ``W @ values`` (a caller's own
        weighting, e.g. Eq. 3's unnormalised sum).

    Returns
    -------
    list of ndarray of shape (n_rows, n_features)
        One block per statistic, in the order of ``stats``. Statistics over a
        row with no element are 0 (as the empty sum of ``"mean"``).

    Notes
    -----
    With ``w_i`` the weights of the elements present and ``v_i`` their table
    values (matminer's ``PropertyStats`` with ``weights=w``):

    - ``mean``: ``sum_i w_i v_i`` (``W @ values``; Eq. 2 when the weights are
      fractions);
    - ``avg_dev``: ``sum_i w_i |v_i - m| / sum_i w_i`` with
      ``m = sum_i w_i v_i / sum_i w_i`` (the weighted mean absolute
      deviation);
    - ``min``, ``max``: unweighted, over the elements present; ``range``:
      ``max - min``;
    - ``mode``: the value of the element with the largest weight; a tie
      (weights within ``numpy.isclose`` of the largest: ``rtol=1e-5``,
      ``atol=1e-8``) goes to the smallest value.

    NaN values propagate as in matminer (a NaN among the values gives NaN).
    """
    n, d = W.shape[0], values.shape[1]
    W = W.tocsr()
    counts = np.diff(W.indptr)
    need = [s for s in stats if s != "mean"]
    blocks = {}
    if "mean" in stats:
        blocks["mean"] = np.asarray(W @ values) if mean is None else mean
    for s in need:
        blocks[s] = np.zeros((n, d))
    if need:
        weighted = np.asarray(W @ values) if "avg_dev" in need else None
        # rows with the same number of elements form a dense (rows, k, d)
        # array: the statistics are reductions over its axis 1
        for k in np.unique(counts[counts > 0]):
            rows_k = np.flatnonzero(counts == k)
            step = max(1, _CHUNK // (k * max(d, 1)))
            for lo in range(0, rows_k.size, step):
                rows = rows_k[lo : lo + step]
                entries = W.indptr[rows][:, None] + np.arange(k)
                _pool_rows(W, values, need, blocks, rows, entries, weighted)
    nan_rows = _nan_rows(W)
    out = []
    for s in stats:
        block = blocks[s]
        if nan_rows.size:
            block[nan_rows] = np.nan
        out.append(block)
    return out


def _pool_rows(W, values, need, blocks, rows, entries, weighted):
    """The statistics of ``rows``, which all have ``entries.shape[1]`` elements."""
    G = values[W.indices[entries]]  # (rows, k, features)
    w = W.data[entries]  # (rows, k)
    low = G.min(axis=1) if {"min", "range"} & set(need) else None
    high = G.max(axis=1) if {"max", "range"} & set(need) else None
    for s in need:
        if s == "min":
            blocks[s][rows] = low
        elif s == "max":
            blocks[s][rows] = high
        elif s == "range":
            blocks[s][rows] = high - low
        elif s == "avg_dev":
            total = w.sum(axis=1)[:, None]
            m = weighted[rows] / total
            dev = np.abs(G - m[:, None, :]) * w[:, :, None]
            blocks[s][rows] = dev.sum(axis=1) / total
        elif s == "mode":
            tied = np.isclose(w, w.max(axis=1)[:, None])
            blocks[s][rows] = np.where(tied[:, :, None], G, np.inf).min(axis=1)


def _nan_rows(W):
    """Rows of ``W`` holding a NaN weight (bad rows with ``errors="nan"``)."""
    bad = np.isnan(W.data)
    if not bad.any():
        return np.zeros(0, dtype=np.intp)
    row_of = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    return np.unique(row_of[bad])

"""The multi-hot environment matrix M as the torch models take it (private).

:func:`_matrix_parts` splits any accepted form of M (a
``LocalEnvironmentMatrix``, a DataFrame indexed by element, or a plain matrix
with element labels) into its pieces; :func:`_resolve_matrix` turns the ``M``
parameter of the LeafNet estimators (those forms, or a name or path) into the
float32 CSR matrix and element order they train on.
"""

from __future__ import annotations

import os

import numpy as np
import scipy.sparse as sp

from ..tables import get_matrix


def _matrix_parts(M, elements):
    """Split ``M`` into (matrix, elements, counts, provenance)."""
    counts = getattr(M, "counts", None)
    provenance = dict(getattr(M, "provenance", None) or {})
    if hasattr(M, "matrix") and hasattr(M, "elements"):
        matrix, m_elements = M.matrix, list(M.elements)
        if elements is not None and list(elements) != m_elements:
            raise ValueError(
                "elements given together with a LocalEnvironmentMatrix must match "
                "its own elements."
            )
        return matrix, m_elements, counts, provenance
    if hasattr(M, "index") and hasattr(M, "columns"):  # DataFrame
        frame = M
        if elements is None:
            elements = [str(e) for e in frame.index]
        if hasattr(frame, "sparse") and all(
            str(d).startswith("Sparse") for d in frame.dtypes
        ):
            matrix = sp.csr_matrix(frame.sparse.to_coo())
        else:
            matrix = frame.to_numpy()
        return matrix, list(elements), counts, provenance
    if elements is None:
        raise ValueError(
            "elements is required when M is a plain array or sparse matrix: give "
            "one element symbol per row of M."
        )
    return M, list(elements), counts, provenance


# --------------------------------------------------------------------------
# the M parameter of the LeafNet estimators
# --------------------------------------------------------------------------
def _resolve_matrix(M):
    """Return ``(csr float32 matrix, elements)`` for a matrix-like ``M``.

    Names and paths go through :func:`sklearn_leafs.tables.get_matrix`, the
    one resolver of M (cached with the table registry, re-read when a file
    changes).
    """
    if isinstance(M, str | os.PathLike):
        M = get_matrix(M)
    matrix, elements, _, _ = _matrix_parts(M, None)
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if len(elements) != matrix.shape[0]:
        raise ValueError(
            f"M has {matrix.shape[0]} rows but {len(elements)} element labels."
        )
    if matrix.nnz and not np.isfinite(matrix.data).all():
        raise ValueError("M contains NaN or infinite values.")
    return matrix, elements

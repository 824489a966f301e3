"""PhaseFieldFeaturizer: pooled element vectors of phase fields (sets of elements).

A *phase field* is the set of elements a chemist explores before any
composition or structure is known, e.g. ``Ba Ca Cu La O``. There is no
stoichiometry, so the element vectors are pooled without weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions

from .._citations import cite
from ..base import BadRowsError
from ..chemistry._elements import is_element
from ..chemistry._formula import as_items
from ._base import FormulaTransformerMixin

__all__ = ["PhaseFieldFeaturizer", "parse_phase_field", "phase_field_items", "POOLINGS"]

#: Poolings understood by :class:`PhaseFieldFeaturizer` (see its docstring).
POOLINGS = ("mean", "max", "min", "std", "range", "sum")

#: Extra set-level features (not poolings of the table).
_SIZE = "n_elements"

_SEPARATORS = re.compile(r"[\s\-,;]+")


def parse_phase_field(item):
    """Return the element tokens of one phase field, without duplicates.

    Strings are split on whitespace, dashes, commas or semicolons; any other
    iterable is taken as a collection of symbols (each of which may itself be
    a separated string). A pymatgen ``Composition`` gives its elements. Tokens
    are *not* validated here: :class:`PhaseFieldFeaturizer` does that.

    Parameters
    ----------
    item : str, iterable of str or pymatgen Composition

    Returns
    -------
    tokens : list of str
        In order of first appearance, duplicates removed.

    Raises
    ------
    TypeError
        If ``item`` is neither a string, an iterable nor a Composition.

    Examples
    --------
    >>> parse_phase_field("Ba-Ca-Cu-La-O")
    ['Ba', 'Ca', 'Cu', 'La', 'O']
    >>> parse_phase_field(["O", "Fe", "O"])
    ['O', 'Fe']
    """
    if isinstance(item, str):
        parts = [item]
    elif hasattr(item, "element_composition"):  # pymatgen Composition
        parts = [el.symbol for el in item.element_composition.elements]
    elif isinstance(item, Iterable) and not isinstance(item, bytes | dict):
        parts = list(item)
    else:
        raise TypeError(f"not a phase field: {item!r}")
    tokens = []
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"phase field member {part!r} is not a string")
        tokens.extend(t for t in _SEPARATORS.split(part) if t)
    return list(dict.fromkeys(tokens))


def _is_list_of_fields(X):
    """A list of collections of symbols, which ``as_items`` would take for 2-D."""
    return isinstance(X, list | tuple) and any(
        isinstance(x, list | tuple | set | frozenset) and len(x) != 1 for x in X
    )


def phase_field_items(X, *, name="X"):
    """Flatten phase-field input (list, Series, array, one-column frame) to a list.

    Like :func:`sklearn_leafs.chemistry._formula.as_items`, but a list of symbol
    collections is a list of phase fields, not a 2-D table.

    Examples
    --------
    >>> phase_field_items([["Cu", "O"], ["Ba", "Cu", "O"]])
    [['Cu', 'O'], ['Ba', 'Cu', 'O']]
    >>> import pandas as pd
    >>> phase_field_items(pd.DataFrame({"field": ["Cu O"]}))
    ['Cu O']
    """
    if _is_list_of_fields(X):
        return list(X)
    return as_items(X, name=name)


def _is_missing(item):
    if item is None:
        return True
    try:
        return bool(pd.isna(item)) if np.ndim(item) == 0 else False
    except (TypeError, ValueError):
        return False


def _diagnose(item, row_of):
    """``(columns, None)`` of one phase field, or ``(None, what is wrong)``."""
    if _is_missing(item):
        return None, "missing phase field"
    try:
        tokens = parse_phase_field(item)
    except TypeError as exc:
        return None, str(exc)
    not_el = [t for t in tokens if not is_element(t)]
    absent = [t for t in tokens if is_element(t) and t not in row_of]
    if not tokens:
        return None, "empty phase field"
    if not_el:
        verb = "is not an element" if len(not_el) == 1 else "are not elements"
        return None, f"{', '.join(map(repr, not_el))} {verb}"
    if absent:
        return None, (
            f"element(s) {', '.join(absent)} not in the table ({len(row_of)} elements)"
        )
    return sorted({row_of[t] for t in tokens}), None


@cite
class PhaseFieldFeaturizer(FormulaTransformerMixin):
    """Pool element vectors over phase fields (unweighted sets of elements).

    Each phase field, e.g. ``"Ba Ca Cu La O"``, ``"Ba-Ca-Cu-La-O"`` or
    ``["Ba", "Ca", "Cu", "La", "O"]``, becomes the concatenation of feature-wise
    poolings of its elements' table rows. A phase field is a *set*: element
    order and duplicates do not change the output, and every element counts
    once (there is no stoichiometry).

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table. ``"vasylenko2024"`` is the paper's published ICSD
        table, ``"open"`` the package's own table from an open corpus (see
        :func:`sklearn_leafs.tables.get_table`).
    pooling : tuple of str or str, default=("mean", "max", "min", "std")
        Poolings to concatenate, in this order (a single name for one).
        ``"mean"``, ``"max"``, ``"min"``, ``"sum"``: feature-wise over the
        elements of the field; ``"std"``: population standard deviation (0 for
        one element); ``"range"``: ``max - min``. Each block is named
        ``<pooling>|<table feature>``, e.g. ``max|octahedral CN_6``.
    n_elements : bool, default=False
        Append the number of distinct elements of the field as a feature
        named ``n_elements``.
    membership : bool, default=False
        Append the field itself as 0/1 columns, one per table element
        (named ``has|Fe``...), after the poolings and ``n_elements``. Pooled
        vectors blur which elements are present; these columns let a model
        use element identity directly.
    errors : {"raise", "nan"}, default="raise"
        Tokens that are not element symbols (the PhaseSelect data contain
        ``D0+`` and ``T0+``), elements missing from the table, empty fields and
        missing values raise a ``ValueError`` naming the token and its row
        (``row 2 ('Fe D0+', index 'x'): 'D0+' is not an element``: position
        from 0, index label for pandas input), or, with ``"nan"``, give a row
        of NaN.

    Attributes
    ----------
    table_ : LeafTable
        The resolved table.
    n_features_in_ : int
        Always 1 (one column of phase fields).
    feature_names_in_ : ndarray of str
        Column name, when fitted on a DataFrame.

    See Also
    --------
    ElementFeaturizer : fraction-weighted pooling for compositions.
    sklearn_leafs.datasets.fetch_phase_fields : the PhaseSelect tasks.

    Notes
    -----
    Phase fields are turned into a sparse 0/1 membership matrix ``M`` (fields x
    table elements). Means and standard deviations are sparse products with the
    table; maxima and minima use ``numpy.maximum.reduceat`` over the gathered
    rows, so there is no per-row Python work after parsing.

    Output names follow one rule in every featurizer of the package:
    ``<pooling>|<table feature>`` (``mean|...``, ``max|...``), as in
    :class:`ElementFeaturizer`; ``n_elements`` and ``has|<element>`` for the
    optional set-level columns.

    References
    ----------
    .. [1] {cite:phaseselect2023}.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import PhaseFieldFeaturizer
    >>> table = pd.DataFrame({"f": [1.0, 3.0, 8.0]}, index=["O", "Mg", "Fe"])
    >>> pf = PhaseFieldFeaturizer(table=table).fit(["Mg O", "Fe-Mg-O"])
    >>> pf.transform(["Mg O", ["O", "Mg", "O"], "O-Mg", "Fe"])
    array([[2., 3., 1., 1.],
           [2., 3., 1., 1.],
           [2., 3., 1., 1.],
           [8., 8., 8., 0.]])
    >>> pf.get_feature_names_out().tolist()
    ['mean|f', 'max|f', 'min|f', 'std|f']
    """

    _parameter_constraints: dict = {
        **FormulaTransformerMixin._parameter_constraints,
        "pooling": [tuple, list, StrOptions(set(POOLINGS))],
        "n_elements": ["boolean"],
        "membership": ["boolean"],
    }

    def __init__(
        self,
        table="vasylenko2024",
        pooling=("mean", "max", "min", "std"),
        n_elements=False,
        membership=False,
        errors="raise",
    ):
        self.table = table
        self.pooling = pooling
        self.n_elements = n_elements
        self.membership = membership
        self.errors = errors

    # -- input ------------------------------------------------------------
    # A list of collections of symbols is a list of phase fields, which
    # ``as_items`` would take for a 2-D table.
    _flatten = staticmethod(phase_field_items)

    def _poolings(self):
        pooling = (self.pooling,) if isinstance(self.pooling, str) else self.pooling
        pooling = tuple(pooling)
        bad = [p for p in pooling if p not in POOLINGS]
        if bad or not pooling:
            raise ValueError(
                f"pooling must be a non-empty tuple of {POOLINGS}; got {self.pooling!r}"
            )
        dup = sorted({p for p in pooling if pooling.count(p) > 1})
        if dup:
            raise ValueError(f"pooling lists {dup} more than once")
        return pooling

    def _fit(self, items):
        self._poolings()

    def _membership(self, items):
        """Sparse 0/1 matrix (n_items, n_table_elements) and the valid rows."""
        row_of = {el: i for i, el in enumerate(self.table_.elements)}
        indices, indptr, valid = [], [0], np.ones(len(items), dtype=bool)
        problems = []
        split = _SEPARATORS.split
        for r, item in enumerate(items):
            cols = None
            if type(item) is str:  # fast path for the common case
                try:
                    cols = sorted({row_of[t] for t in split(item) if t})
                except KeyError:
                    cols = None
            if not cols:
                cols, problem = _diagnose(item, row_of)
                if problem is not None:
                    problems.append((r, item, problem))
                    valid[r] = False
                    cols = []
            indices.extend(cols)
            indptr.append(len(indices))
        if problems and self.errors == "raise":
            raise BadRowsError(problems)
        M = sp.csr_matrix(
            (np.ones(len(indices)), np.asarray(indices, dtype=np.intp), indptr),
            shape=(len(items), len(row_of)),
        )
        return M, valid

    # -- output -----------------------------------------------------------
    def _transform(self, items, labels=None):
        pooling = self._poolings()
        M, valid = self._membership(items)
        V = self.table_.values
        n_feat = V.shape[1]
        n_out = n_feat * len(pooling) + bool(self.n_elements)
        n_out += len(self.table_) if self.membership else 0
        out = np.full((len(items), n_out), np.nan)
        if not valid.any():
            return out
        M = M[valid]
        size = np.diff(M.indptr).astype(float)[:, None]
        starts = M.indptr[:-1]
        cache = {}

        def get(name):
            if name not in cache:
                if name == "sum":
                    cache[name] = np.asarray(M @ V)
                elif name == "mean":
                    cache[name] = get("sum") / size
                elif name == "max":
                    cache[name] = np.maximum.reduceat(V[M.indices], starts, axis=0)
                elif name == "min":
                    cache[name] = np.minimum.reduceat(V[M.indices], starts, axis=0)
                elif name == "range":
                    cache[name] = get("max") - get("min")
                elif name == "std":
                    dev = V[M.indices] - np.repeat(get("mean"), np.diff(M.indptr), 0)
                    var = np.add.reduceat(dev * dev, starts, axis=0) / size
                    cache[name] = np.sqrt(var)
            return cache[name]

        blocks = [get(p) for p in pooling]
        if self.n_elements:
            blocks.append(size)
        if self.membership:
            blocks.append(M.toarray())
        out[valid] = np.hstack(blocks)
        return out

    def _feature_names(self):
        names = [
            f"{p}|{name}"
            for p in self._poolings()
            for name in self.table_.feature_names
        ]
        if self.n_elements:
            names.append(_SIZE)
        if self.membership:
            names.extend(f"has|{el}" for el in self.table_.elements)
        return names

"""LiCationFeaturizer: focus-element || role-pooled vectors (Eq. 3 of
Vasylenko et al. 2024)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions

from .._citations import cite
from ..base import BadRowsError, caller_stacklevel, describe_row, fractions
from ..chemistry._elements import is_element
from ..chemistry._oxidation import guess_roles
from ._base import FormulaTransformerMixin
from ._stats import STATS, check_stats, pool_stats

__all__ = ["LiCationFeaturizer"]

_ROLES = {"cation", "anion", "neutral"}


@cite
class LiCationFeaturizer(FormulaTransformerMixin):
    """Concatenate a focus element's vector with the pooled vectors of the rest.

    Eq. 3 of Vasylenko et al. 2024 [1]_ (the LEAF paper): ``x_Li a_Li || sum_c x_c a_c`` where ``c`` runs
    over the other cations and ``x`` are fractions of the whole composition.
    With ``rest="anions"`` the second block pools the anions instead, and with
    ``rest="none"`` only the focus block is returned (Li alone).

    Roles come from :func:`sklearn_leafs.chemistry.guess_roles`, the sign of
    each element's oxidation state in the package's one oxidation-state
    model (:func:`sklearn_leafs.chemistry.guess_oxidation_states`: charges of
    decorated inputs, else charge-balanced states, else an electronegativity
    rule), the same states that give ``SubstitutionClassifier`` its species.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table.
    focus : str, default="Li"
        The element of the first block.
    rest : {"cations", "anions", "none"}, default="cations"
        Which other elements are pooled in the second block.
    roles : dict or callable, default=None
        Explicit roles. A dict maps element symbols to ``"cation"``,
        ``"anion"`` or ``"neutral"`` and overrides the guess for those
        elements in every composition; a callable takes one input item and
        returns such a dict for it.
    errors : {"raise", "nan"}, default="raise"
        Bad formulas raise a ``ValueError`` naming the item and its row
        (position from 0, and the index label for pandas input), or give a
        row of NaN.
    stats : tuple of str, default=("mean",)
        Pooling statistics of the second block, each a block of
        ``n_table_features`` columns in the order given (a single name is
        accepted for one). ``"mean"`` is Eq. 3's ``sum_c x_c a_c``, with
        ``x_c`` the fractions of the whole composition (so not normalised
        over the pooled elements); ``"avg_dev"``, ``"min"``, ``"max"``,
        ``"range"`` and ``"mode"`` are matminer's ``PropertyStats`` over the
        pooled elements with weights ``x_c``, as in
        :class:`ElementFeaturizer` (``avg_dev`` is taken about the weighted
        mean ``sum_c x_c a_c / sum_c x_c``). Statistics over no pooled
        element (``Li2O`` with ``rest="cations"``) are 0, as Eq. 3's empty
        sum. Ignored with ``rest="none"``.

    Attributes
    ----------
    table_ : LeafTable
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column name, when fitted on a DataFrame.

    Warns
    -----
    UserWarning
        When compositions contain no ``focus`` element (NaCl, MgO with the
        default ``focus="Li"``); the warning names those rows. See Notes.

    Notes
    -----
    Output features are named ``<block>|<table feature>``: ``Li|...`` for
    the focus block and ``cations|...`` (or ``anions|...``) for the pooled
    rest, as the pooling prefixes ``mean|...``, ``max|...`` of
    :class:`ElementFeaturizer` and :class:`PhaseFieldFeaturizer`. The other
    statistics of the rest are prefixed by their name:
    ``max|cations|octahedral CN_6``.

    A composition without the focus element is featurized by the same
    formula with ``x_Li = 0``: its focus block is all zero and only the
    second block describes it, which a model cannot tell from "Li with an
    all-zero vector". Such rows are kept (the output has one row per input)
    but each ``fit``/``transform`` call that meets them warns, naming them;
    filter them out beforehand (or use :class:`ElementFeaturizer`) when the
    data set is not Li-containing by design.

    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 3.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import LiCationFeaturizer
    >>> table = pd.DataFrame({"f": [1.0, 2.0, 4.0]}, index=["Li", "O", "Co"])
    >>> feat = LiCationFeaturizer(table=table).fit(["LiCoO2"])
    >>> feat.transform(["LiCoO2"])
    array([[0.25, 1.  ]])
    >>> feat.get_feature_names_out().tolist()
    ['Li|f', 'cations|f']
    >>> feat = LiCationFeaturizer(table=table, stats=("mean", "max")).fit(["LiCoO2"])
    >>> feat.get_feature_names_out().tolist()
    ['Li|f', 'cations|f', 'max|cations|f']
    """

    _parameter_constraints: dict = {
        **FormulaTransformerMixin._parameter_constraints,
        "focus": [str],
        "rest": [StrOptions({"cations", "anions", "none"})],
        "roles": [dict, callable, None],
        "stats": [tuple, list, StrOptions(set(STATS))],
    }

    def __init__(
        self,
        table="vasylenko2024",
        focus="Li",
        rest="cations",
        roles=None,
        errors="raise",
        stats=("mean",),
    ):
        self.table = table
        self.focus = focus
        self.rest = rest
        self.roles = roles
        self.errors = errors
        self.stats = stats

    def _fit(self, items):
        check_stats(self)
        if not is_element(self.focus):
            raise ValueError(f"focus={self.focus!r} is not an element symbol")
        self.table_.index_of([self.focus])  # raises naming the element if absent
        if isinstance(self.roles, Mapping):
            bad = {k: v for k, v in self.roles.items() if v not in _ROLES}
            if bad:
                raise ValueError(f"roles must be one of {sorted(_ROLES)}; got {bad}")

    def _row_roles(self, item, elements, fractions):
        if isinstance(self.roles, Callable) and not isinstance(self.roles, Mapping):
            return self.roles(item)
        roles = guess_roles(item)
        if isinstance(self.roles, Mapping):
            roles = {**roles, **{k: v for k, v in self.roles.items() if k in roles}}
        return roles

    def _transform(self, items, labels=None):
        table = self.table_
        F = fractions(items, table.elements, errors=self.errors)
        j = table.index_of([self.focus])[0]
        focus_fraction = F[:, [j]].toarray()
        self._warn_without_focus(focus_fraction[:, 0], items, labels)
        focus_block = focus_fraction * table.values[j]
        if self.rest == "none":
            return focus_block
        wanted = self.rest[:-1]  # "cations" -> "cation"
        names = table.elements
        keep = np.zeros(F.nnz, dtype=bool)
        problems = []
        for row, item in enumerate(items):
            lo, hi = F.indptr[row], F.indptr[row + 1]
            cols, fracs = F.indices[lo:hi], F.data[lo:hi]
            if np.isnan(fracs).any():
                keep[lo:hi] = True  # NaN row stays NaN
                continue
            els = [names[c] for c in cols]
            if len(els) == 1:
                continue
            try:
                roles = self._row_roles(item, els, fracs)
            except Exception as exc:  # a bad row, never a crash of the batch
                reason = str(exc) if isinstance(exc, ValueError) else repr(exc)
                problems.append((row, item, f"no ionic roles: {reason}"))
                continue
            keep[lo:hi] = [
                roles.get(el) == wanted and c != j for el, c in zip(els, cols)
            ]
        if problems and self.errors == "raise":
            raise BadRowsError(problems)
        rest = sp.csr_matrix((F.data * keep, F.indices, F.indptr), shape=F.shape)
        eq3 = np.asarray(rest @ table.values)
        stats = check_stats(self)
        if stats == ("mean",):
            out = np.hstack([focus_block, eq3])
            out[[row for row, _, _ in problems]] = np.nan
            return out
        # the pooled elements only (no explicit zeros) for the other statistics
        row_of = np.repeat(np.arange(F.shape[0]), np.diff(F.indptr))
        kept_per_row = np.bincount(row_of[keep], minlength=F.shape[0])
        indptr = np.concatenate([[0], np.cumsum(kept_per_row)])
        pooled = sp.csr_matrix((F.data[keep], F.indices[keep], indptr), shape=F.shape)
        blocks = pool_stats(pooled, table.values, stats, mean=eq3)
        out = np.hstack([focus_block, *blocks])
        out[[row for row, _, _ in problems]] = np.nan
        return out

    def _warn_without_focus(self, focus_fraction, items, labels):
        """Warn, naming them, about rows that lack the focus element.

        Rows of NaN (bad rows with ``errors="nan"``) are not counted.
        """
        rows = np.flatnonzero(focus_fraction == 0)
        if not rows.size:
            return
        shown = ", ".join(describe_row(r, items[r], labels) for r in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        warnings.warn(
            f"{len(rows)} of {len(items)} compositions contain no {self.focus}: "
            f"{shown}{more}. Their {self.focus} block is all zero (x_{self.focus}"
            " = 0 in Eq. 3) and only the second block describes them.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )

    def _feature_names(self):
        names = self.table_.feature_names
        out = [f"{self.focus}|{n}" for n in names]
        if self.rest != "none":
            for stat in check_stats(self):
                prefix = "" if stat == "mean" else f"{stat}|"
                out += [f"{prefix}{self.rest}|{n}" for n in names]
        return out

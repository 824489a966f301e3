"""LiCationFeaturizer: focus-element || role-pooled vectors (Eq. 3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import scipy.sparse as sp
from sklearn.utils._param_validation import StrOptions

from ..chemistry._elements import is_element
from ..chemistry._formula import fraction_matrix
from ..chemistry._oxidation import guess_roles
from ._base import FormulaTransformerMixin

__all__ = ["LiCationFeaturizer"]

_ROLES = {"cation", "anion", "neutral"}


class LiCationFeaturizer(FormulaTransformerMixin):
    """Concatenate a focus element's vector with the pooled vectors of the rest.

    Eq. 3 of the LEAF paper: ``x_Li a_Li || sum_c x_c a_c`` where ``c`` runs
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
    table : LeafTable, str, path or DataFrame, default="default"
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
        Bad formulas raise a ``ValueError`` naming the item and its row, or
        give a row of NaN.

    Attributes
    ----------
    table_ : LeafTable
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Column name, when fitted on a DataFrame.

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
    """

    _parameter_constraints: dict = {
        **FormulaTransformerMixin._parameter_constraints,
        "focus": [str],
        "rest": [StrOptions({"cations", "anions", "none"})],
        "roles": [dict, callable, None],
    }

    def __init__(
        self, table="default", focus="Li", rest="cations", roles=None, errors="raise"
    ):
        self.table = table
        self.focus = focus
        self.rest = rest
        self.roles = roles
        self.errors = errors

    def _fit(self, items):
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

    def _transform(self, items):
        table = self.table_
        F = fraction_matrix(items, table.elements, errors=self.errors)
        j = table.index_of([self.focus])[0]
        focus_block = F[:, [j]].toarray() * table.values[j]
        if self.rest == "none":
            return focus_block
        wanted = self.rest[:-1]  # "cations" -> "cation"
        names = table.elements
        keep = np.zeros(F.nnz, dtype=bool)
        for row, item in enumerate(items):
            lo, hi = F.indptr[row], F.indptr[row + 1]
            cols, fracs = F.indices[lo:hi], F.data[lo:hi]
            if np.isnan(fracs).any():
                keep[lo:hi] = True  # NaN row stays NaN
                continue
            els = [names[c] for c in cols]
            if len(els) == 1:
                continue
            roles = self._row_roles(item, els, fracs)
            keep[lo:hi] = [
                roles.get(el) == wanted and c != j for el, c in zip(els, cols)
            ]
        rest = sp.csr_matrix((F.data * keep, F.indices, F.indptr), shape=F.shape)
        return np.hstack([focus_block, np.asarray(rest @ table.values)])

    def _feature_names(self):
        names = self.table_.feature_names
        out = [f"{self.focus}|{n}" for n in names]
        if self.rest != "none":
            out += [f"{self.rest}|{n}" for n in names]
        return out

"""Composition vectors and the nearest known compositions.

A composition's vector is the fraction-weighted mean of its elements' (or
species') table rows (Eq. 2 of Vasylenko et al. 2024); two compositions
compare by ``exp(cos(a, b))`` (Eq. S.3 of its supplementary information), and
:class:`NearestCompositions` retrieves the most similar references, by
default the built-in list of known compositions of the open structure corpus.
On a species table, compositions are read as species with the package's
oxidation-state model (:func:`sklearn_leafs.chemistry.guess_oxidation_states`;
metallic ``"X0+"`` rows without charge-balanced species) and a species with
too few sites, or absent, takes its element's row
(:meth:`sklearn_leafs.tables.LeafTable.species_rows`) with a warning.
"""

import json
import warnings
from importlib import resources
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._citations import cite
from .base import formula_input
from .chemistry import (
    as_items,
    format_species,
    fraction_matrix,
    guess_oxidation_states,
    item_amounts,
)
from .substitution._model import MIN_SPECIES_SITES, warn_fallback
from .tables import get_table

__all__ = ["NearestCompositions", "composition_similarity", "composition_vectors"]


def _species_of_formula(item):
    """``{species label: amount}`` of a composition (metallic without balance)."""
    guess = guess_oxidation_states(item)
    if guess.species is not None:
        return {format_species(k): float(a) for k, a in guess.species.items()}
    return {format_species((el, 0)): float(a) for el, a in item_amounts(item).items()}


@cite
def composition_vectors(X, table="vasylenko2024", *, min_sites=MIN_SPECIES_SITES):
    """Composition vectors: fraction-weighted means of element rows (Eq. 2).

    On a species table the rows are those of each composition's species
    (guessed, see the module docstring).

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas or pymatgen Compositions.
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element or species table.
    min_sites : float, default=MIN_SPECIES_SITES
        Site threshold of species rows.

    Returns
    -------
    vectors : ndarray of shape (n_samples, n_features)

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"a": [1.0, 3.0]}, index=["O", "Mg"])
    >>> composition_vectors(["MgO", "MgO2"], table).round(3).tolist()
    [[2.0], [1.667]]
    """
    table = get_table(table)
    items = as_items(X)
    if table.has_species:
        return _species_vectors(items, table, min_sites)
    _check_known(items, table)
    return np.asarray(fraction_matrix(items, table.elements) @ table.values)


def _species_vectors(items, table, min_sites):
    per_item = []
    for row, item in enumerate(items):
        try:
            per_item.append(_species_of_formula(item))
        except ValueError as exc:
            raise ValueError(f"row {row} ({item!r}): {exc}") from None
    wanted = sorted({label for species in per_item for label in species})
    try:
        values, notes = table.species_rows(wanted, min_sites)
    except ValueError as exc:
        raise ValueError(f"composition species: {exc}") from None
    warn_fallback(notes)
    position = {label: i for i, label in enumerate(wanted)}
    out = np.zeros((len(items), table.n_features))
    for row, species in enumerate(per_item):
        total = sum(species.values())
        for label, amount in species.items():
            out[row] += amount / total * values[position[label]]
    return out


def _check_known(items, table):

    for row, item in enumerate(items):
        try:
            amounts = item_amounts(item)
        except ValueError as exc:
            raise ValueError(f"row {row} ({item!r}): {exc}") from None
        missing = [el for el in amounts if el not in table]
        if missing:
            raise ValueError(
                f"row {row} ({item!r}): element(s) {', '.join(missing)} not in "
                "the table"
            )


def _unit_rows(A):
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return A / np.where(norms > 0, norms, 1.0)


def _exp_cosine(A, B):
    return np.exp(np.clip(_unit_rows(A) @ _unit_rows(B).T, -1.0, 1.0))


@cite
def composition_similarity(X, Y=None, table="vasylenko2024"):
    """Composition similarity ``exp(cos(a, b))``.

    Eq. S.3 of the supplementary information of Vasylenko et al. 2024 [1]_.

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas.
    Y : list-like of str or Composition, default=None
        Second set of formulas (default: ``X``).
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table for the composition vectors (:func:`composition_vectors`).

    Returns
    -------
    similarity : ndarray of shape (len(X), len(Y))
        Between ``exp(-1)`` and ``e``; ``e`` for identical compositions.

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0]}, index=["O", "Mg"])
    >>> composition_similarity(["MgO", "MgO2"], table=table).round(3).tolist()
    [[2.718, 2.582], [2.582, 2.718]]
    """
    table = get_table(table)
    A = composition_vectors(X, table)
    B = A if Y is None else composition_vectors(Y, table)
    return _exp_cosine(A, B)


#: Columns of the built-in reference of known compositions, after ``formula``.
_KNOWN_COLUMNS = [
    "structure_type",
    "spacegroup_number",
    "pearson_symbol",
    "prototype_label",
    "n_records",
    "n_structure_types",
    "source_ids",
]


def _known_compositions():
    """The built-in reference of known compositions and its provenance.

    One row per reduced formula of the open structure corpus, written by
    ``scripts/build_offline_data.py`` into
    ``sklearn_leafs/data/known_compositions.csv.gz`` (sidecar: ``.json``).
    """
    root = resources.files("sklearn_leafs") / "data"
    with (root / "known_compositions.csv.gz").open("rb") as f:
        # keep_default_na=False: sodium nitride's formula is "NaN"
        frame = pd.read_csv(f, compression="gzip", dtype=str, keep_default_na=False)
    for column in ("spacegroup_number", "n_records", "n_structure_types"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    provenance = json.loads((root / "known_compositions.csv.gz.json").read_text())
    return frame, provenance


@cite
class NearestCompositions(BaseEstimator):
    """Retrieve the most similar reference compositions.

    Every composition is the fraction-weighted mean of its elements' table
    rows (Eq. 2); references are ranked by the cosine similarity of these
    vectors, with a brute-force
    :class:`sklearn.neighbors.NearestNeighbors` (``metric="cosine"``). The
    references are either the compositions given to ``fit`` or, with
    ``reference="known"``, the built-in list of about 10,000 known
    compositions of the open structure corpus with their space group,
    prototype label and source ids.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="vasylenko2024"
        Element table for the composition vectors.
    n_neighbors : int, default=5
        Default number of neighbours returned.
    reference : {"known"} or None, default=None
        None: ``fit(X, y)`` stores the references ``X`` (labels ``y``
        optional). ``"known"``: ``fit()`` uses the built-in reference of
        known compositions (one row per reduced formula of the open corpus;
        labels are the structure types); references with an element that
        the table lacks are left out with a warning and listed in
        ``dropped_``.
    score : {"cosine", "exp_cosine"}, default="cosine"
        ``"cosine"``: cosine similarity in [-1, 1] (1 for proportional
        vectors). ``"exp_cosine"``: ``exp(cos)`` in [1/e, e], the
        composition similarity of Eq. S.3. The ranking is the same.

    Attributes
    ----------
    table_ : LeafTable
        The resolved table.
    formulas_ : list
        The reference compositions.
    labels_ : ndarray or None
        Their labels (structure types for ``reference="known"``), or None.
    reference_ : pandas.DataFrame or None
        For ``reference="known"``: formula, structure type, space group,
        Pearson symbol, prototype label, record counts and source ids of the
        references kept, in the order of ``formulas_``.
    dropped_ : list of str
        Built-in references left out because the table lacks an element.
    nn_ : sklearn.neighbors.NearestNeighbors
        The fitted neighbour search on the composition vectors.
    vectors_ : ndarray of shape (n_references, n_features)
        The references' composition vectors.

    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 2 and Eq. S.3.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 0.0, 0.5], "b": [0.0, 1.0, 0.5]}, index=["O", "Mg", "Ca"]
    ... )
    >>> nn = NearestCompositions(table, n_neighbors=1).fit(["MgO", "CaO2"], ["x", "y"])
    >>> nn.query(["CaO"])[["query", "formula", "label"]].values.tolist()
    [['CaO', 'CaO2', 'y']]
    >>> round(float(nn.query(["CaO"])["similarity"][0]), 4)
    0.9923
    """

    _parameter_constraints = {
        "table": "no_validation",
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "reference": [StrOptions({"known"}), None],
        "score": [StrOptions({"cosine", "exp_cosine"})],
    }

    def __init__(
        self, table="vasylenko2024", n_neighbors=5, *, reference=None, score="cosine"
    ):
        self.table = table
        self.n_neighbors = n_neighbors
        self.reference = reference
        self.score = score

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Store the references and fit the neighbour search.

        Parameters
        ----------
        X : list-like of str or Composition, default=None
            Reference compositions; must be None with ``reference="known"``.
        y : array-like of shape (n_references,), default=None
            Optional labels returned by :meth:`query`.

        Returns
        -------
        self : NearestCompositions

        Raises
        ------
        ValueError
            If ``X`` is missing (or given together with
            ``reference="known"``), a reference cannot be read or has an
            element the table lacks (the error names the row), or ``y`` has
            another length.
        """
        self.table_ = get_table(self.table)
        self.reference_ = None
        self.dropped_ = []
        if self.reference == "known":
            if X is not None or y is not None:
                raise ValueError(
                    "reference='known' uses the built-in reference; call fit() "
                    "without X and y, or set reference=None to use your own"
                )
            frame, _ = _known_compositions()
            known = np.array(
                [
                    all(el in self.table_ for el in item_amounts(f))
                    for f in frame["formula"]
                ]
            )
            self.dropped_ = frame.loc[~known, "formula"].tolist()
            if self.dropped_:
                warnings.warn(
                    f"{len(self.dropped_)} of {len(frame)} known compositions "
                    "have an element the table lacks and are left out (listed "
                    "in dropped_)",
                    UserWarning,
                    stacklevel=2,
                )
            self.reference_ = frame.loc[known].reset_index(drop=True)
            self.formulas_ = self.reference_["formula"].tolist()
            self.labels_ = self.reference_["structure_type"].to_numpy(dtype=object)
            self.n_features_in_ = 1  # one column of formulas
        else:
            if X is None:
                raise ValueError(
                    "fit needs reference compositions X, or reference='known'"
                )
            self.formulas_ = list(formula_input(self, X, reset=True)[0])
            if y is None:
                self.labels_ = None
            else:
                self.labels_ = np.asarray(as_items(y, name="y"), dtype=object)
                if len(self.labels_) != len(self.formulas_):
                    raise ValueError(
                        f"X has {len(self.formulas_)} rows but y has "
                        f"{len(self.labels_)}"
                    )
        if not self.formulas_:
            raise ValueError("no reference compositions to search")
        self.vectors_ = composition_vectors(self.formulas_, self.table_)
        self.nn_ = NearestNeighbors(metric="cosine", algorithm="brute").fit(
            self.vectors_
        )
        return self

    def kneighbors(self, X, n_neighbors=None):
        """Scores and indices of the nearest references.

        Parameters
        ----------
        X : list-like of str or Composition
            Query compositions.
        n_neighbors : int, default=None
            Neighbours per query (``self.n_neighbors`` when None).

        Returns
        -------
        scores : ndarray of shape (n_queries, n_neighbors)
            Cosine similarities (or ``exp(cos)``, see ``score``), highest
            first.
        indices : ndarray of shape (n_queries, n_neighbors)
            Indices into ``formulas_``.
        """
        check_is_fitted(self)
        k = self.n_neighbors if n_neighbors is None else int(n_neighbors)
        if not 1 <= k <= len(self.formulas_):
            raise ValueError(
                f"n_neighbors must be between 1 and {len(self.formulas_)}, got {k}"
            )
        distances, indices = self.nn_.kneighbors(
            composition_vectors(X, self.table_), n_neighbors=k
        )
        cosine = np.clip(1.0 - distances, -1.0, 1.0)
        scores = np.exp(cosine) if self.score == "exp_cosine" else cosine
        return scores, indices

    def query(self, X, n_neighbors=None):
        """Nearest references as a long DataFrame, one row per neighbour.

        Parameters
        ----------
        X : list-like of str or Composition
            Query compositions.
        n_neighbors : int, default=None
            Neighbours per query (``self.n_neighbors`` when None).

        Returns
        -------
        result : pandas.DataFrame
            Columns ``query`` (the query formula as given), ``rank`` (1 for
            the nearest), ``formula``, ``similarity`` (see ``score``) and
            ``label`` (None when ``fit`` got no labels); with
            ``reference="known"`` also ``spacegroup_number``,
            ``pearson_symbol``, ``prototype_label``, ``n_records``,
            ``n_structure_types`` and ``source_ids``.
        """
        items = list(formula_input(self, X, reset=False)[0])
        scores, indices = self.kneighbors(items, n_neighbors)
        n, k = indices.shape
        flat = indices.ravel()
        labels = [None] * flat.size if self.labels_ is None else self.labels_[flat]
        result = pd.DataFrame(
            {
                "query": np.repeat(np.array([str(q) for q in items], dtype=object), k),
                "rank": np.tile(np.arange(1, k + 1), n),
                "formula": [str(self.formulas_[i]) for i in flat],
                "similarity": scores.ravel(),
                "label": list(labels),
            }
        )
        if self.reference_ is not None:
            extra = self.reference_.iloc[flat].reset_index(drop=True)
            for column in _KNOWN_COLUMNS:
                if column != "structure_type":
                    result[column] = extra[column].to_numpy()
        return result

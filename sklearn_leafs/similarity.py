"""Element and composition similarity, and substitution probabilities.

Element similarity
    ``s(X, X')`` is the cosine similarity or the Pearson correlation of the
    two elements' table rows.  With ``standardize=True`` every feature is first
    standardised (zero mean, unit variance) *over all elements of the table*,
    before anything is restricted to a subset of elements; this is how the
    authors' Table 1 was computed.

Substitution probability (Eq. 1 of Vasylenko et al.)
    ``p(X <- X') = exp(s(X, X')) / Z``.  Two partition functions are offered:

    * ``normalization="global"``: ``Z`` sums ``exp(s)`` over all pairs, as
      written in the paper's SI (and SMACT's ``CationMutator.sub_prob``);
    * ``normalization="conditional"`` (default): ``Z`` depends on the
      *replaced* element ``X'``, ``Z(X') = sum_Y w_Y exp(s(Y, X'))``, so that
      the probabilities of replacing ``X'`` by anything sum to one (SMACT's
      ``CationMutator.cond_sub_probs``, used for Table 1).

    The sums run over a normalisation set of elements with weights ``w``.
    With ``oxidation_states="smact"`` the set is the elements up to Bi that
    have SMACT oxidation states, each weighted by its number of states
    (SMACT's lambda tables are indexed by *species*, so an element with five
    oxidation states appears five times in the denominator).  With
    ``oxidation_states=None`` it is every element of the table, weight 1.

Composition similarity (Eq. S.3 of the supplementary information of Vasylenko et al. 2024)
    ``exp(cos(a, b))`` between composition vectors, the fraction-weighted
    means of the elements' rows (Eq. 2 of Vasylenko et al. 2024).
"""

import json
import warnings
from importlib import resources
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .chemistry._elements import atomic_number
from .chemistry._formula import as_items, fraction_matrix, item_amounts
from .chemistry._oxidation import SMACT_MAX_Z, smact_oxidation_states
from .featurizers._base import formula_input
from .tables import get_table

__all__ = [
    "element_similarity",
    "substitution_probabilities",
    "best_substitutions",
    "composition_vectors",
    "composition_similarity",
    "NearestCompositions",
]

_METRICS = StrOptions({"pearson", "cosine"})


# -- array kernels ---------------------------------------------------------
def _standardize(values):
    """Per-feature z-scores over all rows (constant features become 0)."""
    values = np.asarray(values, dtype=float)
    std = values.std(axis=0)
    std[std == 0] = 1.0
    return (values - values.mean(axis=0)) / std


def _similarity(values, metric="pearson", standardize=True):
    """Row-by-row similarity matrix of ``values``.

    Rows with no variance (Pearson) or zero norm (cosine) have similarity 0
    to every other row and 1 to themselves.
    """
    X = _standardize(values) if standardize else np.asarray(values, dtype=float)
    if metric == "pearson":
        X = X - X.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(X, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = X / safe[:, None]
    S = np.clip(unit @ unit.T, -1.0, 1.0)
    np.fill_diagonal(S, 1.0)
    return S


def _normalization_weights(elements, oxidation_states):
    """Weights ``w`` of the normalisation set over ``elements`` (0 = outside)."""
    if oxidation_states is None:
        return np.ones(len(elements))
    states = smact_oxidation_states()
    return np.array(
        [
            len(states.get(el, ())) if atomic_number(el) <= SMACT_MAX_Z else 0
            for el in elements
        ],
        dtype=float,
    )


def _probabilities(S, weights, normalization="conditional"):
    """``P[t, p] = exp(S[t, p]) / Z`` (rows: substituting, columns: replaced)."""
    E = np.exp(S)
    if normalization == "global":
        return E / (weights @ E @ weights)
    Z = weights @ E
    with np.errstate(divide="ignore", invalid="ignore"):
        return E / Z[None, :]


# -- public functions --------------------------------------------------------
@validate_params(
    {
        "table": "no_validation",
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "elements": [list, tuple, None],
    },
    prefer_skip_nested_validation=True,
)
def element_similarity(
    table="default", *, metric="pearson", standardize=True, elements=None
):
    """Element x element similarity matrix.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element table (see :func:`sklearn_leafs.tables.get_table`; names of
        ``elementembeddings`` embeddings such as ``"magpie"`` also work).
    metric : {"pearson", "cosine"}, default="pearson"
        Pearson correlation or cosine similarity of the element rows.
    standardize : bool, default=True
        Standardise every feature over all elements of the table first.
    elements : list of str, default=None
        Restrict the result to these elements (after standardising).

    Returns
    -------
    similarity : pandas.DataFrame
        Symmetric, indexed by element on both axes, ones on the diagonal.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> element_similarity(table, metric="cosine", standardize=False).round(3)
           Na     Cl      K
    Na  1.000  0.000  0.894
    Cl  0.000  1.000  0.447
    K   0.894  0.447  1.000
    """
    table = get_table(table)
    S = _similarity(table.values, metric, standardize)
    frame = pd.DataFrame(S, index=table.elements, columns=table.elements)
    if elements is not None:
        table.index_of(list(elements))  # raises naming missing elements
        frame = frame.loc[list(elements), list(elements)]
    return frame


@validate_params(
    {
        "table": "no_validation",
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "normalization": [StrOptions({"conditional", "global"})],
        "oxidation_states": [StrOptions({"smact"}), None],
    },
    prefer_skip_nested_validation=True,
)
def substitution_probabilities(
    table="default",
    *,
    metric="pearson",
    standardize=True,
    normalization="conditional",
    oxidation_states="smact",
):
    """Substitution probabilities (Eq. 1 of Vasylenko et al. 2024) of all pairs.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element table.
    metric : {"pearson", "cosine"}, default="pearson"
        Element similarity, see :func:`element_similarity`.
    standardize : bool, default=True
        Standardise features over all elements of the table first.
    normalization : {"conditional", "global"}, default="conditional"
        ``"conditional"``: ``p(X <- X') = exp(s(X, X')) / Z(X')`` with
        ``Z(X') = sum_Y w_Y exp(s(Y, X'))``, normalised over the replaced
        element ``X'`` (SMACT's conditional probability, used for Table 1).
        ``"global"``: ``Z = sum_{Y, Y'} w_Y w_Y' exp(s(Y, Y'))`` over all pairs,
        as in the paper's SI.
    oxidation_states : {"smact"} or None, default="smact"
        ``"smact"``: the sums run over the elements up to Bi with SMACT
        oxidation states, each weighted by its number of states (species-level
        normalisation, as SMACT does); other elements get NaN probabilities.
        None: over all elements of the table with weight 1.

    Returns
    -------
    probabilities : pandas.DataFrame
        ``probabilities.loc[X, X']`` is ``p(X <- X')``, the probability that
        ``X`` replaces ``X'`` (rows: substituting element; columns: replaced
        element).  With ``"conditional"`` the weighted columns sum to one.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.
    .. [2] G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data
       mined ionic substitutions for the discovery of new compounds", Inorg.
       Chem. 50, 656 (2011).
    .. [3] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
       Chemical Theory", J. Open Source Softw. 4, 1361 (2019).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> P = substitution_probabilities(table, oxidation_states=None)
    >>> P.sum().round(6).tolist()
    [1.0, 1.0, 1.0]
    >>> bool(P.loc["K", "Na"] > P.loc["Cl", "Na"])
    True
    """
    table = get_table(table)
    elements = table.elements
    S = _similarity(table.values, metric, standardize)
    w = _normalization_weights(elements, oxidation_states)
    P = _probabilities(S, w, normalization)
    inside = w > 0
    P[~inside, :] = np.nan
    P[:, ~inside] = np.nan
    return pd.DataFrame(P, index=elements, columns=elements)


@validate_params(
    {
        "element": [str],
        "table": "no_validation",
        "top": [Interval(Integral, 1, None, closed="left"), None],
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "normalization": [StrOptions({"conditional", "global"})],
        "oxidation_states": [StrOptions({"smact"}), None],
    },
    prefer_skip_nested_validation=True,
)
def best_substitutions(
    element,
    table="default",
    *,
    top=10,
    metric="pearson",
    standardize=True,
    normalization="conditional",
    oxidation_states="smact",
):
    """The elements most likely to replace ``element``.

    Parameters
    ----------
    element : str
        The element to replace.
    table : LeafTable, str, path or DataFrame, default="default"
        Element table.
    top : int or None, default=10
        How many substitutes to return (None: all).
    metric, standardize, normalization, oxidation_states
        See :func:`substitution_probabilities`.

    Returns
    -------
    substitutes : pandas.Series
        ``p(X <- element)`` for the ``top`` most likely ``X != element``,
        highest first, indexed by ``X``.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.
    .. [2] G. Hautier, C. Fischer, V. Ehrlacher, A. Jain and G. Ceder, "Data
       mined ionic substitutions for the discovery of new compounds", Inorg.
       Chem. 50, 656 (2011).
    .. [3] D. W. Davies et al., "SMACT: Semiconducting Materials by Analogy and
       Chemical Theory", J. Open Source Softw. 4, 1361 (2019).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> best_substitutions("Na", table, top=1, oxidation_states=None).index.tolist()
    ['K']
    """
    P = substitution_probabilities(
        table,
        metric=metric,
        standardize=standardize,
        normalization=normalization,
        oxidation_states=oxidation_states,
    )
    if element not in P.columns:
        raise ValueError(f"element {element!r} is not in the table")
    column = P[element]
    if column.isna().all():
        raise ValueError(
            f"element {element!r} is outside the normalisation set "
            f"(oxidation_states={oxidation_states!r}); use oxidation_states=None"
        )
    column = column.drop(element).dropna().sort_values(ascending=False, kind="stable")
    column.name = f"p(X <- {element})"
    return column if top is None else column.iloc[:top]


def composition_vectors(X, table="default"):
    """Composition vectors: fraction-weighted means of element rows.

    Eq. 2 of Vasylenko et al. 2024 [1]_.

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas or pymatgen Compositions.
    table : LeafTable, str, path or DataFrame, default="default"
        Element table.

    Returns
    -------
    vectors : ndarray of shape (n_samples, n_features)

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"a": [1.0, 3.0]}, index=["O", "Mg"])
    >>> composition_vectors(["MgO", "MgO2"], table).round(3).tolist()
    [[2.0], [1.667]]
    """
    table = get_table(table)
    items = as_items(X)
    _check_known(items, table)
    return np.asarray(fraction_matrix(items, table.elements) @ table.values)


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


def composition_similarity(X, Y=None, table="default"):
    """Composition similarity ``exp(cos(a, b))``.

    Eq. S.3 of the supplementary information of Vasylenko et al. 2024 [1]_.

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas.
    Y : list-like of str or Composition, default=None
        Second set of formulas (default: ``X``).
    table : LeafTable, str, path or DataFrame, default="default"
        Element table for the composition vectors (:func:`composition_vectors`).

    Returns
    -------
    similarity : ndarray of shape (len(X), len(Y))
        Between ``exp(-1)`` and ``e``; ``e`` for identical compositions.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

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
    table : LeafTable, str, path or DataFrame, default="default"
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
    .. [1] A. Vasylenko et al., "Digital features of chemical elements
       extracted from local geometries in crystal structures" (2024), Eq. 2
       and Eq. S.3; code at https://github.com/lrcfmd/LEAF.

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
        self, table="default", n_neighbors=5, *, reference=None, score="cosine"
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

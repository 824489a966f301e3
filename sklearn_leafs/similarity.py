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
    ``oxidation_states="icsd"`` the same holds for pymatgen's ICSD-observed
    states (:func:`sklearn_leafs.chemistry.oxidation_state_set`), which leave
    out formal states such as Hf3+, Zr2+ or N2-; ``leafs substitute`` uses
    it.  With ``oxidation_states=None`` it is every element of the table,
    weight 1.

Composition similarity (Eq. S.3 of the supplementary information of Vasylenko et al. 2024)
    ``exp(cos(a, b))`` between composition vectors, the fraction-weighted
    means of the elements' rows (Eq. 2 of Vasylenko et al. 2024).

Species
    Every function accepts species tables (rows such as ``"Ti4+"``, ``"O2-"``
    or metallic ``"K0+"``, e.g. ``"default-species"``) and species names
    wherever it takes element symbols.  Features are standardised over the
    table's rows as stored.  A species with fewer than
    :data:`MIN_SPECIES_SITES` weighted sites in the table, or absent from it,
    is not in the normalisation set nor a candidate substitute; asked for by
    name, it is replaced by its element's row (on a species table: the site-weighted mean of all the
    element's species rows, i.e. the element's LEAFs) with a warning.  On a
    species table a species is not offered as a substitute for another
    species of its own element.  With ``oxidation_states="smact"`` the
    normalisation set of a species table is the species ``(X, q)`` with ``q``
    among SMACT's states of ``X`` (elements up to Bi), weight 1 each.
    Compositions are read as species with the package's oxidation-state
    model (:func:`sklearn_leafs.chemistry.guess_oxidation_states`);
    compositions with no charge-balanced species use the metallic rows
    (``"X0+"``), which is how the species table was built.
"""

import json
import math
import os
import sys
import warnings
from importlib import resources
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, _fit_context
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .base import formula_input
from .chemistry._elements import is_element
from .chemistry._formula import as_items, fraction_matrix, item_amounts
from .chemistry._oxidation import guess_oxidation_states
from .chemistry._species import format_species, is_species, parse_species
from .chemistry._state_lists import oxidation_state_set
from .tables import get_table
from .tables._leaf_table import row_element

__all__ = [
    "MIN_SPECIES_SITES",
    "element_similarity",
    "substitution_probabilities",
    "best_substitutions",
    "formula_substitution",
    "composition_vectors",
    "composition_similarity",
    "NearestCompositions",
]

#: Fewest weighted sites a species row needs in a species table to be used
#: as itself; below it the species falls back to its element's row (with a
#: warning) and is no candidate substitute.  20 sites keep the mean of 37
#: motif similarities within a few hundredths of its corpus value for the
#: typical per-site spread (standard deviation about 0.2 per motif).
MIN_SPECIES_SITES = 20

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


def _probabilities(S, weights, normalization="conditional"):
    """``P[t, p] = exp(S[t, p]) / Z`` (rows: substituting, columns: replaced)."""
    E = np.exp(S)
    if normalization == "global":
        return E / (weights @ E @ weights)
    Z = weights @ E
    with np.errstate(divide="ignore", invalid="ignore"):
        return E / Z[None, :]


# -- rows of element and species tables -------------------------------------
def _element_row(table, element):
    """An element's vector: its row, or on a species table the site-weighted
    mean of its species rows (None when the table has neither)."""
    if element in table:
        return table.values[table.index_of([element])[0]]
    labels = [
        label
        for label in table.elements
        if not is_element(label) and row_element(label) == element
    ]
    if not labels:
        return None
    rows = table.values[table.index_of(labels)]
    if table.counts is None:
        return rows.mean(axis=0)
    weights = table.counts.loc[labels].fillna(0).to_numpy(dtype=float)
    if weights.sum() <= 0:
        return rows.mean(axis=0)
    return weights @ rows / weights.sum()


def _usable(table, min_sites):
    """Rows usable as themselves: element rows, and species rows with at
    least ``min_sites`` weighted sites (all rows when there are no counts)."""
    labels = table.elements
    if table.counts is None or not table.has_species:
        return np.ones(len(labels), dtype=bool)
    counts = table.counts.reindex(labels).fillna(0).to_numpy(dtype=float)
    return np.array(
        [is_element(label) or c >= min_sites for label, c in zip(labels, counts)]
    )


def _label_key(label):
    label = str(label).strip()
    if is_species(label):
        return format_species(parse_species(label))
    return label


#: Species named in one fallback warning before "and N more".
_MAX_NOTES = 8

_INTERNAL_PREFIXES = tuple(
    str(Path(module.__file__).resolve().parent) + os.sep
    for module in (sys.modules[__name__.split(".")[0]], sys.modules["sklearn"])
)


def _caller_stacklevel():
    """``stacklevel`` that points a warning raised by the calling function at
    the first frame outside sklearn-leafs and scikit-learn (the user's code),
    however deep the package's own calls and scikit-learn's validation
    wrappers are."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.realpath(frame.f_code.co_filename).startswith(
        _INTERNAL_PREFIXES
    ):
        frame, level = frame.f_back, level + 1
    return level


def _resolve(table, wanted, min_sites):
    """Values and labels of the table rows plus fallback rows for ``wanted``.

    Returns ``(values, labels, n_table)``: the table's rows (a row below the
    site threshold that is asked for replaced by its element's row) followed
    by appended rows for asked labels the table lacks.
    """
    labels = list(table.elements)
    values = np.array(table.values, dtype=float)
    usable = _usable(table, min_sites)
    position = {label: i for i, label in enumerate(labels)}
    extra_labels, extra_rows, notes = [], [], []
    for label in dict.fromkeys(_label_key(w) for w in wanted):
        if not (is_element(label) or is_species(label)):
            raise ValueError(f"{label!r} is neither an element nor a species")
        if label in position and usable[position[label]]:
            continue
        element = row_element(label)
        row = _element_row(table, element)
        if row is None:
            raise ValueError(
                f"{label!r}: neither it nor element {element!r} is in the table "
                f"({len(table)} rows, source={table.provenance.get('source')!r})"
            )
        if label in position:
            count = float(table.counts.get(label, 0))
            notes.append(f"{label} has {count:g} sites (< {min_sites})")
            values[position[label]] = row
        else:
            if not is_element(label) or table.has_species:
                notes.append(f"{label} is not a row of the table")
            extra_labels.append(label)
            extra_rows.append(row)
    if notes:
        shown = "; ".join(notes[:_MAX_NOTES])
        if len(notes) > _MAX_NOTES:
            shown += f"; and {len(notes) - _MAX_NOTES} more"
        warnings.warn(
            f"{len(notes)} species use their element's row instead: {shown} "
            "(see sklearn_leafs.similarity.MIN_SPECIES_SITES)",
            UserWarning,
            stacklevel=_caller_stacklevel(),
        )
    if extra_rows:
        values = np.vstack([values, np.array(extra_rows)])
    return values, labels + extra_labels, len(labels)


def _similarity_over(table, values, metric, standardize):
    """Similarity of ``values`` rows, features standardised over the table."""
    X = np.asarray(values, dtype=float)
    if standardize:
        base = table.values
        std = base.std(axis=0)
        std[std == 0] = 1.0
        X = (X - base.mean(axis=0)) / std
    return _similarity(X, metric, standardize=False)


def _weights(labels, usable, oxidation_states):
    """Normalisation weights over element or species row labels."""
    states = {} if oxidation_states is None else oxidation_state_set(oxidation_states)
    out = np.zeros(len(labels))
    for i, (label, ok) in enumerate(zip(labels, usable)):
        if not ok:
            continue
        if oxidation_states is None:
            out[i] = 1.0
            continue
        if is_element(label):
            out[i] = len(states.get(label, ()))
            continue
        element, charge = parse_species(label)
        if charge in states.get(element, ()):
            out[i] = 1.0
    return out


def _probability_frame(
    table, metric, standardize, normalization, oxidation_states, min_sites, wanted
):
    values, labels, n_table = _resolve(table, wanted, min_sites)
    S = _similarity_over(table, values, metric, standardize)
    usable = np.zeros(len(labels), dtype=bool)
    usable[:n_table] = _usable(table, min_sites)
    w = _weights(labels, usable, oxidation_states)
    P = _probabilities(S, w, normalization)
    asked = np.isin(labels, [_label_key(x) for x in wanted])
    outside = (w == 0) & ~asked  # rows asked for by name keep their values
    P[outside, :] = np.nan
    P[:, outside] = np.nan
    return pd.DataFrame(P, index=labels, columns=labels)


# -- public functions --------------------------------------------------------
@validate_params(
    {
        "table": "no_validation",
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "elements": [list, tuple, None],
        "min_sites": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def element_similarity(
    table="default",
    *,
    metric="pearson",
    standardize=True,
    elements=None,
    min_sites=MIN_SPECIES_SITES,
):
    """Element (or species) x element similarity matrix.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element or species table (see :func:`sklearn_leafs.tables.get_table`;
        ``"default-species"`` for species rows).
    metric : {"pearson", "cosine"}, default="pearson"
        Pearson correlation or cosine similarity of the rows.
    standardize : bool, default=True
        Standardise every feature over all rows of the table first.
    elements : list of str, default=None
        Restrict the result to these elements or species (after
        standardising).  A species with too few sites, or absent, uses its
        element's row with a warning (see the module docstring).
    min_sites : float, default=MIN_SPECIES_SITES
        Site threshold of species rows.

    Returns
    -------
    similarity : pandas.DataFrame
        Symmetric, indexed by element (or species) on both axes, ones on the
        diagonal.

    Raises
    ------
    ValueError
        Naming an element or species that neither the table nor its element
        rows hold.

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
    >>> species = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na+", "K+", "Cl-"]
    ... )
    >>> element_similarity(species, metric="cosine", standardize=False).index.tolist()
    ['Na+', 'Cl-', 'K+']
    """
    table = get_table(table)
    wanted = [] if elements is None else [str(e) for e in elements]
    values, labels, n_table = _resolve(table, wanted, min_sites)
    S = _similarity_over(table, values, metric, standardize)
    frame = pd.DataFrame(S, index=labels, columns=labels)
    if elements is not None:
        keys = [_label_key(e) for e in wanted]
        frame = frame.loc[keys, keys]
    else:
        frame = frame.iloc[:n_table, :n_table]
    return frame


@validate_params(
    {
        "table": "no_validation",
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "normalization": [StrOptions({"conditional", "global"})],
        "oxidation_states": [StrOptions({"smact", "icsd"}), None],
        "min_sites": [Interval(Real, 0, None, closed="left")],
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
    min_sites=MIN_SPECIES_SITES,
):
    """Substitution probabilities of Eq. 1 for every pair of elements or species.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame, default="default"
        Element or species table.
    metric : {"pearson", "cosine"}, default="pearson"
        Similarity, see :func:`element_similarity`.
    standardize : bool, default=True
        Standardise features over all rows of the table first.
    normalization : {"conditional", "global"}, default="conditional"
        ``"conditional"``: ``p(X <- X') = exp(s(X, X')) / Z(X')`` with
        ``Z(X') = sum_Y w_Y exp(s(Y, X'))``, normalised over the replaced
        element ``X'`` (SMACT's conditional probability, used for Table 1).
        ``"global"``: ``Z = sum_{Y, Y'} w_Y w_Y' exp(s(Y, Y'))`` over all pairs,
        as in the paper's SI.
    oxidation_states : {"smact", "icsd"} or None, default="smact"
        ``"smact"``: the sums run over the elements up to Bi with SMACT
        oxidation states, each weighted by its number of states (species-level
        normalisation, as SMACT does); on a species table over the species
        whose charge is one of SMACT's states, weight 1.  Others get NaN
        probabilities.  ``"icsd"``: the same over pymatgen's ICSD-observed
        states (:func:`sklearn_leafs.chemistry.oxidation_state_set`), which
        leaves out formal states such as Hf3+ or N2-.  None: over all rows
        of the table with weight 1.
    min_sites : float, default=MIN_SPECIES_SITES
        Species rows with fewer weighted sites are left out (NaN).

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
    return _probability_frame(
        table, metric, standardize, normalization, oxidation_states, min_sites, ()
    )


@validate_params(
    {
        "element": [str],
        "table": "no_validation",
        "top": [Interval(Integral, 1, None, closed="left"), None],
        "metric": [_METRICS],
        "standardize": ["boolean"],
        "normalization": [StrOptions({"conditional", "global"})],
        "oxidation_states": [StrOptions({"smact", "icsd"}), None],
        "min_sites": [Interval(Real, 0, None, closed="left")],
        "same_sign": ["boolean"],
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
    min_sites=MIN_SPECIES_SITES,
    same_sign=True,
):
    """The elements (or species) most likely to replace ``element``.

    Parameters
    ----------
    element : str
        The element or species to replace (``"Ti"``, ``"Ti4+"``).
    table : LeafTable, str, path or DataFrame, default="default"
        Element or species table (``"default-species"``).
    top : int or None, default=10
        How many substitutes to return (None: all).
    metric, standardize, normalization, oxidation_states, min_sites
        See :func:`substitution_probabilities`.
    same_sign : bool, default=True
        For a charged species: list only species whose charge has the same
        sign (a cation is replaced by cations, an anion by anions; neutral
        metallic rows are left out too).  The probabilities are unchanged
        (Eq. 1 over the whole normalisation set); only the list is filtered.
        No effect for elements or element tables.

    Returns
    -------
    substitutes : pandas.Series
        ``p(X <- element)`` for the ``top`` most likely ``X``, highest first,
        indexed by ``X``.  ``element`` itself, and the other species of its
        element, are not listed.

    Raises
    ------
    ValueError
        If the element is in neither the table nor (as a species) its
        element rows, or is outside the normalisation set.

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
    >>> species = table.rename(index={"Na": "Na+", "K": "K+", "Cl": "Cl-"})
    >>> best_substitutions("Na+", species, top=1, oxidation_states=None).index.tolist()
    ['K+']
    """
    table = get_table(table)
    key = _label_key(element)
    P = _probability_frame(
        table, metric, standardize, normalization, oxidation_states, min_sites, [key]
    )
    column = P[key]
    if isinstance(column, pd.DataFrame):  # duplicated label cannot happen; safety
        column = column.iloc[:, 0]
    if column.isna().all():
        raise ValueError(
            f"element {key!r} is outside the normalisation set "
            f"(oxidation_states={oxidation_states!r}); use oxidation_states=None"
        )
    own = row_element(key)
    drop = [label for label in column.index if row_element(label) == own]
    charge = parse_species(key)[1] if is_species(key) else 0
    if same_sign and table.has_species and charge != 0:
        sign = np.sign(charge)
        drop += [
            label
            for label in column.index
            if not is_species(label) or np.sign(parse_species(label)[1]) != sign
        ]
    column = column.drop(list(dict.fromkeys(drop)))
    column = column.dropna().sort_values(ascending=False, kind="stable")
    column.name = f"p(X <- {key})"
    return column if top is None else column.iloc[:top]


def _species_of_formula(item):
    """``{species label: amount}`` of a composition (metallic without balance)."""
    guess = guess_oxidation_states(item)
    if guess.species is not None:
        return {format_species(k): float(a) for k, a in guess.species.items()}
    return {format_species((el, 0)): float(a) for el, a in item_amounts(item).items()}


def formula_substitution(
    parent,
    candidate,
    table="default-species",
    *,
    metric="pearson",
    standardize=True,
    oxidation_states="smact",
    min_sites=MIN_SPECIES_SITES,
):
    """Probability that ``candidate`` forms from ``parent`` by substitution.

    The species of both formulas are guessed
    (:func:`sklearn_leafs.chemistry.guess_oxidation_states`), grouped by
    role (sign of the charge) and amount in the reduced formulas, and paired
    within each group by the most probable matching
    (:func:`scipy.optimize.linear_sum_assignment` on ``-log p``).  The
    result is the product of the per-species conditional probabilities
    ``p(new <- old)`` of Eq. 1, an unchanged species counting 1, as in the
    authors' ``sub_probability``.

    Parameters
    ----------
    parent, candidate : str or Composition
        Two formulas with the same anonymous species formula (the same
        multiset of roles and reduced amounts).
    table : LeafTable, str, path or DataFrame, default="default-species"
        Species (or element) table.
    metric, standardize, oxidation_states, min_sites
        See :func:`substitution_probabilities`.

    Returns
    -------
    result : dict
        ``"pairs"``: list of ``(old species, new species, p)`` for the
        replaced species; ``"probability"``: their product; ``"balanced"``:
        whether the candidate's species sum to zero charge.

    Raises
    ------
    ValueError
        If a formula has no charge-balanced species, or the two formulas
        cannot be paired (different anonymous formulas).

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements
       extracted from local geometries in crystal structures", 2024.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0, 0.5], "b": [0.0, 1.0, 1.0, 0.2]},
    ...     index=["Na+", "K+", "Cl-", "Br-"],
    ... )
    >>> result = formula_substitution("NaCl", "KCl", table, oxidation_states=None)
    >>> [(old, new) for old, new, _ in result["pairs"]], result["balanced"]
    ([('Na+', 'K+')], True)
    """
    table = get_table(table)
    sides = []
    for formula in (parent, candidate):
        guess = guess_oxidation_states(formula)
        if guess.species is None:
            raise ValueError(f"{formula!r}: {guess.reason}")
        amounts = guess.species
        total = math.gcd(*(round(a * 10000) for a in amounts.values()))
        sides.append(
            {format_species(k): round(a * 10000) // total for k, a in amounts.items()}
        )
    old, new = sides
    groups = {}
    for side, species in enumerate(sides):
        for label, amount in species.items():
            sign = parse_species(label)[1] > 0
            groups.setdefault((sign, amount), ([], []))[side].append(label)
    if any(len(a) != len(b) for a, b in groups.values()):
        raise ValueError(
            f"{parent!r} and {candidate!r} do not have the same anonymous species "
            "formula; they cannot be paired species by species"
        )
    wanted = [label for species in sides for label in species]
    P = _probability_frame(
        table, metric, standardize, "conditional", oxidation_states, min_sites, wanted
    )
    pairs, product = [], 1.0
    for olds, news in groups.values():
        cost = np.zeros((len(olds), len(news)))
        for i, o in enumerate(olds):
            for j, n in enumerate(news):
                p = 1.0 if o == n else P.loc[n, o]
                cost[i, j] = -np.log(p) if p > 0 and np.isfinite(p) else 1e6
        rows, cols = linear_sum_assignment(cost)
        for i, j in zip(rows, cols):
            if olds[i] != news[j]:
                p = float(P.loc[news[j], olds[i]])
                pairs.append((olds[i], news[j], p))
                product *= p
    charge = sum(parse_species(k)[1] * a for k, a in new.items())
    return {"pairs": pairs, "probability": product, "balanced": charge == 0}


def composition_vectors(X, table="default", *, min_sites=MIN_SPECIES_SITES):
    """Composition vectors: fraction-weighted means of element rows (Eq. 2).

    On a species table the rows are those of each composition's species
    (guessed, see the module docstring).

    Parameters
    ----------
    X : list-like of str or Composition
        Formulas or pymatgen Compositions.
    table : LeafTable, str, path or DataFrame, default="default"
        Element or species table.
    min_sites : float, default=MIN_SPECIES_SITES
        Site threshold of species rows.

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
        values, labels, _ = _resolve(table, wanted, min_sites)
    except ValueError as exc:
        raise ValueError(f"composition species: {exc}") from None
    position = {label: i for i, label in enumerate(labels)}
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

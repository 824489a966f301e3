"""The substitution model: similarities and Eq. 1 probabilities of one table.

:class:`SubstitutionModel` holds the seven choices that define substitution
probabilities (the table, the similarity metric, standardisation, the
partition function, the normalisation set, the site threshold of species rows
and the species asked for by name), computes its matrices once and answers
every question the discovery functions, :class:`SubstitutionClassifier`, the
heat map and the ``leafs`` commands ask.  The options are declared here once:
:data:`MODEL_CONSTRAINTS` (scikit-learn parameter constraints) and
:func:`document_model_options` (their numpydoc text).
"""

import os
import sys
import warnings
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

from .._citations import cite
from ..chemistry import (
    format_species,
    is_element,
    is_species,
    oxidation_state_set,
    parse_species,
)
from ..tables import LeafTable, get_table
from ..tables._leaf_table import row_element

__all__ = [
    "MIN_SPECIES_SITES",
    "MODEL_CONSTRAINTS",
    "SubstitutionModel",
    "caller_stacklevel",
    "document_model_options",
    "warn_fallback",
]

#: Fewest weighted sites a species row needs in a species table to be used
#: as itself; below it the species falls back to its element's row (with a
#: warning) and is no candidate substitute.  20 sites keep the mean of 37
#: motif similarities within a few hundredths of its corpus value for the
#: typical per-site spread (standard deviation about 0.2 per motif).
MIN_SPECIES_SITES = 20

#: scikit-learn parameter constraints of the model's options, the one
#: declaration every function, estimator and plot that takes them reuses.
MODEL_CONSTRAINTS = {
    "table": "no_validation",
    "metric": [StrOptions({"pearson", "cosine"})],
    "standardize": ["boolean"],
    "normalization": [StrOptions({"conditional", "global"})],
    "oxidation_states": [StrOptions({"smact", "icsd"}), None],
    "min_sites": [Interval(Real, 0, None, closed="left")],
}

_OPTION_DOCS = {
    "table": """table : LeafTable, str, path or DataFrame, default="vasylenko2024"
    Element or species table, resolved with
    :func:`sklearn_leafs.tables.get_table` (a LeafTable, a registered name
    such as ``"vasylenko2024"``, ``"open"`` or ``"open-species"``, a
    CSV path, or a DataFrame indexed by element or species).""",
    "metric": """metric : {"pearson", "cosine"}, default="pearson"
    Element similarity ``s(X, X')``: the Pearson correlation or the cosine
    similarity of the two rows.""",
    "standardize": """standardize : bool, default=True
    Standardise every feature (zero mean, unit variance) over all rows of
    the table first, before anything is restricted to a subset.""",
    "normalization": """normalization : {"conditional", "global"}, default="conditional"
    ``"conditional"``: ``p(X <- X') = exp(s(X, X')) / Z(X')`` with
    ``Z(X') = sum_Y w_Y exp(s(Y, X'))``, normalised over the replaced row
    ``X'`` (SMACT's ``cond_sub_probs``, used for Table 1).  ``"global"``:
    ``Z = sum_{Y, Y'} w_Y w_Y' exp(s(Y, Y'))`` over all pairs, as in the
    paper's SI.""",
    "oxidation_states": """oxidation_states : {"smact", "icsd"} or None, default="smact"
    Normalisation set ``w``.  ``"smact"``: the elements up to Bi with SMACT
    oxidation states, each weighted by its number of states (on a species
    table, the species whose charge is one of SMACT's states, weight 1);
    rows outside get NaN probabilities and are no candidate substitutes.
    ``"icsd"``: the same with pymatgen's ICSD-observed states
    (:func:`sklearn_leafs.chemistry.oxidation_state_set`).  None: every row
    of the table, weight 1.""",
    "min_sites": """min_sites : float, default=MIN_SPECIES_SITES
    Species rows with fewer weighted sites are outside the normalisation
    set; asked for by name they take their element's row (with a
    warning).""",
}


def document_model_options(func):
    """Fill ``%(name)s`` placeholders of ``func``'s docstring with the model
    options' numpydoc entries (indented as the placeholder)."""
    doc = func.__doc__
    for name, text in _OPTION_DOCS.items():
        token = f"%({name})s"
        while token in doc:
            start = doc.index(token)
            indent = doc[doc.rindex("\n", 0, start) + 1 : start]
            block = text.replace("\n", "\n" + indent)
            doc = doc[:start] + block + doc[start + len(token) :]
    func.__doc__ = doc
    return func


# -- array kernels ---------------------------------------------------------
def _similarity_matrix(X, metric):
    """Row-by-row similarity of ``X``; rows with no variance (Pearson) or zero
    norm (cosine) have similarity 0 to every other row and 1 to themselves."""
    X = np.asarray(X, dtype=float)
    if metric == "pearson":
        X = X - X.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(X, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = X / safe[:, None]
    S = np.clip(unit @ unit.T, -1.0, 1.0)
    np.fill_diagonal(S, 1.0)
    return S


def _probability_matrix(S, weights, normalization):
    """``P[t, p] = exp(S[t, p]) / Z`` (rows: substituting, columns: replaced)."""
    E = np.exp(S)
    if normalization == "global":
        return E / (weights @ E @ weights)
    Z = weights @ E
    with np.errstate(divide="ignore", invalid="ignore"):
        return E / Z[None, :]


def _normalisation_weights(labels, usable, oxidation_states):
    """Weight of every row label in the normalisation set (0: outside)."""
    states = {} if oxidation_states is None else oxidation_state_set(oxidation_states)
    out = np.zeros(len(labels))
    for i, (label, ok) in enumerate(zip(labels, usable)):
        if not ok:
            continue
        if oxidation_states is None:
            out[i] = 1.0
        elif is_element(label):
            out[i] = len(states.get(label, ()))
        else:
            element, charge = parse_species(label)
            out[i] = 1.0 if charge in states.get(element, ()) else 0.0
    return out


#: Species named in one fallback warning before "and N more".
_MAX_NOTES = 8

_INTERNAL_PREFIXES = tuple(
    str(Path(module.__file__).resolve().parent) + os.sep
    for module in (sys.modules[__name__.split(".")[0]], sys.modules["sklearn"])
)


def caller_stacklevel():
    """``stacklevel`` that points a warning at the first frame outside
    sklearn-leafs and scikit-learn (the user's code), however deep the
    package's own calls and scikit-learn's validation wrappers are."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.realpath(frame.f_code.co_filename).startswith(
        _INTERNAL_PREFIXES
    ):
        frame, level = frame.f_back, level + 1
    return level


def warn_fallback(notes):
    """Warn once about species that use their element's row (``notes`` from
    :meth:`sklearn_leafs.tables.LeafTable.species_rows`)."""
    if not notes:
        return
    shown = "; ".join(notes[:_MAX_NOTES])
    if len(notes) > _MAX_NOTES:
        shown += f"; and {len(notes) - _MAX_NOTES} more"
    warnings.warn(
        f"{len(notes)} species use their element's row instead: {shown} "
        "(see sklearn_leafs.substitution.MIN_SPECIES_SITES)",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


@cite
class SubstitutionModel:
    """Element (or species) similarity and substitution probabilities of a table.

    One frozen object for one choice of table and options: it computes the
    similarity matrix and the Eq. 1 probabilities once, and answers
    :meth:`similarity`, :meth:`probabilities`, :meth:`p` and
    :meth:`admissible` (the pattern of pymatgen's ``SubstitutionProbability``
    held by its ``SubstitutionPredictor``).  Every discovery function of
    :mod:`sklearn_leafs.substitution` builds one, :class:`SubstitutionClassifier`
    keeps one as ``model_``.

    Parameters
    ----------
    %(table)s
    %(metric)s
    %(standardize)s
    %(normalization)s
    %(oxidation_states)s
    %(min_sites)s
    species : iterable of str, default=()
        Species (or elements) asked for by name.  A species with fewer than
        ``min_sites`` weighted sites, or absent from the table, gets its
        element's row (on a species table: the site-weighted mean of the
        element's species rows) with one warning, and keeps finite
        probabilities although it is outside the normalisation set.  Rows
        not asked for and outside the normalisation set get NaN.  Ask for
        more with :meth:`with_species`, which returns a new model.

    Attributes
    ----------
    table : LeafTable
        The resolved table.
    labels : tuple of str
        Row labels of the matrices: the table's rows, then the asked labels
        the table lacks.
    species : tuple of str
        The labels asked for by name (canonical).
    weights : ndarray of shape (n_labels,)
        Normalisation weight ``w`` of every label (0: outside the set).
    similarity_matrix : ndarray of shape (n_labels, n_labels)
        ``s(X, X')`` (read-only).
    probability_matrix : ndarray of shape (n_labels, n_labels)
        ``p(X <- X')`` (read-only; rows substituting, columns replaced).
    admitted_states : dict of str to tuple of int, or None
        The oxidation states of ``oxidation_states``
        (:func:`sklearn_leafs.chemistry.oxidation_state_set`); None for any.

    Raises
    ------
    ValueError
        For an invalid option, or an asked label that is neither an element
        nor a species, or whose element the table lacks.

    See Also
    --------
    element_similarity, substitution_probabilities, best_substitutions :
        The model's answers as functions of the options.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:hautier2011}.
    .. [3] {cite:smact2019}.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs.substitution import SubstitutionModel
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 2.0, 0.0], "b": [0.0, 1.0, 1.0]}, index=["Na", "K", "Cl"]
    ... )
    >>> model = SubstitutionModel(table, oxidation_states=None)
    >>> model.probabilities().sum().round(6).tolist()
    [1.0, 1.0, 1.0]
    >>> bool(model.p("K", "Na") > model.p("Cl", "Na"))
    True
    >>> model.admissible(("K", 1))
    True
    """

    def __init__(
        self,
        table="vasylenko2024",
        *,
        metric="pearson",
        standardize=True,
        normalization="conditional",
        oxidation_states="smact",
        min_sites=MIN_SPECIES_SITES,
        species=(),
    ):
        options = {
            "table": table,
            "metric": metric,
            "standardize": standardize,
            "normalization": normalization,
            "oxidation_states": oxidation_states,
            "min_sites": min_sites,
        }
        validate_parameter_constraints(
            MODEL_CONSTRAINTS, options, caller_name="SubstitutionModel"
        )
        options["table"] = get_table(table)
        self._setup(options, _canonical(species), announce=None)

    def _setup(self, options, species, announce):
        """Compute the state once; warn about the fallbacks of ``announce``
        (all asked labels when None)."""
        table = options["table"]
        labels = list(table.elements)
        values = np.array(table.values, dtype=float)
        usable = table.well_sampled(options["min_sites"])
        position = {label: i for i, label in enumerate(labels)}
        need = [s for s in species if s not in position or not usable[position[s]]]
        rows, notes = table.species_rows(need, options["min_sites"])
        extra = []
        for label, row in zip(need, rows):
            if label in position:
                values[position[label]] = row
            else:
                extra.append(row)
                position[label] = len(labels)
                labels.append(label)
        if extra:
            values = np.vstack([values, np.array(extra)])
        shown = set(species if announce is None else announce)
        warn_fallback([n for n in notes if n.split(" ", 1)[0] in shown])
        X = values
        if options["standardize"]:
            base = table.values
            std = base.std(axis=0)
            std[std == 0] = 1.0
            X = (values - base.mean(axis=0)) / std
        S = _similarity_matrix(X, options["metric"])
        usable = np.r_[usable, np.zeros(len(extra), dtype=bool)]
        w = _normalisation_weights(labels, usable, options["oxidation_states"])
        P = _probability_matrix(S, w, options["normalization"])
        asked = np.isin(labels, list(species))
        outside = (w == 0) & ~asked  # rows asked for by name keep their values
        P[outside, :] = np.nan
        P[:, outside] = np.nan
        for array in (S, P, w):
            array.setflags(write=False)
        state = dict(options)
        state.update(
            labels=tuple(labels),
            species=tuple(species),
            weights=w,
            similarity_matrix=S,
            probability_matrix=P,
            _position=position,
            _n_table=len(table),
            _species_rows=table.has_species,
            _inside=frozenset(
                label for label, ok in zip(labels, np.isfinite(P).any(axis=0)) if ok
            ),
            admitted_states=(
                None
                if options["oxidation_states"] is None
                else oxidation_state_set(options["oxidation_states"])
            ),
        )
        self.__dict__.update(state)

    def __setattr__(self, name, value):
        raise AttributeError(f"SubstitutionModel is frozen; cannot set {name!r}")

    def __repr__(self):
        source = self.table.provenance.get("source", "unknown source")
        extra = f", {len(self.species)} species asked" if self.species else ""
        return (
            f"SubstitutionModel({len(self.table)} rows of {source!r}, "
            f"metric={self.metric!r}, standardize={self.standardize}, "
            f"normalization={self.normalization!r}, "
            f"oxidation_states={self.oxidation_states!r}, "
            f"min_sites={self.min_sites!r}{extra})"
        )

    @property
    def options(self):
        """The options as keyword arguments (without ``species``)."""
        return {
            "table": self.table,
            "metric": self.metric,
            "standardize": self.standardize,
            "normalization": self.normalization,
            "oxidation_states": self.oxidation_states,
            "min_sites": self.min_sites,
        }

    def with_species(self, species):
        """This model with more species asked for by name (a new object).

        Returns ``self`` when every label is already asked; warns only about
        the new labels that fall back to their element's row.
        """
        new = [s for s in _canonical(species) if s not in self.species]
        if not new:
            return self
        model = object.__new__(SubstitutionModel)
        model._setup(self.options, self.species + tuple(new), announce=new)
        return model

    # -- lookups -----------------------------------------------------------
    def key(self, species):
        """Row label of a species ``(element, charge)`` or label: the
        species string on a species table, the element on an element table."""
        if isinstance(species, str):
            label = LeafTable.canonical_label(species)
            if self._species_rows:
                return label
            return row_element(label) if is_species(label) else label
        return format_species(species) if self._species_rows else species[0]

    def position(self, species):
        """Index of a species' row in the matrices, or -1 when it has none."""
        return self._position.get(self.key(species), -1)

    def admissible(self, species):
        """Whether ``species`` may take part in a substitution.

        Its row must have finite probabilities (in the normalisation set, or
        asked for by name) and, with ``oxidation_states`` set, a charged
        species' charge must be one of its element's states in that set.

        Parameters
        ----------
        species : tuple (element, charge) or str
        """
        if isinstance(species, str):
            label = LeafTable.canonical_label(species)
            species = parse_species(label) if is_species(label) else (label, 0)
        element, charge = species
        if self.key(species) not in self._inside:
            return False
        if self.admitted_states is not None and charge != 0:
            return charge in self.admitted_states.get(element, ())
        return True

    def p(self, target, parent):
        """``p(target <- parent)``: probability that ``target`` replaces ``parent``.

        Parameters
        ----------
        target, parent : str or tuple (element, charge)

        Returns
        -------
        p : float
            NaN when either is outside the normalisation set (and not asked).

        Raises
        ------
        KeyError
            Naming a label the model has no row for (see :meth:`with_species`).
        """
        rows = []
        for species in (target, parent):
            i = self.position(species)
            if i < 0:
                raise KeyError(
                    f"{self.key(species)!r} has no row in this model; ask for it "
                    "with with_species()"
                )
            rows.append(i)
        return float(self.probability_matrix[rows[0], rows[1]])

    # -- frames ------------------------------------------------------------
    def similarity(self, labels=None):
        """Similarity matrix as a DataFrame.

        Parameters
        ----------
        labels : list of str, default=None
            Restrict to these elements or species (asked for by name, so a
            species with too few sites uses its element's row); None: every
            row of the table as stored.

        Returns
        -------
        similarity : pandas.DataFrame
            Symmetric, ones on the diagonal.
        """
        if labels is None:
            n = self._n_table
            S = self.similarity_matrix[:n, :n]
            return pd.DataFrame(S, index=self.labels[:n], columns=self.labels[:n])
        keys = list(_canonical(labels, unique=False))
        model = self.with_species(keys)
        idx = [model._position[k] for k in keys]
        S = model.similarity_matrix[np.ix_(idx, idx)]
        return pd.DataFrame(S, index=keys, columns=keys)

    def probabilities(self):
        """``p(X <- X')`` for every pair of labels as a DataFrame.

        Returns
        -------
        probabilities : pandas.DataFrame
            ``probabilities.loc[X, X']`` is ``p(X <- X')`` (rows substituting,
            columns replaced); NaN outside the normalisation set for labels
            not asked for.  With ``"conditional"`` the weighted columns sum
            to one.
        """
        P = np.array(self.probability_matrix)
        return pd.DataFrame(P, index=list(self.labels), columns=list(self.labels))

    def substitutes(self, species, *, top=10, same_sign=True):
        """The rows most likely to replace ``species``, highest first.

        See :func:`sklearn_leafs.substitution.best_substitutions`.
        """
        key = LeafTable.canonical_label(species)
        model = self.with_species([key])
        column = model.probabilities()[key]
        if column.isna().all():
            raise ValueError(
                f"element {key!r} is outside the normalisation set "
                f"(oxidation_states={self.oxidation_states!r}); use "
                "oxidation_states=None"
            )
        own = row_element(key)
        drop = [label for label in column.index if row_element(label) == own]
        charge = parse_species(key)[1] if is_species(key) else 0
        if same_sign and self.table.has_species and charge != 0:
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


SubstitutionModel = document_model_options(SubstitutionModel)


def _canonical(labels, unique=True):
    keys = [LeafTable.canonical_label(str(label)) for label in labels]
    return tuple(dict.fromkeys(keys)) if unique else tuple(keys)

"""The table registry: one place that turns a table name into a LeafTable.

Every estimator, function, plot and CLI option of the package resolves its
``table`` argument through :func:`get_table`, the way scikit-learn resolves
scorer names through ``sklearn.metrics.get_scorer``, and its multi-hot
matrix argument ``M`` through :func:`get_matrix`. Each name therefore means
one set of values everywhere.

Caches follow what a name means, not the name: a table (and its M,
:func:`~sklearn_leafs.tables.get_matrix`) is loaded
once per registration and ``data_home``; re-registering a name drops its
cached table and M and those of every table whose loader resolved it (the
LEAF+ table ``"open+"``, or a user's table
built from another), so those are loaded again from the current base.  The
dependencies are recorded as loaders run, so a user's loader that calls
:func:`get_table` is followed without being declared.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

from ._element_properties import leaf_plus, magpie_table
from ._embeddings import EMBEDDING_NAMES, load_embedding
from ._leaf_table import LeafTable, as_table

__all__ = [
    "DEFAULT_MATRIX",
    "DEFAULT_SPECIES_TABLE",
    "DEFAULT_TABLE",
    "get_table",
    "register_table",
    "table_names",
    "describe_tables",
]

_DATA_DIR = Path(__file__).parents[1] / "data"

#: Prefix of the ``elementembeddings`` baselines (``"ee:magpie"``...).
EMBEDDING_PREFIX = "ee:"

#: The table every estimator, function and command uses unless told
#: otherwise: the paper's published ICSD table.
DEFAULT_TABLE = "vasylenko2024"
#: The default species table (no species table is published): the open
#: corpus's.
DEFAULT_SPECIES_TABLE = "open-species"
#: The default multi-hot matrix M of the torch models (M is not published):
#: the open corpus's.
DEFAULT_MATRIX = "open"

#: Names of earlier versions -> what to use now (get_table explains).
_RENAMED = {
    "default": "'vasylenko2024' (the paper's table, now the default) or "
    "'open' (the package's open table, now reweighted towards ICSD's "
    "chemistry); the earlier values are 'open-unweighted'",
    "default+": "'vasylenko2024+' or 'open+'; the earlier values are "
    "'open-unweighted+'",
    "default-species": "'open-species' (the same table)",
}


def _shipped(filename):
    def load(data_home=None):
        path = _DATA_DIR / filename
        if not path.is_file():
            raise FileNotFoundError(
                "the built-in table is missing from this installation "
                f"({path}); rebuild it with the script named in docs/open_table.md"
            )
        return LeafTable.from_csv(path)

    return load


def _published(name):
    def load(data_home=None):
        # imported here: the fetcher pulls in scikit-learn (Bunch) and joblib,
        # which reading a shipped table does not need
        from ._published import fetch_leaf_table

        return fetch_leaf_table(name, data_home=data_home).table

    return load


def _plus(name):
    def load(data_home=None):
        return leaf_plus(get_table(name, data_home=data_home))

    return load


def _embedding(name):
    def load(data_home=None):
        return load_embedding(name)

    return load


# name -> (loader(data_home=None) -> LeafTable, description, M of the table:
#          None, a loader(data_home=None) -> LocalEnvironmentMatrix, the Path
#          of an .npz file, or the name of the table whose M it shares)
_TABLES = {
    DEFAULT_TABLE: (
        _published("vasylenko2024"),
        "the published ICSD LEAF table of the paper (leaf.csv of Vasylenko et "
        "al. 2024, MIT licence), shipped with the package; the default table",
        None,
    ),
    "vasylenko2024+": (
        _published("vasylenko2024+"),
        "the published LEAF+ table (leaf+_dic.csv): the 37 ICSD LEAFs followed "
        "by 22 Magpie elemental properties, as the authors published it",
        None,
    ),
    "vasylenko2024-autoencoder": (
        _published("vasylenko2024-autoencoder"),
        "the published autoencoder table (LEAF59.csv): 59 learned features "
        "per element of Vasylenko et al. 2024",
        None,
    ),
    "open": (
        _shipped("open_table.csv"),
        "the package's own LEAFs from an open structure corpus, post-stratified "
        "towards ICSD's chemistry (anion family, one weight per formula, "
        "ICSD-linked structures x2); built by scripts/build_open_table.py",
        _DATA_DIR / "open_M.npz",
    ),
    "open-unweighted": (
        _shipped("open_unweighted_table.csv"),
        "the same corpus's LEAFs without reweighting (every site counts once); "
        "the table named 'default' before version 0.2",
        "open",
    ),
    "open-species": (
        _shipped("open_species_table.csv"),
        "species-resolved LEAFs (rows such as 'Ti4+', 'O2-', metallic 'K0+') of "
        "the open corpus, sites decorated with oxidation states by bond "
        "valence, else the composition's charge-balanced guess, else metallic; "
        "built by scripts/build_open_table.py",
        None,
    ),
    "magpie": (
        lambda data_home=None: magpie_table(),
        "22 Magpie elemental properties (those of the paper's LEAF+), from "
        "matminer's MagpieData: element properties, not matminer's 132-feature "
        "Magpie preset",
        None,
    ),
    "open+": (
        _plus("open"),
        "LEAF+: the open table joined with the 22 Magpie properties",
        "open",
    ),
    "open-unweighted+": (
        _plus("open-unweighted"),
        "LEAF+ of the unweighted open table (named 'default+' before version "
        "0.2); the element features of the attention LeafNet",
        "open",
    ),
}
for _name in EMBEDDING_NAMES:
    _TABLES[EMBEDDING_PREFIX + _name] = (
        _embedding(_name),
        f"the {_name!r} element embedding of the elementembeddings package "
        "(a Table 1 baseline; needs the optional extra 'baselines')",
        None,
    )

#: (kind, name, data_home) -> loaded object; kind "table" or "matrix"
_CACHE = {}
#: name -> names whose loaders resolved it (their caches depend on it)
_DEPENDENTS = {}
#: bumped by every registration; a load that overlapped one is not cached
_GENERATION = [0]
_LOCK = threading.RLock()
_LOADING = threading.local()  # stack of the names whose loaders are running


def _invalidate(name):
    """Drop the cached table and M of ``name`` and of everything derived."""
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for key in [k for k in _CACHE if k[1] == current]:
            del _CACHE[key]
        pending.extend(_DEPENDENTS.pop(current, ()))


def _cached(kind, name, data_home, load):
    """The cached ``kind`` of ``name``, loading it (and recording which
    registered names the loader resolves) on first use."""
    stack = getattr(_LOADING, "stack", None)
    if stack is None:
        stack = _LOADING.stack = []
    key = (kind, name, None if data_home is None else str(data_home))
    with _LOCK:
        if stack and stack[-1] != name:
            _DEPENDENTS.setdefault(name, set()).add(stack[-1])
        if key in _CACHE:
            return _CACHE[key]
        generation = _GENERATION[0]
    stack.append(name)
    try:
        value = load(data_home=data_home)
    finally:
        stack.pop()
    with _LOCK:
        if _GENERATION[0] == generation:
            _CACHE[key] = value
    return value


def register_table(name, loader, description="", *, overwrite=False, matrix=None):
    """Register a table name for every estimator, function and CLI option.

    Parameters
    ----------
    name : str
        The new name. It must not contain a path separator.
    loader : callable
        ``loader(data_home=None)`` returning a :class:`LeafTable`. It is called
        once per ``data_home``; the table is then shared.
    description : str, default=""
        One line shown by :func:`describe_tables`.
    overwrite : bool, default=False
        Replace an existing name instead of raising. The name's cached table
        and M are dropped, and so are those of every table derived from it
        (``name + "+"`` and any table whose loader called :func:`get_table`
        on it): they are loaded again from the new table on next use.
    matrix : callable, path-like or str, default=None
        The table's multi-hot matrix M, resolved by
        :func:`~sklearn_leafs.tables.get_matrix`: ``matrix(data_home=None)``
        returning a :class:`~sklearn_leafs.tables.LocalEnvironmentMatrix`
        whose rows are the table's elements, the path of an ``.npz`` file
        (:meth:`~sklearn_leafs.tables.LocalEnvironmentMatrix.save`), or the
        name of another registered table whose M this one shares (a LEAF+
        table shares its base's). None: the table has no M.

    Raises
    ------
    ValueError
        If the name is taken and ``overwrite`` is False, or is not a plain name.
    TypeError
        If ``loader`` is not callable or ``matrix`` is of another kind.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs.tables import LeafTable, get_table, register_table
    >>> toy = LeafTable.from_frame(pd.DataFrame({"f": [1.0, 2.0]}, index=["O", "Mg"]))
    >>> register_table("toy", lambda data_home=None: toy, "two elements")
    >>> get_table("toy").elements
    ['O', 'Mg']
    """
    name = str(name)
    if not name or os.sep in name or "/" in name:
        raise ValueError(f"table names must be non-empty plain names; got {name!r}")
    if not callable(loader):
        raise TypeError(f"loader must be callable(data_home=None); got {loader!r}")
    if not (
        matrix is None or callable(matrix) or isinstance(matrix, str | os.PathLike)
    ):
        raise TypeError(
            "matrix must be None, callable(data_home=None), an .npz path or a "
            f"registered table name; got {matrix!r}"
        )
    if isinstance(matrix, os.PathLike):
        matrix = Path(matrix)
    with _LOCK:
        if name in _TABLES and not overwrite:
            raise ValueError(f"table name {name!r} is already registered")
        _TABLES[name] = (loader, str(description), matrix)
        _GENERATION[0] += 1
        _invalidate(name)


def table_names():
    """Every registered table name, sorted.

    Examples
    --------
    >>> "open" in table_names() and "ee:magpie" in table_names()
    True
    """
    return sorted(_TABLES)


def describe_tables():
    """``{name: description}`` of every registered table.

    Examples
    --------
    >>> describe_tables()["magpie"][:10]
    '22 Magpie '
    """
    return {name: _TABLES[name][1] for name in table_names()}


def get_table(table, *, data_home=None):
    """Resolve a table argument into a :class:`LeafTable`.

    Parameters
    ----------
    table : LeafTable, str, path-like or pandas.DataFrame
        A LeafTable (returned as is); a registered name (see
        :func:`table_names`: ``"vasylenko2024"`` (the default), ``"open"``,
        ``"magpie"``, ``"vasylenko2024+"``, ``"open+"``, ``"ee:mat2vec"``...); the path of
        a table CSV (see :meth:`LeafTable.from_csv`); or a DataFrame indexed
        by element symbol.
    data_home : str, default=None
        Where fetched tables live; see :func:`sklearn_leafs.datasets.get_data_home`.

    Returns
    -------
    LeafTable
        Tables loaded by name are loaded once per registration and then
        shared (their values are read-only); see :func:`register_table`.

    Raises
    ------
    ValueError
        If a string is neither a registered name nor an existing file; the
        message lists the registered names.
    TypeError
        For any other kind of argument.

    Examples
    --------
    >>> get_table("vasylenko2024").n_features
    37
    >>> get_table("open").n_features
    37
    """
    if isinstance(table, LeafTable | pd.DataFrame):
        return as_table(table)
    if isinstance(table, str) and table in _TABLES:
        return _cached("table", table, data_home, _TABLES[table][0])
    if isinstance(table, str | os.PathLike):
        path = Path(table).expanduser()
        if path.is_file():
            return LeafTable.from_csv(path)
        if str(table) in _RENAMED:
            raise ValueError(
                f"the table name {str(table)!r} was retired in sklearn-leafs 0.2, "
                f"where it changed meaning: use {_RENAMED[str(table)]} "
                "(see docs/open_table.md)"
            )
        raise ValueError(
            f"unknown table {str(table)!r}: not a registered name "
            f"({', '.join(table_names())}) and not an existing file"
        )
    raise TypeError(
        "table must be a LeafTable, a registered name, a CSV path or a DataFrame "
        f"indexed by element; got {type(table).__name__}"
    )


def _matrix_spec(name):
    """What :func:`register_table` was given as the M of ``name``."""
    return _TABLES[name][2]

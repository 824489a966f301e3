"""The table registry: one place that turns a table name into a LeafTable.

Every estimator, function, plot and CLI option of the package resolves its
``table`` argument through :func:`get_table`, the way scikit-learn resolves
scorer names through ``sklearn.metrics.get_scorer``. Each name therefore
means one set of values everywhere.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd

from ._element_properties import leaf_plus, magpie_table
from ._embeddings import EMBEDDING_NAMES, load_embedding
from ._leaf_table import LeafTable, as_table
from ._published import fetch_leaf_table

__all__ = ["get_table", "register_table", "table_names", "describe_tables"]

_DATA_DIR = Path(__file__).parents[1] / "data"

#: Prefix of the ``elementembeddings`` baselines (``"ee:magpie"``...).
EMBEDDING_PREFIX = "ee:"


def _shipped(filename):
    def load(data_home=None):
        path = _DATA_DIR / filename
        if not path.is_file():
            raise FileNotFoundError(
                "the built-in table is missing from this installation "
                f"({path}); rebuild it with the script named in docs/default_table.md"
            )
        return LeafTable.from_csv(path)

    return load


def _published(data_home=None):
    return fetch_leaf_table("vasylenko2024", data_home=data_home).table


def _plus(name):
    def load(data_home=None):
        return leaf_plus(get_table(name, data_home=data_home))

    return load


def _embedding(name):
    def load(data_home=None):
        return load_embedding(name)

    return load


# name -> (loader(data_home=None) -> LeafTable, description)
_TABLES = {
    "default": (
        _shipped("default_table.csv"),
        "the package's own LEAFs, computed from an open structure corpus by "
        "scripts/build_default_table.py and shipped with the package",
    ),
    "default-species": (
        _shipped("default_species_table.csv"),
        "species-resolved LEAFs (rows such as 'Ti4+', 'O2-', metallic 'K0+') of "
        "the same open corpus, sites decorated with oxidation states by bond "
        "valence, else the composition's charge-balanced guess, else metallic; "
        "built by scripts/build_default_table.py",
    ),
    "vasylenko2024": (
        _published,
        "the published ICSD LEAF table (leaf.csv of Vasylenko et al. 2024), "
        "fetched and verified on first use",
    ),
    "magpie": (
        lambda data_home=None: magpie_table(),
        "22 Magpie elemental properties (those of the paper's LEAF+), from "
        "matminer's MagpieData",
    ),
    "default+": (
        _plus("default"),
        "LEAF+: the default table joined with the 22 Magpie properties",
    ),
    "vasylenko2024+": (
        _plus("vasylenko2024"),
        "LEAF+: the published ICSD table joined with the 22 Magpie properties",
    ),
}
for _name in EMBEDDING_NAMES:
    _TABLES[EMBEDDING_PREFIX + _name] = (
        _embedding(_name),
        f"the {_name!r} element embedding of the elementembeddings package "
        "(a Table 1 baseline; needs the optional extra 'baselines')",
    )

_CACHE = {}
_LOCK = threading.Lock()


def register_table(name, loader, description="", *, overwrite=False):
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
        Replace an existing name instead of raising.

    Raises
    ------
    ValueError
        If the name is taken and ``overwrite`` is False, or is not a plain name.

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
    if name in _TABLES and not overwrite:
        raise ValueError(f"table name {name!r} is already registered")
    with _LOCK:
        _TABLES[name] = (loader, str(description))
        for key in [k for k in _CACHE if k[0] == name]:
            del _CACHE[key]


def table_names():
    """Every registered table name, sorted.

    Examples
    --------
    >>> "default" in table_names() and "ee:magpie" in table_names()
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
        :func:`table_names`: ``"default"``, ``"vasylenko2024"``, ``"magpie"``,
        ``"default+"``, ``"vasylenko2024+"``, ``"ee:mat2vec"``...); the path of
        a table CSV (see :meth:`LeafTable.from_csv`); or a DataFrame indexed
        by element symbol.
    data_home : str, default=None
        Where fetched tables live; see :func:`sklearn_leafs.datasets.get_data_home`.

    Returns
    -------
    LeafTable
        Tables loaded by name are loaded once and then shared (their values
        are read-only).

    Raises
    ------
    ValueError
        If a string is neither a registered name nor an existing file; the
        message lists the registered names.
    TypeError
        For any other kind of argument.

    Examples
    --------
    >>> get_table("default").n_features
    37
    """
    if isinstance(table, LeafTable | pd.DataFrame):
        return as_table(table)
    if isinstance(table, str) and table in _TABLES:
        key = (table, None if data_home is None else str(data_home))
        with _LOCK:
            cached = _CACHE.get(key)
        if cached is None:
            cached = _TABLES[table][0](data_home=data_home)
            with _LOCK:
                _CACHE[key] = cached
        return cached
    if isinstance(table, str | os.PathLike):
        path = Path(table).expanduser()
        if path.is_file():
            return LeafTable.from_csv(path)
        raise ValueError(
            f"unknown table {str(table)!r}: not a registered name "
            f"({', '.join(table_names())}) and not an existing file"
        )
    raise TypeError(
        "table must be a LeafTable, a registered name, a CSV path or a DataFrame "
        f"indexed by element; got {type(table).__name__}"
    )

"""Element tables: LEAF tables, the multi-hot matrix M, other element tables.

- :class:`LeafTable`: an element x feature table with its provenance (a plain
  container).
- :func:`get_table`, :func:`table_names`, :func:`register_table`: the table
  registry, the one place where names such as ``"vasylenko2024"`` (the
  default, :data:`DEFAULT_TABLE`), ``"open"``, ``"magpie"`` or ``"ee:mat2vec"``
  become tables;
  :func:`get_matrix` resolves the multi-hot M of a table the same way.
- :func:`build_table`, :func:`table_from_records`: LEAFs from structures,
  optionally post-stratified towards a reference chemistry
  (:func:`poststratification_weights`, :func:`formula_weights`).
- :class:`LocalEnvironmentMatrix`, :class:`MultiHotEncoder`: the multi-hot M.
- :func:`magpie_table`, :func:`join_tables`, :func:`leaf_plus`: LEAF+ tables.
- :func:`load_embedding`: the ``elementembeddings`` baselines.
- :func:`fetch_leaf_table`: the published tables (shipped with the package).

Names are imported lazily from the module that holds them, so reading a
table CSV (``get_table("open")``) imports neither pymatgen nor joblib,
which only building a table from structures needs.
"""

from importlib import import_module

# public name -> module that defines it
_EXPORTS = {
    "build_table": "._aggregate",
    "table_from_records": "._aggregate",
    "MAGPIE_PROPERTIES": "._element_properties",
    "join_tables": "._element_properties",
    "leaf_plus": "._element_properties",
    "magpie_table": "._element_properties",
    "EMBEDDING_NAMES": "._embeddings",
    "load_embedding": "._embeddings",
    "LeafTable": "._leaf_table",
    "as_table": "._leaf_table",
    "LocalEnvironmentMatrix": "._multihot",
    "MultiHotEncoder": "._multihot",
    "bin_indices": "._multihot",
    "LEAF_COMMIT": "._published",
    "fetch_leaf_table": "._published",
    "PUBLISHED_TABLES": "._published",
    "STRATA": "._reweighting",
    "anion_class": "._reweighting",
    "formula_weights": "._reweighting",
    "poststratification_weights": "._reweighting",
    "DEFAULT_MATRIX": "._registry",
    "DEFAULT_SPECIES_TABLE": "._registry",
    "DEFAULT_TABLE": "._registry",
    "describe_tables": "._registry",
    "get_matrix": "._multihot",
    "get_table": "._registry",
    "register_table": "._registry",
    "table_names": "._registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            f"module 'sklearn_leafs.tables' has no attribute {name!r}"
        ) from None
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(__all__) | set(globals()))

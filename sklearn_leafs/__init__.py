"""sklearn-leafs: Local Environment-induced Atomic Features for scikit-learn.

Public names are imported lazily, so ``import sklearn_leafs`` stays cheap and
does not import torch, matminer or matplotlib until they are needed.
"""

from importlib import import_module

__version__ = "0.2.0"

# public name -> module that defines it
_EXPORTS = {
    "MOTIF_LABELS": "sklearn_leafs.chemistry",
    "guess_roles": "sklearn_leafs.chemistry",
    "SiteRecords": "sklearn_leafs.environments",
    "site_similarities": "sklearn_leafs.environments",
    "compute_site_records": "sklearn_leafs.environments",
    "LeafTable": "sklearn_leafs.tables",
    "get_table": "sklearn_leafs.tables",
    "table_names": "sklearn_leafs.tables",
    "register_table": "sklearn_leafs.tables",
    "build_table": "sklearn_leafs.tables",
    "table_from_records": "sklearn_leafs.tables",
    "MultiHotEncoder": "sklearn_leafs.tables",
    "LocalEnvironmentMatrix": "sklearn_leafs.tables",
    "load_embedding": "sklearn_leafs.tables",
    "ElementFeaturizer": "sklearn_leafs.featurizers",
    "LiCationFeaturizer": "sklearn_leafs.featurizers",
    "PhaseFieldFeaturizer": "sklearn_leafs.featurizers",
    "recommended_featurizer": "sklearn_leafs.featurizers",
    "NearestCompositions": "sklearn_leafs.neighbors",
    "composition_similarity": "sklearn_leafs.neighbors",
    "composition_vectors": "sklearn_leafs.neighbors",
    "SubstitutionModel": "sklearn_leafs.substitution",
    "element_similarity": "sklearn_leafs.substitution",
    "substitution_probabilities": "sklearn_leafs.substitution",
    "best_substitutions": "sklearn_leafs.substitution",
    "formula_substitution": "sklearn_leafs.substitution",
    "substitute_formula": "sklearn_leafs.substitution",
    "predict_structure_type": "sklearn_leafs.substitution",
    "predict_parent_structure": "sklearn_leafs.substitution",
    "SubstitutionClassifier": "sklearn_leafs.substitution",
    "PhaseFieldNoveltyScorer": "sklearn_leafs.novelty",
    "PhaseFieldKFold": "sklearn_leafs.model_selection",
    "LeafAutoencoder": "sklearn_leafs.neural_network",
    "table_from_autoencoder": "sklearn_leafs.neural_network",
    "LeafNetRegressor": "sklearn_leafs.neural_network",
    "LeafNetClassifier": "sklearn_leafs.neural_network",
    "MLPHead": "sklearn_leafs.neural_network",
    "AttentionHead": "sklearn_leafs.neural_network",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(
            f"module 'sklearn_leafs' has no attribute {name!r}"
        ) from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__

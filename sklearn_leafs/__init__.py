"""sklearn-leafs: Local Environment-induced Atomic Features for scikit-learn.

Public names are imported lazily, so ``import sklearn_leafs`` stays cheap and
does not import torch, matminer or matplotlib until they are needed.
"""

from importlib import import_module

__version__ = "0.1.0"

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
    "NearestCompositions": "sklearn_leafs.similarity",
    "element_similarity": "sklearn_leafs.similarity",
    "substitution_probabilities": "sklearn_leafs.similarity",
    "best_substitutions": "sklearn_leafs.similarity",
    "composition_similarity": "sklearn_leafs.similarity",
    "predict_structure_type": "sklearn_leafs.substitution",
    "SubstitutionClassifier": "sklearn_leafs.substitution",
    "PhaseFieldNoveltyScorer": "sklearn_leafs.novelty",
    "PhaseFieldKFold": "sklearn_leafs.model_selection",
    "LeafAutoencoder": "sklearn_leafs.autoencoder",
    "LeafNetRegressor": "sklearn_leafs.leafnet",
    "LeafNetClassifier": "sklearn_leafs.leafnet",
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

"""sklearn-leafs: Local Environment-induced Atomic Features for scikit-learn.

Public names are imported lazily, so ``import sklearn_leafs`` stays cheap and
does not import torch, matminer or matplotlib until they are needed.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "LeafTable": "sklearn_leafs.table",
    "MOTIF_LABELS": "sklearn_leafs.motifs",
    "ElementFeaturizer": "sklearn_leafs.featurizers.element",
    "LiCationFeaturizer": "sklearn_leafs.featurizers.concat",
    "PhaseFieldFeaturizer": "sklearn_leafs.featurizers.phase_field",
    "MultiHotEncoder": "sklearn_leafs.multihot",
    "LocalEnvironmentMatrix": "sklearn_leafs.multihot",
    "SiteRecords": "sklearn_leafs.environments",
    "site_similarities": "sklearn_leafs.environments",
    "compute_site_records": "sklearn_leafs.environments",
    "NearestCompositions": "sklearn_leafs.similarity",
    "element_similarity": "sklearn_leafs.similarity",
    "substitution_probabilities": "sklearn_leafs.similarity",
    "best_substitutions": "sklearn_leafs.similarity",
    "composition_similarity": "sklearn_leafs.similarity",
    "predict_structure_type": "sklearn_leafs.substitution",
    "load_embedding": "sklearn_leafs.embeddings",
    "PhaseFieldNoveltyScorer": "sklearn_leafs.phase_field_scoring",
    "PhaseFieldKFold": "sklearn_leafs.model_selection",
    "SubstitutionClassifier": "sklearn_leafs.substitution",
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

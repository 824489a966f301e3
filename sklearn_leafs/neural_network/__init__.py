"""Neural-network models of learned LEAFs (torch, through skorch).

- :class:`LeafAutoencoder` and :func:`table_from_autoencoder`: the paper's
  shallow autoencoder of the multi-hot environment matrix M, and the element
  table of its latent vectors.
- :class:`LeafNetRegressor` and :class:`LeafNetClassifier`: Eq. 4 trained end
  to end, with a composed head, :class:`MLPHead` (fraction pooling, as in the
  paper) or :class:`AttentionHead` (CrabNet-like); head options are routed
  with the ``head__`` prefix.

Importing this subpackage imports torch; ``import sklearn_leafs`` does not.
"""

from ._autoencoder import LeafAutoencoder, table_from_autoencoder
from ._heads import AttentionHead, LeafNetHead, MLPHead
from ._leafnet import LeafNetClassifier, LeafNetRegressor

__all__ = [
    "LeafAutoencoder",
    "table_from_autoencoder",
    "LeafNetRegressor",
    "LeafNetClassifier",
    "LeafNetHead",
    "MLPHead",
    "AttentionHead",
]

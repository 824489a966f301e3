"""
The periodic table in LEAF space
================================

The paper's Fig. 2a: every element is a point at the 2-D t-SNE projection of
its 37 LEAFs (mean similarities of its sites to 37 coordination motifs),
labelled by its symbol, coloured by its periodic group and sized by its atomic
number. Elements that adopt the same local environments land close together,
although nothing about the periodic table was given to the projection.

We use the published ICSD table of Vasylenko et al. (2024)
(``"vasylenko2024"``; fetched once, or read from ``SKLEARN_LEAFS_DATA``).
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from sklearn_leafs.plotting import plot_element_map
from sklearn_leafs.tables import get_table

QUICK = os.environ.get("SKLEARN_LEAFS_QUICK") == "1"

table = get_table("vasylenko2024")
print(table)

# %%
# t-SNE map coloured by periodic group
# ------------------------------------
# The alkali metals (group 1), the halogens (17) and the lanthanoids (Ln)
# form tight clusters; the late transition metals sit apart from the early
# ones.
fig, ax = plt.subplots(figsize=(9, 7))
plot_element_map(table, method="tsne", color_by="group", random_state=0, ax=ax)
fig.tight_layout()

# %%
# PCA map coloured by block
# -------------------------
# A linear projection keeps the distances interpretable: the first principal
# component separates high-coordination (metallic, f-block) environments from
# low-coordination (p-block) ones.
fig, ax = plt.subplots(figsize=(8, 6))
plot_element_map(table, method="pca", color_by="block", ax=ax)
fig.tight_layout()

# %%
# What the first principal component means
# ----------------------------------------
# Because every feature is a motif, the PCA loadings can be read directly.
from sklearn.decomposition import PCA  # noqa: E402

pca = PCA(n_components=2).fit(table.values)
order = np.argsort(pca.components_[0])
print("PC 1 low :", [table.feature_names[i] for i in order[:3]])
print("PC 1 high:", [table.feature_names[i] for i in order[-3:]])

# %%
# Compositions in LEAF space (Fig. 2b)
# ------------------------------------
# The same projection for compositions: each of the 100 AB binaries of the
# paper's Table 1 becomes the fraction-weighted mean of its elements' LEAFs
# (Eq. 2) and is coloured by its structure type. Rock-salt and tetrahedral
# (zinc blende, wurtzite) compounds fall in different regions.
from sklearn_leafs.datasets import fetch_binary_structure_types
from sklearn_leafs.plotting import plot_composition_map

ab = fetch_binary_structure_types()
formulas = [c.reduced_formula for c in ab.data]
fig, ax = plt.subplots(figsize=(8, 6))
plot_composition_map(
    formulas,
    ab.target,
    table,
    method="tsne",
    perplexity=15,
    random_state=0,
    annotate=not QUICK,
    ax=ax,
)
fig.tight_layout()

"""
Element similarity heat map
===========================

The paper's Fig. S5: the similarity of every pair of elements, with the
elements ordered by atomic number. Blocks along the diagonal are families of
elements with alike local environments (the alkali metals, the lanthanoids,
the late transition metals).

Two similarities are shown: the plain cosine of the LEAF vectors, and the
Pearson correlation of vectors standardised per feature over all elements,
which is the similarity behind the paper's Table 1 substitution model.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_leafs.chemistry._elements import ELEMENTS
from sklearn_leafs.plotting import plot_similarity_heatmap
from sklearn_leafs.substitution import element_similarity
from sklearn_leafs.tables import get_table

table = get_table("vasylenko2024")
# the paper restricts the heat map to H..Bi (Z <= 83)
elements = [e for e in ELEMENTS[:83] if e in table]

# %%
# Cosine similarity
# -----------------
fig, ax = plt.subplots(figsize=(10, 9))
plot_similarity_heatmap(table, metric="cosine", elements=elements, ax=ax)
fig.tight_layout()

# %%
# Standardised Pearson correlation (Table 1 setting)
# --------------------------------------------------
# Standardising every motif over all elements stops the motifs that almost
# every element shows (large, common coordination numbers) from dominating.
fig, ax = plt.subplots(figsize=(10, 9))
plot_similarity_heatmap(
    table, metric="pearson", standardize=True, elements=elements, ax=ax
)
fig.tight_layout()

# %%
# The most similar pairs
# ----------------------
S = element_similarity(table, metric="pearson", standardize=True, elements=elements)
upper = np.triu(np.ones(S.shape, dtype=bool), k=1)
pairs = S.where(upper).stack().sort_values(ascending=False)
print(pairs.head(10).round(3).to_string())

"""
Which local environments make a fast Li-ion conductor?
======================================================

The paper's Fig. 3a. A random forest classifies 397 Li-containing
compositions as fast (room-temperature conductivity above 1e-4 S/cm) or slow
ionic conductors from the Li || cations featurization (Eq. 3): the LEAFs of
Li, weighted by its fraction, next to the pooled LEAFs of the other cations.

Every feature is a coordination motif, so the forest's importances say which
local environments of Li and of its neighbouring cations matter. The dashed
line is the importance every feature would have if all contributed equally;
bars beyond it carry more than their share.
"""

import os

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_leafs import LiCationFeaturizer
from sklearn_leafs.datasets import fetch_li_ion_conductivity
from sklearn_leafs.plotting import plot_motif_importances

QUICK = os.environ.get("SKLEARN_LEAFS_QUICK") == "1"
N_TREES = 50 if QUICK else 300

li = fetch_li_ion_conductivity()
pipe = make_pipeline(
    LiCationFeaturizer(table="vasylenko2024"),
    RandomForestClassifier(n_estimators=N_TREES, random_state=0, n_jobs=1),
)

# %%
# How well does it classify?
# --------------------------
cv = StratifiedKFold(5, shuffle=True, random_state=42)
mcc = cross_val_score(pipe, li.data, li.target, cv=cv, scoring="matthews_corrcoef")
print(f"5-fold MCC: {mcc.mean():.3f} +/- {mcc.std():.3f}")

# %%
# Motif importances
# -----------------
# Fit on all compositions and plot the 15 largest impurity importances. The
# feature names come from the pipeline's ``get_feature_names_out``.
pipe.fit(li.data, li.target)
fig, ax = plt.subplots(figsize=(7, 6))
plot_motif_importances(pipe, top=15, ax=ax)
fig.tight_layout()

# %%
# Li block against cation block
# -----------------------------
importances = pd.Series(
    pipe[-1].feature_importances_, index=pipe[:-1].get_feature_names_out()
)
block = importances.index.str.split("|").str[0]
print(importances.groupby(block).sum().round(3).to_string())

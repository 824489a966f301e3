"""
Build a LEAF table from your own CIFs
=====================================

LEAFs are not tied to ICSD: any folder of structures gives a table. Each site
is compared with 37 coordination motifs (matminer's ``OPSiteFingerprint``),
and an element's LEAFs are the mean over all its sites.
:func:`~sklearn_leafs.tables.build_table`
reads CIF/POSCAR files, folders and JSON-lines corpora, runs in parallel
with joblib, computes every site (or, with ``symmetry=True``, one site per
symmetry orbit weighted by its multiplicity) and reports every structure it
could not use.

Here we write a few textbook structures to a temporary folder, add one broken
file, and build a table from them. If the reference data is present, we then
build a table from real Li-ion conductor CIFs and compare it with the
published ICSD table.
"""

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from pymatgen.core import Lattice, Structure

from sklearn_leafs.plotting import plot_similarity_heatmap
from sklearn_leafs.tables import build_table, get_table

QUICK = os.environ.get("SKLEARN_LEAFS_QUICK") == "1"

# %%
# A folder of CIFs
# ----------------
folder = Path(tempfile.mkdtemp(prefix="leafs_cifs_"))
prototypes = {
    "MgO_rock_salt": Structure.from_spacegroup(
        "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ),
    "ZnS_zinc_blende": Structure.from_spacegroup(
        "F-43m", Lattice.cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25, 0.25, 0.25]]
    ),
    "CsCl": Structure.from_spacegroup(
        "Pm-3m", Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ),
    "SrTiO3_perovskite": Structure.from_spacegroup(
        "Pm-3m",
        Lattice.cubic(3.905),
        ["Sr", "Ti", "O"],
        [[0, 0, 0], [0.5, 0.5, 0.5], [0.5, 0.5, 0]],
    ),
}
for name, structure in prototypes.items():
    structure.to(filename=str(folder / f"{name}.cif"))
(folder / "broken.cif").write_text("data_broken\n_cell_length_a oops\n")
print(sorted(p.name for p in folder.iterdir()))

# %%
# Build the table
# ---------------
# ``errors="skip"`` builds from the structures that work and lists the others
# with their reasons in the provenance (``errors="raise"`` would stop at the
# first bad file, ``"warn"`` also warns).
table = build_table(folder, n_jobs=1, errors="skip")
print(table)
for item in table.provenance["skipped"]:
    print("skipped:", item["id"], "-", item["reason"][:70])

motifs = [
    "linear CN_2",
    "tetrahedral CN_4",
    "octahedral CN_6",
    "body-centered cubic CN_8",
    "cuboctahedral CN_12",
]
print(table.frame[motifs].round(3).to_string())

# %%
# Mg and O in rock salt are octahedral, Zn and S in zinc blende tetrahedral,
# Cs and Cl in CsCl body-centred cubic; Ti in the perovskite is octahedral
# while Sr sits in a cuboctahedron of oxygen, and the oxygen of the perovskite
# is linear (Ti-O-Ti). The table is saved as CSV with
# its provenance in a JSON sidecar, and loads back by path:
path = table.to_csv(folder / "my_table.csv")
same = get_table(str(path))
print(same.provenance["n_structures"], "structures;", len(same), "elements")

# %%
# Real structures: Li-ion conductors
# ----------------------------------
# The reference data holds 928 experimental CIFs of Li-ion conductors, many
# disordered or partially occupied (a site contributes to each species on it,
# weighted by occupancy). We build a table from some of them in parallel and
# compare each element with the published ICSD table.
data_home = Path(os.environ.get("SKLEARN_LEAFS_DATA", "../shared/data"))
cif_dir = data_home / "li-ion-conductors" / "cifs"
if cif_dir.is_dir():
    files = sorted(cif_dir.glob("*.cif"))[: 20 if QUICK else 200]
    own = build_table(files, n_jobs=2, errors="skip")
    print(own)
    print(len(own.provenance["skipped"]), "CIFs skipped")
    icsd = get_table("vasylenko2024")
    common = [e for e in own.elements if e in icsd]
    a, b = own.lookup(common), icsd.lookup(common)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    print(f"cosine with the ICSD table: median {np.median(cos):.3f}")
    for element, c in sorted(zip(common, cos), key=lambda t: t[1])[:3]:
        print(f"  least alike: {element} ({c:.3f})")

    fig, ax = plt.subplots(figsize=(7, 6))
    plot_similarity_heatmap(own, metric="cosine", ax=ax)
    fig.tight_layout()
else:
    print(f"no CIFs at {cif_dir}; set SKLEARN_LEAFS_DATA to use them")

"""The 37 local-environment motifs of matminer's ``OPSiteFingerprint``."""

#: Feature labels of ``matminer.featurizers.site.OPSiteFingerprint`` with its
#: default parameters, in matminer's order. Every LEAF table built from
#: structures uses these as its columns.
MOTIF_LABELS = (
    "sgl_bd CN_1",
    "L-shaped CN_2",
    "water-like CN_2",
    "bent 120 degrees CN_2",
    "bent 150 degrees CN_2",
    "linear CN_2",
    "trigonal planar CN_3",
    "trigonal non-coplanar CN_3",
    "T-shaped CN_3",
    "square co-planar CN_4",
    "tetrahedral CN_4",
    "rectangular see-saw-like CN_4",
    "see-saw-like CN_4",
    "trigonal pyramidal CN_4",
    "pentagonal planar CN_5",
    "square pyramidal CN_5",
    "trigonal bipyramidal CN_5",
    "hexagonal planar CN_6",
    "octahedral CN_6",
    "pentagonal pyramidal CN_6",
    "hexagonal pyramidal CN_7",
    "pentagonal bipyramidal CN_7",
    "body-centered cubic CN_8",
    "hexagonal bipyramidal CN_8",
    "q2 CN_9",
    "q4 CN_9",
    "q6 CN_9",
    "q2 CN_10",
    "q4 CN_10",
    "q6 CN_10",
    "q2 CN_11",
    "q4 CN_11",
    "q6 CN_11",
    "cuboctahedral CN_12",
    "q2 CN_12",
    "q4 CN_12",
    "q6 CN_12",
)

N_MOTIFS = len(MOTIF_LABELS)

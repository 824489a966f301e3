"""Regression: a bcc sign tie that the fast kernel once got wrong.

Found by ``benchmarks/engine_table_agreement.py`` on a seeded 1,500-structure
corpus sample: 1 of 659,747 values differed, the bcc CN_8 value of H site 58
of a 116-atom AFLOW prototype (fast 0.02825, matminer 0.0355). Two of its
eight neighbours sit at exactly 90 degrees, and pymatgen's bcc weighs a pair's
terms by +1 or -1 depending on whether that angle exceeds pi/2, so the last
bit of ``acos`` flipped a sign. Such shells are now recomputed with
pymatgen's own arithmetic (``_has_right_angle``).
"""

import gzip
import json

import numpy as np

CORPUS_ID = "aflow:A18B10C_tP116_130_2c4g_2c2g_a"


def test_bcc_of_hydrogen_site_in_aflow_prototype(shared_data):
    from matminer.featurizers.site import OPSiteFingerprint
    from pymatgen.core import Structure

    from sklearn_leafs.environments._fast_kernel import fast_site_fingerprints

    with gzip.open(shared_data / "structure-corpus" / "structures.jsonl.gz", "rt") as f:
        for line in f:
            if CORPUS_ID in line:
                record = json.loads(line)
                if record["id"] == CORPUS_ID:
                    break
    structure = Structure.from_dict(record["structure"])
    fast = fast_site_fingerprints(structure, [58])[0]
    reference = np.asarray(OPSiteFingerprint().featurize(structure, 58))
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)

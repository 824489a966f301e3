"""Known disagreements between the fast kernel and matminer, kept as strict xfails.

Found by ``benchmarks/engine_table_agreement.py`` on a seeded 1,500-structure
corpus sample: 1 of 659,747 values differs by more than 1e-9. It is not a
floating-point tie (a 1e-9 Angstrom shift leaves both values unchanged) and
the neighbour list equals ``Structure.get_neighbors``'s, so the bcc order
parameter of some shell is computed differently. When the kernel is fixed,
this test starts passing and ``strict=True`` turns it red: drop the xfail then.
"""

import gzip
import json

import numpy as np
import pytest

CORPUS_ID = "aflow:A18B10C_tP116_130_2c4g_2c2g_a"


@pytest.mark.xfail(
    strict=True,
    reason="fast kernel gives bcc CN_8 0.02825 where matminer gives 0.0355 "
    "(H site 58 of a 116-atom AFLOW prototype); cause not found yet",
)
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

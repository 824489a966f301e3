"""Tables built with the fast engine against tables built with matminer.

Draws a seeded random sample of the open corpus, computes every site with
both engines (``engine="fast"`` and the reference ``engine="matminer"``), and
reports, on the same structures:

- the fraction of site values equal to 1e-9 and the max |difference|;
- the max |difference| of the element means (the LEAF table), goal <= 1e-4;
- the wall time of each engine and their ratio.

A full matminer rebuild of the default table costs about 1-2 hours of CPU on
this 2-core machine; the sample gives the same figures at a fraction of it.

Usage: python benchmarks/engine_table_agreement.py [--n 1500] [--n-jobs 2]
"""

import argparse
import gzip
import json
import os
import random
import time
import warnings
from pathlib import Path

import numpy as np

from sklearn_leafs import MOTIF_LABELS
from sklearn_leafs.environments import compute_site_records

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))


def sample(n, seed):
    from pymatgen.core import Structure

    with gzip.open(DATA / "structure-corpus" / "structures.jsonl.gz", "rt") as f:
        lines = f.readlines()
    chosen = sorted(random.Random(seed).sample(range(len(lines)), n))
    return {
        json.loads(lines[i])["id"]: Structure.from_dict(
            json.loads(lines[i])["structure"]
        )
        for i in chosen
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    structures = sample(args.n, args.seed)
    results = {}
    for engine in ("fast", "matminer"):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            records = compute_site_records(
                list(structures.values()),
                engine=engine,
                n_jobs=args.n_jobs,
                errors="skip",
            )
        results[engine] = (time.perf_counter() - t0, records)
        print(
            f"{engine:<9} {results[engine][0]:8.1f} s, {records.n_structures} "
            f"structures, {len(records.skipped)} skipped"
        )
    fast, ref = results["fast"][1], results["matminer"][1]
    ids = list(structures)
    a, b = fast.to_frame(), ref.to_frame()
    motifs = list(MOTIF_LABELS)
    va, vb = a[motifs].to_numpy(), b[motifs].to_numpy()
    assert va.shape == vb.shape, (va.shape, vb.shape)
    diff = np.abs(va - vb)
    means = np.abs(fast.element_means() - ref.element_means()).to_numpy()
    print(f"sites {va.shape[0]}, values {va.size}")
    for row, col in zip(*np.nonzero(diff > 1e-9)):
        print(
            f"  differs: corpus id {ids[int(a['structure_id'].iloc[row])]} site "
            f"{a['site_index'].iloc[row]} ({a['element'].iloc[row]}) {motifs[col]}: "
            f"fast {va[row, col]:.6f} matminer {vb[row, col]:.6f}"
        )
    print(
        f"values equal to 1e-9: {np.mean(diff <= 1e-9):.6%}; max |diff| {diff.max():.3g}"
    )
    print(f"element means: max |diff| {np.nanmax(means):.3g} (goal <= 1e-4)")
    print(
        f"matminer / fast wall time: {results['matminer'][0] / results['fast'][0]:.1f}x"
    )


if __name__ == "__main__":
    main()

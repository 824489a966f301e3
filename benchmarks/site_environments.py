"""Speed of the batch site-environment API against the reference loop.

The reference loop is what the original LEAFeatures ``CreateLeaf`` does:
``OPSiteFingerprint().featurize(structure, i)`` on every site of every
structure, then the plain mean per element. It is timed here in the same run,
on the same already-parsed structures, as:

- ``matminer+sym``: ``compute_site_records(engine="matminer", symmetry=True)``
  (one site per symmetry orbit, weighted by multiplicity);
- ``fast+sym`` and ``fast+all``: the vectorised kernel with and without
  symmetry reduction (when ``sklearn_leafs.environments._fast_kernel`` exists).

All runs use one process (``n_jobs=1``) so the ratios are per core. For each
set of structures it prints the wall time, the per-structure and per-site
speed-up against the reference loop, and the max |difference| of element means
against the reference loop's means.

The two sets are a seeded random sample of the open corpus (``--corpus``,
default 200) and the Li-conductor CIFs (``--cifs``, default all readable; the
reference loop costs 50-110 ms per site, about 76k sites there, so pass a
sample size on a small machine). Usage::

    nice -n 10 python benchmarks/site_environments.py --corpus 200 --cifs 50
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

from sklearn_leafs.environments import compute_site_records

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))


def corpus_sample(n, seed):
    from pymatgen.core import Structure

    with gzip.open(DATA / "structure-corpus" / "structures.jsonl.gz", "rt") as f:
        lines = f.readlines()
    chosen = sorted(random.Random(seed).sample(range(len(lines)), n))
    out = {}
    for i in chosen:
        record = json.loads(lines[i])
        out[record["id"]] = Structure.from_dict(record["structure"])
    return out


def cif_sample(n, seed):
    from pymatgen.core import Structure

    folder = DATA / "li-ion-conductors" / "cifs"
    names = sorted(os.listdir(folder))
    if n is not None and n < len(names):
        names = sorted(random.Random(seed).sample(names, n))
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            try:
                out[name] = Structure.from_file(folder / name)
            except Exception:  # unreadable CIFs are left out of both timings
                continue
    return out


def reference_loop(structures):
    """CreateLeaf-style: featurize every site, plain mean per element."""
    from matminer.featurizers.site import OPSiteFingerprint

    featurizer = OPSiteFingerprint()
    sums, weights = defaultdict(lambda: np.zeros(37)), defaultdict(float)
    start = time.perf_counter()
    for structure in structures.values():
        for i, site in enumerate(structure):
            values = np.asarray(featurizer.featurize(structure, i))
            for species, occupancy in site.species.items():
                symbol = getattr(species, "element", species).symbol
                sums[symbol] += occupancy * values
                weights[symbol] += occupancy
    seconds = time.perf_counter() - start
    return seconds, {el: sums[el] / weights[el] for el in sums}


def ours(structures, engine, symmetry):
    start = time.perf_counter()
    records = compute_site_records(
        structures, engine=engine, symmetry=symmetry, n_jobs=1
    )
    seconds = time.perf_counter() - start
    means = records.element_means()
    n_sites = len(set(zip(records.structure_index, records.site_index)))
    return seconds, {el: means.loc[el].to_numpy() for el in means.index}, n_sites


def fast_available():
    try:
        from sklearn_leafs.environments import _fast_kernel  # noqa: F401
    except ImportError:
        return False
    return True


def run(name, structures):
    n_sites = sum(len(s) for s in structures.values())
    print(f"\n== {name}: {len(structures)} structures, {n_sites} sites ==")
    t_ref, ref_means = reference_loop(structures)
    print(
        f"reference loop (featurize every site): {t_ref:8.1f} s "
        f"({1000 * t_ref / n_sites:.0f} ms/site)"
    )
    modes = [("matminer+sym", "matminer", True)]
    if fast_available():
        modes += [("fast+sym", "fast", True), ("fast+all", "fast", False)]
    for label, engine, symmetry in modes:
        seconds, means, computed = ours(structures, engine, symmetry)
        diff = max(np.abs(means[el] - ref_means[el]).max() for el in ref_means)
        print(
            f"{label:13s} {seconds:8.1f} s, {computed} sites computed; "
            f"speed-up per structure {t_ref / seconds:6.1f}x, "
            f"per computed site {(t_ref / n_sites) / (seconds / computed):6.1f}x; "
            f"max |element mean diff| {diff:.2e}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=int, default=200)
    parser.add_argument("--cifs", type=int, default=None, help="default: all")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.corpus:
        run("open corpus sample", corpus_sample(args.corpus, args.seed))
    if args.cifs != 0:
        run("Li-conductor CIFs", cif_sample(args.cifs, args.seed))


if __name__ == "__main__":
    main()

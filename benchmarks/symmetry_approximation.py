"""How well one-site-per-orbit (symmetry=True) approximates the all-sites mean.

matminer's ``OPSiteFingerprint`` does not give exactly equal values on
symmetry-equivalent sites (distance-shell rounding, histogram peak picking,
slightly off-symmetry coordinates), so computing one site per orbit and
weighting it by multiplicity only approximates the mean over all sites.

This script computes the site records of the whole open corpus twice, with
``symmetry=True`` and ``symmetry=False`` (fast engine by default), and compares
the element means (the LEAFs). It prints, per motif, the max and the median
over elements of |mean(symmetry=True) - mean(symmetry=False)|, the overall
max with its element, and the time and number of computed sites of each mode.

Records are cached (git-ignored) in ``.cache/corpus_records.npz`` (all
sites; the file ``scripts/build_open_table.py`` writes) and
``.cache/corpus_records_symmetry.npz``.

Usage::

    nice -n 10 python benchmarks/symmetry_approximation.py [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_leafs.environments import compute_site_records

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))
CORPUS = DATA / "structure-corpus" / "structures.jsonl.gz"
CACHE = ROOT / ".cache"


def records_for(symmetry, engine, n_jobs, corpus):
    # corpus_records.npz holds the default table's (all-sites) records
    name = "corpus_records_symmetry.npz" if symmetry else "corpus_records.npz"
    start = time.perf_counter()
    records = compute_site_records(
        corpus,
        symmetry=symmetry,
        engine=engine,
        n_jobs=n_jobs,
        errors="skip",
        verbose=True,
        cache=CACHE / name,
    )
    return records, time.perf_counter() - start


def compare(reduced, full):
    """Per-motif max and median over elements of |difference of means|."""
    a = reduced.element_means()
    b = full.element_means().reindex(index=a.index)
    diff = (a - b).abs()
    per_motif = pd.DataFrame({"max": diff.max(axis=0), "median": diff.median(axis=0)})
    return diff, per_motif


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="fast", choices=["fast", "matminer"])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--corpus", default=str(CORPUS))
    args = parser.parse_args(argv)
    reduced, t_reduced = records_for(True, args.engine, args.n_jobs, args.corpus)
    full, t_full = records_for(False, args.engine, args.n_jobs, args.corpus)
    assert reduced.structure_ids.tolist() == full.structure_ids.tolist()
    diff, per_motif = compare(reduced, full)
    print(f"{reduced.n_structures} structures ({len(reduced.skipped)} skipped)")
    n_reduced = len(set(zip(reduced.structure_index, reduced.site_index)))
    n_full = len(set(zip(full.structure_index, full.site_index)))
    print(
        f"computed sites: symmetry=True {n_reduced}, symmetry=False {n_full} "
        f"({n_full / n_reduced:.1f}x); wall time (or cache load) "
        f"{t_reduced:.0f} s vs {t_full:.0f} s"
    )
    print("|element mean (symmetry=True) - element mean (symmetry=False)| per motif")
    print("over", len(diff), "elements:")
    print(per_motif.to_string(float_format=lambda v: f"{v:.2e}"))
    stacked = diff.stack()
    element, motif = stacked.idxmax()
    print(
        f"overall max {stacked.max():.2e} ({element}, {motif}; "
        f"{reduced.element_counts()[element]:.0f} sites); "
        f"median of per-motif medians {per_motif['median'].median():.2e}; "
        f"overall median {float(np.median(diff.to_numpy())):.2e}"
    )
    worst = diff.max(axis=1).sort_values(ascending=False).head(5)
    counts = reduced.element_counts()
    print("elements with the largest difference (max over motifs, site count):")
    for el, value in worst.items():
        print(f"  {el:3s} {value:.2e}  {counts[el]:.0f}")


if __name__ == "__main__":
    main()

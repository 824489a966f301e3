"""Agreement and speed of the fast OPSiteFingerprint kernel against matminer.

Compares ``sklearn_leafs.environments._fast_kernel.fast_site_fingerprints``
with ``matminer.featurizers.site.OPSiteFingerprint().featurize`` on every
computed site of real structures: a random sample of the open structure corpus
and of the Li-ion conductor CIFs (many of them disordered). By default one site
per symmetry orbit is computed (``--all-sites`` computes every site).

It reports:

- the fraction of values equal to 1e-9 (goal: >= 99.9%);
- the largest absolute difference (goal: <= 0.002, two histogram bins);
- the largest difference of element means over all compared sites
  (goal: <= 1e-4);
- the per-site and per-structure speed-up against matminer, timed in this run
  on the same structures (``--time-matminer`` structures are re-timed even if
  their reference values are cached);
- every differing value, with its structure, site and motif.

matminer's values are cached in ``.cache/fast_kernel_agreement/`` (git-ignored)
so reruns are cheap. Run it niced, for example::

    nice -n 10 python benchmarks/fast_kernel_agreement.py --corpus 250 --cifs 100

Data is read from ``$SKLEARN_LEAFS_DATA`` (default ``../shared/data`` relative
to the repository root).

Measured (``--corpus 300 --cifs 150 --max-sites 40 --time-matminer 100``, one
site per symmetry orbit, on a shared 2-core machine with a load of about 12):
450 structures (71 disordered), 1,982 sites, 73,334 values, all bit-identical
to matminer (max |difference| 0, element means identical). Per site, matminer
105 ms wall / 40 ms CPU; the fast kernel called once per structure 1.3 ms wall
/ 0.72 ms CPU (79x / 55x), and all 100 timed structures in one
``fast_site_fingerprints_many`` call 0.96 ms wall / 0.31 ms CPU (110x / 126x).
Without ``exact_ties`` 3 of the 73,334 values differed by one bin (0.001):
the pentagonal-pyramidal value of perfect octahedra (rock-salt YSe, FeH and
one more), exactly 0.5 in exact arithmetic, on a bin edge.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))
CACHE = ROOT / ".cache" / "fast_kernel_agreement"


def _load_corpus(n, max_sites, seed):
    path = DATA / "structure-corpus" / "structures.jsonl.gz"
    if n <= 0 or not path.exists():
        return []
    from pymatgen.core import Structure

    with gzip.open(path, "rt") as fh:
        lines = fh.readlines()
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(lines)):
        rec = json.loads(lines[i])
        if len(rec["structure"]["sites"]) > max_sites:
            continue
        out.append((f"corpus:{rec['id']}", Structure.from_dict(rec["structure"])))
        if len(out) == n:
            break
    return out


def _load_cifs(n, max_sites, seed):
    folder = DATA / "li-ion-conductors" / "cifs"
    if n <= 0 or not folder.exists():
        return []
    from pymatgen.core import Structure

    files = sorted(folder.glob("*.cif"))
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.permutation(len(files)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = Structure.from_file(files[i])
        except Exception:  # unreadable CIFs are not part of the comparison
            continue
        if len(s) > max_sites:
            continue
        out.append((f"cif:{files[i].name}", s))
        if len(out) == n:
            break
    return out


def _site_indices(structure, all_sites):
    if all_sites:
        return list(range(len(structure)))
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sym = SpacegroupAnalyzer(structure).get_symmetrized_structure()
        return sorted(eq[0] for eq in sym.equivalent_indices)
    except Exception:
        return list(range(len(structure)))


def _key(name, structure, indices):
    h = hashlib.sha1()
    h.update(name.encode())
    h.update(json.dumps(structure.as_dict(), sort_keys=True, default=str).encode())
    h.update(np.asarray(indices, dtype=np.int64).tobytes())
    return h.hexdigest()[:20]


def _matminer(structure, indices):
    from matminer.featurizers.site import OPSiteFingerprint

    fp = OPSiteFingerprint()
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.array([fp.featurize(structure, i) for i in indices])
    return values, time.perf_counter() - t0, time.process_time() - c0


def _reference(name, structure, indices, retime):
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{_key(name, structure, indices)}.npz"
    if path.exists() and not retime:
        z = np.load(path)
        cpu = float(z["cpu"]) if "cpu" in z.files else float("nan")
        if "error" in z.files:
            return None, (float(z["seconds"]), cpu), str(z["error"])
        return z["values"], (float(z["seconds"]), cpu), None
    try:
        values, seconds, cpu = _matminer(structure, indices)
    except Exception as exc:  # matminer's own failures are compared too
        np.savez(path, error=repr(exc), seconds=0.0, cpu=0.0)
        return None, (0.0, 0.0), repr(exc)
    np.savez(path, values=values, seconds=seconds, cpu=cpu)
    return values, (seconds, cpu), None


def main(argv=None):
    from pymatgen.core import Lattice, Structure

    from sklearn_leafs.chemistry._motifs import MOTIF_LABELS
    from sklearn_leafs.environments._fast_kernel import (
        fast_site_fingerprints,
        fast_site_fingerprints_many,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=int, default=250, help="corpus structures")
    ap.add_argument("--cifs", type=int, default=100, help="Li-conductor CIFs")
    ap.add_argument("--max-sites", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--all-sites", action="store_true")
    ap.add_argument(
        "--time-matminer",
        type=int,
        default=30,
        help="structures on which matminer is re-timed in this run",
    )
    args = ap.parse_args(argv)

    # warm up: imports and first-call costs are not part of the comparison
    # (CsCl has a bcc tie, which imports pymatgen's order parameters)
    warm = Structure(Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3])
    fast_site_fingerprints(warm)
    _matminer(warm, [0])

    items = _load_corpus(args.corpus, args.max_sites, args.seed)
    items += _load_cifs(args.cifs, args.max_sites, args.seed)
    print(f"{len(items)} structures ({DATA})")

    ref_all, fast_all, species_all = [], [], []
    diffs = []
    both_fail = fast_only_fail = mm_only_fail = 0
    n_disordered = 0
    t_mm = t_fast = c_mm = c_fast = 0.0
    timed = []
    n_timed_sites = n_timed_structs = 0
    t_fast_all = 0.0
    n_sites_all = 0
    for k, (name, s) in enumerate(items):
        idx = _site_indices(s, args.all_sites)
        retime = k < args.time_matminer
        ref, seconds, mm_error = _reference(name, s, idx, retime)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            fast = fast_site_fingerprints(s, idx)
            fast_error = None
        except ValueError as exc:
            fast, fast_error = None, repr(exc)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        if mm_error or fast_error:
            if mm_error and fast_error:
                both_fail += 1
            elif fast_error:
                fast_only_fail += 1
                print(f"  fast failed, matminer did not: {name}: {fast_error}")
            else:
                mm_only_fail += 1
                print(f"  matminer failed, fast did not: {name}: {mm_error}")
            continue
        n_disordered += not s.is_ordered
        t_fast_all += dt
        n_sites_all += len(idx)
        if retime:
            t_mm += seconds[0]
            c_mm += seconds[1]
            t_fast += dt
            c_fast += dc
            n_timed_sites += len(idx)
            n_timed_structs += 1
            timed.append((s, idx))
        ref_all.append(ref)
        fast_all.append(fast)
        for i in idx:
            species_all.append(
                {
                    str(sp.symbol if hasattr(sp, "symbol") else sp): occ
                    for sp, occ in s[i].species.items()
                }
            )
        bad = np.argwhere(np.abs(fast - ref) > 1e-9)
        for r, c in bad:
            diffs.append((name, idx[r], MOTIF_LABELS[c], ref[r, c], fast[r, c]))

    ref = np.concatenate(ref_all)
    fast = np.concatenate(fast_all)
    absdiff = np.abs(fast - ref)
    equal = (absdiff <= 1e-9).mean()
    identical = (fast == ref).mean()
    # the timed structures once more, all in one batched call
    t0, c0 = time.perf_counter(), time.process_time()
    fast_site_fingerprints_many([s for s, _ in timed], [i for _, i in timed])
    t_batch, c_batch = time.perf_counter() - t0, time.process_time() - c0
    # element means over all compared sites (a site adds its vector to each
    # species on it, weighted by occupancy)
    sums = defaultdict(lambda: np.zeros((2, ref.shape[1])))
    weights = defaultdict(float)
    for row, sp in enumerate(species_all):
        for el, occ in sp.items():
            sums[el][0] += occ * ref[row]
            sums[el][1] += occ * fast[row]
            weights[el] += occ
    mean_diff = max(np.abs(v[0] - v[1]).max() / weights[el] for el, v in sums.items())

    print(
        f"compared {len(ref_all)} structures ({n_disordered} disordered), "
        f"{ref.shape[0]} sites, {ref.size} values"
    )
    print(
        f"both failed: {both_fail}, only fast failed: {fast_only_fail}, "
        f"only matminer failed: {mm_only_fail}"
    )
    print(f"values equal to 1e-9: {100 * equal:.4f}% ({len(diffs)} differ)")
    print(f"values bit-identical: {100 * identical:.4f}%")
    print(f"max |difference|: {absdiff.max():.6f}")
    print(f"max |difference| of element means ({len(sums)} elements): {mean_diff:.2e}")
    if n_timed_sites:
        print(
            f"timed in this run on {n_timed_structs} structures, {n_timed_sites} "
            f"sites: matminer {1000 * t_mm / n_timed_sites:.1f} ms/site, fast "
            f"{1000 * t_fast / n_timed_sites:.3f} ms/site, speed-up "
            f"{t_mm / t_fast:.0f}x per site (= per structure on these structures)"
        )
        print(
            f"  CPU time (less sensitive to a loaded machine): matminer "
            f"{1000 * c_mm / n_timed_sites:.1f} ms/site, fast "
            f"{1000 * c_fast / n_timed_sites:.3f} ms/site, speed-up "
            f"{c_mm / c_fast:.0f}x"
        )
        print(
            f"  the same structures in one fast_site_fingerprints_many call: "
            f"{1000 * t_batch / n_timed_sites:.3f} ms/site wall "
            f"({t_mm / t_batch:.0f}x), {1000 * c_batch / n_timed_sites:.3f} "
            f"ms/site CPU ({c_mm / c_batch:.0f}x)"
        )
    print(
        f"fast kernel over all {n_sites_all} sites: "
        f"{1000 * t_fast_all / n_sites_all:.3f} ms/site"
    )
    if diffs:
        print("differing values (structure, site, motif, matminer, fast):")
        for d in diffs[:200]:
            print(f"  {d[0]} site {d[1]} {d[2]!r}: {d[3]:.6f} vs {d[4]:.6f}")


if __name__ == "__main__":
    main()

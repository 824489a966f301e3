"""Build the package's own default LEAF table and matrix M from an open corpus.

Reads the open structure corpus (``structure-corpus/structures.jsonl.gz`` in
the shared data folder, see its README for provenance), computes the site
records of every site of every structure (``symmetry=False``, the exact
mode; the fast engine makes it affordable), and writes into ``sklearn_leafs/data/``:

- ``default_table.csv``: element means (the LEAFs), elements x 37 motifs, with
  ``default_table.csv.json`` holding per-element site counts and provenance
  (sources, numbers of structures and sites, every skipped item with its
  reason, parameters, library versions, the script's git revision);
- ``default_M.npz``: the pruned multi-hot local-environment matrix M;
- ``default_species_table.csv`` (+ ``.json``): the species table
  ``"default-species"``, one row per species (``Ti4+``, ``O2-``, metallic
  ``K0+``) with its site count; every structure's sites are decorated with
  oxidation states (pymatgen's ``BVAnalyzer`` on ordered cells of at most
  ``BV_MAX_SITES`` sites, else the composition's charge-balanced guess, else
  metallic; see ``sklearn_leafs.environments.site_oxidation_states``) and the
  provenance counts how many structures each rule decided.

The site records themselves are cached (git-ignored) at
``.cache/corpus_records.npz``, so other tables (for example a leak-free table
without some formulas) can be re-aggregated without recomputation::

    from sklearn_leafs.environments import SiteRecords
    records = SiteRecords.load(".cache/corpus_records.npz")
    table = table_from_records(records.select(exclude_formulas=["NaCl"]))

Sources: only the open corpus. The 928 Li-conductor CIFs are *not* used: they
are the evaluation data of the Li-ion conductivity task (features built from
them would leak test structures), they are dominated by repeated variants of
a few Li compounds (for example over 100 Li3N files), and 20 of them cannot
be read.

Usage::

    python scripts/build_default_table.py [--n-jobs 2] [--engine fast]
        [--tables elements,species]

The same script builds a species table from any corpus (``--corpus``,
``--out-dir``).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from sklearn_leafs.environments import SiteRecords, compute_site_records
from sklearn_leafs.tables import LocalEnvironmentMatrix, table_from_records

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))
CORPUS = DATA / "structure-corpus" / "structures.jsonl.gz"
OUT_DIR = ROOT / "sklearn_leafs" / "data"
CACHE = ROOT / ".cache" / "corpus_records.npz"
SPECIES_CACHE = ROOT / ".cache" / "corpus_species_records.npz"
TABLES = ("elements", "species")


def git_revision():
    """Current commit; ``-dirty`` if this script or the environments differ."""
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--",
             "scripts/build_default_table.py", "sklearn_leafs/environments"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "")


def build(
    corpus=CORPUS,
    out_dir=OUT_DIR,
    cache=CACHE,
    *,
    engine="fast",
    symmetry=False,
    n_jobs=2,
    verbose=True,
):
    """Compute the records, then write the table and M. Returns (table, M)."""
    records = compute_site_records(
        corpus,
        symmetry=symmetry,
        engine=engine,
        n_jobs=n_jobs,
        errors="skip",
        verbose=verbose,
        cache=cache,
    )
    return write_outputs(records, out_dir, corpus)


def build_species(
    corpus=CORPUS,
    out_dir=OUT_DIR,
    cache=SPECIES_CACHE,
    *,
    engine="fast",
    symmetry=False,
    n_jobs=2,
    verbose=True,
):
    """Compute the records with oxidation states, write the species table."""
    records = compute_site_records(
        corpus,
        symmetry=symmetry,
        engine=engine,
        n_jobs=n_jobs,
        errors="skip",
        verbose=verbose,
        cache=cache,
        oxidation_states=True,
    )
    return write_species_table(records, out_dir, corpus)


def _extra(corpus):
    return {
        "source": "sklearn-leafs default table: open structure corpus "
        "(Materials Project, Alexandria, WBM, JARVIS-DFT, AFLOW prototypes)",
        "corpus_file": Path(corpus).name,
        "li_conductor_cifs_used": False,
        "script": "scripts/build_default_table.py",
        "git_revision": git_revision(),
    }


def write_species_table(records: SiteRecords, out_dir, corpus):
    """Aggregate records with oxidation states into the species table."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = _extra(corpus)
    extra["source"] = extra["source"].replace("default table", "species table")
    extra["aggregation"] = "occupancy- and multiplicity-weighted mean per species"
    table = table_from_records(records, provenance=extra, rows="species")
    table.to_csv(out_dir / "default_species_table.csv")
    return table


def write_outputs(records: SiteRecords, out_dir, corpus):
    """Aggregate records into the default table and M and write them."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = _extra(corpus)
    extra["aggregation"] = "occupancy- and multiplicity-weighted mean per element"
    table = table_from_records(records, provenance=extra)
    table.to_csv(out_dir / "default_table.csv")
    matrix = LocalEnvironmentMatrix.from_records(records)
    matrix.provenance.update({k: v for k, v in extra.items() if k != "source"})
    matrix.provenance["source"] = "multi-hot matrix M of the default table's records"
    matrix.save(out_dir / "default_M.npz")
    return table, matrix


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--out-dir", default=str(OUT_DIR))
    parser.add_argument("--cache", default=str(CACHE))
    parser.add_argument("--engine", default="fast", choices=["fast", "matminer"])
    parser.add_argument(
        "--symmetry",
        action="store_true",
        help="one site per symmetry orbit (approximate; default: every site)",
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--species-cache", default=str(SPECIES_CACHE))
    parser.add_argument(
        "--tables",
        default="elements,species",
        help="comma-separated: elements (table and M), species (default: both)",
    )
    args = parser.parse_args(argv)
    tables = [t.strip() for t in args.tables.split(",") if t.strip()]
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        parser.error(f"unknown --tables {unknown}; choose from {TABLES}")
    logging.basicConfig(level=logging.INFO)
    start = time.perf_counter()
    options = {"engine": args.engine, "symmetry": args.symmetry, "n_jobs": args.n_jobs}
    if "elements" in tables:
        table, matrix = build(args.corpus, args.out_dir, args.cache, **options)
        info = table.provenance
        logging.info(
            "%d elements from %d structures (%d skipped), M %s",
            len(table), info["n_structures"], info["n_skipped"], matrix.shape,
        )  # fmt: skip
    if "species" in tables:
        species = build_species(
            args.corpus, args.out_dir, args.species_cache, **options
        )
        info = species.provenance
        logging.info(
            "%d species from %d structures (%d skipped); oxidation rules %s",
            len(species), info["n_structures"], info["n_skipped"],
            info["oxidation_rules"],
        )  # fmt: skip
    logging.info("%.0f s", time.perf_counter() - start)
    return 0


if __name__ == "__main__":
    sys.exit(main())

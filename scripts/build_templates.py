"""Build the built-in AB template library ``sklearn_leafs/data/ab_templates.csv``.

Every AB binary (two elements in a 1:1 ratio) of the open structure corpus
(``$SKLEARN_LEAFS_DATA/structure-corpus/structures.jsonl.gz``) is labelled
rock salt / cscl / zinc blende / wurtzite / other with pymatgen's
``StructureMatcher(attempt_supercell=True).fit_anonymous`` against the four
prototypes, tried in that order (the order of the authors' Table 1 script).
The prototypes are built here from their textbook Wyckoff positions with
``Structure.from_spacegroup``:

============  ==========  ===============================================
type          group       sites
============  ==========  ===============================================
rock salt     Fm-3m 225   A 4a (0, 0, 0); B 4b (1/2, 1/2, 1/2)
cscl          Pm-3m 221   A 1a (0, 0, 0); B 1b (1/2, 1/2, 1/2)
zinc blende   F-43m 216   A 4a (0, 0, 0); B 4c (1/4, 1/4, 1/4)
wurtzite      P6_3mc 186  A 2b (1/3, 2/3, 0); B 2b (1/3, 2/3, 3/8), c/a = 1.633
============  ==========  ===============================================

Structures whose primitive cell has more than 8 sites (``--max-sites``) are
labelled "other" without matching, to keep the build to minutes (the 100
Table 1 structures have at most 8, distorted supercells included).  Only the
derived ``formula,structure_type,source_id`` rows are written (one
row per corpus structure; formulas are pymatgen reduced formulas).  Records
with placeholder elements (``Nh`` in AFLOW prototype files) are left out and
counted in the printed summary.  Run::

    nice -n 10 python scripts/build_templates.py --n-jobs 2
"""

import argparse
import gzip
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "sklearn_leafs" / "data" / "ab_templates.csv"
TYPES = ("cscl", "rock salt", "zinc blende", "wurtzite")
PLACEHOLDERS = {"Nh", "M"}
#: Primitive cells larger than this are labelled "other" without matching:
#: matching them needs a supercell of a prototype more than 4 times its size,
#: which takes from seconds to minutes per structure.  The 100 Table 1
#: structures, distorted supercells included, have at most 8.
MAX_SITES = 8


def data_dir():
    return Path(os.environ.get("SKLEARN_LEAFS_DATA") or ROOT.parent / "shared" / "data")


def prototypes():
    """The four AB prototypes, built from their Wyckoff positions."""
    from pymatgen.core import Lattice, Structure

    cubic = Lattice.cubic
    return {
        "cscl": Structure.from_spacegroup(
            221, cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
        ),
        "rock salt": Structure.from_spacegroup(
            225, cubic(5.64), ["Na", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]
        ),
        "zinc blende": Structure.from_spacegroup(
            216, cubic(5.41), ["Zn", "S"], [[0, 0, 0], [0.25, 0.25, 0.25]]
        ),
        "wurtzite": Structure.from_spacegroup(
            186,
            Lattice.hexagonal(3.82, 3.82 * 1.633),
            ["Zn", "S"],
            [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.375]],
        ),
    }


def structure_type(structure, protos=None, matcher=None, max_sites=MAX_SITES):
    """Label one structure with the first prototype it matches, else "other".

    A structure whose primitive cell has more than ``max_sites`` sites is
    "other" without matching (None: no limit).
    """
    from pymatgen.analysis.structure_matcher import StructureMatcher

    protos = protos or prototypes()
    matcher = matcher or StructureMatcher(attempt_supercell=True)
    if max_sites is not None and len(structure.get_primitive_structure()) > max_sites:
        return "other"
    for name in TYPES:
        if matcher.fit_anonymous(structure, protos[name]):
            return name
    return "other"


def _label(record, max_sites=MAX_SITES):
    from pymatgen.core import Structure

    return structure_type(Structure.from_dict(record["structure"]), max_sites=max_sites)


def ab_records(path):
    """AB binary records of the corpus and the number of placeholder records."""
    from pymatgen.core import Composition

    records, skipped = [], 0
    with gzip.open(path, "rt") as handle:
        for line in handle:
            record = json.loads(line)
            try:
                comp = Composition(record["formula"])
            except ValueError:
                skipped += 1
                continue
            amounts = list(comp.get_el_amt_dict().items())
            if len(amounts) != 2 or amounts[0][1] != amounts[1][1]:
                continue
            if {el for el, _ in amounts} & PLACEHOLDERS:
                skipped += 1
                continue
            record["reduced_formula"] = comp.reduced_formula
            records.append(record)
    return records, skipped


def build(corpus, output=OUTPUT, n_jobs=1, max_sites=MAX_SITES):
    from joblib import Parallel, delayed

    records, skipped = ab_records(corpus)
    labels = Parallel(n_jobs=n_jobs, verbose=5)(
        delayed(_label)(r, max_sites) for r in records
    )
    rows = order_rows(
        {(r["reduced_formula"], label, r["id"]) for r, label in zip(records, labels)}
    )
    write_rows(rows, output)
    return Counter(label for _, label, _ in rows), skipped


def order_rows(rows):
    """Sort rows by formula, then by a preference among a formula's polymorphs.

    Polymorphs of one formula are all kept.  They give equally probable
    templates, and ``SubstitutionClassifier`` takes the first in library
    order.  The corpus has no energies to find the ground state, so a formula's
    rows are ordered: the four prototypes before "other", then the label found
    in most of its corpus structures, then by label and id.  This is a
    heuristic (e.g. InN comes out rock salt, not wurtzite).
    """
    counts = Counter((formula, label) for formula, label, _ in rows)

    def key(row):
        formula, label, source_id = row
        return (formula, label == "other", -counts[formula, label], label, source_id)

    return sorted(set(rows), key=key)


def write_rows(rows, output=OUTPUT):
    lines = [
        "# AB binaries of the open structure corpus labelled with StructureMatcher; "
        "generated by scripts/build_templates.py",
        "formula,structure_type,source_id",
    ]
    lines += [",".join(row) for row in rows]
    Path(output).write_text("\n".join(lines) + "\n")


def reorder(path=OUTPUT):
    """Re-sort an existing library with :func:`order_rows` (no re-labelling)."""
    text = Path(path).read_text().splitlines()
    rows = [tuple(line.split(",")) for line in text[2:] if line]
    write_rows(order_rows(rows), path)
    return Counter(label for _, label, _ in rows), 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=data_dir() / "structure-corpus" / "structures.jsonl.gz",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--max-sites", type=int, default=MAX_SITES)
    parser.add_argument(
        "--reorder",
        action="store_true",
        help="only re-sort the existing output with order_rows (no matching)",
    )
    args = parser.parse_args(argv)
    if args.reorder:
        counts, skipped = reorder(args.output)
    else:
        counts, skipped = build(args.corpus, args.output, args.n_jobs, args.max_sites)
    sys.stdout.write(
        f"{sum(counts.values())} templates written to {args.output}: {dict(counts)}; "
        f"{skipped} placeholder/unreadable records left out\n"
    )


if __name__ == "__main__":
    main()

"""``leafs build-table``: a LEAF table from the user's structures."""

import argparse
import sys
import warnings

from ..environments import (
    CHEMISTRY_WARNINGS,
    DEFAULT_OCCUPANCY_TOLERANCE,
    compute_site_records,
)
from ..environments._batch import StructureReadWarning
from ..tables import table_from_records
from ._common import DataError, _check_output


def _cmd_build_table(args):

    _check_output(args.output, "output")
    with warnings.catch_warnings():
        # each structure's reading warnings are printed below, one line each
        warnings.simplefilter("ignore", StructureReadWarning)
        records = compute_site_records(
            list(args.inputs),
            symmetry=args.symmetry,
            engine=args.engine,
            n_jobs=args.n_jobs,
            errors="raise" if args.errors == "raise" else "skip",
            verbose=not args.quiet,
            occupancy_tolerance=args.occupancy_tolerance,
        )
    for item in records.skipped:
        print(
            f"leafs: skipped {item['id']} ({item['source']}): {item['reason']}",
            file=sys.stderr,
        )
    for item in records.metadata.get("read_warnings", []):
        shown = [n for n in item["warnings"] if any(k in n for k in CHEMISTRY_WARNINGS)]
        if shown:
            print(
                f"leafs: warning: {item['id']} ({item['source']}): "
                + " | ".join(shown),
                file=sys.stderr,
            )
    if len(records.elements) == 0:
        raise DataError("no structure could be used; no table was written")
    table = table_from_records(records)
    table.to_csv(args.output)
    prov = table.provenance
    print(
        f"wrote {len(table)} elements from {prov.get('n_structures', '?')} structures "
        f"({len(records.skipped)} skipped) to {args.output}",
        file=sys.stderr,
    )
    return 0


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 workers: give 1 or more, or -1 for all")
    return value


def _tolerance(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value:g}")
    return value


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "build-table",
        help="compute a LEAF table from your own structures",
        description=(
            "Compute LEAFs (mean motif similarities of each element's sites) from "
            "CIF/POSCAR files (any format pymatgen reads, compressed too), "
            "directories of them, or JSON-lines corpora, and write the table as "
            "CSV (with a JSON sidecar holding counts and provenance). Every file "
            "of a directory is used or reported on stderr with its cause; "
            "pymatgen's reading warnings that change the chemistry (e.g. hydrogens "
            "missing from CIF sites, rescaled occupancies) are printed too; all "
            "are kept in the provenance."
        ),
    )
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="structure files or folders"
    )
    p.add_argument("-o", "--output", required=True, help="output table CSV")
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=None,
        help="parallel workers (joblib: -1 for every core)",
    )
    p.add_argument(
        "--errors",
        choices=("raise", "skip"),
        default="raise",
        help="'raise': stop at the first bad structure (exit 1); 'skip': list bad "
        "structures on stderr and build from the others (default: raise)",
    )
    p.add_argument(
        "--engine",
        choices=("matminer", "fast"),
        default="fast",
        help="fingerprint implementation: 'fast' (vectorised, equal to matminer) "
        "or 'matminer' (the reference) (default: fast)",
    )
    p.add_argument(
        "--symmetry",
        action="store_true",
        help="compute one site per symmetry orbit, weighted by multiplicity "
        "(an approximation of the every-site mean; default: every site)",
    )
    p.add_argument(
        "--occupancy-tolerance",
        type=_tolerance,
        default=DEFAULT_OCCUPANCY_TOLERANCE,
        metavar="TOL",
        help="CIF sites whose occupancies sum to at most TOL are rescaled to 1; "
        "larger sums are reported as over-occupied (default: "
        f"{DEFAULT_OCCUPANCY_TOLERANCE:g}, the rounding of occupancies printed "
        "with two decimals)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_build_table)

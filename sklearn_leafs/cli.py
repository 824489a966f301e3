"""The ``leafs`` command line.

Run ``leafs --help`` or ``leafs COMMAND --help``. Exit codes: 0 on success,
2 on usage errors (argparse), 1 on data errors; a data error prints one line
starting with ``leafs: error:`` on stderr.

Examples
--------
>>> from sklearn_leafs.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
leafs ...
0
"""

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from . import __version__
from .chemistry import is_element, parse_formula
from .demo import run_demo
from .environments import compute_site_records
from .featurizers import ElementFeaturizer, LiCationFeaturizer
from .similarity import best_substitutions, composition_similarity, element_similarity
from .substitution import predict_structure_type
from .tables import get_table, table_from_records

__all__ = ["main"]

_FEATURIZERS = ("composition", "li-cations")


class DataError(ValueError):
    """An error in the user's data, reported as one line with exit code 1."""


# -- helpers ------------------------------------------------------------------
def _one_line(exc):
    """One-line message for an exception, without KeyError's extra quotes."""
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return " ".join(str(msg).split()) or type(exc).__name__


def _load_table(name):
    return get_table(name)


def _make_featurizer(kind, table):
    if kind == "composition":
        return ElementFeaturizer(table=table, errors="nan")
    return LiCationFeaturizer(table=table, errors="nan")


def _diagnose(featurizer, item):
    """Why ``item`` gave a NaN row: the error of a strict featurizer, or None."""
    from sklearn.base import clone

    try:
        clone(featurizer).set_params(errors="raise").fit([item])
    except (ValueError, TypeError, KeyError) as exc:
        return re.sub(r"^row \d+ ", "", _one_line(exc))
    return None  # NaN values come from the table itself: a valid row


def _featurize_chunk(featurizer, items):
    """Featurize one chunk; return features, good positions and bad reasons.

    The featurizer runs with ``errors="nan"``, so a chunk costs one
    ``transform`` call; only the NaN rows are featurized again, one by one, to
    find out why they failed.
    """
    missing = {i for i, item in enumerate(items) if not isinstance(item, str)}
    present = [i for i in range(len(items)) if i not in missing]
    bad = {i: "empty formula" for i in missing}
    features = np.asarray(featurizer.transform([items[i] for i in present]), float)
    keep = np.ones(len(present), dtype=bool)
    for j in np.flatnonzero(np.isnan(features).any(axis=1)):
        reason = _diagnose(featurizer, items[present[j]])
        if reason is not None:
            bad[present[j]] = reason
            keep[j] = False
    good = [i for i, k in zip(present, keep) if k]
    return features[keep], good, bad


def _count_rows(path):
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


# -- subcommands --------------------------------------------------------------
def _cmd_featurize(args):
    import pandas as pd
    from tqdm.auto import tqdm

    path = Path(args.input)
    if not path.is_file():
        raise DataError(f"input file not found: {path}")
    table = _load_table(args.table)
    featurizer = None
    names = None
    n_good = n_bad = 0
    rejects = []
    out_is_stdout = args.output == "-"
    header = True
    progress = tqdm(
        total=_count_rows(path),
        unit="row",
        desc="featurize",
        disable=args.quiet,
        file=sys.stderr,
    )
    with progress:
        for chunk in pd.read_csv(
            path,
            chunksize=args.chunksize,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        ):
            if args.column not in chunk.columns:
                raise DataError(
                    f"column {args.column!r} not found in {path}; columns are: "
                    f"{', '.join(map(str, chunk.columns))}"
                )
            first_row = n_good + n_bad + 1
            items = chunk[args.column].tolist()
            if featurizer is None:
                featurizer = _make_featurizer(args.featurizer, table)
                sample = [item for item in items if isinstance(item, str)][:10]
                featurizer.fit(sample or ["H"])  # errors="nan": never raises on data
                names = list(featurizer.get_feature_names_out())
            features, good, bad = _featurize_chunk(featurizer, items)
            for i, reason in sorted(bad.items()):
                sep = " " if reason.startswith("(") else ": "
                tqdm.write(f"leafs: row {first_row + i}{sep}{reason}", file=sys.stderr)
                rejects.append((first_row + i, items[i], reason))
            if good:
                out = chunk.iloc[good].reset_index(drop=True)
                feats = pd.DataFrame(features, columns=names)
                out = pd.concat([out, feats], axis=1)
                target = sys.stdout if out_is_stdout else args.output
                out.to_csv(
                    target,
                    mode="w" if header else "a",
                    header=header,
                    index=False,
                    float_format="%.10g",
                )
                header = False
            n_good += len(good)
            n_bad += len(bad)
            progress.update(len(items))
    if args.rejects:
        pd.DataFrame(rejects, columns=["row", args.column, "error"]).to_csv(
            args.rejects, index=False
        )
    if n_good + n_bad == 0:
        raise DataError(f"{path} has no data rows; nothing was written")
    if n_good == 0:
        raise DataError(
            f"none of the {n_bad} rows of {path} could be featurized; "
            "nothing was written"
        )
    if n_bad:
        print(
            f"leafs: {n_bad} of {n_good + n_bad} rows could not be featurized "
            f"(listed above); wrote the other {n_good}",
            file=sys.stderr,
        )
        return 0 if args.errors == "skip" else 1
    return 0


def _cmd_similarity(args):

    table = _load_table(args.table)
    if is_element(args.a) and is_element(args.b):
        frame = element_similarity(
            table,
            metric=args.metric,
            standardize=not args.raw,
            elements=[args.a, args.b],
        )
        value = float(frame.iloc[0, 1])
    else:
        try:
            sim = composition_similarity([args.a], [args.b], table=table)
        except ValueError as exc:
            raise DataError(re.sub(r"^row \d+ ", "", _one_line(exc))) from None
        value = float(sim[0, 0])
    print(f"{value:.6f}")
    return 0


def _substituted_formula(amounts, old, new):
    """Formula with ``old`` replaced by ``new``, elements in input order."""
    merged = {}
    for element, amount in amounts.items():
        key = new if element == old else element
        merged[key] = merged.get(key, 0.0) + amount
    parts = []
    for element, amount in merged.items():
        if amount == 1:
            parts.append(element)
        elif float(amount).is_integer():
            parts.append(f"{element}{int(amount)}")
        else:
            parts.append(f"{element}{amount:g}")
    return "".join(parts)


def _cmd_substitute(args):

    amounts = parse_formula(args.formula)
    table = _load_table(args.table)
    states = None if args.all_elements else "smact"
    rows = []
    for element in amounts:
        try:
            subs = best_substitutions(
                element,
                table,
                top=args.top,
                metric=args.metric,
                oxidation_states=states,
            )
        except ValueError as exc:
            msg = _one_line(exc).split("; use oxidation_states")[0]
            hint = "; use --all-elements" if "normalisation set" in msg else ""
            raise DataError(msg + hint) from None
        for new, p in subs.items():
            formula = _substituted_formula(amounts, element, new)
            rows.append((element, new, p, formula))
    print(f"{'replace':<8} {'by':<4} {'p':>8}  formula")
    for old, new, p, formula in rows:
        print(f"{old:<8} {new:<4} {p:8.4f}  {formula}")
    return 0


def _cmd_predict_structure(args):

    table = _load_table(args.table)
    try:
        result = predict_structure_type(
            list(args.formulas), table, top=args.top, protocol=args.protocol
        )
    except ValueError as exc:
        raise DataError(re.sub(r"^row \d+ ", "", _one_line(exc))) from None
    result = result.drop(columns=["source_id"]).fillna("-")
    print(result.to_string(index=False, float_format=lambda p: f"{p:.4f}"))
    return 0


def _cmd_build_table(args):

    records = compute_site_records(
        list(args.inputs),
        symmetry=args.symmetry,
        engine=args.engine,
        n_jobs=args.n_jobs,
        errors="raise" if args.errors == "raise" else "skip",
        verbose=not args.quiet,
    )
    for item in records.skipped:
        print(
            f"leafs: skipped {item['id']} ({item['source']}): {item['reason']}",
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


def _cmd_demo(args):

    run_demo()
    return 0


# -- parser -------------------------------------------------------------------
def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_table_option(parser):
    parser.add_argument(
        "--table",
        default="default",
        help="element table: 'default', 'vasylenko2024', 'magpie', 'default+' or "
        "'vasylenko2024+' (LEAF+), or a CSV path (default: default)",
    )


def _add_metric_option(parser):
    parser.add_argument(
        "--metric",
        choices=("pearson", "cosine"),
        default="pearson",
        help="element similarity metric (default: pearson)",
    )


def _build_parser():

    parser = argparse.ArgumentParser(
        prog="leafs",
        description=(
            "LEAFs (Local Environment-induced Atomic Features) from the command "
            "line. Exit codes: 0 success, 1 data error, 2 usage error."
        ),
    )
    parser.add_argument("--version", action="version", version=f"leafs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "featurize",
        help="turn a CSV column of formulas into LEAF features",
        description=(
            "Read INPUT (CSV) in chunks, featurize the formulas of one column and "
            "write the input columns plus one column per feature. Rows that cannot "
            "be featurized are reported on stderr as 'row N: reason' (N counts data "
            "rows from 1; the file line is N + 1) and left out of the output; the "
            "other rows are kept. The exit code is 1 when any row failed, unless "
            "--errors skip."
        ),
    )
    p.add_argument("input", help="input CSV file")
    p.add_argument(
        "--column", default="formula", help="formula column (default: formula)"
    )
    _add_table_option(p)
    p.add_argument(
        "--featurizer",
        choices=_FEATURIZERS,
        default="composition",
        help="'composition': fraction-weighted mean of element LEAFs (Eq. 2); "
        "'li-cations': Li LEAF next to the mean of the other cations (Eq. 3)",
    )
    p.add_argument("-o", "--output", required=True, help="output CSV ('-' for stdout)")
    p.add_argument(
        "--chunksize",
        type=_positive_int,
        default=10_000,
        help="rows per chunk (default: 10000)",
    )
    p.add_argument(
        "--errors",
        choices=("report", "skip"),
        default="report",
        help="'report': exit 1 if any row failed; 'skip': exit 0 anyway. Bad rows "
        "are listed on stderr in both cases (default: report)",
    )
    p.add_argument("--rejects", help="also write the bad rows and reasons to this CSV")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_featurize)

    p = sub.add_parser(
        "similarity",
        help="similarity of two elements or two compositions",
        description=(
            "Print the similarity of A and B. For two element symbols: the Pearson "
            "correlation (or cosine) of their LEAF vectors, standardised per "
            "feature over the table (the Table 1 setting). For compositions: "
            "exp(cos(a, b)) of their composition vectors (Eq. S.3)."
        ),
    )
    p.add_argument("a", help="element symbol or formula")
    p.add_argument("b", help="element symbol or formula")
    _add_table_option(p)
    _add_metric_option(p)
    p.add_argument(
        "--raw", action="store_true", help="do not standardise features (elements)"
    )
    p.set_defaults(func=_cmd_similarity)

    p = sub.add_parser(
        "substitute",
        help="most likely single-element substitutions of a formula",
        description=(
            "For each element of FORMULA, list the TOP elements most likely to "
            "replace it (Eq. 1, normalised over the replaced element) and the "
            "resulting formula."
        ),
    )
    p.add_argument("formula", help="a formula such as LiCoO2")
    p.add_argument(
        "--top", type=_positive_int, default=5, help="substitutes per element (5)"
    )
    _add_table_option(p)
    _add_metric_option(p)
    p.add_argument(
        "--all-elements",
        action="store_true",
        help="normalise over every element of the table instead of the elements "
        "with SMACT oxidation states (needed for elements such as noble gases)",
    )
    p.set_defaults(func=_cmd_substitute)

    p = sub.add_parser(
        "predict-structure",
        help="predict the structure type of AB compounds by substitution",
        description=(
            "Predict the structure type (rock salt, CsCl, zinc blende, wurtzite, "
            "other) of each FORMULA from the most probable single-element "
            "substitution of a template in the built-in library of AB binaries "
            "(the paper's Table 1 method). Prints the type, the template and the "
            "substitution probability; 'no prediction' when no template is "
            "one same-charge substitution away."
        ),
    )
    p.add_argument("formulas", nargs="+", metavar="FORMULA", help="e.g. AgBr")
    p.add_argument(
        "--top", type=_positive_int, default=1, help="templates per formula (1)"
    )
    p.add_argument(
        "--protocol",
        choices=("single", "all"),
        default="single",
        help="'single': templates one substitution away (Table 1); 'all': any "
        "template of the same anonymous formula (default: single)",
    )
    _add_table_option(p)
    p.set_defaults(func=_cmd_predict_structure)

    p = sub.add_parser(
        "build-table",
        help="compute a LEAF table from your own structures",
        description=(
            "Compute LEAFs (mean motif similarities of each element's sites) from "
            "CIF/POSCAR files, directories of them, or JSON-lines corpora, and "
            "write the table as CSV (with a JSON sidecar holding counts and "
            "provenance)."
        ),
    )
    p.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="structure files or folders"
    )
    p.add_argument("-o", "--output", required=True, help="output table CSV")
    p.add_argument("--n-jobs", type=int, default=None, help="parallel workers")
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
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_build_table)

    p = sub.add_parser(
        "demo",
        help="run the end-to-end demonstration (what 'make demo' runs)",
        description="Run sklearn_leafs.demo.run_demo().",
    )
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None):
    """Run the ``leafs`` command line and return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    code : int
        0 on success, 1 on a data error (one ``leafs: error:`` line on
        stderr), 2 on a usage error.

    Examples
    --------
    >>> from sklearn_leafs.cli import main
    >>> main(["featurize", "--help"])  # doctest: +ELLIPSIS
    usage: leafs featurize ...
    0
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "func", None) is None:
        parser.print_usage(sys.stderr)
        print("leafs: error: a COMMAND is required", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, KeyError, OSError, ImportError) as exc:
        print(f"leafs: error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

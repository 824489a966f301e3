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
import sys
from pathlib import Path

import numpy as np

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
    from sklearn_leafs.table import LeafTable

    return LeafTable.load(name)


def _make_featurizer(kind, table):
    if kind == "composition":
        from sklearn_leafs.featurizers.element import ElementFeaturizer

        return ElementFeaturizer(table=table)
    from sklearn_leafs.featurizers.concat import LiCationFeaturizer

    return LiCationFeaturizer(table=table)


def _transform_rows(featurizer, items, first_row):
    """Transform ``items``, isolating failing rows by bisection.

    Returns the features of the good rows, their positions in ``items`` and
    a list of ``(row_number, message)`` for the bad ones. A chunk without bad
    rows costs one ``transform`` call; each bad row costs about log2(n) calls.
    """
    try:
        return (
            np.asarray(featurizer.transform(items), dtype=float),
            list(range(len(items))),
            [],
        )
    except (ValueError, TypeError, KeyError) as exc:
        if len(items) == 1:
            return None, [], [(first_row, _one_line(exc))]
    half = len(items) // 2
    parts = [(items[:half], 0), (items[half:], half)]
    blocks, good, bad = [], [], []
    for part, start in parts:
        features, idx, errors = _transform_rows(featurizer, part, first_row + start)
        if features is not None and len(idx):
            blocks.append(features)
            good.extend(start + i for i in idx)
        bad.extend(errors)
    features = np.vstack(blocks) if blocks else None
    return features, good, bad


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
        for chunk in pd.read_csv(path, chunksize=args.chunksize, dtype=str):
            if args.column not in chunk.columns:
                raise DataError(
                    f"column {args.column!r} not found in {path}; columns are: "
                    f"{', '.join(map(str, chunk.columns))}"
                )
            first_row = n_good + n_bad + 1
            items = chunk[args.column].tolist()
            missing = [i for i, item in enumerate(items) if not isinstance(item, str)]
            if featurizer is None:
                featurizer = _make_featurizer(args.featurizer, table).fit(
                    [item for item in items if isinstance(item, str)][:1] or ["H"]
                )
                names = list(featurizer.get_feature_names_out())
            missing_set = set(missing)
            present = [i for i in range(len(items)) if i not in missing_set]
            features, good, bad = _transform_rows(
                featurizer, [items[i] for i in present], 0
            )
            good = [present[i] for i in good]
            bad = [(first_row + present[i], msg) for i, msg in bad]
            bad += [(first_row + i, "empty formula") for i in missing]
            bad.sort()
            for row, msg in bad:
                print(f"leafs: row {row}: {msg}", file=sys.stderr)
                rejects.append((row, items[row - first_row], msg))
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


def _cmd_demo(args):
    from sklearn_leafs.demo import run_demo

    run_demo()
    return 0


# -- parser -------------------------------------------------------------------
def _build_parser():
    from sklearn_leafs import __version__

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
    p.add_argument(
        "--table",
        default="default",
        help="LEAF table: 'default', 'vasylenko2024' or a CSV path (default: default)",
    )
    p.add_argument(
        "--featurizer",
        choices=_FEATURIZERS,
        default="composition",
        help="'composition': fraction-weighted mean of element LEAFs (Eq. 2); "
        "'li-cations': Li LEAF next to the mean of the other cations (Eq. 3)",
    )
    p.add_argument("-o", "--output", required=True, help="output CSV ('-' for stdout)")
    p.add_argument(
        "--chunksize", type=int, default=10_000, help="rows per chunk (default: 10000)"
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
    if getattr(args, "chunksize", 1) < 1:
        print("leafs: error: --chunksize must be at least 1", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, KeyError, OSError, ImportError) as exc:
        print(f"leafs: error: {_one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

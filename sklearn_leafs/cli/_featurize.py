"""``leafs featurize``: a CSV column of formulas to LEAF features."""

import re
import sys
from pathlib import Path

import numpy as np

from ..featurizers import ElementFeaturizer, LiCationFeaturizer
from ._common import DataError, _add_table_option, _load_table, _one_line, _positive_int

_FEATURIZERS = ("composition", "li-cations")


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


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
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

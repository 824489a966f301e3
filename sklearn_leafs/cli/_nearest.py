"""``leafs nearest``: the most similar known compositions."""

import re
import sys
import warnings

import pandas as pd

from ..neighbors import NearestCompositions
from ._common import (
    DataError,
    _add_table_option,
    _load_table,
    _one_line,
    _positive_int,
)

#: The single-query row prefix of the estimator's messages.
_ROW_PREFIX = re.compile(r"^row 0 \('[^']*'(, index [^)]*)?\): ")


def _cmd_nearest(args):

    table = _load_table(args.table)
    with warnings.catch_warnings():  # the count is printed below instead
        warnings.filterwarnings("ignore", message=r".*known compositions have")
        nn = NearestCompositions(table, reference="known", score=args.score).fit()
    if nn.dropped_:
        print(
            f"(left out {len(nn.dropped_)} known compositions with elements the "
            "table lacks)",
        )
    k = min(args.top, len(nn.formulas_))
    # every formula that can be answered is; the others are listed on stderr
    answers, failed = [], []
    for position, formula in enumerate(args.formulas, start=1):
        try:
            answers.append(nn.query([formula], n_neighbors=k))
        except ValueError as exc:
            reason = _ROW_PREFIX.sub("", _one_line(exc))
            failed.append(f"formula {position} ({formula!r}): {reason}")
    if not answers:
        raise DataError("; ".join(failed))
    for message in failed:
        print(f"leafs: {message}", file=sys.stderr)
    result = pd.concat(answers, ignore_index=True)
    score = "exp(cos)" if args.score == "exp_cosine" else "cosine"
    for query, rows in result.groupby("query", sort=False):
        print(f"{query}: {k} nearest known compositions ({score}, table {args.table})")
        print(
            f"{'rank':>4}  {'formula':<18} {score:>8}  {'structure type':<28} "
            f"{'sg':>3}  source"
        )
        for row in rows.itertuples(index=False):
            ids = row.source_ids.split(";")
            source = ids[0] + (f" (+{len(ids) - 1})" if len(ids) > 1 else "")
            sg = "" if row.spacegroup_number is None else str(row.spacegroup_number)
            print(
                f"{row.rank:>4}  {row.formula:<18} {row.similarity:>8.4f}  "
                f"{str(row.label):<28} {sg:>3}  {source}"
            )
    return 1 if failed else 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "nearest",
        help="the most similar known compositions, with structure type and source",
        description=(
            "Rank the built-in reference of known compositions (one row per "
            "reduced formula of the open structure corpus) by the cosine "
            "similarity of composition vectors (Eq. 2) and print formula, "
            "similarity, structure type (prototype label without the chemical "
            "system), space group and source id. Works offline."
        ),
    )
    p.add_argument("formulas", nargs="+", help="query formula(s), e.g. LiCoO2")
    p.add_argument(
        "--top", type=_positive_int, default=10, help="neighbours per query (10)"
    )
    p.add_argument(
        "--score",
        choices=("cosine", "exp_cosine"),
        default="cosine",
        help="cosine in [-1, 1] (default) or exp(cos) of Eq. S.3",
    )
    _add_table_option(p)
    p.set_defaults(func=_cmd_nearest)

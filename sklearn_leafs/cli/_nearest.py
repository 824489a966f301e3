"""``leafs nearest``: the most similar known compositions."""

import warnings

from ..similarity import NearestCompositions
from ._common import _add_table_option, _load_table, _positive_int


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
    result = nn.query(args.formulas, n_neighbors=k)
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
    return 0


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

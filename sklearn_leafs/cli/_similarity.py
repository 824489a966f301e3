"""``leafs similarity``: similarity of two elements or compositions."""

import sys

from ..chemistry import is_element, is_species
from ..neighbors import composition_similarity
from ..substitution import SubstitutionModel
from ._common import (
    DataError,
    _add_metric_option,
    _add_table_option,
    _formula_argument_message,
    _load_table,
    _one_line,
)


def _cmd_similarity(args):

    table = _load_table(args.table)
    if all(is_element(x) or is_species(x) for x in (args.a, args.b)):
        try:
            model = SubstitutionModel(
                table, metric=args.metric, standardize=not args.raw
            )
            frame = model.similarity([args.a, args.b])
        except ValueError as exc:
            raise DataError(_one_line(exc)) from None
        value = float(frame.iloc[0, 1])
        measure = (
            ("Pearson r" if args.metric == "pearson" else "cosine")
            + (" of raw" if args.raw else " of standardised")
            + " table rows"
        )
    else:
        try:
            sim = composition_similarity([args.a], [args.b], table=table)
        except ValueError as exc:
            raise DataError(_formula_argument_message(exc)) from None
        value = float(sim[0, 0])
        measure = "exp(cos) of composition vectors (Eq. S.3), in [1/e, e]"
    # the number alone on stdout (for scripts); what it is on stderr
    print(f"leafs: {measure}, table {str(args.table)!r}", file=sys.stderr)
    print(f"{value:.6f}")
    return 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "similarity",
        help="similarity of two elements, species or compositions",
        description=(
            "Print the similarity of A and B. For two element symbols or species "
            "(Ti4+, O2-, K0+; use a species table such as --table open-species): "
            "the Pearson correlation (or cosine) of their LEAF vectors, "
            "standardised per feature over the table (the Table 1 setting); a "
            "species the table lacks, or with too few sites, uses its element's "
            "row with a warning. For compositions: exp(cos(a, b)) of their "
            "composition vectors (Eq. S.3)."
        ),
    )
    p.add_argument("a", help="element symbol, species or formula")
    p.add_argument("b", help="element symbol, species or formula")
    _add_table_option(p)
    _add_metric_option(p)
    p.add_argument(
        "--raw", action="store_true", help="do not standardise features (elements)"
    )
    p.set_defaults(func=_cmd_similarity)

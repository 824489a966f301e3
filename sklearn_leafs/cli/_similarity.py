"""``leafs similarity``: similarity of two elements or compositions."""

import re

from ..chemistry import is_element
from ..similarity import composition_similarity, element_similarity
from ._common import (
    DataError,
    _add_metric_option,
    _add_table_option,
    _load_table,
    _one_line,
)


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


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
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

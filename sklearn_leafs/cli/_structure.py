"""``leafs predict-structure``: structure types by substitution."""

import re

from ..substitution import predict_structure_type
from ._common import (
    DataError,
    _add_table_option,
    _load_table,
    _one_line,
    _positive_int,
)


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


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
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

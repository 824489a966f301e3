"""``leafs predict-structure``: structure types (prototypes) by substitution."""

import sys

from ..substitution import (
    LIBRARY_TABLE,
    format_structure_types,
    predict_structure_type,
)
from ._common import (
    DataError,
    _add_table_option,
    _formula_argument_message,
    _positive_int,
    _readable_formulas,
)


def _cmd_predict_structure(args):
    # a formula that cannot be read is reported and the others still answered
    good, failed = _readable_formulas(args.formulas)
    try:
        result = predict_structure_type(
            good,
            args.table,
            top=args.top,
            protocol=args.protocol,
            polymorphs=args.polymorphs,
            known="exclude" if args.exclude_known else "use",
        )
    except (ValueError, FileNotFoundError) as exc:
        raise DataError(_formula_argument_message(exc)) from None
    print(
        f"leafs: structure types by substitution with table {str(args.table)!r}, "
        f"template library polymorphs {args.polymorphs!r}",
        file=sys.stderr,
    )
    for line in format_structure_types(result):
        print(line)
    return 1 if failed else 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "predict-structure",
        help="predict the structure type (prototype) of any composition",
        description=(
            "Predict the structure type of each FORMULA from the most probable "
            "substitutions of the built-in template library (structures of the "
            "open corpus labelled with canonical AFLOW prototypes). Prints one "
            "line per formula: prototype name (label), calibrated probability, "
            "the runners-up in brackets and the best template with its source "
            "id, e.g. 'ZnO  wurtzite (AB_hP4_186_b_b)  0.71  [zinc blende 0.18]  "
            "via ZnS mp-10281'. A formula without admissible template gets "
            "'no prediction' and the reason."
        ),
    )
    p.add_argument("formulas", nargs="+", metavar="FORMULA", help="e.g. SrTiO3")
    p.add_argument(
        "--top",
        type=_positive_int,
        default=2,
        help="prototypes per formula: the best and TOP-1 runners-up (2)",
    )
    p.add_argument(
        "--protocol",
        choices=("all", "single"),
        default="all",
        help="'all': every template of the same anonymous formula (default); "
        "'single': templates one same-charge substitution away (Table 1)",
    )
    p.add_argument(
        "--polymorphs",
        choices=("evidence", "all"),
        default="evidence",
        help="templates kept by the polymorph rule (default), or every "
        "polymorph with split weight",
    )
    p.add_argument(
        "--exclude-known",
        action="store_true",
        help="leave out the templates of the formula itself (substitutions only)",
    )
    # the structure-type library's own default (see predict_structure_type)
    _add_table_option(p, default=LIBRARY_TABLE)
    p.set_defaults(func=_cmd_predict_structure)

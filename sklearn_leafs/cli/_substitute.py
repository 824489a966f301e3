"""``leafs substitute``: charge-balanced substitutions of a whole formula."""

import sys

from ..substitution import format_substitutions, substitute_formula
from ._common import (
    DataError,
    _add_metric_option,
    _load_table,
    _one_line,
    _positive_int,
)


def _cmd_substitute(args):
    table = _load_table(args.table)
    try:
        result = substitute_formula(
            args.formula,
            table,
            top=args.top,
            per_species=args.per_species,
            metric=args.metric,
            oxidation_states=None if args.all_elements else args.oxidation_states,
        )
    except ValueError as exc:
        msg = _one_line(exc).split("; use oxidation_states")[0]
        hint = "; use --all-elements" if "normalisation set" in msg else ""
        raise DataError(msg + hint) from None
    name = args.formula.strip()
    print(
        f"leafs: substitutions by table {str(args.table)!r} "
        f"({len(table)} rows, source {table.provenance.get('source', 'unknown')!r})",
        file=sys.stderr,
    )
    if result.empty:
        print(
            f"{args.formula}: no charge-balanced candidate among the top "
            f"{args.per_species} substitutes of each species"
        )
        return 0
    for line in format_substitutions(name, result):
        print(line)
    return 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "substitute",
        help="charge-balanced substitutions of a whole formula",
        description=(
            "Guess the species of FORMULA, replace one species by a species of the "
            "same charge, or two species by two whose charge changes cancel (a "
            "cation always by a cation, an anion by an anion), and list the TOP charge-balanced candidates ranked by the product of the "
            "species substitution probabilities (Eq. 1, normalised over the "
            "replaced species), each with the replaced species shown."
        ),
    )
    p.add_argument("formula", help="a formula such as CaTiO3")
    p.add_argument(
        "--top", type=_positive_int, default=10, help="candidates listed (10)"
    )
    p.add_argument(
        "--per-species",
        type=_positive_int,
        default=15,
        help="substitutes considered for each species (15)",
    )
    p.add_argument(
        "--table",
        default="open-species",
        help="species table (default: open-species); an element table also "
        "works, its substitutes then take any of their common oxidation states",
    )
    _add_metric_option(p)
    p.add_argument(
        "--oxidation-states",
        choices=["icsd", "smact"],
        default="icsd",
        help="candidate species and normalisation set: pymatgen's ICSD-observed "
        "oxidation states (icsd, default; leaves out formal states such as Hf3+ "
        "that SMACT lists) or SMACT's wider default list (smact, elements up to "
        "Bi)",
    )
    p.add_argument(
        "--all-elements",
        action="store_true",
        help="normalise over every row of the table, any charge (needed for "
        "elements such as noble gases)",
    )
    p.set_defaults(func=_cmd_substitute)

"""``leafs substitute``: the most likely substitutions of a formula."""

from ..chemistry import parse_formula
from ..similarity import best_substitutions
from ._common import (
    DataError,
    _add_metric_option,
    _add_table_option,
    _load_table,
    _one_line,
    _positive_int,
)


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


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
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

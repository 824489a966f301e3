"""``leafs substitute``: charge-balanced substitutions of a whole formula."""

import math
import sys
import warnings

from ..chemistry import (
    format_species,
    guess_oxidation_states,
    oxidation_state_set,
    parse_species,
)
from ..chemistry._species import charge_sign as _sign
from ..chemistry._species import reduced_species
from ..chemistry._state_lists import _element_info
from ..similarity import best_substitutions
from ._common import (
    DataError,
    _add_metric_option,
    _load_table,
    _one_line,
    _positive_int,
)


def _formula(species_amounts, order):
    """Formula string of ``{(element, charge): amount}``, elements in ``order``."""
    amounts = {}
    for (element, _), amount in species_amounts.items():
        amounts[element] = amounts.get(element, 0) + amount
    parts = []
    for element in sorted(amounts, key=lambda el: order.get(el, len(order))):
        n = amounts[element]
        parts.append(element if n == 1 else f"{element}{n}")
    return "".join(parts)


def _substitutes(species, table, args):
    """``[(new species, p)]`` for one parent species."""
    element, charge = species
    query = format_species(species) if table.has_species else element
    with warnings.catch_warnings():
        if not table.has_species:  # element rows are what was asked for
            warnings.simplefilter("ignore", UserWarning)
        column = best_substitutions(
            query,
            table,
            top=args.per_species,
            metric=args.metric,
            oxidation_states=None if args.all_elements else args.oxidation_states,
        )
    out = []
    for label, p in column.items():
        if table.has_species:
            out.append((parse_species(label), float(p)))
        else:  # element table: the substitute may take any common state
            states = _element_info(label)[0]["common"]
            allowed = (
                oxidation_state_set(args.oxidation_states).get(label, ())
                if not args.all_elements
                else states
            )
            out.extend(((label, q), float(p)) for q in states if q in allowed)
    # a cation is replaced by a cation, an anion by an anion
    return [(new, p) for new, p in out if _sign(new[1]) == _sign(charge)]


def candidates(formula, table, args):
    """Charge-balanced single and double substitutions, most probable first.

    Returns ``(parent species, [(probability, formula, [(old, new, p)])])``.
    """
    guess = guess_oxidation_states(formula)
    if guess.species is None:
        raise DataError(
            f"{formula!r} has no charge-balanced species ({guess.reason}); "
            "there is nothing to substitute charge by charge"
        )
    parent = dict(reduced_species(guess.species))
    order = {el: i for i, el in enumerate(guess.roles)}
    elements = {el for el, _ in parent}
    options = {}
    for species in parent:
        try:
            subs = _substitutes(species, table, args)
        except ValueError as exc:
            msg = _one_line(exc).split("; use oxidation_states")[0]
            hint = "; use --all-elements" if "normalisation set" in msg else ""
            raise DataError(msg + hint) from None
        options[species] = [(new, p) for new, p in subs if new[0] not in elements]
    found = {}

    def add(changes):
        new_species = dict(parent)
        for old, new, _ in changes:
            amount = new_species.pop(old)
            new_species[new] = new_species.get(new, 0) + amount
        if sum(q * a for (_, q), a in new_species.items()) != 0:
            return
        if len({new[0] for _, new, _ in changes}) != len(changes):
            return
        prob = math.prod(p for _, _, p in changes)
        key = _formula(new_species, order | {n[0]: order[o[0]] for o, n, _ in changes})
        if key not in found or found[key][0] < prob:
            found[key] = (prob, key, changes)

    parents = list(parent)
    for old in parents:
        for new, p in options[old]:
            if new[1] == old[1]:
                add([(old, new, p)])
    for i, old1 in enumerate(parents):
        for old2 in parents[i + 1 :]:
            if old1[0] == old2[0]:  # two species of one element
                continue
            for new1, p1 in options[old1]:
                if new1[1] == old1[1]:
                    continue
                for new2, p2 in options[old2]:
                    delta = parent[old1] * (new1[1] - old1[1]) + parent[old2] * (
                        new2[1] - old2[1]
                    )
                    if delta == 0 and new2[1] != old2[1]:
                        add([(old1, new1, p1), (old2, new2, p2)])
    ranked = sorted(found.values(), key=lambda c: -c[0])
    return parent, ranked


def _cmd_substitute(args):
    table = _load_table(args.table)
    parent, ranked = candidates(args.formula, table, args)
    name = args.formula.strip()
    print(
        f"leafs: substitutions by table {str(args.table)!r} "
        f"({len(table)} rows, source {table.provenance.get('source', 'unknown')!r})",
        file=sys.stderr,
    )
    if not ranked:
        print(
            f"{args.formula}: no charge-balanced candidate among the top "
            f"{args.per_species} substitutes of each species"
        )
        return 0
    for prob, formula, changes in ranked[: args.top]:
        shown = ", ".join(
            f"{format_species(o)} -> {format_species(n)} {p:.4f}" for o, n, p in changes
        )
        extra = f"; p = {prob:.3g}" if len(changes) > 1 else ""
        print(f"{name} -> {formula} ({shown}{extra})")
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
        default="default-species",
        help="species table (default: default-species); an element table also "
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

"""``leafs report``: diagnostics of an element table."""

from ..diagnostics import RETRIEVAL_TASKS, table_report
from ._common import _load_table, _positive_int


def _cmd_report(args):

    table = _load_table(args.table)
    reference = None if args.reference is None else _load_table(args.reference)
    report = table_report(
        table,
        reference=reference,
        tasks=tuple(args.task) if args.task else RETRIEVAL_TASKS,
        k=args.k,
        baseline=args.baseline,
        n_seeds=args.seeds,
    )
    report.name = args.table
    report.reference = args.reference
    print(report)
    return 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "report",
        help="diagnostics of an element table (coverage, property recovery, "
        "neighbour retrieval, agreement)",
        description=(
            "Print sklearn_leafs.diagnostics.table_report for TABLE: coverage of "
            "H-Pu and sites per element; cross-validated logistic-regression "
            "accuracy recovering block, group, period and electronegativity "
            "tercile, against random vectors of the same shape; leave-one-out "
            "precision@k of composition neighbours on labelled compositions "
            "against Magpie and random tables; per-element agreement with "
            "--reference. The Li-ion task works offline; the superconductor "
            "task needs the data home or the network."
        ),
    )
    p.add_argument(
        "table",
        help="element table: 'vasylenko2024', 'open', 'magpie', ... or a CSV path",
    )
    p.add_argument(
        "--reference", default=None, help="table to compare rows with (none)"
    )
    p.add_argument(
        "--task",
        action="append",
        choices=RETRIEVAL_TASKS,
        help="retrieval task (repeatable; default: both)",
    )
    p.add_argument("--k", type=_positive_int, default=10, help="precision@k (10)")
    p.add_argument(
        "--baseline", default="magpie", help="baseline table for retrieval (magpie)"
    )
    p.add_argument(
        "--seeds", type=_positive_int, default=5, help="seeds for random baselines (5)"
    )
    p.set_defaults(func=_cmd_report)

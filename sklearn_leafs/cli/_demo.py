"""``leafs demo``: the end-to-end demonstration."""

from ..demo import run_demo


def _cmd_demo(args):

    run_demo()
    return 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "demo",
        help="run the end-to-end demonstration (what 'make demo' runs)",
        description="Run sklearn_leafs.demo.run_demo().",
    )
    p.set_defaults(func=_cmd_demo)

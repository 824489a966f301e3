"""The ``leafs`` parser and entry point."""

import argparse
import sys
import warnings

from .. import __version__
from . import (
    _build_table,
    _demo,
    _featurize,
    _nearest,
    _report,
    _similarity,
    _structure,
    _substitute,
)
from ._common import _one_line

_COMMANDS = (
    _featurize,
    _similarity,
    _nearest,
    _substitute,
    _structure,
    _build_table,
    _report,
    _demo,
)


def _build_parser():

    parser = argparse.ArgumentParser(
        prog="leafs",
        description=(
            "LEAFs (Local Environment-induced Atomic Features) from the command "
            "line. Exit codes: 0 success, 1 data error, 2 usage error."
        ),
    )
    parser.add_argument("--version", action="version", version=f"leafs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv=None):
    """Run the ``leafs`` command line and return its exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    code : int
        0 on success, 1 on a data error (one ``leafs: error:`` line on
        stderr), 2 on a usage error.

    Examples
    --------
    >>> from sklearn_leafs.cli import main
    >>> main(["featurize", "--help"])  # doctest: +ELLIPSIS
    usage: leafs featurize ...
    0
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    if getattr(args, "func", None) is None:
        parser.print_usage(sys.stderr)
        print("leafs: error: a COMMAND is required", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning  # one line, no source path
            return int(args.func(args) or 0)
    except (ValueError, KeyError, OSError, ImportError) as exc:
        print(f"leafs: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings of a command as one ``leafs: warning:`` line on stderr."""
    print(f"leafs: warning: {_one_line(message)}", file=sys.stderr)

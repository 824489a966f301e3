"""The ``leafs`` parser and entry point."""

import argparse
import os
import sys
import traceback
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
        stderr; an unexpected exception, a bug of the package, is reported
        the same way as an internal error, with its traceback only when the
        environment variable ``LEAFS_DEBUG`` is set), 2 on a usage error,
        130 when interrupted.

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
    except BrokenPipeError:  # `leafs ... | head`: the reader has gone
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        print("leafs: interrupted", file=sys.stderr)
        return 130
    except DATA_ERRORS as exc:
        print(f"leafs: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: one line too, never a traceback
        if os.environ.get("LEAFS_DEBUG"):
            traceback.print_exc()
        print(
            f"leafs: error: internal error of 'leafs {args.command}' "
            f"({type(exc).__name__}: {_one_line(exc)}); please report it with the "
            "command line (LEAFS_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


#: Exceptions that describe bad input data or an unusable file: reported as
#: ``leafs: error: <message>``. Any other exception is a bug of the package,
#: reported as an internal error (also one line, exit code 1).
DATA_ERRORS = (ValueError, KeyError, OSError, ImportError, UnicodeError)


def _silence_stdout():
    """Point stdout at /dev/null so that Python's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file
        pass


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings of a command as one ``leafs: warning:`` line on stderr."""
    print(f"leafs: warning: {_one_line(message)}", file=sys.stderr)

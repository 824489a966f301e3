"""Helpers shared by the ``leafs`` commands."""

import argparse
import os
import re
import sys

from ..chemistry import parse_formula
from ..tables import get_table


class DataError(ValueError):
    """An error in the user's data, reported as one line with exit code 1."""


def _one_line(exc):
    """One-line message for an exception, without KeyError's extra quotes."""
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return " ".join(str(msg).split()) or type(exc).__name__


def _check_output(path, what):
    """Raise DataError unless ``path`` can be written (before any work)."""
    target = os.path.abspath(os.fspath(path))
    if os.path.isdir(target):
        raise DataError(f"{what} {path} is a directory; give a file name")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise DataError(f"{what} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (
        os.path.exists(target) and not os.access(target, os.W_OK)
    ):
        raise DataError(f"{what} {path} cannot be written (permission denied)")


def _load_table(name):
    return get_table(name)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_table_option(parser, default="vasylenko2024"):
    parser.add_argument(
        "--table",
        default=default,
        help="element table: 'vasylenko2024' (the paper's), 'open' (the "
        "package's own), 'magpie', 'vasylenko2024+' or 'open+' (LEAF+), or a "
        f"CSV path (default: {default})",
    )


def _add_metric_option(parser):
    parser.add_argument(
        "--metric",
        choices=("pearson", "cosine"),
        default="pearson",
        help="element similarity metric (default: pearson)",
    )


_ROW_PREFIX = re.compile(r"^row (\d+) (\((?:'[^']*'|\"[^\"]*\"|[^)]*)\)): ")


def _formula_argument_message(exc):
    """A row error of the FORMULA arguments, counted from 1 as the user typed them."""
    return _ROW_PREFIX.sub(
        lambda m: f"formula {int(m.group(1)) + 1} {m.group(2)}: ",
        _one_line(exc),
        count=1,
    )


def _readable_formulas(formulas):
    """The formulas that parse, after listing the others on stderr.

    A batch answers what it can: each unreadable formula is reported with its
    position and cause, and the command then exits 1 (``failed`` is True).
    Raises DataError when none is readable.
    """
    good, failed = [], []
    for position, formula in enumerate(formulas, start=1):
        try:
            parse_formula(formula)
        except ValueError as exc:
            failed.append(f"formula {position} ({formula!r}): {_one_line(exc)}")
        else:
            good.append(formula)
    if not good:
        raise DataError("; ".join(failed))
    for message in failed:
        print(f"leafs: {message}", file=sys.stderr)
    return good, bool(failed)

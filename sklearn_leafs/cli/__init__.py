"""The ``leafs`` command line.

Run ``leafs --help`` or ``leafs COMMAND --help``. Exit codes: 0 on success,
2 on usage errors (argparse), 1 on data errors; a data error prints one line
starting with ``leafs: error:`` on stderr.

Examples
--------
>>> from sklearn_leafs.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
leafs ...
0
"""

from ._main import main

__all__ = ["main"]

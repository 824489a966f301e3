"""``python -m sklearn_leafs.cli``: the ``leafs`` command line."""

import sys

from ._main import main

sys.exit(main())

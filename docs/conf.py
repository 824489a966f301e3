"""Sphinx configuration of the sklearn-leafs documentation.

Build with ``make docs`` or ``python -m sphinx -W -b html docs docs/_build/html``.
The gallery runs every script of ``examples/`` with ``SKLEARN_LEAFS_QUICK=1``
(a reduced setting) unless the variable is already set. For a quick local
build, ``SKLEARN_LEAFS_GALLERY_PATTERN=plot_`` runs only the matching examples
(the others are shown without output), and ``-D plot_gallery=0`` runs none.
"""

import os
import re
from pathlib import Path

import sklearn_leafs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

os.environ.setdefault("SKLEARN_LEAFS_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
_shared = ROOT.parent / "shared" / "data"
if "SKLEARN_LEAFS_DATA" not in os.environ and _shared.is_dir():
    os.environ["SKLEARN_LEAFS_DATA"] = str(_shared)

project = "sklearn-leafs"
author = "sklearn-leafs developers"
copyright = "2024-2026, sklearn-leafs developers"
release = sklearn_leafs.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/*.ipynb"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# -- API reference ------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- gallery --------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # run every example, not only plot_*; SKLEARN_LEAFS_GALLERY_PATTERN narrows
    # it (a regular expression on the path) for quick local builds
    "filename_pattern": os.environ.get("SKLEARN_LEAFS_GALLERY_PATTERN", r"\.py$"),
    "ignore_pattern": r"__init__\.py|conftest\.py",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "min_reported_time": 5,
    "reset_modules": ("matplotlib",),
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-leafs {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_context = {"default_mode": "light"}


# -- optional pages ------------------------------------------------------------------
# Pages written by other parts of the project join the user guide when they
# exist, so that the build never refers to a missing document.
OPTIONAL_PAGES = {"user_guide/index": ["../open_table"]}


def _add_optional_pages(app, docname, source):
    pages = OPTIONAL_PAGES.get(docname)
    if not pages:
        return
    present = [p for p in pages if (HERE / docname).parent.joinpath(p + ".md").exists()]
    entries = "".join(f"   {p}\n" for p in present)
    source[0] = source[0].replace("   .. optional pages\n", entries)


_SHAPE = re.compile(r"of shape \(([^)]*)\)")
_TRAILING_UNDERSCORE = re.compile(r"\b(\w+)_(?=[,\s]|$)")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape fitted-attribute names in shapes: ``(n_features_in_,)``.

    Written without backticks, reST reads ``n_features_in_`` as a reference to
    a missing target; sklearn writes ``(`n_features_in_`,)`` instead.
    """

    def fix(match):
        inner = _TRAILING_UNDERSCORE.sub(r"\1\\_", match.group(1))
        return f"of shape ({inner})"

    for i, line in enumerate(lines):
        if "of shape (" in line and "`" not in line:
            lines[i] = _SHAPE.sub(fix, line)


def setup(app):
    app.connect("source-read", _add_optional_pages)
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=100)

"""Every public name is documented in docs/api.rst."""

import importlib
import re
from pathlib import Path

import sklearn_leafs

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
MODULES = [
    "chemistry",
    "environments",
    "tables",
    "featurizers",
    "neighbors",
    "substitution",
    "neural_network",
    "model_selection",
    "novelty",
    "diagnostics",
    "plotting",
    "datasets",
    "cli",
    "demo",
]


def _entries():
    """Names listed in the autosummary blocks, resolved to objects."""
    text = API.read_text()
    names = re.findall(r"^   ([A-Za-z_][\w.]*)\s*$", text, re.M)
    objects = {}
    for name in names:
        module, _, attr = name.rpartition(".")
        mod = importlib.import_module(
            f"sklearn_leafs.{module}" if module else "sklearn_leafs"
        )
        objects[name] = getattr(mod, attr)
    return objects


def test_every_public_name_is_in_api_rst():
    entries = _entries()
    documented = {id(obj) for obj in entries.values()}
    public = [("sklearn_leafs", n) for n in sklearn_leafs.__all__ if n != "__version__"]
    for module in MODULES:
        mod = importlib.import_module(f"sklearn_leafs.{module}")
        public += [(module, n) for n in mod.__all__]
    missing = []
    for module, name in public:
        mod = importlib.import_module(
            module if module == "sklearn_leafs" else f"sklearn_leafs.{module}"
        )
        obj = getattr(mod, name)
        if id(obj) in documented:
            continue
        if f"{module}.{name}" in entries or name in entries:
            continue
        missing.append(f"{module}.{name}")
    assert not missing, f"public names missing from docs/api.rst: {missing}"


def test_every_public_docstring_is_valid_numpydoc():
    """numpydoc parses every public docstring: no repeated or unknown section.

    Sphinx (numpydoc) refuses a docstring with, for example, two
    ``References`` sections; this catches it without building the docs.
    """
    import inspect
    import warnings

    from numpydoc.docscrape import ClassDoc, FunctionDoc, NumpyDocString

    bad = {}
    for name, obj in _entries().items():
        if not (inspect.isclass(obj) or callable(obj)) or not obj.__doc__:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                if inspect.isclass(obj):
                    ClassDoc(obj)
                    NumpyDocString(inspect.getdoc(obj))
                else:
                    FunctionDoc(obj)
            except Exception as exc:  # noqa: BLE001 - the message is the finding
                bad[name] = f"{type(exc).__name__}: {exc}"[:200]
    assert not bad, bad

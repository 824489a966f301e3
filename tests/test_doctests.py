"""Run every docstring example of the package, and check that they exist.

Every module, private ones (``_name.py``) included, is imported and its
docstring examples are run with :mod:`doctest` (ELLIPSIS and
NORMALIZE_WHITESPACE on), in a temporary working directory and with
matplotlib's Agg backend. Most code lives in private modules re-exported by
their subpackage, so their examples are the package's examples. A second test
checks that every public class and function has a numpydoc ``Examples``
section with at least one ``>>>`` line.
"""

import doctest
import importlib
import inspect
import pkgutil

import matplotlib
import pytest

import sklearn_leafs

matplotlib.use("Agg")

ALL_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(sklearn_leafs.__path__, "sklearn_leafs.")
    if info.name.split(".")[-1] != "__main__"
)
MODULES = [
    name
    for name in ALL_MODULES
    if not any(part.startswith("_") for part in name.split("."))
]
# Modules whose examples train models or read large files.
SLOW_MODULES = {
    "sklearn_leafs.neural_network._autoencoder",
    "sklearn_leafs.neural_network._leafnet",
}


def _params(names):
    return [
        pytest.param(name, marks=pytest.mark.slow) if name in SLOW_MODULES else name
        for name in names
    ]


def test_private_modules_are_collected():
    private = [n for n in ALL_MODULES if n.split(".")[-1].startswith("_")]
    assert "sklearn_leafs.tables._registry" in private
    assert "sklearn_leafs.environments._fast_kernel" in private
    assert len(private) > len(MODULES)


@pytest.mark.parametrize("name", _params(ALL_MODULES))
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    tests = [t for t in finder.find(module, name) if t.examples]
    failures = []
    try:
        for test in tests:
            runner.run(test, out=lambda text: failures.append(text))
    finally:
        plt.close("all")
    assert runner.failures == 0, "\n".join(failures)


def _public_objects(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for attr in names:
        try:
            obj = getattr(module, attr)
        except ImportError as exc:  # a lazily exported name whose module fails
            yield f"{module.__name__}.{attr} (cannot import: {exc})", None
            continue
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", "").startswith("sklearn_leafs") or (
            obj.__module__ == module.__name__
        ):
            yield f"{module.__name__}.{attr}", obj


def test_every_public_object_has_an_example():
    missing = []
    seen = set()
    for name in ["sklearn_leafs", *MODULES]:
        module = importlib.import_module(name)
        for qualname, obj in _public_objects(module):
            if obj is None:
                missing.append(qualname)
                continue
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            doc = inspect.getdoc(obj) or ""
            if "Examples\n--------" not in doc or ">>>" not in doc:
                missing.append(qualname)
    assert not missing, "no numpydoc Examples section with >>> in: " + ", ".join(
        sorted(missing)
    )

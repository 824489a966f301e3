"""Shared References pieces (sklearn_leafs._citations)."""

import importlib
import pathlib
import pkgutil
import re

import pytest

import sklearn_leafs
from sklearn_leafs._citations import REFERENCES, cite, fill_citations


def test_placeholder_is_replaced_by_the_wrapped_reference_under_its_label():
    doc = "    References\n    ----------\n    .. [2] {cite:hautier2011}; Eq. 5.\n"
    filled = fill_citations(doc)
    lines = filled.splitlines()
    assert lines[2].startswith("    .. [2] G. Hautier, C. Fischer")
    assert all(line.startswith("           ") for line in lines[3:])
    assert all(len(line) <= 79 for line in lines)
    joined = " ".join(line.strip() for line in lines[2:])
    assert joined == ".. [2] " + REFERENCES["hautier2011"] + "; Eq. 5."


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError, match="unknown reference key 'nobody1999'"):
        fill_citations(".. [1] {cite:nobody1999}")


def test_decorator_fills_in_place_and_keeps_none():
    def f():
        pass

    assert cite(f) is f and f.__doc__ is None


def _modules():
    for info in pkgutil.walk_packages(sklearn_leafs.__path__, "sklearn_leafs."):
        if info.name.startswith(("sklearn_leafs.cli.__main__",)):
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError as exc:  # an optional extra (torch, matplotlib)
            pytest.skip(f"optional extra not installed: {exc}")


def test_no_placeholder_is_left_unfilled_anywhere():
    left = []
    for module in _modules():
        if module.__name__ == "sklearn_leafs._citations":  # it shows the syntax
            continue
        objects = [module] + [
            value
            for value in vars(module).values()
            if getattr(value, "__module__", None) == module.__name__
        ]
        for obj in objects:
            if "{cite:" in (getattr(obj, "__doc__", None) or ""):
                left.append(f"{module.__name__}.{getattr(obj, '__name__', '')}")
    assert not left


def test_each_shared_reference_is_written_out_only_once_in_the_source():
    # The title of the LEAF paper is defined in _citations.py and inserted
    # everywhere else.
    title = re.compile(r"Digital features of chemical")
    root = sklearn_leafs.__path__[0]
    files = [
        str(p.relative_to(root))
        for p in pathlib.Path(root).rglob("*.py")
        if title.search(p.read_text())
    ]
    assert files == ["_citations.py"]

import subprocess
import sys

import sklearn_leafs


def test_every_public_name_resolves():
    for name in sklearn_leafs.__all__:
        assert getattr(sklearn_leafs, name) is not None, name
    assert sorted(dir(sklearn_leafs)) == sorted(sklearn_leafs.__all__)


def test_import_is_lazy():
    code = (
        "import sys, sklearn_leafs; "
        "heavy = [m for m in ('torch', 'matminer', 'matplotlib', 'skorch') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        sklearn_leafs.Nope  # noqa: B018

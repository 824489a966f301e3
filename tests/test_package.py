import subprocess
import sys

import pytest

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


def _modules_after(code):
    """Module names in sys.modules after running ``code`` in a fresh interpreter."""
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def _heavy(modules, prefixes):
    return sorted(
        m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)
    )


def test_reading_a_species_name_imports_no_solver():
    modules = _modules_after(
        "from sklearn_leafs.chemistry import format_species, parse_species\n"
        "assert parse_species('Ti4+') == ('Ti', 4)\n"
        "assert format_species(parse_species('K0+')) == 'K0+'"
    )
    assert "sklearn_leafs.chemistry._species" in modules
    assert (
        _heavy(
            modules,
            [
                "sklearn_leafs.chemistry._oxidation",
                "sklearn_leafs.chemistry._state_lists",
            ]
            + ["pymatgen", "numpy", "pandas", "scipy", "sklearn"],
        )
        == []
    )


def test_loading_a_shipped_table_imports_neither_pymatgen_nor_joblib():
    modules = _modules_after(
        "from sklearn_leafs.tables import get_table\n"
        "assert get_table('open-unweighted').n_features == 37"
    )
    assert (
        _heavy(
            modules,
            [
                "pymatgen",
                "joblib",
                "sklearn",
                "matminer",
                "torch",
                "sklearn_leafs.environments",
            ]
            + ["sklearn_leafs.chemistry._oxidation", "sklearn_leafs.tables._aggregate"],
        )
        == []
    )


def test_lazy_subpackage_names_resolve():
    import sklearn_leafs.chemistry as chemistry
    import sklearn_leafs.tables as tables

    for module in (chemistry, tables):
        for name in module.__all__:
            assert getattr(module, name) is not None, name
        assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        tables.Nope  # noqa: B018

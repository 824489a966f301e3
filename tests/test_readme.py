"""README.md's ten-line example prints the figures of README's own table."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _snippet():
    text = README.read_text()
    section = text.split("## Ten lines", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _table_row(task):
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == task:
            return cells
    raise AssertionError(f"README table has no row {task!r}")


def test_snippet_has_its_seeds():
    code = _snippet()
    assert "StratifiedKFold(5, shuffle=True, random_state=42)" in code
    assert "RandomForestClassifier(random_state=42)" in code
    assert len(code.strip().splitlines()) <= 16  # six imports, seven lines


@pytest.mark.slow
def test_snippet_prints_the_readme_figures(recwarn):
    # runs on the reference data when present, else on the bundled copy
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_snippet(), str(README), "exec"), {})
    printed = re.fullmatch(
        r"accuracy (\d\.\d{3}), MCC (\d\.\d{3})\n", out.getvalue()
    ).groups()
    row = _table_row("Li-ion conductivity, Eq. 2, RF, 5-fold")
    assert row[1] == "vasylenko2024"  # the default table, which the snippet uses
    accuracy, mcc = row[3].split(" / ")
    assert printed == (accuracy, mcc)
    assert f"prints `accuracy {accuracy}, MCC {mcc}`" in README.read_text()

"""Every ``leafs`` subcommand on bad input: one ``leafs: error:`` line, exit 1.

Issue 25: no command prints a Python traceback for any input. Each command is
run in-process (an exception escaping ``main`` is what a user would see as a
traceback) on a set of bad inputs: unreadable formulas, unknown elements,
empty, binary and missing files, bad table names, a directory where a file is
expected, outputs that cannot be written. A batch command reports its bad
rows on stderr (``leafs: row N ...`` / ``leafs: formula N ...``) and then
one ``leafs: error:`` line when nothing could be answered.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sklearn_leafs
from sklearn_leafs.cli import main
from sklearn_leafs.cli._main import _build_parser

#: Commands that take no input at all, with the reason they are not probed.
NO_INPUT = {"demo": "runs the built-in demonstration; it reads no user input"}

BAD_FORMULAS = {
    "unbalanced": "Ca(OH2",
    "unknown-element": "Qq3Br",
    "empty": "",
    "blank": "   ",
    "binary": "\udcff\udcfe\x01\x7f",  # undecodable argv bytes (surrogateescape)
    "negative": "K-2S",
    "zero": "Mg0O0",
    "infinite": "Kinf",
    "only-number": "42",
    "lower-case": "nacl",
}

#: Amounts at the edges: valid formulas, so a command may answer (0) or
#: report one error (1), but never crash.
EDGE_FORMULAS = {
    "tiny-uniform": "K1e-250Br1e-250",
    "tiny-one": "Na0.0000001MnO2",
    "huge-uniform": "Cu1e300Zn1e300",
    "huge-sum": "Co1e308Pt1e308",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    (root / "empty.csv").write_bytes(b"")
    (root / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (root / "binary.cif").write_bytes(bytes(range(255, -1, -1)) * 4)
    (root / "binary.parquet").write_bytes(b"PAR1" + bytes(range(200)))
    (root / "header_only.csv").write_text("formula\n")
    (root / "all_bad.csv").write_text("formula\nQq2O\n\nCa(OH2\n")
    (root / "good.csv").write_text("formula\nNaCl\nMgO\n")
    (root / "no_sites.cif").write_text("data_x\n_cell_length_a 3\n")
    (root / "corrupt.jsonl").write_text('{"id": "a"}\nnot json\n')
    (root / "folder").mkdir()
    (root / "folder" / "notes.txt").write_text("not a structure")
    (root / "table.csv").write_text("element,x\nNa,nope\n")
    return root


def _table(files, kind):
    return {
        "unknown-name": "vasylenko2042",
        "directory": str(files / "folder"),
        "missing-file": str(files / "missing.csv"),
        "empty-file": str(files / "empty.csv"),
        "binary-file": str(files / "binary.csv"),
        "bad-values": str(files / "table.csv"),
    }[kind]


TABLE_KINDS = (
    "unknown-name",
    "directory",
    "missing-file",
    "empty-file",
    "binary-file",
    "bad-values",
)


def _cases(files):
    """(command, kind, argv) of every bad input of every command."""
    out = str(files / "out.csv")
    cases = []
    for kind, formula in BAD_FORMULAS.items():
        cases += [
            ("similarity", kind, ["similarity", formula, "NaCl"]),
            ("similarity", kind + "-2nd", ["similarity", "Na", formula]),
            ("nearest", kind, ["nearest", formula, "--top", "2"]),
            ("substitute", kind, ["substitute", formula]),
            ("predict-structure", kind, ["predict-structure", formula]),
        ]
    for kind in TABLE_KINDS:
        table = _table(files, kind)
        good = str(files / "good.csv")
        cases += [
            (
                "similarity",
                "table-" + kind,
                ["similarity", "Na", "K", "--table", table],
            ),
            ("nearest", "table-" + kind, ["nearest", "NaCl", "--table", table]),
            ("substitute", "table-" + kind, ["substitute", "NaCl", "--table", table]),
            (
                "predict-structure",
                "table-" + kind,
                ["predict-structure", "NaCl", "--table", table],
            ),
            (
                "featurize",
                "table-" + kind,
                ["featurize", good, "-o", out, "--table", table, "-q"],
            ),
            ("report", "table-" + kind, ["report", table]),
            ("report", "reference-" + kind, ["report", "magpie", "--reference", table]),
        ]
    for kind, name in {
        "missing-file": "missing.csv",
        "directory": "folder",
        "empty-file": "empty.csv",
        "binary-file": "binary.csv",
        "binary-parquet": "binary.parquet",
        "header-only": "header_only.csv",
        "all-rows-bad": "all_bad.csv",
    }.items():
        cases.append(
            (
                "featurize",
                "input-" + kind,
                ["featurize", str(files / name), "-o", out, "-q"],
            )
        )
    good = str(files / "good.csv")
    cases += [
        ("featurize", "output-directory", ["featurize", good, "-o", str(files), "-q"]),
        (
            "featurize",
            "output-missing-folder",
            ["featurize", good, "-o", str(files / "no" / "o.csv"), "-q"],
        ),
        (
            "featurize",
            "rejects-directory",
            ["featurize", good, "-o", out, "--rejects", str(files / "folder"), "-q"],
        ),
        (
            "featurize",
            "bad-column",
            ["featurize", good, "--column", "x", "-o", out, "-q"],
        ),
        (
            "featurize",
            "bad-encoding",
            ["featurize", good, "--encoding", "x9", "-o", out],
        ),
    ]
    for kind, name in {
        "missing-file": "missing.cif",
        "empty-file": "empty.csv",
        "binary-file": "binary.csv",
        "binary-cif": "binary.cif",
        "cif-without-sites": "no_sites.cif",
        "corrupt-corpus": "corrupt.jsonl",
        "folder-of-non-structures": "folder",
    }.items():
        cases.append(
            (
                "build-table",
                "input-" + kind,
                ["build-table", str(files / name), "-o", out, "-q"],
            )
        )
    cases += [
        (
            "build-table",
            "output-directory",
            ["build-table", str(files / "no_sites.cif"), "-o", str(files), "-q"],
        ),
    ]
    return cases


def _run(argv, capsys):
    """Exit code and stderr lines of one in-process run (no exception escapes)."""
    try:
        code = main(argv)
    except BaseException as exc:  # what the user would see as a traceback
        raise AssertionError(f"leafs {argv} raised {exc!r}") from exc
    captured = capsys.readouterr()
    return code, [line for line in captured.err.splitlines() if line.strip()]


def _assert_one_error(code, lines, argv):
    assert code == 1, (argv, code, lines)
    errors = [line for line in lines if line.startswith("leafs: error: ")]
    assert len(errors) == 1, (argv, lines)
    # every line is the command's own: no traceback, no stray library output
    assert all(line.startswith("leafs: ") for line in lines), (argv, lines)
    assert "Traceback" not in "\n".join(lines)


def test_every_command_is_probed(tmp_path):
    """The matrix covers every subcommand the parser knows."""
    parser = _build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    commands = set(sub.choices)
    probed = {command for command, _, _ in _cases(tmp_path)}
    assert commands == probed | set(NO_INPUT), commands ^ (probed | set(NO_INPUT))


@pytest.mark.parametrize(
    "command",
    ["similarity", "nearest", "substitute", "predict-structure", "featurize", "report"]
    + ["build-table"],
)
def test_bad_inputs_give_one_error_line_and_exit_1(command, files, capsys):
    failures = []
    for name, kind, argv in _cases(files):
        if name != command:
            continue
        code, lines = _run(argv, capsys)
        try:
            _assert_one_error(code, lines, argv)
        except AssertionError as exc:
            failures.append(f"{kind}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind", sorted(EDGE_FORMULAS))
@pytest.mark.parametrize(
    "command", ["similarity", "nearest", "substitute", "predict-structure"]
)
def test_edge_amounts_answer_or_report_one_error(command, kind, capsys):
    formula = EDGE_FORMULAS[kind]
    argv = {
        "similarity": ["similarity", formula, "NaCl"],
        "nearest": ["nearest", formula, "--top", "2"],
        "substitute": ["substitute", formula, "--top", "2"],
        "predict-structure": ["predict-structure", formula],
    }[command]
    code, lines = _run(argv, capsys)
    assert code in (0, 1)
    if code == 1:
        _assert_one_error(code, lines, argv)


def test_edge_amounts_in_a_featurize_file(tmp_path, capsys):
    src = tmp_path / "edges.csv"
    src.write_text("formula\n" + "\n".join(EDGE_FORMULAS.values()) + "\nNaCl\n")
    out = tmp_path / "o.csv"
    for featurizer in ("composition", "li-cations"):
        argv = ["featurize", str(src), "-o", str(out), "--featurizer", featurizer, "-q"]
        code, lines = _run(argv, capsys)
        assert code in (0, 1), lines
        assert all(line.startswith("leafs: ") for line in lines), lines


def test_internal_errors_are_one_line_with_debug_traceback(monkeypatch, capsys):
    """A bug of the package (any unexpected exception) is one line too; the
    traceback only with LEAFS_DEBUG set."""
    from sklearn_leafs.cli import _similarity

    def broken(args):
        raise IndexError("list index out of range")

    parser_factory = _build_parser

    def patched():
        parser = parser_factory()
        (sub,) = [a for a in parser._actions if a.dest == "command"]
        sub.choices["similarity"].set_defaults(func=broken)
        return parser

    monkeypatch.setattr("sklearn_leafs.cli._main._build_parser", patched)
    monkeypatch.delenv("LEAFS_DEBUG", raising=False)
    code, lines = _run(["similarity", "Na", "K"], capsys)
    _assert_one_error(code, lines, "broken similarity")
    assert "internal error of 'leafs similarity' (IndexError" in lines[0]
    monkeypatch.setenv("LEAFS_DEBUG", "1")
    assert main(["similarity", "Na", "K"]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert _similarity  # the module whose command was replaced


def test_a_real_process_prints_no_traceback(tmp_path):
    """The installed entry point, as a user runs it."""
    env = dict(os.environ, PYTHONPATH=str(Path(sklearn_leafs.__file__).parents[1]))
    env.pop("LEAFS_DEBUG", None)
    for argv in (
        ["similarity", "Qq", "Na"],
        ["featurize", str(tmp_path), "-o", str(tmp_path / "o.csv")],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "sklearn_leafs.cli", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("leafs: error: "), lines


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20
    ),
    command=st.sampled_from(["similarity", "predict-structure", "substitute"]),
)
def test_any_text_as_a_formula_never_crashes(text, command):
    """Property: whatever text is given as a formula, the command answers (0)
    or prints exactly one ``leafs: error:`` line (1); nothing escapes."""
    import contextlib
    import io

    argv = {
        "similarity": ["similarity", text, "NaCl"],
        "predict-structure": ["predict-structure", text],
        "substitute": ["substitute", text, "--top", "1"],
    }[command]
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(argv)  # an exception here fails the property
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    if text.startswith("-") and code == 2:  # argparse reads it as an option
        return
    assert code in (0, 1), (argv, code, lines)
    if code == 1:
        assert sum(line.startswith("leafs: error: ") for line in lines) == 1, lines
    assert "Traceback" not in err.getvalue()


@settings(max_examples=30, deadline=None)
@given(
    amount=st.floats(1e-12, 1e300),
    command=st.sampled_from(
        ["similarity", "predict-structure", "substitute", "nearest"]
    ),
)
def test_any_uniform_scale_never_crashes(amount, command):
    """Property: Na{x}Cl{x} for any x in [1e-12, 1e300] answers or reports
    one error; it never escapes as an exception."""
    import contextlib
    import io

    formula = f"Na{amount!r}Cl{amount!r}"
    argv = {
        "similarity": ["similarity", formula, "KBr"],
        "predict-structure": ["predict-structure", formula],
        "substitute": ["substitute", formula, "--top", "1"],
        "nearest": ["nearest", formula, "--top", "1"],
    }[command]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)
    assert code in (0, 1)
    if code == 1:
        lines = err.getvalue().splitlines()
        assert sum(line.startswith("leafs: error: ") for line in lines) == 1, lines


# -- featurize: row numbers, rejects file, progress (issue 25, "also found") ------
def _featurize(src, tmp_path, capsys, *extra):
    out, rejects = tmp_path / "o.csv", tmp_path / "rejects.csv"
    argv = ["featurize", str(src), "-o", str(out), "--rejects", str(rejects), *extra]
    code, lines = _run(argv, capsys)
    import pandas as pd

    rej = pd.read_csv(rejects, keep_default_na=False, dtype={"formula": str})
    written = pd.read_csv(out) if out.exists() else None
    return code, lines, rej, written


def test_row_n_is_line_n_plus_1_with_blank_lines(tmp_path, capsys):
    text = "formula,y\r\nKBr,1\r\n\r\n\r\nZz3N,2\r\nCaF2,3\r\n\r\n,4\r\nBa(NO3,5\r\n"
    src = tmp_path / "blank_lines.csv"
    src.write_bytes(text.encode())
    code, lines, rej, written = _featurize(src, tmp_path, capsys, "--chunksize", "3")
    assert code == 1
    file_lines = text.split("\r\n")
    assert rej["row"].tolist() == [4, 7, 8]
    for row, formula in zip(rej["row"], rej["formula"]):
        assert file_lines[row].split(",")[0] == formula  # line N + 1 (from 1)
    # the error column is the cause alone, as on stderr after "row N ('f'): "
    assert rej["error"].tolist()[0] == "unknown element symbol 'Zz' in formula 'Zz3N'"
    for error in rej["error"]:
        assert not error.startswith(("(", "row")), error
    shown = [line for line in lines if line.startswith("leafs: row")]
    assert shown[0] == (
        "leafs: row 4 ('Zz3N'): unknown element symbol 'Zz' in formula 'Zz3N'"
    )
    assert shown[1] == "leafs: row 7: empty formula"
    assert written["formula"].tolist() == ["KBr", "CaF2"]
    # blank lines are passed over, not reported and not counted as rows
    assert lines[-1] == (
        "leafs: 3 of 5 rows could not be featurized (listed above); wrote the other 2"
    )


def test_progress_total_is_the_row_count(tmp_path, capsys):
    src = tmp_path / "p.csv"
    src.write_text("formula\nNaCl\n\nMgO\n\nLiF\n")
    code, lines, _, _ = _featurize(src, tmp_path, capsys)
    assert code == 0
    bars = [line for line in lines if "featurize:" in line and "row" in line]
    assert bars and "5/5" in bars[-1], lines  # 5 lines after the header


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.sampled_from(["NaCl", "MgO", "", "Qq2", "Fe2O3", "Ca(OH", "BLANK"]),
        min_size=1,
        max_size=12,
    ),
    chunksize=st.integers(1, 5),
)
def test_reported_rows_point_at_their_lines(rows, chunksize, tmp_path_factory):
    """Property: for any mix of good, bad, empty and blank lines and any chunk
    size, each reported row N is file line N + 1 and holds the reported
    formula; written + reported rows are all non-blank lines."""
    import contextlib
    import io

    import pandas as pd

    tmp = tmp_path_factory.mktemp("rows")
    body = ["" if r == "BLANK" else f"{r},{i}" for i, r in enumerate(rows)]
    text = "formula,i\n" + "\n".join(body) + "\n"
    src = tmp / "in.csv"
    src.write_text(text)
    out, rejects = tmp / "o.csv", tmp / "r.csv"
    argv = ["featurize", str(src), "-o", str(out), "--rejects", str(rejects)]
    argv += ["--chunksize", str(chunksize), "-q"]
    with contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    assert code in (0, 1)
    rej = pd.read_csv(rejects, keep_default_na=False, dtype=str)
    lines = text.split("\n")
    for row, formula in zip(rej["row"].astype(int), rej["formula"]):
        assert lines[row].split(",")[0] == formula
    n_written = len(pd.read_csv(out)) if out.exists() else 0
    assert n_written + len(rej) == sum(r != "BLANK" for r in rows)


# -- build-table: CIF blocks and warnings (issue 25, kind 5) -----------------------
def _p1_cif(name, cation, formula_sum=None, drop=None):
    lines = [f"data_{name}"]
    if formula_sum:
        lines.append(f"_chemical_formula_sum '{formula_sum}'")
    lines += [f"_cell_length_{x} 3.0" for x in "abc"]
    lines += [f"_cell_angle_{x} 90" for x in ("alpha", "beta", "gamma")]
    lines += ["loop_", "_symmetry_equiv_pos_as_xyz", "'x, y, z'", "loop_"]
    lines += [f"_atom_site_{x}" for x in ("label", "type_symbol", "fract_x")]
    lines += ["_atom_site_fract_y", "_atom_site_fract_z"]
    lines += [f"{cation}1 {cation} 0 0 0", "O1 O 0.5 0.5 0.5"]
    text = "\n".join(lines) + "\n"
    return text if drop is None else text.replace(f"{drop} 90\n", "")


def test_build_table_names_a_broken_block_and_warns_once(tmp_path, capsys):
    path = tmp_path / "pair.cif"
    path.write_text(
        _p1_cif("SrO_broken", "Sr", drop="_cell_angle_gamma")
        + _p1_cif("BaO_hydrated", "Ba", formula_sum="Ba O H2")
    )
    out = tmp_path / "t.csv"
    argv = ["build-table", str(path), "-o", str(out), "-q"]
    code, lines = _run(argv, capsys)
    assert code == 1
    _assert_one_error(code, lines, argv)
    assert "pair.cif#SrO_broken" in lines[-1]
    assert "lacks the CIF item _cell_angle_gamma" in lines[-1]
    code, lines = _run([*argv, "--errors", "skip"], capsys)
    assert code == 0
    skipped = [line for line in lines if line.startswith("leafs: skipped")]
    assert len(skipped) == 1 and "data block 'SrO_broken'" in skipped[0]
    warned = [line for line in lines if "Missing elements H" in line]
    assert len(warned) == 1 and "pair.cif#BaO_hydrated" in warned[0], lines
    import pandas as pd

    table = pd.read_csv(out, index_col=0)
    assert sorted(table.index) == ["Ba", "O"]  # nothing of the broken block


def test_build_table_zero_workers_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "a.cif"
    path.write_text(_p1_cif("MgO", "Mg"))
    argv = ["build-table", str(path), "-o", str(tmp_path / "t.csv"), "--n-jobs", "0"]
    assert main(argv) == 2
    assert "0 workers" in capsys.readouterr().err

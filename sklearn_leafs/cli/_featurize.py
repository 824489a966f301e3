"""``leafs featurize``: a CSV or parquet column of formulas to LEAF features."""

import codecs
import csv
import re
import sys
from pathlib import Path

import numpy as np

from ..featurizers import ElementFeaturizer, LiCationFeaturizer
from ._common import (
    DataError,
    _add_table_option,
    _check_output,
    _load_table,
    _one_line,
    _positive_int,
)

_FEATURIZERS = ("composition", "li-cations")


def _make_featurizer(kind, table):
    if kind == "composition":
        return ElementFeaturizer(table=table, errors="nan")
    return LiCationFeaturizer(table=table, errors="nan")


#: The "row N ('formula'): " or "row N: " that a featurizer's error starts
#: with (its own row count within one call): the command names the row itself.
_FEATURIZER_ROW = re.compile(r"^row \d+(?: \((?:'[^']*'|\"[^\"]*\"|[^)]*)\))?:\s*")


def _cause(message):
    """A featurizer's error without its own row prefix."""
    return _FEATURIZER_ROW.sub("", message, count=1) or message


def _diagnose(featurizer, item):
    """Why ``item`` gave a NaN row: the error of a strict featurizer, or None."""
    from sklearn.base import clone

    try:
        clone(featurizer).set_params(errors="raise").fit([item])
    except Exception as exc:  # any failure of one row is that row's cause
        return _cause(_one_line(exc))
    return None  # NaN values come from the table itself: a valid row


def _featurize_chunk(featurizer, items, blank=()):
    """Featurize one chunk; return features, good positions and bad reasons.

    The featurizer runs with ``errors="nan"``, so a chunk costs one
    ``transform`` call; only the NaN rows are featurized again, one by one, to
    find out why they failed. Positions in ``blank`` (blank lines of a CSV)
    are neither featurized nor reported.
    """
    blank = set(blank)
    missing = {
        i
        for i, item in enumerate(items)
        if not isinstance(item, str) and i not in blank
    }
    present = [i for i in range(len(items)) if i not in missing and i not in blank]
    bad = {i: "empty formula" for i in missing}
    if not present:
        return np.empty((0, len(featurizer.get_feature_names_out()))), [], bad
    features = np.asarray(featurizer.transform([items[i] for i in present]), float)
    keep = np.ones(len(present), dtype=bool)
    for j in np.flatnonzero(np.isnan(features).any(axis=1)):
        reason = _diagnose(featurizer, items[present[j]])
        if reason is not None:
            bad[present[j]] = reason
            keep[j] = False
    good = [i for i, k in zip(present, keep) if k]
    return features[keep], good, bad


PARQUET_SUFFIXES = (".parquet", ".pq")
_SNIFF_BYTES = 1 << 16
_SEPARATORS = ",;\t|"


def _is_parquet(path):
    return str(path).lower().endswith(PARQUET_SUFFIXES)


def _pyarrow(purpose):
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise DataError(
            f"{purpose} needs pyarrow, which is not installed; install it with "
            "'pip install sklearn-leafs[parquet]' (or 'pip install pyarrow')"
        ) from None
    return pyarrow


def _encoding(name):
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise DataError(f"unknown encoding {name!r}") from None
    # utf-8 also reads a file that starts with a byte-order mark
    return "utf-8-sig" if codec.name == "utf-8" else codec.name


def _check_decoding(path, encoding):
    """Decode the whole file once; return its number of lines.

    Raises a DataError naming the file, line and column of the first byte
    that cannot be decoded (pandas would only say "'utf-8' codec can't
    decode byte 0xe9 in position 1234").
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    n_lines = 0
    with open(path, "rb") as handle:
        for n_lines, raw in enumerate(handle, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                shown = "utf-8" if encoding == "utf-8-sig" else encoding
                raise DataError(
                    f"{path}, line {n_lines}, byte {exc.start + 1} of the line: "
                    f"0x{raw[exc.start]:02x} cannot be decoded as {shown} "
                    f"({exc.reason}); give the file's encoding with --encoding "
                    "(for example --encoding latin-1 or cp1252)"
                ) from None
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path}, line {n_lines}: the file ends inside a character "
                f"({encoding}: {exc.reason})"
            ) from None
    return n_lines


def _sniff_separator(path, encoding):
    """The field separator of a CSV file, guessed from its start."""
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(_SNIFF_BYTES)
    if "\n" in sample and len(sample) == _SNIFF_BYTES:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=_SEPARATORS).delimiter
    except csv.Error:
        return ","  # one column, or nothing to tell by: the CSV default


def _separator(text):
    return {"tab": "\t", "\\t": "\t", "space": " "}.get(text, text)


def _input_chunks(path, args):
    """Chunks of the input (DataFrames of strings for CSV) and the row count."""
    import pandas as pd

    if _is_parquet(path):
        pa = _pyarrow("reading parquet")
        try:
            parquet = pa.parquet.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{path}: not a readable parquet file ({exc})") from None
        n_rows = parquet.metadata.num_rows
        chunks = (batch.to_pandas() for batch in parquet.iter_batches(args.chunksize))
        return chunks, n_rows, None
    encoding = _encoding(args.encoding)
    n_lines = _check_decoding(path, encoding)
    sep = _separator(args.sep) if args.sep is not None else None
    if sep is None:
        sep = _sniff_separator(path, encoding)
    # blank lines are kept as empty rows (and then passed over), so that row
    # N of the messages is line N + 1 of the file, as an editor or a
    # spreadsheet numbers it, and the progress bar's total is the row count
    chunks = pd.read_csv(
        path,
        sep=sep,
        encoding=encoding,
        chunksize=args.chunksize,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
    )
    return chunks, max(n_lines - 1, 0), sep


class _Writer:
    """Writes output chunks to CSV (a file or stdout) or parquet."""

    def __init__(self, target):
        self.target = target
        self.parquet = target != "-" and _is_parquet(target)
        self.pa = _pyarrow("writing parquet") if self.parquet else None
        self.writer = None
        self.schema = None
        self.header = True

    def write(self, frame):
        if self.parquet:
            pa = self.pa
            table = pa.Table.from_pandas(
                frame, schema=self.schema, preserve_index=False
            )
            if self.writer is None:
                self.schema = table.schema
                self.writer = pa.parquet.ParquetWriter(self.target, self.schema)
            self.writer.write_table(table)
            return
        frame.to_csv(
            sys.stdout if self.target == "-" else self.target,
            mode="w" if self.header else "a",
            header=self.header,
            index=False,
            float_format="%.10g",
        )
        self.header = False

    def close(self):
        if self.writer is not None:
            self.writer.close()


def _missing_column(args, path, chunk, sep):
    columns = ", ".join(map(str, chunk.columns))
    hint = ""
    if sep is not None and len(chunk.columns) == 1:
        other = [c for c in _SEPARATORS if c != sep and c in str(chunk.columns[0])]
        if other:
            hint = f" (is the separator {other[0]!r}? give it with --sep)"
    return DataError(
        f"column {args.column!r} not found in {path}; columns are: {columns}{hint}"
    )


def _cmd_featurize(args):
    import pandas as pd
    from tqdm.auto import tqdm

    path = Path(args.input)
    if path.is_dir():
        raise DataError(f"input {path} is a directory; give a CSV or parquet file")
    if not path.is_file():
        raise DataError(f"input file not found: {path}")
    if args.output != "-":
        _check_output(args.output, "output")
    if args.rejects:
        _check_output(args.rejects, "--rejects file")
    table = _load_table(args.table)
    chunks, n_rows, sep = _input_chunks(path, args)
    writer = _Writer(args.output)
    featurizer = None
    names = None
    n_good = n_bad = 0
    offset = 0  # rows read so far, blank lines included
    rejects = []
    progress = tqdm(
        total=n_rows,
        unit="row",
        desc="featurize",
        disable=args.quiet,
        file=sys.stderr,
    )
    try:
        with progress:
            for chunk in chunks:
                if args.column not in chunk.columns:
                    raise _missing_column(args, path, chunk, sep)
                first_row = offset + 1
                offset += len(chunk)
                items = chunk[args.column].tolist()
                blank = (
                    np.flatnonzero(chunk.isna().all(axis=1).to_numpy())
                    if sep is not None
                    else []
                )
                if featurizer is None:
                    featurizer = _make_featurizer(args.featurizer, table)
                    sample = [item for item in items if isinstance(item, str)][:10]
                    featurizer.fit(sample or ["H"])  # errors="nan": never raises
                    names = list(featurizer.get_feature_names_out())
                features, good, bad = _featurize_chunk(featurizer, items, blank)
                for i, reason in sorted(bad.items()):
                    shown = "" if not isinstance(items[i], str) else f" ({items[i]!r})"
                    tqdm.write(
                        f"leafs: row {first_row + i}{shown}: {reason}", file=sys.stderr
                    )
                    rejects.append((first_row + i, items[i], reason))
                if good:
                    out = chunk.iloc[good].reset_index(drop=True)
                    feats = pd.DataFrame(features, columns=names)
                    writer.write(pd.concat([out, feats], axis=1))
                n_good += len(good)
                n_bad += len(bad)
                progress.update(len(items))
    finally:
        writer.close()
    if args.rejects:
        pd.DataFrame(rejects, columns=["row", args.column, "error"]).to_csv(
            args.rejects, index=False
        )
    if n_good + n_bad == 0:
        raise DataError(f"{path} has no data rows; nothing was written")
    if n_good == 0:
        raise DataError(
            f"none of the {n_bad} rows of {path} could be featurized; "
            "nothing was written"
        )
    if n_bad:
        print(
            f"leafs: {n_bad} of {n_good + n_bad} rows could not be featurized "
            f"(listed above); wrote the other {n_good}",
            file=sys.stderr,
        )
        return 0 if args.errors == "skip" else 1
    return 0


def add_parser(sub):
    """Register the command on the ``leafs`` subparsers."""
    p = sub.add_parser(
        "featurize",
        help="turn a CSV or parquet column of formulas into LEAF features",
        description=(
            "Read INPUT (CSV, or parquet for *.parquet/*.pq) in chunks, featurize "
            "the formulas of one column and write the input columns plus one "
            "column per feature (CSV, or parquet when OUTPUT ends in .parquet/.pq; "
            "parquet needs pyarrow: pip install sklearn-leafs[parquet]). The CSV "
            "separator is guessed from the file's start unless --sep is given; a "
            "byte that cannot be decoded is reported with its line. Rows that "
            "cannot be featurized are reported on stderr as 'row N: reason' (N "
            "counts the lines after the header from 1, blank lines included, so "
            "the CSV line is N + 1; blank lines are passed over) and left out of "
            "the output; the other rows are kept. The exit code is 1 when any row "
            "failed, unless --errors skip. Formulas follow the grammar of the user "
            "guide (hydrates such as CaSO4.0.5H2O, groups, scientific notation)."
        ),
    )
    p.add_argument("input", help="input CSV or parquet file")
    p.add_argument(
        "--column", default="formula", help="formula column (default: formula)"
    )
    _add_table_option(p)
    p.add_argument(
        "--featurizer",
        choices=_FEATURIZERS,
        default="composition",
        help="'composition': fraction-weighted mean of element LEAFs (Eq. 2); "
        "'li-cations': Li LEAF next to the mean of the other cations (Eq. 3)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help="output CSV ('-' for stdout), or parquet if it ends in .parquet/.pq",
    )
    p.add_argument(
        "--sep",
        default=None,
        help="CSV field separator, e.g. ',' ';' 'tab' (default: guessed from the "
        "file's first lines among , ; tab |, else ',')",
    )
    p.add_argument(
        "--encoding",
        default="utf-8",
        help="text encoding of the CSV input, e.g. latin-1, cp1252 (default: "
        "utf-8, with or without a byte-order mark)",
    )
    p.add_argument(
        "--chunksize",
        type=_positive_int,
        default=10_000,
        help="rows per chunk (default: 10000)",
    )
    p.add_argument(
        "--errors",
        choices=("report", "skip"),
        default="report",
        help="'report': exit 1 if any row failed; 'skip': exit 0 anyway. Bad rows "
        "are listed on stderr in both cases (default: report)",
    )
    p.add_argument("--rejects", help="also write the bad rows and reasons to this CSV")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_featurize)

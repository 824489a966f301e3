"""Turn the inputs of the batch API into a list of lightweight work items.

An item names one structure (``id``, ``source``) and carries what is needed to
build it: a pymatgen ``Structure``, a file path, or the ``Structure.as_dict()``
of a JSON-lines corpus record. Structures are built from items inside the
workers, so parsing runs in parallel too.

Files are read by pymatgen's own format detection (``Structure.from_file``,
which opens compressed files with ``monty.io.zopen``): CIF (also ``.cif.gz``),
POSCAR/CONTCAR and ``*.vasp``, pymatgen JSON, CSSR, XSF, ... Every warning
pymatgen gives while reading (implicit hydrogens missing from the sites,
rescaled occupancies, a stoichiometry that disagrees with the CIF's formula)
is kept with the item, and the real cause replaces pymatgen's bare "Invalid
CIF file with no structures!".

CIF files are split into data blocks here, not by pymatgen: a line starting
with ``data_`` inside a ``;``-delimited text field is text, not a new block
(pymatgen's own splitter cuts the block there). Every data block that holds
atom sites is its own structure: a file of several such blocks gives one
item per block, named ``file.cif#block``; a block that cannot be read is
reported by name with its cause, and its neighbours are still used. Blocks
without atom sites (publication or powder-pattern blocks) are no structure
and are listed in the reading notes.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

#: File names that :func:`collect_items` reads as JSON-lines corpora.
CORPUS_SUFFIXES = (".jsonl", ".jsonl.gz")

#: Default ``occupancy_tolerance`` of the CIF reader. A site whose occupancies
#: sum to at most this is rescaled to 1; above it, the file is reported as
#: over-occupied. Occupancies printed with two decimals carry up to 0.005 of
#: rounding each, so four species sharing a site may sum to 1.02 from rounding
#: alone; a larger excess is a real over-occupancy (pymatgen's own default,
#: 1.0, rejects even 1.00001).
DEFAULT_OCCUPANCY_TOLERANCE = 1.02


@dataclass(frozen=True)
class StructureItem:
    """One structure to compute: identity plus payload.

    Attributes
    ----------
    id : str
        Identifier used in site records and skip reports.
    source : str
        Where it came from (file path, corpus source field, ``"Structure"``).
    payload : object
        A ``Structure``, a path string, or a structure dict.
    kind : {"structure", "file", "dict", "unrecognized"}
        How to turn the payload into a ``Structure``; ``"unrecognized"`` is a
        file of a folder that pymatgen does not recognise by its name (reading
        it raises, so it is reported rather than silently ignored).
    block : int or None, default=None
        For a CIF of several structures: the position (from 0) of the data
        block to read among all the file's data blocks (see
        :func:`cif_blocks`). None reads the file's only structure.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import StructureItem
    >>> s = Structure(Lattice.cubic(3.35), ["Po"], [[0, 0, 0]])
    >>> item = StructureItem("po", "dict", s.as_dict(), "dict")
    >>> item.load().composition.reduced_formula
    'Po'
    """

    id: str
    source: str
    payload: object
    kind: str
    block: int | None = None

    def read(self, *, occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE):
        """Build the ``Structure`` and return it with pymatgen's warnings.

        Parameters
        ----------
        occupancy_tolerance : float, default=1.02
            For CIF files: sites whose occupancies sum to at most this are
            rescaled to 1 (see ``DEFAULT_OCCUPANCY_TOLERANCE``).

        Returns
        -------
        structure : Structure
        notes : list of str
            The distinct warnings pymatgen gave while reading, in order.

        Raises
        ------
        ValueError
            When the payload cannot be read, with the cause (pymatgen's
            warnings included).
        """
        from pymatgen.core import Structure

        if self.kind == "structure":
            return self.payload, []
        if self.kind == "dict":
            return Structure.from_dict(self.payload), []
        if self.kind == "unrecognized":
            raise ValueError(_unrecognized_reason(self.payload))
        return read_structure_file(
            self.payload, occupancy_tolerance=occupancy_tolerance, block=self.block
        )

    def load(self, *, occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE):
        """Build the pymatgen ``Structure`` of this item.

        pymatgen's reading warnings are re-emitted as ``UserWarning``.
        """
        structure, notes = self.read(occupancy_tolerance=occupancy_tolerance)
        for note in notes:
            warnings.warn(f"{self.source}: {note}", UserWarning, stacklevel=2)
        return structure


def _unrecognized_reason(path):
    return (
        f"not a structure file: pymatgen recognises no format in the name "
        f"{os.path.basename(str(path))!r} (CIF *.cif[.gz], POSCAR/CONTCAR, *.vasp, "
        "pymatgen *.json, *.cssr, *.xsf, ...; JSON-lines corpora *.jsonl[.gz])"
    )


def structure_format(path):
    """Name of pymatgen's reader for a file name, or None if it has none.

    Examples
    --------
    >>> from sklearn_leafs.environments._readers import structure_format
    >>> structure_format("LiCoO2.cif.gz"), structure_format("POSCAR_1")
    ('cif', 'poscar')
    >>> structure_format("notes.txt") is None
    True
    """
    from pymatgen.io.registry import get_structure_format

    try:
        return get_structure_format(filename=os.path.basename(str(path))).name
    except ValueError:
        return None


def _note(message):
    """One line per pymatgen warning (its text, whitespace collapsed)."""
    return " ".join(str(message).split())


def read_structure_file(
    path, *, occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE, block=None
):
    """Read one structure file with pymatgen, keeping its warnings.

    Parameters
    ----------
    path : str or path-like
        Any file ``Structure.from_file`` reads, compressed or not.
    occupancy_tolerance : float, default=1.02
        Passed to pymatgen's ``CifParser`` for CIF files: a site whose
        occupancies sum to at most this is rescaled to 1; a larger sum makes
        the file unreadable, reported with the offending sums.
    block : int or None, default=None
        CIF files only: position (from 0) of the data block to read, among
        all data blocks of the file (:func:`cif_blocks`). None reads the
        file's only block with atom sites.

    Returns
    -------
    structure : Structure
        The structure of the file (of the block, for a CIF).
    notes : list of str
        Distinct pymatgen warnings, e.g. "Missing elements H from PMG
        structure composition" when a CIF's formula has hydrogens its sites
        leave out, and notes of the CIF splitter (data blocks without atom
        sites, ``data_`` lines read as text of a text field).

    Raises
    ------
    ValueError
        With the cause: an unrecognised file name; a CIF of several
        structures read without ``block`` (:func:`compute_site_records
        <sklearn_leafs.environments.compute_site_records>` reads each block
        as its own structure); or pymatgen's error with the warnings that
        explain it (the occupancy sums of an over-occupied CIF, the CIF item
        a block lacks, instead of "Invalid CIF file with no structures!"),
        naming the data block.

    Examples
    --------
    >>> import os, tempfile
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._readers import read_structure_file
    >>> path = os.path.join(tempfile.mkdtemp(), "Po.json")
    >>> _ = Structure(Lattice.cubic(3.35), ["Po"], [[0, 0, 0]]).to(filename=path)
    >>> structure, notes = read_structure_file(path)
    >>> structure.composition.reduced_formula, notes
    ('Po', [])
    """
    path = str(path)
    fmt = structure_format(path)
    if fmt is None:
        raise ValueError(_unrecognized_reason(path))
    if fmt == "cif" and not occupancy_tolerance >= 1:
        raise ValueError(
            f"occupancy_tolerance must be at least 1, got {occupancy_tolerance!r}"
        )
    if fmt != "cif" and block is not None:
        raise ValueError(f"block={block!r} is for CIF files; {path} is {fmt}")
    extra, context, chosen = [], "", None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if fmt == "cif":
                chosen, extra = _cif_block(path, block)
                context = chosen.context
                structure = _read_cif_block(chosen, occupancy_tolerance)
            else:
                structure = _read_other(path)
            error = None
        except _NoStructure as exc:  # our own message, complete
            raise ValueError(str(exc)) from None
        except Exception as exc:  # re-raised below with the warnings' text
            error = exc
    notes = list(dict.fromkeys(_note(w.message) for w in caught))
    notes = [n for n in notes if n and "deprecat" not in n.lower()]
    if error is not None:
        if (
            fmt == "cif"
            and not chosen.has_sites
            and not isinstance(error, _MalformedCif)
        ):
            raise ValueError(_no_sites_reason([chosen]))
        reason = _failure_reason(error, notes, fmt, occupancy_tolerance)
        raise ValueError(f"{context}{reason}")
    return structure, notes + extra


def _read_other(path):
    from pymatgen.core import Structure

    return Structure.from_file(path)


class _NoStructure(Exception):
    """A file or block that holds no structure; the message says why."""


@dataclass(frozen=True)
class CifBlock:
    """One data block of a CIF, as :func:`cif_blocks` splits the file.

    Attributes
    ----------
    name : str
        The block's name (the text after ``data_``).
    line : int
        Line of the file (from 1) where the block starts.
    text : str
        The block's text, ready for pymatgen: lines starting with ``data_``
        inside its text fields are masked so that pymatgen does not split
        there (the mask is a zero-width character that pymatgen's tokenizer
        drops, so the text field's content is unchanged).
    has_sites : bool
        Whether the block has atom-site coordinates
        (``_atom_site_fract_x`` or ``_atom_site_Cartn_x``), i.e. is a
        structure rather than a publication or powder-pattern block.
    masked_lines : tuple of int
        Lines of the file that start with ``data_`` inside a text field.
    open_field : int or None
        Line where a ``;`` text field opens that is never closed (its text
        runs to the end of the file), else None.
    context : str
        Prefix of messages about this block: ``"data block 'name': "`` in a
        file of several blocks, else empty.
    """

    name: str
    line: int
    text: str
    has_sites: bool
    masked_lines: tuple = ()
    open_field: int | None = None
    context: str = ""


_DATA_LINE = re.compile(r"^(\s*)data_(\S*)", re.IGNORECASE)
_SITE_TAG = re.compile(r"^\s*_atom_site[._](?:fract|cartn)_x(?:\s|$)", re.IGNORECASE)
#: Inserted before ``data_`` on lines of a text field; not whitespace, so
#: pymatgen's ``^\s*data_`` split does not match, and non-ASCII, so its
#: tokenizer (which drops non-ASCII characters) restores the original text.
_MASK = "\u200b"


def cif_blocks(text):
    """Split the text of a CIF into its data blocks.

    A block starts at a line whose first word begins with ``data_`` (any
    case), outside ``;``-delimited text fields: a text field opens at a line
    whose first character is ``;`` and closes at the next such line, and a
    ``data_`` line inside it is text (pymatgen's own splitter, a regular
    expression over the whole file, cuts the block there).

    Parameters
    ----------
    text : str
        The CIF's text.

    Returns
    -------
    list of CifBlock
        In file order. Text before the first ``data_`` line (comments) is
        not part of any block.

    Examples
    --------
    >>> from sklearn_leafs.environments._readers import cif_blocks
    >>> text = "data_a\\n_x\\n;\\ndata_collection at 100 K\\n;\\ndata_b\\n_y 1\\n"
    >>> [(b.name, b.line, b.masked_lines) for b in cif_blocks(text)]
    [('a', 1, (4,)), ('b', 6, ())]
    """
    starts = []  # (line index, name)
    masked = {}  # line index -> masked line
    site_lines = []
    field_open = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if field_open is not None:
            if line.startswith(";"):
                field_open = None
            elif (match := _DATA_LINE.match(line)) is not None:
                masked[index] = f"{match.group(1)}{_MASK}{line[match.end(1) :]}"
            continue
        if line.startswith(";"):
            field_open = index
        elif (match := _DATA_LINE.match(line)) is not None:
            starts.append((index, match.group(2)))
        elif _SITE_TAG.match(line):
            site_lines.append(index)
    blocks = []
    bounds = [i for i, _ in starts] + [len(lines)]
    for (first, name), end in zip(starts, bounds[1:]):
        body = [masked.get(i, lines[i]) for i in range(first + 1, end)]
        header = f"data_{name}"
        blocks.append(
            CifBlock(
                name=name,
                line=first + 1,
                text="\n".join([header, *body]) + "\n",
                has_sites=any(first < i < end for i in site_lines),
                masked_lines=tuple(i + 1 for i in sorted(masked) if first < i < end),
                open_field=(
                    field_open + 1
                    if field_open is not None and first < field_open < end
                    else None
                ),
                context=f"data block {name!r}: " if len(starts) > 1 else "",
            )
        )
    return blocks


def _cif_text(path):
    from monty.io import zopen

    # as pymatgen's CifParser reads a file
    with zopen(path, mode="rt", encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _cif_block(path, block):
    """The data block to read and notes on the others."""
    blocks = cif_blocks(_cif_text(path))
    structural = [b for b in blocks if b.has_sites]
    if block is not None:
        if not 0 <= block < len(blocks):
            raise _NoStructure(
                f"the CIF has {len(blocks)} data block(s); there is no block {block}"
            )
        chosen = blocks[block]
    elif len(structural) == 1:
        chosen = structural[0]
    elif structural:
        names = ", ".join(repr(b.name) for b in structural)
        raise _NoStructure(
            f"the CIF holds {len(structural)} structures (data blocks {names}); "
            "read one with block=, or give the file to compute_site_records, "
            "which reads each block as its own structure"
        )
    elif len(blocks) == 1:  # pymatgen may know more (a truncated text)
        chosen = blocks[0]
    else:
        raise _NoStructure(_no_sites_reason(blocks))
    notes = [
        f"data block {b.name!r} (line {b.line}) holds no atom sites; not a structure"
        for b in blocks
        if not b.has_sites
    ]
    notes += [
        f"line {line}: 'data_' inside a text field of block {chosen.name!r} is "
        "read as text, not as a new data block"
        for line in chosen.masked_lines
    ]
    return chosen, notes


def _no_sites_reason(blocks):
    if not blocks:
        return (
            "no structure in the CIF: it has no data block (no line starting 'data_')"
        )
    names = ", ".join(repr(b.name) for b in blocks)
    reason = (
        f"no structure in the CIF: no data block has atom sites "
        f"(_atom_site_fract_x); blocks: {names}"
    )
    opened = [b.open_field for b in blocks if b.open_field is not None]
    if opened:
        reason += (
            f"; the ';' text field opened at line {opened[0]} is never closed, "
            "so the rest of the file is read as its text"
        )
    return reason


def _read_cif_block(chosen, occupancy_tolerance):
    from pymatgen.io.cif import CifParser

    try:
        parser = CifParser.from_str(
            chosen.text, occupancy_tolerance=float(occupancy_tolerance)
        )
    except Exception as exc:  # the CIF text itself, before any structure
        raise _MalformedCif(exc) from exc
    try:
        (structure,) = parser.parse_structures(primitive=False)
    except Exception as exc:
        missing = _missing_cell_items(chosen.text)
        if missing:  # pymatgen says "cannot reshape array of size 1 ..."
            raise _MissingItem(missing) from exc
        raise
    return structure


_CELL_ITEMS = tuple(f"_cell_length_{x}" for x in "abc") + tuple(
    f"_cell_angle_{x}" for x in ("alpha", "beta", "gamma")
)


def _missing_cell_items(text):
    """The cell parameters that no line of a block's text defines."""
    tags = {
        line.split()[0].lower().replace(".", "_")
        for line in text.splitlines()
        if line.lstrip().startswith("_") and line.split()
    }
    return [item for item in _CELL_ITEMS if item not in tags]


class _MissingItem(Exception):
    """A CIF block lacks items pymatgen needs."""

    def __init__(self, items):
        super().__init__(
            f"the block lacks the CIF item{'s' if len(items) > 1 else ''} "
            + ", ".join(items)
        )


class _MalformedCif(Exception):
    """pymatgen could not tokenise the CIF text (truncated or malformed)."""

    def __init__(self, cause):
        super().__init__(f"{type(cause).__name__}: {cause}")


def _failure_reason(error, notes, fmt, occupancy_tolerance):
    if isinstance(error, _MalformedCif):
        return (
            "malformed or truncated CIF: its text could not be read into data "
            f"blocks (pymatgen's CIF reader: {error})"
        )
    if isinstance(error, _MissingItem):
        return f"no structure: {error}"
    text = _note(error) or type(error).__name__
    causes = [n for n in notes if not n.startswith("No structure parsed for section")]
    if fmt == "cif" and "no structures" in text.lower():
        over = [n for n in causes if "sum to > 1" in n]
        if over:
            # "Some occupancies ([1.004, 1.1]) sum to > 1! ..." -> the sums
            sums = sorted(
                {
                    float(x)
                    for n in over
                    for x in re.findall(r"\d+\.\d+(?:e-?\d+)?", n.split("sum to")[0])
                }
            )
            shown = ", ".join(f"{x:.6g}" for x in sums)
            return (
                f"over-occupied site(s): occupancies sum to {shown}; the largest, "
                f"{sums[-1]:.6g}, is above occupancy_tolerance="
                f"{occupancy_tolerance:g} (pymatgen: {over[0]})"
            )
        if causes:
            return f"no structure in the CIF (pymatgen: {' | '.join(causes)})"
        return "no structure in the CIF (pymatgen gave no reason)"
    if causes:
        return f"{type(error).__name__}: {text} (pymatgen: {' | '.join(causes)})"
    return f"{type(error).__name__}: {text}"


def is_structure_file(path):
    """Whether pymatgen recognises a file name as a structure file.

    Examples
    --------
    >>> from sklearn_leafs.environments._readers import is_structure_file
    >>> is_structure_file("LiCoO2.cif"), is_structure_file("POSCAR_1")
    (True, True)
    >>> is_structure_file("LiCoO2.cif.gz"), is_structure_file("README.md")
    (True, False)
    """
    return structure_format(path) is not None


def _is_corpus(path):
    return str(path).lower().endswith(CORPUS_SUFFIXES)


def iter_corpus(path):
    """Yield the records of a JSON-lines(.gz) structure corpus as items.

    Each line is a JSON object with a ``structure`` field
    (``Structure.as_dict()``) and optionally ``id`` and ``source``.

    Parameters
    ----------
    path : str or path-like
        A ``.jsonl`` or ``.jsonl.gz`` file.

    Yields
    ------
    StructureItem

    Examples
    --------
    >>> import json, tempfile, os
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._readers import iter_corpus
    >>> s = Structure(Lattice.cubic(3), ["Po"], [[0, 0, 0]])
    >>> path = os.path.join(tempfile.mkdtemp(), "c.jsonl")
    >>> with open(path, "w") as f:
    ...     _ = f.write(json.dumps({"id": "po", "structure": s.as_dict()}) + "\\n")
    >>> [item.id for item in iter_corpus(path)]
    ['po']
    """
    path = str(path)
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                structure = record["structure"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}, line {line_number}: not a corpus record with a "
                    f"'structure' field ({exc})"
                ) from None
            yield StructureItem(
                id=str(record.get("id", f"{os.path.basename(path)}:{line_number}")),
                source=str(record.get("source", path)),
                payload=structure,
                kind="dict",
            )


def _file_items(file):
    """The items of one file: one per structure of a CIF of several."""
    fmt = structure_format(file)
    if fmt is None:
        return [StructureItem(file.name, str(file), str(file), "unrecognized")]
    if fmt == "cif":
        try:
            blocks = cif_blocks(_cif_text(str(file)))
        except Exception:  # unreadable: reading the item reports the cause
            blocks = []
        structural = [(i, b) for i, b in enumerate(blocks) if b.has_sites]
        if len(structural) > 1:
            names = [b.name for _, b in structural]
            return [
                StructureItem(
                    f"{file.name}#{b.name}"
                    + (f"@{b.line}" if names.count(b.name) > 1 else ""),
                    str(file),
                    str(file),
                    "file",
                    block=i,
                )
                for i, b in structural
            ]
    return [StructureItem(file.name, str(file), str(file), "file")]


def _path_items(path):
    path = Path(path)
    if path.is_dir():
        # every file is an item: unrecognised ones are reported, not ignored
        files = sorted(p for p in path.iterdir() if p.is_file())
        items = []
        for file in files:
            if _is_corpus(file):
                items.extend(iter_corpus(file))
            else:
                items.extend(_file_items(file))
        return items
    if not path.exists():
        raise ValueError(f"input path {str(path)!r} does not exist")
    if _is_corpus(path):
        return list(iter_corpus(path))
    return _file_items(path)


def _renamed(item, key):
    """An item of a mapping's path: the key, then the block for a CIF's block."""
    ident = key if item.block is None else f"{key}#{item.id.split('#', 1)[1]}"
    return StructureItem(ident, item.source, item.payload, item.kind, item.block)


def collect_items(inputs):
    """Expand batch inputs into a flat list of :class:`StructureItem`.

    Parameters
    ----------
    inputs : Structure, str, path-like, mapping or iterable of these
        pymatgen ``Structure`` objects; paths to structure files (CIF, POSCAR,
        anything ``Structure.from_file`` reads, compressed too); directories
        (every file, sorted by name, not recursive: ``.jsonl(.gz)`` corpora
        are expanded, files pymatgen does not recognise become
        ``"unrecognized"`` items that are reported as skipped); JSON-lines(.gz)
        corpora; or a mapping ``{id: Structure or path}``. A CIF with several
        data blocks of atom sites gives one item per block, with the id
        ``file.cif#block`` (``file.cif#block@line`` where two blocks share a
        name; ``id#block`` for a mapping's key).

    Returns
    -------
    list of StructureItem
        In input order.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._readers import collect_items
    >>> s = Structure(Lattice.cubic(3), ["Po"], [[0, 0, 0]])
    >>> [(item.id, item.kind) for item in collect_items([s, s])]
    [('0', 'structure'), ('1', 'structure')]
    >>> [item.id for item in collect_items({"polonium": s})]
    ['polonium']
    """
    from pymatgen.core import IStructure, Structure

    if isinstance(inputs, (Structure, IStructure, str, os.PathLike)):
        inputs = [inputs]
    if isinstance(inputs, dict):
        pairs = [(str(key), value) for key, value in inputs.items()]
    else:
        pairs = [(None, value) for value in inputs]
    items = []
    for position, (key, value) in enumerate(pairs):
        if isinstance(value, (Structure, IStructure)):
            ident = key if key is not None else str(position)
            items.append(StructureItem(ident, "Structure", value, "structure"))
        elif isinstance(value, (str, os.PathLike)):
            expanded = _path_items(value)
            if key is not None and len(expanded) == 1:
                item = expanded[0]
                expanded = [
                    StructureItem(
                        key, item.source, item.payload, item.kind, block=item.block
                    )
                ]
            elif key is not None:
                expanded = [_renamed(item, key) for item in expanded]
            items.extend(expanded)
        else:
            raise ValueError(
                f"input {position} is a {type(value).__name__}; expected a "
                "pymatgen Structure or a path to a structure file, directory or "
                "JSON-lines corpus"
            )
    return items

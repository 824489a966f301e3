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
            self.payload, occupancy_tolerance=occupancy_tolerance
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


def read_structure_file(path, *, occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE):
    """Read one structure file with pymatgen, keeping its warnings.

    Parameters
    ----------
    path : str or path-like
        Any file ``Structure.from_file`` reads, compressed or not.
    occupancy_tolerance : float, default=1.02
        Passed to pymatgen's ``CifParser`` for CIF files: a site whose
        occupancies sum to at most this is rescaled to 1; a larger sum makes
        the file unreadable, reported with the offending sums.

    Returns
    -------
    structure : Structure
        The first structure of the file.
    notes : list of str
        Distinct pymatgen warnings, e.g. "Missing elements H from PMG
        structure composition" when a CIF's formula has hydrogens its sites
        leave out.

    Raises
    ------
    ValueError
        With the cause: an unrecognised file name, or pymatgen's error with
        the warnings that explain it (the occupancy sums of an over-occupied
        CIF instead of "Invalid CIF file with no structures!").

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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            structure, extra = _read(path, fmt, occupancy_tolerance)
            error = None
        except Exception as exc:  # re-raised below with the warnings' text
            error = exc
    notes = list(dict.fromkeys(_note(w.message) for w in caught))
    notes = [n for n in notes if n and "deprecat" not in n.lower()]
    if error is not None:
        raise ValueError(_failure_reason(error, notes, fmt, occupancy_tolerance))
    return structure, notes + extra


def _read(path, fmt, occupancy_tolerance):
    """The structure of a file, and notes of our own."""
    from pymatgen.core import Structure
    from pymatgen.io.cif import CifParser

    if fmt != "cif":
        return Structure.from_file(path), []
    # what Structure.from_file does for a CIF, keeping the count of blocks
    try:
        parser = CifParser(path, occupancy_tolerance=float(occupancy_tolerance))
    except Exception as exc:  # the CIF text itself, before any structure
        raise _MalformedCif(exc) from exc
    structures = parser.parse_structures(primitive=False)
    extra = []
    if len(structures) > 1:
        extra.append(f"the CIF holds {len(structures)} structures; the first is used")
    return structures[0], extra


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


def _file_item(file):
    kind = "file" if is_structure_file(file) else "unrecognized"
    return StructureItem(file.name, str(file), str(file), kind)


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
                items.append(_file_item(file))
        return items
    if not path.exists():
        raise ValueError(f"input path {str(path)!r} does not exist")
    if _is_corpus(path):
        return list(iter_corpus(path))
    return [_file_item(path)]


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
        corpora; or a mapping ``{id: Structure or path}``.

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
                expanded = [StructureItem(key, item.source, item.payload, item.kind)]
            items.extend(expanded)
        else:
            raise ValueError(
                f"input {position} is a {type(value).__name__}; expected a "
                "pymatgen Structure or a path to a structure file, directory or "
                "JSON-lines corpus"
            )
    return items

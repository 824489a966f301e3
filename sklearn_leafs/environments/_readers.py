"""Turn the inputs of the batch API into a list of lightweight work items.

An item names one structure (``id``, ``source``) and carries what is needed to
build it: a pymatgen ``Structure``, a file path, or the ``Structure.as_dict()``
of a JSON-lines corpus record. Structures are built from items inside the
workers, so parsing runs in parallel too.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

#: File names that :func:`collect_items` picks up from a directory.
STRUCTURE_SUFFIXES = (".cif", ".mcif", ".vasp", ".poscar", ".cssr", ".xsf")
STRUCTURE_PREFIXES = ("POSCAR", "CONTCAR")
CORPUS_SUFFIXES = (".jsonl", ".jsonl.gz")


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
    kind : {"structure", "file", "dict"}
        How to turn the payload into a ``Structure``.

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

    def load(self):
        """Build the pymatgen ``Structure`` of this item."""
        from pymatgen.core import Structure

        if self.kind == "structure":
            return self.payload
        if self.kind == "dict":
            return Structure.from_dict(self.payload)
        return _read_file(self.payload)


def _read_file(path):
    import warnings

    from pymatgen.core import Structure

    with warnings.catch_warnings():
        # CIF parsing warns about rounded occupancies and the like; the
        # structure that comes out is what counts, and failures raise.
        warnings.simplefilter("ignore")
        return Structure.from_file(path)


def is_structure_file(path):
    """Whether a file name looks like a structure file the readers accept.

    Examples
    --------
    >>> from sklearn_leafs.environments._readers import is_structure_file
    >>> is_structure_file("LiCoO2.cif"), is_structure_file("POSCAR_1")
    (True, True)
    """
    name = os.path.basename(str(path))
    return name.lower().endswith(STRUCTURE_SUFFIXES) or name.startswith(
        STRUCTURE_PREFIXES
    )


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


def _path_items(path):
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        items = []
        for file in files:
            if _is_corpus(file):
                items.extend(iter_corpus(file))
            elif is_structure_file(file):
                items.append(StructureItem(file.name, str(file), str(file), "file"))
        return items
    if not path.exists():
        raise ValueError(f"input path {str(path)!r} does not exist")
    if _is_corpus(path):
        return list(iter_corpus(path))
    return [StructureItem(path.name, str(path), str(path), "file")]


def collect_items(inputs):
    """Expand batch inputs into a flat list of :class:`StructureItem`.

    Parameters
    ----------
    inputs : Structure, str, path-like, mapping or iterable of these
        pymatgen ``Structure`` objects; paths to structure files (CIF, POSCAR,
        anything ``Structure.from_file`` reads); directories (their structure
        files and ``.jsonl(.gz)`` corpora, sorted by name, not recursive);
        JSON-lines(.gz) corpora; or a mapping ``{id: Structure or path}``.

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

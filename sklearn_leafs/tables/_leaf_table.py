"""LeafTable: an element x feature table with its provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .._citations import cite
from ..chemistry._elements import atomic_number, is_element
from ..chemistry._motifs import MOTIF_LABELS
from ..chemistry._species import format_species, is_species, parse_species

__all__ = ["LeafTable", "as_table", "row_element"]


def row_element(label):
    """Element symbol of a table row label (an element or a species string).

    Examples
    --------
    >>> row_element("Ti4+"), row_element("Ti"), row_element("K0+")
    ('Ti', 'Ti', 'K')
    """
    return label if is_element(label) else parse_species(label)[0]


def _row_key(label):
    if is_element(label):
        return (atomic_number(label), -1000)
    element, charge = parse_species(label)
    return (atomic_number(element), charge)


def _canonical_row(label):
    label = str(label).strip()
    if is_species(label):
        return format_species(parse_species(label))
    return label


@cite
class LeafTable:
    """Element x feature table (LEAFs or any other element embedding).

    Rows are elements ordered by atomic number; columns are named features,
    for LEAFs the 37 motif labels of :data:`sklearn_leafs.MOTIF_LABELS`.
    Rows may also be species, named as pymatgen prints them (``"Ti4+"``,
    ``"O2-"``, ``"K+"``, metallic ``"K0+"``): a species table, ordered by
    atomic number then charge (an element row, if any, before its species).
    Every function that takes a table accepts one; ``elements`` then lists
    the row labels, and :meth:`index_of` looks up species strings.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows indexed by element symbol or species string, one numeric column
        per feature.
    counts : mapping or pandas.Series, default=None
        Number of sites (or structures) behind each element's row.
    provenance : dict, default=None
        Free-form description of where the table comes from (source, number of
        structures and sites, skipped items, script revision...).

    Attributes
    ----------
    frame : pandas.DataFrame
        The table, elements by atomic number x features (a copy).
    elements : list of str
    feature_names : list of str
    values : ndarray of shape (n_elements, n_features)
    counts : pandas.Series or None
    provenance : dict

    References
    ----------
    .. [1] {cite:vasylenko2024}.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_leafs import LeafTable
    >>> table = LeafTable.from_frame(
    ...     pd.DataFrame({"f0": [1.0, 0.0], "f1": [0.5, 0.25]}, index=["O", "Mg"])
    ... )
    >>> table.elements
    ['O', 'Mg']
    >>> table.lookup(["Mg"])
    array([[0.  , 0.25]])
    """

    def __init__(self, frame, counts=None, provenance=None):
        frame = pd.DataFrame(frame).copy()
        frame.index = [_canonical_row(i) for i in frame.index]
        bad = [el for el in frame.index if not (is_element(el) or is_species(el))]
        if bad:
            raise ValueError(
                "table rows must be element symbols or species strings such as "
                f"'Ti4+'; not elements: {bad}"
            )
        dup = frame.index[frame.index.duplicated()].unique().tolist()
        if dup:
            raise ValueError(f"table has duplicated element rows: {dup}")
        frame.columns = [str(c) for c in frame.columns]
        try:
            frame = frame.astype(float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"table values must be numeric: {exc}") from None
        order = sorted(frame.index, key=_row_key)
        frame = frame.loc[order]
        frame.index.name = "element"
        self._frame = frame
        self._values = np.ascontiguousarray(frame.to_numpy(dtype=float))
        self._values.setflags(write=False)
        self._row = {el: i for i, el in enumerate(order)}
        if counts is not None:
            counts = pd.Series(counts, dtype=float).reindex(order)
            counts.name = "count"
        self.counts = counts
        self.provenance = dict(provenance or {})

    # -- access -----------------------------------------------------------
    @property
    def frame(self):
        return self._frame.copy()

    @property
    def values(self):
        return self._values

    @property
    def elements(self):
        return list(self._frame.index)

    @property
    def has_species(self):
        """True when some rows are species rather than elements."""
        return any(not is_element(label) for label in self._row)

    @property
    def feature_names(self):
        return list(self._frame.columns)

    @property
    def n_features(self):
        return self._values.shape[1]

    def __len__(self):
        return len(self._row)

    def __contains__(self, element):
        return element in self._row

    def __repr__(self):
        source = self.provenance.get("source", "unknown source")
        return (
            f"LeafTable({len(self)} elements x {self.n_features} features, "
            f"source={source!r})"
        )

    def __eq__(self, other):
        return isinstance(other, LeafTable) and self._frame.equals(other._frame)

    __hash__ = None

    def __deepcopy__(self, memo):
        # The values are read-only and every accessor returns copies, so a
        # table is shared, not copied, when estimators holding it are cloned.
        return self

    def index_of(self, elements):
        """Row indices of ``elements``; raises ``ValueError`` naming missing ones."""
        missing = [el for el in elements if el not in self._row]
        if missing:
            raise ValueError(
                f"element(s) {', '.join(map(str, missing))} not in the table "
                f"({len(self)} elements, source={self.provenance.get('source')!r})"
            )
        return np.array([self._row[el] for el in elements], dtype=np.intp)

    def lookup(self, elements):
        """Rows of ``elements`` as an array of shape (len(elements), n_features).

        Raises
        ------
        ValueError
            Naming every element that the table lacks.
        """
        if isinstance(elements, str):
            elements = [elements]
        return self._values[self.index_of(list(elements))]

    def subset(self, elements):
        """A new table restricted to ``elements`` (provenance kept)."""
        idx = self.index_of(list(elements))
        counts = None if self.counts is None else self.counts.iloc[idx]
        return LeafTable(self._frame.iloc[idx], counts, self.provenance)

    # -- identity and species rows ---------------------------------------
    @staticmethod
    def canonical_label(label):
        """A row label as the table stores it (``"Ti4+"``, ``"K0+"``, ``"O"``).

        Examples
        --------
        >>> LeafTable.canonical_label(" K1+ "), LeafTable.canonical_label("O")
        ('K+', 'O')
        """
        return _canonical_row(label)

    @property
    def fingerprint(self):
        """SHA-256 of the table's content: its row labels and values.

        Two tables with the same rows and values have the same fingerprint
        whatever their name, provenance, feature names or site counts; stored
        calibrations use it to tell which table they were fitted with.

        Examples
        --------
        >>> import pandas as pd
        >>> a = LeafTable.from_frame(pd.DataFrame({"f": [1.0]}, index=["Fe"]))
        >>> b = LeafTable.from_frame(pd.DataFrame({"g": [1.0]}, index=["Fe"]))
        >>> a.fingerprint == b.fingerprint, len(a.fingerprint)
        (True, 64)
        """
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            digest = hashlib.sha256()
            digest.update("\n".join(self._frame.index).encode())
            digest.update(np.ascontiguousarray(self._values, dtype="<f8").tobytes())
            cached = self._fingerprint = digest.hexdigest()
        return cached

    def element_row(self, element):
        """An element's vector, or None when the table has no row for it.

        Its own row on an element table; on a species table without an
        element row, the site-weighted mean of the element's species rows
        (the element's LEAFs; unweighted without counts).

        Examples
        --------
        >>> import pandas as pd
        >>> t = LeafTable.from_frame(
        ...     pd.DataFrame({"f": [1.0, 3.0]}, index=["Fe2+", "Fe3+"]),
        ...     counts={"Fe2+": 1, "Fe3+": 3},
        ... )
        >>> t.element_row("Fe").tolist(), t.element_row("Mg")
        ([2.5], None)
        """
        if element in self._row:
            return self._values[self._row[element]]
        labels = [
            label
            for label in self._row
            if not is_element(label) and row_element(label) == element
        ]
        if not labels:
            return None
        rows = self._values[self.index_of(labels)]
        if self.counts is None:
            return rows.mean(axis=0)
        weights = self.counts.loc[labels].fillna(0).to_numpy(dtype=float)
        if weights.sum() <= 0:
            return rows.mean(axis=0)
        return weights @ rows / weights.sum()

    def well_sampled(self, min_sites):
        """Which rows stand for themselves: element rows, and species rows
        with at least ``min_sites`` weighted sites (every row of a table
        without counts or without species).

        Returns
        -------
        mask : ndarray of bool of shape (len(table),)
        """
        if self.counts is None or not self.has_species:
            return np.ones(len(self), dtype=bool)
        counts = self.counts.reindex(self.elements).fillna(0).to_numpy(dtype=float)
        return np.array(
            [is_element(label) or c >= min_sites for label, c in zip(self._row, counts)]
        )

    def species_rows(self, labels, min_sites):
        """Vectors for ``labels``, a species falling back to its element's row.

        A label that is a row with enough sites (see :meth:`well_sampled`)
        keeps its row; a species row with fewer than ``min_sites`` weighted
        sites, or a label the table lacks, takes :meth:`element_row` of its
        element.

        Parameters
        ----------
        labels : list of str
            Element symbols or species strings (canonical, see
            :meth:`canonical_label`).
        min_sites : float
            Site threshold of species rows.

        Returns
        -------
        rows : ndarray of shape (len(labels), n_features)
        notes : list of str
            One note per label that fell back, saying why (empty when none
            did, or when an element table is asked for its own elements).

        Raises
        ------
        ValueError
            For a label that is neither an element nor a species, or whose
            element the table lacks altogether.

        Examples
        --------
        >>> import pandas as pd
        >>> t = LeafTable.from_frame(
        ...     pd.DataFrame({"f": [1.0, 3.0]}, index=["Fe2+", "Fe3+"]),
        ...     counts={"Fe2+": 30, "Fe3+": 5},
        ... )
        >>> rows, notes = t.species_rows(["Fe2+", "Fe3+", "Fe4+"], min_sites=20)
        >>> rows.ravel().round(4).tolist(), notes
        ([1.0, 1.2857, 1.2857], ['Fe3+ has 5 sites (< 20)', 'Fe4+ is not a row of the table'])
        """
        usable = self.well_sampled(min_sites)
        rows, notes = np.empty((len(labels), self.n_features)), []
        for i, label in enumerate(labels):
            if not (is_element(label) or is_species(label)):
                raise ValueError(f"{label!r} is neither an element nor a species")
            position = self._row.get(label)
            if position is not None and usable[position]:
                rows[i] = self._values[position]
                continue
            element = row_element(label)
            row = self.element_row(element)
            if row is None:
                raise ValueError(
                    f"{label!r}: neither it nor element {element!r} is in the table "
                    f"({len(self)} rows, source={self.provenance.get('source')!r})"
                )
            rows[i] = row
            if position is not None:
                count = float(self.counts.get(label, 0))
                notes.append(f"{label} has {count:g} sites (< {min_sites})")
            elif not is_element(label) or self.has_species:
                notes.append(f"{label} is not a row of the table")
        return rows, notes

    # -- construction -----------------------------------------------------
    @classmethod
    def from_frame(cls, frame, counts=None, provenance=None):
        """Build a table from a DataFrame indexed by element symbol."""
        return cls(frame, counts=counts, provenance=provenance)

    @classmethod
    def from_csv(cls, path):
        """Read a table from CSV.

        Accepts this package's layout (an ``element`` column, then features;
        provenance and counts in a ``<path>.json`` sidecar when present), and
        the published LEAF layouts: ``leaf.csv`` (element rows, columns
        ``0..36`` which are renamed to the motif labels) and ``leaf+_dic.csv``
        (elements as columns).
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no table file at {path}")
        raw = pd.read_csv(path, index_col=0, float_precision="round_trip")
        index = [str(i).strip() for i in raw.index]
        columns = [str(c).strip() for c in raw.columns]
        if (
            columns
            and all(is_element(c) for c in columns)
            and not all(is_element(i) for i in index)
        ):
            raw = raw.T
            raw.index = columns
            columns = [str(c) for c in raw.columns]
        if columns == [str(i) for i in range(len(MOTIF_LABELS))]:
            raw.columns = list(MOTIF_LABELS)
        counts, provenance = None, {"source": str(path)}
        sidecar = path.with_suffix(path.suffix + ".json")
        if sidecar.is_file():
            meta = json.loads(sidecar.read_text())
            counts = meta.pop("counts", None)
            provenance = meta.get("provenance", meta)
        return cls(raw, counts=counts, provenance=provenance)

    def to_csv(self, path):
        """Write the table to CSV, with counts and provenance in a JSON sidecar.

        Returns the path of the CSV. ``LeafTable.from_csv`` reads both back.
        """
        path = Path(path)
        self._frame.to_csv(path)
        meta = {"provenance": self.provenance}
        if self.counts is not None:
            meta["counts"] = {k: float(v) for k, v in self.counts.dropna().items()}
        path.with_suffix(path.suffix + ".json").write_text(
            json.dumps(meta, indent=1, sort_keys=True, default=str)
        )
        return path


def as_table(table):
    """A :class:`LeafTable` from a LeafTable or a DataFrame indexed by element.

    Names and paths are resolved one layer up, by
    :func:`sklearn_leafs.tables.get_table`.

    Raises
    ------
    TypeError
        For anything else.

    Examples
    --------
    >>> import pandas as pd
    >>> as_table(pd.DataFrame({"f": [1.0]}, index=["Fe"])).elements
    ['Fe']
    """
    if isinstance(table, LeafTable):
        return table
    if isinstance(table, pd.DataFrame):
        return LeafTable.from_frame(table, provenance={"source": "DataFrame"})
    raise TypeError(
        f"expected a LeafTable or a DataFrame indexed by element; got {type(table)!r}"
    )

"""Site records: the per-site motif similarities of a whole corpus.

Element LEAFs (weighted means) and the multi-hot matrix M are both
aggregations of the same records, so both can be rebuilt from a saved
``.npz`` file without touching the structures again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..chemistry._elements import atomic_number, sort_by_atomic_number
from ..chemistry._motifs import MOTIF_LABELS, N_MOTIFS
from ..chemistry._species import format_species

_FORMAT_VERSION = 2
_READABLE_VERSIONS = (1, 2)


@dataclass
class SiteRecords:
    """Per-site motif similarities of many structures.

    Attributes
    ----------
    values : ndarray of shape (n_records, 37)
        Motif similarities (columns: :data:`~sklearn_leafs.chemistry._motifs.MOTIF_LABELS`).
    elements : ndarray of str, shape (n_records,)
        Element of each record.
    weights : ndarray of shape (n_records,)
        Atoms each record stands for (orbit multiplicity x occupancy).
    structure_index : ndarray of int, shape (n_records,)
        Position of the record's structure in ``structure_ids``.
    site_index : ndarray of int, shape (n_records,)
        Index of the computed site within its structure.
    structure_ids, sources, formulas : ndarray of str, shape (n_structures,)
        Identity, origin and reduced formula of each computed structure.
    skipped : list of dict
        One ``{"id", "source", "reason"}`` entry per input that produced no
        records.
    metadata : dict
        How the records were computed (engine, symmetry, versions, ...).
    charges : ndarray of int, shape (n_records,) or None
        Oxidation state of each record's species (0: metallic), when the
        records were computed with ``oxidation_states=True``.
    oxidation_rules : ndarray of str, shape (n_structures,) or None
        Which rule decided each structure's charges (see
        :func:`~sklearn_leafs.environments.site_oxidation_states`).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import compute_site_records
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> records = compute_site_records({"MgO": mgo})
    >>> records.n_structures, len(records)
    (1, 8)
    >>> records.element_counts().to_dict()
    {'O': 4.0, 'Mg': 4.0}
    """

    values: np.ndarray
    elements: np.ndarray
    weights: np.ndarray
    structure_index: np.ndarray
    site_index: np.ndarray
    structure_ids: np.ndarray
    sources: np.ndarray
    formulas: np.ndarray
    skipped: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    charges: np.ndarray | None = None
    oxidation_rules: np.ndarray | None = None

    def __post_init__(self):
        self.values = np.asarray(self.values, dtype=float).reshape(-1, N_MOTIFS)
        self.elements = np.asarray(self.elements, dtype=str)
        self.weights = np.asarray(self.weights, dtype=float)
        self.structure_index = np.asarray(self.structure_index, dtype=np.int64)
        self.site_index = np.asarray(self.site_index, dtype=np.int64)
        self.structure_ids = np.asarray(self.structure_ids, dtype=str)
        self.sources = np.asarray(self.sources, dtype=str)
        self.formulas = np.asarray(self.formulas, dtype=str)
        n = len(self.values)
        for name in ("elements", "weights", "structure_index", "site_index"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, not {n}")
        m = len(self.structure_ids)
        if len(self.sources) != m or len(self.formulas) != m:
            raise ValueError("structure_ids, sources and formulas differ in length")
        if n and (self.structure_index.min() < 0 or self.structure_index.max() >= m):
            raise ValueError("structure_index points outside structure_ids")
        if (self.charges is None) != (self.oxidation_rules is None):
            raise ValueError("charges and oxidation_rules come together")
        if self.charges is not None:
            self.charges = np.asarray(self.charges, dtype=np.int64).reshape(-1)
            self.oxidation_rules = np.asarray(self.oxidation_rules, dtype=str)
            if len(self.charges) != n:
                raise ValueError(f"charges has {len(self.charges)} rows, not {n}")
            if len(self.oxidation_rules) != m:
                raise ValueError("oxidation_rules and structure_ids differ in length")

    # -- construction ---------------------------------------------------------
    @classmethod
    def empty(cls, metadata=None):
        """Records with no rows."""
        return cls(
            values=np.empty((0, N_MOTIFS)),
            elements=np.empty(0, dtype=str),
            weights=np.empty(0),
            structure_index=np.empty(0, dtype=np.int64),
            site_index=np.empty(0, dtype=np.int64),
            structure_ids=np.empty(0, dtype=str),
            sources=np.empty(0, dtype=str),
            formulas=np.empty(0, dtype=str),
            metadata=dict(metadata or {}),
        )

    @classmethod
    def concatenate(cls, parts, metadata=None):
        """Concatenate records (structures keep their order).

        Parameters
        ----------
        parts : iterable of SiteRecords
        metadata : dict, optional
            Metadata of the result; by default that of the first part.

        Returns
        -------
        SiteRecords
        """
        parts = list(parts)
        if not parts:
            return cls.empty(metadata)
        offsets = np.cumsum([0] + [p.n_structures for p in parts[:-1]])
        skipped = [entry for p in parts for entry in p.skipped]
        charged = all(p.charges is not None for p in parts)
        return cls(
            charges=np.concatenate([p.charges for p in parts]) if charged else None,
            oxidation_rules=(
                np.concatenate([p.oxidation_rules for p in parts]) if charged else None
            ),
            values=np.concatenate([p.values for p in parts]),
            elements=np.concatenate([p.elements for p in parts]),
            weights=np.concatenate([p.weights for p in parts]),
            structure_index=np.concatenate(
                [p.structure_index + off for p, off in zip(parts, offsets)]
            ),
            site_index=np.concatenate([p.site_index for p in parts]),
            structure_ids=np.concatenate([p.structure_ids for p in parts]),
            sources=np.concatenate([p.sources for p in parts]),
            formulas=np.concatenate([p.formulas for p in parts]),
            skipped=skipped,
            metadata=dict(parts[0].metadata if metadata is None else metadata),
        )

    # -- basic facts ----------------------------------------------------------
    def __len__(self):
        return len(self.values)

    @property
    def n_structures(self):
        """Number of structures with records."""
        return len(self.structure_ids)

    def __repr__(self):
        return (
            f"SiteRecords({len(self)} records, {self.n_structures} structures, "
            f"{len(self.skipped)} skipped)"
        )

    # -- selection ------------------------------------------------------------
    def select_structures(self, mask):
        """Keep the structures where a boolean mask over structures is True.

        Parameters
        ----------
        mask : array-like of bool, shape (n_structures,)

        Returns
        -------
        SiteRecords
            The skip list and metadata are kept unchanged.
        """
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.n_structures,):
            raise ValueError(
                f"mask has shape {mask.shape}, expected ({self.n_structures},)"
            )
        new_position = np.cumsum(mask) - 1
        keep = mask[self.structure_index]
        charged = self.charges is not None
        return SiteRecords(
            charges=self.charges[keep] if charged else None,
            oxidation_rules=self.oxidation_rules[mask] if charged else None,
            values=self.values[keep],
            elements=self.elements[keep],
            weights=self.weights[keep],
            structure_index=new_position[self.structure_index[keep]],
            site_index=self.site_index[keep],
            structure_ids=self.structure_ids[mask],
            sources=self.sources[mask],
            formulas=self.formulas[mask],
            skipped=list(self.skipped),
            metadata=dict(self.metadata),
        )

    def select(self, structure_ids=None, *, exclude_ids=None, exclude_formulas=None):
        """Keep or drop structures by id or reduced formula.

        Parameters
        ----------
        structure_ids : iterable of str, optional
            Keep only these structures. Every id must be present.
        exclude_ids : iterable of str, optional
            Drop these structures (ids that are absent are ignored).
        exclude_formulas : iterable of str, optional
            Drop every structure whose reduced formula equals one of these
            (compared as pymatgen reduced formulas, so ``"NaCl"`` and
            ``"Cl1 Na1"`` match), e.g. to build a leak-free table.

        Returns
        -------
        SiteRecords
        """
        mask = np.ones(self.n_structures, dtype=bool)
        if structure_ids is not None:
            wanted = {str(i) for i in structure_ids}
            missing = wanted - set(self.structure_ids.tolist())
            if missing:
                raise ValueError(f"unknown structure ids: {sorted(missing)[:10]}")
            mask &= np.isin(self.structure_ids, list(wanted))
        if exclude_ids is not None:
            mask &= ~np.isin(self.structure_ids, [str(i) for i in exclude_ids])
        if exclude_formulas is not None:
            from pymatgen.core import Composition

            reduced = {Composition(f).reduced_formula for f in exclude_formulas}
            mask &= ~np.isin(self.formulas, list(reduced))
        return self.select_structures(mask)

    # -- aggregation ----------------------------------------------------------
    def _element_order(self):
        return sort_by_atomic_number(set(self.elements.tolist()))

    def element_counts(self):
        """Weighted number of sites of each element (atoms per cell summed).

        Returns
        -------
        pandas.Series
            Indexed by element symbol, ordered by atomic number.
        """
        order = self._element_order()
        codes = pd.Categorical(self.elements, categories=order).codes
        counts = np.bincount(codes, weights=self.weights, minlength=len(order))
        return pd.Series(counts, index=pd.Index(order, name="element"), name="count")

    def element_means(self):
        """Weighted mean motif vector of each element: the LEAFs.

        Returns
        -------
        pandas.DataFrame
            Elements (ordered by atomic number) x 37 motif labels.
        """
        order = self._element_order()
        codes = pd.Categorical(self.elements, categories=order).codes
        totals = np.zeros((len(order), N_MOTIFS))
        np.add.at(totals, codes, self.values * self.weights[:, None])
        counts = np.bincount(codes, weights=self.weights, minlength=len(order))
        return pd.DataFrame(
            totals / counts[:, None],
            index=pd.Index(order, name="element"),
            columns=list(MOTIF_LABELS),
        )

    # -- species ----------------------------------------------------------------
    def _require_charges(self):
        if self.charges is None:
            raise ValueError(
                "these site records carry no oxidation states; compute them with "
                "compute_site_records(..., oxidation_states=True)"
            )

    def species(self):
        """Species of each record as pymatgen prints it (``"Ti4+"``, ``"K0+"``).

        Returns
        -------
        ndarray of str, shape (n_records,)

        Raises
        ------
        ValueError
            If the records carry no oxidation states.
        """
        self._require_charges()
        return np.array(
            [format_species(pair) for pair in zip(self.elements, self.charges)],
            dtype=str,
        )

    def _species_order(self):
        self._require_charges()
        pairs = set(zip(self.elements.tolist(), self.charges.tolist()))
        ordered = sorted(pairs, key=lambda p: (atomic_number(p[0]), p[1]))
        return [format_species(p) for p in ordered]

    def species_counts(self):
        """Weighted number of sites of each species.

        Returns
        -------
        pandas.Series
            Indexed by species (``"Fe2+"``, ``"O2-"``, ``"K0+"``), ordered by
            atomic number then charge.
        """
        order = self._species_order()
        codes = pd.Categorical(self.species(), categories=order).codes
        counts = np.bincount(codes, weights=self.weights, minlength=len(order))
        return pd.Series(counts, index=pd.Index(order, name="species"), name="count")

    def species_means(self):
        """Weighted mean motif vector of each species: species-resolved LEAFs.

        Returns
        -------
        pandas.DataFrame
            Species (by atomic number, then charge) x 37 motif labels.
        """
        order = self._species_order()
        codes = pd.Categorical(self.species(), categories=order).codes
        totals = np.zeros((len(order), N_MOTIFS))
        np.add.at(totals, codes, self.values * self.weights[:, None])
        counts = np.bincount(codes, weights=self.weights, minlength=len(order))
        return pd.DataFrame(
            totals / counts[:, None],
            index=pd.Index(order, name="species"),
            columns=list(MOTIF_LABELS),
        )

    def oxidation_rule_counts(self):
        """How many structures each oxidation rule decided.

        Returns
        -------
        dict of str to int
        """
        self._require_charges()
        rules, counts = np.unique(self.oxidation_rules, return_counts=True)
        return {str(r): int(c) for r, c in zip(rules, counts)}

    def provenance(self):
        """Summary of where the records came from, as a JSON-ready dict."""
        sources, n_per_source = np.unique(self.sources, return_counts=True)
        return {
            "source": "site records of "
            f"{self.n_structures} structures from {len(sources)} source(s)",
            "n_structures": int(self.n_structures),
            "n_records": int(len(self)),
            "n_sites": float(self.weights.sum()),
            "sources": {s: int(n) for s, n in zip(sources.tolist(), n_per_source)},
            "n_skipped": len(self.skipped),
            "skipped": list(self.skipped),
            **(
                {"oxidation_rules": self.oxidation_rule_counts()}
                if self.charges is not None
                else {}
            ),
            **{k: v for k, v in self.metadata.items() if k not in {"skipped"}},
        }

    # -- persistence ----------------------------------------------------------
    def save(self, path):
        """Save to a compressed ``.npz`` file (no pickles).

        Parameters
        ----------
        path : str or path-like
        """
        np.savez_compressed(
            path,
            format_version=np.array(_FORMAT_VERSION),
            values=self.values,
            elements=self.elements,
            weights=self.weights,
            structure_index=self.structure_index,
            site_index=self.site_index,
            structure_ids=self.structure_ids,
            sources=self.sources,
            formulas=self.formulas,
            skipped=np.array(json.dumps(self.skipped)),
            metadata=np.array(json.dumps(self.metadata, default=str)),
            **(
                {"charges": self.charges, "oxidation_rules": self.oxidation_rules}
                if self.charges is not None
                else {}
            ),
        )

    @classmethod
    def load(cls, path):
        """Load records saved with :meth:`save`.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        SiteRecords
        """
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format_version"])
            if version not in _READABLE_VERSIONS:
                raise ValueError(
                    f"{path}: site-record format {version}, expected one of "
                    f"{_READABLE_VERSIONS}"
                )
            charged = "charges" in data.files
            return cls(
                charges=data["charges"] if charged else None,
                oxidation_rules=data["oxidation_rules"] if charged else None,
                values=data["values"],
                elements=data["elements"],
                weights=data["weights"],
                structure_index=data["structure_index"],
                site_index=data["site_index"],
                structure_ids=data["structure_ids"],
                sources=data["sources"],
                formulas=data["formulas"],
                skipped=json.loads(str(data["skipped"])),
                metadata=json.loads(str(data["metadata"])),
            )

    def to_frame(self):
        """One row per record: structure id, site, element, weight, 37 values."""
        frame = pd.DataFrame(self.values, columns=list(MOTIF_LABELS))
        frame.insert(0, "weight", self.weights)
        if self.charges is not None:
            frame.insert(0, "species", self.species())
        frame.insert(0, "element", self.elements)
        frame.insert(0, "site_index", self.site_index)
        frame.insert(0, "structure_id", self.structure_ids[self.structure_index])
        return frame

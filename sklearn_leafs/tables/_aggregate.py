"""Site records aggregated into element tables: the LEAFs of a corpus."""

from __future__ import annotations

from ..environments import DEFAULT_OCCUPANCY_TOLERANCE, compute_site_records
from ._leaf_table import LeafTable

__all__ = ["build_table", "table_from_records"]


def table_from_records(records, provenance=None, *, rows="elements"):
    """Aggregate site records into a :class:`LeafTable` of element means.

    The LEAFs of an element are the site-weighted mean of the 37 motif
    similarities over all its sites in the records (Vasylenko et al. 2024).
    With ``rows="species"`` the mean is taken per species instead (``Ti4+``,
    ``Ti3+``, metallic ``Ti0+``...), from records computed with
    ``oxidation_states=True``.

    Parameters
    ----------
    records : SiteRecords
        From :func:`sklearn_leafs.environments.compute_site_records`.
    provenance : dict, optional
        Extra provenance entries, merged over ``records.provenance()``.
    rows : {"elements", "species"}, default="elements"
        One row per element, or one per species.

    Returns
    -------
    LeafTable
        Elements (by atomic number) or species (by atomic number, then
        charge) x 37 motif means, with per-row weighted site counts.

    Raises
    ------
    ValueError
        If the records are empty (every input skipped), or species rows are
        asked of records without oxidation states.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements
       extracted from local geometries in crystal structures", 2024
       (LEAFs; code and tables at https://github.com/lrcfmd/LEAF).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import compute_site_records
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> table = table_from_records(compute_site_records([mgo]))
    >>> table.counts.to_dict()
    {'O': 4.0, 'Mg': 4.0}
    """
    if rows not in ("elements", "species"):
        raise ValueError(f"rows must be 'elements' or 'species', got {rows!r}")
    if len(records) == 0:
        raise ValueError("no site records to aggregate (every input skipped?)")
    info = records.provenance()
    info["rows"] = rows
    info.update(provenance or {})
    if rows == "species":
        return LeafTable(
            records.species_means(), counts=records.species_counts(), provenance=info
        )
    return LeafTable(
        records.element_means(), counts=records.element_counts(), provenance=info
    )


def build_table(
    inputs,
    *,
    symmetry=False,
    engine="fast",
    symprec=0.01,
    n_jobs=None,
    backend=None,
    errors="raise",
    verbose=False,
    cache=None,
    occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE,
    rows="elements",
):
    """Compute LEAFs (element means of site motif similarities) from structures.

    Parameters
    ----------
    inputs : Structure, path, mapping or iterable
        pymatgen Structures, structure files, folders or JSON-lines corpora;
        see :func:`sklearn_leafs.environments.compute_site_records`, which
        also documents ``symmetry``, ``engine``, ``symprec``, ``n_jobs``,
        ``backend``, ``errors``, ``verbose``, ``cache`` and
        ``occupancy_tolerance`` (CIF sites whose occupancies sum to at most
        this, default 1.02, are rescaled to 1; larger sums are reported).
    rows : {"elements", "species"}, default="elements"
        Element rows, or species rows (the sites' oxidation states are then
        computed too, see
        :func:`sklearn_leafs.environments.site_oxidation_states`).

    Returns
    -------
    LeafTable
        Elements x 37 motif means, per-element site counts, and provenance
        (sources, numbers of structures and sites, skipped inputs with their
        reasons, pymatgen's reading warnings of the structures used,
        parameters and versions).

    Raises
    ------
    ValueError
        With ``errors="raise"``, naming the first input that failed; or when
        every input was skipped.

    References
    ----------
    .. [1] A. Vasylenko et al., "Digital features of chemical elements
       extracted from local geometries in crystal structures", 2024.
    .. [2] N. E. R. Zimmermann and A. Jain, "Local structure order parameters
       and site fingerprints for quantification of coordination environment
       and crystal structure similarity", RSC Adv. 10, 6063 (2020).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.tables import build_table
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> table = build_table({"MgO": mgo})
    >>> table.elements
    ['O', 'Mg']
    >>> round(float(table.frame.loc["Mg", "octahedral CN_6"]), 4)
    0.9995
    """
    records = compute_site_records(
        inputs,
        symmetry=symmetry,
        engine=engine,
        symprec=symprec,
        n_jobs=n_jobs,
        backend=backend,
        errors=errors,
        verbose=verbose,
        cache=cache,
        occupancy_tolerance=occupancy_tolerance,
        oxidation_states=(rows == "species"),
    )
    return table_from_records(records, rows=rows)

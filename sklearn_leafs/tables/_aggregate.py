"""Site records aggregated into element tables: the LEAFs of a corpus."""

from __future__ import annotations

import dataclasses

import numpy as np

from .._citations import cite
from ..environments import DEFAULT_OCCUPANCY_TOLERANCE, compute_site_records
from ._leaf_table import LeafTable
from ._reweighting import _record_weights, poststratification_weights

__all__ = ["build_table", "table_from_records"]


@cite
def table_from_records(
    records,
    provenance=None,
    *,
    rows="elements",
    weights=None,
    reference_compositions=None,
    strata="anion-class",
):
    """Aggregate site records into a :class:`LeafTable` of element means.

    The LEAFs of an element are the site-weighted mean of the 37 motif
    similarities over all its sites in the records (Vasylenko et al. 2024).
    With ``rows="species"`` the mean is taken per species instead (``Ti4+``,
    ``Ti3+``, metallic ``Ti0+``...), from records computed with
    ``oxidation_states=True``.

    A corpus whose chemistry differs from the one the LEAFs should describe
    can be reweighted: ``weights`` multiplies the site weights of chosen
    structures or records, and ``reference_compositions`` post-stratifies
    every row towards a reference chemistry (see
    :func:`~sklearn_leafs.tables._reweighting.poststratification_weights`):
    within each row, each stratum of structures (by default the anion class:
    oxides, fluorides, ..., intermetallics) gets the share it has among the
    reference compositions containing the row's element.

    Parameters
    ----------
    records : SiteRecords
        From :func:`sklearn_leafs.environments.compute_site_records`.
    provenance : dict, optional
        Extra provenance entries, merged over ``records.provenance()``.
    rows : {"elements", "species"}, default="elements"
        One row per element, or one per species.
    weights : array-like of shape (n_structures,) or (n_records,), or mapping
        Non-negative multipliers of the site weights (occupancy x
        multiplicity): one per structure (in ``records.structure_ids``
        order), one per record (read per structure when the lengths
        coincide), or a mapping from every structure id to its weight. 0
        leaves a structure out. For example
        :func:`~sklearn_leafs.tables._reweighting.formula_weights` makes every
        reduced formula count once however many polymorphs it has.
    reference_compositions : iterable of str, Composition or mapping, optional
        Post-stratify each row towards these compositions (each counts once
        for each of its elements), after applying ``weights``. Records in a
        stratum absent from the reference get weight 0; a row whose element
        is in no reference composition of its strata keeps its weights.
    strata : str or callable, default="anion-class"
        With ``reference_compositions``: ``"anion-class"``,
        ``"anion-family"``, ``"anion-class+n-elements"``, or
        ``f(amounts, element) -> label``; see
        :func:`~sklearn_leafs.tables._reweighting.poststratification_weights`.

    Returns
    -------
    LeafTable
        Elements (by atomic number) or species (by atomic number, then
        charge) x 37 motif means, with per-row weighted site counts (of the
        records that kept a non-zero weight, counted by occupancy x
        multiplicity). When reweighted, the provenance's ``reweighting``
        entry records the strata, the reference and corpus share of every
        stratum per row, the rows left as they were and the number of
        records given weight 0.

    Raises
    ------
    ValueError
        If the records are empty (every input skipped), species rows are
        asked of records without oxidation states, ``weights`` has the wrong
        shape or a negative or non-finite value (named by position), every
        weight is 0, ``strata`` is unknown, or a reference composition cannot
        be read (named by position).

    References
    ----------
    .. [1] {cite:vasylenko2024}.

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

    Two structures, the second weighted 3 times the first: O's octahedral
    LEAF becomes ``(4 x 0.9995 + 3 x 2 x 0.0005) / (4 + 3 x 2)``, from 4 O
    sites in the MgO cell and 2 in the ZnO cell:

    >>> wurtzite = Structure.from_spacegroup(
    ...     "P6_3mc", Lattice.hexagonal(3.25, 5.2), ["Zn", "O"],
    ...     [[1 / 3, 2 / 3, 0], [1 / 3, 2 / 3, 0.38]],
    ... )
    >>> records = compute_site_records({"MgO": mgo, "ZnO": wurtzite})
    >>> weighted = table_from_records(records, weights=[1.0, 3.0])
    >>> round(float(weighted.frame.loc["O", "octahedral CN_6"]), 4)
    0.4001
    """
    if rows not in ("elements", "species"):
        raise ValueError(f"rows must be 'elements' or 'species', got {rows!r}")
    if len(records) == 0:
        raise ValueError("no site records to aggregate (every input skipped?)")
    info = records.provenance()
    info["rows"] = rows
    weighted = used = records
    if weights is not None or reference_compositions is not None:
        new, info["reweighting"] = _new_weights(
            records, rows, weights, reference_compositions, strata
        )
        weighted = dataclasses.replace(records, weights=new)
        used = dataclasses.replace(records, weights=records.weights * (new > 0))
    info.update(provenance or {})
    with np.errstate(invalid="ignore", divide="ignore"):  # rows weighted 0
        if rows == "species":
            means, counts = weighted.species_means(), used.species_counts()
        else:
            means, counts = weighted.element_means(), used.element_counts()
    keep = counts.to_numpy() > 0  # rows whose every record got weight 0
    return LeafTable(means[keep], counts=counts[keep], provenance=info)


def _new_weights(records, rows, weights, reference_compositions, strata):
    """Record weights after ``weights`` and post-stratification, and their info."""
    if reference_compositions is not None:
        new, info = poststratification_weights(
            records, reference_compositions, strata=strata, weights=weights,
            rows=rows, return_info=True,
        )  # fmt: skip
        for shares in info["rows"].values():
            for entry in shares.values():
                entry.update({k: round(v, 6) for k, v in entry.items()})
    else:
        new = _record_weights(records, weights)
        info = {"strata": None}
    info["weights"] = "given per structure or record" if weights is not None else None
    if not (new > 0).any():
        raise ValueError("every record has weight 0: nothing to aggregate")
    return new, info


@cite
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
    weights=None,
    reference_compositions=None,
    strata="anion-class",
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
    weights : mapping, optional
        Non-negative weight of each structure, by its id (the key of a
        mapping input, the file name of a structure file, the ``id`` of a
        JSON-lines record; see
        :func:`~sklearn_leafs.environments.compute_site_records`). Every
        structure read needs one; skipped inputs need none.
    reference_compositions : iterable of str, Composition or mapping, optional
        Post-stratify the table towards this reference chemistry.
    strata : str or callable, default="anion-class"
        The strata of the post-stratification. See
        :func:`table_from_records` for ``weights``, ``reference_compositions``
        and ``strata``.

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
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:zimmermann2020}.

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

    Towards a reference chemistry (each row's strata follow the reference):

    >>> table = build_table({"MgO": mgo}, reference_compositions=["MgO", "MgF2"])
    >>> table.provenance["reweighting"]["rows"]["Mg"]
    {'O': {'reference': 1.0, 'corpus': 1.0}}
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
    return table_from_records(
        records,
        rows=rows,
        weights=weights,
        reference_compositions=reference_compositions,
        strata=strata,
    )

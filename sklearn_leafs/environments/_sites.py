"""Per-site motif similarities of one crystal structure.

The 37 values of a site are those of matminer's ``OPSiteFingerprint`` with its
default parameters (see :data:`sklearn_leafs.chemistry._motifs.MOTIF_LABELS`).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..chemistry._motifs import N_MOTIFS
from ._fast_kernel import fast_site_fingerprints

ENGINES = ("fast", "matminer")

#: Highest atomic number accepted as a real element. Heavier "elements" (for
#: example ``Nh``, which AFLOW prototype files use for an NH4 group) have no
#: measured crystal chemistry and are treated as placeholder labels.
MAX_ATOMIC_NUMBER = 103


@dataclass
class SiteSimilarities:
    """Motif similarities of the sites of one structure.

    One row per (site, species) pair: an ordered site gives one row, a
    partially occupied site gives one row per species on it, all with the same
    37 values.

    Attributes
    ----------
    values : ndarray of shape (n_rows, 37)
        Motif similarities, columns in the order of
        :data:`~sklearn_leafs.chemistry._motifs.MOTIF_LABELS`.
    elements : list of str
        Element symbol of each row.
    weights : ndarray of shape (n_rows,)
        Number of atoms the row stands for: the multiplicity of the site's
        symmetry orbit (1 with ``symmetry=False``) times the occupancy of the
        species on the site.
    site_indices : ndarray of shape (n_rows,)
        Index, in the input structure, of the site whose values the row holds.
    vacancies : list of tuple
        ``(site_index, fraction)`` for every computed site whose occupancies
        sum to less than one. The missing fraction is a vacancy and
        contributes to no element.
    symmetry_reduced : bool
        Whether only one site per symmetry orbit was computed.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import site_similarities
    >>> s = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> s = s.replace_species({"Mg": {"Mg": 0.5, "Ni": 0.4}})
    >>> result = site_similarities(s, symmetry=True)
    >>> result.elements, [round(w, 6) for w in result.weights.tolist()]
    (['Mg', 'Ni', 'O'], [2.0, 1.6, 4.0])
    >>> [(i, round(f, 6)) for i, f in result.vacancies]
    [(0, 0.1)]
    """

    values: np.ndarray
    elements: list
    weights: np.ndarray
    site_indices: np.ndarray
    vacancies: list = field(default_factory=list)
    symmetry_reduced: bool = False

    def __len__(self):
        return len(self.elements)


def element_symbol(species):
    """Return the element symbol of a pymatgen species, or raise ValueError.

    Parameters
    ----------
    species : Element, Species or DummySpecies
        One species of a site.

    Returns
    -------
    str
        The element symbol (oxidation state dropped).

    Raises
    ------
    ValueError
        If the species is a dummy species (for example ``M`` or ``X``) or an
        element heavier than Lr, which structure files use as placeholder labels.

    Examples
    --------
    >>> from pymatgen.core import Species
    >>> from sklearn_leafs.environments import element_symbol
    >>> element_symbol(Species("Li", 1))
    'Li'
    """
    from pymatgen.core.periodic_table import DummySpecies

    if isinstance(species, DummySpecies):
        raise ValueError(f"{str(species)!r} is a placeholder label, not an element")
    element = getattr(species, "element", species)
    if element.Z > MAX_ATOMIC_NUMBER:
        raise ValueError(
            f"{element.symbol!r} (Z={element.Z}) is treated as a placeholder "
            f"label, not an element (heavier than Lr)"
        )
    return element.symbol


def symmetry_orbits(structure, symprec=0.01):
    """Group the sites of a structure into symmetry orbits.

    Parameters
    ----------
    structure : pymatgen.core.Structure
        The structure (ordered or disordered).
    symprec : float, default=0.01
        Tolerance passed to pymatgen's ``SpacegroupAnalyzer``.

    Returns
    -------
    orbits : list of list of int or None
        Site indices of each orbit, ordered by their first site; ``None`` when
        spglib finds no symmetry dataset.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import symmetry_orbits
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> symmetry_orbits(mgo)
    [[0, 1, 2, 3], [4, 5, 6, 7]]
    """
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    try:
        with warnings.catch_warnings():
            # spglib's own DeprecationWarning about its error handling
            warnings.simplefilter("ignore", DeprecationWarning)
            symmetrized = SpacegroupAnalyzer(
                structure, symprec=symprec
            ).get_symmetrized_structure()
    except Exception:  # spglib gives up on some cells; the caller falls back
        return None
    return sorted(
        (sorted(int(i) for i in orbit) for orbit in symmetrized.equivalent_indices),
        key=lambda orbit: orbit[0],
    )


@functools.lru_cache(maxsize=1)
def _matminer_featurizer():
    from matminer.featurizers.site import OPSiteFingerprint

    return OPSiteFingerprint()


def _matminer_values(structure, indices):
    featurizer = _matminer_featurizer()
    out = np.empty((len(indices), N_MOTIFS))
    for row, index in enumerate(indices):
        out[row] = featurizer.featurize(structure, int(index))
    return out


def _fast_values(structure, indices):
    values = np.asarray(
        fast_site_fingerprints(structure, np.asarray(indices, dtype=int)),
        dtype=float,
    )
    return values.reshape(len(indices), N_MOTIFS)


def compute_values(structure, indices, engine="fast"):
    """Motif similarities of the given sites, shape ``(len(indices), 37)``.

    Parameters
    ----------
    structure : pymatgen.core.Structure
        The structure.
    indices : sequence of int
        Site indices to compute.
    engine : {"fast", "matminer"}, default="fast"
        ``"fast"`` uses the vectorised kernel of
        ``sklearn_leafs.environments._fast_kernel``, which reproduces matminer's
        values (it is tested against matminer on real structures) at a small
        fraction of the cost; ``"matminer"`` calls
        ``OPSiteFingerprint().featurize`` site by site and is the reference.

    Returns
    -------
    ndarray of shape (len(indices), 37)

    References
    ----------
    .. [1] N. E. R. Zimmermann and A. Jain, "Local structure order parameters
       and site fingerprints for quantification of coordination environment and
       crystal structure similarity", RSC Adv. 10, 6063 (2020).
    .. [2] L. Ward et al., "Matminer: An open source toolkit for materials data
       mining", Comput. Mater. Sci. 152, 60 (2018).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import compute_values
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> compute_values(mgo, [0]).shape
    (1, 37)
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if len(indices) == 0:
        return np.empty((0, N_MOTIFS))
    if engine == "fast":
        return _fast_values(structure, indices)
    return _matminer_values(structure, indices)


def _species_rows(structure, orbits):
    """Expand orbits into (site index, element, weight) rows; check labels."""
    site_rows, elements, weights, vacancies = [], [], [], []
    for orbit in orbits:
        index = orbit[0]
        site = structure[index]
        total = 0.0
        for species, occupancy in site.species.items():
            try:
                symbol = element_symbol(species)
            except ValueError as exc:
                raise ValueError(f"site {index}: {exc}") from None
            site_rows.append(index)
            elements.append(symbol)
            weights.append(len(orbit) * float(occupancy))
            total += float(occupancy)
        if total < 1.0 - 1e-8:
            vacancies.append((index, 1.0 - total))
    return site_rows, elements, weights, vacancies


def site_similarities(structure, *, symmetry=False, engine="fast", symprec=0.01):
    """Compute the motif similarities of every site of a structure.

    Parameters
    ----------
    structure : pymatgen.core.Structure
        An ordered or disordered periodic structure. Oxidation states are
        ignored.
    symmetry : bool, default=False
        If False (default), compute every site: the exact, paper-faithful mode.
        If True, compute one site per symmetry orbit (pymatgen
        ``SpacegroupAnalyzer(...).get_symmetrized_structure()``) and weight it
        by the orbit's multiplicity. matminer does not give exactly equal
        values on symmetry-equivalent sites (distance-shell rounding and
        histogram peak picking on slightly off-symmetry coordinates), so this
        only approximates the all-sites mean (the measured difference is in
        the user guide, :doc:`/user_guide/science`, and
        ``benchmarks/symmetry_approximation.py``). With the fast engine the
        symmetry analysis saves little or no time, hence the default; it pays
        off with ``engine="matminer"``.
        When spglib finds no symmetry, every site is computed.
    engine : {"fast", "matminer"}, default="fast"
        Implementation of the fingerprint (see :func:`compute_values`).
    symprec : float, default=0.01
        Symmetry tolerance passed to ``SpacegroupAnalyzer``.

    Returns
    -------
    SiteSimilarities
        One row per (computed site, species). A partially occupied site
        contributes its vector to each species on it, weighted by occupancy;
        any missing occupancy is a vacancy, contributes to no element and is
        listed in ``vacancies``.

    Raises
    ------
    ValueError
        If a site holds a placeholder label (a dummy species such as ``M`` or
        ``X``, or an element heavier than Lr such as the ``Nh`` that AFLOW
        prototypes use for NH4); the message names the site and the label.

    References
    ----------
    .. [1] N. E. R. Zimmermann and A. Jain, "Local structure order parameters
       and site fingerprints for quantification of coordination environment and
       crystal structure similarity", RSC Adv. 10, 6063 (2020).
    .. [2] L. Ward et al., "Matminer: An open source toolkit for materials data
       mining", Comput. Mater. Sci. 152, 60 (2018).
    .. [3] A. Vasylenko et al., "Digital features of chemical elements extracted
       from local geometries in crystal structures", 2024 (LEAFs). Code and
       tables: https://github.com/lrcfmd/LEAF.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import site_similarities
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> result = site_similarities(mgo, symmetry=True)
    >>> result.elements, result.weights.tolist()
    (['Mg', 'O'], [4.0, 4.0])
    >>> len(site_similarities(mgo))  # every site
    8
    >>> round(float(result.values[0, 18]), 4)  # octahedral CN_6
    0.9995
    """
    if len(structure) == 0:
        raise ValueError("the structure has no sites")
    orbits = symmetry_orbits(structure, symprec) if symmetry else None
    reduced = orbits is not None
    if orbits is None:
        orbits = [[i] for i in range(len(structure))]
    site_rows, elements, weights, vacancies = _species_rows(structure, orbits)
    computed = [orbit[0] for orbit in orbits]
    values = compute_values(structure, computed, engine=engine)
    position = {index: row for row, index in enumerate(computed)}
    site_rows = np.asarray(site_rows, dtype=np.int64)
    return SiteSimilarities(
        values=values[[position[i] for i in site_rows]].reshape(-1, N_MOTIFS),
        elements=elements,
        weights=np.asarray(weights, dtype=float),
        site_indices=site_rows,
        vacancies=vacancies,
        symmetry_reduced=reduced,
    )

"""Per-site motif similarities of one crystal structure.

The 37 values of a site are those of matminer's ``OPSiteFingerprint`` with its
default parameters (see :data:`sklearn_leafs.chemistry._motifs.MOTIF_LABELS`).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np

from .._citations import cite
from ..chemistry._motifs import N_MOTIFS
from ..chemistry._oxidation import guess_oxidation_states
from ._fast_kernel import fast_site_fingerprints

ENGINES = ("fast", "matminer")

#: Largest cell (number of sites) given to pymatgen's ``BVAnalyzer``. Its
#: cost grows with the cell and the number of distinct valence permutations:
#: on 250 random structures of the open corpus it took 0.04 s on average and
#: 3 s at most (a 120-site hydrocarbon); bigger cells go straight to the
#: composition rule.
BV_MAX_SITES = 200

#: The rules that decide the oxidation states of a structure's sites, in order.
OXIDATION_RULES = ("given", "bond-valence", "composition", "metallic")

#: Shortest distance (Å) accepted between two atoms that are both present:
#: an atom and its own periodic image, or two fully occupied sites. The
#: shortest bond in nature is H-H in H2, 0.74 Å (X-ray positions of H make
#: X-H bonds up to about 0.2 Å shorter). Closer pairs in real files are
#: duplicated atoms (symmetry-generated copies 0.0005-0.02 Å apart that also
#: inflate the composition) or broken models. Partially occupied sites may be
#: closer (split positions, as the Li sites of Li10GeP2S12 0.42 Å apart):
#: they are alternatives, not both present, and are not checked. How the
#: threshold was chosen on the open corpus and the Li-conductor CIFs is in
#: the command-line guide (:doc:`/cli`, "Geometry checks").
MIN_DISTANCE = 0.5

#: Smallest volume per atom (Å^3, occupancies counted) of a usable cell; a
#: smaller one is degenerate (the densest real solids have more than 1 Å^3
#: per atom). Checked first, as it costs nothing and keeps degenerate cells
#: away from the neighbour search.
MIN_VOLUME_PER_ATOM = 0.5

#: Total occupancy at or above which a site counts as fully occupied.
FULL_OCCUPANCY = 0.999

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
    charges : ndarray of int, shape (n_rows,) or None
        Oxidation state of each row's species (0 for metallic sites), when
        computed with ``oxidation_states=True``
        (see :func:`site_oxidation_states`).
    oxidation_rule : str or None
        Which rule of :data:`OXIDATION_RULES` decided the charges.

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
    charges: np.ndarray | None = None
    oxidation_rule: str | None = None

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


def check_geometry(
    structure,
    *,
    min_distance=MIN_DISTANCE,
    min_volume_per_atom=MIN_VOLUME_PER_ATOM,
):
    """Raise ValueError if a structure's geometry is not physical.

    Three checks, cheapest first, run before any neighbour search of the
    fingerprints (a 0.05 Å cell would otherwise take seconds and score as a
    perfect octahedron):

    1. the lattice and coordinates are finite numbers and the cell has at
       least ``min_volume_per_atom`` Å^3 per atom (occupancies counted);
    2. the cell does not repeat every less than ``min_distance`` Å (the
       shortest lattice translation, from the LLL-reduced basis): an atom
       would be that close to its own periodic image;
    3. no two sites that are both fully occupied (total occupancy at least
       :data:`FULL_OCCUPANCY`) are closer than ``min_distance`` Å, periodic
       images included. Partially occupied sites may be closer: split
       positions are alternatives.

    Parameters
    ----------
    structure : pymatgen.core.Structure
    min_distance : float, default=MIN_DISTANCE
        Å (0.5).
    min_volume_per_atom : float, default=MIN_VOLUME_PER_ATOM
        Å^3 (0.5).

    Raises
    ------
    ValueError
        Naming the check, the sites, their species and the distance or
        volume found.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._sites import check_geometry
    >>> check_geometry(Structure(Lattice.cubic(3.6), ["Cu"], [[0, 0, 0]]))
    >>> check_geometry(Structure(Lattice.cubic(0.05), ["Cu"], [[0, 0, 0]]))
    Traceback (most recent call last):
    ...
    ValueError: degenerate cell: 0.000125 Å^3 per atom ...
    """
    matrix = np.asarray(structure.lattice.matrix, dtype=float)
    if not np.isfinite(matrix).all():
        raise ValueError("the lattice has non-finite (NaN or infinite) parameters")
    if not np.isfinite(structure.frac_coords).all():
        raise ValueError("a site has non-finite (NaN or infinite) coordinates")
    volume = abs(float(np.linalg.det(matrix)))
    n_atoms = float(structure.composition.num_atoms)
    if not n_atoms > 0:
        raise ValueError("the structure has no atoms (every occupancy is zero)")
    if not volume / n_atoms >= min_volume_per_atom:
        raise ValueError(
            f"degenerate cell: {volume / n_atoms:.3g} Å^3 per atom "
            f"({volume:.3g} Å^3 for {n_atoms:g} atoms), below the physical "
            f"minimum of {min_volume_per_atom:g} Å^3 per atom; check the lattice "
            "parameters and their units"
        )
    shortest = float(min(structure.lattice.get_lll_reduced_lattice().abc))
    if shortest < min_distance:
        raise ValueError(
            f"the cell repeats every {shortest:.3g} Å: each atom is that close to "
            f"its own periodic image, below the physical minimum of "
            f"{min_distance:g} Å; check the lattice parameters and their units"
        )
    centre, neighbour, _, distance = structure.get_neighbor_list(
        min_distance, exclude_self=True
    )
    if len(distance) == 0:
        return
    occupancy = np.array([float(sum(site.species.values())) for site in structure])
    full = occupancy >= FULL_OCCUPANCY
    clash = (centre == neighbour) | (full[centre] & full[neighbour])
    if not clash.any():
        return
    k = int(np.flatnonzero(clash)[np.argmin(distance[clash])])
    a, b, d = int(centre[k]), int(neighbour[k]), float(distance[k])
    n_pairs = len({tuple(sorted(p)) for p in zip(centre[clash], neighbour[clash])})
    if a == b:
        raise ValueError(
            f"site {a} ({structure[a].species_string}) is {d:.3g} Å from its own "
            f"periodic image, below the physical minimum of {min_distance:g} Å; "
            "check the lattice parameters"
        )
    more = f" ({n_pairs} such pairs)" if n_pairs > 1 else ""
    raise ValueError(
        f"atoms overlap: sites {min(a, b)} ({structure[min(a, b)].species_string}) "
        f"and {max(a, b)} ({structure[max(a, b)].species_string}), both fully "
        f"occupied, are {d:.3g} Å apart{more}, below the physical minimum of "
        f"{min_distance:g} Å: an atom listed twice (merge the copies, e.g. "
        "Structure.merge_sites(tol=0.5, mode='delete')) or a broken model"
    )


def _given_charges(structure):
    """Per-site ``{element: charge}`` of a decorated structure, else None."""
    out = []
    for site in structure:
        charges = {}
        for sp in site.species:
            q = getattr(sp, "oxi_state", None)
            if q is None or not float(q).is_integer():
                return None
            charges[sp.symbol] = int(q)
        out.append(charges)
    return out


def _bond_valence(structure):
    """BVAnalyzer valences per site as ``{element: charge}``, else None."""
    from pymatgen.analysis.bond_valence import BVAnalyzer

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            valences = BVAnalyzer().get_valences(structure)
    except Exception:  # BVAnalyzer raises ValueError and others when it fails
        return None
    out = []
    for site, valence in zip(structure, valences):
        values = valence if isinstance(valence, list | tuple) else [valence]
        elements = [sp.symbol for sp in site.species]
        if len(values) != len(elements):
            return None
        out.append({el: int(round(v)) for el, v in zip(elements, values)})
    return out


#: Rules of :func:`~sklearn_leafs.chemistry.guess_oxidation_states` whose
#: species the composition rule accepts: those over pymatgen's common and
#: ICSD oxidation-state lists (the lists of ``Composition.oxi_state_guesses``).
#: The steps over every known state find "balanced" assignments for
#: intermetallics (``Hf4+ W2-`` for HfW2, ``Ge+`` in TbGePt), which would
#: turn metallic sites into ionic species.
COMPOSITION_RULES = ("common", "icsd-mixed", "icsd")


def _composition_charges(structure):
    """Element charges from the charge-balanced guess of the composition."""
    guess = guess_oxidation_states(structure.composition.element_composition)
    if guess.species is None or guess.rule not in COMPOSITION_RULES:
        return None
    charge = {}
    for el, mean in guess.mean_states.items():
        charge[el] = int(round(mean))  # mixed valence: nearest integer state
    return [{sp.symbol: charge[sp.symbol] for sp in site.species} for site in structure]


def site_oxidation_states(structure, *, max_sites=BV_MAX_SITES):
    """Oxidation state of every species on every site, and the rule used.

    The rules, in order (:data:`OXIDATION_RULES`):

    1. ``"given"``: the structure is already decorated with integer
       oxidation states;
    2. ``"bond-valence"``: pymatgen's ``BVAnalyzer`` (bond-valence sums with
       ICSD-derived priors, charge balanced) succeeds; only ordered cells of
       at most ``max_sites`` sites are tried;
    3. ``"composition"``: the composition has charge-balanced species over
       pymatgen's common or ICSD oxidation-state lists in the package's
       oxidation-state model (:func:`sklearn_leafs.chemistry.guess_oxidation_states`,
       rules :data:`COMPOSITION_RULES`; the steps over every known state are
       not used, as they make intermetallics ionic); every site
       of an element takes the element's average state, rounded to the
       nearest integer when it is mixed valence (BVAnalyzer is the rule that
       tells Fe2+ from Fe3+ sites);
    4. ``"metallic"``: otherwise (elements, intermetallics, alloys), every
       site has charge 0.

    Parameters
    ----------
    structure : pymatgen.core.Structure
    max_sites : int, default=BV_MAX_SITES
        Largest cell given to ``BVAnalyzer``.

    Returns
    -------
    charges : list of dict
        ``{element: charge}`` for each site.
    rule : str
        The rule that decided.

    References
    ----------
    .. [1] I. D. Brown and D. Altermatt, "Bond-valence parameters obtained
       from a systematic analysis of the Inorganic Crystal Structure
       Database", Acta Cryst. B41, 244 (1985).
    .. [2] M. O'Keeffe and N. E. Brese, "Atom sizes and bond lengths in
       molecules and crystals", J. Am. Chem. Soc. 113, 3226 (1991).

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import site_oxidation_states
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> charges, rule = site_oxidation_states(mgo)
    >>> rule, charges[0], charges[-1]
    ('bond-valence', {'Mg': 2}, {'O': -2})
    >>> site_oxidation_states(Structure(Lattice.cubic(3.0), ["Na"], [[0, 0, 0]]))
    ([{'Na': 0}], 'metallic')
    """
    given = _given_charges(structure)
    if given is not None:
        return given, "given"
    n_elements = len(structure.composition.elements)
    if n_elements > 1 and structure.is_ordered and len(structure) <= max_sites:
        charges = _bond_valence(structure)
        if charges is not None:
            return charges, "bond-valence"
    if n_elements > 1:
        charges = _composition_charges(structure)
        if charges is not None:
            return charges, "composition"
    return [{sp.symbol: 0 for sp in site.species} for site in structure], "metallic"


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


@cite
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
    .. [1] {cite:zimmermann2020}.
    .. [2] {cite:ward2018}.

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


@cite
def site_similarities(
    structure, *, symmetry=False, engine="fast", symprec=0.01, oxidation_states=False
):
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
    oxidation_states : bool, default=False
        Also give each row the oxidation state of its species
        (:func:`site_oxidation_states`), in ``charges`` and
        ``oxidation_rule``.

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
        If the geometry is not physical (:func:`check_geometry`: a cell of
        less than :data:`MIN_VOLUME_PER_ATOM` Å^3 per atom, atoms closer than
        :data:`MIN_DISTANCE` Å to their periodic image or to another fully
        occupied site); checked before any neighbour search.

    References
    ----------
    .. [1] {cite:zimmermann2020}.
    .. [2] {cite:ward2018}.
    .. [3] {cite:vasylenko2024}.

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
    check_geometry(structure)
    orbits = symmetry_orbits(structure, symprec) if symmetry else None
    reduced = orbits is not None
    if orbits is None:
        orbits = [[i] for i in range(len(structure))]
    site_rows, elements, weights, vacancies = _species_rows(structure, orbits)
    computed = [orbit[0] for orbit in orbits]
    values = compute_values(structure, computed, engine=engine)
    position = {index: row for row, index in enumerate(computed)}
    charges = rule = None
    if oxidation_states:
        per_site, rule = site_oxidation_states(structure)
        charges = np.array(
            [per_site[i][el] for i, el in zip(site_rows, elements)], dtype=np.int64
        )
    site_rows = np.asarray(site_rows, dtype=np.int64)
    return SiteSimilarities(
        charges=charges,
        oxidation_rule=rule,
        values=values[[position[i] for i in site_rows]].reshape(-1, N_MOTIFS),
        elements=elements,
        weights=np.asarray(weights, dtype=float),
        site_indices=site_rows,
        vacancies=vacancies,
        symmetry_reduced=reduced,
    )

"""Vectorised re-implementation of matminer's ``OPSiteFingerprint``.

``matminer.featurizers.site.OPSiteFingerprint().featurize(structure, i)`` with
its default parameters (37 motifs, ``dr=0.1``, ``ddr=0.01``, ``ndr=1``,
``dop=0.001``, ``dist_exp=2``, ``zero_ops=True``) spends almost all of its time
in Python loops: a neighbour search per site at growing radii, then pymatgen's
``LocalStructOrderParams.get_order_parameters`` looping over neighbour pairs
and triples, once per motif, per distance shell and per bin width.

This module computes the same numbers with one compiled neighbour search per
site and numpy operations over all shells, pairs and triples at once:

1. Neighbours of every site within ``r = 7, 8, ...`` Angstrom (the first
   radius holding at least 12 neighbours, as matminer's loop does), with the
   one-site search of pymatgen's ``Structure.get_neighbors``
   (``find_points_in_spheres``), so that distances *and neighbour order* are
   those matminer sees. The order matters: pymatgen's ``bcc`` order parameter
   only counts pairs ``j < k`` and is not invariant under a permutation of the
   neighbours, and a search over all sites at once lists them in another
   order.
2. Relative distances ``d / d_min`` binned with the three widths
   ``dr - ddr, dr, dr + ddr``. Binning is monotone, so a shell holding ``cn``
   neighbours is always the ``cn`` nearest ones: its order parameters do not
   depend on the bin width, only whether ``cn`` occurs as a shell does.
3. Order parameters of all shells with the same ``cn`` in one batch (the
   formulas of ``LocalStructOrderParams`` for the 21 order-parameter types
   used by the 37 motifs; the 17 "max" motifs, which differ only in their
   parameters, as one stacked array), multiplied by the distance factor
   ``mean(d_min / d) ** 2``.
4. matminer's histogram peak selection (``np.histogram`` with 0.001 bins over
   the three bin-width variants, adjacent-peak merging), vectorised over all
   sites and motifs with numpy's exact bin-edge arithmetic.

``fast_site_fingerprints_many`` does the same for several structures at once,
which shares numpy's per-call overhead (cheaper per site than one call each
on small or symmetry-reduced structures; ``benchmarks/site_environments.py``).

Every site is a point, whatever its species or occupancy, exactly as in
matminer; coincident points make matminer divide by a zero distance, and
raise a ``ValueError`` here.

Agreement. The order parameters agree with pymatgen's to about 1e-15 (the
same formulas; numpy's ``exp``/``arccos``, dot products and summation order differ
from ``math.exp``/``math.acos``, BLAS ``np.inner`` and pymatgen's loops in
the last bits). The distances, shells and histogram arithmetic are
bit-identical. A reported value could therefore only differ where an order
parameter lies within rounding error of a 0.001 histogram bin edge, and then
by one bin (0.001). This happens for ideal motifs whose value is exactly on
an edge: in rock-salt YSe and FeH the pentagonal-pyramidal value is exactly
0.5 in exact arithmetic; pymatgen may compute ``0.5000000000000002`` (bin
centre 0.5005) where the vectorised formulas give ``0.4999999999999999``
(0.4995), and which side pymatgen itself lands on depends on the machine's
BLAS and libm. Such ties are also why matminer itself can differ between
symmetry-equivalent sites. With ``exact_ties=True`` (the default) the few
values within 1e-11 of an edge (mostly perfect cubes and octahedra) are
recomputed with pymatgen's own ``LocalStructOrderParams``, from the same
coordinates and neighbour order, so that the output equals matminer's. See
``benchmarks/fast_kernel_agreement.py`` for the measured agreement.
"""

from __future__ import annotations

import math
import threading
from functools import cache, cached_property, lru_cache

import numpy as np
from pymatgen.core import Site, Structure

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS

from .._citations import cite

__all__ = ["fast_site_fingerprints", "fast_site_fingerprints_many"]

# --- matminer's default parameters ---------------------------------------
_DR = 0.1
_DDR = 0.01
_NDR = 1
_DOP = 0.001
_IDOP = 1.0 / _DOP
_DIST_EXP = 2
_MIN_NEIGHBOURS = 12
_START_RADIUS = 7.0  # matminer: r = 6, then r += 1 before the first search
_MAX_RADIUS = 100.0
_NUMERICAL_TOL = 1e-8  # pymatgen's get_neighbors default
_CHUNK = 512  # shells per batch of order-parameter arrays
# the three bin widths, computed exactly as matminer does
_DRS = tuple(_DR + float(i) * _DDR for i in range(-_NDR, _NDR + 1))

_IPI = 1 / math.pi
_VERY_SMALL = 1e-12
_LEFT_OF_UNITY = 1 - 1e-12
_FAC_BCC = 1 / math.exp(-0.5)
_ASIN_THIRD = math.asin(1 / 3)
_PI_OVER_2 = math.pi / 2.0

# --- pymatgen's parameters of the order parameters (cn_opt_params.yaml and
# op_params.yaml as used by OPSiteFingerprint) -------------------------------
_SPP = 2.356194490192345  # 3/4 pi, min_SPP of the bipyramid-like types

#: (cn, kind, parameters) for the 36 motifs after "sgl_bd CN_1", in order.
_MOTIFS = (
    (2, "bent", {"TA": 0.5, "IGW_TA": 15.15}),
    (2, "bent", {"TA": 0.5802777777777778, "IGW_TA": 13.95}),
    (2, "bent", {"TA": 0.666666666667, "IGW_TA": 13.25}),
    (2, "bent", {"TA": 0.833333333333333, "IGW_TA": 12.45}),
    (2, "bent", {"TA": 1, "IGW_TA": 8.667}),
    (3, "ta_max", {"IGW_TA": 17.5, "TA": 0.66666666667, "fac_AA": 1, "exp": 2}),
    (3, "ta_max", {"TA": 0.6081734479693927, "IGW_TA": 18.33, "fac_AA": 1.5, "exp": 2}),
    (3, "ep_max", {"IGW_EP": 15.5, "fac_AA": 1, "exp": 2}),
    (4, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 13.5, "IGW_EP": 17.7, "fac_AA": 1}),
    (4, "ta_max", {"IGW_TA": 18.5, "TA": 0.6081734479693927, "fac_AA": 1.5, "exp": 2}),
    (4, "see_saw", {"min_SPP": _SPP, "IGW_SPP": 11.5, "IGW_EP": 27, "fac_AA": 2}),
    (4, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 12.75, "IGW_EP": 15.75, "fac_AA": 1.5}),
    (4, "ep_max", {"IGW_EP": 15.5, "fac_AA": 1.5, "exp": 2}),
    (5, "pent_plan", {"TA": 0.6, "IGW_TA": 19.333}),
    (5, "ep_max", {"IGW_EP": 14.9, "fac_AA": 2, "exp": 2}),
    (5, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 12, "IGW_EP": 16.6, "fac_AA": 1.5}),
    (
        6,
        "hex_plan",
        {
            "min_SPP": 2.6179938779914944,
            "IGW_SPP": 7.5,
            "fac_AA": 1,
            "IGW_TA": 25,
            "TA": 0.16666667,
        },
    ),
    (6, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 15, "IGW_EP": 18, "fac_AA": 2}),
    (6, "ep_max", {"IGW_EP": 13.8, "fac_AA": 2.5, "exp": 2}),
    (7, "ep_max", {"IGW_EP": 12.5, "fac_AA": 3, "exp": 2}),
    (7, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 12.5, "IGW_EP": 14.75, "fac_AA": 2.5}),
    (8, "bcc", {"min_SPP": 2.5261129449194057, "IGW_SPP": 15, "w_SPP": 6}),
    (8, "bipyr", {"min_SPP": _SPP, "IGW_SPP": 14.1, "IGW_EP": 13.6, "fac_AA": 3}),
    (9, "q", {"l": 2}),
    (9, "q", {"l": 4}),
    (9, "q", {"l": 6}),
    (10, "q", {"l": 2}),
    (10, "q", {"l": 4}),
    (10, "q", {"l": 6}),
    (11, "q", {"l": 2}),
    (11, "q", {"l": 4}),
    (11, "q", {"l": 6}),
    (
        12,
        "cuboct",
        {
            "min_SPP": 2.792526803190927,
            "IGW_SPP": 28.75,
            "w_SPP": 1.8,
            2: 1.8325957145940461,
            4: 1.3089969389957472,
            5: 25.5,
            6: 31.25,
        },
    ),
    (12, "q", {"l": 2}),
    (12, "q", {"l": 4}),
    (12, "q", {"l": 6}),
)
_N_MOTIFS = len(MOTIF_LABELS)
assert len(_MOTIFS) + 1 == _N_MOTIFS
#: columns of the motifs of each coordination number
_CN_COLUMNS = {
    cn: [1 + i for i, m in enumerate(_MOTIFS) if m[0] == cn] for cn in range(2, 13)
}


# ---------------------------------------------------------------------------
# neighbours
# ---------------------------------------------------------------------------
def _neighbours(structure, sites):
    """Neighbour distances and vectors of each site, as matminer finds them.

    matminer calls ``Structure.get_neighbors(site, r)`` for ``r = 7, 8, ...``
    Angstrom until a site has at least 12 neighbours. This runs the same
    one-site search (pymatgen's ``find_points_in_spheres``), because its order
    of neighbours, which the ``bcc`` order parameter depends on, changes with
    the set of centres. Returns, for each site of ``sites``, the neighbour
    distances and the Cartesian coordinates of the neighbour images.
    """
    from pymatgen.optimization.neighbors import find_points_in_spheres

    matrix = np.ascontiguousarray(structure.lattice.matrix, dtype=float)
    frac = structure.frac_coords
    cart = np.ascontiguousarray(structure.cart_coords, dtype=float)
    pbc = np.ascontiguousarray(structure.pbc, dtype=np.int64)
    all_sites = structure.sites
    atol = Site.position_atol
    out = []
    for i in sites:
        centre = all_sites[i]
        centre_coords = np.ascontiguousarray(cart[i : i + 1])
        r = _START_RADIUS
        while True:
            _, points, images, dists = find_points_in_spheres(
                cart, centre_coords, r=r, pbc=pbc, lattice=matrix, tol=_NUMERICAL_TOL
            )
            # Structure.get_neighbors drops a point within 1e-8 Angstrom when
            # it has index 0 (a quirk of its one-site list) or when it is the
            # same site (species, position and properties); other coincident
            # points stay.
            keep = np.ones(len(dists), dtype=bool)
            for k in np.flatnonzero(dists <= _NUMERICAL_TOL):
                p = int(points[k])
                point = all_sites[p]
                if (
                    p == 0
                    or p == i
                    or (
                        point.species == centre.species
                        and np.allclose(point.coords, centre.coords, atol=atol)
                        and point.properties == centre.properties
                    )
                ):
                    keep[k] = False
            if keep.sum() >= _MIN_NEIGHBOURS:
                break
            r += 1.0
            if r > _MAX_RADIUS:
                raise ValueError(
                    f"site {int(i)} has fewer than {_MIN_NEIGHBOURS} neighbours "
                    f"within {_MAX_RADIUS:g} Angstrom"
                )
        points, images, dists = points[keep], images[keep], dists[keep]
        # PeriodicNeighbor.coords: lattice.get_cartesian_coords(frac + image)
        out.append((dists, (frac[points] + images) @ matrix))
    return out


def _pad(neighbours):
    """Pad per-site distances and coordinates into arrays (``inf`` / 0)."""
    n_max = max(_MIN_NEIGHBOURS + 1, max(len(d) for d, _ in neighbours))
    dist = np.full((len(neighbours), n_max), np.inf)
    vec = np.zeros((len(neighbours), n_max, 3))
    for s, (d, v) in enumerate(neighbours):
        dist[s, : len(d)] = d
        vec[s, : len(d)] = v
    return dist, vec


# ---------------------------------------------------------------------------
# order parameters of a batch of shells with the same number of neighbours
# ---------------------------------------------------------------------------
def _gauss(x):
    """``exp(-0.5 * x * x)`` in pymatgen's order of operations."""
    return np.exp((-0.5 * x) * x)


@cache
def _masks(n):
    """Boolean masks of a shell of n neighbours: j != k, j < k, and
    m not in {j, k} with j != k."""
    eye = np.eye(n, dtype=bool)
    distinct = ~eye[:, :, None] & ~eye[:, None, :] & ~eye[None, :, :]
    return ~eye[None], np.triu(~eye, 1)[None], distinct[None]


def _max_ratio(qsp, norms):
    """``max_{j != k} qsp / norms`` (0 where the norm vanishes)."""
    ok = _masks(qsp.shape[-1])[0] & (norms > 1e-12)
    return np.where(ok, qsp / np.where(ok, norms, 1.0), 0.0).max(axis=(1, 2))


class _Geometry:
    """Angles of a batch of neighbour shells, shape ``(S, n, 3)``.

    Pair quantities are computed up front; the triple quantities (azimuths of
    a third neighbour) only when an order parameter needs them.
    """

    def __init__(self, vec):
        self.n = vec.shape[1]
        dist = np.sqrt(np.einsum("sni,sni->sn", vec, vec))
        self.u = vec / dist[..., None]

    @cached_property
    def gram(self):
        return np.einsum("sji,ski->sjk", self.u, self.u)

    @cached_property
    def theta(self):
        # theta[s, j, k]: angle j-i-k (neighbour j at the north pole)
        return np.arccos(np.clip(self.gram, -1.0, 1.0))

    @cached_property
    def theta_pi(self):
        return self.theta * _IPI

    @cached_property
    def pair(self):
        return _masks(self.n)[0]  # j != k

    @cached_property
    def _axes(self):
        # Gram-Schmidt: the part of u_k orthogonal to u_j -> x axis of (j, k)
        u, gram = self.u, self.gram
        diag = np.einsum("sjj->sj", gram)
        x = u[:, None, :, :] - (gram / diag[:, :, None])[..., None] * u[:, :, None, :]
        xnorm = np.sqrt(np.einsum("sjki,sjki->sjk", x, x))
        flag = xnorm < _VERY_SMALL  # k (anti)parallel to j: no x axis
        return x / np.where(flag, 1.0, xnorm)[..., None], flag

    @cached_property
    def phi(self):
        # phi[s, j, k, m]: azimuth of m around j, measured from k
        x = self._axes[0]
        return np.arccos(np.clip(np.einsum("sjki,sjmi->sjkm", x, x), -1.0, 1.0))

    @cached_property
    def triple(self):
        # pymatgen's m loop: m not in {j, k}, j != k and the x axis exists
        return _masks(self.n)[2] & ~self._axes[1][..., None]

    @cached_property
    def inner(self):
        # ... and the azimuth of m is defined
        return self.triple & ~self._axes[1][:, :, None, :]

    @cached_property
    def t_jm(self):
        return self.theta[:, :, None, :]  # theta_jm broadcast over k

    @cached_property
    def tp_jm(self):
        return self.theta_pi[:, :, None, :]

    @cached_property
    def t_jk(self):
        return self.theta[..., None]  # theta_jk broadcast over m


def _op_bent(g, p):
    q = _gauss(p["IGW_TA"] * (g.theta_pi - p["TA"]))
    n = g.n
    # mean over the ordered pairs j != k
    return np.where(g.pair, q, 0.0).sum(axis=(1, 2)) / float(n * (n - 1))


def _op_bcc(g, p):
    n = g.n
    upper = _masks(n)[1]  # pymatgen counts the pairs j < k only
    spp = p["min_SPP"]
    first_on = upper & (g.theta >= spp)
    first = np.where(
        first_on, p["w_SPP"] * _gauss(p["IGW_SPP"] * (g.theta_pi - 1.0)), 0.0
    )
    fac = np.where(g.t_jk > _PI_OVER_2, 1.0, -1.0)
    tmp = (g.t_jm - _PI_OVER_2) / _ASIN_THIRD
    term = (((fac * np.cos(3 * g.phi)) * _FAC_BCC) * tmp) * _gauss(tmp)
    on = g.inner & upper[..., None] & (g.t_jk < spp)
    qsp = first + np.where(on, term, 0.0).sum(axis=-1)
    return qsp.sum(axis=(1, 2)) / float(0.5 * float(n * (6 + (n - 2) * (n - 3))))


def _op_cuboct(g, p):
    """cuboct_max; azimuths are computed only where a term can be non-zero."""
    spp, a2, a4 = p["min_SPP"], p[2], p[4]
    first_on = g.pair & (g.theta >= spp)
    first = np.where(
        first_on, p["w_SPP"] * _gauss(p["IGW_SPP"] * (g.theta_pi - 1.0)), 0.0
    )
    first_norm = np.where(first_on, p["w_SPP"], 0.0)
    base = g.inner & (g.t_jm < spp) & ((a4 < g.t_jk) & (g.t_jk < a2))
    s, j, k, m = np.nonzero(base)
    x = g._axes[0]
    phi = np.arccos(np.clip(np.einsum("ni,ni->n", x[s, j, k], x[s, j, m]), -1.0, 1.0))
    t_jm, tp_jm = g.theta[s, j, m], g.theta_pi[s, j, m]
    middle = (a4 < t_jm) & (t_jm < a2)
    low = t_jm < a4
    high = t_jm > a2
    c = np.cos(phi)
    t_mid = (c * c) * _gauss(p[5] * (tp_jm - 0.5))
    e_az = _gauss(0.0556 * (np.cos(phi - 0.5 * math.pi) - 0.81649658))
    t_low = e_az * _gauss(p[6] * (tp_jm - 1 / 3))
    t_high = e_az * _gauss(p[6] * (tp_jm - 2 / 3.0))
    terms = np.zeros(base.shape)
    terms[s, j, k, m] = np.where(
        middle, t_mid, np.where(low, t_low, np.where(high, t_high, 0.0))
    )
    norms = np.zeros(base.shape)
    norms[s, j, k, m] = middle | low | high
    qsp, norms = first + terms.sum(axis=-1), first_norm + norms.sum(axis=-1)
    return _max_ratio(qsp, norms)


def _cos_gamma(g):
    """Cosines of the angles between neighbours from pymatgen's polar and
    azimuth angles (azimuth 0 within 1e-12 of the poles), cached on ``g``."""
    if "cos_gamma" not in g.__dict__:
        u = g.u
        z = u[..., 2]
        theta = np.arccos(np.clip(z, -1.0, 1.0))
        rho = np.sqrt(u[..., 0] * u[..., 0] + u[..., 1] * u[..., 1])
        off_pole = (-_LEFT_OF_UNITY < z) & (z < _LEFT_OF_UNITY)
        phi = np.arccos(np.clip(u[..., 0] / np.where(off_pole, rho, 1.0), -1.0, 1.0))
        phi = np.where(u[..., 1] < 0.0, -phi, phi)
        phi = np.where(off_pole, phi, 0.0)
        st, ct = np.sin(theta), np.cos(theta)
        g.__dict__["cos_gamma"] = ct[:, :, None] * ct[:, None, :] + (
            st[:, :, None] * st[:, None, :]
        ) * np.cos(phi[:, :, None] - phi[:, None, :])
    return g.__dict__["cos_gamma"]


def _op_q(g, ell):
    """Steinhardt's bond-orientational order parameter q_l of each shell.

    pymatgen sums the spherical harmonics explicitly; the addition theorem,
    ``q_l**2 = sum_jk P_l(cos gamma_jk) / n**2``, gives the same value.
    """
    x2 = _cos_gamma(g) ** 2
    if ell == 2:
        legendre = (3.0 * x2 - 1.0) / 2.0
    elif ell == 4:
        legendre = ((35.0 * x2 - 30.0) * x2 + 3.0) / 8.0
    else:
        legendre = (((231.0 * x2 - 315.0) * x2 + 105.0) * x2 - 5.0) / 16.0
    return np.sqrt(np.maximum(legendre.sum(axis=(1, 2)), 0.0)) / g.n


_MAX_KINDS = ("ta_max", "ep_max", "bipyr", "see_saw", "hex_plan", "pent_plan")


@cache
def _max_params(cn):
    """Parameters of the "max" motifs of one coordination number, stacked.

    All of them score each pair (j, k) of neighbours (j at the north pole, k
    on the prime meridian) by ``first(theta_jk)`` plus, for every third
    neighbour m, a south-pole term or ``first(theta_jm) * cos(fac * phi)**2``,
    divide by the number of terms, and take the maximum over the pairs. They
    differ only in parameters, so they are computed as one stacked array.
    """
    inf = np.inf

    def row(kind, p):
        spp = p.get("min_SPP", inf) if kind in ("bipyr", "see_saw", "hex_plan") else inf
        if kind in ("ta_max", "hex_plan", "pent_plan"):
            igw, centre = p["IGW_TA"], p["TA"]
        else:
            igw, centre = p["IGW_EP"], 0.5
        thr, hi = inf, centre
        if kind == "pent_plan":  # target 0.4 up to TA * pi, 0.8 beyond
            thr, centre, hi = p["TA"] * math.pi, 0.4, 0.8
        return (
            igw,
            centre,
            hi,
            thr,
            kind == "hex_plan",  # |theta / pi - 0.5| instead of theta / pi
            spp,
            p.get("IGW_SPP", 0.0),
            p.get("fac_AA", 1),
            kind == "see_saw",  # only azimuths below 3/4 pi
        )

    motifs = [m for m in _MOTIFS if m[0] == cn and m[1] in _MAX_KINDS]
    cols = list(zip(*(row(kind, p) for _, kind, p in motifs), strict=True))
    shape = (-1, 1, 1, 1)
    return [np.array(c).reshape(shape) for c in cols]


def _ops_max(g):
    """The "max" motifs (see ``_max_params``) of a batch of shells, ``(S, P)``."""
    igw, lo, hi, thr, absolute, spp, igw_spp, fac, see_saw = _max_params(g.n)
    x = g.theta_pi[None]
    x = np.where(absolute, np.abs(x - 0.5), x)
    gauss = _gauss(igw * (x - np.where(g.theta[None] <= thr, lo, hi)))
    first_on = g.pair & (g.theta[None] < spp)  # (P, S, j, k)
    first = np.where(first_on, gauss, 0.0)
    spp5, t_jm = spp[..., None], g.t_jm[None]
    m_below = t_jm < spp5
    south = g.triple[None] & ~m_below
    inner = g.inner[None] & m_below & first_on[..., None]
    phi = g.phi[None]
    inner &= ~(see_saw[..., None] & (phi >= 0.75 * math.pi))
    c = np.cos(fac[..., None] * phi)
    south_term = _gauss(igw_spp[..., None] * (g.tp_jm[None] - 1.0))
    terms = np.where(
        south, south_term, np.where(inner, (c * c) * gauss[:, :, :, None, :], 0.0)
    )
    qsp = first + terms.sum(axis=-1)
    norms = first_on + south.sum(axis=-1) + inner.sum(axis=-1)
    ok = g.pair & (norms > 0)
    ratio = np.where(ok, qsp / np.where(ok, norms, 1), 0.0)
    return ratio.max(axis=(2, 3)).T


def _shell_ops(vec):
    """Order parameters (before the distance factor) of shells ``(S, n, 3)``.

    Returns ``(S, n_motifs(n))`` in the column order of ``_CN_COLUMNS[n]``.
    """
    g = _Geometry(vec)
    motifs = [_MOTIFS[c - 1] for c in _CN_COLUMNS[g.n]]
    out = [None] * len(motifs)
    stacked = [i for i, m in enumerate(motifs) if m[1] in _MAX_KINDS]
    if stacked:
        values = _ops_max(g)
        for j, i in enumerate(stacked):
            out[i] = values[:, j]
    for i, (_cn, kind, p) in enumerate(motifs):
        if kind == "bent":
            out[i] = _op_bent(g, p)
        elif kind == "bcc":
            out[i] = _op_bcc(g, p)
        elif kind == "cuboct":
            out[i] = _op_cuboct(g, p)
        elif kind == "q":
            out[i] = _op_q(g, p["l"])
    return np.stack(out, axis=1)


# ---------------------------------------------------------------------------
# matminer's histogram peak selection
# ---------------------------------------------------------------------------
def _histogram_peaks(value, n_shell):
    """matminer's choice among the three bin-width variants, vectorised.

    For each site and motif matminer histograms three values, one per bin
    width ``dr``: the shell's order parameter ``value`` for the ``n_shell``
    widths at which the motif's coordination number is a shell, and exactly
    0 for the others (``sgl_bd`` has ``n_shell = 3``). It then reports the
    centre of the fullest bin of ``np.histogram(values, bins=nbins,
    range=(minval, maxval))``, merging two adjacent fullest bins. With at most
    two distinct values this reduces to a few cases, reproduced here with
    numpy's own bin-edge arithmetic (``np.linspace`` edges, right edge
    included in the last bin), bit for bit.
    """
    v = np.where(n_shell > 0, value, 0.0)
    zeros = n_shell < 3
    vmin = np.where(zeros, np.minimum(v, 0.0), v)
    vmax = np.where(zeros, np.maximum(v, 0.0), v)
    minval = np.clip(np.trunc(vmin * _IDOP - 1.5) * _DOP, 0.0, 1.0)
    maxval = np.clip(np.trunc(vmax * _IDOP + 1.5) * _DOP, 0.0, 1.0)
    same = minval == maxval
    minval = np.where(same, minval - _DOP, minval)
    maxval = np.where(same, maxval + _DOP, maxval)
    width = maxval - minval
    nbins = np.trunc(width * _IDOP)
    if (nbins < 1).any():  # np.histogram would raise
        raise ValueError("histogram of order parameters has no bins")
    step = width / nbins

    def edge(i):  # np.linspace(minval, maxval, nbins + 1)[i]
        return np.where(i >= nbins, maxval, i * step + minval)

    def centre(i):
        return 0.5 * (edge(i) + edge(i + 1))

    inside = (v >= minval) & (v <= maxval)
    # numpy's bin index: an estimate, corrected by one against the edges
    idx = np.trunc(np.where(inside, v - minval, 0.0) / width * nbins)
    idx = np.where(idx == nbins, idx - 1, idx)
    idx = np.where(v < edge(idx), idx - 1, idx)
    idx = np.where((v >= edge(idx + 1)) & (idx != nbins - 1), idx + 1, idx)
    # the zeros, if any, fill bin 0 (minval is 0 then)
    first = centre(0.0)
    result = first
    # three values v: their bin; none in range: every bin is an empty peak
    # and the first two are merged
    three = n_shell == 3
    result = np.where(three & inside, centre(idx), result)
    lost = three & ~inside & (nbins >= 2)
    result = np.where(lost, 0.5 * (first + centre(1.0)), result)
    # two values v and one zero: v's bin is the fullest unless it is bin 0
    two = (n_shell == 2) & inside & (idx != 0)
    return np.where(two, centre(idx), result)


# ---------------------------------------------------------------------------
# floating-point ties at histogram bin edges
# ---------------------------------------------------------------------------
_TIE_TOL = 1e-11  # >> the ~1e-15 difference between these and pymatgen's values
_PYMATGEN_LOCK = threading.Lock()


_BCC = MOTIF_LABELS.index("body-centered cubic CN_8")


def _near_bin_edge(values):
    """Where a value is within ``_TIE_TOL`` of a multiple of 0.0005.

    matminer's histogram depends on which side of ``k / 1000`` (bin edges) and
    ``k / 1000 + 0.0005`` (the rounding in ``minval``/``maxval``) a value lies.
    Two such points are safe. 0: the three values of a motif are the shell's
    value v wherever its coordination number is a shell and exactly 0 (zero
    ops) elsewhere, and for v within rounding of 0 all of them land in the
    first bin, 0.0005, whatever the sign of v. 1, for every order parameter
    but bcc: means of terms that are at most 1, times a distance factor of at
    most 1, cannot round above 1 in either implementation, and 1 and the
    largest double below it share a bin. bcc is a signed sum, and a perfect
    cube gives pymatgen 1 + 2e-16 or 1 - 1e-16.
    """
    x = values * 2000.0
    k = np.rint(x)
    near = np.abs(x - k) < 2000.0 * _TIE_TOL
    safe = (k == 0.0) | (k == 2000.0)
    safe[..., _BCC] = k[..., _BCC] == 0.0
    return near & ~safe


@lru_cache(maxsize=1)
def _pymatgen_ops():
    """pymatgen order-parameter objects of the 37 motifs, built once as
    matminer builds them (``OPSiteFingerprint.__init__``).

    They keep scratch state between calls; ``_resolve_ties`` holds
    ``_PYMATGEN_LOCK`` while it uses them.
    """
    try:  # pymatgen > 2025.10.7
        from pymatgen.core.local_env import (
            CN_OPT_PARAMS,
            DEFAULT_OP_PARAMS,
            LocalStructOrderParams,
        )
    except ImportError:  # pragma: no cover - older pymatgen
        from pymatgen.analysis.local_env import (
            CN_OPT_PARAMS,
            DEFAULT_OP_PARAMS,
            LocalStructOrderParams,
        )
    ops = []
    for label in MOTIF_LABELS:
        name, cn = label.rsplit(" CN_", 1)
        cn_params = CN_OPT_PARAMS.get(int(cn), {})
        kind, param = name, None
        if name in cn_params:
            kind = cn_params[name][0]
            if len(cn_params[name]) > 1:
                param = cn_params[name][1]
        if param is None:
            param = DEFAULT_OP_PARAMS[kind]
        # plain dicts: the YAML mappings are slow to read in pymatgen's loops
        param = None if param is None else dict(param)
        ops.append(LocalStructOrderParams([kind], parameters=[param]))
    return ops


_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant


def _fma(a, b, c):
    """``a * b + c`` with a single rounding (error-free transformations)."""
    p = a * b
    t = a * _SPLIT
    ah = t - (t - a)
    t = b * _SPLIT
    bh = t - (t - b)
    al, bl = a - ah, b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + e == a * b exactly
    s = p + c
    bb = s - p
    return s + (((p - (s - bb)) + (c - bb)) + e)


def _blas_dot3(a, b):
    """``np.inner`` of 3-vectors as OpenBLAS computes it (an FMA chain),
    elementwise over the leading axes."""
    return _fma(a[..., 2], b[..., 2], _fma(a[..., 1], b[..., 1], a[..., 0] * b[..., 0]))


@lru_cache(maxsize=1)
def _blas_dot3_is_exact():
    """Whether ``_blas_dot3`` reproduces this machine's ``np.inner`` and
    ``np.linalg.norm`` bit for bit (checked once on random vectors)."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 500, 3))
    inner = np.array([np.inner(x, y) for x, y in zip(a, b, strict=True)])
    norm = np.array([np.linalg.norm(x) for x in a])
    return bool(
        np.array_equal(inner, _blas_dot3(a, b))
        and np.array_equal(norm, np.sqrt(_blas_dot3(a, a)))
    )


def _bcc_exact(centre, neighbours, p=_MOTIFS[_BCC - 1][2]):
    """pymatgen's bcc order parameter of one shell, bit for bit.

    The operations of ``LocalStructOrderParams.get_order_parameters`` for
    "bcc" in the same order, with ``math`` functions and BLAS-exact dot
    products, for the pairs j < k only (the others contribute nothing).
    Faster than calling pymatgen, which matters because perfect cubes (CsCl,
    fluorite, bcc metals) put bcc exactly on the tie at 1.
    """
    rij = neighbours - centre
    n = len(rij)
    u = rij / np.sqrt(_blas_dot3(rij, rij))[:, None]
    uj, uk = u[:, None, :], u[None, :, :]
    gram = _blas_dot3(uj, uk)  # [j, k]: inner(u_j, u_k)
    # gramschmidt(u_k, u_j) = u_k - (inner(u_k, u_j) / inner(u_j, u_j)) u_j
    x = uk - (_blas_dot3(uk, uj) / np.diagonal(gram)[:, None])[..., None] * uj
    xnorm = np.sqrt(_blas_dot3(x, x))
    flag = xnorm < _VERY_SMALL
    x = x / np.where(flag, 1.0, xnorm)[..., None]
    cosphi = _blas_dot3(x[:, None, :, :], x[:, :, None, :]).tolist()  # [j][k][m]
    flag = flag.tolist()
    theta = [[math.acos(max(-1.0, min(v, 1.0))) for v in r] for r in gram.tolist()]
    tmp = [[(t - _PI_OVER_2) / _ASIN_THIRD for t in r] for r in theta]
    gauss = [[math.exp(-0.5 * t * t) for t in r] for r in tmp]
    spp, igw, w = p["min_SPP"], p["IGW_SPP"], p["w_SPP"]
    total = 0.0
    for j in range(n):
        row = 0
        for k in range(j + 1, n):
            q = 0.0
            tk = theta[j][k]
            if tk >= spp:
                t = igw * (tk * _IPI - 1.0)
                q += w * math.exp(-0.5 * t * t)
            elif not flag[j][k]:
                fac = 1 if tk > _PI_OVER_2 else -1
                cj, tj, gj, fj = cosphi[j][k], tmp[j], gauss[j], flag[j]
                for m in range(n):
                    if m == j or m == k or fj[m]:
                        continue
                    phi = math.acos(max(-1.0, min(cj[m], 1.0)))
                    q += fac * math.cos(3 * phi) * _FAC_BCC * tj[m] * gj[m]
            row += q
        total += row
    return total / float(0.5 * float(n * (6 + (n - 2) * (n - 3))))


def _has_right_angle(shell_vec):
    """Which CN-8 shells have two neighbours at (numerically) 90 degrees.

    bcc weighs the triple terms of a pair (j, k) by +1 or -1 depending on
    whether the angle j-i-k exceeds pi/2, so a right angle is a sign tie: the
    last bit of ``acos`` decides it, and it moves bcc by far more than a bin
    (0.007 in an AFLOW prototype of the corpus). Such shells are recomputed
    with pymatgen's own arithmetic.
    """
    u = shell_vec / np.sqrt(np.einsum("sni,sni->sn", shell_vec, shell_vec))[..., None]
    cos = np.abs(np.einsum("sji,ski->sjk", u, u))
    off = ~np.eye(u.shape[1], dtype=bool)
    return ((cos < _TIE_TOL) & off).any(axis=(1, 2))


def _resolve_ties(ties, value, centres, coords, dist, order, rel):
    """Replace tied values by pymatgen's own, bit for bit, in place.

    ``ties[s, c]`` marks the values of ``value`` to recompute, from the same
    neighbour coordinates, neighbour order and distance factor as matminer's.
    """
    ops = None
    n_cols = [0] + [m[0] for m in _MOTIFS]  # coordination number per column
    for s, c in np.argwhere(ties):
        n = int(np.isfinite(dist[s]).sum())
        cn = n if c == 0 else n_cols[c]  # sgl_bd uses every neighbour
        members = np.arange(n) if c == 0 else np.sort(order[s, :cn])
        if c == _BCC and _blas_dot3_is_exact():
            op = _bcc_exact(centres[s], coords[s, members])
        else:
            ops = ops or _pymatgen_ops()
            shell = [Site("H", centres[s])]
            shell += [Site("H", coords[s, j]) for j in members]
            with _PYMATGEN_LOCK:
                op = ops[c].get_order_parameters(shell, 0, range(1, len(shell)))[0]
        if c > 0:
            d_fac = 0.0
            for j in members:
                d_fac += 1.0 / rel[s, j]
            # Python's float power (libm pow), as matminer's ``** dist_exp``
            d_fac = math.pow(d_fac / float(cn), _DIST_EXP)
            op = 0.0 if op is None else d_fac * op
        value[s, c] = op


# ---------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------
def _check_indices(structure, indices):
    n = len(structure)
    if indices is None:
        return np.arange(n)
    idx = np.asarray(indices)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1:
        raise ValueError("indices must be a 1-D sequence of site indices")
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"indices must be integers, got {idx.dtype}")
    idx = idx.astype(np.intp)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise ValueError(
            f"site index {int(idx[bad][0])} is out of range for a structure "
            f"with {n} sites"
        )
    return np.where(idx < 0, idx + n, idx)


@cite
def fast_site_fingerprints(structure, indices=None, *, exact_ties=True):
    """Local-environment motif similarities of sites, as matminer computes them.

    A vectorised re-implementation of
    ``matminer.featurizers.site.OPSiteFingerprint().featurize(structure, i)``
    with its default parameters. Every site is treated as a point, whatever
    its species or occupancy, as matminer does.

    Parameters
    ----------
    structure : pymatgen.core.Structure
        A periodic structure, ordered or disordered.
    indices : sequence of int, default=None
        Site indices to compute; all sites when None. Repeats are allowed.
    exact_ties : bool, default=True
        Recompute, with pymatgen's own ``LocalStructOrderParams`` (the code
        matminer runs), the few order parameters that lie within 1e-11 of a
        0.001 histogram bin edge, where the last bit decides the reported bin
        (for example the exact 0.5 of a perfect octahedron). With False, such
        values may land one bin (0.001) away from matminer's, and the kernel
        runs somewhat faster on high-symmetry structures.

    Returns
    -------
    numpy.ndarray of shape (len(indices), 37)
        float64 similarities, columns in ``sklearn_leafs.chemistry._motifs.MOTIF_LABELS``
        order. Values lie on matminer's histogram grid: bin centres such as
        0.0005 for "absent" and 0.9995 for a perfect motif.

    Raises
    ------
    ValueError
        If an index is out of range, if a site coincides with another site
        (matminer divides by a zero nearest-neighbour distance there), or if
        a site has fewer than 12 neighbours within 100 Angstrom.

    References
    ----------
    .. [1] {cite:zimmermann2020}.
    .. [2] {cite:ward2018}.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._fast_kernel import fast_site_fingerprints
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> fp = fast_site_fingerprints(mgo, [0])
    >>> fp.shape
    (1, 37)
    >>> fp[0, 17:20].round(4).tolist()  # hexagonal planar, octahedral, pent. pyr.
    [0.2005, 0.9995, 0.5005]
    """
    _check_structure(structure)
    idx = _check_indices(structure, indices)
    if idx.size == 0:
        return np.empty((0, _N_MOTIFS))
    sites, inverse = np.unique(idx, return_inverse=True)
    neighbours = _neighbours(structure, sites)
    centres = structure.cart_coords[sites]
    labels = [f"site {int(i)}" for i in sites]
    return _site_values(neighbours, centres, labels, exact_ties)[inverse]


@cite
def fast_site_fingerprints_many(structures, indices=None, *, exact_ties=True):
    """:func:`fast_site_fingerprints` of several structures in one batch.

    The same values, computed together: the per-call overhead of numpy is
    shared by all sites, which makes small and symmetry-reduced structures
    several times cheaper than one call each.

    Parameters
    ----------
    structures : sequence of pymatgen.core.Structure
        Periodic structures, ordered or disordered.
    indices : sequence of (sequence of int or None), default=None
        Site indices of each structure; all sites of every structure when
        None, all sites of one structure where its entry is None.
    exact_ties : bool, default=True
        As in :func:`fast_site_fingerprints`.

    Returns
    -------
    list of numpy.ndarray
        One ``(len(indices[k]), 37)`` array per structure.

    Raises
    ------
    ValueError
        As :func:`fast_site_fingerprints`, naming the structure by its
        position in ``structures``.

    References
    ----------
    .. [1] {cite:zimmermann2020}.
    .. [2] {cite:ward2018}.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments._fast_kernel import (
    ...     fast_site_fingerprints_many,
    ... )
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> cscl = Structure(Lattice.cubic(4.12), ["Cs", "Cl"], [[0, 0, 0], [0.5] * 3])
    >>> fps = fast_site_fingerprints_many([mgo, cscl], [[0], None])
    >>> [fp.shape for fp in fps]
    [(1, 37), (2, 37)]
    >>> float(fps[1][0, 22])  # body-centred cubic CN_8 of Cs
    0.9995
    """
    structures = list(structures)
    if indices is None:
        indices = [None] * len(structures)
    indices = list(indices)
    if len(indices) != len(structures):
        raise ValueError(
            f"got {len(indices)} index lists for {len(structures)} structures"
        )
    neighbours, centres, labels, parts = [], [], [], []
    for k, (structure, idx) in enumerate(zip(structures, indices, strict=True)):
        try:
            _check_structure(structure)
            idx = _check_indices(structure, idx)
            sites, inverse = np.unique(idx, return_inverse=True)
            neighbours += _neighbours(structure, sites)
        except ValueError as exc:
            raise ValueError(f"structure {k}: {exc}") from exc
        centres.append(structure.cart_coords[sites])
        labels += [f"structure {k}: site {int(i)}" for i in sites]
        parts.append((len(sites), inverse))
    if not labels:
        return [np.empty((0, _N_MOTIFS)) for _ in structures]
    values = _site_values(neighbours, np.concatenate(centres), labels, exact_ties)
    out, start = [], 0
    for n, inverse in parts:
        out.append(values[start : start + n][inverse])
        start += n
    return out


def _check_structure(structure):
    from pymatgen.core import IStructure  # Structure subclasses IStructure

    if not isinstance(structure, (Structure, IStructure)):
        raise ValueError(
            f"expected a pymatgen Structure, got {type(structure).__name__}"
        )


def _site_values(neighbours, centres, labels, exact_ties):
    """The 37 values of each site from its neighbours (``_neighbours``) and
    its Cartesian coordinates; ``labels`` name the sites in errors."""
    dist, coords = _pad(neighbours)
    vec = coords - centres[:, None, :]  # as pymatgen: neigh.coords - centvec
    n_sites = len(neighbours)

    dmin = dist.min(axis=1)
    if (dmin <= 0.0).any():
        s = int(np.flatnonzero(dmin <= 0.0)[0])
        raise ValueError(
            f"{labels[s]} coincides with another site (nearest-neighbour "
            "distance 0); matminer's OPSiteFingerprint cannot handle it"
        )
    rel = dist / dmin[:, None]
    order = np.argsort(rel, axis=1, kind="stable")
    rel_sorted = np.take_along_axis(rel, order, axis=1)

    # value[s, c]: the order parameter of motif c at site s (times the
    # distance factor); n_shell[s, c]: for how many of the three bin widths
    # its coordination number is a shell (elsewhere matminer's value is 0)
    value = np.zeros((n_sites, _N_MOTIFS))
    n_shell = np.zeros((n_sites, _N_MOTIFS), dtype=np.intp)
    right_angle = np.zeros(n_sites, dtype=bool)  # bcc shells with a j-i-k of 90
    # sgl_bd over all neighbours: 1 - d_1 / d_2 (pymatgen's vector norms)
    norms = np.sqrt(np.einsum("sni,sni->sn", vec, vec))
    norms[~np.isfinite(dist)] = np.inf
    two = np.sort(norms, axis=1)[:, :2]
    value[:, 0] = 1 - two[:, 0] / two[:, 1]
    n_shell[:, 0] = len(_DRS)

    # which neighbour counts occur as a distance shell, per bin width: the
    # binned distances of the cn-th and (cn+1)-th nearest neighbours differ
    shells = np.zeros((n_sites, 13), dtype=np.intp)
    for dr in _DRS:
        binned = (np.floor(rel_sorted[:, 1:13] * (1.0 / dr) + 0.5) + 0.5) * dr
        shells[:, 2:13] += binned[:, :-1] < binned[:, 1:]

    for cn in range(2, 13):
        batch = np.flatnonzero(shells[:, cn])
        if not batch.size:
            continue
        members = np.sort(order[batch, :cn], axis=1)  # pymatgen's order
        # distance factor: mean(d_min / d) ** 2 over the shell
        d_fac = (1.0 / rel[batch[:, None], members]).sum(axis=1) / float(cn)
        d_fac = d_fac**_DIST_EXP
        shell_vec = vec[batch[:, None], members]
        # bounded memory: at most _CHUNK shells of n**3 triples at a time
        ops = np.concatenate(
            [
                _shell_ops(shell_vec[i : i + _CHUNK])
                for i in range(0, batch.size, _CHUNK)
            ]
        )
        cols = _CN_COLUMNS[cn]
        value[batch[:, None], cols] = d_fac[:, None] * ops
        n_shell[batch[:, None], cols] = shells[batch, cn][:, None]
        if cn == 8:
            right_angle[batch] = _has_right_angle(shell_vec)

    if exact_ties:
        ties = _near_bin_edge(value) & (n_shell > 0)
        ties[:, _BCC] |= right_angle & (n_shell[:, _BCC] > 0)
        if ties.any():
            _resolve_ties(ties, value, centres, coords, dist, order, rel)

    return _histogram_peaks(value, n_shell)

"""Structure types of solid solutions, doped and off-stoichiometric compositions.

A composition such as ``Sn0.25Pb0.75Se`` is not the ordered compound
``SnPb3Se4``: it is the parent compound PbSe with Sn on a quarter of the Pb
sites.  :func:`predict_parent_structure` reads a composition as a parent with
mixed occupancy before the template search of
:func:`~sklearn_leafs.substitution.predict_structure_type`:

1. **Roles.** Every element gets the role of the package's oxidation-state
   model (:func:`~sklearn_leafs.chemistry.guess_oxidation_states`): cation
   or anion.  Compositions of metals and metalloids whose charges do not
   balance with integer states (``Si0.2Ge0.8``, ``CuZn``), and compositions
   of elements of one periodic group below period 2 (``Bi0.9Sb0.1``,
   ``Te0.8Se0.2``, which the model would balance as Te4+ Se2-), are alloys:
   all their elements share one role.  Species of different roles
   never share a site (Na and Cl never mix).
2. **Sites.** Every partition of the species of each role into sites is a
   candidate reading.  On a site, the host is the majority species and every
   other species is a guest.  A guest holding more than ``dopant_fraction``
   of its site must be chemically similar to the host: its *mixing
   probability* (below) must reach ``min_mixing``.  A dopant (at most
   ``dopant_fraction`` of its site) may sit on any site of its role.
3. **Parent stoichiometry.** The site amounts are matched to small integer
   multiplicities ``n`` (at most ``max_multiplicity`` each) within
   ``tolerance``: every site is filled to between ``1 - tolerance`` and
   ``1 + tolerance`` of its multiplicity, vacancies and excess
   (off-stoichiometry, ``Fe0.95O``, ``Zr0.92Y0.08O1.96``) included.  Readings
   that fit at the scale the formula is written in (site sums already near
   integers: ``Li(Ni0.33Mn0.33Co0.33)O2``) come first, ranked by their mixing
   probability times, per site, ``1 - |occupancy - 1| / tolerance`` (a full
   site costs nothing, one at the edge of the tolerance everything: Al in
   ``LiNi0.8Co0.15Al0.05O2`` goes on the Ni site, which it fills, not on the
   Li site, which it would overfill); otherwise the scale is free and the smallest parent formula
   wins, then the mixing probability.
4. **Parents and end members.** The parent is the formula of the hosts with
   multiplicities ``n``.  The end members are the formulas with one
   non-dopant species per mixed site, weighted by the product of their site
   fractions (Vegard-type interpolation between end members [3]_):
   ``Sn0.25Pb0.75Se`` has PbSe at 0.75 and SnSe at 0.25.  Dopants define no
   end member of their own.
5. **Structure type.** Each end member's prototypes come from
   :func:`~sklearn_leafs.substitution.predict_structure_type`; the
   composition's probability of a prototype is the weighted mean over the end
   members, so when end members differ (PbSe rock salt, SnSe orthorhombic)
   both prototypes are reported with their shares.  If the parent has no
   template, the next reading is tried.

The mixing probability of a guest ``g`` on the site of host ``h`` is the
substitution probability of Eq. 1 of Vasylenko et al. [1]_ turned into a rank
probability: the share of the Eq. 1 distribution ``p(. <- h)`` over all other
species that is no more probable than ``g``,

``pi(g | h) = sum_{Y != h, p(Y <- h) <= p(g <- h)} p(Y <- h) / sum_{Y != h} p(Y <- h)``

(1 for the most probable substitute of ``h``, near 0 for the least).  It is
free of the scale of Eq. 1, whose probabilities are spread over every element
of the table, and it orders guests as the data-mined substitution model of
Hautier et al. [2]_ does.  A reading's mixing probability is the product over
its guests.  The source of ``p`` is one argument (``substitution``): the
default table's Eq. 1 frame, another frame, or any callable
``p(guest, host)``.

Compositions written with integer amounts are stoichiometric: they are
answered by ``predict_structure_type`` unchanged, and read as a disordered
parent only when it finds no template (the reason says so).  A composition
that matches no parent gets ``"no prediction"`` with the reason.

References
----------
.. [1] {cite:vasylenko2024}; Eq. 1.
.. [2] {cite:hautier2011}.
.. [3] L. Vegard, "Die Konstitution der Mischkristalle und die Raumfüllung der
   Atome", Z. Phys. 5, 17 (1921).
"""

import itertools
import math
from collections import namedtuple
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from .._citations import cite, fill_citations
from ..chemistry import as_items, guess_oxidation_states, item_amounts
from ._similarity import substitution_probabilities
from ._structure_types import NO_PREDICTION, PREDICTION_COLUMNS, ordered_structure_types
from ._templates import load_templates

__doc__ = fill_citations(__doc__)

__all__ = ["end_members", "mixing_source", "predict_parent_structure", "site_readings"]

#: Default largest relative vacancy or excess per site (10%).
DEFAULT_TOLERANCE = 0.1
#: Default largest share of a site that a dissimilar dopant may hold.
DEFAULT_DOPANT_FRACTION = 0.1
#: Default smallest mixing probability of a non-dopant guest.
DEFAULT_MIN_MIXING = 0.25
#: Largest multiplicity of a site in a parent formula (garnets have 12).
DEFAULT_MAX_MULTIPLICITY = 12
#: Species of one role beyond which site partitions are not enumerated.
MAX_SPECIES_PER_ROLE = 7
#: End members kept per reading (by weight) and readings tried per composition.
MAX_END_MEMBERS = 8
MAX_READINGS = 6
#: Prototypes taken from each end member's prediction.
END_MEMBER_TOP = 5

_COLUMNS = [
    *PREDICTION_COLUMNS,
    "parent",
    "mixed_sites",
    "end_members",
    "mixing_probability",
]

Site = namedtuple("Site", "host members multiplicity occupancy")
Site.__doc__ = """One site of a parent: host element, ``((element, amount), ...)``
(host first), integer multiplicity and occupancy (site amount / multiplicity
at the fitted scale; 1 is full)."""
Reading = namedtuple("Reading", "sites mixing_probability written deviation")
Reading.__doc__ = """A composition read as a parent with mixed occupancy:
sites, product of the guests' mixing probabilities, whether the site sums fit
at the scale the formula is written in, and the largest relative deviation of
a site from its multiplicity."""

_ALLOY_RULES = ("electronegativity", "fractional", "all", "all-mixed")


# -- the substitution-probability source -----------------------------------------
def _eq1_frame(table):

    return substitution_probabilities(table)


@lru_cache(maxsize=4)
def _default_frame(table):
    return _eq1_frame(table)


def mixing_source(substitution=None, table="open"):
    """The mixing probability ``pi(guest, host)`` from a substitution source.

    ``substitution``: None (Eq. 1 of ``table``,
    :func:`~sklearn_leafs.similarity.substitution_probabilities`), a frame
    whose ``loc[guest, host]`` is ``p(guest <- host)``, or a callable
    ``p(guest, host)`` evaluated over the elements of the default Eq. 1 frame.
    Returns a callable giving the rank probability of the module docstring
    (NaN when the source has no probability for the pair).

    Examples
    --------
    >>> import pandas as pd
    >>> P = pd.DataFrame({"Pb": [0.0, 0.5, 0.2, 0.3]}, index=["Pb", "Sn", "S", "Se"])
    >>> pi = mixing_source(P)
    >>> pi("Sn", "Pb"), pi("S", "Pb")
    (1.0, 0.2)
    >>> mixing_source()("Sr", "Ba") > mixing_source()("Ti", "Ba")
    True
    """
    if substitution is None:
        frame = _default_frame(table) if isinstance(table, str) else _eq1_frame(table)
    elif isinstance(substitution, pd.DataFrame):
        frame = substitution
    elif callable(substitution):
        frame = None
    else:
        raise TypeError(
            "substitution must be None, a DataFrame or a callable p(guest, host), "
            f"got {type(substitution).__name__}"
        )
    candidates = list(_default_frame("vasylenko2024").index) if frame is None else None
    columns = {}

    def column(host):
        if host not in columns:
            if frame is not None:
                col = frame[host] if host in frame.columns else pd.Series(dtype=float)
            else:
                col = pd.Series({g: substitution(g, host) for g in candidates})
            col = col.drop(host, errors="ignore").astype(float).dropna()
            columns[host] = (np.sort(col.to_numpy()), col)
        return columns[host]

    def pi(guest, host):
        values, col = column(host)
        if guest not in col.index or values.sum() <= 0:
            return math.nan
        p = col[guest]
        cumulative = values[: np.searchsorted(values, p, side="right")].sum()
        return float(cumulative / values.sum())

    return pi


# -- sites and parents -------------------------------------------------------------
def _role_groups(amounts):
    """Species grouped by role: ``[[element, ...], ...]`` in written order."""
    guess = guess_oxidation_states(amounts)
    if len(amounts) > 1 and (
        (guess.rule in _ALLOY_RULES and _all_metallic(amounts))
        or _isovalent_elements(amounts)
    ):
        return [list(amounts)]
    groups = {}
    for el in amounts:
        groups.setdefault(guess.roles.get(el, "neutral"), []).append(el)
    return list(groups.values())


@cache
def _metallic(symbol):
    from pymatgen.core import Element

    el = Element(symbol)
    return bool(el.is_metal or el.is_metalloid)


def _all_metallic(amounts):
    return all(_metallic(el) for el in amounts)


@cache
def _group_and_row(symbol):
    from pymatgen.core import Element

    el = Element(symbol)
    return el.group, el.row


def _isovalent_elements(amounts):
    """Elements of one periodic group below period 2 (Si-Ge, Bi-Sb, Se-Te):
    the oxidation-state model balances some of them (Te4+ Se2-), but written
    as fractions they are an elemental alloy."""
    info = [_group_and_row(el) for el in amounts]
    return len({g for g, _ in info}) == 1 and all(r >= 3 for _, r in info)


def _partitions(items):
    """Every partition of ``items`` into blocks (lists, order kept)."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for p in _partitions(rest):
        yield [[first], *p]
        for i in range(len(p)):
            yield [*p[:i], [first, *p[i]], *p[i + 1 :]]


def _block(block, amounts, pi, dopant_fraction, min_mixing):
    """``(members, mixing probability)`` of one site, or None if inadmissible."""
    members = sorted(block, key=lambda el: -amounts[el])  # stable: written order
    host, total = members[0], sum(amounts[el] for el in block)
    prob = 1.0
    for guest in members[1:]:
        p = pi(guest, host)
        dopant = amounts[guest] / total <= dopant_fraction
        if not dopant and not (p >= min_mixing):
            return None
        prob *= p if not math.isnan(p) else 1.0
    return tuple((el, amounts[el]) for el in members), prob


def _fit(totals, tolerance, max_multiplicity):
    """Integer multiplicities of site totals: ``(n, occupancy, written, dev)``.

    First at the written scale (``n = round(total)``), else the smallest
    ``sum(n)`` at a free scale; None when no fit is within ``tolerance``.
    """
    s = np.asarray(totals, dtype=float)
    n = np.maximum(1, np.rint(s))
    dev = np.abs(s - n) / n
    if dev.max() <= tolerance + 1e-9 and n.max() <= max_multiplicity:
        return n.astype(int), s / n, True, float(dev.max())
    m = np.arange(1, max_multiplicity + 1)
    scales = (s[:, None] / m[None, :]).ravel()
    cand = np.maximum(1, np.rint(s[None, :] / scales[:, None]))
    cand = cand[(cand <= max_multiplicity).all(axis=1)]
    if not len(cand):
        return None
    a = s[None, :] / cand
    dev = (a.max(axis=1) - a.min(axis=1)) / (a.max(axis=1) + a.min(axis=1))
    ok = dev <= tolerance + 1e-9
    if not ok.any():
        return None
    cand, a, dev = cand[ok], a[ok], dev[ok]
    best = np.lexsort((dev, cand.sum(axis=1)))[0]
    t = 2 * a[best].max() * a[best].min() / (a[best].max() + a[best].min())
    return cand[best].astype(int), a[best] / t, False, float(dev[best])


def site_readings(
    item,
    *,
    substitution=None,
    table="open",
    tolerance=DEFAULT_TOLERANCE,
    dopant_fraction=DEFAULT_DOPANT_FRACTION,
    min_mixing=DEFAULT_MIN_MIXING,
    max_multiplicity=DEFAULT_MAX_MULTIPLICITY,
    _pi=None,
):
    """Readings of one composition as a parent with mixed occupancy, best first.

    Parameters are those of :func:`predict_parent_structure`.

    Returns
    -------
    readings : list of Reading
        Admissible readings (sites with host, members, multiplicity and
        occupancy; mixing probability; written-scale fit; deviation), best
        first (module docstring, step 3).  Empty when none fits.

    Raises
    ------
    ValueError
        If the composition cannot be read, or a role holds more than
        :data:`MAX_SPECIES_PER_ROLE` species.

    Examples
    --------
    >>> best = site_readings("Sn0.25Pb0.75Se")[0]
    >>> [(s.host, s.multiplicity, [el for el, _ in s.members]) for s in best.sites]
    [('Pb', 1, ['Pb', 'Sn']), ('Se', 1, ['Se'])]
    """
    pi = _pi or mixing_source(substitution, table)
    amounts = {el: float(a) for el, a in item_amounts(item).items() if a > 0}
    per_role = []
    for group in _role_groups(amounts):
        if len(group) > MAX_SPECIES_PER_ROLE:
            raise ValueError(
                f"{len(group)} species share one role ({', '.join(group)}); at "
                f"most {MAX_SPECIES_PER_ROLE} are partitioned into sites"
            )
        options = []
        for partition in _partitions(group):
            blocks = [
                _block(b, amounts, pi, dopant_fraction, min_mixing) for b in partition
            ]
            if all(b is not None for b in blocks):
                options.append(blocks)
        per_role.append(options)
    readings = []
    for combo in itertools.product(*per_role):
        blocks = [b for part in combo for b in part]
        fit = _fit(
            [sum(a for _, a in m) for m, _ in blocks], tolerance, max_multiplicity
        )
        if fit is None:
            continue
        n, occupancy, written, dev = fit
        sites = tuple(
            Site(m[0][0], m, int(k), float(o))
            for (m, _), k, o in zip(blocks, n, occupancy)
        )
        prob = float(np.prod([p for _, p in blocks]))
        readings.append(Reading(sites, prob, written, dev))
    readings.sort(key=lambda r: _reading_key(r, tolerance))
    return readings


def _reading_key(r, tolerance):
    """Written-scale readings first, by ``log(mixing probability) + sum over
    sites of log(1 - |occupancy - 1| / tolerance)`` (a full site costs
    nothing, one at the edge of the tolerance everything); then free-scale
    readings by parent size and mixing probability."""
    size = sum(s.multiplicity for s in r.sites)
    if r.written:
        fill = sum(
            math.log(max(1 - abs(s.occupancy - 1) / (tolerance + 1e-9), 1e-12))
            for s in r.sites
        )
        score = math.log(max(r.mixing_probability, 1e-300)) + fill
        return (0, -score, size, r.deviation)
    return (1, size, -r.mixing_probability, r.deviation)


# -- end members and the answer ----------------------------------------------------
def _site_text(site):
    total = sum(a for _, a in site.members)
    parts = [
        f"{el} on the {site.host} site, {100 * a / total:.3g}%"
        for el, a in site.members[1:]
    ]
    if abs(site.occupancy - 1) > 1e-6:
        word = "occupied" if site.occupancy < 1 else "filled (excess)"
        parts.append(f"{site.host} site {100 * site.occupancy:.3g}% {word}")
    return parts


def _formula(elements, multiplicities):
    return "".join(
        f"{el}{k if k > 1 else ''}" for el, k in zip(elements, multiplicities)
    )


def end_members(reading, dopant_fraction=DEFAULT_DOPANT_FRACTION):
    """End-member formulas of a reading and their weights, parent first.

    One non-dopant species per site; weight = product of the site fractions,
    renormalised over the :data:`MAX_END_MEMBERS` heaviest end members.

    Examples
    --------
    >>> end_members(site_readings("Sn0.25Pb0.75Se")[0])
    [('PbSe', 0.75), ('SnSe', 0.25)]
    """
    choices = []
    for site in reading.sites:
        total = sum(a for _, a in site.members)
        kept = [(el, a / total) for el, a in site.members]
        kept = [kept[0]] + [(el, f) for el, f in kept[1:] if f > dopant_fraction]
        norm = sum(f for _, f in kept)
        choices.append([(el, f / norm) for el, f in kept])
    mults = [s.multiplicity for s in reading.sites]
    combos = []
    for combo in itertools.product(*choices):
        w = float(np.prod([f for _, f in combo]))
        combos.append((_formula([el for el, _ in combo], mults), w))
    parent, rest = combos[0], sorted(combos[1:], key=lambda c: -c[1])
    combos = [parent, *rest[: MAX_END_MEMBERS - 1]]
    total = sum(w for _, w in combos)
    return [(f, round(w / total, 12)) for f, w in combos]


def _is_trivial(reading):
    return all(
        len(s.members) == 1 and abs(s.occupancy - 1) < 1e-6 for s in reading.sites
    )


def _predictions(formulas, cache, table, predict_kwargs):
    """``formula -> [rows]`` of answered prototypes, or ``formula -> reason``."""

    todo = sorted({f for f in formulas if f not in cache})
    if not todo:
        return cache
    frame = ordered_structure_types(todo, table, **predict_kwargs)
    for formula, rows in frame.groupby("formula", sort=False):
        if rows["structure_type"].iloc[0] == NO_PREDICTION:
            cache[formula] = str(rows["reason"].iloc[0])
        else:
            cache[formula] = rows.to_dict("records")
    return cache


def _mixture(members, cache):
    """Weighted prototype probabilities over the answered end members."""
    answered = [(f, w) for f, w in members if not isinstance(cache.get(f), str)]
    total = sum(w for _, w in answered)
    scores, info = {}, {}
    for f, w in answered:
        for row in cache[f]:
            key = row["prototype"]
            share = w / total * row["probability"]
            scores[key] = scores.get(key, 0.0) + share
            if share > info.get(key, (0.0, None))[0]:
                info[key] = (share, row)
    missing = [f for f, _ in members if isinstance(cache.get(f), str)]
    return scores, {k: r for k, (_, r) in info.items()}, missing


def _mixed_rows(name, reading, members, cache, top, note):
    scores, info, missing = _mixture(members, cache)
    sites = [t for s in reading.sites for t in _site_text(s)]
    parent = members[0][0]
    mixed = "; ".join(sites)
    ends = ", ".join(f"{f} {w:.3g}" for f, w in members)
    kind = (
        "solid solution"
        if any(len(s.members) > 1 for s in reading.sites)
        else ("off-stoichiometric")
    )
    why = f"{kind} of {parent}: {mixed}; end members {ends}"
    if missing:
        why += f"; no template for end member(s) {', '.join(missing)}"
    if note:
        why = f"{note}; {why}"
    order = sorted(scores, key=lambda k: -scores[k])[: int(top)]
    return [
        (
            name, rank, info[k]["structure_type"], k, float(scores[k]),
            info[k]["template"], info[k]["source_id"], info[k]["source"], why,
            parent, mixed, ends, reading.mixing_probability,
        )
        for rank, k in enumerate(order, start=1)
    ]  # fmt: skip


def _plain_rows(name, rows, top, note=""):
    return [
        (
            name, rank, r["structure_type"], r["prototype"], float(r["probability"]),
            r["template"], r["source_id"], r["source"],
            "; ".join(filter(None, [note, r["reason"]])),
            name, "", f"{name} 1", 1.0,
        )
        for rank, r in enumerate(rows[: int(top)], start=1)
    ]  # fmt: skip


def _no_rows(name, reason):
    return [
        (name, 1, NO_PREDICTION, "", np.nan, "", "", "", reason, "", "", "", np.nan)
    ]


def written_integers(amounts):
    """Whether every amount is written as an integer (within 1e-6)."""
    return all(abs(a - round(a)) < 1e-6 for a in amounts.values())


@lru_cache(maxsize=4)
def _library_keys(polymorphs):
    """Sorted reduced element amounts of every template formula of the library."""

    return frozenset(
        _key(item_amounts(f).values())
        for f in set(load_templates(polymorphs)["formula"])
    )


def _key(amounts):
    counts = [int(round(a)) for a in amounts]
    g = math.gcd(*counts)
    return tuple(sorted(c // g for c in counts))


def _candidates(item, pi, params, whole, library):
    """Readings of one composition to try (library stoichiometries first), or
    the reason there are none."""
    try:
        readings = site_readings(item, _pi=pi, **params)
    except ValueError as exc:
        return f"too many species: {exc}"
    if whole:  # the ordered compound itself was asked first, separately
        readings = [r for r in readings if not _is_trivial(r)]
    if not readings:
        return (
            f"no parent within tolerance: no grouping of its species into sites "
            f"matches integer multiplicities <= {params['max_multiplicity']} "
            f"within {params['tolerance']:.0%} per site"
        )
    if _is_trivial(readings[0]):
        return readings[:1]
    inside = [_key(s.multiplicity for s in r.sites) in library for r in readings]
    order = sorted(range(len(readings)), key=lambda k: not inside[k])
    return [readings[k] for k in order[:MAX_READINGS]]


def _resolve(names, items, pi, top, params, predict):
    """Rows of every composition: ordered ones first, then readings in rounds."""
    out, note = {}, {}
    whole = [written_integers(item_amounts(it)) for it in items]
    cache = predict([n for n, w in zip(names, whole) if w], {})
    for i, w in enumerate(whole):
        got = cache.get(names[i]) if w else None
        if w and not isinstance(got, str):
            out[i] = _plain_rows(names[i], got, top)
        elif w:
            note[i] = f"no template for the ordered compound ({got})"
    library = _library_keys(predict.polymorphs)
    pending = {}
    for i in (i for i in range(len(items)) if i not in out):
        c = _candidates(items[i], pi, params, whole[i], library)
        if isinstance(c, str):
            out[i] = _no_rows(names[i], f"{c}; {note[i]}" if i in note else c)
        elif _is_trivial(c[0]):  # written as fractions but an ordered compound
            got = predict([names[i]], cache)[names[i]]
            out[i] = _no_rows(names[i], got) if isinstance(got, str) else None
            sites = [s.members[0][0] for s in c[0].sites]
            ordered = _formula(sites, [s.multiplicity for s in c[0].sites])
            why = f"read as the ordered compound {ordered}: no site mixing needed"
            out[i] = out[i] or _plain_rows(names[i], got, top, why)
        else:
            pending[i] = c
    tried, chosen = {i: [] for i in pending}, {}
    for r in range(MAX_READINGS):
        todo = {i: c[r] for i, c in pending.items() if r < len(c) and i not in chosen}
        members = {
            i: end_members(rd, params["dopant_fraction"]) for i, rd in todo.items()
        }
        predict([m[0][0] for m in members.values()], cache)
        for i, rd in todo.items():
            parent = members[i][0][0]
            if isinstance(cache[parent], str):
                tried[i].append(f"{parent} ({cache[parent]})")
            else:
                chosen[i] = (rd, members[i])
    predict([f for _, m in chosen.values() for f, _ in m[1:]], cache)
    for i in pending:
        if i in chosen:
            rd, m = chosen[i]
            why = f"{note[i]}; read as its disordered parent" if i in note else None
            out[i] = _mixed_rows(names[i], rd, m, cache, top, why)
        else:
            first = f"{note[i]}; " if i in note else ""
            out[i] = _no_rows(
                names[i],
                f"no template for parent: {first}parents tried: " + "; ".join(tried[i]),
            )
    return [row for i in range(len(items)) for row in out[i]]


class _Predictor:
    """Batched ``predict_structure_type`` of formulas into a shared cache."""

    def __init__(self, table, **kwargs):
        self.table, self.kwargs = table, kwargs
        self.polymorphs = kwargs["polymorphs"]

    def __call__(self, formulas, cache):
        return _predictions(formulas, cache, self.table, self.kwargs)


@cite
def predict_parent_structure(
    formulas,
    table="open",
    *,
    top=1,
    tolerance=DEFAULT_TOLERANCE,
    dopant_fraction=DEFAULT_DOPANT_FRACTION,
    min_mixing=DEFAULT_MIN_MIXING,
    max_multiplicity=DEFAULT_MAX_MULTIPLICITY,
    substitution=None,
    polymorphs="evidence",
    known="use",
):
    """Structure type of compositions with mixed occupancy, through their parent.

    Reads each composition as an ordered parent compound with substitutional
    mixing, dopants and vacancies (module docstring of
    :mod:`sklearn_leafs.site_mixing`), predicts the structure types of the
    parent and of the end members with
    :func:`~sklearn_leafs.substitution.predict_structure_type` and weights
    them by composition.  Compositions written with integer amounts are
    answered by ``predict_structure_type`` unchanged (rows identical to
    its, with ``parent`` the formula itself).

    Parameters
    ----------
    formulas : str or list-like of str, Composition or mapping
        Compositions (a single formula is accepted).
    table : str, LeafTable or DataFrame, default="open"
        Element table of the template search and of Eq. 1.
    top : int, default=1
        Prototypes reported per composition.
    tolerance : float, default=0.1
        Largest relative vacancy or excess of a site against its integer
        multiplicity (``Fe0.95O``: 5% of the Fe site vacant).
    dopant_fraction : float, default=0.1
        Guests holding at most this share of their site are dopants: they
        need no chemical similarity to the host and define no end member.
    min_mixing : float, default=0.25
        Smallest mixing probability of a guest above ``dopant_fraction``.
    max_multiplicity : int, default=12
        Largest multiplicity of a site in a parent formula.
    substitution : None, DataFrame or callable, default=None
        Source of substitution probabilities ``p(guest <- host)``: None for
        Eq. 1 of ``table``; a frame with ``loc[guest, host]``; or a callable
        ``p(guest, host)``.
    polymorphs : {"evidence", "all"}, default="evidence"
        Passed to ``predict_structure_type``.
    known : {"use", "exclude"}, default="use"
        Passed to ``predict_structure_type`` for the parent and end members:
        ``"exclude"`` answers even a library compound from the templates of
        other formulas (for evaluation with the parent's own records left
        out).

    Returns
    -------
    predictions : pandas.DataFrame
        The columns of ``predict_structure_type`` (``formula``, ``rank``,
        ``structure_type``, ``prototype``, ``probability``, ``template``,
        ``source_id``, ``source``, ``reason``) plus ``parent`` (formula of
        the host species with integer multiplicities), ``mixed_sites``
        (``"Sn on the Pb site, 25%"``, vacancies as ``"Fe site 95%
        occupied"``), ``end_members`` (formulas and weights) and
        ``mixing_probability`` (product over guests of the rank probability
        of Eq. 1).  ``probability`` is the end-member weighted mean of their
        calibrated prototype probabilities: it is conditional on the
        reading (the parent and its sites) being right, and it is not
        recalibrated on mixed compositions (the user guide reports its
        reliability on disordered Li-conductor structures; multiplying by
        ``mixing_probability`` discounts unlikely readings).  A composition without answer
        has ``structure_type="no prediction"`` and the reason, beginning with
        its kind (``"no parent within tolerance"``, ``"no template for
        parent"``, ``"too many species"`` or the template search's reason).

    Raises
    ------
    ValueError
        If a composition cannot be read or a parameter is out of range.

    References
    ----------
    .. [1] {cite:vasylenko2024}; Eq. 1.
    .. [2] {cite:hautier2011}.
    .. [3] L. Vegard, "Die Konstitution der Mischkristalle und die
       Raumfüllung der Atome", Z. Phys. 5, 17 (1921).

    Examples
    --------
    >>> result = predict_parent_structure(["Sn0.25Pb0.75Se", "MgO"])
    >>> result[["formula", "structure_type", "parent", "mixed_sites"]].to_string(index=False)
    '       formula structure_type parent               mixed_sites\\nSn0.25Pb0.75Se      rock salt   PbSe Sn on the Pb site, 25%\\n           MgO      rock salt    MgO                          '
    """
    if isinstance(formulas, str) or type(formulas).__name__ == "Composition":
        formulas = [formulas]
    items = as_items(formulas, name="formulas")
    _check(top, tolerance, dopant_fraction, min_mixing, max_multiplicity)
    params = {
        "tolerance": float(tolerance),
        "dopant_fraction": float(dopant_fraction),
        "min_mixing": float(min_mixing),
        "max_multiplicity": int(max_multiplicity),
    }
    pi = mixing_source(substitution, table)
    names = [_name(it) for it in items]
    predict = _Predictor(
        table, polymorphs=polymorphs, known=known, top=max(END_MEMBER_TOP, int(top))
    )
    rows = _resolve(names, items, pi, top, params, predict)
    return pd.DataFrame(rows, columns=_COLUMNS)


def _name(item):
    """Formula string of an item: as written, a Composition's reduced formula,
    or a mapping's amounts (``{"Mg": 1, "O": 1}`` -> ``"Mg1O1"``)."""
    if isinstance(item, str):
        return item
    if hasattr(item, "reduced_formula"):
        return item.reduced_formula
    return "".join(f"{el}{a:g}" for el, a in item_amounts(item).items())


def _check(top, tolerance, dopant_fraction, min_mixing, max_multiplicity):
    checks = {
        "top": (top, int(top) >= 1 if isinstance(top, (int, np.integer)) else False),
        "tolerance": (tolerance, 0 <= tolerance < 1),
        "dopant_fraction": (dopant_fraction, 0 <= dopant_fraction < 0.5),
        "min_mixing": (min_mixing, 0 <= min_mixing <= 1),
        "max_multiplicity": (max_multiplicity, int(max_multiplicity) >= 1),
    }
    for name, (value, ok) in checks.items():
        if not ok:
            raise ValueError(f"{name} is out of range: {value!r}")

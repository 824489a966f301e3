"""Charge-balance searches of the oxidation-state model, by dynamic programming.

The kernels of :mod:`sklearn_leafs.chemistry._oxidation`: the best
charge-balanced assignment of one oxidation state per element
(:func:`_uniform_best`), or with one element split between two neighbouring
same-sign states (:func:`_one_split_best`), over the net charge of an integer
formula, for every sign pattern that respects the electronegativity order
(:func:`_sign_patterns`).  Scores are pymatgen's ICSD occurrence counts
(``_state_lists._occurrence``); ties go to the smaller total absolute charge.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import product

import numpy as np

from ._species import charge_sign as _sign
from ._state_lists import _element_info, _occurrence

#: Largest net-charge range of the uniform search (sum over elements of
#: amount x largest absolute state of the integer formula).
UNIFORM_MAX_RANGE = 1_000_000

#: Pauling-electronegativity difference below which two elements may take
#: either sign relative to each other (P 2.19 and H 2.20 in a phosphide
#: hydride).
ELECTRONEGATIVITY_TOLERANCE = 0.1


def _electronegativity_ok(signs):
    """No positive element more electronegative (beyond the tolerance) than a
    negative one. ``signs``: element -> sign."""
    pos = [_element_info(el)[1] for el, s in signs.items() if s > 0]
    neg = [_element_info(el)[1] for el, s in signs.items() if s < 0]
    if not pos or not neg:
        return not pos and not neg
    return max(pos) <= min(neg) + ELECTRONEGATIVITY_TOLERANCE


@lru_cache(maxsize=4096)
def _sign_patterns(elements, consistent=True):
    """Sign patterns with some positive and some negative element: those that
    respect the electronegativity order (within the tolerance), or, with
    ``consistent=False``, the others."""
    chis = sorted({_element_info(el)[1] for el in elements})
    patterns = set()
    if len(elements) <= 10:
        for signs in product((1, -1), repeat=len(elements)):
            pattern = dict(zip(elements, signs))
            if (
                1 in signs
                and -1 in signs
                and (_electronegativity_ok(pattern) == consistent)
            ):
                patterns.add(signs)
    elif not consistent:
        return []
    else:  # thresholds only
        for t in chis[1:]:
            signs = tuple(1 if _element_info(el)[1] < t else -1 for el in elements)
            patterns.add(signs)
    return sorted(patterns)


def _dp(elements, n, allowed, size, span, total_abs):
    """Best score of every net charge with one state per element.

    Returns the score array over net charges ``offset - span`` and the
    back-pointers (index into ``allowed[i]``) of each element.
    """
    occurrence = _occurrence()
    value = np.full(size, -np.inf)
    value[span] = 0.0
    back = []
    for el, a, qs in zip(elements, n, allowed):
        new = np.full(size, -np.inf)
        choice = np.full(size, -1, dtype=np.int16)
        for k, q in enumerate(qs):
            gain = a * occurrence.get((el, q), 0.0) - 0.5 * a * abs(q) / total_abs
            shift = int(a * q)
            shifted = np.full(size, -np.inf)
            if shift >= 0:
                shifted[shift:] = value[: size - shift]
            else:
                shifted[:shift] = value[-shift:]
            candidate = shifted + gain
            better = candidate > new
            new[better] = candidate[better]
            choice[better] = k
        value = new
        back.append(choice)
    return value, back


def _backtrack(elements, n, allowed, back, position):
    assignment = {}
    for el, a, qs, choice in zip(elements[::-1], n[::-1], allowed[::-1], back[::-1]):
        q = qs[choice[position]]
        assignment[el] = q
        position -= int(a * q)
    return {el: assignment[el] for el in elements}


def _ranges(counts, which):
    elements = [el for el, _ in counts]
    n = np.array([a for _, a in counts], dtype=np.int64)
    states = [_element_info(el)[0][which] for el in elements]
    if any(not s for s in states):
        return None
    span = int(sum(a * max(abs(q) for q in s) for a, s in zip(n, states)))
    if span > UNIFORM_MAX_RANGE:
        raise OverflowError(f"net-charge range {span} > {UNIFORM_MAX_RANGE}")
    return elements, n, states, span, 2 * span + 1, max(1, span)


def _uniform_best(counts, which, tolerance=0.0, consistent=True):
    """Best charge-balanced assignment with one state per element.

    ``counts``: tuple of (element, integer amount). Dynamic programming over
    the net charge for each admissible sign pattern; returns
    ``({element: state}, net charge)`` or None, or raises OverflowError when
    too large.  With ``tolerance`` > 0, the assignment with the smallest
    absolute net charge up to ``tolerance`` per atom wins.
    """
    ranges = _ranges(counts, which)
    if ranges is None:
        return None
    elements, n, states, span, size, total_abs = ranges
    best_value, best = None, None
    for signs in _sign_patterns(tuple(elements), consistent):
        allowed = [[q for q in s if _sign(q) == sg] for s, sg in zip(states, signs)]
        if any(not a for a in allowed):
            continue
        value, back = _dp(elements, n, allowed, size, span, total_abs)
        limit = int(math.floor(tolerance * int(n.sum()) + 1e-9))
        reachable = [
            o for o in range(-limit, limit + 1) if np.isfinite(value[span + o])
        ]
        if not reachable:
            continue
        net = min(reachable, key=lambda o: (abs(o), -value[span + o]))
        key = (-abs(net), value[span + net])
        if best is None or key > best_value:
            best_value = key
            best = (_backtrack(elements, n, allowed, back, span + net), net)
    return best


def _one_split_best(counts, which):
    """Best balanced assignment where one element is split between two
    neighbouring same-sign states of list ``which`` and every other element
    takes one state: ``{element: {state: count}}`` or None.

    The mixed-valence search for formulas too large for pymatgen's
    enumeration (``Fe0.947O``, ``Li0.33CoO2``); dynamic programming over the
    net charge, like :func:`_uniform_best`.
    """
    ranges = _ranges(counts, which)
    if ranges is None:
        return None
    elements, n, states, span, size, total_abs = ranges
    occurrence = _occurrence()
    best_value, best = -np.inf, None
    for signs in _sign_patterns(tuple(elements), True):
        allowed = [[q for q in s if _sign(q) == sg] for s, sg in zip(states, signs)]
        if any(not a for a in allowed):
            continue
        for i, el in enumerate(elements):
            qs = allowed[i]
            if len(qs) < 2 or n[i] < 2:
                continue
            rest = [j for j in range(len(elements)) if j != i]
            r_el = [elements[j] for j in rest]
            r_n, r_allowed = n[rest], [allowed[j] for j in rest]
            value, back = _dp(r_el, r_n, r_allowed, size, span, total_abs)
            c2 = np.arange(1, int(n[i]))
            for q1, q2 in zip(qs, qs[1:]):
                total = int(n[i]) * q1 + c2 * (q2 - q1)
                position = span - total
                inside = (position >= 0) & (position < size)
                score = np.full(len(c2), -np.inf)
                score[inside] = value[position[inside]]
                score += (
                    (n[i] - c2) * occurrence.get((el, q1), 0.0)
                    + c2 * occurrence.get((el, q2), 0.0)
                    - 0.5 * np.abs(total) / total_abs
                )
                k = int(np.argmax(score))
                if np.isfinite(score[k]) and score[k] > best_value:
                    best_value = score[k]
                    others = _backtrack(r_el, r_n, r_allowed, back, int(position[k]))
                    best = {e: {q: int(r_n[j])} for j, (e, q) in enumerate(
                        others.items()
                    )}  # fmt: skip
                    best[el] = {q1: int(n[i] - c2[k]), q2: int(c2[k])}
    if best is None:
        return None
    return {el: best[el] for el in elements}

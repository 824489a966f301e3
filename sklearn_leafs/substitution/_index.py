"""Template indexes: the ``protocol`` strategies of :class:`SubstitutionClassifier`.

``fit`` turns ``protocol`` into one of these objects once (as scikit-learn's
neighbours turn ``algorithm`` into a tree); each answers
``candidates(composition)``: the admissible templates of a target and their
substitution scores.
"""

import numpy as np

from ..chemistry import format_species
from ._matching import anonymous_formula, best_products, groups, signature

__all__ = ["AnonymousFormulaIndex", "PROTOCOLS", "SingleSubstitutionIndex"]


class SingleSubstitutionIndex:
    """``protocol="single"``: templates one same-charge substitution away.

    A template is admissible when replacing one of its species ``P`` by the
    target's species ``T`` of the same charge and amount gives the target's
    reduced species composition; its score is ``p(T <- P)`` (SMACT's
    protocol, Table 1 of Vasylenko et al.).

    Parameters
    ----------
    templates : list of tuple or None
        Reduced species compositions of the templates.
    usable : ndarray of bool
        Templates that may be chosen.
    model : SubstitutionModel
        The substitution probabilities.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_leafs.substitution import SubstitutionModel
    >>> table = pd.DataFrame({"a": [1.0, 0.9, 0.0]}, index=["Na", "K", "Cl"])
    >>> model = SubstitutionModel(table, oxidation_states=None, standardize=False)
    >>> nacl = ((("Na", 1), 1), (("Cl", -1), 1))
    >>> index = SingleSubstitutionIndex([nacl], np.array([True]), model)
    >>> idx, scores = index.candidates(((("K", 1), 1), (("Cl", -1), 1)))
    >>> idx.tolist(), bool(scores[0] == model.p("K", "Na"))
    ([0], True)
    """

    #: Compositions without charge-balanced species are not read as neutral.
    neutral = False

    def __init__(self, templates, usable, model):
        self.model = model
        self._by_rest = {}
        for j, comp in enumerate(templates):
            if not usable[j]:
                continue
            for i, (species, amount) in enumerate(comp):
                key = (comp[:i] + comp[i + 1 :], species[1], amount)
                self._by_rest.setdefault(key, []).append((j, species))

    def candidates(self, comp):
        """Template indices and scores ``p(T <- P)`` for a target composition."""
        found = []
        for i, (species, amount) in enumerate(comp):
            key = (comp[:i] + comp[i + 1 :], species[1], amount)
            for j, parent in self._by_rest.get(key, ()):
                if parent != species and self.model.admissible(parent):
                    found.append((j, self.model.p(species, parent)))
        idx = np.array([j for j, _ in found], dtype=np.intp)
        return idx, np.array([s for _, s in found], dtype=float)

    def no_template(self, comp):
        """Why a target has no candidate."""
        names = ", ".join(format_species(s) for s, _ in comp)
        return f"no template one substitution away from species {names}"


class AnonymousFormulaIndex:
    """``protocol="all"``: every template with the target's anonymous formula.

    Species are matched by role and amount (:mod:`._matching`), the score is
    the best product over matchings of ``p(T <- P)``, an unchanged species
    counting 1 (Hautier et al.).  Per signature, the templates' species are
    laid out in arrays, one per group, so that a target is scored against
    all of them at once.

    Parameters
    ----------
    templates, usable, model
        See :class:`SingleSubstitutionIndex`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn_leafs.substitution import SubstitutionModel
    >>> table = pd.DataFrame(
    ...     {"a": [1.0, 0.9, 0.0, 0.1], "b": [0.0, 0.2, 1.0, 0.8]},
    ...     index=["Na", "K", "Cl", "Br"],
    ... )
    >>> model = SubstitutionModel(table, oxidation_states=None)
    >>> nacl = ((("Na", 1), 1), (("Cl", -1), 1))
    >>> index = AnonymousFormulaIndex([nacl], np.array([True]), model)
    >>> idx, scores = index.candidates(((("K", 1), 1), (("Br", -1), 1)))
    >>> expected = model.p("K", "Na") * model.p("Br", "Cl")
    >>> idx.tolist(), bool(np.isclose(scores[0], expected))
    ([0], True)
    """

    #: Compositions without charge-balanced species are read as neutral.
    neutral = True

    def __init__(self, templates, usable, model):
        self.model = model
        members_of = {}
        for j, comp in enumerate(templates):
            if usable[j]:
                members_of.setdefault(signature(comp), []).append(j)
        self._groups = {}
        for sig, members in members_of.items():
            slots = {}
            for j in members:
                for key, species in groups(templates[j]).items():
                    slots.setdefault(key, []).append(species)
            arrays = {}
            for key, rows in slots.items():
                el = np.array([[model.position(s) for s in r] for r in rows])
                q = np.array([[s[1] for s in r] for r in rows])
                ok = np.array([[model.admissible(s) for s in r] for r in rows])
                arrays[key] = (el, q, ok)
            self._groups[sig] = (np.array(members, dtype=np.intp), arrays)

    def candidates(self, comp):
        """Template indices and best-matching scores for a target composition."""
        group = self._groups.get(signature(comp))
        if group is None:
            return np.empty(0, dtype=np.intp), np.empty(0)
        members, arrays = group
        P = self.model.probability_matrix
        score = np.ones(len(members))
        for key, species in groups(comp).items():
            el, q, ok = arrays[key]
            m = len(species)
            # F[a, b]: p(target a <- template site b), per template
            F = np.empty((m, m, len(members)))
            for a, (t_el, t_q) in enumerate(species):
                t_row = self.model.position((t_el, t_q))
                p = np.where(ok, P[t_row][np.where(el >= 0, el, 0)], 0.0)
                same = (el == t_row) & (q == t_q)
                F[a] = np.where(same, 1.0, p).T
            score *= best_products(F)
        keep = score > 0
        return members[keep], score[keep]

    def no_template(self, comp):
        """Why a target has no candidate."""
        return f"no template with anonymous formula {anonymous_formula(comp)}"


#: ``protocol`` name -> index class.
PROTOCOLS = {"single": SingleSubstitutionIndex, "all": AnonymousFormulaIndex}

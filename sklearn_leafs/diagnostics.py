"""Diagnostics of an element table: is it a sensible description of the elements?

A user who builds a table from their own corpus (or picks one by name) can
ask four questions of it, each answered against a baseline:

1. **Coverage**: which elements (up to Pu, Z = 94) have a row, and how many
   sites each row averages (when the table records it).
2. **Property recovery**: how well a cross-validated logistic regression
   recovers the block, group, period and electronegativity tercile of an
   element from its row, against random Gaussian vectors of the same shape
   (mean and spread over seeds). This is how learned element
   representations are judged in Xie and Grossman (2018).
3. **Neighbour retrieval**: for labelled compositions (Li-ion conductors
   above/below 1e-4 S/cm; superconducting phase fields with max Tc >= 10 K
   or not), the fraction of each composition's ``k`` nearest neighbours
   (cosine of the Eq. 2 composition vectors, leave-one-out) that share its
   label, against the Magpie table and random tables.
4. **Agreement** with a reference table (for example the published ICSD
   table): the Pearson correlation of each element's row with its row in
   the reference, over the shared features.

The module sits in the top layer, beside the command line and the demo: it
uses the tables, the estimators and the dataset fetchers (for the labelled
compositions), and nothing but the ``leafs report`` command uses it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pymatgen.core import Element
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .chemistry._formula import item_amounts
from .datasets import fetch_li_ion_conductivity, fetch_phase_fields
from .neighbors import composition_vectors
from .tables import LeafTable, get_table

__all__ = [
    "TableReport",
    "element_labels",
    "table_coverage",
    "property_recovery",
    "retrieval_precision",
    "table_agreement",
    "table_report",
]

#: Elements a table is expected to cover: H to Pu.
MAX_Z = 94
PROPERTIES = ("block", "group", "period", "electronegativity_tercile")
RETRIEVAL_TASKS = ("li_ion", "superconductors")


def _clean(table):
    """The table's rows with finite values, as (elements, values)."""
    frame = table.frame
    finite = np.isfinite(frame.to_numpy(dtype=float)).all(axis=1)
    return list(frame.index[finite]), frame.to_numpy(dtype=float)[finite]


def element_labels(elements):
    """Block, group, period and electronegativity tercile of each element.

    The group of lanthanoids and actinoids is ``"f"`` (pymatgen puts them in
    group 3). Terciles split the Pauling electronegativities of the *given*
    elements into three equal-count bins (``"low"``, ``"mid"``, ``"high"``);
    elements without a Pauling value get None there.

    Parameters
    ----------
    elements : list of str
        Element symbols.

    Returns
    -------
    labels : pandas.DataFrame
        Indexed by element, one column per property.

    Examples
    --------
    >>> element_labels(["Na", "Fe", "La", "O"]).loc[:, ["block", "group", "period"]]
       block group  period
    Na     s     1       3
    Fe     d     8       4
    La     f     f       6
    O      p    16       2
    """
    rows = {}
    for symbol in elements:
        el = Element(symbol)
        f_block = el.is_lanthanoid or el.is_actinoid
        with warnings.catch_warnings():  # pymatgen warns for noble gases
            warnings.simplefilter("ignore", UserWarning)
            x = el.X
        rows[symbol] = {
            "block": "f" if f_block else el.block,
            "group": "f" if f_block else str(el.group),
            "period": int(el.row),
            "X": x if np.isfinite(x) else np.nan,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    known = frame["X"].notna()
    terciles = pd.qcut(frame.loc[known, "X"], 3, labels=["low", "mid", "high"])
    frame["electronegativity_tercile"] = None
    frame.loc[known, "electronegativity_tercile"] = terciles.astype(str)
    return frame.drop(columns="X")


def table_coverage(table):
    """Coverage of H-Pu and site counts per element.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        Anything :func:`sklearn_leafs.tables.get_table` accepts.

    Returns
    -------
    coverage : dict
        ``n_elements`` (rows with finite values), ``n_features``,
        ``covered`` (of H-Pu), ``missing`` (symbols of H-Pu without a
        complete row), ``extra`` (rows beyond Pu), and ``counts`` (a Series
        of sites per element, or None when the table does not record them)
        with ``min_count`` and ``median_count``.

    Examples
    --------
    >>> import pandas as pd
    >>> cov = table_coverage(pd.DataFrame({"a": [1.0, 2.0]}, index=["Na", "Cl"]))
    >>> cov["covered"], cov["missing"][:3]
    (2, ['H', 'He', 'Li'])
    """
    table = get_table(table)
    elements, _ = _clean(table)
    expected = [Element.from_Z(z).symbol for z in range(1, MAX_Z + 1)]
    counts = table.counts
    if counts is not None:
        counts = counts.reindex(elements).astype(float)
    return {
        "n_elements": len(elements),
        "n_features": table.n_features,
        "covered": sum(el in elements for el in expected),
        "missing": [el for el in expected if el not in elements],
        "extra": [el for el in elements if el not in expected],
        "counts": counts,
        "min_count": None if counts is None else float(counts.min()),
        "median_count": None if counts is None else float(counts.median()),
    }


def _cv_accuracy(X, y, seed, n_splits):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    return float(cross_val_score(model, X, y, cv=cv, scoring="accuracy").mean())


def property_recovery(table, *, n_seeds=5, n_splits=3, random_state=0):
    """Recover element properties from the table rows by logistic regression.

    For each property of :func:`element_labels`, a standardised logistic
    regression is cross-validated (stratified ``n_splits``-fold, shuffled
    with each seed) on the table's rows, and on random Gaussian vectors of
    the same shape (a new draw per seed). Classes with fewer members than
    ``n_splits`` are left out of that property's task.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        Anything :func:`sklearn_leafs.tables.get_table` accepts.
    n_seeds : int, default=5
        Repetitions (CV shuffles and random draws).
    n_splits : int, default=3
        Cross-validation folds (3, so that the transition-metal groups, with
        three members in H-Pu, stay in the group task).
    random_state : int, default=0
        First seed; seeds are ``random_state, random_state + 1, ...``.

    Returns
    -------
    result : pandas.DataFrame
        One row per property: ``n_elements``, ``n_classes``, ``majority``
        (accuracy of always predicting the largest class), ``accuracy`` and
        ``accuracy_std`` (table), ``random`` and ``random_std``.

    References
    ----------
    .. [1] T. Xie and J. C. Grossman, "Hierarchical visualization of
       materials space with graph convolutional neural networks",
       J. Chem. Phys. 149, 174111 (2018).

    Examples
    --------
    A table that one-hot encodes the block recovers it perfectly:

    >>> import pandas as pd
    >>> symbols = ["Li", "Na", "K", "Be", "Mg", "Ca", "B", "Al", "Ga", "Sc",
    ...            "Ti", "V", "La", "Ce", "Pr"]
    >>> table = pd.get_dummies(element_labels(symbols)["block"]).astype(float)
    >>> result = property_recovery(table, n_seeds=1)
    >>> float(result.loc["block", "accuracy"]), int(result.loc["block", "n_classes"])
    (1.0, 4)
    """
    table = get_table(table)
    elements, values = _clean(table)
    labels = element_labels(elements)
    rows = []
    for prop in PROPERTIES:
        y = labels[prop]
        sizes = y.value_counts()
        keep = y.notna() & y.map(sizes).ge(n_splits).fillna(False).astype(bool)
        X, yk = values[keep.to_numpy()], y[keep].astype(str).to_numpy()
        seeds = range(random_state, random_state + n_seeds)
        acc = [_cv_accuracy(X, yk, s, n_splits) for s in seeds]
        rand = [
            _cv_accuracy(
                np.random.default_rng(s).standard_normal(X.shape), yk, s, n_splits
            )
            for s in seeds
        ]
        rows.append(
            {
                "property": prop,
                "n_elements": len(yk),
                "n_classes": len(set(yk)),
                "majority": float(pd.Series(yk).value_counts(normalize=True).iloc[0]),
                "accuracy": np.mean(acc),
                "accuracy_std": np.std(acc),
                "random": np.mean(rand),
                "random_std": np.std(rand),
            }
        )
    return pd.DataFrame(rows).set_index("property")


def _labelled_compositions(task):
    """(formulas, labels) of a retrieval task, or of a given (X, y) pair."""
    if not isinstance(task, str):
        formulas, labels = task
        formulas = [str(f) for f in formulas]
        labels = np.asarray(labels)
        if len(formulas) != len(labels):
            raise ValueError(
                f"task has {len(formulas)} compositions but {len(labels)} labels"
            )
        return formulas, labels
    if task == "li_ion":
        with warnings.catch_warnings():  # offline: the bundled copy is fine
            warnings.simplefilter("ignore", UserWarning)
            li = fetch_li_ion_conductivity()
        return list(li.data), np.asarray(li.target)
    if task == "superconductors":
        with warnings.catch_warnings():  # fallback file, dropped tokens
            warnings.simplefilter("ignore", UserWarning)
            sc = fetch_phase_fields("superconductors")
        # a phase field as an equimolar composition of its elements
        return ["".join(f.split()) for f in sc.data], np.asarray(sc.target)
    raise ValueError(f"unknown retrieval task {task!r}; choose from {RETRIEVAL_TASKS}")


def _precision_at_k(vectors, labels, k):
    """Mean fraction of the k nearest others (cosine) sharing the label."""
    n = len(vectors)
    nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(vectors)
    _, idx = nn.kneighbors(vectors, n_neighbors=min(k + 1, n))
    hits = []
    for i, row in enumerate(idx):
        others = [j for j in row if j != i][:k]
        hits.append(np.mean(labels[others] == labels[i]))
    return float(np.mean(hits))


def _covered(formulas, tables):
    """Indices of formulas whose elements every table has."""
    keep = []
    for i, f in enumerate(formulas):
        elements = item_amounts(f)
        if all(all(el in t for el in elements) for t in tables):
            keep.append(i)
    return np.array(keep, dtype=int)


def retrieval_precision(
    table,
    task="li_ion",
    *,
    k=10,
    baseline="magpie",
    n_seeds=5,
    random_state=0,
):
    """Leave-one-out neighbour retrieval precision@k on labelled compositions.

    Each composition is the fraction-weighted mean of its elements' rows
    (Eq. 2); its ``k`` nearest other compositions by cosine similarity are
    found with :class:`sklearn.neighbors.NearestNeighbors`, and precision@k
    is the fraction of them that share its label, averaged over all
    compositions. Only compositions whose elements both the table and the
    baseline have are used, so the figures compare like with like.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        Anything :func:`sklearn_leafs.tables.get_table` accepts.
    task : {"li_ion", "superconductors"} or (formulas, labels), default="li_ion"
        ``"li_ion"``: the 397 Li-ion conductors, above/below 1e-4 S/cm at
        room temperature (bundled with the package, works offline).
        ``"superconductors"``: the PhaseSelect superconducting phase fields
        (max Tc >= 10 K or not), each as an equimolar composition of its
        elements (fetched; needs the data home or the network). A pair of
        sequences uses your own labelled compositions.
    k : int, default=10
        Neighbours per composition.
    baseline : LeafTable, str or None, default="magpie"
        Table to compare against (None: none).
    n_seeds : int, default=5
        Random tables (Gaussian, same shape as ``table``) to average over.
    random_state : int, default=0
        First seed of the random tables.

    Returns
    -------
    result : dict
        ``task``, ``k``, ``n`` (compositions used), ``base_rate`` (expected
        precision when neighbours are drawn at random: the sum of squared
        class fractions), ``table``, ``baseline`` (or None), ``random`` and
        ``random_std``.

    Examples
    --------
    >>> r = retrieval_precision("open", "li_ion", baseline=None, n_seeds=1)
    >>> r["n"], round(r["base_rate"], 3)
    (397, 0.518)
    """
    table = get_table(table)
    base = None if baseline is None else get_table(baseline)
    formulas, labels = _labelled_compositions(task)
    clean = LeafTable(table.frame.loc[_clean(table)[0]])
    tables = [clean] + (
        [] if base is None else [LeafTable(base.frame.loc[_clean(base)[0]])]
    )
    keep = _covered(formulas, tables)
    formulas = [formulas[i] for i in keep]
    labels = labels[keep]
    fractions = pd.Series(labels).value_counts(normalize=True)
    result = {
        "task": task if isinstance(task, str) else "custom",
        "k": k,
        "n": len(formulas),
        "base_rate": float((fractions**2).sum()),
        "table": _precision_at_k(composition_vectors(formulas, clean), labels, k),
        "baseline": None,
    }
    if base is not None:
        result["baseline"] = _precision_at_k(
            composition_vectors(formulas, tables[1]), labels, k
        )
    rand = []
    for seed in range(random_state, random_state + n_seeds):
        values = np.random.default_rng(seed).standard_normal(clean.values.shape)
        random_table = LeafTable(
            pd.DataFrame(values, index=clean.elements, columns=clean.feature_names)
        )
        rand.append(
            _precision_at_k(composition_vectors(formulas, random_table), labels, k)
        )
    result["random"] = float(np.mean(rand))
    result["random_std"] = float(np.std(rand))
    return result


def table_agreement(table, reference):
    """Per-element agreement of a table with a reference table.

    Parameters
    ----------
    table, reference : LeafTable, str, path or DataFrame
        Anything :func:`sklearn_leafs.tables.get_table` accepts. They must
        share at least two feature names (for example the 37 motifs).

    Returns
    -------
    agreement : pandas.DataFrame
        Indexed by the elements both tables have: ``pearson`` (correlation of
        the two rows over the shared features; NaN when a row is constant)
        and ``cosine``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"x": [1.0, 0.0], "y": [0.0, 1.0], "z": [1.0, 1.0]},
    ...                  index=["Na", "Cl"])
    >>> table_agreement(a, a)["pearson"].tolist()
    [1.0, 1.0]
    """
    table, reference = get_table(table), get_table(reference)
    features = [f for f in table.feature_names if f in set(reference.feature_names)]
    if len(features) < 2:
        raise ValueError(
            "the tables share fewer than two features "
            f"({table.n_features} vs {reference.n_features} columns); agreement "
            "needs the same features, for example two 37-motif LEAF tables"
        )
    elements = [e for e in _clean(table)[0] if e in set(_clean(reference)[0])]
    A = table.frame.loc[elements, features].to_numpy(dtype=float)
    B = reference.frame.loc[elements, features].to_numpy(dtype=float)
    Ac, Bc = A - A.mean(axis=1, keepdims=True), B - B.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = (Ac * Bc).sum(1) / np.sqrt((Ac**2).sum(1) * (Bc**2).sum(1))
        cosine = (A * B).sum(1) / np.sqrt((A**2).sum(1) * (B**2).sum(1))
    return pd.DataFrame({"pearson": pearson, "cosine": cosine}, index=elements)


@dataclass
class TableReport:
    """The diagnostics of one table (see :func:`table_report`).

    Attributes
    ----------
    name : str
        How the table was named.
    coverage : dict
        :func:`table_coverage`.
    properties : pandas.DataFrame
        :func:`property_recovery`.
    retrieval : list of dict
        :func:`retrieval_precision`, one per task; a task whose data could
        not be loaded holds ``task`` and ``error``.
    agreement : pandas.DataFrame or None
        :func:`table_agreement` with the reference, when one was given.
    reference : str or None
        The reference's name.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1.0, 0.0, 0.5], "y": [0.0, 1.0, 0.5]},
    ...                      index=["Na", "Cl", "K"])
    >>> report = TableReport("toy", table_coverage(table), pd.DataFrame())
    >>> print(str(report).splitlines()[2])
    Coverage: 3 of the 94 elements H-Pu (3 rows with finite values, 2 features)
    """

    name: str
    coverage: dict
    properties: pd.DataFrame
    retrieval: list = field(default_factory=list)
    agreement: pd.DataFrame | None = None
    reference: str | None = None

    def summary(self):
        """One flat dict of the headline figures (for side-by-side tables)."""
        out = {
            "elements (H-Pu)": f"{self.coverage['covered']}/{MAX_Z}",
            "features": self.coverage["n_features"],
        }
        for prop, row in self.properties.iterrows():
            out[f"{prop} acc"] = (
                f"{row.accuracy:.3f}±{row.accuracy_std:.3f} "
                f"(random {row.random:.3f}±{row.random_std:.3f})"
            )
        for r in self.retrieval:
            key = f"{r['task']} P@{r.get('k', '')}"
            if "error" in r:
                out[key] = "unavailable"
            else:
                out[key] = f"{r['table']:.3f}"
        if self.agreement is not None:
            out[f"median r vs {self.reference}"] = (
                f"{self.agreement['pearson'].median():.3f}"
            )
        return out

    def __str__(self):
        cov = self.coverage
        lines = [f"Table diagnostics: {self.name}", ""]
        lines.append(
            f"Coverage: {cov['covered']} of the {MAX_Z} elements H-Pu "
            f"({cov['n_elements']} rows with finite values, "
            f"{cov['n_features']} features)"
        )
        if cov["missing"]:
            lines.append(f"  missing: {' '.join(cov['missing'])}")
        if cov["extra"]:
            lines.append(f"  beyond Pu: {' '.join(cov['extra'])}")
        if cov["counts"] is not None:
            few = cov["counts"].sort_values().head(5)
            lines.append(
                f"  sites per element: median {cov['median_count']:.0f}, "
                f"fewest {', '.join(f'{e} {c:.0f}' for e, c in few.items())}"
            )
        else:
            lines.append("  sites per element: not recorded by this table")
        lines += ["", "Property recovery (logistic regression, 3-fold CV accuracy):"]
        lines.append(
            f"  {'property':<26}{'n':>4}{'classes':>8}{'majority':>10}"
            f"{'table':>16}{'random':>16}"
        )
        for prop, r in self.properties.iterrows():
            lines.append(
                f"  {prop:<26}{int(r.n_elements):>4}{int(r.n_classes):>8}"
                f"{r.majority:>10.3f}"
                f"{r.accuracy:>9.3f} ±{r.accuracy_std:.3f}"
                f"{r.random:>9.3f} ±{r.random_std:.3f}"
            )
        if self.retrieval:
            lines += ["", "Neighbour retrieval (leave-one-out precision@k, cosine):"]
            for r in self.retrieval:
                if "error" in r:
                    lines.append(f"  {r['task']}: unavailable ({r['error']})")
                    continue
                base = (
                    ""
                    if r["baseline"] is None
                    else f", {r['baseline_name']} {r['baseline']:.3f}"
                )
                lines.append(
                    f"  {r['task']} (n={r['n']}, k={r['k']}): table "
                    f"{r['table']:.3f}{base}, random {r['random']:.3f} "
                    f"±{r['random_std']:.3f}, label base rate {r['base_rate']:.3f}"
                )
        if self.agreement is not None:
            a = self.agreement["pearson"].dropna()
            worst = a.sort_values().head(5)
            lines += [
                "",
                f"Agreement with {self.reference} ({len(a)} shared elements): "
                f"per-element Pearson r median {a.median():.3f}, "
                f"{(a > 0.8).mean():.0%} above 0.8",
                f"  lowest: {', '.join(f'{e} {v:.2f}' for e, v in worst.items())}",
            ]
        return "\n".join(lines)


def table_report(
    table,
    *,
    reference=None,
    tasks=RETRIEVAL_TASKS,
    k=10,
    baseline="magpie",
    n_seeds=5,
    random_state=0,
):
    """All diagnostics of an element table.

    Parameters
    ----------
    table : LeafTable, str, path or DataFrame
        Anything :func:`sklearn_leafs.tables.get_table` accepts.
    reference : LeafTable, str or None, default=None
        A table to compare rows with (:func:`table_agreement`).
    tasks : sequence of {"li_ion", "superconductors"}, default=both
        Retrieval tasks (:func:`retrieval_precision`). A task whose data
        cannot be loaded (offline, superconductors) is reported as
        unavailable with its reason.
    k : int, default=10
        Neighbours for precision@k.
    baseline : str or LeafTable or None, default="magpie"
        Baseline table for retrieval.
    n_seeds : int, default=5
        Seeds for the random baselines and CV shuffles.
    random_state : int, default=0
        First seed.

    Returns
    -------
    report : TableReport
        ``print(report)`` gives the text that ``leafs report`` prints.

    References
    ----------
    .. [1] T. Xie and J. C. Grossman, J. Chem. Phys. 149, 174111 (2018)
       (property recovery from element vectors).
    .. [2] Y. Suzuki et al., Mach. Learn.: Sci. Technol. 3, 045034 (2022)
       (judging material embeddings by their nearest neighbours).

    Examples
    --------
    >>> report = table_report("open", tasks=(), n_seeds=1)  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    """
    name = table if isinstance(table, str) else repr(table)
    resolved = get_table(table)
    retrieval = []
    for task in tasks:
        try:
            r = retrieval_precision(
                resolved,
                task,
                k=k,
                baseline=baseline,
                n_seeds=n_seeds,
                random_state=random_state,
            )
        except OSError as exc:
            retrieval.append({"task": task, "error": " ".join(str(exc).split())})
            continue
        r["baseline_name"] = baseline if isinstance(baseline, str) else "baseline"
        retrieval.append(r)
    return TableReport(
        name=name,
        coverage=table_coverage(resolved),
        properties=property_recovery(
            resolved, n_seeds=n_seeds, random_state=random_state
        ),
        retrieval=retrieval,
        agreement=None if reference is None else table_agreement(resolved, reference),
        reference=None
        if reference is None
        else (reference if isinstance(reference, str) else "reference"),
    )

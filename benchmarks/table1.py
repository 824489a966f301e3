"""Table 1 of Vasylenko et al.: structure types of 100 AB binaries by substitution.

Leave-one-out over ``fetch_binary_structure_types()`` with
``SubstitutionClassifier(protocol="single")`` (SMACT-compatible: standardised
features, Pearson similarity, single substitutions, normalisation over the
replaced species; a target without template counts as wrong, with
"no prediction" as its own label in the MCC, as in the paper).  Prints the
accuracy and MCC of LEAFs (the published ``leaf.csv``), the seven
``elementembeddings`` baselines and the package's open tables (``open`` and
``open-unweighted``) next to the
authors' figures, and times every evaluation.

Usage::

    python benchmarks/table1.py
    python benchmarks/table1.py --table mine=path/to/table.csv
    python benchmarks/table1.py --records .cache/corpus_records.npz

``--table NAME=PATH`` adds rows for other tables (any LeafTable CSV);
``--records`` adds the table of cached site records and its leak-free variant
(no structure whose reduced formula is one of the 100 targets).
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import matthews_corrcoef
from sklearn.model_selection import LeaveOneOut, cross_val_score

from sklearn_leafs import SubstitutionClassifier
from sklearn_leafs.datasets import fetch_binary_structure_types
from sklearn_leafs.tables import get_table, table_from_records
from sklearn_leafs.tables._embeddings import EMBEDDING_NAMES, load_embedding

ROOT = Path(__file__).resolve().parents[1]

# random_200 scores 0.57 / 0.205 here instead of 0.58 / 0.216: its file has a
# row for Lv and another under Lv's provisional name Uuh; load_embedding drops
# the duplicate, which changes the per-feature standardisation.
#
# The authors' SMACT results (lrcfmd/LEAF, paper/Table1/.../csp/RESULTS; oliynyk
# and the cosine row as measured with SMACT for issue 4).
PAPER = {
    "LEAFs (leaf.csv)": (0.86, 0.7189617),
    "LEAFs, cosine": (0.84, 0.674),
    "magpie": (0.78, 0.5438986),
    "mat2vec": (0.80, 0.6047678),
    "matscholar": (0.81, 0.6251527),
    "megnet16": (0.73, 0.4475679),
    "oliynyk": (0.75, 0.500),
    "skipatom": (0.68, 0.3545182),
    "random_200": (0.58, 0.2164693),
}


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def evaluate(clf, X, y):
    """Leave-one-out accuracy, MCC and wall time (one pass, no refits).

    As in the paper, a target without admissible template is a wrong answer
    with its own label ("no prediction") in the MCC; the classifier itself
    would answer it from the class prior.
    """
    start = time.perf_counter()
    pred, n = clf.leave_one_out_predict(X, y, return_n_templates=True)
    pred = np.where(n == 0, "no prediction", pred.astype(object))
    elapsed = time.perf_counter() - start
    return (pred == y).mean(), matthews_corrcoef(y, pred), elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument(
        "--records",
        type=Path,
        help="cached SiteRecords (.npz) of the corpus: adds rows for the table they "
        "give and for its leak-free variant without any structure whose reduced "
        "formula is one of the 100 targets",
    )
    args = parser.parse_args(argv)

    ab = fetch_binary_structure_types(data_home=data_home())
    X, y = ab.data, ab.target
    formulas = list(ab.frame["formula"])
    leaf = get_table(Path(data_home()) / "leaf-vasylenko2024" / "leaf.csv")

    rows = [
        ("LEAFs (leaf.csv)", SubstitutionClassifier(leaf), X),
        (
            "LEAFs, cosine",
            SubstitutionClassifier(leaf, metric="cosine", standardize=False),
            X,
        ),
        ("LEAFs, plain formulas", SubstitutionClassifier(leaf), formulas),
        ("LEAFs, protocol='all'", SubstitutionClassifier(leaf, protocol="all"), X),
    ]
    try:
        import elementembeddings  # noqa: F401

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # random_200's Uuh row
            rows += [
                (name, SubstitutionClassifier(load_embedding(name)), X)
                for name in EMBEDDING_NAMES
            ]
    except ImportError:
        warnings.warn("elementembeddings is not installed: no baselines", stacklevel=1)
    for name in ("open", "open-unweighted"):
        table = get_table(name)
        rows += [
            (f"{name!r} table", SubstitutionClassifier(table), X),
            (
                f"{name!r} table, plain formulas",
                SubstitutionClassifier(table),
                formulas,
            ),
        ]
    extra = [(n, get_table(p)) for n, _, p in (t.partition("=") for t in args.table)]
    if args.records is not None:
        from sklearn_leafs.environments import SiteRecords

        records = SiteRecords.load(args.records)
        leak_free = records.select(exclude_formulas=formulas)
        print(
            f"records: {records.n_structures} structures; leak-free: "
            f"{leak_free.n_structures} (without the 100 targets' formulas)"
        )
        extra += [
            ("records", table_from_records(records)),
            ("leak-free", table_from_records(leak_free)),
        ]
    for name, table in extra:
        rows += [
            (name, SubstitutionClassifier(table), X),
            (f"{name}, plain formulas", SubstitutionClassifier(table), formulas),
        ]

    print(
        f"{'table':32s} {'acc':>6s} {'MCC':>7s} {'paper acc':>9s} {'paper MCC':>9s} {'time':>8s}"
    )
    total = time.perf_counter()
    for name, clf, inputs in rows:
        acc, mcc, elapsed = evaluate(clf, inputs, y)
        paper_acc, paper_mcc = PAPER.get(name, (np.nan, np.nan))
        print(
            f"{name:32s} {acc:6.3f} {mcc:7.4f} {paper_acc:9.2f} {paper_mcc:9.4f} "
            f"{elapsed:7.3f}s"
        )
    print(f"all {len(rows)} evaluations: {time.perf_counter() - total:.2f} s")

    start = time.perf_counter()
    scores = cross_val_score(SubstitutionClassifier(leaf), X, y, cv=LeaveOneOut())
    print(
        f"cross_val_score(LeaveOneOut()) with leaf.csv: accuracy {scores.mean():.3f} "
        f"in {time.perf_counter() - start:.2f} s (100 refits; a target without "
        "template gets the most frequent label, fallback='prior')"
    )


if __name__ == "__main__":
    main()

"""Mixed compositions: coverage, reasons, rate and calibration of parent readings.

Coverage: every composition of the experimental band-gap task
(``matbench-crabnet/expt_gap/full.csv``) and of the bundled Li-ion
conductivity set (``sklearn_leafs/data/li_ion_conductivity.csv``) is answered
by :func:`sklearn_leafs.substitution.predict_parent_structure` and, for
reference in the same run, by ``predict_structure_type``.  Printed: the share
answered (overall and for formulas with fractional amounts), the reasons for
the rest counted by kind, and the rate (formulas per second, one batched
call, first call's table loading included).

Calibration (issue 22, item 6): a labelled set of disordered compositions
built from the Li-ion conductor CIFs (``li-ion-conductors/cifs``): each CIF
with partial occupancies is read with pymatgen; its composition (with the
partial occupancies) is the query; its *ordered parent* keeps on every
site the majority species at full occupancy (vacancies filled), and the
parent's prototype label is computed as ``scripts/build_templates.py`` does
(pymatgen's protostructure label, canonicalised).  Only parents whose
prototype occurs in the template library are kept (others cannot be right
by construction), and a composition whose parent formula is itself in the
template library is predicted with that formula's own templates left out
(``known="exclude"`` for the end members), so the parent's own records never
answer.  Reported: top-1 accuracy, top-3 accuracy and the expected
calibration error (10 equal-width bins of top-1 probability).

Usage::

    SKLEARN_LEAFS_DATA=/path/to/data python benchmarks/mixed_compositions.py
    python benchmarks/mixed_compositions.py --limit 500 --skip-calibration
"""

import argparse
import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_leafs import predict_structure_type
from sklearn_leafs.substitution import NO_PREDICTION, predict_parent_structure

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("LEAFS_BENCH_CACHE", Path.home() / ".cache" / "leafs"))


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def reason_kind(reason):
    """The kind of a reason: its text before the first ':' or '(' ."""
    return re.split(r"[:(]", str(reason), maxsplit=1)[0].strip()


def fractional(formula):
    return bool(re.search(r"\d\.\d", formula))


def coverage(name, formulas, limit):
    formulas = list(dict.fromkeys(formulas))[:limit]
    frac = np.array([fractional(f) for f in formulas])
    t0 = time.perf_counter()
    new = predict_parent_structure(formulas)
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = predict_structure_type(formulas)
    t_old = time.perf_counter() - t0
    print(
        f"\n== {name}: {len(formulas)} distinct compositions, {frac.sum()} fractional"
    )
    for label, res, t in (("predict_structure_type", old, t_old),
                          ("predict_parent_structure", new, t_new)):  # fmt: skip
        top = res[res["rank"] == 1].set_index("formula").loc[formulas]
        ok = (top["structure_type"] != NO_PREDICTION).to_numpy()
        print(
            f"{label:26s} answered {ok.mean():6.1%} (fractional {ok[frac].mean():6.1%},"
            f" integer {ok[~frac].mean():6.1%})  {len(formulas) / t:7.1f} formulas/s"
        )
    top = new[new["rank"] == 1].set_index("formula").loc[formulas]
    missed = top[top["structure_type"] == NO_PREDICTION]
    if len(missed):
        print("reasons for the rest, by kind:")
        kinds = missed["reason"].map(reason_kind).value_counts()
        for kind, count in kinds.items():
            example = missed[missed["reason"].map(reason_kind) == kind].index[0]
            print(f"  {count:5d}  {kind}  (e.g. {example})")
    mixed = top[top["mixed_sites"] != ""]
    print(f"read as a parent with mixed sites or vacancies: {len(mixed)}")
    return top


# -- calibration set from the Li-ion conductor CIFs --------------------------------
def _alarm(signum, frame):
    raise TimeoutError("timed out")


def parent_of(structure):
    """Ordered parent: majority species of every site at least half occupied."""
    from pymatgen.core import Structure

    species, coords = [], []
    for site in structure:
        occ = {
            str(getattr(sp, "element", sp)): float(a) for sp, a in site.species.items()
        }
        merged = {}
        for el, a in occ.items():
            merged[el] = merged.get(el, 0.0) + a
        if sum(merged.values()) < 0.5:
            continue
        species.append(max(merged, key=merged.get))
        coords.append(site.frac_coords)
    return Structure(structure.lattice, species, coords)


def _label_cif(path, timeout=30):
    """``(file, query formula, parent formula, prototype, error)`` of one CIF."""
    import signal
    import warnings

    from pymatgen.io.cif import CifParser

    sys_path = str(ROOT / "scripts")
    import sys

    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)
    from build_templates import canonical, protostructure

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = CifParser(path, occupancy_tolerance=1.05).parse_structures(
                primitive=False
            )[0]
            if s.is_ordered:
                return (path.name, "", "", "", "ordered")
            parent = parent_of(s)
            formula, factor = parent.composition.get_reduced_formula_and_factor()
            query = s.composition.element_composition / factor
            text = "".join(f"{el}{round(a, 4):g}" for el, a in query.items())
            _, label = protostructure(parent)
            return (path.name, text, formula, canonical(label), "")
    except Exception as exc:  # noqa: BLE001 - every skip is reported with its cause
        return (path.name, "", "", "", f"{type(exc).__name__}: {exc}"[:200])
    finally:
        signal.alarm(0)


def cif_set(n_jobs=2):
    """The labelled disordered compositions (cached as CSV)."""
    from joblib import Parallel, delayed

    cache = CACHE / "li_cif_parents.csv"
    if cache.exists():
        return pd.read_csv(cache, keep_default_na=False)
    paths = sorted((Path(data_home()) / "li-ion-conductors" / "cifs").glob("*.cif"))
    rows = Parallel(n_jobs=n_jobs)(delayed(_label_cif)(p) for p in paths)
    frame = pd.DataFrame(
        rows, columns=["file", "query", "parent", "prototype", "error"]
    )
    cache.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(cache, index=False)
    return frame


def ece(proba, hit, bins=10):
    """Expected calibration error over equal-width bins of top-1 probability."""
    proba, hit = np.asarray(proba, float), np.asarray(hit, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(proba, edges[1:-1]), 0, bins - 1)
    return sum(
        abs(proba[which == b].mean() - hit[which == b].mean()) * (which == b).mean()
        for b in range(bins)
        if (which == b).any()
    )


def _reduced(formula):
    from pymatgen.core import Composition

    return Composition(formula).reduced_formula


def calibration(n_jobs):
    from sklearn_leafs.chemistry import item_amounts
    from sklearn_leafs.substitution import load_templates

    frame = cif_set(n_jobs)
    print(f"\n== calibration: {len(frame)} Li-conductor CIFs")
    kinds = frame["error"].map(lambda e: e.split(":")[0] or "labelled")
    print("CIFs by outcome:", kinds.value_counts().to_dict())
    data = frame[frame["error"] == ""].drop_duplicates(["query", "prototype"])
    templates = load_templates()
    library = set(templates["prototype"])
    data = data[data["prototype"].isin(library)].reset_index(drop=True)
    # reachable: another formula of the library holds the parent's prototype,
    # so the answer can be right with the parent's own templates left out
    holders = templates.groupby("prototype")["formula"].agg(
        lambda f: {_reduced(x) for x in f}
    )
    reachable = np.array(
        [
            bool(holders[t] - {_reduced(p)})
            for t, p in zip(data["prototype"], data["parent"])
        ]
    )
    print(f"{len(data)} distinct disordered compositions whose parent prototype is in "
          f"the template library ({data['parent'].nunique()} parents)")  # fmt: skip
    res = predict_parent_structure(list(data["query"]), top=3, known="exclude")
    res = res.groupby("formula", sort=False)
    hits1, hits3, proba, mixing, parent_ok = [], [], [], [], []
    for q, label, parent in zip(data["query"], data["prototype"], data["parent"]):
        rows = res.get_group(q)
        top = rows.iloc[0]
        answered = top["structure_type"] != NO_PREDICTION
        hits1.append(answered and top["prototype"] == label)
        hits3.append(answered and label in set(rows["prototype"]))
        proba.append(top["probability"] if answered else 0.0)
        mixing.append(top["mixing_probability"] if answered else 0.0)
        same = answered and item_amounts(top["parent"]) == item_amounts(parent)
        parent_ok.append(bool(same))
    hits1, proba, parent_ok = np.array(hits1), np.array(proba), np.array(parent_ok)
    joint = proba * np.array(mixing)
    print(f"answered {np.mean(np.array(mixing) > 0):.3f}; top-1 accuracy "
          f"{hits1.mean():.3f}, top-3 {np.mean(hits3):.3f} (unanswered count as wrong)")  # fmt: skip
    print(f"ECE of probability {ece(proba, hits1):.3f} (mean {proba.mean():.3f}); "
          f"of probability x mixing_probability {ece(joint, hits1):.3f} "
          f"(mean {joint.mean():.3f})")  # fmt: skip
    print("reliability of probability (10 bins): bin  n  mean p  accuracy")
    which = np.clip((proba * 10).astype(int), 0, 9)
    for b in range(10):
        if (which == b).any():
            sel = which == b
            print(f"  {b / 10:.1f}-{(b + 1) / 10:.1f} {sel.sum():4d}  "
                  f"{proba[sel].mean():.3f}  {hits1[sel].mean():.3f}")  # fmt: skip
    by_parent = pd.Series(hits1).groupby(data["parent"].to_numpy()).mean()
    print(f"top-1 accuracy with each CIF parent weighted once: {by_parent.mean():.3f}")
    print(f"on the {reachable.sum()} whose prototype another library formula holds: "
          f"top-1 accuracy {hits1[reachable].mean():.3f}, ECE "
          f"{ece(proba[reachable], hits1[reachable]):.3f}")  # fmt: skip
    print(f"parent formula found exactly: {parent_ok.mean():.3f}; top-1 accuracy on those "
          f"{hits1[parent_ok].mean() if parent_ok.any() else float('nan'):.3f}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--only-calibration", action="store_true")
    args = parser.parse_args()
    if args.only_calibration:
        calibration(args.n_jobs)
        return
    home = Path(data_home())
    gap = pd.read_csv(home / "matbench-crabnet" / "expt_gap" / "full.csv")
    coverage("expt_gap (matbench-crabnet full.csv)", gap["formula"], args.limit)
    li = pd.read_csv(ROOT / "sklearn_leafs" / "data" / "li_ion_conductivity.csv")
    coverage(
        "Li-ion conductors (bundled li_ion_conductivity.csv)", li["formula"], args.limit
    )
    if not args.skip_calibration:
        calibration(args.n_jobs)


if __name__ == "__main__":
    main()

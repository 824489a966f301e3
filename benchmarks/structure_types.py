"""Structure types by substitution: leave-one-formula-out over the template library.

Every template of the built-in library (``load_templates()``, the polymorphs
kept by the evidence rule) is predicted from the templates of all *other*
formulas (all its polymorphs left out), as a user predicts a new compound.
Reported over the ~30 commonest prototypes (by number of formulas):
accuracy, MCC and top-3 accuracy, overall and per prototype; a formula whose
polymorphs the evidence could not tell apart counts once, each polymorph with
its weight.  The probabilities are calibrated by temperature scaling with a
prior mix (``SubstitutionClassifier(calibration="lofo")``); the calibration
error (ECE, 10 bins of top-1 probability) is cross-fitted: parameters fitted
on one half of the formulas, measured on the other.  Compared: sum vs max
aggregation over a prototype's templates, and the evidence polymorph rule vs
every polymorph with split weight.

Alongside, the paper's Table 1 protocol (100 AB binaries, leave-one-out,
SMACT single substitutions, a target without template counted as wrong) with
the published ``leaf.csv`` and the package's default table, and the library
itself on the same 100 formulas (their own templates left out).

Usage::

    SKLEARN_LEAFS_DATA=/path/to/data python benchmarks/structure_types.py
    python benchmarks/structure_types.py --plot docs/_static/structure_types_reliability.png
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import matthews_corrcoef

from sklearn_leafs import SubstitutionClassifier
from sklearn_leafs.substitution import LIBRARY_SHARPNESS as _LIBRARY_SHARPNESS
from sklearn_leafs.substitution import (
    fit_temperature,
    load_templates,
    predict_structure_type,
)
from sklearn_leafs.substitution import species_mapping as _species_mapping

ROOT = Path(__file__).resolve().parents[1]
N_COMMON = 30
TABLE1_PROTOTYPES = {
    "rock salt": "AB_cF8_225_a_b",
    "cscl": "AB_cP2_221_a_b",
    "zinc blende": "AB_cF8_216_a_c",
    "wurtzite": "AB_hP4_186_b_b",
}


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def lofo_scores(clf, X):
    """Per target: candidate label codes and log aggregated scores (or None)."""
    out = []
    for idx, scores, _ in clf._candidates(X, exclude_same=True):
        if not len(idx):
            out.append(None)
            continue
        codes, agg, _ = clf._class_scores(idx, scores)
        out.append((codes, np.log(agg)))
    return out


def probabilities(rows, prior, temperature, a, top=3):
    """Top labels (codes), their probabilities and the full rows' argmax."""
    by_prior = np.argsort(-prior, kind="stable")
    labels = np.full((len(rows), top), -1)
    proba = np.zeros((len(rows), top))
    for r, row in enumerate(rows):
        if row is None:
            labels[r] = by_prior[:top]
            proba[r] = prior[by_prior[:top]]
            continue
        codes, la = row
        z = la / temperature
        q = np.exp(z - z.max())
        p = (1 - a) * q / q.sum() + a * prior[codes]
        others = by_prior[~np.isin(by_prior, codes)][:top]
        all_codes = np.r_[codes, others]
        all_p = np.r_[p, a * prior[others]]
        order = np.argsort(-all_p, kind="stable")[:top]
        labels[r, : len(order)] = all_codes[order]
        proba[r, : len(order)] = all_p[order]
    return labels, proba


def true_positions(rows, true_codes):
    return [
        -1
        if row is None or not np.isin(t, row[0])
        else int(np.flatnonzero(row[0] == t)[0])
        for row, t in zip(rows, true_codes)
    ]


def ece(confidence, correct, weights, n_bins=10):
    """Expected calibration error and the reliability curve."""
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    total, curve = 0.0, []
    for b in range(n_bins):
        m = bins == b
        if not m.any():
            continue
        w = weights[m].sum()
        acc = np.average(correct[m], weights=weights[m])
        conf = np.average(confidence[m], weights=weights[m])
        total += w * abs(acc - conf)
        curve.append((b, conf, acc, w))
    return total / weights.sum(), curve


def cross_fitted(rows, true_codes, weights, prior, seed=0):
    """Calibration fitted on one half of the formulas, applied to the other."""
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, 2, len(rows))
    out_labels = np.zeros((len(rows), 3), dtype=int)
    out_proba = np.zeros((len(rows), 3))
    fitted = []
    for k in (0, 1):
        fit = [i for i in range(len(rows)) if fold[i] != k and rows[i] is not None]
        pos = true_positions([rows[i] for i in fit], true_codes[fit])
        cal = fit_temperature(
            [rows[i][1] for i in fit], pos, weights[fit], prior[true_codes[fit]]
        )
        fitted.append(cal)
        test = np.flatnonzero(fold == k)
        labels, proba = probabilities(
            [rows[i] for i in test], prior, cal["temperature"], cal["prior_weight"]
        )
        out_labels[test], out_proba[test] = labels, proba
    return out_labels, out_proba, fitted


def evaluate(name, templates, targets, table, aggregate, sharpness, plot=None):
    start = time.perf_counter()
    clf = SubstitutionClassifier(
        table,
        protocol="all",
        oxidation_states=None,
        aggregate=aggregate,
        sharpness=sharpness,
    )
    X_t = [_species_mapping(s) for s in templates["species"]]
    clf.fit(X_t, templates["prototype"], sample_weight=templates["weight"].to_numpy())
    X = [_species_mapping(s) for s in targets["species"]]
    y = targets["prototype"].to_numpy()
    w = targets["weight"].to_numpy()
    rows = lofo_scores(clf, X)
    classes = list(clf.classes_)
    codes = np.array([classes.index(v) if v in classes else -1 for v in y])
    prior = clf.class_prior_
    # full-library calibration (what the package stores) and cross-fitted one
    known = np.array([r is not None for r in rows]) & (codes >= 0)
    idx = np.flatnonzero(known)
    full = fit_temperature(
        [rows[i][1] for i in idx],
        true_positions([rows[i] for i in idx], codes[idx]),
        w[idx],
        prior[codes[idx]],
    )
    labels, proba, folds = cross_fitted(rows, np.maximum(codes, 0), w, prior)
    pred = np.array([classes[c] if c >= 0 else "" for c in labels[:, 0]], dtype=object)
    top3 = np.array(
        [y[i] in {classes[c] for c in labels[i] if c >= 0} for i in range(len(y))]
    )
    correct = pred == y
    counts = targets.groupby("prototype")["formula"].nunique()
    common = counts.sort_values(ascending=False).index[:N_COMMON]
    sel = np.isin(y, common)
    acc = np.average(correct[sel], weights=w[sel])
    acc3 = np.average(top3[sel], weights=w[sel])
    mcc = matthews_corrcoef(y[sel], pred[sel], sample_weight=w[sel])
    err, curve = ece(proba[:, 0], correct.astype(float), w)
    err_sel, _ = ece(proba[sel, 0], correct[sel].astype(float), w[sel])
    no_template = np.average([r is None for r in rows], weights=w)
    print(
        f"{name:34s} top-1 {acc:.3f}  top-3 {acc3:.3f}  MCC {mcc:.3f}  "
        f"ECE {err_sel:.3f} (all targets {err:.3f})  "
        f"all-targets top-1 {np.average(correct, weights=w):.3f}  "
        f"no template {no_template:.3f}  ({time.perf_counter() - start:.1f} s)"
    )
    print(
        f"{'':34s} calibration on the whole library: T={full['temperature']:.4f} "
        f"a={full['prior_weight']:.4f} (log loss {full['log_loss']:.3f}, "
        f"{full['n_samples']} targets); cross-fitted folds: "
        + ", ".join(
            f"T={f['temperature']:.3f} a={f['prior_weight']:.3f}" for f in folds
        )
    )
    result = {
        "clf": clf,
        "y": y,
        "w": w,
        "pred": pred,
        "top3": top3,
        "correct": correct,
        "common": common,
        "counts": counts,
        "curve": curve,
        "confidence": proba[:, 0],
        "full": full,
    }
    if plot:
        reliability_plot(curve, err, plot, name)
    return result


def per_prototype(result, names):
    y, w = result["y"], result["w"]
    print(
        f"\n{'prototype':28s} {'name':34s} {'formulas':>8s} {'recall':>7s} "
        f"{'top-3':>6s} {'precision':>9s}"
    )
    for label in result["common"]:
        m = y == label
        p = result["pred"] == label
        precision = np.average(y[p] == label, weights=w[p]) if p.any() else np.nan
        print(
            f"{label:28s} {names.get(label, '')[:34]:34s} {result['counts'][label]:8d} "
            f"{np.average(result['correct'][m], weights=w[m]):7.3f} "
            f"{np.average(result['top3'][m], weights=w[m]):6.3f} {precision:9.3f}"
        )


def reliability_plot(curve, err, path, name):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    conf = [c for _, c, _, _ in curve]
    acc = [a for _, _, a, _ in curve]
    size = np.array([n for _, _, _, n in curve])
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="perfect calibration")
    ax.plot(conf, acc, "o-", color="C0", label="leave-one-formula-out")
    for c, a, n in zip(conf, acc, size):
        ax.annotate(
            f"{n:.0f}", (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7
        )
    ax.set_xlabel("predicted probability of the top prototype")
    ax.set_ylabel("fraction correct")
    ax.set_title(f"{name}\nECE {err:.3f} (cross-fitted)", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"reliability diagram written to {path}")


def table1(table_names):
    from sklearn_leafs.datasets import fetch_binary_structure_types
    from sklearn_leafs.tables import get_table

    ab = fetch_binary_structure_types(data_home=data_home())
    X, y = ab.data, ab.target
    print("\nTable 1 protocol (100 AB binaries, LOO, SMACT single substitutions):")
    for name in table_names:
        table = get_table(name)
        clf = SubstitutionClassifier(table)
        pred, n = clf.leave_one_out_predict(X, y, return_n_templates=True)
        pred = np.where(n == 0, "no prediction", pred.astype(object))
        print(
            f"  {Path(str(name)).name:34s} accuracy {(pred == y).mean():.3f}  "
            f"MCC {matthews_corrcoef(y, pred):.7f}  no template {(n == 0).sum()}"
        )
    formulas = list(ab.frame["formula"])
    truth = np.array([TABLE1_PROTOTYPES[t] for t in y])
    for protocol in ("all", "single"):
        result = predict_structure_type(
            formulas, top=1, known="exclude", protocol=protocol
        )
        pred = result["prototype"].to_numpy()
        print(
            f"  {'library, own formula out, ' + protocol:34s} accuracy "
            f"{(pred == truth).mean():.3f}  MCC {matthews_corrcoef(truth, pred):.4f}  "
            f"no template {(result['structure_type'] == 'no prediction').sum()}"
        )
    print(
        "  (library rows: the dataset's type as its prototype label; any of the "
        "library's prototypes may be predicted)"
    )


#: Textbook compounds (issue 22) and the structure type each takes at ambient
#: conditions.
TEXTBOOK = {
    "CsCl": "CsCl",
    "CsBr": "CsCl",
    "CsI": "CsCl",
    "TlCl": "CsCl",
    "NaCl": "rock salt",
    "BeO": "wurtzite",
    "ZnO": "wurtzite",
    "Al2O3": "corundum",
    "TiO2": "rutile",
    "Co3O4": "spinel",
    "Fe3O4": "spinel",
    "MgAl2O4": "spinel",
    "BaFe2As2": "ThCr2Si2",
    "Y3Al5O12": "garnet",
    "LiFePO4": "olivine",
    "Bi2Te3": "tetradymite (Bi2Te3)",
    "CuFeS2": "chalcopyrite",
    "LiCoO2": "alpha-NaFeO2 (layered rock salt)",
}


def textbook():
    """The library's answers for :data:`TEXTBOOK`, with their templates."""
    pred = predict_structure_type(list(TEXTBOOK), top=2)
    print("\ntextbook compounds (predict_structure_type, default table):")
    right = 0
    for formula, rows in pred.groupby("formula", sort=False):
        first = rows.iloc[0]
        ok = first["structure_type"] == TEXTBOOK[formula]
        right += ok
        other = (
            f"  [{rows.iloc[1]['structure_type']} {rows.iloc[1]['probability']:.2f}]"
            if len(rows) > 1
            else ""
        )
        print(
            f"  {'ok ' if ok else 'NO '} {formula:9s} {first['structure_type'][:34]:34s} "
            f"{first['probability']:.2f}{other}  via {first['template']} "
            f"{first['source_id']}  {first['reason']}"
        )
    print(f"  {right} of {len(TEXTBOOK)} right")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--table",
        default="open",
        help='element table (default: the library\'s, "open")',
    )
    parser.add_argument("--plot", type=Path, help="write the reliability diagram here")
    parser.add_argument("--quick", action="store_true", help="only the default setting")
    args = parser.parse_args(argv)
    evidence = load_templates("evidence")
    every = load_templates("all")
    rows = load_templates("rows")
    named = rows[rows["structure_type"] != ""]
    names = dict(zip(named["prototype"], named["structure_type"]))
    used = evidence.groupby("anonymous_formula")["formula"].nunique()
    print(
        f"library: {len(rows)} structures, {len(evidence)} templates of "
        f"{evidence['formula'].nunique()} formulas and "
        f"{evidence['prototype'].nunique()} prototypes (evidence rule); "
        f"formulas by anonymous formula: "
        + ", ".join(
            f"{k} {v}" for k, v in used.sort_values(ascending=False).head(12).items()
        )
    )
    print(
        "templates by polymorph rule: "
        + ", ".join(
            f"{k} {v}" for k, v in evidence["polymorph_rule"].value_counts().items()
        )
    )
    print(
        f"\nleave-one-formula-out, {N_COMMON} commonest prototypes, table={args.table!r}:"
    )
    k = _LIBRARY_SHARPNESS
    best = evaluate(
        f"sum, sharpness {k:g}, evidence rule",
        evidence,
        evidence,
        args.table,
        "sum",
        k,
        args.plot,
    )
    if not args.quick:
        for other in (1.0, 6.0, 10.0):
            evaluate(
                f"sum, sharpness {other:g}, evidence rule",
                evidence,
                evidence,
                args.table,
                "sum",
                other,
            )
        evaluate("max (best template)", evidence, evidence, args.table, "max", 1.0)
        evaluate(
            f"sum, sharpness {k:g}, all polymorphs",
            every,
            evidence,
            args.table,
            "sum",
            k,
        )
    per_prototype(best, names)
    ab = ["AB_cF8_225_a_b", "AB_cF8_216_a_c", "AB_hP4_186_b_b", "AB_cP2_221_a_b"]
    y, w, correct = best["y"], best["w"], best["correct"]
    print(
        "\nAB recall: "
        + ", ".join(
            f"{names.get(p, p)} {np.average(correct[y == p], weights=w[y == p]):.3f} "
            f"({(y == p).sum()})"
            for p in ab
        )
    )
    textbook()
    try:
        table1(
            [Path(data_home()) / "leaf-vasylenko2024" / "leaf.csv", "open-unweighted"]
        )
    except (FileNotFoundError, OSError) as exc:
        print(f"\nTable 1 protocol skipped: {exc}")


if __name__ == "__main__":
    main()

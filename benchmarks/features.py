"""Which features? LEAF tables with pooling statistics vs matminer's Magpie preset.

On CrabNet's 5-fold split of the shared Matbench composition tasks
(``matbench-crabnet/<task>/{train,val,test}{k}.csv``), in one run with the same
models (HistGradientBoosting and RandomForest, fixed seeds, ``n_jobs=1``):

- the LEAF tables ``vasylenko2024``, ``default`` and their ``+`` variants
  (LEAF+: joined with the 22 Magpie properties), each with Eq. 2 alone
  (``mean``) and with the six pooling statistics of Magpie (``6 stats``:
  mean, avg_dev, min, max, range, mode);
- Magpie's 132 features next to a LEAF table's 37 Eq. 2 means
  (``magpie preset + <table> | mean``, a ``FeatureUnion``);
- matminer's ``ElementProperty.from_preset("magpie")`` computed by matminer
  itself (132 features), and the package's ``magpie_featurizer()`` (the same
  132 values, checked here; only timed, not refit);
- the ElementEmbeddings baselines the package registers (``ee:*``, mean
  pooling), when the optional extra ``baselines`` is installed.

Every model is fit on ``train{k}`` and scored on ``val{k}`` and on
``test{k}``. The validation MAE chooses the recommended configuration (the
LEAF configuration with the lowest mean ratio of its validation MAE to the
Magpie preset's over the tasks and folds run); the test MAE is what is
reported. The test folds choose nothing.

Printed: test MAE per task, model and featurizer (mean over folds), the
ranking per task, the validation-based choice, and each featurizer's time per
1,000 formulas (end to end from strings, parsing included; features are
cached under ``--cache`` with the time measured when they were computed, and
so is each scored fit, so that a run cut short resumes where it stopped).

Usage::

    nice python benchmarks/features.py --cache /work/cache/wtG \\
        --tasks expt_gap,dielectric,jdft2d --folds 0,1,2,3,4 --models hgb
    nice python benchmarks/features.py --cache /work/cache/wtG \\
        --tasks jdft2d --folds 0,1,2,3,4 --models rf
"""

from __future__ import annotations

import os

# n_jobs=1 everywhere: HistGradientBoosting's OpenMP threads are fixed when
# scikit-learn is imported (threadpoolctl alone does not stop them spinning)
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

LEAF_TABLES = ("vasylenko2024", "default", "vasylenko2024+", "default+")
SIX = ("mean", "avg_dev", "min", "max", "range", "mode")
MATMINER = "matminer magpie"
PRESET_PLUS = "magpie preset + "


def magpie_plus_leaf(table):
    from sklearn_leafs.featurizers._presets import magpie_leaf_union

    return magpie_leaf_union(table)


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def task_folder(task):
    return Path(data_home()) / "matbench-crabnet" / task


def load_split(task, fold, part):
    frame = pd.read_csv(task_folder(task) / f"{part}{fold}.csv")
    return frame["formula"].tolist(), frame["target"].to_numpy(float)


def task_formulas(task):
    """Every formula of the task's split files (all folds), in file order."""
    seen = {}
    for path in sorted(task_folder(task).glob("*[0-9].csv")):
        for f in pd.read_csv(path)["formula"]:
            seen.setdefault(f, None)
    return list(seen)


def featurizers(with_embeddings):
    """name -> callable(formulas) -> 2-D array."""
    from sklearn_leafs import ElementFeaturizer
    from sklearn_leafs.featurizers import magpie_featurizer

    out = {}
    for table in LEAF_TABLES:
        for label, stats in (("mean", ("mean",)), ("6 stats", SIX)):
            out[f"{table} | {label}"] = _ours(
                ElementFeaturizer(table=table, stats=stats)
            )
    for table in ("vasylenko2024", "default"):
        # Magpie's 132 features next to the LEAFs' Eq. 2 means
        out[f"{PRESET_PLUS}{table} | mean"] = _ours(magpie_plus_leaf(table))
    out[MATMINER] = _matminer
    out["magpie_featurizer()"] = _ours(magpie_featurizer())
    if with_embeddings:
        from sklearn_leafs.tables import table_names

        for name in table_names():
            if name.startswith("ee:"):
                out[f"{name} | mean"] = _ours(
                    ElementFeaturizer(table=name, errors="nan")
                )
    return out


def _ours(featurizer):
    def run(formulas):
        from sklearn.base import clone

        from sklearn_leafs.chemistry import _formula
        from sklearn_leafs.tables import get_table

        for table in _tables_of(featurizer):  # loaded once per process: not timed
            get_table(table)
        _formula._parse_cached.cache_clear()  # cold: the parse is timed too
        _formula._row_cached.cache_clear()
        return clone(featurizer).fit_transform(formulas)

    return run


def _tables_of(featurizer):
    if hasattr(featurizer, "transformer_list"):
        return [t.table for _, t in featurizer.transformer_list]
    return [featurizer.table]


def _matminer(formulas):
    from matminer.featurizers.composition import ElementProperty
    from pymatgen.core import Composition

    preset = ElementProperty.from_preset("magpie")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([preset.featurize(Composition(f)) for f in formulas])


def features(task, name, run, formulas, cache):
    """(features indexed by formula, seconds per 1,000 formulas)."""
    path = None
    if cache:
        safe = name.replace(" | ", "__").replace(" ", "_").replace(":", "-")
        path = Path(cache) / f"{task}__{safe}__{len(formulas)}.pkl"
        if path.is_file():
            with open(path, "rb") as fh:
                return pickle.load(fh)
    if name != MATMINER:
        run(formulas[:1])  # load the table (first use per process) untimed
    t0 = time.perf_counter()
    X = np.asarray(run(formulas), dtype=float)
    per_1000 = (time.perf_counter() - t0) / len(formulas) * 1000
    result = (pd.DataFrame(X, index=formulas), per_1000)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            pickle.dump(result, fh)
    return result


def make_model(name, seed=0):
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor

    if name == "hgb":
        return HistGradientBoostingRegressor(random_state=seed)
    if name == "rf":
        return RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
    raise SystemExit(f"unknown model {name!r} (hgb, rf)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="expt_gap,dielectric,jdft2d")
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--models", default="hgb,rf")
    parser.add_argument(
        "--featurizers",
        default="",
        help="comma-separated names to run (default: all); 'ee' for embeddings",
    )
    parser.add_argument("--cache", default="", help="folder for cached features")
    parser.add_argument(
        "--no-embeddings", action="store_true", help="skip the ee:* baselines"
    )
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # n_jobs=1 everywhere, OpenMP of HGB included

    tasks = args.tasks.split(",")
    folds = [int(f) for f in args.folds.split(",")]
    models = args.models.split(",")
    try:
        import elementembeddings  # noqa: F401

        embeddings = not args.no_embeddings
        note = "ee:* baselines included"
    except ImportError:
        embeddings = False
        note = "ee:* baselines SKIPPED: elementembeddings is not installed"
    feats = featurizers(embeddings)
    if args.featurizers:
        wanted = args.featurizers.split(",")
        feats = {
            k: v
            for k, v in feats.items()
            if k in wanted or ("ee" in wanted and k.startswith("ee:"))
        }
    print(
        f"tasks {tasks}; folds {folds}; models {models}; {len(feats)} featurizers; "
        f"{note}; n_jobs=1; fit on train{{k}}, choose on val{{k}}, report test{{k}}",
        flush=True,
    )

    rows, timing = [], []
    for task in tasks:
        formulas = task_formulas(task)
        table = {}
        for name, run in feats.items():
            X, per_1000 = features(task, name, run, formulas, args.cache)
            table[name] = X
            timing.append(dict(task=task, featurizer=name, s_per_1000=per_1000))
            n_nan = int(X.isna().any(axis=1).sum())
            print(
                f"  {task}: {name}: {X.shape[1]} features, {per_1000:.3f} s per "
                f"1,000 formulas; {n_nan} of {len(X)} formulas with elements "
                "missing from the table (NaN rows)",
                flush=True,
            )
        if MATMINER in table and "magpie_featurizer()" in table:
            _check_preset(table["magpie_featurizer()"], table[MATMINER])
        for fold in folds:
            f_tr, y_tr = load_split(task, fold, "train")
            f_va, y_va = load_split(task, fold, "val")
            f_te, y_te = load_split(task, fold, "test")
            for name, X in table.items():
                if name == "magpie_featurizer()":
                    continue  # the same values as matminer's (checked above)
                for model_name in models:
                    key = dict(task=task, fold=fold, model=model_name, featurizer=name)
                    row = cached_fit(args.cache, key)
                    if row is None:
                        row = fit_one(
                            model_name, X, (f_tr, y_tr, f_va, y_va, f_te, y_te)
                        )
                        row = {**key, "n_features": X.shape[1], **row}
                        store_fit(args.cache, row)
                    rows.append(row)
                    print(
                        f"    {task} fold {fold} {model_name} {name}: val "
                        f"{row['val_mae']:.4f} test {row['test_mae']:.4f} "
                        f"({row['fit_s']:.1f} s)",
                        flush=True,
                    )
    report(pd.DataFrame(rows), pd.DataFrame(timing))


def fit_one(model_name, X, split):
    """Fit on train, score on val and test: (val MAE, test MAE, fit seconds)."""
    f_tr, y_tr, f_va, y_va, f_te, y_te = split
    model = make_model(model_name)
    t0 = time.perf_counter()
    model.fit(X.loc[f_tr].to_numpy(), y_tr)
    seconds = time.perf_counter() - t0
    val = np.mean(np.abs(model.predict(X.loc[f_va].to_numpy()) - y_va))
    test = np.mean(np.abs(model.predict(X.loc[f_te].to_numpy()) - y_te))
    return dict(val_mae=float(val), test_mae=float(test), fit_s=seconds)


def _fit_path(cache, key):
    safe = key["featurizer"].replace(" | ", "__").replace(" ", "_").replace(":", "-")
    return (
        Path(cache) / "fits" / f"{key['task']}_{key['fold']}_{key['model']}_{safe}.json"
    )


def cached_fit(cache, key):
    """A fit already scored in an earlier run (same cache), or None."""
    if not cache or not _fit_path(cache, key).is_file():
        return None
    return json.loads(_fit_path(cache, key).read_text())


def store_fit(cache, row):
    if cache:
        path = _fit_path(cache, row)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(row))


def _check_preset(ours, theirs):
    from matminer.featurizers.composition import ElementProperty

    from sklearn_leafs.featurizers import magpie_featurizer, matminer_feature_labels

    names = magpie_featurizer().fit(["NaCl"]).get_feature_names_out()
    frame = ours.set_axis(matminer_feature_labels(names), axis=1)
    frame = frame[ElementProperty.from_preset("magpie").feature_labels()]
    diff = np.abs(frame.to_numpy() - theirs.to_numpy())
    scale = np.maximum(1.0, np.abs(theirs.to_numpy()))
    print(
        f"  magpie_featurizer() vs matminer: max |diff| {np.nanmax(diff):.1e}, "
        f"max relative {np.nanmax(diff / scale):.1e}",
        flush=True,
    )


def report(results, timing):
    if results.empty:
        return
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    mean = (
        results.groupby(["featurizer", "model", "task"])[["val_mae", "test_mae"]]
        .mean()
        .reset_index()
    )
    n_folds = results.groupby(["model", "task"])["fold"].nunique()
    print("\nfolds per (model, task):", n_folds.to_dict())
    for model, part in mean.groupby("model"):
        test = part.pivot(index="featurizer", columns="task", values="test_mae")
        val = part.pivot(index="featurizer", columns="task", values="val_mae")
        test["mean rank"] = test.rank().mean(axis=1)
        print(f"\n== {model}: test MAE (mean over folds), sorted by mean rank ==")
        print(test.sort_values("mean rank").round(4).to_string())
        for task in val.columns:
            order = test[task].sort_values().index.tolist()
            print(f"  ranking on {task} (test): " + " < ".join(order))
        if MATMINER in val.index:
            ratio = val.div(val.loc[MATMINER], axis=1)
            leaf = [
                i
                for i in ratio.index
                if i.split(" | ")[0] in LEAF_TABLES or i.startswith(PRESET_PLUS)
            ]
            score = ratio.loc[leaf].mean(axis=1).sort_values()
            print(
                f"\n  {model}: validation MAE / matminer magpie's, mean over tasks "
                "(the choice; lower is better):"
            )
            print("  " + score.round(4).to_string().replace("\n", "\n  "))
            print(f"  => chosen on validation folds: {score.index[0]!r}")
            best = score.index[0]
            wins = (
                test.loc[best, val.columns] <= test.loc[MATMINER, val.columns]
            ).sum()
            print(
                f"  {best!r} test MAE <= matminer magpie's on {wins} of "
                f"{len(val.columns)} tasks"
            )
    t = timing.groupby("featurizer")["s_per_1000"].mean().sort_values()
    print("\n== time per 1,000 formulas (s, mean over tasks; parsing included) ==")
    print(t.round(4).to_string())


if __name__ == "__main__":
    main()

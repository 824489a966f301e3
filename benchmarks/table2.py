"""Table 2 of Vasylenko et al.: MatBench composition tasks, LEAF property models.

The paper trains CrabNet with LEAFs as element vectors and reports MatBench
mean absolute errors next to CrabNet with Mat2Vec. This script runs the
package's models on CrabNet's own 5-fold split of the six composition tasks
(``matbench-crabnet/<task>/{train,val,test}{k}.csv`` in the shared data;
train = train{k} + val{k}, test = test{k}) and prints, for every task and
model, the MAE over the folds run next to the paper's figure, and the training
time of each fold on this machine.

Models:

``hgb``
    Eq. 2 features (mean, max and min pooling of the ``--table`` rows with
    :class:`~sklearn_leafs.ElementFeaturizer`) and a
    ``HistGradientBoostingRegressor``.
``hgb_mae``
    The same with ``loss="absolute_error"`` (the metric is an MAE).
``mlp``
    ``LeafNetRegressor()`` with its defaults (fraction pooling of ``D(M)``,
    MLP head).
``attention``
    ``LeafNetRegressor(head="attention")`` with its defaults.
``attention_ensemble``
    The mean of ``--members`` attention models with the recommended settings
    and seeds ``seed, seed + 1, ...``, as scikit-learn's ``VotingRegressor``
    (members fitted in parallel with ``--jobs`` processes).
``recommended``
    What the user guide ("Property models") recommends:
    :data:`RECOMMENDED` attention settings, averaged over
    :data:`RECOMMENDED_MEMBERS` seeds.

``--validation`` fits on ``train{k}`` only and scores ``val{k}``: settings
are chosen that way, never on the test files.

Usage::

    python benchmarks/table2.py
    python benchmarks/table2.py --tasks expt_gap,jdft2d,dielectric \\
        --models recommended
    python benchmarks/table2.py --tasks jdft2d --folds 0 --models attention \\
        --params '{"head__d_model": 64}' --epochs 100

``--params`` (JSON) overrides estimator parameters of the neural models
(attention options with the ``head__`` prefix, as the estimators take them),
``--epochs`` their ``max_epochs``; ``--threads`` sets torch's thread count.
Data come from ``$SKLEARN_LEAFS_DATA/matbench-crabnet`` (default
``../shared/data``).
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

TASKS = ["castelli", "dielectric", "log_gvrh", "log_kvrh", "jdft2d", "expt_gap"]

#: Paper Table 2: MAE of CrabNet with Mat2Vec and with LEAFs.
PAPER = {
    "castelli": (0.3473, 0.3495),
    "dielectric": (0.4439, 0.4254),
    "log_gvrh": (0.0994, 0.0973),
    "log_kvrh": (0.0741, 0.0761),
    "jdft2d": (49.86, 52.82),
    "expt_gap": (0.3463, 0.343),
}

#: Members (seeds) of the recommended ensemble.
RECOMMENDED_MEMBERS = 4

#: The recommended attention settings (docs/user_guide/property_models.rst).
RECOMMENDED = dict(
    head="attention",
    head__element_features="both",
    loss="absolute_error",
    head__d_model=128,
    head__n_heads=4,
    head__n_layers=3,
    head__dim_feedforward=256,
    hidden_layer_sizes=(256, 128),
    dropout=0.1,
    lr=2e-3,
    weight_decay=1e-2,
    max_epochs=150,
)


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def load_fold(task, fold, validation=False):
    """(train formulas, train targets, test formulas, test targets).

    With ``validation``: train{k} and val{k}; else train{k} + val{k} and
    test{k}.
    """
    folder = Path(data_home()) / "matbench-crabnet" / task
    train = pd.read_csv(folder / f"train{fold}.csv")
    val = pd.read_csv(folder / f"val{fold}.csv")
    if validation:
        train, test = train, val
    else:
        train = pd.concat([train, val], ignore_index=True)
        test = pd.read_csv(folder / f"test{fold}.csv")
    return (
        train["formula"].tolist(),
        train["target"].to_numpy(float),
        test["formula"].tolist(),
        test["target"].to_numpy(float),
    )


def make_model(name, table, params, epochs, seed, members=None, n_jobs=2):
    from sklearn.ensemble import HistGradientBoostingRegressor, VotingRegressor
    from sklearn.pipeline import make_pipeline, make_union

    from sklearn_leafs import ElementFeaturizer, LeafNetRegressor

    if name in ("hgb", "hgb_mae"):
        features = make_union(
            *(ElementFeaturizer(table=table, pooling=p) for p in ("mean", "max", "min"))
        )
        loss = "absolute_error" if name == "hgb_mae" else "squared_error"
        return make_pipeline(
            features, HistGradientBoostingRegressor(loss=loss, random_state=seed)
        )
    if name == "mlp":
        settings = {}
    elif name == "attention":
        settings = dict(head="attention")
    elif name in ("recommended", "attention_ensemble"):
        settings = dict(RECOMMENDED)
        if members is None or name == "recommended":
            members = RECOMMENDED_MEMBERS
    else:
        raise SystemExit(f"unknown model {name!r}")
    if settings.get("head__element_features", "learned") != "learned":
        settings["head__table"] = table
    settings.update(params)
    if epochs is not None:
        settings["max_epochs"] = epochs
    if name not in ("recommended", "attention_ensemble"):
        return LeafNetRegressor(random_state=seed, **settings)
    return VotingRegressor(
        [
            (f"seed{seed + i}", LeafNetRegressor(random_state=seed + i, **settings))
            for i in range(members)
        ],
        n_jobs=n_jobs,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--models", default="hgb,mlp,attention,recommended")
    parser.add_argument(
        "--table", default="open-unweighted+", help="LEAF table for hgb and table rows"
    )
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--params", default="{}", help="JSON estimator overrides")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--members",
        type=int,
        default=RECOMMENDED_MEMBERS,
        help="members of attention_ensemble",
    )
    parser.add_argument(
        "--jobs", type=int, default=2, help="processes fitting ensemble members"
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="fit on train{k}, score val{k} (for choosing settings)",
    )
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    params = json.loads(args.params)
    folds = [int(f) for f in args.folds.split(",")]
    from sklearn_leafs.tables import get_table

    table = get_table(args.table, data_home=data_home())
    print(
        f"table {args.table}; folds {folds}; torch threads {args.threads}; "
        f"params {params or '-'}; epochs {args.epochs or 'model default'}; "
        f"{'validation (train -> val)' if args.validation else 'train + val -> test'}",
        flush=True,
    )
    results = {}
    for task in args.tasks.split(","):
        for name in args.models.split(","):
            errors, seconds = [], []
            for fold in folds:
                X_train, y_train, X_test, y_test = load_fold(
                    task, fold, args.validation
                )
                model = make_model(
                    name, table, params, args.epochs, args.seed, args.members,
                    args.jobs,
                )  # fmt: skip
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds.append(time.perf_counter() - start)
                mae = float(np.mean(np.abs(model.predict(X_test) - y_test)))
                errors.append(mae)
                epochs = getattr(model, "n_epochs_", None) or [
                    getattr(m, "n_epochs_", "-")
                    for m in getattr(model, "estimators_", [])
                ]
                print(
                    f"  {task} {name} fold {fold}: MAE {mae:.4f}, "
                    f"train {len(y_train)} rows in {seconds[-1]:.0f} s, "
                    f"epochs {epochs}",
                    flush=True,
                )
            mae = float(np.mean(errors))
            results[task, name] = (mae, seconds)
            print(
                f"{task} {name} MAE {mae:.4f} (paper LEAFs {PAPER[task][1]:g}) "
                f"{np.mean(seconds):.0f} s per fold ({len(folds)} folds)",
                flush=True,
            )
    return results


if __name__ == "__main__":
    main()

"""LeafAutoencoder on the multi-hot matrix M: time, loss, recovery and Table 1.

Trains :class:`~sklearn_leafs.neural_network.LeafAutoencoder` on the package's
local-environment matrix M (or another ``.npz`` saved by
``LocalEnvironmentMatrix.save``) and reports:

- the training time and the number of epochs;
- the final reconstruction loss (mean per entry, ``reconstruction_error_``);
- the fraction of M's ones recovered at a 0.5 threshold, the fraction of
  zeros wrongly switched on, and the number of latent units that are zero for
  every element (dead ReLUs);
- whether a second fit with the same ``random_state`` is bit-for-bit equal;
- Table 1 (100 AB binaries, leave-one-out, SMACT-compatible protocol of
  ``SubstitutionClassifier(protocol="single")``) with the autoencoder table,
  next to the published ``LEAF59.csv`` measured under the same protocol
  (0.77 / 0.554).

Usage::

    python benchmarks/autoencoder.py                     # package defaults
    python benchmarks/autoencoder.py --paper   # lr=1e-5 everywhere, 500 epochs
    python benchmarks/autoencoder.py --matrix M.npz --loss bce --save-table ae.csv

Set ``SKLEARN_LEAFS_DATA`` to the reference data folder (default
``../shared/data``) for Table 1.
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import matthews_corrcoef

from sklearn_leafs import SubstitutionClassifier
from sklearn_leafs.datasets import fetch_binary_structure_types
from sklearn_leafs.neural_network import LeafAutoencoder, table_from_autoencoder
from sklearn_leafs.tables import get_matrix, get_table

ROOT = Path(__file__).resolve().parents[1]
#: LEAF59.csv under SubstitutionClassifier(protocol="single"), measured here.
LEAF59_SMACT = (0.77, 0.554)


def data_home():
    return os.environ.get("SKLEARN_LEAFS_DATA") or str(ROOT.parent / "shared" / "data")


def table1(table, X, y):
    pred, n = SubstitutionClassifier(table).leave_one_out_predict(
        X, y, return_n_templates=True
    )
    pred = np.where(n == 0, "no prediction", pred.astype(object))  # paper: wrong
    return float((pred == y).mean()), float(matthews_corrcoef(y, pred))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--matrix", default="open-unweighted", help="M: name or .npz path"
    )
    parser.add_argument("--loss", default="mse", choices=["mse", "bce"])
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--n-components", type=int, default=59)
    parser.add_argument(
        "--paper",
        action="store_true",
        help="the paper's settings: lr=1e-5 (encoder too), 500 epochs",
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--save-table", type=Path, default=None)
    parser.add_argument("--no-table1", action="store_true")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    M = get_matrix(args.matrix)
    print(
        f"M: {M.matrix.shape[0]} elements x {M.matrix.shape[1]} columns, "
        f"{M.matrix.nnz} ones (density {M.matrix.nnz / np.prod(M.matrix.shape):.4f})"
    )
    params = {"n_components": args.n_components, "loss": args.loss}
    if args.paper:
        params.update(lr=1e-5, encoder_lr=None, max_epochs=500)
    if args.lr is not None:
        params["lr"] = args.lr
    if args.epochs is not None:
        params["max_epochs"] = args.epochs
    ae = LeafAutoencoder(random_state=args.random_state, **params)
    print(f"settings: {ae.get_params()}; torch threads: {torch.get_num_threads()}")

    start, cpu_start = time.perf_counter(), time.process_time()
    ae.fit(M.matrix)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    again = LeafAutoencoder(random_state=args.random_state, **params).fit(M.matrix)

    Z = ae.transform(M.matrix)
    R = ae.inverse_transform(Z)
    ones = M.matrix.toarray().astype(bool)
    losses = np.asarray(ae.history_[:, "train_loss"])
    print(
        f"training time: {elapsed:.1f} s wall, {cpu:.1f} s CPU, for {ae.n_epochs_} "
        "epochs"
    )
    print(
        f"loss: first epoch {losses[0]:.5f}, last epoch {losses[-1]:.5f}; "
        f"final reconstruction loss ({args.loss}) {ae.reconstruction_error_:.5f}"
    )
    print(
        f"ones recovered at 0.5: {(R[ones] > 0.5).mean():.3f}; "
        f"zeros switched on: {(R[~ones] > 0.5).mean():.5f}"
    )
    print(f"dead latent units (zero for every element): {(Z.max(axis=0) == 0).sum()}")
    print(
        "second fit with the same random_state is bit-for-bit equal: "
        f"{np.array_equal(Z, again.transform(M.matrix))}"
    )

    table = table_from_autoencoder(ae, M)
    if args.save_table is not None:
        print(f"table written to {table.to_csv(args.save_table)}")
    if args.no_table1:
        return
    ab = fetch_binary_structure_types(data_home=data_home())
    X, y = ab.data, ab.target
    leaf59 = get_table(Path(data_home()) / "leaf-vasylenko2024" / "LEAF59.csv")
    print(f"{'Table 1 (SMACT protocol)':34s} {'acc':>6s} {'MCC':>7s}")
    for name, tab in [("LEAF59.csv (published)", leaf59), ("autoencoder table", table)]:
        acc, mcc = table1(tab, X, y)
        print(f"{name:34s} {acc:6.3f} {mcc:7.4f}")
    print(
        f"{'LEAF59, paper protocol figures':34s} {LEAF59_SMACT[0]:6.3f} "
        f"{LEAF59_SMACT[1]:7.4f}"
    )


if __name__ == "__main__":
    main()

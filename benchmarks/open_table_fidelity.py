"""How closely the open default table follows the published ICSD LEAF table.

Compares ``get_table("open-unweighted")`` (built from the open structure corpus by
``scripts/build_open_table.py``) with the published ``leaf.csv`` of
Vasylenko et al. (ICSD means), element by element, over the elements both
tables have. For each element it computes the Pearson correlation and the
cosine similarity of the two 37-value rows, and prints:

- the median and the 10th percentile of both;
- the 10 worst elements (by Pearson) with their site counts in the open
  corpus;
- the elements of each table that the other lacks.

Usage::

    python benchmarks/open_table_fidelity.py [--table PATH]

``--table sklearn_leafs/data/open_table.csv`` scores the reweighted open
table; ``benchmarks/open_table.py`` prints all of issue 23's figures for it.

The ICSD table is read through ``sklearn_leafs.datasets.fetch_leaf_table``
(``$SKLEARN_LEAFS_DATA``, default ``../shared/data``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_leafs.datasets import fetch_leaf_table
from sklearn_leafs.tables import get_table
from sklearn_leafs.tables._leaf_table import LeafTable

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))


def row_agreement(ours: LeafTable, reference: LeafTable) -> pd.DataFrame:
    """Per-element Pearson r and cosine similarity between the two tables."""
    common = [el for el in ours.elements if el in reference]
    a = ours.lookup(common)
    b = reference.lookup(common)
    ac = a - a.mean(axis=1, keepdims=True)
    bc = b - b.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = (ac * bc).sum(1) / np.sqrt((ac**2).sum(1) * (bc**2).sum(1))
        cosine = (a * b).sum(1) / np.sqrt((a**2).sum(1) * (b**2).sum(1))
    counts = ours.counts.reindex(common) if ours.counts is not None else np.nan
    return pd.DataFrame(
        {"pearson": pearson, "cosine": cosine, "sites": counts},
        index=pd.Index(common, name="element"),
    )


def report(ours: LeafTable, reference: LeafTable) -> dict:
    frame = row_agreement(ours, reference)
    summary = {
        "n_common": len(frame),
        "pearson_median": float(frame["pearson"].median()),
        "pearson_p10": float(frame["pearson"].quantile(0.10)),
        "cosine_median": float(frame["cosine"].median()),
        "cosine_p10": float(frame["cosine"].quantile(0.10)),
        "only_ours": [el for el in ours.elements if el not in reference],
        "only_reference": [el for el in reference.elements if el not in ours],
        "worst": frame.sort_values("pearson").head(10),
    }
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="open-unweighted", help="name or CSV path")
    args = parser.parse_args(argv)
    ours = get_table(args.table)
    reference = fetch_leaf_table(data_home=DATA).table
    s = report(ours, reference)
    print(f"open table: {len(ours)} elements; ICSD table: {len(reference)} elements")
    print(f"compared on {s['n_common']} common elements")
    print(
        f"Pearson r: median {s['pearson_median']:.3f}, "
        f"10th percentile {s['pearson_p10']:.3f}"
    )
    print(
        f"cosine:    median {s['cosine_median']:.3f}, "
        f"10th percentile {s['cosine_p10']:.3f}"
    )
    print("worst 10 elements by Pearson r (sites = weighted site count, open corpus):")
    print(s["worst"].to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"only in the open table: {s['only_ours']}")
    print(f"only in the ICSD table: {s['only_reference']}")


if __name__ == "__main__":
    main()

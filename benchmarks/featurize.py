"""Featurization speed: ElementFeaturizer vs a LEAFeatures-style loop vs Magpie.

Builds 100,000 formula strings from the open structure corpus (its formulas,
repeated with varied amounts), then reports microseconds per formula, end to
end from strings, in one process and one run:

- ``ElementFeaturizer`` (sparse fraction matrix times the table);
- a LEAFeatures-style loop: pymatgen ``Composition`` plus a pandas row
  look-up per element (how the original research code featurizes);
- matminer's ``ElementProperty.from_preset("magpie")`` on a subset, timed
  without parsing (Compositions are built beforehand);
- ``ElementFeaturizer(stats=<all six>)`` (mean, avg_dev, min, max, range,
  mode) against the mean-only default, end to end from strings (cold parse
  cache for both) and for the pooling alone (on the same fraction matrix).

Goals: <= 10 us per formula for ElementFeaturizer, parsing included; all six
statistics <= 3x the mean-only time.

Usage: python benchmarks/featurize.py [--n 100000] [--magpie 300]
"""

import argparse
import gzip
import json
import os
import random
import time
from pathlib import Path

import numpy as np

from sklearn_leafs import ElementFeaturizer
from sklearn_leafs.datasets import fetch_leaf_table

DATA = Path(
    os.environ.get("SKLEARN_LEAFS_DATA", Path(__file__).parents[2] / "shared" / "data")
)


def corpus_formulas():
    with gzip.open(DATA / "structure-corpus" / "structures.jsonl.gz", "rt") as f:
        return [json.loads(line)["formula"] for line in f]


def varied(formulas, n, elements, seed=0):
    """n formulas: corpus formulas with every amount scaled by a random factor."""
    from sklearn_leafs.chemistry._formula import parse_formula

    rng = random.Random(seed)
    parsed = []
    for f in formulas:
        try:
            amounts = parse_formula(f)
        except ValueError:
            continue
        if all(el in elements for el in amounts):
            parsed.append(amounts)
    out = []
    for i in range(n):
        amounts = parsed[i % len(parsed)]
        scale = rng.choice([1, 2, 0.5, 0.25, 1.5, 3])
        dope = rng.random() < 0.5
        parts = []
        for el, a in amounts.items():
            a = a * scale * (1 + (rng.random() - 0.5) * 0.2 if dope else 1)
            parts.append(f"{el}{a:.4g}" if a != 1 else el)
        out.append("".join(parts))
    return out


def leafeatures_loop(formulas, frame):
    from pymatgen.core import Composition

    rows = []
    for f in formulas:
        comp = Composition(f).fractional_composition
        vec = np.zeros(frame.shape[1])
        for el, x in comp.get_el_amt_dict().items():
            vec += x * frame.loc[el].to_numpy()
        rows.append(vec)
    return np.asarray(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument(
        "--loop",
        type=int,
        default=5_000,
        help="formulas for the LEAFeatures-style loop",
    )
    parser.add_argument(
        "--magpie", type=int, default=300, help="compositions for matminer Magpie"
    )
    args = parser.parse_args()

    table = fetch_leaf_table().table
    formulas = varied(corpus_formulas(), args.n, set(table.elements))
    n_unique = len(set(formulas))
    print(f"{len(formulas)} formulas ({n_unique} distinct), table {table}")

    from sklearn_leafs.chemistry._formula import _parse_cached

    _parse_cached.cache_clear()  # cold parse cache: the parse is timed too
    feat = ElementFeaturizer(table=table).fit(formulas[:10])
    t0 = time.perf_counter()
    ours = feat.transform(formulas)
    t_ours = (time.perf_counter() - t0) / len(formulas) * 1e6

    sub = formulas[: args.loop]
    t0 = time.perf_counter()
    ref = leafeatures_loop(sub, table.frame)
    t_loop = (time.perf_counter() - t0) / len(sub) * 1e6
    max_diff = np.abs(ref - ours[: len(sub)]).max()

    from matminer.featurizers.composition import ElementProperty
    from pymatgen.core import Composition

    magpie = ElementProperty.from_preset("magpie")
    comps = [Composition(f) for f in formulas[: args.magpie]]
    t0 = time.perf_counter()
    for c in comps:
        magpie.featurize(c)
    t_magpie = (time.perf_counter() - t0) / len(comps) * 1e6

    print(
        f"ElementFeaturizer           {t_ours:9.2f} us/formula (parsing included; goal <= 10)"
    )
    print(
        f"LEAFeatures-style loop      {t_loop:9.2f} us/formula ({len(sub)} formulas)  ratio {t_loop / t_ours:7.1f}x"
    )
    print(
        f"matminer Magpie (no parse)  {t_magpie:9.2f} us/formula ({len(comps)} formulas)  ratio {t_magpie / t_ours:7.1f}x"
    )
    print(f"max |ElementFeaturizer - loop| = {max_diff:.2e}")
    print(f"=> {1e6 / t_ours / 1e6:.2f} million formulas per second")
    six_statistics(table, formulas)


def _best_of(n, func):
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def six_statistics(table, formulas, repeat=3):
    """All six pooling statistics vs the mean only: end to end and pooling."""
    from sklearn_leafs.base import fractions
    from sklearn_leafs.chemistry import _formula
    from sklearn_leafs.featurizers._stats import STATS, pool_stats

    mean_only = ElementFeaturizer(table=table).fit(formulas[:10])
    six = ElementFeaturizer(table=table, stats=STATS).fit(formulas[:10])

    def cold(feat):
        def run():
            _formula._parse_cached.cache_clear()
            _formula._row_cached.cache_clear()
            feat.transform(formulas)

        return run

    t_mean = _best_of(repeat, cold(mean_only))
    t_six = _best_of(repeat, cold(six))
    F = fractions(formulas, table.elements)
    p_mean = _best_of(repeat, lambda: pool_stats(F, table.values, ("mean",)))
    p_six = _best_of(repeat, lambda: pool_stats(F, table.values, STATS))
    n = len(formulas)
    print(
        f"stats={STATS}: end to end {t_six / n * 1e6:.2f} us/formula vs mean only "
        f"{t_mean / n * 1e6:.2f}: ratio {t_six / t_mean:.2f}x (goal <= 3x)"
    )
    print(
        f"  pooling alone (fraction matrix given): {p_six / n * 1e6:.2f} vs "
        f"{p_mean / n * 1e6:.2f} us/formula: ratio {p_six / p_mean:.2f}x "
        f"({table.n_features} table features, {6 * table.n_features} outputs)"
    )


if __name__ == "__main__":
    main()

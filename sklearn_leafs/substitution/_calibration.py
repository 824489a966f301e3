"""Calibration of template scores: temperature scaling with a prior mix.

``proba = (1 - a) * softmax(log(score) / T) + a * prior`` over the labels of
a target, ``T`` and ``a`` fitted by minimising the weighted log loss of
leave-one-formula-out predictions (:func:`fit_temperature`).  The stored
calibration of the built-in template library lives next to the file it
calibrates (``sklearn_leafs/data/structure_templates.calibration.json``) and
records the content fingerprint of the table it was fitted with
(:func:`stored_calibration`).
"""

import hashlib
import json
from functools import lru_cache
from importlib import resources
from numbers import Real

import numpy as np
from scipy.optimize import minimize

from .._citations import cite

__all__ = ["checked_calibration", "fit_temperature", "stored_calibration"]

CALIBRATION_FILE = "structure_templates.calibration.json"


@cite
def fit_temperature(log_scores, hits, weights, prior_true):
    """Fit ``proba = (1 - a) * softmax(log_scores / T) + a * prior``.

    Minimises the weighted log loss of the true labels (temperature scaling
    with a prior mix).

    Parameters
    ----------
    log_scores : list of ndarray
        Per sample, the log aggregated scores of its candidate labels.
    hits : array-like of int
        Per sample, the position of the true label in its candidates, or -1.
    weights : array-like of float
        Sample weights.
    prior_true : array-like of float
        Per sample, the prior of its true label.

    Returns
    -------
    calibration : dict
        ``temperature``, ``prior_weight``, ``log_loss`` and ``n_samples``.

    References
    ----------
    .. [1] {cite:guo2017}.

    Examples
    --------
    >>> import numpy as np
    >>> cal = fit_temperature(
    ...     [np.log([0.9, 0.1]), np.log([0.6, 0.4])], [0, 1], [1.0, 1.0], [0.5, 0.5]
    ... )
    >>> sorted(cal)
    ['log_loss', 'n_samples', 'prior_weight', 'temperature']
    """
    segments = np.array([len(la) for la in log_scores])
    la = np.concatenate(log_scores)
    starts = np.r_[0, np.cumsum(segments)[:-1]]
    hits = np.asarray(hits)
    at = np.where(hits >= 0, starts + np.maximum(hits, 0), 0)
    weights, prior_true = np.asarray(weights, float), np.asarray(prior_true, float)
    seg_id = np.repeat(np.arange(len(segments)), segments)
    lo, hi = np.array([-6.0, -15.0]), np.array([6.0, 6.0])

    def loss(theta):
        theta = np.clip(theta, lo, hi)
        t, a = np.exp(theta[0]), 1 / (1 + np.exp(-theta[1]))
        z = la / t
        zmax = np.maximum.reduceat(z, starts)
        e = np.exp(z - zmax[seg_id])
        q = np.where(hits >= 0, e[at] / np.add.reduceat(e, starts), 0.0)
        p = (1 - a) * q + a * prior_true
        return -(weights * np.log(np.maximum(p, 1e-300))).sum() / weights.sum()

    res = minimize(loss, x0=[0.0, -3.0], method="Nelder-Mead")
    theta = np.clip(res.x, lo, hi)
    return {
        "temperature": float(np.exp(theta[0])),
        "prior_weight": float(1 / (1 + np.exp(-theta[1]))),
        "log_loss": float(res.fun),
        "n_samples": int(len(weights)),
    }


def checked_calibration(values):
    """``{"temperature": T, "prior_weight": a}`` from a user's dict, checked.

    Raises
    ------
    ValueError
        Unless ``T > 0`` and ``0 <= a < 1`` are given as numbers.
    """
    try:
        t = float(values["temperature"])
        a = float(values["prior_weight"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            "calibration must be 'lofo', None or a dict with numeric "
            f"'temperature' and 'prior_weight', got {values!r}"
        ) from None
    if not (t > 0 and 0 <= a < 1 and isinstance(t, Real)):
        raise ValueError(
            f"calibration needs temperature > 0 and 0 <= prior_weight < 1, got {values!r}"
        )
    return {"temperature": t, "prior_weight": a}


@lru_cache(maxsize=1)
def _record():
    root = resources.files("sklearn_leafs") / "data"
    record = json.loads((root / CALIBRATION_FILE).read_text())
    data = (root / record["calibrates"]).read_bytes()
    return record, hashlib.sha256(data).hexdigest()


def stored_calibration(table, protocol, polymorphs):
    """The stored calibration of the template library, if it applies.

    Parameters
    ----------
    table : LeafTable
        The resolved table.
    protocol, polymorphs : str
        The library classifier's protocol and polymorph choice.

    Returns
    -------
    calibration : dict or None
        ``{"temperature": T, "prior_weight": a}`` when the table's content
        fingerprint, the template file's SHA-256, the protocol and the
        polymorph choice are those it was fitted with; else None (the
        caller calibrates by leave-one-formula-out).

    Examples
    --------
    >>> from sklearn_leafs.tables import get_table
    >>> stored_calibration(get_table("open"), "all", "evidence")
    {'temperature': 0.8726, 'prior_weight': 0.2961}
    >>> print(stored_calibration(get_table("vasylenko2024"), "all", "evidence"))
    None
    """
    record, templates_sha = _record()
    fits = (
        table.fingerprint == record["table_fingerprint"]
        and templates_sha == record["templates_sha256"]
        and (protocol, polymorphs) == (record["protocol"], record["polymorphs"])
    )
    if not fits:
        return None
    return {
        "temperature": record["temperature"],
        "prior_weight": record["prior_weight"],
    }

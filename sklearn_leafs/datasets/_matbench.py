"""MatBench v0.1 tasks through matminer, with the benchmark's folds."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import Bunch

from .._download import get_data_home

__all__ = ["fetch_matbench", "MATBENCH_SEED", "MATBENCH_TASKS"]

#: Seed of the matbench v0.1 splits (``KFold``/``StratifiedKFold``, 5 folds).
MATBENCH_SEED = 18012019

#: The 13 matbench v0.1 tasks (``matbench_<task>`` in matminer).
MATBENCH_TASKS = (
    "dielectric",
    "expt_gap",
    "expt_is_metal",
    "glass",
    "jdft2d",
    "log_gvrh",
    "log_kvrh",
    "mp_e_form",
    "mp_gap",
    "mp_is_metal",
    "perovskites",
    "phonons",
    "steels",
)


def fetch_matbench(task, *, data_home=None):
    """Load a MatBench v0.1 task with matminer, as formulas and targets.

    The data come from matminer's own
    ``matminer.datasets.load_dataset("matbench_<task>", data_home=...)``,
    which downloads (on first use) and verifies the file. Structure tasks are
    reduced to the formula of each structure (one row per entry, duplicates
    kept), so composition models such as
    :class:`~sklearn_leafs.LeafNetRegressor` apply to every task.

    The folds are those of matbench v0.1: ``KFold(n_splits=5, shuffle=True,
    random_state=18012019)`` over the rows in matminer's order for regression
    tasks and ``StratifiedKFold`` with the same settings for the
    classification tasks (``expt_is_metal``, ``glass``, ``mp_is_metal``). The
    ``matbench`` package, which stores these folds, generates them this way;
    it is not needed here.

    Parameters
    ----------
    task : str
        Task name without the ``matbench_`` prefix, one of
        :data:`MATBENCH_TASKS` (``"expt_gap"``, ``"jdft2d"``, ...).
        ``"castelli"`` is accepted for ``"perovskites"``.
    data_home : str or path-like, default=None
        Folder below which matminer keeps the file (``<data_home>/matbench``);
        default: :func:`~sklearn_leafs.datasets.get_data_home`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str of length n_samples): formulas; ``target``
        (ndarray of shape (n_samples,)): the task's property; ``frame``
        (DataFrame): matminer's table with a ``formula`` column added;
        ``folds`` (list of 5 ``(train_index, test_index)`` pairs of integer
        arrays); ``target_names`` (list with the target column's name);
        ``task``; ``DESCR``.

    Raises
    ------
    ValueError
        If ``task`` is not a matbench v0.1 task.
    ImportError
        If matminer is not installed.

    References
    ----------
    A. Dunn, Q. Wang, A. Ganose, D. Dopp and A. Jain, "Benchmarking
    materials property prediction methods: the Matbench test set and
    Automatminer reference algorithm", npj Comput. Mater. 6, 138 (2020).

    Examples
    --------
    >>> from sklearn_leafs.datasets import fetch_matbench
    >>> gap = fetch_matbench("expt_gap")  # doctest: +SKIP
    >>> len(gap.data), len(gap.folds)  # doctest: +SKIP
    (4604, 5)
    """
    name = "perovskites" if task == "castelli" else task
    if name not in MATBENCH_TASKS:
        raise ValueError(
            f"unknown matbench task {task!r}; expected one of "
            f"{', '.join(MATBENCH_TASKS)}."
        )
    try:
        from matminer.datasets import load_dataset
    except ImportError as exc:  # pragma: no cover - matminer is a dependency
        raise ImportError(
            "fetch_matbench needs matminer: pip install matminer"
        ) from exc
    folder = get_data_home(data_home) / "matbench"
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        frame = load_dataset(f"matbench_{name}", data_home=str(folder))
    except Exception as exc:
        if created and not any(folder.iterdir()):
            folder.rmdir()  # leave the data home as it was
        raise OSError(
            f"could not load matbench_{name} through matminer into {folder} "
            f"({type(exc).__name__}: {exc}). If you are offline, place "
            f"matminer's matbench_{name}.json.gz there or set SKLEARN_LEAFS_DATA "
            "to a folder whose matbench/ has it."
        ) from exc
    frame = frame.reset_index(drop=True)
    if "composition" in frame.columns:
        formulas = [_formula(c) for c in frame["composition"]]
        inputs = "composition"
    elif "structure" in frame.columns:
        formulas = [s.composition.formula.replace(" ", "") for s in frame["structure"]]
        inputs = "structure"
    else:
        raise ValueError(
            f"matbench_{name} has neither a composition nor a structure column: "
            f"{list(frame.columns)}"
        )
    targets = [c for c in frame.columns if c != inputs]
    if len(targets) != 1:
        raise ValueError(f"matbench_{name}: expected one target column, got {targets}.")
    target = frame[targets[0]].to_numpy()
    classification = target.dtype == bool
    frame = frame.assign(formula=formulas)
    splitter = (StratifiedKFold if classification else KFold)(
        n_splits=5, shuffle=True, random_state=MATBENCH_SEED
    )
    folds = [
        (train.astype(np.intp), test.astype(np.intp))
        for train, test in splitter.split(np.zeros(len(frame)), target)
    ]
    return Bunch(
        data=formulas,
        target=target,
        frame=frame,
        folds=folds,
        target_names=[targets[0]],
        task=name,
        DESCR=(
            f"matbench_{name} (MatBench v0.1, Dunn et al. 2020) loaded with "
            f"matminer: {len(frame)} entries, target {targets[0]!r}; formulas "
            f"from the {inputs} column; 5 matbench folds "
            f"({type(splitter).__name__}, random_state={MATBENCH_SEED})."
        ),
    )


def _formula(composition):
    """Formula string of a composition given as a string or a Composition."""
    if isinstance(composition, str):
        return composition
    return composition.formula.replace(" ", "")
